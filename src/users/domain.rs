//! The domain as a server's user source: on a machine joined to an Active Directory domain, a
//! domain controller verifies each response itself and returns the user session key (NTLM
//! pass-through, [MS-APDS] 3.1.5; Netlogon's NetrLogonSamLogonEx, [MS-NRPC] 3.5.4.5.1), as
//! Windows' own NTLM does on a member. A DC never hands out NT hashes, so this source is a
//! [`Verifier`] of its own, not an [`crate::nlmp::verifier::NtHashSource`].
//!
//! What is safe to say about it lives here: what to send the authority for each kind of response
//! (NTLMv2, NTLMv1 with extended session security, NTLMv1), and what its answer means for the
//! logon (the SessionBaseKey and the names as the DC spells them, or a refusal with its status and
//! reason). Asking is someone else's: the SSPI edge implements [`DomainAuthority`] over Samba's
//! winbind (`crate::sspi::winbind`, loaded at run time), and the unit tests below over a fake.

use crate::nlmp::credentials::Secret16;
use crate::nlmp::crypto;
use crate::nlmp::error::{Denial, Error, Failure};
use crate::nlmp::verifier::{Logon, Response, Verified, Verifier};

/// NTSTATUS values (MS-ERREF 2.3.1) a domain's answers carry, or that stand for a failure.
pub mod nt_status {
    pub const NO_MEMORY: u32 = 0xC000_0017;
    pub const INVALID_PARAMETER: u32 = 0xC000_000D;
    pub const NO_LOGON_SERVERS: u32 = 0xC000_005E;
    pub const NO_SUCH_USER: u32 = 0xC000_0064;
    pub const WRONG_PASSWORD: u32 = 0xC000_006A;
    pub const ILL_FORMED_PASSWORD: u32 = 0xC000_006B;
    pub const LOGON_FAILURE: u32 = 0xC000_006D;
    pub const ACCOUNT_RESTRICTION: u32 = 0xC000_006E;
    pub const INVALID_LOGON_HOURS: u32 = 0xC000_006F;
    pub const INVALID_WORKSTATION: u32 = 0xC000_0070;
    pub const PASSWORD_EXPIRED: u32 = 0xC000_0071;
    pub const ACCOUNT_DISABLED: u32 = 0xC000_0072;
    pub const INSUFFICIENT_RESOURCES: u32 = 0xC000_009A;
    pub const IO_TIMEOUT: u32 = 0xC000_00B5;
    pub const NOT_SUPPORTED: u32 = 0xC000_00BB;
    pub const BAD_NETWORK_PATH: u32 = 0xC000_00BE;
    pub const NO_SUCH_DOMAIN: u32 = 0xC000_00DF;
    pub const NAME_TOO_LONG: u32 = 0xC000_0106;
    pub const TIME_DIFFERENCE_AT_DC: u32 = 0xC000_0133;
    pub const LOGON_TYPE_NOT_GRANTED: u32 = 0xC000_015B;
    pub const TRUSTED_DOMAIN_FAILURE: u32 = 0xC000_018C;
    pub const TRUSTED_RELATIONSHIP_FAILURE: u32 = 0xC000_018D;
    pub const TRUST_FAILURE: u32 = 0xC000_0190;
    pub const NETLOGON_NOT_STARTED: u32 = 0xC000_0192;
    pub const ACCOUNT_EXPIRED: u32 = 0xC000_0193;
    pub const NOLOGON_INTERDOMAIN_TRUST_ACCOUNT: u32 = 0xC000_0198;
    pub const NOLOGON_WORKSTATION_TRUST_ACCOUNT: u32 = 0xC000_0199;
    pub const NOLOGON_SERVER_TRUST_ACCOUNT: u32 = 0xC000_019A;
    pub const PASSWORD_MUST_CHANGE: u32 = 0xC000_0224;
    pub const DOMAIN_CONTROLLER_NOT_FOUND: u32 = 0xC000_0233;
    pub const ACCOUNT_LOCKED_OUT: u32 = 0xC000_0234;
    pub const NETWORK_UNREACHABLE: u32 = 0xC000_023C;
    pub const NTLM_BLOCKED: u32 = 0xC000_0418;

    /// The name of a status above ("" for others), as MS-ERREF and winbindd spell it.
    pub fn name(s: u32) -> &'static str {
        match s {
            0 => "NT_STATUS_OK",
            NO_MEMORY => "NT_STATUS_NO_MEMORY",
            INVALID_PARAMETER => "NT_STATUS_INVALID_PARAMETER",
            NO_LOGON_SERVERS => "NT_STATUS_NO_LOGON_SERVERS",
            NO_SUCH_USER => "NT_STATUS_NO_SUCH_USER",
            WRONG_PASSWORD => "NT_STATUS_WRONG_PASSWORD",
            ILL_FORMED_PASSWORD => "NT_STATUS_ILL_FORMED_PASSWORD",
            LOGON_FAILURE => "NT_STATUS_LOGON_FAILURE",
            ACCOUNT_RESTRICTION => "NT_STATUS_ACCOUNT_RESTRICTION",
            INVALID_LOGON_HOURS => "NT_STATUS_INVALID_LOGON_HOURS",
            INVALID_WORKSTATION => "NT_STATUS_INVALID_WORKSTATION",
            PASSWORD_EXPIRED => "NT_STATUS_PASSWORD_EXPIRED",
            ACCOUNT_DISABLED => "NT_STATUS_ACCOUNT_DISABLED",
            INSUFFICIENT_RESOURCES => "NT_STATUS_INSUFFICIENT_RESOURCES",
            IO_TIMEOUT => "NT_STATUS_IO_TIMEOUT",
            NOT_SUPPORTED => "NT_STATUS_NOT_SUPPORTED",
            BAD_NETWORK_PATH => "NT_STATUS_BAD_NETWORK_PATH",
            NO_SUCH_DOMAIN => "NT_STATUS_NO_SUCH_DOMAIN",
            NAME_TOO_LONG => "NT_STATUS_NAME_TOO_LONG",
            TIME_DIFFERENCE_AT_DC => "NT_STATUS_TIME_DIFFERENCE_AT_DC",
            LOGON_TYPE_NOT_GRANTED => "NT_STATUS_LOGON_TYPE_NOT_GRANTED",
            TRUSTED_DOMAIN_FAILURE => "NT_STATUS_TRUSTED_DOMAIN_FAILURE",
            TRUSTED_RELATIONSHIP_FAILURE => "NT_STATUS_TRUSTED_RELATIONSHIP_FAILURE",
            TRUST_FAILURE => "NT_STATUS_TRUST_FAILURE",
            NETLOGON_NOT_STARTED => "NT_STATUS_NETLOGON_NOT_STARTED",
            ACCOUNT_EXPIRED => "NT_STATUS_ACCOUNT_EXPIRED",
            NOLOGON_INTERDOMAIN_TRUST_ACCOUNT => "NT_STATUS_NOLOGON_INTERDOMAIN_TRUST_ACCOUNT",
            NOLOGON_WORKSTATION_TRUST_ACCOUNT => "NT_STATUS_NOLOGON_WORKSTATION_TRUST_ACCOUNT",
            NOLOGON_SERVER_TRUST_ACCOUNT => "NT_STATUS_NOLOGON_SERVER_TRUST_ACCOUNT",
            PASSWORD_MUST_CHANGE => "NT_STATUS_PASSWORD_MUST_CHANGE",
            DOMAIN_CONTROLLER_NOT_FOUND => "NT_STATUS_DOMAIN_CONTROLLER_NOT_FOUND",
            ACCOUNT_LOCKED_OUT => "NT_STATUS_ACCOUNT_LOCKED_OUT",
            NETWORK_UNREACHABLE => "NT_STATUS_NETWORK_UNREACHABLE",
            NTLM_BLOCKED => "NT_STATUS_NTLM_BLOCKED",
            _ => "",
        }
    }
}

/// The NTSTATUS values that mean no DC could be asked.
pub fn no_authority(s: u32) -> bool {
    use nt_status::*;
    matches!(
        s,
        NETLOGON_NOT_STARTED
            | DOMAIN_CONTROLLER_NOT_FOUND
            | NO_LOGON_SERVERS
            | NO_SUCH_DOMAIN
            | BAD_NETWORK_PATH
            | TRUST_FAILURE
            | TRUSTED_RELATIONSHIP_FAILURE
            | NETWORK_UNREACHABLE
    )
}

/// A logon the domain accepted.
#[derive(Debug)]
pub struct DomainLogon {
    /// The DC's UserSessionKey ([MS-NRPC] 2.2.1.4.11 NETLOGON_VALIDATION_SAM_INFO4). For NTLMv2 it
    /// is MS-NLMP's SessionBaseKey, HMAC_MD5(ResponseKeyNT, NTProofStr); for NTLMv1, with or
    /// without extended session security, MD4(NTOWFv1), from which the server derives KXKEY as
    /// for any source ([MS-NLMP] 3.4.5.1).
    pub user_session_key: Secret16,
    /// The account name as the DC spells it.
    pub account_name: String,
    /// The NetBIOS domain name as the DC spells it.
    pub domain_name: String,
    /// The DNS domain name, when the authority gives one.
    pub dns_domain_name: Option<String>,
    /// [MS-NRPC] 2.2.1.4.11 UserFlags (e.g. 0x100, NTLMv2 enabled).
    pub user_flags: u32,
}

/// Why the domain gave no logon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DomainErrorKind {
    /// The DC refused the logon: `nt_status` says why (wrong password, unknown user, disabled,
    /// locked out, …), or names the DC that could not be reached.
    Refused,
    /// No DC could be asked: the member's winbindd is not running or not reachable by this
    /// process, or it reports that no DC answers.
    Unreachable,
    /// winbindd answers but keeps its privileged pipe, which verifying a response needs, closed
    /// to this process (neither root nor in the `winbindd_priv` group).
    NotPrivileged,
    /// The authority did not answer in time.
    TimedOut,
    /// The request cannot be sent (a name with a NUL or longer than the authority's fields).
    Invalid,
    /// The authority failed otherwise (out of memory, an answer it could not read).
    Failed,
}

/// A refusal or failure, with the DC's or the authority's reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainError {
    pub kind: DomainErrorKind,
    /// The NTSTATUS the DC gave, or one that stands for the failure (MS-ERREF 2.3.1).
    pub nt_status: u32,
    /// The authority's own words: the NTSTATUS's name as winbindd gives it
    /// (`NT_STATUS_WRONG_PASSWORD`), or libwbclient's error text.
    pub message: String,
    /// The DC's `authoritative` answer ([MS-APDS] 3.1.5.2.1): false when another DC might know
    /// the account.
    pub authoritative: bool,
}

impl DomainError {
    pub fn new(kind: DomainErrorKind, nt_status: u32, message: impl Into<String>) -> Self {
        DomainError {
            kind,
            nt_status,
            message: message.into(),
            authoritative: true,
        }
    }

    /// The authority's bounded wait ran out after `ms` milliseconds.
    pub fn timed_out(ms: u128) -> Self {
        Self::new(
            DomainErrorKind::TimedOut,
            nt_status::IO_TIMEOUT,
            format!("winbindd did not answer within {ms} ms"),
        )
    }

    /// The DC's refusal of a logon it examined, or the failure to ask it: the core's error, and so
    /// the status AcceptSecurityContext returns, with the reason for the trace.
    ///
    /// Microsoft documents two statuses of AcceptSecurityContext (NTLM) for a logon that did not
    /// succeed: SEC_E_LOGON_DENIED ("the logon failed") and SEC_E_NO_AUTHENTICATING_AUTHORITY
    /// ("no authority could be contacted for authentication": the domain is unavailable, its
    /// name is wrong, or the trust relationship failed); winerror.h defines no SEC_E status for
    /// an account's state (disabled, locked out, expired, …). So every bad credential and account
    /// state is SEC_E_LOGON_DENIED, whatever the NTSTATUS (the trace keeps it); no reachable DC,
    /// winbindd absent, closed to this process or silent is SEC_E_NO_AUTHENTICATING_AUTHORITY;
    /// clock skew with the DC is SEC_E_TIME_SKEW (winerror.h: "the clocks on the client and
    /// server machines are skewed"); the authority out of memory is SEC_E_INSUFFICIENT_MEMORY,
    /// and its other failures SEC_E_INTERNAL_ERROR.
    pub fn failure(&self) -> Failure {
        use nt_status::*;
        let error = match self.kind {
            DomainErrorKind::Unreachable
            | DomainErrorKind::NotPrivileged
            | DomainErrorKind::TimedOut => Error::NoAuthority,
            DomainErrorKind::Invalid => Error::LogonDenied,
            DomainErrorKind::Failed if self.nt_status == NO_MEMORY => Error::InsufficientMemory,
            DomainErrorKind::Failed => Error::Internal,
            DomainErrorKind::Refused => match self.nt_status {
                s if no_authority(s) => Error::NoAuthority,
                TIME_DIFFERENCE_AT_DC => Error::TimeSkew,
                NO_MEMORY | INSUFFICIENT_RESOURCES => Error::InsufficientMemory,
                _ => Error::LogonDenied,
            },
        };
        Denial::Domain {
            error,
            nt_status: self.nt_status,
            name: nt_status::name(self.nt_status),
            reason: self.reason(),
        }
        .into()
    }

    /// A short reason for the trace.
    pub fn reason(&self) -> &'static str {
        use nt_status::*;
        match (self.kind, self.nt_status) {
            (DomainErrorKind::TimedOut, _) => "winbindd did not answer in time",
            (DomainErrorKind::NotPrivileged, _) => {
                "winbindd's privileged pipe is not open to this process (run as root or in the winbindd_priv group)"
            }
            (DomainErrorKind::Invalid, _) => "names too long for the domain's request",
            (DomainErrorKind::Failed, _) => "libwbclient failed",
            (_, WRONG_PASSWORD) => "wrong password (or a response the DC does not accept)",
            (_, NO_SUCH_USER) => "unknown user",
            (_, LOGON_FAILURE) => "logon failure",
            (_, ACCOUNT_DISABLED) => "account disabled",
            (_, ACCOUNT_LOCKED_OUT) => "account locked out",
            (_, ACCOUNT_EXPIRED) => "account expired",
            (_, PASSWORD_EXPIRED) => "password expired",
            (_, PASSWORD_MUST_CHANGE) => "password must be changed",
            (_, INVALID_LOGON_HOURS) => "outside the account's logon hours",
            (_, INVALID_WORKSTATION) => "the account may not log on from this workstation",
            (_, ACCOUNT_RESTRICTION) => "account restriction",
            (_, LOGON_TYPE_NOT_GRANTED) => "logon type not granted",
            (_, NTLM_BLOCKED) => "NTLM refused by the domain",
            (_, TIME_DIFFERENCE_AT_DC) => "clock skew with the DC",
            // The binding's own stand-in when winbindd itself cannot be reached.
            (DomainErrorKind::Unreachable, NETLOGON_NOT_STARTED) => {
                "winbindd is not running or not reachable"
            }
            (_, s) if no_authority(s) => "no domain controller reachable",
            (DomainErrorKind::Unreachable, _) => "winbindd not reachable",
            _ => "refused by the domain",
        }
    }
}

impl core::fmt::Display for DomainError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "{} ({}, 0x{:08x})",
            self.reason(),
            self.message,
            self.nt_status
        )
    }
}

/// One response for the domain to verify ([MS-APDS] 3.1.5.1: the NETLOGON_NETWORK_INFO of a
/// network logon): names as the AUTHENTICATE_MESSAGE gave them, the challenge the DC checks the
/// response against, and the responses.
#[derive(Debug, Clone, Copy)]
pub struct ResponseCheck<'a> {
    pub user: &'a str,
    pub domain: &'a str,
    pub workstation: &'a str,
    pub challenge: [u8; 8],
    pub lm: &'a [u8],
    pub nt: &'a [u8],
}

/// Who asks the domain: one call per logon, from any number of threads at once, each returning
/// within a bounded time.
pub trait DomainAuthority: Send + Sync {
    fn check_response(&self, r: &ResponseCheck<'_>) -> Result<DomainLogon, DomainError>;
}

impl<A: DomainAuthority + ?Sized> DomainAuthority for &A {
    fn check_response(&self, r: &ResponseCheck<'_>) -> Result<DomainLogon, DomainError> {
        (**self).check_response(r)
    }
}

/// What to send for a logon ([MS-NLMP] 3.3.1, 3.3.2): the challenge the DC must check the
/// response against, and the LM field.
///
/// - NTLMv2: the server challenge and the NtChallengeResponse as received (NTProofStr and the
///   blob the proof covers); the LMv2 response adds nothing the DC needs (it is Z(24) whenever
///   a MIC is sent) and is left out.
/// - NTLMv1 with extended session security: the DC checks a plain NTLMv1 response against the
///   challenge it is given, and the ESS response is the NTLMv1 response to
///   MD5(ServerChallenge ‖ ClientChallenge)[0..8], so that is the challenge passed, with the LM
///   field (which only carried the client challenge) empty.
/// - NTLMv1: the server challenge and both responses as received.
pub fn request_for<'a>(
    logon: &Logon<'a>,
    workstation: &'a str,
) -> Result<ResponseCheck<'a>, Error> {
    let (challenge, lm) = match logon.response {
        Response::NtlmV2 { .. } => (*logon.server_challenge, &[][..]),
        Response::NtlmV1 {
            extended_session_security: true,
        } => {
            let cc = logon.client_challenge()?;
            let digest = crypto::md5(&[&logon.server_challenge[..], &cc[..]]);
            let challenge = digest[..8].try_into().expect("8 bytes");
            (challenge, &[][..])
        }
        Response::NtlmV1 {
            extended_session_security: false,
        } => (*logon.server_challenge, logon.message.lm_challenge_response),
    };
    Ok(ResponseCheck {
        user: logon.user,
        domain: logon.domain,
        workstation,
        challenge,
        lm,
        nt: logon.message.nt_challenge_response,
    })
}

/// The domain's users: each logon verified by a [`DomainAuthority`].
pub struct DomainUsers<A> {
    authority: A,
}

impl<A: DomainAuthority> DomainUsers<A> {
    pub fn new(authority: A) -> Self {
        DomainUsers { authority }
    }
}

impl<A: DomainAuthority> Verifier for DomainUsers<A> {
    fn verify(&self, logon: &Logon<'_>) -> Result<Verified, Failure> {
        let workstation = logon.workstation()?;
        let request = request_for(logon, &workstation)?;
        let accepted = self
            .authority
            .check_response(&request)
            .map_err(|e| e.failure())?;
        // The names as the DC spells them ("EXAMPLE\alice" for a client that sent
        // "example\ALICE"); the client's when the DC gave none.
        let names = (!accepted.account_name.is_empty()).then(|| {
            let domain = if accepted.domain_name.is_empty() {
                logon.domain.to_owned()
            } else {
                accepted.domain_name
            };
            (accepted.account_name, domain)
        });
        Ok(Verified {
            session_base_key: accepted.user_session_key,
            names,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nlmp::messages::Authenticate;
    use std::sync::Mutex;

    const SC: [u8; 8] = *b"\x01\x23\x45\x67\x89\xab\xcd\xef";
    const CC: [u8; 8] = *b"\xaa\xbb\xcc\xdd\xee\xff\x00\x11";

    /// What the fake DC was asked: user, domain, workstation, challenge, LM, NT.
    type Asked = (String, String, String, [u8; 8], Vec<u8>, Vec<u8>);

    /// A DC that records what it was asked and answers as told.
    struct Fake {
        asked: Mutex<Vec<Asked>>,
        answer: Box<dyn Fn() -> Result<DomainLogon, DomainError> + Send + Sync>,
    }

    impl DomainAuthority for Fake {
        fn check_response(&self, r: &ResponseCheck<'_>) -> Result<DomainLogon, DomainError> {
            self.asked.lock().unwrap().push((
                r.user.into(),
                r.domain.into(),
                r.workstation.into(),
                r.challenge,
                r.lm.to_vec(),
                r.nt.to_vec(),
            ));
            (self.answer)()
        }
    }

    fn fake(answer: impl Fn() -> Result<DomainLogon, DomainError> + Send + Sync + 'static) -> Fake {
        Fake {
            asked: Mutex::new(Vec::new()),
            answer: Box::new(answer),
        }
    }

    fn accepted() -> Result<DomainLogon, DomainError> {
        Ok(DomainLogon {
            user_session_key: Secret16([7; 16]),
            account_name: "alice".into(),
            domain_name: "EXAMPLE".into(),
            dns_domain_name: None,
            user_flags: 0,
        })
    }

    fn utf16(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    fn verify(f: &Fake, response: Response<'_>, lm: &[u8], nt: &[u8]) -> Result<Verified, Failure> {
        let workstation = utf16("CLIENT1");
        let msg = Authenticate {
            lm_challenge_response: lm,
            nt_challenge_response: nt,
            domain_name: &[],
            user_name: &[],
            workstation: &workstation,
            encrypted_random_session_key: &[],
            flags: 0,
            version: None,
            mic: None,
        };
        let logon = Logon {
            user: "ALICE",
            domain: "example",
            server_challenge: &SC,
            message: &msg,
            unicode: true,
            response,
        };
        DomainUsers::new(f).verify(&logon)
    }

    /// An NTLMv2 response (its contents are the fake's to judge), with an LMv2 response of zeros.
    const NT2: [u8; 60] = [0x11; 60];

    fn verify_v2(f: &Fake) -> Result<Verified, Failure> {
        verify(
            f,
            Response::NtlmV2 {
                nt_proof_str: NT2[..16].try_into().unwrap(),
                blob: &NT2[16..],
            },
            &[0; 24],
            &NT2,
        )
    }

    #[test]
    fn ntlmv2_sends_the_server_challenge_and_the_whole_response() {
        let f = fake(accepted);
        let v = verify_v2(&f).unwrap();
        assert_eq!(v.session_base_key.0, [7; 16]);
        // The DC's spelling, not the client's.
        assert_eq!(v.names, Some(("alice".into(), "EXAMPLE".into())));
        let asked = f.asked.lock().unwrap();
        let (user, domain, ws, challenge, lm, sent_nt) = &asked[0];
        assert_eq!(
            (&user[..], &domain[..], &ws[..]),
            ("ALICE", "example", "CLIENT1")
        );
        assert_eq!(*challenge, SC);
        assert!(lm.is_empty(), "no LMv2 response for the DC");
        assert_eq!(sent_nt, &NT2.to_vec());
    }

    #[test]
    fn ntlmv1_with_ess_sends_the_digest_challenge_and_no_lm() {
        let f = fake(accepted);
        let mut lm = CC.to_vec();
        lm.extend_from_slice(&[0; 16]);
        let nt = [0x22u8; 24];
        verify(
            &f,
            Response::NtlmV1 {
                extended_session_security: true,
            },
            &lm,
            &nt,
        )
        .unwrap();
        let (.., challenge, sent_lm, sent_nt) = f.asked.lock().unwrap()[0].clone();
        let digest = crypto::md5(&[&SC, &CC]);
        assert_eq!(challenge, digest[..8]);
        assert!(sent_lm.is_empty());
        assert_eq!(sent_nt, nt);
        // An ESS response whose LM field cannot hold the client challenge is malformed, and
        // the DC is not asked.
        let f = fake(accepted);
        let e = verify(
            &f,
            Response::NtlmV1 {
                extended_session_security: true,
            },
            &[1, 2, 3],
            &nt,
        )
        .unwrap_err();
        assert_eq!(e.error, Error::InvalidToken);
        assert!(f.asked.lock().unwrap().is_empty());
    }

    #[test]
    fn ntlmv1_sends_both_responses() {
        let f = fake(accepted);
        let (lm, nt) = ([0x33u8; 24], [0x44u8; 24]);
        verify(
            &f,
            Response::NtlmV1 {
                extended_session_security: false,
            },
            &lm,
            &nt,
        )
        .unwrap();
        let (.., challenge, sent_lm, sent_nt) = f.asked.lock().unwrap()[0].clone();
        assert_eq!(
            (challenge, sent_lm, sent_nt),
            (SC, lm.to_vec(), nt.to_vec())
        );
    }

    #[test]
    fn the_clients_names_when_the_dc_gives_none() {
        let f = fake(|| {
            Ok(DomainLogon {
                account_name: String::new(),
                ..accepted().unwrap()
            })
        });
        assert_eq!(verify_v2(&f).unwrap().names, None);
    }

    fn refused_with(kind: DomainErrorKind, status: u32) -> Failure {
        let f = fake(move || Err(DomainError::new(kind, status, "as the fake says")));
        verify_v2(&f).unwrap_err()
    }

    #[test]
    fn refusals_keep_the_dcs_reason_and_follow_windows_statuses() {
        use nt_status::*;
        for s in [
            WRONG_PASSWORD,
            NO_SUCH_USER,
            LOGON_FAILURE,
            ACCOUNT_DISABLED,
            ACCOUNT_LOCKED_OUT,
            ACCOUNT_EXPIRED,
            PASSWORD_EXPIRED,
            PASSWORD_MUST_CHANGE,
            INVALID_LOGON_HOURS,
            INVALID_WORKSTATION,
            ACCOUNT_RESTRICTION,
            LOGON_TYPE_NOT_GRANTED,
            NTLM_BLOCKED,
            NOLOGON_WORKSTATION_TRUST_ACCOUNT,
            NOLOGON_SERVER_TRUST_ACCOUNT,
            NOLOGON_INTERDOMAIN_TRUST_ACCOUNT,
            TRUSTED_DOMAIN_FAILURE,
            INVALID_PARAMETER,
            NOT_SUPPORTED,
            0xC000_0001,
        ] {
            let f = refused_with(DomainErrorKind::Refused, s);
            assert_eq!(f.error, Error::LogonDenied, "0x{s:08x}");
            let Some(d @ Denial::Domain { nt_status, .. }) = f.denial else {
                panic!("no domain denial for 0x{s:08x}")
            };
            assert_eq!(nt_status, s);
            assert!(d.to_string().contains(&format!("0x{s:08x}")), "{d}");
        }
        let d = refused_with(DomainErrorKind::Refused, ACCOUNT_DISABLED)
            .denial
            .unwrap();
        assert_eq!(
            d.to_string(),
            "account disabled (the domain: NT_STATUS_ACCOUNT_DISABLED 0xc0000072)"
        );
        for s in [
            NO_LOGON_SERVERS,
            NETLOGON_NOT_STARTED,
            DOMAIN_CONTROLLER_NOT_FOUND,
            NO_SUCH_DOMAIN,
            BAD_NETWORK_PATH,
            TRUST_FAILURE,
            TRUSTED_RELATIONSHIP_FAILURE,
            NETWORK_UNREACHABLE,
        ] {
            assert_eq!(
                refused_with(DomainErrorKind::Refused, s).error,
                Error::NoAuthority,
                "0x{s:08x}"
            );
        }
        use DomainErrorKind::*;
        for (kind, status, error) in [
            (Refused, TIME_DIFFERENCE_AT_DC, Error::TimeSkew),
            (Refused, NO_MEMORY, Error::InsufficientMemory),
            (Unreachable, NETLOGON_NOT_STARTED, Error::NoAuthority),
            (NotPrivileged, NETLOGON_NOT_STARTED, Error::NoAuthority),
            (TimedOut, IO_TIMEOUT, Error::NoAuthority),
            (Invalid, NAME_TOO_LONG, Error::LogonDenied),
            (Failed, NO_MEMORY, Error::InsufficientMemory),
            (Failed, 0, Error::Internal),
        ] {
            assert_eq!(
                refused_with(kind, status).error,
                error,
                "{kind:?} 0x{status:08x}"
            );
        }
        let f = DomainError::timed_out(2000).failure();
        assert_eq!(f.error, Error::NoAuthority);
        assert_eq!(
            f.denial.unwrap().to_string(),
            "winbindd did not answer in time (the domain: NT_STATUS_IO_TIMEOUT 0xc00000b5)"
        );
    }

    #[test]
    fn a_malformed_workstation_is_not_sent() {
        let f = fake(accepted);
        let nt = [0x11u8; 60];
        let msg = Authenticate {
            lm_challenge_response: &[],
            nt_challenge_response: &nt,
            domain_name: &[],
            user_name: &[],
            workstation: &[0x41],
            encrypted_random_session_key: &[],
            flags: 0,
            version: None,
            mic: None,
        };
        let logon = Logon {
            user: "alice",
            domain: "",
            server_challenge: &SC,
            message: &msg,
            unicode: true,
            response: Response::NtlmV2 {
                nt_proof_str: nt[..16].try_into().unwrap(),
                blob: &nt[16..],
            },
        };
        let e = DomainUsers::new(&f).verify(&logon).unwrap_err();
        assert_eq!(e.error, Error::InvalidToken);
        assert!(f.asked.lock().unwrap().is_empty());
    }
}
