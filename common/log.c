/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static int	 log_fg;
static int	 log_fd = -1;		/* our own connection to syslogd */
static int	 log_facility = LOG_DAEMON;
static int	 log_verbose;
static const char *log_proc = "ntpd";

/* Repeat suppression: the last line sent and how often it came again. */
static char	 last_msg[512];
static int	 last_pri;
static time_t	 last_time;
static unsigned	 last_repeats;

void
log_init(int foreground, int verbose, int facility)
{
	struct sockaddr_un sun;

	log_fg = foreground;
	log_verbose = verbose;
	log_facility = facility;
	/* Time zone now: a sandboxed process cannot open it later. */
	tzset();
	if (foreground || log_fd != -1)
		return;
	/*
	 * Our own datagram socket to /dev/log, connected once, before any
	 * sandbox: syslog(3) would call socket() again whenever syslogd
	 * is away, and the seccomp filters kill on that.  Without a
	 * syslogd the lines are lost, never the process.
	 */
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, "/dev/log", sizeof(sun.sun_path));
	if ((log_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) != -1 &&
	    connect(log_fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(log_fd);
		log_fd = -1;
	}
}

void
log_procinit(const char *procname)
{
	if (procname != NULL)
		log_proc = procname;
}

void
log_setverbose(int verbose)
{
	log_verbose = verbose;
}

int
log_getverbose(void)
{
	return log_verbose;
}

static void
log_emit(int pri, const char *msg)
{
	if (log_fg) {
		/* One write so that lines of the three processes do not mix. */
		char line[600];
		int n = snprintf(line, sizeof(line), "%s: %s\n", log_proc, msg);

		if (n > 0) {
			if ((size_t)n >= sizeof(line))
				n = sizeof(line) - 1;
			(void)!write(STDERR_FILENO, line, (size_t)n);
		}
	} else if (log_fd != -1) {
		char line[700], stamp[32];
		struct tm tm;
		time_t now = time(NULL);
		int n;

		localtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm);
		n = snprintf(line, sizeof(line), "<%d>%s %s[%d]: %s: %s",
		    log_facility | pri, stamp, getprogname(), (int)getpid(),
		    log_proc, msg);
		if (n > 0) {
			if ((size_t)n >= sizeof(line))
				n = sizeof(line) - 1;
			(void)!send(log_fd, line, (size_t)n, MSG_DONTWAIT);
		}
	}
}

static void
log_flush_repeats(void)
{
	char buf[600];

	if (last_repeats == 0)
		return;
	snprintf(buf, sizeof(buf), "last message repeated %u times: %s",
	    last_repeats, last_msg);
	last_repeats = 0;
	log_emit(last_pri, buf);
}

void
vlog(int pri, const char *fmt, va_list ap)
{
	char	 msg[512];
	time_t	 now;
	int	 saved_errno = errno;

	if (pri == LOG_DEBUG && !log_verbose)
		return;
	/* fmt is checked at every caller by the format attribute. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	vsnprintf(msg, sizeof(msg), fmt, ap);
#pragma GCC diagnostic pop
	now = time(NULL);
	if (pri == last_pri && strcmp(msg, last_msg) == 0 &&
	    now - last_time < LOG_REPEAT_WINDOW) {
		last_repeats++;
		errno = saved_errno;
		return;
	}
	log_flush_repeats();
	strlcpy(last_msg, msg, sizeof(last_msg));
	last_pri = pri;
	last_time = now;
	log_emit(pri, msg);
	errno = saved_errno;
}

void
logit(int pri, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(pri, fmt, ap);
	va_end(ap);
}

static void
vlog_errno(int pri, const char *fmt, va_list ap)
{
	char	 buf[512];
	int	 saved_errno = errno;

	if (fmt == NULL) {
		logit(pri, "%s", strerror(saved_errno));
		return;
	}
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	vsnprintf(buf, sizeof(buf), fmt, ap);
#pragma GCC diagnostic pop
	logit(pri, "%s: %s", buf, strerror(saved_errno));
	errno = saved_errno;
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog_errno(LOG_ERR, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog_errno(LOG_CRIT, fmt, ap);
	va_end(ap);
	log_flush_repeats();
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap);
	va_end(ap);
	log_flush_repeats();
	exit(1);
}
