/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * The Autokey server in client/server mode (spec 3.1, 5.1): stateless
 * towards clients.  A response is built from the request, the server's
 * public state (struct ak_srvhost) and the private value behind the
 * cookies.  Responses that need a private key (the signed encrypted
 * cookie, an identity answer, a signed certificate) come back as a job
 * for keyd; ak_server_finish() then builds the field from its answer.
 *
 * Unlike the reference, whose private value stays 0 so that every
 * cookie is a public function of two addresses (spec 5.1, trap 12), the
 * private value is random and rotated; the one before the last rotation
 * is still accepted for a client's MAC until the next one, so clients
 * are not all cut off at once.
 */

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "ntptime.h"
#include "packet.h"
#include "autokey.h"

static uint32_t
ak_server_random(void)
{
	uint32_t	 v;

	do {
		randombytes_buf(&v, sizeof(v));
	} while (v == 0);
	return v;
}

/* revoke: log2 seconds between rotations (4 .. 31; else the default). */
void
ak_server_init(struct ak_server *s, const EVP_MD *md, uint32_t now,
    int revoke)
{
	memset(s, 0, sizeof(*s));
	if (revoke < 4 || revoke > 31)
		revoke = AK_REVOKE;
	s->md = md;
	s->interval = (uint32_t)1 << revoke;
	s->priv = ak_server_random();
	s->rotated = now;
}

/* A new private value when the interval has passed; 1 if rotated. */
int
ak_server_rotate(struct ak_server *s, uint32_t now)
{
	if (now - s->rotated < s->interval)
		return 0;
	s->prevpriv = s->priv;
	s->have_prev = 1;
	s->priv = ak_server_random();
	s->rotated = now;
	return 1;
}

/* Forget the private values (they make every client's cookie). */
void
ak_server_clear(struct ak_server *s)
{
	sodium_memzero(s, sizeof(*s));
}

uint32_t
ak_server_cookie(const struct ak_server *s, const struct ak_addr *client,
    const struct ak_addr *server)
{
	return ak_cookie(s->md, client, server, s->priv);
}

/*
 * A client's MAC, keyed by its cookie (0 with extension fields).  On
 * success *cookie is what keys our reply: the cookie that matched, or 0
 * when the request had fields (the reply then has fields too).
 */
enum ak_err
ak_server_mac_verify(const struct ak_server *s, const struct ak_addr *client,
    const struct ak_addr *server, const uint8_t *buf,
    const struct ntp_pkt *p, uint32_t *cookie)
{
	uint32_t	 c;

	*cookie = 0;
	c = ak_server_cookie(s, client, server);
	if (ak_mac_verify(s->md, client, server, c, buf, p) == AK_OK) {
		*cookie = ak_mac_cookie(p, c);
		return AK_OK;
	}
	if (!s->have_prev || p->extlen > 0)
		return AK_EAUTH;
	c = ak_cookie(s->md, client, server, s->prevpriv);
	if (ak_mac_verify(s->md, client, server, c, buf, p) != AK_OK)
		return AK_EAUTH;
	*cookie = c;
	return AK_OK;
}

/* An 8-byte response: empty (err 0) or an error (E bit). */
static enum ak_err
ak_server_short(const struct ak_msg *m, int err, uint8_t *buf, size_t buflen,
    size_t *off, enum ak_err rv)
{
	size_t		 n;

	n = ak_msg_short(buf, buflen, *off, m->code, 1, err, m->associd);
	if (n == 0)
		return AK_ELEN;
	*off = n;
	return rv;
}

/*
 * The certificate to send for a name (spec 3.3): never a private or
 * errored one, never an untrusted self-signed one; a trusted self-signed
 * certificate first, else the last one signed by someone else.
 */
static const struct ak_srvcert *
ak_server_findcert(const struct ak_srvhost *sh, const char *name)
{
	const struct ak_srvcert	*c, *best = NULL;
	size_t			 i;

	for (i = 0; i < sh->ncerts; i++) {
		c = &sh->certs[i];
		if (c->subject == NULL || strcmp(c->subject, name) != 0 ||
		    c->isprivate || c->error || c->value.val == NULL ||
		    c->value.siglen == 0)
			continue;
		if (c->selfsigned) {
			if (c->trusted)
				return c;
			continue;
		}
		best = c;
	}
	return best;
}

static enum ak_err
ak_server_append(const struct ak_msg *m, const struct ak_signed *v,
    uint8_t *buf, size_t buflen, size_t *off)
{
	size_t		 n;

	n = ak_msg_append_signed(buf, buflen, *off, m->code, 1, m->associd,
	    v);
	if (n == 0)
		return ak_server_short(m, 1, buf, buflen, off, AK_ELEN);
	*off = n;
	return AK_OK;
}

/*
 * Answer the first extension field of a request (spec 3.1, trap 9)
 * from client to server.  Returns AK_OK with either the response
 * appended at *off, or job->kind set (nothing appended yet: hand the job
 * to keyd, then ak_server_finish() or ak_server_fail()).  A request we
 * refuse gets an error response (E bit) and its reason as the result;
 * AK_EIGNORE: nothing to answer (no field, or not a request).
 */
enum ak_err
ak_server_respond(const struct ak_server *s, const struct ak_srvhost *sh,
    const struct ntp_pkt *p, const struct ak_addr *client,
    const struct ak_addr *server, uint8_t *buf, size_t buflen, size_t *off,
    struct ak_job *job)
{
	const struct ak_srvcert	*cert;
	const uint8_t		*q = p->ext;
	size_t			 left = p->extlen;
	struct ntp_ext		 e;
	struct ak_msg		 m;
	struct ak_assoc		 a;
	struct ak_signed	 v;
	struct cert_info	 ci;
	EVP_PKEY		*key;
	char			 name[AK_MAXHOSTNAME + 1], err[128];
	uint32_t		 bit;
	enum ak_err		 rv;

	memset(job, 0, sizeof(*job));
	if (packet_ext_next(&q, &left, &e) != 1)
		return AK_EIGNORE;
	if ((rv = ak_msg_parse(&e, &m)) != AK_OK)
		return rv;
	if (m.response || m.error)
		return AK_EIGNORE;
	job->code = m.code;
	job->associd = m.associd;

	switch (m.code) {
	case AK_ASSOC:
		if ((rv = ak_assoc_value(&m, &a)) != AK_OK || sh->host == NULL)
			return ak_server_short(&m, 1, buf, buflen, off,
			    rv != AK_OK ? rv : AK_ECRT);
		memset(&v, 0, sizeof(v));
		v.val = (const uint8_t *)sh->host;
		v.vallen = strlen(sh->host);
		v.tstamp = sh->hostval_ts;
		v.fstamp = sh->status;
		return ak_server_append(&m, &v, buf, buflen, off);

	case AK_CERT:
		if ((rv = ak_name_value(&m, name, sizeof(name))) != AK_OK)
			return ak_server_short(&m, 1, buf, buflen, off, rv);
		if (!sh->synced || (cert = ak_server_findcert(sh, name)) ==
		    NULL)
			return ak_server_short(&m, 0, buf, buflen, off,
			    AK_OK);
		return ak_server_append(&m, &cert->value, buf, buflen, off);

	case AK_COOK:
		if (!m.has_value || m.vallen >= AK_MAXVALLEN)
			return ak_server_short(&m, 1, buf, buflen, off,
			    AK_ELEN);
		if (m.vallen > sizeof(job->val) ||
		    (key = ak_rsa_pubkey(m.val, m.vallen)) == NULL)
			return ak_server_short(&m, 1, buf, buflen, off,
			    AK_EPUB);
		EVP_PKEY_free(key);
		if (!sh->synced)
			return ak_server_short(&m, 0, buf, buflen, off,
			    AK_OK);
		ntp_put32(job->cookie, ak_server_cookie(s, client, server));
		memcpy(job->val, m.val, m.vallen);
		job->vallen = m.vallen;
		job->kind = AK_JOB_COOKIE;
		job->tstamp = sh->now;
		job->fstamp = sh->hostval_ts;
		return AK_OK;

	case AK_LEAP:
		if (!sh->synced || sh->leap == NULL)
			return ak_server_short(&m, 0, buf, buflen, off,
			    AK_OK);
		return ak_server_append(&m, sh->leap, buf, buflen, off);

	case AK_SIGN:
		if (!sh->synced)
			return ak_server_short(&m, 1, buf, buflen, off,
			    AK_ETSP);
		if (!sh->cert_valid)
			return ak_server_short(&m, 1, buf, buflen, off,
			    AK_EPER);
		if (!m.has_value || m.vallen > sizeof(job->val) ||
		    cert_parse(m.val, m.vallen, &ci, err, sizeof(err)) == -1)
			return ak_server_short(&m, 1, buf, buflen, off,
			    AK_ECRT);
		memcpy(job->val, m.val, m.vallen);
		job->vallen = m.vallen;
		job->kind = AK_JOB_CERTSIGN;
		job->tstamp = sh->now;
		job->fstamp = m.fstamp;
		return AK_OK;

	case AK_IFF:
	case AK_GQ:
	case AK_MV:
		bit = m.code == AK_IFF ? AK_F_IFF : m.code == AK_GQ ?
		    AK_F_GQ : AK_F_MV;
		if (!(sh->status & bit))
			return ak_server_short(&m, 1, buf, buflen, off,
			    AK_EKEY);
		if (!m.has_value || m.vallen > AK_MAXCHAL)
			return ak_server_short(&m, 1, buf, buflen, off,
			    AK_ELEN);
		if (!sh->synced)
			return ak_server_short(&m, 0, buf, buflen, off,
			    AK_OK);
		/* exactly vallen bytes, as sent: never "fixed" (spec 3.8) */
		memcpy(job->val, m.val, m.vallen);
		job->vallen = m.vallen;
		job->kind = AK_JOB_IDENT;
		job->tstamp = sh->now;
		return AK_OK;

	case AK_AUTO:
		/* no association here: the requester must restart */
	default:
		return ak_server_short(&m, 1, buf, buflen, off, AK_EERR);
	}
}

/*
 * Build the response of a job from keyd's answer: its value (the
 * encrypted cookie, the identity answer, the new certificate), its
 * filestamp and the signature.  Returns the new offset, 0 if it does
 * not fit or the answer is empty.
 */
size_t
ak_server_finish(const struct ak_job *job, const uint8_t *val, size_t vallen,
    uint32_t fstamp, const uint8_t *sig, size_t siglen, uint8_t *buf,
    size_t buflen, size_t off)
{
	struct ak_signed	 v;

	if (job->kind == AK_JOB_NONE || val == NULL || vallen == 0 ||
	    sig == NULL || siglen == 0)
		return 0;
	memset(&v, 0, sizeof(v));
	v.tstamp = job->tstamp;
	v.fstamp = fstamp;
	v.val = val;
	v.vallen = vallen;
	v.sig = sig;
	v.siglen = siglen;
	return ak_msg_append_signed(buf, buflen, off, job->code, 1,
	    job->associd, &v);
}

/* keyd refused or failed: an error response for the job's request. */
size_t
ak_server_fail(const struct ak_job *job, uint8_t *buf, size_t buflen,
    size_t off)
{
	return ak_msg_short(buf, buflen, off, job->code, 1, 1, job->associd);
}
