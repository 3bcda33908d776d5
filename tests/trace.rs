//! The NTLMSSP_DEBUG trace: each context's messages, policy and result, the precise reason of
//! each kind of refusal, and never a secret. One test, because the environment is read once per
//! process.

mod common;

use std::ptr::null_mut;

use common::*;
use ntlmssp::nlmp::crypto;
use ntlmssp::sspi::entry::*;
use ntlmssp::sspi::types::*;

const PASSWORD: &str = "Tr4ce-Secret!";

/// A handshake whose AUTHENTICATE_MESSAGE `tamper` may change; the three tokens and the final
/// server status.
fn handshake_with(
    cc: &mut CredHandle,
    sc: &mut CredHandle,
    tamper: impl Fn(&mut Vec<u8>),
) -> (Vec<Vec<u8>>, SECURITY_STATUS, CtxtHandle, CtxtHandle) {
    let (mut cx, mut sx) = (NO_HANDLE, NO_HANDLE);
    let (mut ts, mut attrs) = (0, 0);
    let mut tokens = Vec::new();
    let req = ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY;
    let mut call =
        |input: Option<&[u8]>, server: bool, first: bool| -> (SECURITY_STATUS, Vec<u8>) {
            let mut inb = input.unwrap_or(&[]).to_vec();
            let mut out = vec![0u8; 4096];
            let mut ib = token_buffer(inb.as_mut_ptr(), inb.len() as u32);
            let mut ob = token_buffer(out.as_mut_ptr(), out.len() as u32);
            let (mut id, mut od) = (descriptor(&mut ib), descriptor(&mut ob));
            let s = unsafe {
                if server {
                    AcceptSecurityContext(
                        sc,
                        if first { null_mut() } else { &mut sx },
                        &mut id,
                        req,
                        0,
                        &mut sx,
                        &mut od,
                        &mut attrs,
                        &mut ts,
                    )
                } else {
                    let target = utf16z("HTTP/web.example.com");
                    InitializeSecurityContextW(
                        cc,
                        if first { null_mut() } else { &mut cx },
                        target.as_ptr() as *mut u16,
                        req,
                        0,
                        0,
                        if input.is_some() { &mut id } else { null_mut() },
                        0,
                        &mut cx,
                        &mut od,
                        &mut attrs,
                        &mut ts,
                    )
                }
            };
            out.truncate(ob.cbBuffer as usize);
            (s, out)
        };
    let (s, negotiate) = call(None, false, true);
    assert_eq!(s, SEC_I_CONTINUE_NEEDED);
    let (s, challenge) = call(Some(&negotiate), true, true);
    assert_eq!(s, SEC_I_CONTINUE_NEEDED);
    let (s, mut authenticate) = call(Some(&challenge), false, false);
    assert_eq!(s, SEC_E_OK);
    tamper(&mut authenticate);
    let (s, _) = call(Some(&authenticate), true, false);
    tokens.extend([negotiate, challenge, authenticate]);
    (tokens, s, cx, sx)
}

fn finish(mut cx: CtxtHandle, mut sx: CtxtHandle) {
    delete(&mut cx);
    delete(&mut sx);
}

fn session_key(cx: &mut CtxtHandle) -> Vec<u8> {
    let mut k = SecPkgContext_SessionKey {
        SessionKeyLength: 0,
        SessionKey: null_mut(),
    };
    assert_eq!(
        unsafe { QueryContextAttributesW(cx, SECPKG_ATTR_SESSION_KEY, &mut k as *mut _ as *mut _) },
        SEC_E_OK
    );
    let key =
        unsafe { std::slice::from_raw_parts(k.SessionKey, k.SessionKeyLength as usize) }.to_vec();
    unsafe { FreeContextBuffer(k.SessionKey.cast()) };
    key
}

fn read_new(path: &std::path::Path, from: &mut usize) -> String {
    let all = std::fs::read_to_string(path).unwrap();
    let new = all[*from..].to_owned();
    *from = all.len();
    new
}

/// A Negotiate credential: outbound for alice, or inbound from `NTLM_USER_FILE`.
fn negotiate_credential(outbound: bool) -> CredHandle {
    let (user, domain, password) = (utf16("alice"), utf16("EXAMPLE"), utf16(PASSWORD));
    let mut id = SEC_WINNT_AUTH_IDENTITY_W {
        User: user.as_ptr() as *mut u16,
        UserLength: user.len() as u32,
        Domain: domain.as_ptr() as *mut u16,
        DomainLength: domain.len() as u32,
        Password: password.as_ptr() as *mut u16,
        PasswordLength: password.len() as u32,
        Flags: SEC_WINNT_AUTH_IDENTITY_UNICODE,
    };
    let (use_, auth) = if outbound {
        (SECPKG_CRED_OUTBOUND, &mut id as *mut _ as *mut _)
    } else {
        (SECPKG_CRED_INBOUND, null_mut())
    };
    let (mut h, mut ts) = (NO_HANDLE, 0);
    let package = utf16z("Negotiate");
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

#[test]
fn decoded_trace_with_reasons_and_no_secrets() {
    let dir = std::env::temp_dir().join(format!("ntlmssp-trace-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let users = dir.join("users");
    std::fs::write(&users, format!("EXAMPLE:alice:{PASSWORD}\n")).unwrap();
    let trace_file = dir.join("trace");
    std::env::set_var("NTLM_USER_FILE", &users);
    std::env::set_var("NTLMSSP_DEBUG", "1");
    std::env::set_var("NTLMSSP_DEBUG_FILE", &trace_file);
    std::env::remove_var("LM_COMPAT_LEVEL");
    std::env::remove_var("NTLM_TARGET_NAMES");
    let mut seen = 0;

    // A full NTLMv2 handshake.
    let mut sc = server_credential().unwrap();
    let mut cc = client_credential("alice", "EXAMPLE", PASSWORD).unwrap();
    let (tokens, s, mut cx, mut sx) = handshake_with(&mut cc, &mut sc, |_| {});
    assert_eq!(s, SEC_E_OK);
    let key = session_key(&mut cx);
    assert_eq!(key, session_key(&mut sx));
    let t = read_new(&trace_file, &mut seen);
    for want in [
        "client context for EXAMPLE\\alice, target \"HTTP/web.example.com\"",
        "policy: LM_COMPAT_LEVEL=3 (the client sends NTLMv2)",
        "policy: LM_COMPAT_LEVEL=3 (the server accepts NTLMv2 only)",
        "Message: NEGOTIATE_MESSAGE (type 1)",
        "Message: CHALLENGE_MESSAGE (type 2)",
        "Message: AUTHENTICATE_MESSAGE (type 3)",
        "UserName: \"alice\"",
        "MsvAvTargetName: \"HTTP/web.example.com\"",
        "MIC: present (MsvAvFlags announces it)",
        "established: NTLMv2, user EXAMPLE\\alice, flags 0x",
    ] {
        assert!(t.contains(want), "trace lacks {want:?}:\n{t}");
    }
    // Both contexts are traced under their own handle.
    for h in [&cx, &sx] {
        assert!(
            t.contains(&format!("ntlmssp[ctx {:#x}]: ", h.dwLower as u64)),
            "{t}"
        );
    }
    // No secret: password (as text, UTF-16LE and hex), NT hash, NTOWFv2, NTProofStr, the LMv2
    // and NT responses, MIC, EncryptedRandomSessionKey, session key; in hex either case.
    let auth = ntlmssp::nlmp::messages::Authenticate::decode(&tokens[2]).unwrap();
    let nt_hash = crypto::NTOWFv1(PASSWORD);
    let secrets: Vec<(&str, Vec<u8>)> = vec![
        ("password", PASSWORD.as_bytes().to_vec()),
        ("password UTF-16LE", ntlmssp::nlmp::codec::utf16le(PASSWORD)),
        ("NT hash", nt_hash.to_vec()),
        (
            "NTOWFv2",
            crypto::NTOWFv2(&nt_hash, "alice", "EXAMPLE").to_vec(),
        ),
        ("NTProofStr", auth.nt_challenge_response[..16].to_vec()),
        ("LMv2 response", auth.lm_challenge_response.to_vec()),
        ("MIC", auth.mic.unwrap().to_vec()),
        (
            "EncryptedRandomSessionKey",
            auth.encrypted_random_session_key.to_vec(),
        ),
        ("session key", key),
    ];
    for (name, bytes) in &secrets {
        if bytes.iter().all(|b| *b == 0) {
            continue;
        }
        let h = hex::encode(bytes);
        assert!(
            !t.contains(&h) && !t.contains(&h.to_uppercase()),
            "the trace shows the {name}"
        );
        if let Ok(text) = std::str::from_utf8(bytes) {
            assert!(!t.contains(text), "the trace shows the {name}");
        }
    }
    assert!(!t.contains(PASSWORD));
    finish(cx, sx);

    // Each kind of refusal gets its reason; the status stays SEC_E_LOGON_DENIED.
    let expect_refusal = |cc: &mut CredHandle,
                          sc: &mut CredHandle,
                          tamper: &dyn Fn(&mut Vec<u8>),
                          reason: &str,
                          seen: &mut usize| {
        let (_, s, cx, sx) = handshake_with(cc, sc, tamper);
        assert_eq!(s, SEC_E_LOGON_DENIED, "{reason}");
        let t = read_new(&trace_file, seen);
        let line =
            format!("AcceptSecurityContext failed: SEC_E_LOGON_DENIED (0x8009030c): {reason}");
        assert!(t.contains(&line), "trace lacks {line:?}:\n{t}");
        finish(cx, sx);
    };
    let mut wrong = client_credential("alice", "EXAMPLE", "not-the-password").unwrap();
    expect_refusal(&mut wrong, &mut sc, &|_| {}, "wrong password", &mut seen);
    let mut unknown = client_credential("mallory", "EXAMPLE", PASSWORD).unwrap();
    expect_refusal(&mut unknown, &mut sc, &|_| {}, "unknown user", &mut seen);
    let flip_mic = |a: &mut Vec<u8>| a[ntlmssp::nlmp::messages::MIC_OFFSET] ^= 1;
    expect_refusal(&mut cc, &mut sc, &flip_mic, "MIC mismatch", &mut seen);

    // NTLMv1 from a client at LM_COMPAT_LEVEL 2 to a server at the default level.
    std::env::set_var("LM_COMPAT_LEVEL", "2");
    let mut v1 = client_credential("alice", "EXAMPLE", PASSWORD).unwrap();
    std::env::remove_var("LM_COMPAT_LEVEL");
    expect_refusal(
        &mut v1,
        &mut sc,
        &|_| {},
        "NTLMv1 refused by policy",
        &mut seen,
    );

    // A server that accepts only other SPNs.
    std::env::set_var("NTLM_TARGET_NAMES", "HTTP/other.example.com");
    let mut strict = server_credential().unwrap();
    std::env::remove_var("NTLM_TARGET_NAMES");
    expect_refusal(
        &mut cc,
        &mut strict,
        &|_| {},
        "target name mismatch",
        &mut seen,
    );

    // A malformed AUTHENTICATE: the field and offset (the status is SEC_E_INVALID_TOKEN).
    let (_, s, cx, sx) = handshake_with(&mut cc, &mut sc, |a: &mut Vec<u8>| a[20] = 0xff);
    assert_eq!(s, SEC_E_INVALID_TOKEN);
    let t = read_new(&trace_file, &mut seen);
    assert!(t.contains("AcceptSecurityContext failed: SEC_E_INVALID_TOKEN (0x80090308): malformed token: NtChallengeResponseFields at offset 20"), "{t}");
    finish(cx, sx);

    // A Negotiate handshake: each leg's SPNEGO token decoded, with the NTLM message inside.
    let (mut ncc, mut nsc) = (negotiate_credential(true), negotiate_credential(false));
    let (_, s, cx, sx) = handshake_with(&mut ncc, &mut nsc, |_| {});
    assert_eq!(s, SEC_E_OK);
    let t = read_new(&trace_file, &mut seen);
    for want in [
        "Negotiate client leg",
        "Negotiate server leg",
        "SPNEGO NegTokenInit",
        "SPNEGO NegTokenResp",
        "NTLMSSP (1.3.6.1.4.1.311.2.2.10)",
        "AUTHENTICATE_MESSAGE (type 3)",
        "accept-completed",
    ] {
        assert!(t.contains(want), "{want} missing in {t}");
    }
    assert!(!t.contains(PASSWORD), "{t}");
    finish(cx, sx);
    free_credential(&mut ncc);
    free_credential(&mut nsc);

    // A user file damaged under a running server: reported, and the version in force stays.
    std::env::set_var("NTLM_USER_FILE_CHECK_MS", "0");
    let mut live = server_credential().unwrap();
    std::env::remove_var("NTLM_USER_FILE_CHECK_MS");
    std::fs::write(&users, "EXAMPLE:alice:no final newline").unwrap();
    let (_, s, cx, sx) = handshake_with(&mut cc, &mut live, |_| {});
    assert_eq!(s, SEC_E_OK, "the last good version stays in force");
    let t = read_new(&trace_file, &mut seen);
    assert!(
        t.contains("ntlmssp: user file ") && t.contains("the version in force stays"),
        "{t}"
    );
    assert!(
        !t.contains("no final newline"),
        "the trace never shows a line of the file: {t}"
    );
    finish(cx, sx);
    free_credential(&mut live);

    for mut h in [cc, sc, wrong, unknown, v1, strict] {
        free_credential(&mut h);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
