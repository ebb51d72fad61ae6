/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */
#ifndef SEAL_AKGLUE_H
#define SEAL_AKGLUE_H

/*
 * Autokey in the engine (ntpd/akglue.c): the glue between the pure
 * protocol layer (autokey.h), keyd (keyd_client.h) and the engine's
 * client and server sides.  It owns the host's Autokey state: keyd's
 * public material, the values keyd signed for us, the certificate list,
 * the installed group keys, the server's private value and the table of
 * server responses waiting for keyd.  Each Autokey association keeps its
 * own state behind struct peer's "ak" pointer.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include "ntptime.h"

struct peer;
struct ntp_sock;
struct ntp_pkt;
struct ctl_peer;
struct ctl_cert;

/* What akglue_client_recv() made of a response. */
#define AKG_DROP	-1	/* not authentic: ignore the packet */
#define AKG_PENDING	0	/* authentic, association not proven yet */
#define AKG_USABLE	1	/* proven: the time in it may be used */

/* akglue_client_next() besides a time. */
#define AKG_NEXT_POLL	-1.0	/* ordinary polling: leave p->next */
#define AKG_NEXT_RESUME	-2.0	/* exchange over: poll again from now */

void	 akglue_preinit(void);
void	 akglue_init(void);
int	 akglue_enabled(void);

/* Client side (client.c). */
void	 akglue_peer_init(struct peer *);
size_t	 akglue_client_build(struct peer *, uint8_t *, size_t, double,
	    int *);
void	 akglue_client_sent(struct peer *, int, double);
int	 akglue_client_recv(struct peer *, const uint8_t *,
	    const struct ntp_pkt *, double);
double	 akglue_client_next(struct peer *);
void	 akglue_client_synced(void);
void	 akglue_fill_peer(const struct peer *, struct ctl_peer *);

/* Server side (server.c): 0 handled, -1 not an Autokey request. */
int	 akglue_server_recv(struct ntp_sock *, const uint8_t *,
	    const struct ntp_pkt *, const struct sockaddr *, socklen_t,
	    ntp_ts);

/* Host. */
void	 akglue_tick(double);
size_t	 akglue_certs(struct ctl_cert *, size_t);

#endif
