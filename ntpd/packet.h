/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */
#ifndef SEAL_PACKET_H
#define SEAL_PACKET_H

#include <stddef.h>
#include <stdint.h>

#include "ntptime.h"

/*
 * NTPv4 packet codec (RFC 5905 with the Autokey extension fields of RFC
 * 5906 as the reference ntpd 4.2.8 frames them).  Pure functions over
 * buffers: no I/O, no logging, no allocation.  The framing rules are
 * spelt out above packet_parse() in packet.c.
 */
#define NTP_HDRLEN	48
/*
 * Largest datagram we parse or build.  The reference never sends more than
 * 2120 bytes (spec section 2.1); 4096 leaves room for Autokey CERT and SIGN
 * fields with 2048-bit keys.
 */
#define NTP_MAXPKT	4096
#define NTP_MAXMAC	24	/* key ID + SHA-1: longest MAC trailer */
#define NTP_EXT_HDRLEN	4	/* R|E|version|code|length word */
#define NTP_VERSION	4
#define NTP_OLDVERSION	1	/* oldest version we parse */

/* Header byte 0: LI (2 bits), VN (3 bits), mode (3 bits). */
#define NTP_LI_NONE	0
#define NTP_LI_ADD	1	/* last minute of the day has 61 s */
#define NTP_LI_DEL	2	/* last minute of the day has 59 s */
#define NTP_LI_ALARM	3	/* clock not synchronized */

#define NTP_MODE_RESERVED	0
#define NTP_MODE_SYMACT		1
#define NTP_MODE_SYMPASS	2
#define NTP_MODE_CLIENT		3
#define NTP_MODE_SERVER		4
#define NTP_MODE_BROADCAST	5
#define NTP_MODE_CONTROL	6	/* ntpq; not an NTP packet */
#define NTP_MODE_PRIVATE	7	/* ntpdc; not an NTP packet */

#define NTP_STRATUM_UNSPEC	0	/* kiss-o'-death when refid is ASCII */
#define NTP_STRATUM_MAX		16

/* Digest lengths after the key ID. */
#define NTP_MAC_NAK	0	/* crypto-NAK: key ID word only */
#define NTP_MAC_MD5	16
#define NTP_MAC_SHA1	20

struct ntp_pkt {
	uint8_t		 leap, version, mode, stratum;
	int8_t		 poll, precision;
	uint32_t	 rootdelay, rootdisp;	/* short format, raw */
	uint32_t	 refid;
	ntp_ts		 reftime, org, rec, xmt;
	/* Extension-field region (points into the buffer), NULL/0 if none. */
	const uint8_t	*ext;
	size_t		 extlen;
	/* MAC: key ID and the digest after it (maclen 0, 16 or 20). */
	int		 has_mac;
	uint32_t	 keyid;
	const uint8_t	*mac;
	size_t		 maclen;
	/* Offset of the MAC (= 48 + extlen): the MAC covers buf[0..macoff). */
	size_t		 macoff;
};

enum packet_err {
	PKT_OK = 0,
	PKT_SHORT,		/* empty, or NTP packet under 48 bytes */
	PKT_BADVERSION,		/* version 0 or 5..7 */
	PKT_BADMODE,		/* mode 0 */
	PKT_BADLEN,		/* bytes after the header not a multiple of 4 */
	PKT_BADEXT,		/* EF length bad or past the end */
	PKT_BADMAC,		/* MAC trailer of 8, 12 or 16 bytes */
	PKT_TOOLONG,		/* more than NTP_MAXPKT bytes */
	PKT_MODE6,		/* control (ntpq) message, not NTP */
	PKT_MODE7		/* private (ntpdc) message, not NTP */
};

const char	*packet_strerror(enum packet_err);
int		 packet_mode(const uint8_t *buf, size_t len);
enum packet_err	 packet_parse(const uint8_t *buf, size_t len,
		    struct ntp_pkt *);
size_t		 packet_build_header(const struct ntp_pkt *, uint8_t *buf,
		    size_t buflen);

/*
 * Extension fields.  The first word is R|E|version|code|length as in the
 * Autokey spec section 2.2; "len" counts the whole field including it.
 */
#define NTP_EXT_RESPONSE	0x80000000U
#define NTP_EXT_ERROR		0x40000000U
#define NTP_EXT_VERSION(w)	(((w) >> 24) & 0x3fU)
#define NTP_EXT_CODE(w)		(((w) >> 16) & 0xffU)
#define NTP_EXT_TYPE(w)		((uint16_t)((w) >> 16))
#define NTP_EXT_LEN(w)		((w) & 0xffffU)
#define NTP_EXT_MAXLEN		0xfffcU

struct ntp_ext {
	uint32_t	 word;		/* first word, host order */
	uint16_t	 type;		/* R|E|version|code */
	size_t		 len;		/* incl. the first word */
	const uint8_t	*start;		/* the field's first byte */
	const uint8_t	*body;		/* after the first word */
	size_t		 bodylen;	/* len - 4 */
};

int	 packet_ext_next(const uint8_t **p, size_t *left, struct ntp_ext *);
size_t	 packet_ext_append(uint8_t *buf, size_t buflen, size_t off,
	    uint32_t opcode_word, const uint8_t *value, size_t vlen);
size_t	 packet_mac_append(uint8_t *buf, size_t buflen, size_t off,
	    uint32_t keyid, const uint8_t *digest, size_t dlen);

/*
 * The Autokey "value form" of an extension-field body (spec section 2.3):
 * association ID, timestamp, filestamp, value and signature.
 */
struct ntp_ext_value {
	uint32_t	 associd;
	uint32_t	 tstamp;
	uint32_t	 fstamp;
	const uint8_t	*val;
	size_t		 vallen;	/* unpadded */
	const uint8_t	*sig;
	size_t		 siglen;	/* unpadded */
};

int	 packet_ext_value(const struct ntp_ext *, struct ntp_ext_value *);
size_t	 packet_ext_append_value(uint8_t *buf, size_t buflen, size_t off,
	    uint32_t opcode_word, const struct ntp_ext_value *);

#endif
