/* One end of an NTLM conversation over libntlmssp's exported SSPI functions (the W forms), driven
 * by tests/interop/run.py through a line protocol on stdin/stdout that every interop driver speaks:
 *
 *   STEP <hex>|-            -> CONTINUE <hex> | DONE <hex>|- | FAIL <status>
 *   SIGN <hex>              -> OK <sig>                      (MakeSignature)
 *   VERIFY <hex> <sig>      -> OK | FAIL <status>            (VerifySignature)
 *   SEAL <hex>              -> OK <sig> <cipher>             (EncryptMessage)
 *   UNSEAL <sig> <cipher>   -> OK <plain> | FAIL <status>    (DecryptMessage)
 *   NAME                    -> OK <DOMAIN\user>              (QueryContextAttributes NAMES)
 *   ATTRS                   -> OK <hex>                      (the last step's context attributes)
 *
 * usage: sspi_peer client|server, for the package PEER_PACKAGE (NTLM unless set: Negotiate).
 * The client's identity comes from PEER_USER, PEER_DOMAIN and PEER_PASSWORD (UTF-8), or with
 * PEER_DEFAULT_CREDENTIALS=1 is the calling user's (NULL pAuthData); its target from PEER_TARGET;
 * PEER_CHANNEL_BINDINGS, when set, is the application data of channel bindings it passes.
 * The server reads NTLM_USER_FILE (without it, on a domain member, the domain verifies). PEER_REQ (lineproto.h) chooses
 * fContextReq; with "none" the client calls InitializeSecurityContextW as curl does: fContextReq
 * 0, network data representation, NULL ptsExpiry. In datagram mode every message uses sequence
 * number 0 (the application's choice there). */
#define SECURITY_WIN32
#include <security.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lineproto.h"

static CredHandle cred;
static CtxtHandle ctx;
static int have_ctx, is_client;
static ULONG last_attrs;

/* UTF-8 to UTF-16 (BMP and surrogate pairs); returns the number of code units written. */
static ULONG utf16(const char *s, WCHAR *out, size_t cap) {
    const unsigned char *p = (const unsigned char *)s;
    size_t n = 0;
    while (*p && n + 2 < cap) {
        unsigned long c;
        int extra;
        if (*p < 0x80) { c = *p; extra = 0; }
        else if ((*p & 0xE0) == 0xC0) { c = *p & 0x1F; extra = 1; }
        else if ((*p & 0xF0) == 0xE0) { c = *p & 0x0F; extra = 2; }
        else { c = *p & 0x07; extra = 3; }
        p++;
        while (extra-- > 0 && (*p & 0xC0) == 0x80) c = (c << 6) | (*p++ & 0x3F);
        if (c >= 0x10000) {
            c -= 0x10000;
            out[n++] = (WCHAR)(0xD800 | (c >> 10));
            out[n++] = (WCHAR)(0xDC00 | (c & 0x3FF));
        } else {
            out[n++] = (WCHAR)c;
        }
    }
    out[n] = 0;
    return (ULONG)n;
}

static void put_utf8(const WCHAR *w) {
    for (; *w; w++) {
        unsigned long c = *w;
        if (c >= 0xD800 && c < 0xDC00 && w[1] >= 0xDC00 && w[1] < 0xE000) {
            c = 0x10000 + ((c - 0xD800) << 10) + (w[1] - 0xDC00);
            w++;
        }
        if (c < 0x80) putchar((int)c);
        else if (c < 0x800) { putchar(0xC0 | (int)(c >> 6)); putchar(0x80 | (int)(c & 0x3F)); }
        else if (c < 0x10000) {
            putchar(0xE0 | (int)(c >> 12)); putchar(0x80 | (int)((c >> 6) & 0x3F));
            putchar(0x80 | (int)(c & 0x3F));
        } else {
            putchar(0xF0 | (int)(c >> 18)); putchar(0x80 | (int)((c >> 12) & 0x3F));
            putchar(0x80 | (int)((c >> 6) & 0x3F)); putchar(0x80 | (int)(c & 0x3F));
        }
    }
}

static void fail(SECURITY_STATUS s) { printf("FAIL 0x%08x\n", (unsigned)s); }

static SECURITY_STATUS acquire(void) {
    static WCHAR package[16];
    const char *pk = getenv("PEER_PACKAGE");
    TimeStamp ts;
    utf16(pk && *pk ? pk : "NTLM", package, 16);
    if (is_client) {
        static WCHAR user[256], domain[256], password[256];
        SEC_WINNT_AUTH_IDENTITY_W id;
        const char *u = getenv("PEER_USER"), *d = getenv("PEER_DOMAIN"), *p = getenv("PEER_PASSWORD");
        memset(&id, 0, sizeof id);
        id.User = user; id.UserLength = utf16(u ? u : "", user, 256);
        id.Domain = domain; id.DomainLength = utf16(d ? d : "", domain, 256);
        id.Password = password; id.PasswordLength = utf16(p ? p : "", password, 256);
        id.Flags = SEC_WINNT_AUTH_IDENTITY_UNICODE;
        if (getenv("PEER_DEFAULT_CREDENTIALS") && strcmp(getenv("PEER_DEFAULT_CREDENTIALS"), "1") == 0)
            return AcquireCredentialsHandleW(NULL, package, SECPKG_CRED_OUTBOUND, NULL, NULL, NULL, NULL, &cred, &ts);
        return AcquireCredentialsHandleW(NULL, package, SECPKG_CRED_OUTBOUND, NULL, &id,
                                         NULL, NULL, &cred, &ts);
    }
    return AcquireCredentialsHandleW(NULL, package, SECPKG_CRED_INBOUND, NULL, NULL, NULL,
                                     NULL, &cred, &ts);
}

static void step(const char *arg) {
    static unsigned char in[MAX_TOKEN], out[MAX_TOKEN];
    static WCHAR target[256];
    SecBuffer ib = {0, SECBUFFER_TOKEN, in}, ob = {MAX_TOKEN, SECBUFFER_TOKEN, out};
    SecBufferDesc id = {SECBUFFER_VERSION, 1, &ib}, od = {SECBUFFER_VERSION, 1, &ob};
    ULONG attrs = 0;
    TimeStamp ts;
    SECURITY_STATUS s;
    ib.cbBuffer = (ULONG)unhex(arg, in, sizeof in);
    if (is_client && getenv("PEER_CHANNEL_BINDINGS")) {
        /* SEC_CHANNEL_BINDINGS with application data only, after the token. */
        static unsigned char cb[sizeof(SEC_CHANNEL_BINDINGS) + 256];
        static SecBuffer two[2];
        const char *app = getenv("PEER_CHANNEL_BINDINGS");
        SEC_CHANNEL_BINDINGS *h = (SEC_CHANNEL_BINDINGS *)cb;
        size_t n = strlen(app) < 256 ? strlen(app) : 256;
        memset(cb, 0, sizeof cb);
        h->cbApplicationDataLength = (ULONG)n;
        h->dwApplicationDataOffset = sizeof *h;
        memcpy(cb + sizeof *h, app, n);
        two[0] = ib;
        two[1].cbBuffer = (ULONG)(sizeof *h + n); two[1].BufferType = SECBUFFER_CHANNEL_BINDINGS; two[1].pvBuffer = cb;
        id.cBuffers = 2; id.pBuffers = two;
    }
    if (is_client) {
        const char *t = getenv("PEER_TARGET");
        static const unsigned long isc[5] = {ISC_REQ_INTEGRITY, ISC_REQ_CONFIDENTIALITY, ISC_REQ_REPLAY_DETECT,
                                             ISC_REQ_SEQUENCE_DETECT, ISC_REQ_DATAGRAM};
        ULONG req = (ULONG)peer_req_flags(isc);
        if (!getenv("PEER_REQ")) req |= ISC_REQ_CONNECTION;
        if (t) utf16(t, target, 256);
        s = InitializeSecurityContextW(&cred, have_ctx ? &ctx : NULL, t ? target : NULL, req, 0,
                                       req ? SECURITY_NATIVE_DREP : SECURITY_NETWORK_DREP,
                                       have_ctx || id.cBuffers == 2 ? &id : NULL, 0, &ctx, &od, &attrs, req ? &ts : NULL);
    } else {
        ULONG req = ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY | ASC_REQ_REPLAY_DETECT |
                    ASC_REQ_SEQUENCE_DETECT;
        req |= (peer_req() & REQ_DATAGRAM) ? ASC_REQ_DATAGRAM : ASC_REQ_CONNECTION;
        s = AcceptSecurityContext(&cred, have_ctx ? &ctx : NULL, &id, req, SECURITY_NATIVE_DREP, &ctx,
                                  &od, &attrs, &ts);
    }
    if (s == SEC_I_CONTINUE_NEEDED || s == SEC_E_OK) have_ctx = 1;
    last_attrs = attrs;
    if (s == SEC_I_CONTINUE_NEEDED) printf("CONTINUE ");
    else if (s == SEC_E_OK) printf("DONE ");
    else { fail(s); return; }
    put_hex(out, ob.cbBuffer);
    putchar('\n');
}

static void sign(const char *msg) {
    static unsigned char data[MAX_TOKEN], sig[16];
    SecBuffer b[2] = {{0, SECBUFFER_DATA, data}, {16, SECBUFFER_TOKEN, sig}};
    SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
    SECURITY_STATUS s;
    b[0].cbBuffer = (ULONG)unhex(msg, data, sizeof data);
    s = MakeSignature(&ctx, 0, &d, 0);
    if (s != SEC_E_OK) { fail(s); return; }
    printf("OK "); put_hex(sig, b[1].cbBuffer); putchar('\n');
}

static void verify(const char *msg, const char *sighex) {
    static unsigned char data[MAX_TOKEN], sig[64];
    SecBuffer b[2] = {{0, SECBUFFER_DATA, data}, {0, SECBUFFER_TOKEN, sig}};
    SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
    ULONG qop = 0;
    SECURITY_STATUS s;
    b[0].cbBuffer = (ULONG)unhex(msg, data, sizeof data);
    b[1].cbBuffer = (ULONG)unhex(sighex, sig, sizeof sig);
    s = VerifySignature(&ctx, &d, 0, &qop);
    if (s != SEC_E_OK) { fail(s); return; }
    printf("OK\n");
}

static void seal(const char *msg) {
    static unsigned char data[MAX_TOKEN], sig[16];
    SecBuffer b[2] = {{16, SECBUFFER_TOKEN, sig}, {0, SECBUFFER_DATA, data}};
    SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
    SECURITY_STATUS s;
    b[1].cbBuffer = (ULONG)unhex(msg, data, sizeof data);
    s = EncryptMessage(&ctx, 0, &d, 0);
    if (s != SEC_E_OK) { fail(s); return; }
    printf("OK "); put_hex(sig, b[0].cbBuffer); putchar(' '); put_hex(data, b[1].cbBuffer); putchar('\n');
}

static void unseal(const char *sighex, const char *cipher) {
    static unsigned char data[MAX_TOKEN], sig[64];
    SecBuffer b[2] = {{0, SECBUFFER_TOKEN, sig}, {0, SECBUFFER_DATA, data}};
    SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
    ULONG qop = 0;
    SECURITY_STATUS s;
    b[0].cbBuffer = (ULONG)unhex(sighex, sig, sizeof sig);
    b[1].cbBuffer = (ULONG)unhex(cipher, data, sizeof data);
    s = DecryptMessage(&ctx, &d, 0, &qop);
    if (s != SEC_E_OK) { fail(s); return; }
    printf("OK "); put_hex(data, b[1].cbBuffer); putchar('\n');
}

static void name(void) {
    SecPkgContext_NamesW n;
    SECURITY_STATUS s = QueryContextAttributesW(&ctx, SECPKG_ATTR_NAMES, &n);
    if (s != SEC_E_OK) { fail(s); return; }
    printf("OK ");
    put_utf8(n.sUserName);
    putchar('\n');
    FreeContextBuffer(n.sUserName);
}

static void attrs(void) { printf("OK %08x\n", (unsigned)last_attrs); }

int main(int argc, char **argv) {
    static const struct peer_ops ops = {step, sign, verify, seal, unseal, name, attrs};
    SECURITY_STATUS s;
    if (argc != 2 || (strcmp(argv[1], "client") && strcmp(argv[1], "server"))) {
        fprintf(stderr, "usage: %s client|server\n", argv[0]);
        return 2;
    }
    is_client = strcmp(argv[1], "client") == 0;
    s = acquire();
    if (s != SEC_E_OK) {
        fprintf(stderr, "AcquireCredentialsHandleW: 0x%08x\n", (unsigned)s);
        return 1;
    }
    serve_lines(&ops);
    if (have_ctx) DeleteSecurityContext(&ctx);
    FreeCredentialsHandle(&cred);
    return 0;
}
