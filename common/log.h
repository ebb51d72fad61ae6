/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */
#ifndef SEAL_LOG_H
#define SEAL_LOG_H

#include <stdarg.h>

/*
 * Logging in the OpenBSD style: the x forms do not append strerror(errno).
 * Each process tags its lines with its name (log_procinit).  In the
 * foreground (-d) lines go to stderr, otherwise to syslog.  A message that
 * repeats the previous one within LOG_REPEAT_WINDOW seconds is counted, not
 * printed, and the count is reported when a different message arrives.
 */
#define LOG_REPEAT_WINDOW	10

void	log_init(int foreground, int verbose, int facility);
void	log_procinit(const char *procname);
void	log_setverbose(int verbose);
int	log_getverbose(void);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	logit(int pri, const char *, ...) __attribute__((format(printf, 2, 3)));
void	vlog(int pri, const char *, va_list) __attribute__((format(printf, 2, 0)));
__attribute__((noreturn)) void fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2)));

#endif
