//! MD5 (RFC 1321) and HMAC-MD5 (RFC 2104), the hash behind every NTLMv2 response, MIC and
//! signature.
//!
//! Written here because message protection is bound by it: a signed message costs two MD5
//! passes (sender and receiver), a sealed one two MD5 and two RC4 passes. The compression
//! function keeps each step's dependency on the previous result to the minimum (the boolean
//! functions in forms whose message-and-constant part is added off the critical path), and
//! sealing interleaves the RC4 of a block with its hash (`Md5::seal_update`,
//! `Md5::unseal_update`), one keystream byte per MD5 step, so the two latency-bound chains
//! overlap. Checked against the `md-5` crate and the RFC vectors
//! (tests/vectors.rs); the crate stays the reference.

use zeroize::{Zeroize, ZeroizeOnDrop};

use super::rc4::Keystream;

const K: [u32; 64] = [
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
];

/// Which message word each of the 64 steps uses.
const SCHEDULE: [usize; 64] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, //
    1, 6, 11, 0, 5, 10, 15, 4, 9, 14, 3, 8, 13, 2, 7, 12, //
    5, 8, 11, 14, 1, 4, 7, 10, 13, 0, 3, 6, 9, 12, 15, 2, //
    0, 7, 14, 5, 12, 3, 10, 1, 8, 15, 6, 13, 4, 11, 2, 9,
];

const INIT: [u32; 4] = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];

// Each step: a = b + rotl(a + f(b, c, d) + m + k, s). `a + m + k` does not depend on the
// previous step, so it is formed first; only f and what follows wait for `b`.
#[inline(always)]
fn ff(a: u32, b: u32, c: u32, d: u32, mk: u32, s: u32) -> u32 {
    a.wrapping_add(mk)
        .wrapping_add(d ^ (b & (c ^ d)))
        .rotate_left(s)
        .wrapping_add(b)
}

#[inline(always)]
fn gg(a: u32, b: u32, c: u32, d: u32, mk: u32, s: u32) -> u32 {
    // (b & d) | (c & !d) with disjoint bits, so a sum: the `c & !d` half is ready early.
    a.wrapping_add(mk)
        .wrapping_add(c & !d)
        .wrapping_add(b & d)
        .rotate_left(s)
        .wrapping_add(b)
}

#[inline(always)]
fn hh(a: u32, b: u32, c: u32, d: u32, mk: u32, s: u32) -> u32 {
    a.wrapping_add(mk)
        .wrapping_add(b ^ (c ^ d))
        .rotate_left(s)
        .wrapping_add(b)
}

#[inline(always)]
fn ii(a: u32, b: u32, c: u32, d: u32, mk: u32, s: u32) -> u32 {
    a.wrapping_add(mk)
        .wrapping_add(c ^ (b | !d))
        .rotate_left(s)
        .wrapping_add(b)
}

/// The MD5 compression function on one 64-byte block.
#[inline]
pub fn compress(state: &mut [u32; 4], block: &[u8; 64]) {
    let mut m = words(block);
    compress_words(state, &m, |_| {});
    m.zeroize();
}

#[inline(always)]
fn words(block: &[u8]) -> [u32; 16] {
    let mut m = [0u32; 16];
    for (w, chunk) in m.iter_mut().zip(block.chunks_exact(4)) {
        *w = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
    }
    m
}

/// The compression function on message words, calling `after_step(n)` after each of its 64
/// steps: sealing passes one RC4 byte per step, so the two dependency chains (the hash's and
/// the stream's) run interleaved instead of one after the other.
#[inline(always)]
fn compress_words(state: &mut [u32; 4], m: &[u32; 16], mut after_step: impl FnMut(usize)) {
    let [mut a, mut b, mut c, mut d] = *state;
    // The constants read through an opaque reference: as literals the compiler moves each one
    // to the end of its sum, after f, one more add on every step's dependency chain; as loaded
    // values, m + K is formed early with the other inputs.
    let k: &[u32; 64] = core::hint::black_box(&K);
    macro_rules! round {
        ($f:ident, $s:expr, $base:expr) => {
            let s: [u32; 4] = $s;
            let mut i = $base;
            while i < $base + 16 {
                a = $f(a, b, c, d, m[SCHEDULE[i]].wrapping_add(k[i]), s[0]);
                after_step(i);
                d = $f(d, a, b, c, m[SCHEDULE[i + 1]].wrapping_add(k[i + 1]), s[1]);
                after_step(i + 1);
                c = $f(c, d, a, b, m[SCHEDULE[i + 2]].wrapping_add(k[i + 2]), s[2]);
                after_step(i + 2);
                b = $f(b, c, d, a, m[SCHEDULE[i + 3]].wrapping_add(k[i + 3]), s[3]);
                after_step(i + 3);
                i += 4;
            }
        };
    }
    round!(ff, [7, 12, 17, 22], 0);
    round!(gg, [5, 9, 14, 20], 16);
    round!(hh, [4, 11, 16, 23], 32);
    round!(ii, [6, 10, 15, 21], 48);
    state[0] = state[0].wrapping_add(a);
    state[1] = state[1].wrapping_add(b);
    state[2] = state[2].wrapping_add(c);
    state[3] = state[3].wrapping_add(d);
}

/// A running MD5 computation.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Md5 {
    state: [u32; 4],
    buf: [u8; 64],
    buf_len: usize,
    total: u64,
}

impl Default for Md5 {
    fn default() -> Self {
        Self::new()
    }
}

impl Md5 {
    pub fn new() -> Self {
        Md5 {
            state: INIT,
            buf: [0; 64],
            buf_len: 0,
            total: 0,
        }
    }

    /// Hashes `data`, then encrypts it with `ks` (sealing: the MAC is over the plaintext).
    /// Whole blocks are hashed and encrypted in one interleaved pass.
    pub fn seal_update(&mut self, data: &mut [u8], ks: &mut Keystream<'_>) {
        ks.with(|st| {
            let mut rest = data;
            if self.buf_len > 0 {
                let take = (64 - self.buf_len).min(rest.len());
                let (head, tail) = rest.split_at_mut(take);
                self.update(head);
                st.xor(head);
                rest = tail;
            }
            let whole = rest.len() - rest.len() % 64;
            let (blocks, tail) = rest.split_at_mut(whole);
            for block in blocks.chunks_exact_mut(64) {
                let mut m = words(block);
                self.total = self.total.wrapping_add(64);
                compress_words(&mut self.state, &m, |n| block[n] ^= st.next_byte());
                m.zeroize();
            }
            self.update(tail);
            st.xor(tail);
        })
    }

    /// Decrypts `data` with `ks`, then hashes the plaintext (unsealing). Block k is hashed while
    /// block k + 1 is decrypted.
    pub fn unseal_update(&mut self, data: &mut [u8], ks: &mut Keystream<'_>) {
        ks.with(|st| {
            let mut rest = data;
            if self.buf_len > 0 {
                let take = (64 - self.buf_len).min(rest.len());
                let (head, tail) = rest.split_at_mut(take);
                st.xor(head);
                self.update(head);
                rest = tail;
            }
            let whole = rest.len() - rest.len() % 64;
            let (mut blocks, tail) = rest.split_at_mut(whole);
            if !blocks.is_empty() {
                st.xor(&mut blocks[..64]);
            }
            while !blocks.is_empty() {
                let (block, next) = blocks.split_at_mut(64);
                let mut m = words(block);
                self.total = self.total.wrapping_add(64);
                if next.is_empty() {
                    compress_words(&mut self.state, &m, |_| {});
                } else {
                    let next_block: &mut [u8; 64] = (&mut next[..64]).try_into().expect("64 bytes");
                    compress_words(&mut self.state, &m, |n| next_block[n] ^= st.next_byte());
                }
                m.zeroize();
                blocks = next;
            }
            st.xor(tail);
            self.update(tail);
        })
    }

    pub fn update(&mut self, mut data: &[u8]) {
        self.total = self.total.wrapping_add(data.len() as u64);
        if self.buf_len > 0 {
            let take = (64 - self.buf_len).min(data.len());
            self.buf[self.buf_len..self.buf_len + take].copy_from_slice(&data[..take]);
            self.buf_len += take;
            data = &data[take..];
            if self.buf_len < 64 {
                return;
            }
            compress(&mut self.state, &self.buf);
            self.buf_len = 0;
        }
        let mut blocks = data.chunks_exact(64);
        for block in &mut blocks {
            compress(&mut self.state, block.try_into().expect("64 bytes"));
        }
        let rest = blocks.remainder();
        self.buf[..rest.len()].copy_from_slice(rest);
        self.buf_len = rest.len();
    }

    pub fn finalize(mut self) -> [u8; 16] {
        self.finish()
    }

    /// The digest, computed in place (the state is spent; dropping it wipes it).
    fn finish(&mut self) -> [u8; 16] {
        let bits = self.total.wrapping_mul(8);
        let mut pad = [0u8; 72];
        pad[0] = 0x80;
        let pad_len = if self.buf_len < 56 {
            56 - self.buf_len
        } else {
            120 - self.buf_len
        };
        self.update(&pad[..pad_len]);
        self.update(&bits.to_le_bytes());
        debug_assert_eq!(self.buf_len, 0);
        let mut out = [0u8; 16];
        for (o, w) in out.chunks_exact_mut(4).zip(self.state) {
            o.copy_from_slice(&w.to_le_bytes());
        }
        out
    }
}

/// HMAC-MD5 with its key's inner and outer pads already hashed.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct HmacMd5 {
    inner: Md5,
    outer: Md5,
}

impl HmacMd5 {
    pub fn new(key: &[u8]) -> Self {
        let mut k = [0u8; 64];
        if key.len() > 64 {
            let mut h = Md5::new();
            h.update(key);
            k[..16].copy_from_slice(&h.finalize());
        } else {
            k[..key.len()].copy_from_slice(key);
        }
        let mut ipad = [0x36u8; 64];
        let mut opad = [0x5cu8; 64];
        for i in 0..64 {
            ipad[i] ^= k[i];
            opad[i] ^= k[i];
        }
        let mut inner = Md5::new();
        inner.update(&ipad);
        let mut outer = Md5::new();
        outer.update(&opad);
        k.zeroize();
        ipad.zeroize();
        opad.zeroize();
        HmacMd5 { inner, outer }
    }

    pub fn update(&mut self, data: &[u8]) {
        self.inner.update(data);
    }

    /// See [`Md5::seal_update`].
    pub fn seal_update(&mut self, data: &mut [u8], ks: &mut Keystream<'_>) {
        self.inner.seal_update(data, ks);
    }

    /// See [`Md5::unseal_update`].
    pub fn unseal_update(&mut self, data: &mut [u8], ks: &mut Keystream<'_>) {
        self.inner.unseal_update(data, ks);
    }

    pub fn finalize(mut self) -> [u8; 16] {
        let mut inner_hash = self.inner.finish();
        self.outer.update(&inner_hash);
        inner_hash.zeroize();
        self.outer.finish()
    }
}
