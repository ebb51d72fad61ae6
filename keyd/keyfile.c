/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include <sodium.h>

#include "keyfile.h"

struct keyfile_blob {
	unsigned char	*der;
	size_t		 len;
};

static int	keyfile_pwcb(char *, int, int, void *);
static int	keyfile_blob_i2d(const void *, unsigned char **);
static int	keyfile_der_int(unsigned char **, size_t *, size_t *,
		    const BIGNUM *);
static const char *keyfile_memmem(const char *, size_t, const char *);
static int	keyfile_writeall(int, const char *, size_t);

/*
 * OpenSSL's default callback would prompt on the terminal; ours hands
 * over the given password or refuses.
 */
static int
keyfile_pwcb(char *buf, int size, int rwflag, void *u)
{
	const char	*pw = u;
	size_t		 n;

	if (pw == NULL || size <= 0)
		return (-1);
	n = strlen(pw);
	if (n > (size_t)size)
		return (-1);
	memcpy(buf, pw, n);
	return ((int)n);
}

static const char *
keyfile_memmem(const char *hay, size_t len, const char *needle)
{
	size_t	 n = strlen(needle);

	if (n == 0 || len < n)
		return (NULL);
	return (memmem(hay, len, needle, n));
}

const char *
keyfile_formname(enum keyfile_form f)
{
	switch (f) {
	case KEYFILE_FORM_PKCS8:
		return ("PKCS#8");
	case KEYFILE_FORM_PKCS8_ENC:
		return ("encrypted PKCS#8");
	case KEYFILE_FORM_TRAD:
		return ("traditional PEM");
	case KEYFILE_FORM_TRAD_ENC:
		return ("encrypted traditional PEM");
	case KEYFILE_FORM_CERT:
		return ("certificate");
	default:
		return ("none");
	}
}

/*
 * Parse the header: the first line must be "# <name>.<filestamp>".
 * The reference takes the filestamp from the text after the last '.',
 * so do we; unlike it we insist that the rest of the line is digits.
 * On success *body is the offset just past the first line.
 */
int
keyfile_header(const char *buf, size_t len, uint32_t *fstamp, char *name,
    size_t namelen, size_t *body)
{
	const char	*nl, *dot, *p, *s, *e;
	unsigned long	 v;

	if (len == 0)
		return (-1);
	nl = memchr(buf, '\n', len < 1024 ? len : 1024);
	if (nl == NULL)
		return (-1);
	if (buf[0] != '#')
		return (-1);
	s = buf + 1;
	while (s < nl && (*s == ' ' || *s == '\t'))
		s++;
	e = nl;
	while (e > s && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
		e--;
	dot = NULL;
	for (p = s; p < e; p++)
		if (*p == '.')
			dot = p;
	if (dot == NULL || dot + 1 == e || e - (dot + 1) > 10)
		return (-1);
	v = 0;
	for (p = dot + 1; p < e; p++) {
		if (*p < '0' || *p > '9')
			return (-1);
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v > UINT32_MAX)
		return (-1);
	if (name != NULL && namelen > 0) {
		if ((size_t)(e - s) >= namelen)
			return (-1);
		memcpy(name, s, (size_t)(e - s));
		name[e - s] = '\0';
	}
	*fstamp = (uint32_t)v;
	if (body != NULL)
		*body = (size_t)(nl + 1 - buf);
	return (0);
}

/*
 * Parse a whole key or certificate file held in memory.  No I/O: the
 * fuzzer and the tests call this directly.
 */
int
keyfile_parse(const void *vbuf, size_t len, const char *pw,
    struct keyfile *kf, char *err, size_t errlen)
{
	const char	*buf = vbuf, *p, *end, *lab, *labend, *blkend;
	char		 label[64];
	size_t		 off, n;
	BIO		*bio;
	EVP_PKEY	*pkey;
	enum keyfile_form form;

	memset(kf, 0, sizeof(*kf));
	if (len > KEYFILE_MAXSIZE) {
		snprintf(err, errlen, "file too large");
		return (-1);
	}
	if (keyfile_header(buf, len, &kf->fstamp, kf->name, sizeof(kf->name),
	    &off) == -1) {
		snprintf(err, errlen, "first line is not "
		    "\"# <name>.<filestamp>\"");
		return (-1);
	}
	p = buf + off;
	end = buf + len;
	for (;;) {
		lab = keyfile_memmem(p, (size_t)(end - p), "-----BEGIN ");
		if (lab == NULL)
			break;
		lab += strlen("-----BEGIN ");
		labend = keyfile_memmem(lab, (size_t)(end - lab), "-----");
		if (labend == NULL || labend - lab >= (ptrdiff_t)sizeof(label) ||
		    memchr(lab, '\n', (size_t)(labend - lab)) != NULL) {
			snprintf(err, errlen, "malformed PEM header");
			goto fail;
		}
		n = (size_t)(labend - lab);
		memcpy(label, lab, n);
		label[n] = '\0';
		blkend = keyfile_memmem(labend, (size_t)(end - labend),
		    "-----END ");
		if (blkend == NULL) {
			snprintf(err, errlen, "PEM block \"%s\" not terminated",
			    label);
			goto fail;
		}
		blkend = memchr(blkend, '\n', (size_t)(end - blkend));
		blkend = blkend == NULL ? end : blkend + 1;
		lab -= strlen("-----BEGIN ");
		if (blkend - lab > INT_MAX)
			goto fail;
		if ((bio = BIO_new_mem_buf(lab, (int)(blkend - lab))) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		if (strcmp(label, "CERTIFICATE") == 0) {
			if (kf->cert != NULL || kf->nkeys != 0) {
				BIO_free(bio);
				snprintf(err, errlen, "more than one certificate");
				goto fail;
			}
			kf->cert = PEM_read_bio_X509(bio, NULL, keyfile_pwcb,
			    NULL);
			BIO_free(bio);
			if (kf->cert == NULL) {
				snprintf(err, errlen, "malformed certificate");
				goto fail;
			}
			p = blkend;
			continue;
		}
		if (strcmp(label, "ENCRYPTED PRIVATE KEY") == 0)
			form = KEYFILE_FORM_PKCS8_ENC;
		else if (strcmp(label, "PRIVATE KEY") == 0)
			form = KEYFILE_FORM_PKCS8;
		else if (strcmp(label, "RSA PRIVATE KEY") == 0 ||
		    strcmp(label, "DSA PRIVATE KEY") == 0)
			form = keyfile_memmem(lab, (size_t)(blkend - lab),
			    "Proc-Type: 4,ENCRYPTED") != NULL ?
			    KEYFILE_FORM_TRAD_ENC : KEYFILE_FORM_TRAD;
		else {
			BIO_free(bio);
			snprintf(err, errlen, "unexpected PEM block \"%s\"",
			    label);
			goto fail;
		}
		if (kf->nkeys >= KEYFILE_MAXKEYS || kf->cert != NULL) {
			BIO_free(bio);
			snprintf(err, errlen, "too many PEM blocks");
			goto fail;
		}
		if ((form == KEYFILE_FORM_PKCS8_ENC ||
		    form == KEYFILE_FORM_TRAD_ENC) && pw == NULL) {
			BIO_free(bio);
			snprintf(err, errlen, "key is encrypted and no "
			    "password was given");
			goto fail;
		}
		pkey = PEM_read_bio_PrivateKey(bio, NULL, keyfile_pwcb,
		    (void *)(uintptr_t)pw);
		BIO_free(bio);
		if (pkey == NULL) {
			if (form == KEYFILE_FORM_PKCS8_ENC ||
			    form == KEYFILE_FORM_TRAD_ENC)
				snprintf(err, errlen, "cannot decrypt key %d "
				    "(wrong password?)", kf->nkeys + 1);
			else
				snprintf(err, errlen, "malformed %s key %d",
				    keyfile_formname(form), kf->nkeys + 1);
			goto fail;
		}
		kf->keys[kf->nkeys] = pkey;
		kf->form[kf->nkeys] = form;
		kf->nkeys++;
		p = blkend;
	}
	if (kf->nkeys == 0 && kf->cert == NULL) {
		snprintf(err, errlen, "no PEM key or certificate");
		goto fail;
	}
	ERR_clear_error();
	return (0);
 fail:
	ERR_clear_error();
	keyfile_free(kf);
	return (-1);
}

int
keyfile_exists(int dirfd, const char *name)
{
	struct stat	 st;

	return (fstatat(dirfd, name, &st, 0) == 0);
}

/*
 * Read a file relative to dirfd (symbolic links followed, as ntpd
 * does).  Errors name the file.
 */
int
keyfile_readat(int dirfd, const char *name, const char *pw,
    struct keyfile *kf, char *err, size_t errlen)
{
	struct stat	 st;
	char		*buf, why[KEYFILE_ERRLEN];
	ssize_t		 n;
	size_t		 have = 0;
	int		 fd, rv;

	memset(kf, 0, sizeof(*kf));
	if ((fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		return (-1);
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > KEYFILE_MAXSIZE) {
		snprintf(err, errlen, "%s: not a regular file of at most "
		    "%d bytes", name, KEYFILE_MAXSIZE);
		close(fd);
		return (-1);
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		close(fd);
		return (-1);
	}
	while (have < (size_t)st.st_size) {
		n = read(fd, buf + have, (size_t)st.st_size - have);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	close(fd);
	rv = keyfile_parse(buf, have, pw, kf, why, sizeof(why));
	if (rv == -1)
		snprintf(err, errlen, "%s: %s", name, why);
	sodium_memzero(buf, have);
	free(buf);
	return (rv);
}

void
keyfile_free(struct keyfile *kf)
{
	int	 i;

	for (i = 0; i < kf->nkeys && i < KEYFILE_MAXKEYS; i++)
		EVP_PKEY_free(kf->keys[i]);
	X509_free(kf->cert);
	memset(kf, 0, sizeof(*kf));
}

uint32_t
keyfile_fstamp(time_t t)
{
	return ((uint32_t)((uint64_t)t + KEYFILE_JAN1970));
}

/* "ntpkey_<type>_<owner>.<fstamp>"; -1 if it does not fit. */
int
keyfile_name(char *buf, size_t len, const char *type, const char *owner,
    uint32_t fstamp)
{
	int	 n;

	n = snprintf(buf, len, "ntpkey_%s_%s.%u", type, owner, fstamp);
	return (n < 0 || (size_t)n >= len ? -1 : 0);
}

/* Start a file: the two header lines and ctime's blank line. */
BIO *
keyfile_begin(const char *name, time_t now)
{
	BIO	*bio;
	char	 tbuf[64];
	struct tm tm;

	if ((bio = BIO_new(BIO_s_secmem())) == NULL)
		return (NULL);
	if (localtime_r(&now, &tm) == NULL ||
	    strftime(tbuf, sizeof(tbuf), "%a %b %e %H:%M:%S %Y", &tm) == 0)
		strlcpy(tbuf, "?", sizeof(tbuf));
	if (BIO_printf(bio, "# %s\n# %s\n\n", name, tbuf) <= 0) {
		BIO_free(bio);
		return (NULL);
	}
	return (bio);
}

/*
 * PKCS#8, encrypted with PBES2/PBKDF2 when pw is set (OpenSSL's
 * defaults: 2048 iterations, hmacWithSHA256), as the reference writes.
 */
int
keyfile_add_pkcs8(BIO *bio, EVP_PKEY *pkey, const char *pw,
    const EVP_CIPHER *cipher)
{
	int	 rv;

	if (pw != NULL && cipher != NULL)
		rv = PEM_write_bio_PKCS8PrivateKey(bio, pkey, cipher, NULL, 0,
		    keyfile_pwcb, (void *)(uintptr_t)pw);
	else
		rv = PEM_write_bio_PKCS8PrivateKey(bio, pkey, NULL, NULL, 0,
		    NULL, NULL);
	ERR_clear_error();
	return (rv == 1 ? 0 : -1);
}

static int
keyfile_blob_i2d(const void *v, unsigned char **out)
{
	const struct keyfile_blob *b = v;

	if (out != NULL && *out != NULL) {
		memcpy(*out, b->der, b->len);
		*out += b->len;
	}
	return ((int)b->len);
}

/* Append the DER INTEGER of a non-negative bn at buf[*off]. */
static int
keyfile_der_int(unsigned char **buf, size_t *off, size_t *cap,
    const BIGNUM *bn)
{
	size_t	 n, need, hdr;
	int	 pad;

	if (BN_is_negative(bn))
		return (-1);
	n = (size_t)BN_num_bytes(bn);
	pad = n == 0 || BN_is_bit_set(bn, (int)(n * 8 - 1));
	need = n + (size_t)pad;
	hdr = need < 0x80 ? 2 : need < 0x100 ? 3 : need < 0x10000 ? 4 : 0;
	if (hdr == 0 || *off + hdr + need > *cap)
		return (-1);
	(*buf)[(*off)++] = 0x02;
	if (need >= 0x100) {
		(*buf)[(*off)++] = 0x82;
		(*buf)[(*off)++] = (unsigned char)(need >> 8);
	} else if (need >= 0x80)
		(*buf)[(*off)++] = 0x81;
	(*buf)[(*off)++] = (unsigned char)need;
	if (pad)
		(*buf)[(*off)++] = 0;
	if (n > 0 && BN_bn2bin(bn, *buf + *off) != (int)n)
		return (-1);
	*off += n;
	return (0);
}

/*
 * The traditional "DSA PRIVATE KEY" form, SEQUENCE { 0, p, q, g, pub,
 * priv }, written from raw numbers.  It is the only standard DSA form
 * that stores the public slot as given; the identity schemes put values
 * there that are not g^priv (IFF v, MV ghat and xhat), which PKCS#8
 * would lose.  With pw set, the legacy Proc-Type/DEK-Info encryption.
 */
int
keyfile_add_dsa_trad(BIO *bio, const BIGNUM *p, const BIGNUM *q,
    const BIGNUM *g, const BIGNUM *pub, const BIGNUM *priv, const char *pw,
    const EVP_CIPHER *cipher)
{
	const BIGNUM	*v[6];
	BIGNUM		*zero;
	struct keyfile_blob blob;
	unsigned char	*body = NULL, *der = NULL;
	size_t		 cap, off = 0, i;
	int		 rv = -1, hdr;

	if ((zero = BN_new()) == NULL)
		return (-1);
	BN_zero(zero);
	v[0] = zero; v[1] = p; v[2] = q; v[3] = g; v[4] = pub; v[5] = priv;
	cap = 64;
	for (i = 0; i < 6; i++)
		cap += (size_t)BN_num_bytes(v[i]) + 8;
	if ((body = malloc(cap)) == NULL || (der = malloc(cap + 8)) == NULL)
		goto done;
	for (i = 0; i < 6; i++)
		if (keyfile_der_int(&body, &off, &cap, v[i]) == -1)
			goto done;
	der[0] = 0x30;
	if (off < 0x80) {
		der[1] = (unsigned char)off;
		hdr = 2;
	} else if (off < 0x100) {
		der[1] = 0x81;
		der[2] = (unsigned char)off;
		hdr = 3;
	} else if (off < 0x10000) {
		der[1] = 0x82;
		der[2] = (unsigned char)(off >> 8);
		der[3] = (unsigned char)off;
		hdr = 4;
	} else
		goto done;
	memcpy(der + hdr, body, off);
	blob.der = der;
	blob.len = off + (size_t)hdr;
	if (pw != NULL && cipher != NULL)
		rv = PEM_ASN1_write_bio(keyfile_blob_i2d, "DSA PRIVATE KEY",
		    bio, &blob, cipher, NULL, 0, keyfile_pwcb,
		    (void *)(uintptr_t)pw);
	else
		rv = PEM_ASN1_write_bio(keyfile_blob_i2d, "DSA PRIVATE KEY",
		    bio, &blob, NULL, NULL, 0, NULL, NULL);
	rv = rv == 1 ? 0 : -1;
 done:
	if (body != NULL) {
		sodium_memzero(body, cap);
		free(body);
	}
	if (der != NULL) {
		sodium_memzero(der, cap + 8);
		free(der);
	}
	BN_free(zero);
	ERR_clear_error();
	return (rv);
}

int
keyfile_add_cert(BIO *bio, X509 *cert)
{
	return (PEM_write_bio_X509(bio, cert) == 1 ? 0 : -1);
}

static int
keyfile_writeall(int fd, const char *p, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return (-1);
		p += n;
		len -= (size_t)n;
	}
	return (0);
}

/*
 * Write the BIO's text to dirfd/name: a temporary file in the same
 * directory, created with the final mode, synced, then renamed, so a
 * reader never sees a partial file.  The BIO is freed.
 */
int
keyfile_commit(BIO *bio, int dirfd, const char *name, mode_t mode,
    char *err, size_t errlen)
{
	char		 tmp[KEYFILE_NAMELEN + 32];
	const char	*data;
	long		 len;
	int		 fd, i, saved;

	len = BIO_get_mem_data(bio, &data);
	if (len <= 0) {
		BIO_free(bio);
		snprintf(err, errlen, "%s: nothing to write", name);
		return (-1);
	}
	fd = -1;
	for (i = 0; i < 100 && fd == -1; i++) {
		if (snprintf(tmp, sizeof(tmp), ".%s.tmp%08x", name,
		    randombytes_random()) >= (int)sizeof(tmp)) {
			BIO_free(bio);
			snprintf(err, errlen, "%s: name too long", name);
			return (-1);
		}
		fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, mode);
		if (fd == -1 && errno != EEXIST)
			break;
	}
	if (fd == -1) {
		snprintf(err, errlen, "cannot create %s: %s", name,
		    strerror(errno));
		BIO_free(bio);
		return (-1);
	}
	if (fchmod(fd, mode) == -1 ||
	    keyfile_writeall(fd, data, (size_t)len) == -1 ||
	    fsync(fd) == -1) {
		saved = errno;
		close(fd);
		unlinkat(dirfd, tmp, 0);
		BIO_free(bio);
		snprintf(err, errlen, "cannot write %s: %s", name,
		    strerror(saved));
		return (-1);
	}
	BIO_free(bio);
	if (close(fd) == -1 || renameat(dirfd, tmp, dirfd, name) == -1) {
		saved = errno;
		unlinkat(dirfd, tmp, 0);
		snprintf(err, errlen, "cannot write %s: %s", name,
		    strerror(saved));
		return (-1);
	}
	return (0);
}

/* Write the BIO's text to a descriptor (exports to stdout). */
int
keyfile_output(BIO *bio, int fd, char *err, size_t errlen)
{
	const char	*data;
	long		 len;

	len = BIO_get_mem_data(bio, &data);
	if (len <= 0 || keyfile_writeall(fd, data, (size_t)len) == -1) {
		snprintf(err, errlen, "cannot write to output: %s",
		    len <= 0 ? "empty" : strerror(errno));
		return (-1);
	}
	return (0);
}

/*
 * Point linkname at target (a name in the same directory).  The new
 * link is made under a temporary name and renamed over the old one, so
 * the link always exists and always points at a complete file.
 */
int
keyfile_link(int dirfd, const char *target, const char *linkname,
    char *err, size_t errlen)
{
	char		 tmp[KEYFILE_NAMELEN + 32];
	struct stat	 st;
	int		 i, rv = -1;

	if (fstatat(dirfd, linkname, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !S_ISLNK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a symbolic link; "
		    "not replacing it", linkname);
		return (-1);
	}
	for (i = 0; i < 100 && rv == -1; i++) {
		if (snprintf(tmp, sizeof(tmp), ".%s.lnk%08x", linkname,
		    randombytes_random()) >= (int)sizeof(tmp)) {
			snprintf(err, errlen, "%s: name too long", linkname);
			return (-1);
		}
		rv = symlinkat(target, dirfd, tmp);
		if (rv == -1 && errno != EEXIST)
			break;
	}
	if (rv == -1) {
		snprintf(err, errlen, "cannot create link %s: %s", linkname,
		    strerror(errno));
		return (-1);
	}
	if (renameat(dirfd, tmp, dirfd, linkname) == -1) {
		snprintf(err, errlen, "cannot create link %s: %s", linkname,
		    strerror(errno));
		unlinkat(dirfd, tmp, 0);
		return (-1);
	}
	return (0);
}

/* The target of a link, or the name itself if it is not a link. */
int
keyfile_readlink(int dirfd, const char *name, char *buf, size_t len)
{
	ssize_t	 n;

	n = readlinkat(dirfd, name, buf, len - 1);
	if (n == -1) {
		if (errno != EINVAL)
			return (-1);
		if (strlcpy(buf, name, len) >= len)
			return (-1);
		return (0);
	}
	buf[n] = '\0';
	return (0);
}

/* Open keysdir and read name; "absent" (1) is not an error here. */
static int
keyfile_load_one(int dirfd, const char *dir, const char *name,
    const char *pw, int required, struct keyfile *kf, char *err,
    size_t errlen)
{
	char	 why[KEYFILE_ERRLEN];

	if (!keyfile_exists(dirfd, name)) {
		if (!required)
			return (1);
		snprintf(err, errlen, "%s/%s: missing", dir, name);
		return (-1);
	}
	if (keyfile_readat(dirfd, name, pw, kf, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "%s/%s", dir, why);
		return (-1);
	}
	return (0);
}

static int
keyfile_opendir(const char *dir, char *err, size_t errlen)
{
	int	 fd;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
	return (fd);
}

/*
 * Load a host's key material.  ident names the server identity files
 * (NULL: the host name).  Errors are one line naming the file.
 */
int
keyfile_load_host(const char *dir, const char *host, const char *ident,
    const char *pw, struct keyset *ks, char *err, size_t errlen)
{
	struct keyfile	 kf;
	char		 name[KEYFILE_NAMELEN], why[KEYFILE_ERRLEN];
	int		 dirfd, r;

	memset(ks, 0, sizeof(*ks));
	if (ident == NULL)
		ident = host;
	if ((dirfd = keyfile_opendir(dir, err, errlen)) == -1)
		return (-1);

	snprintf(name, sizeof(name), "ntpkey_host_%s", host);
	if (keyfile_load_one(dirfd, dir, name, pw, 1, &kf, err, errlen) != 0)
		goto fail;
	if (kf.nkeys != 1 || EVP_PKEY_get_base_id(kf.keys[0]) != EVP_PKEY_RSA) {
		snprintf(err, errlen, "%s/%s: the host key must be one RSA key",
		    dir, name);
		keyfile_free(&kf);
		goto fail;
	}
	ks->hostkey = kf.keys[0];
	ks->host_fs = kf.fstamp;
	kf.keys[0] = NULL;
	kf.nkeys = 0;
	keyfile_free(&kf);

	snprintf(name, sizeof(name), "ntpkey_sign_%s", host);
	if ((r = keyfile_load_one(dirfd, dir, name, pw, 0, &kf, err,
	    errlen)) == -1)
		goto fail;
	if (r == 0) {
		if (kf.nkeys != 1) {
			snprintf(err, errlen, "%s/%s: expected one key", dir,
			    name);
			keyfile_free(&kf);
			goto fail;
		}
		ks->signkey = kf.keys[0];
		ks->sign_fs = kf.fstamp;
		kf.keys[0] = NULL;
		kf.nkeys = 0;
		keyfile_free(&kf);
	}

	snprintf(name, sizeof(name), "ntpkey_cert_%s", host);
	if (keyfile_load_one(dirfd, dir, name, NULL, 1, &kf, err, errlen) != 0)
		goto fail;
	if (kf.cert == NULL || kf.nkeys != 0) {
		snprintf(err, errlen, "%s/%s: not a certificate file", dir,
		    name);
		keyfile_free(&kf);
		goto fail;
	}
	ks->cert = kf.cert;
	ks->cert_fs = kf.fstamp;
	kf.cert = NULL;
	keyfile_free(&kf);
	if (cert_info(ks->cert, &ks->certinfo, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "%s/%s: %s", dir, name, why);
		goto fail;
	}
	if (!ks->certinfo.selfsigned) {
		snprintf(err, errlen, "%s/%s: the host certificate must be "
		    "self-signed", dir, name);
		goto fail;
	}

	snprintf(name, sizeof(name), "ntpkey_iffkey_%s", ident);
	if ((r = keyfile_load_one(dirfd, dir, name, pw, 0, &kf, err,
	    errlen)) == -1)
		goto fail;
	if (r == 0) {
		r = ident_iff_load(&kf, 1, &ks->iff, why, sizeof(why));
		ks->iff_fs = kf.fstamp;
		keyfile_free(&kf);
		if (r == -1) {
			snprintf(err, errlen, "%s/%s: %s", dir, name, why);
			goto fail;
		}
		ks->have_iff = 1;
	}
	snprintf(name, sizeof(name), "ntpkey_gqkey_%s", ident);
	if ((r = keyfile_load_one(dirfd, dir, name, pw, 0, &kf, err,
	    errlen)) == -1)
		goto fail;
	if (r == 0) {
		r = ident_gq_load(&kf, 1, &ks->gq, why, sizeof(why));
		ks->gq_fs = kf.fstamp;
		keyfile_free(&kf);
		if (r == -1) {
			snprintf(err, errlen, "%s/%s: %s", dir, name, why);
			goto fail;
		}
		ks->have_gq = 1;
	}
	snprintf(name, sizeof(name), "ntpkey_mvkey_%s", ident);
	if ((r = keyfile_load_one(dirfd, dir, name, pw, 0, &kf, err,
	    errlen)) == -1)
		goto fail;
	if (r == 0) {
		r = ident_mv_load_server(&kf, &ks->mv, why, sizeof(why));
		ks->mv_fs = kf.fstamp;
		keyfile_free(&kf);
		if (r == -1) {
			snprintf(err, errlen, "%s/%s: %s", dir, name, why);
			goto fail;
		}
		ks->have_mv = 1;
	}
	close(dirfd);
	return (0);
 fail:
	close(dirfd);
	keyfile_keyset_free(ks);
	return (-1);
}

void
keyfile_keyset_free(struct keyset *ks)
{
	EVP_PKEY_free(ks->hostkey);
	EVP_PKEY_free(ks->signkey);
	X509_free(ks->cert);
	ident_iff_free(&ks->iff);
	ident_gq_free(&ks->gq);
	ident_mv_server_free(&ks->mv);
	memset(ks, 0, sizeof(*ks));
}

/* Client parameters: ntpkey_<x>par_<group>, unencrypted. */
static int
keyfile_load_par(const char *dir, const char *kind, const char *group,
    struct keyfile *kf, char *name, size_t namelen, char *err,
    size_t errlen)
{
	int	 dirfd, r;

	snprintf(name, namelen, "ntpkey_%spar_%s", kind, group);
	if ((dirfd = keyfile_opendir(dir, err, errlen)) == -1)
		return (-1);
	r = keyfile_load_one(dirfd, dir, name, NULL, 1, kf, err, errlen);
	close(dirfd);
	return (r == 0 ? 0 : -1);
}

int
keyfile_load_iffpar(const char *dir, const char *group,
    struct ident_iff *iff, uint32_t *fstamp, char *err, size_t errlen)
{
	struct keyfile	 kf;
	char		 name[KEYFILE_NAMELEN], why[KEYFILE_ERRLEN];
	int		 r;

	if (keyfile_load_par(dir, "iff", group, &kf, name, sizeof(name), err,
	    errlen) == -1)
		return (-1);
	r = ident_iff_load(&kf, 0, iff, why, sizeof(why));
	*fstamp = kf.fstamp;
	keyfile_free(&kf);
	if (r == -1)
		snprintf(err, errlen, "%s/%s: %s", dir, name, why);
	return (r);
}

int
keyfile_load_gqpar(const char *dir, const char *group, struct ident_gq *gq,
    uint32_t *fstamp, char *err, size_t errlen)
{
	struct keyfile	 kf;
	char		 name[KEYFILE_NAMELEN], why[KEYFILE_ERRLEN];
	int		 r;

	if (keyfile_load_par(dir, "gq", group, &kf, name, sizeof(name), err,
	    errlen) == -1)
		return (-1);
	r = ident_gq_load(&kf, 0, gq, why, sizeof(why));
	*fstamp = kf.fstamp;
	keyfile_free(&kf);
	if (r == -1)
		snprintf(err, errlen, "%s/%s: %s", dir, name, why);
	return (r);
}

int
keyfile_load_mvpar(const char *dir, const char *group,
    struct ident_mv_client *cl, uint32_t *fstamp, char *err, size_t errlen)
{
	struct keyfile	 kf;
	char		 name[KEYFILE_NAMELEN], why[KEYFILE_ERRLEN];
	int		 r;

	if (keyfile_load_par(dir, "mv", group, &kf, name, sizeof(name), err,
	    errlen) == -1)
		return (-1);
	r = ident_mv_load_client(&kf, cl, why, sizeof(why));
	*fstamp = kf.fstamp;
	keyfile_free(&kf);
	if (r == -1)
		snprintf(err, errlen, "%s/%s: %s", dir, name, why);
	return (r);
}
