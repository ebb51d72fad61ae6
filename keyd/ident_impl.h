/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */
#ifndef SEAL_IDENT_IMPL_H
#define SEAL_IDENT_IMPL_H

/*
 * Helpers shared by the identity scheme files (ident_iff.c, ident_gq.c,
 * ident_mv.c), defined in ident.c.  Not for use outside keyd/ident*.c:
 * the module's interface is ident.h.
 */

#include <stddef.h>
#include <stdint.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

struct keyfile;

/* Why a PKCS#8 file lost the public value a scheme needs. */
extern const char ident_lost[];

void		 ident_bnfree(BIGNUM **);
BIGNUM		*ident_getbn(EVP_PKEY *, const char *);
EVP_PKEY	*ident_pkey(const char *, OSSL_PARAM_BLD *);
BIGNUM		*ident_md5int(const BIGNUM *);
int		 ident_der_encode(const BIGNUM **, int, uint8_t **, size_t *);
int		 ident_der_decode(const uint8_t *, size_t, BIGNUM **, int);
int		 ident_rand_coprime(BIGNUM *, const BIGNUM *, BN_CTX *);
int		 ident_want(const struct keyfile *, int, int, char *, size_t);
int		 ident_dsa_slots(const struct keyfile *, int, BIGNUM **,
		    BIGNUM **, BIGNUM **, BIGNUM **, BIGNUM **, char *, size_t);

#endif
