//! Devolutions sspi-rs (the `sspi` crate), doing the same work in the same process: its NTLM
//! client and server through its Rust SSPI API. Its server completes in `complete_auth_token`
//! and does not check the NTProofStr, so it does less than ntlmssp's server.

use sspi::{
    AuthIdentity, BufferType, ClientRequestFlags, CredentialUse, DataRepresentation, EncryptionFlags, Ntlm, SecurityBuffer,
    SecurityBufferRef, SecurityStatus, ServerRequestFlags, Sspi, SspiImpl, Username,
};

use crate::{DOMAIN, PASSWORD, USER};

fn identity() -> AuthIdentity {
    AuthIdentity { username: Username::new(USER, Some(DOMAIN)).unwrap(), password: PASSWORD.to_owned().into() }
}

/// A full handshake; the two contexts.
pub fn establish() -> (Ntlm, Ntlm) {
    let id = identity();
    let mut client = Ntlm::new();
    let mut server = Ntlm::new();
    let mut ch = client.acquire_credentials_handle().with_credential_use(CredentialUse::Outbound).with_auth_data(&id).execute(&mut client).unwrap().credentials_handle;
    let mut sh = server.acquire_credentials_handle().with_credential_use(CredentialUse::Inbound).with_auth_data(&id).execute(&mut server).unwrap().credentials_handle;
    let mut to_server = [SecurityBuffer::new(Vec::new(), BufferType::Token)];
    let mut to_client = [SecurityBuffer::new(Vec::new(), BufferType::Token)];
    let mut server_status = SecurityStatus::ContinueNeeded;
    for _ in 0..3 {
        to_server[0].buffer.clear();
        let mut b = client
            .initialize_security_context()
            .with_credentials_handle(&mut ch)
            .with_context_requirements(ClientRequestFlags::INTEGRITY | ClientRequestFlags::CONFIDENTIALITY | ClientRequestFlags::REPLAY_DETECT | ClientRequestFlags::SEQUENCE_DETECT)
            .with_target_data_representation(DataRepresentation::Native)
            .with_input(&mut to_client)
            .with_output(&mut to_server);
        let status = client.initialize_security_context_impl(&mut b).unwrap().resolve_to_result().unwrap().status;
        to_client[0].buffer.clear();
        let b = server
            .accept_security_context()
            .with_credentials_handle(&mut sh)
            .with_context_requirements(ServerRequestFlags::INTEGRITY | ServerRequestFlags::CONFIDENTIALITY)
            .with_target_data_representation(DataRepresentation::Native)
            .with_input(&mut to_server)
            .with_output(&mut to_client);
        server_status = server.accept_security_context_impl(b).unwrap().resolve_to_result().unwrap().status;
        if status == SecurityStatus::Ok {
            break;
        }
    }
    if server_status == SecurityStatus::CompleteNeeded {
        server.complete_auth_token(&mut []).unwrap();
    }
    (client, server)
}

pub fn handshake_once() {
    std::hint::black_box(establish());
}

pub fn sign_verify(size: usize) -> Box<dyn FnMut()> {
    let (mut c, mut s) = establish();
    let mut data = vec![0x5au8; size];
    let mut sig = [0u8; 16];
    let mut seq = 0;
    Box::new(move || {
        let mut m = [SecurityBufferRef::data_buf(&mut data), SecurityBufferRef::token_buf(&mut sig)];
        c.make_signature(0, &mut m, seq).unwrap();
        s.verify_signature(&mut m, seq).unwrap();
        seq += 1;
    })
}

pub fn seal_unseal(size: usize) -> Box<dyn FnMut()> {
    let (mut c, mut s) = establish();
    let mut data = vec![0x5au8; size];
    let mut sig = [0u8; 16];
    Box::new(move || {
        let mut m = [SecurityBufferRef::token_buf(&mut sig), SecurityBufferRef::data_buf(&mut data)];
        c.encrypt_message(EncryptionFlags::empty(), &mut m).unwrap();
        s.decrypt_message(&mut m).unwrap();
    })
}
