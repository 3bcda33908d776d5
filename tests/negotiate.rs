//! The Negotiate initiator and acceptor of the core talking to each other, and refusing what
//! they must: request-mic, reject, tampered or missing mechListMICs, foreign mechanisms,
//! truncated tokens, raw NTLM.

use std::sync::Arc;

use der::asn1::ObjectIdentifier;
use ntlmssp::nlmp::client::{Client, ClientOptions, Established};
use ntlmssp::nlmp::credentials::ClientCredential;
use ntlmssp::nlmp::env::SystemEnvironment;
use ntlmssp::nlmp::error::Error;
use ntlmssp::nlmp::policy::Policy;
use ntlmssp::nlmp::server::{Server, ServerNames};
use ntlmssp::nlmp::session::Segment;
use ntlmssp::nlmp::verifier::ServerCredential;
use ntlmssp::spnego::codec::{
    self, MechTypeList, NegState, NegTokenInit, NegTokenResp, NegotiationToken, Token, KRB5,
    MS_KRB5, NEGOEX, NTLMSSP,
};
use ntlmssp::spnego::context::{Acceptor, Initiator, Progress};
use ntlmssp::users::database::FileUserDatabase;

const USERS: &str = "DOMAIN:alice:Secret123\n";

fn acceptor() -> Acceptor {
    let names = ServerNames {
        nb_computer: "SRV".into(),
        nb_domain: "DOMAIN".into(),
        dns_computer: "srv.example".into(),
        dns_domain: "example".into(),
        accepted_targets: vec![],
        ..Default::default()
    };
    Acceptor::new(Server::new(
        ServerCredential {
            verifier: Arc::new(FileUserDatabase::from_text(USERS)),
        },
        Arc::new(names),
        Policy { lm_compat_level: 3 },
        Arc::new(SystemEnvironment),
    ))
}

fn ntlm_client(password: &str) -> Client {
    let options = ClientOptions {
        sign: true,
        seal: true,
        workstation: "WS".into(),
        ..Default::default()
    };
    Client::new(
        Arc::new(ClientCredential::from_password("alice", "DOMAIN", password)),
        options,
        Policy { lm_compat_level: 3 },
        Arc::new(SystemEnvironment),
    )
}

fn initiator(password: &str) -> Initiator {
    Initiator::new(ntlm_client(password))
}

fn istep(i: &mut Initiator, input: Option<&[u8]>) -> Result<Vec<u8>, Error> {
    let (t, next) = i.step(input, None)?;
    i.advance(next);
    Ok(t)
}

fn astep(a: &mut Acceptor, input: &[u8]) -> Result<Vec<u8>, Error> {
    if a.expects_authenticate() {
        return a.authenticate(input, None);
    }
    let (t, next) = a.step(input)?;
    a.advance(next);
    Ok(t)
}

fn resp(bytes: &[u8]) -> NegTokenResp<'_> {
    match Token::decode(bytes).unwrap().token {
        NegotiationToken::Resp(r) => r,
        other => panic!("NegTokenResp expected, got {other:?}"),
    }
}

fn encode_resp(r: NegTokenResp<'_>) -> Vec<u8> {
    Token {
        token: NegotiationToken::Resp(r),
        framed: false,
    }
    .encode()
    .unwrap()
}

/// `msg` sealed by one session and unsealed by the other.
fn sealed(from: &mut Established, to: &mut Established, msg: &[u8]) -> Result<(), Error> {
    let mut data = msg.to_vec();
    let sig = from.session.seal(None, &mut [Segment::Seal(&mut data)]);
    to.session
        .unseal(None, &mut [Segment::Seal(&mut data)], &sig)?;
    assert_eq!(data, msg);
    Ok(())
}

/// Sealed and signed messages in both directions, twice (the RC4 streams must agree).
fn exchange(i: &mut Initiator, a: &mut Acceptor) {
    for round in 0..2 {
        sealed(
            i.established_mut().unwrap(),
            a.established_mut().unwrap(),
            b"client to server",
        )
        .unwrap_or_else(|e| panic!("round {round}: {e:?}"));
        sealed(
            a.established_mut().unwrap(),
            i.established_mut().unwrap(),
            b"server to client",
        )
        .unwrap_or_else(|e| panic!("round {round}: {e:?}"));
        // A replayed signature fails and changes nothing.
        let sig = i.established_mut().unwrap().session.sign(None, &[b"m"]);
        let server = &mut a.established_mut().unwrap().session;
        server.verify(None, &[b"m"], &sig).unwrap();
        assert!(server.verify(None, &[b"m"], &sig).is_err());
    }
}

/// The full exchange; returns the three tokens the acceptor saw and the final one it sent.
fn handshake(i: &mut Initiator, a: &mut Acceptor) -> [Vec<u8>; 4] {
    let init = istep(i, None).unwrap();
    assert_eq!(init[0], 0x60, "GSS framing");
    assert_eq!(i.progress(), Progress::Continue);
    let challenge = astep(a, &init).unwrap();
    let r = resp(&challenge);
    assert_eq!(
        (r.neg_state, r.supported_mech),
        (Some(NegState::AcceptIncomplete), Some(NTLMSSP))
    );
    let authenticate = istep(i, Some(&challenge)).unwrap();
    assert_eq!(
        i.progress(),
        Progress::Complete,
        "SEC_E_OK on the AUTHENTICATE leg"
    );
    assert!(
        resp(&authenticate).mech_list_mic.is_some(),
        "NTLM MIC present, so a mechListMIC"
    );
    let fin = astep(a, &authenticate).unwrap();
    assert_eq!(a.progress(), Progress::Complete);
    let r = resp(&fin);
    assert_eq!(r.neg_state, Some(NegState::AcceptCompleted));
    assert_eq!(r.mech_list_mic.unwrap().as_bytes().len(), 16);
    [init, challenge, authenticate, fin]
}

#[test]
fn negotiate_handshake_and_messages() {
    let (mut i, mut a) = (initiator("Secret123"), acceptor());
    let [.., fin] = handshake(&mut i, &mut a);
    assert_eq!(istep(&mut i, Some(&fin)).unwrap(), Vec::<u8>::new());
    exchange(&mut i, &mut a);
    assert_eq!(
        istep(&mut i, Some(&fin)),
        Err(Error::OutOfOrder),
        "the final token is taken once"
    );
}

#[test]
fn initiator_that_never_sees_the_final_token_still_talks() {
    // HTTP: the client returns SEC_E_OK and never gets the acceptor's last token back; messages
    // still work both ways.
    let (mut i, mut a) = (initiator("Secret123"), acceptor());
    handshake(&mut i, &mut a);
    exchange(&mut i, &mut a);
}

#[test]
fn wrong_password_and_reject() {
    let (mut i, mut a) = (initiator("wrong"), acceptor());
    let init = istep(&mut i, None).unwrap();
    let challenge = astep(&mut a, &init).unwrap();
    let authenticate = istep(&mut i, Some(&challenge)).unwrap();
    assert_eq!(astep(&mut a, &authenticate), Err(Error::LogonDenied));
    assert_eq!(
        astep(&mut a, &authenticate),
        Err(Error::OutOfOrder),
        "a failed context answers nothing more"
    );

    let mut i = initiator("Secret123");
    istep(&mut i, None).unwrap();
    let reject = encode_resp(NegTokenResp {
        neg_state: Some(NegState::Reject),
        supported_mech: None,
        response_token: None,
        mech_list_mic: None,
    });
    assert_eq!(istep(&mut i, Some(&reject)), Err(Error::LogonDenied));
}

#[test]
fn tampered_and_missing_mech_list_mic() {
    // The initiator's mechListMIC altered: the acceptor denies the logon.
    let (mut i, mut a) = (initiator("Secret123"), acceptor());
    let init = istep(&mut i, None).unwrap();
    let challenge = astep(&mut a, &init).unwrap();
    let authenticate = istep(&mut i, Some(&challenge)).unwrap();
    let r = resp(&authenticate);
    let mut mic = r.mech_list_mic.unwrap().as_bytes().to_vec();
    mic[6] ^= 1;
    let tampered = encode_resp(NegTokenResp {
        mech_list_mic: Some(codec::octets(&mic).unwrap()),
        ..r.clone()
    });
    assert_eq!(astep(&mut a, &tampered), Err(Error::LogonDenied));

    // Stripped while the NTLM MIC is present: denied too (a downgrade).
    let (mut i, mut a) = (initiator("Secret123"), acceptor());
    let init = istep(&mut i, None).unwrap();
    let challenge = astep(&mut a, &init).unwrap();
    let authenticate = istep(&mut i, Some(&challenge)).unwrap();
    let stripped = encode_resp(NegTokenResp {
        mech_list_mic: None,
        ..resp(&authenticate)
    });
    assert_eq!(astep(&mut a, &stripped), Err(Error::LogonDenied));

    // A mechListMIC of the wrong length: malformed, the context waits for a correct token.
    let (mut i, mut a) = (initiator("Secret123"), acceptor());
    let init = istep(&mut i, None).unwrap();
    let challenge = astep(&mut a, &init).unwrap();
    let authenticate = istep(&mut i, Some(&challenge)).unwrap();
    let short = encode_resp(NegTokenResp {
        mech_list_mic: Some(codec::octets(&[1; 15]).unwrap()),
        ..resp(&authenticate)
    });
    assert_eq!(astep(&mut a, &short), Err(Error::InvalidToken));
    let fin = astep(&mut a, &authenticate).unwrap();

    // The acceptor's final mechListMIC altered or missing: the initiator refuses it, unchanged.
    let r = resp(&fin);
    let mut mic = r.mech_list_mic.unwrap().as_bytes().to_vec();
    mic[4] ^= 0x80;
    let tampered = encode_resp(NegTokenResp {
        mech_list_mic: Some(codec::octets(&mic).unwrap()),
        ..r.clone()
    });
    assert_eq!(istep(&mut i, Some(&tampered)), Err(Error::MessageAltered));
    let missing = encode_resp(NegTokenResp {
        mech_list_mic: None,
        ..r.clone()
    });
    // No MIC in the final token: accepted (NTLMSSP was the only mechanism offered), but only
    // where the acceptor did not ask for MICs itself (see initiator_answers_request_mic_and_waits).
    let (_, not_committed) = i.step(Some(&missing), None).unwrap();
    drop(not_committed);
    istep(&mut i, Some(&fin)).unwrap();
    exchange(&mut i, &mut a);
}

/// A NegTokenInit listing `mechs`, with `token` as the optimistic mechToken.
fn init_for(mechs: &[ObjectIdentifier], token: &[u8], framed: bool) -> Vec<u8> {
    let list = codec::encode_mech_types(mechs).unwrap();
    let init = NegTokenInit {
        mech_types: MechTypeList::from_der_bytes(&list).unwrap(),
        req_flags: None,
        mech_token: Some(codec::octets(token).unwrap()),
        mech_list_mic: None,
    };
    Token {
        token: NegotiationToken::Init(init),
        framed,
    }
    .encode()
    .unwrap()
}

#[test]
fn ntlm_listed_after_kerberos_gets_request_mic() {
    // What a Windows client sends: NEGOEX and Kerberos (both OIDs) first, NTLMSSP last, with a
    // Kerberos optimistic token that must be ignored.
    let mechs = [NEGOEX, MS_KRB5, KRB5, NTLMSSP];
    let mech_types = codec::encode_mech_types(&mechs).unwrap();
    let mut a = acceptor();
    let sel = astep(&mut a, &init_for(&mechs, b"\x60\x05kerberos-ish", false)).unwrap();
    let r = resp(&sel);
    assert_eq!(
        (r.neg_state, r.supported_mech, r.response_token),
        (Some(NegState::RequestMic), Some(NTLMSSP), None)
    );

    // The initiator side, driven by hand: NEGOTIATE in a NegTokenResp without negState.
    let mut c = ntlm_client("Secret123");
    let (negotiate, next) = c.negotiate().unwrap();
    c.advance(next);
    let cont = encode_resp(NegTokenResp {
        neg_state: None,
        supported_mech: None,
        response_token: Some(codec::octets(&negotiate).unwrap()),
        mech_list_mic: None,
    });
    let challenge = astep(&mut a, &cont).unwrap();
    let r = resp(&challenge);
    assert_eq!(
        (r.neg_state, r.supported_mech),
        (Some(NegState::AcceptIncomplete), None)
    );
    let (authenticate, next) = c
        .authenticate(r.response_token.unwrap().as_bytes(), None)
        .unwrap();
    c.advance(next);
    let session = &mut c.established_mut().unwrap().session;
    let mic = session.sign(None, &[&mech_types]);
    session.reset_rc4(true);
    let no_mic = encode_resp(NegTokenResp {
        neg_state: None,
        supported_mech: None,
        response_token: Some(codec::octets(&authenticate).unwrap()),
        mech_list_mic: None,
    });
    let with_mic = encode_resp(NegTokenResp {
        mech_list_mic: Some(codec::octets(&mic).unwrap()),
        ..resp(&no_mic)
    });
    let fin = astep(&mut a, &with_mic).unwrap();
    let r = resp(&fin);
    assert_eq!(r.neg_state, Some(NegState::AcceptCompleted));
    let session = &mut c.established_mut().unwrap().session;
    session
        .verify(None, &[&mech_types], r.mech_list_mic.unwrap().as_bytes())
        .unwrap();
}

#[test]
fn initiator_answers_request_mic_and_waits() {
    let (mut i, mut a) = (initiator("Secret123"), acceptor());
    let init = istep(&mut i, None).unwrap();
    let challenge = astep(&mut a, &init).unwrap();
    let asked = encode_resp(NegTokenResp {
        neg_state: Some(NegState::RequestMic),
        ..resp(&challenge)
    });
    let authenticate = istep(&mut i, Some(&asked)).unwrap();
    assert_eq!(
        i.progress(),
        Progress::Continue,
        "CONTINUE after request-mic"
    );
    assert!(i.established().is_none());
    let fin = astep(&mut a, &authenticate).unwrap();
    let without = encode_resp(NegTokenResp {
        mech_list_mic: None,
        ..resp(&fin)
    });
    assert_eq!(
        istep(&mut i, Some(&without)),
        Err(Error::MessageAltered),
        "after request-mic the acceptor's MIC is required"
    );
    istep(&mut i, Some(&fin)).unwrap();
    assert_eq!(i.progress(), Progress::Complete);
    exchange(&mut i, &mut a);
}

#[test]
fn mech_list_mic_copying_the_response_token_is_ignored() {
    let (mut i, mut a) = (initiator("Secret123"), acceptor());
    let init = istep(&mut i, None).unwrap();
    let challenge = astep(&mut a, &init).unwrap();
    let r = resp(&challenge);
    let quirky = encode_resp(NegTokenResp {
        mech_list_mic: r.response_token,
        ..r.clone()
    });
    let authenticate = istep(&mut i, Some(&quirky)).unwrap();
    astep(&mut a, &authenticate).unwrap();
}

#[test]
fn foreign_mechanisms_are_refused() {
    let c = ntlm_client("Secret123");
    let (negotiate, _) = c.negotiate().unwrap();
    let mut a = acceptor();
    assert_eq!(
        astep(&mut a, &init_for(&[KRB5, MS_KRB5], &negotiate, true)),
        Err(Error::InvalidToken)
    );
    assert_eq!(astep(&mut a, b"garbage"), Err(Error::InvalidToken));
    // A NegTokenResp where a NegTokenInit belongs.
    let r = encode_resp(NegTokenResp {
        neg_state: None,
        supported_mech: None,
        response_token: Some(codec::octets(&negotiate).unwrap()),
        mech_list_mic: None,
    });
    assert_eq!(astep(&mut a, &r), Err(Error::InvalidToken));
    // The context is still new: a proper token works.
    astep(&mut a, &init_for(&[NTLMSSP], &negotiate, false)).unwrap();

    // The acceptor selecting Kerberos for an initiator that offered NTLMSSP only.
    let (mut i, mut a) = (initiator("Secret123"), acceptor());
    let init = istep(&mut i, None).unwrap();
    let challenge = astep(&mut a, &init).unwrap();
    let krb = encode_resp(NegTokenResp {
        supported_mech: Some(MS_KRB5),
        ..resp(&challenge)
    });
    assert_eq!(istep(&mut i, Some(&krb)), Err(Error::InvalidToken));
    istep(&mut i, Some(&challenge)).unwrap();
}

#[test]
fn truncated_tokens_change_nothing() {
    let (mut i, mut a) = (initiator("Secret123"), acceptor());
    let init = istep(&mut i, None).unwrap();
    for n in 0..init.len() {
        assert!(a.step(&init[..n]).is_err(), "NegTokenInit truncated to {n}");
    }
    let challenge = astep(&mut a, &init).unwrap();
    for n in 0..challenge.len() {
        assert!(
            i.step(Some(&challenge[..n]), None).is_err(),
            "reply truncated to {n}"
        );
    }
    let authenticate = istep(&mut i, Some(&challenge)).unwrap();
    for n in 0..authenticate.len() {
        assert_eq!(
            a.authenticate(&authenticate[..n], None),
            Err(Error::InvalidToken),
            "continuation truncated to {n}"
        );
    }
    let fin = astep(&mut a, &authenticate).unwrap();
    for n in 1..fin.len() {
        assert!(
            i.step(Some(&fin[..n]), None).is_err(),
            "final token truncated to {n}"
        );
    }
    istep(&mut i, Some(&fin)).unwrap();
    exchange(&mut i, &mut a);
}

#[test]
fn raw_ntlm_first_token_makes_a_plain_ntlm_context() {
    let mut c = ntlm_client("Secret123");
    let mut a = acceptor();
    let (negotiate, next) = c.negotiate().unwrap();
    c.advance(next);
    let challenge = astep(&mut a, &negotiate).unwrap();
    assert!(a.is_raw_ntlm());
    assert!(challenge.starts_with(b"NTLMSSP\0"));
    let (authenticate, next) = c.authenticate(&challenge, None).unwrap();
    c.advance(next);
    assert_eq!(astep(&mut a, &authenticate).unwrap(), Vec::<u8>::new());
    assert_eq!(a.progress(), Progress::Complete);
    sealed(
        c.established_mut().unwrap(),
        a.established_mut().unwrap(),
        b"plain ntlm",
    )
    .unwrap();
}

#[test]
fn the_authenticate_leg_changes_nothing_until_committed() {
    // The acceptor's AUTHENTICATE leg decides the logon but, like every other leg, changes the
    // context only when committed: computed and dropped (the final token did not fit the
    // caller's buffer) any number of times, then computed again and committed, it completes
    // the same logon, with the same final token.
    let (mut i, mut a) = (initiator("Secret123"), acceptor());
    let init = istep(&mut i, None).unwrap();
    let challenge = astep(&mut a, &init).unwrap();
    let authenticate = istep(&mut i, Some(&challenge)).unwrap();
    let (dropped, _) = a.authenticate_leg(&authenticate, None).unwrap();
    let (again, _) = a.authenticate_leg(&authenticate, None).unwrap();
    assert_eq!(
        dropped, again,
        "the mechListMIC signed by an uncommitted session"
    );
    assert_eq!(a.progress(), Progress::Continue);
    assert!(a.expects_authenticate() && a.established().is_none());
    let (fin, next) = a.authenticate_leg(&authenticate, None).unwrap();
    a.advance(next);
    assert_eq!((fin, a.progress()), (dropped, Progress::Complete));
    assert_eq!(istep(&mut i, Some(&again)).unwrap(), Vec::<u8>::new());
    exchange(&mut i, &mut a);

    // A refusal is the same until committed; committed, it ends the context.
    let (mut i, mut a) = (initiator("wrong"), acceptor());
    let init = istep(&mut i, None).unwrap();
    let challenge = astep(&mut a, &init).unwrap();
    let authenticate = istep(&mut i, Some(&challenge)).unwrap();
    let refused = a.authenticate_leg(&authenticate, None).unwrap_err();
    assert_eq!(refused.error(), Error::LogonDenied);
    assert!(a.expects_authenticate(), "not committed yet");
    assert_eq!(a.refuse(refused), Error::LogonDenied);
    assert!(!a.expects_authenticate());
    assert_eq!(astep(&mut a, &authenticate), Err(Error::OutOfOrder));

    // A malformed token is refused and leaves the context waiting for a correct one.
    let (mut i, mut a) = (initiator("Secret123"), acceptor());
    let init = istep(&mut i, None).unwrap();
    let challenge = astep(&mut a, &init).unwrap();
    let authenticate = istep(&mut i, Some(&challenge)).unwrap();
    let refused = a.authenticate_leg(&authenticate[..20], None).unwrap_err();
    assert_eq!(a.refuse(refused), Error::InvalidToken);
    assert_eq!(astep(&mut a, &authenticate).map(|f| f.len() > 16), Ok(true));

    // The same for a raw NTLM client: the plain NTLM server verifies without committing.
    let mut c = ntlm_client("Secret123");
    let mut a = acceptor();
    let (negotiate, next) = c.negotiate().unwrap();
    c.advance(next);
    let challenge = astep(&mut a, &negotiate).unwrap();
    let (authenticate, next) = c.authenticate(&challenge, None).unwrap();
    c.advance(next);
    let (fin, _) = a.authenticate_leg(&authenticate, None).unwrap();
    assert!(fin.is_empty() && a.expects_authenticate());
    assert_eq!(astep(&mut a, &authenticate).unwrap(), Vec::<u8>::new());
    assert_eq!(a.progress(), Progress::Complete);
}
