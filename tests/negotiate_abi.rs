//! The Negotiate package through the exported functions: package information, credentials
//! with a PackageList, a handshake, what a completed context reports, messages both ways, and
//! a raw NTLM client against a Negotiate server.

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

fn users() {
    let file = std::env::temp_dir().join(format!("ntlmssp-negotiate-abi-{}", std::process::id()));
    std::fs::write(&file, "DOMAIN:alice:Secret123\n").unwrap();
    std::env::set_var("NTLM_USER_FILE", &file);
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
    let (user, domain, password) = (utf16("alice"), utf16("DOMAIN"), utf16(password));
    let list = package_list.map(utf16).unwrap_or_default();
    let mut id = SEC_WINNT_AUTH_IDENTITY_EXW {
        Version: SEC_WINNT_AUTH_IDENTITY_VERSION,
        Length: std::mem::size_of::<SEC_WINNT_AUTH_IDENTITY_EXW>() as u32,
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
    let auth = if use_flags == SECPKG_CRED_OUTBOUND {
        &mut id as *mut _ as *mut _
    } else {
        null_mut()
    };
    let (mut h, mut ts) = (NO_HANDLE, 0);
    let package = utf16z("Negotiate");
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
            &mut ts,
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

#[test]
fn package_list() {
    let mut c = negotiate_credential(SECPKG_CRED_OUTBOUND, Some("ntlm,!kerberos")).unwrap();
    free_credential(&mut c);
    assert_eq!(
        negotiate_credential(SECPKG_CRED_OUTBOUND, Some("!ntlm")).unwrap_err(),
        SEC_E_NO_CREDENTIALS
    );
    assert_eq!(
        negotiate_credential(SECPKG_CRED_OUTBOUND, Some("Kerberos")).unwrap_err(),
        SEC_E_NO_CREDENTIALS
    );
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
