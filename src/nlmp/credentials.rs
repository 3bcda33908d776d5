//! [MS-NLMP] 3.1.1 / 3.2.1 credentials: the client's identity with its one-way functions
//! computed once, and the server's user database.
//!
//! The password itself is never kept: NTOWFv1, LMOWFv1 and NTOWFv2 are derived when the
//! credential is created, so no handshake hashes the password again, and only those hashes
//! (zeroized on drop) stay in memory.

use std::sync::Arc;

use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::crypto::{self, HmacMd5Key};
use super::error::{Error, Result};

/// A 16-byte secret (an OWF or a key), zeroized when dropped.
#[derive(Clone, Zeroize, ZeroizeOnDrop, PartialEq, Eq)]
pub struct Secret16(pub [u8; 16]);

impl core::fmt::Debug for Secret16 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Secret16(..)")
    }
}

/// What a client authenticates as.
#[derive(Clone, Debug)]
pub struct ClientCredential {
    pub user: String,
    pub domain: String,
    /// Empty user and password: 3.1.5.1.2 anonymous authentication.
    pub anonymous: bool,
    /// NTOWFv1 = MD4(UNICODE(Passwd)), the NT hash.
    pub nt_hash: Secret16,
    /// LMOWFv1, used only at LM_COMPAT_LEVEL 0–1 and for LM_KEY.
    pub lm_hash: Secret16,
    /// NTOWFv2(Passwd, User, UserDom) for this user and domain, as a ready HMAC key
    /// (ResponseKeyNT = ResponseKeyLM for NTLMv2): computed once per credential.
    pub ntowfv2: HmacMd5Key,
}

impl ClientCredential {
    /// Derives everything a handshake needs from the password, which the caller then drops.
    pub fn from_password(user: &str, domain: &str, password: &str) -> Self {
        let nt_hash = Secret16(crypto::NTOWFv1(password));
        Self::from_hashes(
            user,
            domain,
            nt_hash,
            Secret16(crypto::LMOWFv1(password)),
            password.is_empty(),
        )
    }

    /// A credential from a known NT hash (no LM hash: NTLMv1 with a real LM response is then
    /// impossible, the NT response is sent in both fields as at level 2).
    pub fn from_nt_hash(user: &str, domain: &str, nt_hash: [u8; 16]) -> Self {
        Self::from_hashes(user, domain, Secret16(nt_hash), Secret16([0; 16]), false)
    }

    fn from_hashes(
        user: &str,
        domain: &str,
        nt_hash: Secret16,
        lm_hash: Secret16,
        empty_password: bool,
    ) -> Self {
        let ntowfv2 = response_key(&nt_hash, user, domain);
        ClientCredential {
            user: user.to_owned(),
            domain: domain.to_owned(),
            anonymous: user.is_empty() && empty_password,
            nt_hash,
            lm_hash,
            ntowfv2,
        }
    }

    /// "DOMAIN\user", or "user" without a domain (QueryCredentialsAttributes NAMES).
    pub fn display_name(&self) -> String {
        qualified_name(&self.domain, &self.user)
    }
}

/// "DOMAIN\user", or "user" when the domain is empty.
pub fn qualified_name(domain: &str, user: &str) -> String {
    if domain.is_empty() {
        user.to_owned()
    } else {
        format!("{domain}\\{user}")
    }
}

// ---------------------------------------------------------------------------------------------
// The user file: `DOMAIN:USER:PASSWORD` lines, the format gss-ntlmssp and pyspnego read.

/// The variable naming the user file, as for gss-ntlmssp.
pub const NTLM_USER_FILE_VAR: &str = "NTLM_USER_FILE";
/// The variable choosing the client's default entry by user name.
pub const NTLM_USER_VAR: &str = "NTLM_USER";

/// One line of the user file.
#[derive(Debug)]
pub struct UserFileEntry {
    pub domain: String,
    pub user: String,
    pub password: Zeroizing<String>,
}

/// Parses the user file's text. Blank lines and lines starting with `#` are skipped; a line
/// needs two colons (the password is everything after the second one and may contain more);
/// a trailing CR is dropped.
pub fn parse_user_file(text: &str) -> Vec<UserFileEntry> {
    text.lines()
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let mut parts = l.splitn(3, ':');
            let domain = parts.next()?;
            let user = parts.next()?;
            let password = parts.next()?;
            Some(UserFileEntry {
                domain: domain.to_owned(),
                user: user.to_owned(),
                password: Zeroizing::new(password.to_owned()),
            })
        })
        .collect()
}

fn read_user_file() -> Result<Zeroizing<String>> {
    let path = std::env::var_os(NTLM_USER_FILE_VAR).ok_or(Error::NoCredentials)?;
    std::fs::read(path)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .map(Zeroizing::new)
        .ok_or(Error::NoCredentials)
}

/// The client's default credential: the entry of `$NTLM_USER_FILE` whose user equals
/// `$NTLM_USER` (case-insensitively) when that is set, else the first entry.
pub fn default_client_credential() -> Result<ClientCredential> {
    let text = read_user_file()?;
    let entries = parse_user_file(&text);
    let wanted = std::env::var(NTLM_USER_VAR).ok().filter(|u| !u.is_empty());
    let entry = match wanted {
        Some(u) => entries.iter().find(|e| eq_ignore_case(&e.user, &u)),
        None => entries.first(),
    }
    .ok_or(Error::NoCredentials)?;
    Ok(ClientCredential::from_password(
        &entry.user,
        &entry.domain,
        &entry.password,
    ))
}

/// Case-insensitive comparison as Windows does it for account names (Unicode uppercase).
pub fn eq_ignore_case(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.eq_ignore_ascii_case(b) || a.to_uppercase() == b.to_uppercase()
}

/// NTOWFv2(NT hash, user, domain) as an HMAC key.
pub fn response_key(nt_hash: &Secret16, user: &str, domain: &str) -> HmacMd5Key {
    let mut k = crypto::NTOWFv2(&nt_hash.0, user, domain);
    let key = HmacMd5Key::new(&k);
    k.zeroize();
    key
}

/// Where a server finds a user's NT hash.
pub trait UserDatabase: Send + Sync {
    /// The NT hash (NTOWFv1) of `user` in `domain` as the client named them, or `None` when the
    /// user is unknown.
    fn nt_hash(&self, user: &str, domain: &str) -> Option<Secret16>;

    /// NTOWFv2 for `user` in `domain` as the client named them (the NTLMv2 ResponseKeyNT). A
    /// database may have it ready; by default it is derived from [`Self::nt_hash`].
    fn response_key_nt(&self, user: &str, domain: &str) -> Option<HmacMd5Key> {
        self.nt_hash(user, domain)
            .map(|h| response_key(&h, user, domain))
    }
}

/// The user file loaded once, with every NT hash computed at load time, and each entry's
/// NTOWFv2 for its own user and domain (what a client naming them exactly as the file does
/// needs).
#[derive(Debug, Default)]
pub struct FileUserDatabase {
    entries: Vec<FileEntry>,
}

#[derive(Debug)]
struct FileEntry {
    domain: String,
    user: String,
    nt_hash: Secret16,
    /// UPPER(user), as NTOWFv2 uses it.
    user_upper: String,
    ntowfv2: HmacMd5Key,
}

impl FileUserDatabase {
    pub fn from_text(text: &str) -> Self {
        let parsed = parse_user_file(text);
        // Sized once and filled by push: a collect() here would reuse and then shrink the parsed
        // entries' buffer, freeing a block that still holds hashes.
        let mut entries = Vec::with_capacity(parsed.len());
        for e in &parsed {
            let nt_hash = Secret16(crypto::NTOWFv1(&e.password));
            let ntowfv2 = response_key(&nt_hash, &e.user, &e.domain);
            entries.push(FileEntry {
                domain: e.domain.clone(),
                user: e.user.clone(),
                nt_hash,
                user_upper: e.user.to_uppercase(),
                ntowfv2,
            });
        }
        FileUserDatabase { entries }
    }

    /// Loads `$NTLM_USER_FILE`.
    pub fn from_env() -> Result<Self> {
        Ok(Self::from_text(&read_user_file()?))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl UserDatabase for FileUserDatabase {
    /// User and domain compare case-insensitively; an entry with an empty domain matches any
    /// domain. An exact domain match wins over an empty-domain entry.
    fn nt_hash(&self, user: &str, domain: &str) -> Option<Secret16> {
        self.find(user, domain).map(|e| e.nt_hash.clone())
    }

    fn response_key_nt(&self, user: &str, domain: &str) -> Option<HmacMd5Key> {
        let e = self.find(user, domain)?;
        // NTOWFv2 hashes UPPER(user) and the domain as sent: the ready key fits when both are
        // what the file says.
        if e.domain == domain
            && user
                .chars()
                .flat_map(char::to_uppercase)
                .eq(e.user_upper.chars())
        {
            Some(e.ntowfv2.clone())
        } else {
            Some(response_key(&e.nt_hash, user, domain))
        }
    }
}

impl FileUserDatabase {
    /// User and domain compare case-insensitively; an entry with an empty domain matches any
    /// domain. An exact domain match wins over an empty-domain entry.
    fn find(&self, user: &str, domain: &str) -> Option<&FileEntry> {
        let mut fallback = None;
        for e in &self.entries {
            if !eq_ignore_case(&e.user, user) {
                continue;
            }
            if eq_ignore_case(&e.domain, domain) {
                return Some(e);
            }
            if e.domain.is_empty() && fallback.is_none() {
                fallback = Some(e);
            }
        }
        fallback
    }
}

/// A server credential: where users are looked up.
#[derive(Clone)]
pub struct ServerCredential {
    pub users: Arc<dyn UserDatabase>,
}

impl core::fmt::Debug for ServerCredential {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("ServerCredential(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_file_lines() {
        let e = parse_user_file("# comment\n\nDOM:alice:pa:ss\r\n:bob:\nbroken line\n");
        assert_eq!(e.len(), 2);
        assert_eq!(
            (
                e[0].domain.as_str(),
                e[0].user.as_str(),
                e[0].password.as_str()
            ),
            ("DOM", "alice", "pa:ss")
        );
        assert_eq!(
            (
                e[1].domain.as_str(),
                e[1].user.as_str(),
                e[1].password.as_str()
            ),
            ("", "bob", "")
        );
    }

    #[test]
    fn database_lookup_rules() {
        let db = FileUserDatabase::from_text("DOM:Alice:one\n:alice:two\nOTHER:carol:three\n");
        assert_eq!(
            db.nt_hash("ALICE", "dom").unwrap().0,
            crypto::NTOWFv1("one")
        );
        assert_eq!(
            db.nt_hash("alice", "ELSEWHERE").unwrap().0,
            crypto::NTOWFv1("two")
        );
        assert!(db.nt_hash("carol", "DOM").is_none());
        assert!(db.nt_hash("dave", "DOM").is_none());
        assert_eq!(db.nt_hash("CÄROL", "other"), None);
        let db = FileUserDatabase::from_text("Dömäin:Jürgen:x\n");
        assert!(db.nt_hash("JÜRGEN", "DÖMÄIN").is_some());
    }

    #[test]
    fn anonymous_and_names() {
        assert!(ClientCredential::from_password("", "", "").anonymous);
        assert!(!ClientCredential::from_password("u", "", "").anonymous);
        assert_eq!(
            ClientCredential::from_password("u", "D", "p").display_name(),
            "D\\u"
        );
        assert_eq!(
            ClientCredential::from_password("u", "", "p").display_name(),
            "u"
        );
    }
}
