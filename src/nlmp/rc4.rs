//! RC4 ([MS-NLMP] 6: RC4Init, RC4), the stream cipher of sealing and key exchange, and the
//! keystream reader MD5 sealing interleaves with its hashing.

use zeroize::{Zeroize, ZeroizeOnDrop};

/// An RC4 key stream ("handle" in the spec), zeroized on drop.
///
/// Written here rather than taken from the `rc4` crate because session security needs to copy
/// a stream's state (to undo a verification that failed) and that type cannot be cloned; it is
/// tested against the crate.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Rc4 {
    s: [u8; 256],
    i: u8,
    j: u8,
}

impl Rc4 {
    /// RC4Init(Handle, Key) for a key of 1 to 256 bytes.
    pub fn new(key: &[u8]) -> Rc4 {
        assert!(
            !key.is_empty() && key.len() <= 256,
            "RC4 key of 1..=256 bytes"
        );
        // The key repeated to 256 bytes, so the schedule needs no `i % len` (a division) per
        // step; u8 indices into 256-entry tables need no bounds checks.
        let mut k = [0u8; 256];
        for chunk in k.chunks_mut(key.len()) {
            chunk.copy_from_slice(&key[..chunk.len()]);
        }
        let mut s = [0u8; 256];
        for (i, v) in s.iter_mut().enumerate() {
            *v = i as u8;
        }
        let mut j = 0u8;
        for i in 0..=255u8 {
            let si = s[usize::from(i)];
            j = j.wrapping_add(si).wrapping_add(k[usize::from(i)]);
            s[usize::from(i)] = s[usize::from(j)];
            s[usize::from(j)] = si;
        }
        k.zeroize();
        Rc4 { s, i: 0, j: 0 }
    }

    /// Goes back to the state RC4Init left, for a stream that has produced fewer than 256
    /// bytes since (its index i counts them modulo 256; the caller knows the count is small). Each step of the generator is a swap and
    /// two additions, so it runs backwards exactly (a few instructions a byte, where keying
    /// again runs the 256-step schedule).
    pub fn rewind(&mut self) {
        let Rc4 { s, i, j } = self;
        while *i != 0 {
            s.swap(usize::from(*i), usize::from(*j));
            *j = j.wrapping_sub(s[usize::from(*i)]);
            *i -= 1;
        }
    }

    /// RC4(Handle, D), in place, continuing the stream.
    pub fn apply(&mut self, data: &mut [u8]) {
        self.keystream().xor(data);
    }

    /// The stream with its indices in locals, for a run of bytes; they are written back when
    /// it is dropped.
    pub fn keystream(&mut self) -> Keystream<'_> {
        let Rc4 { s, i, j } = self;
        let si = s[usize::from(i.wrapping_add(1))];
        Keystream {
            li: *i,
            lj: *j,
            si,
            s,
            i,
            j,
        }
    }
}

/// An RC4 stream being read. Each step loads the next S[i] before its own swap stores (taking
/// the swapped value when the swap wrote that very entry), so the load does not wait behind the
/// stores: about an eighth faster than the textbook loop.
pub struct Keystream<'a> {
    s: &'a mut [u8; 256],
    li: u8,
    lj: u8,
    /// S[li + 1], loaded ahead.
    si: u8,
    i: &'a mut u8,
    j: &'a mut u8,
}

impl Keystream<'_> {
    /// Runs `f` on the stream with its indices copied into a local, so the compiler keeps them
    /// in registers for the whole run (through `self` they would go to memory on every byte).
    #[inline(always)]
    pub fn with<R>(&mut self, f: impl FnOnce(&mut Stream<'_>) -> R) -> R {
        let mut st = Stream {
            s: &mut *self.s,
            li: self.li,
            lj: self.lj,
            si: self.si,
        };
        let r = f(&mut st);
        let (li, lj, si) = (st.li, st.lj, st.si);
        self.li = li;
        self.lj = lj;
        self.si = si;
        r
    }

    /// XORs the stream into `data`.
    pub fn xor(&mut self, data: &mut [u8]) {
        self.with(|st| st.xor(data));
    }
}

/// See [`Keystream::with`].
pub struct Stream<'a> {
    s: &'a mut [u8; 256],
    li: u8,
    lj: u8,
    si: u8,
}

impl Stream<'_> {
    /// The next keystream byte.
    #[inline(always)]
    pub fn next_byte(&mut self) -> u8 {
        let s = &mut *self.s;
        let si = self.si;
        let i = self.li.wrapping_add(1);
        let j = self.lj.wrapping_add(si);
        let sj = s[usize::from(j)];
        let next = s[usize::from(i.wrapping_add(1))];
        s[usize::from(i)] = sj;
        s[usize::from(j)] = si;
        let k = s[usize::from(si.wrapping_add(sj))];
        self.si = if j == i.wrapping_add(1) { si } else { next };
        self.li = i;
        self.lj = j;
        k
    }

    /// XORs the stream into `data`, eight bytes per word.
    #[inline(always)]
    pub fn xor(&mut self, data: &mut [u8]) {
        let mut chunks = data.chunks_exact_mut(8);
        for chunk in &mut chunks {
            let mut ks = [0u8; 8];
            for b in ks.iter_mut() {
                *b = self.next_byte();
            }
            let word = u64::from_ne_bytes(chunk[..8].try_into().expect("8 bytes"))
                ^ u64::from_ne_bytes(ks);
            chunk.copy_from_slice(&word.to_ne_bytes());
        }
        for b in chunks.into_remainder() {
            *b ^= self.next_byte();
        }
    }
}

impl Drop for Keystream<'_> {
    fn drop(&mut self) {
        *self.i = self.li;
        *self.j = self.lj;
    }
}

impl core::fmt::Debug for Rc4 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Rc4(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::Rc4;

    /// After 0 to 255 bytes (in one run or several), the rewound stream produces what a freshly
    /// keyed one does.
    #[test]
    fn rc4_rewinds_to_its_start() {
        let key = *b"0123456789abcdef";
        let mut fresh = [0u8; 300];
        Rc4::new(&key).apply(&mut fresh);
        for n in 0..256 {
            let mut rc4 = Rc4::new(&key);
            let mut used = vec![0u8; n];
            let (a, b) = used.split_at_mut(n / 3);
            rc4.apply(a);
            rc4.apply(b);
            rc4.rewind();
            let mut again = [0u8; 300];
            rc4.apply(&mut again);
            assert_eq!(again, fresh, "after {n} bytes");
        }
    }
}
