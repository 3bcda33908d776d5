//! One version of the user file, indexed: the server's user database for files of a million
//! users.
//!
//! - **Index.** Each version of the file is parsed once into spans over its text (no
//!   allocation per entry) and a hash table keyed by a keyed hash of UPPER(user) — the case
//!   folding NTOWFv2 applies (3.3.2) — so a login costs one short probe, whatever the number of
//!   users.
//! - **Lazy hashes.** An entry's NTOWFv1 and its NTOWFv2 (for its own user and domain, as an
//!   HMAC key) are derived on its first login and kept; acquiring a credential on a large file
//!   costs a parse and an index.

use std::sync::OnceLock;

use zeroize::Zeroizing;

use super::line::{parse_line, split_lines, LineSecret};
use crate::nlmp::credentials::{eq_ignore_case, response_key, ClientCredential, Secret16};
use crate::nlmp::crypto::HmacMd5Key;
use crate::nlmp::verifier::NtHashSource;

/// Byte ranges of one entry within the file's text.
#[derive(Debug, Clone, Copy)]
struct Entry {
    user: (u32, u32),
    domain: (u32, u32),
    /// The password, or the 32 hex digits of the NT hash.
    secret: (u32, u32),
    hashed: bool,
}

/// What an entry's first login derives, kept for the next ones.
struct Derived {
    nt_hash: Secret16,
    /// NTOWFv2(NT hash, entry's user, entry's domain) as an HMAC key.
    ntowfv2: HmacMd5Key,
}

/// One version of the user file: its text, the entries' spans, and the index by user name.
/// The text holds the passwords of plaintext entries; it is wiped when the version is dropped.
pub struct FileUserDatabase {
    pub(super) text: Zeroizing<String>,
    entries: Vec<Entry>,
    /// Open addressing with linear probing over a power-of-two table at most half full: each
    /// slot is (low 32 bits of the key, entry index + 1), 0 marking an empty slot. Entries are
    /// inserted in file order, so a probe meets the entries of one user name in file order.
    slots: Vec<(u32, u32)>,
    /// The hash's key, random per version: where names land cannot be steered by choosing
    /// them.
    hasher: std::collections::hash_map::RandomState,
    derived: Box<[OnceLock<Box<Derived>>]>,
}

impl core::fmt::Debug for FileUserDatabase {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FileUserDatabase")
            .field("entries", &self.entries.len())
            .finish()
    }
}

impl Default for FileUserDatabase {
    fn default() -> Self {
        Self::build(Zeroizing::new(String::new()), &mut |_, _| {})
    }
}

/// Called with (line number, problem) for each line that does not parse.
type OnBadLine<'a> = dyn FnMut(usize, &'static str) + 'a;

impl FileUserDatabase {
    /// A version from text, skipping lines that do not parse.
    pub fn from_text(text: &str) -> Self {
        Self::build(Zeroizing::new(text.to_owned()), &mut |_, _| {})
    }

    /// Parses and indexes `text`. Files beyond 4 GiB are not indexed (spans are 32-bit).
    pub(super) fn build(text: Zeroizing<String>, on_bad: &mut OnBadLine<'_>) -> Self {
        let hasher = std::collections::hash_map::RandomState::new();
        let mut entries = Vec::new();
        let mut slots = Vec::new();
        if u32::try_from(text.len()).is_ok() {
            let lines = text.bytes().map(|b| usize::from(b == b'\n')).sum::<usize>() + 1;
            entries.reserve_exact(lines);
            slots = vec![(0u32, 0u32); (2 * lines).next_power_of_two().max(8)];
            let base = text.as_ptr() as usize;
            let span = |s: &str| {
                let start = (s.as_ptr() as usize - base) as u32;
                (start, start + s.len() as u32)
            };
            for (n, l) in split_lines(&text).enumerate() {
                match parse_line(l) {
                    Ok(Some(line)) => {
                        let (secret, hashed) = match line.secret {
                            LineSecret::Password(p) => (span(p), false),
                            LineSecret::NtHash(hex) => (span(hex), true),
                        };
                        let key = user_key(&hasher, line.user);
                        let mask = slots.len() - 1;
                        let mut at = (key >> 32) as usize & mask;
                        while slots[at].1 != 0 {
                            at = (at + 1) & mask;
                        }
                        slots[at] = (key as u32, entries.len() as u32 + 1);
                        entries.push(Entry {
                            user: span(line.user),
                            domain: span(line.domain),
                            secret,
                            hashed,
                        });
                    }
                    Ok(None) => {}
                    Err(why) => on_bad(n + 1, why),
                }
            }
        }
        entries.shrink_to_fit();
        let derived = (0..entries.len()).map(|_| OnceLock::new()).collect();
        FileUserDatabase {
            text,
            entries,
            slots,
            hasher,
            derived,
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Heap bytes this version holds per entry beyond the file's text: spans, index slots and
    /// the slot for its derived hashes (the benchmark's memory figure).
    pub fn index_bytes_per_entry(&self) -> f64 {
        (self.heap_bytes() - self.text.capacity()) as f64 / self.len().max(1) as f64
    }

    /// Heap bytes this version holds before any login (text, spans, index, hash slots), for
    /// the benchmark's memory figure.
    pub fn heap_bytes(&self) -> usize {
        self.text.capacity()
            + self.entries.capacity() * core::mem::size_of::<Entry>()
            + self.slots.capacity() * core::mem::size_of::<(u32, u32)>()
            + self.derived.len() * core::mem::size_of::<OnceLock<Box<Derived>>>()
    }

    fn str(&self, (a, b): (u32, u32)) -> &str {
        &self.text[a as usize..b as usize]
    }

    /// The entry for `user` in `domain` as a client named them: user and domain compare
    /// case-insensitively; an exact domain match wins, else the first entry of that user with
    /// an empty domain (which matches any domain).
    fn find(&self, user: &str, domain: &str) -> Option<usize> {
        let key = user_key(&self.hasher, user);
        let mask = self.slots.len().checked_sub(1)?;
        let mut at = (key >> 32) as usize & mask;
        let mut fallback = None;
        loop {
            let (tag, i) = self.slots[at];
            if i == 0 {
                break;
            }
            at = (at + 1) & mask;
            let i = i - 1;
            if tag != key as u32 {
                continue;
            }
            let e = &self.entries[i as usize];
            if !eq_ignore_case(self.str(e.user), user) {
                continue;
            }
            let d = self.str(e.domain);
            if eq_ignore_case(d, domain) {
                return Some(i as usize);
            }
            if d.is_empty() && fallback.is_none() {
                fallback = Some(i);
            }
        }
        fallback.map(|i| i as usize)
    }

    /// A client credential from the entry whose user is `user` (case-insensitively; the first
    /// such line), or from the first entry when `user` is `None`.
    pub fn client_credential(&self, user: Option<&str>) -> Option<ClientCredential> {
        let e = match user {
            Some(u) => self
                .entries
                .iter()
                .find(|e| eq_ignore_case(self.str(e.user), u)),
            None => self.entries.first(),
        }?;
        let (user, domain, secret) = (self.str(e.user), self.str(e.domain), self.str(e.secret));
        Some(if e.hashed {
            ClientCredential::from_nt_hash(user, domain, LineSecret::NtHash(secret).nt_hash().0)
        } else {
            ClientCredential::from_password(user, domain, secret)
        })
    }

    /// The entry's hashes, derived on its first use.
    fn derived(&self, i: usize) -> &Derived {
        self.derived[i].get_or_init(|| {
            let e = self.entries[i];
            let secret = self.str(e.secret);
            let nt_hash = if e.hashed {
                LineSecret::NtHash(secret)
            } else {
                LineSecret::Password(secret)
            }
            .nt_hash();
            let ntowfv2 = response_key(&nt_hash, self.str(e.user), self.str(e.domain));
            Box::new(Derived { nt_hash, ntowfv2 })
        })
    }
}

/// The index key of a user name: a keyed hash of its upper case as UTF-8 (the folding NTOWFv2
/// applies, so every spelling a client may send lands on one key), fed through a stack buffer.
fn user_key(hasher: &impl std::hash::BuildHasher, user: &str) -> u64 {
    use std::hash::Hasher;
    let mut h = hasher.build_hasher();
    let mut buf = [0u8; 64];
    if user.is_ascii() {
        for chunk in user.as_bytes().chunks(buf.len()) {
            for (o, b) in buf.iter_mut().zip(chunk) {
                *o = b.to_ascii_uppercase();
            }
            h.write(&buf[..chunk.len()]);
        }
    } else {
        let mut n = 0;
        for c in user.chars().flat_map(char::to_uppercase) {
            if n + 4 > buf.len() {
                h.write(&buf[..n]);
                n = 0;
            }
            n += c.encode_utf8(&mut buf[n..]).len();
        }
        h.write(&buf[..n]);
    }
    h.finish()
}

impl NtHashSource for FileUserDatabase {
    fn nt_hash(&self, user: &str, domain: &str) -> Option<Secret16> {
        self.find(user, domain)
            .map(|i| self.derived(i).nt_hash.clone())
    }

    fn response_key_nt(&self, user: &str, domain: &str) -> Option<HmacMd5Key> {
        let i = self.find(user, domain)?;
        let e = self.entries[i];
        let d = self.derived(i);
        // NTOWFv2 hashes UPPER(user) and the domain as sent: the kept key fits when the domain
        // is the file's byte for byte (the user already matched case-insensitively, which is
        // equality of upper cases).
        if self.str(e.domain) == domain {
            Some(d.ntowfv2.clone())
        } else {
            Some(response_key(&d.nt_hash, user, domain))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nlmp::crypto;

    const HASH: &str = "63647965f13544c6551d5fdb7ffd13e0"; // NTOWFv1("Secret123")

    #[test]
    fn lookup_rules_and_hashed_entries() {
        let db = FileUserDatabase::from_text(&format!("DOM:Alice:one\n:alice:two\nOTHER:carol:three\nbob:DOM::{HASH}:::\nDOM:dave:$NT${HASH}\nbroken\n"));
        assert_eq!(db.len(), 5);
        assert_eq!(
            db.nt_hash("ALICE", "dom").unwrap().0,
            crypto::NTOWFv1("one")
        );
        assert_eq!(
            db.nt_hash("alice", "ELSEWHERE").unwrap().0,
            crypto::NTOWFv1("two")
        );
        assert!(db.nt_hash("carol", "DOM").is_none());
        assert!(db.nt_hash("erin", "DOM").is_none());
        assert_eq!(
            db.nt_hash("BOB", "dom").unwrap().0,
            crypto::NTOWFv1("Secret123")
        );
        assert_eq!(
            db.nt_hash("Dave", "DOM").unwrap().0,
            crypto::NTOWFv1("Secret123")
        );
        let db = FileUserDatabase::from_text("Dömäin:Jürgen:x\nD:s:y\n");
        assert!(db.nt_hash("JÜRGEN", "DÖMÄIN").is_some());
        assert!(db.nt_hash("jürgen", "dömäin").is_some());
        // U+017F LATIN SMALL LETTER LONG S upper-cases to S: the same name for NTOWFv2.
        assert!(db.nt_hash("\u{17f}", "d").is_some());
        // Long names go through the hash in pieces, at other places for non-ASCII spellings.
        let long = "x".repeat(100) + "s";
        let db = FileUserDatabase::from_text(&format!("D:{long}:y\n"));
        assert!(db.nt_hash(&("X".repeat(100) + "\u{17f}"), "d").is_some());
    }

    #[test]
    fn the_kept_ntowfv2_is_used_only_where_it_fits() {
        let db = FileUserDatabase::from_text("Dom:Alice:pw\n");
        let nt = Secret16(crypto::NTOWFv1("pw"));
        for (user, domain) in [
            ("Alice", "Dom"),
            ("ALICE", "Dom"),
            ("alice", "DOM"),
            ("aLiCe", "dom"),
        ] {
            let want = response_key(&nt, user, domain).mac(&[b"x"]);
            assert_eq!(
                db.response_key_nt(user, domain).unwrap().mac(&[b"x"]),
                want,
                "{user} {domain}"
            );
        }
    }

    #[test]
    fn many_users_and_duplicates() {
        let mut text = String::new();
        for i in 0..5000 {
            text += &format!("D{}:user{i}:pw{i}\n", i % 7);
        }
        text += "X:user42:later\n:USER42:any\n";
        let db = FileUserDatabase::from_text(&text);
        for i in (0..5000).step_by(97) {
            assert_eq!(
                db.nt_hash(&format!("USER{i}"), &format!("d{}", i % 7))
                    .unwrap()
                    .0,
                crypto::NTOWFv1(&format!("pw{i}"))
            );
        }
        assert_eq!(
            db.nt_hash("user42", "x").unwrap().0,
            crypto::NTOWFv1("later")
        );
        assert_eq!(
            db.nt_hash("user42", "nowhere").unwrap().0,
            crypto::NTOWFv1("any")
        );
    }
}
