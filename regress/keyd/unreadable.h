/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * For keyd's tests: is a byte of memory readable?  Asked of a forked
 * child, so that the fault, if any, is the child's.  Included by the
 * test programs that check the vault's no-access region.
 */
#ifndef SEAL_REGRESS_UNREADABLE_H
#define SEAL_REGRESS_UNREADABLE_H

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <atf-c.h>

/* 1 when reading the byte at p kills a child by SIGSEGV or SIGBUS. */
static int
unreadable(const void *p)
{
	struct rlimit	 rl = { 0, 0 };
	pid_t		 pid;
	int		 st;

	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == -1)
		atf_tc_fail("fork");
	if (pid == 0) {
		/* No core file; and the sanitizers' handler must not catch. */
		setrlimit(RLIMIT_CORE, &rl);
		signal(SIGSEGV, SIG_DFL);
		signal(SIGBUS, SIG_DFL);
		(void)*(const volatile unsigned char *)p;
		_exit(0);
	}
	if (waitpid(pid, &st, 0) != pid)
		atf_tc_fail("waitpid");
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	ATF_REQUIRE_MSG(WIFSIGNALED(st), "child neither read nor died by a "
	    "signal (status 0x%x)", st);
	return WTERMSIG(st) == SIGSEGV || WTERMSIG(st) == SIGBUS;
}

#endif
