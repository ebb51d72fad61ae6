/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * Checking what a peer signed (spec 6.3, 11.3), its certificates (spec
 * 7.5, 8.3, 11.4), and the public-key operations the engine may do
 * itself: verifying signatures and encrypting a cookie to a client's
 * public key.  Nothing here needs a private key.
 */

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "ntptime.h"
#include "packet.h"
#include "autokey.h"

/*
 * crypto_verify (spec 6.3) on a received response m, in the reference's
 * order.  associd is the one the response must carry (ours, or for a
 * broadcaster's AUTO the broadcaster's); prev the stamps of the value of
 * the same kind kept from before (NULL: none), for the monotonic rule;
 * pkey and md the peer's signature key and digest.  With AK_V_NOSIG
 * (CERT responses, whose signer is not known yet) the signature is not
 * looked at.  Only AK_EERR calls for an association reset.
 */
enum ak_err
ak_verify(const struct ak_msg *m, uint32_t associd,
    const struct ak_stamp *prev, EVP_PKEY *pkey, const EVP_MD *md,
    int flags)
{
	const uint8_t	*data;
	size_t		 len;

	if (m->error)
		return AK_EERR;
	if (!m->has_value || m->len < 24)
		return AK_ELEN;
	if (m->associd != associd)
		return AK_EERR;
	if (m->vallen == 0 || m->vallen > AK_MAXVALLEN ||
	    m->siglen > AK_MAXVALLEN)
		return AK_ELEN;
	if (m->tstamp == 0 || m->tstamp < m->fstamp)
		return AK_ETSP;
	if (prev != NULL && prev->tstamp != 0 && prev->fstamp != 0) {
		if (m->tstamp < prev->tstamp)
			return AK_ETSP;
		if (m->tstamp < prev->fstamp || m->fstamp < prev->fstamp)
			return AK_EFSP;
	}
	if (flags & AK_V_NOSIG)
		return AK_OK;
	if (pkey == NULL || md == NULL || m->siglen == 0 || m->sig == NULL)
		return AK_EERR;
	data = ak_msg_sigdata(m, &len);
	return ak_sig_verify(pkey, md, data, len, m->sig, m->siglen);
}

/*
 * A signature as the reference makes them (EVP sign: PKCS#1 v1.5 for
 * RSA).  Its length must be the key's size exactly (spec 6.1).
 */
enum ak_err
ak_sig_verify(EVP_PKEY *pkey, const EVP_MD *md, const uint8_t *data,
    size_t len, const uint8_t *sig, size_t siglen)
{
	EVP_MD_CTX	*ctx;
	int		 ok;

	if (pkey == NULL || md == NULL || data == NULL || sig == NULL)
		return AK_EERR;
	if (EVP_PKEY_get_size(pkey) <= 0 ||
	    siglen != (size_t)EVP_PKEY_get_size(pkey))
		return AK_ESGL;
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return AK_ENOMEM;
	ok = EVP_DigestVerifyInit(ctx, NULL, md, NULL, pkey) == 1 &&
	    EVP_DigestVerify(ctx, sig, siglen, data, len) == 1;
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return ok ? AK_OK : AK_ESIG;
}

/* The digest of a signature algorithm NID (the status word's high half). */
const EVP_MD *
ak_nid_digest(int nid)
{
	int		 mdnid, pknid;

	if (nid <= 0 || !OBJ_find_sigid_algs(nid, &mdnid, &pknid))
		return NULL;
	if (pknid != EVP_PKEY_RSA && pknid != EVP_PKEY_DSA)
		return NULL;
	return EVP_get_digestbynid(mdnid);
}

/* The public key of a DER certificate (caller frees), or NULL. */
EVP_PKEY *
ak_cert_pubkey(const uint8_t *der, size_t len)
{
	const unsigned char	*p = der;
	X509			*x;
	EVP_PKEY		*k;

	if (der == NULL || len == 0 || len > AK_MAXVALLEN)
		return NULL;
	if ((x = d2i_X509(NULL, &p, (long)len)) == NULL) {
		ERR_clear_error();
		return NULL;
	}
	k = p == der + len ? X509_get_pubkey(x) : NULL;
	X509_free(x);
	ERR_clear_error();
	return k;
}

/*
 * Accept a certificate that arrived with filestamp fstamp (spec 8.3,
 * 11.4): a self-signed one must verify with its own key; one issued by
 * our own host name is a loop; notBefore must not be after notAfter nor
 * before the filestamp ("no retroactive certificates").  The reference
 * does not look at the current time; we refuse certificates outside
 * their validity when now is given (an expired server is refused).
 */
enum ak_err
ak_cert_check(const struct cert_info *ci, uint32_t fstamp,
    const char *ourhost, time_t now)
{
	int		 self;

	self = strcmp(ci->subject, ci->issuer) == 0;
	if (self && !ci->selfsigned)
		return AK_ECRT;
	if (!self && ourhost != NULL && strcmp(ci->issuer, ourhost) == 0)
		return AK_ECRT;
	if (ci->notbefore > ci->notafter)
		return AK_EPER;
	if (fstamp != 0 &&
	    ci->notbefore < ntp_secs_to_unix(fstamp, ci->notbefore))
		return AK_EPER;
	if (now != 0 && (now < ci->notbefore || now > ci->notafter))
		return AK_EPER;
	return AK_OK;
}

/*
 * One step of the trail (spec 7.5 step 4): the child (the certificate
 * received before) must be signed by the parent's key and must have
 * been issued within the parent's validity.
 */
enum ak_err
ak_cert_trail(const uint8_t *child, size_t childlen,
    const struct cert_info *cci, EVP_PKEY *parent, const struct cert_info *pci)
{
	const unsigned char	*p = child;
	X509			*x;
	int			 ok;

	if (child == NULL || parent == NULL || childlen == 0 ||
	    childlen > AK_MAXVALLEN)
		return AK_EVFY;
	if ((x = d2i_X509(NULL, &p, (long)childlen)) == NULL) {
		ERR_clear_error();
		return AK_EVFY;
	}
	ok = X509_verify(x, parent) == 1;
	X509_free(x);
	ERR_clear_error();
	if (!ok)
		return AK_EVFY;
	if (cci->notbefore < pci->notbefore || cci->notbefore > pci->notafter)
		return AK_EPER;
	return AK_OK;
}

/*
 * An RSA public key from the DER RSAPublicKey of a COOK request (spec
 * 3.4), which must be exactly that and between 256 and 4096 bits (the
 * encrypted cookie must fit a field).
 */
EVP_PKEY *
ak_rsa_pubkey(const uint8_t *der, size_t len)
{
	const unsigned char	*p = der;
	EVP_PKEY		*k;

	if (der == NULL || len == 0 || len > 1024)
		return NULL;
	k = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)len);
	ERR_clear_error();
	if (k == NULL)
		return NULL;
	if (p != der + len || EVP_PKEY_get_bits(k) < 256 ||
	    EVP_PKEY_get_bits(k) > 4096) {
		EVP_PKEY_free(k);
		return NULL;
	}
	return k;
}

/* The DER RSAPublicKey of an RSA key: the COOK request value. */
int
ak_rsa_pubkey_der(EVP_PKEY *k, uint8_t *out, size_t outlen, size_t *len)
{
	unsigned char	*der = NULL;
	int		 n;

	*len = 0;
	if (k == NULL || EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA)
		return -1;
	if ((n = i2d_PublicKey(k, &der)) <= 0) {
		ERR_clear_error();
		return -1;
	}
	if ((size_t)n > outlen) {
		OPENSSL_free(der);
		return -1;
	}
	memcpy(out, der, (size_t)n);
	OPENSSL_free(der);
	*len = (size_t)n;
	return 0;
}

/*
 * The COOK response value (spec 5.3): the 4 cookie bytes, big-endian,
 * RSA-OAEP encrypted (SHA-1 and MGF1-SHA-1, empty label) to the
 * requester's public key.  The length is the key's modulus size.
 */
int
ak_cookie_encrypt(EVP_PKEY *k, uint32_t cookie, uint8_t *out, size_t outlen,
    size_t *len)
{
	EVP_PKEY_CTX	*ctx;
	uint8_t		 plain[4];
	size_t		 n = outlen;
	int		 ok;

	*len = 0;
	if (k == NULL || (ctx = EVP_PKEY_CTX_new(k, NULL)) == NULL)
		return -1;
	ntp_put32(plain, cookie);
	ok = EVP_PKEY_encrypt_init(ctx) == 1 &&
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) == 1 &&
	    EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha1()) == 1 &&
	    EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha1()) == 1 &&
	    EVP_PKEY_encrypt(ctx, out, &n, plain, sizeof(plain)) == 1;
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	if (!ok)
		return -1;
	*len = n;
	return 0;
}
