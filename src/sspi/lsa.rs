//! The package in LSA mode (an SSP/AP, `ntsecpkg.h`): `SpLsaModeInitialize` and
//! `SpUserModeInitialize` hand out function tables whose entries map onto the functions the
//! exports call ([`super::credentials`], [`super::contexts`], [`super::attributes`],
//! [`super::messages`], [`super::packages`]), so the same DLL also registers "NTLM" where a host
//! loads security packages the way LSA does.
//!
//! Hosts that do this in the caller's process (Wine's secur32 loads every subkey of
//! `HKLM\System\CurrentControlSet\Control\Lsa` from its DllMain, and its Negotiate finds NTLM
//! only among those packages) rely on these facts, each handled here:
//! - the initialisation functions run under the loader lock: nothing here starts or waits for
//!   a thread;
//! - an LSA handle is one `ULONG_PTR`: ours is the `dwLower` of the SSPI handle (never 0, since
//!   its kind bits are 01 or 10; `dwUpper` is never read), and a continuation returns the same
//!   value;
//! - continuation calls pass credential 0: a context keeps the credential it started with;
//! - strings are counted `UNICODE_STRING`s, not NUL-terminated;
//! - `CredentialUseFlags` may carry the reserved high bits (`SECPKG_CRED_RESERVED`), which are
//!   the host's and are dropped;
//! - buffers handed to the caller come from [`super::alloc`]: on Windows the process heap,
//!   which is what secur32's FreeContextBuffer (`HeapFree(GetProcessHeap())`) frees.
//!
//! The tables run in one process with the caller: `InitUserModeContext`, exported contexts and
//! the other cross-process entries stay NULL. The exports exist only in the Windows build
//! (`def/ntlmssp-windows.def`); elsewhere the module is compiled and tested through the same
//! functions.

use core::ffi::c_void;

use super::buffers::{self, Wide};
use super::panic::boundary;
use super::types::*;
use super::{attributes, contexts, credentials, messages, packages};

pub type NTSTATUS = LONG;
pub type LSA_SEC_HANDLE = ULONG_PTR;
pub type PLSA_SEC_HANDLE = *mut LSA_SEC_HANDLE;

pub const STATUS_SUCCESS: NTSTATUS = 0;
pub const STATUS_INVALID_PARAMETER: NTSTATUS = 0xC000_000D_u32 as i32;
/// `ntsecpkg.h`: the interface version this package implements and reports.
pub const SECPKG_INTERFACE_VERSION: ULONG = 0x0001_0000;
/// `ntsecpkg.h`: bits of `CredentialUseFlags` reserved to the LSA.
pub const SECPKG_CRED_RESERVED: ULONG = 0xF000_0000;

/// A counted UTF-16 string; `Length` and `MaximumLength` in bytes.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct UNICODE_STRING {
    pub Length: USHORT,
    pub MaximumLength: USHORT,
    pub Buffer: *mut WCHAR,
}

/// A counted 8-bit string (`LSA_STRING`, `STRING`).
#[repr(C)]
pub struct LSA_STRING {
    pub Length: USHORT,
    pub MaximumLength: USHORT,
    pub Buffer: *mut u8,
}

/// A table entry the package never implements (the slots of the LSA logon side and of the
/// cross-process context transfer).
type Unused = *const c_void;

type SpInitializePackageFn = unsafe extern "system" fn(
    ULONG,
    PVOID,
    *mut LSA_STRING,
    *mut LSA_STRING,
    *mut *const LSA_STRING,
) -> NTSTATUS;
type SpInitializeFn = unsafe extern "system" fn(ULONG_PTR, PVOID, PVOID) -> NTSTATUS;
type SpShutdownFn = unsafe extern "system" fn() -> NTSTATUS;
type SpGetInfoFn = unsafe extern "system" fn(PSecPkgInfoW) -> NTSTATUS;
type SpAcquireCredentialsHandleFn = unsafe extern "system" fn(
    *const UNICODE_STRING,
    ULONG,
    PVOID,
    PVOID,
    PVOID,
    PVOID,
    PLSA_SEC_HANDLE,
    PTimeStamp,
) -> NTSTATUS;
type SpQueryCredentialsAttributesFn =
    unsafe extern "system" fn(LSA_SEC_HANDLE, ULONG, PVOID) -> NTSTATUS;
type SpHandleFn = unsafe extern "system" fn(LSA_SEC_HANDLE) -> NTSTATUS;
type SpInitLsaModeContextFn = unsafe extern "system" fn(
    LSA_SEC_HANDLE,
    LSA_SEC_HANDLE,
    *const UNICODE_STRING,
    ULONG,
    ULONG,
    PSecBufferDesc,
    PLSA_SEC_HANDLE,
    PSecBufferDesc,
    PULONG,
    PTimeStamp,
    *mut BOOLEAN,
    PSecBuffer,
) -> NTSTATUS;
type SpAcceptLsaModeContextFn = unsafe extern "system" fn(
    LSA_SEC_HANDLE,
    LSA_SEC_HANDLE,
    PSecBufferDesc,
    ULONG,
    ULONG,
    PLSA_SEC_HANDLE,
    PSecBufferDesc,
    PULONG,
    PTimeStamp,
    *mut BOOLEAN,
    PSecBuffer,
) -> NTSTATUS;
type SpQueryContextAttributesFn =
    unsafe extern "system" fn(LSA_SEC_HANDLE, ULONG, PVOID) -> NTSTATUS;
type SpInstanceInitFn = unsafe extern "system" fn(ULONG, PVOID, *mut PVOID) -> NTSTATUS;
type SpMessageFn =
    unsafe extern "system" fn(LSA_SEC_HANDLE, ULONG, PSecBufferDesc, ULONG) -> NTSTATUS;
type SpCheckMessageFn =
    unsafe extern "system" fn(LSA_SEC_HANDLE, PSecBufferDesc, ULONG, PULONG) -> NTSTATUS;
type SpCompleteAuthTokenFn = unsafe extern "system" fn(LSA_SEC_HANDLE, PSecBufferDesc) -> NTSTATUS;

/// `SECPKG_FUNCTION_TABLE` (`ntsecpkg.h`), in its field order.
#[repr(C)]
pub struct SECPKG_FUNCTION_TABLE {
    pub InitializePackage: Option<SpInitializePackageFn>,
    pub LogonUser: Unused,
    pub CallPackage: Unused,
    pub LogonTerminated: Unused,
    pub CallPackageUntrusted: Unused,
    pub CallPackagePassthrough: Unused,
    pub LogonUserEx: Unused,
    pub LogonUserEx2: Unused,
    pub Initialize: Option<SpInitializeFn>,
    pub Shutdown: Option<SpShutdownFn>,
    pub GetInfo: Option<SpGetInfoFn>,
    pub AcceptCredentials: Unused,
    pub SpAcquireCredentialsHandle: Option<SpAcquireCredentialsHandleFn>,
    pub SpQueryCredentialsAttributes: Option<SpQueryCredentialsAttributesFn>,
    pub FreeCredentialsHandle: Option<SpHandleFn>,
    pub SaveCredentials: Unused,
    pub GetCredentials: Unused,
    pub DeleteCredentials: Unused,
    pub InitLsaModeContext: Option<SpInitLsaModeContextFn>,
    pub AcceptLsaModeContext: Option<SpAcceptLsaModeContextFn>,
    pub DeleteContext: Option<SpHandleFn>,
    pub ApplyControlToken: Unused,
    pub GetUserInfo: Unused,
    pub GetExtendedInformation: Unused,
    pub SpQueryContextAttributes: Option<SpQueryContextAttributesFn>,
    pub SpAddCredentials: Unused,
    pub SetExtendedInformation: Unused,
    pub SetContextAttributes: Unused,
    pub SetCredentialsAttributes: Unused,
}

/// `SECPKG_USER_FUNCTION_TABLE` (`ntsecpkg.h`), in its field order.
#[repr(C)]
pub struct SECPKG_USER_FUNCTION_TABLE {
    pub InstanceInit: Option<SpInstanceInitFn>,
    pub InitUserModeContext: Unused,
    pub MakeSignature: Option<SpMessageFn>,
    pub VerifySignature: Option<SpCheckMessageFn>,
    pub SealMessage: Option<SpMessageFn>,
    pub UnsealMessage: Option<SpCheckMessageFn>,
    pub GetContextToken: Unused,
    pub QueryContextAttributes: Option<SpQueryContextAttributesFn>,
    pub CompleteAuthToken: Option<SpCompleteAuthTokenFn>,
    pub DeleteUserModeContext: Unused,
    pub FormatCredentials: Unused,
    pub MarshallSupplementalCreds: Unused,
    pub ExportContext: Unused,
    pub ImportContext: Unused,
}

/// Read-only statics holding pointers (function pointers, NULLs and pointers to other
/// statics): never written, so sharing them between threads is sound.
struct Shared<T>(T);
// SAFETY: see above.
unsafe impl<T> Sync for Shared<T> {}

const NULL: Unused = core::ptr::null();

static LSA_TABLE: Shared<SECPKG_FUNCTION_TABLE> = Shared(SECPKG_FUNCTION_TABLE {
    InitializePackage: Some(SpInitializePackage),
    LogonUser: NULL,
    CallPackage: NULL,
    LogonTerminated: NULL,
    CallPackageUntrusted: NULL,
    CallPackagePassthrough: NULL,
    LogonUserEx: NULL,
    LogonUserEx2: NULL,
    Initialize: Some(SpInitialize),
    Shutdown: Some(SpShutdown),
    GetInfo: Some(SpGetInfo),
    AcceptCredentials: NULL,
    SpAcquireCredentialsHandle: Some(SpAcquireCredentialsHandle),
    SpQueryCredentialsAttributes: Some(SpQueryCredentialsAttributes),
    FreeCredentialsHandle: Some(SpFreeCredentialsHandle),
    SaveCredentials: NULL,
    GetCredentials: NULL,
    DeleteCredentials: NULL,
    InitLsaModeContext: Some(SpInitLsaModeContext),
    AcceptLsaModeContext: Some(SpAcceptLsaModeContext),
    DeleteContext: Some(SpDeleteContext),
    ApplyControlToken: NULL,
    GetUserInfo: NULL,
    GetExtendedInformation: NULL,
    SpQueryContextAttributes: Some(SpQueryContextAttributes),
    SpAddCredentials: NULL,
    SetExtendedInformation: NULL,
    SetContextAttributes: NULL,
    SetCredentialsAttributes: NULL,
});

static USER_TABLE: Shared<SECPKG_USER_FUNCTION_TABLE> = Shared(SECPKG_USER_FUNCTION_TABLE {
    InstanceInit: Some(SpInstanceInit),
    InitUserModeContext: NULL,
    MakeSignature: Some(SpMakeSignature),
    VerifySignature: Some(SpVerifySignature),
    SealMessage: Some(SpSealMessage),
    UnsealMessage: Some(SpUnsealMessage),
    GetContextToken: NULL,
    QueryContextAttributes: Some(SpQueryContextAttributes),
    CompleteAuthToken: Some(SpCompleteAuthToken),
    DeleteUserModeContext: NULL,
    FormatCredentials: NULL,
    MarshallSupplementalCreds: NULL,
    ExportContext: NULL,
    ImportContext: NULL,
});

/// The package name as `SpAcquireCredentialsHandle` passes it to `api` (NUL-terminated UTF-16).
static NAME_W: [WCHAR; 5] = [b'N' as u16, b'T' as u16, b'L' as u16, b'M' as u16, 0];
static NAME_A: [u8; 5] = *b"NTLM\0";
static COMMENT_W: Shared<[WCHAR; 22]> = Shared(utf16_z(packages::PACKAGE_COMMENT));
/// What `InitializePackage` returns as the package's name; the host keeps the pointer.
static NAME_LSA: Shared<LSA_STRING> = Shared(LSA_STRING {
    Length: 4,
    MaximumLength: 5,
    Buffer: NAME_A.as_ptr() as *mut u8,
});

/// An ASCII string as NUL-terminated UTF-16, at compile time.
const fn utf16_z<const N: usize>(s: &str) -> [WCHAR; N] {
    let b = s.as_bytes();
    assert!(b.len() + 1 == N);
    let mut out = [0; N];
    let mut i = 0;
    while i < b.len() {
        out[i] = b[i] as WCHAR;
        i += 1;
    }
    out
}

/// Declares one table function or export: the body runs inside the panic boundary (a panic is
/// `SEC_E_INTERNAL_ERROR`) and the trace names the call. Only the two `Sp*ModeInitialize`
/// functions carry `export`, which makes them DLL exports on Windows.
macro_rules! lsa_fn {
    ($(#[$m:meta])* $(@$export:ident)? fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $body:block) => {
        $(#[$m])*
        $(#[cfg_attr(windows, $export)])?
        #[allow(clippy::missing_safety_doc, clippy::too_many_arguments)]
        pub unsafe extern "system" fn $name($($arg: $ty),*) -> NTSTATUS {
            boundary(stringify!($name), move || -> NTSTATUS { $body })
        }
    };
}

lsa_fn! {
    /// Hands out the LSA-side table: one package.
    @no_mangle fn SpLsaModeInitialize(LsaVersion: ULONG, PackageVersion: PULONG, ppTables: *mut *const SECPKG_FUNCTION_TABLE, pcTables: PULONG) {
        let _ = LsaVersion;
        if PackageVersion.is_null() || ppTables.is_null() || pcTables.is_null() {
            return STATUS_INVALID_PARAMETER;
        }
        buffers::put(PackageVersion, SECPKG_INTERFACE_VERSION);
        buffers::put(ppTables, &LSA_TABLE.0 as *const _);
        buffers::put(pcTables, 1);
        STATUS_SUCCESS
    }
}

lsa_fn! {
    /// Hands out the caller-side table (signing and sealing): one package.
    @no_mangle fn SpUserModeInitialize(LsaVersion: ULONG, PackageVersion: PULONG, ppTables: *mut *const SECPKG_USER_FUNCTION_TABLE, pcTables: PULONG) {
        let _ = LsaVersion;
        if PackageVersion.is_null() || ppTables.is_null() || pcTables.is_null() {
            return STATUS_INVALID_PARAMETER;
        }
        buffers::put(PackageVersion, SECPKG_INTERFACE_VERSION);
        buffers::put(ppTables, &USER_TABLE.0 as *const _);
        buffers::put(pcTables, 1);
        STATUS_SUCCESS
    }
}

lsa_fn! {
    fn SpInitializePackage(AuthenticationPackageId: ULONG, LsaDispatchTable: PVOID, Database: *mut LSA_STRING, Confidentiality: *mut LSA_STRING, AuthenticationPackageName: *mut *const LSA_STRING) {
        let _ = (AuthenticationPackageId, LsaDispatchTable, Database, Confidentiality);
        if AuthenticationPackageName.is_null() {
            return STATUS_INVALID_PARAMETER;
        }
        buffers::put(AuthenticationPackageName, &NAME_LSA.0 as *const _);
        STATUS_SUCCESS
    }
}

lsa_fn! {
    /// Nothing to set up: configuration is read when credentials are acquired.
    fn SpInitialize(PackageId: ULONG_PTR, Parameters: PVOID, FunctionTable: PVOID) {
        let _ = (PackageId, Parameters, FunctionTable);
        STATUS_SUCCESS
    }
}

lsa_fn! {
    fn SpShutdown() {
        STATUS_SUCCESS
    }
}

lsa_fn! {
    fn SpInstanceInit(Version: ULONG, FunctionTable: PVOID, UserFunctions: *mut PVOID) {
        let _ = (Version, FunctionTable, UserFunctions);
        STATUS_SUCCESS
    }
}

lsa_fn! {
    /// The package's SecPkgInfoW; its strings are statics of this DLL (hosts copy them).
    fn SpGetInfo(PackageInfo: PSecPkgInfoW) {
        if PackageInfo.is_null() {
            return STATUS_INVALID_PARAMETER;
        }
        buffers::put(PackageInfo, SecPkgInfoW {
            fCapabilities: packages::PACKAGE_CAPABILITIES,
            wVersion: packages::PACKAGE_VERSION,
            wRPCID: packages::PACKAGE_RPCID,
            cbMaxToken: packages::MAX_TOKEN,
            Name: NAME_W.as_ptr() as *mut WCHAR,
            Comment: COMMENT_W.0.as_ptr() as *mut WCHAR,
        });
        STATUS_SUCCESS
    }
}

/// The SSPI handle an LSA handle stands for: its `dwLower` (0 names nothing).
fn sec_handle(h: LSA_SEC_HANDLE) -> SecHandle {
    SecHandle {
        dwLower: h,
        dwUpper: 0,
    }
}

/// A pointer to `h`'s SSPI handle, or NULL for 0 (the "no context yet" of a first call).
fn handle_or_null(h: &mut SecHandle) -> *mut SecHandle {
    if h.dwLower == 0 {
        core::ptr::null_mut()
    } else {
        h
    }
}

/// A counted string as a NUL-terminated one: NULL for no string; an odd length, a length over
/// `MaximumLength`, a NULL buffer with a length, or an embedded NUL is `bad`.
unsafe fn counted(
    s: *const UNICODE_STRING,
    bad: SECURITY_STATUS,
) -> Result<Option<Vec<WCHAR>>, SECURITY_STATUS> {
    if s.is_null() {
        return Ok(None);
    }
    let s = s.read_unaligned();
    if s.Length % 2 != 0 || s.Length > s.MaximumLength || (s.Buffer.is_null() && s.Length != 0) {
        return Err(bad);
    }
    let units = usize::from(s.Length / 2);
    let mut z = Vec::with_capacity(units + 1);
    if units != 0 {
        z.extend_from_slice(core::slice::from_raw_parts(s.Buffer, units));
    }
    if z.contains(&0) {
        return Err(bad);
    }
    z.push(0);
    Ok(Some(z))
}

lsa_fn! {
    fn SpAcquireCredentialsHandle(PrincipalName: *const UNICODE_STRING, CredentialUseFlags: ULONG, LogonId: PVOID, AuthorizationData: PVOID, GetKeyFunction: PVOID, GetKeyArgument: PVOID, CredentialHandle: PLSA_SEC_HANDLE, ExpirationTime: PTimeStamp) {
        let _ = (PrincipalName, LogonId, GetKeyFunction, GetKeyArgument);
        if CredentialHandle.is_null() {
            return SEC_E_INVALID_HANDLE;
        }
        let mut h = sec_handle(0);
        let s = credentials::acquire_credentials_handle::<Wide>(NAME_W.as_ptr(), CredentialUseFlags & !SECPKG_CRED_RESERVED, AuthorizationData, &mut h, ExpirationTime);
        if s == SEC_E_OK {
            buffers::put(CredentialHandle, h.dwLower);
        }
        s
    }
}

lsa_fn! {
    fn SpQueryCredentialsAttributes(CredentialHandle: LSA_SEC_HANDLE, CredentialAttribute: ULONG, Buffer: PVOID) {
        credentials::query_credentials_attributes::<Wide>(&mut sec_handle(CredentialHandle), CredentialAttribute, Buffer)
    }
}

lsa_fn! {
    fn SpFreeCredentialsHandle(CredentialHandle: LSA_SEC_HANDLE) {
        credentials::free_credentials_handle(&mut sec_handle(CredentialHandle))
    }
}

lsa_fn! {
    /// InitializeSecurityContextW; `MappedContext` is FALSE (the context lives here, in the
    /// caller's process), `ContextData` untouched.
    fn SpInitLsaModeContext(CredentialHandle: LSA_SEC_HANDLE, ContextHandle: LSA_SEC_HANDLE, TargetName: *const UNICODE_STRING, ContextRequirements: ULONG, TargetDataRep: ULONG, InputBuffers: PSecBufferDesc, NewContextHandle: PLSA_SEC_HANDLE, OutputBuffers: PSecBufferDesc, ContextAttributes: PULONG, ExpirationTime: PTimeStamp, MappedContext: *mut BOOLEAN, ContextData: PSecBuffer) {
        let _ = (TargetDataRep, ContextData);
        if NewContextHandle.is_null() {
            return SEC_E_INVALID_HANDLE;
        }
        let target = match counted(TargetName, SEC_E_TARGET_UNKNOWN) {
            Ok(t) => t,
            Err(e) => return e,
        };
        let (mut cred, mut ctx, mut new) = (sec_handle(CredentialHandle), sec_handle(ContextHandle), sec_handle(0));
        let s = contexts::initialize_security_context::<Wide>(
            &mut cred,
            handle_or_null(&mut ctx),
            target.as_ref().map_or(core::ptr::null(), |t| t.as_ptr()),
            ContextRequirements,
            InputBuffers,
            &mut new,
            OutputBuffers,
            ContextAttributes,
            ExpirationTime,
        );
        finish_context(s, new, NewContextHandle, MappedContext)
    }
}

lsa_fn! {
    /// AcceptSecurityContext; `MappedContext` is FALSE, `ContextData` untouched.
    fn SpAcceptLsaModeContext(CredentialHandle: LSA_SEC_HANDLE, ContextHandle: LSA_SEC_HANDLE, InputBuffer: PSecBufferDesc, ContextRequirements: ULONG, TargetDataRep: ULONG, NewContextHandle: PLSA_SEC_HANDLE, OutputBuffer: PSecBufferDesc, ContextAttributes: PULONG, ExpirationTime: PTimeStamp, MappedContext: *mut BOOLEAN, ContextData: PSecBuffer) {
        let _ = (TargetDataRep, ContextData);
        if NewContextHandle.is_null() {
            return SEC_E_INVALID_HANDLE;
        }
        let (mut cred, mut ctx, mut new) = (sec_handle(CredentialHandle), sec_handle(ContextHandle), sec_handle(0));
        let s = contexts::accept_security_context(
            &mut cred,
            handle_or_null(&mut ctx),
            InputBuffer,
            ContextRequirements,
            &mut new,
            OutputBuffer,
            ContextAttributes,
            ExpirationTime,
        );
        finish_context(s, new, NewContextHandle, MappedContext)
    }
}

/// After a context call: on success (done or continuing) the context's handle, the same one
/// on every leg, and FALSE for `MappedContext`.
unsafe fn finish_context(
    s: SECURITY_STATUS,
    new: SecHandle,
    out: PLSA_SEC_HANDLE,
    mapped: *mut BOOLEAN,
) -> NTSTATUS {
    if s == SEC_E_OK || s == SEC_I_CONTINUE_NEEDED {
        buffers::put(out, new.dwLower);
        buffers::put(mapped, 0);
    }
    s
}

lsa_fn! {
    fn SpDeleteContext(ContextHandle: LSA_SEC_HANDLE) {
        contexts::delete_security_context(&mut sec_handle(ContextHandle))
    }
}

lsa_fn! {
    fn SpQueryContextAttributes(ContextHandle: LSA_SEC_HANDLE, ContextAttribute: ULONG, Buffer: PVOID) {
        attributes::query_context_attributes::<Wide>(&mut sec_handle(ContextHandle), ContextAttribute, Buffer)
    }
}

lsa_fn! {
    fn SpCompleteAuthToken(ContextHandle: LSA_SEC_HANDLE, InputBuffer: PSecBufferDesc) {
        contexts::complete_auth_token(&mut sec_handle(ContextHandle), InputBuffer)
    }
}

lsa_fn! {
    fn SpMakeSignature(ContextHandle: LSA_SEC_HANDLE, QualityOfProtection: ULONG, MessageBuffers: PSecBufferDesc, MessageSequenceNumber: ULONG) {
        messages::make_signature(&mut sec_handle(ContextHandle), QualityOfProtection, MessageBuffers, MessageSequenceNumber)
    }
}

lsa_fn! {
    fn SpVerifySignature(ContextHandle: LSA_SEC_HANDLE, MessageBuffers: PSecBufferDesc, MessageSequenceNumber: ULONG, QualityOfProtection: PULONG) {
        messages::verify_signature(&mut sec_handle(ContextHandle), MessageBuffers, MessageSequenceNumber, QualityOfProtection)
    }
}

lsa_fn! {
    fn SpSealMessage(ContextHandle: LSA_SEC_HANDLE, QualityOfProtection: ULONG, MessageBuffers: PSecBufferDesc, MessageSequenceNumber: ULONG) {
        messages::encrypt_message(&mut sec_handle(ContextHandle), QualityOfProtection, MessageBuffers, MessageSequenceNumber)
    }
}

lsa_fn! {
    fn SpUnsealMessage(ContextHandle: LSA_SEC_HANDLE, MessageBuffers: PSecBufferDesc, MessageSequenceNumber: ULONG, QualityOfProtection: PULONG) {
        messages::decrypt_message(&mut sec_handle(ContextHandle), MessageBuffers, MessageSequenceNumber, QualityOfProtection)
    }
}
