//! The objects behind credential and context handles, and the handle tables that hold them.

use std::sync::Arc;

use parking_lot::Mutex;

use super::buffers;
use super::domain::CallingUser;
use super::handles::{HandleTable, Kind};
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
    pub(super) client: Option<Arc<ClientCredential>>,
    /// OUTBOUND with NULL `pAuthData` and no user-file entry at acquire: the calling user,
    /// looked up at InitializeSecurityContext.
    pub(super) calling_user: Option<Arc<CallingUser>>,
    /// Replaced by [`set_nt_hash_callback`]; contexts take a copy when they start.
    /// Replaced whole by NtlmSetNtHashCallback.
    pub(super) server: Mutex<Arc<ServerConfig>>,
    pub(super) policy: Policy,
    pub(super) workstation: String,
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

pub(super) static CREDENTIALS: HandleTable<Arc<Credential>> = HandleTable::new(Kind::Credential);
pub(super) static CONTEXTS: HandleTable<Arc<Mutex<Context>>> = HandleTable::new(Kind::Context);

/// Live credential and context handles (leak checks in tests).
pub fn live_handles() -> (usize, usize) {
    (CREDENTIALS.len(), CONTEXTS.len())
}

#[inline]
pub(super) unsafe fn credential(p: PCredHandle) -> Result<Arc<Credential>, SECURITY_STATUS> {
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

#[inline]
pub(super) unsafe fn context(p: PCtxtHandle) -> Result<Arc<Mutex<Context>>, SECURITY_STATUS> {
    buffers::handle(p)
        .and_then(|h| CONTEXTS.get(&h))
        .ok_or(SEC_E_INVALID_HANDLE)
}
