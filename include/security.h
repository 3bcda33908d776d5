/* <security.h> for the ntlmssp NTLM security package: Windows SSPI programs include this
 * (after `#define SECURITY_WIN32`) and compile unchanged. */
#ifndef NTLMSSP_SECURITY_H
#define NTLMSSP_SECURITY_H
#include "sspi.h"
#endif
