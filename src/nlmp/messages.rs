//! [MS-NLMP] 2.2.1 the three messages, 2.2.2.1 AV pairs, 2.2.2.7 the NTLMv2 client challenge
//! and 2.2.2.10 VERSION.
//!
//! Decoding borrows from the token (no allocation, nothing copied until a caller keeps it);
//! encoding writes the fixed header, then the payload in the order Windows uses, so that the
//! [MS-NLMP] 4.2 messages are reproduced byte for byte.

use super::codec::{payload_start, PayloadField, Reader, Writer};
use super::error::{Error, Result};
use super::flags::{self, has};

/// "NTLMSSP\0", the first 8 bytes of every message.
pub const SIGNATURE: [u8; 8] = *b"NTLMSSP\0";
pub const NEGOTIATE_MESSAGE_TYPE: u32 = 1;
pub const CHALLENGE_MESSAGE_TYPE: u32 = 2;
pub const AUTHENTICATE_MESSAGE_TYPE: u32 = 3;

/// Where the MIC sits in an AUTHENTICATE_MESSAGE (after the 64-byte header and VERSION).
pub const MIC_OFFSET: usize = 72;
/// A header with VERSION and MIC: payload starts here when a MIC is present.
const AUTHENTICATE_HEADER_WITH_MIC: usize = 88;

/// Reads the signature and type and returns the type; anything that is not an NTLMSSP message
/// is an invalid token.
pub fn message_type(token: &[u8]) -> Result<u32> {
    let mut r = Reader::new(token);
    if r.array::<8>()? != SIGNATURE {
        return Err(Error::InvalidToken);
    }
    r.u32()
}

fn expect_header(r: &mut Reader<'_>, ty: u32) -> Result<()> {
    if r.array::<8>()? != SIGNATURE || r.u32()? != ty {
        return Err(Error::InvalidToken);
    }
    Ok(())
}

/// 2.2.2.10 VERSION: for debugging only, never interpreted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version {
    pub major: u8,
    pub minor: u8,
    pub build: u16,
    pub revision: u8,
}

impl Default for Version {
    fn default() -> Self {
        Version::OURS
    }
}

impl Version {
    /// What this package announces: Windows 10 (10.0 build 19041), NTLMSSP_REVISION_W2K3.
    pub const OURS: Version = Version {
        major: 10,
        minor: 0,
        build: 19041,
        revision: 0x0f,
    };

    pub fn read(r: &mut Reader<'_>) -> Result<Self> {
        let b = r.array::<8>()?;
        Ok(Version {
            major: b[0],
            minor: b[1],
            build: u16::from_le_bytes([b[2], b[3]]),
            revision: b[7],
        })
    }

    pub fn to_bytes(self) -> [u8; 8] {
        let b = self.build.to_le_bytes();
        [self.major, self.minor, b[0], b[1], 0, 0, 0, self.revision]
    }
}

// ---------------------------------------------------------------------------------------------
// 2.2.1.1 NEGOTIATE_MESSAGE

/// A NEGOTIATE_MESSAGE. Domain and workstation are OEM strings, sent only with their
/// `*_SUPPLIED` flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Negotiate<'a> {
    pub flags: u32,
    pub domain: &'a [u8],
    pub workstation: &'a [u8],
    pub version: Option<Version>,
}

impl<'a> Negotiate<'a> {
    /// Parses a NEGOTIATE_MESSAGE. Very old clients send only the 16-byte prefix (signature,
    /// type, flags); that is accepted with empty fields.
    pub fn decode(token: &'a [u8]) -> Result<Self> {
        let mut r = Reader::new(token);
        expect_header(&mut r, NEGOTIATE_MESSAGE_TYPE)?;
        let flags = r.u32()?;
        if r.remaining() == 0 {
            return Ok(Negotiate {
                flags,
                domain: &[],
                workstation: &[],
                version: None,
            });
        }
        let domain_f = PayloadField::read(&mut r)?;
        let ws_f = PayloadField::read(&mut r)?;
        let used = [
            if has(flags, flags::NEGOTIATE_OEM_DOMAIN_SUPPLIED) {
                domain_f
            } else {
                PayloadField::default()
            },
            if has(flags, flags::NEGOTIATE_OEM_WORKSTATION_SUPPLIED) {
                ws_f
            } else {
                PayloadField::default()
            },
        ];
        let room = payload_start(token, &used);
        let version = if has(flags, flags::NEGOTIATE_VERSION)
            && r.remaining() >= 8
            && r.position() + 8 <= room
        {
            Some(Version::read(&mut r)?)
        } else {
            None
        };
        let domain = if has(flags, flags::NEGOTIATE_OEM_DOMAIN_SUPPLIED) {
            domain_f.resolve(token)?
        } else {
            &[]
        };
        let workstation = if has(flags, flags::NEGOTIATE_OEM_WORKSTATION_SUPPLIED) {
            ws_f.resolve(token)?
        } else {
            &[]
        };
        Ok(Negotiate {
            flags,
            domain,
            workstation,
            version,
        })
    }

    pub fn encode(&self) -> Result<Vec<u8>> {
        let mut w = Writer::with_capacity(40 + self.domain.len() + self.workstation.len());
        w.bytes(&SIGNATURE)
            .u32(NEGOTIATE_MESSAGE_TYPE)
            .u32(self.flags)
            .field(0)
            .field(1);
        if let Some(v) = self.version {
            w.bytes(&v.to_bytes());
        }
        w.finish(&[self.domain, self.workstation])
    }
}

// ---------------------------------------------------------------------------------------------
// 2.2.1.2 CHALLENGE_MESSAGE

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge<'a> {
    pub flags: u32,
    /// In the character set the flags chose.
    pub target_name: &'a [u8],
    pub server_challenge: [u8; 8],
    /// The raw AV pair list (parse with [`AvPairs`]).
    pub target_info: &'a [u8],
    pub version: Option<Version>,
}

impl<'a> Challenge<'a> {
    pub fn decode(token: &'a [u8]) -> Result<Self> {
        let mut r = Reader::new(token);
        expect_header(&mut r, CHALLENGE_MESSAGE_TYPE)?;
        let target_name_f = PayloadField::read(&mut r)?;
        let flags = r.u32()?;
        let server_challenge = r.array::<8>()?;
        // Reserved (8 bytes). Pre-NT4 servers end the message here.
        let _reserved = r.take(8)?;
        let (target_info_f, version) = if r.remaining() >= 8 {
            let f = PayloadField::read(&mut r)?;
            let info = if has(flags, flags::NEGOTIATE_TARGET_INFO) {
                f
            } else {
                PayloadField::default()
            };
            let room = payload_start(token, &[target_name_f, info]);
            let v = if has(flags, flags::NEGOTIATE_VERSION)
                && r.remaining() >= 8
                && r.position() + 8 <= room
            {
                Some(Version::read(&mut r)?)
            } else {
                None
            };
            (f, v)
        } else {
            (PayloadField::default(), None)
        };
        let target_name = target_name_f.resolve(token)?;
        let target_info = if has(flags, flags::NEGOTIATE_TARGET_INFO) {
            target_info_f.resolve(token)?
        } else {
            &[]
        };
        Ok(Challenge {
            flags,
            target_name,
            server_challenge,
            target_info,
            version,
        })
    }

    pub fn encode(&self) -> Result<Vec<u8>> {
        self.encode_after(Vec::with_capacity(self.encoded_len()))
    }

    /// The length of the encoded message.
    pub fn encoded_len(&self) -> usize {
        56 + self.target_name.len() + self.target_info.len()
    }

    /// Encodes the message after what `buf` already holds (the server keeps the NEGOTIATE and
    /// the CHALLENGE in one buffer for the MIC), and returns all of it.
    pub fn encode_after(&self, buf: Vec<u8>) -> Result<Vec<u8>> {
        let mut w = Writer::appending_to(buf);
        w.bytes(&SIGNATURE)
            .u32(CHALLENGE_MESSAGE_TYPE)
            .field(0)
            .u32(self.flags);
        w.bytes(&self.server_challenge).bytes(&[0u8; 8]);
        // Without NEGOTIATE_TARGET_INFO the descriptor is all zeros, as in the 4.2.2 message.
        if has(self.flags, flags::NEGOTIATE_TARGET_INFO) {
            w.field(1);
        } else {
            w.bytes(&[0u8; 8]);
        }
        if let Some(v) = self.version {
            w.bytes(&v.to_bytes());
        }
        w.finish(&[self.target_name, self.target_info])
    }
}

// ---------------------------------------------------------------------------------------------
// 2.2.1.3 AUTHENTICATE_MESSAGE

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticate<'a> {
    pub lm_challenge_response: &'a [u8],
    pub nt_challenge_response: &'a [u8],
    pub domain_name: &'a [u8],
    pub user_name: &'a [u8],
    pub workstation: &'a [u8],
    pub encrypted_random_session_key: &'a [u8],
    pub flags: u32,
    pub version: Option<Version>,
    /// The 16 bytes at [`MIC_OFFSET`] when the header is long enough to hold a MIC, i.e. when
    /// no payload field starts before byte 88. Whether they are a MIC is decided by the
    /// client's MsvAvFlags (2.2.2.1), which the server checks.
    pub mic: Option<[u8; 16]>,
}

impl<'a> Authenticate<'a> {
    pub fn decode(token: &'a [u8]) -> Result<Self> {
        let mut r = Reader::new(token);
        expect_header(&mut r, AUTHENTICATE_MESSAGE_TYPE)?;
        let lm_f = PayloadField::read(&mut r)?;
        let nt_f = PayloadField::read(&mut r)?;
        let domain_f = PayloadField::read(&mut r)?;
        let user_f = PayloadField::read(&mut r)?;
        let ws_f = PayloadField::read(&mut r)?;
        let esk_f = PayloadField::read(&mut r)?;
        let flags = r.u32()?;
        let payload_start = payload_start(token, &[lm_f, nt_f, domain_f, user_f, ws_f, esk_f]);
        let version = if payload_start >= MIC_OFFSET && r.remaining() >= 8 {
            Some(Version::read(&mut r)?)
        } else {
            None
        };
        let mic = if payload_start >= AUTHENTICATE_HEADER_WITH_MIC && r.remaining() >= 16 {
            Some(r.array::<16>()?)
        } else {
            None
        };
        Ok(Authenticate {
            lm_challenge_response: lm_f.resolve(token)?,
            nt_challenge_response: nt_f.resolve(token)?,
            domain_name: domain_f.resolve(token)?,
            user_name: user_f.resolve(token)?,
            workstation: ws_f.resolve(token)?,
            encrypted_random_session_key: esk_f.resolve(token)?,
            flags,
            version,
            mic,
        })
    }

    /// Encodes the message. With `mic` set, the MIC field is present (filled with the given
    /// bytes; the client passes zeros, computes the MIC over the result and patches it in with
    /// [`set_mic`]).
    pub fn encode(&self) -> Result<Vec<u8>> {
        let mut w = Writer::with_capacity(
            88 + self.lm_challenge_response.len()
                + self.nt_challenge_response.len()
                + self.domain_name.len()
                + self.user_name.len()
                + self.workstation.len()
                + 16,
        );
        w.bytes(&SIGNATURE).u32(AUTHENTICATE_MESSAGE_TYPE);
        // Header order (2.2.1.3) and payload order differ; Windows puts the strings first.
        w.field(3)
            .field(4)
            .field(0)
            .field(1)
            .field(2)
            .field(5)
            .u32(self.flags);
        if let Some(v) = self.version {
            w.bytes(&v.to_bytes());
        } else if self.mic.is_some() {
            w.bytes(&[0u8; 8]);
        }
        if let Some(m) = self.mic {
            w.bytes(&m);
        }
        w.finish(&[
            self.domain_name,
            self.user_name,
            self.workstation,
            self.lm_challenge_response,
            self.nt_challenge_response,
            self.encrypted_random_session_key,
        ])
    }
}

/// Writes `mic` into an encoded AUTHENTICATE_MESSAGE that was encoded with a MIC field.
pub fn set_mic(authenticate: &mut [u8], mic: &[u8; 16]) -> Result<()> {
    authenticate
        .get_mut(MIC_OFFSET..MIC_OFFSET + 16)
        .ok_or(Error::InvalidParameter)?
        .copy_from_slice(mic);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// 2.2.2.1 AV_PAIR

/// AvId values (2.2.2.1).
pub mod av_id {
    pub const EOL: u16 = 0x0000;
    pub const NB_COMPUTER_NAME: u16 = 0x0001;
    pub const NB_DOMAIN_NAME: u16 = 0x0002;
    pub const DNS_COMPUTER_NAME: u16 = 0x0003;
    pub const DNS_DOMAIN_NAME: u16 = 0x0004;
    pub const DNS_TREE_NAME: u16 = 0x0005;
    pub const FLAGS: u16 = 0x0006;
    pub const TIMESTAMP: u16 = 0x0007;
    pub const SINGLE_HOST: u16 = 0x0008;
    pub const TARGET_NAME: u16 = 0x0009;
    pub const CHANNEL_BINDINGS: u16 = 0x000A;
}

/// MsvAvFlags bits (2.2.2.1).
pub mod av_flags {
    /// The account authentication is constrained.
    pub const CONSTRAINED: u32 = 0x0000_0001;
    /// The client provides a MIC.
    pub const MIC_PRESENT: u32 = 0x0000_0002;
    /// The client provides an untrusted SPN target.
    pub const UNTRUSTED_SPN_TARGET: u32 = 0x0000_0004;
}

/// A parsed AV pair list, borrowing the values. Parsing stops at the first MsvAvEOL; a list
/// without one, or with a pair running past the end, is malformed.
#[derive(Debug, Clone, Copy)]
pub struct AvPairs<'a> {
    raw: &'a [u8],
}

impl<'a> AvPairs<'a> {
    /// Validates the whole list once, so that iterating it can never fail.
    pub fn parse(raw: &'a [u8]) -> Result<Self> {
        let mut r = Reader::new(raw);
        loop {
            let id = r.u16()?;
            let len = r.u16()?;
            r.take(usize::from(len))?;
            if id == av_id::EOL {
                return Ok(AvPairs {
                    raw: &raw[..r.position()],
                });
            }
        }
    }

    /// The pairs before MsvAvEOL, in order.
    pub fn iter(&self) -> impl Iterator<Item = (u16, &'a [u8])> + 'a {
        let mut r = Reader::new(self.raw);
        std::iter::from_fn(move || {
            let id = r.u16().ok()?;
            let len = r.u16().ok()?;
            let value = r.take(usize::from(len)).ok()?;
            (id != av_id::EOL).then_some((id, value))
        })
    }

    /// The first value with this id.
    pub fn get(&self, id: u16) -> Option<&'a [u8]> {
        self.iter().find(|(i, _)| *i == id).map(|(_, v)| v)
    }

    /// MsvAvFlags, 0 when absent or malformed.
    pub fn flags(&self) -> u32 {
        self.get(av_id::FLAGS)
            .and_then(|v| v.try_into().ok())
            .map(u32::from_le_bytes)
            .unwrap_or(0)
    }

    /// MsvAvTimestamp, when present and 8 bytes long.
    pub fn timestamp(&self) -> Option<u64> {
        self.get(av_id::TIMESTAMP)
            .and_then(|v| v.try_into().ok())
            .map(u64::from_le_bytes)
    }

    /// The list's bytes up to and including MsvAvEOL.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.raw
    }
}

/// Builds an AV pair list; [`AvPairsBuilder::finish`] appends the single MsvAvEOL.
#[derive(Debug, Default)]
pub struct AvPairsBuilder {
    buf: Vec<u8>,
}

impl AvPairsBuilder {
    pub fn with_capacity(n: usize) -> Self {
        AvPairsBuilder {
            buf: Vec::with_capacity(n),
        }
    }

    /// A builder appending its pairs to `buf` ([`AvPairsBuilder::finish`] returns it).
    pub fn appending_to(buf: Vec<u8>) -> Self {
        AvPairsBuilder { buf }
    }

    /// Appends a pair. Values longer than 65535 bytes cannot be expressed and are refused.
    pub fn push(&mut self, id: u16, value: &[u8]) -> Result<&mut Self> {
        let len = u16::try_from(value.len()).map_err(|_| Error::InvalidParameter)?;
        let ([i0, i1], [l0, l1]) = (id.to_le_bytes(), len.to_le_bytes());
        self.buf.reserve(4 + value.len());
        self.buf.extend_from_slice(&[i0, i1, l0, l1]);
        self.buf.extend_from_slice(value);
        Ok(self)
    }

    /// Appends a pair whose value is `value` in UTF-16LE, encoded in place.
    pub fn push_utf16(&mut self, id: u16, value: &str) -> Result<&mut Self> {
        let n = super::codec::utf16le_len(value);
        let len = u16::try_from(n).map_err(|_| Error::InvalidParameter)?;
        self.buf.extend_from_slice(&id.to_le_bytes());
        self.buf.extend_from_slice(&len.to_le_bytes());
        let start = self.buf.len();
        self.buf.resize(start + n, 0);
        super::codec::write_utf16le(&mut self.buf[start..], value);
        Ok(self)
    }

    pub fn finish(mut self) -> Vec<u8> {
        self.buf.extend_from_slice(&[0, 0, 0, 0]);
        self.buf
    }
}

// ---------------------------------------------------------------------------------------------
// 2.2.2.7 NTLMv2_CLIENT_CHALLENGE

/// The fixed part of NTLMv2_CLIENT_CHALLENGE before the AV pairs.
pub const NTLMV2_CLIENT_CHALLENGE_HEADER: usize = 28;

/// Builds `temp` of 3.3.2: the NTLMv2_CLIENT_CHALLENGE (RespType 1, HiRespType 1, TimeStamp,
/// ChallengeFromClient, AvPairs) followed by the 4 zero bytes Windows appends.
pub fn ntlmv2_client_challenge(time: u64, client_challenge: &[u8; 8], av_pairs: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(NTLMV2_CLIENT_CHALLENGE_HEADER + av_pairs.len() + 4);
    ntlmv2_client_challenge_into(&mut out, time, client_challenge, av_pairs);
    out
}

/// [`ntlmv2_client_challenge`] appended to `out` (the NtChallengeResponse is the NTProofStr
/// followed by it: one buffer for both).
pub fn ntlmv2_client_challenge_into(
    out: &mut Vec<u8>,
    time: u64,
    client_challenge: &[u8; 8],
    av_pairs: &[u8],
) {
    ntlmv2_client_challenge_header(out, time, client_challenge);
    out.extend_from_slice(av_pairs);
    out.extend_from_slice(&[0, 0, 0, 0]);
}

/// The fixed part of NTLMv2_CLIENT_CHALLENGE before the AV pairs, appended to `out` (the pairs
/// and 4 zero bytes follow: a client may build its pairs straight after it).
pub fn ntlmv2_client_challenge_header(out: &mut Vec<u8>, time: u64, client_challenge: &[u8; 8]) {
    out.extend_from_slice(&[1, 1, 0, 0, 0, 0, 0, 0]);
    out.extend_from_slice(&time.to_le_bytes());
    out.extend_from_slice(client_challenge);
    out.extend_from_slice(&[0, 0, 0, 0]);
}

/// A received NTLMv2_CLIENT_CHALLENGE (the NTLMv2 response after the 16-byte NTProofStr).
#[derive(Debug, Clone, Copy)]
pub struct Ntlmv2ClientChallenge<'a> {
    pub time: u64,
    pub client_challenge: [u8; 8],
    pub av_pairs: AvPairs<'a>,
}

impl<'a> Ntlmv2ClientChallenge<'a> {
    /// Parses the blob. Anything after the AV list's MsvAvEOL (Windows' 4 zero bytes, or
    /// nothing, as Samba sends) is ignored here; the proof covers the bytes as received.
    pub fn decode(blob: &'a [u8]) -> Result<Self> {
        let mut r = Reader::new(blob);
        let resp_type = r.u8()?;
        let hi_resp_type = r.u8()?;
        if resp_type != 1 || hi_resp_type != 1 {
            return Err(Error::InvalidToken);
        }
        r.take(6)?;
        let time = r.u64()?;
        let client_challenge = r.array::<8>()?;
        r.take(4)?;
        let av_pairs = AvPairs::parse(r.rest())?;
        Ok(Ntlmv2ClientChallenge {
            time,
            client_challenge,
            av_pairs,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    // [MS-NLMP] 4.2.4.3
    const V2_CHALLENGE: &str = "4e544c4d53535000020000000c000c003800000033828ae20123456789abcdef00000000000000002400240044000000060070170000000f53006500720076006500720002000c0044006f006d00610069006e0001000c0053006500720076006500720000000000";

    #[test]
    fn challenge_round_trip_is_byte_exact() {
        let token = hex(V2_CHALLENGE);
        let c = Challenge::decode(&token).unwrap();
        assert_eq!(c.flags, 0xe28a8233);
        assert_eq!(
            c.server_challenge,
            [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef]
        );
        assert_eq!(c.version.unwrap().build, 6000);
        let av = AvPairs::parse(c.target_info).unwrap();
        assert_eq!(av.iter().count(), 2);
        assert_eq!(
            av.get(av_id::NB_DOMAIN_NAME).unwrap(),
            &crate::nlmp::codec::utf16le("Domain")[..]
        );
        assert_eq!(c.encode().unwrap(), token);
    }

    #[test]
    fn truncated_and_lying_challenges_are_refused() {
        let token = hex(V2_CHALLENGE);
        for n in 0..token.len() {
            // Every prefix either parses to a shorter message or is refused; none panics.
            let _ = Challenge::decode(&token[..n]);
        }
        let mut bad = token.clone();
        bad[0x2c] = 0xff; // TargetInfo offset far past the end
        assert_eq!(Challenge::decode(&bad), Err(Error::InvalidToken));
        let mut bad = token.clone();
        bad[8] = 3;
        assert_eq!(Challenge::decode(&bad), Err(Error::InvalidToken));
        let mut bad = token;
        bad[0] = b'X';
        assert_eq!(Challenge::decode(&bad), Err(Error::InvalidToken));
    }

    #[test]
    fn av_pairs_need_an_eol() {
        assert!(AvPairs::parse(&[0, 0, 0, 0]).is_ok());
        assert_eq!(
            AvPairs::parse(&[1, 0, 2, 0, 0x41, 0]).unwrap_err(),
            Error::InvalidToken
        );
        assert_eq!(
            AvPairs::parse(&[1, 0, 9, 0, 0x41, 0]).unwrap_err(),
            Error::InvalidToken
        );
        let mut b = AvPairsBuilder::default();
        b.push(0x7777, b"unknown")
            .unwrap()
            .push(av_id::FLAGS, &2u32.to_le_bytes())
            .unwrap();
        let raw = b.finish();
        let av = AvPairs::parse(&raw).unwrap();
        assert_eq!(av.flags(), 2);
        assert_eq!(av.get(0x7777).unwrap(), b"unknown");
    }

    #[test]
    fn utf16_pairs_are_encoded_in_place() {
        let mut b = AvPairsBuilder::default();
        b.push_utf16(av_id::NB_DOMAIN_NAME, "Dömäin 𝄞")
            .unwrap()
            .push_utf16(av_id::NB_COMPUTER_NAME, "srv")
            .unwrap();
        let raw = b.finish();
        let av = AvPairs::parse(&raw).unwrap();
        assert_eq!(
            av.get(av_id::NB_DOMAIN_NAME).unwrap(),
            &crate::nlmp::codec::utf16le("Dömäin 𝄞")[..]
        );
        assert_eq!(
            av.get(av_id::NB_COMPUTER_NAME).unwrap(),
            &crate::nlmp::codec::utf16le("srv")[..]
        );
        assert!(AvPairsBuilder::default()
            .push_utf16(1, &"x".repeat(40000))
            .is_err());
    }

    #[test]
    fn negotiate_round_trip() {
        let n = Negotiate {
            flags: 0xe2088297 | flags::NEGOTIATE_OEM_DOMAIN_SUPPLIED,
            domain: b"DOM",
            workstation: b"",
            version: Some(Version::OURS),
        };
        let enc = n.encode().unwrap();
        assert_eq!(Negotiate::decode(&enc).unwrap(), n);
        assert_eq!(Negotiate::decode(&enc[..16]).unwrap().flags, n.flags);
    }

    #[test]
    fn authenticate_mic_field() {
        let a = Authenticate {
            lm_challenge_response: &[0; 24],
            nt_challenge_response: &[1; 40],
            domain_name: b"D\0",
            user_name: b"U\0",
            workstation: b"",
            encrypted_random_session_key: &[2; 16],
            flags: 0x1234,
            version: Some(Version::OURS),
            mic: Some([0; 16]),
        };
        let mut enc = a.encode().unwrap();
        set_mic(&mut enc, &[9; 16]).unwrap();
        let d = Authenticate::decode(&enc).unwrap();
        assert_eq!(d.mic, Some([9; 16]));
        assert_eq!(d.nt_challenge_response, &[1; 40]);
        let without = Authenticate { mic: None, ..a };
        assert_eq!(
            Authenticate::decode(&without.encode().unwrap())
                .unwrap()
                .mic,
            None
        );
    }
}
