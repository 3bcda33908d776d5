//! Driving the library through its exported functions from Rust tests, as a C caller would.
#![allow(dead_code)]

use std::ptr::null_mut;

use ntlmssp::sspi::entry::*;
use ntlmssp::sspi::types::*;

pub mod domain;

pub fn utf16(s: &str) -> Vec<u16> {
    s.encode_utf16().collect()
}

pub fn utf16z(s: &str) -> Vec<u16> {
    s.encode_utf16().chain([0]).collect()
}

pub const NO_HANDLE: SecHandle = SecHandle {
    dwLower: 0,
    dwUpper: 0,
};

/// A TOKEN buffer over `len` bytes at `p`, which must stay valid while the buffer is used.
pub fn token_buffer(p: *mut u8, len: impl TryInto<u32>) -> SecBuffer {
    SecBuffer {
        cbBuffer: len.try_into().unwrap_or(u32::MAX),
        BufferType: SECBUFFER_TOKEN,
        pvBuffer: p.cast(),
    }
}

/// A descriptor of the one buffer `b`.
pub fn descriptor(b: &mut SecBuffer) -> SecBufferDesc {
    SecBufferDesc {
        ulVersion: SECBUFFER_VERSION,
        cBuffers: 1,
        pBuffers: b,
    }
}

/// An OUTBOUND credential for user/domain/password (W identity).
pub fn client_credential(
    user: &str,
    domain: &str,
    password: &str,
) -> Result<CredHandle, SECURITY_STATUS> {
    credential("NTLM", SECPKG_CRED_OUTBOUND, Some((user, domain, password)))
}

/// A credential of `package` for `use_flags`, with the W identity (user, domain, password), or
/// with NULL `pAuthData`.
pub fn credential(
    package: &str,
    use_flags: u32,
    identity: Option<(&str, &str, &str)>,
) -> Result<CredHandle, SECURITY_STATUS> {
    let (user, domain, password) = identity.unwrap_or_default();
    // The caller's copy of the password is the caller's to wipe: sized once, zeroized on drop.
    let mut units = zeroize::Zeroizing::new(Vec::with_capacity(password.encode_utf16().count()));
    units.extend(password.encode_utf16());
    let (user, domain, password) = (utf16(user), utf16(domain), units);
    let mut id = SEC_WINNT_AUTH_IDENTITY_W {
        User: user.as_ptr() as *mut u16,
        UserLength: user.len() as u32,
        Domain: domain.as_ptr() as *mut u16,
        DomainLength: domain.len() as u32,
        Password: password.as_ptr() as *mut u16,
        PasswordLength: password.len() as u32,
        Flags: SEC_WINNT_AUTH_IDENTITY_UNICODE,
    };
    let auth = if identity.is_some() {
        &mut id as *mut _ as *mut _
    } else {
        null_mut()
    };
    let mut h = NO_HANDLE;
    let mut ts = 0;
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
            &mut ts,
        )
    };
    if s == SEC_E_OK {
        Ok(h)
    } else {
        Err(s)
    }
}

/// An INBOUND credential (its users from `NTLM_USER_FILE`, read now).
pub fn server_credential() -> Result<CredHandle, SECURITY_STATUS> {
    let mut h = NO_HANDLE;
    let mut ts = 0;
    let package = utf16z("NTLM");
    let s = unsafe {
        AcquireCredentialsHandleW(
            null_mut(),
            package.as_ptr() as *mut u16,
            SECPKG_CRED_INBOUND,
            null_mut(),
            null_mut(),
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

/// A full handshake (ISC, ASC, ISC, ASC) with confidentiality and integrity; the contexts, or
/// the first failing status.
pub fn handshake(
    cc: &mut CredHandle,
    sc: &mut CredHandle,
) -> Result<(CtxtHandle, CtxtHandle), SECURITY_STATUS> {
    handshake_with(
        cc,
        sc,
        ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY,
        ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY,
    )
}

/// A full handshake with the client's `fContextReq` `req` and the server's `asc_req`.
pub fn handshake_with(
    cc: &mut CredHandle,
    sc: &mut CredHandle,
    req: ULONG,
    asc_req: ULONG,
) -> Result<(CtxtHandle, CtxtHandle), SECURITY_STATUS> {
    let (mut cx, mut sx) = (NO_HANDLE, NO_HANDLE);
    let mut tok_in = [0u8; 2048];
    let mut tok_out = [0u8; 2048];
    let mut in_len = 0u32;
    let mut ts = 0;
    let mut attrs = 0;
    for leg in 0..2 {
        unsafe {
            let mut ib = token_buffer(tok_in.as_mut_ptr(), in_len);
            let mut ob = token_buffer(tok_out.as_mut_ptr(), tok_out.len() as u32);
            let (mut id, mut od) = (descriptor(&mut ib), descriptor(&mut ob));
            let first = leg == 0;
            let s = InitializeSecurityContextW(
                cc,
                if first { null_mut() } else { &mut cx },
                null_mut(),
                req,
                0,
                0,
                if first { null_mut() } else { &mut id },
                0,
                &mut cx,
                &mut od,
                &mut attrs,
                &mut ts,
            );
            if s != SEC_E_OK && s != SEC_I_CONTINUE_NEEDED {
                if !first {
                    DeleteSecurityContext(&mut cx);
                    DeleteSecurityContext(&mut sx);
                }
                return Err(s);
            }
            std::mem::swap(&mut tok_in, &mut tok_out);
            in_len = ob.cbBuffer;
            let mut ib = token_buffer(tok_in.as_mut_ptr(), in_len);
            let mut ob = token_buffer(tok_out.as_mut_ptr(), tok_out.len() as u32);
            let (mut id, mut od) = (descriptor(&mut ib), descriptor(&mut ob));
            let s = AcceptSecurityContext(
                sc,
                if first { null_mut() } else { &mut sx },
                &mut id,
                asc_req,
                0,
                &mut sx,
                &mut od,
                &mut attrs,
                &mut ts,
            );
            if s != SEC_E_OK && s != SEC_I_CONTINUE_NEEDED {
                DeleteSecurityContext(&mut cx);
                if !first {
                    DeleteSecurityContext(&mut sx);
                }
                return Err(s);
            }
            std::mem::swap(&mut tok_in, &mut tok_out);
            in_len = ob.cbBuffer;
        }
    }
    Ok((cx, sx))
}

/// EncryptMessage of `data` in place; the 16-byte signature.
pub fn seal(cx: &mut CtxtHandle, data: &mut [u8]) -> Result<[u8; 16], SECURITY_STATUS> {
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
    match unsafe { EncryptMessage(cx, 0, &mut d, 0) } {
        SEC_E_OK => Ok(sig),
        s => Err(s),
    }
}

/// DecryptMessage of `data` in place.
pub fn unseal(cx: &mut CtxtHandle, data: &mut [u8], sig: &mut [u8; 16]) -> SECURITY_STATUS {
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
    let mut qop = 0;
    unsafe { DecryptMessage(cx, &mut d, 0, &mut qop) }
}

/// The "DOMAIN\user" a server context names.
pub fn client_name(sx: &mut CtxtHandle) -> Result<String, SECURITY_STATUS> {
    let mut names = SecPkgContext_NamesW {
        sUserName: null_mut(),
    };
    let s =
        unsafe { QueryContextAttributesW(sx, SECPKG_ATTR_NAMES, &mut names as *mut _ as *mut _) };
    if s != SEC_E_OK {
        return Err(s);
    }
    Ok(unsafe { take_wide(names.sUserName) })
}

/// The name a credential reports (QueryCredentialsAttributesW NAMES).
pub fn credential_name(h: &mut CredHandle) -> Result<String, SECURITY_STATUS> {
    let mut names = SecPkgCredentials_NamesW {
        sUserName: null_mut(),
    };
    let s = unsafe {
        QueryCredentialsAttributesW(h, SECPKG_CRED_ATTR_NAMES, &mut names as *mut _ as *mut _)
    };
    if s != SEC_E_OK {
        return Err(s);
    }
    Ok(unsafe { take_wide(names.sUserName) })
}

/// A NUL-terminated W string the library allocated, copied and freed.
///
/// # Safety
/// `p` is such a string, not used afterwards.
unsafe fn take_wide(p: *mut u16) -> String {
    let mut n = 0;
    while *p.add(n) != 0 {
        n += 1;
    }
    let s = String::from_utf16_lossy(std::slice::from_raw_parts(p, n));
    FreeContextBuffer(p.cast());
    s
}

pub fn delete(h: &mut CtxtHandle) -> SECURITY_STATUS {
    unsafe { DeleteSecurityContext(h) }
}

pub fn free_credential(h: &mut CredHandle) -> SECURITY_STATUS {
    unsafe { FreeCredentialsHandle(h) }
}
