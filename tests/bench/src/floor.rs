//! The crypto floor: one handshake's cryptographic operations on both sides with the library's
//! own primitives (`ntlmssp::nlmp::crypto`), and nothing else: no parsing, allocation, handles
//! or state machines. What ntlmssp spends above this is overhead.

use std::hint::black_box;


use ntlmssp::nlmp::crypto::{self, Mode, Rc4};
use ntlmssp::nlmp::env::{Environment, SystemEnvironment};
use ntlmssp::nlmp::flags;

use crate::{rate, Config, Rounds, DOMAIN, PASSWORD, USER};

/// Flags of the benchmark's handshake: NTLMv2 with ESS, 128-bit, key exchange, sign and seal.
const FLAGS: u32 = flags::NEGOTIATE_UNICODE
    | flags::NEGOTIATE_SIGN
    | flags::NEGOTIATE_SEAL
    | flags::NEGOTIATE_NTLM
    | flags::NEGOTIATE_ALWAYS_SIGN
    | flags::NEGOTIATE_EXTENDED_SESSIONSECURITY
    | flags::NEGOTIATE_TARGET_INFO
    | flags::NEGOTIATE_128
    | flags::NEGOTIATE_KEY_EXCH;

struct Fixed {
    ntowfv2: crypto::HmacMd5Key,
    blob: Vec<u8>,
    negotiate: Vec<u8>,
    challenge: Vec<u8>,
    authenticate: Vec<u8>,
}

fn fixed() -> &'static Fixed {
    static F: std::sync::OnceLock<Fixed> = std::sync::OnceLock::new();
    F.get_or_init(|| {
        // Sizes as in the real handshake: a 40-byte NEGOTIATE, a CHALLENGE with the usual
        // TargetInfo, a blob with the server's pairs plus flags/target/bindings, and the
        // AUTHENTICATE carrying it.
        Fixed {
            ntowfv2: crypto::HmacMd5Key::new(&crypto::NTOWFv2(&crypto::NTOWFv1(PASSWORD), USER, DOMAIN)),
            blob: vec![0x11; 28 + 150 + 60],
            negotiate: vec![0x22; 40],
            challenge: vec![0x33; 56 + 150],
            authenticate: vec![0x44; 88 + 24 + 16 + 238 + 40],
        }
    })
}

/// Client and server crypto of one handshake, as ntlmssp does it: NTOWFv2 is a ready HMAC key
/// per credential, randomness comes from the library's pooled source, and the signing and
/// sealing keys are derived on a context's first message, not in the handshake.
pub fn handshake_crypto() {
    let f = fixed();
    let env = SystemEnvironment;
    // Randomness: the server's challenge, the client's challenge and session key.
    let mut server_challenge = [0u8; 8];
    env.random(&mut server_challenge);
    let mut client_random = [0u8; 24];
    env.random(&mut client_random);
    let random_session_key: [u8; 16] = client_random[8..].try_into().unwrap();
    for side in [Mode::Client, Mode::Server] {
        // NTProofStr (client computes, server recomputes), SessionBaseKey = KeyExchangeKey.
        let proof = crypto::ntlmv2_nt_proof_str(&f.ntowfv2, &server_challenge, &f.blob);
        let kxkey = crypto::session_base_key_v2(&f.ntowfv2, &proof);
        // The session key crosses encrypted (one RC4 key schedule each side).
        let exported = crypto::rc4k(&kxkey, &random_session_key);
        // The MIC (computed by the client, verified by the server).
        black_box(crypto::MIC(&exported, &f.negotiate, &f.challenge, &f.authenticate));
        black_box(side);
    }
}

/// What a context's first signed or sealed message adds: SIGNKEY and SEALKEY for both
/// directions, their HMAC pads and RC4 states.
pub fn first_message_keys() {
    let exported = [9u8; 16];
    for mode in [Mode::Client, Mode::Server] {
        let k = crypto::SIGNKEY(FLAGS, &exported, mode).unwrap();
        black_box(crypto::HmacMd5Key::new(&k));
        let seal = crypto::SEALKEY(FLAGS, &exported, mode);
        black_box(Rc4::new(seal.as_slice()));
    }
}

/// The crypto floor of one signed message each way: what MakeSignature and VerifySignature
/// compute with extended session security and key exchange (3.4.4.2), HMAC_MD5(SigningKey,
/// SeqNum || message) with the key's pads hashed in advance and its first 8 bytes through the
/// sealing key's RC4 stream, once on each side, on the same bytes; no handles, buffers or
/// session state.
pub fn sign_verify(size: usize) -> Box<dyn FnMut()> {
    let keys = MessageKeys::new();
    let data = vec![0x5au8; size];
    let (mut tx, mut rx) = (Rc4::new(&keys.seal), Rc4::new(&keys.seal));
    let mut seq = 0u32;
    Box::new(move || {
        for rc4 in [&mut tx, &mut rx] {
            let mut m = keys.sign.start();
            m.update(&seq.to_le_bytes());
            m.update(black_box(&data));
            let mut mac = m.finalize();
            rc4.apply(&mut mac[..8]);
            black_box(mac);
        }
        seq = seq.wrapping_add(1);
    })
}

/// The crypto floor of one sealed message each way (EncryptMessage, DecryptMessage): the same
/// MAC over the plaintext, the message through RC4 (interleaved with the MAC, as the library's
/// primitives do it), then the checksum; on the receiving side decrypt-then-MAC.
pub fn seal_unseal(size: usize) -> Box<dyn FnMut()> {
    let keys = MessageKeys::new();
    let mut data = vec![0x5au8; size];
    let (mut tx, mut rx) = (Rc4::new(&keys.seal), Rc4::new(&keys.seal));
    let mut seq = 0u32;
    Box::new(move || {
        for (rc4, sending) in [(&mut tx, true), (&mut rx, false)] {
            let mut m = keys.sign.start();
            m.update(&seq.to_le_bytes());
            if sending {
                m.seal_update(black_box(&mut data), rc4);
            } else {
                m.unseal_update(black_box(&mut data), rc4);
            }
            let mut mac = m.finalize();
            rc4.apply(&mut mac[..8]);
            black_box(mac);
        }
        seq = seq.wrapping_add(1);
    })
}

/// One direction's signing key (as a ready HMAC key) and sealing key.
struct MessageKeys {
    sign: crypto::HmacMd5Key,
    seal: Vec<u8>,
}

impl MessageKeys {
    fn new() -> Self {
        let exported = [9u8; 16];
        let sign = crypto::SIGNKEY(FLAGS, &exported, Mode::Client).unwrap();
        MessageKeys { sign: crypto::HmacMd5Key::new(&sign), seal: crypto::SEALKEY(FLAGS, &exported, Mode::Client).as_slice().to_vec() }
    }
}

/// One of the 64 KiB primitives by name (md5, seal, unseal, rc4), as a closure: each call
/// processes the 64 KiB once.
pub fn primitive(name: &str) -> Box<dyn FnMut()> {
    let mut data = vec![0xa5u8; 65536];
    let key = [7u8; 16];
    let mut rc4 = Rc4::new(&key);
    let mac = crypto::HmacMd5Key::new(&key);
    match name {
        "md5" => Box::new(move || {
            let mut h = ntlmssp::nlmp::digest::Md5::new();
            h.update(black_box(&data));
            black_box(h.finalize());
        }),
        // HMAC over the plaintext, RC4 over the message, one pass (what EncryptMessage does).
        "seal" => Box::new(move || {
            let mut m = mac.start();
            m.update(&[0; 4]);
            m.seal_update(black_box(&mut data), &mut rc4);
            black_box(m.finalize());
        }),
        // RC4, then HMAC over the plaintext (DecryptMessage).
        "unseal" => Box::new(move || {
            let mut m = mac.start();
            m.update(&[0; 4]);
            m.unseal_update(black_box(&mut data), &mut rc4);
            black_box(m.finalize());
        }),
        "rc4" => Box::new(move || rc4.apply(black_box(&mut data))),
        _ => panic!("unknown primitive {name}"),
    }
}

/// The primitives on their own. MD5, sealing, unsealing and RC4 at 64 KiB are measured in
/// alternating rounds ([`Rounds`]), and each ratio to MD5 is the median of the per-round
/// ratios.
pub fn primitives(cfg: &Config) {
    let data = vec![0xa5u8; 65536];
    let key = [7u8; 16];
    let names = ["md5", "seal", "unseal", "rc4"];
    let mut loops: Vec<Box<dyn FnMut()>> = names.iter().map(|n| primitive(n)).collect();
    let rounds = Rounds::measure(cfg, &mut loops);
    let mb = |k: usize| rounds.median(|r| r[k]) * 65536.0 / 1e6;
    let vs_md5 = |k: usize| rounds.median(|r| r[k] / r[0]);
    let ksa = rate(cfg.runs, cfg.window, 1, || {
        black_box(Rc4::new(black_box(&key)));
    });
    let hmac = rate(cfg.runs, cfg.window, 1, || {
        black_box(crypto::hmac_md5(&key, &[black_box(&data[..64])]));
    });
    let stock_md5 = rate(cfg.runs, cfg.window, 1, || {
        use md5::Digest;
        black_box(md5::Md5::digest(black_box(&data)));
    });
    let mut buf = data.clone();
    let mut stock_rc4 = {
        use rc4::cipher::KeyInit;
        rc4::Rc4::new_from_slice(&key).unwrap()
    };
    let stock_stream = rate(cfg.runs, cfg.window, 1, || {
        use rc4::cipher::StreamCipher;
        stock_rc4.apply_keystream(black_box(&mut buf));
    });
    let stock_ksa = rate(cfg.runs, cfg.window, 1, || {
        use rc4::cipher::KeyInit;
        black_box(rc4::Rc4::new_from_slice(black_box(&key)).unwrap());
    });
    let mut r = [0u8; 24];
    let random = rate(cfg.runs, cfg.window, 1, || getrandom::fill(black_box(&mut r)).unwrap());
    println!("| primitive | rate | vs MD5 (same rounds) |");
    println!("|---|---:|---:|");
    println!("| MD5, ntlmssp (digest::Md5), 64 KiB | {:.0} MB/s | 1.00 |", mb(0));
    println!("| sealing: HMAC-MD5 + RC4 interleaved (Md5::seal_update), 64 KiB | {:.0} MB/s | {:.2} |", mb(1), vs_md5(1));
    println!("| unsealing: RC4 + HMAC-MD5 interleaved (Md5::unseal_update), 64 KiB | {:.0} MB/s | {:.2} |", mb(2), vs_md5(2));
    println!("| RC4 stream, ntlmssp, 64 KiB | {:.0} MB/s | {:.2} |", mb(3), vs_md5(3));
    println!("| MD5, md-5 crate (stock), 64 KiB | {:.0} MB/s | |", stock_md5 * 65536.0 / 1e6);
    println!("| RC4 stream, rc4 crate (stock), 64 KiB | {:.0} MB/s | |", stock_stream * 65536.0 / 1e6);
    println!("| RC4 key schedule, ntlmssp | {:.3} µs | |", 1e6 / ksa);
    println!("| RC4 key schedule, rc4 crate (stock) | {:.3} µs | |", 1e6 / stock_ksa);
    println!("| HMAC-MD5 of 64 bytes, ntlmssp | {:.3} µs | |", 1e6 / hmac);
    println!("| getrandom, 24 bytes | {:.3} µs | |", 1e6 / random);
    println!("(64 KiB rows: {} rounds with the other cores idle, from which the figures are when there are 3 or more)", rounds.note());
}
