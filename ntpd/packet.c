/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ntptime.h"
#include "packet.h"

#define P4(n)	(((n) + 3) & ~(size_t)3)

const char *
packet_strerror(enum packet_err e)
{
	switch (e) {
	case PKT_OK:
		return "ok";
	case PKT_SHORT:
		return "packet too short";
	case PKT_BADVERSION:
		return "unsupported version";
	case PKT_BADMODE:
		return "reserved mode";
	case PKT_BADLEN:
		return "length not a multiple of 4";
	case PKT_BADEXT:
		return "bad extension field length";
	case PKT_BADMAC:
		return "bad MAC length";
	case PKT_TOOLONG:
		return "packet too long";
	case PKT_MODE6:
		return "mode 6 control message";
	case PKT_MODE7:
		return "mode 7 private message";
	}
	return "unknown packet error";
}

/* The mode of any datagram (NTP, mode 6 or 7) from its first byte. */
int
packet_mode(const uint8_t *buf, size_t len)
{
	if (buf == NULL || len == 0)
		return -1;
	return buf[0] & 0x07;
}

/*
 * Parse one received datagram.
 *
 * Checks, in this order (the first failing one is returned):
 *  1. len 0 -> PKT_SHORT; len > NTP_MAXPKT -> PKT_TOOLONG.
 *  2. Mode 6 -> PKT_MODE6, mode 7 -> PKT_MODE7, whatever the length and
 *     version: they have their own formats (12-byte header) and owners.
 *     Only leap, version and mode are filled in for them.
 *  3. len < 48 -> PKT_SHORT.
 *  4. Version 0 or 5..7 -> PKT_BADVERSION (1..4 parse; what to answer
 *     is the server's business).  Mode 0 -> PKT_BADMODE.
 *  5. Whatever follows the 48-byte header must be a multiple of 4 bytes
 *     -> else PKT_BADLEN.
 *  6. There is no count of extension fields, so, like the reference ntpd
 *     4.2.8 (Autokey spec section 2.1), EFs and MAC are told apart by
 *     what remains: while more than NTP_MAXMAC (24) bytes remain, the
 *     next word is an EF header whose length (low 16 bits, counting the
 *     header) must be >= 4, a multiple of 4 and no more than what
 *     remains -> else PKT_BADEXT.  The EFs end where 24 bytes or fewer
 *     are left.  This also gives the RFC 7822 rule that an EF-carrying
 *     packet without a MAC must end in an EF of at least 28 bytes; the
 *     RFC 7822 16-byte minimum is not applied because Autokey sends
 *     8-byte fields.  The Autokey layer must still insist on len >= 8
 *     and version 2 (spec section 2.4).
 *  7. The remainder is the MAC trailer: 0 bytes = no MAC; 4 = crypto-NAK
 *     (key ID word only, maclen 0); 20 = key ID + MD5; 24 = key ID +
 *     SHA-1.  8, 12 and 16 can never verify (the reference drops them
 *     later as "bad auth"), so they are PKT_BADMAC here.  A longer digest
 *     (e.g. SHA-256) is therefore read as an EF and will fail, exactly as
 *     it would in the reference.
 *
 * On PKT_OK every field of *out is set and ext/mac point into buf.
 */
enum packet_err
packet_parse(const uint8_t *buf, size_t len, struct ntp_pkt *out)
{
	size_t		 pos, rem, eflen;

	memset(out, 0, sizeof(*out));
	if (buf == NULL || len == 0)
		return PKT_SHORT;
	if (len > NTP_MAXPKT)
		return PKT_TOOLONG;

	out->leap = buf[0] >> 6;
	out->version = (buf[0] >> 3) & 0x07;
	out->mode = buf[0] & 0x07;
	if (out->mode == NTP_MODE_CONTROL)
		return PKT_MODE6;
	if (out->mode == NTP_MODE_PRIVATE)
		return PKT_MODE7;
	if (len < NTP_HDRLEN)
		return PKT_SHORT;
	if (out->version < NTP_OLDVERSION || out->version > NTP_VERSION)
		return PKT_BADVERSION;
	if (out->mode == NTP_MODE_RESERVED)
		return PKT_BADMODE;

	out->stratum = buf[1];
	out->poll = (int8_t)buf[2];
	out->precision = (int8_t)buf[3];
	out->rootdelay = ntp_get32(buf + 4);
	out->rootdisp = ntp_get32(buf + 8);
	out->refid = ntp_get32(buf + 12);
	out->reftime = ntp_ts_get(buf + 16);
	out->org = ntp_ts_get(buf + 24);
	out->rec = ntp_ts_get(buf + 32);
	out->xmt = ntp_ts_get(buf + 40);

	pos = NTP_HDRLEN;
	rem = len - NTP_HDRLEN;
	if (rem % 4 != 0)
		return PKT_BADLEN;
	while (rem > NTP_MAXMAC) {
		eflen = NTP_EXT_LEN(ntp_get32(buf + pos));
		if (eflen < NTP_EXT_HDRLEN || eflen % 4 != 0 || eflen > rem)
			return PKT_BADEXT;
		pos += eflen;
		rem -= eflen;
	}
	switch (rem) {
	case 0:
		break;
	case 4 + NTP_MAC_NAK:
	case 4 + NTP_MAC_MD5:
	case 4 + NTP_MAC_SHA1:
		out->has_mac = 1;
		out->keyid = ntp_get32(buf + pos);
		out->mac = buf + pos + 4;
		out->maclen = rem - 4;
		break;
	default:
		return PKT_BADMAC;
	}
	if (pos > NTP_HDRLEN) {
		out->ext = buf + NTP_HDRLEN;
		out->extlen = pos - NTP_HDRLEN;
	}
	out->macoff = pos;
	return PKT_OK;
}

/*
 * The 48-byte header from p.  Only the low bits of leap (2), version (3)
 * and mode (3) are used.  Returns 48, or 0 if buf is too small.
 */
size_t
packet_build_header(const struct ntp_pkt *p, uint8_t *buf, size_t buflen)
{
	if (buf == NULL || buflen < NTP_HDRLEN)
		return 0;
	buf[0] = (uint8_t)((p->leap & 0x03) << 6 | (p->version & 0x07) << 3 |
	    (p->mode & 0x07));
	buf[1] = p->stratum;
	buf[2] = (uint8_t)p->poll;
	buf[3] = (uint8_t)p->precision;
	ntp_put32(buf + 4, p->rootdelay);
	ntp_put32(buf + 8, p->rootdisp);
	ntp_put32(buf + 12, p->refid);
	ntp_ts_put(buf + 16, p->reftime);
	ntp_ts_put(buf + 24, p->org);
	ntp_ts_put(buf + 32, p->rec);
	ntp_ts_put(buf + 40, p->xmt);
	return NTP_HDRLEN;
}

/*
 * Take the next extension field from the region *p of *left bytes (for a
 * parsed packet: pkt.ext and pkt.extlen) and step past it.  Returns 1 with
 * *out filled, 0 at the end of the region, -1 if the region is malformed
 * (fewer than 4 bytes left, or a length under 4, not a multiple of 4, or
 * past the end); *p and *left are then left alone.
 */
int
packet_ext_next(const uint8_t **p, size_t *left, struct ntp_ext *out)
{
	uint32_t	 w;
	size_t		 eflen;

	memset(out, 0, sizeof(*out));
	if (*left == 0)
		return 0;
	if (*p == NULL || *left < NTP_EXT_HDRLEN)
		return -1;
	w = ntp_get32(*p);
	eflen = NTP_EXT_LEN(w);
	if (eflen < NTP_EXT_HDRLEN || eflen % 4 != 0 || eflen > *left)
		return -1;
	out->word = w;
	out->type = NTP_EXT_TYPE(w);
	out->len = eflen;
	out->start = *p;
	out->body = *p + NTP_EXT_HDRLEN;
	out->bodylen = eflen - NTP_EXT_HDRLEN;
	*p += eflen;
	*left -= eflen;
	return 1;
}

/*
 * Append an extension field at offset off of buf: the header word is
 * opcode_word with its length half replaced by the field's length, then
 * value zero-padded to a multiple of 4.  off must be a multiple of 4 and
 * at least 48.  Returns the offset after the field, or 0 if it would not
 * fit in buflen (or NTP_MAXPKT) or in a 16-bit length.
 */
size_t
packet_ext_append(uint8_t *buf, size_t buflen, size_t off,
    uint32_t opcode_word, const uint8_t *value, size_t vlen)
{
	size_t		 total;

	if (buf == NULL || off < NTP_HDRLEN || off % 4 != 0 ||
	    (value == NULL && vlen != 0))
		return 0;
	if (buflen > NTP_MAXPKT)
		buflen = NTP_MAXPKT;
	if (vlen > NTP_EXT_MAXLEN - NTP_EXT_HDRLEN)
		return 0;
	total = NTP_EXT_HDRLEN + P4(vlen);
	if (off > buflen || total > buflen - off)
		return 0;
	ntp_put32(buf + off, (opcode_word & 0xffff0000U) | (uint32_t)total);
	if (vlen > 0)
		memcpy(buf + off + NTP_EXT_HDRLEN, value, vlen);
	memset(buf + off + NTP_EXT_HDRLEN + vlen, 0,
	    total - NTP_EXT_HDRLEN - vlen);
	return off + total;
}

/*
 * Append the MAC trailer (key ID, then the digest: dlen 0 for a
 * crypto-NAK, 16 or 20).  Returns the offset after it, i.e. the datagram
 * length, or 0 on a bad length or if it does not fit.
 */
size_t
packet_mac_append(uint8_t *buf, size_t buflen, size_t off, uint32_t keyid,
    const uint8_t *digest, size_t dlen)
{
	if (buf == NULL || off < NTP_HDRLEN || off % 4 != 0)
		return 0;
	if (dlen != NTP_MAC_NAK && dlen != NTP_MAC_MD5 && dlen != NTP_MAC_SHA1)
		return 0;
	if (digest == NULL && dlen != 0)
		return 0;
	if (buflen > NTP_MAXPKT)
		buflen = NTP_MAXPKT;
	if (off > buflen || 4 + dlen > buflen - off)
		return 0;
	ntp_put32(buf + off, keyid);
	if (dlen > 0)
		memcpy(buf + off + 4, digest, dlen);
	return off + 4 + dlen;
}

/*
 * Decode an Autokey extension-field body.  Returns 0 for the short form
 * (8 bytes: association ID only, everything else zero), 1 for the value
 * form, -1 if it is neither.  The value form needs len >= 24, vallen
 * from 1 to len - 24, and the signature length word plus the padded
 * signature inside the field (spec sections 2.3, 2.4 rule 3, 11.3 #27).
 * Trailing bytes after the signature are tolerated, as in the reference.
 */
int
packet_ext_value(const struct ntp_ext *e, struct ntp_ext_value *v)
{
	const uint8_t	*b = e->body;
	size_t		 left, vallen, siglen;

	memset(v, 0, sizeof(*v));
	if (b == NULL || e->len < 8 || e->bodylen != e->len - NTP_EXT_HDRLEN)
		return -1;
	v->associd = ntp_get32(b);
	if (e->len == 8)
		return 0;
	if (e->len < 24)
		return -1;
	v->tstamp = ntp_get32(b + 4);
	v->fstamp = ntp_get32(b + 8);
	vallen = ntp_get32(b + 12);
	left = e->len - 24;	/* room for the padded value and signature */
	if (vallen == 0 || vallen > left)
		return -1;
	/* left is a multiple of 4, so P4(vallen) <= left: siglen is inside. */
	left -= P4(vallen);
	siglen = ntp_get32(b + 16 + P4(vallen));
	if (siglen > left)
		return -1;
	v->val = b + 16;
	v->vallen = vallen;
	v->siglen = siglen;
	v->sig = siglen > 0 ? b + 20 + P4(vallen) : NULL;
	return 1;
}

/*
 * Append an Autokey value-form field built from *v (association ID,
 * timestamps, value, signature; both padded with zeros).  vallen must
 * not be 0: receivers reject such fields.  Returns the offset after the
 * field or 0 as packet_ext_append().
 */
size_t
packet_ext_append_value(uint8_t *buf, size_t buflen, size_t off,
    uint32_t opcode_word, const struct ntp_ext_value *v)
{
	size_t		 total;
	uint8_t		*f;

	if (buf == NULL || off < NTP_HDRLEN || off % 4 != 0)
		return 0;
	if (v->vallen == 0 || v->val == NULL ||
	    (v->siglen != 0 && v->sig == NULL))
		return 0;
	if (v->vallen > NTP_EXT_MAXLEN || v->siglen > NTP_EXT_MAXLEN)
		return 0;
	total = 24 + P4(v->vallen) + P4(v->siglen);
	if (total > NTP_EXT_MAXLEN)
		return 0;
	if (buflen > NTP_MAXPKT)
		buflen = NTP_MAXPKT;
	if (off > buflen || total > buflen - off)
		return 0;
	f = buf + off;
	memset(f, 0, total);
	ntp_put32(f, (opcode_word & 0xffff0000U) | (uint32_t)total);
	ntp_put32(f + 4, v->associd);
	ntp_put32(f + 8, v->tstamp);
	ntp_put32(f + 12, v->fstamp);
	ntp_put32(f + 16, (uint32_t)v->vallen);
	memcpy(f + 20, v->val, v->vallen);
	ntp_put32(f + 20 + P4(v->vallen), (uint32_t)v->siglen);
	if (v->siglen > 0)
		memcpy(f + 24 + P4(v->vallen), v->sig, v->siglen);
	return off + total;
}
