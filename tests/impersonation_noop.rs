//! `NTLMSSP_IMPERSONATE=noop`: hosts that refuse every login unless ImpersonateSecurityContext
//! succeeds (FreeRDP's NLA server) opt in to it being a successful no-op. Its own test binary,
//! since the setting is read once per process.

mod common;

use common::*;
use ntlmssp::sspi::entry::*;
use ntlmssp::sspi::types::*;

#[test]
fn impersonation_is_a_no_op_when_asked_for() {
    std::env::set_var("NTLMSSP_IMPERSONATE", "noop");
    let file = std::env::temp_dir().join(format!("ntlmssp-impersonate-{}", std::process::id()));
    std::fs::write(&file, "DOMAIN:alice:Secret123\n").unwrap();
    std::env::set_var("NTLM_USER_FILE", &file);
    let mut sc = server_credential().unwrap();
    std::fs::remove_file(&file).unwrap();
    let mut cc = client_credential("alice", "DOMAIN", "Secret123").unwrap();
    let (mut cx, mut sx) = handshake(&mut cc, &mut sc).unwrap();
    unsafe {
        assert_eq!(ImpersonateSecurityContext(&mut sx), SEC_E_OK);
        assert_eq!(RevertSecurityContext(&mut sx), SEC_E_OK);
        // Still nothing for a handle that is not a context, and no token to hand out.
        assert_eq!(ImpersonateSecurityContext(&mut sc), SEC_E_INVALID_HANDLE);
        let mut token = core::ptr::null_mut();
        assert_eq!(
            QuerySecurityContextToken(&mut sx, &mut token),
            SEC_E_NO_IMPERSONATION
        );
    }
    assert_eq!(delete(&mut cx), SEC_E_OK);
    assert_eq!(delete(&mut sx), SEC_E_OK);
    free_credential(&mut cc);
    free_credential(&mut sc);
}
