/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "cert.h"

static int	cert_cn(X509_NAME *, char *, size_t);

const char *
cert_markname(enum cert_mark m)
{
	switch (m) {
	case CERT_MARK_TRUST:
		return ("trusted");
	case CERT_MARK_PRIVATE:
		return ("private");
	default:
		return ("none");
	}
}

/*
 * A signature scheme by OpenSSL short name ("RSA-SHA256", "RSA-MD5",
 * "DSA-SHA1", ...): it must name a signature algorithm whose digest
 * this OpenSSL provides.
 */
int
cert_scheme(const char *name, const EVP_MD **md, int *nid, char *err,
    size_t errlen)
{
	int	 signid, mdnid, pknid;

	signid = OBJ_sn2nid(name);
	if (signid == NID_undef ||
	    !OBJ_find_sigid_algs(signid, &mdnid, &pknid) ||
	    (pknid != EVP_PKEY_RSA && pknid != EVP_PKEY_DSA) ||
	    (*md = EVP_get_digestbynid(mdnid)) == NULL) {
		snprintf(err, errlen, "unknown or unavailable certificate "
		    "scheme %s (try RSA-SHA256, RSA-SHA1, RSA-MD5, DSA-SHA1)",
		    name);
		ERR_clear_error();
		return (-1);
	}
	*nid = signid;
	return (0);
}

/*
 * The self-signed Autokey certificate: v3, serial = NTP seconds,
 * CN=name as both subject and issuer, and in this order
 * basicConstraints (critical, CA:TRUE), keyUsage (digitalSignature,
 * keyCertSign), subjectKeyIdentifier = GQ public value (if any),
 * extendedKeyUsage trustRoot or Private (if marked).
 */
X509 *
cert_create(EVP_PKEY *key, const char *scheme, const char *name,
    uint64_t serial, time_t now, int days, enum cert_mark mark,
    const uint8_t *gq, size_t gqlen, char *err, size_t errlen)
{
	X509			*x = NULL;
	X509_NAME		*xn = NULL;
	BASIC_CONSTRAINTS	*bc = NULL;
	ASN1_BIT_STRING		*ku = NULL;
	ASN1_OCTET_STRING	*ski = NULL;
	STACK_OF(ASN1_OBJECT)	*eku = NULL;
	const EVP_MD		*md;
	int			 nid, mdnid, pknid, ok = 0;

	if (cert_scheme(scheme, &md, &nid, err, errlen) == -1)
		return (NULL);
	OBJ_find_sigid_algs(nid, &mdnid, &pknid);
	if (EVP_PKEY_get_base_id(key) != pknid) {
		snprintf(err, errlen, "certificate scheme %s does not fit "
		    "the %s sign key", scheme, EVP_PKEY_get0_type_name(key));
		return (NULL);
	}
	if ((x = X509_new()) == NULL || (xn = X509_NAME_new()) == NULL ||
	    (bc = BASIC_CONSTRAINTS_new()) == NULL ||
	    (ku = ASN1_BIT_STRING_new()) == NULL)
		goto done;
	if (!X509_set_version(x, 2) ||
	    !ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial) ||
	    ASN1_TIME_set(X509_getm_notBefore(x), now) == NULL ||
	    ASN1_TIME_adj(X509_getm_notAfter(x), now, days, 0) == NULL ||
	    !X509_NAME_add_entry_by_txt(xn, "CN", MBSTRING_ASC,
	    (const unsigned char *)name, -1, -1, 0) ||
	    !X509_set_subject_name(x, xn) || !X509_set_issuer_name(x, xn) ||
	    !X509_set_pubkey(x, key))
		goto done;
	bc->ca = 0xff;
	if (X509_add1_ext_i2d(x, NID_basic_constraints, bc, 1,
	    X509V3_ADD_APPEND) != 1)
		goto done;
	if (!ASN1_BIT_STRING_set_bit(ku, 0, 1) ||	/* digitalSignature */
	    !ASN1_BIT_STRING_set_bit(ku, 5, 1) ||	/* keyCertSign */
	    X509_add1_ext_i2d(x, NID_key_usage, ku, 0,
	    X509V3_ADD_APPEND) != 1)
		goto done;
	if (gq != NULL && gqlen > 0) {
		if ((ski = ASN1_OCTET_STRING_new()) == NULL ||
		    !ASN1_OCTET_STRING_set(ski, gq, (int)gqlen) ||
		    X509_add1_ext_i2d(x, NID_subject_key_identifier, ski, 0,
		    X509V3_ADD_APPEND) != 1)
			goto done;
	}
	if (mark != CERT_MARK_NONE) {
		if ((eku = sk_ASN1_OBJECT_new_null()) == NULL ||
		    !sk_ASN1_OBJECT_push(eku, OBJ_nid2obj(
		    mark == CERT_MARK_TRUST ? NID_id_pkix_OCSP_trustRoot :
		    NID_Private)) ||
		    X509_add1_ext_i2d(x, NID_ext_key_usage, eku, 0,
		    X509V3_ADD_APPEND) != 1)
			goto done;
	}
	if (X509_sign(x, key, md) <= 0)
		goto done;
	ok = 1;
 done:
	if (!ok) {
		snprintf(err, errlen, "cannot make the certificate: %s",
		    ERR_reason_error_string(ERR_peek_last_error()) != NULL ?
		    ERR_reason_error_string(ERR_peek_last_error()) :
		    "OpenSSL error");
		X509_free(x);
		x = NULL;
	}
	ERR_clear_error();
	X509_NAME_free(xn);
	BASIC_CONSTRAINTS_free(bc);
	ASN1_BIT_STRING_free(ku);
	ASN1_OCTET_STRING_free(ski);
	sk_ASN1_OBJECT_free(eku);	/* OBJ_nid2obj objects are static */
	return (x);
}

/* As the reference: the subject is everything after the first "CN=". */
static int
cert_cn(X509_NAME *xn, char *buf, size_t len)
{
	char	 line[CERT_NAMELEN * 2];
	char	*cn;

	if (xn == NULL || X509_NAME_oneline(xn, line, sizeof(line)) == NULL)
		return (-1);
	if ((cn = strstr(line, "CN=")) == NULL)
		return (-1);
	if (strlcpy(buf, cn + 3, len) >= len)
		return (-1);
	return (0);
}

int
cert_info(X509 *x, struct cert_info *ci, char *err, size_t errlen)
{
	STACK_OF(ASN1_OBJECT)	*eku;
	BASIC_CONSTRAINTS	*bc;
	ASN1_OCTET_STRING	*ski;
	EVP_PKEY		*pub;
	const char		*sn;
	struct tm		 tm;
	int			 nid;

	memset(ci, 0, sizeof(*ci));
	if ((pub = X509_get0_pubkey(x)) == NULL) {
		snprintf(err, errlen, "certificate has no usable public key");
		goto fail;
	}
	if (cert_cn(X509_get_subject_name(x), ci->subject,
	    sizeof(ci->subject)) == -1 ||
	    cert_cn(X509_get_issuer_name(x), ci->issuer,
	    sizeof(ci->issuer)) == -1) {
		snprintf(err, errlen, "certificate subject or issuer has no "
		    "usable CN=");
		goto fail;
	}
	if (!ASN1_INTEGER_get_uint64(&ci->serial, X509_get0_serialNumber(x)))
		ci->serial = 0;
	memset(&tm, 0, sizeof(tm));
	if (!ASN1_TIME_to_tm(X509_get0_notBefore(x), &tm) ||
	    (ci->notbefore = timegm(&tm)) == (time_t)-1) {
		snprintf(err, errlen, "certificate notBefore unreadable");
		goto fail;
	}
	memset(&tm, 0, sizeof(tm));
	if (!ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) ||
	    (ci->notafter = timegm(&tm)) == (time_t)-1) {
		snprintf(err, errlen, "certificate notAfter unreadable");
		goto fail;
	}
	ci->version = (int)X509_get_version(x) + 1;
	ci->signid = X509_get_signature_nid(x);
	sn = OBJ_nid2sn(ci->signid);
	strlcpy(ci->scheme, sn != NULL ? sn : "unknown", sizeof(ci->scheme));

	/* EKU: exactly one OID, as the reference compares one line */
	eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);
	if (eku != NULL) {
		if (sk_ASN1_OBJECT_num(eku) == 1) {
			nid = OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, 0));
			if (nid == NID_id_pkix_OCSP_trustRoot)
				ci->mark = CERT_MARK_TRUST;
			else if (nid == NID_Private)
				ci->mark = CERT_MARK_PRIVATE;
		}
		sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
	}
	bc = X509_get_ext_d2i(x, NID_basic_constraints, NULL, NULL);
	if (bc != NULL) {
		ci->ca = bc->ca != 0;
		BASIC_CONSTRAINTS_free(bc);
	}
	ski = X509_get_ext_d2i(x, NID_subject_key_identifier, NULL, NULL);
	if (ski != NULL) {
		if (ASN1_STRING_length(ski) > 0 &&
		    (size_t)ASN1_STRING_length(ski) <= sizeof(ci->gqkey)) {
			ci->gqkeylen = (size_t)ASN1_STRING_length(ski);
			memcpy(ci->gqkey, ASN1_STRING_get0_data(ski),
			    ci->gqkeylen);
		}
		ASN1_OCTET_STRING_free(ski);
	}
	if (strcmp(ci->subject, ci->issuer) == 0 && X509_verify(x, pub) == 1)
		ci->selfsigned = 1;
	ERR_clear_error();
	return (0);
 fail:
	ERR_clear_error();
	return (-1);
}

/* A certificate from DER bytes that must be exactly one certificate. */
int
cert_parse(const uint8_t *der, size_t len, struct cert_info *ci, char *err,
    size_t errlen)
{
	const unsigned char	*p = der;
	X509			*x;
	int			 rv;

	memset(ci, 0, sizeof(*ci));
	if (len == 0 || len > 65535) {
		snprintf(err, errlen, "certificate length %zu out of range",
		    len);
		return (-1);
	}
	if ((x = d2i_X509(NULL, &p, (long)len)) == NULL) {
		ERR_clear_error();
		snprintf(err, errlen, "malformed certificate");
		return (-1);
	}
	if (p != der + len) {
		X509_free(x);
		snprintf(err, errlen, "trailing bytes after the certificate");
		return (-1);
	}
	rv = cert_info(x, ci, err, errlen);
	X509_free(x);
	return (rv);
}
