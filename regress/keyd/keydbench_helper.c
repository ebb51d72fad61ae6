/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * keydbench_helper [-n] KEYD KEYSDIR HOST PW SECONDS
 *
 * Plays parent and engine for a real ntp-keyd (started with -U -R: no
 * chroot, no rate limits; its seccomp filter stays on) and drives it
 * through the engine's own wrappers (ntpd/keyd_client.c) over the pipe,
 * 16 requests in flight: signatures (AUTO values), IFF responses,
 * cookie encryptions and decryptions.  Prints operations per second.
 * Every reply is checked (signatures verified with the certificate's
 * key, IFF responses with the group key, cookies round-tripped), so
 * with a small SECONDS it is also the end-to-end test of the link.
 * -n: keep keyd's rate limits and report how many requests they refuse;
 * the cookie decryptions (the tightest limit) then go on past SECONDS
 * until the limit has refused one (at most KB_MAXSECS), so that a slow,
 * loaded machine still reaches it.
 * -w: afterwards print "keyd pid PID" and keep keyd running until
 * standard input reaches end of file (for a memory scan of keyd).
 * -x N: instead, commit protocol violation N (1 unknown request, 2 HELLO
 * twice, 3 SIGN whose vallen disagrees with the payload, 4 GET_CERT with
 * a wrong length, 5 a descriptor with GET_PUBLIC) and report how keyd
 * ended: "keyd exited with status S" (it must, and with S != 0).
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "imsg.h"
#include "ipc.h"
#include "keyd_client.h"
#include "keyfile.h"
#include "log.h"
#include "secmem.h"

#define WINDOW	16
#define KB_MAXSECS 60.0	/* -n: the longest a cookie-dec run waits for a refusal */
#define KB_POLLMS 30000	/* keyd is stuck if it answers nothing this long */

static struct imsgbuf	 ib;
static struct keyset	 ks;
static struct ident_iff	 iffc;
static uint8_t		 chal[512], ct[1024], val8[8];
static size_t		 chlen, ctlen;
static uint32_t		 now_ntp;
static int		 inflight, done_ok, refused, failed;
static const uint8_t	 cookie[4] = { 1, 2, 3, 4 };

static double
mono(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
verify(uint32_t ts, uint32_t fs, const uint8_t *v, size_t vl,
    const uint8_t *sig, size_t sl)
{
	EVP_MD_CTX	*m = EVP_MD_CTX_new();
	EVP_PKEY	*k = X509_get0_pubkey(ks.cert);
	uint32_t	 h[3] = { htonl(ts), htonl(fs), htonl((uint32_t)vl) };
	int		 mdnid, pknid, ok;

	OBJ_find_sigid_algs(ks.certinfo.signid, &mdnid, &pknid);
	ok = EVP_DigestVerifyInit(m, NULL, EVP_get_digestbynid(mdnid), NULL,
	    k) == 1 && EVP_DigestVerifyUpdate(m, h, sizeof(h)) == 1 &&
	    EVP_DigestVerifyUpdate(m, v, vl) == 1 &&
	    EVP_DigestVerifyFinal(m, sig, sl) == 1;
	EVP_MD_CTX_free(m);
	return ok;
}

static void
got(void *arg, const struct keyd_reply *r)
{
	int	 op = (int)(intptr_t)arg, ok = 0;

	inflight--;
	if (r->error == KEYD_ERR_RATE) {
		refused++;
		return;
	}
	if (r->error != 0) {
		fprintf(stderr, "op %d: keyd error %d\n", op, r->error);
		failed++;
		return;
	}
	switch (op) {
	case 0:
		ok = verify(now_ntp, now_ntp, val8, 8, r->sig, r->siglen);
		break;
	case 1:
		ok = verify(r->tstamp, r->fstamp, r->value, r->vallen, r->sig,
		    r->siglen) && ident_iff_verify(&iffc, chal, chlen,
		    r->value, r->vallen) == 0;
		break;
	case 2:
		ok = verify(r->tstamp, r->fstamp, r->value, r->vallen, r->sig,
		    r->siglen);
		break;
	case 3:
		ok = memcmp(r->cookie, cookie, 4) == 0;
		break;
	}
	if (ok)
		done_ok++;
	else {
		fprintf(stderr, "op %d: reply does not verify\n", op);
		failed++;
	}
}

static uint32_t
issue(int op)
{
	const uint8_t	*key;
	size_t		 keylen;

	switch (op) {
	case 0:
		return keyd_sign_value(0x82040000, now_ntp, now_ntp, val8, 8,
		    got, (void *)(intptr_t)op);
	case 1:
		return keyd_ident_respond(KEYD_SCHEME_IFF, now_ntp, chal, chlen,
		    got, (void *)(intptr_t)op);
	case 2:
		key = keyd_public_key(&keylen);
		return keyd_cookie_encrypt(now_ntp, now_ntp, cookie, key,
		    keylen, got, (void *)(intptr_t)op);
	default:
		return keyd_cookie_decrypt(ct, ctlen, got,
		    (void *)(intptr_t)op);
	}
}

/* Whether a run that has lasted elapsed seconds issues more requests. */
static int
more(double elapsed, double secs, int until_refused)
{
	if (elapsed < secs)
		return 1;
	return until_refused && refused == 0 && elapsed < KB_MAXSECS;
}

/* Protocol violation n; keyd must close the link and exit. */
static int
violate(int n, pid_t pid)
{
	struct ipc_keyd_sign	 s = { 0x82040000, 1, 0, 8 };
	uint8_t			 buf[sizeof(s) + 8];
	char			 c;
	int			 r = 0, status, fd = -1;

	memset(buf, 0, sizeof(buf));
	switch (n) {
	case 1:
		r = imsg_compose(&ib, IMSG_CTL_SHOW_STATUS, 1, 0, -1, NULL, 0);
		break;
	case 2:
		r = imsg_compose(&ib, IMSG_KEYD_HELLO, 1, 0, -1, NULL, 0);
		break;
	case 3:
		memcpy(buf, &s, sizeof(s));
		r = imsg_compose(&ib, IMSG_KEYD_SIGN, 1, 0, -1, buf,
		    sizeof(s) + 7);
		break;
	case 4:
		r = imsg_compose(&ib, IMSG_KEYD_GET_CERT, 1, 0, -1, buf, 3);
		break;
	case 5:
		if ((fd = dup(0)) == -1)
			fatal("dup");
		r = imsg_compose(&ib, IMSG_KEYD_GET_PUBLIC, 1, 0, fd, NULL, 0);
		break;
	default:
		fatalx("no violation %d", n);
	}
	if (r == -1 || imsgbuf_flush(&ib) == -1)
		fatal("sending violation %d", n);
	/* keyd closes the link: read until EOF (no answer may come). */
	while ((r = (int)read(ib.fd, &c, 1)) > 0)
		printf("keyd answered a violation\n");
	if (waitpid(pid, &status, 0) != pid)
		fatal("waitpid");
	if (WIFEXITED(status))
		printf("keyd exited with status %d\n", WEXITSTATUS(status));
	else
		printf("keyd killed by signal %d\n", WTERMSIG(status));
	return WIFEXITED(status) && WEXITSTATUS(status) != 0 ? 0 : 1;
}

/* One poll round on the keyd link. */
static void
pump(void)
{
	struct pollfd	 pfd;
	struct imsg	 imsg;
	ssize_t		 n;

	pfd.fd = ib.fd;
	pfd.events = POLLIN | (imsgbuf_queuelen(&ib) ? POLLOUT : 0);
	if (poll(&pfd, 1, KB_POLLMS) <= 0)
		fatalx("keyd does not answer");
	if (pfd.revents & POLLOUT && imsgbuf_write(&ib) == -1)
		fatal("write");
	if (!(pfd.revents & (POLLIN | POLLHUP)))
		return;
	if ((n = imsgbuf_read(&ib)) == -1 && errno != EAGAIN)
		fatal("read");
	if (n == 0)
		fatalx("keyd closed the pipe");
	while ((n = imsg_get(&ib, &imsg)) > 0) {
		if (keyd_client_dispatch(&imsg) == -1)
			fatalx("unexpected %s from keyd",
			    ipc_type_name(imsg.hdr.type));
		imsg_free(&imsg);
	}
	if (n == -1)
		fatalx("bad message from keyd");
}

int
main(int argc, char *argv[])
{
	static const char *names[] = { "sign", "iff", "cookie-enc",
	    "cookie-dec" };
	struct ipc_keyd_conf *kc;
	struct imsgbuf	 pb;
	struct imsg	 imsg;
	EVP_PKEY_CTX	*pc;
	char		 err[512];
	double		 secs, t0, t;
	pid_t		 pid;
	int		 pk[2], ek[2], op, n, limits = 0, status, bad = 0;
	int		 until_refused;
	int		 hold = 0;
	char		 c;

	if (argc > 1 && strcmp(argv[1], "-w") == 0) {
		hold = 1;
		argc--;
		argv++;
	}
	if (argc > 1 && strcmp(argv[1], "-n") == 0) {
		limits = 1;
		argc--;
		argv++;
	}
	if (argc > 2 && strcmp(argv[1], "-x") == 0) {
		bad = atoi(argv[2]);
		argc -= 2;
		argv += 2;
	}
	if (argc != 6) {
		fprintf(stderr, "usage: keydbench_helper [-w] [-n] keyd "
		    "keysdir host pw seconds\n");
		return 2;
	}
	secs = atof(argv[5]);
	log_init(1, 0, LOG_DAEMON);
	log_procinit("bench");
	if (secmem_init() == -1)
		fatalx("libsodium");
	signal(SIGPIPE, SIG_IGN);
	if (keyfile_load_host(argv[2], argv[3], NULL, argv[4], &ks, err,
	    sizeof(err)) == -1)
		fatalx("%s", err);
	if (!ks.have_iff || ident_iff_client(&ks.iff, &iffc) == -1)
		fatalx("need an IFF server key in %s", argv[2]);
	chlen = ident_iff_challenge_len(&ks.iff);
	if (ident_challenge(chlen, ks.iff.q, chal) == -1)
		fatalx("challenge");
	/* a ciphertext for our own host key, to decrypt again and again */
	pc = EVP_PKEY_CTX_new(ks.hostkey, NULL);
	ctlen = sizeof(ct);
	if (pc == NULL || EVP_PKEY_encrypt_init(pc) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_OAEP_PADDING) != 1 ||
	    EVP_PKEY_encrypt(pc, ct, &ctlen, cookie, 4) != 1)
		fatalx("encrypt");
	EVP_PKEY_CTX_free(pc);

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, pk) == -1 ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, ek) == -1)
		fatal("socketpair");
	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid == 0) {
		if (dup2(pk[1], 3) == -1 || dup2(ek[1], 4) == -1)
			_exit(127);
		execl(argv[1], "ntp-keyd", "-u", "nobody", "-r", "/", "-d",
		    "-U", limits ? NULL : "-R", (char *)NULL);
		_exit(127);
	}
	close(pk[1]);
	close(ek[1]);
	if (imsgbuf_init(&pb, pk[0], IMSGF_SECURE) == -1 ||
	    (kc = secmem_alloc(sizeof(*kc))) == NULL)
		fatal("init");
	memset(kc, 0, sizeof(*kc));
	kc->enabled = 1;
	strlcpy(kc->keysdir, argv[2], sizeof(kc->keysdir));
	strlcpy(kc->host, argv[3], sizeof(kc->host));
	strlcpy(kc->pw, argv[4], sizeof(kc->pw));
	if (imsg_compose(&pb, IMSG_KEYD_CONF, 0, 0, -1, kc, sizeof(*kc)) ==
	    -1 || imsg_compose(&pb, IMSG_KEYD_CONF_END, 0, 0, -1, NULL, 0) ==
	    -1 || imsgbuf_flush(&pb) == -1)
		fatal("conf");
	secmem_free(kc);
	for (;;) {
		struct pollfd p = { pb.fd, POLLIN, 0 };

		if ((n = (int)imsg_get(&pb, &imsg)) == -1)
			fatalx("bad message");
		if (n > 0)
			break;
		if (poll(&p, 1, KB_POLLMS) <= 0)
			fatalx("keyd never got ready");
		if (imsgbuf_read(&pb) == 0)
			fatalx("keyd exited during start-up");
	}
	if (imsg.hdr.type != IMSG_KEYD_READY)
		fatalx("keyd refused to start");
	imsg_free(&imsg);

	if (imsgbuf_init(&ib, ek[0], IMSGF_SECURE) == -1)
		fatal("init");
	keyd_client_init(&ib);
	while (keyd_public() == NULL || keyd_pending() > 0)
		pump();
	if (bad)
		return violate(bad, pid);
	printf("keyd: %s, host key %d bits, IFF q %zu bytes, %d in flight\n",
	    keyd_public()->host, EVP_PKEY_get_bits(ks.hostkey), chlen, WINDOW);

	for (op = 0; op < 4; op++) {
		done_ok = refused = failed = 0;
		/*
		 * One timestamp per run: got() verifies a signature against
		 * it, and a clock second passing between request and reply
		 * must not look like a bad signature.
		 */
		now_ntp = (uint32_t)(time(NULL) + KEYFILE_JAN1970);
		until_refused = limits && op == 3;
		t0 = mono();
		t = t0;
		while (more(t - t0, secs, until_refused) || inflight > 0) {
			while (more(t - t0, secs, until_refused) &&
			    inflight < WINDOW) {
				if (issue(op) == 0)
					fatalx("cannot queue");
				inflight++;
			}
			pump();
			t = mono();
		}
		if (failed)
			fatalx("%s: %d replies failed", names[op], failed);
		printf("keyd %-10s %8.0f ops/s (%d ok, %d refused by the rate "
		    "limit)\n", names[op], done_ok / (t - t0), done_ok,
		    refused);
	}
	if (hold) {
		printf("keyd pid %d\n", (int)pid);
		fflush(stdout);
		while (read(STDIN_FILENO, &c, 1) > 0)
			;
	}
	close(ek[0]);
	close(pk[0]);
	waitpid(pid, &status, 0);
	ident_iff_free(&iffc);
	keyfile_keyset_free(&ks);
	return 0;
}
