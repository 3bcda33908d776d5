//! A user or domain name as an established context reports it (QueryContextAttributes NAMES).

use smallvec::SmallVec;

/// A name kept inline when it is short, as account and domain names usually are: establishing
/// a context then allocates nothing for its names. Always valid UTF-8.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Name(SmallVec<[u8; 32]>);

impl Name {
    pub fn as_str(&self) -> &str {
        // Built only from `str`s and ASCII (`Name::from_ascii_utf16le`).
        core::str::from_utf8(&self.0).expect("a name is UTF-8")
    }

    /// The name whose UTF-16LE form is `utf16`, when every unit is ASCII; `None` otherwise. A
    /// short name is copied a byte at a time into the inline buffer.
    pub(super) fn from_ascii_utf16le(utf16: &[u8]) -> Option<Self> {
        let units = utf16.chunks_exact(2);
        if !units.remainder().is_empty() {
            return None;
        }
        let mut buf = [0u8; 32];
        if units.len() > buf.len() {
            return units
                .map(|u| (u[0] < 0x80 && u[1] == 0).then_some(u[0]))
                .collect::<Option<_>>()
                .map(Name);
        }
        // One pass: copy each low byte, and note whether any unit was not ASCII.
        let n = units.len();
        let mut high = 0;
        for (b, u) in buf.iter_mut().zip(units) {
            *b = u[0];
            high |= u[0] & 0x80 | u[1];
        }
        (high == 0).then(|| Name(SmallVec::from_buf_and_len(buf, n)))
    }
}

impl From<&str> for Name {
    fn from(s: &str) -> Self {
        Name(SmallVec::from_slice(s.as_bytes()))
    }
}

impl From<String> for Name {
    fn from(s: String) -> Self {
        Name::from(s.as_str())
    }
}

impl core::ops::Deref for Name {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        self.0[..] == *other.as_bytes()
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        self.0[..] == *other.as_bytes()
    }
}

impl core::fmt::Display for Name {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::fmt::Debug for Name {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(self.as_str(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_names() {
        for s in ["", "alice", "Ünïcødé ☃ 𝄞", &"x".repeat(100)] {
            let n = Name::from(s);
            assert_eq!(n.as_str(), s);
            assert_eq!(n, s);
            assert_eq!(n.to_string(), s);
        }
        assert_eq!(Name::from_ascii_utf16le(b"D\0O\0M\0").unwrap(), "DOM");
        let long: Vec<u8> = "y".repeat(40).bytes().flat_map(|b| [b, 0]).collect();
        assert_eq!(
            Name::from_ascii_utf16le(&long).unwrap(),
            "y".repeat(40).as_str()
        );
        assert!(Name::from_ascii_utf16le(b"D\0\xe9\0").is_none());
        assert!(Name::from_ascii_utf16le(b"D\0O").is_none());
    }
}
