//! The SPNEGO tokens' encoding. [`Token::decode`], [`Token::encode`] and the MechTypeList
//! helpers run the hand-written reader and writer of [`super::wire`]; [`Token::decode_der`],
//! [`Token::encode_der`] and [`encode_mech_types_der`] are the same operations on the `der`
//! crate (the types of [`super::token`] are declared for it), the reference `wire` is tested
//! against.

use der::asn1::ObjectIdentifier;
use der::{Decode, Encode, Header, Length, Reader, SliceReader, Tag};

use super::token::GSS_FRAME;
pub use super::token::{
    mech_name, octets, MechTypeList, NegState, NegTokenInit, NegTokenResp, NegotiationToken, Token,
    KRB5, MS_KRB5, NEGOEX, NTLMSSP, SPNEGO,
};

impl MechTypeList<'_> {
    /// The complete DER encoding (tag, length, contents): what the mechListMIC covers.
    pub fn der(&self) -> Vec<u8> {
        super::wire::mech_type_list_der(self)
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
