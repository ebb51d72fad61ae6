/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * Configuration parser tests.  Golden files in data/: NAME.in is parsed
 * with fname "NAME.in"; NAME.ok holds the expected conf_print output,
 * NAME.err the expected error line.  Every .ok case must also survive a
 * print -> parse -> print round trip unchanged.
 */

#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "config.h"

static char datadir[1024];

/* data/ next to the test program, in the build tree or in the sources. */
static void
find_datadir(const atf_tc_t *tc)
{
	const char	*vars[] = { "builddir", "srcdir" };
	const char	*subs[] = { "regress/config/data", "data" };
	struct stat	 st;
	size_t		 i, j;

	for (i = 0; i < 2; i++) {
		if (!atf_tc_has_config_var(tc, vars[i]))
			continue;
		for (j = 0; j < 2; j++) {
			(void)snprintf(datadir, sizeof(datadir), "%s/%s",
			    atf_tc_get_config_var(tc, vars[i]), subs[j]);
			if (stat(datadir, &st) == 0 && S_ISDIR(st.st_mode))
				return;
		}
	}
	atf_tc_fail("cannot find regress/config/data");
}

/* Whole file into a malloc'd buffer; NULL if it does not exist. */
static char *
slurp(const char *name, const char *ext, size_t *lenp)
{
	char	 path[1200], *buf = NULL, *nbuf;
	size_t	 len = 0, cap = 0;
	ssize_t	 r;
	int	 fd;

	(void)snprintf(path, sizeof(path), "%s/%s%s", datadir, name, ext);
	if ((fd = open(path, O_RDONLY)) == -1) {
		ATF_REQUIRE_MSG(errno == ENOENT, "%s: %s", path,
		    strerror(errno));
		return NULL;
	}
	for (;;) {
		if (len + 1 >= cap) {
			cap = cap ? cap * 2 : 4096;
			ATF_REQUIRE((nbuf = realloc(buf, cap)) != NULL);
			buf = nbuf;
		}
		r = read(fd, buf + len, cap - len - 1);
		ATF_REQUIRE(r >= 0);
		if (r == 0)
			break;
		len += (size_t)r;
	}
	buf[len] = '\0';
	(void)close(fd);
	*lenp = len;
	return buf;
}

static char *
print_conf(const struct ntpd_conf *conf, size_t *lenp)
{
	char	*out = NULL;
	size_t	 len = 0;
	FILE	*fp;

	ATF_REQUIRE((fp = open_memstream(&out, &len)) != NULL);
	conf_print(fp, conf);
	ATF_REQUIRE(fclose(fp) == 0);
	*lenp = len;
	return out;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Names of data/NAME.in, sorted. */
static size_t
golden_names(char names[][128], size_t max)
{
	DIR		*d;
	struct dirent	*de;
	size_t		 n = 0, len;

	ATF_REQUIRE_MSG((d = opendir(datadir)) != NULL, "%s", datadir);
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len <= 3 || len - 3 >= 128 ||
		    strcmp(de->d_name + len - 3, ".in") != 0)
			continue;
		ATF_REQUIRE(n < max);
		memcpy(names[n], de->d_name, len - 3);
		names[n][len - 3] = '\0';
		n++;
	}
	(void)closedir(d);
	qsort(names, n, sizeof(names[0]), name_cmp);
	return n;
}

/* Runs one golden case; returns 0 when it passes, else reports why. */
static int
golden_one(const char *name, int *nok, int *nerr)
{
	struct ntpd_conf	*conf, *conf2;
	char			 fname[160], err[2048];
	char			*in, *ok, *experr, *out, *out2;
	size_t			 inlen, oklen = 0, errlen = 0, outlen, out2len;
	int			 rc, pass = 0;

	ATF_REQUIRE((conf = malloc(sizeof(*conf))) != NULL);
	ATF_REQUIRE((conf2 = malloc(sizeof(*conf2))) != NULL);
	(void)snprintf(fname, sizeof(fname), "%s.in", name);
	in = slurp(name, ".in", &inlen);
	ok = slurp(name, ".ok", &oklen);
	experr = slurp(name, ".err", &errlen);
	ATF_REQUIRE(in != NULL);

	rc = conf_parse_buf(in, inlen, fname, conf, err, sizeof(err));
	if ((ok == NULL) == (experr == NULL)) {
		atf_tc_fail_nonfatal("%s: need exactly one of .ok and .err",
		    name);
	} else if (ok != NULL) {
		(*nok)++;
		if (rc != 0) {
			atf_tc_fail_nonfatal("%s: unexpected error: %s", name,
			    err);
			goto done;
		}
		out = print_conf(conf, &outlen);
		if (outlen != oklen || memcmp(out, ok, oklen) != 0) {
			atf_tc_fail_nonfatal("%s: output differs from .ok:\n"
			    "%s", name, out);
			free(out);
			goto done;
		}
		/* Canonical output must parse back to itself. */
		rc = conf_parse_buf(out, outlen, "print", conf2, err,
		    sizeof(err));
		if (rc != 0) {
			atf_tc_fail_nonfatal("%s: re-parse failed: %s", name,
			    err);
			free(out);
			conf_free(conf2);
			goto done;
		}
		out2 = print_conf(conf2, &out2len);
		if (out2len != outlen || memcmp(out, out2, outlen) != 0)
			atf_tc_fail_nonfatal("%s: round trip differs:\n%s",
			    name, out2);
		else
			pass = 1;
		free(out);
		free(out2);
		conf_free(conf2);
	} else {
		(*nerr)++;
		while (errlen > 0 && experr[errlen - 1] == '\n')
			experr[--errlen] = '\0';
		if (rc != -1)
			atf_tc_fail_nonfatal("%s: parsed, expected error '%s'",
			    name, experr);
		else if (strcmp(err, experr) != 0)
			atf_tc_fail_nonfatal("%s: error '%s', expected '%s'",
			    name, err, experr);
		else
			pass = 1;
	}
 done:
	conf_free(conf);
	free(conf);
	free(conf2);
	free(in);
	free(ok);
	free(experr);
	return pass ? 0 : -1;
}

ATF_TC(golden);
ATF_TC_HEAD(golden, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "data/NAME.in parses to NAME.ok or fails with NAME.err");
}
ATF_TC_BODY(golden, tc)
{
	static char	 names[512][128];
	size_t		 n, i;
	int		 nok = 0, nerr = 0, failed = 0;

	find_datadir(tc);
	n = golden_names(names, 512);
	for (i = 0; i < n; i++)
		if (golden_one(names[i], &nok, &nerr) == -1)
			failed++;
	printf("%zu golden cases: %d .ok, %d .err, %d failed\n", n, nok,
	    nerr, failed);
	ATF_CHECK(nok >= 5);
	ATF_CHECK(nerr >= 10);
}

ATF_TC_WITHOUT_HEAD(password);
ATF_TC_BODY(password, tc)
{
	static const char	 in[] = "crypto pw s3cret-Pass\n";
	struct ntpd_conf	*conf;
	char			 err[256], *out;
	size_t			 len;

	ATF_REQUIRE((conf = malloc(sizeof(*conf))) != NULL);
	ATF_REQUIRE(conf_parse_buf(in, sizeof(in) - 1, "t", conf, err,
	    sizeof(err)) == 0);
	ATF_CHECK(conf->crypto.enabled);
	ATF_CHECK(conf->crypto.pw_set);
	ATF_CHECK_STREQ(conf->crypto.pw, "s3cret-Pass");
	out = print_conf(conf, &len);
	ATF_CHECK(strstr(out, "s3cret") == NULL);
	ATF_CHECK(strstr(out, "pw ********") != NULL);
	free(out);
	conf_free(conf);
	ATF_CHECK(conf->crypto.pw[0] == '\0');
	ATF_CHECK(memchr(conf->crypto.pw, 's', sizeof(conf->crypto.pw)) ==
	    NULL);
	ATF_CHECK(!conf->crypto.pw_set);
	free(conf);
}

ATF_TC_WITHOUT_HEAD(password_too_long);
ATF_TC_BODY(password_too_long, tc)
{
	struct ntpd_conf	*conf;
	char			 in[400], err[256];

	ATF_REQUIRE((conf = malloc(sizeof(*conf))) != NULL);
	memset(in, 'p', sizeof(in));
	memcpy(in, "crypto pw ", 10);
	ATF_CHECK(conf_parse_buf(in, sizeof(in), "t", conf, err,
	    sizeof(err)) == -1);
	ATF_CHECK_STREQ(err, "t:1: pw: too long (max 255)");
	ATF_CHECK(strstr(err, "ppp") == NULL);
	conf_free(conf);
	free(conf);
}

ATF_TC_WITHOUT_HEAD(defaults);
ATF_TC_BODY(defaults, tc)
{
	struct ntpd_conf	*conf;
	char			 err[256];

	ATF_REQUIRE((conf = malloc(sizeof(*conf))) != NULL);
	ATF_REQUIRE(conf_parse_buf("server a.example iburst", 23, "t", conf,
	    err, sizeof(err)) == 0);
	ATF_CHECK_EQ(conf->port, 123);
	ATF_CHECK_STREQ(conf->user, "_ntp");
	ATF_CHECK_STREQ(conf->keyd_user, "_ntpkey");
	ATF_CHECK_STREQ(conf->chroot, "/var/lib/sealntp/empty");
	ATF_CHECK_STREQ(conf->controlsocket, "/run/sealntp/ntpd.sock");
	ATF_CHECK_STREQ(conf->crypto.digest, "MD5");
	ATF_CHECK(!conf->crypto.enabled);
	ATF_CHECK_EQ(conf->nlisten, 0);
	ATF_REQUIRE_EQ(conf->npeers, 1);
	ATF_CHECK_EQ(conf->peers[0].mode, CONF_MODE_SERVER);
	ATF_CHECK_STREQ(conf->peers[0].host, "a.example");
	ATF_CHECK_EQ(conf->peers[0].flags, CONF_PEER_IBURST);
	ATF_CHECK_EQ(conf->peers[0].minpoll, 6);
	ATF_CHECK_EQ(conf->peers[0].maxpoll, 10);
	ATF_CHECK_EQ(conf->peers[0].version, 4);
	ATF_CHECK_EQ(conf->peers[0].port, 123);
	ATF_CHECK_EQ(conf->peers[0].line, 1);
	conf_free(conf);
	free(conf);
}

ATF_TC_WITHOUT_HEAD(nul_and_long);
ATF_TC_BODY(nul_and_long, tc)
{
	struct ntpd_conf	*conf;
	char			 buf[2000], err[256];

	ATF_REQUIRE((conf = malloc(sizeof(*conf))) != NULL);
	ATF_CHECK(conf_parse_buf("# x\n# a\0b\n", 10, "f", conf, err,
	    sizeof(err)) == -1);
	ATF_CHECK_STREQ(err, "f:2: NUL byte in line");

	/* 1023 bytes plus newline is the longest line allowed. */
	memset(buf, ' ', sizeof(buf));
	buf[1023] = '\n';
	ATF_CHECK(conf_parse_buf(buf, 1024, "f", conf, err,
	    sizeof(err)) == 0);
	ATF_CHECK(conf_parse_buf(buf, 1023, "f", conf, err,
	    sizeof(err)) == 0);
	buf[1023] = ' ';
	ATF_CHECK(conf_parse_buf(buf, 1024, "f", conf, err,
	    sizeof(err)) == -1);
	ATF_CHECK_STREQ(err, "f:1: line too long (max 1023 bytes)");

	/* A tiny error buffer truncates, never overflows. */
	ATF_CHECK(conf_parse_buf("tinker", 6, "f", conf, err, 5) == -1);
	ATF_CHECK_STREQ(err, "f:1:");
	ATF_CHECK(conf_parse_buf("tinker", 6, "f", conf, NULL, 0) == -1);
	conf_free(conf);
	free(conf);
}

ATF_TC_WITHOUT_HEAD(too_many);
ATF_TC_BODY(too_many, tc)
{
	struct ntpd_conf	*conf;
	char			*buf, err[256];
	size_t			 len = 0, i, cap = 64 * 1024;

	ATF_REQUIRE((conf = malloc(sizeof(*conf))) != NULL);
	ATF_REQUIRE((buf = malloc(cap)) != NULL);
	for (i = 0; i < CONF_MAX_PEERS + 1; i++)
		len += (size_t)snprintf(buf + len, cap - len,
		    "server s%zu.example\n", i);
	ATF_CHECK(conf_parse_buf(buf, len, "f", conf, err,
	    sizeof(err)) == -1);
	ATF_CHECK_STREQ(err, "f:65: server: too many associations (max 64)");

	len = 0;
	for (i = 0; i < CONF_MAX_RESTRICT + 1; i++)
		len += (size_t)snprintf(buf + len, cap - len,
		    "restrict 10.0.%zu.%zu noquery\n", i / 256, i % 256);
	ATF_CHECK(conf_parse_buf(buf, len, "f", conf, err,
	    sizeof(err)) == -1);
	ATF_CHECK_STREQ(err, "f:257: restrict: too many entries (max 256)");
	len -= strlen("restrict 10.0.1.0 noquery\n");
	ATF_CHECK(conf_parse_buf(buf, len, "f", conf, err,
	    sizeof(err)) == 0);
	ATF_CHECK_EQ(conf->nrestricts, 256);
	conf_free(conf);
	free(conf);
	free(buf);
}

ATF_TC_WITHOUT_HEAD(parse_file);
ATF_TC_BODY(parse_file, tc)
{
	struct ntpd_conf	*conf;
	char			 err[512];
	FILE			*fp;
	int			 i;

	ATF_REQUIRE((conf = malloc(sizeof(*conf))) != NULL);
	ATF_CHECK(conf_parse_file("/nonexistent/ntp.conf", conf, err,
	    sizeof(err)) == -1);
	ATF_CHECK_STREQ(err,
	    "/nonexistent/ntp.conf: No such file or directory");
	ATF_CHECK(conf_parse_file(".", conf, err, sizeof(err)) == -1);
	ATF_CHECK_STREQ(err, ".: not a regular file");

	atf_utils_create_file("ok.conf", "server 192.0.2.1 iburst\n"
	    "crypto pw x\n");
	ATF_CHECK(conf_parse_file("ok.conf", conf, err, sizeof(err)) == 0);
	ATF_CHECK_EQ(conf->npeers, 1);
	ATF_CHECK(conf->crypto.pw_set);
	conf_free(conf);

	atf_utils_create_file("bad.conf", "\n\nserver\n");
	ATF_CHECK(conf_parse_file("bad.conf", conf, err, sizeof(err)) == -1);
	ATF_CHECK_STREQ(err, "bad.conf:3: server: missing argument");

	ATF_REQUIRE((fp = fopen("big.conf", "w")) != NULL);
	for (i = 0; i < CONF_MAX_FILE / 64 + 1; i++)
		fprintf(fp, "%063d\n", 0);
	ATF_REQUIRE(fclose(fp) == 0);
	ATF_CHECK(conf_parse_file("big.conf", conf, err, sizeof(err)) == -1);
	ATF_CHECK_STREQ(err,
	    "big.conf: file too large (max 1048576 bytes)");
	conf_free(conf);
	free(conf);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, golden);
	ATF_TP_ADD_TC(tp, password);
	ATF_TP_ADD_TC(tp, password_too_long);
	ATF_TP_ADD_TC(tp, defaults);
	ATF_TP_ADD_TC(tp, nul_and_long);
	ATF_TP_ADD_TC(tp, too_many);
	ATF_TP_ADD_TC(tp, parse_file);
	return atf_no_error();
}
