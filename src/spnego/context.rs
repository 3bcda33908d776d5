//! [MS-SPNG] 3.1/3.2 the Negotiate initiator and acceptor, with NTLMSSP as their one mechanism.
//!
//! Each leg computes the next state without changing the context ([`Initiator::step`],
//! [`Acceptor::step`] and [`Acceptor::authenticate_leg`] take `&self`); the SSPI edge commits it
//! with `advance` once the caller's buffer took the token, as it does for plain NTLM, so a
//! buffer that is too small loses nothing. A refused AUTHENTICATE leg is committed with
//! [`Acceptor::refuse`] (a failed logon ends the context).
//!
//! The quirks of deployed peers, each handled in one place:
//! - a mechListMIC equal to the responseToken (old Windows servers copied the token there):
//!   ignored, see `peer_mic`;
//! - the continuation token with or without negState ([RFC 4178] 4.2.2 makes it optional after
//!   the first reply; Windows omits it): see `continuation`;
//! - Kerberos under its Windows 2000 OID 1.2.840.48018.1.2.2, or NEGOEX, listed before NTLMSSP
//!   (what Windows clients send): NTLMSSP is found anywhere in the list and request-mic
//!   answers, see `Acceptor::select`;
//! - a raw NTLMSSP first token to a Negotiate acceptor (Windows accepts it; Wine's and WinPR's
//!   Negotiate clients send it): the context is plain NTLM from then on.

use super::codec::{
    self, MechTypeList, NegState, NegTokenInit, NegTokenResp, NegotiationToken, Token, NTLMSSP,
};
use crate::nlmp::client::{self, Client, Established};
use crate::nlmp::error::{Error, Failure, Result};
use crate::nlmp::messages::{self, av_flags, Authenticate, Ntlmv2ClientChallenge};
use crate::nlmp::server::{self, Server};
use crate::nlmp::session::SessionSecurity;

/// What a leg leaves to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// More tokens must be exchanged (SEC_I_CONTINUE_NEEDED).
    Continue,
    /// The context is established (SEC_E_OK).
    Complete,
}

fn der_error(_: der::Error) -> Error {
    Error::InvalidToken
}

/// Whether an AUTHENTICATE_MESSAGE carries an NTLM MIC (MsvAvFlags bit 0x2 in its NTLMv2
/// response, [MS-NLMP] 2.2.2.1): then the mechListMIC is mandatory ([MS-SPNG] 3.1.5.1).
pub fn authenticate_has_mic(token: &[u8]) -> bool {
    let Ok(msg) = Authenticate::decode(token) else {
        return false;
    };
    let nt = msg.nt_challenge_response;
    if nt.len() <= 24 {
        return false;
    }
    let Ok(blob) = Ntlmv2ClientChallenge::decode(&nt[16..]) else {
        return false;
    };
    msg.mic.is_some() && blob.av_pairs.flags() & av_flags::MIC_PRESENT != 0
}

/// The mechListMIC a peer sent, or None. Old Windows servers (2000, XP) sent a copy of the
/// responseToken in the mechListMIC field ([MS-SPNG] 3.3.5.1 note): such a value is no MIC
/// and is ignored.
fn peer_mic<'a>(resp: &NegTokenResp<'a>) -> Option<&'a [u8]> {
    let mic = resp.mech_list_mic?.as_bytes();
    match resp.response_token {
        Some(t) if t.as_bytes() == mic => None,
        _ => Some(mic),
    }
}

/// Reads a continuation token: a bare NegTokenResp. negState is optional after the acceptor's
/// first reply ([RFC 4178] 4.2.2) and Windows initiators omit it, so None is accepted wherever
/// the exchange is still in progress; `reject` ends the context.
fn continuation(input: &[u8]) -> Result<NegTokenResp<'_>> {
    let t = Token::decode(input).map_err(der_error)?;
    match t.token {
        NegotiationToken::Resp(r) if !t.framed => {
            if r.neg_state == Some(NegState::Reject) {
                return Err(Error::LogonDenied);
            }
            Ok(r)
        }
        _ => Err(Error::InvalidToken),
    }
}

/// Signs the MechTypeList as sent with NTLM's outbound keys, then resets the outbound RC4
/// stream ([MS-SPNG] 3.3.5.1).
fn sign_mech_list(session: &mut SessionSecurity, mech_types: &[u8]) -> [u8; 16] {
    session.sign_mech_list(mech_types)
}

/// Verifies the peer's mechListMIC with NTLM's inbound keys, then resets the inbound RC4 stream.
fn verify_mech_list(session: &mut SessionSecurity, mech_types: &[u8], mic: &[u8]) -> Result<()> {
    if mic.len() != crate::nlmp::session::SIGNATURE_SIZE {
        return Err(Error::MessageAltered);
    }
    session
        .verify_mech_list(mech_types, mic)
        .map_err(|_| Error::MessageAltered)
}

fn resp_token(
    neg_state: Option<NegState>,
    supported_mech: bool,
    response: Option<&[u8]>,
    mic: Option<&[u8]>,
) -> Result<Vec<u8>> {
    let resp = NegTokenResp {
        neg_state,
        supported_mech: supported_mech.then_some(NTLMSSP),
        response_token: response.map(codec::octets).transpose().map_err(der_error)?,
        mech_list_mic: mic.map(codec::octets).transpose().map_err(der_error)?,
    };
    Token {
        token: NegotiationToken::Resp(resp),
        framed: false,
    }
    .encode()
    .map_err(der_error)
}

// ---------------------------------------------------------------------------------------------
// Initiator

#[derive(Debug, Clone)]
enum InitiatorState {
    Initial,
    /// NegTokenInit sent; the MechTypeList as sent.
    InitSent {
        mech_types: Vec<u8>,
    },
    /// AUTHENTICATE sent after request-mic: the acceptor's accept-completed must follow.
    AwaitingFinal {
        mech_types: Vec<u8>,
    },
    /// Established. The acceptor's final token may still be passed in (HTTP callers never
    /// do); its mechListMIC is checked against `before_final`, the session as it was before
    /// that token counted as received.
    Complete {
        mech_types: Vec<u8>,
        final_seen: bool,
        before_final: Option<Box<SessionSecurity>>,
    },
}

/// The state one initiator leg moves to; see [`Initiator::advance`].
#[derive(Debug)]
pub struct InitiatorPending {
    ntlm: Option<client::Pending>,
    session: Option<SessionSecurity>,
    /// A copy of the session that verified the acceptor's final mechListMIC, whose receive
    /// keys the live session takes ([`SessionSecurity::adopt_receive_state`]).
    verified_receive: Option<SessionSecurity>,
    state: InitiatorState,
}

/// The Negotiate initiator (client) of one context.
#[derive(Debug)]
pub struct Initiator {
    ntlm: Client,
    state: InitiatorState,
}

impl Initiator {
    pub fn new(ntlm: Client) -> Self {
        Initiator {
            ntlm,
            state: InitiatorState::Initial,
        }
    }

    pub fn ntlm(&self) -> &Client {
        &self.ntlm
    }

    pub fn progress(&self) -> Progress {
        match self.state {
            InitiatorState::Complete { .. } => Progress::Complete,
            _ => Progress::Continue,
        }
    }

    /// The NTLM context, once SPNEGO completed.
    pub fn established(&self) -> Option<&Established> {
        (self.progress() == Progress::Complete)
            .then(|| self.ntlm.established())
            .flatten()
    }

    pub fn established_mut(&mut self) -> Option<&mut Established> {
        if self.progress() != Progress::Complete {
            return None;
        }
        self.ntlm.established_mut()
    }

    /// One leg: `input` is the acceptor's last token (None on the first call). Returns the
    /// token to send (empty when there is none) and the state to commit.
    pub fn step(
        &self,
        input: Option<&[u8]>,
        channel_bindings_hash: Option<[u8; 16]>,
    ) -> Result<(Vec<u8>, InitiatorPending)> {
        match (&self.state, input) {
            (InitiatorState::Initial, None) => self.first(),
            (InitiatorState::Initial, Some(t)) => {
                // An acceptor that speaks first (NegTokenInit from an SMB server) offers its
                // mechanisms: NTLMSSP among them means we start as usual.
                match Token::decode(t).map_err(der_error)?.token {
                    NegotiationToken::Init(init)
                        if init.mech_types.iter().any(|m| m == NTLMSSP) =>
                    {
                        self.first()
                    }
                    _ => Err(Error::InvalidToken),
                }
            }
            (InitiatorState::InitSent { mech_types }, Some(t)) => {
                self.answer_challenge(mech_types.clone(), t, channel_bindings_hash)
            }
            (InitiatorState::AwaitingFinal { mech_types }, Some(t)) => {
                self.finish(mech_types.clone(), true, None, t)
            }
            (
                InitiatorState::Complete {
                    mech_types,
                    final_seen: false,
                    before_final,
                },
                Some(t),
            ) => self.finish(mech_types.clone(), false, before_final.as_deref(), t),
            _ => Err(Error::OutOfOrder),
        }
    }

    /// NegTokenInit{mechTypes [NTLMSSP], mechToken NEGOTIATE}, GSS-framed.
    fn first(&self) -> Result<(Vec<u8>, InitiatorPending)> {
        let (negotiate, ntlm) = self.ntlm.negotiate()?;
        let mech_types = codec::encode_mech_types(&[NTLMSSP]).map_err(der_error)?;
        let init = NegTokenInit {
            mech_types: MechTypeList::from_der_bytes(&mech_types).map_err(der_error)?,
            req_flags: None,
            mech_token: Some(codec::octets(&negotiate).map_err(der_error)?),
            mech_list_mic: None,
        };
        let token = Token {
            token: NegotiationToken::Init(init),
            framed: true,
        }
        .encode()
        .map_err(der_error)?;
        Ok((
            token,
            InitiatorPending {
                ntlm: Some(ntlm),
                session: None,
                verified_receive: None,
                state: InitiatorState::InitSent { mech_types },
            },
        ))
    }

    /// The acceptor's first reply: CHALLENGE in, AUTHENTICATE (and our mechListMIC) out.
    fn answer_challenge(
        &self,
        mech_types: Vec<u8>,
        input: &[u8],
        bindings: Option<[u8; 16]>,
    ) -> Result<(Vec<u8>, InitiatorPending)> {
        let resp = continuation(input)?;
        let request_mic = match resp.neg_state {
            Some(NegState::AcceptIncomplete) | None => false,
            Some(NegState::RequestMic) => true,
            // NTLM cannot complete in one leg.
            Some(NegState::AcceptCompleted) | Some(NegState::Reject) => {
                return Err(Error::InvalidToken)
            }
        };
        if resp.supported_mech.is_some_and(|m| m != NTLMSSP) {
            return Err(Error::InvalidToken);
        }
        if peer_mic(&resp).is_some() {
            // No keys exist yet: nothing a MIC here could be checked with.
            return Err(Error::InvalidToken);
        }
        let challenge = resp.response_token.ok_or(Error::InvalidToken)?.as_bytes();
        let (authenticate, mut ntlm) = self.ntlm.authenticate(challenge, bindings)?;
        let established = ntlm.established_mut().ok_or(Error::InvalidToken)?;
        // [MS-SPNG] 3.1.5.1: the mechListMIC is mandatory when NTLM put a MIC in AUTHENTICATE,
        // and whenever the acceptor asks for it.
        let send_mic = request_mic || authenticate_has_mic(&authenticate);
        let mic = send_mic.then(|| sign_mech_list(&mut established.session, &mech_types));
        let token = resp_token(
            None,
            false,
            Some(&authenticate),
            mic.as_ref().map(|m| &m[..]),
        )?;
        let state = if request_mic {
            InitiatorState::AwaitingFinal { mech_types }
        } else {
            // SEC_E_OK now, and the acceptor's final token may never be passed back. The
            // acceptor answers our mechListMIC with its own, signed with its first sequence
            // number: count it as received, so that its first application message verifies
            // either way; keep the session before that to check the token if it comes.
            let before_final = send_mic.then(|| Box::new(established.session.clone()));
            if send_mic {
                established.session.skip_received();
            }
            InitiatorState::Complete {
                mech_types,
                final_seen: false,
                before_final,
            }
        };
        Ok((
            token,
            InitiatorPending {
                ntlm: Some(ntlm),
                session: None,
                verified_receive: None,
                state,
            },
        ))
    }

    /// The acceptor's accept-completed: its mechListMIC verified (required when we sent one),
    /// against `before_final` when the session already counts it as received.
    fn finish(
        &self,
        mech_types: Vec<u8>,
        asked: bool,
        before_final: Option<&SessionSecurity>,
        input: &[u8],
    ) -> Result<(Vec<u8>, InitiatorPending)> {
        let resp = continuation(input)?;
        if !matches!(resp.neg_state, Some(NegState::AcceptCompleted) | None)
            || resp.response_token.is_some()
        {
            return Err(Error::InvalidToken);
        }
        let live = &self.ntlm.established().ok_or(Error::OutOfOrder)?.session;
        let mut verified_receive = None;
        let session = match peer_mic(&resp) {
            Some(mic) => {
                let mut session = before_final.unwrap_or(live).clone();
                verify_mech_list(&mut session, &mech_types, mic)?;
                // With `before_final` the live session already is where this check leads,
                // but for the receive keys the check derived: they are kept.
                if before_final.is_some() {
                    verified_receive = Some(session);
                    None
                } else {
                    Some(session)
                }
            }
            // An acceptor that asked for MICs (request-mic) must send its own.
            None if asked => return Err(Error::MessageAltered),
            // One that did not answer ours: MIT's SPNEGO does so when no integrity was
            // requested. We offered NTLMSSP alone, so there was no other mechanism to be
            // downgraded from ([RFC 4178] 5): accepted, and the receive side goes back to before
            // the MIC it never sent was counted.
            None => before_final.cloned(),
        };
        let state = InitiatorState::Complete {
            mech_types,
            final_seen: true,
            before_final: None,
        };
        Ok((
            Vec::new(),
            InitiatorPending {
                ntlm: None,
                session,
                verified_receive,
                state,
            },
        ))
    }

    /// Commits a leg.
    pub fn advance(&mut self, next: InitiatorPending) {
        if let Some(n) = next.ntlm {
            self.ntlm.advance(n);
        }
        if let (Some(s), Some(e)) = (next.session, self.ntlm.established_mut()) {
            e.session = s;
        }
        if let (Some(v), Some(e)) = (next.verified_receive, self.ntlm.established_mut()) {
            e.session.adopt_receive_state(v);
        }
        self.state = next.state;
    }
}

// ---------------------------------------------------------------------------------------------
// Acceptor

#[derive(Debug, Clone)]
enum AcceptorState {
    Initial,
    /// The first token was raw NTLMSSP: plain NTLM from here on.
    RawNtlm,
    /// NTLMSSP selected without an optimistic token to answer: the NEGOTIATE comes next.
    Selected {
        mech_types: Vec<u8>,
        request_mic: bool,
    },
    ChallengeSent {
        mech_types: Vec<u8>,
        request_mic: bool,
    },
    Complete,
    Failed,
}

/// The state one acceptor leg moves to; see [`Acceptor::advance`].
#[derive(Debug)]
pub struct AcceptorPending {
    ntlm: Option<server::Pending>,
    state: AcceptorState,
}

/// The Negotiate acceptor (server) of one context.
#[derive(Debug)]
pub struct Acceptor {
    ntlm: Server,
    state: AcceptorState,
}

impl Acceptor {
    pub fn new(ntlm: Server) -> Self {
        Acceptor {
            ntlm,
            state: AcceptorState::Initial,
        }
    }

    pub fn ntlm(&self) -> &Server {
        &self.ntlm
    }

    /// Whether the peer spoke raw NTLM (no SPNEGO framing at all).
    pub fn is_raw_ntlm(&self) -> bool {
        matches!(self.state, AcceptorState::RawNtlm)
    }

    pub fn progress(&self) -> Progress {
        match self.state {
            AcceptorState::Complete => Progress::Complete,
            AcceptorState::RawNtlm if self.ntlm.is_complete() => Progress::Complete,
            _ => Progress::Continue,
        }
    }

    pub fn established(&self) -> Option<&Established> {
        (self.progress() == Progress::Complete)
            .then(|| self.ntlm.established())
            .flatten()
    }

    pub fn established_mut(&mut self) -> Option<&mut Established> {
        if self.progress() != Progress::Complete {
            return None;
        }
        self.ntlm.established_mut()
    }

    /// The NTLM flags chosen so far (for the context attributes of an unfinished context).
    pub fn challenge_flags(&self) -> Option<u32> {
        self.ntlm.challenge_flags()
    }

    /// A leg that only produces a token: the initiator's first token, or the NEGOTIATE after a
    /// selection. The context is unchanged until [`Acceptor::advance`].
    pub fn step(&self, input: &[u8]) -> Result<(Vec<u8>, AcceptorPending)> {
        match &self.state {
            AcceptorState::Initial if input.starts_with(&messages::SIGNATURE) => {
                let (challenge, ntlm) = self.ntlm.challenge(input)?;
                Ok((
                    challenge,
                    AcceptorPending {
                        ntlm: Some(ntlm),
                        state: AcceptorState::RawNtlm,
                    },
                ))
            }
            AcceptorState::Initial => self.select(input),
            AcceptorState::Selected {
                mech_types,
                request_mic,
            } => {
                let resp = continuation(input)?;
                let negotiate = resp.response_token.ok_or(Error::InvalidToken)?.as_bytes();
                let (challenge, ntlm) = self.ntlm.challenge(negotiate)?;
                let token = resp_token(
                    Some(NegState::AcceptIncomplete),
                    false,
                    Some(&challenge),
                    None,
                )?;
                let state = AcceptorState::ChallengeSent {
                    mech_types: mech_types.clone(),
                    request_mic: *request_mic,
                };
                Ok((
                    token,
                    AcceptorPending {
                        ntlm: Some(ntlm),
                        state,
                    },
                ))
            }
            _ => Err(Error::OutOfOrder),
        }
    }

    /// Whether the next token is the AUTHENTICATE leg (use [`Acceptor::authenticate`]).
    pub fn expects_authenticate(&self) -> bool {
        matches!(self.state, AcceptorState::ChallengeSent { .. })
            || (self.is_raw_ntlm() && !self.ntlm.is_complete())
    }

    /// The initiator's NegTokenInit (GSS-framed or bare): choose NTLMSSP.
    fn select(&self, input: &[u8]) -> Result<(Vec<u8>, AcceptorPending)> {
        let NegotiationToken::Init(init) = Token::decode(input).map_err(der_error)?.token else {
            return Err(Error::InvalidToken);
        };
        let position = init
            .mech_types
            .iter()
            .position(|m| m == NTLMSSP)
            .ok_or(Error::InvalidToken)?;
        let mech_types = init.mech_types.der();
        // [RFC 4178] 5: the optimistic token belongs to the first mechanism listed. With NTLMSSP
        // first it is our NEGOTIATE; otherwise (Kerberos or NEGOEX first, as Windows sends)
        // it is ignored, and because we did not pick the initiator's preferred mechanism the
        // mechListMIC becomes mandatory: request-mic.
        match (position, init.mech_token) {
            (0, Some(negotiate)) => {
                let (challenge, ntlm) = self.ntlm.challenge(negotiate.as_bytes())?;
                let token = resp_token(
                    Some(NegState::AcceptIncomplete),
                    true,
                    Some(&challenge),
                    None,
                )?;
                Ok((
                    token,
                    AcceptorPending {
                        ntlm: Some(ntlm),
                        state: AcceptorState::ChallengeSent {
                            mech_types,
                            request_mic: false,
                        },
                    },
                ))
            }
            (p, _) => {
                let request_mic = p != 0;
                let state = if request_mic {
                    NegState::RequestMic
                } else {
                    NegState::AcceptIncomplete
                };
                let token = resp_token(Some(state), true, None, None)?;
                Ok((
                    token,
                    AcceptorPending {
                        ntlm: None,
                        state: AcceptorState::Selected {
                            mech_types,
                            request_mic,
                        },
                    },
                ))
            }
        }
    }

    /// Commits a leg computed by [`Acceptor::step`].
    pub fn advance(&mut self, next: AcceptorPending) {
        if let Some(n) = next.ntlm {
            self.ntlm.advance(n);
        }
        self.state = next.state;
    }

    /// The AUTHENTICATE leg, committed: verifies it and the initiator's mechListMIC, completes
    /// the context and returns the final token (empty for raw NTLM). A failed logon or a bad
    /// mechListMIC ends the context; a malformed token leaves it waiting for a correct one.
    /// [`Acceptor::authenticate_leg`] and [`Acceptor::refuse`] are the same in steps.
    pub fn authenticate(
        &mut self,
        input: &[u8],
        channel_bindings_hash: Option<[u8; 16]>,
    ) -> Result<Vec<u8>> {
        match self.authenticate_leg(input, channel_bindings_hash) {
            Ok((token, next)) => {
                self.advance(next);
                Ok(token)
            }
            Err(r) => Err(self.refuse(r)),
        }
    }

    /// The AUTHENTICATE leg without changing the context, like every other leg: the final token
    /// (empty for raw NTLM) and the completed state to commit with [`Acceptor::advance`] once
    /// the token reached the caller, or the refusal to commit with [`Acceptor::refuse`]. The
    /// logon is decided here, but nothing of it counts until then: when the token does not fit
    /// the caller's buffer, the caller's retry runs the same leg again (the response is verified
    /// again) on the context as it was.
    pub fn authenticate_leg(
        &self,
        input: &[u8],
        channel_bindings_hash: Option<[u8; 16]>,
    ) -> core::result::Result<(Vec<u8>, AcceptorPending), Refusal> {
        let (mech_types, request_mic) = match &self.state {
            AcceptorState::RawNtlm => {
                let ntlm = self
                    .ntlm
                    .verify_authenticate(input, channel_bindings_hash)
                    // A refused raw NTLM logon ends NTLM's context, which this one follows.
                    .map_err(|f| Refusal {
                        ends: false,
                        ..Refusal::ntlm(f)
                    })?;
                let next = AcceptorPending {
                    ntlm: Some(ntlm),
                    state: AcceptorState::RawNtlm,
                };
                return Ok((Vec::new(), next));
            }
            AcceptorState::ChallengeSent {
                mech_types,
                request_mic,
            } => (mech_types, *request_mic),
            _ => return Err(Refusal::keeps(Error::OutOfOrder)),
        };
        // `reject` from the initiator ends the context; anything malformed leaves it waiting.
        let resp = continuation(input).map_err(|e| match e {
            Error::LogonDenied => Refusal::ends(e),
            _ => Refusal::keeps(e),
        })?;
        if !matches!(resp.neg_state, None | Some(NegState::AcceptIncomplete))
            || resp.supported_mech.is_some_and(|m| m != NTLMSSP)
        {
            return Err(Refusal::keeps(Error::InvalidToken));
        }
        let authenticate = resp
            .response_token
            .ok_or(Refusal::keeps(Error::InvalidToken))?
            .as_bytes();
        let mic = peer_mic(&resp);
        if mic.is_some_and(|m| m.len() != crate::nlmp::session::SIGNATURE_SIZE) {
            return Err(Refusal::keeps(Error::InvalidToken));
        }
        let mut ntlm = self
            .ntlm
            .verify_authenticate(authenticate, channel_bindings_hash)
            .map_err(Refusal::ntlm)?;
        let mic_required = request_mic || authenticate_has_mic(authenticate);
        let established = ntlm
            .established_mut()
            .ok_or(Refusal::keeps(Error::InvalidToken))?;
        let ours = match mic {
            Some(mic) => {
                if verify_mech_list(&mut established.session, mech_types, mic).is_err() {
                    return Err(Refusal::ends(Error::LogonDenied));
                }
                // An initiator that sent a mechListMIC gets ours ([MS-SPNG] 3.2.5.1).
                Some(sign_mech_list(&mut established.session, mech_types))
            }
            // MS-SPNG 3.2.5.1: a missing mechListMIC where one is required fails the
            // authentication (a downgrade could have removed it).
            None if mic_required => return Err(Refusal::ends(Error::LogonDenied)),
            None => None,
        };
        let token = resp_token(
            Some(NegState::AcceptCompleted),
            false,
            None,
            ours.as_ref().map(|m| &m[..]),
        )
        .map_err(Refusal::keeps)?;
        let next = AcceptorPending {
            ntlm: Some(ntlm),
            state: AcceptorState::Complete,
        };
        Ok((token, next))
    }

    /// Commits a refusal [`Acceptor::authenticate_leg`] returned and gives its error.
    pub fn refuse(&mut self, refusal: Refusal) -> Error {
        let error = match refusal.ntlm {
            Some(f) => self.ntlm.refuse(f),
            None => refusal.error,
        };
        if refusal.ends {
            self.state = AcceptorState::Failed;
        }
        error
    }
}

/// Why an AUTHENTICATE leg was refused ([`Acceptor::authenticate_leg`]), and what that does to
/// the context once committed with [`Acceptor::refuse`]: a failed logon, a bad or missing
/// mechListMIC and `reject` end it; a malformed token leaves it waiting for a correct one.
#[derive(Debug)]
pub struct Refusal {
    error: Error,
    /// NTLM's own refusal, which NTLM commits (and keeps the reason of).
    ntlm: Option<Failure>,
    ends: bool,
}

impl Refusal {
    fn keeps(error: Error) -> Self {
        Refusal {
            error,
            ntlm: None,
            ends: false,
        }
    }

    fn ends(error: Error) -> Self {
        Refusal {
            error,
            ntlm: None,
            ends: true,
        }
    }

    fn ntlm(f: Failure) -> Self {
        Refusal {
            error: f.error,
            ends: !matches!(f.error, Error::InvalidToken | Error::OutOfOrder),
            ntlm: Some(f),
        }
    }

    /// The error the leg fails with.
    pub fn error(&self) -> Error {
        self.error
    }
}
