/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>

#include <sodium.h>

#include "ident.h"
#include "keyfile.h"

static BIGNUM	*ident_getbn(EVP_PKEY *, const char *);
static EVP_PKEY	*ident_pkey(const char *, OSSL_PARAM_BLD *);
static EVP_PKEY	*ident_dsa_pkey(const BIGNUM *, const BIGNUM *,
		    const BIGNUM *, const BIGNUM *, const BIGNUM *);
static EVP_PKEY	*ident_rsa_pkey(const BIGNUM *, const BIGNUM *,
		    const BIGNUM *, const BIGNUM *);
static BIGNUM	*ident_md5int(const BIGNUM *);
static int	 ident_der_encode(const BIGNUM **, int, uint8_t **, size_t *);
static int	 ident_der_decode(const uint8_t *, size_t, BIGNUM **, int);
static int	 ident_rand_coprime(BIGNUM *, const BIGNUM *, BN_CTX *);
static void	 ident_bnfree(BIGNUM **);

static const char ident_lost[] = "the public value was lost: this is "
    "a PKCS#8 file as the reference ntp-keygen writes, and PKCS#8 keeps "
    "no DSA public value (OpenSSL recomputes it on loading)";

static void
ident_bnfree(BIGNUM **bn)
{
	BN_clear_free(*bn);
	*bn = NULL;
}

static BIGNUM *
ident_getbn(EVP_PKEY *pkey, const char *name)
{
	BIGNUM	*bn = NULL;

	if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1) {
		ERR_clear_error();
		return (NULL);
	}
	return (bn);
}

static EVP_PKEY *
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

static EVP_PKEY *
ident_dsa_pkey(const BIGNUM *p, const BIGNUM *q, const BIGNUM *g,
    const BIGNUM *pub, const BIGNUM *priv)
{
	OSSL_PARAM_BLD	*bld;
	EVP_PKEY	*pkey = NULL;

	if ((bld = OSSL_PARAM_BLD_new()) == NULL)
		return (NULL);
	if (OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, p) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_Q, q) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, g) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, pub) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv))
		pkey = ident_pkey("DSA", bld);
	OSSL_PARAM_BLD_free(bld);
	return (pkey);
}

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

/* MD5 of the minimal big-endian bytes of x, as an integer. */
static BIGNUM *
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
static int
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
static int
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
static int
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

/*
 * IFF: q a prime of qbits, p = k*q + 1 a prime of pbits, g of order q,
 * b random in [1, q), v = g^(q-b) mod p.  Our own generator, because
 * OpenSSL 3's DSA generator refuses the small sizes the reference uses.
 */
int
ident_iff_generate(int pbits, int qbits, struct ident_iff *iff)
{
	BN_CTX	*ctx;
	BIGNUM	*k = NULL, *e = NULL, *h = NULL, *t = NULL;
	int	 rv = -1, r;

	memset(iff, 0, sizeof(*iff));
	if (qbits < 64 || pbits < qbits + 64)
		return (-1);
	if ((ctx = BN_CTX_new()) == NULL)
		return (-1);
	iff->p = BN_new(); iff->q = BN_new(); iff->g = BN_new();
	iff->b = BN_secure_new(); iff->v = BN_new();
	k = BN_new(); e = BN_new(); h = BN_new(); t = BN_new();
	if (iff->p == NULL || iff->q == NULL || iff->g == NULL ||
	    iff->b == NULL || iff->v == NULL || k == NULL || e == NULL ||
	    h == NULL || t == NULL)
		goto done;
	if (!BN_generate_prime_ex(iff->q, qbits, 0, NULL, NULL, NULL))
		goto done;
	for (;;) {
		if (!BN_rand(k, pbits - qbits, BN_RAND_TOP_TWO,
		    BN_RAND_BOTTOM_ANY) || !BN_clear_bit(k, 0) ||
		    !BN_mul(iff->p, k, iff->q, ctx) ||
		    !BN_add_word(iff->p, 1))
			goto done;
		if (BN_num_bits(iff->p) != pbits)
			continue;
		if ((r = BN_check_prime(iff->p, ctx, NULL)) == 1)
			break;
		if (r < 0)
			goto done;
	}
	/* g = h^((p-1)/q) for the first small h that gives g != 1 */
	if (!BN_sub(t, iff->p, BN_value_one()) ||
	    !BN_div(e, NULL, t, iff->q, ctx))
		goto done;
	for (r = 2; r < 1000; r++) {
		if (!BN_set_word(h, (BN_ULONG)r) ||
		    !BN_mod_exp(iff->g, h, e, iff->p, ctx))
			goto done;
		if (!BN_is_one(iff->g))
			break;
	}
	if (BN_is_one(iff->g))
		goto done;
	do {
		if (!BN_priv_rand_range(iff->b, iff->q))
			goto done;
	} while (BN_is_zero(iff->b));
	if (!BN_sub(t, iff->q, iff->b) ||
	    !BN_mod_exp(iff->v, iff->g, t, iff->p, ctx))
		goto done;
	rv = 0;
 done:
	BN_free(k); BN_free(e); BN_free(h); BN_clear_free(t);
	BN_CTX_free(ctx);
	if (rv == -1)
		ident_iff_free(iff);
	return (rv);
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

/*
 * MV (spec section 7.4): q the product of n primes s_j of bits/n bits,
 * p = 2q + 1 prime; g of order dividing q; roots x_j; the polynomial
 * prod (x - x_j) mod q; A, b, the server key (E, gbar, ghat) with the
 * enabling key s = q / s_n, and the client keys (xbar_j, xhat_j).
 */
int
ident_mv_generate(int n, int bits, struct ident_mv_ta *ta)
{
	BN_CTX	*ctx;
	BIGNUM	*s[IDENT_MV_MAX], *x[IDENT_MV_MAX], *a[IDENT_MV_MAX + 1];
	BIGNUM	*xn[IDENT_MV_MAX];
	BIGNUM	*t = NULL, *t2 = NULL, *h = NULL, *binv = NULL, *sk = NULL;
	BIGNUM	*gi = NULL, *sum = NULL;
	int	 i, j, rv = -1, r, turn = 0, ok;

	memset(ta, 0, sizeof(*ta));
	if (n < 2 || n > IDENT_MV_MAX || bits / n < 32)
		return (-1);
	if ((ctx = BN_CTX_new()) == NULL)
		return (-1);
	ok = 1;
	for (i = 0; i < n; i++) {
		s[i] = BN_new(); x[i] = BN_secure_new(); xn[i] = BN_secure_new();
		a[i] = BN_secure_new();
		ok &= s[i] != NULL && x[i] != NULL && xn[i] != NULL &&
		    a[i] != NULL;
	}
	a[n] = BN_new();
	t = BN_secure_new(); t2 = BN_secure_new(); h = BN_new();
	binv = BN_secure_new(); sk = BN_secure_new(); gi = BN_new();
	sum = BN_secure_new();
	ta->n = n;
	ta->p = BN_new(); ta->q = BN_new(); ta->g = BN_new();
	ta->A = BN_secure_new(); ta->b = BN_secure_new();
	ta->server.p = BN_new(); ta->server.q = BN_new();
	ta->server.E = BN_new(); ta->server.gbar = BN_secure_new();
	ta->server.ghat = BN_new();
	for (j = 0; j < n; j++) {
		ta->client[j].p = BN_new();
		ta->client[j].xbar = BN_secure_new();
		ta->client[j].xhat = BN_secure_new();
		ok &= ta->client[j].p != NULL && ta->client[j].xbar != NULL &&
		    ta->client[j].xhat != NULL;
	}
	if (!ok || a[n] == NULL || t == NULL || t2 == NULL || h == NULL ||
	    binv == NULL || sk == NULL || gi == NULL || sum == NULL ||
	    ta->p == NULL || ta->q == NULL || ta->g == NULL ||
	    ta->A == NULL || ta->b == NULL || ta->server.p == NULL ||
	    ta->server.q == NULL || ta->server.E == NULL ||
	    ta->server.gbar == NULL || ta->server.ghat == NULL)
		goto done;

	/* primes s_j, distinct, until p = 2q + 1 is prime */
	for (i = 0; i < n; i++)
		if (!BN_generate_prime_ex(s[i], bits / n, 0, NULL, NULL, NULL))
			goto done;
	for (;;) {
		ok = 1;
		for (i = 0; i < n && ok; i++)
			for (j = i + 1; j < n && ok; j++)
				ok = BN_cmp(s[i], s[j]) != 0;
		if (ok) {
			if (!BN_one(ta->q))
				goto done;
			for (i = 0; i < n; i++)
				if (!BN_mul(ta->q, ta->q, s[i], ctx))
					goto done;
			if (!BN_lshift1(ta->p, ta->q) ||
			    !BN_add_word(ta->p, 1))
				goto done;
			if ((r = BN_check_prime(ta->p, ctx, NULL)) == 1)
				break;
			if (r < 0)
				goto done;
		}
		if (!BN_generate_prime_ex(s[turn], bits / n, 0, NULL, NULL,
		    NULL))
			goto done;
		turn = (turn + 1) % n;
	}

	/* g = h^2 mod p: order divides q; also gcd(g, p - 1) = 1 */
	if (!BN_sub(t2, ta->p, BN_value_one()))
		goto done;
	for (i = 0; i < 1000; i++) {
		if (!BN_rand_range(h, ta->p) ||
		    !BN_mod_sqr(ta->g, h, ta->p, ctx) ||
		    !BN_gcd(t, ta->g, t2, ctx))
			goto done;
		if (!BN_is_one(ta->g) && BN_is_one(t))
			break;
	}
	if (i == 1000)
		goto done;

	/* roots and the coefficients of prod (x - x_j) mod q */
	for (j = 0; j < n; j++) {
		if (ident_rand_coprime(x[j], ta->q, ctx) == -1)
			goto done;
		if (!BN_set_word(t, (BN_ULONG)n) ||
		    !BN_mod_exp(xn[j], x[j], t, ta->q, ctx))
			goto done;
	}
	BN_one(a[0]);
	for (i = 1; i <= n; i++)
		BN_zero(a[i]);
	for (j = 0; j < n; j++) {
		/* multiply the degree-j polynomial by (x - x_j) */
		for (i = j + 1; i >= 0; i--) {
			if (!BN_mod_mul(t, a[i], x[j], ta->q, ctx))
				goto done;
			if (i > 0) {
				if (!BN_mod_sub(a[i], a[i - 1], t, ta->q, ctx))
					goto done;
			} else if (!BN_mod_sub(a[0], ta->q, t, ta->q, ctx))
				goto done;
		}
	}

	/* A = prod_j prod_{i<n} (g^a_i)^(x_j^i) mod p */
	BN_one(ta->A);
	for (i = 0; i < n; i++) {
		if (!BN_mod_exp(gi, ta->g, a[i], ta->p, ctx))
			goto done;
		for (j = 0; j < n; j++) {
			if (!BN_set_word(t, (BN_ULONG)i) ||
			    !BN_mod_exp(t2, x[j], t, ta->q, ctx) ||
			    !BN_mod_exp(t, gi, t2, ta->p, ctx) ||
			    !BN_mod_mul(ta->A, ta->A, t, ta->p, ctx))
				goto done;
		}
	}

	/* b, its inverse, the client keys */
	if (ident_rand_coprime(ta->b, ta->q, ctx) == -1 ||
	    BN_mod_inverse(binv, ta->b, ta->q, ctx) == NULL)
		goto done;
	for (j = 0; j < n; j++) {
		BN_zero(sum);
		for (i = 0; i < n; i++)
			if (i != j && !BN_mod_add(sum, sum, xn[i], ta->q, ctx))
				goto done;
		if (!BN_mod_mul(ta->client[j].xbar, binv, sum, ta->q, ctx) ||
		    !BN_div(t, NULL, ta->q, s[j], ctx) ||
		    !BN_add_word(t, 1) ||
		    !BN_mod_mul(ta->client[j].xhat, xn[j], t, ta->q, ctx) ||
		    !BN_copy(ta->client[j].p, ta->p))
			goto done;
	}

	/* the server key under the enabling key s = q / s_n */
	if (!BN_div(sk, NULL, ta->q, s[n - 1], ctx) ||
	    !BN_mod_exp(ta->server.E, ta->A, sk, ta->p, ctx) ||
	    !BN_mod_exp(ta->server.gbar, ta->g, sk, ta->p, ctx) ||
	    !BN_mod_mul(t, sk, ta->b, ta->q, ctx) ||
	    !BN_mod_exp(ta->server.ghat, ta->g, t, ta->p, ctx) ||
	    !BN_copy(ta->server.p, ta->p) || !BN_copy(ta->server.q, ta->q))
		goto done;
	rv = 0;
 done:
	for (i = 0; i < n; i++) {
		BN_free(s[i]); BN_clear_free(x[i]); BN_clear_free(xn[i]);
		BN_clear_free(a[i]);
	}
	BN_clear_free(a[n]);
	BN_clear_free(t); BN_clear_free(t2); BN_free(h);
	BN_clear_free(binv); BN_clear_free(sk); BN_free(gi);
	BN_clear_free(sum);
	BN_CTX_free(ctx);
	if (rv == -1)
		ident_mv_ta_free(ta);
	return (rv);
}

/* What -e exports: everything but the secret. */
int
ident_iff_client(const struct ident_iff *key, struct ident_iff *par)
{
	memset(par, 0, sizeof(*par));
	if ((par->p = BN_dup(key->p)) == NULL ||
	    (par->q = BN_dup(key->q)) == NULL ||
	    (par->g = BN_dup(key->g)) == NULL ||
	    (par->v = BN_dup(key->v)) == NULL) {
		ident_iff_free(par);
		return (-1);
	}
	return (0);
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

/*
 * Repair client parameters whose public value was lost, given the
 * group's server key: the group must be the same (p, q, g).
 */
int
ident_iff_repair(struct ident_iff *par, const struct ident_iff *key,
    char *err, size_t errlen)
{
	BIGNUM	*v;

	if (key->b == NULL || key->v == NULL) {
		snprintf(err, errlen, "the repair needs the server key");
		return (-1);
	}
	if (BN_cmp(par->p, key->p) != 0 || BN_cmp(par->q, key->q) != 0 ||
	    BN_cmp(par->g, key->g) != 0) {
		snprintf(err, errlen, "the parameters are not those of this "
		    "server key (p, q or g differ)");
		return (-1);
	}
	if ((v = BN_dup(key->v)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	BN_free(par->v);
	par->v = v;
	return (0);
}

static int
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
static int
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

/* Is pub == base^priv mod p, i.e. recomputed by OpenSSL? */
static int
ident_recomputed(const BIGNUM *base, const BIGNUM *priv, const BIGNUM *p,
    const BIGNUM *pub)
{
	BN_CTX	*ctx;
	BIGNUM	*t;
	int	 rv = 0;

	if ((ctx = BN_CTX_new()) == NULL || (t = BN_new()) == NULL) {
		BN_CTX_free(ctx);
		return (0);
	}
	if (BN_mod_exp(t, base, priv, p, ctx) && BN_cmp(t, pub) == 0)
		rv = 1;
	BN_free(t);
	BN_CTX_free(ctx);
	return (rv);
}

/*
 * IFF from a key file.  A server file yields b and recomputes v (the
 * reference's PKCS#8 server files have lost it); a client file must
 * carry v: a stock PKCS#8 export (priv 1, pub recomputed as g) is
 * refused with the reason and the fix.
 */
int
ident_iff_load(const struct keyfile *kf, int server, struct ident_iff *iff,
    char *err, size_t errlen)
{
	BN_CTX	*ctx = NULL;
	BIGNUM	*p, *q, *g, *pub, *priv, *t = NULL;
	int	 rv = -1;

	memset(iff, 0, sizeof(*iff));
	if (errlen > 0)
		err[0] = '\0';
	if (kf->nkeys != 1) {
		snprintf(err, errlen, "an IFF file holds one key, not %d",
		    kf->nkeys);
		return (-1);
	}
	if (ident_dsa_slots(kf, 0, &p, &q, &g, &pub, &priv, err,
	    errlen) == -1)
		return (-1);
	if ((ctx = BN_CTX_new()) == NULL || (t = BN_new()) == NULL)
		goto done;
	/* g must have order q: g != 1, g^q = 1 mod p */
	if (BN_is_one(g) || BN_cmp(g, p) >= 0 || BN_is_zero(q) ||
	    !BN_mod_exp(t, g, q, p, ctx) || !BN_is_one(t)) {
		snprintf(err, errlen, "not IFF parameters: g^q != 1 mod p");
		goto done;
	}
	if (BN_is_one(priv)) {
		/* client parameters */
		if (server) {
			snprintf(err, errlen, "this is an IFF client "
			    "parameter file (secret 1), not a server key");
			goto done;
		}
		if (BN_cmp(pub, g) == 0) {
			snprintf(err, errlen, "IFF client parameters "
			    "unusable: %s (it now reads as g). On the group "
			    "owner run 'ntp-keygen -e' (sealntp) to export a "
			    "traditional DSA file that keeps it, or repair "
			    "this file with the server key", ident_lost);
			goto done;
		}
		if (!BN_mod_exp(t, pub, q, p, ctx) || !BN_is_one(t)) {
			snprintf(err, errlen, "IFF public value is not in "
			    "the group (v^q != 1 mod p)");
			goto done;
		}
		iff->v = pub;
		pub = NULL;
	} else {
		if (BN_is_zero(priv) || BN_cmp(priv, q) >= 0) {
			snprintf(err, errlen, "IFF secret out of range");
			goto done;
		}
		/* v = g^(q - b); the stored public slot is not trusted */
		if ((iff->v = BN_new()) == NULL || !BN_sub(t, q, priv) ||
		    !BN_mod_exp(iff->v, g, t, p, ctx))
			goto done;
		if (server) {
			iff->b = priv;
			priv = NULL;
		}
	}
	iff->p = p; iff->q = q; iff->g = g;
	p = q = g = NULL;
	rv = 0;
 done:
	if (rv == -1 && err[0] == '\0')
		snprintf(err, errlen, "out of memory");
	ident_bnfree(&p); ident_bnfree(&q); ident_bnfree(&g);
	ident_bnfree(&pub); ident_bnfree(&priv); BN_clear_free(t);
	BN_CTX_free(ctx);
	if (rv == -1)
		ident_iff_free(iff);
	return (rv);
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

static int
ident_mv_server_slots(const struct keyfile *kf, int idx,
    struct ident_mv_server *sv, char *err, size_t errlen)
{
	memset(sv, 0, sizeof(*sv));
	if (ident_dsa_slots(kf, idx, &sv->p, &sv->q, &sv->E, &sv->ghat,
	    &sv->gbar, err, errlen) == -1)
		return (-1);
	if (ident_recomputed(sv->E, sv->gbar, sv->p, sv->ghat)) {
		snprintf(err, errlen, "MV server key unusable: %s (ghat "
		    "reads as E^gbar). Generate a new MV set with sealntp's "
		    "ntp-keygen -V, which writes the traditional DSA form",
		    ident_lost);
		ident_mv_server_free(sv);
		return (-1);
	}
	return (0);
}

static int
ident_mv_client_slots(const struct keyfile *kf, int idx,
    struct ident_mv_client *cl, char *err, size_t errlen)
{
	BIGNUM	*q, *g;

	memset(cl, 0, sizeof(*cl));
	if (ident_dsa_slots(kf, idx, &cl->p, &q, &g, &cl->xhat, &cl->xbar,
	    err, errlen) == -1)
		return (-1);
	if (!BN_is_one(q) || !BN_is_one(g)) {
		snprintf(err, errlen, "key %d is not an MV client key "
		    "(q and g must be 1)", idx + 1);
		goto fail;
	}
	if (BN_is_one(cl->xhat)) {
		snprintf(err, errlen, "MV client parameters unusable: %s "
		    "(xhat reads as 1). Export again with sealntp's "
		    "ntp-keygen -e from an MV set it generated", ident_lost);
		goto fail;
	}
	BN_free(q);
	BN_free(g);
	return (0);
 fail:
	BN_free(q);
	BN_free(g);
	ident_mv_client_free(cl);
	return (-1);
}

int
ident_mv_load_ta(const struct keyfile *kf, struct ident_mv_ta *ta,
    char *err, size_t errlen)
{
	char	 why[KEYFILE_ERRLEN];
	int	 j;

	memset(ta, 0, sizeof(*ta));
	if (kf->nkeys < 4 || kf->nkeys - 2 > IDENT_MV_MAX) {
		snprintf(err, errlen, "an MVta file holds n + 2 keys, "
		    "2 <= n <= %d; this one has %d", IDENT_MV_MAX, kf->nkeys);
		return (-1);
	}
	if (ident_dsa_slots(kf, 0, &ta->p, &ta->q, &ta->g, &ta->b, &ta->A,
	    err, errlen) == -1)
		return (-1);
	ta->n = kf->nkeys - 2;
	if (ident_recomputed(ta->g, ta->A, ta->p, ta->b)) {
		snprintf(err, errlen, "MV trusted-authority key unusable: %s "
		    "(b reads as g^A). Generate a new set with sealntp's "
		    "ntp-keygen -V", ident_lost);
		goto fail;
	}
	if (ident_mv_server_slots(kf, 1, &ta->server, why, sizeof(why)) ==
	    -1) {
		snprintf(err, errlen, "%s", why);
		goto fail;
	}
	for (j = 0; j < ta->n; j++)
		if (ident_mv_client_slots(kf, j + 2, &ta->client[j], why,
		    sizeof(why)) == -1) {
			snprintf(err, errlen, "%s", why);
			goto fail;
		}
	return (0);
 fail:
	ident_mv_ta_free(ta);
	return (-1);
}

int
ident_mv_load_server(const struct keyfile *kf, struct ident_mv_server *sv,
    char *err, size_t errlen)
{
	/* an MVta file holds the server key second */
	return (ident_mv_server_slots(kf, kf->nkeys >= 4 ? 1 : 0, sv, err,
	    errlen));
}

int
ident_mv_load_client(const struct keyfile *kf, struct ident_mv_client *cl,
    char *err, size_t errlen)
{
	if (kf->nkeys != 1) {
		snprintf(err, errlen, "an MV parameter file holds one key, "
		    "not %d", kf->nkeys);
		return (-1);
	}
	return (ident_mv_client_slots(kf, 0, cl, err, errlen));
}

/*
 * IFF server keys go out as PKCS#8 like the reference's (the public
 * slot is not needed by a server); client parameters as traditional
 * DSA {0, p, q, g, v, 1}, the form that keeps v and that the reference
 * ntpd was observed to accept.
 */
int
ident_iff_write(BIO *bio, const struct ident_iff *iff, const char *pw,
    const EVP_CIPHER *cipher)
{
	EVP_PKEY	*pkey;
	int		 rv;

	if (iff->b == NULL)
		return (keyfile_add_dsa_trad(bio, iff->p, iff->q, iff->g,
		    iff->v, BN_value_one(), NULL, NULL));
	if ((pkey = ident_dsa_pkey(iff->p, iff->q, iff->g, iff->v,
	    iff->b)) == NULL)
		return (-1);
	rv = keyfile_add_pkcs8(bio, pkey, pw, cipher);
	EVP_PKEY_free(pkey);
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
ident_mv_write_server(BIO *bio, const struct ident_mv_server *sv,
    const char *pw, const EVP_CIPHER *cipher)
{
	return (keyfile_add_dsa_trad(bio, sv->p, sv->q, sv->E, sv->ghat,
	    sv->gbar, pw, cipher));
}

int
ident_mv_write_client(BIO *bio, const struct ident_mv_client *cl)
{
	return (keyfile_add_dsa_trad(bio, cl->p, BN_value_one(),
	    BN_value_one(), cl->xhat, cl->xbar, NULL, NULL));
}

/* TA, server, clients 1..n: n + 2 traditional DSA blocks. */
int
ident_mv_write_ta(BIO *bio, const struct ident_mv_ta *ta, const char *pw,
    const EVP_CIPHER *cipher)
{
	int	 j;

	if (keyfile_add_dsa_trad(bio, ta->p, ta->q, ta->g, ta->b, ta->A, pw,
	    cipher) == -1 ||
	    ident_mv_write_server(bio, &ta->server, pw, cipher) == -1)
		return (-1);
	for (j = 0; j < ta->n; j++)
		if (keyfile_add_dsa_trad(bio, ta->client[j].p, BN_value_one(),
		    BN_value_one(), ta->client[j].xhat, ta->client[j].xbar,
		    pw, cipher) == -1)
			return (-1);
	return (0);
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
ident_iff_challenge_len(const struct ident_iff *iff)
{
	return ((size_t)BN_num_bytes(iff->q));
}

size_t
ident_gq_challenge_len(const struct ident_gq *gq)
{
	return ((size_t)BN_num_bytes(gq->n));
}

size_t
ident_mv_challenge_len(const struct ident_mv_client *cl)
{
	return ((size_t)BN_num_bytes(cl->p));
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

/* Bob: y = k + b r mod q, x = g^k mod p; answer {y, md5int(x)}. */
int
ident_iff_respond(const struct ident_iff *iff, const uint8_t *chal,
    size_t clen, uint8_t **resp, size_t *resplen)
{
	BN_CTX		*ctx;
	BIGNUM		*r = NULL, *k = NULL, *y = NULL, *x = NULL, *s = NULL;
	const BIGNUM	*v[2];
	int		 rv = -1;

	if (iff->b == NULL || clen == 0 || clen > 1024 ||
	    (ctx = BN_CTX_new()) == NULL)
		return (-1);
	r = BN_bin2bn(chal, (int)clen, NULL);
	k = BN_secure_new();
	y = BN_new();
	x = BN_new();
	if (r == NULL || k == NULL || y == NULL || x == NULL ||
	    !BN_priv_rand_range(k, iff->q) ||
	    !BN_mod_mul(y, iff->b, r, iff->q, ctx) ||
	    !BN_mod_add(y, y, k, iff->q, ctx) ||
	    !BN_mod_exp(x, iff->g, k, iff->p, ctx) ||
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

/* Alice: z = v^r g^y mod p; proven iff md5int(z) == s. */
int
ident_iff_verify(const struct ident_iff *iff, const uint8_t *chal,
    size_t clen, const uint8_t *resp, size_t resplen)
{
	BN_CTX	*ctx;
	BIGNUM	*v[2], *r = NULL, *z = NULL, *t = NULL, *h = NULL;
	int	 rv = -1;

	if (clen == 0 || clen > 1024 || ident_der_decode(resp, resplen, v,
	    2) == -1)
		return (-1);
	if ((ctx = BN_CTX_new()) == NULL)
		goto done;
	r = BN_bin2bn(chal, (int)clen, NULL);
	z = BN_new();
	t = BN_new();
	if (r == NULL || z == NULL || t == NULL ||
	    !BN_mod_exp(z, iff->v, r, iff->p, ctx) ||
	    !BN_mod_exp(t, iff->g, v[0], iff->p, ctx) ||
	    !BN_mod_mul(z, z, t, iff->p, ctx) ||
	    (h = ident_md5int(z)) == NULL)
		goto done;
	rv = BN_cmp(h, v[1]) == 0 ? 0 : -1;
 done:
	BN_free(v[0]); BN_free(v[1]); BN_free(r); BN_free(z); BN_free(t);
	BN_free(h);
	BN_CTX_free(ctx);
	return (rv);
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

/* Bob: k coprime with q; answer {E^k r mod p, gbar^k, ghat^k}. */
int
ident_mv_respond(const struct ident_mv_server *sv, const uint8_t *chal,
    size_t clen, uint8_t **resp, size_t *resplen)
{
	BN_CTX		*ctx;
	BIGNUM		*r = NULL, *k = NULL, *y = NULL, *g1 = NULL, *g2 = NULL;
	const BIGNUM	*v[3];
	int		 rv = -1;

	if (clen == 0 || clen > 1024 || (ctx = BN_CTX_new()) == NULL)
		return (-1);
	r = BN_bin2bn(chal, (int)clen, NULL);
	k = BN_secure_new();
	y = BN_new();
	g1 = BN_new();
	g2 = BN_new();
	if (r == NULL || k == NULL || y == NULL || g1 == NULL || g2 == NULL ||
	    ident_rand_coprime(k, sv->q, ctx) == -1 ||
	    !BN_mod_exp(y, sv->E, k, sv->p, ctx) ||
	    !BN_mod_mul(y, y, r, sv->p, ctx) ||
	    !BN_mod_exp(g1, sv->gbar, k, sv->p, ctx) ||
	    !BN_mod_exp(g2, sv->ghat, k, sv->p, ctx))
		goto done;
	v[0] = y;
	v[1] = g1;
	v[2] = g2;
	rv = ident_der_encode(v, 3, resp, resplen);
 done:
	BN_free(r); BN_clear_free(k); BN_free(y); BN_free(g1); BN_free(g2);
	BN_CTX_free(ctx);
	return (rv);
}

/* Alice: proven iff g1^xhat g2^xbar y == r mod p. */
int
ident_mv_verify(const struct ident_mv_client *cl, const uint8_t *chal,
    size_t clen, const uint8_t *resp, size_t resplen)
{
	BN_CTX	*ctx;
	BIGNUM	*v[3], *r = NULL, *z = NULL, *t = NULL;
	int	 rv = -1;

	if (clen == 0 || clen > 1024 || ident_der_decode(resp, resplen, v,
	    3) == -1)
		return (-1);
	if ((ctx = BN_CTX_new()) == NULL)
		goto done;
	r = BN_bin2bn(chal, (int)clen, NULL);
	z = BN_new();
	t = BN_new();
	if (r == NULL || z == NULL || t == NULL ||
	    !BN_mod(r, r, cl->p, ctx) ||
	    !BN_mod_exp(z, v[1], cl->xhat, cl->p, ctx) ||
	    !BN_mod_exp(t, v[2], cl->xbar, cl->p, ctx) ||
	    !BN_mod_mul(z, z, t, cl->p, ctx) ||
	    !BN_mod_mul(z, z, v[0], cl->p, ctx))
		goto done;
	rv = BN_cmp(z, r) == 0 ? 0 : -1;
 done:
	BN_free(v[0]); BN_free(v[1]); BN_free(v[2]); BN_free(r); BN_free(z);
	BN_free(t);
	BN_CTX_free(ctx);
	return (rv);
}

void
ident_iff_free(struct ident_iff *iff)
{
	ident_bnfree(&iff->p); ident_bnfree(&iff->q); ident_bnfree(&iff->g);
	ident_bnfree(&iff->b); ident_bnfree(&iff->v);
}

void
ident_gq_free(struct ident_gq *gq)
{
	ident_bnfree(&gq->n); ident_bnfree(&gq->b); ident_bnfree(&gq->u);
	ident_bnfree(&gq->v);
}

void
ident_mv_server_free(struct ident_mv_server *sv)
{
	ident_bnfree(&sv->p); ident_bnfree(&sv->q); ident_bnfree(&sv->E);
	ident_bnfree(&sv->gbar); ident_bnfree(&sv->ghat);
}

void
ident_mv_client_free(struct ident_mv_client *cl)
{
	ident_bnfree(&cl->p); ident_bnfree(&cl->xbar); ident_bnfree(&cl->xhat);
}

void
ident_mv_ta_free(struct ident_mv_ta *ta)
{
	int	 j;

	ident_bnfree(&ta->p); ident_bnfree(&ta->q); ident_bnfree(&ta->g);
	ident_bnfree(&ta->A); ident_bnfree(&ta->b);
	ident_mv_server_free(&ta->server);
	for (j = 0; j < IDENT_MV_MAX; j++)
		ident_mv_client_free(&ta->client[j]);
	ta->n = 0;
}
