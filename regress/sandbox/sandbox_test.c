/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * Tests for common/sandbox.  Every case that enters a sandbox does so in
 * a forked child, so the test program itself is never filtered.  The
 * children report through a pipe and leave with _exit(): no atf calls,
 * no exit-time LeakSanitizer check (it needs ptrace) in a filtered child.
 */
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timex.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <atf-c.h>
#include <sodium.h>

#include "sandbox.h"

#define NOBODY	"nobody"

/*
 * LeakSanitizer (make check-san): atf-c itself leaks its test case
 * list; do not blame us for it.  Unused in other builds.
 */
const char	*__lsan_default_suppressions(void);
const char	*__lsan_default_options(void);

const char *
__lsan_default_suppressions(void)
{
	return "leak:libatf-c.so\n";
}

const char *
__lsan_default_options(void)
{
	return "print_suppressions=0";
}

/* Exit codes of a child, so that a failure says where it happened. */
#define KID_OK		0
#define KID_SETUP	100	/* before sandbox_enter() */
#define KID_ENTER	101	/* sandbox_enter() failed */
#define KID_CHECK	102	/* an allowed call failed */
#define KID_SURVIVED	103	/* a forbidden call returned */

/*
 * What a child does: prep() before entering the sandbox (may be NULL),
 * run() inside it.  Both get the write end of the report pipe and return
 * an exit code.
 */
struct kid {
	enum sandbox_role	  role;
	int			(*prep)(int);
	int			(*run)(int);
	const char		 *what;		/* for messages */
};

struct kid_result {
	int	status;
	char	out[512];
};

static void
kid_say(int fd, const char *msg)
{
	size_t len = strlen(msg);

	if (write(fd, msg, len) != (ssize_t)len)
		_exit(KID_CHECK);
}

/* A failed check inside a child: say what and why, then leave. */
static int
kid_fail(int fd, const char *what)
{
	char	buf[256];

	snprintf(buf, sizeof(buf), "FAIL %s: %s\n", what, strerror(errno));
	kid_say(fd, buf);
	return KID_CHECK;
}

static void
kid_run(const struct kid *k, struct kid_result *res)
{
	char	 err[256];
	size_t	 off = 0;
	ssize_t	 n;
	pid_t	 pid;
	int	 p[2], rc;

	memset(res, 0, sizeof(*res));
	ATF_REQUIRE(pipe(p) == 0);
	ATF_REQUIRE((pid = fork()) != -1);
	if (pid == 0) {
		close(p[0]);
		if (k->prep != NULL && (rc = k->prep(p[1])) != 0)
			_exit(rc == KID_CHECK ? KID_SETUP : rc);
		if (sandbox_enter(k->role, err, sizeof(err)) == -1) {
			kid_say(p[1], "ENTER ");
			kid_say(p[1], err);
			_exit(KID_ENTER);
		}
		_exit(k->run(p[1]));
	}
	close(p[1]);
	while (off < sizeof(res->out) - 1 &&
	    (n = read(p[0], res->out + off, sizeof(res->out) - 1 - off)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		ATF_REQUIRE(n > 0);
		off += (size_t)n;
	}
	res->out[off] = '\0';
	close(p[0]);
	while (waitpid(pid, &res->status, 0) == -1)
		ATF_REQUIRE(errno == EINTR);
}

/* The child must have exited 0 and said "ok". */
static void
kid_expect_ok(const struct kid *k)
{
	struct kid_result res;

	kid_run(k, &res);
	ATF_CHECK_MSG(WIFEXITED(res.status) && WEXITSTATUS(res.status) == 0,
	    "%s %s: status 0x%x (%s%s), output '%s'",
	    sandbox_role_name(k->role), k->what, (unsigned)res.status,
	    WIFSIGNALED(res.status) ? "signal " : "exit ",
	    WIFSIGNALED(res.status) ? strsignal(WTERMSIG(res.status)) :
	    "code", res.out);
	ATF_CHECK_MSG(strcmp(res.out, "ok") == 0, "%s %s: output '%s'",
	    sandbox_role_name(k->role), k->what, res.out);
}

/* The child must have said "ready" and then died of SIGSYS. */
static void
kid_expect_sigsys(const struct kid *k)
{
	struct kid_result res;

	kid_run(k, &res);
	ATF_CHECK_MSG(strcmp(res.out, "ready") == 0,
	    "%s %s: did not reach the forbidden call: output '%s'",
	    sandbox_role_name(k->role), k->what, res.out);
	ATF_CHECK_MSG(WIFSIGNALED(res.status) &&
	    WTERMSIG(res.status) == SIGSYS,
	    "%s %s: not killed by SIGSYS: status 0x%x%s%s",
	    sandbox_role_name(k->role), k->what, (unsigned)res.status,
	    WIFSIGNALED(res.status) ? ", signal " : "",
	    WIFSIGNALED(res.status) ? strsignal(WTERMSIG(res.status)) : "");
}

/*
 * Allowed calls, common to every role.
 */
static int
allowed_base(int fd)
{
	struct timespec	 ts = { 0, 1000000 };
	struct pollfd	 pfd;
	struct stat	 st;
	unsigned char	 rnd[16];
	char		*big, *bigger;

	if (syscall(SYS_clock_gettime, CLOCK_REALTIME, &ts) == -1)
		return kid_fail(fd, "clock_gettime");
	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return kid_fail(fd, "clock_gettime vdso");
	ts.tv_sec = 0;
	ts.tv_nsec = 1000000;
	if (nanosleep(&ts, NULL) == -1)
		return kid_fail(fd, "nanosleep");
	if (syscall(SYS_getpid) != getpid())
		return kid_fail(fd, "getpid");
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return kid_fail(fd, "getrandom");
	if (fstat(fd, &st) == -1)
		return kid_fail(fd, "fstat");
	pfd.fd = fd;
	pfd.events = POLLOUT;
	if (poll(&pfd, 1, 0) != 1)
		return kid_fail(fd, "poll");
	/* Large enough for malloc to mmap it. */
	if ((big = malloc(4 << 20)) == NULL)
		return kid_fail(fd, "malloc");
	memset(big, 1, 4 << 20);
	/* mremap(2); on failure the child exits, so big is not freed. */
	if ((bigger = realloc(big, 8 << 20)) == NULL)
		return kid_fail(fd, "realloc");
	free(bigger);
	return KID_OK;
}

/* The engine: NTP-like traffic on loopback UDP sockets made beforehand. */
static int	engine_udp[2] = { -1, -1 };

static int
engine_prep(int fd)
{
	struct sockaddr_in	sin;
	int			i;

	for (i = 0; i < 2; i++) {
		if ((engine_udp[i] = socket(AF_INET, SOCK_DGRAM, 0)) == -1)
			return kid_fail(fd, "socket");
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (bind(engine_udp[i], (struct sockaddr *)&sin,
		    sizeof(sin)) == -1)
			return kid_fail(fd, "bind");
	}
	return KID_OK;
}

static int
engine_allowed(int fd)
{
	struct sockaddr_in	sin, from;
	struct timespec		res;
	socklen_t		len = sizeof(sin);
	char			buf[48];
	int			rc;

	if ((rc = allowed_base(fd)) != KID_OK)
		return rc;
	if (getsockname(engine_udp[1], (struct sockaddr *)&sin, &len) == -1)
		return kid_fail(fd, "getsockname");
	memset(buf, 0x23, sizeof(buf));
	if (sendto(engine_udp[0], buf, sizeof(buf), 0,
	    (struct sockaddr *)&sin, len) != (ssize_t)sizeof(buf))
		return kid_fail(fd, "sendto");
	len = sizeof(from);
	if (recvfrom(engine_udp[1], buf, sizeof(buf), 0,
	    (struct sockaddr *)&from, &len) != (ssize_t)sizeof(buf))
		return kid_fail(fd, "recvfrom");
	if (clock_getres(CLOCK_REALTIME, &res) == -1)
		return kid_fail(fd, "clock_getres");
	kid_say(fd, "ok");
	return KID_OK;
}

/* keyd: libsodium secure memory, send() on a connected socket. */
static int	keyd_pair[2] = { -1, -1 };

static int
keyd_prep(int fd)
{
	if (sodium_init() < 0)
		return kid_fail(fd, "sodium_init");
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, keyd_pair) == -1)
		return kid_fail(fd, "socketpair");
	return KID_OK;
}

static int
keyd_allowed(int fd)
{
	unsigned char	*key;
	char		 buf[8];
	int		 rc;

	if ((rc = allowed_base(fd)) != KID_OK)
		return rc;
	if ((key = sodium_malloc(96)) == NULL)
		return kid_fail(fd, "sodium_malloc");
	randombytes_buf(key, 96);
	if (sodium_mprotect_noaccess(key) != 0)
		return kid_fail(fd, "sodium_mprotect_noaccess");
	if (sodium_mprotect_readonly(key) != 0)
		return kid_fail(fd, "sodium_mprotect_readonly");
	if (sodium_mprotect_readwrite(key) != 0)
		return kid_fail(fd, "sodium_mprotect_readwrite");
	sodium_memzero(key, 96);
	sodium_free(key);
	/* What syslog(3) does on its connected socket. */
	if (send(keyd_pair[0], "log", 3, 0) != 3)
		return kid_fail(fd, "send");
	if (read(keyd_pair[1], buf, sizeof(buf)) != 3)
		return kid_fail(fd, "read");
	kid_say(fd, "ok");
	return KID_OK;
}

/* The parent: children, the drift file, reading the clock state. */
static int
parent_allowed(int fd)
{
	struct timex	 tx;
	pid_t		 pid;
	char		 c;
	int		 st, dfd, rc, hold[2];

	if ((rc = allowed_base(fd)) != KID_OK)
		return rc;
	if ((pid = fork()) == -1)
		return kid_fail(fd, "fork");
	if (pid == 0)
		_exit(7);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 7)
		return kid_fail(fd, "waitpid");
	/* A child that waits (in an allowed call) until it is killed. */
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, hold) == -1)
		return kid_fail(fd, "socketpair");
	if ((pid = fork()) == -1)
		return kid_fail(fd, "fork");
	if (pid == 0) {
		close(hold[1]);
		(void)!read(hold[0], &c, 1);
		_exit(0);
	}
	close(hold[0]);
	if (kill(pid, SIGTERM) == -1)
		return kid_fail(fd, "kill");
	if (waitpid(pid, &st, 0) != pid || !WIFSIGNALED(st) ||
	    WTERMSIG(st) != SIGTERM)
		return kid_fail(fd, "waitpid after kill");
	close(hold[1]);
	/* The drift file dance, in the test's work directory. */
	if ((dfd = open("drift.tmp", O_WRONLY | O_CREAT | O_TRUNC, 0644)) ==
	    -1)
		return kid_fail(fd, "open drift.tmp");
	if (write(dfd, "12.345\n", 7) != 7 || fsync(dfd) == -1 ||
	    close(dfd) == -1)
		return kid_fail(fd, "write drift.tmp");
	if (rename("drift.tmp", "drift") == -1)
		return kid_fail(fd, "rename");
	if (unlink("drift") == -1)
		return kid_fail(fd, "unlink");
	/* modes 0: read the kernel clock state, change nothing. */
	memset(&tx, 0, sizeof(tx));
	if (adjtimex(&tx) == -1)
		return kid_fail(fd, "adjtimex");
	kid_say(fd, "ok");
	return KID_OK;
}

/*
 * Forbidden calls: say "ready", make the raw system call (so that libc
 * cannot answer it without the kernel), and report if it returned.
 */
static int
forbid_socket(int fd)
{
	kid_say(fd, "ready");
	(void)syscall(SYS_socket, AF_INET, SOCK_DGRAM, 0);
	return KID_SURVIVED;
}

static int
forbid_openat(int fd)
{
	kid_say(fd, "ready");
	(void)syscall(SYS_openat, AT_FDCWD, "/etc/passwd", O_RDONLY);
	return KID_SURVIVED;
}

static int
forbid_execve(int fd)
{
	char *const argv[] = { (char *)"true", NULL };
	char *const envp[] = { NULL };

	kid_say(fd, "ready");
	(void)syscall(SYS_execve, "/bin/true", argv, envp);
	return KID_SURVIVED;
}

static int
forbid_ptrace(int fd)
{
	kid_say(fd, "ready");
	(void)syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0);
	return KID_SURVIVED;
}

static int
forbid_kill(int fd)
{
	kid_say(fd, "ready");
	(void)syscall(SYS_kill, getppid(), 0);
	return KID_SURVIVED;
}

static int
forbid_mmap_exec(int fd)
{
	kid_say(fd, "ready");
	(void)syscall(SYS_mmap, NULL, 4096, PROT_READ | PROT_EXEC,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return KID_SURVIVED;
}

static void	*wx_page;

static int
wx_prep(int fd)
{
	wx_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (wx_page == MAP_FAILED)
		return kid_fail(fd, "mmap");
	return KID_OK;
}

static int
forbid_mprotect_exec(int fd)
{
	kid_say(fd, "ready");
	(void)syscall(SYS_mprotect, wx_page, 4096, PROT_READ | PROT_EXEC);
	return KID_SURVIVED;
}

static int
forbid_sendto_addr(int fd)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(9);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	kid_say(fd, "ready");
	(void)syscall(SYS_sendto, keyd_pair[0], "x", 1, 0, &sin, sizeof(sin));
	return KID_SURVIVED;
}

static int
forbid_setuid(int fd)
{
	kid_say(fd, "ready");
	(void)syscall(SYS_setuid, 0);
	return KID_SURVIVED;
}

#if defined(__x86_64__)
/* getpid through the i386 entry point: a foreign ABI for the filter. */
static long
int80_getpid(void)
{
	long ret = 20;		/* __NR_getpid on i386 */

	__asm__ volatile ("int $0x80" : "+a" (ret) : :
	    "memory", "r8", "r9", "r10", "r11");
	return ret;
}

static int
forbid_int80(int fd)
{
	kid_say(fd, "ready");
	(void)int80_getpid();
	return KID_SURVIVED;
}

static int
forbid_x32(int fd)
{
	kid_say(fd, "ready");
	(void)syscall(0x40000000L | SYS_getpid);	/* __X32_SYSCALL_BIT */
	return KID_SURVIVED;
}
#endif

/*
 * /proc/PID/status of a child sitting in its sandbox.
 */
static const char *
status_field(const char *status, const char *name, char *val, size_t vlen)
{
	const char	*p = status;
	size_t		 nlen = strlen(name), i;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, name, nlen) == 0 && p[nlen] == ':') {
			p += nlen + 1;
			while (*p == '\t' || *p == ' ')
				p++;
			for (i = 0; i + 1 < vlen && p[i] != '\n' &&
			    p[i] != '\0'; i++)
				val[i] = p[i];
			/* "Groups:" ends in a blank. */
			while (i > 0 && (val[i - 1] == ' ' ||
			    val[i - 1] == '\t'))
				i--;
			val[i] = '\0';
			return val;
		}
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	return NULL;
}

/*
 * Fork a child that runs prep (may be NULL), enters role, says "ready"
 * and waits; read its /proc status into status; let it go.
 */
static void
status_of_sandboxed(enum sandbox_role role, int (*prep)(int), char *status,
    size_t slen)
{
	char	 err[256], path[64], buf[256];
	ssize_t	 n;
	size_t	 off = 0;
	pid_t	 pid;
	int	 rep[2], rel[2], fd, st;

	ATF_REQUIRE(pipe(rep) == 0);
	ATF_REQUIRE(pipe(rel) == 0);
	ATF_REQUIRE((pid = fork()) != -1);
	if (pid == 0) {
		close(rep[0]);
		close(rel[1]);
		if (prep != NULL && prep(rep[1]) != KID_OK)
			_exit(KID_SETUP);
		if (sandbox_enter(role, err, sizeof(err)) == -1) {
			kid_say(rep[1], "ENTER ");
			kid_say(rep[1], err);
			_exit(KID_ENTER);
		}
		kid_say(rep[1], "ready");
		/* Wait until the test has looked at us. */
		(void)!read(rel[0], buf, 1);
		_exit(KID_OK);
	}
	close(rep[1]);
	close(rel[0]);
	n = read(rep[0], buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	if (strcmp(buf, "ready") != 0) {
		close(rel[1]);
		(void)waitpid(pid, &st, 0);
		atf_tc_fail("%s child did not get ready: '%s' status 0x%x",
		    sandbox_role_name(role), buf, (unsigned)st);
	}
	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	ATF_REQUIRE((fd = open(path, O_RDONLY)) != -1);
	while (off < slen - 1 &&
	    (n = read(fd, status + off, slen - 1 - off)) > 0)
		off += (size_t)n;
	status[off] = '\0';
	close(fd);
	ATF_REQUIRE(write(rel[1], "x", 1) == 1);
	close(rel[1]);
	close(rep[0]);
	ATF_REQUIRE(waitpid(pid, &st, 0) == pid);
	ATF_CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "%s child: status 0x%x", sandbox_role_name(role), (unsigned)st);
}

static void
check_status_field(const char *status, const char *name, const char *want)
{
	char val[128];

	ATF_CHECK_MSG(status_field(status, name, val, sizeof(val)) != NULL,
	    "no %s in /proc status", name);
	if (status_field(status, name, val, sizeof(val)) != NULL)
		ATF_CHECK_MSG(strcmp(val, want) == 0, "%s is '%s', want '%s'",
		    name, val, want);
}

static void
check_sealed(enum sandbox_role role, const char *status)
{
	char val[128];

	check_status_field(status, "Seccomp", "2");
	check_status_field(status, "NoNewPrivs", "1");
	if (role == SANDBOX_PARENT) {
		/* The parent keeps its capabilities, CAP_SYS_TIME first. */
		if (geteuid() == 0 &&
		    status_field(status, "CapEff", val, sizeof(val)) != NULL)
			ATF_CHECK_MSG((strtoull(val, NULL, 16) &
			    (1ULL << 25)) != 0,
			    "parent lost CAP_SYS_TIME: CapEff %s", val);
		return;
	}
	check_status_field(status, "CapEff", "0000000000000000");
	check_status_field(status, "CapPrm", "0000000000000000");
	check_status_field(status, "CapInh", "0000000000000000");
	check_status_field(status, "CapAmb", "0000000000000000");
	/* Only a privileged process can empty its bounding set. */
	if (geteuid() == 0)
		check_status_field(status, "CapBnd", "0000000000000000");
}

/* A fresh root-owned 0755 directory in the work directory. */
static void
make_emptydir(char *dir, size_t len)
{
	ATF_REQUIRE(strlcpy(dir, "chroot.XXXXXX", len) < len);
	ATF_REQUIRE(mkdtemp(dir) != NULL);
	ATF_REQUIRE(chmod(dir, 0755) == 0);
}

static void
helper_path(char *path, size_t len)
{
	ssize_t	 n;
	char	*slash;

	ATF_REQUIRE((n = readlink("/proc/self/exe", path, len - 1)) > 0);
	path[n] = '\0';
	ATF_REQUIRE((slash = strrchr(path, '/')) != NULL);
	slash[1] = '\0';
	ATF_REQUIRE(strlcat(path, "sandbox_helper", len) < len);
	if (access(path, X_OK) == -1)
		atf_tc_fail("%s: %s (built by make test-build)", path,
		    strerror(errno));
}

/*
 * Test cases.
 */

ATF_TC_WITHOUT_HEAD(role_name);
ATF_TC_BODY(role_name, tc)
{
	char err[128];

	ATF_CHECK_STREQ(sandbox_role_name(SANDBOX_PARENT), "parent");
	ATF_CHECK_STREQ(sandbox_role_name(SANDBOX_ENGINE), "engine");
	ATF_CHECK_STREQ(sandbox_role_name(SANDBOX_KEYD), "keyd");
	ATF_CHECK_STREQ(sandbox_role_name((enum sandbox_role)42), "unknown");
	/* An unknown role fails before it changes anything. */
	ATF_CHECK(sandbox_enter((enum sandbox_role)42, err, sizeof(err)) ==
	    -1);
	ATF_CHECK_MATCH("unknown sandbox role", err);
}

ATF_TC_WITHOUT_HEAD(lookup_user);
ATF_TC_BODY(lookup_user, tc)
{
	char	err[128];
	uid_t	uid = 1;
	gid_t	gid = 1;

	ATF_CHECK(sandbox_lookup_user("sealntp-no-such-user", &uid, &gid,
	    err, sizeof(err)) == -1);
	ATF_CHECK_STREQ(err, "user 'sealntp-no-such-user' does not exist");
	ATF_CHECK(sandbox_lookup_user("", &uid, &gid, err, sizeof(err)) ==
	    -1);
	ATF_REQUIRE(sandbox_lookup_user("root", &uid, &gid, err,
	    sizeof(err)) == 0);
	ATF_CHECK_EQ(uid, 0);
	ATF_CHECK_EQ(gid, 0);
	/* A short error buffer is truncated, not overrun. */
	ATF_CHECK(sandbox_lookup_user("sealntp-no-such-user", &uid, &gid,
	    err, 8) == -1);
	ATF_CHECK_STREQ(err, "user 's");
}

ATF_TC_WITHOUT_HEAD(emptydir);
ATF_TC_BODY(emptydir, tc)
{
	char	err[256];
	int	fd;

	ATF_REQUIRE(mkdir("good", 0755) == 0);
	ATF_REQUIRE(chmod("good", 0755) == 0);
	ATF_CHECK_MSG(sandbox_check_emptydir("good", err, sizeof(err)) == 0,
	    "good: %s", err);

	ATF_CHECK(sandbox_check_emptydir("missing", err, sizeof(err)) == -1);
	ATF_CHECK_STREQ(err, "chroot directory 'missing' does not exist");

	ATF_REQUIRE(mkdir("full", 0755) == 0);
	ATF_REQUIRE(chmod("full", 0755) == 0);
	ATF_REQUIRE((fd = open("full/leftover", O_WRONLY | O_CREAT, 0644)) !=
	    -1);
	close(fd);
	ATF_CHECK(sandbox_check_emptydir("full", err, sizeof(err)) == -1);
	ATF_CHECK_STREQ(err,
	    "chroot directory 'full' is not empty (it holds 'leftover')");

	ATF_REQUIRE(mkdir("world", 0755) == 0);
	ATF_REQUIRE(chmod("world", 0757) == 0);
	ATF_CHECK(sandbox_check_emptydir("world", err, sizeof(err)) == -1);
	ATF_CHECK_STREQ(err, "chroot directory 'world' is writable by group "
	    "or others (mode 0757)");

	ATF_REQUIRE(mkdir("group", 0755) == 0);
	ATF_REQUIRE(chmod("group", 0775) == 0);
	ATF_CHECK(sandbox_check_emptydir("group", err, sizeof(err)) == -1);
	ATF_CHECK_MATCH("writable by group or others", err);

	ATF_REQUIRE((fd = open("file", O_WRONLY | O_CREAT, 0644)) != -1);
	close(fd);
	ATF_CHECK(sandbox_check_emptydir("file", err, sizeof(err)) == -1);
	ATF_CHECK_STREQ(err, "chroot directory 'file' is not a directory");

	ATF_REQUIRE(symlink("good", "link") == 0);
	ATF_CHECK(sandbox_check_emptydir("link", err, sizeof(err)) == -1);
	ATF_CHECK_MATCH("is a symbolic link", err);

	ATF_CHECK(sandbox_check_emptydir("", err, sizeof(err)) == -1);
	ATF_CHECK(sandbox_check_emptydir(NULL, err, sizeof(err)) == -1);

	if (geteuid() == 0) {
		ATF_REQUIRE(chown("good", 65534, 65534) == 0);
		ATF_CHECK(sandbox_check_emptydir("good", err, sizeof(err)) ==
		    -1);
		ATF_CHECK_STREQ(err, "chroot directory 'good' is owned by "
		    "uid 65534, not by root");
	}
}

ATF_TC_WITHOUT_HEAD(harden);
ATF_TC_BODY(harden, tc)
{
	struct rlimit	rl;
	char		err[128];
	pid_t		pid;
	int		st;

	ATF_REQUIRE((pid = fork()) != -1);
	if (pid == 0) {
		if (sandbox_harden(0, err, sizeof(err)) == -1)
			_exit(1);
		if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0)
			_exit(2);
		if (getrlimit(RLIMIT_CORE, &rl) == -1 || rl.rlim_cur != 0 ||
		    rl.rlim_max != 0)
			_exit(3);
		if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur < 16)
			_exit(4);
		if (sandbox_harden(16, err, sizeof(err)) == -1)
			_exit(5);
		if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur != 16 ||
		    rl.rlim_max != 16)
			_exit(6);
		/* Asking for more later does not raise it. */
		if (sandbox_harden(1024, err, sizeof(err)) == -1)
			_exit(7);
		if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur != 16)
			_exit(8);
		_exit(0);
	}
	ATF_REQUIRE(waitpid(pid, &st, 0) == pid);
	ATF_CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "hardening check %d failed (status 0x%x)",
	    WIFEXITED(st) ? WEXITSTATUS(st) : -1, (unsigned)st);
}

ATF_TC_WITHOUT_HEAD(engine_allowed);
ATF_TC_BODY(engine_allowed, tc)
{
	const struct kid k = { SANDBOX_ENGINE, engine_prep, engine_allowed,
	    "allowed calls" };

	kid_expect_ok(&k);
}

ATF_TC_WITHOUT_HEAD(keyd_allowed);
ATF_TC_BODY(keyd_allowed, tc)
{
	const struct kid k = { SANDBOX_KEYD, keyd_prep, keyd_allowed,
	    "allowed calls" };

	kid_expect_ok(&k);
}

ATF_TC_WITHOUT_HEAD(parent_allowed);
ATF_TC_BODY(parent_allowed, tc)
{
	const struct kid k = { SANDBOX_PARENT, NULL, parent_allowed,
	    "allowed calls" };

	kid_expect_ok(&k);
}

ATF_TC_WITHOUT_HEAD(engine_forbidden);
ATF_TC_BODY(engine_forbidden, tc)
{
	const struct kid kids[] = {
		{ SANDBOX_ENGINE, NULL, forbid_socket, "socket" },
		{ SANDBOX_ENGINE, NULL, forbid_execve, "execve" },
		{ SANDBOX_ENGINE, NULL, forbid_openat, "openat" },
		{ SANDBOX_ENGINE, NULL, forbid_ptrace, "ptrace" },
		{ SANDBOX_ENGINE, NULL, forbid_kill, "kill" },
		{ SANDBOX_ENGINE, NULL, forbid_setuid, "setuid" },
		{ SANDBOX_ENGINE, NULL, forbid_mmap_exec, "mmap PROT_EXEC" },
		{ SANDBOX_ENGINE, wx_prep, forbid_mprotect_exec, "mprotect" },
	};
	size_t i;

	for (i = 0; i < sizeof(kids) / sizeof(kids[0]); i++)
		kid_expect_sigsys(&kids[i]);
}

ATF_TC_WITHOUT_HEAD(keyd_forbidden);
ATF_TC_BODY(keyd_forbidden, tc)
{
	const struct kid kids[] = {
		{ SANDBOX_KEYD, NULL, forbid_socket, "socket" },
		{ SANDBOX_KEYD, NULL, forbid_openat, "openat" },
		{ SANDBOX_KEYD, NULL, forbid_execve, "execve" },
		{ SANDBOX_KEYD, keyd_prep, forbid_sendto_addr,
		    "sendto with an address" },
		{ SANDBOX_KEYD, NULL, forbid_mmap_exec, "mmap PROT_EXEC" },
		{ SANDBOX_KEYD, wx_prep, forbid_mprotect_exec,
		    "mprotect PROT_EXEC" },
	};
	size_t i;

	for (i = 0; i < sizeof(kids) / sizeof(kids[0]); i++)
		kid_expect_sigsys(&kids[i]);
}

ATF_TC_WITHOUT_HEAD(parent_forbidden);
ATF_TC_BODY(parent_forbidden, tc)
{
	const struct kid kids[] = {
		{ SANDBOX_PARENT, NULL, forbid_socket, "socket" },
		{ SANDBOX_PARENT, NULL, forbid_ptrace, "ptrace" },
		{ SANDBOX_PARENT, keyd_prep, forbid_sendto_addr,
		    "sendto with an address" },
	};
	size_t i;

	for (i = 0; i < sizeof(kids) / sizeof(kids[0]); i++)
		kid_expect_sigsys(&kids[i]);
}

ATF_TC_WITHOUT_HEAD(foreign_abi);
ATF_TC_BODY(foreign_abi, tc)
{
#if defined(__x86_64__)
	const struct kid kids[] = {
		{ SANDBOX_ENGINE, NULL, forbid_x32, "x32 getpid" },
		{ SANDBOX_ENGINE, NULL, forbid_int80, "i386 getpid" },
	};
	pid_t	pid;
	int	st;

	kid_expect_sigsys(&kids[0]);
	/* Without IA-32 emulation int 0x80 faults before any filter. */
	ATF_REQUIRE((pid = fork()) != -1);
	if (pid == 0)
		_exit(int80_getpid() == (long)getpid() ? 0 : 1);
	ATF_REQUIRE(waitpid(pid, &st, 0) == pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		atf_tc_skip("the kernel runs no i386 system calls");
	kid_expect_sigsys(&kids[1]);
#else
	atf_tc_skip("foreign ABI test written for x86_64 only");
#endif
}

ATF_TC_WITHOUT_HEAD(engine_status);
ATF_TC_BODY(engine_status, tc)
{
	char status[4096];

	status_of_sandboxed(SANDBOX_ENGINE, NULL, status, sizeof(status));
	check_sealed(SANDBOX_ENGINE, status);
}

ATF_TC_WITHOUT_HEAD(keyd_status);
ATF_TC_BODY(keyd_status, tc)
{
	char status[4096];

	status_of_sandboxed(SANDBOX_KEYD, keyd_prep, status, sizeof(status));
	check_sealed(SANDBOX_KEYD, status);
}

ATF_TC_WITHOUT_HEAD(parent_status);
ATF_TC_BODY(parent_status, tc)
{
	char status[4096];

	status_of_sandboxed(SANDBOX_PARENT, NULL, status, sizeof(status));
	check_sealed(SANDBOX_PARENT, status);
}

/* The privdrop child's directory and user, set up before the fork. */
static char	privdrop_dir[64];
static uid_t	privdrop_uid;
static gid_t	privdrop_gid;

static int
privdrop_prep(int fd)
{
	char		 err[256];
	struct dirent	*de;
	DIR		*d;
	int		 entries = 0;

	if (sandbox_harden(64, err, sizeof(err)) == -1 ||
	    sandbox_privdrop(privdrop_uid, privdrop_gid, privdrop_dir, err,
	    sizeof(err)) == -1) {
		kid_say(fd, err);
		return KID_SETUP;
	}
	if (getuid() != privdrop_uid || geteuid() != privdrop_uid ||
	    getgid() != privdrop_gid || getegid() != privdrop_gid) {
		kid_say(fd, "ids not dropped");
		return KID_SETUP;
	}
	if ((d = opendir("/")) == NULL)
		return kid_fail(fd, "opendir /");
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			entries++;
	closedir(d);
	if (entries != 0) {
		kid_say(fd, "/ is not the empty directory");
		return KID_SETUP;
	}
	if (access("/etc/passwd", F_OK) == 0) {
		kid_say(fd, "/etc/passwd visible after chroot");
		return KID_SETUP;
	}
	if (setuid(0) != -1 || seteuid(0) != -1 || setgid(0) != -1) {
		kid_say(fd, "regained root");
		return KID_SETUP;
	}
	return KID_OK;
}

ATF_TC_WITHOUT_HEAD(privdrop);
ATF_TC_BODY(privdrop, tc)
{
	char	status[4096], line[128], err[256];

	if (geteuid() != 0)
		atf_tc_skip("needs root");
	if (sandbox_lookup_user(NOBODY, &privdrop_uid, &privdrop_gid, err,
	    sizeof(err)) == -1)
		atf_tc_skip("%s", err);
	make_emptydir(privdrop_dir, sizeof(privdrop_dir));
	ATF_REQUIRE_MSG(sandbox_check_emptydir(privdrop_dir, err,
	    sizeof(err)) == 0, "%s", err);

	status_of_sandboxed(SANDBOX_ENGINE, privdrop_prep, status,
	    sizeof(status));
	check_sealed(SANDBOX_ENGINE, status);
	snprintf(line, sizeof(line), "%lu\t%lu\t%lu\t%lu",
	    (unsigned long)privdrop_uid, (unsigned long)privdrop_uid,
	    (unsigned long)privdrop_uid, (unsigned long)privdrop_uid);
	check_status_field(status, "Uid", line);
	snprintf(line, sizeof(line), "%lu\t%lu\t%lu\t%lu",
	    (unsigned long)privdrop_gid, (unsigned long)privdrop_gid,
	    (unsigned long)privdrop_gid, (unsigned long)privdrop_gid);
	check_status_field(status, "Gid", line);
	snprintf(line, sizeof(line), "%lu", (unsigned long)privdrop_gid);
	check_status_field(status, "Groups", line);
}

ATF_TC_WITHOUT_HEAD(privdrop_refuses_root);
ATF_TC_BODY(privdrop_refuses_root, tc)
{
	char err[256];

	/* Refused before anything changes, so safe in the test process. */
	ATF_CHECK(sandbox_privdrop(0, 0, NULL, err, sizeof(err)) == -1);
	ATF_CHECK_MATCH("refusing to drop privileges to uid 0", err);
	ATF_CHECK(sandbox_privdrop(65534, 0, NULL, err, sizeof(err)) == -1);
	ATF_CHECK_MATCH("gid 0", err);
}

/* The parent filter lets a fresh keyd start and seal itself. */
static char	respawn_helper[PATH_MAX];
static char	respawn_uid[32] = "-", respawn_gid[32] = "-";
static char	respawn_dir[64] = "-";

static int
respawn_run(int fd)
{
	char *const	 argv[] = { (char *)"sandbox_helper", (char *)"keyd",
			    respawn_uid, respawn_gid, respawn_dir, NULL };
	pid_t		 pid;
	int		 st;

	if ((pid = fork()) == -1)
		return kid_fail(fd, "fork");
	if (pid == 0) {
		if (dup2(fd, STDOUT_FILENO) == -1)
			_exit(KID_SETUP);
		execv(respawn_helper, argv);
		_exit(KID_SETUP);
	}
	if (waitpid(pid, &st, 0) != pid)
		return kid_fail(fd, "waitpid");
	if (WIFSIGNALED(st)) {
		char buf[64];

		snprintf(buf, sizeof(buf), " helper killed by signal %d",
		    WTERMSIG(st));
		kid_say(fd, buf);
		return KID_CHECK;
	}
	return WEXITSTATUS(st);
}

ATF_TC_WITHOUT_HEAD(parent_respawns_keyd);
ATF_TC_BODY(parent_respawns_keyd, tc)
{
	const struct kid k = { SANDBOX_PARENT, NULL, respawn_run,
	    "re-spawned keyd" };
	char		 err[256];
	uid_t		 uid;
	gid_t		 gid;

	helper_path(respawn_helper, sizeof(respawn_helper));
	if (geteuid() == 0 &&
	    sandbox_lookup_user(NOBODY, &uid, &gid, err, sizeof(err)) == 0) {
		snprintf(respawn_uid, sizeof(respawn_uid), "%lu",
		    (unsigned long)uid);
		snprintf(respawn_gid, sizeof(respawn_gid), "%lu",
		    (unsigned long)gid);
		make_emptydir(respawn_dir, sizeof(respawn_dir));
	}
	kid_expect_ok(&k);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, role_name);
	ATF_TP_ADD_TC(tp, lookup_user);
	ATF_TP_ADD_TC(tp, emptydir);
	ATF_TP_ADD_TC(tp, harden);
	ATF_TP_ADD_TC(tp, engine_allowed);
	ATF_TP_ADD_TC(tp, keyd_allowed);
	ATF_TP_ADD_TC(tp, parent_allowed);
	ATF_TP_ADD_TC(tp, engine_forbidden);
	ATF_TP_ADD_TC(tp, keyd_forbidden);
	ATF_TP_ADD_TC(tp, parent_forbidden);
	ATF_TP_ADD_TC(tp, foreign_abi);
	ATF_TP_ADD_TC(tp, engine_status);
	ATF_TP_ADD_TC(tp, keyd_status);
	ATF_TP_ADD_TC(tp, parent_status);
	ATF_TP_ADD_TC(tp, privdrop);
	ATF_TP_ADD_TC(tp, privdrop_refuses_root);
	ATF_TP_ADD_TC(tp, parent_respawns_keyd);
	return atf_no_error();
}
