/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * imsg over socketpair(AF_UNIX, SOCK_STREAM): round trips, framing across
 * reads, partial writes, descriptor passing and every way a peer can
 * break the protocol.  Raw bytes are written to the peer end by hand where
 * a test needs a header that imsg_compose() would never produce.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "imsg.h"
#include "secmem.h"

static void	 fill(uint8_t *, size_t, uint32_t);
static int	 check_fill(const uint8_t *, size_t, uint32_t);
static void	 pair(int[2]);
static void	 pair_imsg(int[2], struct imsgbuf *, struct imsgbuf *, int);
static void	 xfer_get(struct imsgbuf *, struct imsgbuf *, struct imsg *);
static void	 raw_hdr(uint8_t *, uint32_t, uint32_t, uint32_t, uint32_t);
static void	 raw_send(int, const void *, size_t, const int *, int);
static void	 read_all(struct imsgbuf *);
static int	 is_open(int);

/* Deterministic payload so that the receiver can check every byte. */
static void
fill(uint8_t *p, size_t len, uint32_t seed)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seed * 131 + i * 7 + (i >> 8));
}

static int
check_fill(const uint8_t *p, size_t len, uint32_t seed)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (p[i] != (uint8_t)(seed * 131 + i * 7 + (i >> 8)))
			return (0);
	return (1);
}

static void
pair(int sv[2])
{
	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
}

static void
pair_imsg(int sv[2], struct imsgbuf *tx, struct imsgbuf *rx, int flags)
{
	pair(sv);
	if (tx != NULL)
		ATF_REQUIRE(imsgbuf_init(tx, sv[0], flags) == 0);
	if (rx != NULL)
		ATF_REQUIRE(imsgbuf_init(rx, sv[1], flags) == 0);
}

/*
 * Gets the next message from rx, writing tx's queue (if any) and reading
 * rx as needed.  Fails the test on error, EOF or a 5 s stall.
 */
static void
xfer_get(struct imsgbuf *tx, struct imsgbuf *rx, struct imsg *m)
{
	struct pollfd	 pfd;
	ssize_t		 n;

	for (;;) {
		n = imsg_get(rx, m);
		ATF_REQUIRE_MSG(n != -1, "imsg_get: %s", strerror(errno));
		if (n > 0)
			return;
		if (tx != NULL && imsgbuf_queuelen(tx) > 0)
			ATF_REQUIRE(imsgbuf_write(tx) == 0);
		pfd.fd = rx->fd;
		pfd.events = POLLIN;
		ATF_REQUIRE_MSG(poll(&pfd, 1, 5000) == 1, "stalled");
		n = imsgbuf_read(rx);
		if (n == -1)
			ATF_REQUIRE_MSG(errno == EAGAIN, "imsgbuf_read: %s",
			    strerror(errno));
		ATF_REQUIRE_MSG(n != 0, "unexpected EOF");
	}
}

static void
raw_hdr(uint8_t *out, uint32_t type, uint32_t len, uint32_t peerid,
    uint32_t pid)
{
	struct imsg_hdr	 hdr;

	hdr.type = type;
	hdr.len = len;
	hdr.peerid = peerid;
	hdr.pid = pid;
	memcpy(out, &hdr, sizeof(hdr));
}

/* One sendmsg of len bytes with nfds descriptors attached. */
static void
raw_send(int s, const void *buf, size_t len, const int *fds, int nfds)
{
	union {
		struct cmsghdr	 hdr;
		char		 buf[CMSG_SPACE(sizeof(int) * 4)];
	}		 cmsgbuf;
	struct msghdr	 msg;
	struct cmsghdr	*cmsg;
	struct iovec	 iov;

	ATF_REQUIRE(nfds >= 0 && nfds <= 4);
	memset(&msg, 0, sizeof(msg));
	memset(&cmsgbuf, 0, sizeof(cmsgbuf));
	iov.iov_base = (void *)(uintptr_t)buf;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (nfds > 0) {
		msg.msg_control = cmsgbuf.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * (size_t)nfds);
	}
	ATF_REQUIRE(sendmsg(s, &msg, MSG_NOSIGNAL) == (ssize_t)len);
}

/* Reads until the socket is empty (it must not be at EOF). */
static void
read_all(struct imsgbuf *rx)
{
	ssize_t	 n;

	while ((n = imsgbuf_read(rx)) > 0)
		;
	ATF_REQUIRE_MSG(n == -1 && errno == EAGAIN, "n %zd: %s", n,
	    strerror(errno));
}

static int
is_open(int fd)
{
	return (fcntl(fd, F_GETFD) != -1);
}

ATF_TC_WITHOUT_HEAD(roundtrip_sizes);
ATF_TC_BODY(roundtrip_sizes, tc)
{
	static const size_t	 sizes[] = { 0, 1, 15, 16, 17, 1000, 4095,
	    4096, 8192, 30000, IMSG_MAX_PAYLOAD - 1, IMSG_MAX_PAYLOAD, 3 };
	struct imsgbuf		 tx, rx;
	struct imsg		 m;
	uint8_t			*buf;
	size_t			 i, n = sizeof(sizes) / sizeof(sizes[0]);
	int			 sv[2];

	pair_imsg(sv, &tx, &rx, 0);
	ATF_REQUIRE((buf = malloc(IMSG_MAX_PAYLOAD)) != NULL);
	for (i = 0; i < n; i++) {
		fill(buf, sizes[i], (uint32_t)i);
		ATF_REQUIRE(imsg_compose(&tx, 100 + (uint32_t)i,
		    7 * (uint32_t)i, 1234, -1, sizes[i] ? buf : NULL,
		    sizes[i]) == 0);
	}
	ATF_CHECK_EQ(imsgbuf_queuelen(&tx), n);
	for (i = 0; i < n; i++) {
		xfer_get(&tx, &rx, &m);
		ATF_CHECK_EQ(m.hdr.type, 100 + i);
		ATF_CHECK_EQ(m.hdr.peerid, 7 * i);
		ATF_CHECK_EQ(m.hdr.pid, 1234);
		ATF_CHECK_EQ(m.hdr.len, IMSG_HEADER_SIZE + sizes[i]);
		ATF_CHECK_EQ(m.datalen, sizes[i]);
		ATF_CHECK_EQ(m.fd, -1);
		ATF_CHECK_EQ(m.secure, 0);
		if (sizes[i] == 0)
			ATF_CHECK(m.data == NULL);
		else
			ATF_CHECK(check_fill(m.data, m.datalen, (uint32_t)i));
		imsg_free(&m);
		ATF_CHECK(m.data == NULL);
	}
	ATF_CHECK_EQ(imsgbuf_queuelen(&tx), 0);
	ATF_CHECK_EQ(imsg_get(&rx, &m), 0);
	ATF_CHECK_EQ(imsgbuf_pending(&rx), 0);
	/* The read buffer never outgrows its bound. */
	ATF_CHECK(rx.rcap <= IMSG_RBUF_MAX);
	free(buf);
	imsgbuf_clear(&tx);
	imsgbuf_clear(&rx);
	close(sv[0]);
	close(sv[1]);
}

ATF_TC_WITHOUT_HEAD(composev);
ATF_TC_BODY(composev, tc)
{
	struct imsgbuf	 tx, rx;
	struct imsg	 m;
	struct iovec	 iov[3];
	uint32_t	 a = 0x01020304, c = 0x0a0b0c0d;
	uint8_t		 expect[8];
	int		 sv[2];

	pair_imsg(sv, &tx, &rx, 0);
	iov[0].iov_base = &a;
	iov[0].iov_len = sizeof(a);
	iov[1].iov_base = NULL;
	iov[1].iov_len = 0;
	iov[2].iov_base = &c;
	iov[2].iov_len = sizeof(c);
	ATF_REQUIRE(imsg_composev(&tx, 5, 0, 0, -1, iov, 3) == 0);
	ATF_REQUIRE(imsg_composev(&tx, 6, 0, 0, -1, NULL, 0) == 0);
	ATF_REQUIRE(imsgbuf_flush(&tx) == 0);
	xfer_get(NULL, &rx, &m);
	memcpy(expect, &a, 4);
	memcpy(expect + 4, &c, 4);
	ATF_CHECK_EQ(m.hdr.type, 5);
	ATF_REQUIRE_EQ(m.datalen, 8);
	ATF_CHECK(memcmp(m.data, expect, 8) == 0);
	imsg_free(&m);
	xfer_get(NULL, &rx, &m);
	ATF_CHECK_EQ(m.hdr.type, 6);
	ATF_CHECK_EQ(m.datalen, 0);
	imsg_free(&m);
	imsgbuf_clear(&tx);
	imsgbuf_clear(&rx);
	close(sv[0]);
	close(sv[1]);
}

ATF_TC_WITHOUT_HEAD(compose_too_big);
ATF_TC_BODY(compose_too_big, tc)
{
	struct imsgbuf	 tx;
	struct iovec	 iov[2];
	uint8_t		*buf;
	int		 sv[2];

	pair_imsg(sv, &tx, NULL, 0);
	ATF_REQUIRE((buf = calloc(1, IMSG_MAX_PAYLOAD + 1)) != NULL);
	errno = 0;
	ATF_CHECK_EQ(imsg_compose(&tx, 1, 0, 0, -1, buf,
	    IMSG_MAX_PAYLOAD + 1), -1);
	ATF_CHECK_EQ(errno, EMSGSIZE);
	/* Two pieces that are each fine but too much together. */
	iov[0].iov_base = buf;
	iov[0].iov_len = IMSG_MAX_PAYLOAD;
	iov[1].iov_base = buf;
	iov[1].iov_len = 1;
	errno = 0;
	ATF_CHECK_EQ(imsg_composev(&tx, 1, 0, 0, -1, iov, 2), -1);
	ATF_CHECK_EQ(errno, EMSGSIZE);
	/* A length that would wrap a size_t sum. */
	iov[1].iov_len = SIZE_MAX;
	ATF_CHECK_EQ(imsg_composev(&tx, 1, 0, 0, -1, iov, 2), -1);
	ATF_CHECK_EQ(imsg_compose(&tx, 1, 0, 0, -1, NULL, 1), -1);
	ATF_CHECK_EQ(errno, EINVAL);
	ATF_CHECK_EQ(imsg_compose(&tx, 1, 0, 0, -2, NULL, 0), -1);
	ATF_CHECK_EQ(imsgbuf_queuelen(&tx), 0);
	ATF_CHECK_EQ(imsg_compose(&tx, 1, 0, 0, -1, buf, IMSG_MAX_PAYLOAD), 0);
	ATF_CHECK_EQ(imsgbuf_queuelen(&tx), 1);
	free(buf);
	imsgbuf_clear(&tx);
	ATF_CHECK_EQ(imsgbuf_queuelen(&tx), 0);
	close(sv[0]);
	close(sv[1]);
}

/* Many small messages arrive in one read and come out one by one. */
ATF_TC_WITHOUT_HEAD(many_in_one_read);
ATF_TC_BODY(many_in_one_read, tc)
{
	struct imsgbuf	 tx, rx;
	struct imsg	 m;
	uint8_t		 buf[10];
	uint32_t	 i;
	int		 sv[2];

	pair_imsg(sv, &tx, &rx, 0);
	for (i = 0; i < 100; i++) {
		fill(buf, sizeof(buf), i);
		ATF_REQUIRE(imsg_compose(&tx, i, 0, 0, -1, buf,
		    sizeof(buf)) == 0);
	}
	ATF_REQUIRE(imsgbuf_flush(&tx) == 0);
	ATF_REQUIRE_EQ(imsgbuf_read(&rx),
	    (ssize_t)(100 * (IMSG_HEADER_SIZE + sizeof(buf))));
	for (i = 0; i < 100; i++) {
		ATF_REQUIRE_EQ(imsg_get(&rx, &m),
		    (ssize_t)(IMSG_HEADER_SIZE + sizeof(buf)));
		ATF_CHECK_EQ(m.hdr.type, i);
		ATF_CHECK(check_fill(m.data, m.datalen, i));
		ATF_CHECK_EQ(imsg_get_data(&m, buf, sizeof(buf)), 0);
		imsg_free(&m);
	}
	ATF_CHECK_EQ(imsg_get(&rx, &m), 0);
	ATF_CHECK_EQ(imsgbuf_read(&rx), -1);
	ATF_CHECK_EQ(errno, EAGAIN);
	imsgbuf_clear(&tx);
	imsgbuf_clear(&rx);
	close(sv[0]);
	close(sv[1]);
}

/* A message written one byte at a time is assembled across reads. */
ATF_TC_WITHOUT_HEAD(split_bytes);
ATF_TC_BODY(split_bytes, tc)
{
	struct imsgbuf	 rx;
	struct imsg	 m;
	uint8_t		 raw[2 * (IMSG_HEADER_SIZE + 100)];
	size_t		 i, len = IMSG_HEADER_SIZE + 100;
	ssize_t		 got;
	int		 sv[2];

	pair_imsg(sv, NULL, &rx, 0);
	raw_hdr(raw, 9, (uint32_t)len, 3, 77);
	fill(raw + IMSG_HEADER_SIZE, 100, 9);
	memcpy(raw + len, raw, len);
	for (i = 0; i < 2 * len; i++) {
		ATF_REQUIRE(write(sv[0], raw + i, 1) == 1);
		ATF_REQUIRE_EQ(imsgbuf_read(&rx), 1);
		got = imsg_get(&rx, &m);
		if (i + 1 == len || i + 1 == 2 * len) {
			ATF_REQUIRE_EQ(got, (ssize_t)len);
			ATF_CHECK_EQ(m.hdr.type, 9);
			ATF_CHECK_EQ(m.hdr.peerid, 3);
			ATF_CHECK_EQ(m.hdr.pid, 77);
			ATF_CHECK(check_fill(m.data, m.datalen, 9));
			imsg_free(&m);
		} else
			ATF_REQUIRE_EQ(got, 0);
	}
	ATF_CHECK_EQ(imsgbuf_pending(&rx), 0);
	imsgbuf_clear(&rx);
	close(sv[0]);
	close(sv[1]);
}

/*
 * A backlog far larger than the socket buffer: writes stop part-way
 * through messages, the other side drains, and everything arrives intact
 * and in order.
 */
ATF_TC_WITHOUT_HEAD(partial_writes);
ATF_TC_BODY(partial_writes, tc)
{
	struct imsgbuf	 tx, rx;
	struct imsg	 m;
	uint8_t		*buf;
	uint32_t	 i, count = 400, got = 0;
	size_t		 len, partial = 0;
	ssize_t		 n;
	int		 sv[2], sz = 16384;

	pair_imsg(sv, &tx, &rx, 0);
	/* A small send buffer makes partial writes certain. */
	(void)setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	ATF_REQUIRE((buf = malloc(IMSG_MAX_PAYLOAD)) != NULL);
	for (i = 0; i < count; i++) {
		len = ((size_t)i * 7919) % (IMSG_MAX_PAYLOAD + 1);
		fill(buf, len, i);
		ATF_REQUIRE(imsg_compose(&tx, i, i, 0, -1, buf, len) == 0);
	}
	while (got < count) {
		if (imsgbuf_queuelen(&tx) > 0) {
			ATF_REQUIRE(imsgbuf_write(&tx) == 0);
			if (imsgbuf_queuelen(&tx) > 0)
				partial++;
		}
		n = imsgbuf_read(&rx);
		ATF_REQUIRE(n != 0);
		if (n == -1)
			ATF_REQUIRE_EQ(errno, EAGAIN);
		while ((n = imsg_get(&rx, &m)) > 0) {
			len = ((size_t)got * 7919) % (IMSG_MAX_PAYLOAD + 1);
			ATF_REQUIRE_EQ(m.hdr.type, got);
			ATF_REQUIRE_EQ(m.hdr.peerid, got);
			ATF_REQUIRE_EQ(m.datalen, len);
			ATF_REQUIRE(check_fill(m.data, m.datalen, got));
			imsg_free(&m);
			got++;
		}
		ATF_REQUIRE(n == 0);
		ATF_REQUIRE(rx.rcap <= IMSG_RBUF_MAX);
	}
	ATF_CHECK(partial > 10);
	ATF_CHECK_EQ(imsgbuf_queuelen(&tx), 0);
	free(buf);
	imsgbuf_clear(&tx);
	imsgbuf_clear(&rx);
	close(sv[0]);
	close(sv[1]);
}

/* A pipe's write end crosses the socket and works on the other side. */
ATF_TC_WITHOUT_HEAD(fd_passing);
ATF_TC_BODY(fd_passing, tc)
{
	struct imsgbuf	 tx, rx;
	struct imsg	 m;
	char		 rbuf[16];
	int		 sv[2], p[2];

	pair_imsg(sv, &tx, &rx, 0);
	ATF_REQUIRE(pipe(p) == 0);
	ATF_REQUIRE(imsg_compose(&tx, 1, 0, 0, -1, "a", 1) == 0);
	ATF_REQUIRE(imsg_compose(&tx, 2, 0, 0, p[1], "xy", 2) == 0);
	ATF_REQUIRE(imsg_compose(&tx, 3, 0, 0, -1, NULL, 0) == 0);
	ATF_REQUIRE(imsgbuf_flush(&tx) == 0);
	/* imsg closes the descriptor once it is sent. */
	ATF_CHECK(!is_open(p[1]));

	xfer_get(NULL, &rx, &m);
	ATF_CHECK_EQ(m.hdr.type, 1);
	ATF_CHECK_EQ(m.fd, -1);
	imsg_free(&m);
	xfer_get(NULL, &rx, &m);
	ATF_CHECK_EQ(m.hdr.type, 2);
	ATF_CHECK_EQ(m.hdr.len, IMSG_HEADER_SIZE + 2);
	ATF_CHECK_EQ(m.datalen, 2);
	ATF_REQUIRE(m.fd >= 0);
	ATF_CHECK(fcntl(m.fd, F_GETFD) & FD_CLOEXEC);
	ATF_REQUIRE(write(m.fd, "hello", 5) == 5);
	close(m.fd);
	imsg_free(&m);
	ATF_REQUIRE(read(p[0], rbuf, sizeof(rbuf)) == 5);
	ATF_CHECK(memcmp(rbuf, "hello", 5) == 0);
	/* Every copy of the write end is closed now. */
	ATF_CHECK(read(p[0], rbuf, sizeof(rbuf)) == 0);
	xfer_get(NULL, &rx, &m);
	ATF_CHECK_EQ(m.hdr.type, 3);
	ATF_CHECK_EQ(m.fd, -1);
	imsg_free(&m);
	close(p[0]);
	imsgbuf_clear(&tx);
	imsgbuf_clear(&rx);
	close(sv[0]);
	close(sv[1]);
}

/*
 * Large messages with descriptors behind a small send buffer: a message
 * that carries a descriptor is itself written in pieces, and each
 * descriptor still lands on its own message.
 */
ATF_TC_WITHOUT_HEAD(fd_partial_write);
ATF_TC_BODY(fd_partial_write, tc)
{
	struct imsgbuf	 tx, rx;
	struct imsg	 m;
	uint8_t		*buf;
	char		 c, tag;
	int		 sv[2], p[4][2], i, sz = 4096;

	pair_imsg(sv, &tx, &rx, 0);
	(void)setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	ATF_REQUIRE((buf = malloc(IMSG_MAX_PAYLOAD)) != NULL);
	for (i = 0; i < 8; i++) {
		fill(buf, IMSG_MAX_PAYLOAD, (uint32_t)i);
		if (i % 2) {
			ATF_REQUIRE(pipe(p[i / 2]) == 0);
			ATF_REQUIRE(imsg_compose(&tx, (uint32_t)i, 0, 0,
			    p[i / 2][1], buf, IMSG_MAX_PAYLOAD) == 0);
		} else
			ATF_REQUIRE(imsg_compose(&tx, (uint32_t)i, 0, 0, -1,
			    buf, IMSG_MAX_PAYLOAD) == 0);
	}
	/* The first write cannot take a whole message. */
	ATF_REQUIRE(imsgbuf_write(&tx) == 0);
	ATF_CHECK_EQ(imsgbuf_queuelen(&tx), 8);
	for (i = 0; i < 8; i++) {
		xfer_get(&tx, &rx, &m);
		ATF_REQUIRE_EQ(m.hdr.type, (uint32_t)i);
		ATF_CHECK(check_fill(m.data, m.datalen, (uint32_t)i));
		if (i % 2) {
			ATF_REQUIRE(m.fd >= 0);
			tag = (char)('0' + i / 2);
			ATF_REQUIRE(write(m.fd, &tag, 1) == 1);
			close(m.fd);
			ATF_REQUIRE(read(p[i / 2][0], &c, 1) == 1);
			ATF_CHECK_EQ(c, tag);
			ATF_CHECK(read(p[i / 2][0], &c, 1) == 0);
			close(p[i / 2][0]);
		} else
			ATF_CHECK_EQ(m.fd, -1);
		imsg_free(&m);
	}
	free(buf);
	imsgbuf_clear(&tx);
	imsgbuf_clear(&rx);
	close(sv[0]);
	close(sv[1]);
}

/* Two descriptor messages, both in the read buffer before extraction. */
ATF_TC_WITHOUT_HEAD(two_fds_buffered);
ATF_TC_BODY(two_fds_buffered, tc)
{
	struct imsgbuf	 tx, rx;
	struct imsg	 m1, m2;
	char		 c;
	int		 sv[2], p1[2], p2[2];

	pair_imsg(sv, &tx, &rx, 0);
	ATF_REQUIRE(pipe(p1) == 0);
	ATF_REQUIRE(pipe(p2) == 0);
	ATF_REQUIRE(imsg_compose(&tx, 1, 0, 0, p1[1], "1", 1) == 0);
	ATF_REQUIRE(imsg_compose(&tx, 2, 0, 0, p2[1], "2", 1) == 0);
	ATF_REQUIRE(imsgbuf_flush(&tx) == 0);
	read_all(&rx);
	ATF_CHECK_EQ(imsgbuf_pending(&rx), 2 * (IMSG_HEADER_SIZE + 1));
	ATF_REQUIRE(imsg_get(&rx, &m1) > 0);
	ATF_REQUIRE(imsg_get(&rx, &m2) > 0);
	ATF_CHECK_EQ(imsg_get(&rx, &m2), 0);
	ATF_REQUIRE(m1.fd >= 0 && m2.fd >= 0);
	ATF_REQUIRE(write(m1.fd, "A", 1) == 1);
	ATF_REQUIRE(write(m2.fd, "B", 1) == 1);
	ATF_REQUIRE(read(p1[0], &c, 1) == 1);
	ATF_CHECK_EQ(c, 'A');
	ATF_REQUIRE(read(p2[0], &c, 1) == 1);
	ATF_CHECK_EQ(c, 'B');
	close(m1.fd);
	close(m2.fd);
	imsg_free(&m1);
	imsg_free(&m2);
	close(p1[0]);
	close(p2[0]);
	imsgbuf_clear(&tx);
	imsgbuf_clear(&rx);
	close(sv[0]);
	close(sv[1]);
}

/*
 * Two descriptors delivered by one read: the peer sends two flagged
 * messages and both descriptors in a single sendmsg.  Each message gets
 * its own descriptor, in order.
 */
ATF_TC_WITHOUT_HEAD(two_fds_one_read);
ATF_TC_BODY(two_fds_one_read, tc)
{
	struct imsgbuf	 rx;
	struct imsg	 m1, m2;
	uint8_t		 raw[2 * IMSG_HEADER_SIZE];
	char		 c;
	int		 sv[2], p1[2], p2[2], fds[2];

	pair_imsg(sv, NULL, &rx, 0);
	ATF_REQUIRE(pipe(p1) == 0);
	ATF_REQUIRE(pipe(p2) == 0);
	raw_hdr(raw, 1, IMSG_HEADER_SIZE | IMSG_HDR_FDFLAG, 0, 0);
	raw_hdr(raw + IMSG_HEADER_SIZE, 2, IMSG_HEADER_SIZE | IMSG_HDR_FDFLAG,
	    0, 0);
	fds[0] = p1[1];
	fds[1] = p2[1];
	raw_send(sv[0], raw, sizeof(raw), fds, 2);
	close(p1[1]);
	close(p2[1]);
	ATF_REQUIRE_EQ(imsgbuf_read(&rx), (ssize_t)sizeof(raw));
	ATF_CHECK_EQ(rx.rfd_count, 2);
	ATF_REQUIRE(imsg_get(&rx, &m1) > 0);
	ATF_REQUIRE(imsg_get(&rx, &m2) > 0);
	ATF_CHECK_EQ(m1.hdr.type, 1);
	ATF_CHECK_EQ(m2.hdr.type, 2);
	ATF_CHECK_EQ(m1.hdr.len, IMSG_HEADER_SIZE);
	ATF_REQUIRE(m1.fd >= 0 && m2.fd >= 0);
	ATF_REQUIRE(write(m1.fd, "A", 1) == 1);
	ATF_REQUIRE(write(m2.fd, "B", 1) == 1);
	ATF_REQUIRE(read(p1[0], &c, 1) == 1);
	ATF_CHECK_EQ(c, 'A');
	ATF_REQUIRE(read(p2[0], &c, 1) == 1);
	ATF_CHECK_EQ(c, 'B');
	close(m1.fd);
	close(m2.fd);
	close(p1[0]);
	close(p2[0]);
	imsgbuf_clear(&rx);
	close(sv[0]);
	close(sv[1]);
}

/* Sends one raw header and expects the receiver to call it a violation. */
static void
expect_bad(uint32_t rawlen)
{
	struct imsgbuf	 rx;
	struct imsg	 m;
	uint8_t		 raw[IMSG_HEADER_SIZE];
	int		 sv[2];

	pair_imsg(sv, NULL, &rx, 0);
	raw_hdr(raw, 1, rawlen, 0, 0);
	raw_send(sv[0], raw, sizeof(raw), NULL, 0);
	ATF_REQUIRE_EQ(imsgbuf_read(&rx), (ssize_t)sizeof(raw));
	errno = 0;
	ATF_CHECK_EQ_MSG(imsg_get(&rx, &m), -1, "len 0x%x accepted", rawlen);
	ATF_CHECK_EQ(errno, EBADMSG);
	/* The link stays dead. */
	ATF_CHECK_EQ(imsg_get(&rx, &m), -1);
	imsgbuf_clear(&rx);
	close(sv[0]);
	close(sv[1]);
}

ATF_TC_WITHOUT_HEAD(bad_len_short);
ATF_TC_BODY(bad_len_short, tc)
{
	uint32_t	 len;

	for (len = 0; len < IMSG_HEADER_SIZE; len++)
		expect_bad(len);
	expect_bad(IMSG_HDR_FDFLAG | 15);
}

/* Too long is refused from the header alone, before any payload. */
ATF_TC_WITHOUT_HEAD(bad_len_long);
ATF_TC_BODY(bad_len_long, tc)
{
	expect_bad(IMSG_HEADER_SIZE + IMSG_MAX_PAYLOAD + 1);
	expect_bad(0x7fffffff);
	expect_bad(0xffffffff);
	expect_bad(0x40000000 | IMSG_HEADER_SIZE);	/* a stray high bit */
	expect_bad(0x00020000 | IMSG_HEADER_SIZE);
}

ATF_TC_WITHOUT_HEAD(bad_fd_missing);
ATF_TC_BODY(bad_fd_missing, tc)
{
	struct imsgbuf	 rx;
	struct imsg	 m;
	uint8_t		 raw[2 * IMSG_HEADER_SIZE];
	int		 sv[2], p[2];

	expect_bad(IMSG_HDR_FDFLAG | IMSG_HEADER_SIZE);

	/* One descriptor sent, two messages claim one. */
	pair_imsg(sv, NULL, &rx, 0);
	ATF_REQUIRE(pipe(p) == 0);
	raw_hdr(raw, 1, IMSG_HEADER_SIZE | IMSG_HDR_FDFLAG, 0, 0);
	raw_hdr(raw + IMSG_HEADER_SIZE, 2, IMSG_HEADER_SIZE | IMSG_HDR_FDFLAG,
	    0, 0);
	raw_send(sv[0], raw, sizeof(raw), &p[1], 1);
	close(p[1]);
	read_all(&rx);
	ATF_REQUIRE(imsg_get(&rx, &m) > 0);
	ATF_REQUIRE(m.fd >= 0);
	close(m.fd);
	imsg_free(&m);
	errno = 0;
	ATF_CHECK_EQ(imsg_get(&rx, &m), -1);
	ATF_CHECK_EQ(errno, EBADMSG);
	imsgbuf_clear(&rx);
	close(p[0]);
	close(sv[0]);
	close(sv[1]);
}

/* A descriptor that no message claims is a violation too. */
ATF_TC_WITHOUT_HEAD(bad_fd_unclaimed);
ATF_TC_BODY(bad_fd_unclaimed, tc)
{
	struct imsgbuf	 rx;
	struct imsg	 m;
	uint8_t		 raw[IMSG_HEADER_SIZE];
	char		 c;
	int		 sv[2], p[2];

	pair_imsg(sv, NULL, &rx, 0);
	ATF_REQUIRE(pipe(p) == 0);
	raw_hdr(raw, 1, IMSG_HEADER_SIZE, 0, 0);
	raw_send(sv[0], raw, sizeof(raw), &p[1], 1);
	close(p[1]);
	raw_hdr(raw, 2, IMSG_HEADER_SIZE | IMSG_HDR_FDFLAG, 0, 0);
	raw_send(sv[0], raw, sizeof(raw), NULL, 0);
	read_all(&rx);
	/* The first message does not claim it; the second may not steal it. */
	ATF_REQUIRE(imsg_get(&rx, &m) > 0);
	ATF_CHECK_EQ(m.fd, -1);
	imsg_free(&m);
	errno = 0;
	ATF_CHECK_EQ(imsg_get(&rx, &m), -1);
	ATF_CHECK_EQ(errno, EBADMSG);
	/* imsgbuf_clear() closes it: the pipe then reads EOF. */
	imsgbuf_clear(&rx);
	ATF_CHECK(read(p[0], &c, 1) == 0);
	close(p[0]);
	close(sv[0]);
	close(sv[1]);
}

/* More descriptors than the receive queue holds: closed, error. */
ATF_TC_WITHOUT_HEAD(fd_queue_full);
ATF_TC_BODY(fd_queue_full, tc)
{
	struct imsgbuf	 rx;
	struct imsg	 m;
	uint8_t		 raw[IMSG_HEADER_SIZE];
	ssize_t		 n;
	char		 c;
	int		 sv[2], p[2], i, reads = 0;

	pair_imsg(sv, NULL, &rx, 0);
	ATF_REQUIRE(pipe(p) == 0);
	raw_hdr(raw, 1, IMSG_HEADER_SIZE | IMSG_HDR_FDFLAG, 0, 0);
	for (i = 0; i < IMSG_MAX_FDS_QUEUED + 4; i++)
		raw_send(sv[0], raw, sizeof(raw), &p[1], 1);
	close(p[1]);
	while ((n = imsgbuf_read(&rx)) > 0)
		reads++;
	ATF_CHECK_EQ(n, -1);
	ATF_CHECK_EQ(errno, ENOBUFS);
	ATF_CHECK(reads <= IMSG_MAX_FDS_QUEUED);
	ATF_CHECK(rx.rfd_count <= IMSG_MAX_FDS_QUEUED);
	ATF_CHECK_EQ(imsg_get(&rx, &m), -1);
	ATF_CHECK_EQ(errno, EBADMSG);
	/* Drain the rest; whatever the reads brought must be closed. */
	while (imsgbuf_read(&rx) != -1 || errno != EAGAIN)
		;
	imsgbuf_clear(&rx);
	ATF_CHECK(read(p[0], &c, 1) == 0);
	close(p[0]);
	close(sv[0]);
	close(sv[1]);
}

ATF_TC_WITHOUT_HEAD(parse_hdr_pure);
ATF_TC_BODY(parse_hdr_pure, tc)
{
	struct imsg_hdr	 h;
	uint8_t		 raw[IMSG_HEADER_SIZE + 4];
	int		 fdf;

	memset(raw, 0, sizeof(raw));
	raw_hdr(raw, 3, IMSG_HEADER_SIZE + 4, 5, 6);
	ATF_CHECK_EQ(imsg_parse_hdr(raw, 0, &h), 0);
	ATF_CHECK_EQ(imsg_parse_hdr(raw, IMSG_HEADER_SIZE - 1, &h), 0);
	ATF_CHECK_EQ(imsg_parse_hdr(raw, IMSG_HEADER_SIZE, &h), 0);
	ATF_CHECK_EQ(imsg_parse_hdr(raw, IMSG_HEADER_SIZE + 3, &h), 0);
	ATF_REQUIRE_EQ(imsg_parse_hdr_fd(raw, sizeof(raw), &h, &fdf), 1);
	ATF_CHECK_EQ(h.type, 3);
	ATF_CHECK_EQ(h.len, IMSG_HEADER_SIZE + 4);
	ATF_CHECK_EQ(h.peerid, 5);
	ATF_CHECK_EQ(h.pid, 6);
	ATF_CHECK_EQ(fdf, 0);
	raw_hdr(raw, 3, (IMSG_HEADER_SIZE + 4) | IMSG_HDR_FDFLAG, 5, 6);
	ATF_REQUIRE_EQ(imsg_parse_hdr_fd(raw, sizeof(raw), &h, &fdf), 1);
	ATF_CHECK_EQ(h.len, IMSG_HEADER_SIZE + 4);
	ATF_CHECK_EQ(fdf, 1);
	ATF_CHECK_EQ(imsg_parse_hdr(raw, sizeof(raw), &h), 1);
	raw_hdr(raw, 3, IMSG_HEADER_SIZE - 1, 5, 6);
	ATF_CHECK_EQ(imsg_parse_hdr(raw, IMSG_HEADER_SIZE, &h), -1);
	ATF_CHECK_EQ(imsg_parse_hdr(raw, IMSG_HEADER_SIZE - 1, &h), 0);
	raw_hdr(raw, 3, IMSG_HEADER_SIZE + IMSG_MAX_PAYLOAD + 1, 5, 6);
	ATF_CHECK_EQ(imsg_parse_hdr(raw, IMSG_HEADER_SIZE, &h), -1);
	raw_hdr(raw, 3, IMSG_HEADER_SIZE + IMSG_MAX_PAYLOAD, 5, 6);
	ATF_CHECK_EQ(imsg_parse_hdr(raw, sizeof(raw), &h), 0);
}

ATF_TC_WITHOUT_HEAD(get_data_len);
ATF_TC_BODY(get_data_len, tc)
{
	struct imsgbuf	 tx, rx;
	struct imsg	 m;
	uint64_t	 v = 0x1122334455667788ULL, out = 0;
	uint32_t	 small;
	int		 sv[2];

	pair_imsg(sv, &tx, &rx, 0);
	ATF_REQUIRE(imsg_compose(&tx, 1, 0, 0, -1, &v, sizeof(v)) == 0);
	ATF_REQUIRE(imsg_compose(&tx, 2, 0, 0, -1, NULL, 0) == 0);
	ATF_REQUIRE(imsgbuf_flush(&tx) == 0);
	xfer_get(NULL, &rx, &m);
	errno = 0;
	ATF_CHECK_EQ(imsg_get_data(&m, &small, sizeof(small)), -1);
	ATF_CHECK_EQ(errno, EBADMSG);
	ATF_CHECK_EQ(imsg_get_data(&m, NULL, 0), -1);
	ATF_CHECK_EQ(imsg_expect_len(&m, sizeof(v) + 1), -1);
	ATF_CHECK_EQ(imsg_expect_len(&m, sizeof(v)), 0);
	ATF_CHECK_EQ(imsg_get_data(&m, &out, sizeof(out)), 0);
	ATF_CHECK_EQ(out, v);
	imsg_free(&m);
	xfer_get(NULL, &rx, &m);
	ATF_CHECK_EQ(imsg_get_data(&m, NULL, 0), 0);
	ATF_CHECK_EQ(imsg_expect_len(&m, 0), 0);
	ATF_CHECK_EQ(imsg_get_data(&m, &out, sizeof(out)), -1);
	imsg_free(&m);
	imsgbuf_clear(&tx);
	imsgbuf_clear(&rx);
	close(sv[0]);
	close(sv[1]);
}

/* The peer stops in the middle of a message: EOF, bytes left over. */
ATF_TC_WITHOUT_HEAD(eof_mid_message);
ATF_TC_BODY(eof_mid_message, tc)
{
	struct imsgbuf	 rx;
	struct imsg	 m;
	uint8_t		 raw[2 * IMSG_HEADER_SIZE];
	int		 sv[2];

	pair_imsg(sv, NULL, &rx, 0);
	raw_hdr(raw, 1, IMSG_HEADER_SIZE, 0, 0);	/* one whole message */
	raw_hdr(raw + IMSG_HEADER_SIZE, 2, IMSG_HEADER_SIZE + 100, 0, 0);
	ATF_REQUIRE(write(sv[0], raw, IMSG_HEADER_SIZE + 8) ==
	    IMSG_HEADER_SIZE + 8);
	close(sv[0]);
	ATF_REQUIRE_EQ(imsgbuf_read(&rx), (ssize_t)IMSG_HEADER_SIZE + 8);
	ATF_REQUIRE_EQ(imsgbuf_read(&rx), 0);
	ATF_REQUIRE_EQ(imsg_get(&rx, &m), (ssize_t)IMSG_HEADER_SIZE);
	imsg_free(&m);
	ATF_CHECK_EQ(imsg_get(&rx, &m), 0);
	ATF_CHECK_EQ(imsgbuf_pending(&rx), 8);
	ATF_CHECK_EQ(imsgbuf_read(&rx), 0);
	imsgbuf_clear(&rx);
	close(sv[1]);
}

ATF_TC_WITHOUT_HEAD(write_peer_gone);
ATF_TC_BODY(write_peer_gone, tc)
{
	struct imsgbuf	 tx;
	int		 sv[2];

	pair_imsg(sv, &tx, NULL, 0);
	close(sv[1]);
	ATF_REQUIRE(imsg_compose(&tx, 1, 0, 0, -1, "x", 1) == 0);
	/* MSG_NOSIGNAL: an error, not SIGPIPE. */
	errno = 0;
	ATF_CHECK_EQ(imsgbuf_write(&tx), -1);
	ATF_CHECK_EQ(errno, EPIPE);
	ATF_CHECK_EQ(imsgbuf_flush(&tx), -1);
	imsgbuf_clear(&tx);
	close(sv[0]);
}

/* Unsent descriptors are closed by imsgbuf_clear(). */
ATF_TC_WITHOUT_HEAD(clear_closes_unsent_fd);
ATF_TC_BODY(clear_closes_unsent_fd, tc)
{
	struct imsgbuf	 tx;
	char		 c;
	int		 sv[2], p[2];

	pair_imsg(sv, &tx, NULL, 0);
	ATF_REQUIRE(pipe(p) == 0);
	ATF_REQUIRE(imsg_compose(&tx, 1, 0, 0, p[1], NULL, 0) == 0);
	ATF_CHECK(is_open(p[1]));
	imsgbuf_clear(&tx);
	ATF_CHECK(read(p[0], &c, 1) == 0);
	close(p[0]);
	close(sv[0]);
	close(sv[1]);
}

/* A caller that reads without draining hits the read buffer's bound. */
ATF_TC_WITHOUT_HEAD(rbuf_bounded);
ATF_TC_BODY(rbuf_bounded, tc)
{
	struct imsgbuf	 tx, rx;
	struct imsg	 m;
	uint8_t		*buf;
	ssize_t		 n;
	int		 i, got = 0;

	int		 sv[2];

	pair_imsg(sv, &tx, &rx, 0);
	ATF_REQUIRE((buf = calloc(1, IMSG_MAX_PAYLOAD)) != NULL);
	for (i = 0; i < 4; i++)
		ATF_REQUIRE(imsg_compose(&tx, (uint32_t)i, 0, 0, -1, buf,
		    IMSG_MAX_PAYLOAD) == 0);
	for (;;) {
		ATF_REQUIRE(imsgbuf_write(&tx) == 0);
		n = imsgbuf_read(&rx);
		if (n == -1 && errno == ENOBUFS)
			break;
		ATF_REQUIRE(n > 0 || (n == -1 && errno == EAGAIN));
	}
	ATF_CHECK_EQ(rx.rcap, IMSG_RBUF_MAX);
	ATF_CHECK_EQ(imsgbuf_pending(&rx), IMSG_RBUF_MAX);
	/* Draining makes room again and nothing was lost. */
	while (got < 4) {
		while (imsg_get(&rx, &m) > 0) {
			ATF_CHECK_EQ(m.hdr.type, (uint32_t)got);
			ATF_CHECK_EQ(m.datalen, IMSG_MAX_PAYLOAD);
			imsg_free(&m);
			got++;
		}
		if (got == 4)
			break;
		ATF_REQUIRE(imsgbuf_write(&tx) == 0);
		n = imsgbuf_read(&rx);
		ATF_REQUIRE(n > 0 || (n == -1 && errno == EAGAIN));
	}
	free(buf);
	imsgbuf_clear(&tx);
	imsgbuf_clear(&rx);
	close(sv[0]);
	close(sv[1]);
}

ATF_TC_WITHOUT_HEAD(secure_roundtrip);
ATF_TC_BODY(secure_roundtrip, tc)
{
	static const size_t	 sizes[] = { 0, 32, 1000, IMSG_MAX_PAYLOAD };
	struct imsgbuf		 tx, rx;
	struct imsg		 m;
	uint8_t			*buf;
	size_t			 i;
	int			 sv[2], p[2];

	ATF_REQUIRE(secmem_init() == 0);
	pair_imsg(sv, &tx, &rx, IMSGF_SECURE);
	ATF_REQUIRE((buf = secmem_alloc(IMSG_MAX_PAYLOAD)) != NULL);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		fill(buf, sizes[i], (uint32_t)i);
		ATF_REQUIRE(imsg_compose(&tx, (uint32_t)i, 0, 0, -1, buf,
		    sizes[i]) == 0);
	}
	ATF_REQUIRE(pipe(p) == 0);
	ATF_REQUIRE(imsg_compose(&tx, 99, 0, 0, p[1], buf, 4) == 0);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		xfer_get(&tx, &rx, &m);
		ATF_CHECK_EQ(m.hdr.type, i);
		ATF_CHECK_EQ(m.datalen, sizes[i]);
		ATF_CHECK_EQ(m.secure, 1);
		if (m.datalen > 0)
			ATF_CHECK(check_fill(m.data, m.datalen, (uint32_t)i));
		imsg_free(&m);
	}
	xfer_get(&tx, &rx, &m);
	ATF_CHECK_EQ(m.hdr.type, 99);
	ATF_REQUIRE(m.fd >= 0);
	close(m.fd);
	imsg_free(&m);
	close(p[0]);
	secmem_free(buf);
	imsgbuf_clear(&tx);
	imsgbuf_clear(&rx);
	close(sv[0]);
	close(sv[1]);
}

ATF_TC_WITHOUT_HEAD(init_args);
ATF_TC_BODY(init_args, tc)
{
	struct imsgbuf	 ib;
	int		 sv[2];

	pair(sv);
	ATF_CHECK_EQ(imsgbuf_init(&ib, -1, 0), -1);
	ATF_CHECK_EQ(imsgbuf_init(&ib, sv[0], 0x100), -1);
	ATF_CHECK_EQ(errno, EINVAL);
	ATF_REQUIRE_EQ(imsgbuf_init(&ib, sv[0], 0), 0);
	ATF_CHECK(fcntl(sv[0], F_GETFL) & O_NONBLOCK);
	ATF_CHECK_EQ(ib.pid, getpid());
	ATF_CHECK_EQ(imsgbuf_queuelen(&ib), 0);
	imsgbuf_clear(&ib);
	ATF_CHECK(is_open(sv[0]));
	close(sv[0]);
	close(sv[1]);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, init_args);
	ATF_TP_ADD_TC(tp, roundtrip_sizes);
	ATF_TP_ADD_TC(tp, composev);
	ATF_TP_ADD_TC(tp, compose_too_big);
	ATF_TP_ADD_TC(tp, many_in_one_read);
	ATF_TP_ADD_TC(tp, split_bytes);
	ATF_TP_ADD_TC(tp, partial_writes);
	ATF_TP_ADD_TC(tp, fd_passing);
	ATF_TP_ADD_TC(tp, fd_partial_write);
	ATF_TP_ADD_TC(tp, two_fds_buffered);
	ATF_TP_ADD_TC(tp, two_fds_one_read);
	ATF_TP_ADD_TC(tp, bad_len_short);
	ATF_TP_ADD_TC(tp, bad_len_long);
	ATF_TP_ADD_TC(tp, bad_fd_missing);
	ATF_TP_ADD_TC(tp, bad_fd_unclaimed);
	ATF_TP_ADD_TC(tp, fd_queue_full);
	ATF_TP_ADD_TC(tp, parse_hdr_pure);
	ATF_TP_ADD_TC(tp, get_data_len);
	ATF_TP_ADD_TC(tp, eof_mid_message);
	ATF_TP_ADD_TC(tp, write_peer_gone);
	ATF_TP_ADD_TC(tp, clear_closes_unsent_fd);
	ATF_TP_ADD_TC(tp, rbuf_bounded);
	ATF_TP_ADD_TC(tp, secure_roundtrip);
	return (atf_no_error());
}
