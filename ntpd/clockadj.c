/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */
#include <sys/stat.h>
#include <sys/timex.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clockadj.h"
#include "ipc.h"

int
clockadj_validate(uint32_t type, double value, char *why, size_t len)
{
	double bound;

	switch (type) {
	case IMSG_ADJ_OFFSET:
		bound = CLOCKADJ_MAX_SLEW;
		break;
	case IMSG_STEP:
		bound = CLOCKADJ_MAX_STEP;
		break;
	case IMSG_ADJ_FREQ:
	case IMSG_WRITE_DRIFT:
		bound = CLOCKADJ_MAX_FREQ;
		break;
	default:
		snprintf(why, len, "not a clock request (%u)", type);
		return -1;
	}
	if (!isfinite(value) || fabs(value) > bound) {
		snprintf(why, len, "%s %g out of bounds (limit %g)",
		    ipc_type_name(type), value, bound);
		return -1;
	}
	return 0;
}

static int
clockadj_slew(double offset)
{
	struct timex tx;

	memset(&tx, 0, sizeof(tx));
	/* adjtime(2) semantics: the kernel slews at up to 500 ppm. */
	tx.modes = ADJ_OFFSET_SINGLESHOT;
	tx.offset = (long)lround(offset * 1e6);
	return adjtimex(&tx) == -1 ? -1 : 0;
}

static int
clockadj_freq(double ppm)
{
	struct timex tx;

	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_FREQUENCY;
	tx.freq = (long)lround(ppm * 65536.0);
	return adjtimex(&tx) == -1 ? -1 : 0;
}

static int
clockadj_step(double offset)
{
	struct timespec ts;
	double whole;
	long nsec;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		return -1;
	nsec = ts.tv_nsec + (long)lround(modf(offset, &whole) * 1e9);
	ts.tv_sec += (time_t)whole;
	while (nsec < 0) {
		nsec += 1000000000L;
		ts.tv_sec--;
	}
	while (nsec >= 1000000000L) {
		nsec -= 1000000000L;
		ts.tv_sec++;
	}
	ts.tv_nsec = nsec;
	return clock_settime(CLOCK_REALTIME, &ts);
}

int
clockadj_apply(uint32_t type, double value, int noclock, char *what,
    size_t len)
{
	const char *verb;
	int r = 0;

	switch (type) {
	case IMSG_ADJ_OFFSET:
		verb = "slew";
		if (!noclock)
			r = clockadj_slew(value);
		break;
	case IMSG_ADJ_FREQ:
		verb = "set frequency";
		if (!noclock)
			r = clockadj_freq(value);
		break;
	case IMSG_STEP:
		verb = "step";
		if (!noclock)
			r = clockadj_step(value);
		break;
	default:
		errno = EINVAL;
		return -1;
	}
	if (type == IMSG_ADJ_FREQ)
		snprintf(what, len, "%s%s %+.3f ppm",
		    noclock ? "would " : "", verb, value);
	else
		snprintf(what, len, "%s%s %+.6f s",
		    noclock ? "would " : "", verb, value);
	return r;
}

int
clockadj_parse_drift(const char *buf, size_t len, double *ppm)
{
	char tmp[64], *end;
	double v;

	/* A NUL would end the number early and hide damage after it. */
	if (len == 0 || len >= sizeof(tmp) || memchr(buf, '\0', len) != NULL)
		return -1;
	memcpy(tmp, buf, len);
	tmp[len] = '\0';
	errno = 0;
	v = strtod(tmp, &end);
	if (errno != 0 || end == tmp)
		return -1;
	while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')
		end++;
	if (*end != '\0' || !isfinite(v) || fabs(v) > CLOCKADJ_MAX_FREQ)
		return -1;
	*ppm = v;
	return 0;
}

int
clockadj_read_drift(const char *path, double *ppm, char *err, size_t errlen)
{
	char buf[64];
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (clockadj_parse_drift(buf, (size_t)n, ppm) == -1) {
		snprintf(err, errlen, "%s: not a frequency in ppm", path);
		return -1;
	}
	return 0;
}

int
clockadj_write_drift(const char *path, double ppm)
{
	char tmp[1100], buf[64];
	int fd, n, saved;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%.3f\n", ppm);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0644)) == -1)
		return -1;
	if (write(fd, buf, (size_t)n) != n || fsync(fd) == -1) {
		saved = errno;
		close(fd);
		unlink(tmp);
		errno = saved;
		return -1;
	}
	close(fd);
	if (rename(tmp, path) == -1) {
		saved = errno;
		unlink(tmp);
		errno = saved;
		return -1;
	}
	return 0;
}
