/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * keyd's request handlers.  Each checks its request completely before
 * touching a key: the framing (the lengths in the struct against the
 * payload: a mismatch is a protocol violation), then what the request
 * asks for (kind, lengths against the loaded keys, timestamps), then the
 * rate limit, and only then the private-key operation.  keyd signs only
 * Autokey values whose shape it can check (spec autokey.md 6.1, 6.2).
 * The private key or identity secret an operation needs comes out of the
 * vault just before it and goes back (cleared) right after.
 */

#include <sys/types.h>

#include <arpa/inet.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "keyd_ops.h"
#include "keyfile.h"

#define KEYD_NTP_UNIX		2208988800UL
#define KEYD_SIGN_DAYS		365	/* SIGN: issued certificate lifetime */
#define KEYD_MINRSABITS		512
#define KEYD_MAXRSABITS		8192

static time_t
keyd_now(const struct keyd_ctx *c)
{
	return (c->fake_now ? c->fake_now : time(NULL));
}

static double
keyd_mono(const struct keyd_ctx *c)
{
	struct timespec	 ts;

	if (c->fake_mono != 0)
		return (c->fake_mono);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + ts.tv_nsec / 1e9);
}

uint32_t
keyd_ntpnow(const struct keyd_ctx *c)
{
	return ((uint32_t)((uint64_t)keyd_now(c) + KEYD_NTP_UNIX));
}

/*
 * A timestamp keyd signs must be non-zero (unsynchronised hosts do not
 * sign), within KEYD_TS_WINDOW of keyd's own clock, and not older than
 * the filestamp that goes with it (spec 6.3 step 6 would reject it).
 */
int
keyd_check_time(const struct keyd_ctx *c, uint32_t ts, uint32_t fs)
{
	int64_t	 d;

	if (ts == 0)
		return (KEYD_ERR_TIME);
	d = (int64_t)(int32_t)(ts - keyd_ntpnow(c));
	if (d > KEYD_TS_WINDOW || d < -KEYD_TS_WINDOW)
		return (KEYD_ERR_TIME);
	if (fs > ts)
		return (KEYD_ERR_TIME);
	return (0);
}

/* Token bucket: 0 when a token was taken, KEYD_ERR_RATE otherwise. */
int
keyd_rate(struct keyd_ctx *c, enum keyd_op op)
{
	struct keyd_bucket	*b = &c->bucket[op];
	double			 now = keyd_mono(c);

	if (b->last != 0 && now > b->last) {
		b->tokens += (now - b->last) * b->rate;
		if (b->tokens > b->burst)
			b->tokens = b->burst;
	}
	b->last = now;
	if (b->tokens < 1)
		return (KEYD_ERR_RATE);
	b->tokens -= 1;
	return (0);
}

/*
 * Sign timestamp || filestamp || vallen || value (network order) with
 * key (the sign key, from the vault) and our certificate's digest.
 */
int
keyd_sign_bytes(const struct keyd_ctx *c, EVP_PKEY *key, uint32_t ts,
    uint32_t fs, const uint8_t *val, size_t vallen, uint8_t *sig, size_t cap,
    size_t *siglen)
{
	EVP_MD_CTX	*m;
	uint32_t	 hdr[3];
	size_t		 n;
	int		 rv = -1;

	if (key == NULL || c->md == NULL || vallen > UINT32_MAX)
		return (-1);
	hdr[0] = htonl(ts);
	hdr[1] = htonl(fs);
	hdr[2] = htonl((uint32_t)vallen);
	if ((m = EVP_MD_CTX_new()) == NULL)
		return (-1);
	if (EVP_DigestSignInit(m, NULL, c->md, NULL, key) == 1 &&
	    EVP_DigestSignUpdate(m, hdr, sizeof(hdr)) == 1 &&
	    EVP_DigestSignUpdate(m, val, vallen) == 1 &&
	    EVP_DigestSignFinal(m, NULL, &n) == 1 && n <= cap &&
	    EVP_DigestSignFinal(m, sig, &n) == 1) {
		*siglen = n;
		rv = 0;
	}
	EVP_MD_CTX_free(m);
	return (rv);
}

/* A signed value into out: ipc_keyd_value + value + signature. */
static int
keyd_out_value(const struct keyd_ctx *c, EVP_PKEY *key, struct keyd_out *out,
    uint32_t ts, uint32_t fs, const uint8_t *val, size_t vallen)
{
	struct ipc_keyd_value	 v;
	uint8_t			 sig[KEYD_MAXSIG];
	size_t			 siglen;

	if (vallen == 0 || vallen > KEYD_MAXVAL)
		return (KEYD_ERR_LENGTH);
	if (keyd_sign_bytes(c, key, ts, fs, val, vallen, sig, sizeof(sig),
	    &siglen) == -1)
		return (KEYD_ERR_CRYPTO);
	if (sizeof(v) + vallen + siglen > KEYD_OUTMAX)
		return (KEYD_ERR_LENGTH);
	v.tstamp = ts;
	v.fstamp = fs;
	v.vallen = (uint32_t)vallen;
	v.siglen = (uint32_t)siglen;
	memmove(out->buf + sizeof(v), val, vallen);
	memcpy(out->buf, &v, sizeof(v));
	memcpy(out->buf + sizeof(v) + vallen, sig, siglen);
	out->len = sizeof(v) + vallen + siglen;
	out->type = IMSG_KEYD_VALUE;
	return (0);
}

void
keyd_fill_certinfo(const struct cert_info *ci, uint32_t fs, size_t derlen,
    time_t now, struct ipc_keyd_certinfo *o)
{
	memset(o, 0, sizeof(*o));
	strlcpy(o->subject, ci->subject, sizeof(o->subject));
	strlcpy(o->issuer, ci->issuer, sizeof(o->issuer));
	o->notbefore = (int64_t)ci->notbefore;
	o->notafter = (int64_t)ci->notafter;
	o->serial = ci->serial;
	o->fstamp = fs;
	o->signid = ci->signid;
	o->derlen = (uint32_t)derlen;
	if (ci->mark == CERT_MARK_TRUST)
		o->flags |= KEYD_CERT_TRUST;
	if (ci->mark == CERT_MARK_PRIVATE)
		o->flags |= KEYD_CERT_PRIV;
	if (ci->selfsigned)
		o->flags |= KEYD_CERT_SELF;
	if (ci->notbefore <= now && now <= ci->notafter)
		o->flags |= KEYD_CERT_VALIDNOW;
}

/* IMSG_KEYD_GET_PUBLIC: no payload. */
int
keyd_op_public(struct keyd_ctx *c, const uint8_t *req, size_t len,
    struct keyd_out *out)
{
	if (len != 0)
		return (-1);
	if (!c->crypto)
		return (KEYD_ERR_NOCRYPTO);
	if (sizeof(c->pub) + c->hostpublen > KEYD_OUTMAX)
		return (KEYD_ERR_LENGTH);
	memcpy(out->buf, &c->pub, sizeof(c->pub));
	memcpy(out->buf + sizeof(c->pub), c->hostpub, c->hostpublen);
	out->len = sizeof(c->pub) + c->hostpublen;
	out->type = IMSG_KEYD_PUBLIC;
	return (0);
}

static int
keyd_get_index(const uint8_t *req, size_t len, uint32_t *idx)
{
	struct ipc_keyd_index	 i;

	if (len != sizeof(i))
		return (-1);
	memcpy(&i, req, sizeof(i));
	*idx = i.index;
	return (0);
}

/* IMSG_KEYD_GET_CERT: our certificate(s) with what ntpctl shows. */
int
keyd_op_cert(struct keyd_ctx *c, const uint8_t *req, size_t len,
    struct keyd_out *out)
{
	struct ipc_keyd_certinfo ci;
	uint32_t		 idx;

	if (keyd_get_index(req, len, &idx) == -1)
		return (-1);
	if (!c->crypto)
		return (KEYD_ERR_NOCRYPTO);
	if (idx >= c->pub.ncerts)
		return (KEYD_ERR_NOENT);
	keyd_fill_certinfo(&c->certinfo, c->pub.cert_fs, c->certderlen,
	    keyd_now(c), &ci);
	if (sizeof(ci) + c->certderlen > KEYD_OUTMAX)
		return (KEYD_ERR_LENGTH);
	memcpy(out->buf, &ci, sizeof(ci));
	memcpy(out->buf + sizeof(ci), c->certder, c->certderlen);
	out->len = sizeof(ci) + c->certderlen;
	out->type = IMSG_KEYD_CERT;
	return (0);
}

/* IMSG_KEYD_GET_GROUP: client parameters found in keysdir. */
int
keyd_op_group(struct keyd_ctx *c, const uint8_t *req, size_t len,
    struct keyd_out *out)
{
	const struct keyd_group	*g;
	uint32_t		 idx;

	if (keyd_get_index(req, len, &idx) == -1)
		return (-1);
	if (!c->crypto)
		return (KEYD_ERR_NOCRYPTO);
	if (idx >= c->ngroups)
		return (KEYD_ERR_NOENT);
	g = &c->groups[idx];
	if (sizeof(g->info) + g->info.paramlen > KEYD_OUTMAX)
		return (KEYD_ERR_LENGTH);
	memcpy(out->buf, &g->info, sizeof(g->info));
	memcpy(out->buf + sizeof(g->info), g->params, g->info.paramlen);
	out->len = sizeof(g->info) + g->info.paramlen;
	out->type = IMSG_KEYD_GROUP;
	return (0);
}

static int
keyd_group_chlen(const struct keyd_ctx *c, uint32_t scheme, size_t vallen)
{
	size_t	 i;
	int	 any = 0;

	for (i = 0; i < c->ngroups; i++) {
		if (c->groups[i].info.scheme != scheme)
			continue;
		any = 1;
		if (c->groups[i].info.chlen == vallen)
			return (0);
	}
	return (any ? KEYD_ERR_LENGTH : KEYD_ERR_NOKEY);
}

/*
 * Is this a value Autokey signs, of the right shape?  0 or KEYD_ERR_*.
 * The opcode is EF word 0 with the length bits zero.
 */
int
keyd_signable(const struct keyd_ctx *c, uint32_t opcode, const uint8_t *val,
    size_t vallen)
{
	struct cert_info	 ci;
	char			 why[256];

	switch (opcode) {
	case 0x82020000:	/* CERT response: a certificate */
		if (cert_parse(val, vallen, &ci, why, sizeof(why)) == -1)
			return (KEYD_ERR_VALUE);
		return (0);
	case 0x02030000:	/* COOK request: our host public key */
		if (vallen != c->hostpublen ||
		    memcmp(val, c->hostpub, vallen) != 0)
			return (KEYD_ERR_VALUE);
		return (0);
	case 0x82040000:	/* AUTO response: key, seq */
		return (vallen == 8 ? 0 : KEYD_ERR_LENGTH);
	case 0x82050000:	/* LEAP response: tai, epoch, expire */
		return (vallen == 12 ? 0 : KEYD_ERR_LENGTH);
	case 0x02060000:	/* SIGN request: our own certificate */
		if (vallen != c->certderlen ||
		    memcmp(val, c->certder, vallen) != 0)
			return (KEYD_ERR_VALUE);
		return (0);
	case 0x02070000:	/* IFF, GQ, MV requests: a challenge */
		return (keyd_group_chlen(c, KEYD_SCHEME_IFF, vallen));
	case 0x02080000:
		return (keyd_group_chlen(c, KEYD_SCHEME_GQ, vallen));
	case 0x02090000:
		return (keyd_group_chlen(c, KEYD_SCHEME_MV, vallen));
	default:
		return (KEYD_ERR_KIND);
	}
}

/* IMSG_KEYD_SIGN: ipc_keyd_sign + value; answer the signature. */
int
keyd_op_sign(struct keyd_ctx *c, const uint8_t *req, size_t len,
    struct keyd_out *out)
{
	struct ipc_keyd_sign	 s;
	struct ipc_keyd_sig	 r;
	EVP_PKEY		*key;
	const uint8_t		*val;
	size_t			 siglen;
	int			 e;

	if (len < sizeof(s))
		return (-1);
	memcpy(&s, req, sizeof(s));
	if (s.vallen != len - sizeof(s))
		return (-1);
	val = req + sizeof(s);
	if (!c->crypto)
		return (KEYD_ERR_NOCRYPTO);
	if (s.vallen == 0 || s.vallen > KEYD_MAXVAL)
		return (KEYD_ERR_LENGTH);
	if ((e = keyd_signable(c, s.opcode, val, s.vallen)) != 0 ||
	    (e = keyd_check_time(c, s.tstamp, s.fstamp)) != 0 ||
	    (e = keyd_rate(c, KEYD_OP_SIGN)) != 0)
		return (e);
	if ((key = vault_signkey(&c->vault)) == NULL)
		return (KEYD_ERR_CRYPTO);
	e = keyd_sign_bytes(c, key, s.tstamp, s.fstamp, val, s.vallen,
	    out->buf + sizeof(r), KEYD_OUTMAX - sizeof(r), &siglen);
	vault_put(key);
	if (e == -1)
		return (KEYD_ERR_CRYPTO);
	r.siglen = (uint32_t)siglen;
	memcpy(out->buf, &r, sizeof(r));
	out->len = sizeof(r) + siglen;
	out->type = IMSG_KEYD_SIGNATURE;
	return (0);
}

/* IMSG_KEYD_IDENT: ipc_keyd_ident + challenge; a signed response. */
int
keyd_op_ident(struct keyd_ctx *c, const uint8_t *req, size_t len,
    struct keyd_out *out)
{
	struct ipc_keyd_ident	 s;
	struct ident_iff	 iff;
	struct ident_gq		 gq;
	struct ident_mv_server	 mv;
	enum vault_slot		 slot;
	EVP_PKEY		*key;
	BIGNUM			*secret;
	const uint8_t		*ch;
	uint8_t			*resp = NULL;
	size_t			 resplen = 0, modlen;
	uint32_t		 fs;
	int			 e, r;

	if (len < sizeof(s))
		return (-1);
	memcpy(&s, req, sizeof(s));
	if (s.chlen != len - sizeof(s))
		return (-1);
	ch = req + sizeof(s);
	if (!c->crypto)
		return (KEYD_ERR_NOCRYPTO);
	switch (s.scheme) {
	case KEYD_SCHEME_IFF:
		if (!c->have_iff)
			return (KEYD_ERR_NOKEY);
		modlen = ident_iff_challenge_len(&c->iff);
		fs = c->pub.iff_fs;
		slot = VAULT_IFF;
		break;
	case KEYD_SCHEME_GQ:
		if (!c->have_gq)
			return (KEYD_ERR_NOKEY);
		modlen = ident_gq_challenge_len(&c->gq);
		fs = c->pub.gq_fs;
		slot = VAULT_GQ;
		break;
	case KEYD_SCHEME_MV:
		if (!c->have_mv)
			return (KEYD_ERR_NOKEY);
		modlen = (size_t)BN_num_bytes(c->mv.p);
		fs = c->pub.mv_fs;
		slot = VAULT_MV;
		break;
	default:
		return (KEYD_ERR_KIND);
	}
	if (s.chlen != modlen)
		return (KEYD_ERR_LENGTH);
	if ((e = keyd_check_time(c, s.tstamp, fs)) != 0 ||
	    (e = keyd_rate(c, KEYD_OP_IDENT)) != 0)
		return (e);
	/* The public parameters with the secret from the vault. */
	if ((secret = vault_secret(&c->vault, slot)) == NULL)
		return (KEYD_ERR_CRYPTO);
	switch (slot) {
	case VAULT_IFF:
		iff = c->iff;
		iff.b = secret;
		r = ident_iff_respond(&iff, ch, s.chlen, &resp, &resplen);
		break;
	case VAULT_GQ:
		gq = c->gq;
		gq.u = secret;
		r = ident_gq_respond(&gq, ch, s.chlen, &resp, &resplen);
		break;
	default:
		mv = c->mv;
		mv.gbar = secret;
		r = ident_mv_respond(&mv, ch, s.chlen, &resp, &resplen);
		break;
	}
	vault_put_bn(secret);
	if (r == -1) {
		free(resp);
		return (KEYD_ERR_CRYPTO);
	}
	if ((key = vault_signkey(&c->vault)) == NULL)
		e = KEYD_ERR_CRYPTO;
	else
		e = keyd_out_value(c, key, out, s.tstamp, fs, resp, resplen);
	vault_put(key);
	free(resp);
	return (e);
}

/* An RSAPublicKey DER that is exactly that and of a sane size. */
static EVP_PKEY *
keyd_parse_rsapub(const uint8_t *der, size_t len)
{
	const unsigned char	*p = der;
	EVP_PKEY		*k;
	int			 bits;

	if (len == 0 || len > KEYD_MAXKEYDER)
		return (NULL);
	if ((k = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)len)) == NULL)
		return (NULL);
	bits = EVP_PKEY_get_bits(k);
	if (p != der + len || bits < KEYD_MINRSABITS ||
	    bits > KEYD_MAXRSABITS) {
		EVP_PKEY_free(k);
		return (NULL);
	}
	return (k);
}

/* IMSG_KEYD_COOKIE_ENC: OAEP-encrypt the cookie and sign (COOK rsp). */
int
keyd_op_cookie_enc(struct keyd_ctx *c, const uint8_t *req, size_t len,
    struct keyd_out *out)
{
	struct ipc_keyd_cookie_enc s;
	EVP_PKEY		*k = NULL, *key = NULL;
	EVP_PKEY_CTX		*pc = NULL;
	uint8_t			 ct[KEYD_MAXRSABITS / 8];
	size_t			 ctlen = sizeof(ct);
	int			 e;

	if (len < sizeof(s))
		return (-1);
	memcpy(&s, req, sizeof(s));
	if (s.keylen != len - sizeof(s))
		return (-1);
	if (!c->crypto)
		return (KEYD_ERR_NOCRYPTO);
	if (s.keylen == 0 || s.keylen > KEYD_MAXKEYDER)
		return (KEYD_ERR_LENGTH);
	if ((e = keyd_check_time(c, s.tstamp, s.fstamp)) != 0)
		goto done;
	if ((k = keyd_parse_rsapub(req + sizeof(s), s.keylen)) == NULL) {
		e = KEYD_ERR_VALUE;
		goto done;
	}
	if ((e = keyd_rate(c, KEYD_OP_COOKIE_ENC)) != 0)
		goto done;
	if ((pc = EVP_PKEY_CTX_new(k, NULL)) == NULL ||
	    EVP_PKEY_encrypt_init(pc) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_OAEP_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_oaep_md(pc, EVP_sha1()) != 1 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(pc, EVP_sha1()) != 1 ||
	    EVP_PKEY_encrypt(pc, ct, &ctlen, s.cookie, 4) != 1) {
		e = KEYD_ERR_CRYPTO;
		goto done;
	}
	if ((key = vault_signkey(&c->vault)) == NULL)
		e = KEYD_ERR_CRYPTO;
	else
		e = keyd_out_value(c, key, out, s.tstamp, s.fstamp, ct, ctlen);
 done:
	OPENSSL_cleanse(&s, sizeof(s));
	EVP_PKEY_CTX_free(pc);
	EVP_PKEY_free(k);
	vault_put(key);
	return (e);
}

/* IMSG_KEYD_COOKIE_DEC: OAEP-decrypt with the host key; 4 bytes. */
int
keyd_op_cookie_dec(struct keyd_ctx *c, const uint8_t *req, size_t len,
    struct keyd_out *out)
{
	struct ipc_keyd_cookie_dec s;
	struct ipc_keyd_cookie	 ck;
	EVP_PKEY		*key;
	EVP_PKEY_CTX		*pc = NULL;
	uint8_t			*pt;
	size_t			 ptlen;
	int			 e;

	if (len < sizeof(s))
		return (-1);
	memcpy(&s, req, sizeof(s));
	if (s.ctlen != len - sizeof(s))
		return (-1);
	if (!c->crypto)
		return (KEYD_ERR_NOCRYPTO);
	if (s.ctlen != c->pub.modlen)
		return (KEYD_ERR_LENGTH);
	if ((e = keyd_rate(c, KEYD_OP_COOKIE_DEC)) != 0)
		return (e);
	if ((key = vault_hostkey(&c->vault)) == NULL)
		return (KEYD_ERR_CRYPTO);
	/* Plaintext into the caller's (secure) reply buffer, after room. */
	pt = out->buf + sizeof(ck);
	ptlen = KEYD_OUTMAX - sizeof(ck);
	if ((pc = EVP_PKEY_CTX_new(key, NULL)) == NULL ||
	    EVP_PKEY_decrypt_init(pc) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_OAEP_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_oaep_md(pc, EVP_sha1()) != 1 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(pc, EVP_sha1()) != 1 ||
	    EVP_PKEY_decrypt(pc, pt, &ptlen, req + sizeof(s), s.ctlen) != 1)
		e = KEYD_ERR_VALUE;	/* a bad ciphertext, not a bug */
	else if (ptlen != sizeof(ck.cookie))
		e = KEYD_ERR_VALUE;
	else {
		memcpy(out->buf, pt, sizeof(ck.cookie));
		out->len = sizeof(ck);
		out->type = IMSG_KEYD_COOKIE;
	}
	OPENSSL_cleanse(pt, ptlen < KEYD_OUTMAX - sizeof(ck) ? ptlen :
	    KEYD_OUTMAX - sizeof(ck));
	EVP_PKEY_CTX_free(pc);
	vault_put(key);
	return (e);
}

/* The new certificate of a SIGN response (spec 8.2). */
static X509 *
keyd_issue(const struct keyd_ctx *c, EVP_PKEY *key, X509 *req)
{
	X509		*n;
	X509_NAME	*iss = NULL;
	ASN1_INTEGER	*serial = NULL;
	time_t		 now = keyd_now(c);
	int		 i, ok = 0;

	if ((n = X509_new()) == NULL)
		return (NULL);
	if ((iss = X509_NAME_new()) == NULL ||
	    !X509_NAME_add_entry_by_txt(iss, "CN", MBSTRING_UTF8,
	    (const unsigned char *)c->certinfo.subject, -1, -1, 0) ||
	    (serial = ASN1_INTEGER_new()) == NULL ||
	    !ASN1_INTEGER_set_uint64(serial, keyd_ntpnow(c)) ||
	    !X509_set_version(n, X509_get_version(req)) ||
	    !X509_set_serialNumber(n, serial) ||
	    !X509_set_issuer_name(n, iss) ||
	    !X509_set_subject_name(n, X509_get_subject_name(req)) ||
	    X509_time_adj_ex(X509_getm_notBefore(n), 0, 0, &now) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(n), KEYD_SIGN_DAYS, 0,
	    &now) == NULL ||
	    !X509_set_pubkey(n, X509_get0_pubkey(req)))
		goto done;
	for (i = 0; i < X509_get_ext_count(req); i++)
		if (!X509_add_ext(n, X509_get_ext(req, i), -1))
			goto done;
	if (X509_sign(n, key, c->md) <= 0 || X509_verify(n, key) != 1)
		goto done;
	ok = 1;
 done:
	X509_NAME_free(iss);
	ASN1_INTEGER_free(serial);
	if (!ok) {
		X509_free(n);
		n = NULL;
	}
	return (n);
}

/* IMSG_KEYD_CERT_SIGN: sign a client's self-signed certificate. */
int
keyd_op_cert_sign(struct keyd_ctx *c, const uint8_t *req, size_t len,
    struct keyd_out *out)
{
	struct ipc_keyd_cert_sign s;
	struct cert_info	 ci;
	const unsigned char	*p;
	unsigned char		*der = NULL;
	X509			*x = NULL, *n = NULL;
	EVP_PKEY		*key = NULL;
	time_t			 now = keyd_now(c);
	char			 why[256];
	int			 e, derlen;

	if (len < sizeof(s))
		return (-1);
	memcpy(&s, req, sizeof(s));
	if (s.certlen != len - sizeof(s))
		return (-1);
	if (!c->crypto)
		return (KEYD_ERR_NOCRYPTO);
	if (s.certlen == 0 || s.certlen > KEYD_MAXVAL)
		return (KEYD_ERR_LENGTH);
	if ((e = keyd_check_time(c, s.tstamp, s.fstamp)) != 0)
		return (e);
	if (c->certinfo.notbefore > now || c->certinfo.notafter < now)
		return (KEYD_ERR_EXPIRED);
	p = req + sizeof(s);
	if (cert_parse(p, s.certlen, &ci, why, sizeof(why)) == -1 ||
	    !ci.selfsigned ||
	    (x = d2i_X509(NULL, &p, (long)s.certlen)) == NULL ||
	    p != req + len || X509_get0_pubkey(x) == NULL) {
		e = KEYD_ERR_VALUE;
		goto done;
	}
	if ((e = keyd_rate(c, KEYD_OP_CERT_SIGN)) != 0)
		goto done;
	if ((key = vault_signkey(&c->vault)) == NULL ||
	    (n = keyd_issue(c, key, x)) == NULL ||
	    (derlen = i2d_X509(n, &der)) <= 0) {
		e = KEYD_ERR_CRYPTO;
		goto done;
	}
	e = keyd_out_value(c, key, out, s.tstamp, s.fstamp, der,
	    (size_t)derlen);
 done:
	vault_put(key);
	OPENSSL_free(der);
	X509_free(x);
	X509_free(n);
	return (e);
}
