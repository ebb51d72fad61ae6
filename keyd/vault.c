/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * keyd's key vault (see vault.h).  Decoding a key for every operation
 * costs about 100 us for a 2048-bit RSA key, and a signature with a
 * fresh key about twice as long as with a cached one (no precomputed
 * Montgomery values, new blinding); at keyd's rate limits that is a
 * small price for the private material being unreadable, even to a bug
 * in keyd itself, between operations.
 *
 * Private DER is written straight into the region (i2d with the output
 * pointer there), so this module makes no heap copy of it; what
 * libcrypto's encoders and decoders copy on the way is wiped when freed
 * by keyd's allocation hooks (keyd.c).
 */

#include <limits.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "log.h"
#include "secmem.h"
#include "vault.h"

void
vault_init(struct vault *v)
{
	memset(v, 0, sizeof(*v));
}

/* Close the region; a region left readable must not go on serving. */
static void
vault_close(struct vault *v)
{
	if (secmem_noaccess(v->region) == -1)
		fatalx("vault: cannot make the key region inaccessible");
}

static int
vault_keylen(struct vault_item *it, EVP_PKEY *k)
{
	int	 n;

	if (k == NULL)
		return (0);
	if ((n = i2d_PrivateKey(k, NULL)) <= 0)
		return (-1);
	it->len = (size_t)n;
	it->type = EVP_PKEY_get_base_id(k);
	return (0);
}

static int
vault_bnlen(struct vault_item *it, const BIGNUM *bn)
{
	if (bn == NULL)
		return (0);
	/* A zero secret is no secret: a caller bug. */
	if (BN_is_zero(bn) || BN_is_negative(bn))
		return (-1);
	it->len = (size_t)BN_num_bytes(bn);
	return (0);
}

/*
 * Copy the private material in: host and sign key (sign NULL when the
 * host key signs), the identity secrets (NULL when absent).  The region
 * is no-access on return.  0, or -1 with the vault empty.
 */
int
vault_seal(struct vault *v, EVP_PKEY *host, EVP_PKEY *sign,
    const BIGNUM *iff, const BIGNUM *gq, const BIGNUM *mv)
{
	const BIGNUM	*bn[VAULT_NSLOTS] = { NULL, NULL, iff, gq, mv };
	EVP_PKEY	*key[VAULT_NSLOTS] = { host, sign, NULL, NULL, NULL };
	unsigned char	*p;
	size_t		 off = 0;
	int		 i;

	if (v->region != NULL || secmem_init() == -1)
		return (-1);
	vault_init(v);
	for (i = 0; i < VAULT_NSLOTS; i++) {
		if ((i <= VAULT_SIGN ? vault_keylen(&v->item[i], key[i]) :
		    vault_bnlen(&v->item[i], bn[i])) == -1)
			goto fail;
		v->item[i].off = off;
		off += v->item[i].len;
	}
	if (off == 0)
		return (0);
	if ((v->region = secmem_alloc(off)) == NULL)
		goto fail;
	v->size = off;
	for (i = 0; i < VAULT_NSLOTS; i++) {
		if (v->item[i].len == 0)
			continue;
		p = v->region + v->item[i].off;
		if (i <= VAULT_SIGN) {
			if (i2d_PrivateKey(key[i], &p) != (int)v->item[i].len)
				goto fail;
		} else if (BN_bn2binpad(bn[i], p, (int)v->item[i].len) !=
		    (int)v->item[i].len)
			goto fail;
	}
	if (secmem_noaccess(v->region) == -1)
		goto fail;
	return (0);
 fail:
	vault_free(v);
	return (-1);
}

int
vault_has(const struct vault *v, enum vault_slot s)
{
	return (v->region != NULL && s < VAULT_NSLOTS && v->item[s].len > 0);
}

static EVP_PKEY *
vault_key(struct vault *v, enum vault_slot s)
{
	const struct vault_item	*it;
	const unsigned char	*p, *end;
	EVP_PKEY		*k;

	if (s >= VAULT_NSLOTS || !vault_has(v, s))
		return (NULL);
	it = &v->item[s];
	if (it->len > LONG_MAX)
		return (NULL);
	if (secmem_readonly(v->region) == -1)
		return (NULL);
	p = v->region + it->off;
	end = p + it->len;
	/* The private parts land in OpenSSL's secure heap. */
	k = d2i_PrivateKey(it->type, NULL, &p, (long)it->len);
	vault_close(v);
	if (k != NULL && p != end) {
		EVP_PKEY_free(k);
		k = NULL;
	}
	return (k);
}

/* The host key with its private part, or NULL. */
EVP_PKEY *
vault_hostkey(struct vault *v)
{
	return (vault_key(v, VAULT_HOST));
}

/* The key that signs: the sign key if there is one, else the host key. */
EVP_PKEY *
vault_signkey(struct vault *v)
{
	return (vault_key(v, vault_has(v, VAULT_SIGN) ? VAULT_SIGN :
	    VAULT_HOST));
}

/* Frees a key from vault_hostkey() or vault_signkey(); NULL is ignored. */
void
vault_put(EVP_PKEY *k)
{
	/* Provider keys clear their private integers when freed. */
	EVP_PKEY_free(k);
}

/* An identity secret (VAULT_IFF, VAULT_GQ, VAULT_MV) in the secure heap. */
BIGNUM *
vault_secret(struct vault *v, enum vault_slot s)
{
	const struct vault_item	*it;
	BIGNUM			*bn, *r;

	if (s < VAULT_IFF || s >= VAULT_NSLOTS || !vault_has(v, s))
		return (NULL);
	it = &v->item[s];
	if (it->len > INT_MAX)
		return (NULL);
	if ((bn = BN_secure_new()) == NULL)
		return (NULL);
	if (secmem_readonly(v->region) == -1) {
		BN_free(bn);
		return (NULL);
	}
	r = BN_bin2bn(v->region + it->off, (int)it->len, bn);
	vault_close(v);
	if (r == NULL) {
		BN_clear_free(bn);
		return (NULL);
	}
	BN_set_flags(bn, BN_FLG_CONSTTIME);
	return (bn);
}

void
vault_put_bn(BIGNUM *bn)
{
	BN_clear_free(bn);
}

/* Wipes and releases the region; the vault is empty afterwards. */
void
vault_free(struct vault *v)
{
	/* sodium_free() makes the region writable again to wipe it. */
	secmem_free(v->region);
	vault_init(v);
}
