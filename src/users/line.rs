//! The user file's lines ([MS-NLMP] 3.2.1: the server needs each user's NTOWFv1). Three forms,
//! told apart line by line:
//! - `DOMAIN:USER:PASSWORD`, gss-ntlmssp's form (the password is everything after the second
//!   colon);
//! - `DOMAIN:USER:$NT$` followed by 32 hex digits, the NT hash (NTOWFv1) instead of the
//!   password. `$NT$` is the prefix password crackers and `hashcat`/`john` files give NT
//!   hashes; a plaintext password that is itself `$NT$` and 32 hex digits must be stored
//!   hashed;
//! - `USER:DOMAIN:LMHASH:NTHASH:::`, WinPR's SAM file as FreeRDP's `winpr-hash -f sam` writes
//!   it (user first; the LM hash empty or 32 hex digits, the NT hash 32 hex digits, nothing
//!   but colons after it). A gss-ntlmssp line whose password would read as `LM:NT:` with hex
//!   hashes is taken as SAM.
//!
//! One file may mix the forms, so the same file serves WinPR and ntlmssp.

use crate::nlmp::credentials::Secret16;
use crate::nlmp::crypto;

/// The prefix marking an NT hash in place of a password in a `DOMAIN:USER:` line.
pub const NT_HASH_PREFIX: &str = "$NT$";

/// What a line's secret is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineSecret<'a> {
    Password(&'a str),
    /// Exactly 32 hex digits.
    NtHash(&'a str),
}

impl LineSecret<'_> {
    /// NTOWFv1 of the entry.
    pub fn nt_hash(&self) -> Secret16 {
        match self {
            LineSecret::Password(p) => Secret16(crypto::NTOWFv1(p)),
            LineSecret::NtHash(hex) => Secret16(parse_hex16(hex).unwrap_or_default()),
        }
    }
}

/// One entry of the user file, borrowing the file's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line<'a> {
    pub domain: &'a str,
    pub user: &'a str,
    pub secret: LineSecret<'a>,
}

/// 32 hex digits as 16 bytes.
pub fn parse_hex16(s: &str) -> Option<[u8; 16]> {
    let b = s.as_bytes();
    if b.len() != 32 {
        return None;
    }
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = [0u8; 16];
    for (o, pair) in out.iter_mut().zip(b.chunks_exact(2)) {
        *o = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(out)
}

/// 16 bytes as 32 lowercase hex digits.
pub fn hex16(b: &[u8; 16]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Parses one line (without its newline; a trailing CR is dropped). `Ok(None)` for blank lines
/// and `#` comments; `Err` names what is wrong. Byte by byte: a million-line file is parsed
/// whenever a server credential is acquired or the file changes.
pub fn parse_line(line: &str) -> core::result::Result<Option<Line<'_>>, &'static str> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    if line.starts_with('#') || line.trim().is_empty() {
        return Ok(None);
    }
    // The first four colons, and how many there are.
    let mut c = [0usize; 4];
    let mut colons = 0;
    for (i, b) in line.bytes().enumerate() {
        if b == b':' {
            if colons < c.len() {
                c[colons] = i;
            }
            colons += 1;
        }
    }
    // WinPR's SAM form: USER:DOMAIN:LMHASH:NTHASH, a fourth colon, and only colons after it.
    if colons >= 4 && c[3] - c[2] == 33 && line[c[3]..].bytes().all(|b| b == b':') {
        let (lm, nt) = (&line[c[1] + 1..c[2]], &line[c[2] + 1..c[3]]);
        if (lm.is_empty() || parse_hex16(lm).is_some()) && parse_hex16(nt).is_some() {
            return Ok(Some(Line {
                domain: &line[c[0] + 1..c[1]],
                user: &line[..c[0]],
                secret: LineSecret::NtHash(nt),
            }));
        }
    }
    if colons < 2 {
        return Err("not DOMAIN:USER:SECRET (two colons needed)");
    }
    let (domain, user, secret) = (&line[..c[0]], &line[c[0] + 1..c[1]], &line[c[1] + 1..]);
    let secret = match secret.strip_prefix(NT_HASH_PREFIX) {
        Some(hex) if parse_hex16(hex).is_some() => LineSecret::NtHash(hex),
        Some(_) => return Err("$NT$ not followed by exactly 32 hex digits"),
        None => LineSecret::Password(secret),
    };
    Ok(Some(Line {
        domain,
        user,
        secret,
    }))
}

/// The text's lines as `split('\n')` gives them, without its per-item search setup.
pub(super) fn split_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let r = rest?;
        match r.bytes().position(|b| b == b'\n') {
            Some(i) => {
                rest = Some(&r[i + 1..]);
                Some(&r[..i])
            }
            None => {
                rest = None;
                Some(r)
            }
        }
    })
}

/// The entries of a file's text, skipping lines that do not parse (as gss-ntlmssp does).
pub fn lines(text: &str) -> impl Iterator<Item = Line<'_>> {
    split_lines(text).filter_map(|l| parse_line(l).ok().flatten())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "63647965f13544c6551d5fdb7ffd13e0"; // NTOWFv1("Secret123")

    #[test]
    fn the_three_line_forms() {
        assert_eq!(parse_hex16(HASH).unwrap(), crypto::NTOWFv1("Secret123"));
        let nt = HASH;
        assert_eq!(
            parse_line("DOM:alice:pa:ss\r"),
            Ok(Some(Line {
                domain: "DOM",
                user: "alice",
                secret: LineSecret::Password("pa:ss")
            }))
        );
        assert_eq!(
            parse_line(&format!("DOM:alice:$NT${HASH}")),
            Ok(Some(Line {
                domain: "DOM",
                user: "alice",
                secret: LineSecret::NtHash(nt)
            }))
        );
        let upper = HASH.to_uppercase();
        assert_eq!(
            parse_line(&format!("DOM:alice:$NT${upper}"))
                .unwrap()
                .unwrap()
                .secret
                .nt_hash()
                .0,
            crypto::NTOWFv1("Secret123")
        );
        assert!(parse_line(&format!("DOM:alice:$NT${}", &HASH[1..])).is_err());
        // A plaintext password of 32 hex digits stays a password.
        assert_eq!(
            parse_line(&format!("DOM:alice:{HASH}"))
                .unwrap()
                .unwrap()
                .secret,
            LineSecret::Password(HASH)
        );
        // WinPR's SAM form, user first; with and without domain and LM hash.
        assert_eq!(
            parse_line(&format!("alice:DOMAIN::{HASH}:::")),
            Ok(Some(Line {
                domain: "DOMAIN",
                user: "alice",
                secret: LineSecret::NtHash(nt)
            }))
        );
        assert_eq!(
            parse_line(&format!("alice:::{HASH}:::"))
                .unwrap()
                .unwrap()
                .domain,
            ""
        );
        assert_eq!(
            parse_line(&format!("alice:D:{HASH}:{HASH}:"))
                .unwrap()
                .unwrap()
                .user,
            "alice"
        );
        // Not SAM: text after the NT hash, or a bad LM field: then gss-ntlmssp's reading.
        assert_eq!(
            parse_line(&format!("alice:D::{HASH}:x"))
                .unwrap()
                .unwrap()
                .secret,
            LineSecret::Password(&format!(":{HASH}:x")[..])
        );
        assert_eq!(
            parse_line(&format!("alice:D:zz:{HASH}::"))
                .unwrap()
                .unwrap()
                .user,
            "D"
        );
        assert_eq!(parse_line("# c"), Ok(None));
        assert_eq!(parse_line("  "), Ok(None));
        assert!(parse_line("broken line").is_err());
    }
}
