//! The dispatch tables InitSecurityInterfaceA/W return, complete and in Windows' field order.
//! Slots with no function of their own hold NULL, as Windows' reserved slots do;
//! Reserved3/Reserved4 are EncryptMessage/DecryptMessage, where Windows puts them.
//! `dwVersion` is 1 (SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION), what Windows' secur32
//! reports for these tables although they have every later field (Wine's secur32 tests).
//!
//! The tables list the exports, and two exports return them: their contents are written here as
//! macros that `entry.rs` expands beside the exports, so this file needs nothing from there.

/// A function table as a static: it holds only function pointers and NULLs and is never
/// written after initialisation, so sharing it between threads is sound.
pub struct Table<T>(pub T);
// SAFETY: see above; the raw-pointer slots are always NULL.
unsafe impl<T> Sync for Table<T> {}

impl<T> Table<T> {
    /// The pointer InitSecurityInterfaceA/W return: `*mut` only because Windows' prototype says
    /// so; callers never write through it.
    pub fn as_ptr(&'static self) -> *mut T {
        &self.0 as *const T as *mut T
    }
}

/// The table InitSecurityInterfaceA returns, expanded in `entry.rs`, where the exports are.
macro_rules! function_table_a {
    () => {
        SecurityFunctionTableA {
            dwVersion: SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION,
            EnumerateSecurityPackagesA: Some(EnumerateSecurityPackagesA),
            QueryCredentialsAttributesA: Some(QueryCredentialsAttributesA),
            AcquireCredentialsHandleA: Some(AcquireCredentialsHandleA),
            FreeCredentialsHandle: Some(FreeCredentialsHandle),
            Reserved2: core::ptr::null_mut(),
            InitializeSecurityContextA: Some(InitializeSecurityContextA),
            AcceptSecurityContext: Some(AcceptSecurityContext),
            CompleteAuthToken: Some(CompleteAuthToken),
            DeleteSecurityContext: Some(DeleteSecurityContext),
            ApplyControlToken: Some(ApplyControlToken),
            QueryContextAttributesA: Some(QueryContextAttributesA),
            ImpersonateSecurityContext: Some(ImpersonateSecurityContext),
            RevertSecurityContext: Some(RevertSecurityContext),
            MakeSignature: Some(MakeSignature),
            VerifySignature: Some(VerifySignature),
            FreeContextBuffer: Some(FreeContextBuffer),
            QuerySecurityPackageInfoA: Some(QuerySecurityPackageInfoA),
            Reserved3: Some(EncryptMessage),
            Reserved4: Some(DecryptMessage),
            ExportSecurityContext: Some(ExportSecurityContext),
            ImportSecurityContextA: Some(ImportSecurityContextA),
            AddCredentialsA: Some(AddCredentialsA),
            Reserved8: core::ptr::null_mut(),
            QuerySecurityContextToken: Some(QuerySecurityContextToken),
            EncryptMessage: Some(EncryptMessage),
            DecryptMessage: Some(DecryptMessage),
            SetContextAttributesA: Some(SetContextAttributesA),
            SetCredentialsAttributesA: Some(SetCredentialsAttributesA),
            ChangeAccountPasswordA: core::ptr::null_mut(),
            QueryContextAttributesExA: core::ptr::null_mut(),
            QueryCredentialsAttributesExA: core::ptr::null_mut(),
        }
    };
}
pub(super) use function_table_a;

/// The table InitSecurityInterfaceW returns, expanded in `entry.rs`, where the exports are.
macro_rules! function_table_w {
    () => {
        SecurityFunctionTableW {
            dwVersion: SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION,
            EnumerateSecurityPackagesW: Some(EnumerateSecurityPackagesW),
            QueryCredentialsAttributesW: Some(QueryCredentialsAttributesW),
            AcquireCredentialsHandleW: Some(AcquireCredentialsHandleW),
            FreeCredentialsHandle: Some(FreeCredentialsHandle),
            Reserved2: core::ptr::null_mut(),
            InitializeSecurityContextW: Some(InitializeSecurityContextW),
            AcceptSecurityContext: Some(AcceptSecurityContext),
            CompleteAuthToken: Some(CompleteAuthToken),
            DeleteSecurityContext: Some(DeleteSecurityContext),
            ApplyControlToken: Some(ApplyControlToken),
            QueryContextAttributesW: Some(QueryContextAttributesW),
            ImpersonateSecurityContext: Some(ImpersonateSecurityContext),
            RevertSecurityContext: Some(RevertSecurityContext),
            MakeSignature: Some(MakeSignature),
            VerifySignature: Some(VerifySignature),
            FreeContextBuffer: Some(FreeContextBuffer),
            QuerySecurityPackageInfoW: Some(QuerySecurityPackageInfoW),
            Reserved3: Some(EncryptMessage),
            Reserved4: Some(DecryptMessage),
            ExportSecurityContext: Some(ExportSecurityContext),
            ImportSecurityContextW: Some(ImportSecurityContextW),
            AddCredentialsW: Some(AddCredentialsW),
            Reserved8: core::ptr::null_mut(),
            QuerySecurityContextToken: Some(QuerySecurityContextToken),
            EncryptMessage: Some(EncryptMessage),
            DecryptMessage: Some(DecryptMessage),
            SetContextAttributesW: Some(SetContextAttributesW),
            SetCredentialsAttributesW: Some(SetCredentialsAttributesW),
            ChangeAccountPasswordW: core::ptr::null_mut(),
            QueryContextAttributesExW: core::ptr::null_mut(),
            QueryCredentialsAttributesExW: core::ptr::null_mut(),
        }
    };
}
pub(super) use function_table_w;
