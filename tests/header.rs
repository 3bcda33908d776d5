//! The committed header is what build.rs generates from the Rust declarations, and it compiles
//! as Windows SSPI code expects, warning-free, with every C compiler present.

use std::path::Path;
use std::process::Command;

#[test]
fn committed_header_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("include/sspi.h");
    let generated = ntlmssp::generated::SSPI_H;
    if std::env::var_os("NTLMSSP_BLESS").is_some() {
        std::fs::write(&path, generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "include/sspi.h differs from the header generated from src/sspi/types.rs and entry.rs; \
         run `NTLMSSP_BLESS=1 cargo test --test header` and commit the result"
    );
}

const PROGRAM: &str = r#"
#define SECURITY_WIN32
#include <security.h>
#include <stddef.h>
#include <string.h>

typedef char check_handle[sizeof(SecHandle) == 2 * sizeof(void *) ? 1 : -1];
typedef char check_buffer[sizeof(SecBuffer) == (sizeof(void *) == 8 ? 16 : 12) ? 1 : -1];
typedef char check_ulong[sizeof(ULONG) == 4 ? 1 : -1];
typedef char check_wchar[sizeof(WCHAR) == 2 ? 1 : -1];
typedef char check_table[sizeof(SecurityFunctionTableW) == 32 * sizeof(void *) ? 1 : -1];
typedef char check_identity[offsetof(SEC_WINNT_AUTH_IDENTITY_EXW, Flags) == (sizeof(void *) == 8 ? 52 : 32) ? 1 : -1];

#ifdef UNICODE
#define PKG ((SEC_WCHAR *)(void *)NTLMSP_NAME_W)
#else
#define PKG ((SEC_CHAR *)(void *)NTLMSP_NAME_A)
#endif

int use_it(void);
int use_it(void) {
    CredHandle cred;
    CtxtHandle ctx;
    TimeStamp expiry;
    SecBuffer out_buf = { 0, SECBUFFER_TOKEN, NULL };
    SecBufferDesc out = { SECBUFFER_VERSION, 1, &out_buf };
    ULONG attrs = 0;
    SEC_WINNT_AUTH_IDENTITY id;
    SECURITY_STATUS s;
    INIT_SECURITY_INTERFACE init = InitSecurityInterface;
    PSecurityFunctionTable table = init();
    memset(&id, 0, sizeof id);
    SecInvalidateHandle(&ctx);
    id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    s = AcquireCredentialsHandle(NULL, PKG, SECPKG_CRED_OUTBOUND, NULL, &id, NULL, NULL, &cred, &expiry);
    if (!SEC_SUCCESS(s)) return 1;
    s = table->InitializeSecurityContext(&cred, NULL, NULL, ISC_REQ_CONFIDENTIALITY | ISC_REQ_ALLOCATE_MEMORY, 0,
                                         SECURITY_NATIVE_DREP, NULL, 0, &ctx, &out, &attrs, &expiry);
    if (s != SEC_I_CONTINUE_NEEDED || !SecIsValidHandle(&ctx)) return 2;
    FreeContextBuffer(out_buf.pvBuffer);
    DeleteSecurityContext(&ctx);
    FreeCredentialsHandle(&cred);
    return s == SEC_E_INVALID_HANDLE;
}
"#;

fn compiles_with(compiler: &str, extra: &[&str]) {
    if Command::new(compiler).arg("--version").output().is_err() {
        eprintln!("{compiler} not installed; skipped");
        return;
    }
    let dir =
        std::env::temp_dir().join(format!("ntlmssp-header-{}-{compiler}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("prog.c");
    std::fs::write(&src, PROGRAM).unwrap();
    let include = Path::new(env!("CARGO_MANIFEST_DIR")).join("include");
    for unicode in [false, true] {
        let mut cmd = Command::new(compiler);
        cmd.args(extra)
            .arg("-Wall")
            .arg("-Wextra")
            .arg("-Werror")
            .arg("-pedantic")
            .arg("-fsyntax-only");
        cmd.arg("-I").arg(&include).arg(&src);
        if unicode {
            cmd.arg("-DUNICODE");
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{compiler} {extra:?} unicode={unicode}:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn header_compiles_as_c_and_cpp() {
    // C11 for u"" (WCHAR strings); the header itself is C99.
    compiles_with("gcc", &["-std=c11"]);
    compiles_with("clang", &["-std=c11"]);
    compiles_with("g++", &["-x", "c++", "-std=c++11"]);
}
