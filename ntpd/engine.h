/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */
#ifndef SEAL_ENGINE_H
#define SEAL_ENGINE_H

#include <sys/queue.h>
#include <sys/socket.h>
#include <stdint.h>

#include <poll.h>

#include "imsg.h"
#include "ipc.h"
#include "ntptime.h"

struct ntp_pkt;
struct akpeer;

#define ENGINE_MAX_SOCKS	16
#define ENGINE_MAX_CTL		16	/* concurrent ntpctl connections */
#define ENGINE_NOFILE		128

/* Per-association state of the client side (client.c). */
struct peer {
	TAILQ_ENTRY(peer)	 entry;
	struct ipc_conf_peer	 conf;
	char			 addrtxt[IPC_ADDRSTRLEN];
	int			 sock;		/* index into engine socks */
	/* request in flight */
	ntp_ts			 xmt;		/* what we sent as transmit */
	double			 t1;		/* local send time, Unix s */
	int			 outstanding;
	/* poll state */
	uint8_t			 reach;
	int			 poll;		/* log2 s */
	int			 burst;		/* iburst packets still to send */
	double			 next;		/* monotonic time of next send */
	int			 unreach;	/* polls without an answer */
	/* last good response */
	uint8_t			 leap, stratum, version;
	int8_t			 ppoll, precision;
	uint32_t		 refid;
	double			 rootdelay, rootdisp;
	double			 last_rx;	/* monotonic; 0 never */
	/* clock filter output (filter.c) */
	void			*filter;	/* struct clock_filter */
	int			 have_sample;
	double			 offset, delay, disp, jitter;
	double			 sample_t;	/* monotonic time of sample */
	int			 sel;		/* PEER_SEL_* */
	int			 auth;		/* PEER_AUTH_* */
	char			 auth_reason[IPC_REASONLEN];
	uint64_t		 sent, rcvd;
	struct akpeer		*ak;		/* Autokey state (akglue.c) */
};
TAILQ_HEAD(peer_head, peer);

struct ntp_sock {
	int			 fd;
	struct sockaddr_storage	 local;
	socklen_t		 locallen;
};

/* System variables (sys.c): what we tell our own clients. */
struct sysvars {
	int			 synced;
	uint8_t			 leap;
	uint8_t			 stratum;
	int8_t			 precision;
	int8_t			 poll;
	uint32_t		 refid;
	ntp_ts			 reftime;
	double			 rootdelay, rootdisp;
	double			 offset, jitter, freq_ppm;
	struct peer		*syspeer;
	char			 last_action[IPC_REASONLEN];
};

struct engine {
	struct imsgbuf		 parent;
	struct imsgbuf		 keyd;
	struct ipc_conf_main	 conf;
	struct ipc_conf_restrict *restricts;
	size_t			 nrestricts;
	struct ntp_sock		 socks[ENGINE_MAX_SOCKS];
	size_t			 nsocks;
	int			 ctl_listen;
	struct peer_head	 peers;
	size_t			 npeers;
	struct sysvars		 sys;
	struct ctl_counters	 cnt;
	struct ipc_keyd_status	 keyd_status;
	double			 start;		/* monotonic start time */
	/* Destination address of the datagram being handled (IP_PKTINFO):
	 * what a client sent to, when our socket is a wildcard one. */
	struct sockaddr_storage	 rx_dst;
};

extern struct engine	*eng;

int	 engine_main(int, char *[]);
double	 engine_mono(void);		/* monotonic seconds */
double	 engine_unix(void);		/* wall clock, Unix seconds */
void	 engine_send_parent(uint32_t, const void *, size_t);
ssize_t	 engine_sendfrom(const struct ntp_sock *, const void *, size_t,
	    const struct sockaddr *, socklen_t, int, const uint8_t *);
int	 engine_sock_wildcard(const struct ntp_sock *);

/* client.c */
struct peer *client_peer_new(const struct ipc_conf_peer *);
void	 client_bind_sockets(void);
void	 client_send(struct peer *, double now);
void	 client_recv(struct peer *, const uint8_t *, const struct ntp_pkt *,
	    ntp_ts t4, double now);
struct peer *client_find(const struct sockaddr *, socklen_t);
double	 client_next_timeout(double now);
void	 client_timers(double now);

/* server.c */
void	 server_recv(struct ntp_sock *, const uint8_t *, size_t,
	    const struct ntp_pkt *, const struct sockaddr *, socklen_t,
	    ntp_ts t2);
int	 server_restricted(const struct sockaddr *, uint32_t flag);
void	 server_flush(void);		/* send the queued responses */
void	 server_header(const struct ntp_pkt *, ntp_ts t2, struct ntp_pkt *);

/* sys.c */
void	 sys_init(void);
void	 sys_peer_update(struct peer *, double now);
void	 sys_tick(double now);
void	 sys_clock_done(const struct ipc_clock_done *);
void	 sys_leap_conf(struct imsg *);
void	 sys_leap_status(struct ctl_status *);
void	 sys_leap_values(uint32_t *, uint32_t *, uint32_t *);
void	 sys_leap_autokey(uint32_t, uint32_t, uint32_t, const char *);

/* control.c */
void	 control_accept(int);
void	 control_pollfds(struct pollfd *, size_t *, size_t);
void	 control_dispatch(struct pollfd *);
size_t	 control_count(void);

#endif
