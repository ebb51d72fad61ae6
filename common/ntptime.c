/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "ntptime.h"

#define NSEC_PER_SEC	1000000000LL
#define HALF_ERA	0x80000000U

/*
 * Unix seconds for the 32-bit NTP seconds value s, in the era that puts
 * it nearest to pivot.  The signed 32-bit distance from the pivot (taken
 * modulo 2^32) is what RFC 5905 calls era folding; it is computed without
 * relying on implementation-defined unsigned-to-signed conversion.
 */
static int64_t
ntp_unfold(uint32_t s, time_t pivot)
{
	uint32_t	 p, d;
	int64_t		 off;

	p = (uint32_t)((uint64_t)(int64_t)pivot + NTP_UNIX_OFFSET);
	d = s - p;
	if (d < HALF_ERA)
		off = (int64_t)d;
	else
		off = (int64_t)d - (int64_t)4294967296LL;
	return (int64_t)pivot + off;
}

/* Era-folded NTP seconds for Unix seconds (any era, also before 1970). */
uint32_t
ntp_secs_from_unix(time_t unixsecs)
{
	return (uint32_t)((uint64_t)(int64_t)unixsecs + NTP_UNIX_OFFSET);
}

/* Autokey timestamps and filestamps are bare NTP seconds: resolve them. */
time_t
ntp_secs_to_unix(uint32_t ntpsecs, time_t pivot)
{
	return (time_t)ntp_unfold(ntpsecs, pivot);
}

ntp_ts
ntp_ts_from_timespec(const struct timespec *tsp)
{
	int64_t		 sec, nsec;
	uint64_t	 frac;

	sec = (int64_t)tsp->tv_sec;
	nsec = (int64_t)tsp->tv_nsec;
	/* Be forgiving about a non-normalized timespec. */
	if (nsec < 0 || nsec >= NSEC_PER_SEC) {
		sec += nsec / NSEC_PER_SEC;
		nsec %= NSEC_PER_SEC;
		if (nsec < 0) {
			nsec += NSEC_PER_SEC;
			sec--;
		}
	}
	/* Round to nearest; 999999999 ns still stays below 2^32. */
	frac = (((uint64_t)nsec << 32) + NSEC_PER_SEC / 2) /
	    (uint64_t)NSEC_PER_SEC;
	return ((uint64_t)ntp_secs_from_unix((time_t)sec) << 32) | frac;
}

void
ntp_ts_to_timespec(ntp_ts ts, time_t pivot, struct timespec *tsp)
{
	int64_t		 sec;
	uint64_t	 nsec;

	sec = ntp_unfold((uint32_t)(ts >> 32), pivot);
	nsec = ((ts & 0xffffffffU) * (uint64_t)NSEC_PER_SEC + HALF_ERA) >> 32;
	if (nsec >= (uint64_t)NSEC_PER_SEC) {
		/* A fraction within half a nanosecond of 1 rounds up. */
		nsec -= (uint64_t)NSEC_PER_SEC;
		sec++;
	}
	tsp->tv_sec = (time_t)sec;
	tsp->tv_nsec = (long)nsec;
}

double
ntp_ts_to_double(ntp_ts ts, time_t pivot)
{
	return (double)ntp_unfold((uint32_t)(ts >> 32), pivot) +
	    (double)(ts & 0xffffffffU) / NTP_ERA_SECS;
}

/*
 * Unix seconds to a timestamp.  A value that is not finite or is beyond
 * any sensible date (2^62 seconds) gives 0, the "unknown" timestamp.
 */
ntp_ts
ntp_ts_from_double(double unixsecs)
{
	double		 s, f;
	uint64_t	 frac;
	int64_t		 sec;

	if (!isfinite(unixsecs) || fabs(unixsecs) >= 4611686018427387904.0)
		return 0;
	s = floor(unixsecs);
	f = unixsecs - s;
	frac = (uint64_t)(f * NTP_ERA_SECS + 0.5);
	sec = (int64_t)s;
	if (frac >= 0x100000000ULL) {
		frac = 0;
		sec++;
	}
	return ((uint64_t)ntp_secs_from_unix((time_t)sec) << 32) | frac;
}

/*
 * a - b in seconds.  Modulo 2^64 the difference is exact whatever the eras
 * of a and b, as long as they are less than 68 years apart.
 */
double
ntp_ts_diff(ntp_ts a, ntp_ts b)
{
	uint64_t	 d = a - b;

	if (d >> 63)
		return -((double)(0 - d) / NTP_ERA_SECS);
	return (double)d / NTP_ERA_SECS;
}

/*
 * ts + secs, modulo 2^64.  secs is clamped to +-(2^31 - 1) seconds (68
 * years, the most an era-folded value can express); NaN adds nothing.
 */
ntp_ts
ntp_ts_add(ntp_ts ts, double secs)
{
	int64_t		 delta;

	if (isnan(secs))
		return ts;
	if (secs > 2147483647.0)
		secs = 2147483647.0;
	else if (secs < -2147483647.0)
		secs = -2147483647.0;
	delta = llround(secs * NTP_ERA_SECS);
	return ts + (uint64_t)delta;
}

/*
 * 16.16 short format.  Root delay and dispersion are never negative on
 * the wire, so negatives (and NaN) become 0 and anything that does not
 * fit becomes the largest value.
 */
uint32_t
ntp_short_from_double(double secs)
{
	double		 v;

	if (!(secs > 0.0))
		return 0;
	if (secs >= 65536.0)
		return 0xffffffffU;
	v = secs * 65536.0 + 0.5;
	if (v >= 4294967295.0)
		return 0xffffffffU;
	return (uint32_t)v;
}

double
ntp_short_to_double(uint32_t v)
{
	return (double)v / 65536.0;
}

uint32_t
ntp_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

void
ntp_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

uint16_t
ntp_get16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | (unsigned)p[1]);
}

void
ntp_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

ntp_ts
ntp_ts_get(const uint8_t *p)
{
	return (uint64_t)ntp_get32(p) << 32 | ntp_get32(p + 4);
}

void
ntp_ts_put(uint8_t *p, ntp_ts ts)
{
	ntp_put32(p, (uint32_t)(ts >> 32));
	ntp_put32(p + 4, (uint32_t)ts);
}

void
ntp_now(struct timespec *tsp)
{
	if (clock_gettime(CLOCK_REALTIME, tsp) == -1)
		fatal("clock_gettime");
}

/*
 * "eeb21d84.7ea40cbf  2026-11-26T02:52:52.494Z": the raw value (what
 * tcpdump and ntpq show) and the UTC time it stands for in the era
 * nearest pivot, milliseconds truncated.  Returns the string length, or
 * -1 if buf is too small (it then holds a truncated string) or the time
 * cannot be broken down.
 */
int
ntp_ts_fmt(ntp_ts ts, time_t pivot, char *buf, size_t len)
{
	struct timespec	 tsp;
	struct tm	 tm;
	int		 n;

	if (buf == NULL || len == 0)
		return -1;
	ntp_ts_to_timespec(ts, pivot, &tsp);
	if (gmtime_r(&tsp.tv_sec, &tm) == NULL) {
		buf[0] = '\0';
		return -1;
	}
	n = snprintf(buf, len,
	    "%08x.%08x  %04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
	    (unsigned)(ts >> 32), (unsigned)(ts & 0xffffffffU),
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
	    tm.tm_hour, tm.tm_min, tm.tm_sec, tsp.tv_nsec / 1000000);
	if (n < 0 || (size_t)n >= len)
		return -1;
	return n;
}
