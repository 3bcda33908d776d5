//! Servers with many users: the handshake through the exported functions against user files of
//! 1 to 1,000,001 entries (the logging-in user last), the cost of acquiring the server
//! credential on each, the heap an entry holds, and threads sharing one server credential.

use std::path::PathBuf;
use std::time::Instant;

use ntlmssp::users::database::FileUserDatabase;
use ntlmssp::sspi::entry::*;
use ntlmssp::sspi::types::*;

use crate::{alloc_count, human, rate, Config, DOMAIN, PASSWORD, USER};

/// A user file of `n` entries: `n - 1` other users, then the benchmark's user.
fn write_file(n: usize) -> PathBuf {
    let path = std::env::temp_dir().join(format!("ntlmssp-bench-{}-{n}.users", std::process::id()));
    let mut text = String::with_capacity(n * 32);
    for i in 0..n - 1 {
        text += &format!("{DOMAIN}:user{i:07}:password-{i}\n");
    }
    text += &format!("{DOMAIN}:{USER}:{PASSWORD}\n");
    std::fs::write(&path, text).unwrap();
    path
}

/// A server credential on a file of `n` users; the seconds AcquireCredentialsHandle took and
/// the heap it holds.
fn server_credential(n: usize) -> (CredHandle, f64, usize) {
    let path = write_file(n);
    std::env::set_var("NTLM_USER_FILE", &path);
    let before = alloc_count::live_bytes();
    let start = Instant::now();
    let cred = crate::common::server_credential().expect("server credential");
    let secs = start.elapsed().as_secs_f64();
    let held = alloc_count::live_bytes().saturating_sub(before);
    std::fs::remove_file(&path).unwrap();
    (cred, secs, held)
}

/// The user-count table.
pub fn table(cfg: &Config, large: bool) {
    let mut counts = vec![1usize, 10_001, 100_001];
    if large {
        counts.push(1_000_001);
    }
    let client = crate::common::client_credential(USER, DOMAIN, PASSWORD).expect("client credential");
    let saved = std::env::var_os("NTLM_USER_FILE");
    let servers: Vec<(usize, CredHandle, f64, usize)> = counts
        .iter()
        .map(|&n| {
            let (cred, secs, held) = server_credential(n);
            (n, cred, secs, held)
        })
        .collect();
    if let Some(p) = saved {
        std::env::set_var("NTLM_USER_FILE", p);
    }
    // First login on each (derives that entry's hashes), timed alone.
    let first_login: Vec<f64> = servers
        .iter()
        .map(|(_, s, _, _)| {
            let start = Instant::now();
            crate::abi::handshake_with(client, *s);
            start.elapsed().as_secs_f64()
        })
        .collect();
    // Alternating rounds: each round measures every file size once, so a slow spell of the
    // machine weighs on all of them; ratios are medians of per-round ratios.
    let rounds: Vec<Vec<f64>> =
        (0..cfg.runs.max(3)).map(|_| servers.iter().map(|(_, s, _, _)| rate(1, cfg.window, 1, || crate::abi::handshake_with(client, *s))).collect()).collect();
    let median = |mut v: Vec<f64>| {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        v[v.len() / 2]
    };
    println!("## Users in the server's file (the user logging in is the last line), full handshake through the C ABI, one thread");
    println!(
        "| users in the file | handshakes/s | vs 1 user | AcquireCredentialsHandle(INBOUND) | heap per entry | first login (derives the entry's hashes) |"
    );
    println!("|---:|---:|---:|---:|---:|---:|");
    for (i, (n, _, secs, held)) in servers.iter().enumerate() {
        let r = median(rounds.iter().map(|r| r[i]).collect());
        let vs = median(rounds.iter().map(|r| r[i] / r[0]).collect());
        println!("| {n} | {} | {vs:.2}x | {:.1} ms | {:.0} B | {:.1} µs |", human(r), secs * 1e3, *held as f64 / *n as f64, first_login[i] * 1e6);
    }
    let text: String = (0..100_000).map(|i| format!("{DOMAIN}:user{i:07}:password-{i}\n")).collect();
    let db = FileUserDatabase::from_text(&text);
    println!(
        "(heap per entry: its line of the file plus {:.0} B of spans, index slots and hash slot; its derived hashes add {} B from its first login)\n",
        db.index_bytes_per_entry(),
        derived_bytes()
    );
    for (_, mut s, _, _) in servers {
        unsafe { FreeCredentialsHandle(&mut s) };
    }
    let mut c = client;
    unsafe { FreeCredentialsHandle(&mut c) };
}

/// Heap an entry's derived hashes hold (NT hash and NTOWFv2 key), measured on a first login.
fn derived_bytes() -> usize {
    use ntlmssp::nlmp::verifier::NtHashSource;
    let db = FileUserDatabase::from_text(&format!("{DOMAIN}:{USER}:{PASSWORD}\n"));
    let before = alloc_count::live_bytes();
    let k = db.response_key_nt(USER, DOMAIN);
    let held = alloc_count::live_bytes() - before;
    drop(k);
    held
}

/// AcquireCredentialsHandle(INBOUND) on a file of `n` users, once (for profilers); prints the time.
pub fn profile_acquire(n: usize) {
    let (mut cred, secs, held) = server_credential(n);
    println!("{n} users: AcquireCredentialsHandle {:.1} ms, {held} B held", secs * 1e3);
    unsafe { FreeCredentialsHandle(&mut cred) };
}

/// Points `NTLM_USER_FILE` at a file of `n` users (the benchmark's user last), for profiling
/// handshakes against it; the file stays until the process ends.
pub fn use_file_of(n: usize) {
    std::env::set_var("NTLM_USER_FILE", write_file(n));
}
