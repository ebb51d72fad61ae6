/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */
#ifndef SEAL_VAULT_H
#define SEAL_VAULT_H

/*
 * keyd's long-term private material, serialised into one libsodium
 * secure region (guard pages, locked) that is no-access except for the
 * moment an operation decodes what it needs:
 *
 *	vault_seal()	 copy the private keys (DER) and identity secrets
 *			 (big-endian) in; the caller then frees its objects
 *	vault_hostkey()	 a private EVP_PKEY decoded into OpenSSL's secure
 *	vault_signkey()	 heap; give it back with vault_put()
 *	vault_secret()	 an identity secret as a secure BIGNUM; give it
 *			 back with vault_put_bn()
 *	vault_free()	 wipe and release
 *
 * The region is never left readable: every function that opens it
 * closes it again before returning, on success and on failure.
 */

#include <stddef.h>

#include <openssl/bn.h>
#include <openssl/evp.h>

enum vault_slot {
	VAULT_HOST,		/* host key, private DER */
	VAULT_SIGN,		/* sign key, if not the host key */
	VAULT_IFF,		/* IFF group secret b */
	VAULT_GQ,		/* GQ server secret u */
	VAULT_MV,		/* MV server secret gbar */
	VAULT_NSLOTS
};

struct vault_item {
	size_t		 off;
	size_t		 len;		/* 0: slot empty */
	int		 type;		/* EVP_PKEY base id for d2i */
};

struct vault {
	unsigned char		*region;	/* secmem; NULL: empty */
	size_t			 size;
	struct vault_item	 item[VAULT_NSLOTS];
};

void		 vault_init(struct vault *);
int		 vault_seal(struct vault *, EVP_PKEY *, EVP_PKEY *,
		    const BIGNUM *, const BIGNUM *, const BIGNUM *);
int		 vault_has(const struct vault *, enum vault_slot);
EVP_PKEY	*vault_hostkey(struct vault *);
EVP_PKEY	*vault_signkey(struct vault *);
void		 vault_put(EVP_PKEY *);
BIGNUM		*vault_secret(struct vault *, enum vault_slot);
void		 vault_put_bn(BIGNUM *);
void		 vault_free(struct vault *);

#endif
