//! The Negotiate package through the exported functions: package information, credentials
//! with a PackageList, a handshake, what a completed context reports, messages both ways, and
//! a raw NTLM client against a Negotiate server; for NTLM and Negotiate alike, EX identities as
//! Windows takes them, output buffers too small on every leg of both roles, and the attributes
//! Windows returns from the completing call.

mod common;

use std::ptr::null_mut;

use common::*;
use ntlmssp::sspi::entry::*;
use ntlmssp::sspi::types::*;

fn wide_z(p: *const u16) -> String {
    let mut n = 0;
    unsafe {
        while *p.add(n) != 0 {
            n += 1;
        }
        String::from_utf16_lossy(std::slice::from_raw_parts(p, n))
    }
}

/// The user file, written once: tests run in parallel, and a file rewritten while another
/// test's server credential reads it could be read empty.
fn users() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let file =
            std::env::temp_dir().join(format!("ntlmssp-negotiate-abi-{}", std::process::id()));
        std::fs::write(&file, "DOMAIN:alice:Secret123\n").unwrap();
        std::env::set_var("NTLM_USER_FILE", &file);
    });
}

/// A Negotiate credential; `identity` is an EX identity with `package_list`, or none.
fn negotiate_credential(
    use_flags: u32,
    package_list: Option<&str>,
) -> Result<CredHandle, SECURITY_STATUS> {
    negotiate_credential_for("Secret123", use_flags, package_list)
}

fn negotiate_credential_for(
    password: &str,
    use_flags: u32,
    package_list: Option<&str>,
) -> Result<CredHandle, SECURITY_STATUS> {
    let length = std::mem::size_of::<SEC_WINNT_AUTH_IDENTITY_EXW>() as u32;
    let auth = use_flags == SECPKG_CRED_OUTBOUND;
    ex_credential("Negotiate", password, use_flags, auth, length, package_list)
}

/// A credential of `package`, with an EXW identity (`Length` as given, PackageList counted as
/// given, NUL included when the list ends with one) when `auth`, else NULL `pAuthData`. NULL
/// `ptsExpiry`, as Wine's tests pass it.
fn ex_credential(
    package: &str,
    password: &str,
    use_flags: u32,
    auth: bool,
    length: u32,
    package_list: Option<&str>,
) -> Result<CredHandle, SECURITY_STATUS> {
    let (user, domain, password) = (utf16("alice"), utf16("DOMAIN"), utf16(password));
    let list = package_list.map(utf16).unwrap_or_default();
    let mut id = SEC_WINNT_AUTH_IDENTITY_EXW {
        Version: SEC_WINNT_AUTH_IDENTITY_VERSION,
        Length: length,
        User: user.as_ptr() as *mut u16,
        UserLength: user.len() as u32,
        Domain: domain.as_ptr() as *mut u16,
        DomainLength: domain.len() as u32,
        Password: password.as_ptr() as *mut u16,
        PasswordLength: password.len() as u32,
        Flags: SEC_WINNT_AUTH_IDENTITY_UNICODE,
        PackageList: if package_list.is_some() {
            list.as_ptr() as *mut u16
        } else {
            null_mut()
        },
        PackageListLength: list.len() as u32,
    };
    let auth = if auth {
        &mut id as *mut _ as *mut _
    } else {
        null_mut()
    };
    let mut h = NO_HANDLE;
    let package = utf16z(package);
    let s = unsafe {
        AcquireCredentialsHandleW(
            null_mut(),
            package.as_ptr() as *mut u16,
            use_flags,
            null_mut(),
            auth,
            None,
            null_mut(),
            &mut h,
            null_mut(),
        )
    };
    if s == SEC_E_OK {
        Ok(h)
    } else {
        Err(s)
    }
}

#[test]
fn package_information() {
    let mut info: PSecPkgInfoW = null_mut();
    let name = utf16z("negotiate");
    assert_eq!(
        unsafe { QuerySecurityPackageInfoW(name.as_ptr() as *mut u16, &mut info) },
        SEC_E_OK
    );
    let i = unsafe { &*info };
    assert_eq!(
        (i.fCapabilities, i.wVersion, i.wRPCID, i.cbMaxToken),
        (0x0008_3BB3, 1, 9, 12000)
    );
    assert_eq!(
        (wide_z(i.Name), wide_z(i.Comment)),
        ("Negotiate".into(), "Microsoft Package Negotiator".into())
    );
    unsafe { FreeContextBuffer(info.cast()) };

    let mut n = 0;
    assert_eq!(
        unsafe { EnumerateSecurityPackagesW(&mut n, &mut info) },
        SEC_E_OK
    );
    assert_eq!(n, 2);
    let all = unsafe { std::slice::from_raw_parts(info, 2) };
    assert_eq!(
        (wide_z(all[0].Name), wide_z(all[1].Name)),
        ("NTLM".into(), "Negotiate".into())
    );
    assert_eq!((all[0].wRPCID, all[1].wRPCID), (10, 9));
    unsafe { FreeContextBuffer(info.cast()) };
}

/// Windows' record (Wine's secur32 ntlm.c `testAcquireCredentialsHandleW` and negotiate.c
/// `test_AcquireCredentialsHandle`, which pass on Windows): an EXW identity with `Length`
/// sizeof(SEC_WINNT_AUTH_IDENTITY_W), as callers fill it, or 0, and any PackageList, even one
/// without NTLM or naming no package, is acquired (SEC_E_OK) by NTLM and by Negotiate. NTLM never
/// reads the list; Negotiate's contexts honour it, and one without NTLM has no mechanism here.
#[test]
fn ex_identities_and_package_lists() {
    users();
    let short = std::mem::size_of::<SEC_WINNT_AUTH_IDENTITY_W>() as u32;
    let full = std::mem::size_of::<SEC_WINNT_AUTH_IDENTITY_EXW>() as u32;
    for package in ["NTLM", "Negotiate"] {
        for length in [short, 0, full] {
            for list in [
                Some("ntlm,!kerberos"),
                Some("kerberos,!ntlm"),
                Some("nosuch\0"),
                Some("ntlm\0"),
                None,
            ] {
                let what = format!("{package}, Length {length}, PackageList {list:?}");
                let cred = ex_credential(
                    package,
                    "Secret123",
                    SECPKG_CRED_OUTBOUND,
                    true,
                    length,
                    list,
                );
                let mut cc = cred.unwrap_or_else(|s| panic!("{what}: 0x{s:08x}"));
                let mut sc = credential(package, SECPKG_CRED_INBOUND, "");
                let allowed = package == "NTLM" || list.is_none_or(|l| l.starts_with("ntlm"));
                match handshake(&mut cc, &mut sc) {
                    Ok((mut cx, mut sx)) => {
                        assert!(allowed, "{what}: completed");
                        assert_eq!(client_name(&mut sx).unwrap(), "DOMAIN\\alice", "{what}");
                        delete(&mut cx);
                        delete(&mut sx);
                    }
                    Err(s) => {
                        assert!(!allowed, "{what}: 0x{s:08x}");
                        assert_eq!(s, SEC_E_NO_CREDENTIALS, "{what}: no mechanism left");
                    }
                }
                free_credential(&mut cc);
                free_credential(&mut sc);
            }
        }
    }
    // A server credential whose list leaves out NTLM accepts nothing either.
    let mut cc = credential("Negotiate", SECPKG_CRED_OUTBOUND, "Secret123");
    let mut sc =
        ex_credential("Negotiate", "", SECPKG_CRED_INBOUND, true, 0, Some("!ntlm")).unwrap();
    assert_eq!(
        handshake(&mut cc, &mut sc).unwrap_err(),
        SEC_E_NO_CREDENTIALS
    );
    free_credential(&mut cc);
    free_credential(&mut sc);
}

#[test]
fn handshake_attributes_and_messages() {
    users();
    let mut cc = negotiate_credential(SECPKG_CRED_OUTBOUND, None).unwrap();
    let mut sc = negotiate_credential(SECPKG_CRED_INBOUND, None).unwrap();
    let (mut cx, mut sx) = handshake(&mut cc, &mut sc).unwrap();
    assert_eq!(client_name(&mut sx).unwrap(), "DOMAIN\\alice");
    for cx in [&mut cx, &mut sx] {
        let mut ni = SecPkgContext_NegotiationInfoW {
            PackageInfo: null_mut(),
            NegotiationState: 99,
        };
        assert_eq!(
            unsafe {
                QueryContextAttributesW(
                    cx,
                    SECPKG_ATTR_NEGOTIATION_INFO,
                    &mut ni as *mut _ as *mut _,
                )
            },
            SEC_E_OK
        );
        assert_eq!(ni.NegotiationState, SECPKG_NEGOTIATION_COMPLETE);
        assert_eq!(wide_z(unsafe { (*ni.PackageInfo).Name }), "NTLM");
        unsafe { FreeContextBuffer(ni.PackageInfo.cast()) };
        let mut pi = SecPkgContext_PackageInfoW {
            PackageInfo: null_mut(),
        };
        assert_eq!(
            unsafe {
                QueryContextAttributesW(cx, SECPKG_ATTR_PACKAGE_INFO, &mut pi as *mut _ as *mut _)
            },
            SEC_E_OK
        );
        assert_eq!(wide_z(unsafe { (*pi.PackageInfo).Name }), "Negotiate");
        unsafe { FreeContextBuffer(pi.PackageInfo.cast()) };
        let mut sizes = SecPkgContext_Sizes {
            cbMaxToken: 0,
            cbMaxSignature: 0,
            cbBlockSize: 9,
            cbSecurityTrailer: 0,
        };
        assert_eq!(
            unsafe {
                QueryContextAttributesW(cx, SECPKG_ATTR_SIZES, &mut sizes as *mut _ as *mut _)
            },
            SEC_E_OK
        );
        assert_eq!(
            (
                sizes.cbMaxToken,
                sizes.cbMaxSignature,
                sizes.cbBlockSize,
                sizes.cbSecurityTrailer
            ),
            (2888, 16, 0, 16)
        );
    }
    // Both directions, though the client never saw the server's final token; a replay fails.
    for _ in 0..2 {
        let mut data = *b"client to server";
        let mut sig = seal(&mut cx, &mut data).unwrap();
        let (mut replay_data, mut replay_sig) = (data, sig);
        assert_eq!(unseal(&mut sx, &mut data, &mut sig), SEC_E_OK);
        assert_eq!(&data, b"client to server");
        assert_ne!(unseal(&mut sx, &mut replay_data, &mut replay_sig), SEC_E_OK);
        let mut data = *b"server to client";
        let mut sig = seal(&mut sx, &mut data).unwrap();
        assert_eq!(unseal(&mut cx, &mut data, &mut sig), SEC_E_OK);
        assert_eq!(&data, b"server to client");
    }
    delete(&mut cx);
    delete(&mut sx);

    // A raw NTLM client against the Negotiate server: a plain NTLM context.
    let mut ntlm = client_credential("alice", "DOMAIN", "Secret123").unwrap();
    let (mut cx, mut sx) = handshake(&mut ntlm, &mut sc).unwrap();
    let mut data = *b"raw";
    let mut sig = seal(&mut cx, &mut data).unwrap();
    assert_eq!(unseal(&mut sx, &mut data, &mut sig), SEC_E_OK);
    delete(&mut cx);
    delete(&mut sx);

    // A wrong password: denied.
    let mut bad = client_credential("alice", "DOMAIN", "wrong").unwrap();
    let mut nego_bad = negotiate_credential_for("wrong", SECPKG_CRED_OUTBOUND, None).unwrap();
    assert_eq!(
        handshake(&mut nego_bad, &mut sc).unwrap_err(),
        SEC_E_LOGON_DENIED
    );
    assert_eq!(
        handshake(&mut bad, &mut sc).unwrap_err(),
        SEC_E_LOGON_DENIED
    );
    for c in [&mut cc, &mut sc, &mut ntlm, &mut bad, &mut nego_bad] {
        free_credential(c);
    }
}

// ---------------------------------------------------------------------------------------------
// Every leg of both roles of both packages with an output buffer that is too small, and what
// Windows records for the attributes of the completing call.

/// What one InitializeSecurityContext or AcceptSecurityContext call gave.
struct Leg {
    status: SECURITY_STATUS,
    token: Vec<u8>,
    attrs: u32,
}

/// How the caller gives the output TOKEN buffer.
#[derive(Clone, Copy, Debug)]
enum Out {
    /// A buffer of this many bytes.
    Bytes(usize),
    /// ISC/ASC_REQ_ALLOCATE_MEMORY.
    Allocate,
}

/// One call through the exports: the client's InitializeSecurityContextW (`client`) or the
/// server's AcceptSecurityContext on `ctx` (NO_HANDLE: a new context, written back only when
/// the call succeeds). Checks what a failed call must leave: no handle, the caller's buffer
/// and its cbBuffer untouched after SEC_E_BUFFER_TOO_SMALL.
fn call(
    client: bool,
    cred: &mut CredHandle,
    ctx: &mut CtxtHandle,
    input: Option<&[u8]>,
    req: u32,
    out: Out,
) -> Leg {
    const FILL: u8 = 0xEE;
    let (cap, req) = match out {
        Out::Bytes(n) => (n, req),
        Out::Allocate => (0, req | ISC_REQ_ALLOCATE_MEMORY),
    };
    let mut room = vec![FILL; cap + 64];
    let mut input = input.map(<[u8]>::to_vec);
    let mut ib = match &mut input {
        Some(i) => token_buffer(i.as_mut_ptr(), i.len()),
        None => token_buffer(null_mut(), 0),
    };
    let mut ob = match out {
        Out::Bytes(n) => token_buffer(room.as_mut_ptr(), n),
        Out::Allocate => token_buffer(null_mut(), 0),
    };
    let (mut id, mut od) = (descriptor(&mut ib), descriptor(&mut ob));
    let new = *ctx == NO_HANDLE;
    let mut handle = NO_HANDLE;
    let (mut attrs, mut ts) = (0xFFFF_FFFF, 0);
    let status = unsafe {
        let existing: PCtxtHandle = if new { null_mut() } else { ctx };
        if client {
            InitializeSecurityContextW(
                cred,
                existing,
                null_mut(),
                req,
                0,
                0,
                if input.is_some() { &mut id } else { null_mut() },
                0,
                &mut handle,
                &mut od,
                &mut attrs,
                &mut ts,
            )
        } else {
            AcceptSecurityContext(
                cred,
                existing,
                &mut id,
                req,
                0,
                &mut handle,
                &mut od,
                &mut attrs,
                &mut ts,
            )
        }
    };
    let ok = status == SEC_E_OK || status == SEC_I_CONTINUE_NEEDED;
    if new {
        if ok {
            *ctx = handle;
        } else {
            assert_eq!(handle, NO_HANDLE, "a failed first call writes no handle");
        }
    } else if ok {
        assert_eq!(handle, *ctx, "the same context");
    }
    if status == SEC_E_BUFFER_TOO_SMALL {
        assert_eq!(
            ob.cbBuffer as usize, cap,
            "the caller's size is kept for the retry"
        );
        assert!(room.iter().all(|b| *b == FILL), "nothing written");
    }
    let token = if !ok || ob.cbBuffer == 0 {
        Vec::new()
    } else {
        let t =
            unsafe { std::slice::from_raw_parts(ob.pvBuffer as *const u8, ob.cbBuffer as usize) }
                .to_vec();
        if let Out::Allocate = out {
            assert_eq!(unsafe { FreeContextBuffer(ob.pvBuffer) }, SEC_E_OK);
        } else {
            assert!(
                room[t.len()..].iter().all(|b| *b == FILL),
                "nothing past the token"
            );
        }
        t
    };
    Leg {
        status,
        token,
        attrs,
    }
}

fn credential(package: &str, use_flags: u32, password: &str) -> CredHandle {
    match (package, use_flags) {
        ("Negotiate", _) => negotiate_credential_for(password, use_flags, None).unwrap(),
        (_, SECPKG_CRED_OUTBOUND) => client_credential("alice", "DOMAIN", password).unwrap(),
        _ => server_credential().unwrap(),
    }
}

/// A handshake in which each leg that sends a token is first called with `small(len)` bytes of
/// output (`len` as the previous handshake measured it, 0 when not known), which must fail with
/// SEC_E_BUFFER_TOO_SMALL and change nothing, then retried as `retry(leg)` says, which must
/// complete that same leg. Legs that send no token must succeed with any buffer. Returns the
/// lengths of the tokens sent, leg by leg.
fn handshake_retrying(
    client_package: &str,
    server_package: &str,
    measured: &[usize],
    small: impl Fn(usize) -> usize,
    retry: impl Fn(usize, usize) -> Out,
) -> Vec<usize> {
    let mut cc = credential(client_package, SECPKG_CRED_OUTBOUND, "Secret123");
    let mut sc = credential(server_package, SECPKG_CRED_INBOUND, "");
    let (mut cx, mut sx) = (NO_HANDLE, NO_HANDLE);
    let req = ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY;
    let mut lengths = Vec::new();
    let mut input: Option<Vec<u8>> = None;
    let (mut client_done, mut server_done) = (false, false);
    for n in 0.. {
        let client = n % 2 == 0;
        if (client && client_done && input.is_none()) || n > 8 {
            break;
        }
        let (cred, ctx) = if client {
            (&mut cc, &mut cx)
        } else {
            (&mut sc, &mut sx)
        };
        let what = format!("{client_package} to {server_package}, leg {n}");
        let len = measured.get(n).copied().unwrap_or(0);
        let first = call(
            client,
            cred,
            ctx,
            input.as_deref(),
            req,
            Out::Bytes(small(len)),
        );
        let leg = if first.status == SEC_E_BUFFER_TOO_SMALL {
            let leg = call(client, cred, ctx, input.as_deref(), req, retry(n, len));
            assert!(!leg.token.is_empty(), "{what}: a retried leg sends a token");
            leg
        } else {
            assert!(
                first.token.is_empty(),
                "{what}: only a leg without a token fits"
            );
            first
        };
        assert!(
            leg.status == SEC_E_OK || leg.status == SEC_I_CONTINUE_NEEDED,
            "{what}: 0x{:08x}",
            leg.status
        );
        let done = leg.status == SEC_E_OK;
        if client {
            client_done = done;
        } else {
            server_done = done;
        }
        lengths.push(leg.token.len());
        input = (!leg.token.is_empty()).then_some(leg.token);
        if client_done && server_done && input.is_none() {
            break;
        }
    }
    assert!(
        client_done && server_done,
        "{client_package} to {server_package}: completes"
    );
    assert_eq!(client_name(&mut sx).unwrap(), "DOMAIN\\alice");
    for to_server in [true, false] {
        let (from, to) = if to_server {
            (&mut cx, &mut sx)
        } else {
            (&mut sx, &mut cx)
        };
        let mut data = *b"after the retries";
        let mut sig = seal(from, &mut data).unwrap();
        assert_eq!(unseal(to, &mut data, &mut sig), SEC_E_OK);
        assert_eq!(&data, b"after the retries");
    }
    for h in [&mut cx, &mut sx] {
        delete(h);
    }
    for c in [&mut cc, &mut sc] {
        free_credential(c);
    }
    lengths
}

#[test]
fn a_buffer_too_small_loses_nothing() {
    users();
    for (client, server) in [
        ("NTLM", "NTLM"),
        ("Negotiate", "Negotiate"),
        // A raw NTLM client against a Negotiate server (a plain NTLM context there).
        ("NTLM", "Negotiate"),
    ] {
        // One byte of room, then a buffer of cbMaxToken or ALLOCATE_MEMORY, alternately.
        let lengths = handshake_retrying(
            client,
            server,
            &[],
            |_| 1,
            |n, _| {
                if n % 2 == 1 {
                    Out::Allocate
                } else {
                    Out::Bytes(12000)
                }
            },
        );
        // One byte short of the token each leg sends, then exactly its size (and ALLOCATE_MEMORY
        // the other way round).
        let again = handshake_retrying(
            client,
            server,
            &lengths,
            |l| l.saturating_sub(1),
            |_, l| Out::Bytes(l),
        );
        assert_eq!(
            again, lengths,
            "{client} to {server}: the same tokens' sizes"
        );
        handshake_retrying(
            client,
            server,
            &lengths,
            |l| l.saturating_sub(1),
            |_, _| Out::Allocate,
        );
        if client == "Negotiate" {
            // The acceptor's last leg is the one that decides the logon and then sends a token:
            // NegTokenResp{accept-completed, mechListMIC}.
            assert!(
                lengths.len() == 5 && lengths[3] > 16 && lengths[4] == 0,
                "{lengths:?}"
            );
        }
    }
}

#[test]
fn a_refused_logon_still_ends_the_context_whatever_the_buffer() {
    users();
    for package in ["NTLM", "Negotiate"] {
        let mut cc = credential(package, SECPKG_CRED_OUTBOUND, "wrong");
        let mut sc = credential(package, SECPKG_CRED_INBOUND, "");
        let (mut cx, mut sx) = (NO_HANDLE, NO_HANDLE);
        let big = Out::Bytes(12000);
        let t1 = call(true, &mut cc, &mut cx, None, 0, big).token;
        let t2 = call(false, &mut sc, &mut sx, Some(&t1), 0, big).token;
        let t3 = call(true, &mut cc, &mut cx, Some(&t2), 0, big);
        assert_eq!(t3.status, SEC_E_OK);
        // Decided before anything is written: the denial, not BUFFER_TOO_SMALL.
        let refused = call(false, &mut sc, &mut sx, Some(&t3.token), 0, Out::Bytes(1));
        assert_eq!(refused.status, SEC_E_LOGON_DENIED, "{package}");
        let again = call(false, &mut sc, &mut sx, Some(&t3.token), 0, big);
        assert_eq!(
            again.status, SEC_E_OUT_OF_SEQUENCE,
            "{package}: the context ended"
        );
        for h in [&mut cx, &mut sx] {
            delete(h);
        }
        for c in [&mut cc, &mut sc] {
            free_credential(c);
        }
    }
}

/// Windows' record of the context attributes (Wine's secur32 ntlm.c
/// `testInitializeSecurityContextFlags`, which passes on Windows): the first call with
/// `fContextReq`, the completing call with 0. MUTUAL_AUTH comes back from the completing call
/// because the first asked for it; CONNECTION only from the first; EXTENDED_ERROR, DELEGATE and
/// USE_DCE_STYLE never; the rest from what was negotiated. Negotiate contexts (NTLM inside)
/// report the same.
#[test]
fn attributes_of_the_completing_call_follow_windows() {
    users();
    // (fContextReq, SIGN|SEAL in NEGOTIATE, ISC 1, ASC 1, ISC 2 with 0, ASC 2)
    const INTEG: u32 = ISC_RET_INTEGRITY | ISC_RET_SEQUENCE_DETECT | ISC_RET_REPLAY_DETECT;
    const S_INTEG: u32 = ASC_RET_INTEGRITY | ASC_RET_SEQUENCE_DETECT | ASC_RET_REPLAY_DETECT;
    const S_SIGN: u32 = ASC_RET_SEQUENCE_DETECT | ASC_RET_REPLAY_DETECT;
    let record: [(u32, u32, u32, u32, u32, u32); 10] = [
        (0, 0, 0, 0, 0, 0),
        (ISC_REQ_CONNECTION, 0, ISC_RET_CONNECTION, 0, 0, 0),
        (ISC_REQ_EXTENDED_ERROR, 0, 0, 0, 0, 0),
        (ISC_REQ_MUTUAL_AUTH, 0, 0, 0, ISC_RET_MUTUAL_AUTH, 0),
        (ISC_REQ_USE_DCE_STYLE, 0, 0, 0, 0, 0),
        (ISC_REQ_DELEGATE, 0, 0, 0, 0, 0),
        (
            ISC_REQ_INTEGRITY,
            0x10,
            ISC_RET_INTEGRITY,
            S_SIGN,
            INTEG,
            S_INTEG,
        ),
        (
            ISC_REQ_REPLAY_DETECT,
            0x10,
            ISC_RET_REPLAY_DETECT,
            S_SIGN,
            INTEG,
            S_INTEG,
        ),
        (
            ISC_REQ_SEQUENCE_DETECT,
            0x10,
            ISC_RET_SEQUENCE_DETECT,
            S_SIGN,
            INTEG,
            S_INTEG,
        ),
        (
            ISC_REQ_CONFIDENTIALITY,
            0x30,
            ISC_RET_CONFIDENTIALITY | ISC_RET_INTEGRITY,
            S_SIGN | ASC_RET_CONFIDENTIALITY,
            INTEG | ISC_RET_CONFIDENTIALITY,
            S_INTEG | ASC_RET_CONFIDENTIALITY,
        ),
    ];
    for package in ["NTLM", "Negotiate"] {
        let mut cc = credential(package, SECPKG_CRED_OUTBOUND, "Secret123");
        let mut sc = credential(package, SECPKG_CRED_INBOUND, "");
        for (req, sign_seal, isc1, asc1, isc2, asc2) in record {
            let what = format!("{package}, fContextReq 0x{req:x}");
            let (mut cx, mut sx) = (NO_HANDLE, NO_HANDLE);
            let big = Out::Bytes(12000);
            let l1 = call(true, &mut cc, &mut cx, None, req, big);
            assert_eq!(
                (l1.status, l1.attrs),
                (SEC_I_CONTINUE_NEEDED, isc1),
                "{what}"
            );
            if package == "NTLM" {
                let flags = u32::from_le_bytes(l1.token[12..16].try_into().unwrap());
                assert_eq!(flags & 0x30, sign_seal, "{what}");
            }
            let l2 = call(false, &mut sc, &mut sx, Some(&l1.token), 0, big);
            assert_eq!(
                (l2.status, l2.attrs),
                (SEC_I_CONTINUE_NEEDED, asc1),
                "{what}"
            );
            let l3 = call(true, &mut cc, &mut cx, Some(&l2.token), 0, big);
            assert_eq!((l3.status, l3.attrs), (SEC_E_OK, isc2), "{what}");
            let l4 = call(false, &mut sc, &mut sx, Some(&l3.token), 0, big);
            assert_eq!((l4.status, l4.attrs), (SEC_E_OK, asc2), "{what}");
            let mut flags = SecPkgContext_Flags { Flags: 0 };
            let s = unsafe {
                QueryContextAttributesW(&mut cx, SECPKG_ATTR_FLAGS, &mut flags as *mut _ as *mut _)
            };
            assert_eq!(
                (s, flags.Flags),
                (SEC_E_OK, isc2),
                "{what}: FLAGS as returned"
            );
            if package == "Negotiate" {
                // The acceptor's final token passed back: still what the first call asked.
                let l5 = call(true, &mut cc, &mut cx, Some(&l4.token), 0, big);
                assert_eq!(
                    (l5.status, l5.attrs),
                    (SEC_E_OK, isc2),
                    "{what}: final token"
                );
            }
            delete(&mut cx);
            delete(&mut sx);
        }
        free_credential(&mut cc);
        free_credential(&mut sc);
    }
}
