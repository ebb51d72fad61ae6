/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <string.h>

#include <sodium.h>

#include "ratelimit.h"

void
ratelimit_init(struct ratelimit *rl)
{
	memset(rl, 0, sizeof(*rl));
	randombytes_buf(rl->key, sizeof(rl->key));
}

static int
rl_addr(const struct sockaddr *sa, uint8_t out[16])
{
	memset(out, 0, 16);
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)sa;

		memcpy(out, &sin->sin_addr, 4);
		out[15] = 4;
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)sa;

		memcpy(out, &sin6->sin6_addr, 16);
		return 0;
	}
	return -1;
}

enum rl_verdict
ratelimit_check(struct ratelimit *rl, const struct sockaddr *sa, double now,
    int can_kod)
{
	struct rl_slot *s;
	uint8_t addr[16];
	uint64_t h;
	double drained;

	if (rl_addr(sa, addr) == -1)
		return RL_LIMIT;
	/* Keyed hash: a client cannot aim at another client's slot. */
	crypto_shorthash((unsigned char *)&h, addr, sizeof(addr), rl->key);
	s = &rl->slot[h % RL_SLOTS];
	if (!s->used || memcmp(s->addr, addr, sizeof(addr)) != 0) {
		memcpy(s->addr, addr, sizeof(addr));
		s->level = 0;
		s->last = now;
		s->last_kod = -1e9;
		s->used = 1;
	}
	drained = (now - s->last) / RL_INTERVAL;
	if (drained > 0)
		s->level = s->level > drained ? s->level - drained : 0;
	s->last = now;
	if (s->level + 1.0 > RL_BURST) {
		if (can_kod && now - s->last_kod >= RL_KOD_INTERVAL) {
			s->last_kod = now;
			return RL_LIMIT_KOD;
		}
		return RL_LIMIT;
	}
	s->level += 1.0;
	return RL_PASS;
}
