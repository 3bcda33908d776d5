//! The LSA-mode tables (`SpLsaModeInitialize`, `SpUserModeInitialize`) driven the way an
//! in-process host (Wine's secur32) drives them: initialisation, a handshake whose continuation
//! calls pass credential 0, the client's name, sealed messages both ways, and hostile arguments.
#![allow(non_snake_case)]

mod common;

use std::ptr::{null, null_mut};

use common::{descriptor, token_buffer};

use ntlmssp::sspi::lsa::*;
use ntlmssp::sspi::types::*;

fn tables() -> (
    &'static SECPKG_FUNCTION_TABLE,
    &'static SECPKG_USER_FUNCTION_TABLE,
) {
    let (mut version, mut lsa, mut count) = (0, null(), 0);
    assert_eq!(
        unsafe {
            SpLsaModeInitialize(SECPKG_INTERFACE_VERSION, &mut version, &mut lsa, &mut count)
        },
        STATUS_SUCCESS
    );
    assert_eq!((version, count), (SECPKG_INTERFACE_VERSION, 1));
    let (mut uversion, mut user, mut ucount) = (0, null(), 0);
    assert_eq!(
        unsafe {
            SpUserModeInitialize(
                SECPKG_INTERFACE_VERSION,
                &mut uversion,
                &mut user,
                &mut ucount,
            )
        },
        STATUS_SUCCESS
    );
    assert_eq!((uversion, ucount), (SECPKG_INTERFACE_VERSION, 1));
    unsafe { (&*lsa, &*user) }
}

fn unicode(units: &mut [u16]) -> UNICODE_STRING {
    let bytes = (units.len() * 2) as u16;
    UNICODE_STRING {
        Length: bytes,
        MaximumLength: bytes,
        Buffer: units.as_mut_ptr(),
    }
}

fn acquire(
    t: &SECPKG_FUNCTION_TABLE,
    flags: ULONG,
    identity: PVOID,
) -> Result<LSA_SEC_HANDLE, NTSTATUS> {
    let (mut h, mut ts) = (0, 0);
    let s = unsafe {
        (t.SpAcquireCredentialsHandle.unwrap())(
            null(),
            flags,
            null_mut(),
            identity,
            null_mut(),
            null_mut(),
            &mut h,
            &mut ts,
        )
    };
    if s == SEC_E_OK {
        assert_ne!(h, 0, "a credential handle is never 0");
        Ok(h)
    } else {
        Err(s)
    }
}

fn client_credential(t: &SECPKG_FUNCTION_TABLE, password: &str) -> LSA_SEC_HANDLE {
    let (user, domain, pw): (Vec<u16>, Vec<u16>, Vec<u16>) = (
        "alice".encode_utf16().collect(),
        "DOMAIN".encode_utf16().collect(),
        password.encode_utf16().collect(),
    );
    let mut id = SEC_WINNT_AUTH_IDENTITY_W {
        User: user.as_ptr() as *mut u16,
        UserLength: user.len() as u32,
        Domain: domain.as_ptr() as *mut u16,
        DomainLength: domain.len() as u32,
        Password: pw.as_ptr() as *mut u16,
        PasswordLength: pw.len() as u32,
        Flags: SEC_WINNT_AUTH_IDENTITY_UNICODE,
    };
    // The host's reserved high bits ride along with the caller's flags.
    acquire(
        t,
        SECPKG_CRED_OUTBOUND | 0x1000_0000,
        &mut id as *mut _ as PVOID,
    )
    .unwrap()
}

fn server_credential(t: &SECPKG_FUNCTION_TABLE) -> LSA_SEC_HANDLE {
    // Tests run in parallel and the variable is process-wide: one at a time.
    static ENV: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = ENV.lock().unwrap();
    let file = std::env::temp_dir().join(format!("ntlmssp-lsa-{}", std::process::id()));
    std::fs::write(&file, "DOMAIN:alice:Secret123\n").unwrap();
    std::env::set_var("NTLM_USER_FILE", &file);
    let h = acquire(t, SECPKG_CRED_INBOUND | 0x8000_0000, null_mut()).unwrap();
    std::fs::remove_file(&file).unwrap();
    h
}

/// One leg: the host passes credential 0 once a context exists.
unsafe fn leg(
    t: &SECPKG_FUNCTION_TABLE,
    client: bool,
    cred: LSA_SEC_HANDLE,
    ctx: &mut LSA_SEC_HANDLE,
    input: &[u8],
    target: &mut [u16],
) -> (NTSTATUS, Vec<u8>) {
    let mut inp = input.to_vec();
    let mut out = vec![0u8; 4096];
    let mut ib = token_buffer(inp.as_mut_ptr(), inp.len() as u32);
    let mut ob = token_buffer(out.as_mut_ptr(), out.len() as u32);
    let (mut id, mut od) = (descriptor(&mut ib), descriptor(&mut ob));
    let (cred, input_desc) = if *ctx == 0 {
        (
            cred,
            if input.is_empty() {
                null_mut()
            } else {
                &mut id as *mut _
            },
        )
    } else {
        (0, &mut id as *mut _)
    };
    let (mut new, mut attrs, mut ts, mut mapped) = (0, 0, 0, 1u8);
    let req = ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY;
    let s = if client {
        let target = unicode(target);
        (t.InitLsaModeContext.unwrap())(
            cred,
            *ctx,
            &target,
            req,
            0,
            input_desc,
            &mut new,
            &mut od,
            &mut attrs,
            &mut ts,
            &mut mapped,
            null_mut(),
        )
    } else {
        (t.AcceptLsaModeContext.unwrap())(
            cred,
            *ctx,
            input_desc,
            req,
            0,
            &mut new,
            &mut od,
            &mut attrs,
            &mut ts,
            &mut mapped,
            null_mut(),
        )
    };
    if s == SEC_E_OK || s == SEC_I_CONTINUE_NEEDED {
        assert_ne!(new, 0, "a context handle is never 0");
        assert_eq!(mapped, 0, "the context is not mapped to another process");
        if *ctx != 0 {
            assert_eq!(new, *ctx, "a continuation keeps the context's handle");
        }
        *ctx = new;
    }
    out.truncate(ob.cbBuffer as usize);
    (s, out)
}

/// The whole handshake; the client and server contexts.
fn handshake(
    t: &SECPKG_FUNCTION_TABLE,
    cc: LSA_SEC_HANDLE,
    sc: LSA_SEC_HANDLE,
) -> Result<(LSA_SEC_HANDLE, LSA_SEC_HANDLE), NTSTATUS> {
    let mut target: Vec<u16> = "HOST/server".encode_utf16().collect();
    let (mut cx, mut sx) = (0, 0);
    unsafe {
        let (s, negotiate) = leg(t, true, cc, &mut cx, &[], &mut target);
        assert_eq!(s, SEC_I_CONTINUE_NEEDED);
        let (s, challenge) = leg(t, false, sc, &mut sx, &negotiate, &mut target);
        assert_eq!(s, SEC_I_CONTINUE_NEEDED);
        let (s, authenticate) = leg(t, true, 0, &mut cx, &challenge, &mut target);
        assert_eq!(s, SEC_E_OK);
        let (s, _) = leg(t, false, 0, &mut sx, &authenticate, &mut target);
        if s != SEC_E_OK {
            (t.DeleteContext.unwrap())(cx);
            (t.DeleteContext.unwrap())(sx);
            return Err(s);
        }
    }
    Ok((cx, sx))
}

unsafe fn seal_unseal(
    u: &SECPKG_USER_FUNCTION_TABLE,
    from: LSA_SEC_HANDLE,
    to: LSA_SEC_HANDLE,
    text: &[u8],
) -> Vec<u8> {
    let mut data = text.to_vec();
    let mut sig = [0u8; 16];
    let mut bufs = [
        SecBuffer {
            cbBuffer: 16,
            BufferType: SECBUFFER_TOKEN,
            pvBuffer: sig.as_mut_ptr().cast(),
        },
        SecBuffer {
            cbBuffer: data.len() as u32,
            BufferType: SECBUFFER_DATA,
            pvBuffer: data.as_mut_ptr().cast(),
        },
    ];
    let mut d = SecBufferDesc {
        ulVersion: SECBUFFER_VERSION,
        cBuffers: 2,
        pBuffers: bufs.as_mut_ptr(),
    };
    assert_eq!((u.SealMessage.unwrap())(from, 0, &mut d, 0), SEC_E_OK);
    assert_ne!(data, text);
    let mut qop = 0;
    assert_eq!(
        (u.UnsealMessage.unwrap())(to, &mut d, 0, &mut qop),
        SEC_E_OK
    );
    // Signing goes through the caller-side table too.
    let mut sbufs = [
        SecBuffer {
            cbBuffer: 16,
            BufferType: SECBUFFER_TOKEN,
            pvBuffer: sig.as_mut_ptr().cast(),
        },
        SecBuffer {
            cbBuffer: data.len() as u32,
            BufferType: SECBUFFER_DATA,
            pvBuffer: data.as_mut_ptr().cast(),
        },
    ];
    let mut sd = SecBufferDesc {
        ulVersion: SECBUFFER_VERSION,
        cBuffers: 2,
        pBuffers: sbufs.as_mut_ptr(),
    };
    assert_eq!((u.MakeSignature.unwrap())(from, 0, &mut sd, 0), SEC_E_OK);
    assert_eq!(
        (u.VerifySignature.unwrap())(to, &mut sd, 0, &mut qop),
        SEC_E_OK
    );
    *(sbufs[0].pvBuffer as *mut u8).add(3) ^= 1;
    assert_ne!(
        (u.VerifySignature.unwrap())(to, &mut sd, 0, &mut qop),
        SEC_E_OK
    );
    data
}

#[test]
fn package_registration() {
    let (t, u) = tables();
    let mut name: *const LSA_STRING = null();
    assert_eq!(
        unsafe { (t.InitializePackage.unwrap())(1, null_mut(), null_mut(), null_mut(), &mut name) },
        STATUS_SUCCESS
    );
    let name = unsafe { &*name };
    assert_eq!(
        unsafe { std::slice::from_raw_parts(name.Buffer, name.Length as usize) },
        b"NTLM"
    );
    assert_eq!(
        unsafe { (t.Initialize.unwrap())(1, null_mut(), null_mut()) },
        STATUS_SUCCESS
    );
    assert_eq!(
        unsafe { (u.InstanceInit.unwrap())(SECPKG_INTERFACE_VERSION, null_mut(), null_mut()) },
        STATUS_SUCCESS
    );
    let mut info = SecPkgInfoW {
        fCapabilities: 0,
        wVersion: 0,
        wRPCID: 0,
        cbMaxToken: 0,
        Name: null_mut(),
        Comment: null_mut(),
    };
    assert_eq!(unsafe { (t.GetInfo.unwrap())(&mut info) }, STATUS_SUCCESS);
    let wide = |p: *const u16| unsafe {
        let n = (0..).take_while(|&i| *p.add(i) != 0).count();
        String::from_utf16(std::slice::from_raw_parts(p, n)).unwrap()
    };
    assert_eq!(
        (wide(info.Name), wide(info.Comment).as_str()),
        ("NTLM".to_owned(), ntlmssp::sspi::packages::PACKAGE_COMMENT)
    );
    assert_eq!(
        (info.wRPCID, info.cbMaxToken),
        (10, ntlmssp::sspi::packages::MAX_TOKEN)
    );
    // Initialisation with NULL outputs is refused, not a crash.
    assert_eq!(
        unsafe {
            SpLsaModeInitialize(SECPKG_INTERFACE_VERSION, null_mut(), null_mut(), null_mut())
        },
        STATUS_INVALID_PARAMETER
    );
    assert_eq!(
        unsafe { (t.GetInfo.unwrap())(null_mut()) },
        STATUS_INVALID_PARAMETER
    );
}

#[test]
fn handshake_names_and_messages_through_the_tables() {
    let (t, u) = tables();
    let cc = client_credential(t, "Secret123");
    let sc = server_credential(t);
    let (cx, sx) = handshake(t, cc, sc).unwrap();
    unsafe {
        let mut names = SecPkgContext_NamesW {
            sUserName: null_mut(),
        };
        assert_eq!(
            (t.SpQueryContextAttributes.unwrap())(
                sx,
                SECPKG_ATTR_NAMES,
                &mut names as *mut _ as PVOID
            ),
            SEC_E_OK
        );
        let n = (0..).take_while(|&i| *names.sUserName.add(i) != 0).count();
        assert_eq!(
            String::from_utf16_lossy(std::slice::from_raw_parts(names.sUserName, n)),
            "DOMAIN\\alice"
        );
        assert_eq!(
            ntlmssp::sspi::packages::free_context_buffer(names.sUserName.cast()),
            SEC_E_OK
        );
        let mut sizes = SecPkgContext_Sizes {
            cbMaxToken: 0,
            cbMaxSignature: 0,
            cbBlockSize: 0,
            cbSecurityTrailer: 0,
        };
        assert_eq!(
            (u.QueryContextAttributes.unwrap())(
                cx,
                SECPKG_ATTR_SIZES,
                &mut sizes as *mut _ as PVOID
            ),
            SEC_E_OK
        );
        assert_eq!(sizes.cbMaxSignature, 16);
        assert_eq!(
            seal_unseal(u, cx, sx, b"client to server"),
            b"client to server"
        );
        assert_eq!(
            seal_unseal(u, sx, cx, b"server to client"),
            b"server to client"
        );
        for h in [cx, sx] {
            assert_eq!((t.DeleteContext.unwrap())(h), SEC_E_OK);
            assert_eq!(
                (t.DeleteContext.unwrap())(h),
                SEC_E_INVALID_HANDLE,
                "a deleted context is gone"
            );
        }
        for h in [cc, sc] {
            assert_eq!((t.FreeCredentialsHandle.unwrap())(h), SEC_E_OK);
            assert_eq!((t.FreeCredentialsHandle.unwrap())(h), SEC_E_INVALID_HANDLE);
        }
    }
}

#[test]
fn wrong_password_fails_the_last_leg() {
    let (t, _) = tables();
    let cc = client_credential(t, "wrong");
    let sc = server_credential(t);
    assert_eq!(handshake(t, cc, sc), Err(SEC_E_LOGON_DENIED));
    unsafe {
        (t.FreeCredentialsHandle.unwrap())(cc);
        (t.FreeCredentialsHandle.unwrap())(sc);
    }
}

#[test]
fn hostile_arguments() {
    let (t, u) = tables();
    unsafe {
        // Bad handles: 0, made up, of the other kind.
        let cc = client_credential(t, "Secret123");
        for h in [0, 1, usize::MAX, 0x1234_5678] {
            assert_eq!((t.FreeCredentialsHandle.unwrap())(h), SEC_E_INVALID_HANDLE);
            assert_eq!((t.DeleteContext.unwrap())(h), SEC_E_INVALID_HANDLE);
            assert_eq!(
                (u.SealMessage.unwrap())(h, 0, null_mut(), 0),
                SEC_E_INVALID_TOKEN
            );
        }
        assert_eq!(
            (t.DeleteContext.unwrap())(cc),
            SEC_E_INVALID_HANDLE,
            "a credential is not a context"
        );
        // No credential on a first call.
        let mut target: Vec<u16> = "x".encode_utf16().collect();
        let mut ctx = 0;
        let (s, _) = leg(t, true, 0, &mut ctx, &[], &mut target);
        assert_eq!((s, ctx), (SEC_E_INVALID_HANDLE, 0));
        // Malformed counted target names: odd length, longer than its maximum, NULL buffer.
        let mut units = [b'a' as u16; 4];
        for bad in [
            UNICODE_STRING {
                Length: 3,
                MaximumLength: 8,
                Buffer: units.as_mut_ptr(),
            },
            UNICODE_STRING {
                Length: 8,
                MaximumLength: 4,
                Buffer: units.as_mut_ptr(),
            },
            UNICODE_STRING {
                Length: 8,
                MaximumLength: 8,
                Buffer: null_mut(),
            },
        ] {
            let (mut new, mut attrs, mut ts, mut mapped) = (0, 0, 0, 0);
            let s = (t.InitLsaModeContext.unwrap())(
                cc,
                0,
                &bad,
                0,
                0,
                null_mut(),
                &mut new,
                null_mut(),
                &mut attrs,
                &mut ts,
                &mut mapped,
                null_mut(),
            );
            assert_eq!((s, new), (SEC_E_TARGET_UNKNOWN, 0));
        }
        // No place for the new handle.
        let s = (t.InitLsaModeContext.unwrap())(
            cc,
            0,
            null(),
            0,
            0,
            null_mut(),
            null_mut(),
            null_mut(),
            null_mut(),
            null_mut(),
            null_mut(),
            null_mut(),
        );
        assert_eq!(s, SEC_E_INVALID_HANDLE);
        // Unknown use flags beyond the reserved ones are still refused.
        assert_eq!(
            acquire(t, SECPKG_CRED_OUTBOUND | 0x0100_0000, null_mut()),
            Err(SEC_E_UNKNOWN_CREDENTIALS)
        );
        assert_eq!((t.FreeCredentialsHandle.unwrap())(cc), SEC_E_OK);
    }
}
