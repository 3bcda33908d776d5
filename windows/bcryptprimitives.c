/* bcryptprimitives.dll for hosts that lack it (Wine 8.0 and older, Windows before 10): Rust's
 * standard library for Windows draws its randomness from ProcessPrng there, so ntlmssp.dll does
 * not load without it. scripts/wine-install.sh builds it for the DLL's bitness and installs it
 * only into a prefix without the real DLL; it is never put over Wine's or Windows' own. */
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
