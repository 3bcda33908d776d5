//! The objects behind credential and context handles, and the handle tables that hold them.

use std::sync::{Arc, OnceLock};

use arc_swap::ArcSwap;

use super::buffers;
use super::domain::CallingUser;
use super::handles::{my_shard, Entry, Kind, Locked, LockedTable, SharedTable, SHARDS};
use super::packages::Package;
use super::types::*;
use crate::nlmp::client::{Client, Established};
use crate::nlmp::credentials::ClientCredential;
use crate::nlmp::policy::Policy;
use crate::nlmp::server::{Server, ServerConfig};
use crate::spnego::context::{Acceptor, Initiator};

/// A credential handle's object.
pub struct Credential {
    pub(super) package: Package,
    pub(super) use_flags: ULONG,
    /// Negotiate: the identity's PackageList leaves out NTLM, the one mechanism here, so
    /// contexts on this credential have none (SEC_E_NO_CREDENTIALS when they start).
    pub(super) ntlm_excluded: bool,
    pub(super) client: Option<Copies<ClientCredential>>,
    /// OUTBOUND with NULL `pAuthData` and no user-file entry at acquire: the calling user,
    /// looked up at InitializeSecurityContext.
    pub(super) calling_user: Option<Arc<CallingUser>>,
    /// What server contexts share; contexts take a reference when they start. Replaced whole
    /// by NtlmSetNtHashCallback (read without a lock or a shared write).
    pub(super) server: ArcSwap<Copies<ServerConfig>>,
    pub(super) policy: Policy,
    pub(super) workstation: String,
}

/// One object as copies, one for each group of threads the handle table deals a shard to
/// ([`my_shard`]). A context takes a reference to its thread's copy, so threads logging on with
/// one credential write different reference counts instead of passing one cache line between
/// their cores (the types copied are aligned to cache lines of their own). The creating
/// thread's group uses the object itself; another group's copy is made at its first use, so a
/// credential used by one thread holds one.
pub(super) struct Copies<T> {
    original: Arc<T>,
    copies: [OnceLock<Arc<T>>; SHARDS],
}

impl<T: Clone> Copies<T> {
    pub(super) fn new(value: T) -> Self {
        let original = Arc::new(value);
        let copies: [OnceLock<Arc<T>>; SHARDS] = Default::default();
        let _ = copies[my_shard()].set(original.clone());
        Copies { original, copies }
    }

    /// This thread's copy.
    #[inline]
    pub(super) fn mine(&self) -> &Arc<T> {
        self.copies[my_shard()].get_or_init(|| Arc::new((*self.original).clone()))
    }
}

impl<T> core::ops::Deref for Copies<T> {
    type Target = T;

    /// The object, for reading.
    fn deref(&self) -> &T {
        &self.original
    }
}

/// A context handle's object. `attrs` are the ISC/ASC_RET attributes the last leg returned
/// (SECPKG_ATTR_FLAGS); a client's `context_req` is the request of the call that started its
/// authentication, which the completing call's attributes answer as Windows does.
pub(super) enum Context {
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
        context_req: ULONG,
        attrs: ULONG,
    },
    NegotiateServer {
        nego: Acceptor,
        attrs: ULONG,
    },
}

impl Context {
    #[inline]
    pub(super) fn established(&self) -> Option<&Established> {
        match self {
            Context::Client { client, .. } => client.established(),
            Context::Server { server, .. } => server.established(),
            Context::NegotiateClient { nego, .. } => nego.established(),
            Context::NegotiateServer { nego, .. } => nego.established(),
        }
    }

    #[inline]
    pub(super) fn established_mut(&mut self) -> Option<&mut Established> {
        match self {
            Context::Client { client, .. } => client.established_mut(),
            Context::Server { server, .. } => server.established_mut(),
            Context::NegotiateClient { nego, .. } => nego.established_mut(),
            Context::NegotiateServer { nego, .. } => nego.established_mut(),
        }
    }

    #[inline]
    pub(super) fn attrs(&self) -> ULONG {
        match self {
            Context::Client { attrs, .. } | Context::Server { attrs, .. } => *attrs,
            Context::NegotiateClient { attrs, .. } | Context::NegotiateServer { attrs, .. } => {
                *attrs
            }
        }
    }

    #[inline]
    pub(super) fn package(&self) -> Package {
        match self {
            Context::Client { .. } | Context::Server { .. } => Package::Ntlm,
            Context::NegotiateClient { .. } | Context::NegotiateServer { .. } => Package::Negotiate,
        }
    }
}

pub(super) static CREDENTIALS: SharedTable<Credential> = SharedTable::new(Kind::Credential);
pub(super) static CONTEXTS: LockedTable<Context> = LockedTable::new(Kind::Context);

/// Live credential and context handles (leak checks in tests).
pub fn live_handles() -> (usize, usize) {
    (CREDENTIALS.len(), CONTEXTS.len())
}

#[inline]
pub(super) unsafe fn credential(p: PCredHandle) -> Result<Arc<Entry<Credential>>, SECURITY_STATUS> {
    buffers::handle(p)
        .and_then(|h| CREDENTIALS.get(&h))
        .ok_or(SEC_E_INVALID_HANDLE)
}

/// Runs `f` on a credential without taking a reference to it (see [`HandleTable::with`]).
pub(super) unsafe fn with_credential<R>(
    p: PCredHandle,
    f: impl FnOnce(&Credential) -> Result<R, SECURITY_STATUS>,
) -> Result<R, SECURITY_STATUS> {
    buffers::handle(p)
        .and_then(|h| CREDENTIALS.with(&h, |c| f(c)))
        .unwrap_or(Err(SEC_E_INVALID_HANDLE))
}

/// A context, locked while the call works on it.
#[inline]
pub(super) unsafe fn context(p: PCtxtHandle) -> Result<Locked<'static, Context>, SECURITY_STATUS> {
    buffers::handle(p)
        .and_then(|h| CONTEXTS.lock(&h))
        .ok_or(SEC_E_INVALID_HANDLE)
}
