/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * Client side of the engine: one struct peer per configured server
 * address.  Sends mode 3 requests on the poll schedule, checks each
 * response against what we asked (RFC 5905 section 8 tests) and feeds
 * the clock filter; sys.c then selects and disciplines.
 *
 * Symmetric mode (RFC 5905 modes 1 and 2, `peer` lines) is not
 * implemented yet: the parent refuses such a configuration.  How it
 * will fit here:
 * - A `peer` is a struct peer like a server's (kind CONF_PEER), polled
 *   on the same schedule, but it sends mode 1 and must answer mode 1 or
 *   2 packets that arrive on the peer's own schedule.  So the peer keeps
 *   two more timestamps: the peer's last transmit time and our receive
 *   time of it; they become org and rec of our next packet (a client
 *   leaves them 0).  The offset/delay arithmetic below is unchanged:
 *   T1 = org, T2 = rec, T3 = xmt of the packet, T4 = our receive time.
 * - Matching stays "org equals our last xmt" (the bogus test), plus
 *   the RFC's duplicate test (xmt equal to the last one seen), which a
 *   client gets for free by clearing `outstanding`.
 * - Mode 1 from an address with no association would mobilise a
 *   passive (mode 2) ephemeral association, only if restrict allows
 *   it (no `nopeer`) and the packet is authenticated (Autokey), as the
 *   reference requires, with a small cap on their number; they are
 *   freed after some polls with reach 0 (as pool.c judges a dead
 *   association).  engine_packet() routes modes 1 and 2 to
 *   client_find() first, then to that mobilisation.
 * - Selection treats a peer like a server, except the loop test: a
 *   peer whose refid is our own address is synchronised to us.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "akglue.h"
#include "config.h"
#include "engine.h"
#include "filter.h"
#include "log.h"
#include "packet.h"
#include "secmem.h"



#define CLIENT_BURST		8	/* iburst: packets at start */
#define CLIENT_BURST_GAP	2.0	/* s between them, as the reference */
#define CLIENT_PRECISION	1e-6	/* s: our own clock reading */

static int
sockaddr_equal(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return 0;
	if (a->sa_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a;
		const struct sockaddr_in *y = (const void *)b;

		return x->sin_port == y->sin_port &&
		    x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->sa_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a;
		const struct sockaddr_in6 *y = (const void *)b;

		return x->sin6_port == y->sin6_port &&
		    memcmp(&x->sin6_addr, &y->sin6_addr,
		    sizeof(x->sin6_addr)) == 0;
	}
	return 0;
}

struct peer *
client_peer_new(const struct ipc_conf_peer *c)
{
	struct peer *p;
	char host[INET6_ADDRSTRLEN], port[8];

	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->filter = calloc(1, sizeof(struct clock_filter))) == NULL)
		fatal(NULL);
	p->conf = *c;
	if (getnameinfo((const struct sockaddr *)&c->addr, c->addrlen, host,
	    sizeof(host), port, sizeof(port),
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		strlcpy(p->addrtxt, "?", sizeof(p->addrtxt));
	else if (c->addr.ss_family == AF_INET6)
		snprintf(p->addrtxt, sizeof(p->addrtxt), "[%s]:%s", host,
		    port);
	else
		snprintf(p->addrtxt, sizeof(p->addrtxt), "%s:%s", host, port);
	p->sock = -1;
	p->poll = c->minpoll;
	p->burst = (c->flags & CONF_PEER_IBURST) ? CLIENT_BURST : 0;
	/* Spread the first requests a little. */
	p->next = engine_mono() + 0.1 + (double)randombytes_uniform(500) / 1e3;
	p->auth = (c->flags & CONF_PEER_AUTOKEY) ? PEER_AUTH_PENDING :
	    PEER_AUTH_NONE;
	if (p->auth == PEER_AUTH_PENDING)
		akglue_peer_init(p);
	filter_init(p->filter, engine_mono());
	TAILQ_INSERT_TAIL(&eng->peers, p, entry);
	eng->npeers++;
	return p;
}

/* Once the sockets are known: each peer sends from one of its family. */
void
client_bind_sockets(void)
{
	struct peer *p;
	size_t i;

	for (p = TAILQ_FIRST(&eng->peers); p != NULL;
	    p = TAILQ_NEXT(p, entry)) {
		for (i = 0; i < eng->nsocks; i++)
			if (eng->socks[i].local.ss_family ==
			    p->conf.addr.ss_family) {
				p->sock = (int)i;
				break;
			}
		if (p->sock == -1)
			log_warnx("%s: no socket of its address family; "
			    "add a 'listen on' address", p->addrtxt);
	}
}

/* Match a response to its association by source address and port. */
struct peer *
client_find(const struct sockaddr *sa, socklen_t len)
{
	struct peer *p;

	for (p = TAILQ_FIRST(&eng->peers); p != NULL;
	    p = TAILQ_NEXT(p, entry))
		if (sockaddr_equal(sa, (const struct sockaddr *)&p->conf.addr))
			return p;
	return NULL;
}

static void
client_schedule(struct peer *p, double now)
{
	double interval;

	if (p->burst > 0) {
		interval = CLIENT_BURST_GAP;
		p->burst--;
	} else {
		/* Up to 1/8 random jitter so that clients do not line up. */
		interval = ldexp(1.0, p->poll);
		interval += interval / 8.0 *
		    ((double)randombytes_uniform(1000) / 1000.0);
	}
	p->next = now + interval;
}

/* Our address bytes towards p, as the parent found them, or NULL. */
static const uint8_t *
client_local_bytes(const struct peer *p)
{
	const struct sockaddr_storage *ss = &p->conf.local;

	if (ss->ss_family == AF_INET)
		return (const uint8_t *)&((const struct sockaddr_in *)
		    (const void *)ss)->sin_addr;
	if (ss->ss_family == AF_INET6)
		return (const uint8_t *)&((const struct sockaddr_in6 *)
		    (const void *)ss)->sin6_addr;
	return NULL;
}

void
client_send(struct peer *p, double now)
{
	uint8_t buf[NTP_MAXPKT];
	struct ntp_pkt pkt;
	struct timespec ts;
	ssize_t n;
	size_t len = NTP_HDRLEN;
	int code = 0;

	if (p->sock == -1) {
		/* No socket of that family: count as a failed poll. */
		p->reach <<= 1;
		client_schedule(p, now);
		return;
	}
	if (p->outstanding) {
		/* The previous request was never answered. */
		p->unreach++;
	}
	memset(&pkt, 0, sizeof(pkt));
	pkt.leap = NTP_LI_ALARM;
	pkt.version = (uint8_t)(p->conf.version ? p->conf.version :
	    NTP_VERSION);
	pkt.mode = NTP_MODE_CLIENT;
	pkt.poll = (int8_t)p->poll;
	pkt.precision = -20;
	clock_gettime(CLOCK_REALTIME, &ts);
	/*
	 * The transmit timestamp is our cookie for matching the answer:
	 * its low bits, below our precision, are random so that an
	 * off-path attacker cannot guess it.
	 */
	pkt.xmt = ntp_ts_from_timespec(&ts);
	pkt.xmt = (pkt.xmt & ~(ntp_ts)0xfff) |
	    (ntp_ts)(randombytes_uniform(0x1000));
	if (packet_build_header(&pkt, buf, sizeof(buf)) != NTP_HDRLEN)
		fatalx("packet_build_header");
	if (p->ak != NULL) {
		/* Autokey: the next request and the MAC (akglue.c). */
		if ((len = akglue_client_build(p, buf, sizeof(buf), now,
		    &code)) == 0) {
			if (code == -2)
				p->next = now + 0.05;	/* keyd first */
			else
				client_schedule(p, now);
			return;
		}
	}
	p->reach <<= 1;
	/* Autokey on a wildcard socket: leave from the address its
	 * session keys were made with. */
	n = engine_sendfrom(&eng->socks[p->sock], buf, len,
	    (struct sockaddr *)&p->conf.addr, p->conf.addrlen,
	    p->conf.local.ss_family, p->ak != NULL ? client_local_bytes(p) :
	    NULL);
	if (n != (ssize_t)len) {
		eng->cnt.tx_errors++;
		log_debug("send to %s: %s", p->addrtxt,
		    n == -1 ? strerror(errno) : "short write");
	} else {
		eng->cnt.tx++;
		p->sent++;
	}
	p->xmt = pkt.xmt;
	p->t1 = (double)ts.tv_sec + ts.tv_nsec / 1e9;
	p->outstanding = 1;
	if (p->ak != NULL)
		akglue_client_sent(p, code, now);
	if (p->ak != NULL && code > 0)
		p->next = akglue_client_next(p);	/* fast exchange */
	else
		client_schedule(p, now);
	if (p->reach == 0 && p->have_sample && p->unreach >= 8) {
		/* Eight polls without an answer: the peer is gone. */
		log_info("peer %s unreachable", p->addrtxt);
		p->have_sample = 0;
		p->sel = PEER_SEL_NONE;
		sys_peer_update(p, now);
	}
}

static int
kiss_code(uint32_t refid, const char *code)
{
	char c[5];

	c[0] = (char)(refid >> 24);
	c[1] = (char)(refid >> 16);
	c[2] = (char)(refid >> 8);
	c[3] = (char)refid;
	c[4] = '\0';
	return strcmp(c, code) == 0;
}

/* Autokey: verify, run the exchange, reschedule.  Returns AKG_*. */
static int
client_autokey(struct peer *p, const uint8_t *buf, const struct ntp_pkt *pkt,
    double now)
{
	double next;
	int v;

	v = akglue_client_recv(p, buf, pkt, now);
	next = akglue_client_next(p);
	if (next >= 0)
		p->next = next;
	else if (next == AKG_NEXT_RESUME)
		client_schedule(p, now);
	return v;
}

void
client_recv(struct peer *p, const uint8_t *buf, const struct ntp_pkt *pkt,
    ntp_ts t4, double now)
{
	struct filter_sample s;
	struct filter_params fp;
	struct filter_out fo;
	double t1, t2, t3, t4d, offset, delay;
	int was_synced, ak = AKG_USABLE;

	/* Only an answer to our outstanding request counts (bogus test). */
	if (!p->outstanding || pkt->org != p->xmt) {
		eng->cnt.rx_bogus++;
		return;
	}
	if (p->ak != NULL) {
		/*
		 * Autokey: the MAC before anything else, so that a forged
		 * answer neither takes the place of the real one nor acts
		 * as a KoD.  An unauthenticated KoD may only slow us down.
		 */
		if (pkt->stratum == NTP_STRATUM_UNSPEC && !pkt->has_mac) {
			if (!kiss_code(pkt->refid, "RATE")) {
				eng->cnt.rx_bogus++;
				return;
			}
		} else if ((ak = client_autokey(p, buf, pkt, now)) ==
		    AKG_DROP)
			return;
	}
	p->outstanding = 0;
	p->rcvd++;
	if (ak == AKG_PENDING && pkt->stratum != NTP_STRATUM_UNSPEC) {
		/* Reachable, but no time from a server not proven yet. */
		p->reach |= 1;
		p->unreach = 0;
		return;
	}
	if (pkt->stratum == NTP_STRATUM_UNSPEC) {
		/* Kiss-o'-Death. */
		if (kiss_code(pkt->refid, "RATE")) {
			if (p->poll < p->conf.maxpoll)
				p->poll++;
			p->burst = 0;
			if (p->ak != NULL)	/* also ends a fast exchange */
				p->next = now + ldexp(1.0, p->poll);
			log_info("%s: rate limited (KoD RATE), poll now %d",
			    p->addrtxt, p->poll);
		} else if (kiss_code(pkt->refid, "DENY") ||
		    kiss_code(pkt->refid, "RSTR")) {
			log_warnx("%s: access denied (KoD), stop polling",
			    p->addrtxt);
			p->next = now + 1e9;
		}
		return;
	}
	p->reach |= 1;
	p->unreach = 0;
	p->last_rx = now;
	p->leap = pkt->leap;
	p->stratum = pkt->stratum;
	p->version = pkt->version;
	p->ppoll = pkt->poll;
	p->precision = pkt->precision;
	p->refid = pkt->refid;
	p->rootdelay = ntp_short_to_double(pkt->rootdelay);
	p->rootdisp = ntp_short_to_double(pkt->rootdisp);
	if (pkt->leap == NTP_LI_ALARM || pkt->stratum >= NTP_STRATUM_MAX) {
		/* Reachable but not synchronised: no sample. */
		return;
	}
	if (pkt->rec == 0 || pkt->xmt == 0 ||
	    p->rootdelay / 2 + p->rootdisp >= CLK_MAXDISP) {
		eng->cnt.rx_bogus++;
		return;
	}
	t1 = 0;
	t2 = ntp_ts_diff(pkt->rec, p->xmt);
	t3 = ntp_ts_diff(pkt->xmt, p->xmt);
	t4d = ntp_ts_diff(t4, p->xmt);
	offset = ((t2 - t1) + (t3 - t4d)) / 2.0;
	delay = (t4d - t1) - (t3 - t2);
	if (delay < CLIENT_PRECISION)
		delay = CLIENT_PRECISION;
	filter_params_init(&fp);
	fp.precision = CLIENT_PRECISION;
	fp.poll_interval = ldexp(1.0, p->poll);
	s.offset = offset;
	s.delay = delay;
	s.disp = ldexp(1.0, pkt->precision) + CLIENT_PRECISION +
	    CLK_PHI * (t4d - t1);
	s.t = now;
	filter_add(p->filter, &s, &fp, now, &fo);
	/*
	 * RFC 5905 clock_filter(): an old best sample is skipped only
	 * while the system is synchronised; before that every response
	 * runs the system process, so start-up is not held up by a
	 * lucky low-delay first sample.
	 */
	if (fo.result == FILTER_NOVALID || fo.result == FILTER_POPCORN ||
	    (fo.result == FILTER_OLD && eng->sys.synced))
		return;
	p->have_sample = 1;
	p->offset = fo.offset;
	p->delay = fo.delay;
	p->disp = fo.disp;
	p->jitter = fo.jitter;
	p->sample_t = fo.t;
	log_debug("%s: offset %+.6f delay %.6f jitter %.6f", p->addrtxt,
	    p->offset, p->delay, p->jitter);
	was_synced = eng->sys.synced;
	sys_peer_update(p, now);
	if (!was_synced && eng->sys.synced)
		akglue_client_synced();		/* Autokey SIGN, LEAP */
}

double
client_next_timeout(double now)
{
	struct peer *p;
	double t = 3600;

	for (p = TAILQ_FIRST(&eng->peers); p != NULL;
	    p = TAILQ_NEXT(p, entry))
		if (p->next - now < t)
			t = p->next - now;
	return t;
}

void
client_timers(double now)
{
	struct peer *p;

	for (p = TAILQ_FIRST(&eng->peers); p != NULL;
	    p = TAILQ_NEXT(p, entry))
		if (now >= p->next)
			client_send(p, now);
}
