/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * Autokey associations (the client side of akglue.h): one ak_client
 * per "server ... autokey" line, driven request by request.  As soon as
 * a response is verified the next request follows (after AKG_MINGAP),
 * one at a time; unanswered requests and refused answers back off up
 * to the poll interval.  Every response's MAC is checked before
 * anything else; the group key is found among the installed ones by the
 * group of the server's trusted certificate, or the association's
 * "ident" (spec 7.1).  A crypto-NAK, a protocol error or a run of
 * failing MACs on a proven association restarts it (spec 1.5), at most
 * once per AKG_RESETGAP.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "akglue.h"
#include "akglue_int.h"
#include "autokey.h"
#include "engine.h"
#include "keyd_client.h"
#include "log.h"
#include "packet.h"

static struct peer *
akg_find_peer(uint32_t id)
{
	struct peer *p;

	for (p = TAILQ_FIRST(&eng->peers); p != NULL;
	    p = TAILQ_NEXT(p, entry))
		if (p->conf.id == id && p->ak != NULL)
			return p;
	return NULL;
}

/* ---- client ------------------------------------------------------- */

void
akglue_peer_init(struct peer *p)
{
	struct akpeer *a;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		fatal(NULL);
	ak_client_init(&a->c, p->conf.id & 0xffff ? p->conf.id & 0xffff :
	    1, NTP_MODE_CLIENT, NULL);
	a->next = -1;
	a->rto = AKG_RTO;
	a->started = engine_mono();
	p->ak = a;
	/* Before akglue_init(): the configuration is all there is yet. */
	if (!eng->conf.crypto) {
		p->auth = PEER_AUTH_BAD;
		strlcpy(p->auth_reason, "Autokey not configured (no crypto "
		    "line)", sizeof(p->auth_reason));
	} else
		strlcpy(p->auth_reason, "waiting for keyd",
		    sizeof(p->auth_reason));
}

/* Addresses of the session keys: our socket's, the server's. */
static int
akg_peer_addrs(struct peer *p)
{
	struct akpeer *a = p->ak;
	const struct ntp_sock *ns;
	static const uint8_t zero[16];

	if (a->addr_ok)
		return 0;
	if (p->sock < 0 || (size_t)p->sock >= eng->nsocks)
		return -1;
	ns = &eng->socks[p->sock];
	/* A wildcard socket: the address the parent found towards it. */
	if (ak_addr_set(&a->local, (const struct sockaddr *)
	    (engine_sock_wildcard(ns) ? &p->conf.local : &ns->local),
	    engine_sock_wildcard(ns) ? sizeof(p->conf.local) : ns->locallen) ==
	    -1 || ak_addr_set(&a->remote,
	    (const struct sockaddr *)&p->conf.addr, p->conf.addrlen) == -1)
		return -1;
	if (memcmp(a->local.addr, zero, a->local.family == AF_INET ? 4 :
	    16) == 0) {
		/* Spec 4.2: the session keys need our own address. */
		p->auth = PEER_AUTH_BAD;
		strlcpy(p->auth_reason, "Autokey: our own address towards "
		    "this server is unknown; add a 'listen on' address",
		    sizeof(p->auth_reason));
		return -1;
	}
	a->addr_ok = 1;
	return 0;
}

static void
akg_log(struct peer *p, const char *what, double now)
{
	struct akpeer *a = p->ak;

	if (strcmp(a->logged, what) == 0 && now - a->last_log < AKG_LOGGAP)
		return;
	strlcpy(a->logged, what, sizeof(a->logged));
	a->last_log = now;
	log_warnx("%s: autokey: %s", p->addrtxt, what);
}

/* The group key candidates for this server, best first (spec 7.1). */
static void
akg_pick_group(struct peer *p)
{
	struct akpeer *a = p->ak;
	const char *cand[5], *at;
	struct ak_group *g = NULL;
	size_t n = 0, i;

	if (p->conf.ident[0] != '\0')
		cand[n++] = p->conf.ident;
	if (a->c.trailinfo.subject[0] != '\0') {
		if ((at = strchr(a->c.trailinfo.subject, '@')) != NULL)
			cand[n++] = at + 1;
		cand[n++] = a->c.trailinfo.subject;
	}
	if ((at = strchr(a->c.host, '@')) != NULL)
		cand[n++] = at + 1;
	if (a->c.host[0] != '\0')
		cand[n++] = a->c.host;
	for (i = 0; i < n && g == NULL; i++)
		g = akg_group_find(cand[i]);
	a->c.group = g;
	if (g != NULL)
		strlcpy(a->group, g->name, sizeof(a->group));
	else if (n > 0)
		strlcpy(a->group, cand[0], sizeof(a->group));
}

static const char *
akg_scheme_name(uint32_t f)
{
	if (f & AK_F_IFF)
		return "IFF";
	if (f & AK_F_GQ)
		return "GQ";
	if (f & AK_F_MV)
		return "MV";
	if (f & AK_F_PRIV)
		return "PC";
	return "TC";
}

/* A client-side failure that means "this server is not trusted". */
static int
akg_is_bad(enum ak_err e)
{
	switch (e) {
	case AK_EPUB:
	case AK_EMD:
	case AK_EKEY:
	case AK_ESGL:
	case AK_ESIG:
	case AK_EVFY:
	case AK_EPER:
	case AK_ECKY:
	case AK_ECRT:
	case AK_EID:
	case AK_EFSP:
	case AK_ETSP:
		return 1;
	default:
		return 0;
	}
}

/* The association's auth state and reason from its Autokey state. */
static void
akg_update_auth(struct peer *p, double now)
{
	struct akpeer *a = p->ak;
	uint32_t f = a->c.flags;
	char why[IPC_REASONLEN + 64];

	if (ak_client_proven(&a->c)) {
		p->auth = PEER_AUTH_OK;
		snprintf(p->auth_reason, sizeof(p->auth_reason), "%s, flags "
		    "0x%x", akg_scheme_name(f), f);
		if (!a->was_ok) {
			a->was_ok = 1;
			a->ok_at = now;
			a->logged[0] = '\0';
			log_info("%s: autokey: %s proven (%s%s%s), flags 0x%x, "
			    "in %.2f s", p->addrtxt, a->c.host,
			    akg_scheme_name(f), a->c.group != NULL &&
			    (f & AK_F_SCHEME) ? ", group " : "",
			    a->c.group != NULL && (f & AK_F_SCHEME) ?
			    a->group : "", f, now - a->started);
		}
		return;
	}
	if (a->c.nogroup) {
		p->auth = PEER_AUTH_BAD;
		snprintf(why, sizeof(why), "no %s group key for group %.40s "
		    "installed in %.50s", akg_scheme_name(f & AK_F_SCHEME),
		    a->group[0] ? a->group : "?", akg.keysdir);
		strlcpy(p->auth_reason, why, sizeof(p->auth_reason));
		akg_log(p, why, now);
		return;
	}
	if (akg_is_bad(a->c.last_err) && a->c.reason[0] != '\0') {
		p->auth = PEER_AUTH_BAD;
		if (a->c.last_err == AK_EFSP && (f & AK_F_CERT) &&
		    !(f & AK_F_VRFY))
			/* The reference's name for it, and what it means. */
			snprintf(why, sizeof(why), "%.60s (the group key "
			    "installed for %.40s is not the server's)",
			    a->c.reason, a->group);
		else
			strlcpy(why, a->c.reason, sizeof(why));
		strlcpy(p->auth_reason, why, sizeof(p->auth_reason));
		akg_log(p, why, now);
		return;
	}
	p->auth = PEER_AUTH_PENDING;
	if (a->c.reason[0] != '\0')
		strlcpy(why, a->c.reason, sizeof(why));
	else if (f == 0)
		strlcpy(why, "association (ASSOC)", sizeof(why));
	else if (!(f & AK_F_CERT))
		snprintf(why, sizeof(why), "certificate of %.80s (CERT)",
		    a->c.issuer);
	else if (!(f & AK_F_VRFY))
		snprintf(why, sizeof(why), "identity (%s)",
		    akg_scheme_name(f));
	else if (!(f & AK_F_COOK))
		strlcpy(why, "cookie (COOK)", sizeof(why));
	else
		strlcpy(why, "signature", sizeof(why));
	snprintf(p->auth_reason, sizeof(p->auth_reason), "in progress: "
	    "%.110s", why);
}

void
akg_reset(struct peer *p, const char *why, double now)
{
	struct akpeer *a = p->ak;

	if (a->dec_handle != 0) {
		keyd_cancel(a->dec_handle);
		a->dec_handle = 0;
	}
	ak_client_reset(&a->c);
	a->epoch++;
	a->kl_have = 0;
	a->code = 0;
	a->was_ok = 0;
	a->ok_at = 0;
	a->started = now;
	a->last_reset = now;
	a->macfails = 0;
	a->backoff = 0;
	a->resets++;
	a->next = now + AKG_MINGAP;
	if (p->next > a->next)
		p->next = a->next;	/* start over at once */
	p->auth = PEER_AUTH_PENDING;
	log_info("%s: autokey: restart (%s)", p->addrtxt, why);
	akg_update_auth(p, now);
}

/*
 * The Autokey part of a request: the next extension field (if any) and
 * the MAC, appended to the 48-byte header in buf.  Returns the length to
 * send, with *code the request's code (0: MAC only), or 0 when nothing
 * may go out: *code is -2 when keyd is working for us (ask again in a
 * moment), -1 when the association cannot run (see its auth reason).
 */
size_t
akglue_client_build(struct peer *p, uint8_t *buf, size_t buflen, double now,
    int *code)
{
	struct akpeer *a = p->ak;
	size_t off = NTP_HDRLEN, n;
	uint32_t kid;
	int poll, c;

	*code = -1;
	if (!akg.crypto || akg_peer_addrs(p) == -1)
		return 0;
	/*
	 * No group key for the server's scheme: nothing more can be
	 * proven, and MAC-only packets would only draw crypto-NAKs and
	 * restarts.  Stay silent until keys are reloaded (SIGHUP restarts
	 * every association).
	 */
	if (a->c.nogroup)
		return 0;
	*code = -2;
	if (!akg.ready || a->dec_handle != 0)
		return 0;
	*code = -1;
	akg_host_refresh();
	if ((a->c.flags & AK_F_CERT) && !(a->c.flags & AK_F_VRFY))
		akg_pick_group(p);
	c = ak_client_request(&a->c, &akg.host, buf, buflen, &off);
	akg_update_auth(p, now);
	/* A new list when used up or past its lifetime (spec 4.4). */
	if (!a->kl_have || a->kl.left <= 0 ||
	    now - a->kl_made > ldexp(1.0, eng->conf.ak_automax > 0 ?
	    eng->conf.ak_automax : AK_AUTOMAX)) {
		poll = p->poll < p->ppoll || p->ppoll <= 0 ? p->poll :
		    p->ppoll;
		if (ak_keylist_make(&a->kl, akg.md, &a->local, &a->remote,
		    ak_client_mac_cookie(&a->c, 0), ak_keyid_random(), poll,
		    eng->conf.ak_automax, akg.host.synced, akg_ntpnow()) == -1)
			return 0;
		a->kl_have = 1;
		a->kl_made = now;
	}
	if ((kid = ak_keylist_next(&a->kl)) == 0)
		return 0;
	n = ak_mac_append(akg.md, &a->local, &a->remote, kid,
	    ak_client_mac_cookie(&a->c, off > NTP_HDRLEN), buf, buflen, off);
	if (n == 0)
		return 0;
	a->keyid = kid;
	a->code = c;
	*code = c;
	return n;
}

/* After the send: when to expect the answer. */
void
akglue_client_sent(struct peer *p, int code, double now)
{
	struct akpeer *a = p->ak;
	double cap = ldexp(1.0, p->poll);

	a->last_send = now;
	if (code <= 0) {
		a->next = -1;		/* ordinary polling */
		return;
	}
	/* One request in flight: the next goes when this one is answered. */
	a->next = now + a->rto;
	a->rto = a->rto * 2 > cap ? cap : a->rto * 2;
}

/*
 * When the next request should go after a response or a keyd answer:
 * a monotonic time, AKG_NEXT_RESUME once when a fast exchange is over
 * (poll again from now), or AKG_NEXT_POLL (ordinary polling, as it is).
 */
double
akglue_client_next(struct peer *p)
{
	struct akpeer *a = p->ak;

	if (a == NULL)
		return AKG_NEXT_POLL;
	if (a->next >= 0)
		return a->next;
	if (a->resume) {
		a->resume = 0;
		return AKG_NEXT_RESUME;
	}
	return AKG_NEXT_POLL;
}

/* More Autokey requests to make right now? (spec 1.5 table) */
static int
akg_wants_more(const struct akpeer *a)
{
	uint32_t f = a->c.flags;

	if (a->c.nogroup)
		return 0;
	if (f == 0 || !(f & AK_F_CERT) || !(f & AK_F_VRFY) ||
	    !(f & AK_F_COOK) || !(f & AK_F_AUTO))
		return 1;
	if (!akg.host.synced || akg.host.cert.val == NULL)
		return 0;
	return !(f & AK_F_SIGN) || !(f & AK_F_LEAP);
}

static void
akg_schedule(struct peer *p, double now, int progress, int soft)
{
	struct akpeer *a = p->ak;
	double cap = ldexp(1.0, p->poll), t;

	if (progress) {
		a->backoff = 0;
		a->rto = AKG_RTO;
		if (akg_wants_more(a)) {
			t = a->last_send + AKG_MINGAP;
			a->next = t > now ? t : now;
		} else if (a->next >= 0) {
			a->next = -1;
			a->resume = 1;
		}
		return;
	}
	if (a->backoff <= 0)
		a->backoff = soft ? AKG_SOFT : AKG_HARD;
	else
		a->backoff = a->backoff * 2 > cap ? cap : a->backoff * 2;
	a->next = now + a->backoff;
}

static void
akg_decrypted(void *arg, const struct keyd_reply *r)
{
	uint64_t v = (uint64_t)(uintptr_t)arg;
	struct peer *p;
	struct akpeer *a;
	double now = engine_mono();

	if ((p = akg_find_peer((uint32_t)(v >> 32))) == NULL)
		return;
	a = p->ak;
	if ((uint32_t)v != a->epoch)
		return;
	a->dec_handle = 0;
	if (r->error != 0) {
		snprintf(a->c.reason, sizeof(a->c.reason), "COOK: keyd "
		    "could not decrypt the cookie (error %d)", r->error);
		akg_update_auth(p, now);
		akg_schedule(p, now, 0, r->error == KEYD_ERR_RELOAD ||
		    r->error == KEYD_ERR_RATE);
		p->next = a->next;
		return;
	}
	if (ak_client_cookie(&a->c, r->cookie, 4) != AK_OK) {
		a->rejected++;
		akg_update_auth(p, now);
		akg_schedule(p, now, 0, 0);
		p->next = a->next;
		return;
	}
	/* A new cookie keys the MAC-only packets: a new key list. */
	a->kl_have = 0;
	akg_update_auth(p, now);
	akg_schedule(p, now, 1, 0);
	/* The first MAC-only packet brings the first usable time. */
	a->next = now;
	p->next = now;
}

int
akglue_client_recv(struct peer *p, const uint8_t *buf,
    const struct ntp_pkt *pkt, double now)
{
	struct akpeer *a = p->ak;
	struct ak_todo todo;
	enum ak_err e;
	uint32_t before;
	uint64_t arg;

	if (!akg.crypto || !akg.ready || !a->addr_ok)
		return AKG_DROP;
	if (pkt->has_mac && pkt->maclen == 0) {
		/* crypto-NAK, already matched to our request (org) */
		a->rejected++;
		if (a->c.flags != 0 && now - a->last_reset >= AKG_RESETGAP &&
		    ak_client_nak(&a->c, pkt, p->xmt))
			akg_reset(p, "crypto-NAK from the server", now);
		else
			akg_schedule(p, now, 0, 1);
		return AKG_DROP;
	}
	if (!akg_group_ok(pkt, p->conf.ident[0] != '\0' ? p->conf.ident :
	    akg.pub.ident)) {
		a->rejected++;
		strlcpy(a->c.reason, "declined: the server is not in our group",
		    sizeof(a->c.reason));
		akg_schedule(p, now, 0, 1);
		return AKG_DROP;
	}
	if (!pkt->has_mac || pkt->keyid != a->keyid ||
	    ak_mac_verify(akg.md, &a->remote, &a->local,
	    ak_client_mac_cookie(&a->c, 0), buf, pkt) != AK_OK) {
		a->rejected++;
		/*
		 * Only a proven association restarts on failing MACs (a
		 * rotated server value): an attacker who can forge the
		 * origin could otherwise keep any exchange from finishing.
		 */
		if (++a->macfails >= AKG_MACFAILS &&
		    (a->c.flags & AK_F_COOK) &&
		    now - a->last_reset >= AKG_RESETGAP)
			akg_reset(p, "responses fail their MAC", now);
		else
			akg_schedule(p, now, 0, 1);
		return AKG_DROP;
	}
	a->macfails = 0;
	akg_host_refresh();
	before = a->c.flags;
	if (pkt->extlen > 0) {
		if ((a->c.flags & AK_F_CERT) && !(a->c.flags & AK_F_VRFY))
			akg_pick_group(p);
		e = ak_client_recv_ext(&a->c, &akg.host, pkt, &todo);
		switch (todo.kind) {
		case AK_TODO_RESET:
			if (now - a->last_reset >= AKG_RESETGAP) {
				akg_reset(p, a->c.reason[0] ? a->c.reason :
				    "protocol error", now);
				return AKG_DROP;
			}
			break;
		case AK_TODO_DECRYPT:
			arg = (uint64_t)p->conf.id << 32 | a->epoch;
			a->dec_handle = keyd_cookie_decrypt(todo.val,
			    todo.vallen, akg_decrypted,
			    (void *)(uintptr_t)arg);
			if (a->dec_handle == 0)
				strlcpy(a->c.reason, "COOK: cannot ask keyd",
				    sizeof(a->c.reason));
			break;
		case AK_TODO_INSTALL:
			akg_install(todo.val, todo.vallen, todo.fstamp,
			    AKG_CF_VALID, "signed");
			break;
		case AK_TODO_NEWKEYS:
			a->kl_have = 0;
			break;
		default:
			break;
		}
		/*
		 * The trusted certificate reached goes on our list; its
		 * filestamp is not kept by the trail walk, so its start
		 * of validity stands in (never later than it, spec 8.3).
		 */
		if (!(before & AK_F_CERT) && (a->c.flags & AK_F_CERT) &&
		    a->c.trail != NULL)
			akg_install(a->c.trail, a->c.traillen,
			    (uint32_t)((uint64_t)a->c.trailinfo.notbefore +
			    NTP_UNIX_OFFSET), AKG_CF_VALID | AKG_CF_TRUST,
			    "trail");
		if (!(before & AK_F_LEAP) && (a->c.flags & AK_F_LEAP))
			sys_leap_autokey(a->c.leap.tai, a->c.leap.epoch,
			    a->c.leap.expire, a->c.host);
		if (e != AK_OK && e != AK_EIGNORE)
			a->rejected++;
		akg_schedule(p, now, e == AK_OK && a->dec_handle == 0,
		    e == AK_EIGNORE);
		if (a->dec_handle != 0)
			a->next = now + AKG_RTO;	/* keyd first */
	} else if (a->code > 0)
		akg_schedule(p, now, 0, 1);	/* asked, got nothing */
	akg_update_auth(p, now);
	return ak_client_proven(&a->c) ? AKG_USABLE : AKG_PENDING;
}

/* Proven associations with requests left (SIGN, LEAP): send them now. */
void
akg_kick(double now)
{
	struct peer *p;

	akg_host_refresh();
	for (p = TAILQ_FIRST(&eng->peers); p != NULL;
	    p = TAILQ_NEXT(p, entry)) {
		if (p->ak == NULL || !ak_client_proven(&p->ak->c) ||
		    !akg_wants_more(p->ak) || p->ak->dec_handle != 0)
			continue;
		p->ak->next = now + AKG_MINGAP;
		if (p->next > p->ak->next)
			p->next = p->ak->next;
	}
}

/* The clock just synchronised: sign our values, then SIGN and LEAP. */
void
akglue_client_synced(void)
{
	double now = engine_mono();

	if (!akg.crypto || !akg.ready)
		return;
	if (akg.hostval_ts == 0)
		akg_sigupdate(now);
	akg_kick(now);
}

void
akglue_fill_peer(const struct peer *p, struct ctl_peer *cp)
{
	const struct akpeer *a = p->ak;

	if (a == NULL)
		return;
	cp->ak_flags = a->c.flags;
	cp->ak_keyid = a->keyid;
	strlcpy(cp->ak_host, a->c.host, sizeof(cp->ak_host));
	if (a->c.flags & AK_F_SCHEME || a->c.group != NULL)
		strlcpy(cp->ak_group, a->group, sizeof(cp->ak_group));
	if (a->c.flags != 0)
		strlcpy(cp->ak_scheme, akg_scheme_name(a->c.flags),
		    sizeof(cp->ak_scheme));
	if (a->c.trail != NULL) {
		strlcpy(cp->ak_cert_subject, a->c.trailinfo.subject,
		    sizeof(cp->ak_cert_subject));
		strlcpy(cp->ak_cert_issuer, a->c.trailinfo.issuer,
		    sizeof(cp->ak_cert_issuer));
		cp->ak_cert_notbefore = a->c.trailinfo.notbefore;
		cp->ak_cert_notafter = a->c.trailinfo.notafter;
	}
	cp->ak_time_to_ok = a->was_ok ? a->ok_at - a->started : -1;
	cp->ak_rejected = a->rejected;
	cp->ak_resets = a->resets;
	cp->ak_tai = (a->c.flags & AK_F_LEAP) ? (int32_t)a->c.leap.tai : 0;
}
