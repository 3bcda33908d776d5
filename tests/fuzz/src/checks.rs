//! The checks behind the fuzz targets, as plain functions over the crate: the targets in
//! fuzz_targets/ call them, and the crate's own tests (tests/fuzz_regressions.rs) run them on
//! every committed seed and regression input, so a crash found once stays fixed.
#![allow(clippy::missing_safety_doc)]

use ntlmssp::nlmp::crypto::Mode;
use ntlmssp::nlmp::error::Error;
use ntlmssp::nlmp::messages::{Authenticate, AvPairs, Challenge, Negotiate, Ntlmv2ClientChallenge};
use ntlmssp::nlmp::session::{Segment, SessionSecurity};
use ntlmssp::sspi::entry::*;
use ntlmssp::sspi::types::*;
use std::ptr::null_mut;
use std::sync::Arc;
use std::sync::Once;

use ntlmssp::nlmp::client::{Client, ClientOptions};
use ntlmssp::nlmp::credentials::ClientCredential;
use ntlmssp::nlmp::env::FixedEnvironment;
use ntlmssp::nlmp::policy::Policy;
use ntlmssp::nlmp::server::{Server, ServerNames};
use ntlmssp::nlmp::verifier::ServerCredential;
use ntlmssp::users::database::FileUserDatabase;

pub const USERS: &str = "DOMAIN:alice:Secret123\n:bob:hunter2\n";

fn env() -> Arc<FixedEnvironment> {
    Arc::new(FixedEnvironment {
        bytes: (1..=32).collect(),
        time: 133_000_000_000_000_000,
    })
}

/// The server every target uses: fixed randomness and clock, a small user database, the
/// given LmCompatibilityLevel.
pub fn fixed_server(level: u8) -> Server {
    let names = ServerNames {
        nb_computer: "SRV".into(),
        nb_domain: "DOMAIN".into(),
        dns_computer: "srv.example".into(),
        dns_domain: "example".into(),
        accepted_targets: vec![],
        ..Default::default()
    };
    Server::new(
        ServerCredential {
            verifier: Arc::new(FileUserDatabase::from_text(USERS)),
        },
        Arc::new(names),
        Policy {
            lm_compat_level: level,
        },
        env(),
    )
}

/// A client for alice (NTLMv2 at level 3, NTLMv1 below), signing and sealing.
pub fn fixed_client(level: u8) -> Client {
    let options = ClientOptions {
        sign: true,
        seal: true,
        workstation: "WS".into(),
        target_name: Some("HTTP/srv.example".into()),
        ..Default::default()
    };
    Client::new(
        Arc::new(ClientCredential::from_password(
            "alice",
            "DOMAIN",
            "Secret123",
        )),
        options,
        Policy {
            lm_compat_level: level,
        },
        env(),
    )
}

/// Splits fuzz input into two tokens: a 2-byte little-endian length, the first token, the rest.
pub fn two_tokens(data: &[u8]) -> (&[u8], &[u8]) {
    if data.len() < 2 {
        return (data, &[]);
    }
    let n = (u16::from_le_bytes([data[0], data[1]]) as usize).min(data.len() - 2);
    data[2..].split_at(n)
}

/// The inverse of [`two_tokens`], for seeds.
pub fn join_tokens(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut v = (a.len() as u16).to_le_bytes().to_vec();
    v.extend_from_slice(a);
    v.extend_from_slice(b);
    v
}

struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.byte(), self.byte(), self.byte(), self.byte()])
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        let n = n.min(self.0.len());
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        a.to_vec()
    }
    fn done(&self) -> bool {
        self.0.is_empty()
    }
}

/// The buffers behind one descriptor, kept alive for the call.
struct Message {
    storage: Vec<Vec<u8>>,
    buffers: Vec<SecBuffer>,
    count: u32,
}

impl Message {
    fn from(input: &mut Input) -> Message {
        let n = (input.byte() % 6) as usize;
        let mut storage = Vec::new();
        let mut shapes = Vec::new();
        for i in 0..n {
            let ty = match input.byte() % 8 {
                0 | 1 => SECBUFFER_TOKEN,
                2 | 3 => SECBUFFER_DATA,
                4 => SECBUFFER_DATA | SECBUFFER_READONLY,
                5 => SECBUFFER_DATA | SECBUFFER_READONLY_WITH_CHECKSUM,
                6 => SECBUFFER_EMPTY,
                _ => input.u32(),
            };
            let size = match input.byte() % 4 {
                0 => 16,
                1 => 0,
                _ => input.byte() as usize,
            };
            let null = input.byte() % 16 == 0;
            let mut b = input.bytes(size);
            b.resize(size, 0);
            storage.push(b);
            shapes.push((ty, size, null, i));
        }
        let mut buffers: Vec<SecBuffer> = shapes
            .iter()
            .map(|&(ty, size, null, i)| SecBuffer {
                cbBuffer: size as u32,
                BufferType: ty,
                pvBuffer: if null {
                    null_mut()
                } else {
                    storage[i].as_mut_ptr().cast()
                },
            })
            .collect();
        // A count beyond the limit is refused before the array is read.
        let count = if input.byte() % 32 == 0 {
            1000
        } else {
            buffers.len() as u32
        };
        buffers.shrink_to_fit();
        Message {
            storage,
            buffers,
            count,
        }
    }

    fn desc(&mut self) -> SecBufferDesc {
        SecBufferDesc {
            ulVersion: SECBUFFER_VERSION,
            cBuffers: self.count,
            pBuffers: if self.buffers.is_empty() {
                null_mut()
            } else {
                self.buffers.as_mut_ptr()
            },
        }
    }
}

fn users_file() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let path = std::env::temp_dir().join(format!("ntlmssp-fuzz-{}.users", std::process::id()));
        std::fs::write(&path, "DOMAIN:alice:Secret123\n").unwrap();
        std::env::set_var("NTLM_USER_FILE", &path);
    });
}

fn acquire(inbound: bool) -> CredHandle {
    let package: Vec<u16> = "NTLM\0".encode_utf16().collect();
    let (user, domain, pass): (Vec<u16>, Vec<u16>, Vec<u16>) = (
        "alice".encode_utf16().collect(),
        "DOMAIN".encode_utf16().collect(),
        "Secret123".encode_utf16().collect(),
    );
    let mut id = SEC_WINNT_AUTH_IDENTITY_W {
        User: user.as_ptr() as *mut u16,
        UserLength: 5,
        Domain: domain.as_ptr() as *mut u16,
        DomainLength: 6,
        Password: pass.as_ptr() as *mut u16,
        PasswordLength: 9,
        Flags: SEC_WINNT_AUTH_IDENTITY_UNICODE,
    };
    let mut h = SecHandle {
        dwLower: 0,
        dwUpper: 0,
    };
    let mut ts = 0;
    let use_ = if inbound {
        SECPKG_CRED_INBOUND
    } else {
        SECPKG_CRED_OUTBOUND
    };
    let auth = if inbound {
        null_mut()
    } else {
        &mut id as *mut _ as *mut _
    };
    let s = unsafe {
        AcquireCredentialsHandleW(
            null_mut(),
            package.as_ptr() as *mut u16,
            use_,
            null_mut(),
            auth,
            None,
            null_mut(),
            &mut h,
            &mut ts,
        )
    };
    assert_eq!(s, SEC_E_OK);
    h
}

/// Every decoder on arbitrary bytes; what decodes re-encodes to a canonical form that decodes
/// to the same canonical form (decode -> encode is a fixed point after one round).
pub fn messages(data: &[u8]) {
    if let Ok(m) = Negotiate::decode(data) {
        if let Ok(once) = m.encode() {
            let again = Negotiate::decode(&once)
                .expect("our NEGOTIATE decodes")
                .encode()
                .expect("re-encodes");
            assert_eq!(once, again);
        }
    }
    if let Ok(m) = Challenge::decode(data) {
        if let Ok(once) = m.encode() {
            let again = Challenge::decode(&once)
                .expect("our CHALLENGE decodes")
                .encode()
                .expect("re-encodes");
            assert_eq!(once, again);
        }
    }
    if let Ok(m) = Authenticate::decode(data) {
        if let Ok(once) = m.encode() {
            let again = Authenticate::decode(&once)
                .expect("our AUTHENTICATE decodes")
                .encode()
                .expect("re-encodes");
            assert_eq!(once, again);
        }
    }
    if let Ok(p) = AvPairs::parse(data) {
        let _ = (p.timestamp(), p.flags());
    }
    let _ = Ntlmv2ClientChallenge::decode(data);
}

/// The client answering an arbitrary CHALLENGE, at NTLMv2 and NTLMv1 levels, after its
/// NEGOTIATE and server-initiated (no NEGOTIATE).
pub fn client(data: &[u8]) {
    for level in [3u8, 1] {
        let mut c = fixed_client(level);
        let _ = c.authenticate(data, None);
        let (_, next) = c.negotiate().expect("NEGOTIATE");
        c.advance(next);
        if let Ok((auth, next)) = c.authenticate(data, Some([7; 16])) {
            assert!(auth.starts_with(b"NTLMSSP\0\x03\0\0\0"));
            c.advance(next);
            let e = c.established_mut().expect("established");
            let sig = e.session.sign(None, &[b"message"]);
            assert_eq!(sig.len(), 16);
        }
    }
}

/// The server on an arbitrary NEGOTIATE, then an arbitrary AUTHENTICATE (input: see
/// `two_tokens`). Randomness and time are fixed, so seed AUTHENTICATEs from `make_seeds` verify
/// and mutations explore the checks after the password (MIC, flags, target, session keys).
pub fn server(data: &[u8]) {
    let (negotiate, authenticate) = two_tokens(data);
    for level in [3u8, 2] {
        let mut s = fixed_server(level);
        let Ok((challenge, next)) = s.challenge(negotiate) else {
            continue;
        };
        assert!(challenge.starts_with(b"NTLMSSP\0\x02\0\0\0"));
        s.advance(next);
        match s.authenticate(authenticate, None) {
            Ok(()) => {
                let e = s.established_mut().expect("established after Ok");
                let mut data = *b"sealed by the server";
                let sig = e.session.seal(
                    None,
                    &mut [ntlmssp::nlmp::session::Segment::Seal(&mut data)],
                );
                assert_eq!(sig.len(), 16);
            }
            // A malformed token leaves the server waiting for a good one; a refusal ends it.
            Err(Error::InvalidToken) => assert!(!s.is_complete()),
            Err(_) => assert!(!s.is_complete()),
        }
    }
}

/// VerifySignature and DecryptMessage in the core on arbitrary signatures and data, over every
/// combination of negotiated flags that matters (ESS, key exchange, 56/128-bit, datagram).
pub fn session(data: &[u8]) {
    if data.len() < 4 + 16 + 16 {
        return;
    }
    let flags = u32::from_le_bytes(data[..4].try_into().unwrap());
    let key: [u8; 16] = data[4..20].try_into().unwrap();
    let signature = &data[20..36];
    let body = &data[36..];
    let seq = (flags & 1 == 1).then_some(u32::from_le_bytes([
        body.first().copied().unwrap_or(0),
        0,
        0,
        0,
    ]));
    for mode in [Mode::Client, Mode::Server] {
        let mut s = SessionSecurity::new(flags, &key, mode);
        let (a, b) = body.split_at(body.len() / 2);
        let _ = s.verify(seq, &[a, b], signature);
        let mut sealed = body.to_vec();
        let (x, y) = sealed.split_at_mut(body.len() / 3);
        let before = (x.to_vec(), y.to_vec());
        if s.unseal(
            seq,
            &mut [Segment::Seal(x), Segment::SignOnly(y)],
            signature,
        )
        .is_err()
        {
            // A refused message changes nothing the caller can see.
            assert_eq!((x.to_vec(), y.to_vec()), before);
        }
    }
}

/// The exported C functions driven by a small interpreter over the input: a sequence of calls
/// (ISC, ASC, Make/VerifySignature, Encrypt/DecryptMessage, QueryContextAttributes, delete and
/// free) on a pool of real, NULL, zero, forged and wrong-kind handles, with arbitrary tokens and
/// arbitrary SecBufferDesc shapes (counts, types, sizes, NULL buffers). Every pointer passed is
/// valid for the size it comes with, as C requires; everything else is fair game.
pub fn exports(data: &[u8]) {
    users_file();
    let mut input = Input(data);
    let mut creds = [acquire(false), acquire(true)];
    let mut contexts = [SecHandle {
        dwLower: 0,
        dwUpper: 0,
    }; 4];
    let mut steps = 0;
    while !input.done() && steps < 64 {
        steps += 1;
        let op = input.byte() % 9;
        let slot = (input.byte() % 4) as usize;
        // Which handle the call gets: a context slot, NULL, zero, forged, or a credential.
        let pick = input.byte() % 8;
        let mut forged = SecHandle {
            dwLower: input.u32() as usize,
            dwUpper: input.u32() as usize,
        };
        let ctx: *mut SecHandle = match pick {
            0..=3 => &mut contexts[pick as usize],
            4 => null_mut(),
            5 => &mut forged,
            6 => {
                forged = SecHandle {
                    dwLower: 0,
                    dwUpper: 0,
                };
                &mut forged
            }
            _ => &mut creds[(pick & 1) as usize],
        };
        let cred: *mut SecHandle = if input.byte() % 8 == 0 {
            &mut forged
        } else {
            &mut creds[(op & 1) as usize]
        };
        let req = input.u32() & !ISC_REQ_ALLOCATE_MEMORY;
        unsafe {
            match op {
                0 | 1 => {
                    let mut token = input.bytes(input.0.first().copied().unwrap_or(0) as usize * 4);
                    let mut out = vec![0u8; (input.byte() as usize) * 16];
                    let mut ib = SecBuffer {
                        cbBuffer: token.len() as u32,
                        BufferType: SECBUFFER_TOKEN,
                        pvBuffer: token.as_mut_ptr().cast(),
                    };
                    let mut ob = SecBuffer {
                        cbBuffer: out.len() as u32,
                        BufferType: SECBUFFER_TOKEN,
                        pvBuffer: out.as_mut_ptr().cast(),
                    };
                    let mut id = SecBufferDesc {
                        ulVersion: SECBUFFER_VERSION,
                        cBuffers: 1,
                        pBuffers: &mut ib,
                    };
                    let mut od = SecBufferDesc {
                        ulVersion: SECBUFFER_VERSION,
                        cBuffers: 1,
                        pBuffers: &mut ob,
                    };
                    let (mut attrs, mut ts) = (0, 0);
                    let first = input.byte() % 2 == 0;
                    let new_ctx: *mut SecHandle = &mut contexts[slot];
                    let s = if op == 0 {
                        InitializeSecurityContextW(
                            cred,
                            if first { null_mut() } else { ctx },
                            null_mut(),
                            req,
                            0,
                            0,
                            if first && token.is_empty() {
                                null_mut()
                            } else {
                                &mut id
                            },
                            0,
                            new_ctx,
                            &mut od,
                            &mut attrs,
                            &mut ts,
                        )
                    } else {
                        AcceptSecurityContext(
                            cred,
                            if first { null_mut() } else { ctx },
                            &mut id,
                            req,
                            0,
                            new_ctx,
                            &mut od,
                            &mut attrs,
                            &mut ts,
                        )
                    };
                    assert!(
                        ob.cbBuffer as usize <= out.len(),
                        "wrote past the output buffer ({s:#x})"
                    );
                }
                2..=5 => {
                    let mut m = Message::from(&mut input);
                    let mut d = m.desc();
                    let seq = input.u32();
                    let mut qop = 0x5a5a_5a5a;
                    let s = match op {
                        2 => MakeSignature(ctx, 0, &mut d, seq),
                        3 => VerifySignature(ctx, &mut d, seq, &mut qop),
                        4 => EncryptMessage(
                            ctx,
                            if input.byte() % 8 == 0 {
                                SECQOP_WRAP_NO_ENCRYPT
                            } else {
                                0
                            },
                            &mut d,
                            seq,
                        ),
                        _ => DecryptMessage(ctx, &mut d, seq, &mut qop),
                    };
                    assert_eq!(qop, 0x5a5a_5a5a, "pfQOP written ({s:#x})");
                    for (b, s) in m.buffers.iter().zip(&m.storage) {
                        assert!(b.cbBuffer as usize <= s.len().max(16));
                    }
                }
                6 => {
                    let mut out = [0u64; 16];
                    let attr = [
                        SECPKG_ATTR_SIZES,
                        SECPKG_ATTR_FLAGS,
                        SECPKG_ATTR_LIFESPAN,
                        SECPKG_ATTR_NAMES,
                    ][slot];
                    if QueryContextAttributesW(ctx, attr, out.as_mut_ptr().cast()) == SEC_E_OK
                        && attr == SECPKG_ATTR_NAMES
                    {
                        assert_eq!(FreeContextBuffer(out[0] as usize as *mut _), SEC_E_OK);
                    }
                }
                7 => {
                    DeleteSecurityContext(ctx);
                }
                _ => {
                    FreeCredentialsHandle(ctx);
                }
            }
        }
    }
    unsafe {
        for c in &mut contexts {
            DeleteSecurityContext(c);
        }
        for c in &mut creds {
            FreeCredentialsHandle(c);
        }
    }
}

/// SPNEGO: the hand-written codec agrees with `der`'s; a token that decodes re-encodes to
/// exactly the input (strict DER; the MechTypeList is kept as received) and decodes again to
/// the same token. Then the input goes to each leg
/// of the Negotiate acceptor and initiator, after a real exchange up to that leg.
pub fn spnego(data: &[u8]) {
    use ntlmssp::spnego::codec::Token;
    use ntlmssp::spnego::context::{Acceptor, Initiator};
    // The hand-written reader and writer (src/spnego/wire.rs) against `der`, the reference:
    // the same verdict, the same token, the same bytes.
    let decoded = Token::decode(data);
    assert_eq!(
        decoded.as_ref().ok(),
        Token::decode_der(data).as_ref().ok(),
        "the hand-written reader agrees with der"
    );
    if let Ok(t) = decoded {
        let once = t.encode().expect("a decoded token encodes");
        assert_eq!(once, data, "decode -> encode gives the input back");
        assert_eq!(
            once,
            t.encode_der().expect("der encodes it"),
            "the hand-written writer agrees with der"
        );
        assert_eq!(Token::decode(&once).expect("our encoding decodes"), t);
    }
    // The acceptor's first leg, and the initiator's second, on the input.
    let fresh = Acceptor::new(fixed_server(3));
    let _ = fresh.step(data);
    let mut i = Initiator::new(fixed_client(3));
    let (init, next) = i.step(None, None).expect("the first token");
    i.advance(next);
    let _ = i.step(Some(data), None);
    // The acceptor's AUTHENTICATE leg and the initiator's final leg on the input.
    let mut a = Acceptor::new(fixed_server(3));
    let (challenge, next) = a
        .step(&init)
        .expect("the initiator's NegTokenInit is accepted");
    a.advance(next);
    let (_, next) = i
        .step(Some(&challenge), None)
        .expect("the CHALLENGE is answered");
    i.advance(next);
    let _ = a.authenticate(data, None);
    let _ = i.step(Some(data), None);
}

/// ntlmssp-decode's description (src/inspect/describe.rs) on arbitrary bytes, as a raw message and
/// as lines of text input: never a panic; a description renders as text and as JSON that
/// parses back; a refusal names a field; and the description agrees with the core decoders
/// (what they refuse is never described as a message).
pub fn decode(data: &[u8]) {
    use ntlmssp::inspect::describe::{describe, parse_input, Description};
    use ntlmssp::nlmp::messages;
    let check = |token: &[u8]| match describe(token) {
        Ok(d) => {
            assert!(!d.to_text().is_empty());
            let json = d.to_json().to_string();
            let parsed: serde_json::Value = serde_json::from_str(&json).expect("JSON parses");
            assert_eq!(parsed, d.to_json());
            if let Description::Ntlm(_) = d {
                let decoded = match messages::message_type(token) {
                    Ok(messages::NEGOTIATE_MESSAGE_TYPE) => Negotiate::decode(token).is_ok(),
                    Ok(messages::CHALLENGE_MESSAGE_TYPE) => Challenge::decode(token).is_ok(),
                    Ok(messages::AUTHENTICATE_MESSAGE_TYPE) => Authenticate::decode(token).is_ok(),
                    _ => false,
                };
                assert!(decoded, "described a message the decoders refuse");
            }
        }
        Err(e) => {
            assert!(!e.field.is_empty());
            let _ = e.to_string();
        }
    };
    check(data);
    for line in String::from_utf8_lossy(data).lines() {
        if let Ok(token) = parse_input(line) {
            check(&token);
        }
    }
}
