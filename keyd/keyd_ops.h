/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */
#ifndef SEAL_KEYD_OPS_H
#define SEAL_KEYD_OPS_H

/*
 * keyd's request handlers as functions over (context, request payload),
 * with no I/O, so that the ATF tests drive them without the process.
 * keyd.c owns the process, the table and the link; keyd_load.c fills
 * the context at start-up; keyd_ops.c answers.
 *
 * Every handler returns
 *	0		success: out->type and out->len say what to send
 *	KEYD_ERR_*	refused (> 0): keyd answers IMSG_KEYD_ERROR
 *	-1		protocol violation (a length field that disagrees
 *			with the payload): fatal for the link
 */

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cert.h"
#include "ident.h"
#include "ipc.h"
#include "vault.h"

#define KEYD_OUTMAX	8192		/* largest reply payload */
#define KEYD_ERRLEN	512

/* Rate-limited operations, one token bucket each. */
enum keyd_op {
	KEYD_OP_SIGN,
	KEYD_OP_IDENT,
	KEYD_OP_COOKIE_ENC,
	KEYD_OP_COOKIE_DEC,
	KEYD_OP_CERT_SIGN,
	KEYD_OP_MAX
};

struct keyd_bucket {
	double		 rate;		/* tokens per second */
	double		 burst;		/* bucket size */
	double		 tokens;
	double		 last;		/* monotonic seconds */
};

struct keyd_group {
	struct ipc_keyd_groupinfo info;
	uint8_t		*params;	/* info.paramlen bytes */
};

struct keyd_ctx {
	int			 crypto;	/* keys loaded */
	char			 host[IPC_NAMELEN];
	char			 ident[IPC_NAMELEN];
	/*
	 * Public objects only: the private keys and identity secrets are
	 * in the vault, decoded for each operation that needs them.
	 */
	struct vault		 vault;
	EVP_PKEY		*hostkey;	/* public part */
	EVP_PKEY		*signkey;	/* public; NULL: the host key signs */
	const EVP_MD		*md;		/* sign digest */
	X509			*cert;
	struct cert_info	 certinfo;
	uint8_t			*certder;
	size_t			 certderlen;
	uint8_t			*hostpub;	/* RSAPublicKey DER */
	size_t			 hostpublen;
	struct ipc_keyd_public	 pub;
	int			 have_iff, have_gq, have_mv;
	struct ident_iff	 iff;		/* b NULL: in the vault */
	struct ident_gq		 gq;		/* u NULL: in the vault */
	struct ident_mv_server	 mv;		/* gbar NULL: in the vault */
	size_t			 ngroups;
	struct keyd_group	 groups[KEYD_MAXGROUPS];
	struct keyd_bucket	 bucket[KEYD_OP_MAX];
	time_t			 fake_now;	/* tests: != 0 replaces time() */
	double			 fake_mono;	/* tests: != 0 replaces CLOCK_MONOTONIC */
	time_t			 started;
};

struct keyd_out {
	uint32_t		 type;	/* reply imsg type */
	uint8_t			*buf;	/* KEYD_OUTMAX bytes, caller's */
	size_t			 len;
};

/* keyd_load.c */
void	keyd_ctx_init(struct keyd_ctx *);
int	keyd_ctx_load(struct keyd_ctx *, const char *keysdir,
	    const char *host, const char *ident, const char *digest,
	    const char *pw, char *err, size_t errlen);
void	keyd_ctx_free(struct keyd_ctx *);
int	keyd_secure_heap_init(void);

/* keyd_ops.c: the handlers */
int	keyd_op_public(struct keyd_ctx *, const uint8_t *, size_t,
	    struct keyd_out *);
int	keyd_op_cert(struct keyd_ctx *, const uint8_t *, size_t,
	    struct keyd_out *);
int	keyd_op_group(struct keyd_ctx *, const uint8_t *, size_t,
	    struct keyd_out *);
int	keyd_op_sign(struct keyd_ctx *, const uint8_t *, size_t,
	    struct keyd_out *);
int	keyd_op_ident(struct keyd_ctx *, const uint8_t *, size_t,
	    struct keyd_out *);
int	keyd_op_cookie_enc(struct keyd_ctx *, const uint8_t *, size_t,
	    struct keyd_out *);
int	keyd_op_cookie_dec(struct keyd_ctx *, const uint8_t *, size_t,
	    struct keyd_out *);
int	keyd_op_cert_sign(struct keyd_ctx *, const uint8_t *, size_t,
	    struct keyd_out *);

/* Helpers, exposed for keyd.c and the tests. */
uint32_t keyd_ntpnow(const struct keyd_ctx *);
int	keyd_check_time(const struct keyd_ctx *, uint32_t, uint32_t);
int	keyd_rate(struct keyd_ctx *, enum keyd_op);
int	keyd_signable(const struct keyd_ctx *, uint32_t, const uint8_t *,
	    size_t);
int	keyd_sign_bytes(const struct keyd_ctx *, EVP_PKEY *, uint32_t,
	    uint32_t, const uint8_t *, size_t, uint8_t *, size_t, size_t *);
void	keyd_fill_certinfo(const struct cert_info *, uint32_t, size_t,
	    time_t, struct ipc_keyd_certinfo *);

#endif
