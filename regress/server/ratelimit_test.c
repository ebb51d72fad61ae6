/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * ratelimit_check(): burst allowance, draining over time, spacing of
 * kiss-o'-death answers, clients kept apart, and a colliding newcomer
 * taking a slot over.  Time is passed in, so no test sleeps.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>

#include <atf-c.h>
#include <sodium.h>

#include "ratelimit.h"

static struct ratelimit *
rl_new(void)
{
	struct ratelimit *rl;

	ATF_REQUIRE(sodium_init() >= 0);
	ATF_REQUIRE((rl = malloc(sizeof(*rl))) != NULL);
	ratelimit_init(rl);
	/* A fixed key so that slot collisions are reproducible. */
	memset(rl->key, 0x5a, sizeof(rl->key));
	return rl;
}

static void
v4(struct sockaddr_storage *ss, uint32_t a)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)(void *)ss;

	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(a);
}

/* The slot an IPv4 address lands in, computed as ratelimit.c does. */
static size_t
slot_of(const struct ratelimit *rl, uint32_t a)
{
	uint8_t key[16];
	uint64_t h;
	uint32_t n = htonl(a);

	memset(key, 0, sizeof(key));
	memcpy(key, &n, 4);
	key[15] = 4;
	crypto_shorthash((unsigned char *)&h, key, sizeof(key), rl->key);
	return (size_t)(h % RL_SLOTS);
}

static enum rl_verdict
check(struct ratelimit *rl, uint32_t a, double now, int kod)
{
	struct sockaddr_storage ss;

	v4(&ss, a);
	return ratelimit_check(rl, (struct sockaddr *)&ss, now, kod);
}

#define A	0xc0000201U	/* 192.0.2.1 */
#define B	0xc0000202U	/* 192.0.2.2 */

ATF_TC_WITHOUT_HEAD(burst_allowance);
ATF_TC_BODY(burst_allowance, tc)
{
	struct ratelimit *rl = rl_new();
	int i;

	/* RL_BURST packets at one instant pass, the next does not. */
	for (i = 0; i < (int)RL_BURST; i++)
		ATF_CHECK_EQ(check(rl, A, 100.0, 0), RL_PASS);
	ATF_CHECK_EQ(check(rl, A, 100.0, 0), RL_LIMIT);
	ATF_CHECK_EQ(check(rl, A, 100.0, 0), RL_LIMIT);
	free(rl);
}

ATF_TC_WITHOUT_HEAD(drain);
ATF_TC_BODY(drain, tc)
{
	struct ratelimit *rl = rl_new();
	int i;

	for (i = 0; i < (int)RL_BURST; i++)
		ATF_REQUIRE_EQ(check(rl, A, 100.0, 0), RL_PASS);
	/* Half an interval later: not yet room for a whole packet. */
	ATF_CHECK_EQ(check(rl, A, 100.0 + RL_INTERVAL / 2, 0), RL_LIMIT);
	/* One interval after the burst: exactly one packet's room. */
	ATF_CHECK_EQ(check(rl, A, 100.0 + RL_INTERVAL, 0), RL_PASS);
	ATF_CHECK_EQ(check(rl, A, 100.0 + RL_INTERVAL, 0), RL_LIMIT);
	/* A client at the average rate (one per interval) is never held. */
	for (i = 2; i < 50; i++)
		ATF_CHECK_EQ(check(rl, A, 100.0 + i * RL_INTERVAL, 0),
		    RL_PASS);
	/* After a long quiet spell the whole burst is available again. */
	for (i = 0; i < (int)RL_BURST; i++)
		ATF_CHECK_EQ(check(rl, A, 10000.0, 0), RL_PASS);
	ATF_CHECK_EQ(check(rl, A, 10000.0, 0), RL_LIMIT);
	free(rl);
}

ATF_TC_WITHOUT_HEAD(clock_backwards);
ATF_TC_BODY(clock_backwards, tc)
{
	struct ratelimit *rl = rl_new();
	int i;

	/* Time going back must not empty the bucket. */
	for (i = 0; i < (int)RL_BURST; i++)
		ATF_REQUIRE_EQ(check(rl, A, 100.0, 0), RL_PASS);
	ATF_CHECK_EQ(check(rl, A, 50.0, 0), RL_LIMIT);
	free(rl);
}

ATF_TC_WITHOUT_HEAD(kod_spacing);
ATF_TC_BODY(kod_spacing, tc)
{
	struct ratelimit *rl = rl_new();
	enum rl_verdict v;
	double t, last_kod = -1, first_kod = -1;
	int i, kods = 0, passes = 0;

	for (i = 0; i < (int)RL_BURST; i++)
		ATF_REQUIRE_EQ(check(rl, A, 100.0, 1), RL_PASS);
	/* Keep sending at 4 per second (far above the average) for 30 s:
	 * KoDs come no closer than RL_KOD_INTERVAL apart, the first at
	 * once, and the bucket still lets the average rate through. */
	for (t = 100.0; t < 130.0; t += 0.25) {
		v = check(rl, A, t, 1);
		if (v == RL_LIMIT_KOD) {
			if (first_kod < 0)
				first_kod = t;
			else
				ATF_CHECK(t - last_kod >= RL_KOD_INTERVAL);
			last_kod = t;
			kods++;
		} else if (v == RL_PASS)
			passes++;
	}
	ATF_CHECK_EQ(first_kod, 100.0);
	ATF_CHECK(kods >= 3 && kods <= (int)(30.0 / RL_KOD_INTERVAL) + 1);
	/* 30 s of draining at one packet per interval, give or take one */
	ATF_CHECK(abs(passes - (int)(30.0 / RL_INTERVAL)) <= 1);

	/* Without kod on the restrict line: never a KoD. */
	for (t = 200.0; t < 210.0; t += 0.25)
		ATF_CHECK(check(rl, B, t, 0) != RL_LIMIT_KOD);
	free(rl);
}

ATF_TC_WITHOUT_HEAD(clients_apart);
ATF_TC_BODY(clients_apart, tc)
{
	struct ratelimit *rl = rl_new();
	int i;

	ATF_REQUIRE(slot_of(rl, A) != slot_of(rl, B));
	for (i = 0; i < (int)RL_BURST; i++)
		ATF_REQUIRE_EQ(check(rl, A, 100.0, 0), RL_PASS);
	ATF_CHECK_EQ(check(rl, A, 100.0, 0), RL_LIMIT);
	/* A flooding neighbour does not hold B back. */
	for (i = 0; i < (int)RL_BURST; i++)
		ATF_CHECK_EQ(check(rl, B, 100.0, 0), RL_PASS);
	ATF_CHECK_EQ(check(rl, A, 100.0, 0), RL_LIMIT);
	free(rl);
}

ATF_TC_WITHOUT_HEAD(slot_takeover);
ATF_TC_BODY(slot_takeover, tc)
{
	struct ratelimit *rl = rl_new();
	uint32_t c;
	size_t sa;
	int i;

	/* Find another address in A's slot. */
	sa = slot_of(rl, A);
	for (c = A + 1; c != A + 10 * RL_SLOTS; c++)
		if (slot_of(rl, c) == sa)
			break;
	ATF_REQUIRE_MSG(c != A + 10 * RL_SLOTS, "no colliding address");

	for (i = 0; i < (int)RL_BURST; i++)
		ATF_REQUIRE_EQ(check(rl, A, 100.0, 0), RL_PASS);
	ATF_REQUIRE_EQ(check(rl, A, 100.0, 0), RL_LIMIT);
	/* The newcomer is not charged for A's packets: it takes the slot
	 * over with an empty bucket... */
	for (i = 0; i < (int)RL_BURST; i++)
		ATF_CHECK_EQ(check(rl, c, 100.0, 0), RL_PASS);
	ATF_CHECK_EQ(check(rl, c, 100.0, 0), RL_LIMIT);
	/* ...and A, returning, starts afresh too: memory stays bounded and
	 * the worst a collision does is reset a bucket. */
	ATF_CHECK_EQ(check(rl, A, 100.0, 0), RL_PASS);
	free(rl);
}

ATF_TC_WITHOUT_HEAD(ipv6_and_unknown);
ATF_TC_BODY(ipv6_and_unknown, tc)
{
	struct ratelimit *rl = rl_new();
	struct sockaddr_storage ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)(void *)&ss;
	int i;

	memset(&ss, 0, sizeof(ss));
	sin6->sin6_family = AF_INET6;
	ATF_REQUIRE(inet_pton(AF_INET6, "2001:db8::1", &sin6->sin6_addr) == 1);
	for (i = 0; i < (int)RL_BURST; i++)
		ATF_CHECK_EQ(ratelimit_check(rl, (struct sockaddr *)&ss, 5.0,
		    1), RL_PASS);
	ATF_CHECK_EQ(ratelimit_check(rl, (struct sockaddr *)&ss, 5.0, 1),
	    RL_LIMIT_KOD);

	/* An address of no known family is refused, never accounted. */
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_UNIX;
	ATF_CHECK_EQ(ratelimit_check(rl, (struct sockaddr *)&ss, 5.0, 1),
	    RL_LIMIT);
	free(rl);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, burst_allowance);
	ATF_TP_ADD_TC(tp, drain);
	ATF_TP_ADD_TC(tp, clock_backwards);
	ATF_TP_ADD_TC(tp, kod_spacing);
	ATF_TP_ADD_TC(tp, clients_apart);
	ATF_TP_ADD_TC(tp, slot_takeover);
	ATF_TP_ADD_TC(tp, ipv6_and_unknown);
	return atf_no_error();
}
