//! The Negotiate handshake (SPNEGO around NTLM): ntlmssp through its exported functions and
//! through its core, and Devolutions sspi-rs's Negotiate with NTLM, for the row next to NTLM's.

use std::ptr::null_mut;
use std::sync::{Arc, OnceLock};

use ntlmssp::nlmp::client::{Client, ClientOptions};
use ntlmssp::nlmp::credentials::ClientCredential;
use ntlmssp::nlmp::verifier::ServerCredential;
use ntlmssp::users::database::FileUserDatabase;
use ntlmssp::nlmp::env::SystemEnvironment;
use ntlmssp::nlmp::policy::Policy;
use ntlmssp::nlmp::server::{Server, ServerNames};
use ntlmssp::spnego::context::{Acceptor, Initiator};
use ntlmssp::sspi::entry::*;
use ntlmssp::sspi::types::*;

use crate::common::{utf16, utf16z};
use crate::{DOMAIN, PASSWORD, USER};

struct Creds {
    client: CredHandle,
    server: CredHandle,
}

fn creds() -> &'static Creds {
    static C: OnceLock<Creds> = OnceLock::new();
    C.get_or_init(|| {
        let (user, domain, password) = (utf16(USER), utf16(DOMAIN), utf16(PASSWORD));
        let mut id = SEC_WINNT_AUTH_IDENTITY_W {
            User: user.as_ptr() as *mut u16,
            UserLength: user.len() as u32,
            Domain: domain.as_ptr() as *mut u16,
            DomainLength: domain.len() as u32,
            Password: password.as_ptr() as *mut u16,
            PasswordLength: password.len() as u32,
            Flags: SEC_WINNT_AUTH_IDENTITY_UNICODE,
        };
        let package = utf16z("Negotiate");
        let (mut client, mut server, mut ts) = (SecHandle { dwLower: 0, dwUpper: 0 }, SecHandle { dwLower: 0, dwUpper: 0 }, 0);
        unsafe {
            let p = package.as_ptr() as *mut u16;
            let auth = &mut id as *mut _ as *mut _;
            assert_eq!(AcquireCredentialsHandleW(null_mut(), p, SECPKG_CRED_OUTBOUND, null_mut(), auth, None, null_mut(), &mut client, &mut ts), SEC_E_OK);
            assert_eq!(AcquireCredentialsHandleW(null_mut(), p, SECPKG_CRED_INBOUND, null_mut(), null_mut(), None, null_mut(), &mut server, &mut ts), SEC_E_OK);
        }
        Creds { client, server }
    })
}

/// One leg through the exports: `input` in (none on the client's first call), the token out.
unsafe fn leg(client: bool, cred: &mut CredHandle, ctx: &mut CtxtHandle, first: bool, input: &mut [u8], output: &mut [u8]) -> (SECURITY_STATUS, usize) {
    let req = ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_REPLAY_DETECT | ISC_REQ_SEQUENCE_DETECT;
    let mut ib = SecBuffer { cbBuffer: input.len() as u32, BufferType: SECBUFFER_TOKEN, pvBuffer: input.as_mut_ptr().cast() };
    let mut id = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 1, pBuffers: &mut ib };
    let mut ob = SecBuffer { cbBuffer: output.len() as u32, BufferType: SECBUFFER_TOKEN, pvBuffer: output.as_mut_ptr().cast() };
    let mut od = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 1, pBuffers: &mut ob };
    let (mut attrs, mut ts) = (0, 0);
    let old = if first { null_mut() } else { ctx as *mut _ };
    let s = if client {
        let input = if input.is_empty() { null_mut() } else { &mut id as *mut _ };
        InitializeSecurityContextW(cred, old, null_mut(), req, 0, 0, input, 0, ctx, &mut od, &mut attrs, &mut ts)
    } else {
        AcceptSecurityContext(cred, old, &mut id, req, 0, ctx, &mut od, &mut attrs, &mut ts)
    };
    (s, ob.cbBuffer as usize)
}

/// A Negotiate handshake through the exports, the server's final token passed back to the
/// client (five calls), then both contexts deleted.
pub fn handshake_once() {
    let c = creds();
    let (mut cc, mut sc) = (c.client, c.server);
    let (mut cx, mut sx) = (SecHandle { dwLower: 0, dwUpper: 0 }, SecHandle { dwLower: 0, dwUpper: 0 });
    let (mut a, mut b) = ([0u8; 2048], [0u8; 2048]);
    unsafe {
        let (s, n) = leg(true, &mut cc, &mut cx, true, &mut [], &mut a);
        assert_eq!(s, SEC_I_CONTINUE_NEEDED);
        let (s, m) = leg(false, &mut sc, &mut sx, true, &mut a[..n], &mut b);
        assert_eq!(s, SEC_I_CONTINUE_NEEDED);
        let (s, n) = leg(true, &mut cc, &mut cx, false, &mut b[..m], &mut a);
        assert_eq!(s, SEC_E_OK);
        let (s, m) = leg(false, &mut sc, &mut sx, false, &mut a[..n], &mut b);
        assert_eq!(s, SEC_E_OK);
        let (s, _) = leg(true, &mut cc, &mut cx, false, &mut b[..m], &mut a);
        assert_eq!(s, SEC_E_OK);
        DeleteSecurityContext(&mut cx);
        DeleteSecurityContext(&mut sx);
    }
}

struct Core {
    credential: Arc<ClientCredential>,
    users: ServerCredential,
    names: Arc<ServerNames>,
    env: Arc<SystemEnvironment>,
}

fn core() -> &'static Core {
    static C: OnceLock<Core> = OnceLock::new();
    C.get_or_init(|| Core {
        credential: Arc::new(ClientCredential::from_password(USER, DOMAIN, PASSWORD)),
        users: ServerCredential { verifier: Arc::new(FileUserDatabase::from_text(&format!("{DOMAIN}:{USER}:{PASSWORD}\n"))) },
        names: Arc::new(ServerNames::from_env()),
        env: Arc::new(SystemEnvironment),
    })
}

/// The same Negotiate handshake on the core: the initiator and acceptor around NTLM.
pub fn core_handshake_once() {
    let k = core();
    let options = ClientOptions { sign: true, seal: true, ..Default::default() };
    let mut i = Initiator::new(Client::new(k.credential.clone(), options, Policy { lm_compat_level: 3 }, k.env.clone()));
    let mut a = Acceptor::new(Server::new(k.users.clone(), k.names.clone(), Policy { lm_compat_level: 3 }, k.env.clone()));
    let (init, next) = i.step(None, None).unwrap();
    i.advance(next);
    let (challenge, next) = a.step(&init).unwrap();
    a.advance(next);
    let (authenticate, next) = i.step(Some(&challenge), None).unwrap();
    i.advance(next);
    let fin = a.authenticate(&authenticate, None).unwrap();
    let (_, next) = i.step(Some(&fin), None).unwrap();
    i.advance(next);
    std::hint::black_box((&i, &a));
}

/// sspi-rs's Negotiate (SPNEGO with its NTLM), client and server in this process.
pub fn sspi_rs_handshake_once() {
    use sspi::ntlm::NtlmConfig;
    use sspi::{
        AuthIdentity, BufferType, ClientRequestFlags, CredentialUse, DataRepresentation, Negotiate, NegotiateConfig, SecurityBuffer, SecurityStatus,
        ServerRequestFlags, Sspi, SspiImpl, Username,
    };
    let id = AuthIdentity { username: Username::new(USER, Some(DOMAIN)).unwrap(), password: PASSWORD.to_owned().into() };
    let config = || NegotiateConfig::new(Box::new(NtlmConfig::new("client".into())), Some("ntlm,!kerberos,!pku2u".into()), "client".into());
    let mut client = Negotiate::new_client(config()).unwrap();
    let mut server = Negotiate::new_server(config(), vec![id.clone()]).unwrap();
    let mut ch = client.acquire_credentials_handle().with_credential_use(CredentialUse::Outbound).with_auth_data(&id.clone().into()).execute(&mut client).unwrap().credentials_handle;
    let mut sh = server.acquire_credentials_handle().with_credential_use(CredentialUse::Inbound).with_auth_data(&id.into()).execute(&mut server).unwrap().credentials_handle;
    let mut to_server = [SecurityBuffer::new(Vec::new(), BufferType::Token)];
    let mut to_client = [SecurityBuffer::new(Vec::new(), BufferType::Token)];
    let (mut client_status, mut server_status) = (SecurityStatus::ContinueNeeded, SecurityStatus::ContinueNeeded);
    for _ in 0..4 {
        if client_status != SecurityStatus::Ok {
            to_server[0].buffer.clear();
            let mut b = client
                .initialize_security_context()
                .with_credentials_handle(&mut ch)
                .with_context_requirements(ClientRequestFlags::INTEGRITY | ClientRequestFlags::CONFIDENTIALITY)
                .with_target_name("HTTP/server")
                .with_target_data_representation(DataRepresentation::Native)
                .with_input(&mut to_client)
                .with_output(&mut to_server);
            client_status = client.initialize_security_context_impl(&mut b).unwrap().resolve_to_result().unwrap().status;
        }
        if server_status != SecurityStatus::Ok && !to_server[0].buffer.is_empty() {
            to_client[0].buffer.clear();
            let b = server
                .accept_security_context()
                .with_credentials_handle(&mut sh)
                .with_context_requirements(ServerRequestFlags::INTEGRITY | ServerRequestFlags::CONFIDENTIALITY)
                .with_target_data_representation(DataRepresentation::Native)
                .with_input(&mut to_server)
                .with_output(&mut to_client);
            server_status = server.accept_security_context_impl(b).unwrap().resolve_to_result().unwrap().status;
            if server_status == SecurityStatus::CompleteNeeded {
                server.complete_auth_token(&mut []).unwrap();
                server_status = SecurityStatus::Ok;
            }
        }
        if client_status == SecurityStatus::Ok && server_status == SecurityStatus::Ok {
            break;
        }
    }
    assert_eq!((client_status, server_status), (SecurityStatus::Ok, SecurityStatus::Ok), "sspi-rs Negotiate handshake");
    std::hint::black_box((client, server));
}

/// The parts of the SPNEGO layer, per handshake: (µs of DER decoding and encoding of the four
/// tokens, µs of mechListMIC work: both sides' signing and sealing keys, which plain NTLM derives
/// only on a context's first message, four MACs and the RC4 resets).
pub fn parts(cfg: &crate::Config) -> (f64, f64) {
    use ntlmssp::nlmp::crypto::Mode;
    use ntlmssp::nlmp::flags;
    use ntlmssp::nlmp::session::SessionSecurity;
    use ntlmssp::spnego::codec::Token;
    // The four tokens of a real exchange.
    let k = core();
    let options = ClientOptions { sign: true, seal: true, ..Default::default() };
    let mut i = Initiator::new(Client::new(k.credential.clone(), options, Policy { lm_compat_level: 3 }, k.env.clone()));
    let mut a = Acceptor::new(Server::new(k.users.clone(), k.names.clone(), Policy { lm_compat_level: 3 }, k.env.clone()));
    let (init, next) = i.step(None, None).unwrap();
    i.advance(next);
    let (challenge, next) = a.step(&init).unwrap();
    a.advance(next);
    let (authenticate, next) = i.step(Some(&challenge), None).unwrap();
    i.advance(next);
    let fin = a.authenticate(&authenticate, None).unwrap();
    let tokens = [init, challenge, authenticate, fin];
    let codec = crate::rate(cfg.runs, cfg.window, 1, || {
        for t in &tokens {
            let decoded = Token::decode(t).unwrap();
            std::hint::black_box(decoded.encode().unwrap());
        }
    });
    let f = flags::NEGOTIATE_SIGN | flags::NEGOTIATE_SEAL | flags::NEGOTIATE_EXTENDED_SESSIONSECURITY | flags::NEGOTIATE_KEY_EXCH | flags::NEGOTIATE_128;
    let key = [7u8; 16];
    let mech_types = ntlmssp::spnego::codec::encode_mech_types(&[ntlmssp::spnego::codec::NTLMSSP]).unwrap();
    let mic = crate::rate(cfg.runs, cfg.window, 1, || {
        let (mut c, mut s) = (SessionSecurity::new(f, &key, Mode::Client), SessionSecurity::new(f, &key, Mode::Server));
        let m = c.sign_mech_list(&mech_types);
        s.verify_mech_list(&mech_types, &m).unwrap();
        let m = s.sign_mech_list(&mech_types);
        c.verify_mech_list(&mech_types, &m).unwrap();
        std::hint::black_box((c, s));
    });
    (1e6 / codec, 1e6 / mic)
}

/// One sealed message each way between two established sessions (what RPC, SMB or LDAP do
/// next, and where plain NTLM derives the keys the mechListMIC made Negotiate derive early).
fn first_messages(client: &mut ntlmssp::nlmp::session::SessionSecurity, server: &mut ntlmssp::nlmp::session::SessionSecurity) {
    use ntlmssp::nlmp::session::{Segment, SessionSecurity};
    let one = |from: &mut SessionSecurity, to: &mut SessionSecurity| {
        let mut data = *b"the first application message";
        let sig = from.seal(None, &mut [Segment::Seal(&mut data)]);
        to.unseal(None, &mut [Segment::Seal(&mut data)], &sig).unwrap();
    };
    one(client, server);
    one(server, client);
}

/// For profilers: `n` core handshakes, each followed by one sealed message each way, with
/// plain NTLM (`negotiate` false) or Negotiate (the server's final token passed back).
pub fn profile_first_messages(n: usize, negotiate: bool) {
    let k = core();
    let options = ClientOptions { sign: true, seal: true, ..Default::default() };
    for _ in 0..n {
        let client = Client::new(k.credential.clone(), options.clone(), Policy { lm_compat_level: 3 }, k.env.clone());
        let server = Server::new(k.users.clone(), k.names.clone(), Policy { lm_compat_level: 3 }, k.env.clone());
        if negotiate {
            let (mut i, mut a) = (Initiator::new(client), Acceptor::new(server));
            let (init, next) = i.step(None, None).unwrap();
            i.advance(next);
            let (challenge, next) = a.step(&init).unwrap();
            a.advance(next);
            let (authenticate, next) = i.step(Some(&challenge), None).unwrap();
            i.advance(next);
            let fin = a.authenticate(&authenticate, None).unwrap();
            let (_, next) = i.step(Some(&fin), None).unwrap();
            i.advance(next);
            first_messages(&mut i.established_mut().unwrap().session, &mut a.established_mut().unwrap().session);
        } else {
            let (mut c, mut s) = (client, server);
            let (neg, next) = c.negotiate().unwrap();
            c.advance(next);
            let (chal, next) = s.challenge(&neg).unwrap();
            s.advance(next);
            let (auth, next) = c.authenticate(&chal, None).unwrap();
            c.advance(next);
            s.authenticate(&auth, None).unwrap();
            first_messages(&mut c.established_mut().unwrap().session, &mut s.established_mut().unwrap().session);
        }
    }
}
