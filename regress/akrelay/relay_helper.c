/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * relay_helper: a UDP relay on loopback between an NTP client and its
 * server that passes datagrams through or tampers with the ones it is
 * told to, so that the Autokey tests can show that a client never
 * accepts a tampered packet.  The client is configured with the
 * relay's port as its server's port; all addresses are 127.0.0.1, so
 * the Autokey session keys (which cover addresses, not ports) are the
 * same as without the relay.
 *
 * usage: relay_helper -l lport -s sport [-m mode] [-d s2c|c2s|both]
 *	      [-k K | -e N] [-f first] [-t any|ext|noext] [-b bit|rand]
 *	      [-T len] [-P off:hex[,off:hex...]] [-D ms] [-H ms]
 *	      [-o statsfile] [-L secs] [-r seed] [-v]
 *
 *   -l, -s	the relay's port (the client sends here) and the server's
 *   -m mode	pass	forward everything unchanged (default)
 *		flip	flip one bit (-b) of each selected datagram
 *		preflip	send a copy with one bit (-b) flipped ahead of each
 *			selected datagram, which follows unchanged: a
 *			forgery racing the genuine answer
 *		trunc	truncate each selected datagram (-T)
 *		drop	do not forward the selected datagrams
 *		reorder	hold a selected datagram and send it right after
 *			the next one in the same direction (or after -H ms)
 *		replay	forward the selected datagram, and send a copy of
 *			it again later: after the next datagram in that
 *			direction, or -D ms later
 *		poke	overwrite bytes (-P) of each selected datagram
 *   -d dir	which direction is tampered with (s2c: server responses,
 *		the default; c2s: client requests; both)
 *   -t type	only datagrams with extension fields (ext), only without
 *		(noext), or any (default); only these are counted below
 *   -f first	leave the first datagrams of that type alone (default 0)
 *   -k K	select only the K-th datagram after those (1-based)
 *   -e N	select every N-th (default: every one)
 *   -b bit	bit index from the start (0 = top bit of byte 0), negative
 *		from the end (-1 = lowest bit of the last byte), or "rand"
 *		for a random bit of each datagram (default rand)
 *   -T len	keep len bytes, or drop -len bytes from the end (default
 *		-1); a datagram shorter than len is dropped instead, so it
 *		never passes untouched
 *   -P list	for poke: comma-separated OFFSET:HEXBYTES, the offset
 *		from the start or, negative, from the end; a datagram too
 *		short for one of them is dropped instead
 *   -o file	statistics, rewritten after every datagram (key=value)
 *   -L secs	exit after secs seconds (default 300)
 *   -r seed	seed for -b rand (default: from the clock)
 *   -v		one line per datagram on stderr
 *
 * Statistics, for each direction DIR (c2s, s2c): DIR_in (received),
 * DIR_out (datagrams written, copies included), DIR_selected,
 * DIR_flipped, DIR_truncated, DIR_poked, DIR_dropped, DIR_reordered
 * (held and released late), DIR_replayed (extra copies sent),
 * DIR_tampered (flipped + truncated + poked: datagrams altered before
 * being sent), and
 * DIR_genuine (datagrams forwarded unaltered, in order, once).
 * The statistics file is also written at exit (SIGTERM, SIGINT, -L).
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RELAY_MAXPKT	65536
#define RELAY_MAXQ	64
#define NTP_HDRLEN	48
#define RELAY_MAXPOKE	8

enum relay_mode { M_PASS, M_FLIP, M_TRUNC, M_DROP, M_REORDER, M_REPLAY,
    M_POKE, M_PREFLIP };
enum relay_dir { D_C2S, D_S2C, D_NDIR };
enum relay_type { T_ANY, T_EXT, T_NOEXT };

struct relay_stats {
	unsigned long	 in, out, selected, flipped, truncated, poked, dropped;
	unsigned long	 reordered, replayed, genuine;
};

/* A datagram waiting to be sent later (reorder, replay). */
struct relay_item {
	int		 used;
	int		 dir;
	int		 after_next;	/* send after the next datagram */
	unsigned long	 seq;		/* dir's datagram count when queued */
	long long	 deadline;	/* ms, CLOCK_MONOTONIC */
	int		 held;		/* reorder (else a replay copy) */
	size_t		 len;
	uint8_t		 buf[RELAY_MAXPKT];
};

static const char *const dirname_[D_NDIR] = { "c2s", "s2c" };

static struct relay_stats st[D_NDIR];
static unsigned long	 typed[D_NDIR];	/* datagrams of the -t type */
static struct relay_item q[RELAY_MAXQ];
static const char	*statsfile;
static volatile sig_atomic_t quit;

static enum relay_mode	 mode = M_PASS;
static int		 tdir[D_NDIR] = { 0, 1 };
static enum relay_type	 ttype = T_ANY;
static unsigned long	 first, onlyk, everyn = 1;
static long		 bitarg;
static int		 bitrand = 1;
static long		 trunclen = -1;
static long		 delay_ms = -1;	/* replay: -1 = after the next */
static long		 hold_ms = 4000;
static int		 verbose;

/* -P: bytes to write at an offset (negative: from the end) */
static struct {
	long		 off;
	size_t		 len;
	uint8_t		 val[64];
} pokes[RELAY_MAXPOKE];
static size_t		 npokes;

static int		 lsock, usock;
static struct sockaddr_in client;
static int		 have_client;

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: relay_helper -l lport -s sport [-m mode] "
	    "[-d s2c|c2s|both] [-k K | -e N] [-f first]\n"
	    "\t[-t any|ext|noext] [-b bit|rand] [-T len] "
	    "[-P off:hex[,off:hex...]] [-D ms] [-H ms]\n"
	    "\t[-o statsfile] [-L secs] [-r seed] [-v]\n");
	exit(2);
}

static long
num(const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		errx(2, "bad number: %s", s);
	return v;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
write_stats(void)
{
	char tmp[PATH_MAX];
	FILE *f;
	int d;

	if (statsfile == NULL)
		return;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", statsfile) >=
	    (int)sizeof(tmp))
		return;
	if ((f = fopen(tmp, "w")) == NULL)
		return;
	for (d = 0; d < D_NDIR; d++) {
		const char *n = dirname_[d];
		const struct relay_stats *s = &st[d];

		fprintf(f, "%s_in=%lu\n%s_out=%lu\n%s_selected=%lu\n"
		    "%s_flipped=%lu\n%s_truncated=%lu\n%s_poked=%lu\n"
		    "%s_dropped=%lu\n%s_reordered=%lu\n%s_replayed=%lu\n"
		    "%s_tampered=%lu\n%s_genuine=%lu\n", n, s->in, n, s->out,
		    n, s->selected, n, s->flipped, n, s->truncated, n,
		    s->poked, n, s->dropped, n, s->reordered, n, s->replayed,
		    n, s->flipped + s->truncated + s->poked, n, s->genuine);
	}
	if (fclose(f) == 0)
		(void)rename(tmp, statsfile);
}

static void
onsig(int sig)
{
	(void)sig;
	quit = 1;
}

/* The first extension field's code, for the log: "" if none. */
static const char *
ext_name(const uint8_t *p, size_t len, char *buf, size_t blen)
{
	static const char *const names[] = { "NULL", "ASSOC", "CERT", "COOK",
	    "AUTO", "LEAP", "SIGN", "IFF", "GQ", "MV" };
	uint32_t w;
	unsigned int code;

	/* a bare MAC trailer is 20 or 24 bytes; more means fields */
	if (len <= NTP_HDRLEN + 24) {
		snprintf(buf, blen, "-");
		return buf;
	}
	w = (uint32_t)p[48] << 24 | (uint32_t)p[49] << 16 |
	    (uint32_t)p[50] << 8 | p[51];
	code = (w >> 16) & 0xff;
	snprintf(buf, blen, "%s%s%s", code < 10 ? names[code] : "?",
	    w & 0x80000000U ? "-resp" : "-req", w & 0x40000000U ? "-err" : "");
	return buf;
}

static int
has_ext(size_t len)
{
	return len > NTP_HDRLEN + 24;
}

static void
send_dir(int dir, const uint8_t *buf, size_t len)
{
	ssize_t n;

	if (dir == D_C2S)
		n = send(usock, buf, len, 0);
	else {
		if (!have_client)
			return;
		n = sendto(lsock, buf, len, 0, (const struct sockaddr *)&client,
		    sizeof(client));
	}
	if (n == -1)
		warn("send %s", dirname_[dir]);
	else
		st[dir].out++;
}

static void
log_pkt(int dir, unsigned long idx, size_t len, const uint8_t *buf,
    const char *what)
{
	char en[32];

	if (!verbose)
		return;
	fprintf(stderr, "relay: %s #%lu len=%zu ef=%s: %s\n", dirname_[dir],
	    idx, len, ext_name(buf, len, en, sizeof(en)), what);
}

static struct relay_item *
q_alloc(void)
{
	int i;

	for (i = 0; i < RELAY_MAXQ; i++)
		if (!q[i].used)
			return &q[i];
	return NULL;
}

static void
q_send(struct relay_item *it)
{
	send_dir(it->dir, it->buf, it->len);
	if (it->held)
		st[it->dir].reordered++;
	else
		st[it->dir].replayed++;
	if (verbose)
		fprintf(stderr, "relay: %s %s datagram of %zu bytes sent\n",
		    dirname_[it->dir], it->held ? "held" : "replayed copy of a",
		    it->len);
	it->used = 0;
}

/* After a datagram in dir went out: what waited for "the next one". */
static void
q_after(int dir, unsigned long seq)
{
	int i;

	for (i = 0; i < RELAY_MAXQ; i++)
		if (q[i].used && q[i].dir == dir && q[i].after_next &&
		    q[i].seq < seq)
			q_send(&q[i]);
}

static void
q_timers(void)
{
	long long t = now_ms();
	int i;

	for (i = 0; i < RELAY_MAXQ; i++)
		if (q[i].used && q[i].deadline <= t)
			q_send(&q[i]);
}

static int
q_timeout(void)
{
	long long t = now_ms(), min = -1;
	int i;

	for (i = 0; i < RELAY_MAXQ; i++)
		if (q[i].used && (min == -1 || q[i].deadline < min))
			min = q[i].deadline;
	if (min == -1)
		return 1000;
	if (min <= t)
		return 0;
	return min - t > 1000 ? 1000 : (int)(min - t);
}

static int
selected(int dir, size_t len)
{
	unsigned long i;

	if (!tdir[dir])
		return 0;
	if ((ttype == T_EXT && !has_ext(len)) ||
	    (ttype == T_NOEXT && has_ext(len)))
		return 0;
	i = ++typed[dir];
	if (i <= first)
		return 0;
	i -= first;
	if (onlyk != 0)
		return i == onlyk;
	return i % everyn == 0;
}

static void
relay(int dir, uint8_t *buf, size_t len)
{
	struct relay_item *it;
	struct relay_stats *s = &st[dir];
	unsigned long seq;
	char what[64];
	size_t bit;
	long b;

	seq = ++s->in;
	if (!selected(dir, len) || mode == M_PASS) {
		log_pkt(dir, seq, len, buf, "pass");
		send_dir(dir, buf, len);
		s->genuine++;
		q_after(dir, seq);
		write_stats();
		return;
	}
	s->selected++;
	switch (mode) {
	case M_FLIP:
	case M_PREFLIP:
		if (len == 0) {
			log_pkt(dir, seq, len, buf, "empty: dropped");
			s->dropped++;
			break;
		}
		if (bitrand)
			bit = (size_t)random() % (len * 8);
		else {
			b = bitarg < 0 ? (long)(len * 8) + bitarg : bitarg;
			if (b < 0 || (size_t)b >= len * 8)
				b = (long)(len * 8) - 1;
			bit = (size_t)b;
		}
		buf[bit / 8] ^= (uint8_t)(0x80 >> (bit % 8));
		snprintf(what, sizeof(what), "%sflip bit %zu (byte %zu)",
		    mode == M_PREFLIP ? "copy first, " : "", bit, bit / 8);
		log_pkt(dir, seq, len, buf, what);
		send_dir(dir, buf, len);
		s->flipped++;
		if (mode == M_PREFLIP) {
			buf[bit / 8] ^= (uint8_t)(0x80 >> (bit % 8));
			send_dir(dir, buf, len);
			s->genuine++;
		}
		break;
	case M_TRUNC: {
		size_t nl;

		if (trunclen >= 0)
			nl = (size_t)trunclen;
		else
			nl = (size_t)-trunclen > len ? len :
			    len - (size_t)-trunclen;
		if (nl >= len) {
			log_pkt(dir, seq, len, buf, "too short: dropped");
			s->dropped++;
			break;
		}
		snprintf(what, sizeof(what), "truncated to %zu", nl);
		log_pkt(dir, seq, len, buf, what);
		send_dir(dir, buf, nl);
		s->truncated++;
		break;
	}
	case M_POKE: {
		size_t i, at;

		for (i = 0; i < npokes; i++) {
			if (pokes[i].off < 0 &&
			    (size_t)-pokes[i].off > len)
				break;
			at = pokes[i].off < 0 ? len - (size_t)-pokes[i].off :
			    (size_t)pokes[i].off;
			if (at > len || pokes[i].len > len - at)
				break;
		}
		if (i < npokes) {
			log_pkt(dir, seq, len, buf, "too short: dropped");
			s->dropped++;
			break;
		}
		for (i = 0; i < npokes; i++) {
			at = pokes[i].off < 0 ? len - (size_t)-pokes[i].off :
			    (size_t)pokes[i].off;
			memcpy(buf + at, pokes[i].val, pokes[i].len);
		}
		log_pkt(dir, seq, len, buf, "poked");
		send_dir(dir, buf, len);
		s->poked++;
		break;
	}
	case M_DROP:
		log_pkt(dir, seq, len, buf, "dropped");
		s->dropped++;
		break;
	case M_REORDER:
	case M_REPLAY:
		if (mode == M_REPLAY) {
			log_pkt(dir, seq, len, buf, "pass, copy kept");
			send_dir(dir, buf, len);
			s->genuine++;
		} else
			log_pkt(dir, seq, len, buf, "held");
		if ((it = q_alloc()) == NULL) {
			warnx("queue full");
			break;
		}
		memcpy(it->buf, buf, len);
		it->len = len;
		it->dir = dir;
		it->seq = seq;
		it->held = mode == M_REORDER;
		it->after_next = it->held || delay_ms < 0;
		it->deadline = now_ms() + (it->held ? hold_ms :
		    delay_ms < 0 ? hold_ms : delay_ms);
		it->used = 1;
		q_after(dir, seq);	/* older items only (seq < this) */
		write_stats();
		return;
	default:
		break;
	}
	q_after(dir, seq);
	write_stats();
}

/* -P OFF:HEX[,OFF:HEX...] */
static void
parse_pokes(char *arg)
{
	char *item, *colon, *end;
	size_t i, n;
	long off;
	unsigned int b;

	while ((item = strsep(&arg, ",")) != NULL) {
		if (npokes == RELAY_MAXPOKE)
			errx(2, "-P: at most %d items", RELAY_MAXPOKE);
		if ((colon = strchr(item, ':')) == NULL)
			errx(2, "-P: OFFSET:HEXBYTES expected: %s", item);
		*colon++ = '\0';
		errno = 0;
		off = strtol(item, &end, 10);
		if (errno != 0 || end == item || *end != '\0' ||
		    off < -RELAY_MAXPKT || off >= RELAY_MAXPKT)
			errx(2, "-P: bad offset %s", item);
		n = strlen(colon);
		if (n == 0 || n % 2 != 0 || n / 2 > sizeof(pokes[0].val))
			errx(2, "-P: bad hex bytes %s", colon);
		for (i = 0; i < n / 2; i++) {
			if (sscanf(colon + 2 * i, "%2x", &b) != 1)
				errx(2, "-P: bad hex bytes %s", colon);
			pokes[npokes].val[i] = (uint8_t)b;
		}
		pokes[npokes].off = off;
		pokes[npokes].len = n / 2;
		npokes++;
	}
}

static int
loopback(const struct in_addr *a)
{
	return (ntohl(a->s_addr) >> 24) == 127;
}

int
main(int argc, char *argv[])
{
	static uint8_t buf[RELAY_MAXPKT];
	struct sockaddr_in la, sa, from;
	struct pollfd pfd[2];
	struct sigaction act;
	const char *addr = "127.0.0.1";
	long lport = 0, sport = 0, limit = 300;
	unsigned int seed = (unsigned int)time(NULL) ^ (unsigned int)getpid();
	long long end;
	socklen_t fl;
	ssize_t n;
	int ch;

	while ((ch = getopt(argc, argv, "a:b:D:d:e:f:H:k:L:l:m:o:P:r:s:T:t:v"))
	    != -1) {
		switch (ch) {
		case 'a':
			addr = optarg;
			break;
		case 'b':
			if (strcmp(optarg, "rand") == 0)
				bitrand = 1;
			else {
				bitrand = 0;
				bitarg = num(optarg, -RELAY_MAXPKT * 8,
				    RELAY_MAXPKT * 8);
			}
			break;
		case 'D':
			delay_ms = num(optarg, 0, 600000);
			break;
		case 'd':
			if (strcmp(optarg, "s2c") == 0) {
				tdir[D_C2S] = 0;
				tdir[D_S2C] = 1;
			} else if (strcmp(optarg, "c2s") == 0) {
				tdir[D_C2S] = 1;
				tdir[D_S2C] = 0;
			} else if (strcmp(optarg, "both") == 0)
				tdir[D_C2S] = tdir[D_S2C] = 1;
			else
				usage();
			break;
		case 'e':
			everyn = (unsigned long)num(optarg, 1, 1000000);
			break;
		case 'f':
			first = (unsigned long)num(optarg, 0, 1000000);
			break;
		case 'H':
			hold_ms = num(optarg, 0, 600000);
			break;
		case 'k':
			onlyk = (unsigned long)num(optarg, 1, 1000000);
			break;
		case 'L':
			limit = num(optarg, 1, 86400);
			break;
		case 'l':
			lport = num(optarg, 1, 65535);
			break;
		case 'm':
			if (strcmp(optarg, "pass") == 0)
				mode = M_PASS;
			else if (strcmp(optarg, "flip") == 0)
				mode = M_FLIP;
			else if (strcmp(optarg, "trunc") == 0)
				mode = M_TRUNC;
			else if (strcmp(optarg, "drop") == 0)
				mode = M_DROP;
			else if (strcmp(optarg, "reorder") == 0)
				mode = M_REORDER;
			else if (strcmp(optarg, "replay") == 0)
				mode = M_REPLAY;
			else if (strcmp(optarg, "poke") == 0)
				mode = M_POKE;
			else if (strcmp(optarg, "preflip") == 0)
				mode = M_PREFLIP;
			else
				usage();
			break;
		case 'o':
			statsfile = optarg;
			break;
		case 'P':
			parse_pokes(optarg);
			break;
		case 'r':
			seed = (unsigned int)num(optarg, 0, INT_MAX);
			break;
		case 's':
			sport = num(optarg, 1, 65535);
			break;
		case 'T':
			trunclen = num(optarg, -RELAY_MAXPKT, RELAY_MAXPKT);
			break;
		case 't':
			if (strcmp(optarg, "any") == 0)
				ttype = T_ANY;
			else if (strcmp(optarg, "ext") == 0)
				ttype = T_EXT;
			else if (strcmp(optarg, "noext") == 0)
				ttype = T_NOEXT;
			else
				usage();
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (lport == 0 || sport == 0 || optind != argc ||
	    (mode == M_POKE) != (npokes > 0))
		usage();
	srandom(seed);

	memset(&la, 0, sizeof(la));
	la.sin_family = AF_INET;
	if (inet_pton(AF_INET, addr, &la.sin_addr) != 1)
		errx(2, "bad address %s", addr);
	if (!loopback(&la.sin_addr))
		errx(2, "%s: loopback addresses only", addr);
	sa = la;
	la.sin_port = htons((uint16_t)lport);
	sa.sin_port = htons((uint16_t)sport);

	if ((lsock = socket(AF_INET, SOCK_DGRAM, 0)) == -1 ||
	    (usock = socket(AF_INET, SOCK_DGRAM, 0)) == -1)
		err(1, "socket");
	if (bind(lsock, (struct sockaddr *)&la, sizeof(la)) == -1)
		err(1, "bind %s:%ld", addr, lport);
	if (connect(usock, (struct sockaddr *)&sa, sizeof(sa)) == -1)
		err(1, "connect %s:%ld", addr, sport);

	memset(&act, 0, sizeof(act));
	act.sa_handler = onsig;
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	signal(SIGPIPE, SIG_IGN);

	write_stats();
	end = now_ms() + limit * 1000;
	pfd[0].fd = lsock;
	pfd[1].fd = usock;
	pfd[0].events = pfd[1].events = POLLIN;
	while (!quit && now_ms() < end) {
		if (poll(pfd, 2, q_timeout()) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "poll");
		}
		q_timers();
		if (pfd[0].revents & POLLIN) {
			fl = sizeof(from);
			n = recvfrom(lsock, buf, sizeof(buf), 0,
			    (struct sockaddr *)&from, &fl);
			if (n >= 0 && fl == sizeof(from) &&
			    from.sin_family == AF_INET &&
			    loopback(&from.sin_addr)) {
				client = from;
				have_client = 1;
				relay(D_C2S, buf, (size_t)n);
			}
		}
		if (pfd[1].revents & POLLIN) {
			n = recv(usock, buf, sizeof(buf), 0);
			/* ECONNREFUSED: the server is not up yet */
			if (n >= 0)
				relay(D_S2C, buf, (size_t)n);
		}
	}
	write_stats();
	return 0;
}
