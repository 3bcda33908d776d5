//! Domain logons through the exported functions, on a member of the test domain
//! (tests/domain/run.sh): an INBOUND credential with no `NTLM_USER_FILE` takes the domain route,
//! and the DC verifies each logon through the member's winbindd.
//!
//! Every test here is `#[ignore]`d: `tests/domain/check.sh` runs them inside the domain, one at a
//! time (`--ignored --test-threads=1`: some stop and restart the DC), with
//! `NTLMSSP_WINBIND_TIMEOUT_MS` set low enough for a frozen DC to be waited out quickly. What they
//! measure is printed, never judged.
#![cfg(unix)]

mod common;

use std::io::Write;
use std::ptr::null_mut;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use common::domain::*;
use common::*;
use ntlmssp::nlmp::flags;
use ntlmssp::nlmp::messages::Challenge;
use ntlmssp::sspi::entry::*;
use ntlmssp::sspi::types::*;

const PASSWORD: &str = "Secret123";
/// tests/domain/users.py BOB_PASSWORD.
const BOB_PASSWORD: &str = "P\u{e4}ssw\u{f6}rd\u{20ac}\u{f1}\u{1f511}";

/// tests/domain/users.py LOGONS, the refused ones: user, password, the DC's NTSTATUS name.
const REFUSED: [(&str, &str, &str); 9] = [
    ("alice", "Secret124", "NT_STATUS_WRONG_PASSWORD"),
    ("mallory", PASSWORD, "NT_STATUS_NO_SUCH_USER"),
    ("disabled", PASSWORD, "NT_STATUS_ACCOUNT_DISABLED"),
    ("acctexpired", PASSWORD, "NT_STATUS_ACCOUNT_EXPIRED"),
    ("mustchange", PASSWORD, "NT_STATUS_PASSWORD_MUST_CHANGE"),
    ("pwexpired", PASSWORD, "NT_STATUS_PASSWORD_EXPIRED"),
    ("nohours", PASSWORD, "NT_STATUS_INVALID_LOGON_HOURS"),
    ("otherws", PASSWORD, "NT_STATUS_INVALID_WORKSTATION"),
    ("lockedout", PASSWORD, "NT_STATUS_ACCOUNT_LOCKED_OUT"),
];

const PACKAGES: [&str; 2] = ["NTLM", "Negotiate"];

/// The decoded trace of this process, kept in memory.
fn trace() -> &'static Arc<Mutex<Vec<u8>>> {
    static TRACE: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    TRACE.get_or_init(|| {
        struct Sink(Arc<Mutex<Vec<u8>>>);
        impl Write for Sink {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let buf = Arc::new(Mutex::new(Vec::new()));
        ntlmssp::inspect::trace::force(Some(Box::new(Sink(buf.clone()))));
        buf
    })
}

/// The trace written since the last call.
fn take_trace() -> String {
    String::from_utf8_lossy(&std::mem::take(&mut *trace().lock().unwrap())).into_owned()
}

/// The domain's environment: no user file anywhere (the domain route), names from winbind.
fn in_the_domain() {
    assert!(
        std::env::var_os("NTLMSSP_DC").is_some(),
        "run through tests/domain/run.sh (the DC's namespace)"
    );
    for v in [
        "NTLM_USER_FILE",
        "NTLM_USER",
        "LM_COMPAT_LEVEL",
        "NTLMSSP_WINBIND",
        "NTLM_NB_COMPUTER_NAME",
        "NTLM_NB_DOMAIN_NAME",
        "NTLM_DNS_COMPUTER_NAME",
        "NTLM_DNS_DOMAIN_NAME",
        "NTLM_TARGET_NAMES",
    ] {
        std::env::remove_var(v);
    }
    trace();
}

fn server() -> CredHandle {
    credential("NTLM", SECPKG_CRED_INBOUND, None).unwrap()
}

/// An established pair, the CHALLENGE_MESSAGE the server sent (raw NTLM only), or which side
/// refused with what.
struct Pair {
    cx: CtxtHandle,
    sx: CtxtHandle,
    challenge: Vec<u8>,
}

impl Drop for Pair {
    fn drop(&mut self) {
        delete(&mut self.cx);
        delete(&mut self.sx);
    }
}

/// The whole handshake, as many legs as the package needs (Negotiate's final token is passed
/// back to the client).
fn handshake(
    cc: &mut CredHandle,
    sc: &mut CredHandle,
) -> Result<Pair, (&'static str, SECURITY_STATUS)> {
    let mut p = Pair {
        cx: NO_HANDLE,
        sx: NO_HANDLE,
        challenge: Vec::new(),
    };
    let req = ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_CONNECTION;
    let asc_req = ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY | ASC_REQ_CONNECTION;
    let (mut token, mut ts, mut attrs) = (Vec::<u8>::new(), 0, 0);
    let (mut client_done, mut server_done, mut legs) = (false, false, 0);
    while !(client_done && server_done) {
        legs += 1;
        assert!(legs < 6, "the handshake does not end");
        if !client_done {
            let mut out = vec![0u8; 12000];
            let mut ib = token_buffer(token.as_mut_ptr(), token.len());
            let mut ob = token_buffer(out.as_mut_ptr(), out.len());
            let (mut id, mut od) = (descriptor(&mut ib), descriptor(&mut ob));
            let first = p.cx.dwLower == 0;
            let s = unsafe {
                InitializeSecurityContextW(
                    cc,
                    if first { null_mut() } else { &mut p.cx },
                    null_mut(),
                    req,
                    0,
                    0,
                    if first { null_mut() } else { &mut id },
                    0,
                    &mut p.cx,
                    &mut od,
                    &mut attrs,
                    &mut ts,
                )
            };
            match s {
                SEC_E_OK => client_done = true,
                SEC_I_CONTINUE_NEEDED => {}
                s => return Err(("client", s)),
            }
            out.truncate(ob.cbBuffer as usize);
            token = out;
            if token.is_empty() {
                break;
            }
        }
        if server_done {
            break;
        }
        let mut out = vec![0u8; 12000];
        let mut ib = token_buffer(token.as_mut_ptr(), token.len());
        let mut ob = token_buffer(out.as_mut_ptr(), out.len());
        let (mut id, mut od) = (descriptor(&mut ib), descriptor(&mut ob));
        let first = p.sx.dwLower == 0;
        let s = unsafe {
            AcceptSecurityContext(
                sc,
                if first { null_mut() } else { &mut p.sx },
                &mut id,
                asc_req,
                0,
                &mut p.sx,
                &mut od,
                &mut attrs,
                &mut ts,
            )
        };
        match s {
            SEC_E_OK => server_done = true,
            SEC_I_CONTINUE_NEEDED => {}
            s => return Err(("server", s)),
        }
        out.truncate(ob.cbBuffer as usize);
        if first && out.starts_with(b"NTLMSSP\0") {
            p.challenge = out.clone();
        }
        token = out;
        if token.is_empty() && server_done {
            break;
        }
    }
    Ok(p)
}

/// A sealed message each way, then a tampered one refused.
fn messages(p: &mut Pair) {
    for (from, to) in [(0, 1), (1, 0)] {
        let ctx = |p: &mut Pair, i: usize| if i == 0 { p.cx } else { p.sx };
        let mut data = *b"hello across the domain";
        let (mut a, mut b) = (ctx(p, from), ctx(p, to));
        let mut sig = seal(&mut a, &mut data).unwrap();
        assert_ne!(&data, b"hello across the domain");
        assert_eq!(unseal(&mut b, &mut data, &mut sig), SEC_E_OK);
        assert_eq!(&data, b"hello across the domain");
        let mut sig = seal(&mut a, &mut data).unwrap();
        data[3] ^= 1;
        assert_eq!(unseal(&mut b, &mut data, &mut sig), SEC_E_MESSAGE_ALTERED);
    }
}

/// Domain users log in to an INBOUND credential without a user file, NTLM and Negotiate: the
/// DC's names whatever spelling the client used, the member's names in the CHALLENGE, sealing
/// both ways afterwards.
#[test]
#[ignore = "needs the test domain (tests/domain/run.sh)"]
fn domain_users_log_in() {
    in_the_domain();
    for package in PACKAGES {
        let mut sc = credential(package, SECPKG_CRED_INBOUND, None).unwrap();
        let acquired = take_trace();
        assert!(
            acquired.contains("the domain EXAMPLE (example.test) verifies logons through winbind"),
            "{acquired}"
        );
        for (user, domain, password, named) in [
            ("alice", "EXAMPLE", PASSWORD, "EXAMPLE\\alice"),
            ("ALICE", "example", PASSWORD, "EXAMPLE\\alice"),
            ("alice", "", PASSWORD, "EXAMPLE\\alice"),
            ("bob", "EXAMPLE", BOB_PASSWORD, "EXAMPLE\\bob"),
        ] {
            let mut cc = credential(
                package,
                SECPKG_CRED_OUTBOUND,
                Some((user, domain, password)),
            )
            .unwrap();
            let t = Instant::now();
            let mut p = handshake(&mut cc, &mut sc)
                .unwrap_or_else(|e| panic!("{package}: {user}@{domain:?}: {e:?}"));
            let took = t.elapsed();
            assert_eq!(client_name(&mut p.sx).unwrap(), named, "{package}");
            messages(&mut p);
            println!(
                "{package}: {user}@{domain:?} logged in as {named} in {}",
                ms(took)
            );
            if package == "NTLM" && user == "alice" && domain == "EXAMPLE" {
                let c = Challenge::decode(&p.challenge).unwrap();
                let target: Vec<u8> = "EXAMPLE"
                    .encode_utf16()
                    .flat_map(u16::to_le_bytes)
                    .collect();
                assert_eq!(c.target_name, &target[..]);
                assert!(flags::has(c.flags, flags::TARGET_TYPE_DOMAIN));
                let info = ntlmssp::nlmp::messages::AvPairs::parse(c.target_info).unwrap();
                let names: Vec<String> = info
                    .iter()
                    .filter(|(id, _)| (1..=4).contains(id))
                    .map(|(_, v)| {
                        String::from_utf16_lossy(
                            &v.chunks(2)
                                .map(|b| u16::from_le_bytes([b[0], b[1]]))
                                .collect::<Vec<_>>(),
                        )
                    })
                    .collect();
                println!("the member's CHALLENGE: TargetName EXAMPLE, TargetInfo names {names:?}");
                assert!(names.contains(&"MEMBER1".to_owned()), "{names:?}");
                assert!(names.contains(&"example.test".to_owned()), "{names:?}");
            }
            drop(p);
            free_credential(&mut cc);
        }
        free_credential(&mut sc);
    }
}

/// Every refused state: SEC_E_LOGON_DENIED, and the trace names the DC's verdict.
#[test]
#[ignore = "needs the test domain (tests/domain/run.sh)"]
fn refusals_carry_the_dcs_reason() {
    in_the_domain();
    for package in PACKAGES {
        let mut sc = credential(package, SECPKG_CRED_INBOUND, None).unwrap();
        take_trace();
        for (user, password, status) in REFUSED {
            let mut cc = credential(
                package,
                SECPKG_CRED_OUTBOUND,
                Some((user, "EXAMPLE", password)),
            )
            .unwrap();
            let e = handshake(&mut cc, &mut sc).err();
            let t = take_trace();
            let line = t
                .lines()
                .find(|l| l.contains("AcceptSecurityContext") && l.contains("failed"))
                .unwrap_or("(no failure in the trace)")
                .to_owned();
            println!("{package}: {user}: {e:?}: {line}");
            assert_eq!(e, Some(("server", SEC_E_LOGON_DENIED)), "{package} {user}");
            assert!(line.contains(status), "{package} {user}: {line}");
            free_credential(&mut cc);
        }
        free_credential(&mut sc);
    }
}

/// NTLMv1 (with extended session security, what ntlmssp's client sends at LM_COMPAT_LEVEL 2)
/// through the DC: refused while the DC refuses NTLMv1 (Samba's default), accepted with the
/// session keys agreeing once it allows it. The server accepts NTLMv1 at that level only.
#[test]
#[ignore = "needs the test domain (tests/domain/run.sh)"]
fn ntlmv1_as_the_dc_decides() {
    in_the_domain();
    std::env::set_var("LM_COMPAT_LEVEL", "2");
    let mut sc = server();
    let mut cc = credential(
        "NTLM",
        SECPKG_CRED_OUTBOUND,
        Some(("alice", "EXAMPLE", PASSWORD)),
    )
    .unwrap();
    take_trace();
    assert_eq!(
        handshake(&mut cc, &mut sc).err(),
        Some(("server", SEC_E_LOGON_DENIED))
    );
    let t = take_trace();
    println!(
        "NTLMv1-ESS, the DC refusing NTLMv1: {}",
        t.lines().find(|l| l.contains("failed")).unwrap_or("")
    );
    assert!(t.contains("NT_STATUS_WRONG_PASSWORD"), "{t}");
    dc_ctl("stop", &[]);
    dc_ctl("start", &[("NTLMSSP_DC_OPTIONS", "ntlm auth = yes")]);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut p = again(|| handshake(&mut cc, &mut sc));
        assert_eq!(client_name(&mut p.sx).unwrap(), "EXAMPLE\\alice");
        messages(&mut p);
        println!("NTLMv1-ESS accepted by the DC with `ntlm auth = yes`; sealing both ways");
    }));
    std::env::remove_var("LM_COMPAT_LEVEL");
    free_credential(&mut cc);
    free_credential(&mut sc);
    dc_ctl("stop", &[]);
    dc_ctl("start", &[]);
    if let Err(p) = outcome {
        std::panic::resume_unwind(p);
    }
}

/// Retries until the handshake works, and says after how long.
fn again(logon: impl FnMut() -> Result<Pair, (&'static str, SECURITY_STATUS)>) -> Pair {
    let (p, took) = until_it_works(logon);
    println!("  logons again after {}", ms(took));
    p
}

/// One INBOUND credential across the DC stopped, started, frozen and thawed, and the member's
/// winbindd stopped and started: no authority in bounded time, then logons again without
/// re-acquiring it.
#[test]
#[ignore = "needs the test domain (tests/domain/run.sh)"]
fn one_credential_across_the_dc_going_away() {
    in_the_domain();
    let timeout = Duration::from_millis(
        std::env::var("NTLMSSP_WINBIND_TIMEOUT_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(30_000),
    );
    for package in PACKAGES {
        let mut sc = credential(package, SECPKG_CRED_INBOUND, None).unwrap();
        let mut cc = credential(
            package,
            SECPKG_CRED_OUTBOUND,
            Some(("alice", "EXAMPLE", PASSWORD)),
        )
        .unwrap();
        handshake(&mut cc, &mut sc).unwrap();
        let no_authority =
            |what: &str, cc: &mut CredHandle, sc: &mut CredHandle, bound: Duration| {
                take_trace();
                let t = Instant::now();
                let e = handshake(cc, sc).err();
                let took = t.elapsed();
                let trace = take_trace();
                let line = trace
                    .lines()
                    .find(|l| l.contains("failed"))
                    .unwrap_or("")
                    .to_owned();
                println!("{package}: {what}: {e:?} after {}: {line}", ms(took));
                assert_eq!(
                    e,
                    Some(("server", SEC_E_NO_AUTHENTICATING_AUTHORITY)),
                    "{what}"
                );
                assert!(took < bound, "{what}: {}", ms(took));
                line
            };
        dc_ctl("stop", &[]);
        let line = no_authority("DC stopped", &mut cc, &mut sc, timeout);
        assert!(line.contains("NT_STATUS_NO_LOGON_SERVERS"), "{line}");
        dc_ctl("start", &[]);
        println!("{package}: DC started again");
        again(|| handshake(&mut cc, &mut sc));

        dc_ctl("freeze", &[]);
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let line = no_authority(
                "DC frozen (SIGSTOP)",
                &mut cc,
                &mut sc,
                timeout + Duration::from_secs(5),
            );
            assert!(line.contains("did not answer in time"), "{line}");
        }));
        dc_ctl("thaw", &[]);
        if let Err(p) = outcome {
            std::panic::resume_unwind(p);
        }
        println!("{package}: DC thawed");
        again(|| handshake(&mut cc, &mut sc));

        dc_ctl("member-stop", &[]);
        let line = no_authority("the member's winbindd stopped", &mut cc, &mut sc, timeout);
        assert!(line.contains("winbindd"), "{line}");
        dc_ctl("member-start", &[]);
        println!("{package}: the member's winbindd started again");
        again(|| handshake(&mut cc, &mut sc));
        free_credential(&mut cc);
        free_credential(&mut sc);
    }
}

/// Logons on many threads at once through one INBOUND credential: all succeed.
#[test]
#[ignore = "needs the test domain (tests/domain/run.sh)"]
fn many_threads_on_one_credential() {
    in_the_domain();
    let sc = server();
    let threads = 8;
    let each = 25;
    let t = Instant::now();
    let failures: usize = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|n| {
                let mut sc = sc;
                s.spawn(move || {
                    let user = if n % 2 == 0 {
                        ("alice", PASSWORD)
                    } else {
                        ("bob", BOB_PASSWORD)
                    };
                    let mut cc = credential(
                        "NTLM",
                        SECPKG_CRED_OUTBOUND,
                        Some((user.0, "EXAMPLE", user.1)),
                    )
                    .unwrap();
                    let mut failed = 0;
                    for _ in 0..each {
                        match handshake(&mut cc, &mut sc) {
                            Ok(mut p) => assert_eq!(
                                client_name(&mut p.sx).unwrap(),
                                format!("EXAMPLE\\{}", user.0)
                            ),
                            Err(e) => {
                                println!("thread {n}: {e:?}");
                                failed += 1;
                            }
                        }
                    }
                    free_credential(&mut cc);
                    failed
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    let all = t.elapsed();
    println!(
        "{threads} threads, one server credential: {} logons in {}, {:.0}/s, {failures} failed",
        threads * each,
        ms(all),
        (threads * each) as f64 / all.as_secs_f64()
    );
    assert_eq!(failures, 0);
    let mut sc = sc;
    free_credential(&mut sc);
}

/// The machine's name, as a local account's domain (the host name's first label).
fn local_machine() -> String {
    ntlmssp::nlmp::server::host_name()
        .split('.')
        .next()
        .unwrap_or_default()
        .to_uppercase()
}

/// Without the domain route: `NTLMSSP_WINBIND=off` is read when libwbclient would first be
/// loaded, so a process of its own checks it (tests/domain/check.sh runs `sspi_peer` with it).
/// Here: a default OUTBOUND credential of a process whose user has no cached credentials
/// (root) is acquired, names its user, and ISC says SEC_E_NO_CREDENTIALS with what was tried.
#[test]
#[ignore = "needs the test domain (tests/domain/run.sh)"]
fn default_credentials_without_a_cache() {
    in_the_domain();
    for package in PACKAGES {
        let mut cc = credential(package, SECPKG_CRED_OUTBOUND, None).unwrap();
        let name = credential_name(&mut cc).unwrap();
        println!("{package}: a default credential of root (a local user) names {name:?}");
        assert_eq!(name, format!("{}\\root", local_machine()));
        take_trace();
        let mut sc = server();
        assert_eq!(
            handshake(&mut cc, &mut sc).err(),
            Some(("client", SEC_E_NO_CREDENTIALS))
        );
        let t = take_trace();
        let line = t
            .lines()
            .find(|l| l.contains("no credentials"))
            .unwrap_or("")
            .to_owned();
        println!("{package}: {line}");
        assert!(
            line.contains("the process's user root is not a user of the domain EXAMPLE"),
            "{line}"
        );
        free_credential(&mut cc);
        free_credential(&mut sc);
    }
}
