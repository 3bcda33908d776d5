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
    /// No authority could verify the logon: the domain controller (or the member's winbindd in
    /// front of it) is not reachable or did not answer in time.
    NoAuthority,
    /// The clocks of the member and its domain controller differ too much.
    TimeSkew,
    /// The authority ran out of memory.
    InsufficientMemory,
    /// The authority failed in a way that says nothing about the logon.
    Internal,
}

pub type Result<T> = core::result::Result<T, Error>;

/// Why a server refused a logon, finer than the one status SSPI returns for all of them
/// (`SEC_E_LOGON_DENIED`, or `SEC_E_BAD_BINDINGS`): for the `NTLMSSP_DEBUG` trace. The server's
/// own checks and its verifier ([`super::verifier::Verifier`]) report here; a verifier with
/// reasons of its own adds them, each with its error in [`Denial::error`], the one mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    /// The verifier knows no such user (3.2.5.1.2).
    UnknownUser,
    /// The NTLMv2 NTProofStr or the NTLMv1 response does not match the stored password.
    WrongPassword,
    /// An NTLMv1 response while `LM_COMPAT_LEVEL` is 3 or more.
    NtlmV1RefusedByPolicy,
    /// The NtChallengeResponse is neither NTLMv1 (24 bytes) nor NTLMv2 (more than 24).
    UnknownResponse,
    /// MsvAvFlags announces a MIC and the MIC does not verify (a message was altered).
    MicMismatch,
    /// MsvAvFlags announces a MIC and the message has no room for one (it was stripped).
    MicMissing,
    /// The client's AV pairs lack the CHALLENGE's MsvAvTimestamp: TargetInfo was changed on the way.
    TargetInfoAltered,
    /// MsvAvTargetName names none of the SPNs this server accepts (`NTLM_TARGET_NAMES`).
    TargetNameMismatch,
    /// MsvAvChannelBindings differs from the server's channel bindings.
    ChannelBindingsMismatch,
    /// A domain controller's verdict (MS-APDS 3.1.5, NTLM pass-through), or why none could be
    /// had: `error` is what the logon returns, `nt_status` the DC's NTSTATUS (MS-ERREF 2.3.1) or
    /// the one standing for the failure, `name` its name ("" when not known), `reason` in words.
    Domain {
        error: Error,
        nt_status: u32,
        name: &'static str,
        reason: &'static str,
    },
}

impl Denial {
    /// The error (and so the SSPI status) the refusal is reported as.
    pub fn error(self) -> Error {
        match self {
            Denial::ChannelBindingsMismatch => Error::BadBindings,
            Denial::Domain { error, .. } => error,
            _ => Error::LogonDenied,
        }
    }
}

impl core::fmt::Display for Denial {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        if let Denial::Domain {
            nt_status,
            name,
            reason,
            ..
        } = self
        {
            let name = if name.is_empty() { "NTSTATUS" } else { name };
            return write!(f, "{reason} (the domain: {name} 0x{nt_status:08x})");
        }
        f.write_str(match self {
            Denial::UnknownUser => "unknown user (not in the user database)",
            Denial::WrongPassword => {
                "wrong password (the response does not match the stored password)"
            }
            Denial::NtlmV1RefusedByPolicy => {
                "NTLMv1 refused by policy (LM_COMPAT_LEVEL 3 or more accepts NTLMv2 only)"
            }
            Denial::UnknownResponse => "NtChallengeResponse is neither NTLMv1 nor NTLMv2",
            Denial::MicMismatch => "MIC mismatch (a message of the exchange was altered)",
            Denial::MicMissing => "MIC announced by MsvAvFlags but missing (stripped)",
            Denial::TargetInfoAltered => {
                "the client's AV pairs lack the CHALLENGE's MsvAvTimestamp (TargetInfo altered)"
            }
            Denial::TargetNameMismatch => {
                "target name mismatch (MsvAvTargetName is not in NTLM_TARGET_NAMES)"
            }
            Denial::ChannelBindingsMismatch => "channel bindings mismatch",
            Denial::Domain { .. } => unreachable!("written above"),
        })
    }
}

/// A failed verification: the error returned, and the refusal's reason when it is one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failure {
    pub error: Error,
    pub denial: Option<Denial>,
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure {
            error,
            denial: None,
        }
    }
}

impl From<Denial> for Failure {
    fn from(d: Denial) -> Self {
        Failure {
            error: d.error(),
            denial: Some(d),
        }
    }
}
