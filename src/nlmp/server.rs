//! [MS-NLMP] 3.2 the server: NEGOTIATE in, CHALLENGE out, AUTHENTICATE in and verified.

use std::sync::Arc;

use smallvec::SmallVec;

use super::client::Established;
use super::codec::{decode_name, encode_string, encode_wire};
use super::credentials::{eq_ignore_case, Secret16};
use super::crypto::{self, Mode};
use super::env::Environment;
use super::error::{Denial, Error, Failure, Result};
use super::flags::{self, has};
use super::messages::{
    self, av_flags, av_id, Authenticate, AvPairsBuilder, Challenge, Negotiate,
    Ntlmv2ClientChallenge, Version,
};
use super::name::Name;
use super::policy::Policy;
use super::session::SessionSecurity;
use super::verifier::{Logon, Response, ServerCredential, Verified};

/// The names a server announces in its CHALLENGE TargetInfo (2.2.2.1), and the SPNs it answers
/// to (checked against the client's MsvAvTargetName when not empty).
#[derive(Debug, Clone, Default)]
pub struct ServerNames {
    pub nb_computer: String,
    pub nb_domain: String,
    pub dns_computer: String,
    pub dns_domain: String,
    /// When not empty, a client that names a target (MsvAvTargetName) must name one of these.
    pub accepted_targets: Vec<String>,
    /// The server is a member of the domain it names: the CHALLENGE's TargetName is the NetBIOS
    /// domain name with NTLMSSP_TARGET_TYPE_DOMAIN (3.2.5.1.1), else the NetBIOS computer name
    /// with NTLMSSP_TARGET_TYPE_SERVER.
    pub domain_member: bool,
}

/// Environment variables that override the names taken from the host.
pub const NB_COMPUTER_NAME_VAR: &str = "NTLM_NB_COMPUTER_NAME";
pub const NB_DOMAIN_NAME_VAR: &str = "NTLM_NB_DOMAIN_NAME";
pub const DNS_COMPUTER_NAME_VAR: &str = "NTLM_DNS_COMPUTER_NAME";
pub const DNS_DOMAIN_NAME_VAR: &str = "NTLM_DNS_DOMAIN_NAME";
/// Comma-separated SPNs the server accepts in MsvAvTargetName.
pub const TARGET_NAMES_VAR: &str = "NTLM_TARGET_NAMES";

impl ServerNames {
    /// Names from the environment variables above, else from the host name: the NetBIOS
    /// computer name is its first label in upper case (at most 15 characters), the DNS name is
    /// the host name, and — as on a Windows server in a workgroup — the domain names are the
    /// computer's own.
    pub fn from_env() -> Self {
        let host = host_name();
        let short = host.split('.').next().unwrap_or("").to_uppercase();
        let nb_computer = var_or(NB_COMPUTER_NAME_VAR, || short.chars().take(15).collect());
        let dns_computer = var_or(DNS_COMPUTER_NAME_VAR, || host.to_lowercase());
        let nb_domain = var_or(NB_DOMAIN_NAME_VAR, || nb_computer.clone());
        let dns_domain = var_or(DNS_DOMAIN_NAME_VAR, || match host.split_once('.') {
            Some((_, d)) if !d.is_empty() => d.to_lowercase(),
            _ => dns_computer.clone(),
        });
        let accepted_targets = std::env::var(TARGET_NAMES_VAR)
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        ServerNames {
            nb_computer,
            nb_domain,
            dns_computer,
            dns_domain,
            accepted_targets,
            domain_member: false,
        }
    }

    /// The names of a member of a domain, as its domain knows it: its NetBIOS name, the domain's
    /// NetBIOS and DNS names; its DNS name is the host's when the host name is in that DNS
    /// domain, else the NetBIOS name in lower case within it. A domain controller checks an
    /// NTLMv2 response's MsvAvNbComputerName and MsvAvNbDomainName against the member's machine
    /// account, so these must be the member's own. The environment variables above still
    /// override each; without a DNS domain the DNS names are [`ServerNames::from_env`]'s.
    pub fn for_domain_member(nb_computer: &str, nb_domain: &str, dns_domain: Option<&str>) -> Self {
        let base = Self::from_env();
        let (dns_computer, dns_domain) = match dns_domain.filter(|d| !d.is_empty()) {
            Some(d) => {
                let d = d.to_lowercase();
                let host = host_name().to_lowercase();
                let in_domain = host
                    .strip_suffix(&d)
                    .is_some_and(|h| h.ends_with('.') && h.len() > 1);
                let computer = if in_domain {
                    host
                } else {
                    format!("{}.{d}", nb_computer.to_lowercase())
                };
                (
                    var_or(DNS_COMPUTER_NAME_VAR, || computer),
                    var_or(DNS_DOMAIN_NAME_VAR, || d),
                )
            }
            None => (base.dns_computer, base.dns_domain),
        };
        ServerNames {
            nb_computer: var_or(NB_COMPUTER_NAME_VAR, || nb_computer.to_owned()),
            nb_domain: var_or(NB_DOMAIN_NAME_VAR, || nb_domain.to_owned()),
            dns_computer,
            dns_domain,
            accepted_targets: base.accepted_targets,
            domain_member: true,
        }
    }
}

/// The name a CHALLENGE's TargetName carries (3.2.5.1.1).
fn target_name(n: &ServerNames) -> &str {
    if n.domain_member {
        &n.nb_domain
    } else {
        &n.nb_computer
    }
}

fn var_or(name: &str, default: impl FnOnce() -> String) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(default)
}

/// The host name, without calling into C: `COMPUTERNAME` on Windows, the kernel's name on
/// Linux, `HOSTNAME` elsewhere; "localhost" when nothing is known.
pub fn host_name() -> String {
    let from_env = |v: &str| std::env::var(v).ok().filter(|s| !s.trim().is_empty());
    let name = if cfg!(windows) {
        from_env("COMPUTERNAME")
    } else {
        None
    }
    .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
    .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
    .or_else(|| from_env("HOSTNAME"))
    .unwrap_or_default();
    let name = name.trim();
    if name.is_empty() {
        "localhost".to_owned()
    } else {
        name.to_owned()
    }
}

/// The state a leg moves the server to; see [`Server::advance`].
#[derive(Debug)]
pub struct Pending(State);

impl Pending {
    /// The context the AUTHENTICATE leg completes: the SPNEGO layer checks and signs its
    /// mechListMIC with it before the state is committed.
    pub fn established_mut(&mut self) -> Option<&mut Established> {
        match &mut self.0 {
            State::Complete(e) => Some(e),
            _ => None,
        }
    }

    /// The CHALLENGE_MESSAGE the first leg answers, kept in the state for the MIC.
    pub fn challenge_token(&self) -> Option<&[u8]> {
        match &self.0 {
            State::ChallengeSent {
                messages,
                challenge_at,
                ..
            } => messages.get(*challenge_at..),
            _ => None,
        }
    }

    /// The CHALLENGE_MESSAGE as a token of its own, and the state.
    fn with_token(self) -> (Vec<u8>, Pending) {
        (self.challenge_token().unwrap_or_default().to_vec(), self)
    }
}

#[derive(Debug)]
enum State {
    Initial,
    /// `messages` is the NEGOTIATE_MESSAGE followed by the CHALLENGE_MESSAGE (the MIC covers
    /// both), in one buffer; the CHALLENGE starts at `challenge_at`.
    ChallengeSent {
        messages: Vec<u8>,
        challenge_at: usize,
        server_challenge: [u8; 8],
        flags: u32,
        timestamp: u64,
    },
    Complete(Box<Established>),
    /// A failed logon: the context answers nothing more, it can only be deleted.
    Failed,
}

/// What every context of one server credential shares, behind one `Arc`: a new context costs
/// one reference count, not one per part (on a server running contexts on many threads, each
/// shared count is a cache line the threads pass around). Aligned to cache lines of its own, so
/// that copies of it (one per group of threads, src/sspi/objects.rs) never share a line with
/// each other's reference counts.
#[derive(Clone)]
#[repr(align(128))]
pub struct ServerConfig {
    pub credential: ServerCredential,
    names: ServerNames,
    /// The CHALLENGE's TargetInfo for these names, built once: the names, MsvAvTimestamp (zero
    /// here, each CHALLENGE's own time written in) and MsvAvEOL. Names too long for an AV pair
    /// (65535 bytes) fail each CHALLENGE, as when the pairs were built per CHALLENGE.
    target_info: Result<TargetInfo>,
    pub policy: Policy,
    pub env: Arc<dyn Environment>,
}

#[derive(Clone)]
struct TargetInfo {
    pairs: Vec<u8>,
    timestamp_at: usize,
    /// The CHALLENGE's TargetName in UTF-16LE (3.2.5.1.1: the domain's NetBIOS name for a
    /// member of a domain, else the computer's).
    target_name_utf16: Box<[u8]>,
}

impl TargetInfo {
    fn new(n: &ServerNames) -> Result<Self> {
        let names = 2
            * (n.nb_domain.len() + n.nb_computer.len() + n.dns_domain.len() + n.dns_computer.len());
        let mut pairs = AvPairsBuilder::with_capacity(names + 36);
        pairs
            .push_utf16(av_id::NB_DOMAIN_NAME, &n.nb_domain)?
            .push_utf16(av_id::NB_COMPUTER_NAME, &n.nb_computer)?
            .push_utf16(av_id::DNS_DOMAIN_NAME, &n.dns_domain)?
            .push_utf16(av_id::DNS_COMPUTER_NAME, &n.dns_computer)?
            .push(av_id::TIMESTAMP, &[0; 8])?;
        let pairs = pairs.finish();
        // The timestamp's value is the last 8 bytes before MsvAvEOL.
        let timestamp_at = pairs.len() - 4 - 8;
        Ok(TargetInfo {
            pairs,
            timestamp_at,
            target_name_utf16: encode_string(target_name(n), true).into(),
        })
    }
}

impl ServerConfig {
    pub fn new(
        credential: ServerCredential,
        names: ServerNames,
        policy: Policy,
        env: Arc<dyn Environment>,
    ) -> Self {
        ServerConfig {
            credential,
            target_info: TargetInfo::new(&names),
            names,
            policy,
            env,
        }
    }

    pub fn names(&self) -> &ServerNames {
        &self.names
    }
}

/// The server side of one context.
pub struct Server {
    config: Arc<ServerConfig>,
    version: Version,
    state: State,
    /// Why the last AUTHENTICATE was refused, for the trace.
    denial: Option<Denial>,
}

impl core::fmt::Debug for Server {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Server")
            .field("state", &self.state)
            .finish()
    }
}

impl Server {
    pub fn new(
        credential: ServerCredential,
        names: Arc<ServerNames>,
        policy: Policy,
        env: Arc<dyn Environment>,
    ) -> Self {
        Self::with_config(Arc::new(ServerConfig::new(
            credential,
            (*names).clone(),
            policy,
            env,
        )))
    }

    pub fn with_config(config: Arc<ServerConfig>) -> Self {
        Server {
            config,
            version: Version::OURS,
            state: State::Initial,
            denial: None,
        }
    }

    pub fn is_initial(&self) -> bool {
        matches!(self.state, State::Initial)
    }

    pub fn is_complete(&self) -> bool {
        matches!(self.state, State::Complete(_))
    }

    /// The flags chosen for the CHALLENGE_MESSAGE, once it was sent.
    pub fn challenge_flags(&self) -> Option<u32> {
        match &self.state {
            State::ChallengeSent { flags, .. } => Some(*flags),
            State::Complete(e) => Some(e.flags),
            _ => None,
        }
    }

    /// Why the last AUTHENTICATE_MESSAGE was refused, when it was a refusal.
    pub fn denial(&self) -> Option<Denial> {
        self.denial
    }

    /// The policy this server applies.
    pub fn policy(&self) -> Policy {
        self.config.policy
    }

    pub fn established(&self) -> Option<&Established> {
        match &self.state {
            State::Complete(e) => Some(e),
            _ => None,
        }
    }

    pub fn established_mut(&mut self) -> Option<&mut Established> {
        match &mut self.state {
            State::Complete(e) => Some(e),
            _ => None,
        }
    }

    /// 3.2.5.1.1: the CHALLENGE flags for a client's NEGOTIATE flags. Exactly one character
    /// set; NTLM, TARGET_INFO and a target type always; the client's security requests echoed.
    /// LM_KEY is never offered: its key derivation needs LMOWFv1, which no verifier returns.
    pub fn challenge_flags_for(client: u32) -> u32 {
        let echoed = flags::NEGOTIATE_SIGN
            | flags::NEGOTIATE_SEAL
            | flags::NEGOTIATE_DATAGRAM
            | flags::NEGOTIATE_ALWAYS_SIGN
            | flags::NEGOTIATE_EXTENDED_SESSIONSECURITY
            | flags::NEGOTIATE_IDENTIFY
            | flags::NEGOTIATE_VERSION
            | flags::NEGOTIATE_128
            | flags::NEGOTIATE_KEY_EXCH
            | flags::NEGOTIATE_56;
        let mut f = client & echoed;
        f |= if has(client, flags::NEGOTIATE_UNICODE) || !has(client, flags::NEGOTIATE_OEM) {
            flags::NEGOTIATE_UNICODE
        } else {
            flags::NEGOTIATE_OEM
        };
        f |= flags::NEGOTIATE_NTLM | flags::NEGOTIATE_TARGET_INFO | flags::TARGET_TYPE_SERVER;
        if has(client, flags::REQUEST_TARGET) {
            f |= flags::REQUEST_TARGET;
        }
        f
    }

    /// First leg: NEGOTIATE in, CHALLENGE out.
    pub fn challenge(&self, negotiate_token: &[u8]) -> Result<(Vec<u8>, Pending)> {
        self.challenge_in_state(negotiate_token)
            .map(Pending::with_token)
    }

    /// [`Server::challenge`] without a copy of the CHALLENGE: the state holds it
    /// ([`Pending::challenge_token`]).
    pub fn challenge_in_state(&self, negotiate_token: &[u8]) -> Result<Pending> {
        if !self.is_initial() {
            return Err(Error::OutOfOrder);
        }
        let negotiate = Negotiate::decode(negotiate_token)?;
        self.challenge_with(negotiate_token, Self::challenge_flags_for(negotiate.flags))
    }

    /// The CHALLENGE flags of connectionless NTLM (3.2.5.2.1, 1.3.1.3), where no NEGOTIATE
    /// comes first: everything this server supports, for the client to choose from in its
    /// AUTHENTICATE. DATAGRAM and KEY_EXCH are what make it connectionless (gss-ntlmssp's
    /// client refuses a CHALLENGE without them).
    pub const CONNECTIONLESS_FLAGS: u32 = flags::NEGOTIATE_UNICODE
        | flags::REQUEST_TARGET
        | flags::NEGOTIATE_SIGN
        | flags::NEGOTIATE_SEAL
        | flags::NEGOTIATE_DATAGRAM
        | flags::NEGOTIATE_NTLM
        | flags::NEGOTIATE_ALWAYS_SIGN
        | flags::TARGET_TYPE_SERVER
        | flags::NEGOTIATE_EXTENDED_SESSIONSECURITY
        | flags::NEGOTIATE_TARGET_INFO
        | flags::NEGOTIATE_VERSION
        | flags::NEGOTIATE_128
        | flags::NEGOTIATE_KEY_EXCH
        | flags::NEGOTIATE_56;

    /// First leg of connectionless NTLM: no NEGOTIATE, a CHALLENGE out. The MIC then covers
    /// the CHALLENGE and the AUTHENTICATE only.
    pub fn challenge_connectionless(&self) -> Result<(Vec<u8>, Pending)> {
        self.challenge_connectionless_in_state()
            .map(Pending::with_token)
    }

    /// [`Server::challenge_connectionless`] without a copy of the CHALLENGE: the state holds it
    /// ([`Pending::challenge_token`]).
    pub fn challenge_connectionless_in_state(&self) -> Result<Pending> {
        if !self.is_initial() {
            return Err(Error::OutOfOrder);
        }
        self.challenge_with(&[], Self::CONNECTIONLESS_FLAGS)
    }

    fn challenge_with(&self, negotiate_token: &[u8], flags: u32) -> Result<Pending> {
        let n = &self.config.names;
        // 3.2.5.1.1: a domain-joined server names its domain as the target.
        let flags = if n.domain_member {
            flags & !flags::TARGET_TYPE_SERVER | flags::TARGET_TYPE_DOMAIN
        } else {
            flags
        };
        let unicode = has(flags, flags::NEGOTIATE_UNICODE);
        let mut server_challenge = [0u8; 8];
        self.config.env.random(&mut server_challenge);
        let timestamp = self.config.env.filetime();
        // On the stack for the usual names; this CHALLENGE's time written into the template.
        let template = self.config.target_info.as_ref().map_err(|e| *e)?;
        let mut target_info = SmallVec::<[u8; 256]>::from_slice(&template.pairs);
        target_info[template.timestamp_at..template.timestamp_at + 8]
            .copy_from_slice(&timestamp.to_le_bytes());
        let oem_target_name;
        let target_name: &[u8] = if unicode {
            &template.target_name_utf16
        } else {
            oem_target_name = encode_wire(target_name(n), false);
            &oem_target_name
        };
        let challenge = Challenge {
            flags,
            target_name,
            server_challenge,
            target_info: &target_info,
            version: has(flags, flags::NEGOTIATE_VERSION).then_some(self.version),
        };
        // The CHALLENGE is encoded straight after the NEGOTIATE it answers.
        let mut messages = Vec::with_capacity(negotiate_token.len() + challenge.encoded_len());
        messages.extend_from_slice(negotiate_token);
        let messages = challenge.encode_after(messages)?;
        let next = State::ChallengeSent {
            messages,
            challenge_at: negotiate_token.len(),
            server_challenge,
            flags,
            timestamp,
        };
        Ok(Pending(next))
    }

    /// Commits the state [`Server::challenge`] or [`Server::verify_authenticate`] computed, once
    /// the caller has what the leg produced.
    pub fn advance(&mut self, next: Pending) {
        self.state = next.0;
    }

    /// Second leg: verifies the AUTHENTICATE_MESSAGE and commits the outcome. `channel_bindings_hash`
    /// is the MD5 of the server's gss_channel_bindings_struct when the application supplied
    /// bindings.
    ///
    /// A malformed token leaves the context waiting for a correct one; a failed logon
    /// ([`Error::LogonDenied`], [`Error::BadBindings`]) ends it. [`Server::verify_authenticate`]
    /// and [`Server::refuse`] are the same in two steps, for a caller that has more to do
    /// before the outcome may count.
    pub fn authenticate(
        &mut self,
        token: &[u8],
        channel_bindings_hash: Option<[u8; 16]>,
    ) -> Result<()> {
        match self.verify_authenticate(token, channel_bindings_hash) {
            Ok(next) => {
                self.advance(next);
                Ok(())
            }
            Err(f) => Err(self.refuse(f)),
        }
    }

    /// Second leg without changing the server: the completed state to commit with
    /// [`Server::advance`], or why the AUTHENTICATE_MESSAGE was refused (to commit with
    /// [`Server::refuse`]). Nothing of a verification is kept until then, so a caller that
    /// cannot deliver its own answer yet (the Negotiate acceptor's final token did not fit the
    /// caller's buffer) can run the same verification again later and find the server as it
    /// was (a verifier that asks a domain controller asks it again).
    pub fn verify_authenticate(
        &self,
        token: &[u8],
        channel_bindings_hash: Option<[u8; 16]>,
    ) -> core::result::Result<Pending, Failure> {
        let State::ChallengeSent {
            messages,
            challenge_at,
            server_challenge,
            flags: challenge_flags,
            timestamp,
        } = &self.state
        else {
            return Err(Error::OutOfOrder.into());
        };
        let (negotiate, challenge) = messages.split_at(*challenge_at);
        let msg = Authenticate::decode(token)?;
        let established = self.verify(
            &msg,
            token,
            negotiate,
            challenge,
            server_challenge,
            *challenge_flags,
            *timestamp,
            channel_bindings_hash,
        )?;
        Ok(Pending(State::Complete(Box::new(established))))
    }

    /// Commits a refusal [`Server::verify_authenticate`] returned and gives its error: a failed
    /// logon ends the context (it answers nothing more and keeps the reason for the trace); a
    /// malformed token or one out of order leaves it as it was.
    pub fn refuse(&mut self, failure: Failure) -> Error {
        if !matches!(failure.error, Error::InvalidToken | Error::OutOfOrder) {
            self.state = State::Failed;
            self.denial = failure.denial;
        }
        failure.error
    }

    #[allow(clippy::too_many_arguments)]
    fn verify(
        &self,
        msg: &Authenticate<'_>,
        token: &[u8],
        negotiate: &[u8],
        challenge: &[u8],
        sc: &[u8; 8],
        challenge_flags: u32,
        our_timestamp: u64,
        channel_bindings_hash: Option<[u8; 16]>,
    ) -> core::result::Result<Established, Failure> {
        // The client may drop flags, never add ones the server did not offer (beyond the
        // informational ones a client states about itself).
        let informational = flags::NEGOTIATE_ANONYMOUS
            | flags::NEGOTIATE_OEM_DOMAIN_SUPPLIED
            | flags::NEGOTIATE_OEM_WORKSTATION_SUPPLIED
            | flags::REQUEST_NON_NT_SESSION_KEY;
        let flags = msg.flags
            & (challenge_flags | informational)
            & !(flags::TARGET_TYPE_SERVER | flags::TARGET_TYPE_DOMAIN);
        let unicode = has(challenge_flags, flags::NEGOTIATE_UNICODE);
        let user = decode_name(msg.user_name, unicode)?;
        let domain = decode_name(msg.domain_name, unicode)?;

        // 3.2.5.1.2: anonymous — empty user, empty NT response, LM response empty or Z(1).
        let anonymous = user.is_empty()
            && msg.nt_challenge_response.is_empty()
            && (msg.lm_challenge_response.is_empty() || msg.lm_challenge_response == [0]);
        if anonymous {
            let session = SessionSecurity::new(flags, &[0; 16], Mode::Server);
            return Ok(Established {
                flags: flags | flags::NEGOTIATE_ANONYMOUS,
                exported_session_key: Secret16([0; 16]),
                session,
                user,
                domain,
                anonymous: true,
                ntlmv2: false,
            });
        }

        let nt = msg.nt_challenge_response;
        let ntlmv2 = nt.len() > 24;
        let logon = |response| Logon {
            user: &user,
            domain: &domain,
            server_challenge: sc,
            message: msg,
            unicode,
            response,
        };
        let verifier = &self.config.credential.verifier;
        let verified;
        let mut mic_expected = false;
        if ntlmv2 {
            if nt.len() < 16 + messages::NTLMV2_CLIENT_CHALLENGE_HEADER {
                return Err(Error::InvalidToken.into());
            }
            let (proof, blob) = nt.split_at(16);
            let parsed = Ntlmv2ClientChallenge::decode(blob)?;
            // The proof covers the blob exactly as received: clients differ in trailing bytes.
            verified = verifier.verify(&logon(Response::NtlmV2 {
                nt_proof_str: proof.try_into().expect("16 bytes"),
                blob,
            }))?;
            let pairs = parsed.av_pairs;
            // Our CHALLENGE always carries MsvAvTimestamp, and an honest client returns our
            // pairs: a response without our timestamp means the TargetInfo was taken out of the
            // CHALLENGE on the way (which would also have suppressed the MIC).
            if pairs.timestamp() != Some(our_timestamp) {
                return Err(Denial::TargetInfoAltered.into());
            }
            mic_expected = has(pairs.flags(), av_flags::MIC_PRESENT);
            if let Some(ours) = channel_bindings_hash {
                match pairs.get(av_id::CHANNEL_BINDINGS) {
                    // All zeros or absent: the client cannot bind to a channel; accepted
                    // unless bindings are required (Windows' default, "when supported").
                    None => {}
                    Some(v) if v.iter().all(|b| *b == 0) => {}
                    Some(v) if crypto::ct_eq(v, &ours) => {}
                    Some(_) => return Err(Denial::ChannelBindingsMismatch.into()),
                }
            }
            if !self.config.names.accepted_targets.is_empty() {
                if let Some(t) = pairs.get(av_id::TARGET_NAME).filter(|t| !t.is_empty()) {
                    let t = messages_target_name(t)?;
                    if !self
                        .config
                        .names
                        .accepted_targets
                        .iter()
                        .any(|a| eq_ignore_case(a, &t))
                    {
                        return Err(Denial::TargetNameMismatch.into());
                    }
                }
            }
        } else if nt.len() == 24 {
            if !self.config.policy.server_accepts_v1() {
                return Err(Denial::NtlmV1RefusedByPolicy.into());
            }
            verified = verifier.verify(&logon(Response::NtlmV1 {
                extended_session_security: has(flags, flags::NEGOTIATE_EXTENDED_SESSIONSECURITY),
            }))?;
        } else {
            return Err(Denial::UnknownResponse.into());
        }
        let Verified {
            session_base_key,
            names,
        } = verified;
        let (mut user, mut domain) = (user, domain);
        if let Some((u, d)) = names {
            (user, domain) = (Name::from(u), Name::from(d));
        }

        // A verifier returns the SessionBaseKey, never LMOWFv1, so the LM_KEY and
        // NON_NT_SESSION_KEY variants of KXKEY are not available: those flags are never offered
        // back.
        let key_exchange_key = Secret16(crypto::KXKEY(
            ntlmv2,
            flags & !(flags::NEGOTIATE_LM_KEY | flags::REQUEST_NON_NT_SESSION_KEY),
            &session_base_key.0,
            msg.lm_challenge_response,
            sc,
            &[0; 16],
        ));
        let exported_session_key = Self::exported_session_key(flags, msg, key_exchange_key)?;

        if mic_expected {
            // 3.2.5.1.2: the MIC covers the three messages with the MIC field zeroed. A message
            // announcing a MIC without room for it had the MIC stripped. Both are logon
            // failures: AcceptSecurityContext documents no other status for them.
            let received = msg.mic.ok_or(Denial::MicMissing)?;
            // The MIC field zeroed, without copying the message.
            let (before, after) = (
                token.get(..messages::MIC_OFFSET),
                token.get(messages::MIC_OFFSET + 16..),
            );
            let (Some(before), Some(after)) = (before, after) else {
                return Err(Error::InvalidToken.into());
            };
            let keyed = |key: &Secret16| {
                let mic =
                    crypto::hmac_md5(&key.0, &[negotiate, challenge, before, &[0; 16], after]);
                crypto::ct_eq(&mic, &received)
            };
            let exported_session_key = exported_session_key
                .into_iter()
                .find(keyed)
                .ok_or(Denial::MicMismatch)?;
            let session = SessionSecurity::new(flags, &exported_session_key.0, Mode::Server);
            return Ok(Established {
                flags,
                exported_session_key,
                session,
                user,
                domain,
                anonymous: false,
                ntlmv2,
            });
        }
        let exported_session_key = exported_session_key
            .into_iter()
            .next()
            .ok_or(Error::InvalidToken)?;

        let session = SessionSecurity::new(flags, &exported_session_key.0, Mode::Server);
        Ok(Established {
            flags,
            exported_session_key,
            session,
            user,
            domain,
            anonymous: false,
            ntlmv2,
        })
    }
}

impl Server {
    /// The ExportedSessionKey candidates, most likely first (3.2.5.1.2).
    ///
    /// With KEY_EXCH and SIGN or SEAL, the client's EncryptedRandomSessionKey (16 bytes) is
    /// the key. Without SIGN and SEAL the peers disagree: the specification takes the
    /// KeyExchangeKey and ignores the field (pyspnego then sends one filler byte), while
    /// gss-ntlmssp's and Samba's clients send a 16-byte random key whenever KEY_EXCH is set and
    /// key their MIC with it. Only here are there two candidates, and the MIC tells which the
    /// client used; without a MIC, a 16-byte field is taken.
    fn exported_session_key(
        flags: u32,
        msg: &Authenticate<'_>,
        key_exchange_key: Secret16,
    ) -> Result<SmallVec<[Secret16; 2]>> {
        let mut keys = SmallVec::new();
        let sent: Option<[u8; 16]> = msg.encrypted_random_session_key.try_into().ok();
        if !has(flags, flags::NEGOTIATE_KEY_EXCH) {
            keys.push(key_exchange_key);
        } else if has(flags, flags::NEGOTIATE_SIGN) || has(flags, flags::NEGOTIATE_SEAL) {
            let esk = sent.ok_or(Error::InvalidToken)?;
            keys.push(Secret16(crypto::rc4k(&key_exchange_key.0, &esk)));
        } else {
            if let Some(esk) = sent {
                keys.push(Secret16(crypto::rc4k(&key_exchange_key.0, &esk)));
            }
            keys.push(key_exchange_key);
        }
        Ok(keys)
    }
}

fn messages_target_name(t: &[u8]) -> Result<String> {
    super::codec::from_utf16le(t)
}
