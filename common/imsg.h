/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */
#ifndef SEAL_IMSG_H
#define SEAL_IMSG_H

#include <sys/types.h>
#include <sys/uio.h>

#include <stddef.h>
#include <stdint.h>

/*
 * Message layer for the pipes between sealntp's processes.
 *
 * A link is one AF_UNIX SOCK_STREAM socket (socketpair(2) or a connected
 * unix socket; fd passing needs a unix socket).  Both ends run on the same
 * machine, so the header is in host byte order.  A message is a header
 * followed by hdr.len - IMSG_HEADER_SIZE bytes of payload.
 *
 * On the wire the top bit of hdr.len (IMSG_HDR_FDFLAG) says that exactly
 * one descriptor travels with the message; the rest of the field is the
 * length.  Users never see the bit: imsg_get() strips it and fills in
 * imsg.fd instead.  The sender attaches the descriptor (SCM_RIGHTS) to the
 * sendmsg(2) whose data starts at the message's first byte, so the kernel
 * hands it to the receiver in the same read that returns that byte.  The
 * receiver records, for each descriptor, the stream range of the read it
 * came with, and imsg_get() insists that a flagged message starts inside
 * the range of the oldest queued descriptor.  Hence:
 *   - a message that claims a descriptor which did not arrive,
 *   - a descriptor that no message claims (the next message starts after
 *     the read that brought it),
 * are both protocol violations, and a descriptor cannot drift onto a
 * later message.
 *
 * Typical receive loop (after poll(2) says POLLIN):
 *	if ((n = imsgbuf_read(&ib)) == -1 && errno != EAGAIN) -> fatal
 *	if (n == 0) -> peer gone (imsgbuf_pending() > 0: in mid-message)
 *	for (;;) {
 *		if ((n = imsg_get(&ib, &imsg)) == -1) -> fatal
 *		if (n == 0) break;
 *		switch (imsg.hdr.type) ... imsg_get_data(&imsg, &s, sizeof(s))
 *		imsg_free(&imsg);
 *	}
 * and on POLLOUT (request it while imsgbuf_queuelen() > 0):
 *	if (imsgbuf_write(&ib) == -1) -> fatal
 *
 * Descriptors: imsg_compose() takes ownership of the one it is given
 * only on success, and closes it once sent (or in imsgbuf_clear() if it
 * never was).  A received descriptor belongs to the caller once imsg_get()
 * hands it out in imsg.fd (imsg_free() does not close it); received
 * descriptors are close-on-exec where the system supports
 * MSG_CMSG_CLOEXEC.  At most IMSG_MAX_FDS_QUEUED wait to be claimed;
 * more is an error that kills the link.
 *
 * Protocol violations (bad length, bad descriptor bookkeeping) make
 * imsg_get() return -1 with errno EBADMSG, and every later call does the
 * same: the link is dead and its owner should shut it down (fail closed).
 *
 * Memory: the read buffer grows on demand up to IMSG_RBUF_MAX bytes (one
 * maximal message plus one read) and never beyond.  The outgoing queue is
 * NOT bounded by this layer: every imsg_compose() allocates one buffer of
 * header + payload until it is written.  Callers that may produce faster
 * than the peer consumes must watch imsgbuf_queuelen() and POLLOUT.
 *
 * With IMSGF_SECURE every buffer that holds payload bytes (the read
 * buffer, each outgoing message, each imsg.data handed out) comes from
 * secmem_alloc() and is wiped when freed; consumed bytes in the read buffer
 * are wiped as soon as the message is extracted.  secmem_init() must have
 * been called.  Each secure allocation costs a few pages, so keep secure
 * links for the few messages that carry secrets.
 */

struct imsg_hdr {
	uint32_t	type;
	uint32_t	len;	/* header + payload, bytes */
	uint32_t	peerid;
	uint32_t	pid;
};

#define IMSG_HEADER_SIZE	sizeof(struct imsg_hdr)	/* 16 */
#define IMSG_MAX_PAYLOAD	(64 * 1024)	/* larger is a protocol violation */
#define IMSG_MAX_FDS_QUEUED	16

/* Wire only: set in hdr.len when a descriptor travels with the message. */
#define IMSG_HDR_FDFLAG		0x80000000U
#define IMSG_HDR_LENMASK	0x7fffffffU

/* Read buffer: smallest read we attempt and the hard cap on its size. */
#define IMSG_READ_MIN		4096
#define IMSG_RBUF_MAX		(IMSG_HEADER_SIZE + IMSG_MAX_PAYLOAD + \
				    IMSG_READ_MIN)

#define IMSGF_SECURE	0x01	/* all payload buffers from secmem_alloc */

struct imsg {
	struct imsg_hdr	 hdr;	/* hdr.len without IMSG_HDR_FDFLAG */
	int		 fd;	/* -1 if none passed with this message */
	uint8_t		*data;	/* hdr.len - IMSG_HEADER_SIZE bytes, NULL if 0 */
	size_t		 datalen;
	int		 secure; /* data came from secmem_alloc */
};

/* One received descriptor and the stream range of the read it came with. */
struct imsg_rfd {
	int		 fd;
	uint64_t	 first;	/* stream offset of the read's first byte */
	uint64_t	 end;	/* one past the read's last byte */
};

struct imsg_obuf;	/* one queued outgoing message, private to imsg.c */

struct imsgbuf {
	int			 fd;
	int			 flags;		/* IMSGF_* */
	int			 dead;		/* protocol violation seen */
	pid_t			 pid;		/* getpid() at init */
	/* read side: unconsumed bytes are rbuf[rpos .. rlen) */
	uint8_t			*rbuf;
	size_t			 rcap;
	size_t			 rpos;
	size_t			 rlen;
	uint64_t		 roff;		/* stream offset of rbuf[rpos] */
	uint64_t		 rtotal;	/* bytes read so far */
	struct imsg_rfd		 rfds[IMSG_MAX_FDS_QUEUED];
	size_t			 rfd_head;
	size_t			 rfd_count;
	/* write side: FIFO of messages */
	struct imsg_obuf	*out_head;
	struct imsg_obuf	*out_last;
	size_t			 out_count;
};

int	 imsgbuf_init(struct imsgbuf *, int, int);
void	 imsgbuf_clear(struct imsgbuf *);
int	 imsg_compose(struct imsgbuf *, uint32_t, uint32_t, pid_t, int,
	    const void *, size_t);
int	 imsg_composev(struct imsgbuf *, uint32_t, uint32_t, pid_t, int,
	    const struct iovec *, int);
ssize_t	 imsgbuf_read(struct imsgbuf *);
int	 imsgbuf_write(struct imsgbuf *);
int	 imsgbuf_flush(struct imsgbuf *);
size_t	 imsgbuf_queuelen(const struct imsgbuf *);
size_t	 imsgbuf_pending(const struct imsgbuf *);
ssize_t	 imsg_get(struct imsgbuf *, struct imsg *);
void	 imsg_free(struct imsg *);
int	 imsg_get_data(const struct imsg *, void *, size_t);
int	 imsg_expect_len(const struct imsg *, size_t);

/* Pure framing check over received bytes (no I/O): see imsg.c. */
int	 imsg_parse_hdr(const uint8_t *, size_t, struct imsg_hdr *);
int	 imsg_parse_hdr_fd(const uint8_t *, size_t, struct imsg_hdr *,
	    int *);

#endif
