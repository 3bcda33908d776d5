/* What every function of interpose_stub.c returns: a status no SSPI function returns. */
#define SENTINEL_STATUS ((SECURITY_STATUS)0x7e57c0de)
