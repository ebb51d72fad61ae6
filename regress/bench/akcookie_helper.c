/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * akcookie_helper: get the Autokey cookie our server gives this host,
 * so that the load generator (loadgen -K) can send MAC'd mode 3
 * requests as an Autokey client does after its exchange.  Not a
 * client: it sends one COOK request (with a fresh RSA key, a random
 * key ID and the MAC keyed with cookie 0, as before any cookie is
 * known), decrypts the cookie in the response with its private key and
 * prints it.  The cookie depends only on the two addresses and the
 * server's private value, so it holds for every socket of the
 * generator on the same address, until the server rotates the value.
 *
 * usage: akcookie_helper -p port [-a loopback-address] [-t timeout-ms]
 * Output: "cookie=0xXXXXXXXX keyid=0xXXXXXXXX"; exit 1 on failure.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <sodium.h>

#include "autokey.h"
#include "ntptime.h"
#include "packet.h"

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: akcookie_helper -p port [-a address] "
	    "[-t timeout-ms]\n");
	exit(2);
}

static uint64_t
get64(const uint8_t *b)
{
	return (uint64_t)ntp_get32(b) << 32 | ntp_get32(b + 4);
}

/* Decrypt the COOK value (RSA-OAEP, SHA-1) into the 4-byte cookie. */
static int
decrypt_cookie(EVP_PKEY *k, const uint8_t *val, size_t vallen,
    uint32_t *cookie)
{
	EVP_PKEY_CTX *ctx;
	uint8_t out[512];
	size_t outlen = sizeof(out);
	int ok;

	if ((ctx = EVP_PKEY_CTX_new(k, NULL)) == NULL)
		return -1;
	ok = EVP_PKEY_decrypt_init(ctx) == 1 &&
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) == 1 &&
	    EVP_PKEY_decrypt(ctx, out, &outlen, val, vallen) == 1 &&
	    outlen == 4;
	EVP_PKEY_CTX_free(ctx);
	if (!ok)
		return -1;
	*cookie = (uint32_t)out[0] << 24 | (uint32_t)out[1] << 16 |
	    (uint32_t)out[2] << 8 | out[3];
	return 0;
}

int
main(int argc, char *argv[])
{
	static uint8_t req[NTP_MAXPKT], rsp[NTP_MAXPKT + 1];
	struct sockaddr_in sa, la;
	struct ak_addr me, srv;
	struct ak_signed val;
	struct ntp_pkt p;
	struct ntp_ext ext;
	struct ak_msg m;
	struct pollfd pfd;
	const char *addr = "127.0.0.1";
	const uint8_t *e;
	EVP_PKEY *k;
	uint8_t der[1024];
	size_t derlen, off, left;
	socklen_t ll = sizeof(la);
	uint32_t keyid, cookie;
	long port = 0, tmo = 3000;
	ssize_t n;
	int ch, fd, tries;
	char *end;

	while ((ch = getopt(argc, argv, "a:p:t:")) != -1) {
		switch (ch) {
		case 'a':
			addr = optarg;
			break;
		case 'p':
			port = strtol(optarg, &end, 10);
			if (*end != '\0' || port < 1 || port > 65535)
				usage();
			break;
		case 't':
			tmo = strtol(optarg, &end, 10);
			if (*end != '\0' || tmo < 1 || tmo > 60000)
				usage();
			break;
		default:
			usage();
		}
	}
	if (port == 0 || optind != argc)
		usage();
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1 ||
	    (ntohl(sa.sin_addr.s_addr) >> 24) != 127)
		errx(2, "%s: IPv4 loopback addresses only", addr);
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1)
		err(1, "socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&la, &ll) == -1)
		err(1, "connect");
	if (ak_addr_set(&me, (struct sockaddr *)&la, ll) == -1 ||
	    ak_addr_set(&srv, (struct sockaddr *)&sa, sizeof(sa)) == -1)
		errx(1, "addresses");

	if ((k = EVP_RSA_gen(1024)) == NULL ||
	    ak_rsa_pubkey_der(k, der, sizeof(der), &derlen) == -1)
		errx(1, "RSA key");

	for (tries = 0; tries < 3; tries++) {
		memset(req, 0, NTP_HDRLEN);
		req[0] = 4 << 3 | 3;		/* LI 0, version 4, mode 3 */
		req[2] = 6;
		req[3] = (uint8_t)-20;
		randombytes_buf(req + 40, 8);	/* transmit timestamp */
		memset(&val, 0, sizeof(val));
		val.val = der;
		val.vallen = derlen;
		keyid = ak_keyid_random();
		if ((off = ak_msg_append_signed(req, sizeof(req), NTP_HDRLEN,
		    AK_COOK, 0, 0, &val)) == 0 ||
		    (off = ak_mac_append(ak_digest("MD5"), &me, &srv, keyid, 0,
		    req, sizeof(req), off)) == 0)
			errx(1, "building the COOK request");
		if (send(fd, req, off, 0) != (ssize_t)off)
			err(1, "send");
		pfd.fd = fd;
		pfd.events = POLLIN;
		while (poll(&pfd, 1, (int)tmo) == 1) {
			if ((n = recv(fd, rsp, sizeof(rsp) - 1, 0)) <= 0)
				break;
			if (packet_parse(rsp, (size_t)n, &p) != PKT_OK ||
			    p.org != get64(req + 40) || p.extlen == 0 ||
			    !p.has_mac || p.keyid != keyid ||
			    ak_mac_verify(ak_digest("MD5"), &srv, &me, 0, rsp,
			    &p) != AK_OK)
				continue;
			e = p.ext;
			left = p.extlen;
			while (packet_ext_next(&e, &left, &ext) == 1) {
				if (ak_msg_parse(&ext, &m) != AK_OK ||
				    m.code != AK_COOK || !m.response ||
				    m.error || !m.has_value)
					continue;
				if (decrypt_cookie(k, m.val, m.vallen,
				    &cookie) == -1)
					errx(1, "cannot decrypt the cookie");
				printf("cookie=0x%08x keyid=0x%08x\n", cookie,
				    keyid);
				EVP_PKEY_free(k);
				return 0;
			}
		}
	}
	EVP_PKEY_free(k);
	errx(1, "no COOK response from %s port %ld", addr, port);
}
