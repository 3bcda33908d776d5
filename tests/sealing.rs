//! EncryptMessage never reports success on data it left in clear text, whatever was negotiated,
//! and DecryptMessage never accepts clear text under the dummy trailer (MS-NLMP 3.4.4: version 1,
//! then zeros) where a sealed message was due. Through the exported functions, as a C caller.
//!
//! Windows seals with the session key even when neither SIGN nor SEAL was negotiated (the ordinary
//! result of `fContextReq = 0`); its bytes for one such context are checked here too.

mod common;

use std::ptr::null_mut;
use std::sync::Mutex;

use common::*;
use ntlmssp::nlmp::flags::*;
use ntlmssp::sspi::entry::*;
use ntlmssp::sspi::types::*;

/// LM_COMPAT_LEVEL and NTLM_USER_FILE are read when a credential is acquired: one test at a time
/// changes them.
static ENV: Mutex<()> = Mutex::new(());

const DUMMY_TRAILER: [u8; 16] = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const MESSAGE: &[u8] = b"Hello, world! A message that must never travel in clear text.";

fn utf16le(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// A CHALLENGE_MESSAGE (2.2.1.2) with the given flags and server challenge, target name "DOMAIN",
/// target info (NetBIOS domain and computer names, a timestamp) and a VERSION.
fn challenge(flags: u32, server_challenge: [u8; 8]) -> Vec<u8> {
    let target_name = utf16le("DOMAIN");
    let mut target_info = Vec::new();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let filetime = (now.as_secs() + 11_644_473_600) * 10_000_000;
    for (id, value) in [
        (2u16, utf16le("DOMAIN")),
        (1, utf16le("SERVER")),
        (7, filetime.to_le_bytes().to_vec()),
    ] {
        target_info.extend(id.to_le_bytes());
        target_info.extend((value.len() as u16).to_le_bytes());
        target_info.extend(value);
    }
    target_info.extend([0, 0, 0, 0]);
    let field = |len: usize, offset: usize| {
        let mut f = (len as u16).to_le_bytes().repeat(2);
        f.extend((offset as u32).to_le_bytes());
        f
    };
    let mut m = b"NTLMSSP\0".to_vec();
    m.extend(2u32.to_le_bytes());
    m.extend(field(target_name.len(), 56));
    m.extend(flags.to_le_bytes());
    m.extend(server_challenge);
    m.extend([0; 8]);
    m.extend(field(target_info.len(), 56 + target_name.len()));
    m.extend([10, 0, 0x61, 0x4a, 0, 0, 0, 15]);
    m.extend(target_name);
    m.extend(target_info);
    m
}

/// ISC twice, the second time answering `challenge`; the client context once complete, or the
/// status that refused.
fn client_against(
    cc: &mut CredHandle,
    req: ULONG,
    challenge: &mut [u8],
) -> Result<CtxtHandle, SECURITY_STATUS> {
    let mut cx = NO_HANDLE;
    let mut out = [0u8; 2048];
    let (mut attrs, mut ts) = (0, 0);
    for leg in 0..2 {
        let mut ib = token_buffer(challenge.as_mut_ptr(), challenge.len() as u32);
        let mut ob = token_buffer(out.as_mut_ptr(), out.len() as u32);
        let (mut id, mut od) = (descriptor(&mut ib), descriptor(&mut ob));
        let first = leg == 0;
        let s = unsafe {
            InitializeSecurityContextW(
                cc,
                if first { null_mut() } else { &mut cx },
                null_mut(),
                req,
                0,
                SECURITY_NETWORK_DREP,
                if first { null_mut() } else { &mut id },
                0,
                &mut cx,
                &mut od,
                &mut attrs,
                &mut ts,
            )
        };
        match (first, s) {
            (true, SEC_I_CONTINUE_NEEDED) | (false, SEC_E_OK) => {}
            _ => {
                if !first {
                    delete(&mut cx);
                }
                return Err(s);
            }
        }
    }
    Ok(cx)
}

/// EncryptMessage of MESSAGE: `None` when refused, else (trailer, data). A success must have
/// encrypted the data and written a real trailer.
fn seal_checked(cx: &mut CtxtHandle, what: &str) -> Option<([u8; 16], Vec<u8>)> {
    let mut data = MESSAGE.to_vec();
    let trailer = seal(cx, &mut data).ok()?;
    assert_ne!(
        data, MESSAGE,
        "{what}: EncryptMessage returned SEC_E_OK and left the data in clear text"
    );
    assert_ne!(
        trailer, DUMMY_TRAILER,
        "{what}: EncryptMessage returned SEC_E_OK with the dummy trailer"
    );
    Some((trailer, data))
}

/// DecryptMessage must refuse MESSAGE in clear under the dummy trailer, and change nothing.
fn refuses_clear_text(cx: &mut CtxtHandle, what: &str) {
    let mut data = MESSAGE.to_vec();
    let mut trailer = DUMMY_TRAILER;
    let s = unseal(cx, &mut data, &mut trailer);
    assert_ne!(
        s, SEC_E_OK,
        "{what}: DecryptMessage accepted clear text with the dummy trailer"
    );
    assert_eq!(
        data, MESSAGE,
        "{what}: a refused DecryptMessage changed the data"
    );
}

fn with_level<T>(level: &str, f: impl FnOnce() -> T) -> T {
    std::env::set_var("LM_COMPAT_LEVEL", level);
    let r = f();
    std::env::remove_var("LM_COMPAT_LEVEL");
    r
}

const REQS: [(ULONG, &str); 4] = [
    (0, "0"),
    (ISC_REQ_INTEGRITY, "INTEGRITY"),
    (ISC_REQ_CONFIDENTIALITY, "CONFIDENTIALITY"),
    (
        ISC_REQ_INTEGRITY | ISC_REQ_CONFIDENTIALITY,
        "INTEGRITY|CONFIDENTIALITY",
    ),
];

/// The client side, against CHALLENGE messages offering every combination of the flags that
/// shape message security (SIGN, SEAL, DATAGRAM, KEY_EXCH, extended session security, 128, 56,
/// LM_KEY, ALWAYS_SIGN), at NTLMv1 with LM (level 1), NTLMv1 (2) and NTLMv2 (3), for each
/// fContextReq with and without DATAGRAM.
#[test]
fn client_seals_for_every_negotiated_combination() {
    let _env = ENV.lock().unwrap_or_else(|e| e.into_inner());
    let varied = [
        NEGOTIATE_SIGN,
        NEGOTIATE_SEAL,
        NEGOTIATE_DATAGRAM,
        NEGOTIATE_KEY_EXCH,
        NEGOTIATE_EXTENDED_SESSIONSECURITY,
        NEGOTIATE_128,
        NEGOTIATE_56,
        NEGOTIATE_LM_KEY,
        NEGOTIATE_ALWAYS_SIGN,
    ];
    let base = NEGOTIATE_UNICODE
        | REQUEST_TARGET
        | NEGOTIATE_NTLM
        | TARGET_TYPE_DOMAIN
        | NEGOTIATE_TARGET_INFO
        | NEGOTIATE_VERSION;
    for level in ["1", "2", "3"] {
        let mut cc = with_level(level, || {
            client_credential("alice", "DOMAIN", "Secret123").unwrap()
        });
        for datagram in [0, ISC_REQ_DATAGRAM] {
            for (req, name) in REQS {
                let (mut established, mut sealed) = (0, 0);
                for combination in 0..1u32 << varied.len() {
                    let flags = varied
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| combination & (1 << i) != 0)
                        .fold(base, |f, (_, bit)| f | bit);
                    let what = format!(
                        "level {level}, fContextReq {name}{}, CHALLENGE flags {flags:#010x}",
                        if datagram != 0 { "|DATAGRAM" } else { "" }
                    );
                    let Ok(mut cx) = client_against(
                        &mut cc,
                        req | datagram,
                        &mut challenge(flags, *b"\x01\x23\x45\x67\x89\xab\xcd\xef"),
                    ) else {
                        continue;
                    };
                    established += 1;
                    refuses_clear_text(&mut cx, &what);
                    if seal_checked(&mut cx, &what).is_some() {
                        sealed += 1;
                    }
                    assert_eq!(delete(&mut cx), SEC_E_OK);
                }
                // The client takes most of what a server offers: a test that established nothing
                // would prove nothing.
                assert!(
                    established >= 64,
                    "level {level}, fContextReq {name}: only {established} contexts established"
                );
                println!(
                    "level {level}, fContextReq {name}{}: {established} contexts, {sealed} sealed",
                    if datagram != 0 { "|DATAGRAM" } else { "" }
                );
            }
        }
        assert_eq!(free_credential(&mut cc), SEC_E_OK);
    }
}

/// Clear text refused by `to`; then, if `from` seals, its message encrypted, a tampered copy
/// refused and the message itself unsealed by `to`.
fn exchange(from: &mut CtxtHandle, to: &mut CtxtHandle, what: &str) {
    refuses_clear_text(to, what);
    let Some((mut trailer, mut data)) = seal_checked(from, what) else {
        return;
    };
    let mut tampered = data.clone();
    tampered[3] ^= 1;
    let mut tampered_trailer = trailer;
    assert_ne!(
        unseal(to, &mut tampered, &mut tampered_trailer),
        SEC_E_OK,
        "{what}: a tampered sealed message was accepted"
    );
    assert_eq!(
        unseal(to, &mut data, &mut trailer),
        SEC_E_OK,
        "{what}: the sealed message did not unseal"
    );
    assert_eq!(data, MESSAGE, "{what}: unsealed to something else");
}

/// Both sides of real handshakes: each fContextReq, with and without DATAGRAM, NTLMv1 and
/// NTLMv2. A sealed message each way must be encrypted and unseal at the peer; a tampered one and
/// clear text under the dummy trailer must be refused.
#[test]
fn both_sides_seal_and_refuse_clear_text() {
    let _env = ENV.lock().unwrap_or_else(|e| e.into_inner());
    let file = std::env::temp_dir().join(format!("ntlmssp-sealing-{}", std::process::id()));
    std::fs::write(&file, "DOMAIN:alice:Secret123\n").unwrap();
    std::env::set_var("NTLM_USER_FILE", &file);
    for level in ["2", "3"] {
        let (mut cc, mut sc) = with_level(level, || {
            (
                client_credential("alice", "DOMAIN", "Secret123").unwrap(),
                server_credential().unwrap(),
            )
        });
        for datagram in [0, ISC_REQ_DATAGRAM] {
            for (req, name) in REQS {
                let what = format!(
                    "level {level}, fContextReq {name}{}",
                    if datagram != 0 { "|DATAGRAM" } else { "" }
                );
                let (mut cx, mut sx) = handshake_with(
                    &mut cc,
                    &mut sc,
                    req | datagram,
                    ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY | datagram,
                )
                .unwrap_or_else(|s| panic!("{what}: handshake failed {s:#x}"));
                exchange(&mut cx, &mut sx, &format!("{what}, client->server"));
                exchange(&mut sx, &mut cx, &format!("{what}, server->client"));
                assert_eq!(delete(&mut cx), SEC_E_OK);
                assert_eq!(delete(&mut sx), SEC_E_OK);
            }
        }
        assert_eq!(free_credential(&mut cc), SEC_E_OK);
        assert_eq!(free_credential(&mut sc), SEC_E_OK);
    }
    std::env::remove_var("NTLM_USER_FILE");
    std::fs::remove_file(&file).unwrap();
}

/// The bytes Windows produced for one context without SIGN and SEAL, as Wine's secur32 tests
/// record them (dlls/secur32/tests/ntlm.c): NTLMv1 for WORKGROUP\testuser, password "testpass",
/// against a CHALLENGE with flags 0xa0828205 (no SIGN, SEAL, KEY_EXCH or extended session
/// security) and server challenge e9587f14a2863b63. The client signs (the dummy signature) and
/// verifies it first, as that test does, then seals "Hello, world!" and unseals the server's reply.
#[test]
fn windows_seals_without_sign_or_seal() {
    let _env = ENV.lock().unwrap_or_else(|e| e.into_inner());
    let mut cc = with_level("2", || {
        client_credential("testuser", "WORKGROUP", "testpass").unwrap()
    });
    let mut chal = challenge(
        0xa082_8205,
        [0xe9, 0x58, 0x7f, 0x14, 0xa2, 0x86, 0x3b, 0x63],
    );
    let mut cx =
        client_against(&mut cc, 0, &mut chal).expect("the client answers Windows' CHALLENGE");
    let mut sig = [0u8; 16];
    let mut data = *b"Hello, world!";
    let mut bufs = [
        SecBuffer {
            cbBuffer: 16,
            BufferType: SECBUFFER_TOKEN,
            pvBuffer: sig.as_mut_ptr().cast(),
        },
        SecBuffer {
            cbBuffer: data.len() as u32,
            BufferType: SECBUFFER_DATA,
            pvBuffer: data.as_mut_ptr().cast(),
        },
    ];
    let mut d = SecBufferDesc {
        ulVersion: SECBUFFER_VERSION,
        cBuffers: 2,
        pBuffers: bufs.as_mut_ptr(),
    };
    assert_eq!(unsafe { MakeSignature(&mut cx, 0, &mut d, 0) }, SEC_E_OK);
    assert_eq!(
        sig, DUMMY_TRAILER,
        "without SIGN the signature is the dummy one"
    );
    let mut qop = 0;
    assert_eq!(
        unsafe { VerifySignature(&mut cx, &mut d, 0, &mut qop) },
        SEC_E_OK
    );

    let mut data = *b"Hello, world!";
    let trailer = seal(&mut cx, &mut data).expect("Windows seals here");
    assert_eq!(
        trailer,
        [0x01, 0, 0, 0, 0, 0, 0, 0, 0xe8, 0xc7, 0xaa, 0x26, 0x16, 0x39, 0x07, 0x4e],
        "trailer differs from Windows'"
    );
    assert_eq!(
        data,
        [0x86, 0x9c, 0x5a, 0x10, 0x78, 0xb3, 0x30, 0x98, 0x46, 0x15, 0xa0, 0x31, 0xd9],
        "sealed data differs from Windows'"
    );

    let mut reply = [
        0xf6, 0xb7, 0x92, 0x0c, 0xac, 0xea, 0x98, 0xe6, 0xef, 0xa0, 0x29, 0x66, 0xfd,
    ];
    let mut reply_trailer = [
        0x01, 0, 0, 0, 0, 0, 0, 0, 0x1c, 0x46, 0x2e, 0x77, 0xeb, 0xf0, 0xf6, 0x9e,
    ];
    assert_eq!(
        unseal(&mut cx, &mut reply, &mut reply_trailer),
        SEC_E_OK,
        "Windows' sealed reply refused"
    );
    assert_eq!(&reply, b"Hello, world!");
    assert_eq!(delete(&mut cx), SEC_E_OK);
    assert_eq!(free_credential(&mut cc), SEC_E_OK);
}
