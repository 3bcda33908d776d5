//! Many threads through the exported functions at once: complete handshakes and sealed messages
//! per thread (each as its own user, so a context answering for another would show), threads
//! churning credentials and throwing stale, forged and deleted handles at the library, and two
//! threads sharing one context. Nothing may crash, confuse handles or leak.

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;

use common::*;
use ntlmssp::sspi::objects::live_handles;
use ntlmssp::sspi::types::*;

const WORKERS: usize = 4;
const ROUNDS: usize = 1000;

#[test]
fn concurrent_handshakes_messages_and_handle_churn() {
    let file = std::env::temp_dir().join(format!("ntlmssp-stress-{}", std::process::id()));
    let users: String = (0..WORKERS)
        .map(|i| format!("DOMAIN:user{i}:pw-{i}\n"))
        .collect();
    std::fs::write(&file, users).unwrap();
    std::env::set_var("NTLM_USER_FILE", &file);
    let mut server = server_credential().unwrap();
    std::fs::remove_file(&file).unwrap();
    let (before_creds, before_ctxs) = live_handles();

    let server_cred = Arc::new(server);
    let stop = Arc::new(AtomicBool::new(false));
    let start = Arc::new(Barrier::new(WORKERS + 3));
    let stale_seen = Arc::new(AtomicUsize::new(0));

    let workers: Vec<_> = (0..WORKERS)
        .map(|i| {
            let (server_cred, start) = (server_cred.clone(), start.clone());
            thread::spawn(move || {
                let mut sc = *server_cred;
                let mut cc =
                    client_credential(&format!("user{i}"), "DOMAIN", &format!("pw-{i}")).unwrap();
                start.wait();
                for round in 0..ROUNDS {
                    let (mut cx, mut sx) = handshake(&mut cc, &mut sc).expect("handshake");
                    assert_eq!(
                        client_name(&mut sx).unwrap(),
                        format!("DOMAIN\\user{i}"),
                        "context confusion"
                    );
                    let plain = format!("worker {i} round {round}").into_bytes();
                    let mut data = plain.clone();
                    let mut sig = seal(&mut cx, &mut data).unwrap();
                    assert_eq!(unseal(&mut sx, &mut data, &mut sig), SEC_E_OK);
                    assert_eq!(data, plain);
                    let (mut stale_c, mut stale_s) = (cx, sx);
                    assert_eq!(delete(&mut cx), SEC_E_OK);
                    assert_eq!(delete(&mut sx), SEC_E_OK);
                    assert_eq!(delete(&mut stale_c), SEC_E_INVALID_HANDLE);
                    assert!(seal(&mut stale_s, &mut data).is_err());
                }
                assert_eq!(free_credential(&mut cc), SEC_E_OK);
            })
        })
        .collect();

    // Credentials acquired and freed as fast as possible, with double frees.
    let churn = {
        let (stop, start) = (stop.clone(), start.clone());
        thread::spawn(move || {
            start.wait();
            while !stop.load(Ordering::Relaxed) {
                let mut c = client_credential("churn", "DOMAIN", "x").unwrap();
                let mut copy = c;
                assert_eq!(free_credential(&mut c), SEC_E_OK);
                assert_eq!(free_credential(&mut copy), SEC_E_INVALID_HANDLE);
            }
        })
    };

    // Made-up handles: every slot and generation pattern near live ones must fail cleanly.
    let forger = {
        let (stop, start, stale_seen) = (stop.clone(), start.clone(), stale_seen.clone());
        thread::spawn(move || {
            start.wait();
            let mut x: usize = 0x9e37_79b9;
            while !stop.load(Ordering::Relaxed) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let mut h = SecHandle {
                    dwLower: x,
                    dwUpper: x.rotate_left(17),
                };
                // A forged handle may hit a live context only with negligible probability; even
                // then it must not crash. Count the (expected) refusals.
                if delete(&mut h) == SEC_E_INVALID_HANDLE {
                    stale_seen.fetch_add(1, Ordering::Relaxed);
                }
            }
        })
    };

    // Two threads on one context (and two on its peer): every call succeeds or fails cleanly,
    // and deleting it under running loops leaves the others with SEC_E_INVALID_HANDLE, never a
    // crash.
    let shared = {
        let (server_cred, start) = (server_cred.clone(), start.clone());
        thread::spawn(move || {
            let mut sc = *server_cred;
            let mut cc = client_credential("user0", "DOMAIN", "pw-0").unwrap();
            start.wait();
            let (cx, mut sx) = handshake(&mut cc, &mut sc).unwrap();
            let sealed = Arc::new(AtomicUsize::new(0));
            let threads: Vec<_> = (0..2)
                .map(|_| {
                    let sealed = sealed.clone();
                    thread::spawn(move || {
                        let mut h = cx;
                        loop {
                            match seal(&mut h, &mut [7u8; 100]) {
                                Ok(_) => sealed.fetch_add(1, Ordering::Relaxed),
                                Err(SEC_E_INVALID_HANDLE) => break,
                                Err(e) => panic!("unexpected status {e:#x}"),
                            };
                        }
                    })
                })
                .collect();
            // The server's context: unsealing junk (refused) and asking for the client's name,
            // in two threads, until it is deleted under them.
            let server_side: Vec<_> = (0..2)
                .map(|i| {
                    thread::spawn(move || {
                        let mut h = sx;
                        loop {
                            let status = if i == 0 {
                                unseal(&mut h, &mut [1u8; 64], &mut [2u8; 16])
                            } else {
                                client_name(&mut h).err().unwrap_or(SEC_E_OK)
                            };
                            match status {
                                SEC_E_INVALID_HANDLE => break,
                                SEC_E_OK | SEC_E_MESSAGE_ALTERED => {}
                                e => panic!("unexpected status {e:#x}"),
                            }
                        }
                    })
                })
                .collect();
            while sealed.load(Ordering::Relaxed) < 2000 {
                thread::yield_now();
            }
            let mut h = cx;
            assert_eq!(delete(&mut h), SEC_E_OK);
            for t in threads {
                t.join().unwrap();
            }
            assert_eq!(delete(&mut sx), SEC_E_OK);
            for t in server_side {
                t.join().unwrap();
            }
            assert_eq!(free_credential(&mut cc), SEC_E_OK);
        })
    };

    for w in workers {
        w.join().unwrap();
    }
    shared.join().unwrap();
    stop.store(true, Ordering::Relaxed);
    churn.join().unwrap();
    forger.join().unwrap();
    assert!(stale_seen.load(Ordering::Relaxed) > 0);

    let mut sc = *server_cred;
    assert_eq!(free_credential(&mut sc), SEC_E_OK);
    server = sc;
    let _ = server;
    assert_eq!(
        live_handles(),
        (before_creds - 1, before_ctxs),
        "handles leaked"
    );
}
