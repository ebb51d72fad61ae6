/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * Autokey identity schemes: what IFF, GQ and MV share (ident_impl.h):
 * BIGNUM and EVP_PKEY slot access, the DER of challenge responses,
 * key file checks, and the challenge itself.  Each scheme is in its
 * own file: ident_iff.c, ident_gq.c, ident_mv.c.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>

#include <sodium.h>

#include "ident.h"
#include "ident_impl.h"
#include "keyfile.h"

static int	 ident_der_len(const uint8_t *, size_t, size_t *, size_t *);

const char ident_lost[] = "the public value was lost: this is "
    "a PKCS#8 file as the reference ntp-keygen writes, and PKCS#8 keeps "
    "no DSA public value (OpenSSL recomputes it on loading)";

void
ident_bnfree(BIGNUM **bn)
{
	BN_clear_free(*bn);
	*bn = NULL;
}

BIGNUM *
ident_getbn(EVP_PKEY *pkey, const char *name)
{
	BIGNUM	*bn = NULL;

	if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1) {
		ERR_clear_error();
		return (NULL);
	}
	return (bn);
}

EVP_PKEY *
ident_pkey(const char *type, OSSL_PARAM_BLD *bld)
{
	EVP_PKEY_CTX	*ctx;
	OSSL_PARAM	*params;
	EVP_PKEY	*pkey = NULL;

	if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
		return (NULL);
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL)) != NULL &&
	    EVP_PKEY_fromdata_init(ctx) == 1 &&
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEYPAIR, params) != 1)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	ERR_clear_error();
	return (pkey);
}

/* MD5 of the minimal big-endian bytes of x, as an integer. */
BIGNUM *
ident_md5int(const BIGNUM *x)
{
	unsigned char	 buf[1024], md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen;
	int		 n;

	n = BN_num_bytes(x);
	if (n > (int)sizeof(buf) || BN_bn2bin(x, buf) != n)
		return (NULL);
	if (EVP_Digest(buf, (size_t)n, md, &mdlen, EVP_md5(), NULL) != 1)
		return (NULL);
	return (BN_bin2bn(md, (int)mdlen, NULL));
}

/* DER SEQUENCE of non-negative INTEGERs. */
int
ident_der_encode(const BIGNUM **v, int n, uint8_t **out, size_t *outlen)
{
	uint8_t	*buf;
	size_t	 cap = 16, off, body, nb;
	int	 i, pad;

	for (i = 0; i < n; i++)
		cap += (size_t)BN_num_bytes(v[i]) + 5;
	if ((buf = calloc(1, cap)) == NULL)
		return (-1);
	off = 4;	/* room for the SEQUENCE header */
	for (i = 0; i < n; i++) {
		nb = (size_t)BN_num_bytes(v[i]);
		pad = nb == 0 || BN_is_bit_set(v[i], (int)(nb * 8 - 1));
		body = nb + (size_t)pad;
		if (body >= 0x10000 || BN_is_negative(v[i]))
			goto fail;
		buf[off++] = 0x02;
		if (body >= 0x100) {
			buf[off++] = 0x82;
			buf[off++] = (uint8_t)(body >> 8);
		} else if (body >= 0x80)
			buf[off++] = 0x81;
		buf[off++] = (uint8_t)body;
		if (pad)
			buf[off++] = 0;
		if (nb > 0)
			BN_bn2bin(v[i], buf + off);
		off += nb;
	}
	body = off - 4;
	if (body < 0x80) {
		memmove(buf + 2, buf + 4, body);
		buf[0] = 0x30;
		buf[1] = (uint8_t)body;
		*outlen = body + 2;
	} else if (body < 0x100) {
		memmove(buf + 3, buf + 4, body);
		buf[0] = 0x30;
		buf[1] = 0x81;
		buf[2] = (uint8_t)body;
		*outlen = body + 3;
	} else if (body < 0x10000) {
		buf[0] = 0x30;
		buf[1] = 0x82;
		buf[2] = (uint8_t)(body >> 8);
		buf[3] = (uint8_t)body;
		*outlen = body + 4;
	} else
		goto fail;
	*out = buf;
	return (0);
 fail:
	free(buf);
	return (-1);
}

/* Read a DER length at buf[*off]; -1 if malformed or beyond len. */
static int
ident_der_len(const uint8_t *buf, size_t len, size_t *off, size_t *out)
{
	size_t	 n;

	if (*off >= len)
		return (-1);
	n = buf[(*off)++];
	if (n == 0x81) {
		if (*off >= len || buf[*off] < 0x80)
			return (-1);
		n = buf[(*off)++];
	} else if (n == 0x82) {
		if (*off + 2 > len || buf[*off] == 0)
			return (-1);
		n = (size_t)buf[*off] << 8 | buf[*off + 1];
		*off += 2;
		if (n < 0x100)
			return (-1);
	} else if (n >= 0x80)
		return (-1);
	if (n > len - *off)
		return (-1);
	*out = n;
	return (0);
}

/*
 * Parse exactly a SEQUENCE of n non-negative INTEGERs filling v[]
 * (caller frees).  Pure, strict DER; any slack is an error.
 */
int
ident_der_decode(const uint8_t *buf, size_t len, BIGNUM **v, int n)
{
	size_t	 off = 0, seqlen, ilen;
	int	 i;

	for (i = 0; i < n; i++)
		v[i] = NULL;
	if (len < 2 || buf[off++] != 0x30 ||
	    ident_der_len(buf, len, &off, &seqlen) == -1 ||
	    off + seqlen != len)
		return (-1);
	for (i = 0; i < n; i++) {
		if (off >= len || buf[off++] != 0x02 ||
		    ident_der_len(buf, len, &off, &ilen) == -1 || ilen == 0)
			goto fail;
		if (buf[off] & 0x80)
			goto fail;	/* negative */
		if (ilen > 1 && buf[off] == 0 && !(buf[off + 1] & 0x80))
			goto fail;	/* not minimal */
		if ((v[i] = BN_bin2bn(buf + off, (int)ilen, NULL)) == NULL)
			goto fail;
		off += ilen;
	}
	if (off != len)
		goto fail;
	return (0);
 fail:
	for (i = 0; i < n; i++)
		ident_bnfree(&v[i]);
	return (-1);
}

/* A random value in [1, m) with gcd(value, m) = 1. */
int
ident_rand_coprime(BIGNUM *r, const BIGNUM *m, BN_CTX *ctx)
{
	BIGNUM	*t;
	int	 i, rv = -1;

	if ((t = BN_new()) == NULL)
		return (-1);
	for (i = 0; i < 1000; i++) {
		if (!BN_priv_rand_range(r, m))
			break;
		if (BN_is_zero(r))
			continue;
		if (!BN_gcd(t, r, m, ctx))
			break;
		if (BN_is_one(t)) {
			rv = 0;
			break;
		}
	}
	BN_free(t);
	return (rv);
}

int
ident_want(const struct keyfile *kf, int type, int idx, char *err,
    size_t errlen)
{
	if (idx >= kf->nkeys || kf->keys[idx] == NULL) {
		snprintf(err, errlen, "no key %d in the file", idx + 1);
		return (-1);
	}
	if (EVP_PKEY_get_base_id(kf->keys[idx]) != type) {
		snprintf(err, errlen, "key %d is %s, expected %s", idx + 1,
		    EVP_PKEY_get0_type_name(kf->keys[idx]),
		    type == EVP_PKEY_DSA ? "DSA" : "RSA");
		return (-1);
	}
	return (0);
}

/* The five DSA slots of key idx; caller frees. */
int
ident_dsa_slots(const struct keyfile *kf, int idx, BIGNUM **p, BIGNUM **q,
    BIGNUM **g, BIGNUM **pub, BIGNUM **priv, char *err, size_t errlen)
{
	EVP_PKEY	*k;

	*p = *q = *g = *pub = *priv = NULL;
	if (ident_want(kf, EVP_PKEY_DSA, idx, err, errlen) == -1)
		return (-1);
	k = kf->keys[idx];
	*p = ident_getbn(k, OSSL_PKEY_PARAM_FFC_P);
	*q = ident_getbn(k, OSSL_PKEY_PARAM_FFC_Q);
	*g = ident_getbn(k, OSSL_PKEY_PARAM_FFC_G);
	*pub = ident_getbn(k, OSSL_PKEY_PARAM_PUB_KEY);
	*priv = ident_getbn(k, OSSL_PKEY_PARAM_PRIV_KEY);
	if (*p == NULL || *q == NULL || *g == NULL || *pub == NULL ||
	    *priv == NULL) {
		ident_bnfree(p); ident_bnfree(q); ident_bnfree(g);
		ident_bnfree(pub); ident_bnfree(priv);
		snprintf(err, errlen, "key %d lacks a DSA value", idx + 1);
		return (-1);
	}
	BN_set_flags(*priv, BN_FLG_CONSTTIME);
	return (0);
}

/* A random r below mod, left-padded to len bytes (spec 7.2 trap). */
int
ident_challenge(size_t len, const BIGNUM *mod, uint8_t *out)
{
	BIGNUM	*r;
	int	 rv = -1;

	if ((r = BN_new()) == NULL)
		return (-1);
	if (BN_rand_range(r, mod) && BN_bn2binpad(r, out, (int)len) ==
	    (int)len)
		rv = 0;
	BN_free(r);
	return (rv);
}
