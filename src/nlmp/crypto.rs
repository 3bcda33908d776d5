//! [MS-NLMP] 3.3 (responses), 3.4.5 (key derivation) and 6 (primitives): each formula one
//! small function, named as in the spec.
#![allow(non_snake_case)]

use cipher::{BlockCipherEncrypt, KeyInit};
use md4::{Digest, Md4};

use super::digest::{HmacMd5, Md5};
use zeroize::{Zeroize, ZeroizeOnDrop};

pub use super::digest::HmacMd5Key;

use super::flags::{self, has};

// ---------------------------------------------------------------------------------------------
// 6 Appendix A: cryptographic primitives

pub fn md4(data: &[u8]) -> [u8; 16] {
    Md4::digest(data).into()
}

/// MD5 over the concatenation of `parts`.
pub fn md5(parts: &[&[u8]]) -> [u8; 16] {
    let mut h = Md5::new();
    for p in parts {
        h.update(p);
    }
    h.finalize()
}

/// HMAC_MD5(key, concatenation of `parts`).
pub fn hmac_md5(key: &[u8], parts: &[&[u8]]) -> [u8; 16] {
    HmacMd5Key::new(key).mac(parts)
}

/// DES(K, D) with a 7-byte key: the 56 key bits are spread over 8 bytes, one parity bit per
/// byte (ignored by DES).
pub fn des(key7: &[u8; 7], block: &[u8; 8]) -> [u8; 8] {
    let k = key7;
    let key8 = [
        k[0],
        (k[0] << 7) | (k[1] >> 1),
        (k[1] << 6) | (k[2] >> 2),
        (k[2] << 5) | (k[3] >> 3),
        (k[3] << 4) | (k[4] >> 4),
        (k[4] << 3) | (k[5] >> 5),
        (k[5] << 2) | (k[6] >> 6),
        k[6] << 1,
    ];
    let cipher = des::Des::new_from_slice(&key8).expect("8-byte DES key");
    let mut b = (*block).into();
    cipher.encrypt_block(&mut b);
    b.into()
}

/// DESL(K, D): D under the three 7-byte thirds of K (the last padded with zeros).
pub fn desl(key16: &[u8; 16], data: &[u8; 8]) -> [u8; 24] {
    let mut third = [0u8; 7];
    third[..2].copy_from_slice(&key16[14..16]);
    let mut out = [0u8; 24];
    out[..8].copy_from_slice(&des(key16[0..7].try_into().expect("7"), data));
    out[8..16].copy_from_slice(&des(key16[7..14].try_into().expect("7"), data));
    out[16..].copy_from_slice(&des(&third, data));
    out
}

pub fn crc32(parts: &[&[u8]]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    for p in parts {
        h.update(p);
    }
    h.finalize()
}

pub use super::rc4::Rc4;

/// RC4K(K, D): RC4 with a fresh key schedule.
#[inline]
pub fn rc4k(key: &[u8], data: &[u8; 16]) -> [u8; 16] {
    let mut out = *data;
    Rc4::new(key).apply(&mut out);
    out
}

/// Constant-time equality of two byte strings (lengths are not secret).
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

fn unicode(s: &str) -> impl Iterator<Item = u8> + '_ {
    s.encode_utf16().flat_map(u16::to_le_bytes)
}

// ---------------------------------------------------------------------------------------------
// 3.3.1 NTLM v1

/// NTOWFv1 = MD4(UNICODE(Passwd)), the NT hash.
pub fn NTOWFv1(password: &str) -> [u8; 16] {
    let mut h = Md4::new();
    for unit in password.encode_utf16() {
        h.update(unit.to_le_bytes());
    }
    h.finalize().into()
}

/// LMOWFv1: the two halves of UpperCase(Passwd) (OEM, 14 bytes) DES-encrypting "KGS!@#$%".
pub fn LMOWFv1(password: &str) -> [u8; 16] {
    let mut oem = [0u8; 14];
    for (slot, c) in oem.iter_mut().zip(password.chars()) {
        *slot = if c.is_ascii() {
            c.to_ascii_uppercase() as u8
        } else {
            b'?'
        };
    }
    let magic = b"KGS!@#$%";
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&des(oem[..7].try_into().expect("7"), magic));
    out[8..].copy_from_slice(&des(oem[7..].try_into().expect("7"), magic));
    oem.zeroize();
    out
}

/// NTLMv1 response: DESL(ResponseKeyNT, ServerChallenge).
pub fn ntlmv1_response(response_key_nt: &[u8; 16], server_challenge: &[u8; 8]) -> [u8; 24] {
    desl(response_key_nt, server_challenge)
}

/// NTLMv1 with extended session security: DESL(ResponseKeyNT,
/// MD5(ServerChallenge || ClientChallenge)[0..7]).
pub fn ntlmv1_ess_response(
    response_key_nt: &[u8; 16],
    server_challenge: &[u8; 8],
    client_challenge: &[u8; 8],
) -> [u8; 24] {
    let h = md5(&[server_challenge, client_challenge]);
    desl(response_key_nt, h[..8].try_into().expect("8"))
}

/// LMv1 response: DESL(ResponseKeyLM, ServerChallenge).
pub fn lmv1_response(lmowf: &[u8; 16], server_challenge: &[u8; 8]) -> [u8; 24] {
    desl(lmowf, server_challenge)
}

/// SessionBaseKey for NTLMv1: MD4(ResponseKeyNT).
pub fn session_base_key_v1(response_key_nt: &[u8; 16]) -> [u8; 16] {
    md4(response_key_nt)
}

// ---------------------------------------------------------------------------------------------
// 3.3.2 NTLM v2

/// NTOWFv2 = HMAC_MD5(MD4(UNICODE(Passwd)), UNICODE(ConcatenationOf(Uppercase(User),
/// UserDom))), from the NT hash. LMOWFv2 is the same value.
pub fn NTOWFv2(nt_hash: &[u8; 16], user: &str, domain: &str) -> [u8; 16] {
    let mut m = HmacMd5::new(nt_hash);
    let upper = user.to_uppercase();
    // UTF-16 units, fed a few at a time so nothing is allocated for the concatenation.
    let mut buf = [0u8; 64];
    let mut n = 0;
    for b in unicode(&upper).chain(unicode(domain)) {
        buf[n] = b;
        n += 1;
        if n == buf.len() {
            m.update(&buf);
            n = 0;
        }
    }
    m.update(&buf[..n]);
    buf.zeroize();
    m.finalize()
}

/// NTProofStr = HMAC_MD5(ResponseKeyNT, ConcatenationOf(ServerChallenge, temp)).
pub fn ntlmv2_nt_proof_str(
    response_key_nt: &HmacMd5Key,
    server_challenge: &[u8; 8],
    temp: &[u8],
) -> [u8; 16] {
    response_key_nt.mac(&[server_challenge, temp])
}

/// LMv2 response: HMAC_MD5(ResponseKeyLM, ServerChallenge || ClientChallenge) ||
/// ClientChallenge (3.3.2 pseudocode; the 2.2.2.4 prose differs, see the vectors' notes).
pub fn lmv2_response(
    response_key_lm: &HmacMd5Key,
    server_challenge: &[u8; 8],
    client_challenge: &[u8; 8],
) -> [u8; 24] {
    let mut out = [0u8; 24];
    out[..16].copy_from_slice(&response_key_lm.mac(&[server_challenge, client_challenge]));
    out[16..].copy_from_slice(client_challenge);
    out
}

/// SessionBaseKey for NTLMv2: HMAC_MD5(ResponseKeyNT, NTProofStr).
pub fn session_base_key_v2(response_key_nt: &HmacMd5Key, nt_proof_str: &[u8; 16]) -> [u8; 16] {
    response_key_nt.mac(&[nt_proof_str])
}

// ---------------------------------------------------------------------------------------------
// 3.4.5 key derivation

/// 3.4.5.1 KXKEY.
pub fn KXKEY(
    ntlmv2: bool,
    flags: u32,
    session_base_key: &[u8; 16],
    lm_challenge_response: &[u8],
    server_challenge: &[u8; 8],
    lmowf: &[u8; 16],
) -> [u8; 16] {
    if ntlmv2 {
        return *session_base_key;
    }
    let mut lm8 = [0u8; 8];
    let n = lm_challenge_response.len().min(8);
    lm8[..n].copy_from_slice(&lm_challenge_response[..n]);
    if has(flags, flags::NEGOTIATE_EXTENDED_SESSIONSECURITY) {
        return hmac_md5(session_base_key, &[server_challenge, &lm8]);
    }
    if has(flags, flags::NEGOTIATE_LM_KEY) {
        let mut second = [0xbdu8; 7];
        second[0] = lmowf[7];
        let mut out = [0u8; 16];
        out[..8].copy_from_slice(&des(lmowf[..7].try_into().expect("7"), &lm8));
        out[8..].copy_from_slice(&des(&second, &lm8));
        return out;
    }
    if has(flags, flags::REQUEST_NON_NT_SESSION_KEY) {
        let mut out = [0u8; 16];
        out[..8].copy_from_slice(&lmowf[..8]);
        return out;
    }
    *session_base_key
}

/// Whose outbound direction a key protects.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    Client,
    Server,
}

const CLIENT_SIGNING: &[u8] = b"session key to client-to-server signing key magic constant\0";
const SERVER_SIGNING: &[u8] = b"session key to server-to-client signing key magic constant\0";
const CLIENT_SEALING: &[u8] = b"session key to client-to-server sealing key magic constant\0";
const SERVER_SEALING: &[u8] = b"session key to server-to-client sealing key magic constant\0";

/// 3.4.5.2 SIGNKEY: only with extended session security.
pub fn SIGNKEY(flags: u32, exported_session_key: &[u8; 16], mode: Mode) -> Option<[u8; 16]> {
    if !has(flags, flags::NEGOTIATE_EXTENDED_SESSIONSECURITY) {
        return None;
    }
    let magic = if mode == Mode::Client {
        CLIENT_SIGNING
    } else {
        SERVER_SIGNING
    };
    Some(md5(&[exported_session_key, magic]))
}

/// A sealing key of 5 to 16 bytes.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SealKey {
    pub bytes: [u8; 16],
    pub len: usize,
}

impl SealKey {
    pub fn as_slice(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

impl core::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SealKey(..)")
    }
}

/// 3.4.5.3 SEALKEY.
pub fn SEALKEY(flags: u32, exported_session_key: &[u8; 16], mode: Mode) -> SealKey {
    let esk = exported_session_key;
    if has(flags, flags::NEGOTIATE_EXTENDED_SESSIONSECURITY) {
        let used: &[u8] = if has(flags, flags::NEGOTIATE_128) {
            esk
        } else if has(flags, flags::NEGOTIATE_56) {
            &esk[..7]
        } else {
            &esk[..5]
        };
        let magic = if mode == Mode::Client {
            CLIENT_SEALING
        } else {
            SERVER_SEALING
        };
        return SealKey {
            bytes: md5(&[used, magic]),
            len: 16,
        };
    }
    if has(flags, flags::NEGOTIATE_LM_KEY) || has(flags, flags::NEGOTIATE_DATAGRAM) {
        let mut bytes = [0u8; 16];
        if has(flags, flags::NEGOTIATE_56) {
            bytes[..7].copy_from_slice(&esk[..7]);
            bytes[7] = 0xa0;
        } else {
            bytes[..5].copy_from_slice(&esk[..5]);
            bytes[5..8].copy_from_slice(&[0xe5, 0x38, 0xb0]);
        }
        return SealKey { bytes, len: 8 };
    }
    SealKey {
        bytes: *esk,
        len: 16,
    }
}

/// 3.1.5.1.2 MIC = HMAC_MD5(ExportedSessionKey, NEGOTIATE || CHALLENGE || AUTHENTICATE), the
/// AUTHENTICATE_MESSAGE with its MIC field zeroed.
pub fn MIC(
    exported_session_key: &[u8; 16],
    negotiate: &[u8],
    challenge: &[u8],
    authenticate: &[u8],
) -> [u8; 16] {
    hmac_md5(exported_session_key, &[negotiate, challenge, authenticate])
}
