/* Loads ntlmssp.dll at run time (LoadLibrary + GetProcAddress, no import library) and runs a
 * client and server through the function table InitSecurityInterfaceW returns: handshake,
 * signatures and sealing each way, a tampered message refused. */
#define SECURITY_WIN32
#include <security.h>

#include <stdio.h>
#include <string.h>

static int failed;

static void check_status(const char *name, SECURITY_STATUS got, SECURITY_STATUS want) {
    printf("%s - %s (0x%08lx)\n", got == want ? "ok" : "not ok", name, (unsigned long)got);
    if (got != want) failed++;
}

int main(void) {
    HMODULE dll = LoadLibraryA("ntlmssp.dll");
    INIT_SECURITY_INTERFACE_W init;
    PSecurityFunctionTableW t;
    CredHandle cc, sc;
    CtxtHandle cx, sx;
    TimeStamp ts;
    SEC_WINNT_AUTH_IDENTITY_W id;
    unsigned char b1[4096], b2[4096];
    SecBuffer ib = {0, SECBUFFER_TOKEN, b1}, ob = {0, SECBUFFER_TOKEN, b2};
    SecBufferDesc in = {SECBUFFER_VERSION, 1, &ib}, out = {SECBUFFER_VERSION, 1, &ob};
    ULONG attrs = 0;
    int i;

    if (!dll) { printf("not ok - LoadLibrary(ntlmssp.dll): error %lu\n", GetLastError()); return 1; }
    printf("ok - LoadLibrary(ntlmssp.dll)\n");
    init = (INIT_SECURITY_INTERFACE_W)(void *)GetProcAddress(dll, SECURITY_ENTRYPOINT_ANSIW);
    t = init ? init() : NULL;
    if (!t) { printf("not ok - InitSecurityInterfaceW\n"); return 1; }
    printf("ok - InitSecurityInterfaceW, table version %lu\n", (unsigned long)t->dwVersion);

    memset(&id, 0, sizeof id);
    id.User = (WCHAR *)L"alice"; id.UserLength = 5;
    id.Domain = (WCHAR *)L"DOMAIN"; id.DomainLength = 6;
    id.Password = (WCHAR *)L"Secret123"; id.PasswordLength = 9;
    id.Flags = SEC_WINNT_AUTH_IDENTITY_UNICODE;
    check_status("AcquireCredentialsHandleW outbound",
                 t->AcquireCredentialsHandleW(NULL, (WCHAR *)L"NTLM", SECPKG_CRED_OUTBOUND, NULL, &id, NULL, NULL, &cc, &ts), SEC_E_OK);
    check_status("AcquireCredentialsHandleW inbound",
                 t->AcquireCredentialsHandleW(NULL, (WCHAR *)L"NTLM", SECPKG_CRED_INBOUND, NULL, NULL, NULL, NULL, &sc, &ts), SEC_E_OK);

    for (i = 0; i < 2; i++) {
        SECURITY_STATUS want = i ? SEC_E_OK : SEC_I_CONTINUE_NEEDED;
        ob.cbBuffer = sizeof b2;
        check_status(i ? "ISC leg 2" : "ISC leg 1",
                     t->InitializeSecurityContextW(&cc, i ? &cx : NULL, NULL, ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY, 0,
                                                   SECURITY_NATIVE_DREP, i ? &in : NULL, 0, &cx, &out, &attrs, &ts),
                     want);
        memcpy(b1, b2, ob.cbBuffer);
        ib.cbBuffer = ob.cbBuffer;
        ob.cbBuffer = sizeof b2;
        check_status(i ? "ASC leg 2" : "ASC leg 1",
                     t->AcceptSecurityContext(&sc, i ? &sx : NULL, &in, ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY,
                                              SECURITY_NATIVE_DREP, &sx, &out, &attrs, &ts),
                     want);
        memcpy(b1, b2, ob.cbBuffer);
        ib.cbBuffer = ob.cbBuffer;
    }
    for (i = 0; i < 2; i++) {
        CtxtHandle *from = i ? &sx : &cx, *to = i ? &cx : &sx;
        char msg[] = "through the function table";
        unsigned char sig[16];
        SecBuffer mb[2] = {{sizeof msg, SECBUFFER_DATA, msg}, {16, SECBUFFER_TOKEN, sig}};
        SecBufferDesc md = {SECBUFFER_VERSION, 2, mb};
        ULONG qop = 0;
        check_status("MakeSignature", t->MakeSignature(from, 0, &md, 0), SEC_E_OK);
        check_status("VerifySignature", t->VerifySignature(to, &md, 0, &qop), SEC_E_OK);
        check_status("EncryptMessage", t->EncryptMessage(from, 0, &md, 0), SEC_E_OK);
        msg[3] ^= 1;
        check_status("tampered DecryptMessage", t->DecryptMessage(to, &md, 0, &qop), SEC_E_MESSAGE_ALTERED);
        msg[3] ^= 1;
        check_status("DecryptMessage", t->DecryptMessage(to, &md, 0, &qop), SEC_E_OK);
        check_status("plaintext back", memcmp(msg, "through the function table", sizeof msg) ? 1 : 0, 0);
    }
    t->DeleteSecurityContext(&cx);
    t->DeleteSecurityContext(&sx);
    t->FreeCredentialsHandle(&cc);
    t->FreeCredentialsHandle(&sc);
    FreeLibrary(dll);
    printf("%d failed\n", failed);
    return failed ? 1 : 0;
}
