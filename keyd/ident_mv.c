/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * Autokey MV identity scheme (RFC 5906; spec autokey.md 7.4): the
 * trusted authority's generation of the whole set, the TA, server and
 * client key files in and out, and the challenge/response exchange.
 */

#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/param_build.h>

#include "ident.h"
#include "ident_impl.h"
#include "keyfile.h"

static int	 ident_recomputed(const BIGNUM *, const BIGNUM *,
		    const BIGNUM *, const BIGNUM *);
static int	 ident_mv_server_slots(const struct keyfile *, int,
		    struct ident_mv_server *, char *, size_t);
static int	 ident_mv_client_slots(const struct keyfile *, int,
		    struct ident_mv_client *, char *, size_t);

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

size_t
ident_mv_challenge_len(const struct ident_mv_client *cl)
{
	return ((size_t)BN_num_bytes(cl->p));
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
