//! What Windows' NTLM does where the specification leaves room, as recorded by Wine's secur32
//! conformance tests (`dlls/secur32/tests/ntlm.c`, which pass on Windows): an NTLMv1 client
//! (LM_COMPAT_LEVEL 2) against a CHALLENGE with flags 0xa0828205 — neither SIGN, SEAL,
//! extended session security nor key exchange — for testuser/WORKGROUP/testpass. The session
//! key is then MD4(NT hash), so Windows' sealed bytes are reproducible here.

use std::sync::Arc;

use ntlmssp::nlmp::client::{Client, ClientOptions};
use ntlmssp::nlmp::credentials::ClientCredential;
use ntlmssp::nlmp::env::SystemEnvironment;
use ntlmssp::nlmp::error::Error;
use ntlmssp::nlmp::flags;
use ntlmssp::nlmp::messages::Authenticate;
use ntlmssp::nlmp::policy::Policy;
use ntlmssp::nlmp::session::Segment;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// A client context completed against the recorded CHALLENGE with `fContextReq = 0`.
fn established() -> Client {
    let options = ClientOptions {
        workstation: "WS".into(),
        ..Default::default()
    };
    let cred = Arc::new(ClientCredential::from_password(
        "testuser",
        "WORKGROUP",
        "testpass",
    ));
    let mut c = Client::new(
        cred,
        options,
        Policy { lm_compat_level: 2 },
        Arc::new(SystemEnvironment),
    );
    let (_, next) = c.negotiate().unwrap();
    c.advance(next);
    let (auth, next) = c.authenticate(&challenge(), None).unwrap();
    c.advance(next);
    let msg = Authenticate::decode(&auth).unwrap();
    assert_eq!(msg.nt_challenge_response.len(), 24, "NTLMv1");
    assert!(msg.encrypted_random_session_key.is_empty());
    c
}

fn challenge() -> Vec<u8> {
    // The recording's CHALLENGE_MESSAGE, field by field: target name CASINO01 at 0x30, flags,
    // server challenge e9587f14a2863b63, an empty context, and at 0x40 the target info pairs
    // for CASINO01 / casino01.
    let name = |s: &str| {
        s.encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect::<Vec<u8>>()
    };
    let pair =
        |id: u16, v: &[u8]| [&id.to_le_bytes()[..], &(v.len() as u16).to_le_bytes(), v].concat();
    let upper = name("CASINO01");
    let lower = name("casino01");
    let info = [
        pair(2, &upper),
        pair(1, &upper),
        pair(4, &lower),
        pair(3, &lower),
        pair(0, &[]),
    ]
    .concat();
    let mut t = b"NTLMSSP\0\x02\0\0\0".to_vec();
    t.extend_from_slice(&(upper.len() as u16).to_le_bytes());
    t.extend_from_slice(&(upper.len() as u16).to_le_bytes());
    t.extend_from_slice(&48u32.to_le_bytes());
    t.extend_from_slice(&0xa082_8205u32.to_le_bytes());
    t.extend_from_slice(&hex("e9587f14a2863b63"));
    t.extend_from_slice(&[0; 8]);
    t.extend_from_slice(&(info.len() as u16).to_le_bytes());
    t.extend_from_slice(&(info.len() as u16).to_le_bytes());
    t.extend_from_slice(&((48 + upper.len()) as u32).to_le_bytes());
    t.extend_from_slice(&upper);
    t.extend_from_slice(&info);
    t
}

#[test]
fn the_recorded_challenge_offers_neither_sign_seal_nor_key_exchange() {
    let t = challenge();
    assert_eq!(t.len(), 0x40 + 0x54);
    let flags_field = u32::from_le_bytes(challenge()[20..24].try_into().unwrap());
    assert_eq!(
        flags_field & (flags::NEGOTIATE_SIGN | flags::NEGOTIATE_SEAL | flags::NEGOTIATE_KEY_EXCH),
        0
    );
}

const MESSAGE: &[u8] = b"Hello, world!";
/// "Header Test" with its NUL, signed but not sealed, before and after the data.
const HEADER: &[u8] = b"Header Test\0";

#[test]
fn signatures_are_the_dummy_one_without_sign_or_seal() {
    let mut c = established();
    let e = c.established_mut().unwrap();
    let sig = e.session.sign(None, &[MESSAGE]);
    assert_eq!(sig, hex("01000000000000000000000000000000").as_slice());
    let sealed_trailer = hex("0100000000000000e8c7aa261639074e");
    assert_eq!(
        e.session.verify(None, &[MESSAGE], &sealed_trailer),
        Err(Error::MessageAltered)
    );
    e.session.verify(None, &[MESSAGE], &sig).unwrap();
}

#[test]
fn encrypt_message_seals_with_the_session_key_as_windows_does() {
    let mut c = established();
    let e = c.established_mut().unwrap();
    // Dummy signatures first, as the recording does: they must not move the sealing state.
    let sig = e.session.sign(None, &[MESSAGE]);
    e.session.verify(None, &[MESSAGE], &sig).unwrap();

    let mut data = MESSAGE.to_vec();
    let trailer = e.session.seal(None, &mut [Segment::Seal(&mut data)]);
    assert_eq!(trailer.as_slice(), hex("0100000000000000e8c7aa261639074e"));
    assert_eq!(data, hex("869c5a1078b330984615a031d9"));

    // The server's message, sealed in the one RC4 stream both directions share without
    // extended session security.
    let mut data = hex("f6b7920cacea98e6efa02966fd");
    e.session
        .unseal(
            None,
            &mut [Segment::Seal(&mut data)],
            &hex("01000000000000001c462e77ebf0f69e"),
        )
        .unwrap();
    assert_eq!(data, MESSAGE);

    // Several buffers: a READONLY_WITH_CHECKSUM header on both sides of the sealed data.
    let mut data = MESSAGE.to_vec();
    let trailer = e.session.seal(
        None,
        &mut [
            Segment::SignOnly(HEADER),
            Segment::Seal(&mut data),
            Segment::SignOnly(HEADER),
        ],
    );
    assert_eq!(trailer.as_slice(), hex("0100000000000000c5a7f70f5b25bea4"));
    assert_eq!(data, hex("206c01abb04c93e41efce1fafe"));
    let mut data = hex("c8f2397f0caff55def0c8b5f82");
    let trailer = hex("0100000000000000b14e46b7caf77fb3");
    e.session
        .unseal(
            None,
            &mut [
                Segment::SignOnly(HEADER),
                Segment::Seal(&mut data),
                Segment::SignOnly(HEADER),
            ],
            &trailer,
        )
        .unwrap();
    assert_eq!(data, b"Hello, World!");
}

#[test]
fn clear_text_with_a_dummy_trailer_is_refused_where_a_sealed_message_is_due() {
    let mut c = established();
    let e = c.established_mut().unwrap();
    let mut data = MESSAGE.to_vec();
    let dummy = hex("01000000000000000000000000000000");
    assert!(e
        .session
        .unseal(None, &mut [Segment::Seal(&mut data)], &dummy)
        .is_err());
    assert_eq!(data, MESSAGE, "a refused message is left as received");
}
