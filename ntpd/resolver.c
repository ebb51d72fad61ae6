/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * The resolver process (ntpd -R).  See resolver.h for where it sits.
 * It holds nothing worth stealing: no keys, no sockets but the ones
 * getaddrinfo opens, no clock rights.  It is separate so that the
 * engine needs neither files nor DNS, and so that a slow or hostile DNS
 * answer can only ever stall this process.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "imsg.h"
#include "log.h"
#include "resolver.h"
#include "sandbox.h"

#define RESOLVER_NOFILE	32

static volatile sig_atomic_t resolver_quit;

static void
resolver_sighdlr(int sig)
{
	resolver_quit = 1;
}

static int
resolver_same(const struct ipc_resolved *r, const struct sockaddr *sa,
    socklen_t len)
{
	uint32_t i;

	for (i = 0; i < r->naddrs; i++)
		if (r->addrlens[i] == len && memcmp(&r->addrs[i], sa, len) == 0)
			return 1;
	return 0;
}

int
resolver_lookup(const struct ipc_resolve *q, struct ipc_resolved *r)
{
	struct addrinfo hints, *res, *ai;
	char port[8];
	int e;

	memset(r, 0, sizeof(*r));
	r->id = q->id;
	if (memchr(q->name, '\0', sizeof(q->name)) == NULL ||
	    q->name[0] == '\0')
		return -1;
	if (q->family != AF_UNSPEC && q->family != AF_INET &&
	    q->family != AF_INET6)
		return -1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = q->family;
	hints.ai_socktype = SOCK_DGRAM;
	/*
	 * No AI_ADDRCONFIG: it asks the kernel for our interfaces over
	 * netlink.  The engine skips addresses of a family it has no
	 * socket for instead.
	 */
	snprintf(port, sizeof(port), "%u", q->port);
	if ((e = getaddrinfo(q->name, port, &hints, &res)) != 0) {
		r->error = e;
		if (e == EAI_SYSTEM)
			snprintf(r->reason, sizeof(r->reason), "%s",
			    strerror(errno));
		else
			snprintf(r->reason, sizeof(r->reason), "%s",
			    gai_strerror(e));
		return 0;
	}
	for (ai = res; ai != NULL && r->naddrs < IPC_RESOLVE_MAX;
	    ai = ai->ai_next) {
		if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
		    ai->ai_addrlen > sizeof(r->addrs[0]) ||
		    resolver_same(r, ai->ai_addr, ai->ai_addrlen))
			continue;
		memcpy(&r->addrs[r->naddrs], ai->ai_addr, ai->ai_addrlen);
		r->addrlens[r->naddrs] = ai->ai_addrlen;
		r->naddrs++;
	}
	freeaddrinfo(res);
	if (r->naddrs == 0) {
		r->error = EAI_NONAME;
		snprintf(r->reason, sizeof(r->reason), "no usable address");
	}
	return 0;
}

static void
resolver_dispatch(struct imsgbuf *ibuf)
{
	struct imsg imsg;
	struct ipc_resolve q;
	struct ipc_resolved r;
	ssize_t n;

	if ((n = imsgbuf_read(ibuf)) == -1 && errno != EAGAIN)
		fatal("engine pipe");
	if (n == 0) {
		log_debug("engine went away");
		exit(0);
	}
	for (;;) {
		if ((n = imsg_get(ibuf, &imsg)) == -1)
			fatalx("engine pipe: bad message");
		if (n == 0)
			return;
		if (imsg.fd != -1)
			fatalx("engine sent an unexpected descriptor");
		if (imsg.hdr.type != IMSG_RESOLVE)
			fatalx("engine sent unexpected %s",
			    ipc_type_name(imsg.hdr.type));
		if (imsg_get_data(&imsg, &q, sizeof(q)) == -1 ||
		    resolver_lookup(&q, &r) == -1)
			fatalx("engine sent a bad RESOLVE");
		log_debug("%s: %u address(es)%s%s", q.name, r.naddrs,
		    r.error ? ", " : "", r.reason);
		if (imsg_compose(ibuf, IMSG_RESOLVED, 0, 0, -1, &r,
		    sizeof(r)) == -1)
			fatal("imsg_compose");
		imsg_free(&imsg);
		/* One small answer: written at once (the pipe is ours). */
		if (imsgbuf_flush(ibuf) == -1)
			fatal("engine pipe write");
	}
}

static void
resolver_sandbox(const char *user, int insecure)
{
	struct addrinfo hints, *res;
	char err[256];
	uid_t uid;
	gid_t gid;

	if (sandbox_harden(RESOLVER_NOFILE, err, sizeof(err)) == -1)
		fatalx("sandbox: %s", err);
	if (insecure)
		log_warnx("*** running without user change (-U) ***");
	else if (sandbox_lookup_user(user, &uid, &gid, err,
	    sizeof(err)) == -1 ||
	    sandbox_privdrop(uid, gid, NULL, err, sizeof(err)) == -1)
		fatalx("cannot drop privileges: %s", err);
	/*
	 * Warm up: the first lookup reads nsswitch.conf and loads what
	 * it names while we may still map code; "localhost" is answered
	 * from /etc/hosts and sends nothing.
	 */
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICSERV;
	if (getaddrinfo("localhost", "123", &hints, &res) == 0)
		freeaddrinfo(res);
	if (sandbox_enter(SANDBOX_RESOLVER, err, sizeof(err)) == -1)
		fatalx("cannot enter the sandbox: %s", err);
}

int
resolver_main(int argc, char *argv[])
{
	struct imsgbuf ibuf;
	struct pollfd pfd[2];
	struct sigaction sa;
	const char *user = NULL;
	int ch, debug = 0, verbose = 0, insecure = 0;

	while ((ch = getopt(argc, argv, "Ru:dvU")) != -1) {
		switch (ch) {
		case 'R':
			break;
		case 'u':
			user = optarg;
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
			fprintf(stderr, "ntpd -R is started by ntpd itself\n");
			exit(2);
		}
	}
	if (user == NULL) {
		fprintf(stderr, "ntpd -R is started by ntpd itself\n");
		exit(2);
	}
	log_init(debug, verbose, LOG_DAEMON);
	log_procinit("resolver");
	if (fcntl(IPC_FD_PARENT, F_GETFD) == -1 ||
	    fcntl(IPC_FD_PEER, F_GETFD) == -1)
		fatalx("not started by ntpd (descriptors 3 and 4 missing)");
	closefrom(IPC_FD_PEER + 1);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = resolver_sighdlr;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);

	resolver_sandbox(user, insecure);
	if (imsgbuf_init(&ibuf, IPC_FD_PEER, 0) == -1)
		fatal("imsgbuf_init");

	while (!resolver_quit) {
		pfd[0].fd = IPC_FD_PARENT;
		pfd[0].events = POLLIN;
		pfd[1].fd = IPC_FD_PEER;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		/* The parent never writes: readable means it is gone. */
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			log_debug("parent went away");
			break;
		}
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))
			resolver_dispatch(&ibuf);
	}
	return 0;
}
