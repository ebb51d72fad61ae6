/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

#ifndef SEAL_CONFIG_IMPL_H
#define SEAL_CONFIG_IMPL_H

/*
 * Internals of the ntp.conf parser, shared by its files: config.c (the
 * line loop and the directive table), config_args.c (argument checks),
 * config_directives.c (one handler per directive) and config_print.c.
 * Not for use outside them: the interface is config.h.
 */

#include <stddef.h>
#include <stdint.h>

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

/* Option words and their flag bits; also what conf_print writes. */
struct conf_resflag {
	const char	*name;
	uint32_t	 flag;
};

struct conf_peerflag {
	const char	*name;
	int		 flag;
};

extern const struct conf_resflag	conf_resflags[];
extern const size_t			conf_nresflags;
extern const struct conf_peerflag	conf_peerflags[];
extern const size_t			conf_npeerflags;

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

/* config_args.c */
int	conf_error(struct conf_parser *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	conf_number(struct conf_parser *, const char *, const char *,
	    long long, long long, int *);
int	conf_addr_parse(const char *, struct conf_addr *);
int	conf_valid_hostname(const char *);
int	conf_valid_name(const char *, size_t);
int	conf_once(struct conf_parser *, uint32_t, const char *);
int	conf_nargs(struct conf_parser *, size_t, size_t);
int	conf_path(struct conf_parser *, char *, size_t, int);
int	conf_name(struct conf_parser *, const char *, const char *,
	    char *, size_t);
const char *conf_addr_str(const struct conf_addr *, char *, size_t);
int	conf_addr_eq(const struct conf_addr *, const struct conf_addr *);
int	conf_addr_multicast(const struct conf_addr *);

/* config_directives.c */
int	conf_d_peer(struct conf_parser *);
int	conf_d_restrict(struct conf_parser *);
int	conf_d_driftfile(struct conf_parser *);
int	conf_d_leapfile(struct conf_parser *);
int	conf_d_keysdir(struct conf_parser *);
int	conf_d_crypto(struct conf_parser *);
int	conf_d_revoke(struct conf_parser *);
int	conf_d_automax(struct conf_parser *);
int	conf_d_ident(struct conf_parser *);
int	conf_d_broadcast(struct conf_parser *);
int	conf_d_bcastclient(struct conf_parser *);
int	conf_d_mcastclient(struct conf_parser *);
int	conf_d_local(struct conf_parser *);
int	conf_d_port(struct conf_parser *);
int	conf_d_listen(struct conf_parser *);
int	conf_d_ctlsock(struct conf_parser *);
int	conf_d_user(struct conf_parser *);
int	conf_d_keyd(struct conf_parser *);
int	conf_d_chroot(struct conf_parser *);

#endif
