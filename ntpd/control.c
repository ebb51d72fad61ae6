/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * The control socket: ntpctl's read-only queries.  Each connection is
 * its own imsg link; a malformed or unknown request closes that
 * connection only (a local user must not be able to stop the daemon).
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "akglue.h"
#include "engine.h"
#include "keyd_client.h"
#include "log.h"

struct ctl_conn {
	struct imsgbuf	 ibuf;
	int		 used;
	int		 pfd_index;
};

static struct ctl_conn	 conns[ENGINE_MAX_CTL];

size_t
control_count(void)
{
	size_t i, n = 0;

	for (i = 0; i < ENGINE_MAX_CTL; i++)
		n += conns[i].used;
	return n;
}

void
control_accept(int lfd)
{
	size_t i;
	int fd;

	if ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) ==
	    -1) {
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			log_warn("control accept");
		return;
	}
	for (i = 0; i < ENGINE_MAX_CTL; i++)
		if (!conns[i].used)
			break;
	if (i == ENGINE_MAX_CTL || imsgbuf_init(&conns[i].ibuf, fd, 0) == -1) {
		close(fd);
		return;
	}
	conns[i].used = 1;
}

static void
control_close(struct ctl_conn *c)
{
	close(c->ibuf.fd);
	imsgbuf_clear(&c->ibuf);
	c->used = 0;
}

void
control_pollfds(struct pollfd *pfd, size_t *nfds, size_t max)
{
	size_t i;

	for (i = 0; i < ENGINE_MAX_CTL; i++) {
		conns[i].pfd_index = -1;
		if (!conns[i].used || *nfds >= max)
			continue;
		pfd[*nfds].fd = conns[i].ibuf.fd;
		pfd[*nfds].events = POLLIN |
		    (imsgbuf_queuelen(&conns[i].ibuf) ? POLLOUT : 0);
		pfd[*nfds].revents = 0;
		conns[i].pfd_index = (int)*nfds;
		(*nfds)++;
	}
}

static void
control_fill_status(struct ctl_status *st)
{
	const struct sysvars *sys = &eng->sys;

	memset(st, 0, sizeof(*st));
	st->synced = sys->synced;
	st->noclock = (eng->conf.flags & IPC_F_NOCLOCK) != 0;
	st->stratum = sys->stratum;
	st->leap = sys->leap;
	st->poll = sys->poll;
	st->precision = sys->precision;
	st->refid = sys->refid;
	st->offset = sys->offset;
	st->freq_ppm = sys->freq_ppm;
	st->jitter = sys->jitter;
	st->rootdelay = sys->rootdelay;
	st->rootdisp = sys->rootdisp;
	st->uptime = engine_mono() - eng->start;
	if (sys->syspeer != NULL) {
		st->syspeer_id = sys->syspeer->conf.id;
		strlcpy(st->syspeer, sys->syspeer->addrtxt,
		    sizeof(st->syspeer));
	}
	strlcpy(st->clock_action, sys->last_action, sizeof(st->clock_action));
	st->keyd_crypto = eng->keyd_status.crypto;
	st->keyd_served = eng->keyd_status.served;
	st->keyd_refused = eng->keyd_status.refused;
	sys_leap_status(st);
}

static void
control_fill_peer(const struct peer *p, struct ctl_peer *cp, double now)
{
	memset(cp, 0, sizeof(*cp));
	cp->id = p->conf.id;
	cp->kind = p->conf.kind;
	strlcpy(cp->name, p->conf.name, sizeof(cp->name));
	strlcpy(cp->addr, p->addrtxt, sizeof(cp->addr));
	cp->reach = p->reach;
	cp->poll = (int8_t)p->poll;
	cp->stratum = p->stratum;
	cp->leap = p->leap;
	cp->sel = p->sel;
	cp->auth = p->auth;
	strlcpy(cp->auth_reason, p->auth_reason, sizeof(cp->auth_reason));
	cp->refid = p->refid;
	cp->flags = p->conf.flags;
	cp->offset = p->offset;
	cp->delay = p->delay;
	cp->jitter = p->jitter;
	cp->disp = p->disp;
	cp->last_rx_age = p->last_rx > 0 ? now - p->last_rx : -1;
	cp->next_poll = p->next - now;
	cp->sent = p->sent;
	cp->rcvd = p->rcvd;
	akglue_fill_peer(p, cp);
}

static int
control_request(struct ctl_conn *c, struct imsg *imsg)
{
	struct ctl_status st;
	struct ctl_peer cp;
	const struct peer *p;
	double now = engine_mono();

	if (imsg->fd != -1) {
		close(imsg->fd);
		return -1;
	}
	if (imsg_expect_len(imsg, 0) == -1)
		return -1;
	eng->cnt.ctl_requests++;
	switch (imsg->hdr.type) {
	case IMSG_CTL_SHOW_STATUS:
		control_fill_status(&st);
		if (imsg_compose(&c->ibuf, IMSG_CTL_STATUS, 0, 0, -1, &st,
		    sizeof(st)) == -1)
			return -1;
		break;
	case IMSG_CTL_SHOW_PEERS:
		TAILQ_FOREACH(p, &eng->peers, entry) {
			control_fill_peer(p, &cp, now);
			if (imsg_compose(&c->ibuf, IMSG_CTL_PEER, 0, 0, -1,
			    &cp, sizeof(cp)) == -1)
				return -1;
		}
		break;
	case IMSG_CTL_SHOW_COUNTERS:
		if (imsg_compose(&c->ibuf, IMSG_CTL_COUNTERS, 0, 0, -1,
		    &eng->cnt, sizeof(eng->cnt)) == -1)
			return -1;
		break;
	case IMSG_CTL_SHOW_CERTS: {
		/* the host's certificate list, newest first (akglue.c) */
		struct ctl_cert certs[16];
		size_t i, n;

		n = akglue_certs(certs, sizeof(certs) / sizeof(certs[0]));
		for (i = 0; i < n; i++)
			if (imsg_compose(&c->ibuf, IMSG_CTL_CERT, 0, 0, -1,
			    &certs[i], sizeof(certs[i])) == -1)
				return -1;
		break;
	}
	case IMSG_CTL_SHOW_KEYD: {
		/* keyd's stats as last fetched (keyd_client.c, every 5 s) */
		static struct ipc_keyd_stats ks;

		if (keyd_stats() != NULL)
			memcpy(&ks, keyd_stats(), sizeof(ks));
		else
			memset(&ks, 0, sizeof(ks));
		if (imsg_compose(&c->ibuf, IMSG_CTL_KEYD, 0, 0, -1, &ks,
		    sizeof(ks)) == -1)
			return -1;
		break;
	}
	default:
		return -1;
	}
	if (imsg_compose(&c->ibuf, IMSG_CTL_END, 0, 0, -1, NULL, 0) == -1)
		return -1;
	return 0;
}

void
control_dispatch(struct pollfd *pfd)
{
	struct ctl_conn *c;
	struct imsg imsg;
	struct pollfd *f;
	size_t i;
	ssize_t r;
	int bad;

	for (i = 0; i < ENGINE_MAX_CTL; i++) {
		c = &conns[i];
		if (!c->used || c->pfd_index < 0)
			continue;
		f = &pfd[c->pfd_index];
		bad = 0;
		if (f->revents & POLLOUT && imsgbuf_write(&c->ibuf) == -1)
			bad = 1;
		if (!bad && f->revents & (POLLIN | POLLHUP)) {
			r = imsgbuf_read(&c->ibuf);
			if (r == 0 || (r == -1 && errno != EAGAIN))
				bad = 1;
			while (!bad) {
				r = imsg_get(&c->ibuf, &imsg);
				if (r == 0)
					break;
				if (r == -1 || control_request(c, &imsg) == -1)
					bad = 1;
				if (r > 0)
					imsg_free(&imsg);
			}
		}
		if (!bad && imsgbuf_queuelen(&c->ibuf) > 0 &&
		    imsgbuf_write(&c->ibuf) == -1)
			bad = 1;
		if (bad)
			control_close(c);
	}
}
