//! Writes seed inputs into corpus/<target>/: real messages from a conversation between the
//! deterministic client and server (so server seeds verify), at NTLMv2 and NTLMv1 levels.
//! Tokens captured from interop peers (tests/interop/run.py with NTLMSSP_CAPTURE_DIR) and the
//! MS-NLMP 4.2 messages are added beside them by scripts/fuzz.sh --seed.

use std::path::Path;

fn write(dir: &Path, target: &str, name: &str, bytes: &[u8]) {
    let d = dir.join(target);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join(name), bytes).unwrap();
}

fn main() {
    let dir = std::env::args().nth(1).expect("usage: make_seeds <corpus dir>");
    let dir = Path::new(&dir);
    for (level, tag) in [(3u8, "v2"), (2, "v1")] {
        let mut c = ntlmssp_fuzz::fixed_client(level);
        let mut s = ntlmssp_fuzz::fixed_server(level);
        let (neg, next) = c.negotiate().unwrap();
        c.advance(next);
        let (chal, next) = s.challenge(&neg).unwrap();
        s.advance(next);
        let (auth, next) = c.authenticate(&chal, None).unwrap();
        c.advance(next);
        // The server accepts this pair: the fuzzer starts from a successful logon.
        let mut check = ntlmssp_fuzz::fixed_server(level);
        let (_, n) = check.challenge(&neg).unwrap();
        check.advance(n);
        check.authenticate(&auth, None).expect("seed AUTHENTICATE verifies");
        for (name, m) in [("negotiate", &neg), ("challenge", &chal), ("authenticate", &auth)] {
            write(dir, "messages", &format!("{tag}-{name}"), m);
        }
        write(dir, "client", &format!("{tag}-challenge"), &chal);
        write(dir, "server", &format!("{tag}-conversation"), &ntlmssp_fuzz::join_tokens(&neg, &auth));
        let e = c.established_mut().unwrap();
        let mut data = *b"a sealed message for the seeds";
        let sig = e.session.seal(None, &mut [ntlmssp::nlmp::session::Segment::Seal(&mut data)]);
        let mut seed = e.flags.to_le_bytes().to_vec();
        seed.extend_from_slice(&e.exported_session_key.0);
        seed.extend_from_slice(&sig);
        seed.extend_from_slice(&data);
        write(dir, "session", &format!("{tag}-sealed"), &seed);
    }
    spnego_seeds(dir);
}

/// The four tokens of a Negotiate exchange between the deterministic peers, and a
/// NegTokenInit listing Kerberos before NTLMSSP (what Windows sends).
fn spnego_seeds(dir: &Path) {
    use ntlmssp::spnego::codec::{self, MechTypeList, NegTokenInit, NegotiationToken, Token, KRB5, MS_KRB5, NTLMSSP};
    use ntlmssp::spnego::context::{Acceptor, Initiator};
    let mut i = Initiator::new(ntlmssp_fuzz::fixed_client(3));
    let mut a = Acceptor::new(ntlmssp_fuzz::fixed_server(3));
    let (init, next) = i.step(None, None).unwrap();
    i.advance(next);
    let (challenge, next) = a.step(&init).unwrap();
    a.advance(next);
    let (authenticate, next) = i.step(Some(&challenge), None).unwrap();
    i.advance(next);
    let fin = a.authenticate(&authenticate, None).unwrap();
    for (name, t) in [("init", &init), ("challenge", &challenge), ("authenticate", &authenticate), ("final", &fin)] {
        write(dir, "spnego", &format!("negotiate-{name}"), t);
    }
    let list = codec::encode_mech_types(&[MS_KRB5, KRB5, NTLMSSP]).unwrap();
    let negotiate = ntlmssp_fuzz::fixed_client(3).negotiate().unwrap().0;
    let init = NegTokenInit { mech_types: MechTypeList::from_der_bytes(&list).unwrap(), req_flags: None, mech_token: Some(codec::octets(&negotiate).unwrap()), mech_list_mic: None };
    write(dir, "spnego", "kerberos-first-init", &Token { token: NegotiationToken::Init(init), framed: true }.encode().unwrap());
}
