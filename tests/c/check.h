/* Test output for the C programs: "ok - name" or "not ok - name" per check, counted. */
#ifndef NTLMSSP_TESTS_CHECK_H
#define NTLMSSP_TESTS_CHECK_H

#include <stdio.h>

static int passed, failed;

#define CHECK(name, cond)                                                     \
    do {                                                                      \
        if (cond) { passed++; printf("ok - %s\n", name); }                    \
        else { failed++; printf("not ok - %s (line %d)\n", name, __LINE__); } \
    } while (0)

#define CHECK_STATUS(name, got, want)                                                      \
    do {                                                                                   \
        SECURITY_STATUS g_ = (got), w_ = (want);                                           \
        if (g_ == w_) { passed++; printf("ok - %s\n", name); }                             \
        else { failed++; printf("not ok - %s (got 0x%08x, want 0x%08x, line %d)\n", name, \
                                (unsigned)g_, (unsigned)w_, __LINE__); }                   \
    } while (0)

/* UTF-16 from ASCII (WCHAR is 16 bits here, wchar_t is not). */
static inline WCHAR *w(const char *s) {
    static WCHAR bufs[8][256];
    static int next;
    WCHAR *b = bufs[next++ % 8];
    size_t i;
    for (i = 0; s[i] && i < 255; i++) b[i] = (WCHAR)(unsigned char)s[i];
    b[i] = 0;
    return b;
}

static inline int wcs_eq(const WCHAR *a, const char *b) {
    while (*a && *b && *a == (WCHAR)(unsigned char)*b) { a++; b++; }
    return *a == 0 && *b == 0;
}

#endif
