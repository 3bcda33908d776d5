/* Misuse through the exported functions: NULL for each pointer parameter in turn, descriptor
 * counts beyond their arrays, overlapping buffers, made-up, stale and wrong-kind handles, calls
 * out of order, and tokens from 0 bytes to 1 MiB. Every call must give its documented status and
 * change nothing; run under valgrind (tests/c/run.sh) and AddressSanitizer, no error and no leak.
 * Output as harness.c: "ok - name" / "not ok - name", then a count. */
#define SECURITY_WIN32
#include <security.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "portable.h"
#include "spnego.h"

static SEC_WINNT_AUTH_IDENTITY_W alice;

static void init_identity(void) {
    static WCHAR user[8], domain[8], pass[16];
    memcpy(user, w("alice"), 6 * sizeof(WCHAR));
    memcpy(domain, w("DOMAIN"), 7 * sizeof(WCHAR));
    memcpy(pass, w("Secret123"), 10 * sizeof(WCHAR));
    alice.User = user; alice.UserLength = 5;
    alice.Domain = domain; alice.DomainLength = 6;
    alice.Password = pass; alice.PasswordLength = 9;
    alice.Flags = SEC_WINNT_AUTH_IDENTITY_UNICODE;
}

static CredHandle client_cred(void) {
    CredHandle h;
    TimeStamp ts;
    SECURITY_STATUS s = AcquireCredentialsHandleW(NULL, w("NTLM"), SECPKG_CRED_OUTBOUND, NULL, &alice, NULL, NULL, &h, &ts);
    if (s != SEC_E_OK) { printf("Bail out! client credential 0x%08x\n", (unsigned)s); exit(2); }
    return h;
}

static CredHandle server_cred(void) {
    CredHandle h;
    TimeStamp ts;
    SECURITY_STATUS s = AcquireCredentialsHandleW(NULL, w("NTLM"), SECPKG_CRED_INBOUND, NULL, NULL, NULL, NULL, &h, &ts);
    if (s != SEC_E_OK) { printf("Bail out! server credential 0x%08x\n", (unsigned)s); exit(2); }
    return h;
}

/* One token in, one token out, caller's buffers. */
struct io {
    unsigned char in[4096], out[4096];
    SecBuffer ib, ob;
    SecBufferDesc id, od;
};

static void io_reset(struct io *t, ULONG in_len) {
    t->ib.cbBuffer = in_len; t->ib.BufferType = SECBUFFER_TOKEN; t->ib.pvBuffer = t->in;
    t->ob.cbBuffer = sizeof t->out; t->ob.BufferType = SECBUFFER_TOKEN; t->ob.pvBuffer = t->out;
    t->id.ulVersion = SECBUFFER_VERSION; t->id.cBuffers = 1; t->id.pBuffers = &t->ib;
    t->od.ulVersion = SECBUFFER_VERSION; t->od.cBuffers = 1; t->od.pBuffers = &t->ob;
}

/* The output token becomes the next input. */
static void io_pass(struct io *t) {
    memcpy(t->in, t->out, t->ob.cbBuffer);
    io_reset(t, t->ob.cbBuffer);
}

static SECURITY_STATUS isc(CredHandle *c, CtxtHandle *ctx, int first, struct io *t) {
    ULONG attrs;
    TimeStamp ts;
    return InitializeSecurityContextW(c, first ? NULL : ctx, NULL, ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY, 0, 0,
                                      first ? NULL : &t->id, 0, ctx, &t->od, &attrs, &ts);
}

static SECURITY_STATUS asc(CredHandle *c, CtxtHandle *ctx, int first, struct io *t) {
    ULONG attrs;
    TimeStamp ts;
    return AcceptSecurityContext(c, first ? NULL : ctx, &t->id, ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY, 0, ctx, &t->od,
                                 &attrs, &ts);
}

/* A complete handshake; returns 1 when both ends are established. */
static int establish(CredHandle *cc, CredHandle *sc, CtxtHandle *cx, CtxtHandle *sx) {
    struct io t;
    io_reset(&t, 0);
    if (isc(cc, cx, 1, &t) != SEC_I_CONTINUE_NEEDED) return 0;
    io_pass(&t);
    if (asc(sc, sx, 1, &t) != SEC_I_CONTINUE_NEEDED) return 0;
    io_pass(&t);
    if (isc(cc, cx, 0, &t) != SEC_E_OK) return 0;
    io_pass(&t);
    return asc(sc, sx, 0, &t) == SEC_E_OK;
}

static void null_parameters(void) {
    CredHandle cc = client_cred(), sc = server_cred(), h;
    CtxtHandle cx, sx;
    TimeStamp ts;
    ULONG attrs, n;
    struct io t;
    PSecPkgInfoW info;
    SecPkgContext_Sizes sizes;

    /* AcquireCredentialsHandle: package, output handle; NULL expiry is allowed. */
    CHECK_STATUS("ACH NULL package", AcquireCredentialsHandleW(NULL, NULL, SECPKG_CRED_OUTBOUND, NULL, &alice, NULL, NULL, &h, &ts),
           SEC_E_SECPKG_NOT_FOUND);
    CHECK_STATUS("ACH NULL handle", AcquireCredentialsHandleW(NULL, w("NTLM"), SECPKG_CRED_OUTBOUND, NULL, &alice, NULL, NULL, NULL, &ts),
           SEC_E_INVALID_HANDLE);
    CHECK_STATUS("ACH NULL expiry", AcquireCredentialsHandleW(NULL, w("NTLM"), SECPKG_CRED_OUTBOUND, NULL, &alice, NULL, NULL, &h, NULL),
           SEC_E_OK);
    FreeCredentialsHandle(&h);
    {
        SEC_WINNT_AUTH_IDENTITY_W bad = alice;
        bad.User = NULL;
        CHECK_STATUS("ACH identity with NULL user and a length",
               AcquireCredentialsHandleW(NULL, w("NTLM"), SECPKG_CRED_OUTBOUND, NULL, &bad, NULL, NULL, &h, &ts), SEC_E_UNKNOWN_CREDENTIALS);
        bad = alice;
        bad.Password = NULL;
        CHECK_STATUS("ACH identity with NULL password and a length",
               AcquireCredentialsHandleW(NULL, w("NTLM"), SECPKG_CRED_OUTBOUND, NULL, &bad, NULL, NULL, &h, &ts), SEC_E_UNKNOWN_CREDENTIALS);
        bad = alice;
        bad.Flags = 0;
        CHECK_STATUS("ACH identity with neither ANSI nor UNICODE",
               AcquireCredentialsHandleW(NULL, w("NTLM"), SECPKG_CRED_OUTBOUND, NULL, &bad, NULL, NULL, &h, &ts), SEC_E_UNKNOWN_CREDENTIALS);
    }
    CHECK_STATUS("FreeCredentialsHandle NULL", FreeCredentialsHandle(NULL), SEC_E_INVALID_HANDLE);

    /* InitializeSecurityContext, first leg. */
    io_reset(&t, 0);
    CHECK_STATUS("ISC NULL credential", InitializeSecurityContextW(NULL, NULL, NULL, 0, 0, 0, NULL, 0, &cx, &t.od, &attrs, &ts),
           SEC_E_INVALID_HANDLE);
    CHECK_STATUS("ISC NULL new context", InitializeSecurityContextW(&cc, NULL, NULL, 0, 0, 0, NULL, 0, NULL, &t.od, &attrs, &ts),
           SEC_E_INVALID_HANDLE);
    CHECK_STATUS("ISC NULL output", InitializeSecurityContextW(&cc, NULL, NULL, 0, 0, 0, NULL, 0, &cx, NULL, &attrs, &ts),
           SEC_E_BUFFER_TOO_SMALL);
    t.od.pBuffers = NULL;
    CHECK_STATUS("ISC output descriptor without buffers",
           InitializeSecurityContextW(&cc, NULL, NULL, 0, 0, 0, NULL, 0, &cx, &t.od, &attrs, &ts), SEC_E_INVALID_TOKEN);
    io_reset(&t, 0);
    t.ob.pvBuffer = NULL;
    CHECK_STATUS("ISC output token buffer NULL with a size (Windows: SEC_E_INTERNAL_ERROR)",
           InitializeSecurityContextW(&cc, NULL, NULL, 0, 0, 0, NULL, 0, &cx, &t.od, &attrs, &ts), SEC_E_INTERNAL_ERROR);
    io_reset(&t, 0);
    CHECK_STATUS("ISC NULL attributes and expiry", InitializeSecurityContextW(&cc, NULL, NULL, 0, 0, 0, NULL, 0, &cx, &t.od, NULL, NULL),
           SEC_I_CONTINUE_NEEDED);
    io_pass(&t);

    /* AcceptSecurityContext, first leg. */
    CHECK_STATUS("ASC NULL credential", AcceptSecurityContext(NULL, NULL, &t.id, 0, 0, &sx, &t.od, &attrs, &ts), SEC_E_INVALID_HANDLE);
    CHECK_STATUS("ASC NULL input", AcceptSecurityContext(&sc, NULL, NULL, 0, 0, &sx, &t.od, &attrs, &ts), SEC_E_INVALID_TOKEN);
    CHECK_STATUS("ASC NULL new context", AcceptSecurityContext(&sc, NULL, &t.id, 0, 0, NULL, &t.od, &attrs, &ts), SEC_E_INVALID_HANDLE);
    CHECK_STATUS("ASC NULL output on the first leg", AcceptSecurityContext(&sc, NULL, &t.id, 0, 0, &sx, NULL, &attrs, &ts),
           SEC_E_BUFFER_TOO_SMALL);
    t.ib.pvBuffer = NULL;
    CHECK_STATUS("ASC input token NULL with a size", AcceptSecurityContext(&sc, NULL, &t.id, 0, 0, &sx, &t.od, &attrs, &ts),
           SEC_E_INVALID_TOKEN);
    CHECK("failed ASC: output token emptied", t.ob.cbBuffer == 0);
    t.ib.pvBuffer = t.in;
    t.ob.cbBuffer = sizeof t.out;
    CHECK_STATUS("ASC NULL attributes and expiry", AcceptSecurityContext(&sc, NULL, &t.id, 0, 0, &sx, &t.od, NULL, NULL),
           SEC_I_CONTINUE_NEEDED);
    io_pass(&t);

    /* Second legs with NULLs leave both contexts waiting: the real call then completes. */
    {
        unsigned char challenge[4096];
        ULONG challenge_len = t.ib.cbBuffer;
        memcpy(challenge, t.in, challenge_len);
        CHECK_STATUS("ISC leg 2 NULL input", InitializeSecurityContextW(&cc, &cx, NULL, 0, 0, 0, NULL, 0, &cx, &t.od, &attrs, &ts),
               SEC_E_INVALID_TOKEN);
        CHECK_STATUS("ISC leg 2 NULL output", InitializeSecurityContextW(&cc, &cx, NULL, 0, 0, 0, &t.id, 0, &cx, NULL, &attrs, &ts),
               SEC_E_BUFFER_TOO_SMALL);
        CHECK_STATUS("ISC leg 2", isc(&cc, &cx, 0, &t), SEC_E_OK);
        io_pass(&t);
        CHECK_STATUS("ASC leg 2 NULL input", AcceptSecurityContext(&sc, &sx, NULL, 0, 0, &sx, &t.od, &attrs, &ts), SEC_E_INVALID_TOKEN);
        CHECK_STATUS("ASC leg 2 NULL output allowed", AcceptSecurityContext(&sc, &sx, &t.id, 0, 0, &sx, NULL, &attrs, &ts), SEC_E_OK);
        (void)challenge;
    }

    /* Attributes and messages. */
    CHECK_STATUS("QueryContextAttributes NULL handle", QueryContextAttributesW(NULL, SECPKG_ATTR_SIZES, &sizes), SEC_E_INVALID_HANDLE);
    CHECK_STATUS("QueryContextAttributes NULL buffer", QueryContextAttributesW(&cx, SECPKG_ATTR_SIZES, NULL), SEC_E_INVALID_PARAMETER);
    CHECK_STATUS("QueryCredentialsAttributes NULL buffer", QueryCredentialsAttributesW(&cc, SECPKG_CRED_ATTR_NAMES, NULL),
           SEC_E_INVALID_PARAMETER);
    CHECK_STATUS("QueryCredentialsAttributes NULL handle", QueryCredentialsAttributesW(NULL, SECPKG_CRED_ATTR_NAMES, &n),
           SEC_E_INVALID_HANDLE);
    CHECK_STATUS("MakeSignature NULL message", MakeSignature(&cx, 0, NULL, 0), SEC_E_INVALID_TOKEN);
    CHECK_STATUS("MakeSignature NULL context", MakeSignature(NULL, 0, &t.od, 0), SEC_E_INVALID_HANDLE);
    CHECK_STATUS("VerifySignature NULL message", VerifySignature(&sx, NULL, 0, NULL), SEC_E_INVALID_TOKEN);
    CHECK_STATUS("EncryptMessage NULL message", EncryptMessage(&cx, 0, NULL, 0), SEC_E_INVALID_TOKEN);
    CHECK_STATUS("DecryptMessage NULL message", DecryptMessage(&sx, NULL, 0, NULL), SEC_E_INVALID_TOKEN);
    CHECK_STATUS("CompleteAuthToken NULL token", CompleteAuthToken(&cx, NULL), SEC_E_OK);
    CHECK_STATUS("CompleteAuthToken NULL context", CompleteAuthToken(NULL, NULL), SEC_E_INVALID_HANDLE);
    CHECK_STATUS("DeleteSecurityContext NULL", DeleteSecurityContext(NULL), SEC_E_INVALID_HANDLE);
    CHECK_STATUS("ImpersonateSecurityContext NULL", ImpersonateSecurityContext(NULL), SEC_E_INVALID_HANDLE);
    CHECK_STATUS("QuerySecurityContextToken NULL token", QuerySecurityContextToken(&sx, NULL), SEC_E_NO_IMPERSONATION);

    /* Package queries. */
    CHECK_STATUS("QuerySecurityPackageInfo NULL name", QuerySecurityPackageInfoW(NULL, &info), SEC_E_SECPKG_NOT_FOUND);
    CHECK_STATUS("QuerySecurityPackageInfo NULL out", QuerySecurityPackageInfoW(w("NTLM"), NULL), SEC_E_INVALID_PARAMETER);
    CHECK_STATUS("EnumerateSecurityPackages NULL count", EnumerateSecurityPackagesW(NULL, &info), SEC_E_INVALID_PARAMETER);
    CHECK_STATUS("EnumerateSecurityPackages NULL out", EnumerateSecurityPackagesW(&n, NULL), SEC_E_INVALID_PARAMETER);
    CHECK_STATUS("FreeContextBuffer NULL", FreeContextBuffer(NULL), SEC_E_OK);
    {
        char stack_block[16];
        CHECK_STATUS("FreeContextBuffer of memory it never gave", FreeContextBuffer(stack_block), SEC_E_INVALID_HANDLE);
    }

    DeleteSecurityContext(&cx);
    DeleteSecurityContext(&sx);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}

static void descriptors(void) {
    CredHandle cc = client_cred(), sc = server_cred();
    CtxtHandle cx, sx;
    unsigned char data[64], sig[16];
    SecBuffer b[2];
    SecBufferDesc d;
    int ok = establish(&cc, &sc, &cx, &sx);
    CHECK("established", ok);
    memset(data, 'x', sizeof data);
    b[0].BufferType = SECBUFFER_TOKEN; b[0].cbBuffer = sizeof sig; b[0].pvBuffer = sig;
    b[1].BufferType = SECBUFFER_DATA; b[1].cbBuffer = sizeof data; b[1].pvBuffer = data;
    d.ulVersion = SECBUFFER_VERSION; d.pBuffers = b;

    d.cBuffers = 1000;
    CHECK_STATUS("cBuffers 1000 with an array of 2", EncryptMessage(&cx, 0, &d, 0), SEC_E_INVALID_TOKEN);
    d.cBuffers = 0xFFFFFFFFu;
    CHECK_STATUS("cBuffers 0xFFFFFFFF", MakeSignature(&cx, 0, &d, 0), SEC_E_INVALID_TOKEN);
    d.cBuffers = 0;
    CHECK_STATUS("cBuffers 0: no TOKEN", MakeSignature(&cx, 0, &d, 0), SEC_E_INVALID_TOKEN);
    d.cBuffers = 2;
    d.pBuffers = NULL;
    CHECK_STATUS("pBuffers NULL", DecryptMessage(&sx, &d, 0, NULL), SEC_E_INVALID_TOKEN);
    d.pBuffers = b;
    d.ulVersion = 1;
    CHECK_STATUS("wrong descriptor version", EncryptMessage(&cx, 0, &d, 0), SEC_E_INVALID_TOKEN);
    d.ulVersion = SECBUFFER_VERSION;
    b[1].pvBuffer = sig + 4;
    b[1].cbBuffer = 8;
    CHECK_STATUS("DATA overlapping the TOKEN", EncryptMessage(&cx, 0, &d, 0), SEC_E_INVALID_TOKEN);
    b[1].pvBuffer = data; b[1].cbBuffer = sizeof data;
    b[0].cbBuffer = 15;
    CHECK_STATUS("TOKEN of 15 bytes", EncryptMessage(&cx, 0, &d, 0), SEC_E_BUFFER_TOO_SMALL);
    b[0].cbBuffer = 16;
    b[0].pvBuffer = NULL;
    CHECK_STATUS("TOKEN NULL with a size", MakeSignature(&cx, 0, &d, 0), SEC_E_INVALID_TOKEN);
    b[0].pvBuffer = sig;
    b[1].pvBuffer = NULL;
    CHECK_STATUS("DATA NULL with a size", EncryptMessage(&cx, 0, &d, 0), SEC_E_INVALID_TOKEN);
    b[1].pvBuffer = data;
    b[0].BufferType = SECBUFFER_DATA;
    CHECK_STATUS("two DATA, no TOKEN", EncryptMessage(&cx, 0, &d, 0), SEC_E_INVALID_TOKEN);
    b[0].BufferType = SECBUFFER_TOKEN;
    /* Nothing above consumed a sequence number: a message still goes through. */
    CHECK_STATUS("EncryptMessage after the refusals", EncryptMessage(&cx, 0, &d, 0), SEC_E_OK);
    CHECK_STATUS("DecryptMessage after the refusals", DecryptMessage(&sx, &d, 0, NULL), SEC_E_OK);
    {
        int i, plain = 1;
        for (i = 0; i < (int)sizeof data; i++) plain &= data[i] == 'x';
        CHECK("plaintext back", plain);
    }
    DeleteSecurityContext(&cx);
    DeleteSecurityContext(&sx);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}

static void handles(void) {
    CredHandle cc = client_cred(), sc = server_cred(), stale;
    CtxtHandle cx, sx, h;
    SecPkgContext_Sizes sizes;
    unsigned long x = 0x2545F491UL;
    int i, all_refused = 1;
    struct io t;

    h.dwLower = 0; h.dwUpper = 0;
    CHECK_STATUS("zero context", QueryContextAttributesW(&h, SECPKG_ATTR_SIZES, &sizes), SEC_E_INVALID_HANDLE);
    SecInvalidateHandle(&h);
    CHECK_STATUS("-1/-1 context", QueryContextAttributesW(&h, SECPKG_ATTR_SIZES, &sizes), SEC_E_INVALID_HANDLE);
    CHECK_STATUS("-1/-1 credential", FreeCredentialsHandle(&h), SEC_E_INVALID_HANDLE);
    for (i = 0; i < 10000; i++) {
        x ^= x << 13; x ^= x >> 17; x ^= x << 5;
        h.dwLower = (ULONG_PTR)x * 2654435761u; h.dwUpper = (ULONG_PTR)x;
        all_refused &= DeleteSecurityContext(&h) == SEC_E_INVALID_HANDLE;
        all_refused &= FreeCredentialsHandle(&h) == SEC_E_INVALID_HANDLE;
    }
    CHECK("10000 random handles refused", all_refused);

    /* Out of order. */
    io_reset(&t, 0);
    CHECK_STATUS("ISC", isc(&cc, &cx, 1, &t), SEC_I_CONTINUE_NEEDED);
    io_pass(&t);
    CHECK_STATUS("ASC on a client context", asc(&sc, &cx, 0, &t), SEC_E_INVALID_HANDLE);
    t.ob.cbBuffer = sizeof t.out; /* a failed AcceptSecurityContext empties its output token */
    CHECK_STATUS("ISC on a credential as context", isc(&cc, (CtxtHandle *)&sc, 0, &t), SEC_E_INVALID_HANDLE);
    CHECK_STATUS("ASC", asc(&sc, &sx, 1, &t), SEC_I_CONTINUE_NEEDED);
    CHECK_STATUS("ISC on a server context", isc(&cc, &sx, 0, &t), SEC_E_INVALID_HANDLE);
    io_pass(&t);
    {
        /* A CHALLENGE given to a completed client context starts a re-authentication (as a
         * server-initiated one would): a fresh AUTHENTICATE, new keys. */
        struct io again = t;
        again.ib.pvBuffer = again.in; again.ob.pvBuffer = again.out;
        again.id.pBuffers = &again.ib; again.od.pBuffers = &again.ob;
        CHECK_STATUS("ISC leg 2", isc(&cc, &cx, 0, &t), SEC_E_OK);
        CHECK_STATUS("ISC leg 2 twice: re-authentication", isc(&cc, &cx, 0, &again), SEC_E_OK);
        CHECK("a fresh AUTHENTICATE", again.ob.cbBuffer > 0 && (again.ob.cbBuffer != t.ob.cbBuffer || memcmp(again.out, t.out, t.ob.cbBuffer) != 0));
    }
    io_pass(&t);
    CHECK_STATUS("ASC leg 2", asc(&sc, &sx, 0, &t), SEC_E_OK);
    CHECK_STATUS("ASC leg 2 again: AUTHENTICATE replayed", asc(&sc, &sx, 0, &t), SEC_E_OUT_OF_SEQUENCE);

    /* Stale and freed. */
    stale = cc;
    CHECK_STATUS("free client credential", FreeCredentialsHandle(&cc), SEC_E_OK);
    CHECK_STATUS("context used after its credential was freed", QueryContextAttributesW(&cx, SECPKG_ATTR_SIZES, &sizes), SEC_E_OK);
    CHECK_STATUS("stale credential", isc(&stale, &h, 1, &t), SEC_E_INVALID_HANDLE);
    h = cx;
    CHECK_STATUS("delete", DeleteSecurityContext(&cx), SEC_E_OK);
    CHECK_STATUS("double delete", DeleteSecurityContext(&h), SEC_E_INVALID_HANDLE);
    CHECK_STATUS("sign with deleted context", MakeSignature(&h, 0, &t.od, 0), SEC_E_INVALID_HANDLE);
    DeleteSecurityContext(&sx);
    FreeCredentialsHandle(&sc);
}

static void token_sizes(void) {
    CredHandle cc = client_cred(), sc = server_cred();
    CtxtHandle cx, sx;
    struct io t;
    unsigned char *big = malloc(1 << 20);
    SecBuffer bb;
    SecBufferDesc bd;
    ULONG attrs, len;
    TimeStamp ts;
    char name[64];
    int i;

    if (!big) { printf("Bail out! malloc\n"); exit(2); }
    for (i = 0; i < (1 << 20); i++) big[i] = (unsigned char)(i * 7 + 1);
    memcpy(big, "NTLMSSP\0\1\0\0\0", 12);
    bb.BufferType = SECBUFFER_TOKEN; bb.cbBuffer = 1 << 20; bb.pvBuffer = big;
    bd.ulVersion = SECBUFFER_VERSION; bd.cBuffers = 1; bd.pBuffers = &bb;
    io_reset(&t, 0);
    CHECK_STATUS("ASC with a 1 MiB NEGOTIATE", AcceptSecurityContext(&sc, NULL, &bd, 0, 0, &sx, &t.od, &attrs, &ts), SEC_E_INVALID_TOKEN);
    for (len = 0; len < 8; len++) {
        bb.cbBuffer = len;
        snprintf(name, sizeof name, "ASC with a %u-byte token", (unsigned)len);
        CHECK_STATUS(name, AcceptSecurityContext(&sc, NULL, &bd, 0, 0, &sx, &t.od, &attrs, &ts), SEC_E_INVALID_TOKEN);
    }
    t.ob.cbBuffer = sizeof t.out;
    CHECK_STATUS("ISC", isc(&cc, &cx, 1, &t), SEC_I_CONTINUE_NEEDED);
    io_pass(&t);
    CHECK_STATUS("ASC", asc(&sc, &sx, 1, &t), SEC_I_CONTINUE_NEEDED);
    memcpy(big, "NTLMSSP\0\2\0\0\0", 12);
    bb.cbBuffer = 1 << 20;
    CHECK_STATUS("ISC with a 1 MiB CHALLENGE", InitializeSecurityContextW(&cc, &cx, NULL, 0, 0, 0, &bd, 0, &cx, &t.od, &attrs, &ts),
           SEC_E_INVALID_TOKEN);
    for (len = 0; len < 8; len++) {
        bb.cbBuffer = len;
        snprintf(name, sizeof name, "ISC with a %u-byte CHALLENGE", (unsigned)len);
        CHECK_STATUS(name, InitializeSecurityContextW(&cc, &cx, NULL, 0, 0, 0, &bd, 0, &cx, &t.od, &attrs, &ts), SEC_E_INVALID_TOKEN);
    }
    io_pass(&t);
    CHECK_STATUS("ISC with the real CHALLENGE", isc(&cc, &cx, 0, &t), SEC_E_OK);
    io_pass(&t);
    memcpy(big, "NTLMSSP\0\3\0\0\0", 12);
    bb.cbBuffer = 1 << 20;
    CHECK_STATUS("ASC with a 1 MiB AUTHENTICATE", AcceptSecurityContext(&sc, &sx, &bd, 0, 0, &sx, &t.od, &attrs, &ts), SEC_E_INVALID_TOKEN);
    t.ob.cbBuffer = sizeof t.out;
    CHECK_STATUS("ASC with the real AUTHENTICATE", asc(&sc, &sx, 0, &t), SEC_E_OK);
    free(big);
    DeleteSecurityContext(&cx);
    DeleteSecurityContext(&sx);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}

static CredHandle nego_cred(ULONG use) {
    CredHandle h;
    TimeStamp ts;
    SECURITY_STATUS s = AcquireCredentialsHandleW(NULL, w("Negotiate"), use, NULL, use == SECPKG_CRED_OUTBOUND ? &alice : NULL, NULL, NULL,
                                                  &h, &ts);
    if (s != SEC_E_OK) { printf("Bail out! Negotiate credential 0x%08x\n", (unsigned)s); exit(2); }
    return h;
}

/* Negotiate: NULL parameters, then every prefix of each real token, the tokens with bytes
 * appended, garbage, a 1 MiB token, wrong mechanisms and a wrong-length mechListMIC; each is
 * refused with its status and changes nothing (the real token still works afterwards). */
static void negotiate(void) {
    static const unsigned char *const krb_only[] = {OID_KRB5, OID_MS_KRB5};
    static const size_t krb_lens[] = {sizeof OID_KRB5, sizeof OID_MS_KRB5};
    CredHandle cc = nego_cred(SECPKG_CRED_OUTBOUND), sc = nego_cred(SECPKG_CRED_INBOUND);
    CtxtHandle cx, sx, tmp;
    struct io t;
    SecBuffer bb;
    SecBufferDesc bd = {SECBUFFER_VERSION, 1, &bb};
    unsigned char saved[4096], mechs[64], tok[4096], *big = malloc(1 << 20);
    ULONG attrs, n, len;
    TimeStamp ts;
    PSecPkgInfoW info;
    int step, bad = 0;

    if (!big) { printf("Bail out! malloc\n"); exit(2); }
    CHECK_STATUS("QuerySecurityPackageInfo Negotiate NULL out", QuerySecurityPackageInfoW(w("Negotiate"), NULL), SEC_E_INVALID_PARAMETER);
    CHECK_STATUS("QuerySecurityPackageInfo Negotiat", QuerySecurityPackageInfoW(w("Negotiat"), &info), SEC_E_SECPKG_NOT_FOUND);
    io_reset(&t, 0);
    CHECK_STATUS("Negotiate ISC NULL new context",
                 InitializeSecurityContextW(&cc, NULL, NULL, 0, 0, 0, NULL, 0, NULL, &t.od, &attrs, &ts), SEC_E_INVALID_HANDLE);
    CHECK_STATUS("Negotiate ISC NULL output", InitializeSecurityContextW(&cc, NULL, NULL, 0, 0, 0, NULL, 0, &tmp, NULL, &attrs, &ts),
                 SEC_E_BUFFER_TOO_SMALL);
    CHECK_STATUS("Negotiate ASC NULL input", AcceptSecurityContext(&sc, NULL, NULL, 0, 0, &tmp, &t.od, &attrs, &ts), SEC_E_INVALID_TOKEN);
    CHECK_STATUS("Negotiate ISC on a server credential", isc(&sc, &tmp, 1, &t), SEC_E_NO_CREDENTIALS);

    for (n = 0; n < (1 << 20); n++) big[n] = (unsigned char)(n * 13 + 5);
    big[0] = 0x60;
    bb.BufferType = SECBUFFER_TOKEN; bb.cbBuffer = 1 << 20; bb.pvBuffer = big;
    CHECK_STATUS("ASC with a 1 MiB SPNEGO token", AcceptSecurityContext(&sc, NULL, &bd, 0, 0, &tmp, &t.od, &attrs, &ts), SEC_E_INVALID_TOKEN);
    io_reset(&t, 0);
    len = (ULONG)neg_token_init(tok, mechs, mech_list(mechs, krb_only, krb_lens, 2), (const unsigned char *)"NTLMSSP", 8);
    memcpy(t.in, tok, len);
    io_reset(&t, len);
    CHECK_STATUS("ASC with Kerberos OIDs only", asc(&sc, &tmp, 1, &t), SEC_E_INVALID_TOKEN);

    /* The exchange, each leg first given every prefix and an extension of its token. */
    io_reset(&t, 0);
    CHECK_STATUS("Negotiate ISC", isc(&cc, &cx, 1, &t), SEC_I_CONTINUE_NEEDED);
    io_pass(&t);
    for (step = 0; step < 3; step++) {
        ULONG full = t.ib.cbBuffer;
        SECURITY_STATUS s;
        memcpy(saved, t.in, full);
        for (len = 0; len <= full + 1; len++) {
            if (len == full) continue;
            memcpy(t.in, saved, full);
            t.in[full] = 0;
            io_reset(&t, len);
            s = step == 1 ? isc(&cc, &cx, 0, &t) : asc(&sc, step == 0 ? &tmp : &sx, step == 0, &t);
            if (s != SEC_E_INVALID_TOKEN && !(len == 0 && s != SEC_E_OK && s != SEC_I_CONTINUE_NEEDED)) {
                bad++;
                printf("# leg %d: %u of %u bytes gave 0x%08x\n", step, (unsigned)len, (unsigned)full, (unsigned)s);
            }
        }
        memcpy(t.in, saved, full);
        io_reset(&t, full);
        s = step == 1 ? isc(&cc, &cx, 0, &t) : asc(&sc, &sx, step == 0, &t);
        CHECK_STATUS(step == 0 ? "ASC after the bad NegTokenInits" : step == 1 ? "ISC after the bad replies" : "ASC after the bad continuations",
                     s, step == 0 ? SEC_I_CONTINUE_NEEDED : SEC_E_OK);
        io_pass(&t);
    }
    CHECK("truncated and extended Negotiate tokens refused", bad == 0);
    free(big);
    DeleteSecurityContext(&cx);
    DeleteSecurityContext(&sx);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}

int main(void) {
    static char path[512];
    FILE *f;
    temp_path(path, sizeof path, "ntlmssp-misuse.users");
    f = fopen(path, "w");
    if (!f) return 2;
    fputs("DOMAIN:alice:Secret123\n", f);
    fclose(f);
    env_set("NTLM_USER_FILE", path);
    init_identity();
    null_parameters();
    descriptors();
    handles();
    token_sizes();
    negotiate();
    remove(path);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
