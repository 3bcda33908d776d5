/* The one function Wine's test framework (include/wine/test.h, through wine/debug.h) takes from
 * Wine's ntdll that a mingw-w64 build does not have: __wine_dbg_strdup, which keeps a formatted
 * debug string (wine_dbgstr_*) alive long enough to be printed. A ring of slots is enough for
 * the test programs tests/windows/wine-conformance.sh builds; strings longer than a slot are cut. */
#include <windows.h>
#include <string.h>

const char *__cdecl __wine_dbg_strdup(const char *str)
{
    static char ring[64][1024];
    static LONG next;
    char *slot = ring[(ULONG)InterlockedIncrement(&next) % 64];
    size_t len = strlen(str);

    if (len >= sizeof(ring[0])) len = sizeof(ring[0]) - 1;
    memcpy(slot, str, len);
    slot[len] = 0;
    return slot;
}
