/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */
#ifndef SEAL_SANDBOX_H
#define SEAL_SANDBOX_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Process sandboxes behind one small interface: seccomp-bpf, chroot,
 * setres[ug]id and capability dropping on Linux (sandbox_linux.c),
 * pledge/unveil on OpenBSD (sandbox_openbsd.c).
 *
 * Every process drops its privileges at one visible place, always in
 * this order:
 *
 *	sandbox_harden(nofile)		not dumpable, no core, fd limit
 *	sandbox_lookup_user(user)	needs /etc/passwd: before chroot
 *	... open everything the process needs, initialise libraries
 *	    (sodium_init, OpenSSL, tzset, openlog) ...
 *	sandbox_privdrop(uid, gid, dir)	chroot, then setgroups/setresgid/
 *					setresuid, then check
 *	sandbox_enter(role)		no_new_privs, capabilities, filter
 *
 * All functions return 0 on success and -1 on failure with a message in
 * err (always NUL terminated when errlen > 0); they never call fatal().
 * A process whose sandbox_*() call fails must refuse to run.
 *
 * Linux: a system call outside the role's allow-list kills the whole
 * process with SIGSYS (SCMP_ACT_KILL_PROCESS), as does any system call
 * made with a foreign ABI (e.g. int 0x80 or x32 on x86_64).  The engine
 * and keyd may not create executable memory (mmap/mprotect with
 * PROT_EXEC are fatal).  Seccomp filters are inherited across fork and
 * execve: a keyd that the sandboxed parent re-spawns starts its life
 * under the parent's filter, which therefore allows what a freshly
 * exec'd keyd does up to its own sandbox_enter().
 *
 * Library calls that would make forbidden system calls after
 * sandbox_enter() (and so kill the process):
 *   - syslog(3) when it has no connected socket: glibc then calls
 *     socket() and connect() again.  openlog(LOG_NDELAY) before the
 *     chroot, and note that a syslog daemon restart makes glibc reconnect.
 *   - anything that opens files: getpwnam, localtime without a prior
 *     tzset(), OpenSSL's first use (config file), libsodium before
 *     sodium_init().
 *   - abort(): the process still dies, but by SIGSYS, not SIGABRT.
 *
 * Sanitizer builds (ASan/UBSan, make check-san): sandbox_enter() adds
 * the few system calls the sanitizer runtimes make at exit and while
 * reporting (or makes them fail with EACCES where the runtime copes).
 * LeakSanitizer's exit-time check needs clone and ptrace, and the
 * in-process symbolizer opens files: both stay fatal.  So sandboxed
 * processes of a sanitizer build must run with
 * ASAN_OPTIONS=detect_leaks=0:symbolize=0 (or leave with _exit(); a
 * report then shows module+offset: feed it to asan_symbolize or
 * addr2line).
 */

enum sandbox_role {
	SANDBOX_PARENT,
	SANDBOX_ENGINE,
	SANDBOX_KEYD,
	SANDBOX_RESOLVER	/* ntpd -R: getaddrinfo, not chrooted */
};

/* "parent", "engine", "keyd", "resolver"; "unknown" otherwise. */
const char	*sandbox_role_name(enum sandbox_role);

/*
 * Look up a user's uid and primary gid before the chroot (needs
 * /etc/passwd).  -1 with err filled ("user '_ntp' does not exist").
 */
int	sandbox_lookup_user(const char *user, uid_t *uid, gid_t *gid,
	    char *err, size_t errlen);

/*
 * Check that dir exists, is a directory owned by root (only checked when
 * we are root), not writable by group or other, and empty.  -1 with a
 * clear err otherwise.  Creating it is the caller's business.
 */
int	sandbox_check_emptydir(const char *dir, char *err, size_t errlen);

/*
 * chroot(dir) + chdir("/"), then setgroups(1, &gid), setresgid(gid),
 * setresuid(uid), then verify that the ids are as requested and that
 * setgid(0)/setuid(0) fail.  dir may be NULL: no chroot (the loud debug
 * mode; the caller says so in its log).  On Linux the capability bounding
 * set is emptied before the uid changes, while we still may.
 */
int	sandbox_privdrop(uid_t uid, gid_t gid, const char *dir,
	    char *err, size_t errlen);

/*
 * Early process hardening for every role: not dumpable (no ptrace by
 * the same user, no /proc/PID/mem), RLIMIT_CORE 0, and RLIMIT_NOFILE
 * lowered to nofile when nofile > 0.
 */
int	sandbox_harden(int nofile, char *err, size_t errlen);

/*
 * Enter the role's sandbox.  Linux: PR_SET_NO_NEW_PRIVS; for the engine
 * and keyd, drop every capability (effective, permitted, inheritable,
 * ambient, and the bounding set while we still hold CAP_SETPCAP); the
 * parent keeps its capabilities (CAP_SYS_TIME, CAP_KILL, ...).  Then
 * install the role's seccomp allow-list, default action KILL_PROCESS.
 * OpenBSD: unveil + pledge with the role's promises.
 */
int	sandbox_enter(enum sandbox_role, char *err, size_t errlen);

#endif
