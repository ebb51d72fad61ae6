/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */
#ifndef SEAL_AUTOKEY_H
#define SEAL_AUTOKEY_H

/*
 * Autokey (RFC 5906) as the reference ntpd 4.2.8 speaks it on the wire
 * (spec: shared/spec/autokey.md, cited below as "spec N.N").
 *
 * Everything here is pure: functions over buffers and small state
 * structs, no I/O, no logging, no timers.  Nothing here ever holds a
 * long-term private key: whatever needs one (signing a value, answering
 * an identity challenge, signing a certificate, decrypting a cookie) is
 * an output ("this needs keyd") and the caller feeds keyd's answer back
 * in.  Public-key work (verifying signatures, encrypting a cookie to a
 * client's public key, checking identity proofs) is done here.
 *
 *	autokey_msg.c	 extension fields: parse, build, value checks,
 *			 packet-level checks of the spec 11 checklist
 *	autokey_key.c	 digest, session keys, key IDs, MACs, key lists,
 *			 the receiver's chain check
 *	autokey_verify.c signed values (crypto_verify), certificates
 *	autokey_client.c the client's state machine
 *	autokey_server.c stateless server responses, server cookies
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>

#include "packet.h"
#include "cert.h"
#include "ident.h"

/* Message codes (spec 3). */
#define AK_NULL		0
#define AK_ASSOC	1
#define AK_CERT		2
#define AK_COOK		3
#define AK_AUTO		4
#define AK_LEAP		5
#define AK_SIGN		6
#define AK_IFF		7
#define AK_GQ		8
#define AK_MV		9

#define AK_VERSION	2
/* The EF header word for a code: version 2, R and E bits as given. */
#define AK_OPCODE(code, resp, err)					\
	((uint32_t)(AK_VERSION) << 24 | (uint32_t)((code) & 0xff) << 16 |	\
	((resp) ? NTP_EXT_RESPONSE : 0) | ((err) ? NTP_EXT_ERROR : 0))

/* Status word / crypto flags (spec 1.4). */
#define AK_F_ENAB	0x00000001U	/* Autokey on; ASSOC accepted */
#define AK_F_TAI	0x00000002U	/* sender has signed values */
#define AK_F_PRIV	0x00000010U	/* PC scheme */
#define AK_F_IFF	0x00000020U
#define AK_F_GQ		0x00000040U
#define AK_F_MV		0x00000080U
#define AK_F_CERT	0x00000100U	/* trusted certificate reached */
#define AK_F_VRFY	0x00000200U	/* identity confirmed */
#define AK_F_PROV	0x00000400U	/* signature verified after VRFY */
#define AK_F_COOK	0x00000800U
#define AK_F_AUTO	0x00001000U
#define AK_F_SIGN	0x00002000U
#define AK_F_LEAP	0x00004000U
#define AK_F_SCHEME	0x000000f0U
#define AK_F_PROGRESS	0x00007f00U
#define AK_F_NID(w)	((int)((w) >> 16))

/* Limits (spec 6.4). */
#define AK_MAXKEY	65535U		/* larger key IDs are Autokey's */
#define AK_MAXSESSION	100		/* keys per key list */
#define AK_AUTOMAX	12		/* log2 s: key-list lifetime */
#define AK_REVOKE	17		/* log2 s: server private value */
#define AK_REFRESH	19		/* log2 s: association restart */
#define AK_MAXVALLEN	65511U
#define AK_MAXHOSTNAME	512		/* ASSOC host name, CERT name */
#define AK_GROUPNAMEMAX	256		/* group filter limit (spec 2.5) */
#define AK_MAXDIGEST	20		/* longest H the MAC parser allows */
#define AK_MAXCHAL	512		/* challenge bytes (4096-bit modulus) */
#define AK_REASONLEN	128

/*
 * Results.  The 0x1xx values are the reference's crypto event codes
 * (ntpq shows them); the rest are ours.  Only AK_EERR asks the caller
 * to reset the association (spec 6.3); the others leave state alone
 * and the request is repeated later.
 */
enum ak_err {
	AK_OK = 0,
	AK_ELEN = 0x101,	/* bad field format or length */
	AK_ETSP = 0x102,	/* bad timestamp */
	AK_EFSP = 0x103,	/* bad filestamp */
	AK_EPUB = 0x104,	/* bad or missing public key */
	AK_EMD = 0x105,		/* unsupported digest type */
	AK_EKEY = 0x106,	/* unsupported identity type */
	AK_ESGL = 0x107,	/* bad signature length */
	AK_ESIG = 0x108,	/* signature not verified */
	AK_EVFY = 0x109,	/* certificate not verified */
	AK_EPER = 0x10a,	/* certificate expired or not yet valid */
	AK_ECKY = 0x10b,	/* bad or missing cookie */
	AK_EDAT = 0x10c,	/* bad or missing leap seconds */
	AK_ECRT = 0x10d,	/* bad or missing certificate */
	AK_EID = 0x10e,		/* bad or missing group key */
	AK_EERR = 0x10f,	/* protocol error: reset the association */
	AK_EIGNORE = 0x200,	/* not an error: nothing to do with it */
	AK_EAUTH,		/* MAC missing, wrong length or wrong */
	AK_EDECLINE,		/* group filter: not our group */
	AK_ENOMEM
};

const char	*ak_strerror(enum ak_err);
const char	*ak_codename(int);

/*
 * Addresses as the session-key block takes them (spec 4.2): the family
 * of the source picks the 16- or 40-byte layout.
 */
struct ak_addr {
	int		 family;	/* AF_INET or AF_INET6 */
	uint8_t		 addr[16];
};

int	 ak_addr_set(struct ak_addr *, const struct sockaddr *, socklen_t);
int	 ak_addr_pton(struct ak_addr *, const char *);

/* ---- autokey_msg.c ---- */

/* One Autokey extension field, decoded (spec 2.2, 2.3). */
struct ak_msg {
	uint32_t	 word;		/* R|E|version|code|length */
	int		 code;
	int		 response, error;
	size_t		 len;
	uint32_t	 associd;
	int		 has_value;	/* value form: len >= 24 */
	uint32_t	 tstamp, fstamp;
	const uint8_t	*val;
	size_t		 vallen;
	const uint8_t	*sig;
	size_t		 siglen;
	const uint8_t	*start;		/* the field's first byte */
};

enum ak_err	 ak_msg_parse(const struct ntp_ext *, struct ak_msg *);
size_t		 ak_msg_append(uint8_t *, size_t, size_t,
		    const struct ak_msg *);
size_t		 ak_msg_short(uint8_t *, size_t, size_t, int, int, int,
		    uint32_t);
size_t		 ak_sigdata(uint32_t, uint32_t, const uint8_t *, size_t,
		    uint8_t *, size_t);
const uint8_t	*ak_msg_sigdata(const struct ak_msg *, size_t *);

/* A value signed by keyd (or unsigned: siglen 0, tstamp 0). */
struct ak_signed {
	const uint8_t	*val;
	size_t		 vallen;
	uint32_t	 tstamp, fstamp;
	const uint8_t	*sig;
	size_t		 siglen;
};

size_t	 ak_msg_append_signed(uint8_t *, size_t, size_t, int, int,
	    uint32_t, const struct ak_signed *);

/* Values of particular messages. */
struct ak_assoc {
	uint32_t	 associd;
	uint32_t	 tstamp;
	uint32_t	 status;	/* the filestamp slot */
	char		 host[AK_MAXHOSTNAME + 1];
};

struct ak_leap {
	uint32_t	 tai;		/* TAI - UTC, s; 0 = none */
	uint32_t	 epoch;		/* NTP seconds of the leap */
	uint32_t	 expire;	/* NTP seconds */
};

enum ak_err	 ak_assoc_value(const struct ak_msg *, struct ak_assoc *);
enum ak_err	 ak_name_value(const struct ak_msg *, char *, size_t);
enum ak_err	 ak_auto_value(const struct ak_msg *, uint32_t *, int32_t *);
enum ak_err	 ak_leap_value(const struct ak_msg *, struct ak_leap *);
size_t		 ak_leap_encode(const struct ak_leap *, uint8_t *, size_t);

/* Packet-level checks (spec 2.1, 2.5, 2.6, 11.1). */
enum ak_err	 ak_check_mac_shape(const struct ntp_pkt *, size_t, int);
enum ak_err	 ak_group_filter(const struct ntp_pkt *, const char *,
		    char *, size_t);
int		 ak_is_nak(const struct ntp_pkt *);

/* ---- autokey_key.c ---- */

const EVP_MD	*ak_digest(const char *);
int		 ak_session_key(const EVP_MD *, const struct ak_addr *,
		    const struct ak_addr *, uint32_t, uint32_t, uint8_t *,
		    size_t *);
uint32_t	 ak_next_id(const EVP_MD *, const struct ak_addr *,
		    const struct ak_addr *, uint32_t, uint32_t);
int		 ak_mac(const EVP_MD *, const uint8_t *, size_t,
		    const uint8_t *, size_t, uint8_t *, size_t *);
uint32_t	 ak_mac_cookie(const struct ntp_pkt *, uint32_t);
enum ak_err	 ak_mac_verify(const EVP_MD *, const struct ak_addr *,
		    const struct ak_addr *, uint32_t, const uint8_t *,
		    const struct ntp_pkt *);
size_t		 ak_mac_append(const EVP_MD *, const struct ak_addr *,
		    const struct ak_addr *, uint32_t, uint32_t, uint8_t *,
		    size_t, size_t);
uint32_t	 ak_keyid_random(void);
uint32_t	 ak_cookie(const EVP_MD *, const struct ak_addr *,
		    const struct ak_addr *, uint32_t);

/*
 * A sender's key list (spec 4.4).  Keys go out in reverse order:
 * ids[n - 1] first, ids[0] last; key = next_id(ids[n - 1]) and
 * seq = n - 1 are the autokey values a receiver needs.
 */
struct ak_keylist {
	uint32_t	 ids[AK_MAXSESSION];
	int		 n;
	int		 left;		/* keys not yet handed out */
	uint32_t	 key;
	int32_t		 seq;
	uint32_t	 tstamp;	/* generation time, 0 if unsynced */
	uint32_t	 cookie;
};

int		 ak_keylist_make(struct ak_keylist *, const EVP_MD *,
		    const struct ak_addr *, const struct ak_addr *, uint32_t,
		    uint32_t, int, int, int, uint32_t);
uint32_t	 ak_keylist_next(struct ak_keylist *);

/* The receiver's view of a peer's chain (spec 4.5). */
struct ak_chain {
	int		 have;
	uint32_t	 key;		/* from the AUTO value */
	int32_t		 seq;		/* hashes left */
	uint32_t	 previd;	/* last key ID accepted */
};

void		 ak_chain_set(struct ak_chain *, uint32_t, int32_t);
enum ak_err	 ak_chain_check(struct ak_chain *, const EVP_MD *,
		    const struct ak_addr *, const struct ak_addr *, uint32_t,
		    uint32_t);

/* ---- autokey_verify.c ---- */

/* A stored value's stamps: the monotonic reference of spec 6.3 rule 7. */
struct ak_stamp {
	uint32_t	 tstamp, fstamp;
};

#define AK_V_NOSIG	0x01	/* CERT response: stop before the signature */

enum ak_err	 ak_verify(const struct ak_msg *, uint32_t,
		    const struct ak_stamp *, EVP_PKEY *, const EVP_MD *, int);
enum ak_err	 ak_sig_verify(EVP_PKEY *, const EVP_MD *, const uint8_t *,
		    size_t, const uint8_t *, size_t);
const EVP_MD	*ak_nid_digest(int);
EVP_PKEY	*ak_cert_pubkey(const uint8_t *, size_t);
enum ak_err	 ak_cert_check(const struct cert_info *, uint32_t,
		    const char *, time_t);
enum ak_err	 ak_cert_trail(const uint8_t *, size_t,
		    const struct cert_info *, EVP_PKEY *,
		    const struct cert_info *);
EVP_PKEY	*ak_rsa_pubkey(const uint8_t *, size_t);
int		 ak_rsa_pubkey_der(EVP_PKEY *, uint8_t *, size_t, size_t *);
int		 ak_cookie_encrypt(EVP_PKEY *, uint32_t, uint8_t *, size_t,
		    size_t *);

/* ---- autokey_client.c ---- */

/* A trust group's public identity parameters, as the client found them. */
struct ak_group {
	char			 name[AK_GROUPNAMEMAX];
	struct ident_iff	*iff;		/* NULL if not installed */
	uint32_t		 iff_fs;
	struct ident_gq		*gq;
	uint32_t		 gq_fs;
	struct ident_mv_client	*mv;
	uint32_t		 mv_fs;
};

/* What this host is, for building requests (signed values from keyd). */
struct ak_host {
	char		 name[AK_MAXHOSTNAME + 1];	/* own subject */
	uint32_t	 status;		/* system status word */
	uint32_t	 hostval_ts;		/* last signature update */
	int		 synced;
	time_t		 now;			/* for certificate validity; 0 */
	int		 pc;			/* own certificate is Private */
	size_t		 modlen;		/* host RSA modulus, bytes */
	struct ak_signed pubkey;		/* COOK request value */
	struct ak_signed cert;			/* SIGN request value */
};

/* What the caller must do after ak_client_recv(). */
enum ak_todo_kind {
	AK_TODO_NONE = 0,
	AK_TODO_RESET,		/* protocol error: ak_client_reset() */
	AK_TODO_DECRYPT,	/* keyd: decrypt val; ak_client_cookie() */
	AK_TODO_INSTALL,	/* certificate val signed for us: cache it */
	AK_TODO_LEAP,		/* leap values arrived */
	AK_TODO_NEWKEYS		/* cookie changed: discard the key list */
};

struct ak_todo {
	enum ak_todo_kind	 kind;
	const uint8_t		*val;	/* points into the message */
	size_t			 vallen;
	uint32_t		 fstamp;
	struct ak_leap		 leap;
};

struct ak_client {
	uint32_t	 associd;	/* ours */
	int		 hmode;		/* NTP_MODE_CLIENT, _SYMACT, ... */
	int		 volley;	/* client volley of a broadcast client */
	const struct ak_group *group;	/* NULL: no group parameters */
	uint32_t	 flags;		/* the association's status word */
	uint32_t	 peer_associd;
	uint32_t	 bcast_associd;	/* the broadcaster's (volley AUTO) */
	char		 host[AK_MAXHOSTNAME + 1];	/* peer subject */
	char		 issuer[AK_MAXHOSTNAME + 1];	/* next CERT name */
	const EVP_MD	*sigmd;		/* from the peer's NID */
	EVP_PKEY	*pkey;		/* first accepted certificate's key */
	uint8_t		*trail;		/* DER of the last trail certificate */
	size_t		 traillen;
	struct cert_info trailinfo;
	uint8_t		 gqkey[CERT_GQMAX];	/* v from the trusted cert */
	size_t		 gqkeylen;
	int		 scheme;	/* AK_IFF/GQ/MV chosen, 0 none */
	uint8_t		 chal[AK_MAXCHAL];
	size_t		 challen;
	int		 chal_out;	/* challenge outstanding */
	int		 nogroup;	/* scheme advertised, no parameters */
	uint32_t	 hcookie;	/* our random host cookie */
	uint32_t	 cookie;	/* working cookie */
	struct ak_chain	 chain;
	struct ak_stamp	 autoref;
	struct ak_leap	 leap;
	enum ak_err	 last_err;
	char		 reason[AK_REASONLEN];
};

void		 ak_client_init(struct ak_client *, uint32_t, int,
		    const struct ak_group *);
void		 ak_client_reset(struct ak_client *);
void		 ak_client_free(struct ak_client *);
int		 ak_client_request(struct ak_client *, const struct ak_host *,
		    uint8_t *, size_t, size_t *);
enum ak_err	 ak_client_recv(struct ak_client *, const struct ak_host *,
		    const struct ak_msg *, int, struct ak_todo *);
enum ak_err	 ak_client_recv_ext(struct ak_client *,
		    const struct ak_host *, const struct ntp_pkt *,
		    struct ak_todo *);
enum ak_err	 ak_client_cookie(struct ak_client *, const uint8_t *,
		    size_t);
int		 ak_client_set_challenge(struct ak_client *, const uint8_t *,
		    size_t);
int		 ak_client_nak(struct ak_client *, const struct ntp_pkt *,
		    ntp_ts);
int		 ak_client_proven(const struct ak_client *);
int		 ak_client_needs_ident(const struct ak_client *);
uint32_t	 ak_client_mac_cookie(const struct ak_client *, int);

/* ---- autokey_server.c ---- */

struct ak_server {
	const EVP_MD	*md;
	uint32_t	 priv;		/* server private value (random) */
	uint32_t	 prevpriv;	/* the one before the last rotation */
	int		 have_prev;
	uint32_t	 rotated;	/* NTP seconds of the last rotation */
	uint32_t	 interval;	/* seconds between rotations */
};

/* A certificate the server can send in CERT responses, signed by keyd. */
struct ak_srvcert {
	const char		*subject;
	int			 trusted, selfsigned, isprivate, error;
	struct ak_signed	 value;
};

/* The server host's state that responses are built from. */
struct ak_srvhost {
	const char		*host;		/* own subject */
	uint32_t		 status;	/* system status word */
	uint32_t		 hostval_ts;
	uint32_t		 now;		/* NTP seconds */
	int			 synced;
	const struct ak_srvcert	*certs;
	size_t			 ncerts;
	const struct ak_signed	*leap;		/* NULL until signed */
	int			 cert_valid;	/* own cert valid now */
};

/*
 * A response that needs keyd before it can go out (ntpd/keyd_client.h):
 *	AK_JOB_COOKIE	keyd_cookie_encrypt(tstamp, fstamp, cookie,
 *			val = the client's RSAPublicKey DER)
 *	AK_JOB_IDENT	keyd_ident_respond(scheme of code, tstamp,
 *			val = the challenge)
 *	AK_JOB_CERTSIGN	keyd_cert_sign(tstamp, fstamp, val = the
 *			client's certificate DER)
 * keyd's answer (value, fstamp, signature) goes to ak_server_finish().
 */
enum ak_job_kind {
	AK_JOB_NONE = 0,
	AK_JOB_COOKIE,
	AK_JOB_IDENT,
	AK_JOB_CERTSIGN
};

struct ak_job {
	enum ak_job_kind kind;
	int		 code;
	uint32_t	 associd;
	uint32_t	 tstamp, fstamp;
	uint8_t		 cookie[4];	/* AK_JOB_COOKIE, big-endian */
	uint8_t		 val[2048];
	size_t		 vallen;
};

void		 ak_server_init(struct ak_server *, const EVP_MD *, uint32_t,
		    int);
int		 ak_server_rotate(struct ak_server *, uint32_t);
void		 ak_server_clear(struct ak_server *);
uint32_t	 ak_server_cookie(const struct ak_server *,
		    const struct ak_addr *, const struct ak_addr *);
enum ak_err	 ak_server_mac_verify(const struct ak_server *,
		    const struct ak_addr *, const struct ak_addr *,
		    const uint8_t *, const struct ntp_pkt *, uint32_t *);
enum ak_err	 ak_server_respond(const struct ak_server *,
		    const struct ak_srvhost *, const struct ntp_pkt *,
		    const struct ak_addr *, const struct ak_addr *,
		    uint8_t *, size_t, size_t *, struct ak_job *);
size_t		 ak_server_finish(const struct ak_job *, const uint8_t *,
		    size_t, uint32_t, const uint8_t *, size_t, uint8_t *,
		    size_t, size_t);
size_t		 ak_server_fail(const struct ak_job *, uint8_t *, size_t,
		    size_t);

#endif
