//! [MS-NLMP] 3.1.1 / 3.2.1 credentials: the client's identity with its one-way functions
//! computed once, and the server's user database.
//!
//! The password itself is never kept: NTOWFv1, LMOWFv1 and NTOWFv2 are derived when the
//! credential is created, so no handshake hashes the password again, and only those hashes
//! (zeroized on drop) stay in memory. A credential whose secret lives elsewhere (a logged-on
//! user's cached credentials, kept by a service that answers CHALLENGEs for it) has no hashes at
//! all: an [`ExternalAuthenticator`] computes its AUTHENTICATE_MESSAGE.

use std::borrow::Cow;
use std::sync::Arc;

use zeroize::{Zeroize, ZeroizeOnDrop};

use super::codec::{oem, utf16le};
use super::error::Result;

use super::crypto::{self, HmacMd5Key};

/// A 16-byte secret (an OWF or a key), zeroized when dropped.
#[derive(Clone, Zeroize, ZeroizeOnDrop, PartialEq, Eq)]
pub struct Secret16(pub [u8; 16]);

impl core::fmt::Debug for Secret16 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Secret16(..)")
    }
}

/// What 3.1.5.1.2 computes from the password, computed by whoever holds it: the
/// AUTHENTICATE_MESSAGE answering a CHALLENGE_MESSAGE, and that message's ExportedSessionKey.
#[derive(Debug)]
pub struct ExternalAnswer {
    pub authenticate: Vec<u8>,
    pub exported_session_key: Secret16,
}

/// A holder of a user's secret that answers CHALLENGEs for it (winbind's credential cache on a
/// domain member): the password never enters this process. The client still sends its own
/// NEGOTIATE_MESSAGE; the holder gets it (for the MIC, 3.1.5.1.2) and the CHALLENGE, and its
/// AUTHENTICATE_MESSAGE goes out unchanged, its flags and key deciding the session's security.
/// Called on the thread of InitializeSecurityContext, concurrently from many; it returns within
/// a bounded time. Errors: [`super::Error::NoCredentials`] (the holder no longer has the
/// user's secret), [`super::Error::NoAuthority`] (the holder cannot be reached),
/// [`super::Error::InvalidToken`], [`super::Error::Internal`].
pub trait ExternalAuthenticator: Send + Sync + core::fmt::Debug {
    /// `negotiate` is the NEGOTIATE_MESSAGE this client sent, `None` when the server spoke
    /// first; `challenge` the whole CHALLENGE_MESSAGE.
    fn authenticate(&self, negotiate: Option<&[u8]>, challenge: &[u8]) -> Result<ExternalAnswer>;
}

/// What a client authenticates as. Aligned to cache lines of its own, as [`ServerConfig`] is
/// (copies per group of threads).
///
/// [`ServerConfig`]: crate::nlmp::server::ServerConfig
#[derive(Clone, Debug)]
#[repr(align(128))]
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
    /// The user's secret is held elsewhere: this computes each AUTHENTICATE_MESSAGE, and the
    /// hashes above are zeros, never used.
    pub external: Option<Arc<dyn ExternalAuthenticator>>,
    /// `user` and `domain` in UTF-16LE, as Unicode AUTHENTICATE_MESSAGEs carry them: encoded
    /// once, like the hashes.
    user_utf16: Box<[u8]>,
    domain_utf16: Box<[u8]>,
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
            external: None,
            user_utf16: utf16le(user).into(),
            domain_utf16: utf16le(domain).into(),
        }
    }

    /// The user and domain names in the character set the flags chose (2.2.2.5 flags A and B),
    /// as the AUTHENTICATE_MESSAGE carries them.
    pub fn wire_names(&self, unicode: bool) -> (Cow<'_, [u8]>, Cow<'_, [u8]>) {
        if unicode {
            (
                Cow::Borrowed(&self.user_utf16[..]),
                Cow::Borrowed(&self.domain_utf16[..]),
            )
        } else {
            (Cow::Owned(oem(&self.user)), Cow::Owned(oem(&self.domain)))
        }
    }

    /// `user` in `domain`, whose AUTHENTICATE_MESSAGEs `authenticator` computes.
    pub fn external(
        user: &str,
        domain: &str,
        authenticator: Arc<dyn ExternalAuthenticator>,
    ) -> Self {
        ClientCredential {
            external: Some(authenticator),
            ..Self::from_hashes(user, domain, Secret16([0; 16]), Secret16([0; 16]), false)
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

/// Case-insensitive comparison as Windows does it for account names (Unicode uppercase).
pub fn eq_ignore_case(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.eq_ignore_ascii_case(b)
        || a.chars()
            .flat_map(char::to_uppercase)
            .eq(b.chars().flat_map(char::to_uppercase))
}

/// NTOWFv2(NT hash, user, domain) as an HMAC key.
pub fn response_key(nt_hash: &Secret16, user: &str, domain: &str) -> HmacMd5Key {
    let mut k = crypto::NTOWFv2(&nt_hash.0, user, domain);
    let key = HmacMd5Key::new(&k);
    k.zeroize();
    key
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let c = ClientCredential::from_password("Üser", "Dom", "p");
        let (u, d) = c.wire_names(true);
        assert_eq!(
            (&u[..], &d[..]),
            (&utf16le("Üser")[..], &utf16le("Dom")[..])
        );
        let (u, d) = c.wire_names(false);
        assert_eq!((&u[..], &d[..]), (&oem("Üser")[..], &oem("Dom")[..]));
    }
}
