/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * The engine's read-only mode 6 responder, for ntpq on the same host
 * (spec 10.2, 10.3).  Only requests from a loopback address are looked
 * at, only READSTAT and READVAR are answered, and nothing here changes
 * any state but a rate-limit bucket and a counter.  The variables are
 * the ones ntpctl shows (control.c), in the raw forms the reference
 * ntpd sends, so that both the reference's and NTPsec's ntpq read them.
 * Building the messages is mode6.c's business.
 *
 * The Autokey host variables are read from akglue's state (akglue_int.h)
 * rather than through a new interface: this file only reads them.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/objects.h>

#include "akglue.h"
#include "akglue_int.h"
#include "config.h"
#include "ctl6.h"
#include "engine.h"
#include "mode6.h"
#include "packet.h"

/* Token bucket: ntpq -p on a host with many servers sends a burst. */
#define CTL6_BURST	64.0
#define CTL6_RATE	32.0	/* requests per second, sustained */

#define CTL6_TEXTMAX	8192	/* one answer's variable list */

/* Peer event codes (RFC 1305 appendix B, spec 10.3). */
#define CTL6_PEV_MOBILIZE	1
#define CTL6_PEV_REACHABLE	4
#define CTL6_PEV_SYSPEER	10

static double	 ctl6_tokens = CTL6_BURST;
static double	 ctl6_last;

static int
ctl6_loopback(const struct sockaddr *sa, socklen_t salen)
{
	const struct sockaddr_in *sin;
	const struct sockaddr_in6 *sin6;
	const uint8_t *a;

	if (sa->sa_family == AF_INET && salen >= sizeof(*sin)) {
		sin = (const struct sockaddr_in *)(const void *)sa;
		return (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6 && salen >= sizeof(*sin6)) {
		sin6 = (const struct sockaddr_in6 *)(const void *)sa;
		a = sin6->sin6_addr.s6_addr;
		if (IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr))
			return 1;
		return IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr) && a[12] == 127;
	}
	return 0;
}

static int
ctl6_ratelimit(double now)
{
	ctl6_tokens += (now - ctl6_last) * CTL6_RATE;
	ctl6_last = now;
	if (ctl6_tokens > CTL6_BURST)
		ctl6_tokens = CTL6_BURST;
	if (ctl6_tokens < 1.0)
		return 0;
	ctl6_tokens -= 1.0;
	return 1;
}

/* The 16-bit ID ntpq sees: the association's own (Autokey uses it). */
static uint16_t
ctl6_associd(const struct peer *p)
{
	return (uint16_t)(p->conf.id & 0xffff);
}

static struct peer *
ctl6_peer(uint16_t associd)
{
	struct peer *p;

	if (associd == 0)
		return NULL;
	TAILQ_FOREACH(p, &eng->peers, entry)
		if (ctl6_associd(p) == associd)
			return p;
	return NULL;
}

/* RFC 1305's selection codes: ' ', 'x', '.', '-', '+', '#', '*'. */
static int
ctl6_selcode(int sel)
{
	switch (sel) {
	case PEER_SEL_FALSETICKER:
		return 1;
	case PEER_SEL_CANDIDATE:	/* usable, selection did not use it */
	case PEER_SEL_EXCESS:
		return 2;
	case PEER_SEL_OUTLIER:
		return 3;
	case PEER_SEL_SURVIVOR:
		return 4;
	case PEER_SEL_SYSPEER:
		return 6;
	default:
		return 0;
	}
}

/*
 * The peer status word (spec 10.3).  We keep no event log: the event
 * code is the last milestone the association has reached (mobilized,
 * reachable, system peer) and the counter how many of them it has.
 */
static uint16_t
ctl6_peer_status(const struct peer *p)
{
	unsigned int bits = 0, cnt = 1, code = CTL6_PEV_MOBILIZE;

	if (p->conf.kind != CONF_MODE_POOL)
		bits |= 0x80;
	if (p->auth != PEER_AUTH_NONE)
		bits |= 0x40;
	if (p->auth == PEER_AUTH_OK)
		bits |= 0x20;
	if (p->reach != 0) {
		bits |= 0x10;
		cnt++;
		code = CTL6_PEV_REACHABLE;
	}
	if (p->sel == PEER_SEL_SYSPEER) {
		cnt++;
		code = CTL6_PEV_SYSPEER;
	}
	bits |= (unsigned int)ctl6_selcode(p->sel);
	return (uint16_t)(bits << 8 | cnt << 4 | code);
}

/* System status word: leap, clock source, and (as above) one event. */
static uint16_t
ctl6_sys_status(void)
{
	const struct sysvars *sys = &eng->sys;
	unsigned int src = 0, cnt = 0, code = 0;

	if (sys->syspeer != NULL && sys->synced)
		src = 6;			/* NTP */
	else if (eng->conf.local_stratum > 0)
		src = 5;			/* the local clock */
	if (src != 0) {
		cnt = 1;
		code = 5;			/* clock_sync */
	}
	return (uint16_t)((sys->leap & 3U) << 14 | src << 8 | cnt << 4 |
	    code);
}

static uint64_t
ctl6_ntpnow(void)
{
	return ntp_ts_from_double(engine_unix());
}

/* Stratum 0, 1 and 16 refids are text (kiss codes, sources). */
static void
ctl6_refid(struct mode6_vars *v, uint32_t refid, int stratum)
{
	char b[INET_ADDRSTRLEN];
	struct in_addr in;
	size_t i;

	if (stratum <= 1 || stratum >= NTP_STRATUM_MAX) {
		for (i = 0; i < 4; i++) {
			b[i] = (char)(refid >> (24 - 8 * i));
			if (b[i] == '\0')
				break;
		}
		b[i] = '\0';
		mode6_put(v, "refid", b);
		return;
	}
	in.s_addr = htonl(refid);
	if (inet_ntop(AF_INET, &in, b, sizeof(b)) == NULL)
		mode6_known(v, "refid");
	else
		mode6_put(v, "refid", b);
}

static int
ctl6_addr(const struct sockaddr_storage *ss, char *buf, size_t len,
    unsigned int *port)
{
	const struct sockaddr_in *sin;
	const struct sockaddr_in6 *sin6;

	if (ss->ss_family == AF_INET) {
		sin = (const struct sockaddr_in *)(const void *)ss;
		*port = ntohs(sin->sin_port);
		return inet_ntop(AF_INET, &sin->sin_addr, buf,
		    (socklen_t)len) == NULL ? -1 : 0;
	}
	if (ss->ss_family == AF_INET6) {
		sin6 = (const struct sockaddr_in6 *)(const void *)ss;
		*port = ntohs(sin6->sin6_port);
		return inet_ntop(AF_INET6, &sin6->sin6_addr, buf,
		    (socklen_t)len) == NULL ? -1 : 0;
	}
	return -1;
}

static void
ctl6_put_addr(struct mode6_vars *v, const char *aname, const char *pname,
    const struct sockaddr_storage *ss)
{
	char b[INET6_ADDRSTRLEN];
	unsigned int port;

	if (ctl6_addr(ss, b, sizeof(b), &port) == -1) {
		mode6_known(v, aname);
		mode6_known(v, pname);
		return;
	}
	mode6_put(v, aname, b);
	mode6_put_uint(v, pname, port);
}

static const char *
ctl6_nid_name(int nid)
{
	const char *s;

	if (nid == 0 || (s = OBJ_nid2ln(nid)) == NULL)
		return NULL;
	return s;
}

/* Autokey's host variables and the certificate list (spec 10.2). */
static void
ctl6_sys_autokey(struct mode6_vars *v)
{
	struct ctl_cert certs[AKG_NCERTS];
	char b[IPC_NAMELEN * 2 + 32];
	uint32_t status;
	size_t i, n;
	int w;
	const char *s;

	if (!akglue_enabled() || !akg.ready) {
		mode6_known(v, "host");
		mode6_known(v, "ident");
		mode6_known(v, "flags");
		mode6_known(v, "digest");
		mode6_known(v, "signature");
		mode6_known(v, "update");
		mode6_known(v, "cert");
		return;
	}
	mode6_put_str(v, "host", akg.pub.host);
	/* keyd names the identity files after the host when no ident
	 * was configured: only a configured one is shown */
	if (akg.pub.ident[0] != '\0' &&
	    strcmp(akg.pub.ident, akg.pub.host) != 0)
		mode6_put_str(v, "ident", akg.pub.ident);
	else
		mode6_known(v, "ident");
	status = akg.pub.status | (akg.hostval_ts != 0 ? AK_F_TAI : 0);
	mode6_put_hex(v, "flags", status);
	if (akg.md != NULL &&
	    (s = ctl6_nid_name(EVP_MD_get_type(akg.md))) != NULL)
		mode6_put_str(v, "digest", s);
	else
		mode6_known(v, "digest");
	if ((s = ctl6_nid_name(AK_F_NID(status))) != NULL)
		mode6_put_str(v, "signature", s);
	else
		mode6_known(v, "signature");
	if (akg.hostval_ts != 0)
		mode6_put_date(v, "update",
		    (int64_t)ntp_secs_to_unix(akg.hostval_ts, time(NULL)));
	else
		mode6_known(v, "update");
	n = akglue_certs(certs, AKG_NCERTS);
	mode6_known(v, "cert");
	/* "cert" asks for every pair, each with its end of validity */
	for (i = 0; i < n && mode6_want(v, "cert"); i++) {
		w = snprintf(b, sizeof(b), "%s %s 0x%x", certs[i].subject,
		    certs[i].issuer, certs[i].flags);
		if (w < 0 || (size_t)w >= sizeof(b))
			continue;
		mode6_put_str(v, "cert", b);
		if (mode6_date(certs[i].notafter, b, sizeof(b)) == 0)
			mode6_put_follow(v, "until", b);
	}
}

static void
ctl6_sysvars(struct mode6_vars *v)
{
	const struct sysvars *sys = &eng->sys;
	struct ctl_status st;
	uint32_t tai, epoch, expire;
	time_t now = time(NULL);

	mode6_put_str(v, "version", "sealntp");
	mode6_put_uint(v, "leap", sys->leap);
	mode6_put_uint(v, "stratum", sys->stratum);
	mode6_put_int(v, "precision", sys->precision);
	mode6_put_fixed(v, "rootdelay", sys->rootdelay * 1e3, 3);
	mode6_put_fixed(v, "rootdisp", sys->rootdisp * 1e3, 3);
	ctl6_refid(v, sys->refid, sys->stratum);
	mode6_put_ts(v, "reftime", sys->reftime);
	mode6_put_ts(v, "clock", ctl6_ntpnow());
	if (sys->syspeer != NULL)
		mode6_put_uint(v, "peer", ctl6_associd(sys->syspeer));
	else
		mode6_put_uint(v, "peer", 0);
	mode6_put_int(v, "tc", sys->poll);
	mode6_put_fixed(v, "offset", sys->offset * 1e3, 6);
	mode6_put_fixed(v, "frequency", sys->freq_ppm, 3);
	mode6_put_fixed(v, "sys_jitter", sys->jitter * 1e3, 6);
	memset(&st, 0, sizeof(st));
	sys_leap_status(&st);
	if (st.tai_offset > 0)
		mode6_put_int(v, "tai", st.tai_offset);
	else
		mode6_known(v, "tai");
	sys_leap_values(&tai, &epoch, &expire);
	/* from our own leap file only, as the reference */
	if (st.leap_expires != 0 && epoch != 0)
		mode6_put_date(v, "leapsec",
		    (int64_t)ntp_secs_to_unix(epoch, now));
	else
		mode6_known(v, "leapsec");
	if (st.leap_expires != 0)
		mode6_put_date(v, "expire", (int64_t)st.leap_expires -
		    (int64_t)NTP_UNIX_OFFSET);
	else
		mode6_known(v, "expire");
	ctl6_sys_autokey(v);
}

static void
ctl6_peervars(struct mode6_vars *v, const struct peer *p)
{
	struct ctl_peer cp;
	struct sockaddr_storage dst;
	double monow = engine_mono();
	unsigned int flash = 0;
	const char *s, *ident;

	ctl6_put_addr(v, "srcadr", "srcport", &p->conf.addr);
	memset(&dst, 0, sizeof(dst));
	if (p->conf.local.ss_family != 0)
		dst = p->conf.local;
	else if (p->sock >= 0 && (size_t)p->sock < eng->nsocks)
		dst = eng->socks[p->sock].local;
	ctl6_put_addr(v, "dstadr", "dstport", &dst);
	mode6_put_uint(v, "leap", p->leap);
	mode6_put_uint(v, "stratum", p->stratum);
	mode6_put_int(v, "precision", p->precision);
	mode6_put_fixed(v, "rootdelay", p->rootdelay * 1e3, 3);
	mode6_put_fixed(v, "rootdisp", p->rootdisp * 1e3, 3);
	ctl6_refid(v, p->refid, p->stratum);
	if (p->last_rx > 0)
		mode6_put_ts(v, "rec", ntp_ts_from_double(engine_unix() -
		    (monow - p->last_rx)));
	else
		mode6_known(v, "rec");
	mode6_put_hex(v, "reach", p->reach);
	mode6_put_int(v, "unreach", p->unreach);
	mode6_put_int(v, "hmode", p->conf.kind == CONF_MODE_PEER ?
	    NTP_MODE_SYMACT : NTP_MODE_CLIENT);
	mode6_put_int(v, "pmode", p->rcvd > 0 ? (p->conf.kind ==
	    CONF_MODE_PEER ? NTP_MODE_SYMPASS : NTP_MODE_SERVER) : 0);
	mode6_put_int(v, "hpoll", p->poll);
	mode6_put_int(v, "ppoll", p->ppoll);
	/* the tests the last answer failed, as far as we keep them */
	if (p->auth == PEER_AUTH_BAD)
		flash |= 0x10;			/* authentication */
	else if (p->auth == PEER_AUTH_PENDING)
		flash |= 0x100;			/* Autokey not proven */
	if (p->rcvd > 0 && (p->leap == NTP_LI_ALARM ||
	    p->stratum >= NTP_STRATUM_MAX))
		flash |= 0x20;			/* not synchronised */
	mode6_put_hex(v, "flash", flash);
	memset(&cp, 0, sizeof(cp));
	akglue_fill_peer(p, &cp);
	if (cp.ak_keyid != 0)
		mode6_put_hex(v, "keyid", cp.ak_keyid);
	else
		mode6_known(v, "keyid");
	mode6_put_fixed(v, "offset", p->offset * 1e3, 3);
	mode6_put_fixed(v, "delay", p->delay * 1e3, 3);
	mode6_put_fixed(v, "dispersion", p->disp * 1e3, 3);
	mode6_put_fixed(v, "jitter", p->jitter * 1e3, 3);
	/* Autokey (spec 10.2) */
	if (cp.ak_host[0] != '\0')
		mode6_put_str(v, "host", cp.ak_host);
	else
		mode6_known(v, "host");
	if (cp.ak_flags != 0)
		mode6_put_hex(v, "flags", cp.ak_flags);
	else
		mode6_known(v, "flags");
	if ((s = ctl6_nid_name(AK_F_NID(cp.ak_flags))) != NULL)
		mode6_put_str(v, "signature", s);
	else
		mode6_known(v, "signature");
	ident = cp.ak_group[0] != '\0' ? cp.ak_group : p->conf.ident;
	if (ident[0] != '\0')
		mode6_put_str(v, "ident", ident);
	else
		mode6_known(v, "ident");
}

static void
ctl6_send(struct ntp_sock *ns, const uint8_t *buf, size_t len,
    const struct sockaddr *to, socklen_t tolen)
{
	const struct sockaddr_storage *d = &eng->rx_dst;
	const uint8_t *src = NULL;

	/* From the address ntpq sent to, as the NTP answers. */
	if (d->ss_family == AF_INET)
		src = (const uint8_t *)&((const struct sockaddr_in *)
		    (const void *)d)->sin_addr;
	else if (d->ss_family == AF_INET6)
		src = ((const struct sockaddr_in6 *)(const void *)d)->
		    sin6_addr.s6_addr;
	if (engine_sendfrom(ns, buf, len, to, tolen, d->ss_family, src) ==
	    (ssize_t)len)
		eng->cnt.tx++;
	else
		eng->cnt.tx_errors++;
}

static void
ctl6_error(struct ntp_sock *ns, const struct mode6_msg *req, int code,
    const struct sockaddr *to, socklen_t tolen)
{
	uint8_t out[MODE6_HDRLEN];
	size_t n;

	if ((n = mode6_error(req, code, out, sizeof(out))) > 0)
		ctl6_send(ns, out, n, to, tolen);
}

static void
ctl6_answer(struct ntp_sock *ns, const struct mode6_msg *req,
    uint16_t status, uint16_t associd, const uint8_t *data, size_t len,
    const struct sockaddr *to, socklen_t tolen)
{
	uint8_t out[MODE6_MAXPKT];
	size_t i, n, nfr = mode6_nfrags(len);

	for (i = 0; i < nfr; i++)
		if ((n = mode6_response(req, status, associd, data, len, i,
		    out, sizeof(out))) > 0)
			ctl6_send(ns, out, n, to, tolen);
}

/* READSTAT's list: association ID and status word, 4 bytes each. */
static size_t
ctl6_statlist(uint8_t *list, size_t cap)
{
	const struct peer *p;
	size_t n = 0;
	uint16_t id, st;

	/* (not TAILQ_FOREACH: cppcheck cannot see through it here) */
	for (p = TAILQ_FIRST(&eng->peers); p != NULL;
	    p = TAILQ_NEXT(p, entry)) {
		if (n + 4 > cap)
			break;
		id = ctl6_associd(p);
		st = ctl6_peer_status(p);
		list[n++] = (uint8_t)(id >> 8);
		list[n++] = (uint8_t)id;
		list[n++] = (uint8_t)(st >> 8);
		list[n++] = (uint8_t)st;
	}
	return n;
}

static void
ctl6_readstat(struct ntp_sock *ns, const struct mode6_msg *req,
    const struct sockaddr *to, socklen_t tolen)
{
	static uint8_t list[CTL6_TEXTMAX];
	const struct peer *p;
	size_t n;

	if (req->associd != 0) {
		if ((p = ctl6_peer(req->associd)) == NULL) {
			ctl6_error(ns, req, MODE6_ERR_BADASSOC, to, tolen);
			return;
		}
		ctl6_answer(ns, req, ctl6_peer_status(p), req->associd, NULL,
		    0, to, tolen);
		return;
	}
	n = ctl6_statlist(list, sizeof(list));
	ctl6_answer(ns, req, ctl6_sys_status(), 0, list, n, to, tolen);
}

static void
ctl6_readvar(struct ntp_sock *ns, const struct mode6_msg *req,
    const struct sockaddr *to, socklen_t tolen)
{
	static char text[CTL6_TEXTMAX];
	struct mode6_vars v;
	const struct peer *p = NULL;
	size_t len;
	uint16_t status;

	if (req->associd != 0 && (p = ctl6_peer(req->associd)) == NULL) {
		ctl6_error(ns, req, MODE6_ERR_BADASSOC, to, tolen);
		return;
	}
	mode6_vars_init(&v, text, sizeof(text), req->data, req->count);
	if (p == NULL) {
		ctl6_sysvars(&v);
		status = ctl6_sys_status();
	} else {
		ctl6_peervars(&v, p);
		status = ctl6_peer_status(p);
	}
	switch (mode6_vars_end(&v, &len)) {
	case 0:
		ctl6_answer(ns, req, status, req->associd,
		    (const uint8_t *)text, len, to, tolen);
		break;
	case -2:
		ctl6_error(ns, req, MODE6_ERR_BADFMT, to, tolen);
		break;
	case -3:
		ctl6_error(ns, req, MODE6_ERR_UNKNOWNVAR, to, tolen);
		break;
	default:
		ctl6_error(ns, req, MODE6_ERR_UNSPEC, to, tolen);
		break;
	}
}

void
ctl6_recv(struct ntp_sock *ns, const uint8_t *buf, size_t len,
    const struct sockaddr *from, socklen_t fromlen)
{
	struct mode6_msg req;

	if (!ctl6_loopback(from, fromlen))
		return;
	if (server_restricted(from, CONF_RES_IGNORE | CONF_RES_NOQUERY)) {
		eng->cnt.rx_restricted++;
		return;
	}
	/* Malformed requests, and anything that is not one, get nothing. */
	if (mode6_parse_request(buf, len, &req) != MODE6_OK)
		return;
	if (!ctl6_ratelimit(engine_mono())) {
		eng->cnt.rx_ratelimited++;
		return;
	}
	eng->cnt.mode6_answered++;
	switch (req.opcode) {
	case MODE6_OP_READSTAT:
		ctl6_readstat(ns, &req, from, fromlen);
		break;
	case MODE6_OP_READVAR:
		ctl6_readvar(ns, &req, from, fromlen);
		break;
	case MODE6_OP_READCLOCK:
		/* no reference clocks */
		ctl6_error(ns, &req, MODE6_ERR_BADASSOC, from, fromlen);
		break;
	case MODE6_OP_WRITEVAR:
	case MODE6_OP_WRITECLOCK:
		ctl6_error(ns, &req, MODE6_ERR_PROHIBITED, from, fromlen);
		break;
	default:
		ctl6_error(ns, &req, MODE6_ERR_BADOP, from, fromlen);
		break;
	}
}
