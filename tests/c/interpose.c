/* Another SSPI library in the process must never capture ntlmssp's calls (FreeRDP links
 * libwinpr2, which exports AcquireCredentialsHandleW, InitializeSecurityContextW, ... as well).
 * This program links interpose_stub.c's library, whose functions of those names all return
 * SENTINEL_STATUS, so the stub's definitions come first in the global scope; then it dlopen()s
 * libntlmssp (argv[1]) and checks that the symbols dlsym() finds in it and the function tables
 * InitSecurityInterfaceA/W return are ntlmssp's own, and that a full handshake, signing and
 * sealing through the W table reach ntlmssp. Without -Bsymbolic (build.rs) the tables point at
 * the stub. */
#define SECURITY_WIN32
#include <security.h>

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "interpose_stub.h"

static int from_ntlmssp(const void *fn, const char *what) {
    Dl_info info;
    int ok = fn != NULL && dladdr(fn, &info) && info.dli_fname && strstr(info.dli_fname, "libntlmssp") != NULL;
    if (!ok) fprintf(stderr, "# %s resolves to %s\n", what, fn && dladdr(fn, &info) && info.dli_fname ? info.dli_fname : "nothing");
    return ok;
}

int main(int argc, char **argv) {
    static const char *names[] = {"AcquireCredentialsHandleW", "AcquireCredentialsHandleA", "FreeCredentialsHandle",
                                  "InitializeSecurityContextW", "InitializeSecurityContextA", "AcceptSecurityContext",
                                  "DeleteSecurityContext", "FreeContextBuffer", "QueryContextAttributesW",
                                  "MakeSignature", "VerifySignature", "EncryptMessage", "DecryptMessage",
                                  "QuerySecurityPackageInfoW", "EnumerateSecurityPackagesW", "InitSecurityInterfaceW",
                                  "InitSecurityInterfaceA"};
    void *lib;
    size_t i;
    INIT_SECURITY_INTERFACE_W init_w;
    INIT_SECURITY_INTERFACE_A init_a;
    PSecurityFunctionTableW t;
    PSecurityFunctionTableA ta;
    SEC_WINNT_AUTH_IDENTITY_W id;
    CredHandle cc, sc;
    CtxtHandle client, server;
    TimeStamp ts;
    ULONG attrs = 0, sattrs = 0, qop = 0;
    SECURITY_STATUS s, a = SEC_I_CONTINUE_NEEDED;
    SecBuffer out = {0, SECBUFFER_TOKEN, NULL}, reply = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc out_desc = {SECBUFFER_VERSION, 1, &out}, reply_desc = {SECBUFFER_VERSION, 1, &reply};
    char path[] = "/tmp/ntlmssp-interpose-XXXXXX";
    int fd, round;
    FILE *f;

    if (argc != 2) {
        fprintf(stderr, "usage: %s path/to/libntlmssp.so\n", argv[0]);
        return 2;
    }
    /* The stub really is first in the global scope: a direct call reaches it. */
    CHECK("stub library precedes ntlmssp", AcquireCredentialsHandleW(NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL) == SENTINEL_STATUS);

    lib = dlopen(argv[1], RTLD_NOW | RTLD_GLOBAL);
    if (!lib) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 1;
    }
    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        char label[96];
        snprintf(label, sizeof label, "dlsym(ntlmssp, %s) is ntlmssp's", names[i]);
        CHECK(label, from_ntlmssp(dlsym(lib, names[i]), names[i]));
    }
    init_w = (INIT_SECURITY_INTERFACE_W)dlsym(lib, "InitSecurityInterfaceW");
    init_a = (INIT_SECURITY_INTERFACE_A)dlsym(lib, "InitSecurityInterfaceA");
    t = init_w ? init_w() : NULL;
    ta = init_a ? init_a() : NULL;
    if (!t || !ta) {
        fprintf(stderr, "InitSecurityInterfaceW/A returned NULL\n");
        return 1;
    }
    CHECK("W table AcquireCredentialsHandleW", from_ntlmssp((void *)t->AcquireCredentialsHandleW, "table W AcquireCredentialsHandleW"));
    CHECK("W table InitializeSecurityContextW", from_ntlmssp((void *)t->InitializeSecurityContextW, "table W InitializeSecurityContextW"));
    CHECK("W table AcceptSecurityContext", from_ntlmssp((void *)t->AcceptSecurityContext, "table W AcceptSecurityContext"));
    CHECK("W table DeleteSecurityContext", from_ntlmssp((void *)t->DeleteSecurityContext, "table W DeleteSecurityContext"));
    CHECK("W table FreeContextBuffer", from_ntlmssp((void *)t->FreeContextBuffer, "table W FreeContextBuffer"));
    CHECK("W table MakeSignature", from_ntlmssp((void *)t->MakeSignature, "table W MakeSignature"));
    CHECK("W table EncryptMessage", from_ntlmssp((void *)t->EncryptMessage, "table W EncryptMessage"));
    CHECK("A table AcquireCredentialsHandleA", from_ntlmssp((void *)ta->AcquireCredentialsHandleA, "table A AcquireCredentialsHandleA"));
    CHECK("A table InitializeSecurityContextA", from_ntlmssp((void *)ta->InitializeSecurityContextA, "table A InitializeSecurityContextA"));
    CHECK("A table AcceptSecurityContext", from_ntlmssp((void *)ta->AcceptSecurityContext, "table A AcceptSecurityContext"));

    /* A handshake through the W table: every call must reach ntlmssp. */
    fd = mkstemp(path);
    f = fdopen(fd, "w");
    fputs("EXAMPLE:alice:Secret123\n", f);
    fclose(f);
    setenv("NTLM_USER_FILE", path, 1);
    memset(&id, 0, sizeof id);
    id.User = w("alice"); id.UserLength = 5;
    id.Domain = w("EXAMPLE"); id.DomainLength = 7;
    id.Password = w("Secret123"); id.PasswordLength = 9;
    id.Flags = SEC_WINNT_AUTH_IDENTITY_UNICODE;
    CHECK_STATUS("client credentials via table", t->AcquireCredentialsHandleW(NULL, w("NTLM"), SECPKG_CRED_OUTBOUND, NULL, &id, NULL, NULL, &cc, &ts), SEC_E_OK);
    CHECK_STATUS("server credentials via table", t->AcquireCredentialsHandleW(NULL, w("NTLM"), SECPKG_CRED_INBOUND, NULL, NULL, NULL, NULL, &sc, &ts), SEC_E_OK);
    s = t->InitializeSecurityContextW(&cc, NULL, w("HOST/server"), ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY,
                                      0, SECURITY_NATIVE_DREP, NULL, 0, &client, &out_desc, &attrs, &ts);
    CHECK_STATUS("NEGOTIATE via table", s, SEC_I_CONTINUE_NEEDED);
    for (round = 0; round < 2 && a == SEC_I_CONTINUE_NEEDED; round++) {
        SecBufferDesc in_desc = {SECBUFFER_VERSION, 1, &out};
        reply.cbBuffer = 0; reply.pvBuffer = NULL;
        a = t->AcceptSecurityContext(&sc, round ? &server : NULL, &in_desc, ASC_REQ_ALLOCATE_MEMORY, SECURITY_NATIVE_DREP, &server,
                                     &reply_desc, &sattrs, &ts);
        CHECK("FreeContextBuffer via table", t->FreeContextBuffer(out.pvBuffer) == SEC_E_OK);
        out.pvBuffer = NULL;
        if (a != SEC_I_CONTINUE_NEEDED) break;
        {
            SecBufferDesc rin = {SECBUFFER_VERSION, 1, &reply};
            out.cbBuffer = 0;
            s = t->InitializeSecurityContextW(&cc, &client, w("HOST/server"), ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY,
                                              0, SECURITY_NATIVE_DREP, &rin, 0, &client, &out_desc, &attrs, &ts);
            t->FreeContextBuffer(reply.pvBuffer);
        }
        CHECK_STATUS("AUTHENTICATE via table", s, SEC_E_OK);
    }
    CHECK_STATUS("server accepts via table", a, SEC_E_OK);
    {
        char msg[] = "interposition";
        char sig[16];
        SecBuffer b[2] = {{sizeof msg, SECBUFFER_DATA, msg}, {sizeof sig, SECBUFFER_TOKEN, sig}};
        SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
        CHECK_STATUS("MakeSignature via table", t->MakeSignature(&client, 0, &d, 0), SEC_E_OK);
        CHECK_STATUS("VerifySignature via table", t->VerifySignature(&server, &d, 0, &qop), SEC_E_OK);
        CHECK_STATUS("EncryptMessage via table", t->EncryptMessage(&client, 0, &d, 0), SEC_E_OK);
        CHECK_STATUS("DecryptMessage via table", t->DecryptMessage(&server, &d, 0, &qop), SEC_E_OK);
        CHECK("sealed round trip", memcmp(msg, "interposition", sizeof msg) == 0);
    }
    CHECK_STATUS("DeleteSecurityContext via table", t->DeleteSecurityContext(&client), SEC_E_OK);
    CHECK_STATUS("DeleteSecurityContext via table (server)", t->DeleteSecurityContext(&server), SEC_E_OK);
    CHECK_STATUS("FreeCredentialsHandle via table", t->FreeCredentialsHandle(&cc), SEC_E_OK);
    t->FreeCredentialsHandle(&sc);
    remove(path);
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
