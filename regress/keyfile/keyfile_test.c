/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * Key files, certificates and identity parameters: every file the
 * reference ntp-keygen 4.2.8p18 made in shared/vectors/autokey/, checked
 * against the values the vectors' README states, and round trips of our
 * own writer and of the IFF/GQ/MV exchanges.
 */

#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "cert.h"
#include "ident.h"
#include "keyfile.h"

#define FS_IFF		4004649424U
#define FS_IFFCLIENT	4004649431U
#define FS_GQ		4004649436U
#define FS_MV		4004649437U
#define FS_MVTRAD	4004651491U
#define JAN1970		2208988800U

static char	vecdir[2048];

/*
 * The stored vectors hold each symbolic link as a small file containing
 * the target's name.  Copy a vectors directory into the test's work
 * directory and make those real links again, as ntpd would see it.
 */
static const char *
vec(const atf_tc_t *tc, const char *sub)
{
	const char	*v;
	char		 src[1024], dst[1024], cmd[4 * 2048];
	char		 path[PATH_MAX], target[256];
	struct dirent	*de;
	DIR		*dir;
	FILE		*f;
	size_t		 n;

	if (!atf_tc_has_config_var(tc, "vectors") ||
	    *(v = atf_tc_get_config_var(tc, "vectors")) == '\0')
		atf_tc_skip("no vectors directory (config var 'vectors' "
		    "empty): shared/vectors is not beside this checkout");
	snprintf(src, sizeof(src), "%s/autokey/%s", v, sub);
	ATF_REQUIRE(getcwd(dst, sizeof(dst)) != NULL);
	snprintf(vecdir, sizeof(vecdir), "%s/%s", dst, sub);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s' && cp -P '%s'/* '%s'/ && "
	    "chmod u+w '%s'/*", vecdir, src, vecdir, vecdir);
	ATF_REQUIRE_MSG(system(cmd) == 0, "%s", cmd);
	ATF_REQUIRE((dir = opendir(vecdir)) != NULL);
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", vecdir, de->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		n = fread(target, 1, sizeof(target) - 1, f);
		fclose(f);
		target[n] = '\0';
		if (n == 0 || n > 100 || strncmp(target, "ntpkey_", 7) != 0 ||
		    strchr(target, '\n') != NULL || strchr(target, '/') != NULL)
			continue;
		ATF_REQUIRE(unlink(path) == 0);
		ATF_REQUIRE(symlink(target, path) == 0);
	}
	closedir(dir);
	return (vecdir);
}

static void
readfile(const char *dir, const char *name, const char *pw,
    struct keyfile *kf)
{
	char	 err[KEYFILE_ERRLEN];
	int	 fd;

	fd = open(dir, O_RDONLY | O_DIRECTORY);
	ATF_REQUIRE_MSG(fd != -1, "open %s", dir);
	if (keyfile_readat(fd, name, pw, kf, err, sizeof(err)) == -1)
		atf_tc_fail("%s/%s: %s", dir, name, err);
	close(fd);
}

static int
readfile_err(const char *dir, const char *name, const char *pw,
    char *err, size_t errlen)
{
	struct keyfile	 kf;
	int		 fd, rv;

	fd = open(dir, O_RDONLY | O_DIRECTORY);
	ATF_REQUIRE(fd != -1);
	rv = keyfile_readat(fd, name, pw, &kf, err, errlen);
	if (rv == 0)
		keyfile_free(&kf);
	close(fd);
	return (rv);
}

static int
bits(EVP_PKEY *k, const char *param)
{
	BIGNUM	*bn = NULL;
	int	 n;

	ATF_REQUIRE(EVP_PKEY_get_bn_param(k, param, &bn) == 1);
	n = BN_num_bits(bn);
	BN_free(bn);
	return (n);
}

ATF_TC_WITHOUT_HEAD(header);
ATF_TC_BODY(header, tc)
{
	char		 name[KEYFILE_NAMELEN];
	uint32_t	 fs;
	size_t		 off;
	const char	*ok = "# ntpkey_iffpar_alpha.test.4004649424\n# x\n";

	ATF_REQUIRE(keyfile_header(ok, strlen(ok), &fs, name, sizeof(name),
	    &off) == 0);
	ATF_CHECK_EQ(fs, FS_IFF);
	ATF_CHECK_STREQ(name, "ntpkey_iffpar_alpha.test.4004649424");
	ATF_CHECK_EQ(off, strlen("# ntpkey_iffpar_alpha.test.4004649424\n"));
	ATF_CHECK(keyfile_header("# a.12\r\n", 8, &fs, NULL, 0, NULL) == 0 &&
	    fs == 12);
	/* no dot, no digits, junk after digits, overflow, no newline */
	ATF_CHECK(keyfile_header("# abc\n", 6, &fs, NULL, 0, NULL) == -1);
	ATF_CHECK(keyfile_header("# abc.\n", 7, &fs, NULL, 0, NULL) == -1);
	ATF_CHECK(keyfile_header("# a.12x\n", 8, &fs, NULL, 0, NULL) == -1);
	ATF_CHECK(keyfile_header("# a.4294967296\n", 15, &fs, NULL, 0,
	    NULL) == -1);
	ATF_CHECK(keyfile_header("# a.12", 6, &fs, NULL, 0, NULL) == -1);
	ATF_CHECK(keyfile_header("a.12\n", 5, &fs, NULL, 0, NULL) == -1);
	ATF_CHECK(keyfile_header("", 0, &fs, NULL, 0, NULL) == -1);
}

/* keys/iff/server: host key, IFF key, trusted certificate. */
ATF_TC_WITHOUT_HEAD(vectors_iff_server);
ATF_TC_BODY(vectors_iff_server, tc)
{
	const char	*d = vec(tc, "keys/iff/server");
	struct keyfile	 kf;
	struct ident_iff iff;
	struct cert_info ci;
	struct keyset	 ks;
	char		 err[KEYFILE_ERRLEN];

	readfile(d, "ntpkey_host_alpha.test", "serverpw", &kf);
	ATF_CHECK_EQ(kf.fstamp, FS_IFF);
	ATF_CHECK_STREQ(kf.name, "ntpkey_RSAhost_alpha.test.4004649424");
	ATF_REQUIRE_EQ(kf.nkeys, 1);
	ATF_CHECK_EQ(kf.form[0], KEYFILE_FORM_PKCS8_ENC);
	ATF_CHECK_EQ(EVP_PKEY_get_base_id(kf.keys[0]), EVP_PKEY_RSA);
	ATF_CHECK_EQ(EVP_PKEY_get_bits(kf.keys[0]), 512);
	keyfile_free(&kf);

	readfile(d, "ntpkey_iffkey_alpha.test", "serverpw", &kf);
	ATF_CHECK_EQ(kf.fstamp, FS_IFF);
	ATF_REQUIRE_EQ(kf.nkeys, 1);
	ATF_CHECK_EQ(EVP_PKEY_get_base_id(kf.keys[0]), EVP_PKEY_DSA);
	ATF_CHECK_EQ(bits(kf.keys[0], OSSL_PKEY_PARAM_FFC_P), 512);
	ATF_CHECK_EQ(bits(kf.keys[0], OSSL_PKEY_PARAM_FFC_Q), 160);
	ATF_REQUIRE_MSG(ident_iff_load(&kf, 1, &iff, err, sizeof(err)) == 0,
	    "%s", err);
	ATF_CHECK(iff.b != NULL && iff.v != NULL);
	ident_iff_free(&iff);
	keyfile_free(&kf);

	readfile(d, "ntpkey_cert_alpha.test", NULL, &kf);
	ATF_CHECK_EQ(kf.fstamp, FS_IFF);
	ATF_REQUIRE(kf.cert != NULL);
	ATF_REQUIRE_MSG(cert_info(kf.cert, &ci, err, sizeof(err)) == 0, "%s",
	    err);
	ATF_CHECK_STREQ(ci.subject, "alpha.test");
	ATF_CHECK_STREQ(ci.issuer, "alpha.test");
	ATF_CHECK_EQ(ci.version, 3);
	ATF_CHECK_EQ(ci.serial, 4004649431ULL);
	ATF_CHECK_EQ(ci.notbefore, (time_t)(4004649431U - JAN1970));
	ATF_CHECK_EQ(ci.notafter - ci.notbefore, 365 * 86400);
	ATF_CHECK_STREQ(ci.scheme, "RSA-MD5");
	ATF_CHECK_EQ(ci.mark, CERT_MARK_TRUST);
	ATF_CHECK(ci.ca);
	ATF_CHECK(ci.selfsigned);
	ATF_CHECK_EQ(ci.gqkeylen, 0);
	keyfile_free(&kf);

	ATF_REQUIRE_MSG(keyfile_load_host(d, "alpha.test", NULL, "serverpw",
	    &ks, err, sizeof(err)) == 0, "%s", err);
	ATF_CHECK(ks.have_iff && !ks.have_gq && !ks.have_mv);
	ATF_CHECK_EQ(ks.iff_fs, FS_IFF);
	ATF_CHECK_EQ(ks.cert_fs, FS_IFF);
	ATF_CHECK(ks.signkey == NULL);
	keyfile_keyset_free(&ks);

	/* wrong password: one line naming the file */
	ATF_CHECK(keyfile_load_host(d, "alpha.test", NULL, "wrongpw", &ks,
	    err, sizeof(err)) == -1);
	ATF_CHECK_MSG(strstr(err, "ntpkey_host_alpha.test") != NULL &&
	    strstr(err, "wrong password") != NULL && strchr(err, '\n') ==
	    NULL, "%s", err);
	ATF_CHECK(readfile_err(d, "ntpkey_iffkey_alpha.test", NULL, err,
	    sizeof(err)) == -1 && strstr(err, "no password") != NULL);
	ATF_CHECK(keyfile_load_host(d, "nosuch.test", NULL, "serverpw", &ks,
	    err, sizeof(err)) == -1 && strstr(err, "ntpkey_host_nosuch.test")
	    != NULL);
}

/* The exported group key, both forms, and the client's install. */
ATF_TC_WITHOUT_HEAD(vectors_iff_exports);
ATF_TC_BODY(vectors_iff_exports, tc)
{
	char		 srv[PATH_MAX], err[KEYFILE_ERRLEN];
	const char	*d;
	struct keyfile	 kf;
	struct ident_iff key, par, bad;
	struct keyset	 ks;
	uint32_t	 fs;

	strlcpy(srv, vec(tc, "keys/iff/server"), sizeof(srv));
	readfile(srv, "ntpkey_iffkey_alpha.test", "serverpw", &kf);
	ATF_REQUIRE(ident_iff_load(&kf, 1, &key, err, sizeof(err)) == 0);
	keyfile_free(&kf);

	d = vec(tc, "exports");
	readfile(d, "ntpkey_iffpar_alpha.test.traditional-pem", NULL, &kf);
	ATF_CHECK_EQ(kf.fstamp, FS_IFF);
	ATF_CHECK_EQ(kf.form[0], KEYFILE_FORM_TRAD);
	ATF_REQUIRE_MSG(ident_iff_load(&kf, 0, &par, err, sizeof(err)) == 0,
	    "%s", err);
	keyfile_free(&kf);
	ATF_CHECK(par.b == NULL);
	/* README: v = g^(q-b) mod p for the server's b */
	ATF_CHECK_EQ(BN_cmp(par.v, key.v), 0);
	ATF_CHECK_EQ(BN_cmp(par.p, key.p), 0);

	readfile(d, "ntpkey_iffpar_alpha.test.stock-export", NULL, &kf);
	ATF_CHECK_EQ(kf.fstamp, FS_IFF);
	ATF_CHECK_EQ(kf.form[0], KEYFILE_FORM_PKCS8);
	ATF_CHECK(ident_iff_load(&kf, 0, &bad, err, sizeof(err)) == -1);
	ATF_CHECK_MSG(strstr(err, "PKCS#8") != NULL &&
	    strstr(err, "ntp-keygen -e") != NULL, "%s", err);
	/* repair: p, q, g are intact; v comes from the server key */
	{
		struct keyfile	 k2;
		BIGNUM		*p = NULL, *q = NULL, *g = NULL;

		ATF_REQUIRE(EVP_PKEY_get_bn_param(kf.keys[0], "p", &p) == 1);
		ATF_REQUIRE(EVP_PKEY_get_bn_param(kf.keys[0], "q", &q) == 1);
		ATF_REQUIRE(EVP_PKEY_get_bn_param(kf.keys[0], "g", &g) == 1);
		memset(&bad, 0, sizeof(bad));
		bad.p = p; bad.q = q; bad.g = g;
		ATF_REQUIRE_MSG(ident_iff_repair(&bad, &key, err,
		    sizeof(err)) == 0, "%s", err);
		ATF_CHECK_EQ(BN_cmp(bad.v, par.v), 0);
		ident_iff_free(&bad);
		(void)k2;
	}
	keyfile_free(&kf);

	/* the client keys dir: beta.test with the installed group key */
	d = vec(tc, "keys/iff/client");
	ATF_REQUIRE_MSG(keyfile_load_host(d, "beta.test", NULL, "clientpw",
	    &ks, err, sizeof(err)) == 0, "%s", err);
	ATF_CHECK_EQ(ks.host_fs, FS_IFFCLIENT);
	ATF_CHECK_STREQ(ks.certinfo.subject, "beta.test");
	ATF_CHECK_EQ(ks.certinfo.mark, CERT_MARK_NONE);
	ATF_CHECK(!ks.have_iff);
	keyfile_keyset_free(&ks);
	ident_iff_free(&par);
	ATF_REQUIRE_MSG(keyfile_load_iffpar(d, "alpha.test", &par, &fs, err,
	    sizeof(err)) == 0, "%s", err);
	ATF_CHECK_EQ(fs, FS_IFF);
	ATF_CHECK_EQ(BN_cmp(par.v, key.v), 0);

	/* and our exchange math against the reference's parameters */
	{
		uint8_t	 r[64], *resp;
		size_t	 rlen, resplen;

		rlen = ident_iff_challenge_len(&par);
		ATF_REQUIRE_EQ(rlen, 20);
		ATF_REQUIRE(ident_challenge(rlen, par.q, r) == 0);
		ATF_REQUIRE(ident_iff_respond(&key, r, rlen, &resp,
		    &resplen) == 0);
		ATF_CHECK(ident_iff_verify(&par, r, rlen, resp, resplen) == 0);
		r[0] ^= 1;
		ATF_CHECK(ident_iff_verify(&par, r, rlen, resp, resplen) == -1);
		free(resp);
	}
	ident_iff_free(&par);
	ident_iff_free(&key);
}

ATF_TC_WITHOUT_HEAD(vectors_gq);
ATF_TC_BODY(vectors_gq, tc)
{
	char		 srv[PATH_MAX], err[KEYFILE_ERRLEN];
	const char	*d;
	struct keyset	 ks;
	struct ident_gq	 par;
	uint8_t		 pub[CERT_GQMAX], r[128], *resp;
	size_t		 publen, rlen, resplen;
	uint32_t	 fs;

	strlcpy(srv, vec(tc, "keys/gq/server"), sizeof(srv));
	ATF_REQUIRE_MSG(keyfile_load_host(srv, "alpha.test", NULL, "serverpw",
	    &ks, err, sizeof(err)) == 0, "%s", err);
	ATF_CHECK(ks.have_gq && !ks.have_iff);
	ATF_CHECK_EQ(ks.gq_fs, FS_GQ);
	ATF_CHECK_EQ(BN_num_bits(ks.gq.n), 512);
	ATF_CHECK_EQ(ks.certinfo.mark, CERT_MARK_TRUST);
	/* README/spec: the SKI is the raw bytes of v, 64 of them */
	ATF_REQUIRE(ident_gq_pubbytes(&ks.gq, pub, sizeof(pub), &publen) == 0);
	ATF_CHECK_EQ(ks.certinfo.gqkeylen, 64);
	ATF_CHECK(publen == ks.certinfo.gqkeylen &&
	    memcmp(pub, ks.certinfo.gqkey, publen) == 0);

	d = vec(tc, "keys/gq/client");
	ATF_REQUIRE_MSG(keyfile_load_gqpar(d, "alpha.test", &par, &fs, err,
	    sizeof(err)) == 0, "%s", err);
	ATF_CHECK_EQ(fs, FS_GQ);
	ATF_CHECK(par.u == NULL && par.v == NULL);
	ATF_CHECK_EQ(BN_cmp(par.n, ks.gq.n), 0);
	ATF_CHECK_EQ(BN_cmp(par.b, ks.gq.b), 0);
	/* v from the certificate, then the real GQ exchange */
	par.v = BN_bin2bn(ks.certinfo.gqkey, (int)ks.certinfo.gqkeylen, NULL);
	rlen = ident_gq_challenge_len(&par);
	ATF_REQUIRE(ident_challenge(rlen, par.n, r) == 0);
	ATF_REQUIRE(ident_gq_respond(&ks.gq, r, rlen, &resp, &resplen) == 0);
	ATF_CHECK(ident_gq_verify(&par, r, rlen, resp, resplen) == 0);
	r[rlen - 1] ^= 1;
	ATF_CHECK(ident_gq_verify(&par, r, rlen, resp, resplen) == -1);
	free(resp);
	ident_gq_free(&par);
	keyfile_keyset_free(&ks);

	d = vec(tc, "exports");
	{
		struct keyfile	kf;

		readfile(d, "ntpkey_gqpar_alpha.test.stock-export", NULL, &kf);
		ATF_CHECK_EQ(kf.fstamp, FS_GQ);
		ATF_CHECK(ident_gq_load(&kf, 0, &par, err, sizeof(err)) == 0);
		ident_gq_free(&par);
		keyfile_free(&kf);
	}
}

/* Stock MV files: all PKCS#8, all lost their public slot. */
ATF_TC_WITHOUT_HEAD(vectors_mv_stock);
ATF_TC_BODY(vectors_mv_stock, tc)
{
	const char		*d = vec(tc, "keys/mv/server");
	struct keyfile		 kf;
	struct ident_mv_ta	 ta;
	struct ident_mv_server	 sv;
	struct ident_mv_client	 cl;
	char			 err[KEYFILE_ERRLEN];

	readfile(d, "ntpkey_mvta_alpha.test", "serverpw", &kf);
	ATF_CHECK_EQ(kf.fstamp, FS_MV);
	ATF_CHECK_EQ(kf.nkeys, 6);	/* n + 2 for -V 4 */
	ATF_CHECK(ident_mv_load_ta(&kf, &ta, err, sizeof(err)) == -1);
	ATF_CHECK_MSG(strstr(err, "PKCS#8") != NULL, "%s", err);
	keyfile_free(&kf);

	readfile(d, "ntpkey_mvkey_alpha.test", "serverpw", &kf);
	ATF_CHECK(ident_mv_load_server(&kf, &sv, err, sizeof(err)) == -1);
	ATF_CHECK_MSG(strstr(err, "ghat") != NULL, "%s", err);
	keyfile_free(&kf);

	d = vec(tc, "keys/mv/client");
	readfile(d, "ntpkey_mvpar_alpha.test", NULL, &kf);
	ATF_CHECK(ident_mv_load_client(&kf, &cl, err, sizeof(err)) == -1);
	ATF_CHECK_MSG(strstr(err, "xhat") != NULL, "%s", err);
	keyfile_free(&kf);
}

/* The traditional MV set verifies with our math. */
ATF_TC_WITHOUT_HEAD(vectors_mv_traditional);
ATF_TC_BODY(vectors_mv_traditional, tc)
{
	char			 srv[PATH_MAX], err[KEYFILE_ERRLEN];
	const char		*d;
	struct keyset		 ks;
	struct ident_mv_client	 cl;
	uint32_t		 fs;
	uint8_t			 r[128], *resp;
	size_t			 rlen, resplen;
	BIGNUM			*p = NULL;
	int			 i;

	strlcpy(srv, vec(tc, "keys/mv-traditional/server"), sizeof(srv));
	ATF_REQUIRE_MSG(keyfile_load_host(srv, "alpha.test", NULL,
	    "serverpw", &ks, err, sizeof(err)) == 0, "%s", err);
	ATF_CHECK(ks.have_mv);
	ATF_CHECK_EQ(ks.mv_fs, FS_MVTRAD);
	/* mv-traditional-values.json: p */
	ATF_REQUIRE(BN_hex2bn(&p, "131d2e14a835d5bdecb10d461b824dd393bcdee179"
	    "324ccf59c4696e325d0ad7f6d0b959ee26dd1cc5c57f3107c2b8846c853e5666"
	    "30e7e2439a2591687719cab") > 0);
	ATF_CHECK_EQ(BN_cmp(p, ks.mv.p), 0);
	ATF_CHECK_EQ(BN_num_bits(ks.mv.p), 513);
	BN_free(p);

	d = vec(tc, "keys/mv-traditional/client");
	ATF_REQUIRE_MSG(keyfile_load_mvpar(d, "alpha.test", &cl, &fs, err,
	    sizeof(err)) == 0, "%s", err);
	ATF_CHECK_EQ(fs, FS_MVTRAD);
	rlen = ident_mv_challenge_len(&cl);
	ATF_CHECK_EQ(rlen, 65);
	for (i = 0; i < 4; i++) {
		ATF_REQUIRE(ident_challenge(rlen, cl.p, r) == 0);
		ATF_REQUIRE(ident_mv_respond(&ks.mv, r, rlen, &resp,
		    &resplen) == 0);
		ATF_CHECK(ident_mv_verify(&cl, r, rlen, resp, resplen) == 0);
		r[rlen - 1] ^= 2;
		ATF_CHECK(ident_mv_verify(&cl, r, rlen, resp, resplen) == -1);
		free(resp);
	}
	ident_mv_client_free(&cl);
	keyfile_keyset_free(&ks);
}

ATF_TC_WITHOUT_HEAD(vectors_plain);
ATF_TC_BODY(vectors_plain, tc)
{
	const char	*d = vec(tc, "keys/plain");
	struct keyset	 ks;
	char		 err[KEYFILE_ERRLEN];

	ATF_REQUIRE_MSG(keyfile_load_host(d, "gamma.test", NULL, "gammapw",
	    &ks, err, sizeof(err)) == 0, "%s", err);
	ATF_CHECK_STREQ(ks.certinfo.subject, "gamma.test");
	ATF_CHECK_EQ(ks.certinfo.mark, CERT_MARK_NONE);
	ATF_CHECK(ks.certinfo.selfsigned);
	ATF_CHECK(!ks.have_iff && !ks.have_gq && !ks.have_mv);
	ATF_CHECK_EQ(ks.host_fs, FS_MV);
	keyfile_keyset_free(&ks);
}

/* The remaining keys dirs and exports, as a host would load them. */
ATF_TC_WITHOUT_HEAD(vectors_others);
ATF_TC_BODY(vectors_others, tc)
{
	static const struct {
		const char	*dir, *host, *pw;
		uint32_t	 fs;
	} dirs[] = {
		{ "keys/gq/client", "beta.test", "clientpw", FS_GQ + 1 },
		{ "keys/mv/client", "beta.test", "clientpw", FS_MV + 3 },
		{ "keys/mv-traditional/client", "beta.test", "clientpw",
		    FS_MV + 3 },
	};
	struct keyset		 ks;
	struct keyfile		 kf;
	struct ident_mv_server	 sv;
	struct ident_mv_client	 cl;
	char			 err[KEYFILE_ERRLEN];
	const char		*d;
	size_t			 i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		d = vec(tc, dirs[i].dir);
		ATF_REQUIRE_MSG(keyfile_load_host(d, dirs[i].host, NULL,
		    dirs[i].pw, &ks, err, sizeof(err)) == 0, "%s", err);
		ATF_CHECK_EQ(ks.host_fs, dirs[i].fs);
		ATF_CHECK_EQ(ks.cert_fs, dirs[i].fs);
		ATF_CHECK_STREQ(ks.certinfo.subject, "beta.test");
		ATF_CHECK_EQ(ks.certinfo.mark, CERT_MARK_NONE);
		ATF_CHECK_STREQ(ks.certinfo.scheme, "RSA-MD5");
		keyfile_keyset_free(&ks);
	}
	/* a stock MV server key (-q export) has lost ghat */
	d = vec(tc, "exports");
	readfile(d, "ntpkey_mvkey_alpha.test.stock-export-q", "serverpw", &kf);
	ATF_CHECK_EQ(kf.fstamp, FS_MV);
	ATF_CHECK(ident_mv_load_server(&kf, &sv, err, sizeof(err)) == -1);
	keyfile_free(&kf);
	readfile(d, "ntpkey_mvpar_alpha.test.stock-export", NULL, &kf);
	ATF_CHECK(ident_mv_load_client(&kf, &cl, err, sizeof(err)) == -1);
	keyfile_free(&kf);
	/* the traditional copies: legacy-encrypted server, plain client */
	readfile(d, "ntpkey_mvkey_alpha.test.4004651491.traditional-pem",
	    "serverpw", &kf);
	ATF_CHECK_EQ(kf.form[0], KEYFILE_FORM_TRAD_ENC);
	ATF_CHECK_MSG(ident_mv_load_server(&kf, &sv, err, sizeof(err)) == 0,
	    "%s", err);
	ident_mv_server_free(&sv);
	keyfile_free(&kf);
	readfile(d, "ntpkey_mvpar_alpha.test.4004651491.traditional-pem",
	    NULL, &kf);
	ATF_CHECK_EQ(kf.fstamp, FS_MVTRAD);
	ATF_CHECK_MSG(ident_mv_load_client(&kf, &cl, err, sizeof(err)) == 0,
	    "%s", err);
	ident_mv_client_free(&cl);
	keyfile_free(&kf);
}

/* Our writer: traditional DSA keeps the public slot, PKCS#8 reads back. */
ATF_TC_WITHOUT_HEAD(write_roundtrip);
ATF_TC_BODY(write_roundtrip, tc)
{
	struct ident_iff key, par, back;
	struct keyfile	 kf;
	char		 err[KEYFILE_ERRLEN];
	const char	*data;
	long		 len;
	BIO		*bio;
	int		 dirfd;

	ATF_REQUIRE(ident_iff_generate(512, 160, &key) == 0);
	ATF_REQUIRE(ident_iff_client(&key, &par) == 0);

	ATF_REQUIRE((bio = keyfile_begin("ntpkey_iffpar_g.3000000000",
	    1000)) != NULL);
	ATF_REQUIRE(ident_iff_write(bio, &par, NULL, NULL) == 0);
	len = BIO_get_mem_data(bio, &data);
	ATF_REQUIRE(keyfile_parse(data, (size_t)len, NULL, &kf, err,
	    sizeof(err)) == 0);
	ATF_CHECK_EQ(kf.fstamp, 3000000000U);
	ATF_CHECK_EQ(kf.form[0], KEYFILE_FORM_TRAD);
	ATF_REQUIRE_MSG(ident_iff_load(&kf, 0, &back, err, sizeof(err)) == 0,
	    "%s", err);
	ATF_CHECK_EQ(BN_cmp(back.v, key.v), 0);
	ident_iff_free(&back);
	keyfile_free(&kf);
	BIO_free(bio);

	ATF_REQUIRE((bio = keyfile_begin("ntpkey_IFFkey_g.3000000000",
	    1000)) != NULL);
	ATF_REQUIRE(ident_iff_write(bio, &key, "pw", EVP_des_ede3_cbc()) == 0);
	len = BIO_get_mem_data(bio, &data);
	ATF_REQUIRE(keyfile_parse(data, (size_t)len, "pw", &kf, err,
	    sizeof(err)) == 0);
	ATF_CHECK_EQ(kf.form[0], KEYFILE_FORM_PKCS8_ENC);
	ATF_REQUIRE(ident_iff_load(&kf, 1, &back, err, sizeof(err)) == 0);
	ATF_CHECK_EQ(BN_cmp(back.b, key.b), 0);
	ATF_CHECK_EQ(BN_cmp(back.v, key.v), 0);
	ident_iff_free(&back);
	keyfile_free(&kf);
	ATF_CHECK(keyfile_parse(data, (size_t)len, "wrong", &kf, err,
	    sizeof(err)) == -1 && strstr(err, "wrong password") != NULL);

	/* commit and link in a scratch directory */
	ATF_REQUIRE((dirfd = open(".", O_RDONLY | O_DIRECTORY)) != -1);
	ATF_REQUIRE(keyfile_commit(bio, dirfd, "ntpkey_IFFkey_g.3000000000",
	    0600, err, sizeof(err)) == 0);
	ATF_REQUIRE(keyfile_link(dirfd, "ntpkey_IFFkey_g.3000000000",
	    "ntpkey_iffkey_g", err, sizeof(err)) == 0);
	ATF_REQUIRE(keyfile_link(dirfd, "ntpkey_IFFkey_g.3000000000",
	    "ntpkey_iffkey_g", err, sizeof(err)) == 0);
	{
		struct stat	 st;
		char		 t[KEYFILE_NAMELEN];

		ATF_REQUIRE(stat("ntpkey_IFFkey_g.3000000000", &st) == 0);
		ATF_CHECK_EQ(st.st_mode & 07777, 0600);
		ATF_REQUIRE(keyfile_readlink(dirfd, "ntpkey_iffkey_g", t,
		    sizeof(t)) == 0);
		ATF_CHECK_STREQ(t, "ntpkey_IFFkey_g.3000000000");
	}
	/* a regular file in the link's place is not clobbered */
	ATF_REQUIRE(close(open("ntpkey_iffkey_h", O_CREAT | O_WRONLY,
	    0600)) == 0);
	ATF_CHECK(keyfile_link(dirfd, "x", "ntpkey_iffkey_h", err,
	    sizeof(err)) == -1);
	close(dirfd);
	ident_iff_free(&par);
	ident_iff_free(&key);
}

ATF_TC_WITHOUT_HEAD(gq_mv_generate);
ATF_TC_BODY(gq_mv_generate, tc)
{
	struct ident_gq		 gq, gqpar;
	struct ident_mv_ta	 ta, back;
	struct keyfile		 kf;
	char			 err[KEYFILE_ERRLEN];
	const char		*data;
	uint8_t			 r[256], *resp;
	size_t			 rlen, resplen;
	long			 len;
	BIO			*bio;
	int			 j;

	ATF_REQUIRE(ident_gq_generate(512, &gq) == 0);
	ATF_REQUIRE(ident_gq_client(&gq, &gqpar) == 0);
	rlen = ident_gq_challenge_len(&gqpar);
	ATF_REQUIRE(ident_challenge(rlen, gq.n, r) == 0);
	ATF_REQUIRE(ident_gq_respond(&gq, r, rlen, &resp, &resplen) == 0);
	ATF_CHECK(ident_gq_verify(&gqpar, r, rlen, resp, resplen) == 0);
	free(resp);
	/* round trip through the file form */
	ATF_REQUIRE((bio = keyfile_begin("ntpkey_GQkey_g.1", 0)) != NULL);
	ATF_REQUIRE(ident_gq_write(bio, &gq, "pw", EVP_aes_256_cbc()) == 0);
	len = BIO_get_mem_data(bio, &data);
	ATF_REQUIRE(keyfile_parse(data, (size_t)len, "pw", &kf, err,
	    sizeof(err)) == 0);
	ident_gq_free(&gqpar);
	ATF_REQUIRE_MSG(ident_gq_load(&kf, 1, &gqpar, err, sizeof(err)) == 0,
	    "%s", err);
	ATF_CHECK_EQ(BN_cmp(gqpar.u, gq.u), 0);
	ident_gq_free(&gqpar);
	keyfile_free(&kf);
	BIO_free(bio);
	ident_gq_free(&gq);

	ATF_REQUIRE(ident_mv_generate(4, 256, &ta) == 0);
	rlen = ident_mv_challenge_len(&ta.client[0]);
	for (j = 0; j < 4; j++) {
		ATF_REQUIRE(ident_challenge(rlen, ta.p, r) == 0);
		ATF_REQUIRE(ident_mv_respond(&ta.server, r, rlen, &resp,
		    &resplen) == 0);
		/* clients 1..n-1 verify; client n is revoked */
		if (j < 3)
			ATF_CHECK_MSG(ident_mv_verify(&ta.client[j], r, rlen,
			    resp, resplen) == 0, "client %d", j + 1);
		else
			ATF_CHECK(ident_mv_verify(&ta.client[j], r, rlen,
			    resp, resplen) == -1);
		free(resp);
	}
	ATF_REQUIRE((bio = keyfile_begin("ntpkey_MVta_g.1", 0)) != NULL);
	ATF_REQUIRE(ident_mv_write_ta(bio, &ta, "pw", EVP_des_ede3_cbc()) == 0);
	len = BIO_get_mem_data(bio, &data);
	ATF_REQUIRE(keyfile_parse(data, (size_t)len, "pw", &kf, err,
	    sizeof(err)) == 0);
	ATF_CHECK_EQ(kf.nkeys, 6);
	ATF_CHECK_EQ(kf.form[0], KEYFILE_FORM_TRAD_ENC);
	ATF_REQUIRE_MSG(ident_mv_load_ta(&kf, &back, err, sizeof(err)) == 0,
	    "%s", err);
	ATF_CHECK_EQ(BN_cmp(back.server.ghat, ta.server.ghat), 0);
	ATF_CHECK_EQ(BN_cmp(back.client[1].xhat, ta.client[1].xhat), 0);
	ident_mv_ta_free(&back);
	keyfile_free(&kf);
	BIO_free(bio);
	ident_mv_ta_free(&ta);
}

ATF_TC_WITHOUT_HEAD(cert_roundtrip);
ATF_TC_BODY(cert_roundtrip, tc)
{
	EVP_PKEY_CTX	*ctx;
	EVP_PKEY	*key = NULL;
	X509		*x;
	struct cert_info ci;
	char		 err[KEYFILE_ERRLEN];
	uint8_t		 gq[64], *der = NULL;
	int		 len;

	ATF_REQUIRE((ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) !=
	    NULL);
	ATF_REQUIRE(EVP_PKEY_keygen_init(ctx) == 1 &&
	    EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 1024) == 1 &&
	    EVP_PKEY_keygen(ctx, &key) == 1);
	EVP_PKEY_CTX_free(ctx);
	memset(gq, 0xa5, sizeof(gq));
	x = cert_create(key, "RSA-SHA256", "beta.test@alpha.test",
	    4004649431ULL, 1795660631, 30, CERT_MARK_PRIVATE, gq, sizeof(gq),
	    err, sizeof(err));
	ATF_REQUIRE_MSG(x != NULL, "%s", err);
	ATF_REQUIRE((len = i2d_X509(x, &der)) > 0);
	ATF_REQUIRE_MSG(cert_parse(der, (size_t)len, &ci, err,
	    sizeof(err)) == 0, "%s", err);
	ATF_CHECK_STREQ(ci.subject, "beta.test@alpha.test");
	ATF_CHECK_EQ(ci.serial, 4004649431ULL);
	ATF_CHECK_EQ(ci.notbefore, 1795660631);
	ATF_CHECK_EQ(ci.notafter, 1795660631 + 30 * 86400);
	ATF_CHECK_EQ(ci.mark, CERT_MARK_PRIVATE);
	ATF_CHECK(ci.selfsigned && ci.ca);
	ATF_CHECK(ci.gqkeylen == 64 && memcmp(ci.gqkey, gq, 64) == 0);
	ATF_CHECK_EQ(ci.signid, NID_sha256WithRSAEncryption);
	/* truncated and padded DER are refused */
	ATF_CHECK(cert_parse(der, (size_t)len - 1, &ci, err,
	    sizeof(err)) == -1);
	{
		uint8_t	*pad;

		ATF_REQUIRE((pad = calloc(1, (size_t)len + 1)) != NULL);
		memcpy(pad, der, (size_t)len);
		ATF_CHECK(cert_parse(pad, (size_t)len + 1, &ci, err,
		    sizeof(err)) == -1);
		free(pad);
	}
	OPENSSL_free(der);
	/* scheme must fit the key, and exist */
	ATF_CHECK(cert_create(key, "DSA-SHA1", "x", 1, 0, 1, CERT_MARK_NONE,
	    NULL, 0, err, sizeof(err)) == NULL);
	ATF_CHECK(cert_create(key, "NOPE", "x", 1, 0, 1, CERT_MARK_NONE,
	    NULL, 0, err, sizeof(err)) == NULL);
	X509_free(x);
	EVP_PKEY_free(key);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, header);
	ATF_TP_ADD_TC(tp, vectors_iff_server);
	ATF_TP_ADD_TC(tp, vectors_iff_exports);
	ATF_TP_ADD_TC(tp, vectors_gq);
	ATF_TP_ADD_TC(tp, vectors_mv_stock);
	ATF_TP_ADD_TC(tp, vectors_mv_traditional);
	ATF_TP_ADD_TC(tp, vectors_plain);
	ATF_TP_ADD_TC(tp, vectors_others);
	ATF_TP_ADD_TC(tp, write_roundtrip);
	ATF_TP_ADD_TC(tp, gq_mv_generate);
	ATF_TP_ADD_TC(tp, cert_roundtrip);
	return (atf_no_error());
}
