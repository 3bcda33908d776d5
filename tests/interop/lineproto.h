/* The line protocol every interop driver speaks (see sspi_peer.c for the commands): hex helpers
 * and the command loop, shared by the C drivers. */
#ifndef NTLMSSP_INTEROP_LINEPROTO_H
#define NTLMSSP_INTEROP_LINEPROTO_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TOKEN 65536

struct peer_ops {
    void (*step)(const char *token);
    void (*sign)(const char *msg);
    void (*verify)(const char *msg, const char *sig);
    void (*seal)(const char *msg);
    void (*unseal)(const char *sig, const char *cipher);
    void (*name)(void);
    void (*attrs)(void);
};

/* PEER_REQ, what a driver is asked to request: a comma-separated list of integ, conf, replay,
 * sequence, datagram, or "none" (nothing at all, as an HTTP client such as curl asks); unset
 * means integ,conf,replay,sequence. Each driver maps the words to its API's flags. */
enum { REQ_INTEG = 1, REQ_CONF = 2, REQ_REPLAY = 4, REQ_SEQUENCE = 8, REQ_DATAGRAM = 16 };

static inline unsigned peer_req(void) {
    const char *e = getenv("PEER_REQ");
    unsigned r = 0;
    char words[128], *w;
    if (!e) return REQ_INTEG | REQ_CONF | REQ_REPLAY | REQ_SEQUENCE;
    snprintf(words, sizeof words, "%s", e);
    for (w = strtok(words, ","); w; w = strtok(NULL, ",")) {
        if (!strcmp(w, "integ")) r |= REQ_INTEG;
        else if (!strcmp(w, "conf")) r |= REQ_CONF;
        else if (!strcmp(w, "replay")) r |= REQ_REPLAY;
        else if (!strcmp(w, "sequence")) r |= REQ_SEQUENCE;
        else if (!strcmp(w, "datagram")) r |= REQ_DATAGRAM;
        else if (strcmp(w, "none")) { fprintf(stderr, "PEER_REQ: unknown word %s\n", w); exit(2); }
    }
    return r;
}

/* PEER_REQ as an API's flags: flag_of[i] is the flag for the REQ_ bit 1 << i. */
static inline unsigned long peer_req_flags(const unsigned long flag_of[5]) {
    unsigned want = peer_req();
    unsigned long r = 0;
    int i;
    for (i = 0; i < 5; i++)
        if (want & (1u << i)) r |= flag_of[i];
    return r;
}

/* "-" is the empty string. */
static size_t unhex(const char *s, unsigned char *out, size_t cap) {
    size_t n = 0;
    if (!s || strcmp(s, "-") == 0) return 0;
    while (s[0] && s[1] && n < cap) {
        unsigned v;
        if (sscanf(s, "%2x", &v) != 1) break;
        out[n++] = (unsigned char)v;
        s += 2;
    }
    return n;
}

static void put_hex(const void *p, size_t n) {
    size_t i;
    if (n == 0) { putchar('-'); return; }
    for (i = 0; i < n; i++) printf("%02x", ((const unsigned char *)p)[i]);
}

/* Reads commands until QUIT or end of input, answering each on one line. */
static void serve_lines(const struct peer_ops *ops) {
    static char line[4 * MAX_TOKEN + 64];
    setvbuf(stdout, NULL, _IOLBF, 0);
    while (fgets(line, sizeof line, stdin)) {
        char *cmd = strtok(line, " \r\n"), *a = strtok(NULL, " \r\n"), *b = strtok(NULL, " \r\n");
        if (!cmd) continue;
        if (!strcmp(cmd, "STEP")) ops->step(a);
        else if (!strcmp(cmd, "SIGN")) ops->sign(a);
        else if (!strcmp(cmd, "VERIFY")) ops->verify(a, b);
        else if (!strcmp(cmd, "SEAL")) ops->seal(a);
        else if (!strcmp(cmd, "UNSEAL")) ops->unseal(a, b);
        else if (!strcmp(cmd, "NAME")) ops->name();
        else if (!strcmp(cmd, "ATTRS")) ops->attrs();
        else if (!strcmp(cmd, "QUIT")) break;
        else printf("FAIL unknown-command\n");
    }
}

#endif
