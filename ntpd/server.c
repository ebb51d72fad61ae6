/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * Server side of the engine: answers mode 3 requests with mode 4.
 * Stateless towards clients apart from the bounded rate-limit table.
 *
 * This is the hot path under load, so it allocates nothing per packet
 * and logs nothing.  Responses are built into a fixed queue and sent
 * with one sendmmsg(2) per SERVER_TXBATCH datagrams by server_flush(),
 * which the receive loop calls after each batch it has read.  The
 * transmit timestamp is written into each queued response just before
 * that call, so it is as late as one clock reading per batch allows.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "akglue.h"
#include "config.h"
#include "engine.h"
#include "log.h"
#include "packet.h"
#include "ratelimit.h"
#include "restrict.h"

/*
 * Eight: at most seven responses wait behind one clock reading, which
 * under full load keeps T3 within a few microseconds of the datagram
 * leaving, while the system call cost is still mostly amortised.
 */
#define SERVER_TXBATCH	8
#define SERVER_XMT_OFF	40	/* transmit timestamp in the header */

struct server_txq {
	struct ntp_sock		*ns;
	unsigned int		 n;
	struct mmsghdr		 mm[SERVER_TXBATCH];
	struct iovec		 iov[SERVER_TXBATCH];
	struct sockaddr_storage	 to[SERVER_TXBATCH];
	uint8_t			 stamp[SERVER_TXBATCH];	/* 1: set T3 */
	uint8_t			 buf[SERVER_TXBATCH][NTP_HDRLEN];
};

static struct ratelimit	*server_rl;
static struct server_txq server_txq;

static uint32_t
kiss(const char *code)
{
	return (uint32_t)(uint8_t)code[0] << 24 |
	    (uint32_t)(uint8_t)code[1] << 16 |
	    (uint32_t)(uint8_t)code[2] << 8 | (uint32_t)(uint8_t)code[3];
}

/*
 * Send what is queued.  sendmmsg() stops at the first datagram the
 * kernel refuses; that one is counted as an error and skipped, as a
 * failed sendto() of it alone would have been.
 */
void
server_flush(void)
{
	struct server_txq *q = &server_txq;
	struct timespec ts;
	ntp_ts t3;
	unsigned int i, off;
	int n;

	if (q->n == 0)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	t3 = ntp_ts_from_timespec(&ts);
	for (i = 0; i < q->n; i++)
		if (q->stamp[i])
			ntp_ts_put(q->buf[i] + SERVER_XMT_OFF, t3);
	for (off = 0; off < q->n; ) {
		n = sendmmsg(q->ns->fd, q->mm + off, q->n - off, 0);
		if (n > 0) {
			eng->cnt.tx += (uint64_t)n;
			off += (unsigned int)n;
		} else {
			eng->cnt.tx_errors++;
			off++;
		}
	}
	q->n = 0;
}

/*
 * The next free response buffer of the queue for socket ns, addressed
 * to "to"; the caller fills it.  A full queue, or one for another
 * socket, is sent first.
 */
static uint8_t *
server_txq_add(struct ntp_sock *ns, const struct sockaddr *to,
    socklen_t tolen, int stamp)
{
	struct server_txq *q = &server_txq;
	unsigned int i;

	if (q->n == SERVER_TXBATCH || (q->n > 0 && q->ns != ns))
		server_flush();
	if (tolen > sizeof(q->to[0]))
		return NULL;
	q->ns = ns;
	i = q->n;
	memcpy(&q->to[i], to, tolen);
	q->iov[i].iov_base = q->buf[i];
	q->iov[i].iov_len = NTP_HDRLEN;
	memset(&q->mm[i], 0, sizeof(q->mm[i]));
	q->mm[i].msg_hdr.msg_name = &q->to[i];
	q->mm[i].msg_hdr.msg_namelen = tolen;
	q->mm[i].msg_hdr.msg_iov = &q->iov[i];
	q->mm[i].msg_hdr.msg_iovlen = 1;
	q->stamp[i] = (uint8_t)stamp;
	return q->buf[i];
}

/* Queue a built header; a failed build leaves the slot unused. */
static int
server_queue(struct ntp_sock *ns, const struct ntp_pkt *r,
    const struct sockaddr *to, socklen_t tolen, int stamp)
{
	uint8_t *buf;

	if ((buf = server_txq_add(ns, to, tolen, stamp)) == NULL)
		return -1;
	if (packet_build_header(r, buf, NTP_HDRLEN) != NTP_HDRLEN)
		return -1;
	server_txq.n++;
	return 0;
}

/* No restrict lines (the common case on a plain server): no lookup. */
static uint32_t
server_rflags(const struct sockaddr *sa)
{
	if (eng->nrestricts == 0)
		return 0;
	return restrict_flags(eng->restricts, eng->nrestricts, sa);
}

int
server_restricted(const struct sockaddr *sa, uint32_t flag)
{
	return (server_rflags(sa) & flag) != 0;
}

/*
 * Answer one mode 3 request.  The response is queued: the caller calls
 * server_flush() once it has handled the batch this request came in.
 */
void
server_recv(struct ntp_sock *ns, const uint8_t *req, size_t reqlen,
    const struct ntp_pkt *q, const struct sockaddr *from, socklen_t fromlen,
    ntp_ts t2)
{
	struct ntp_pkt r;
	struct sysvars *sys = &eng->sys;
	enum rl_verdict v;
	uint32_t rflags;

	rflags = server_rflags(from);
	if (rflags & (CONF_RES_IGNORE | CONF_RES_NOSERVE)) {
		eng->cnt.rx_restricted++;
		return;
	}
	/*
	 * notrust: only cryptographically authenticated requests, i.e.
	 * Autokey ones whose MAC verifies (akglue_server_recv()).
	 */
	if ((rflags & CONF_RES_NOTRUST) && !q->has_mac) {
		eng->cnt.rx_restricted++;
		return;
	}
	if (q->extlen > 0 && !q->has_mac) {
		/* Extension fields come with a MAC (spec 2.1). */
		eng->cnt.rx_badext++;
		return;
	}

	memset(&r, 0, sizeof(r));
	if (rflags & CONF_RES_LIMITED) {
		if (server_rl == NULL) {
			if ((server_rl = calloc(1, sizeof(*server_rl))) ==
			    NULL)
				fatal(NULL);
			ratelimit_init(server_rl);
		}
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
			(void)server_queue(ns, &r, from, fromlen, 0);
			return;
		}
	}

	if (q->has_mac) {
		/*
		 * Autokey (akglue.c): verified, answered and sent there,
		 * after what is queued here so that order is kept.
		 */
		server_flush();
		if (akglue_server_recv(ns, req, q, from, fromlen, t2) == -1)
			eng->cnt.rx_badmac++;	/* no key of that kind */
		return;
	}
	server_header(q, t2, &r);
	/* r.xmt is written by server_flush(), just before sending. */
	if (server_queue(ns, &r, from, fromlen, 1) == 0)
		eng->cnt.server_replies++;
}

/* The reply header for request q received at t2 (xmt left 0). */
void
server_header(const struct ntp_pkt *q, ntp_ts t2, struct ntp_pkt *r)
{
	const struct sysvars *sys = &eng->sys;

	memset(r, 0, sizeof(*r));
	r->leap = sys->leap;
	r->version = q->version;
	r->mode = NTP_MODE_SERVER;
	r->stratum = sys->stratum;
	r->poll = q->poll < 4 ? 4 : q->poll > 17 ? 17 : q->poll;
	r->precision = sys->precision;
	r->rootdelay = ntp_short_from_double(sys->rootdelay);
	r->rootdisp = ntp_short_from_double(sys->rootdisp);
	r->refid = sys->refid;
	r->reftime = sys->reftime;
	r->org = q->xmt;
	r->rec = t2;
}
