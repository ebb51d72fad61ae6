/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * Names the engine keeps resolving, through the resolver process
 * (resolver.c): every `pool`, and each `server` whose name did not
 * resolve when the parent started.  The parent sends them as
 * IMSG_CONF_NAME.
 *
 * A name is asked for again when it has fewer live associations than
 * it wants (a pool POOL_WANT, a server one).  An association is dead
 * when its reach register is 0 after at least POOL_DEAD_POLLS polls.
 * New addresses from the answer first take over dead associations of
 * the same name (the struct peer is re-aimed, not freed, so nothing
 * that points at it can dangle), then become new ones.  Requests back
 * off from POOL_RETRY_MIN to POOL_RETRY_MAX while a name stays short;
 * one request is in flight at a time.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "config.h"
#include "engine.h"
#include "filter.h"
#include "log.h"
#include "pool.h"

#define POOL_WANT		4	/* associations a pool keeps */
#define POOL_DEAD_POLLS		8	/* polls with reach 0: dead */
#define POOL_RETRY_MIN		5.0	/* s, first retry */
#define POOL_RETRY_MAX		3600.0	/* s */
#define POOL_MAX_NAMES		64	/* as CONF_MAX_PEERS */

struct pool_name {
	TAILQ_ENTRY(pool_name)	 entry;
	struct ipc_conf_name	 c;
	uint32_t		 tag;		/* request in flight; 0 none */
	double			 next;		/* monotonic: next request */
	double			 backoff;	/* s */
	unsigned int		 tries;
};

static TAILQ_HEAD(, pool_name) pool_names = TAILQ_HEAD_INITIALIZER(pool_names);
static size_t			 pool_nnames;
static struct imsgbuf		 pool_ibuf;
static int			 pool_have_fd;
static uint32_t			 pool_lasttag;
static int			 pool_busy;	/* a request is in flight */

void
pool_conf_name(struct imsg *imsg)
{
	struct pool_name *pn;

	if (pool_nnames >= POOL_MAX_NAMES)
		fatalx("parent sent too many CONF_NAME");
	if ((pn = calloc(1, sizeof(*pn))) == NULL)
		fatal(NULL);
	if (imsg_get_data(imsg, &pn->c, sizeof(pn->c)) == -1 ||
	    (pn->c.peer.kind != CONF_MODE_SERVER &&
	    pn->c.peer.kind != CONF_MODE_POOL) ||
	    (pn->c.family != AF_UNSPEC && pn->c.family != AF_INET &&
	    pn->c.family != AF_INET6))
		fatalx("parent sent a bad CONF_NAME");
	pn->c.peer.name[sizeof(pn->c.peer.name) - 1] = '\0';
	pn->c.peer.ident[sizeof(pn->c.peer.ident) - 1] = '\0';
	if (pn->c.peer.name[0] == '\0')
		fatalx("parent sent a CONF_NAME without a name");
	/* The parent has just tried: not again at once. */
	pn->backoff = POOL_RETRY_MIN;
	pn->next = engine_mono() + POOL_RETRY_MIN;
	TAILQ_INSERT_TAIL(&pool_names, pn, entry);
	pool_nnames++;
}

void
pool_set_fd(int fd)
{
	if (pool_have_fd)
		fatalx("parent sent a second resolver link");
	if (imsgbuf_init(&pool_ibuf, fd, 0) == -1)
		fatal("imsgbuf_init");
	pool_have_fd = 1;
}

void
pool_pollfd(struct pollfd *pfd)
{
	pfd->fd = pool_have_fd ? pool_ibuf.fd : -1;
	pfd->events = POLLIN |
	    (pool_have_fd && imsgbuf_queuelen(&pool_ibuf) ? POLLOUT : 0);
	pfd->revents = 0;
}

static int
pool_ours(const struct pool_name *pn, const struct peer *p)
{
	return p->conf.kind == pn->c.peer.kind &&
	    strcmp(p->conf.name, pn->c.peer.name) == 0;
}

static int
pool_dead(const struct peer *p)
{
	return p->reach == 0 && p->sent >= POOL_DEAD_POLLS &&
	    p != eng->sys.syspeer;
}

static size_t
pool_want(const struct pool_name *pn)
{
	return pn->c.peer.kind == CONF_MODE_POOL ? POOL_WANT : 1;
}

static size_t
pool_alive(const struct pool_name *pn)
{
	const struct peer *p;
	size_t n = 0;

	TAILQ_FOREACH(p, &eng->peers, entry)
		if (pool_ours(pn, p) && !pool_dead(p))
			n++;
	return n;
}

static int
pool_sock_for(int family)
{
	size_t i;

	for (i = 0; i < eng->nsocks; i++)
		if (eng->socks[i].local.ss_family == family)
			return (int)i;
	return -1;
}

static uint32_t
pool_next_id(void)
{
	const struct peer *p;
	uint32_t id = 0;

	TAILQ_FOREACH(p, &eng->peers, entry)
		if (p->conf.id > id)
			id = p->conf.id;
	return id + 1;
}

/* Aim a dead association at a new address, as if it were new. */
static void
pool_reaim(struct peer *p, const struct sockaddr_storage *ss,
    socklen_t len, int sock, double now)
{
	char host[INET6_ADDRSTRLEN], port[8];

	log_info("%s: replacing unreachable %s", p->conf.name, p->addrtxt);
	memset(&p->conf.addr, 0, sizeof(p->conf.addr));
	memcpy(&p->conf.addr, ss, len);
	p->conf.addrlen = len;
	if (getnameinfo((const struct sockaddr *)ss, len, host, sizeof(host),
	    port, sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		strlcpy(p->addrtxt, "?", sizeof(p->addrtxt));
	else if (ss->ss_family == AF_INET6)
		snprintf(p->addrtxt, sizeof(p->addrtxt), "[%s]:%s", host,
		    port);
	else
		snprintf(p->addrtxt, sizeof(p->addrtxt), "%s:%s", host, port);
	p->sock = sock;
	p->outstanding = 0;
	p->reach = 0;
	p->unreach = 0;
	p->poll = p->conf.minpoll;
	p->burst = (p->conf.flags & CONF_PEER_IBURST) ? 8 : 0;
	p->next = now + 0.1 + (double)randombytes_uniform(500) / 1e3;
	p->leap = p->stratum = 0;
	p->refid = 0;
	p->last_rx = 0;
	p->have_sample = 0;
	p->offset = p->delay = p->disp = p->jitter = 0;
	p->sel = PEER_SEL_NONE;
	p->sent = p->rcvd = 0;
	filter_init(p->filter, now);
}

static void
pool_answer(struct pool_name *pn, const struct ipc_resolved *r)
{
	struct ipc_conf_peer c;
	struct peer *p, *dead;
	size_t alive, want, added = 0;
	uint32_t i;
	double now = engine_mono();
	int sock;

	pn->tag = 0;
	pn->tries++;
	want = pool_want(pn);
	alive = pool_alive(pn);
	if (r->error != 0) {
		pn->next = now + pn->backoff;
		log_info("cannot resolve %s (line %u): %s; retrying in %.0f s",
		    pn->c.peer.name, pn->c.line, r->reason, pn->backoff);
		if ((pn->backoff *= 2) > POOL_RETRY_MAX)
			pn->backoff = POOL_RETRY_MAX;
		return;
	}
	for (i = 0; i < r->naddrs && alive < want; i++) {
		const struct sockaddr *sa =
		    (const struct sockaddr *)&r->addrs[i];

		if (r->addrlens[i] > sizeof(r->addrs[i]) ||
		    (sa->sa_family != AF_INET && sa->sa_family != AF_INET6))
			fatalx("resolver sent a bad address");
		/* Already an association, of this name or another. */
		if (client_find(sa, r->addrlens[i]) != NULL)
			continue;
		if ((sock = pool_sock_for(sa->sa_family)) == -1)
			continue;
		dead = NULL;
		TAILQ_FOREACH(p, &eng->peers, entry)
			if (pool_ours(pn, p) && pool_dead(p)) {
				dead = p;
				break;
			}
		if (dead != NULL)
			pool_reaim(dead, &r->addrs[i], r->addrlens[i], sock,
			    now);
		else {
			c = pn->c.peer;
			c.id = pool_next_id();
			memset(&c.addr, 0, sizeof(c.addr));
			memcpy(&c.addr, &r->addrs[i], r->addrlens[i]);
			c.addrlen = r->addrlens[i];
			p = client_peer_new(&c);
			p->sock = sock;
			log_info("%s: new association %u with %s",
			    c.name, c.id, p->addrtxt);
		}
		alive++;
		added++;
	}
	log_debug("%s resolved again: %u address(es), %zu taken, %zu of %zu "
	    "alive", pn->c.peer.name, r->naddrs, added, alive, want);
	if (alive >= want)
		pn->backoff = POOL_RETRY_MIN;
	else if ((pn->backoff *= 2) > POOL_RETRY_MAX)
		pn->backoff = POOL_RETRY_MAX;
	pn->next = now + pn->backoff;
}

void
pool_dispatch(const struct pollfd *pfd)
{
	struct imsg imsg;
	struct ipc_resolved r;
	struct pool_name *pn;
	ssize_t n;

	if (!pool_have_fd)
		return;
	if (pfd->revents & POLLOUT && imsgbuf_write(&pool_ibuf) == -1)
		fatal("resolver pipe write");
	if (!(pfd->revents & (POLLIN | POLLHUP | POLLERR)))
		return;
	if ((n = imsgbuf_read(&pool_ibuf)) == -1 && errno != EAGAIN)
		fatal("resolver pipe");
	if (n == 0)
		fatalx("resolver went away");
	for (;;) {
		if ((n = imsg_get(&pool_ibuf, &imsg)) == -1)
			fatalx("resolver pipe: bad message");
		if (n == 0)
			return;
		if (imsg.fd != -1)
			fatalx("resolver sent an unexpected descriptor");
		if (imsg.hdr.type != IMSG_RESOLVED ||
		    imsg_get_data(&imsg, &r, sizeof(r)) == -1 ||
		    r.naddrs > IPC_RESOLVE_MAX)
			fatalx("resolver sent a bad %s",
			    ipc_type_name(imsg.hdr.type));
		r.reason[sizeof(r.reason) - 1] = '\0';
		TAILQ_FOREACH(pn, &pool_names, entry)
			if (pn->tag != 0 && pn->tag == r.id)
				break;
		if (pn == NULL)
			fatalx("resolver answered a question never asked");
		pool_busy = 0;
		pool_answer(pn, &r);
		imsg_free(&imsg);
	}
}

void
pool_timers(double now)
{
	struct pool_name *pn;
	struct ipc_resolve q;

	if (!pool_have_fd || pool_busy)
		return;
	TAILQ_FOREACH(pn, &pool_names, entry) {
		if (now < pn->next || pool_alive(pn) >= pool_want(pn))
			continue;
		memset(&q, 0, sizeof(q));
		if (++pool_lasttag == 0)
			pool_lasttag = 1;
		q.id = pn->tag = pool_lasttag;
		q.family = pn->c.family;
		q.port = pn->c.port;
		strlcpy(q.name, pn->c.peer.name, sizeof(q.name));
		if (imsg_compose(&pool_ibuf, IMSG_RESOLVE, 0, 0, -1, &q,
		    sizeof(q)) == -1)
			fatal("imsg_compose");
		pool_busy = 1;
		log_debug("asking the resolver for %s", q.name);
		/* Round robin: the next call starts after this one. */
		TAILQ_REMOVE(&pool_names, pn, entry);
		TAILQ_INSERT_TAIL(&pool_names, pn, entry);
		return;
	}
}
