/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */
#ifndef SEAL_CERT_H
#define SEAL_CERT_H

/*
 * Autokey X.509 certificates (spec autokey.md section 8): the
 * self-signed host certificate ntp-keygen makes, and the fields ntpd
 * takes from any certificate.  cert_parse() is a pure function over DER
 * bytes, for the daemon's CERT and SIGN messages and for the fuzzer.
 */

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#define CERT_NAMELEN	256
#define CERT_GQMAX	512		/* GQ public value bytes */

enum cert_mark {
	CERT_MARK_NONE = 0,
	CERT_MARK_TRUST,		/* EKU trustRoot ("Trust Root") */
	CERT_MARK_PRIVATE		/* EKU 1.3.6.1.4 ("Private") */
};

struct cert_info {
	char		 subject[CERT_NAMELEN];	/* text after "CN=" */
	char		 issuer[CERT_NAMELEN];
	uint64_t	 serial;
	time_t		 notbefore, notafter;
	int		 version;		/* 3 for X.509v3 */
	int		 signid;		/* signature algorithm NID */
	char		 scheme[32];		/* its short name */
	enum cert_mark	 mark;
	int		 ca;			/* basicConstraints CA:TRUE */
	int		 selfsigned;		/* and its signature verifies */
	uint8_t		 gqkey[CERT_GQMAX];	/* subjectKeyIdentifier */
	size_t		 gqkeylen;
};

int	cert_scheme(const char *, const EVP_MD **, int *, char *, size_t);
X509	*cert_create(EVP_PKEY *, const char *, const char *, uint64_t,
	    time_t, int, enum cert_mark, const uint8_t *, size_t, char *,
	    size_t);
int	cert_info(X509 *, struct cert_info *, char *, size_t);
int	cert_parse(const uint8_t *, size_t, struct cert_info *, char *,
	    size_t);
const char *cert_markname(enum cert_mark);

#endif
