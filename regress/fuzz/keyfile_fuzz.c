/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * Key files, certificates and identity responses from untrusted bytes.
 * The first byte picks the parser: 0 a key file (then every identity
 * loader on what it yields), 1 a DER certificate, 2 an IFF, GQ or MV
 * response DER against fixed small parameters.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cert.h"
#include "ident.h"
#include "keyfile.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct ident_iff	 fz_iff;
static struct ident_gq	 fz_gq;
static struct ident_mv_ta fz_mv;
static int		 fz_ready;

static void
fz_keyfile(const uint8_t *data, size_t size)
{
	struct keyfile		 kf;
	struct ident_iff	 iff;
	struct ident_gq		 gq;
	struct ident_mv_ta	 ta;
	struct ident_mv_server	 sv;
	struct ident_mv_client	 cl;
	struct cert_info	 ci;
	char			 err[KEYFILE_ERRLEN];

	if (keyfile_parse(data, size, "pw", &kf, err, sizeof(err)) == -1)
		return;
	if (ident_iff_load(&kf, 1, &iff, err, sizeof(err)) == 0)
		ident_iff_free(&iff);
	if (ident_iff_load(&kf, 0, &iff, err, sizeof(err)) == 0)
		ident_iff_free(&iff);
	if (ident_gq_load(&kf, 1, &gq, err, sizeof(err)) == 0)
		ident_gq_free(&gq);
	if (ident_gq_load(&kf, 0, &gq, err, sizeof(err)) == 0)
		ident_gq_free(&gq);
	if (ident_mv_load_ta(&kf, &ta, err, sizeof(err)) == 0)
		ident_mv_ta_free(&ta);
	if (ident_mv_load_server(&kf, &sv, err, sizeof(err)) == 0)
		ident_mv_server_free(&sv);
	if (ident_mv_load_client(&kf, &cl, err, sizeof(err)) == 0)
		ident_mv_client_free(&cl);
	if (kf.cert != NULL)
		(void)cert_info(kf.cert, &ci, err, sizeof(err));
	keyfile_free(&kf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cert_info	 ci;
	char			 err[KEYFILE_ERRLEN];
	uint8_t			 r[128];

	if (size < 1)
		return (0);
	if (!fz_ready) {
		if (ident_iff_generate(512, 160, &fz_iff) == -1 ||
		    ident_gq_generate(512, &fz_gq) == -1 ||
		    ident_mv_generate(2, 256, &fz_mv) == -1)
			abort();
		fz_ready = 1;
	}
	switch (data[0] % 3) {
	case 0:
		fz_keyfile(data + 1, size - 1);
		break;
	case 1:
		(void)cert_parse(data + 1, size - 1, &ci, err, sizeof(err));
		break;
	default:
		memset(r, 0x5a, sizeof(r));
		(void)ident_iff_verify(&fz_iff, r, 20, data + 1, size - 1);
		(void)ident_gq_verify(&fz_gq, r, 64, data + 1, size - 1);
		(void)ident_mv_verify(&fz_mv.client[0], r, 33, data + 1,
		    size - 1);
		break;
	}
	return (0);
}
