/* The C harness: drives libntlmssp through its exported SSPI functions only, as a Windows SSPI
 * program would. Each check prints "ok - name" or "not ok - name"; the last line counts them. */
#define SECURITY_WIN32
#include <security.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "portable.h"
#include "spnego.h"

static const char *user_file;

static void write_user_file(void) {
    static char path[512];
    FILE *f;
    temp_path(path, sizeof path, "ntlmssp-harness.users");
    f = fopen(path, "w");
    fputs("DOMAIN:alice:Secret123\n:bob:hunter2\n", f);
    fclose(f);
    user_file = path;
    env_set("NTLM_USER_FILE", path);
}

static SECURITY_STATUS client_cred_a(const char *user, const char *domain, const char *pass, CredHandle *h) {
    SEC_WINNT_AUTH_IDENTITY_A id;
    TimeStamp ts;
    memset(&id, 0, sizeof id);
    id.User = (unsigned char *)user; id.UserLength = (ULONG)strlen(user);
    id.Domain = (unsigned char *)domain; id.DomainLength = (ULONG)strlen(domain);
    id.Password = (unsigned char *)pass; id.PasswordLength = (ULONG)strlen(pass);
    id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    return AcquireCredentialsHandleA(NULL, (LPSTR) "NTLM", SECPKG_CRED_OUTBOUND, NULL, &id, NULL, NULL, h, &ts);
}

static SECURITY_STATUS server_cred(CredHandle *h) {
    TimeStamp ts;
    return AcquireCredentialsHandleW(NULL, w("NTLM"), SECPKG_CRED_INBOUND, NULL, NULL, NULL, NULL, h, &ts);
}

struct handshake {
    SECURITY_STATUS isc1, asc1, isc2, asc2;
    ULONG neg_flags, attrs1, attrs2, sattrs1, sattrs2;
    CtxtHandle client, server;
};

/* A full handshake; token buffers are the caller's (no ALLOCATE_MEMORY). */
static void handshake(CredHandle *cc, CredHandle *sc, ULONG req, struct handshake *r) {
    unsigned char t1[4096], t2[4096], t3[4096];
    SecBuffer b_out = {sizeof t1, SECBUFFER_TOKEN, t1}, b_in, b_out2, b_in2, b_out3;
    SecBufferDesc d_out = {SECBUFFER_VERSION, 1, &b_out}, d_in, d_out2, d_in2, d_out3;
    TimeStamp ts;
    memset(r, 0, sizeof *r);
    r->isc1 = InitializeSecurityContextA(cc, NULL, (SEC_CHAR *)"HOST/server", req, 0, SECURITY_NATIVE_DREP, NULL, 0,
                                         &r->client, &d_out, &r->attrs1, &ts);
    if (r->isc1 != SEC_I_CONTINUE_NEEDED) return;
    memcpy(&r->neg_flags, t1 + 12, 4);
    b_in = b_out; d_in.ulVersion = SECBUFFER_VERSION; d_in.cBuffers = 1; d_in.pBuffers = &b_in;
    b_out2.cbBuffer = sizeof t2; b_out2.BufferType = SECBUFFER_TOKEN; b_out2.pvBuffer = t2;
    d_out2.ulVersion = SECBUFFER_VERSION; d_out2.cBuffers = 1; d_out2.pBuffers = &b_out2;
    r->asc1 = AcceptSecurityContext(sc, NULL, &d_in, 0, SECURITY_NATIVE_DREP, &r->server, &d_out2, &r->sattrs1, &ts);
    if (r->asc1 != SEC_I_CONTINUE_NEEDED) return;
    b_in2 = b_out2; d_in2.ulVersion = SECBUFFER_VERSION; d_in2.cBuffers = 1; d_in2.pBuffers = &b_in2;
    b_out3.cbBuffer = sizeof t3; b_out3.BufferType = SECBUFFER_TOKEN; b_out3.pvBuffer = t3;
    d_out3.ulVersion = SECBUFFER_VERSION; d_out3.cBuffers = 1; d_out3.pBuffers = &b_out3;
    r->isc2 = InitializeSecurityContextA(cc, &r->client, (SEC_CHAR *)"HOST/server", req, 0, SECURITY_NATIVE_DREP, &d_in2, 0,
                                         &r->client, &d_out3, &r->attrs2, &ts);
    if (r->isc2 != SEC_E_OK) return;
    b_in = b_out3; d_in.pBuffers = &b_in;
    r->asc2 = AcceptSecurityContext(sc, &r->server, &d_in, 0, SECURITY_NATIVE_DREP, &r->server, NULL, &r->sattrs2, &ts);
}

static void test_package_info(void) {
    PSecPkgInfoA a = (PSecPkgInfoA)0x1;
    PSecPkgInfoW pw = NULL;
    ULONG n = 0;
    CHECK_STATUS("QuerySecurityPackageInfoA NTLM", QuerySecurityPackageInfoA((LPSTR) "ntlm", &a), SEC_E_OK);
    CHECK("package fields", a && strcmp(a->Name, "NTLM") == 0 && strcmp(a->Comment, "NTLM Security Package") == 0 &&
                                a->wVersion == 1 && a->wRPCID == 10 && a->cbMaxToken == 2888 && a->fCapabilities == 0x82B37);
    CHECK_STATUS("FreeContextBuffer package info", FreeContextBuffer(a), SEC_E_OK);
    a = (PSecPkgInfoA)0x1;
    CHECK_STATUS("unknown package", QuerySecurityPackageInfoA((LPSTR) "Kerberos", &a), SEC_E_SECPKG_NOT_FOUND);
    CHECK("unknown package leaves output", a == (PSecPkgInfoA)0x1);
    CHECK_STATUS("QuerySecurityPackageInfoW", QuerySecurityPackageInfoW(w("NTLM"), &pw), SEC_E_OK);
    CHECK("W package name", pw && wcs_eq(pw->Name, "NTLM") && wcs_eq(pw->Comment, "NTLM Security Package"));
    FreeContextBuffer(pw);
    CHECK_STATUS("EnumerateSecurityPackagesW", EnumerateSecurityPackagesW(&n, &pw), SEC_E_OK);
    CHECK("two packages, NTLM first", n == 2 && wcs_eq(pw[0].Name, "NTLM") && wcs_eq(pw[1].Name, "Negotiate") &&
                                          wcs_eq(pw[1].Comment, "Microsoft Package Negotiator"));
    FreeContextBuffer(pw);
    CHECK_STATUS("EnumerateSecurityPackagesA", EnumerateSecurityPackagesA(&n, &a), SEC_E_OK);
    CHECK("two packages A", n == 2 && strcmp(a[0].Name, "NTLM") == 0 && strcmp(a[1].Name, "Negotiate") == 0 &&
                                a[1].wRPCID == 9 && a[1].cbMaxToken == 12000 && a[1].fCapabilities == 0x83BB3);
    FreeContextBuffer(a);
    CHECK_STATUS("double FreeContextBuffer", FreeContextBuffer(a), SEC_E_INVALID_HANDLE);
    CHECK_STATUS("EnumerateSecurityPackagesA NULL", EnumerateSecurityPackagesA(NULL, &a), SEC_E_INVALID_PARAMETER);
}

static void test_credentials(void) {
    CredHandle h, s;
    TimeStamp ts;
    SEC_WINNT_AUTH_IDENTITY_W idw;
    SEC_WINNT_AUTH_IDENTITY_EXW ex;
    SecPkgCredentials_NamesA na;
    SecPkgCredentials_NamesW nw;
    memset(&idw, 0, sizeof idw);
    idw.User = w("alice"); idw.UserLength = 5; idw.Domain = w("DOMAIN"); idw.DomainLength = 6;
    idw.Password = w("Secret123"); idw.PasswordLength = 9; idw.Flags = SEC_WINNT_AUTH_IDENTITY_UNICODE;
    CHECK_STATUS("ACH W identity", AcquireCredentialsHandleW(NULL, w("NTLM"), SECPKG_CRED_OUTBOUND, NULL, &idw, NULL, NULL, &h, &ts), SEC_E_OK);
    CHECK_STATUS("QueryCredentialsAttributesW NAMES", QueryCredentialsAttributesW(&h, SECPKG_CRED_ATTR_NAMES, &nw), SEC_E_OK);
    CHECK("credential name W", wcs_eq(nw.sUserName, "DOMAIN\\alice"));
    FreeContextBuffer(nw.sUserName);
    FreeCredentialsHandle(&h);

    memset(&ex, 0, sizeof ex);
    ex.Version = SEC_WINNT_AUTH_IDENTITY_VERSION; ex.Length = sizeof ex;
    ex.User = w("bob"); ex.UserLength = 3; ex.Password = w("hunter2"); ex.PasswordLength = 7;
    ex.Flags = SEC_WINNT_AUTH_IDENTITY_UNICODE;
    CHECK_STATUS("ACH EXW identity", AcquireCredentialsHandleW(NULL, w("NTLM"), SECPKG_CRED_OUTBOUND, NULL, &ex, NULL, NULL, &h, &ts), SEC_E_OK);
    CHECK_STATUS("QueryCredentialsAttributesA NAMES", QueryCredentialsAttributesA(&h, SECPKG_CRED_ATTR_NAMES, &na), SEC_E_OK);
    CHECK("credential name without domain", strcmp(na.sUserName, "bob") == 0);
    FreeContextBuffer(na.sUserName);
    FreeCredentialsHandle(&h);
    /* NTLM does not read PackageList (Negotiate does): any list, or none, is accepted. */
    ex.PackageList = w("kerberos,!ntlm,unknown"); ex.PackageListLength = 22;
    CHECK_STATUS("ACH EXW with a package list NTLM ignores", AcquireCredentialsHandleW(NULL, w("NTLM"), SECPKG_CRED_OUTBOUND, NULL, &ex, NULL, NULL, &h, &ts),
                 SEC_E_OK);
    FreeCredentialsHandle(&h);
    ex.PackageList = NULL; ex.PackageListLength = 5;
    CHECK_STATUS("ACH EXW with PackageList NULL", AcquireCredentialsHandleW(NULL, w("NTLM"), SECPKG_CRED_OUTBOUND, NULL, &ex, NULL, NULL, &h, &ts),
                 SEC_E_OK);
    FreeCredentialsHandle(&h);

    {
        SEC_WINNT_AUTH_IDENTITY_A ida;
        memset(&ida, 0, sizeof ida);
        ida.User = (unsigned char *)"alice"; ida.UserLength = 5; ida.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
        CHECK_STATUS("ANSI identity through the W function",
                     AcquireCredentialsHandleW(NULL, w("NTLM"), SECPKG_CRED_OUTBOUND, NULL, &ida, NULL, NULL, &h, &ts), SEC_E_OK);
        FreeCredentialsHandle(&h);
    }
    {
        /* A non-ASCII A string is read in the ANSI code page: UTF-8 on Linux, the system's code
         * page on Windows (Windows-1252 under Wine's default locale, where 0x80 is the euro
         * sign, unlike Latin-1). */
#ifdef _WIN32
        const char *juergen = GetACP() == 1252 ? "j\x80rgen" : "(not a Windows-1252 system)";
#else
        const char *juergen = "j\xe2\x82\xacrgen";
#endif
        static const WCHAR want[] = {'D', '\\', 'j', 0x20ac, 'r', 'g', 'e', 'n', 0};
        SEC_WINNT_AUTH_IDENTITY_A ida;
        int i, same = 1;
        memset(&ida, 0, sizeof ida);
        ida.User = (unsigned char *)juergen; ida.UserLength = (ULONG)strlen(juergen);
        ida.Domain = (unsigned char *)"D"; ida.DomainLength = 1;
        ida.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
        AcquireCredentialsHandleA(NULL, (LPSTR) "NTLM", SECPKG_CRED_OUTBOUND, NULL, &ida, NULL, NULL, &h, &ts);
        CHECK_STATUS("non-ASCII ANSI user: NAMES", QueryCredentialsAttributesW(&h, SECPKG_CRED_ATTR_NAMES, &nw), SEC_E_OK);
        for (i = 0; want[i] || nw.sUserName[i]; i++) same &= nw.sUserName[i] == want[i];
        CHECK("non-ASCII ANSI user decoded in the ANSI code page", same);
        FreeContextBuffer(nw.sUserName);
        FreeCredentialsHandle(&h);
    }
    CHECK_STATUS("default credentials from NTLM_USER_FILE",
                 AcquireCredentialsHandleA(NULL, (LPSTR) "NTLM", SECPKG_CRED_OUTBOUND, NULL, NULL, NULL, NULL, &h, &ts), SEC_E_OK);
    CHECK_STATUS("names of default credential", QueryCredentialsAttributesA(&h, SECPKG_CRED_ATTR_NAMES, &na), SEC_E_OK);
    CHECK("first entry chosen", strcmp(na.sUserName, "DOMAIN\\alice") == 0);
    FreeContextBuffer(na.sUserName);
    FreeCredentialsHandle(&h);
    env_set("NTLM_USER", "BOB");
    AcquireCredentialsHandleA(NULL, (LPSTR) "NTLM", SECPKG_CRED_OUTBOUND, NULL, NULL, NULL, NULL, &h, &ts);
    QueryCredentialsAttributesA(&h, SECPKG_CRED_ATTR_NAMES, &na);
    CHECK("NTLM_USER chooses the entry", strcmp(na.sUserName, "bob") == 0);
    FreeContextBuffer(na.sUserName);
    FreeCredentialsHandle(&h);
    env_unset("NTLM_USER");
    env_set("NTLM_USER_FILE", "/nonexistent/users");
    {
        /* NULL stands for the calling user and always succeeds, as on Windows; with no source
         * holding that user's secret (no user file entry, no winbind credential cache), the
         * first InitializeSecurityContext says so, before any token is sent. */
        static unsigned char out[2048];
        SecBuffer ob = {sizeof out, SECBUFFER_TOKEN, out};
        SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
        CtxtHandle c;
        ULONG attrs;
        CHECK_STATUS("default credentials without a source: acquired",
                     AcquireCredentialsHandleA(NULL, (LPSTR) "NTLM", SECPKG_CRED_OUTBOUND, NULL, NULL, NULL, NULL, &h, &ts), SEC_E_OK);
        CHECK_STATUS("default credentials without a source: ISC",
                     InitializeSecurityContextA(&h, NULL, NULL, 0, 0, SECURITY_NATIVE_DREP, NULL, 0, &c, &od, &attrs, &ts),
                     SEC_E_NO_CREDENTIALS);
        CHECK("default credentials without a source: no token", ob.cbBuffer == sizeof out);
        FreeCredentialsHandle(&h);
        CHECK_STATUS("default Negotiate credentials without a source: acquired",
                     AcquireCredentialsHandleA(NULL, (LPSTR) "Negotiate", SECPKG_CRED_OUTBOUND, NULL, NULL, NULL, NULL, &h, &ts), SEC_E_OK);
        CHECK_STATUS("default Negotiate credentials without a source: ISC",
                     InitializeSecurityContextA(&h, NULL, NULL, 0, 0, SECURITY_NATIVE_DREP, NULL, 0, &c, &od, &attrs, &ts),
                     SEC_E_NO_CREDENTIALS);
        FreeCredentialsHandle(&h);
    }
    env_set("NTLM_USER_FILE", user_file);
    CHECK_STATUS("ACH wrong package", AcquireCredentialsHandleA(NULL, (LPSTR) "Kerberos", SECPKG_CRED_OUTBOUND, NULL, NULL, NULL, NULL, &h, &ts),
                 SEC_E_SECPKG_NOT_FOUND);
    CHECK_STATUS("ACH NULL handle", AcquireCredentialsHandleA(NULL, (LPSTR) "NTLM", SECPKG_CRED_OUTBOUND, NULL, NULL, NULL, NULL, NULL, &ts),
                 SEC_E_INVALID_HANDLE);
    CHECK_STATUS("server credential", server_cred(&s), SEC_E_OK);
    FreeCredentialsHandle(&s);
}

static void test_handshakes_and_flags(void) {
    static const struct { ULONG req, neg_sign_seal, attrs1, attrs2; const char *name; } table[] = {
        {0, 0, 0, 0, "flags 0"},
        {ISC_REQ_CONNECTION, 0, 0x800, 0, "CONNECTION"},
        {ISC_REQ_EXTENDED_ERROR, 0, 0, 0, "EXTENDED_ERROR"},
        {ISC_REQ_MUTUAL_AUTH, 0, 0, 0x2, "MUTUAL_AUTH"},
        {ISC_REQ_USE_DCE_STYLE, 0, 0, 0, "USE_DCE_STYLE"},
        {ISC_REQ_DELEGATE, 0, 0, 0, "DELEGATE"},
        {ISC_REQ_INTEGRITY, 0x10, 0x10000, 0x1000C, "INTEGRITY"},
        {ISC_REQ_REPLAY_DETECT, 0x10, 0x4, 0x1000C, "REPLAY_DETECT"},
        {ISC_REQ_SEQUENCE_DETECT, 0x10, 0x8, 0x1000C, "SEQUENCE_DETECT"},
        {ISC_REQ_CONFIDENTIALITY, 0x30, 0x10010, 0x1001C, "CONFIDENTIALITY"},
    };
    CredHandle cc, sc;
    size_t i;
    char name[128];
    client_cred_a("alice", "DOMAIN", "Secret123", &cc);
    server_cred(&sc);
    for (i = 0; i < sizeof table / sizeof table[0]; i++) {
        struct handshake r;
        handshake(&cc, &sc, table[i].req, &r);
        snprintf(name, sizeof name, "%s: handshake completes", table[i].name);
        CHECK(name, r.isc1 == SEC_I_CONTINUE_NEEDED && r.asc1 == SEC_I_CONTINUE_NEEDED && r.isc2 == SEC_E_OK && r.asc2 == SEC_E_OK);
        snprintf(name, sizeof name, "%s: SIGN/SEAL in NEGOTIATE", table[i].name);
        CHECK(name, (r.neg_flags & 0x30) == table[i].neg_sign_seal);
        snprintf(name, sizeof name, "%s: attrs of first call 0x%x", table[i].name, (unsigned)r.attrs1);
        CHECK(name, r.attrs1 == table[i].attrs1);
        snprintf(name, sizeof name, "%s: attrs of second call 0x%x", table[i].name, (unsigned)r.attrs2);
        CHECK(name, r.attrs2 == table[i].attrs2);
        if (table[i].req == 0) {
            CHECK("ASC attrs, client asked nothing", r.sattrs1 == 0 && r.sattrs2 == 0);
        }
        if (table[i].req == ISC_REQ_INTEGRITY) {
            CHECK("ASC attrs signing", r.sattrs1 == 0x0C && r.sattrs2 == 0x2000C);
        }
        if (table[i].req == ISC_REQ_CONFIDENTIALITY) {
            CHECK("ASC attrs sealing", r.sattrs1 == 0x1C && r.sattrs2 == 0x2001C);
        }
        DeleteSecurityContext(&r.client);
        DeleteSecurityContext(&r.server);
    }
    {
        CtxtHandle c;
        ULONG attrs;
        TimeStamp ts;
        SecBuffer b = {0, SECBUFFER_TOKEN, NULL};
        SecBufferDesc d = {SECBUFFER_VERSION, 1, &b};
        CHECK_STATUS("PROMPT_FOR_CREDS unsupported",
                     InitializeSecurityContextA(&cc, NULL, NULL, ISC_REQ_PROMPT_FOR_CREDS, 0, 0, NULL, 0, &c, &d, &attrs, &ts),
                     SEC_E_UNSUPPORTED_FUNCTION);
    }
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}

static void test_buffers_and_bad_tokens(void) {
    CredHandle cc, sc;
    CtxtHandle c, s;
    unsigned char tok[4096 + 8], chal[4096];
    SecBuffer b, bi;
    SecBufferDesc d = {SECBUFFER_VERSION, 1, &b}, di = {SECBUFFER_VERSION, 1, &bi};
    ULONG attrs, len;
    TimeStamp ts;
    SECURITY_STATUS st;
    size_t i;
    client_cred_a("alice", "DOMAIN", "Secret123", &cc);
    server_cred(&sc);

    CHECK_STATUS("NULL pOutput", InitializeSecurityContextA(&cc, NULL, NULL, 0, 0, 0, NULL, 0, &c, NULL, &attrs, &ts), SEC_E_BUFFER_TOO_SMALL);
    b.cbBuffer = 0; b.BufferType = SECBUFFER_TOKEN; b.pvBuffer = tok;
    CHECK_STATUS("cbBuffer 0", InitializeSecurityContextA(&cc, NULL, NULL, 0, 0, 0, NULL, 0, &c, &d, &attrs, &ts), SEC_E_BUFFER_TOO_SMALL);
    CHECK("cbBuffer untouched", b.cbBuffer == 0);
    b.cbBuffer = sizeof tok; b.BufferType = SECBUFFER_DATA;
    CHECK_STATUS("no TOKEN buffer", InitializeSecurityContextA(&cc, NULL, NULL, 0, 0, 0, NULL, 0, &c, &d, &attrs, &ts), SEC_E_BUFFER_TOO_SMALL);
    CHECK("cbBuffer untouched without TOKEN", b.cbBuffer == sizeof tok);
    memset(tok, 0xEE, sizeof tok);
    b.cbBuffer = 10; b.BufferType = SECBUFFER_TOKEN;
    CHECK_STATUS("too small", InitializeSecurityContextA(&cc, NULL, NULL, 0, 0, 0, NULL, 0, &c, &d, &attrs, &ts), SEC_E_BUFFER_TOO_SMALL);
    CHECK("nothing written past cbBuffer", tok[10] == 0xEE && tok[0] == 0xEE);
    b.cbBuffer = 4096;
    CHECK_STATUS("retry succeeds", InitializeSecurityContextA(&cc, NULL, NULL, 0, 0, SECURITY_NETWORK_DREP, NULL, 0, &c, &d, &attrs, &ts),
                 SEC_I_CONTINUE_NEEDED);
    CHECK("token length and type", b.BufferType == SECBUFFER_TOKEN && b.cbBuffer > 32 && b.cbBuffer < 100 && memcmp(tok, "NTLMSSP", 8) == 0);
    CHECK("nothing past the token", tok[b.cbBuffer] == 0xEE);

    bi = b;
    b.cbBuffer = sizeof chal; b.pvBuffer = chal;
    AcceptSecurityContext(&sc, NULL, &di, 0, 0, &s, &d, &attrs, &ts);
    len = b.cbBuffer;

    /* Malformed CHALLENGEs leave the context as it was. */
    {
        unsigned char bad[4096];
        unsigned char *huge = malloc(1 << 20);
        memcpy(bad, chal, len);
        bad[0] = 'X';
        bi.pvBuffer = bad; bi.cbBuffer = len;
        b.pvBuffer = tok; b.cbBuffer = 4096;
        CHECK_STATUS("bad signature", InitializeSecurityContextA(&cc, &c, NULL, 0, 0, 0, &di, 0, &c, &d, &attrs, &ts), SEC_E_INVALID_TOKEN);
        memcpy(bad, chal, len); bad[8] = 1;
        CHECK_STATUS("wrong type", InitializeSecurityContextA(&cc, &c, NULL, 0, 0, 0, &di, 0, &c, &d, &attrs, &ts), SEC_E_INVALID_TOKEN);
        memcpy(bad, chal, len); bad[0x2c] = 0xff; bad[0x2d] = 0xff;
        CHECK_STATUS("offset past the end", InitializeSecurityContextA(&cc, &c, NULL, 0, 0, 0, &di, 0, &c, &d, &attrs, &ts), SEC_E_INVALID_TOKEN);
        st = SEC_E_INVALID_TOKEN;
        for (i = 0; i < 48 && st == SEC_E_INVALID_TOKEN; i++) {
            bi.pvBuffer = chal; bi.cbBuffer = (ULONG)i; b.cbBuffer = 4096;
            st = InitializeSecurityContextA(&cc, &c, NULL, 0, 0, 0, &di, 0, &c, &d, &attrs, &ts);
        }
        CHECK("every truncation below the header is refused", i == 48 && st == SEC_E_INVALID_TOKEN);
        memset(huge, 0x41, 1 << 20);
        bi.pvBuffer = huge; bi.cbBuffer = 1 << 20;
        CHECK_STATUS("1 MiB of garbage", InitializeSecurityContextA(&cc, &c, NULL, 0, 0, 0, &di, 0, &c, &d, &attrs, &ts), SEC_E_INVALID_TOKEN);
        free(huge);
    }
    bi.pvBuffer = chal; bi.cbBuffer = len;
    b.pvBuffer = tok; b.cbBuffer = 4096;
    CHECK_STATUS("context still completes", InitializeSecurityContextA(&cc, &c, NULL, 0, 0, 0, &di, 0, &c, &d, &attrs, &ts), SEC_E_OK);
    bi.pvBuffer = tok; bi.cbBuffer = b.cbBuffer;
    CHECK_STATUS("server accepts, pOutput NULL", AcceptSecurityContext(&sc, &s, &di, 0, 0, &s, NULL, &attrs, &ts), SEC_E_OK);
    CHECK_STATUS("CompleteAuthToken", CompleteAuthToken(&c, NULL), SEC_E_OK);

    /* Re-authentication on a completed context; a buffer too small for its NEGOTIATE leaves the
     * context complete. */
    b.pvBuffer = tok; b.cbBuffer = 10;
    CHECK_STATUS("re-authentication, buffer too small", InitializeSecurityContextA(&cc, &c, NULL, ISC_REQ_CONFIDENTIALITY, 0, 0, NULL, 0, &c, &d, &attrs, &ts),
                 SEC_E_BUFFER_TOO_SMALL);
    {
        SecPkgContext_SessionKey key;
        CHECK_STATUS("re-authentication refused for its buffer: the context is still complete",
                     QueryContextAttributesA(&c, SECPKG_ATTR_SESSION_KEY, &key), SEC_E_OK);
        FreeContextBuffer(key.SessionKey);
    }
    b.pvBuffer = tok; b.cbBuffer = 4096;
    CHECK_STATUS("re-authentication starts", InitializeSecurityContextA(&cc, &c, NULL, 0, 0, 0, NULL, 0, &c, &d, &attrs, &ts),
                 SEC_I_CONTINUE_NEEDED);
    DeleteSecurityContext(&c);
    DeleteSecurityContext(&s);

    /* ALLOCATE_MEMORY */
    b.pvBuffer = NULL; b.cbBuffer = 0;
    st = InitializeSecurityContextA(&cc, NULL, NULL, ISC_REQ_ALLOCATE_MEMORY, 0, 0, NULL, 0, &c, &d, &attrs, &ts);
    CHECK_STATUS("ALLOCATE_MEMORY", st, SEC_I_CONTINUE_NEEDED);
    CHECK("allocated token", b.pvBuffer != NULL && b.cbBuffer > 0 && (attrs & ISC_RET_ALLOCATED_MEMORY));
    CHECK_STATUS("FreeContextBuffer token", FreeContextBuffer(b.pvBuffer), SEC_E_OK);
    DeleteSecurityContext(&c);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}

static void test_handles(void) {
    CredHandle cc, stale;
    CtxtHandle c, forged;
    unsigned char tok[4096];
    SecBuffer b = {sizeof tok, SECBUFFER_TOKEN, tok};
    SecBufferDesc d = {SECBUFFER_VERSION, 1, &b};
    SecPkgContext_Sizes sizes;
    ULONG attrs;
    TimeStamp ts;
    client_cred_a("alice", "DOMAIN", "Secret123", &cc);
    InitializeSecurityContextA(&cc, NULL, NULL, 0, 0, 0, NULL, 0, &c, &d, &attrs, &ts);
    forged.dwLower = 0; forged.dwUpper = 0;
    CHECK_STATUS("zero handle", DeleteSecurityContext(&forged), SEC_E_INVALID_HANDLE);
    SecInvalidateHandle(&forged);
    CHECK_STATUS("-1/-1 handle", DeleteSecurityContext(&forged), SEC_E_INVALID_HANDLE);
    /* dwLower carries the generation in its high bits; dwUpper belongs to whoever dispatches to
     * us (secur32 keeps its package reference there), so only dwLower is checked. */
    forged.dwLower = c.dwLower ^ ((ULONG_PTR)1 << (sizeof(ULONG_PTR) * 8 - 3)); forged.dwUpper = c.dwUpper;
    CHECK_STATUS("forged generation", QueryContextAttributesA(&forged, SECPKG_ATTR_SIZES, &sizes), SEC_E_INVALID_HANDLE);
    forged.dwLower = c.dwLower ^ 0x40; forged.dwUpper = c.dwUpper;
    CHECK_STATUS("forged slot", QueryContextAttributesA(&forged, SECPKG_ATTR_SIZES, &sizes), SEC_E_INVALID_HANDLE);
    forged.dwLower = c.dwLower; forged.dwUpper = 0x12345678;
    CHECK_STATUS("dwUpper replaced by a dispatcher", QueryContextAttributesA(&forged, SECPKG_ATTR_SIZES, &sizes), SEC_E_OK);
    CHECK_STATUS("credential used as context", DeleteSecurityContext(&cc), SEC_E_INVALID_HANDLE);
    CHECK_STATUS("context used as credential", FreeCredentialsHandle(&c), SEC_E_INVALID_HANDLE);
    CHECK_STATUS("NULL handle pointer", DeleteSecurityContext(NULL), SEC_E_INVALID_HANDLE);
    stale = cc;
    CHECK_STATUS("free credential", FreeCredentialsHandle(&cc), SEC_E_OK);
    CHECK_STATUS("double free credential", FreeCredentialsHandle(&stale), SEC_E_INVALID_HANDLE);
    CHECK_STATUS("context outlives its credential", QueryContextAttributesA(&c, SECPKG_ATTR_SIZES, &sizes), SEC_E_OK);
    CHECK("sizes", sizes.cbMaxToken == 2888 && sizes.cbMaxSignature == 16 && sizes.cbBlockSize == 0 && sizes.cbSecurityTrailer == 16);
    CHECK_STATUS("delete", DeleteSecurityContext(&c), SEC_E_OK);
    CHECK_STATUS("stale after delete", QueryContextAttributesA(&c, SECPKG_ATTR_SIZES, &sizes), SEC_E_INVALID_HANDLE);
    CHECK_STATUS("double delete", DeleteSecurityContext(&c), SEC_E_INVALID_HANDLE);
    CHECK_STATUS("CompleteAuthToken bad handle", CompleteAuthToken(&c, NULL), SEC_E_INVALID_HANDLE);
    CHECK_STATUS("ISC with stale credential", InitializeSecurityContextA(&stale, NULL, NULL, 0, 0, 0, NULL, 0, &c, &d, &attrs, &ts),
                 SEC_E_INVALID_HANDLE);
}

static void test_attributes_and_messages(void) {
    CredHandle cc, sc, bad;
    struct handshake r;
    SecPkgContext_NamesA na;
    SecPkgContext_NamesW nw;
    SecPkgContext_SessionKey k1, k2;
    SecPkgContext_KeyInfoA ki;
    SecPkgContext_NegotiationInfoW ni;
    SecPkgContext_PackageInfoA pi;
    SecPkgContext_Flags fl;
    SecPkgContext_Lifespan life;
    SecPkgContext_StreamSizes ss;
    char msg1[] = "first part;", msg2[] = "second part", header[] = "signed header";
    unsigned char sig[16], copy[sizeof msg1];
    SecBuffer mb[4];
    SecBufferDesc md = {SECBUFFER_VERSION, 4, mb};
    ULONG qop;

    client_cred_a("alice", "domain", "Secret123", &cc);
    server_cred(&sc);
    handshake(&cc, &sc, ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_REPLAY_DETECT | ISC_REQ_SEQUENCE_DETECT, &r);
    CHECK("sealing handshake", r.isc2 == SEC_E_OK && r.asc2 == SEC_E_OK);
    CHECK_STATUS("server NAMES", QueryContextAttributesA(&r.server, SECPKG_ATTR_NAMES, &na), SEC_E_OK);
    CHECK("server sees the client", strcmp(na.sUserName, "domain\\alice") == 0);
    FreeContextBuffer(na.sUserName);
    CHECK_STATUS("client NAMES W", QueryContextAttributesW(&r.client, SECPKG_ATTR_NAMES, &nw), SEC_E_OK);
    CHECK("client name", wcs_eq(nw.sUserName, "domain\\alice"));
    FreeContextBuffer(nw.sUserName);
    CHECK_STATUS("SESSION_KEY client", QueryContextAttributesA(&r.client, SECPKG_ATTR_SESSION_KEY, &k1), SEC_E_OK);
    CHECK_STATUS("SESSION_KEY server", QueryContextAttributesA(&r.server, SECPKG_ATTR_SESSION_KEY, &k2), SEC_E_OK);
    CHECK("session keys agree", k1.SessionKeyLength == 16 && k2.SessionKeyLength == 16 && memcmp(k1.SessionKey, k2.SessionKey, 16) == 0);
    FreeContextBuffer(k1.SessionKey);
    FreeContextBuffer(k2.SessionKey);
    CHECK_STATUS("KEY_INFO", QueryContextAttributesA(&r.client, SECPKG_ATTR_KEY_INFO, &ki), SEC_E_OK);
    CHECK("key info", strcmp(ki.sEncryptAlgorithmName, "RSADSI RC4") == 0 && strcmp(ki.sSignatureAlgorithmName, "HMAC-MD5") == 0 &&
                          ki.KeySize == 128 && ki.EncryptAlgorithm == 0x6801 && ki.SignatureAlgorithm == 0xFFFFFF76);
    FreeContextBuffer(ki.sEncryptAlgorithmName);
    FreeContextBuffer(ki.sSignatureAlgorithmName);
    CHECK_STATUS("NEGOTIATION_INFO", QueryContextAttributesW(&r.client, SECPKG_ATTR_NEGOTIATION_INFO, &ni), SEC_E_OK);
    CHECK("negotiation complete", ni.NegotiationState == SECPKG_NEGOTIATION_COMPLETE && wcs_eq(ni.PackageInfo->Name, "NTLM"));
    FreeContextBuffer(ni.PackageInfo);
    CHECK_STATUS("PACKAGE_INFO", QueryContextAttributesA(&r.server, SECPKG_ATTR_PACKAGE_INFO, &pi), SEC_E_OK);
    CHECK("package info", strcmp(pi.PackageInfo->Name, "NTLM") == 0);
    FreeContextBuffer(pi.PackageInfo);
    CHECK_STATUS("FLAGS", QueryContextAttributesA(&r.client, SECPKG_ATTR_FLAGS, &fl), SEC_E_OK);
    CHECK("flags are the attributes", fl.Flags == r.attrs2);
    CHECK_STATUS("LIFESPAN", QueryContextAttributesA(&r.client, SECPKG_ATTR_LIFESPAN, &life), SEC_E_OK);
    CHECK_STATUS("STREAM_SIZES unsupported", QueryContextAttributesA(&r.client, SECPKG_ATTR_STREAM_SIZES, &ss), SEC_E_UNSUPPORTED_FUNCTION);

    /* Seal two DATA buffers and a signed-only header, client to server. */
    mb[0].BufferType = SECBUFFER_DATA; mb[0].cbBuffer = sizeof msg1; mb[0].pvBuffer = msg1;
    mb[1].BufferType = SECBUFFER_TOKEN; mb[1].cbBuffer = sizeof sig; mb[1].pvBuffer = sig;
    mb[2].BufferType = SECBUFFER_DATA | SECBUFFER_READONLY_WITH_CHECKSUM; mb[2].cbBuffer = sizeof header; mb[2].pvBuffer = header;
    mb[3].BufferType = SECBUFFER_DATA; mb[3].cbBuffer = sizeof msg2; mb[3].pvBuffer = msg2;
    CHECK_STATUS("EncryptMessage", EncryptMessage(&r.client, 0, &md, 0), SEC_E_OK);
    CHECK("data encrypted, header not", memcmp(msg1, "first part;", sizeof msg1) != 0 && strcmp(header, "signed header") == 0);
    memcpy(copy, msg1, sizeof msg1);
    qop = 0xdeadbeef;
    CHECK_STATUS("DecryptMessage", DecryptMessage(&r.server, &md, 0, &qop), SEC_E_OK);
    CHECK("plaintext back", strcmp(msg1, "first part;") == 0 && strcmp(msg2, "second part") == 0);
    CHECK("pfQOP untouched", qop == 0xdeadbeef);
    /* Replay the same ciphertext. */
    memcpy(msg1, copy, sizeof msg1);
    CHECK_STATUS("replayed message", DecryptMessage(&r.server, &md, 0, NULL), SEC_E_OUT_OF_SEQUENCE);
    /* Server to client, tampered. */
    strcpy(msg1, "first part;");
    CHECK_STATUS("EncryptMessage server", EncryptMessage(&r.server, 0, &md, 0), SEC_E_OK);
    msg1[0] ^= 1;
    CHECK_STATUS("tampered message", DecryptMessage(&r.client, &md, 0, NULL), SEC_E_MESSAGE_ALTERED);
    msg1[0] ^= 1;
    CHECK_STATUS("untampered after a failure", DecryptMessage(&r.client, &md, 0, NULL), SEC_E_OK);
    /* Signatures. */
    CHECK_STATUS("MakeSignature", MakeSignature(&r.client, 0, &md, 0), SEC_E_OK);
    CHECK_STATUS("VerifySignature", VerifySignature(&r.server, &md, 0, &qop), SEC_E_OK);
    CHECK_STATUS("MakeSignature 2", MakeSignature(&r.client, 0, &md, 0), SEC_E_OK);
    header[0] ^= 1;
    CHECK_STATUS("signed header altered", VerifySignature(&r.server, &md, 0, NULL), SEC_E_MESSAGE_ALTERED);
    header[0] ^= 1;
    mb[1].cbBuffer = 15;
    CHECK_STATUS("signature buffer too small", MakeSignature(&r.client, 0, &md, 0), SEC_E_BUFFER_TOO_SMALL);
    mb[1].BufferType = SECBUFFER_DATA; mb[1].cbBuffer = 16;
    CHECK_STATUS("no TOKEN buffer", EncryptMessage(&r.client, 0, &md, 0), SEC_E_INVALID_TOKEN);
    CHECK_STATUS("MakeSignature bad handle", MakeSignature(&sc, 0, &md, 0), SEC_E_INVALID_HANDLE);
    DeleteSecurityContext(&r.client);
    DeleteSecurityContext(&r.server);
    FreeCredentialsHandle(&cc);

    /* Wrong password and unknown user. */
    client_cred_a("alice", "DOMAIN", "wrong", &bad);
    handshake(&bad, &sc, 0, &r);
    CHECK_STATUS("wrong password", r.asc2, SEC_E_LOGON_DENIED);
    CHECK_STATUS("failed context deletes", DeleteSecurityContext(&r.server), SEC_E_OK);
    DeleteSecurityContext(&r.client);
    FreeCredentialsHandle(&bad);
    client_cred_a("mallory", "DOMAIN", "Secret123", &bad);
    handshake(&bad, &sc, 0, &r);
    CHECK_STATUS("unknown user", r.asc2, SEC_E_LOGON_DENIED);
    DeleteSecurityContext(&r.server);
    DeleteSecurityContext(&r.client);
    FreeCredentialsHandle(&bad);
    FreeCredentialsHandle(&sc);
}

/* What real callers do that the happy path does not: curl's fContextReq = 0, Wine's private
 * credential-use bit, READONLY_WITH_CHECKSUM buffers sharing a header, NULL pvBuffer, and what
 * FreeRDP needs from a failed AcceptSecurityContext. */
static void test_real_callers(void) {
    CredHandle cc, sc, h, bad;
    CtxtHandle c;
    struct handshake r;
    unsigned char tok[4096], sig[16], plain[16] = "sixteen bytes!!";
    unsigned char data[16], hdr_sig[16];
    char header[] = "shared header";
    SecBuffer b = {sizeof tok, SECBUFFER_TOKEN, NULL}, mb[4];
    SecBufferDesc d = {SECBUFFER_VERSION, 1, &b}, md = {SECBUFFER_VERSION, 2, mb};
    ULONG attrs, qop;
    TimeStamp ts;
    static const unsigned char dummy[16] = {1};
    client_cred_a("alice", "DOMAIN", "Secret123", &cc);
    server_cred(&sc);

    CHECK_STATUS("NULL pvBuffer with a length: SEC_E_INTERNAL_ERROR as Windows",
                 InitializeSecurityContextA(&cc, NULL, NULL, 0, 0, 0, NULL, 0, &c, &d, &attrs, &ts), SEC_E_INTERNAL_ERROR);
    CHECK_STATUS("Wine's no-cached-credentials bit (0x10000000), outbound",
                 AcquireCredentialsHandleA(NULL, (LPSTR) "NTLM", SECPKG_CRED_OUTBOUND | 0x10000000, NULL, NULL, NULL, NULL, &h, &ts),
                 SEC_E_OK);
    FreeCredentialsHandle(&h);
    CHECK_STATUS("Wine's no-cached-credentials bit, inbound",
                 AcquireCredentialsHandleW(NULL, w("NTLM"), SECPKG_CRED_INBOUND | 0x10000000, NULL, NULL, NULL, NULL, &h, &ts), SEC_E_OK);
    FreeCredentialsHandle(&h);
    CHECK_STATUS("an unknown low bit is still refused",
                 AcquireCredentialsHandleW(NULL, w("NTLM"), SECPKG_CRED_INBOUND | 0x100, NULL, NULL, NULL, NULL, &h, &ts),
                 SEC_E_UNKNOWN_CREDENTIALS);

    /* curl: nothing requested. */
    handshake(&cc, &sc, 0, &r);
    CHECK_STATUS("fContextReq 0 handshake", r.asc2, SEC_E_OK);
    CHECK("fContextReq 0: no SIGN, SEAL or KEY_EXCH offered", (r.neg_flags & (0x10 | 0x20 | 0x40000000)) == 0);
    mb[0].BufferType = SECBUFFER_DATA; mb[0].cbBuffer = sizeof data; mb[0].pvBuffer = data;
    mb[1].BufferType = SECBUFFER_TOKEN; mb[1].cbBuffer = sizeof sig; mb[1].pvBuffer = sig;
    memcpy(data, plain, sizeof data);
    CHECK_STATUS("fContextReq 0: MakeSignature", MakeSignature(&r.client, 0, &md, 0), SEC_E_OK);
    CHECK("fContextReq 0: the dummy signature", memcmp(sig, dummy, 16) == 0);
    CHECK_STATUS("fContextReq 0: EncryptMessage", EncryptMessage(&r.client, 0, &md, 0), SEC_E_OK);
    CHECK("fContextReq 0: EncryptMessage really encrypted", memcmp(data, plain, sizeof data) != 0 && memcmp(sig, dummy, 16) != 0);
    CHECK_STATUS("fContextReq 0: DecryptMessage", DecryptMessage(&r.server, &md, 0, &qop), SEC_E_OK);
    CHECK("fContextReq 0: plaintext back", memcmp(data, plain, sizeof data) == 0);
    memcpy(sig, dummy, 16);
    sig[12] = 1; /* the next sequence number, so only the missing encryption is wrong */
    CHECK_STATUS("fContextReq 0: clear text with a dummy trailer refused", DecryptMessage(&r.server, &md, 0, &qop), SEC_E_MESSAGE_ALTERED);
    CHECK("fContextReq 0: refused message left as received", memcmp(data, plain, sizeof data) == 0);
    CHECK_STATUS("ImpersonateSecurityContext: no impersonation by default", ImpersonateSecurityContext(&r.server), SEC_E_NO_IMPERSONATION);
    CHECK_STATUS("RevertSecurityContext: no impersonation by default", RevertSecurityContext(&r.server), SEC_E_NO_IMPERSONATION);
    DeleteSecurityContext(&r.client);
    DeleteSecurityContext(&r.server);

    /* Two READONLY_WITH_CHECKSUM buffers over one header: signed, verified and sealed. */
    handshake(&cc, &sc, ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY, &r);
    CHECK_STATUS("sign+seal handshake", r.asc2, SEC_E_OK);
    md.cBuffers = 4;
    mb[0].BufferType = SECBUFFER_DATA | SECBUFFER_READONLY_WITH_CHECKSUM; mb[0].cbBuffer = sizeof header; mb[0].pvBuffer = header;
    mb[1].BufferType = SECBUFFER_DATA; mb[1].cbBuffer = sizeof data; mb[1].pvBuffer = data;
    mb[2].BufferType = SECBUFFER_DATA | SECBUFFER_READONLY_WITH_CHECKSUM; mb[2].cbBuffer = sizeof header; mb[2].pvBuffer = header;
    mb[3].BufferType = SECBUFFER_TOKEN; mb[3].cbBuffer = sizeof hdr_sig; mb[3].pvBuffer = hdr_sig;
    memcpy(data, plain, sizeof data);
    CHECK_STATUS("shared read-only header: MakeSignature", MakeSignature(&r.client, 0, &md, 0), SEC_E_OK);
    CHECK_STATUS("shared read-only header: VerifySignature", VerifySignature(&r.server, &md, 0, &qop), SEC_E_OK);
    CHECK_STATUS("shared read-only header: EncryptMessage", EncryptMessage(&r.client, 0, &md, 0), SEC_E_OK);
    CHECK_STATUS("shared read-only header: DecryptMessage", DecryptMessage(&r.server, &md, 0, &qop), SEC_E_OK);
    CHECK("shared read-only header: plaintext back", memcmp(data, plain, sizeof data) == 0);
    mb[1].pvBuffer = header + 2; mb[1].cbBuffer = 4;
    CHECK_STATUS("sealed data overlapping a read-only buffer refused", EncryptMessage(&r.client, 0, &md, 0), SEC_E_INVALID_TOKEN);
    CHECK("refused: header untouched", strcmp(header, "shared header") == 0);
    mb[1].pvBuffer = data; mb[1].cbBuffer = sizeof data;
    mb[3].pvBuffer = header; mb[3].cbBuffer = 16 > sizeof header ? sizeof header : 16;
    CHECK_STATUS("signature over a read-only buffer refused", MakeSignature(&r.client, 0, &md, 0), SEC_E_INVALID_TOKEN);
    DeleteSecurityContext(&r.client);
    DeleteSecurityContext(&r.server);

    handshake(&cc, &sc, ISC_REQ_MUTUAL_AUTH, &r);
    CHECK("ISC_REQ_MUTUAL_AUTH: ISC_RET_MUTUAL_AUTH when complete", r.isc2 == SEC_E_OK && (r.attrs2 & ISC_RET_MUTUAL_AUTH));
    DeleteSecurityContext(&r.client);
    DeleteSecurityContext(&r.server);

    /* Connectionless NTLM: the server speaks first (no input token, ASC_REQ_DATAGRAM). */
    {
        unsigned char t1[4096], t2[4096];
        SecBuffer o1 = {sizeof t1, SECBUFFER_TOKEN, t1}, o2 = {sizeof t2, SECBUFFER_TOKEN, t2};
        SecBufferDesc d1 = {SECBUFFER_VERSION, 1, &o1}, d2 = {SECBUFFER_VERSION, 1, &o2};
        CtxtHandle cx, sx;
        ULONG flags;
        CHECK_STATUS("connectionless: no first token without ASC_REQ_DATAGRAM",
                     AcceptSecurityContext(&sc, NULL, NULL, 0, 0, &sx, &d1, &attrs, &ts), SEC_E_INVALID_TOKEN);
        o1.cbBuffer = sizeof t1;
        CHECK_STATUS("connectionless: the server's CHALLENGE first",
                     AcceptSecurityContext(&sc, NULL, NULL, ASC_REQ_DATAGRAM, 0, &sx, &d1, &attrs, &ts), SEC_I_CONTINUE_NEEDED);
        memcpy(&flags, t1 + 20, 4);
        CHECK("connectionless: CHALLENGE offers DATAGRAM and KEY_EXCH", o1.cbBuffer > 48 && (flags & 0x40) && (flags & 0x40000000));
        CHECK_STATUS("connectionless: the client answers it",
                     InitializeSecurityContextA(&cc, NULL, NULL, ISC_REQ_DATAGRAM | ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY, 0, 0, &d1, 0,
                                                &cx, &d2, &attrs, &ts),
                     SEC_E_OK);
        CHECK_STATUS("connectionless: the server accepts",
                     AcceptSecurityContext(&sc, &sx, &d2, ASC_REQ_DATAGRAM, 0, &sx, NULL, &attrs, &ts), SEC_E_OK);
        CHECK("connectionless: ASC_RET_DATAGRAM", (attrs & ASC_RET_DATAGRAM) != 0);
        DeleteSecurityContext(&cx);
        DeleteSecurityContext(&sx);
    }

    /* A failed AcceptSecurityContext says it produced nothing. */
    client_cred_a("alice", "DOMAIN", "wrong", &bad);
    {
        unsigned char t1[4096], t2[4096], t3[4096], out[4096];
        SecBuffer o1 = {sizeof t1, SECBUFFER_TOKEN, t1}, o2 = {sizeof t2, SECBUFFER_TOKEN, t2}, o3 = {sizeof t3, SECBUFFER_TOKEN, t3};
        SecBuffer o4 = {sizeof out, SECBUFFER_TOKEN, out};
        SecBufferDesc d1 = {SECBUFFER_VERSION, 1, &o1}, d2 = {SECBUFFER_VERSION, 1, &o2}, d3 = {SECBUFFER_VERSION, 1, &o3};
        SecBufferDesc d4 = {SECBUFFER_VERSION, 1, &o4};
        CtxtHandle cx, sx;
        InitializeSecurityContextA(&bad, NULL, NULL, 0, 0, 0, NULL, 0, &cx, &d1, &attrs, &ts);
        AcceptSecurityContext(&sc, NULL, &d1, 0, 0, &sx, &d2, &attrs, &ts);
        InitializeSecurityContextA(&bad, &cx, NULL, 0, 0, 0, &d2, 0, &cx, &d3, &attrs, &ts);
        CHECK_STATUS("wrong password refused", AcceptSecurityContext(&sc, &sx, &d3, 0, 0, &sx, &d4, &attrs, &ts), SEC_E_LOGON_DENIED);
        CHECK("failed AcceptSecurityContext: output cbBuffer 0", o4.cbBuffer == 0);
        DeleteSecurityContext(&cx);
        DeleteSecurityContext(&sx);
    }
    FreeCredentialsHandle(&bad);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}

static void test_function_tables(void) {
    PSecurityFunctionTableW tw = InitSecurityInterfaceW();
    PSecurityFunctionTableA ta = InitSecurityInterfaceA();
    void *self = library_module();
    CHECK("tables, dwVersion 1 as Windows' secur32 reports", tw && ta && tw->dwVersion == SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION &&
                                                                  ta->dwVersion == SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION);
    CHECK("W slots", (void *)tw->AcquireCredentialsHandleW == library_symbol(self, "AcquireCredentialsHandleW") &&
                         (void *)tw->InitializeSecurityContextW == library_symbol(self, "InitializeSecurityContextW") &&
                         (void *)tw->AcceptSecurityContext == library_symbol(self, "AcceptSecurityContext") &&
                         (void *)tw->QuerySecurityPackageInfoW == library_symbol(self, "QuerySecurityPackageInfoW"));
    CHECK("Reserved3/4 are Encrypt/DecryptMessage", (void *)tw->Reserved3 == library_symbol(self, "EncryptMessage") &&
                                                        (void *)tw->Reserved4 == library_symbol(self, "DecryptMessage") &&
                                                        (void *)ta->Reserved3 == (void *)tw->EncryptMessage);
    CHECK("A slots", (void *)ta->AcquireCredentialsHandleA == library_symbol(self, "AcquireCredentialsHandleA") &&
                         (void *)ta->FreeContextBuffer == library_symbol(self, "FreeContextBuffer"));
    {
        CredHandle h;
        TimeStamp ts;
        CHECK_STATUS("through the W table", tw->AcquireCredentialsHandleW(NULL, w("NTLM"), SECPKG_CRED_INBOUND, NULL, NULL, NULL, NULL, &h, &ts),
                     SEC_E_OK);
        CHECK_STATUS("table FreeCredentialsHandle", tw->FreeCredentialsHandle(&h), SEC_E_OK);
    }
    library_release(self);
}

/* ---- Negotiate ---------------------------------------------------------------------------- */

static SECURITY_STATUS nego_cred(const char *pass, const char *package_list, ULONG use, CredHandle *h) {
    SEC_WINNT_AUTH_IDENTITY_EXA id;
    memset(&id, 0, sizeof id);
    id.Version = SEC_WINNT_AUTH_IDENTITY_VERSION;
    id.Length = sizeof id;
    id.User = (unsigned char *)"alice"; id.UserLength = 5;
    id.Domain = (unsigned char *)"DOMAIN"; id.DomainLength = 6;
    if (pass) { id.Password = (unsigned char *)pass; id.PasswordLength = (ULONG)strlen(pass); }
    id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    if (package_list) { id.PackageList = (unsigned char *)package_list; id.PackageListLength = (ULONG)strlen(package_list); }
    /* ptsExpiry may be NULL. */
    return AcquireCredentialsHandleA(NULL, (LPSTR) "Negotiate", use, NULL, use == SECPKG_CRED_INBOUND ? NULL : &id, NULL, NULL, h, NULL);
}

/* One leg with the caller's buffers: `in` (when in_len) after an optional CHANNEL_BINDINGS
 * buffer placed first; the output token into out/out_len. ptsExpiry NULL. */
static SECURITY_STATUS leg(int client, CredHandle *cred, CtxtHandle *ctx, int first, const unsigned char *in, ULONG in_len,
                           const void *bindings, ULONG bindings_len, unsigned char *out, ULONG *out_len) {
    SecBuffer ib[2], ob = {*out_len, SECBUFFER_TOKEN, out};
    SecBufferDesc id = {SECBUFFER_VERSION, 0, ib}, od = {SECBUFFER_VERSION, 1, &ob};
    ULONG attrs;
    SECURITY_STATUS s;
    if (bindings) {
        ib[id.cBuffers].BufferType = SECBUFFER_CHANNEL_BINDINGS; ib[id.cBuffers].cbBuffer = bindings_len;
        ib[id.cBuffers++].pvBuffer = (void *)bindings;
    }
    ib[id.cBuffers].BufferType = SECBUFFER_TOKEN; ib[id.cBuffers].cbBuffer = in_len; ib[id.cBuffers++].pvBuffer = (void *)in;
    if (client)
        s = InitializeSecurityContextA(cred, first ? NULL : ctx, (SEC_CHAR *)"HTTP/server", ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY,
                                       0, SECURITY_NATIVE_DREP, in_len ? &id : NULL, 0, ctx, &od, &attrs, NULL);
    else
        s = AcceptSecurityContext(cred, first ? NULL : ctx, &id, ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY, SECURITY_NATIVE_DREP, ctx,
                                  &od, &attrs, NULL);
    *out_len = ob.cbBuffer;
    return s;
}

struct bindings {
    SEC_CHANNEL_BINDINGS h;
    char data[32];
};

static void make_bindings(struct bindings *b, const char *app) {
    memset(b, 0, sizeof *b);
    b->h.cbApplicationDataLength = (ULONG)strlen(app);
    b->h.dwApplicationDataOffset = sizeof b->h;
    memcpy(b->data, app, strlen(app));
}

/* A Negotiate handshake: client, server, client, server, then the server's final token back to
 * the client. Returns the status of the first leg that did not go as expected, else SEC_E_OK. */
static SECURITY_STATUS nego_handshake(CredHandle *cc, CredHandle *sc, CtxtHandle *cx, CtxtHandle *sx, const struct bindings *cb,
                                      const struct bindings *sb) {
    unsigned char a[12000], b[12000];
    ULONG an = sizeof a, bn = sizeof b;
    SECURITY_STATUS s;
    if ((s = leg(1, cc, cx, 1, NULL, 0, NULL, 0, a, &an)) != SEC_I_CONTINUE_NEEDED) return s;
    CHECK("NegTokenInit is GSS-framed SPNEGO listing NTLMSSP", an > 40 && a[0] == 0x60 && memcmp(a + 2, OID_SPNEGO, sizeof OID_SPNEGO) == 0);
    if ((s = leg(0, sc, sx, 1, a, an, NULL, 0, b, &bn)) != SEC_I_CONTINUE_NEEDED) return s;
    an = sizeof a;
    if ((s = leg(1, cc, cx, 0, b, bn, cb, cb ? sizeof *cb : 0, a, &an)) != SEC_E_OK) return s;
    bn = sizeof b;
    if ((s = leg(0, sc, sx, 0, a, an, sb, sb ? sizeof *sb : 0, b, &bn)) != SEC_E_OK) return s;
    CHECK("server's final token", bn > 0 && b[0] == 0xa1);
    an = sizeof a;
    if ((s = leg(1, cc, cx, 0, b, bn, NULL, 0, a, &an)) != SEC_E_OK) return s;
    CHECK("nothing more from the client", an == 0);
    return SEC_E_OK;
}

static void seal_both_ways(CtxtHandle *from, CtxtHandle *to, const char *what) {
    char msg[] = "a sealed message", copy[sizeof msg];
    unsigned char sig[16], sig2[16];
    SecBuffer mb[2] = {{16, SECBUFFER_TOKEN, sig}, {sizeof msg, SECBUFFER_DATA, msg}};
    SecBufferDesc md = {SECBUFFER_VERSION, 2, mb};
    ULONG qop;
    CHECK_STATUS(what, EncryptMessage(from, 0, &md, 0), SEC_E_OK);
    memcpy(copy, msg, sizeof msg);
    memcpy(sig2, sig, 16);
    CHECK_STATUS(what, DecryptMessage(to, &md, 0, &qop), SEC_E_OK);
    CHECK(what, strcmp(msg, "a sealed message") == 0);
    memcpy(msg, copy, sizeof msg);
    memcpy(sig, sig2, 16);
    CHECK_STATUS("replayed", DecryptMessage(to, &md, 0, &qop), SEC_E_OUT_OF_SEQUENCE);
    CHECK_STATUS("sign", MakeSignature(from, 0, &md, 0), SEC_E_OK);
    msg[0] ^= 1;
    CHECK_STATUS("tampered", VerifySignature(to, &md, 0, &qop), SEC_E_MESSAGE_ALTERED);
    msg[0] ^= 1;
    CHECK_STATUS("verified", VerifySignature(to, &md, 0, &qop), SEC_E_OK);
}

static void test_negotiate(void) {
    PSecPkgInfoA pi;
    CredHandle cc, sc, bad;
    CtxtHandle cx, sx;
    SecPkgContext_Sizes sizes;
    SecPkgContext_NegotiationInfoA ni;
    SecPkgContext_PackageInfoA pk;
    SecPkgContext_NamesA na;
    struct bindings b1, b2;
    int i;

    CHECK_STATUS("QuerySecurityPackageInfoA Negotiate", QuerySecurityPackageInfoA((LPSTR) "Negotiate", &pi), SEC_E_OK);
    CHECK("Negotiate package fields", strcmp(pi->Name, "Negotiate") == 0 && strcmp(pi->Comment, "Microsoft Package Negotiator") == 0 &&
                                          pi->wVersion == 1 && pi->wRPCID == 9 && pi->cbMaxToken == 12000 && pi->fCapabilities == 0x83BB3);
    FreeContextBuffer(pi);
    CHECK_STATUS("PackageList ntlm,!kerberos", nego_cred("Secret123", "ntlm,!kerberos", SECPKG_CRED_OUTBOUND, &cc), SEC_E_OK);
    FreeCredentialsHandle(&cc);
    /* Acquired as on Windows; with NTLM, the one mechanism here, left out, contexts find none. */
    CHECK_STATUS("PackageList !ntlm", nego_cred("Secret123", "!ntlm", SECPKG_CRED_OUTBOUND, &cc), SEC_E_OK);
    {
        unsigned char out[12000];
        ULONG ol = sizeof out;
        CtxtHandle none;
        CHECK_STATUS("PackageList !ntlm: no mechanism for a context", leg(1, &cc, &none, 1, NULL, 0, NULL, 0, out, &ol),
                     SEC_E_NO_CREDENTIALS);
    }
    FreeCredentialsHandle(&cc);
    CHECK_STATUS("Negotiate client credential", nego_cred("Secret123", NULL, SECPKG_CRED_OUTBOUND, &cc), SEC_E_OK);
    CHECK_STATUS("Negotiate server credential", nego_cred(NULL, NULL, SECPKG_CRED_INBOUND, &sc), SEC_E_OK);

    CHECK_STATUS("Negotiate handshake", nego_handshake(&cc, &sc, &cx, &sx, NULL, NULL), SEC_E_OK);
    for (i = 0; i < 2; i++) {
        CtxtHandle *c = i ? &sx : &cx;
        CHECK_STATUS("SIZES", QueryContextAttributesA(c, SECPKG_ATTR_SIZES, &sizes), SEC_E_OK);
        CHECK("SIZES as NTLM", sizes.cbMaxToken == 2888 && sizes.cbMaxSignature == 16 && sizes.cbBlockSize == 0 &&
                                   sizes.cbSecurityTrailer == 16);
        CHECK_STATUS("NEGOTIATION_INFO", QueryContextAttributesA(c, SECPKG_ATTR_NEGOTIATION_INFO, &ni), SEC_E_OK);
        CHECK("NEGOTIATION_INFO names NTLM, complete",
              ni.NegotiationState == SECPKG_NEGOTIATION_COMPLETE && strcmp(ni.PackageInfo->Name, "NTLM") == 0 &&
                  ni.PackageInfo->wRPCID == 10 && ni.PackageInfo->fCapabilities == 0x82B37);
        FreeContextBuffer(ni.PackageInfo);
        CHECK_STATUS("PACKAGE_INFO", QueryContextAttributesA(c, SECPKG_ATTR_PACKAGE_INFO, &pk), SEC_E_OK);
        CHECK("PACKAGE_INFO is Negotiate", strcmp(pk.PackageInfo->Name, "Negotiate") == 0);
        FreeContextBuffer(pk.PackageInfo);
    }
    CHECK_STATUS("server NAMES", QueryContextAttributesA(&sx, SECPKG_ATTR_NAMES, &na), SEC_E_OK);
    CHECK("client named", strcmp(na.sUserName, "DOMAIN\\alice") == 0);
    FreeContextBuffer(na.sUserName);
    for (i = 0; i < 2; i++) {
        seal_both_ways(&cx, &sx, "client to server");
        seal_both_ways(&sx, &cx, "server to client");
    }
    CHECK_STATUS("CompleteAuthToken", CompleteAuthToken(&cx, NULL), SEC_E_OK);
    DeleteSecurityContext(&cx);
    DeleteSecurityContext(&sx);

    /* Channel bindings, the CHANNEL_BINDINGS buffer before the token. */
    make_bindings(&b1, "tls-server-end-point:abc");
    make_bindings(&b2, "tls-server-end-point:xyz");
    CHECK_STATUS("matching channel bindings", nego_handshake(&cc, &sc, &cx, &sx, &b1, &b1), SEC_E_OK);
    seal_both_ways(&cx, &sx, "after bindings");
    DeleteSecurityContext(&cx);
    DeleteSecurityContext(&sx);
    CHECK_STATUS("other channel bindings", nego_handshake(&cc, &sc, &cx, &sx, &b1, &b2), SEC_E_BAD_BINDINGS);
    DeleteSecurityContext(&cx);
    DeleteSecurityContext(&sx);

    CHECK_STATUS("wrong password credential", nego_cred("wrong", NULL, SECPKG_CRED_OUTBOUND, &bad), SEC_E_OK);
    CHECK_STATUS("wrong password", nego_handshake(&bad, &sc, &cx, &sx, NULL, NULL), SEC_E_LOGON_DENIED);
    DeleteSecurityContext(&cx);
    DeleteSecurityContext(&sx);
    FreeCredentialsHandle(&bad);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}

/* An initiator listing Kerberos before NTLMSSP, driven by hand with an NTLM context: the server
 * answers request-mic, takes the NEGOTIATE in a NegTokenResp without negState, and completes only
 * with a valid mechListMIC (NTLM's MakeSignature over the MechTypeList). */
static void test_negotiate_request_mic(void) {
    static const unsigned char *const oids[] = {OID_MS_KRB5, OID_NTLMSSP};
    static const size_t lens[] = {sizeof OID_MS_KRB5, sizeof OID_NTLMSSP};
    unsigned char mechs[64], ntlm[4096], tok[8192], out[8192], mic[16], bad_mic[16];
    const unsigned char *f;
    size_t mechs_len, fl;
    ULONG nl, tl, ol, qop;
    CredHandle nc, sc;
    CtxtHandle cx, sx;
    SecBuffer mb[2] = {{16, SECBUFFER_TOKEN, mic}, {0, SECBUFFER_DATA, mechs}};
    SecBufferDesc md = {SECBUFFER_VERSION, 2, mb};
    int round;

    mechs_len = mech_list(mechs, oids, lens, 2);
    mb[1].cbBuffer = (ULONG)mechs_len;
    client_cred_a("alice", "DOMAIN", "Secret123", &nc);
    nego_cred(NULL, NULL, SECPKG_CRED_INBOUND, &sc);
    for (round = 0; round < 3; round++) {
        nl = sizeof ntlm;
        leg(1, &nc, &cx, 1, NULL, 0, NULL, 0, ntlm, &nl);
        tl = (ULONG)neg_token_init(tok, mechs, mechs_len, (const unsigned char *)"a Kerberos AP-REQ", 17);
        ol = sizeof out;
        CHECK_STATUS("NTLMSSP second in the list", leg(0, &sc, &sx, 1, tok, tl, NULL, 0, out, &ol), SEC_I_CONTINUE_NEEDED);
        f = resp_field(out, ol, 0xa0, &fl);
        CHECK("request-mic", f && fl == 1 && f[0] == 3);
        f = resp_field(out, ol, 0xa1, &fl);
        CHECK("supportedMech NTLMSSP", f && fl == sizeof OID_NTLMSSP - 2 && memcmp(f, OID_NTLMSSP + 2, fl) == 0);
        CHECK("the optimistic token is ignored", resp_field(out, ol, 0xa2, &fl) == NULL);
        tl = (ULONG)neg_token_resp(tok, -1, ntlm, nl, NULL, 0);
        ol = sizeof out;
        CHECK_STATUS("NEGOTIATE without negState", leg(0, &sc, &sx, 0, tok, tl, NULL, 0, out, &ol), SEC_I_CONTINUE_NEEDED);
        f = resp_field(out, ol, 0xa2, &fl);
        CHECK("CHALLENGE", f && fl > 32 && memcmp(f, "NTLMSSP\0\2", 9) == 0);
        nl = sizeof ntlm;
        CHECK_STATUS("AUTHENTICATE", leg(1, &nc, &cx, 0, f, (ULONG)fl, NULL, 0, ntlm, &nl), SEC_E_OK);
        CHECK_STATUS("mechListMIC", MakeSignature(&cx, 0, &md, 0), SEC_E_OK);
        memcpy(bad_mic, mic, 16);
        bad_mic[8] ^= 0x40;
        tl = (ULONG)neg_token_resp(tok, -1, ntlm, nl, mic, 15);
        ol = sizeof out;
        CHECK_STATUS("mechListMIC of 15 bytes", leg(0, &sc, &sx, 0, tok, tl, NULL, 0, out, &ol), SEC_E_INVALID_TOKEN);
        if (round == 0) {
            tl = (ULONG)neg_token_resp(tok, -1, ntlm, nl, mic, 16);
            ol = sizeof out;
            CHECK_STATUS("with its mechListMIC", leg(0, &sc, &sx, 0, tok, tl, NULL, 0, out, &ol), SEC_E_OK);
            f = resp_field(out, ol, 0xa0, &fl);
            CHECK("accept-completed", f && fl == 1 && f[0] == 0);
            f = resp_field(out, ol, 0xa3, &fl);
            CHECK("the server's mechListMIC", f && fl == 16);
            if (f && fl == 16) {
                memcpy(mic, f, 16);
                CHECK_STATUS("verifies with NTLM's keys", VerifySignature(&cx, &md, 0, &qop), SEC_E_OK);
            }
        } else {
            /* A tampered or missing mechListMIC: the logon is denied, the context is done. */
            tl = (ULONG)neg_token_resp(tok, -1, ntlm, nl, round == 1 ? bad_mic : NULL, 16);
            ol = sizeof out;
            CHECK_STATUS(round == 1 ? "tampered mechListMIC" : "no mechListMIC after request-mic", leg(0, &sc, &sx, 0, tok, tl, NULL, 0, out, &ol),
                         SEC_E_LOGON_DENIED);
            tl = (ULONG)neg_token_resp(tok, -1, ntlm, nl, mic, 16);
            ol = sizeof out;
            CHECK_STATUS("then nothing more", leg(0, &sc, &sx, 0, tok, tl, NULL, 0, out, &ol), SEC_E_OUT_OF_SEQUENCE);
        }
        DeleteSecurityContext(&cx);
        DeleteSecurityContext(&sx);
    }
    FreeCredentialsHandle(&nc);
    FreeCredentialsHandle(&sc);
}

/* The Negotiate client given a reject, or a reply selecting Kerberos. */
static void test_negotiate_reject(void) {
    static const unsigned char reject[] = {0xa1, 0x07, 0x30, 0x05, 0xa0, 0x03, 0x0a, 0x01, 0x02};
    unsigned char out[12000], krb[256];
    ULONG ol = sizeof out, kl;
    CredHandle cc;
    CtxtHandle cx;
    nego_cred("Secret123", NULL, SECPKG_CRED_OUTBOUND, &cc);
    leg(1, &cc, &cx, 1, NULL, 0, NULL, 0, out, &ol);
    /* NegTokenResp{accept-incomplete, supportedMech Kerberos, responseToken}. */
    kl = (ULONG)neg_token_resp(krb, 1, (const unsigned char *)"x", 1, NULL, 0);
    {
        unsigned char seq[256], body[256];
        size_t n = der_field(seq, 0xa0, 0x0a, (const unsigned char *)"\1", 1);
        memcpy(seq + n, (const unsigned char[]){0xa1, sizeof OID_KRB5}, 2);
        memcpy(seq + n + 2, OID_KRB5, sizeof OID_KRB5);
        n += 2 + sizeof OID_KRB5;
        n += der_field(seq + n, 0xa2, 0x04, (const unsigned char *)"NTLMSSP", 7);
        kl = (ULONG)der(krb, 0xa1, body, der(body, 0x30, seq, n));
    }
    ol = sizeof out;
    CHECK_STATUS("Kerberos selected", leg(1, &cc, &cx, 0, krb, kl, NULL, 0, out, &ol), SEC_E_INVALID_TOKEN);
    ol = sizeof out;
    CHECK_STATUS("reject", leg(1, &cc, &cx, 0, reject, sizeof reject, NULL, 0, out, &ol), SEC_E_LOGON_DENIED);
    DeleteSecurityContext(&cx);
    FreeCredentialsHandle(&cc);
}

/* ---- EX identities, too small output buffers, context attributes: NTLM and Negotiate alike -- */

static void to_wide(WCHAR *out, const char *s) {
    while ((*out++ = (WCHAR)(unsigned char)*s++) != 0) {}
}

/* EX identities as Windows takes them (Wine's secur32 tests ntlm.c testAcquireCredentialsHandleW
 * and negotiate.c test_AcquireCredentialsHandle, which pass on Windows): the Version says the
 * structure is the EX form and Length is not read (callers set it to sizeof the plain form, or
 * leave it 0); NTLM ignores PackageList; Negotiate acquires with any list, a length counting the
 * terminating NUL included. Here, where NTLM is Negotiate's only mechanism, a list without NTLM
 * makes the contexts fail instead (SEC_E_NO_CREDENTIALS). */
static void test_ex_identity_record(void) {
    /* Length by name: the sizes differ between 32- and 64-bit builds, the check names may not. */
#define L_PLAIN sizeof(SEC_WINNT_AUTH_IDENTITY_W), "sizeof(SEC_WINNT_AUTH_IDENTITY_W)"
#define L_EX sizeof(SEC_WINNT_AUTH_IDENTITY_EXW), "sizeof(SEC_WINNT_AUTH_IDENTITY_EXW)"
#define L_ZERO 0, "0"
    static const struct { const char *package, *list; ULONG list_len, length; const char *length_name; int works; } cases[] = {
        {"NTLM", "ntlm,!kerberos", 14, L_PLAIN, 1},
        {"NTLM", "nosuch", 7, L_PLAIN, 1},
        {"NTLM", "nosuch", 7, L_ZERO, 1},
        {"NTLM", "!ntlm", 5, L_ZERO, 1},
        {"Negotiate", "kerberos,!ntlm", 14, L_EX, 0},
        {"Negotiate", "nosuch", 7, L_EX, 0},
        {"Negotiate", "nosuch", 7, L_ZERO, 0},
        {"Negotiate", "ntlm,!kerberos", 14, L_PLAIN, 1},
        {"Negotiate", "ntlm", 5, L_ZERO, 1},
    };
#undef L_PLAIN
#undef L_EX
#undef L_ZERO
    WCHAR user[8], domain[8], pass[16], list[32], package[16];
    SEC_WINNT_AUTH_IDENTITY_EXW ex;
    SEC_WINNT_AUTH_IDENTITY_EXA exa;
    CredHandle cc, sc;
    CtxtHandle cx;
    unsigned char tok[12000];
    SecBuffer b = {sizeof tok, SECBUFFER_TOKEN, tok};
    SecBufferDesc d = {SECBUFFER_VERSION, 1, &b};
    ULONG attrs;
    char name[200];
    size_t i;
    to_wide(user, "alice"); to_wide(domain, "DOMAIN"); to_wide(pass, "Secret123");
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        SECURITY_STATUS want = cases[i].works ? SEC_I_CONTINUE_NEEDED : SEC_E_NO_CREDENTIALS;
        int form;
        to_wide(list, cases[i].list);
        to_wide(package, cases[i].package);
        for (form = 0; form < 2; form++) {
            SECURITY_STATUS st;
            if (form == 0) {
                memset(&ex, 0, sizeof ex);
                ex.Version = SEC_WINNT_AUTH_IDENTITY_VERSION; ex.Length = cases[i].length;
                ex.User = user; ex.UserLength = 5; ex.Domain = domain; ex.DomainLength = 6;
                ex.Password = pass; ex.PasswordLength = 9; ex.Flags = SEC_WINNT_AUTH_IDENTITY_UNICODE;
                ex.PackageList = list; ex.PackageListLength = cases[i].list_len;
                st = AcquireCredentialsHandleW(NULL, package, SECPKG_CRED_OUTBOUND, NULL, &ex, NULL, NULL, &cc, NULL);
            } else {
                memset(&exa, 0, sizeof exa);
                exa.Version = SEC_WINNT_AUTH_IDENTITY_VERSION; exa.Length = cases[i].length;
                exa.User = (unsigned char *)"alice"; exa.UserLength = 5;
                exa.Domain = (unsigned char *)"DOMAIN"; exa.DomainLength = 6;
                exa.Password = (unsigned char *)"Secret123"; exa.PasswordLength = 9;
                exa.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
                exa.PackageList = (unsigned char *)cases[i].list; exa.PackageListLength = cases[i].list_len;
                st = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)cases[i].package, SECPKG_CRED_OUTBOUND, NULL, &exa, NULL, NULL, &cc,
                                               NULL);
            }
            snprintf(name, sizeof name, "%s %s identity, Length %s, PackageList \"%s\" (%lu): acquired", cases[i].package,
                     form ? "EXA" : "EXW", cases[i].length_name, cases[i].list, (unsigned long)cases[i].list_len);
            CHECK_STATUS(name, st, SEC_E_OK);
            if (st != SEC_E_OK) continue;
            b.cbBuffer = sizeof tok;
            snprintf(name, sizeof name, "%s %s identity, PackageList \"%s\": first InitializeSecurityContext", cases[i].package,
                     form ? "EXA" : "EXW", cases[i].list);
            st = InitializeSecurityContextA(&cc, NULL, NULL, 0, 0, 0, NULL, 0, &cx, &d, &attrs, NULL);
            CHECK_STATUS(name, st, want);
            if (st == SEC_I_CONTINUE_NEEDED) DeleteSecurityContext(&cx);
            if (!strcmp(cases[i].package, "NTLM") && cases[i].length == 0) {
                struct handshake r;
                SecPkgContext_NamesA na;
                server_cred(&sc);
                handshake(&cc, &sc, 0, &r);
                snprintf(name, sizeof name, "NTLM %s identity, Length 0: the server names its user", form ? "EXA" : "EXW");
                CHECK(name, r.asc2 == SEC_E_OK && QueryContextAttributesA(&r.server, SECPKG_ATTR_NAMES, &na) == SEC_E_OK &&
                                strcmp(na.sUserName, "DOMAIN\\alice") == 0 && FreeContextBuffer(na.sUserName) == SEC_E_OK);
                DeleteSecurityContext(&r.client);
                DeleteSecurityContext(&r.server);
                FreeCredentialsHandle(&sc);
            }
            FreeCredentialsHandle(&cc);
        }
    }
}

/* One InitializeSecurityContextA (client) or AcceptSecurityContext call, ptsExpiry NULL. The output
 * TOKEN buffer has `cap` bytes, or the library allocates it (`alloc`); the token is copied to
 * out/out_len. A call that fails writes no handle; after SEC_E_BUFFER_TOO_SMALL, *untouched says
 * whether the caller's buffer and its cbBuffer were left as they were. Later client calls pass no
 * credential, as Wine's tests do. */
static SECURITY_STATUS call_leg(int client, CredHandle *cred, CtxtHandle *ctx, int first, const unsigned char *in, ULONG in_len,
                                ULONG req, ULONG cap, int alloc, unsigned char *out, ULONG *out_len, ULONG *attrs, int *untouched) {
    static unsigned char room[12000 + 64];
    SecBuffer ib = {in_len, SECBUFFER_TOKEN, (void *)in}, ob;
    SecBufferDesc id = {SECBUFFER_VERSION, 1, &ib}, od = {SECBUFFER_VERSION, 1, &ob};
    CtxtHandle h = {0, 0};
    SECURITY_STATUS s;
    size_t i;
    memset(room, 0xEE, sizeof room);
    ob.BufferType = SECBUFFER_TOKEN;
    ob.cbBuffer = alloc ? 0 : cap;
    ob.pvBuffer = alloc ? NULL : room;
    if (alloc) req |= ISC_REQ_ALLOCATE_MEMORY; /* the same bit as ASC_REQ_ALLOCATE_MEMORY */
    *attrs = 0xFFFFFFFF;
    if (client)
        s = InitializeSecurityContextA(first ? cred : NULL, first ? NULL : ctx, (SEC_CHAR *)"HTTP/server", req, 0, SECURITY_NATIVE_DREP,
                                       in_len ? &id : NULL, 0, &h, &od, attrs, NULL);
    else
        s = AcceptSecurityContext(cred, first ? NULL : ctx, &id, req, SECURITY_NATIVE_DREP, &h, &od, attrs, NULL);
    *out_len = 0;
    *untouched = 1;
    if (s == SEC_E_OK || s == SEC_I_CONTINUE_NEEDED) {
        if (first) *ctx = h;
        if (ob.cbBuffer && ob.cbBuffer <= 12000) {
            memcpy(out, ob.pvBuffer, ob.cbBuffer);
            *out_len = ob.cbBuffer;
        }
        if (alloc && ob.pvBuffer) FreeContextBuffer(ob.pvBuffer);
    } else {
        if (first && (h.dwLower || h.dwUpper)) *untouched = 0;
        if (s == SEC_E_BUFFER_TOO_SMALL) {
            if (ob.cbBuffer != cap) *untouched = 0;
            for (i = 0; i < sizeof room; i++) *untouched &= room[i] == 0xEE;
        }
    }
    return s;
}

static SECURITY_STATUS cred_of(const char *package, int client, const char *pass, CredHandle *h) {
    if (!strcmp(package, "Negotiate")) return nego_cred(pass, NULL, client ? SECPKG_CRED_OUTBOUND : SECPKG_CRED_INBOUND, h);
    return client ? client_cred_a("alice", "DOMAIN", pass, h) : server_cred(h);
}

/* Every leg of both roles, NTLM and Negotiate (and a raw NTLM client against a Negotiate server),
 * first with an output buffer of one byte: each leg that sends a token must answer
 * SEC_E_BUFFER_TOO_SMALL and change nothing (NTLM's behaviour, and Negotiate's now that its
 * acceptor's last leg commits the logon only once its final token is delivered), and the retry —
 * with a buffer of cbMaxToken, or ALLOCATE_MEMORY — completes the same logon. A leg that sends no
 * token succeeds with any buffer. A refused logon is refused whatever the buffer, and ends the
 * context. */
static void test_small_buffers(void) {
    static const char *const pairs[][2] = {{"NTLM", "NTLM"}, {"Negotiate", "Negotiate"}, {"NTLM", "Negotiate"}};
    static unsigned char a[12000], b[12000];
    size_t p;
    char name[200];
    for (p = 0; p < sizeof pairs / sizeof pairs[0]; p++) {
        int alloc;
        for (alloc = 0; alloc < 2; alloc++) {
            CredHandle cc, sc;
            CtxtHandle cx = {0, 0}, sx = {0, 0};
            ULONG in_len = 0, out_len, attrs;
            int leg, untouched, done_c = 0, done_s = 0, all_untouched = 1, all_small = 1;
            SECURITY_STATUS s = SEC_E_OK;
            SecPkgContext_NamesA na;
            cred_of(pairs[p][0], 1, "Secret123", &cc);
            cred_of(pairs[p][1], 0, NULL, &sc);
            for (leg = 0; leg < 6 && !(done_c && done_s && in_len == 0); leg++) {
                int client = leg % 2 == 0;
                CredHandle *cred = client ? &cc : &sc;
                CtxtHandle *ctx = client ? &cx : &sx;
                int first = leg < 2;
                s = call_leg(client, cred, ctx, first, a, in_len, ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY, 1, 0, b, &out_len, &attrs,
                             &untouched);
                if (s == SEC_E_BUFFER_TOO_SMALL) {
                    all_untouched &= untouched;
                    s = call_leg(client, cred, ctx, first, a, in_len, ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY, sizeof b, alloc, b,
                                 &out_len, &attrs, &untouched);
                    all_small &= out_len > 0;
                } else {
                    all_small &= out_len == 0; /* only a leg without a token fits in one byte */
                }
                if (s != SEC_E_OK && s != SEC_I_CONTINUE_NEEDED) break;
                if (client) done_c = s == SEC_E_OK; else done_s = s == SEC_E_OK;
                memcpy(a, b, out_len);
                in_len = out_len;
            }
            snprintf(name, sizeof name, "%s to %s, one byte of output first on every leg, then %s: completes", pairs[p][0], pairs[p][1],
                     alloc ? "ALLOCATE_MEMORY" : "a cbMaxToken buffer");
            CHECK(name, done_c && done_s && (s == SEC_E_OK));
            snprintf(name, sizeof name, "%s to %s: every too-small call left the buffer and the handles as they were", pairs[p][0],
                     pairs[p][1]);
            CHECK(name, all_untouched && all_small);
            snprintf(name, sizeof name, "%s to %s after the retries: the server names the client", pairs[p][0], pairs[p][1]);
            CHECK(name, QueryContextAttributesA(&sx, SECPKG_ATTR_NAMES, &na) == SEC_E_OK && strcmp(na.sUserName, "DOMAIN\\alice") == 0 &&
                            FreeContextBuffer(na.sUserName) == SEC_E_OK);
            seal_both_ways(&cx, &sx, "after the retries, client to server");
            seal_both_ways(&sx, &cx, "after the retries, server to client");
            DeleteSecurityContext(&cx);
            DeleteSecurityContext(&sx);
            FreeCredentialsHandle(&cc);
            FreeCredentialsHandle(&sc);
        }
    }
    for (p = 0; p < 2; p++) {
        CredHandle cc, sc;
        CtxtHandle cx = {0, 0}, sx = {0, 0};
        ULONG al, bl, attrs;
        int untouched;
        cred_of(pairs[p][0], 1, "wrong", &cc);
        cred_of(pairs[p][1], 0, NULL, &sc);
        call_leg(1, &cc, &cx, 1, a, 0, 0, sizeof b, 0, b, &bl, &attrs, &untouched);
        call_leg(0, &sc, &sx, 1, b, bl, 0, sizeof a, 0, a, &al, &attrs, &untouched);
        call_leg(1, &cc, &cx, 0, a, al, 0, sizeof b, 0, b, &bl, &attrs, &untouched);
        snprintf(name, sizeof name, "%s wrong password, one byte of output: refused, not BUFFER_TOO_SMALL", pairs[p][0]);
        CHECK_STATUS(name, call_leg(0, &sc, &sx, 0, b, bl, 0, 1, 0, a, &al, &attrs, &untouched), SEC_E_LOGON_DENIED);
        snprintf(name, sizeof name, "%s wrong password: the context ended", pairs[p][0]);
        CHECK_STATUS(name, call_leg(0, &sc, &sx, 0, b, bl, 0, sizeof a, 0, a, &al, &attrs, &untouched), SEC_E_OUT_OF_SEQUENCE);
        DeleteSecurityContext(&cx);
        DeleteSecurityContext(&sx);
        FreeCredentialsHandle(&cc);
        FreeCredentialsHandle(&sc);
    }
}

/* The context attributes as Windows returns them (Wine's secur32 ntlm.c
 * testInitializeSecurityContextFlags, which passes on Windows): the first InitializeSecurityContext
 * with fContextReq, the completing one with 0 and no credential. MUTUAL_AUTH comes back from the
 * completing call because the first asked for it; CONNECTION only from the first; EXTENDED_ERROR,
 * USE_DCE_STYLE and DELEGATE never; the rest from what SIGN and SEAL negotiated. Negotiate's
 * contexts (NTLM inside) report the same. */
static void test_attributes_record(void) {
#define R_SIGN (ASC_RET_SEQUENCE_DETECT | ASC_RET_REPLAY_DETECT)
#define I_INTEG (ISC_RET_INTEGRITY | ISC_RET_SEQUENCE_DETECT | ISC_RET_REPLAY_DETECT)
#define A_INTEG (ASC_RET_INTEGRITY | ASC_RET_SEQUENCE_DETECT | ASC_RET_REPLAY_DETECT)
    static const struct { ULONG req, isc1, asc1, isc2, asc2; } record[] = {
        {0, 0, 0, 0, 0},
        {ISC_REQ_CONNECTION, ISC_RET_CONNECTION, 0, 0, 0},
        {ISC_REQ_EXTENDED_ERROR, 0, 0, 0, 0},
        {ISC_REQ_MUTUAL_AUTH, 0, 0, ISC_RET_MUTUAL_AUTH, 0},
        {ISC_REQ_USE_DCE_STYLE, 0, 0, 0, 0},
        {ISC_REQ_DELEGATE, 0, 0, 0, 0},
        {ISC_REQ_INTEGRITY, ISC_RET_INTEGRITY, R_SIGN, I_INTEG, A_INTEG},
        {ISC_REQ_REPLAY_DETECT, ISC_RET_REPLAY_DETECT, R_SIGN, I_INTEG, A_INTEG},
        {ISC_REQ_SEQUENCE_DETECT, ISC_RET_SEQUENCE_DETECT, R_SIGN, I_INTEG, A_INTEG},
        {ISC_REQ_CONFIDENTIALITY, ISC_RET_CONFIDENTIALITY | ISC_RET_INTEGRITY, R_SIGN | ASC_RET_CONFIDENTIALITY,
         I_INTEG | ISC_RET_CONFIDENTIALITY, A_INTEG | ASC_RET_CONFIDENTIALITY},
    };
    static const char *const packages[] = {"NTLM", "Negotiate"};
    static unsigned char a[12000], b[12000];
    size_t i, p;
    char name[200];
    for (p = 0; p < 2; p++) {
        CredHandle cc, sc;
        cred_of(packages[p], 1, "Secret123", &cc);
        cred_of(packages[p], 0, NULL, &sc);
        for (i = 0; i < sizeof record / sizeof record[0]; i++) {
            CtxtHandle cx = {0, 0}, sx = {0, 0};
            ULONG al, bl, at[5] = {0}, want[5];
            SECURITY_STATUS st[5];
            SecPkgContext_Flags fl;
            int untouched, ok = 1, k;
            want[0] = record[i].isc1; want[1] = record[i].asc1; want[2] = record[i].isc2; want[3] = record[i].asc2;
            want[4] = record[i].isc2;
            st[0] = call_leg(1, &cc, &cx, 1, a, 0, record[i].req, sizeof b, 0, b, &bl, &at[0], &untouched);
            st[1] = call_leg(0, &sc, &sx, 1, b, bl, 0, sizeof a, 0, a, &al, &at[1], &untouched);
            st[2] = call_leg(1, &cc, &cx, 0, a, al, 0, sizeof b, 0, b, &bl, &at[2], &untouched);
            st[3] = call_leg(0, &sc, &sx, 0, b, bl, 0, sizeof a, 0, a, &al, &at[3], &untouched);
            /* Negotiate: the acceptor's final token passed back; NTLM has none to pass. */
            st[4] = p ? call_leg(1, &cc, &cx, 0, a, al, 0, sizeof b, 0, b, &bl, &at[4], &untouched) : SEC_E_OK;
            if (!p) at[4] = record[i].isc2;
            for (k = 0; k < 5; k++) ok &= at[k] == want[k] && st[k] == (k < 2 ? SEC_I_CONTINUE_NEEDED : SEC_E_OK);
            snprintf(name, sizeof name, "%s fContextReq 0x%lx then 0: attributes 0x%lx 0x%lx 0x%lx 0x%lx as Windows", packages[p],
                     (unsigned long)record[i].req, (unsigned long)at[0], (unsigned long)at[1], (unsigned long)at[2],
                     (unsigned long)at[3]);
            CHECK(name, ok);
            snprintf(name, sizeof name, "%s fContextReq 0x%lx: FLAGS as the completing call returned", packages[p],
                     (unsigned long)record[i].req);
            CHECK(name, QueryContextAttributesA(&cx, SECPKG_ATTR_FLAGS, &fl) == SEC_E_OK && fl.Flags == record[i].isc2);
            DeleteSecurityContext(&cx);
            DeleteSecurityContext(&sx);
        }
        FreeCredentialsHandle(&cc);
        FreeCredentialsHandle(&sc);
    }
#undef R_SIGN
#undef I_INTEG
#undef A_INTEG
}

int main(void) {
    write_user_file();
    test_package_info();
    test_credentials();
    test_handshakes_and_flags();
    test_buffers_and_bad_tokens();
    test_handles();
    test_attributes_and_messages();
    test_real_callers();
    test_function_tables();
    test_negotiate();
    test_negotiate_request_mic();
    test_negotiate_reject();
    test_ex_identity_record();
    test_small_buffers();
    test_attributes_record();
    remove(user_file);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
