/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */
#ifndef SEAL_IPC_H
#define SEAL_IPC_H

/*
 * Every message that crosses a pipe or the control socket, in one place.
 * Each type has exactly one payload struct (or none) and one handler; the
 * receiver checks the exact payload length before use and treats a wrong
 * length or an unknown type as fatal for that link.
 *
 * Links:
 *   P<->E  parent and engine (socketpair, fd 3 in the engine)
 *   P<->K  parent and keyd   (socketpair, fd 3 in keyd)
 *   E<->K  engine and keyd   (socketpair, fd 4 in both)
 *   C<->E  ntpctl and engine (unix control socket)
 */

#include <sys/socket.h>
#include <stdint.h>

#define IPC_FD_PARENT	3	/* child's end of its parent pipe */
#define IPC_FD_PEER	4	/* engine<->keyd pipe */

#define IPC_NAMELEN	256
#define IPC_ADDRSTRLEN	64
#define IPC_REASONLEN	128

enum imsg_type {
	IMSG_NONE = 0,
	/* P -> E: configuration, then the descriptors, then END */
	IMSG_CONF_MAIN,		/* struct ipc_conf_main */
	IMSG_CONF_PEER,		/* struct ipc_conf_peer */
	IMSG_CONF_RESTRICT,	/* struct ipc_conf_restrict */
	IMSG_SOCKET_NTP,	/* struct ipc_socket + fd: bound UDP socket */
	IMSG_SOCKET_CTL,	/* no payload + fd: listening control socket */
	IMSG_CONF_END,		/* no payload: start serving */
	/* E -> P: clock requests; the parent bounds and applies them */
	IMSG_ADJ_OFFSET,	/* struct ipc_clock: slew by offset seconds */
	IMSG_ADJ_FREQ,		/* struct ipc_clock: set frequency, ppm */
	IMSG_STEP,		/* struct ipc_clock: step by offset seconds */
	IMSG_WRITE_DRIFT,	/* struct ipc_clock: frequency to save, ppm */
	IMSG_SYNCED,		/* struct ipc_synced: sync state changed */
	/* P -> E: answers */
	IMSG_CLOCK_DONE,	/* struct ipc_clock_done */
	/* P -> K: crypto configuration (password in secure memory) */
	IMSG_KEYD_CONF,		/* struct ipc_keyd_conf */
	IMSG_KEYD_CONF_END,	/* no payload */
	/* K -> P */
	IMSG_KEYD_READY,	/* no payload: keys loaded, sandbox entered */
	IMSG_KEYD_FAILED,	/* struct ipc_error: refuse to start */
	/* E <-> K */
	IMSG_KEYD_HELLO,	/* E -> K, no payload */
	IMSG_KEYD_STATUS,	/* K -> E, struct ipc_keyd_status */
	/* C <-> E */
	IMSG_CTL_SHOW_STATUS,	/* C -> E, no payload */
	IMSG_CTL_SHOW_PEERS,	/* C -> E, no payload */
	IMSG_CTL_SHOW_COUNTERS,	/* C -> E, no payload */
	IMSG_CTL_STATUS,	/* E -> C, struct ctl_status */
	IMSG_CTL_PEER,		/* E -> C, struct ctl_peer, one per peer */
	IMSG_CTL_COUNTERS,	/* E -> C, struct ctl_counters */
	IMSG_CTL_END,		/* E -> C, no payload: end of a reply */
	IMSG_TYPE_MAX
};

const char	*ipc_type_name(uint32_t);

/* IMSG_CONF_MAIN */
struct ipc_conf_main {
	uint32_t	flags;
#define IPC_F_NOCLOCK	0x01	/* never touch the clock: log and show */
#define IPC_F_DEBUG	0x02
	int32_t		local_stratum;	/* 0: none */
	uint16_t	port;		/* our NTP port */
	uint16_t	pad;
	double		drift_ppm;	/* from the drift file */
	int32_t		have_drift;
	int32_t		verbose;
};

/* IMSG_CONF_PEER */
struct ipc_conf_peer {
	uint32_t	id;
	int32_t		kind;		/* CONF_SERVER, CONF_PEER, CONF_POOL */
	uint32_t	flags;		/* CONF_PEER_* from config.h */
	int32_t		minpoll, maxpoll, version;
	struct sockaddr_storage addr;	/* resolved, with port */
	socklen_t	addrlen;
	char		name[IPC_NAMELEN];
	char		ident[IPC_NAMELEN];
};

/* IMSG_CONF_RESTRICT */
struct ipc_conf_restrict {
	struct sockaddr_storage addr;
	struct sockaddr_storage mask;
	int32_t		is_default;
	int32_t		family;		/* AF_INET/AF_INET6; 0 for both */
	uint32_t	flags;
};

/* IMSG_SOCKET_NTP */
struct ipc_socket {
	struct sockaddr_storage local;
	socklen_t	locallen;
};

/* IMSG_ADJ_OFFSET, IMSG_ADJ_FREQ, IMSG_STEP, IMSG_WRITE_DRIFT */
struct ipc_clock {
	double		value;
};

/* IMSG_CLOCK_DONE */
struct ipc_clock_done {
	uint32_t	request;	/* the imsg type answered */
	int32_t		applied;	/* 0: clock left alone (-x) or refused */
	int32_t		error;		/* errno of a failed system call */
};

/* IMSG_SYNCED */
struct ipc_synced {
	int32_t		synced;
};

/* IMSG_KEYD_CONF */
struct ipc_keyd_conf {
	char		keysdir[1024];
	char		host[IPC_NAMELEN];
	char		ident[IPC_NAMELEN];
	char		digest[32];
	char		pw[256];	/* wiped by both ends after use */
	int32_t		enabled;
};

/* IMSG_KEYD_FAILED */
struct ipc_error {
	char		msg[512];
};

/* IMSG_KEYD_STATUS */
struct ipc_keyd_status {
	int32_t		crypto;		/* crypto configured */
	uint64_t	served;
	uint64_t	refused;
	char		host[IPC_NAMELEN];
};

/* IMSG_CTL_STATUS */
struct ctl_status {
	int32_t		synced;
	int32_t		noclock;
	uint8_t		stratum;
	uint8_t		leap;
	int8_t		poll;
	int8_t		precision;
	uint32_t	refid;
	uint32_t	syspeer_id;
	double		offset;		/* last offset, s */
	double		freq_ppm;
	double		jitter;		/* system jitter, s */
	double		rootdelay, rootdisp;
	double		uptime;
	char		syspeer[IPC_ADDRSTRLEN];
	char		clock_action[IPC_REASONLEN]; /* last thing done, or would be done with -x */
	int32_t		keyd_crypto;
	uint64_t	keyd_served, keyd_refused;
};

/* IMSG_CTL_PEER */
struct ctl_peer {
	uint32_t	id;
	int32_t		kind;
	char		name[IPC_NAMELEN];
	char		addr[IPC_ADDRSTRLEN];
	uint8_t		reach;
	int8_t		poll;
	uint8_t		stratum;
	uint8_t		leap;
	int32_t		sel;		/* PEER_SEL_* */
	int32_t		auth;		/* PEER_AUTH_* */
	char		auth_reason[IPC_REASONLEN];
	uint32_t	refid;
	uint32_t	flags;
	double		offset, delay, jitter, disp;
	double		last_rx_age;	/* s since last valid response, <0 never */
	double		next_poll;	/* s until next request */
	uint64_t	sent, rcvd;
};

#define PEER_SEL_NONE		0	/* no usable sample yet */
#define PEER_SEL_REJECT		1
#define PEER_SEL_FALSETICKER	2
#define PEER_SEL_EXCESS		3
#define PEER_SEL_OUTLIER	4
#define PEER_SEL_CANDIDATE	5
#define PEER_SEL_SURVIVOR	6
#define PEER_SEL_SYSPEER	7

#define PEER_AUTH_NONE		0	/* not configured */
#define PEER_AUTH_OK		1
#define PEER_AUTH_BAD		2
#define PEER_AUTH_PENDING	3

/* IMSG_CTL_COUNTERS */
struct ctl_counters {
	uint64_t	rx;		/* datagrams read */
	uint64_t	tx;		/* datagrams sent */
	uint64_t	tx_errors;
	uint64_t	rx_short;
	uint64_t	rx_badversion;
	uint64_t	rx_badmode;
	uint64_t	rx_badext;
	uint64_t	rx_badmac;
	uint64_t	rx_mode6;
	uint64_t	rx_mode7;
	uint64_t	rx_restricted;	/* dropped by restrict */
	uint64_t	rx_ratelimited;
	uint64_t	kod_sent;
	uint64_t	rx_unexpected;	/* replies no association asked for */
	uint64_t	rx_bogus;	/* failed the client's sanity tests */
	uint64_t	server_replies;
	uint64_t	ctl_requests;
};

#endif
