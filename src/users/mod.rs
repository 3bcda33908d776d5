//! Where a server's users come from, and a client's default credential.

pub mod callback;
pub mod database;
pub mod file;
pub mod line;

use std::path::Path;

use crate::nlmp::credentials::ClientCredential;
use crate::nlmp::error::{Error, Result};

/// The variable naming the user file, as for gss-ntlmssp.
pub const NTLM_USER_FILE_VAR: &str = "NTLM_USER_FILE";
/// The variable choosing the client's default entry by user name.
pub const NTLM_USER_VAR: &str = "NTLM_USER";

/// The client's default credential: the entry of `$NTLM_USER_FILE` whose user equals
/// `$NTLM_USER` (case-insensitively) when that is set, else the first entry.
pub fn default_client_credential() -> Result<ClientCredential> {
    let path = std::env::var_os(NTLM_USER_FILE_VAR).ok_or(Error::NoCredentials)?;
    let db = file::read_once(Path::new(&path))?;
    let wanted = std::env::var(NTLM_USER_VAR).ok().filter(|u| !u.is_empty());
    db.client_credential(wanted.as_deref())
        .ok_or(Error::NoCredentials)
}
