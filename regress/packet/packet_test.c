/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

#include <arpa/inet.h>

#include <atf-c.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ntptime.h"
#include "packet.h"

#define OP_ASSOC	0x02010000U
#define OP_CERT		0x02020000U
#define OP_AUTO		0x02040000U

/* A header with byte 0 = LI/VN/mode and the rest zero. */
static void
mkhdr(uint8_t *b, unsigned li, unsigned vn, unsigned mode)
{
	memset(b, 0, NTP_HDRLEN);
	b[0] = (uint8_t)(li << 6 | vn << 3 | mode);
}

/* An EF header word at b: type in the upper half, len in the lower. */
static void
mkef(uint8_t *b, uint32_t type_word, uint32_t len)
{
	ntp_put32(b, (type_word & 0xffff0000U) | (len & 0xffffU));
}

ATF_TC_WITHOUT_HEAD(header_fields);
ATF_TC_BODY(header_fields, tc)
{
	static const uint8_t pkt[NTP_HDRLEN] = {
		0xe3, 0x02, 0x0a, 0xe9,			/* LI 3 VN 4 mode 3 */
		0x00, 0x01, 0x80, 0x00,			/* root delay 1.5 */
		0x00, 0x07, 0xf2, 0x91,			/* root disp */
		0x7f, 0x7f, 0x01, 0x00,			/* refid 127.127.1.0 */
		0xee, 0xb2, 0x1d, 0x82, 0x59, 0x7b, 0xfe, 0xe8,
		0xee, 0xb2, 0x1d, 0x84, 0x7e, 0xa4, 0x0c, 0xbf,
		0xee, 0xb2, 0x1d, 0x84, 0x7e, 0xad, 0x67, 0x87,
		0xee, 0xb2, 0x1d, 0x84, 0x7e, 0xc8, 0x48, 0x6a,
	};
	struct ntp_pkt	 p;

	ATF_REQUIRE_EQ(packet_parse(pkt, sizeof(pkt), &p), PKT_OK);
	ATF_CHECK_EQ(p.leap, 3);
	ATF_CHECK_EQ(p.version, 4);
	ATF_CHECK_EQ(p.mode, NTP_MODE_CLIENT);
	ATF_CHECK_EQ(p.stratum, 2);
	ATF_CHECK_EQ(p.poll, 10);
	ATF_CHECK_EQ(p.precision, -23);
	ATF_CHECK_EQ(p.rootdelay, 0x00018000U);
	ATF_CHECK_EQ(ntp_short_to_double(p.rootdelay), 1.5);
	ATF_CHECK_EQ(p.rootdisp, 0x0007f291U);
	ATF_CHECK_EQ(p.refid, 0x7f7f0100U);
	ATF_CHECK_EQ(p.reftime, 0xeeb21d82597bfee8ULL);
	ATF_CHECK_EQ(p.org, 0xeeb21d847ea40cbfULL);
	ATF_CHECK_EQ(p.rec, 0xeeb21d847ead6787ULL);
	ATF_CHECK_EQ(p.xmt, 0xeeb21d847ec8486aULL);
	ATF_CHECK(p.ext == NULL);
	ATF_CHECK_EQ(p.extlen, 0);
	ATF_CHECK_EQ(p.has_mac, 0);
	ATF_CHECK(p.mac == NULL);
	ATF_CHECK_EQ(p.maclen, 0);
	ATF_CHECK_EQ(p.macoff, NTP_HDRLEN);
	ATF_CHECK_EQ(packet_mode(pkt, sizeof(pkt)), NTP_MODE_CLIENT);
	ATF_CHECK_EQ(packet_mode(pkt, 0), -1);
	ATF_CHECK_EQ(packet_mode(NULL, 48), -1);
}

ATF_TC_WITHOUT_HEAD(build_roundtrip);
ATF_TC_BODY(build_roundtrip, tc)
{
	struct ntp_pkt	 in, out;
	uint8_t		 b[NTP_MAXPKT], b2[NTP_HDRLEN];
	unsigned	 li, vn, mode;

	memset(&in, 0, sizeof(in));
	in.stratum = 16;
	in.poll = -6;
	in.precision = -20;
	in.rootdelay = 0x12345678U;
	in.rootdisp = 0x9abcdef0U;
	in.refid = 0x494e4954U;		/* "INIT" */
	in.reftime = 0x0102030405060708ULL;
	in.org = 0xfffffffffffffffeULL;
	in.rec = 1;
	in.xmt = 0x8000000000000000ULL;
	for (li = 0; li < 4; li++)
	for (vn = 1; vn <= 4; vn++)
	for (mode = 1; mode <= 5; mode++) {
		in.leap = (uint8_t)li;
		in.version = (uint8_t)vn;
		in.mode = (uint8_t)mode;
		ATF_REQUIRE_EQ(packet_build_header(&in, b, sizeof(b)),
		    NTP_HDRLEN);
		ATF_REQUIRE_EQ(packet_parse(b, NTP_HDRLEN, &out), PKT_OK);
		ATF_CHECK(out.leap == li && out.version == vn &&
		    out.mode == mode);
		ATF_CHECK(out.stratum == in.stratum && out.poll == in.poll &&
		    out.precision == in.precision);
		ATF_CHECK(out.rootdelay == in.rootdelay &&
		    out.rootdisp == in.rootdisp && out.refid == in.refid);
		ATF_CHECK(out.reftime == in.reftime && out.org == in.org &&
		    out.rec == in.rec && out.xmt == in.xmt);
		/* And back to the same bytes. */
		ATF_REQUIRE_EQ(packet_build_header(&out, b2, sizeof(b2)),
		    NTP_HDRLEN);
		ATF_CHECK(memcmp(b, b2, NTP_HDRLEN) == 0);
	}
	ATF_CHECK_EQ(packet_build_header(&in, b, NTP_HDRLEN - 1), 0);
	ATF_CHECK_EQ(packet_build_header(&in, NULL, NTP_HDRLEN), 0);
	/* Out-of-range bit fields are masked, not spilled. */
	in.leap = 0xff;
	in.version = 0xf9;
	in.mode = 0xfb;
	ATF_REQUIRE_EQ(packet_build_header(&in, b, sizeof(b)), NTP_HDRLEN);
	ATF_CHECK_EQ(b[0], 0xcb);
}

ATF_TC_WITHOUT_HEAD(short_packets);
ATF_TC_BODY(short_packets, tc)
{
	uint8_t		 b[NTP_HDRLEN];
	struct ntp_pkt	 p;
	size_t		 len;

	mkhdr(b, 0, 4, NTP_MODE_CLIENT);
	for (len = 0; len < NTP_HDRLEN; len++)
		ATF_CHECK_EQ_MSG(packet_parse(b, len, &p), PKT_SHORT,
		    "len %zu", len);
	ATF_CHECK_EQ(packet_parse(NULL, 0, &p), PKT_SHORT);
	ATF_CHECK_EQ(packet_parse(NULL, 48, &p), PKT_SHORT);
	ATF_CHECK_EQ(packet_parse(b, NTP_HDRLEN, &p), PKT_OK);
}

ATF_TC_WITHOUT_HEAD(versions_modes);
ATF_TC_BODY(versions_modes, tc)
{
	uint8_t		 b[NTP_HDRLEN];
	struct ntp_pkt	 p;
	unsigned	 vn, mode;

	for (vn = 0; vn < 8; vn++) {
		for (mode = 0; mode < 8; mode++) {
			enum packet_err want;

			mkhdr(b, 0, vn, mode);
			if (mode == 6)
				want = PKT_MODE6;
			else if (mode == 7)
				want = PKT_MODE7;
			else if (vn == 0 || vn > 4)
				want = PKT_BADVERSION;
			else if (mode == 0)
				want = PKT_BADMODE;
			else
				want = PKT_OK;
			ATF_CHECK_EQ_MSG(packet_parse(b, sizeof(b), &p), want,
			    "vn %u mode %u", vn, mode);
			if (want == PKT_OK || want == PKT_MODE6 ||
			    want == PKT_MODE7)
				ATF_CHECK(p.version == vn && p.mode == mode);
		}
	}
	/* Mode 6 and 7 are recognised at any length: 12-byte headers. */
	mkhdr(b, 0, 2, 6);
	ATF_CHECK_EQ(packet_parse(b, 12, &p), PKT_MODE6);
	ATF_CHECK_EQ(packet_parse(b, 1, &p), PKT_MODE6);
	mkhdr(b, 0, 2, 7);
	ATF_CHECK_EQ(packet_parse(b, 1, &p), PKT_MODE7);
	ATF_CHECK_EQ(packet_mode(b, 1), 7);
}

ATF_TC_WITHOUT_HEAD(too_long);
ATF_TC_BODY(too_long, tc)
{
	static uint8_t	 b[NTP_MAXPKT + 8];
	struct ntp_pkt	 p;
	size_t		 off;

	mkhdr(b, 0, 4, NTP_MODE_SERVER);
	/* One big EF, then a MAC: exactly NTP_MAXPKT is fine. */
	off = NTP_HDRLEN;
	mkef(b + off, OP_CERT | NTP_EXT_RESPONSE, NTP_MAXPKT - NTP_HDRLEN - 20);
	off = NTP_MAXPKT - 20;
	ntp_put32(b + off, 0x12345678U);
	ATF_CHECK_EQ(packet_parse(b, NTP_MAXPKT, &p), PKT_OK);
	ATF_CHECK_EQ(p.extlen, NTP_MAXPKT - NTP_HDRLEN - 20);
	ATF_CHECK_EQ(p.keyid, 0x12345678U);
	ATF_CHECK_EQ(packet_parse(b, NTP_MAXPKT + 1, &p), PKT_TOOLONG);
	ATF_CHECK_EQ(packet_parse(b, NTP_MAXPKT + 4, &p), PKT_TOOLONG);
	mkhdr(b, 0, 2, 6);
	ATF_CHECK_EQ(packet_parse(b, NTP_MAXPKT + 4, &p), PKT_TOOLONG);
}

/* Every trailer length after a bare header, 0..40 bytes. */
ATF_TC_WITHOUT_HEAD(mac_lengths);
ATF_TC_BODY(mac_lengths, tc)
{
	uint8_t		 b[NTP_HDRLEN + 64];
	struct ntp_pkt	 p;
	size_t		 r, i;
	enum packet_err	 e;

	mkhdr(b, 0, 4, NTP_MODE_CLIENT);
	for (i = NTP_HDRLEN; i < sizeof(b); i++)
		b[i] = (uint8_t)i;
	for (r = 0; r <= 24; r++) {
		e = packet_parse(b, NTP_HDRLEN + r, &p);
		if (r % 4 != 0)
			ATF_CHECK_EQ_MSG(e, PKT_BADLEN, "rem %zu", r);
		else if (r == 8 || r == 12 || r == 16)
			ATF_CHECK_EQ_MSG(e, PKT_BADMAC, "rem %zu", r);
		else
			ATF_CHECK_EQ_MSG(e, PKT_OK, "rem %zu", r);
	}
	ATF_REQUIRE_EQ(packet_parse(b, NTP_HDRLEN, &p), PKT_OK);
	ATF_CHECK_EQ(p.has_mac, 0);

	/* crypto-NAK: the key ID word alone. */
	ntp_put32(b + NTP_HDRLEN, 0);
	ATF_REQUIRE_EQ(packet_parse(b, NTP_HDRLEN + 4, &p), PKT_OK);
	ATF_CHECK_EQ(p.has_mac, 1);
	ATF_CHECK_EQ(p.keyid, 0);
	ATF_CHECK_EQ(p.maclen, NTP_MAC_NAK);
	ATF_CHECK_EQ(p.macoff, NTP_HDRLEN);

	ntp_put32(b + NTP_HDRLEN, 0xdeadbeefU);
	ATF_REQUIRE_EQ(packet_parse(b, NTP_HDRLEN + 20, &p), PKT_OK);
	ATF_CHECK_EQ(p.has_mac, 1);
	ATF_CHECK_EQ(p.keyid, 0xdeadbeefU);
	ATF_CHECK_EQ(p.maclen, NTP_MAC_MD5);
	ATF_CHECK(p.mac == b + NTP_HDRLEN + 4);
	ATF_CHECK(p.ext == NULL);

	ATF_REQUIRE_EQ(packet_parse(b, NTP_HDRLEN + 24, &p), PKT_OK);
	ATF_CHECK_EQ(p.maclen, NTP_MAC_SHA1);

	/*
	 * 28 bytes or more after the header are an EF: with these filler
	 * bytes the "EF length" (0x3233 = 12851) runs past the end.
	 */
	for (r = 25; r <= 40; r++) {
		e = packet_parse(b, NTP_HDRLEN + r, &p);
		ATF_CHECK_EQ_MSG(e, r % 4 ? PKT_BADLEN : PKT_BADEXT,
		    "rem %zu", r);
	}
}

ATF_TC_WITHOUT_HEAD(ext_framing);
ATF_TC_BODY(ext_framing, tc)
{
	uint8_t		 b[256];
	struct ntp_pkt	 p;

	memset(b, 0, sizeof(b));
	mkhdr(b, 0, 4, NTP_MODE_CLIENT);

	/* 8-byte AUTO request + MD5 MAC (76 bytes): 28 bytes remain. */
	mkef(b + 48, OP_AUTO, 8);
	ntp_put32(b + 52, 12586);
	ntp_put32(b + 56, 0x04396ec1U);
	ATF_REQUIRE_EQ(packet_parse(b, 76, &p), PKT_OK);
	ATF_CHECK(p.ext == b + 48);
	ATF_CHECK_EQ(p.extlen, 8);
	ATF_CHECK_EQ(p.keyid, 0x04396ec1U);
	ATF_CHECK_EQ(p.maclen, 16);
	ATF_CHECK_EQ(p.macoff, 56);
	/* The same EF without a MAC is read as an 8-byte MAC. */
	ATF_CHECK_EQ(packet_parse(b, 56, &p), PKT_BADMAC);
	/* ...and with a NAK as a 12-byte one. */
	ATF_CHECK_EQ(packet_parse(b, 60, &p), PKT_BADMAC);

	/* EF length 0, 2, 6, 30 (not a multiple of 4 / under 4). */
	mkef(b + 48, OP_AUTO, 0);
	ATF_CHECK_EQ(packet_parse(b, 76, &p), PKT_BADEXT);
	mkef(b + 48, OP_AUTO, 2);
	ATF_CHECK_EQ(packet_parse(b, 76, &p), PKT_BADEXT);
	mkef(b + 48, OP_AUTO, 6);
	ATF_CHECK_EQ(packet_parse(b, 76, &p), PKT_BADEXT);
	mkef(b + 48, OP_AUTO, 30);
	ATF_CHECK_EQ(packet_parse(b, 128, &p), PKT_BADEXT);
	/* Past the end, by 4 and by a lot. */
	mkef(b + 48, OP_AUTO, 32);
	ATF_CHECK_EQ(packet_parse(b, 76, &p), PKT_BADEXT);
	mkef(b + 48, OP_AUTO, 0xfffc);
	ATF_CHECK_EQ(packet_parse(b, 76, &p), PKT_BADEXT);
	/* Exactly to the end with no MAC (last EF >= 28, RFC 7822). */
	mkef(b + 48, OP_AUTO, 28);
	ATF_REQUIRE_EQ(packet_parse(b, 76, &p), PKT_OK);
	ATF_CHECK_EQ(p.extlen, 28);
	ATF_CHECK_EQ(p.has_mac, 0);
	ATF_CHECK_EQ(p.macoff, 76);
	/* A 4-byte EF passes framing (the Autokey layer rejects it). */
	mkef(b + 48, OP_AUTO, 4);
	ATF_CHECK_EQ(packet_parse(b, 76, &p), PKT_OK);
	ATF_CHECK_EQ(p.extlen, 4);
	ATF_CHECK_EQ(p.maclen, 20);

	/* Two EFs, then a SHA-1 MAC; the second ends on a NAK. */
	mkef(b + 48, OP_ASSOC, 36);
	mkef(b + 84, OP_AUTO | NTP_EXT_RESPONSE, 96);
	ntp_put32(b + 180, 77);
	ATF_REQUIRE_EQ(packet_parse(b, 204, &p), PKT_OK);
	ATF_CHECK_EQ(p.extlen, 132);
	ATF_CHECK_EQ(p.keyid, 77);
	ATF_CHECK_EQ(p.maclen, 20);
	ATF_REQUIRE_EQ(packet_parse(b, 184, &p), PKT_OK);
	ATF_CHECK_EQ(p.extlen, 132);
	ATF_CHECK_EQ(p.maclen, 0);
	ATF_CHECK_EQ(p.has_mac, 1);
	ATF_CHECK_EQ(packet_parse(b, 182, &p), PKT_BADLEN);
	/* Second EF swallowing the NAK: it ends the packet, no MAC. */
	mkef(b + 84, OP_AUTO | NTP_EXT_RESPONSE, 100);
	ATF_REQUIRE_EQ(packet_parse(b, 184, &p), PKT_OK);
	ATF_CHECK(p.extlen == 136 && p.has_mac == 0);
	/* Second EF 4 bytes too long. */
	ATF_CHECK_EQ(packet_parse(b, 180, &p), PKT_BADEXT);
	/* Second EF short of the end: 28 left would be another EF. */
	mkef(b + 84, OP_AUTO | NTP_EXT_RESPONSE, 72);
	mkef(b + 156, 0, 0);
	ATF_CHECK_EQ(packet_parse(b, 184, &p), PKT_BADEXT);
}

ATF_TC_WITHOUT_HEAD(ext_walk);
ATF_TC_BODY(ext_walk, tc)
{
	uint8_t		 b[64];
	const uint8_t	*q;
	size_t		 left;
	struct ntp_ext	 e;

	memset(b, 0xaa, sizeof(b));
	mkef(b, OP_ASSOC, 12);
	mkef(b + 12, OP_AUTO | NTP_EXT_RESPONSE | NTP_EXT_ERROR, 8);
	mkef(b + 20, 0x00ff0000U, 4);
	q = b;
	left = 24;
	ATF_REQUIRE_EQ(packet_ext_next(&q, &left, &e), 1);
	ATF_CHECK_EQ(e.word, 0x0201000cU);
	ATF_CHECK_EQ(e.type, 0x0201);
	ATF_CHECK_EQ(NTP_EXT_CODE(e.word), 1);
	ATF_CHECK_EQ(NTP_EXT_VERSION(e.word), 2);
	ATF_CHECK_EQ(e.word & NTP_EXT_RESPONSE, 0);
	ATF_CHECK_EQ(e.len, 12);
	ATF_CHECK(e.start == b && e.body == b + 4);
	ATF_CHECK_EQ(e.bodylen, 8);
	ATF_CHECK(q == b + 12 && left == 12);
	ATF_REQUIRE_EQ(packet_ext_next(&q, &left, &e), 1);
	ATF_CHECK_EQ(e.type, 0xc204);
	ATF_CHECK(e.word & NTP_EXT_RESPONSE);
	ATF_CHECK(e.word & NTP_EXT_ERROR);
	ATF_CHECK_EQ(NTP_EXT_CODE(e.word), 4);
	ATF_CHECK_EQ(NTP_EXT_VERSION(e.word), 2);
	ATF_REQUIRE_EQ(packet_ext_next(&q, &left, &e), 1);
	ATF_CHECK_EQ(e.len, 4);
	ATF_CHECK_EQ(e.bodylen, 0);
	ATF_CHECK_EQ(packet_ext_next(&q, &left, &e), 0);
	ATF_CHECK_EQ(packet_ext_next(&q, &left, &e), 0);

	/* Malformed regions leave the cursor alone. */
	for (left = 1; left < 4; left++) {
		q = b;
		ATF_CHECK_EQ(packet_ext_next(&q, &left, &e), -1);
		ATF_CHECK(q == b);
	}
	q = b;
	left = 8;			/* field says 12 */
	ATF_CHECK_EQ(packet_ext_next(&q, &left, &e), -1);
	ATF_CHECK(q == b && left == 8);
	mkef(b, OP_ASSOC, 0);
	left = 24;
	ATF_CHECK_EQ(packet_ext_next(&q, &left, &e), -1);
	mkef(b, OP_ASSOC, 10);
	ATF_CHECK_EQ(packet_ext_next(&q, &left, &e), -1);
	q = NULL;
	ATF_CHECK_EQ(packet_ext_next(&q, &left, &e), -1);
}

ATF_TC_WITHOUT_HEAD(append);
ATF_TC_BODY(append, tc)
{
	static const uint8_t	 md5[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
	    11, 12, 13, 14, 15, 16 };
	static const uint8_t	 sig[64] = { 0x5a };
	static const uint8_t	 big[NTP_MAXPKT];
	uint8_t			 b[NTP_MAXPKT + 64], assocbuf[4];
	struct ntp_pkt		 h, p;
	struct ntp_ext		 e;
	struct ntp_ext_value	 v, got;
	const uint8_t		*q;
	size_t			 off, left;

	memset(&h, 0, sizeof(h));
	h.version = 4;
	h.mode = NTP_MODE_CLIENT;
	h.leap = NTP_LI_ALARM;
	off = packet_build_header(&h, b, sizeof(b));
	ATF_REQUIRE_EQ(off, 48);

	/* ASSOC request as in the captures: 36 bytes. */
	memset(&v, 0, sizeof(v));
	v.associd = 12586;
	v.fstamp = 0x00080001U;
	v.val = (const uint8_t *)"beta.test";
	v.vallen = 9;
	off = packet_ext_append_value(b, sizeof(b), off, OP_ASSOC | 0xffff, &v);
	ATF_REQUIRE_EQ(off, 84);
	ATF_CHECK_EQ(ntp_get32(b + 48), 0x02010024U);
	ATF_CHECK_EQ(b[77] | b[78] | b[79], 0);	/* padding */
	/* A signed CERT response with a 7-byte value. */
	v.val = (const uint8_t *)"\x30\x82\x01\x54\x30\x82\x00";
	v.vallen = 7;
	v.tstamp = 4004650370U;
	v.fstamp = 4004649424U;
	v.sig = sig;
	v.siglen = sizeof(sig);
	off = packet_ext_append_value(b, sizeof(b), off,
	    OP_CERT | NTP_EXT_RESPONSE, &v);
	ATF_REQUIRE_EQ(off, 84 + 24 + 8 + 64);
	/* An AUTO request, short form. */
	ntp_put32(assocbuf, 12586);
	off = packet_ext_append(b, sizeof(b), off, OP_AUTO, assocbuf, 4);
	ATF_REQUIRE_EQ(off, 188);
	off = packet_mac_append(b, sizeof(b), off, 0x26a780b3U, md5, 16);
	ATF_REQUIRE_EQ(off, 208);

	ATF_REQUIRE_EQ(packet_parse(b, off, &p), PKT_OK);
	ATF_CHECK_EQ(p.extlen, 140);
	ATF_CHECK_EQ(p.macoff, 188);
	ATF_CHECK_EQ(p.keyid, 0x26a780b3U);
	ATF_CHECK(p.maclen == 16 && memcmp(p.mac, md5, 16) == 0);
	q = p.ext;
	left = p.extlen;
	ATF_REQUIRE_EQ(packet_ext_next(&q, &left, &e), 1);
	ATF_CHECK_EQ(e.type, 0x0201);
	ATF_REQUIRE_EQ(packet_ext_value(&e, &got), 1);
	ATF_CHECK(got.associd == 12586 && got.tstamp == 0 &&
	    got.fstamp == 0x00080001U);
	ATF_CHECK(got.vallen == 9 && memcmp(got.val, "beta.test", 9) == 0);
	ATF_CHECK(got.siglen == 0 && got.sig == NULL);
	ATF_REQUIRE_EQ(packet_ext_next(&q, &left, &e), 1);
	ATF_CHECK_EQ(e.type, 0x8202);
	ATF_REQUIRE_EQ(packet_ext_value(&e, &got), 1);
	ATF_CHECK(got.tstamp == 4004650370U && got.fstamp == 4004649424U);
	ATF_CHECK(got.vallen == 7 && memcmp(got.val, v.val, 7) == 0);
	ATF_CHECK(got.val[7] == 0);
	ATF_CHECK(got.siglen == 64 && memcmp(got.sig, sig, 64) == 0);
	ATF_REQUIRE_EQ(packet_ext_next(&q, &left, &e), 1);
	ATF_CHECK_EQ(e.len, 8);
	ATF_CHECK_EQ(packet_ext_value(&e, &got), 0);
	ATF_CHECK_EQ(got.associd, 12586);
	ATF_CHECK_EQ(packet_ext_next(&q, &left, &e), 0);

	/* Refusals. */
	ATF_CHECK_EQ(packet_ext_append(b, sizeof(b), 50, OP_AUTO, NULL, 0), 0);
	ATF_CHECK_EQ(packet_ext_append(b, sizeof(b), 44, OP_AUTO, NULL, 0), 0);
	ATF_CHECK_EQ(packet_ext_append(b, 56, 48, OP_AUTO, assocbuf, 4), 56);
	ATF_CHECK_EQ(packet_ext_append(b, 55, 48, OP_AUTO, assocbuf, 4), 0);
	ATF_CHECK_EQ(packet_ext_append(b, 40, 48, OP_AUTO, assocbuf, 4), 0);
	ATF_CHECK_EQ(packet_ext_append(b, sizeof(b), 48, OP_AUTO, NULL, 4), 0);
	ATF_CHECK_EQ(packet_ext_append(b, sizeof(b), 48, OP_AUTO, big,
	    NTP_MAXPKT), 0);
	ATF_CHECK_EQ(packet_ext_append(b, sizeof(b), 48, OP_AUTO, big,
	    NTP_MAXPKT - 52), NTP_MAXPKT);
	ATF_CHECK_EQ(packet_ext_append(b, sizeof(b), 48, OP_AUTO, big,
	    NTP_MAXPKT - 51), 0);
	ATF_CHECK_EQ(packet_mac_append(b, sizeof(b), 48, 1, md5, 15), 0);
	ATF_CHECK_EQ(packet_mac_append(b, sizeof(b), 48, 1, NULL, 16), 0);
	ATF_CHECK_EQ(packet_mac_append(b, 67, 48, 1, md5, 16), 0);
	ATF_CHECK_EQ(packet_mac_append(b, 68, 48, 1, md5, 16), 68);
	ATF_CHECK_EQ(packet_mac_append(b, 52, 48, 0, NULL, 0), 52);
	v.vallen = 0;
	ATF_CHECK_EQ(packet_ext_append_value(b, sizeof(b), 48, OP_CERT, &v),
	    0);
	v.vallen = 7;
	v.sig = NULL;
	ATF_CHECK_EQ(packet_ext_append_value(b, sizeof(b), 48, OP_CERT, &v),
	    0);
	v.siglen = 0;
	ATF_CHECK_EQ(packet_ext_append_value(b, 79, 48, OP_CERT, &v), 0);
	ATF_CHECK_EQ(packet_ext_append_value(b, 80, 48, OP_CERT, &v), 80);
}

/* packet_ext_value on hand-made bodies. */
static int
ev(uint32_t len, uint32_t vallen, uint32_t siglen_at, uint32_t siglen,
    struct ntp_ext_value *v)
{
	static uint8_t	 f[128];
	struct ntp_ext	 e;
	const uint8_t	*q = f;
	size_t		 left = len;

	memset(f, 0, sizeof(f));
	mkef(f, OP_CERT, len);
	ntp_put32(f + 4, 9);
	if (len >= 24)
		ntp_put32(f + 16, vallen);
	if (siglen_at != 0 && siglen_at + 4 <= len)
		ntp_put32(f + siglen_at, siglen);
	if (packet_ext_next(&q, &left, &e) != 1)
		return -2;
	return packet_ext_value(&e, v);
}

ATF_TC_WITHOUT_HEAD(ext_value_checks);
ATF_TC_BODY(ext_value_checks, tc)
{
	struct ntp_ext_value	 v;
	struct ntp_ext		 e;
	uint32_t		 len;

	ATF_CHECK_EQ(ev(4, 0, 0, 0, &v), -1);
	ATF_CHECK_EQ(ev(8, 0, 0, 0, &v), 0);
	ATF_CHECK_EQ(v.associd, 9);
	for (len = 12; len < 24; len += 4)
		ATF_CHECK_EQ_MSG(ev(len, 0, 0, 0, &v), -1, "len %u", len);
	/* 24 bytes leave no room for the siglen word after any value. */
	ATF_CHECK_EQ(ev(24, 0, 0, 0, &v), -1);
	ATF_CHECK_EQ(ev(24, 1, 0, 0, &v), -1);
	ATF_CHECK_EQ(ev(28, 4, 24, 0, &v), 1);		/* 24 + P4(4) */
	ATF_CHECK_EQ(ev(32, 4, 24, 0, &v), 1);
	ATF_CHECK(v.vallen == 4 && v.siglen == 0);
	ATF_CHECK_EQ(ev(32, 0, 24, 0, &v), -1);		/* vallen 0 */
	ATF_CHECK_EQ(ev(32, 9, 24, 0, &v), -1);		/* vallen > len-24 */
	ATF_CHECK_EQ(ev(32, 0xffffffffU, 24, 0, &v), -1);
	ATF_CHECK_EQ(ev(32, 5, 28, 0, &v), 1);		/* value padded to 8 */
	ATF_CHECK(v.vallen == 5 && v.siglen == 0 && v.sig == NULL);
	ATF_CHECK_EQ(ev(32, 5, 28, 1, &v), -1);		/* no room for sig */
	ATF_CHECK_EQ(ev(40, 5, 28, 8, &v), 1);
	ATF_CHECK(v.vallen == 5 && v.siglen == 8 && v.sig != NULL);
	ATF_CHECK_EQ(ev(40, 5, 28, 9, &v), -1);		/* sig past the end */
	ATF_CHECK_EQ(ev(40, 5, 28, 0xffffffffU, &v), -1);
	ATF_CHECK_EQ(ev(48, 5, 28, 8, &v), 1);		/* slack allowed */
	ATF_CHECK_EQ(ev(44, 4, 24, 15, &v), 1);		/* siglen 15 pads to 16 */
	ATF_CHECK_EQ(ev(44, 4, 24, 16, &v), 1);
	ATF_CHECK_EQ(ev(44, 4, 24, 17, &v), -1);

	memset(&e, 0, sizeof(e));
	ATF_CHECK_EQ(packet_ext_value(&e, &v), -1);
}

/* Data files are copied to <builddir>/regress/packet/data. */
static uint8_t *
load(const atf_tc_t *tc, const char *path, size_t *lenp)
{
	FILE		*f;
	uint8_t		*buf;
	long		 n;

	if ((f = fopen(path, "rb")) == NULL)
		atf_tc_fail("cannot open %s", path);
	if (fseek(f, 0, SEEK_END) == -1 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) == -1)
		atf_tc_fail("cannot size %s", path);
	if ((buf = malloc((size_t)n + 1)) == NULL)
		atf_tc_fail("malloc");
	if (fread(buf, 1, (size_t)n, f) != (size_t)n)
		atf_tc_fail("short read on %s", path);
	fclose(f);
	*lenp = (size_t)n;
	return buf;
}

static uint8_t *
load_data(const atf_tc_t *tc, const char *name, size_t *lenp)
{
	char		 path[1024];
	const char	*dir;

	if (atf_tc_has_config_var(tc, "builddir") &&
	    *(dir = atf_tc_get_config_var(tc, "builddir")) != '\0')
		snprintf(path, sizeof(path), "%s/regress/packet/data/%s", dir,
		    name);
	else if (atf_tc_has_config_var(tc, "srcdir") &&
	    *(dir = atf_tc_get_config_var(tc, "srcdir")) != '\0')
		snprintf(path, sizeof(path), "%s/regress/packet/data/%s", dir,
		    name);
	else
		atf_tc_skip("neither builddir nor srcdir is configured");
	return load(tc, path, lenp);
}

/* Known values from iff-unicast.decoded.txt and broadcast-iff.decoded.txt. */
ATF_TC_WITHOUT_HEAD(captured_packets);
ATF_TC_BODY(captured_packets, tc)
{
	static const uint8_t	 dig1[16] = { 0x32, 0x0e, 0xc9, 0x3d, 0xd6,
	    0x49, 0xe2, 0x53, 0x76, 0xeb, 0xc3, 0xfc, 0xb3, 0xbd, 0xa5, 0xc4 };
	struct ntp_pkt		 p;
	struct ntp_ext		 e;
	struct ntp_ext_value	 v;
	const uint8_t		*q;
	uint8_t			*b, hdr[NTP_HDRLEN];
	size_t			 len, left;

	b = load_data(tc, "assoc-req.bin", &len);
	ATF_REQUIRE_EQ(len, 104);
	ATF_REQUIRE_EQ(packet_parse(b, len, &p), PKT_OK);
	ATF_CHECK(p.version == 4 && p.mode == NTP_MODE_CLIENT &&
	    p.leap == 3 && p.stratum == 0 && p.poll == 4);
	ATF_CHECK_EQ(p.refid, 0x494e4954U);	/* "INIT" */
	ATF_CHECK_EQ(p.xmt, 0xeeb21d847ea40cbfULL);
	ATF_CHECK_EQ(p.extlen, 36);
	ATF_CHECK_EQ(p.keyid, 0x04396ec1U);
	ATF_CHECK(p.maclen == 16 && memcmp(p.mac, dig1, 16) == 0);
	ATF_CHECK_EQ(packet_build_header(&p, hdr, sizeof(hdr)), NTP_HDRLEN);
	ATF_CHECK(memcmp(hdr, b, NTP_HDRLEN) == 0);
	q = p.ext;
	left = p.extlen;
	ATF_REQUIRE_EQ(packet_ext_next(&q, &left, &e), 1);
	ATF_CHECK_EQ(e.type, 0x0201);
	ATF_REQUIRE_EQ(packet_ext_value(&e, &v), 1);
	ATF_CHECK(v.associd == 12586 && v.tstamp == 0 &&
	    v.fstamp == 0x00080001U && v.siglen == 0);
	ATF_CHECK(v.vallen == 9 && memcmp(v.val, "beta.test", 9) == 0);
	ATF_CHECK_EQ(packet_ext_next(&q, &left, &e), 0);
	free(b);

	b = load_data(tc, "cert-rsp.bin", &len);
	ATF_REQUIRE_EQ(len, 500);
	ATF_REQUIRE_EQ(packet_parse(b, len, &p), PKT_OK);
	ATF_CHECK(p.mode == NTP_MODE_SERVER && p.stratum == 9 &&
	    p.leap == 0);
	ATF_CHECK_EQ(p.keyid, 0x23304b4aU);
	q = p.ext;
	left = p.extlen;
	ATF_REQUIRE_EQ(packet_ext_next(&q, &left, &e), 1);
	ATF_CHECK(e.type == 0x8202 && e.len == 432);
	ATF_REQUIRE_EQ(packet_ext_value(&e, &v), 1);
	ATF_CHECK(v.tstamp == 4004650370U && v.fstamp == 4004649424U);
	ATF_CHECK(v.vallen == 344 && v.siglen == 64);
	ATF_CHECK(v.val[0] == 0x30);		/* DER SEQUENCE */
	ATF_CHECK_EQ(packet_ext_next(&q, &left, &e), 0);
	free(b);

	b = load_data(tc, "mac-only.bin", &len);
	ATF_REQUIRE_EQ(len, 68);
	ATF_REQUIRE_EQ(packet_parse(b, len, &p), PKT_OK);
	ATF_CHECK(p.ext == NULL && p.extlen == 0);
	ATF_CHECK(p.keyid == 0x2c464771U && p.maclen == 16);
	free(b);

	b = load_data(tc, "bcast-auto.bin", &len);
	ATF_REQUIRE_EQ(len, 164);
	ATF_REQUIRE_EQ(packet_parse(b, len, &p), PKT_OK);
	ATF_CHECK(p.mode == NTP_MODE_BROADCAST && p.stratum == 9);
	ATF_CHECK_EQ(p.keyid, 0x969e7e12U);
	q = p.ext;
	left = p.extlen;
	ATF_REQUIRE_EQ(packet_ext_next(&q, &left, &e), 1);
	ATF_CHECK(e.type == 0x8204 && e.len == 96);
	ATF_REQUIRE_EQ(packet_ext_value(&e, &v), 1);
	ATF_CHECK(v.associd == 61734 && v.vallen == 8 && v.siglen == 64);
	ATF_CHECK(v.tstamp == 4004651822U && v.fstamp == 4004651821U);
	ATF_CHECK_EQ(ntp_get32(v.val), 0x81c082bcU);	/* key */
	ATF_CHECK_EQ(ntp_get32(v.val + 4), 99);		/* seq */
	free(b);
}

/*
 * A minimal pcap reader: classic libpcap files (either byte order, micro-
 * or nanosecond), Ethernet, Linux cooked (SLL) or raw IP link types,
 * IPv4 + UDP.  Keeps unfragmented UDP datagrams to or from port 123.
 */
struct cap {
	char		 src[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN];
	const uint8_t	*data;
	size_t		 len;
};

static uint32_t
pcap_u32(const uint8_t *p, int swap)
{
	return swap ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3] :
	    (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[1] << 8 | p[0];
}

static size_t
pcap_read(const atf_tc_t *tc, const uint8_t *f, size_t flen, struct cap *caps,
    size_t maxcaps)
{
	uint32_t	 magic, link, caplen;
	size_t		 off, n = 0, l2, ihl, iplen, ulen;
	const uint8_t	*fr, *ip, *udp;
	int		 swap;
	uint16_t	 etype;

	ATF_REQUIRE_MSG(flen >= 24, "pcap shorter than its header");
	magic = pcap_u32(f, 0);
	if (magic == 0xa1b2c3d4U || magic == 0xa1b23c4dU)
		swap = 0;
	else if (magic == 0xd4c3b2a1U || magic == 0x4d3cb2a1U)
		swap = 1;
	else
		atf_tc_fail("not a classic pcap file (magic %08x)", magic);
	link = pcap_u32(f + 20, swap);
	ATF_REQUIRE_MSG(link == 1 || link == 113 || link == 101,
	    "unsupported link type %u", link);
	for (off = 24; off < flen; off += caplen) {
		ATF_REQUIRE_MSG(flen - off >= 16, "truncated record header");
		caplen = pcap_u32(f + off + 8, swap);
		off += 16;
		ATF_REQUIRE_MSG(caplen <= flen - off, "truncated record");
		fr = f + off;
		if (link == 1) {
			if (caplen < 14)
				continue;
			etype = ntp_get16(fr + 12);
			l2 = 14;
			if (etype == 0x8100 && caplen >= 18) {
				etype = ntp_get16(fr + 16);
				l2 = 18;
			}
		} else if (link == 113) {
			if (caplen < 16)
				continue;
			etype = ntp_get16(fr + 14);
			l2 = 16;
		} else {
			etype = 0x0800;
			l2 = 0;
		}
		if (etype != 0x0800 || caplen - l2 < 20)
			continue;
		ip = fr + l2;
		ihl = (size_t)(ip[0] & 0x0f) * 4;
		iplen = ntp_get16(ip + 2);
		if ((ip[0] >> 4) != 4 || ihl < 20 || iplen < ihl + 8 ||
		    iplen > caplen - l2 || ip[9] != 17 ||
		    (ntp_get16(ip + 6) & 0x3fff) != 0)
			continue;
		udp = ip + ihl;
		ulen = ntp_get16(udp + 4);
		if (ulen < 8 || ulen > iplen - ihl)
			continue;
		if (ntp_get16(udp) != 123 && ntp_get16(udp + 2) != 123)
			continue;
		ATF_REQUIRE_MSG(n < maxcaps, "too many packets");
		inet_ntop(AF_INET, ip + 12, caps[n].src, sizeof(caps[n].src));
		inet_ntop(AF_INET, ip + 16, caps[n].dst, sizeof(caps[n].dst));
		caps[n].data = udp + 8;
		caps[n].len = ulen - 8;
		n++;
	}
	return n;
}

/* What the harness decoder (interop/decode_autokey.py) printed. */
#define DEC_MAXEF	8
struct dec_ef {
	unsigned	 code;
	int		 resp;
	size_t		 len;
	unsigned	 vn;
	uint32_t	 associd;
	int		 has_vallen;
	size_t		 vallen;
	int		 has_ts;
	uint32_t	 tstamp, fstamp;
	int		 has_sig;
	size_t		 siglen;
	char		 strval[128];	/* value='...' if quoted */
};

struct dec_pkt {
	int		 num;
	char		 src[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN];
	unsigned	 vn, mode, leap, stratum;
	int		 poll;
	size_t		 len;
	int		 nef;
	struct dec_ef	 ef[DEC_MAXEF];
	int		 has_mac;
	uint32_t	 keyid;
	char		 digest[64];
};

static unsigned
dec_code(const atf_tc_t *tc, const char *name)
{
	static const char *names[] = { "NULL", "ASSOC", "CERT", "COOK", "AUTO",
	    "LEAP", "SIGN", "IFF", "GQ", "MV" };
	unsigned	 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	atf_tc_fail("unknown EF name %s in decoded text", name);
}

static unsigned
dec_mode(const atf_tc_t *tc, const char *name)
{
	static const char *names[] = { "0", "sym-active",
	    "sym-passive", "client", "server", "broadcast" };
	unsigned	 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	atf_tc_fail("unknown mode name %s in decoded text", name);
}

static size_t
dec_read(const atf_tc_t *tc, const char *path, struct dec_pkt *d, size_t maxd)
{
	FILE		*f;
	char		 line[1024], a[32], b[32];
	const char	*s;
	size_t		 n = 0;
	struct dec_pkt	*cur = NULL;
	struct dec_ef	*ef = NULL;

	if ((f = fopen(path, "r")) == NULL)
		atf_tc_fail("cannot open %s", path);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#') {
			ATF_REQUIRE_MSG(n < maxd, "too many packets");
			cur = &d[n++];
			memset(cur, 0, sizeof(*cur));
			ef = NULL;
			ATF_REQUIRE_MSG(sscanf(line, "#%d %*s %15s -> %15s",
			    &cur->num, cur->src, cur->dst) == 3,
			    "bad line %s", line);
			continue;
		}
		if (cur == NULL)
			continue;
		if (sscanf(line, "  NTP v%u %31s leap=%u stratum=%u "
		    "poll=%d len=%zu", &cur->vn, a, &cur->leap, &cur->stratum,
		    &cur->poll, &cur->len) == 6) {
			cur->mode = dec_mode(tc, a);
		} else if (strncmp(line, "  EF ", 5) == 0) {
			ATF_REQUIRE_MSG(cur->nef < DEC_MAXEF, "too many EFs");
			ef = &cur->ef[cur->nef++];
			ATF_REQUIRE_MSG(sscanf(line, "  EF %31s %31s len=%zu "
			    "vn=%u associd=%u", a, b, &ef->len, &ef->vn,
			    &ef->associd) == 5, "bad line %s", line);
			ef->code = dec_code(tc, a);
			ATF_REQUIRE_MSG(strcmp(b, "request") == 0 ||
			    strcmp(b, "response") == 0, "bad line %s", line);
			ef->resp = strcmp(b, "response") == 0;
			if ((s = strstr(line, "vallen=")) != NULL) {
				ef->has_vallen = 1;
				ATF_REQUIRE(sscanf(s, "vallen=%zu",
				    &ef->vallen) == 1);
			}
		} else if (strncmp(line, "       tstamp=", 14) == 0 &&
		    ef != NULL) {
			ef->has_ts = 1;
			ATF_REQUIRE(sscanf(line + 7, "tstamp=%u",
			    &ef->tstamp) == 1);
			if ((s = strstr(line, "fstamp=")) != NULL)
				ATF_REQUIRE(sscanf(s, "fstamp=%u",
				    &ef->fstamp) == 1);
			else if ((s = strstr(line, "status-word=0x")) != NULL)
				ATF_REQUIRE(sscanf(s, "status-word=0x%x",
				    &ef->fstamp) == 1);
			else
				atf_tc_fail("bad line %s", line);
		} else if (strncmp(line, "       value='", 14) == 0 &&
		    ef != NULL) {
			ATF_REQUIRE(sscanf(line + 14, "%127[^']",
			    ef->strval) == 1);
		} else if (strncmp(line, "       siglen=", 14) == 0 &&
		    ef != NULL) {
			ef->has_sig = 1;
			ATF_REQUIRE(sscanf(line + 7, "siglen=%zu",
			    &ef->siglen) == 1);
		} else if (strncmp(line, "  MAC ", 6) == 0) {
			cur->has_mac = 1;
			ATF_REQUIRE_MSG(sscanf(line, "  MAC keyid=0x%x "
			    "digest=%63s", &cur->keyid, cur->digest) == 2,
			    "bad line %s", line);
		}
	}
	fclose(f);
	return n;
}

static void
hex(const uint8_t *p, size_t len, char *out, size_t outlen)
{
	size_t		 i;

	out[0] = '\0';
	for (i = 0; i < len && 2 * i + 2 < outlen; i++)
		snprintf(out + 2 * i, 3, "%02x", p[i]);
}

static const char *
vectors_dir(const atf_tc_t *tc)
{
	const char	*v;

	if (!atf_tc_has_config_var(tc, "vectors") ||
	    *(v = atf_tc_get_config_var(tc, "vectors")) == '\0')
		atf_tc_skip("vectors not available (config variable "
		    "'vectors' unset or empty)");
	return v;
}

#define MAXCAP	256

/* Parse every NTP packet of one capture and compare with its decoding. */
static void
check_capture(const atf_tc_t *tc, const char *name)
{
	static struct cap	 caps[MAXCAP];
	static struct dec_pkt	 dec[MAXCAP];
	char			 path[1024], dig[64];
	uint8_t			*file;
	size_t			 flen, ncap, ndec, i;
	int			 j, r;
	struct ntp_pkt		 p;
	struct ntp_ext		 e;
	struct ntp_ext_value	 v;
	const uint8_t		*q;
	size_t			 left;

	snprintf(path, sizeof(path), "%s/autokey/pcap/%s.pcap",
	    vectors_dir(tc), name);
	file = load(tc, path, &flen);
	ncap = pcap_read(tc, file, flen, caps, MAXCAP);
	snprintf(path, sizeof(path), "%s/autokey/pcap/%s.decoded.txt",
	    vectors_dir(tc), name);
	ndec = dec_read(tc, path, dec, MAXCAP);
	ATF_REQUIRE_MSG(ncap > 0, "%s: no NTP packets", name);
	ATF_REQUIRE_EQ_MSG(ncap, ndec, "%s: %zu packets, %zu decoded", name,
	    ncap, ndec);

	for (i = 0; i < ncap; i++) {
		const struct dec_pkt *d = &dec[i];
		const char *what = name;

		ATF_REQUIRE_EQ_MSG(packet_parse(caps[i].data, caps[i].len, &p),
		    PKT_OK, "%s #%d", what, d->num);
		ATF_CHECK_STREQ_MSG(caps[i].src, d->src, "%s #%d", what,
		    d->num);
		ATF_CHECK_STREQ_MSG(caps[i].dst, d->dst, "%s #%d", what,
		    d->num);
		ATF_CHECK_EQ_MSG(caps[i].len, d->len, "%s #%d", what, d->num);
		ATF_CHECK_EQ_MSG(p.version, d->vn, "%s #%d", what, d->num);
		ATF_CHECK_EQ_MSG(p.mode, d->mode, "%s #%d", what, d->num);
		ATF_CHECK_EQ_MSG(p.leap, d->leap, "%s #%d", what, d->num);
		ATF_CHECK_EQ_MSG(p.stratum, d->stratum, "%s #%d", what,
		    d->num);
		ATF_CHECK_EQ_MSG(p.poll, d->poll, "%s #%d", what, d->num);
		ATF_CHECK_EQ_MSG(p.has_mac, d->has_mac, "%s #%d", what,
		    d->num);
		if (d->has_mac) {
			ATF_CHECK_EQ_MSG(p.keyid, d->keyid, "%s #%d", what,
			    d->num);
			hex(p.mac, p.maclen, dig, sizeof(dig));
			ATF_CHECK_STREQ_MSG(dig, d->digest, "%s #%d", what,
			    d->num);
		}
		q = p.ext;
		left = p.extlen;
		for (j = 0; (r = packet_ext_next(&q, &left, &e)) == 1; j++) {
			const struct dec_ef *de;

			ATF_REQUIRE_MSG(j < d->nef, "%s #%d: extra EF", what,
			    d->num);
			de = &d->ef[j];
			ATF_CHECK_EQ_MSG(NTP_EXT_CODE(e.word), de->code,
			    "%s #%d EF %d", what, d->num, j);
			ATF_CHECK_EQ_MSG(!!(e.word & NTP_EXT_RESPONSE),
			    de->resp, "%s #%d EF %d", what, d->num, j);
			ATF_CHECK_EQ_MSG(e.word & NTP_EXT_ERROR, 0,
			    "%s #%d EF %d", what, d->num, j);
			ATF_CHECK_EQ_MSG(NTP_EXT_VERSION(e.word), de->vn,
			    "%s #%d EF %d", what, d->num, j);
			ATF_CHECK_EQ_MSG(e.len, de->len, "%s #%d EF %d", what,
			    d->num, j);
			r = packet_ext_value(&e, &v);
			ATF_REQUIRE_MSG(r >= 0, "%s #%d EF %d: bad value",
			    what, d->num, j);
			ATF_CHECK_EQ_MSG(v.associd, de->associd,
			    "%s #%d EF %d", what, d->num, j);
			ATF_CHECK_EQ_MSG(r == 1, de->has_vallen,
			    "%s #%d EF %d", what, d->num, j);
			if (r != 1)
				continue;
			ATF_CHECK_EQ_MSG(v.vallen, de->vallen,
			    "%s #%d EF %d", what, d->num, j);
			if (de->has_ts)
				ATF_CHECK_MSG(v.tstamp == de->tstamp &&
				    v.fstamp == de->fstamp,
				    "%s #%d EF %d: %u/%u", what, d->num, j,
				    v.tstamp, v.fstamp);
			if (de->has_sig)
				ATF_CHECK_EQ_MSG(v.siglen, de->siglen,
				    "%s #%d EF %d", what, d->num, j);
			if (de->strval[0] != '\0')
				ATF_CHECK_MSG(v.vallen == strlen(de->strval) &&
				    memcmp(v.val, de->strval, v.vallen) == 0,
				    "%s #%d EF %d value", what, d->num, j);
		}
		ATF_CHECK_EQ_MSG(r, 0, "%s #%d: EF walk failed", what, d->num);
		ATF_CHECK_EQ_MSG(j, d->nef, "%s #%d: %d EFs, %d decoded",
		    what, d->num, j, d->nef);
		ATF_CHECK_EQ_MSG(p.macoff, NTP_HDRLEN + p.extlen,
		    "%s #%d", what, d->num);
	}
	free(file);
}

ATF_TC_WITHOUT_HEAD(vectors_iff_unicast);
ATF_TC_BODY(vectors_iff_unicast, tc)
{
	check_capture(tc, "iff-unicast");
}

ATF_TC_WITHOUT_HEAD(vectors_all_captures);
ATF_TC_BODY(vectors_all_captures, tc)
{
	static const char *names[] = { "broadcast-iff", "gq-unicast-FAILS",
	    "iff-unicast-NO-IDENT-skips-iff", "multicast-iff",
	    "unicast-iff-leapfile", "unicast-mv-stock-FAILS",
	    "unicast-mv-traditional" };
	size_t		 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		check_capture(tc, names[i]);
}

/* ntpq traffic must be recognised as mode 6 and nothing else. */
ATF_TC_WITHOUT_HEAD(vectors_mode6);
ATF_TC_BODY(vectors_mode6, tc)
{
	static const char *names[] = { "as", "p", "rv-assoc-flags", "rv-assoc",
	    "rv", "rv0-cert", "rv0" };
	static const char *who[] = { "ref", "ntpsec" };
	static struct cap caps[MAXCAP];
	char		 path[1024];
	uint8_t		*file;
	size_t		 flen, ncap, i, k, w, total = 0;
	struct ntp_pkt	 p;

	for (w = 0; w < 2; w++) {
		for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
			snprintf(path, sizeof(path),
			    "%s/autokey/mode6/%s-%s.pcap", vectors_dir(tc),
			    who[w], names[k]);
			file = load(tc, path, &flen);
			ncap = pcap_read(tc, file, flen, caps, MAXCAP);
			ATF_CHECK_MSG(ncap > 0, "%s: no packets", path);
			for (i = 0; i < ncap; i++) {
				ATF_CHECK_EQ_MSG(packet_parse(caps[i].data,
				    caps[i].len, &p), PKT_MODE6, "%s #%zu",
				    path, i + 1);
				ATF_CHECK_EQ(packet_mode(caps[i].data,
				    caps[i].len), NTP_MODE_CONTROL);
			}
			total += ncap;
			free(file);
		}
	}
	ATF_CHECK(total >= 28);
}

ATF_TC_WITHOUT_HEAD(strerror);
ATF_TC_BODY(strerror, tc)
{
	int		 e;

	for (e = PKT_OK; e <= PKT_MODE7; e++)
		ATF_CHECK(strcmp(packet_strerror((enum packet_err)e),
		    "unknown packet error") != 0);
	ATF_CHECK_STREQ(packet_strerror((enum packet_err)99),
	    "unknown packet error");
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, header_fields);
	ATF_TP_ADD_TC(tp, build_roundtrip);
	ATF_TP_ADD_TC(tp, short_packets);
	ATF_TP_ADD_TC(tp, versions_modes);
	ATF_TP_ADD_TC(tp, too_long);
	ATF_TP_ADD_TC(tp, mac_lengths);
	ATF_TP_ADD_TC(tp, ext_framing);
	ATF_TP_ADD_TC(tp, ext_walk);
	ATF_TP_ADD_TC(tp, append);
	ATF_TP_ADD_TC(tp, ext_value_checks);
	ATF_TP_ADD_TC(tp, captured_packets);
	ATF_TP_ADD_TC(tp, vectors_iff_unicast);
	ATF_TP_ADD_TC(tp, vectors_all_captures);
	ATF_TP_ADD_TC(tp, vectors_mode6);
	ATF_TP_ADD_TC(tp, strerror);
	return atf_no_error();
}
