/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * shortcert_helper KEYSDIR HOST PW SECONDS
 *
 * Replaces a host's certificate with one (same key, trusted, RSA-SHA256)
 * valid from a minute ago until SECONDS from now, and points
 * ntpkey_cert_HOST at it: a server that starts with a valid certificate
 * which then expires while it runs (keyd refuses to start with one that
 * has expired already).
 */

#include <sys/types.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cert.h"
#include "keyfile.h"

int
main(int argc, char *argv[])
{
	struct keyset	 ks;
	X509		*x;
	BIO		*bio;
	char		 err[512], name[KEYFILE_NAMELEN];
	time_t		 when;
	int		 dirfd;

	if (argc != 5) {
		fprintf(stderr, "usage: shortcert_helper dir host pw "
		    "seconds\n");
		return 2;
	}
	if (keyfile_load_host(argv[1], argv[2], NULL, argv[3], &ks, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	when = time(NULL) - 60;
	if ((x = cert_create(ks.hostkey, "RSA-SHA256", argv[2],
	    keyfile_fstamp(when), when, 1, CERT_MARK_TRUST, NULL, 0,
	    err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	/* notAfter SECONDS from now, and signed again */
	if (X509_gmtime_adj(X509_getm_notAfter(x), atol(argv[4])) == NULL ||
	    X509_sign(x, ks.signkey != NULL ? ks.signkey : ks.hostkey,
	    EVP_sha256()) <= 0) {
		fprintf(stderr, "cannot re-sign the certificate\n");
		return 2;
	}
	if ((dirfd = open(argv[1], O_RDONLY | O_DIRECTORY)) == -1 ||
	    keyfile_name(name, sizeof(name), "RSA-SHA256cert", argv[2],
	    keyfile_fstamp(when)) == -1 ||
	    (bio = keyfile_begin(name, when)) == NULL ||
	    keyfile_add_cert(bio, x) == -1 ||
	    keyfile_commit(bio, dirfd, name, 0644, err, sizeof(err)) == -1) {
		fprintf(stderr, "cannot write %s: %s\n", name, err);
		return 2;
	}
	snprintf(err, sizeof(err), "ntpkey_cert_%s", argv[2]);
	if (keyfile_link(dirfd, name, err, err, sizeof(err)) == -1) {
		fprintf(stderr, "link: %s\n", err);
		return 2;
	}
	X509_free(x);
	keyfile_keyset_free(&ks);
	close(dirfd);
	return 0;
}
