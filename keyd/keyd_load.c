/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * keyd's start-up: load the keys directory into a keyd_ctx and refuse,
 * with one line naming the file and the reason, anything that would make
 * Autokey fail later (missing links, wrong password, a certificate that
 * is not valid now, a certificate whose key is not the sign key, identity
 * files of another group).
 *
 * Where the secrets live: at the end of loading, keyd_seal() writes the
 * private keys (DER) and the identity secrets (IFF b, GQ u, MV gbar, as
 * big-endian bytes) into one libsodium secure region (vault.c: guard
 * pages, locked, no-access except while an operation decodes from it,
 * wiped on exit), frees the decoded objects and keeps public ones only.
 * Whatever OpenSSL decodes, at load or per operation, lands in its
 * secure heap (CRYPTO_secure_malloc_init: its own mmap'd arena, locked,
 * MADV_DONTDUMP), which keyd sets up before reading any key, and is
 * cleared when freed.  The password arrives and stays in libsodium
 * secure memory and is wiped by the caller after loading.  Transient
 * copies libcrypto makes on its way (PEM decryption, DER encoders and
 * decoders) are wiped when freed by keyd's allocation hooks (keyd.c).
 */

#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "keyd_ops.h"
#include "keyfile.h"
#include "log.h"

#define KEYD_SECURE_HEAP	(1 << 20)	/* bytes, a power of two */
#define KEYD_SECURE_MIN		32

/* Token buckets: see ntp-keyd.8 for how the numbers were chosen. */
static const struct {
	double	rate, burst;
} keyd_limits[KEYD_OP_MAX] = {
	[KEYD_OP_SIGN] =	{ 400, 800 },
	[KEYD_OP_IDENT] =	{ 200, 400 },
	[KEYD_OP_COOKIE_ENC] =	{ 400, 800 },
	[KEYD_OP_COOKIE_DEC] =	{ 50, 100 },
	[KEYD_OP_CERT_SIGN] =	{ 20, 40 },
};

/* 0 locked, 1 not locked (RLIMIT_MEMLOCK), -1 failed. */
int
keyd_secure_heap_init(void)
{
	int	 r;

	if (CRYPTO_secure_malloc_initialized())
		return (0);
	r = CRYPTO_secure_malloc_init(KEYD_SECURE_HEAP, KEYD_SECURE_MIN);
	if (r == 0)
		return (-1);
	return (r == 1 ? 0 : 1);
}

void
keyd_ctx_init(struct keyd_ctx *c)
{
	int	 i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < KEYD_OP_MAX; i++) {
		c->bucket[i].rate = keyd_limits[i].rate;
		c->bucket[i].burst = keyd_limits[i].burst;
		c->bucket[i].tokens = keyd_limits[i].burst;
	}
	c->started = time(NULL);
}

void
keyd_ctx_free(struct keyd_ctx *c)
{
	size_t	 i;

	vault_free(&c->vault);
	EVP_PKEY_free(c->hostkey);
	EVP_PKEY_free(c->signkey);
	X509_free(c->cert);
	OPENSSL_free(c->certder);
	OPENSSL_free(c->hostpub);
	ident_iff_free(&c->iff);
	ident_gq_free(&c->gq);
	ident_mv_server_free(&c->mv);
	for (i = 0; i < c->ngroups; i++)
		free(c->groups[i].params);
	keyd_ctx_init(c);
}

/*
 * Put the private material into the vault and keep public objects only:
 * the host key rebuilt from its public DER, the sign key from the
 * certificate (checked at load to be the same key), the identity
 * structs without their secrets.  The public DER must be made first.
 */
static int
keyd_seal(struct keyd_ctx *c)
{
	const unsigned char	*p = c->hostpub;
	EVP_PKEY		*host, *sign = NULL;

	if (vault_seal(&c->vault, c->hostkey, c->signkey, c->iff.b, c->gq.u,
	    c->mv.gbar) == -1)
		return (-1);
	if ((host = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p,
	    (long)c->hostpublen)) == NULL ||
	    (c->signkey != NULL && (sign = X509_get_pubkey(c->cert)) ==
	    NULL)) {
		EVP_PKEY_free(host);
		return (-1);
	}
	EVP_PKEY_free(c->hostkey);
	EVP_PKEY_free(c->signkey);
	c->hostkey = host;
	c->signkey = sign;
	BN_clear_free(c->iff.b);
	c->iff.b = NULL;
	BN_clear_free(c->gq.u);
	c->gq.u = NULL;
	BN_clear_free(c->mv.gbar);
	c->mv.gbar = NULL;
	return (0);
}

/*
 * The group or host a file name carries: the link target of
 * ntpkey_<kind>_<name> is ntpkey_<Type>_<owner>.<filestamp>; return
 * <owner>.  -1 when the target does not have that shape.
 */
static int
keyd_link_owner(int dirfd, const char *link, const char *type, char *owner,
    size_t len)
{
	char	 target[KEYFILE_NAMELEN], prefix[64], *dot;
	size_t	 pl;

	if (keyfile_readlink(dirfd, link, target, sizeof(target)) == -1)
		return (-1);
	snprintf(prefix, sizeof(prefix), "ntpkey_%s_", type);
	pl = strlen(prefix);
	if (strncmp(target, prefix, pl) != 0 ||
	    (dot = strrchr(target, '.')) == NULL || dot <= target + pl)
		return (-1);
	*dot = '\0';
	if (strlcpy(owner, target + pl, len) >= len)
		return (-1);
	return (0);
}

/* Identity key files must belong to the group they are named after. */
static int
keyd_check_owner(int dirfd, const char *dir, const char *kind,
    const char *type, const char *want, char *err, size_t errlen)
{
	char	 link[KEYFILE_NAMELEN], owner[KEYFILE_NAMELEN];

	snprintf(link, sizeof(link), "ntpkey_%s_%s", kind, want);
	if (keyd_link_owner(dirfd, link, type, owner, sizeof(owner)) == -1)
		return (0);	/* a plain file or an odd name: trust it */
	if (strcmp(owner, want) != 0) {
		snprintf(err, errlen, "%s/%s: identity file of group '%s', "
		    "not of '%s'", dir, link, owner, want);
		return (-1);
	}
	return (0);
}

static int
keyd_put_bn(uint8_t *buf, size_t cap, size_t *off, const BIGNUM *bn)
{
	size_t	 n = bn == NULL ? 0 : (size_t)BN_num_bytes(bn);

	if (n > 0xffff || *off + 2 + n > cap)
		return (-1);
	buf[*off] = (uint8_t)(n >> 8);
	buf[*off + 1] = (uint8_t)n;
	if (n > 0)
		BN_bn2bin(bn, buf + *off + 2);
	*off += 2 + n;
	return (0);
}

static int
keyd_group_params(struct keyd_group *g, const BIGNUM *a, const BIGNUM *b,
    const BIGNUM *c, const BIGNUM *d, int n)
{
	const BIGNUM	*v[4] = { a, b, c, d };
	uint8_t		*buf;
	size_t		 off = 0;
	int		 i;

	if ((buf = malloc(KEYD_MAXPARAMS)) == NULL)
		return (-1);
	for (i = 0; i < n; i++)
		if (keyd_put_bn(buf, KEYD_MAXPARAMS, &off, v[i]) == -1) {
			free(buf);
			return (-1);
		}
	g->params = buf;
	g->info.nparams = (uint32_t)n;
	g->info.paramlen = (uint32_t)off;
	return (0);
}

/* One client parameter file, ntpkey_<s>par_<group>. */
static int
keyd_load_group(struct keyd_ctx *c, const char *dir, uint32_t scheme,
    const char *group, char *err, size_t errlen)
{
	struct keyd_group	*g;
	struct ident_iff	 iff;
	struct ident_gq		 gq;
	struct ident_mv_client	 mv;
	uint32_t		 fs;
	int			 r = -1;

	if (c->ngroups >= KEYD_MAXGROUPS) {
		log_warnx("%s: more than %d group parameter files; ignoring "
		    "%s", dir, KEYD_MAXGROUPS, group);
		return (0);
	}
	g = &c->groups[c->ngroups];
	memset(g, 0, sizeof(*g));
	if (strlcpy(g->info.group, group, sizeof(g->info.group)) >=
	    sizeof(g->info.group)) {
		snprintf(err, errlen, "%s: group name too long: %s", dir,
		    group);
		return (-1);
	}
	g->info.scheme = scheme;
	switch (scheme) {
	case KEYD_SCHEME_IFF:
		if (keyfile_load_iffpar(dir, group, &iff, &fs, err,
		    errlen) == -1)
			return (-1);
		g->info.chlen = (uint32_t)ident_iff_challenge_len(&iff);
		r = keyd_group_params(g, iff.p, iff.q, iff.g, iff.v, 4);
		ident_iff_free(&iff);
		break;
	case KEYD_SCHEME_GQ:
		if (keyfile_load_gqpar(dir, group, &gq, &fs, err,
		    errlen) == -1)
			return (-1);
		g->info.chlen = (uint32_t)ident_gq_challenge_len(&gq);
		r = keyd_group_params(g, gq.n, gq.b, gq.v, NULL, 3);
		ident_gq_free(&gq);
		break;
	case KEYD_SCHEME_MV:
		if (keyfile_load_mvpar(dir, group, &mv, &fs, err,
		    errlen) == -1)
			return (-1);
		g->info.chlen = (uint32_t)ident_mv_challenge_len(&mv);
		r = keyd_group_params(g, mv.p, mv.xbar, mv.xhat, NULL, 3);
		ident_mv_client_free(&mv);
		break;
	default:
		return (-1);
	}
	if (r == -1) {
		snprintf(err, errlen, "%s: group %s: parameters too large",
		    dir, group);
		return (-1);
	}
	g->info.fstamp = fs;
	c->ngroups++;
	return (0);
}

/* Every ntpkey_{iff,gq,mv}par_<group> in the directory. */
/*
 * "ntpkey_iffpar_GROUP.FILESTAMP" is the file that the standard link
 * "ntpkey_iffpar_GROUP" points to: load the group once, by its link.
 * A stamped file without a link (installed by hand) still counts.
 */
static int
keyd_stamped_twin(const char *dir, const char *name)
{
	char link[512];
	const char *dot = strrchr(name, '.');
	size_t i, n;
	struct stat st;

	if (dot == NULL || dot[1] == '\0')
		return (0);
	for (i = 1; dot[i] != '\0'; i++)
		if (dot[i] < '0' || dot[i] > '9')
			return (0);
	n = (size_t)(dot - name);
	if (snprintf(link, sizeof(link), "%s/%.*s", dir, (int)n, name) >=
	    (int)sizeof(link))
		return (0);
	return (lstat(link, &st) == 0);
}

static int
keyd_load_groups(struct keyd_ctx *c, const char *dir, char *err,
    size_t errlen)
{
	static const struct {
		const char	*prefix;
		uint32_t	 scheme;
	} kinds[] = {
		{ "ntpkey_iffpar_", KEYD_SCHEME_IFF },
		{ "ntpkey_gqpar_", KEYD_SCHEME_GQ },
		{ "ntpkey_mvpar_", KEYD_SCHEME_MV },
	};
	DIR		*d;
	struct dirent	*de;
	size_t		 i, pl;
	int		 rv = 0;

	if ((d = opendir(dir)) == NULL) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return (-1);
	}
	while (rv == 0 && (de = readdir(d)) != NULL) {
		for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
			pl = strlen(kinds[i].prefix);
			if (strncmp(de->d_name, kinds[i].prefix, pl) != 0 ||
			    de->d_name[pl] == '\0' ||
			    keyd_stamped_twin(dir, de->d_name))
				continue;
			rv = keyd_load_group(c, dir, kinds[i].scheme,
			    de->d_name + pl, err, errlen);
		}
	}
	closedir(d);
	return (rv);
}

static int
keyd_der(X509 *x, EVP_PKEY *pk, uint8_t **out, size_t *outlen)
{
	unsigned char	*p = NULL;
	int		 n;

	n = x != NULL ? i2d_X509(x, &p) : i2d_PublicKey(pk, &p);
	if (n <= 0)
		return (-1);
	*out = p;
	*outlen = (size_t)n;
	return (0);
}

static void
keyd_fill_public(struct keyd_ctx *c, const struct keyset *ks)
{
	struct ipc_keyd_public	*p = &c->pub;
	const char		*at;

	memset(p, 0, sizeof(*p));
	p->status = 0x01;			/* ENAB */
	if (ks->certinfo.mark == CERT_MARK_PRIVATE)
		p->status |= 0x10;		/* PRIV */
	if (c->have_iff)
		p->status |= KEYD_SCHEME_IFF;
	if (c->have_gq)
		p->status |= KEYD_SCHEME_GQ;
	if (c->have_mv)
		p->status |= KEYD_SCHEME_MV;
	p->status |= (uint32_t)ks->certinfo.signid << 16;
	p->sign_nid = ks->certinfo.signid;
	p->digest_nid = EVP_MD_get_type(c->md);
	p->siglen = (uint32_t)EVP_PKEY_get_size(c->signkey != NULL ?
	    c->signkey : c->hostkey);
	p->modlen = (uint32_t)EVP_PKEY_get_size(c->hostkey);
	p->host_fs = ks->host_fs;
	p->sign_fs = c->signkey != NULL ? ks->sign_fs : ks->host_fs;
	p->cert_fs = ks->cert_fs;
	p->iff_fs = ks->have_iff ? ks->iff_fs : 0;
	p->gq_fs = ks->have_gq ? ks->gq_fs : 0;
	p->mv_fs = ks->have_mv ? ks->mv_fs : 0;
	p->ncerts = 1;
	p->ngroups = (uint32_t)c->ngroups;
	p->keylen = (uint32_t)c->hostpublen;
	strlcpy(p->host, ks->certinfo.subject, sizeof(p->host));
	if ((at = strchr(ks->certinfo.subject, '@')) != NULL)
		strlcpy(p->group, at + 1, sizeof(p->group));
	strlcpy(p->ident, c->ident, sizeof(p->ident));
}

int
keyd_ctx_load(struct keyd_ctx *c, const char *dir, const char *host,
    const char *ident, const char *digest, const char *pw, char *err,
    size_t errlen)
{
	struct keyset	 ks;
	EVP_PKEY	*certkey;
	char		 name[KEYFILE_NAMELEN], when[32];
	time_t		 now = c->fake_now ? c->fake_now : time(NULL);
	int		 mdnid, pknid, dirfd;
	struct tm	 tm;

	if (host == NULL || host[0] == '\0') {
		snprintf(err, errlen, "no host name for the key files");
		return (-1);
	}
	if (ident == NULL || ident[0] == '\0')
		ident = host;
	/* ntp-keygen's default password is the host name. */
	if (pw == NULL || pw[0] == '\0')
		pw = host;
	strlcpy(c->host, host, sizeof(c->host));
	strlcpy(c->ident, ident, sizeof(c->ident));

	if ((dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "keys directory %s: %s", dir,
		    strerror(errno));
		return (-1);
	}
	if (keyd_check_owner(dirfd, dir, "iffkey", "IFFkey", ident, err,
	    errlen) == -1 ||
	    keyd_check_owner(dirfd, dir, "gqkey", "GQkey", ident, err,
	    errlen) == -1 ||
	    keyd_check_owner(dirfd, dir, "mvkey", "MVkey", ident, err,
	    errlen) == -1 ||
	    keyd_check_owner(dirfd, dir, "host", "RSAhost", host, err,
	    errlen) == -1) {
		close(dirfd);
		return (-1);
	}
	close(dirfd);

	if (keyfile_load_host(dir, host, ident, pw, &ks, err, errlen) == -1)
		return (-1);

	snprintf(name, sizeof(name), "%s/ntpkey_cert_%s", dir, host);
	if (ks.certinfo.notbefore > now) {
		gmtime_r(&ks.certinfo.notbefore, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
		snprintf(err, errlen, "%s: certificate not valid before %s",
		    name, when);
		goto fail;
	}
	if (ks.certinfo.notafter < now) {
		gmtime_r(&ks.certinfo.notafter, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
		snprintf(err, errlen, "%s: certificate expired on %s", name,
		    when);
		goto fail;
	}
	certkey = X509_get0_pubkey(ks.cert);
	if (certkey == NULL || EVP_PKEY_eq(certkey, ks.signkey != NULL ?
	    ks.signkey : ks.hostkey) != 1) {
		snprintf(err, errlen, "%s: the certificate's public key is not "
		    "the %s key", name, ks.signkey != NULL ? "sign" : "host");
		goto fail;
	}
	if (!OBJ_find_sigid_algs(ks.certinfo.signid, &mdnid, &pknid) ||
	    (c->md = EVP_get_digestbynid(mdnid)) == NULL) {
		snprintf(err, errlen, "%s: unsupported signature scheme %s",
		    name, ks.certinfo.scheme);
		goto fail;
	}
	if (digest != NULL && digest[0] != '\0' &&
	    EVP_get_digestbyname(digest) == NULL) {
		snprintf(err, errlen, "crypto digest %s: unknown to libcrypto",
		    digest);
		goto fail;
	}
	if (keyd_load_groups(c, dir, err, errlen) == -1)
		goto fail;

	/* Take the keys over from the keyset. */
	c->hostkey = ks.hostkey;
	c->signkey = ks.signkey;
	c->cert = ks.cert;
	c->certinfo = ks.certinfo;
	c->have_iff = ks.have_iff;
	c->iff = ks.iff;
	c->have_gq = ks.have_gq;
	c->gq = ks.gq;
	c->have_mv = ks.have_mv;
	c->mv = ks.mv;
	if (keyd_der(c->cert, NULL, &c->certder, &c->certderlen) == -1 ||
	    keyd_der(NULL, c->hostkey, &c->hostpub, &c->hostpublen) == -1 ||
	    c->hostpublen > KEYD_MAXKEYDER || c->certderlen > KEYD_MAXVAL) {
		snprintf(err, errlen, "%s: cannot encode the public material",
		    dir);
		memset(&ks, 0, sizeof(ks));
		keyd_ctx_free(c);
		return (-1);
	}
	if (keyd_seal(c) == -1) {
		snprintf(err, errlen, "%s: cannot put the private material "
		    "into secure memory", dir);
		memset(&ks, 0, sizeof(ks));
		keyd_ctx_free(c);
		return (-1);
	}
	keyd_fill_public(c, &ks);
	c->crypto = 1;
	memset(&ks, 0, sizeof(ks));
	return (0);
 fail:
	keyfile_keyset_free(&ks);
	keyd_ctx_free(c);
	return (-1);
}
