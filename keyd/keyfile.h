/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */
#ifndef SEAL_KEYFILE_H
#define SEAL_KEYFILE_H

/*
 * Autokey key files as ntp-keygen writes them and ntpd reads them:
 *
 *	# ntpkey_<Type>_<owner>.<filestamp>
 *	# <ctime text>
 *	<empty line>
 *	-----BEGIN ...-----   (one PEM block; n + 2 for an MVta file)
 *
 * The filestamp is the number after the last '.' of the first line.
 * Private keys are read in every form OpenSSL's generic reader takes
 * (PKCS#8 plain or encrypted, traditional RSA/DSA plain or with legacy
 * Proc-Type encryption); the form of each block is recorded because the
 * DSA-shaped identity keys only survive in the traditional form.
 */

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#define KEYFILE_NAMELEN		256	/* longest file name handled */
#define KEYFILE_MAXKEYS		34	/* MVta: TA + server + 32 clients */
#define KEYFILE_MAXSIZE		(256 * 1024)
#define KEYFILE_JAN1970		2208988800UL	/* 1900 to 1970 in seconds */
#define KEYFILE_ERRLEN		512

enum keyfile_form {
	KEYFILE_FORM_NONE = 0,
	KEYFILE_FORM_PKCS8,		/* BEGIN PRIVATE KEY */
	KEYFILE_FORM_PKCS8_ENC,		/* BEGIN ENCRYPTED PRIVATE KEY */
	KEYFILE_FORM_TRAD,		/* BEGIN RSA|DSA PRIVATE KEY */
	KEYFILE_FORM_TRAD_ENC,		/* the same, Proc-Type encrypted */
	KEYFILE_FORM_CERT		/* BEGIN CERTIFICATE */
};

struct keyfile {
	uint32_t		 fstamp;	/* from the first line */
	char			 name[KEYFILE_NAMELEN]; /* first line */
	int			 nkeys;
	EVP_PKEY		*keys[KEYFILE_MAXKEYS];
	enum keyfile_form	 form[KEYFILE_MAXKEYS];
	X509			*cert;		/* certificate files */
};

/* Reading.  All return 0 on success, -1 with a reason in err. */
int	keyfile_header(const char *, size_t, uint32_t *, char *, size_t,
	    size_t *);
int	keyfile_parse(const void *, size_t, const char *, struct keyfile *,
	    char *, size_t);
int	keyfile_readat(int, const char *, const char *, struct keyfile *,
	    char *, size_t);
int	keyfile_exists(int, const char *);
void	keyfile_free(struct keyfile *);
const char *keyfile_formname(enum keyfile_form);

/* Writing: build the text in a memory BIO, then commit it atomically. */
uint32_t keyfile_fstamp(time_t);
int	keyfile_name(char *, size_t, const char *, const char *, uint32_t);
BIO	*keyfile_begin(const char *, time_t);
int	keyfile_add_pkcs8(BIO *, EVP_PKEY *, const char *,
	    const EVP_CIPHER *);
int	keyfile_add_dsa_trad(BIO *, const BIGNUM *, const BIGNUM *,
	    const BIGNUM *, const BIGNUM *, const BIGNUM *, const char *,
	    const EVP_CIPHER *);
int	keyfile_add_cert(BIO *, X509 *);
int	keyfile_commit(BIO *, int, const char *, mode_t, char *, size_t);
int	keyfile_output(BIO *, int, char *, size_t);
int	keyfile_link(int, const char *, const char *, char *, size_t);
int	keyfile_readlink(int, const char *, char *, size_t);

/*
 * What a host loads from its keys directory, as ntpd does (spec 9.1):
 * ntpkey_host_<host> (RSA, required), ntpkey_sign_<host> (optional),
 * ntpkey_cert_<host> (required, self-signed), and the server identity
 * keys ntpkey_{iff,gq,mv}key_<ident> (optional).  Clients load the
 * group's parameters with keyfile_load_{iff,gq,mv}par.
 */
#include "cert.h"
#include "ident.h"

struct keyset {
	EVP_PKEY		*hostkey;
	uint32_t		 host_fs;
	EVP_PKEY		*signkey;	/* NULL: the host key signs */
	uint32_t		 sign_fs;
	X509			*cert;
	uint32_t		 cert_fs;
	struct cert_info	 certinfo;
	int			 have_iff, have_gq, have_mv;
	struct ident_iff	 iff;
	uint32_t		 iff_fs;
	struct ident_gq		 gq;
	uint32_t		 gq_fs;
	struct ident_mv_server	 mv;
	uint32_t		 mv_fs;
};

int	keyfile_load_host(const char *, const char *, const char *,
	    const char *, struct keyset *, char *, size_t);
void	keyfile_keyset_free(struct keyset *);
int	keyfile_load_iffpar(const char *, const char *, struct ident_iff *,
	    uint32_t *, char *, size_t);
int	keyfile_load_gqpar(const char *, const char *, struct ident_gq *,
	    uint32_t *, char *, size_t);
int	keyfile_load_mvpar(const char *, const char *,
	    struct ident_mv_client *, uint32_t *, char *, size_t);

#endif
