//! The SPNEGO tokens of [`super::token`] read and written by hand, for speed: on the `der`
//! crate's generic reader and writer the four tokens of a handshake cost about as much as a
//! third of an NTLM handshake. Only the encodings `der` itself accepts and produces for those
//! types are handled here; `der` stays the reference: [`Token::decode_der`] and
//! [`Token::encode_der`] are the same operations on `der`, and the unit tests and the `spnego`
//! fuzz target check that both agree on every input (same acceptance, same token, byte-identical
//! encodings).
//!
//! Strict DER as `der` reads it: one-byte tags, definite lengths in their shortest form with at
//! most four length octets, EXPLICIT context tags holding exactly one element, SEQUENCE fields
//! in order and nothing after the last, OIDs and BIT STRINGs validated by `der`'s own types.
//! Every read is bounds-checked; nothing is read past the input.
//!
//! [`Token::decode_der`]: super::codec::Token::decode_der
//! [`Token::encode_der`]: super::codec::Token::encode_der

use der::asn1::{BitStringRef, ObjectIdentifier, OctetStringRef};
use der::{Decode, ErrorKind};

use super::token::{
    MechTypeList, NegState, NegTokenInit, NegTokenResp, NegotiationToken, Token, SPNEGO,
};

const SEQUENCE: u8 = 0x30;
const OID: u8 = 0x06;
const OCTET_STRING: u8 = 0x04;
const BIT_STRING: u8 = 0x03;
const ENUMERATED: u8 = 0x0a;
/// [APPLICATION 0] constructed: the GSS-API InitialContextToken ([RFC 2743] 3.1).
const GSS_FRAME: u8 = 0x60;

/// [n] constructed, EXPLICIT.
const fn context(n: u8) -> u8 {
    0xa0 | n
}

/// A bounds-checked cursor over DER elements.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(rest: &'a [u8]) -> Self {
        Reader { rest }
    }

    fn peek(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.rest.split_first()?;
        self.rest = rest;
        Some(b)
    }

    /// A definite length in its shortest form, one to four length octets (X.690 10.1).
    fn length(&mut self) -> Option<usize> {
        let first = self.byte()?;
        if first < 0x80 {
            return Some(usize::from(first));
        }
        let n = usize::from(first & 0x7f);
        if !(1..=4).contains(&n) {
            return None;
        }
        let mut len = 0u32;
        for _ in 0..n {
            len = (len << 8) | u32::from(self.byte()?);
        }
        let shortest = match len {
            0..=0x7f => 0,
            0x80..=0xff => 1,
            0x100..=0xffff => 2,
            0x1_0000..=0xff_ffff => 3,
            _ => 4,
        };
        (shortest == n).then_some(len as usize)
    }

    /// The contents of the next element, which must have tag `tag`.
    fn expect(&mut self, tag: u8) -> Option<&'a [u8]> {
        if self.byte()? != tag {
            return None;
        }
        let len = self.length()?;
        if len > self.rest.len() {
            return None;
        }
        let (contents, rest) = self.rest.split_at(len);
        self.rest = rest;
        Some(contents)
    }

    /// The whole next element (tag, length, contents).
    fn element(&mut self) -> Option<&'a [u8]> {
        let start = self.rest;
        self.byte()?;
        let len = self.length()?;
        let header = start.len() - self.rest.len();
        if len > self.rest.len() {
            return None;
        }
        self.rest = &self.rest[len..];
        Some(&start[..header + len])
    }

    fn finish(&self) -> Option<()> {
        self.rest.is_empty().then_some(())
    }

    /// The one element of type `tag` inside an EXPLICIT `[n]`, if the next element is `[n]`.
    /// `Some(None)`: absent; `None`: malformed.
    fn explicit(&mut self, n: u8, tag: u8) -> Option<Option<&'a [u8]>> {
        if self.peek() != Some(context(n)) {
            return Some(None);
        }
        let mut inner = Reader::new(self.expect(context(n))?);
        let contents = inner.expect(tag)?;
        inner.finish()?;
        Some(Some(contents))
    }
}

/// An optional field's value parsed: `Some(None)` when absent, None when malformed.
fn parse<'a, T>(contents: Option<&'a [u8]>, f: fn(&'a [u8]) -> Option<T>) -> Option<Option<T>> {
    match contents {
        None => Some(None),
        Some(c) => f(c).map(Some),
    }
}

fn oid(contents: &[u8]) -> Option<ObjectIdentifier> {
    ObjectIdentifier::from_bytes(contents).ok()
}

fn octets(contents: &[u8]) -> Option<&OctetStringRef> {
    OctetStringRef::new(contents).ok()
}

/// MechTypeList contents: a SEQUENCE OF valid OIDs (possibly none).
pub(super) fn mech_type_list(contents: &[u8]) -> Option<MechTypeList<'_>> {
    let mut r = Reader::new(contents);
    while r.peek().is_some() {
        oid(r.expect(OID)?)?;
    }
    Some(MechTypeList::from_contents(contents))
}

/// A whole MechTypeList element (tag, length, contents) and nothing after it.
pub(super) fn mech_type_list_element(bytes: &[u8]) -> Option<MechTypeList<'_>> {
    let mut r = Reader::new(bytes);
    let contents = r.expect(SEQUENCE)?;
    r.finish()?;
    mech_type_list(contents)
}

fn neg_token_init(contents: &[u8]) -> Option<NegTokenInit<'_>> {
    let mut r = Reader::new(contents);
    let mech_types = mech_type_list(r.explicit(0, SEQUENCE)??)?;
    let req_flags = if r.peek() == Some(context(1)) {
        // ContextFlags is rare (Windows never sends it): `der` reads the BIT STRING itself.
        let mut inner = Reader::new(r.expect(context(1))?);
        let element = inner.element()?;
        inner.finish()?;
        Some(BitStringRef::from_der(element).ok()?)
    } else {
        None
    };
    let mech_token = parse(r.explicit(2, OCTET_STRING)?, octets)?;
    let mech_list_mic = parse(r.explicit(3, OCTET_STRING)?, octets)?;
    r.finish()?;
    Some(NegTokenInit {
        mech_types,
        req_flags,
        mech_token,
        mech_list_mic,
    })
}

fn neg_token_resp(contents: &[u8]) -> Option<NegTokenResp<'_>> {
    let mut r = Reader::new(contents);
    // ENUMERATED 0..=3 has exactly one shortest encoding: one content octet.
    let neg_state = match r.explicit(0, ENUMERATED)? {
        None => None,
        Some([0]) => Some(NegState::AcceptCompleted),
        Some([1]) => Some(NegState::AcceptIncomplete),
        Some([2]) => Some(NegState::Reject),
        Some([3]) => Some(NegState::RequestMic),
        Some(_) => return None,
    };
    let supported_mech = parse(r.explicit(1, OID)?, oid)?;
    let response_token = parse(r.explicit(2, OCTET_STRING)?, octets)?;
    let mech_list_mic = parse(r.explicit(3, OCTET_STRING)?, octets)?;
    r.finish()?;
    Some(NegTokenResp {
        neg_state,
        supported_mech,
        response_token,
        mech_list_mic,
    })
}

fn negotiation_token<'a>(r: &mut Reader<'a>) -> Option<NegotiationToken<'a>> {
    if let Some(body) = r.explicit(0, SEQUENCE)? {
        return neg_token_init(body).map(NegotiationToken::Init);
    }
    neg_token_resp(r.explicit(1, SEQUENCE)??).map(NegotiationToken::Resp)
}

/// Decodes a token, framed or bare; None for anything that is not exactly one token.
pub fn decode(input: &[u8]) -> Option<Token<'_>> {
    // `der`'s reader refuses inputs beyond its 32-bit lengths.
    u32::try_from(input.len()).ok()?;
    let mut r = Reader::new(input);
    let framed = r.peek()? == GSS_FRAME;
    let token = if framed {
        let mut inner = Reader::new(r.expect(GSS_FRAME)?);
        if inner.expect(OID)? != SPNEGO.as_bytes() {
            return None;
        }
        let token = negotiation_token(&mut inner)?;
        inner.finish()?;
        token
    } else {
        negotiation_token(&mut r)?
    };
    r.finish()?;
    Some(Token { token, framed })
}

// ---------------------------------------------------------------------------------------------
// Writing

/// Bytes of a DER length field for `len`.
fn length_len(len: usize) -> usize {
    match len {
        0..=0x7f => 1,
        0x80..=0xff => 2,
        0x100..=0xffff => 3,
        0x1_0000..=0xff_ffff => 4,
        _ => 5,
    }
}

/// Bytes of a whole element with `len` bytes of contents.
fn tlv_len(len: usize) -> usize {
    1 + length_len(len) + len
}

fn header(out: &mut Vec<u8>, tag: u8, len: usize) {
    out.push(tag);
    let n = length_len(len) - 1;
    if n == 0 {
        out.push(len as u8);
    } else {
        out.push(0x80 | n as u8);
        out.extend_from_slice(&(len as u32).to_be_bytes()[4 - n..]);
    }
}

fn tlv(out: &mut Vec<u8>, tag: u8, contents: &[u8]) {
    header(out, tag, contents.len());
    out.extend_from_slice(contents);
}

/// `[n] EXPLICIT` around one element with `len` bytes of contents: its length.
fn explicit_len(len: usize) -> usize {
    tlv_len(tlv_len(len))
}

fn explicit(out: &mut Vec<u8>, n: u8, tag: u8, contents: &[u8]) {
    header(out, context(n), tlv_len(contents.len()));
    tlv(out, tag, contents);
}

/// Above this, [`encode`] leaves the work to `der` (whose 32-bit length arithmetic then
/// decides): no SPNEGO token comes near it.
const LARGE: usize = 1 << 24;

/// A SEQUENCE OF MechType for `mechs`: what an initiator sends.
pub fn encode_mech_types(mechs: &[ObjectIdentifier]) -> Vec<u8> {
    let len: usize = mechs.iter().map(|m| tlv_len(m.as_bytes().len())).sum();
    let mut out = Vec::with_capacity(tlv_len(len));
    header(&mut out, SEQUENCE, len);
    for m in mechs {
        tlv(&mut out, OID, m.as_bytes());
    }
    out
}

/// The MechTypeList as one element (what the mechListMIC covers).
pub fn mech_type_list_der(list: &MechTypeList<'_>) -> Vec<u8> {
    let mut out = Vec::with_capacity(tlv_len(list.contents().len()));
    tlv(&mut out, SEQUENCE, list.contents());
    out
}

fn bytes(o: Option<&OctetStringRef>) -> Option<&[u8]> {
    o.map(OctetStringRef::as_bytes)
}

/// Encodes a token; None when it is beyond `LARGE` (the caller then asks `der`).
pub fn encode(t: &Token<'_>) -> Option<Vec<u8>> {
    let opt = |o: Option<&[u8]>| o.map_or(0, |v| explicit_len(v.len()));
    let (choice, body_len) = match &t.token {
        NegotiationToken::Init(i) => {
            let flags = i
                .req_flags
                .map_or(0, |f| tlv_len(tlv_len(1 + f.raw_bytes().len())));
            let len = explicit_len(i.mech_types.contents().len())
                + flags
                + opt(bytes(i.mech_token))
                + opt(bytes(i.mech_list_mic));
            (context(0), len)
        }
        NegotiationToken::Resp(r) => {
            let len = r.neg_state.map_or(0, |_| explicit_len(1))
                + opt(r.supported_mech.as_ref().map(|m| m.as_bytes()))
                + opt(bytes(r.response_token))
                + opt(bytes(r.mech_list_mic));
            (context(1), len)
        }
    };
    let token_len = explicit_len(body_len);
    let spnego = SPNEGO.as_bytes();
    let frame_len = tlv_len(spnego.len()) + token_len;
    if frame_len > LARGE {
        return None;
    }
    let total = if t.framed {
        tlv_len(frame_len)
    } else {
        token_len
    };
    let mut out = Vec::with_capacity(total);
    if t.framed {
        header(&mut out, GSS_FRAME, frame_len);
        tlv(&mut out, OID, spnego);
    }
    header(&mut out, choice, tlv_len(body_len));
    header(&mut out, SEQUENCE, body_len);
    let field = |out: &mut Vec<u8>, n: u8, tag: u8, v: Option<&[u8]>| {
        if let Some(v) = v {
            explicit(out, n, tag, v);
        }
    };
    match &t.token {
        NegotiationToken::Init(i) => {
            explicit(&mut out, 0, SEQUENCE, i.mech_types.contents());
            if let Some(f) = i.req_flags {
                header(&mut out, context(1), tlv_len(1 + f.raw_bytes().len()));
                header(&mut out, BIT_STRING, 1 + f.raw_bytes().len());
                out.push(f.unused_bits());
                out.extend_from_slice(f.raw_bytes());
            }
            field(&mut out, 2, OCTET_STRING, bytes(i.mech_token));
            field(&mut out, 3, OCTET_STRING, bytes(i.mech_list_mic));
        }
        NegotiationToken::Resp(r) => {
            if let Some(s) = r.neg_state {
                explicit(&mut out, 0, ENUMERATED, &[s as u8]);
            }
            field(
                &mut out,
                1,
                OID,
                r.supported_mech.as_ref().map(|m| m.as_bytes()),
            );
            field(&mut out, 2, OCTET_STRING, bytes(r.response_token));
            field(&mut out, 3, OCTET_STRING, bytes(r.mech_list_mic));
        }
    }
    debug_assert_eq!(out.len(), total);
    Some(out)
}

/// The error `der` would give is not kept: callers only learn that a token is invalid.
pub(super) fn invalid() -> der::Error {
    ErrorKind::Failed.into()
}

#[cfg(test)]
mod tests {
    use super::super::codec::encode_mech_types_der;
    use super::super::token::{octets, KRB5, MS_KRB5, NEGOEX, NTLMSSP};
    use super::*;

    /// Both readers on `input`: the same verdict and the same token.
    fn agree(input: &[u8]) {
        let ours = Token::decode(input).ok();
        let reference = Token::decode_der(input).ok();
        assert_eq!(ours, reference, "readers disagree on {input:02x?}");
        if let Some(t) = ours {
            assert_eq!(t.encode().unwrap(), t.encode_der().unwrap());
        }
    }

    /// Tokens with every combination of fields, framed and bare, and contents whose lengths
    /// cross each length-octet boundary.
    fn samples() -> Vec<Vec<u8>> {
        let blobs: Vec<Vec<u8>> = [0usize, 1, 16, 120, 127, 128, 255, 256, 65535, 65536]
            .iter()
            .map(|&n| (0..n).map(|i| i as u8).collect())
            .collect();
        let lists = [
            encode_mech_types_der(&[NTLMSSP]).unwrap(),
            encode_mech_types_der(&[MS_KRB5, KRB5, NEGOEX, NTLMSSP]).unwrap(),
            encode_mech_types_der(&[]).unwrap(),
        ];
        let flags = [0u8, 0x80];
        let mut out = Vec::new();
        for (k, blob) in blobs.iter().enumerate() {
            let other = &blobs[(k + 3) % blobs.len()];
            for mask in 0..16u8 {
                let bit = |b: u8| mask & (1 << b) != 0;
                for framed in [false, true] {
                    let list = &lists[k % lists.len()];
                    let req_flags = bit(1).then(|| BitStringRef::new(1, &flags[k % 2..]).unwrap());
                    let init = Token {
                        token: NegotiationToken::Init(NegTokenInit {
                            mech_types: MechTypeList::from_der_bytes(list).unwrap(),
                            req_flags,
                            mech_token: bit(2).then(|| octets(blob).unwrap()),
                            mech_list_mic: bit(3).then(|| octets(other).unwrap()),
                        }),
                        framed,
                    };
                    out.push(init.encode_der().unwrap());
                    let states = [
                        NegState::AcceptCompleted,
                        NegState::AcceptIncomplete,
                        NegState::Reject,
                        NegState::RequestMic,
                    ];
                    let resp = Token {
                        token: NegotiationToken::Resp(NegTokenResp {
                            neg_state: bit(0).then_some(states[k % 4]),
                            supported_mech: bit(1).then_some(if k % 2 == 0 {
                                NTLMSSP
                            } else {
                                KRB5
                            }),
                            response_token: bit(2).then(|| octets(blob).unwrap()),
                            mech_list_mic: bit(3).then(|| octets(other).unwrap()),
                        }),
                        framed,
                    };
                    out.push(resp.encode_der().unwrap());
                }
            }
        }
        out
    }

    #[test]
    fn encodings_are_identical_to_der() {
        for bytes in samples() {
            let t = Token::decode_der(&bytes).unwrap();
            assert_eq!(t.encode().unwrap(), bytes);
            assert_eq!(Token::decode(&bytes).unwrap(), t);
        }
        for mechs in [&[NTLMSSP][..], &[MS_KRB5, KRB5, NEGOEX, NTLMSSP], &[]] {
            let ours = encode_mech_types(mechs);
            assert_eq!(ours, encode_mech_types_der(mechs).unwrap());
            let list = MechTypeList::from_der_bytes(&ours).unwrap();
            assert_eq!(list.der(), ours);
            assert_eq!(list.iter().collect::<Vec<_>>(), mechs);
        }
    }

    /// Every small token damaged in every byte (a set of values each), truncated at every
    /// length and extended: both readers reach the same verdict.
    #[test]
    fn readers_agree_on_damaged_tokens() {
        let values = [
            0x00, 0x01, 0x02, 0x03, 0x04, 0x06, 0x0a, 0x30, 0x60, 0x7f, 0x80, 0x81, 0x82, 0x84,
            0x85, 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xff,
        ];
        for bytes in samples().into_iter().filter(|b| b.len() < 400) {
            agree(&bytes);
            for n in 0..bytes.len() {
                agree(&bytes[..n]);
                agree(&bytes[n..]);
                for &v in &values {
                    let mut d = bytes.clone();
                    d[n] = v;
                    agree(&d);
                    d[n] = bytes[n].wrapping_add(1);
                    agree(&d);
                    let mut ins = bytes.clone();
                    ins.insert(n, v);
                    agree(&ins);
                }
            }
            let mut longer = bytes.clone();
            longer.push(0);
            agree(&longer);
        }
    }

    #[test]
    fn hand_made_edge_cases() {
        let cases: &[&[u8]] = &[
            &[],
            &[0xa1, 0x02, 0x30, 0x00],
            // negState with a non-shortest value, a negative one, one out of range.
            &[0xa1, 0x07, 0x30, 0x05, 0xa0, 0x03, 0x0a, 0x01, 0x04],
            &[0xa1, 0x08, 0x30, 0x06, 0xa0, 0x04, 0x0a, 0x02, 0x00, 0x01],
            &[0xa1, 0x07, 0x30, 0x05, 0xa0, 0x03, 0x0a, 0x01, 0xff],
            // Lengths: long form for a short value, indefinite, five octets.
            &[0xa1, 0x81, 0x02, 0x30, 0x00],
            &[0xa1, 0x80, 0x30, 0x00, 0x00, 0x00],
            &[0xa1, 0x85, 0x00, 0x00, 0x00, 0x00, 0x02, 0x30, 0x00],
            // Fields out of order, repeated, primitive context tags, a constructed OCTET STRING.
            &[
                0xa1, 0x0c, 0x30, 0x0a, 0xa2, 0x03, 0x04, 0x01, 0x00, 0xa0, 0x03, 0x0a, 0x01, 0x00,
            ],
            &[
                0xa1, 0x0c, 0x30, 0x0a, 0xa2, 0x03, 0x04, 0x01, 0x00, 0xa2, 0x03, 0x04, 0x01, 0x00,
            ],
            &[0xa1, 0x07, 0x30, 0x05, 0x82, 0x03, 0x04, 0x01, 0x00],
            &[
                0xa1, 0x09, 0x30, 0x07, 0xa2, 0x05, 0x24, 0x03, 0x04, 0x01, 0x00,
            ],
            // Two elements inside one EXPLICIT tag.
            &[
                0xa1, 0x0a, 0x30, 0x08, 0xa2, 0x06, 0x04, 0x01, 0x00, 0x04, 0x01, 0x00,
            ],
            // A high-tag-number form for [1].
            &[0xbf, 0x01, 0x02, 0x30, 0x00],
            // Invalid OIDs: empty, a padded arc, an unfinished arc.
            &[0xa1, 0x06, 0x30, 0x04, 0xa1, 0x02, 0x06, 0x00],
            &[0xa1, 0x08, 0x30, 0x06, 0xa1, 0x04, 0x06, 0x02, 0x2b, 0x80],
            &[
                0xa1, 0x09, 0x30, 0x07, 0xa1, 0x05, 0x06, 0x03, 0x2b, 0x80, 0x01,
            ],
            // reqFlags: unused bits above 7, unused bits without bytes, a padding bit set.
            &[
                0xa0, 0x0c, 0x30, 0x0a, 0xa0, 0x02, 0x30, 0x00, 0xa1, 0x04, 0x03, 0x02, 0x08, 0x00,
            ],
            &[
                0xa0, 0x0b, 0x30, 0x09, 0xa0, 0x02, 0x30, 0x00, 0xa1, 0x03, 0x03, 0x01, 0x01,
            ],
            &[
                0xa0, 0x0c, 0x30, 0x0a, 0xa0, 0x02, 0x30, 0x00, 0xa1, 0x04, 0x03, 0x02, 0x01, 0x01,
            ],
            // GSS framing: another mechanism, nothing inside, a bare OID.
            &[0x60, 0x08, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x03],
            &[0x60, 0x00],
            &[
                0x60, 0x0c, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02, 0xa1, 0x02, 0x30, 0x00,
            ],
            &[
                0x60, 0x0d, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02, 0xa1, 0x02, 0x30, 0x00,
                0x00,
            ],
        ];
        for c in cases {
            agree(c);
        }
        assert!(Token::decode(&[0xa1, 0x02, 0x30, 0x00]).is_ok());
        assert!(Token::decode(&[0xa1, 0x81, 0x02, 0x30, 0x00]).is_err());
    }
}
