/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

#include <atf-c.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "ntptime.h"

#define ERA1_UNIX	((time_t)2085978496)	/* 2036-02-07T06:28:16Z */
#define Y2026		((time_t)1795661572)	/* 2026-11-26T02:52:52Z */
#define Y2037		((time_t)2114380800)	/* 2037-01-01T00:00:00Z */

ATF_TC_WITHOUT_HEAD(known_values);
ATF_TC_BODY(known_values, tc)
{
	struct timespec	 t;

	t.tv_sec = 0;
	t.tv_nsec = 0;
	ATF_CHECK_EQ(ntp_ts_from_timespec(&t), 0x83aa7e8000000000ULL);
	ATF_CHECK_EQ(ntp_ts_from_double(0.0), 0x83aa7e8000000000ULL);
	ATF_CHECK_EQ(ntp_ts_from_double(0.5), 0x83aa7e8080000000ULL);
	ATF_CHECK_EQ(ntp_secs_from_unix(0), 0x83aa7e80U);

	/* The era boundary is timestamp 0. */
	t.tv_sec = ERA1_UNIX;
	ATF_CHECK_EQ(ntp_ts_from_timespec(&t), 0ULL);
	t.tv_sec = ERA1_UNIX - 1;
	ATF_CHECK_EQ(ntp_ts_from_timespec(&t), 0xffffffff00000000ULL);

	/* A timestamp from the captures. */
	ntp_ts_to_timespec(0xeeb21d847ea40cbfULL, Y2026, &t);
	ATF_CHECK_EQ(t.tv_sec, Y2026);
	ATF_CHECK(t.tv_nsec > 494690000 && t.tv_nsec < 494691000);
	ATF_CHECK_EQ(ntp_secs_to_unix(4004649424U, Y2026), (time_t)1795660624);

	/* 1900 itself, seen from 1950. */
	ntp_ts_to_timespec(0, -631152000, &t);
	ATF_CHECK_EQ(t.tv_sec, -(time_t)NTP_UNIX_OFFSET);
}

ATF_TC_WITHOUT_HEAD(timespec_roundtrip);
ATF_TC_BODY(timespec_roundtrip, tc)
{
	static const long nsecs[] = { 0, 1, 2, 3, 499999999, 500000000,
	    500000001, 999999998, 999999999, 123456789, 232, 233 };
	static const time_t secs[] = { 0, 1, Y2026, ERA1_UNIX - 1,
	    ERA1_UNIX, ERA1_UNIX + 1, Y2037, -1, -2208988800LL };
	struct timespec	 in, out;
	size_t		 i, j;
	ntp_ts		 ts;

	for (i = 0; i < sizeof(secs) / sizeof(secs[0]); i++) {
		for (j = 0; j < sizeof(nsecs) / sizeof(nsecs[0]); j++) {
			in.tv_sec = secs[i];
			in.tv_nsec = nsecs[j];
			ts = ntp_ts_from_timespec(&in);
			ntp_ts_to_timespec(ts, secs[i], &out);
			ATF_CHECK_EQ_MSG(out.tv_sec, in.tv_sec,
			    "sec %lld.%09ld", (long long)in.tv_sec,
			    in.tv_nsec);
			ATF_CHECK_EQ_MSG(out.tv_nsec, in.tv_nsec,
			    "nsec %lld.%09ld -> %ld", (long long)in.tv_sec,
			    in.tv_nsec, out.tv_nsec);
			/* Any pivot within 68 years gives the same answer. */
			ntp_ts_to_timespec(ts, secs[i] + 2000000000, &out);
			ATF_CHECK_EQ(out.tv_sec, in.tv_sec);
			ntp_ts_to_timespec(ts, secs[i] - 2000000000, &out);
			ATF_CHECK_EQ(out.tv_sec, in.tv_sec);
		}
	}

	/* A fraction just below 1 rounds up into the next second. */
	ntp_ts_to_timespec(0x83aa7e80ffffffffULL, 0, &out);
	ATF_CHECK_EQ(out.tv_sec, 1);
	ATF_CHECK_EQ(out.tv_nsec, 0);

	/* Every fraction comes back within a nanosecond. */
	for (i = 0; i < 100000; i++) {
		uint64_t frac = (uint64_t)i * 42949u + 17;
		double exact, got;

		ts = 0xeeb21d8400000000ULL | (frac & 0xffffffffU);
		ntp_ts_to_timespec(ts, Y2026, &out);
		exact = (double)(frac & 0xffffffffU) / 4294967296.0 * 1e9;
		got = (double)out.tv_nsec + (out.tv_sec - Y2026) * 1e9;
		ATF_REQUIRE(fabs(exact - got) <= 1.0);
	}

	/* Non-normalized input. */
	in.tv_sec = 10;
	in.tv_nsec = -1;
	ntp_ts_to_timespec(ntp_ts_from_timespec(&in), 0, &out);
	ATF_CHECK_EQ(out.tv_sec, 9);
	ATF_CHECK_EQ(out.tv_nsec, 999999999);
	in.tv_nsec = 2500000000L;
	ntp_ts_to_timespec(ntp_ts_from_timespec(&in), 0, &out);
	ATF_CHECK_EQ(out.tv_sec, 12);
	ATF_CHECK_EQ(out.tv_nsec, 500000000);
}

ATF_TC_WITHOUT_HEAD(double_roundtrip);
ATF_TC_BODY(double_roundtrip, tc)
{
	static const double v[] = { 0.0, 0.25, 1.5, -0.75, -1.0,
	    1795661572.494690, 2085978495.75, 2085978496.0, 2085978496.125,
	    2114380800.999 };
	size_t		 i;
	ntp_ts		 ts;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		ts = ntp_ts_from_double(v[i]);
		ATF_CHECK_MSG(fabs(ntp_ts_to_double(ts, (time_t)v[i]) -
		    v[i]) < 1e-6, "%f", v[i]);
	}
	ATF_CHECK_EQ(ntp_ts_from_double(2085978496.0), 0ULL);
	ATF_CHECK_EQ(ntp_ts_from_double(-1.0), 0x83aa7e7f00000000ULL);
	ATF_CHECK_EQ(ntp_ts_from_double(NAN), 0ULL);
	ATF_CHECK_EQ(ntp_ts_from_double(INFINITY), 0ULL);
	ATF_CHECK_EQ(ntp_ts_from_double(-1e300), 0ULL);
	ATF_CHECK(fabs(ntp_ts_to_double(0xeeb21d847ea40cbfULL, Y2026) -
	    1795661572.494690701) < 1e-6);
}

ATF_TC_WITHOUT_HEAD(era_rollover);
ATF_TC_BODY(era_rollover, tc)
{
	struct timespec	 t;

	/* Small timestamps seen from 2036 and 2037 are in era 1. */
	ntp_ts_to_timespec(0, ERA1_UNIX - 3600, &t);
	ATF_CHECK_EQ(t.tv_sec, ERA1_UNIX);
	ntp_ts_to_timespec(0x0000000100000000ULL, Y2037, &t);
	ATF_CHECK_EQ(t.tv_sec, ERA1_UNIX + 1);
	ATF_CHECK_EQ(ntp_secs_to_unix(1000, Y2037), ERA1_UNIX + 1000);
	/* ...and large ones seen from just after the boundary are in era 0. */
	ntp_ts_to_timespec(0xffffffff00000000ULL, ERA1_UNIX + 10, &t);
	ATF_CHECK_EQ(t.tv_sec, ERA1_UNIX - 1);
	/* From 2026, timestamp 0 is 2036, not 1900. */
	ntp_ts_to_timespec(0, Y2026, &t);
	ATF_CHECK_EQ(t.tv_sec, ERA1_UNIX);
	ATF_CHECK(fabs(ntp_ts_to_double(0x0000000080000000ULL, Y2037) -
	    (ERA1_UNIX + 0.5)) < 1e-9);
	ATF_CHECK_EQ(ntp_ts_from_double((double)Y2037) >> 32,
	    (uint64_t)(Y2037 - ERA1_UNIX));
}

ATF_TC_WITHOUT_HEAD(diff_add);
ATF_TC_BODY(diff_add, tc)
{
	ntp_ts		 before = 0xffffffff80000000ULL;	/* 0.5 s before */
	ntp_ts		 after = 0x0000000140000000ULL;		/* 1.25 s after */

	ATF_CHECK_EQ(ntp_ts_diff(after, before), 1.75);
	ATF_CHECK_EQ(ntp_ts_diff(before, after), -1.75);
	ATF_CHECK_EQ(ntp_ts_diff(after, after), 0.0);
	ATF_CHECK_EQ(ntp_ts_diff(0x83aa7e8000000001ULL, 0x83aa7e8000000000ULL),
	    1.0 / 4294967296.0);
	ATF_CHECK_EQ(ntp_ts_diff(0x83aa7e8000000000ULL, 0x83aa7e8000000001ULL),
	    -1.0 / 4294967296.0);
	/* Half an era apart: the sign is that of the top bit. */
	ATF_CHECK_EQ(ntp_ts_diff(0x8000000000000000ULL, 0), -2147483648.0);
	ATF_CHECK_EQ(ntp_ts_diff(0x7fffffff00000000ULL, 0), 2147483647.0);

	ATF_CHECK_EQ(ntp_ts_add(before, 1.75), after);
	ATF_CHECK_EQ(ntp_ts_add(after, -1.75), before);
	ATF_CHECK_EQ(ntp_ts_add(after, 0.0), after);
	ATF_CHECK_EQ(ntp_ts_add(after, NAN), after);
	ATF_CHECK_EQ(ntp_ts_add(0, -0.5), 0xffffffff80000000ULL);
	ATF_CHECK_EQ(ntp_ts_add(0, 1e300), 0x7fffffff00000000ULL);
	ATF_CHECK_EQ(ntp_ts_add(0, -1e300), 0x8000000100000000ULL);
	ATF_CHECK(fabs(ntp_ts_diff(ntp_ts_add(before, -0.0123456789), before)
	    + 0.0123456789) < 1e-9);
}

ATF_TC_WITHOUT_HEAD(short_format);
ATF_TC_BODY(short_format, tc)
{
	ATF_CHECK_EQ(ntp_short_from_double(0.0), 0U);
	ATF_CHECK_EQ(ntp_short_from_double(1.0), 0x00010000U);
	ATF_CHECK_EQ(ntp_short_from_double(0.5), 0x00008000U);
	ATF_CHECK_EQ(ntp_short_from_double(1.0 / 65536.0), 1U);
	ATF_CHECK_EQ(ntp_short_from_double(-1.0), 0U);
	ATF_CHECK_EQ(ntp_short_from_double(-1e-9), 0U);
	ATF_CHECK_EQ(ntp_short_from_double(NAN), 0U);
	ATF_CHECK_EQ(ntp_short_from_double(65535.99999), 0xffffffffU);
	ATF_CHECK_EQ(ntp_short_from_double(65536.0), 0xffffffffU);
	ATF_CHECK_EQ(ntp_short_from_double(1e12), 0xffffffffU);
	ATF_CHECK_EQ(ntp_short_from_double(INFINITY), 0xffffffffU);
	ATF_CHECK_EQ(ntp_short_to_double(0x00018000U), 1.5);
	ATF_CHECK_EQ(ntp_short_to_double(0xffffffffU),
	    4294967295.0 / 65536.0);
	/* Root dispersion from the captures: 0x0007f291. */
	ATF_CHECK(fabs(ntp_short_to_double(0x0007f291U) - 7.947525) < 1e-6);
	ATF_CHECK_EQ(ntp_short_from_double(ntp_short_to_double(0x0007f291U)),
	    0x0007f291U);
	ATF_CHECK_EQ(ntp_short_from_double(0.076), 0x00001375U);
}

ATF_TC_WITHOUT_HEAD(wire);
ATF_TC_BODY(wire, tc)
{
	uint8_t		 b[8];
	static const uint8_t want[8] = { 0xee, 0xb2, 0x1d, 0x84,
	    0x7e, 0xa4, 0x0c, 0xbf };

	ntp_ts_put(b, 0xeeb21d847ea40cbfULL);
	ATF_CHECK(memcmp(b, want, 8) == 0);
	ATF_CHECK_EQ(ntp_ts_get(want), 0xeeb21d847ea40cbfULL);
	ATF_CHECK_EQ(ntp_get32(want + 4), 0x7ea40cbfU);
	ntp_put32(b, 0x01020304U);
	ATF_CHECK(b[0] == 1 && b[1] == 2 && b[2] == 3 && b[3] == 4);
	ATF_CHECK_EQ(ntp_get16(want), 0xeeb2);
	ntp_put16(b, 0xa1b2);
	ATF_CHECK(b[0] == 0xa1 && b[1] == 0xb2 && b[2] == 3);
}

ATF_TC_WITHOUT_HEAD(fmt);
ATF_TC_BODY(fmt, tc)
{
	char		 buf[NTP_TS_FMTLEN];

	ATF_CHECK_EQ(ntp_ts_fmt(0xeeb21d847ea40cbfULL, Y2026, buf,
	    sizeof(buf)), 43);
	ATF_CHECK_STREQ(buf, "eeb21d84.7ea40cbf  2026-11-26T02:52:52.494Z");
	ATF_CHECK(ntp_ts_fmt(0, Y2026, buf, sizeof(buf)) > 0);
	ATF_CHECK_STREQ(buf, "00000000.00000000  2036-02-07T06:28:16.000Z");
	ATF_CHECK(ntp_ts_fmt(0x83aa7e80ffffffffULL, 0, buf, sizeof(buf)) > 0);
	ATF_CHECK_STREQ(buf, "83aa7e80.ffffffff  1970-01-01T00:00:01.000Z");
	ATF_CHECK(ntp_ts_fmt(0x0000000100000000ULL, Y2037, buf,
	    sizeof(buf)) > 0);
	ATF_CHECK_STREQ(buf, "00000001.00000000  2036-02-07T06:28:17.000Z");
	/* Too small: -1 and a terminated, truncated string. */
	ATF_CHECK_EQ(ntp_ts_fmt(0, Y2026, buf, 10), -1);
	ATF_CHECK_STREQ(buf, "00000000.");
	ATF_CHECK_EQ(ntp_ts_fmt(0, Y2026, buf, 0), -1);
	ATF_CHECK_EQ(ntp_ts_fmt(0, Y2026, buf, 44), 43);
}

ATF_TC_WITHOUT_HEAD(now);
ATF_TC_BODY(now, tc)
{
	struct timespec	 before, t, after;

	/*
	 * Bracketed by the same clock ntp_now() reads.  Not time(NULL): it
	 * reads the coarse clock, which can still show the previous second
	 * for a few milliseconds after CLOCK_REALTIME has moved on.
	 */
	ATF_REQUIRE(clock_gettime(CLOCK_REALTIME, &before) == 0);
	ntp_now(&t);
	ATF_REQUIRE(clock_gettime(CLOCK_REALTIME, &after) == 0);
	ATF_CHECK(t.tv_sec > before.tv_sec || (t.tv_sec == before.tv_sec &&
	    t.tv_nsec >= before.tv_nsec));
	ATF_CHECK(t.tv_sec < after.tv_sec || (t.tv_sec == after.tv_sec &&
	    t.tv_nsec <= after.tv_nsec));
	ATF_CHECK(t.tv_nsec >= 0 && t.tv_nsec < 1000000000L);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, known_values);
	ATF_TP_ADD_TC(tp, timespec_roundtrip);
	ATF_TP_ADD_TC(tp, double_roundtrip);
	ATF_TP_ADD_TC(tp, era_rollover);
	ATF_TP_ADD_TC(tp, diff_add);
	ATF_TP_ADD_TC(tp, short_format);
	ATF_TP_ADD_TC(tp, wire);
	ATF_TP_ADD_TC(tp, fmt);
	ATF_TP_ADD_TC(tp, now);
	return atf_no_error();
}
