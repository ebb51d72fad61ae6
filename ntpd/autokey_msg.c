/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * Autokey extension fields: decoding and building the fields, the values
 * of the individual messages, and the packet-level checks of the spec's
 * validation checklist (spec 2, 3, 11.1, 11.2).  Pure functions over
 * buffers.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ntptime.h"
#include "packet.h"
#include "autokey.h"

#define P4(n)	(((n) + 3) & ~(size_t)3)

const char *
ak_strerror(enum ak_err e)
{
	switch (e) {
	case AK_OK:
		return "ok";
	case AK_ELEN:
		return "bad field format or length";
	case AK_ETSP:
		return "bad timestamp";
	case AK_EFSP:
		return "bad filestamp";
	case AK_EPUB:
		return "bad or missing public key";
	case AK_EMD:
		return "unsupported digest type";
	case AK_EKEY:
		return "unsupported identity type";
	case AK_ESGL:
		return "bad signature length";
	case AK_ESIG:
		return "signature not verified";
	case AK_EVFY:
		return "certificate not verified";
	case AK_EPER:
		return "certificate expired";
	case AK_ECKY:
		return "bad or missing cookie";
	case AK_EDAT:
		return "bad or missing leapseconds";
	case AK_ECRT:
		return "bad or missing certificate";
	case AK_EID:
		return "bad or missing group key";
	case AK_EERR:
		return "protocol error";
	case AK_EIGNORE:
		return "ignored";
	case AK_EAUTH:
		return "bad authentication";
	case AK_EDECLINE:
		return "declined: not our group";
	case AK_ENOMEM:
		return "out of memory";
	}
	return "unknown autokey error";
}

const char *
ak_codename(int code)
{
	static const char *names[] = { "NULL", "ASSOC", "CERT", "COOK",
	    "AUTO", "LEAP", "SIGN", "IFF", "GQ", "MV" };

	if (code < 0 || (size_t)code >= sizeof(names) / sizeof(names[0]))
		return "unknown";
	return names[code];
}

int
ak_addr_set(struct ak_addr *a, const struct sockaddr *sa, socklen_t len)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;

	memset(a, 0, sizeof(*a));
	if (sa == NULL)
		return -1;
	if (sa->sa_family == AF_INET && len >= sizeof(*sin)) {
		sin = (const struct sockaddr_in *)(const void *)sa;
		a->family = AF_INET;
		memcpy(a->addr, &sin->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6 && len >= sizeof(*sin6)) {
		sin6 = (const struct sockaddr_in6 *)(const void *)sa;
		a->family = AF_INET6;
		memcpy(a->addr, &sin6->sin6_addr, 16);
		return 0;
	}
	return -1;
}

int
ak_addr_pton(struct ak_addr *a, const char *s)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->addr) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->addr) == 1) {
		a->family = AF_INET6;
		return 0;
	}
	return -1;
}

/*
 * Decode one extension field (spec 2.3, 2.4).  The framing (length a
 * multiple of 4, inside the datagram) is packet_ext_next()'s; here:
 *  - version other than 2, or a field under 8 bytes: protocol error,
 *    as the reference (it treats such a field as an error message);
 *  - under 24 bytes: the short form, association ID only;
 *  - otherwise vallen must be 1 .. len - 24 and the signature length
 *    word plus the padded signature must lie inside the field.
 */
enum ak_err
ak_msg_parse(const struct ntp_ext *e, struct ak_msg *m)
{
	const uint8_t	*f = e->start;
	size_t		 vallen, siglen, room;

	memset(m, 0, sizeof(*m));
	if (f == NULL || e->len < NTP_EXT_HDRLEN)
		return AK_ELEN;
	m->word = e->word;
	m->code = (int)NTP_EXT_CODE(e->word);
	m->response = (e->word & NTP_EXT_RESPONSE) != 0;
	m->error = (e->word & NTP_EXT_ERROR) != 0;
	m->len = e->len;
	m->start = f;
	if (NTP_EXT_VERSION(e->word) != AK_VERSION || e->len < 8)
		return AK_EERR;
	m->associd = ntp_get32(f + 4);
	if (e->len < 24)
		return AK_OK;
	m->tstamp = ntp_get32(f + 8);
	m->fstamp = ntp_get32(f + 12);
	vallen = ntp_get32(f + 16);
	room = e->len - 24;
	if (vallen == 0 || vallen > room)
		return AK_ELEN;
	/* room is a multiple of 4, so the siglen word is inside */
	room -= P4(vallen);
	siglen = ntp_get32(f + 20 + P4(vallen));
	if (siglen > room)
		return AK_ELEN;
	m->has_value = 1;
	m->val = f + 20;
	m->vallen = vallen;
	m->siglen = siglen;
	m->sig = siglen > 0 ? f + 24 + P4(vallen) : NULL;
	return AK_OK;
}

/* Append m as a field: value form if it has a value, else 8 bytes. */
size_t
ak_msg_append(uint8_t *buf, size_t buflen, size_t off, const struct ak_msg *m)
{
	struct ntp_ext_value	 v;
	uint32_t		 op;

	op = AK_OPCODE(m->code, m->response, m->error);
	if (!m->has_value)
		return ak_msg_short(buf, buflen, off, m->code, m->response,
		    m->error, m->associd);
	memset(&v, 0, sizeof(v));
	v.associd = m->associd;
	v.tstamp = m->tstamp;
	v.fstamp = m->fstamp;
	v.val = m->val;
	v.vallen = m->vallen;
	v.sig = m->sig;
	v.siglen = m->siglen;
	if (v.vallen > AK_MAXVALLEN || v.siglen > AK_MAXVALLEN)
		return 0;
	return packet_ext_append_value(buf, buflen, off, op, &v);
}

/* The 8-byte form: AUTO and LEAP requests, empty and error responses. */
size_t
ak_msg_short(uint8_t *buf, size_t buflen, size_t off, int code, int resp,
    int err, uint32_t associd)
{
	uint8_t		 id[4];

	ntp_put32(id, associd);
	return packet_ext_append(buf, buflen, off, AK_OPCODE(code, resp, err),
	    id, sizeof(id));
}

size_t
ak_msg_append_signed(uint8_t *buf, size_t buflen, size_t off, int code,
    int resp, uint32_t associd, const struct ak_signed *s)
{
	struct ak_msg	 m;

	memset(&m, 0, sizeof(m));
	m.code = code;
	m.response = resp;
	m.associd = associd;
	m.has_value = 1;
	m.tstamp = s->tstamp;
	m.fstamp = s->fstamp;
	m.val = s->val;
	m.vallen = s->vallen;
	m.sig = s->sig;
	m.siglen = s->siglen;
	return ak_msg_append(buf, buflen, off, &m);
}

/*
 * What a signature covers (spec 6.1): timestamp, filestamp, vallen and
 * the unpadded value.  Returns the length written, 0 if it does not fit.
 */
size_t
ak_sigdata(uint32_t tstamp, uint32_t fstamp, const uint8_t *val,
    size_t vallen, uint8_t *out, size_t outlen)
{
	if (vallen == 0 || vallen > AK_MAXVALLEN || val == NULL ||
	    outlen < 12 || vallen > outlen - 12)
		return 0;
	ntp_put32(out, tstamp);
	ntp_put32(out + 4, fstamp);
	ntp_put32(out + 8, (uint32_t)vallen);
	memcpy(out + 12, val, vallen);
	return 12 + vallen;
}

/* The signed bytes of a received value: EF bytes 8 .. 20 + vallen - 1. */
const uint8_t *
ak_msg_sigdata(const struct ak_msg *m, size_t *len)
{
	if (!m->has_value) {
		*len = 0;
		return NULL;
	}
	*len = 12 + m->vallen;
	return m->start + 8;
}

/* A printable name without NULs, 1 .. max bytes. */
static enum ak_err
ak_copyname(const uint8_t *val, size_t vallen, char *out, size_t outlen)
{
	if (vallen == 0 || vallen > AK_MAXHOSTNAME || vallen >= outlen)
		return AK_ELEN;
	if (memchr(val, '\0', vallen) != NULL)
		return AK_ELEN;
	memcpy(out, val, vallen);
	out[vallen] = '\0';
	return AK_OK;
}

/*
 * ASSOC (spec 3.2): a field under 24 bytes is a bad length, never a
 * crash (the reference asserts here: spec 11.2 item 15, trap "short
 * ASSOC"); the host name is 1 .. 512 bytes (CVE-2014-9295 class).
 */
enum ak_err
ak_assoc_value(const struct ak_msg *m, struct ak_assoc *a)
{
	memset(a, 0, sizeof(*a));
	if (m->code != AK_ASSOC || !m->has_value)
		return AK_ELEN;
	a->associd = m->associd;
	a->tstamp = m->tstamp;
	a->status = m->fstamp;
	return ak_copyname(m->val, m->vallen, a->host, sizeof(a->host));
}

/* CERT request/response name: 1 .. 512 bytes (spec 11.2 item 21). */
enum ak_err
ak_name_value(const struct ak_msg *m, char *name, size_t namelen)
{
	if (namelen > 0)
		name[0] = '\0';
	if (!m->has_value)
		return AK_ELEN;
	return ak_copyname(m->val, m->vallen, name, namelen);
}

/*
 * AUTO value (spec 3.5): key, then seq.  seq is bounded by the list
 * size, because a receiver hashes up to seq + 1 times per packet: an
 * unbounded seq would let any signer make us spin.
 */
enum ak_err
ak_auto_value(const struct ak_msg *m, uint32_t *key, int32_t *seq)
{
	int32_t		 s;

	if (!m->has_value || m->vallen != 8)
		return AK_ELEN;
	s = (int32_t)ntp_get32(m->val + 4);
	if (s < 0 || s >= AK_MAXSESSION)
		return AK_ELEN;
	*key = ntp_get32(m->val);
	*seq = s;
	return AK_OK;
}

/* LEAP value (spec 3.6): exactly 12 bytes, else silently ignored. */
enum ak_err
ak_leap_value(const struct ak_msg *m, struct ak_leap *l)
{
	memset(l, 0, sizeof(*l));
	if (!m->has_value || m->vallen != 12)
		return AK_EIGNORE;
	l->tai = ntp_get32(m->val);
	l->epoch = ntp_get32(m->val + 4);
	l->expire = ntp_get32(m->val + 8);
	return AK_OK;
}

size_t
ak_leap_encode(const struct ak_leap *l, uint8_t *out, size_t outlen)
{
	if (outlen < 12)
		return 0;
	ntp_put32(out, l->tai);
	ntp_put32(out + 4, l->epoch);
	ntp_put32(out + 8, l->expire);
	return 12;
}

int
ak_is_nak(const struct ntp_pkt *p)
{
	return p->has_mac && p->maclen == 0;
}

/*
 * The MAC trailer before any digest is computed (spec 2.6, 11.1 items 4
 * and 5): a MAC must be there, be exactly 4 + digest length bytes, and
 * its key ID must be of the association's class (> 65535 for Autokey,
 * 1 .. 65535 otherwise).  A crypto-NAK is not a MAC: test ak_is_nak()
 * first.
 */
enum ak_err
ak_check_mac_shape(const struct ntp_pkt *p, size_t dlen, int autokey)
{
	if (!p->has_mac || p->maclen == 0 || p->maclen != dlen)
		return AK_EAUTH;
	if (autokey ? p->keyid <= AK_MAXKEY :
	    (p->keyid == 0 || p->keyid > AK_MAXKEY))
		return AK_EAUTH;
	return AK_OK;
}

/*
 * Group-name pre-filter (spec 2.5), for a host whose own subject carries
 * "@group": every ASSOC field (request or response) must hold a host name
 * under 257 bytes inside the field (else AK_ELEN: drop; NTP bug 2052) and
 * with an '@' (else AK_EDECLINE).  The peer's group (the text after the
 * last ASSOC name's '@') goes to peergroup for the caller to compare.
 * Without a group of our own there is nothing to check.
 */
enum ak_err
ak_group_filter(const struct ntp_pkt *p, const char *ourgroup,
    char *peergroup, size_t pglen)
{
	const uint8_t	*q = p->ext;
	size_t		 left = p->extlen, vallen;
	struct ntp_ext	 e;
	char		 name[AK_GROUPNAMEMAX + 1];
	const char	*at;
	int		 r;

	if (pglen > 0)
		peergroup[0] = '\0';
	if (ourgroup == NULL || ourgroup[0] == '\0')
		return AK_OK;
	while ((r = packet_ext_next(&q, &left, &e)) == 1) {
		if ((e.word & 0x3fff0000U) != (AK_OPCODE(AK_ASSOC, 0, 0) &
		    0x3fff0000U))
			continue;
		if (e.len < 20)
			return AK_ELEN;
		vallen = ntp_get32(e.start + 16);
		if (vallen >= AK_GROUPNAMEMAX + 1 || vallen > e.len - 20)
			return AK_ELEN;
		memcpy(name, e.start + 20, vallen);
		name[vallen] = '\0';
		if ((at = strchr(name, '@')) == NULL)
			return AK_EDECLINE;
		if (strlcpy(peergroup, at + 1, pglen) >= pglen)
			return AK_ELEN;
	}
	return r == 0 ? AK_OK : AK_ELEN;
}
