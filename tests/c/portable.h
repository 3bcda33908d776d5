/* What the C tests need from the operating system, for POSIX and for Windows (mingw-w64, run
 * under Wine in CI), so that the same harness sources build for both. */
#ifndef NTLMSSP_TESTS_PORTABLE_H
#define NTLMSSP_TESTS_PORTABLE_H

#include <stdio.h>

#ifdef _WIN32
#include <windows.h>

/* SetEnvironmentVariable, not the C runtime's copy: the library reads the process environment. */
static inline void env_set(const char *name, const char *value) { SetEnvironmentVariableA(name, value); }
static inline void env_unset(const char *name) { SetEnvironmentVariableA(name, NULL); }

static inline void temp_path(char *out, size_t cap, const char *name) {
    char dir[MAX_PATH];
    DWORD n = GetTempPathA(sizeof dir, dir);
    snprintf(out, cap, "%s%s-%lu", n ? dir : ".\\", name, (unsigned long)GetCurrentProcessId());
}

/* The library module, whose exports GetProcAddress finds. */
static inline void *library_module(void) { return (void *)GetModuleHandleA("ntlmssp.dll"); }
static inline void *library_symbol(void *module, const char *name) {
    return (void *)GetProcAddress((HMODULE)module, name);
}
static inline void library_release(void *module) { (void)module; }

#else
#include <dlfcn.h>
#include <stdlib.h>
#include <unistd.h>

static inline void env_set(const char *name, const char *value) { setenv(name, value, 1); }
static inline void env_unset(const char *name) { unsetenv(name); }

static inline void temp_path(char *out, size_t cap, const char *name) {
    const char *dir = getenv("TMPDIR");
    snprintf(out, cap, "%s/%s-%d", dir && *dir ? dir : "/tmp", name, (int)getpid());
}

static inline void *library_module(void) { return dlopen(NULL, RTLD_NOW); }
static inline void *library_symbol(void *module, const char *name) { return dlsym(module, name); }
static inline void library_release(void *module) { dlclose(module); }
#endif

#endif
