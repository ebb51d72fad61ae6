/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * The parts of the sandbox interface that are the same on every system:
 * role names, user look-up and the empty-directory check.  The
 * privilege drop and the filters are in sandbox_linux.c and
 * sandbox_openbsd.c.
 */

#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <grp.h>
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sandbox.h"
#include "sandbox_impl.h"

void
sandbox_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

const char *
sandbox_role_name(enum sandbox_role role)
{
	switch (role) {
	case SANDBOX_PARENT:
		return "parent";
	case SANDBOX_ENGINE:
		return "engine";
	case SANDBOX_KEYD:
		return "keyd";
	case SANDBOX_RESOLVER:
		return "resolver";
	}
	return "unknown";
}

int
sandbox_lookup_user(const char *user, uid_t *uid, gid_t *gid, char *err,
    size_t errlen)
{
	struct passwd *pw;

	if (user == NULL || *user == '\0') {
		sandbox_seterr(err, errlen, "no user name given");
		return -1;
	}
	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		/* "No such user" is errno 0, ENOENT, ESRCH, ... */
		if (errno == 0 || errno == ENOENT || errno == ESRCH ||
		    errno == EBADF || errno == EPERM)
			sandbox_seterr(err, errlen,
			    "user '%s' does not exist", user);
		else
			sandbox_seterr(err, errlen,
			    "cannot look up user '%s': %s", user,
			    strerror(errno));
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

int
sandbox_check_emptydir(const char *dir, char *err, size_t errlen)
{
	struct stat	 st;
	struct dirent	*de;
	DIR		*d;
	int		 saved;

	if (dir == NULL || *dir == '\0') {
		sandbox_seterr(err, errlen, "no chroot directory given");
		return -1;
	}
	if (lstat(dir, &st) == -1) {
		if (errno == ENOENT)
			sandbox_seterr(err, errlen,
			    "chroot directory '%s' does not exist", dir);
		else
			sandbox_seterr(err, errlen,
			    "chroot directory '%s': %s", dir, strerror(errno));
		return -1;
	}
	/* chroot() follows a link the checks above would not have seen. */
	if (S_ISLNK(st.st_mode)) {
		sandbox_seterr(err, errlen, "chroot directory '%s' is a "
		    "symbolic link; give the directory itself", dir);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		sandbox_seterr(err, errlen,
		    "chroot directory '%s' is not a directory", dir);
		return -1;
	}
	if (geteuid() == 0 && st.st_uid != 0) {
		sandbox_seterr(err, errlen, "chroot directory '%s' is owned "
		    "by uid %lu, not by root", dir, (unsigned long)st.st_uid);
		return -1;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		sandbox_seterr(err, errlen, "chroot directory '%s' is "
		    "writable by group or others (mode %04o)", dir,
		    (unsigned int)(st.st_mode & 07777));
		return -1;
	}
	if ((d = opendir(dir)) == NULL) {
		sandbox_seterr(err, errlen, "chroot directory '%s': %s", dir,
		    strerror(errno));
		return -1;
	}
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		sandbox_seterr(err, errlen, "chroot directory '%s' is not "
		    "empty (it holds '%s')", dir, de->d_name);
		closedir(d);
		return -1;
	}
	saved = errno;
	closedir(d);
	if (saved != 0) {
		sandbox_seterr(err, errlen, "chroot directory '%s': %s", dir,
		    strerror(saved));
		return -1;
	}
	return 0;
}

/*
 * The common end of sandbox_privdrop(): the group list, gid and uid set
 * for good, then checked, including that root cannot be regained.
 */
int
sandbox_setids(uid_t uid, gid_t gid, char *err, size_t errlen)
{
	uid_t	ruid, euid, suid;
	gid_t	rgid, egid, sgid;
	gid_t	groups[2];
	int	ngroups;

	if (setgroups(1, &gid) == -1) {
		sandbox_seterr(err, errlen, "setgroups %lu: %s",
		    (unsigned long)gid, strerror(errno));
		return -1;
	}
	if (setresgid(gid, gid, gid) == -1) {
		sandbox_seterr(err, errlen, "setresgid %lu: %s",
		    (unsigned long)gid, strerror(errno));
		return -1;
	}
	if (setresuid(uid, uid, uid) == -1) {
		sandbox_seterr(err, errlen, "setresuid %lu: %s",
		    (unsigned long)uid, strerror(errno));
		return -1;
	}

	/* Trust, but verify. */
	if (getresuid(&ruid, &euid, &suid) == -1 ||
	    getresgid(&rgid, &egid, &sgid) == -1) {
		sandbox_seterr(err, errlen, "getresuid: %s", strerror(errno));
		return -1;
	}
	if (ruid != uid || euid != uid || suid != uid ||
	    rgid != gid || egid != gid || sgid != gid) {
		sandbox_seterr(err, errlen, "ids after the drop are not "
		    "uid %lu gid %lu", (unsigned long)uid, (unsigned long)gid);
		return -1;
	}
	ngroups = getgroups(2, groups);
	if (ngroups != 1 || groups[0] != gid) {
		sandbox_seterr(err, errlen, "supplementary groups are not "
		    "just %lu after the drop", (unsigned long)gid);
		return -1;
	}
	if (setgid(0) != -1 || setuid(0) != -1) {
		sandbox_seterr(err, errlen,
		    "could regain root after dropping privileges");
		return -1;
	}
	return 0;
}
