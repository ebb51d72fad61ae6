/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * The parent's bounds on clock requests and the drift file
 * (ntpd/clockadj.c).  Nothing here touches the clock: apply is only
 * called with noclock set.
 */

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "clockadj.h"
#include "ipc.h"

ATF_TC_WITHOUT_HEAD(validate_bounds);
ATF_TC_BODY(validate_bounds, tc)
{
	char why[160];

	/* Slew: at most 0.5 s either way. */
	ATF_CHECK(clockadj_validate(IMSG_ADJ_OFFSET, 0, why, sizeof(why)) == 0);
	ATF_CHECK(clockadj_validate(IMSG_ADJ_OFFSET, 0.5, why,
	    sizeof(why)) == 0);
	ATF_CHECK(clockadj_validate(IMSG_ADJ_OFFSET, -0.5, why,
	    sizeof(why)) == 0);
	ATF_CHECK(clockadj_validate(IMSG_ADJ_OFFSET, 0.5000001, why,
	    sizeof(why)) == -1);
	ATF_CHECK_MATCH("^ADJ_OFFSET .* out of bounds \\(limit 0.5\\)$", why);
	/* Step: the panic threshold. */
	ATF_CHECK(clockadj_validate(IMSG_STEP, 1000, why, sizeof(why)) == 0);
	ATF_CHECK(clockadj_validate(IMSG_STEP, -1000, why, sizeof(why)) == 0);
	ATF_CHECK(clockadj_validate(IMSG_STEP, 1000.001, why,
	    sizeof(why)) == -1);
	ATF_CHECK_MATCH("^STEP ", why);
	/* Frequency and the drift to save: the kernel's 500 ppm. */
	ATF_CHECK(clockadj_validate(IMSG_ADJ_FREQ, 500, why, sizeof(why)) == 0);
	ATF_CHECK(clockadj_validate(IMSG_ADJ_FREQ, -500.1, why,
	    sizeof(why)) == -1);
	ATF_CHECK(clockadj_validate(IMSG_WRITE_DRIFT, -499.9, why,
	    sizeof(why)) == 0);
	ATF_CHECK(clockadj_validate(IMSG_WRITE_DRIFT, 501, why,
	    sizeof(why)) == -1);
	ATF_CHECK_MATCH("^WRITE_DRIFT ", why);
}

ATF_TC_WITHOUT_HEAD(validate_nonfinite);
ATF_TC_BODY(validate_nonfinite, tc)
{
	const uint32_t types[] = { IMSG_ADJ_OFFSET, IMSG_ADJ_FREQ, IMSG_STEP,
	    IMSG_WRITE_DRIFT };
	char why[160];
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		ATF_CHECK(clockadj_validate(types[i], NAN, why,
		    sizeof(why)) == -1);
		ATF_CHECK(clockadj_validate(types[i], INFINITY, why,
		    sizeof(why)) == -1);
		ATF_CHECK(clockadj_validate(types[i], -INFINITY, why,
		    sizeof(why)) == -1);
	}
}

ATF_TC_WITHOUT_HEAD(validate_type);
ATF_TC_BODY(validate_type, tc)
{
	char why[160], want[64];

	/* Only the four clock requests are clock requests. */
	ATF_CHECK(clockadj_validate(IMSG_SYNCED, 0, why, sizeof(why)) == -1);
	snprintf(want, sizeof(want), "not a clock request (%u)",
	    (unsigned int)IMSG_SYNCED);
	ATF_CHECK_STREQ(why, want);
	ATF_CHECK(clockadj_validate(IMSG_SET_LEAP, 1, why, sizeof(why)) == -1);
	ATF_CHECK(clockadj_validate(0, 0, why, sizeof(why)) == -1);
	ATF_CHECK(clockadj_validate(UINT32_MAX, 0, why, sizeof(why)) == -1);
	/* A tiny buffer is still terminated. */
	ATF_CHECK(clockadj_validate(IMSG_STEP, 1e9, why, 4) == -1);
	ATF_CHECK_EQ(strlen(why), 3);
}

ATF_TC_WITHOUT_HEAD(apply_noclock);
ATF_TC_BODY(apply_noclock, tc)
{
	char what[160];

	ATF_CHECK(clockadj_apply(IMSG_ADJ_OFFSET, 0.0001, 1, what,
	    sizeof(what)) == 0);
	ATF_CHECK_STREQ(what, "would slew +0.000100 s");
	ATF_CHECK(clockadj_apply(IMSG_STEP, -2.5, 1, what, sizeof(what)) ==
	    0);
	ATF_CHECK_STREQ(what, "would step -2.500000 s");
	ATF_CHECK(clockadj_apply(IMSG_ADJ_FREQ, 12.3456, 1, what,
	    sizeof(what)) == 0);
	ATF_CHECK_STREQ(what, "would set frequency +12.346 ppm");
	/* The drift file is not a clock action. */
	errno = 0;
	ATF_CHECK(clockadj_apply(IMSG_WRITE_DRIFT, 1, 1, what,
	    sizeof(what)) == -1);
	ATF_CHECK_EQ(errno, EINVAL);
}

static int
parse(const char *s, double *v)
{
	return clockadj_parse_drift(s, strlen(s), v);
}

ATF_TC_WITHOUT_HEAD(parse_drift);
ATF_TC_BODY(parse_drift, tc)
{
	double v;

	ATF_CHECK(parse("12.345\n", &v) == 0);
	ATF_CHECK(fabs(v - 12.345) < 1e-12);
	ATF_CHECK(parse("-3", &v) == 0);
	ATF_CHECK_EQ(v, -3);
	ATF_CHECK(parse("  0.5 \r\n", &v) == 0);
	ATF_CHECK_EQ(v, 0.5);
	ATF_CHECK(parse("500", &v) == 0);
	ATF_CHECK(parse("-500.000", &v) == 0);
	/* The reference ntpd writes "%.3f", sometimes with an exponent. */
	ATF_CHECK(parse("1e1\n", &v) == 0);
	ATF_CHECK_EQ(v, 10);

	v = 42;
	ATF_CHECK(parse("", &v) == -1);
	ATF_CHECK(parse("\n", &v) == -1);
	ATF_CHECK(parse("abc", &v) == -1);
	ATF_CHECK(parse("1.5x", &v) == -1);
	ATF_CHECK(parse("1.5 2.5", &v) == -1);
	ATF_CHECK(parse("500.001", &v) == -1);
	ATF_CHECK(parse("-1000", &v) == -1);
	ATF_CHECK(parse("nan", &v) == -1);
	ATF_CHECK(parse("inf", &v) == -1);
	ATF_CHECK(parse("1e999", &v) == -1);
	/* A NUL inside the file is damage, not the end of the number. */
	ATF_CHECK(clockadj_parse_drift("1.0\0junk", 8, &v) == -1);
	/* Failures leave the value alone. */
	ATF_CHECK_EQ(v, 42);
}

ATF_TC_WITHOUT_HEAD(parse_drift_long);
ATF_TC_BODY(parse_drift_long, tc)
{
	char buf[200];
	double v;

	/* 63 bytes fit the parser's buffer; 64 do not. */
	memset(buf, ' ', sizeof(buf));
	buf[0] = '1';
	ATF_CHECK(clockadj_parse_drift(buf, 63, &v) == 0);
	ATF_CHECK_EQ(v, 1);
	ATF_CHECK(clockadj_parse_drift(buf, 64, &v) == -1);
	ATF_CHECK(clockadj_parse_drift(buf, sizeof(buf), &v) == -1);
}

ATF_TC_WITHOUT_HEAD(drift_file);
ATF_TC_BODY(drift_file, tc)
{
	char err[1200], cwd[1024], path[1100];
	FILE *f;
	double v;

	ATF_REQUIRE(getcwd(cwd, sizeof(cwd)) != NULL);
	snprintf(path, sizeof(path), "%s/ntp.drift", cwd);

	/* Written atomically with 3 decimals, read back. */
	ATF_REQUIRE(clockadj_write_drift(path, -12.3456) == 0);
	ATF_CHECK(access("ntp.drift.tmp", F_OK) == -1);
	ATF_REQUIRE(clockadj_read_drift(path, &v, err, sizeof(err)) == 0);
	ATF_CHECK(fabs(v + 12.346) < 1e-9);
	ATF_REQUIRE(clockadj_write_drift(path, 7) == 0);
	ATF_REQUIRE(clockadj_read_drift(path, &v, err, sizeof(err)) == 0);
	ATF_CHECK_EQ(v, 7);

	/* Errors name the file. */
	ATF_REQUIRE((f = fopen("bad.drift", "w")) != NULL);
	fputs("fast\n", f);
	fclose(f);
	ATF_CHECK(clockadj_read_drift("bad.drift", &v, err, sizeof(err)) ==
	    -1);
	ATF_CHECK_STREQ(err, "bad.drift: not a frequency in ppm");
	errno = 0;
	ATF_CHECK(clockadj_read_drift("none.drift", &v, err, sizeof(err)) ==
	    -1);
	ATF_CHECK_EQ(errno, ENOENT);
	ATF_CHECK_STREQ(err, "none.drift: No such file or directory");
	/* A symbolic link is not followed (the parent runs as root). */
	ATF_REQUIRE(symlink(path, "link.drift") == 0);
	ATF_CHECK(clockadj_read_drift("link.drift", &v, err, sizeof(err)) ==
	    -1);
	ATF_CHECK(clockadj_write_drift("link.drift", 1) == 0 ||
	    errno == ELOOP);
	/* A directory that does not exist. */
	ATF_CHECK(clockadj_write_drift("/nonexistent/ntp.drift", 1) == -1);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, validate_bounds);
	ATF_TP_ADD_TC(tp, validate_nonfinite);
	ATF_TP_ADD_TC(tp, validate_type);
	ATF_TP_ADD_TC(tp, apply_noclock);
	ATF_TP_ADD_TC(tp, parse_drift);
	ATF_TP_ADD_TC(tp, parse_drift_long);
	ATF_TP_ADD_TC(tp, drift_file);
	return atf_no_error();
}
