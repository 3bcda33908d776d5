//! [MS-NLMP] 3.2.5.1.2: who decides whether the client's response proves the password.
//!
//! The server's state machine ([`super::server`]) hands the AUTHENTICATE_MESSAGE's responses to
//! its credential's [`Verifier`] and goes on with the SessionBaseKey it returns: KXKEY, the key
//! exchange, the MIC, the TargetInfo and channel binding checks are one code path whoever
//! verified. Two kinds of verifier:
//! - a source that knows each user's NT hash (the user file, `NtlmSetNtHashCallback`)
//!   implements [`NtHashSource`]; the spec's computation then runs here
//!   ([`verify_with_nt_hash`]);
//! - a source that cannot know it (a domain controller, which verifies the response itself and
//!   returns the user session key) implements [`Verifier`] directly.

use std::sync::Arc;

use super::codec::decode_string;
use super::credentials::{response_key, Secret16};
use super::crypto::{self, HmacMd5Key};
use super::error::{Denial, Error, Failure, Result};
use super::messages::Authenticate;

/// What kind of response the client sent, as the server classified it.
#[derive(Debug, Clone, Copy)]
pub enum Response<'a> {
    /// NTLMv2 (3.3.2): the NTProofStr, and the NTLMv2_CLIENT_CHALLENGE after it ("temp")
    /// exactly as received, since the proof covers those bytes.
    NtlmV2 {
        nt_proof_str: &'a [u8; 16],
        blob: &'a [u8],
    },
    /// NTLMv1 (3.3.1): the 24-byte NtChallengeResponse. With extended session security the
    /// client challenge is the start of the LmChallengeResponse ([`Logon::client_challenge`]).
    NtlmV1 { extended_session_security: bool },
}

/// One logon to verify: the user and domain as the client sent them (decoded), the CHALLENGE's
/// server challenge, and the AUTHENTICATE_MESSAGE as received, whose responses
/// ([`Logon::lm_response`], [`Logon::nt_response`]) the server classified ([`Response`]).
#[derive(Debug, Clone, Copy)]
pub struct Logon<'a> {
    pub user: &'a str,
    pub domain: &'a str,
    pub server_challenge: &'a [u8; 8],
    pub message: &'a Authenticate<'a>,
    /// The negotiated character set of the message's strings: Unicode (UTF-16LE), else OEM.
    pub unicode: bool,
    pub response: Response<'a>,
}

impl Logon<'_> {
    /// The LmChallengeResponse as received.
    pub fn lm_response(&self) -> &[u8] {
        self.message.lm_challenge_response
    }

    /// The NtChallengeResponse as received.
    pub fn nt_response(&self) -> &[u8] {
        self.message.nt_challenge_response
    }

    /// The workstation name the client sent.
    pub fn workstation(&self) -> Result<String> {
        decode_string(self.message.workstation, self.unicode)
    }

    /// NTLMv1 with extended session security: the client challenge, the first 8 bytes of the
    /// LmChallengeResponse (3.3.1). A shorter LmChallengeResponse is a malformed message.
    pub fn client_challenge(&self) -> Result<[u8; 8]> {
        self.lm_response()
            .get(..8)
            .and_then(|c| c.try_into().ok())
            .ok_or(Error::InvalidToken)
    }
}

/// A verified logon.
#[derive(Debug)]
pub struct Verified {
    /// SessionBaseKey (3.3.1, 3.3.2), from which KXKEY and every session key follow.
    pub session_base_key: Secret16,
    /// The user and domain as the source spells them (a domain controller's own names), which
    /// the context then reports (QueryContextAttributes NAMES); `None` reports the client's.
    pub names: Option<(String, String)>,
}

/// Verifies the responses of one logon. The server calls it after its own checks of the
/// message (anonymous logon, response length, the NTLMv1 policy) and before those of the
/// client's AV pairs (MsvAvTimestamp, channel bindings, target name), KXKEY, the key exchange
/// and the MIC. A refusal carries its reason ([`Denial`], which a verifier with more to say
/// extends, with its status in [`Denial::error`]); a malformed message is
/// [`Error::InvalidToken`], which leaves the context waiting for a correct one. Called on the
/// thread of AcceptSecurityContext, concurrently from many.
pub trait Verifier: Send + Sync {
    fn verify(&self, logon: &Logon<'_>) -> core::result::Result<Verified, Failure>;
}

/// A server credential: where its logons are verified.
#[derive(Clone)]
pub struct ServerCredential {
    pub verifier: Arc<dyn Verifier>,
}

impl core::fmt::Debug for ServerCredential {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("ServerCredential(..)")
    }
}

/// A source that knows users' NT hashes (3.2.1: the server's copy of each user's NTOWFv1).
pub trait NtHashSource: Send + Sync {
    /// The NT hash (NTOWFv1) of `user` in `domain` as the client named them, or `None` when the
    /// user is unknown.
    fn nt_hash(&self, user: &str, domain: &str) -> Option<Secret16>;

    /// NTOWFv2 for `user` in `domain` as the client named them (the NTLMv2 ResponseKeyNT). A
    /// source may have it ready; by default it is derived from [`Self::nt_hash`].
    fn response_key_nt(&self, user: &str, domain: &str) -> Option<HmacMd5Key> {
        self.nt_hash(user, domain)
            .map(|h| response_key(&h, user, domain))
    }
}

impl<S: NtHashSource + ?Sized> Verifier for S {
    fn verify(&self, logon: &Logon<'_>) -> core::result::Result<Verified, Failure> {
        verify_with_nt_hash(self, logon)
    }
}

/// 3.2.5.1.2 for a source that knows the NT hash: the response the client should have sent,
/// computed as it does (3.3.1 NTLMv1 and NTLMv1 with extended session security from
/// NTOWFv1, 3.3.2 NTLMv2 from NTOWFv2), compared in constant time, and the SessionBaseKey.
/// The names reported are the client's. Inlined into each source's [`Verifier::verify`]: one
/// call fewer per login.
#[inline]
pub fn verify_with_nt_hash<S: NtHashSource + ?Sized>(
    source: &S,
    logon: &Logon<'_>,
) -> core::result::Result<Verified, Failure> {
    let sc = logon.server_challenge;
    let session_base_key = match logon.response {
        Response::NtlmV2 { nt_proof_str, blob } => {
            let response_key = source
                .response_key_nt(logon.user, logon.domain)
                .ok_or(Denial::UnknownUser)?;
            let expected = crypto::ntlmv2_nt_proof_str(&response_key, sc, blob);
            if !crypto::ct_eq(&expected, nt_proof_str) {
                return Err(Denial::WrongPassword.into());
            }
            crypto::session_base_key_v2(&response_key, &expected)
        }
        Response::NtlmV1 {
            extended_session_security,
        } => {
            let nt_hash = source
                .nt_hash(logon.user, logon.domain)
                .ok_or(Denial::UnknownUser)?;
            let expected = if extended_session_security {
                crypto::ntlmv1_ess_response(&nt_hash.0, sc, &logon.client_challenge()?)
            } else {
                crypto::ntlmv1_response(&nt_hash.0, sc)
            };
            if !crypto::ct_eq(&expected, logon.nt_response()) {
                return Err(Denial::WrongPassword.into());
            }
            crypto::session_base_key_v1(&nt_hash.0)
        }
    };
    Ok(Verified {
        session_base_key: Secret16(session_base_key),
        names: None,
    })
}
