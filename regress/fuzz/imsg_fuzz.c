/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * libFuzzer target for the imsg receive path.
 *
 * Input: byte 0 = options (bit 0: IMSGF_SECURE), byte 1 = chunk size - 1,
 * byte 2 = descriptor mask (chunk k carries a descriptor if bit k % 8 is
 * set), then the raw stream a hostile peer would write.  The stream goes
 * through the pure framing check, then over a real socketpair in chunks
 * into imsgbuf_read()/imsg_get() until a violation or EOF, and finally the
 * input is sent as one payload through imsg_compose() and must come back
 * unchanged.  Descriptor leaks show up as socketpair() failing, which
 * aborts.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"
#include "secmem.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	 fuzz_passfd = -1;

static void
fuzz_send(int s, const uint8_t *buf, size_t len, int withfd)
{
	union {
		struct cmsghdr	 hdr;
		char		 buf[CMSG_SPACE(sizeof(int))];
	}		 cmsgbuf;
	struct msghdr	 msg;
	struct cmsghdr	*cmsg;
	struct iovec	 iov;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = (void *)(uintptr_t)buf;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (withfd) {
		memset(&cmsgbuf, 0, sizeof(cmsgbuf));
		msg.msg_control = cmsgbuf.buf;
		msg.msg_controllen = sizeof(cmsgbuf.buf);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		memcpy(CMSG_DATA(cmsg), &fuzz_passfd, sizeof(int));
	}
	if (sendmsg(s, &msg, MSG_NOSIGNAL) != (ssize_t)len)
		abort();
}

/* Extracts messages until none is complete; returns -1 once dead. */
static int
fuzz_drain(struct imsgbuf *rx)
{
	struct imsg	 m;
	ssize_t		 n;
	size_t		 i;
	unsigned int	 sum = 0;

	while ((n = imsg_get(rx, &m)) > 0) {
		if ((size_t)n != m.hdr.len || m.hdr.len < IMSG_HEADER_SIZE ||
		    m.datalen != m.hdr.len - IMSG_HEADER_SIZE ||
		    m.datalen > IMSG_MAX_PAYLOAD ||
		    (m.datalen == 0) != (m.data == NULL))
			abort();
		/* Touch every payload byte so ASan sees any overrun. */
		for (i = 0; i < m.datalen; i++)
			sum += m.data[i];
		if (m.fd != -1)
			close(m.fd);
		imsg_free(&m);
	}
	(void)sum;
	if (n == -1) {
		if (errno != EBADMSG)
			abort();
		return (-1);
	}
	return (0);
}

static void
fuzz_stream(int secure, size_t chunk, unsigned int fdmask,
    const uint8_t *data, size_t size)
{
	struct imsgbuf	 rx;
	size_t		 off, len, k;
	ssize_t		 n;
	int		 sv[2], dead = 0;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		abort();
	if (imsgbuf_init(&rx, sv[1], secure ? IMSGF_SECURE : 0) == -1)
		abort();
	for (off = 0, k = 0; off < size && !dead; off += len, k++) {
		len = size - off < chunk ? size - off : chunk;
		fuzz_send(sv[0], data + off, len, (fdmask >> (k % 8)) & 1);
		while ((n = imsgbuf_read(&rx)) > 0)
			if (fuzz_drain(&rx) == -1) {
				dead = 1;
				break;
			}
		if (n == -1 && errno != EAGAIN && errno != ENOBUFS)
			abort();
		if (!dead && fuzz_drain(&rx) == -1)
			dead = 1;
	}
	/* EOF: whatever is left is an incomplete message. */
	shutdown(sv[0], SHUT_WR);
	if (!dead) {
		while ((n = imsgbuf_read(&rx)) > 0)
			if (fuzz_drain(&rx) == -1)
				break;
		(void)fuzz_drain(&rx);
	}
	imsgbuf_clear(&rx);
	close(sv[0]);
	close(sv[1]);
}

/* The input as one payload must survive compose/write/read/get intact. */
static void
fuzz_roundtrip(int secure, const uint8_t *data, size_t size)
{
	struct imsgbuf	 tx, rx;
	struct imsg	 m;
	ssize_t		 n;
	int		 sv[2];

	if (size > IMSG_MAX_PAYLOAD)
		size = IMSG_MAX_PAYLOAD;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		abort();
	if (imsgbuf_init(&tx, sv[0], secure ? IMSGF_SECURE : 0) == -1 ||
	    imsgbuf_init(&rx, sv[1], secure ? IMSGF_SECURE : 0) == -1)
		abort();
	if (imsg_compose(&tx, 7, 8, 9, -1, size ? data : NULL, size) == -1 ||
	    imsgbuf_flush(&tx) == -1)
		abort();
	while ((n = imsg_get(&rx, &m)) == 0)
		if (imsgbuf_read(&rx) == 0)
			abort();
	if (n != (ssize_t)(IMSG_HEADER_SIZE + size) || m.hdr.type != 7 ||
	    m.hdr.peerid != 8 || m.hdr.pid != 9 || m.fd != -1 ||
	    m.datalen != size || (size && memcmp(m.data, data, size) != 0))
		abort();
	imsg_free(&m);
	imsgbuf_clear(&tx);
	imsgbuf_clear(&rx);
	close(sv[0]);
	close(sv[1]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imsg_hdr	 hdr;
	size_t		 off = 0;
	int		 r, hasfd, secure;
	size_t		 chunk;
	unsigned int	 fdmask;
	int		 p[2];

	if (fuzz_passfd == -1) {
		if (secmem_init() == -1 || pipe(p) == -1)
			abort();
		close(p[0]);
		fuzz_passfd = p[1];
	}
	if (size < 3)
		return (0);
	secure = data[0] & 1;
	chunk = (size_t)data[1] + 1;
	fdmask = data[2];
	data += 3;
	size -= 3;
	/* The socket buffer must take a whole chunk at once. */
	if (size > 65536)
		size = 65536;

	/* Pure framing walk. */
	while ((r = imsg_parse_hdr_fd(data + off, size - off, &hdr,
	    &hasfd)) == 1) {
		if (hdr.len < IMSG_HEADER_SIZE ||
		    hdr.len > IMSG_HEADER_SIZE + IMSG_MAX_PAYLOAD ||
		    hdr.len > size - off)
			abort();
		off += hdr.len;
	}

	fuzz_stream(secure, chunk, fdmask, data, size);
	fuzz_roundtrip(secure, data, size);
	return (0);
}
