/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * reflect: the floor of `make bench`.  Not a test and not a server
 * anyone should run: it measures what answering NTP requests costs
 * when the program itself does next to nothing, so that what remains
 * is the kernel's share of a request/response over the socket API.
 *
 * One UDP socket on a loopback address.  A blocking recvmmsg(2) with
 * MSG_WAITFORONE reads up to -b datagrams (64) per call; each mode 3
 * request of at least 48 bytes is turned, in its own buffer, into the
 * smallest answer regress/bench/loadgen.c accepts as valid (mode 4,
 * the request's version, stratum 8, origin = the request's transmit
 * timestamp, receive and transmit timestamps from the clock) and the
 * batch goes back with one sendmmsg(2).  No poll, no logging, no
 * per-packet clock reading: one for the receive time of a batch, one
 * for its transmit time.
 *
 * -t turns SO_TIMESTAMPNS on and takes each receive timestamp from the
 * kernel, and -i turns IP_PKTINFO on, as our server's sockets have
 * both: the difference to the plain run is what those options cost.
 * -D sets IP_MTU_DISCOVER to IP_PMTUDISC_PROBE: the answers carry DF
 * and IP ID 0, which spares the kernel its IP ID generator.
 *
 * It binds only loopback addresses and stops by itself after -l
 * seconds (600) in case whoever started it does not stop it.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RF_MAXBATCH	256
#define RF_PKTLEN	48
#define RF_BUFLEN	1024	/* longer requests are answered too */
#define RF_STRATUM	8
#define NTP_UNIX	2208988800UL

struct rf_cmsg {
	union {
		struct cmsghdr	 hdr;
		uint8_t		 buf[CMSG_SPACE(sizeof(struct timespec)) +
				    CMSG_SPACE(sizeof(struct in_pktinfo))];
	} u;
};

static struct mmsghdr		 rf_rx[RF_MAXBATCH], rf_tx[RF_MAXBATCH];
static struct iovec		 rf_rxiov[RF_MAXBATCH], rf_txiov[RF_MAXBATCH];
static struct sockaddr_in	 rf_from[RF_MAXBATCH];
static struct rf_cmsg		 rf_cm[RF_MAXBATCH];
static uint8_t			 rf_buf[RF_MAXBATCH][RF_BUFLEN];

static __attribute__((noreturn)) void
rf_usage(void)
{
	fprintf(stderr, "usage: reflect -p port [-a loopback-address] "
	    "[-b batch] [-l seconds] [-D] [-i] [-t]\n");
	exit(2);
}

static long
rf_num(const char *s, long lo, long hi, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "reflect: %s must be %ld..%ld\n", what, lo,
		    hi);
		exit(2);
	}
	return v;
}

/* An NTP timestamp, big-endian, from a CLOCK_REALTIME reading. */
static void
rf_putts(uint8_t *p, const struct timespec *ts)
{
	uint64_t v;
	int i;

	v = ((uint64_t)ts->tv_sec + NTP_UNIX) << 32 |
	    (((uint64_t)ts->tv_nsec << 32) / 1000000000ULL);
	for (i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

/* The kernel's receive time of a datagram, if the socket gives one. */
static int
rf_rxstamp(struct msghdr *msg, struct timespec *ts)
{
	struct cmsghdr *cm;

	for (cm = CMSG_FIRSTHDR(msg); cm != NULL; cm = CMSG_NXTHDR(msg, cm))
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SO_TIMESTAMPNS &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(*ts))) {
			memcpy(ts, CMSG_DATA(cm), sizeof(*ts));
			return 1;
		}
	return 0;
}

int
main(int argc, char *argv[])
{
	struct sockaddr_in sin;
	struct timespec now, ts;
	const char *addr = "127.0.0.1";
	long port = -1, life = 600;
	unsigned int batch = 64, i, ntx, off;
	int ch, fd, n, on = 1, stamps = 0, pktinfo = 0, df = 0;
	int probe = IP_PMTUDISC_PROBE;
	uint8_t *p;

	while ((ch = getopt(argc, argv, "a:b:Dil:p:t")) != -1) {
		switch (ch) {
		case 'a':
			addr = optarg;
			break;
		case 'b':
			batch = (unsigned int)rf_num(optarg, 1, RF_MAXBATCH,
			    "-b batch");
			break;
		case 'D':
			df = 1;
			break;
		case 'i':
			pktinfo = 1;
			break;
		case 'l':
			life = rf_num(optarg, 1, 86400, "-l seconds");
			break;
		case 'p':
			port = rf_num(optarg, 1, 65535, "-p port");
			break;
		case 't':
			stamps = 1;
			break;
		default:
			rf_usage();
		}
	}
	if (port == -1 || optind != argc)
		rf_usage();
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1 ||
	    (ntohl(sin.sin_addr.s_addr) >> 24) != 127) {
		fprintf(stderr, "reflect: %s is not an IPv4 loopback "
		    "address\n", addr);
		return 2;
	}
	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		perror("reflect: socket");
		return 1;
	}
	if ((stamps && setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on,
	    sizeof(on)) == -1) || (pktinfo && setsockopt(fd, IPPROTO_IP,
	    IP_PKTINFO, &on, sizeof(on)) == -1) || (df && setsockopt(fd,
	    IPPROTO_IP, IP_MTU_DISCOVER, &probe, sizeof(probe)) == -1)) {
		perror("reflect: setsockopt");
		return 1;
	}
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		perror("reflect: bind");
		return 1;
	}
	/* SIGALRM's default action ends us. */
	alarm((unsigned int)life);

	for (i = 0; i < batch; i++) {
		rf_rxiov[i].iov_base = rf_buf[i];
		rf_rxiov[i].iov_len = sizeof(rf_buf[i]);
		rf_txiov[i].iov_base = rf_buf[i];
		rf_txiov[i].iov_len = RF_PKTLEN;
	}
	for (;;) {
		for (i = 0; i < batch; i++) {
			struct msghdr *m = &rf_rx[i].msg_hdr;

			m->msg_name = &rf_from[i];
			m->msg_namelen = sizeof(rf_from[i]);
			m->msg_iov = &rf_rxiov[i];
			m->msg_iovlen = 1;
			m->msg_control = (stamps || pktinfo) ?
			    rf_cm[i].u.buf : NULL;
			m->msg_controllen = (stamps || pktinfo) ?
			    sizeof(rf_cm[i].u.buf) : 0;
			m->msg_flags = 0;
		}
		n = recvmmsg(fd, rf_rx, batch, MSG_WAITFORONE, NULL);
		if (n == -1) {
			if (errno == EINTR || errno == EAGAIN ||
			    errno == ECONNREFUSED)
				continue;
			perror("reflect: recvmmsg");
			return 1;
		}
		clock_gettime(CLOCK_REALTIME, &now);
		ntx = 0;
		for (i = 0; i < (unsigned int)n; i++) {
			p = rf_buf[i];
			if (rf_rx[i].msg_len < RF_PKTLEN || (p[0] & 7) != 3)
				continue;
			if (!stamps || !rf_rxstamp(&rf_rx[i].msg_hdr, &ts))
				ts = now;
			p[0] = (uint8_t)(p[0] & 0x38) | 4;  /* LI 0, VN, 4 */
			p[1] = RF_STRATUM;
			memset(p + 4, 0, 8);		/* root delay, disp */
			memcpy(p + 12, "LOCL", 4);
			memcpy(p + 24, p + 40, 8);	/* org = their xmt */
			rf_putts(p + 16, &now);		/* reference time */
			rf_putts(p + 32, &ts);		/* receive time */
			memset(&rf_tx[ntx], 0, sizeof(rf_tx[ntx]));
			rf_tx[ntx].msg_hdr.msg_name = &rf_from[i];
			rf_tx[ntx].msg_hdr.msg_namelen =
			    rf_rx[i].msg_hdr.msg_namelen;
			rf_tx[ntx].msg_hdr.msg_iov = &rf_txiov[i];
			rf_tx[ntx].msg_hdr.msg_iovlen = 1;
			ntx++;
		}
		if (ntx == 0)
			continue;
		clock_gettime(CLOCK_REALTIME, &now);
		for (i = 0; i < ntx; i++)
			rf_putts((uint8_t *)rf_tx[i].msg_hdr.msg_iov->iov_base +
			    40, &now);		/* transmit time */
		/* A datagram the kernel refuses is skipped, not retried. */
		for (off = 0; off < ntx; ) {
			n = sendmmsg(fd, rf_tx + off, ntx - off, 0);
			off += n > 0 ? (unsigned int)n : 1;
		}
	}
}
