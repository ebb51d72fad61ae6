/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * The Autokey layer without the vectors: one test per item of the
 * spec's receiver checklist (section 11, with the CVE each guards
 * against), one per interop trap of section 12, key lists and chains,
 * and our client against our server in process (a small keyd stand-in
 * signs), including a wrong group key, an expired certificate and a
 * relay that flips bits, truncates and replays.
 */

#include <time.h>

#include <openssl/bn.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "akvec.h"

static const EVP_MD *
md5(void)
{
	const EVP_MD	*md = ak_digest(NULL);

	ATF_REQUIRE(md != NULL);
	return md;
}

static struct ak_addr
addr(const char *s)
{
	struct ak_addr	 a;

	ATF_REQUIRE(ak_addr_pton(&a, s) == 0);
	return a;
}

/* A packet: header, then the given fields, then (maybe) a MAC. */
static size_t
mkpkt(uint8_t *buf, int mode, const uint8_t *ef, size_t eflen)
{
	struct ntp_pkt	 p;

	memset(&p, 0, sizeof(p));
	p.version = 4;
	p.mode = (uint8_t)mode;
	ATF_REQUIRE(packet_build_header(&p, buf, NTP_MAXPKT) == NTP_HDRLEN);
	if (ef != NULL && eflen > 0)
		memcpy(buf + NTP_HDRLEN, ef, eflen);
	return NTP_HDRLEN + eflen;
}

/* One field from raw bytes, decoded. */
static enum ak_err
parse(const uint8_t *f, size_t len, struct ak_msg *m)
{
	const uint8_t	*q = f;
	size_t		 left = len;
	struct ntp_ext	 e;

	ATF_REQUIRE(packet_ext_next(&q, &left, &e) == 1);
	return ak_msg_parse(&e, m);
}

static void
field(uint8_t *f, uint32_t word, uint32_t associd, uint32_t ts, uint32_t fs,
    uint32_t vallen)
{
	ntp_put32(f, word);
	ntp_put32(f + 4, associd);
	ntp_put32(f + 8, ts);
	ntp_put32(f + 12, fs);
	ntp_put32(f + 16, vallen);
}

/* ---- keys and certificates made here ---- */

static EVP_PKEY *
rsa512(void)
{
	EVP_PKEY	*k;

	ATF_REQUIRE((k = EVP_RSA_gen(512)) != NULL);
	return k;
}

static size_t
mkcert_gq(EVP_PKEY *k, const char *name, time_t now, int days,
    enum cert_mark mark, const uint8_t *gq, size_t gqlen, uint8_t *der,
    size_t derlen)
{
	X509		*x;
	unsigned char	*d = NULL;
	char		 err[256];
	int		 n;

	x = cert_create(k, "RSA-SHA256", name, (uint64_t)now + 2208988800ULL,
	    now, days, mark, gq, gqlen, err, sizeof(err));
	ATF_REQUIRE_MSG(x != NULL, "%s", err);
	n = i2d_X509(x, &d);
	ATF_REQUIRE(n > 0 && (size_t)n <= derlen);
	memcpy(der, d, (size_t)n);
	OPENSSL_free(d);
	X509_free(x);
	return (size_t)n;
}

static size_t
mkcert(EVP_PKEY *k, const char *name, time_t now, int days,
    enum cert_mark mark, uint8_t *der, size_t derlen)
{
	return mkcert_gq(k, name, now, days, mark, NULL, 0, der, derlen);
}

static size_t
sign(EVP_PKEY *k, uint32_t ts, uint32_t fs, const uint8_t *val, size_t vallen,
    uint8_t *sig)
{
	uint8_t		 data[4096];
	size_t		 dlen, slen = 512;
	EVP_MD_CTX	*ctx;

	ATF_REQUIRE((dlen = ak_sigdata(ts, fs, val, vallen, data,
	    sizeof(data))) > 0);
	ATF_REQUIRE((ctx = EVP_MD_CTX_new()) != NULL);
	ATF_REQUIRE(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, k) ==
	    1);
	ATF_REQUIRE(EVP_DigestSign(ctx, sig, &slen, data, dlen) == 1);
	EVP_MD_CTX_free(ctx);
	return slen;
}

/* ---- checklist, extension-field level (spec 11.2) ---- */

/* 12: version other than 2 or a field under 8 bytes is a protocol error. */
ATF_TC_WITHOUT_HEAD(ef_version_and_minimum);
ATF_TC_BODY(ef_version_and_minimum, tc)
{
	uint8_t		 f[32];
	struct ak_msg	 m;

	memset(f, 0, sizeof(f));
	ntp_put32(f, 0x01010008U);		/* version 1 */
	ATF_CHECK_EQ(parse(f, 8, &m), AK_EERR);
	ntp_put32(f, 0x02010004U);		/* 4 bytes */
	ATF_CHECK_EQ(parse(f, 4, &m), AK_EERR);
	ntp_put32(f, 0x02040008U);		/* AUTO request: fine */
	ATF_CHECK_EQ(parse(f, 8, &m), AK_OK);
	ATF_CHECK(!m.has_value && m.code == AK_AUTO);
}

/*
 * 13, 14 (CVE-2014-9297, CVE-2015-7691/7692/7702): vallen 0 or past
 * the field, a signature past the field, a field past the datagram.
 */
ATF_TC_WITHOUT_HEAD(ef_value_lengths);
ATF_TC_BODY(ef_value_lengths, tc)
{
	uint8_t		 f[64], buf[NTP_MAXPKT];
	struct ak_msg	 m;
	struct ak_client c;
	struct ak_host	 h;
	struct ak_todo	 todo;
	struct ntp_pkt	 p;

	memset(f, 0, sizeof(f));
	field(f, 0x82020020U, 1, 5, 4, 0);		/* vallen 0 */
	ATF_CHECK_EQ(parse(f, 32, &m), AK_ELEN);
	field(f, 0x82020020U, 1, 5, 4, 9);		/* 9 > 32 - 24 */
	ATF_CHECK_EQ(parse(f, 32, &m), AK_ELEN);
	field(f, 0x82020020U, 1, 5, 4, 0xffffffffU);
	ATF_CHECK_EQ(parse(f, 32, &m), AK_ELEN);
	field(f, 0x82020020U, 1, 5, 4, 4);		/* siglen 5 > 4 left */
	ntp_put32(f + 24, 5);
	ATF_CHECK_EQ(parse(f, 32, &m), AK_ELEN);
	ntp_put32(f + 24, 4);
	ATF_CHECK_EQ(parse(f, 32, &m), AK_OK);
	ATF_CHECK(m.vallen == 4 && m.siglen == 4 && m.sig == f + 28);

	/* a field running past the end of what the packet holds */
	memset(&h, 0, sizeof(h));
	ak_client_init(&c, 1, NTP_MODE_CLIENT, NULL);
	field(f, 0x82010040U, 1, 0, 0x00080001U, 4);
	mkpkt(buf, NTP_MODE_SERVER, f, 32);
	memset(&p, 0, sizeof(p));
	p.mode = NTP_MODE_SERVER;
	p.ext = buf + NTP_HDRLEN;
	p.extlen = 32;
	ATF_CHECK_EQ(ak_client_recv_ext(&c, &h, &p, &todo), AK_ELEN);
	ATF_CHECK_EQ(c.flags, 0);
	ak_client_free(&c);
}

/*
 * 15 (the reference asserts and aborts) and 16 (CVE-2014-9295): a
 * 16-byte ASSOC response with a valid cookie-0 MAC, and host names
 * from 1 to 512 bytes only.
 */
ATF_TC_WITHOUT_HEAD(assoc_short_and_long);
ATF_TC_BODY(assoc_short_and_long, tc)
{
	struct ak_addr	 s = addr("192.0.2.1"), d = addr("192.0.2.2");
	uint8_t		 buf[NTP_MAXPKT], f[600];
	struct ak_client c;
	struct ak_host	 h;
	struct ak_todo	 todo;
	struct ak_assoc	 a;
	struct ak_msg	 m;
	struct ntp_pkt	 p;
	size_t		 len;

	memset(&h, 0, sizeof(h));
	strlcpy(h.name, "beta", sizeof(h.name));
	ak_client_init(&c, 7, NTP_MODE_CLIENT, NULL);
	memset(f, 0, sizeof(f));
	ntp_put32(f, 0x82010010U);		/* ASSOC response, 16 bytes */
	ntp_put32(f + 4, 7);
	len = mkpkt(buf, NTP_MODE_SERVER, f, 16);
	len = ak_mac_append(md5(), &s, &d, 0x12345678U, 0, buf, sizeof(buf),
	    len);
	ATF_REQUIRE(len > 0);
	ATF_REQUIRE_EQ(packet_parse(buf, len, &p), PKT_OK);
	ATF_REQUIRE_EQ(ak_mac_verify(md5(), &s, &d, 0, buf, &p), AK_OK);
	ATF_CHECK_EQ(ak_client_recv_ext(&c, &h, &p, &todo), AK_ELEN);
	ATF_CHECK_EQ(c.flags, 0);

	memset(f + 20, 'a', 516);
	field(f, 0x82010000U | 540, 7, 0, 0x00080023U, 513);
	ntp_put32(f + 536, 0);
	ATF_REQUIRE_EQ(parse(f, 540, &m), AK_OK);
	ATF_CHECK_EQ(ak_assoc_value(&m, &a), AK_ELEN);
	field(f, 0x82010000U | 540, 7, 0, 0x00080023U, 512);
	ntp_put32(f + 532, 0);
	ATF_REQUIRE_EQ(parse(f, 540, &m), AK_OK);
	ATF_CHECK_EQ(ak_assoc_value(&m, &a), AK_OK);
	ATF_CHECK_EQ(strlen(a.host), 512);
	f[30] = '\0';				/* an embedded NUL */
	ATF_CHECK_EQ(ak_assoc_value(&m, &a), AK_ELEN);
	ak_client_free(&c);
}

/* 18, 20: a second ASSOC with another ID, error and unknown responses. */
ATF_TC_WITHOUT_HEAD(assoc_reset_rules);
ATF_TC_BODY(assoc_reset_rules, tc)
{
	uint8_t		 f[64];
	struct ak_client c;
	struct ak_host	 h;
	struct ak_todo	 todo;
	struct ak_msg	 m;

	memset(&h, 0, sizeof(h));
	memset(f, 0, sizeof(f));
	ak_client_init(&c, 7, NTP_MODE_CLIENT, NULL);
	field(f, 0x82010020U, 7, 0, 0x00080021U, 5);
	memcpy(f + 20, "alpha", 5);
	ATF_REQUIRE_EQ(parse(f, 32, &m), AK_OK);
	ATF_REQUIRE_EQ(ak_client_recv(&c, &h, &m, NTP_MODE_SERVER, &todo),
	    AK_OK);
	/* no TAI in the server's word: LEAP pre-set; server mode: AUTO */
	ATF_CHECK_EQ(c.flags, 0x00085021U);
	ATF_CHECK_STREQ(c.host, "alpha");
	ATF_CHECK_EQ(ak_client_recv(&c, &h, &m, NTP_MODE_SERVER, &todo),
	    AK_EIGNORE);
	ntp_put32(f + 4, 8);
	ATF_REQUIRE_EQ(parse(f, 32, &m), AK_OK);
	ATF_CHECK_EQ(ak_client_recv(&c, &h, &m, NTP_MODE_SERVER, &todo),
	    AK_EERR);
	ATF_CHECK_EQ(todo.kind, AK_TODO_RESET);
	ak_client_reset(&c);
	ATF_CHECK(c.flags == 0 && c.associd == 7);

	ntp_put32(f, 0xc2030008U);		/* COOK error response */
	ATF_REQUIRE_EQ(parse(f, 8, &m), AK_OK);
	ATF_CHECK_EQ(ak_client_recv(&c, &h, &m, NTP_MODE_SERVER, &todo),
	    AK_EERR);
	ATF_CHECK_EQ(todo.kind, AK_TODO_RESET);
	ntp_put32(f, 0x82330008U);		/* unknown code 0x33 */
	ATF_REQUIRE_EQ(parse(f, 8, &m), AK_OK);
	ATF_CHECK_EQ(ak_client_recv(&c, &h, &m, NTP_MODE_SERVER, &todo),
	    AK_EERR);
	/* an unsupported digest NID in the status word */
	field(f, 0x82010020U, 7, 0, 0x7fff0021U, 5);
	ATF_REQUIRE_EQ(parse(f, 32, &m), AK_OK);
	ATF_CHECK_EQ(ak_client_recv(&c, &h, &m, NTP_MODE_SERVER, &todo),
	    AK_EMD);
	ak_client_free(&c);
}

/*
 * The server side of 21, 22, 24 and 11.4 #37: names of 0 or 513 bytes,
 * keys that do not parse, SIGN while unsynchronized or with an expired
 * certificate, identity requests for a scheme we do not have, AUTO
 * without an association: error responses, never a crash.
 */
ATF_TC_WITHOUT_HEAD(server_refusals);
ATF_TC_BODY(server_refusals, tc)
{
	struct ak_addr	 a = addr("192.0.2.1"), b = addr("192.0.2.2");
	uint8_t		 f[700], buf[NTP_MAXPKT], out[NTP_MAXPKT];
	struct ak_server s;
	struct ak_srvhost sh;
	struct ak_job	 job;
	struct ak_msg	 m;
	struct ntp_pkt	 p;
	size_t		 len, off;

	ak_server_init(&s, md5(), 100, 0);
	memset(&sh, 0, sizeof(sh));
	sh.host = "alpha";
	sh.status = 0x00080023U;
	sh.synced = 1;
#define ASK(flen) do {							\
	len = mkpkt(buf, NTP_MODE_CLIENT, f, (flen));			\
	len = ak_mac_append(md5(), &a, &b, 0x10000U, 0, buf,		\
	    sizeof(buf), len);						\
	ATF_REQUIRE_EQ(packet_parse(buf, len, &p), PKT_OK);		\
	off = NTP_HDRLEN;						\
	(void)ak_server_respond(&s, &sh, &p, &a, &b, out, sizeof(out),	\
	    &off, &job);						\
} while (0)
	memset(f, 'x', sizeof(f));
	field(f, 0x02020000U | 540, 9, 0, 0, 513);	/* CERT, 513 */
	ntp_put32(f + 20 + 516, 0);
	ASK(540);
	ATF_REQUIRE(off == NTP_HDRLEN + 8);
	ATF_REQUIRE_EQ(parse(out + NTP_HDRLEN, 8, &m), AK_OK);
	ATF_CHECK(m.error && m.response && m.code == AK_CERT &&
	    m.associd == 9);
	field(f, 0x02020020U, 9, 0, 0, 5);		/* unknown name */
	ntp_put32(f + 28, 0);
	ASK(32);
	ATF_REQUIRE_EQ(parse(out + NTP_HDRLEN, off - NTP_HDRLEN, &m), AK_OK);
	ATF_CHECK(!m.error && m.len == 8 && job.kind == AK_JOB_NONE);
	field(f, 0x02030020U, 9, 0, 0, 5);		/* COOK, no key */
	ASK(32);
	ATF_REQUIRE_EQ(parse(out + NTP_HDRLEN, off - NTP_HDRLEN, &m), AK_OK);
	ATF_CHECK(m.error && job.kind == AK_JOB_NONE);
	field(f, 0x02060020U, 9, 0, 0, 5);		/* SIGN, no cert */
	sh.cert_valid = 1;
	ASK(32);
	ATF_REQUIRE_EQ(parse(out + NTP_HDRLEN, off - NTP_HDRLEN, &m), AK_OK);
	ATF_CHECK(m.error && job.kind == AK_JOB_NONE);
	sh.synced = 0;					/* SIGN unsynced */
	ASK(32);
	ATF_REQUIRE_EQ(parse(out + NTP_HDRLEN, off - NTP_HDRLEN, &m), AK_OK);
	ATF_CHECK(m.error);
	sh.synced = 1;
	sh.cert_valid = 0;				/* expired */
	ASK(32);
	ATF_REQUIRE_EQ(parse(out + NTP_HDRLEN, off - NTP_HDRLEN, &m), AK_OK);
	ATF_CHECK(m.error);
	field(f, 0x02080020U, 9, 0, 0, 5);		/* GQ: not ours */
	ASK(32);
	ATF_REQUIRE_EQ(parse(out + NTP_HDRLEN, off - NTP_HDRLEN, &m), AK_OK);
	ATF_CHECK(m.error && m.code == AK_GQ);
	ntp_put32(f, 0x02040008U);			/* AUTO */
	ntp_put32(f + 8, 0x02010000U | 20);		/* + padding field */
	memset(f + 12, 0, 16);
	ASK(28);
	ATF_REQUIRE_EQ(parse(out + NTP_HDRLEN, off - NTP_HDRLEN, &m), AK_OK);
	ATF_CHECK(m.error && m.code == AK_AUTO);
	field(f, 0x82010020U, 9, 0, 0, 5);		/* a response */
	ASK(32);
	ATF_CHECK(off == NTP_HDRLEN);
#undef ASK
}

/* 23 and 25: COOK and LEAP responses of the wrong size. */
ATF_TC_WITHOUT_HEAD(cook_leap_sizes);
ATF_TC_BODY(cook_leap_sizes, tc)
{
	EVP_PKEY	*k = rsa512();
	uint8_t		 f[256], sig[512], v[64];
	struct ak_client c;
	struct ak_host	 h;
	struct ak_todo	 todo;
	struct ak_msg	 m;
	size_t		 sl;

	memset(&h, 0, sizeof(h));
	h.modlen = 64;
	ak_client_init(&c, 3, NTP_MODE_CLIENT, NULL);
	c.flags = 0x00083723U;		/* CERT, VRFY, PROV, no COOK */
	c.pkey = k;
	c.sigmd = EVP_sha256();
	memset(v, 0x5a, sizeof(v));
	/* a 60-byte "ciphertext" for our 64-byte modulus */
	field(f, 0x82030000U | (24 + 60 + 64), 3, 200, 100, 60);
	memcpy(f + 20, v, 60);
	sl = sign(k, 200, 100, v, 60, sig);
	ntp_put32(f + 80, (uint32_t)sl);
	memcpy(f + 84, sig, sl);
	ATF_REQUIRE_EQ(parse(f, 148, &m), AK_OK);
	ATF_CHECK_EQ(ak_client_recv(&c, &h, &m, NTP_MODE_SERVER, &todo),
	    AK_ECKY);
	ATF_CHECK(todo.kind == AK_TODO_NONE && !(c.flags & AK_F_COOK));
	/* 64 bytes: keyd is asked, and a 5-byte plaintext is refused */
	field(f, 0x82030000U | (24 + 64 + 64), 3, 200, 100, 64);
	memcpy(f + 20, v, 64);
	sl = sign(k, 200, 100, v, 64, sig);
	ntp_put32(f + 84, (uint32_t)sl);
	memcpy(f + 88, sig, sl);
	ATF_REQUIRE_EQ(parse(f, 152, &m), AK_OK);
	ATF_CHECK_EQ(ak_client_recv(&c, &h, &m, NTP_MODE_SERVER, &todo),
	    AK_OK);
	ATF_CHECK_EQ(todo.kind, AK_TODO_DECRYPT);
	ATF_CHECK_EQ(ak_client_cookie(&c, v, 5), AK_ECKY);
	ATF_CHECK(!(c.flags & AK_F_COOK));
	/* LEAP of 8 bytes: ignored */
	c.flags = 0x00083f23U;
	field(f, 0x82050000U | (24 + 8 + 64), 3, 200, 100, 8);
	memcpy(f + 20, v, 8);
	sl = sign(k, 200, 100, v, 8, sig);
	ntp_put32(f + 28, (uint32_t)sl);
	memcpy(f + 32, sig, sl);
	ATF_REQUIRE_EQ(parse(f, 96, &m), AK_OK);
	ATF_CHECK_EQ(ak_client_recv(&c, &h, &m, NTP_MODE_SERVER, &todo),
	    AK_EIGNORE);
	ATF_CHECK(!(c.flags & AK_F_LEAP));
	ak_client_free(&c);
}

/* ---- signed values (spec 11.3) ---- */

ATF_TC_WITHOUT_HEAD(verify_rules);
ATF_TC_BODY(verify_rules, tc)
{
	EVP_PKEY	*k = rsa512(), *k2 = rsa512();
	uint8_t		 f[128], sig[512], v[8] = { 0, 1, 0, 0, 0, 0, 0, 3 };
	struct ak_stamp	 prev;
	struct ak_msg	 m;
	size_t		 sl;

#define MK(ts, fs) do {							\
	field(f, 0x82040000U | 96, 5, (ts), (fs), 8);			\
	memcpy(f + 20, v, 8);						\
	sl = sign(k, (ts), (fs), v, 8, sig);				\
	ntp_put32(f + 28, (uint32_t)sl);				\
	memcpy(f + 32, sig, sl);					\
	ATF_REQUIRE_EQ(parse(f, 96, &m), AK_OK);			\
} while (0)
	MK(200, 100);
	ATF_CHECK_EQ(ak_verify(&m, 5, NULL, k, EVP_sha256(), 0), AK_OK);
	ATF_CHECK_EQ(ak_verify(&m, 6, NULL, k, EVP_sha256(), 0), AK_EERR);
	ATF_CHECK_EQ(ak_verify(&m, 5, NULL, NULL, EVP_sha256(), 0), AK_EERR);
	ATF_CHECK_EQ(ak_verify(&m, 5, NULL, k, NULL, 0), AK_EERR);
	ATF_CHECK_EQ(ak_verify(&m, 5, NULL, k2, EVP_sha256(), 0), AK_ESIG);
	ATF_CHECK_EQ(ak_verify(&m, 5, NULL, k, EVP_sha1(), 0), AK_ESIG);
	m.siglen = 63;
	ATF_CHECK_EQ(ak_verify(&m, 5, NULL, k, EVP_sha256(), 0), AK_ESGL);
	m.siglen = 0;
	ATF_CHECK_EQ(ak_verify(&m, 5, NULL, k, EVP_sha256(), 0), AK_EERR);
	ATF_CHECK_EQ(ak_verify(&m, 5, NULL, NULL, NULL, AK_V_NOSIG), AK_OK);
	m.error = 1;
	ATF_CHECK_EQ(ak_verify(&m, 5, NULL, k, EVP_sha256(), 0), AK_EERR);
	MK(0, 0);
	ATF_CHECK_EQ(ak_verify(&m, 5, NULL, k, EVP_sha256(), 0), AK_ETSP);
	MK(100, 200);
	ATF_CHECK_EQ(ak_verify(&m, 5, NULL, k, EVP_sha256(), 0), AK_ETSP);
	/* monotonic against the stored value (rule 7) */
	prev.tstamp = 300;
	prev.fstamp = 150;
	MK(299, 150);
	ATF_CHECK_EQ(ak_verify(&m, 5, &prev, k, EVP_sha256(), 0), AK_ETSP);
	MK(300, 149);
	ATF_CHECK_EQ(ak_verify(&m, 5, &prev, k, EVP_sha256(), 0), AK_EFSP);
	MK(300, 150);
	ATF_CHECK_EQ(ak_verify(&m, 5, &prev, k, EVP_sha256(), 0), AK_OK);
	/* a short field is a bad length */
	ntp_put32(f, 0x82040008U);
	ATF_REQUIRE_EQ(parse(f, 8, &m), AK_OK);
	ATF_CHECK_EQ(ak_verify(&m, 5, NULL, k, EVP_sha256(), 0), AK_ELEN);
#undef MK
	EVP_PKEY_free(k);
	EVP_PKEY_free(k2);
}

/* ---- certificates (spec 11.4) ---- */

ATF_TC_WITHOUT_HEAD(cert_rules);
ATF_TC_BODY(cert_rules, tc)
{
	EVP_PKEY	*k = rsa512(), *k2 = rsa512(), *pk;
	uint8_t		 der[2048], der2[2048];
	struct cert_info ci, ci2;
	char		 err[256];
	time_t		 now = time(NULL);
	size_t		 len, len2;

	len = mkcert(k, "alpha", now, 365, CERT_MARK_TRUST, der, sizeof(der));
	ATF_REQUIRE(cert_parse(der, len, &ci, err, sizeof(err)) == 0);
	ATF_CHECK_EQ(ak_cert_check(&ci, ntp_secs_from_unix(now - 100), "beta",
	    now), AK_OK);
	/* #35: notBefore before the filestamp */
	ATF_CHECK_EQ(ak_cert_check(&ci, ntp_secs_from_unix(now + 10), "beta",
	    now), AK_EPER);
	ci2 = ci;
	ci2.notafter = ci2.notbefore - 1;
	ATF_CHECK_EQ(ak_cert_check(&ci2, 1, "beta", 0), AK_EPER);
	/* expired */
	ATF_CHECK_EQ(ak_cert_check(&ci, 1, "beta", now + 366 * 86400),
	    AK_EPER);
	/* #33: a self-signed certificate whose signature fails */
	memcpy(der2, der, len);
	der2[len - 5] ^= 0x40;
	ATF_REQUIRE(cert_parse(der2, len, &ci2, err, sizeof(err)) == 0);
	ATF_CHECK_EQ(ak_cert_check(&ci2, 1, "beta", now), AK_ECRT);
	/* #34: issued by our own name */
	ci2 = ci;
	strlcpy(ci2.subject, "gamma", sizeof(ci2.subject));
	ATF_CHECK_EQ(ak_cert_check(&ci2, 1, "alpha", now), AK_ECRT);
	/* #36: the trail: child must be signed by the parent */
	len2 = mkcert(k2, "gamma", now, 365, CERT_MARK_NONE, der2,
	    sizeof(der2));
	ATF_REQUIRE(cert_parse(der2, len2, &ci2, err, sizeof(err)) == 0);
	pk = ak_cert_pubkey(der, len);
	ATF_REQUIRE(pk != NULL);
	ATF_CHECK_EQ(ak_cert_trail(der2, len2, &ci2, pk, &ci), AK_EVFY);
	EVP_PKEY_free(pk);
	pk = ak_cert_pubkey(der2, len2);
	ATF_CHECK_EQ(ak_cert_trail(der2, len2, &ci2, pk, &ci2), AK_OK);
	ci.notafter = ci2.notbefore - 1;	/* child issued too late */
	ATF_CHECK_EQ(ak_cert_trail(der2, len2, &ci2, pk, &ci), AK_EPER);
	EVP_PKEY_free(pk);
	ATF_CHECK(ak_cert_pubkey(der, len - 1) == NULL);
	EVP_PKEY_free(k);
	EVP_PKEY_free(k2);
}

/* #38: private, errored and untrusted self-signed certs are never sent. */
ATF_TC_WITHOUT_HEAD(cert_never_sent);
ATF_TC_BODY(cert_never_sent, tc)
{
	struct ak_addr	 a = addr("192.0.2.1"), b = addr("192.0.2.2");
	uint8_t		 f[64], buf[NTP_MAXPKT], out[NTP_MAXPKT], v[4] = "abc";
	struct ak_server s;
	struct ak_srvhost sh;
	struct ak_srvcert sc[3];
	struct ak_job	 job;
	struct ntp_pkt	 p;
	size_t		 len, off;
	int		 i;

	ak_server_init(&s, md5(), 0, 0);
	memset(&sh, 0, sizeof(sh));
	memset(sc, 0, sizeof(sc));
	for (i = 0; i < 3; i++) {
		sc[i].subject = "alpha";
		sc[i].value.val = v;
		sc[i].value.vallen = 3;
		sc[i].value.sig = v;
		sc[i].value.siglen = 4;
		sc[i].value.tstamp = 2;
	}
	sc[0].isprivate = 1;
	sc[1].error = 1;
	sc[2].selfsigned = 1;			/* not trusted */
	sh.host = "alpha";
	sh.synced = 1;
	sh.certs = sc;
	sh.ncerts = 3;
	memset(f, 0, sizeof(f));
	field(f, 0x02020020U, 4, 0, 0, 5);
	memcpy(f + 20, "alpha", 5);
	len = mkpkt(buf, NTP_MODE_CLIENT, f, 32);
	len = ak_mac_append(md5(), &a, &b, 0x10000U, 0, buf, sizeof(buf), len);
	ATF_REQUIRE_EQ(packet_parse(buf, len, &p), PKT_OK);
	off = NTP_HDRLEN;
	ATF_CHECK_EQ(ak_server_respond(&s, &sh, &p, &a, &b, out, sizeof(out),
	    &off, &job), AK_OK);
	ATF_CHECK_EQ(off, NTP_HDRLEN + 8);	/* empty, not an error */
	sc[2].trusted = 1;
	off = NTP_HDRLEN;
	ATF_CHECK_EQ(ak_server_respond(&s, &sh, &p, &a, &b, out, sizeof(out),
	    &off, &job), AK_OK);
	ATF_CHECK_EQ(off, NTP_HDRLEN + 24 + 4 + 4);
}

/* ---- packet level (spec 11.1) ---- */

/* #4, #5, #7 (CVE-2015-1798, CVE-2016-1550): MAC shape and compare. */
ATF_TC_WITHOUT_HEAD(mac_rules);
ATF_TC_BODY(mac_rules, tc)
{
	struct ak_addr	 s = addr("192.0.2.1"), d = addr("192.0.2.2");
	uint8_t		 buf[NTP_MAXPKT], bad[NTP_MAXPKT];
	struct ntp_pkt	 p;
	size_t		 len, i;
	int		 bit;

	len = mkpkt(buf, NTP_MODE_CLIENT, NULL, 0);
	len = ak_mac_append(md5(), &s, &d, 0x10001U, 77, buf, sizeof(buf),
	    len);
	ATF_REQUIRE_EQ(len, 68);
	ATF_REQUIRE_EQ(packet_parse(buf, len, &p), PKT_OK);
	ATF_CHECK_EQ(ak_mac_verify(md5(), &s, &d, 77, buf, &p), AK_OK);
	ATF_CHECK_EQ(ak_mac_verify(md5(), &s, &d, 78, buf, &p), AK_EAUTH);
	ATF_CHECK_EQ(ak_mac_verify(md5(), &d, &s, 77, buf, &p), AK_EAUTH);
	/* every bit of header and MAC matters */
	for (i = 0; i < len; i++)
		for (bit = 0; bit < 8; bit++) {
			memcpy(bad, buf, len);
			bad[i] ^= (uint8_t)(1 << bit);
			if (packet_parse(bad, len, &p) != PKT_OK)
				continue;
			ATF_CHECK(ak_mac_verify(md5(), &s, &d, 77, bad, &p) ==
			    AK_EAUTH);
		}
	/* a symmetric key ID on an Autokey association, and vice versa */
	ATF_REQUIRE(ak_mac_append(md5(), &s, &d, 65535, 77, buf, sizeof(buf),
	    NTP_HDRLEN) == 0);
	ATF_REQUIRE_EQ(packet_parse(buf, len, &p), PKT_OK);
	p.keyid = 65535;
	ATF_CHECK_EQ(ak_check_mac_shape(&p, 16, 1), AK_EAUTH);
	ATF_CHECK_EQ(ak_check_mac_shape(&p, 16, 0), AK_OK);
	p.keyid = 65536;
	ATF_CHECK_EQ(ak_check_mac_shape(&p, 16, 0), AK_EAUTH);
	ATF_CHECK_EQ(ak_check_mac_shape(&p, 20, 1), AK_EAUTH);
	/* crypto-NAK: key ID only, not a MAC */
	ATF_REQUIRE_EQ(packet_parse(buf, 52, &p), PKT_OK);
	ATF_CHECK(ak_is_nak(&p));
	ATF_CHECK_EQ(ak_mac_verify(md5(), &s, &d, 77, buf, &p), AK_EAUTH);
	/* 8, 12, 16-byte trailers never reach us */
	ATF_CHECK_EQ(packet_parse(buf, 56, &p), PKT_BADMAC);
	ATF_CHECK_EQ(packet_parse(buf, 64, &p), PKT_BADMAC);
}

/*
 * #8, #9 (CVE-2016-1547, CVE-2016-4957, CVE-2015-7871): a crypto-NAK
 * counts only as the answer to our last request, and only with state.
 */
ATF_TC_WITHOUT_HEAD(nak_rules);
ATF_TC_BODY(nak_rules, tc)
{
	uint8_t		 buf[NTP_MAXPKT];
	struct ak_client c;
	struct ntp_pkt	 p, hdr;
	size_t		 len;

	memset(&hdr, 0, sizeof(hdr));
	hdr.version = 4;
	hdr.mode = NTP_MODE_SERVER;
	hdr.org = 0x1111222233334444ULL;
	packet_build_header(&hdr, buf, sizeof(buf));
	len = packet_mac_append(buf, sizeof(buf), NTP_HDRLEN, 0, NULL, 0);
	ATF_REQUIRE_EQ(packet_parse(buf, len, &p), PKT_OK);
	ak_client_init(&c, 1, NTP_MODE_CLIENT, NULL);
	ATF_CHECK_EQ(ak_client_nak(&c, &p, hdr.org), 0);	/* no state */
	c.flags = 0x00081123U;
	ATF_CHECK_EQ(ak_client_nak(&c, &p, hdr.org + 1), 0);	/* not ours */
	ATF_CHECK_EQ(ak_client_nak(&c, &p, 0), 0);
	ATF_CHECK_EQ(c.flags, 0x00081123U);
	ATF_CHECK_EQ(ak_client_nak(&c, &p, hdr.org), 1);
	ATF_CHECK(c.flags == 0 && c.associd == 1);
	/* a MAC is not a NAK */
	c.flags = 0x00081123U;
	len = packet_mac_append(buf, sizeof(buf), NTP_HDRLEN, 0x10000, buf,
	    16);
	ATF_REQUIRE_EQ(packet_parse(buf, len, &p), PKT_OK);
	ATF_CHECK_EQ(ak_client_nak(&c, &p, hdr.org), 0);
	ak_client_free(&c);
}

/* #6 (NTP bug 2052): the group pre-filter. */
ATF_TC_WITHOUT_HEAD(group_filter);
ATF_TC_BODY(group_filter, tc)
{
	uint8_t		 buf[NTP_MAXPKT], f[400];
	struct ntp_pkt	 p;
	char		 pg[AK_GROUPNAMEMAX];
	size_t		 len;

	memset(f, 0, sizeof(f));
	field(f, 0x02010024U, 1, 0, 0x00080001U, 10);
	memcpy(f + 20, "beta@blue", 9);
	len = mkpkt(buf, NTP_MODE_CLIENT, f, 36);
	len = packet_mac_append(buf, sizeof(buf), len, 0x10000, f, 16);
	ATF_REQUIRE_EQ(packet_parse(buf, len, &p), PKT_OK);
	ATF_CHECK_EQ(ak_group_filter(&p, NULL, pg, sizeof(pg)), AK_OK);
	ATF_CHECK_EQ(ak_group_filter(&p, "blue", pg, sizeof(pg)), AK_OK);
	ATF_CHECK_STREQ(pg, "blue");
	memcpy(f + 20, "beta.blue", 9);
	len = mkpkt(buf, NTP_MODE_CLIENT, f, 36);
	len = packet_mac_append(buf, sizeof(buf), len, 0x10000, f, 16);
	ATF_REQUIRE_EQ(packet_parse(buf, len, &p), PKT_OK);
	ATF_CHECK_EQ(ak_group_filter(&p, "blue", pg, sizeof(pg)),
	    AK_EDECLINE);
	field(f, 0x02010000U | 300, 1, 0, 0x00080001U, 257);
	len = mkpkt(buf, NTP_MODE_CLIENT, f, 300);
	len = packet_mac_append(buf, sizeof(buf), len, 0x10000, f, 16);
	ATF_REQUIRE_EQ(packet_parse(buf, len, &p), PKT_OK);
	ATF_CHECK_EQ(ak_group_filter(&p, "blue", pg, sizeof(pg)), AK_ELEN);
	field(f, 0x02010024U, 1, 0, 0x00080001U, 17);	/* > len - 20 */
	len = mkpkt(buf, NTP_MODE_CLIENT, f, 36);
	len = packet_mac_append(buf, sizeof(buf), len, 0x10000, f, 16);
	ATF_REQUIRE_EQ(packet_parse(buf, len, &p), PKT_OK);
	ATF_CHECK_EQ(ak_group_filter(&p, "blue", pg, sizeof(pg)), AK_ELEN);
}

/* 11.5 #39, #40: random, non-zero, rotated server private values. */
ATF_TC_WITHOUT_HEAD(server_private_value);
ATF_TC_BODY(server_private_value, tc)
{
	struct ak_addr	 c = addr("192.0.2.1"), sv = addr("192.0.2.2");
	uint8_t		 buf[NTP_MAXPKT];
	struct ak_server s1, s2;
	struct ntp_pkt	 p;
	uint32_t	 k1, k2, p1, cookie;
	size_t		 len;
	int		 i;

	ak_server_init(&s1, md5(), 1000, 10);
	ak_server_init(&s2, md5(), 1000, 10);
	ATF_CHECK(s1.priv != 0 && s2.priv != 0);
	/*
	 * Two random 32-bit values are equal once in 2^32 runs: draw s2
	 * again (at most three times) before calling that a failure, so a
	 * false failure is 2^-128, and a constant value still fails.
	 */
	for (i = 0; i < 3 && s2.priv == s1.priv; i++)
		ak_server_init(&s2, md5(), 1000, 10);
	ATF_CHECK(s1.priv != s2.priv);
	/*
	 * The cookie is keyed by the private value, not by the reference's
	 * 0 (comparing it with the zero cookie would fail once in 2^32).
	 */
	ATF_CHECK_EQ(ak_server_cookie(&s1, &c, &sv), ak_cookie(md5(), &c, &sv,
	    s1.priv));
	k1 = ak_server_cookie(&s1, &c, &sv);
	p1 = s1.priv;
	len = mkpkt(buf, NTP_MODE_CLIENT, NULL, 0);
	len = ak_mac_append(md5(), &c, &sv, 0x20000U, k1, buf, sizeof(buf),
	    len);
	ATF_REQUIRE_EQ(packet_parse(buf, len, &p), PKT_OK);
	ATF_CHECK_EQ(ak_server_mac_verify(&s1, &c, &sv, buf, &p, &cookie),
	    AK_OK);
	ATF_CHECK_EQ(cookie, k1);
	ATF_CHECK_EQ(ak_server_rotate(&s1, 1000 + 1023), 0);
	ATF_CHECK_EQ(s1.priv, p1);
	ATF_CHECK_EQ(ak_server_rotate(&s1, 1000 + 1024), 1);
	ATF_CHECK_EQ(s1.prevpriv, p1);
	ATF_CHECK(s1.priv != 0);
	ATF_CHECK_EQ(ak_server_cookie(&s1, &c, &sv), ak_cookie(md5(), &c, &sv,
	    s1.priv));
	/*
	 * A new cookie: the new random value gives the old one once in
	 * 2^32 or so; then rotate a copy up to three more times, and one
	 * of those must differ (false failure 2^-128).
	 */
	k2 = ak_server_cookie(&s1, &c, &sv);
	s2 = s1;
	for (i = 0; i < 3 && k2 == k1; i++) {
		ATF_REQUIRE_EQ(ak_server_rotate(&s2, 1000 + 1024 * (i + 2)),
		    1);
		k2 = ak_server_cookie(&s2, &c, &sv);
	}
	ATF_CHECK(k2 != k1);
	/* the old cookie still works until the next rotation */
	ATF_CHECK_EQ(ak_server_mac_verify(&s1, &c, &sv, buf, &p, &cookie),
	    AK_OK);
	ATF_CHECK_EQ(cookie, k1);
	ATF_CHECK_EQ(ak_server_rotate(&s1, 1000 + 2048), 1);
	/*
	 * ...and not after it, unless one of the two values now kept
	 * happens to give the same 32-bit cookie (2^-31): then it is
	 * rightly accepted.
	 */
	ATF_CHECK_EQ(ak_server_mac_verify(&s1, &c, &sv, buf, &p, &cookie),
	    ak_cookie(md5(), &c, &sv, s1.priv) == k1 ||
	    ak_cookie(md5(), &c, &sv, s1.prevpriv) == k1 ? AK_OK : AK_EAUTH);
	for (i = 0; i < 1000; i++)
		ATF_CHECK(ak_keyid_random() > AK_MAXKEY);
}

/* ---- session keys ---- */

ATF_TC_WITHOUT_HEAD(keylist_and_chain);
ATF_TC_BODY(keylist_and_chain, tc)
{
	struct ak_addr	 a = addr("2001:db8::1"), b = addr("2001:db8::2");
	struct ak_addr	 c4 = addr("192.0.2.1");
	struct ak_keylist kl;
	struct ak_chain	 ch;
	uint8_t		 k1[64], k2[64];
	size_t		 l1, l2;
	uint32_t	 id, ids[AK_MAXSESSION];
	int		 n = 0, i;

	ATF_REQUIRE(ak_keylist_make(&kl, md5(), &a, &b, 99, 0x10000U, 4, 12,
	    1, 5000) == 0);
	ATF_CHECK(kl.n == 100 && kl.seq == 99 && kl.tstamp == 5000);
	ATF_CHECK_EQ(kl.key, ak_next_id(md5(), &a, &b, kl.ids[99], 99));
	for (i = 1; i < kl.n; i++)
		ATF_CHECK_EQ(kl.ids[i], ak_next_id(md5(), &a, &b,
		    kl.ids[i - 1], 99));
	ak_chain_set(&ch, kl.key, kl.seq);
	while ((id = ak_keylist_next(&kl)) != 0)
		ids[n++] = id;
	ATF_CHECK_EQ(n, 100);
	/* every key, in order; skipping some (lost packets) is fine */
	for (i = 0; i < n; i++) {
		if (i % 7 == 3)
			continue;
		ATF_CHECK_EQ_MSG(ak_chain_check(&ch, md5(), &a, &b, 99,
		    ids[i]), AK_OK, "key %d", i);
	}
	/* the wrong cookie or addresses are not the chain */
	ak_chain_set(&ch, kl.key, kl.seq);
	ATF_CHECK_EQ(ak_chain_check(&ch, md5(), &a, &b, 98, ids[0]),
	    AK_EAUTH);
	ATF_CHECK_EQ(ak_chain_check(&ch, md5(), &b, &a, 99, ids[0]),
	    AK_EAUTH);
	ATF_CHECK_EQ(ak_chain_check(&ch, md5(), &a, &b, 99, ids[0]), AK_OK);
	/* poll 64 s: 65 keys; unsynchronized: one key */
	ATF_REQUIRE(ak_keylist_make(&kl, md5(), &a, &b, 0, 0x10000U, 6, 12,
	    1, 1) == 0);
	ATF_CHECK_EQ(kl.n, 65);
	ATF_REQUIRE(ak_keylist_make(&kl, md5(), &a, &b, 0, 0x10000U, 6, 12,
	    0, 1) == 0);
	ATF_CHECK(kl.n == 1 && kl.tstamp == 0);
	ATF_CHECK(ak_keylist_make(&kl, md5(), &a, &b, 0, 5, 6, 12, 1, 1) ==
	    -1);
	/* IPv6 and IPv4 blocks differ; mixed families are refused */
	ATF_REQUIRE(ak_session_key(md5(), &a, &b, 0x10000U, 0, k1, &l1) == 0);
	ATF_CHECK(ak_session_key(md5(), &c4, &b, 0x10000U, 0, k2, &l2) ==
	    -1);
	ATF_CHECK_EQ(l1, 16);
	/* an AUTO seq beyond a list is refused (we would hash that often) */
	{
		uint8_t		 f[96];
		struct ak_msg	 m;
		uint32_t	 key;
		int32_t		 seq;

		memset(f, 0, sizeof(f));
		field(f, 0x82040020U, 1, 2, 1, 8);
		ntp_put32(f + 24, 100);
		ATF_REQUIRE_EQ(parse(f, 32, &m), AK_OK);
		ATF_CHECK_EQ(ak_auto_value(&m, &key, &seq), AK_ELEN);
		ntp_put32(f + 24, 99);
		ATF_CHECK_EQ(ak_auto_value(&m, &key, &seq), AK_OK);
	}
}

/* ---- interop traps (spec 12) ---- */

/* Trap 5: fields mean cookie 0 for the MAC, in both directions. */
ATF_TC_WITHOUT_HEAD(trap_ef_cookie);
ATF_TC_BODY(trap_ef_cookie, tc)
{
	struct ak_addr	 s = addr("192.0.2.1"), d = addr("192.0.2.2");
	uint8_t		 buf[NTP_MAXPKT], f[8];
	struct ntp_pkt	 p;
	size_t		 len;

	ntp_put32(f, 0x02050008U);
	ntp_put32(f + 4, 1);
	len = mkpkt(buf, NTP_MODE_CLIENT, f, 8);
	len = ak_mac_append(md5(), &s, &d, 0x10000U, 0xdeadbeefU, buf,
	    sizeof(buf), len);
	ATF_REQUIRE_EQ(packet_parse(buf, len, &p), PKT_OK);
	ATF_CHECK_EQ(ak_mac_cookie(&p, 0xdeadbeefU), 0);
	ATF_CHECK_EQ(ak_mac_verify(md5(), &s, &d, 0xdeadbeefU, buf, &p),
	    AK_OK);
	ATF_CHECK_EQ(ak_mac_verify(md5(), &s, &d, 0, buf, &p), AK_OK);
	len = mkpkt(buf, NTP_MODE_CLIENT, NULL, 0);
	len = ak_mac_append(md5(), &s, &d, 0x10000U, 0xdeadbeefU, buf,
	    sizeof(buf), len);
	ATF_REQUIRE_EQ(packet_parse(buf, len, &p), PKT_OK);
	ATF_CHECK_EQ(ak_mac_verify(md5(), &s, &d, 0, buf, &p), AK_EAUTH);
}

/* Trap 11: MACs over 24 bytes; SHA-1 (24-byte trailer) works. */
ATF_TC_WITHOUT_HEAD(trap_mac_length);
ATF_TC_BODY(trap_mac_length, tc)
{
	struct ak_addr	 s = addr("192.0.2.1"), d = addr("192.0.2.2");
	const EVP_MD	*sha1 = ak_digest("SHA1");
	uint8_t		 buf[NTP_MAXPKT];
	struct ntp_pkt	 p;
	size_t		 len;

	ATF_CHECK(ak_digest("SHA256") == NULL);
	ATF_CHECK(ak_digest("SHA512") == NULL);
	ATF_CHECK(ak_digest("nonsense") == NULL);
	ATF_REQUIRE(sha1 != NULL);
	len = mkpkt(buf, NTP_MODE_CLIENT, NULL, 0);
	len = ak_mac_append(sha1, &s, &d, 0x10000U, 5, buf, sizeof(buf), len);
	ATF_REQUIRE_EQ(len, NTP_HDRLEN + 24);
	ATF_REQUIRE_EQ(packet_parse(buf, len, &p), PKT_OK);
	ATF_CHECK_EQ(p.maclen, 20);
	ATF_CHECK_EQ(ak_mac_verify(sha1, &s, &d, 5, buf, &p), AK_OK);
	ATF_CHECK_EQ(ak_mac_verify(md5(), &s, &d, 5, buf, &p), AK_EAUTH);
}

/*
 * Trap 2: challenges always fill the modulus length, leading zero bytes
 * included, and the server hands keyd exactly the bytes it got.
 */
ATF_TC_WITHOUT_HEAD(trap_challenge_padding);
ATF_TC_BODY(trap_challenge_padding, tc)
{
	struct ident_iff srv, par;
	struct ak_group	 g;
	struct ak_client c;
	struct ak_host	 h;
	struct ak_msg	 m;
	uint8_t		 out[NTP_MAXPKT], chal[20];
	size_t		 off, qlen;
	int		 i, zero = 0;

	ATF_REQUIRE(ident_iff_generate(512, 160, &srv) == 0);
	ATF_REQUIRE(ident_iff_client(&srv, &par) == 0);
	qlen = ident_iff_challenge_len(&par);
	memset(&g, 0, sizeof(g));
	g.iff = &par;
	g.iff_fs = 42;
	memset(&h, 0, sizeof(h));
	ak_client_init(&c, 1, NTP_MODE_CLIENT, &g);
	/*
	 * A leading zero byte comes about once in (q's top byte + 1)
	 * challenges, at worst 1 in 256: run until one is seen, bounded so
	 * that missing it by chance is about 1e-34.
	 */
	for (i = 0; i < 20000 && (zero == 0 || i < 100); i++) {
		c.flags = 0x00081123U;	/* CERT, IFF advertised */
		c.chal_out = 0;
		off = NTP_HDRLEN;
		ATF_REQUIRE_EQ(ak_client_request(&c, &h, out, sizeof(out),
		    &off), AK_IFF);
		ATF_REQUIRE_EQ(parse(out + NTP_HDRLEN, off - NTP_HDRLEN, &m),
		    AK_OK);
		ATF_CHECK_EQ(m.vallen, qlen);
		ATF_CHECK(m.fstamp == 42 && m.siglen == 0);
		if (m.val[0] == 0)
			zero++;
	}
	ATF_CHECK(zero > 0);
	/* a challenge with leading zeros is proven as sent */
	memset(chal, 0, sizeof(chal));
	chal[19] = 0x17;
	{
		uint8_t	*resp;
		size_t	 rlen;

		ATF_REQUIRE(ident_iff_respond(&srv, chal, sizeof(chal), &resp,
		    &rlen) == 0);
		ATF_CHECK_EQ(ident_iff_verify(&par, chal, sizeof(chal), resp,
		    rlen), 0);
		/* the same number unpadded is a different challenge */
		ATF_CHECK(ident_iff_verify(&par, chal + 18, 2, resp, rlen) ==
		    0);
		ATF_CHECK(ident_iff_verify(&par, chal, 19, resp, rlen) != 0);
		free(resp);
	}
	ak_client_free(&c);
	ident_iff_free(&srv);
	ident_iff_free(&par);
}

/* ---- our client against our server ---- */

struct world {
	EVP_PKEY		*skey, *ckey;
	struct ident_iff	 srvid, par, other;
	struct ident_gq		 srvgq, pargq;
	int			 scheme;
	struct ak_group		 g;
	struct ak_server	 s;
	struct ak_srvhost	 sh;
	struct ak_srvcert	 sc;
	uint8_t			 scert[2048], ccert[2048], cpub[1024];
	uint8_t			 scsig[512], ccsig[512], leapv[12];
	uint8_t			 leapsig[512];
	struct ak_signed	 leap;
	struct ak_host		 h;
	struct ak_client	 c;
	struct ak_addr		 ca, sa;
	uint32_t		 now;
	int			 nsent, nrej;
};

static void
world_init(struct world *w, int days_ago, int scheme)
{
	time_t		 t = time(NULL);
	uint8_t		 gqv[512];
	size_t		 len, gqlen = 0;
	int		 nid;
	struct ak_leap	 l = { 37, 3692217600U, 3694377600U };

	memset(w, 0, sizeof(*w));
	w->scheme = scheme;
	w->skey = rsa512();
	w->ckey = rsa512();
	if (scheme == AK_GQ) {
		ATF_REQUIRE(ident_gq_generate(512, &w->srvgq) == 0);
		ATF_REQUIRE(ident_gq_client(&w->srvgq, &w->pargq) == 0);
		ATF_REQUIRE(ident_gq_pubbytes(&w->srvgq, gqv, sizeof(gqv),
		    &gqlen) == 0);
	} else {
		ATF_REQUIRE(ident_iff_generate(512, 160, &w->srvid) == 0);
		ATF_REQUIRE(ident_iff_client(&w->srvid, &w->par) == 0);
	}
	w->now = ntp_secs_from_unix(t);
	w->ca = addr("127.0.0.2");
	w->sa = addr("127.0.0.1");
	ak_server_init(&w->s, md5(), w->now, 0);
	/* server: trusted certificate, IFF, synchronized */
	len = mkcert_gq(w->skey, "alpha", t - days_ago * 86400, 365,
	    CERT_MARK_TRUST, gqlen > 0 ? gqv : NULL, gqlen, w->scert,
	    sizeof(w->scert));
	nid = NID_sha256WithRSAEncryption;
	w->sh.host = "alpha";
	w->sh.status = (uint32_t)nid << 16 | AK_F_ENAB | AK_F_TAI |
	    (scheme == AK_GQ ? AK_F_GQ : AK_F_IFF);
	w->sh.hostval_ts = w->now - 10;
	w->sh.now = w->now;
	w->sh.synced = 1;
	w->sh.cert_valid = days_ago < 365;
	w->sc.subject = "alpha";
	w->sc.trusted = w->sc.selfsigned = 1;
	w->sc.value.val = w->scert;
	w->sc.value.vallen = len;
	w->sc.value.tstamp = w->sh.hostval_ts;
	w->sc.value.fstamp = ntp_secs_from_unix(t - days_ago * 86400 - 100);
	w->sc.value.sig = w->scsig;
	w->sc.value.siglen = sign(w->skey, w->sc.value.tstamp,
	    w->sc.value.fstamp, w->scert, len, w->scsig);
	w->sh.certs = &w->sc;
	w->sh.ncerts = 1;
	ak_leap_encode(&l, w->leapv, sizeof(w->leapv));
	w->leap.val = w->leapv;
	w->leap.vallen = 12;
	w->leap.tstamp = w->sh.hostval_ts;
	w->leap.fstamp = w->sc.value.fstamp;
	w->leap.sig = w->leapsig;
	w->leap.siglen = sign(w->skey, w->leap.tstamp, w->leap.fstamp,
	    w->leapv, 12, w->leapsig);
	w->sh.leap = &w->leap;
	/* client */
	strlcpy(w->h.name, "beta", sizeof(w->h.name));
	w->h.status = (uint32_t)nid << 16 | AK_F_ENAB;
	w->h.modlen = 64;
	w->h.now = t;
	ATF_REQUIRE(ak_rsa_pubkey_der(w->ckey, w->cpub, sizeof(w->cpub),
	    &len) == 0);
	w->h.pubkey.val = w->cpub;
	w->h.pubkey.vallen = len;
	w->h.pubkey.fstamp = w->now - 100;
	len = mkcert(w->ckey, "beta", t, 365, CERT_MARK_NONE, w->ccert,
	    sizeof(w->ccert));
	w->h.cert.val = w->ccert;
	w->h.cert.vallen = len;
	w->h.cert.fstamp = w->now - 50;
	w->h.cert.tstamp = w->now;
	w->h.cert.sig = w->ccsig;
	w->h.cert.siglen = sign(w->ckey, w->now, w->now - 50, w->ccert, len,
	    w->ccsig);
	memset(&w->g, 0, sizeof(w->g));
	strlcpy(w->g.name, "alpha", sizeof(w->g.name));
	if (scheme == AK_GQ) {
		w->g.gq = &w->pargq;
		w->g.gq_fs = 4242;
	} else {
		w->g.iff = &w->par;
		w->g.iff_fs = 4242;
	}
	ak_client_init(&w->c, 777, NTP_MODE_CLIENT, &w->g);
}

static void
world_free(struct world *w)
{
	ak_client_free(&w->c);
	ident_iff_free(&w->srvid);
	ident_iff_free(&w->par);
	ident_iff_free(&w->other);
	ident_gq_free(&w->srvgq);
	ident_gq_free(&w->pargq);
	EVP_PKEY_free(w->skey);
	EVP_PKEY_free(w->ckey);
}

/* keyd, server side: the jobs of ak_server_respond(). */
static size_t
keyd_server(struct world *w, const struct ak_job *job, uint8_t *out,
    size_t outlen, size_t off)
{
	uint8_t		 val[2048], sig[512];
	uint8_t		*resp = NULL;
	size_t		 vlen = 0, sl;
	EVP_PKEY	*k;
	X509		*x;
	X509_NAME	*xn;
	const unsigned char *p;
	unsigned char	*d = NULL;
	uint32_t	 fs = job->fstamp;
	int		 n;

	switch (job->kind) {
	case AK_JOB_COOKIE:
		k = ak_rsa_pubkey(job->val, job->vallen);
		ATF_REQUIRE(k != NULL);
		ATF_REQUIRE(ak_cookie_encrypt(k, ntp_get32(job->cookie), val,
		    sizeof(val), &vlen) == 0);
		EVP_PKEY_free(k);
		break;
	case AK_JOB_IDENT:
		ATF_REQUIRE_EQ(job->code, w->scheme);
		if ((job->code == AK_GQ ? ident_gq_respond(&w->srvgq,
		    job->val, job->vallen, &resp, &vlen) :
		    ident_iff_respond(&w->srvid, job->val, job->vallen, &resp,
		    &vlen)) != 0)
			return ak_server_fail(job, out, outlen, off);
		memcpy(val, resp, vlen);
		free(resp);
		fs = 4242;			/* the iffkey filestamp */
		break;
	case AK_JOB_CERTSIGN:
		p = job->val;
		ATF_REQUIRE((x = d2i_X509(NULL, &p, (long)job->vallen)) !=
		    NULL);
		xn = X509_NAME_new();
		X509_NAME_add_entry_by_txt(xn, "CN", MBSTRING_ASC,
		    (const unsigned char *)"alpha", -1, -1, 0);
		X509_set_issuer_name(x, xn);
		X509_NAME_free(xn);
		ATF_REQUIRE(X509_sign(x, w->skey, EVP_sha256()) > 0);
		n = i2d_X509(x, &d);
		X509_free(x);
		memcpy(val, d, (size_t)n);
		OPENSSL_free(d);
		vlen = (size_t)n;
		break;
	default:
		atf_tc_fail("job %d", job->kind);
	}
	sl = sign(w->skey, job->tstamp, fs, val, vlen, sig);
	return ak_server_finish(job, val, vlen, fs, sig, sl, out, outlen, off);
}

/* A relay between client and server. */
enum relay { R_PASS, R_FLIP, R_TRUNC, R_REPLAY };

/*
 * One exchange: the client's packet to the server and the reply back.
 * Returns the client's verdict on the reply (AK_EAUTH: MAC failed).
 */
static enum ak_err
exchange(struct world *w, enum relay relay, uint8_t *saved, size_t *savedlen)
{
	uint8_t		 q[NTP_MAXPKT], r[NTP_MAXPKT], plain[64];
	struct ntp_pkt	 qp, rp;
	struct ak_job	 job;
	struct ak_todo	 todo;
	EVP_PKEY_CTX	*ctx;
	uint32_t	 keyid = ak_keyid_random(), cookie;
	size_t		 qlen, rlen, off, pl;
	enum ak_err	 e;

	/*
	 * A replayed reply is refused for its key ID, which is not this
	 * request's: make sure of that (random IDs collide once in 2^32).
	 */
	if (relay == R_REPLAY && saved != NULL &&
	    packet_parse(saved, *savedlen, &rp) == PKT_OK)
		while (keyid == rp.keyid)
			keyid = ak_keyid_random();
	qlen = mkpkt(q, NTP_MODE_CLIENT, NULL, 0);
	ak_client_request(&w->c, &w->h, q, sizeof(q), &qlen);
	qlen = ak_mac_append(md5(), &w->ca, &w->sa, keyid,
	    ak_client_mac_cookie(&w->c, qlen > NTP_HDRLEN), q, sizeof(q),
	    qlen);
	ATF_REQUIRE(qlen > 0);
	w->nsent++;
	/* server */
	ATF_REQUIRE_EQ(packet_parse(q, qlen, &qp), PKT_OK);
	ATF_REQUIRE_EQ(ak_server_mac_verify(&w->s, &w->ca, &w->sa, q, &qp,
	    &cookie), AK_OK);
	off = mkpkt(r, NTP_MODE_SERVER, NULL, 0);
	e = ak_server_respond(&w->s, &w->sh, &qp, &w->ca, &w->sa, r,
	    sizeof(r), &off, &job);
	if (job.kind != AK_JOB_NONE)
		off = keyd_server(w, &job, r, sizeof(r), off);
	ATF_REQUIRE(off > 0);
	/* trap 6: the reply reuses the request's key ID */
	rlen = ak_mac_append(md5(), &w->sa, &w->ca, qp.keyid, cookie, r,
	    sizeof(r), off);
	ATF_REQUIRE(rlen > 0);
	/* the relay */
	if (relay == R_FLIP)
		r[rlen / 2] ^= 0x04;
	else if (relay == R_TRUNC)
		rlen -= 4;
	else if (relay == R_REPLAY && saved != NULL) {
		memcpy(r, saved, *savedlen);
		rlen = *savedlen;
	} else if (saved != NULL) {
		memcpy(saved, r, rlen);
		*savedlen = rlen;
	}
	/* client */
	if (packet_parse(r, rlen, &rp) != PKT_OK) {
		w->nrej++;
		return AK_ELEN;
	}
	if (rp.keyid != keyid || ak_mac_verify(md5(), &w->sa, &w->ca,
	    ak_client_mac_cookie(&w->c, 0), r, &rp) != AK_OK) {
		w->nrej++;
		return AK_EAUTH;
	}
	e = ak_client_recv_ext(&w->c, &w->h, &rp, &todo);
	if (todo.kind == AK_TODO_DECRYPT) {
		ATF_REQUIRE((ctx = EVP_PKEY_CTX_new(w->ckey, NULL)) != NULL);
		ATF_REQUIRE(EVP_PKEY_decrypt_init(ctx) == 1);
		EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING);
		pl = sizeof(plain);
		ATF_REQUIRE(EVP_PKEY_decrypt(ctx, plain, &pl, todo.val,
		    todo.vallen) == 1);
		EVP_PKEY_CTX_free(ctx);
		e = ak_client_cookie(&w->c, plain, pl);
		/* the server's cookie for us: random private value */
		ATF_CHECK_EQ(w->c.cookie, ak_server_cookie(&w->s, &w->ca,
		    &w->sa));
		w->h.synced = 1;	/* as if the clock had synchronized */
	}
	if (todo.kind == AK_TODO_RESET)
		ak_client_reset(&w->c);
	if (e != AK_OK && e != AK_EIGNORE)
		w->nrej++;
	return e;
}

ATF_TC_WITHOUT_HEAD(loop_iff);
ATF_TC_BODY(loop_iff, tc)
{
	struct world	 w;
	int		 i;

	world_init(&w, 0, AK_IFF);
	for (i = 0; i < 10 && !(ak_client_proven(&w.c) &&
	    (w.c.flags & AK_F_PROGRESS) == AK_F_PROGRESS); i++)
		ATF_CHECK_EQ_MSG(exchange(&w, R_PASS, NULL, NULL), AK_OK,
		    "flags 0x%x: %s", w.c.flags, w.c.reason);
	/* ASSOC, CERT, IFF, COOK, SIGN, LEAP: one exchange each */
	ATF_CHECK_EQ(w.nsent, 6);
	ATF_CHECK_EQ(w.c.flags, w.sh.status | AK_F_PROGRESS);
	ATF_CHECK_EQ(w.c.flags & 0xffffU, 0x7f23U);
	ATF_CHECK(ak_client_proven(&w.c));
	ATF_CHECK_EQ(w.c.leap.tai, 37);
	ATF_CHECK_EQ(w.nrej, 0);
	/* then MAC-only packets keyed by the (random) cookie */
	for (i = 0; i < 3; i++)
		ATF_CHECK_EQ(exchange(&w, R_PASS, NULL, NULL), AK_EIGNORE);
	ATF_CHECK_EQ(w.nrej, 0);
	world_free(&w);
}

/* GQ: v comes from the trusted certificate's subjectKeyIdentifier. */
ATF_TC_WITHOUT_HEAD(loop_gq);
ATF_TC_BODY(loop_gq, tc)
{
	struct world	 w;
	int		 i;

	world_init(&w, 0, AK_GQ);
	for (i = 0; i < 6; i++)
		ATF_CHECK_EQ_MSG(exchange(&w, R_PASS, NULL, NULL), AK_OK,
		    "flags 0x%x: %s", w.c.flags, w.c.reason);
	ATF_CHECK(w.c.gqkeylen > 0);
	ATF_CHECK_EQ(w.c.flags & 0xffffU, 0x7f43U);
	ATF_CHECK(ak_client_proven(&w.c));
	world_free(&w);
}

ATF_TC_WITHOUT_HEAD(loop_wrong_group_key);
ATF_TC_BODY(loop_wrong_group_key, tc)
{
	struct world	 w;
	int		 i;

	world_init(&w, 0, AK_IFF);
	ATF_REQUIRE(ident_iff_generate(512, 160, &w.other) == 0);
	w.g.iff = &w.other;
	for (i = 0; i < 12; i++)
		(void)exchange(&w, R_PASS, NULL, NULL);
	ATF_CHECK(!(w.c.flags & AK_F_VRFY));
	ATF_CHECK(!ak_client_proven(&w.c));
	ATF_CHECK_EQ(w.c.last_err, AK_EID);
	ATF_CHECK(strstr(w.c.reason, "identity not verified") != NULL);
	ATF_CHECK(w.nrej >= 9);
	world_free(&w);
}

ATF_TC_WITHOUT_HEAD(loop_expired_certificate);
ATF_TC_BODY(loop_expired_certificate, tc)
{
	struct world	 w;
	int		 i;

	world_init(&w, 400, AK_IFF);
	for (i = 0; i < 6; i++)
		(void)exchange(&w, R_PASS, NULL, NULL);
	ATF_CHECK(!(w.c.flags & AK_F_CERT));
	ATF_CHECK(!ak_client_proven(&w.c));
	ATF_CHECK_EQ(w.c.last_err, AK_EPER);
	world_free(&w);
}

/* A relay that flips bits, truncates and replays: rejected, counted. */
ATF_TC_WITHOUT_HEAD(loop_relay);
ATF_TC_BODY(loop_relay, tc)
{
	struct world	 w;
	uint8_t		 saved[NTP_MAXPKT];
	size_t		 savedlen = 0;
	uint32_t	 before;
	int		 i, rej;

	world_init(&w, 0, AK_IFF);
	ATF_CHECK_EQ(exchange(&w, R_PASS, saved, &savedlen), AK_OK); /* ASSOC */
	for (i = 0; i < 5; i++) {
		before = w.c.flags;
		rej = w.nrej;
		ATF_CHECK(exchange(&w, R_FLIP, NULL, NULL) != AK_OK);
		ATF_CHECK(exchange(&w, R_TRUNC, NULL, NULL) != AK_OK);
		/* the old ASSOC reply: its key ID is not this request's */
		ATF_CHECK(exchange(&w, R_REPLAY, saved, &savedlen) != AK_OK);
		ATF_CHECK_EQ(w.nrej, rej + 3);
		ATF_CHECK_EQ(w.c.flags, before);
		ATF_CHECK_EQ(exchange(&w, R_PASS, NULL, NULL), AK_OK);
	}
	ATF_CHECK(ak_client_proven(&w.c));
	world_free(&w);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, ef_version_and_minimum);
	ATF_TP_ADD_TC(tp, ef_value_lengths);
	ATF_TP_ADD_TC(tp, assoc_short_and_long);
	ATF_TP_ADD_TC(tp, assoc_reset_rules);
	ATF_TP_ADD_TC(tp, server_refusals);
	ATF_TP_ADD_TC(tp, cook_leap_sizes);
	ATF_TP_ADD_TC(tp, verify_rules);
	ATF_TP_ADD_TC(tp, cert_rules);
	ATF_TP_ADD_TC(tp, cert_never_sent);
	ATF_TP_ADD_TC(tp, mac_rules);
	ATF_TP_ADD_TC(tp, nak_rules);
	ATF_TP_ADD_TC(tp, group_filter);
	ATF_TP_ADD_TC(tp, server_private_value);
	ATF_TP_ADD_TC(tp, keylist_and_chain);
	ATF_TP_ADD_TC(tp, trap_ef_cookie);
	ATF_TP_ADD_TC(tp, trap_mac_length);
	ATF_TP_ADD_TC(tp, trap_challenge_padding);
	ATF_TP_ADD_TC(tp, loop_iff);
	ATF_TP_ADD_TC(tp, loop_gq);
	ATF_TP_ADD_TC(tp, loop_wrong_group_key);
	ATF_TP_ADD_TC(tp, loop_expired_certificate);
	ATF_TP_ADD_TC(tp, loop_relay);
	return atf_no_error();
}
