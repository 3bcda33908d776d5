//! The libwbclient binding (`ntlmssp::sspi::winbind`) on a member of the test domain: its
//! winbindd passes each logon to the DC (NETLOGON), as on any domain member.
//!
//! Without the domain: a missing libwbclient gives no `Winbind`, and a missing winbindd fails
//! fast. The `#[ignore]`d tests need the domain: `tests/domain/run.sh` runs them
//! (`cargo test --release --test winbind -- --ignored --test-threads=1`, one at a time because
//! some stop and restart the DC). What they measure is printed (`--nocapture`), never judged.
#![cfg(unix)]

mod common;

use std::path::Path;
use std::process::Command;
use std::ptr::null_mut;
use std::time::{Duration, Instant};

use common::domain::*;
use common::*;
use ntlmssp::nlmp::crypto::{self, HmacMd5Key};
use ntlmssp::sspi::entry::*;
use ntlmssp::sspi::types::*;
use ntlmssp::sspi::winbind::{nt_status, DomainErrorKind, Winbind};

const PASSWORD: &str = "Secret123";
/// tests/domain/users.py BOB_PASSWORD.
const BOB_PASSWORD: &str = "P\u{e4}ssw\u{f6}rd\u{20ac}\u{f1}\u{1f511}";
const SC: [u8; 8] = *b"\x01\x23\x45\x67\x89\xab\xcd\xef";
const CC: [u8; 8] = *b"\xaa\xbb\xcc\xdd\xee\xff\x00\x11";

fn dc() -> Winbind {
    assert!(
        std::env::var_os("NTLMSSP_DC").is_some(),
        "run through tests/domain/run.sh (the DC's namespace)"
    );
    Winbind::load().expect("libwbclient.so.0 (libwbclient0) must be installed for the domain tests")
}

/// An NTLMv2 NtChallengeResponse of `user` in `domain` (names as the client sends them) to
/// `SC`, and the SessionBaseKey it implies. Its AV pairs name the member, as the member's
/// CHALLENGE would have.
fn ntlmv2(user: &str, domain: &str, password: &str) -> (Vec<u8>, [u8; 16]) {
    ntlmv2_for("MEMBER1", user, domain, password)
}

/// [`ntlmv2`] with the AV pairs of a CHALLENGE from `computer` (MsvAvNbComputerName).
fn ntlmv2_for(computer: &str, user: &str, domain: &str, password: &str) -> (Vec<u8>, [u8; 16]) {
    let key = HmacMd5Key::new(&crypto::NTOWFv2(&crypto::NTOWFv1(password), user, domain));
    // MS-NLMP 2.2.2.7: RespType, HiRespType, reserved, timestamp, client challenge, reserved,
    // AV pairs (NbDomainName, NbComputerName, EOL), reserved.
    let mut blob = vec![1, 1, 0, 0, 0, 0, 0, 0];
    blob.extend_from_slice(&134_000_000_000_000_000u64.to_le_bytes());
    blob.extend_from_slice(&CC);
    blob.extend_from_slice(&[0; 4]);
    for (id, v) in [(2u16, "EXAMPLE"), (1, computer)] {
        let v: Vec<u8> = v.encode_utf16().flat_map(u16::to_le_bytes).collect();
        blob.extend_from_slice(&id.to_le_bytes());
        blob.extend_from_slice(&(v.len() as u16).to_le_bytes());
        blob.extend_from_slice(&v);
    }
    blob.extend_from_slice(&[0; 8]);
    let proof = crypto::ntlmv2_nt_proof_str(&key, &SC, &blob);
    let mut nt = proof.to_vec();
    nt.extend_from_slice(&blob);
    (nt, crypto::session_base_key_v2(&key, &proof))
}

#[test]
fn a_missing_libwbclient_is_no_domain_route() {
    assert!(Winbind::load_from("libwbclient-not-installed.so.0").is_none());
}

#[test]
fn no_winbindd_fails_at_once() {
    // Only where nothing listens on libwbclient's compiled-in socket (a member machine running
    // these tests has a real winbindd there).
    if Path::new("/run/samba/winbindd/pipe").exists() {
        return;
    }
    let Some(w) = Winbind::load() else { return };
    let t = Instant::now();
    let e = w
        .authenticate_response("alice", "EXAMPLE", "CLIENT", SC, &[], &[0; 24])
        .unwrap_err();
    assert_eq!(e.kind, DomainErrorKind::Unreachable, "{e}");
    assert_eq!(e.sspi_status(), SEC_E_NO_AUTHENTICATING_AUTHORITY);
    assert!(t.elapsed() < w.timeout());
    assert_eq!(w.ping().unwrap_err().kind, DomainErrorKind::Unreachable);
}

/// With libwbclient installed but no winbindd (CI outside the domain's namespace, any machine
/// that is no domain member): an INBOUND credential without a user file has no domain route, so
/// a logon is refused as before (an unknown user, SEC_E_LOGON_DENIED), at once; and a default
/// OUTBOUND credential is acquired and ISC finds no credentials.
#[test]
fn without_winbindd_no_domain_route() {
    if Path::new("/run/samba/winbindd/pipe").exists() {
        return;
    }
    std::env::remove_var("NTLM_USER_FILE");
    let mut sc = server_credential().unwrap();
    let mut cc = client_credential("alice", "EXAMPLE", PASSWORD).unwrap();
    let t = Instant::now();
    assert_eq!(handshake(&mut cc, &mut sc).err(), Some(SEC_E_LOGON_DENIED));
    assert!(t.elapsed() < Duration::from_secs(5), "{}", ms(t.elapsed()));
    let mut dc = credential("NTLM", SECPKG_CRED_OUTBOUND, None).unwrap();
    assert_eq!(
        handshake(&mut dc, &mut sc).err(),
        Some(SEC_E_NO_CREDENTIALS)
    );
    for mut h in [sc, cc, dc] {
        free_credential(&mut h);
    }
}

#[test]
#[ignore = "needs the test domain (tests/domain/run.sh)"]
fn the_members_names() {
    let d = dc().interface_details().unwrap();
    println!("wbcInterfaceDetails: {d:?}");
    assert_eq!(d.netbios_domain, "EXAMPLE");
    assert_eq!(d.netbios_name, "MEMBER1");
    assert_eq!(d.dns_domain.as_deref(), Some("example.test"));
    assert_eq!(d.winbind_separator, '\\');
}

#[test]
#[ignore = "needs the test domain (tests/domain/run.sh)"]
fn ntlmv2_logons_and_refusals() {
    let w = dc();
    // Accepted: the user session key is the SessionBaseKey, the names are the DC's spelling
    // whatever case the client used.
    for (user, domain, password) in [
        ("alice", "EXAMPLE", PASSWORD),
        ("ALICE", "example", PASSWORD),
        ("bob", "EXAMPLE", BOB_PASSWORD),
        ("alice", "", PASSWORD),
    ] {
        let (nt, base) = ntlmv2(user, domain, password);
        let l = w
            .authenticate_response(user, domain, "CLIENT1", SC, &[], &nt)
            .unwrap_or_else(|e| panic!("{user}@{domain}: {e}"));
        assert_eq!(
            l.user_session_key.0, base,
            "{user}@{domain}: UserSessionKey = SessionBaseKey"
        );
        assert_eq!(l.account_name, user.to_lowercase());
        assert_eq!(l.domain_name, "EXAMPLE");
        println!(
            "{user}@{domain:?}: accepted as {}\\{} (user_flags 0x{:x})",
            l.domain_name, l.account_name, l.user_flags
        );
    }
    let refusals = [
        ("alice", "Secret124", "CLIENT1", nt_status::WRONG_PASSWORD),
        ("mallory", PASSWORD, "CLIENT1", nt_status::NO_SUCH_USER),
        ("disabled", PASSWORD, "CLIENT1", nt_status::ACCOUNT_DISABLED),
        (
            "acctexpired",
            PASSWORD,
            "CLIENT1",
            nt_status::ACCOUNT_EXPIRED,
        ),
        (
            "mustchange",
            PASSWORD,
            "CLIENT1",
            nt_status::PASSWORD_MUST_CHANGE,
        ),
        (
            "pwexpired",
            PASSWORD,
            "CLIENT1",
            nt_status::PASSWORD_EXPIRED,
        ),
        (
            "nohours",
            PASSWORD,
            "CLIENT1",
            nt_status::INVALID_LOGON_HOURS,
        ),
        (
            "otherws",
            PASSWORD,
            "CLIENT1",
            nt_status::INVALID_WORKSTATION,
        ),
        (
            "lockedout",
            PASSWORD,
            "CLIENT1",
            nt_status::ACCOUNT_LOCKED_OUT,
        ),
    ];
    for (user, password, ws, status) in refusals {
        let (nt, _) = ntlmv2(user, "EXAMPLE", password);
        let e = w
            .authenticate_response(user, "EXAMPLE", ws, SC, &[], &nt)
            .unwrap_err();
        println!("{user}: {e}");
        assert_eq!(
            (e.kind, e.nt_status),
            (DomainErrorKind::Refused, status),
            "{user}: {e}"
        );
        assert_eq!(e.sspi_status(), SEC_E_LOGON_DENIED);
        assert!(e.message.starts_with("NT_STATUS_"), "{}", e.message);
    }
    // The DC refuses a response made for another machine's CHALLENGE (its MsvAvNbComputerName
    // is not the member's account): Samba's NTLMv2_RESPONSE_verify_netlogon_creds, for every
    // member with a workstation trust.
    let (nt, _) = ntlmv2_for("OTHERHOST", "alice", "EXAMPLE", PASSWORD);
    let e = w
        .authenticate_response("alice", "EXAMPLE", "C", SC, &[], &nt)
        .unwrap_err();
    println!("alice's response to another machine's CHALLENGE: {e}");
    assert_eq!(e.nt_status, nt_status::LOGON_FAILURE);
    // A wrong challenge is a wrong password, and names libwbclient would cut are refused here.
    let (nt, _) = ntlmv2("alice", "EXAMPLE", PASSWORD);
    let e = w
        .authenticate_response("alice", "EXAMPLE", "CLIENT1", [0; 8], &[], &nt)
        .unwrap_err();
    assert_eq!(e.nt_status, nt_status::WRONG_PASSWORD);
    let e = w
        .authenticate_response(&"a".repeat(300), "EXAMPLE", "C", SC, &[], &nt)
        .unwrap_err();
    assert_eq!(e.kind, DomainErrorKind::Invalid);
    // Hostile responses are the DC's to refuse: empty, short, huge.
    for nt in [vec![], vec![0; 16], vec![0x5a; 60_000]] {
        let e = w
            .authenticate_response("alice", "EXAMPLE", "C", SC, &[], &nt)
            .unwrap_err();
        assert_eq!(e.kind, DomainErrorKind::Refused, "{} bytes: {e}", nt.len());
    }
}

/// NTLMv1 and NTLMv1 with extended session security through the DC: first as the DC is
/// configured by default (Samba: `ntlm auth = ntlmv2-only`), then with NTLMv1 allowed.
#[test]
#[ignore = "needs the test domain (tests/domain/run.sh)"]
fn ntlmv1_and_extended_session_security() {
    let w = dc();
    let nt_hash = crypto::NTOWFv1(PASSWORD);
    let v1 = crypto::ntlmv1_response(&nt_hash, &SC);
    let ess = crypto::ntlmv1_ess_response(&nt_hash, &SC, &CC);
    let digest: [u8; 8] = crypto::md5(&[&SC, &CC])[..8].try_into().unwrap();
    let mut lm_ess = CC.to_vec();
    lm_ess.extend_from_slice(&[0; 16]);

    let e = w
        .authenticate_response("alice", "EXAMPLE", "C", SC, &[], &v1)
        .unwrap_err();
    println!("NTLMv1, default DC: {e}");
    assert_eq!(
        e.nt_status,
        nt_status::WRONG_PASSWORD,
        "Samba refuses NTLMv1 as a wrong password"
    );
    let e = w
        .authenticate_response("alice", "EXAMPLE", "C", digest, &[], &ess)
        .unwrap_err();
    println!("NTLMv1 with ESS, default DC: {e}");
    assert_eq!(e.nt_status, nt_status::WRONG_PASSWORD);

    dc_ctl("stop", &[]);
    dc_ctl("start", &[("NTLMSSP_DC_OPTIONS", "ntlm auth = yes")]);
    let outcome = std::panic::catch_unwind(|| {
        let session_base_key = crypto::session_base_key_v1(&nt_hash);
        let l = w
            .authenticate_response("alice", "EXAMPLE", "C", SC, &v1, &v1)
            .unwrap();
        assert_eq!(
            l.user_session_key.0, session_base_key,
            "NTLMv1: MD4(NTOWFv1)"
        );
        // ESS: the DC checks the response against the challenge it is given, so the server
        // passes MD5(SC || CC)[0..8]; the LM field (the client challenge) may be empty or not.
        for lm in [&[][..], &lm_ess[..]] {
            let l = w
                .authenticate_response("alice", "EXAMPLE", "C", digest, lm, &ess)
                .unwrap();
            assert_eq!(
                l.user_session_key.0, session_base_key,
                "ESS: MD4(NTOWFv1), KXKEY is the server's"
            );
        }
        let e = w
            .authenticate_response("alice", "EXAMPLE", "C", SC, &lm_ess, &ess)
            .unwrap_err();
        println!("NTLMv1 with ESS, the bare server challenge passed: {e}");
        assert_eq!(e.nt_status, nt_status::WRONG_PASSWORD);
        println!("NTLMv1 and ESS accepted with `ntlm auth = yes`; UserSessionKey = MD4(NT hash)");
    });
    dc_ctl("stop", &[]);
    dc_ctl("start", &[]);
    if let Err(p) = outcome {
        std::panic::resume_unwind(p);
    }
}

/// The DC stopped while the member's winbindd runs: the DC's NTSTATUS for that, at once; the DC
/// back: the same `Winbind` logs users in again. Then the member's winbindd itself stopped and
/// started.
#[test]
#[ignore = "needs the test domain (tests/domain/run.sh)"]
fn dc_or_winbindd_stopped_then_back() {
    let w = dc();
    let (nt, _) = ntlmv2("alice", "EXAMPLE", PASSWORD);
    let logon = || w.authenticate_response("alice", "EXAMPLE", "C", SC, &[], &nt);
    logon().unwrap();

    dc_ctl("stop", &[]);
    for n in 0..2 {
        let t = Instant::now();
        let e = logon().unwrap_err();
        println!(
            "logon {n} with the DC stopped: {e}, after {}",
            ms(t.elapsed())
        );
        assert_eq!(
            (e.kind, e.nt_status),
            (DomainErrorKind::Unreachable, nt_status::NO_LOGON_SERVERS)
        );
        assert_eq!(e.sspi_status(), SEC_E_NO_AUTHENTICATING_AUTHORITY);
        assert!(t.elapsed() < w.timeout());
    }
    let t = Instant::now();
    dc_ctl("start", &[]);
    println!(
        "DC started again, the member reaching it after {}",
        ms(t.elapsed())
    );
    println!(
        "first logon after the restart: {}",
        ms(until_it_works(logon).1)
    );

    dc_ctl("member-stop", &[]);
    let t = Instant::now();
    let e = logon().unwrap_err();
    println!("logon with no winbindd: {e}, after {}", ms(t.elapsed()));
    assert_eq!(e.kind, DomainErrorKind::Unreachable);
    assert_eq!(e.sspi_status(), SEC_E_NO_AUTHENTICATING_AUTHORITY);
    assert!(w.interface_details().is_err());
    dc_ctl("member-start", &[]);
    println!(
        "first logon after winbindd started again: {}",
        ms(until_it_works(logon).1)
    );
}

/// A DC that accepts connections and answers nothing (SIGSTOP): the member's winbindd waits for
/// it (about 20 s with Samba 4.17's defaults); the caller gets a bounded failure at its own
/// timeout, and logons resume once the DC answers again.
#[test]
#[ignore = "needs the test domain (tests/domain/run.sh)"]
fn a_hung_dc_is_a_bounded_failure() {
    let mut w = dc();
    w.set_timeout(Duration::from_secs(2));
    let (nt, _) = ntlmv2("alice", "EXAMPLE", PASSWORD);
    w.authenticate_response("alice", "EXAMPLE", "C", SC, &[], &nt)
        .unwrap();
    dc_ctl("freeze", &[]);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        for n in 0..3 {
            let t = Instant::now();
            let e = w
                .authenticate_response("alice", "EXAMPLE", "C", SC, &[], &nt)
                .unwrap_err();
            println!(
                "logon {n} with the DC frozen (SIGSTOP): {e}, after {}",
                ms(t.elapsed())
            );
            assert_eq!(e.kind, DomainErrorKind::TimedOut);
            assert_eq!(e.sspi_status(), SEC_E_NO_AUTHENTICATING_AUTHORITY);
            assert!(t.elapsed() < Duration::from_secs(10));
        }
        // What winbindd itself answers, waited for.
        w.set_timeout(Duration::from_secs(120));
        let t = Instant::now();
        let e = w
            .authenticate_response("alice", "EXAMPLE", "C", SC, &[], &nt)
            .unwrap_err();
        println!(
            "winbindd's own answer with the DC frozen: {e}, after {}",
            ms(t.elapsed())
        );
    }));
    dc_ctl("thaw", &[]);
    if let Err(p) = outcome {
        std::panic::resume_unwind(p);
    }
    let (_, d) = until_it_works(|| w.authenticate_response("alice", "EXAMPLE", "C", SC, &[], &nt));
    println!("first logon after SIGCONT: {}", ms(d));
}

#[test]
#[ignore = "needs the test domain (tests/domain/run.sh)"]
fn round_trips_sequential_and_parallel() {
    let w = dc();
    let (nt, _) = ntlmv2("alice", "EXAMPLE", PASSWORD);
    for _ in 0..20 {
        w.authenticate_response("alice", "EXAMPLE", "C", SC, &[], &nt)
            .unwrap();
    }
    let n = 300;
    let t = Instant::now();
    for _ in 0..n {
        w.authenticate_response("alice", "EXAMPLE", "C", SC, &[], &nt)
            .unwrap();
    }
    let one = t.elapsed();
    println!(
        "1 thread: {n} logons in {}, {} each, {:.0}/s",
        ms(one),
        ms(one / n),
        n as f64 / one.as_secs_f64()
    );
    for threads in [2, 8] {
        let t = Instant::now();
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(|| {
                    for _ in 0..n / threads {
                        w.authenticate_response("alice", "EXAMPLE", "C", SC, &[], &nt)
                            .unwrap();
                    }
                });
            }
        });
        let all = t.elapsed();
        println!(
            "{threads} threads: {n} logons in {}, {:.0}/s",
            ms(all),
            n as f64 / all.as_secs_f64()
        );
    }
    let t = Instant::now();
    for _ in 0..n {
        w.ping().unwrap();
    }
    let each = t.elapsed() / n;
    println!(
        "wbcPing through the workers: {:.1} µs each",
        each.as_secs_f64() * 1e6
    );
}

/// One leg of AcceptSecurityContext: the output token, or the status.
fn accept(
    cred: &mut CredHandle,
    ctx: &mut CtxtHandle,
    first: bool,
    token: &[u8],
) -> Result<Vec<u8>, SECURITY_STATUS> {
    let mut input = token.to_vec();
    let mut out = vec![0u8; 4096];
    let mut ib = token_buffer(input.as_mut_ptr(), input.len());
    let mut ob = token_buffer(out.as_mut_ptr(), out.len());
    let (mut id, mut od) = (descriptor(&mut ib), descriptor(&mut ob));
    let (mut attrs, mut ts) = (0, 0);
    let req = ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY | ASC_REQ_CONNECTION;
    let s = unsafe {
        AcceptSecurityContext(
            cred,
            if first { null_mut() } else { ctx },
            &mut id,
            req,
            0,
            ctx,
            &mut od,
            &mut attrs,
            &mut ts,
        )
    };
    if s != SEC_E_OK && s != SEC_I_CONTINUE_NEEDED {
        return Err(s);
    }
    out.truncate(ob.cbBuffer as usize);
    Ok(out)
}

fn session_key(ctx: &mut CtxtHandle) -> Vec<u8> {
    let mut k = SecPkgContext_SessionKey {
        SessionKeyLength: 0,
        SessionKey: null_mut(),
    };
    let s = unsafe {
        QueryContextAttributesW(ctx, SECPKG_ATTR_SESSION_KEY, &mut k as *mut _ as *mut _)
    };
    assert_eq!(s, SEC_E_OK);
    let v =
        unsafe { std::slice::from_raw_parts(k.SessionKey, k.SessionKeyLength as usize) }.to_vec();
    unsafe { FreeContextBuffer(k.SessionKey.cast()) };
    v
}

/// Single sign-on through winbindd's credential cache: after `wbinfo --ccache-save`, winbindd
/// answers an ntlmssp server's CHALLENGE for alice (the password never enters this process),
/// and the server accepts it with the session key winbindd returned.
#[test]
#[ignore = "needs the test domain (tests/domain/run.sh)"]
fn cached_credentials_answer_a_challenge() {
    let w = dc();
    assert!(
        !w.ccache_has("alice", "EXAMPLE").unwrap(),
        "nothing saved yet"
    );
    let s = Command::new("wbinfo")
        .arg(format!("--ccache-save=EXAMPLE\\alice%{PASSWORD}"))
        .status()
        .unwrap();
    assert!(s.success());
    assert!(w.ccache_has("alice", "EXAMPLE").unwrap());
    assert!(!w.ccache_has("bob", "EXAMPLE").unwrap());

    let dir = std::env::temp_dir().join(format!("ntlmssp-winbind-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let users = dir.join("users");
    std::fs::write(&users, format!("EXAMPLE:alice:{PASSWORD}\n")).unwrap();
    std::env::set_var("NTLM_USER_FILE", &users);
    let mut cred = server_credential().unwrap();
    // NEGOTIATE (MS-NLMP 2.2.1.1): UNICODE, REQUEST_TARGET, SIGN, SEAL, NTLM, ALWAYS_SIGN,
    // EXTENDED_SESSIONSECURITY, 128, KEY_EXCH, 56; no domain or workstation.
    let flags: u32 = 0x0000_0001
        | 0x4
        | 0x10
        | 0x20
        | 0x200
        | 0x8000
        | 0x8_0000
        | 0x2000_0000
        | 0x4000_0000
        | 0x8000_0000;
    let mut negotiate = b"NTLMSSP\0\x01\0\0\0".to_vec();
    negotiate.extend_from_slice(&flags.to_le_bytes());
    negotiate.extend_from_slice(&[0; 16]);
    for with_negotiate in [true, false] {
        let mut ctx = NO_HANDLE;
        let challenge = accept(&mut cred, &mut ctx, true, &negotiate).unwrap();
        let t = Instant::now();
        let cached = w
            .ccache_authenticate(
                "alice",
                "EXAMPLE",
                with_negotiate.then_some(&negotiate[..]),
                &challenge,
            )
            .unwrap();
        println!(
            "ccache NTLMSSP (negotiate_blob {with_negotiate}): {} bytes, MIC {}, {}",
            cached.authenticate.len(),
            cached.mic,
            ms(t.elapsed())
        );
        assert_eq!(cached.mic, with_negotiate);
        accept(&mut cred, &mut ctx, false, &cached.authenticate).unwrap();
        assert_eq!(client_name(&mut ctx).unwrap(), "EXAMPLE\\alice");
        assert_eq!(
            session_key(&mut ctx),
            cached.session_key.0,
            "the exported session key"
        );
        delete(&mut ctx);
    }
    free_credential(&mut cred);
    // Another user's cache is not there, and a CHALLENGE that is no CHALLENGE is refused.
    assert_eq!(
        w.ccache_authenticate("bob", "EXAMPLE", None, b"NTLMSSP\0\x02\0\0\0")
            .unwrap_err()
            .kind,
        DomainErrorKind::Refused
    );
    assert!(w
        .ccache_authenticate("alice", "EXAMPLE", None, b"garbage")
        .is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}
