/* An ordinary Windows SSPI program, built against mingw-w64's own <sspi.h> and linked with
 * -lsecur32: it asks secur32 for a package ("NTLM", or the one named by its argument, such as
 * "Negotiate") and runs a client and a server context, then sealed messages each way. Run in a
 * Wine prefix where ntlmssp.dll is installed (scripts/wine-install.sh), it shows which provider
 * served it (the package's Comment); ntlmssp's trace (NTLMSSP_TRACE) shows the calls it got. */
#define SECURITY_WIN32
#include <windows.h>
#include <security.h>
#include <sspi.h>

#include <stdio.h>
#include <string.h>

static int failed;

static void check(const char *name, int ok) {
    printf("%s - %s\n", ok ? "ok" : "not ok", name);
    if (!ok) failed++;
}

static void check_status(const char *name, SECURITY_STATUS got, SECURITY_STATUS want) {
    printf("%s - %s (0x%08lx)\n", got == want ? "ok" : "not ok", name, (unsigned long)got);
    if (got != want) failed++;
}

int main(int argc, char **argv) {
    WCHAR package[64];
    PSecPkgInfoW info = NULL;
    SECURITY_STATUS s;
    CredHandle cc, sc;
    CtxtHandle cx, sx;
    TimeStamp ts;
    SEC_WINNT_AUTH_IDENTITY_W id;
    unsigned char b1[4096], b2[4096];
    SecBuffer ib = {0, SECBUFFER_TOKEN, b1}, ob = {0, SECBUFFER_TOKEN, b2};
    SecBufferDesc in = {SECBUFFER_VERSION, 1, &ib}, out = {SECBUFFER_VERSION, 1, &ob};
    ULONG attrs = 0, n = 0, i;
    int legs = 0, cdone = 0, sdone = 0;
    PSecPkgInfoW list = NULL;

    if (!MultiByteToWideChar(CP_ACP, 0, argc > 1 ? argv[1] : "NTLM", -1, package, 64)) return 2;
    printf("# package %ls\n", package);
    s = QuerySecurityPackageInfoW(package, &info);
    check_status("QuerySecurityPackageInfoW", s, SEC_E_OK);
    if (s != SEC_E_OK) return 1;
    printf("# package comment: %ls\n", info->Comment);
    printf("# package capabilities 0x%08lx, max token %lu\n", info->fCapabilities, info->cbMaxToken);
    FreeContextBuffer(info);
    if (EnumerateSecurityPackagesW(&n, &list) == SEC_E_OK) {
        printf("# packages:");
        for (i = 0; i < n; i++) printf(" %ls", list[i].Name);
        printf("\n");
        FreeContextBuffer(list);
    }

    memset(&id, 0, sizeof id);
    id.User = (unsigned short *)L"alice"; id.UserLength = 5;
    id.Domain = (unsigned short *)L"EXAMPLE"; id.DomainLength = 7;
    id.Password = (unsigned short *)L"Secret123"; id.PasswordLength = 9;
    id.Flags = SEC_WINNT_AUTH_IDENTITY_UNICODE;
    check_status("AcquireCredentialsHandleW outbound",
                 AcquireCredentialsHandleW(NULL, package, SECPKG_CRED_OUTBOUND, NULL, &id, NULL, NULL, &cc, &ts),
                 SEC_E_OK);
    check_status("AcquireCredentialsHandleW inbound",
                 AcquireCredentialsHandleW(NULL, package, SECPKG_CRED_INBOUND, NULL, NULL, NULL, NULL, &sc, &ts),
                 SEC_E_OK);

    while (!(cdone && sdone) && legs < 4) {
        ob.cbBuffer = sizeof b2;
        if (!cdone) {
            s = InitializeSecurityContextW(&cc, legs ? &cx : NULL, (SEC_WCHAR *)L"HTTP/server.example.test",
                                           ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_CONNECTION, 0,
                                           SECURITY_NATIVE_DREP, legs ? &in : NULL, 0, &cx, &out, &attrs, &ts);
            printf("# InitializeSecurityContextW: 0x%08lx, %lu bytes\n", (unsigned long)s, ob.cbBuffer);
            if (s != SEC_E_OK && s != SEC_I_CONTINUE_NEEDED) break;
            cdone = s == SEC_E_OK;
            memcpy(b1, b2, ob.cbBuffer);
            ib.cbBuffer = ob.cbBuffer;
        }
        if (ib.cbBuffer == 0) break;
        ob.cbBuffer = sizeof b2;
        s = AcceptSecurityContext(&sc, legs ? &sx : NULL, &in,
                                  ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY | ASC_REQ_CONNECTION,
                                  SECURITY_NATIVE_DREP, &sx, &out, &attrs, &ts);
        printf("# AcceptSecurityContext: 0x%08lx, %lu bytes\n", (unsigned long)s, ob.cbBuffer);
        if (s != SEC_E_OK && s != SEC_I_CONTINUE_NEEDED) break;
        sdone = s == SEC_E_OK;
        memcpy(b1, b2, ob.cbBuffer);
        ib.cbBuffer = ob.cbBuffer;
        legs++;
    }
    check("handshake through secur32", cdone && sdone);
    if (!(cdone && sdone)) return 1;

    {
        SecPkgContext_NamesW names;
        s = QueryContextAttributesW(&sx, SECPKG_ATTR_NAMES, &names);
        check_status("server QueryContextAttributesW(NAMES)", s, SEC_E_OK);
        if (s == SEC_E_OK) {
            check("server names EXAMPLE\\alice", lstrcmpiW(names.sUserName, L"EXAMPLE\\alice") == 0);
            FreeContextBuffer(names.sUserName);
        }
    }
    {
        CtxtHandle *from[2] = {&cx, &sx}, *to[2] = {&sx, &cx};
        for (i = 0; i < 2; i++) {
            char msg[] = "sealed through secur32";
            unsigned char sig[64];
            SecBuffer mb[2] = {{16, SECBUFFER_TOKEN, sig}, {sizeof msg, SECBUFFER_DATA, msg}};
            SecBufferDesc md = {SECBUFFER_VERSION, 2, mb};
            ULONG qop = 0;
            check_status(i ? "EncryptMessage server->client" : "EncryptMessage client->server",
                         EncryptMessage(from[i], 0, &md, 0), SEC_E_OK);
            check("ciphertext differs", memcmp(msg, "sealed through secur32", sizeof msg) != 0);
            check_status(i ? "DecryptMessage on the client" : "DecryptMessage on the server",
                         DecryptMessage(to[i], &md, 0, &qop), SEC_E_OK);
            check("plaintext back", memcmp(msg, "sealed through secur32", sizeof msg) == 0);
            msg[0] ^= 1;
        }
    }
    DeleteSecurityContext(&cx);
    DeleteSecurityContext(&sx);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
    printf("%d failed\n", failed);
    return failed ? 1 : 0;
}
