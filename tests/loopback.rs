//! Client and server of the core talking to each other, and the server refusing what it must.

use std::sync::Arc;

use ntlmssp::nlmp::client::{Client, ClientOptions};
use ntlmssp::nlmp::credentials::ClientCredential;
use ntlmssp::nlmp::crypto;
use ntlmssp::nlmp::env::SystemEnvironment;
use ntlmssp::nlmp::error::{Denial, Error, Failure};
use ntlmssp::nlmp::flags;
use ntlmssp::nlmp::messages::{self, av_flags, av_id, Authenticate};
use ntlmssp::nlmp::policy::Policy;
use ntlmssp::nlmp::server::{Server, ServerNames};
use ntlmssp::nlmp::session::Segment;
use ntlmssp::nlmp::verifier::{
    verify_with_nt_hash, Logon, Response, ServerCredential, Verified, Verifier,
};
use ntlmssp::users::database::FileUserDatabase;

const USERS: &str = "DOMAIN:alice:Secret123\n:jürgen:pässwörd€\n";

fn server(level: u8) -> Server {
    server_verifying_with(Arc::new(FileUserDatabase::from_text(USERS)), level)
}

fn server_verifying_with(verifier: Arc<dyn Verifier>, level: u8) -> Server {
    let names = ServerNames {
        nb_computer: "SRV".into(),
        nb_domain: "DOMAIN".into(),
        dns_computer: "srv.example".into(),
        dns_domain: "example".into(),
        accepted_targets: vec![],
        ..Default::default()
    };
    Server::new(
        ServerCredential { verifier },
        Arc::new(names),
        Policy {
            lm_compat_level: level,
        },
        Arc::new(SystemEnvironment),
    )
}

fn client(user: &str, domain: &str, password: &str, level: u8, seal: bool) -> Client {
    let options = ClientOptions {
        sign: true,
        seal,
        workstation: "WS".into(),
        ..Default::default()
    };
    Client::new(
        Arc::new(ClientCredential::from_password(user, domain, password)),
        options,
        Policy {
            lm_compat_level: level,
        },
        Arc::new(SystemEnvironment),
    )
}

/// NEGOTIATE and CHALLENGE; returns the CHALLENGE.
fn first_leg(c: &mut Client, s: &mut Server) -> Vec<u8> {
    let (neg, next) = c.negotiate().unwrap();
    c.advance(next);
    let (chal, next) = s.challenge(&neg).unwrap();
    s.advance(next);
    chal
}

fn handshake(c: &mut Client, s: &mut Server) -> Result<(), Error> {
    let chal = first_leg(c, s);
    let (auth, next) = c.authenticate(&chal, None)?;
    c.advance(next);
    s.authenticate(&auth, None)
}

fn exchange(c: &mut Client, s: &mut Server) {
    let ce = c.established_mut().unwrap();
    let mut data = *b"client to server";
    let sig = ce.session.seal(None, &mut [Segment::Seal(&mut data)]);
    let se = s.established_mut().unwrap();
    se.session
        .unseal(None, &mut [Segment::Seal(&mut data)], &sig)
        .unwrap();
    assert_eq!(&data, b"client to server");
    let sig = se.session.sign(None, &[b"server to client"]);
    c.established_mut()
        .unwrap()
        .session
        .verify(None, &[b"server to client"], &sig)
        .unwrap();
}

#[test]
fn ntlmv2_handshake_and_messages() {
    let (mut c, mut s) = (client("ALICE", "domain", "Secret123", 3, true), server(3));
    handshake(&mut c, &mut s).unwrap();
    let (ce, se) = (c.established().unwrap(), s.established().unwrap());
    assert_eq!(ce.exported_session_key, se.exported_session_key);
    assert!(se.ntlmv2 && se.user == "ALICE" && se.domain == "domain");
    exchange(&mut c, &mut s);
}

#[test]
fn non_ascii_password_and_empty_domain_entry() {
    let (mut c, mut s) = (
        client("JÜRGEN", "ANYWHERE", "pässwörd€", 3, true),
        server(3),
    );
    handshake(&mut c, &mut s).unwrap();
    exchange(&mut c, &mut s);
}

#[test]
fn ntlmv1_levels_when_the_server_allows_them() {
    for level in [0u8, 1, 2] {
        let (mut c, mut s) = (
            client("alice", "DOMAIN", "Secret123", level, true),
            server(2),
        );
        handshake(&mut c, &mut s).unwrap_or_else(|e| panic!("level {level}: {e:?}"));
        assert!(!s.established().unwrap().ntlmv2);
        exchange(&mut c, &mut s);
    }
}

#[test]
fn legacy_session_security_without_ess() {
    // A server that does not offer extended session security: NTLMv1 with RC4-CRC32 and the
    // 56/40-bit keys.
    for bits in [flags::NEGOTIATE_128, flags::NEGOTIATE_56, 0] {
        let mut c = client("alice", "DOMAIN", "Secret123", 1, true);
        let mut s = server(2);
        let (neg, next) = c.negotiate().unwrap();
        c.advance(next);
        let mut n = messages::Negotiate::decode(&neg).unwrap();
        n.flags &= !(flags::NEGOTIATE_EXTENDED_SESSIONSECURITY
            | flags::NEGOTIATE_128
            | flags::NEGOTIATE_56);
        n.flags |= bits;
        let (chal, next) = s.challenge(&n.encode().unwrap()).unwrap();
        s.advance(next);
        let (auth, next) = c.authenticate(&chal, None).unwrap();
        c.advance(next);
        s.authenticate(&auth, None).unwrap();
        assert_eq!(
            c.established().unwrap().flags & flags::NEGOTIATE_EXTENDED_SESSIONSECURITY,
            0
        );
        exchange(&mut c, &mut s);
    }
}

#[test]
fn wrong_password_and_unknown_user() {
    let (mut c, mut s) = (client("alice", "DOMAIN", "wrong", 3, false), server(3));
    assert_eq!(handshake(&mut c, &mut s), Err(Error::LogonDenied));
    assert_eq!(s.denial(), Some(Denial::WrongPassword));
    let (mut c, mut s) = (
        client("mallory", "DOMAIN", "Secret123", 3, false),
        server(3),
    );
    assert_eq!(handshake(&mut c, &mut s), Err(Error::LogonDenied));
    assert_eq!(s.denial(), Some(Denial::UnknownUser));
}

#[test]
fn verification_is_pure_until_committed() {
    // The server's verification of an AUTHENTICATE_MESSAGE changes nothing: the Negotiate
    // acceptor verifies again when its final token did not fit the caller's buffer, and must
    // find the server as it was, whatever the outcome.
    let (mut c, mut s) = (client("alice", "DOMAIN", "Secret123", 3, false), server(3));
    let chal = first_leg(&mut c, &mut s);
    let (auth, next) = c.authenticate(&chal, None).unwrap();
    c.advance(next);
    for _ in 0..2 {
        let mut pending = s.verify_authenticate(&auth, None).unwrap();
        assert!(pending.established_mut().is_some());
        assert!(!s.is_complete() && s.challenge_flags().is_some());
    }
    let next = s.verify_authenticate(&auth, None).unwrap();
    s.advance(next);
    assert!(s.is_complete());
    exchange(&mut c, &mut s);

    let (mut c, mut s) = (client("alice", "DOMAIN", "wrong", 3, false), server(3));
    let chal = first_leg(&mut c, &mut s);
    let (auth, next) = c.authenticate(&chal, None).unwrap();
    c.advance(next);
    for _ in 0..2 {
        let refused = s.verify_authenticate(&auth, None).unwrap_err();
        assert_eq!(refused.denial, Some(Denial::WrongPassword));
        assert_eq!(
            s.denial(),
            None,
            "nothing kept before the refusal is committed"
        );
    }
    let refused = s.verify_authenticate(&auth, None).unwrap_err();
    assert_eq!(s.refuse(refused), Error::LogonDenied);
    assert_eq!(s.denial(), Some(Denial::WrongPassword));
    assert_eq!(
        s.authenticate(&auth, None),
        Err(Error::OutOfOrder),
        "the context ended"
    );
}

/// A verifier that is no hash source, as a domain controller is: it sees the logon as the client
/// sent it and answers with the SessionBaseKey and its own spelling of the names, or a refusal.
struct Directory;

impl Verifier for Directory {
    fn verify(&self, logon: &Logon<'_>) -> Result<Verified, Failure> {
        assert_eq!(logon.workstation().unwrap(), "WS");
        assert!(matches!(logon.response, Response::NtlmV2 { .. }));
        if !logon.user.eq_ignore_ascii_case("alice") {
            return Err(Denial::UnknownUser.into());
        }
        let key = verify_with_nt_hash(&FileUserDatabase::from_text(USERS), logon)?;
        Ok(Verified {
            session_base_key: key.session_base_key,
            names: Some(("Alice".into(), "EXAMPLE".into())),
        })
    }
}

#[test]
fn a_verifier_names_the_user_and_refuses_with_its_reason() {
    let mut c = client("ALICE", "domain", "Secret123", 3, true);
    let mut s = server_verifying_with(Arc::new(Directory), 3);
    handshake(&mut c, &mut s).unwrap();
    let e = s.established().unwrap();
    assert_eq!((e.user.as_str(), e.domain.as_str()), ("Alice", "EXAMPLE"));
    exchange(&mut c, &mut s);

    let mut c = client("bob", "DOMAIN", "Secret123", 3, true);
    let mut s = server_verifying_with(Arc::new(Directory), 3);
    assert_eq!(handshake(&mut c, &mut s), Err(Error::LogonDenied));
    assert_eq!(s.denial(), Some(Denial::UnknownUser));
}

#[test]
fn ntlmv1_refused_by_default_policy() {
    let (mut c, mut s) = (client("alice", "DOMAIN", "Secret123", 2, false), server(3));
    assert_eq!(handshake(&mut c, &mut s), Err(Error::LogonDenied));
    assert_eq!(s.denial(), Some(Denial::NtlmV1RefusedByPolicy));
}

#[test]
fn stripped_mic_is_refused() {
    let (mut c, mut s) = (client("alice", "DOMAIN", "Secret123", 3, false), server(3));
    let chal = first_leg(&mut c, &mut s);
    let (auth, _) = c.authenticate(&chal, None).unwrap();
    let a = Authenticate::decode(&auth).unwrap();
    assert!(a.mic.is_some());
    let stripped = Authenticate {
        mic: None,
        version: None,
        ..a
    }
    .encode()
    .unwrap();
    assert_eq!(s.authenticate(&stripped, None), Err(Error::LogonDenied));
    assert_eq!(s.denial(), Some(Denial::MicMissing));
}

#[test]
fn altered_flags_break_the_mic() {
    let (mut c, mut s) = (client("alice", "DOMAIN", "Secret123", 3, true), server(3));
    let chal = first_leg(&mut c, &mut s);
    let (mut auth, _) = c.authenticate(&chal, None).unwrap();
    // Drop SEAL from the AUTHENTICATE flags (offset 60).
    auth[60] &= !(flags::NEGOTIATE_SEAL as u8);
    assert_eq!(s.authenticate(&auth, None), Err(Error::LogonDenied));
    assert_eq!(s.denial(), Some(Denial::MicMismatch));
}

#[test]
fn target_info_removed_from_the_challenge_is_detected() {
    let (mut c, mut s) = (client("alice", "DOMAIN", "Secret123", 3, false), server(3));
    let chal = first_leg(&mut c, &mut s);
    let mut ch = messages::Challenge::decode(&chal).unwrap();
    ch.flags &= !flags::NEGOTIATE_TARGET_INFO;
    let tampered = messages::Challenge {
        target_info: &[],
        ..ch
    }
    .encode()
    .unwrap();
    let (auth, _) = c.authenticate(&tampered, None).unwrap();
    assert_eq!(s.authenticate(&auth, None), Err(Error::LogonDenied));
    assert_eq!(s.denial(), Some(Denial::TargetInfoAltered));
}

#[test]
fn replayed_authenticate_on_a_new_context() {
    let (mut c, mut s) = (client("alice", "DOMAIN", "Secret123", 3, false), server(3));
    let chal = first_leg(&mut c, &mut s);
    let (auth, _) = c.authenticate(&chal, None).unwrap();
    s.authenticate(&auth, None).unwrap();
    let mut s2 = server(3);
    let (neg, _) = client("alice", "DOMAIN", "Secret123", 3, false)
        .negotiate()
        .unwrap();
    let (_, next) = s2.challenge(&neg).unwrap();
    s2.advance(next);
    assert_eq!(s2.authenticate(&auth, None), Err(Error::LogonDenied));
}

#[test]
fn channel_bindings_must_match() {
    let mut c = client("alice", "DOMAIN", "Secret123", 3, false);
    let mut s = server(3);
    let chal = first_leg(&mut c, &mut s);
    let (auth, _) = c.authenticate(&chal, Some([1; 16])).unwrap();
    assert_eq!(
        s.authenticate(&auth, Some([2; 16])),
        Err(Error::BadBindings)
    );
    assert_eq!(s.denial(), Some(Denial::ChannelBindingsMismatch));
    let mut c = client("alice", "DOMAIN", "Secret123", 3, false);
    let mut s = server(3);
    let chal = first_leg(&mut c, &mut s);
    let (auth, _) = c.authenticate(&chal, Some([1; 16])).unwrap();
    s.authenticate(&auth, Some([1; 16])).unwrap();
}

#[test]
fn malformed_authenticate_keeps_the_server_waiting() {
    let (mut c, mut s) = (client("alice", "DOMAIN", "Secret123", 3, false), server(3));
    let chal = first_leg(&mut c, &mut s);
    let (auth, _) = c.authenticate(&chal, None).unwrap();
    for n in 0..64 {
        assert_eq!(
            s.authenticate(&auth[..n], None),
            Err(Error::InvalidToken),
            "prefix {n}"
        );
    }
    s.authenticate(&auth, None).unwrap();
}

#[test]
fn replayed_and_reordered_messages() {
    let (mut c, mut s) = (client("alice", "DOMAIN", "Secret123", 3, true), server(3));
    handshake(&mut c, &mut s).unwrap();
    let ce = c.established_mut().unwrap();
    let sig0 = ce.session.sign(None, &[b"zero"]);
    let sig1 = ce.session.sign(None, &[b"one"]);
    let se = s.established_mut().unwrap();
    assert_eq!(
        se.session.verify(None, &[b"one"], &sig1),
        Err(Error::OutOfSequence)
    );
    se.session.verify(None, &[b"zero"], &sig0).unwrap();
    assert_eq!(
        se.session.verify(None, &[b"zero"], &sig0),
        Err(Error::OutOfSequence)
    );
    assert_eq!(
        se.session.verify(None, &[b"uno"], &sig1),
        Err(Error::MessageAltered)
    );
    se.session.verify(None, &[b"one"], &sig1).unwrap();
}

#[test]
fn anonymous_logon() {
    let (mut c, mut s) = (client("", "", "", 3, false), server(3));
    let chal = first_leg(&mut c, &mut s);
    let (auth, next) = c.authenticate(&chal, None).unwrap();
    c.advance(next);
    let a = Authenticate::decode(&auth).unwrap();
    assert!(a.nt_challenge_response.is_empty() && a.lm_challenge_response == [0]);
    assert_ne!(a.flags & flags::NEGOTIATE_ANONYMOUS, 0);
    s.authenticate(&auth, None).unwrap();
    assert!(s.established().unwrap().anonymous);
}

/// The MsvAvFlags value inside an NTLMv2 client challenge (2.2.2.7: AV pairs from byte 28).
fn av_flags_at(temp: &[u8]) -> usize {
    let mut at = 28;
    loop {
        let id = u16::from_le_bytes([temp[at], temp[at + 1]]);
        let len = u16::from_le_bytes([temp[at + 2], temp[at + 3]]) as usize;
        assert_ne!(id, av_id::EOL, "no MsvAvFlags in the blob");
        if id == av_id::FLAGS {
            return at + 4;
        }
        at += 4 + len;
    }
}

/// What a client that knows the password sends after editing its own NTLMv2 blob: NTProofStr,
/// session key (KXKEY is the session base key for v2, 3.4.5.1) and MIC recomputed.
fn resign(
    cred: &ClientCredential,
    neg: &[u8],
    chal: &[u8],
    auth: &[u8],
    edit: impl FnOnce(&mut Vec<u8>),
) -> Vec<u8> {
    let a = Authenticate::decode(auth).unwrap();
    assert_ne!(a.flags & flags::NEGOTIATE_KEY_EXCH, 0);
    let sc = messages::Challenge::decode(chal).unwrap().server_challenge;
    let mut temp = a.nt_challenge_response[16..].to_vec();
    edit(&mut temp);
    let proof = crypto::ntlmv2_nt_proof_str(&cred.ntowfv2, &sc, &temp);
    let session_base_key = crypto::session_base_key_v2(&cred.ntowfv2, &proof);
    let exported = [0x5a; 16];
    let encrypted = crypto::rc4k(&session_base_key, &exported);
    let mut nt = proof.to_vec();
    nt.extend_from_slice(&temp);
    let mut out = Authenticate {
        nt_challenge_response: &nt,
        encrypted_random_session_key: &encrypted,
        mic: Some([0; 16]),
        ..a
    }
    .encode()
    .unwrap();
    let mic = crypto::MIC(&exported, neg, chal, &out);
    messages::set_mic(&mut out, &mic).unwrap();
    out
}

/// NEGOTIATE, CHALLENGE and AUTHENTICATE of one conversation, and the client's credential.
fn three_messages(s: &mut Server) -> (Arc<ClientCredential>, Vec<u8>, Vec<u8>, Vec<u8>) {
    let cred = Arc::new(ClientCredential::from_password(
        "alice",
        "DOMAIN",
        "Secret123",
    ));
    let options = ClientOptions {
        sign: true,
        seal: true,
        workstation: "WS".into(),
        ..Default::default()
    };
    let mut c = Client::new(
        cred.clone(),
        options,
        Policy { lm_compat_level: 3 },
        Arc::new(SystemEnvironment),
    );
    let (neg, next) = c.negotiate().unwrap();
    c.advance(next);
    let (chal, next) = s.challenge(&neg).unwrap();
    s.advance(next);
    let (auth, _) = c.authenticate(&chal, None).unwrap();
    (cred, neg, chal, auth)
}

#[test]
fn mic_flag_cleared_in_the_blob_is_refused() {
    // "Drop the MIC" (CVE-2019-1040): clearing MIC_PRESENT and the MIC without the password
    // breaks the NTProofStr, which covers the blob.
    let mut s = server(3);
    let (_, _, _, auth) = three_messages(&mut s);
    let a = Authenticate::decode(&auth).unwrap();
    let mut nt = a.nt_challenge_response.to_vec();
    let at = 16 + av_flags_at(&nt[16..]);
    nt[at] &= !(av_flags::MIC_PRESENT as u8);
    let forged = Authenticate {
        nt_challenge_response: &nt,
        mic: None,
        version: None,
        ..a
    }
    .encode()
    .unwrap();
    assert_eq!(s.authenticate(&forged, None), Err(Error::LogonDenied));
}

#[test]
fn unknown_msv_av_flags_bits_are_ignored_and_the_mic_still_checked() {
    let set_unknown_bits = |temp: &mut Vec<u8>| {
        let at = av_flags_at(temp);
        let f = u32::from_le_bytes(temp[at..at + 4].try_into().unwrap()) | 0xffff_ff00 | 0x10;
        temp[at..at + 4].copy_from_slice(&f.to_le_bytes());
    };
    let mut s = server(3);
    let (cred, neg, chal, auth) = three_messages(&mut s);
    let good = resign(&cred, &neg, &chal, &auth, set_unknown_bits);
    s.authenticate(&good, None).unwrap();
    assert_eq!(s.established().unwrap().exported_session_key.0, [0x5a; 16]);

    let mut s = server(3);
    let (cred, neg, chal, auth) = three_messages(&mut s);
    let mut bad = resign(&cred, &neg, &chal, &auth, set_unknown_bits);
    bad[messages::MIC_OFFSET + 3] ^= 1;
    assert_eq!(s.authenticate(&bad, None), Err(Error::LogonDenied));
}

#[test]
fn reflected_challenge_is_no_authenticate() {
    // The server's own CHALLENGE handed back to it as the third message, and the client's own
    // NEGOTIATE handed back to it as a CHALLENGE: refused, and the contexts stay usable.
    let (mut c, mut s) = (client("alice", "DOMAIN", "Secret123", 3, false), server(3));
    let (neg, next) = c.negotiate().unwrap();
    c.advance(next);
    assert_eq!(
        c.authenticate(&neg, None).map(|_| ()),
        Err(Error::InvalidToken)
    );
    let (chal, next) = s.challenge(&neg).unwrap();
    s.advance(next);
    assert_eq!(s.authenticate(&chal, None), Err(Error::InvalidToken));
    let (auth, next) = c.authenticate(&chal, None).unwrap();
    c.advance(next);
    s.authenticate(&auth, None).unwrap();
}

#[test]
fn reflection_through_another_target_is_refused() {
    // The relay of MS08-068: our server's CHALLENGE reaches our own client through a peer the
    // client meant to authenticate to. The client names that peer in MsvAvTargetName (covered by
    // the NTProofStr), so a server that knows its own names refuses the relayed AUTHENTICATE.
    let names = |targets: Vec<String>| ServerNames {
        nb_computer: "SRV".into(),
        nb_domain: "DOMAIN".into(),
        dns_computer: "srv.example".into(),
        dns_domain: "example".into(),
        accepted_targets: targets,
        ..Default::default()
    };
    let with_target = |t: &str| {
        let options = ClientOptions {
            sign: true,
            target_name: Some(t.into()),
            workstation: "WS".into(),
            ..Default::default()
        };
        Client::new(
            Arc::new(ClientCredential::from_password(
                "alice",
                "DOMAIN",
                "Secret123",
            )),
            options,
            Policy { lm_compat_level: 3 },
            Arc::new(SystemEnvironment),
        )
    };
    for (target, ok) in [("HTTP/attacker.example", false), ("HTTP/srv.example", true)] {
        let users = ServerCredential {
            verifier: Arc::new(FileUserDatabase::from_text(USERS)),
        };
        let mut s = Server::new(
            users,
            Arc::new(names(vec!["HTTP/srv.example".into()])),
            Policy { lm_compat_level: 3 },
            Arc::new(SystemEnvironment),
        );
        let mut c = with_target(target);
        let result = handshake(&mut c, &mut s);
        assert_eq!(result.is_ok(), ok, "{target}: {result:?}");
        if !ok {
            assert_eq!(result, Err(Error::LogonDenied));
            assert_eq!(s.denial(), Some(Denial::TargetNameMismatch));
        }
    }
}

/// 3.1.5.1.2: a random session key only when KEY_EXCH and SIGN or SEAL are negotiated. A
/// client that asks for neither (curl's `fContextReq = 0`) offers no key exchange at all, the
/// one choice both readings of the specification among peers accept, and the server, ours,
/// agrees on the key.
#[test]
fn no_key_exchange_without_sign_or_seal() {
    let options = ClientOptions {
        workstation: "WS".into(),
        ..Default::default()
    };
    let cred = Arc::new(ClientCredential::from_password(
        "alice",
        "DOMAIN",
        "Secret123",
    ));
    let mut c = Client::new(
        cred,
        options,
        Policy { lm_compat_level: 3 },
        Arc::new(SystemEnvironment),
    );
    assert_eq!(
        c.negotiate_flags()
            & (flags::NEGOTIATE_KEY_EXCH | flags::NEGOTIATE_SIGN | flags::NEGOTIATE_SEAL),
        0
    );
    let mut s = server(3);
    let chal = first_leg(&mut c, &mut s);
    let (auth, next) = c.authenticate(&chal, None).unwrap();
    c.advance(next);
    let msg = Authenticate::decode(&auth).unwrap();
    assert!(
        msg.encrypted_random_session_key.is_empty() && msg.flags & flags::NEGOTIATE_KEY_EXCH == 0
    );
    assert!(msg.mic.is_some());
    s.authenticate(&auth, None).unwrap();
    assert_eq!(
        c.established().unwrap().exported_session_key,
        s.established().unwrap().exported_session_key
    );
    // With integrity requested, key exchange is offered and used.
    let mut c = client("alice", "DOMAIN", "Secret123", 3, false);
    let mut s = server(3);
    let chal = first_leg(&mut c, &mut s);
    let (auth, _) = c.authenticate(&chal, None).unwrap();
    assert_eq!(
        Authenticate::decode(&auth)
            .unwrap()
            .encrypted_random_session_key
            .len(),
        16
    );
}

/// Connectionless NTLM (1.3.1.3): the server speaks first, with a CHALLENGE offering DATAGRAM
/// and KEY_EXCH; the client answers with an AUTHENTICATE whose MIC covers the two messages;
/// messages carry their own sequence numbers.
#[test]
fn connectionless_server_speaks_first() {
    for (sign, seal) in [(false, false), (true, false), (true, true)] {
        let options = ClientOptions {
            sign,
            seal,
            datagram: true,
            workstation: "WS".into(),
            ..Default::default()
        };
        let cred = Arc::new(ClientCredential::from_password(
            "alice",
            "DOMAIN",
            "Secret123",
        ));
        let mut c = Client::new(
            cred,
            options,
            Policy { lm_compat_level: 3 },
            Arc::new(SystemEnvironment),
        );
        let mut s = server(3);
        let (chal, next) = s.challenge_connectionless().unwrap();
        s.advance(next);
        let offered = messages::Challenge::decode(&chal).unwrap().flags;
        assert!(
            offered & flags::NEGOTIATE_DATAGRAM != 0 && offered & flags::NEGOTIATE_KEY_EXCH != 0
        );
        let (auth, next) = c.authenticate(&chal, None).unwrap();
        c.advance(next);
        let a = Authenticate::decode(&auth).unwrap();
        assert!(a.flags & flags::NEGOTIATE_DATAGRAM != 0 && a.mic.is_some());
        s.authenticate(&auth, None).unwrap();
        let (ce, se) = (c.established_mut().unwrap(), s.established_mut().unwrap());
        assert_eq!(ce.exported_session_key, se.exported_session_key);
        // Out of order, as datagrams arrive.
        let mut m1 = *b"first datagram";
        let mut m2 = *b"second datagram";
        let s1 = ce.session.seal(Some(1), &mut [Segment::Seal(&mut m1)]);
        let s2 = ce.session.seal(Some(2), &mut [Segment::Seal(&mut m2)]);
        se.session
            .unseal(Some(2), &mut [Segment::Seal(&mut m2)], &s2)
            .unwrap();
        se.session
            .unseal(Some(1), &mut [Segment::Seal(&mut m1)], &s1)
            .unwrap();
        assert_eq!((&m1, &m2), (b"first datagram", b"second datagram"));
    }
    // Only once, and only first.
    let mut s = server(3);
    let (_, next) = s.challenge_connectionless().unwrap();
    s.advance(next);
    assert_eq!(s.challenge_connectionless().unwrap_err(), Error::OutOfOrder);
}

/// A holder of alice's password outside the client (as winbind's credential cache is): it
/// answers the CHALLENGE with a client of its own, asking for signing only, as Samba's does.
#[derive(Debug)]
struct Holder {
    negotiate_seen: std::sync::Mutex<Vec<Option<Vec<u8>>>>,
    refuse: Option<Error>,
}

impl ntlmssp::nlmp::credentials::ExternalAuthenticator for Holder {
    fn authenticate(
        &self,
        negotiate: Option<&[u8]>,
        challenge: &[u8],
    ) -> ntlmssp::nlmp::Result<ntlmssp::nlmp::credentials::ExternalAnswer> {
        self.negotiate_seen
            .lock()
            .unwrap()
            .push(negotiate.map(<[u8]>::to_vec));
        if let Some(e) = self.refuse {
            return Err(e);
        }
        let own = client("alice", "DOMAIN", "Secret123", 3, false);
        let parsed = messages::Challenge::decode(challenge)?;
        let (authenticate, established) = own.build_authenticate(
            negotiate.unwrap_or(&[]),
            challenge,
            &parsed,
            &[3; 8],
            &[4; 16],
            None,
        )?;
        Ok(ntlmssp::nlmp::credentials::ExternalAnswer {
            authenticate,
            exported_session_key: established.exported_session_key,
        })
    }
}

fn held_elsewhere(refuse: Option<Error>) -> (Arc<Holder>, Client) {
    let holder = Arc::new(Holder {
        negotiate_seen: Default::default(),
        refuse,
    });
    let options = ClientOptions {
        sign: true,
        seal: true,
        workstation: "WS".into(),
        ..Default::default()
    };
    let cred = ClientCredential::external("alice", "DOMAIN", holder.clone());
    let c = Client::new(
        Arc::new(cred),
        options,
        Policy { lm_compat_level: 3 },
        Arc::new(SystemEnvironment),
    );
    (holder, c)
}

#[test]
fn a_credential_held_elsewhere_answers_the_challenge() {
    let (holder, mut c) = held_elsewhere(None);
    let mut s = server(3);
    let chal = first_leg(&mut c, &mut s);
    let (auth, next) = c.authenticate(&chal, None).unwrap();
    c.advance(next);
    // The holder's message goes out as it made it, MIC included (it was given the NEGOTIATE).
    let msg = Authenticate::decode(&auth).unwrap();
    assert!(msg.mic.is_some_and(|m| m != [0; 16]));
    assert!(holder.negotiate_seen.lock().unwrap()[0].is_some());
    s.authenticate(&auth, None).unwrap();
    let (ce, se) = (c.established().unwrap(), s.established().unwrap());
    assert_eq!(ce.exported_session_key, se.exported_session_key);
    // The session follows what the holder's message negotiated: it asked for signing only.
    assert_eq!(ce.flags, se.flags);
    assert!(flags::has(ce.flags, flags::NEGOTIATE_SIGN));
    assert!(!flags::has(ce.flags, flags::NEGOTIATE_SEAL));
    assert_eq!((&ce.user[..], &ce.domain[..]), ("alice", "DOMAIN"));
    assert!(ce.ntlmv2);
    exchange(&mut c, &mut s);
    // No LM_KEY is offered for a credential held elsewhere, even where NTLMv1 would be sent.
    let (_, c) = held_elsewhere(None);
    assert!(!flags::has(c.negotiate_flags(), flags::NEGOTIATE_LM_KEY));
}

#[test]
fn a_credential_held_elsewhere_cannot_bind_to_a_channel() {
    let (holder, mut c) = held_elsewhere(None);
    let mut s = server(3);
    let chal = first_leg(&mut c, &mut s);
    assert_eq!(
        c.authenticate(&chal, Some([9; 16])).unwrap_err(),
        Error::Unsupported
    );
    assert!(
        holder.negotiate_seen.lock().unwrap().is_empty(),
        "the holder is not asked"
    );
    // The context is unchanged: answered without bindings it completes.
    let (auth, next) = c.authenticate(&chal, None).unwrap();
    c.advance(next);
    s.authenticate(&auth, None).unwrap();
}

#[test]
fn a_holders_refusal_and_a_malformed_challenge() {
    for e in [Error::NoCredentials, Error::NoAuthority] {
        let (_, mut c) = held_elsewhere(Some(e));
        let mut s = server(3);
        let chal = first_leg(&mut c, &mut s);
        assert_eq!(c.authenticate(&chal, None).unwrap_err(), e);
    }
    // A malformed CHALLENGE never reaches the holder.
    let (holder, mut c) = held_elsewhere(None);
    let (_, next) = c.negotiate().unwrap();
    c.advance(next);
    assert_eq!(
        c.authenticate(b"NTLMSSP\0\x02\0\0\0", None).unwrap_err(),
        Error::InvalidToken
    );
    assert!(holder.negotiate_seen.lock().unwrap().is_empty());
    // Server-initiated: no NEGOTIATE to pass on.
    let (holder, c) = held_elsewhere(None);
    let mut s = server(3);
    let (chal, next) = s.challenge_connectionless().unwrap();
    s.advance(next);
    let (auth, _) = c.authenticate(&chal, None).unwrap();
    assert_eq!(holder.negotiate_seen.lock().unwrap()[0], None);
    s.authenticate(&auth, None).unwrap();
}

/// A domain member's CHALLENGE (3.2.5.1.1): its domain as the target, TARGET_TYPE_DOMAIN.
#[test]
fn a_domain_members_challenge_names_its_domain() {
    let names = ServerNames {
        nb_computer: "MEMBER1".into(),
        nb_domain: "EXAMPLE".into(),
        dns_computer: "member1.example.test".into(),
        dns_domain: "example.test".into(),
        domain_member: true,
        ..Default::default()
    };
    let mut s = Server::new(
        ServerCredential {
            verifier: Arc::new(FileUserDatabase::from_text("EXAMPLE:alice:Secret123\n")),
        },
        Arc::new(names),
        Policy { lm_compat_level: 3 },
        Arc::new(SystemEnvironment),
    );
    let mut c = client("alice", "EXAMPLE", "Secret123", 3, true);
    let chal = first_leg(&mut c, &mut s);
    let parsed = messages::Challenge::decode(&chal).unwrap();
    assert!(flags::has(parsed.flags, flags::TARGET_TYPE_DOMAIN));
    assert!(!flags::has(parsed.flags, flags::TARGET_TYPE_SERVER));
    let target: Vec<u8> = "EXAMPLE"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    assert_eq!(parsed.target_name, &target[..]);
    let (auth, next) = c.authenticate(&chal, None).unwrap();
    c.advance(next);
    s.authenticate(&auth, None).unwrap();
    // Neither target type reaches the established flags.
    assert!(!flags::has(
        s.established().unwrap().flags,
        flags::TARGET_TYPE_DOMAIN
    ));
}

/// Negotiate over a credential held elsewhere: the mechListMIC follows from the holder's
/// message (it carries a MIC) and the key it returned, and the streams agree afterwards.
#[test]
fn negotiate_with_a_credential_held_elsewhere() {
    use ntlmssp::spnego::context::{Acceptor, Initiator, Progress};
    let (_, c) = held_elsewhere(None);
    let (mut i, mut a) = (Initiator::new(c), Acceptor::new(server(3)));
    let (init, next) = i.step(None, None).unwrap();
    i.advance(next);
    let (chal, next) = a.step(&init).unwrap();
    a.advance(next);
    let (auth, next) = i.step(Some(&chal), None).unwrap();
    i.advance(next);
    let last = a.authenticate(&auth, None).unwrap();
    assert_eq!(a.progress(), Progress::Complete);
    let (_, next) = i.step(Some(&last), None).unwrap();
    i.advance(next);
    let ie = i.established_mut().unwrap();
    let mut data = *b"client to server";
    let sig = ie.session.seal(None, &mut [Segment::Seal(&mut data)]);
    a.established_mut()
        .unwrap()
        .session
        .unseal(None, &mut [Segment::Seal(&mut data)], &sig)
        .unwrap();
    assert_eq!(&data, b"client to server");
}
