/* WinPR (FreeRDP's Windows Portable Runtime) NTLM through its SSPI function table, for the
 * benchmark: full handshakes (ISC, ASC, ISC, ASC, delete x2), MakeSignature + VerifySignature
 * and EncryptMessage + DecryptMessage. The server gets the user's NT hash through WinPR's
 * SECPKG_ATTR_AUTH_NTLM_HASH context attribute (no SAM file read per login).
 * usage: winpr_bench <runs> <window ms>; prints lines for tests/bench/src/peers.rs. */
#include <winpr/sspi.h>
#include <winpr/ntlm.h>
#include <winpr/string.h>
#include <stdio.h>
#include <string.h>

#include "timing.h"

static PSecurityFunctionTableW t;
static CredHandle ccred, scred;
static BYTE nt_hash[16];

static void die(const char *what, SECURITY_STATUS s) {
    fprintf(stderr, "%s failed: 0x%08x\n", what, (unsigned)s);
    exit(1);
}

static void establish(CtxtHandle *c, CtxtHandle *s) {
    BYTE a[4096], b[4096];
    SecBuffer ib = {0, SECBUFFER_TOKEN, a}, ob = {sizeof b, SECBUFFER_TOKEN, b};
    SecBufferDesc id = {SECBUFFER_VERSION, 1, &ib}, od = {SECBUFFER_VERSION, 1, &ob};
    ULONG attrs;
    TimeStamp ts;
    SECURITY_STATUS st;
    ULONG req = ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_REPLAY_DETECT | ISC_REQ_SEQUENCE_DETECT;
    int leg;
    for (leg = 0; leg < 2; leg++) {
        ob.cbBuffer = sizeof b;
        st = t->InitializeSecurityContextW(&ccred, leg ? c : NULL, NULL, req, 0, SECURITY_NATIVE_DREP, leg ? &id : NULL, 0, c, &od,
                                           &attrs, &ts);
        if (st != SEC_E_OK && st != SEC_I_CONTINUE_NEEDED) die("InitializeSecurityContextW", st);
        memcpy(a, b, ob.cbBuffer);
        ib.cbBuffer = ob.cbBuffer;
        ob.cbBuffer = sizeof b;
        st = t->AcceptSecurityContext(&scred, leg ? s : NULL, &id, req, SECURITY_NATIVE_DREP, s, &od, &attrs, &ts);
        if (st != SEC_E_OK && st != SEC_I_CONTINUE_NEEDED && st != SEC_I_COMPLETE_NEEDED) die("AcceptSecurityContext", st);
        if (leg == 0) {
            SecPkgContext_AuthNtlmHash h;
            h.Version = 1;
            memcpy(h.NtlmHash, nt_hash, 16);
            st = t->SetContextAttributesW(s, SECPKG_ATTR_AUTH_NTLM_HASH, &h, sizeof h);
            if (st != SEC_E_OK) die("SetContextAttributesW(NTLM_HASH)", st);
        } else if (st == SEC_I_COMPLETE_NEEDED) {
            st = t->CompleteAuthToken(s, &od);
            if (st != SEC_E_OK) die("CompleteAuthToken", st);
        }
        memcpy(a, b, ob.cbBuffer);
        ib.cbBuffer = ob.cbBuffer;
    }
}

static void handshake(void *unused) {
    CtxtHandle c, s;
    (void)unused;
    establish(&c, &s);
    t->DeleteSecurityContext(&c);
    t->DeleteSecurityContext(&s);
}

struct msg {
    CtxtHandle c, s;
    BYTE *data, sig[16];
    ULONG len, seq;
};

static void sign_verify(void *p) {
    struct msg *m = p;
    SecBuffer b[2] = {{m->len, SECBUFFER_DATA, m->data}, {16, SECBUFFER_TOKEN, m->sig}};
    SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
    ULONG qop = 0;
    SECURITY_STATUS st = t->MakeSignature(&m->c, 0, &d, m->seq);
    if (st != SEC_E_OK) die("MakeSignature", st);
    st = t->VerifySignature(&m->s, &d, m->seq, &qop);
    if (st != SEC_E_OK) die("VerifySignature", st);
    m->seq++;
}

static void seal_unseal(void *p) {
    struct msg *m = p;
    SecBuffer b[2] = {{16, SECBUFFER_TOKEN, m->sig}, {m->len, SECBUFFER_DATA, m->data}};
    SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
    ULONG qop = 0;
    SECURITY_STATUS st = t->EncryptMessage(&m->c, 0, &d, m->seq);
    if (st != SEC_E_OK) die("EncryptMessage", st);
    st = t->DecryptMessage(&m->s, &d, m->seq, &qop);
    if (st != SEC_E_OK) die("DecryptMessage", st);
    m->seq++;
}

int main(int argc, char **argv) {
    int runs = argc > 1 ? atoi(argv[1]) : 5, window = argc > 2 ? atoi(argv[2]) : 300;
    SEC_WINNT_AUTH_IDENTITY_W id;
    TimeStamp ts;
    SECURITY_STATUS st;
    WCHAR user[16], domain[16], pass[16], pkg[8];
    size_t i;
    t = InitSecurityInterfaceW();
    ConvertToUnicode(CP_UTF8, 0, "alice", -1, (LPWSTR *)&(LPWSTR){user}, 16);
    ConvertToUnicode(CP_UTF8, 0, "DOMAIN", -1, (LPWSTR *)&(LPWSTR){domain}, 16);
    ConvertToUnicode(CP_UTF8, 0, "Secret123", -1, (LPWSTR *)&(LPWSTR){pass}, 16);
    ConvertToUnicode(CP_UTF8, 0, "NTLM", -1, (LPWSTR *)&(LPWSTR){pkg}, 8);
    memset(&id, 0, sizeof id);
    id.User = (UINT16 *)user; id.UserLength = 5;
    id.Domain = (UINT16 *)domain; id.DomainLength = 6;
    id.Password = (UINT16 *)pass; id.PasswordLength = 9;
    id.Flags = SEC_WINNT_AUTH_IDENTITY_UNICODE;
    NTOWFv1A((LPSTR) "Secret123", 9, nt_hash);
    st = t->AcquireCredentialsHandleW(NULL, pkg, SECPKG_CRED_OUTBOUND, NULL, &id, NULL, NULL, &ccred, &ts);
    if (st != SEC_E_OK) die("AcquireCredentialsHandleW outbound", st);
    st = t->AcquireCredentialsHandleW(NULL, pkg, SECPKG_CRED_INBOUND, NULL, NULL, NULL, NULL, &scred, &ts);
    if (st != SEC_E_OK) die("AcquireCredentialsHandleW inbound", st);

    printf("handshakes %.1f\n", rate(runs, window, handshake, NULL));
    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        struct msg m;
        establish(&m.c, &m.s);
        m.len = (ULONG)sizes[i];
        m.data = calloc(1, sizes[i]);
        m.seq = 0;
        {
            /* WinPR 2.x answers SEC_E_UNSUPPORTED_FUNCTION here ("TODO: Implement"). */
            SecBuffer b[2] = {{m.len, SECBUFFER_DATA, m.data}, {16, SECBUFFER_TOKEN, m.sig}};
            SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
            if (t->MakeSignature(&m.c, 0, &d, 0) == SEC_E_OK)
                printf("Make+VerifySignature %zu %.1f\n", sizes[i], rate(runs, window, sign_verify, &m));
        }
        t->DeleteSecurityContext(&m.c);
        t->DeleteSecurityContext(&m.s);
        establish(&m.c, &m.s);
        m.seq = 0;
        printf("Encrypt+DecryptMessage %zu %.1f\n", sizes[i], rate(runs, window, seal_unseal, &m));
        free(m.data);
        t->DeleteSecurityContext(&m.c);
        t->DeleteSecurityContext(&m.s);
    }
    return 0;
}
