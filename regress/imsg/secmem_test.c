/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "secmem.h"

ATF_TC_WITHOUT_HEAD(alloc_free);
ATF_TC_BODY(alloc_free, tc)
{
	uint8_t	*p;
	size_t	 i;

	ATF_REQUIRE_EQ(secmem_init(), 0);
	ATF_REQUIRE_EQ(secmem_init(), 0);	/* twice is harmless */
	ATF_REQUIRE((p = secmem_alloc(1000)) != NULL);
	for (i = 0; i < 1000; i++)
		p[i] = (uint8_t)i;
	for (i = 0; i < 1000; i++)
		ATF_REQUIRE_EQ(p[i], (uint8_t)i);
	secmem_free(p);
	ATF_REQUIRE(secmem_alloc(0) == NULL);
	secmem_free(NULL);
}

ATF_TC_WITHOUT_HEAD(wipe);
ATF_TC_BODY(wipe, tc)
{
	uint8_t	 buf[64];
	uint8_t	*p;
	size_t	 i;

	ATF_REQUIRE_EQ(secmem_init(), 0);
	memset(buf, 0xa5, sizeof(buf));
	secmem_wipe(buf + 8, 32);
	for (i = 0; i < sizeof(buf); i++)
		ATF_REQUIRE_EQ(buf[i], (i >= 8 && i < 40) ? 0 : 0xa5);
	secmem_wipe(buf, 0);
	secmem_wipe(NULL, 0);

	ATF_REQUIRE((p = secmem_alloc(48)) != NULL);
	memset(p, 0xff, 48);
	secmem_wipe(p, 48);
	for (i = 0; i < 48; i++)
		ATF_REQUIRE_EQ(p[i], 0);
	secmem_free(p);
}

ATF_TC_WITHOUT_HEAD(equal);
ATF_TC_BODY(equal, tc)
{
	uint8_t	 a[33], b[33];

	ATF_REQUIRE_EQ(secmem_init(), 0);
	memset(a, 0x11, sizeof(a));
	memset(b, 0x11, sizeof(b));
	ATF_CHECK_EQ(secmem_equal(a, b, sizeof(a)), 1);
	b[32] = 0x12;
	ATF_CHECK_EQ(secmem_equal(a, b, sizeof(a)), 0);
	ATF_CHECK_EQ(secmem_equal(a, b, 32), 1);
	b[0] = 0;
	ATF_CHECK_EQ(secmem_equal(a, b, 32), 0);
	ATF_CHECK_EQ(secmem_equal(a, b, 0), 1);
}

ATF_TC_WITHOUT_HEAD(random_bytes);
ATF_TC_BODY(random_bytes, tc)
{
	uint8_t	 a[32], b[32], z[32];

	ATF_REQUIRE_EQ(secmem_init(), 0);
	memset(z, 0, sizeof(z));
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	secmem_random(a, sizeof(a));
	secmem_random(b, sizeof(b));
	secmem_random(z, 0);
	/* 2^-256 chance of a false failure. */
	ATF_CHECK(memcmp(a, b, sizeof(a)) != 0);
	ATF_CHECK(memcmp(a, z, sizeof(a)) != 0);
}

ATF_TC_WITHOUT_HEAD(protect_roundtrip);
ATF_TC_BODY(protect_roundtrip, tc)
{
	uint8_t	*p;

	ATF_REQUIRE_EQ(secmem_init(), 0);
	ATF_REQUIRE((p = secmem_alloc(100)) != NULL);
	memset(p, 0x5a, 100);
	ATF_REQUIRE_EQ(secmem_readonly(p), 0);
	ATF_CHECK_EQ(p[99], 0x5a);
	ATF_REQUIRE_EQ(secmem_noaccess(p), 0);
	ATF_REQUIRE_EQ(secmem_readwrite(p), 0);
	ATF_CHECK_EQ(p[0], 0x5a);
	ATF_CHECK_EQ(p[99], 0x5a);
	p[50] = 1;
	ATF_CHECK_EQ(p[50], 1);
	secmem_free(p);
}

/* Reading memory after secmem_noaccess() must kill the process. */
ATF_TC_WITHOUT_HEAD(noaccess_faults);
ATF_TC_BODY(noaccess_faults, tc)
{
	volatile uint8_t	*vp;
	uint8_t			*p;
	pid_t			 pid;
	int			 status;

	ATF_REQUIRE_EQ(secmem_init(), 0);
	ATF_REQUIRE((pid = fork()) != -1);
	if (pid == 0) {
		struct rlimit	 rl = { 0, 0 };

		(void)setrlimit(RLIMIT_CORE, &rl);	/* no core file */
		/* Under ASan its own handler would turn the fault into exit(1). */
		signal(SIGSEGV, SIG_DFL);
		signal(SIGBUS, SIG_DFL);
		if ((p = secmem_alloc(64)) == NULL)
			_exit(2);
		p[0] = 42;
		if (secmem_noaccess(p) != 0)
			_exit(3);
		vp = p;
		if (vp[0] == 42)
			_exit(4);
		_exit(5);
	}
	ATF_REQUIRE_EQ(waitpid(pid, &status, 0), pid);
	if (WIFEXITED(status))
		atf_tc_fail("child was not killed, exit %d",
		    WEXITSTATUS(status));
	ATF_REQUIRE(WIFSIGNALED(status));
	ATF_CHECK_MSG(WTERMSIG(status) == SIGSEGV || WTERMSIG(status) == SIGBUS,
	    "signal %d", WTERMSIG(status));
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, alloc_free);
	ATF_TP_ADD_TC(tp, wipe);
	ATF_TP_ADD_TC(tp, equal);
	ATF_TP_ADD_TC(tp, random_bytes);
	ATF_TP_ADD_TC(tp, protect_roundtrip);
	ATF_TP_ADD_TC(tp, noaccess_faults);
	return (atf_no_error());
}
