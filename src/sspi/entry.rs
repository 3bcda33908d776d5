//! Every `extern "system"` export of the library, one `entry!` each, in Windows' order.
//!
//! No logic lives here: each body converts nothing and decides nothing, it calls the matching
//! function in the room of the edge that does the work (`credentials`, `contexts`, `attributes`,
//! `messages`, `packages`); InitSecurityInterfaceA/W return the tables `tables` writes out. The
//! macro adds `#[no_mangle]`, the Windows calling convention and the
//! panic boundary. `build.rs` reads this file to write the prototypes in `include/sspi.h`, so
//! the header, `def/ntlmssp.def` and the library's symbol table are one list (checked by
//! `tests/exports.rs`).

use super::buffers::{Ansi, Wide};
use super::types::*;
use super::{attributes, contexts, credentials, messages, packages, tables};

/// Declares one export. The body runs inside [`super::panic::boundary`], so a panic becomes
/// `SEC_E_INTERNAL_ERROR` (or NULL for the pointer-returning exports) instead of unwinding
/// into C; it also writes the `NTLMSSP_TRACE` line.
macro_rules! entry {
    ($(#[$doc:meta])* pub fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty $body:block) => {
        $(#[$doc])*
        #[no_mangle]
        #[allow(clippy::missing_safety_doc, clippy::too_many_arguments)]
        pub unsafe extern "system" fn $name($($arg: $ty),*) -> $ret {
            super::panic::boundary(stringify!($name), move || -> $ret { $body })
        }
    };
}

entry! {
    pub fn AcquireCredentialsHandleA(pszPrincipal: LPSTR, pszPackage: LPSTR, fCredentialUse: ULONG, pvLogonId: PVOID, pAuthData: PVOID, pGetKeyFn: SEC_GET_KEY_FN, pvGetKeyArgument: PVOID, phCredential: PCredHandle, ptsExpiry: PTimeStamp) -> SECURITY_STATUS {
        let _ = (pszPrincipal, pvLogonId, pGetKeyFn, pvGetKeyArgument);
        credentials::acquire_credentials_handle::<Ansi>(pszPackage as *const u8, fCredentialUse, pAuthData, phCredential, ptsExpiry)
    }
}

entry! {
    pub fn AcquireCredentialsHandleW(pszPrincipal: LPWSTR, pszPackage: LPWSTR, fCredentialUse: ULONG, pvLogonId: PVOID, pAuthData: PVOID, pGetKeyFn: SEC_GET_KEY_FN, pvGetKeyArgument: PVOID, phCredential: PCredHandle, ptsExpiry: PTimeStamp) -> SECURITY_STATUS {
        let _ = (pszPrincipal, pvLogonId, pGetKeyFn, pvGetKeyArgument);
        credentials::acquire_credentials_handle::<Wide>(pszPackage, fCredentialUse, pAuthData, phCredential, ptsExpiry)
    }
}

entry! {
    pub fn FreeCredentialsHandle(phCredential: PCredHandle) -> SECURITY_STATUS {
        credentials::free_credentials_handle(phCredential)
    }
}

entry! {
    pub fn QueryCredentialsAttributesA(phCredential: PCredHandle, ulAttribute: ULONG, pBuffer: PVOID) -> SECURITY_STATUS {
        credentials::query_credentials_attributes::<Ansi>(phCredential, ulAttribute, pBuffer)
    }
}

entry! {
    pub fn QueryCredentialsAttributesW(phCredential: PCredHandle, ulAttribute: ULONG, pBuffer: PVOID) -> SECURITY_STATUS {
        credentials::query_credentials_attributes::<Wide>(phCredential, ulAttribute, pBuffer)
    }
}

entry! {
    pub fn InitializeSecurityContextA(phCredential: PCredHandle, phContext: PCtxtHandle, pszTargetName: *mut SEC_CHAR, fContextReq: ULONG, Reserved1: ULONG, TargetDataRep: ULONG, pInput: PSecBufferDesc, Reserved2: ULONG, phNewContext: PCtxtHandle, pOutput: PSecBufferDesc, pfContextAttr: PULONG, ptsExpiry: PTimeStamp) -> SECURITY_STATUS {
        let _ = (Reserved1, TargetDataRep, Reserved2);
        contexts::initialize_security_context::<Ansi>(phCredential, phContext, pszTargetName as *const u8, fContextReq, pInput, phNewContext, pOutput, pfContextAttr, ptsExpiry)
    }
}

entry! {
    pub fn InitializeSecurityContextW(phCredential: PCredHandle, phContext: PCtxtHandle, pszTargetName: *mut SEC_WCHAR, fContextReq: ULONG, Reserved1: ULONG, TargetDataRep: ULONG, pInput: PSecBufferDesc, Reserved2: ULONG, phNewContext: PCtxtHandle, pOutput: PSecBufferDesc, pfContextAttr: PULONG, ptsExpiry: PTimeStamp) -> SECURITY_STATUS {
        let _ = (Reserved1, TargetDataRep, Reserved2);
        contexts::initialize_security_context::<Wide>(phCredential, phContext, pszTargetName, fContextReq, pInput, phNewContext, pOutput, pfContextAttr, ptsExpiry)
    }
}

entry! {
    pub fn AcceptSecurityContext(phCredential: PCredHandle, phContext: PCtxtHandle, pInput: PSecBufferDesc, fContextReq: ULONG, TargetDataRep: ULONG, phNewContext: PCtxtHandle, pOutput: PSecBufferDesc, pfContextAttr: PULONG, ptsExpiry: PTimeStamp) -> SECURITY_STATUS {
        let _ = TargetDataRep;
        contexts::accept_security_context(phCredential, phContext, pInput, fContextReq, phNewContext, pOutput, pfContextAttr, ptsExpiry)
    }
}

entry! {
    pub fn CompleteAuthToken(phContext: PCtxtHandle, pToken: PSecBufferDesc) -> SECURITY_STATUS {
        contexts::complete_auth_token(phContext, pToken)
    }
}

entry! {
    pub fn DeleteSecurityContext(phContext: PCtxtHandle) -> SECURITY_STATUS {
        contexts::delete_security_context(phContext)
    }
}

entry! {
    pub fn ApplyControlToken(phContext: PCtxtHandle, pInput: PSecBufferDesc) -> SECURITY_STATUS {
        let _ = pInput;
        contexts::on_context(phContext, SEC_E_UNSUPPORTED_FUNCTION)
    }
}

entry! {
    pub fn QueryContextAttributesA(phContext: PCtxtHandle, ulAttribute: ULONG, pBuffer: PVOID) -> SECURITY_STATUS {
        attributes::query_context_attributes::<Ansi>(phContext, ulAttribute, pBuffer)
    }
}

entry! {
    pub fn QueryContextAttributesW(phContext: PCtxtHandle, ulAttribute: ULONG, pBuffer: PVOID) -> SECURITY_STATUS {
        attributes::query_context_attributes::<Wide>(phContext, ulAttribute, pBuffer)
    }
}

entry! {
    pub fn ImpersonateSecurityContext(phContext: PCtxtHandle) -> SECURITY_STATUS {
        contexts::impersonation(phContext)
    }
}

entry! {
    pub fn RevertSecurityContext(phContext: PCtxtHandle) -> SECURITY_STATUS {
        contexts::impersonation(phContext)
    }
}

entry! {
    pub fn MakeSignature(phContext: PCtxtHandle, fQOP: ULONG, pMessage: PSecBufferDesc, MessageSeqNo: ULONG) -> SECURITY_STATUS {
        messages::make_signature(phContext, fQOP, pMessage, MessageSeqNo)
    }
}

entry! {
    pub fn VerifySignature(phContext: PCtxtHandle, pMessage: PSecBufferDesc, MessageSeqNo: ULONG, pfQOP: PULONG) -> SECURITY_STATUS {
        messages::verify_signature(phContext, pMessage, MessageSeqNo, pfQOP)
    }
}

entry! {
    pub fn FreeContextBuffer(pvContextBuffer: PVOID) -> SECURITY_STATUS {
        packages::free_context_buffer(pvContextBuffer)
    }
}

entry! {
    pub fn QuerySecurityPackageInfoA(pszPackageName: LPSTR, ppPackageInfo: *mut PSecPkgInfoA) -> SECURITY_STATUS {
        packages::query_security_package_info::<Ansi>(pszPackageName as *const u8, ppPackageInfo.cast())
    }
}

entry! {
    pub fn QuerySecurityPackageInfoW(pszPackageName: LPWSTR, ppPackageInfo: *mut PSecPkgInfoW) -> SECURITY_STATUS {
        packages::query_security_package_info::<Wide>(pszPackageName, ppPackageInfo.cast())
    }
}

entry! {
    pub fn EnumerateSecurityPackagesA(pcPackages: PULONG, ppPackageInfo: *mut PSecPkgInfoA) -> SECURITY_STATUS {
        packages::enumerate_security_packages::<Ansi>(pcPackages, ppPackageInfo.cast())
    }
}

entry! {
    pub fn EnumerateSecurityPackagesW(pcPackages: PULONG, ppPackageInfo: *mut PSecPkgInfoW) -> SECURITY_STATUS {
        packages::enumerate_security_packages::<Wide>(pcPackages, ppPackageInfo.cast())
    }
}

entry! {
    pub fn ExportSecurityContext(phContext: PCtxtHandle, fFlags: ULONG, pPackedContext: PSecBuffer, pToken: *mut PVOID) -> SECURITY_STATUS {
        let _ = (fFlags, pPackedContext, pToken);
        contexts::on_context(phContext, SEC_E_UNSUPPORTED_FUNCTION)
    }
}

entry! {
    pub fn ImportSecurityContextA(pszPackage: LPSTR, pPackedContext: PSecBuffer, Token: PVOID, phContext: PCtxtHandle) -> SECURITY_STATUS {
        let _ = (pszPackage, pPackedContext, Token, phContext);
        SEC_E_UNSUPPORTED_FUNCTION
    }
}

entry! {
    pub fn ImportSecurityContextW(pszPackage: LPWSTR, pPackedContext: PSecBuffer, Token: PVOID, phContext: PCtxtHandle) -> SECURITY_STATUS {
        let _ = (pszPackage, pPackedContext, Token, phContext);
        SEC_E_UNSUPPORTED_FUNCTION
    }
}

entry! {
    pub fn AddCredentialsA(hCredentials: PCredHandle, pszPrincipal: LPSTR, pszPackage: LPSTR, fCredentialUse: ULONG, pAuthData: PVOID, pGetKeyFn: SEC_GET_KEY_FN, pvGetKeyArgument: PVOID, ptsExpiry: PTimeStamp) -> SECURITY_STATUS {
        let _ = (pszPrincipal, pszPackage, fCredentialUse, pAuthData, pGetKeyFn, pvGetKeyArgument, ptsExpiry);
        credentials::on_credential(hCredentials, SEC_E_UNSUPPORTED_FUNCTION)
    }
}

entry! {
    pub fn AddCredentialsW(hCredentials: PCredHandle, pszPrincipal: LPWSTR, pszPackage: LPWSTR, fCredentialUse: ULONG, pAuthData: PVOID, pGetKeyFn: SEC_GET_KEY_FN, pvGetKeyArgument: PVOID, ptsExpiry: PTimeStamp) -> SECURITY_STATUS {
        let _ = (pszPrincipal, pszPackage, fCredentialUse, pAuthData, pGetKeyFn, pvGetKeyArgument, ptsExpiry);
        credentials::on_credential(hCredentials, SEC_E_UNSUPPORTED_FUNCTION)
    }
}

entry! {
    pub fn QuerySecurityContextToken(phContext: PCtxtHandle, Token: *mut PVOID) -> SECURITY_STATUS {
        let _ = Token;
        contexts::on_context(phContext, SEC_E_NO_IMPERSONATION)
    }
}

entry! {
    pub fn EncryptMessage(phContext: PCtxtHandle, fQOP: ULONG, pMessage: PSecBufferDesc, MessageSeqNo: ULONG) -> SECURITY_STATUS {
        messages::encrypt_message(phContext, fQOP, pMessage, MessageSeqNo)
    }
}

entry! {
    pub fn DecryptMessage(phContext: PCtxtHandle, pMessage: PSecBufferDesc, MessageSeqNo: ULONG, pfQOP: PULONG) -> SECURITY_STATUS {
        messages::decrypt_message(phContext, pMessage, MessageSeqNo, pfQOP)
    }
}

entry! {
    pub fn SetContextAttributesA(phContext: PCtxtHandle, ulAttribute: ULONG, pBuffer: PVOID, cbBuffer: ULONG) -> SECURITY_STATUS {
        let _ = (ulAttribute, pBuffer, cbBuffer);
        contexts::on_context(phContext, SEC_E_UNSUPPORTED_FUNCTION)
    }
}

entry! {
    pub fn SetContextAttributesW(phContext: PCtxtHandle, ulAttribute: ULONG, pBuffer: PVOID, cbBuffer: ULONG) -> SECURITY_STATUS {
        let _ = (ulAttribute, pBuffer, cbBuffer);
        contexts::on_context(phContext, SEC_E_UNSUPPORTED_FUNCTION)
    }
}

entry! {
    pub fn SetCredentialsAttributesA(phCredential: PCredHandle, ulAttribute: ULONG, pBuffer: PVOID, cbBuffer: ULONG) -> SECURITY_STATUS {
        let _ = (ulAttribute, pBuffer, cbBuffer);
        credentials::on_credential(phCredential, SEC_E_UNSUPPORTED_FUNCTION)
    }
}

entry! {
    pub fn SetCredentialsAttributesW(phCredential: PCredHandle, ulAttribute: ULONG, pBuffer: PVOID, cbBuffer: ULONG) -> SECURITY_STATUS {
        let _ = (ulAttribute, pBuffer, cbBuffer);
        credentials::on_credential(phCredential, SEC_E_UNSUPPORTED_FUNCTION)
    }
}

entry! {
    pub fn InitSecurityInterfaceA() -> PSecurityFunctionTableA {
        static TABLE: tables::Table<SecurityFunctionTableA> = tables::Table(tables::function_table_a!());
        TABLE.as_ptr()
    }
}

entry! {
    pub fn InitSecurityInterfaceW() -> PSecurityFunctionTableW {
        static TABLE: tables::Table<SecurityFunctionTableW> = tables::Table(tables::function_table_w!());
        TABLE.as_ptr()
    }
}

entry! {
    /// ntlmssp extension, for servers whose users live in their own database: from now on,
    /// contexts accepted with this INBOUND credential ask `pfnCallback(pvContext, User,
    /// UserLength, Domain, DomainLength, NtHash)` for a user's NT hash (MD4 of the UTF-16LE
    /// password) instead of reading NTLM_USER_FILE. The callback may run on any thread calling
    /// AcceptSecurityContext and must be thread-safe; lengths are in WCHARs, strings are not
    /// NUL-terminated. NULL restores an empty database.
    pub fn NtlmSetNtHashCallback(phCredential: PCredHandle, pfnCallback: NTLM_NT_HASH_CALLBACK, pvContext: PVOID) -> SECURITY_STATUS {
        credentials::set_nt_hash_callback(phCredential, pfnCallback, pvContext)
    }
}
