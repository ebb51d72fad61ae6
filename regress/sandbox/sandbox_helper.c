/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * Exec'd by sandbox_test from a child that is already inside the parent
 * filter, to show that a re-spawned keyd can start and seal itself:
 *
 *	sandbox_helper keyd UID GID DIR		privdrop (root) and keyd filter
 *	sandbox_helper keyd - - -		no privdrop (not root)
 *
 * Prints "ok" on stdout and exits 0 when everything worked; exits 2 with
 * a message on stderr otherwise.  Leaves with _exit(): see sandbox.h on
 * LeakSanitizer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "sandbox.h"

static void	helper_fail(const char *, const char *)
		    __attribute__((noreturn));

static void
helper_fail(const char *what, const char *why)
{
	char	buf[512];
	int	n;

	n = snprintf(buf, sizeof(buf), "sandbox_helper: %s: %s\n", what, why);
	if (n > 0)
		(void)!write(STDERR_FILENO, buf,
		    (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	_exit(2);
}

static unsigned long
helper_number(const char *s)
{
	char		*end;
	unsigned long	 v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0')
		helper_fail("bad number", s);
	return v;
}

int
main(int argc, char *argv[])
{
	char			 err[256];
	struct timespec		 ts;
	unsigned char		*key;

	if (argc != 5 || strcmp(argv[1], "keyd") != 0)
		helper_fail("usage", "sandbox_helper keyd UID GID DIR");
	if (sodium_init() < 0)
		helper_fail("sodium_init", "failed");
	if (sandbox_harden(32, err, sizeof(err)) == -1)
		helper_fail("sandbox_harden", err);
	if (strcmp(argv[2], "-") != 0 &&
	    sandbox_privdrop((uid_t)helper_number(argv[2]),
	    (gid_t)helper_number(argv[3]), argv[4], err, sizeof(err)) == -1)
		helper_fail("sandbox_privdrop", err);
	if (sandbox_enter(SANDBOX_KEYD, err, sizeof(err)) == -1)
		helper_fail("sandbox_enter", err);

	/* What keyd does with a key, under both filters. */
	if ((key = sodium_malloc(64)) == NULL)
		helper_fail("sodium_malloc", strerror(errno));
	randombytes_buf(key, 64);
	if (sodium_mprotect_noaccess(key) != 0 ||
	    sodium_mprotect_readwrite(key) != 0)
		helper_fail("sodium_mprotect", strerror(errno));
	sodium_free(key);
	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		helper_fail("clock_gettime", strerror(errno));
	if (write(STDOUT_FILENO, "ok", 2) != 2)
		helper_fail("write", strerror(errno));
	_exit(0);
}
