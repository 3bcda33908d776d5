//! ntlmssp through its exported functions (the C ABI path every C caller takes), and through
//! its Rust core.

use std::ptr::null_mut;
use std::sync::{Arc, OnceLock};

use ntlmssp::nlmp::client::{Client, ClientOptions};
use ntlmssp::nlmp::credentials::ClientCredential;
use ntlmssp::nlmp::verifier::ServerCredential;
use ntlmssp::users::database::FileUserDatabase;
use ntlmssp::nlmp::env::SystemEnvironment;
use ntlmssp::nlmp::policy::Policy;
use ntlmssp::nlmp::server::{Server, ServerNames};
use ntlmssp::nlmp::session::{Segment, SessionSecurity};
use ntlmssp::sspi::entry::*;
use ntlmssp::sspi::types::*;

use crate::{alloc_count, Config, DOMAIN, PASSWORD, USER};

pub fn setup_user_file() {
    // Looked at once a second, as by default: the benchmark measures that cost too.
    let path = std::env::temp_dir().join(format!("ntlmssp-bench-{}.users", std::process::id()));
    std::fs::write(&path, format!("{DOMAIN}:{USER}:{PASSWORD}\n")).unwrap();
    std::env::set_var("NTLM_USER_FILE", &path);
}

struct Creds {
    client: CredHandle,
    server: CredHandle,
}

impl Drop for Creds {
    fn drop(&mut self) {
        unsafe {
            FreeCredentialsHandle(&mut self.client);
            FreeCredentialsHandle(&mut self.server);
        }
    }
}

fn creds() -> &'static Creds {
    static C: OnceLock<Creds> = OnceLock::new();
    // The same acquisition as the library's own Rust tests (tests/common).
    C.get_or_init(|| Creds {
        client: crate::common::client_credential(USER, DOMAIN, PASSWORD).expect("client credential"),
        server: crate::common::server_credential().expect("server credential"),
    })
}

/// One complete handshake through the exports; the two established contexts.
pub fn establish() -> (CtxtHandle, CtxtHandle) {
    let c = creds();
    establish_with(c.client, c.server)
}

/// One complete handshake between these credentials; the two established contexts.
pub fn establish_with(mut cc: CredHandle, mut sc: CredHandle) -> (CtxtHandle, CtxtHandle) {
    let (mut cx, mut sx) = (SecHandle { dwLower: 0, dwUpper: 0 }, SecHandle { dwLower: 0, dwUpper: 0 });
    let mut a = [0u8; 1024];
    let mut b = [0u8; 1024];
    let req = ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_REPLAY_DETECT | ISC_REQ_SEQUENCE_DETECT;
    let (mut attrs, mut ts) = (0, 0);
    unsafe {
        let mut ob = SecBuffer { cbBuffer: 1024, BufferType: SECBUFFER_TOKEN, pvBuffer: a.as_mut_ptr().cast() };
        let mut od = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 1, pBuffers: &mut ob };
        assert_eq!(InitializeSecurityContextW(&mut cc, null_mut(), null_mut(), req, 0, 0, null_mut(), 0, &mut cx, &mut od, &mut attrs, &mut ts), SEC_I_CONTINUE_NEEDED);
        let mut ib = SecBuffer { cbBuffer: ob.cbBuffer, BufferType: SECBUFFER_TOKEN, pvBuffer: a.as_mut_ptr().cast() };
        let mut id = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 1, pBuffers: &mut ib };
        let mut ob = SecBuffer { cbBuffer: 1024, BufferType: SECBUFFER_TOKEN, pvBuffer: b.as_mut_ptr().cast() };
        let mut od = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 1, pBuffers: &mut ob };
        assert_eq!(AcceptSecurityContext(&mut sc, null_mut(), &mut id, req, 0, &mut sx, &mut od, &mut attrs, &mut ts), SEC_I_CONTINUE_NEEDED);
        let mut ib = SecBuffer { cbBuffer: ob.cbBuffer, BufferType: SECBUFFER_TOKEN, pvBuffer: b.as_mut_ptr().cast() };
        let mut id = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 1, pBuffers: &mut ib };
        let mut ob = SecBuffer { cbBuffer: 1024, BufferType: SECBUFFER_TOKEN, pvBuffer: a.as_mut_ptr().cast() };
        let mut od = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 1, pBuffers: &mut ob };
        assert_eq!(InitializeSecurityContextW(&mut cc, &mut cx, null_mut(), req, 0, 0, &mut id, 0, &mut cx, &mut od, &mut attrs, &mut ts), SEC_E_OK);
        let mut ib = SecBuffer { cbBuffer: ob.cbBuffer, BufferType: SECBUFFER_TOKEN, pvBuffer: a.as_mut_ptr().cast() };
        let mut id = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 1, pBuffers: &mut ib };
        assert_eq!(AcceptSecurityContext(&mut sc, &mut sx, &mut id, req, 0, &mut sx, null_mut(), &mut attrs, &mut ts), SEC_E_OK);
    }
    (cx, sx)
}

pub fn handshake_once() {
    let c = creds();
    handshake_with(c.client, c.server);
}

/// A handshake between these credentials, both contexts deleted.
pub fn handshake_with(client: CredHandle, server: CredHandle) {
    let (mut cx, mut sx) = establish_with(client, server);
    unsafe {
        DeleteSecurityContext(&mut cx);
        DeleteSecurityContext(&mut sx);
    }
}

thread_local! {
    /// This thread's own client and server credentials (the server's from the same user file).
    static OWN: Creds = Creds {
        client: crate::common::client_credential(USER, DOMAIN, PASSWORD).expect("client credential"),
        server: crate::common::server_credential().expect("server credential"),
    };
}

/// A handshake on credentials of this thread's own (no credential shared between threads).
pub fn handshake_own_credentials() {
    OWN.with(|c| handshake_with(c.client, c.server));
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

/// The same handshake on the Rust core: no handles, descriptors or string conversions.
pub fn core_handshake_once() {
    std::hint::black_box(core_handshake());
}

/// One handshake on the Rust core; the established client and server.
fn core_handshake() -> (Client, Server) {
    let k = core();
    let options = ClientOptions { sign: true, seal: true, ..Default::default() };
    let mut c = Client::new(k.credential.clone(), options, Policy { lm_compat_level: 3 }, k.env.clone());
    let mut s = Server::new(k.users.clone(), k.names.clone(), Policy { lm_compat_level: 3 }, k.env.clone());
    let (neg, next) = c.negotiate().unwrap();
    c.advance(next);
    let (chal, next) = s.challenge(&neg).unwrap();
    s.advance(next);
    let (auth, next) = c.authenticate(&chal, None).unwrap();
    c.advance(next);
    s.authenticate(&auth, None).unwrap();
    (c, s)
}

fn message(ctx: &mut CtxtHandle, op: u8, data: &mut [u8], sig: &mut [u8; 16]) -> SECURITY_STATUS {
    let mut bufs = [
        SecBuffer { cbBuffer: data.len() as u32, BufferType: SECBUFFER_DATA, pvBuffer: data.as_mut_ptr().cast() },
        SecBuffer { cbBuffer: 16, BufferType: SECBUFFER_TOKEN, pvBuffer: sig.as_mut_ptr().cast() },
    ];
    let mut d = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 2, pBuffers: bufs.as_mut_ptr() };
    let mut qop = 0;
    unsafe {
        match op {
            0 => MakeSignature(ctx, 0, &mut d, 0),
            1 => VerifySignature(ctx, &mut d, 0, &mut qop),
            2 => EncryptMessage(ctx, 0, &mut d, 0),
            _ => DecryptMessage(ctx, &mut d, 0, &mut qop),
        }
    }
}

/// MakeSignature on one side, VerifySignature on the other, per call.
pub fn sign_verify(size: usize) -> Box<dyn FnMut()> {
    let (mut cx, mut sx) = establish();
    let mut data = vec![0x5au8; size];
    let mut sig = [0u8; 16];
    Box::new(move || {
        assert_eq!(message(&mut cx, 0, &mut data, &mut sig), SEC_E_OK);
        assert_eq!(message(&mut sx, 1, &mut data, &mut sig), SEC_E_OK);
    })
}

/// EncryptMessage on one side, DecryptMessage on the other, per call.
pub fn seal_unseal(size: usize) -> Box<dyn FnMut()> {
    let (mut cx, mut sx) = establish();
    let mut data = vec![0x5au8; size];
    let mut sig = [0u8; 16];
    Box::new(move || {
        assert_eq!(message(&mut cx, 2, &mut data, &mut sig), SEC_E_OK);
        assert_eq!(message(&mut sx, 3, &mut data, &mut sig), SEC_E_OK);
    })
}

/// Two established core sessions (client, server).
fn core_sessions() -> (SessionSecurity, SessionSecurity) {
    let (mut c, mut s) = core_handshake();
    (c.established_mut().unwrap().session.clone(), s.established_mut().unwrap().session.clone())
}

/// MakeSignature and VerifySignature on the Rust core (no handles or buffer descriptors).
pub fn core_sign_verify(size: usize) -> Box<dyn FnMut()> {
    let (mut c, mut s) = core_sessions();
    let data = vec![0x5au8; size];
    Box::new(move || {
        let sig = c.sign(None, &[&data]);
        s.verify(None, &[&data], &sig).unwrap();
    })
}

/// EncryptMessage and DecryptMessage on the Rust core.
pub fn core_seal_unseal(size: usize) -> Box<dyn FnMut()> {
    let (mut c, mut s) = core_sessions();
    let mut data = vec![0x5au8; size];
    Box::new(move || {
        let sig = c.seal(None, &mut [Segment::Seal(&mut data)]);
        s.unseal(None, &mut [Segment::Seal(&mut data)], &sig).unwrap();
    })
}

/// Handshakes per second with `threads` threads running the loop at once (sum of all threads,
/// each in wall time).
pub fn threaded_rate(threads: usize, cfg: &Config, f: fn()) -> f64 {
    let _ = creds();
    let _ = core();
    let runs = cfg.runs;
    let window = cfg.window;
    let handles: Vec<_> = (0..threads).map(|_| std::thread::spawn(move || crate::wall_rate(runs, window, 1, f))).collect();
    handles.into_iter().map(|h| h.join().unwrap()).sum()
}

/// Heap bytes held per established context (client and server), from 200 live contexts each.
pub fn heap_per_context() -> (usize, usize) {
    const N: usize = 200;
    let _ = creds();
    handshake_once();
    let before = alloc_count::live_bytes();
    let mut pairs: Vec<(CtxtHandle, CtxtHandle)> = Vec::with_capacity(N);
    let base_vec = alloc_count::live_bytes();
    for _ in 0..N {
        pairs.push(establish());
    }
    let total = alloc_count::live_bytes() - base_vec;
    let _ = before;
    // Delete the server contexts first to split the total between the two sides.
    for (_, s) in &mut pairs {
        unsafe { DeleteSecurityContext(s) };
    }
    let clients = alloc_count::live_bytes() - base_vec;
    for (c, _) in &mut pairs {
        unsafe { DeleteSecurityContext(c) };
    }
    (clients / N, (total - clients) / N)
}

/// Heap allocations made by the four message calls on 1 KiB once each direction has sent or
/// received its first message (expected: none).
pub fn allocations_per_message() -> usize {
    let (mut cx, mut sx) = establish();
    let mut data = vec![1u8; 1024];
    let mut sig = [0u8; 16];
    // A direction's first message derives and boxes its keys: counted from the second on.
    message(&mut cx, 0, &mut data, &mut sig);
    message(&mut sx, 1, &mut data, &mut sig);
    message(&mut cx, 2, &mut data, &mut sig);
    message(&mut sx, 3, &mut data, &mut sig);
    let before = alloc_count::allocations();
    for _ in 0..100 {
        message(&mut cx, 0, &mut data, &mut sig);
        message(&mut sx, 1, &mut data, &mut sig);
        message(&mut cx, 2, &mut data, &mut sig);
        message(&mut sx, 3, &mut data, &mut sig);
    }
    let n = alloc_count::allocations() - before;
    unsafe {
        DeleteSecurityContext(&mut cx);
        DeleteSecurityContext(&mut sx);
    }
    n / 400
}
