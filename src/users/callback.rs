//! The users of `NtlmSetNtHashCallback`: an embedding server's own lookup, asked for each
//! login's NT hash. The C call itself stays in the edge, which hands over a safe lookup.

use crate::nlmp::credentials::Secret16;
use crate::nlmp::verifier::NtHashSource;

/// A lookup: user and domain as the client sent them, in UTF-16 (what the C callback takes);
/// writes the user's NT hash and returns `true`, or returns `false` for an unknown user.
pub type Lookup = dyn Fn(&[u16], &[u16], &mut [u8; 16]) -> bool + Send + Sync;

/// Users known to an embedding server's lookup. Nothing is kept between logins: the lookup
/// decides how names match and may cache as it likes.
pub struct CallbackUsers {
    lookup: Box<Lookup>,
}

impl CallbackUsers {
    pub fn new(
        lookup: impl Fn(&[u16], &[u16], &mut [u8; 16]) -> bool + Send + Sync + 'static,
    ) -> Self {
        CallbackUsers {
            lookup: Box::new(lookup),
        }
    }
}

impl NtHashSource for CallbackUsers {
    fn nt_hash(&self, user: &str, domain: &str) -> Option<Secret16> {
        let user: Vec<u16> = user.encode_utf16().collect();
        let domain: Vec<u16> = domain.encode_utf16().collect();
        let mut hash = Secret16([0; 16]);
        (self.lookup)(&user, &domain, &mut hash.0).then_some(hash)
    }
}
