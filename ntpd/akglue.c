/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * Autokey in the engine (RFC 5906; spec shared/spec/autokey.md).  The
 * protocol itself is the pure layer of autokey.h; this file runs it:
 *
 * Host state.  keyd's public material (host name, status word, host
 * key, certificates, installed group keys) is fetched at start and
 * after every reload (keyd_client_on_change).  The "signature update"
 * of the reference (spec 6.2) happens when the host first becomes
 * synchronised (a server with "local stratum" counts as synchronised),
 * after a reload and then once a day: keyd signs the values that do not
 * depend on a request (our public key for COOK requests, our
 * certificate for SIGN requests, every servable certificate for CERT
 * responses, the leap values), and the status word gains TAI.
 *
 * Client.  The associations are in akclient.c.
 *
 * Server.  Stateless towards clients (spec 3.1): a random private
 * value, rotated, behind the cookies; responses that need a private key
 * wait in a bounded table while keyd works and go out from its callback.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <sodium.h>

#include "akglue.h"
#include "akglue_int.h"
#include "autokey.h"
#include "config.h"
#include "engine.h"
#include "keyd_client.h"
#include "log.h"
#include "packet.h"

struct akg_state	 akg;

uint32_t
akg_ntpnow(void)
{
	return (uint32_t)((uint64_t)engine_unix() + NTP_UNIX_OFFSET);
}

/* Synchronised as far as Autokey goes: the clock, or a local stratum. */
int
akg_synced(void)
{
	return eng->sys.synced || eng->conf.local_stratum > 0;
}

int
akglue_enabled(void)
{
	return akg.crypto;
}

/* ---- host state: keyd's public material -------------------------- */

/* Certificate list: add or replace (same subject and issuer). */
static struct akcert *
akg_cert_add(const uint8_t *der, size_t derlen, const struct cert_info *ci,
    uint32_t flags, uint32_t fstamp, const char *origin)
{
	struct akcert *c, *slot = NULL, *oldest = NULL;
	uint8_t *copy;
	size_t i;

	for (i = 0; i < AKG_NCERTS; i++) {
		c = &akg.certs[i];
		if (!c->used) {
			if (slot == NULL)
				slot = c;
			continue;
		}
		if (strcmp(c->ci.subject, ci->subject) == 0 &&
		    strcmp(c->ci.issuer, ci->issuer) == 0 &&
		    strcmp(c->origin, origin) == 0) {
			/* The newer one wins (spec 8.3 rule 7). */
			if (c->derlen == derlen &&
			    memcmp(c->der, der, derlen) == 0)
				return c;
			if (fstamp < c->fstamp)
				return c;
			slot = c;
			break;
		}
		if (strcmp(c->origin, "own") != 0 &&
		    (oldest == NULL || c->seq < oldest->seq))
			oldest = c;
	}
	if (slot == NULL)
		slot = oldest;
	if (slot == NULL || (copy = malloc(derlen)) == NULL)
		return NULL;
	memcpy(copy, der, derlen);
	free(slot->der);
	memset(slot, 0, sizeof(*slot));
	slot->used = 1;
	slot->seq = ++akg.certseq;
	slot->ci = *ci;
	slot->flags = flags;
	slot->fstamp = fstamp;
	strlcpy(slot->origin, origin, sizeof(slot->origin));
	slot->der = copy;
	slot->derlen = derlen;
	return slot;
}

static void
akg_certs_clear(void)
{
	size_t i;

	for (i = 0; i < AKG_NCERTS; i++) {
		free(akg.certs[i].der);
		memset(&akg.certs[i], 0, sizeof(akg.certs[i]));
	}
}

static struct akcert *
akg_own_cert(void)
{
	size_t i;

	for (i = 0; i < AKG_NCERTS; i++)
		if (akg.certs[i].used &&
		    strcmp(akg.certs[i].origin, "own") == 0 &&
		    strcmp(akg.certs[i].ci.subject, akg.pub.host) == 0)
			return &akg.certs[i];
	return NULL;
}

static void
akg_groups_clear(void)
{
	size_t i;

	for (i = 0; i < akg.ngroups; i++) {
		if (akg.groups[i].iff != NULL) {
			ident_iff_free(akg.groups[i].iff);
			free(akg.groups[i].iff);
		}
		if (akg.groups[i].gq != NULL) {
			ident_gq_free(akg.groups[i].gq);
			free(akg.groups[i].gq);
		}
		if (akg.groups[i].mv != NULL) {
			ident_mv_client_free(akg.groups[i].mv);
			free(akg.groups[i].mv);
		}
	}
	memset(akg.groups, 0, sizeof(akg.groups));
	akg.ngroups = 0;
}

struct ak_group *
akg_group_find(const char *name)
{
	size_t i;

	if (name == NULL || name[0] == '\0')
		return NULL;
	for (i = 0; i < akg.ngroups; i++)
		if (strcmp(akg.groups[i].name, name) == 0)
			return &akg.groups[i];
	return NULL;
}

/* The n-th integer of keyd's group parameters (ipc.h). */
static BIGNUM *
akg_param(const uint8_t *d, size_t len, uint32_t n)
{
	size_t off = 0, l;
	uint32_t i;

	for (i = 0; ; i++) {
		if (off + 2 > len)
			return NULL;
		l = (size_t)d[off] << 8 | d[off + 1];
		off += 2;
		if (off + l > len)
			return NULL;
		if (i == n)
			return l == 0 ? NULL : BN_bin2bn(d + off, (int)l, NULL);
		off += l;
	}
}

static void
akg_got_group(void *arg, const struct keyd_reply *r)
{
	const struct ipc_keyd_groupinfo *gi = r->group;
	struct ak_group *g;
	char name[IPC_NAMELEN];

	if ((uint32_t)(uintptr_t)arg != akg.gen || r->error != 0)
		return;
	memcpy(name, gi->group, sizeof(name));
	name[sizeof(name) - 1] = '\0';
	if ((g = akg_group_find(name)) == NULL) {
		if (akg.ngroups >= KEYD_MAXGROUPS)
			return;
		g = &akg.groups[akg.ngroups++];
		strlcpy(g->name, name, sizeof(g->name));
	}
	switch (gi->scheme) {
	case KEYD_SCHEME_IFF:
		if (g->iff != NULL || (g->iff = calloc(1, sizeof(*g->iff))) ==
		    NULL)
			return;
		g->iff->p = akg_param(r->data, r->datalen, 0);
		g->iff->q = akg_param(r->data, r->datalen, 1);
		g->iff->g = akg_param(r->data, r->datalen, 2);
		g->iff->v = akg_param(r->data, r->datalen, 3);
		g->iff_fs = gi->fstamp;
		if (g->iff->p == NULL || g->iff->q == NULL ||
		    g->iff->g == NULL || g->iff->v == NULL) {
			ident_iff_free(g->iff);
			free(g->iff);
			g->iff = NULL;
		}
		break;
	case KEYD_SCHEME_GQ:
		if (g->gq != NULL || (g->gq = calloc(1, sizeof(*g->gq))) ==
		    NULL)
			return;
		g->gq->n = akg_param(r->data, r->datalen, 0);
		g->gq->b = akg_param(r->data, r->datalen, 1);
		g->gq->v = akg_param(r->data, r->datalen, 2);
		g->gq_fs = gi->fstamp;
		if (g->gq->n == NULL || g->gq->b == NULL) {
			ident_gq_free(g->gq);
			free(g->gq);
			g->gq = NULL;
		}
		break;
	case KEYD_SCHEME_MV:
		if (g->mv != NULL || (g->mv = calloc(1, sizeof(*g->mv))) ==
		    NULL)
			return;
		g->mv->p = akg_param(r->data, r->datalen, 0);
		g->mv->xbar = akg_param(r->data, r->datalen, 1);
		g->mv->xhat = akg_param(r->data, r->datalen, 2);
		g->mv_fs = gi->fstamp;
		if (g->mv->p == NULL || g->mv->xbar == NULL ||
		    g->mv->xhat == NULL) {
			ident_mv_client_free(g->mv);
			free(g->mv);
			g->mv = NULL;
		}
		break;
	}
	log_debug("autokey: group key %s (scheme 0x%02x) installed", name,
	    gi->scheme);
}

static void
akg_got_cert(void *arg, const struct keyd_reply *r)
{
	const struct ipc_keyd_certinfo *kc = r->cert;
	struct cert_info ci;
	char err[128];
	uint32_t flags = 0;

	if ((uint32_t)(uintptr_t)arg != akg.gen || r->error != 0)
		return;
	if (cert_parse(r->data, r->datalen, &ci, err, sizeof(err)) == -1) {
		log_warnx("autokey: keyd's certificate: %s", err);
		return;
	}
	if (kc->flags & KEYD_CERT_TRUST)
		flags |= AKG_CF_TRUST;
	if (kc->flags & KEYD_CERT_PRIV)
		flags |= AKG_CF_PRIV;
	if (akg_cert_add(r->data, r->datalen, &ci, flags, kc->fstamp,
	    "own") == NULL)
		return;
	akg_srv_rebuild();
	/* Ours is in: sign what needs signing. */
	if (akg_synced() && akg_own_cert() != NULL)
		akg_sigupdate(engine_mono());
}

/* keyd's public material arrived (start, reload): start over. */
static void
akg_keyd_change(void *arg)
{
	const struct ipc_keyd_public *pub = keyd_public();
	const uint8_t *key;
	struct peer *p;
	size_t len;
	uint32_t i;

	(void)arg;
	if (pub == NULL)
		return;
	akg.gen++;
	akg.pub = *pub;
	akg.pub.host[sizeof(akg.pub.host) - 1] = '\0';
	akg.pub.group[sizeof(akg.pub.group) - 1] = '\0';
	akg.pub.ident[sizeof(akg.pub.ident) - 1] = '\0';
	free(akg.pubkey);
	akg.pubkey = NULL;
	akg.pubkeylen = 0;
	if ((key = keyd_public_key(&len)) != NULL && len > 0 &&
	    (akg.pubkey = malloc(len)) != NULL) {
		memcpy(akg.pubkey, key, len);
		akg.pubkeylen = len;
	}
	akg.hostval_ts = 0;
	akg.pksiglen = akg.ownsiglen = akg.leapsiglen = 0;
	akg_certs_clear();
	akg_groups_clear();
	memset(&akg.host, 0, sizeof(akg.host));
	strlcpy(akg.host.name, akg.pub.host, sizeof(akg.host.name));
	akg.host.modlen = akg.pub.modlen;
	akg.host.pc = (akg.pub.status & AK_F_PRIV) != 0;
	akg.ready = 1;
	for (i = 0; i < pub->ncerts && i < KEYD_MAXCERTS; i++)
		if (keyd_get_cert(i, akg_got_cert,
		    (void *)(uintptr_t)akg.gen) == 0)
			log_warnx("autokey: cannot ask keyd for certificate %u",
			    i);
	for (i = 0; i < pub->ngroups && i < KEYD_MAXGROUPS; i++)
		if (keyd_get_group(i, akg_got_group,
		    (void *)(uintptr_t)akg.gen) == 0)
			log_warnx("autokey: cannot ask keyd for group %u", i);
	if (!akg.srv_init) {
		ak_server_init(&akg.srv, akg.md, akg_ntpnow(),
		    eng->conf.ak_revoke);
		akg.srv_init = 1;
	}
	akg_srv_rebuild();
	/* New keys: every association proves itself again. */
	for (p = TAILQ_FIRST(&eng->peers); p != NULL;
	    p = TAILQ_NEXT(p, entry)) {
		if (p->ak == NULL)
			continue;
		p->ak->c.group = NULL;		/* the old ones are gone */
		if (p->ak->c.flags != 0)
			akg_reset(p, "keys reloaded", engine_mono());
	}
	log_info("autokey: host %s, status word 0x%08x, %u certificate(s), "
	    "%u group key(s)", akg.pub.host, akg.pub.status, pub->ncerts,
	    pub->ngroups);
}

/*
 * Before the sandbox: libcrypto reads its configuration file and sets
 * up its providers on first use, which needs open(2); do it now.
 */
void
akglue_preinit(void)
{
	if (OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG |
	    OPENSSL_INIT_ADD_ALL_CIPHERS | OPENSSL_INIT_ADD_ALL_DIGESTS,
	    NULL) != 1)
		fatalx("libcrypto initialisation failed");
	(void)ak_digest("MD5");
	(void)ak_nid_digest(NID_sha256WithRSAEncryption);
}

void
akglue_init(void)
{
	memset(&akg, 0, sizeof(akg));
	akg.crypto = eng->conf.crypto != 0;
	eng->conf.ak_digest[sizeof(eng->conf.ak_digest) - 1] = '\0';
	eng->conf.ak_keysdir[sizeof(eng->conf.ak_keysdir) - 1] = '\0';
	strlcpy(akg.keysdir, eng->conf.ak_keysdir, sizeof(akg.keysdir));
	akg.md = ak_digest(eng->conf.ak_digest[0] != '\0' ?
	    eng->conf.ak_digest : "MD5");
	if (akg.md == NULL) {
		log_warnx("autokey: digest %s unknown, using MD5",
		    eng->conf.ak_digest);
		akg.md = ak_digest("MD5");
	}
	if (akg.crypto)
		keyd_client_on_change(akg_keyd_change, NULL);
}

/* ---- signature update (spec 6.2) --------------------------------- */

enum akg_slot { AKG_S_PUBKEY = 1, AKG_S_OWN, AKG_S_LEAP, AKG_S_CERT };

static void *
akg_slot_arg(int slot)
{
	return (void *)(uintptr_t)((uint64_t)(akg.gen & 0xffffff) << 8 |
	    (unsigned int)slot);
}

static void
akg_got_sig(void *arg, const struct keyd_reply *r)
{
	uintptr_t a = (uintptr_t)arg;
	int slot = (int)(a & 0xff);
	struct akcert *c;

	if ((uint32_t)(a >> 8) != (akg.gen & 0xffffff))
		return;
	if (r->error != 0) {
		log_warnx("autokey: keyd did not sign value %d: error %d",
		    slot, r->error);
		return;
	}
	if (r->siglen == 0 || r->siglen > KEYD_MAXSIG)
		return;
	switch (slot) {
	case AKG_S_PUBKEY:
		memcpy(akg.pksig, r->sig, r->siglen);
		akg.pksiglen = r->siglen;
		break;
	case AKG_S_OWN:
		memcpy(akg.ownsig, r->sig, r->siglen);
		akg.ownsiglen = r->siglen;
		akg_kick(engine_mono());	/* SIGN requests may go now */
		break;
	case AKG_S_LEAP:
		memcpy(akg.leapsig, r->sig, r->siglen);
		akg.leapsiglen = r->siglen;
		break;
	default:
		if (slot < AKG_S_CERT || slot >= AKG_S_CERT + AKG_NCERTS)
			return;
		c = &akg.certs[slot - AKG_S_CERT];
		if (!c->used)
			return;
		memcpy(c->sig, r->sig, r->siglen);
		c->siglen = r->siglen;
		break;
	}
	akg_srv_rebuild();
}

/* The leap values we sign (spec 3.6): zeros without a table. */
static void
akg_leap_values(void)
{
	struct ak_leap l;
	uint32_t tai = 0, epoch = 0, expire = 0;

	sys_leap_values(&tai, &epoch, &expire);
	l.tai = tai;
	l.epoch = epoch;
	l.expire = expire;
	ak_leap_encode(&l, akg.leapval, sizeof(akg.leapval));
}

static void
akg_sign_cert(struct akcert *c)
{
	if (c->ci.mark == CERT_MARK_PRIVATE || (c->flags & AKG_CF_ERROR))
		return;
	c->siglen = 0;
	c->sigts = akg.hostval_ts;
	if (keyd_sign_value(0x82020000U, akg.hostval_ts, c->fstamp, c->der,
	    c->derlen, akg_got_sig, akg_slot_arg(AKG_S_CERT +
	    (int)(c - akg.certs))) == 0)
		log_warnx("autokey: cannot ask keyd to sign the certificate "
		    "of %s", c->ci.subject);
}

/*
 * Sign every request-independent value with a fresh host-value
 * timestamp.  The old signatures stay in use until the new ones arrive
 * except where the timestamp they cover changes (everything).
 */
void
akg_sigupdate(double now)
{
	struct akcert *own;
	size_t i;

	if (!akg.ready || (own = akg_own_cert()) == NULL)
		return;
	akg.hostval_ts = akg_ntpnow();
	akg.sigupdate_at = now;
	akg.pksiglen = akg.ownsiglen = akg.leapsiglen = 0;
	if (akg.pubkey != NULL && keyd_sign_value(0x02030000U, akg.hostval_ts,
	    akg.pub.host_fs, akg.pubkey, akg.pubkeylen, akg_got_sig,
	    akg_slot_arg(AKG_S_PUBKEY)) == 0)
		log_warnx("autokey: cannot ask keyd to sign our public key");
	if (keyd_sign_value(0x02060000U, akg.hostval_ts, own->fstamp, own->der,
	    own->derlen, akg_got_sig, akg_slot_arg(AKG_S_OWN)) == 0)
		log_warnx("autokey: cannot ask keyd to sign our certificate");
	akg_leap_values();
	akg.leap_ts = akg.hostval_ts;
	if (keyd_sign_value(0x82050000U, akg.hostval_ts, akg.pub.host_fs,
	    akg.leapval, sizeof(akg.leapval), akg_got_sig,
	    akg_slot_arg(AKG_S_LEAP)) == 0)
		log_warnx("autokey: cannot ask keyd to sign the leap values");
	for (i = 0; i < AKG_NCERTS; i++)
		if (akg.certs[i].used)
			akg_sign_cert(&akg.certs[i]);
	akg_srv_rebuild();
	log_debug("autokey: signature update at %u", akg.hostval_ts);
}

/* What our requests and responses are built from. */
void
akg_host_refresh(void)
{
	struct akcert *own = akg_own_cert();

	akg.host.status = akg.pub.status | (akg.hostval_ts != 0 ? AK_F_TAI : 0);
	akg.host.hostval_ts = akg.hostval_ts;
	akg.host.synced = eng->sys.synced || eng->conf.local_stratum > 0;
	akg.host.now = time(NULL);
	memset(&akg.host.pubkey, 0, sizeof(akg.host.pubkey));
	akg.host.pubkey.val = akg.pubkey;
	akg.host.pubkey.vallen = akg.pubkeylen;
	akg.host.pubkey.fstamp = akg.pub.host_fs;
	if (akg.pksiglen > 0) {
		akg.host.pubkey.tstamp = akg.hostval_ts;
		akg.host.pubkey.sig = akg.pksig;
		akg.host.pubkey.siglen = akg.pksiglen;
	}
	memset(&akg.host.cert, 0, sizeof(akg.host.cert));
	if (own != NULL && akg.ownsiglen > 0) {
		akg.host.cert.val = own->der;
		akg.host.cert.vallen = own->derlen;
		akg.host.cert.tstamp = akg.hostval_ts;
		akg.host.cert.fstamp = own->fstamp;
		akg.host.cert.sig = akg.ownsig;
		akg.host.cert.siglen = akg.ownsiglen;
	}
}

/* The server's view (ak_srvhost) of the certificate list and values. */
void
akg_srv_rebuild(void)
{
	struct ak_srvhost *sh = &akg.sh;
	struct akcert *c, *own = akg_own_cert();
	size_t i, n = 0;
	time_t now = time(NULL);

	memset(sh, 0, sizeof(*sh));
	memset(akg.srvcerts, 0, sizeof(akg.srvcerts));
	if (!akg.ready)
		return;
	sh->host = akg.pub.host;
	sh->status = akg.pub.status | (akg.hostval_ts != 0 ? AK_F_TAI : 0);
	sh->hostval_ts = akg.hostval_ts;
	for (i = 0; i < AKG_NCERTS; i++) {
		c = &akg.certs[i];
		if (!c->used || c->siglen == 0)
			continue;
		akg.srvcerts[n].subject = c->ci.subject;
		akg.srvcerts[n].trusted = c->ci.mark == CERT_MARK_TRUST;
		akg.srvcerts[n].selfsigned = strcmp(c->ci.subject,
		    c->ci.issuer) == 0;
		akg.srvcerts[n].isprivate = c->ci.mark == CERT_MARK_PRIVATE;
		akg.srvcerts[n].error = (c->flags & AKG_CF_ERROR) != 0;
		akg.srvcerts[n].value.val = c->der;
		akg.srvcerts[n].value.vallen = c->derlen;
		akg.srvcerts[n].value.tstamp = c->sigts;
		akg.srvcerts[n].value.fstamp = c->fstamp;
		akg.srvcerts[n].value.sig = c->sig;
		akg.srvcerts[n].value.siglen = c->siglen;
		n++;
	}
	sh->certs = akg.srvcerts;
	sh->ncerts = n;
	if (akg.leapsiglen > 0) {
		memset(&akg.leap, 0, sizeof(akg.leap));
		akg.leap.val = akg.leapval;
		akg.leap.vallen = sizeof(akg.leapval);
		akg.leap.tstamp = akg.leap_ts;
		akg.leap.fstamp = akg.pub.host_fs;
		akg.leap.sig = akg.leapsig;
		akg.leap.siglen = akg.leapsiglen;
		sh->leap = &akg.leap;
	}
	sh->cert_valid = own != NULL && own->ci.notbefore <= now &&
	    now <= own->ci.notafter;
}

/* A certificate from a SIGN response (or the trail) goes on our list. */
void
akg_install(const uint8_t *der, size_t len, uint32_t fstamp, uint32_t flags,
    const char *origin)
{
	struct cert_info ci;
	struct akcert *c;
	char err[128];

	if (cert_parse(der, len, &ci, err, sizeof(err)) == -1)
		return;
	if ((c = akg_cert_add(der, len, &ci, flags, fstamp, origin)) == NULL)
		return;
	if (akg.hostval_ts != 0 && c->siglen == 0)
		akg_sign_cert(c);
	akg_srv_rebuild();
}

/* ---- server ------------------------------------------------------- */

static void
akg_srv_send(int sock, const struct sockaddr *to, socklen_t tolen,
    struct ntp_pkt *r, uint8_t *buf, size_t buflen, size_t off,
    uint32_t keyid, uint32_t cookie, const struct ak_addr *client,
    const struct ak_addr *server)
{
	struct timespec ts;
	size_t n;
	ssize_t w;

	clock_gettime(CLOCK_REALTIME, &ts);
	r->xmt = ntp_ts_from_timespec(&ts);
	if (packet_build_header(r, buf, NTP_HDRLEN) != NTP_HDRLEN)
		return;
	if ((n = ak_mac_append(akg.md, server, client, keyid, cookie, buf,
	    buflen, off)) == 0)
		return;
	w = engine_sendfrom(&eng->socks[sock], buf, n, to, tolen,
	    server->family, server->addr);
	if (w != (ssize_t)n)
		eng->cnt.tx_errors++;
	else {
		eng->cnt.tx++;
		eng->cnt.ak_responses++;
		eng->cnt.server_replies++;
	}
}

static struct akjob *
akg_job_slot(void)
{
	struct akjob *j, *oldest = NULL;
	size_t i;

	for (i = 0; i < AKG_PENDMAX; i++) {
		j = &akg.jobs[i];
		if (!j->used)
			return j;
		if (oldest == NULL || j->seq < oldest->seq)
			oldest = j;
	}
	/* Full: the oldest gives way (counted). */
	keyd_cancel(oldest->handle);
	oldest->used = 0;
	eng->cnt.ak_dropped++;
	return oldest;
}

static void
akg_job_done(void *arg, const struct keyd_reply *r)
{
	uintptr_t v = (uintptr_t)arg;
	struct akjob *j;
	struct ak_job job;
	uint8_t buf[NTP_MAXPKT];
	size_t off = 0;

	if ((v & 0xffff) >= AKG_PENDMAX)
		return;
	j = &akg.jobs[v & 0xffff];
	if (!j->used || j->tag != (uint32_t)(v >> 16))
		return;
	j->used = 0;
	if ((size_t)j->sock >= eng->nsocks)
		return;
	memset(&job, 0, sizeof(job));
	job.kind = j->kind;
	job.code = j->code;
	job.associd = j->associd;
	job.tstamp = j->tstamp;
	memset(buf, 0, NTP_HDRLEN);
	if (r->error == 0)
		off = ak_server_finish(&job, r->value, r->vallen, r->fstamp,
		    r->sig, r->siglen, buf, sizeof(buf), NTP_HDRLEN);
	if (off == 0) {
		eng->cnt.ak_keyd_failed++;
		if ((off = ak_server_fail(&job, buf, sizeof(buf),
		    NTP_HDRLEN)) == 0)
			return;
	}
	akg_srv_send(j->sock, (struct sockaddr *)&j->to, j->tolen, &j->r,
	    buf, sizeof(buf), off, j->keyid, 0, &j->client, &j->server);
}

/* Hand a response job to keyd; the reply goes out from its callback. */
static void
akg_job_start(int sock, const struct sockaddr *from, socklen_t fromlen,
    const struct ntp_pkt *r, uint32_t keyid, const struct ak_addr *client,
    const struct ak_addr *server, const struct ak_job *job)
{
	struct akjob *j;
	void *arg;
	uint32_t h = 0, scheme;
	uint8_t buf[NTP_MAXPKT];
	size_t off;

	if (fromlen > sizeof(j->to))
		return;
	j = akg_job_slot();
	memset(j, 0, sizeof(*j));
	j->used = 1;
	j->tag = ++akg.jobtag & 0xffffff;
	j->seq = ++akg.jobseq;
	j->sock = sock;
	memcpy(&j->to, from, fromlen);
	j->tolen = fromlen;
	j->r = *r;
	j->keyid = keyid;
	j->client = *client;
	j->server = *server;
	j->kind = job->kind;
	j->code = job->code;
	j->associd = job->associd;
	j->tstamp = job->tstamp;
	arg = (void *)(uintptr_t)((uintptr_t)j->tag << 16 |
	    (uintptr_t)(j - akg.jobs));
	eng->cnt.ak_keyd_jobs++;
	switch (job->kind) {
	case AK_JOB_COOKIE:
		h = keyd_cookie_encrypt(job->tstamp, job->fstamp, job->cookie,
		    job->val, job->vallen, akg_job_done, arg);
		break;
	case AK_JOB_IDENT:
		scheme = job->code == AK_IFF ? KEYD_SCHEME_IFF :
		    job->code == AK_GQ ? KEYD_SCHEME_GQ : KEYD_SCHEME_MV;
		h = keyd_ident_respond(scheme, job->tstamp, job->val,
		    job->vallen, akg_job_done, arg);
		break;
	case AK_JOB_CERTSIGN:
		h = keyd_cert_sign(job->tstamp, job->fstamp, job->val,
		    job->vallen, akg_job_done, arg);
		break;
	default:
		break;
	}
	if (h != 0) {
		j->handle = h;
		return;
	}
	/* keyd cannot take it: an error response now. */
	j->used = 0;
	eng->cnt.ak_keyd_failed++;
	memset(buf, 0, NTP_HDRLEN);
	if ((off = ak_server_fail(job, buf, sizeof(buf), NTP_HDRLEN)) != 0)
		akg_srv_send(sock, from, fromlen, &j->r, buf, sizeof(buf), off,
		    keyid, 0, client, server);
}

/* A crypto-NAK (spec 2.6): our header and the key ID word 0. */
static void
akg_send_nak(struct ntp_sock *ns, const struct sockaddr *to, socklen_t tolen,
    const struct ntp_pkt *r)
{
	uint8_t buf[NTP_HDRLEN + 4];
	struct ntp_pkt x = *r;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	x.xmt = ntp_ts_from_timespec(&ts);
	if (packet_build_header(&x, buf, NTP_HDRLEN) != NTP_HDRLEN)
		return;
	memset(buf + NTP_HDRLEN, 0, 4);
	if (sendto(ns->fd, buf, sizeof(buf), 0, to, tolen) !=
	    (ssize_t)sizeof(buf))
		eng->cnt.tx_errors++;
	else {
		eng->cnt.tx++;
		eng->cnt.ak_naks++;
	}
}

/*
 * A mode 3 request with a MAC (and maybe extension fields).  Returns -1
 * when it is not ours to answer (no crypto, a symmetric key ID): the
 * caller drops it; 0 when handled (answered, NAK'd, or queued for keyd).
 */
int
akglue_server_recv(struct ntp_sock *ns, const uint8_t *buf,
    const struct ntp_pkt *q, const struct sockaddr *from, socklen_t fromlen,
    ntp_ts t2)
{
	struct ak_addr client, server;
	struct ntp_pkt r;
	struct ak_job job;
	uint8_t out[NTP_MAXPKT];
	static const uint8_t zero[16];
	size_t off = NTP_HDRLEN;
	uint32_t cookie;
	int sock = (int)(ns - eng->socks);

	if (!akg.crypto || !akg.ready || !q->has_mac || q->keyid <= AK_MAXKEY)
		return -1;
	/* On a wildcard socket the session keys use the address the
	 * client sent to (IP_PKTINFO), and the answer leaves from it. */
	if (ak_addr_set(&client, from, fromlen) == -1 ||
	    ak_addr_set(&server, (const struct sockaddr *)
	    (engine_sock_wildcard(ns) ? &eng->rx_dst : &ns->local),
	    engine_sock_wildcard(ns) ? sizeof(eng->rx_dst) : ns->locallen) ==
	    -1 || memcmp(server.addr, zero,
	    server.family == AF_INET ? 4 : 16) == 0)
		return -1;	/* no destination address known */
	if (!akg_group_ok(q, akg.pub.ident))
		return 0;	/* declined, without an answer */
	server_header(q, t2, &r);
	if (ak_server_mac_verify(&akg.srv, &client, &server, buf, q,
	    &cookie) != AK_OK) {
		eng->cnt.ak_badmac++;
		akg_send_nak(ns, from, fromlen, &r);
		return 0;
	}
	eng->cnt.ak_requests++;
	akg.sh.now = akg_ntpnow();
	akg.sh.synced = akg_synced() && akg.hostval_ts != 0;
	memset(out, 0, NTP_HDRLEN);
	if (q->extlen > 0) {
		(void)ak_server_respond(&akg.srv, &akg.sh, q, &client, &server,
		    out, sizeof(out), &off, &job);
		if (job.kind != AK_JOB_NONE) {
			akg_job_start(sock, from, fromlen, &r, q->keyid,
			    &client, &server, &job);
			return 0;
		}
	}
	akg_srv_send(sock, from, fromlen, &r, out, sizeof(out), off, q->keyid,
	    cookie, &client, &server);
	return 0;
}

/*
 * The group filter (spec 2.5, checklist 6), before any MAC work: a host
 * whose certificate subject is "host@group" speaks Autokey only with
 * hosts of its own group or of `ident`.  An ASSOC naming a host without
 * a group, or of another group, is declined; one whose name length is
 * impossible is dropped (NTP bug 2052).  1: go on; 0: drop, counted.
 */
int
akg_group_ok(const struct ntp_pkt *p, const char *ident)
{
	char	 peer[AK_GROUPNAMEMAX + 1];

	switch (ak_group_filter(p, akg.pub.group, peer, sizeof(peer))) {
	case AK_OK:
		break;
	case AK_EDECLINE:
		eng->cnt.ak_declined++;
		return (0);
	default:
		eng->cnt.rx_badext++;
		return (0);
	}
	/* "" here: no ASSOC in this packet, or no group of our own */
	if (peer[0] == '\0' || strcmp(peer, akg.pub.group) == 0 ||
	    (ident != NULL && strcmp(peer, ident) == 0))
		return (1);
	eng->cnt.ak_declined++;
	return (0);
}

/* ---- host: timers, certificate list -------------------------------- */

void
akglue_tick(double now)
{
	struct peer *p;

	if (!akg.crypto || !akg.ready)
		return;
	if (akg.srv_init && ak_server_rotate(&akg.srv, akg_ntpnow()))
		log_info("autokey: new server private value");
	if (akg_synced() && (akg.hostval_ts == 0 ||
	    now - akg.sigupdate_at >= AKG_RESIGN))
		akg_sigupdate(now);
	for (p = TAILQ_FIRST(&eng->peers); p != NULL;
	    p = TAILQ_NEXT(p, entry)) {
		if (p->ak == NULL)
			continue;
		/* spec 6.4 NTP_REFRESH: prove it all again */
		if (p->ak->c.flags != 0 &&
		    now - p->ak->started >= ldexp(1.0, AK_REFRESH))
			akg_reset(p, "refresh", now);
	}
}

size_t
akglue_certs(struct ctl_cert *out, size_t max)
{
	const struct akcert *c, *pick;
	uint64_t below = UINT64_MAX;
	size_t n = 0, i;

	/* Newest first, as ntpq's "rv 0 cert". */
	while (n < max) {
		pick = NULL;
		for (i = 0; i < AKG_NCERTS; i++) {
			c = &akg.certs[i];
			if (c->used && c->seq < below &&
			    (pick == NULL || c->seq > pick->seq))
				pick = c;
		}
		if (pick == NULL)
			break;
		below = pick->seq;
		memset(&out[n], 0, sizeof(out[n]));
		strlcpy(out[n].subject, pick->ci.subject,
		    sizeof(out[n].subject));
		strlcpy(out[n].issuer, pick->ci.issuer, sizeof(out[n].issuer));
		out[n].notbefore = pick->ci.notbefore;
		out[n].notafter = pick->ci.notafter;
		out[n].flags = pick->flags;
		out[n].fstamp = pick->fstamp;
		strlcpy(out[n].origin, pick->origin, sizeof(out[n].origin));
		n++;
	}
	return n;
}
