/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <atf-c.h>

#include "log.h"

/* Run fn with stderr redirected to a pipe; return what it wrote. */
static void
capture(void (*fn)(void), char *out, size_t len)
{
	int p[2], saved;
	ssize_t n;
	size_t off = 0;

	ATF_REQUIRE(pipe(p) == 0);
	saved = dup(STDERR_FILENO);
	ATF_REQUIRE(dup2(p[1], STDERR_FILENO) != -1);
	close(p[1]);
	fn();
	dup2(saved, STDERR_FILENO);
	close(saved);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	while (off + 1 < len && (n = read(p[0], out + off, len - off - 1)) > 0)
		off += (size_t)n;
	out[off] = '\0';
	close(p[0]);
}

static void
repeats(void)
{
	int i;

	log_init(1, 0, LOG_DAEMON);
	log_procinit("test");
	for (i = 0; i < 50; i++)
		log_warnx("the same thing %d", 7);
	log_warnx("something else");
}

ATF_TC_WITHOUT_HEAD(repeat_suppressed);
ATF_TC_BODY(repeat_suppressed, tc)
{
	char buf[8192];
	const char *p;
	int lines = 0;

	capture(repeats, buf, sizeof(buf));
	for (p = buf; *p; p++)
		lines += *p == '\n';
	/* the first, one summary, the different one */
	ATF_CHECK_EQ(lines, 3);
	ATF_CHECK(strstr(buf, "test: the same thing 7\n") != NULL);
	ATF_CHECK(strstr(buf, "last message repeated 49 times") != NULL);
	ATF_CHECK(strstr(buf, "test: something else\n") != NULL);
}

static void
levels(void)
{
	log_init(1, 0, LOG_DAEMON);
	log_procinit("lv");
	log_debug("hidden debug");
	log_info("shown info");
	log_setverbose(1);
	log_debug("shown debug");
	errno = ENOENT;
	log_warn("opening %s", "x");
}

ATF_TC_WITHOUT_HEAD(verbosity_and_errno);
ATF_TC_BODY(verbosity_and_errno, tc)
{
	char buf[4096];

	capture(levels, buf, sizeof(buf));
	ATF_CHECK(strstr(buf, "hidden debug") == NULL);
	ATF_CHECK(strstr(buf, "lv: shown info\n") != NULL);
	ATF_CHECK(strstr(buf, "lv: shown debug\n") != NULL);
	ATF_CHECK(strstr(buf, "lv: opening x: No such file or directory\n")
	    != NULL);
}

static void
longline(void)
{
	char big[2000];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_init(1, 0, LOG_DAEMON);
	log_procinit("long");
	log_warnx("%s", big);
}

ATF_TC_WITHOUT_HEAD(long_line_truncated);
ATF_TC_BODY(long_line_truncated, tc)
{
	char buf[4096];

	capture(longline, buf, sizeof(buf));
	ATF_CHECK(strlen(buf) < 600);
	ATF_CHECK(buf[strlen(buf) - 1] == '\n');
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, repeat_suppressed);
	ATF_TP_ADD_TC(tp, verbosity_and_errno);
	ATF_TP_ADD_TC(tp, long_line_truncated);
	return atf_no_error();
}
