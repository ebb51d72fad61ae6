/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * Autokey IFF identity scheme (RFC 5906; spec autokey.md 7): generation,
 * client parameters and their repair, key files in and out, and the
 * challenge/response exchange.
 */

#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/param_build.h>

#include "ident.h"
#include "ident_impl.h"
#include "keyfile.h"

static EVP_PKEY	*ident_dsa_pkey(const BIGNUM *, const BIGNUM *,
		    const BIGNUM *, const BIGNUM *, const BIGNUM *);

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

size_t
ident_iff_challenge_len(const struct ident_iff *iff)
{
	return ((size_t)BN_num_bytes(iff->q));
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

void
ident_iff_free(struct ident_iff *iff)
{
	ident_bnfree(&iff->p); ident_bnfree(&iff->q); ident_bnfree(&iff->g);
	ident_bnfree(&iff->b); ident_bnfree(&iff->v);
}
