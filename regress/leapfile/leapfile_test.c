/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * leap-seconds.list parser tests.  data/leap-seconds.list is Debian's
 * tzdata copy of the IERS file (updated 3960835200, expires 3991593600,
 * 28 entries, last TAI-UTC 37); data/negative.list is hand-made with a
 * deleted second so that leap_pending's -1 is exercised.
 */

#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "leapfile.h"

#define JAN2017		3692217600ULL	/* TAI-UTC 36 -> 37 */
#define DAY		86400ULL

static char *
slurp(const atf_tc_t *tc, const char *name, size_t *lenp)
{
	const char	*vars[] = { "builddir", "srcdir" };
	const char	*subs[] = { "regress/leapfile/data", "data" };
	char		 path[1200], *buf = NULL, *nbuf;
	size_t		 i, j, len = 0, cap = 0;
	ssize_t		 r;
	int		 fd = -1;

	for (i = 0; i < 2 && fd == -1; i++) {
		if (!atf_tc_has_config_var(tc, vars[i]))
			continue;
		for (j = 0; j < 2 && fd == -1; j++) {
			(void)snprintf(path, sizeof(path), "%s/%s/%s",
			    atf_tc_get_config_var(tc, vars[i]), subs[j], name);
			fd = open(path, O_RDONLY);
		}
	}
	ATF_REQUIRE_MSG(fd != -1, "cannot find data/%s", name);
	for (;;) {
		if (len + 1 >= cap) {
			cap = cap ? cap * 2 : 8192;
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

/* Replace the first occurrence of from by to (same length). */
static void
patch(char *buf, const char *from, const char *to)
{
	char	*p = strstr(buf, from);

	ATF_REQUIRE_MSG(p != NULL, "'%s' not in file", from);
	ATF_REQUIRE(strlen(from) == strlen(to));
	memcpy(p, to, strlen(to));
}

ATF_TC_WITHOUT_HEAD(real_file);
ATF_TC_BODY(real_file, tc)
{
	struct leap_table	 t;
	char			*buf, err[256];
	size_t			 len;

	buf = slurp(tc, "leap-seconds.list", &len);
	ATF_REQUIRE_MSG(leapfile_parse(buf, len, &t, err, sizeof(err)) == 0,
	    "%s", err);
	ATF_CHECK(t.hash_ok);
	ATF_CHECK_EQ(t.n, 28);
	ATF_CHECK_EQ(t.e[0].ntp_secs, 2272060800ULL);
	ATF_CHECK_EQ(t.e[0].tai_offset, 10);
	ATF_CHECK_EQ(t.e[27].ntp_secs, JAN2017);
	ATF_CHECK_EQ(t.e[27].tai_offset, 37);
	ATF_CHECK_EQ(t.updated, 3960835200ULL);
	ATF_CHECK_EQ(t.expires, 3991593600ULL);
	free(buf);
}

ATF_TC_WITHOUT_HEAD(offset_lookup);
ATF_TC_BODY(offset_lookup, tc)
{
	struct leap_table	 t;
	char			*buf, err[256];
	size_t			 len;

	buf = slurp(tc, "leap-seconds.list", &len);
	ATF_REQUIRE(leapfile_parse(buf, len, &t, err, sizeof(err)) == 0);
	ATF_CHECK_EQ(leap_offset_at(&t, 0), 0);
	ATF_CHECK_EQ(leap_offset_at(&t, 2272060799ULL), 0);
	ATF_CHECK_EQ(leap_offset_at(&t, 2272060800ULL), 10);
	ATF_CHECK_EQ(leap_offset_at(&t, 2287785599ULL), 10);
	ATF_CHECK_EQ(leap_offset_at(&t, 2287785600ULL), 11);
	ATF_CHECK_EQ(leap_offset_at(&t, JAN2017 - 1), 36);
	ATF_CHECK_EQ(leap_offset_at(&t, JAN2017), 37);
	ATF_CHECK_EQ(leap_offset_at(&t, 3991593600ULL), 37);
	ATF_CHECK_EQ(leap_offset_at(&t, UINT64_MAX), 37);
	free(buf);
}

ATF_TC_WITHOUT_HEAD(pending);
ATF_TC_BODY(pending, tc)
{
	struct leap_table	 t;
	char			*buf, err[256];
	size_t			 len;
	uint64_t		 when = 0;

	buf = slurp(tc, "leap-seconds.list", &len);
	ATF_REQUIRE(leapfile_parse(buf, len, &t, err, sizeof(err)) == 0);
	ATF_CHECK_EQ(leap_pending(&t, JAN2017 - DAY, &when), 1);
	ATF_CHECK_EQ(when, JAN2017);
	ATF_CHECK_EQ(leap_pending(&t, JAN2017 - 28 * DAY, NULL), 1);
	ATF_CHECK_EQ(leap_pending(&t, JAN2017 - 28 * DAY - 1, NULL), 0);
	ATF_CHECK_EQ(leap_pending(&t, JAN2017 - 1, NULL), 1);
	ATF_CHECK_EQ(leap_pending(&t, JAN2017, NULL), 0);
	ATF_CHECK_EQ(leap_pending(&t, 3960835200ULL, NULL), 0);
	/* Before the first entry there is no step to report. */
	ATF_CHECK_EQ(leap_pending(&t, 2272060800ULL - DAY, NULL), 0);
	free(buf);

	buf = slurp(tc, "negative.list", &len);
	ATF_REQUIRE_MSG(leapfile_parse(buf, len, &t, err, sizeof(err)) == 0,
	    "%s", err);
	ATF_CHECK_EQ(t.n, 4);
	ATF_CHECK_EQ(leap_pending(&t, 4102444800ULL - DAY, &when), -1);
	ATF_CHECK_EQ(when, 4102444800ULL);
	ATF_CHECK_EQ(leap_offset_at(&t, 4102444800ULL), 10);
	ATF_CHECK_EQ(leap_pending(&t, 4118083200ULL - 3 * DAY, &when), 1);
	ATF_CHECK_EQ(when, 4118083200ULL);
	free(buf);
}

ATF_TC_WITHOUT_HEAD(expired);
ATF_TC_BODY(expired, tc)
{
	struct leap_table	 t;
	char			*buf, err[256];
	size_t			 len;

	buf = slurp(tc, "leap-seconds.list", &len);
	ATF_REQUIRE(leapfile_parse(buf, len, &t, err, sizeof(err)) == 0);
	ATF_CHECK(!leap_expired(&t, 3960835200ULL));
	ATF_CHECK(!leap_expired(&t, 3991593600ULL - 1));
	ATF_CHECK(leap_expired(&t, 3991593600ULL));
	ATF_CHECK(leap_expired(&t, 3991593600ULL + 365 * DAY));
	free(buf);
}

ATF_TC_WITHOUT_HEAD(hash_mismatch);
ATF_TC_BODY(hash_mismatch, tc)
{
	struct leap_table	 t;
	char			*buf, err[256];
	size_t			 len;

	/* A data line's time. */
	buf = slurp(tc, "leap-seconds.list", &len);
	patch(buf, "3692217600", "3692217601");
	ATF_CHECK(leapfile_parse(buf, len, &t, err, sizeof(err)) == -1);
	ATF_CHECK_STREQ(err, "hash mismatch");
	ATF_CHECK(!t.hash_ok);
	free(buf);

	/* The expiration date is covered too. */
	buf = slurp(tc, "leap-seconds.list", &len);
	patch(buf, "#@\t3991593600", "#@\t3991593601");
	ATF_CHECK(leapfile_parse(buf, len, &t, err, sizeof(err)) == -1);
	ATF_CHECK_STREQ(err, "hash mismatch");
	free(buf);

	/* The hash itself. */
	buf = slurp(tc, "leap-seconds.list", &len);
	patch(buf, "49db2447", "49db2448");
	ATF_CHECK(leapfile_parse(buf, len, &t, err, sizeof(err)) == -1);
	ATF_CHECK_STREQ(err, "hash mismatch");
	free(buf);

	/* Comments and blanks are not covered. */
	buf = slurp(tc, "leap-seconds.list", &len);
	patch(buf, "# 1 Jan 2017", "# 1 Jan 2O17");
	patch(buf, "37      #", "37     \t#");
	ATF_CHECK_MSG(leapfile_parse(buf, len, &t, err, sizeof(err)) == 0,
	    "%s", err);
	ATF_CHECK(t.hash_ok);
	free(buf);
}

ATF_TC_WITHOUT_HEAD(structure_errors);
ATF_TC_BODY(structure_errors, tc)
{
	struct leap_table	 t;
	char			*buf, err[256], *p;
	size_t			 len;

	/* Missing hash line. */
	buf = slurp(tc, "leap-seconds.list", &len);
	patch(buf, "#h\t", "#  ");
	ATF_CHECK(leapfile_parse(buf, len, &t, err, sizeof(err)) == -1);
	ATF_CHECK_STREQ(err, "missing hash line (#h)");
	free(buf);

	/* Missing expiration. */
	buf = slurp(tc, "leap-seconds.list", &len);
	patch(buf, "#@", "# ");
	ATF_CHECK(leapfile_parse(buf, len, &t, err, sizeof(err)) == -1);
	ATF_CHECK_STREQ(err, "missing expiration line (#@)");
	free(buf);

	/* Two entries' times swapped: line 103 goes back in time. */
	buf = slurp(tc, "leap-seconds.list", &len);
	patch(buf, "2871676800      26", "2918937600      26");
	p = strstr(buf, "2918937600      27");
	ATF_REQUIRE(p != NULL);
	patch(p, "2918937600      27", "2871676800      27");
	ATF_CHECK(leapfile_parse(buf, len, &t, err, sizeof(err)) == -1);
	ATF_CHECK_STREQ(err, "line 103: entries not in increasing time order");
	free(buf);

	/* Equal times are not increasing either. */
	buf = slurp(tc, "leap-seconds.list", &len);
	patch(buf, "2287785600      11", "2272060800      11");
	ATF_CHECK(leapfile_parse(buf, len, &t, err, sizeof(err)) == -1);
	ATF_CHECK_MATCH("entries not in increasing time order$", err);
	free(buf);

	/* Offset jumping by 2. */
	buf = slurp(tc, "leap-seconds.list", &len);
	patch(buf, "37      #", "38      #");
	ATF_CHECK(leapfile_parse(buf, len, &t, err, sizeof(err)) == -1);
	ATF_CHECK_MATCH("^line [0-9]+: offset changes by 2, not by 1$", err);
	free(buf);

	/* Junk on a data line. */
	buf = slurp(tc, "leap-seconds.list", &len);
	patch(buf, "37      #", "37  x   #");
	ATF_CHECK(leapfile_parse(buf, len, &t, err, sizeof(err)) == -1);
	ATF_CHECK_MATCH("^line [0-9]+: unexpected text$", err);
	free(buf);

	/* Bad hash words. */
	buf = slurp(tc, "leap-seconds.list", &len);
	patch(buf, "49db2447", "49dg2447");
	ATF_CHECK(leapfile_parse(buf, len, &t, err, sizeof(err)) == -1);
	ATF_CHECK_MATCH("^line [0-9]+: bad hash line$", err);
	free(buf);

	/* NUL byte. */
	buf = slurp(tc, "leap-seconds.list", &len);
	buf[10] = '\0';
	ATF_CHECK(leapfile_parse(buf, len, &t, err, sizeof(err)) == -1);
	ATF_CHECK_STREQ(err, "NUL byte in file");
	free(buf);

	ATF_CHECK(leapfile_parse("", 0, &t, err, sizeof(err)) == -1);
	ATF_CHECK_STREQ(err, "missing last update line (#$)");
	ATF_CHECK(leapfile_parse("#$ 1\n#@ 2\n#h 0 0 0 0 0\n", 23, &t, err,
	    sizeof(err)) == -1);
	ATF_CHECK_STREQ(err, "no leap second entries");
	ATF_CHECK(leapfile_parse("#$ 1\n#@ 2\n#h 0 0 0 0 0\n1 1\n", 27, &t,
	    err, sizeof(err)) == -1);
	ATF_CHECK_STREQ(err, "line 4: data after hash line");
	ATF_CHECK(leapfile_parse("#$ 99999999999\n", 15, &t, err,
	    sizeof(err)) == -1);
	ATF_CHECK_STREQ(err, "line 1: #$ out of range");
}

/* Every prefix of the real file fails cleanly (or, whole, succeeds). */
ATF_TC_WITHOUT_HEAD(truncated);
ATF_TC_BODY(truncated, tc)
{
	struct leap_table	 t;
	char			*buf, err[256];
	size_t			 len, i;

	buf = slurp(tc, "leap-seconds.list", &len);
	for (i = 0; i < len; i++) {
		/* The last line's newline is not significant. */
		if (i == len - 1 && buf[i] == '\n')
			continue;
		ATF_CHECK_MSG(leapfile_parse(buf, i, &t, err, sizeof(err)) ==
		    -1, "prefix %zu parsed", i);
	}
	free(buf);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, real_file);
	ATF_TP_ADD_TC(tp, offset_lookup);
	ATF_TP_ADD_TC(tp, pending);
	ATF_TP_ADD_TC(tp, expired);
	ATF_TP_ADD_TC(tp, hash_mismatch);
	ATF_TP_ADD_TC(tp, structure_errors);
	ATF_TP_ADD_TC(tp, truncated);
	return atf_no_error();
}
