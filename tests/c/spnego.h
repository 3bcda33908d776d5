/* SPNEGO tokens (RFC 4178) written and read by hand, for the C checks of the Negotiate package:
 * a few DER helpers, enough to build NegTokenInit/NegTokenResp variants the library must accept
 * or refuse, and to find a field in its answers. */
#ifndef NTLMSSP_TESTS_SPNEGO_H
#define NTLMSSP_TESTS_SPNEGO_H

#include <string.h>

/* MechType OIDs, DER-encoded. */
static const unsigned char OID_NTLMSSP[] = {0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a};
static const unsigned char OID_MS_KRB5[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02};
static const unsigned char OID_KRB5[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02};
static const unsigned char OID_SPNEGO[] = {0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02};

/* Writes tag, DER length and `len` bytes of `content` (which may already sit at out + 4) at
 * `out`; returns the total length. Lengths up to 65535. */
static inline size_t der(unsigned char *out, unsigned char tag, const unsigned char *content, size_t len) {
    size_t h = len < 0x80 ? 2 : len < 0x100 ? 3 : 4;
    memmove(out + h, content, len);
    out[0] = tag;
    if (h == 2) {
        out[1] = (unsigned char)len;
    } else if (h == 3) {
        out[1] = 0x81; out[2] = (unsigned char)len;
    } else {
        out[1] = 0x82; out[2] = (unsigned char)(len >> 8); out[3] = (unsigned char)len;
    }
    return h + len;
}

/* Appends [tag] { inner-tag content } (an EXPLICIT context field) at out; returns its length. */
static inline size_t der_field(unsigned char *out, unsigned char ctx, unsigned char inner, const unsigned char *content, size_t len) {
    unsigned char tmp[8192];
    size_t n = der(tmp, inner, content, len);
    return der(out, ctx, tmp, n);
}

/* MechTypeList: SEQUENCE OF the given DER OIDs. */
static inline size_t mech_list(unsigned char *out, const unsigned char *const *oids, const size_t *lens, int count) {
    unsigned char tmp[256];
    size_t n = 0;
    int i;
    for (i = 0; i < count; i++) { memcpy(tmp + n, oids[i], lens[i]); n += lens[i]; }
    return der(out, 0x30, tmp, n);
}

/* GSS-framed NegTokenInit{mechTypes, mechToken}. */
static inline size_t neg_token_init(unsigned char *out, const unsigned char *mechs, size_t mechs_len, const unsigned char *tok, size_t tok_len) {
    unsigned char seq[8192], body[8192];
    size_t n = der(seq, 0xa0, mechs, mechs_len), b;
    if (tok) n += der_field(seq + n, 0xa2, 0x04, tok, tok_len);
    b = der(body, 0x30, seq, n);
    memcpy(seq, OID_SPNEGO, sizeof OID_SPNEGO);
    n = sizeof OID_SPNEGO + der(seq + sizeof OID_SPNEGO, 0xa0, body, b);
    return der(out, 0x60, seq, n);
}

/* NegTokenResp{negState (when >= 0), responseToken (when tok), mechListMIC (when mic)}. */
static inline size_t neg_token_resp(unsigned char *out, int state, const unsigned char *tok, size_t tok_len, const unsigned char *mic, size_t mic_len) {
    unsigned char seq[8192], body[8192], st = (unsigned char)state;
    size_t n = 0, b;
    if (state >= 0) n += der_field(seq + n, 0xa0, 0x0a, &st, 1);
    if (tok) n += der_field(seq + n, 0xa2, 0x04, tok, tok_len);
    if (mic) n += der_field(seq + n, 0xa3, 0x04, mic, mic_len);
    b = der(body, 0x30, seq, n);
    return der(out, 0xa1, body, b);
}

/* Reads one TLV header at p (within end): its tag, and its content and length. */
static inline int der_read(const unsigned char **p, const unsigned char *end, unsigned char *tag, const unsigned char **content, size_t *len) {
    size_t l, i, k;
    if (end - *p < 2) return 0;
    *tag = (*p)[0];
    l = (*p)[1];
    *p += 2;
    if (l & 0x80) {
        k = l & 0x7f;
        if (k == 0 || k > 2 || (size_t)(end - *p) < k) return 0;
        for (l = 0, i = 0; i < k; i++) l = (l << 8) | (*p)[i];
        *p += k;
    }
    if ((size_t)(end - *p) < l) return 0;
    *content = *p;
    *len = l;
    *p += l;
    return 1;
}

/* The content of the value inside field [ctx] of a NegTokenResp, or NULL. */
static inline const unsigned char *resp_field(const unsigned char *t, size_t n, unsigned char ctx, size_t *len) {
    const unsigned char *p = t, *c, *end;
    unsigned char tag;
    size_t l;
    if (!der_read(&p, t + n, &tag, &c, &l) || tag != 0xa1) return NULL;
    p = c; end = c + l;
    if (!der_read(&p, end, &tag, &c, &l) || tag != 0x30) return NULL;
    p = c; end = c + l;
    while (p < end) {
        const unsigned char *field;
        size_t field_len;
        if (!der_read(&p, end, &tag, &field, &field_len)) return NULL;
        if (tag == ctx) {
            const unsigned char *q = field;
            if (!der_read(&q, field + field_len, &tag, &c, &l)) return NULL;
            *len = l;
            return c;
        }
    }
    return NULL;
}

#endif
