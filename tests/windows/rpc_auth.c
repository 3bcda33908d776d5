/* What Wine's rpcrt4 does when a program asks for NTLM-authenticated RPC with the calling
 * user's credentials (RpcBindingSetAuthInfo with RPC_C_AUTHN_WINNT and no identity): it calls
 * AcquireCredentialsHandleW(NULL, "NTLM", SECPKG_CRED_OUTBOUND, NULL, NULL, ...) at once, and
 * answers RPC_S_SEC_PKG_ERROR when that fails. Run with ntlmssp.dll as the NTLM package and no
 * source of default credentials (no NTLM_USER_FILE): the call succeeds, as on Windows, and
 * secur32 itself acquires the same credential (the failure, if any, belongs to
 * InitializeSecurityContext). "Negotiate" is left out: on the providers route Wine 10's own
 * Negotiate answers it, not ntlmssp (tests/windows/checks.sh). */
#define SECURITY_WIN32
#include <windows.h>
#include <rpc.h>
#include <security.h>

#include <stdio.h>

static int failed;

static void check(const char *name, long got, long want) {
    printf("%s - %s (0x%08lx)\n", got == want ? "ok" : "not ok", name, (unsigned long)got);
    if (got != want) failed++;
}

int main(void) {
    RPC_WSTR binding_string = NULL;
    RPC_BINDING_HANDLE binding = NULL;
    CredHandle cred;
    TimeStamp ts;
    RPC_STATUS s = RpcStringBindingComposeW(NULL, (RPC_WSTR)L"ncalrpc", NULL, (RPC_WSTR)L"ntlmssp-test", NULL,
                                            &binding_string);
    check("RpcStringBindingComposeW", s, RPC_S_OK);
    s = RpcBindingFromStringBindingW(binding_string, &binding);
    check("RpcBindingFromStringBindingW", s, RPC_S_OK);
    s = RpcBindingSetAuthInfoW(binding, NULL, RPC_C_AUTHN_LEVEL_PKT_PRIVACY, RPC_C_AUTHN_WINNT, NULL,
                               RPC_C_AUTHZ_NONE);
    check("RpcBindingSetAuthInfoW(RPC_C_AUTHN_WINNT, no identity)", s, RPC_S_OK);
    RpcBindingFree(&binding);
    RpcStringFreeW(&binding_string);
    check("AcquireCredentialsHandleW(NTLM, OUTBOUND, NULL)",
          AcquireCredentialsHandleW(NULL, (SEC_WCHAR *)L"NTLM", SECPKG_CRED_OUTBOUND, NULL, NULL, NULL, NULL, &cred, &ts),
          SEC_E_OK);
    FreeCredentialsHandle(&cred);
    printf("%d failed\n", failed);
    return failed != 0;
}
