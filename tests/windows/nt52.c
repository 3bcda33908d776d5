/* The NT 5.2 thunks of windows/nt52.c, compiled into this program: run once as the host has them
 * (native where the host exports the function) and once with NTLMSSP_NT52_FALLBACKS=1 (every
 * fallback), with the same checks and results either way. The address waits are hammered: a
 * futex mutex over several addresses, broadcasts to many waiters, short timeouts racing wakes,
 * and waiters on many addresses sharing the fallback's buckets, each checked for lost wakeups
 * (a hang, which the watchdog turns into a failure) and wrong counts.
 *   usage: nt52.exe   (prints ok/not ok lines and "N passed, M failed")
 *   build: -D_WIN32_WINNT=0x0502 (as build.rs compiles windows/nt52.c), -lws2_32 -ladvapi32 -lntdll */
#define NT52_TEST_COUNTERS
#include "../../windows/nt52.c"
#include <stdio.h>
#include <stdarg.h>

static int passed, failed;

static void check(int cond, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    printf(cond ? "ok - " : "not ok - ");
    vprintf(fmt, ap);
    printf("\n");
    fflush(stdout);
    va_end(ap);
    if (cond) passed++;
    else failed++;
}

static HANDLE spawn(LPTHREAD_START_ROUTINE fn, void *arg) {
    HANDLE h = CreateThread(NULL, 0, fn, arg, 0, NULL);
    if (!h) {
        printf("not ok - CreateThread: error %lu\n", GetLastError());
        ExitProcess(1);
    }
    return h;
}

static void join(HANDLE *threads, int n) {
    int i;
    for (i = 0; i < n; i++) {
        WaitForSingleObject(threads[i], INFINITE);
        CloseHandle(threads[i]);
    }
}

/* A lost wakeup shows as a hang: fail instead of waiting for ever. */
static DWORD WINAPI watchdog(void *arg) {
    (void)arg;
    Sleep(600 * 1000);
    printf("not ok - still running after 600 s: a wait that is never woken\n%d passed, %d failed\n",
           passed, failed + 1);
    fflush(stdout);
    ExitProcess(1);
    return 0;
}

/* --- which implementation each group runs ------------------------------------------------------ */

static void check_resolution(void) {
    BOOL forced = fallbacks_forced();
    struct {
        struct thunk *group;
        int count;
        const WCHAR *const *modules;
    } groups[] = {
        {synch, 3, synch_modules},          {init_once, 2, kernel_modules},
        {precise_time, 1, kernel_modules},  {host_name, 1, ws2_modules},
        {compare_ordinal, 1, kernel_modules}, {file_info_get, 1, kernel_modules},
        {file_info_set, 1, kernel_modules}, {waitable_timer, 1, kernel_modules},
        {symlink, 1, kernel_modules},       {final_path, 1, kernel_modules},
        {attribute_list, 3, kernel_modules},
    };
    unsigned g;
    int i;
    BYTE b;
    char natives[1024] = "", fallbacks[1024] = "";
    thunk_ProcessPrng(&b, 1);
    for (g = 0; g < sizeof groups / sizeof groups[0]; g++) {
        BOOL all_native = !forced;
        for (i = 0; i < groups[g].count; i++)
            if (!find_native(groups[g].group[i].name, groups[g].modules)) all_native = FALSE;
        target(groups[g].group, 0, groups[g].count, groups[g].modules);
        for (i = 0; i < groups[g].count; i++) {
            void *t = __atomic_load_n(&groups[g].group[i].target, __ATOMIC_ACQUIRE);
            void *want = all_native ? find_native(groups[g].group[i].name, groups[g].modules)
                                    : groups[g].group[i].fallback;
            check(t == want, "%s runs the %s", groups[g].group[i].name,
                  all_native ? "system's own function" : "NT 5.2 fallback");
            lstrcatA(all_native ? natives : fallbacks, " ");
            lstrcatA(all_native ? natives : fallbacks, groups[g].group[i].name);
        }
    }
    check(forced ? process_prng == fallback_ProcessPrng : 1, "ProcessPrng runs the %s",
          process_prng == fallback_ProcessPrng ? "NT 5.2 fallback (RtlGenRandom)" : "system's own function");
    lstrcatA(process_prng == fallback_ProcessPrng ? fallbacks : natives, " ProcessPrng");
    printf("# the system's own:%s\n# NT 5.2 fallbacks:%s\n", natives[0] ? natives : " none",
           fallbacks[0] ? fallbacks : " none");
}

/* --- WaitOnAddress basics ------------------------------------------------------------------- */

static void check_wait_basics(void) {
    static volatile BYTE v1;
    static volatile WORD v2;
    static volatile DWORD v4;
    static volatile DWORD64 v8;
    struct {
        volatile void *address;
        SIZE_T size;
    } cases[] = {{&v1, 1}, {&v2, 2}, {&v4, 4}, {&v8, 8}};
    unsigned i;
    for (i = 0; i < 4; i++) {
        DWORD64 same = 0, other = 1;
        BOOL r;
        r = thunk_WaitOnAddress(cases[i].address, &other, cases[i].size, INFINITE);
        check(r == TRUE, "WaitOnAddress, %u bytes: a different value returns TRUE at once", (unsigned)cases[i].size);
        SetLastError(0);
        r = thunk_WaitOnAddress(cases[i].address, &same, cases[i].size, 0);
        check(r == FALSE && GetLastError() == ERROR_TIMEOUT,
              "WaitOnAddress, %u bytes, timeout 0: FALSE, ERROR_TIMEOUT (%d, %lu)", (unsigned)cases[i].size, r,
              GetLastError());
        SetLastError(0);
        r = thunk_WaitOnAddress(cases[i].address, &same, cases[i].size, 20);
        check(r == FALSE && GetLastError() == ERROR_TIMEOUT,
              "WaitOnAddress, %u bytes, timeout 20 ms: FALSE, ERROR_TIMEOUT (%d, %lu)", (unsigned)cases[i].size, r,
              GetLastError());
    }
    {
        DWORD same = 0;
        BOOL r;
        SetLastError(0);
        r = thunk_WaitOnAddress(&v4, &same, 3, 0);
        check(r == FALSE && GetLastError() == ERROR_INVALID_PARAMETER,
              "WaitOnAddress, 3 bytes: FALSE, ERROR_INVALID_PARAMETER (%d, %lu)", r, GetLastError());
    }
    thunk_WakeByAddressSingle((PVOID)&v4);
    thunk_WakeByAddressAll((PVOID)&v4);
    check(1, "waking an address nobody waits on returns");
}

/* --- stress 1: a futex mutex (0 free, 1 held, 2 held with sleepers) over several addresses -------- */

#define MUTEXES 8
#define MUTEX_THREADS 16
#define MUTEX_ROUNDS 10000

static volatile LONG mutexes[MUTEXES];
static LONG counters[MUTEXES];
static volatile LONG mutex_sleeps;

static void mutex_lock(volatile LONG *m) {
    LONG c = InterlockedCompareExchange(m, 1, 0);
    if (c == 0) return;
    if (c != 2) c = InterlockedExchange(m, 2);
    while (c != 0) {
        LONG two = 2;
        InterlockedIncrement(&mutex_sleeps);
        thunk_WaitOnAddress(m, &two, sizeof two, INFINITE);
        c = InterlockedExchange(m, 2);
    }
}

static void mutex_unlock(volatile LONG *m) {
    if (InterlockedExchange(m, 0) == 2) thunk_WakeByAddressSingle((PVOID)m);
}

static DWORD WINAPI mutex_thread(void *arg) {
    int id = (int)(INT_PTR)arg, i;
    for (i = 0; i < MUTEX_ROUNDS; i++) {
        int k = (i * 7 + id) % MUTEXES;
        mutex_lock(&mutexes[k]);
        counters[k]++;
        if (i % 8 == 0) SwitchToThread();
        mutex_unlock(&mutexes[k]);
    }
    return 0;
}

static void stress_mutex(void) {
    HANDLE t[MUTEX_THREADS];
    LONG total = 0;
    int i;
    for (i = 0; i < MUTEX_THREADS; i++) t[i] = spawn(mutex_thread, (void *)(INT_PTR)i);
    join(t, MUTEX_THREADS);
    for (i = 0; i < MUTEXES; i++) total += counters[i];
    check(total == MUTEX_THREADS * MUTEX_ROUNDS && mutex_sleeps > 0,
          "futex mutex: %d threads x %d rounds over %d addresses, %ld waits, no update lost (%ld)",
          MUTEX_THREADS, MUTEX_ROUNDS, MUTEXES, mutex_sleeps, total);
}

/* --- stress 2: broadcasts: every waiter sees every generation -------------------------------- */

#define BROADCAST_THREADS 12
#define GENERATIONS 1000

static volatile LONG64 generation;
static volatile LONG acks;
static LONG seen_all[BROADCAST_THREADS];

static DWORD WINAPI broadcast_thread(void *arg) {
    int id = (int)(INT_PTR)arg;
    LONG64 seen = 0;
    while (seen < GENERATIONS) {
        LONG64 now = generation;
        if (now == seen) {
            thunk_WaitOnAddress(&generation, &seen, sizeof seen, INFINITE);
            continue;
        }
        if (now != seen + 1) break; /* a generation went by unseen */
        seen = now;
        seen_all[id]++;
        if (InterlockedIncrement(&acks) == BROADCAST_THREADS) thunk_WakeByAddressSingle((PVOID)&acks);
    }
    return 0;
}

static void stress_broadcast(void) {
    HANDLE t[BROADCAST_THREADS];
    int i, g, complete = 1;
    for (i = 0; i < BROADCAST_THREADS; i++) t[i] = spawn(broadcast_thread, (void *)(INT_PTR)i);
    for (g = 1; g <= GENERATIONS; g++) {
        LONG a;
        acks = 0;
        InterlockedExchange64(&generation, g);
        thunk_WakeByAddressAll((PVOID)&generation);
        while ((a = acks) != BROADCAST_THREADS) thunk_WaitOnAddress(&acks, &a, sizeof a, INFINITE);
    }
    join(t, BROADCAST_THREADS);
    for (i = 0; i < BROADCAST_THREADS; i++)
        if (seen_all[i] != GENERATIONS) complete = 0;
    check(complete, "WakeByAddressAll: %d waiters each saw all %d generations", BROADCAST_THREADS, GENERATIONS);
}

/* --- stress 3: 1 ms timeouts racing wakes ----------------------------------------------------- */

#define TIMEOUT_THREADS 8
#define TIMEOUT_ROUNDS 1000

static volatile DWORD never_changes;
static volatile LONG stop_waking, bad_returns, woken_returns, timeout_returns;

static DWORD WINAPI timeout_thread(void *arg) {
    int i;
    (void)arg;
    for (i = 0; i < TIMEOUT_ROUNDS; i++) {
        DWORD zero = 0;
        BOOL r;
        SetLastError(0);
        r = thunk_WaitOnAddress(&never_changes, &zero, sizeof zero, 1);
        if (r) InterlockedIncrement(&woken_returns);
        else if (GetLastError() == ERROR_TIMEOUT) InterlockedIncrement(&timeout_returns);
        else InterlockedIncrement(&bad_returns);
    }
    return 0;
}

static DWORD WINAPI waker_thread(void *arg) {
    int n = 0;
    (void)arg;
    while (!stop_waking) {
        if (n++ % 3) thunk_WakeByAddressSingle((PVOID)&never_changes);
        else thunk_WakeByAddressAll((PVOID)&never_changes);
        /* Pauses of about the waiters' timeout, so that wakes meet expiring waits. */
        if (n % 4 == 0) Sleep(1);
    }
    return 0;
}

static void stress_timeouts(void) {
    HANDLE t[TIMEOUT_THREADS], w[2];
    int i;
    w[0] = spawn(waker_thread, NULL);
    w[1] = spawn(waker_thread, NULL);
    for (i = 0; i < TIMEOUT_THREADS; i++) t[i] = spawn(timeout_thread, NULL);
    join(t, TIMEOUT_THREADS);
    stop_waking = 1;
    join(w, 2);
    check(bad_returns == 0 && woken_returns + timeout_returns == TIMEOUT_THREADS * TIMEOUT_ROUNDS,
          "%d threads x %d waits of 1 ms racing two wakers: each returned TRUE (%ld) or FALSE with "
          "ERROR_TIMEOUT (%ld), nothing else (%ld), no waker stuck",
          TIMEOUT_THREADS, TIMEOUT_ROUNDS, woken_returns, timeout_returns, bad_returns);
}

/* --- stress 4: many addresses sharing buckets; a wake reaches only its own address ------------ */

#define ADDRESSES 256

static volatile LONG flags[ADDRESSES];
static volatile LONG released;

static DWORD WINAPI address_thread(void *arg) {
    int id = (int)(INT_PTR)arg;
    LONG zero = 0;
    while (flags[id] == 0) thunk_WaitOnAddress(&flags[id], &zero, sizeof zero, INFINITE);
    InterlockedIncrement(&released);
    return 0;
}

static void stress_addresses(void) {
    static HANDLE t[ADDRESSES];
    int i, early = 0;
    for (i = 0; i < ADDRESSES; i++) t[i] = spawn(address_thread, (void *)(INT_PTR)i);
    Sleep(100);
    /* Odd addresses first, woken one by one, in an order unrelated to their buckets. */
    for (i = 0; i < ADDRESSES; i++) {
        int k = (i * 37) % ADDRESSES;
        if (k % 2 == 0) continue;
        InterlockedExchange(&flags[k], 1);
        thunk_WakeByAddressSingle((PVOID)&flags[k]);
    }
    for (i = 1; i < ADDRESSES; i += 2) {
        WaitForSingleObject(t[i], INFINITE);
        CloseHandle(t[i]);
    }
    early = released != ADDRESSES / 2;
    for (i = 0; i < ADDRESSES; i += 2) {
        InterlockedExchange(&flags[i], 1);
        thunk_WakeByAddressAll((PVOID)&flags[i]);
    }
    for (i = 0; i < ADDRESSES; i += 2) {
        WaitForSingleObject(t[i], INFINITE);
        CloseHandle(t[i]);
    }
    check(!early && released == ADDRESSES,
          "%d threads waiting on %d addresses: waking half left the other half waiting, then all returned",
          ADDRESSES, ADDRESSES);
}

/* --- InitOnce ------------------------------------------------------------------------------ */

#define ONCE_THREADS 8
#define ONCE_ROUNDS 50

static PVOID once;
static volatile LONG initializers, initialized_value, wrong_context, fail_first;

static DWORD WINAPI once_thread(void *arg) {
    (void)arg;
    for (;;) {
        BOOL pending = FALSE;
        LPVOID context = NULL;
        if (!thunk_InitOnceBeginInitialize(&once, 0, &pending, &context)) {
            InterlockedIncrement(&wrong_context);
            return 0;
        }
        if (!pending) {
            if (context != (LPVOID)0x1000 || initialized_value != 42) InterlockedIncrement(&wrong_context);
            return 0;
        }
        InterlockedIncrement(&initializers);
        Sleep(2);
        if (InterlockedExchange(&fail_first, 0)) {
            thunk_InitOnceComplete(&once, INIT_ONCE_INIT_FAILED_, NULL);
            continue;
        }
        initialized_value = 42;
        thunk_InitOnceComplete(&once, 0, (LPVOID)0x1000);
        return 0;
    }
}

static void check_init_once(void) {
    int round, i, ok_rounds = 0, ok_failed = 0;
    BOOL pending, r;
    LPVOID context;
    PVOID async_once = NULL;
    for (round = 0; round < ONCE_ROUNDS; round++) {
        HANDLE t[ONCE_THREADS];
        once = NULL;
        initializers = 0;
        initialized_value = 0;
        wrong_context = 0;
        fail_first = round % 2;
        for (i = 0; i < ONCE_THREADS; i++) t[i] = spawn(once_thread, NULL);
        join(t, ONCE_THREADS);
        if (wrong_context == 0 && initializers == 1 + round % 2) {
            if (round % 2) ok_failed++;
            else ok_rounds++;
        }
    }
    check(ok_rounds == ONCE_ROUNDS / 2,
          "InitOnce: %d threads, one initializer, everyone else waits and gets its context (%d of %d rounds)",
          ONCE_THREADS, ok_rounds, ONCE_ROUNDS / 2);
    check(ok_failed == ONCE_ROUNDS / 2,
          "InitOnce: INIT_ONCE_INIT_FAILED lets one waiter initialize instead (%d of %d rounds)", ok_failed,
          ONCE_ROUNDS / 2);

    once = NULL;
    SetLastError(0);
    r = thunk_InitOnceBeginInitialize(&once, INIT_ONCE_CHECK_ONLY_, &pending, &context);
    check(!r && GetLastError() == ERROR_GEN_FAILURE,
          "InitOnce: CHECK_ONLY before initialization fails with ERROR_GEN_FAILURE (%d, %lu)", r, GetLastError());
    SetLastError(0);
    r = thunk_InitOnceBeginInitialize(&once, INIT_ONCE_CHECK_ONLY_ | INIT_ONCE_ASYNC_, &pending, &context);
    check(!r && GetLastError() == ERROR_INVALID_PARAMETER,
          "InitOnce: CHECK_ONLY | ASYNC fails with ERROR_INVALID_PARAMETER (%d, %lu)", r, GetLastError());
    r = thunk_InitOnceBeginInitialize(&once, 0, &pending, &context);
    check(r && pending, "InitOnce: Begin starts a synchronous initialization");
    SetLastError(0);
    r = thunk_InitOnceComplete(&once, 0, (LPVOID)0x1001);
    check(!r && GetLastError() == ERROR_INVALID_PARAMETER,
          "InitOnce: a context with its low bits set is refused with ERROR_INVALID_PARAMETER (%d, %lu)", r,
          GetLastError());
    r = thunk_InitOnceComplete(&once, 0, (LPVOID)0x2000);
    context = NULL;
    check(r && thunk_InitOnceBeginInitialize(&once, INIT_ONCE_CHECK_ONLY_, &pending, &context) && !pending &&
              context == (LPVOID)0x2000,
          "InitOnce: completed, CHECK_ONLY gives the context");

    r = thunk_InitOnceBeginInitialize(&async_once, INIT_ONCE_ASYNC_, &pending, &context);
    check(r && pending, "InitOnce: a first asynchronous Begin is pending");
    r = thunk_InitOnceBeginInitialize(&async_once, INIT_ONCE_ASYNC_, &pending, &context);
    check(r && pending, "InitOnce: a second asynchronous Begin is pending too");
    SetLastError(0);
    r = thunk_InitOnceBeginInitialize(&async_once, 0, &pending, &context);
    check(!r && GetLastError() == ERROR_INVALID_PARAMETER,
          "InitOnce: a synchronous Begin during an asynchronous one fails with ERROR_INVALID_PARAMETER (%d, %lu)",
          r, GetLastError());
    r = thunk_InitOnceComplete(&async_once, INIT_ONCE_ASYNC_, (LPVOID)0x3000);
    check(r, "InitOnce: the first asynchronous Complete wins");
    SetLastError(0);
    r = thunk_InitOnceComplete(&async_once, INIT_ONCE_ASYNC_, (LPVOID)0x4000);
    printf("# InitOnce: the second asynchronous Complete returned %d, error %lu\n", r, GetLastError());
    check(!r, "InitOnce: the second asynchronous Complete fails");
    context = NULL;
    r = thunk_InitOnceBeginInitialize(&async_once, 0, &pending, &context);
    check(r && !pending && context == (LPVOID)0x3000, "InitOnce: the winner's context stays");
}

/* --- the rest ---------------------------------------------------------------------------------- */

static void check_others(void) {
    BYTE a[64], b[64];
    int i, zero = 1, same = 1;
    FILETIME precise, coarse;
    ULONGLONG p, c;
    WSADATA wsa;
    char ansi[257];
    WCHAR wide[257], expect[257], tiny[1];

    check(thunk_ProcessPrng(a, sizeof a) && thunk_ProcessPrng(b, sizeof b), "ProcessPrng returns TRUE");
    for (i = 0; i < 64; i++) {
        if (a[i]) zero = 0;
        if (a[i] != b[i]) same = 0;
    }
    check(!zero && !same, "ProcessPrng fills the buffer, differently each time");

    GetSystemTimeAsFileTime(&coarse);
    thunk_GetSystemTimePreciseAsFileTime(&precise);
    p = ((ULONGLONG)precise.dwHighDateTime << 32) | precise.dwLowDateTime;
    c = ((ULONGLONG)coarse.dwHighDateTime << 32) | coarse.dwLowDateTime;
    check(p + 10000000ULL * 60 > c && p < c + 10000000ULL * 60,
          "GetSystemTimePreciseAsFileTime tells the system time");

    WSAStartup(MAKEWORD(2, 2), &wsa);
    check(gethostname(ansi, sizeof ansi) == 0 && thunk_GetHostNameW(wide, 257) == 0 &&
              MultiByteToWideChar(CP_ACP, 0, ansi, -1, expect, 257) > 0 && lstrcmpW(wide, expect) == 0,
          "GetHostNameW gives gethostname's name");
    check(thunk_GetHostNameW(tiny, 1) == SOCKET_ERROR && WSAGetLastError() == WSAEFAULT,
          "GetHostNameW with a 1-character buffer: SOCKET_ERROR, WSAEFAULT");
    WSACleanup();

    check(thunk_CompareStringOrdinal(L"abc", -1, L"abd", -1, FALSE) == CSTR_LESS_THAN_, "CompareStringOrdinal: abc < abd");
    check(thunk_CompareStringOrdinal(L"ABC", 3, L"abc", 3, TRUE) == CSTR_EQUAL_,
          "CompareStringOrdinal: ABC = abc ignoring case");
    check(thunk_CompareStringOrdinal(L"ABC", 3, L"abc", 3, FALSE) == CSTR_LESS_THAN_,
          "CompareStringOrdinal: ABC < abc by code unit");
    check(thunk_CompareStringOrdinal(L"ab", 2, L"abc", 3, FALSE) == CSTR_LESS_THAN_ &&
              thunk_CompareStringOrdinal(L"abc", 3, L"ab", -1, FALSE) == CSTR_GREATER_THAN_,
          "CompareStringOrdinal: a prefix sorts first");
    check(thunk_CompareStringOrdinal(L"\x00e9t\x00e9", -1, L"\x00c9T\x00c9", -1, TRUE) == CSTR_EQUAL_,
          "CompareStringOrdinal: non-ASCII letters ignoring case");
    check(thunk_CompareStringOrdinal(L"\xd83d\xde00", -1, L"\xff5a", -1, FALSE) == CSTR_LESS_THAN_,
          "CompareStringOrdinal: UTF-16 code units, not code points");
    SetLastError(0);
    check(thunk_CompareStringOrdinal(NULL, 1, L"a", 1, FALSE) == 0 && GetLastError() == ERROR_INVALID_PARAMETER,
          "CompareStringOrdinal: NULL gives 0, ERROR_INVALID_PARAMETER");

    {
        WCHAR dir[MAX_PATH], path[MAX_PATH];
        HANDLE f, d;
        DWORD written;
        BY_HANDLE_FILE_INFORMATION by_handle;
        struct {
            LARGE_INTEGER CreationTime, LastAccessTime, LastWriteTime, ChangeTime;
            DWORD FileAttributes;
        } basic;
        struct {
            LARGE_INTEGER AllocationSize, EndOfFile;
            DWORD NumberOfLinks;
            BOOLEAN DeletePending, Directory;
        } standard;
        struct {
            DWORD FileNameLength;
            WCHAR FileName[MAX_PATH];
        } name;
        struct {
            DWORD FileAttributes, ReparseTag;
        } tag;
        LONGLONG listing[1024];
        LARGE_INTEGER eof;
        BOOLEAN delete_it = TRUE;
        BOOL found = FALSE, r;
        DWORD error;
        const BYTE *entry;

        GetTempPathW(MAX_PATH, dir);
        wsprintfW(dir + lstrlenW(dir), L"ntlmssp-nt52-%lu", GetCurrentProcessId());
        CreateDirectoryW(dir, NULL);
        wsprintfW(path, L"%s\\probe.txt", dir);
        f = CreateFileW(path, GENERIC_READ | GENERIC_WRITE | DELETE, 0, NULL, CREATE_ALWAYS, 0, NULL);
        WriteFile(f, "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789",
                  100, &written, NULL);
        GetFileInformationByHandle(f, &by_handle);
        check(thunk_GetFileInformationByHandleEx(f, FileBasicInfo_, &basic, sizeof basic) &&
                  basic.FileAttributes == by_handle.dwFileAttributes &&
                  (DWORD)basic.LastWriteTime.LowPart == by_handle.ftLastWriteTime.dwLowDateTime,
              "GetFileInformationByHandleEx(FileBasicInfo) agrees with GetFileInformationByHandle");
        check(thunk_GetFileInformationByHandleEx(f, FileStandardInfo_, &standard, sizeof standard) &&
                  standard.EndOfFile.QuadPart == 100 && !standard.Directory,
              "GetFileInformationByHandleEx(FileStandardInfo): 100 bytes, not a directory");
        check(thunk_GetFileInformationByHandleEx(f, FileNameInfo_, &name, sizeof name) &&
                  name.FileNameLength >= 18 &&
                  memcmp((char *)name.FileName + name.FileNameLength - 18, L"probe.txt", 18) == 0,
              "GetFileInformationByHandleEx(FileNameInfo) ends in the file's name");
        check(thunk_GetFileInformationByHandleEx(f, FileAttributeTagInfo_, &tag, sizeof tag) &&
                  tag.FileAttributes == by_handle.dwFileAttributes,
              "GetFileInformationByHandleEx(FileAttributeTagInfo)");
        SetLastError(0);
        r = thunk_GetFileInformationByHandleEx(f, FileStandardInfo_, &standard, 4);
        error = GetLastError();
        check(!r && error == ERROR_BAD_LENGTH,
              "GetFileInformationByHandleEx with too small a buffer: ERROR_BAD_LENGTH (%lu)", error);
        eof.QuadPart = 10;
        check(thunk_SetFileInformationByHandle(f, FileEndOfFileInfo_, &eof, sizeof eof) &&
                  GetFileSize(f, NULL) == 10,
              "SetFileInformationByHandle(FileEndOfFileInfo) truncates to 10 bytes");

        d = CreateFileW(dir, FILE_LIST_DIRECTORY, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                        OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
        if (thunk_GetFileInformationByHandleEx(d, FileIdBothDirectoryRestartInfo_, listing, sizeof listing)) {
            for (entry = (const BYTE *)listing;; entry += *(const DWORD *)entry) {
                /* FILE_ID_BOTH_DIR_INFO: FileNameLength at 60, FileName at 104. */
                DWORD len = *(const DWORD *)(entry + 60);
                if (len == 18 && memcmp(entry + 104, L"probe.txt", 18) == 0) found = TRUE;
                if (*(const DWORD *)entry == 0) break;
            }
        }
        check(found, "GetFileInformationByHandleEx(FileIdBothDirectoryRestartInfo) lists the file");
        SetLastError(0);
        r = thunk_GetFileInformationByHandleEx(d, FileIdBothDirectoryInfo_, listing, sizeof listing);
        error = GetLastError();
        check(!r && error == ERROR_NO_MORE_FILES,
              "GetFileInformationByHandleEx(FileIdBothDirectoryInfo) then ends: ERROR_NO_MORE_FILES (%lu)", error);
        CloseHandle(d);

        check(thunk_SetFileInformationByHandle(f, FileDispositionInfo_, &delete_it, sizeof delete_it),
              "SetFileInformationByHandle(FileDispositionInfo)");
        CloseHandle(f);
        check(GetFileAttributesW(path) == INVALID_FILE_ATTRIBUTES, "the file is gone once closed");
        RemoveDirectoryW(dir);
    }

    {
        HANDLE timer = thunk_CreateWaitableTimerExW(NULL, NULL, 0, TIMER_ALL_ACCESS);
        LARGE_INTEGER due;
        due.QuadPart = -10000;
        check(timer && SetWaitableTimer(timer, &due, 0, NULL, NULL, FALSE) &&
                  WaitForSingleObject(timer, INFINITE) == WAIT_OBJECT_0,
              "CreateWaitableTimerExW: a timer that fires");
        if (timer) CloseHandle(timer);
    }
}

static void check_fallback_only(void) {
    HANDLE timer;
    SIZE_T size = 0;
    BYTE buf[64];
    SetLastError(0);
    timer = thunk_CreateWaitableTimerExW(NULL, NULL, 0x2 /* HIGH_RESOLUTION */, TIMER_ALL_ACCESS);
    check(!timer && GetLastError() == ERROR_INVALID_PARAMETER,
          "fallback CreateWaitableTimerExW: HIGH_RESOLUTION fails with ERROR_INVALID_PARAMETER");
    SetLastError(0);
    check(!thunk_SetFileInformationByHandle(GetCurrentProcess(), 22 /* FileRenameInfoEx */, buf, sizeof buf) &&
              GetLastError() == ERROR_INVALID_PARAMETER,
          "fallback SetFileInformationByHandle: other classes fail with ERROR_INVALID_PARAMETER");
    SetLastError(0);
    check(!thunk_CreateSymbolicLinkW(L"a", L"b", 0) && GetLastError() == ERROR_CALL_NOT_IMPLEMENTED,
          "fallback CreateSymbolicLinkW: ERROR_CALL_NOT_IMPLEMENTED");
    SetLastError(0);
    check(thunk_GetFinalPathNameByHandleW(GetCurrentProcess(), (LPWSTR)buf, 8, 0) == 0 &&
              GetLastError() == ERROR_CALL_NOT_IMPLEMENTED,
          "fallback GetFinalPathNameByHandleW: ERROR_CALL_NOT_IMPLEMENTED");
    SetLastError(0);
    check(!thunk_InitializeProcThreadAttributeList(NULL, 1, 0, &size) &&
              GetLastError() == ERROR_CALL_NOT_IMPLEMENTED &&
              !thunk_UpdateProcThreadAttribute(buf, 0, 0, NULL, 0, NULL, NULL),
          "fallback attribute lists: ERROR_CALL_NOT_IMPLEMENTED");
    thunk_DeleteProcThreadAttributeList(buf);
}

int main(void) {
    BOOL forced;
    CloseHandle(spawn(watchdog, NULL));
    forced = fallbacks_forced();
    printf("# %s\n", forced ? "NTLMSSP_NT52_FALLBACKS=1: every fallback" : "the host's own functions where it has them");
    check_resolution();
    check_wait_basics();
    stress_mutex();
    stress_broadcast();
    stress_timeouts();
    stress_addresses();
    check_init_once();
    check_others();
    if (forced) check_fallback_only();
    printf("# fallback paths: %ld waits timed out after a waker took them (late releases), %ld sleeps on a "
           "bucket lock\n", nt52_count_late_release, nt52_count_lock_sleep);
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
