/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */
#ifndef SEAL_LEAPFILE_H
#define SEAL_LEAPFILE_H

#include <stddef.h>
#include <stdint.h>

/*
 * The IETF/IERS leap-seconds.list file: "#$ T" last update, "#@ T"
 * expiration, "#h W W W W W" SHA-1 of the significant digits, and data
 * lines "T OFFSET [# comment]" where T (NTP seconds) is the first instant
 * at which TAI-UTC = OFFSET.  The parser is a pure function over a buffer.
 */

#define LEAP_MAX_ENTRIES	64
#define LEAP_PENDING_WINDOW	(28 * 86400)	/* leap_pending look-ahead */

struct leap_entry {
	uint64_t	ntp_secs;
	int		tai_offset;
};

struct leap_table {
	struct leap_entry	e[LEAP_MAX_ENTRIES];
	size_t			n;
	uint64_t		updated;	/* #$ */
	uint64_t		expires;	/* #@ */
	int			hash_ok;	/* #h matched the contents */
};

int	leapfile_parse(const char *, size_t, struct leap_table *, char *,
	    size_t);
int	leap_offset_at(const struct leap_table *, uint64_t);
int	leap_pending(const struct leap_table *, uint64_t, uint64_t *);
int	leap_expired(const struct leap_table *, uint64_t);

#endif
