/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */
#ifndef SEAL_NTPTIME_H
#define SEAL_NTPTIME_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/*
 * NTP time arithmetic (RFC 5905 section 6).
 *
 * An ntp_ts is the 64-bit wire timestamp in host order: 32 bits of
 * seconds since the start of the current era, 32 bits of fraction.  Era 0
 * began 1900-01-01T00:00:00Z and era 1 begins 2036-02-07T06:28:16Z.  The
 * era is not on the wire, so every conversion to absolute time takes a
 * pivot (Unix seconds, normally "now") and picks the era that puts the
 * result nearest to it: within 68 years either side.
 *
 * Differences and sums are computed modulo 2^64, which is right across an
 * era boundary as long as the two timestamps are less than 68 years apart.
 *
 * The short format (root delay, root dispersion) is unsigned 16.16.
 */
/* Seconds from 1900-01-01 to 1970-01-01; 2^32 seconds is one era. */
#define NTP_UNIX_OFFSET	2208988800UL
#define NTP_ERA_SECS	4294967296.0

typedef uint64_t ntp_ts;	/* 32.32 fixed point, era folded, host order */

ntp_ts	 ntp_ts_from_timespec(const struct timespec *);
void	 ntp_ts_to_timespec(ntp_ts, time_t pivot, struct timespec *);
double	 ntp_ts_to_double(ntp_ts, time_t pivot);
ntp_ts	 ntp_ts_from_double(double unixsecs);
double	 ntp_ts_diff(ntp_ts a, ntp_ts b);
ntp_ts	 ntp_ts_add(ntp_ts, double secs);
time_t	 ntp_secs_to_unix(uint32_t ntpsecs, time_t pivot);
uint32_t ntp_secs_from_unix(time_t unixsecs);

uint32_t ntp_short_from_double(double secs);
double	 ntp_short_to_double(uint32_t);

void	 ntp_ts_put(uint8_t *, ntp_ts);
ntp_ts	 ntp_ts_get(const uint8_t *);
uint32_t ntp_get32(const uint8_t *);
void	 ntp_put32(uint8_t *, uint32_t);
uint16_t ntp_get16(const uint8_t *);
void	 ntp_put16(uint8_t *, uint16_t);

void	 ntp_now(struct timespec *);

/* Longest ntp_ts_fmt() output plus the NUL. */
#define NTP_TS_FMTLEN	48
int	 ntp_ts_fmt(ntp_ts, time_t pivot, char *buf, size_t len);

#endif
