/* The panic boundary in a 32-bit process that has loaded libgcc's shared DWARF unwinder
 * (libgcc_s_dw2-1.dll, which 32-bit MinGW programs built with -shared-libgcc load): with
 * NTLMSSP_PANIC_TEST naming an export, ntlmssp.dll built with the panic-test feature panics in
 * it, and the call must return SEC_E_INTERNAL_ERROR instead of aborting the process; the
 * library keeps working afterwards. Built for i686 by tests/windows/run.sh; loads both DLLs at run time. */
#include <windows.h>
#include <stdio.h>

#include "sspi.h"

int main(void) {
    static WCHAR user[] = L"alice", domain[] = L"EXAMPLE", password[] = L"Secret123", package[] = L"NTLM";
    SEC_WINNT_AUTH_IDENTITY_W id = {user, 5, domain, 7, password, 9, SEC_WINNT_AUTH_IDENTITY_UNICODE};
    CredHandle cred;
    TimeStamp ts;
    SECURITY_STATUS s;
    int failed = 0;
    /* libgcc's unwinder first, then ntlmssp.dll, as in a program that links libgcc shared. */
    HMODULE gcc = LoadLibraryA("libgcc_s_dw2-1.dll");
    HMODULE dll = LoadLibraryA("ntlmssp.dll");
    ACQUIRE_CREDENTIALS_HANDLE_FN_W AcquireCredentialsHandleW;
    FREE_CREDENTIALS_HANDLE_FN FreeCredentialsHandle;
    printf("# libgcc_s_dw2-1.dll %s, ntlmssp.dll %s\n", gcc ? "loaded" : "missing", dll ? "loaded" : "missing");
    if (!gcc || !dll) return 1;
    AcquireCredentialsHandleW = (ACQUIRE_CREDENTIALS_HANDLE_FN_W)(void (*)(void))GetProcAddress(dll, "AcquireCredentialsHandleW");
    FreeCredentialsHandle = (FREE_CREDENTIALS_HANDLE_FN)(void (*)(void))GetProcAddress(dll, "FreeCredentialsHandle");
    if (!AcquireCredentialsHandleW || !FreeCredentialsHandle) return 1;
    SetEnvironmentVariableA("NTLMSSP_PANIC_TEST", "AcquireCredentialsHandleW");
    s = AcquireCredentialsHandleW(NULL, package, SECPKG_CRED_OUTBOUND, NULL, &id, NULL, NULL, &cred, &ts);
    printf("%s - panic in AcquireCredentialsHandleW caught (0x%08lx)\n", s == SEC_E_INTERNAL_ERROR ? "ok" : "not ok", (unsigned long)s);
    failed += s != SEC_E_INTERNAL_ERROR;
    SetEnvironmentVariableA("NTLMSSP_PANIC_TEST", "none");
    s = AcquireCredentialsHandleW(NULL, package, SECPKG_CRED_OUTBOUND, NULL, &id, NULL, NULL, &cred, &ts);
    printf("%s - the next call works (0x%08lx)\n", s == SEC_E_OK ? "ok" : "not ok", (unsigned long)s);
    failed += s != SEC_E_OK || FreeCredentialsHandle(&cred) != SEC_E_OK;
    printf("%d failed\n", failed);
    return failed;
}
