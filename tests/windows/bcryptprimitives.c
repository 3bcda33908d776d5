/* Test-tree shim for Wine 8.0, which lacks bcryptprimitives.dll: Rust's standard library for
 * Windows draws its randomness from ProcessPrng there. Windows 10+ and newer Wine have the real
 * DLL; this file is never shipped. */
#include <windows.h>
#include <ntsecapi.h>

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len > 0) {
        ULONG chunk = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!RtlGenRandom(data, chunk)) return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
