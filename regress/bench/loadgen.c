/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * loadgen: the NTP server load generator behind `make bench`.  Not a
 * test: it measures.
 *
 * It keeps a window of mode 3 requests in flight on each of several
 * connected UDP sockets and refills the window as responses come back,
 * so the server is driven as fast as it answers while its receive
 * queue stays bounded (a blind flood would only measure how many
 * datagrams the kernel drops).  Each request carries a transmit
 * timestamp that is unique in the run; it names the slot it was sent
 * from, so a response is matched in O(1) and checked: mode 4, the
 * version we sent, stratum 1..15, origin equal to a transmit timestamp
 * still in flight.  A request unanswered after the timeout is lost and
 * its slot is reused.  Latency is send to receive on CLOCK_MONOTONIC,
 * one clock reading per batch of datagrams.
 *
 * It only ever sends to a loopback address and it stops by itself
 * (duration and request count are both bounded).
 *
 * -K cookie: Autokey mode (IPv4).  Each request carries a MAC as an
 * Autokey client's packets do once it holds its cookie (from
 * regress/bench/akcookie_helper): a key ID above 65535, and MD5(session
 * key || packet), the session key being MD5(source, destination, key
 * ID, cookie).  A response is valid only if it also carries a MAC with
 * the same key ID that verifies with the session key of the reverse
 * direction.
 */

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#define LG_MAXSOCKS	64
#define LG_MAXWINDOW	256
#define LG_SLOTBITS	14		/* socket * window < 2^14 */
#define LG_BATCH	64		/* datagrams per sendmmsg/recvmmsg */
#define LG_PKTLEN	48
#define LG_MACPKTLEN	68		/* 48 + key ID + MD5 */
#define LG_MAXDUR	600		/* s: hard bound on -d */
#define NTP_UNIX	2208988800UL

/* Latency histogram: 100 ns steps to 10 ms, then 10 us steps to 1 s. */
#define LG_FINE_NS	100
#define LG_FINE_N	100000
#define LG_COARSE_NS	10000
#define LG_COARSE_N	100000

struct lg_slot {
	uint64_t	 xmt;		/* what we sent, 0: free */
	uint64_t	 sent_ns;	/* CLOCK_MONOTONIC */
};

struct lg_sock {
	int		 fd;
	struct lg_slot	 slot[LG_MAXWINDOW];
	int		 inflight;
	uint32_t	 gen;
};

struct lg_stats {
	uint64_t	 sent, valid, invalid, unmatched, lost, send_err;
	uint64_t	 bad_mode, bad_version, bad_stratum, bad_len, bad_mac;
	uint64_t	 lat_fine[LG_FINE_N];
	uint64_t	 lat_coarse[LG_COARSE_N];
	uint64_t	 lat_over;
	uint64_t	 lat_sum_ns;
	uint64_t	 last_valid_ns;	/* CLOCK_MONOTONIC */
};

static struct lg_sock	 lg_socks[LG_MAXSOCKS];
static struct lg_stats	 lg_st;
static int		 lg_nsocks = 8, lg_window = 16, lg_version = 4;
static uint64_t		 lg_timeout_ns = 500000000ULL;

/* -K: Autokey MACs with this cookie */
static int		 lg_ak;
static uint32_t		 lg_cookie;
static uint8_t		 lg_srcaddr[4], lg_dstaddr[4];
static EVP_MD_CTX	*lg_mdctx;

static __attribute__((noreturn)) void
lg_usage(void)
{
	fprintf(stderr, "usage: loadgen -p port [-a loopback-address] "
	    "[-s sockets] [-w window] [-d seconds] [-n count]\n"
	    "               [-t timeout-ms] [-V version] [-k] [-K cookie]\n");
	exit(2);
}

static uint64_t
lg_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static long
lg_num(const char *s, long lo, long hi, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "loadgen: %s must be %ld..%ld\n", what, lo,
		    hi);
		exit(2);
	}
	return v;
}

/* Loopback only: 127.0.0.0/8 or ::1.  Anything else is refused. */
static int
lg_addr(const char *s, uint16_t port, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &sin->sin_addr) == 1) {
		if ((ntohl(sin->sin_addr.s_addr) >> 24) != 127)
			return -1;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		*len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, s, &sin6->sin6_addr) == 1) {
		if (!IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr))
			return -1;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		*len = sizeof(*sin6);
		return 0;
	}
	return -1;
}

static void
lg_put64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

static uint64_t
lg_get64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/*
 * A transmit timestamp that is unique in the run and names its slot:
 * NTP seconds now, then a per-socket generation, then the slot number
 * in the low LG_SLOTBITS bits.  The generation makes a late answer to
 * a slot's previous request fail the match instead of passing.
 */
static uint64_t
lg_xmt(struct lg_sock *s, int sockidx, int slot, uint32_t ntpsec)
{
	uint32_t id, frac;

	id = (uint32_t)(sockidx * lg_window + slot);
	s->gen++;
	frac = s->gen << LG_SLOTBITS | id;
	return (uint64_t)ntpsec << 32 | frac;
}

static void
lg_latency(uint64_t ns)
{
	lg_st.lat_sum_ns += ns;
	if (ns / LG_FINE_NS < LG_FINE_N)
		lg_st.lat_fine[ns / LG_FINE_NS]++;
	else if (ns / LG_COARSE_NS < LG_COARSE_N)
		lg_st.lat_coarse[ns / LG_COARSE_NS]++;
	else
		lg_st.lat_over++;
}

/* The latency (ns) below which fraction q of the valid answers fell. */
static double
lg_quantile(double q)
{
	uint64_t want, seen = 0;
	size_t i;

	if (lg_st.valid == 0)
		return 0;
	want = (uint64_t)(q * (double)lg_st.valid);
	if (want < 1)
		want = 1;
	for (i = 0; i < LG_FINE_N; i++)
		if ((seen += lg_st.lat_fine[i]) >= want)
			return (double)(i * LG_FINE_NS + LG_FINE_NS / 2);
	for (i = 0; i < LG_COARSE_N; i++)
		if ((seen += lg_st.lat_coarse[i]) >= want)
			return (double)(i * LG_COARSE_NS + LG_COARSE_NS / 2);
	return (double)LG_COARSE_N * LG_COARSE_NS;
}

/*
 * The Autokey MAC of pkt[0..48) under keyid, from src to dst: the
 * digest goes to out (16 bytes).
 */
static int
lg_akmac(const uint8_t *src, const uint8_t *dst, uint32_t keyid,
    const uint8_t *pkt, uint8_t *out)
{
	uint8_t b[16], key[EVP_MAX_MD_SIZE];
	unsigned int kl = 0, dl = 0;
	int i;

	memcpy(b, src, 4);
	memcpy(b + 4, dst, 4);
	for (i = 0; i < 4; i++) {
		b[8 + i] = (uint8_t)(keyid >> (24 - 8 * i));
		b[12 + i] = (uint8_t)(lg_cookie >> (24 - 8 * i));
	}
	if (EVP_DigestInit_ex(lg_mdctx, EVP_md5(), NULL) != 1 ||
	    EVP_DigestUpdate(lg_mdctx, b, sizeof(b)) != 1 ||
	    EVP_DigestFinal_ex(lg_mdctx, key, &kl) != 1 ||
	    EVP_DigestInit_ex(lg_mdctx, EVP_md5(), NULL) != 1 ||
	    EVP_DigestUpdate(lg_mdctx, key, kl) != 1 ||
	    EVP_DigestUpdate(lg_mdctx, pkt, LG_PKTLEN) != 1 ||
	    EVP_DigestFinal_ex(lg_mdctx, out, &dl) != 1 || dl != 16)
		return -1;
	return 0;
}

/* Fill the free slots of socket i with requests; returns how many. */
static int
lg_fill(int i, uint64_t now, uint64_t *budget)
{
	static uint8_t pkt[LG_BATCH][LG_MACPKTLEN];
	uint32_t keyid;
	struct mmsghdr mm[LG_BATCH];
	struct iovec iov[LG_BATCH];
	int slots[LG_BATCH];
	struct lg_sock *s = &lg_socks[i];
	struct timespec rt;
	uint32_t ntpsec;
	int k, n = 0, sent;

	clock_gettime(CLOCK_REALTIME, &rt);
	ntpsec = (uint32_t)((uint64_t)rt.tv_sec + NTP_UNIX);
	for (k = 0; k < lg_window && n < LG_BATCH && *budget > 0; k++) {
		if (s->slot[k].xmt != 0)
			continue;
		memset(pkt[n], 0, LG_PKTLEN);
		pkt[n][0] = (uint8_t)(lg_version << 3 | 3);	/* LI 0, mode 3 */
		pkt[n][2] = 6;					/* poll 64 s */
		pkt[n][3] = (uint8_t)-20;			/* precision */
		s->slot[k].xmt = lg_xmt(s, i, k, ntpsec);
		s->slot[k].sent_ns = now;
		lg_put64(pkt[n] + 40, s->slot[k].xmt);
		iov[n].iov_base = pkt[n];
		iov[n].iov_len = LG_PKTLEN;
		if (lg_ak) {
			/* a key ID per request, always an Autokey one */
			keyid = (uint32_t)s->slot[k].xmt | 0x80000000U;
			pkt[n][48] = (uint8_t)(keyid >> 24);
			pkt[n][49] = (uint8_t)(keyid >> 16);
			pkt[n][50] = (uint8_t)(keyid >> 8);
			pkt[n][51] = (uint8_t)keyid;
			if (lg_akmac(lg_srcaddr, lg_dstaddr, keyid, pkt[n],
			    pkt[n] + 52) == -1) {
				s->slot[k].xmt = 0;
				break;
			}
			iov[n].iov_len = LG_MACPKTLEN;
		}
		memset(&mm[n], 0, sizeof(mm[n]));
		mm[n].msg_hdr.msg_iov = &iov[n];
		mm[n].msg_hdr.msg_iovlen = 1;
		slots[n] = k;
		n++;
		(*budget)--;
	}
	if (n == 0)
		return 0;
	sent = sendmmsg(s->fd, mm, (unsigned int)n, MSG_DONTWAIT);
	if (sent < 0)
		sent = 0;
	/* What the kernel did not take goes back to the free slots. */
	for (k = sent; k < n; k++) {
		s->slot[slots[k]].xmt = 0;
		lg_st.send_err++;
		(*budget)++;
	}
	s->inflight += sent;
	lg_st.sent += (uint64_t)sent;
	return sent;
}

/* An Autokey response: our key ID, and a MAC that verifies. */
static int
lg_akcheck(const uint8_t *p, size_t len, uint64_t org)
{
	uint8_t d[16];
	uint32_t keyid = (uint32_t)org | 0x80000000U;

	if (len != LG_MACPKTLEN || p[48] != (uint8_t)(keyid >> 24) ||
	    p[49] != (uint8_t)(keyid >> 16) || p[50] != (uint8_t)(keyid >> 8) ||
	    p[51] != (uint8_t)keyid)
		return 0;
	if (lg_akmac(lg_dstaddr, lg_srcaddr, keyid, p, d) == -1)
		return 0;
	return CRYPTO_memcmp(d, p + 52, sizeof(d)) == 0;
}

static void
lg_check(int i, const uint8_t *p, size_t len, uint64_t now)
{
	struct lg_sock *s = &lg_socks[i];
	uint64_t org;
	uint32_t id;
	int slot, mode, version, stratum;

	if (len < LG_PKTLEN) {
		lg_st.bad_len++;
		lg_st.invalid++;
		return;
	}
	mode = p[0] & 7;
	version = p[0] >> 3 & 7;
	stratum = p[1];
	org = lg_get64(p + 24);
	id = (uint32_t)org & ((1U << LG_SLOTBITS) - 1);
	slot = (int)id - i * lg_window;
	if (slot < 0 || slot >= lg_window || s->slot[slot].xmt == 0 ||
	    s->slot[slot].xmt != org) {
		lg_st.unmatched++;
		return;
	}
	s->slot[slot].xmt = 0;
	s->inflight--;
	if (mode != 4) {
		lg_st.bad_mode++;
		lg_st.invalid++;
	} else if (version != lg_version) {
		lg_st.bad_version++;
		lg_st.invalid++;
	} else if (stratum < 1 || stratum > 15) {
		lg_st.bad_stratum++;
		lg_st.invalid++;
	} else if (lg_ak && !lg_akcheck(p, len, org)) {
		lg_st.bad_mac++;
		lg_st.invalid++;
	} else {
		lg_st.valid++;
		lg_st.last_valid_ns = now;
		lg_latency(now - s->slot[slot].sent_ns);
	}
}

static void
lg_drain(int i)
{
	static uint8_t buf[LG_BATCH][LG_PKTLEN + 464];
	struct mmsghdr mm[LG_BATCH];
	struct iovec iov[LG_BATCH];
	uint64_t now;
	int k, n;

	for (;;) {
		for (k = 0; k < LG_BATCH; k++) {
			iov[k].iov_base = buf[k];
			iov[k].iov_len = sizeof(buf[k]);
			memset(&mm[k], 0, sizeof(mm[k]));
			mm[k].msg_hdr.msg_iov = &iov[k];
			mm[k].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(lg_socks[i].fd, mm, LG_BATCH, MSG_DONTWAIT,
		    NULL);
		if (n <= 0)
			return;
		now = lg_mono_ns();
		for (k = 0; k < n; k++)
			lg_check(i, buf[k], mm[k].msg_len, now);
		if (n < LG_BATCH)
			return;
	}
}

/* Requests older than the timeout are lost; their slots are freed. */
static void
lg_expire(uint64_t now)
{
	int i, k;

	for (i = 0; i < lg_nsocks; i++)
		for (k = 0; k < lg_window; k++) {
			struct lg_slot *sl = &lg_socks[i].slot[k];

			if (sl->xmt != 0 && now - sl->sent_ns > lg_timeout_ns) {
				sl->xmt = 0;
				lg_socks[i].inflight--;
				lg_st.lost++;
			}
		}
}

int
main(int argc, char *argv[])
{
	struct pollfd pfd[LG_MAXSOCKS];
	struct sockaddr_storage to;
	socklen_t tolen = 0;
	const char *addr = "127.0.0.1";
	uint64_t budget = UINT64_MAX, start, now, end, stop_send, last_exp;
	struct rusage ru;
	double secs, elapsed, cpu;
	long port = -1, dur = 5;
	int ch, i, inflight, keyval = 0, rcvbuf = 1 << 20;

	while ((ch = getopt(argc, argv, "a:d:K:kn:p:s:t:V:w:")) != -1) {
		switch (ch) {
		case 'K': {
			char *ep;
			unsigned long c;

			errno = 0;
			c = strtoul(optarg, &ep, 16);
			if (errno != 0 || *ep != '\0' || c > 0xffffffffUL)
				lg_usage();
			lg_cookie = (uint32_t)c;
			lg_ak = 1;
			break;
		}
		case 'a':
			addr = optarg;
			break;
		case 'd':
			dur = lg_num(optarg, 1, LG_MAXDUR, "-d seconds");
			break;
		case 'k':
			keyval = 1;
			break;
		case 'n':
			budget = (uint64_t)lg_num(optarg, 1, 1000000000L,
			    "-n count");
			break;
		case 'p':
			port = lg_num(optarg, 1, 65535, "-p port");
			break;
		case 's':
			lg_nsocks = (int)lg_num(optarg, 1, LG_MAXSOCKS,
			    "-s sockets");
			break;
		case 't':
			lg_timeout_ns = (uint64_t)lg_num(optarg, 1, 10000,
			    "-t timeout-ms") * 1000000ULL;
			break;
		case 'V':
			lg_version = (int)lg_num(optarg, 1, 4, "-V version");
			break;
		case 'w':
			lg_window = (int)lg_num(optarg, 1, LG_MAXWINDOW,
			    "-w window");
			break;
		default:
			lg_usage();
		}
	}
	if (port == -1 || optind != argc)
		lg_usage();
	if (lg_nsocks * lg_window >= 1 << LG_SLOTBITS) {
		fprintf(stderr, "loadgen: sockets * window must be below "
		    "%d\n", 1 << LG_SLOTBITS);
		return 2;
	}
	if (lg_addr(addr, (uint16_t)port, &to, &tolen) == -1) {
		fprintf(stderr, "loadgen: %s is not a loopback address; "
		    "refusing to send\n", addr);
		return 2;
	}

	if (lg_ak) {
		struct sockaddr_in la;
		socklen_t ll = sizeof(la);
		int t;

		/* The session key covers our address: learn it once. */
		if (to.ss_family != AF_INET ||
		    (lg_mdctx = EVP_MD_CTX_new()) == NULL ||
		    (t = socket(AF_INET, SOCK_DGRAM, 0)) == -1) {
			fprintf(stderr, "loadgen: -K needs IPv4\n");
			return 2;
		}
		if (connect(t, (struct sockaddr *)&to, tolen) == -1 ||
		    getsockname(t, (struct sockaddr *)&la, &ll) == -1) {
			perror("loadgen: connect");
			return 1;
		}
		close(t);
		memcpy(lg_srcaddr, &la.sin_addr, 4);
		memcpy(lg_dstaddr, &((struct sockaddr_in *)&to)->sin_addr, 4);
	}
	for (i = 0; i < lg_nsocks; i++) {
		if ((lg_socks[i].fd = socket(to.ss_family, SOCK_DGRAM, 0)) ==
		    -1) {
			perror("loadgen: socket");
			return 1;
		}
		/* Room for a whole window of answers per socket. */
		setsockopt(lg_socks[i].fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
		    sizeof(rcvbuf));
		/* Connected: the kernel drops datagrams from anyone else. */
		if (connect(lg_socks[i].fd, (struct sockaddr *)&to, tolen) ==
		    -1) {
			perror("loadgen: connect");
			return 1;
		}
		pfd[i].fd = lg_socks[i].fd;
		pfd[i].events = POLLIN;
	}

	start = last_exp = lg_mono_ns();
	stop_send = start + (uint64_t)dur * 1000000000ULL;
	/* After the last send, wait out the timeout for stragglers. */
	end = stop_send + lg_timeout_ns;
	for (;;) {
		now = lg_mono_ns();
		if (now >= end)
			break;
		if (now >= stop_send)
			budget = 0;
		for (i = 0; i < lg_nsocks; i++)
			lg_fill(i, now, &budget);
		inflight = 0;
		for (i = 0; i < lg_nsocks; i++)
			inflight += lg_socks[i].inflight;
		if (inflight == 0 && budget == 0)
			break;
		if (poll(pfd, (nfds_t)lg_nsocks, 10) == -1 && errno != EINTR) {
			perror("loadgen: poll");
			return 1;
		}
		for (i = 0; i < lg_nsocks; i++)
			if (pfd[i].revents & POLLIN)
				lg_drain(i);
			else if (pfd[i].revents & POLLERR) {
				/* ICMP port unreachable: nobody listens. */
				int e;
				socklen_t el = sizeof(e);

				getsockopt(pfd[i].fd, SOL_SOCKET, SO_ERROR,
				    &e, &el);
			}
		now = lg_mono_ns();
		if (now - last_exp > lg_timeout_ns / 4) {
			lg_expire(now);
			last_exp = now;
		}
	}
	lg_expire(UINT64_MAX);
	/* The rate is over the time answers kept coming, not the wait. */
	elapsed = (double)(lg_mono_ns() - start) / 1e9;
	secs = lg_st.valid > 0 ?
	    (double)(lg_st.last_valid_ns - start) / 1e9 : elapsed;
	if (secs <= 0)
		secs = elapsed;
	/* Our own CPU time: tells whether the generator was the limit. */
	getrusage(RUSAGE_SELF, &ru);
	cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;

	if (keyval) {
		printf("sent=%llu valid=%llu invalid=%llu unmatched=%llu "
		    "lost=%llu loss_pct=%.3f rps=%.0f p50_us=%.1f "
		    "p99_us=%.1f mean_us=%.1f secs=%.3f gen_cpu_pct=%.0f\n",
		    (unsigned long long)lg_st.sent,
		    (unsigned long long)lg_st.valid,
		    (unsigned long long)lg_st.invalid,
		    (unsigned long long)lg_st.unmatched,
		    (unsigned long long)lg_st.lost,
		    lg_st.sent ? 100.0 * (double)(lg_st.sent - lg_st.valid) /
		    (double)lg_st.sent : 0.0,
		    (double)lg_st.valid / secs, lg_quantile(0.5) / 1e3,
		    lg_quantile(0.99) / 1e3,
		    lg_st.valid ? (double)lg_st.lat_sum_ns /
		    (double)lg_st.valid / 1e3 : 0.0, secs,
		    100.0 * cpu / elapsed);
	} else {
		printf("requests sent      %llu (%d sockets, window %d, "
		    "%.1f s)\n", (unsigned long long)lg_st.sent, lg_nsocks,
		    lg_window, secs);
		printf("valid responses    %llu\n",
		    (unsigned long long)lg_st.valid);
		printf("invalid responses  %llu (mode %llu, version %llu, "
		    "stratum %llu, short %llu, MAC %llu)\n",
		    (unsigned long long)lg_st.invalid,
		    (unsigned long long)lg_st.bad_mode,
		    (unsigned long long)lg_st.bad_version,
		    (unsigned long long)lg_st.bad_stratum,
		    (unsigned long long)lg_st.bad_len,
		    (unsigned long long)lg_st.bad_mac);
		printf("unmatched/late     %llu\n",
		    (unsigned long long)lg_st.unmatched);
		printf("lost (timeout)     %llu\n",
		    (unsigned long long)lg_st.lost);
		printf("loss               %.3f %%\n", lg_st.sent ?
		    100.0 * (double)(lg_st.sent - lg_st.valid) /
		    (double)lg_st.sent : 0.0);
		printf("responses/s        %.0f\n", (double)lg_st.valid / secs);
		printf("latency p50/p99    %.1f / %.1f us\n",
		    lg_quantile(0.5) / 1e3, lg_quantile(0.99) / 1e3);
		printf("generator CPU      %.0f %% of one CPU\n",
		    100.0 * cpu / elapsed);
	}
	return lg_st.valid > 0 ? 0 : 1;
}
