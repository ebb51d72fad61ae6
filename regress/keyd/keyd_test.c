/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * keyd's handlers without the process: start-up loading and its errors,
 * and every request with good and bad input (lengths, kinds, timestamps,
 * values, rate limits).  Keys are made with the ntp-keygen just built,
 * at 512 bits so that the tests stay fast.
 */

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <arpa/inet.h>

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "ident.h"
#include "ipc.h"
#include "keyd_ops.h"
#include "secmem.h"
#include "vault.h"

#include "unreadable.h"

#define PW	"serverpw"
#define NTP_UNIX 2208988800UL

static uint8_t	 outbuf[KEYD_OUTMAX];

static void	run(const char *, ...) __attribute__((format(printf, 1, 2)));

static void
run(const char *fmt, ...)
{
	char	 cmd[2048];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		atf_tc_fail("failed: %s", cmd);
}

/*
 * ./server: alpha.test, trusted, IFF + GQ + MV, with its own IFF group
 * key exported as ntpkey_iffpar_alpha.test (a server can be a client).
 * ./client: beta.test, host key and self-signed certificate.
 */
static void
make_keys(const atf_tc_t *tc)
{
	const char	*b;

	if (!atf_tc_has_config_var(tc, "builddir"))
		atf_tc_skip("builddir not set (run through kyua with "
		    "-v test_suites.sealntp.builddir=...)");
	b = atf_tc_get_config_var(tc, "builddir");
	run("mkdir -p server client && cd server && %s/ntp-keygen -T -I "
	    "-m 512 -b 512 -p " PW " -s alpha.test >/dev/null 2>&1", b);
	run("cd server && %s/ntp-keygen -e -p " PW " -s alpha.test "
	    "> ntpkey_iffpar_alpha.test 2>/dev/null", b);
	run("cd server && %s/ntp-keygen -G -m 512 -b 512 -q " PW
	    " -s alpha.test >/dev/null 2>&1", b);
	run("cd server && %s/ntp-keygen -V 4 -m 512 -b 512 -q " PW
	    " -s alpha.test >/dev/null 2>&1", b);
	run("cd client && %s/ntp-keygen -H -m 512 -p clientpw -s beta.test "
	    ">/dev/null 2>&1", b);
}

static void
load(struct keyd_ctx *c, const char *dir, const char *host, const char *pw)
{
	char	 err[KEYD_ERRLEN];

	keyd_ctx_init(c);
	if (keyd_ctx_load(c, dir, host, NULL, NULL, pw, err,
	    sizeof(err)) == -1)
		atf_tc_fail("load %s: %s", dir, err);
}

static void
load_fails(const char *dir, const char *host, const char *pw, time_t fake,
    const char *want)
{
	struct keyd_ctx	 c;
	char		 err[KEYD_ERRLEN];

	keyd_ctx_init(&c);
	c.fake_now = fake;
	err[0] = '\0';
	ATF_REQUIRE_MSG(keyd_ctx_load(&c, dir, host, NULL, NULL, pw, err,
	    sizeof(err)) == -1, "loading %s succeeded", dir);
	printf("%s\n", err);
	ATF_REQUIRE_MSG(strstr(err, want) != NULL, "'%s' not in '%s'", want,
	    err);
	ATF_REQUIRE(strchr(err, '\n') == NULL);
	ATF_REQUIRE(!c.crypto);
}

static struct keyd_out
out_init(void)
{
	struct keyd_out	 o;

	memset(&o, 0, sizeof(o));
	memset(outbuf, 0, sizeof(outbuf));
	o.buf = outbuf;
	return o;
}

/* Check a signature over ts || fs || vallen || value with our cert. */
static int
sig_ok(const struct keyd_ctx *c, uint32_t ts, uint32_t fs, const uint8_t *v,
    size_t vl, const uint8_t *sig, size_t sl)
{
	EVP_MD_CTX	*m = EVP_MD_CTX_new();
	uint32_t	 h[3] = { htonl(ts), htonl(fs), htonl((uint32_t)vl) };
	int		 ok;

	ok = EVP_DigestVerifyInit(m, NULL, c->md, NULL,
	    X509_get0_pubkey(c->cert)) == 1 &&
	    EVP_DigestVerifyUpdate(m, h, sizeof(h)) == 1 &&
	    EVP_DigestVerifyUpdate(m, v, vl) == 1 &&
	    EVP_DigestVerifyFinal(m, sig, sl) == 1;
	EVP_MD_CTX_free(m);
	return ok;
}

/* Build IMSG_KEYD_SIGN's payload and run the handler. */
static int
do_sign(struct keyd_ctx *c, uint32_t op, uint32_t ts, uint32_t fs,
    const uint8_t *v, size_t vl, struct keyd_out *o)
{
	uint8_t			 req[sizeof(struct ipc_keyd_sign) + KEYD_MAXVAL];
	struct ipc_keyd_sign	 s = { op, ts, fs, (uint32_t)vl };

	memcpy(req, &s, sizeof(s));
	memcpy(req + sizeof(s), v, vl);
	*o = out_init();
	return keyd_op_sign(c, req, sizeof(s) + vl, o);
}

static int
do_ident(struct keyd_ctx *c, uint32_t scheme, uint32_t ts, const uint8_t *ch,
    size_t chlen, struct keyd_out *o)
{
	uint8_t			 req[sizeof(struct ipc_keyd_ident) + 1024];
	struct ipc_keyd_ident	 s = { scheme, ts, (uint32_t)chlen };

	memcpy(req, &s, sizeof(s));
	memcpy(req + sizeof(s), ch, chlen);
	*o = out_init();
	return keyd_op_ident(c, req, sizeof(s) + chlen, o);
}

/* The value and signature of an IMSG_KEYD_VALUE reply, checked. */
static void
value_of(const struct keyd_ctx *c, const struct keyd_out *o,
    struct ipc_keyd_value *v, const uint8_t **val)
{
	ATF_REQUIRE_EQ(o->type, IMSG_KEYD_VALUE);
	ATF_REQUIRE(o->len >= sizeof(*v));
	memcpy(v, o->buf, sizeof(*v));
	ATF_REQUIRE_EQ(o->len, sizeof(*v) + v->vallen + v->siglen);
	ATF_REQUIRE_EQ(v->siglen, c->pub.siglen);
	*val = o->buf + sizeof(*v);
	ATF_REQUIRE_MSG(sig_ok(c, v->tstamp, v->fstamp, *val, v->vallen,
	    *val + v->vallen, v->siglen), "value signature does not verify");
}

/* A private part in k: RSA d or a DSA private key. */
static int
has_private(EVP_PKEY *k)
{
	BIGNUM	*bn = NULL;
	int	 r;

	r = EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_D, &bn) == 1 ||
	    EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_PRIV_KEY, &bn) == 1;
	BN_clear_free(bn);
	return r;
}

/* After loading, the context holds public objects only. */
static void
no_private(const struct keyd_ctx *c)
{
	ATF_REQUIRE(c->hostkey != NULL);
	ATF_REQUIRE_MSG(!has_private(c->hostkey), "a private host key");
	ATF_REQUIRE_MSG(c->signkey == NULL || !has_private(c->signkey),
	    "a private sign key");
	ATF_REQUIRE(c->iff.b == NULL && c->gq.u == NULL && c->mv.gbar == NULL);
}

/* The vault's region and each of its slots cannot be read now. */
static void
vault_closed(const struct keyd_ctx *c, const char *after)
{
	int	 i;

	ATF_REQUIRE(c->vault.region != NULL);
	ATF_REQUIRE_MSG(unreadable(c->vault.region), "the vault is readable "
	    "after %s", after);
	for (i = 0; i < VAULT_NSLOTS; i++)
		if (vault_has(&c->vault, i))
			ATF_REQUIRE_MSG(unreadable(c->vault.region +
			    c->vault.item[i].off), "vault slot %d is readable "
			    "after %s", i, after);
}

ATF_TC(load_ok);
ATF_TC_HEAD(load_ok, tc)
{
	atf_tc_set_md_var(tc, "descr", "a guide-made keys directory loads: "
	    "names, status word, filestamps, groups");
}
ATF_TC_BODY(load_ok, tc)
{
	struct keyd_ctx	 c;

	make_keys(tc);
	load(&c, "server", "alpha.test", PW);
	ATF_REQUIRE(c.crypto);
	ATF_REQUIRE_STREQ(c.pub.host, "alpha.test");
	ATF_REQUIRE_STREQ(c.pub.group, "");
	ATF_REQUIRE_EQ(c.pub.status & 0xffff, 0x01 | 0x20 | 0x40 | 0x80);
	ATF_REQUIRE_EQ(c.pub.status >> 16, (uint32_t)c.pub.sign_nid);
	ATF_REQUIRE_EQ(c.pub.siglen, 64);
	ATF_REQUIRE_EQ(c.pub.modlen, 64);
	ATF_REQUIRE(c.pub.host_fs != 0 && c.pub.cert_fs != 0 &&
	    c.pub.iff_fs != 0 && c.pub.gq_fs != 0 && c.pub.mv_fs != 0);
	ATF_REQUIRE_EQ(c.pub.sign_fs, c.pub.host_fs);
	ATF_REQUIRE_EQ(c.ngroups, 1);
	ATF_REQUIRE_STREQ(c.groups[0].info.group, "alpha.test");
	ATF_REQUIRE_EQ(c.groups[0].info.scheme, KEYD_SCHEME_IFF);
	ATF_REQUIRE_EQ(c.groups[0].info.chlen, ident_iff_challenge_len(&c.iff));
	ATF_REQUIRE_EQ(c.groups[0].info.nparams, 4);
	/* the private material is in the vault only */
	no_private(&c);
	ATF_REQUIRE(vault_has(&c.vault, VAULT_HOST) &&
	    !vault_has(&c.vault, VAULT_SIGN) &&
	    vault_has(&c.vault, VAULT_IFF) && vault_has(&c.vault, VAULT_GQ) &&
	    vault_has(&c.vault, VAULT_MV));
	ATF_REQUIRE(c.signkey == NULL);
	keyd_ctx_free(&c);
	ATF_REQUIRE(c.vault.region == NULL);

	/* the default password is the host name */
	load(&c, "client", "beta.test", "clientpw");
	ATF_REQUIRE_EQ(c.pub.status & 0xffff, 0x01);
	ATF_REQUIRE_EQ(c.ngroups, 0);
	keyd_ctx_free(&c);
}

ATF_TC(load_errors);
ATF_TC_HEAD(load_errors, tc)
{
	atf_tc_set_md_var(tc, "descr", "start-up refusals: one line naming "
	    "the file and the reason");
}
ATF_TC_BODY(load_errors, tc)
{
	time_t	 now = time(NULL);

	make_keys(tc);
	load_fails("nosuchdir", "alpha.test", PW, 0,
	    "keys directory nosuchdir: No such file or directory");
	load_fails("server", "alpha.test", "wrong", 0,
	    "server/ntpkey_host_alpha.test");
	load_fails("server", "gamma.test", PW, 0,
	    "server/ntpkey_host_gamma.test: missing");
	/* certificate validity: default lifetime one year */
	load_fails("server", "alpha.test", PW, now + 400 * 86400,
	    "certificate expired on");
	load_fails("server", "alpha.test", PW, now - 86400,
	    "certificate not valid before");
	/* a missing certificate link */
	run("cp -RP server s2 && rm s2/ntpkey_cert_alpha.test");
	load_fails("s2", "alpha.test", PW, 0,
	    "s2/ntpkey_cert_alpha.test: missing");
	/* identity key of another group behind our link */
	run("mkdir other && cd other && %s/ntp-keygen -T -I -m 512 -b 512 "
	    "-p " PW " -s other.test >/dev/null 2>&1",
	    atf_tc_get_config_var(tc, "builddir"));
	run("cp -RP server s3 && cp other/ntpkey_IFFkey_other.test.* s3/ && "
	    "cd s3 && ln -sf $(cd ../other && ls ntpkey_IFFkey_other.test.*) "
	    "ntpkey_iffkey_alpha.test");
	load_fails("s3", "alpha.test", PW, 0,
	    "identity file of group 'other.test', not of 'alpha.test'");
	/* a certificate for another key */
	run("cp -RP server s4 && cp other/ntpkey_RSA-SHA256cert_other.test.* "
	    "s4/ && cd s4 && ln -sf $(cd ../other && ls "
	    "ntpkey_RSA-SHA256cert_other.test.*) ntpkey_cert_alpha.test");
	load_fails("s4", "alpha.test", PW, 0,
	    "s4/ntpkey_cert_alpha.test: the certificate's public key is not "
	    "the host key");
	/* a group key file that does not parse */
	run("cp -RP server s5 && echo garbage > s5/ntpkey_gqpar_x");
	load_fails("s5", "alpha.test", PW, 0, "s5/ntpkey_gqpar_x");
}

ATF_TC(public_cert_group);
ATF_TC_HEAD(public_cert_group, tc)
{
	atf_tc_set_md_var(tc, "descr", "GET_PUBLIC, GET_CERT, GET_GROUP: "
	    "good, bad lengths, bad index, no crypto");
}
ATF_TC_BODY(public_cert_group, tc)
{
	struct keyd_ctx		 c, none;
	struct keyd_out		 o;
	struct ipc_keyd_public	 p;
	struct ipc_keyd_certinfo ci;
	struct ipc_keyd_groupinfo gi;
	struct ipc_keyd_index	 idx = { 0 };
	const unsigned char	*d;
	X509			*x;

	make_keys(tc);
	load(&c, "server", "alpha.test", PW);
	keyd_ctx_init(&none);

	o = out_init();
	ATF_REQUIRE_EQ(keyd_op_public(&c, NULL, 0, &o), 0);
	ATF_REQUIRE_EQ(o.type, IMSG_KEYD_PUBLIC);
	memcpy(&p, o.buf, sizeof(p));
	ATF_REQUIRE_EQ(o.len, sizeof(p) + p.keylen);
	ATF_REQUIRE_EQ(p.keylen, c.hostpublen);
	ATF_REQUIRE_STREQ(p.host, "alpha.test");
	d = o.buf + sizeof(p);
	{
		EVP_PKEY *k = d2i_PublicKey(EVP_PKEY_RSA, NULL, &d,
		    (long)p.keylen);

		ATF_REQUIRE(k != NULL);
		ATF_REQUIRE_EQ(EVP_PKEY_eq(k, c.hostkey), 1);
		EVP_PKEY_free(k);
	}
	ATF_REQUIRE_EQ(keyd_op_public(&c, outbuf, 1, &o), -1);
	ATF_REQUIRE_EQ(keyd_op_public(&none, NULL, 0, &o), KEYD_ERR_NOCRYPTO);

	o = out_init();
	ATF_REQUIRE_EQ(keyd_op_cert(&c, (uint8_t *)&idx, sizeof(idx), &o), 0);
	ATF_REQUIRE_EQ(o.type, IMSG_KEYD_CERT);
	memcpy(&ci, o.buf, sizeof(ci));
	ATF_REQUIRE_EQ(o.len, sizeof(ci) + ci.derlen);
	ATF_REQUIRE_STREQ(ci.subject, "alpha.test");
	ATF_REQUIRE_STREQ(ci.issuer, "alpha.test");
	ATF_REQUIRE_EQ(ci.flags, KEYD_CERT_TRUST | KEYD_CERT_SELF |
	    KEYD_CERT_VALIDNOW);
	ATF_REQUIRE_EQ(ci.fstamp, c.pub.cert_fs);
	d = o.buf + sizeof(ci);
	ATF_REQUIRE((x = d2i_X509(NULL, &d, (long)ci.derlen)) != NULL);
	ATF_REQUIRE_EQ(X509_cmp(x, c.cert), 0);
	X509_free(x);
	idx.index = 1;
	ATF_REQUIRE_EQ(keyd_op_cert(&c, (uint8_t *)&idx, sizeof(idx), &o),
	    KEYD_ERR_NOENT);
	ATF_REQUIRE_EQ(keyd_op_cert(&c, (uint8_t *)&idx, 3, &o), -1);
	ATF_REQUIRE_EQ(keyd_op_cert(&c, NULL, 0, &o), -1);

	idx.index = 0;
	o = out_init();
	ATF_REQUIRE_EQ(keyd_op_group(&c, (uint8_t *)&idx, sizeof(idx), &o),
	    0);
	memcpy(&gi, o.buf, sizeof(gi));
	ATF_REQUIRE_EQ(o.len, sizeof(gi) + gi.paramlen);
	ATF_REQUIRE_STREQ(gi.group, "alpha.test");
	/* p, q, g, v: the first is p, 64 bytes */
	ATF_REQUIRE_EQ((o.buf[sizeof(gi)] << 8) | o.buf[sizeof(gi) + 1], 64);
	idx.index = 1;
	ATF_REQUIRE_EQ(keyd_op_group(&c, (uint8_t *)&idx, sizeof(idx), &o),
	    KEYD_ERR_NOENT);
	ATF_REQUIRE_EQ(keyd_op_group(&none, (uint8_t *)&idx, sizeof(idx), &o),
	    KEYD_ERR_NOCRYPTO);
	keyd_ctx_free(&c);
}

ATF_TC(sign);
ATF_TC_HEAD(sign, tc)
{
	atf_tc_set_md_var(tc, "descr", "SIGN: every signable kind, wrong "
	    "kinds, wrong lengths, absurd timestamps, framing");
}
ATF_TC_BODY(sign, tc)
{
	struct keyd_ctx		 c, none;
	struct keyd_out		 o;
	struct ipc_keyd_sig	 s;
	uint8_t			 v[KEYD_MAXVAL], req[64];
	uint32_t		 now;
	size_t			 qlen;

	make_keys(tc);
	load(&c, "server", "alpha.test", PW);
	keyd_ctx_init(&none);
	now = keyd_ntpnow(&c);
	memset(v, 0xa5, sizeof(v));

	/* AUTO response: 8 bytes; the signature covers ts|fs|len|value */
	ATF_REQUIRE_EQ(do_sign(&c, 0x82040000, now, now - 10, v, 8, &o), 0);
	ATF_REQUIRE_EQ(o.type, IMSG_KEYD_SIGNATURE);
	memcpy(&s, o.buf, sizeof(s));
	ATF_REQUIRE_EQ(s.siglen, 64);
	ATF_REQUIRE_EQ(o.len, sizeof(s) + s.siglen);
	ATF_REQUIRE(sig_ok(&c, now, now - 10, v, 8, o.buf + sizeof(s),
	    s.siglen));
	ATF_REQUIRE(!sig_ok(&c, now, now - 11, v, 8, o.buf + sizeof(s),
	    s.siglen));
	/* LEAP response: 12 */
	ATF_REQUIRE_EQ(do_sign(&c, 0x82050000, now, 0, v, 12, &o), 0);
	ATF_REQUIRE_EQ(do_sign(&c, 0x82050000, now, 0, v, 8, &o),
	    KEYD_ERR_LENGTH);
	ATF_REQUIRE_EQ(do_sign(&c, 0x82040000, now, 0, v, 12, &o),
	    KEYD_ERR_LENGTH);
	/* COOK request: only our own host key */
	ATF_REQUIRE_EQ(do_sign(&c, 0x02030000, now, c.pub.host_fs, c.hostpub,
	    c.hostpublen, &o), 0);
	ATF_REQUIRE_EQ(do_sign(&c, 0x02030000, now, 0, v, c.hostpublen, &o),
	    KEYD_ERR_VALUE);
	/* SIGN request: only our own certificate */
	ATF_REQUIRE_EQ(do_sign(&c, 0x02060000, now, c.pub.cert_fs, c.certder,
	    c.certderlen, &o), 0);
	ATF_REQUIRE_EQ(do_sign(&c, 0x02060000, now, 0, c.hostpub,
	    c.hostpublen, &o), KEYD_ERR_VALUE);
	/* CERT response: any certificate that parses */
	ATF_REQUIRE_EQ(do_sign(&c, 0x82020000, now, c.pub.cert_fs, c.certder,
	    c.certderlen, &o), 0);
	ATF_REQUIRE_EQ(do_sign(&c, 0x82020000, now, 0, v, 300, &o),
	    KEYD_ERR_VALUE);
	/* IFF request: a challenge as long as a loaded group's q */
	qlen = c.groups[0].info.chlen;
	ATF_REQUIRE_EQ(do_sign(&c, 0x02070000, now, c.groups[0].info.fstamp,
	    v, qlen, &o), 0);
	ATF_REQUIRE_EQ(do_sign(&c, 0x02070000, now, 0, v, qlen + 1, &o),
	    KEYD_ERR_LENGTH);
	ATF_REQUIRE_EQ(do_sign(&c, 0x02080000, now, 0, v, 64, &o),
	    KEYD_ERR_NOKEY);

	/* kinds keyd never signs */
	ATF_REQUIRE_EQ(do_sign(&c, 0x82010000, now, 0, v, 8, &o),
	    KEYD_ERR_KIND);		/* ASSOC */
	ATF_REQUIRE_EQ(do_sign(&c, 0x02020000, now, 0, v, 8, &o),
	    KEYD_ERR_KIND);		/* CERT request */
	ATF_REQUIRE_EQ(do_sign(&c, 0xc2040000, now, 0, v, 8, &o),
	    KEYD_ERR_KIND);		/* AUTO with the error bit */
	ATF_REQUIRE_EQ(do_sign(&c, 0x82070000, now, 0, v, 8, &o),
	    KEYD_ERR_KIND);		/* IFF response: only via IDENT */
	ATF_REQUIRE_EQ(do_sign(&c, 0x82030000, now, 0, v, 64, &o),
	    KEYD_ERR_KIND);		/* COOK response: only via COOKIE_ENC */
	ATF_REQUIRE_EQ(do_sign(&c, 0x82040008, now, 0, v, 8, &o),
	    KEYD_ERR_KIND);		/* length bits not zero */
	ATF_REQUIRE_EQ(do_sign(&c, 0, now, 0, v, 8, &o), KEYD_ERR_KIND);

	/* timestamps */
	ATF_REQUIRE_EQ(do_sign(&c, 0x82040000, 0, 0, v, 8, &o),
	    KEYD_ERR_TIME);
	ATF_REQUIRE_EQ(do_sign(&c, 0x82040000, now + 2 * 86400, 0, v, 8, &o),
	    KEYD_ERR_TIME);
	ATF_REQUIRE_EQ(do_sign(&c, 0x82040000, now - 2 * 86400, 0, v, 8, &o),
	    KEYD_ERR_TIME);
	ATF_REQUIRE_EQ(do_sign(&c, 0x82040000, now + 3600, 0, v, 8, &o), 0);
	ATF_REQUIRE_EQ(do_sign(&c, 0x82040000, now, now + 1, v, 8, &o),
	    KEYD_ERR_TIME);
	ATF_REQUIRE_EQ(do_sign(&c, 0x82040000, 0x80000000U, 0, v, 8, &o),
	    KEYD_ERR_TIME);

	/* lengths */
	ATF_REQUIRE_EQ(do_sign(&c, 0x82040000, now, 0, v, 0, &o),
	    KEYD_ERR_LENGTH);
	{
		struct ipc_keyd_sign h = { 0x82040000, now, 0, 8 };

		memcpy(req, &h, sizeof(h));
		o = out_init();
		/* vallen says 8, 7 or 9 bytes follow: framing violation */
		ATF_REQUIRE_EQ(keyd_op_sign(&c, req, sizeof(h) + 7, &o), -1);
		ATF_REQUIRE_EQ(keyd_op_sign(&c, req, sizeof(h) + 9, &o), -1);
		ATF_REQUIRE_EQ(keyd_op_sign(&c, req, sizeof(h) - 1, &o), -1);
		h.vallen = 0xffffffff;
		memcpy(req, &h, sizeof(h));
		ATF_REQUIRE_EQ(keyd_op_sign(&c, req, sizeof(h) + 8, &o), -1);
	}
	ATF_REQUIRE_EQ(do_sign(&none, 0x82040000, now, 0, v, 8, &o),
	    KEYD_ERR_NOCRYPTO);
	keyd_ctx_free(&c);
}

ATF_TC(ident);
ATF_TC_HEAD(ident, tc)
{
	atf_tc_set_md_var(tc, "descr", "IDENT: IFF, GQ and MV responses "
	    "verify and are signed; bad schemes, lengths, timestamps");
}
ATF_TC_BODY(ident, tc)
{
	struct keyd_ctx		 c, cl;
	struct keyd_out		 o;
	struct ipc_keyd_value	 v;
	struct ident_iff	 iffc;
	struct ident_gq		 gqc;
	const uint8_t		*val;
	uint8_t			 ch[256];
	size_t			 n;
	uint32_t		 now;

	make_keys(tc);
	load(&c, "server", "alpha.test", PW);
	now = keyd_ntpnow(&c);

	/* IFF */
	n = ident_iff_challenge_len(&c.iff);
	ATF_REQUIRE_EQ(ident_challenge(n, c.iff.q, ch), 0);
	ATF_REQUIRE_EQ(do_ident(&c, KEYD_SCHEME_IFF, now, ch, n, &o), 0);
	value_of(&c, &o, &v, &val);
	ATF_REQUIRE_EQ(v.tstamp, now);
	ATF_REQUIRE_EQ(v.fstamp, c.pub.iff_fs);
	ATF_REQUIRE_EQ(ident_iff_client(&c.iff, &iffc), 0);
	ATF_REQUIRE_EQ(ident_iff_verify(&iffc, ch, n, val, v.vallen), 0);
	ch[0] ^= 1;
	ATF_REQUIRE(ident_iff_verify(&iffc, ch, n, val, v.vallen) != 0);
	ident_iff_free(&iffc);
	ATF_REQUIRE_EQ(do_ident(&c, KEYD_SCHEME_IFF, now, ch, n - 1, &o),
	    KEYD_ERR_LENGTH);
	ATF_REQUIRE_EQ(do_ident(&c, KEYD_SCHEME_IFF, now, ch, n + 1, &o),
	    KEYD_ERR_LENGTH);
	ATF_REQUIRE_EQ(do_ident(&c, KEYD_SCHEME_IFF, 0, ch, n, &o),
	    KEYD_ERR_TIME);
	ATF_REQUIRE_EQ(do_ident(&c, KEYD_SCHEME_IFF, now + 90000, ch, n, &o),
	    KEYD_ERR_TIME);

	/* GQ */
	n = ident_gq_challenge_len(&c.gq);
	ATF_REQUIRE_EQ(ident_challenge(n, c.gq.n, ch), 0);
	ATF_REQUIRE_EQ(do_ident(&c, KEYD_SCHEME_GQ, now, ch, n, &o), 0);
	value_of(&c, &o, &v, &val);
	ATF_REQUIRE_EQ(v.fstamp, c.pub.gq_fs);
	ATF_REQUIRE_EQ(ident_gq_client(&c.gq, &gqc), 0);
	ATF_REQUIRE_EQ(ident_gq_verify(&gqc, ch, n, val, v.vallen), 0);
	ident_gq_free(&gqc);

	/* MV: the response has the documented shape and is signed */
	n = (size_t)BN_num_bytes(c.mv.p);
	ATF_REQUIRE_EQ(ident_challenge(n, c.mv.p, ch), 0);
	ATF_REQUIRE_EQ(do_ident(&c, KEYD_SCHEME_MV, now, ch, n, &o), 0);
	value_of(&c, &o, &v, &val);
	ATF_REQUIRE_EQ(v.fstamp, c.pub.mv_fs);
	ATF_REQUIRE(val[0] == 0x30);

	/* unknown scheme, scheme not loaded, framing */
	ATF_REQUIRE_EQ(do_ident(&c, 0x10, now, ch, n, &o), KEYD_ERR_KIND);
	ATF_REQUIRE_EQ(do_ident(&c, 0, now, ch, n, &o), KEYD_ERR_KIND);
	load(&cl, "client", "beta.test", "clientpw");
	ATF_REQUIRE_EQ(do_ident(&cl, KEYD_SCHEME_IFF, now, ch, 20, &o),
	    KEYD_ERR_NOKEY);
	{
		struct ipc_keyd_ident h = { KEYD_SCHEME_IFF, now, 20 };
		uint8_t req[sizeof(h) + 32];

		memcpy(req, &h, sizeof(h));
		ATF_REQUIRE_EQ(keyd_op_ident(&c, req, sizeof(h) + 19, &o), -1);
		ATF_REQUIRE_EQ(keyd_op_ident(&c, req, 4, &o), -1);
	}
	keyd_ctx_free(&cl);
	keyd_ctx_free(&c);
}

static int
do_enc(struct keyd_ctx *c, uint32_t ts, uint32_t fs, const uint8_t ck[4],
    const uint8_t *key, size_t keylen, struct keyd_out *o)
{
	uint8_t				 req[2048];
	struct ipc_keyd_cookie_enc	 s;

	memset(&s, 0, sizeof(s));
	s.tstamp = ts;
	s.fstamp = fs;
	memcpy(s.cookie, ck, 4);
	s.keylen = (uint32_t)keylen;
	memcpy(req, &s, sizeof(s));
	memcpy(req + sizeof(s), key, keylen);
	*o = out_init();
	return keyd_op_cookie_enc(c, req, sizeof(s) + keylen, o);
}

static int
do_dec(struct keyd_ctx *c, const uint8_t *ct, size_t ctlen,
    struct keyd_out *o)
{
	uint8_t				 req[2048];
	struct ipc_keyd_cookie_dec	 s = { (uint32_t)ctlen };

	memcpy(req, &s, sizeof(s));
	memcpy(req + sizeof(s), ct, ctlen);
	*o = out_init();
	return keyd_op_cookie_dec(c, req, sizeof(s) + ctlen, o);
}

ATF_TC(cookie);
ATF_TC_HEAD(cookie, tc)
{
	atf_tc_set_md_var(tc, "descr", "COOKIE_ENC on the server, COOKIE_DEC "
	    "on the client: round trip, bad keys, bad ciphertexts");
}
ATF_TC_BODY(cookie, tc)
{
	struct keyd_ctx		 srv, cli;
	struct keyd_out		 o;
	struct ipc_keyd_value	 v;
	const uint8_t		*val;
	uint8_t			 ct[512], key[1200], junk[64];
	const uint8_t		 ck[4] = { 0x8a, 0xc8, 0xa2, 0x0a };
	uint32_t		 now;

	make_keys(tc);
	load(&srv, "server", "alpha.test", PW);
	load(&cli, "client", "beta.test", "clientpw");
	now = keyd_ntpnow(&srv);

	/* the server encrypts to the client's host key, signs */
	ATF_REQUIRE_EQ(do_enc(&srv, now, now - 5, ck, cli.hostpub,
	    cli.hostpublen, &o), 0);
	value_of(&srv, &o, &v, &val);
	ATF_REQUIRE_EQ(v.vallen, cli.pub.modlen);
	ATF_REQUIRE_EQ(v.fstamp, now - 5);
	memcpy(ct, val, v.vallen);
	/* the client decrypts */
	ATF_REQUIRE_EQ(do_dec(&cli, ct, v.vallen, &o), 0);
	ATF_REQUIRE_EQ(o.type, IMSG_KEYD_COOKIE);
	ATF_REQUIRE_EQ(o.len, 4);
	ATF_REQUIRE(memcmp(o.buf, ck, 4) == 0);
	/* not for the server's key */
	ATF_REQUIRE_EQ(do_dec(&srv, ct, v.vallen, &o), KEYD_ERR_VALUE);
	/* wrong lengths */
	ATF_REQUIRE_EQ(do_dec(&cli, ct, v.vallen - 1, &o), KEYD_ERR_LENGTH);
	ATF_REQUIRE_EQ(do_dec(&cli, ct, 256, &o), KEYD_ERR_LENGTH);
	/* garbage of the right length */
	memset(junk, 0x42, sizeof(junk));
	ATF_REQUIRE_EQ(do_dec(&cli, junk, 64, &o), KEYD_ERR_VALUE);
	/* a 5-byte plaintext is not a cookie */
	{
		EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(cli.hostkey, NULL);
		size_t n = sizeof(ct);

		ATF_REQUIRE(EVP_PKEY_encrypt_init(pc) == 1);
		ATF_REQUIRE(EVP_PKEY_CTX_set_rsa_padding(pc,
		    RSA_PKCS1_OAEP_PADDING) == 1);
		ATF_REQUIRE(EVP_PKEY_encrypt(pc, ct, &n, junk, 5) == 1);
		EVP_PKEY_CTX_free(pc);
		ATF_REQUIRE_EQ(do_dec(&cli, ct, n, &o), KEYD_ERR_VALUE);
	}
	/* bad public keys: garbage, trailing bytes, truncated */
	ATF_REQUIRE_EQ(do_enc(&srv, now, 0, ck, junk, 64, &o), KEYD_ERR_VALUE);
	memcpy(key, cli.hostpub, cli.hostpublen);
	key[cli.hostpublen] = 0;
	ATF_REQUIRE_EQ(do_enc(&srv, now, 0, ck, key, cli.hostpublen + 1, &o),
	    KEYD_ERR_VALUE);
	ATF_REQUIRE_EQ(do_enc(&srv, now, 0, ck, key, cli.hostpublen - 1, &o),
	    KEYD_ERR_VALUE);
	ATF_REQUIRE_EQ(do_enc(&srv, now, 0, ck, key, 0, &o), KEYD_ERR_LENGTH);
	/* the certificate is not an RSAPublicKey */
	ATF_REQUIRE_EQ(do_enc(&srv, now, 0, ck, srv.certder, srv.certderlen,
	    &o), KEYD_ERR_VALUE);
	ATF_REQUIRE_EQ(do_enc(&srv, 0, 0, ck, cli.hostpub, cli.hostpublen,
	    &o), KEYD_ERR_TIME);
	ATF_REQUIRE_EQ(do_enc(&srv, now, now + 5, ck, cli.hostpub,
	    cli.hostpublen, &o), KEYD_ERR_TIME);
	keyd_ctx_free(&srv);
	keyd_ctx_free(&cli);
}

static int
do_cs(struct keyd_ctx *c, uint32_t ts, uint32_t fs, const uint8_t *der,
    size_t len, struct keyd_out *o)
{
	static uint8_t			 req[sizeof(struct ipc_keyd_cert_sign) +
					    KEYD_MAXVAL];
	struct ipc_keyd_cert_sign	 s = { ts, fs, (uint32_t)len };

	memcpy(req, &s, sizeof(s));
	memcpy(req + sizeof(s), der, len);
	*o = out_init();
	return keyd_op_cert_sign(c, req, sizeof(s) + len, o);
}

ATF_TC(cert_sign);
ATF_TC_HEAD(cert_sign, tc)
{
	atf_tc_set_md_var(tc, "descr", "CERT_SIGN: a client's self-signed "
	    "certificate is re-issued by the server; bad certificates refused");
}
ATF_TC_BODY(cert_sign, tc)
{
	struct keyd_ctx		 srv, cli;
	struct keyd_out		 o;
	struct ipc_keyd_value	 v;
	struct cert_info	 ci;
	const uint8_t		*val;
	uint8_t			 issued[KEYD_MAXVAL], junk[100];
	size_t			 ilen;
	char			 why[256];
	uint32_t		 now;
	const unsigned char	*p;
	X509			*x;

	make_keys(tc);
	load(&srv, "server", "alpha.test", PW);
	load(&cli, "client", "beta.test", "clientpw");
	/*
	 * keyd's clock held at one second: the serial is keyd's NTP time
	 * when it issues, and a second passing after our reading of now
	 * would make it differ.
	 */
	srv.fake_now = time(NULL);
	now = keyd_ntpnow(&srv);

	ATF_REQUIRE_EQ(do_cs(&srv, now, cli.pub.cert_fs, cli.certder,
	    cli.certderlen, &o), 0);
	value_of(&srv, &o, &v, &val);
	ATF_REQUIRE_EQ(v.fstamp, cli.pub.cert_fs);
	ilen = v.vallen;
	memcpy(issued, val, ilen);
	ATF_REQUIRE_EQ(cert_parse(issued, ilen, &ci, why, sizeof(why)), 0);
	ATF_REQUIRE_STREQ(ci.subject, "beta.test");
	ATF_REQUIRE_STREQ(ci.issuer, "alpha.test");
	ATF_REQUIRE(!ci.selfsigned);
	ATF_REQUIRE_EQ(ci.serial, now);
	ATF_REQUIRE(ci.notafter - ci.notbefore == 365 * 86400);
	p = issued;
	ATF_REQUIRE((x = d2i_X509(NULL, &p, (long)ilen)) != NULL);
	ATF_REQUIRE_EQ(X509_verify(x, X509_get0_pubkey(srv.cert)), 1);
	ATF_REQUIRE_EQ(EVP_PKEY_eq(X509_get0_pubkey(x), cli.hostkey), 1);
	X509_free(x);

	/* not self-signed: the issued one */
	ATF_REQUIRE_EQ(do_cs(&srv, now, 0, issued, ilen, &o), KEYD_ERR_VALUE);
	/* garbage, trailing garbage, truncated */
	memset(junk, 0x30, sizeof(junk));
	ATF_REQUIRE_EQ(do_cs(&srv, now, 0, junk, sizeof(junk), &o),
	    KEYD_ERR_VALUE);
	memcpy(issued, cli.certder, cli.certderlen);
	issued[cli.certderlen] = 0;
	ATF_REQUIRE_EQ(do_cs(&srv, now, 0, issued, cli.certderlen + 1, &o),
	    KEYD_ERR_VALUE);
	ATF_REQUIRE_EQ(do_cs(&srv, now, 0, issued, cli.certderlen - 1, &o),
	    KEYD_ERR_VALUE);
	/* a flipped byte in the signature */
	issued[cli.certderlen - 3] ^= 0x01;
	ATF_REQUIRE_EQ(do_cs(&srv, now, 0, issued, cli.certderlen, &o),
	    KEYD_ERR_VALUE);
	/* timestamps; our own certificate expired */
	ATF_REQUIRE_EQ(do_cs(&srv, 0, 0, cli.certder, cli.certderlen, &o),
	    KEYD_ERR_TIME);
	ATF_REQUIRE_EQ(do_cs(&srv, now, now + 1, cli.certder, cli.certderlen,
	    &o), KEYD_ERR_TIME);
	srv.fake_now = time(NULL) + 400 * 86400;
	ATF_REQUIRE_EQ(do_cs(&srv, keyd_ntpnow(&srv), 0, cli.certder,
	    cli.certderlen, &o), KEYD_ERR_EXPIRED);
	keyd_ctx_free(&srv);
	keyd_ctx_free(&cli);
}

ATF_TC(rate);
ATF_TC_HEAD(rate, tc)
{
	atf_tc_set_md_var(tc, "descr", "token buckets: the burst, then "
	    "refusals, then the rate");
}
ATF_TC_BODY(rate, tc)
{
	struct keyd_ctx		 c;
	struct keyd_out		 o;
	uint8_t			 v[8] = { 0 };
	uint32_t		 now;
	int			 i, ok = 0, refused = 0;

	make_keys(tc);
	load(&c, "server", "alpha.test", PW);
	now = keyd_ntpnow(&c);
	c.fake_mono = 1000.0;
	for (i = 0; i < 1000; i++) {
		if (do_sign(&c, 0x82040000, now, 0, v, 8, &o) == 0)
			ok++;
		else
			refused++;
	}
	ATF_REQUIRE_EQ(ok, (int)c.bucket[KEYD_OP_SIGN].burst);
	ATF_REQUIRE_EQ(do_sign(&c, 0x82040000, now, 0, v, 8, &o),
	    KEYD_ERR_RATE);
	/* a refused request of another kind does not drain SIGN... */
	c.fake_mono = 1000.5;
	for (i = 0, ok = 0; i < 1000; i++)
		if (do_sign(&c, 0x82040000, now, 0, v, 8, &o) == 0)
			ok++;
	ATF_REQUIRE_EQ(ok, (int)(c.bucket[KEYD_OP_SIGN].rate / 2));
	/* ...and the other buckets are separate */
	for (i = 0, ok = 0; i < 100; i++)
		if (keyd_rate(&c, KEYD_OP_CERT_SIGN) == 0)
			ok++;
	ATF_REQUIRE_EQ(ok, (int)c.bucket[KEYD_OP_CERT_SIGN].burst);
	keyd_ctx_free(&c);
}

ATF_TC(vault_noaccess);
ATF_TC_HEAD(vault_noaccess, tc)
{
	atf_tc_set_md_var(tc, "descr", "the vault cannot be read between "
	    "operations (a child reading it dies by SIGSEGV), after each kind "
	    "of operation and after refusals and failures");
}
ATF_TC_BODY(vault_noaccess, tc)
{
	struct keyd_ctx		 srv, cli;
	struct keyd_out		 o;
	struct ipc_keyd_value	 v;
	const uint8_t		*val;
	uint8_t			 vb[8] = { 0 }, ch[256], ct[512], junk[64];
	const uint8_t		 ck[4] = { 0x01, 0x02, 0x03, 0x04 };
	size_t			 n;
	uint32_t		 now;

	make_keys(tc);
	load(&srv, "server", "alpha.test", PW);
	load(&cli, "client", "beta.test", "clientpw");
	now = keyd_ntpnow(&srv);
	vault_closed(&srv, "loading");
	vault_closed(&cli, "loading");
	/* the probe tells an open region from a closed one */
	ATF_REQUIRE_EQ(secmem_readonly(srv.vault.region), 0);
	ATF_REQUIRE(!unreadable(srv.vault.region));
	ATF_REQUIRE_EQ(secmem_noaccess(srv.vault.region), 0);
	vault_closed(&srv, "the probe's check");

	ATF_REQUIRE_EQ(do_sign(&srv, 0x82040000, now, 0, vb, 8, &o), 0);
	vault_closed(&srv, "SIGN");
	ATF_REQUIRE_EQ(do_sign(&srv, 0x82040000, 0, 0, vb, 8, &o),
	    KEYD_ERR_TIME);
	vault_closed(&srv, "a refused SIGN");

	n = ident_iff_challenge_len(&srv.iff);
	ATF_REQUIRE_EQ(ident_challenge(n, srv.iff.q, ch), 0);
	ATF_REQUIRE_EQ(do_ident(&srv, KEYD_SCHEME_IFF, now, ch, n, &o), 0);
	vault_closed(&srv, "IFF");
	n = ident_gq_challenge_len(&srv.gq);
	ATF_REQUIRE_EQ(ident_challenge(n, srv.gq.n, ch), 0);
	ATF_REQUIRE_EQ(do_ident(&srv, KEYD_SCHEME_GQ, now, ch, n, &o), 0);
	vault_closed(&srv, "GQ");
	n = (size_t)BN_num_bytes(srv.mv.p);
	ATF_REQUIRE_EQ(ident_challenge(n, srv.mv.p, ch), 0);
	ATF_REQUIRE_EQ(do_ident(&srv, KEYD_SCHEME_MV, now, ch, n, &o), 0);
	vault_closed(&srv, "MV");

	ATF_REQUIRE_EQ(do_enc(&srv, now, now - 5, ck, cli.hostpub,
	    cli.hostpublen, &o), 0);
	vault_closed(&srv, "COOKIE_ENC");
	value_of(&srv, &o, &v, &val);
	memcpy(ct, val, v.vallen);
	ATF_REQUIRE_EQ(do_dec(&cli, ct, v.vallen, &o), 0);
	ATF_REQUIRE(memcmp(o.buf, ck, 4) == 0);
	vault_closed(&cli, "COOKIE_DEC");
	memset(junk, 0x42, sizeof(junk));
	ATF_REQUIRE_EQ(do_dec(&cli, junk, 64, &o), KEYD_ERR_VALUE);
	vault_closed(&cli, "a failed COOKIE_DEC");

	ATF_REQUIRE_EQ(do_cs(&srv, now, cli.pub.cert_fs, cli.certder,
	    cli.certderlen, &o), 0);
	vault_closed(&srv, "CERT_SIGN");

	no_private(&srv);
	no_private(&cli);
	keyd_ctx_free(&srv);
	keyd_ctx_free(&cli);
}

ATF_TC(signkey);
ATF_TC_HEAD(signkey, tc)
{
	atf_tc_set_md_var(tc, "descr", "a separate RSA or DSA sign key: kept "
	    "in the vault, signs values, issues certificates");
}
ATF_TC_BODY(signkey, tc)
{
	static const char	*dirs[] = { "rsa", "dsa" };
	struct keyd_ctx		 c, cli;
	struct keyd_out		 o;
	struct ipc_keyd_sig	 s;
	struct ipc_keyd_value	 v;
	const unsigned char	*p;
	uint8_t			 vb[8] = { 0x5a };
	uint32_t		 now;
	X509			*x;
	const char		*b;
	size_t			 i;

	if (!atf_tc_has_config_var(tc, "builddir"))
		atf_tc_skip("builddir not set (run through kyua with "
		    "-v test_suites.sealntp.builddir=...)");
	b = atf_tc_get_config_var(tc, "builddir");
	run("mkdir rsa && cd rsa && %s/ntp-keygen -T -S RSA -m 512 -p " PW
	    " -s alpha.test >/dev/null 2>&1", b);
	run("mkdir dsa && cd dsa && %s/ntp-keygen -T -S DSA -m 1024 -p " PW
	    " -s alpha.test >/dev/null 2>&1", b);
	run("mkdir client && cd client && %s/ntp-keygen -H -m 512 -p "
	    "clientpw -s beta.test >/dev/null 2>&1", b);
	load(&cli, "client", "beta.test", "clientpw");
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		load(&c, dirs[i], "alpha.test", PW);
		no_private(&c);
		ATF_REQUIRE(c.signkey != NULL);
		ATF_REQUIRE(vault_has(&c.vault, VAULT_SIGN));
		ATF_REQUIRE_EQ(EVP_PKEY_eq(c.signkey, X509_get0_pubkey(c.cert)),
		    1);
		ATF_REQUIRE(EVP_PKEY_eq(c.signkey, c.hostkey) != 1);
		now = keyd_ntpnow(&c);
		ATF_REQUIRE_EQ(do_sign(&c, 0x82040000, now, 0, vb, 8, &o), 0);
		memcpy(&s, o.buf, sizeof(s));
		ATF_REQUIRE_MSG(sig_ok(&c, now, 0, vb, 8, o.buf + sizeof(s),
		    s.siglen), "%s: signature does not verify", dirs[i]);
		vault_closed(&c, "SIGN");
		ATF_REQUIRE_EQ(do_cs(&c, now, cli.pub.cert_fs, cli.certder,
		    cli.certderlen, &o), 0);
		vault_closed(&c, "CERT_SIGN");
		memcpy(&v, o.buf, sizeof(v));
		ATF_REQUIRE_EQ(o.len, sizeof(v) + v.vallen + v.siglen);
		p = o.buf + sizeof(v);
		ATF_REQUIRE(sig_ok(&c, v.tstamp, v.fstamp, p, v.vallen,
		    p + v.vallen, v.siglen));
		ATF_REQUIRE((x = d2i_X509(NULL, &p, (long)v.vallen)) != NULL);
		ATF_REQUIRE_EQ(X509_verify(x, X509_get0_pubkey(c.cert)), 1);
		X509_free(x);
		keyd_ctx_free(&c);
	}
	keyd_ctx_free(&cli);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, load_ok);
	ATF_TP_ADD_TC(tp, load_errors);
	ATF_TP_ADD_TC(tp, public_cert_group);
	ATF_TP_ADD_TC(tp, sign);
	ATF_TP_ADD_TC(tp, ident);
	ATF_TP_ADD_TC(tp, cookie);
	ATF_TP_ADD_TC(tp, cert_sign);
	ATF_TP_ADD_TC(tp, rate);
	ATF_TP_ADD_TC(tp, vault_noaccess);
	ATF_TP_ADD_TC(tp, signkey);
	return atf_no_error();
}
