/* The domain benchmark's C side (tests/domain/bench.sh, tests/domain_bench.rs): logons per second
 * through winbind without ntlmssp, on THREADS threads for WINDOW_MS after a warm-up, printed as
 * "<mode> <threads> <rate>".
 *
 *   wbc THREADS WINDOW_MS USER DOMAIN WORKSTATION RESPONSES
 *       wbcCtxAuthenticateUserEx (level RESPONSE) of NTLMv2 responses in turn (RESPONSES: a file
 *       of lines "CHALLENGE_HEX NT_HEX", each a response to another CHALLENGE), one wbcContext
 *       per thread: the winbind round trip itself, with nothing around it.
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
#define MAX_RESPONSES 256
static struct response {
    uint8_t challenge[8], nt[1024];
    size_t nt_len;
} responses[MAX_RESPONSES];
static int n_responses;

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

static int read_responses(const char *path) {
    static char c[64], nt[4096];
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    while (n_responses < MAX_RESPONSES && fscanf(f, "%63s %4095s", c, nt) == 2) {
        struct response *r = &responses[n_responses];
        int n = unhex(nt, r->nt, sizeof r->nt);
        if (unhex(c, r->challenge, 8) != 8 || n <= 0) break;
        r->nt_len = (size_t)n;
        n_responses++;
    }
    fclose(f);
    return n_responses > 0;
}

struct wbc_state {
    struct wbcContext *ctx;
    int next;
};

static int wbc_one(void *p) {
    struct wbc_state *st = p;
    const struct response *r = &responses[st->next++ % n_responses];
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
    memcpy(params.password.response.challenge, r->challenge, 8);
    params.password.response.nt_length = (uint32_t)r->nt_len;
    params.password.response.nt_data = (uint8_t *)r->nt;
    e = wbcCtxAuthenticateUserEx(st->ctx, &params, &info, &error);
    if (e != WBC_ERR_SUCCESS)
        fprintf(stderr, "wbcCtxAuthenticateUserEx: %s (%s)\n", wbcErrorString(e), error && error->nt_string ? error->nt_string : "");
    wbcFreeMemory(info);
    wbcFreeMemory(error);
    return e == WBC_ERR_SUCCESS;
}

static void *wbc_thread(void *p) {
    struct worker *w = p;
    struct wbc_state st = {wbcCtxCreate(), 0};
    if (!st.ctx) { w->failed = 1; return NULL; }
    run_window(w, wbc_one, &st);
    wbcCtxFree(st.ctx);
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
        fprintf(stderr, "usage: %s wbc|gss THREADS WINDOW_MS [wbc: USER DOMAIN WS RESPONSES]\n", argv[0]);
        return 2;
    }
    args = argv;
    threads = atoi(argv[2]);
    window_ms = atoi(argv[3]);
#ifdef WITH_WBC
    if (!strcmp(argv[1], "wbc") && argc == 8) {
        if (!read_responses(argv[7])) return 2;
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
