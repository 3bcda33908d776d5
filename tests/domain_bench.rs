//! The domain benchmark (tests/domain/bench.sh runs it inside the test domain): logons per second
//! against the local DC at 1 and 2 threads, in one run, for
//! - ntlmssp through the exported functions: full NTLMv2 handshakes (ISC, ASC, ISC, ASC, both
//!   contexts deleted), the server credential on the domain route;
//! - libwbclient alone (tests/domain/bench_peers.c `wbc`): wbcCtxAuthenticateUserEx of 64
//!   responses in turn, the round trip every domain logon makes, with nothing around it;
//! - ntlmssp's libwbclient binding alone (`Winbind::authenticate_response`: its worker threads);
//! - gss-ntlmssp's winbind route (bench_peers.c `gss`: full handshakes through GSSAPI);
//! - Samba's `ntlm_auth --helper-protocol=squid-2.5-ntlmssp` (its winbind route), one helper per
//!   thread, driven over its pipe with NTLMSSP messages made by ntlmssp's core client;
//! - ntlmssp's same handshake against a user file: its own share of a logon, without the DC.
//!
//! Printed, never judged. `NTLMSSP_BENCH_WINDOW_MS` (default 2000) sets each measurement's
//! window, `NTLMSSP_BENCH_PEERS` the bench_peers binary (rows without it are left out).
#![cfg(unix)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::ptr::null_mut;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use common::*;
use ntlmssp::nlmp::client::{Client, ClientOptions};
use ntlmssp::nlmp::credentials::ClientCredential;
use ntlmssp::nlmp::env::SystemEnvironment;
use ntlmssp::nlmp::messages::{Authenticate, Challenge};
use ntlmssp::nlmp::policy::Policy;
use ntlmssp::sspi::entry::*;
use ntlmssp::sspi::types::*;
use ntlmssp::sspi::winbind::Winbind;

const PASSWORD: &str = "Secret123";

fn window() -> Duration {
    Duration::from_millis(
        std::env::var("NTLMSSP_BENCH_WINDOW_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(2000),
    )
}

/// Logons per second of `one` on `threads` threads (each with its own state from `init`), over
/// the window after a warm-up of a fifth of it. None when a logon failed.
fn rate<S>(
    threads: usize,
    init: impl Fn() -> S + Sync,
    one: impl Fn(&mut S) -> bool + Sync,
) -> Option<f64> {
    let w = window();
    let count = AtomicU64::new(0);
    let failed = AtomicBool::new(false);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                let mut state = init();
                let start = Instant::now();
                while start.elapsed() < w / 5 {
                    if !one(&mut state) {
                        failed.store(true, Ordering::Relaxed);
                        return;
                    }
                }
                let start = Instant::now();
                let mut n = 0;
                while start.elapsed() < w {
                    if !one(&mut state) {
                        failed.store(true, Ordering::Relaxed);
                        return;
                    }
                    n += 1;
                }
                count.fetch_add(n, Ordering::Relaxed);
            });
        }
    });
    (!failed.load(Ordering::Relaxed))
        .then(|| count.load(Ordering::Relaxed) as f64 / w.as_secs_f64())
}

fn core_client() -> Client {
    Client::new(
        Arc::new(ClientCredential::from_password(
            "alice", "EXAMPLE", PASSWORD,
        )),
        ClientOptions {
            sign: true,
            seal: true,
            workstation: "BENCH".into(),
            ..Default::default()
        },
        Policy { lm_compat_level: 3 },
        Arc::new(SystemEnvironment),
    )
}

/// The first AcceptSecurityContext leg on `sc`: the CHALLENGE for `negotiate`.
fn challenge_from(sc: &mut CredHandle, negotiate: &[u8]) -> Vec<u8> {
    let mut input = negotiate.to_vec();
    let mut out = vec![0u8; 4096];
    let mut ib = token_buffer(input.as_mut_ptr(), input.len());
    let mut ob = token_buffer(out.as_mut_ptr(), out.len());
    let (mut id, mut od) = (descriptor(&mut ib), descriptor(&mut ob));
    let (mut sx, mut attrs, mut ts) = (NO_HANDLE, 0, 0);
    let s = unsafe {
        AcceptSecurityContext(
            sc,
            null_mut(),
            &mut id,
            0,
            0,
            &mut sx,
            &mut od,
            &mut attrs,
            &mut ts,
        )
    };
    assert_eq!(s, SEC_I_CONTINUE_NEEDED);
    delete(&mut sx);
    out.truncate(ob.cbBuffer as usize);
    out
}

/// One ntlm_auth squid-2.5-ntlmssp helper, its winbind route.
struct Helper {
    child: std::process::Child,
    out: BufReader<std::process::ChildStdout>,
}

impl Helper {
    fn start() -> Helper {
        let conf = std::env::var("NTLMSSP_MEMBER_CONF").expect("NTLMSSP_MEMBER_CONF");
        let mut child = Command::new("ntlm_auth")
            .args([
                "--helper-protocol=squid-2.5-ntlmssp",
                &format!("--configfile={conf}"),
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("ntlm_auth");
        let out = BufReader::new(child.stdout.take().unwrap());
        Helper { child, out }
    }

    fn ask(&mut self, verb: &str, token: &[u8]) -> Vec<String> {
        let b64 = base64::engine::general_purpose::STANDARD;
        let stdin = self.child.stdin.as_mut().unwrap();
        writeln!(stdin, "{verb} {}", b64.encode(token)).unwrap();
        stdin.flush().unwrap();
        let mut line = String::new();
        self.out.read_line(&mut line).unwrap();
        line.split_whitespace().map(str::to_owned).collect()
    }

    /// One logon: NEGOTIATE (YR), CHALLENGE (TT), AUTHENTICATE (KK), accepted (AF).
    fn logon(&mut self) -> bool {
        let b64 = base64::engine::general_purpose::STANDARD;
        let mut c = core_client();
        let (negotiate, next) = c.negotiate().unwrap();
        c.advance(next);
        let r = self.ask("YR", &negotiate);
        let Some(challenge) = r
            .get(1)
            .filter(|_| r[0] == "TT")
            .and_then(|t| b64.decode(t).ok())
        else {
            return false;
        };
        let (authenticate, _) = c.authenticate(&challenge, None).unwrap();
        self.ask("KK", &authenticate)[0] == "AF"
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

fn peers(mode: &str, threads: usize, extra: &[String]) -> Option<f64> {
    let bin = std::env::var("NTLMSSP_BENCH_PEERS").ok()?;
    let out = Command::new(bin)
        .arg(mode)
        .arg(threads.to_string())
        .arg(window().as_millis().to_string())
        .args(extra)
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!(
            "bench_peers {mode}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
        return None;
    }
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .nth(2)?
        .parse()
        .ok()
}

fn cell(r: Option<f64>) -> String {
    match r {
        Some(r) if r > 0.0 => format!("{r:.0}/s ({:.0} µs)", 1e6 / r),
        _ => "-".into(),
    }
}

#[test]
#[ignore = "needs the test domain (tests/domain/bench.sh)"]
fn domain_logons_per_second() {
    assert!(
        std::env::var_os("NTLMSSP_DC").is_some(),
        "run through tests/domain/bench.sh"
    );
    // The same handshake without the DC (a user file): ntlmssp's own share of a logon.
    let users =
        std::env::temp_dir().join(format!("ntlmssp-domain-bench-users-{}", std::process::id()));
    std::fs::write(&users, format!("EXAMPLE:alice:{PASSWORD}\n")).unwrap();
    std::env::set_var("NTLM_USER_FILE", &users);
    let local = credential("NTLM", SECPKG_CRED_INBOUND, None).unwrap();
    std::env::remove_var("NTLM_USER_FILE");
    let sc = credential("NTLM", SECPKG_CRED_INBOUND, None).unwrap();

    // Responses the DC accepts, for the loops that verify them in turn: each of the member's
    // CHALLENGEs answered by ntlmssp's client (another challenge and client challenge each time,
    // as in real logons).
    let mut scm = sc;
    let responses: Vec<([u8; 8], Vec<u8>)> = (0..64)
        .map(|_| {
            let mut c = core_client();
            let (negotiate, next) = c.negotiate().unwrap();
            c.advance(next);
            let challenge = challenge_from(&mut scm, &negotiate);
            let (authenticate, _) = c.authenticate(&challenge, None).unwrap();
            let nt = Authenticate::decode(&authenticate)
                .unwrap()
                .nt_challenge_response
                .to_vec();
            (Challenge::decode(&challenge).unwrap().server_challenge, nt)
        })
        .collect();
    let winbind = Winbind::load().expect("libwbclient");
    let verify = |(challenge, nt): &([u8; 8], Vec<u8>)| {
        winbind.authenticate_response("alice", "EXAMPLE", "BENCH", *challenge, &[], nt)
    };
    verify(&responses[0]).expect("the DC accepts the responses");
    let file = std::env::temp_dir().join(format!("ntlmssp-domain-bench-{}", std::process::id()));
    std::fs::write(
        &file,
        responses
            .iter()
            .map(|(c, nt)| format!("{} {}\n", hex::encode(c), hex::encode(nt)))
            .collect::<String>(),
    )
    .unwrap();
    let wbc_args = [
        "alice".to_owned(),
        "EXAMPLE".to_owned(),
        "BENCH".to_owned(),
        file.display().to_string(),
    ];

    let abi = |threads, sc: CredHandle| {
        rate(
            threads,
            || client_credential("alice", "EXAMPLE", PASSWORD).unwrap(),
            |cc| {
                let mut sc = sc;
                match handshake(cc, &mut sc) {
                    Ok((mut cx, mut sx)) => {
                        delete(&mut cx);
                        delete(&mut sx);
                        true
                    }
                    Err(s) => {
                        eprintln!("handshake: 0x{:08x}", s as u32);
                        false
                    }
                }
            },
        )
    };
    let binding = |threads| {
        rate(
            threads,
            || 0,
            |n| {
                *n += 1;
                verify(&responses[*n % responses.len()]).is_ok()
            },
        )
    };
    let names = [
        "ntlmssp, exported C ABI (full handshake)",
        "libwbclient alone (wbcCtxAuthenticateUserEx loop, C)",
        "ntlmssp's libwbclient binding alone",
        "gss-ntlmssp, winbind route (full handshake)",
        "ntlm_auth squid-2.5-ntlmssp helper (full exchange)",
        "ntlmssp, exported C ABI, the same handshake with a user file (no DC)",
    ];
    // Rounds of every path in turn, so that a change in the machine's load reaches every row
    // alike; each figure is the median of its rounds, the overhead the median of per-round
    // differences between ntlmssp's handshake and the direct loop.
    let rounds = 5;
    let mut figures = vec![[Vec::new(), Vec::new()]; names.len()];
    let mut overhead = [Vec::new(), Vec::new()];
    for _ in 0..rounds {
        for (t, threads) in [1usize, 2].into_iter().enumerate() {
            let round = [
                abi(threads, sc),
                peers("wbc", threads, &wbc_args),
                binding(threads),
                peers("gss", threads, &[]),
                rate(threads, Helper::start, Helper::logon),
                abi(threads, local),
            ];
            if let (Some(ours), Some(direct)) = (round[0], round[1]) {
                overhead[t].push(1e6 / ours - 1e6 / direct);
            }
            for (f, r) in figures.iter_mut().zip(round) {
                f[t].extend(r);
            }
        }
    }
    let median = |v: &[f64]| {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        (!v.is_empty()).then(|| v[v.len() / 2])
    };
    println!(
        "\n## Domain logons against the local DC (Samba {}), median of {rounds} rounds of {} ms",
        String::from_utf8_lossy(
            &Command::new("samba")
                .arg("--version")
                .output()
                .unwrap()
                .stdout
        )
        .trim(),
        window().as_millis()
    );
    println!("| path | 1 thread | 2 threads |\n|---|---:|---:|");
    for (name, f) in names.iter().zip(&figures) {
        println!(
            "| {name} | {} | {} |",
            cell(median(&f[0])),
            cell(median(&f[1]))
        );
    }
    for (t, threads) in [1, 2].into_iter().enumerate() {
        if let Some(d) = median(&overhead[t]) {
            println!(
                "ntlmssp's full handshake minus the direct round trip, {threads} thread(s): {d:+.0} µs per logon (per-round differences: {})",
                overhead[t]
                    .iter()
                    .map(|d| format!("{d:+.0}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    std::fs::remove_file(&file).unwrap();
    std::fs::remove_file(&users).unwrap();
    for mut h in [sc, local] {
        free_credential(&mut h);
    }
}
