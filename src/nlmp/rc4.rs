//! RC4 ([MS-NLMP] 6, "RC4Init" and "RC4" on a handle): the stream that seals messages and
//! their checksums (3.4.3, 3.4.4).
//!
//! Written here rather than taken from the `rc4` crate because session security needs what that
//! type does not offer: copying a stream, running it backwards (a message that fails
//! verification leaves the stream as it was, 3.4.4 does not consume it), and handing out its
//! keystream 64 bytes at a time at a fixed offset of its index, so that sealing can interleave it
//! with MD5 (`digest::Md5::seal_update`). Tested against the `rc4` crate (tests/vectors.rs).

use zeroize::{Zeroize, ZeroizeOnDrop};

/// An RC4 key stream ("handle" in the spec), wiped on drop.
#[derive(Clone)]
pub struct Rc4 {
    s: [u8; 256],
    i: u8,
    j: u8,
}

impl Zeroize for Rc4 {
    fn zeroize(&mut self) {
        // As a slice: one fill and a barrier, where an array is wiped a byte at a time.
        self.s.as_mut_slice().zeroize();
        self.i.zeroize();
        self.j.zeroize();
    }
}

impl Drop for Rc4 {
    fn drop(&mut self) {
        self.zeroize();
    }
}

impl ZeroizeOnDrop for Rc4 {}

impl core::fmt::Debug for Rc4 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Rc4(..)")
    }
}

impl Rc4 {
    /// RC4Init(Handle, Key) for a key of 1 to 256 bytes.
    #[inline]
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
        k.as_mut_slice().zeroize();
        Rc4 { s, i: 0, j: 0 }
    }

    /// RC4(Handle, D), in place, continuing the stream. Runs of whole 64-byte blocks at the
    /// index's block boundaries go through `Blocks`.
    pub fn apply(&mut self, data: &mut [u8]) {
        let head = self.to_boundary();
        if data.len() < head + 64 {
            return self.apply_bytes(data);
        }
        let (head, rest) = data.split_at_mut(head);
        self.apply_bytes(head);
        let mut blocks = rest.chunks_exact_mut(64);
        {
            let mut stream = self.blocks();
            for block in &mut blocks {
                stream.check();
                // Written out, so that every step's offsets are constants.
                macro_rules! eight {
                    ($($n:expr),*) => {
                        $(
                            block[$n] ^= stream.byte($n);
                            block[$n + 1] ^= stream.byte($n + 1);
                            block[$n + 2] ^= stream.byte($n + 2);
                            block[$n + 3] ^= stream.byte($n + 3);
                            block[$n + 4] ^= stream.byte($n + 4);
                            block[$n + 5] ^= stream.byte($n + 5);
                            block[$n + 6] ^= stream.byte($n + 6);
                            block[$n + 7] ^= stream.byte($n + 7);
                        )*
                    };
                }
                eight!(0, 8, 16, 24, 32, 40, 48, 56);
                stream.next_block();
            }
        }
        self.apply_bytes(blocks.into_remainder());
    }

    /// [`Rc4::apply`] without the block boundaries. Each step loads the next S[i] before its
    /// own swap stores (taking the swapped value when the swap wrote that very entry), so that
    /// load does not wait behind the stores.
    fn apply_bytes(&mut self, data: &mut [u8]) {
        let Rc4 { s, i, j } = self;
        let (mut li, mut lj) = (*i, *j);
        let mut si = s[usize::from(li.wrapping_add(1))];
        let mut next_byte = || {
            li = li.wrapping_add(1);
            lj = lj.wrapping_add(si);
            let sj = s[usize::from(lj)];
            let next = s[usize::from(li.wrapping_add(1))];
            s[usize::from(li)] = sj;
            s[usize::from(lj)] = si;
            let k = s[usize::from(si.wrapping_add(sj))];
            if lj != li.wrapping_add(1) {
                si = next;
            }
            k
        };
        // Eight keystream bytes per word of data.
        let mut chunks = data.chunks_exact_mut(8);
        for chunk in &mut chunks {
            let mut ks = [0u8; 8];
            for b in ks.iter_mut() {
                *b = next_byte();
            }
            let word = u64::from_ne_bytes(chunk[..8].try_into().expect("8 bytes"))
                ^ u64::from_ne_bytes(ks);
            chunk.copy_from_slice(&word.to_ne_bytes());
        }
        for b in chunks.into_remainder() {
            *b ^= next_byte();
        }
        *i = li;
        *j = lj;
    }

    /// Runs the stream backwards over `data`, last byte first: after `apply(data)`,
    /// `undo(data)` gives back both the data and the stream as they were. Each step of the
    /// generator is a swap and two additions, so it inverts exactly from the indices it ended
    /// at; a message that fails verification is put back this way (no copy of the 258-byte
    /// state on every message).
    pub fn undo(&mut self, data: &mut [u8]) {
        let Rc4 { s, i, j } = self;
        for b in data.iter_mut().rev() {
            let (si, sj) = (s[usize::from(*i)], s[usize::from(*j)]);
            *b ^= s[usize::from(si.wrapping_add(sj))];
            s[usize::from(*i)] = sj;
            s[usize::from(*j)] = si;
            *j = j.wrapping_sub(sj);
            *i = i.wrapping_sub(1);
        }
    }

    /// Goes back to the state RC4Init left, for a stream that has produced fewer than 256
    /// bytes since (its index i counts them modulo 256; the caller knows the count is small):
    /// [`Rc4::undo`] without data.
    pub fn rewind(&mut self) {
        let Rc4 { s, i, j } = self;
        while *i != 0 {
            s.swap(usize::from(*i), usize::from(*j));
            *j = j.wrapping_sub(s[usize::from(*i)]);
            *i -= 1;
        }
    }

    /// How many bytes the stream produces before it is at a block boundary: the next byte's
    /// index i a multiple of 64, so that a block's 64 indices do not wrap around the table.
    pub(crate) fn to_boundary(&self) -> usize {
        usize::from(63u8.wrapping_sub(self.i) & 63)
    }

    /// Runs `f` on [`Rc4::blocks`] of a copy of the stream in the caller's stack frame, then
    /// takes the copy's state back (the copy is wiped). The table then sits at a fixed
    /// distance from the caller's other locals, addressed from the stack pointer (one register
    /// more for the caller), and no store to a local can falsely alias a table load (the same
    /// address bits 0..12 a page apart) however the stream happens to be placed in memory.
    #[inline(always)]
    pub(crate) fn blocks_in_frame<R>(&mut self, f: impl FnOnce(&mut Blocks<'_>) -> R) -> R {
        let mut local = self.clone();
        let r = f(&mut local.blocks());
        self.s = local.s;
        self.i = local.i;
        self.j = local.j;
        r
    }

    /// The stream as 64-byte blocks, for a stream at a block boundary ([`Rc4::to_boundary`]
    /// is 0). The indices live in locals while it runs and are written back when it is
    /// dropped.
    #[inline(always)]
    pub(crate) fn blocks(&mut self) -> Blocks<'_> {
        debug_assert_eq!(self.to_boundary(), 0);
        let Rc4 { s, i, j } = self;
        let base = usize::from(i.wrapping_add(1));
        Blocks {
            si: s[base],
            lj: *j,
            base,
            s,
            i,
            j,
        }
    }
}

/// The keystream of an RC4 stream at a block boundary, 64 bytes a block. Within a block the
/// indices i are `base + n` for step n: each step's S[i] is an entry at a constant offset, with
/// no index to compute or wrap, and S[i + 1] is loaded before the step's own swap stores (taking
/// the swapped value when the swap wrote that entry), so no load waits behind a store whose
/// address is not known yet.
pub(crate) struct Blocks<'a> {
    s: &'a mut [u8; 256],
    /// The block's first index: 0, 64, 128 or 192.
    base: usize,
    lj: u8,
    /// S[base + n] for the next step n.
    si: u8,
    i: &'a mut u8,
    j: &'a mut u8,
}

impl Blocks<'_> {
    /// The keystream byte of step `n` (0..64, a constant once inlined) of the current block;
    /// steps are taken in order, after [`Blocks::check`], then [`Blocks::next_block`].
    #[inline(always)]
    pub(crate) fn byte(&mut self, n: usize) -> u8 {
        // base + n < 256 (base is at most 192, as `check` told the compiler): no bounds check
        // and no wrap-around but for the next block's first entry.
        let s = &mut *self.s;
        let i = self.base + n;
        let i_next = if n == 63 {
            (self.base + 64) & 255
        } else {
            self.base + n + 1
        };
        let si = self.si;
        let j = self.lj.wrapping_add(si);
        let sj = s[usize::from(j)];
        let next = s[i_next];
        s[i] = sj;
        s[usize::from(j)] = si;
        // A branch, not a select: taken once in 256 steps and predicted, it keeps the next
        // step's j from waiting on this comparison (j, compare, select, add would be the
        // stream's dependency chain, longer than an MD5 step).
        self.si = next;
        if usize::from(j) == i_next {
            rare();
            self.si = si;
        }
        self.lj = j;
        s[usize::from(si.wrapping_add(sj))]
    }

    /// Gives the compiler the block's bounds (base is 0, 64, 128 or 192); called before a
    /// block's steps.
    #[inline(always)]
    pub(crate) fn check(&self) {
        assert!(self.base <= 192);
    }

    /// Moves to the next block, after all 64 steps of this one.
    #[inline(always)]
    pub(crate) fn next_block(&mut self) {
        self.base = (self.base + 64) & 255;
    }
}

impl Drop for Blocks<'_> {
    fn drop(&mut self) {
        *self.i = (self.base as u8).wrapping_sub(1);
        *self.j = self.lj;
    }
}

/// Marks the path that calls it as rarely taken, so the compiler keeps it a branch (a
/// `core::hint::cold_path` for the crate's minimum Rust version).
#[cold]
#[inline(never)]
fn rare() {}

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

    /// `undo` puts back the data and the whole state, from any position and over any length
    /// (past 256 bytes too).
    #[test]
    fn undo_inverts_apply() {
        let mut rc4 = Rc4::new(b"key");
        let mut skip = [0u8; 77];
        rc4.apply(&mut skip);
        for len in [0usize, 1, 7, 64, 255, 256, 1000] {
            let before = rc4.clone();
            let plain: Vec<u8> = (0..len).map(|n| (n * 7) as u8).collect();
            let mut data = plain.clone();
            rc4.apply(&mut data);
            rc4.undo(&mut data);
            assert_eq!(data, plain, "{len}");
            assert_eq!(
                (rc4.s, rc4.i, rc4.j),
                (before.s, before.i, before.j),
                "{len}"
            );
            rc4.apply(&mut skip[..len % 13]);
        }
    }
}
