//! Secrets do not outlive their objects in freed heap memory: every block this test process
//! frees is scanned for the password (UTF-8 and UTF-16LE), its NT hash, NTOWFv2 and the session
//! key, while credentials and contexts go through their whole life via the exported functions.
//! (Stack residue and the caller's own copies are outside what this can observe.)

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

mod common;

use common::*;
use ntlmssp::nlmp::crypto;
use ntlmssp::sspi::entry::*;
use ntlmssp::sspi::types::*;

/// Up to four byte strings to look for in freed blocks; a block containing one is counted.
struct Scanner;

const MAX_NEEDLES: usize = 4;
const NEEDLE_LEN: usize = 64;
static NEEDLES: Mutex<[(usize, [u8; NEEDLE_LEN]); MAX_NEEDLES]> =
    Mutex::new([(0, [0; NEEDLE_LEN]); MAX_NEEDLES]);
static ARMED: AtomicUsize = AtomicUsize::new(0);
static HITS: AtomicUsize = AtomicUsize::new(0);
/// Which needle (high half) and block size (low half) were last found, for the failure message.
static LAST_HIT: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Scanner {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ARMED.load(Ordering::Relaxed) != 0 {
            // try_lock: the needle table's own lock never allocates, but never wait in dealloc.
            if let Ok(needles) = NEEDLES.try_lock() {
                let block = std::slice::from_raw_parts(ptr, layout.size());
                for (i, (len, n)) in needles.iter().enumerate().filter(|(_, (len, _))| *len > 0) {
                    if block.windows(*len).any(|w| w == &n[..*len]) {
                        HITS.fetch_add(1, Ordering::Relaxed);
                        LAST_HIT.store((i << 32) | layout.size(), Ordering::Relaxed);
                    }
                }
            }
        }
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static GLOBAL: Scanner = Scanner;

/// One test at a time touches the needles.
static SERIAL: parking_lot::Mutex<()> = parking_lot::Mutex::new(());

fn arm(needles: &[&[u8]]) {
    let mut t = NEEDLES.lock().unwrap();
    *t = [(0, [0; NEEDLE_LEN]); MAX_NEEDLES];
    for (slot, n) in t.iter_mut().zip(needles) {
        slot.0 = n.len();
        slot.1[..n.len()].copy_from_slice(n);
    }
    drop(t);
    HITS.store(0, Ordering::SeqCst);
    ARMED.store(1, Ordering::SeqCst);
}

fn disarm() -> usize {
    ARMED.store(0, Ordering::SeqCst);
    let hits = HITS.load(Ordering::SeqCst);
    if hits > 0 {
        let last = LAST_HIT.load(Ordering::SeqCst);
        eprintln!(
            "{hits} freed block(s) held a secret; last: needle {} in a block of {} bytes",
            last >> 32,
            last & 0xffff_ffff
        );
    }
    hits
}

const PASSWORD: &str = "Zq9-unique-Passw0rd-4711";

fn utf16le(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect()
}

#[test]
fn freed_credentials_hold_no_password_or_hash() {
    let _serial = SERIAL.lock();
    let nt_hash = crypto::NTOWFv1(PASSWORD);
    let ntowfv2 = crypto::NTOWFv2(&nt_hash, "alice", "DOMAIN");
    let pw16 = utf16le(PASSWORD); // freed after disarm(): a needle is no finding
    arm(&[PASSWORD.as_bytes(), &pw16, &nt_hash, &ntowfv2]);
    let mut h = client_credential("alice", "DOMAIN", PASSWORD).unwrap();
    assert_eq!(free_credential(&mut h), SEC_E_OK);
    assert_eq!(
        disarm(),
        0,
        "a freed block held the password or a hash derived from it"
    );
}

#[test]
fn the_scanner_sees_a_secret_left_behind() {
    // The check above could pass vacuously if the scanner saw nothing: a plain Vec holding the
    // password, dropped without zeroizing, must be found.
    let _serial = SERIAL.lock();
    arm(&[PASSWORD.as_bytes()]);
    let leaked = PASSWORD.as_bytes().to_vec();
    drop(std::hint::black_box(leaked));
    assert!(disarm() > 0);
}

#[test]
fn deleted_contexts_hold_no_session_key() {
    let _serial = SERIAL.lock();
    let file = std::env::temp_dir().join(format!("ntlmssp-secrets-{}", std::process::id()));
    std::fs::write(&file, format!("DOMAIN:alice:{PASSWORD}\n")).unwrap();
    std::env::set_var("NTLM_USER_FILE", &file);
    let nt_hash = crypto::NTOWFv1(PASSWORD);
    let pw16 = utf16le(PASSWORD);
    // The server's user database reads the file and keeps only hashes.
    arm(&[PASSWORD.as_bytes(), &pw16, &nt_hash]);
    let mut cc = client_credential("alice", "DOMAIN", PASSWORD).unwrap();
    let mut sc = server_credential().unwrap();
    std::fs::remove_file(&file).unwrap();
    let (mut cx, mut sx) = handshake(&mut cc, &mut sc).unwrap();
    let mut key = SecPkgContext_SessionKey {
        SessionKeyLength: 0,
        SessionKey: std::ptr::null_mut(),
    };
    let session_key = unsafe {
        assert_eq!(
            QueryContextAttributesW(
                &mut sx,
                SECPKG_ATTR_SESSION_KEY,
                &mut key as *mut _ as *mut _
            ),
            SEC_E_OK
        );
        let k = std::slice::from_raw_parts(key.SessionKey, key.SessionKeyLength as usize).to_vec();
        FreeContextBuffer(key.SessionKey.cast());
        k
    };
    assert_eq!(session_key.len(), 16);
    assert_eq!(disarm(), 0, "a freed block held the password or NT hash");
    arm(&[PASSWORD.as_bytes(), &pw16, &nt_hash, &session_key]);
    // Sealing once puts the keys and RC4 states to work before they are freed.
    seal(&mut cx, &mut b"some data to seal".to_vec()).unwrap();
    assert_eq!(delete(&mut cx), SEC_E_OK);
    assert_eq!(delete(&mut sx), SEC_E_OK);
    assert_eq!(free_credential(&mut cc), SEC_E_OK);
    assert_eq!(free_credential(&mut sc), SEC_E_OK);
    assert_eq!(
        disarm(),
        0,
        "a freed block held the session key, password or NT hash"
    );
}
