/* gss-ntlmssp through GSSAPI, for the benchmark: full handshakes (init, accept, init, accept,
 * delete x2), get_mic + verify_mic and wrap + unwrap (sealed). Credentials are acquired once;
 * the server reads NTLM_USER_FILE (gss-ntlmssp rereads it on every login: its design).
 * usage: gss_bench <runs> <window ms>; prints lines for tests/bench/src/peers.rs. */
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <stdio.h>
#include <string.h>

#include "timing.h"

static gss_OID_desc ntlmssp_oid = {10, (void *)"\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a"};
static gss_cred_id_t ccred, scred;
static gss_name_t target;

static void die(const char *what, OM_uint32 maj, OM_uint32 min) {
    fprintf(stderr, "%s failed: 0x%x/0x%x\n", what, maj, min);
    exit(1);
}

static void establish(gss_ctx_id_t *c, gss_ctx_id_t *s) {
    gss_buffer_desc in = GSS_C_EMPTY_BUFFER, out = GSS_C_EMPTY_BUFFER, back = GSS_C_EMPTY_BUFFER;
    OM_uint32 maj, min, flags = GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG | GSS_C_REPLAY_FLAG | GSS_C_SEQUENCE_FLAG;
    int leg;
    *c = GSS_C_NO_CONTEXT;
    *s = GSS_C_NO_CONTEXT;
    for (leg = 0; leg < 2; leg++) {
        maj = gss_init_sec_context(&min, ccred, c, target, &ntlmssp_oid, flags, 0, GSS_C_NO_CHANNEL_BINDINGS, &in, NULL, &out,
                                   NULL, NULL);
        if (GSS_ERROR(maj)) die("gss_init_sec_context", maj, min);
        gss_release_buffer(&min, &back);
        maj = gss_accept_sec_context(&min, s, scred, &out, GSS_C_NO_CHANNEL_BINDINGS, NULL, NULL, &back, NULL, NULL, NULL);
        if (GSS_ERROR(maj)) die("gss_accept_sec_context", maj, min);
        gss_release_buffer(&min, &out);
        in = back;
    }
    gss_release_buffer(&min, &back);
}

static void handshake(void *unused) {
    gss_ctx_id_t c, s;
    OM_uint32 min;
    (void)unused;
    establish(&c, &s);
    gss_delete_sec_context(&min, &c, GSS_C_NO_BUFFER);
    gss_delete_sec_context(&min, &s, GSS_C_NO_BUFFER);
}

struct msg {
    gss_ctx_id_t c, s;
    gss_buffer_desc data;
};

static void sign_verify(void *p) {
    struct msg *m = p;
    gss_buffer_desc mic = GSS_C_EMPTY_BUFFER;
    OM_uint32 maj, min;
    maj = gss_get_mic(&min, m->c, GSS_C_QOP_DEFAULT, &m->data, &mic);
    if (GSS_ERROR(maj)) die("gss_get_mic", maj, min);
    maj = gss_verify_mic(&min, m->s, &m->data, &mic, NULL);
    if (GSS_ERROR(maj)) die("gss_verify_mic", maj, min);
    gss_release_buffer(&min, &mic);
}

static void seal_unseal(void *p) {
    struct msg *m = p;
    gss_buffer_desc wrapped = GSS_C_EMPTY_BUFFER, plain = GSS_C_EMPTY_BUFFER;
    OM_uint32 maj, min;
    maj = gss_wrap(&min, m->c, 1, GSS_C_QOP_DEFAULT, &m->data, NULL, &wrapped);
    if (GSS_ERROR(maj)) die("gss_wrap", maj, min);
    maj = gss_unwrap(&min, m->s, &wrapped, &plain, NULL, NULL);
    if (GSS_ERROR(maj)) die("gss_unwrap", maj, min);
    gss_release_buffer(&min, &wrapped);
    gss_release_buffer(&min, &plain);
}

int main(int argc, char **argv) {
    int runs = argc > 1 ? atoi(argv[1]) : 5, window = argc > 2 ? atoi(argv[2]) : 300;
    gss_OID_set_desc mechs = {1, &ntlmssp_oid};
    gss_buffer_desc nb, pb;
    gss_name_t user;
    OM_uint32 maj, min;
    size_t i;
    nb.value = (void *)"DOMAIN\\alice"; nb.length = strlen(nb.value);
    maj = gss_import_name(&min, &nb, GSS_C_NT_USER_NAME, &user);
    if (GSS_ERROR(maj)) die("gss_import_name", maj, min);
    pb.value = (void *)"Secret123"; pb.length = 9;
    maj = gss_acquire_cred_with_password(&min, user, &pb, GSS_C_INDEFINITE, &mechs, GSS_C_INITIATE, &ccred, NULL, NULL);
    if (GSS_ERROR(maj)) die("gss_acquire_cred_with_password", maj, min);
    maj = gss_acquire_cred(&min, GSS_C_NO_NAME, GSS_C_INDEFINITE, &mechs, GSS_C_ACCEPT, &scred, NULL, NULL);
    if (GSS_ERROR(maj)) die("gss_acquire_cred", maj, min);
    nb.value = (void *)"HTTP@server.example"; nb.length = strlen(nb.value);
    maj = gss_import_name(&min, &nb, GSS_C_NT_HOSTBASED_SERVICE, &target);
    if (GSS_ERROR(maj)) die("gss_import_name", maj, min);

    printf("handshakes %.1f\n", rate(runs, window, handshake, NULL));
    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        struct msg m;
        establish(&m.c, &m.s);
        m.data.length = sizes[i];
        m.data.value = calloc(1, sizes[i]);
        printf("Make+VerifySignature %zu %.1f\n", sizes[i], rate(runs, window, sign_verify, &m));
        printf("Encrypt+DecryptMessage %zu %.1f\n", sizes[i], rate(runs, window, seal_unseal, &m));
        free(m.data.value);
        gss_delete_sec_context(&min, &m.c, GSS_C_NO_BUFFER);
        gss_delete_sec_context(&min, &m.s, GSS_C_NO_BUFFER);
    }
    return 0;
}
