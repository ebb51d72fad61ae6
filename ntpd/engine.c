/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * The engine: the only process that reads the network.  It is started by
 * the parent with fork+exec as "ntpd -E", drops into its chroot, user and
 * seccomp filter at once, and then receives its configuration and its
 * sockets over the parent pipe.  It never holds a long-term private key;
 * anything that needs one is asked of keyd over the second pipe.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "akglue.h"
#include "ctl6.h"
#include "engine.h"
#include "keyd_client.h"
#include "log.h"
#include "packet.h"
#include "pool.h"
#include "sandbox.h"
#include "secmem.h"

static struct engine	 engine_state;
struct engine		*eng = &engine_state;
static volatile sig_atomic_t engine_quit;

double
engine_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

double
engine_unix(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void
engine_send_parent(uint32_t type, const void *data, size_t len)
{
	if (imsg_compose(&eng->parent, type, 0, 0, -1, data, len) == -1)
		fatal("imsg_compose");
}

static void
engine_sighdlr(int sig)
{
	engine_quit = 1;
}

static __attribute__((noreturn)) void
engine_usage(void)
{
	fprintf(stderr, "ntpd -E is started by ntpd itself\n");
	exit(2);
}

static void
engine_add_socket(struct imsg *imsg)
{
	struct ipc_socket s;
	struct ntp_sock *ns;

	if (imsg_get_data(imsg, &s, sizeof(s)) == -1 || imsg->fd == -1)
		fatalx("parent sent a bad SOCKET_NTP");
	if (eng->nsocks >= ENGINE_MAX_SOCKS)
		fatalx("too many NTP sockets");
	if (s.locallen > sizeof(s.local))
		fatalx("parent sent a bad socket address length");
	ns = &eng->socks[eng->nsocks++];
	ns->fd = imsg->fd;
	memcpy(&ns->local, &s.local, sizeof(s.local));
	ns->locallen = s.locallen;
}

/* Configuration from the parent, until CONF_END.  Blocking. */
static void
engine_recv_conf(void)
{
	struct imsg imsg;
	struct ipc_conf_peer p;
	struct ipc_conf_restrict r;
	struct pollfd pfd;
	ssize_t n;
	int have_main = 0;

	for (;;) {
		if ((n = imsg_get(&eng->parent, &imsg)) == -1)
			fatalx("parent pipe: bad message");
		if (n == 0) {
			pfd.fd = eng->parent.fd;
			pfd.events = POLLIN;
			if (poll(&pfd, 1, -1) == -1 && errno != EINTR)
				fatal("poll");
			if (engine_quit)
				exit(0);
			if ((n = imsgbuf_read(&eng->parent)) == -1 &&
			    errno != EAGAIN)
				fatal("parent pipe");
			if (n == 0)
				fatalx("parent went away during start-up");
			continue;
		}
		switch (imsg.hdr.type) {
		case IMSG_CONF_MAIN:
			if (imsg_get_data(&imsg, &eng->conf,
			    sizeof(eng->conf)) == -1)
				fatalx("parent sent a bad CONF_MAIN");
			log_setverbose(eng->conf.verbose);
			have_main = 1;
			break;
		case IMSG_CONF_RESTRICT:
			if (imsg_get_data(&imsg, &r, sizeof(r)) == -1)
				fatalx("parent sent a bad CONF_RESTRICT");
			eng->restricts = reallocarray(eng->restricts,
			    eng->nrestricts + 1, sizeof(r));
			if (eng->restricts == NULL)
				fatal(NULL);
			eng->restricts[eng->nrestricts++] = r;
			break;
		case IMSG_CONF_PEER:
			if (imsg_get_data(&imsg, &p, sizeof(p)) == -1 ||
			    p.addrlen > sizeof(p.addr))
				fatalx("parent sent a bad CONF_PEER");
			p.name[sizeof(p.name) - 1] = '\0';
			p.ident[sizeof(p.ident) - 1] = '\0';
			client_peer_new(&p);
			break;
		case IMSG_SOCKET_NTP:
			engine_add_socket(&imsg);
			break;
		case IMSG_CONF_LEAP:
			sys_leap_conf(&imsg);
			break;
		case IMSG_CONF_NAME:
			pool_conf_name(&imsg);
			break;
		case IMSG_SOCKET_RESOLVER:
			if (imsg_expect_len(&imsg, 0) == -1 || imsg.fd == -1)
				fatalx("parent sent a bad SOCKET_RESOLVER");
			pool_set_fd(imsg.fd);
			break;
		case IMSG_SOCKET_CTL:
			if (imsg_expect_len(&imsg, 0) == -1 || imsg.fd == -1)
				fatalx("parent sent a bad SOCKET_CTL");
			eng->ctl_listen = imsg.fd;
			break;
		case IMSG_CONF_END:
			if (!have_main)
				fatalx("parent sent no CONF_MAIN");
			imsg_free(&imsg);
			return;
		default:
			fatalx("parent sent unexpected %s during start-up",
			    ipc_type_name(imsg.hdr.type));
		}
		imsg_free(&imsg);
	}
}

static void
engine_dispatch_parent(void)
{
	struct imsg imsg;
	struct ipc_clock_done d;
	ssize_t n;

	if ((n = imsgbuf_read(&eng->parent)) == -1 && errno != EAGAIN)
		fatal("parent pipe");
	if (n == 0)
		fatalx("parent went away");
	for (;;) {
		if ((n = imsg_get(&eng->parent, &imsg)) == -1)
			fatalx("parent pipe: bad message");
		if (n == 0)
			return;
		if (imsg.fd != -1 && imsg.hdr.type != IMSG_KEYD_NEWPIPE)
			fatalx("parent sent an unexpected descriptor");
		switch (imsg.hdr.type) {
		case IMSG_KEYD_NEWPIPE:
			/* SIGHUP: a fresh keyd on the new key files. */
			if (imsg_expect_len(&imsg, 0) == -1 || imsg.fd == -1)
				fatalx("parent sent a bad KEYD_NEWPIPE");
			keyd_client_newpipe(imsg.fd);
			break;
		case IMSG_CLOCK_DONE:
			if (imsg_get_data(&imsg, &d, sizeof(d)) == -1)
				fatalx("parent sent a bad CLOCK_DONE");
			sys_clock_done(&d);
			break;
		default:
			fatalx("parent sent unexpected %s",
			    ipc_type_name(imsg.hdr.type));
		}
		imsg_free(&imsg);
	}
}

static void
engine_dispatch_keyd(void)
{
	struct imsg imsg;
	ssize_t n;

	if ((n = imsgbuf_read(&eng->keyd)) == -1 && errno != EAGAIN)
		fatal("keyd pipe");
	if (n == 0)
		fatalx("keyd went away");
	for (;;) {
		if ((n = imsg_get(&eng->keyd, &imsg)) == -1)
			fatalx("keyd pipe: bad message");
		if (n == 0)
			return;
		/* Every reply goes to the request that asked for it. */
		if (keyd_client_dispatch(&imsg) == -1)
			fatalx("keyd sent unexpected %s (%zu bytes)",
			    ipc_type_name(imsg.hdr.type), imsg.datalen);
		imsg_free(&imsg);
	}
}

/*
 * Receive buffers, static so that the hot path allocates nothing.
 * recvmmsg(2) fills up to ENGINE_RXBATCH datagrams per system call,
 * each with its sender and its kernel receive timestamp.
 */
#define ENGINE_RXBATCH	32
#define ENGINE_RXROUNDS	4	/* batches per socket per poll round */

struct engine_rxbuf {
	struct mmsghdr		 mm[ENGINE_RXBATCH];
	struct iovec		 iov[ENGINE_RXBATCH];
	struct sockaddr_storage	 from[ENGINE_RXBATCH];
	union {
		struct cmsghdr	 hdr;
		uint8_t		 buf[CMSG_SPACE(sizeof(struct timespec)) +
				    CMSG_SPACE(sizeof(struct in6_pktinfo))];
	}			 cmsg[ENGINE_RXBATCH];
	uint8_t			 buf[ENGINE_RXBATCH][NTP_MAXPKT + 1];
};
static struct engine_rxbuf	engine_rx;

/* Record the destination address of a datagram from its IP_PKTINFO. */
static void
engine_pktinfo(const struct cmsghdr *cm)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&eng->rx_dst;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&eng->rx_dst;
	struct in_pktinfo pi;
	struct in6_pktinfo pi6;

	if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO &&
	    cm->cmsg_len >= CMSG_LEN(sizeof(pi))) {
		memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
		memset(sin, 0, sizeof(*sin));
		sin->sin_family = AF_INET;
		sin->sin_addr = pi.ipi_addr;
	} else if (cm->cmsg_level == IPPROTO_IPV6 &&
	    cm->cmsg_type == IPV6_PKTINFO &&
	    cm->cmsg_len >= CMSG_LEN(sizeof(pi6))) {
		memcpy(&pi6, CMSG_DATA(cm), sizeof(pi6));
		memset(sin6, 0, sizeof(*sin6));
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = pi6.ipi6_addr;
	}
}

int
engine_sock_wildcard(const struct ntp_sock *ns)
{
	static const uint8_t zero[16];

	if (ns->local.ss_family == AF_INET)
		return ((const struct sockaddr_in *)(const void *)&ns->local)->
		    sin_addr.s_addr == 0;
	return memcmp(&((const struct sockaddr_in6 *)(const void *)
	    &ns->local)->sin6_addr, zero, 16) == 0;
}

/*
 * sendto(), but from a given source address (family, 4 or 16 bytes)
 * when the socket is a wildcard one: an Autokey answer must leave from
 * the address the client's session keys were made with.
 */
ssize_t
engine_sendfrom(const struct ntp_sock *ns, const void *buf, size_t len,
    const struct sockaddr *to, socklen_t tolen, int srcfamily,
    const uint8_t *src)
{
	union {
		struct cmsghdr hdr;
		uint8_t buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} cbuf;
	struct in_pktinfo pi;
	struct in6_pktinfo pi6;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cm;

	if (src == NULL || !engine_sock_wildcard(ns) ||
	    srcfamily != ns->local.ss_family)
		return sendto(ns->fd, buf, len, 0, to, tolen);
	memset(&msg, 0, sizeof(msg));
	memset(&cbuf, 0, sizeof(cbuf));
	iov.iov_base = (void *)(uintptr_t)buf;
	iov.iov_len = len;
	msg.msg_name = (void *)(uintptr_t)to;
	msg.msg_namelen = tolen;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf.buf;
	cm = (struct cmsghdr *)(void *)cbuf.buf;
	if (srcfamily == AF_INET) {
		memset(&pi, 0, sizeof(pi));
		memcpy(&pi.ipi_spec_dst, src, 4);
		msg.msg_controllen = CMSG_SPACE(sizeof(pi));
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	} else {
		memset(&pi6, 0, sizeof(pi6));
		memcpy(&pi6.ipi6_addr, src, 16);
		msg.msg_controllen = CMSG_SPACE(sizeof(pi6));
		cm->cmsg_level = IPPROTO_IPV6;
		cm->cmsg_type = IPV6_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi6));
		memcpy(CMSG_DATA(cm), &pi6, sizeof(pi6));
	}
	return sendmsg(ns->fd, &msg, 0);
}

/* Handle one datagram; t is its receive time (T2 or T4). */
static void
engine_packet(struct ntp_sock *ns, const uint8_t *buf, size_t n,
    int flags, const struct sockaddr *from, socklen_t fromlen,
    const struct timespec *t)
{
	struct ntp_pkt pkt;
	struct peer *p;

	eng->cnt.rx++;
	if (flags & MSG_TRUNC) {
		eng->cnt.rx_badext++;
		return;
	}
	switch (packet_parse(buf, n, &pkt)) {
	case PKT_OK:
		break;
	case PKT_SHORT:
		eng->cnt.rx_short++;
		return;
	case PKT_BADVERSION:
		eng->cnt.rx_badversion++;
		return;
	case PKT_BADMODE:
		eng->cnt.rx_badmode++;
		return;
	case PKT_MODE6:
		/* ntpq on loopback: read-only answers (ctl6.c) */
		eng->cnt.rx_mode6++;
		ctl6_recv(ns, buf, n, from, fromlen);
		return;
	case PKT_MODE7:
		eng->cnt.rx_mode7++;
		return;
	case PKT_BADMAC:
		eng->cnt.rx_badmac++;
		return;
	default:
		eng->cnt.rx_badext++;
		return;
	}
	switch (pkt.mode) {
	case NTP_MODE_CLIENT:
		server_recv(ns, buf, n, &pkt, from, fromlen,
		    ntp_ts_from_timespec(t));
		break;
	case NTP_MODE_SERVER:
		if ((p = client_find(from, fromlen)) == NULL) {
			eng->cnt.rx_unexpected++;
			break;
		}
		client_recv(p, buf, &pkt, ntp_ts_from_timespec(t),
		    engine_mono());
		break;
	default:
		/* Symmetric and broadcast modes come later. */
		eng->cnt.rx_badmode++;
		break;
	}
}

/*
 * Read what is waiting on a socket in batches, with each datagram's
 * kernel receive timestamp (T2 for the server, T4 for the client: taken
 * as early as the host allows), and send the server's answers to a
 * batch before reading the next.
 */
static void
engine_recv(struct ntp_sock *ns)
{
	static double last_warn = -1e9;
	struct engine_rxbuf *rx = &engine_rx;
	struct msghdr *msg;
	struct cmsghdr *cm;
	struct timespec ts;
	int i, n, round, have_ts;

	/* Bounded so that one busy socket cannot starve the rest. */
	for (round = 0; round < ENGINE_RXROUNDS; round++) {
		for (i = 0; i < ENGINE_RXBATCH; i++) {
			msg = &rx->mm[i].msg_hdr;
			rx->iov[i].iov_base = rx->buf[i];
			rx->iov[i].iov_len = sizeof(rx->buf[i]);
			msg->msg_name = &rx->from[i];
			msg->msg_namelen = sizeof(rx->from[i]);
			msg->msg_iov = &rx->iov[i];
			msg->msg_iovlen = 1;
			msg->msg_control = rx->cmsg[i].buf;
			msg->msg_controllen = sizeof(rx->cmsg[i].buf);
			msg->msg_flags = 0;
		}
		if ((n = recvmmsg(ns->fd, rx->mm, ENGINE_RXBATCH, 0,
		    NULL)) == -1) {
			/* Not a log line per datagram: once a minute. */
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNREFUSED &&
			    engine_mono() - last_warn > 60) {
				last_warn = engine_mono();
				log_warn("recvmmsg");
			}
			break;
		}
		for (i = 0; i < n; i++) {
			msg = &rx->mm[i].msg_hdr;
			have_ts = 0;
			eng->rx_dst.ss_family = AF_UNSPEC;
			for (cm = CMSG_FIRSTHDR(msg); cm != NULL;
			    cm = CMSG_NXTHDR(msg, cm)) {
				if (cm->cmsg_level == SOL_SOCKET &&
				    cm->cmsg_type == SO_TIMESTAMPNS &&
				    cm->cmsg_len >= CMSG_LEN(sizeof(ts))) {
					memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
					have_ts = 1;
				} else
					engine_pktinfo(cm);
			}
			if (!have_ts)
				clock_gettime(CLOCK_REALTIME, &ts);
			engine_packet(ns, rx->buf[i], rx->mm[i].msg_len,
			    msg->msg_flags, (struct sockaddr *)&rx->from[i],
			    msg->msg_namelen, &ts);
		}
		server_flush();
		if (n < ENGINE_RXBATCH)
			break;
	}
}

static void
engine_sandbox(const char *user, const char *root, int insecure)
{
	char err[256];
	uid_t uid;
	gid_t gid;

	if (sandbox_harden(ENGINE_NOFILE, err, sizeof(err)) == -1)
		fatalx("sandbox: %s", err);
	if (insecure) {
		log_warnx("*** running without chroot and user change (-U) "
		    "***");
	} else {
		if (sandbox_lookup_user(user, &uid, &gid, err,
		    sizeof(err)) == -1 ||
		    sandbox_check_emptydir(root, err, sizeof(err)) == -1 ||
		    sandbox_privdrop(uid, gid, root, err, sizeof(err)) == -1)
			fatalx("cannot drop privileges: %s", err);
	}
	if (sandbox_enter(SANDBOX_ENGINE, err, sizeof(err)) == -1)
		fatalx("cannot enter the sandbox: %s", err);
}

int
engine_main(int argc, char *argv[])
{
	struct pollfd pfd[2 + ENGINE_MAX_SOCKS + 1 + ENGINE_MAX_CTL + 1];
	struct sigaction sa;
	const char *user = NULL, *root = NULL;
	size_t i, nfds, ctl_first, res_i;
	double now, timeout, next_tick;
	int ch, debug = 0, verbose = 0, insecure = 0, ms, kfd;

	while ((ch = getopt(argc, argv, "Eu:r:dvU")) != -1) {
		switch (ch) {
		case 'E':
			break;
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
			engine_usage();
		}
	}
	if (user == NULL || root == NULL)
		engine_usage();
	log_init(debug, verbose, LOG_DAEMON);
	log_procinit("engine");
	if (fcntl(IPC_FD_PARENT, F_GETFD) == -1 ||
	    fcntl(IPC_FD_PEER, F_GETFD) == -1)
		fatalx("not started by ntpd (descriptors 3 and 4 missing)");
	closefrom(IPC_FD_PEER + 1);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = engine_sighdlr;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);

	TAILQ_INIT(&eng->peers);
	eng->ctl_listen = -1;
	/* libsodium must be ready before the first secure buffer. */
	if (secmem_init() == -1)
		fatalx("libsodium initialisation failed");
	akglue_preinit();	/* libcrypto opens files on first use */
	engine_sandbox(user, root, insecure);

	if (imsgbuf_init(&eng->parent, IPC_FD_PARENT, 0) == -1 ||
	    imsgbuf_init(&eng->keyd, IPC_FD_PEER, IMSGF_SECURE) == -1)
		fatal("imsgbuf_init");
	engine_recv_conf();
	client_bind_sockets();
	eng->start = engine_mono();
	sys_init();
	log_info("engine running: %zu peer(s), %zu socket(s)%s",
	    eng->npeers, eng->nsocks,
	    eng->conf.flags & IPC_F_NOCLOCK ? ", clock adjustment off" : "");

	akglue_init();		/* before keyd's public material arrives */
	keyd_client_init(&eng->keyd);

	next_tick = engine_mono() + 1.0;
	while (!engine_quit) {
		now = engine_mono();
		timeout = client_next_timeout(now);
		if (next_tick - now < timeout)
			timeout = next_tick - now;
		ms = timeout <= 0 ? 0 : (int)ceil(timeout * 1000.0);

		nfds = 0;
		pfd[nfds].fd = eng->parent.fd;
		pfd[nfds].events = POLLIN |
		    (imsgbuf_queuelen(&eng->parent) ? POLLOUT : 0);
		nfds++;
		pfd[nfds].fd = eng->keyd.fd;
		pfd[nfds].events = POLLIN |
		    (imsgbuf_queuelen(&eng->keyd) ? POLLOUT : 0);
		nfds++;
		for (i = 0; i < eng->nsocks; i++) {
			pfd[nfds].fd = eng->socks[i].fd;
			pfd[nfds].events = POLLIN;
			nfds++;
		}
		pfd[nfds].fd = control_count() < ENGINE_MAX_CTL ?
		    eng->ctl_listen : -1;
		pfd[nfds].events = POLLIN;
		nfds++;
		ctl_first = nfds;
		control_pollfds(pfd, &nfds, sizeof(pfd) / sizeof(pfd[0]) - 1);
		res_i = nfds++;
		pool_pollfd(&pfd[res_i]);

		if (poll(pfd, nfds, ms) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if (pfd[0].revents & POLLOUT &&
		    imsgbuf_write(&eng->parent) == -1)
			fatal("parent pipe write");
		kfd = eng->keyd.fd;
		if (pfd[0].revents & (POLLIN | POLLHUP))
			engine_dispatch_parent();
		/* A key reload replaced the keyd pipe: its events are stale. */
		if (eng->keyd.fd != kfd)
			pfd[1].revents = 0;
		if (pfd[1].revents & POLLOUT &&
		    imsgbuf_write(&eng->keyd) == -1)
			fatal("keyd pipe write");
		if (pfd[1].revents & (POLLIN | POLLHUP))
			engine_dispatch_keyd();
		for (i = 0; i < eng->nsocks; i++)
			if (pfd[2 + i].revents & POLLIN)
				engine_recv(&eng->socks[i]);
		if (pfd[ctl_first - 1].revents & POLLIN)
			control_accept(eng->ctl_listen);
		control_dispatch(pfd);
		pool_dispatch(&pfd[res_i]);

		now = engine_mono();
		client_timers(now);
		if (now >= next_tick) {
			sys_tick(now);
			pool_timers(now);
			keyd_client_tick(now);
			akglue_tick(now);
			next_tick = now + 1.0;
		}
	}
	log_info("engine exiting");
	return 0;
}
