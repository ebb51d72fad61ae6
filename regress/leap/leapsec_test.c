/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * Leap second policy (ntpd/leapsec.c): what is announced when, the
 * servers' vote, the table's trip over the pipe, the parent's bounds on
 * IMSG_SET_LEAP, and loading a file with errors that name it.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "leapsec.h"
#include "packet.h"

#define JAN1972		2272060800ULL
#define JUL1972		2287785600ULL
#define JAN2017		3692217600ULL
#define DAY		86400ULL

static void
table3(struct leap_table *t)
{
	memset(t, 0, sizeof(*t));
	t->e[0].ntp_secs = JAN1972;
	t->e[0].tai_offset = 10;
	t->e[1].ntp_secs = JUL1972;
	t->e[1].tai_offset = 11;
	t->e[2].ntp_secs = JAN2017;
	t->e[2].tai_offset = 12;
	t->n = 3;
	t->updated = JAN2017 - 100 * DAY;
	t->expires = JAN2017 + 100 * DAY;
	t->hash_ok = 1;
}

ATF_TC_WITHOUT_HEAD(query_window);
ATF_TC_BODY(query_window, tc)
{
	struct leap_table t;
	struct leapsec_state st;

	table3(&t);
	/* A month before: known, not announced. */
	leapsec_query(&t, JAN2017 - 30 * DAY, &st);
	ATF_CHECK_EQ(st.tai_offset, 11);
	ATF_CHECK_EQ(st.next, JAN2017);
	ATF_CHECK_EQ(st.next_dir, 1);
	ATF_CHECK_EQ(st.announce, NTP_LI_NONE);
	ATF_CHECK(st.at_midnight);
	ATF_CHECK(!st.expired);
	/* One second before the last day. */
	leapsec_query(&t, JAN2017 - DAY - 1, &st);
	ATF_CHECK_EQ(st.announce, NTP_LI_NONE);
	/* The whole last UTC day. */
	leapsec_query(&t, JAN2017 - DAY, &st);
	ATF_CHECK_EQ(st.announce, NTP_LI_ADD);
	leapsec_query(&t, JAN2017 - 1, &st);
	ATF_CHECK_EQ(st.announce, NTP_LI_ADD);
	ATF_CHECK_EQ(st.tai_offset, 11);
	/* Done: new offset, nothing ahead. */
	leapsec_query(&t, JAN2017, &st);
	ATF_CHECK_EQ(st.announce, NTP_LI_NONE);
	ATF_CHECK_EQ(st.tai_offset, 12);
	ATF_CHECK_EQ(st.next, 0);
	ATF_CHECK_EQ(st.next_dir, 0);
	/* Expiry. */
	leapsec_query(&t, JAN2017 + 100 * DAY, &st);
	ATF_CHECK(st.expired);
	ATF_CHECK_EQ(st.tai_offset, 12);
	/* Before the table: nothing known. */
	leapsec_query(&t, JAN1972 - 1, &st);
	ATF_CHECK_EQ(st.tai_offset, 0);
	ATF_CHECK_EQ(st.next, JUL1972);
	/* An empty table says nothing. */
	memset(&t, 0, sizeof(t));
	leapsec_query(&t, JAN2017, &st);
	ATF_CHECK_EQ(st.tai_offset, 0);
	ATF_CHECK_EQ(st.next, 0);
	ATF_CHECK_EQ(st.announce, 0);
}

ATF_TC_WITHOUT_HEAD(query_delete);
ATF_TC_BODY(query_delete, tc)
{
	struct leap_table t;
	struct leapsec_state st;

	table3(&t);
	t.e[2].tai_offset = 10;		/* a deleted second */
	leapsec_query(&t, JAN2017 - 3600, &st);
	ATF_CHECK_EQ(st.next_dir, -1);
	ATF_CHECK_EQ(st.announce, NTP_LI_DEL);
	/* Not at a midnight: announced, but flagged (no kernel arming). */
	t.e[2].ntp_secs = JAN2017 + 3600;
	leapsec_query(&t, JAN2017, &st);
	ATF_CHECK_EQ(st.announce, NTP_LI_DEL);
	ATF_CHECK(!st.at_midnight);
}

ATF_TC_WITHOUT_HEAD(vote);
ATF_TC_BODY(vote, tc)
{
	const uint8_t none[] = { 0, 0, 0 };
	const uint8_t one_of_three[] = { 1, 0, 0 };
	const uint8_t two_of_three[] = { 1, 0, 1 };
	const uint8_t two_of_four[] = { 1, 1, 0, 0 };
	const uint8_t three_of_four[] = { 1, 1, 0, 1 };
	const uint8_t del[] = { 2, 2, 1 };
	const uint8_t single[] = { 1 };
	const uint8_t alarm[] = { 3, 3, 3 };

	ATF_CHECK_EQ(leapsec_vote(none, 3), NTP_LI_NONE);
	ATF_CHECK_EQ(leapsec_vote(one_of_three, 3), NTP_LI_NONE);
	ATF_CHECK_EQ(leapsec_vote(two_of_three, 3), NTP_LI_ADD);
	/* Half is not a majority. */
	ATF_CHECK_EQ(leapsec_vote(two_of_four, 4), NTP_LI_NONE);
	ATF_CHECK_EQ(leapsec_vote(three_of_four, 4), NTP_LI_ADD);
	ATF_CHECK_EQ(leapsec_vote(del, 3), NTP_LI_DEL);
	ATF_CHECK_EQ(leapsec_vote(single, 1), NTP_LI_ADD);
	ATF_CHECK_EQ(leapsec_vote(alarm, 3), NTP_LI_NONE);
	ATF_CHECK_EQ(leapsec_vote(NULL, 0), NTP_LI_NONE);
}

ATF_TC_WITHOUT_HEAD(conf_roundtrip);
ATF_TC_BODY(conf_roundtrip, tc)
{
	struct leap_table t, u;
	struct ipc_conf_leap c;
	char err[128];

	table3(&t);
	leapsec_to_conf(&t, &c);
	ATF_CHECK_EQ(c.n, 3);
	ATF_REQUIRE_MSG(leapsec_from_conf(&c, &u, err, sizeof(err)) == 0,
	    "%s", err);
	ATF_CHECK_EQ(u.n, 3);
	ATF_CHECK(memcmp(u.e, t.e, sizeof(t.e)) == 0);
	ATF_CHECK_EQ(u.expires, t.expires);
	ATF_CHECK_EQ(u.updated, t.updated);
	ATF_CHECK(u.hash_ok);

	/* What the engine refuses. */
	c.n = 0;
	ATF_CHECK(leapsec_from_conf(&c, &u, err, sizeof(err)) == -1);
	c.n = IPC_LEAP_MAX + 1;
	ATF_CHECK(leapsec_from_conf(&c, &u, err, sizeof(err)) == -1);
	ATF_CHECK_EQ(u.n, 0);
	leapsec_to_conf(&t, &c);
	c.e[2].tai_offset = 13;		/* jumps by 2 */
	ATF_CHECK(leapsec_from_conf(&c, &u, err, sizeof(err)) == -1);
	leapsec_to_conf(&t, &c);
	c.e[2].ntp_secs = JUL1972;	/* not increasing */
	ATF_CHECK(leapsec_from_conf(&c, &u, err, sizeof(err)) == -1);
	leapsec_to_conf(&t, &c);
	c.e[0].tai_offset = -1;
	ATF_CHECK(leapsec_from_conf(&c, &u, err, sizeof(err)) == -1);
	leapsec_to_conf(&t, &c);
	c.expires = c.updated;
	ATF_CHECK(leapsec_from_conf(&c, &u, err, sizeof(err)) == -1);
}

ATF_TC_WITHOUT_HEAD(validate_set_leap);
ATF_TC_BODY(validate_set_leap, tc)
{
	struct ipc_leap l;
	char why[128];
	int v;

	for (v = -1; v <= 1; v++) {
		l.leap = v;
		l.tai = 37;
		ATF_CHECK(leapsec_validate(&l, why, sizeof(why)) == 0);
	}
	l.leap = 0;
	l.tai = 0;
	ATF_CHECK(leapsec_validate(&l, why, sizeof(why)) == 0);
	l.leap = 2;
	ATF_CHECK(leapsec_validate(&l, why, sizeof(why)) == -1);
	ATF_CHECK_MATCH("SET_LEAP 2 is not -1, 0 or 1", why);
	l.leap = -2;
	ATF_CHECK(leapsec_validate(&l, why, sizeof(why)) == -1);
	l.leap = INT32_MIN;
	ATF_CHECK(leapsec_validate(&l, why, sizeof(why)) == -1);
	l.leap = 1;
	l.tai = -1;
	ATF_CHECK(leapsec_validate(&l, why, sizeof(why)) == -1);
	ATF_CHECK_MATCH("TAI offset -1 out of bounds", why);
	l.tai = 1001;
	ATF_CHECK(leapsec_validate(&l, why, sizeof(why)) == -1);
}

ATF_TC_WITHOUT_HEAD(apply_noclock);
ATF_TC_BODY(apply_noclock, tc)
{
	struct ipc_leap l;
	char what[160];

	/* With -x nothing is touched: only the text. */
	l.leap = 1;
	l.tai = 37;
	ATF_CHECK(leapsec_apply(&l, 1, what, sizeof(what)) == 0);
	ATF_CHECK_STREQ(what, "would arm the kernel to insert a leap second "
	    "at the end of this UTC day, TAI-UTC 37 s");
	l.leap = -1;
	l.tai = 0;
	ATF_CHECK(leapsec_apply(&l, 1, what, sizeof(what)) == 0);
	ATF_CHECK_STREQ(what, "would arm the kernel to delete a leap second "
	    "at the end of this UTC day");
	l.leap = 0;
	ATF_CHECK(leapsec_apply(&l, 1, what, sizeof(what)) == 0);
	ATF_CHECK_STREQ(what, "would clear the kernel's leap second flags");
}

ATF_TC_WITHOUT_HEAD(fmt);
ATF_TC_BODY(fmt, tc)
{
	char buf[64];

	leapsec_fmt(JAN2017, buf, sizeof(buf));
	ATF_CHECK_STREQ(buf, "2017-01-01 00:00:00 UTC");
	leapsec_fmt(JUL1972 - 1, buf, sizeof(buf));
	ATF_CHECK_STREQ(buf, "1972-06-30 23:59:59 UTC");
	leapsec_fmt(0, buf, sizeof(buf));
	ATF_CHECK_STREQ(buf, "1900-01-01 00:00:00 UTC");
	leapsec_fmt(3991593600ULL, buf, sizeof(buf));
	ATF_CHECK_STREQ(buf, "2026-06-28 00:00:00 UTC");
	/* 2100 is not a leap year, 2000 was. */
	leapsec_fmt(2208988800ULL + 951782400ULL, buf, sizeof(buf));
	ATF_CHECK_STREQ(buf, "2000-02-29 00:00:00 UTC");
	leapsec_fmt(2208988800ULL + 4107542400ULL, buf, sizeof(buf));
	ATF_CHECK_STREQ(buf, "2100-03-01 00:00:00 UTC");
}

ATF_TC_WITHOUT_HEAD(month_end);
ATF_TC_BODY(month_end, tc)
{
	ATF_CHECK(leapsec_month_end(JAN2017 - 1));
	ATF_CHECK(leapsec_month_end(JAN2017 - DAY));
	ATF_CHECK(!leapsec_month_end(JAN2017 - DAY - 1));
	ATF_CHECK(!leapsec_month_end(JAN2017));
	ATF_CHECK(leapsec_month_end(JUL1972 - 1));
	/* 2000-02-29 is the last day of its February. */
	ATF_CHECK(leapsec_month_end(2208988800ULL + 951782400ULL));
	ATF_CHECK(!leapsec_month_end(2208988800ULL + 951782400ULL - DAY));
}

static void
write_file(const char *path, const char *text)
{
	FILE *f;

	ATF_REQUIRE((f = fopen(path, "w")) != NULL);
	ATF_REQUIRE(fputs(text, f) >= 0);
	ATF_REQUIRE(fclose(f) == 0);
}

ATF_TC_WITHOUT_HEAD(load);
ATF_TC_BODY(load, tc)
{
	struct leap_table t;
	char path[1200], err[512];

	/* Missing file: the name and the reason. */
	ATF_CHECK(leapsec_load("/nonexistent/leap.list", &t, err,
	    sizeof(err)) == -1);
	ATF_CHECK_STREQ(err, "/nonexistent/leap.list: No such file or "
	    "directory");
	ATF_CHECK(leapsec_load(".", &t, err, sizeof(err)) == -1);
	ATF_CHECK_STREQ(err, ".: not a regular file");
	/* Wrong hash (the right one ends in ...3a47a5f8). */
	write_file("bad.list", "#$ 3676924800\n#@ 3707596800\n"
	    "2272060800 10\n#h 0 0 0 0 0\n");
	ATF_CHECK(leapsec_load("bad.list", &t, err, sizeof(err)) == -1);
	ATF_CHECK_STREQ(err, "bad.list: hash mismatch");
	write_file("junk.list", "hello\n");
	ATF_CHECK(leapsec_load("junk.list", &t, err, sizeof(err)) == -1);
	ATF_CHECK_MATCH("^junk.list: line 1: ", err);

	if (!atf_tc_has_config_var(tc, "srcdir"))
		atf_tc_skip("srcdir not set");
	/* ATF's srcdir is this program's directory; data sits beside. */
	snprintf(path, sizeof(path), "%s/../leapfile/data/"
	    "leap-seconds.list", atf_tc_get_config_var(tc, "srcdir"));
	ATF_REQUIRE_MSG(leapsec_load(path, &t, err, sizeof(err)) == 0, "%s",
	    err);
	ATF_CHECK_EQ(t.n, 28);
	ATF_CHECK_EQ(leap_offset_at(&t, JAN2017), 37);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, query_window);
	ATF_TP_ADD_TC(tp, query_delete);
	ATF_TP_ADD_TC(tp, vote);
	ATF_TP_ADD_TC(tp, conf_roundtrip);
	ATF_TP_ADD_TC(tp, validate_set_leap);
	ATF_TP_ADD_TC(tp, apply_noclock);
	ATF_TP_ADD_TC(tp, fmt);
	ATF_TP_ADD_TC(tp, month_end);
	ATF_TP_ADD_TC(tp, load);
	return atf_no_error();
}
