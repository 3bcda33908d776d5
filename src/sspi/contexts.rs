//! What each export does, in SSPI terms: checks the caller's arguments, finds objects through
//! the handle table, calls the protocol core, and writes results back within the sizes the
//! caller gave. `entry.rs` calls these and nothing else.
//!
//! Every function checks all of its arguments before it changes anything, and commits a
//! state change only after every output was written: a call that fails leaves handles,
//! contexts and the caller's buffers as they were.

#![allow(clippy::missing_safety_doc, clippy::too_many_arguments)]

use core::ffi::c_void;
use std::sync::Arc;

use parking_lot::Mutex;
use smallvec::SmallVec;

use super::alloc;
use super::buffers::{self, base_type, Ansi, Charset, Wide};
use super::debug;
use super::handles::{HandleTable, Kind};
use super::status::status;
use super::types::*;
use crate::inspect::trace;
use crate::nlmp::client::{channel_bindings_hash, Client, ClientOptions};
use crate::nlmp::credentials::{self, ClientCredential, ServerCredential, UserDatabase};
use crate::nlmp::env::SystemEnvironment;
use crate::nlmp::flags::{self as nf, has};
use crate::nlmp::messages::Version;
use crate::nlmp::policy::Policy;
use crate::nlmp::server::{host_name, Server, ServerConfig, ServerNames};
use crate::nlmp::session::Segment;
use crate::spnego::context::{Acceptor, Initiator, Progress};
use crate::users::{self, database::FileUserDatabase, file::UserFile};

// ---------------------------------------------------------------------------------------------
// The package

pub const PACKAGE_NAME: &str = "NTLM";
pub const PACKAGE_COMMENT: &str = "NTLM Security Package";
pub const PACKAGE_CAPABILITIES: ULONG = 0x0008_2B37;
pub const PACKAGE_VERSION: USHORT = 1;
/// RPC_C_AUTHN_WINNT.
pub const PACKAGE_RPCID: USHORT = 10;
pub const MAX_TOKEN: ULONG = 2888;
pub const MAX_SIGNATURE: ULONG = 16;
/// The Negotiate package ([MS-SPNG] around NTLM): what Windows reports for it.
pub const NEGOTIATE_NAME: &str = "Negotiate";
pub const NEGOTIATE_COMMENT: &str = "Microsoft Package Negotiator";
/// INTEGRITY, PRIVACY, CONNECTION, MULTI_REQUIRED, EXTENDED_ERROR, IMPERSONATION,
/// ACCEPT_WIN32_NAME, NEGOTIABLE, GSS_COMPATIBLE, LOGON, RESTRICTED_TOKENS.
pub const NEGOTIATE_CAPABILITIES: ULONG = 0x0008_3BB3;
/// RPC_C_AUTHN_GSS_NEGOTIATE.
pub const NEGOTIATE_RPCID: USHORT = 9;
/// Wine's value; an NTLM token wrapped in SPNEGO is at most MAX_TOKEN plus about 60 bytes.
pub const NEGOTIATE_MAX_TOKEN: ULONG = 12000;

/// The packages this library offers, in EnumerateSecurityPackages order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Package {
    Ntlm,
    Negotiate,
}

impl Package {
    pub const ALL: [Package; 2] = [Package::Ntlm, Package::Negotiate];

    pub fn name(self) -> &'static str {
        match self {
            Package::Ntlm => PACKAGE_NAME,
            Package::Negotiate => NEGOTIATE_NAME,
        }
    }

    fn info(self) -> (&'static str, ULONG, USHORT, ULONG) {
        match self {
            Package::Ntlm => (
                PACKAGE_COMMENT,
                PACKAGE_CAPABILITIES,
                PACKAGE_RPCID,
                MAX_TOKEN,
            ),
            Package::Negotiate => (
                NEGOTIATE_COMMENT,
                NEGOTIATE_CAPABILITIES,
                NEGOTIATE_RPCID,
                NEGOTIATE_MAX_TOKEN,
            ),
        }
    }
}

/// What Windows' NTLM reports for credential and context expiry: never.
pub const NEVER: TimeStamp = i64::MAX;

// ---------------------------------------------------------------------------------------------
// Objects behind handles

/// A credential handle's object.
pub struct Credential {
    package: Package,
    use_flags: ULONG,
    client: Option<Arc<ClientCredential>>,
    /// Replaced by [`set_nt_hash_callback`]; contexts take a copy when they start.
    /// Replaced whole by NtlmSetNtHashCallback.
    server: Mutex<Arc<ServerConfig>>,
    policy: Policy,
    workstation: String,
}

enum Context {
    Client {
        client: Client,
        context_req: ULONG,
        attrs: ULONG,
    },
    Server {
        server: Server,
        context_req: ULONG,
        attrs: ULONG,
    },
    /// Negotiate: the SPNEGO state machines of the core, which own the NTLM context.
    NegotiateClient {
        nego: Initiator,
        attrs: ULONG,
    },
    NegotiateServer {
        nego: Acceptor,
        attrs: ULONG,
    },
}

impl Context {
    fn established(&self) -> Option<&crate::nlmp::client::Established> {
        match self {
            Context::Client { client, .. } => client.established(),
            Context::Server { server, .. } => server.established(),
            Context::NegotiateClient { nego, .. } => nego.established(),
            Context::NegotiateServer { nego, .. } => nego.established(),
        }
    }

    fn established_mut(&mut self) -> Option<&mut crate::nlmp::client::Established> {
        match self {
            Context::Client { client, .. } => client.established_mut(),
            Context::Server { server, .. } => server.established_mut(),
            Context::NegotiateClient { nego, .. } => nego.established_mut(),
            Context::NegotiateServer { nego, .. } => nego.established_mut(),
        }
    }

    fn attrs(&self) -> ULONG {
        match self {
            Context::Client { attrs, .. } | Context::Server { attrs, .. } => *attrs,
            Context::NegotiateClient { attrs, .. } | Context::NegotiateServer { attrs, .. } => {
                *attrs
            }
        }
    }

    fn package(&self) -> Package {
        match self {
            Context::Client { .. } | Context::Server { .. } => Package::Ntlm,
            Context::NegotiateClient { .. } | Context::NegotiateServer { .. } => Package::Negotiate,
        }
    }
}

static CREDENTIALS: HandleTable<Arc<Credential>> = HandleTable::new(Kind::Credential);
static CONTEXTS: HandleTable<Arc<Mutex<Context>>> = HandleTable::new(Kind::Context);

/// Live credential and context handles (leak checks in tests).
pub fn live_handles() -> (usize, usize) {
    (CREDENTIALS.len(), CONTEXTS.len())
}

unsafe fn credential(p: PCredHandle) -> Result<Arc<Credential>, SECURITY_STATUS> {
    buffers::handle(p)
        .and_then(|h| CREDENTIALS.get(&h))
        .ok_or(SEC_E_INVALID_HANDLE)
}

/// Runs `f` on a credential without taking a reference to it (see [`HandleTable::with`]).
unsafe fn with_credential<R>(
    p: PCredHandle,
    f: impl FnOnce(&Credential) -> Result<R, SECURITY_STATUS>,
) -> Result<R, SECURITY_STATUS> {
    buffers::handle(p)
        .and_then(|h| CREDENTIALS.with(&h, |c| f(c)))
        .unwrap_or(Err(SEC_E_INVALID_HANDLE))
}

unsafe fn context(p: PCtxtHandle) -> Result<Arc<Mutex<Context>>, SECURITY_STATUS> {
    buffers::handle(p)
        .and_then(|h| CONTEXTS.get(&h))
        .ok_or(SEC_E_INVALID_HANDLE)
}

/// Runs the body of an export that reports failure through `Result`.
fn run(f: impl FnOnce() -> Result<SECURITY_STATUS, SECURITY_STATUS>) -> SECURITY_STATUS {
    f().unwrap_or_else(|e| e)
}

fn package_named<C: Charset>(p: *const C::Char) -> Result<Package, SECURITY_STATUS> {
    // SAFETY: the caller passes a NUL-terminated package name or NULL.
    match unsafe { buffers::string_z::<C>(p) } {
        Ok(Some(name)) => {
            let package = Package::ALL
                .into_iter()
                .find(|k| name.eq_ignore_ascii_case(k.name()))
                .ok_or(SEC_E_SECPKG_NOT_FOUND)?;
            super::panic::note_package(package.name());
            Ok(package)
        }
        _ => Err(SEC_E_SECPKG_NOT_FOUND),
    }
}

// ---------------------------------------------------------------------------------------------
// Credentials

/// Reads `pAuthData`: SEC_WINNT_AUTH_IDENTITY_A/W (either form through either export, chosen
/// by `Flags`) or SEC_WINNT_AUTH_IDENTITY_EXA/EXW (`Version` 0x200; `Length` honoured).
unsafe fn identity(
    p: *const c_void,
) -> Result<(ClientCredential, Option<String>), SECURITY_STATUS> {
    let bad = SEC_E_UNKNOWN_CREDENTIALS;
    let version: ULONG = buffers::read_struct(p);
    let (user, user_len, domain, domain_len, password, password_len, flags);
    // The EX form's PackageList (Negotiate's choice of mechanisms), in the identity's charset.
    let mut package_list = (core::ptr::null(), 0);
    if version == SEC_WINNT_AUTH_IDENTITY_VERSION {
        let head: [ULONG; 2] = buffers::read_struct(p);
        if (head[1] as usize) < core::mem::size_of::<SEC_WINNT_AUTH_IDENTITY_EXW>() {
            return Err(bad);
        }
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
        package_list = (ex.PackageList as *const c_void, ex.PackageListLength);
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
        Some(read(package_list.0, package_list.1)?.to_string())
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
        let client = if !pAuthData.is_null() {
            let (identity, package_list) = identity(pAuthData)?;
            // Negotiate honours the PackageList; with NTLM excluded no mechanism is left.
            if package == Package::Negotiate
                && package_list.is_some_and(|l| !crate::spnego::package_list_allows_ntlm(&l))
            {
                return Err(SEC_E_NO_CREDENTIALS);
            }
            Some(Arc::new(identity))
        } else if outbound {
            match users::default_client_credential() {
                Ok(c) => Some(Arc::new(c)),
                // A server credential (BOTH) may still be useful without a client identity.
                Err(_) if inbound => None,
                Err(e) => return Err(status(e)),
            }
        } else {
            None
        };
        let users: Arc<dyn UserDatabase> =
            if inbound && std::env::var_os(users::NTLM_USER_FILE_VAR).is_some() {
                Arc::new(UserFile::from_env().map_err(status)?)
            } else {
                Arc::new(FileUserDatabase::default())
            };
        let cred = Credential {
            package,
            use_flags,
            client,
            server: Mutex::new(Arc::new(ServerConfig {
                credential: ServerCredential { users },
                names: if inbound {
                    ServerNames::from_env()
                } else {
                    ServerNames::default()
                },
                policy: Policy::from_env(),
                env: Arc::new(SystemEnvironment),
            })),
            policy: Policy::from_env(),
            workstation: host_name()
                .split('.')
                .next()
                .unwrap_or_default()
                .to_uppercase(),
        };
        buffers::put(
            phCredential,
            CREDENTIALS
                .insert(Arc::new(cred))
                .ok_or(SEC_E_INSUFFICIENT_MEMORY)?,
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
        let name = cred
            .client
            .as_ref()
            .map(|c| c.display_name())
            .unwrap_or_default();
        let p = alloc_string::<C>(&name)?;
        buffers::put(pBuffer as *mut *mut c_void, p);
        Ok(SEC_E_OK)
    })
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
        let users: Arc<dyn UserDatabase> = match pfnCallback {
            Some(f) => Arc::new(CallbackDatabase {
                f,
                context: pvContext as usize,
            }),
            None => Arc::new(FileUserDatabase::default()),
        };
        let mut server = cred.server.lock();
        let old = server.clone();
        *server = Arc::new(ServerConfig {
            credential: ServerCredential { users },
            names: old.names.clone(),
            policy: old.policy,
            env: old.env.clone(),
        });
        Ok(SEC_E_OK)
    })
}

struct CallbackDatabase {
    f: unsafe extern "system" fn(
        *mut c_void,
        *const WCHAR,
        ULONG,
        *const WCHAR,
        ULONG,
        *mut UCHAR,
    ) -> BOOLEAN,
    /// The caller's context pointer, kept as an integer: it is only ever handed back.
    context: usize,
}

impl UserDatabase for CallbackDatabase {
    fn nt_hash(&self, user: &str, domain: &str) -> Option<credentials::Secret16> {
        let user: Vec<u16> = user.encode_utf16().collect();
        let domain: Vec<u16> = domain.encode_utf16().collect();
        let mut hash = credentials::Secret16([0; 16]);
        // SAFETY: the embedding server registered this callback with this signature; the
        // strings and the 16-byte output live across the call.
        let found = unsafe {
            (self.f)(
                self.context as *mut c_void,
                user.as_ptr(),
                user.len() as ULONG,
                domain.as_ptr(),
                domain.len() as ULONG,
                hash.0.as_mut_ptr(),
            )
        };
        (found != 0).then_some(hash)
    }
}

// ---------------------------------------------------------------------------------------------
// Tokens

/// Puts `token` into the caller's output descriptor: into a library-allocated block with
/// ISC/ASC_REQ_ALLOCATE_MEMORY, else into the first TOKEN buffer if it is large enough. On
/// failure nothing was written.
unsafe fn write_token(
    pOutput: PSecBufferDesc,
    allocate: bool,
    token: &[u8],
) -> Result<(), SECURITY_STATUS> {
    let bufs = buffers::descriptor(pOutput)?.ok_or(SEC_E_BUFFER_TOO_SMALL)?;
    let b = buffers::find(bufs, SECBUFFER_TOKEN).ok_or(SEC_E_BUFFER_TOO_SMALL)?;
    let len = ULONG::try_from(token.len()).map_err(|_| SEC_E_INTERNAL_ERROR)?;
    if allocate {
        let p = alloc::allocate_copy(token).ok_or(SEC_E_INSUFFICIENT_MEMORY)?;
        b.pvBuffer = p.cast();
        b.cbBuffer = len;
        return Ok(());
    }
    if b.pvBuffer.is_null() && b.cbBuffer != 0 {
        // A buffer that claims room but has none: Windows answers SEC_E_INTERNAL_ERROR
        // (recorded by Wine's secur32 tests), not BUFFER_TOO_SMALL.
        return Err(SEC_E_INTERNAL_ERROR);
    }
    if b.pvBuffer.is_null() || b.cbBuffer < len {
        return Err(SEC_E_BUFFER_TOO_SMALL);
    }
    core::ptr::copy_nonoverlapping(token.as_ptr(), b.pvBuffer as *mut u8, token.len());
    b.cbBuffer = len;
    Ok(())
}

/// Sets the output TOKEN buffer, if any, to empty (a last leg that sends nothing).
unsafe fn clear_token(pOutput: PSecBufferDesc) {
    if let Ok(Some(bufs)) = buffers::descriptor(pOutput) {
        if let Some(b) = buffers::find(bufs, SECBUFFER_TOKEN) {
            b.cbBuffer = 0;
        }
    }
}

/// The input TOKEN and the hash of the CHANNEL_BINDINGS buffer, if present.
type Input<'a> = (Option<&'a [u8]>, Option<[u8; 16]>);

unsafe fn read_input<'a>(pInput: PSecBufferDesc) -> Result<Input<'a>, SECURITY_STATUS> {
    let Some(bufs) = buffers::descriptor(pInput)? else {
        return Ok((None, None));
    };
    let token = match buffers::find(bufs, SECBUFFER_TOKEN) {
        Some(b) => Some(buffers::bytes(b)?).filter(|t| !t.is_empty()),
        None => None,
    };
    let bindings = match buffers::find(bufs, SECBUFFER_CHANNEL_BINDINGS) {
        Some(b) => Some(parse_channel_bindings(buffers::bytes(b)?)?),
        None => None,
    };
    Ok((token, bindings))
}

/// SEC_CHANNEL_BINDINGS: a header of eight ULONGs followed by the data its offsets point at,
/// all within the buffer.
fn parse_channel_bindings(b: &[u8]) -> Result<[u8; 16], SECURITY_STATUS> {
    let bad = SEC_E_BAD_BINDINGS;
    let header = b.get(..32).ok_or(bad)?;
    let f = |i: usize| u32::from_le_bytes(header[i * 4..i * 4 + 4].try_into().expect("4 bytes"));
    let part = |len: u32, off: u32| -> Result<&[u8], SECURITY_STATUS> {
        if len == 0 {
            return Ok(&[]);
        }
        let start = off as usize;
        b.get(start..start.checked_add(len as usize).ok_or(bad)?)
            .ok_or(bad)
    };
    Ok(channel_bindings_hash(
        f(0),
        part(f(1), f(2))?,
        f(3),
        part(f(4), f(5))?,
        part(f(6), f(7))?,
    ))
}

fn client_options(fContextReq: ULONG, target: Option<String>, workstation: &str) -> ClientOptions {
    ClientOptions {
        sign: fContextReq & (ISC_REQ_INTEGRITY | ISC_REQ_REPLAY_DETECT | ISC_REQ_SEQUENCE_DETECT)
            != 0,
        seal: fContextReq & ISC_REQ_CONFIDENTIALITY != 0,
        datagram: fContextReq & ISC_REQ_DATAGRAM != 0,
        identify: fContextReq & ISC_REQ_IDENTIFY != 0,
        target_name: target,
        workstation: workstation.to_owned(),
        version: Version::OURS,
    }
}

/// ISC_RET attributes after the first leg, as Windows reports them: the requested
/// CONNECTION/INTEGRITY/REPLAY/SEQUENCE bits, and CONFIDENTIALITY with INTEGRITY.
fn isc_attrs_first(req: ULONG) -> ULONG {
    let mut a = req
        & (ISC_REQ_CONNECTION
            | ISC_REQ_INTEGRITY
            | ISC_REQ_REPLAY_DETECT
            | ISC_REQ_SEQUENCE_DETECT);
    if req & ISC_REQ_CONFIDENTIALITY != 0 {
        a |= ISC_RET_CONFIDENTIALITY | ISC_RET_INTEGRITY;
    }
    a
}

/// ISC_RET attributes once established: what was negotiated (SIGN gives integrity, replay and
/// sequence detection; SEAL adds confidentiality), MUTUAL_AUTH when asked.
fn isc_attrs_final(req: ULONG, flags: u32) -> ULONG {
    let mut a = req & ISC_REQ_MUTUAL_AUTH;
    if has(flags, nf::NEGOTIATE_SIGN) || has(flags, nf::NEGOTIATE_SEAL) {
        a |= ISC_RET_INTEGRITY | ISC_RET_REPLAY_DETECT | ISC_RET_SEQUENCE_DETECT;
    }
    if has(flags, nf::NEGOTIATE_SEAL) {
        a |= ISC_RET_CONFIDENTIALITY;
    }
    if has(flags, nf::NEGOTIATE_DATAGRAM) {
        a |= ISC_RET_DATAGRAM;
    }
    if has(flags, nf::NEGOTIATE_IDENTIFY) {
        a |= ISC_RET_IDENTIFY;
    }
    a
}

fn with_alloc(attrs: ULONG, req: ULONG, req_bit: ULONG, ret_bit: ULONG) -> ULONG {
    if req & req_bit != 0 {
        attrs | ret_bit
    } else {
        attrs
    }
}

pub unsafe fn initialize_security_context<C: Charset>(
    phCredential: PCredHandle,
    phContext: PCtxtHandle,
    pszTargetName: *const C::Char,
    fContextReq: ULONG,
    pInput: PSecBufferDesc,
    phNewContext: PCtxtHandle,
    pOutput: PSecBufferDesc,
    pfContextAttr: PULONG,
    ptsExpiry: PTimeStamp,
) -> SECURITY_STATUS {
    run(|| {
        if fContextReq & ISC_REQ_PROMPT_FOR_CREDS != 0 {
            return Err(SEC_E_UNSUPPORTED_FUNCTION);
        }
        let target = buffers::string_z::<C>(pszTargetName).map_err(|_| SEC_E_TARGET_UNKNOWN)?;
        let (input, bindings) = read_input(pInput)?;
        let allocate = fContextReq & ISC_REQ_ALLOCATE_MEMORY != 0;

        let Some(existing) = buffers::handle(phContext) else {
            // First call: a new context.
            let (client_cred, options, policy, package) = with_credential(phCredential, |cred| {
                if phNewContext.is_null() {
                    return Err(SEC_E_INVALID_HANDLE);
                }
                if cred.use_flags & SECPKG_CRED_OUTBOUND == 0 {
                    return Err(SEC_E_NO_CREDENTIALS);
                }
                let client_cred = cred.client.clone().ok_or(SEC_E_NO_CREDENTIALS)?;
                Ok((
                    client_cred,
                    client_options(fContextReq, target, &cred.workstation),
                    cred.policy,
                    cred.package,
                ))
            })?;
            let mut client = Client::with_system_env(client_cred, options, policy);
            super::panic::note_package(package.name());
            if package == Package::Negotiate {
                let mut nego = Initiator::new(client);
                let (result, attrs, note) =
                    negotiate_initiator_leg(&mut nego, input, bindings, pOutput, fContextReq)?;
                let handle = put_new(
                    Context::NegotiateClient { nego, attrs },
                    phNewContext,
                    pfContextAttr,
                    attrs,
                    ptsExpiry,
                )?;
                debug::emit(&handle, note);
                return Ok(result);
            }
            let (token, next) = match input {
                // Server-initiated: the first input is already a CHALLENGE.
                Some(challenge) => client.authenticate(challenge, bindings),
                None => client.negotiate(),
            }
            .map_err(|e| debug::failed(None, "InitializeSecurityContext", e, input, None))?;
            write_token(pOutput, allocate, &token)?;
            client.advance(next);
            let note = trace::enabled().then(|| debug::client_step(true, input, &token, &client));
            let (result, attrs) = match client.established() {
                Some(e) => (SEC_E_OK, isc_attrs_final(fContextReq, e.flags)),
                None => (SEC_I_CONTINUE_NEEDED, isc_attrs_first(fContextReq)),
            };
            let attrs = with_alloc(
                attrs,
                fContextReq,
                ISC_REQ_ALLOCATE_MEMORY,
                ISC_RET_ALLOCATED_MEMORY,
            );
            let ctx = Context::Client {
                client,
                context_req: fContextReq,
                attrs,
            };
            let handle = CONTEXTS
                .insert(Arc::new(Mutex::new(ctx)))
                .ok_or(SEC_E_INSUFFICIENT_MEMORY)?;
            debug::emit(&handle, note);
            buffers::put(phNewContext, handle);
            buffers::put(pfContextAttr, attrs);
            buffers::put(ptsExpiry, NEVER);
            return Ok(result);
        };

        let shared = CONTEXTS.get(&existing).ok_or(SEC_E_INVALID_HANDLE)?;
        let mut guard = shared.lock();
        super::panic::note_package(guard.package().name());
        if let Context::NegotiateClient { nego, attrs } = &mut *guard {
            let (result, new_attrs, note) =
                negotiate_initiator_leg(nego, input, bindings, pOutput, fContextReq)?;
            *attrs = new_attrs;
            drop(guard);
            debug::emit(&existing, note);
            put_continued(
                phContext,
                phNewContext,
                existing,
                pfContextAttr,
                new_attrs,
                ptsExpiry,
            );
            return Ok(result);
        }
        let Context::Client {
            client,
            context_req,
            attrs,
        } = &mut *guard
        else {
            return Err(SEC_E_INVALID_HANDLE);
        };
        let restart = client.is_complete();
        if restart {
            // A call on a completed context starts a re-authentication, with this call's
            // requirements.
            let workstation = client.options().workstation.clone();
            client.set_options(client_options(fContextReq, target, &workstation));
        }
        let (token, next) = match (input, restart) {
            (Some(challenge), true) => client.authenticate_fresh(challenge, bindings),
            (Some(challenge), false) => client.authenticate(challenge, bindings),
            (None, true) => client.negotiate(),
            (None, false) => return Err(SEC_E_INVALID_TOKEN),
        }
        .map_err(|e| debug::failed(Some(&existing), "InitializeSecurityContext", e, input, None))?;
        write_token(pOutput, allocate, &token)?;
        client.advance(next);
        debug::emit(
            &existing,
            trace::enabled().then(|| debug::client_step(restart, input, &token, client)),
        );
        *context_req = fContextReq;
        let (result, new_attrs) = match client.established() {
            Some(e) => (SEC_E_OK, isc_attrs_final(fContextReq, e.flags)),
            None => (SEC_I_CONTINUE_NEEDED, isc_attrs_first(fContextReq)),
        };
        *attrs = with_alloc(
            new_attrs,
            fContextReq,
            ISC_REQ_ALLOCATE_MEMORY,
            ISC_RET_ALLOCATED_MEMORY,
        );
        let attrs = *attrs;
        drop(guard);
        if !phNewContext.is_null() && phNewContext != phContext {
            buffers::put(phNewContext, existing);
        }
        buffers::put(pfContextAttr, attrs);
        buffers::put(ptsExpiry, NEVER);
        Ok(result)
    })
}

/// The outputs of a new context: its handle, attributes and expiry.
unsafe fn put_new(
    ctx: Context,
    phNewContext: PCtxtHandle,
    pfContextAttr: PULONG,
    attrs: ULONG,
    ptsExpiry: PTimeStamp,
) -> Result<SecHandle, SECURITY_STATUS> {
    let handle = CONTEXTS
        .insert(Arc::new(Mutex::new(ctx)))
        .ok_or(SEC_E_INSUFFICIENT_MEMORY)?;
    buffers::put(phNewContext, handle);
    buffers::put(pfContextAttr, attrs);
    buffers::put(ptsExpiry, NEVER);
    Ok(handle)
}

/// The outputs of a leg on an existing context: the handle, when the caller asked for it in
/// another place, the attributes and the expiry.
unsafe fn put_continued(
    phContext: PCtxtHandle,
    phNewContext: PCtxtHandle,
    existing: SecHandle,
    pfContextAttr: PULONG,
    attrs: ULONG,
    ptsExpiry: PTimeStamp,
) {
    if !phNewContext.is_null() && phNewContext != phContext {
        buffers::put(phNewContext, existing);
    }
    buffers::put(pfContextAttr, attrs);
    buffers::put(ptsExpiry, NEVER);
}

/// A Negotiate leg's status, ISC/ASC_RET attributes, and its block for the decoded trace.
type Leg = (SECURITY_STATUS, ULONG, Option<String>);

/// The decoded trace's account of a refused Negotiate leg: the status and the token that
/// came in. (The SPNEGO core reports no finer reason.)
fn negotiate_failure(call: &str, s: SECURITY_STATUS, input: Option<&[u8]>) -> String {
    let mut t = format!("{call} (Negotiate) failed: 0x{:08x}\n", s as u32);
    if let Some(i) = input {
        t.push_str(&trace::message_text("in", i));
    }
    t
}

/// One Negotiate initiator leg: the core computes it, the token goes to the caller, then the
/// state is committed. Returns the status and the ISC_RET attributes.
unsafe fn negotiate_initiator_leg(
    nego: &mut Initiator,
    input: Option<&[u8]>,
    bindings: Option<[u8; 16]>,
    pOutput: PSecBufferDesc,
    req: ULONG,
) -> Result<Leg, SECURITY_STATUS> {
    let (token, next) = nego.step(input, bindings).map_err(|e| {
        let s = status(e);
        trace::event(0, || {
            negotiate_failure("InitializeSecurityContext", s, input)
        });
        s
    })?;
    if token.is_empty() {
        clear_token(pOutput);
    } else {
        write_token(pOutput, req & ISC_REQ_ALLOCATE_MEMORY != 0, &token)?;
    }
    nego.advance(next);
    let note = trace::enabled()
        .then(|| debug::negotiate_step("client", input, &token, nego.established()));
    let (result, attrs) = match nego.established() {
        Some(e) => (SEC_E_OK, isc_attrs_final(req, e.flags)),
        None => (SEC_I_CONTINUE_NEEDED, isc_attrs_first(req)),
    };
    Ok((
        result,
        with_alloc(
            attrs,
            req,
            ISC_REQ_ALLOCATE_MEMORY,
            ISC_RET_ALLOCATED_MEMORY,
        ),
        note,
    ))
}

/// One Negotiate acceptor leg. The AUTHENTICATE leg commits in the core before its final
/// token is written (the logon was decided); the others only after.
unsafe fn negotiate_acceptor_leg(
    nego: &mut Acceptor,
    input: &[u8],
    bindings: Option<[u8; 16]>,
    pOutput: PSecBufferDesc,
    req: ULONG,
) -> Result<Leg, SECURITY_STATUS> {
    let allocate = req & ASC_REQ_ALLOCATE_MEMORY != 0;
    let failed = |e| {
        let s = status(e);
        trace::event(0, || {
            negotiate_failure("AcceptSecurityContext", s, Some(input))
        });
        s
    };
    let token = if nego.expects_authenticate() {
        let token = nego.authenticate(input, bindings).map_err(failed)?;
        if token.is_empty() {
            clear_token(pOutput);
        } else {
            write_token(pOutput, allocate, &token)?;
        }
        token
    } else {
        let (token, next) = nego.step(input).map_err(failed)?;
        write_token(pOutput, allocate, &token)?;
        nego.advance(next);
        token
    };
    let note = trace::enabled()
        .then(|| debug::negotiate_step("server", Some(input), &token, nego.established()));
    let complete = nego.progress() == Progress::Complete;
    let flags = nego
        .established()
        .map(|e| e.flags)
        .or(nego.challenge_flags())
        .unwrap_or(0);
    let mut attrs = asc_attrs(req, flags, complete);
    if nego.established().is_some_and(|e| e.anonymous) {
        attrs |= ASC_RET_NULL_SESSION;
    }
    Ok((
        if complete {
            SEC_E_OK
        } else {
            SEC_I_CONTINUE_NEEDED
        },
        attrs,
        note,
    ))
}

/// ASC_RET attributes: replay and sequence detection when the client asked to sign,
/// confidentiality when it asked to seal, integrity once established.
fn asc_attrs(req: ULONG, flags: u32, established: bool) -> ULONG {
    let mut a = 0;
    if has(flags, nf::NEGOTIATE_SIGN) || has(flags, nf::NEGOTIATE_SEAL) {
        a |= ASC_RET_REPLAY_DETECT | ASC_RET_SEQUENCE_DETECT;
        if established {
            a |= ASC_RET_INTEGRITY;
        }
    }
    if has(flags, nf::NEGOTIATE_SEAL) {
        a |= ASC_RET_CONFIDENTIALITY;
    }
    if has(flags, nf::NEGOTIATE_DATAGRAM) {
        a |= ASC_RET_DATAGRAM;
    }
    if has(flags, nf::NEGOTIATE_IDENTIFY) {
        a |= ASC_RET_IDENTIFY;
    }
    with_alloc(a, req, ASC_REQ_ALLOCATE_MEMORY, ASC_RET_ALLOCATED_MEMORY)
}

pub unsafe fn accept_security_context(
    phCredential: PCredHandle,
    phContext: PCtxtHandle,
    pInput: PSecBufferDesc,
    fContextReq: ULONG,
    phNewContext: PCtxtHandle,
    pOutput: PSecBufferDesc,
    pfContextAttr: PULONG,
    ptsExpiry: PTimeStamp,
) -> SECURITY_STATUS {
    let result = run(|| {
        accept(
            phCredential,
            phContext,
            pInput,
            fContextReq,
            phNewContext,
            pOutput,
            pfContextAttr,
            ptsExpiry,
        )
    });
    if result < 0 && result != SEC_E_BUFFER_TOO_SMALL {
        // A failed leg sends nothing: callers such as FreeRDP send whatever the output TOKEN
        // buffer says it holds, which would otherwise be the whole empty buffer. (After
        // BUFFER_TOO_SMALL the caller's size is left for its retry.)
        clear_token(pOutput);
    }
    result
}

unsafe fn accept(
    phCredential: PCredHandle,
    phContext: PCtxtHandle,
    pInput: PSecBufferDesc,
    fContextReq: ULONG,
    phNewContext: PCtxtHandle,
    pOutput: PSecBufferDesc,
    pfContextAttr: PULONG,
    ptsExpiry: PTimeStamp,
) -> Result<SECURITY_STATUS, SECURITY_STATUS> {
    {
        let (input, bindings) = read_input(pInput)?;
        // Connectionless NTLM (ASC_REQ_DATAGRAM) starts with no token at all: the server
        // speaks first, with a CHALLENGE.
        let connectionless = input.is_none()
            && fContextReq & ASC_REQ_DATAGRAM != 0
            && buffers::handle(phContext).is_none();
        let input = if connectionless {
            &[][..]
        } else {
            input.ok_or(SEC_E_INVALID_TOKEN)?
        };
        let allocate = fContextReq & ASC_REQ_ALLOCATE_MEMORY != 0;

        let Some(existing) = buffers::handle(phContext) else {
            let config = with_credential(phCredential, |cred| {
                if phNewContext.is_null() {
                    return Err(SEC_E_INVALID_HANDLE);
                }
                if cred.use_flags & SECPKG_CRED_INBOUND == 0 {
                    return Err(SEC_E_NO_CREDENTIALS);
                }
                Ok((cred.server.lock().clone(), cred.package))
            })?;
            let (config, package) = config;
            let mut server = Server::with_config(config);
            super::panic::note_package(package.name());
            if package == Package::Negotiate {
                let mut nego = Acceptor::new(server);
                let (result, attrs, note) =
                    negotiate_acceptor_leg(&mut nego, input, bindings, pOutput, fContextReq)?;
                let handle = put_new(
                    Context::NegotiateServer { nego, attrs },
                    phNewContext,
                    pfContextAttr,
                    attrs,
                    ptsExpiry,
                )?;
                debug::emit(&handle, note);
                return Ok(result);
            }
            let (token, next) = if connectionless {
                server.challenge_connectionless()
            } else {
                server.challenge(input)
            }
            .map_err(|e| debug::failed(None, "AcceptSecurityContext", e, Some(input), None))?;
            write_token(pOutput, allocate, &token)?;
            server.advance(next);
            let note =
                trace::enabled().then(|| debug::server_step(true, input, Some(&token), &server));
            let attrs = asc_attrs(fContextReq, server.challenge_flags().unwrap_or(0), false);
            let ctx = Context::Server {
                server,
                context_req: fContextReq,
                attrs,
            };
            let handle = CONTEXTS
                .insert(Arc::new(Mutex::new(ctx)))
                .ok_or(SEC_E_INSUFFICIENT_MEMORY)?;
            debug::emit(&handle, note);
            buffers::put(phNewContext, handle);
            buffers::put(pfContextAttr, attrs);
            buffers::put(ptsExpiry, NEVER);
            return Ok(SEC_I_CONTINUE_NEEDED);
        };

        let shared = CONTEXTS.get(&existing).ok_or(SEC_E_INVALID_HANDLE)?;
        let mut guard = shared.lock();
        super::panic::note_package(guard.package().name());
        if let Context::NegotiateServer { nego, attrs } = &mut *guard {
            let (result, new_attrs, note) =
                negotiate_acceptor_leg(nego, input, bindings, pOutput, fContextReq)?;
            *attrs = new_attrs;
            drop(guard);
            debug::emit(&existing, note);
            put_continued(
                phContext,
                phNewContext,
                existing,
                pfContextAttr,
                new_attrs,
                ptsExpiry,
            );
            return Ok(result);
        }
        let Context::Server {
            server,
            context_req,
            attrs,
        } = &mut *guard
        else {
            return Err(SEC_E_INVALID_HANDLE);
        };
        server.authenticate(input, bindings).map_err(|e| {
            debug::failed(
                Some(&existing),
                "AcceptSecurityContext",
                e,
                Some(input),
                server.denial(),
            )
        })?;
        debug::emit(
            &existing,
            trace::enabled().then(|| debug::server_step(false, input, None, server)),
        );
        *context_req = fContextReq;
        let flags = server.established().map(|e| e.flags).unwrap_or(0);
        let mut a = asc_attrs(fContextReq, flags, true);
        if server.established().is_some_and(|e| e.anonymous) {
            a |= ASC_RET_NULL_SESSION;
        }
        *attrs = a;
        drop(guard);
        clear_token(pOutput);
        if !phNewContext.is_null() && phNewContext != phContext {
            buffers::put(phNewContext, existing);
        }
        buffers::put(pfContextAttr, a);
        buffers::put(ptsExpiry, NEVER);
        Ok(SEC_E_OK)
    }
}

pub unsafe fn complete_auth_token(
    phContext: PCtxtHandle,
    _pToken: PSecBufferDesc,
) -> SECURITY_STATUS {
    run(|| {
        context(phContext)?;
        Ok(SEC_E_OK)
    })
}

pub unsafe fn delete_security_context(phContext: PCtxtHandle) -> SECURITY_STATUS {
    match buffers::handle(phContext).and_then(|h| CONTEXTS.remove(&h)) {
        Some(_) => SEC_E_OK,
        None => SEC_E_INVALID_HANDLE,
    }
}

/// Exports that exist on Windows but have nothing to do for NTLM here: a valid handle gets
/// `valid` (what Windows answers when it cannot do the operation), a bad one
/// SEC_E_INVALID_HANDLE.
pub unsafe fn on_context(phContext: PCtxtHandle, valid: SECURITY_STATUS) -> SECURITY_STATUS {
    run(|| {
        context(phContext)?;
        Ok(valid)
    })
}

/// ImpersonateSecurityContext and RevertSecurityContext. No identity change is possible in
/// this library, so they answer SEC_E_NO_IMPERSONATION, as a package without impersonation
/// does; a host that refuses every login without them (FreeRDP's NLA server) can opt in to
/// treating them as successful no-ops with `NTLMSSP_IMPERSONATE=noop`.
pub unsafe fn impersonation(phContext: PCtxtHandle) -> SECURITY_STATUS {
    static NOOP: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let noop =
        *NOOP.get_or_init(|| std::env::var_os("NTLMSSP_IMPERSONATE").is_some_and(|v| v == "noop"));
    on_context(
        phContext,
        if noop {
            SEC_E_OK
        } else {
            SEC_E_NO_IMPERSONATION
        },
    )
}

pub unsafe fn on_credential(phCredential: PCredHandle, valid: SECURITY_STATUS) -> SECURITY_STATUS {
    run(|| {
        credential(phCredential)?;
        Ok(valid)
    })
}

// ---------------------------------------------------------------------------------------------
// Package information

/// One block holding an array of SecPkgInfo and their strings, freed by one FreeContextBuffer.
fn alloc_package_infos<C: Charset>(packages: &[Package]) -> Result<*mut c_void, SECURITY_STATUS> {
    let strings: Vec<[Vec<C::Char>; 2]> = packages
        .iter()
        .map(|p| [C::encode_z(p.name()), C::encode_z(p.info().0)])
        .collect();
    let head = core::mem::size_of::<SecPkgInfoW>() * packages.len();
    let ch = core::mem::size_of::<C::Char>();
    let total = head
        + strings
            .iter()
            .map(|[n, c]| (n.len() + c.len()) * ch)
            .sum::<usize>();
    let block = alloc::allocate(total).ok_or(SEC_E_INSUFFICIENT_MEMORY)?;
    // SAFETY: `block` holds `total` bytes: the structs, then every string; the structs'
    // alignment is that of malloc's result, and SecPkgInfoA and SecPkgInfoW share one layout
    // (asserted in types.rs).
    unsafe {
        let mut text = block.add(head);
        for (i, (package, [name, comment])) in packages.iter().zip(&strings).enumerate() {
            let name_p = text;
            let comment_p = name_p.add(name.len() * ch);
            text = comment_p.add(comment.len() * ch);
            core::ptr::copy_nonoverlapping(name.as_ptr() as *const u8, name_p, name.len() * ch);
            core::ptr::copy_nonoverlapping(
                comment.as_ptr() as *const u8,
                comment_p,
                comment.len() * ch,
            );
            let (_, capabilities, rpcid, max_token) = package.info();
            (block as *mut SecPkgInfoW).add(i).write(SecPkgInfoW {
                fCapabilities: capabilities,
                wVersion: PACKAGE_VERSION,
                wRPCID: rpcid,
                cbMaxToken: max_token,
                Name: name_p.cast(),
                Comment: comment_p.cast(),
            });
        }
    }
    Ok(block.cast())
}

fn alloc_package_info<C: Charset>(package: Package) -> Result<*mut c_void, SECURITY_STATUS> {
    alloc_package_infos::<C>(&[package])
}

/// A NUL-terminated string in a new block.
fn alloc_string<C: Charset>(s: &str) -> Result<*mut c_void, SECURITY_STATUS> {
    let z = C::encode_z(s);
    // SAFETY: viewing a slice of plain integers as its bytes.
    let bytes = unsafe {
        core::slice::from_raw_parts(
            z.as_ptr() as *const u8,
            z.len() * core::mem::size_of::<C::Char>(),
        )
    };
    alloc::allocate_copy(bytes)
        .map(|p| p.cast())
        .ok_or(SEC_E_INSUFFICIENT_MEMORY)
}

pub unsafe fn query_security_package_info<C: Charset>(
    pszPackageName: *const C::Char,
    ppPackageInfo: *mut *mut c_void,
) -> SECURITY_STATUS {
    run(|| {
        let package = package_named::<C>(pszPackageName)?;
        if ppPackageInfo.is_null() {
            return Err(SEC_E_INVALID_PARAMETER);
        }
        buffers::put(ppPackageInfo, alloc_package_info::<C>(package)?);
        Ok(SEC_E_OK)
    })
}

pub unsafe fn enumerate_security_packages<C: Charset>(
    pcPackages: PULONG,
    ppPackageInfo: *mut *mut c_void,
) -> SECURITY_STATUS {
    run(|| {
        if pcPackages.is_null() || ppPackageInfo.is_null() {
            return Err(SEC_E_INVALID_PARAMETER);
        }
        let info = alloc_package_infos::<C>(&Package::ALL)?;
        buffers::put(pcPackages, Package::ALL.len() as ULONG);
        buffers::put(ppPackageInfo, info);
        Ok(SEC_E_OK)
    })
}

pub unsafe fn free_context_buffer(pvContextBuffer: *mut c_void) -> SECURITY_STATUS {
    if pvContextBuffer.is_null() {
        // Windows accepts freeing NULL.
        return SEC_E_OK;
    }
    if alloc::free(pvContextBuffer.cast()) {
        SEC_E_OK
    } else {
        SEC_E_INVALID_HANDLE
    }
}

// ---------------------------------------------------------------------------------------------
// QueryContextAttributes

pub unsafe fn query_context_attributes<C: Charset>(
    phContext: PCtxtHandle,
    ulAttribute: ULONG,
    pBuffer: *mut c_void,
) -> SECURITY_STATUS {
    run(|| {
        let shared = context(phContext)?;
        if pBuffer.is_null() {
            return Err(SEC_E_INVALID_PARAMETER);
        }
        let ctx = shared.lock();
        super::panic::note_package(ctx.package().name());
        let (attrs, established) = (ctx.attrs(), ctx.established());
        match ulAttribute {
            SECPKG_ATTR_SIZES => buffers::put(
                pBuffer as *mut SecPkgContext_Sizes,
                SecPkgContext_Sizes {
                    cbMaxToken: MAX_TOKEN,
                    cbMaxSignature: MAX_SIGNATURE,
                    cbBlockSize: 0,
                    cbSecurityTrailer: MAX_SIGNATURE,
                },
            ),
            SECPKG_ATTR_FLAGS => buffers::put(
                pBuffer as *mut SecPkgContext_Flags,
                SecPkgContext_Flags { Flags: attrs },
            ),
            SECPKG_ATTR_LIFESPAN => buffers::put(
                pBuffer as *mut SecPkgContext_Lifespan,
                SecPkgContext_Lifespan {
                    tsStart: 0,
                    tsExpiry: NEVER,
                },
            ),
            SECPKG_ATTR_NAMES => {
                let name = match (&*ctx, established) {
                    (_, Some(e)) => credentials::qualified_name(&e.domain, &e.user),
                    (Context::Client { client, .. }, None) => client.credential().display_name(),
                    (Context::NegotiateClient { nego, .. }, None) => {
                        nego.ntlm().credential().display_name()
                    }
                    (Context::Server { .. } | Context::NegotiateServer { .. }, None) => {
                        return Err(SEC_E_INVALID_HANDLE)
                    }
                };
                buffers::put(pBuffer as *mut *mut c_void, alloc_string::<C>(&name)?);
            }
            SECPKG_ATTR_SESSION_KEY => {
                let e = established.ok_or(SEC_E_INVALID_HANDLE)?;
                let key = alloc::allocate_copy(&e.exported_session_key.0)
                    .ok_or(SEC_E_INSUFFICIENT_MEMORY)?;
                buffers::put(
                    pBuffer as *mut SecPkgContext_SessionKey,
                    SecPkgContext_SessionKey {
                        SessionKeyLength: 16,
                        SessionKey: key,
                    },
                );
            }
            SECPKG_ATTR_KEY_INFO => {
                let e = established.ok_or(SEC_E_INVALID_HANDLE)?;
                let ess = has(e.flags, nf::NEGOTIATE_EXTENDED_SESSIONSECURITY);
                let (sig_name, sig_alg) = if ess {
                    ("HMAC-MD5", 0xFFFF_FF76u32)
                } else {
                    ("RSADSI RC4-CRC32", 0xFFFF_FF7C)
                };
                let key_size = if has(e.flags, nf::NEGOTIATE_128) {
                    128
                } else if has(e.flags, nf::NEGOTIATE_56) {
                    56
                } else {
                    40
                };
                let sig = alloc_string::<C>(sig_name)?;
                let enc = match alloc_string::<C>("RSADSI RC4") {
                    Ok(p) => p,
                    Err(e) => {
                        alloc::free(sig.cast());
                        return Err(e);
                    }
                };
                buffers::put(
                    pBuffer as *mut SecPkgContext_KeyInfoW,
                    SecPkgContext_KeyInfoW {
                        sSignatureAlgorithmName: sig.cast(),
                        sEncryptAlgorithmName: enc.cast(),
                        KeySize: key_size,
                        SignatureAlgorithm: sig_alg,
                        EncryptAlgorithm: CALG_RC4,
                    },
                );
            }
            SECPKG_ATTR_PACKAGE_INFO => {
                buffers::put(
                    pBuffer as *mut SecPkgContext_PackageInfoW,
                    SecPkgContext_PackageInfoW {
                        PackageInfo: alloc_package_info::<C>(ctx.package())?.cast(),
                    },
                );
            }
            SECPKG_ATTR_NEGOTIATION_INFO => {
                // The package negotiated, which is always NTLM (what Windows reports for a
                // Negotiate context that chose NTLM, and for an NTLM one).
                let state = if established.is_some() {
                    SECPKG_NEGOTIATION_COMPLETE
                } else {
                    SECPKG_NEGOTIATION_IN_PROGRESS
                };
                buffers::put(
                    pBuffer as *mut SecPkgContext_NegotiationInfoW,
                    SecPkgContext_NegotiationInfoW {
                        PackageInfo: alloc_package_info::<C>(Package::Ntlm)?.cast(),
                        NegotiationState: state,
                    },
                );
            }
            _ => return Err(SEC_E_UNSUPPORTED_FUNCTION),
        }
        Ok(SEC_E_OK)
    })
}

// ---------------------------------------------------------------------------------------------
// Message signing and sealing (MS-NLMP 3.4)

/// Up to this many buffers are gathered on the stack, so signing and sealing never allocate.
type Gathered<T> = SmallVec<[T; 8]>;

/// The descriptor of a message to sign, verify, seal or unseal. No buffer that is written —
/// the TOKEN (the signature), and with `sealing` the DATA buffers being sealed or unsealed —
/// may share memory with another taking part.
unsafe fn message<'a>(
    pMessage: PSecBufferDesc,
    sealing: bool,
) -> Result<&'a mut [SecBuffer], SECURITY_STATUS> {
    let bufs = buffers::descriptor(pMessage)?.ok_or(SEC_E_INVALID_TOKEN)?;
    let taking_part = bufs
        .iter()
        .filter(|b| signed(b) || base_type(b) == SECBUFFER_TOKEN);
    if buffers::overlapping(taking_part.map(|b| {
        (
            b,
            base_type(b) == SECBUFFER_TOKEN || (sealing && encrypted(b)),
        )
    })) {
        return Err(SEC_E_INVALID_TOKEN);
    }
    Ok(bufs)
}

/// The TOKEN buffer (the signature) of a message, which must hold 16 bytes.
unsafe fn signature_buffer<'a>(bufs: &mut [SecBuffer]) -> Result<&'a mut [u8], SECURITY_STATUS> {
    let b = buffers::find(bufs, SECBUFFER_TOKEN).ok_or(SEC_E_INVALID_TOKEN)?;
    if (b.cbBuffer as usize) < 16 {
        return Err(SEC_E_BUFFER_TOO_SMALL);
    }
    let b = &*b;
    buffers::bytes_mut(b)
}

/// Whether a buffer takes part: DATA buffers, except read-only ones without checksum.
fn signed(b: &SecBuffer) -> bool {
    base_type(b) == SECBUFFER_DATA
        && (b.BufferType & SECBUFFER_READONLY == 0
            || b.BufferType & SECBUFFER_READONLY_WITH_CHECKSUM != 0)
}

fn encrypted(b: &SecBuffer) -> bool {
    base_type(b) == SECBUFFER_DATA && b.BufferType & SECBUFFER_ATTRMASK == 0
}

/// Runs `f` on an established context's session state.
fn with_session<R>(
    phContext: PCtxtHandle,
    f: impl FnOnce(&mut crate::nlmp::session::SessionSecurity, bool) -> Result<R, SECURITY_STATUS>,
) -> Result<R, SECURITY_STATUS> {
    // SAFETY: the export's caller passes a handle pointer or NULL.
    let shared = unsafe { context(phContext) }?;
    let mut ctx = shared.lock();
    super::panic::note_package(ctx.package().name());
    let e = ctx.established_mut().ok_or(SEC_E_INVALID_HANDLE)?;
    let datagram = has(e.flags, nf::NEGOTIATE_DATAGRAM);
    f(&mut e.session, datagram)
}

pub unsafe fn make_signature(
    phContext: PCtxtHandle,
    fQOP: ULONG,
    pMessage: PSecBufferDesc,
    MessageSeqNo: ULONG,
) -> SECURITY_STATUS {
    run(|| {
        if fQOP != 0 {
            return Err(SEC_E_QOP_NOT_SUPPORTED);
        }
        let bufs = message(pMessage, false)?;
        with_session(phContext, |session, datagram| {
            let mut data: Gathered<&[u8]> = SmallVec::new();
            for b in bufs.iter().filter(|b| signed(b)) {
                data.push(buffers::bytes(b)?);
            }
            let sig_buf = signature_buffer(bufs)?;
            let sig = session.sign(datagram.then_some(MessageSeqNo), &data);
            sig_buf[..16].copy_from_slice(&sig);
            if let Some(t) = buffers::find(bufs, SECBUFFER_TOKEN) {
                t.cbBuffer = 16;
            }
            Ok(SEC_E_OK)
        })
    })
}

pub unsafe fn verify_signature(
    phContext: PCtxtHandle,
    pMessage: PSecBufferDesc,
    MessageSeqNo: ULONG,
    _pfQOP: PULONG,
) -> SECURITY_STATUS {
    run(|| {
        let bufs = message(pMessage, false)?;
        with_session(phContext, |session, datagram| {
            let mut data: Gathered<&[u8]> = SmallVec::new();
            for b in bufs.iter().filter(|b| signed(b)) {
                data.push(buffers::bytes(b)?);
            }
            let sig = signature_buffer(bufs)?;
            session
                .verify(datagram.then_some(MessageSeqNo), &data, &sig[..16])
                .map_err(status)?;
            Ok(SEC_E_OK)
        })
    })
}

pub unsafe fn encrypt_message(
    phContext: PCtxtHandle,
    fQOP: ULONG,
    pMessage: PSecBufferDesc,
    MessageSeqNo: ULONG,
) -> SECURITY_STATUS {
    run(|| {
        let sign_only = match fQOP {
            0 => false,
            SECQOP_WRAP_NO_ENCRYPT => true,
            _ => return Err(SEC_E_QOP_NOT_SUPPORTED),
        };
        let bufs = message(pMessage, !sign_only)?;
        with_session(phContext, |session, datagram| {
            let seq = datagram.then_some(MessageSeqNo);
            let sig_buf = signature_buffer(bufs)?;
            let sig = if sign_only {
                let mut data: Gathered<&[u8]> = SmallVec::new();
                for b in bufs.iter().filter(|b| signed(b)) {
                    data.push(buffers::bytes(b)?);
                }
                session.sign(seq, &data)
            } else {
                let mut segs: Gathered<Segment<'_>> = SmallVec::new();
                for b in bufs.iter().filter(|b| signed(b)) {
                    segs.push(if encrypted(b) {
                        Segment::Seal(buffers::bytes_mut(b)?)
                    } else {
                        Segment::SignOnly(buffers::bytes(b)?)
                    });
                }
                session.seal(seq, &mut segs)
            };
            sig_buf[..16].copy_from_slice(&sig);
            if let Some(t) = buffers::find(bufs, SECBUFFER_TOKEN) {
                t.cbBuffer = 16;
            }
            Ok(SEC_E_OK)
        })
    })
}

pub unsafe fn decrypt_message(
    phContext: PCtxtHandle,
    pMessage: PSecBufferDesc,
    MessageSeqNo: ULONG,
    _pfQOP: PULONG,
) -> SECURITY_STATUS {
    run(|| {
        let bufs = message(pMessage, true)?;
        with_session(phContext, |session, datagram| {
            let sig = signature_buffer(bufs)?;
            let mut signature = [0u8; 16];
            signature.copy_from_slice(&sig[..16]);
            let mut segs: Gathered<Segment<'_>> = SmallVec::new();
            for b in bufs.iter().filter(|b| signed(b)) {
                segs.push(if encrypted(b) {
                    Segment::Seal(buffers::bytes_mut(b)?)
                } else {
                    Segment::SignOnly(buffers::bytes(b)?)
                });
            }
            session
                .unseal(datagram.then_some(MessageSeqNo), &mut segs, &signature)
                .map_err(status)?;
            Ok(SEC_E_OK)
        })
    })
}
