//! The machine's domain, at the edge: where a server credential's users and a client
//! credential's calling user come from when the caller names neither (`NTLM_USER_FILE` unset,
//! NULL `pAuthData`).
//!
//! - Server ([`server_source`]): on a member of an Active Directory domain whose winbindd
//!   answers when the credential is acquired, the domain controller verifies each logon
//!   (`users::domain`, asked through `winbind`) and the CHALLENGE names the member as its
//!   domain knows it. The credential keeps that route for its life: while winbindd or the DC is
//!   unreachable, logons fail with SEC_E_NO_AUTHENTICATING_AUTHORITY within winbind's bounded
//!   wait, and succeed again once they are back.
//! - Client ([`CallingUser`]): a credential for "the calling user", looked up at its first
//!   InitializeSecurityContext: the user file's entry, else winbindd's cached credentials of
//!   the process's user, which answer each CHALLENGE without the password entering this process.
//!
//! Only Unix hosts have winbind; the Windows DLL has the user file alone.

use std::sync::Arc;

use parking_lot::Mutex;

use super::types::*;
use crate::inspect::trace;
use crate::nlmp::credentials::ClientCredential;
use crate::nlmp::server::ServerNames;
use crate::nlmp::verifier::Verifier;
use crate::users;

/// The domain route for a server credential, decided when it is acquired: the verifier and
/// the names its CHALLENGEs announce, or `None` (the trace says why).
pub fn server_source() -> Option<(Arc<dyn Verifier>, ServerNames)> {
    imp::server_source()
}

/// The calling user of an OUTBOUND credential acquired with NULL `pAuthData` and no usable
/// user-file entry: looked up at the credential's first InitializeSecurityContext, and kept once
/// found.
#[derive(Default)]
pub struct CallingUser {
    found: Mutex<Option<Arc<ClientCredential>>>,
}

impl CallingUser {
    /// The user's credential, from the first source that has its secret, in order: the user
    /// file (`NTLM_USER_FILE`, `NTLM_USER`), then winbindd's credential cache for the process's
    /// user. None has it: SEC_E_NO_CREDENTIALS, and the next call looks again.
    pub fn credential(&self) -> Result<Arc<ClientCredential>, SECURITY_STATUS> {
        if let Some(c) = self.found.lock().clone() {
            return Ok(c);
        }
        let mut tried = Vec::new();
        let found = match users::default_client_credential() {
            Ok(c) => Some(c),
            Err(_) => {
                tried.push(match std::env::var_os(users::NTLM_USER_FILE_VAR) {
                    None => "NTLM_USER_FILE is not set".to_owned(),
                    Some(p) => format!(
                        "NTLM_USER_FILE {} has no usable entry{}",
                        std::path::Path::new(&p).display(),
                        std::env::var(users::NTLM_USER_VAR)
                            .map(|u| format!(" for NTLM_USER {u}"))
                            .unwrap_or_default()
                    ),
                });
                imp::cached_credential(&mut tried)
            }
        };
        let Some(c) = found else {
            trace::event(0, || {
                format!(
                    "InitializeSecurityContext: no credentials for the calling user: {}",
                    tried.join("; ")
                )
            });
            return Err(SEC_E_NO_CREDENTIALS);
        };
        let c = Arc::new(c);
        trace::event(0, || {
            format!(
                "InitializeSecurityContext: the calling user is {}{}",
                c.display_name(),
                if c.external.is_some() {
                    " (winbindd's cached credentials)"
                } else {
                    " (NTLM_USER_FILE)"
                }
            )
        });
        *self.found.lock() = Some(c.clone());
        Ok(c)
    }

    /// The best-known name (QueryCredentialsAttributes NAMES): the user found, else the
    /// process's user as winbind names it ("DOMAIN\user"), else as the system does.
    pub fn display_name(&self) -> String {
        if let Some(c) = self.found.lock().as_ref() {
            return c.display_name();
        }
        imp::owner_name()
    }
}

#[cfg(unix)]
mod imp {
    use std::sync::Arc;

    use super::super::winbind::{self, CachedLogon, Winbind};
    use crate::inspect::trace;
    use crate::nlmp::credentials::{
        qualified_name, ClientCredential, ExternalAnswer, ExternalAuthenticator, Secret16,
    };
    use crate::nlmp::error::{Error, Result};
    use crate::nlmp::server::ServerNames;
    use crate::nlmp::verifier::Verifier;
    use crate::users::domain::{
        DomainAuthority, DomainError, DomainErrorKind, DomainLogon, DomainUsers, ResponseCheck,
    };

    impl DomainAuthority for Winbind {
        fn check_response(
            &self,
            r: &ResponseCheck<'_>,
        ) -> core::result::Result<DomainLogon, DomainError> {
            self.authenticate_response(r.user, r.domain, r.workstation, r.challenge, r.lm, r.nt)
        }
    }

    pub fn server_source() -> Option<(Arc<dyn Verifier>, ServerNames)> {
        let Some(w) = Winbind::shared() else {
            trace::event(0, || {
                format!(
                    "server credential: no NTLM_USER_FILE and no domain route ({}): no users",
                    if winbind::switched_off() {
                        "NTLMSSP_WINBIND switches it off"
                    } else {
                        "libwbclient.so.0 is not installed"
                    }
                )
            });
            return None;
        };
        match w.interface_details() {
            Ok(d) if !d.netbios_domain.is_empty() && !d.netbios_name.is_empty() => {
                let names = ServerNames::for_domain_member(
                    &d.netbios_name,
                    &d.netbios_domain,
                    d.dns_domain.as_deref(),
                );
                trace::event(0, || {
                    format!(
                        "server credential: the domain {} ({}) verifies logons through winbind; \
                         the CHALLENGE names {} ({}) in {}",
                        d.netbios_domain,
                        d.dns_domain.as_deref().unwrap_or("no DNS name"),
                        names.nb_computer,
                        names.dns_computer,
                        names.nb_domain,
                    )
                });
                Some((Arc::new(DomainUsers::new(w)), names))
            }
            Ok(d) => {
                trace::event(0, || {
                    format!("server credential: no NTLM_USER_FILE, and winbindd names no domain ({d:?}): no users")
                });
                None
            }
            Err(e) => {
                trace::event(0, || {
                    format!("server credential: no NTLM_USER_FILE, and winbindd did not answer ({e}): no domain route for this credential, no users")
                });
                None
            }
        }
    }

    /// The process's user and its name in the system's user database (None when it has none).
    fn owner() -> (u32, Option<String>) {
        // SAFETY: geteuid cannot fail.
        let uid = unsafe { libc::geteuid() };
        // SAFETY: a passwd of null pointers and zeros is a valid value to be filled.
        let mut pw: libc::passwd = unsafe { core::mem::zeroed() };
        let mut buf = vec![0u8; 16384];
        let mut out: *mut libc::passwd = core::ptr::null_mut();
        // SAFETY: getpwuid_r fills `pw` with pointers into `buf`, both alive across the read of
        // the name below; `out` is NULL or `&mut pw`.
        let r =
            unsafe { libc::getpwuid_r(uid, &mut pw, buf.as_mut_ptr().cast(), buf.len(), &mut out) };
        let name = (r == 0 && !out.is_null() && !pw.pw_name.is_null()).then(|| {
            // SAFETY: a NUL-terminated name in `buf`.
            let name = unsafe { core::ffi::CStr::from_ptr(pw.pw_name) };
            name.to_string_lossy().into_owned()
        });
        (uid, name)
    }

    /// The process's user as its domain names it (user, domain): a name with winbind's
    /// separator ("EXAMPLE\\alice") is split there; a name without one belongs to the domain
    /// when winbindd knows its uid (`winbind use default domain`); a user only winbindd knows
    /// (no entry in the system's database) is named as winbindd names it. Otherwise the user is
    /// a local one, whom no domain credential cache holds.
    fn owner_in_domain(w: &Winbind) -> core::result::Result<(String, String), String> {
        let d = w
            .interface_details()
            .map_err(|e| format!("winbindd did not answer ({e})"))?;
        let (uid, name) = owner();
        let split = |name: String| match name.split_once(d.winbind_separator) {
            Some((domain, user)) => (user.to_owned(), domain.to_owned()),
            None => (name, d.netbios_domain.clone()),
        };
        if let Some(n) = name.as_ref().filter(|n| n.contains(d.winbind_separator)) {
            return Ok(split(n.clone()));
        }
        match w.user_name(uid) {
            Ok(Some(n)) => Ok(split(n)),
            Ok(None) => Err(format!(
                "the process's user {} is not a user of the domain {}",
                name.unwrap_or_else(|| format!("uid {uid}")),
                d.netbios_domain
            )),
            Err(e) => Err(format!("winbindd did not answer ({e})")),
        }
    }

    pub fn owner_name() -> String {
        if let Some(w) = Winbind::shared() {
            if let Ok((user, domain)) = owner_in_domain(w) {
                return qualified_name(&domain, &user);
            }
        }
        // A local user, named as Windows names one: in the machine's own name.
        let (uid, name) = owner();
        qualified_name(
            &crate::nlmp::server::host_name()
                .split('.')
                .next()
                .unwrap_or_default()
                .to_uppercase(),
            &name.unwrap_or_else(|| format!("uid {uid}")),
        )
    }

    pub fn cached_credential(tried: &mut Vec<String>) -> Option<ClientCredential> {
        let Some(w) = Winbind::shared() else {
            tried.push(if winbind::switched_off() {
                "NTLMSSP_WINBIND switches winbind off".to_owned()
            } else {
                "libwbclient.so.0 is not installed".to_owned()
            });
            return None;
        };
        let (user, domain) = match owner_in_domain(w) {
            Ok(n) => n,
            Err(e) => {
                tried.push(format!("winbind: {e}"));
                return None;
            }
        };
        match w.ccache_has(&user, &domain) {
            Ok(true) => Some(ClientCredential::external(
                &user,
                &domain,
                Arc::new(CachedCredentials {
                    winbind: w,
                    user: user.clone(),
                    domain: domain.clone(),
                }),
            )),
            Ok(false) => {
                tried.push(format!(
                    "winbindd holds no cached credentials of {domain}\\{user} for this process's user"
                ));
                None
            }
            Err(e) => {
                tried.push(format!("winbindd's credential cache: {e}"));
                None
            }
        }
    }

    /// A logged-on user's credentials in winbindd's cache (`wbinfo --ccache-save`, pam_winbind's
    /// cached logons): winbindd answers each CHALLENGE with the cached password.
    struct CachedCredentials {
        winbind: &'static Winbind,
        user: String,
        domain: String,
    }

    impl core::fmt::Debug for CachedCredentials {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            write!(
                f,
                "winbindd's cached credentials of {}\\{}",
                self.domain, self.user
            )
        }
    }

    impl ExternalAuthenticator for CachedCredentials {
        fn authenticate(
            &self,
            negotiate: Option<&[u8]>,
            challenge: &[u8],
        ) -> Result<ExternalAnswer> {
            match self
                .winbind
                .ccache_authenticate(&self.user, &self.domain, negotiate, challenge)
            {
                Ok(CachedLogon {
                    authenticate,
                    session_key,
                    ..
                }) => Ok(ExternalAnswer {
                    authenticate,
                    exported_session_key: Secret16(session_key.0),
                }),
                Err(e) => {
                    trace::event(0, || {
                        format!(
                            "InitializeSecurityContext: winbindd's cached credentials of {}\\{}: {e}",
                            self.domain, self.user
                        )
                    });
                    Err(match e.kind {
                        // No cached credentials (any more) for this user and process.
                        DomainErrorKind::Refused => Error::NoCredentials,
                        DomainErrorKind::Unreachable
                        | DomainErrorKind::NotPrivileged
                        | DomainErrorKind::TimedOut => Error::NoAuthority,
                        DomainErrorKind::Invalid => Error::InvalidToken,
                        DomainErrorKind::Failed => Error::Internal,
                    })
                }
            }
        }
    }
}

#[cfg(not(unix))]
mod imp {
    use std::sync::Arc;

    use crate::inspect::trace;
    use crate::nlmp::credentials::{qualified_name, ClientCredential};
    use crate::nlmp::server::ServerNames;
    use crate::nlmp::verifier::Verifier;

    pub fn server_source() -> Option<(Arc<dyn Verifier>, ServerNames)> {
        trace::event(0, || {
            "server credential: no NTLM_USER_FILE and no domain route on Windows: no users"
                .to_owned()
        });
        None
    }

    /// The logged-on user as Windows and Wine name it in the environment.
    pub fn owner_name() -> String {
        let var = |v: &str| std::env::var(v).unwrap_or_default();
        qualified_name(&var("USERDOMAIN"), &var("USERNAME"))
    }

    pub fn cached_credential(tried: &mut Vec<String>) -> Option<ClientCredential> {
        tried.push("no credential cache on Windows".to_owned());
        None
    }
}
