/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */
#ifndef SEAL_KEYD_CLIENT_H
#define SEAL_KEYD_CLIENT_H

/*
 * The engine's side of the keyd link: one asynchronous wrapper per keyd
 * request (keyd/keyd.c has the matching table and handlers), and the
 * reply dispatch.  Each wrapper queues one request and returns a handle
 * (> 0), or 0 when the request cannot be queued (arguments outside the
 * bounds below: nothing is sent, the callback is NOT called).  Exactly
 * one callback follows every handle that was returned, unless the
 * handle is cancelled first:
 *
 *	cb(arg, reply)   reply->error == 0: success, the fields of the
 *			 reply type are filled;  != 0: KEYD_ERR_* (ipc.h),
 *			 including KEYD_ERR_RELOAD when keyd was replaced
 *			 (SIGHUP) before it answered: simply ask again.
 *
 * All pointers in a reply point into the received message and are valid
 * only during the callback: copy what you keep.  Callbacks may be called
 * from keyd_client_dispatch() and keyd_client_newpipe(); they may issue
 * new requests and cancel others.
 *
 * Timestamps and filestamps are NTP seconds in 32 bits (0: none), host
 * order here; keyd signs them in network order.  Every signature keyd
 * makes covers exactly (spec autokey.md 6.1)
 *
 *	htonl(tstamp) || htonl(fstamp) || htonl(vallen) || value[vallen]
 *
 * i.e. extension-field bytes 8 .. 20 + vallen - 1 (no padding, no
 * opcode, no association ID), RSASSA-PKCS1-v1_5 (EVP_DigestSign) with
 * the sign key (ntpkey_sign_<host>, else the host key) and the digest of
 * our certificate's signature algorithm (keyd_public()->digest_nid; the
 * NID of the algorithm is in the status word's upper 16 bits).
 * Signature length = keyd_public()->siglen.
 *
 * Timestamp rule (all calls that take one): tstamp != 0, |tstamp - keyd's
 * clock| <= KEYD_TS_WINDOW (1 day) and fstamp <= tstamp; otherwise
 * KEYD_ERR_TIME.  The engine's timestamps are its wall clock; keyd reads
 * the same clock, so only a broken or compromised engine is refused.
 *
 * Rate limits (token buckets in keyd, refused with KEYD_ERR_RATE; see
 * ntp-keyd.8): sign 400/s burst 800; identity 200/s burst 400; cookie
 * encrypt 400/s burst 800; cookie decrypt 50/s burst 100; certificate
 * signing 20/s burst 40.  Public material and stats are not limited.
 */

#include <stddef.h>
#include <stdint.h>

#include "imsg.h"
#include "ipc.h"

struct keyd_reply {
	int			 error;	/* 0 or KEYD_ERR_* */
	uint32_t		 type;	/* IMSG_KEYD_* reply type; 0 on error */
	/* IMSG_KEYD_VALUE: a complete signed value (EF offset 8 on) */
	uint32_t		 tstamp;
	uint32_t		 fstamp;
	const uint8_t		*value;
	size_t			 vallen;
	/* IMSG_KEYD_VALUE and IMSG_KEYD_SIGNATURE */
	const uint8_t		*sig;
	size_t			 siglen;
	/* IMSG_KEYD_COOKIE: 4 bytes in secure memory, big-endian */
	const uint8_t		*cookie;
	/* IMSG_KEYD_PUBLIC: the struct and the host RSAPublicKey DER */
	const struct ipc_keyd_public	*pub;
	/* IMSG_KEYD_CERT: the struct and the certificate DER */
	const struct ipc_keyd_certinfo	*cert;
	/* IMSG_KEYD_GROUP: the struct and the parameter bytes */
	const struct ipc_keyd_groupinfo	*group;
	/* DER or parameter bytes of PUBLIC, CERT, GROUP */
	const uint8_t		*data;
	size_t			 datalen;
	/* IMSG_KEYD_STATS */
	const struct ipc_keyd_stats	*stats;
};

typedef void (*keyd_cb)(void *arg, const struct keyd_reply *);

#define KEYD_CLIENT_MAXPENDING	4096	/* requests in flight */

/* --- Engine glue ------------------------------------------------------ */

/*
 * Take over the keyd link (already imsgbuf_init'ed, IMSGF_SECURE) and
 * send HELLO, GET_PUBLIC and GET_STATS.  Call once after start-up.
 */
void	 keyd_client_init(struct imsgbuf *);

/*
 * Every message read from keyd goes here.  Returns 0, or -1 for a
 * protocol violation (unknown type, bad length, a reply nobody asked
 * for): the caller treats that as fatal for the link.  Does not free
 * the imsg.
 */
int	 keyd_client_dispatch(struct imsg *);

/*
 * SIGHUP key reload: the parent sent IMSG_KEYD_NEWPIPE with this fd.
 * The old link is closed (the old keyd then exits), every request in
 * flight gets KEYD_ERR_RELOAD, HELLO/GET_PUBLIC/GET_STATS go to the new
 * keyd, and the change callback (below) runs once the new public
 * material has arrived.
 */
void	 keyd_client_newpipe(int fd);

/* Once a second or so: refreshes the stats shown by "ntpctl keyd". */
void	 keyd_client_tick(double mono_now);

/*
 * Called (with arg) whenever keyd's public material is (re)fetched: at
 * start and after every reload; issue 6 announces new material here.
 */
void	 keyd_client_on_change(void (*)(void *), void *);

/* Latest public material; NULL until keyd answered GET_PUBLIC. */
const struct ipc_keyd_public *keyd_public(void);
/* Our host RSAPublicKey DER (the COOK request value); NULL as above. */
const uint8_t	*keyd_public_key(size_t *len);
/* Latest stats (ntpctl keyd); NULL until the first answer. */
const struct ipc_keyd_stats *keyd_stats(void);

/* Forget a request: its callback will not be called. */
void	 keyd_cancel(uint32_t handle);
/* Requests in flight. */
size_t	 keyd_pending(void);

/* --- Requests, one per keyd handler ----------------------------------- */

/*
 * Public material.  Reply IMSG_KEYD_PUBLIC: reply->pub, and in
 * reply->data/datalen the host key as DER RSAPublicKey (PKCS#1
 * SEQUENCE { n, e }), exactly the value of our COOK requests.  Never
 * rate limited; KEYD_ERR_NOCRYPTO without crypto.  keyd_client also
 * keeps the latest answer (keyd_public()).
 */
uint32_t keyd_get_public(keyd_cb, void *);

/*
 * Certificate number index (0 = our own host certificate, self-signed,
 * from ntpkey_cert_<host>).  Reply IMSG_KEYD_CERT: reply->cert (subject,
 * issuer, validity, fstamp, KEYD_CERT_* flags) and reply->data = the
 * certificate DER, exactly the value of a CERT response.  Past the last
 * one: KEYD_ERR_NOENT.
 */
uint32_t keyd_get_cert(uint32_t index, keyd_cb, void *);

/*
 * Client identity parameters number index: every ntpkey_iffpar_*,
 * ntpkey_gqpar_*, ntpkey_mvpar_* link keyd found in keysdir at start,
 * with its group name (the text after "par_"), so the engine can find
 * the group key for a server's group itself.  Reply IMSG_KEYD_GROUP:
 * reply->group and reply->data = the public parameters (format in
 * ipc.h at struct ipc_keyd_groupinfo).  Past the last: KEYD_ERR_NOENT.
 */
uint32_t keyd_get_group(uint32_t index, keyd_cb, void *);

/*
 * Sign one Autokey value.  opcode = EF word 0 with the length bits zero
 * (R bit included, E bit clear).  keyd signs only these kinds:
 *
 *	0x82020000 CERT rsp   value = a certificate DER that parses
 *	0x02030000 COOK req   value = exactly our host RSAPublicKey DER
 *	0x82040000 AUTO rsp   vallen == 8 (key, seq)
 *	0x82050000 LEAP rsp   vallen == 12 (tai, epoch, expire)
 *	0x02060000 SIGN req   value = exactly our own certificate DER
 *	0x02070000 IFF req    vallen == a loaded IFF group's |q|
 *	0x02080000 GQ req     vallen == a loaded GQ group's |n|
 *	0x02090000 MV req     vallen == a loaded MV group's |p|
 *
 * anything else: KEYD_ERR_KIND; 1 <= vallen <= KEYD_MAXVAL else 0 is
 * returned (not sent).  (COOK, SIGN and IFF/GQ/MV *responses* are signed
 * by keyd_cookie_encrypt, keyd_cert_sign and keyd_ident_respond in the
 * same round trip.)  Reply IMSG_KEYD_SIGNATURE: reply->sig/siglen.
 */
uint32_t keyd_sign_value(uint32_t opcode, uint32_t tstamp, uint32_t fstamp,
	    const uint8_t *value, size_t vallen, keyd_cb, void *);

/*
 * Identity response (server side) for scheme KEYD_SCHEME_IFF, _GQ or
 * _MV: challenge = the request's value, chlen = its vallen, which must
 * equal the modulus length of our identity key (|q|, |n|, |p|: else
 * KEYD_ERR_LENGTH; no key of that scheme: KEYD_ERR_NOKEY).  The bytes
 * are read as one big-endian integer, not repaired (spec 3.8).  Reply
 * IMSG_KEYD_VALUE, the whole response value: reply->tstamp = tstamp,
 * reply->fstamp = our iffkey/gqkey/mvkey filestamp, reply->value = the
 * response DER (spec 7.2-7.4), reply->sig = its signature.
 */
uint32_t keyd_ident_respond(uint32_t scheme, uint32_t tstamp,
	    const uint8_t *challenge, size_t chlen, keyd_cb, void *);

/*
 * Cookie, server side (COOK response): RSA-OAEP (SHA-1, MGF1-SHA-1, no
 * label) encryption of the 4 cookie bytes (big-endian, as they go on
 * the wire) to the client's host key pubkey = the COOK request's value,
 * DER RSAPublicKey, 1..KEYD_MAXKEYDER bytes (must parse, 512..8192
 * bits, else KEYD_ERR_VALUE).  tstamp = now, fstamp = our host-value
 * timestamp.  Reply IMSG_KEYD_VALUE: value = ciphertext (vallen = the
 * client's modulus bytes) and the signature.  The cookie is generated
 * by the engine (issue 6); it travels in the secure link buffers.
 */
uint32_t keyd_cookie_encrypt(uint32_t tstamp, uint32_t fstamp,
	    const uint8_t cookie[4], const uint8_t *pubkey, size_t keylen,
	    keyd_cb, void *);

/*
 * Cookie, client side: decrypt a COOK response value with our host key.
 * ctlen must equal keyd_public()->modlen (else KEYD_ERR_LENGTH); the
 * plaintext must be exactly 4 bytes (else KEYD_ERR_VALUE).  Verify the
 * response's signature BEFORE asking.  Reply IMSG_KEYD_COOKIE:
 * reply->cookie = 4 bytes, big-endian, in secure memory wiped after
 * the callback.
 */
uint32_t keyd_cookie_decrypt(const uint8_t *ct, size_t ctlen, keyd_cb,
	    void *);

/*
 * SIGN response (server side, spec 3.7, 8.2): der = the client's
 * self-signed certificate from the SIGN request (1..KEYD_MAXVAL bytes).
 * keyd checks it parses, is self-signed with a verifying signature and
 * has a public key (else KEYD_ERR_VALUE), and that our own certificate
 * is valid now (else KEYD_ERR_EXPIRED); it then issues a new
 * certificate: subject, public key, version and extensions copied,
 * issuer = our host name, serial = now (NTP s), valid now .. now + 365
 * days, signed with the sign key and our digest.  tstamp = now; fstamp
 * = the request's filestamp (copied).  Reply IMSG_KEYD_VALUE: value =
 * the new certificate DER, and its signature.
 */
uint32_t keyd_cert_sign(uint32_t tstamp, uint32_t fstamp,
	    const uint8_t *der, size_t derlen, keyd_cb, void *);

/* Counters, certificates, groups (ntpctl keyd).  Reply IMSG_KEYD_STATS. */
uint32_t keyd_get_stats(keyd_cb, void *);

#endif
