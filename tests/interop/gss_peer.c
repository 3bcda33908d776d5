/* One end of an NTLM conversation over GSSAPI with gss-ntlmssp's mechanism, speaking the same line
 * protocol as sspi_peer.c (see there). get_mic/verify_mic are the counterparts of
 * MakeSignature/VerifySignature; a wrap token is the 16-byte NTLM signature followed by the sealed
 * data, which SEAL/UNSEAL split and join.
 *
 * usage: gss_peer client|server, with PEER_USER, PEER_DOMAIN, PEER_PASSWORD, PEER_TARGET
 * (service@host) for the client and NTLM_USER_FILE for the server; PEER_REQ (lineproto.h) chooses
 * the client's req_flags (GSS_C_INTEG_FLAG, GSS_C_CONF_FLAG, GSS_C_REPLAY_FLAG,
 * GSS_C_SEQUENCE_FLAG, GSS_C_DATAGRAM_FLAG; "none" is 0). With PEER_MECH=spnego the context is
 * MIT krb5's SPNEGO mechanism (1.3.6.1.5.5.2) negotiating NTLMSSP, the only mechanism it is
 * allowed (gss_set_neg_mechs; run with KRB5_CONFIG=/dev/null, no KDC). */
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lineproto.h"

/* gss-ntlmssp's own req flag for NTLM's connectionless mode (its gssapi_ntlmssp.h, which Debian
 * does not ship). */
#ifndef GSS_C_DATAGRAM_FLAG
#define GSS_C_DATAGRAM_FLAG 0x10000
#endif

static gss_OID_desc ntlmssp_oid = {10, (void *)"\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a"};
static gss_OID_desc spnego_oid = {6, (void *)"\x2b\x06\x01\x05\x05\x02"};
/* The mechanism contexts are made with: NTLMSSP, or SPNEGO. */
static gss_OID mech = &ntlmssp_oid;
static gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
static gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
static gss_name_t target = GSS_C_NO_NAME;
static int is_client;
static OM_uint32 last_flags;

static void fail(OM_uint32 maj, OM_uint32 min) { printf("FAIL gss:0x%08x:0x%08x\n", maj, min); }

/* SPNEGO negotiates NTLMSSP only: Kerberos has no KDC here. */
static int only_ntlmssp(void) {
    OM_uint32 min;
    gss_OID_set_desc neg = {1, &ntlmssp_oid};
    return mech != &spnego_oid || !GSS_ERROR(gss_set_neg_mechs(&min, cred, &neg));
}

static int acquire(void) {
    OM_uint32 maj, min;
    gss_OID_set_desc mechs = {1, mech};
    static gss_OID_desc accept_mechs[2];
    if (is_client) {
        char who[512];
        const char *u = getenv("PEER_USER"), *d = getenv("PEER_DOMAIN"), *p = getenv("PEER_PASSWORD");
        const char *t = getenv("PEER_TARGET");
        gss_buffer_desc nb, pb;
        gss_name_t name;
        snprintf(who, sizeof who, "%s%s%s", d && *d ? d : "", d && *d ? "\\" : "", u ? u : "");
        nb.value = who; nb.length = strlen(who);
        maj = gss_import_name(&min, &nb, GSS_C_NT_USER_NAME, &name);
        if (GSS_ERROR(maj)) return 0;
        pb.value = (void *)(p ? p : ""); pb.length = strlen(pb.value);
        maj = gss_acquire_cred_with_password(&min, name, &pb, GSS_C_INDEFINITE, &mechs, GSS_C_INITIATE,
                                             &cred, NULL, NULL);
        gss_release_name(&min, &name);
        if (GSS_ERROR(maj)) return 0;
        nb.value = (void *)(t ? t : "HTTP@server"); nb.length = strlen(nb.value);
        maj = gss_import_name(&min, &nb, GSS_C_NT_HOSTBASED_SERVICE, &target);
        return !GSS_ERROR(maj) && only_ntlmssp();
    }
    /* The acceptor holds NTLMSSP credentials too, as a default-credential acceptor does: MIT's
     * mechglue hands a raw NTLMSSP token (no SPNEGO framing) straight to that mechanism. */
    accept_mechs[0] = *mech;
    accept_mechs[1] = ntlmssp_oid;
    mechs.count = mech == &spnego_oid ? 2 : 1;
    mechs.elements = accept_mechs;
    maj = gss_acquire_cred(&min, GSS_C_NO_NAME, GSS_C_INDEFINITE, &mechs, GSS_C_ACCEPT, &cred, NULL, NULL);
    return !GSS_ERROR(maj) && only_ntlmssp();
}

static void step(const char *arg) {
    static unsigned char in[MAX_TOKEN];
    gss_buffer_desc ib, ob = GSS_C_EMPTY_BUFFER;
    OM_uint32 maj, min, ret;
    ib.value = in;
    ib.length = unhex(arg, in, sizeof in);
    if (is_client) {
        static const unsigned long gss[5] = {GSS_C_INTEG_FLAG, GSS_C_CONF_FLAG, GSS_C_REPLAY_FLAG,
                                             GSS_C_SEQUENCE_FLAG, GSS_C_DATAGRAM_FLAG};
        OM_uint32 req = (OM_uint32)peer_req_flags(gss);
        maj = gss_init_sec_context(&min, cred, &ctx, target, mech, req, 0,
                                   GSS_C_NO_CHANNEL_BINDINGS, &ib, NULL, &ob, &ret, NULL);
    } else {
        maj = gss_accept_sec_context(&min, &ctx, cred, &ib, GSS_C_NO_CHANNEL_BINDINGS, NULL, NULL, &ob,
                                     &ret, NULL, NULL);
    }
    if (GSS_ERROR(maj)) { fail(maj, min); gss_release_buffer(&min, &ob); return; }
    last_flags = ret;
    printf(maj & GSS_S_CONTINUE_NEEDED ? "CONTINUE " : "DONE ");
    put_hex(ob.value, ob.length);
    putchar('\n');
    gss_release_buffer(&min, &ob);
}

static void sign(const char *msg) {
    static unsigned char data[MAX_TOKEN];
    gss_buffer_desc m, t = GSS_C_EMPTY_BUFFER;
    OM_uint32 maj, min;
    m.value = data; m.length = unhex(msg, data, sizeof data);
    maj = gss_get_mic(&min, ctx, GSS_C_QOP_DEFAULT, &m, &t);
    if (GSS_ERROR(maj)) { fail(maj, min); return; }
    printf("OK "); put_hex(t.value, t.length); putchar('\n');
    gss_release_buffer(&min, &t);
}

static void verify(const char *msg, const char *sighex) {
    static unsigned char data[MAX_TOKEN], sig[64];
    gss_buffer_desc m, t;
    OM_uint32 maj, min;
    m.value = data; m.length = unhex(msg, data, sizeof data);
    t.value = sig; t.length = unhex(sighex, sig, sizeof sig);
    maj = gss_verify_mic(&min, ctx, &m, &t, NULL);
    if (GSS_ERROR(maj)) { fail(maj, min); return; }
    printf("OK\n");
}

static void seal(const char *msg) {
    static unsigned char data[MAX_TOKEN];
    gss_buffer_desc m, t = GSS_C_EMPTY_BUFFER;
    OM_uint32 maj, min;
    int conf = 0;
    m.value = data; m.length = unhex(msg, data, sizeof data);
    maj = gss_wrap(&min, ctx, 1, GSS_C_QOP_DEFAULT, &m, &conf, &t);
    if (GSS_ERROR(maj)) { fail(maj, min); return; }
    if (!conf || t.length < 16) { printf("FAIL not-sealed\n"); gss_release_buffer(&min, &t); return; }
    printf("OK "); put_hex(t.value, 16); putchar(' ');
    put_hex((unsigned char *)t.value + 16, t.length - 16); putchar('\n');
    gss_release_buffer(&min, &t);
}

static void unseal(const char *sighex, const char *cipher) {
    static unsigned char data[MAX_TOKEN + 64];
    gss_buffer_desc w, m = GSS_C_EMPTY_BUFFER;
    OM_uint32 maj, min;
    size_t n = unhex(sighex, data, 64);
    n += unhex(cipher, data + n, MAX_TOKEN);
    w.value = data; w.length = n;
    maj = gss_unwrap(&min, ctx, &w, &m, NULL, NULL);
    if (GSS_ERROR(maj)) { fail(maj, min); return; }
    printf("OK "); put_hex(m.value, m.length); putchar('\n');
    gss_release_buffer(&min, &m);
}

static void name(void) {
    gss_name_t src = GSS_C_NO_NAME;
    gss_buffer_desc out = GSS_C_EMPTY_BUFFER;
    OM_uint32 maj, min;
    maj = gss_inquire_context(&min, ctx, &src, NULL, NULL, NULL, NULL, NULL, NULL);
    if (GSS_ERROR(maj)) { fail(maj, min); return; }
    maj = gss_display_name(&min, src, &out, NULL);
    if (GSS_ERROR(maj)) { fail(maj, min); gss_release_name(&min, &src); return; }
    printf("OK %.*s\n", (int)out.length, (char *)out.value);
    gss_release_buffer(&min, &out);
    gss_release_name(&min, &src);
}

static void attrs(void) { printf("OK %08x\n", (unsigned)last_flags); }

int main(int argc, char **argv) {
    static const struct peer_ops ops = {step, sign, verify, seal, unseal, name, attrs};
    OM_uint32 min;
    if (argc != 2 || (strcmp(argv[1], "client") && strcmp(argv[1], "server"))) {
        fprintf(stderr, "usage: %s client|server\n", argv[0]);
        return 2;
    }
    is_client = strcmp(argv[1], "client") == 0;
    if (getenv("PEER_MECH") && strcmp(getenv("PEER_MECH"), "spnego") == 0) mech = &spnego_oid;
    if (!acquire()) { fprintf(stderr, "gss-ntlmssp credentials unavailable\n"); return 1; }
    serve_lines(&ops);
    if (ctx != GSS_C_NO_CONTEXT) gss_delete_sec_context(&min, &ctx, GSS_C_NO_BUFFER);
    if (target != GSS_C_NO_NAME) gss_release_name(&min, &target);
    gss_release_cred(&min, &cred);
    return 0;
}
