/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */
#ifndef SEAL_CONFIG_H
#define SEAL_CONFIG_H

/*
 * ntp.conf parser.  sealntp reads the reference ntpd syntax for the subset
 * it implements; anything else (directive, option, value) is an error that
 * names the file, the line and the offending word, never silently ignored.
 *
 * The configuration is one flat struct with fixed-size arrays and strings,
 * so that it can be copied, compared and sent down a pipe piecewise without
 * pointer fix-ups.  Counts are bounded (CONF_MAX_*); exceeding one is an
 * error.
 *
 * Directives understood (reference ntp.conf syntax):
 *	server|peer|pool [-4|-6] HOST [autokey] [iburst] [burst] [prefer]
 *	    [noselect] [minpoll N] [maxpoll N] [version N] [ident GROUP]
 *	    [port N]
 *	restrict [-4|-6] default|ADDR [mask MASK] [FLAG ...]
 *	    FLAG: ignore kod limited nomodify nomrulist nopeer noquery
 *	          noserve notrap notrust
 *	driftfile PATH, leapfile PATH, keysdir PATH
 *	crypto [digest MD5|SHA1|RIPEMD160] [host NAME] [ident GROUP]
 *	    [pw PASSWORD] [randfile PATH] [revoke N]
 *	    (a crypto line, even a bare "crypto", enables Autokey; options may
 *	    be spread over several crypto lines, each given at most once)
 *	revoke N, automax N		(log2 seconds, 10..30)
 *	ident GROUP			(group for ephemeral associations)
 *	broadcast ADDR [autokey] [ttl N] [minpoll N]
 *	broadcastclient
 *	multicastclient [ADDR ...]	(no address: the daemon's default group)
 *
 * sealntp extensions:
 *	port N			UDP port we listen on and send from (123)
 *	listen on ADDR		may repeat; none given: wildcard v4 and v6
 *	controlsocket PATH	ntpctl socket (/run/sealntp/ntpd.sock)
 *	user NAME		engine user (_ntp)
 *	keyd user NAME		key holder user (_ntpkey)
 *	chroot DIR		empty directory for the children
 *	local stratum N		answer at stratum N (1..15) with no upstream
 *	server ... port N	per-association server port (tests)
 *
 * Path arguments of driftfile, leapfile, keysdir, controlsocket and chroot
 * must be absolute; crypto randfile may be relative (to keysdir).
 * A scalar directive (or crypto option) given twice is an error, and so is
 * a second association to the same host with the same mode or a second
 * restrict line for the same address and mask.  An autokey association or
 * broadcast with no crypto line anywhere in the file is an error.
 */

#include <sys/types.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>

#define CONF_MAX_FILE		(1024 * 1024)	/* conf_parse_file bound */
#define CONF_MAX_LINE		1024		/* including the newline */
#define CONF_MAX_PEERS		64
#define CONF_MAX_RESTRICT	256
#define CONF_MAX_BCAST		16
#define CONF_MAX_MCAST		16
#define CONF_MAX_LISTEN		16

#define CONF_HOSTLEN		256	/* DNS name (253) or literal, + NUL */
#define CONF_NAMELEN		64	/* user and group names */
#define CONF_PATHLEN		1024
#define CONF_SOCKLEN		108	/* sizeof(sun_path) on Linux */
#define CONF_PWLEN		256
#define CONF_DIGESTLEN		16

/* Defaults. */
#define CONF_DEF_PORT		123
#define CONF_DEF_MINPOLL	6
#define CONF_DEF_MAXPOLL	10
#define CONF_MIN_POLL		3
#define CONF_MAX_POLL		17
#define CONF_DEF_VERSION	4
#define CONF_DEF_TTL		1	/* broadcast: stay on the link */
#define CONF_DEF_REVOKE		17
#define CONF_DEF_AUTOMAX	12
#define CONF_DEF_DIGEST		"MD5"
#define CONF_DEF_CTLSOCK	"/run/sealntp/ntpd.sock"
#define CONF_DEF_USER		"_ntp"
#define CONF_DEF_KEYD_USER	"_ntpkey"
#define CONF_DEF_CHROOT		"/var/lib/sealntp/empty"
#define CONF_DEF_KEYSDIR	"/etc/ntp"

/* A numeric address. */
struct conf_addr {
	sa_family_t		 af;		/* AF_INET or AF_INET6 */
	union {
		struct in_addr	 v4;
		struct in6_addr	 v6;
	}			 u;
};

enum conf_peer_mode {
	CONF_MODE_SERVER,
	CONF_MODE_PEER,
	CONF_MODE_POOL
};

/* conf_peer.flags */
#define CONF_PEER_AUTOKEY	0x01
#define CONF_PEER_IBURST	0x02
#define CONF_PEER_BURST		0x04
#define CONF_PEER_PREFER	0x08
#define CONF_PEER_NOSELECT	0x10

/* server, peer and pool lines */
struct conf_peer {
	enum conf_peer_mode	 mode;
	int			 family;	/* AF_UNSPEC, or -4/-6 given */
	char			 host[CONF_HOSTLEN]; /* literal or DNS name */
	int			 flags;		/* CONF_PEER_* */
	int			 minpoll;	/* log2 s, 3..17 */
	int			 maxpoll;	/* log2 s, minpoll..17 */
	int			 version;	/* 3..4 */
	uint16_t		 port;		/* server's port, default 123 */
	char			 ident[CONF_NAMELEN]; /* "" = none */
	unsigned int		 line;		/* for messages */
};

/* conf_restrict.flags */
#define CONF_RES_IGNORE		0x0001
#define CONF_RES_KOD		0x0002
#define CONF_RES_LIMITED	0x0004
#define CONF_RES_NOMODIFY	0x0008
#define CONF_RES_NOMRULIST	0x0010
#define CONF_RES_NOPEER		0x0020
#define CONF_RES_NOQUERY	0x0040
#define CONF_RES_NOSERVE	0x0080
#define CONF_RES_NOTRAP		0x0100
#define CONF_RES_NOTRUST	0x0200

struct conf_restrict {
	int			 isdefault;
	/*
	 * isdefault: AF_UNSPEC (plain "default", both families), AF_INET
	 * or AF_INET6 (-4/-6 default); otherwise addr.af.
	 */
	int			 family;
	struct conf_addr	 addr;		/* unless isdefault */
	struct conf_addr	 mask;		/* host mask if none given */
	uint32_t		 flags;		/* CONF_RES_* */
	unsigned int		 line;
};

struct conf_bcast {
	struct conf_addr	 addr;
	int			 autokey;
	int			 ttl;		/* 1..255 */
	int			 minpoll;	/* 3..17 */
	unsigned int		 line;
};

struct conf_crypto {
	int			 enabled;	/* a crypto line was seen */
	int			 pw_set;	/* else pw = host name */
	char			 pw[CONF_PWLEN]; /* wiped by conf_free */
	char			 host[CONF_HOSTLEN]; /* "" = gethostname() */
	char			 ident[CONF_NAMELEN]; /* "" = none */
	char			 randfile[CONF_PATHLEN]; /* "" = none */
	char			 digest[CONF_DIGESTLEN]; /* "MD5","SHA1","RIPEMD160" */
	int			 revoke;	/* log2 s */
	int			 automax;	/* log2 s */
};

struct ntpd_conf {
	struct conf_peer	 peers[CONF_MAX_PEERS];
	size_t			 npeers;
	struct conf_restrict	 restricts[CONF_MAX_RESTRICT];
	size_t			 nrestricts;
	struct conf_bcast	 bcasts[CONF_MAX_BCAST];
	size_t			 nbcasts;
	int			 bcastclient;
	int			 mcastclient;
	struct conf_addr	 mcastaddrs[CONF_MAX_MCAST]; /* none: default */
	size_t			 nmcastaddrs;
	struct conf_addr	 listen[CONF_MAX_LISTEN]; /* none: wildcard */
	size_t			 nlisten;
	uint16_t		 port;		/* our UDP port */
	int			 local_stratum;	/* 0 = off, else 1..15 */
	char			 ident[CONF_NAMELEN]; /* top-level ident */
	char			 driftfile[CONF_PATHLEN]; /* "" = none */
	char			 leapfile[CONF_PATHLEN];  /* "" = none */
	char			 keysdir[CONF_PATHLEN];
	char			 controlsocket[CONF_SOCKLEN];
	char			 chroot[CONF_PATHLEN];
	char			 user[CONF_NAMELEN];
	char			 keyd_user[CONF_NAMELEN];
	struct conf_crypto	 crypto;
	uint32_t		 seen;		/* parser: scalars given */
};

void	 conf_init(struct ntpd_conf *);
void	 conf_free(struct ntpd_conf *);
int	 conf_parse_buf(const char *, size_t, const char *, struct ntpd_conf *,
	    char *, size_t);
int	 conf_parse_file(const char *, struct ntpd_conf *, char *, size_t);
void	 conf_print(FILE *, const struct ntpd_conf *);
const char *conf_mode_name(enum conf_peer_mode);

#endif
