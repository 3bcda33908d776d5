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
    Choice, Decode, DecodeValue, EncodeValue, Enumerated, FixedTag, Header, Length, Reader,
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

    /// The contents octets (the OIDs' encodings, as received).
    pub fn contents(&self) -> &'a [u8] {
        self.contents
    }

    /// Contents already checked to be a SEQUENCE OF OID.
    pub(super) fn from_contents(contents: &'a [u8]) -> Self {
        MechTypeList { contents }
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
pub(super) const GSS_FRAME: Tag = Tag::Application {
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

/// Borrows bytes as an OCTET STRING (fails only beyond der's 256 MiB limit).
pub fn octets(b: &[u8]) -> der::Result<&OctetStringRef> {
    OctetStringRef::new(b)
}
