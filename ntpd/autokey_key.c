/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * Autokey session keys (spec 4): the digest H, session keys and key IDs,
 * the packet MAC, the sender's key list and the receiver's chain check.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "ntptime.h"
#include "packet.h"
#include "autokey.h"

/*
 * The Autokey digest by OpenSSL name (NULL: MD5, the reference default).
 * Longer than 20 bytes is refused: a 4 + 32-byte MAC would be read as an
 * extension field by every receiver (spec 2.1, trap 11).
 */
const EVP_MD *
ak_digest(const char *name)
{
	const EVP_MD	*md;

	md = EVP_get_digestbyname(name != NULL ? name : "MD5");
	if (md == NULL || EVP_MD_get_size(md) <= 0 ||
	    EVP_MD_get_size(md) > AK_MAXDIGEST)
		return NULL;
	return md;
}

/* The session-key input block (spec 4.2); returns its length or 0. */
static size_t
ak_block(const struct ak_addr *src, const struct ak_addr *dst,
    uint32_t keyid, uint32_t cookie, uint8_t *b)
{
	size_t		 alen;

	if (src == NULL || dst == NULL || src->family != dst->family)
		return 0;
	if (src->family == AF_INET)
		alen = 4;
	else if (src->family == AF_INET6)
		alen = 16;
	else
		return 0;
	memcpy(b, src->addr, alen);
	memcpy(b + alen, dst->addr, alen);
	ntp_put32(b + 2 * alen, keyid);
	ntp_put32(b + 2 * alen + 4, cookie);
	return 2 * alen + 8;
}

/* H(src, dst, keyid, cookie): the MAC key installed under keyid. */
int
ak_session_key(const EVP_MD *md, const struct ak_addr *src,
    const struct ak_addr *dst, uint32_t keyid, uint32_t cookie,
    uint8_t *key, size_t *keylen)
{
	uint8_t		 b[40];
	unsigned int	 n = 0;
	size_t		 blen;

	*keylen = 0;
	if (md == NULL || (blen = ak_block(src, dst, keyid, cookie, b)) == 0)
		return -1;
	if (EVP_Digest(b, blen, key, &n, md, NULL) != 1)
		return -1;
	*keylen = n;
	return 0;
}

/* The next key ID: the first 4 bytes of the session key, big-endian. */
uint32_t
ak_next_id(const EVP_MD *md, const struct ak_addr *src,
    const struct ak_addr *dst, uint32_t keyid, uint32_t cookie)
{
	uint8_t		 key[EVP_MAX_MD_SIZE];
	size_t		 len;
	uint32_t	 id;

	if (ak_session_key(md, src, dst, keyid, cookie, key, &len) == -1 ||
	    len < 4)
		return 0;
	id = ntp_get32(key);
	sodium_memzero(key, sizeof(key));
	return id;
}

/* D(key | packet), the digest after the key ID (spec 2.6). */
int
ak_mac(const EVP_MD *md, const uint8_t *key, size_t keylen,
    const uint8_t *pkt, size_t len, uint8_t *out, size_t *outlen)
{
	EVP_MD_CTX	*ctx;
	unsigned int	 n = 0;
	int		 ok;

	*outlen = 0;
	if (md == NULL || (ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	ok = EVP_DigestInit_ex(ctx, md, NULL) == 1 &&
	    EVP_DigestUpdate(ctx, key, keylen) == 1 &&
	    EVP_DigestUpdate(ctx, pkt, len) == 1 &&
	    EVP_DigestFinal_ex(ctx, out, &n) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -1;
	*outlen = n;
	return 0;
}

/*
 * Which cookie keys a packet's MAC (spec 4.3, trap 5): 0 whenever the
 * packet carries any extension field, in every mode and direction; the
 * working cookie otherwise.
 */
uint32_t
ak_mac_cookie(const struct ntp_pkt *p, uint32_t cookie)
{
	return p->extlen > 0 ? 0 : cookie;
}

/*
 * Check a received packet's MAC: src is the packet's source, dst the
 * address it came to (for broadcasts: the broadcast address), cookie
 * the working cookie (ak_mac_cookie() picks 0 for EF packets).  Shape
 * first (Autokey key ID, exactly 4 + digest bytes: spec 11.1 item 4),
 * then the digest, compared in constant time (CVE-2016-1550).
 */
enum ak_err
ak_mac_verify(const EVP_MD *md, const struct ak_addr *src,
    const struct ak_addr *dst, uint32_t cookie, const uint8_t *buf,
    const struct ntp_pkt *p)
{
	uint8_t		 key[EVP_MAX_MD_SIZE], d[EVP_MAX_MD_SIZE];
	size_t		 klen, dlen;
	enum ak_err	 rv = AK_EAUTH;

	if (md == NULL || buf == NULL)
		return AK_EAUTH;
	if (ak_check_mac_shape(p, (size_t)EVP_MD_get_size(md), 1) != AK_OK)
		return AK_EAUTH;
	if (ak_session_key(md, src, dst, p->keyid, ak_mac_cookie(p, cookie),
	    key, &klen) == -1)
		return AK_EAUTH;
	if (ak_mac(md, key, klen, buf, p->macoff, d, &dlen) == 0 &&
	    dlen == p->maclen && CRYPTO_memcmp(d, p->mac, dlen) == 0)
		rv = AK_OK;
	sodium_memzero(key, sizeof(key));
	return rv;
}

/*
 * Append key ID and MAC to the packet buf[0 .. off) we send from src to
 * dst.  The cookie is replaced by 0 when the packet has extension fields
 * (off > 48), as every receiver expects.  Returns the datagram length,
 * or 0.
 */
size_t
ak_mac_append(const EVP_MD *md, const struct ak_addr *src,
    const struct ak_addr *dst, uint32_t keyid, uint32_t cookie,
    uint8_t *buf, size_t buflen, size_t off)
{
	uint8_t		 key[EVP_MAX_MD_SIZE], d[EVP_MAX_MD_SIZE];
	size_t		 klen, dlen, rv = 0;

	if (md == NULL || buf == NULL || off < NTP_HDRLEN || off > buflen ||
	    keyid <= AK_MAXKEY)
		return 0;
	if (off > NTP_HDRLEN)
		cookie = 0;
	if (ak_session_key(md, src, dst, keyid, cookie, key, &klen) == 0 &&
	    ak_mac(md, key, klen, buf, off, d, &dlen) == 0)
		rv = packet_mac_append(buf, buflen, off, keyid, d, dlen);
	sodium_memzero(key, sizeof(key));
	return rv;
}

/* A random Autokey key ID (> 65535), from the CSPRNG (spec 11.5). */
uint32_t
ak_keyid_random(void)
{
	uint32_t	 id;

	do {
		randombytes_buf(&id, sizeof(id));
	} while (id <= AK_MAXKEY);
	return id;
}

/*
 * Make a key list from local to remote (spec 4.4), starting at key ID
 * first (ak_keyid_random() in the daemon; fixed in tests).  poll is the
 * log2 poll interval, automax the log2 lifetime bound.  Unsynchronized,
 * the list has one key and tstamp 0.  Returns 0, or -1 on bad input.
 */
int
ak_keylist_make(struct ak_keylist *kl, const EVP_MD *md,
    const struct ak_addr *local, const struct ak_addr *remote,
    uint32_t cookie, uint32_t first, int poll, int automax, int synced,
    uint32_t now)
{
	int64_t		 mpoll, lifetime;
	uint32_t	 id;
	int		 i, j, dup;

	memset(kl, 0, sizeof(*kl));
	if (md == NULL || first <= AK_MAXKEY)
		return -1;
	if (poll < 0)
		poll = 0;
	if (poll > 17)
		poll = 17;
	if (automax < 1 || automax > 24)
		automax = AK_AUTOMAX;
	mpoll = (int64_t)1 << poll;
	lifetime = (int64_t)1 << automax;
	if (lifetime > AK_MAXSESSION * mpoll)
		lifetime = AK_MAXSESSION * mpoll;
	id = first;
	for (i = 0; i < AK_MAXSESSION; i++) {
		kl->ids[i] = id;
		kl->n = i + 1;
		id = ak_next_id(md, local, remote, id, cookie);
		lifetime -= mpoll;
		for (dup = 0, j = 0; j <= i; j++)
			if (kl->ids[j] == id)
				dup = 1;
		if (dup || id <= AK_MAXKEY || lifetime < 0 || !synced)
			break;
	}
	kl->key = id;
	kl->seq = kl->n - 1;
	kl->left = kl->n;
	kl->tstamp = synced ? now : 0;
	kl->cookie = cookie;
	return 0;
}

/* The next key ID to send (last generated first); 0 when used up. */
uint32_t
ak_keylist_next(struct ak_keylist *kl)
{
	if (kl->left <= 0)
		return 0;
	return kl->ids[--kl->left];
}

void
ak_chain_set(struct ak_chain *c, uint32_t key, int32_t seq)
{
	c->have = 1;
	c->key = key;
	c->seq = seq < 0 ? 0 : (seq >= AK_MAXSESSION ? AK_MAXSESSION - 1 :
	    seq);
	c->previd = key;
}

/*
 * Is keyid on the peer's chain (spec 4.5)?  Hash forward up to seq + 1
 * times looking for the last ID accepted or the AUTO key.  A key ID seen
 * already (previd itself) is a replay.  On success previd moves to keyid
 * and the hashes used come off seq; AK_EAUTH means "not authentic": the
 * caller clears AUTO so that fresh values are fetched.
 */
enum ak_err
ak_chain_check(struct ak_chain *c, const EVP_MD *md,
    const struct ak_addr *src, const struct ak_addr *dst, uint32_t cookie,
    uint32_t keyid)
{
	uint32_t	 t;
	int32_t		 i;

	if (!c->have || keyid <= AK_MAXKEY || keyid == c->previd)
		return AK_EAUTH;
	t = keyid;
	for (i = 1; i <= c->seq + 1; i++) {
		t = ak_next_id(md, src, dst, t, cookie);
		if (t == c->previd || t == c->key) {
			c->previd = keyid;
			c->seq = c->seq > i ? c->seq - i : 0;
			return AK_OK;
		}
	}
	return AK_EAUTH;
}

/*
 * The client/server cookie (spec 5.1): the first 4 bytes of
 * H(client, server, 0, private), with the client as source.
 */
uint32_t
ak_cookie(const EVP_MD *md, const struct ak_addr *client,
    const struct ak_addr *server, uint32_t priv)
{
	return ak_next_id(md, client, server, 0, priv);
}
