/* The benchmark's timing rule, shared by the C peers: run the loop body for `window_ms` of the
 * thread's CPU time, `runs` times after one warm-up run; the median rate (operations per
 * CPU-second). Same as the Rust side (tests/bench/src/main.rs, `rate`). */
#ifndef NTLMSSP_BENCH_TIMING_H
#define NTLMSSP_BENCH_TIMING_H

#include <stdlib.h>
#include <time.h>

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double rate(int runs, int window_ms, void (*body)(void *), void *ctx) {
    double rates[64];
    int r;
    if (runs > 63) runs = 63;
    for (r = -1; r < runs; r++) {
        double start = now_s(), elapsed;
        long n = 0;
        do {
            int i;
            for (i = 0; i < 8; i++) body(ctx);
            n += 8;
            elapsed = now_s() - start;
        } while (elapsed < window_ms / 1000.0);
        if (r >= 0) rates[r] = (double)n / elapsed;
    }
    qsort(rates, (size_t)runs, sizeof rates[0], cmp_double);
    return rates[runs / 2];
}

static const size_t sizes[] = {64, 1024, 65536};

#endif
