/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * The engine's wrappers for keyd's requests (see keyd_client.h) and the
 * dispatch of keyd's replies.  keyd answers every request exactly once
 * and in order, so the requests in flight are a FIFO: a reply must carry
 * the id (hdr.peerid) of the oldest request and a type that request can
 * get; anything else is a protocol violation.
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "keyd_client.h"
#include "log.h"

struct keyd_pending {
	TAILQ_ENTRY(keyd_pending) entry;
	uint32_t	 id;
	uint32_t	 request;	/* IMSG_KEYD_* request type */
	keyd_cb		 cb;		/* NULL: cancelled */
	void		*arg;
};
TAILQ_HEAD(keyd_pending_head, keyd_pending);

static struct {
	struct imsgbuf			*ib;
	struct keyd_pending_head	 pending;
	size_t				 npending;
	uint32_t			 next_id;
	uint8_t				*pub;		/* PUBLIC payload */
	size_t				 publen;
	struct ipc_keyd_stats		*stats;
	double				 next_stats;
	int				 stats_inflight;
	void				(*change)(void *);
	void				*change_arg;
} kc = { .pending = TAILQ_HEAD_INITIALIZER(kc.pending) };

#define KEYD_STATS_EVERY	5.0	/* s between stats refreshes */

static uint32_t
keyd_send(uint32_t type, const struct iovec *iov, int iovcnt, keyd_cb cb,
    void *arg)
{
	struct keyd_pending	*p;

	if (kc.ib == NULL || kc.npending >= KEYD_CLIENT_MAXPENDING)
		return 0;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return 0;
	if (++kc.next_id == 0)
		kc.next_id = 1;
	p->id = kc.next_id;
	p->request = type;
	p->cb = cb;
	p->arg = arg;
	if (imsg_composev(kc.ib, type, p->id, 0, -1, iov, iovcnt) == -1) {
		free(p);
		return 0;
	}
	TAILQ_INSERT_TAIL(&kc.pending, p, entry);
	kc.npending++;
	return p->id;
}

static uint32_t
keyd_send2(uint32_t type, const void *hdr, size_t hdrlen, const void *data,
    size_t len, keyd_cb cb, void *arg)
{
	struct iovec	 iov[2] = { { NULL, 0 }, { NULL, 0 } };
	int		 n = 0;

	if (hdrlen > 0) {
		iov[n].iov_base = (void *)hdr;
		iov[n++].iov_len = hdrlen;
	}
	if (len > 0) {
		iov[n].iov_base = (void *)data;
		iov[n++].iov_len = len;
	}
	return keyd_send(type, iov, n, cb, arg);
}

/* --- Internal requests: status, public material, stats ---------------- */

static void
keyd_got_status(void *arg, const struct keyd_reply *r)
{
	const struct ipc_keyd_status *st = (const void *)r->data;

	if (r->error != 0)
		return;
	memcpy(&eng->keyd_status, st, sizeof(eng->keyd_status));
	eng->keyd_status.host[IPC_NAMELEN - 1] = '\0';
	log_debug("keyd: crypto %s", eng->keyd_status.crypto ? "on" : "off");
}

static void
keyd_got_public(void *arg, const struct keyd_reply *r)
{
	uint8_t	*copy;
	size_t	 len;

	if (r->error != 0) {
		if (r->error != KEYD_ERR_NOCRYPTO)
			log_warnx("keyd: public material: error %d", r->error);
		return;
	}
	len = sizeof(*r->pub) + r->datalen;
	if ((copy = malloc(len)) == NULL)
		fatal(NULL);
	memcpy(copy, r->pub, sizeof(*r->pub));
	memcpy(copy + sizeof(*r->pub), r->data, r->datalen);
	free(kc.pub);
	kc.pub = copy;
	kc.publen = len;
	log_info("keyd: %s, status word 0x%08x, cert filestamp %u",
	    r->pub->host, r->pub->status, r->pub->cert_fs);
	if (kc.change != NULL)
		kc.change(kc.change_arg);
}

static void
keyd_got_stats(void *arg, const struct keyd_reply *r)
{
	uint64_t	 served = 0, refused = 0;
	uint32_t	 i;

	kc.stats_inflight = 0;
	if (r->error != 0)
		return;
	if (kc.stats == NULL && (kc.stats = malloc(sizeof(*kc.stats))) ==
	    NULL)
		fatal(NULL);
	memcpy(kc.stats, r->stats, sizeof(*kc.stats));
	for (i = 0; i < kc.stats->ncounters && i < KEYD_NCOUNTERS; i++) {
		served += kc.stats->counters[i].served;
		refused += kc.stats->counters[i].refused;
	}
	eng->keyd_status.served = served;
	eng->keyd_status.refused = refused;
}

static void
keyd_client_start(void)
{
	if (keyd_send2(IMSG_KEYD_HELLO, NULL, 0, NULL, 0, keyd_got_status,
	    NULL) == 0 ||
	    keyd_get_public(keyd_got_public, NULL) == 0 ||
	    keyd_get_stats(keyd_got_stats, NULL) == 0)
		fatal("keyd: cannot queue the first requests");
	kc.stats_inflight = 1;
}

void
keyd_client_init(struct imsgbuf *ib)
{
	kc.ib = ib;
	keyd_client_start();
}

void
keyd_client_on_change(void (*fn)(void *), void *arg)
{
	kc.change = fn;
	kc.change_arg = arg;
}

const struct ipc_keyd_public *
keyd_public(void)
{
	return kc.pub != NULL ? (const struct ipc_keyd_public *)kc.pub : NULL;
}

const uint8_t *
keyd_public_key(size_t *len)
{
	if (kc.pub == NULL)
		return NULL;
	*len = kc.publen - sizeof(struct ipc_keyd_public);
	return kc.pub + sizeof(struct ipc_keyd_public);
}

const struct ipc_keyd_stats *
keyd_stats(void)
{
	return kc.stats;
}

size_t
keyd_pending(void)
{
	return kc.npending;
}

void
keyd_cancel(uint32_t handle)
{
	struct keyd_pending	*p;

	TAILQ_FOREACH(p, &kc.pending, entry)
		if (p->id == handle)
			p->cb = NULL;
}

void
keyd_client_tick(double now)
{
	if (kc.ib == NULL || kc.stats_inflight || now < kc.next_stats)
		return;
	kc.next_stats = now + KEYD_STATS_EVERY;
	if (keyd_get_stats(keyd_got_stats, NULL) != 0)
		kc.stats_inflight = 1;
}

/*
 * Fail the requests of a list taken off the link.  Callbacks may ask
 * again at once: those requests join the new queue.
 */
static void
keyd_fail_list(struct keyd_pending_head *old, int error)
{
	struct keyd_pending	*p;
	struct keyd_reply	 r;

	while ((p = TAILQ_FIRST(old)) != NULL) {
		TAILQ_REMOVE(old, p, entry);
		if (p->cb != NULL) {
			memset(&r, 0, sizeof(r));
			r.error = error;
			p->cb(p->arg, &r);
		}
		free(p);
	}
}

void
keyd_client_newpipe(int fd)
{
	struct keyd_pending_head old = TAILQ_HEAD_INITIALIZER(old);
	struct keyd_pending	*p;

	if (kc.ib == NULL)
		fatalx("keyd: new pipe before the first");
	close(kc.ib->fd);
	imsgbuf_clear(kc.ib);
	if (imsgbuf_init(kc.ib, fd, IMSGF_SECURE) == -1)
		fatal("imsgbuf_init");
	log_info("keyd: switching to the new keyd");
	while ((p = TAILQ_FIRST(&kc.pending)) != NULL) {
		TAILQ_REMOVE(&kc.pending, p, entry);
		TAILQ_INSERT_TAIL(&old, p, entry);
	}
	kc.npending = 0;
	kc.stats_inflight = 0;
	/* HELLO first: the new keyd takes nothing before it. */
	keyd_client_start();
	keyd_fail_list(&old, KEYD_ERR_RELOAD);
}

/* The reply type each request gets when it succeeds. */
static uint32_t
keyd_reply_type(uint32_t request)
{
	switch (request) {
	case IMSG_KEYD_HELLO:
		return IMSG_KEYD_STATUS;
	case IMSG_KEYD_GET_PUBLIC:
		return IMSG_KEYD_PUBLIC;
	case IMSG_KEYD_GET_CERT:
		return IMSG_KEYD_CERT;
	case IMSG_KEYD_GET_GROUP:
		return IMSG_KEYD_GROUP;
	case IMSG_KEYD_SIGN:
		return IMSG_KEYD_SIGNATURE;
	case IMSG_KEYD_COOKIE_DEC:
		return IMSG_KEYD_COOKIE;
	case IMSG_KEYD_IDENT:
	case IMSG_KEYD_COOKIE_ENC:
	case IMSG_KEYD_CERT_SIGN:
		return IMSG_KEYD_VALUE;
	case IMSG_KEYD_GET_STATS:
		return IMSG_KEYD_STATS;
	default:
		return IMSG_NONE;
	}
}

/*
 * Received payloads need not be aligned (secure buffers end at a page
 * boundary): the structs a reply points to are aligned copies.
 */
static union {
	struct ipc_keyd_public		pub;
	struct ipc_keyd_certinfo	cert;
	struct ipc_keyd_groupinfo	group;
	struct ipc_keyd_stats		stats;
	struct ipc_keyd_status		status;
} kc_copy;

/* Check a reply's lengths and fill r.  -1: protocol violation. */
static int
keyd_parse_reply(const struct imsg *imsg, struct keyd_reply *r)
{
	const uint8_t	*d = imsg->data;
	size_t		 n = imsg->datalen;

	memset(r, 0, sizeof(*r));
	r->type = imsg->hdr.type;
	switch (imsg->hdr.type) {
	case IMSG_KEYD_STATUS:
		if (n != sizeof(struct ipc_keyd_status))
			return -1;
		memcpy(&kc_copy.status, d, n);
		r->data = (const uint8_t *)&kc_copy.status;
		r->datalen = n;
		return 0;
	case IMSG_KEYD_PUBLIC: {
		struct ipc_keyd_public p;

		if (n < sizeof(p))
			return -1;
		memcpy(&p, d, sizeof(p));
		if (p.keylen != n - sizeof(p))
			return -1;
		kc_copy.pub = p;
		r->pub = &kc_copy.pub;
		r->data = d + sizeof(p);
		r->datalen = p.keylen;
		return 0;
	}
	case IMSG_KEYD_CERT: {
		struct ipc_keyd_certinfo c;

		if (n < sizeof(c))
			return -1;
		memcpy(&c, d, sizeof(c));
		if (c.derlen != n - sizeof(c))
			return -1;
		kc_copy.cert = c;
		r->cert = &kc_copy.cert;
		r->data = d + sizeof(c);
		r->datalen = c.derlen;
		return 0;
	}
	case IMSG_KEYD_GROUP: {
		struct ipc_keyd_groupinfo g;

		if (n < sizeof(g))
			return -1;
		memcpy(&g, d, sizeof(g));
		if (g.paramlen != n - sizeof(g))
			return -1;
		kc_copy.group = g;
		r->group = &kc_copy.group;
		r->data = d + sizeof(g);
		r->datalen = g.paramlen;
		return 0;
	}
	case IMSG_KEYD_SIGNATURE: {
		struct ipc_keyd_sig s;

		if (n < sizeof(s))
			return -1;
		memcpy(&s, d, sizeof(s));
		if (s.siglen == 0 || s.siglen != n - sizeof(s))
			return -1;
		r->sig = d + sizeof(s);
		r->siglen = s.siglen;
		return 0;
	}
	case IMSG_KEYD_VALUE: {
		struct ipc_keyd_value v;

		if (n < sizeof(v))
			return -1;
		memcpy(&v, d, sizeof(v));
		if (v.vallen > n - sizeof(v) ||
		    v.siglen != n - sizeof(v) - v.vallen)
			return -1;
		r->tstamp = v.tstamp;
		r->fstamp = v.fstamp;
		r->value = d + sizeof(v);
		r->vallen = v.vallen;
		r->sig = d + sizeof(v) + v.vallen;
		r->siglen = v.siglen;
		return 0;
	}
	case IMSG_KEYD_COOKIE:
		if (n != sizeof(struct ipc_keyd_cookie))
			return -1;
		r->cookie = d;
		return 0;
	case IMSG_KEYD_STATS:
		if (n != sizeof(struct ipc_keyd_stats))
			return -1;
		memcpy(&kc_copy.stats, d, n);
		r->stats = &kc_copy.stats;
		return 0;
	case IMSG_KEYD_ERROR: {
		struct ipc_keyd_error e;

		if (n != sizeof(e))
			return -1;
		memcpy(&e, d, sizeof(e));
		if (e.code <= 0)
			return -1;
		r->error = e.code;
		r->type = IMSG_NONE;
		return 0;
	}
	default:
		return -1;
	}
}

int
keyd_client_dispatch(struct imsg *imsg)
{
	struct keyd_pending	*p;
	struct keyd_reply	 r;

	if (imsg->fd != -1)
		return -1;
	if ((p = TAILQ_FIRST(&kc.pending)) == NULL ||
	    p->id != imsg->hdr.peerid)
		return -1;
	if (keyd_parse_reply(imsg, &r) == -1)
		return -1;
	if (imsg->hdr.type == IMSG_KEYD_ERROR) {
		struct ipc_keyd_error e;

		memcpy(&e, imsg->data, sizeof(e));
		if (e.request != p->request || p->request == IMSG_KEYD_HELLO)
			return -1;
	} else if (imsg->hdr.type != keyd_reply_type(p->request))
		return -1;
	TAILQ_REMOVE(&kc.pending, p, entry);
	kc.npending--;
	if (p->cb != NULL)
		p->cb(p->arg, &r);
	free(p);
	return 0;
}

/* --- Requests ---------------------------------------------------------- */

uint32_t
keyd_get_public(keyd_cb cb, void *arg)
{
	return keyd_send2(IMSG_KEYD_GET_PUBLIC, NULL, 0, NULL, 0, cb, arg);
}

uint32_t
keyd_get_cert(uint32_t index, keyd_cb cb, void *arg)
{
	struct ipc_keyd_index	 i = { .index = index };

	return keyd_send2(IMSG_KEYD_GET_CERT, &i, sizeof(i), NULL, 0, cb, arg);
}

uint32_t
keyd_get_group(uint32_t index, keyd_cb cb, void *arg)
{
	struct ipc_keyd_index	 i = { .index = index };

	return keyd_send2(IMSG_KEYD_GET_GROUP, &i, sizeof(i), NULL, 0, cb,
	    arg);
}

uint32_t
keyd_get_stats(keyd_cb cb, void *arg)
{
	return keyd_send2(IMSG_KEYD_GET_STATS, NULL, 0, NULL, 0, cb, arg);
}

uint32_t
keyd_sign_value(uint32_t opcode, uint32_t tstamp, uint32_t fstamp,
    const uint8_t *value, size_t vallen, keyd_cb cb, void *arg)
{
	struct ipc_keyd_sign	 s;

	if (value == NULL || vallen == 0 || vallen > KEYD_MAXVAL)
		return 0;
	memset(&s, 0, sizeof(s));
	s.opcode = opcode;
	s.tstamp = tstamp;
	s.fstamp = fstamp;
	s.vallen = (uint32_t)vallen;
	return keyd_send2(IMSG_KEYD_SIGN, &s, sizeof(s), value, vallen, cb,
	    arg);
}

uint32_t
keyd_ident_respond(uint32_t scheme, uint32_t tstamp,
    const uint8_t *challenge, size_t chlen, keyd_cb cb, void *arg)
{
	struct ipc_keyd_ident	 s;

	if (challenge == NULL || chlen == 0 || chlen > KEYD_MAXSIG)
		return 0;
	memset(&s, 0, sizeof(s));
	s.scheme = scheme;
	s.tstamp = tstamp;
	s.chlen = (uint32_t)chlen;
	return keyd_send2(IMSG_KEYD_IDENT, &s, sizeof(s), challenge, chlen,
	    cb, arg);
}

uint32_t
keyd_cookie_encrypt(uint32_t tstamp, uint32_t fstamp, const uint8_t cookie[4],
    const uint8_t *pubkey, size_t keylen, keyd_cb cb, void *arg)
{
	struct ipc_keyd_cookie_enc s;
	uint32_t		 id;

	if (pubkey == NULL || keylen == 0 || keylen > KEYD_MAXKEYDER)
		return 0;
	memset(&s, 0, sizeof(s));
	s.tstamp = tstamp;
	s.fstamp = fstamp;
	memcpy(s.cookie, cookie, sizeof(s.cookie));
	s.keylen = (uint32_t)keylen;
	id = keyd_send2(IMSG_KEYD_COOKIE_ENC, &s, sizeof(s), pubkey, keylen,
	    cb, arg);
	explicit_bzero(&s, sizeof(s));
	return id;
}

uint32_t
keyd_cookie_decrypt(const uint8_t *ct, size_t ctlen, keyd_cb cb, void *arg)
{
	struct ipc_keyd_cookie_dec s;

	if (ct == NULL || ctlen == 0 || ctlen > KEYD_MAXSIG)
		return 0;
	s.ctlen = (uint32_t)ctlen;
	return keyd_send2(IMSG_KEYD_COOKIE_DEC, &s, sizeof(s), ct, ctlen, cb,
	    arg);
}

uint32_t
keyd_cert_sign(uint32_t tstamp, uint32_t fstamp, const uint8_t *der,
    size_t derlen, keyd_cb cb, void *arg)
{
	struct ipc_keyd_cert_sign s;

	if (der == NULL || derlen == 0 || derlen > KEYD_MAXVAL)
		return 0;
	memset(&s, 0, sizeof(s));
	s.tstamp = tstamp;
	s.fstamp = fstamp;
	s.certlen = (uint32_t)derlen;
	return keyd_send2(IMSG_KEYD_CERT_SIGN, &s, sizeof(s), der, derlen,
	    cb, arg);
}
