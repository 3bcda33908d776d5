//! Errors of the protocol core. The SSPI edge maps each one to exactly one `SECURITY_STATUS`.

/// What went wrong, in protocol terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// A token is malformed: bad signature or type, a field outside the message, truncated.
    InvalidToken,
    /// The message arrived in a state that does not expect it.
    OutOfOrder,
    /// The peer's answer does not prove knowledge of the password, or the user is unknown.
    LogonDenied,
    /// The MIC or the signature does not verify.
    MessageAltered,
    /// A sequence number other than the expected one.
    OutOfSequence,
    /// Channel bindings do not match.
    BadBindings,
    /// Policy (LM_COMPAT_LEVEL, required flags) forbids what was negotiated.
    PolicyDenied,
    /// No credentials could be found.
    NoCredentials,
    /// A caller-supplied value is not acceptable.
    InvalidParameter,
    /// The operation is not supported in this configuration.
    Unsupported,
    /// The context is not established (no keys yet).
    NoContext,
    /// An output is larger than the caller allows.
    BufferTooSmall,
}

pub type Result<T> = core::result::Result<T, Error>;
