/* One end of a conversation with WinPR's SSPI (FreeRDP's Windows Portable Runtime, libwinpr2),
 * speaking the line protocol of sspi_peer.c, for the package PEER_PACKAGE (NTLM unless set:
 * Negotiate). A wrap token is the 16-byte signature followed by the sealed data.
 *
 * usage: winpr_peer client|server, with PEER_USER, PEER_DOMAIN, PEER_PASSWORD (UTF-8) for the
 * client. The server's users come from NTLM_USER_FILE ("DOMAIN:user:password" lines): they are
 * written to a WinPR SAM file ("user:DOMAIN::<NT hash>:::") that the server context is given
 * with SECPKG_ATTR_AUTH_NTLM_SAM_FILE after the first leg. */
#include <winpr/ntlm.h>
#include <winpr/sspi.h>
#include <winpr/string.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lineproto.h"

static PSecurityFunctionTableW t;
static CredHandle cred;
static CtxtHandle ctx;
static int is_client, have_ctx, legs;
static ULONG last_attrs;
static char sam_path[256];
/* WinPR numbers messages with the caller's MessageSeqNo: one counter per direction, as FreeRDP keeps. */
static ULONG send_seq, recv_seq;

static void fail(SECURITY_STATUS s) { printf("FAIL 0x%08x\n", (unsigned)s); }

/* UTF-8 to a new UTF-16 string; its length in units. */
static ULONG wide(const char *s, WCHAR **out) {
    int n;
    *out = NULL;
    n = ConvertToUnicode(CP_UTF8, 0, s ? s : "", -1, out, 0);
    return n > 0 ? (ULONG)(n - 1) : 0;
}

/* The SAM file for the users of NTLM_USER_FILE. */
static int write_sam(void) {
    const char *users = getenv("NTLM_USER_FILE");
    char line[1024];
    FILE *in, *out;
    if (!users || !(in = fopen(users, "r"))) return 0;
    snprintf(sam_path, sizeof sam_path, "/tmp/winpr-peer-sam-%d", (int)getpid());
    if (!(out = fopen(sam_path, "w"))) { fclose(in); return 0; }
    while (fgets(line, sizeof line, in)) {
        char *domain = strtok(line, ":"), *user = strtok(NULL, ":"), *password = strtok(NULL, "\r\n");
        WCHAR *pw;
        BYTE hash[16];
        ULONG n;
        int i;
        if (!domain || !user || !password) continue;
        n = wide(password, &pw);
        NTOWFv1W(pw, n * 2, hash);
        free(pw);
        fprintf(out, "%s:%s::", user, domain);
        for (i = 0; i < 16; i++) fprintf(out, "%02x", hash[i]);
        fprintf(out, ":::\n");
    }
    fclose(in);
    fclose(out);
    return 1;
}

static SECURITY_STATUS acquire(void) {
    const char *pk = getenv("PEER_PACKAGE");
    WCHAR *package;
    TimeStamp ts;
    SECURITY_STATUS s;
    wide(pk && *pk ? pk : "NTLM", &package);
    if (is_client) {
        SEC_WINNT_AUTH_IDENTITY_W id;
        WCHAR *u, *d, *p;
        memset(&id, 0, sizeof id);
        id.UserLength = wide(getenv("PEER_USER"), &u);
        id.DomainLength = wide(getenv("PEER_DOMAIN"), &d);
        id.PasswordLength = wide(getenv("PEER_PASSWORD"), &p);
        id.User = (UINT16 *)u; id.Domain = (UINT16 *)d; id.Password = (UINT16 *)p;
        id.Flags = SEC_WINNT_AUTH_IDENTITY_UNICODE;
        s = t->AcquireCredentialsHandleW(NULL, package, SECPKG_CRED_OUTBOUND, NULL, &id, NULL, NULL, &cred, &ts);
    } else {
        s = write_sam() ? t->AcquireCredentialsHandleW(NULL, package, SECPKG_CRED_INBOUND, NULL, NULL, NULL, NULL, &cred, &ts)
                        : SEC_E_NO_CREDENTIALS;
    }
    free(package);
    return s;
}

static void step(const char *arg) {
    static BYTE in[MAX_TOKEN], out[MAX_TOKEN];
    SecBuffer ib = {0, SECBUFFER_TOKEN, in}, ob = {MAX_TOKEN, SECBUFFER_TOKEN, out};
    SecBufferDesc id = {SECBUFFER_VERSION, 1, &ib}, od = {SECBUFFER_VERSION, 1, &ob};
    ULONG attrs = 0;
    TimeStamp ts;
    SECURITY_STATUS s;
    ib.cbBuffer = (ULONG)unhex(arg, in, sizeof in);
    if (is_client) {
        ULONG req = ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_REPLAY_DETECT | ISC_REQ_SEQUENCE_DETECT |
                    ISC_REQ_CONNECTION;
        s = t->InitializeSecurityContextW(&cred, have_ctx ? &ctx : NULL, NULL, req, 0, SECURITY_NATIVE_DREP, have_ctx ? &id : NULL,
                                          0, &ctx, &od, &attrs, &ts);
    } else {
        ULONG req = ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY | ASC_REQ_REPLAY_DETECT | ASC_REQ_SEQUENCE_DETECT |
                    ASC_REQ_CONNECTION;
        s = t->AcceptSecurityContext(&cred, have_ctx ? &ctx : NULL, &id, req, SECURITY_NATIVE_DREP, &ctx, &od, &attrs, &ts);
        if (s == SEC_I_COMPLETE_NEEDED || s == SEC_I_COMPLETE_AND_CONTINUE) {
            SECURITY_STATUS c = t->CompleteAuthToken(&ctx, &od);
            if (c != SEC_E_OK) s = c;
            else s = s == SEC_I_COMPLETE_NEEDED ? SEC_E_OK : SEC_I_CONTINUE_NEEDED;
        }
        if (s == SEC_I_CONTINUE_NEEDED && legs == 0)
            t->SetContextAttributesW(&ctx, SECPKG_ATTR_AUTH_NTLM_SAM_FILE, sam_path, (ULONG)strlen(sam_path) + 1);
    }
    legs++;
    if (s == SEC_I_CONTINUE_NEEDED || s == SEC_E_OK) have_ctx = 1;
    last_attrs = attrs;
    if (s == SEC_I_CONTINUE_NEEDED) printf("CONTINUE ");
    else if (s == SEC_E_OK) printf("DONE ");
    else { fail(s); return; }
    put_hex(out, ob.cbBuffer);
    putchar('\n');
}

static void sign(const char *msg) {
    static BYTE data[MAX_TOKEN], sig[16];
    SecBuffer b[2] = {{0, SECBUFFER_DATA, data}, {16, SECBUFFER_TOKEN, sig}};
    SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
    SECURITY_STATUS s;
    b[0].cbBuffer = (ULONG)unhex(msg, data, sizeof data);
    s = t->MakeSignature(&ctx, 0, &d, 0);
    if (s != SEC_E_OK) { fail(s); return; }
    printf("OK "); put_hex(sig, b[1].cbBuffer); putchar('\n');
}

static void verify(const char *msg, const char *sighex) {
    static BYTE data[MAX_TOKEN], sig[64];
    SecBuffer b[2] = {{0, SECBUFFER_DATA, data}, {0, SECBUFFER_TOKEN, sig}};
    SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
    ULONG qop = 0;
    SECURITY_STATUS s;
    b[0].cbBuffer = (ULONG)unhex(msg, data, sizeof data);
    b[1].cbBuffer = (ULONG)unhex(sighex, sig, sizeof sig);
    s = t->VerifySignature(&ctx, &d, 0, &qop);
    if (s != SEC_E_OK) { fail(s); return; }
    printf("OK\n");
}

static void seal(const char *msg) {
    static BYTE data[MAX_TOKEN], sig[16];
    SecBuffer b[2] = {{16, SECBUFFER_TOKEN, sig}, {0, SECBUFFER_DATA, data}};
    SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
    SECURITY_STATUS s;
    b[1].cbBuffer = (ULONG)unhex(msg, data, sizeof data);
    s = t->EncryptMessage(&ctx, 0, &d, send_seq);
    if (s != SEC_E_OK) { fail(s); return; }
    send_seq++;
    printf("OK "); put_hex(sig, b[0].cbBuffer); putchar(' '); put_hex(data, b[1].cbBuffer); putchar('\n');
}

static void unseal(const char *sighex, const char *cipher) {
    static BYTE data[MAX_TOKEN], sig[64];
    SecBuffer b[2] = {{0, SECBUFFER_TOKEN, sig}, {0, SECBUFFER_DATA, data}};
    SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
    ULONG qop = 0;
    SECURITY_STATUS s;
    b[0].cbBuffer = (ULONG)unhex(sighex, sig, sizeof sig);
    b[1].cbBuffer = (ULONG)unhex(cipher, data, sizeof data);
    s = t->DecryptMessage(&ctx, &d, recv_seq, &qop);
    if (s != SEC_E_OK) { fail(s); return; }
    recv_seq++;
    printf("OK "); put_hex(data, b[1].cbBuffer); putchar('\n');
}

static void attrs(void) { printf("OK %08x\n", (unsigned)last_attrs); }

static void name(void) {
    SecPkgContext_Names n;
    SECURITY_STATUS s = t->QueryContextAttributesW(&ctx, SECPKG_ATTR_NAMES, &n);
    if (s != SEC_E_OK) { fail(s); return; }
    printf("OK %s\n", n.sUserName ? n.sUserName : "");
}

int main(int argc, char **argv) {
    static const struct peer_ops ops = {step, sign, verify, seal, unseal, name, attrs};
    SECURITY_STATUS s;
    if (argc != 2 || (strcmp(argv[1], "client") && strcmp(argv[1], "server"))) {
        fprintf(stderr, "usage: %s client|server\n", argv[0]);
        return 2;
    }
    is_client = strcmp(argv[1], "client") == 0;
    t = InitSecurityInterfaceW();
    if (!t || (s = acquire()) != SEC_E_OK) { fprintf(stderr, "WinPR credentials unavailable\n"); return 1; }
    serve_lines(&ops);
    if (have_ctx) t->DeleteSecurityContext(&ctx);
    t->FreeCredentialsHandle(&cred);
    if (sam_path[0]) remove(sam_path);
    return 0;
}
