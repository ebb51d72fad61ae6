/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * probe_helper: send crafted NTP datagrams to a server on loopback and
 * print what comes back, one line per reply, for the atf-sh server
 * tests to grep.  Not a client: it never touches the clock and only
 * talks to the address it is given (127.0.0.1 by default).
 *
 * usage: probe_helper -p port [-a addr] [-b bindaddr] [-n count]
 *	      [-f first_ms] [-w wait_ms] kind
 *
 * Replies are read until wait_ms (default 500) pass without one; the
 * first may take up to first_ms (default: wait_ms), so that a caller
 * that expects an answer can allow for a slow, loaded machine without
 * waiting that long after the last reply.
 *
 * kinds:  v1 v2 v3 v4	a well-formed mode 3 request of that version
 *	   burst	count (-n) v4 requests back to back
 *	   empty short	0 and 20 bytes
 *	   version0 version5	48-byte mode 3 with a bad version
 *	   mode0 mode5 mode4	reserved, broadcast, unsolicited server
 *	   mode6 mode7	a 12-byte control / private request
 *	   badlen	50 bytes (not a multiple of 4 after the header)
 *	   badext	an extension field whose length runs past the end
 *	   badmac	48 + 12 bytes: a MAC trailer no digest can have
 *	   mac		48 + 20 bytes: key ID + MD5-sized digest
 *
 * Output:
 *   reply len=L leap=.. version=.. mode=.. stratum=.. poll=.. precision=..
 *	 refid=a.b.c.d refid_ascii=XXXX org_ok=0|1 rec_off=S xmt_off=S
 *	 sane=0|1 kod=0|1
 *   noreply			(single requests that got nothing)
 *   summary sent=N replies=M kod=K
 * org_ok: the origin timestamp is the transmit timestamp of one of our
 * requests; *_off: the server's receive/transmit time minus ours when
 * the reply arrived; sane: same clock, so the server's times lie
 * between our first request's transmit time and the reply's arrival,
 * and rec <= xmt (by causality, however long the exchange took).
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ntptime.h"
#include "packet.h"

#define PROBE_MAXBURST	1000

static ntp_ts	sent_xmt[PROBE_MAXBURST];
static size_t	nsent;

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: probe_helper -p port [-a addr] [-b bindaddr] "
	    "[-n count] [-f first_ms] [-w wait_ms] kind\n");
	exit(2);
}

static ntp_ts
now_ts(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ntp_ts_from_timespec(&ts);
}

/* A mode 3 request with the given first byte; its transmit timestamp is
 * unique per packet (the clock plus the sequence number in the low bits)
 * and remembered for the org check. */
static size_t
build_request(uint8_t *buf, size_t buflen, int version, int mode)
{
	struct ntp_pkt p;
	ntp_ts xmt;

	memset(&p, 0, sizeof(p));
	p.leap = NTP_LI_ALARM;
	p.version = (uint8_t)version;
	p.mode = (uint8_t)mode;
	p.poll = 4;
	p.precision = -20;
	xmt = (now_ts() & ~(ntp_ts)0x3ff) | (nsent & 0x3ff);
	p.xmt = xmt;
	if (nsent < PROBE_MAXBURST)
		sent_xmt[nsent++] = xmt;
	return packet_build_header(&p, buf, buflen);
}

/* The datagram for one kind; returns its length, or -1 if unknown. */
static ssize_t
build_kind(const char *kind, uint8_t *buf, size_t buflen)
{
	size_t n;

	if (buflen < 128)
		return -1;
	memset(buf, 0, buflen);
	if (strcmp(kind, "v1") == 0 || strcmp(kind, "v2") == 0 ||
	    strcmp(kind, "v3") == 0 || strcmp(kind, "v4") == 0)
		return (ssize_t)build_request(buf, buflen, kind[1] - '0',
		    NTP_MODE_CLIENT);
	if (strcmp(kind, "empty") == 0)
		return 0;
	if (strcmp(kind, "short") == 0) {
		build_request(buf, buflen, 4, NTP_MODE_CLIENT);
		return 20;
	}
	if (strcmp(kind, "version0") == 0)
		return (ssize_t)build_request(buf, buflen, 0, NTP_MODE_CLIENT);
	if (strcmp(kind, "version5") == 0)
		return (ssize_t)build_request(buf, buflen, 5, NTP_MODE_CLIENT);
	if (strcmp(kind, "mode0") == 0)
		return (ssize_t)build_request(buf, buflen, 4,
		    NTP_MODE_RESERVED);
	if (strcmp(kind, "mode4") == 0)
		return (ssize_t)build_request(buf, buflen, 4, NTP_MODE_SERVER);
	if (strcmp(kind, "mode5") == 0)
		return (ssize_t)build_request(buf, buflen, 4,
		    NTP_MODE_BROADCAST);
	if (strcmp(kind, "mode6") == 0 || strcmp(kind, "mode7") == 0) {
		/* A 12-byte control header: READVAR, sequence 1, assoc 0
		 * (mode 6) or an ntpdc-style request header (mode 7). */
		buf[0] = (uint8_t)(2 << 3 | (kind[4] - '0'));
		buf[1] = kind[4] == '6' ? 2 : 42;
		buf[3] = 1;
		return 12;
	}
	if (strcmp(kind, "badlen") == 0) {
		build_request(buf, buflen, 4, NTP_MODE_CLIENT);
		return NTP_HDRLEN + 2;
	}
	if (strcmp(kind, "badext") == 0) {
		/* 28 bytes after the header, read as an EF header whose
		 * length (256) runs past the end of the datagram. */
		n = build_request(buf, buflen, 4, NTP_MODE_CLIENT);
		ntp_put32(buf + n, 0x02020000U | 256);
		return (ssize_t)(n + 28);
	}
	if (strcmp(kind, "badmac") == 0) {
		n = build_request(buf, buflen, 4, NTP_MODE_CLIENT);
		ntp_put32(buf + n, 1);
		return (ssize_t)(n + 12);
	}
	if (strcmp(kind, "mac") == 0) {
		n = build_request(buf, buflen, 4, NTP_MODE_CLIENT);
		ntp_put32(buf + n, 1);
		memset(buf + n + 4, 0xa5, NTP_MAC_MD5);
		return (ssize_t)(n + 4 + NTP_MAC_MD5);
	}
	return -1;
}

static int
org_known(ntp_ts org)
{
	size_t i;

	for (i = 0; i < nsent; i++)
		if (sent_xmt[i] == org)
			return 1;
	return 0;
}

/* Print one reply; returns 1 if it was a kiss-o'-death. */
static int
print_reply(const uint8_t *buf, size_t len, ntp_ts arrived)
{
	struct ntp_pkt p;
	char ascii[5];
	double rec_off, xmt_off;
	int i, kod, sane;

	if (len < NTP_HDRLEN) {
		printf("reply len=%zu malformed\n", len);
		return 0;
	}
	/* Parse the header by hand too: packet_parse refuses what a
	 * broken server might send, and we want to see it. */
	if (packet_parse(buf, len, &p) != PKT_OK) {
		memset(&p, 0, sizeof(p));
		p.leap = buf[0] >> 6;
		p.version = (buf[0] >> 3) & 7;
		p.mode = buf[0] & 7;
		p.stratum = buf[1];
		p.poll = (int8_t)buf[2];
		p.precision = (int8_t)buf[3];
		p.refid = ntp_get32(buf + 12);
		p.org = ntp_ts_get(buf + 24);
		p.rec = ntp_ts_get(buf + 32);
		p.xmt = ntp_ts_get(buf + 40);
	}
	for (i = 0; i < 4; i++) {
		unsigned char c = (unsigned char)(p.refid >> (24 - 8 * i));

		ascii[i] = isprint(c) && c != ' ' ? (char)c : '.';
	}
	ascii[4] = '\0';
	rec_off = ntp_ts_diff(p.rec, arrived);
	xmt_off = ntp_ts_diff(p.xmt, arrived);
	/*
	 * Not "within a second of now": a loaded machine can hold a reply
	 * that long.  1 ms of slack for the coarse low bits of our
	 * transmit timestamps and for clock reads on different CPUs.
	 */
	sane = nsent > 0 && ntp_ts_diff(p.rec, sent_xmt[0]) > -1e-3 &&
	    xmt_off < 1e-3 && ntp_ts_diff(p.xmt, p.rec) >= 0;
	kod = p.stratum == NTP_STRATUM_UNSPEC && p.mode == NTP_MODE_SERVER;
	printf("reply len=%zu leap=%u version=%u mode=%u stratum=%u poll=%d "
	    "precision=%d refid=%u.%u.%u.%u refid_ascii=%s org_ok=%d "
	    "rec_off=%.6f xmt_off=%.6f sane=%d kod=%d\n", len, p.leap,
	    p.version, p.mode, p.stratum, p.poll, p.precision,
	    (unsigned)(p.refid >> 24), (unsigned)(p.refid >> 16) & 0xff,
	    (unsigned)(p.refid >> 8) & 0xff, (unsigned)p.refid & 0xff, ascii,
	    org_known(p.org), rec_off, xmt_off, sane, kod);
	return kod;
}

/* Read replies until wait_ms pass without one (first_ms for the first). */
static void
collect(int fd, int first_ms, int wait_ms, size_t *replies, size_t *kods)
{
	struct pollfd pfd;
	uint8_t buf[NTP_MAXPKT];
	ssize_t n;

	pfd.fd = fd;
	pfd.events = POLLIN;
	for (;;) {
		if (poll(&pfd, 1, *replies == 0 ? first_ms : wait_ms) <= 0)
			return;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			/* ICMP port unreachable: nobody there */
			if (errno == ECONNREFUSED)
				return;
			err(1, "recv");
		}
		(*replies)++;
		*kods += (size_t)print_reply(buf, (size_t)n, now_ts());
	}
}

int
main(int argc, char *argv[])
{
	struct sockaddr_in sin, bsin;
	uint8_t buf[NTP_MAXPKT];
	const char *addr = "127.0.0.1", *baddr = NULL, *kind, *errstr;
	size_t replies = 0, kods = 0, i, count = 1;
	ssize_t len;
	int ch, fd, port = 0, wait_ms = 500, first_ms = -1, burst;

	while ((ch = getopt(argc, argv, "a:b:f:n:p:w:")) != -1) {
		switch (ch) {
		case 'a':
			addr = optarg;
			break;
		case 'b':
			baddr = optarg;
			break;
		case 'f':
			first_ms = (int)strtonum(optarg, 1, 600000, &errstr);
			if (errstr != NULL)
				errx(2, "first wait %s: %s", optarg, errstr);
			break;
		case 'n':
			count = (size_t)strtonum(optarg, 1, PROBE_MAXBURST,
			    &errstr);
			if (errstr != NULL)
				errx(2, "count %s: %s", optarg, errstr);
			break;
		case 'p':
			port = (int)strtonum(optarg, 1, 65535, &errstr);
			if (errstr != NULL)
				errx(2, "port %s: %s", optarg, errstr);
			break;
		case 'w':
			wait_ms = (int)strtonum(optarg, 1, 60000, &errstr);
			if (errstr != NULL)
				errx(2, "wait %s: %s", optarg, errstr);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1 || port == 0)
		usage();
	kind = argv[0];
	burst = strcmp(kind, "burst") == 0;
	if (!burst)
		count = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1)
		errx(2, "bad address %s", addr);
	/* Loopback only: this program must never send anywhere else. */
	if ((ntohl(sin.sin_addr.s_addr) >> 24) != 127)
		errx(2, "%s is not a loopback address", addr);
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1)
		err(1, "socket");
	if (baddr != NULL) {
		memset(&bsin, 0, sizeof(bsin));
		bsin.sin_family = AF_INET;
		if (inet_pton(AF_INET, baddr, &bsin.sin_addr) != 1)
			errx(2, "bad bind address %s", baddr);
		if (bind(fd, (struct sockaddr *)&bsin, sizeof(bsin)) == -1)
			err(1, "bind %s", baddr);
	}
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		err(1, "connect");

	for (i = 0; i < count; i++) {
		len = build_kind(burst ? "v4" : kind, buf, sizeof(buf));
		if (len == -1)
			errx(2, "unknown kind '%s'", kind);
		if (send(fd, buf, (size_t)len, 0) != len)
			err(1, "send");
	}
	collect(fd, first_ms == -1 ? wait_ms : first_ms, wait_ms, &replies,
	    &kods);
	if (!burst && replies == 0)
		printf("noreply\n");
	printf("summary sent=%zu replies=%zu kod=%zu\n", count, replies, kods);
	close(fd);
	return 0;
}
