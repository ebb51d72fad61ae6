/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * The Autokey layer against the reference captures in
 * shared/vectors/autokey/ (ntpd 4.2.8p18): every extension field
 * decodes and rebuilds byte for byte, every MAC recomputes (cookie 0 on
 * packets with fields, the predictable reference cookie after COOK),
 * every signature and identity proof verifies with the public material
 * of the same folder, broadcast key IDs chain, and our client and server
 * fed the captured traffic build the same requests and responses and
 * reach the flags the reference showed.
 */

#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "akvec.h"

struct akv_keys {
	const char	*sub;		/* client keys directory */
	const char	*host;		/* client host key file */
	const char	*cert;		/* client certificate file */
	const char	*srvsub;
	const char	*srvcert;
};

static const struct akv_keys iffkeys = { "iff/client",
	"ntpkey_RSAhost_beta.test.4004649431",
	"ntpkey_RSA-MD5cert_beta.test.4004649431", "iff/server",
	"ntpkey_RSA-MD5cert_alpha.test.4004649424" };
static const struct akv_keys gqkeys = { "gq/client",
	"ntpkey_RSAhost_beta.test.4004649437",
	"ntpkey_RSA-MD5cert_beta.test.4004649437", "gq/server",
	"ntpkey_RSA-MD5cert_alpha.test.4004649436" };
static const struct akv_keys mvkeys = { "mv-traditional/client",
	"ntpkey_RSAhost_beta.test.4004649440",
	"ntpkey_RSA-MD5cert_beta.test.4004649440", "mv/server",
	"ntpkey_RSA-MD5cert_alpha.test.4004649437" };

static const struct {
	const char		*name;
	const struct akv_keys	*keys;
} captures[] = {
	{ "iff-unicast", &iffkeys },
	{ "iff-unicast-NO-IDENT-skips-iff", &iffkeys },
	{ "unicast-iff-leapfile", &iffkeys },
	{ "broadcast-iff", &iffkeys },
	{ "multicast-iff", &iffkeys },
	{ "gq-unicast-FAILS", &gqkeys },
	{ "unicast-mv-stock-FAILS", &mvkeys },
	{ "unicast-mv-traditional", &mvkeys },
};
#define NCAPTURES	(sizeof(captures) / sizeof(captures[0]))

static struct akv_cap	 caps[AKV_MAXCAP];

static EVP_PKEY *
host_key(const atf_tc_t *tc, const struct akv_keys *k)
{
	struct keyfile	 kf;
	EVP_PKEY	*key;

	akv_keyfile(tc, k->sub, k->host, "clientpw", &kf);
	ATF_REQUIRE(kf.nkeys == 1);
	key = kf.keys[0];
	kf.keys[0] = NULL;
	kf.nkeys = 0;
	keyfile_free(&kf);
	return key;
}

/* RSA-OAEP decryption with the client host key: what keyd does. */
static size_t
decrypt(EVP_PKEY *key, const uint8_t *in, size_t inlen, uint8_t *out,
    size_t outlen)
{
	EVP_PKEY_CTX	*ctx;
	size_t		 n = outlen;

	ATF_REQUIRE((ctx = EVP_PKEY_CTX_new(key, NULL)) != NULL);
	ATF_REQUIRE(EVP_PKEY_decrypt_init(ctx) == 1);
	ATF_REQUIRE(EVP_PKEY_CTX_set_rsa_padding(ctx,
	    RSA_PKCS1_OAEP_PADDING) == 1);
	if (EVP_PKEY_decrypt(ctx, out, &n, in, inlen) != 1)
		n = 0;
	EVP_PKEY_CTX_free(ctx);
	return n;
}

/* Decode and rebuild every field of every capture. */
ATF_TC_WITHOUT_HEAD(decode_all_fields);
ATF_TC_BODY(decode_all_fields, tc)
{
	static const char *hosts[] = { "alpha.test", "beta.test" };
	uint8_t		 out[NTP_MAXPKT];
	struct ntp_ext	 e;
	struct ak_msg	 m;
	struct ak_assoc	 a;
	struct ak_leap	 l;
	struct cert_info ci;
	EVP_PKEY	*k;
	const uint8_t	*q;
	size_t		 i, j, n, left, nef = 0, ncode[10];
	char		 name[AK_MAXHOSTNAME + 1], err[128];
	uint32_t	 key;
	int32_t		 seq;

	memset(ncode, 0, sizeof(ncode));
	for (i = 0; i < NCAPTURES; i++) {
		n = akv_pcap(tc, captures[i].name, caps, AKV_MAXCAP);
		for (j = 0; j < n; j++) {
			q = caps[j].pkt.ext;
			left = caps[j].pkt.extlen;
			while (packet_ext_next(&q, &left, &e) == 1) {
				ATF_REQUIRE_EQ_MSG(ak_msg_parse(&e, &m), AK_OK,
				    "%s #%zu", captures[i].name, j + 1);
				ATF_REQUIRE(m.code >= AK_ASSOC &&
				    m.code <= AK_MV && !m.error);
				ncode[m.code]++;
				nef++;
				/* our builder gives back the same bytes */
				ATF_REQUIRE_EQ_MSG(ak_msg_append(out,
				    sizeof(out), NTP_HDRLEN, &m), NTP_HDRLEN +
				    e.len, "%s #%zu", captures[i].name, j + 1);
				ATF_CHECK_MSG(memcmp(out + NTP_HDRLEN,
				    e.start, e.len) == 0, "%s #%zu rebuild",
				    captures[i].name, j + 1);
				switch (m.code) {
				case AK_ASSOC:
					ATF_REQUIRE_EQ(ak_assoc_value(&m, &a),
					    AK_OK);
					ATF_CHECK(strcmp(a.host, hosts[0]) ==
					    0 || strcmp(a.host, hosts[1]) == 0);
					ATF_CHECK_EQ(AK_F_NID(a.status), 8);
					break;
				case AK_CERT:
					if (!m.response) {
						ATF_CHECK_EQ(ak_name_value(&m,
						    name, sizeof(name)), AK_OK);
						ATF_CHECK_STREQ(name,
						    "alpha.test");
						break;
					}
					/* FALLTHROUGH */
				case AK_SIGN:
					ATF_CHECK_EQ_MSG(cert_parse(m.val,
					    m.vallen, &ci, err, sizeof(err)),
					    0, "%s", err);
					break;
				case AK_COOK:
					if (m.response) {
						ATF_CHECK_EQ(m.vallen, 64);
						break;
					}
					ATF_CHECK((k = ak_rsa_pubkey(m.val,
					    m.vallen)) != NULL);
					EVP_PKEY_free(k);
					break;
				case AK_AUTO:
					if (!m.response) {
						ATF_CHECK_EQ(m.len, 8);
						break;
					}
					ATF_CHECK_EQ(ak_auto_value(&m, &key,
					    &seq), AK_OK);
					ATF_CHECK_EQ(seq, 99);
					break;
				case AK_LEAP:
					if (!m.response) {
						ATF_CHECK_EQ(m.len, 8);
						break;
					}
					ATF_CHECK_EQ(ak_leap_value(&m, &l),
					    AK_OK);
					ATF_CHECK(l.tai == 0 || l.tai == 37);
					break;
				default:	/* identity */
					if (m.response)
						ATF_CHECK(m.val[0] == 0x30);
					else
						ATF_CHECK(m.siglen == 0 &&
						    m.tstamp == 0);
					break;
				}
			}
		}
	}
	/* ASSOC, CERT, COOK, AUTO, LEAP, SIGN, IFF, GQ, MV all seen */
	for (i = AK_ASSOC; i <= AK_MV; i++)
		ATF_CHECK_MSG(ncode[i] > 0, "no %s field", ak_codename(
		    (int)i));
	printf("%zu extension fields decoded and rebuilt\n", nef);
}

/*
 * Every MAC of every capture: cookie 0 on packets with fields and on
 * broadcasts; after the COOK response, the reference cookie of the
 * address pair with private value 0 (trap 12) on MAC-only packets.
 */
ATF_TC_WITHOUT_HEAD(macs);
ATF_TC_BODY(macs, tc)
{
	const EVP_MD	*md = ak_digest(NULL);
	struct akv_cap	*c;
	struct ak_msg	 m;
	const struct ak_addr *cl, *sv;
	uint32_t	 cookie;
	size_t		 i, j, n, nmac = 0;
	int		 cooked;

	ATF_REQUIRE(md != NULL);
	for (i = 0; i < NCAPTURES; i++) {
		n = akv_pcap(tc, captures[i].name, caps, AKV_MAXCAP);
		cooked = 0;
		for (j = 0; j < n; j++) {
			c = &caps[j];
			ATF_REQUIRE(c->pkt.has_mac && c->pkt.maclen == 16);
			ATF_CHECK(c->pkt.keyid > AK_MAXKEY);
			if (c->pkt.extlen > 0) {
				ATF_CHECK_EQ_MSG(ak_mac_verify(md, &c->src,
				    &c->dst, 0, c->data, &c->pkt), AK_OK,
				    "%s #%zu", captures[i].name, j + 1);
				/* any cookie: EF packets always use 0 */
				ATF_CHECK_EQ(ak_mac_verify(md, &c->src,
				    &c->dst, 0x8ac8a20aU, c->data, &c->pkt),
				    AK_OK);
				if (akv_msg(c, &m) && m.code == AK_COOK &&
				    m.response)
					cooked = 1;
				nmac++;
				continue;
			}
			cl = c->pkt.mode == NTP_MODE_CLIENT ? &c->src : &c->dst;
			sv = c->pkt.mode == NTP_MODE_CLIENT ? &c->dst : &c->src;
			cookie = cooked ? ak_cookie(md, cl, sv, 0) : 0;
			ATF_CHECK_EQ_MSG(ak_mac_verify(md, &c->src, &c->dst,
			    cookie, c->data, &c->pkt), AK_OK, "%s #%zu",
			    captures[i].name, j + 1);
			if (cookie != 0)
				ATF_CHECK_EQ(ak_mac_verify(md, &c->src,
				    &c->dst, 0, c->data, &c->pkt), AK_EAUTH);
			nmac++;
		}
	}
	printf("%zu MACs verified\n", nmac);
}

/* Server replies reuse the request's key ID (trap 6). */
ATF_TC_WITHOUT_HEAD(reply_keyid);
ATF_TC_BODY(reply_keyid, tc)
{
	size_t		 j, n;

	n = akv_pcap(tc, "iff-unicast", caps, AKV_MAXCAP);
	for (j = 0; j + 1 < n; j += 2) {
		ATF_REQUIRE(caps[j].pkt.mode == NTP_MODE_CLIENT &&
		    caps[j + 1].pkt.mode == NTP_MODE_SERVER);
		ATF_CHECK_EQ(caps[j].pkt.keyid, caps[j + 1].pkt.keyid);
	}
}

/*
 * Every signature of every capture: server responses with the key of the
 * certificate in the CERT response (which is the certificate file of the
 * same folder), client SIGN requests with the client certificate's key.
 */
ATF_TC_WITHOUT_HEAD(signatures);
ATF_TC_BODY(signatures, tc)
{
	const EVP_MD	*md = ak_nid_digest(8);
	uint8_t		 der[4096], bad[NTP_MAXPKT];
	struct ak_msg	 m, mb;
	struct ntp_ext	 e;
	EVP_PKEY	*skey, *ckey, *k;
	X509		*x;
	const unsigned char *p;
	size_t		 i, j, n, dlen, nsig = 0, nproof = 0;
	const uint8_t	*q;
	size_t		 left;

	ATF_REQUIRE(md != NULL && md == EVP_md5());
	for (i = 0; i < NCAPTURES; i++) {
		const struct akv_keys *ks = captures[i].keys;

		dlen = akv_certder(tc, ks->srvsub, ks->srvcert, der,
		    sizeof(der));
		skey = ak_cert_pubkey(der, dlen);
		dlen = akv_certder(tc, ks->sub, ks->cert, der, sizeof(der));
		ckey = ak_cert_pubkey(der, dlen);
		ATF_REQUIRE(skey != NULL && ckey != NULL);
		n = akv_pcap(tc, captures[i].name, caps, AKV_MAXCAP);
		for (j = 0; j < n; j++) {
			if (!akv_msg(&caps[j], &m) || m.siglen == 0)
				continue;
			k = m.response ? skey : ckey;
			ATF_CHECK_EQ_MSG(ak_verify(&m, m.associd, NULL, k, md,
			    0), AK_OK, "%s #%zu %s", captures[i].name, j + 1,
			    ak_codename(m.code));
			nsig++;
			if (m.code == AK_CERT) {
				/* the certificate sent is the file's */
				dlen = akv_certder(tc, ks->srvsub,
				    ks->srvcert, der, sizeof(der));
				ATF_CHECK(dlen == m.vallen && memcmp(der,
				    m.val, dlen) == 0);
			}
			if (m.code == AK_SIGN && m.response) {
				/* the new certificate is signed by the server */
				p = m.val;
				ATF_REQUIRE((x = d2i_X509(NULL, &p,
				    (long)m.vallen)) != NULL);
				ATF_CHECK_EQ(X509_verify(x, skey), 1);
				X509_free(x);
				nproof++;
			}
			/* one flipped value bit: not verified */
			memcpy(bad, caps[j].data, caps[j].len);
			bad[NTP_HDRLEN + 20] ^= 0x01;
			q = bad + NTP_HDRLEN;
			left = caps[j].pkt.extlen;
			ATF_REQUIRE(packet_ext_next(&q, &left, &e) == 1);
			ATF_REQUIRE(ak_msg_parse(&e, &mb) == AK_OK);
			ATF_CHECK_EQ(ak_verify(&mb, mb.associd, NULL, k, md,
			    0), AK_ESIG);
			/* the wrong key: not verified */
			ATF_CHECK_EQ(ak_verify(&m, m.associd, NULL, k == skey ?
			    ckey : skey, md, 0), AK_ESIG);
		}
		EVP_PKEY_free(skey);
		EVP_PKEY_free(ckey);
	}
	ATF_CHECK(nproof > 0);
	printf("%zu signatures verified\n", nsig);
}

static int
load_iffpar(const atf_tc_t *tc, struct ident_iff *iff)
{
	struct keyfile	 kf;
	char		 err[256];
	int		 rv;

	akv_keyfile(tc, "iff/client", "ntpkey_iffpar_alpha.test.4004649424",
	    NULL, &kf);
	rv = ident_iff_load(&kf, 0, iff, err, sizeof(err));
	keyfile_free(&kf);
	ATF_REQUIRE_MSG(rv == 0, "%s", err);
	return 0;
}

/* The IFF proofs of every IFF capture, with the installed group key. */
ATF_TC_WITHOUT_HEAD(iff_proofs);
ATF_TC_BODY(iff_proofs, tc)
{
	static const char *names[] = { "iff-unicast", "unicast-iff-leapfile",
	    "broadcast-iff", "multicast-iff" };
	struct ident_iff iff, srv;
	struct keyfile	 kf;
	struct ak_msg	 m, chal;
	char		 err[256];
	size_t		 i, j, n, nok = 0;
	int		 have = 0;

	memset(&chal, 0, sizeof(chal));
	load_iffpar(tc, &iff);
	/* the server's key file (b) gives the same v */
	akv_keyfile(tc, "iff/server", "ntpkey_IFFkey_alpha.test.4004649424",
	    "serverpw", &kf);
	ATF_REQUIRE_MSG(ident_iff_load(&kf, 1, &srv, err, sizeof(err)) == 0,
	    "%s", err);
	keyfile_free(&kf);
	ATF_CHECK_EQ(BN_cmp(srv.v, iff.v), 0);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		n = akv_pcap(tc, names[i], caps, AKV_MAXCAP);
		for (j = 0; j < n; j++) {
			if (!akv_msg(&caps[j], &m) || m.code != AK_IFF)
				continue;
			if (!m.response) {
				chal = m;
				have = 1;
				ATF_CHECK_EQ(m.vallen,
				    ident_iff_challenge_len(&iff));
				ATF_CHECK_EQ(m.fstamp, 4004649424U);
				continue;
			}
			ATF_REQUIRE(have);
			ATF_CHECK_EQ_MSG(ident_iff_verify(&iff, chal.val,
			    chal.vallen, m.val, m.vallen), 0, "%s #%zu",
			    names[i], j + 1);
			/* a different challenge: not proven */
			ATF_CHECK(ident_iff_verify(&iff, m.val, chal.vallen,
			    m.val, m.vallen) != 0);
			nok++;
			have = 0;
		}
	}
	ATF_CHECK_EQ(nok, 4);
	ident_iff_free(&iff);
	ident_iff_free(&srv);
}

/*
 * MV on the traditional set.  The reference client's first challenge
 * was malformed (spec 3.8: r not left-padded, a stray last byte) and the
 * reference client rejected the answer, because it checked against its
 * own r; the server answered what was on the wire, so a client that
 * keeps the bytes it sent, as ours does, verifies both answers.
 */
ATF_TC_WITHOUT_HEAD(mv_proofs);
ATF_TC_BODY(mv_proofs, tc)
{
	struct ident_mv_client mv;
	struct keyfile	 kf;
	struct ak_msg	 m, chal;
	char		 err[256];
	size_t		 j, n, nok = 0, nbad = 0;

	akv_keyfile(tc, "mv-traditional/client",
	    "ntpkey_mvpar_alpha.test.4004651491", NULL, &kf);
	ATF_REQUIRE_MSG(ident_mv_load_client(&kf, &mv, err, sizeof(err)) ==
	    0, "%s", err);
	keyfile_free(&kf);
	memset(&chal, 0, sizeof(chal));
	n = akv_pcap(tc, "unicast-mv-traditional", caps, AKV_MAXCAP);
	for (j = 0; j < n; j++) {
		if (!akv_msg(&caps[j], &m) || m.code != AK_MV)
			continue;
		if (!m.response) {
			chal = m;
			continue;
		}
		if (ident_mv_verify(&mv, chal.val, chal.vallen, m.val,
		    m.vallen) == 0)
			nok++;
		else
			nbad++;

	}
	ATF_CHECK_EQ(nok, 2);
	ATF_CHECK_EQ(nbad, 0);
	ident_mv_client_free(&mv);
}

/*
 * GQ: the 4.2.8p18 server's arithmetic is broken (spec 7.3); the
 * scheme as specified, which we implement, rejects every answer.
 */
ATF_TC_WITHOUT_HEAD(gq_reference_rejected);
ATF_TC_BODY(gq_reference_rejected, tc)
{
	struct ident_gq	 gq;
	struct keyfile	 kf;
	struct cert_info ci;
	struct ak_msg	 m, chal;
	uint8_t		 der[4096];
	char		 err[256];
	size_t		 j, n, dlen, nrsp = 0;

	akv_keyfile(tc, "gq/client", "ntpkey_gqpar_alpha.test.4004649436",
	    NULL, &kf);
	ATF_REQUIRE_MSG(ident_gq_load(&kf, 0, &gq, err, sizeof(err)) == 0,
	    "%s", err);
	keyfile_free(&kf);
	dlen = akv_certder(tc, "gq/server",
	    "ntpkey_RSA-MD5cert_alpha.test.4004649436", der, sizeof(der));
	ATF_REQUIRE(cert_parse(der, dlen, &ci, err, sizeof(err)) == 0);
	ATF_REQUIRE(ci.gqkeylen > 0);
	if (gq.v == NULL)
		gq.v = BN_bin2bn(ci.gqkey, (int)ci.gqkeylen, NULL);
	memset(&chal, 0, sizeof(chal));
	n = akv_pcap(tc, "gq-unicast-FAILS", caps, AKV_MAXCAP);
	for (j = 0; j < n; j++) {
		if (!akv_msg(&caps[j], &m) || m.code != AK_GQ)
			continue;
		if (!m.response) {
			chal = m;
			continue;
		}
		ATF_CHECK(ident_gq_verify(&gq, chal.val, chal.vallen, m.val,
		    m.vallen) != 0);
		nrsp++;
	}
	ATF_CHECK_EQ(nrsp, 11);
	ident_gq_free(&gq);
}

/*
 * The COOK response decrypts (client host key, OAEP) to the cookie of
 * the reference's zero private value (trap 12); ours is random.
 */
ATF_TC_WITHOUT_HEAD(cookie);
ATF_TC_BODY(cookie, tc)
{
	const EVP_MD	*md = ak_digest(NULL);
	struct ak_server s;
	struct ak_client c;
	struct ak_msg	 m;
	EVP_PKEY	*key;
	uint8_t		 plain[64];
	size_t		 j, n, pl, found = 0;
	int		 k;

	key = host_key(tc, &iffkeys);
	n = akv_pcap(tc, "iff-unicast", caps, AKV_MAXCAP);
	for (j = 0; j < n; j++) {
		if (!akv_msg(&caps[j], &m) || m.code != AK_COOK || !m.response)
			continue;
		pl = decrypt(key, m.val, m.vallen, plain, sizeof(plain));
		ATF_REQUIRE_EQ(pl, 4);
		ATF_CHECK_EQ(ntp_get32(plain), 0x8ac8a20aU);
		ATF_CHECK_EQ(ak_cookie(md, &caps[j].dst, &caps[j].src, 0),
		    0x8ac8a20aU);
		ak_client_init(&c, m.associd, NTP_MODE_CLIENT, NULL);
		ATF_CHECK_EQ(ak_client_cookie(&c, plain, 3), AK_ECKY);
		ATF_CHECK_EQ(ak_client_cookie(&c, plain, pl), AK_OK);
		ATF_CHECK_EQ(c.cookie, 0x8ac8a20aU);
		ATF_CHECK_EQ(ak_client_mac_cookie(&c, 0), 0x8ac8a20aU);
		ATF_CHECK_EQ(ak_client_mac_cookie(&c, 1), 0);
		ak_client_free(&c);
		/* a server with the reference's private value ... */
		ak_server_init(&s, md, 0, 0);
		s.priv = 0;
		ATF_CHECK_EQ(ak_server_cookie(&s, &caps[j].dst, &caps[j].src),
		    0x8ac8a20aU);
		/*
		 * ... and ours: a random value gives that cookie too once
		 * in 2^32 draws, so draw up to three more before calling it
		 * a failure (2^-128); a value stuck at 0 still fails.
		 */
		ak_server_init(&s, md, 0, 0);
		ATF_CHECK(s.priv != 0);
		for (k = 0; k < 3 && ak_server_cookie(&s, &caps[j].dst,
		    &caps[j].src) == 0x8ac8a20aU; k++)
			ak_server_init(&s, md, 0, 0);
		ATF_CHECK(ak_server_cookie(&s, &caps[j].dst, &caps[j].src) !=
		    0x8ac8a20aU);
		found++;
	}
	ATF_CHECK_EQ(found, 1);
	EVP_PKEY_free(key);
}

/* Broadcast key IDs chain back to the AUTO key (spec 4.5, 5.4). */
static void
check_chain(const atf_tc_t *tc, const char *name)
{
	const EVP_MD	*md = ak_digest(NULL);
	struct ak_chain	 ch;
	struct ak_msg	 m;
	uint32_t	 key = 0;
	int32_t		 seq;
	size_t		 j, n, nb = 0;

	memset(&ch, 0, sizeof(ch));
	n = akv_pcap(tc, name, caps, AKV_MAXCAP);
	for (j = 0; j < n; j++) {
		if (caps[j].pkt.mode != NTP_MODE_BROADCAST)
			continue;
		if (!ch.have) {
			ATF_REQUIRE(akv_msg(&caps[j], &m) && m.code ==
			    AK_AUTO);
			ATF_REQUIRE_EQ(ak_auto_value(&m, &key, &seq), AK_OK);
			ak_chain_set(&ch, key, seq);
		}
		ATF_CHECK_EQ_MSG(ak_chain_check(&ch, md, &caps[j].src,
		    &caps[j].dst, 0, caps[j].pkt.keyid), AK_OK, "%s #%zu",
		    name, j + 1);
		/* the same key ID again is a replay */
		ATF_CHECK_EQ(ak_chain_check(&ch, md, &caps[j].src,
		    &caps[j].dst, 0, caps[j].pkt.keyid), AK_EAUTH);
		nb++;
	}
	ATF_CHECK(nb >= 10);
	/* not on the chain */
	ATF_CHECK_EQ(ak_chain_check(&ch, md, &caps[0].src, &caps[0].dst, 0,
	    0x12345678U), AK_EAUTH);
	/* a unicast destination does not give the broadcast chain */
	ATF_CHECK(ak_next_id(md, &caps[0].src, &caps[0].src, key, 0) !=
	    ak_next_id(md, &caps[0].src, &caps[0].dst, key, 0));
}

ATF_TC_WITHOUT_HEAD(broadcast_chain);
ATF_TC_BODY(broadcast_chain, tc)
{
	check_chain(tc, "broadcast-iff");
	check_chain(tc, "multicast-iff");
}

/*
 * Replay a capture through our client: it must build the very requests
 * the reference client sent (with the captured challenge, and the
 * keyd-signed values of the capture), with the same MACs, and end with
 * the flags ntpq showed.
 */
static uint32_t
replay_client(const atf_tc_t *tc, const char *name,
    const struct akv_keys *ks, const struct ak_group *g, int volley,
    size_t skip)
{
	const EVP_MD	*md = ak_digest(NULL);
	static uint8_t	 certder[4096], pub[1024];
	uint8_t		 out[NTP_MAXPKT], plain[64];
	struct ak_client c;
	struct ak_host	 h;
	struct ak_msg	 m;
	struct ak_todo	 todo;
	EVP_PKEY	*key;
	struct akv_cap	*p;
	enum ak_err	 r;
	size_t		 j, n, off, len, pl;
	uint32_t	 client = 0, flags;
	int		 code, started = !volley;

	key = host_key(tc, ks);
	memset(&h, 0, sizeof(h));
	strlcpy(h.name, "beta.test", sizeof(h.name));
	h.status = 0x00080001U;
	h.modlen = (size_t)EVP_PKEY_get_size(key);
	ATF_REQUIRE(ak_rsa_pubkey_der(key, pub, sizeof(pub), &len) == 0);
	h.pubkey.val = pub;
	h.pubkey.vallen = len;
	h.pubkey.fstamp = 0;
	n = akv_pcap(tc, name, caps, AKV_MAXCAP);
	ak_client_init(&c, 0, NTP_MODE_CLIENT, g);
	for (j = 0; j < n; j++)
		if (caps[j].pkt.mode == NTP_MODE_CLIENT && akv_msg(&caps[j],
		    &m)) {
			memcpy(&client, caps[j].src.addr, 4);
			c.associd = m.associd;
			break;
		}
	ATF_REQUIRE(client != 0);
	c.volley = volley;

	for (j = 0; j < n; j++) {
		p = &caps[j];
		if (skip != 0 && (j + 1 == skip || j == skip))
			continue;	/* this exchange is "lost" */
		if (p->pkt.mode == NTP_MODE_BROADCAST) {
			/* the first broadcast ASSOC starts a volley */
			if (started || !akv_msg(p, &m) || m.code != AK_ASSOC)
				continue;
			started = 1;
		}
		if (p->pkt.mode == NTP_MODE_CLIENT) {
			off = NTP_HDRLEN;
			memcpy(out, p->data, NTP_HDRLEN);
			if (akv_msg(p, &m)) {
				if (m.code >= AK_IFF)
					ak_client_set_challenge(&c, m.val,
					    m.vallen);
				if (m.code == AK_COOK) {
					h.pubkey.fstamp = m.fstamp;
					ATF_CHECK(m.vallen == h.pubkey.vallen &&
					    memcmp(m.val, pub, m.vallen) == 0);
				}
				if (m.code == AK_SIGN) {
					/* keyd's signed certificate */
					h.synced = 1;
					len = akv_certder(tc, ks->sub,
					    ks->cert, certder,
					    sizeof(certder));
					ATF_CHECK(len == m.vallen && memcmp(
					    certder, m.val, len) == 0);
					h.cert.val = certder;
					h.cert.vallen = len;
					h.cert.tstamp = m.tstamp;
					h.cert.fstamp = m.fstamp;
					h.cert.sig = m.sig;
					h.cert.siglen = m.siglen;
				}
			}
			code = ak_client_request(&c, &h, out, sizeof(out),
			    &off);
			ATF_CHECK_EQ_MSG(code, p->pkt.extlen > 0 ? m.code : 0,
			    "%s #%zu: we send %s", name, j + 1,
			    ak_codename(code));
			len = ak_mac_append(md, &p->src, &p->dst,
			    p->pkt.keyid, ak_client_mac_cookie(&c, off >
			    NTP_HDRLEN), out, sizeof(out), off);
			ATF_CHECK_MSG(len == p->len && memcmp(out, p->data,
			    len) == 0, "%s #%zu: packet differs", name,
			    j + 1);
			continue;
		}
		if (!started)
			continue;
		r = ak_client_recv_ext(&c, &h, &p->pkt, &todo);
		ATF_CHECK_MSG(r == AK_OK || (r == AK_EIGNORE &&
		    p->pkt.extlen == 0), "%s #%zu: %s", name, j + 1,
		    ak_strerror(r));
		if (todo.kind == AK_TODO_DECRYPT) {
			pl = decrypt(key, todo.val, todo.vallen, plain,
			    sizeof(plain));
			ATF_CHECK_EQ(ak_client_cookie(&c, plain, pl), AK_OK);
		}
	}
	flags = c.flags;
	ATF_CHECK(ak_client_proven(&c));
	ak_client_free(&c);
	EVP_PKEY_free(key);
	return flags;
}

ATF_TC_WITHOUT_HEAD(client_replay_iff);
ATF_TC_BODY(client_replay_iff, tc)
{
	struct ident_iff iff;
	struct ak_group	 g;

	load_iffpar(tc, &iff);
	memset(&g, 0, sizeof(g));
	strlcpy(g.name, "alpha.test", sizeof(g.name));
	g.iff = &iff;
	g.iff_fs = 4004649424U;
	/* the ntpq view of the reference client: 0x83f23, then 0x87f23 */
	ATF_CHECK_EQ(replay_client(tc, "iff-unicast", &iffkeys, &g, 0, 0),
	    0x83f23U);
	ATF_CHECK_EQ(replay_client(tc, "unicast-iff-leapfile", &iffkeys, &g,
	    0, 0), 0x87f23U);
	ATF_CHECK_EQ(replay_client(tc, "broadcast-iff", &iffkeys, &g, 1,
	    0), 0x87f23U);
	ATF_CHECK_EQ(replay_client(tc, "multicast-iff", &iffkeys, &g, 1,
	    0), 0x87f23U);
	ident_iff_free(&iff);
}

ATF_TC_WITHOUT_HEAD(client_replay_mv);
ATF_TC_BODY(client_replay_mv, tc)
{
	struct ident_mv_client mv;
	struct keyfile	 kf;
	struct ak_group	 g;
	char		 err[256];

	akv_keyfile(tc, "mv-traditional/client",
	    "ntpkey_mvpar_alpha.test.4004651491", NULL, &kf);
	ATF_REQUIRE_MSG(ident_mv_load_client(&kf, &mv, err, sizeof(err)) ==
	    0, "%s", err);
	memset(&g, 0, sizeof(g));
	g.mv = &mv;
	g.mv_fs = kf.fstamp;
	keyfile_free(&kf);
	/*
	 * Our client verifies the first answer (see mv_proofs) where the
	 * reference asked again: replay as if that first exchange (#5, #6)
	 * had been lost.
	 */
	ATF_CHECK_EQ(replay_client(tc, "unicast-mv-traditional", &mvkeys, &g, 0,
	    5), 0x87f83U);
	ident_mv_client_free(&mv);
}

/*
 * The no-ident capture: the server advertises IFF.  The reference client
 * without "ident" skipped identity and showed "ok"; ours, without the
 * group key, stops short of VRFY and says why (spec 7.1, issue 6).
 */
ATF_TC_WITHOUT_HEAD(client_no_group_key);
ATF_TC_BODY(client_no_group_key, tc)
{
	struct ak_client c;
	struct ak_host	 h;
	struct ak_msg	 m;
	struct ak_todo	 todo;
	uint8_t		 out[NTP_MAXPKT];
	size_t		 j, n, off;

	memset(&h, 0, sizeof(h));
	strlcpy(h.name, "beta.test", sizeof(h.name));
	h.status = 0x00080001U;
	ak_client_init(&c, 0, NTP_MODE_CLIENT, NULL);
	n = akv_pcap(tc, "iff-unicast-NO-IDENT-skips-iff", caps, AKV_MAXCAP);
	for (j = 0; j < n; j++) {
		if (caps[j].pkt.mode != NTP_MODE_SERVER || !akv_msg(&caps[j],
		    &m))
			continue;
		if (m.code != AK_ASSOC && m.code != AK_CERT)
			continue;
		c.associd = m.associd;
		ATF_CHECK_EQ(ak_client_recv_ext(&c, &h, &caps[j].pkt, &todo),
		    AK_OK);
	}
	ATF_CHECK_EQ(c.flags, 0x81123U);	/* CERT, no VRFY */
	off = NTP_HDRLEN;
	ATF_CHECK_EQ(ak_client_request(&c, &h, out, sizeof(out), &off), 0);
	ATF_CHECK(ak_client_needs_ident(&c));
	ATF_CHECK_EQ(c.last_err, AK_EID);
	ATF_CHECK(strstr(c.reason, "no group key") != NULL);
	ATF_CHECK(!ak_client_proven(&c));
	ak_client_free(&c);
}

/*
 * Our server, given the requests of iff-unicast and the keyd answers of
 * the capture, builds the very responses (and MACs) the reference sent.
 */
ATF_TC_WITHOUT_HEAD(server_replay_iff);
ATF_TC_BODY(server_replay_iff, tc)
{
	const EVP_MD	*md = ak_digest(NULL);
	uint8_t		 out[NTP_MAXPKT], plain[64];
	struct ak_server s;
	struct ak_srvhost sh;
	struct ak_srvcert sc;
	struct ak_job	 job;
	struct ak_msg	 req, rsp;
	struct akv_cap	*rq, *rp;
	EVP_PKEY	*ckey;
	enum ak_err	 r;
	size_t		 j, n, off, len, pl, nsame = 0;
	uint32_t	 cookie;

	ckey = host_key(tc, &iffkeys);
	ak_server_init(&s, md, 0, 0);
	s.priv = 0;			/* the reference's value, to compare */
	memset(&sh, 0, sizeof(sh));
	sh.host = "alpha.test";
	sh.status = 0x00080023U;
	sh.hostval_ts = 4004650370U;
	sh.synced = 1;
	sh.cert_valid = 1;
	memset(&sc, 0, sizeof(sc));
	sc.subject = "alpha.test";
	sc.trusted = sc.selfsigned = 1;
	sh.certs = &sc;
	sh.ncerts = 1;
	n = akv_pcap(tc, "iff-unicast", caps, AKV_MAXCAP);
	for (j = 0; j + 1 < n; j += 2) {
		rq = &caps[j];
		rp = &caps[j + 1];
		ATF_REQUIRE_EQ(ak_server_mac_verify(&s, &rq->src, &rq->dst,
		    rq->data, &rq->pkt, &cookie), AK_OK);
		memcpy(out, rp->data, NTP_HDRLEN);
		off = NTP_HDRLEN;
		if (akv_msg(rp, &rsp)) {
			ATF_REQUIRE(akv_msg(rq, &req));
			ATF_CHECK_EQ(cookie, 0);
			sh.now = rsp.tstamp;
			if (rsp.code == AK_CERT) {
				/* signed by keyd at the last update */
				sc.value.val = rsp.val;
				sc.value.vallen = rsp.vallen;
				sc.value.tstamp = rsp.tstamp;
				sc.value.fstamp = rsp.fstamp;
				sc.value.sig = rsp.sig;
				sc.value.siglen = rsp.siglen;
			}
			r = ak_server_respond(&s, &sh, &rq->pkt, &rq->src,
			    &rq->dst, out, sizeof(out), &off, &job);
			ATF_REQUIRE_EQ_MSG(r, AK_OK, "#%zu: %s", j + 1,
			    ak_strerror(r));
			switch (req.code) {
			case AK_ASSOC:
			case AK_CERT:
				ATF_CHECK_EQ(job.kind, AK_JOB_NONE);
				break;
			case AK_COOK:
				ATF_REQUIRE_EQ(job.kind, AK_JOB_COOKIE);
				ATF_CHECK(job.tstamp == rsp.tstamp &&
				    job.fstamp == rsp.fstamp);
				ATF_CHECK_EQ(ntp_get32(job.cookie),
				    0x8ac8a20aU);
				ATF_CHECK(job.vallen == req.vallen &&
				    memcmp(job.val, req.val, req.vallen) == 0);
				/* what keyd does; OAEP is randomized */
				ATF_REQUIRE(ak_cookie_encrypt(ckey,
				    ntp_get32(job.cookie), plain, sizeof(plain),
				    &pl) == 0 && pl == 64);
				pl = decrypt(ckey, plain, pl, plain,
				    sizeof(plain));
				ATF_CHECK(pl == 4 && ntp_get32(plain) ==
				    0x8ac8a20aU);
				break;
			case AK_IFF:
				ATF_REQUIRE_EQ(job.kind, AK_JOB_IDENT);
				ATF_CHECK(job.vallen == req.vallen &&
				    memcmp(job.val, req.val, req.vallen) == 0);
				break;
			case AK_SIGN:
				ATF_REQUIRE_EQ(job.kind, AK_JOB_CERTSIGN);
				ATF_CHECK(job.vallen == req.vallen &&
				    memcmp(job.val, req.val, req.vallen) == 0);
				ATF_CHECK_EQ(job.fstamp, req.fstamp);
				break;
			}
			if (job.kind != AK_JOB_NONE)
				off = ak_server_finish(&job, rsp.val,
				    rsp.vallen, rsp.fstamp, rsp.sig,
				    rsp.siglen, out, sizeof(out), off);
		} else
			ATF_CHECK_EQ(cookie, 0x8ac8a20aU);
		len = ak_mac_append(md, &rp->src, &rp->dst, rq->pkt.keyid,
		    cookie, out, sizeof(out), off);
		ATF_CHECK_MSG(len == rp->len && memcmp(out, rp->data, len) ==
		    0, "reply #%zu differs", j + 2);
		nsame++;
	}
	ATF_CHECK_EQ(nsame, 9);
	EVP_PKEY_free(ckey);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, decode_all_fields);
	ATF_TP_ADD_TC(tp, macs);
	ATF_TP_ADD_TC(tp, reply_keyid);
	ATF_TP_ADD_TC(tp, signatures);
	ATF_TP_ADD_TC(tp, iff_proofs);
	ATF_TP_ADD_TC(tp, mv_proofs);
	ATF_TP_ADD_TC(tp, gq_reference_rejected);
	ATF_TP_ADD_TC(tp, cookie);
	ATF_TP_ADD_TC(tp, broadcast_chain);
	ATF_TP_ADD_TC(tp, client_replay_iff);
	ATF_TP_ADD_TC(tp, client_replay_mv);
	ATF_TP_ADD_TC(tp, client_no_group_key);
	ATF_TP_ADD_TC(tp, server_replay_iff);
	return atf_no_error();
}
