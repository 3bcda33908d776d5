//! Samba's winbind through libwbclient, loaded at run time: how a domain member asks its domain
//! controller to verify an NTLM response (Netlogon pass-through, as Windows' MSV1_0 does), which
//! names the member has in the domain, and how a logged-on user's cached credentials answer a
//! CHALLENGE without the password entering this process.
//!
//! `libwbclient.so.0` (Debian `libwbclient0`) is opened with `dlopen` and its structures are
//! declared here, so the library keeps no link-time dependency on Samba and works unchanged
//! where Samba is absent ([`Winbind::load`] is then `None`). The declarations follow
//! `nsswitch/libwbclient/wbclient.h` (interface 0.15, Samba 4.17); the layout tests below pin
//! them for LP64 and ILP32 (the offsets were compared with that header compiled by clang for
//! x86_64-linux-gnu and i686-linux-gnu).
//!
//! Facts of libwbclient this module relies on (Samba 4.17 `nsswitch/wb_common.c`,
//! `nsswitch/libwbclient/wbc_pam.c`, `source3/winbindd/winbindd_ccache_access.c`):
//! - Its socket is `/run/samba/winbindd/pipe`, compiled in. Verifying a response
//!   (`WINBINDD_PAM_AUTH_CRAP`) needs the *privileged* pipe (in a directory open to root and the
//!   `winbindd_priv` group only): other callers get `WBC_ERR_WINBIND_NOT_AVAILABLE`, exactly as
//!   when winbindd is not running. The credential cache uses the ordinary pipe; winbindd serves
//!   a cached user to the uid that saved it and to root.
//! - A request blocks its thread: 30 s to connect, then up to 300 s for the answer (5 s polls).
//!   The calls therefore run on worker threads that each own one `wbcContext` (a context is one
//!   connection and must not be used by two threads at once), and the caller waits at most
//!   [`Winbind::timeout`]. A worker stuck in a call finishes it in the background; nothing is
//!   held across a call but the worker's own context.
//! - User, domain and workstation travel in 256-byte fields and are cut at 255 bytes (the
//!   credential cache's "DOMAIN\user" in one); the LM response at 256 bytes. Longer names are
//!   refused here instead of being cut.
//! - The `_NO_WINBINDD` environment variable (set to "1") makes every call fail with
//!   `WBC_ERR_DOMAIN_NOT_FOUND` without contacting winbindd.
//!
//! Linux and other Unix hosts only: the Windows DLL has no domain route.
#![cfg(unix)]

use std::collections::VecDeque;
use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::ptr::{self, NonNull};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

use zeroize::{Zeroize, ZeroizeOnDrop};

use super::types::*;
use crate::nlmp::credentials::Secret16;
use crate::users::domain::no_authority;
pub use crate::users::domain::{nt_status, DomainError, DomainErrorKind, DomainLogon};

/// The library opened by [`Winbind::load`].
pub const LIBWBCLIENT: &str = "libwbclient.so.0";
/// Set to `0`, `off` or `no`, the domain route is off: [`Winbind::load`] returns `None`.
pub const WINBIND_VAR: &str = "NTLMSSP_WINBIND";
/// How long a caller waits for winbindd, in milliseconds ([`DEFAULT_TIMEOUT`] unless set).
pub const WINBIND_TIMEOUT_VAR: &str = "NTLMSSP_WINBIND_TIMEOUT_MS";
/// A bound, not an expected duration: a DC answers in milliseconds, and a member's winbindd
/// gives up on a DC that accepts connections but answers nothing after 16–22 s with
/// NT_STATUS_NO_LOGON_SERVERS (Samba 4.17, measured with tests/domain), which this leaves room
/// for; only a winbindd that is itself stuck runs into it.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// At most this many calls are in flight at once (worker threads, each with its context).
/// winbindd passes one domain's logons over one DC connection (`winbind max domain connections`
/// defaults to 1), so more would only queue there.
const MAX_WORKERS: usize = 16;
/// A worker with nothing to do for this long ends and frees its context.
const IDLE_EXIT: Duration = Duration::from_secs(60);
/// winbindd's socket, where libwbclient connects (its path is compiled in).
const SOCKET: &str = "/run/samba/winbindd/pipe";
/// libwbclient's fields for user, domain and workstation hold 255 bytes and a NUL.
const MAX_NAME: usize = 255;

// ---------------------------------------------------------------------------------------------
// The ABI (wbclient.h). Enums are C `int`.

type WbcErr = c_int;
const WBC_ERR_SUCCESS: WbcErr = 0;
const WBC_ERR_NOT_IMPLEMENTED: WbcErr = 1;
const WBC_ERR_UNKNOWN_FAILURE: WbcErr = 2;
const WBC_ERR_NO_MEMORY: WbcErr = 3;
const WBC_ERR_INVALID_PARAM: WbcErr = 5;
const WBC_ERR_WINBIND_NOT_AVAILABLE: WbcErr = 6;
const WBC_ERR_DOMAIN_NOT_FOUND: WbcErr = 7;
const WBC_ERR_INVALID_RESPONSE: WbcErr = 8;
const WBC_ERR_AUTH_ERROR: WbcErr = 10;

/// `enum wbcAuthUserLevel`: the challenge and the client's responses.
const WBC_AUTH_USER_LEVEL_RESPONSE: c_int = 3;
/// `enum wbcCredentialCacheLevel`.
const WBC_CREDENTIAL_CACHE_LEVEL_NTLMSSP: c_int = 1;
/// `wbcAuthUserParams.parameter_control` (MS-APDS 3.1.5 / MS-NRPC 2.2.1.4.15
/// ParameterControl): what gss-ntlmssp's `winbind_srv_auth` and Samba's `ntlm_auth`
/// (`contact_winbind_auth_crap`) both send. Machine accounts may log on with NTLM, as Windows'
/// file servers allow; nothing else (no cleartext, no MSCHAPv2, no statistics update flags).
const WBC_MSV1_0_ALLOW_SERVER_TRUST_ACCOUNT: u32 = 0x0000_0020;
const WBC_MSV1_0_ALLOW_WORKSTATION_TRUST_ACCOUNT: u32 = 0x0000_0800;

#[repr(C)]
struct WbcContext {
    _opaque: [u8; 0],
}

#[repr(C)]
#[derive(Clone, Copy)]
struct WbcBlob {
    data: *mut u8,
    length: usize,
}

#[repr(C)]
struct WbcNamedBlob {
    name: *const c_char,
    flags: u32,
    blob: WbcBlob,
}

#[repr(C)]
#[derive(Clone, Copy)]
struct WbcResponse {
    challenge: [u8; 8],
    nt_length: u32,
    nt_data: *mut u8,
    lm_length: u32,
    lm_data: *mut u8,
}

#[repr(C)]
union WbcPassword {
    plaintext: *const c_char,
    hash: [u8; 32],
    response: WbcResponse,
    pac: WbcBlob,
}

#[repr(C)]
struct WbcAuthUserParams {
    account_name: *const c_char,
    domain_name: *const c_char,
    workstation_name: *const c_char,
    flags: u32,
    parameter_control: u32,
    level: c_int,
    password: WbcPassword,
}

#[repr(C)]
struct WbcAuthUserInfo {
    user_flags: u32,
    account_name: *mut c_char,
    user_principal: *mut c_char,
    full_name: *mut c_char,
    domain_name: *mut c_char,
    dns_domain_name: *mut c_char,
    acct_flags: u32,
    user_session_key: [u8; 16],
    lm_session_key: [u8; 8],
    logon_count: u16,
    bad_password_count: u16,
    logon_time: u64,
    logoff_time: u64,
    kickoff_time: u64,
    pass_last_set_time: u64,
    pass_can_change_time: u64,
    pass_must_change_time: u64,
    logon_server: *mut c_char,
    logon_script: *mut c_char,
    profile_path: *mut c_char,
    home_directory: *mut c_char,
    home_drive: *mut c_char,
    num_sids: u32,
    sids: *mut c_void,
}

#[repr(C)]
struct WbcAuthErrorInfo {
    nt_status: u32,
    nt_string: *mut c_char,
    pam_error: i32,
    display_string: *mut c_char,
    authoritative: u8,
}

#[repr(C)]
struct WbcInterfaceDetails {
    interface_version: u32,
    winbind_version: *mut c_char,
    winbind_separator: c_char,
    netbios_name: *mut c_char,
    netbios_domain: *mut c_char,
    dns_domain: *mut c_char,
}

#[repr(C)]
struct WbcCredentialCacheParams {
    account_name: *const c_char,
    domain_name: *const c_char,
    level: c_int,
    num_blobs: usize,
    blobs: *mut WbcNamedBlob,
}

#[repr(C)]
struct WbcCredentialCacheInfo {
    num_blobs: usize,
    blobs: *mut WbcNamedBlob,
}

type CtxCreate = unsafe extern "C" fn() -> *mut WbcContext;
type CtxFree = unsafe extern "C" fn(*mut WbcContext);
type CtxPing = unsafe extern "C" fn(*mut WbcContext) -> WbcErr;
type CtxInterfaceDetails =
    unsafe extern "C" fn(*mut WbcContext, *mut *mut WbcInterfaceDetails) -> WbcErr;
type CtxAuthenticateUserEx = unsafe extern "C" fn(
    *mut WbcContext,
    *const WbcAuthUserParams,
    *mut *mut WbcAuthUserInfo,
    *mut *mut WbcAuthErrorInfo,
) -> WbcErr;
type CtxCredentialCache = unsafe extern "C" fn(
    *mut WbcContext,
    *mut WbcCredentialCacheParams,
    *mut *mut WbcCredentialCacheInfo,
    *mut *mut WbcAuthErrorInfo,
) -> WbcErr;
type CtxGetpwuid =
    unsafe extern "C" fn(*mut WbcContext, libc::uid_t, *mut *mut libc::passwd) -> WbcErr;
type FreeMemory = unsafe extern "C" fn(*mut c_void);
type ErrorString = unsafe extern "C" fn(WbcErr) -> *const c_char;

/// The functions used, resolved once. Every pointer comes from `dlsym` on a library that is
/// never closed, so they stay valid for the life of the process.
struct Api {
    ctx_create: CtxCreate,
    ctx_free: CtxFree,
    ping: CtxPing,
    interface_details: CtxInterfaceDetails,
    authenticate_user_ex: CtxAuthenticateUserEx,
    credential_cache: CtxCredentialCache,
    getpwuid: CtxGetpwuid,
    free_memory: FreeMemory,
    error_string: ErrorString,
}

impl Api {
    fn open(library: &str) -> Option<Api> {
        let name = CString::new(library).ok()?;
        // SAFETY: a NUL-terminated name; RTLD_LOCAL keeps libwbclient's symbols out of the
        // global namespace. The handle is never closed (libwbclient keeps process-wide state).
        let handle = unsafe { libc::dlopen(name.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
        let handle = NonNull::new(handle)?;
        macro_rules! resolve {
            ($name:literal as $t:ty) => {{
                // SAFETY: a valid handle and a NUL-terminated symbol name.
                let p = NonNull::new(unsafe { libc::dlsym(handle.as_ptr(), $name.as_ptr()) })?;
                // SAFETY: the symbol is the libwbclient function of that name, whose C
                // prototype (wbclient.h) the type declares.
                unsafe { std::mem::transmute::<*mut c_void, $t>(p.as_ptr()) }
            }};
        }
        Some(Api {
            ctx_create: resolve!(c"wbcCtxCreate" as CtxCreate),
            ctx_free: resolve!(c"wbcCtxFree" as CtxFree),
            ping: resolve!(c"wbcCtxPing" as CtxPing),
            interface_details: resolve!(c"wbcCtxInterfaceDetails" as CtxInterfaceDetails),
            authenticate_user_ex: resolve!(c"wbcCtxAuthenticateUserEx" as CtxAuthenticateUserEx),
            credential_cache: resolve!(c"wbcCtxCredentialCache" as CtxCredentialCache),
            getpwuid: resolve!(c"wbcCtxGetpwuid" as CtxGetpwuid),
            free_memory: resolve!(c"wbcFreeMemory" as FreeMemory),
            error_string: resolve!(c"wbcErrorString" as ErrorString),
        })
    }

    fn error_text(&self, e: WbcErr) -> String {
        // SAFETY: wbcErrorString returns a static string (or "unknown wbcErr value") for any value.
        unsafe { text((self.error_string)(e)) }.unwrap_or_else(|| format!("wbcErr {e}"))
    }
}

/// A C string libwbclient returned, copied; `None` for NULL.
///
/// # Safety
/// `p` is NULL or points at a NUL-terminated string that stays valid during the call.
unsafe fn text(p: *const c_char) -> Option<String> {
    (!p.is_null()).then(|| CStr::from_ptr(p).to_string_lossy().into_owned())
}

/// One connection to winbindd. Owned by one worker thread for its whole life.
struct Context {
    api: &'static Api,
    ctx: NonNull<WbcContext>,
}

impl Context {
    fn new(api: &'static Api) -> Option<Context> {
        // SAFETY: no arguments; NULL only when out of memory.
        let ctx = NonNull::new(unsafe { (api.ctx_create)() })?;
        Some(Context { api, ctx })
    }
}

impl Drop for Context {
    fn drop(&mut self) {
        // SAFETY: created by wbcCtxCreate, freed once.
        unsafe { (self.api.ctx_free)(self.ctx.as_ptr()) }
    }
}

/// Frees what libwbclient allocated (`wbcFreeMemory` runs the structure's destructor, which
/// frees its strings) when dropped.
struct Owned<T> {
    api: &'static Api,
    p: *mut T,
}

impl<T> Owned<T> {
    fn new(api: &'static Api) -> Owned<T> {
        Owned {
            api,
            p: ptr::null_mut(),
        }
    }

    fn get(&self) -> Option<&T> {
        // SAFETY: NULL or a structure libwbclient filled, alive until drop.
        unsafe { self.p.as_ref() }
    }
}

impl<T> Drop for Owned<T> {
    fn drop(&mut self) {
        if !self.p.is_null() {
            // SAFETY: allocated by libwbclient (wbcAllocateMemory), freed once.
            unsafe { (self.api.free_memory)(self.p.cast()) }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// What callers get.

/// A 16-byte session key, zeroized when dropped.
#[derive(Clone, Zeroize, ZeroizeOnDrop, PartialEq, Eq)]
pub struct SessionKey(pub [u8; 16]);

impl core::fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SessionKey(..)")
    }
}

/// The status AcceptSecurityContext returns for a domain's refusal or failure (the mapping is
/// [`DomainError::failure`]'s, in `users::domain`).
impl DomainError {
    pub fn sspi_status(&self) -> SECURITY_STATUS {
        super::status::status(self.failure().error)
    }
}

/// The member's names in its domain (`wbcInterfaceDetails`), for a CHALLENGE's TargetName and
/// TargetInfo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceDetails {
    /// This machine's NetBIOS name.
    pub netbios_name: String,
    /// The domain's NetBIOS name.
    pub netbios_domain: String,
    /// The domain's DNS name, when winbindd knows it.
    pub dns_domain: Option<String>,
    pub winbind_separator: char,
    pub winbind_version: String,
    pub interface_version: u32,
}

/// What winbindd's credential cache answered to a CHALLENGE for a logged-on user.
#[derive(Debug)]
pub struct CachedLogon {
    /// The whole AUTHENTICATE_MESSAGE (Samba's NTLMSSP client made it with the cached
    /// password: NTLMv2, with a MIC when the NEGOTIATE was passed in).
    pub authenticate: Vec<u8>,
    /// The ExportedSessionKey of that message (gensec's session key: after key exchange when
    /// KEY_EXCH was negotiated, the KeyExchangeKey otherwise).
    pub session_key: SessionKey,
    /// winbindd's `new_spnego`: the message carries a MIC, so SPNEGO must send a mechListMIC.
    pub mic: bool,
}

// ---------------------------------------------------------------------------------------------
// The workers.

type Job = Box<dyn FnOnce(Option<&Context>) + Send>;

struct Queue {
    jobs: VecDeque<(Instant, Job)>,
    idle: usize,
    threads: usize,
}

struct Pool {
    api: &'static Api,
    /// The process the workers belong to: after a fork the child has none of them.
    pid: u32,
    queue: Mutex<Queue>,
    wake: Condvar,
}

impl Pool {
    fn new(api: &'static Api) -> Arc<Pool> {
        Arc::new(Pool {
            api,
            pid: std::process::id(),
            queue: Mutex::new(Queue {
                jobs: VecDeque::new(),
                idle: 0,
                threads: 0,
            }),
            wake: Condvar::new(),
        })
    }

    /// Queues `job`, to run no later than `deadline` (a job still queued then is dropped: its
    /// caller has given up). Starts a worker when every one is busy.
    fn submit(self: &Arc<Self>, deadline: Instant, job: Job) {
        let spawn = {
            let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
            q.jobs.push_back((deadline, job));
            let spawn = q.jobs.len() > q.idle && q.threads < MAX_WORKERS;
            if spawn {
                q.threads += 1;
            }
            spawn
        };
        self.wake.notify_one();
        if spawn {
            let pool = Arc::clone(self);
            let started = std::thread::Builder::new()
                .name("ntlmssp-winbind".into())
                .spawn(move || pool.work());
            if started.is_err() {
                // No thread: the queued job waits for a busy worker or times out.
                let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
                q.threads -= 1;
            }
        }
    }

    fn work(&self) {
        let ctx = Context::new(self.api);
        let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some((deadline, job)) = q.jobs.pop_front() {
                drop(q);
                if Instant::now() < deadline {
                    job(ctx.as_ref());
                }
                q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
                if ctx.is_none() {
                    // No context (out of memory): this worker ends, the next one tries again.
                    q.threads -= 1;
                    return;
                }
                continue;
            }
            q.idle += 1;
            let (guard, waited) = self
                .wake
                .wait_timeout(q, IDLE_EXIT)
                .unwrap_or_else(|e| e.into_inner());
            q = guard;
            q.idle -= 1;
            if waited.timed_out() && q.jobs.is_empty() {
                q.threads -= 1;
                return;
            }
        }
    }
}

/// libwbclient, loaded. Share one per process ([`Winbind::shared`]); every method may be called
/// from any number of threads at once.
pub struct Winbind {
    api: &'static Api,
    pool: Mutex<Arc<Pool>>,
    timeout: Duration,
}

impl core::fmt::Debug for Winbind {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Winbind")
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Whether `NTLMSSP_WINBIND` switches the domain route off.
pub fn switched_off() -> bool {
    std::env::var(WINBIND_VAR).is_ok_and(|v| means_off(&v))
}

fn means_off(v: &str) -> bool {
    matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "0" | "off" | "no" | "false"
    )
}

fn timeout_from_env() -> Duration {
    std::env::var(WINBIND_TIMEOUT_VAR)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|ms| *ms > 0)
        .map(Duration::from_millis)
        .unwrap_or(DEFAULT_TIMEOUT)
}

/// A name for a libwbclient field: no NUL, at most [`MAX_NAME`] bytes.
fn c_name(what: &str, s: &str) -> Result<CString, DomainError> {
    if s.len() > MAX_NAME {
        return Err(DomainError::new(
            DomainErrorKind::Invalid,
            nt_status::NAME_TOO_LONG,
            format!("{what} longer than {MAX_NAME} bytes"),
        ));
    }
    CString::new(s).map_err(|_| {
        DomainError::new(
            DomainErrorKind::Invalid,
            nt_status::INVALID_PARAMETER,
            format!("{what} contains a NUL character"),
        )
    })
}

impl Winbind {
    /// libwbclient, unless the domain route is switched off ([`WINBIND_VAR`]) or the library
    /// is not installed. Loading does not contact winbindd: a member whose winbindd is down
    /// still gets a `Winbind`, whose calls then fail with [`DomainErrorKind::Unreachable`] until
    /// winbindd is back.
    pub fn load() -> Option<Winbind> {
        if switched_off() {
            return None;
        }
        Self::load_from(LIBWBCLIENT)
    }

    /// [`Winbind::load`] of a given library file, ignoring the switch (tests).
    #[doc(hidden)]
    pub fn load_from(library: &str) -> Option<Winbind> {
        let api: &'static Api = Box::leak(Box::new(Api::open(library)?));
        Some(Winbind {
            api,
            pool: Mutex::new(Pool::new(api)),
            timeout: timeout_from_env(),
        })
    }

    /// The process's one `Winbind`, loaded at the first call ([`Winbind::load`]).
    pub fn shared() -> Option<&'static Winbind> {
        static SHARED: OnceLock<Option<Winbind>> = OnceLock::new();
        SHARED.get_or_init(Winbind::load).as_ref()
    }

    /// How long a caller waits for winbindd ([`WINBIND_TIMEOUT_VAR`], else
    /// [`DEFAULT_TIMEOUT`]).
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Sets [`Winbind::timeout`].
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// Runs `f` with a worker's context and waits for its result at most `self.timeout`.
    fn call<R: Send + 'static>(
        &self,
        f: impl FnOnce(&Context) -> Result<R, DomainError> + Send + 'static,
    ) -> Result<R, DomainError> {
        // No socket: no winbindd (the usual state of a machine that is no domain member).
        // Answered here, without a worker thread, as libwbclient would answer it at once.
        if !std::path::Path::new(SOCKET).exists() {
            return Err(DomainError::new(
                DomainErrorKind::Unreachable,
                nt_status::NETLOGON_NOT_STARTED,
                format!("winbindd is not running (no {SOCKET})"),
            ));
        }
        let pool = {
            let mut pool = self.pool.lock().unwrap_or_else(|e| e.into_inner());
            if pool.pid != std::process::id() {
                // A forked child: its parent's workers did not come along.
                *pool = Pool::new(self.api);
            }
            Arc::clone(&pool)
        };
        let (tx, rx) = mpsc::sync_channel(1);
        let deadline = Instant::now() + self.timeout;
        pool.submit(
            deadline,
            Box::new(move |ctx| {
                let r = match ctx {
                    Some(ctx) => f(ctx),
                    None => Err(DomainError::new(
                        DomainErrorKind::Failed,
                        nt_status::NO_MEMORY,
                        "wbcCtxCreate failed",
                    )),
                };
                // The caller may have given up; the result is then dropped (and wiped).
                let _ = tx.send(r);
            }),
        );
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(r) => r,
            Err(_) => Err(DomainError::timed_out(self.timeout.as_millis())),
        }
    }

    /// Whether winbindd answers (`wbcPing`, on the unprivileged pipe).
    pub fn ping(&self) -> Result<(), DomainError> {
        self.call(|c| {
            // SAFETY: a live context used by this thread only.
            let e = unsafe { (c.api.ping)(c.ctx.as_ptr()) };
            match e {
                WBC_ERR_SUCCESS => Ok(()),
                e => Err(wbc_failure(c, e, None)),
            }
        })
    }

    /// The member's names ([`InterfaceDetails`]).
    pub fn interface_details(&self) -> Result<InterfaceDetails, DomainError> {
        self.call(|c| {
            let mut d: Owned<WbcInterfaceDetails> = Owned::new(c.api);
            // SAFETY: a live context used by this thread only; `d.p` receives an allocation
            // that `d` frees.
            let e = unsafe { (c.api.interface_details)(c.ctx.as_ptr(), &mut d.p) };
            if e != WBC_ERR_SUCCESS {
                return Err(wbc_failure(c, e, None));
            }
            let d = d.get().ok_or_else(|| invalid_response(c))?;
            // SAFETY: the strings belong to `d`, alive here.
            unsafe {
                Ok(InterfaceDetails {
                    netbios_name: text(d.netbios_name).unwrap_or_default(),
                    netbios_domain: text(d.netbios_domain).unwrap_or_default(),
                    dns_domain: text(d.dns_domain).filter(|s| !s.is_empty()),
                    winbind_separator: d.winbind_separator as u8 as char,
                    winbind_version: text(d.winbind_version).unwrap_or_default(),
                    interface_version: d.interface_version,
                })
            }
        })
    }

    /// Asks the DC to verify a client's responses to `challenge` (`wbcAuthenticateUserEx`,
    /// level RESPONSE): user, domain and workstation as the AUTHENTICATE_MESSAGE named them.
    ///
    /// For NTLMv2, `challenge` is the CHALLENGE's ServerChallenge and `nt` the whole
    /// NtChallengeResponse (NTProofStr and blob). For NTLMv1 with extended session security,
    /// the DC checks a plain NTLMv1 response against the challenge it is given, so the caller
    /// passes MD5(ServerChallenge ‖ ClientChallenge)[0..8] and an empty `lm` (the LmResponse only
    /// carried the client challenge), as Samba's NTLMSSP server and gss-ntlmssp do.
    pub fn authenticate_response(
        &self,
        user: &str,
        domain: &str,
        workstation: &str,
        challenge: [u8; 8],
        lm: &[u8],
        nt: &[u8],
    ) -> Result<DomainLogon, DomainError> {
        let user = c_name("user name", user)?;
        let domain = c_name("domain name", domain)?;
        let workstation = c_name("workstation name", workstation)?;
        let lm = lm.to_vec();
        let nt = nt.to_vec();
        let lm_length = u32::try_from(lm.len()).map_err(|_| too_long("LM response"))?;
        let nt_length = u32::try_from(nt.len()).map_err(|_| too_long("NT response"))?;
        self.call(move |c| {
            let (mut lm, mut nt) = (lm, nt);
            let data = |v: &mut Vec<u8>| {
                // libwbclient refuses a length without data and data without a length.
                if v.is_empty() {
                    ptr::null_mut()
                } else {
                    v.as_mut_ptr()
                }
            };
            let params = WbcAuthUserParams {
                account_name: user.as_ptr(),
                domain_name: domain.as_ptr(),
                workstation_name: workstation.as_ptr(),
                flags: 0,
                parameter_control: WBC_MSV1_0_ALLOW_SERVER_TRUST_ACCOUNT
                    | WBC_MSV1_0_ALLOW_WORKSTATION_TRUST_ACCOUNT,
                level: WBC_AUTH_USER_LEVEL_RESPONSE,
                password: WbcPassword {
                    response: WbcResponse {
                        challenge,
                        nt_length,
                        nt_data: data(&mut nt),
                        lm_length,
                        lm_data: data(&mut lm),
                    },
                },
            };
            let mut info: Owned<WbcAuthUserInfo> = Owned::new(c.api);
            let mut error: Owned<WbcAuthErrorInfo> = Owned::new(c.api);
            // SAFETY: a live context used by this thread only; every pointer in `params` points
            // into `user`, `domain`, `workstation`, `lm` and `nt`, alive across the call, which
            // only reads them; `info` and `error` receive allocations they free.
            let e = unsafe {
                (c.api.authenticate_user_ex)(c.ctx.as_ptr(), &params, &mut info.p, &mut error.p)
            };
            if e != WBC_ERR_SUCCESS {
                return Err(wbc_failure(c, e, error.get()));
            }
            if info.p.is_null() {
                return Err(invalid_response(c));
            }
            // SAFETY: `info.p` is a structure libwbclient filled, owned by `info`; the key
            // arrays are wiped in place before `info` frees it.
            unsafe {
                let i = &mut *info.p;
                let user_session_key = Secret16(i.user_session_key);
                i.user_session_key.zeroize();
                i.lm_session_key.zeroize();
                Ok(DomainLogon {
                    user_session_key,
                    account_name: text(i.account_name).unwrap_or_default(),
                    domain_name: text(i.domain_name).unwrap_or_default(),
                    dns_domain_name: text(i.dns_domain_name).filter(|s| !s.is_empty()),
                    user_flags: i.user_flags,
                })
            }
        })
    }

    /// The name winbindd gives the user `uid` ("EXAMPLE\\alice" for a domain user, with its
    /// separator), for a process whose user the system's own user database does not know
    /// (`wbcGetpwuid`); `Ok(None)` when winbindd does not know it either.
    pub fn user_name(&self, uid: u32) -> Result<Option<String>, DomainError> {
        self.call(move |c| {
            let mut pw: Owned<libc::passwd> = Owned::new(c.api);
            // SAFETY: a live context used by this thread only; `pw.p` receives an allocation
            // that `pw` frees.
            let e = unsafe { (c.api.getpwuid)(c.ctx.as_ptr(), uid as libc::uid_t, &mut pw.p) };
            match e {
                WBC_ERR_SUCCESS => {
                    // SAFETY: the name belongs to `pw`, alive here.
                    Ok(pw.get().and_then(|p| unsafe { text(p.pw_name) }))
                }
                WBC_ERR_DOMAIN_NOT_FOUND | WBC_ERR_UNKNOWN_FAILURE => Ok(None),
                e => Err(wbc_failure(c, e, None)),
            }
        })
    }

    /// Whether winbindd holds cached credentials of `user` in `domain` for this process's user
    /// (`wbcCredentialCache` without blobs: winbindd's probe). `Ok(false)` when it does not.
    pub fn ccache_has(&self, user: &str, domain: &str) -> Result<bool, DomainError> {
        match self.ccache(user, domain, None, None) {
            Ok(_) => Ok(true),
            Err(e) if e.kind == DomainErrorKind::Refused => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Answers `challenge` (a whole CHALLENGE_MESSAGE) with the cached credentials of `user` in
    /// `domain` (`wbcCredentialCache`, level NTLMSSP, as gss-ntlmssp's `winbind_cli_auth` and
    /// `ntlm_auth --use-cached-creds` do). winbindd serves only the uid that saved them
    /// (`wbinfo --ccache-save`, pam_winbind's cached logon) and root. `negotiate` is the
    /// NEGOTIATE_MESSAGE this client sent ("negotiate_blob": winbindd then includes a MIC);
    /// libwbclient ignores the older name "initial_blob" that gss-ntlmssp sends.
    pub fn ccache_authenticate(
        &self,
        user: &str,
        domain: &str,
        negotiate: Option<&[u8]>,
        challenge: &[u8],
    ) -> Result<CachedLogon, DomainError> {
        self.ccache(user, domain, negotiate, Some(challenge))?
            .ok_or_else(|| {
                DomainError::new(
                    DomainErrorKind::Failed,
                    0,
                    "winbindd's credential cache returned no AUTHENTICATE_MESSAGE",
                )
            })
    }

    fn ccache(
        &self,
        user: &str,
        domain: &str,
        negotiate: Option<&[u8]>,
        challenge: Option<&[u8]>,
    ) -> Result<Option<CachedLogon>, DomainError> {
        // libwbclient sends "DOMAIN<separator>user" in one field.
        c_name("domain and user name", &format!("{domain}\\{user}"))?;
        let user = c_name("user name", user)?;
        let domain = c_name("domain name", domain)?;
        let negotiate = negotiate.map(<[u8]>::to_vec);
        let challenge = challenge.map(<[u8]>::to_vec);
        self.call(move |c| {
            let (mut negotiate, mut challenge) = (negotiate, challenge);
            let mut blobs = Vec::with_capacity(2);
            for (name, v) in [
                (c"negotiate_blob", &mut negotiate),
                (c"challenge_blob", &mut challenge),
            ] {
                if let Some(v) = v.as_mut() {
                    blobs.push(WbcNamedBlob {
                        name: name.as_ptr(),
                        flags: 0,
                        blob: WbcBlob {
                            data: v.as_mut_ptr(),
                            length: v.len(),
                        },
                    });
                }
            }
            let mut params = WbcCredentialCacheParams {
                account_name: user.as_ptr(),
                domain_name: domain.as_ptr(),
                level: WBC_CREDENTIAL_CACHE_LEVEL_NTLMSSP,
                num_blobs: blobs.len(),
                blobs: if blobs.is_empty() {
                    ptr::null_mut()
                } else {
                    blobs.as_mut_ptr()
                },
            };
            let mut info: Owned<WbcCredentialCacheInfo> = Owned::new(c.api);
            let mut error: Owned<WbcAuthErrorInfo> = Owned::new(c.api);
            // SAFETY: a live context used by this thread only; `params` and the blobs point
            // into locals alive across the call, which only reads them; `info` and `error`
            // receive allocations they free.
            let e = unsafe {
                (c.api.credential_cache)(c.ctx.as_ptr(), &mut params, &mut info.p, &mut error.p)
            };
            if e != WBC_ERR_SUCCESS {
                // winbindd answers a failed cache logon (no cached credentials, another uid's,
                // an unusable CHALLENGE) with a bare error: libwbclient reports it as
                // WBC_ERR_DOMAIN_NOT_FOUND.
                if e == WBC_ERR_DOMAIN_NOT_FOUND {
                    return Err(DomainError::new(
                        DomainErrorKind::Refused,
                        nt_status::NO_SUCH_USER,
                        "no usable cached credentials in winbindd",
                    ));
                }
                return Err(wbc_failure(c, e, error.get()));
            }
            if challenge.is_none() {
                return Ok(None);
            }
            let Some(i) = info.get() else {
                return Err(invalid_response(c));
            };
            let mut authenticate = None;
            let mut session_key = None;
            let mut mic = false;
            for n in 0..i.num_blobs {
                // SAFETY: `blobs` holds `num_blobs` entries owned by `info`; each blob's data
                // holds `length` bytes. The session key is copied, then wiped in place.
                unsafe {
                    let b = &*i.blobs.add(n);
                    if b.name.is_null() {
                        continue;
                    }
                    let bytes = if b.blob.data.is_null() {
                        &mut [][..]
                    } else {
                        std::slice::from_raw_parts_mut(b.blob.data, b.blob.length)
                    };
                    match CStr::from_ptr(b.name).to_bytes() {
                        b"auth_blob" => authenticate = Some(bytes.to_vec()),
                        b"session_key" => {
                            if let Ok(k) = <[u8; 16]>::try_from(&*bytes) {
                                session_key = Some(SessionKey(k));
                            }
                            bytes.zeroize();
                        }
                        b"new_spnego" => mic = bytes.first().is_some_and(|b| *b != 0),
                        _ => {}
                    }
                }
            }
            match (authenticate, session_key) {
                (Some(authenticate), Some(session_key)) if !authenticate.is_empty() => {
                    Ok(Some(CachedLogon {
                        authenticate,
                        session_key,
                        mic,
                    }))
                }
                _ => Err(invalid_response(c)),
            }
        })
    }
}

fn too_long(what: &str) -> DomainError {
    DomainError::new(
        DomainErrorKind::Invalid,
        nt_status::INVALID_PARAMETER,
        format!("{what} too long"),
    )
}

fn invalid_response(c: &Context) -> DomainError {
    DomainError::new(
        DomainErrorKind::Failed,
        0,
        c.api.error_text(WBC_ERR_INVALID_RESPONSE),
    )
}

/// The error for a wbcErr, with the DC's answer when there is one.
fn wbc_failure(c: &Context, e: WbcErr, info: Option<&WbcAuthErrorInfo>) -> DomainError {
    if let (WBC_ERR_AUTH_ERROR, Some(info)) = (e, info) {
        // SAFETY: the string belongs to `info`, alive here.
        let name = unsafe { text(info.nt_string) }.unwrap_or_default();
        let kind = if no_authority(info.nt_status) {
            DomainErrorKind::Unreachable
        } else {
            DomainErrorKind::Refused
        };
        return DomainError {
            kind,
            nt_status: info.nt_status,
            message: if name.is_empty() {
                format!("NTSTATUS 0x{:08x}", info.nt_status)
            } else {
                name
            },
            authoritative: info.authoritative != 0,
        };
    }
    let text = c.api.error_text(e);
    match e {
        WBC_ERR_WINBIND_NOT_AVAILABLE => {
            // Not reachable at all, or the privileged pipe is not ours: tell them apart, as
            // the fix differs (start winbindd, or give this process winbindd_priv).
            // SAFETY: a live context used by this thread only.
            let answers = unsafe { (c.api.ping)(c.ctx.as_ptr()) } == WBC_ERR_SUCCESS;
            if answers {
                DomainError::new(
                    DomainErrorKind::NotPrivileged,
                    nt_status::NETLOGON_NOT_STARTED,
                    format!("{text}: winbindd answers, but its privileged pipe is not open to this process (root or the winbindd_priv group)"),
                )
            } else {
                DomainError::new(
                    DomainErrorKind::Unreachable,
                    nt_status::NETLOGON_NOT_STARTED,
                    format!("{text}: winbindd is not running or /run/samba/winbindd/pipe is not reachable"),
                )
            }
        }
        // winbindd answered with an error and no NTSTATUS, or _NO_WINBINDD is set.
        WBC_ERR_DOMAIN_NOT_FOUND => DomainError::new(
            DomainErrorKind::Unreachable,
            nt_status::NO_SUCH_DOMAIN,
            text,
        ),
        WBC_ERR_NO_MEMORY => DomainError::new(DomainErrorKind::Failed, nt_status::NO_MEMORY, text),
        WBC_ERR_INVALID_PARAM => {
            DomainError::new(DomainErrorKind::Invalid, nt_status::INVALID_PARAMETER, text)
        }
        WBC_ERR_NOT_IMPLEMENTED | WBC_ERR_UNKNOWN_FAILURE | WBC_ERR_INVALID_RESPONSE => {
            DomainError::new(DomainErrorKind::Failed, 0, text)
        }
        _ => DomainError::new(DomainErrorKind::Failed, 0, text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::{offset_of, size_of};

    /// The layouts of wbclient.h: (LP64, ILP32) offsets.
    #[test]
    fn layouts_match_wbclient_h() {
        let lp64 = cfg!(target_pointer_width = "64");
        let w = |a: usize, b: usize| if lp64 { a } else { b };
        assert_eq!(size_of::<WbcAuthUserParams>(), w(80, 56));
        assert_eq!(offset_of!(WbcAuthUserParams, domain_name), w(8, 4));
        assert_eq!(offset_of!(WbcAuthUserParams, workstation_name), w(16, 8));
        assert_eq!(offset_of!(WbcAuthUserParams, flags), w(24, 12));
        assert_eq!(offset_of!(WbcAuthUserParams, parameter_control), w(28, 16));
        assert_eq!(offset_of!(WbcAuthUserParams, level), w(32, 20));
        assert_eq!(offset_of!(WbcAuthUserParams, password), w(40, 24));
        assert_eq!(offset_of!(WbcResponse, nt_length), 8);
        assert_eq!(offset_of!(WbcResponse, nt_data), w(16, 12));
        assert_eq!(offset_of!(WbcResponse, lm_length), w(24, 16));
        assert_eq!(offset_of!(WbcResponse, lm_data), w(32, 20));

        assert_eq!(size_of::<WbcAuthUserInfo>(), w(184, 132));
        assert_eq!(offset_of!(WbcAuthUserInfo, account_name), w(8, 4));
        assert_eq!(offset_of!(WbcAuthUserInfo, domain_name), w(32, 16));
        assert_eq!(offset_of!(WbcAuthUserInfo, dns_domain_name), w(40, 20));
        assert_eq!(offset_of!(WbcAuthUserInfo, acct_flags), w(48, 24));
        assert_eq!(offset_of!(WbcAuthUserInfo, user_session_key), w(52, 28));
        assert_eq!(offset_of!(WbcAuthUserInfo, lm_session_key), w(68, 44));
        assert_eq!(offset_of!(WbcAuthUserInfo, logon_count), w(76, 52));
        assert_eq!(offset_of!(WbcAuthUserInfo, logon_time), w(80, 56));
        assert_eq!(
            offset_of!(WbcAuthUserInfo, pass_must_change_time),
            w(120, 96)
        );
        assert_eq!(offset_of!(WbcAuthUserInfo, logon_server), w(128, 104));
        assert_eq!(offset_of!(WbcAuthUserInfo, num_sids), w(168, 124));
        assert_eq!(offset_of!(WbcAuthUserInfo, sids), w(176, 128));

        assert_eq!(size_of::<WbcAuthErrorInfo>(), w(40, 20));
        assert_eq!(offset_of!(WbcAuthErrorInfo, nt_string), w(8, 4));
        assert_eq!(offset_of!(WbcAuthErrorInfo, pam_error), w(16, 8));
        assert_eq!(offset_of!(WbcAuthErrorInfo, display_string), w(24, 12));
        assert_eq!(offset_of!(WbcAuthErrorInfo, authoritative), w(32, 16));

        assert_eq!(size_of::<WbcInterfaceDetails>(), w(48, 24));
        assert_eq!(offset_of!(WbcInterfaceDetails, winbind_version), w(8, 4));
        assert_eq!(offset_of!(WbcInterfaceDetails, winbind_separator), w(16, 8));
        assert_eq!(offset_of!(WbcInterfaceDetails, netbios_name), w(24, 12));
        assert_eq!(offset_of!(WbcInterfaceDetails, netbios_domain), w(32, 16));
        assert_eq!(offset_of!(WbcInterfaceDetails, dns_domain), w(40, 20));

        assert_eq!(size_of::<WbcNamedBlob>(), w(32, 16));
        assert_eq!(offset_of!(WbcNamedBlob, flags), w(8, 4));
        assert_eq!(offset_of!(WbcNamedBlob, blob), w(16, 8));
        assert_eq!(offset_of!(WbcBlob, length), w(8, 4));
        assert_eq!(size_of::<WbcCredentialCacheParams>(), w(40, 20));
        assert_eq!(offset_of!(WbcCredentialCacheParams, domain_name), w(8, 4));
        assert_eq!(offset_of!(WbcCredentialCacheParams, level), w(16, 8));
        assert_eq!(offset_of!(WbcCredentialCacheParams, num_blobs), w(24, 12));
        assert_eq!(offset_of!(WbcCredentialCacheParams, blobs), w(32, 16));
        assert_eq!(size_of::<WbcCredentialCacheInfo>(), w(16, 8));
        assert_eq!(offset_of!(WbcCredentialCacheInfo, blobs), w(8, 4));
    }

    #[test]
    fn a_missing_library_is_none() {
        assert!(Winbind::load_from("libwbclient-absent.so.0").is_none());
        assert!(Winbind::load_from("lib\0wbclient").is_none());
    }

    #[test]
    fn names_libwbclient_cannot_carry_are_refused() {
        let long = "a".repeat(MAX_NAME + 1);
        let e = c_name("user name", &long).unwrap_err();
        assert_eq!(
            (e.kind, e.nt_status),
            (DomainErrorKind::Invalid, nt_status::NAME_TOO_LONG)
        );
        // Refused without asking the DC, as the DC would refuse a name it cannot hold.
        assert_eq!(e.sspi_status(), SEC_E_LOGON_DENIED);
        let e = c_name("user name", "al\0ice").unwrap_err();
        assert_eq!(e.nt_status, nt_status::INVALID_PARAMETER);
        assert!(c_name("user name", &"a".repeat(MAX_NAME)).is_ok());
    }

    #[test]
    fn statuses_follow_windows() {
        // The mapping itself is users::domain's (its tests hold the whole table).
        use nt_status::*;
        let refused = |s| DomainError::new(DomainErrorKind::Refused, s, "");
        assert_eq!(refused(ACCOUNT_DISABLED).sspi_status(), SEC_E_LOGON_DENIED);
        assert_eq!(
            refused(NOLOGON_WORKSTATION_TRUST_ACCOUNT).sspi_status(),
            SEC_E_LOGON_DENIED
        );
        assert_eq!(
            refused(NO_LOGON_SERVERS).sspi_status(),
            SEC_E_NO_AUTHENTICATING_AUTHORITY
        );
        assert_eq!(
            refused(TIME_DIFFERENCE_AT_DC).sspi_status(),
            SEC_E_TIME_SKEW
        );
        let e = DomainError::timed_out(1000);
        assert_eq!(e.sspi_status(), SEC_E_NO_AUTHENTICATING_AUTHORITY);
        let e = DomainError::new(DomainErrorKind::NotPrivileged, NETLOGON_NOT_STARTED, "");
        assert_eq!(e.sspi_status(), SEC_E_NO_AUTHENTICATING_AUTHORITY);
    }

    #[test]
    fn the_switch_values() {
        for (v, off) in [
            ("0", true),
            ("off", true),
            (" No ", true),
            ("false", true),
            ("1", false),
            ("", false),
            ("on", false),
        ] {
            assert_eq!(means_off(v), off, "{v:?}");
        }
    }
}
