/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * The parent process.  It is the only one that keeps root: it reads the
 * configuration, resolves names, opens the sockets, starts keyd and the
 * engine with fork+exec, hands them what they need, enters its own
 * sandbox and from then on only applies bounded clock requests from the
 * engine.  If a child dies, everything stops (fail closed).
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "clockadj.h"
#include "config.h"
#include "engine.h"
#include "imsg.h"
#include "ipc.h"
#include "leapsec.h"
#include "log.h"
#include "parent_conf.h"
#include "resolver.h"
#include "sandbox.h"
#include "secmem.h"

#define NTPD_CONF	"/etc/ntp.conf"
#define CHILD_TERM_WAIT	2000	/* ms a child gets to exit on SIGTERM */

struct child {
	const char	*name;
	pid_t		 pid;
	struct imsgbuf	 ibuf;
	int		 open;
};

static struct child	 engine = { .name = "engine", .pid = -1 };
static struct child	 keyd = { .name = "keyd", .pid = -1 };
/* ntpd -R: talks to the engine; our pipe to it only tells us it died. */
static struct child	 resolver = { .name = "resolver", .pid = -1 };
static int		 resolver_efd = -1;	/* engine's end, sent once */
static volatile sig_atomic_t got_sigchld, got_sigterm, got_sighup;
static int		 sigpipe_fd[2] = { -1, -1 };
static int		 noclock, debug, verbose, insecure;
static struct ntpd_conf	 conf;
static char		 conffile[PATH_MAX] = NTPD_CONF;
static struct leap_table leaptab;	/* leapfile, checked at start */
static int		 have_leaptab;

static __attribute__((noreturn)) void
usage(void)
{
	fprintf(stderr,
	    "usage: ntpd [-dnvx] [-f file] [-U]\n"
	    "  -d       stay in the foreground, log to stderr\n"
	    "  -f file  configuration file (default %s)\n"
	    "  -n       check the configuration and exit\n"
	    "  -v       verbose logging (repeat for more)\n"
	    "  -x       never touch the system clock: log and show what\n"
	    "           would have been done\n"
	    "  -U       development only: run the children without chroot\n"
	    "           and user change when not started as root (loud)\n",
	    NTPD_CONF);
	exit(2);
}

static void
sighdlr(int sig)
{
	int saved = errno;
	char c = (char)sig;

	switch (sig) {
	case SIGCHLD:
		got_sigchld = 1;
		break;
	case SIGTERM:
	case SIGINT:
		got_sigterm = 1;
		break;
	case SIGHUP:
		got_sighup = 1;
		break;
	}
	/* Wake the poll loop. */
	(void)!write(sigpipe_fd[1], &c, 1);
	errno = saved;
}

/* Path of our own executable; the engine is this file, keyd sits beside. */
static void
self_paths(char *self, size_t selflen, char *keydpath, size_t keydlen)
{
	ssize_t n;
	char *slash;

	n = readlink("/proc/self/exe", self, selflen - 1);
	if (n <= 0)
		fatal("readlink /proc/self/exe");
	self[n] = '\0';
	strlcpy(keydpath, self, keydlen);
	if ((slash = strrchr(keydpath, '/')) == NULL)
		fatalx("odd executable path %s", self);
	slash[1] = '\0';
	if (strlcat(keydpath, "ntp-keyd", keydlen) >= keydlen)
		fatalx("executable path too long");
}

/*
 * fork+exec a child with fd 3 = its pipe to us and fd 4 = the
 * engine<->keyd pipe.  The child starts from a fresh address space.
 */
static pid_t
start_child(const char *path, char *const argv[], int fd3, int fd4)
{
	pid_t pid;
	int a, b;

	switch ((pid = fork())) {
	case -1:
		fatal("fork");
	case 0:
		break;
	default:
		return pid;
	}
	/* Move both above 4 first so that dup2 cannot clobber either. */
	if ((a = fcntl(fd3, F_DUPFD, 10)) == -1 ||
	    (b = fcntl(fd4, F_DUPFD, 10)) == -1)
		_exit(127);
	if (dup2(a, IPC_FD_PARENT) == -1 || dup2(b, IPC_FD_PEER) == -1)
		_exit(127);
	closefrom(IPC_FD_PEER + 1);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	execv(path, argv);
	fprintf(stderr, "ntpd: exec %s: %s\n", path, strerror(errno));
	_exit(127);
}

static const char *
signame(int sig)
{
	switch (sig) {
	case SIGSYS:
		return "SIGSYS: seccomp violation";
	case SIGKILL:
		return "SIGKILL";
	case SIGSEGV:
		return "SIGSEGV";
	case SIGABRT:
		return "SIGABRT";
	case SIGTERM:
		return "SIGTERM";
	default:
		return strsignal(sig);
	}
}

static void
describe_exit(const struct child *c, int status, char *buf, size_t len)
{
	if (WIFSIGNALED(status))
		snprintf(buf, len, "%s (pid %d) killed by signal %d (%s)",
		    c->name, (int)c->pid, WTERMSIG(status),
		    signame(WTERMSIG(status)));
	else if (WIFEXITED(status))
		snprintf(buf, len, "%s (pid %d) exited with status %d",
		    c->name, (int)c->pid, WEXITSTATUS(status));
	else
		snprintf(buf, len, "%s (pid %d) stopped", c->name,
		    (int)c->pid);
}

/*
 * Returns the child that died, or NULL.  When one child goes, the other
 * often follows within moments (keyd leaves when the engine's pipe
 * closes); wait briefly and report the one that died first and worst.
 */
static struct child *
reap(int *statusp)
{
	struct child *first = NULL, *c;
	pid_t pid;
	int status, i;

	for (i = 0; i < 20; i++) {
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			c = pid == engine.pid ? &engine :
			    pid == keyd.pid ? &keyd :
			    pid == resolver.pid ? &resolver : NULL;
			if (c == NULL)
				continue;
			/* A signal death outranks a plain exit. */
			if (first == NULL || (WIFSIGNALED(status) &&
			    !WIFSIGNALED(*statusp))) {
				if (first != NULL) {
					log_warnx("%s (pid %d) exited too",
					    first->name, (int)first->pid);
					first->pid = -1;
				}
				first = c;
				*statusp = status;
			} else {
				log_warnx("%s (pid %d) exited too", c->name,
				    (int)c->pid);
				c->pid = -1;
			}
		}
		if (first == NULL)
			return NULL;
		poll(NULL, 0, 10);
	}
	return first;
}

static void
stop_children(void)
{
	struct child *cs[3] = { &engine, &keyd, &resolver };
	struct timespec t0, now;
	int i, alive, status;

	for (i = 0; i < 3; i++)
		if (cs[i]->pid > 0)
			kill(cs[i]->pid, SIGTERM);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		alive = 0;
		for (i = 0; i < 3; i++) {
			if (cs[i]->pid <= 0)
				continue;
			if (waitpid(cs[i]->pid, &status, WNOHANG) ==
			    cs[i]->pid)
				cs[i]->pid = -1;
			else
				alive++;
		}
		if (alive == 0)
			return;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - t0.tv_sec) * 1000 +
		    (now.tv_nsec - t0.tv_nsec) / 1000000 > CHILD_TERM_WAIT)
			break;
		poll(NULL, 0, 20);
	}
	for (i = 0; i < 3; i++)
		if (cs[i]->pid > 0) {
			log_warnx("%s did not stop, killing it", cs[i]->name);
			kill(cs[i]->pid, SIGKILL);
			waitpid(cs[i]->pid, &status, 0);
			cs[i]->pid = -1;
		}
}

static __attribute__((noreturn)) void shutdown_all(int);

/*
 * A child's pipe closed: it is dying or dead.  Wait a little for it so
 * that the log says how it died, then take everything down.
 */
static __attribute__((noreturn)) void
child_gone(struct child *c)
{
	struct child *dead;
	char buf[200];
	int i, status;

	/*
	 * Any child may be the cause: when the engine dies, keyd and the
	 * resolver see their pipes close and leave too.  reap() collects
	 * every dead child and names the one that died by a signal.
	 */
	for (i = 0; i < 100; i++) {
		if ((dead = reap(&status)) != NULL) {
			describe_exit(dead, status, buf, sizeof(buf));
			dead->pid = -1;
			log_warnx("%s; shutting down", buf);
			shutdown_all(1);
		}
		poll(NULL, 0, 10);
	}
	log_warnx("%s (pid %d) closed its pipe; shutting down", c->name,
	    (int)c->pid);
	shutdown_all(1);
}

static __attribute__((noreturn)) void
shutdown_all(int status)
{
	stop_children();
	if (conf.controlsocket[0] != '\0')
		unlink(conf.controlsocket);
	log_info("%s", status == 0 ? "terminating" : "terminating on error");
	exit(status);
}

/* Arm or clear the kernel's leap second (bounded; -x: only logged). */
static void
dispatch_set_leap(struct imsg *imsg)
{
	struct ipc_leap l;
	struct ipc_clock_done done;
	char why[160];

	if (imsg_get_data(imsg, &l, sizeof(l)) == -1 ||
	    leapsec_validate(&l, why, sizeof(why)) == -1) {
		log_warnx("engine sent an invalid SET_LEAP: %s",
		    imsg->datalen == sizeof(l) ? why : "bad length");
		shutdown_all(1);
	}
	memset(&done, 0, sizeof(done));
	done.request = IMSG_SET_LEAP;
	if (leapsec_apply(&l, noclock, why, sizeof(why)) == -1) {
		done.error = errno;
		log_warn("%s", why);
	} else {
		done.applied = !noclock;
		log_info("%s", why);
	}
	if (imsg_compose(&engine.ibuf, IMSG_CLOCK_DONE, 0, 0, -1, &done,
	    sizeof(done)) == -1)
		fatal("imsg_compose");
}

/*
 * The leap file is checked before anything starts: a file that is
 * missing, damaged or fails its hash is an error (the administrator
 * asked for it, and a wrong table would insert a wrong second).  An
 * expired file is still right about the past; it is used, with a
 * warning, and the servers' vote covers what it cannot know.
 */
static void
load_leapfile(void)
{
	char err[600];

	if (conf.leapfile[0] == '\0')
		return;
	if (leapsec_load(conf.leapfile, &leaptab, err, sizeof(err)) == -1) {
		fprintf(stderr, "ntpd: leapfile %s\n", err);
		exit(1);
	}
	have_leaptab = 1;
}

static void
log_leapfile(void)
{
	struct leapsec_state st;
	struct timespec ts;
	char when[40];

	if (!have_leaptab)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	leapsec_query(&leaptab, (uint64_t)ts.tv_sec + NTP_UNIX_OFFSET, &st);
	leapsec_fmt(leaptab.expires, when, sizeof(when));
	if (st.expired)
		log_warnx("leapfile %s expired on %s: leap seconds after it "
		    "are taken from the servers; install a current "
		    "leap-seconds.list", conf.leapfile, when);
	else
		log_info("leapfile %s: TAI-UTC %d s, expires %s",
		    conf.leapfile, st.tai_offset, when);
}

/* Engine requests: the only thing the parent does once running. */
static void
dispatch_engine(void)
{
	struct imsg imsg;
	struct ipc_clock c;
	struct ipc_clock_done done;
	struct ipc_synced s;
	char why[160], what[160];
	ssize_t n;

	if ((n = imsgbuf_read(&engine.ibuf)) == -1 && errno != EAGAIN)
		fatal("engine pipe");
	if (n == 0)
		child_gone(&engine);
	for (;;) {
		if ((n = imsg_get(&engine.ibuf, &imsg)) == -1) {
			log_warnx("engine pipe: bad message");
			shutdown_all(1);
		}
		if (n == 0)
			break;
		if (imsg.fd != -1)
			close(imsg.fd);
		switch (imsg.hdr.type) {
		case IMSG_ADJ_OFFSET:
		case IMSG_ADJ_FREQ:
		case IMSG_STEP:
		case IMSG_WRITE_DRIFT:
			if (imsg_get_data(&imsg, &c, sizeof(c)) == -1 ||
			    clockadj_validate(imsg.hdr.type, c.value, why,
			    sizeof(why)) == -1) {
				log_warnx("engine sent an invalid %s: %s",
				    ipc_type_name(imsg.hdr.type),
				    imsg.datalen == sizeof(c) ? why :
				    "bad length");
				shutdown_all(1);
			}
			memset(&done, 0, sizeof(done));
			done.request = imsg.hdr.type;
			if (imsg.hdr.type == IMSG_WRITE_DRIFT) {
				if (conf.driftfile[0] != '\0' &&
				    clockadj_write_drift(conf.driftfile,
				    c.value) == -1) {
					done.error = errno;
					log_warn("write %s", conf.driftfile);
				} else
					done.applied = 1;
			} else if (clockadj_apply(imsg.hdr.type, c.value,
			    noclock, what, sizeof(what)) == -1) {
				done.error = errno;
				log_warn("%s", what);
			} else {
				done.applied = !noclock;
				if (imsg.hdr.type == IMSG_STEP)
					log_info("%s", what);
				else
					log_debug("%s", what);
			}
			if (imsg_compose(&engine.ibuf, IMSG_CLOCK_DONE, 0, 0,
			    -1, &done, sizeof(done)) == -1)
				fatal("imsg_compose");
			break;
		case IMSG_SET_LEAP:
			dispatch_set_leap(&imsg);
			break;
		case IMSG_SYNCED:
			if (imsg_get_data(&imsg, &s, sizeof(s)) == -1) {
				log_warnx("engine sent a bad SYNCED");
				shutdown_all(1);
			}
			log_info("clock is %s", s.synced ? "synchronised" :
			    "unsynchronised");
			break;
		default:
			log_warnx("engine sent unexpected message %s",
			    ipc_type_name(imsg.hdr.type));
			shutdown_all(1);
		}
		imsg_free(&imsg);
	}
}

/* keyd never talks to the parent once it is ready. */
static void
dispatch_keyd(void)
{
	struct imsg imsg;
	ssize_t n;

	if ((n = imsgbuf_read(&keyd.ibuf)) == -1 && errno != EAGAIN)
		fatal("keyd pipe");
	if (n == 0)
		child_gone(&keyd);
	if ((n = imsg_get(&keyd.ibuf, &imsg)) != 0) {
		if (n > 0) {
			log_warnx("keyd sent unexpected message %s",
			    ipc_type_name(imsg.hdr.type));
			imsg_free(&imsg);
		} else
			log_warnx("keyd pipe: bad message");
		shutdown_all(1);
	}
}

/* Wait for keyd to load its keys: its verdict decides whether we run. */
static void
wait_keyd_ready(void)
{
	struct imsg imsg;
	struct ipc_error e;
	struct pollfd pfd;
	struct child *dead;
	ssize_t n;
	int status;

	for (;;) {
		if ((n = imsg_get(&keyd.ibuf, &imsg)) == -1)
			fatalx("keyd pipe: bad message");
		if (n > 0)
			break;
		pfd.fd = keyd.ibuf.fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 1000) == -1 && errno != EINTR)
			fatal("poll");
		if (got_sigterm)
			shutdown_all(0);
		/* Read first: a keyd that refuses writes FAILED, then exits. */
		if ((n = imsgbuf_read(&keyd.ibuf)) == -1 && errno != EAGAIN)
			fatal("keyd pipe");
		if (n > 0)
			continue;
		if (n == 0)
			child_gone(&keyd);
		if (got_sigchld && (dead = reap(&status)) != NULL) {
			char buf[200];

			describe_exit(dead, status, buf, sizeof(buf));
			dead->pid = -1;
			log_warnx("%s during start-up", buf);
			shutdown_all(1);
		}
	}
	switch (imsg.hdr.type) {
	case IMSG_KEYD_READY:
		if (imsg_expect_len(&imsg, 0) == -1)
			fatalx("keyd: bad READY");
		break;
	case IMSG_KEYD_FAILED:
		if (imsg_get_data(&imsg, &e, sizeof(e)) == -1)
			fatalx("keyd: bad FAILED");
		e.msg[sizeof(e.msg) - 1] = '\0';
		log_warnx("%s", e.msg);
		imsg_free(&imsg);
		shutdown_all(1);
	default:
		fatalx("keyd sent %s during start-up",
		    ipc_type_name(imsg.hdr.type));
	}
	imsg_free(&imsg);
}

static __attribute__((noreturn)) void
errx_unsupported(unsigned int line, const char *what)
{
	if (line > 0)
		fprintf(stderr, "ntpd: %s:%u: %s: not implemented yet\n",
		    conffile, line, what);
	else
		fprintf(stderr, "ntpd: %s: %s: not implemented yet\n",
		    conffile, what);
	exit(1);
}

/*
 * Key reload (SIGHUP): a fresh keyd on the new files.  The sandboxed
 * parent cannot look users up, so keyd gets its uid:gid on the command
 * line (-i), from the start.
 */
static char	 keyd_path[PATH_MAX];
static char	*keyd_argv[20];
static char	 keyd_ids[32];

/* The new keyd's verdict, or -1 with why (it is then stopped). */
static int
reload_wait_ready(struct child *nk, char *why, size_t whylen)
{
	struct imsg imsg;
	struct ipc_error e;
	struct pollfd pfd;
	ssize_t n;
	int i, status, rv = -1;

	for (i = 0; i < 300; i++) {
		if ((n = imsg_get(&nk->ibuf, &imsg)) == -1) {
			snprintf(why, whylen, "keyd pipe: bad message");
			return -1;
		}
		if (n > 0)
			break;
		pfd.fd = nk->ibuf.fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 100) == -1 && errno != EINTR)
			fatal("poll");
		if ((n = imsgbuf_read(&nk->ibuf)) == -1 && errno != EAGAIN) {
			snprintf(why, whylen, "keyd pipe: %s",
			    strerror(errno));
			return -1;
		}
		if (n == 0) {
			if (waitpid(nk->pid, &status, 0) == nk->pid) {
				describe_exit(nk, status, why, whylen);
				nk->pid = -1;
			} else
				snprintf(why, whylen, "the new keyd went away");
			return -1;
		}
	}
	if (i == 300) {
		snprintf(why, whylen, "the new keyd did not answer in 30 s");
		return -1;
	}
	switch (imsg.hdr.type) {
	case IMSG_KEYD_READY:
		if (imsg_expect_len(&imsg, 0) == 0)
			rv = 0;
		else
			snprintf(why, whylen, "keyd: bad READY");
		break;
	case IMSG_KEYD_FAILED:
		if (imsg_get_data(&imsg, &e, sizeof(e)) == -1) {
			snprintf(why, whylen, "keyd: bad FAILED");
			break;
		}
		e.msg[sizeof(e.msg) - 1] = '\0';
		strlcpy(why, e.msg, whylen);
		break;
	default:
		snprintf(why, whylen, "keyd sent %s during start-up",
		    ipc_type_name(imsg.hdr.type));
	}
	imsg_free(&imsg);
	return rv;
}

/*
 * Start a fresh keyd on the current key files; when it is ready, hand
 * the engine its pipe (IMSG_KEYD_NEWPIPE) and retire the old keyd by
 * closing our pipe to it (it exits; reap() ignores its pid).  If the new
 * keyd fails, the old one stays in service and the reason is logged.
 * The configuration file is read again for the crypto lines and keysdir
 * (with the password, which we do not keep); other changes need a
 * restart.
 */
static void
reload_keys(void)
{
	struct ntpd_conf *nc;
	struct child nk = { .name = "new keyd", .pid = -1 };
	char why[512];
	int pk[2], ek[2], status;

	if ((nc = calloc(1, sizeof(*nc))) == NULL) {
		log_warn("SIGHUP");
		return;
	}
	conf_init(nc);
	if (conf_parse_file(conffile, nc, why, sizeof(why)) == -1) {
		log_warnx("SIGHUP: %s; keys not reloaded", why);
		goto out;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pk) == -1) {
		log_warn("SIGHUP: socketpair");
		goto out;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ek) == -1) {
		log_warn("SIGHUP: socketpair");
		close(pk[0]);
		close(pk[1]);
		goto out;
	}
	nk.pid = start_child(keyd_path, keyd_argv, pk[1], ek[1]);
	close(pk[1]);
	close(ek[1]);
	if (imsgbuf_init(&nk.ibuf, pk[0], IMSGF_SECURE) == -1)
		fatal("imsgbuf_init");
	parent_send_keyd_conf(&nk.ibuf, nc);
	if (reload_wait_ready(&nk, why, sizeof(why)) == -1) {
		log_warnx("key reload failed, the running keyd stays: %s",
		    why);
		if (nk.pid > 0) {
			kill(nk.pid, SIGTERM);
			waitpid(nk.pid, &status, 0);
		}
		close(ek[0]);
		close(pk[0]);
		imsgbuf_clear(&nk.ibuf);
		goto out;
	}
	if (imsg_compose(&engine.ibuf, IMSG_KEYD_NEWPIPE, 0, 0, ek[0], NULL,
	    0) == -1 || imsgbuf_flush(&engine.ibuf) == -1)
		fatal("handing the engine the new keyd");
	/* The old keyd leaves when its pipes close; reap() ignores it. */
	log_info("keys reloaded: keyd pid %d replaces pid %d", (int)nk.pid,
	    (int)keyd.pid);
	close(keyd.ibuf.fd);
	imsgbuf_clear(&keyd.ibuf);
	keyd.pid = nk.pid;
	keyd.ibuf = nk.ibuf;
 out:
	conf_free(nc);
	explicit_bzero(nc, sizeof(*nc));
	free(nc);
}

int
main(int argc, char *argv[])
{
	char self[PATH_MAX], keydpath[PATH_MAX], err[512], vflag[8];
	char *eargv[16], *kargv[16];
	struct pollfd pfd[4];
	struct child *dead;
	struct sigaction sa;
	double drift = 0;
	int ch, checkonly = 0, have_drift = 0, ctlfd, status, i;
	char *rargv[16];
	int pe[2], pk[2], ek[2], pr[2], er[2];

	if (argc > 1 && strcmp(argv[1], "-E") == 0)
		return engine_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "-R") == 0)
		return resolver_main(argc - 1, argv + 1);

	while ((ch = getopt(argc, argv, "df:nvxU")) != -1) {
		switch (ch) {
		case 'd':
			debug = 1;
			break;
		case 'f':
			if (strlcpy(conffile, optarg, sizeof(conffile)) >=
			    sizeof(conffile)) {
				fprintf(stderr, "ntpd: -f: path too long\n");
				exit(2);
			}
			break;
		case 'n':
			checkonly = 1;
			break;
		case 'v':
			verbose++;
			break;
		case 'x':
			noclock = 1;
			break;
		case 'U':
			insecure = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	log_init(1, verbose, LOG_DAEMON);
	log_procinit("ntpd");
	conf_init(&conf);
	if (conf_parse_file(conffile, &conf, err, sizeof(err)) == -1) {
		fprintf(stderr, "ntpd: %s\n", err);
		exit(1);
	}
	/* Parsed for compatibility, but not served yet: say so, never
	 * pretend. */
	if (conf.nbcasts > 0)
		errx_unsupported(conf.bcasts[0].line, "broadcast");
	if (conf.bcastclient)
		errx_unsupported(0, "broadcastclient");
	if (conf.mcastclient)
		errx_unsupported(0, "multicastclient");
	for (i = 0; i < (int)conf.npeers; i++)
		if (conf.peers[i].mode == CONF_MODE_PEER) {
			/* client.c says how it will fit in. */
			fprintf(stderr, "ntpd: %s:%u: peer: symmetric mode is "
			    "not implemented yet\n", conffile,
			    conf.peers[i].line);
			exit(1);
		}
	load_leapfile();
	if (checkonly) {
		log_leapfile();
		if (verbose)
			conf_print(stdout, &conf);
		fprintf(stderr, "ntpd: configuration OK\n");
		conf_free(&conf);
		exit(0);
	}
	if (secmem_init() == -1)
		fatalx("libsodium initialisation failed");

	if (geteuid() != 0 && !insecure)
		fatalx("need root privileges (or -U for a development run)");
	if (insecure)
		log_warnx("*** -U: children run WITHOUT chroot and user "
		    "change; never use this in production ***");
	else {
		uid_t kuid;
		gid_t kgid;

		parent_check_user(conf.user, NULL, NULL, err, sizeof(err));
		parent_check_user(conf.keyd_user, &kuid, &kgid, err,
		    sizeof(err));
		snprintf(keyd_ids, sizeof(keyd_ids), "%u:%u",
		    (unsigned)kuid, (unsigned)kgid);
		if (strcmp(conf.user, conf.keyd_user) == 0)
			fatalx("engine and keyd must run as different users "
			    "(both are '%s')", conf.user);
		if (mkdir(conf.chroot, 0755) == -1 && errno != EEXIST)
			fatal("mkdir %s", conf.chroot);
		if (sandbox_check_emptydir(conf.chroot, err, sizeof(err)) ==
		    -1)
			fatalx("chroot directory: %s", err);
	}

	if (conf.driftfile[0] != '\0') {
		if (clockadj_read_drift(conf.driftfile, &drift, err,
		    sizeof(err)) == 0)
			have_drift = 1;
		else if (errno != ENOENT)
			log_warnx("ignoring drift file: %s", err);
	}

	log_init(debug, verbose, LOG_DAEMON);
	if (!debug && daemon(0, 0) == -1)
		fatal("daemon");
	log_info("sealntp starting%s", noclock ?
	    " (clock adjustment off: -x)" : "");
	log_leapfile();

	ctlfd = parent_open_control(conf.controlsocket);

	if (pipe2(sigpipe_fd, O_NONBLOCK | O_CLOEXEC) == -1)
		fatal("pipe2");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sighdlr;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pe) == -1 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pk) == -1 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ek) == -1 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pr) == -1 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, er) == -1)
		fatal("socketpair");

	self_paths(self, sizeof(self), keydpath, sizeof(keydpath));
	snprintf(vflag, sizeof(vflag), "-%.*s", verbose > 4 ? 4 : verbose,
	    "vvvv");
	i = 0;
	eargv[i++] = (char *)"ntpd: engine";
	eargv[i++] = (char *)"-E";
	eargv[i++] = (char *)"-u";
	eargv[i++] = conf.user;
	eargv[i++] = (char *)"-r";
	eargv[i++] = conf.chroot;
	if (debug)
		eargv[i++] = (char *)"-d";
	if (verbose)
		eargv[i++] = vflag;
	if (insecure)
		eargv[i++] = (char *)"-U";
	eargv[i] = NULL;
	i = 0;
	kargv[i++] = (char *)"ntp-keyd";
	kargv[i++] = (char *)"-u";
	kargv[i++] = conf.keyd_user;
	if (keyd_ids[0] != '\0') {
		kargv[i++] = (char *)"-i";
		kargv[i++] = keyd_ids;
	}
	kargv[i++] = (char *)"-r";
	kargv[i++] = conf.chroot;
	if (debug)
		kargv[i++] = (char *)"-d";
	if (verbose)
		kargv[i++] = vflag;
	if (insecure)
		kargv[i++] = (char *)"-U";
	kargv[i] = NULL;
	memcpy(keyd_argv, kargv, sizeof(kargv[0]) * (size_t)(i + 1));
	strlcpy(keyd_path, keydpath, sizeof(keyd_path));

	i = 0;
	rargv[i++] = (char *)"ntpd: resolver";
	rargv[i++] = (char *)"-R";
	rargv[i++] = (char *)"-u";
	rargv[i++] = conf.user;
	if (debug)
		rargv[i++] = (char *)"-d";
	if (verbose)
		rargv[i++] = vflag;
	if (insecure)
		rargv[i++] = (char *)"-U";
	rargv[i] = NULL;

	keyd.pid = start_child(keydpath, kargv, pk[1], ek[1]);
	engine.pid = start_child(self, eargv, pe[1], ek[0]);
	resolver.pid = start_child(self, rargv, pr[1], er[1]);
	close(pr[1]);
	close(er[1]);
	resolver_efd = er[0];
	resolver.ibuf.fd = pr[0];
	close(pk[1]);
	close(pe[1]);
	close(ek[0]);
	close(ek[1]);
	if (imsgbuf_init(&engine.ibuf, pe[0], 0) == -1 ||
	    imsgbuf_init(&keyd.ibuf, pk[0], IMSGF_SECURE) == -1)
		fatal("imsgbuf_init");
	engine.open = keyd.open = 1;

	parent_send_keyd_conf(&keyd.ibuf, &conf);
	wait_keyd_ready();
	{
		struct parent_engine_conf pc;

		memset(&pc, 0, sizeof(pc));
		pc.ibuf = &engine.ibuf;
		pc.conf = &conf;
		pc.conffile = conffile;
		pc.noclock = noclock;
		pc.debug = debug;
		pc.verbose = verbose;
		pc.drift = drift;
		pc.have_drift = have_drift;
		pc.leaptab = have_leaptab ? &leaptab : NULL;
		pc.resolver_fd = resolver_efd;
		pc.ctlfd = ctlfd;
		parent_send_engine_conf(&pc);
		resolver_efd = -1;	/* sent; the imsg layer closed it */
	}
	close(ctlfd);

	if (sandbox_harden(64, err, sizeof(err)) == -1 ||
	    sandbox_enter(SANDBOX_PARENT, err, sizeof(err)) == -1) {
		log_warnx("parent sandbox: %s", err);
		shutdown_all(1);
	}
	log_debug("parent sandboxed; engine pid %d, keyd pid %d, resolver "
	    "pid %d", (int)engine.pid, (int)keyd.pid, (int)resolver.pid);

	for (;;) {
		pfd[0].fd = sigpipe_fd[0];
		pfd[0].events = POLLIN;
		pfd[1].fd = engine.ibuf.fd;
		pfd[1].events = POLLIN |
		    (imsgbuf_queuelen(&engine.ibuf) > 0 ? POLLOUT : 0);
		pfd[2].fd = keyd.ibuf.fd;
		pfd[2].events = POLLIN;
		pfd[3].fd = resolver.ibuf.fd;
		pfd[3].events = POLLIN;
		if (poll(pfd, 4, -1) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if (pfd[0].revents & POLLIN) {
			char buf[16];

			while (read(sigpipe_fd[0], buf, sizeof(buf)) > 0)
				;
		}
		if (got_sigchld) {
			got_sigchld = 0;
			if ((dead = reap(&status)) != NULL) {
				describe_exit(dead, status, err, sizeof(err));
				dead->pid = -1;
				log_warnx("%s; shutting down", err);
				shutdown_all(1);
			}
		}
		if (got_sigterm)
			shutdown_all(0);
		if (got_sighup) {
			got_sighup = 0;
			log_info("SIGHUP: reloading the keys");
			reload_keys();
		}
		if (pfd[1].revents & POLLOUT &&
		    imsgbuf_write(&engine.ibuf) == -1)
			fatal("engine pipe write");
		if (pfd[1].revents & (POLLIN | POLLHUP))
			dispatch_engine();
		if (pfd[2].revents & (POLLIN | POLLHUP))
			dispatch_keyd();
		/* The resolver never writes to us: readable means gone. */
		if (pfd[3].revents & (POLLIN | POLLHUP))
			child_gone(&resolver);
	}
}
