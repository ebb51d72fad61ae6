/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * The sandbox interface of sandbox.h on OpenBSD: pledge(2) and unveil(2)
 * instead of seccomp, chroot and setres[ug]id as on Linux.  Written for
 * OpenBSD but not compiled by the Linux build: on Linux this file is an
 * empty translation unit.
 */
#ifdef __OpenBSD__

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sandbox.h"
#include "sandbox_impl.h"

/*
 * pledge promises per role.  The parent's children are exec'd, and an
 * exec'd program starts with the execpromises: NULL leaves them
 * unrestricted so that a re-spawned keyd can make its own pledge.
 */
struct sandbox_pledge {
	enum sandbox_role	 role;
	const char		*promises;
};

static const struct sandbox_pledge sandbox_pledges[] = {
	/* Sockets it was given, fds over the pipe, the control socket. */
	{ SANDBOX_ENGINE,	"stdio inet unix recvfd sendfd" },
	/* Pipes only; secure memory is plain mmap/mprotect/mlock. */
	{ SANDBOX_KEYD,		"stdio" },
	/* getaddrinfo: resolv.conf, hosts, DNS over UDP and TCP. */
	{ SANDBOX_RESOLVER,	"stdio dns" },
	/* The clock, the drift file, starting keyd again. */
	{ SANDBOX_PARENT,	"stdio rpath wpath cpath proc exec settime "
				"sendfd" },
};

int
sandbox_privdrop(uid_t uid, gid_t gid, const char *dir, char *err,
    size_t errlen)
{
	if (uid == 0 || gid == 0) {
		sandbox_seterr(err, errlen, "refusing to drop privileges to "
		    "uid %lu gid %lu: use an unprivileged user",
		    (unsigned long)uid, (unsigned long)gid);
		return -1;
	}
	if (dir != NULL) {
		if (chroot(dir) == -1) {
			sandbox_seterr(err, errlen, "chroot %s: %s", dir,
			    strerror(errno));
			return -1;
		}
		if (chdir("/") == -1) {
			sandbox_seterr(err, errlen, "chdir / in %s: %s", dir,
			    strerror(errno));
			return -1;
		}
	}
	return sandbox_setids(uid, gid, err, errlen);
}

int
sandbox_harden(int nofile, char *err, size_t errlen)
{
	struct rlimit rl;

	/*
	 * No PR_SET_DUMPABLE here: a process that changed its ids is not
	 * traceable or dumpable by the user anyway (issetugid), and no core
	 * file is written with RLIMIT_CORE 0.
	 */
	rl.rlim_cur = rl.rlim_max = 0;
	if (setrlimit(RLIMIT_CORE, &rl) == -1) {
		sandbox_seterr(err, errlen, "setrlimit RLIMIT_CORE: %s",
		    strerror(errno));
		return -1;
	}
	if (nofile > 0) {
		if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
			sandbox_seterr(err, errlen, "getrlimit RLIMIT_NOFILE: "
			    "%s", strerror(errno));
			return -1;
		}
		if (rl.rlim_max == RLIM_INFINITY ||
		    rl.rlim_max > (rlim_t)nofile)
			rl.rlim_max = (rlim_t)nofile;
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
			sandbox_seterr(err, errlen, "setrlimit RLIMIT_NOFILE "
			    "%d: %s", nofile, strerror(errno));
			return -1;
		}
	}
	return 0;
}

int
sandbox_enter(enum sandbox_role role, char *err, size_t errlen)
{
	const char	*promises = NULL;
	size_t		 i;

	for (i = 0; i < sizeof(sandbox_pledges) / sizeof(sandbox_pledges[0]);
	    i++)
		if (sandbox_pledges[i].role == role)
			promises = sandbox_pledges[i].promises;
	if (promises == NULL) {
		sandbox_seterr(err, errlen, "unknown sandbox role %d",
		    (int)role);
		return -1;
	}

	/*
	 * The engine and keyd live in an empty chroot and open nothing:
	 * hide the whole file system.  The parent keeps its (rpath wpath
	 * cpath exec) view, since the drift file and the keyd binary are
	 * configuration it only knows at run time; its caller may unveil
	 * those paths first and lock with unveil(NULL, NULL) itself.
	 */
	if (role != SANDBOX_PARENT) {
		if (unveil("/", "") == -1) {
			sandbox_seterr(err, errlen, "unveil: %s",
			    strerror(errno));
			return -1;
		}
		if (unveil(NULL, NULL) == -1) {
			sandbox_seterr(err, errlen, "unveil lock: %s",
			    strerror(errno));
			return -1;
		}
	}
	/* The parent execs keyd, which then pledges for itself. */
	if (pledge(promises, role == SANDBOX_PARENT ? NULL : "") == -1) {
		sandbox_seterr(err, errlen, "pledge %s \"%s\": %s",
		    sandbox_role_name(role), promises, strerror(errno));
		return -1;
	}
	return 0;
}

#else
/* ISO C forbids an empty translation unit. */
typedef int sandbox_openbsd_unused;
#endif /* __OpenBSD__ */
