/* A minimal NTLM client: authenticates an explicit identity (user, domain, password from the
 * command line) against a server context in the same process, then prints what was
 * negotiated. Written exactly as for Windows SSPI. */
#define SECURITY_WIN32
#include <security.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct { ULONG bit; const char *name; } ATTRS[] = {
    {ISC_RET_MUTUAL_AUTH, "MUTUAL_AUTH"}, {ISC_RET_REPLAY_DETECT, "REPLAY_DETECT"},
    {ISC_RET_SEQUENCE_DETECT, "SEQUENCE_DETECT"}, {ISC_RET_CONFIDENTIALITY, "CONFIDENTIALITY"},
    {ISC_RET_ALLOCATED_MEMORY, "ALLOCATED_MEMORY"}, {ISC_RET_DATAGRAM, "DATAGRAM"},
    {ISC_RET_CONNECTION, "CONNECTION"}, {ISC_RET_INTEGRITY, "INTEGRITY"},
};

int main(int argc, char **argv) {
    SEC_WINNT_AUTH_IDENTITY_A id;
    CredHandle client_cred, server_cred;
    CtxtHandle client, server;
    SecBuffer out = {0, SECBUFFER_TOKEN, NULL}, in;
    SecBufferDesc out_desc = {SECBUFFER_VERSION, 1, &out}, in_desc = {SECBUFFER_VERSION, 1, &in};
    ULONG req = ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_MUTUAL_AUTH;
    ULONG attrs = 0, server_attrs = 0;
    TimeStamp expiry;
    SECURITY_STATUS s;
    SecPkgContext_NamesA names;
    SecPkgContext_KeyInfoA key;
    char path[] = "/tmp/ntlmssp-example-XXXXXX";
    FILE *f;
    size_t i;
    int fd;

    if (argc != 4) {
        fprintf(stderr, "usage: %s USER DOMAIN PASSWORD\n", argv[0]);
        return 2;
    }
    /* The server side reads its users from NTLM_USER_FILE. */
    fd = mkstemp(path);
    f = fdopen(fd, "w");
    fprintf(f, "%s:%s:%s\n", argv[2], argv[1], argv[3]);
    fclose(f);
    setenv("NTLM_USER_FILE", path, 1);

    memset(&id, 0, sizeof id);
    id.User = (unsigned char *)argv[1]; id.UserLength = (ULONG)strlen(argv[1]);
    id.Domain = (unsigned char *)argv[2]; id.DomainLength = (ULONG)strlen(argv[2]);
    id.Password = (unsigned char *)argv[3]; id.PasswordLength = (ULONG)strlen(argv[3]);
    id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    if (AcquireCredentialsHandleA(NULL, (LPSTR) "NTLM", SECPKG_CRED_OUTBOUND, NULL, &id, NULL, NULL, &client_cred, &expiry) != SEC_E_OK ||
        AcquireCredentialsHandleA(NULL, (LPSTR) "NTLM", SECPKG_CRED_INBOUND, NULL, NULL, NULL, NULL, &server_cred, &expiry) != SEC_E_OK) {
        fprintf(stderr, "AcquireCredentialsHandle failed\n");
        return 1;
    }

    s = InitializeSecurityContextA(&client_cred, NULL, (SEC_CHAR *)"HOST/localhost", req, 0, SECURITY_NATIVE_DREP, NULL, 0, &client,
                                   &out_desc, &attrs, &expiry);
    while (s == SEC_I_CONTINUE_NEEDED) {
        SecBuffer reply = {0, SECBUFFER_TOKEN, NULL};
        SecBufferDesc reply_desc = {SECBUFFER_VERSION, 1, &reply};
        SECURITY_STATUS a;
        in = out;
        a = AcceptSecurityContext(&server_cred, server_attrs ? &server : NULL, &in_desc, ASC_REQ_ALLOCATE_MEMORY, SECURITY_NATIVE_DREP,
                                  &server, &reply_desc, &server_attrs, &expiry);
        FreeContextBuffer(out.pvBuffer);
        out.pvBuffer = NULL;
        if (a != SEC_I_CONTINUE_NEEDED) {
            fprintf(stderr, "AcceptSecurityContext: 0x%08x\n", (unsigned)a);
            return 1;
        }
        in = reply;
        out.cbBuffer = 0;
        s = InitializeSecurityContextA(&client_cred, &client, (SEC_CHAR *)"HOST/localhost", req, 0, SECURITY_NATIVE_DREP, &in_desc, 0,
                                       &client, &out_desc, &attrs, &expiry);
        FreeContextBuffer(reply.pvBuffer);
        if (s == SEC_E_OK) {
            in = out;
            a = AcceptSecurityContext(&server_cred, &server, &in_desc, 0, SECURITY_NATIVE_DREP, &server, NULL, &server_attrs, &expiry);
            FreeContextBuffer(out.pvBuffer);
            if (a != SEC_E_OK) {
                fprintf(stderr, "logon refused: 0x%08x\n", (unsigned)a);
                return 1;
            }
        }
    }
    if (s != SEC_E_OK) {
        fprintf(stderr, "InitializeSecurityContext: 0x%08x\n", (unsigned)s);
        return 1;
    }
    QueryContextAttributesA(&server, SECPKG_ATTR_NAMES, &names);
    QueryContextAttributesA(&client, SECPKG_ATTR_KEY_INFO, &key);
    printf("authenticated as %s\nattributes 0x%x:", names.sUserName, (unsigned)attrs);
    for (i = 0; i < sizeof ATTRS / sizeof ATTRS[0]; i++)
        if (attrs & ATTRS[i].bit) printf(" %s", ATTRS[i].name);
    printf("\nsealing %s %lu-bit, signing %s\n", key.sEncryptAlgorithmName, (unsigned long)key.KeySize, key.sSignatureAlgorithmName);
    FreeContextBuffer(names.sUserName);
    FreeContextBuffer(key.sEncryptAlgorithmName);
    FreeContextBuffer(key.sSignatureAlgorithmName);
    DeleteSecurityContext(&client);
    DeleteSecurityContext(&server);
    FreeCredentialsHandle(&client_cred);
    FreeCredentialsHandle(&server_cred);
    remove(path);
    return 0;
}
