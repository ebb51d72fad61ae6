/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * libFuzzer target for the NTP packet codec: packet_parse, the extension-
 * field walk and the Autokey value decoder on arbitrary bytes.  Besides
 * memory safety it checks that an accepted packet is accounted for byte
 * by byte and that rebuilding it with the append functions gives back the
 * same datagram.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ntptime.h"
#include "packet.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_value(const struct ntp_ext *e)
{
	struct ntp_ext_value	 v;
	const uint8_t		*end = e->start + e->len;

	switch (packet_ext_value(e, &v)) {
	case 1:
		if (v.vallen == 0 || v.val < e->start ||
		    v.val + v.vallen > end)
			abort();
		if (v.siglen > 0 && (v.sig < v.val + v.vallen ||
		    v.sig + v.siglen > end))
			abort();
		break;
	case 0:
		if (e->len != 8)
			abort();
		break;
	case -1:
		break;
	default:
		abort();
	}
}

/* Walk a region; returns the bytes consumed by well-formed fields. */
static size_t
walk(const uint8_t *p, size_t len, uint8_t *out, size_t outlen, size_t *off)
{
	const uint8_t	*q = p;
	size_t		 left = len, used = 0;
	struct ntp_ext	 e;
	int		 r;

	while ((r = packet_ext_next(&q, &left, &e)) == 1) {
		if (e.len < 4 || e.len % 4 != 0 || e.start != p + used ||
		    e.bodylen != e.len - 4)
			abort();
		used += e.len;
		if (used + left != len)
			abort();
		check_value(&e);
		if (out != NULL) {
			*off = packet_ext_append(out, outlen, *off, e.word,
			    e.body, e.bodylen);
			if (*off == 0)
				abort();
		}
	}
	if (r == 0 && used != len)
		abort();
	return used;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t	 out[NTP_MAXPKT];
	struct ntp_pkt	 p;
	enum packet_err	 e;
	size_t		 off;
	char		 buf[NTP_TS_FMTLEN];

	e = packet_parse(data, size, &p);
	if (packet_strerror(e) == NULL)
		abort();
	if (size > 0 && packet_mode(data, size) != (data[0] & 7))
		abort();
	if (size >= 8)
		(void)ntp_ts_fmt(ntp_ts_get(data), (time_t)ntp_get32(data + 4),
		    buf, sizeof(buf));

	/* Any byte string is also a candidate EF region. */
	walk(data, size, NULL, 0, NULL);

	if (e != PKT_OK)
		return 0;
	if (size < NTP_HDRLEN || size > NTP_MAXPKT)
		abort();
	if (p.macoff != NTP_HDRLEN + p.extlen)
		abort();
	if (p.macoff + (p.has_mac ? 4 + p.maclen : 0) != size)
		abort();
	if (p.has_mac && p.maclen != 0 && p.maclen != 16 && p.maclen != 20)
		abort();
	if ((p.ext == NULL) != (p.extlen == 0))
		abort();

	/* Rebuild: header, every EF, the MAC. */
	if (packet_build_header(&p, out, sizeof(out)) != NTP_HDRLEN)
		abort();
	off = NTP_HDRLEN;
	if (walk(p.ext, p.extlen, out, sizeof(out), &off) != p.extlen)
		abort();
	if (p.has_mac)
		off = packet_mac_append(out, sizeof(out), off, p.keyid, p.mac,
		    p.maclen);
	if (off != size || memcmp(out, data, size) != 0)
		abort();
	return 0;
}
