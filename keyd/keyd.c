/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * ntp-keyd: the sealed key holder.  Started by the parent with
 * fork+exec; receives the crypto configuration (with the password, in
 * secure memory) over fd 3, loads what it needs while still root, then
 * chroots, drops to its own user, enters its seccomp filter and serves
 * the engine on fd 4 from a fixed table of requests.  Anything not in
 * the table, or in the wrong state, is fatal: the link closes and the
 * daemon shuts down.
 */

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "imsg.h"
#include "ipc.h"
#include "log.h"
#include "sandbox.h"
#include "secmem.h"

#define KEYD_NOFILE	16

struct keyd_state {
	struct imsgbuf		 parent;
	struct imsgbuf		 engine;
	int			 crypto;
	char			 host[IPC_NAMELEN];
	int			 hello_seen;
	uint64_t		 served;
	uint64_t		 refused;
};

static struct keyd_state	 ks;
static volatile sig_atomic_t	 keyd_quit;

typedef void (*keyd_handler)(struct imsg *);

static void	keyd_hello(struct imsg *);

/*
 * Every request keyd serves, with the exact payload length it takes.
 * Requests for signing, identity and cookies join this table with
 * Autokey; nothing outside it is ever answered.
 */
static const struct keyd_req {
	uint32_t	 type;
	size_t		 len;
	int		 once;		/* allowed only once per engine */
	keyd_handler	 handler;
} keyd_table[] = {
	{ IMSG_KEYD_HELLO,	0,	1,	keyd_hello },
};

static void
keyd_sighdlr(int sig)
{
	keyd_quit = 1;
}

static void
keyd_hello(struct imsg *imsg)
{
	struct ipc_keyd_status st;

	ks.hello_seen = 1;
	memset(&st, 0, sizeof(st));
	st.crypto = ks.crypto;
	st.served = ks.served;
	st.refused = ks.refused;
	strlcpy(st.host, ks.host, sizeof(st.host));
	if (imsg_compose(&ks.engine, IMSG_KEYD_STATUS, 0, 0, -1, &st,
	    sizeof(st)) == -1)
		fatal("imsg_compose");
}

static void
keyd_dispatch_engine(void)
{
	const struct keyd_req *r;
	struct imsg imsg;
	ssize_t n;
	size_t i;

	if ((n = imsgbuf_read(&ks.engine)) == -1 && errno != EAGAIN)
		fatal("engine pipe");
	if (n == 0) {
		log_debug("engine closed its pipe");
		exit(0);
	}
	for (;;) {
		if ((n = imsg_get(&ks.engine, &imsg)) == -1)
			fatalx("engine pipe: bad message");
		if (n == 0)
			return;
		r = NULL;
		for (i = 0; i < sizeof(keyd_table) / sizeof(keyd_table[0]);
		    i++)
			if (keyd_table[i].type == imsg.hdr.type)
				r = &keyd_table[i];
		if (r == NULL)
			fatalx("engine sent a request keyd does not serve: %s",
			    ipc_type_name(imsg.hdr.type));
		if (imsg.fd != -1)
			fatalx("engine sent a descriptor with %s",
			    ipc_type_name(imsg.hdr.type));
		if (imsg_expect_len(&imsg, r->len) == -1)
			fatalx("engine sent %s with a bad length %zu",
			    ipc_type_name(imsg.hdr.type), imsg.datalen);
		if (r->once && imsg.hdr.type == IMSG_KEYD_HELLO &&
		    ks.hello_seen)
			fatalx("engine sent %s twice",
			    ipc_type_name(imsg.hdr.type));
		r->handler(&imsg);
		ks.served++;
		imsg_free(&imsg);
	}
}

/* Start-up: the configuration from the parent, as root. */
static void
keyd_recv_conf(struct ipc_keyd_conf *kc)
{
	struct imsg imsg;
	struct pollfd pfd;
	ssize_t n;
	int have = 0;

	for (;;) {
		if ((n = imsg_get(&ks.parent, &imsg)) == -1)
			fatalx("parent pipe: bad message");
		if (n == 0) {
			pfd.fd = ks.parent.fd;
			pfd.events = POLLIN;
			if (poll(&pfd, 1, -1) == -1 && errno != EINTR)
				fatal("poll");
			if (keyd_quit)
				exit(0);
			if ((n = imsgbuf_read(&ks.parent)) == -1 &&
			    errno != EAGAIN)
				fatal("parent pipe");
			if (n == 0)
				fatalx("parent went away during start-up");
			continue;
		}
		switch (imsg.hdr.type) {
		case IMSG_KEYD_CONF:
			if (have || imsg_get_data(&imsg, kc, sizeof(*kc)) == -1)
				fatalx("parent sent a bad KEYD_CONF");
			have = 1;
			break;
		case IMSG_KEYD_CONF_END:
			if (!have)
				fatalx("parent sent no KEYD_CONF");
			imsg_free(&imsg);
			return;
		default:
			fatalx("parent sent unexpected %s",
			    ipc_type_name(imsg.hdr.type));
		}
		imsg_free(&imsg);
	}
}

static __attribute__((noreturn)) void
keyd_usage(void)
{
	fprintf(stderr, "ntp-keyd is started by ntpd itself\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct ipc_keyd_conf *kc;
	struct pollfd pfd[2];
	struct sigaction sa;
	const char *user = NULL, *root = NULL;
	char err[256];
	uid_t uid = 0;
	gid_t gid = 0;
	int ch, debug = 0, verbose = 0, insecure = 0;

	while ((ch = getopt(argc, argv, "u:r:dvU")) != -1) {
		switch (ch) {
		case 'u':
			user = optarg;
			break;
		case 'r':
			root = optarg;
			break;
		case 'd':
			debug = 1;
			break;
		case 'v':
			verbose++;
			break;
		case 'U':
			insecure = 1;
			break;
		default:
			keyd_usage();
		}
	}
	if (user == NULL || root == NULL || optind != argc)
		keyd_usage();
	log_init(debug, verbose, LOG_DAEMON);
	log_procinit("keyd");
	if (fcntl(IPC_FD_PARENT, F_GETFD) == -1 ||
	    fcntl(IPC_FD_PEER, F_GETFD) == -1)
		fatalx("not started by ntpd (descriptors 3 and 4 missing)");
	closefrom(IPC_FD_PEER + 1);

	/* Not dumpable and no core before any secret arrives. */
	if (sandbox_harden(KEYD_NOFILE, err, sizeof(err)) == -1)
		fatalx("sandbox: %s", err);
	if (secmem_init() == -1)
		fatalx("libsodium initialisation failed");
	/* Load OpenSSL's configuration now: no file access later. */
	OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG |
	    OPENSSL_INIT_ADD_ALL_CIPHERS | OPENSSL_INIT_ADD_ALL_DIGESTS, NULL);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = keyd_sighdlr;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);

	if (!insecure && sandbox_lookup_user(user, &uid, &gid, err,
	    sizeof(err)) == -1)
		fatalx("%s", err);
	if (imsgbuf_init(&ks.parent, IPC_FD_PARENT, IMSGF_SECURE) == -1 ||
	    imsgbuf_init(&ks.engine, IPC_FD_PEER, IMSGF_SECURE) == -1)
		fatal("imsgbuf_init");

	if ((kc = secmem_alloc(sizeof(*kc))) == NULL)
		fatalx("secure memory");
	keyd_recv_conf(kc);
	kc->host[sizeof(kc->host) - 1] = '\0';
	ks.crypto = kc->enabled;
	strlcpy(ks.host, kc->host, sizeof(ks.host));
	/* Key loading from kc->keysdir with kc->pw arrives with keyd's
	 * Autokey requests; the password is wiped either way. */
	secmem_free(kc);

	if (insecure)
		log_warnx("*** running without chroot and user change (-U) "
		    "***");
	else if (sandbox_check_emptydir(root, err, sizeof(err)) == -1 ||
	    sandbox_privdrop(uid, gid, root, err, sizeof(err)) == -1)
		fatalx("cannot drop privileges: %s", err);
	if (sandbox_enter(SANDBOX_KEYD, err, sizeof(err)) == -1)
		fatalx("cannot enter the sandbox: %s", err);

	if (imsg_compose(&ks.parent, IMSG_KEYD_READY, 0, 0, -1, NULL, 0) ==
	    -1 || imsgbuf_flush(&ks.parent) == -1)
		fatal("telling the parent we are ready");

	while (!keyd_quit) {
		pfd[0].fd = ks.parent.fd;
		pfd[0].events = POLLIN;
		pfd[1].fd = ks.engine.fd;
		pfd[1].events = POLLIN |
		    (imsgbuf_queuelen(&ks.engine) ? POLLOUT : 0);
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if (pfd[0].revents & (POLLIN | POLLHUP)) {
			/* The parent never talks to a running keyd. */
			log_debug("parent pipe closed or spoke; exiting");
			break;
		}
		if (pfd[1].revents & POLLOUT &&
		    imsgbuf_write(&ks.engine) == -1)
			fatal("engine pipe write");
		if (pfd[1].revents & (POLLIN | POLLHUP))
			keyd_dispatch_engine();
	}
	imsgbuf_clear(&ks.engine);
	imsgbuf_clear(&ks.parent);
	return 0;
}
