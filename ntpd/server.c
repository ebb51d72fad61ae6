/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * Server side of the engine: answers mode 3 requests with mode 4.
 * Stateless towards clients apart from the bounded rate-limit table.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "engine.h"
#include "log.h"
#include "packet.h"
#include "ratelimit.h"
#include "restrict.h"

static struct ratelimit	*server_rl;

static uint32_t
kiss(const char *code)
{
	return (uint32_t)(uint8_t)code[0] << 24 |
	    (uint32_t)(uint8_t)code[1] << 16 |
	    (uint32_t)(uint8_t)code[2] << 8 | (uint32_t)(uint8_t)code[3];
}

static void
server_send(struct ntp_sock *ns, uint8_t *buf, size_t len,
    const struct sockaddr *to, socklen_t tolen)
{
	ssize_t n;

	n = sendto(ns->fd, buf, len, 0, to, tolen);
	if (n == (ssize_t)len)
		eng->cnt.tx++;
	else
		eng->cnt.tx_errors++;
}

int
server_restricted(const struct sockaddr *sa, uint32_t flag)
{
	return (restrict_flags(eng->restricts, eng->nrestricts, sa) &
	    flag) != 0;
}

void
server_recv(struct ntp_sock *ns, const uint8_t *req, size_t reqlen,
    const struct ntp_pkt *q, const struct sockaddr *from, socklen_t fromlen,
    ntp_ts t2)
{
	uint8_t buf[NTP_HDRLEN];
	struct ntp_pkt r;
	struct timespec ts;
	struct sysvars *sys = &eng->sys;
	enum rl_verdict v;
	uint32_t rflags;

	rflags = restrict_flags(eng->restricts, eng->nrestricts, from);
	if (rflags & (CONF_RES_IGNORE | CONF_RES_NOSERVE)) {
		eng->cnt.rx_restricted++;
		return;
	}
	/* notrust: only cryptographically authenticated requests. */
	if ((rflags & CONF_RES_NOTRUST) && !q->has_mac) {
		eng->cnt.rx_restricted++;
		return;
	}
	if (q->has_mac || q->extlen > 0) {
		/* Authenticated requests come with Autokey. */
		eng->cnt.rx_badmac++;
		return;
	}
	if (server_rl == NULL) {
		if ((server_rl = calloc(1, sizeof(*server_rl))) == NULL)
			fatal(NULL);
		ratelimit_init(server_rl);
	}

	memset(&r, 0, sizeof(r));
	if (rflags & CONF_RES_LIMITED) {
		v = ratelimit_check(server_rl, from, engine_mono(),
		    (rflags & CONF_RES_KOD) != 0);
		if (v == RL_LIMIT) {
			eng->cnt.rx_ratelimited++;
			return;
		}
		if (v == RL_LIMIT_KOD) {
			eng->cnt.rx_ratelimited++;
			eng->cnt.kod_sent++;
			r.leap = NTP_LI_ALARM;
			r.version = q->version;
			r.mode = NTP_MODE_SERVER;
			r.stratum = NTP_STRATUM_UNSPEC;
			r.poll = q->poll;
			r.precision = sys->precision;
			r.refid = kiss("RATE");
			r.org = q->xmt;
			r.rec = q->xmt;
			r.xmt = q->xmt;
			if (packet_build_header(&r, buf, sizeof(buf)) ==
			    NTP_HDRLEN)
				server_send(ns, buf, sizeof(buf), from,
				    fromlen);
			return;
		}
	}

	r.leap = sys->leap;
	r.version = q->version;
	r.mode = NTP_MODE_SERVER;
	r.stratum = sys->stratum;
	r.poll = q->poll < 4 ? 4 : q->poll > 17 ? 17 : q->poll;
	r.precision = sys->precision;
	r.rootdelay = ntp_short_from_double(sys->rootdelay);
	r.rootdisp = ntp_short_from_double(sys->rootdisp);
	r.refid = sys->refid;
	r.reftime = sys->reftime;
	r.org = q->xmt;
	r.rec = t2;
	/* The transmit timestamp as late as we can take it. */
	clock_gettime(CLOCK_REALTIME, &ts);
	r.xmt = ntp_ts_from_timespec(&ts);
	if (packet_build_header(&r, buf, sizeof(buf)) != NTP_HDRLEN)
		return;
	eng->cnt.server_replies++;
	server_send(ns, buf, sizeof(buf), from, fromlen);
}
