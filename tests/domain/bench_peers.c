/* The domain benchmark's C side (tests/domain/bench.sh, tests/domain_bench.rs): logons per second
 * through winbind without ntlmssp, on THREADS threads for WINDOW_MS after a warm-up, printed as
 * "<mode> <threads> <rate>".
 *
 *   wbc THREADS WINDOW_MS USER DOMAIN WORKSTATION CHALLENGE_HEX NT_HEX
 *       wbcCtxAuthenticateUserEx (level RESPONSE) of one NTLMv2 response, again and again, one
 *       wbcContext per thread: the winbind round trip itself, with nothing around it (the DC
 *       takes the same response any number of times).
 *   gss THREADS WINDOW_MS
 *       gss-ntlmssp's full handshakes (init, accept, init, accept, delete x2), EXAMPLE\alice with
 *       her password, the acceptor without NTLM_USER_FILE: its winbind route.
 *
 * Built with libwbclient's header (libwbclient-dev) and GSSAPI (libkrb5-dev); tests/domain/bench.sh
 * leaves out a mode whose headers are missing. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef WITH_WBC
#include <stdbool.h> /* wbclient.h uses bool without including it */
#include <wbclient.h>
#endif
#ifdef WITH_GSS
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#endif

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int window_ms;
static char **args;

struct worker {
    pthread_t thread;
    long count;
    int failed;
};

/* Runs `one` until the window closes (after a warm-up of a fifth of it); counts successes. */
static void run_window(struct worker *w, int (*one)(void *), void *state) {
    double start = now_s(), warm = start + window_ms / 5000.0, end = warm + window_ms / 1000.0;
    while (now_s() < warm) {
        if (!one(state)) { w->failed = 1; return; }
    }
    while (now_s() < end) {
        if (!one(state)) { w->failed = 1; return; }
        w->count++;
    }
}

#ifdef WITH_WBC
static uint8_t challenge[8], nt[4096];
static size_t nt_len;

static int unhex(const char *s, uint8_t *out, size_t cap) {
    size_t n = strlen(s) / 2, i;
    if (n > cap) return -1;
    for (i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1) return -1;
        out[i] = (uint8_t)v;
    }
    return (int)n;
}

static int wbc_one(void *p) {
    struct wbcContext *ctx = p;
    struct wbcAuthUserParams params;
    struct wbcAuthUserInfo *info = NULL;
    struct wbcAuthErrorInfo *error = NULL;
    wbcErr e;
    memset(&params, 0, sizeof params);
    params.account_name = args[4];
    params.domain_name = args[5];
    params.workstation_name = args[6];
    params.parameter_control = WBC_MSV1_0_ALLOW_SERVER_TRUST_ACCOUNT | WBC_MSV1_0_ALLOW_WORKSTATION_TRUST_ACCOUNT;
    params.level = WBC_AUTH_USER_LEVEL_RESPONSE;
    memcpy(params.password.response.challenge, challenge, 8);
    params.password.response.nt_length = (uint32_t)nt_len;
    params.password.response.nt_data = nt;
    e = wbcCtxAuthenticateUserEx(ctx, &params, &info, &error);
    if (e != WBC_ERR_SUCCESS)
        fprintf(stderr, "wbcCtxAuthenticateUserEx: %s (%s)\n", wbcErrorString(e), error && error->nt_string ? error->nt_string : "");
    wbcFreeMemory(info);
    wbcFreeMemory(error);
    return e == WBC_ERR_SUCCESS;
}

static void *wbc_thread(void *p) {
    struct worker *w = p;
    struct wbcContext *ctx = wbcCtxCreate();
    if (!ctx) { w->failed = 1; return NULL; }
    run_window(w, wbc_one, ctx);
    wbcCtxFree(ctx);
    return NULL;
}
#endif

#ifdef WITH_GSS
static gss_OID_desc ntlmssp_oid = {10, (void *)"\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a"};

struct gss_state {
    gss_cred_id_t ccred, scred;
    gss_name_t target;
};

static int gss_one(void *p) {
    struct gss_state *g = p;
    gss_buffer_desc in = GSS_C_EMPTY_BUFFER, out = GSS_C_EMPTY_BUFFER, back = GSS_C_EMPTY_BUFFER;
    gss_ctx_id_t c = GSS_C_NO_CONTEXT, s = GSS_C_NO_CONTEXT;
    OM_uint32 maj, min;
    int leg, ok = 1;
    for (leg = 0; leg < 2 && ok; leg++) {
        maj = gss_init_sec_context(&min, g->ccred, &c, g->target, &ntlmssp_oid, GSS_C_INTEG_FLAG | GSS_C_CONF_FLAG, 0,
                                   GSS_C_NO_CHANNEL_BINDINGS, &in, NULL, &out, NULL, NULL);
        gss_release_buffer(&min, &back);
        if (GSS_ERROR(maj)) { fprintf(stderr, "gss_init_sec_context: 0x%x/0x%x\n", maj, min); ok = 0; break; }
        maj = gss_accept_sec_context(&min, &s, g->scred, &out, GSS_C_NO_CHANNEL_BINDINGS, NULL, NULL, &back, NULL, NULL,
                                     NULL);
        gss_release_buffer(&min, &out);
        if (GSS_ERROR(maj)) { fprintf(stderr, "gss_accept_sec_context: 0x%x/0x%x\n", maj, min); ok = 0; break; }
        in = back;
    }
    gss_release_buffer(&min, &back);
    gss_delete_sec_context(&min, &c, GSS_C_NO_BUFFER);
    gss_delete_sec_context(&min, &s, GSS_C_NO_BUFFER);
    return ok;
}

static void *gss_thread(void *p) {
    struct worker *w = p;
    struct gss_state g;
    gss_OID_set_desc mechs = {1, &ntlmssp_oid};
    gss_buffer_desc nb, pb;
    gss_name_t user;
    OM_uint32 maj, min;
    nb.value = (void *)"EXAMPLE\\alice"; nb.length = strlen(nb.value);
    pb.value = (void *)"Secret123"; pb.length = 9;
    maj = gss_import_name(&min, &nb, GSS_C_NT_USER_NAME, &user);
    if (!GSS_ERROR(maj))
        maj = gss_acquire_cred_with_password(&min, user, &pb, GSS_C_INDEFINITE, &mechs, GSS_C_INITIATE, &g.ccred, NULL, NULL);
    if (!GSS_ERROR(maj))
        maj = gss_acquire_cred(&min, GSS_C_NO_NAME, GSS_C_INDEFINITE, &mechs, GSS_C_ACCEPT, &g.scred, NULL, NULL);
    nb.value = (void *)"HTTP@member1.example.test"; nb.length = strlen(nb.value);
    if (!GSS_ERROR(maj)) maj = gss_import_name(&min, &nb, GSS_C_NT_HOSTBASED_SERVICE, &g.target);
    if (GSS_ERROR(maj)) { fprintf(stderr, "gss credentials: 0x%x/0x%x\n", maj, min); w->failed = 1; return NULL; }
    run_window(w, gss_one, &g);
    return NULL;
}
#endif

int main(int argc, char **argv) {
    void *(*thread)(void *) = NULL;
    struct worker *w;
    int threads, i, failed = 0;
    long total = 0;
    double t;
    if (argc < 4) {
        fprintf(stderr, "usage: %s wbc|gss THREADS WINDOW_MS [wbc: USER DOMAIN WS CHALLENGE NT]\n", argv[0]);
        return 2;
    }
    args = argv;
    threads = atoi(argv[2]);
    window_ms = atoi(argv[3]);
#ifdef WITH_WBC
    if (!strcmp(argv[1], "wbc") && argc == 9) {
        int n = unhex(argv[8], nt, sizeof nt);
        if (unhex(argv[7], challenge, 8) != 8 || n < 0) return 2;
        nt_len = (size_t)n;
        thread = wbc_thread;
    }
#endif
#ifdef WITH_GSS
    if (!strcmp(argv[1], "gss")) thread = gss_thread;
#endif
    if (!thread) {
        fprintf(stderr, "%s: mode %s not built or bad arguments\n", argv[0], argv[1]);
        return 2;
    }
    w = calloc((size_t)threads, sizeof *w);
    for (i = 0; i < threads; i++) pthread_create(&w[i].thread, NULL, thread, &w[i]);
    for (i = 0; i < threads; i++) {
        pthread_join(w[i].thread, NULL);
        total += w[i].count;
        failed |= w[i].failed;
    }
    t = window_ms / 1000.0;
    printf("%s %d %.1f\n", argv[1], threads, failed ? 0.0 : (double)total / t);
    return failed;
}
