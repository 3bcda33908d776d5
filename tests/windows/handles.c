/* A full handle table on 32-bit Windows, whose handles have 16 slot bits (src/sspi/handles.rs):
 * one thread acquires credentials until the table is full. Expected: 8 shards of 8,191 slots,
 * 65,528 live credentials, every handle distinct and working; the next acquisition fails with
 * SEC_E_INSUFFICIENT_MEMORY and writes nothing; freeing one makes room again; all free cleanly.
 * Built for i686 only (tests/windows/run.sh); on 64-bit the table holds 2^24 - 8 per kind. */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sspi.h"

#define EXPECTED 65528

static int failed;

static void check(const char *name, int ok) {
    printf("%s - %s\n", ok ? "ok" : "not ok", name);
    if (!ok) failed++;
}

static int by_lower(const void *a, const void *b) {
    ULONG_PTR x = ((const CredHandle *)a)->dwLower, y = ((const CredHandle *)b)->dwLower;
    return x < y ? -1 : x > y;
}

static SECURITY_STATUS acquire(CredHandle *h) {
    static WCHAR user[] = L"alice", domain[] = L"EXAMPLE", password[] = L"Secret123", package[] = L"NTLM";
    SEC_WINNT_AUTH_IDENTITY_W id = {user, 5, domain, 7, password, 9, SEC_WINNT_AUTH_IDENTITY_UNICODE};
    TimeStamp ts;
    return AcquireCredentialsHandleW(NULL, package, SECPKG_CRED_OUTBOUND, NULL, &id, NULL, NULL, h, &ts);
}

static int works(CredHandle *h) {
    SecPkgCredentials_NamesW names;
    if (QueryCredentialsAttributesW(h, SECPKG_CRED_ATTR_NAMES, &names) != SEC_E_OK) return 0;
    FreeContextBuffer(names.sUserName);
    return 1;
}

int main(void) {
    CredHandle *h = calloc(EXPECTED + 2, sizeof *h), *sorted = calloc(EXPECTED + 2, sizeof *h), extra;
    SECURITY_STATUS s = SEC_E_OK;
    int n = 0, i, distinct = 1, freed = 1;
    if (sizeof(void *) != 4) {
        printf("# 64-bit: the table is too large to fill here\n0 failed\n");
        return 0;
    }
    while (n < EXPECTED + 2 && (s = acquire(&h[n])) == SEC_E_OK) n++;
    printf("# %d live credentials, then 0x%08lx\n", n, (unsigned long)s);
    check("the table holds 65,528 credentials", n == EXPECTED);
    check("the next acquisition fails with SEC_E_INSUFFICIENT_MEMORY", s == SEC_E_INSUFFICIENT_MEMORY);
    memset(&extra, 0xAB, sizeof extra);
    check("and writes no handle", acquire(&extra) == SEC_E_INSUFFICIENT_MEMORY && extra.dwLower == (ULONG_PTR)0xABABABABu);
    memcpy(sorted, h, n * sizeof *h);
    qsort(sorted, n, sizeof *h, by_lower);
    for (i = 1; i < n; i++) distinct &= sorted[i].dwLower != sorted[i - 1].dwLower && sorted[i].dwLower != 0;
    check("every handle is distinct and non-zero", distinct && n > 0);
    check("the first and last handles work", n > 0 && works(&h[0]) && works(&h[n - 1]));
    check("freeing one makes room", n > 0 && FreeCredentialsHandle(&h[n / 2]) == SEC_E_OK && acquire(&h[n / 2]) == SEC_E_OK);
    for (i = 0; i < n; i++) freed &= FreeCredentialsHandle(&h[i]) == SEC_E_OK;
    check("all free cleanly", freed);
    check("a freed handle stays dead", n > 0 && FreeCredentialsHandle(&h[0]) == SEC_E_INVALID_HANDLE);
    check("the emptied table takes new credentials", acquire(&extra) == SEC_E_OK && FreeCredentialsHandle(&extra) == SEC_E_OK);
    printf("%d failed\n", failed);
    free(h);
    free(sorted);
    return failed ? 1 : 0;
}
