//! [MS-NLMP] 3.1 the client: NEGOTIATE out, CHALLENGE in, AUTHENTICATE out.

use std::sync::Arc;

use zeroize::Zeroizing;

use smallvec::SmallVec;

use super::codec::{decode_name, encode_wire};
use super::credentials::{ClientCredential, ExternalAuthenticator, Secret16};
use super::crypto::{self, Mode};
use super::env::{Environment, SystemEnvironment};
use super::error::{Error, Result};
use super::flags::{self, has};
use super::messages::{
    self, av_flags, av_id, Authenticate, AvPairs, AvPairsBuilder, Challenge, Negotiate, Version,
};
use super::name::Name;
use super::policy::Policy;
use super::session::SessionSecurity;

/// What the application asked for, in protocol terms (the SSPI edge maps `ISC_REQ_*` here).
#[derive(Debug, Clone, Default)]
pub struct ClientOptions {
    /// Message integrity (NEGOTIATE_SIGN).
    pub sign: bool,
    /// Confidentiality (NEGOTIATE_SEAL, which implies SIGN).
    pub seal: bool,
    /// Connectionless mode (NEGOTIATE_DATAGRAM).
    pub datagram: bool,
    /// Identify-level token only (NEGOTIATE_IDENTIFY).
    pub identify: bool,
    /// The SPN sent as MsvAvTargetName (3.1.5.1.2), e.g. "HTTP/server.example".
    pub target_name: Option<String>,
    /// The workstation name sent in the AUTHENTICATE_MESSAGE (inline when short: no allocation
    /// per context).
    pub workstation: Name,
    /// VERSION announced in our messages.
    pub version: Version,
}

/// A completed authentication: the negotiated flags, the keys, and who authenticated.
#[derive(Debug)]
pub struct Established {
    pub flags: u32,
    pub exported_session_key: Secret16,
    pub session: SessionSecurity,
    pub user: Name,
    pub domain: Name,
    pub anonymous: bool,
    /// NTLMv2 (as opposed to NTLMv1 or NTLMv1 with extended session security) was used.
    pub ntlmv2: bool,
}

/// The state a leg moves the client to; [`Client::advance`] commits it once the token reached
/// the peer's transport (the SSPI edge commits only after the caller's buffer took the token,
/// so a too-small buffer changes nothing and the call can be retried).
#[derive(Debug)]
pub struct Pending(State);

impl Pending {
    /// The context this leg completes, if it does: the SPNEGO layer signs its mechListMIC with
    /// it before the state is committed.
    pub fn established_mut(&mut self) -> Option<&mut Established> {
        match &mut self.0 {
            State::Complete(e) => Some(e),
            _ => None,
        }
    }
}

#[derive(Debug)]
enum State {
    Initial,
    /// The NEGOTIATE_MESSAGE we sent, kept for the MIC.
    NegotiateSent(SmallVec<[u8; 64]>),
    Complete(Box<Established>),
}

/// The client side of one context.
pub struct Client {
    credential: Arc<ClientCredential>,
    options: ClientOptions,
    policy: Policy,
    /// None: the operating system's (no shared reference count per context).
    env: Option<Arc<dyn Environment>>,
    state: State,
}

impl core::fmt::Debug for Client {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Client")
            .field("options", &self.options)
            .field("state", &self.state)
            .finish()
    }
}

impl Client {
    pub fn new(
        credential: Arc<ClientCredential>,
        options: ClientOptions,
        policy: Policy,
        env: Arc<dyn Environment>,
    ) -> Self {
        Client {
            credential,
            options,
            policy,
            env: Some(env),
            state: State::Initial,
        }
    }

    /// A client using the operating system's randomness and clock.
    pub fn with_system_env(
        credential: Arc<ClientCredential>,
        options: ClientOptions,
        policy: Policy,
    ) -> Self {
        Client {
            credential,
            options,
            policy,
            env: None,
            state: State::Initial,
        }
    }

    fn env(&self) -> &dyn Environment {
        match &self.env {
            Some(e) => &**e,
            None => &SystemEnvironment,
        }
    }

    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    /// Replaces what the application asks for (a re-authentication may ask for more).
    pub fn set_options(&mut self, options: ClientOptions) {
        self.options = options;
    }

    pub fn credential(&self) -> &ClientCredential {
        &self.credential
    }

    /// The policy this client applies.
    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// The NEGOTIATE_MESSAGE flags this client sends (3.1.5.1.1), shaped like Windows' own:
    /// Unicode and OEM, NTLM, ALWAYS_SIGN, extended session security, 128/56-bit, VERSION;
    /// LM_KEY only at levels where LM is used; SIGN/SEAL/DATAGRAM/IDENTIFY on request; key
    /// exchange only with SIGN or SEAL.
    ///
    /// Key exchange without SIGN or SEAL is where peers disagree: 3.1.5.1.2 sends a random
    /// session key only when KEY_EXCH *and* SIGN or SEAL are negotiated (pyspnego follows it),
    /// while gss-ntlmssp's and Samba's servers demand an EncryptedRandomSessionKey whenever
    /// KEY_EXCH is set. Windows' own client does not offer KEY_EXCH when the caller asks for
    /// neither integrity nor confidentiality (curl's `fContextReq = 0`), which every reading
    /// agrees on, so neither do we.
    pub fn negotiate_flags(&self) -> u32 {
        let mut f = flags::NEGOTIATE_UNICODE
            | flags::NEGOTIATE_OEM
            | flags::REQUEST_TARGET
            | flags::NEGOTIATE_NTLM
            | flags::NEGOTIATE_ALWAYS_SIGN
            | flags::NEGOTIATE_EXTENDED_SESSIONSECURITY
            | flags::NEGOTIATE_VERSION
            | flags::NEGOTIATE_128
            | flags::NEGOTIATE_56;
        if self.options.sign || self.options.seal {
            f |= flags::NEGOTIATE_KEY_EXCH;
        }
        // A credential held elsewhere decides its own response variant; LM_KEY would only
        // matter for an NTLMv1 answer computed here.
        if !self.policy.client_uses_v2() && self.credential.external.is_none() {
            f |= flags::NEGOTIATE_LM_KEY;
        }
        if self.options.sign || self.options.seal {
            f |= flags::NEGOTIATE_SIGN;
        }
        if self.options.seal {
            f |= flags::NEGOTIATE_SEAL;
        }
        if self.options.datagram {
            f |= flags::NEGOTIATE_DATAGRAM;
        }
        if self.options.identify {
            f |= flags::NEGOTIATE_IDENTIFY;
        }
        if self.credential.anonymous {
            f |= flags::NEGOTIATE_ANONYMOUS;
        }
        f
    }

    /// First leg: the NEGOTIATE_MESSAGE. Valid in the initial state, and on a completed context,
    /// where it starts a re-authentication (the old keys are dropped).
    pub fn negotiate(&self) -> Result<(Vec<u8>, Pending)> {
        if matches!(self.state, State::NegotiateSent(_)) {
            return Err(Error::OutOfOrder);
        }
        let msg = Negotiate {
            flags: self.negotiate_flags(),
            domain: &[],
            workstation: &[],
            version: Some(self.options.version),
        }
        .encode()?;
        // Ours is 40 bytes: kept inline in the state, not in a second allocation.
        let kept = SmallVec::from_slice(&msg);
        Ok((msg, Pending(State::NegotiateSent(kept))))
    }

    /// Commits the state a leg computed.
    pub fn advance(&mut self, next: Pending) {
        self.state = next.0;
    }

    /// Whether a first call with this input would answer a CHALLENGE directly
    /// (server-initiated NTLM, where no NEGOTIATE_MESSAGE is sent).
    pub fn is_initial(&self) -> bool {
        matches!(self.state, State::Initial)
    }

    pub fn is_complete(&self) -> bool {
        matches!(self.state, State::Complete(_))
    }

    /// Second leg: answers `challenge` with the AUTHENTICATE_MESSAGE and completes the context.
    /// `channel_bindings_hash` is MD5 of the gss_channel_bindings_struct (3.1.5.1.2
    /// ClientChannelBindingsUnhashed), when the application supplied bindings.
    ///
    /// On error the context is unchanged: the caller may retry with a correct CHALLENGE.
    pub fn authenticate(
        &self,
        challenge_token: &[u8],
        channel_bindings_hash: Option<[u8; 16]>,
    ) -> Result<(Vec<u8>, Pending)> {
        let negotiate = match &self.state {
            State::NegotiateSent(n) => n.as_slice(),
            State::Initial => &[],
            State::Complete(_) => return Err(Error::OutOfOrder),
        };
        self.answer(negotiate, challenge_token, channel_bindings_hash)
    }

    fn answer(
        &self,
        negotiate: &[u8],
        challenge_token: &[u8],
        channel_bindings_hash: Option<[u8; 16]>,
    ) -> Result<(Vec<u8>, Pending)> {
        let challenge = Challenge::decode(challenge_token)?;
        if let Some(external) = &self.credential.external {
            let established = Self::answer_external(
                &**external,
                negotiate,
                challenge_token,
                &challenge,
                channel_bindings_hash,
            )?;
            return Ok((
                established.0,
                Pending(State::Complete(Box::new(established.1))),
            ));
        }
        // Draw every random byte of the handshake at once: ClientChallenge || ExportedSessionKey.
        let mut random = Zeroizing::new([0u8; 24]);
        self.env().random(&mut random[..]);
        let client_challenge: [u8; 8] = random[..8].try_into().expect("8 bytes");
        let random_session_key: [u8; 16] = random[8..].try_into().expect("16 bytes");
        let (token, established) = self.build_authenticate(
            negotiate,
            challenge_token,
            &challenge,
            &client_challenge,
            &random_session_key,
            channel_bindings_hash,
        )?;
        Ok((token, Pending(State::Complete(Box::new(established)))))
    }

    /// 3.1.5.1.2 by the holder of the user's secret: its AUTHENTICATE_MESSAGE goes out as it is,
    /// and the session follows from what that message negotiated (its flags, 2.2.1.3) and the
    /// ExportedSessionKey the holder returned, as for a message built here. Channel bindings
    /// cannot reach the holder (its interface takes the messages only), so a request with
    /// bindings is refused ([`Error::Unsupported`]) rather than sent without them.
    fn answer_external(
        external: &dyn ExternalAuthenticator,
        negotiate: &[u8],
        challenge_token: &[u8],
        challenge: &Challenge<'_>,
        channel_bindings_hash: Option<[u8; 16]>,
    ) -> Result<(Vec<u8>, Established)> {
        if channel_bindings_hash.is_some() {
            return Err(Error::Unsupported);
        }
        let answer = external.authenticate(
            (!negotiate.is_empty()).then_some(negotiate),
            challenge_token,
        )?;
        let msg = Authenticate::decode(&answer.authenticate)?;
        // What the server will take from the message: its flags within what the CHALLENGE
        // offered, as a server reads them (3.2.5.1.2), so both derive the same keys.
        let informational = flags::NEGOTIATE_ANONYMOUS
            | flags::NEGOTIATE_OEM_DOMAIN_SUPPLIED
            | flags::NEGOTIATE_OEM_WORKSTATION_SUPPLIED
            | flags::REQUEST_NON_NT_SESSION_KEY;
        let flags = msg.flags
            & (challenge.flags | informational)
            & !(flags::TARGET_TYPE_SERVER | flags::TARGET_TYPE_DOMAIN);
        let unicode = has(flags, flags::NEGOTIATE_UNICODE);
        let user = decode_name(msg.user_name, unicode)?;
        let domain = decode_name(msg.domain_name, unicode)?;
        let ntlmv2 = msg.nt_challenge_response.len() > 24;
        let session = SessionSecurity::new(flags, &answer.exported_session_key.0, Mode::Client);
        let established = Established {
            flags,
            exported_session_key: answer.exported_session_key,
            session,
            user,
            domain,
            anonymous: false,
            ntlmv2,
        };
        Ok((answer.authenticate, established))
    }

    /// Answers a CHALLENGE that starts a new authentication whatever the state (a
    /// server-initiated re-authentication of a completed context): no NEGOTIATE_MESSAGE
    /// precedes it, so the MIC covers CHALLENGE and AUTHENTICATE only.
    pub fn authenticate_fresh(
        &self,
        challenge_token: &[u8],
        channel_bindings_hash: Option<[u8; 16]>,
    ) -> Result<(Vec<u8>, Pending)> {
        self.answer(&[], challenge_token, channel_bindings_hash)
    }

    /// The established context, once [`Client::authenticate`] succeeded.
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

    /// The flags of the AUTHENTICATE_MESSAGE (3.1.5.1.2): what both sides support, with one
    /// character set, without the server's target type, and with REQUEST_TARGET kept.
    fn authenticate_flags(&self, challenge_flags: u32) -> u32 {
        let ours = self.negotiate_flags() | flags::NEGOTIATE_TARGET_INFO;
        let mut f = challenge_flags & ours & !(flags::NEGOTIATE_UNICODE | flags::NEGOTIATE_OEM);
        f |= if has(challenge_flags, flags::NEGOTIATE_UNICODE) {
            flags::NEGOTIATE_UNICODE
        } else {
            flags::NEGOTIATE_OEM
        };
        f |= flags::REQUEST_TARGET;
        // 2.2.2.5: with both, extended session security wins over LM_KEY.
        if has(f, flags::NEGOTIATE_EXTENDED_SESSIONSECURITY) {
            f &= !flags::NEGOTIATE_LM_KEY;
        }
        if self.credential.anonymous {
            f |= flags::NEGOTIATE_ANONYMOUS;
        }
        f
    }

    /// The AUTHENTICATE_MESSAGE from explicit inputs (3.1.5.1.2); public so that tests can
    /// reproduce [MS-NLMP] 4.2 with its fixed ClientChallenge and RandomSessionKey.
    #[allow(clippy::too_many_arguments)]
    pub fn build_authenticate(
        &self,
        negotiate: &[u8],
        challenge_token: &[u8],
        challenge: &Challenge<'_>,
        client_challenge: &[u8; 8],
        random_session_key: &[u8; 16],
        channel_bindings_hash: Option<[u8; 16]>,
    ) -> Result<(Vec<u8>, Established)> {
        let cred = &*self.credential;
        let flags = self.authenticate_flags(challenge.flags);
        let unicode = has(flags, flags::NEGOTIATE_UNICODE);
        let sc = &challenge.server_challenge;
        let server_pairs = AvPairs::parse(if challenge.target_info.is_empty() {
            &[0, 0, 0, 0]
        } else {
            challenge.target_info
        })?;
        let server_time = server_pairs.timestamp();

        // The LM response is at most 24 bytes: on the stack.
        let lm_response: SmallVec<[u8; 24]>;
        let nt_response: Vec<u8>;
        let session_base_key: Secret16;
        let mut with_mic = false;
        let ntlmv2 = self.policy.client_uses_v2() && !cred.anonymous;

        if cred.anonymous {
            // 3.1.5.1.2: anonymous sends an empty NT response and Z(1) as LM response.
            lm_response = SmallVec::from_slice(&[0]);
            nt_response = Vec::new();
            session_base_key = Secret16([0; 16]);
        } else if ntlmv2 {
            with_mic = server_time.is_some();
            let time = server_time.unwrap_or_else(|| self.env().filetime());
            // NTProofStr || temp in one buffer: temp (its header, our AV pairs, 4 zero bytes) is
            // written after room for the proof.
            let mut nt = Vec::with_capacity(
                16 + messages::NTLMV2_CLIENT_CHALLENGE_HEADER
                    + server_pairs.as_bytes().len()
                    + 64
                    + 4,
            );
            nt.extend_from_slice(&[0; 16]);
            messages::ntlmv2_client_challenge_header(&mut nt, time, client_challenge);
            let mut nt = self.client_av_pairs(
                AvPairsBuilder::appending_to(nt),
                &server_pairs,
                channel_bindings_hash,
            )?;
            nt.extend_from_slice(&[0; 4]);
            let proof = crypto::ntlmv2_nt_proof_str(&cred.ntowfv2, sc, &nt[16..]);
            nt[..16].copy_from_slice(&proof);
            // 3.1.5.1.2: with a server timestamp the LMv2 response is Z(24).
            lm_response = if with_mic {
                SmallVec::from_slice(&[0; 24])
            } else {
                SmallVec::from_slice(&crypto::lmv2_response(&cred.ntowfv2, sc, client_challenge))
            };
            nt_response = nt;
            session_base_key = Secret16(crypto::session_base_key_v2(&cred.ntowfv2, &proof));
        } else if has(flags, flags::NEGOTIATE_EXTENDED_SESSIONSECURITY) {
            let mut lm = SmallVec::from_slice(&[0u8; 24]);
            lm[..8].copy_from_slice(client_challenge);
            lm_response = lm;
            nt_response =
                crypto::ntlmv1_ess_response(&cred.nt_hash.0, sc, client_challenge).to_vec();
            session_base_key = Secret16(crypto::session_base_key_v1(&cred.nt_hash.0));
        } else {
            let nt = crypto::ntlmv1_response(&cred.nt_hash.0, sc);
            // Level 2, or no LM hash known: the NT response in both fields (NoLMResponseNTLMv1).
            lm_response = if self.policy.client_sends_lm() && cred.lm_hash.0 != [0; 16] {
                SmallVec::from_slice(&crypto::lmv1_response(&cred.lm_hash.0, sc))
            } else {
                SmallVec::from_slice(&nt)
            };
            nt_response = nt.to_vec();
            session_base_key = Secret16(crypto::session_base_key_v1(&cred.nt_hash.0));
        }

        let key_exchange_key = Secret16(crypto::KXKEY(
            ntlmv2,
            flags,
            &session_base_key.0,
            &lm_response,
            sc,
            &cred.lm_hash.0,
        ));
        // 3.1.5.1.2: a random session key only when KEY_EXCH and SIGN or SEAL are negotiated.
        let key_exchange = has(flags, flags::NEGOTIATE_KEY_EXCH)
            && (has(flags, flags::NEGOTIATE_SIGN) || has(flags, flags::NEGOTIATE_SEAL));
        let (exported_session_key, encrypted_random_session_key) = if key_exchange {
            (
                Secret16(*random_session_key),
                SmallVec::<[u8; 16]>::from_slice(&crypto::rc4k(
                    &key_exchange_key.0,
                    random_session_key,
                )),
            )
        } else {
            (key_exchange_key.clone(), SmallVec::new())
        };

        let (user, domain) = cred.wire_names(unicode);
        let workstation = encode_wire(&self.options.workstation, unicode);
        let msg = Authenticate {
            lm_challenge_response: &lm_response,
            nt_challenge_response: &nt_response,
            domain_name: &domain,
            user_name: &user,
            workstation: &workstation,
            encrypted_random_session_key: &encrypted_random_session_key,
            flags,
            version: has(flags, flags::NEGOTIATE_VERSION).then_some(self.options.version),
            mic: with_mic.then_some([0; 16]),
        };
        let mut token = msg.encode()?;
        if with_mic {
            let mic = crypto::MIC(&exported_session_key.0, negotiate, challenge_token, &token);
            messages::set_mic(&mut token, &mic)?;
        }
        let session = SessionSecurity::new(flags, &exported_session_key.0, Mode::Client);
        Ok((
            token,
            Established {
                flags,
                exported_session_key,
                session,
                user: Name::from(cred.user.as_str()),
                domain: Name::from(cred.domain.as_str()),
                anonymous: cred.anonymous,
                ntlmv2,
            },
        ))
    }

    /// The AV pairs the client returns inside its NTLMv2 response (3.1.5.1.2): the server's
    /// pairs, then — when the server sent a timestamp, i.e. it knows about MICs — MsvAvFlags
    /// with the MIC bit; MsvAvChannelBindings and MsvAvTargetName when the application supplied
    /// them; a single MsvAvEOL. Appended to what `b` already holds, which it returns.
    fn client_av_pairs(
        &self,
        mut b: AvPairsBuilder,
        server: &AvPairs<'_>,
        channel_bindings_hash: Option<[u8; 16]>,
    ) -> Result<Vec<u8>> {
        let mut server_flags = 0;
        for (id, value) in server.iter() {
            match id {
                av_id::FLAGS => server_flags = server.flags(),
                av_id::TARGET_NAME | av_id::CHANNEL_BINDINGS => {}
                _ => {
                    b.push(id, value)?;
                }
            }
        }
        let mut av_flag_bits = server_flags;
        if server.timestamp().is_some() {
            av_flag_bits |= av_flags::MIC_PRESENT;
        }
        if av_flag_bits != 0 {
            b.push(av_id::FLAGS, &av_flag_bits.to_le_bytes())?;
        }
        if let Some(h) = channel_bindings_hash {
            b.push(av_id::CHANNEL_BINDINGS, &h)?;
        } else if server.timestamp().is_some() {
            // Windows sends all zeros when it has no bindings, telling the server it could.
            b.push(av_id::CHANNEL_BINDINGS, &[0; 16])?;
        }
        if let Some(t) = &self.options.target_name {
            b.push_utf16(av_id::TARGET_NAME, t)?;
        }
        Ok(b.finish())
    }
}

/// ClientChannelBindingsUnhashed → MsvAvChannelBindings (3.1.5.1.2): MD5 over the
/// gss_channel_bindings_struct flattened as RFC 4121 4.1.1.2 lays it out (each address type and
/// length as 32-bit little-endian values, followed by the bytes).
pub fn channel_bindings_hash(
    initiator_type: u32,
    initiator: &[u8],
    acceptor_type: u32,
    acceptor: &[u8],
    application_data: &[u8],
) -> [u8; 16] {
    let len = |b: &[u8]| (b.len() as u32).to_le_bytes();
    crypto::md5(&[
        &initiator_type.to_le_bytes(),
        &len(initiator),
        initiator,
        &acceptor_type.to_le_bytes(),
        &len(acceptor),
        acceptor,
        &len(application_data),
        application_data,
    ])
}
