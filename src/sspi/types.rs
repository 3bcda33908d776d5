//! The Windows SSPI ABI: types, structures and constants with their Windows names, widths and
//! layouts on every platform (ULONG is 32 bits even where C's `long` is 64). `build.rs` turns
//! this file into `include/sspi.h`.

use core::ffi::{c_char, c_void};

// Base types. The header defines these itself only when <windows.h> is not there.
pub type ULONG = u32;
pub type LONG = i32;
pub type USHORT = u16;
pub type UCHAR = u8;
pub type WCHAR = u16;
pub type BOOLEAN = u8;
pub type ULONG_PTR = usize;
pub type PVOID = *mut c_void;
pub type PULONG = *mut ULONG;
pub type LPSTR = *mut c_char;
pub type LPWSTR = *mut WCHAR;
pub type SEC_CHAR = c_char;
pub type SEC_WCHAR = WCHAR;
pub type SECURITY_STATUS = LONG;
/// A FILETIME-style 64-bit time (Windows' LARGE_INTEGER).
pub type TimeStamp = i64;
pub type PTimeStamp = *mut TimeStamp;

/// A credential or context handle: two opaque values, never pointers here.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecHandle {
    pub dwLower: ULONG_PTR,
    pub dwUpper: ULONG_PTR,
}
pub type PSecHandle = *mut SecHandle;
pub type CredHandle = SecHandle;
pub type PCredHandle = *mut SecHandle;
pub type CtxtHandle = SecHandle;
pub type PCtxtHandle = *mut SecHandle;

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SecBuffer {
    pub cbBuffer: ULONG,
    pub BufferType: ULONG,
    pub pvBuffer: PVOID,
}
pub type PSecBuffer = *mut SecBuffer;

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SecBufferDesc {
    pub ulVersion: ULONG,
    pub cBuffers: ULONG,
    pub pBuffers: PSecBuffer,
}
pub type PSecBufferDesc = *mut SecBufferDesc;

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SecPkgInfoA {
    pub fCapabilities: ULONG,
    pub wVersion: USHORT,
    pub wRPCID: USHORT,
    pub cbMaxToken: ULONG,
    pub Name: *mut SEC_CHAR,
    pub Comment: *mut SEC_CHAR,
}
pub type PSecPkgInfoA = *mut SecPkgInfoA;

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SecPkgInfoW {
    pub fCapabilities: ULONG,
    pub wVersion: USHORT,
    pub wRPCID: USHORT,
    pub cbMaxToken: ULONG,
    pub Name: *mut SEC_WCHAR,
    pub Comment: *mut SEC_WCHAR,
}
pub type PSecPkgInfoW = *mut SecPkgInfoW;

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SEC_WINNT_AUTH_IDENTITY_A {
    pub User: *mut UCHAR,
    pub UserLength: ULONG,
    pub Domain: *mut UCHAR,
    pub DomainLength: ULONG,
    pub Password: *mut UCHAR,
    pub PasswordLength: ULONG,
    pub Flags: ULONG,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SEC_WINNT_AUTH_IDENTITY_W {
    pub User: *mut WCHAR,
    pub UserLength: ULONG,
    pub Domain: *mut WCHAR,
    pub DomainLength: ULONG,
    pub Password: *mut WCHAR,
    pub PasswordLength: ULONG,
    pub Flags: ULONG,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SEC_WINNT_AUTH_IDENTITY_EXA {
    pub Version: ULONG,
    pub Length: ULONG,
    pub User: *mut UCHAR,
    pub UserLength: ULONG,
    pub Domain: *mut UCHAR,
    pub DomainLength: ULONG,
    pub Password: *mut UCHAR,
    pub PasswordLength: ULONG,
    pub Flags: ULONG,
    pub PackageList: *mut UCHAR,
    pub PackageListLength: ULONG,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SEC_WINNT_AUTH_IDENTITY_EXW {
    pub Version: ULONG,
    pub Length: ULONG,
    pub User: *mut WCHAR,
    pub UserLength: ULONG,
    pub Domain: *mut WCHAR,
    pub DomainLength: ULONG,
    pub Password: *mut WCHAR,
    pub PasswordLength: ULONG,
    pub Flags: ULONG,
    pub PackageList: *mut WCHAR,
    pub PackageListLength: ULONG,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SEC_CHANNEL_BINDINGS {
    pub dwInitiatorAddrType: ULONG,
    pub cbInitiatorLength: ULONG,
    pub dwInitiatorOffset: ULONG,
    pub dwAcceptorAddrType: ULONG,
    pub cbAcceptorLength: ULONG,
    pub dwAcceptorOffset: ULONG,
    pub cbApplicationDataLength: ULONG,
    pub dwApplicationDataOffset: ULONG,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SecPkgContext_Sizes {
    pub cbMaxToken: ULONG,
    pub cbMaxSignature: ULONG,
    pub cbBlockSize: ULONG,
    pub cbSecurityTrailer: ULONG,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SecPkgContext_StreamSizes {
    pub cbHeader: ULONG,
    pub cbTrailer: ULONG,
    pub cbMaximumMessage: ULONG,
    pub cBuffers: ULONG,
    pub cbBlockSize: ULONG,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SecPkgContext_Flags {
    pub Flags: ULONG,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SecPkgContext_NamesA {
    pub sUserName: *mut SEC_CHAR,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SecPkgContext_NamesW {
    pub sUserName: *mut SEC_WCHAR,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SecPkgContext_Lifespan {
    pub tsStart: TimeStamp,
    pub tsExpiry: TimeStamp,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SecPkgContext_SessionKey {
    pub SessionKeyLength: ULONG,
    pub SessionKey: *mut UCHAR,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SecPkgContext_KeyInfoA {
    pub sSignatureAlgorithmName: *mut SEC_CHAR,
    pub sEncryptAlgorithmName: *mut SEC_CHAR,
    pub KeySize: ULONG,
    pub SignatureAlgorithm: ULONG,
    pub EncryptAlgorithm: ULONG,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SecPkgContext_KeyInfoW {
    pub sSignatureAlgorithmName: *mut SEC_WCHAR,
    pub sEncryptAlgorithmName: *mut SEC_WCHAR,
    pub KeySize: ULONG,
    pub SignatureAlgorithm: ULONG,
    pub EncryptAlgorithm: ULONG,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SecPkgContext_PackageInfoA {
    pub PackageInfo: PSecPkgInfoA,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SecPkgContext_PackageInfoW {
    pub PackageInfo: PSecPkgInfoW,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SecPkgContext_NegotiationInfoA {
    pub PackageInfo: PSecPkgInfoA,
    pub NegotiationState: ULONG,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SecPkgContext_NegotiationInfoW {
    pub PackageInfo: PSecPkgInfoW,
    pub NegotiationState: ULONG,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SecPkgCredentials_NamesA {
    pub sUserName: *mut SEC_CHAR,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SecPkgCredentials_NamesW {
    pub sUserName: *mut SEC_WCHAR,
}

/// Windows' key-retrieval callback (never called by NTLM).
pub type SEC_GET_KEY_FN =
    Option<unsafe extern "system" fn(PVOID, PVOID, ULONG, *mut PVOID, *mut SECURITY_STATUS)>;

/// ntlmssp extension: the NT hash (MD4 of the UTF-16LE password) of `User` in `Domain` as the
/// client named them, written to `NtHash`; returns non-zero when the user exists. See
/// `NtlmSetNtHashCallback`.
pub type NTLM_NT_HASH_CALLBACK = Option<
    unsafe extern "system" fn(
        PVOID,
        *const WCHAR,
        ULONG,
        *const WCHAR,
        ULONG,
        *mut UCHAR,
    ) -> BOOLEAN,
>;

// Function-pointer types of the dispatch tables, in Windows' names.
pub type ENUMERATE_SECURITY_PACKAGES_FN_A =
    Option<unsafe extern "system" fn(PULONG, *mut PSecPkgInfoA) -> SECURITY_STATUS>;
pub type ENUMERATE_SECURITY_PACKAGES_FN_W =
    Option<unsafe extern "system" fn(PULONG, *mut PSecPkgInfoW) -> SECURITY_STATUS>;
pub type QUERY_CREDENTIALS_ATTRIBUTES_FN_A =
    Option<unsafe extern "system" fn(PCredHandle, ULONG, PVOID) -> SECURITY_STATUS>;
pub type QUERY_CREDENTIALS_ATTRIBUTES_FN_W =
    Option<unsafe extern "system" fn(PCredHandle, ULONG, PVOID) -> SECURITY_STATUS>;
pub type ACQUIRE_CREDENTIALS_HANDLE_FN_A = Option<
    unsafe extern "system" fn(
        LPSTR,
        LPSTR,
        ULONG,
        PVOID,
        PVOID,
        SEC_GET_KEY_FN,
        PVOID,
        PCredHandle,
        PTimeStamp,
    ) -> SECURITY_STATUS,
>;
pub type ACQUIRE_CREDENTIALS_HANDLE_FN_W = Option<
    unsafe extern "system" fn(
        LPWSTR,
        LPWSTR,
        ULONG,
        PVOID,
        PVOID,
        SEC_GET_KEY_FN,
        PVOID,
        PCredHandle,
        PTimeStamp,
    ) -> SECURITY_STATUS,
>;
pub type FREE_CREDENTIALS_HANDLE_FN =
    Option<unsafe extern "system" fn(PCredHandle) -> SECURITY_STATUS>;
pub type INITIALIZE_SECURITY_CONTEXT_FN_A = Option<
    unsafe extern "system" fn(
        PCredHandle,
        PCtxtHandle,
        *mut SEC_CHAR,
        ULONG,
        ULONG,
        ULONG,
        PSecBufferDesc,
        ULONG,
        PCtxtHandle,
        PSecBufferDesc,
        PULONG,
        PTimeStamp,
    ) -> SECURITY_STATUS,
>;
pub type INITIALIZE_SECURITY_CONTEXT_FN_W = Option<
    unsafe extern "system" fn(
        PCredHandle,
        PCtxtHandle,
        *mut SEC_WCHAR,
        ULONG,
        ULONG,
        ULONG,
        PSecBufferDesc,
        ULONG,
        PCtxtHandle,
        PSecBufferDesc,
        PULONG,
        PTimeStamp,
    ) -> SECURITY_STATUS,
>;
pub type ACCEPT_SECURITY_CONTEXT_FN = Option<
    unsafe extern "system" fn(
        PCredHandle,
        PCtxtHandle,
        PSecBufferDesc,
        ULONG,
        ULONG,
        PCtxtHandle,
        PSecBufferDesc,
        PULONG,
        PTimeStamp,
    ) -> SECURITY_STATUS,
>;
pub type COMPLETE_AUTH_TOKEN_FN =
    Option<unsafe extern "system" fn(PCtxtHandle, PSecBufferDesc) -> SECURITY_STATUS>;
pub type DELETE_SECURITY_CONTEXT_FN =
    Option<unsafe extern "system" fn(PCtxtHandle) -> SECURITY_STATUS>;
pub type APPLY_CONTROL_TOKEN_FN =
    Option<unsafe extern "system" fn(PCtxtHandle, PSecBufferDesc) -> SECURITY_STATUS>;
pub type QUERY_CONTEXT_ATTRIBUTES_FN_A =
    Option<unsafe extern "system" fn(PCtxtHandle, ULONG, PVOID) -> SECURITY_STATUS>;
pub type QUERY_CONTEXT_ATTRIBUTES_FN_W =
    Option<unsafe extern "system" fn(PCtxtHandle, ULONG, PVOID) -> SECURITY_STATUS>;
pub type IMPERSONATE_SECURITY_CONTEXT_FN =
    Option<unsafe extern "system" fn(PCtxtHandle) -> SECURITY_STATUS>;
pub type REVERT_SECURITY_CONTEXT_FN =
    Option<unsafe extern "system" fn(PCtxtHandle) -> SECURITY_STATUS>;
pub type MAKE_SIGNATURE_FN =
    Option<unsafe extern "system" fn(PCtxtHandle, ULONG, PSecBufferDesc, ULONG) -> SECURITY_STATUS>;
pub type VERIFY_SIGNATURE_FN = Option<
    unsafe extern "system" fn(PCtxtHandle, PSecBufferDesc, ULONG, PULONG) -> SECURITY_STATUS,
>;
pub type FREE_CONTEXT_BUFFER_FN = Option<unsafe extern "system" fn(PVOID) -> SECURITY_STATUS>;
pub type QUERY_SECURITY_PACKAGE_INFO_FN_A =
    Option<unsafe extern "system" fn(LPSTR, *mut PSecPkgInfoA) -> SECURITY_STATUS>;
pub type QUERY_SECURITY_PACKAGE_INFO_FN_W =
    Option<unsafe extern "system" fn(LPWSTR, *mut PSecPkgInfoW) -> SECURITY_STATUS>;
pub type EXPORT_SECURITY_CONTEXT_FN = Option<
    unsafe extern "system" fn(PCtxtHandle, ULONG, PSecBuffer, *mut PVOID) -> SECURITY_STATUS,
>;
pub type IMPORT_SECURITY_CONTEXT_FN_A =
    Option<unsafe extern "system" fn(LPSTR, PSecBuffer, PVOID, PCtxtHandle) -> SECURITY_STATUS>;
pub type IMPORT_SECURITY_CONTEXT_FN_W =
    Option<unsafe extern "system" fn(LPWSTR, PSecBuffer, PVOID, PCtxtHandle) -> SECURITY_STATUS>;
pub type ADD_CREDENTIALS_FN_A = Option<
    unsafe extern "system" fn(
        PCredHandle,
        LPSTR,
        LPSTR,
        ULONG,
        PVOID,
        SEC_GET_KEY_FN,
        PVOID,
        PTimeStamp,
    ) -> SECURITY_STATUS,
>;
pub type ADD_CREDENTIALS_FN_W = Option<
    unsafe extern "system" fn(
        PCredHandle,
        LPWSTR,
        LPWSTR,
        ULONG,
        PVOID,
        SEC_GET_KEY_FN,
        PVOID,
        PTimeStamp,
    ) -> SECURITY_STATUS,
>;
pub type QUERY_SECURITY_CONTEXT_TOKEN_FN =
    Option<unsafe extern "system" fn(PCtxtHandle, *mut PVOID) -> SECURITY_STATUS>;
pub type ENCRYPT_MESSAGE_FN =
    Option<unsafe extern "system" fn(PCtxtHandle, ULONG, PSecBufferDesc, ULONG) -> SECURITY_STATUS>;
pub type DECRYPT_MESSAGE_FN = Option<
    unsafe extern "system" fn(PCtxtHandle, PSecBufferDesc, ULONG, PULONG) -> SECURITY_STATUS,
>;
pub type SET_CONTEXT_ATTRIBUTES_FN_A =
    Option<unsafe extern "system" fn(PCtxtHandle, ULONG, PVOID, ULONG) -> SECURITY_STATUS>;
pub type SET_CONTEXT_ATTRIBUTES_FN_W =
    Option<unsafe extern "system" fn(PCtxtHandle, ULONG, PVOID, ULONG) -> SECURITY_STATUS>;
pub type SET_CREDENTIALS_ATTRIBUTES_FN_A =
    Option<unsafe extern "system" fn(PCredHandle, ULONG, PVOID, ULONG) -> SECURITY_STATUS>;
pub type SET_CREDENTIALS_ATTRIBUTES_FN_W =
    Option<unsafe extern "system" fn(PCredHandle, ULONG, PVOID, ULONG) -> SECURITY_STATUS>;
/// A slot Windows reserves; always NULL here.
pub type RESERVED_FN = PVOID;

/// The dispatch table of the A functions (SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION_4 layout).
#[repr(C)]
pub struct SecurityFunctionTableA {
    pub dwVersion: ULONG,
    pub EnumerateSecurityPackagesA: ENUMERATE_SECURITY_PACKAGES_FN_A,
    pub QueryCredentialsAttributesA: QUERY_CREDENTIALS_ATTRIBUTES_FN_A,
    pub AcquireCredentialsHandleA: ACQUIRE_CREDENTIALS_HANDLE_FN_A,
    pub FreeCredentialsHandle: FREE_CREDENTIALS_HANDLE_FN,
    pub Reserved2: RESERVED_FN,
    pub InitializeSecurityContextA: INITIALIZE_SECURITY_CONTEXT_FN_A,
    pub AcceptSecurityContext: ACCEPT_SECURITY_CONTEXT_FN,
    pub CompleteAuthToken: COMPLETE_AUTH_TOKEN_FN,
    pub DeleteSecurityContext: DELETE_SECURITY_CONTEXT_FN,
    pub ApplyControlToken: APPLY_CONTROL_TOKEN_FN,
    pub QueryContextAttributesA: QUERY_CONTEXT_ATTRIBUTES_FN_A,
    pub ImpersonateSecurityContext: IMPERSONATE_SECURITY_CONTEXT_FN,
    pub RevertSecurityContext: REVERT_SECURITY_CONTEXT_FN,
    pub MakeSignature: MAKE_SIGNATURE_FN,
    pub VerifySignature: VERIFY_SIGNATURE_FN,
    pub FreeContextBuffer: FREE_CONTEXT_BUFFER_FN,
    pub QuerySecurityPackageInfoA: QUERY_SECURITY_PACKAGE_INFO_FN_A,
    /// EncryptMessage, in the slot Windows' header calls Reserved3.
    pub Reserved3: ENCRYPT_MESSAGE_FN,
    /// DecryptMessage, in the slot Windows' header calls Reserved4.
    pub Reserved4: DECRYPT_MESSAGE_FN,
    pub ExportSecurityContext: EXPORT_SECURITY_CONTEXT_FN,
    pub ImportSecurityContextA: IMPORT_SECURITY_CONTEXT_FN_A,
    pub AddCredentialsA: ADD_CREDENTIALS_FN_A,
    pub Reserved8: RESERVED_FN,
    pub QuerySecurityContextToken: QUERY_SECURITY_CONTEXT_TOKEN_FN,
    pub EncryptMessage: ENCRYPT_MESSAGE_FN,
    pub DecryptMessage: DECRYPT_MESSAGE_FN,
    pub SetContextAttributesA: SET_CONTEXT_ATTRIBUTES_FN_A,
    pub SetCredentialsAttributesA: SET_CREDENTIALS_ATTRIBUTES_FN_A,
    pub ChangeAccountPasswordA: RESERVED_FN,
    pub QueryContextAttributesExA: RESERVED_FN,
    pub QueryCredentialsAttributesExA: RESERVED_FN,
}
pub type PSecurityFunctionTableA = *mut SecurityFunctionTableA;

/// The dispatch table of the W functions.
#[repr(C)]
pub struct SecurityFunctionTableW {
    pub dwVersion: ULONG,
    pub EnumerateSecurityPackagesW: ENUMERATE_SECURITY_PACKAGES_FN_W,
    pub QueryCredentialsAttributesW: QUERY_CREDENTIALS_ATTRIBUTES_FN_W,
    pub AcquireCredentialsHandleW: ACQUIRE_CREDENTIALS_HANDLE_FN_W,
    pub FreeCredentialsHandle: FREE_CREDENTIALS_HANDLE_FN,
    pub Reserved2: RESERVED_FN,
    pub InitializeSecurityContextW: INITIALIZE_SECURITY_CONTEXT_FN_W,
    pub AcceptSecurityContext: ACCEPT_SECURITY_CONTEXT_FN,
    pub CompleteAuthToken: COMPLETE_AUTH_TOKEN_FN,
    pub DeleteSecurityContext: DELETE_SECURITY_CONTEXT_FN,
    pub ApplyControlToken: APPLY_CONTROL_TOKEN_FN,
    pub QueryContextAttributesW: QUERY_CONTEXT_ATTRIBUTES_FN_W,
    pub ImpersonateSecurityContext: IMPERSONATE_SECURITY_CONTEXT_FN,
    pub RevertSecurityContext: REVERT_SECURITY_CONTEXT_FN,
    pub MakeSignature: MAKE_SIGNATURE_FN,
    pub VerifySignature: VERIFY_SIGNATURE_FN,
    pub FreeContextBuffer: FREE_CONTEXT_BUFFER_FN,
    pub QuerySecurityPackageInfoW: QUERY_SECURITY_PACKAGE_INFO_FN_W,
    /// EncryptMessage, in the slot Windows' header calls Reserved3.
    pub Reserved3: ENCRYPT_MESSAGE_FN,
    /// DecryptMessage, in the slot Windows' header calls Reserved4.
    pub Reserved4: DECRYPT_MESSAGE_FN,
    pub ExportSecurityContext: EXPORT_SECURITY_CONTEXT_FN,
    pub ImportSecurityContextW: IMPORT_SECURITY_CONTEXT_FN_W,
    pub AddCredentialsW: ADD_CREDENTIALS_FN_W,
    pub Reserved8: RESERVED_FN,
    pub QuerySecurityContextToken: QUERY_SECURITY_CONTEXT_TOKEN_FN,
    pub EncryptMessage: ENCRYPT_MESSAGE_FN,
    pub DecryptMessage: DECRYPT_MESSAGE_FN,
    pub SetContextAttributesW: SET_CONTEXT_ATTRIBUTES_FN_W,
    pub SetCredentialsAttributesW: SET_CREDENTIALS_ATTRIBUTES_FN_W,
    pub ChangeAccountPasswordW: RESERVED_FN,
    pub QueryContextAttributesExW: RESERVED_FN,
    pub QueryCredentialsAttributesExW: RESERVED_FN,
}
pub type PSecurityFunctionTableW = *mut SecurityFunctionTableW;

pub type INIT_SECURITY_INTERFACE_A = Option<unsafe extern "system" fn() -> PSecurityFunctionTableA>;
pub type INIT_SECURITY_INTERFACE_W = Option<unsafe extern "system" fn() -> PSecurityFunctionTableW>;

// ---------------------------------------------------------------------------------------------
// Status codes

pub const SEC_E_OK: SECURITY_STATUS = 0;
pub const SEC_I_CONTINUE_NEEDED: SECURITY_STATUS = 0x0009_0312;
pub const SEC_I_COMPLETE_NEEDED: SECURITY_STATUS = 0x0009_0313;
pub const SEC_I_COMPLETE_AND_CONTINUE: SECURITY_STATUS = 0x0009_0314;
pub const SEC_I_LOCAL_LOGON: SECURITY_STATUS = 0x0009_0315;
pub const SEC_I_CONTEXT_EXPIRED: SECURITY_STATUS = 0x0009_0317;
pub const SEC_I_INCOMPLETE_CREDENTIALS: SECURITY_STATUS = 0x0009_0320;
pub const SEC_I_RENEGOTIATE: SECURITY_STATUS = 0x0009_0321;
pub const SEC_E_INSUFFICIENT_MEMORY: SECURITY_STATUS = 0x8009_0300_u32 as i32;
pub const SEC_E_INVALID_HANDLE: SECURITY_STATUS = 0x8009_0301_u32 as i32;
pub const SEC_E_UNSUPPORTED_FUNCTION: SECURITY_STATUS = 0x8009_0302_u32 as i32;
pub const SEC_E_TARGET_UNKNOWN: SECURITY_STATUS = 0x8009_0303_u32 as i32;
pub const SEC_E_INTERNAL_ERROR: SECURITY_STATUS = 0x8009_0304_u32 as i32;
pub const SEC_E_SECPKG_NOT_FOUND: SECURITY_STATUS = 0x8009_0305_u32 as i32;
pub const SEC_E_NOT_OWNER: SECURITY_STATUS = 0x8009_0306_u32 as i32;
pub const SEC_E_CANNOT_INSTALL: SECURITY_STATUS = 0x8009_0307_u32 as i32;
pub const SEC_E_INVALID_TOKEN: SECURITY_STATUS = 0x8009_0308_u32 as i32;
pub const SEC_E_CANNOT_PACK: SECURITY_STATUS = 0x8009_0309_u32 as i32;
pub const SEC_E_QOP_NOT_SUPPORTED: SECURITY_STATUS = 0x8009_030A_u32 as i32;
pub const SEC_E_NO_IMPERSONATION: SECURITY_STATUS = 0x8009_030B_u32 as i32;
pub const SEC_E_LOGON_DENIED: SECURITY_STATUS = 0x8009_030C_u32 as i32;
pub const SEC_E_UNKNOWN_CREDENTIALS: SECURITY_STATUS = 0x8009_030D_u32 as i32;
pub const SEC_E_NO_CREDENTIALS: SECURITY_STATUS = 0x8009_030E_u32 as i32;
pub const SEC_E_MESSAGE_ALTERED: SECURITY_STATUS = 0x8009_030F_u32 as i32;
pub const SEC_E_OUT_OF_SEQUENCE: SECURITY_STATUS = 0x8009_0310_u32 as i32;
pub const SEC_E_NO_AUTHENTICATING_AUTHORITY: SECURITY_STATUS = 0x8009_0311_u32 as i32;
pub const SEC_E_BAD_PKGID: SECURITY_STATUS = 0x8009_0316_u32 as i32;
pub const SEC_E_CONTEXT_EXPIRED: SECURITY_STATUS = 0x8009_0317_u32 as i32;
pub const SEC_E_INCOMPLETE_MESSAGE: SECURITY_STATUS = 0x8009_0318_u32 as i32;
pub const SEC_E_INCOMPLETE_CREDENTIALS: SECURITY_STATUS = 0x8009_0320_u32 as i32;
pub const SEC_E_BUFFER_TOO_SMALL: SECURITY_STATUS = 0x8009_0321_u32 as i32;
pub const SEC_E_WRONG_PRINCIPAL: SECURITY_STATUS = 0x8009_0322_u32 as i32;
pub const SEC_E_TIME_SKEW: SECURITY_STATUS = 0x8009_0324_u32 as i32;
pub const SEC_E_UNTRUSTED_ROOT: SECURITY_STATUS = 0x8009_0325_u32 as i32;
pub const SEC_E_ILLEGAL_MESSAGE: SECURITY_STATUS = 0x8009_0326_u32 as i32;
pub const SEC_E_CERT_UNKNOWN: SECURITY_STATUS = 0x8009_0327_u32 as i32;
pub const SEC_E_CERT_EXPIRED: SECURITY_STATUS = 0x8009_0328_u32 as i32;
pub const SEC_E_ENCRYPT_FAILURE: SECURITY_STATUS = 0x8009_0329_u32 as i32;
pub const SEC_E_DECRYPT_FAILURE: SECURITY_STATUS = 0x8009_0330_u32 as i32;
pub const SEC_E_ALGORITHM_MISMATCH: SECURITY_STATUS = 0x8009_0331_u32 as i32;
pub const SEC_E_SECURITY_QOS_FAILED: SECURITY_STATUS = 0x8009_0332_u32 as i32;
pub const SEC_E_UNFINISHED_CONTEXT_DELETED: SECURITY_STATUS = 0x8009_0333_u32 as i32;
pub const SEC_E_NO_TGT_REPLY: SECURITY_STATUS = 0x8009_0334_u32 as i32;
pub const SEC_E_NO_IP_ADDRESSES: SECURITY_STATUS = 0x8009_0335_u32 as i32;
pub const SEC_E_WRONG_CREDENTIAL_HANDLE: SECURITY_STATUS = 0x8009_0336_u32 as i32;
pub const SEC_E_CRYPTO_SYSTEM_INVALID: SECURITY_STATUS = 0x8009_0337_u32 as i32;
pub const SEC_E_MAX_REFERRALS_EXCEEDED: SECURITY_STATUS = 0x8009_0338_u32 as i32;
pub const SEC_E_MUST_BE_KDC: SECURITY_STATUS = 0x8009_0339_u32 as i32;
pub const SEC_E_STRONG_CRYPTO_NOT_SUPPORTED: SECURITY_STATUS = 0x8009_033A_u32 as i32;
pub const SEC_E_TOO_MANY_PRINCIPALS: SECURITY_STATUS = 0x8009_033B_u32 as i32;
pub const SEC_E_NO_PA_DATA: SECURITY_STATUS = 0x8009_033C_u32 as i32;
pub const SEC_E_PKINIT_NAME_MISMATCH: SECURITY_STATUS = 0x8009_033D_u32 as i32;
pub const SEC_E_SMARTCARD_LOGON_REQUIRED: SECURITY_STATUS = 0x8009_033E_u32 as i32;
pub const SEC_E_SHUTDOWN_IN_PROGRESS: SECURITY_STATUS = 0x8009_033F_u32 as i32;
pub const SEC_E_KDC_INVALID_REQUEST: SECURITY_STATUS = 0x8009_0340_u32 as i32;
pub const SEC_E_KDC_UNABLE_TO_REFER: SECURITY_STATUS = 0x8009_0341_u32 as i32;
pub const SEC_E_KDC_UNKNOWN_ETYPE: SECURITY_STATUS = 0x8009_0342_u32 as i32;
pub const SEC_E_UNSUPPORTED_PREAUTH: SECURITY_STATUS = 0x8009_0343_u32 as i32;
pub const SEC_E_DELEGATION_REQUIRED: SECURITY_STATUS = 0x8009_0345_u32 as i32;
pub const SEC_E_BAD_BINDINGS: SECURITY_STATUS = 0x8009_0346_u32 as i32;
pub const SEC_E_MULTIPLE_ACCOUNTS: SECURITY_STATUS = 0x8009_0347_u32 as i32;
pub const SEC_E_NO_KERB_KEY: SECURITY_STATUS = 0x8009_0348_u32 as i32;
pub const SEC_E_INVALID_PARAMETER: SECURITY_STATUS = 0x8009_035D_u32 as i32;
pub const SEC_E_DELEGATION_POLICY: SECURITY_STATUS = 0x8009_035E_u32 as i32;
pub const SEC_E_POLICY_NLTM_ONLY: SECURITY_STATUS = 0x8009_035F_u32 as i32;

// ---------------------------------------------------------------------------------------------
// Credentials

pub const SECPKG_CRED_INBOUND: ULONG = 0x1;
pub const SECPKG_CRED_OUTBOUND: ULONG = 0x2;
pub const SECPKG_CRED_BOTH: ULONG = 0x3;
pub const SECPKG_CRED_DEFAULT: ULONG = 0x4;
pub const SECPKG_CRED_AUTOLOGON_RESTRICTED: ULONG = 0x10;
pub const SECPKG_CRED_PROCESS_POLICY_ONLY: ULONG = 0x20;
/// Bits of `fCredentialUse` reserved to the caller's side of the system (ntsecpkg.h): Wine's
/// secur32 passes 0x10000000 ("no cached credentials") to its providers, Windows' LSA other
/// bits of this mask.
pub const SECPKG_CRED_RESERVED: ULONG = 0xF000_0000;
pub const SECPKG_CRED_ATTR_NAMES: ULONG = 1;
pub const SEC_WINNT_AUTH_IDENTITY_ANSI: ULONG = 0x1;
pub const SEC_WINNT_AUTH_IDENTITY_UNICODE: ULONG = 0x2;
pub const SEC_WINNT_AUTH_IDENTITY_VERSION: ULONG = 0x200;
pub const SECURITY_NATIVE_DREP: ULONG = 0x10;
pub const SECURITY_NETWORK_DREP: ULONG = 0x0;

// ---------------------------------------------------------------------------------------------
// Buffers

pub const SECBUFFER_VERSION: ULONG = 0;
pub const SECBUFFER_EMPTY: ULONG = 0;
pub const SECBUFFER_DATA: ULONG = 1;
pub const SECBUFFER_TOKEN: ULONG = 2;
pub const SECBUFFER_PKG_PARAMS: ULONG = 3;
pub const SECBUFFER_MISSING: ULONG = 4;
pub const SECBUFFER_EXTRA: ULONG = 5;
pub const SECBUFFER_STREAM_TRAILER: ULONG = 6;
pub const SECBUFFER_STREAM_HEADER: ULONG = 7;
pub const SECBUFFER_NEGOTIATION_INFO: ULONG = 8;
pub const SECBUFFER_PADDING: ULONG = 9;
pub const SECBUFFER_STREAM: ULONG = 10;
pub const SECBUFFER_MECHLIST: ULONG = 11;
pub const SECBUFFER_MECHLIST_SIGNATURE: ULONG = 12;
pub const SECBUFFER_TARGET: ULONG = 13;
pub const SECBUFFER_CHANNEL_BINDINGS: ULONG = 14;
pub const SECBUFFER_CHANGE_PASS_RESPONSE: ULONG = 15;
pub const SECBUFFER_TARGET_HOST: ULONG = 16;
pub const SECBUFFER_ALERT: ULONG = 17;
pub const SECBUFFER_APPLICATION_PROTOCOLS: ULONG = 18;
pub const SECBUFFER_ATTRMASK: ULONG = 0xF000_0000;
pub const SECBUFFER_READONLY: ULONG = 0x8000_0000;
pub const SECBUFFER_READONLY_WITH_CHECKSUM: ULONG = 0x1000_0000;
pub const SECBUFFER_RESERVED: ULONG = 0x6000_0000;
pub const SECQOP_WRAP_NO_ENCRYPT: ULONG = 0x8000_0001;
pub const SECQOP_WRAP_OOB_DATA: ULONG = 0x4000_0000;

// ---------------------------------------------------------------------------------------------
// Context requirements and attributes

pub const ISC_REQ_DELEGATE: ULONG = 0x1;
pub const ISC_REQ_MUTUAL_AUTH: ULONG = 0x2;
pub const ISC_REQ_REPLAY_DETECT: ULONG = 0x4;
pub const ISC_REQ_SEQUENCE_DETECT: ULONG = 0x8;
pub const ISC_REQ_CONFIDENTIALITY: ULONG = 0x10;
pub const ISC_REQ_USE_SESSION_KEY: ULONG = 0x20;
pub const ISC_REQ_PROMPT_FOR_CREDS: ULONG = 0x40;
pub const ISC_REQ_USE_SUPPLIED_CREDS: ULONG = 0x80;
pub const ISC_REQ_ALLOCATE_MEMORY: ULONG = 0x100;
pub const ISC_REQ_USE_DCE_STYLE: ULONG = 0x200;
pub const ISC_REQ_DATAGRAM: ULONG = 0x400;
pub const ISC_REQ_CONNECTION: ULONG = 0x800;
pub const ISC_REQ_CALL_LEVEL: ULONG = 0x1000;
pub const ISC_REQ_FRAGMENT_SUPPLIED: ULONG = 0x2000;
pub const ISC_REQ_EXTENDED_ERROR: ULONG = 0x4000;
pub const ISC_REQ_STREAM: ULONG = 0x8000;
pub const ISC_REQ_INTEGRITY: ULONG = 0x10000;
pub const ISC_REQ_IDENTIFY: ULONG = 0x20000;
pub const ISC_REQ_NULL_SESSION: ULONG = 0x40000;
pub const ISC_REQ_MANUAL_CRED_VALIDATION: ULONG = 0x80000;
pub const ISC_REQ_RESERVED1: ULONG = 0x100000;
pub const ISC_REQ_FRAGMENT_TO_FIT: ULONG = 0x200000;
pub const ISC_REQ_FORWARD_CREDENTIALS: ULONG = 0x400000;
pub const ISC_REQ_NO_INTEGRITY: ULONG = 0x800000;
pub const ISC_REQ_USE_HTTP_STYLE: ULONG = 0x1000000;

pub const ISC_RET_DELEGATE: ULONG = 0x1;
pub const ISC_RET_MUTUAL_AUTH: ULONG = 0x2;
pub const ISC_RET_REPLAY_DETECT: ULONG = 0x4;
pub const ISC_RET_SEQUENCE_DETECT: ULONG = 0x8;
pub const ISC_RET_CONFIDENTIALITY: ULONG = 0x10;
pub const ISC_RET_USE_SESSION_KEY: ULONG = 0x20;
pub const ISC_RET_USED_COLLECTED_CREDS: ULONG = 0x40;
pub const ISC_RET_USED_SUPPLIED_CREDS: ULONG = 0x80;
pub const ISC_RET_ALLOCATED_MEMORY: ULONG = 0x100;
pub const ISC_RET_USED_DCE_STYLE: ULONG = 0x200;
pub const ISC_RET_DATAGRAM: ULONG = 0x400;
pub const ISC_RET_CONNECTION: ULONG = 0x800;
pub const ISC_RET_INTERMEDIATE_RETURN: ULONG = 0x1000;
pub const ISC_RET_CALL_LEVEL: ULONG = 0x2000;
pub const ISC_RET_EXTENDED_ERROR: ULONG = 0x4000;
pub const ISC_RET_STREAM: ULONG = 0x8000;
pub const ISC_RET_INTEGRITY: ULONG = 0x10000;
pub const ISC_RET_IDENTIFY: ULONG = 0x20000;
pub const ISC_RET_NULL_SESSION: ULONG = 0x40000;
pub const ISC_RET_MANUAL_CRED_VALIDATION: ULONG = 0x80000;

pub const ASC_REQ_DELEGATE: ULONG = 0x1;
pub const ASC_REQ_MUTUAL_AUTH: ULONG = 0x2;
pub const ASC_REQ_REPLAY_DETECT: ULONG = 0x4;
pub const ASC_REQ_SEQUENCE_DETECT: ULONG = 0x8;
pub const ASC_REQ_CONFIDENTIALITY: ULONG = 0x10;
pub const ASC_REQ_USE_SESSION_KEY: ULONG = 0x20;
pub const ASC_REQ_ALLOCATE_MEMORY: ULONG = 0x100;
pub const ASC_REQ_USE_DCE_STYLE: ULONG = 0x200;
pub const ASC_REQ_DATAGRAM: ULONG = 0x400;
pub const ASC_REQ_CONNECTION: ULONG = 0x800;
pub const ASC_REQ_CALL_LEVEL: ULONG = 0x1000;
pub const ASC_REQ_EXTENDED_ERROR: ULONG = 0x8000;
pub const ASC_REQ_STREAM: ULONG = 0x10000;
pub const ASC_REQ_INTEGRITY: ULONG = 0x20000;
pub const ASC_REQ_LICENSING: ULONG = 0x40000;
pub const ASC_REQ_IDENTIFY: ULONG = 0x80000;
pub const ASC_REQ_ALLOW_NULL_SESSION: ULONG = 0x100000;

pub const ASC_RET_DELEGATE: ULONG = 0x1;
pub const ASC_RET_MUTUAL_AUTH: ULONG = 0x2;
pub const ASC_RET_REPLAY_DETECT: ULONG = 0x4;
pub const ASC_RET_SEQUENCE_DETECT: ULONG = 0x8;
pub const ASC_RET_CONFIDENTIALITY: ULONG = 0x10;
pub const ASC_RET_USE_SESSION_KEY: ULONG = 0x20;
pub const ASC_RET_ALLOCATED_MEMORY: ULONG = 0x100;
pub const ASC_RET_USED_DCE_STYLE: ULONG = 0x200;
pub const ASC_RET_DATAGRAM: ULONG = 0x400;
pub const ASC_RET_CONNECTION: ULONG = 0x800;
pub const ASC_RET_CALL_LEVEL: ULONG = 0x2000;
pub const ASC_RET_THIRD_LEG_FAILED: ULONG = 0x4000;
pub const ASC_RET_EXTENDED_ERROR: ULONG = 0x8000;
pub const ASC_RET_STREAM: ULONG = 0x10000;
pub const ASC_RET_INTEGRITY: ULONG = 0x20000;
pub const ASC_RET_LICENSING: ULONG = 0x40000;
pub const ASC_RET_IDENTIFY: ULONG = 0x80000;
pub const ASC_RET_NULL_SESSION: ULONG = 0x100000;

// ---------------------------------------------------------------------------------------------
// Attributes and package information

pub const SECPKG_ATTR_SIZES: ULONG = 0;
pub const SECPKG_ATTR_NAMES: ULONG = 1;
pub const SECPKG_ATTR_LIFESPAN: ULONG = 2;
pub const SECPKG_ATTR_DCE_INFO: ULONG = 3;
pub const SECPKG_ATTR_STREAM_SIZES: ULONG = 4;
pub const SECPKG_ATTR_KEY_INFO: ULONG = 5;
pub const SECPKG_ATTR_AUTHORITY: ULONG = 6;
pub const SECPKG_ATTR_PROTO_INFO: ULONG = 7;
pub const SECPKG_ATTR_PASSWORD_EXPIRY: ULONG = 8;
pub const SECPKG_ATTR_SESSION_KEY: ULONG = 9;
pub const SECPKG_ATTR_PACKAGE_INFO: ULONG = 10;
pub const SECPKG_ATTR_USER_FLAGS: ULONG = 11;
pub const SECPKG_ATTR_NEGOTIATION_INFO: ULONG = 12;
pub const SECPKG_ATTR_NATIVE_NAMES: ULONG = 13;
pub const SECPKG_ATTR_FLAGS: ULONG = 14;
pub const SECPKG_NEGOTIATION_COMPLETE: ULONG = 0;
pub const SECPKG_NEGOTIATION_OPTIMISTIC: ULONG = 1;
pub const SECPKG_NEGOTIATION_IN_PROGRESS: ULONG = 2;
pub const SECPKG_NEGOTIATION_DIRECT: ULONG = 3;
pub const SECPKG_NEGOTIATION_TRY_MULTICRED: ULONG = 4;

pub const SECPKG_FLAG_INTEGRITY: ULONG = 0x1;
pub const SECPKG_FLAG_PRIVACY: ULONG = 0x2;
pub const SECPKG_FLAG_TOKEN_ONLY: ULONG = 0x4;
pub const SECPKG_FLAG_DATAGRAM: ULONG = 0x8;
pub const SECPKG_FLAG_CONNECTION: ULONG = 0x10;
pub const SECPKG_FLAG_MULTI_REQUIRED: ULONG = 0x20;
pub const SECPKG_FLAG_CLIENT_ONLY: ULONG = 0x40;
pub const SECPKG_FLAG_EXTENDED_ERROR: ULONG = 0x80;
pub const SECPKG_FLAG_IMPERSONATION: ULONG = 0x100;
pub const SECPKG_FLAG_ACCEPT_WIN32_NAME: ULONG = 0x200;
pub const SECPKG_FLAG_STREAM: ULONG = 0x400;
pub const SECPKG_FLAG_NEGOTIABLE: ULONG = 0x800;
pub const SECPKG_FLAG_GSS_COMPATIBLE: ULONG = 0x1000;
pub const SECPKG_FLAG_LOGON: ULONG = 0x2000;
pub const SECPKG_FLAG_ASCII_BUFFERS: ULONG = 0x4000;
pub const SECPKG_FLAG_FRAGMENT: ULONG = 0x8000;
pub const SECPKG_FLAG_MUTUAL_AUTH: ULONG = 0x10000;
pub const SECPKG_FLAG_DELEGATION: ULONG = 0x20000;
pub const SECPKG_FLAG_READONLY_WITH_CHECKSUM: ULONG = 0x40000;
pub const SECPKG_FLAG_RESTRICTED_TOKENS: ULONG = 0x80000;
pub const SECPKG_FLAG_NEGO_EXTENDER: ULONG = 0x100000;
pub const SECPKG_FLAG_NEGOTIABLE2: ULONG = 0x200000;

pub const SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION: ULONG = 1;
pub const SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION_2: ULONG = 2;
pub const SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION_3: ULONG = 3;
pub const SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION_4: ULONG = 4;
/// The RC4 algorithm identifier reported by SECPKG_ATTR_KEY_INFO.
pub const CALG_RC4: ULONG = 0x6801;
/// RPC_C_AUTHN_WINNT, the NTLM package's RPC identifier.
pub const RPC_C_AUTHN_WINNT: ULONG = 10;

// ---------------------------------------------------------------------------------------------
// Layouts as on Windows (x64, and x86 where pointers are 4 bytes).

macro_rules! assert_size {
    ($t:ty, $p64:expr, $p32:expr) => {
        #[cfg(target_pointer_width = "64")]
        const _: () = assert!(core::mem::size_of::<$t>() == $p64);
        #[cfg(target_pointer_width = "32")]
        const _: () = assert!(core::mem::size_of::<$t>() == $p32);
    };
}

assert_size!(SecHandle, 16, 8);
assert_size!(SecBuffer, 16, 12);
assert_size!(SecBufferDesc, 16, 12);
assert_size!(SecPkgInfoA, 32, 20);
assert_size!(SecPkgInfoW, 32, 20);
assert_size!(SEC_WINNT_AUTH_IDENTITY_A, 48, 28);
assert_size!(SEC_WINNT_AUTH_IDENTITY_W, 48, 28);
assert_size!(SEC_WINNT_AUTH_IDENTITY_EXA, 72, 44);
assert_size!(SEC_WINNT_AUTH_IDENTITY_EXW, 72, 44);
assert_size!(SEC_CHANNEL_BINDINGS, 32, 32);
assert_size!(SecPkgContext_Sizes, 16, 16);
assert_size!(SecPkgContext_StreamSizes, 20, 20);
assert_size!(SecPkgContext_Flags, 4, 4);
assert_size!(SecPkgContext_NamesA, 8, 4);
assert_size!(SecPkgContext_NamesW, 8, 4);
assert_size!(SecPkgContext_Lifespan, 16, 16);
assert_size!(SecPkgContext_SessionKey, 16, 8);
assert_size!(SecPkgContext_KeyInfoA, 32, 20);
assert_size!(SecPkgContext_KeyInfoW, 32, 20);
assert_size!(SecPkgContext_PackageInfoA, 8, 4);
assert_size!(SecPkgContext_PackageInfoW, 8, 4);
assert_size!(SecPkgContext_NegotiationInfoA, 16, 8);
assert_size!(SecPkgContext_NegotiationInfoW, 16, 8);
assert_size!(SecPkgCredentials_NamesA, 8, 4);
assert_size!(SecPkgCredentials_NamesW, 8, 4);
assert_size!(SecurityFunctionTableA, 32 * 8, 32 * 4);
assert_size!(SecurityFunctionTableW, 32 * 8, 32 * 4);
