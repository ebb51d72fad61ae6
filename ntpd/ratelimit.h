/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */
#ifndef SEAL_RATELIMIT_H
#define SEAL_RATELIMIT_H

#include <sys/socket.h>
#include <stdint.h>

/*
 * Per-client-address rate limiting with bounded memory: a fixed table
 * of leaky buckets indexed by a keyed hash of the address.  A colliding
 * newcomer takes the slot over, so memory never grows; the worst an
 * attacker gains by flooding the table is resetting someone's bucket.
 */
#define RL_SLOTS	8192
#define RL_INTERVAL	2.0	/* s: one packet per interval is "average" */
#define RL_BURST	8.0	/* packets a client may send at once */
#define RL_KOD_INTERVAL	8.0	/* s: at most one KoD per client per this */

struct rl_slot {
	uint8_t		 addr[16];
	double		 level;		/* bucket contents, packets */
	double		 last;		/* time of last update */
	double		 last_kod;
	uint8_t		 used;
};

struct ratelimit {
	struct rl_slot	 slot[RL_SLOTS];
	uint8_t		 key[16];	/* hash key, random per run */
};

enum rl_verdict { RL_PASS, RL_LIMIT, RL_LIMIT_KOD };

void		 ratelimit_init(struct ratelimit *);
/* Account one packet from sa at time now; can_kod: the restrict line
 * says kod.  RL_LIMIT_KOD means "drop it, but a KoD may be sent". */
enum rl_verdict	 ratelimit_check(struct ratelimit *, const struct sockaddr *,
		    double now, int can_kod);

#endif
