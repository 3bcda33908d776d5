//! Typed, null-checked access to what the caller passes: `SecBufferDesc` arrays, buffers,
//! strings in the A (8-bit) and W (UTF-16) forms, and output pointers.
//!
//! Every function here trusts only what C cannot let us check: that a non-NULL pointer points
//! to as many bytes as its length says. Everything else — NULLs, counts, versions, types,
//! sizes — is checked, and nothing is ever written past a length the caller gave.

use core::ffi::c_void;

use super::types::*;

/// The most buffers a descriptor may hold. Windows' NTLM never needs more than a handful; a
/// larger count is a corrupt descriptor.
pub const MAX_BUFFERS: u32 = 256;
/// The longest string accepted from the caller, in characters.
pub const MAX_STRING: usize = 32 * 1024;

/// The buffers of a descriptor, or `None` for a NULL descriptor.
///
/// # Safety
/// `desc`, when not NULL, must point to a `SecBufferDesc` whose `pBuffers` points to at least
/// `cBuffers` entries.
pub unsafe fn descriptor<'a>(
    desc: *mut SecBufferDesc,
) -> Result<Option<&'a mut [SecBuffer]>, SECURITY_STATUS> {
    let Some(d) = desc.as_mut() else {
        return Ok(None);
    };
    if d.ulVersion != SECBUFFER_VERSION {
        return Err(SEC_E_INVALID_TOKEN);
    }
    if d.cBuffers == 0 {
        return Ok(Some(&mut []));
    }
    if d.cBuffers > MAX_BUFFERS || d.pBuffers.is_null() {
        return Err(SEC_E_INVALID_TOKEN);
    }
    Ok(Some(core::slice::from_raw_parts_mut(
        d.pBuffers,
        d.cBuffers as usize,
    )))
}

/// Whether a buffer this library writes shares memory with another one. Signing and sealing
/// hold every buffer as a slice at once: buffers that are only read may share bytes (two
/// READONLY_WITH_CHECKSUM buffers over one header are legitimate, and Windows takes them), but
/// one that is written (the signature, data being sealed or unsealed) must not alias anything.
/// `role` says whether a buffer takes part and, if so, whether it is written.
///
/// Messages have a few buffers (a signature and one or two data buffers): up to `PAIRWISE`
/// spans are compared pair by pair as they come, in one pass over the descriptor and without
/// sorting; a longer descriptor is sorted and swept.
pub fn overlapping(bufs: &[SecBuffer], role: impl Fn(&SecBuffer) -> Option<bool>) -> bool {
    let mut few = [(0usize, 0usize, false); PAIRWISE];
    let mut n = 0;
    for (i, b) in bufs.iter().enumerate() {
        let Some(s) = role(b).and_then(|written| span(b, written)) else {
            continue;
        };
        if n == PAIRWISE {
            let rest = bufs[i..].iter().filter_map(|b| span(b, role(b)?));
            return swept(few.into_iter().chain(rest));
        }
        for o in &few[..n] {
            if clash(o, &s) {
                return true;
            }
        }
        few[n] = s;
        n += 1;
    }
    false
}

/// Spans compared pair by pair in [`overlapping`].
const PAIRWISE: usize = 4;

/// A buffer's bytes as `(start, end, written)` addresses; None when it has none.
fn span(b: &SecBuffer, written: bool) -> Option<(usize, usize, bool)> {
    let start = b.pvBuffer as usize;
    (b.cbBuffer > 0 && !b.pvBuffer.is_null())
        .then(|| (start, start.saturating_add(b.cbBuffer as usize), written))
}

/// Whether two spans share bytes and one of them is written.
fn clash(a: &(usize, usize, bool), b: &(usize, usize, bool)) -> bool {
    (a.2 || b.2) && a.0 < b.1 && b.0 < a.1
}

/// [`overlapping`] for many spans: a sweep in address order, where a span overlaps an earlier
/// one exactly when it starts before the furthest end seen so far.
fn swept(spans: impl Iterator<Item = (usize, usize, bool)>) -> bool {
    let mut spans: smallvec::SmallVec<[(usize, usize, bool); 8]> = spans.collect();
    spans.sort_unstable();
    let (mut end_any, mut end_written) = (0usize, 0usize);
    for &(start, end, written) in &spans {
        if start < end_written || (written && start < end_any) {
            return true;
        }
        end_any = end_any.max(end);
        if written {
            end_written = end_written.max(end);
        }
    }
    false
}

/// The type of a buffer without its attribute bits (READONLY, READONLY_WITH_CHECKSUM).
pub fn base_type(b: &SecBuffer) -> ULONG {
    b.BufferType & !SECBUFFER_ATTRMASK
}

/// The first buffer of type `ty`.
pub fn find(buffers: &mut [SecBuffer], ty: ULONG) -> Option<&mut SecBuffer> {
    buffers.iter_mut().find(|b| base_type(b) == ty)
}

/// A buffer's bytes for reading. A NULL pointer with a non-zero length is a bad token.
///
/// # Safety
/// `b.pvBuffer`, when not NULL, must point to `b.cbBuffer` readable bytes.
pub unsafe fn bytes<'a>(b: &SecBuffer) -> Result<&'a [u8], SECURITY_STATUS> {
    if b.cbBuffer == 0 {
        return Ok(&[]);
    }
    if b.pvBuffer.is_null() {
        return Err(SEC_E_INVALID_TOKEN);
    }
    Ok(core::slice::from_raw_parts(
        b.pvBuffer as *const u8,
        b.cbBuffer as usize,
    ))
}

/// A buffer's bytes for writing in place.
///
/// # Safety
/// `b.pvBuffer`, when not NULL, must point to `b.cbBuffer` writable bytes not aliased by any
/// other buffer of the same call.
pub unsafe fn bytes_mut<'a>(b: &SecBuffer) -> Result<&'a mut [u8], SECURITY_STATUS> {
    if b.cbBuffer == 0 {
        return Ok(&mut []);
    }
    if b.pvBuffer.is_null() {
        return Err(SEC_E_INVALID_TOKEN);
    }
    Ok(core::slice::from_raw_parts_mut(
        b.pvBuffer as *mut u8,
        b.cbBuffer as usize,
    ))
}

/// Writes `value` through `p` when `p` is not NULL.
///
/// # Safety
/// `p`, when not NULL, must be valid for a write of `T`.
pub unsafe fn put<T>(p: *mut T, value: T) {
    if !p.is_null() {
        p.write_unaligned(value);
    }
}

/// Reads a handle, `None` for NULL.
///
/// # Safety
/// `p`, when not NULL, must point to a readable `SecHandle`.
pub unsafe fn handle(p: *const SecHandle) -> Option<SecHandle> {
    (!p.is_null()).then(|| p.read_unaligned())
}

/// The two string forms of the A and W exports.
pub trait Charset {
    type Char: Copy + Eq + Default + 'static;
    /// `s` in this form, with the terminating NUL.
    fn encode_z(s: &str) -> Vec<Self::Char>;
    /// Decodes characters (without NUL). A strings are in the ANSI code page: on Windows the
    /// system's (CP_ACP, through MultiByteToWideChar); elsewhere UTF-8, the usual locale there,
    /// with bytes that are not UTF-8 taken as Latin-1.
    fn decode(chars: &[Self::Char]) -> Option<String>;
}

/// The A functions: `char` strings.
pub struct Ansi;
/// The W functions: UTF-16 strings.
pub struct Wide;

#[cfg(not(windows))]
impl Charset for Ansi {
    type Char = u8;

    fn encode_z(s: &str) -> Vec<u8> {
        let mut v = Vec::with_capacity(s.len() + 1);
        v.extend_from_slice(s.as_bytes());
        v.push(0);
        v
    }

    fn decode(chars: &[u8]) -> Option<String> {
        Some(match core::str::from_utf8(chars) {
            Ok(s) => s.to_owned(),
            Err(_) => chars.iter().map(|&c| char::from(c)).collect(),
        })
    }
}

#[cfg(windows)]
mod acp {
    //! The system ANSI code page, through kernel32.
    use core::ffi::c_int;

    const CP_ACP: u32 = 0;

    #[link(name = "kernel32")]
    extern "system" {
        fn MultiByteToWideChar(
            page: u32,
            flags: u32,
            src: *const u8,
            src_len: c_int,
            dst: *mut u16,
            dst_len: c_int,
        ) -> c_int;
        fn WideCharToMultiByte(
            page: u32,
            flags: u32,
            src: *const u16,
            src_len: c_int,
            dst: *mut u8,
            dst_len: c_int,
            default: *const u8,
            used_default: *mut i32,
        ) -> c_int;
    }

    pub fn to_utf16(bytes: &[u8]) -> Option<Vec<u16>> {
        if bytes.is_empty() {
            return Some(Vec::new());
        }
        let n = c_int::try_from(bytes.len()).ok()?;
        // SAFETY: a length query (NULL output), then a conversion into a buffer of the length
        // the query gave; both read `n` bytes of `bytes`.
        unsafe {
            let need = MultiByteToWideChar(CP_ACP, 0, bytes.as_ptr(), n, core::ptr::null_mut(), 0);
            if need <= 0 {
                return None;
            }
            let mut out = vec![0u16; need as usize];
            let got = MultiByteToWideChar(CP_ACP, 0, bytes.as_ptr(), n, out.as_mut_ptr(), need);
            (got == need).then_some(out)
        }
    }

    pub fn from_utf16(units: &[u16]) -> Option<Vec<u8>> {
        if units.is_empty() {
            return Some(Vec::new());
        }
        let n = c_int::try_from(units.len()).ok()?;
        // SAFETY: as in `to_utf16`, in the other direction.
        unsafe {
            let need = WideCharToMultiByte(
                CP_ACP,
                0,
                units.as_ptr(),
                n,
                core::ptr::null_mut(),
                0,
                core::ptr::null(),
                core::ptr::null_mut(),
            );
            if need <= 0 {
                return None;
            }
            let mut out = vec![0u8; need as usize];
            let got = WideCharToMultiByte(
                CP_ACP,
                0,
                units.as_ptr(),
                n,
                out.as_mut_ptr(),
                need,
                core::ptr::null(),
                core::ptr::null_mut(),
            );
            (got == need).then_some(out)
        }
    }
}

#[cfg(windows)]
impl Charset for Ansi {
    type Char = u8;

    fn encode_z(s: &str) -> Vec<u8> {
        let units: Vec<u16> = s.encode_utf16().collect();
        let mut v = acp::from_utf16(&units).unwrap_or_else(|| {
            s.bytes()
                .map(|b| if b.is_ascii() { b } else { b'?' })
                .collect()
        });
        v.push(0);
        v
    }

    fn decode(chars: &[u8]) -> Option<String> {
        char::decode_utf16(acp::to_utf16(chars)?)
            .collect::<Result<String, _>>()
            .ok()
    }
}

impl Charset for Wide {
    type Char = u16;

    fn encode_z(s: &str) -> Vec<u16> {
        s.encode_utf16().chain(core::iter::once(0)).collect()
    }

    fn decode(chars: &[u16]) -> Option<String> {
        char::decode_utf16(chars.iter().copied())
            .collect::<Result<String, _>>()
            .ok()
    }
}

/// A string from the caller that is too long or not decodable in its character set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadString;

/// A NUL-terminated string; `Ok(None)` for NULL, an error for one longer than [`MAX_STRING`]
/// or not decodable.
///
/// # Safety
/// `p`, when not NULL, must point to a NUL-terminated string.
pub unsafe fn string_z<C: Charset>(p: *const C::Char) -> Result<Option<String>, BadString> {
    if p.is_null() {
        return Ok(None);
    }
    let nul = C::Char::default();
    let mut n = 0usize;
    while *p.add(n) != nul {
        n += 1;
        if n > MAX_STRING {
            return Err(BadString);
        }
    }
    C::decode(core::slice::from_raw_parts(p, n))
        .map(Some)
        .ok_or(BadString)
}

/// A counted string (`len` characters, no NUL needed); NULL is the empty string when `len`
/// is 0 and an error otherwise.
///
/// # Safety
/// `p`, when not NULL, must point to `len` characters.
pub unsafe fn string_n<C: Charset>(p: *const C::Char, len: ULONG) -> Result<String, BadString> {
    let len = len as usize;
    if len == 0 {
        return Ok(String::new());
    }
    if p.is_null() || len > MAX_STRING {
        return Err(BadString);
    }
    C::decode(core::slice::from_raw_parts(p, len)).ok_or(BadString)
}

/// Bytes of a caller's opaque pointer, for structures whose layout we then read.
///
/// # Safety
/// `p` must point to at least `size_of::<T>()` readable bytes.
pub unsafe fn read_struct<T: Copy>(p: *const c_void) -> T {
    (p as *const T).read_unaligned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pair-by-pair check and the sweep agree, for few buffers and for many.
    #[test]
    fn pairwise_and_sweep_agree() {
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for _ in 0..20_000 {
            let count = 1 + next(7) as usize;
            let bufs: Vec<(SecBuffer, bool)> = (0..count)
                .map(|_| {
                    let b = SecBuffer {
                        cbBuffer: next(6) as ULONG,
                        BufferType: SECBUFFER_DATA,
                        pvBuffer: (0x1000 + next(12) as usize) as *mut core::ffi::c_void,
                    };
                    (b, next(2) == 1)
                })
                .collect();
            let expected = swept(bufs.iter().filter_map(|(b, w)| span(b, *w)));
            let descriptor: Vec<SecBuffer> = bufs.iter().map(|(b, _)| *b).collect();
            // A buffer's role is found by its place in the descriptor.
            let written: Vec<bool> = bufs.iter().map(|(_, w)| *w).collect();
            let role = |b: &SecBuffer| {
                let i = (b as *const SecBuffer as usize - descriptor.as_ptr() as usize)
                    / core::mem::size_of::<SecBuffer>();
                Some(written[i])
            };
            assert_eq!(overlapping(&descriptor, role), expected, "{count} buffers");
        }
    }
}
