/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * ident_helper SERVERDIR HOST PW CLIENTDIR GROUP
 *
 * Load a server's keys directory and a client's installed group key the
 * way the daemons will (keyfile_load_host, keyfile_load_*par), check
 * that the filestamps agree, and run one identity exchange per scheme
 * the server has.  Prints one line per scheme; exits 1 on any failure.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyfile.h"

static int	helper_iff(struct keyset *, const char *, const char *);
static int	helper_gq(struct keyset *, const char *, const char *);
static int	helper_mv(struct keyset *, const char *, const char *);

static int
helper_iff(struct keyset *ks, const char *cdir, const char *group)
{
	struct ident_iff par;
	char		 err[KEYFILE_ERRLEN];
	uint8_t		 r[512], *resp;
	size_t		 rlen, resplen;
	uint32_t	 fs;
	int		 rv;

	if (keyfile_load_iffpar(cdir, group, &par, &fs, err,
	    sizeof(err)) == -1) {
		printf("iff: %s\n", err);
		return (1);
	}
	rlen = ident_iff_challenge_len(&par);
	if (fs != ks->iff_fs || rlen > sizeof(r) ||
	    ident_challenge(rlen, par.q, r) == -1 ||
	    ident_iff_respond(&ks->iff, r, rlen, &resp, &resplen) == -1) {
		printf("iff: filestamps %u/%u or exchange failed\n", fs,
		    ks->iff_fs);
		ident_iff_free(&par);
		return (1);
	}
	rv = ident_iff_verify(&par, r, rlen, resp, resplen);
	printf("iff: %s fs=%u\n", rv == 0 ? "verified" : "NOT verified", fs);
	free(resp);
	ident_iff_free(&par);
	return (rv == 0 ? 0 : 1);
}

static int
helper_gq(struct keyset *ks, const char *cdir, const char *group)
{
	struct ident_gq	 par;
	char		 err[KEYFILE_ERRLEN];
	uint8_t		 r[512], *resp;
	size_t		 rlen, resplen;
	uint32_t	 fs;
	int		 rv;

	if (keyfile_load_gqpar(cdir, group, &par, &fs, err,
	    sizeof(err)) == -1) {
		printf("gq: %s\n", err);
		return (1);
	}
	/* v travels in the (trusted) certificate */
	par.v = BN_bin2bn(ks->certinfo.gqkey, (int)ks->certinfo.gqkeylen,
	    NULL);
	rlen = ident_gq_challenge_len(&par);
	if (fs != ks->gq_fs || par.v == NULL || rlen > sizeof(r) ||
	    ident_challenge(rlen, par.n, r) == -1 ||
	    ident_gq_respond(&ks->gq, r, rlen, &resp, &resplen) == -1) {
		printf("gq: filestamps %u/%u, certificate or exchange "
		    "failed\n", fs, ks->gq_fs);
		ident_gq_free(&par);
		return (1);
	}
	rv = ident_gq_verify(&par, r, rlen, resp, resplen);
	printf("gq: %s fs=%u\n", rv == 0 ? "verified" : "NOT verified", fs);
	free(resp);
	ident_gq_free(&par);
	return (rv == 0 ? 0 : 1);
}

static int
helper_mv(struct keyset *ks, const char *cdir, const char *group)
{
	struct ident_mv_client cl;
	char		 err[KEYFILE_ERRLEN];
	uint8_t		 r[512], *resp;
	size_t		 rlen, resplen;
	uint32_t	 fs;
	int		 rv;

	if (keyfile_load_mvpar(cdir, group, &cl, &fs, err,
	    sizeof(err)) == -1) {
		printf("mv: %s\n", err);
		return (1);
	}
	rlen = ident_mv_challenge_len(&cl);
	if (fs != ks->mv_fs || rlen > sizeof(r) ||
	    ident_challenge(rlen, cl.p, r) == -1 ||
	    ident_mv_respond(&ks->mv, r, rlen, &resp, &resplen) == -1) {
		printf("mv: filestamps %u/%u or exchange failed\n", fs,
		    ks->mv_fs);
		ident_mv_client_free(&cl);
		return (1);
	}
	rv = ident_mv_verify(&cl, r, rlen, resp, resplen);
	printf("mv: %s fs=%u\n", rv == 0 ? "verified" : "NOT verified", fs);
	free(resp);
	ident_mv_client_free(&cl);
	return (rv == 0 ? 0 : 1);
}

int
main(int argc, char *argv[])
{
	struct keyset	 ks;
	char		 err[KEYFILE_ERRLEN];
	int		 bad = 0, n = 0;

	if (argc != 6) {
		fprintf(stderr, "usage: ident_helper serverdir host pw "
		    "clientdir group\n");
		return (2);
	}
	if (keyfile_load_host(argv[1], argv[2], argv[5], argv[3], &ks, err,
	    sizeof(err)) == -1) {
		printf("server: %s\n", err);
		return (1);
	}
	printf("server: %s fs=%u %s\n", ks.certinfo.subject, ks.cert_fs,
	    cert_markname(ks.certinfo.mark));
	if (ks.have_iff) {
		bad |= helper_iff(&ks, argv[4], argv[5]);
		n++;
	}
	if (ks.have_gq) {
		bad |= helper_gq(&ks, argv[4], argv[5]);
		n++;
	}
	if (ks.have_mv) {
		bad |= helper_mv(&ks, argv[4], argv[5]);
		n++;
	}
	keyfile_keyset_free(&ks);
	if (n == 0)
		printf("server: no identity scheme\n");
	return (bad || n == 0);
}
