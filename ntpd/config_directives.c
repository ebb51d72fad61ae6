/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * ntp.conf parser: one handler per directive (the table is in
 * config.c), and the option words they accept.
 */

#include <sys/socket.h>
#include <arpa/inet.h>
#include <string.h>

#include "config.h"
#include "config_impl.h"

const struct conf_resflag conf_resflags[] = {
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

const size_t conf_nresflags = nitems(conf_resflags);

const struct conf_peerflag conf_peerflags[] = {
	{ "autokey",	CONF_PEER_AUTOKEY },
	{ "iburst",	CONF_PEER_IBURST },
	{ "burst",	CONF_PEER_BURST },
	{ "prefer",	CONF_PEER_PREFER },
	{ "noselect",	CONF_PEER_NOSELECT },
};

const size_t conf_npeerflags = nitems(conf_peerflags);

/*
 * Autokey digests: the MAC parser takes at most 20 digest bytes (spec
 * 4.1), which leaves these.  Matched without regard to case, stored as
 * the OpenSSL short name.
 */
static const char *const conf_digests[] = { "MD5", "SHA1", "RIPEMD160" };

/*
 * server|peer|pool [-4|-6] HOST [options]
 */
int
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
int
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

int
conf_d_driftfile(struct conf_parser *p)
{
	if (conf_once(p, SEEN_DRIFT, p->tok[0]) == -1)
		return -1;
	return conf_path(p, p->conf->driftfile, sizeof(p->conf->driftfile),
	    0);
}

int
conf_d_leapfile(struct conf_parser *p)
{
	if (conf_once(p, SEEN_LEAP, p->tok[0]) == -1)
		return -1;
	return conf_path(p, p->conf->leapfile, sizeof(p->conf->leapfile), 0);
}

int
conf_d_keysdir(struct conf_parser *p)
{
	if (conf_once(p, SEEN_KEYSDIR, p->tok[0]) == -1)
		return -1;
	return conf_path(p, p->conf->keysdir, sizeof(p->conf->keysdir), 0);
}

int
conf_d_ctlsock(struct conf_parser *p)
{
	if (conf_once(p, SEEN_CTLSOCK, p->tok[0]) == -1)
		return -1;
	return conf_path(p, p->conf->controlsocket,
	    sizeof(p->conf->controlsocket), 0);
}

int
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
int
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

int
conf_d_revoke(struct conf_parser *p)
{
	if (conf_once(p, SEEN_REVOKE, p->tok[0]) == -1 ||
	    conf_nargs(p, 1, 1) == -1)
		return -1;
	return conf_number(p, p->tok[0], p->tok[1], 10, 30,
	    &p->conf->crypto.revoke);
}

int
conf_d_automax(struct conf_parser *p)
{
	if (conf_once(p, SEEN_AUTOMAX, p->tok[0]) == -1 ||
	    conf_nargs(p, 1, 1) == -1)
		return -1;
	return conf_number(p, p->tok[0], p->tok[1], 10, 30,
	    &p->conf->crypto.automax);
}

int
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
int
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

int
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
int
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
int
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

int
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
int
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

int
conf_d_user(struct conf_parser *p)
{
	if (conf_once(p, SEEN_USER, p->tok[0]) == -1 ||
	    conf_nargs(p, 1, 1) == -1)
		return -1;
	return conf_name(p, p->tok[0], p->tok[1], p->conf->user,
	    sizeof(p->conf->user));
}

/* keyd user NAME */
int
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
