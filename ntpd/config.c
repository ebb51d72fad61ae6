/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * ntp.conf parser: a pure function over a buffer (conf_parse_buf) plus a
 * bounded file reader.  One directive per line, blank-separated words, '#'
 * to end of line is a comment.  Each directive has one handler in
 * conf_directives[]; the first error stops the parse.
 */

#include <sys/socket.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

/* conf.seen bits: scalars that may be given only once. */
#define SEEN_PORT		0x00000001
#define SEEN_CTLSOCK		0x00000002
#define SEEN_USER		0x00000004
#define SEEN_KEYDUSER		0x00000008
#define SEEN_CHROOT		0x00000010
#define SEEN_DRIFT		0x00000020
#define SEEN_LEAP		0x00000040
#define SEEN_KEYSDIR		0x00000080
#define SEEN_LOCAL		0x00000100
#define SEEN_IDENT		0x00000200
#define SEEN_REVOKE		0x00000400
#define SEEN_AUTOMAX		0x00000800
#define SEEN_BCASTCLIENT	0x00001000
#define SEEN_C_DIGEST		0x00002000
#define SEEN_C_HOST		0x00004000
#define SEEN_C_IDENT		0x00008000
#define SEEN_C_PW		0x00010000
#define SEEN_C_RANDFILE		0x00020000

#define CONF_MAX_TOKENS		(CONF_MAX_LINE / 2 + 1)

struct conf_parser {
	const char		*fname;
	unsigned int		 line;
	char			*err;
	size_t			 errlen;
	int			 failed;
	struct ntpd_conf	*conf;
	char			*tok[CONF_MAX_TOKENS];
	size_t			 ntok;
};

struct conf_directive {
	const char	*name;
	int		(*handler)(struct conf_parser *);
};

static int	conf_error(struct conf_parser *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static int	conf_number(struct conf_parser *, const char *, const char *,
		    long long, long long, int *);
static int	conf_addr_parse(const char *, struct conf_addr *);
static int	conf_valid_hostname(const char *);
static int	conf_valid_name(const char *, size_t);
static int	conf_once(struct conf_parser *, uint32_t, const char *);
static int	conf_nargs(struct conf_parser *, size_t, size_t);
static int	conf_path(struct conf_parser *, char *, size_t, int);
static int	conf_name(struct conf_parser *, const char *, const char *,
		    char *, size_t);
static int	conf_line(struct conf_parser *, char *, size_t);
static int	conf_check(struct conf_parser *);
static const char *conf_addr_str(const struct conf_addr *, char *, size_t);

static int	conf_d_peer(struct conf_parser *);
static int	conf_d_restrict(struct conf_parser *);
static int	conf_d_driftfile(struct conf_parser *);
static int	conf_d_leapfile(struct conf_parser *);
static int	conf_d_keysdir(struct conf_parser *);
static int	conf_d_crypto(struct conf_parser *);
static int	conf_d_revoke(struct conf_parser *);
static int	conf_d_automax(struct conf_parser *);
static int	conf_d_ident(struct conf_parser *);
static int	conf_d_broadcast(struct conf_parser *);
static int	conf_d_bcastclient(struct conf_parser *);
static int	conf_d_mcastclient(struct conf_parser *);
static int	conf_d_local(struct conf_parser *);
static int	conf_d_port(struct conf_parser *);
static int	conf_d_listen(struct conf_parser *);
static int	conf_d_ctlsock(struct conf_parser *);
static int	conf_d_user(struct conf_parser *);
static int	conf_d_keyd(struct conf_parser *);
static int	conf_d_chroot(struct conf_parser *);

static const struct conf_directive conf_directives[] = {
	{ "server",		conf_d_peer },
	{ "peer",		conf_d_peer },
	{ "pool",		conf_d_peer },
	{ "restrict",		conf_d_restrict },
	{ "driftfile",		conf_d_driftfile },
	{ "leapfile",		conf_d_leapfile },
	{ "keysdir",		conf_d_keysdir },
	{ "crypto",		conf_d_crypto },
	{ "revoke",		conf_d_revoke },
	{ "automax",		conf_d_automax },
	{ "ident",		conf_d_ident },
	{ "broadcast",		conf_d_broadcast },
	{ "broadcastclient",	conf_d_bcastclient },
	{ "multicastclient",	conf_d_mcastclient },
	{ "local",		conf_d_local },
	{ "port",		conf_d_port },
	{ "listen",		conf_d_listen },
	{ "controlsocket",	conf_d_ctlsock },
	{ "user",		conf_d_user },
	{ "keyd",		conf_d_keyd },
	{ "chroot",		conf_d_chroot },
};

static const struct {
	const char	*name;
	uint32_t	 flag;
} conf_resflags[] = {
	{ "ignore",	CONF_RES_IGNORE },
	{ "kod",	CONF_RES_KOD },
	{ "limited",	CONF_RES_LIMITED },
	{ "nomodify",	CONF_RES_NOMODIFY },
	{ "nomrulist",	CONF_RES_NOMRULIST },
	{ "nopeer",	CONF_RES_NOPEER },
	{ "noquery",	CONF_RES_NOQUERY },
	{ "noserve",	CONF_RES_NOSERVE },
	{ "notrap",	CONF_RES_NOTRAP },
	{ "notrust",	CONF_RES_NOTRUST },
};

static const struct {
	const char	*name;
	int		 flag;
} conf_peerflags[] = {
	{ "autokey",	CONF_PEER_AUTOKEY },
	{ "iburst",	CONF_PEER_IBURST },
	{ "burst",	CONF_PEER_BURST },
	{ "prefer",	CONF_PEER_PREFER },
	{ "noselect",	CONF_PEER_NOSELECT },
};

/*
 * Autokey digests: the MAC parser takes at most 20 digest bytes (spec
 * 4.1), which leaves these.  Matched without regard to case, stored as
 * the OpenSSL short name.
 */
static const char *const conf_digests[] = { "MD5", "SHA1", "RIPEMD160" };

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

static int
conf_error(struct conf_parser *p, const char *fmt, ...)
{
	char	msg[CONF_MAX_LINE + 128];
	va_list	ap;

	if (p->failed)
		return -1;
	p->failed = 1;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->err != NULL && p->errlen > 0)
		(void)snprintf(p->err, p->errlen, "%s:%u: %s", p->fname,
		    p->line, msg);
	return -1;
}

/* A decimal number in [min, max]; "what" names the option in the error. */
static int
conf_number(struct conf_parser *p, const char *what, const char *s,
    long long min, long long max, int *out)
{
	long long	 v = 0;
	size_t		 i, len = strlen(s);

	if (len == 0 || len > 10)
		goto bad;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			goto bad;
		v = v * 10 + (s[i] - '0');
	}
	if (v < min || v > max)
		goto bad;
	*out = (int)v;
	return 0;
 bad:
	return conf_error(p, "%s: bad number '%s' (expected %lld..%lld)",
	    what, s, min, max);
}

static int
conf_addr_parse(const char *s, struct conf_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a->u.v4) == 1) {
		a->af = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a->u.v6) == 1) {
		a->af = AF_INET6;
		return 0;
	}
	return -1;
}

static const char *
conf_addr_str(const struct conf_addr *a, char *buf, size_t len)
{
	if (inet_ntop(a->af, &a->u, buf, len) == NULL)
		(void)strlcpy(buf, "?", len);
	return buf;
}

static int
conf_addr_eq(const struct conf_addr *a, const struct conf_addr *b)
{
	if (a->af != b->af)
		return 0;
	if (a->af == AF_INET)
		return a->u.v4.s_addr == b->u.v4.s_addr;
	return memcmp(&a->u.v6, &b->u.v6, sizeof(a->u.v6)) == 0;
}

static int
conf_addr_multicast(const struct conf_addr *a)
{
	if (a->af == AF_INET)
		return (ntohl(a->u.v4.s_addr) & 0xf0000000U) == 0xe0000000U;
	return a->u.v6.s6_addr[0] == 0xff;
}

/*
 * A syntactically valid DNS name: labels of letters, digits, '-' and '_'
 * (seen in real names, e.g. the seed guide's), 1..63 long, not starting
 * or ending with '-'; at most 253 characters plus an optional final dot.
 * A last label of digits only is a mistyped address, not a name.
 */
static int
conf_valid_hostname(const char *s)
{
	size_t	 len = strlen(s), i, lab = 0, labstart = 0;
	int	 alldigits = 1;

	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return 0;
	for (i = 0; i <= len; i++) {
		char c = i < len ? s[i] : '.';

		if (c == '.') {
			if (lab == 0 || lab > 63 || s[i - 1] == '-' ||
			    s[labstart] == '-')
				return 0;
			if (i == len && alldigits)
				return 0;
			lab = 0;
			labstart = i + 1;
			alldigits = 1;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
		if (c < '0' || c > '9')
			alldigits = 0;
		lab++;
	}
	return 1;
}

/*
 * User, group and host names used in file names (ntpkey_*_NAME): no '/',
 * no leading '.' or '-'.
 */
static int
conf_valid_name(const char *s, size_t size)
{
	size_t	 i, len = strlen(s);

	if (len == 0 || len >= size || s[0] == '.' || s[0] == '-')
		return 0;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '@'))
			return 0;
	}
	return 1;
}

static int
conf_once(struct conf_parser *p, uint32_t bit, const char *what)
{
	if (p->conf->seen & bit)
		return conf_error(p, "duplicate directive '%s'", what);
	p->conf->seen |= bit;
	return 0;
}

/* The directive takes between min and max arguments. */
static int
conf_nargs(struct conf_parser *p, size_t min, size_t max)
{
	if (p->ntok - 1 < min)
		return conf_error(p, "%s: missing argument", p->tok[0]);
	if (p->ntok - 1 > max)
		return conf_error(p, "%s: unexpected argument '%s'", p->tok[0],
		    p->tok[max + 1]);
	return 0;
}

/* "DIRECTIVE PATH": one argument, absolute unless relok. */
static int
conf_path(struct conf_parser *p, char *dst, size_t size, int relok)
{
	const char	*s;

	if (conf_nargs(p, 1, 1) == -1)
		return -1;
	s = p->tok[1];
	if (!relok && s[0] != '/')
		return conf_error(p, "%s: path must be absolute '%s'",
		    p->tok[0], s);
	if (strlcpy(dst, s, size) >= size)
		return conf_error(p, "%s: path too long (max %zu)", p->tok[0],
		    size - 1);
	return 0;
}

static int
conf_name(struct conf_parser *p, const char *what, const char *s, char *dst,
    size_t size)
{
	if (!conf_valid_name(s, size))
		return conf_error(p, "%s: bad name '%s'", what, s);
	(void)strlcpy(dst, s, size);
	return 0;
}

/*
 * server|peer|pool [-4|-6] HOST [options]
 */
static int
conf_d_peer(struct conf_parser *p)
{
	struct ntpd_conf	*conf = p->conf;
	struct conf_peer	*pe;
	struct conf_addr	 a;
	const char		*what = p->tok[0], *host;
	size_t			 i = 1, j, k;
	int			 minset = 0, maxset = 0, verset = 0, portset = 0;
	int			 identset = 0, v;

	if (conf->npeers >= CONF_MAX_PEERS)
		return conf_error(p, "%s: too many associations (max %d)",
		    what, CONF_MAX_PEERS);
	pe = &conf->peers[conf->npeers];
	memset(pe, 0, sizeof(*pe));
	pe->mode = strcmp(what, "server") == 0 ? CONF_MODE_SERVER :
	    strcmp(what, "peer") == 0 ? CONF_MODE_PEER : CONF_MODE_POOL;
	pe->family = AF_UNSPEC;
	pe->minpoll = CONF_DEF_MINPOLL;
	pe->maxpoll = CONF_DEF_MAXPOLL;
	pe->version = CONF_DEF_VERSION;
	pe->port = CONF_DEF_PORT;
	pe->line = p->line;

	if (i < p->ntok && strcmp(p->tok[i], "-4") == 0) {
		pe->family = AF_INET;
		i++;
	} else if (i < p->ntok && strcmp(p->tok[i], "-6") == 0) {
		pe->family = AF_INET6;
		i++;
	}
	if (i >= p->ntok)
		return conf_error(p, "%s: missing argument", what);
	host = p->tok[i++];
	if (conf_addr_parse(host, &a) == 0) {
		if (a.af == AF_INET &&
		    (ntohl(a.u.v4.s_addr) & 0xffff0000U) == 0x7f7f0000U)
			return conf_error(p,
			    "%s: reference clocks are not supported", what);
		if (pe->family != AF_UNSPEC && pe->family != a.af)
			return conf_error(p, "%s: address family mismatch '%s'",
			    what, host);
		(void)conf_addr_str(&a, pe->host, sizeof(pe->host));
	} else if (conf_valid_hostname(host))
		(void)strlcpy(pe->host, host, sizeof(pe->host));
	else
		return conf_error(p, "%s: bad address '%s'", what, host);

	for (; i < p->ntok; i++) {
		const char *opt = p->tok[i];

		for (k = 0; k < nitems(conf_peerflags); k++)
			if (strcmp(opt, conf_peerflags[k].name) == 0)
				break;
		if (k < nitems(conf_peerflags)) {
			if (pe->flags & conf_peerflags[k].flag)
				return conf_error(p,
				    "%s: duplicate option '%s'", what, opt);
			pe->flags |= conf_peerflags[k].flag;
			continue;
		}
		if (strcmp(opt, "minpoll") != 0 &&
		    strcmp(opt, "maxpoll") != 0 &&
		    strcmp(opt, "version") != 0 &&
		    strcmp(opt, "ident") != 0 &&
		    strcmp(opt, "port") != 0)
			return conf_error(p, "%s: unknown option '%s'", what,
			    opt);
		if (i + 1 >= p->ntok)
			return conf_error(p, "%s: missing argument", opt);
		if (strcmp(opt, "minpoll") == 0) {
			if (minset++)
				goto dup;
			if (conf_number(p, opt, p->tok[++i], CONF_MIN_POLL,
			    CONF_MAX_POLL, &pe->minpoll) == -1)
				return -1;
		} else if (strcmp(opt, "maxpoll") == 0) {
			if (maxset++)
				goto dup;
			if (conf_number(p, opt, p->tok[++i], CONF_MIN_POLL,
			    CONF_MAX_POLL, &pe->maxpoll) == -1)
				return -1;
		} else if (strcmp(opt, "version") == 0) {
			if (verset++)
				goto dup;
			if (conf_number(p, opt, p->tok[++i], 3, 4,
			    &pe->version) == -1)
				return -1;
		} else if (strcmp(opt, "port") == 0) {
			if (portset++)
				goto dup;
			if (conf_number(p, opt, p->tok[++i], 1, 65535,
			    &v) == -1)
				return -1;
			pe->port = (uint16_t)v;
		} else {
			if (identset++)
				goto dup;
			if (conf_name(p, opt, p->tok[++i], pe->ident,
			    sizeof(pe->ident)) == -1)
				return -1;
		}
		continue;
 dup:
		return conf_error(p, "%s: duplicate option '%s'", what, opt);
	}

	/* Only an explicit pair can contradict itself; else adapt. */
	if (pe->maxpoll < pe->minpoll) {
		if (minset && maxset)
			return conf_error(p,
			    "%s: maxpoll %d is less than minpoll %d", what,
			    pe->maxpoll, pe->minpoll);
		if (minset)
			pe->maxpoll = pe->minpoll;
		else
			pe->minpoll = pe->maxpoll;
	}

	for (j = 0; j < conf->npeers; j++)
		if (conf->peers[j].mode == pe->mode &&
		    strcasecmp(conf->peers[j].host, pe->host) == 0 &&
		    conf->peers[j].port == pe->port)
			return conf_error(p, "%s: duplicate association '%s'",
			    what, pe->host);
	conf->npeers++;
	return 0;
}

/*
 * restrict [-4|-6] default|ADDR [mask MASK] [flags]
 */
static int
conf_d_restrict(struct conf_parser *p)
{
	struct ntpd_conf	*conf = p->conf;
	struct conf_restrict	*r;
	const char		*what = p->tok[0];
	size_t			 i = 1, j, k, ai;
	int			 fam = AF_UNSPEC;

	if (conf->nrestricts >= CONF_MAX_RESTRICT)
		return conf_error(p, "%s: too many entries (max %d)", what,
		    CONF_MAX_RESTRICT);
	r = &conf->restricts[conf->nrestricts];
	memset(r, 0, sizeof(*r));
	r->line = p->line;

	if (i < p->ntok && strcmp(p->tok[i], "-4") == 0) {
		fam = AF_INET;
		i++;
	} else if (i < p->ntok && strcmp(p->tok[i], "-6") == 0) {
		fam = AF_INET6;
		i++;
	}
	if (i >= p->ntok)
		return conf_error(p, "%s: missing argument", what);
	ai = i;
	if (strcmp(p->tok[i], "default") == 0) {
		r->isdefault = 1;
		r->family = fam;
	} else {
		if (conf_addr_parse(p->tok[i], &r->addr) == -1)
			return conf_error(p, "%s: bad address '%s'", what,
			    p->tok[i]);
		if (fam != AF_UNSPEC && fam != r->addr.af)
			return conf_error(p, "%s: address family mismatch '%s'",
			    what, p->tok[i]);
		r->family = r->addr.af;
		r->mask.af = r->addr.af;
		memset(&r->mask.u, 0xff, sizeof(r->mask.u));
		if (r->addr.af == AF_INET)
			memset((char *)&r->mask.u + 4, 0,
			    sizeof(r->mask.u) - 4);
	}
	i++;
	if (i < p->ntok && strcmp(p->tok[i], "mask") == 0) {
		if (r->isdefault)
			return conf_error(p, "%s: mask not allowed with default",
			    what);
		if (++i >= p->ntok)
			return conf_error(p, "mask: missing argument");
		if (conf_addr_parse(p->tok[i], &r->mask) == -1 ||
		    r->mask.af != r->addr.af)
			return conf_error(p, "%s: bad mask '%s'", what,
			    p->tok[i]);
		i++;
	}
	for (; i < p->ntok; i++) {
		for (k = 0; k < nitems(conf_resflags); k++)
			if (strcmp(p->tok[i], conf_resflags[k].name) == 0)
				break;
		if (k == nitems(conf_resflags))
			return conf_error(p, "%s: unknown option '%s'", what,
			    p->tok[i]);
		r->flags |= conf_resflags[k].flag;
	}

	for (j = 0; j < conf->nrestricts; j++) {
		const struct conf_restrict *o = &conf->restricts[j];

		if (o->isdefault != r->isdefault || o->family != r->family)
			continue;
		if (!r->isdefault && (!conf_addr_eq(&o->addr, &r->addr) ||
		    !conf_addr_eq(&o->mask, &r->mask)))
			continue;
		return conf_error(p, "%s: duplicate entry for '%s'", what,
		    p->tok[ai]);
	}
	conf->nrestricts++;
	return 0;
}

static int
conf_d_driftfile(struct conf_parser *p)
{
	if (conf_once(p, SEEN_DRIFT, p->tok[0]) == -1)
		return -1;
	return conf_path(p, p->conf->driftfile, sizeof(p->conf->driftfile),
	    0);
}

static int
conf_d_leapfile(struct conf_parser *p)
{
	if (conf_once(p, SEEN_LEAP, p->tok[0]) == -1)
		return -1;
	return conf_path(p, p->conf->leapfile, sizeof(p->conf->leapfile), 0);
}

static int
conf_d_keysdir(struct conf_parser *p)
{
	if (conf_once(p, SEEN_KEYSDIR, p->tok[0]) == -1)
		return -1;
	return conf_path(p, p->conf->keysdir, sizeof(p->conf->keysdir), 0);
}

static int
conf_d_ctlsock(struct conf_parser *p)
{
	if (conf_once(p, SEEN_CTLSOCK, p->tok[0]) == -1)
		return -1;
	return conf_path(p, p->conf->controlsocket,
	    sizeof(p->conf->controlsocket), 0);
}

static int
conf_d_chroot(struct conf_parser *p)
{
	if (conf_once(p, SEEN_CHROOT, p->tok[0]) == -1)
		return -1;
	return conf_path(p, p->conf->chroot, sizeof(p->conf->chroot), 0);
}

/*
 * crypto [digest NAME] [host NAME] [ident GROUP] [pw PASSWORD]
 *     [randfile PATH] [revoke N]
 */
static int
conf_d_crypto(struct conf_parser *p)
{
	struct conf_crypto	*c = &p->conf->crypto;
	size_t			 i, k;
	uint32_t		 bit;

	c->enabled = 1;
	for (i = 1; i < p->ntok; i += 2) {
		const char *opt = p->tok[i], *arg;

		if (strcmp(opt, "digest") == 0)
			bit = SEEN_C_DIGEST;
		else if (strcmp(opt, "host") == 0)
			bit = SEEN_C_HOST;
		else if (strcmp(opt, "ident") == 0)
			bit = SEEN_C_IDENT;
		else if (strcmp(opt, "pw") == 0)
			bit = SEEN_C_PW;
		else if (strcmp(opt, "randfile") == 0)
			bit = SEEN_C_RANDFILE;
		else if (strcmp(opt, "revoke") == 0)
			bit = SEEN_REVOKE;
		else
			return conf_error(p, "crypto: unknown option '%s'", opt);
		if (i + 1 >= p->ntok)
			return conf_error(p, "%s: missing argument", opt);
		if (p->conf->seen & bit)
			return conf_error(p, "crypto: duplicate option '%s'",
			    opt);
		p->conf->seen |= bit;
		arg = p->tok[i + 1];

		switch (bit) {
		case SEEN_C_DIGEST:
			for (k = 0; k < nitems(conf_digests); k++)
				if (strcasecmp(arg, conf_digests[k]) == 0)
					break;
			if (k == nitems(conf_digests))
				return conf_error(p,
				    "digest: unsupported digest '%s' "
				    "(expected MD5, SHA1 or RIPEMD160)", arg);
			(void)strlcpy(c->digest, conf_digests[k],
			    sizeof(c->digest));
			break;
		case SEEN_C_HOST:
			if (conf_name(p, opt, arg, c->host,
			    sizeof(c->host)) == -1)
				return -1;
			break;
		case SEEN_C_IDENT:
			if (conf_name(p, opt, arg, c->ident,
			    sizeof(c->ident)) == -1)
				return -1;
			break;
		case SEEN_C_PW:
			/* Never echo the password, not even in errors. */
			if (strlcpy(c->pw, arg, sizeof(c->pw)) >=
			    sizeof(c->pw)) {
				explicit_bzero(c->pw, sizeof(c->pw));
				return conf_error(p, "pw: too long (max %zu)",
				    sizeof(c->pw) - 1);
			}
			c->pw_set = 1;
			break;
		case SEEN_C_RANDFILE:
			if (strlcpy(c->randfile, arg, sizeof(c->randfile)) >=
			    sizeof(c->randfile))
				return conf_error(p,
				    "randfile: path too long (max %zu)",
				    sizeof(c->randfile) - 1);
			break;
		default:
			if (conf_number(p, opt, arg, 10, 30,
			    &c->revoke) == -1)
				return -1;
			break;
		}
	}
	return 0;
}

static int
conf_d_revoke(struct conf_parser *p)
{
	if (conf_once(p, SEEN_REVOKE, p->tok[0]) == -1 ||
	    conf_nargs(p, 1, 1) == -1)
		return -1;
	return conf_number(p, p->tok[0], p->tok[1], 10, 30,
	    &p->conf->crypto.revoke);
}

static int
conf_d_automax(struct conf_parser *p)
{
	if (conf_once(p, SEEN_AUTOMAX, p->tok[0]) == -1 ||
	    conf_nargs(p, 1, 1) == -1)
		return -1;
	return conf_number(p, p->tok[0], p->tok[1], 10, 30,
	    &p->conf->crypto.automax);
}

static int
conf_d_ident(struct conf_parser *p)
{
	if (conf_once(p, SEEN_IDENT, p->tok[0]) == -1 ||
	    conf_nargs(p, 1, 1) == -1)
		return -1;
	return conf_name(p, p->tok[0], p->tok[1], p->conf->ident,
	    sizeof(p->conf->ident));
}

/*
 * broadcast ADDR [autokey] [ttl N] [minpoll N]
 */
static int
conf_d_broadcast(struct conf_parser *p)
{
	struct ntpd_conf	*conf = p->conf;
	struct conf_bcast	*b;
	const char		*what = p->tok[0];
	size_t			 i, j;
	int			 ttlset = 0, minset = 0;

	if (conf->nbcasts >= CONF_MAX_BCAST)
		return conf_error(p, "%s: too many addresses (max %d)", what,
		    CONF_MAX_BCAST);
	if (p->ntok < 2)
		return conf_error(p, "%s: missing argument", what);
	b = &conf->bcasts[conf->nbcasts];
	memset(b, 0, sizeof(*b));
	b->ttl = CONF_DEF_TTL;
	b->minpoll = CONF_DEF_MINPOLL;
	b->line = p->line;
	if (conf_addr_parse(p->tok[1], &b->addr) == -1)
		return conf_error(p, "%s: bad address '%s'", what, p->tok[1]);
	for (i = 2; i < p->ntok; i++) {
		const char *opt = p->tok[i];

		if (strcmp(opt, "autokey") == 0) {
			if (b->autokey++)
				goto dup;
			continue;
		}
		if (strcmp(opt, "ttl") != 0 && strcmp(opt, "minpoll") != 0)
			return conf_error(p, "%s: unknown option '%s'", what,
			    opt);
		if (i + 1 >= p->ntok)
			return conf_error(p, "%s: missing argument", opt);
		if (strcmp(opt, "ttl") == 0) {
			if (ttlset++)
				goto dup;
			if (conf_number(p, opt, p->tok[++i], 1, 255,
			    &b->ttl) == -1)
				return -1;
		} else {
			if (minset++)
				goto dup;
			if (conf_number(p, opt, p->tok[++i], CONF_MIN_POLL,
			    CONF_MAX_POLL, &b->minpoll) == -1)
				return -1;
		}
		continue;
 dup:
		return conf_error(p, "%s: duplicate option '%s'", what, opt);
	}
	for (j = 0; j < conf->nbcasts; j++)
		if (conf_addr_eq(&conf->bcasts[j].addr, &b->addr))
			return conf_error(p, "%s: duplicate address '%s'",
			    what, p->tok[1]);
	conf->nbcasts++;
	return 0;
}

static int
conf_d_bcastclient(struct conf_parser *p)
{
	if (conf_once(p, SEEN_BCASTCLIENT, p->tok[0]) == -1 ||
	    conf_nargs(p, 0, 0) == -1)
		return -1;
	p->conf->bcastclient = 1;
	return 0;
}

/*
 * multicastclient [ADDR ...]; may repeat, the addresses add up.
 */
static int
conf_d_mcastclient(struct conf_parser *p)
{
	struct ntpd_conf	*conf = p->conf;
	struct conf_addr	 a;
	const char		*what = p->tok[0];
	size_t			 i, j;

	conf->mcastclient = 1;
	for (i = 1; i < p->ntok; i++) {
		if (conf_addr_parse(p->tok[i], &a) == -1)
			return conf_error(p, "%s: bad address '%s'", what,
			    p->tok[i]);
		if (!conf_addr_multicast(&a))
			return conf_error(p,
			    "%s: not a multicast address '%s'", what,
			    p->tok[i]);
		for (j = 0; j < conf->nmcastaddrs; j++)
			if (conf_addr_eq(&conf->mcastaddrs[j], &a))
				return conf_error(p,
				    "%s: duplicate address '%s'", what,
				    p->tok[i]);
		if (conf->nmcastaddrs >= CONF_MAX_MCAST)
			return conf_error(p, "%s: too many addresses (max %d)",
			    what, CONF_MAX_MCAST);
		conf->mcastaddrs[conf->nmcastaddrs++] = a;
	}
	return 0;
}

/* local stratum N */
static int
conf_d_local(struct conf_parser *p)
{
	if (p->ntok > 1 && strcmp(p->tok[1], "stratum") != 0)
		return conf_error(p, "%s: unknown option '%s'", p->tok[0],
		    p->tok[1]);
	if (p->ntok < 3)
		return conf_error(p, "%s: missing argument",
		    p->ntok < 2 ? p->tok[0] : p->tok[1]);
	if (p->ntok > 3)
		return conf_error(p, "%s: unexpected argument '%s'", p->tok[0],
		    p->tok[3]);
	if (conf_once(p, SEEN_LOCAL, "local stratum") == -1)
		return -1;
	return conf_number(p, p->tok[1], p->tok[2], 1, 15,
	    &p->conf->local_stratum);
}

static int
conf_d_port(struct conf_parser *p)
{
	int	v;

	if (conf_once(p, SEEN_PORT, p->tok[0]) == -1 ||
	    conf_nargs(p, 1, 1) == -1 ||
	    conf_number(p, p->tok[0], p->tok[1], 1, 65535, &v) == -1)
		return -1;
	p->conf->port = (uint16_t)v;
	return 0;
}

/* listen on ADDR */
static int
conf_d_listen(struct conf_parser *p)
{
	struct ntpd_conf	*conf = p->conf;
	struct conf_addr	 a;
	size_t			 j;

	if (p->ntok > 1 && strcmp(p->tok[1], "on") != 0)
		return conf_error(p, "%s: unknown option '%s'", p->tok[0],
		    p->tok[1]);
	if (p->ntok < 3)
		return conf_error(p, "%s: missing argument", p->tok[0]);
	if (p->ntok > 3)
		return conf_error(p, "%s: unexpected argument '%s'", p->tok[0],
		    p->tok[3]);
	if (conf_addr_parse(p->tok[2], &a) == -1)
		return conf_error(p, "%s: bad address '%s'", p->tok[0],
		    p->tok[2]);
	for (j = 0; j < conf->nlisten; j++)
		if (conf_addr_eq(&conf->listen[j], &a))
			return conf_error(p, "%s: duplicate address '%s'",
			    p->tok[0], p->tok[2]);
	if (conf->nlisten >= CONF_MAX_LISTEN)
		return conf_error(p, "%s: too many addresses (max %d)",
		    p->tok[0], CONF_MAX_LISTEN);
	conf->listen[conf->nlisten++] = a;
	return 0;
}

static int
conf_d_user(struct conf_parser *p)
{
	if (conf_once(p, SEEN_USER, p->tok[0]) == -1 ||
	    conf_nargs(p, 1, 1) == -1)
		return -1;
	return conf_name(p, p->tok[0], p->tok[1], p->conf->user,
	    sizeof(p->conf->user));
}

/* keyd user NAME */
static int
conf_d_keyd(struct conf_parser *p)
{
	if (p->ntok > 1 && strcmp(p->tok[1], "user") != 0)
		return conf_error(p, "%s: unknown option '%s'", p->tok[0],
		    p->tok[1]);
	if (p->ntok < 3)
		return conf_error(p, "%s: missing argument",
		    p->ntok < 2 ? p->tok[0] : p->tok[1]);
	if (p->ntok > 3)
		return conf_error(p, "%s: unexpected argument '%s'", p->tok[0],
		    p->tok[3]);
	if (conf_once(p, SEEN_KEYDUSER, "keyd user") == -1)
		return -1;
	return conf_name(p, "keyd user", p->tok[2], p->conf->keyd_user,
	    sizeof(p->conf->keyd_user));
}

/*
 * Split one line (NUL-terminated copy in buf, len bytes without the
 * newline) into words and run its directive.
 */
static int
conf_line(struct conf_parser *p, char *buf, size_t len)
{
	size_t	 i, k;
	char	*s;

	p->ntok = 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c == '#') {
			buf[i] = '\0';
			len = i;
			break;
		}
		if (c != ' ' && c != '\t' && c != '\r' &&
		    (c < 0x20 || c == 0x7f))
			return conf_error(p, "bad character 0x%02x", c);
	}
	s = buf;
	while (s < buf + len) {
		while (*s == ' ' || *s == '\t' || *s == '\r')
			*s++ = '\0';
		if (*s == '\0')
			break;
		if (p->ntok >= CONF_MAX_TOKENS)
			return conf_error(p, "too many words");
		p->tok[p->ntok++] = s;
		while (*s != '\0' && *s != ' ' && *s != '\t' && *s != '\r')
			s++;
	}
	if (p->ntok == 0)
		return 0;
	for (k = 0; k < nitems(conf_directives); k++)
		if (strcmp(p->tok[0], conf_directives[k].name) == 0)
			return conf_directives[k].handler(p);
	return conf_error(p, "unknown directive '%s'", p->tok[0]);
}

/* Whole-file checks, after the last line. */
static int
conf_check(struct conf_parser *p)
{
	const struct ntpd_conf	*conf = p->conf;
	size_t			 i;

	if (conf->crypto.enabled)
		return 0;
	for (i = 0; i < conf->npeers; i++)
		if (conf->peers[i].flags & CONF_PEER_AUTOKEY) {
			p->line = conf->peers[i].line;
			return conf_error(p, "%s: autokey requires 'crypto'",
			    conf_mode_name(conf->peers[i].mode));
		}
	for (i = 0; i < conf->nbcasts; i++)
		if (conf->bcasts[i].autokey) {
			p->line = conf->bcasts[i].line;
			return conf_error(p,
			    "broadcast: autokey requires 'crypto'");
		}
	return 0;
}

void
conf_init(struct ntpd_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->port = CONF_DEF_PORT;
	(void)strlcpy(conf->keysdir, CONF_DEF_KEYSDIR, sizeof(conf->keysdir));
	(void)strlcpy(conf->controlsocket, CONF_DEF_CTLSOCK,
	    sizeof(conf->controlsocket));
	(void)strlcpy(conf->chroot, CONF_DEF_CHROOT, sizeof(conf->chroot));
	(void)strlcpy(conf->user, CONF_DEF_USER, sizeof(conf->user));
	(void)strlcpy(conf->keyd_user, CONF_DEF_KEYD_USER,
	    sizeof(conf->keyd_user));
	(void)strlcpy(conf->crypto.digest, CONF_DEF_DIGEST,
	    sizeof(conf->crypto.digest));
	conf->crypto.revoke = CONF_DEF_REVOKE;
	conf->crypto.automax = CONF_DEF_AUTOMAX;
}

void
conf_free(struct ntpd_conf *conf)
{
	explicit_bzero(conf->crypto.pw, sizeof(conf->crypto.pw));
	conf->crypto.pw_set = 0;
	conf->npeers = conf->nrestricts = conf->nbcasts = 0;
	conf->nmcastaddrs = conf->nlisten = 0;
}

/*
 * Parse len bytes of buf; fname is used in messages only.  conf is
 * initialised with conf_init() first.  Returns 0, or -1 with the first
 * error in err ("FILE:LINE: message").  On error conf holds what was
 * parsed so far; conf_free() it either way.
 */
int
conf_parse_buf(const char *buf, size_t len, const char *fname,
    struct ntpd_conf *conf, char *err, size_t errlen)
{
	struct conf_parser	 p;
	char			 line[CONF_MAX_LINE];
	size_t			 off = 0, n;
	const char		*nl;
	int			 rc = 0;

	conf_init(conf);
	memset(&p, 0, sizeof(p));
	p.fname = fname;
	p.err = err;
	p.errlen = errlen;
	p.conf = conf;
	if (err != NULL && errlen > 0)
		err[0] = '\0';

	while (off < len) {
		p.line++;
		nl = memchr(buf + off, '\n', len - off);
		n = nl != NULL ? (size_t)(nl - (buf + off)) : len - off;
		if (memchr(buf + off, '\0', n) != NULL) {
			rc = conf_error(&p, "NUL byte in line");
			break;
		}
		if (n >= sizeof(line)) {
			rc = conf_error(&p, "line too long (max %d bytes)",
			    CONF_MAX_LINE - 1);
			break;
		}
		memcpy(line, buf + off, n);
		line[n] = '\0';
		rc = conf_line(&p, line, n);
		if (rc == -1)
			break;
		off += n + (nl != NULL ? 1 : 0);
	}
	/* The line may have held the password. */
	explicit_bzero(line, sizeof(line));
	if (rc == 0)
		rc = conf_check(&p);
	return rc;
}

int
conf_parse_file(const char *path, struct ntpd_conf *conf, char *err,
    size_t errlen)
{
	struct stat	 st;
	char		*buf = NULL;
	size_t		 len = 0, size = 0;
	ssize_t		 r;
	int		 fd, rc, saved;

	conf_init(conf);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		goto syserr;
	if (fstat(fd, &st) == -1)
		goto syserr;
	if (!S_ISREG(st.st_mode)) {
		(void)snprintf(err, errlen, "%s: not a regular file", path);
		goto fail;
	}
	if (st.st_size > CONF_MAX_FILE)
		goto toobig;
	/* One byte more than the limit tells a file that grew meanwhile. */
	size = (size_t)st.st_size + 1;
	if ((buf = malloc(size)) == NULL)
		goto syserr;
	for (;;) {
		if (len == size)
			goto toobig;
		r = read(fd, buf + len, size - len);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			goto syserr;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	(void)close(fd);
	rc = conf_parse_buf(buf, len, path, conf, err, errlen);
	explicit_bzero(buf, size);
	free(buf);
	return rc;

 toobig:
	(void)snprintf(err, errlen, "%s: file too large (max %d bytes)", path,
	    CONF_MAX_FILE);
	goto fail;
 syserr:
	saved = errno;
	(void)snprintf(err, errlen, "%s: %s", path, strerror(saved));
 fail:
	if (buf != NULL) {
		explicit_bzero(buf, size);
		free(buf);
	}
	if (fd != -1)
		(void)close(fd);
	return -1;
}

const char *
conf_mode_name(enum conf_peer_mode mode)
{
	switch (mode) {
	case CONF_MODE_SERVER:
		return "server";
	case CONF_MODE_PEER:
		return "peer";
	case CONF_MODE_POOL:
		return "pool";
	}
	return "?";
}

static const char *
conf_fam_flag(int af)
{
	return af == AF_INET ? "-4 " : af == AF_INET6 ? "-6 " : "";
}

/*
 * Canonical form: every effective setting, one directive per line, in a
 * fixed order; it parses back to the same configuration.
 */
void
conf_print(FILE *fp, const struct ntpd_conf *conf)
{
	const struct conf_crypto *c = &conf->crypto;
	char		 a[INET6_ADDRSTRLEN], m[INET6_ADDRSTRLEN];
	size_t		 i, k;

	fprintf(fp, "port %u\n", conf->port);
	for (i = 0; i < conf->nlisten; i++)
		fprintf(fp, "listen on %s\n",
		    conf_addr_str(&conf->listen[i], a, sizeof(a)));
	fprintf(fp, "controlsocket %s\n", conf->controlsocket);
	fprintf(fp, "user %s\n", conf->user);
	fprintf(fp, "keyd user %s\n", conf->keyd_user);
	fprintf(fp, "chroot %s\n", conf->chroot);
	if (conf->driftfile[0] != '\0')
		fprintf(fp, "driftfile %s\n", conf->driftfile);
	if (conf->leapfile[0] != '\0')
		fprintf(fp, "leapfile %s\n", conf->leapfile);
	fprintf(fp, "keysdir %s\n", conf->keysdir);
	if (conf->local_stratum != 0)
		fprintf(fp, "local stratum %d\n", conf->local_stratum);
	if (conf->ident[0] != '\0')
		fprintf(fp, "ident %s\n", conf->ident);
	if (c->enabled) {
		fprintf(fp, "crypto digest %s", c->digest);
		if (c->host[0] != '\0')
			fprintf(fp, " host %s", c->host);
		if (c->ident[0] != '\0')
			fprintf(fp, " ident %s", c->ident);
		if (c->pw_set)
			fprintf(fp, " pw ********");
		if (c->randfile[0] != '\0')
			fprintf(fp, " randfile %s", c->randfile);
		fprintf(fp, "\n");
	}
	fprintf(fp, "revoke %d\n", c->revoke);
	fprintf(fp, "automax %d\n", c->automax);

	for (i = 0; i < conf->npeers; i++) {
		const struct conf_peer *pe = &conf->peers[i];

		fprintf(fp, "%s %s%s", conf_mode_name(pe->mode),
		    conf_fam_flag(pe->family), pe->host);
		for (k = 0; k < nitems(conf_peerflags); k++)
			if (pe->flags & conf_peerflags[k].flag)
				fprintf(fp, " %s", conf_peerflags[k].name);
		fprintf(fp, " minpoll %d maxpoll %d version %d port %u",
		    pe->minpoll, pe->maxpoll, pe->version, pe->port);
		if (pe->ident[0] != '\0')
			fprintf(fp, " ident %s", pe->ident);
		fprintf(fp, "\n");
	}
	for (i = 0; i < conf->nbcasts; i++) {
		const struct conf_bcast *b = &conf->bcasts[i];

		fprintf(fp, "broadcast %s%s ttl %d minpoll %d\n",
		    conf_addr_str(&b->addr, a, sizeof(a)),
		    b->autokey ? " autokey" : "", b->ttl, b->minpoll);
	}
	if (conf->bcastclient)
		fprintf(fp, "broadcastclient\n");
	if (conf->mcastclient) {
		fprintf(fp, "multicastclient");
		for (i = 0; i < conf->nmcastaddrs; i++)
			fprintf(fp, " %s", conf_addr_str(&conf->mcastaddrs[i],
			    a, sizeof(a)));
		fprintf(fp, "\n");
	}
	for (i = 0; i < conf->nrestricts; i++) {
		const struct conf_restrict *r = &conf->restricts[i];
		struct conf_addr host;

		if (r->isdefault)
			fprintf(fp, "restrict %sdefault",
			    conf_fam_flag(r->family));
		else {
			fprintf(fp, "restrict %s",
			    conf_addr_str(&r->addr, a, sizeof(a)));
			memset(&host, 0, sizeof(host));
			host.af = r->addr.af;
			memset(&host.u, 0xff, r->addr.af == AF_INET ? 4 :
			    sizeof(host.u));
			if (!conf_addr_eq(&host, &r->mask))
				fprintf(fp, " mask %s", conf_addr_str(&r->mask,
				    m, sizeof(m)));
		}
		for (k = 0; k < nitems(conf_resflags); k++)
			if (r->flags & conf_resflags[k].flag)
				fprintf(fp, " %s", conf_resflags[k].name);
		fprintf(fp, "\n");
	}
}
