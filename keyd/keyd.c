/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * ntp-keyd: the sealed key holder.  Started by the parent with
 * fork+exec; receives the crypto configuration (with the password, in
 * secure memory) over fd 3, loads what it needs while still root, then
 * chroots, drops to its own user, enters its seccomp filter and serves
 * the engine on fd 4 from a fixed table of requests.  Anything not in
 * the table, or in the wrong state, is fatal: the link closes and the
 * daemon shuts down.
 */

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "imsg.h"
#include "ipc.h"
#include "keyd_ops.h"
#include "log.h"
#include "sandbox.h"
#include "secmem.h"

#define KEYD_NOFILE	16

enum keyd_state_e {
	KEYD_ST_NEW,		/* waiting for the engine's HELLO */
	KEYD_ST_RUN		/* serving */
};

struct keyd_state {
	struct imsgbuf		 parent;
	struct imsgbuf		 engine;
	enum keyd_state_e	 state;
	struct keyd_ctx		 ctx;
	uint8_t			*out;		/* KEYD_OUTMAX, secure */
	uint64_t		 served;
	uint64_t		 refused;
};

static struct keyd_state	 ks;
static volatile sig_atomic_t	 keyd_quit;

typedef int (*keyd_handler)(struct keyd_ctx *, const uint8_t *, size_t,
    struct keyd_out *);

static int	keyd_hello(struct keyd_ctx *, const uint8_t *, size_t,
		    struct keyd_out *);
static int	keyd_stats(struct keyd_ctx *, const uint8_t *, size_t,
		    struct keyd_out *);

/*
 * Every request keyd serves: its payload length bounds (a request
 * outside them is a protocol violation: fatal), the state in which it
 * is allowed (anything else: fatal), and its one handler.  Handlers
 * other than HELLO may refuse (IMSG_KEYD_ERROR, counted) without harm
 * to the link.  Nothing outside this table is ever answered.
 */
static const struct keyd_req {
	uint32_t		 type;
	const char		*name;
	size_t			 minlen, maxlen;
	enum keyd_state_e	 state;
	keyd_handler		 handler;
} keyd_table[] = {
	{ IMSG_KEYD_HELLO, "hello", 0, 0, KEYD_ST_NEW, keyd_hello },
	{ IMSG_KEYD_GET_STATS, "stats", 0, 0, KEYD_ST_RUN, keyd_stats },
	{ IMSG_KEYD_GET_PUBLIC, "public", 0, 0, KEYD_ST_RUN,
	    keyd_op_public },
	{ IMSG_KEYD_GET_CERT, "cert", sizeof(struct ipc_keyd_index),
	    sizeof(struct ipc_keyd_index), KEYD_ST_RUN, keyd_op_cert },
	{ IMSG_KEYD_GET_GROUP, "group", sizeof(struct ipc_keyd_index),
	    sizeof(struct ipc_keyd_index), KEYD_ST_RUN, keyd_op_group },
	{ IMSG_KEYD_SIGN, "sign", sizeof(struct ipc_keyd_sign),
	    sizeof(struct ipc_keyd_sign) + KEYD_MAXVAL, KEYD_ST_RUN,
	    keyd_op_sign },
	{ IMSG_KEYD_IDENT, "ident", sizeof(struct ipc_keyd_ident),
	    sizeof(struct ipc_keyd_ident) + KEYD_MAXSIG, KEYD_ST_RUN,
	    keyd_op_ident },
	{ IMSG_KEYD_COOKIE_ENC, "cookie-enc",
	    sizeof(struct ipc_keyd_cookie_enc),
	    sizeof(struct ipc_keyd_cookie_enc) + KEYD_MAXKEYDER, KEYD_ST_RUN,
	    keyd_op_cookie_enc },
	{ IMSG_KEYD_COOKIE_DEC, "cookie-dec",
	    sizeof(struct ipc_keyd_cookie_dec),
	    sizeof(struct ipc_keyd_cookie_dec) + KEYD_MAXSIG, KEYD_ST_RUN,
	    keyd_op_cookie_dec },
	{ IMSG_KEYD_CERT_SIGN, "cert-sign", sizeof(struct ipc_keyd_cert_sign),
	    sizeof(struct ipc_keyd_cert_sign) + KEYD_MAXVAL, KEYD_ST_RUN,
	    keyd_op_cert_sign },
};
#define KEYD_NREQ	(sizeof(keyd_table) / sizeof(keyd_table[0]))

static struct {
	uint64_t	 served, refused, ratelimited;
} keyd_count[KEYD_NREQ];

static void
keyd_sighdlr(int sig)
{
	keyd_quit = 1;
}

/* HELLO: the engine is there; answer the short status. */
static int
keyd_hello(struct keyd_ctx *c, const uint8_t *req, size_t len,
    struct keyd_out *out)
{
	struct ipc_keyd_status st;

	memset(&st, 0, sizeof(st));
	st.crypto = c->crypto;
	st.served = ks.served;
	st.refused = ks.refused;
	strlcpy(st.host, c->crypto ? c->pub.host : c->host, sizeof(st.host));
	memcpy(out->buf, &st, sizeof(st));
	out->len = sizeof(st);
	out->type = IMSG_KEYD_STATUS;
	ks.state = KEYD_ST_RUN;
	return 0;
}

/* GET_STATS: what "ntpctl keyd" shows. */
static int
keyd_stats(struct keyd_ctx *c, const uint8_t *req, size_t len,
    struct keyd_out *out)
{
	struct ipc_keyd_stats *st;
	size_t i;

	if (sizeof(*st) > KEYD_OUTMAX)
		return KEYD_ERR_LENGTH;
	st = (struct ipc_keyd_stats *)out->buf;
	memset(st, 0, sizeof(*st));
	st->crypto = c->crypto;
	st->started = (int64_t)c->started;
	st->pid = (int32_t)getpid();
	strlcpy(st->host, c->crypto ? c->pub.host : c->host,
	    sizeof(st->host));
	strlcpy(st->ident, c->ident, sizeof(st->ident));
	if (c->crypto) {
		st->status = c->pub.status;
		st->host_fs = c->pub.host_fs;
		st->sign_fs = c->pub.sign_fs;
		st->iff_fs = c->pub.iff_fs;
		st->gq_fs = c->pub.gq_fs;
		st->mv_fs = c->pub.mv_fs;
		st->host_bits = (uint32_t)EVP_PKEY_get_bits(c->hostkey);
		st->sign_bits = (uint32_t)EVP_PKEY_get_bits(
		    c->signkey != NULL ? c->signkey : c->hostkey);
		st->ncerts = 1;
		keyd_fill_certinfo(&c->certinfo, c->pub.cert_fs,
		    c->certderlen, time(NULL), &st->certs[0]);
		st->ngroups = (uint32_t)c->ngroups;
		for (i = 0; i < c->ngroups && i < KEYD_MAXGROUPS; i++)
			st->groups[i] = c->groups[i].info;
	}
	st->ncounters = KEYD_NREQ < KEYD_NCOUNTERS ? KEYD_NREQ :
	    KEYD_NCOUNTERS;
	for (i = 0; i < st->ncounters; i++) {
		strlcpy(st->counters[i].name, keyd_table[i].name,
		    sizeof(st->counters[i].name));
		st->counters[i].served = keyd_count[i].served;
		st->counters[i].refused = keyd_count[i].refused;
		st->counters[i].ratelimited = keyd_count[i].ratelimited;
	}
	out->len = sizeof(*st);
	out->type = IMSG_KEYD_STATS;
	return 0;
}

static void
keyd_serve(const struct keyd_req *r, size_t idx, struct imsg *imsg)
{
	struct ipc_keyd_error e;
	struct keyd_out out;
	int rv;

	if (secmem_readwrite(ks.out) == -1)
		fatalx("secure memory");
	memset(&out, 0, sizeof(out));
	out.buf = ks.out;
	rv = r->handler(&ks.ctx, imsg->data, imsg->datalen, &out);
	if (rv == -1)
		fatalx("engine sent a malformed %s",
		    ipc_type_name(imsg->hdr.type));
	if (rv == 0) {
		if (imsg_compose(&ks.engine, out.type, imsg->hdr.peerid, 0, -1,
		    out.buf, out.len) == -1)
			fatal("imsg_compose");
		ks.served++;
		keyd_count[idx].served++;
	} else {
		e.request = imsg->hdr.type;
		e.code = rv;
		if (imsg_compose(&ks.engine, IMSG_KEYD_ERROR, imsg->hdr.peerid,
		    0, -1, &e, sizeof(e)) == -1)
			fatal("imsg_compose");
		ks.refused++;
		keyd_count[idx].refused++;
		if (rv == KEYD_ERR_RATE)
			keyd_count[idx].ratelimited++;
		log_debug("refused %s: error %d", r->name, rv);
	}
	secmem_wipe(ks.out, out.len > KEYD_OUTMAX ? KEYD_OUTMAX : out.len);
	if (secmem_noaccess(ks.out) == -1)
		fatalx("secure memory");
}

static void
keyd_dispatch_engine(void)
{
	const struct keyd_req *r;
	struct imsg imsg;
	ssize_t n;
	size_t i;

	if ((n = imsgbuf_read(&ks.engine)) == -1 && errno != EAGAIN)
		fatal("engine pipe");
	if (n == 0) {
		log_debug("engine closed its pipe");
		keyd_quit = 1;
		return;
	}
	for (;;) {
		if ((n = imsg_get(&ks.engine, &imsg)) == -1)
			fatalx("engine pipe: bad message");
		if (n == 0)
			return;
		r = NULL;
		for (i = 0; i < KEYD_NREQ; i++)
			if (keyd_table[i].type == imsg.hdr.type) {
				r = &keyd_table[i];
				break;
			}
		if (r == NULL)
			fatalx("engine sent a request keyd does not serve: %s",
			    ipc_type_name(imsg.hdr.type));
		if (imsg.fd != -1)
			fatalx("engine sent a descriptor with %s",
			    ipc_type_name(imsg.hdr.type));
		if (imsg.datalen < r->minlen || imsg.datalen > r->maxlen)
			fatalx("engine sent %s with a bad length %zu",
			    ipc_type_name(imsg.hdr.type), imsg.datalen);
		if (ks.state != r->state)
			fatalx("engine sent %s %s",
			    ipc_type_name(imsg.hdr.type),
			    ks.state == KEYD_ST_NEW ? "before HELLO" :
			    "twice");
		keyd_serve(r, i, &imsg);
		imsg_free(&imsg);
	}
}

/* Start-up: the configuration from the parent, as root. */
static void
keyd_recv_conf(struct ipc_keyd_conf *kc)
{
	struct imsg imsg;
	struct pollfd pfd;
	ssize_t n;
	int have = 0;

	for (;;) {
		if ((n = imsg_get(&ks.parent, &imsg)) == -1)
			fatalx("parent pipe: bad message");
		if (n == 0) {
			pfd.fd = ks.parent.fd;
			pfd.events = POLLIN;
			if (poll(&pfd, 1, -1) == -1 && errno != EINTR)
				fatal("poll");
			if (keyd_quit)
				exit(0);
			if ((n = imsgbuf_read(&ks.parent)) == -1 &&
			    errno != EAGAIN)
				fatal("parent pipe");
			if (n == 0)
				fatalx("parent went away during start-up");
			continue;
		}
		switch (imsg.hdr.type) {
		case IMSG_KEYD_CONF:
			if (have || imsg_get_data(&imsg, kc, sizeof(*kc)) == -1)
				fatalx("parent sent a bad KEYD_CONF");
			have = 1;
			break;
		case IMSG_KEYD_CONF_END:
			if (!have)
				fatalx("parent sent no KEYD_CONF");
			imsg_free(&imsg);
			return;
		default:
			fatalx("parent sent unexpected %s",
			    ipc_type_name(imsg.hdr.type));
		}
		imsg_free(&imsg);
	}
}

/*
 * Refuse to start: one line to the parent, which logs it and exits
 * non-zero.
 */
static __attribute__((noreturn)) void
keyd_fail(const char *msg)
{
	struct ipc_error e;

	memset(&e, 0, sizeof(e));
	strlcpy(e.msg, msg, sizeof(e.msg));
	if (imsg_compose(&ks.parent, IMSG_KEYD_FAILED, 0, 0, -1, &e,
	    sizeof(e)) == -1 || imsgbuf_flush(&ks.parent) == -1)
		log_warnx("%s", msg);
	exit(1);
}

/*
 * Every block libcrypto frees or moves is wiped first, so that copies of
 * key material it makes on the ordinary heap (decoded integers, decrypted
 * PEM bytes, parameter buffers) do not outlive their use.  Installed
 * before libcrypto allocates anything.
 */
static void *
keyd_crypto_malloc(size_t n, const char *file, int line)
{
	return malloc(n);
}

static void
keyd_crypto_free(void *p, const char *file, int line)
{
	if (p == NULL)
		return;
#ifdef __GLIBC__
	explicit_bzero(p, malloc_usable_size(p));
#endif
	free(p);
}

static void *
keyd_crypto_realloc(void *p, size_t n, const char *file, int line)
{
#ifdef __GLIBC__
	void *q;
	size_t old;

	if (p == NULL)
		return malloc(n);
	if (n == 0) {
		keyd_crypto_free(p, file, line);
		return NULL;
	}
	if ((q = malloc(n)) == NULL)
		return NULL;
	old = malloc_usable_size(p);
	memcpy(q, p, old < n ? old : n);
	keyd_crypto_free(p, file, line);
	return q;
#else
	return realloc(p, n);
#endif
}

/*
 * libcrypto's PEM password callback and the key decoders leave copies
 * of the password and of decrypted key bytes in stack frames that are
 * gone by now; overwrite that part of the stack once after loading.
 */
static void __attribute__((noinline))
keyd_scrub_stack(void)
{
	uint8_t buf[256 * 1024];

	explicit_bzero(buf, sizeof(buf));
	__asm__ __volatile__("" : : "r"(buf) : "memory");
}

static __attribute__((noreturn)) void
keyd_usage(void)
{
	fprintf(stderr, "ntp-keyd is started by ntpd itself\n");
	exit(2);
}

/* -i uid:gid, given by a parent that cannot look users up itself. */
static int
keyd_parse_ids(const char *s, uid_t *uid, gid_t *gid)
{
	unsigned long u, g;
	char *end;

	errno = 0;
	u = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != ':')
		return -1;
	s = end + 1;
	g = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || u == 0 || g == 0 ||
	    u > 0x7fffffffUL || g > 0x7fffffffUL)
		return -1;
	*uid = (uid_t)u;
	*gid = (gid_t)g;
	return 0;
}

int
main(int argc, char *argv[])
{
	struct ipc_keyd_conf *kc;
	struct pollfd pfd[2];
	struct sigaction sa;
	const char *user = NULL, *root = NULL, *ids = NULL;
	char err[512];
	uid_t uid = 0;
	gid_t gid = 0;
	int ch, debug = 0, verbose = 0, insecure = 0, nolimits = 0, r;

	if (!CRYPTO_set_mem_functions(keyd_crypto_malloc, keyd_crypto_realloc,
	    keyd_crypto_free))
		fatalx("libcrypto allocated memory before main()");
	while ((ch = getopt(argc, argv, "u:i:r:dvRU")) != -1) {
		switch (ch) {
		case 'u':
			user = optarg;
			break;
		case 'i':
			ids = optarg;
			break;
		case 'r':
			root = optarg;
			break;
		case 'd':
			debug = 1;
			break;
		case 'v':
			verbose++;
			break;
		case 'R':
			nolimits = 1;
			break;
		case 'U':
			insecure = 1;
			break;
		default:
			keyd_usage();
		}
	}
	if (user == NULL || root == NULL || optind != argc)
		keyd_usage();
	log_init(debug, verbose, LOG_DAEMON);
	log_procinit("keyd");
	if (fcntl(IPC_FD_PARENT, F_GETFD) == -1 ||
	    fcntl(IPC_FD_PEER, F_GETFD) == -1)
		fatalx("not started by ntpd (descriptors 3 and 4 missing)");
	closefrom(IPC_FD_PEER + 1);

	/* Not dumpable and no core before any secret arrives. */
	if (sandbox_harden(KEYD_NOFILE, err, sizeof(err)) == -1)
		fatalx("sandbox: %s", err);
	if (secmem_init() == -1)
		fatalx("libsodium initialisation failed");
	/* Key material decoded from now on lands in the secure heap. */
	if ((r = keyd_secure_heap_init()) == -1)
		fatalx("OpenSSL secure heap initialisation failed");
	if (r == 1)
		log_warnx("OpenSSL secure heap not locked in memory "
		    "(RLIMIT_MEMLOCK)");
	/* Load OpenSSL's configuration now: no file access later. */
	OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG |
	    OPENSSL_INIT_ADD_ALL_CIPHERS | OPENSSL_INIT_ADD_ALL_DIGESTS, NULL);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = keyd_sighdlr;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);

	if (imsgbuf_init(&ks.parent, IPC_FD_PARENT, IMSGF_SECURE) == -1 ||
	    imsgbuf_init(&ks.engine, IPC_FD_PEER, IMSGF_SECURE) == -1)
		fatal("imsgbuf_init");
	if (ids != NULL) {
		if (keyd_parse_ids(ids, &uid, &gid) == -1)
			keyd_usage();
	} else if (!insecure && sandbox_lookup_user(user, &uid, &gid, err,
	    sizeof(err)) == -1)
		keyd_fail(err);

	if ((ks.out = secmem_alloc(KEYD_OUTMAX)) == NULL ||
	    (kc = secmem_alloc(sizeof(*kc))) == NULL)
		fatalx("secure memory");
	keyd_ctx_init(&ks.ctx);
	if (nolimits) {
		/* The benchmark's switch; ntpd never passes it. */
		log_warnx("*** rate limits off (-R): benchmarks only ***");
		for (r = 0; r < KEYD_OP_MAX; r++)
			ks.ctx.bucket[r].rate = ks.ctx.bucket[r].burst =
			    ks.ctx.bucket[r].tokens = 1e12;
	}
	keyd_recv_conf(kc);
	kc->keysdir[sizeof(kc->keysdir) - 1] = '\0';
	kc->host[sizeof(kc->host) - 1] = '\0';
	kc->ident[sizeof(kc->ident) - 1] = '\0';
	kc->digest[sizeof(kc->digest) - 1] = '\0';
	kc->pw[sizeof(kc->pw) - 1] = '\0';
	strlcpy(ks.ctx.host, kc->host, sizeof(ks.ctx.host));
	if (kc->enabled) {
		if (keyd_ctx_load(&ks.ctx, kc->keysdir, kc->host, kc->ident,
		    kc->digest, kc->pw, err, sizeof(err)) == -1) {
			secmem_free(kc);
			keyd_fail(err);
		}
		log_info("keys loaded from %s: %s, status 0x%08x",
		    kc->keysdir, ks.ctx.pub.host, ks.ctx.pub.status);
	}
	/* The password is wiped here, whatever happened. */
	secmem_free(kc);
	keyd_scrub_stack();
	if (secmem_noaccess(ks.out) == -1)
		fatalx("secure memory");

	if (insecure)
		log_warnx("*** running without chroot and user change (-U) "
		    "***");
	else if (sandbox_check_emptydir(root, err, sizeof(err)) == -1 ||
	    sandbox_privdrop(uid, gid, root, err, sizeof(err)) == -1) {
		char msg[600];

		snprintf(msg, sizeof(msg), "keyd cannot drop privileges: %s",
		    err);
		keyd_fail(msg);
	}
	if (sandbox_enter(SANDBOX_KEYD, err, sizeof(err)) == -1)
		fatalx("cannot enter the sandbox: %s", err);

	if (imsg_compose(&ks.parent, IMSG_KEYD_READY, 0, 0, -1, NULL, 0) ==
	    -1 || imsgbuf_flush(&ks.parent) == -1)
		fatal("telling the parent we are ready");

	while (!keyd_quit) {
		pfd[0].fd = ks.parent.fd;
		pfd[0].events = POLLIN;
		pfd[1].fd = ks.engine.fd;
		pfd[1].events = POLLIN |
		    (imsgbuf_queuelen(&ks.engine) ? POLLOUT : 0);
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if (pfd[0].revents & (POLLIN | POLLHUP)) {
			/* The parent never talks to a running keyd. */
			log_debug("parent pipe closed or spoke; exiting");
			break;
		}
		if (pfd[1].revents & POLLOUT &&
		    imsgbuf_write(&ks.engine) == -1)
			fatal("engine pipe write");
		if (pfd[1].revents & (POLLIN | POLLHUP))
			keyd_dispatch_engine();
	}
	imsgbuf_clear(&ks.engine);
	imsgbuf_clear(&ks.parent);
	keyd_ctx_free(&ks.ctx);
	secmem_free(ks.out);
	return 0;
}
