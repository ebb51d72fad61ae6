/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * Buffered, non-blocking message passing over a unix stream socket, with
 * descriptor passing.  The wire format and the rules for descriptors are
 * described in imsg.h.  Nothing here logs or exits: errors go back to the
 * caller, who decides (usually: the link is dead, shut down).
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

#include "imsg.h"
#include "secmem.h"

/* Initial read buffer; it doubles up to IMSG_RBUF_MAX as needed. */
#define IMSG_RBUF_INIT	(2 * IMSG_READ_MIN)
/* Messages gathered into one sendmsg(2). */
#define IMSG_IOV_MAX	64

struct imsg_obuf {
	struct imsg_obuf	*next;
	uint8_t			*buf;	/* header + payload */
	size_t			 len;
	size_t			 off;	/* bytes already written */
	int			 fd;	/* still to send, or -1; sent at off 0 */
};

static void	*imsg_balloc(const struct imsgbuf *, size_t);
static void	 imsg_bfree(const struct imsgbuf *, void *);
static void	 imsg_obuf_free(const struct imsgbuf *, struct imsg_obuf *);
static int	 imsg_rbuf_reserve(struct imsgbuf *);
static int	 imsg_take_fds(struct imsgbuf *, struct msghdr *, uint64_t);
static void	 imsg_consume(struct imsgbuf *, size_t);
static ssize_t	 imsg_violation(struct imsgbuf *);

static void *
imsg_balloc(const struct imsgbuf *ibuf, size_t len)
{
	if (ibuf->flags & IMSGF_SECURE)
		return (secmem_alloc(len));
	return (malloc(len));
}

static void
imsg_bfree(const struct imsgbuf *ibuf, void *p)
{
	if (ibuf->flags & IMSGF_SECURE)
		secmem_free(p);
	else
		free(p);
}

static void
imsg_obuf_free(const struct imsgbuf *ibuf, struct imsg_obuf *ob)
{
	if (ob->fd != -1)
		close(ob->fd);
	imsg_bfree(ibuf, ob->buf);
	free(ob);
}

/*
 * Prepares an imsgbuf on fd, which is made non-blocking.  flags is 0 or
 * IMSGF_SECURE.  Returns 0, or -1 with errno set.
 */
int
imsgbuf_init(struct imsgbuf *ibuf, int fd, int flags)
{
	int	 fl;

	if (fd < 0) {
		errno = EBADF;
		return (-1);
	}
	if ((flags & ~IMSGF_SECURE) != 0) {
		errno = EINVAL;
		return (-1);
	}
	if ((fl = fcntl(fd, F_GETFL)) == -1)
		return (-1);
	if ((fl & O_NONBLOCK) == 0 &&
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		return (-1);

	memset(ibuf, 0, sizeof(*ibuf));
	ibuf->fd = fd;
	ibuf->flags = flags;
	ibuf->pid = getpid();
	return (0);
}

/*
 * Frees every buffer, closes received descriptors nobody took and
 * descriptors of messages never sent.  Does not close ibuf->fd.  The
 * imsgbuf may be used again afterwards (same fd and flags, empty queues).
 */
void
imsgbuf_clear(struct imsgbuf *ibuf)
{
	struct imsg_obuf	*ob;
	size_t			 i;

	while ((ob = ibuf->out_head) != NULL) {
		ibuf->out_head = ob->next;
		imsg_obuf_free(ibuf, ob);
	}
	ibuf->out_last = NULL;
	ibuf->out_count = 0;

	for (i = 0; i < ibuf->rfd_count; i++)
		close(ibuf->rfds[(ibuf->rfd_head + i) %
		    IMSG_MAX_FDS_QUEUED].fd);
	ibuf->rfd_head = ibuf->rfd_count = 0;

	/* The secure allocator wipes the whole buffer on free. */
	imsg_bfree(ibuf, ibuf->rbuf);
	ibuf->rbuf = NULL;
	ibuf->rcap = ibuf->rpos = ibuf->rlen = 0;
	ibuf->roff = ibuf->rtotal = 0;
	ibuf->dead = 0;
}

/*
 * Queues one message.  fd (or -1) travels with it and is closed here once
 * sent; if this call fails, the caller still owns fd.  Returns 0, or -1
 * with errno EMSGSIZE (payload over IMSG_MAX_PAYLOAD), EINVAL or ENOMEM.
 */
int
imsg_compose(struct imsgbuf *ibuf, uint32_t type, uint32_t peerid, pid_t pid,
    int fd, const void *data, size_t datalen)
{
	struct iovec	 iov;

	if (datalen > IMSG_MAX_PAYLOAD) {
		errno = EMSGSIZE;
		return (-1);
	}
	if (datalen == 0)
		return (imsg_composev(ibuf, type, peerid, pid, fd, NULL, 0));
	/* The cast only satisfies struct iovec; the data is not written. */
	iov.iov_base = (void *)(uintptr_t)data;
	iov.iov_len = datalen;
	return (imsg_composev(ibuf, type, peerid, pid, fd, &iov, 1));
}

/* As imsg_compose(), with the payload gathered from iovcnt pieces. */
int
imsg_composev(struct imsgbuf *ibuf, uint32_t type, uint32_t peerid,
    pid_t pid, int fd, const struct iovec *iov, int iovcnt)
{
	struct imsg_obuf	*ob;
	struct imsg_hdr		 hdr;
	size_t			 datalen = 0, off;
	int			 i;

	if (iovcnt < 0 || (iovcnt > 0 && iov == NULL) || fd < -1) {
		errno = EINVAL;
		return (-1);
	}
	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > 0 && iov[i].iov_base == NULL) {
			errno = EINVAL;
			return (-1);
		}
		/* Checked piecewise so that the sum cannot overflow. */
		if (iov[i].iov_len > IMSG_MAX_PAYLOAD - datalen) {
			errno = EMSGSIZE;
			return (-1);
		}
		datalen += iov[i].iov_len;
	}

	if ((ob = calloc(1, sizeof(*ob))) == NULL)
		return (-1);
	ob->len = IMSG_HEADER_SIZE + datalen;
	if ((ob->buf = imsg_balloc(ibuf, ob->len)) == NULL) {
		free(ob);
		errno = ENOMEM;
		return (-1);
	}
	ob->fd = fd;

	hdr.type = type;
	hdr.len = (uint32_t)ob->len | (fd != -1 ? IMSG_HDR_FDFLAG : 0);
	hdr.peerid = peerid;
	hdr.pid = (uint32_t)pid;
	memcpy(ob->buf, &hdr, sizeof(hdr));
	off = IMSG_HEADER_SIZE;
	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len == 0)
			continue;
		memcpy(ob->buf + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}

	if (ibuf->out_last != NULL)
		ibuf->out_last->next = ob;
	else
		ibuf->out_head = ob;
	ibuf->out_last = ob;
	ibuf->out_count++;
	return (0);
}

/*
 * Writes queued messages until the queue is empty or the socket is full.
 * Returns 0 (check imsgbuf_queuelen() for what is left), or -1 with errno
 * set on a real error (EPIPE when the peer has gone, ...).
 */
int
imsgbuf_write(struct imsgbuf *ibuf)
{
	struct iovec		 iov[IMSG_IOV_MAX];
	union {
		struct cmsghdr	 hdr;
		char		 buf[CMSG_SPACE(sizeof(int))];
	}			 cmsgbuf;
	struct msghdr		 msg;
	struct cmsghdr		*cmsg;
	struct imsg_obuf	*ob;
	ssize_t			 n;
	size_t			 left, rem;
	int			 niov, sendfd;

	while (ibuf->out_head != NULL) {
		niov = 0;
		sendfd = -1;
		for (ob = ibuf->out_head; ob != NULL && niov < IMSG_IOV_MAX;
		    ob = ob->next) {
			/*
			 * A descriptor must ride on the sendmsg that starts
			 * with its message's first byte (see imsg.h), so such
			 * a message goes out alone.
			 */
			if (ob->fd != -1) {
				if (niov > 0)
					break;
				sendfd = ob->fd;
			}
			iov[niov].iov_base = ob->buf + ob->off;
			iov[niov].iov_len = ob->len - ob->off;
			niov++;
			if (sendfd != -1)
				break;
		}

		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = iov;
		msg.msg_iovlen = niov;
		if (sendfd != -1) {
			memset(&cmsgbuf, 0, sizeof(cmsgbuf));
			msg.msg_control = cmsgbuf.buf;
			msg.msg_controllen = sizeof(cmsgbuf.buf);
			cmsg = CMSG_FIRSTHDR(&msg);
			cmsg->cmsg_len = CMSG_LEN(sizeof(int));
			cmsg->cmsg_level = SOL_SOCKET;
			cmsg->cmsg_type = SCM_RIGHTS;
			memcpy(CMSG_DATA(cmsg), &sendfd, sizeof(int));
		}

		n = sendmsg(ibuf->fd, &msg, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			/* ENOBUFS: transient lack of kernel memory. */
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == ENOBUFS)
				return (0);
			return (-1);
		}
		if (n == 0)
			return (0);

		/* The kernel now holds a reference: ours can go. */
		if (sendfd != -1) {
			close(sendfd);
			ibuf->out_head->fd = -1;
		}
		left = (size_t)n;
		while (left > 0 && (ob = ibuf->out_head) != NULL) {
			rem = ob->len - ob->off;
			if (left < rem) {
				ob->off += left;
				break;
			}
			left -= rem;
			ibuf->out_head = ob->next;
			if (ibuf->out_head == NULL)
				ibuf->out_last = NULL;
			ibuf->out_count--;
			imsg_obuf_free(ibuf, ob);
		}
	}
	return (0);
}

/*
 * Blocks (poll(2) + write) until every queued message is written.
 * Returns 0, or -1 with errno set.
 */
int
imsgbuf_flush(struct imsgbuf *ibuf)
{
	struct pollfd	 pfd;

	for (;;) {
		if (imsgbuf_write(ibuf) == -1)
			return (-1);
		if (ibuf->out_count == 0)
			return (0);
		pfd.fd = ibuf->fd;
		pfd.events = POLLOUT;
		pfd.revents = 0;
		if (poll(&pfd, 1, -1) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		if (pfd.revents & POLLNVAL) {
			errno = EBADF;
			return (-1);
		}
		/* POLLERR and POLLHUP: the next write reports the error. */
	}
}

/* Number of messages not yet completely written. */
size_t
imsgbuf_queuelen(const struct imsgbuf *ibuf)
{
	return (ibuf->out_count);
}

/*
 * Bytes read but not yet returned by imsg_get(): after imsgbuf_read()
 * returned 0 (EOF), non-zero means the peer stopped in mid-message.
 */
size_t
imsgbuf_pending(const struct imsgbuf *ibuf)
{
	return (ibuf->rlen - ibuf->rpos);
}

/*
 * Makes room for the next read: moves unconsumed bytes to the front and
 * grows the buffer while it is below IMSG_RBUF_MAX.  Since imsg_get()
 * leaves less than one maximal message unconsumed, a caller that drains
 * after each read always finds at least IMSG_READ_MIN bytes free.
 */
static int
imsg_rbuf_reserve(struct imsgbuf *ibuf)
{
	uint8_t	*nb;
	size_t	 left, ncap;

	if (ibuf->rpos > 0) {
		left = ibuf->rlen - ibuf->rpos;
		memmove(ibuf->rbuf, ibuf->rbuf + ibuf->rpos, left);
		/* Do not leave a second copy of the moved bytes behind. */
		if (ibuf->flags & IMSGF_SECURE)
			secmem_wipe(ibuf->rbuf + left, ibuf->rpos);
		ibuf->rlen = left;
		ibuf->rpos = 0;
	}
	if (ibuf->rcap - ibuf->rlen >= IMSG_READ_MIN)
		return (0);
	if (ibuf->rcap >= IMSG_RBUF_MAX) {
		if (ibuf->rcap > ibuf->rlen)
			return (0);
		/* The caller reads without calling imsg_get(). */
		errno = ENOBUFS;
		return (-1);
	}

	ncap = ibuf->rcap == 0 ? IMSG_RBUF_INIT : ibuf->rcap * 2;
	if (ncap < ibuf->rlen + IMSG_READ_MIN)
		ncap = ibuf->rlen + IMSG_READ_MIN;
	if (ncap > IMSG_RBUF_MAX)
		ncap = IMSG_RBUF_MAX;
	if ((nb = imsg_balloc(ibuf, ncap)) == NULL) {
		errno = ENOMEM;
		return (-1);
	}
	if (ibuf->rlen > 0)
		memcpy(nb, ibuf->rbuf, ibuf->rlen);
	imsg_bfree(ibuf, ibuf->rbuf);
	ibuf->rbuf = nb;
	ibuf->rcap = ncap;
	return (0);
}

/*
 * Queues the descriptors that came with one read, which covered stream
 * bytes [first, ibuf->rtotal).  On a truncated control message or a full
 * queue, every descriptor of this read is closed, the link is marked dead
 * and -1 is returned (errno EBADMSG or ENOBUFS).
 */
static int
imsg_take_fds(struct imsgbuf *ibuf, struct msghdr *msg, uint64_t first)
{
	struct cmsghdr	*cmsg;
	struct imsg_rfd	*rfd;
	size_t		 i, nfds;
	int		 fd, error = 0;

	if (msg->msg_flags & MSG_CTRUNC)
		error = EBADMSG;
	for (cmsg = CMSG_FIRSTHDR(msg); cmsg != NULL;
	    cmsg = CMSG_NXTHDR(msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS ||
		    cmsg->cmsg_len < CMSG_LEN(0))
			continue;
		nfds = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < nfds; i++) {
			memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int),
			    sizeof(int));
			if (error == 0 &&
			    ibuf->rfd_count == IMSG_MAX_FDS_QUEUED)
				error = ENOBUFS;
			if (error != 0) {
				close(fd);
				continue;
			}
			rfd = &ibuf->rfds[(ibuf->rfd_head + ibuf->rfd_count) %
			    IMSG_MAX_FDS_QUEUED];
			rfd->fd = fd;
			rfd->first = first;
			rfd->end = ibuf->rtotal;
			ibuf->rfd_count++;
		}
	}
	if (error == 0)
		return (0);
	/* The descriptors queued from this read go too. */
	while (ibuf->rfd_count > 0) {
		rfd = &ibuf->rfds[(ibuf->rfd_head + ibuf->rfd_count - 1) %
		    IMSG_MAX_FDS_QUEUED];
		if (rfd->first != first)
			break;
		close(rfd->fd);
		ibuf->rfd_count--;
	}
	ibuf->dead = 1;
	errno = error;
	return (-1);
}

/*
 * Reads what the socket has, with any descriptors.  Returns the number of
 * bytes read, 0 at end of file (see imsgbuf_pending()), or -1 with errno:
 * EAGAIN when nothing is there yet (poll and call again), ENOBUFS when the
 * read buffer is full because the caller did not drain it with imsg_get()
 * or when more than IMSG_MAX_FDS_QUEUED descriptors are waiting, EBADMSG
 * when descriptors were lost, or the error of recvmsg(2).
 */
ssize_t
imsgbuf_read(struct imsgbuf *ibuf)
{
	union {
		struct cmsghdr	 hdr;
		char		 buf[CMSG_SPACE(sizeof(int) *
				    IMSG_MAX_FDS_QUEUED)];
	}			 cmsgbuf;
	struct msghdr		 msg;
	struct iovec		 iov;
	uint64_t		 first;
	ssize_t			 n;
	int			 rflags = 0;

	if (imsg_rbuf_reserve(ibuf) == -1)
		return (-1);

	iov.iov_base = ibuf->rbuf + ibuf->rlen;
	iov.iov_len = ibuf->rcap - ibuf->rlen;
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cmsgbuf.buf;
	msg.msg_controllen = sizeof(cmsgbuf.buf);
#ifdef MSG_CMSG_CLOEXEC
	/* Received descriptors must not leak into exec'd children. */
	rflags = MSG_CMSG_CLOEXEC;
#endif

	if ((n = recvmsg(ibuf->fd, &msg, rflags)) == -1) {
		if (errno == EINTR || errno == EWOULDBLOCK)
			errno = EAGAIN;
		return (-1);
	}
	first = ibuf->rtotal;
	ibuf->rlen += (size_t)n;
	ibuf->rtotal += (uint64_t)n;
	if (imsg_take_fds(ibuf, &msg, first) == -1)
		return (-1);
	return (n);
}

/*
 * Pure framing check of the bytes at buf (avail of them), no I/O.
 * Returns 1 when a complete, well-formed message is there (out gets its
 * header with the length alone, *hasfd whether the descriptor bit was set;
 * hasfd may be NULL), 0 when more bytes are needed, -1 when the header is
 * a protocol violation: length under IMSG_HEADER_SIZE or payload over
 * IMSG_MAX_PAYLOAD.  A bad header is reported as soon as its 16 bytes are
 * there, without waiting for the payload it announces.
 */
int
imsg_parse_hdr_fd(const uint8_t *buf, size_t avail, struct imsg_hdr *out,
    int *hasfd)
{
	struct imsg_hdr	 hdr;
	uint32_t	 len;

	if (avail < IMSG_HEADER_SIZE)
		return (0);
	memcpy(&hdr, buf, sizeof(hdr));
	len = hdr.len & IMSG_HDR_LENMASK;
	if (len < IMSG_HEADER_SIZE || len > IMSG_HEADER_SIZE + IMSG_MAX_PAYLOAD)
		return (-1);
	if (avail < len)
		return (0);
	if (hasfd != NULL)
		*hasfd = (hdr.len & IMSG_HDR_FDFLAG) != 0;
	hdr.len = len;
	*out = hdr;
	return (1);
}

/* imsg_parse_hdr_fd() for callers that do not care about descriptors. */
int
imsg_parse_hdr(const uint8_t *buf, size_t avail, struct imsg_hdr *out)
{
	return (imsg_parse_hdr_fd(buf, avail, out, NULL));
}

static void
imsg_consume(struct imsgbuf *ibuf, size_t len)
{
	if (ibuf->flags & IMSGF_SECURE)
		secmem_wipe(ibuf->rbuf + ibuf->rpos, len);
	ibuf->rpos += len;
	ibuf->roff += len;
	if (ibuf->rpos == ibuf->rlen)
		ibuf->rpos = ibuf->rlen = 0;
}

static ssize_t
imsg_violation(struct imsgbuf *ibuf)
{
	ibuf->dead = 1;
	errno = EBADMSG;
	return (-1);
}

/*
 * Extracts the next complete message into imsg, which the caller releases
 * with imsg_free() (and owns imsg->fd if not -1).  Returns hdr.len (> 0),
 * 0 when more bytes are needed, or -1: errno EBADMSG for a protocol
 * violation (then for good: the link is dead), ENOMEM.
 */
ssize_t
imsg_get(struct imsgbuf *ibuf, struct imsg *imsg)
{
	struct imsg_hdr	 hdr;
	struct imsg_rfd	*rfd = NULL;
	uint8_t		*data = NULL;
	size_t		 datalen;
	int		 r, hasfd = 0;

	if (ibuf->dead)
		return (imsg_violation(ibuf));

	/*
	 * A descriptor whose read lies wholly before the next message was
	 * claimed by no message.
	 */
	if (ibuf->rfd_count > 0) {
		rfd = &ibuf->rfds[ibuf->rfd_head];
		if (rfd->end <= ibuf->roff)
			return (imsg_violation(ibuf));
	}

	/* rbuf is NULL before the first read: no arithmetic on it then. */
	if (ibuf->rbuf == NULL)
		return (0);
	r = imsg_parse_hdr_fd(ibuf->rbuf + ibuf->rpos,
	    ibuf->rlen - ibuf->rpos, &hdr, &hasfd);
	if (r == -1)
		return (imsg_violation(ibuf));
	if (r == 0)
		return (0);

	/* The descriptor must have come with this message's first byte. */
	if (hasfd && (rfd == NULL || rfd->first > ibuf->roff))
		return (imsg_violation(ibuf));

	datalen = hdr.len - IMSG_HEADER_SIZE;
	if (datalen > 0) {
		if ((data = imsg_balloc(ibuf, datalen)) == NULL) {
			errno = ENOMEM;
			return (-1);
		}
		memcpy(data, ibuf->rbuf + ibuf->rpos + IMSG_HEADER_SIZE,
		    datalen);
	}

	memset(imsg, 0, sizeof(*imsg));
	imsg->hdr = hdr;
	imsg->fd = -1;
	imsg->data = data;
	imsg->datalen = datalen;
	imsg->secure = (ibuf->flags & IMSGF_SECURE) != 0;
	if (hasfd) {
		imsg->fd = rfd->fd;
		ibuf->rfd_head = (ibuf->rfd_head + 1) % IMSG_MAX_FDS_QUEUED;
		ibuf->rfd_count--;
	}
	imsg_consume(ibuf, hdr.len);
	return ((ssize_t)hdr.len);
}

/* Frees imsg->data (wiped if secure).  imsg->fd stays the caller's. */
void
imsg_free(struct imsg *imsg)
{
	if (imsg->data != NULL) {
		if (imsg->secure)
			secmem_free(imsg->data);
		else
			free(imsg->data);
	}
	imsg->data = NULL;
	imsg->datalen = 0;
}

/*
 * Copies the payload into buf if it is exactly len bytes.  Returns 0, or
 * -1 with errno EBADMSG when the length differs: every receive path must
 * know the exact size it expects.
 */
int
imsg_get_data(const struct imsg *imsg, void *buf, size_t len)
{
	if (imsg->datalen != len) {
		errno = EBADMSG;
		return (-1);
	}
	if (len > 0)
		memcpy(buf, imsg->data, len);
	return (0);
}

/* Returns 0 if the payload is exactly len bytes, else -1 (EBADMSG). */
int
imsg_expect_len(const struct imsg *imsg, size_t len)
{
	if (imsg->datalen != len) {
		errno = EBADMSG;
		return (-1);
	}
	return (0);
}
