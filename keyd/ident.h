/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */
#ifndef SEAL_IDENT_H
#define SEAL_IDENT_H

/*
 * Autokey identity schemes (RFC 5906, spec autokey.md section 7): the
 * parameter objects, their generation, and their mapping onto the
 * DSA/RSA key slots the reference stores them in.
 *
 *	IFF (DSA-shaped)  p, q, g; secret b (server only); v = g^(q-b) mod p
 *	GQ  (RSA-shaped)  n; group key b (RSA e slot); secret u (server
 *	                  only); v = (u^-1)^b mod n (also in the certificate)
 *	MV  (DSA-shaped)  trusted authority, one server key, n client keys
 *
 * A NULL secret marks client parameters.  Every BIGNUM here is owned by
 * its struct; ident_*_free() clears and frees them.
 */

#include <stddef.h>
#include <stdint.h>

#include <openssl/bn.h>
#include <openssl/bio.h>
#include <openssl/evp.h>

struct keyfile;

#define IDENT_MV_MAX	32	/* clients in one MV set */

struct ident_iff {
	BIGNUM	*p, *q, *g;
	BIGNUM	*b;		/* group secret; NULL for clients */
	BIGNUM	*v;		/* public value g^(q-b) mod p */
};

struct ident_gq {
	BIGNUM	*n;
	BIGNUM	*b;		/* group key, in the RSA e slot */
	BIGNUM	*u;		/* server secret; NULL for clients */
	BIGNUM	*v;		/* (u^-1)^b mod n; NULL if not known */
};

struct ident_mv_server {	/* DSA {p, q, g = E, pub = ghat, priv = gbar} */
	BIGNUM	*p, *q, *E, *gbar, *ghat;
};

struct ident_mv_client {	/* DSA {p, 1, 1, pub = xhat, priv = xbar} */
	BIGNUM	*p, *xbar, *xhat;
};

struct ident_mv_ta {		/* the whole MVta file */
	int			 n;	/* number of client keys */
	BIGNUM			*p, *q, *g;
	BIGNUM			*A, *b;	/* TA key: priv = A, pub = b */
	struct ident_mv_server	 server;
	struct ident_mv_client	 client[IDENT_MV_MAX];
};

/* Generation (slow for big sizes). */
int	ident_iff_generate(int, int, struct ident_iff *);
int	ident_gq_generate(int, struct ident_gq *);
int	ident_mv_generate(int, int, struct ident_mv_ta *);

/* Client parameters from a server key (what -e exports). */
int	ident_iff_client(const struct ident_iff *, struct ident_iff *);
int	ident_gq_client(const struct ident_gq *, struct ident_gq *);
int	ident_iff_repair(struct ident_iff *, const struct ident_iff *,
	    char *, size_t);

/* From loaded key files; err explains unusable (e.g. PKCS#8) files. */
int	ident_iff_load(const struct keyfile *, int, struct ident_iff *,
	    char *, size_t);
int	ident_gq_load(const struct keyfile *, int, struct ident_gq *,
	    char *, size_t);
int	ident_mv_load_ta(const struct keyfile *, struct ident_mv_ta *,
	    char *, size_t);
int	ident_mv_load_server(const struct keyfile *, struct ident_mv_server *,
	    char *, size_t);
int	ident_mv_load_client(const struct keyfile *, struct ident_mv_client *,
	    char *, size_t);

/* Into key file text (see keyfile.h); pw NULL writes plain text. */
int	ident_iff_write(BIO *, const struct ident_iff *, const char *,
	    const EVP_CIPHER *);
int	ident_gq_write(BIO *, const struct ident_gq *, const char *,
	    const EVP_CIPHER *);
int	ident_mv_write_ta(BIO *, const struct ident_mv_ta *, const char *,
	    const EVP_CIPHER *);
int	ident_mv_write_server(BIO *, const struct ident_mv_server *,
	    const char *, const EVP_CIPHER *);
int	ident_mv_write_client(BIO *, const struct ident_mv_client *);

/* The GQ public value as the certificate's subjectKeyIdentifier bytes. */
int	ident_gq_pubbytes(const struct ident_gq *, uint8_t *, size_t,
	    size_t *);

/*
 * The exchanges.  Challenges are big-endian integers of the scheme's
 * modulus length (q for IFF, n for GQ, p for MV); responses are the DER
 * the reference sends.  *_respond allocate *resp (free with free()).
 * *_verify return 0 when the identity is proven.
 */
size_t	ident_iff_challenge_len(const struct ident_iff *);
size_t	ident_gq_challenge_len(const struct ident_gq *);
size_t	ident_mv_challenge_len(const struct ident_mv_client *);
int	ident_challenge(size_t, const BIGNUM *, uint8_t *);
int	ident_iff_respond(const struct ident_iff *, const uint8_t *, size_t,
	    uint8_t **, size_t *);
int	ident_iff_verify(const struct ident_iff *, const uint8_t *, size_t,
	    const uint8_t *, size_t);
int	ident_gq_respond(const struct ident_gq *, const uint8_t *, size_t,
	    uint8_t **, size_t *);
int	ident_gq_verify(const struct ident_gq *, const uint8_t *, size_t,
	    const uint8_t *, size_t);
int	ident_mv_respond(const struct ident_mv_server *, const uint8_t *,
	    size_t, uint8_t **, size_t *);
int	ident_mv_verify(const struct ident_mv_client *, const uint8_t *,
	    size_t, const uint8_t *, size_t);

void	ident_iff_free(struct ident_iff *);
void	ident_gq_free(struct ident_gq *);
void	ident_mv_server_free(struct ident_mv_server *);
void	ident_mv_client_free(struct ident_mv_client *);
void	ident_mv_ta_free(struct ident_mv_ta *);

#endif
