//! The Negotiate package: SPNEGO ([RFC 4178], [MS-SPNG]) around the NTLM core, in safe Rust.
//!
//! | module | what |
//! |---|---|
//! | [`token`] | [RFC 4178] 4.2 / [MS-SPNG] 2.2 token syntax: the ASN.1 types, declared for the `der` crate |
//! | [`wire`] | the same tokens read and written by hand (the handshake's hot path), GSS framing |
//! | [`codec`] | the tokens' encoding as callers use it: `wire`, with `der` as the reference it is checked against |
//! | [`context`] | [MS-SPNG] 3.1 initiator and 3.2 acceptor state machines over NTLM |
//!
//! Each module imports only modules above it in this table, and [`crate::nlmp`]. NTLMSSP is the
//! only mechanism offered or accepted. The SPNEGO state lives next to the NTLM state because the
//! mechListMIC is signed with NTLM's session keys and resets NTLM's RC4 streams ([MS-SPNG]
//! 3.3.5.1), which the SSPI does not expose to a wrapper.
#![forbid(unsafe_code)]

pub mod codec;
pub mod context;
pub mod token;
pub mod wire;

/// Whether a `SEC_WINNT_AUTH_IDENTITY_EX` PackageList lets Negotiate use NTLM: a
/// comma-separated list of package names, each possibly preceded by `!` to exclude it. A list
/// naming packages allows only those; a list of exclusions alone allows all others.
pub fn package_list_allows_ntlm(list: &str) -> bool {
    let mut named = false;
    let mut ntlm = None;
    for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let (excluded, name) = match entry.strip_prefix('!') {
            Some(n) => (true, n.trim()),
            None => (false, entry),
        };
        named |= !excluded;
        if name.eq_ignore_ascii_case("ntlm") {
            ntlm = Some(!excluded);
        }
    }
    ntlm.unwrap_or(!named)
}

#[cfg(test)]
mod tests {
    #[test]
    fn package_lists() {
        use super::package_list_allows_ntlm as ok;
        assert!(ok(""));
        assert!(ok("ntlm,!kerberos"));
        assert!(ok("!kerberos"));
        assert!(ok(" NTLM "));
        assert!(!ok("!ntlm"));
        assert!(!ok("kerberos"));
        assert!(!ok("kerberos,!NTLM"));
        // A list that names only packages unknown here names no NTLM either.
        assert!(!ok("nosuch"));
    }
}
