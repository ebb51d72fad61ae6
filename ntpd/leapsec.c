/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * Leap second policy around the leap file parser: loading and checking
 * in the parent, the table's trip to the engine, what to announce when,
 * the servers' vote, and the parent's bounded kernel request.  See
 * leapsec.h for the rules and why.
 */

#include <sys/stat.h>
#include <sys/timex.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "leapsec.h"
#include "ntptime.h"
#include "packet.h"

#define LEAPSEC_MAXFILE		(256 * 1024)	/* the IERS file is ~5 KB */

#if IPC_LEAP_MAX != LEAP_MAX_ENTRIES
#error "IPC_LEAP_MAX and LEAP_MAX_ENTRIES differ"
#endif

int
leapsec_load(const char *path, struct leap_table *t, char *err,
    size_t errlen)
{
	struct stat st;
	char *buf, why[256];
	size_t len = 0;
	ssize_t n;
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if (st.st_size > LEAPSEC_MAXFILE) {
		snprintf(err, errlen, "%s: too large (%lld bytes, at most %d)",
		    path, (long long)st.st_size, LEAPSEC_MAXFILE);
		close(fd);
		return -1;
	}
	if ((buf = malloc(LEAPSEC_MAXFILE + 1)) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	/* Read to the end: the size may have changed since fstat. */
	while ((n = read(fd, buf + len, LEAPSEC_MAXFILE + 1 - len)) > 0) {
		len += (size_t)n;
		if (len > LEAPSEC_MAXFILE)
			break;
	}
	if (n == -1 || len > LEAPSEC_MAXFILE) {
		snprintf(err, errlen, "%s: %s", path, n == -1 ?
		    strerror(errno) : "too large");
		free(buf);
		close(fd);
		return -1;
	}
	close(fd);
	rc = leapfile_parse(buf, len, t, why, sizeof(why));
	free(buf);
	if (rc == -1) {
		snprintf(err, errlen, "%s: %s", path, why);
		return -1;
	}
	return 0;
}

void
leapsec_to_conf(const struct leap_table *t, struct ipc_conf_leap *c)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	c->n = (uint32_t)(t->n > IPC_LEAP_MAX ? IPC_LEAP_MAX : t->n);
	c->updated = t->updated;
	c->expires = t->expires;
	for (i = 0; i < c->n; i++) {
		c->e[i].ntp_secs = t->e[i].ntp_secs;
		c->e[i].tai_offset = t->e[i].tai_offset;
	}
}

int
leapsec_from_conf(const struct ipc_conf_leap *c, struct leap_table *t,
    char *err, size_t errlen)
{
	size_t i;
	int d;

	memset(t, 0, sizeof(*t));
	if (c->n == 0 || c->n > IPC_LEAP_MAX) {
		snprintf(err, errlen, "bad number of entries %u", c->n);
		return -1;
	}
	if (c->expires <= c->updated) {
		snprintf(err, errlen, "expiry not after last update");
		return -1;
	}
	for (i = 0; i < c->n; i++) {
		if (c->e[i].tai_offset < 0 ||
		    c->e[i].tai_offset > LEAPSEC_TAI_MAX) {
			snprintf(err, errlen, "entry %zu: offset %d out of "
			    "range", i, c->e[i].tai_offset);
			return -1;
		}
		if (i == 0)
			continue;
		d = c->e[i].tai_offset - c->e[i - 1].tai_offset;
		if (c->e[i].ntp_secs <= c->e[i - 1].ntp_secs ||
		    (d != 1 && d != -1)) {
			snprintf(err, errlen, "entry %zu out of order", i);
			return -1;
		}
	}
	for (i = 0; i < c->n; i++) {
		t->e[i].ntp_secs = c->e[i].ntp_secs;
		t->e[i].tai_offset = c->e[i].tai_offset;
	}
	t->n = c->n;
	t->updated = c->updated;
	t->expires = c->expires;
	t->hash_ok = 1;		/* the parent checked it */
	return 0;
}

void
leapsec_query(const struct leap_table *t, uint64_t now,
    struct leapsec_state *st)
{
	size_t i;

	memset(st, 0, sizeof(*st));
	if (t->n == 0)
		return;
	st->tai_offset = leap_offset_at(t, now);
	st->expired = leap_expired(t, now);
	/* The first entry (1972) starts the table; it is not a leap. */
	for (i = 1; i < t->n; i++) {
		if (t->e[i].ntp_secs <= now)
			continue;
		st->next = t->e[i].ntp_secs;
		st->next_dir = t->e[i].tai_offset > t->e[i - 1].tai_offset ?
		    1 : -1;
		st->at_midnight = st->next % 86400 == 0;
		if (st->next - now <= LEAPSEC_ANNOUNCE)
			st->announce = st->next_dir > 0 ? NTP_LI_ADD :
			    NTP_LI_DEL;
		break;
	}
}

int
leapsec_vote(const uint8_t *li, size_t n)
{
	size_t i, add = 0, del = 0;

	for (i = 0; i < n; i++) {
		if (li[i] == NTP_LI_ADD)
			add++;
		else if (li[i] == NTP_LI_DEL)
			del++;
	}
	if (add * 2 > n)
		return NTP_LI_ADD;
	if (del * 2 > n)
		return NTP_LI_DEL;
	return NTP_LI_NONE;
}

int
leapsec_validate(const struct ipc_leap *l, char *why, size_t len)
{
	if (l->leap < -1 || l->leap > 1) {
		snprintf(why, len, "SET_LEAP %d is not -1, 0 or 1", l->leap);
		return -1;
	}
	if (l->tai < 0 || l->tai > LEAPSEC_TAI_MAX) {
		snprintf(why, len, "SET_LEAP TAI offset %d out of bounds "
		    "(0..%d)", l->tai, LEAPSEC_TAI_MAX);
		return -1;
	}
	return 0;
}

int
leapsec_apply(const struct ipc_leap *l, int noclock, char *what,
    size_t len)
{
	struct timex tx;
	char tai[32] = "";
	int status;

	if (l->tai > 0)
		snprintf(tai, sizeof(tai), ", TAI-UTC %d s", l->tai);
	if (l->leap == 0)
		snprintf(what, len, "%sclear the kernel's leap second flags%s",
		    noclock ? "would " : "", tai);
	else
		snprintf(what, len, "%sarm the kernel to %s a leap second at "
		    "the end of this UTC day%s", noclock ? "would " : "",
		    l->leap > 0 ? "insert" : "delete", tai);
	if (noclock)
		return 0;
	/* Keep every other status bit as it is. */
	memset(&tx, 0, sizeof(tx));
	if (adjtimex(&tx) == -1)
		return -1;
	status = tx.status & ~(STA_INS | STA_DEL);
	if (l->leap > 0)
		status |= STA_INS;
	else if (l->leap < 0)
		status |= STA_DEL;
	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_STATUS;
	tx.status = status;
	if (l->tai > 0) {
		tx.modes |= ADJ_TAI;
		tx.constant = l->tai;
	}
	return adjtimex(&tx) == -1 ? -1 : 0;
}

/*
 * Civil date from days since 1970-01-01 (proleptic Gregorian), by eras
 * of 400 years; no time zone files, so it is safe in a sandbox.
 */
static void
leapsec_civil(int64_t days, int64_t *y, unsigned int *m, unsigned int *d)
{
	int64_t era, doe, yoe, doy, mp;

	days += 719468;		/* shift the epoch to 0000-03-01 */
	era = (days >= 0 ? days : days - 146096) / 146097;
	doe = days - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

int
leapsec_month_end(uint64_t ntp_secs)
{
	int64_t y;
	unsigned int m, d;

	/* Tomorrow is the first of a month. */
	leapsec_civil(((int64_t)ntp_secs - (int64_t)NTP_UNIX_OFFSET) / 86400
	    + 1, &y, &m, &d);
	return d == 1;
}

void
leapsec_fmt(uint64_t ntp_secs, char *buf, size_t len)
{
	int64_t unix_secs, days, rem, y;
	unsigned int m, d;

	unix_secs = (int64_t)ntp_secs - (int64_t)NTP_UNIX_OFFSET;
	days = unix_secs / 86400;
	rem = unix_secs % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	leapsec_civil(days, &y, &m, &d);
	snprintf(buf, len, "%04lld-%02u-%02u %02d:%02d:%02d UTC",
	    (long long)y, m, d, (int)(rem / 3600), (int)(rem / 60 % 60),
	    (int)(rem % 60));
}
