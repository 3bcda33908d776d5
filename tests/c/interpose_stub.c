/* A stand-in for another SSPI library in the same process (WinPR's libwinpr2 in FreeRDP exports
 * the same names): every function returns SENTINEL_STATUS. interpose.c links it ahead of
 * libntlmssp, so its definitions come first in the global symbol scope. */
#define SECURITY_WIN32
#include <security.h>

#include "interpose_stub.h"

#define STUB(name, params) SECURITY_STATUS SEC_ENTRY name params { return SENTINEL_STATUS; }

STUB(AcquireCredentialsHandleW, (LPWSTR a, LPWSTR b, ULONG c, PVOID d, PVOID e, SEC_GET_KEY_FN f, PVOID g, PCredHandle h, PTimeStamp i))
STUB(AcquireCredentialsHandleA, (LPSTR a, LPSTR b, ULONG c, PVOID d, PVOID e, SEC_GET_KEY_FN f, PVOID g, PCredHandle h, PTimeStamp i))
STUB(FreeCredentialsHandle, (PCredHandle a))
STUB(InitializeSecurityContextW, (PCredHandle a, PCtxtHandle b, SEC_WCHAR *c, ULONG d, ULONG e, ULONG f, PSecBufferDesc g, ULONG h,
                                  PCtxtHandle i, PSecBufferDesc j, PULONG k, PTimeStamp l))
STUB(InitializeSecurityContextA, (PCredHandle a, PCtxtHandle b, SEC_CHAR *c, ULONG d, ULONG e, ULONG f, PSecBufferDesc g, ULONG h,
                                  PCtxtHandle i, PSecBufferDesc j, PULONG k, PTimeStamp l))
STUB(AcceptSecurityContext, (PCredHandle a, PCtxtHandle b, PSecBufferDesc c, ULONG d, ULONG e, PCtxtHandle f, PSecBufferDesc g,
                             PULONG h, PTimeStamp i))
STUB(DeleteSecurityContext, (PCtxtHandle a))
STUB(FreeContextBuffer, (PVOID a))
STUB(QueryContextAttributesW, (PCtxtHandle a, ULONG b, PVOID c))
STUB(QueryContextAttributesA, (PCtxtHandle a, ULONG b, PVOID c))
STUB(MakeSignature, (PCtxtHandle a, ULONG b, PSecBufferDesc c, ULONG d))
STUB(VerifySignature, (PCtxtHandle a, PSecBufferDesc b, ULONG c, PULONG d))
STUB(EncryptMessage, (PCtxtHandle a, ULONG b, PSecBufferDesc c, ULONG d))
STUB(DecryptMessage, (PCtxtHandle a, PSecBufferDesc b, ULONG c, PULONG d))
STUB(QuerySecurityPackageInfoW, (LPWSTR a, PSecPkgInfoW *b))
STUB(EnumerateSecurityPackagesW, (PULONG a, PSecPkgInfoW *b))

PSecurityFunctionTableW SEC_ENTRY InitSecurityInterfaceW(void) { return NULL; }
PSecurityFunctionTableA SEC_ENTRY InitSecurityInterfaceA(void) { return NULL; }
