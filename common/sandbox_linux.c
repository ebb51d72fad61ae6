/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */
#ifdef __linux__

#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <linux/capability.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sandbox.h"
#include "sandbox_impl.h"

/* ASan (gcc defines the macro, clang answers __has_feature). */
#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_SANITIZER	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_SANITIZER	1
#endif
#endif
/* UBSan has no macro; -DSANDBOX_SANITIZER=1 covers a UBSan-only build. */

/*
 * How a table entry constrains the arguments of its system call.
 */
enum sandbox_argrule {
	SB_ANY,		/* any arguments */
	SB_NOEXEC,	/* arg 2 (prot) without PROT_EXEC, in W^X roles */
	SB_NOADDR,	/* arg 4 (dest_addr) NULL: connected sockets only */
	SB_EACCES,	/* not allowed: fails with EACCES, does not kill */
	SB_SOCKFAM,	/* arg 0 (domain) AF_INET, AF_INET6 or AF_UNIX */
	SB_RDONLY	/* arg 2 (flags): read-only, no O_CREAT/O_TRUNC */
};

struct sandbox_syscall {
	int			 nr;
	const char		*name;
	enum sandbox_argrule	 arg;
};

#define SB(name)		{ SCMP_SYS(name), #name, SB_ANY }
#define SB_ARG(name, rule)	{ SCMP_SYS(name), #name, rule }
#define SB_END			{ 0, NULL, SB_ANY }

/*
 * The allow-lists.  Names that do not exist on the build's architecture
 * (clock_gettime64 on 64-bit, newfstatat on some 32-bit) are ignored by
 * libseccomp, so every table is written once for all architectures.
 * One entry per line, with the reason it is there.
 */

/* Every role. */
static const struct sandbox_syscall sandbox_base[] = {
	SB(read),			/* imsg pipes */
	SB(write),			/* imsg pipes, log lines on stderr */
	SB(readv),			/* imsg */
	SB(writev),			/* imsg, buffered output */
	SB(recvmsg),			/* imsg with passed fds */
	SB(sendmsg),			/* imsg with passed fds */
	SB(close),
	SB(fcntl),			/* O_NONBLOCK, FD_CLOEXEC */
	SB(fstat),			/* stdio sizes its buffers */
	SB(newfstatat),			/* glibc >= 2.33 fstat() */
	SB(lseek),			/* stdio on an fd (fflush, fclose) */
	SB(poll),			/* event loop */
	SB(ppoll),			/* event loop */
	SB(exit),
	SB(exit_group),
	SB(restart_syscall),		/* resume a sleep after a signal */
	SB(rt_sigreturn),		/* return from signal handlers */
	SB(rt_sigprocmask),		/* blocking signals, abort() */
	SB(brk),			/* malloc */
	SB_ARG(mmap, SB_NOEXEC),	/* malloc, sodium_malloc */
	SB(munmap),			/* free */
	SB(mremap),			/* realloc */
	SB(madvise),			/* free, sodium's MADV_DONTDUMP */
	SB(futex),			/* libc and libcrypto locks */
	SB(clock_gettime),		/* when the vDSO cannot answer */
	SB(clock_gettime64),		/* the same on 32-bit */
	SB(gettimeofday),		/* the same */
	SB(time),			/* the same */
	SB(clock_nanosleep),		/* sleeps */
	SB(nanosleep),			/* sleeps */
	SB(getpid),			/* imsg header, log with LOG_PID */
	SB(getrandom),			/* libsodium and OpenSSL randomness */
	SB_END
};

/* The network engine: UDP sockets and the control socket it was given. */
static const struct sandbox_syscall sandbox_engine[] = {
	SB(recvfrom),			/* NTP packets */
	SB(sendto),			/* NTP packets, syslog */
	SB(recvmmsg),			/* NTP packets in batches */
	SB(sendmmsg),			/* NTP packets in batches */
	SB(accept),			/* control socket clients */
	SB(accept4),			/* the same, with flags */
	SB(getsockname),		/* local address of a UDP socket */
	SB(getpeername),		/* a control client's credentials */
	SB(getsockopt),			/* SO_ERROR, SO_PEERCRED */
	SB(shutdown),			/* end a control connection */
	SB(clock_getres),		/* clock precision in NTP packets */
	SB_ARG(mprotect, SB_NOEXEC),	/* sodium_malloc: keyd-link buffers */
	SB(mlock),			/* the same: cookies are locked */
	SB(mlock2),			/* the same, newer libc */
	SB(munlock),			/* sodium_free() */
	SB_END
};

/* keyd: secure memory and nothing else. */
static const struct sandbox_syscall sandbox_keyd[] = {
	SB_ARG(mprotect, SB_NOEXEC),	/* sodium_mprotect_*() */
	SB(mlock),			/* sodium_malloc() locks key pages */
	SB(mlock2),			/* the same, newer libc */
	SB(munlock),			/* sodium_free() */
	SB_ARG(sendto, SB_NOADDR),	/* syslog(3): send() on /dev/log */
	SB_END
};

/*
 * The resolver (ntpd -R): what glibc's getaddrinfo does with "files
 * dns" in nsswitch.conf, found with strace: read the configuration
 * files, ask nscd over a unix socket if it runs, send DNS queries over
 * UDP (A and AAAA together with sendmmsg) or TCP.  Not W^X: an NSS
 * module named in nsswitch.conf (mdns, resolve, ...) is loaded with
 * dlopen at its first use, which maps code.
 */
static const struct sandbox_syscall sandbox_resolver[] = {
	SB_ARG(socket, SB_SOCKFAM),	/* DNS over UDP/TCP, nscd */
	SB_ARG(openat, SB_RDONLY),	/* resolv.conf, hosts, modules */
	SB(connect),			/* DNS server, nscd */
	SB(sendto),			/* DNS queries, syslog */
	SB(recvfrom),			/* DNS answers */
	SB(sendmmsg),			/* A and AAAA queries at once */
	SB(bind),			/* source port of a query */
	SB(getsockname),		/* the same */
	SB(setsockopt),			/* IPV6_RECVERR and friends */
	SB(getsockopt),			/* SO_ERROR of a TCP connect */
	SB(ioctl),			/* FIONREAD on a DNS socket */
	SB(stat),			/* resolv.conf changed? */
	SB(statx),			/* the same, newer libc */
	SB(uname),			/* the local domain */
	SB(mprotect),			/* dlopen of an NSS module */
	SB(getuid),			/* NSS module start-up */
	SB(geteuid),			/* the same */
	SB_END
};

/* The parent: the clock, the drift file, its children. */
static const struct sandbox_syscall sandbox_parent[] = {
	SB(clock_adjtime),		/* slew and frequency */
	SB(adjtimex),			/* the same, older libc */
	SB(clock_settime),		/* step the clock */
	SB(settimeofday),		/* the same, older libc */
	SB(clock_getres),		/* clock precision for status */
	SB(openat),			/* drift file, exec */
	SB(rename),			/* drift file replaced atomically */
	SB(renameat),			/* the same */
	SB(renameat2),			/* the same, newer libc */
	SB(unlink),			/* drift file temporary on error */
	SB(unlinkat),			/* the same */
	SB(fsync),			/* drift file on disk before rename */
	SB(fdatasync),			/* the same */
	SB(ftruncate),			/* drift file */
	SB(wait4),			/* reap children */
	SB(waitid),			/* the same */
	SB(kill),			/* stop children at shutdown */
	SB(getppid),
	SB(rt_sigaction),		/* signal set-up, also in children */
	SB(socketpair),			/* pipes to a re-spawned keyd */
	SB(clone),			/* fork a new keyd on key reload */
	SB(clone3),			/* the same, newer libc */
	SB(fork),			/* the same */
	SB(vfork),			/* the same */
	SB(set_robust_list),		/* glibc fork() in the child */
	SB(execve),			/* exec the new keyd */
	SB(dup2),			/* fixed fds in the child */
	SB(dup3),			/* the same */
	SB(close_range),		/* closefrom() in the child */
	SB(setsid),			/* the child's own session */
	SB(setpgid),			/* the same */
	SB_ARG(sendto, SB_NOADDR),	/* syslog(3): send() on /dev/log */
	SB(mprotect),			/* the loader of an exec'd child */
	SB_END
};

/*
 * Seccomp filters survive fork and execve, and stack: a keyd that the
 * sandboxed parent re-spawns runs under the parent's filter, first alone
 * and after its own sandbox_enter() together with the keyd filter.  So
 * the parent also allows what the dynamic loader and keyd's start-up do,
 * and keyd's own list.  A re-spawned keyd cannot look up users (glibc
 * asks nscd over a socket): give it the uid and gid.
 */
static const struct sandbox_syscall sandbox_parent_spawn[] = {
	SB(access),			/* loader: ld.so.preload */
	SB(faccessat),			/* the same where access is gone */
	SB(arch_prctl),			/* loader: TLS on x86 */
	SB(set_tid_address),		/* libc start-up */
	SB(rseq),			/* libc start-up */
	SB(prlimit64),			/* libc start-up, sandbox_harden() */
	SB(pread64),			/* loader reads ELF headers */
	SB(getdents64),			/* keyd lists its keys directory */
	SB(readlinkat),			/* keyd reads its key file links */
	SB(readlink),			/* the same, older libc */
	SB(geteuid),			/* keyd: sandbox_check_emptydir() */
	SB(getuid),			/* the same */
	SB(getegid),			/* the same */
	SB(getgid),			/* the same */
	SB(prctl),			/* sandbox_harden(), sandbox_enter() */
	SB(chroot),			/* sandbox_privdrop() */
	SB(chdir),			/* the same */
	SB(setgroups),			/* the same */
	SB(setresgid),			/* the same */
	SB(setresuid),			/* the same */
	SB(getresuid),			/* its checks */
	SB(getresgid),			/* the same */
	SB(getgroups),			/* the same */
	SB(setgid),			/* the check that it fails */
	SB(setuid),			/* the same */
	SB(capget),			/* sandbox_enter() drops capabilities */
	SB(capset),			/* the same */
	SB(seccomp),			/* keyd installs its own filter */
	SB(mlock),			/* keyd's own list */
	SB(mlock2),			/* the same */
	SB(munlock),			/* the same */
	SB_END
};

#ifdef SANDBOX_SANITIZER
/*
 * What the ASan/UBSan runtimes do in a sandboxed process, found with
 * strace: at exit and while reporting an error with symbolize=0.  The
 * in-process symbolizer opens files with openat, which stays fatal: run
 * sanitizer builds with ASAN_OPTIONS=detect_leaks=0:symbolize=0.
 */
static const struct sandbox_syscall sandbox_sanitizer[] = {
	SB(sigaltstack),		/* alternate signal stack, at exit */
	SB(readlink),			/* /proc/self/exe in reports */
	SB_ARG(ioctl, SB_EACCES),	/* isatty() for colours: say no */
	SB_ARG(pipe2, SB_EACCES),	/* "can this be printed?" probes */
	SB_END
};

/* The engine and keyd: a report goes on without /proc (EACCES). */
static const struct sandbox_syscall sandbox_sanitizer_noopen[] = {
	SB_ARG(open, SB_EACCES),	/* /proc/self/cmdline, maps */
	SB_END
};

/* The parent: the runtime's start-up in a keyd it re-spawns. */
static const struct sandbox_syscall sandbox_sanitizer_spawn[] = {
	SB(open),			/* /proc/self/cmdline, maps */
	SB_END
};
#endif

struct sandbox_policy {
	const struct sandbox_syscall	*tables[8];	/* NULL: unused */
	int				 wxorx;	/* honour SB_NOEXEC */
};

static int
sandbox_capget(struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3])
{
	struct __user_cap_header_struct hdr;

	memset(&hdr, 0, sizeof(hdr));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	hdr.pid = 0;
	memset(data, 0, sizeof(*data) * _LINUX_CAPABILITY_U32S_3);
	return (int)syscall(SYS_capget, &hdr, data);
}

static int
sandbox_have_cap(int cap)
{
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	if (sandbox_capget(data) == -1)
		return 0;
	return (data[CAP_TO_INDEX(cap)].effective & CAP_TO_MASK(cap)) != 0;
}

/*
 * Empty the capability bounding set, so that nothing exec'd later can
 * gain a capability.  Needs CAP_SETPCAP: without it (we already are an
 * unprivileged user) this does nothing.
 */
static int
sandbox_drop_bounding(char *err, size_t errlen)
{
	int cap;

	if (!sandbox_have_cap(CAP_SETPCAP))
		return 0;
	/* PR_CAPBSET_READ fails past the kernel's last capability. */
	for (cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++) {
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == -1) {
			sandbox_seterr(err, errlen, "cannot drop capability "
			    "%d from the bounding set: %s", cap,
			    strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Drop every capability this process holds or could regain. */
static int
sandbox_drop_caps(char *err, size_t errlen)
{
	struct __user_cap_header_struct	hdr;
	struct __user_cap_data_struct	data[_LINUX_CAPABILITY_U32S_3];
	size_t				i;

	/* First, while CAP_SETPCAP is still effective. */
	if (sandbox_drop_bounding(err, errlen) == -1)
		return -1;
	/* Kernels before 4.3 have no ambient set: EINVAL, nothing to do. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1 &&
	    errno != EINVAL) {
		sandbox_seterr(err, errlen, "cannot clear ambient "
		    "capabilities: %s", strerror(errno));
		return -1;
	}
	memset(&hdr, 0, sizeof(hdr));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	hdr.pid = 0;
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capset, &hdr, data) == -1) {
		sandbox_seterr(err, errlen, "cannot drop capabilities: %s",
		    strerror(errno));
		return -1;
	}
	if (sandbox_capget(data) == -1) {
		sandbox_seterr(err, errlen, "capget: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < _LINUX_CAPABILITY_U32S_3; i++) {
		if (data[i].effective != 0 || data[i].permitted != 0 ||
		    data[i].inheritable != 0) {
			sandbox_seterr(err, errlen,
			    "capabilities still held after capset");
			return -1;
		}
	}
	return 0;
}

int
sandbox_privdrop(uid_t uid, gid_t gid, const char *dir, char *err,
    size_t errlen)
{
	/* The checks below could not tell a drop to root from no drop. */
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
	if (sandbox_drop_bounding(err, errlen) == -1)
		return -1;
	/* setgroups, setresgid, setresuid, then verify (sandbox.c) */
	return sandbox_setids(uid, gid, err, errlen);
}

int
sandbox_harden(int nofile, char *err, size_t errlen)
{
	struct rlimit rl;

	/* No core files, no ptrace or /proc/PID/mem by the same user. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1) {
		sandbox_seterr(err, errlen, "prctl PR_SET_DUMPABLE: %s",
		    strerror(errno));
		return -1;
	}
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
		/* Only ever lower it: raising needs CAP_SYS_RESOURCE. */
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

static int
sandbox_policy(enum sandbox_role role, struct sandbox_policy *pol)
{
	size_t n = 0;

	memset(pol, 0, sizeof(*pol));
	pol->tables[n++] = sandbox_base;
	switch (role) {
	case SANDBOX_PARENT:
		pol->tables[n++] = sandbox_parent;
		pol->tables[n++] = sandbox_parent_spawn;
		pol->wxorx = 0;		/* exec maps code */
		break;
	case SANDBOX_ENGINE:
		pol->tables[n++] = sandbox_engine;
		pol->wxorx = 1;
		break;
	case SANDBOX_KEYD:
		pol->tables[n++] = sandbox_keyd;
		pol->wxorx = 1;
		break;
	case SANDBOX_RESOLVER:
		pol->tables[n++] = sandbox_resolver;
		pol->wxorx = 0;		/* dlopen, see its table */
		break;
	default:
		return -1;
	}
#ifdef SANDBOX_SANITIZER
	/*
	 * Last: for a system call listed twice libseccomp keeps the first
	 * rule, so a role's ALLOW beats a sanitizer EACCES.
	 */
	pol->tables[n++] = sandbox_sanitizer;
	pol->tables[n++] = role == SANDBOX_PARENT ? sandbox_sanitizer_spawn :
	    sandbox_sanitizer_noopen;
#endif
	return 0;
}

static int
sandbox_allow(scmp_filter_ctx ctx, const struct sandbox_syscall *sc,
    int wxorx)
{
	switch (sc->arg) {
	case SB_NOEXEC:
		if (wxorx)
			return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, sc->nr, 1,
			    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
		break;
	case SB_NOADDR:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, sc->nr, 1,
		    SCMP_A4(SCMP_CMP_EQ, 0, 0));
	case SB_EACCES:
		return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), sc->nr, 0);
	case SB_SOCKFAM: {
		static const int fams[] = { AF_INET, AF_INET6, AF_UNIX };
		size_t i;
		int r;

		/* Several rules for one call: any of them allows it. */
		for (i = 0; i < sizeof(fams) / sizeof(fams[0]); i++) {
			r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, sc->nr, 1,
			    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)fams[i], 0));
			if (r != 0)
				return r;
		}
		return 0;
	}
	case SB_RDONLY:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, sc->nr, 1,
		    SCMP_A2(SCMP_CMP_MASKED_EQ, O_ACCMODE | O_CREAT | O_TRUNC,
		    O_RDONLY));
	case SB_ANY:
		break;
	}
	return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, sc->nr, 0);
}

int
sandbox_enter(enum sandbox_role role, char *err, size_t errlen)
{
	struct sandbox_policy		 pol;
	const struct sandbox_syscall	*sc;
	scmp_filter_ctx			 ctx;
	size_t				 t;
	int				 r;

	if (sandbox_policy(role, &pol) == -1) {
		sandbox_seterr(err, errlen, "unknown sandbox role %d",
		    (int)role);
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		sandbox_seterr(err, errlen, "prctl PR_SET_NO_NEW_PRIVS: %s",
		    strerror(errno));
		return -1;
	}
	/* The parent keeps CAP_SYS_TIME and the right to signal children. */
	if (role != SANDBOX_PARENT && sandbox_drop_caps(err, errlen) == -1)
		return -1;

	/* NULL also when the kernel lacks KILL_PROCESS (Linux < 4.14). */
	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL) {
		sandbox_seterr(err, errlen, "seccomp: cannot create the %s "
		    "filter (needs Linux 4.14 or later)",
		    sandbox_role_name(role));
		return -1;
	}
	/* Other ABIs on this machine (i386 on x86_64, x32) are fatal too. */
	if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS)) != 0 ||
	    (r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1)) != 0 ||
	    (r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1)) != 0) {
		sandbox_seterr(err, errlen, "seccomp: filter attributes: %s",
		    strerror(-r));
		seccomp_release(ctx);
		return -1;
	}
	for (t = 0; t < sizeof(pol.tables) / sizeof(pol.tables[0]); t++) {
		if (pol.tables[t] == NULL)
			continue;
		for (sc = pol.tables[t]; sc->name != NULL; sc++) {
			if ((r = sandbox_allow(ctx, sc, pol.wxorx)) != 0) {
				sandbox_seterr(err, errlen, "seccomp: cannot "
				    "allow %s: %s", sc->name, strerror(-r));
				seccomp_release(ctx);
				return -1;
			}
		}
	}
	if ((r = seccomp_load(ctx)) != 0) {
		sandbox_seterr(err, errlen, "seccomp: cannot load the %s "
		    "filter: %s", sandbox_role_name(role), strerror(-r));
		seccomp_release(ctx);
		return -1;
	}
	seccomp_release(ctx);
	return 0;
}

#else
typedef int sandbox_linux_unused;
#endif /* __linux__ */
