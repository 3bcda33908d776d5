/* The Windows functions Rust's standard library (and getrandom, windows-sys) import that an
 * NT 5.2-level system does not export: ReactOS at its default DLL_EXPORT_VERSION 0x502 (see
 * windows/reactos-nt52/), Windows XP and Server 2003. The Windows loader resolves every import at
 * load time, so one missing name keeps ntlmssp.dll from loading at all.
 *
 * This object is linked ahead of every import library (build.rs: a static library with
 * +whole-archive, which rustc places before the Rust crates and their import libraries). It
 * defines each of those functions under the symbol the callers reference (Name on x86_64,
 * _Name@N on i686, stdcall) and its __imp_ pointer, so the linker never takes the import
 * library's member and the DLL's import table does not name them. Each definition calls through a
 * pointer chosen at first use:
 *   - the system's own function, found with GetProcAddress in the DLL that exports it (kernel32,
 *     or kernelbase where Windows 8+ and Wine keep it; ws2_32; bcryptprimitives loaded from the
 *     system directory), so Windows 10+ and Wine keep running on their native functions;
 *   - else the NT 5.2 implementation below.
 * Functions that must agree (the address waits; InitOnce's two halves; the attribute-list
 * functions) are resolved as a group: all native or all fallback.
 *
 * NTLMSSP_NT52_FALLBACKS=1 in the environment (read once, when the DLL is loaded) makes every
 * lookup fail, as on ReactOS, so the fallbacks can be tested on any host; it prints one line on
 * standard error saying so.
 *
 * Fallbacks:
 *   WaitOnAddress, WakeByAddressSingle, WakeByAddressAll: waiter lists in 64 buckets hashed by
 *     address, each under a small lock, blocking on one keyed event (NtCreateKeyedEvent,
 *     NtWaitForKeyedEvent, NtReleaseKeyedEvent: ntdll since NT 5.1), each waiter keyed by its own
 *     list node. The value is compared under the bucket's lock and a waker takes that lock after
 *     changing the value, so no wake is lost; a waiter that timed out after a waker took it off
 *     the list waits for that waker's release before returning (a keyed-event release blocks
 *     until its waiter arrives). Without a keyed event (handle quota) a wait sleeps 1 ms and
 *     returns TRUE, a spurious wakeup, which the contract allows.
 *   InitOnceBeginInitialize, InitOnceComplete: the documented synchronous, asynchronous and
 *     check-only modes in the INIT_ONCE pointer itself (low two bits: 0 new, 1 running, 2 done with
 *     the context above, 3 asynchronous), waiting with WaitOnAddress above.
 *   ProcessPrng: RtlGenRandom (advapi32 SystemFunction036); if the system RNG fails the process
 *     ends (as Rust's own Windows 7 target does): callers ignore ProcessPrng's result, which is
 *     documented never to fail, and must not get unrandom keys.
 *   GetSystemTimePreciseAsFileTime: GetSystemTimeAsFileTime.
 *   GetHostNameW: gethostname, converted from the ANSI code page.
 *   CompareStringOrdinal: code-unit comparison, RtlUpcaseUnicodeChar when ignoring case.
 *   GetFileInformationByHandleEx, SetFileInformationByHandle: the classes whose structures are
 *     the NT information classes' (basic, standard, name, attribute tag, directory listing;
 *     disposition, allocation, end of file) through NtQueryInformationFile,
 *     NtQueryDirectoryFile, NtSetInformationFile; other classes fail with
 *     ERROR_INVALID_PARAMETER, as on Windows versions that lack them (std then takes its older
 *     path: MoveFileExW, non-POSIX delete).
 *   CreateWaitableTimerExW: CreateWaitableTimerW; CREATE_WAITABLE_TIMER_HIGH_RESOLUTION fails
 *     with ERROR_INVALID_PARAMETER, as before Windows 10 1803 (std then sleeps with Sleep).
 *   CreateSymbolicLinkW, GetFinalPathNameByHandleW, InitializeProcThreadAttributeList,
 *   UpdateProcThreadAttribute: fail with ERROR_CALL_NOT_IMPLEMENTED (NT 5.2 has no symbolic
 *     links or attribute lists; ntlmssp never canonicalizes paths or starts processes);
 *     DeleteProcThreadAttributeList does nothing.
 * Facts from Microsoft's documentation of these functions and of the NT calls. */
#define WIN32_LEAN_AND_MEAN
#include <winsock2.h>
#include <windows.h>
#include <string.h>

/* --- symbols ----------------------------------------------------------------------------- */

#ifdef _WIN64
#define LINK_NAME(name, bytes) #name
#define IMP_NAME(name, bytes) "__imp_" #name
#else
#define LINK_NAME(name, bytes) "_" #name "@" #bytes
#define IMP_NAME(name, bytes) "__imp__" #name "@" #bytes
#endif

/* Declares THUNK (the definition below) under the import's symbol, and its __imp_ pointer. */
#define EXPORT_AS(ret, thunk, name, bytes, params)                                             \
    ret WINAPI thunk params __asm__(LINK_NAME(name, bytes));                                  \
    void *const thunk##_imp __asm__(IMP_NAME(name, bytes)) = (void *)thunk

/* The same for functions Rust declares with #[link(kind = "raw-dylib")]: on i686 (with
 * import_name_type = "undecorated") rustc names those Name and __imp_Name, without the stdcall
 * decoration, so they get both pairs of names there. */
#ifdef _WIN64
#define EXPORT_RAW_DYLIB EXPORT_AS
#else
#define EXPORT_RAW_DYLIB(ret, thunk, name, bytes, params)                                      \
    EXPORT_AS(ret, thunk, name, bytes, params);                                               \
    __asm__(".globl " #name "\n\t.set " #name ", " LINK_NAME(name, bytes));                   \
    void *const thunk##_imp_undecorated __asm__("__imp_" #name) = (void *)thunk
#endif

typedef LONG NTSTATUS;
#define NT_SUCCESS_ ((NTSTATUS)0)
#define NT_TIMEOUT_ ((NTSTATUS)0x00000102)
typedef struct {
    union {
        NTSTATUS Status;
        PVOID Pointer;
    };
    ULONG_PTR Information;
} NT52_IO_STATUS_BLOCK;

NTSTATUS NTAPI NtCreateKeyedEvent(PHANDLE, ACCESS_MASK, PVOID, ULONG);
NTSTATUS NTAPI NtWaitForKeyedEvent(HANDLE, PVOID, BOOLEAN, PLARGE_INTEGER);
NTSTATUS NTAPI NtReleaseKeyedEvent(HANDLE, PVOID, BOOLEAN, PLARGE_INTEGER);
NTSTATUS NTAPI NtQueryInformationFile(HANDLE, NT52_IO_STATUS_BLOCK *, PVOID, ULONG, int);
NTSTATUS NTAPI NtSetInformationFile(HANDLE, NT52_IO_STATUS_BLOCK *, PVOID, ULONG, int);
NTSTATUS NTAPI NtQueryDirectoryFile(HANDLE, HANDLE, PVOID, PVOID, NT52_IO_STATUS_BLOCK *, PVOID,
                                    ULONG, int, BOOLEAN, PVOID, BOOLEAN);
ULONG NTAPI RtlNtStatusToDosError(NTSTATUS);
WCHAR NTAPI RtlUpcaseUnicodeChar(WCHAR);
BOOLEAN WINAPI SystemFunction036(PVOID, ULONG);

/* tests/windows/nt52.c counts how often the rare paths ran. */
#ifdef NT52_TEST_COUNTERS
static LONG nt52_count_late_release, nt52_count_lock_sleep;
#define NT52_COUNT(counter) InterlockedIncrement(&nt52_count_##counter)
#else
#define NT52_COUNT(counter) ((void)0)
#endif

/* --- choosing native or fallback ------------------------------------------------------------ */

static LONG forced_state; /* 0 not read yet, 1 natives allowed, 2 fallbacks forced */

static void announce_forced(void) {
    static const char line[] =
        "ntlmssp: NTLMSSP_NT52_FALLBACKS=1: the NT 5.2 fallbacks stand in for every newer function\n";
    HANDLE err = GetStdHandle(STD_ERROR_HANDLE);
    DWORD written;
    if (err != NULL && err != INVALID_HANDLE_VALUE) WriteFile(err, line, sizeof line - 1, &written, NULL);
}

static BOOL fallbacks_forced(void) {
    LONG state = __atomic_load_n(&forced_state, __ATOMIC_ACQUIRE);
    if (state == 0) {
        WCHAR value[4];
        DWORD n = GetEnvironmentVariableW(L"NTLMSSP_NT52_FALLBACKS", value, 4);
        LONG mine = (n == 1 && value[0] == L'1') ? 2 : 1;
        LONG expected = 0;
        if (__atomic_compare_exchange_n(&forced_state, &expected, mine, 0, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE)) {
            state = mine;
            if (state == 2) announce_forced();
        } else {
            state = expected;
        }
    }
    return state == 2;
}

/* The mode is read when the DLL is loaded too, so that the line shows in every process that
 * loads it in the test mode, whichever functions it goes on to call. */
__attribute__((constructor)) static void read_mode_at_load(void) { (void)fallbacks_forced(); }

/* NAME from the first of MODULES (NULL-terminated) loaded in the process that exports it. */
static void *find_native(const char *name, const WCHAR *const *modules) {
    for (; *modules; modules++) {
        HMODULE m = GetModuleHandleW(*modules);
        FARPROC p = m ? GetProcAddress(m, name) : NULL;
        if (p) return (void *)p;
    }
    return NULL;
}

static const WCHAR *const kernel_modules[] = {L"kernel32.dll", L"kernelbase.dll", NULL};

/* A group of functions resolved together: every native found, or every fallback. */
struct thunk {
    const char *name;
    void *fallback;
    void *target; /* atomic; NULL until resolved */
};

static void resolve(struct thunk *group, int count, const WCHAR *const *modules) {
    void *native[4] = {NULL, NULL, NULL, NULL};
    BOOL all = TRUE;
    DWORD saved = GetLastError();
    int i;
    if (fallbacks_forced()) all = FALSE;
    for (i = 0; i < count && all; i++) {
        native[i] = find_native(group[i].name, modules);
        if (!native[i]) all = FALSE;
    }
    /* Every thread that gets here decides alike (the lookups see the same loaded modules), so
     * racing resolutions store the same pointers. */
    for (i = 0; i < count; i++)
        __atomic_store_n(&group[i].target, all ? native[i] : group[i].fallback, __ATOMIC_RELEASE);
    SetLastError(saved);
}

static void *target(struct thunk *group, int index, int count, const WCHAR *const *modules) {
    void *p = __atomic_load_n(&group[index].target, __ATOMIC_ACQUIRE);
    if (!p) {
        resolve(group, count, modules);
        p = __atomic_load_n(&group[index].target, __ATOMIC_ACQUIRE);
    }
    return p;
}

/* --- WaitOnAddress, WakeByAddressSingle, WakeByAddressAll ---------------------------------- */

#define KEYEDEVENT_ALL_ACCESS (STANDARD_RIGHTS_REQUIRED | 0x0003)
#define BUCKETS 64

struct waiter {
    const volatile void *address;
    struct waiter *prev, *next; /* in the bucket's list, under its lock */
    struct waiter *woken_next;  /* the waker's private list */
    BOOL queued;
};

struct bucket {
    LONG lock; /* bit 0 held, the rest twice the number of threads sleeping on it */
    struct waiter *head, *tail;
};

static struct bucket buckets[BUCKETS];
static HANDLE keyed_event; /* atomic; INVALID_HANDLE_VALUE when none can be had */

static HANDLE get_keyed_event(void) {
    HANDLE h = __atomic_load_n(&keyed_event, __ATOMIC_ACQUIRE);
    if (!h) {
        HANDLE mine = NULL, expected = NULL;
        if (NtCreateKeyedEvent(&mine, KEYEDEVENT_ALL_ACCESS, NULL, 0) != NT_SUCCESS_ || !mine)
            mine = INVALID_HANDLE_VALUE;
        if (__atomic_compare_exchange_n(&keyed_event, &expected, mine, 0, __ATOMIC_SEQ_CST,
                                        __ATOMIC_SEQ_CST)) {
            h = mine;
        } else {
            if (mine != INVALID_HANDLE_VALUE) CloseHandle(mine);
            h = expected;
        }
    }
    return h;
}

static struct bucket *bucket_of(const volatile void *address) {
    ULONG_PTR a = (ULONG_PTR)address;
    return &buckets[((a >> 2) * 0x9E3779B1u) % BUCKETS];
}

/* The bucket lock: a waiter adds 2 and sleeps on the lock word's address as key; unlocking with
 * sleepers clears the held bit and takes one off in one step, then releases one of them. */
static void bucket_lock(struct bucket *b, HANDLE ke) {
    int spins = 0;
    for (;;) {
        LONG v = __atomic_load_n(&b->lock, __ATOMIC_RELAXED);
        if (!(v & 1)) {
            if (__atomic_compare_exchange_n(&b->lock, &v, v | 1, 1, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
                return;
        } else if (spins < 200) {
            spins++;
            YieldProcessor();
        } else if (__atomic_compare_exchange_n(&b->lock, &v, v + 2, 1, __ATOMIC_RELAXED,
                                               __ATOMIC_RELAXED)) {
            NT52_COUNT(lock_sleep);
            NtWaitForKeyedEvent(ke, (PVOID)&b->lock, FALSE, NULL);
            spins = 0;
        }
    }
}

static void bucket_unlock(struct bucket *b, HANDLE ke) {
    LONG v = __atomic_load_n(&b->lock, __ATOMIC_RELAXED);
    for (;;) {
        if (v == 1) {
            if (__atomic_compare_exchange_n(&b->lock, &v, 0, 1, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
                return;
        } else if (__atomic_compare_exchange_n(&b->lock, &v, (v & ~1) - 2, 1, __ATOMIC_RELEASE,
                                               __ATOMIC_RELAXED)) {
            NtReleaseKeyedEvent(ke, (PVOID)&b->lock, FALSE, NULL);
            return;
        }
    }
}

static BOOL value_equals(const volatile void *address, const void *compare, SIZE_T size) {
    switch (size) {
    case 1: return *(const volatile BYTE *)address == *(const BYTE *)compare;
    case 2: return *(const volatile WORD *)address == *(const WORD *)compare;
    case 4: return *(const volatile DWORD *)address == *(const DWORD *)compare;
    default: return *(const volatile DWORD64 *)address == *(const DWORD64 *)compare;
    }
}

static BOOL WINAPI fallback_WaitOnAddress(volatile VOID *address, PVOID compare, SIZE_T size,
                                          DWORD milliseconds) {
    struct waiter self;
    struct bucket *b;
    LARGE_INTEGER timeout;
    NTSTATUS status;
    HANDLE ke;
    if (size != 1 && size != 2 && size != 4 && size != 8) {
        SetLastError(ERROR_INVALID_PARAMETER);
        return FALSE;
    }
    ke = get_keyed_event();
    if (ke == INVALID_HANDLE_VALUE) {
        if (!value_equals(address, compare, size)) return TRUE;
        if (milliseconds == 0) {
            SetLastError(ERROR_TIMEOUT);
            return FALSE;
        }
        Sleep(1);
        return TRUE;
    }
    b = bucket_of(address);
    bucket_lock(b, ke);
    if (!value_equals(address, compare, size)) {
        bucket_unlock(b, ke);
        return TRUE;
    }
    self.address = address;
    self.next = NULL;
    self.prev = b->tail;
    self.woken_next = NULL;
    self.queued = TRUE;
    if (b->tail) b->tail->next = &self;
    else b->head = &self;
    b->tail = &self;
    bucket_unlock(b, ke);

    timeout.QuadPart = -(LONGLONG)milliseconds * 10000;
    status = NtWaitForKeyedEvent(ke, &self, FALSE, milliseconds == INFINITE ? NULL : &timeout);
    if (status == NT_SUCCESS_) return TRUE;

    bucket_lock(b, ke);
    if (self.queued) {
        if (self.prev) self.prev->next = self.next;
        else b->head = self.next;
        if (self.next) self.next->prev = self.prev;
        else b->tail = self.prev;
        bucket_unlock(b, ke);
        if (status == NT_TIMEOUT_) {
            SetLastError(ERROR_TIMEOUT);
            return FALSE;
        }
        return TRUE;
    }
    /* A waker took this waiter off the list and is about to release its key: take that release,
     * or the waker would block for ever. */
    bucket_unlock(b, ke);
    NT52_COUNT(late_release);
    NtWaitForKeyedEvent(ke, &self, FALSE, NULL);
    return TRUE;
}

static void wake(const volatile void *address, BOOL all) {
    struct bucket *b;
    struct waiter *w, *next, *woken = NULL, **last = &woken;
    HANDLE ke;
    /* No keyed event yet: nobody has ever slept. The fence orders the caller's store to the value
     * before this load, against a first waiter's creation of the event before it reads the value
     * (both sequentially consistent): one of the two sees the other's write. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    ke = __atomic_load_n(&keyed_event, __ATOMIC_SEQ_CST);
    if (!ke || ke == INVALID_HANDLE_VALUE) return;
    b = bucket_of(address);
    bucket_lock(b, ke);
    for (w = b->head; w; w = next) {
        next = w->next;
        if (w->address != address) continue;
        if (w->prev) w->prev->next = w->next;
        else b->head = w->next;
        if (w->next) w->next->prev = w->prev;
        else b->tail = w->prev;
        w->queued = FALSE;
        *last = w;
        last = &w->woken_next;
        if (!all) break;
    }
    bucket_unlock(b, ke);
    /* A waiter's node lives on its stack until its release: read the link first. */
    for (w = woken; w; w = next) {
        next = w->woken_next;
        NtReleaseKeyedEvent(ke, w, FALSE, NULL);
    }
}

static VOID WINAPI fallback_WakeByAddressSingle(PVOID address) { wake(address, FALSE); }
static VOID WINAPI fallback_WakeByAddressAll(PVOID address) { wake(address, TRUE); }

static const WCHAR *const synch_modules[] = {L"kernelbase.dll", L"kernel32.dll", NULL};
static struct thunk synch[] = {
    {"WaitOnAddress", (void *)fallback_WaitOnAddress, NULL},
    {"WakeByAddressSingle", (void *)fallback_WakeByAddressSingle, NULL},
    {"WakeByAddressAll", (void *)fallback_WakeByAddressAll, NULL},
};
typedef BOOL(WINAPI *wait_on_address_fn)(volatile VOID *, PVOID, SIZE_T, DWORD);
typedef VOID(WINAPI *wake_by_address_fn)(PVOID);

EXPORT_RAW_DYLIB(BOOL, thunk_WaitOnAddress, WaitOnAddress, 16,
          (volatile VOID *address, PVOID compare, SIZE_T size, DWORD milliseconds));
BOOL WINAPI thunk_WaitOnAddress(volatile VOID *address, PVOID compare, SIZE_T size, DWORD milliseconds) {
    return ((wait_on_address_fn)target(synch, 0, 3, synch_modules))(address, compare, size, milliseconds);
}
EXPORT_RAW_DYLIB(VOID, thunk_WakeByAddressSingle, WakeByAddressSingle, 4, (PVOID address));
VOID WINAPI thunk_WakeByAddressSingle(PVOID address) {
    ((wake_by_address_fn)target(synch, 1, 3, synch_modules))(address);
}
EXPORT_RAW_DYLIB(VOID, thunk_WakeByAddressAll, WakeByAddressAll, 4, (PVOID address));
VOID WINAPI thunk_WakeByAddressAll(PVOID address) {
    ((wake_by_address_fn)target(synch, 2, 3, synch_modules))(address);
}

/* --- InitOnceBeginInitialize, InitOnceComplete ------------------------------------------------ */

#define INIT_ONCE_CHECK_ONLY_ 0x1
#define INIT_ONCE_ASYNC_ 0x2
#define INIT_ONCE_INIT_FAILED_ 0x4
#define ONCE_NEW 0
#define ONCE_RUNNING 1
#define ONCE_DONE 2
#define ONCE_ASYNC 3

static BOOL WINAPI fallback_InitOnceBeginInitialize(PVOID *once, DWORD flags, PBOOL pending,
                                                    LPVOID *context) {
    if (!once || !pending || (flags & ~(INIT_ONCE_CHECK_ONLY_ | INIT_ONCE_ASYNC_)) ||
        flags == (INIT_ONCE_CHECK_ONLY_ | INIT_ONCE_ASYNC_)) {
        SetLastError(ERROR_INVALID_PARAMETER);
        return FALSE;
    }
    for (;;) {
        PVOID cur = __atomic_load_n(once, __ATOMIC_ACQUIRE);
        ULONG_PTR v = (ULONG_PTR)cur;
        switch (v & 3) {
        case ONCE_DONE:
            *pending = FALSE;
            if (context) *context = (LPVOID)(v & ~(ULONG_PTR)3);
            return TRUE;
        case ONCE_NEW:
            if (flags & INIT_ONCE_CHECK_ONLY_) {
                SetLastError(ERROR_GEN_FAILURE);
                return FALSE;
            }
            if (__atomic_compare_exchange_n(once, &cur,
                                            (PVOID)(ULONG_PTR)((flags & INIT_ONCE_ASYNC_) ? ONCE_ASYNC : ONCE_RUNNING),
                                            0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
                *pending = TRUE;
                return TRUE;
            }
            break;
        case ONCE_RUNNING:
            if (flags & INIT_ONCE_CHECK_ONLY_) {
                SetLastError(ERROR_GEN_FAILURE);
                return FALSE;
            }
            if (flags & INIT_ONCE_ASYNC_) {
                SetLastError(ERROR_INVALID_PARAMETER);
                return FALSE;
            }
            thunk_WaitOnAddress(once, &cur, sizeof cur, INFINITE);
            break;
        case ONCE_ASYNC:
            if (flags & INIT_ONCE_CHECK_ONLY_) {
                SetLastError(ERROR_GEN_FAILURE);
                return FALSE;
            }
            if (!(flags & INIT_ONCE_ASYNC_)) {
                SetLastError(ERROR_INVALID_PARAMETER);
                return FALSE;
            }
            *pending = TRUE;
            return TRUE;
        }
    }
}

static BOOL WINAPI fallback_InitOnceComplete(PVOID *once, DWORD flags, LPVOID context) {
    PVOID done = (PVOID)((ULONG_PTR)context | ONCE_DONE), cur;
    if (!once || (flags & ~(INIT_ONCE_ASYNC_ | INIT_ONCE_INIT_FAILED_)) ||
        flags == (INIT_ONCE_ASYNC_ | INIT_ONCE_INIT_FAILED_) || ((ULONG_PTR)context & 3) ||
        ((flags & INIT_ONCE_INIT_FAILED_) && context)) {
        SetLastError(ERROR_INVALID_PARAMETER);
        return FALSE;
    }
    if (flags & INIT_ONCE_ASYNC_) {
        cur = (PVOID)ONCE_ASYNC;
        if (__atomic_compare_exchange_n(once, &cur, done, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
            return TRUE;
        /* Another asynchronous initializer completed first: the caller discards its context. */
        SetLastError(((ULONG_PTR)cur & 3) == ONCE_DONE ? ERROR_GEN_FAILURE : ERROR_INVALID_PARAMETER);
        return FALSE;
    }
    cur = (PVOID)ONCE_RUNNING;
    if (!__atomic_compare_exchange_n(once, &cur, (flags & INIT_ONCE_INIT_FAILED_) ? (PVOID)ONCE_NEW : done,
                                     0, __ATOMIC_RELEASE, __ATOMIC_RELAXED)) {
        SetLastError(ERROR_INVALID_PARAMETER);
        return FALSE;
    }
    thunk_WakeByAddressAll(once);
    return TRUE;
}

static struct thunk init_once[] = {
    {"InitOnceBeginInitialize", (void *)fallback_InitOnceBeginInitialize, NULL},
    {"InitOnceComplete", (void *)fallback_InitOnceComplete, NULL},
};
typedef BOOL(WINAPI *init_once_begin_fn)(PVOID *, DWORD, PBOOL, LPVOID *);
typedef BOOL(WINAPI *init_once_complete_fn)(PVOID *, DWORD, LPVOID);

EXPORT_AS(BOOL, thunk_InitOnceBeginInitialize, InitOnceBeginInitialize, 16,
          (PVOID *once, DWORD flags, PBOOL pending, LPVOID *context));
BOOL WINAPI thunk_InitOnceBeginInitialize(PVOID *once, DWORD flags, PBOOL pending, LPVOID *context) {
    return ((init_once_begin_fn)target(init_once, 0, 2, kernel_modules))(once, flags, pending, context);
}
EXPORT_AS(BOOL, thunk_InitOnceComplete, InitOnceComplete, 12, (PVOID *once, DWORD flags, LPVOID context));
BOOL WINAPI thunk_InitOnceComplete(PVOID *once, DWORD flags, LPVOID context) {
    return ((init_once_complete_fn)target(init_once, 1, 2, kernel_modules))(once, flags, context);
}

/* --- ProcessPrng -------------------------------------------------------------------------------- */

static BOOL WINAPI fallback_ProcessPrng(PBYTE data, SIZE_T len) {
    while (len > 0) {
        ULONG chunk = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!SystemFunction036(data, chunk)) {
            static const char line[] = "ntlmssp: the system's random number generator failed\n";
            DWORD written;
            HANDLE err = GetStdHandle(STD_ERROR_HANDLE);
            if (err != NULL && err != INVALID_HANDLE_VALUE)
                WriteFile(err, line, sizeof line - 1, &written, NULL);
            TerminateProcess(GetCurrentProcess(), ERROR_INTERNAL_ERROR);
        }
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}

/* bcryptprimitives.dll by its full path in the system directory: a DLL of that name beside the
 * program or in the current directory is not taken for the system's. */
static void *native_process_prng(void) {
    WCHAR path[MAX_PATH];
    static const WCHAR name[] = L"\\bcryptprimitives.dll";
    UINT n;
    HMODULE m;
    if (fallbacks_forced()) return NULL;
    m = GetModuleHandleW(name + 1);
    if (!m) {
        n = GetSystemDirectoryW(path, MAX_PATH);
        if (n == 0 || n + sizeof name / sizeof name[0] > MAX_PATH) return NULL;
        memcpy(path + n, name, sizeof name);
        m = LoadLibraryW(path);
    }
    return m ? (void *)GetProcAddress(m, "ProcessPrng") : NULL;
}

typedef BOOL(WINAPI *process_prng_fn)(PBYTE, SIZE_T);
static process_prng_fn process_prng; /* atomic */

EXPORT_RAW_DYLIB(BOOL, thunk_ProcessPrng, ProcessPrng, 8, (PBYTE data, SIZE_T len));
BOOL WINAPI thunk_ProcessPrng(PBYTE data, SIZE_T len) {
    process_prng_fn f = __atomic_load_n(&process_prng, __ATOMIC_ACQUIRE);
    if (!f) {
        DWORD saved = GetLastError();
        f = (process_prng_fn)native_process_prng();
        if (!f) f = fallback_ProcessPrng;
        __atomic_store_n(&process_prng, f, __ATOMIC_RELEASE);
        SetLastError(saved);
    }
    return f(data, len);
}

/* --- GetSystemTimePreciseAsFileTime, GetHostNameW, CompareStringOrdinal ------------------------ */

static VOID WINAPI fallback_GetSystemTimePreciseAsFileTime(LPFILETIME time) {
    GetSystemTimeAsFileTime(time);
}
static struct thunk precise_time[] = {
    {"GetSystemTimePreciseAsFileTime", (void *)fallback_GetSystemTimePreciseAsFileTime, NULL},
};
typedef VOID(WINAPI *precise_time_fn)(LPFILETIME);
EXPORT_AS(VOID, thunk_GetSystemTimePreciseAsFileTime, GetSystemTimePreciseAsFileTime, 4, (LPFILETIME time));
VOID WINAPI thunk_GetSystemTimePreciseAsFileTime(LPFILETIME time) {
    ((precise_time_fn)target(precise_time, 0, 1, kernel_modules))(time);
}

static int WINAPI fallback_GetHostNameW(PWSTR name, int namelen) {
    char ansi[256 + 1];
    int needed;
    if (!name || namelen <= 0) {
        WSASetLastError(WSAEFAULT);
        return SOCKET_ERROR;
    }
    if (gethostname(ansi, sizeof ansi) != 0) return SOCKET_ERROR;
    needed = MultiByteToWideChar(CP_ACP, 0, ansi, -1, NULL, 0);
    if (needed <= 0 || needed > namelen) {
        WSASetLastError(WSAEFAULT);
        return SOCKET_ERROR;
    }
    MultiByteToWideChar(CP_ACP, 0, ansi, -1, name, namelen);
    return 0;
}
static const WCHAR *const ws2_modules[] = {L"ws2_32.dll", NULL};
static struct thunk host_name[] = {{"GetHostNameW", (void *)fallback_GetHostNameW, NULL}};
typedef int(WINAPI *host_name_fn)(PWSTR, int);
EXPORT_AS(int, thunk_GetHostNameW, GetHostNameW, 8, (PWSTR name, int namelen));
int WINAPI thunk_GetHostNameW(PWSTR name, int namelen) {
    return ((host_name_fn)target(host_name, 0, 1, ws2_modules))(name, namelen);
}

#define CSTR_LESS_THAN_ 1
#define CSTR_EQUAL_ 2
#define CSTR_GREATER_THAN_ 3

static int WINAPI fallback_CompareStringOrdinal(LPCWCH a, int alen, LPCWCH b, int blen, BOOL ignore_case) {
    int i, n;
    if (!a || !b) {
        SetLastError(ERROR_INVALID_PARAMETER);
        return 0;
    }
    if (alen < 0) alen = lstrlenW(a);
    if (blen < 0) blen = lstrlenW(b);
    n = alen < blen ? alen : blen;
    for (i = 0; i < n; i++) {
        WCHAR x = a[i], y = b[i];
        if (ignore_case) {
            x = RtlUpcaseUnicodeChar(x);
            y = RtlUpcaseUnicodeChar(y);
        }
        if (x != y) return x < y ? CSTR_LESS_THAN_ : CSTR_GREATER_THAN_;
    }
    return alen < blen ? CSTR_LESS_THAN_ : alen > blen ? CSTR_GREATER_THAN_ : CSTR_EQUAL_;
}
static struct thunk compare_ordinal[] = {
    {"CompareStringOrdinal", (void *)fallback_CompareStringOrdinal, NULL},
};
typedef int(WINAPI *compare_ordinal_fn)(LPCWCH, int, LPCWCH, int, BOOL);
EXPORT_AS(int, thunk_CompareStringOrdinal, CompareStringOrdinal, 20,
          (LPCWCH a, int alen, LPCWCH b, int blen, BOOL ignore_case));
int WINAPI thunk_CompareStringOrdinal(LPCWCH a, int alen, LPCWCH b, int blen, BOOL ignore_case) {
    return ((compare_ordinal_fn)target(compare_ordinal, 0, 1, kernel_modules))(a, alen, b, blen, ignore_case);
}

/* --- GetFileInformationByHandleEx, SetFileInformationByHandle -------------------------------- */

/* FILE_INFO_BY_HANDLE_CLASS values whose structures are the NT information classes' (the same
 * layout), and those classes. */
enum {
    FileBasicInfo_ = 0,
    FileStandardInfo_ = 1,
    FileNameInfo_ = 2,
    FileDispositionInfo_ = 4,
    FileAllocationInfo_ = 5,
    FileEndOfFileInfo_ = 6,
    FileAttributeTagInfo_ = 9,
    FileIdBothDirectoryInfo_ = 10,
    FileIdBothDirectoryRestartInfo_ = 11,
};
static const int query_classes[][2] = {
    {FileBasicInfo_, 4 /* FileBasicInformation */},
    {FileStandardInfo_, 5 /* FileStandardInformation */},
    {FileNameInfo_, 9 /* FileNameInformation */},
    {FileAttributeTagInfo_, 35 /* FileAttributeTagInformation */},
};
static const int set_classes[][2] = {
    {FileBasicInfo_, 4 /* FileBasicInformation */},
    {FileDispositionInfo_, 13 /* FileDispositionInformation */},
    {FileAllocationInfo_, 19 /* FileAllocationInformation */},
    {FileEndOfFileInfo_, 20 /* FileEndOfFileInformation */},
};
#define FileIdBothDirectoryInformation_ 37

/* The NT class for KLASS, or -1 with ERROR_INVALID_PARAMETER. */
static int nt_class(int klass, const int (*classes)[2], int count) {
    int i;
    for (i = 0; i < count; i++)
        if (classes[i][0] == klass) return classes[i][1];
    SetLastError(ERROR_INVALID_PARAMETER);
    return -1;
}

static BOOL nt_result(NTSTATUS status) {
    if (status >= 0) return TRUE;
    SetLastError(RtlNtStatusToDosError(status));
    return FALSE;
}

static BOOL WINAPI fallback_GetFileInformationByHandleEx(HANDLE file, int klass, LPVOID info, DWORD size) {
    NT52_IO_STATUS_BLOCK io;
    int nt;
    if (klass == FileIdBothDirectoryInfo_ || klass == FileIdBothDirectoryRestartInfo_)
        return nt_result(NtQueryDirectoryFile(file, NULL, NULL, NULL, &io, info, size,
                                              FileIdBothDirectoryInformation_, FALSE, NULL,
                                              klass == FileIdBothDirectoryRestartInfo_));
    nt = nt_class(klass, query_classes, sizeof query_classes / sizeof query_classes[0]);
    return nt >= 0 && nt_result(NtQueryInformationFile(file, &io, info, size, nt));
}

static BOOL WINAPI fallback_SetFileInformationByHandle(HANDLE file, int klass, LPVOID info, DWORD size) {
    NT52_IO_STATUS_BLOCK io;
    int nt = nt_class(klass, set_classes, sizeof set_classes / sizeof set_classes[0]);
    return nt >= 0 && nt_result(NtSetInformationFile(file, &io, info, size, nt));
}

static struct thunk file_info_get[] = {
    {"GetFileInformationByHandleEx", (void *)fallback_GetFileInformationByHandleEx, NULL},
};
static struct thunk file_info_set[] = {
    {"SetFileInformationByHandle", (void *)fallback_SetFileInformationByHandle, NULL},
};
typedef BOOL(WINAPI *file_info_fn)(HANDLE, int, LPVOID, DWORD);
EXPORT_AS(BOOL, thunk_GetFileInformationByHandleEx, GetFileInformationByHandleEx, 16,
          (HANDLE file, int klass, LPVOID info, DWORD size));
BOOL WINAPI thunk_GetFileInformationByHandleEx(HANDLE file, int klass, LPVOID info, DWORD size) {
    return ((file_info_fn)target(file_info_get, 0, 1, kernel_modules))(file, klass, info, size);
}
EXPORT_AS(BOOL, thunk_SetFileInformationByHandle, SetFileInformationByHandle, 16,
          (HANDLE file, int klass, LPVOID info, DWORD size));
BOOL WINAPI thunk_SetFileInformationByHandle(HANDLE file, int klass, LPVOID info, DWORD size) {
    return ((file_info_fn)target(file_info_set, 0, 1, kernel_modules))(file, klass, info, size);
}

/* --- CreateWaitableTimerExW ----------------------------------------------------------------- */

#define CREATE_WAITABLE_TIMER_MANUAL_RESET_ 0x1

static HANDLE WINAPI fallback_CreateWaitableTimerExW(LPSECURITY_ATTRIBUTES attributes, LPCWSTR name,
                                                     DWORD flags, DWORD access) {
    (void)access;
    if (flags & ~CREATE_WAITABLE_TIMER_MANUAL_RESET_) {
        SetLastError(ERROR_INVALID_PARAMETER);
        return NULL;
    }
    return CreateWaitableTimerW(attributes, (flags & CREATE_WAITABLE_TIMER_MANUAL_RESET_) != 0, name);
}
static struct thunk waitable_timer[] = {
    {"CreateWaitableTimerExW", (void *)fallback_CreateWaitableTimerExW, NULL},
};
typedef HANDLE(WINAPI *waitable_timer_fn)(LPSECURITY_ATTRIBUTES, LPCWSTR, DWORD, DWORD);
EXPORT_AS(HANDLE, thunk_CreateWaitableTimerExW, CreateWaitableTimerExW, 16,
          (LPSECURITY_ATTRIBUTES attributes, LPCWSTR name, DWORD flags, DWORD access));
HANDLE WINAPI thunk_CreateWaitableTimerExW(LPSECURITY_ATTRIBUTES attributes, LPCWSTR name, DWORD flags,
                                           DWORD access) {
    return ((waitable_timer_fn)target(waitable_timer, 0, 1, kernel_modules))(attributes, name, flags, access);
}

/* --- not available at NT 5.2 ----------------------------------------------------------------- */

static BOOLEAN WINAPI fallback_CreateSymbolicLinkW(LPCWSTR link, LPCWSTR target_path, DWORD flags) {
    (void)link, (void)target_path, (void)flags;
    SetLastError(ERROR_CALL_NOT_IMPLEMENTED);
    return FALSE;
}
static struct thunk symlink[] = {{"CreateSymbolicLinkW", (void *)fallback_CreateSymbolicLinkW, NULL}};
typedef BOOLEAN(WINAPI *symlink_fn)(LPCWSTR, LPCWSTR, DWORD);
EXPORT_AS(BOOLEAN, thunk_CreateSymbolicLinkW, CreateSymbolicLinkW, 12,
          (LPCWSTR link, LPCWSTR target_path, DWORD flags));
BOOLEAN WINAPI thunk_CreateSymbolicLinkW(LPCWSTR link, LPCWSTR target_path, DWORD flags) {
    return ((symlink_fn)target(symlink, 0, 1, kernel_modules))(link, target_path, flags);
}

static DWORD WINAPI fallback_GetFinalPathNameByHandleW(HANDLE file, LPWSTR path, DWORD len, DWORD flags) {
    (void)file, (void)path, (void)len, (void)flags;
    SetLastError(ERROR_CALL_NOT_IMPLEMENTED);
    return 0;
}
static struct thunk final_path[] = {
    {"GetFinalPathNameByHandleW", (void *)fallback_GetFinalPathNameByHandleW, NULL},
};
typedef DWORD(WINAPI *final_path_fn)(HANDLE, LPWSTR, DWORD, DWORD);
EXPORT_AS(DWORD, thunk_GetFinalPathNameByHandleW, GetFinalPathNameByHandleW, 16,
          (HANDLE file, LPWSTR path, DWORD len, DWORD flags));
DWORD WINAPI thunk_GetFinalPathNameByHandleW(HANDLE file, LPWSTR path, DWORD len, DWORD flags) {
    return ((final_path_fn)target(final_path, 0, 1, kernel_modules))(file, path, len, flags);
}

static BOOL WINAPI fallback_InitializeProcThreadAttributeList(PVOID list, DWORD count, DWORD flags,
                                                              PSIZE_T size) {
    (void)list, (void)count, (void)flags, (void)size;
    SetLastError(ERROR_CALL_NOT_IMPLEMENTED);
    return FALSE;
}
static BOOL WINAPI fallback_UpdateProcThreadAttribute(PVOID list, DWORD flags, DWORD_PTR attribute,
                                                      PVOID value, SIZE_T size, PVOID previous,
                                                      PSIZE_T returned) {
    (void)list, (void)flags, (void)attribute, (void)value, (void)size, (void)previous, (void)returned;
    SetLastError(ERROR_CALL_NOT_IMPLEMENTED);
    return FALSE;
}
static VOID WINAPI fallback_DeleteProcThreadAttributeList(PVOID list) { (void)list; }
static struct thunk attribute_list[] = {
    {"InitializeProcThreadAttributeList", (void *)fallback_InitializeProcThreadAttributeList, NULL},
    {"UpdateProcThreadAttribute", (void *)fallback_UpdateProcThreadAttribute, NULL},
    {"DeleteProcThreadAttributeList", (void *)fallback_DeleteProcThreadAttributeList, NULL},
};
typedef BOOL(WINAPI *init_attributes_fn)(PVOID, DWORD, DWORD, PSIZE_T);
typedef BOOL(WINAPI *update_attribute_fn)(PVOID, DWORD, DWORD_PTR, PVOID, SIZE_T, PVOID, PSIZE_T);
typedef VOID(WINAPI *delete_attributes_fn)(PVOID);
EXPORT_AS(BOOL, thunk_InitializeProcThreadAttributeList, InitializeProcThreadAttributeList, 16,
          (PVOID list, DWORD count, DWORD flags, PSIZE_T size));
BOOL WINAPI thunk_InitializeProcThreadAttributeList(PVOID list, DWORD count, DWORD flags, PSIZE_T size) {
    return ((init_attributes_fn)target(attribute_list, 0, 3, kernel_modules))(list, count, flags, size);
}
EXPORT_AS(BOOL, thunk_UpdateProcThreadAttribute, UpdateProcThreadAttribute, 28,
          (PVOID list, DWORD flags, DWORD_PTR attribute, PVOID value, SIZE_T size, PVOID previous,
           PSIZE_T returned));
BOOL WINAPI thunk_UpdateProcThreadAttribute(PVOID list, DWORD flags, DWORD_PTR attribute, PVOID value,
                                            SIZE_T size, PVOID previous, PSIZE_T returned) {
    return ((update_attribute_fn)target(attribute_list, 1, 3, kernel_modules))(list, flags, attribute, value,
                                                                               size, previous, returned);
}
EXPORT_AS(VOID, thunk_DeleteProcThreadAttributeList, DeleteProcThreadAttributeList, 4, (PVOID list));
VOID WINAPI thunk_DeleteProcThreadAttributeList(PVOID list) {
    ((delete_attributes_fn)target(attribute_list, 2, 3, kernel_modules))(list);
}
