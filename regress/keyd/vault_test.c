/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * keyd's vault on its own: what goes in comes out (keys with their
 * private parts, identity secrets in the secure heap), and the region
 * cannot be read between operations, also after a failed decode: a
 * child that reads it dies by SIGSEGV (or SIGBUS).
 */

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "keyd_ops.h"
#include "secmem.h"
#include "vault.h"

#include "unreadable.h"

/* Every slot of v, and its first byte, cannot be read. */
static void
closed(const struct vault *v)
{
	int	 i;

	ATF_REQUIRE(v->region != NULL);
	ATF_REQUIRE_MSG(unreadable(v->region), "the region is readable");
	for (i = 0; i < VAULT_NSLOTS; i++)
		if (vault_has(v, i))
			ATF_REQUIRE_MSG(unreadable(v->region + v->item[i].off),
			    "slot %d is readable", i);
}

static EVP_PKEY *
rsa512(void)
{
	EVP_PKEY	*k = EVP_RSA_gen(512);

	ATF_REQUIRE(k != NULL);
	return k;
}

static BIGNUM *
secret(int bits)
{
	BIGNUM	*bn = BN_new();

	ATF_REQUIRE(bn != NULL && BN_rand(bn, bits, BN_RAND_TOP_ONE,
	    BN_RAND_BOTTOM_ANY) == 1);
	return bn;
}

static int
has_d(EVP_PKEY *k)
{
	BIGNUM	*d = NULL;
	int	 r;

	r = EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_D, &d) == 1;
	BN_clear_free(d);
	return r;
}

ATF_TC_WITHOUT_HEAD(roundtrip);
ATF_TC_BODY(roundtrip, tc)
{
	struct vault	 v;
	EVP_PKEY	*host = rsa512(), *sign = rsa512(), *k;
	BIGNUM		*b[3], *s;
	int		 i;

	ATF_REQUIRE(keyd_secure_heap_init() != -1);
	b[0] = secret(256);
	b[1] = secret(512);
	b[2] = secret(8);	/* short: one byte */
	vault_init(&v);
	ATF_REQUIRE_EQ(vault_seal(&v, host, sign, b[0], b[1], b[2]), 0);
	ATF_REQUIRE_EQ(vault_seal(&v, host, sign, b[0], b[1], b[2]), -1);
	for (i = 0; i < VAULT_NSLOTS; i++)
		ATF_REQUIRE(vault_has(&v, i));
	ATF_REQUIRE_EQ(v.item[VAULT_MV].len, 1);
	closed(&v);

	/* the positive control: the same read succeeds while it is open */
	ATF_REQUIRE_EQ(secmem_readonly(v.region), 0);
	ATF_REQUIRE(!unreadable(v.region));
	ATF_REQUIRE_EQ(secmem_noaccess(v.region), 0);
	closed(&v);

	ATF_REQUIRE((k = vault_hostkey(&v)) != NULL);
	closed(&v);
	ATF_REQUIRE_EQ(EVP_PKEY_eq(k, host), 1);
	ATF_REQUIRE(has_d(k));
	vault_put(k);
	ATF_REQUIRE((k = vault_signkey(&v)) != NULL);
	closed(&v);
	ATF_REQUIRE_EQ(EVP_PKEY_eq(k, sign), 1);
	ATF_REQUIRE(has_d(k));
	vault_put(k);
	for (i = 0; i < 3; i++) {
		ATF_REQUIRE((s = vault_secret(&v, VAULT_IFF + i)) != NULL);
		closed(&v);
		ATF_REQUIRE_EQ(BN_cmp(s, b[i]), 0);
		ATF_REQUIRE(BN_get_flags(s, BN_FLG_SECURE));
		vault_put_bn(s);
	}
	/* keys are not integers and the reverse */
	ATF_REQUIRE(vault_secret(&v, VAULT_HOST) == NULL);
	ATF_REQUIRE(vault_secret(&v, VAULT_SIGN) == NULL);
	closed(&v);
	vault_free(&v);
	ATF_REQUIRE(v.region == NULL && !vault_has(&v, VAULT_HOST));
	vault_free(&v);

	/* without a sign key the host key signs; absent secrets */
	ATF_REQUIRE_EQ(vault_seal(&v, host, NULL, NULL, b[1], NULL), 0);
	ATF_REQUIRE(!vault_has(&v, VAULT_SIGN) && !vault_has(&v, VAULT_IFF) &&
	    vault_has(&v, VAULT_GQ) && !vault_has(&v, VAULT_MV));
	ATF_REQUIRE((k = vault_signkey(&v)) != NULL);
	ATF_REQUIRE_EQ(EVP_PKEY_eq(k, host), 1);
	vault_put(k);
	ATF_REQUIRE(vault_secret(&v, VAULT_IFF) == NULL);
	closed(&v);
	vault_free(&v);

	for (i = 0; i < 3; i++)
		BN_free(b[i]);
	EVP_PKEY_free(host);
	EVP_PKEY_free(sign);
}

ATF_TC_WITHOUT_HEAD(failures);
ATF_TC_BODY(failures, tc)
{
	struct vault	 v;
	EVP_PKEY	*host = rsa512(), *k;
	BIGNUM		*b = secret(160), *zero = BN_new(), *s;

	/* nothing to keep: no region */
	vault_init(&v);
	ATF_REQUIRE_EQ(vault_seal(&v, NULL, NULL, NULL, NULL, NULL), 0);
	ATF_REQUIRE(v.region == NULL);
	ATF_REQUIRE(vault_hostkey(&v) == NULL);
	ATF_REQUIRE(vault_signkey(&v) == NULL);
	ATF_REQUIRE(vault_secret(&v, VAULT_IFF) == NULL);
	vault_free(&v);

	/* a zero secret is a caller's bug: refused, nothing kept */
	ATF_REQUIRE(zero != NULL);
	BN_zero(zero);
	ATF_REQUIRE_EQ(vault_seal(&v, host, NULL, b, zero, NULL), -1);
	ATF_REQUIRE(v.region == NULL);

	/* a damaged key fails to decode and the region ends closed */
	ATF_REQUIRE_EQ(vault_seal(&v, host, NULL, b, NULL, NULL), 0);
	ATF_REQUIRE_EQ(secmem_readwrite(v.region), 0);
	v.region[v.item[VAULT_HOST].off] ^= 0xff;	/* the SEQUENCE tag */
	ATF_REQUIRE_EQ(secmem_noaccess(v.region), 0);
	ATF_REQUIRE(vault_hostkey(&v) == NULL);
	closed(&v);
	ATF_REQUIRE(vault_signkey(&v) == NULL);
	closed(&v);
	/* the rest is still there */
	ATF_REQUIRE((s = vault_secret(&v, VAULT_IFF)) != NULL);
	ATF_REQUIRE_EQ(BN_cmp(s, b), 0);
	vault_put_bn(s);
	closed(&v);
	/* a length that does not match the DER: truncated, trailing byte */
	ATF_REQUIRE_EQ(secmem_readwrite(v.region), 0);
	v.region[v.item[VAULT_HOST].off] ^= 0xff;
	ATF_REQUIRE_EQ(secmem_noaccess(v.region), 0);
	ATF_REQUIRE((k = vault_hostkey(&v)) != NULL);
	vault_put(k);
	v.item[VAULT_HOST].len--;
	ATF_REQUIRE(vault_hostkey(&v) == NULL);
	closed(&v);
	v.item[VAULT_HOST].len += 2;	/* into the next slot */
	ATF_REQUIRE(v.item[VAULT_HOST].len <= v.item[VAULT_IFF].off + 1);
	ATF_REQUIRE(vault_hostkey(&v) == NULL);
	closed(&v);
	v.item[VAULT_HOST].len--;
	vault_free(&v);
	vault_put(NULL);
	vault_put_bn(NULL);

	BN_free(b);
	BN_free(zero);
	EVP_PKEY_free(host);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, roundtrip);
	ATF_TP_ADD_TC(tp, failures);
	return atf_no_error();
}
