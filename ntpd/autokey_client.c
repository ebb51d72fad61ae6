/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * The Autokey client's state machine (spec 1.4, 1.5, 3, 7), as pure
 * functions over struct ak_client: ak_client_request() says which
 * request goes out next and builds it; ak_client_recv() takes one
 * response and says what changed and what the caller must do (reset,
 * ask keyd to decrypt the cookie, cache a certificate, ...).
 *
 * Where we differ from the reference 4.2.8 on purpose:
 *  - a server that advertises an identity scheme must prove it: without
 *    the group's parameters the association stays short of VRFY (and
 *    says why) instead of trusting the certificate alone (spec 7.1);
 *  - challenges are left-padded to the modulus length (spec 3.8);
 *  - certificates are checked against the current time, CERT answers
 *    must carry the subject asked for, and SIGN answers our subject.
 */

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "ntptime.h"
#include "packet.h"
#include "autokey.h"

static enum ak_err	ak_client_fail(struct ak_client *, enum ak_err,
			    const char *, struct ak_todo *);

void
ak_client_init(struct ak_client *c, uint32_t associd, int hmode,
    const struct ak_group *group)
{
	memset(c, 0, sizeof(*c));
	c->associd = associd;
	c->hmode = hmode;
	c->group = group;
}

/* Back to the start (flag word 0); keeps who we are and our group. */
void
ak_client_reset(struct ak_client *c)
{
	uint32_t		 associd = c->associd;
	int			 hmode = c->hmode, volley = c->volley;
	const struct ak_group	*group = c->group;

	ak_client_free(c);
	c->associd = associd;
	c->hmode = hmode;
	c->volley = volley;
	c->group = group;
}

void
ak_client_free(struct ak_client *c)
{
	EVP_PKEY_free(c->pkey);
	free(c->trail);
	sodium_memzero(c, sizeof(*c));
}

/* For tests and replays: the challenge the next identity request sends. */
int
ak_client_set_challenge(struct ak_client *c, const uint8_t *chal, size_t len)
{
	if (len == 0 || len > sizeof(c->chal))
		return -1;
	memcpy(c->chal, chal, len);
	c->challen = len;
	c->chal_out = 1;
	return 0;
}

static int
ak_symmetric(const struct ak_client *c)
{
	return c->hmode == NTP_MODE_SYMACT || c->hmode == NTP_MODE_SYMPASS;
}

/*
 * The identity scheme to run: the first of IFF, GQ, MV that the peer
 * advertises and that we hold the group's parameters for (GQ also needs
 * v from the trusted certificate).  0 with nogroup set: the peer wants
 * to prove itself and we cannot check it.
 */
static int
ak_client_scheme(struct ak_client *c)
{
	const struct ak_group	*g = c->group;
	uint32_t		 f = c->flags;

	c->nogroup = 0;
	if ((f & AK_F_SCHEME) == 0)
		return 0;
	if (g != NULL) {
		if ((f & AK_F_IFF) && g->iff != NULL)
			return AK_IFF;
		if ((f & AK_F_GQ) && g->gq != NULL && c->gqkeylen > 0)
			return AK_GQ;
		if ((f & AK_F_MV) && g->mv != NULL)
			return AK_MV;
	}
	c->nogroup = 1;
	return 0;
}

int
ak_client_needs_ident(const struct ak_client *c)
{
	return c->nogroup;
}

/* A fresh challenge below the scheme's modulus, left-padded (trap 2). */
static int
ak_client_challenge(struct ak_client *c, int scheme, uint32_t *fs)
{
	const struct ak_group	*g = c->group;
	const BIGNUM		*mod;
	size_t			 len;

	switch (scheme) {
	case AK_IFF:
		mod = g->iff->q;
		len = ident_iff_challenge_len(g->iff);
		*fs = g->iff_fs;
		break;
	case AK_GQ:
		mod = g->gq->n;
		len = ident_gq_challenge_len(g->gq);
		*fs = g->gq_fs;
		break;
	case AK_MV:
		mod = g->mv->p;
		len = ident_mv_challenge_len(g->mv);
		*fs = g->mv_fs;
		break;
	default:
		return -1;
	}
	if (c->chal_out && c->challen == len && (c->scheme == 0 ||
	    c->scheme == scheme))
		return 0;	/* resend the outstanding one */
	if (len == 0 || len > sizeof(c->chal) ||
	    ident_challenge(len, mod, c->chal) == -1)
		return -1;
	c->challen = len;
	c->chal_out = 1;
	return 0;
}

/*
 * The next request (spec 1.5 table, first match wins), appended at *off.
 * Returns its code, or 0 when nothing is to be sent (then the packet goes
 * out with a MAC only).  Requests are unsigned with timestamp 0 except
 * ASSOC (host-value timestamp) and the keyd-signed COOK and SIGN values.
 */
int
ak_client_request(struct ak_client *c, const struct ak_host *h, uint8_t *buf,
    size_t buflen, size_t *off)
{
	struct ak_msg	 m;
	uint32_t	 f = c->flags, fs = 0, id;
	size_t		 n = 0;
	int		 code, scheme;

	memset(&m, 0, sizeof(m));
	m.associd = c->associd;
	m.has_value = 1;
	if (f == 0) {
		if (c->volley)
			return 0;	/* the broadcast ASSOC starts us */
		code = AK_ASSOC;
		m.tstamp = h->hostval_ts;
		m.fstamp = h->status;
		m.val = (const uint8_t *)h->name;
		m.vallen = strlen(h->name);
	} else if (!(f & AK_F_CERT)) {
		code = AK_CERT;
		m.fstamp = h->hostval_ts;
		m.val = (const uint8_t *)c->issuer;
		m.vallen = strlen(c->issuer);
	} else if (!(f & AK_F_VRFY)) {
		if ((scheme = ak_client_scheme(c)) == 0) {
			snprintf(c->reason, sizeof(c->reason), "server "
			    "advertises identity scheme 0x%02x but no group "
			    "key is installed for it", f & AK_F_SCHEME);
			c->last_err = AK_EID;
			return 0;
		}
		if (ak_client_challenge(c, scheme, &fs) == -1)
			return 0;
		c->scheme = scheme;
		code = scheme;
		m.fstamp = fs;
		m.val = c->chal;
		m.vallen = c->challen;
	} else if (!(f & AK_F_COOK)) {
		if (h->pubkey.val == NULL || h->pubkey.vallen == 0)
			return 0;
		code = AK_COOK;
		n = ak_msg_append_signed(buf, buflen, *off, code, 0,
		    c->associd, &h->pubkey);
	} else if (!(f & AK_F_AUTO)) {
		code = AK_AUTO;
		id = c->volley ? c->bcast_associd : (ak_symmetric(c) ?
		    c->associd : c->peer_associd);
		n = ak_msg_short(buf, buflen, *off, code, 0, 0, id);
	} else if (!h->synced) {
		return 0;
	} else if (!(f & AK_F_SIGN)) {
		if (h->cert.val == NULL || h->cert.vallen == 0)
			return 0;
		code = AK_SIGN;
		n = ak_msg_append_signed(buf, buflen, *off, code, 0,
		    c->associd, &h->cert);
	} else if (!(f & AK_F_LEAP)) {
		code = AK_LEAP;
		n = ak_msg_short(buf, buflen, *off, code, 0, 0, c->associd);
	} else
		return 0;

	if (code == AK_ASSOC || code == AK_CERT || code == AK_IFF ||
	    code == AK_GQ || code == AK_MV) {
		m.code = code;
		n = ak_msg_append(buf, buflen, *off, &m);
	}
	if (n == 0)
		return 0;
	*off = n;
	return code;
}

static enum ak_err
ak_client_fail(struct ak_client *c, enum ak_err e, const char *what,
    struct ak_todo *todo)
{
	c->last_err = e;
	snprintf(c->reason, sizeof(c->reason), "%s: %s", what,
	    ak_strerror(e));
	if (e == AK_EERR)
		todo->kind = AK_TODO_RESET;
	return e;
}

/* crypto_verify plus its last rule: a good signature after VRFY is PROV. */
static enum ak_err
ak_client_verify(struct ak_client *c, const struct ak_msg *m,
    uint32_t associd, const struct ak_stamp *prev)
{
	enum ak_err	 e;

	e = ak_verify(m, associd, prev, c->pkey, c->sigmd, 0);
	if (e == AK_OK && (c->flags & AK_F_VRFY))
		c->flags |= AK_F_PROV;
	return e;
}

/* ASSOC response (spec 3.2, 1.4): the peer's status word becomes ours. */
static enum ak_err
ak_client_assoc(struct ak_client *c, const struct ak_host *h,
    const struct ak_msg *m, int peer_mode, struct ak_todo *todo)
{
	struct ak_assoc	 a;
	const EVP_MD	*md;
	enum ak_err	 e;
	uint32_t	 st;

	if (c->flags != 0) {
		/* spec 11.2 item 18 */
		if (m->associd != c->peer_associd)
			return ak_client_fail(c, AK_EERR, "ASSOC", todo);
		return AK_EIGNORE;
	}
	if ((e = ak_assoc_value(m, &a)) != AK_OK)
		return ak_client_fail(c, e, "ASSOC", todo);
	st = a.status;
	if (h->pc && !(st & AK_F_PRIV))
		return ak_client_fail(c, AK_EKEY, "ASSOC", todo);
	if (ak_symmetric(c) && ((h->status & AK_F_SCHEME) != 0) !=
	    ((st & AK_F_SCHEME) != 0))
		return ak_client_fail(c, AK_EKEY, "ASSOC", todo);
	if ((md = ak_nid_digest(AK_F_NID(st))) == NULL)
		return ak_client_fail(c, AK_EMD, "ASSOC", todo);
	c->flags = st;
	if (peer_mode == NTP_MODE_SERVER)
		c->flags |= AK_F_AUTO;
	if (!(st & AK_F_TAI))
		c->flags |= AK_F_LEAP;
	if (h->pc)
		c->flags |= AK_F_CERT | AK_F_VRFY | AK_F_SIGN;
	c->peer_associd = m->associd;
	if (peer_mode == NTP_MODE_BROADCAST)
		c->bcast_associd = m->associd;
	strlcpy(c->host, a.host, sizeof(c->host));
	strlcpy(c->issuer, a.host, sizeof(c->issuer));
	c->sigmd = md;
	randombytes_buf(&c->hcookie, sizeof(c->hcookie));
	c->reason[0] = '\0';
	return AK_OK;
}

/* CERT response (spec 3.3, 7.5, 8.3): one step along the trail. */
static enum ak_err
ak_client_cert(struct ak_client *c, const struct ak_host *h,
    const struct ak_msg *m, struct ak_todo *todo)
{
	struct cert_info	 ci;
	char			 err[128];
	EVP_PKEY		*key;
	uint8_t			*copy;
	enum ak_err		 e;

	if (!m->has_value || (c->flags & AK_F_CERT))
		return AK_EIGNORE;	/* not found, or done already */
	if ((e = ak_verify(m, c->associd, NULL, NULL, NULL, AK_V_NOSIG)) !=
	    AK_OK)
		return ak_client_fail(c, e, "CERT", todo);
	if (cert_parse(m->val, m->vallen, &ci, err, sizeof(err)) == -1 ||
	    strcmp(ci.subject, c->issuer) != 0 ||
	    ci.mark == CERT_MARK_PRIVATE)
		return ak_client_fail(c, AK_ECRT, "CERT", todo);
	if ((e = ak_cert_check(&ci, m->fstamp, h->name, h->now)) != AK_OK)
		return ak_client_fail(c, e, "CERT", todo);
	if ((key = ak_cert_pubkey(m->val, m->vallen)) == NULL)
		return ak_client_fail(c, AK_EPUB, "CERT", todo);
	if (c->trail != NULL && (e = ak_cert_trail(c->trail, c->traillen,
	    &c->trailinfo, key, &ci)) != AK_OK) {
		EVP_PKEY_free(key);
		return ak_client_fail(c, e, "CERT", todo);
	}
	if ((copy = malloc(m->vallen)) == NULL) {
		EVP_PKEY_free(key);
		return ak_client_fail(c, AK_ENOMEM, "CERT", todo);
	}
	memcpy(copy, m->val, m->vallen);
	free(c->trail);
	c->trail = copy;
	c->traillen = m->vallen;
	c->trailinfo = ci;
	if (c->pkey == NULL)
		c->pkey = key;		/* verifies all later signatures */
	else
		EVP_PKEY_free(key);
	strlcpy(c->issuer, ci.issuer, sizeof(c->issuer));
	if (strcmp(ci.subject, ci.issuer) != 0)
		return AK_OK;		/* ask for the issuer next */
	if (ci.mark != CERT_MARK_TRUST) {
		snprintf(c->reason, sizeof(c->reason), "trail ends in the "
		    "untrusted self-signed certificate of %.60s", ci.subject);
		return AK_OK;
	}
	c->flags |= AK_F_CERT;
	if (ci.gqkeylen > 0 && ci.gqkeylen <= sizeof(c->gqkey)) {
		memcpy(c->gqkey, ci.gqkey, ci.gqkeylen);
		c->gqkeylen = ci.gqkeylen;
	}
	if (!(c->flags & AK_F_SCHEME))
		c->flags |= AK_F_VRFY;	/* TC: the trusted root is all */
	return AK_OK;
}

/* GQ with n, b from the group file and v from the trusted certificate. */
static int
ak_client_gq_verify(struct ak_client *c, const struct ak_msg *m)
{
	struct ident_gq	 gq;
	int		 rv;

	memset(&gq, 0, sizeof(gq));
	gq.n = c->group->gq->n;
	gq.b = c->group->gq->b;
	if ((gq.v = BN_bin2bn(c->gqkey, (int)c->gqkeylen, NULL)) == NULL)
		return -1;
	rv = ident_gq_verify(&gq, c->chal, c->challen, m->val, m->vallen);
	BN_free(gq.v);
	return rv;
}

/* IFF, GQ, MV response (spec 3.8, 7): the identity proof. */
static enum ak_err
ak_client_ident(struct ak_client *c, const struct ak_msg *m,
    struct ak_todo *todo)
{
	const struct ak_group	*g = c->group;
	const char		*what = ak_codename(m->code);
	enum ak_err		 e;
	uint32_t		 fs;
	int			 rv;

	if (c->flags & AK_F_VRFY)
		return AK_EIGNORE;
	if (!c->chal_out || m->code != c->scheme || g == NULL)
		return ak_client_fail(c, AK_EID, what, todo);
	if ((e = ak_client_verify(c, m, c->associd, NULL)) != AK_OK)
		return ak_client_fail(c, e, what, todo);
	fs = m->code == AK_IFF ? g->iff_fs : m->code == AK_GQ ? g->gq_fs :
	    g->mv_fs;
	if (m->code == AK_GQ ? m->fstamp < fs : m->fstamp != fs)
		return ak_client_fail(c, AK_EFSP, what, todo);
	c->chal_out = 0;		/* one answer per challenge */
	switch (m->code) {
	case AK_IFF:
		rv = ident_iff_verify(g->iff, c->chal, c->challen, m->val,
		    m->vallen);
		break;
	case AK_GQ:
		rv = ak_client_gq_verify(c, m);
		break;
	default:
		rv = ident_mv_verify(g->mv, c->chal, c->challen, m->val,
		    m->vallen);
		break;
	}
	if (rv != 0)
		return ak_client_fail(c, AK_EID, "identity not verified",
		    todo);
	c->flags |= AK_F_VRFY;
	c->reason[0] = '\0';
	return AK_OK;
}

/* COOK response (spec 3.4): keyd decrypts, ak_client_cookie() finishes. */
static enum ak_err
ak_client_cook(struct ak_client *c, const struct ak_host *h,
    const struct ak_msg *m, struct ak_todo *todo)
{
	enum ak_err	 e;

	if (c->flags & AK_F_COOK)
		return AK_EIGNORE;
	if (!(c->flags & AK_F_VRFY))
		return ak_client_fail(c, AK_EID, "COOK before identity",
		    todo);
	if ((e = ak_client_verify(c, m, c->associd, NULL)) != AK_OK)
		return ak_client_fail(c, e, "COOK", todo);
	if (h->modlen == 0 || m->vallen != h->modlen)
		return ak_client_fail(c, AK_ECKY, "COOK", todo);
	todo->kind = AK_TODO_DECRYPT;
	todo->val = m->val;
	todo->vallen = m->vallen;
	return AK_OK;
}

/* keyd's plaintext of the COOK value: exactly 4 bytes (spec 11.2 #23). */
enum ak_err
ak_client_cookie(struct ak_client *c, const uint8_t *plain, size_t len)
{
	uint32_t	 v;

	if (plain == NULL || len != 4) {
		c->last_err = AK_ECKY;
		snprintf(c->reason, sizeof(c->reason), "COOK: %s",
		    ak_strerror(AK_ECKY));
		return AK_ECKY;
	}
	v = ntp_get32(plain);
	c->cookie = ak_symmetric(c) ? c->hcookie ^ v : v;
	c->flags |= AK_F_COOK;
	return AK_OK;
}

/* AUTO response (spec 3.5): the peer's chain anchor. */
static enum ak_err
ak_client_auto(struct ak_client *c, const struct ak_msg *m, int peer_mode,
    struct ak_todo *todo)
{
	uint32_t	 id, key;
	int32_t		 seq;
	enum ak_err	 e;

	id = c->associd;
	if (c->volley || peer_mode == NTP_MODE_BROADCAST) {
		if (m->associd != c->bcast_associd)
			return AK_EIGNORE;
		id = c->bcast_associd;
	}
	if ((e = ak_client_verify(c, m, id, &c->autoref)) != AK_OK)
		return ak_client_fail(c, e, "AUTO", todo);
	if ((e = ak_auto_value(m, &key, &seq)) != AK_OK)
		return ak_client_fail(c, e, "AUTO", todo);
	ak_chain_set(&c->chain, key, seq);
	c->autoref.tstamp = m->tstamp;
	c->autoref.fstamp = m->fstamp;
	c->flags |= AK_F_AUTO;
	return AK_OK;
}

/* SIGN response (spec 3.7): our certificate, signed by the peer. */
static enum ak_err
ak_client_sign(struct ak_client *c, const struct ak_host *h,
    const struct ak_msg *m, struct ak_todo *todo)
{
	struct cert_info	 ci;
	char			 err[128];
	enum ak_err		 e;

	if (c->flags & AK_F_SIGN)
		return AK_EIGNORE;
	if ((e = ak_client_verify(c, m, c->associd, NULL)) != AK_OK)
		return ak_client_fail(c, e, "SIGN", todo);
	if (cert_parse(m->val, m->vallen, &ci, err, sizeof(err)) == -1 ||
	    strcmp(ci.subject, h->name) != 0 ||
	    strcmp(ci.issuer, c->host) != 0)
		return ak_client_fail(c, AK_ECRT, "SIGN", todo);
	if ((e = ak_cert_check(&ci, m->fstamp, NULL, h->now)) != AK_OK)
		return ak_client_fail(c, e, "SIGN", todo);
	c->flags |= AK_F_SIGN;
	todo->kind = AK_TODO_INSTALL;
	todo->val = m->val;
	todo->vallen = m->vallen;
	todo->fstamp = m->fstamp;
	return AK_OK;
}

/* LEAP response (spec 3.6). */
static enum ak_err
ak_client_leap(struct ak_client *c, const struct ak_msg *m,
    struct ak_todo *todo)
{
	enum ak_err	 e;

	if ((e = ak_client_verify(c, m, c->associd, NULL)) != AK_OK)
		return ak_client_fail(c, e, "LEAP", todo);
	if ((e = ak_leap_value(m, &c->leap)) != AK_OK)
		return e;
	c->flags |= AK_F_LEAP;
	todo->kind = AK_TODO_LEAP;
	todo->leap = c->leap;
	return AK_OK;
}

/*
 * One received field on this association; peer_mode is the NTP mode of
 * the packet it came in.  Requests are not a client's business (the
 * symmetric responder comes later); error responses and responses we
 * have no handler for are protocol errors (spec 2.4 rule 4, 11.2 #20).
 */
enum ak_err
ak_client_recv(struct ak_client *c, const struct ak_host *h,
    const struct ak_msg *m, int peer_mode, struct ak_todo *todo)
{
	memset(todo, 0, sizeof(*todo));
	if (m->error)
		return ak_client_fail(c, AK_EERR, ak_codename(m->code), todo);
	if (!m->response)
		return AK_EIGNORE;
	switch (m->code) {
	case AK_ASSOC:
		return ak_client_assoc(c, h, m, peer_mode, todo);
	case AK_CERT:
		return ak_client_cert(c, h, m, todo);
	case AK_COOK:
		return ak_client_cook(c, h, m, todo);
	case AK_AUTO:
		return ak_client_auto(c, m, peer_mode, todo);
	case AK_LEAP:
		return ak_client_leap(c, m, todo);
	case AK_SIGN:
		return ak_client_sign(c, h, m, todo);
	case AK_IFF:
	case AK_GQ:
	case AK_MV:
		return ak_client_ident(c, m, todo);
	default:
		return ak_client_fail(c, AK_EERR, "unknown response", todo);
	}
}

/*
 * Every field of a packet that passed its MAC check, in order; the
 * first failure ends the walk (spec 2.4 rule 6).  The todo of the last
 * field that asked for something is returned.
 */
enum ak_err
ak_client_recv_ext(struct ak_client *c, const struct ak_host *h,
    const struct ntp_pkt *p, struct ak_todo *todo)
{
	const uint8_t	*q = p->ext;
	size_t		 left = p->extlen;
	struct ntp_ext	 e;
	struct ak_msg	 m;
	struct ak_todo	 t;
	enum ak_err	 rv = AK_EIGNORE, r;
	int		 n;

	memset(todo, 0, sizeof(*todo));
	while ((n = packet_ext_next(&q, &left, &e)) == 1) {
		if ((r = ak_msg_parse(&e, &m)) != AK_OK) {
			if (r == AK_EERR)
				todo->kind = AK_TODO_RESET;
			return ak_client_fail(c, r, "field", todo);
		}
		r = ak_client_recv(c, h, &m, p->mode, &t);
		if (t.kind != AK_TODO_NONE)
			*todo = t;
		if (r != AK_OK && r != AK_EIGNORE)
			return r;
		if (r == AK_OK)
			rv = AK_OK;
	}
	if (n == -1)
		return ak_client_fail(c, AK_ELEN, "field", todo);
	return rv;
}

/*
 * A crypto-NAK (spec 2.6, 11.1 items 8 and 9) resets the association
 * only when it answers the last request we sent (its origin timestamp is
 * that request's transmit timestamp) and there is Autokey state to
 * reset; anything else is ignored (CVE-2016-1547, CVE-2016-4957,
 * CVE-2015-7871).  Returns 1 if the association was reset.
 */
int
ak_client_nak(struct ak_client *c, const struct ntp_pkt *p, ntp_ts lastxmt)
{
	if (!ak_is_nak(p) || lastxmt == 0 || p->org != lastxmt ||
	    c->flags == 0)
		return 0;
	ak_client_reset(c);
	return 1;
}

/* Proven: signatures verified after the identity, cookie in hand. */
int
ak_client_proven(const struct ak_client *c)
{
	return (c->flags & (AK_F_PROV | AK_F_COOK | AK_F_VRFY | AK_F_CERT)) ==
	    (AK_F_PROV | AK_F_COOK | AK_F_VRFY | AK_F_CERT);
}

/* The cookie for the MAC of a packet we send (trap 5). */
uint32_t
ak_client_mac_cookie(const struct ak_client *c, int has_ef)
{
	if (has_ef || !(c->flags & AK_F_COOK))
		return 0;
	return c->cookie;
}
