//! [RFC 4178] 4.2 / [MS-SPNG] 2.2 token syntax, declared as ASN.1 types for the `der` crate.
//!
//! ```text
//! NegotiationToken ::= CHOICE { negTokenInit [0] NegTokenInit, negTokenResp [1] NegTokenResp }
//! MechTypeList ::= SEQUENCE OF MechType
//! NegTokenInit ::= SEQUENCE { mechTypes [0] MechTypeList, reqFlags [1] ContextFlags OPTIONAL,
//!                             mechToken [2] OCTET STRING OPTIONAL, mechListMIC [3] OCTET STRING OPTIONAL }
//! NegTokenResp ::= SEQUENCE { negState [0] ENUMERATED OPTIONAL, supportedMech [1] MechType OPTIONAL,
//!                             responseToken [2] OCTET STRING OPTIONAL, mechListMIC [3] OCTET STRING OPTIONAL }
//! ```
//!
//! The module is EXPLICIT TAGS. An initiator's first token is wrapped in the GSS-API
//! InitialContextToken framing of RFC 2743 3.1: `[APPLICATION 0] { thisMech OID, innerToken }`.
//! Decoding is strict DER (what Windows, MIT krb5, Samba, pyspnego and gss-ntlmssp send); every
//! length is checked by `der`, nothing is read past the input.

use der::asn1::{BitStringRef, ObjectIdentifier, OctetStringRef};
use der::{
    Choice, Decode, DecodeValue, Encode, EncodeValue, Enumerated, FixedTag, Header, Length, Reader,
    Sequence, SliceReader, Tag, TagNumber, Writer,
};

/// 1.3.6.1.5.5.2: the SPNEGO pseudo-mechanism (RFC 4178).
pub const SPNEGO: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.2");
/// 1.3.6.1.4.1.311.2.2.10: NTLMSSP ([MS-SPNG] 1.9).
pub const NTLMSSP: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.311.2.2.10");
/// 1.2.840.113554.1.2.2: Kerberos V5 (RFC 4121).
pub const KRB5: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113554.1.2.2");
/// 1.2.840.48018.1.2.2: Kerberos V5 as Windows 2000 spelled it (a truncated 113554 that
/// Microsoft clients still list first, [MS-SPNG] 3.3.5.1). Only named so that trace output and
/// tests can recognise it: to this package it is one more mechanism it does not implement.
pub const MS_KRB5: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.48018.1.2.2");
/// 1.3.6.1.4.1.311.2.2.30: NEGOEX ([MS-NEGOEX]), listed first by recent Windows clients.
pub const NEGOEX: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.311.2.2.30");

/// A mechanism's name in words, for trace output.
pub fn mech_name(oid: &ObjectIdentifier) -> &'static str {
    match *oid {
        NTLMSSP => "NTLMSSP",
        KRB5 => "Kerberos",
        MS_KRB5 => "Kerberos (MS)",
        NEGOEX => "NEGOEX",
        SPNEGO => "SPNEGO",
        _ => "unknown",
    }
}

/// negState ([RFC 4178] 4.2.2).
#[derive(Enumerated, Copy, Clone, Debug, Eq, PartialEq)]
#[repr(u32)]
pub enum NegState {
    AcceptCompleted = 0,
    AcceptIncomplete = 1,
    Reject = 2,
    RequestMic = 3,
}

/// MechTypeList, kept as the bytes received: the mechListMIC is computed over "the DER
/// encoding of the MechTypeList as sent" ([RFC 4178] 5), so a re-encoding must never stand in
/// for what the peer signed. Decoding checks that the contents are a SEQUENCE OF OID.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct MechTypeList<'a> {
    contents: &'a [u8],
}

impl<'a> MechTypeList<'a> {
    /// The mechanisms, in the initiator's order of preference.
    pub fn iter(&self) -> impl Iterator<Item = ObjectIdentifier> + 'a {
        let mut r = SliceReader::new(self.contents).ok();
        core::iter::from_fn(move || {
            let reader = r.as_mut()?;
            if reader.is_finished() {
                return None;
            }
            // Validated at decoding, so this cannot fail.
            ObjectIdentifier::decode(reader).ok()
        })
    }

    /// The complete DER encoding (tag, length, contents): what the mechListMIC covers.
    pub fn der(&self) -> Vec<u8> {
        super::wire::mech_type_list_der(self)
    }

    /// The contents octets (the OIDs' encodings, as received).
    pub fn contents(&self) -> &'a [u8] {
        self.contents
    }

    /// Contents already checked to be a SEQUENCE OF OID.
    pub(super) fn from_contents(contents: &'a [u8]) -> Self {
        MechTypeList { contents }
    }
}

/// Builds a MechTypeList encoding for a list of mechanisms (what an initiator sends).
pub fn encode_mech_types(mechs: &[ObjectIdentifier]) -> der::Result<Vec<u8>> {
    Ok(super::wire::encode_mech_types(mechs))
}

/// [`encode_mech_types`] on `der`: the reference it is tested against.
pub fn encode_mech_types_der(mechs: &[ObjectIdentifier]) -> der::Result<Vec<u8>> {
    mechs.to_vec().to_der()
}

impl<'a> MechTypeList<'a> {
    /// Views an encoding made by [`encode_mech_types`] (or received) as a list.
    pub fn from_der_bytes(der_bytes: &'a [u8]) -> der::Result<Self> {
        super::wire::mech_type_list_element(der_bytes).ok_or_else(super::wire::invalid)
    }
}

impl FixedTag for MechTypeList<'_> {
    const TAG: Tag = Tag::Sequence;
}

impl<'a> DecodeValue<'a> for MechTypeList<'a> {
    type Error = der::Error;

    fn decode_value<R: Reader<'a>>(reader: &mut R, header: Header) -> der::Result<Self> {
        let contents = reader.read_slice(header.length())?;
        let mut inner = SliceReader::new(contents)?;
        while !inner.is_finished() {
            <ObjectIdentifier as Decode>::decode(&mut inner)?;
        }
        Ok(MechTypeList { contents })
    }
}

impl EncodeValue for MechTypeList<'_> {
    fn value_len(&self) -> der::Result<Length> {
        Length::try_from(self.contents.len())
    }

    fn encode_value(&self, writer: &mut impl Writer) -> der::Result<()> {
        writer.write(self.contents)
    }
}

/// NegTokenInit ([RFC 4178] 4.2.1).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct NegTokenInit<'a> {
    #[asn1(context_specific = "0")]
    pub mech_types: MechTypeList<'a>,
    #[asn1(context_specific = "1", optional = "true")]
    pub req_flags: Option<BitStringRef<'a>>,
    #[asn1(context_specific = "2", optional = "true")]
    pub mech_token: Option<&'a OctetStringRef>,
    #[asn1(context_specific = "3", optional = "true")]
    pub mech_list_mic: Option<&'a OctetStringRef>,
}

/// NegTokenResp ([RFC 4178] 4.2.2).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct NegTokenResp<'a> {
    #[asn1(context_specific = "0", optional = "true")]
    pub neg_state: Option<NegState>,
    #[asn1(context_specific = "1", optional = "true")]
    pub supported_mech: Option<ObjectIdentifier>,
    #[asn1(context_specific = "2", optional = "true")]
    pub response_token: Option<&'a OctetStringRef>,
    #[asn1(context_specific = "3", optional = "true")]
    pub mech_list_mic: Option<&'a OctetStringRef>,
}

/// NegotiationToken ([RFC 4178] 4.2).
#[derive(Clone, Debug, Eq, PartialEq, Choice)]
pub enum NegotiationToken<'a> {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", constructed = "true")]
    Init(NegTokenInit<'a>),
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", constructed = "true")]
    Resp(NegTokenResp<'a>),
}

/// The tag of the GSS-API InitialContextToken ([RFC 2743] 3.1).
const GSS_FRAME: Tag = Tag::Application {
    constructed: true,
    number: TagNumber(0),
};

/// A decoded SPNEGO token and how it was framed.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Token<'a> {
    pub token: NegotiationToken<'a>,
    /// It came inside the InitialContextToken framing (only an initiator's first token does).
    pub framed: bool,
}

impl<'a> Token<'a> {
    /// Decodes a token, framed or bare. Errors for anything that is not exactly one token.
    /// Hand-written (see [`super::wire`]); accepts exactly what [`Token::decode_der`] accepts.
    pub fn decode(input: &'a [u8]) -> der::Result<Self> {
        super::wire::decode(input).ok_or_else(super::wire::invalid)
    }

    /// Encodes the token, with the InitialContextToken framing when `framed`; byte-identical
    /// to [`Token::encode_der`].
    pub fn encode(&self) -> der::Result<Vec<u8>> {
        match super::wire::encode(self) {
            Some(out) => Ok(out),
            None => self.encode_der(),
        }
    }

    /// [`Token::decode`] on the `der` crate: the reference the hand-written reader is tested
    /// against.
    pub fn decode_der(input: &'a [u8]) -> der::Result<Self> {
        let mut r = SliceReader::new(input)?;
        let framed = Tag::peek(&r)? == GSS_FRAME;
        let token = if framed {
            let header = Header::decode(&mut r)?;
            r.read_nested(header.length(), |inner| {
                let mech = ObjectIdentifier::decode(inner)?;
                if mech != SPNEGO {
                    return Err(inner.error(der::ErrorKind::OidUnknown { oid: mech }));
                }
                NegotiationToken::decode(inner)
            })?
        } else {
            NegotiationToken::decode(&mut r)?
        };
        r.finish()?;
        Ok(Token { token, framed })
    }

    /// [`Token::encode`] on the `der` crate.
    pub fn encode_der(&self) -> der::Result<Vec<u8>> {
        let inner = self.token.to_der()?;
        if !self.framed {
            return Ok(inner);
        }
        let body_len = (SPNEGO.encoded_len()? + Length::try_from(inner.len())?)?;
        let mut out = Vec::with_capacity(usize::try_from(body_len)? + 8);
        Header::new(GSS_FRAME, body_len).encode_to_vec(&mut out)?;
        SPNEGO.encode_to_vec(&mut out)?;
        out.extend_from_slice(&inner);
        Ok(out)
    }
}

/// Borrows bytes as an OCTET STRING (fails only beyond der's 256 MiB limit).
pub fn octets(b: &[u8]) -> der::Result<&OctetStringRef> {
    OctetStringRef::new(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn init_token(mechs: &[ObjectIdentifier], token: Option<&[u8]>) -> Vec<u8> {
        let list = encode_mech_types(mechs).unwrap();
        let mech_types = MechTypeList::from_der_bytes(&list).unwrap();
        let t = Token {
            token: NegotiationToken::Init(NegTokenInit {
                mech_types,
                req_flags: None,
                mech_token: token.map(|t| octets(t).unwrap()),
                mech_list_mic: None,
            }),
            framed: true,
        };
        t.encode().unwrap()
    }

    #[test]
    fn init_token_layout() {
        let bytes = init_token(&[NTLMSSP], Some(b"NTLMSSP\0"));
        // 0x60 len | 06 06 2b 06 01 05 05 02 | a0 len 30 len a0 len 30 0c 06 0a <ntlmssp oid> | a2 ...
        assert_eq!(bytes[0], 0x60);
        assert_eq!(bytes[1] as usize, bytes.len() - 2);
        assert_eq!(
            &bytes[2..10],
            &[0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02]
        );
        assert_eq!(bytes[10], 0xa0);
        assert_eq!(&bytes[14..18], &[0xa0, 0x0e, 0x30, 0x0c]);
        assert_eq!(
            &bytes[18..30],
            &[0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a]
        );
        let t = Token::decode(&bytes).unwrap();
        assert!(t.framed);
        let NegotiationToken::Init(init) = &t.token else {
            panic!("init expected")
        };
        assert_eq!(init.mech_types.iter().collect::<Vec<_>>(), vec![NTLMSSP]);
        assert_eq!(init.mech_token.unwrap().as_bytes(), b"NTLMSSP\0");
        assert_eq!(t.encode().unwrap(), bytes);
    }

    #[test]
    fn resp_round_trip_and_mech_names() {
        let t = Token {
            token: NegotiationToken::Resp(NegTokenResp {
                neg_state: Some(NegState::AcceptIncomplete),
                supported_mech: Some(NTLMSSP),
                response_token: Some(octets(&[1, 2, 3]).unwrap()),
                mech_list_mic: None,
            }),
            framed: false,
        };
        let bytes = t.encode().unwrap();
        assert_eq!(&bytes[..1], &[0xa1]);
        assert_eq!(Token::decode(&bytes).unwrap(), t);
        assert_eq!(mech_name(&MS_KRB5), "Kerberos (MS)");
        assert_eq!(mech_name(&NTLMSSP), "NTLMSSP");
    }

    #[test]
    fn mech_type_list_keeps_the_bytes_received() {
        let bytes = init_token(&[MS_KRB5, KRB5, NEGOEX, NTLMSSP], None);
        let t = Token::decode(&bytes).unwrap();
        let NegotiationToken::Init(init) = &t.token else {
            panic!()
        };
        assert_eq!(
            init.mech_types.iter().collect::<Vec<_>>(),
            vec![MS_KRB5, KRB5, NEGOEX, NTLMSSP]
        );
        let der = init.mech_types.der();
        assert!(bytes.windows(der.len()).any(|w| w == der.as_slice()));
    }

    #[test]
    fn malformed_tokens_fail() {
        let good = init_token(&[NTLMSSP], Some(b"NTLMSSP\0"));
        for n in 0..good.len() {
            assert!(Token::decode(&good[..n]).is_err(), "truncated to {n}");
        }
        let mut trailing = good.clone();
        trailing.push(0);
        assert!(Token::decode(&trailing).is_err());
        // Framed with another mechanism's OID.
        let mut other = good.clone();
        other[9] = 0x03;
        assert!(Token::decode(&other).is_err());
        // A MechTypeList holding something other than OIDs.
        let bad_list = [
            0xa0, 0x09, 0x30, 0x07, 0xa0, 0x05, 0x30, 0x03, 0x02, 0x01, 0x00,
        ];
        assert!(Token::decode(&bad_list).is_err());
        assert!(Token::decode(&[]).is_err());
        assert!(Token::decode(b"NTLMSSP\0\x01\0\0\0").is_err());
    }
}
