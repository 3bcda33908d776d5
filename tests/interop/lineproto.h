/* The line protocol every interop driver speaks (see sspi_peer.c for the commands): hex helpers
 * and the command loop, shared by the C drivers. */
#ifndef NTLMSSP_INTEROP_LINEPROTO_H
#define NTLMSSP_INTEROP_LINEPROTO_H

#include <stdio.h>
#include <string.h>

#define MAX_TOKEN 65536

struct peer_ops {
    void (*step)(const char *token);
    void (*sign)(const char *msg);
    void (*verify)(const char *msg, const char *sig);
    void (*seal)(const char *msg);
    void (*unseal)(const char *sig, const char *cipher);
    void (*name)(void);
};

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
        else if (!strcmp(cmd, "QUIT")) break;
        else printf("FAIL unknown-command\n");
    }
}

#endif
