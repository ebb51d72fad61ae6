/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * restrict_flags(): the longest matching mask wins, "default" lines per
 * address family, IPv6, and addresses of no known family.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <string.h>

#include <atf-c.h>

#include "config.h"
#include "restrict.h"

#define MAXR	16

static struct ipc_conf_restrict	rl[MAXR];
static size_t			nr;

static void
fill(struct sockaddr_storage *ss, const char *txt)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(txt, ':') != NULL) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)(void *)ss;

		sin6->sin6_family = AF_INET6;
		ATF_REQUIRE(inet_pton(AF_INET6, txt, &sin6->sin6_addr) == 1);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)(void *)ss;

		sin->sin_family = AF_INET;
		ATF_REQUIRE(inet_pton(AF_INET, txt, &sin->sin_addr) == 1);
	}
}

/* A "default" line; family 0 for both (plain "default"). */
static void
add_default(int family, uint32_t flags)
{
	ATF_REQUIRE(nr < MAXR);
	memset(&rl[nr], 0, sizeof(rl[nr]));
	rl[nr].is_default = 1;
	rl[nr].family = family;
	rl[nr].flags = flags;
	nr++;
}

static void
add(const char *addr, const char *mask, uint32_t flags)
{
	ATF_REQUIRE(nr < MAXR);
	memset(&rl[nr], 0, sizeof(rl[nr]));
	fill(&rl[nr].addr, addr);
	fill(&rl[nr].mask, mask);
	rl[nr].family = rl[nr].addr.ss_family;
	rl[nr].flags = flags;
	nr++;
}

static uint32_t
flags_for(const char *addr)
{
	struct sockaddr_storage ss;

	fill(&ss, addr);
	return restrict_flags(rl, nr, (struct sockaddr *)&ss);
}

ATF_TC_WITHOUT_HEAD(empty_list);
ATF_TC_BODY(empty_list, tc)
{
	nr = 0;
	ATF_CHECK_EQ(flags_for("127.0.0.1"), 0);
	ATF_CHECK_EQ(flags_for("::1"), 0);
}

ATF_TC_WITHOUT_HEAD(longest_match);
ATF_TC_BODY(longest_match, tc)
{
	nr = 0;
	/* Deliberately in no order: the mask length decides, not the line. */
	add("10.1.2.3", "255.255.255.255", CONF_RES_NOQUERY);
	add_default(0, CONF_RES_IGNORE);
	add("10.0.0.0", "255.0.0.0", CONF_RES_LIMITED | CONF_RES_KOD);
	add("10.1.0.0", "255.255.0.0", CONF_RES_NOSERVE);

	ATF_CHECK_EQ(flags_for("10.1.2.3"), CONF_RES_NOQUERY);
	ATF_CHECK_EQ(flags_for("10.1.2.4"), CONF_RES_NOSERVE);
	ATF_CHECK_EQ(flags_for("10.1.255.255"), CONF_RES_NOSERVE);
	ATF_CHECK_EQ(flags_for("10.2.0.1"), CONF_RES_LIMITED | CONF_RES_KOD);
	ATF_CHECK_EQ(flags_for("11.0.0.1"), CONF_RES_IGNORE);
	ATF_CHECK_EQ(flags_for("192.0.2.1"), CONF_RES_IGNORE);
}

ATF_TC_WITHOUT_HEAD(host_beats_default);
ATF_TC_BODY(host_beats_default, tc)
{
	nr = 0;
	add_default(0, CONF_RES_IGNORE);
	add("127.0.0.1", "255.255.255.255", 0);
	ATF_CHECK_EQ(flags_for("127.0.0.1"), 0);
	ATF_CHECK_EQ(flags_for("127.0.0.2"), CONF_RES_IGNORE);

	/* The same, with the host line first. */
	nr = 0;
	add("127.0.0.1", "255.255.255.255", CONF_RES_NOTRUST);
	add_default(0, CONF_RES_IGNORE);
	ATF_CHECK_EQ(flags_for("127.0.0.1"), CONF_RES_NOTRUST);
	ATF_CHECK_EQ(flags_for("127.0.0.2"), CONF_RES_IGNORE);
}

ATF_TC_WITHOUT_HEAD(default_per_family);
ATF_TC_BODY(default_per_family, tc)
{
	nr = 0;
	add_default(AF_INET, CONF_RES_KOD | CONF_RES_LIMITED);
	add_default(AF_INET6, CONF_RES_IGNORE);
	ATF_CHECK_EQ(flags_for("192.0.2.7"), CONF_RES_KOD | CONF_RES_LIMITED);
	ATF_CHECK_EQ(flags_for("2001:db8::7"), CONF_RES_IGNORE);

	/* Only a -4 default: IPv6 addresses match nothing. */
	nr = 0;
	add_default(AF_INET, CONF_RES_NOSERVE);
	ATF_CHECK_EQ(flags_for("192.0.2.7"), CONF_RES_NOSERVE);
	ATF_CHECK_EQ(flags_for("2001:db8::7"), 0);

	/* A plain default covers both. */
	nr = 0;
	add_default(0, CONF_RES_NOQUERY);
	ATF_CHECK_EQ(flags_for("192.0.2.7"), CONF_RES_NOQUERY);
	ATF_CHECK_EQ(flags_for("2001:db8::7"), CONF_RES_NOQUERY);

	/* A family-specific default and a plain one: the later equal-length
	 * line wins (as for repeated lines in the reference). */
	nr = 0;
	add_default(0, CONF_RES_NOQUERY);
	add_default(AF_INET6, CONF_RES_IGNORE);
	ATF_CHECK_EQ(flags_for("192.0.2.7"), CONF_RES_NOQUERY);
	ATF_CHECK_EQ(flags_for("2001:db8::7"), CONF_RES_IGNORE);
}

ATF_TC_WITHOUT_HEAD(ipv6);
ATF_TC_BODY(ipv6, tc)
{
	nr = 0;
	add_default(0, CONF_RES_IGNORE);
	add("2001:db8::", "ffff:ffff::", CONF_RES_LIMITED);
	add("2001:db8:1::", "ffff:ffff:ffff::", CONF_RES_NOSERVE);
	add("::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0);
	/* An IPv4 line must never match an IPv6 address, even one whose
	 * first bytes look alike, nor the other way round. */
	add("32.1.13.184", "255.255.255.255", CONF_RES_NOTRUST);

	ATF_CHECK_EQ(flags_for("::1"), 0);
	ATF_CHECK_EQ(flags_for("2001:db8:1::5"), CONF_RES_NOSERVE);
	ATF_CHECK_EQ(flags_for("2001:db8:2::5"), CONF_RES_LIMITED);
	ATF_CHECK_EQ(flags_for("2001:db9::5"), CONF_RES_IGNORE);
	ATF_CHECK_EQ(flags_for("2001:db8::"), CONF_RES_LIMITED);
	ATF_CHECK_EQ(flags_for("32.1.13.184"), CONF_RES_NOTRUST);
	/* v4-mapped IPv6 is an IPv6 address here, not 127.0.0.1 */
	ATF_CHECK_EQ(flags_for("::ffff:127.0.0.1"), CONF_RES_IGNORE);
}

ATF_TC_WITHOUT_HEAD(non_contiguous_mask);
ATF_TC_BODY(non_contiguous_mask, tc)
{
	/* Masks are applied bit by bit; ranking counts the set bits. */
	nr = 0;
	add("10.0.0.1", "255.0.0.255", CONF_RES_NOQUERY);
	add("10.0.0.0", "255.0.0.0", CONF_RES_NOSERVE);
	ATF_CHECK_EQ(flags_for("10.9.9.1"), CONF_RES_NOQUERY);
	ATF_CHECK_EQ(flags_for("10.9.9.2"), CONF_RES_NOSERVE);
}

ATF_TC_WITHOUT_HEAD(unknown_family);
ATF_TC_BODY(unknown_family, tc)
{
	struct sockaddr_storage ss;

	nr = 0;
	add_default(0, CONF_RES_IGNORE);
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_UNIX;
	ATF_CHECK_EQ(restrict_flags(rl, nr, (struct sockaddr *)&ss), 0);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, empty_list);
	ATF_TP_ADD_TC(tp, longest_match);
	ATF_TP_ADD_TC(tp, host_beats_default);
	ATF_TP_ADD_TC(tp, default_per_family);
	ATF_TP_ADD_TC(tp, ipv6);
	ATF_TP_ADD_TC(tp, non_contiguous_mask);
	ATF_TP_ADD_TC(tp, unknown_family);
	return atf_no_error();
}
