/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * ntp-keygen: make and update an Autokey keys directory (the current
 * directory), option- and file-compatible with the reference tool for
 * the seed guide's steps.  Everything is generated in memory first and
 * then written file by file (temporary name + rename); the links move
 * last.  A failure before that point leaves the directory untouched.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <sodium.h>

#include "cert.h"
#include "ident.h"
#include "keyfile.h"

#define KG_MODULUS	2048	/* host and sign keys (-m) */
#define KG_IMODULUS	2048	/* identity parameters (-b) */
#define KG_MODMIN	512
#define KG_MODMAX	2048
#define KG_LIFETIME	365	/* days (-l) */
#define KG_SCHEME	"RSA-SHA256"
#define KG_DSASCHEME	"dsa_with_SHA256"
#define KG_CIPHER	"aes-256-cbc"
#define KG_MAXFILES	16
#define KG_MD5KEYS	10
#define KG_NAMELEN	201	/* host or group name, see kg_goodname() */

struct kg_out {
	char	 name[KEYFILE_NAMELEN];
	char	 link[KEYFILE_NAMELEN];
	BIO	*bio;
	mode_t	 mode;
};

static struct kg_out	 kg_files[KG_MAXFILES];
static int		 kg_nfiles;
static const char	*kg_progname = "ntp-keygen";

static __attribute__((noreturn)) void kg_usage(int);
static __attribute__((noreturn, format(printf, 1, 2))) void kg_die(
		    const char *, ...);
static void	kg_note(const char *, ...) __attribute__((format(printf, 1, 2)));
static int	kg_number(const char *, int, int, const char *);
static int	kg_goodname(const char *);
static void	kg_add(const char *, const char *, BIO *, mode_t);
static EVP_PKEY	*kg_genkey(const char *, int);
static EVP_PKEY	*kg_readkey(int, const char *, const char *, uint32_t *);
static void	kg_md5(int, const char *, time_t);
static void	kg_append(BIO *, BIO *);
static void	kg_rekey_raw(int, const char *, const char *, const char *,
		    const char *, const char *, const EVP_CIPHER *, time_t);

static const char kg_usage_text[] =
"usage: ntp-keygen [-deGHIMPT] [-b bits] [-C cipher] [-c scheme] [-i group]\n"
"                  [-l days] [-m bits] [-p passwd] [-q passwd]\n"
"                  [-S RSA|DSA] [-s host[@group]] [-V nkeys] [-v nkeys]\n"
"Write Autokey keys and certificates in the current directory.\n"
"  -b bits     identity (IFF/GQ/MV) modulus, 512-2048 (default 2048)\n"
"  -C cipher   cipher for encrypted files (default aes-256-cbc)\n"
"  -c scheme   certificate scheme, e.g. RSA-SHA256 (default), RSA-MD5\n"
"  -d          print each link made\n"
"  -e          write the identity group key (client parameters) to stdout\n"
"  -G          generate GQ parameters\n"
"  -H          generate a new RSA host key\n"
"  -h, --help  print this help\n"
"  -I          generate IFF parameters\n"
"  -i group    group name (default: the host name)\n"
"  -l days     certificate lifetime (default 365)\n"
"  -M          generate the symmetric keys file ntp.keys (nothing else)\n"
"  -m bits     host and sign key modulus, 512-2048 (default 2048)\n"
"  -P          mark the certificate private\n"
"  -p passwd   password for the files written (default: -q, else host name)\n"
"  -q passwd   password to read existing files, and update: new host key\n"
"              and certificate, old files kept, links moved\n"
"  -S RSA|DSA  generate a new sign key of that type\n"
"  -s host[@group]  host name (default: gethostname()) and group\n"
"  -T          mark the certificate trusted (the group's trusted host)\n"
"  -V nkeys    generate MV parameters for nkeys clients (2-32)\n"
"  -v nkeys    accepted for compatibility, no effect\n";

static void
kg_usage(int status)
{
	fputs(kg_usage_text, status == 0 ? stdout : stderr);
	exit(status);
}

static void
kg_die(const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "%s: ", kg_progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static int	kg_verbose;

static void
kg_note(const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "%s: ", kg_progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int
kg_number(const char *s, int lo, int hi, const char *what)
{
	char	*ep;
	long	 v;

	errno = 0;
	v = strtol(s, &ep, 10);
	if (*s == '\0' || *ep != '\0' || errno != 0 || v < lo || v > hi)
		kg_die("%s must be a number from %d to %d, not \"%s\"", what,
		    lo, hi, s);
	return ((int)v);
}

/* Names go into file names: printable, no '/', not too long. */
static int
kg_goodname(const char *s)
{
	size_t	 n = strlen(s);

	if (n == 0 || n >= KG_NAMELEN || s[0] == '.')
		return (0);
	for (; *s != '\0'; s++)
		if (*s <= ' ' || *s > '~' || *s == '/')
			return (0);
	return (1);
}

static void
kg_add(const char *name, const char *link, BIO *bio, mode_t mode)
{
	if (kg_nfiles >= KG_MAXFILES || bio == NULL)
		kg_die("internal error preparing %s", name);
	strlcpy(kg_files[kg_nfiles].name, name, KEYFILE_NAMELEN);
	strlcpy(kg_files[kg_nfiles].link, link, KEYFILE_NAMELEN);
	kg_files[kg_nfiles].bio = bio;
	kg_files[kg_nfiles].mode = mode;
	kg_nfiles++;
}

static EVP_PKEY *
kg_genkey(const char *type, int bits)
{
	EVP_PKEY_CTX	*ctx = NULL, *kctx = NULL;
	EVP_PKEY	*params = NULL, *pkey = NULL;

	kg_note("generating %s key (%d bits)", type, bits);
	if (strcmp(type, "RSA") == 0) {
		if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) ==
		    NULL || EVP_PKEY_keygen_init(ctx) != 1 ||
		    EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, bits) != 1 ||
		    EVP_PKEY_keygen(ctx, &pkey) != 1)
			pkey = NULL;
	} else {
		if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "DSA", NULL)) ==
		    NULL || EVP_PKEY_paramgen_init(ctx) != 1 ||
		    EVP_PKEY_CTX_set_dsa_paramgen_bits(ctx, bits) != 1 ||
		    EVP_PKEY_CTX_set_dsa_paramgen_q_bits(ctx,
		    bits >= 2048 ? 256 : 160) != 1 ||
		    EVP_PKEY_paramgen(ctx, &params) != 1 ||
		    (kctx = EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL)) ==
		    NULL || EVP_PKEY_keygen_init(kctx) != 1 ||
		    EVP_PKEY_keygen(kctx, &pkey) != 1)
			pkey = NULL;
	}
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_CTX_free(kctx);
	EVP_PKEY_free(params);
	if (pkey == NULL)
		kg_die("cannot generate a %d-bit %s key: %s", bits, type,
		    ERR_reason_error_string(ERR_peek_last_error()));
	return (pkey);
}

/* Read the one key in an existing file; die naming it on failure. */
static EVP_PKEY *
kg_readkey(int dirfd, const char *name, const char *pw, uint32_t *fs)
{
	struct keyfile	 kf;
	char		 err[KEYFILE_ERRLEN];
	EVP_PKEY	*pkey;

	if (keyfile_readat(dirfd, name, pw, &kf, err, sizeof(err)) == -1)
		kg_die("%s", err);
	if (kf.nkeys != 1) {
		keyfile_free(&kf);
		kg_die("%s: expected one private key", name);
	}
	pkey = kf.keys[0];
	kf.keys[0] = NULL;
	kf.nkeys = 0;
	if (fs != NULL)
		*fs = kf.fstamp;
	keyfile_free(&kf);
	return (pkey);
}

/*
 * Write the keys of ntpkey_LINK_GROUP again, as they are, under the new
 * password: for a set that cannot be used (the reference's MV files),
 * so that it at least opens with the directory's one password.
 */
static void
kg_rekey_raw(int dirfd, const char *link, const char *type,
    const char *group, const char *pw_read, const char *pw_write,
    const EVP_CIPHER *cipher, time_t now)
{
	struct keyfile	 kf;
	char		 lname[KEYFILE_NAMELEN], name[KEYFILE_NAMELEN];
	char		 err[KEYFILE_ERRLEN];
	BIO		*bio;
	int		 i;

	snprintf(lname, sizeof(lname), "ntpkey_%s_%s", link, group);
	if (!keyfile_exists(dirfd, lname))
		return;
	if (keyfile_readat(dirfd, lname, pw_read, &kf, err,
	    sizeof(err)) == -1)
		kg_die("%s", err);
	if (keyfile_name(name, sizeof(name), type, group, kf.fstamp) == -1 ||
	    (bio = keyfile_begin(name, now)) == NULL)
		kg_die("cannot encode %s", lname);
	for (i = 0; i < kf.nkeys; i++)
		if (keyfile_add_pkcs8(bio, kf.keys[i], pw_write, cipher) == -1)
			kg_die("cannot encode %s", lname);
	keyfile_free(&kf);
	kg_add(name, lname, bio, 0600);
}

/* Append one file's text to the export and free it. */
static void
kg_append(BIO *out, BIO *in)
{
	char	*data;
	long	 len;

	len = BIO_get_mem_data(in, &data);
	if (len <= 0 || BIO_write(out, data, (int)len) != (int)len)
		kg_die("out of memory");
	BIO_free(in);
}

/*
 * The symmetric keys file: ids 1-10 MD5 keys of 20 printable characters
 * (no '#'), ids 11-20 SHA1 keys of 40 hex digits, as the reference.
 */
static void
kg_md5(int dirfd, const char *host, time_t now)
{
	char		 name[KEYFILE_NAMELEN], err[KEYFILE_ERRLEN];
	char		 key[21], hex[41];
	unsigned char	 raw[20];
	BIO		*bio;
	int		 i, j;

	if (keyfile_name(name, sizeof(name), "MD5key", host,
	    keyfile_fstamp(now)) == -1 || (bio = keyfile_begin(name, now)) ==
	    NULL)
		kg_die("cannot prepare the keys file");
	for (i = 1; i <= KG_MD5KEYS; i++) {
		for (j = 0; j < 20; j++) {
			do {
				key[j] = (char)(0x21 +
				    randombytes_uniform(0x7f - 0x21));
			} while (key[j] == '#');
		}
		key[20] = '\0';
		BIO_printf(bio, "%2d MD5 %s  # MD5 key\n", i, key);
	}
	for (i = 1; i <= KG_MD5KEYS; i++) {
		randombytes_buf(raw, sizeof(raw));
		sodium_bin2hex(hex, sizeof(hex), raw, sizeof(raw));
		BIO_printf(bio, "%2d SHA1 %s  # SHA1 key\n", i + KG_MD5KEYS,
		    hex);
	}
	sodium_memzero(key, sizeof(key));
	sodium_memzero(hex, sizeof(hex));
	sodium_memzero(raw, sizeof(raw));
	if (keyfile_commit(bio, dirfd, name, 0600, err, sizeof(err)) == -1 ||
	    keyfile_link(dirfd, name, "ntp.keys", err, sizeof(err)) == -1)
		kg_die("%s", err);
	kg_note("ntp.keys -> %s", name);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char		 hostbuf[HOST_NAME_MAX + 1], host[KG_NAMELEN];
	char		 group[KG_NAMELEN], certname[2 * KG_NAMELEN];
	char		 name[KEYFILE_NAMELEN], link[KEYFILE_NAMELEN];
	char		 err[KEYFILE_ERRLEN], cwd[PATH_MAX];
	char		 mverr[KEYFILE_ERRLEN + KEYFILE_NAMELEN + 2] = "";
	const char	*opt_p = NULL, *opt_q = NULL, *opt_s = NULL;
	const char	*opt_i = NULL, *opt_c = NULL, *opt_C = NULL;
	const char	*opt_S = NULL, *pw_read, *pw_write, *scheme;
	char		*at;
	int		 e = 0, G = 0, H = 0, I = 0, M = 0, P = 0, T = 0, V = 0;
	int		 modulus = KG_MODULUS, imodulus = KG_IMODULUS;
	int		 days = KG_LIFETIME, ch, dirfd, exportonly, update;
	int		 explicitgroup = 0, i, have_iff = 0, have_gq = 0;
	int		 have_mv = 0, newsign = 0, rekey;
	const EVP_CIPHER *cipher;
	const EVP_MD	*md;
	EVP_PKEY	*hostkey = NULL, *signkey = NULL, *oldsign = NULL;
	uint32_t	 fs, iff_fs = 0, gq_fs = 0, mv_fs = 0, mvkey_fs = 0;
	struct ident_iff iff, iffpar;
	struct ident_gq	 gq, gqpar;
	struct ident_mv_ta mv;
	struct keyfile	 kf;
	struct cert_info oldci;
	enum cert_mark	 mark = CERT_MARK_NONE;
	int		 haveoldcert = 0, nid;
	uint8_t		 gqpub[CERT_GQMAX];
	size_t		 gqpublen = 0;
	X509		*cert;
	BIO		*bio, *out = NULL;
	time_t		 now;

	memset(&iff, 0, sizeof(iff));
	memset(&gq, 0, sizeof(gq));
	memset(&mv, 0, sizeof(mv));
	memset(&oldci, 0, sizeof(oldci));
	if (sodium_init() == -1)
		kg_die("cannot initialise libsodium");

	while ((ch = getopt_long(argc, argv, "b:C:c:deGHhIi:l:Mm:Pp:q:S:s:TV:v:",
	    longopts, NULL)) != -1) {
		switch (ch) {
		case 'b':
			imodulus = kg_number(optarg, KG_MODMIN, KG_MODMAX,
			    "-b bits");
			break;
		case 'C':
			opt_C = optarg;
			break;
		case 'c':
			opt_c = optarg;
			break;
		case 'd':
			kg_verbose = 1;
			break;
		case 'e':
			e = 1;
			break;
		case 'G':
			G = 1;
			break;
		case 'H':
			H = 1;
			break;
		case 'h':
			kg_usage(0);
		case 'I':
			I = 1;
			break;
		case 'i':
			opt_i = optarg;
			break;
		case 'l':
			days = kg_number(optarg, 1, 36500, "-l days");
			break;
		case 'M':
			M = 1;
			break;
		case 'm':
			modulus = kg_number(optarg, KG_MODMIN, KG_MODMAX,
			    "-m bits");
			break;
		case 'P':
			P = 1;
			break;
		case 'p':
			opt_p = optarg;
			break;
		case 'q':
			opt_q = optarg;
			break;
		case 'S':
			if (strcasecmp(optarg, "RSA") == 0)
				opt_S = "RSA";
			else if (strcasecmp(optarg, "DSA") == 0)
				opt_S = "DSA";
			else
				kg_die("-S takes RSA or DSA, not \"%s\"",
				    optarg);
			break;
		case 's':
			opt_s = optarg;
			break;
		case 'T':
			T = 1;
			break;
		case 'V':
			V = kg_number(optarg, 2, IDENT_MV_MAX, "-V nkeys");
			break;
		case 'v':
			(void)kg_number(optarg, 1, IDENT_MV_MAX, "-v nkeys");
			break;
		default:
			kg_usage(2);
		}
	}
	if (optind != argc)
		kg_die("unexpected argument \"%s\" (see -h)", argv[optind]);

	/* conflicting options */
	if (T && P)
		kg_die("-T (trusted) and -P (private) exclude each other");
	if (M && (e || G || H || I || P || T || V || opt_S || opt_q))
		kg_die("-M writes only the symmetric keys file; it cannot be "
		    "combined with -e, -G, -H, -I, -P, -q, -S, -T or -V");
	if (e && opt_q && opt_p)
		kg_die("-e with both -q and -p: give the one password the "
		    "server's files are encrypted with");

	/* names: host[@group] from -s, group from -i */
	if (gethostname(hostbuf, sizeof(hostbuf) - 1) == -1)
		kg_die("gethostname: %s", strerror(errno));
	hostbuf[sizeof(hostbuf) - 1] = '\0';
	if (!kg_goodname(hostbuf) && opt_s == NULL)
		kg_die("unusable host name \"%s\" (use -s)", hostbuf);
	strlcpy(host, hostbuf, sizeof(host));
	group[0] = '\0';
	if (opt_s != NULL) {
		if (strlcpy(name, opt_s, sizeof(name)) >= sizeof(name))
			kg_die("-s name too long");
		if ((at = strchr(name, '@')) != NULL) {
			*at++ = '\0';
			if (!kg_goodname(at))
				kg_die("unusable group name \"%s\"", at);
			strlcpy(group, at, sizeof(group));
		}
		if (name[0] != '\0') {
			if (!kg_goodname(name))
				kg_die("unusable host name \"%s\"", name);
			strlcpy(host, name, sizeof(host));
		}
	}
	if (opt_i != NULL) {
		if (group[0] != '\0' && strcmp(group, opt_i) != 0)
			kg_die("-i %s conflicts with the group in -s %s", opt_i,
			    opt_s);
		if (!kg_goodname(opt_i))
			kg_die("unusable group name \"%s\"", opt_i);
		strlcpy(group, opt_i, sizeof(group));
	}
	if (group[0] != '\0')
		explicitgroup = 1;
	else
		strlcpy(group, host, sizeof(group));
	if (!kg_goodname(host))
		kg_die("unusable host name \"%s\"", host);
	if (!kg_goodname(group))
		kg_die("unusable group name \"%s\"", group);
	if (explicitgroup)
		snprintf(certname, sizeof(certname), "%s@%s", host, group);
	else
		strlcpy(certname, host, sizeof(certname));

	/* passwords: each of -p and -q stands in for the other */
	pw_read = opt_q != NULL ? opt_q : opt_p != NULL ? opt_p : host;
	pw_write = opt_p != NULL ? opt_p : opt_q != NULL ? opt_q : host;
	if (*pw_read == '\0' || *pw_write == '\0')
		kg_die("empty password");
	if ((cipher = EVP_get_cipherbyname(opt_C != NULL ? opt_C :
	    KG_CIPHER)) == NULL)
		kg_die("unknown cipher %s", opt_C);
	if (opt_c != NULL && cert_scheme(opt_c, &md, &nid, err,
	    sizeof(err)) == -1)
		kg_die("%s", err);

	if ((dirfd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		kg_die("cannot open the current directory: %s",
		    strerror(errno));
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		strlcpy(cwd, ".", sizeof(cwd));
	now = time(NULL);
	fs = keyfile_fstamp(now);

	exportonly = e && !(G || H || I || P || T || V || opt_S);
	update = opt_q != NULL && !e;
	/*
	 * -q old -p new: the identity keys kept are written again under
	 * the new password, same name and filestamp (the clients' group
	 * keys carry it), so that one password opens the whole directory
	 * as ntpd's "crypto pw" needs.
	 */
	rekey = update && opt_p != NULL && strcmp(opt_p, opt_q) != 0;
	if (!exportonly && faccessat(dirfd, ".", W_OK, AT_EACCESS) == -1)
		kg_die("cannot write in %s: %s", cwd, strerror(errno));

	if (M) {
		kg_md5(dirfd, host, now);
		return (0);
	}

	/* the old certificate: scheme, mark and subject carry over */
	snprintf(name, sizeof(name), "ntpkey_cert_%s", host);
	if (keyfile_exists(dirfd, name)) {
		if (keyfile_readat(dirfd, name, NULL, &kf, err,
		    sizeof(err)) == -1)
			kg_die("%s", err);
		if (kf.cert == NULL ||
		    cert_info(kf.cert, &oldci, err, sizeof(err)) == -1)
			kg_die("%s: %s", name, kf.cert == NULL ?
			    "not a certificate" : err);
		keyfile_free(&kf);
		haveoldcert = 1;
	}
	if (!T && !P && haveoldcert)
		mark = oldci.mark;
	else if (T)
		mark = CERT_MARK_TRUST;
	else if (P)
		mark = CERT_MARK_PRIVATE;
	if (haveoldcert && !explicitgroup &&
	    strncmp(oldci.subject, host, strlen(host)) == 0 &&
	    oldci.subject[strlen(host)] == '@')
		strlcpy(certname, oldci.subject, sizeof(certname));

	/* host key: reuse, or make one (-H, an update, or none yet) */
	snprintf(name, sizeof(name), "ntpkey_host_%s", host);
	if (keyfile_exists(dirfd, name)) {
		hostkey = kg_readkey(dirfd, name, pw_read, NULL);
		if (EVP_PKEY_get_base_id(hostkey) != EVP_PKEY_RSA)
			kg_die("%s: the host key must be RSA", name);
		if ((H || update) && !exportonly) {
			EVP_PKEY_free(hostkey);
			hostkey = NULL;
		}
	} else if (update)
		kg_die("%s/%s: missing; an update (-q) renews an existing "
		    "host key, run without -q to make the first one", cwd,
		    name);
	else if (exportonly)
		kg_die("%s/%s: missing; -e exports the group key of a host "
		    "made with -T and -I, -G or -V", cwd, name);
	if (hostkey == NULL) {
		hostkey = kg_genkey("RSA", modulus);
		if (keyfile_name(name, sizeof(name), "RSAhost", host,
		    fs) == -1 || (bio = keyfile_begin(name, now)) == NULL ||
		    keyfile_add_pkcs8(bio, hostkey, pw_write, cipher) == -1)
			kg_die("cannot encode the host key");
		snprintf(link, sizeof(link), "ntpkey_host_%s", host);
		kg_add(name, link, bio, 0600);
	}

	/* sign key: -S makes one; an update renews an existing one */
	snprintf(name, sizeof(name), "ntpkey_sign_%s", host);
	if (keyfile_exists(dirfd, name))
		oldsign = kg_readkey(dirfd, name, pw_read, NULL);
	if (opt_S != NULL)
		newsign = 1;
	else if (oldsign != NULL && update && !exportonly) {
		opt_S = EVP_PKEY_get_base_id(oldsign) == EVP_PKEY_DSA ? "DSA" :
		    "RSA";
		newsign = 1;
	}
	if (newsign && !exportonly) {
		if (strcmp(opt_S, "DSA") == 0)
			kg_note("warning: the reference ntpd rejects the "
			    "variable-length signatures of DSA sign keys");
		signkey = kg_genkey(opt_S, modulus);
		EVP_PKEY_free(oldsign);
		oldsign = NULL;
		if (keyfile_name(name, sizeof(name), strcmp(opt_S, "DSA") == 0 ?
		    "DSAsign" : "RSAsign", host, fs) == -1 ||
		    (bio = keyfile_begin(name, now)) == NULL ||
		    keyfile_add_pkcs8(bio, signkey, pw_write, cipher) == -1)
			kg_die("cannot encode the sign key");
		snprintf(link, sizeof(link), "ntpkey_sign_%s", host);
		kg_add(name, link, bio, 0600);
	} else
		signkey = oldsign;

	/* identity parameters: generate, or load the group's */
	snprintf(name, sizeof(name), "ntpkey_iffkey_%s", group);
	if (I && !exportonly) {
		kg_note("generating IFF parameters (%d bits)", imodulus);
		if (ident_iff_generate(imodulus, imodulus >= 2048 ? 256 : 160,
		    &iff) == -1)
			kg_die("cannot generate IFF parameters");
		iff_fs = fs;
		have_iff = 1;
	} else if (keyfile_exists(dirfd, name)) {
		if (keyfile_readat(dirfd, name, pw_read, &kf, err,
		    sizeof(err)) == -1)
			kg_die("%s", err);
		if (ident_iff_load(&kf, 1, &iff, err, sizeof(err)) == -1)
			kg_die("%s: %s", name, err);
		iff_fs = kf.fstamp;
		keyfile_free(&kf);
		have_iff = 1;
	}
	if (have_iff && (I || rekey)) {
		if (keyfile_name(name, sizeof(name), "IFFkey", group,
		    iff_fs) == -1 || (bio = keyfile_begin(name, now)) ==
		    NULL || ident_iff_write(bio, &iff, pw_write, cipher) == -1)
			kg_die("cannot encode the IFF key");
		snprintf(link, sizeof(link), "ntpkey_iffkey_%s", group);
		kg_add(name, link, bio, 0600);
	}
	snprintf(name, sizeof(name), "ntpkey_gqkey_%s", group);
	if (G && !exportonly) {
		kg_note("generating GQ parameters (%d bits)", imodulus);
		if (imodulus > 1016)
			kg_note("note: the reference reads the GQ public "
			    "value correctly only up to -b 1016 (and 4.2.8 "
			    "cannot run GQ at all)");
		if (ident_gq_generate(imodulus, &gq) == -1)
			kg_die("cannot generate GQ parameters");
		gq_fs = fs;
		have_gq = 1;
	} else if (keyfile_exists(dirfd, name)) {
		if (keyfile_readat(dirfd, name, pw_read, &kf, err,
		    sizeof(err)) == -1)
			kg_die("%s", err);
		if (ident_gq_load(&kf, 1, &gq, err, sizeof(err)) == -1)
			kg_die("%s: %s", name, err);
		gq_fs = kf.fstamp;
		keyfile_free(&kf);
		have_gq = 1;
	}
	if (have_gq && (G || rekey)) {
		if (keyfile_name(name, sizeof(name), "GQkey", group,
		    gq_fs) == -1 || (bio = keyfile_begin(name, now)) ==
		    NULL || ident_gq_write(bio, &gq, pw_write, cipher) == -1)
			kg_die("cannot encode the GQ key");
		snprintf(link, sizeof(link), "ntpkey_gqkey_%s", group);
		kg_add(name, link, bio, 0600);
	}
	if (have_gq && ident_gq_pubbytes(&gq, gqpub, sizeof(gqpub),
	    &gqpublen) == -1)
		kg_die("GQ public value does not fit the certificate");
	snprintf(name, sizeof(name), "ntpkey_mvta_%s", group);
	if (V && !exportonly) {
		kg_note("generating MV parameters for %d clients (%d bits)",
		    V, imodulus);
		if (ident_mv_generate(V, imodulus, &mv) == -1)
			kg_die("cannot generate MV parameters");
		mv_fs = fs;
		have_mv = 1;
	} else if (keyfile_exists(dirfd, name)) {
		if (keyfile_readat(dirfd, name, pw_read, &kf, err,
		    sizeof(err)) == -1)
			kg_die("%s", err);
		/*
		 * The reference's MVta file is PKCS#8, which loses the
		 * public values: that set can never work, but it must not
		 * stop a host key update, which does not need it.
		 */
		if (ident_mv_load_ta(&kf, &mv, err, sizeof(err)) == -1) {
			snprintf(mverr, sizeof(mverr), "%s: %s", name, err);
		} else {
			mv_fs = kf.fstamp;
			have_mv = 1;
		}
		keyfile_free(&kf);
	}
	if (have_mv && (V || rekey)) {
		if (keyfile_name(name, sizeof(name), "MVta", group, mv_fs) ==
		    -1 || (bio = keyfile_begin(name, now)) == NULL ||
		    ident_mv_write_ta(bio, &mv, pw_write, cipher) == -1)
			kg_die("cannot encode the MV keys");
		snprintf(link, sizeof(link), "ntpkey_mvta_%s", group);
		kg_add(name, link, bio, 0600);
	}
	/* the MV server key, which the reference exported with -q */
	snprintf(name, sizeof(name), "ntpkey_mvkey_%s", group);
	if (have_mv)
		mvkey_fs = mv_fs;
	else if (rekey && keyfile_exists(dirfd, name)) {
		/* a server with the server key only (no MVta) */
		if (keyfile_readat(dirfd, name, pw_read, &kf, err,
		    sizeof(err)) == -1)
			kg_die("%s", err);
		if (ident_mv_load_server(&kf, &mv.server, err,
		    sizeof(err)) == 0)
			mvkey_fs = kf.fstamp;
		else if (mverr[0] == '\0')
			snprintf(mverr, sizeof(mverr), "%s: %s", name, err);
		keyfile_free(&kf);
	}
	if (mvkey_fs != 0 && (V || rekey)) {
		if (keyfile_name(name, sizeof(name), "MVkey", group,
		    mvkey_fs) == -1 || (bio = keyfile_begin(name, now)) ==
		    NULL || ident_mv_write_server(bio, &mv.server, pw_write,
		    cipher) == -1)
			kg_die("cannot encode the MV server key");
		snprintf(link, sizeof(link), "ntpkey_mvkey_%s", group);
		kg_add(name, link, bio, 0600);
	}

	if (rekey && mverr[0] != '\0') {
		kg_rekey_raw(dirfd, "mvta", "MVta", group, pw_read, pw_write,
		    cipher, now);
		if (mvkey_fs == 0)
			kg_rekey_raw(dirfd, "mvkey", "MVkey", group, pw_read,
			    pw_write, cipher, now);
	}
	if (mverr[0] != '\0') {
		if (e && !have_iff && !have_gq)
			kg_die("%s", mverr);
		kg_note("warning: %s; MV left out", mverr);
	}

	/* -e: the client parameters, to stdout */
	if (e) {
		if (!have_iff && !have_gq && !have_mv)
			kg_die("nothing to export: none of ntpkey_iffkey_%s, "
			    "ntpkey_gqkey_%s, ntpkey_mvta_%s in %s", group,
			    group, group, cwd);
		if ((out = BIO_new(BIO_s_mem())) == NULL)
			kg_die("out of memory");
		if (have_iff) {
			if (keyfile_name(name, sizeof(name), "iffpar", group,
			    iff_fs) == -1 || ident_iff_client(&iff,
			    &iffpar) == -1 || (bio = keyfile_begin(name,
			    now)) == NULL ||
			    ident_iff_write(bio, &iffpar, NULL, NULL) == -1)
				kg_die("cannot encode the IFF parameters");
			ident_iff_free(&iffpar);
			kg_note("writing IFF parameters %s to stdout", name);
			kg_append(out, bio);
		}
		if (have_gq) {
			if (keyfile_name(name, sizeof(name), "gqpar", group,
			    gq_fs) == -1 || ident_gq_client(&gq, &gqpar) ==
			    -1 || (bio = keyfile_begin(name, now)) == NULL ||
			    ident_gq_write(bio, &gqpar, NULL, NULL) == -1)
				kg_die("cannot encode the GQ parameters");
			ident_gq_free(&gqpar);
			kg_note("writing GQ parameters %s to stdout", name);
			kg_append(out, bio);
		}
		if (have_mv) {
			if (keyfile_name(name, sizeof(name), "mvpar", group,
			    mv_fs) == -1 || (bio = keyfile_begin(name,
			    now)) == NULL ||
			    ident_mv_write_client(bio, &mv.client[0]) == -1)
				kg_die("cannot encode the MV parameters");
			kg_note("writing MV parameters %s (client 1) to "
			    "stdout", name);
			kg_append(out, bio);
		}
	}

	/* the certificate, made anew on every run that writes files */
	if (!exportonly) {
		if (signkey == NULL)
			signkey = hostkey;
		scheme = opt_c != NULL ? opt_c : haveoldcert &&
		    cert_scheme(oldci.scheme, &md, &nid, err,
		    sizeof(err)) == 0 ? oldci.scheme : NULL;
		if (scheme == NULL || (EVP_PKEY_get_base_id(signkey) ==
		    EVP_PKEY_DSA) != (strncasecmp(scheme, "DSA", 3) == 0))
			scheme = opt_c != NULL ? opt_c :
			    EVP_PKEY_get_base_id(signkey) == EVP_PKEY_DSA ?
			    KG_DSASCHEME : KG_SCHEME;
		if ((cert = cert_create(signkey, scheme, certname, fs, now,
		    days, mark, have_gq ? gqpub : NULL, gqpublen, err,
		    sizeof(err))) == NULL)
			kg_die("%s", err);
		snprintf(link, sizeof(link), "%scert", OBJ_nid2sn(
		    X509_get_signature_nid(cert)));
		if (keyfile_name(name, sizeof(name), link, host, fs) == -1 ||
		    (bio = keyfile_begin(name, now)) == NULL ||
		    keyfile_add_cert(bio, cert) == -1)
			kg_die("cannot encode the certificate");
		X509_free(cert);
		snprintf(link, sizeof(link), "ntpkey_cert_%s", host);
		kg_add(name, link, bio, 0644);
		kg_note("certificate %s for %s, %s, scheme %s", name, certname,
		    mark == CERT_MARK_TRUST ? "trusted" :
		    mark == CERT_MARK_PRIVATE ? "private" : "not trusted",
		    scheme);
	}

	/* commit: files first, then the links */
	for (i = 0; i < kg_nfiles; i++) {
		if (keyfile_commit(kg_files[i].bio, dirfd, kg_files[i].name,
		    kg_files[i].mode, err, sizeof(err)) == -1)
			kg_die("in %s: %s", cwd, err);
		kg_files[i].bio = NULL;
	}
	for (i = 0; i < kg_nfiles; i++) {
		if (keyfile_link(dirfd, kg_files[i].name, kg_files[i].link,
		    err, sizeof(err)) == -1)
			kg_die("in %s: %s", cwd, err);
		if (kg_verbose)
			kg_note("%s -> %s", kg_files[i].link, kg_files[i].name);
	}
	if (out != NULL) {
		if (keyfile_output(out, STDOUT_FILENO, err, sizeof(err)) == -1)
			kg_die("%s", err);
		BIO_free(out);
	}

	if (signkey != hostkey)
		EVP_PKEY_free(signkey);
	EVP_PKEY_free(hostkey);
	ident_iff_free(&iff);
	ident_gq_free(&gq);
	ident_mv_ta_free(&mv);
	close(dirfd);
	return (0);
}
