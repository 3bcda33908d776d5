//! The one mapping from protocol errors to `SECURITY_STATUS`.

use super::types::*;
use crate::nlmp::error::Error;

/// The status an SSPI function returns for a core error. Exhaustive: a new error variant does
/// not compile until it has a status.
pub fn status(e: Error) -> SECURITY_STATUS {
    match e {
        Error::InvalidToken => SEC_E_INVALID_TOKEN,
        Error::OutOfOrder => SEC_E_OUT_OF_SEQUENCE,
        Error::LogonDenied => SEC_E_LOGON_DENIED,
        Error::MessageAltered => SEC_E_MESSAGE_ALTERED,
        Error::OutOfSequence => SEC_E_OUT_OF_SEQUENCE,
        Error::BadBindings => SEC_E_BAD_BINDINGS,
        Error::PolicyDenied => SEC_E_LOGON_DENIED,
        Error::NoCredentials => SEC_E_NO_CREDENTIALS,
        Error::InvalidParameter => SEC_E_INVALID_PARAMETER,
        Error::Unsupported => SEC_E_UNSUPPORTED_FUNCTION,
        Error::NoContext => SEC_E_INVALID_HANDLE,
        Error::BufferTooSmall => SEC_E_BUFFER_TOO_SMALL,
        Error::NoAuthority => SEC_E_NO_AUTHENTICATING_AUTHORITY,
        Error::TimeSkew => SEC_E_TIME_SKEW,
        Error::InsufficientMemory => SEC_E_INSUFFICIENT_MEMORY,
        Error::Internal => SEC_E_INTERNAL_ERROR,
    }
}

/// Runs the body of an export that reports failure through `Result`.
pub fn run(f: impl FnOnce() -> Result<SECURITY_STATUS, SECURITY_STATUS>) -> SECURITY_STATUS {
    f().unwrap_or_else(|e| e)
}
