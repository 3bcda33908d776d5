//! [MS-NLMP] 2.2 message syntax: little-endian fields, and the payload fields (`Len`,
//! `MaxLen`, `BufferOffset`) through which every variable-length value is reached.
//!
//! No parser in this crate indexes a slice by hand: a [`Reader`] hands out bytes only while
//! they exist, and [`PayloadField::resolve`] only returns ranges inside the message. Every
//! failure is [`Error::InvalidToken`].

use smallvec::SmallVec;

use super::error::{Error, Result};
use super::name::Name;

/// A cursor over untrusted bytes.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    /// Bytes not yet read.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    pub fn position(&self) -> usize {
        self.pos
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n).ok_or(Error::InvalidToken)?;
        let out = self.buf.get(self.pos..end).ok_or(Error::InvalidToken)?;
        self.pos = end;
        Ok(out)
    }

    /// All bytes not yet read.
    pub fn rest(&mut self) -> &'a [u8] {
        let out = &self.buf[self.pos..];
        self.pos = self.buf.len();
        out
    }

    pub fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.array::<1>()?[0])
    }

    #[inline]
    pub fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    pub fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    pub fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }
}

/// The 8-byte descriptor of a variable-length field (2.2.1.1 "DomainNameFields" and the like).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PayloadField {
    pub len: u16,
    pub max_len: u16,
    pub offset: u32,
}

/// Where the payload of a message begins: the lowest offset of the non-empty fields it uses
/// (the end of the message when none). Optional header parts (VERSION, MIC) exist only below
/// it, so a header part is never read out of another field's bytes.
pub fn payload_start(token: &[u8], fields: &[PayloadField]) -> usize {
    fields
        .iter()
        .filter(|f| f.len > 0)
        .map(|f| f.offset as usize)
        .min()
        .unwrap_or(token.len())
}

impl PayloadField {
    pub fn read(r: &mut Reader<'_>) -> Result<Self> {
        Ok(PayloadField {
            len: r.u16()?,
            max_len: r.u16()?,
            offset: r.u32()?,
        })
    }

    /// The field's bytes within `message`. An empty field is empty whatever its offset says
    /// (Windows sends arbitrary offsets for empty fields); a non-empty one must lie wholly
    /// inside the message. `MaxLen` is ignored, as every implementation does.
    pub fn resolve<'a>(&self, message: &'a [u8]) -> Result<&'a [u8]> {
        if self.len == 0 {
            return Ok(&[]);
        }
        let start = self.offset as usize;
        let end = start
            .checked_add(usize::from(self.len))
            .ok_or(Error::InvalidToken)?;
        message.get(start..end).ok_or(Error::InvalidToken)
    }
}

/// Builds a message: a fixed header with payload-field descriptors, followed by the payload.
///
/// Fields are declared in header order with [`Writer::field`], which reserves the descriptor;
/// their bytes are appended to the payload in the same order. [`Writer::finish`] fills in the
/// offsets. Values longer than `u16::MAX` cannot be expressed on the wire and are rejected.
#[derive(Debug)]
pub struct Writer {
    buf: Vec<u8>,
    /// Where the message starts in `buf`, which payload offsets count from.
    base: usize,
    /// Reserved descriptors: (position in `buf`, index of the value it describes), the first
    /// `fields` of them. Messages have at most six, so they stay on the stack.
    pending: [(usize, usize); MAX_FIELDS],
    fields: usize,
}

/// The most payload fields (and values) a [`Writer`] takes.
const MAX_FIELDS: usize = 8;

impl Writer {
    pub fn with_capacity(capacity: usize) -> Self {
        Self::appending_to(Vec::with_capacity(capacity))
    }

    /// A writer whose message follows what `buf` already holds ([`Writer::finish`] returns all
    /// of it).
    pub fn appending_to(buf: Vec<u8>) -> Self {
        Writer {
            base: buf.len(),
            buf,
            pending: [(0, 0); MAX_FIELDS],
            fields: 0,
        }
    }

    pub fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(b);
        self
    }

    pub fn u16(&mut self, v: u16) -> &mut Self {
        self.bytes(&v.to_le_bytes())
    }

    pub fn u32(&mut self, v: u32) -> &mut Self {
        self.bytes(&v.to_le_bytes())
    }

    pub fn u64(&mut self, v: u64) -> &mut Self {
        self.bytes(&v.to_le_bytes())
    }

    pub fn len(&self) -> usize {
        self.buf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Reserves a payload-field descriptor here for value number `value` of the list later
    /// passed to [`Writer::finish`] (which refuses more than eight).
    #[inline]
    pub fn field(&mut self, value: usize) -> &mut Self {
        if let Some(p) = self.pending.get_mut(self.fields) {
            *p = (self.buf.len(), value);
        }
        self.fields += 1;
        self.bytes(&[0u8; 8])
    }

    /// Appends `values` as the payload, in order, and fills every reserved descriptor.
    pub fn finish(mut self, values: &[&[u8]]) -> Result<Vec<u8>> {
        let pending = self
            .pending
            .get(..self.fields)
            .ok_or(Error::InvalidParameter)?;
        let mut offsets = [0u32; MAX_FIELDS];
        if values.len() > offsets.len() {
            return Err(Error::InvalidParameter);
        }
        for (offset, v) in offsets.iter_mut().zip(values) {
            if v.len() > usize::from(u16::MAX) {
                return Err(Error::InvalidParameter);
            }
            *offset =
                u32::try_from(self.buf.len() - self.base).map_err(|_| Error::InvalidParameter)?;
            self.buf.extend_from_slice(v);
        }
        for &(at, value) in pending {
            let v = values.get(value).ok_or(Error::InvalidParameter)?;
            let len = (v.len() as u16).to_le_bytes();
            let offset = offsets[value].to_le_bytes();
            let desc: &mut [u8; 8] = (&mut self.buf[at..at + 8]).try_into().expect("8 bytes");
            *desc = [
                len[0], len[1], len[0], len[1], offset[0], offset[1], offset[2], offset[3],
            ];
        }
        Ok(self.buf)
    }
}

/// UTF-16LE without BOM or terminator, the wire form of every Unicode string (2.2 "UNICODE").
pub fn utf16le(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() * 2);
    for unit in s.encode_utf16() {
        out.extend_from_slice(&unit.to_le_bytes());
    }
    out
}

/// The length of `s` in UTF-16LE, in bytes.
pub fn utf16le_len(s: &str) -> usize {
    if s.is_ascii() {
        2 * s.len()
    } else {
        2 * s.encode_utf16().count()
    }
}

/// Writes `s` in UTF-16LE into `out`, which is [`utf16le_len`] bytes long: written in place, as
/// a name is encoded several times a handshake; ASCII (most names) a byte and a zero at a time.
pub fn write_utf16le(out: &mut [u8], s: &str) {
    if s.is_ascii() {
        for (pair, b) in out.chunks_exact_mut(2).zip(s.bytes()) {
            pair[0] = b;
            pair[1] = 0;
        }
    } else {
        for (pair, u) in out.chunks_exact_mut(2).zip(s.encode_utf16()) {
            pair.copy_from_slice(&u.to_le_bytes());
        }
    }
}

/// Decodes UTF-16LE; an odd length or an unpaired surrogate is a malformed token.
pub fn from_utf16le(b: &[u8]) -> Result<String> {
    if b.len() % 2 != 0 {
        return Err(Error::InvalidToken);
    }
    let units = b.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]]));
    // Sized for the usual case (ASCII: one byte per unit), so collecting rarely grows it.
    let mut out = String::with_capacity(b.len() / 2);
    for c in char::decode_utf16(units) {
        out.push(c.map_err(|_| Error::InvalidToken)?);
    }
    Ok(out)
}

/// The OEM character set. The OEM code page is a property of a Windows installation; this
/// package uses ISO-8859-1, which covers ASCII (all that OEM peers interoperate on in practice)
/// and maps every byte to a character, so decoding never fails. Characters beyond it become '?',
/// as Windows' best-fit conversion does for unmappable ones.
pub fn oem(s: &str) -> Vec<u8> {
    s.chars().map(oem_byte).collect()
}

fn oem_byte(c: char) -> u8 {
    if (c as u32) < 0x100 {
        c as u32 as u8
    } else {
        b'?'
    }
}

pub fn from_oem(b: &[u8]) -> String {
    b.iter().map(|&c| char::from(c)).collect()
}

/// A name as a message carries it, on the stack: names are short, and a handshake encodes
/// several.
pub type WireString = SmallVec<[u8; 64]>;

/// [`encode_string`] into a [`WireString`].
pub fn encode_wire(s: &str, unicode: bool) -> WireString {
    if unicode {
        let mut out = WireString::from_elem(0, utf16le_len(s));
        write_utf16le(&mut out, s);
        out
    } else {
        s.chars().map(oem_byte).collect()
    }
}

/// A string in the character set the negotiated flags chose (2.2.2.5 flags A and B).
pub fn encode_string(s: &str, unicode: bool) -> Vec<u8> {
    if unicode {
        utf16le(s)
    } else {
        oem(s)
    }
}

pub fn decode_string(b: &[u8], unicode: bool) -> Result<String> {
    if unicode {
        from_utf16le(b)
    } else {
        Ok(from_oem(b))
    }
}

/// [`decode_string`] into a [`Name`], for the names a context keeps: ASCII in UTF-16LE (most names) is
/// taken a byte at a time, without decoding surrogates or allocating.
pub fn decode_name(b: &[u8], unicode: bool) -> Result<Name> {
    if unicode {
        if let Some(name) = Name::from_ascii_utf16le(b) {
            return Ok(name);
        }
    }
    decode_string(b, unicode).map(Name::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_refuses_to_run_past_the_end() {
        let mut r = Reader::new(&[1, 2, 3]);
        assert_eq!(r.u16().unwrap(), 0x0201);
        assert_eq!(r.u16(), Err(Error::InvalidToken));
        assert_eq!(r.u8().unwrap(), 3);
        assert_eq!(r.take(1), Err(Error::InvalidToken));
        assert_eq!(r.take(usize::MAX), Err(Error::InvalidToken));
    }

    #[test]
    fn payload_field_bounds() {
        let msg = [0u8; 16];
        let f = PayloadField {
            len: 4,
            max_len: 4,
            offset: 12,
        };
        assert_eq!(f.resolve(&msg).unwrap().len(), 4);
        let f = PayloadField {
            len: 5,
            max_len: 5,
            offset: 12,
        };
        assert_eq!(f.resolve(&msg), Err(Error::InvalidToken));
        let f = PayloadField {
            len: 1,
            max_len: 1,
            offset: u32::MAX,
        };
        assert_eq!(f.resolve(&msg), Err(Error::InvalidToken));
        let f = PayloadField {
            len: 0,
            max_len: 0,
            offset: u32::MAX,
        };
        assert_eq!(f.resolve(&msg).unwrap(), &[] as &[u8]);
    }

    #[test]
    fn writer_places_payload_after_header() {
        let mut w = Writer::with_capacity(32);
        w.u32(7).field(1).field(0);
        let out = w.finish(&[b"ab", b"xyz"]).unwrap();
        assert_eq!(out.len(), 4 + 16 + 5);
        let mut r = Reader::new(&out);
        r.u32().unwrap();
        let f1 = PayloadField::read(&mut r).unwrap();
        let f0 = PayloadField::read(&mut r).unwrap();
        assert_eq!(f1.resolve(&out).unwrap(), b"xyz");
        assert_eq!(f0.resolve(&out).unwrap(), b"ab");

        let mut w = Writer::appending_to(b"before".to_vec());
        w.u32(7).field(0);
        let out = w.finish(&[b"xyz"]).unwrap();
        let (before, msg) = out.split_at(6);
        assert_eq!(before, b"before");
        let mut r = Reader::new(msg);
        r.u32().unwrap();
        assert_eq!(
            PayloadField::read(&mut r).unwrap().resolve(msg).unwrap(),
            b"xyz"
        );

        let mut w = Writer::with_capacity(0);
        w.field(0);
        assert_eq!(w.finish(&[]), Err(Error::InvalidParameter));
        let mut w = Writer::with_capacity(0);
        for _ in 0..=MAX_FIELDS {
            w.field(0);
        }
        assert_eq!(w.finish(&[b"a"]), Err(Error::InvalidParameter));
    }

    #[test]
    fn strings() {
        assert_eq!(utf16le("Us"), vec![0x55, 0, 0x73, 0]);
        for name in ["Us", "", "Ünïcødé ☃ 𝄞"] {
            assert_eq!(&encode_wire(name, true)[..], &utf16le(name)[..]);
            assert_eq!(&encode_wire(name, false)[..], &oem(name)[..]);
            assert_eq!(utf16le_len(name), utf16le(name).len());
        }
        assert_eq!(from_utf16le(&utf16le("Ünïcødé ☃")).unwrap(), "Ünïcødé ☃");
        assert_eq!(from_utf16le(&[0x41]), Err(Error::InvalidToken));
        assert_eq!(from_utf16le(&[0x00, 0xd8]), Err(Error::InvalidToken));
        assert_eq!(oem("Aé☃"), vec![0x41, 0xe9, b'?']);
        for name in ["Us", "", "Ünïcødé ☃ 𝄞", "\u{7f}\u{80}"] {
            assert_eq!(decode_name(&utf16le(name), true).unwrap(), name);
            assert_eq!(
                decode_name(&oem(name), false).unwrap(),
                decode_string(&oem(name), false).unwrap().as_str()
            );
        }
        assert_eq!(decode_name(&[0x41], true), Err(Error::InvalidToken));
        assert_eq!(decode_name(&[0x00, 0xd8], true), Err(Error::InvalidToken));
    }
}
