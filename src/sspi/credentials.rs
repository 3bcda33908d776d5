//! AcquireCredentialsHandle and the other credential exports, and `NtlmSetNtHashCallback`.

#![allow(clippy::missing_safety_doc, clippy::too_many_arguments)]

use core::ffi::c_void;
use std::path::Path;
use std::sync::Arc;

use arc_swap::ArcSwap;

use super::buffers::{self, Ansi, Charset, Wide};
use super::domain::{self, CallingUser};
use super::objects::{credential, Copies, Credential, CREDENTIALS};
use super::packages::{alloc_string, package_named, Package, NEVER};
use super::status::{run, status};
use super::types::*;
use crate::inspect::trace;
use crate::nlmp::credentials::ClientCredential;
use crate::nlmp::env::SystemEnvironment;
use crate::nlmp::policy::Policy;
use crate::nlmp::server::{host_name, ServerConfig, ServerNames};
use crate::nlmp::verifier::{ServerCredential, Verifier};
use crate::users::{self, callback::CallbackUsers, database::FileUserDatabase, file::UserFile};

/// Reads `pAuthData`: SEC_WINNT_AUTH_IDENTITY_A/W (either form through either export, chosen
/// by `Flags`) or SEC_WINNT_AUTH_IDENTITY_EXA/EXW (`Version` 0x200). Returns the identity and,
/// for Negotiate, the EX form's PackageList (cut at a NUL: callers count the terminator, as
/// Wine's tests do with "nosuch" and a length of 7).
///
/// The Version says which structure it is; `Length` is not read. Windows' record (Wine's
/// secur32 ntlm.c `testAcquireCredentialsHandleW` and negotiate.c
/// `test_AcquireCredentialsHandle`, which pass on Windows): an EXW identity with `Length` =
/// sizeof(SEC_WINNT_AUTH_IDENTITY_W), as real callers fill it, or 0, is accepted by NTLM and by
/// Negotiate alike, its PackageList read by Negotiate. So, as Windows does, the whole EX
/// structure is read whenever Version is 0x200: a caller that passes a shorter block with that
/// Version gets the bytes after it read as the rest of the structure (C cannot tell us its
/// size). NTLM ignores the PackageList and never reads it.
unsafe fn identity(
    p: *const c_void,
    package: Package,
) -> Result<(ClientCredential, Option<String>), SECURITY_STATUS> {
    let bad = SEC_E_UNKNOWN_CREDENTIALS;
    let version: ULONG = buffers::read_struct(p);
    let (user, user_len, domain, domain_len, password, password_len, flags);
    // The EX form's PackageList (Negotiate's choice of mechanisms), in the identity's charset.
    let mut package_list = (core::ptr::null(), 0);
    if version == SEC_WINNT_AUTH_IDENTITY_VERSION {
        // EXA and EXW have the same layout (pointers and ULONGs); Flags says the charset.
        let ex: SEC_WINNT_AUTH_IDENTITY_EXW = buffers::read_struct(p);
        (
            user,
            user_len,
            domain,
            domain_len,
            password,
            password_len,
            flags,
        ) = (
            ex.User as *const c_void,
            ex.UserLength,
            ex.Domain as *const c_void,
            ex.DomainLength,
            ex.Password as *const c_void,
            ex.PasswordLength,
            ex.Flags,
        );
        if package == Package::Negotiate {
            package_list = (ex.PackageList as *const c_void, ex.PackageListLength);
        }
    } else {
        let id: SEC_WINNT_AUTH_IDENTITY_W = buffers::read_struct(p);
        (
            user,
            user_len,
            domain,
            domain_len,
            password,
            password_len,
            flags,
        ) = (
            id.User as *const c_void,
            id.UserLength,
            id.Domain as *const c_void,
            id.DomainLength,
            id.Password as *const c_void,
            id.PasswordLength,
            id.Flags,
        );
    }
    let read =
        |s: *const c_void, n: ULONG| -> Result<zeroize::Zeroizing<String>, SECURITY_STATUS> {
            let r = match flags & (SEC_WINNT_AUTH_IDENTITY_ANSI | SEC_WINNT_AUTH_IDENTITY_UNICODE) {
                SEC_WINNT_AUTH_IDENTITY_ANSI => buffers::string_n::<Ansi>(s as *const u8, n),
                SEC_WINNT_AUTH_IDENTITY_UNICODE => buffers::string_n::<Wide>(s as *const u16, n),
                _ => Err(buffers::BadString),
            };
            r.map(zeroize::Zeroizing::new).map_err(|_| bad)
        };
    let user = read(user, user_len)?;
    let domain = read(domain, domain_len)?;
    let password = read(password, password_len)?;
    let package_list = if package_list.0.is_null() {
        None
    } else {
        let list = read(package_list.0, package_list.1)?;
        Some(list.split('\0').next().unwrap_or_default().to_owned())
    };
    Ok((
        ClientCredential::from_password(&user, &domain, &password),
        package_list,
    ))
}

pub unsafe fn acquire_credentials_handle<C: Charset>(
    pszPackage: *const C::Char,
    fCredentialUse: ULONG,
    pAuthData: *mut c_void,
    phCredential: PCredHandle,
    ptsExpiry: PTimeStamp,
) -> SECURITY_STATUS {
    run(|| {
        let package = package_named::<C>(pszPackage)?;
        if phCredential.is_null() {
            return Err(SEC_E_INVALID_HANDLE);
        }
        let use_flags = fCredentialUse & (SECPKG_CRED_INBOUND | SECPKG_CRED_OUTBOUND);
        let known = SECPKG_CRED_BOTH
            | SECPKG_CRED_AUTOLOGON_RESTRICTED
            | SECPKG_CRED_PROCESS_POLICY_ONLY
            | SECPKG_CRED_RESERVED;
        if use_flags == 0 || fCredentialUse & !known != 0 {
            return Err(SEC_E_UNKNOWN_CREDENTIALS);
        }
        let outbound = use_flags & SECPKG_CRED_OUTBOUND != 0;
        let inbound = use_flags & SECPKG_CRED_INBOUND != 0;
        let mut ntlm_excluded = false;
        let mut calling_user = None;
        let client = if !pAuthData.is_null() {
            let (identity, package_list) = identity(pAuthData, package)?;
            // Negotiate honours the PackageList. One that leaves NTLM out leaves no mechanism
            // here, but acquiring still succeeds, as on Windows ("kerberos,!ntlm" and "nosuch"
            // are SEC_E_OK there, Wine's negotiate.c): its contexts fail instead.
            ntlm_excluded =
                package_list.is_some_and(|l| !crate::spnego::package_list_allows_ntlm(&l));
            Some(Copies::new(identity))
        } else if outbound {
            // NULL: the calling user, as on Windows, where this always succeeds. The user
            // file's entry when there is one (read now, as before); otherwise the sources are
            // looked up at the first InitializeSecurityContext, which fails if none has the
            // user's secret.
            match users::default_client_credential() {
                Ok(c) => Some(Copies::new(c)),
                Err(_) => {
                    calling_user = Some(Arc::new(CallingUser::default()));
                    None
                }
            }
        } else {
            None
        };
        // A server's users, decided now for the credential's life: the user file when
        // NTLM_USER_FILE is set, else the domain when this machine is a member whose winbindd
        // answers, else none (NtlmSetNtHashCallback may replace them later).
        let (verifier, names): (Arc<dyn Verifier>, ServerNames) = if !inbound {
            (
                Arc::new(FileUserDatabase::default()),
                ServerNames::default(),
            )
        } else if std::env::var_os(users::NTLM_USER_FILE_VAR).is_some() {
            (
                Arc::new(UserFile::from_env(Box::new(report_user_file)).map_err(status)?),
                ServerNames::from_env(),
            )
        } else if let Some(domain) = domain::server_source() {
            domain
        } else {
            (
                Arc::new(FileUserDatabase::default()),
                ServerNames::from_env(),
            )
        };
        let cred = Credential {
            package,
            use_flags,
            ntlm_excluded,
            client,
            calling_user,
            server: ArcSwap::from_pointee(Copies::new(ServerConfig::new(
                ServerCredential { verifier },
                names,
                Policy::from_env(),
                Arc::new(SystemEnvironment),
            ))),
            policy: Policy::from_env(),
            workstation: host_name()
                .split('.')
                .next()
                .unwrap_or_default()
                .to_uppercase(),
        };
        buffers::put(
            phCredential,
            CREDENTIALS.insert(cred).ok_or(SEC_E_INSUFFICIENT_MEMORY)?,
        );
        buffers::put(ptsExpiry, NEVER);
        Ok(SEC_E_OK)
    })
}

pub unsafe fn free_credentials_handle(phCredential: PCredHandle) -> SECURITY_STATUS {
    match buffers::handle(phCredential).and_then(|h| CREDENTIALS.remove(&h)) {
        Some(_) => SEC_E_OK,
        None => SEC_E_INVALID_HANDLE,
    }
}

pub unsafe fn query_credentials_attributes<C: Charset>(
    phCredential: PCredHandle,
    ulAttribute: ULONG,
    pBuffer: *mut c_void,
) -> SECURITY_STATUS {
    run(|| {
        let cred = credential(phCredential)?;
        if ulAttribute != SECPKG_CRED_ATTR_NAMES {
            return Err(SEC_E_UNSUPPORTED_FUNCTION);
        }
        if pBuffer.is_null() {
            return Err(SEC_E_INVALID_PARAMETER);
        }
        let name = match (&cred.client, &cred.calling_user) {
            (Some(c), _) => c.display_name(),
            (None, Some(u)) => u.display_name(),
            (None, None) => String::new(),
        };
        let p = alloc_string::<C>(&name)?;
        buffers::put(pBuffer as *mut *mut c_void, p);
        Ok(SEC_E_OK)
    })
}

/// Where problems of a server credential's user file go: the decoded trace (`NTLMSSP_DEBUG`,
/// outside any context), and one line on stderr when `NTLMSSP_TRACE` is on.
fn report_user_file(path: &Path, problem: &str) {
    trace::event(0, || {
        format!(
            "user file {}: {problem}; the version in force stays",
            path.display()
        )
    });
    if super::panic::tracing() {
        eprintln!("ntlmssp: user file {}: {problem}", path.display());
    }
}

/// The extension an embedding server uses to look users up itself: see `NtlmSetNtHashCallback`
/// in the header.
pub unsafe fn set_nt_hash_callback(
    phCredential: PCredHandle,
    pfnCallback: NTLM_NT_HASH_CALLBACK,
    pvContext: *mut c_void,
) -> SECURITY_STATUS {
    run(|| {
        let cred = credential(phCredential)?;
        if cred.use_flags & SECPKG_CRED_INBOUND == 0 {
            return Err(SEC_E_UNSUPPORTED_FUNCTION);
        }
        let verifier: Arc<dyn Verifier> = match pfnCallback {
            Some(f) => {
                // The caller's context pointer, kept as an integer: it is only ever handed back.
                let context = pvContext as usize;
                Arc::new(CallbackUsers::new(move |user, domain, hash| {
                    // SAFETY: the embedding server registered this callback with this
                    // signature; the strings and the 16-byte output live across the call.
                    unsafe {
                        f(
                            context as *mut c_void,
                            user.as_ptr(),
                            user.len() as ULONG,
                            domain.as_ptr(),
                            domain.len() as ULONG,
                            hash.as_mut_ptr(),
                        ) != 0
                    }
                }))
            }
            None => Arc::new(FileUserDatabase::default()),
        };
        // Concurrent replacements: one wins whole, as with a lock.
        cred.server.rcu(|old| {
            let mut config = (***old).clone();
            config.credential = ServerCredential {
                verifier: verifier.clone(),
            };
            Copies::new(config)
        });
        Ok(SEC_E_OK)
    })
}

pub unsafe fn on_credential(phCredential: PCredHandle, valid: SECURITY_STATUS) -> SECURITY_STATUS {
    run(|| {
        credential(phCredential)?;
        Ok(valid)
    })
}
