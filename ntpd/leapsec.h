/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */
#ifndef SEAL_LEAPSEC_H
#define SEAL_LEAPSEC_H

#include <stddef.h>
#include <stdint.h>

#include "ipc.h"
#include "leapfile.h"

/*
 * Leap seconds, between the leap file (leapfile.c parses it) and the
 * daemon:
 *
 * - The parent reads and checks the file at start (leapsec_load: a
 *   missing, corrupt or hash-failing file is an error that names the
 *   file; an expired one is used with a warning, because its past
 *   entries and TAI-UTC stay right) and sends the table to the engine
 *   as IMSG_CONF_LEAP (leapsec_to_conf / leapsec_from_conf).
 *
 * - The engine asks leapsec_query() once a second what the table says
 *   now: TAI-UTC, the next leap, and whether to announce it.  Like the
 *   reference ntpd (its LSPROX_ANNOUNCE) and chrony, the leap indicator
 *   is announced only during the last 24 hours before the leap, i.e.
 *   on the UTC day at whose end it happens: RFC 5905's LI means "the
 *   last minute of this day has 61 (59) seconds", and a client that
 *   arms its kernel on it inserts at the next midnight.  A month-long
 *   warning would make such clients insert at the wrong midnight.
 *
 * - Without a usable table (no file, or an expired one that lists
 *   nothing ahead) the engine takes the leap indicator from its
 *   servers, only when more than half of the survivors of selection
 *   announce the same leap (leapsec_vote, as the reference's
 *   leap_vote): one bad or stale server cannot schedule a leap.  As
 *   IERS leaps only happen at the end of a month, a vote counts only on
 *   the last UTC day of a month (the reference schedules a voted leap
 *   for the end of the month too); an old server that warns all month
 *   long then cannot make us leap at the wrong midnight.
 *
 * - The engine asks the parent to arm the kernel (IMSG_SET_LEAP, Linux
 *   STA_INS/STA_DEL via adjtimex) during that last day; the kernel
 *   inserts or deletes the second at the next UTC midnight by itself.
 *   The parent validates the request (leapsec_validate) and with -x
 *   only logs it (leapsec_apply).
 */

#define LEAPSEC_ANNOUNCE	86400	/* s before a leap: LI is set */
#define LEAPSEC_TAI_MAX		1000	/* TAI-UTC bound, as leapfile.c's */

/* What the table says at one instant. */
struct leapsec_state {
	int		 tai_offset;	/* TAI-UTC now; 0 before 1972 */
	int		 next_dir;	/* next leap: +1, -1, 0 none listed */
	uint64_t	 next;		/* its table time (NTP s); 0 none */
	int		 announce;	/* 0, NTP_LI_ADD or NTP_LI_DEL now */
	int		 expired;	/* the table is past its #@ date */
	int		 at_midnight;	/* next is a UTC midnight */
};

/* Parent: read and check the file; -1 with "PATH: reason" in err. */
int	 leapsec_load(const char *path, struct leap_table *, char *err,
	    size_t errlen);
void	 leapsec_to_conf(const struct leap_table *, struct ipc_conf_leap *);
/* Engine: the parent's table, checked again; -1 with err. */
int	 leapsec_from_conf(const struct ipc_conf_leap *, struct leap_table *,
	    char *err, size_t errlen);

void	 leapsec_query(const struct leap_table *, uint64_t now_ntp,
	    struct leapsec_state *);
/* LI of the survivors: the one announced by more than half, else 0. */
int	 leapsec_vote(const uint8_t *li, size_t n);

/* Parent: IMSG_SET_LEAP bounds; apply (adjtimex) unless noclock. */
int	 leapsec_validate(const struct ipc_leap *, char *why, size_t len);
int	 leapsec_apply(const struct ipc_leap *, int noclock, char *what,
	    size_t len);

/* Is ntp_secs on the last UTC day of a month (where leaps happen)? */
int	 leapsec_month_end(uint64_t ntp_secs);

/* "2027-01-01 00:00:00 UTC" for an NTP time. */
void	 leapsec_fmt(uint64_t ntp_secs, char *buf, size_t len);

#endif
