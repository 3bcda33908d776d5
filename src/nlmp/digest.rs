//! MD5 (RFC 1321) and HMAC-MD5 (RFC 2104), the hash behind every NTLMv2 response, MIC and
//! signature, and sealing's MD5 interleaved with RC4.
//!
//! Written here because message protection is bound by it: a signed message costs two MD5
//! passes (sender and receiver), a sealed one two MD5 and two RC4 passes. The compression
//! function is written out step by step (no schedule table to index), with each step's
//! message-and-constant part formed before the boolean function, off the dependency chain.
//!
//! Sealing ([MS-NLMP] 3.4.4.2: HMAC over the plaintext, RC4 over the message) runs MD5 and RC4
//! in one pass, one keystream byte per MD5 step (`Md5::seal_update`, `Md5::unseal_update`).
//! MD5 is a chain of dependent additions and rotations that leaves most of the core's execution
//! ports idle; RC4 is loads and stores on its table with a short chain of its own, so the two
//! overlap almost completely. That needs the RC4 step to be cheap: the stream is brought to a
//! block boundary of its index first (`Rc4::to_boundary`), so that a block's 64 table entries
//! `S[i]` sit at constant offsets (`rc4::Blocks`), and the keystream of a block goes to a small
//! buffer XORed into the message once per block. On the sending side the keystream lags
//! the hash (a block is encrypted once it has been hashed), on the receiving side it leads
//! (a block is hashed once it has been decrypted).
//!
//! Checked against the `md-5`, `hmac` and `rc4` crates (tests/vectors.rs); the crates stay the
//! reference.

use zeroize::{Zeroize, ZeroizeOnDrop};

use super::rc4::Rc4;

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

const INIT: [u32; 4] = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];

/// The step constants as loaded values: as literals the compiler moves each one to the end of
/// its sum, after the boolean function, one more addition on every step's dependency chain.
/// Read through a reference it cannot see through, taken again for every block: loads it
/// could hoist out of a block loop it would keep in 64 stack slots, copied there on every call.
#[inline(always)]
fn constants() -> &'static [u32; 64] {
    core::hint::black_box(&K)
}

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

/// The 64 steps of the compression function on message words `m`, calling `after_step(n)`
/// after step n (sealing takes one RC4 byte there). Written out so that every message index,
/// constant and rotation is fixed at each step.
#[inline(always)]
fn rounds(state: &mut [u32; 4], m: &[u32; 16], k: &[u32; 64], mut after_step: impl FnMut(usize)) {
    let [mut a, mut b, mut c, mut d] = *state;
    macro_rules! four {
        ($f:ident, $n:expr, [$w0:expr, $w1:expr, $w2:expr, $w3:expr], [$s0:expr, $s1:expr, $s2:expr, $s3:expr]) => {
            a = $f(a, b, c, d, m[$w0].wrapping_add(k[$n]), $s0);
            after_step($n);
            d = $f(d, a, b, c, m[$w1].wrapping_add(k[$n + 1]), $s1);
            after_step($n + 1);
            c = $f(c, d, a, b, m[$w2].wrapping_add(k[$n + 2]), $s2);
            after_step($n + 2);
            b = $f(b, c, d, a, m[$w3].wrapping_add(k[$n + 3]), $s3);
            after_step($n + 3);
        };
    }
    four!(ff, 0, [0, 1, 2, 3], [7, 12, 17, 22]);
    four!(ff, 4, [4, 5, 6, 7], [7, 12, 17, 22]);
    four!(ff, 8, [8, 9, 10, 11], [7, 12, 17, 22]);
    four!(ff, 12, [12, 13, 14, 15], [7, 12, 17, 22]);
    four!(gg, 16, [1, 6, 11, 0], [5, 9, 14, 20]);
    four!(gg, 20, [5, 10, 15, 4], [5, 9, 14, 20]);
    four!(gg, 24, [9, 14, 3, 8], [5, 9, 14, 20]);
    four!(gg, 28, [13, 2, 7, 12], [5, 9, 14, 20]);
    four!(hh, 32, [5, 8, 11, 14], [4, 11, 16, 23]);
    four!(hh, 36, [1, 4, 7, 10], [4, 11, 16, 23]);
    four!(hh, 40, [13, 0, 3, 6], [4, 11, 16, 23]);
    four!(hh, 44, [9, 12, 15, 2], [4, 11, 16, 23]);
    four!(ii, 48, [0, 7, 14, 5], [6, 10, 15, 21]);
    four!(ii, 52, [12, 3, 10, 1], [6, 10, 15, 21]);
    four!(ii, 56, [8, 15, 6, 13], [6, 10, 15, 21]);
    four!(ii, 60, [4, 11, 2, 9], [6, 10, 15, 21]);
    state[0] = state[0].wrapping_add(a);
    state[1] = state[1].wrapping_add(b);
    state[2] = state[2].wrapping_add(c);
    state[3] = state[3].wrapping_add(d);
}

#[inline(always)]
fn words(block: &[u8]) -> [u32; 16] {
    let mut m = [0u32; 16];
    for (w, chunk) in m.iter_mut().zip(block.chunks_exact(4)) {
        *w = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
    }
    m
}

/// The compression function on each 64-byte block of `blocks` (whose length is a multiple
/// of 64).
#[inline(never)]
fn compress(state: &mut [u32; 4], blocks: &[u8]) {
    let mut m = [0u32; 16];
    for block in blocks.chunks_exact(64) {
        m = words(block);
        rounds(state, &m, constants(), |_| {});
    }
    // The last block's words (key pads, or message bytes) do not stay on the stack.
    m.as_mut_slice().zeroize();
}

/// Hashes the `n` blocks at `data[h..]` while XORing the keystream of `rc4` (at a block
/// boundary) into the `n` blocks at `data[e..]`, one keystream byte per MD5 step. Each block's
/// words are read before its keystream is applied, so `e <= h` (sealing: bytes encrypted once
/// hashed) and `e >= h + 64` (unsealing: bytes hashed once decrypted) are both right.
#[inline(never)]
fn stitched(state: &mut [u32; 4], data: &mut [u8], h: usize, e: usize, n: usize, rc4: &mut Rc4) {
    rc4.blocks_in_frame(|stream| {
        let mut ks = [0u8; 64];
        for b in 0..n {
            let (h, e) = (h + 64 * b, e + 64 * b);
            let m = words(&data[h..h + 64]);
            stream.check();
            rounds(state, &m, constants(), |n| ks[n] = stream.byte(n));
            stream.next_block();
            for (d, k) in data[e..e + 64].iter_mut().zip(ks) {
                *d ^= k;
            }
        }
        ks.as_mut_slice().zeroize();
    })
}

/// A running MD5 computation.
#[derive(Clone)]
pub struct Md5 {
    state: [u32; 4],
    buf: [u8; 64],
    buf_len: usize,
    total: u64,
}

impl Zeroize for Md5 {
    fn zeroize(&mut self) {
        // Arrays as slices: one fill and a barrier each, where an array is wiped an element
        // at a time.
        self.state.as_mut_slice().zeroize();
        self.buf.as_mut_slice().zeroize();
        self.buf_len.zeroize();
        self.total.zeroize();
    }
}

impl Drop for Md5 {
    fn drop(&mut self) {
        self.zeroize();
    }
}

impl ZeroizeOnDrop for Md5 {}

impl Default for Md5 {
    fn default() -> Self {
        Self::new()
    }
}

impl Md5 {
    pub fn new() -> Self {
        Self::resume(INIT, 0)
    }

    /// A computation whose first `total` bytes (a multiple of 64) left `state`.
    fn resume(state: [u32; 4], total: u64) -> Self {
        Md5 {
            state,
            buf: [0; 64],
            buf_len: 0,
            total,
        }
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
        let whole = data.len() - data.len() % 64;
        if whole > 0 {
            compress(&mut self.state, &data[..whole]);
        }
        let rest = &data[whole..];
        self.buf[..rest.len()].copy_from_slice(rest);
        self.buf_len = rest.len();
    }

    /// Hashes `data`, then encrypts it with `rc4` (sealing: the MAC is over the plaintext).
    /// Whole blocks are hashed and encrypted in one interleaved pass, the keystream lagging the
    /// hash.
    pub fn seal_update(&mut self, data: &mut [u8], rc4: &mut Rc4) {
        let len = data.len();
        // Bytes hashed (`h`) and encrypted (`e`) so far; e <= h throughout.
        let mut h = 0;
        if self.buf_len > 0 {
            h = (64 - self.buf_len).min(len);
            self.update(&data[..h]);
        }
        let mut e = 0;
        let lag = rc4.to_boundary();
        // One block hashed alone first when the bytes that bring the stream to its boundary
        // are not all hashed yet.
        let first = if lag > h { 64 } else { 0 };
        if h + first + 64 <= len {
            if first > 0 {
                self.hash_blocks(&data[h..h + 64]);
                h += 64;
            }
            rc4.apply(&mut data[..lag]);
            e = lag;
            let n = (len - h) / 64;
            stitched(&mut self.state, data, h, e, n, rc4);
            self.total = self.total.wrapping_add(64 * n as u64);
            h += 64 * n;
            e += 64 * n;
        }
        self.update(&data[h..]);
        rc4.apply(&mut data[e..]);
    }

    /// Decrypts `data` with `rc4`, then hashes the plaintext (unsealing). Whole blocks are
    /// decrypted and hashed in one interleaved pass, the keystream leading the hash by two to
    /// three blocks.
    pub fn unseal_update(&mut self, data: &mut [u8], rc4: &mut Rc4) {
        let len = data.len();
        // Bytes decrypted (`e`) and hashed (`h`) so far; e >= h throughout.
        let mut h = 0;
        if self.buf_len > 0 {
            h = (64 - self.buf_len).min(len);
            rc4.apply(&mut data[..h]);
            self.update(&data[..h]);
        }
        // Decrypt ahead to the stream's block boundary, at least two whole blocks past `h`:
        // a block is then hashed well after its decryption was stored (a word read straddling
        // two stores still in flight would wait for both).
        let lead = rc4.to_boundary() + 128;
        let mut e = h;
        if h + lead + 64 <= len {
            rc4.apply(&mut data[h..h + lead]);
            e = h + lead;
            let n = (len - e) / 64;
            stitched(&mut self.state, data, h, e, n, rc4);
            self.total = self.total.wrapping_add(64 * n as u64);
            h += 64 * n;
            e += 64 * n;
        }
        rc4.apply(&mut data[e..]);
        self.update(&data[h..]);
    }

    /// Whole blocks, with nothing buffered.
    fn hash_blocks(&mut self, blocks: &[u8]) {
        debug_assert_eq!(self.buf_len, 0);
        compress(&mut self.state, blocks);
        self.total = self.total.wrapping_add(blocks.len() as u64);
    }

    pub fn finalize(mut self) -> [u8; 16] {
        self.finish()
    }

    /// The digest, computed in place (the state is spent; dropping it wipes it).
    fn finish(&mut self) -> [u8; 16] {
        let bits = self.total.wrapping_mul(8);
        let n = self.buf_len;
        self.buf[n] = 0x80;
        self.buf[n + 1..].fill(0);
        if n >= 56 {
            compress(&mut self.state, &self.buf);
            self.buf.fill(0);
        }
        self.buf[56..].copy_from_slice(&bits.to_le_bytes());
        compress(&mut self.state, &self.buf);
        self.buf_len = 0;
        digest(&self.state)
    }
}

fn digest(state: &[u32; 4]) -> [u8; 16] {
    let mut out = [0u8; 16];
    for (o, w) in out.chunks_exact_mut(4).zip(state) {
        o.copy_from_slice(&w.to_le_bytes());
    }
    out
}

/// An HMAC-MD5 key as the MD5 states after its inner and outer pads: each MAC under it
/// starts from them, two compressions less than from the key. Kept for keys used again and
/// again (NTOWFv2 of a credential, the signing key of a session). Wiped when dropped.
#[derive(Clone)]
pub struct HmacMd5Key {
    inner: [u32; 4],
    outer: [u32; 4],
}

impl Zeroize for HmacMd5Key {
    fn zeroize(&mut self) {
        self.inner.as_mut_slice().zeroize();
        self.outer.as_mut_slice().zeroize();
    }
}

impl Drop for HmacMd5Key {
    fn drop(&mut self) {
        self.zeroize();
    }
}

impl ZeroizeOnDrop for HmacMd5Key {}

impl core::fmt::Debug for HmacMd5Key {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("HmacMd5Key(..)")
    }
}

impl HmacMd5Key {
    pub fn new(key: &[u8]) -> Self {
        let mut k = [0u8; 64];
        if key.len() > 64 {
            let mut h = Md5::new();
            h.update(key);
            k[..16].copy_from_slice(&h.finalize());
        } else {
            k[..key.len()].copy_from_slice(key);
        }
        let mut pads = [0u8; 128];
        for (n, p) in pads.iter_mut().enumerate() {
            *p = k[n % 64] ^ if n < 64 { 0x36 } else { 0x5c };
        }
        let (mut inner, mut outer) = (INIT, INIT);
        compress(&mut inner, &pads[..64]);
        compress(&mut outer, &pads[64..]);
        k.as_mut_slice().zeroize();
        pads.as_mut_slice().zeroize();
        HmacMd5Key { inner, outer }
    }

    /// A running MAC, for messages that arrive in pieces.
    #[inline]
    pub fn start(&self) -> HmacMd5 {
        HmacMd5 {
            inner: Md5::resume(self.inner, 64),
            outer: self.outer,
        }
    }

    /// HMAC_MD5(key, concatenation of `parts`).
    pub fn mac(&self, parts: &[&[u8]]) -> [u8; 16] {
        let mut m = self.start();
        for p in parts {
            m.update(p);
        }
        m.finalize()
    }
}

/// A running HMAC-MD5: the inner hash, and the outer pad's state to finish with.
#[derive(Clone)]
pub struct HmacMd5 {
    inner: Md5,
    outer: [u32; 4],
}

impl Zeroize for HmacMd5 {
    fn zeroize(&mut self) {
        self.inner.zeroize();
        self.outer.as_mut_slice().zeroize();
    }
}

impl Drop for HmacMd5 {
    fn drop(&mut self) {
        // The inner computation wipes itself.
        self.outer.as_mut_slice().zeroize();
    }
}

impl ZeroizeOnDrop for HmacMd5 {}

impl HmacMd5 {
    pub fn new(key: &[u8]) -> Self {
        HmacMd5Key::new(key).start()
    }

    pub fn update(&mut self, data: &[u8]) {
        self.inner.update(data);
    }

    /// See [`Md5::seal_update`].
    pub fn seal_update(&mut self, data: &mut [u8], rc4: &mut Rc4) {
        self.inner.seal_update(data, rc4);
    }

    /// See [`Md5::unseal_update`].
    pub fn unseal_update(&mut self, data: &mut [u8], rc4: &mut Rc4) {
        self.inner.unseal_update(data, rc4);
    }

    pub fn finalize(mut self) -> [u8; 16] {
        self.finish()
    }

    /// The MAC, computed in place (the state is spent; dropping it wipes it).
    pub(crate) fn finish(&mut self) -> [u8; 16] {
        // The outer hash is of opad (already in `outer`) and the 16-byte inner hash: one
        // block, its padding and length (80 bytes) written directly.
        let mut block = [0u8; 64];
        block[..16].copy_from_slice(&self.inner.finish());
        block[16] = 0x80;
        block[56..].copy_from_slice(&(80u64 * 8).to_le_bytes());
        compress(&mut self.outer, &block);
        block.as_mut_slice().zeroize();
        digest(&self.outer)
    }
}
