/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * Autokey GQ identity scheme (RFC 5906; spec autokey.md 7): generation,
 * client parameters, key files in and out, the public value for the
 * certificate, and the challenge/response exchange.
 */

#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/param_build.h>

#include "ident.h"
#include "ident_impl.h"
#include "keyfile.h"

static EVP_PKEY	*ident_rsa_pkey(const BIGNUM *, const BIGNUM *,
		    const BIGNUM *, const BIGNUM *);

/*
 * GQ in an RSA structure as the reference lays it out: e = b, d = 1,
 * first prime = u, second prime = v, CRT values 1.  Clients get 1 in
 * both prime slots.
 */
static EVP_PKEY *
ident_rsa_pkey(const BIGNUM *n, const BIGNUM *b, const BIGNUM *u,
    const BIGNUM *v)
{
	OSSL_PARAM_BLD	*bld;
	EVP_PKEY	*pkey = NULL;
	const BIGNUM	*one = BN_value_one();

	if ((bld = OSSL_PARAM_BLD_new()) == NULL)
		return (NULL);
	if (OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, b) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, one) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR1, u) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR2, v) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1, one) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2, one) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, one))
		pkey = ident_pkey("RSA", bld);
	OSSL_PARAM_BLD_free(bld);
	return (pkey);
}

/*
 * GQ: n the product of two primes (then forgotten), b random below n,
 * u random coprime with n, v = (u^-1)^b mod n.
 */
int
ident_gq_generate(int bits, struct ident_gq *gq)
{
	BN_CTX	*ctx;
	BIGNUM	*p1 = NULL, *p2 = NULL, *ui = NULL;
	int	 rv = -1;

	memset(gq, 0, sizeof(*gq));
	if (bits < 256)
		return (-1);
	if ((ctx = BN_CTX_new()) == NULL)
		return (-1);
	gq->n = BN_new(); gq->b = BN_new(); gq->u = BN_secure_new();
	gq->v = BN_new();
	p1 = BN_secure_new(); p2 = BN_secure_new(); ui = BN_secure_new();
	if (gq->n == NULL || gq->b == NULL || gq->u == NULL ||
	    gq->v == NULL || p1 == NULL || p2 == NULL || ui == NULL)
		goto done;
	do {
		if (!BN_generate_prime_ex(p1, bits / 2, 0, NULL, NULL, NULL) ||
		    !BN_generate_prime_ex(p2, bits - bits / 2, 0, NULL, NULL,
		    NULL) || !BN_mul(gq->n, p1, p2, ctx))
			goto done;
	} while (BN_num_bits(gq->n) != bits || BN_cmp(p1, p2) == 0);
	do {
		if (!BN_rand_range(gq->b, gq->n))
			goto done;
	} while (BN_num_bits(gq->b) < 64);
	if (ident_rand_coprime(gq->u, gq->n, ctx) == -1 ||
	    BN_mod_inverse(ui, gq->u, gq->n, ctx) == NULL ||
	    !BN_mod_exp(gq->v, ui, gq->b, gq->n, ctx))
		goto done;
	rv = 0;
 done:
	BN_clear_free(p1); BN_clear_free(p2); BN_clear_free(ui);
	BN_CTX_free(ctx);
	if (rv == -1)
		ident_gq_free(gq);
	return (rv);
}

int
ident_gq_client(const struct ident_gq *key, struct ident_gq *par)
{
	memset(par, 0, sizeof(*par));
	if ((par->n = BN_dup(key->n)) == NULL ||
	    (par->b = BN_dup(key->b)) == NULL ||
	    (key->v != NULL && (par->v = BN_dup(key->v)) == NULL)) {
		ident_gq_free(par);
		return (-1);
	}
	return (0);
}

int
ident_gq_load(const struct keyfile *kf, int server, struct ident_gq *gq,
    char *err, size_t errlen)
{
	BN_CTX		*ctx = NULL;
	BIGNUM		*u = NULL, *v = NULL, *t = NULL;
	EVP_PKEY	*k;
	int		 rv = -1;

	memset(gq, 0, sizeof(*gq));
	if (errlen > 0)
		err[0] = '\0';
	if (kf->nkeys != 1) {
		snprintf(err, errlen, "a GQ file holds one key, not %d",
		    kf->nkeys);
		return (-1);
	}
	if (ident_want(kf, EVP_PKEY_RSA, 0, err, errlen) == -1)
		return (-1);
	k = kf->keys[0];
	gq->n = ident_getbn(k, OSSL_PKEY_PARAM_RSA_N);
	gq->b = ident_getbn(k, OSSL_PKEY_PARAM_RSA_E);
	u = ident_getbn(k, OSSL_PKEY_PARAM_RSA_FACTOR1);
	v = ident_getbn(k, OSSL_PKEY_PARAM_RSA_FACTOR2);
	if (gq->n == NULL || gq->b == NULL || u == NULL || v == NULL) {
		snprintf(err, errlen, "not GQ parameters: RSA slots missing");
		goto done;
	}
	if (BN_is_one(u) && BN_is_one(v)) {
		if (server) {
			snprintf(err, errlen, "this is a GQ client parameter "
			    "file, not a server key");
			goto done;
		}
		rv = 0;		/* v comes from the certificate */
		goto done;
	}
	/* a server key: check v = (u^-1)^b mod n */
	if ((ctx = BN_CTX_new()) == NULL || (t = BN_secure_new()) == NULL)
		goto done;
	if (BN_mod_inverse(t, u, gq->n, ctx) == NULL ||
	    !BN_mod_exp(t, t, gq->b, gq->n, ctx) || BN_cmp(t, v) != 0) {
		snprintf(err, errlen, "not a GQ key: v != (u^-1)^b mod n");
		goto done;
	}
	gq->v = v;
	v = NULL;
	if (server) {
		gq->u = u;
		u = NULL;
	}
	rv = 0;
 done:
	if (rv == -1 && err[0] == '\0')
		snprintf(err, errlen, "out of memory");
	BN_clear_free(u); BN_free(v); BN_clear_free(t);
	BN_CTX_free(ctx);
	if (rv == -1)
		ident_gq_free(gq);
	return (rv);
}

/* GQ survives PKCS#8 (RSA keeps every slot); clients get 1 for u, v. */
int
ident_gq_write(BIO *bio, const struct ident_gq *gq, const char *pw,
    const EVP_CIPHER *cipher)
{
	EVP_PKEY	*pkey;
	int		 rv;

	if (gq->u != NULL && gq->v != NULL)
		pkey = ident_rsa_pkey(gq->n, gq->b, gq->u, gq->v);
	else {
		pkey = ident_rsa_pkey(gq->n, gq->b, BN_value_one(),
		    BN_value_one());
		pw = NULL;
	}
	if (pkey == NULL)
		return (-1);
	rv = keyfile_add_pkcs8(bio, pkey, pw, cipher);
	EVP_PKEY_free(pkey);
	return (rv);
}

int
ident_gq_pubbytes(const struct ident_gq *gq, uint8_t *buf, size_t len,
    size_t *outlen)
{
	int	 n;

	if (gq->v == NULL)
		return (-1);
	n = BN_num_bytes(gq->v);
	if (n <= 0 || (size_t)n > len)
		return (-1);
	*outlen = (size_t)BN_bn2bin(gq->v, buf);
	return (0);
}

size_t
ident_gq_challenge_len(const struct ident_gq *gq)
{
	return ((size_t)BN_num_bytes(gq->n));
}

/* Bob: y = k u^r mod n, x = k^b mod n; answer {y, md5int(x)}. */
int
ident_gq_respond(const struct ident_gq *gq, const uint8_t *chal,
    size_t clen, uint8_t **resp, size_t *resplen)
{
	BN_CTX		*ctx;
	BIGNUM		*r = NULL, *k = NULL, *y = NULL, *x = NULL, *s = NULL;
	const BIGNUM	*v[2];
	int		 rv = -1;

	if (gq->u == NULL || clen == 0 || clen > 1024 ||
	    (ctx = BN_CTX_new()) == NULL)
		return (-1);
	r = BN_bin2bn(chal, (int)clen, NULL);
	k = BN_secure_new();
	y = BN_new();
	x = BN_new();
	if (r == NULL || k == NULL || y == NULL || x == NULL ||
	    !BN_priv_rand_range(k, gq->n) ||
	    !BN_mod_exp(y, gq->u, r, gq->n, ctx) ||
	    !BN_mod_mul(y, y, k, gq->n, ctx) ||
	    !BN_mod_exp(x, k, gq->b, gq->n, ctx) ||
	    (s = ident_md5int(x)) == NULL)
		goto done;
	v[0] = y;
	v[1] = s;
	rv = ident_der_encode(v, 2, resp, resplen);
 done:
	BN_free(r); BN_clear_free(k); BN_free(y); BN_clear_free(x); BN_free(s);
	BN_CTX_free(ctx);
	return (rv);
}

/* Alice: z = v^r y^b mod n; proven iff md5int(z) == s. */
int
ident_gq_verify(const struct ident_gq *gq, const uint8_t *chal,
    size_t clen, const uint8_t *resp, size_t resplen)
{
	BN_CTX	*ctx;
	BIGNUM	*v[2], *r = NULL, *z = NULL, *t = NULL, *h = NULL;
	int	 rv = -1;

	if (gq->v == NULL || clen == 0 || clen > 1024 ||
	    ident_der_decode(resp, resplen, v, 2) == -1)
		return (-1);
	if ((ctx = BN_CTX_new()) == NULL)
		goto done;
	r = BN_bin2bn(chal, (int)clen, NULL);
	z = BN_new();
	t = BN_new();
	if (r == NULL || z == NULL || t == NULL ||
	    !BN_mod_exp(z, gq->v, r, gq->n, ctx) ||
	    !BN_mod_exp(t, v[0], gq->b, gq->n, ctx) ||
	    !BN_mod_mul(z, z, t, gq->n, ctx) ||
	    (h = ident_md5int(z)) == NULL)
		goto done;
	rv = BN_cmp(h, v[1]) == 0 ? 0 : -1;
 done:
	BN_free(v[0]); BN_free(v[1]); BN_free(r); BN_free(z); BN_free(t);
	BN_free(h);
	BN_CTX_free(ctx);
	return (rv);
}

void
ident_gq_free(struct ident_gq *gq)
{
	ident_bnfree(&gq->n); ident_bnfree(&gq->b); ident_bnfree(&gq->u);
	ident_bnfree(&gq->v);
}
