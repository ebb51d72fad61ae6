/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * The parent's start-up work for the engine: name resolution, the UDP
 * and control sockets, and the configuration sent over the pipe.  All
 * of it runs as root before the parent's sandbox; the engine only ever
 * receives the results.  Also keyd's configuration (at start and on each
 * SIGHUP reload) and the check of the users the configuration names.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ipc.h"
#include "leapsec.h"
#include "log.h"
#include "parent_conf.h"
#include "sandbox.h"
#include "secmem.h"

static int
open_udp(const struct sockaddr *sa, socklen_t salen)
{
	int fd, on = 1;

	if ((fd = socket(sa->sa_family, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (sa->sa_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) == -1)
		goto fail;
	/*
	 * No SO_REUSEADDR: on a UDP socket Linux would let a second
	 * daemon bind the same port and steal the traffic; we want that
	 * start to fail with "address in use".
	 */
	/*
	 * The destination of each request: on a wildcard socket the
	 * server needs it for Autokey session keys and as the source of
	 * the answer.
	 */
	if (sa->sa_family == AF_INET && setsockopt(fd, IPPROTO_IP, IP_PKTINFO,
	    &on, sizeof(on)) == -1)
		goto fail;
	if (sa->sa_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_RECVPKTINFO, &on, sizeof(on)) == -1)
		goto fail;
	/* Kernel receive timestamps: the server's T2 as early as possible. */
	if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on)) == -1)
		log_warn("SO_TIMESTAMPNS");
	if (bind(fd, sa, salen) == -1)
		goto fail;
	return fd;
fail:
	{
		int saved = errno;

		close(fd);
		errno = saved;
	}
	return -1;
}

static void
addr_text(const struct sockaddr *sa, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN], port[8];

	if (getnameinfo(sa, sa->sa_family == AF_INET ?
	    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6),
	    host, sizeof(host), port, sizeof(port),
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		strlcpy(buf, "?", len);
	else if (sa->sa_family == AF_INET6)
		snprintf(buf, len, "[%s]:%s", host, port);
	else
		snprintf(buf, len, "%s:%s", host, port);
}

static void
send_sockets(const struct parent_engine_conf *pc)
{
	struct ipc_socket s;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	char txt[IPC_ADDRSTRLEN];
	size_t i;
	int fd, nopen = 0;

	for (i = 0; i < pc->conf->nlisten || (i < 2 && pc->conf->nlisten == 0); i++) {
		memset(&s, 0, sizeof(s));
		if (pc->conf->nlisten == 0 || pc->conf->listen[i].af == AF_INET) {
			/* Default: wildcard v4 first, then v6. */
			if (pc->conf->nlisten == 0 && i == 1)
				goto v6;
			memset(&sin, 0, sizeof(sin));
			sin.sin_family = AF_INET;
			sin.sin_port = htons(pc->conf->port);
			if (pc->conf->nlisten > 0)
				sin.sin_addr = pc->conf->listen[i].u.v4;
			memcpy(&s.local, &sin, sizeof(sin));
			s.locallen = sizeof(sin);
		} else {
v6:
			memset(&sin6, 0, sizeof(sin6));
			sin6.sin6_family = AF_INET6;
			sin6.sin6_port = htons(pc->conf->port);
			if (pc->conf->nlisten > 0)
				sin6.sin6_addr = pc->conf->listen[i].u.v6;
			memcpy(&s.local, &sin6, sizeof(sin6));
			s.locallen = sizeof(sin6);
		}
		addr_text((struct sockaddr *)&s.local, txt, sizeof(txt));
		if ((fd = open_udp((struct sockaddr *)&s.local,
		    s.locallen)) == -1) {
			/* A host without IPv6 still serves on IPv4. */
			if (pc->conf->nlisten == 0 && i == 1 &&
			    errno == EAFNOSUPPORT)
				continue;
			fatal("cannot listen on %s", txt);
		}
		log_debug("listening on %s", txt);
		if (imsg_compose(pc->ibuf, IMSG_SOCKET_NTP, 0, 0, fd,
		    &s, sizeof(s)) == -1)
			fatal("imsg_compose");
		nopen++;
	}
	if (nopen == 0)
		fatalx("no NTP socket could be opened");
}

int
parent_open_control(const char *path)
{
	struct sockaddr_un sun;
	char dir[sizeof(sun.sun_path)], *slash;
	mode_t old;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		fatalx("control socket path too long: %s", path);
	strlcpy(dir, path, sizeof(dir));
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) == -1 && errno != EEXIST)
			fatal("mkdir %s", dir);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		fatal("socket");
	/* A daemon already answering there is a second instance. */
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		fatalx("another ntpd is running (control socket %s answers)",
		    path);
	close(fd);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		fatal("socket");
	if (unlink(path) == -1 && errno != ENOENT)
		fatal("unlink %s", path);
	old = umask(S_IXUSR | S_IXGRP | S_IRWXO);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		fatal("bind %s", path);
	umask(old);
	/* Read-only status for the administrator's group, like ntpq's. */
	if (chmod(path, 0660) == -1)
		fatal("chmod %s", path);
	if (listen(fd, 16) == -1)
		fatal("listen %s", path);
	return fd;
}

/* A name the engine keeps resolving through ntpd -R (ntpd/pool.c). */
static void
send_conf_name(const struct parent_engine_conf *pc,
    const struct conf_peer *cp)
{
	struct ipc_conf_name c;

	memset(&c, 0, sizeof(c));
	c.peer.kind = (int32_t)cp->mode;
	c.peer.flags = (uint32_t)cp->flags;
	c.peer.minpoll = cp->minpoll;
	c.peer.maxpoll = cp->maxpoll;
	c.peer.version = cp->version;
	strlcpy(c.peer.name, cp->host, sizeof(c.peer.name));
	strlcpy(c.peer.ident, cp->ident, sizeof(c.peer.ident));
	c.family = cp->family;
	c.port = cp->port;
	c.line = cp->line;
	if (imsg_compose(pc->ibuf, IMSG_CONF_NAME, 0, 0, -1, &c,
	    sizeof(c)) == -1)
		fatal("imsg_compose");
}

/*
 * Which of our addresses the kernel would send from towards sa: a UDP
 * connect() sends nothing.  Autokey's session keys include it, and on
 * a wildcard socket the engine cannot ask by itself.
 */
static void
peer_local_addr(const struct sockaddr *sa, socklen_t salen,
    struct sockaddr_storage *local)
{
	socklen_t len = sizeof(*local);
	int fd;

	memset(local, 0, sizeof(*local));
	if ((fd = socket(sa->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return;
	if (connect(fd, sa, salen) == -1 ||
	    getsockname(fd, (struct sockaddr *)local, &len) == -1)
		memset(local, 0, sizeof(*local));
	close(fd);
}

static uint32_t
resolve_peers(const struct parent_engine_conf *pc)
{
	struct addrinfo hints, *res, *ai;
	struct ipc_conf_peer p;
	char port[8], txt[IPC_ADDRSTRLEN];
	uint32_t id = 0;
	size_t i;
	int e, n;

	for (i = 0; i < pc->conf->npeers; i++) {
		const struct conf_peer *cp = &pc->conf->peers[i];

		memset(&hints, 0, sizeof(hints));
		hints.ai_family = cp->family;
		hints.ai_socktype = SOCK_DGRAM;
		/* No AI_ADDRCONFIG: a loopback-only host still resolves. */
		snprintf(port, sizeof(port), "%u", cp->port);
		if ((e = getaddrinfo(cp->host, port, &hints, &res)) != 0) {
			log_warnx("%s:%u: cannot resolve %s: %s; will retry",
			    pc->conffile, cp->line, cp->host, gai_strerror(e));
			send_conf_name(pc, cp);
			continue;
		}
		/* A pool is resolved again whenever it runs short. */
		if (cp->mode == CONF_MODE_POOL)
			send_conf_name(pc, cp);
		n = 0;
		for (ai = res; ai != NULL; ai = ai->ai_next) {
			if (ai->ai_addrlen > sizeof(p.addr))
				continue;
			memset(&p, 0, sizeof(p));
			p.id = ++id;
			p.kind = (int32_t)cp->mode;
			p.flags = (uint32_t)cp->flags;
			p.minpoll = cp->minpoll;
			p.maxpoll = cp->maxpoll;
			p.version = cp->version;
			memcpy(&p.addr, ai->ai_addr, ai->ai_addrlen);
			p.addrlen = ai->ai_addrlen;
			strlcpy(p.name, cp->host, sizeof(p.name));
			strlcpy(p.ident, cp->ident, sizeof(p.ident));
			peer_local_addr(ai->ai_addr, ai->ai_addrlen, &p.local);
			addr_text(ai->ai_addr, txt, sizeof(txt));
			log_debug("peer %u: %s %s", p.id, cp->host, txt);
			if (imsg_compose(pc->ibuf, IMSG_CONF_PEER, 0, 0, -1,
			    &p, sizeof(p)) == -1)
				fatal("imsg_compose");
			/* server and peer take the first address; pool up to 4 */
			if (cp->mode != CONF_MODE_POOL || ++n >= 4)
				break;
		}
		freeaddrinfo(res);
	}
	return id;
}

static void
conf_addr_to_ss(const struct conf_addr *a, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->af == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_addr = a->u.v4;
	} else if (a->af == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = a->u.v6;
	}
}

void
parent_send_engine_conf(const struct parent_engine_conf *pc)
{
	struct ipc_conf_main m;
	struct ipc_conf_restrict r;
	size_t i;

	memset(&m, 0, sizeof(m));
	m.flags = (pc->noclock ? IPC_F_NOCLOCK : 0) | (pc->debug ? IPC_F_DEBUG : 0);
	m.local_stratum = pc->conf->local_stratum;
	m.port = pc->conf->port;
	m.drift_ppm = pc->drift;
	m.have_drift = pc->have_drift;
	m.verbose = pc->verbose;
	/* Autokey: the engine's part of the crypto line (no secrets) */
	m.crypto = pc->conf->crypto.enabled;
	m.ak_revoke = pc->conf->crypto.revoke;
	m.ak_automax = pc->conf->crypto.automax;
	strlcpy(m.ak_digest, pc->conf->crypto.digest, sizeof(m.ak_digest));
	strlcpy(m.ak_keysdir, pc->conf->keysdir, sizeof(m.ak_keysdir));
	if (imsg_compose(pc->ibuf, IMSG_CONF_MAIN, 0, 0, -1, &m,
	    sizeof(m)) == -1)
		fatal("imsg_compose");
	for (i = 0; i < pc->conf->nrestricts; i++) {
		const struct conf_restrict *cr = &pc->conf->restricts[i];

		memset(&r, 0, sizeof(r));
		r.is_default = cr->isdefault;
		r.family = cr->family;
		r.flags = cr->flags;
		if (!cr->isdefault) {
			conf_addr_to_ss(&cr->addr, &r.addr);
			conf_addr_to_ss(&cr->mask, &r.mask);
		}
		if (imsg_compose(pc->ibuf, IMSG_CONF_RESTRICT, 0, 0, -1,
		    &r, sizeof(r)) == -1)
			fatal("imsg_compose");
	}
	if (pc->leaptab != NULL) {
		struct ipc_conf_leap cl;

		leapsec_to_conf(pc->leaptab, &cl);
		if (imsg_compose(pc->ibuf, IMSG_CONF_LEAP, 0, 0, -1, &cl,
		    sizeof(cl)) == -1)
			fatal("imsg_compose");
	}
	resolve_peers(pc);
	/* The imsg layer closes the descriptors once sent. */
	if (imsg_compose(pc->ibuf, IMSG_SOCKET_RESOLVER, 0, 0,
	    pc->resolver_fd, NULL, 0) == -1)
		fatal("imsg_compose");
	send_sockets(pc);
	if (imsg_compose(pc->ibuf, IMSG_SOCKET_CTL, 0, 0, pc->ctlfd,
	    NULL, 0) == -1)
		fatal("imsg_compose");
	if (imsg_compose(pc->ibuf, IMSG_CONF_END, 0, 0, -1, NULL, 0) ==
	    -1)
		fatal("imsg_compose");
	if (imsgbuf_flush(pc->ibuf) == -1)
		fatal("sending configuration to the engine");
}


/* keyd's host name when "crypto host" is not given: ours, read once. */
static char	 keyd_host[IPC_NAMELEN];

/* keyd's configuration: crypto settings and the password, then END. */
void
parent_send_keyd_conf(struct imsgbuf *ibuf, struct ntpd_conf *c)
{
	struct ipc_keyd_conf *k;

	/* Read before the sandbox (uname is not allowed after it). */
	if (keyd_host[0] == '\0' &&
	    gethostname(keyd_host, sizeof(keyd_host) - 1) == -1)
		strlcpy(keyd_host, "localhost", sizeof(keyd_host));
	/* The password travels in locked memory and is wiped after use. */
	if ((k = secmem_alloc(sizeof(*k))) == NULL)
		fatalx("secure memory");
	memset(k, 0, sizeof(*k));
	k->enabled = c->crypto.enabled;
	strlcpy(k->keysdir, c->keysdir, sizeof(k->keysdir));
	strlcpy(k->host, c->crypto.host[0] != '\0' ? c->crypto.host :
	    keyd_host, sizeof(k->host));
	strlcpy(k->ident, c->crypto.ident, sizeof(k->ident));
	strlcpy(k->digest, c->crypto.digest, sizeof(k->digest));
	if (c->crypto.pw_set)
		strlcpy(k->pw, c->crypto.pw, sizeof(k->pw));
	if (imsg_compose(ibuf, IMSG_KEYD_CONF, 0, 0, -1, k,
	    sizeof(*k)) == -1)
		fatal("imsg_compose");
	secmem_free(k);
	if (imsg_compose(ibuf, IMSG_KEYD_CONF_END, 0, 0, -1, NULL, 0)
	    == -1)
		fatal("imsg_compose");
	if (imsgbuf_flush(ibuf) == -1)
		fatal("sending configuration to keyd");
	/* We hold no copy of the password from here on. */
	secmem_wipe(c->crypto.pw, sizeof(c->crypto.pw));
}

/* A user named in the configuration must exist; fatal if not. */
void
parent_check_user(const char *user, uid_t *uidp, gid_t *gidp, char *err,
    size_t errlen)
{
	uid_t uid;
	gid_t gid;

	if (sandbox_lookup_user(user, &uid, &gid, err, errlen) == -1)
		fatalx("%s (create it, e.g. with etc/create-users.sh, or "
		    "name another with the 'user'/'keyd user' directive)",
		    err);
	if (uidp != NULL)
		*uidp = uid;
	if (gidp != NULL)
		*gidp = gid;
}
