/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * ntpd/mode6.c: request parsing (every malformed case), answers and
 * their fragments, the variable-list text, and the captures of the
 * reference ntpd answering both ntpqs (vectors/autokey/mode6/).
 */

#include <atf-c.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mode6.h"

#include "../autokey/akvec.h"

/* ---- helpers ------------------------------------------------------ */

static size_t
mkreq(uint8_t *b, size_t cap, uint8_t b0, uint8_t b1, uint16_t seq,
    uint16_t assoc, uint16_t off, const char *data)
{
	size_t n = data != NULL ? strlen(data) : 0, len;

	len = (MODE6_HDRLEN + n + 3) & ~(size_t)3;
	ATF_REQUIRE(len <= cap);
	memset(b, 0, len);
	b[0] = b0;
	b[1] = b1;
	b[2] = (uint8_t)(seq >> 8);
	b[3] = (uint8_t)seq;
	b[6] = (uint8_t)(assoc >> 8);
	b[7] = (uint8_t)assoc;
	b[8] = (uint8_t)(off >> 8);
	b[9] = (uint8_t)off;
	b[10] = (uint8_t)(n >> 8);
	b[11] = (uint8_t)n;
	if (n > 0)
		memcpy(b + MODE6_HDRLEN, data, n);
	return len;
}

#define V2	(2 << 3 | 6)

/* ---- parsing -------------------------------------------------------- */

ATF_TC_WITHOUT_HEAD(parse_requests);
ATF_TC_BODY(parse_requests, tc)
{
	uint8_t b[64];
	struct mode6_msg m;
	size_t n;

	/* ntpq -c as: READSTAT, association 0, no data */
	n = mkreq(b, sizeof(b), V2, MODE6_OP_READSTAT, 1, 0, 0, NULL);
	ATF_REQUIRE_EQ(n, 12);
	ATF_REQUIRE_EQ(mode6_parse_request(b, n, &m), MODE6_OK);
	ATF_CHECK(m.version == 2 && m.mode == 6 && m.flags == 0);
	ATF_CHECK(m.opcode == 1 && m.sequence == 1 && m.associd == 0);
	ATF_CHECK(m.count == 0 && m.offset == 0 && m.status == 0);
	/* ntpq -c "rv 30308 flags" */
	n = mkreq(b, sizeof(b), V2, MODE6_OP_READVAR, 0x1234, 30308, 0,
	    "flags");
	ATF_REQUIRE_EQ(n, 20);
	ATF_REQUIRE_EQ(mode6_parse_request(b, n, &m), MODE6_OK);
	ATF_CHECK(m.opcode == 2 && m.sequence == 0x1234 &&
	    m.associd == 30308 && m.count == 5);
	ATF_CHECK(memcmp(m.data, "flags", 5) == 0);
	/* versions 3 and 4; LI is ignored; unpadded is fine */
	n = mkreq(b, sizeof(b), 0xc0 | 3 << 3 | 6, 2, 1, 0, 0, "cert");
	ATF_CHECK_EQ(mode6_parse_request(b, n, &m), MODE6_OK);
	ATF_CHECK(m.version == 3 && m.leap == 3);
	n = mkreq(b, sizeof(b), 4 << 3 | 6, 2, 1, 0, 0, "cert");
	ATF_CHECK_EQ(mode6_parse_request(b, 16, &m), MODE6_OK);
	ATF_CHECK_EQ(mode6_parse_request(b, 12 + 4, &m), MODE6_OK);
	/* a MAC after the data (authenticated ntpq) is tolerated */
	memset(b + 16, 0xaa, 24);
	ATF_CHECK_EQ(mode6_parse_request(b, 40, &m), MODE6_OK);
	ATF_CHECK_EQ(m.count, 4);
}

ATF_TC_WITHOUT_HEAD(parse_malformed);
ATF_TC_BODY(parse_malformed, tc)
{
	uint8_t b[MODE6_MAXPKT + 128];
	struct mode6_msg m;
	size_t n, i;
	int v;

	ATF_CHECK_EQ(mode6_parse(NULL, 12, &m), MODE6_SHORT);
	n = mkreq(b, sizeof(b), V2, 2, 1, 0, 0, "cert");
	/* every truncation */
	for (i = 0; i < 12 + 4; i++)
		ATF_CHECK_EQ_MSG(mode6_parse_request(b, i, &m), MODE6_SHORT,
		    "length %zu", i);
	/* not mode 6 */
	for (v = 0; v < 8; v++) {
		if (v == 6)
			continue;
		b[0] = (uint8_t)(2 << 3 | v);
		ATF_CHECK_EQ(mode6_parse_request(b, n, &m), MODE6_NOTCTL);
	}
	/* versions outside 2..4 */
	for (v = 0; v < 8; v++) {
		b[0] = (uint8_t)(v << 3 | 6);
		ATF_CHECK_EQ(mode6_parse_request(b, n, &m),
		    v >= 2 && v <= 4 ? MODE6_OK : MODE6_BADVERSION);
	}
	b[0] = V2;
	/* R, E, M: a response or a fragment, never answered */
	for (v = 1; v < 8; v++) {
		b[1] = (uint8_t)(v << 5 | 2);
		ATF_CHECK_EQ(mode6_parse_request(b, n, &m), MODE6_RESPONSE);
		/* mode6_parse() reads them (the helper, the tests) */
		ATF_CHECK_EQ(mode6_parse(b, n, &m), MODE6_OK);
		ATF_CHECK_EQ(m.flags, v << 5);
	}
	b[1] = 2;
	/* a non-zero offset: part of a multi-fragment request */
	b[9] = 4;
	ATF_CHECK_EQ(mode6_parse_request(b, n, &m), MODE6_BADCOUNT);
	b[9] = 0;
	/* count past the datagram, count past a fragment */
	b[11] = 4;
	ATF_CHECK_EQ(mode6_parse_request(b, n, &m), MODE6_OK);
	b[11] = 5;
	ATF_CHECK_EQ(mode6_parse_request(b, 16, &m), MODE6_SHORT);
	ATF_CHECK_EQ(mode6_parse_request(b, 17, &m), MODE6_OK);
	b[11] = 4;
	b[10] = 0xff;
	b[11] = 0xff;
	ATF_CHECK_EQ(mode6_parse_request(b, n, &m), MODE6_BADCOUNT);
	n = mkreq(b, sizeof(b), V2, 2, 1, 0, 0, NULL);
	b[10] = (uint8_t)(469 >> 8);
	b[11] = (uint8_t)469;
	memset(b + 12, 'a', 472);
	ATF_CHECK_EQ(mode6_parse_request(b, 12 + 472, &m), MODE6_BADCOUNT);
	b[10] = (uint8_t)(468 >> 8);
	b[11] = (uint8_t)468;
	ATF_CHECK_EQ(mode6_parse_request(b, 12 + 468, &m), MODE6_OK);
	/* more after the data than padding and a MAC */
	n = mkreq(b, sizeof(b), V2, 1, 1, 0, 0, NULL);
	memset(b + 12, 0, 100);
	ATF_CHECK_EQ(mode6_parse_request(b, 12 + 75, &m), MODE6_OK);
	ATF_CHECK_EQ(mode6_parse_request(b, 12 + 76, &m), MODE6_BADPAD);
	ATF_CHECK(strcmp(mode6_strerror(MODE6_BADPAD), "bad trailer") == 0);
}

/* ---- answers -------------------------------------------------------- */

ATF_TC_WITHOUT_HEAD(fragments);
ATF_TC_BODY(fragments, tc)
{
	uint8_t b[16], out[MODE6_MAXPKT], data[1000];
	struct mode6_msg req;
	size_t n, i, lens[] = { 0, 1, 467, 468, 469, 936, 937, 1000 };
	size_t k, nfr, got, off;

	n = mkreq(b, sizeof(b), V2, 2, 0xbeef, 30308, 0, NULL);
	ATF_REQUIRE_EQ(mode6_parse_request(b, n, &req), MODE6_OK);
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)('a' + i % 26);
	ATF_CHECK_EQ(mode6_nfrags(0), 1);
	ATF_CHECK_EQ(mode6_nfrags(468), 1);
	ATF_CHECK_EQ(mode6_nfrags(469), 2);
	for (k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
		nfr = mode6_nfrags(lens[k]);
		off = 0;
		for (i = 0; i < nfr; i++) {
			got = mode6_response(&req, 0xf61e, 30308, data,
			    lens[k], i, out, sizeof(out));
			ATF_REQUIRE_MSG(got > 0, "len %zu frag %zu", lens[k], i);
			ATF_CHECK_EQ(got % 4, 0);
			ATF_CHECK_EQ(out[0], V2);
			ATF_CHECK_EQ(out[1], MODE6_R | 2 |
			    (i + 1 < nfr ? MODE6_M : 0));
			ATF_CHECK_EQ(ntp_get16(out + 2), 0xbeef);
			ATF_CHECK_EQ(ntp_get16(out + 4), 0xf61e);
			ATF_CHECK_EQ(ntp_get16(out + 6), 30308);
			ATF_CHECK_EQ(ntp_get16(out + 8), off);
			ATF_CHECK_EQ(ntp_get16(out + 10), i + 1 < nfr ? 468 :
			    lens[k] - off);
			ATF_CHECK(memcmp(out + 12, data + off,
			    ntp_get16(out + 10)) == 0);
			ATF_CHECK_EQ(got, (12 + ntp_get16(out + 10) + 3) & ~3U);
			/* padding is zero */
			for (n = 12 + ntp_get16(out + 10); n < got; n++)
				ATF_CHECK_EQ(out[n], 0);
			off += ntp_get16(out + 10);
		}
		ATF_CHECK_EQ(off, lens[k]);
		ATF_CHECK_EQ(mode6_response(&req, 0, 0, data, lens[k], nfr,
		    out, sizeof(out)), 0);
	}
	/* too small an output buffer, NULL data with a length */
	ATF_CHECK_EQ(mode6_response(&req, 0, 0, data, 100, 0, out, 111), 0);
	ATF_CHECK_EQ(mode6_response(&req, 0, 0, data, 100, 0, out, 112), 112);
	ATF_CHECK_EQ(mode6_response(&req, 0, 0, NULL, 100, 0, out,
	    sizeof(out)), 0);
	/* offsets stay 16 bits */
	ATF_CHECK_EQ(mode6_response(&req, 0, 0, data, 200000, 141, out,
	    sizeof(out)), 0);
}

ATF_TC_WITHOUT_HEAD(errors);
ATF_TC_BODY(errors, tc)
{
	uint8_t b[16], out[16];
	struct mode6_msg req;
	size_t n;

	n = mkreq(b, sizeof(b), 3 << 3 | 6, MODE6_OP_WRITEVAR, 9, 5, 0, "x");
	ATF_REQUIRE_EQ(mode6_parse_request(b, n, &req), MODE6_OK);
	ATF_CHECK_EQ(mode6_error(&req, MODE6_ERR_PROHIBITED, out, 11), 0);
	ATF_REQUIRE_EQ(mode6_error(&req, MODE6_ERR_PROHIBITED, out,
	    sizeof(out)), 12);
	ATF_CHECK_EQ(out[0], 3 << 3 | 6);
	ATF_CHECK_EQ(out[1], MODE6_R | MODE6_E | MODE6_OP_WRITEVAR);
	ATF_CHECK_EQ(ntp_get16(out + 2), 9);
	ATF_CHECK_EQ(ntp_get16(out + 4), 7 << 8);
	ATF_CHECK_EQ(ntp_get16(out + 6), 5);
	ATF_CHECK_EQ(ntp_get16(out + 8), 0);
	ATF_CHECK_EQ(ntp_get16(out + 10), 0);
}

/* ---- variable lists ------------------------------------------------- */

static const char *
build(struct mode6_vars *v, char *buf, size_t cap, const char *filter)
{
	mode6_vars_init(v, buf, cap, (const uint8_t *)filter,
	    filter != NULL ? strlen(filter) : 0);
	return buf;
}

ATF_TC_WITHOUT_HEAD(vars_format);
ATF_TC_BODY(vars_format, tc)
{
	struct mode6_vars v;
	char buf[1024], d[16];
	size_t len;

	build(&v, buf, sizeof(buf), NULL);
	mode6_put_uint(&v, "stratum", 9);
	mode6_put_int(&v, "precision", -24);
	mode6_put_hex(&v, "reach", 3);
	mode6_put_hex(&v, "flags", 0x87f23);
	mode6_put_fixed(&v, "offset", 0.0245244, 6);
	mode6_put_fixed(&v, "delay", 0.0756, 3);
	mode6_put_ts(&v, "reftime", 0xeeb222bae844858dULL);
	mode6_put_str(&v, "host", "alpha.test");
	mode6_put_str(&v, "ident", "");
	mode6_put_str(&v, "bad", "a\"b\r\nc\x80");
	mode6_put(&v, "raw", "x,y");
	mode6_put_date(&v, "until", 1826681640);
	ATF_REQUIRE_EQ(mode6_vars_end(&v, &len), 0);
	ATF_CHECK_EQ(len, strlen(buf));
	ATF_CHECK_STREQ(buf,
	    "stratum=9, precision=-24, reach=0x3, flags=0x87f23, "
	    "offset=0.024524,\r\n"
	    "delay=0.076, reftime=0xeeb222ba.e844858d, host=\"alpha.test\", "
	    "ident,\r\n"
	    "bad=\"a?b??c?\", raw=x?y, until=202711200334\r\n");
	ATF_CHECK_EQ(mode6_date(0, d, sizeof(d)), 0);
	ATF_CHECK_STREQ(d, "197001010000");
	ATF_CHECK_EQ(mode6_date(1483228800, d, sizeof(d)), 0);
	ATF_CHECK_STREQ(d, "201701010000");
	ATF_CHECK_EQ(mode6_date(0, d, 12), -1);
	ATF_CHECK_EQ(mode6_date(INT64_MAX, d, sizeof(d)), -1);
	/* an empty list is empty, without "\r\n" */
	build(&v, buf, sizeof(buf), NULL);
	ATF_CHECK_EQ(mode6_vars_end(&v, &len), 0);
	ATF_CHECK_EQ(len, 0);
	/* not a number: 0 */
	build(&v, buf, sizeof(buf), NULL);
	mode6_put_fixed(&v, "x", 0.0 / 0.0, 3);
	ATF_CHECK_EQ(mode6_vars_end(&v, &len), 0);
	ATF_CHECK_STREQ(buf, "x=0.000\r\n");
}

ATF_TC_WITHOUT_HEAD(vars_filter);
ATF_TC_BODY(vars_filter, tc)
{
	struct mode6_vars v;
	char buf[512], many[1024];
	size_t len, i;

	/* "cert" takes every pair; what follows a cert comes along */
	build(&v, buf, sizeof(buf), "cert");
	mode6_put_str(&v, "host", "beta.test");
	for (i = 0; i < 3 && mode6_want(&v, "cert"); i++) {
		mode6_put_str(&v, "cert", "beta.test alpha.test 0x4");
		mode6_put_follow(&v, "until", "202711260314");
	}
	ATF_REQUIRE_EQ(mode6_vars_end(&v, &len), 0);
	ATF_CHECK_STREQ(buf,
	    "cert=\"beta.test alpha.test 0x4\", until=202711260314,\r\n"
	    "cert=\"beta.test alpha.test 0x4\", until=202711260314,\r\n"
	    "cert=\"beta.test alpha.test 0x4\", until=202711260314\r\n");
	/* several names, spaces, "=value", empty elements */
	build(&v, buf, sizeof(buf), " flags , host=x,,stratum ");
	mode6_put_str(&v, "host", "h");
	mode6_put_hex(&v, "flags", 1);
	mode6_put_uint(&v, "leap", 0);
	mode6_put_uint(&v, "stratum", 2);
	ATF_REQUIRE_EQ(mode6_vars_end(&v, &len), 0);
	ATF_CHECK_STREQ(buf, "host=\"h\", flags=0x1, stratum=2\r\n");
	/* an unknown name */
	build(&v, buf, sizeof(buf), "flags,nosuch");
	mode6_put_hex(&v, "flags", 1);
	ATF_CHECK_EQ(mode6_vars_end(&v, &len), -3);
	/* a known one without a value now: nothing, no error */
	build(&v, buf, sizeof(buf), "tai");
	mode6_known(&v, "tai");
	ATF_CHECK_EQ(mode6_vars_end(&v, &len), 0);
	ATF_CHECK_EQ(len, 0);
	/* malformed filters */
	build(&v, buf, sizeof(buf), "=3");
	ATF_CHECK_EQ(mode6_vars_end(&v, &len), -2);
	build(&v, buf, sizeof(buf), "a b");
	ATF_CHECK_EQ(mode6_vars_end(&v, &len), -2);
	build(&v, buf, sizeof(buf), "a\"b");
	ATF_CHECK_EQ(mode6_vars_end(&v, &len), -2);
	build(&v, buf, sizeof(buf),
	    "abcdefghijabcdefghijabcdefghijabc");	/* 33 */
	ATF_CHECK_EQ(mode6_vars_end(&v, &len), -2);
	many[0] = '\0';
	for (i = 0; i < MODE6_MAXNAMES + 1; i++)
		strlcat(many, "x,", sizeof(many));
	build(&v, buf, sizeof(buf), many);
	ATF_CHECK_EQ(mode6_vars_end(&v, &len), -2);
	/* a filter that is not text at all */
	mode6_vars_init(&v, buf, sizeof(buf), (const uint8_t *)"a\0b", 3);
	ATF_CHECK_EQ(mode6_vars_end(&v, &len), -2);
}

ATF_TC_WITHOUT_HEAD(vars_overflow);
ATF_TC_BODY(vars_overflow, tc)
{
	struct mode6_vars v;
	char buf[32];
	size_t len;

	build(&v, buf, sizeof(buf), NULL);
	mode6_put_str(&v, "a", "0123456789");	/* 14 */
	mode6_put_str(&v, "b", "01234567");	/* 2 + 12: 28, room for \r\n */
	ATF_CHECK_EQ(mode6_vars_end(&v, &len), 0);
	ATF_CHECK_EQ(len, 30);
	build(&v, buf, sizeof(buf), NULL);
	mode6_put_str(&v, "a", "0123456789");
	mode6_put_str(&v, "b", "0123456789");
	ATF_CHECK_EQ(mode6_vars_end(&v, &len), -1);
	ATF_CHECK_EQ(len, 0);
	build(&v, buf, 2, NULL);
	mode6_put(&v, "a", NULL);
	ATF_CHECK_EQ(mode6_vars_end(&v, &len), -1);
}

/* ---- the captures ------------------------------------------------- */

/*
 * Split a variable list as the reference sent it back into items
 * (separators ", " and ",\r\n" outside quotes) and build it again.
 */
static void
rebuild(struct mode6_vars *v, const char *text, size_t len)
{
	char item[600], name[64];
	const char *eq;
	size_t i = 0, s, n;
	int q;

	while (i < len) {
		s = i;
		for (q = 0; i < len; i++) {
			if (text[i] == '"')
				q = !q;
			else if (!q && (text[i] == ',' || text[i] == '\r'))
				break;
		}
		n = i - s;
		ATF_REQUIRE(n < sizeof(item));
		memcpy(item, text + s, n);
		item[n] = '\0';
		if (i < len && text[i] == ',')
			i++;
		while (i < len && (text[i] == ' ' || text[i] == '\r' ||
		    text[i] == '\n'))
			i++;
		if ((eq = strchr(item, '=')) == NULL) {
			mode6_put(v, item, NULL);
			continue;
		}
		ATF_REQUIRE((size_t)(eq - item) < sizeof(name));
		memcpy(name, item, (size_t)(eq - item));
		name[eq - item] = '\0';
		if (eq[1] == '"') {
			ATF_REQUIRE(item[n - 1] == '"');
			item[n - 1] = '\0';
			mode6_put_str(v, name, eq + 2);
		} else if (strcmp(name, "until") == 0)
			mode6_put_follow(v, name, eq + 1);
		else
			mode6_put(v, name, eq + 1);
	}
}

/*
 * For each request in a capture: it parses; its answer reassembles;
 * our builder lays the same variables out the same way; and our
 * fragments of that text equal the reference's byte for byte where it
 * split at 468 (it sometimes splits a little earlier, before a quote).
 */
static void
check_capture(const atf_tc_t *tc, const char *name, int *nreq)
{
	char path[1024], text[4096], built[4096];
	uint8_t out[MODE6_MAXPKT];
	static struct akv_cap caps[AKV_MAXCAP];
	struct mode6_msg req, r;
	struct mode6_vars v;
	size_t n, i, k, tlen, blen, first, nfr, got;
	int exact;

	snprintf(path, sizeof(path), "%s/autokey/mode6/%s.pcap",
	    akv_dir(tc), name);
	n = akv_pcap_file(path, caps, AKV_MAXCAP, 0);
	ATF_REQUIRE_MSG(n >= 2, "%s: %zu packets", name, n);
	for (i = 0; i < n; ) {
		ATF_REQUIRE_EQ_MSG(mode6_parse_request(caps[i].data,
		    caps[i].len, &req), MODE6_OK, "%s #%zu", name, i + 1);
		(*nreq)++;
		/* the answers are never taken as requests */
		ATF_CHECK_EQ(mode6_parse_request(caps[i + 1].data,
		    caps[i + 1].len, &r), MODE6_RESPONSE);
		first = ++i;
		tlen = 0;
		exact = 1;
		for (; i < n; i++) {
			ATF_REQUIRE_EQ(mode6_parse(caps[i].data, caps[i].len,
			    &r), MODE6_OK);
			ATF_REQUIRE(r.flags & MODE6_R);
			ATF_CHECK_EQ(r.sequence, req.sequence);
			ATF_CHECK_EQ(r.associd, req.associd);
			ATF_CHECK_EQ(caps[i].len % 4, 0);
			ATF_REQUIRE_EQ(r.offset, tlen);
			memcpy(text + tlen, r.data, r.count);
			tlen += r.count;
			if ((r.flags & MODE6_M) && r.count != MODE6_MAXDATA)
				exact = 0;
			if (!(r.flags & MODE6_M)) {
				i++;
				break;
			}
		}
		if (req.opcode == MODE6_OP_READVAR) {
			text[tlen] = '\0';
			mode6_vars_init(&v, built, sizeof(built), req.data,
			    req.count);
			rebuild(&v, text, tlen);
			ATF_REQUIRE_EQ(mode6_vars_end(&v, &blen), 0);
			ATF_CHECK_EQ_MSG(blen, tlen, "%s: %zu/%zu", name,
			    blen, tlen);
			ATF_CHECK_MSG(memcmp(built, text, tlen) == 0,
			    "%s: layout differs:\n%s\n%s", name, built, text);
		}
		/* our fragments of the same text */
		ATF_REQUIRE(mode6_parse(caps[first].data, caps[first].len,
		    &r) == MODE6_OK);
		nfr = mode6_nfrags(tlen);
		if (exact)
			ATF_CHECK_EQ(nfr, i - first);
		for (k = 0; k < nfr; k++) {
			got = mode6_response(&req, r.status, req.associd,
			    (const uint8_t *)text, tlen, k, out, sizeof(out));
			ATF_REQUIRE(got > 0);
			if (exact) {
				ATF_CHECK_EQ(got, caps[first + k].len);
				ATF_CHECK_MSG(memcmp(out, caps[first + k].data,
				    got) == 0, "%s: fragment %zu differs",
				    name, k);
			}
		}
	}
}

ATF_TC(captures);
ATF_TC_HEAD(captures, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "the reference ntpd's answers to both ntpqs, rebuilt");
}
ATF_TC_BODY(captures, tc)
{
	static const char *names[] = { "as", "p", "rv", "rv0", "rv0-cert",
	    "rv-assoc", "rv-assoc-flags" };
	char name[64];
	size_t i;
	int j, nreq = 0;

	for (j = 0; j < 2; j++)
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			snprintf(name, sizeof(name), "%s-%s",
			    j == 0 ? "ref" : "ntpsec", names[i]);
			check_capture(tc, name, &nreq);
		}
	ATF_CHECK_EQ(nreq, 20);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, parse_requests);
	ATF_TP_ADD_TC(tp, parse_malformed);
	ATF_TP_ADD_TC(tp, fragments);
	ATF_TP_ADD_TC(tp, errors);
	ATF_TP_ADD_TC(tp, vars_format);
	ATF_TP_ADD_TC(tp, vars_filter);
	ATF_TP_ADD_TC(tp, vars_overflow);
	ATF_TP_ADD_TC(tp, captures);
	return atf_no_error();
}
