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
	/* leap seconds (ntpd/leapsec.h) */
	IMSG_CONF_LEAP,		/* P -> E, struct ipc_conf_leap: the table */
	IMSG_SET_LEAP,		/* E -> P, struct ipc_leap: arm the kernel */
	/* E <-> resolver (ntpd -R, ntpd/resolver.c) */
	IMSG_RESOLVE,		/* E -> R, struct ipc_resolve */
	IMSG_RESOLVED,		/* R -> E, struct ipc_resolved */
	/*
	 * E <-> K: keyd's key operations.  The engine's wrappers are in
	 * ntpd/keyd_client.h, keyd's table of requests in keyd/keyd.c.
	 * Every request carries the engine's request id in hdr.peerid and
	 * keyd echoes it in the one reply (or IMSG_KEYD_ERROR).
	 */
	IMSG_KEYD_GET_PUBLIC,	/* E -> K, no payload */
	IMSG_KEYD_PUBLIC,	/* K -> E, ipc_keyd_public + host key DER */
	IMSG_KEYD_GET_CERT,	/* E -> K, struct ipc_keyd_index */
	IMSG_KEYD_CERT,		/* K -> E, ipc_keyd_certinfo + cert DER */
	IMSG_KEYD_GET_GROUP,	/* E -> K, struct ipc_keyd_index */
	IMSG_KEYD_GROUP,	/* K -> E, ipc_keyd_groupinfo + parameters */
	IMSG_KEYD_SIGN,		/* E -> K, ipc_keyd_sign + value */
	IMSG_KEYD_SIGNATURE,	/* K -> E, ipc_keyd_sig + signature */
	IMSG_KEYD_IDENT,	/* E -> K, ipc_keyd_ident + challenge */
	IMSG_KEYD_COOKIE_ENC,	/* E -> K, ipc_keyd_cookie_enc + RSA key DER */
	IMSG_KEYD_COOKIE_DEC,	/* E -> K, ipc_keyd_cookie_dec + ciphertext */
	IMSG_KEYD_COOKIE,	/* K -> E, struct ipc_keyd_cookie (secret) */
	IMSG_KEYD_CERT_SIGN,	/* E -> K, ipc_keyd_cert_sign + cert DER */
	IMSG_KEYD_VALUE,	/* K -> E, ipc_keyd_value + value + signature */
	IMSG_KEYD_GET_STATS,	/* E -> K, no payload */
	IMSG_KEYD_STATS,	/* K -> E, struct ipc_keyd_stats */
	IMSG_KEYD_ERROR,	/* K -> E, struct ipc_keyd_error: refused */
	IMSG_KEYD_NEWPIPE,	/* P -> E, no payload + fd: a new keyd (SIGHUP) */
	IMSG_CTL_SHOW_KEYD,	/* C -> E, no payload */
	IMSG_CTL_KEYD,		/* E -> C, struct ipc_keyd_stats */
	/* P -> E: names the engine resolves again (ntpd/pool.c) */
	IMSG_CONF_NAME,		/* struct ipc_conf_name */
	IMSG_SOCKET_RESOLVER,	/* no payload + fd: the link to ntpd -R */
	/* C <-> E: the host's certificate list (Autokey, ntpd/akglue.c) */
	IMSG_CTL_SHOW_CERTS,	/* C -> E, no payload */
	IMSG_CTL_CERT,		/* E -> C, struct ctl_cert, one per cert */
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
	/* Autokey (ntpd/akglue.c): the crypto line's engine-side part */
	int32_t		crypto;		/* a crypto line was given */
	int32_t		ak_revoke;	/* log2 s: server value; 0 default */
	int32_t		ak_automax;	/* log2 s of key lists; 0 default */
	char		ak_digest[32];	/* Autokey digest H; "" = MD5 */
	char		ak_keysdir[1024]; /* for messages only */
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
	/* Our address towards it (the parent asks the routing table), for
	 * Autokey session keys when we listen on a wildcard address;
	 * ss_family 0 if unknown. */
	struct sockaddr_storage local;
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
	/* leap seconds (sys.c): what the table or the servers say */
	int32_t		tai_offset;	/* TAI-UTC, s; 0: unknown */
	int32_t		leap_source;	/* IPC_LEAPSRC_* */
	int32_t		leap_next_dir;	/* +1 insert, -1 delete, 0 none known */
	int32_t		leap_file_expired;
	uint64_t	leap_next;	/* NTP s of the next leap; 0 none */
	uint64_t	leap_expires;	/* the file's #@, NTP s; 0 no file */
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
	/* Autokey (ntpd/akglue.c); all zero for other associations */
	uint32_t	ak_flags;	/* association status word (spec 1.4) */
	uint32_t	ak_keyid;	/* key ID of the last request */
	char		ak_host[IPC_NAMELEN];	/* peer's subject (ASSOC) */
	char		ak_group[IPC_NAMELEN];	/* group key in use, or "" */
	char		ak_scheme[8];	/* "IFF", "GQ", "MV", "TC", "" */
	char		ak_cert_subject[IPC_NAMELEN];	/* trusted cert */
	char		ak_cert_issuer[IPC_NAMELEN];
	int64_t		ak_cert_notbefore;	/* Unix s; 0 none */
	int64_t		ak_cert_notafter;
	double		ak_time_to_ok;	/* s from (re)start to ok; <0 not yet */
	uint64_t	ak_rejected;	/* responses refused (MAC, checks) */
	uint64_t	ak_resets;	/* protocol restarts */
	int32_t		ak_tai;		/* TAI-UTC from LEAP; 0 none */
	int32_t		ak_pad;
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
	/* Autokey server (ntpd/akglue.c) */
	uint64_t	ak_requests;	/* MAC'd requests that verified */
	uint64_t	ak_responses;	/* answers sent with a MAC */
	uint64_t	ak_badmac;	/* requests whose MAC failed */
	uint64_t	ak_naks;	/* crypto-NAKs sent */
	uint64_t	ak_keyd_jobs;	/* responses that needed keyd */
	uint64_t	ak_keyd_failed;	/* of which keyd refused */
	uint64_t	ak_dropped;	/* pending table full: oldest dropped */
	uint64_t	ak_declined;	/* ASSOC from outside our group */
	uint64_t	mode6_answered;	/* ntpq requests answered (ctl6.c) */
};

/* IMSG_CTL_CERT: one certificate of the host's list (spec 8.4, 10.2) */
struct ctl_cert {
	char		subject[IPC_NAMELEN];
	char		issuer[IPC_NAMELEN];
	int64_t		notbefore;	/* Unix seconds */
	int64_t		notafter;
	uint32_t	flags;		/* ntpq's cert flags: 0x01 trusted,
					   0x02 verified, 0x04 valid, 0x08
					   private, 0x80 error */
	uint32_t	fstamp;
	char		origin[16];	/* "own", "trail", "signed" */
};

/* IMSG_CONF_LEAP: the leap file's table, checked by the parent */
#define IPC_LEAP_MAX	64
struct ipc_conf_leap {
	uint32_t	n;		/* entries used, <= IPC_LEAP_MAX */
	uint32_t	pad;
	uint64_t	updated;	/* #$, NTP seconds */
	uint64_t	expires;	/* #@, NTP seconds */
	struct {
		uint64_t	ntp_secs;	/* first second of the offset */
		int32_t		tai_offset;
		int32_t		pad;
	}		e[IPC_LEAP_MAX];
};

#define IPC_LEAPSRC_NONE	0	/* no file, no vote */
#define IPC_LEAPSRC_FILE	1	/* the leap file decides */
#define IPC_LEAPSRC_SERVERS	2	/* a majority of the survivors */

/* IMSG_SET_LEAP: arm the kernel for the end of this UTC day */
struct ipc_leap {
	int32_t		leap;		/* +1 insert, -1 delete, 0 disarm */
	int32_t		tai;		/* TAI-UTC to give the kernel; 0 none */
};

/* IMSG_RESOLVE */
#define IPC_RESOLVE_MAX	8		/* addresses in one answer */
struct ipc_resolve {
	uint32_t	id;		/* the engine's request tag, echoed */
	int32_t		family;		/* AF_UNSPEC, AF_INET, AF_INET6 */
	uint16_t	port;
	uint16_t	pad;
	char		name[IPC_NAMELEN];
};

/*
 * IMSG_CONF_NAME: a pool, or a server whose name did not resolve at
 * start.  The engine asks the resolver for it again when it has fewer
 * live associations of that name than it wants.
 */
struct ipc_conf_name {
	struct ipc_conf_peer peer;	/* template; addr and id unused */
	int32_t		family;		/* AF_UNSPEC unless -4/-6 */
	uint16_t	port;		/* the server's port */
	uint16_t	pad;
	uint32_t	line;		/* in the configuration, for logs */
	uint32_t	pad2;
};

/* IMSG_RESOLVED */
struct ipc_resolved {
	uint32_t	id;
	int32_t		error;		/* getaddrinfo's EAI_*, 0 ok */
	uint32_t	naddrs;		/* <= IPC_RESOLVE_MAX */
	uint32_t	pad;
	struct sockaddr_storage addrs[IPC_RESOLVE_MAX];
	socklen_t	addrlens[IPC_RESOLVE_MAX];
	char		reason[IPC_REASONLEN];	/* gai_strerror() text */
};

/*
 * keyd's key operations (E <-> K).  All numbers in host order (both
 * ends are on one machine); "NTP seconds" are seconds since 1900 in 32
 * bits, as in Autokey extension fields.  A request whose payload length
 * does not match its struct plus the byte count the struct announces is
 * a protocol violation (fatal for the link); a well-framed request keyd
 * will not serve gets IMSG_KEYD_ERROR with one of these codes.
 */
#define KEYD_ERR_NOCRYPTO	1	/* no "crypto" in the configuration */
#define KEYD_ERR_NOKEY		2	/* the key or parameters are not loaded */
#define KEYD_ERR_KIND		3	/* not a value kind keyd signs */
#define KEYD_ERR_LENGTH		4	/* a length wrong for the kind or key */
#define KEYD_ERR_TIME		5	/* timestamp 0, off keyd's clock by more
					   than KEYD_TS_WINDOW, or < filestamp */
#define KEYD_ERR_VALUE		6	/* value does not parse / is not ours */
#define KEYD_ERR_RATE		7	/* over the operation's rate limit */
#define KEYD_ERR_CRYPTO		8	/* libcrypto failed */
#define KEYD_ERR_NOENT		9	/* index past the last cert or group */
#define KEYD_ERR_EXPIRED	10	/* our certificate is not valid now */
#define KEYD_ERR_RELOAD		100	/* engine side: keyd was replaced */
#define KEYD_ERR_GONE		101	/* engine side: cancelled / shutdown */

#define KEYD_TS_WINDOW		86400	/* s: signed timestamps vs keyd clock */
#define KEYD_MAXVAL		2048	/* value bytes: NTP_MAXEXTEN */
#define KEYD_MAXSIG		1024	/* signature bytes (8192-bit keys) */
#define KEYD_MAXKEYDER		1100	/* RSAPublicKey DER, 8192-bit */

/* Scheme numbers are the status word bits (spec autokey.md 1.4). */
#define KEYD_SCHEME_IFF		0x20
#define KEYD_SCHEME_GQ		0x40
#define KEYD_SCHEME_MV		0x80

/* Certificate flags; the low byte as ntpq's "cert" (spec 8.4). */
#define KEYD_CERT_TRUST		0x01	/* EKU trustRoot */
#define KEYD_CERT_PRIV		0x08	/* EKU Private */
#define KEYD_CERT_SELF		0x100	/* self-signed, signature verified */
#define KEYD_CERT_VALIDNOW	0x200	/* keyd's clock inside the validity */

#define KEYD_NCOUNTERS		16
#define KEYD_MAXCERTS		2
#define KEYD_MAXGROUPS		8
#define KEYD_MAXPARAMS		4096	/* group parameter bytes */

/* IMSG_KEYD_GET_CERT, IMSG_KEYD_GET_GROUP */
struct ipc_keyd_index {
	uint32_t	index;		/* 0, 1, ... until KEYD_ERR_NOENT */
};

/* IMSG_KEYD_PUBLIC: followed by keylen bytes of RSAPublicKey DER */
struct ipc_keyd_public {
	uint32_t	status;		/* system status word, without TAI */
	int32_t		sign_nid;	/* our cert's signature NID (status>>16) */
	int32_t		digest_nid;	/* digest of that signature scheme */
	uint32_t	siglen;		/* bytes of every signature keyd makes */
	uint32_t	modlen;		/* host key modulus bytes: COOK vallen */
	uint32_t	host_fs;	/* ntpkey_host_ filestamp: COOK req fs */
	uint32_t	sign_fs;	/* ntpkey_sign_ filestamp (= host_fs
					   when the host key signs) */
	uint32_t	cert_fs;	/* ntpkey_cert_ filestamp */
	uint32_t	iff_fs, gq_fs, mv_fs; /* server identity keys; 0 none */
	uint32_t	ncerts;		/* GET_CERT indexes 0 .. ncerts-1 */
	uint32_t	ngroups;	/* GET_GROUP indexes 0 .. ngroups-1 */
	uint32_t	keylen;		/* bytes of host key DER that follow */
	char		host[IPC_NAMELEN];  /* cert subject: the ASSOC value */
	char		group[IPC_NAMELEN]; /* text after '@' in host, or "" */
	char		ident[IPC_NAMELEN]; /* server identity files' name */
};

/* IMSG_KEYD_CERT (followed by derlen bytes) and in ipc_keyd_stats */
struct ipc_keyd_certinfo {
	char		subject[IPC_NAMELEN];
	char		issuer[IPC_NAMELEN];
	int64_t		notbefore;	/* Unix seconds */
	int64_t		notafter;
	uint64_t	serial;
	uint32_t	fstamp;		/* the file's filestamp (CERT rsp fs) */
	uint32_t	flags;		/* KEYD_CERT_* */
	int32_t		signid;		/* signature algorithm NID */
	uint32_t	derlen;
};

/*
 * IMSG_KEYD_GROUP (followed by paramlen bytes) and in ipc_keyd_stats:
 * a client parameter file ntpkey_<scheme>par_<group> found in keysdir.
 * The parameters are nparams integers, each a 2-byte big-endian length
 * and that many bytes of unsigned big-endian value:
 *	IFF: p, q, g, v		GQ: n, b, v (v may be empty)
 *	MV:  p, xbar, xhat
 */
struct ipc_keyd_groupinfo {
	char		group[IPC_NAMELEN];
	uint32_t	scheme;		/* KEYD_SCHEME_* */
	uint32_t	fstamp;		/* first line of the par file */
	uint32_t	chlen;		/* challenge bytes: |q|, |n| or |p| */
	uint32_t	nparams;
	uint32_t	paramlen;
};

/* IMSG_KEYD_SIGN: followed by vallen bytes of value */
struct ipc_keyd_sign {
	uint32_t	opcode;		/* EF word 0, length bits zero */
	uint32_t	tstamp;		/* NTP seconds, EF offset 8 */
	uint32_t	fstamp;		/* EF offset 12 */
	uint32_t	vallen;		/* EF offset 16 */
};

/* IMSG_KEYD_SIGNATURE: followed by siglen bytes */
struct ipc_keyd_sig {
	uint32_t	siglen;
};

/* IMSG_KEYD_IDENT: followed by chlen bytes of challenge */
struct ipc_keyd_ident {
	uint32_t	scheme;		/* KEYD_SCHEME_* */
	uint32_t	tstamp;		/* now, NTP seconds */
	uint32_t	chlen;		/* must equal the modulus bytes */
};

/* IMSG_KEYD_COOKIE_ENC: followed by keylen bytes of RSAPublicKey DER */
struct ipc_keyd_cookie_enc {
	uint32_t	tstamp;		/* now, NTP seconds */
	uint32_t	fstamp;		/* our host-value timestamp */
	uint8_t		cookie[4];	/* big-endian, as it is encrypted */
	uint32_t	keylen;
};

/* IMSG_KEYD_COOKIE_DEC: followed by ctlen bytes */
struct ipc_keyd_cookie_dec {
	uint32_t	ctlen;		/* must equal our host modulus bytes */
};

/* IMSG_KEYD_COOKIE */
struct ipc_keyd_cookie {
	uint8_t		cookie[4];	/* big-endian, as decrypted */
};

/* IMSG_KEYD_CERT_SIGN: followed by certlen bytes of DER */
struct ipc_keyd_cert_sign {
	uint32_t	tstamp;		/* now, NTP seconds */
	uint32_t	fstamp;		/* copied from the SIGN request */
	uint32_t	certlen;
};

/*
 * IMSG_KEYD_VALUE: a complete signed value, followed by vallen bytes of
 * value and siglen bytes of signature (both unpadded): exactly the
 * fields of an EF from offset 8 on.
 */
struct ipc_keyd_value {
	uint32_t	tstamp;
	uint32_t	fstamp;
	uint32_t	vallen;
	uint32_t	siglen;
};

/* IMSG_KEYD_ERROR */
struct ipc_keyd_error {
	uint32_t	request;	/* the imsg type refused */
	int32_t		code;		/* KEYD_ERR_* */
};

/* IMSG_KEYD_STATS, IMSG_CTL_KEYD */
struct ipc_keyd_counter {
	char		name[16];	/* request name, "" for an unused slot */
	uint64_t	served;
	uint64_t	refused;	/* KEYD_ERR_* replies */
	uint64_t	ratelimited;	/* of which KEYD_ERR_RATE */
};

struct ipc_keyd_stats {
	int32_t		crypto;		/* crypto configured, keys loaded */
	uint32_t	status;		/* as in ipc_keyd_public */
	uint32_t	host_fs, sign_fs, iff_fs, gq_fs, mv_fs;
	uint32_t	host_bits;	/* host key modulus bits */
	uint32_t	sign_bits;	/* sign key bits */
	uint32_t	ncerts, ngroups, ncounters;
	int64_t		started;	/* keyd start, Unix seconds */
	int32_t		pid;		/* keyd's pid: changes on reload */
	int32_t		pad;
	char		host[IPC_NAMELEN];
	char		ident[IPC_NAMELEN];
	struct ipc_keyd_certinfo certs[KEYD_MAXCERTS];
	struct ipc_keyd_groupinfo groups[KEYD_MAXGROUPS];
	struct ipc_keyd_counter counters[KEYD_NCOUNTERS];
};

#endif
