/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */
#ifndef SEAL_MODE6_H
#define SEAL_MODE6_H

/*
 * NTP control messages (mode 6, RFC 1305 appendix B; what ntpq sends):
 * pure functions over buffers, no I/O and no globals, so that the unit
 * tests and the fuzzer call them directly.  The engine's glue that
 * gathers the variables and sends the answers is ntpd/ctl6.c.
 *
 * Header, 12 bytes, all fields big-endian:
 *	0	LI (2 bits), version (3), mode = 6 (3)
 *	1	R (response), E (error), M (more), opcode (5 bits)
 *	2-3	sequence	4-5	status
 *	6-7	association ID	8-9	offset		10-11	count
 * then count data bytes, padded to a multiple of 4.
 */

#include <stddef.h>
#include <stdint.h>

#define MODE6_HDRLEN		12
#define MODE6_MAXDATA		468	/* data bytes per fragment */
#define MODE6_MAXPKT		(MODE6_HDRLEN + MODE6_MAXDATA)
#define MODE6_MINVERSION	2
#define MODE6_MAXVERSION	4

#define MODE6_R			0x80	/* response */
#define MODE6_E			0x40	/* error */
#define MODE6_M			0x20	/* more fragments follow */
#define MODE6_OPMASK		0x1f

#define MODE6_OP_READSTAT	1
#define MODE6_OP_READVAR	2
#define MODE6_OP_WRITEVAR	3
#define MODE6_OP_READCLOCK	4
#define MODE6_OP_WRITECLOCK	5

/* Error codes, sent in the high byte of the status word with E set. */
#define MODE6_ERR_UNSPEC	0
#define MODE6_ERR_PERMISSION	1	/* authentication failure */
#define MODE6_ERR_BADFMT	2	/* bad length or format */
#define MODE6_ERR_BADOP		3	/* opcode not served */
#define MODE6_ERR_BADASSOC	4	/* no such association */
#define MODE6_ERR_UNKNOWNVAR	5
#define MODE6_ERR_BADVALUE	6
#define MODE6_ERR_PROHIBITED	7	/* administratively prohibited */

/* A parsed header (either direction); data points into the buffer. */
struct mode6_msg {
	uint8_t		 leap;
	uint8_t		 version;
	uint8_t		 mode;
	uint8_t		 flags;		/* MODE6_R | MODE6_E | MODE6_M */
	uint8_t		 opcode;
	uint16_t	 sequence;
	uint16_t	 status;
	uint16_t	 associd;
	uint16_t	 offset;
	uint16_t	 count;
	const uint8_t	*data;		/* count bytes */
};

enum mode6_err {
	MODE6_OK = 0,
	MODE6_SHORT,		/* shorter than the header, or than count */
	MODE6_NOTCTL,		/* not mode 6 */
	MODE6_BADVERSION,	/* version outside 2..4 */
	MODE6_RESPONSE,		/* R, E or M set: not a plain request */
	MODE6_BADCOUNT,		/* count or offset out of range */
	MODE6_BADPAD		/* more than padding + MAC after the data */
};

const char	*mode6_strerror(enum mode6_err);

/* Any control message: header and length checks only. */
enum mode6_err	 mode6_parse(const uint8_t *, size_t, struct mode6_msg *);
/*
 * A request we may answer: a single-fragment request (offset 0, no R,
 * E or M bit), version 2..4, whose data fits a fragment.
 */
enum mode6_err	 mode6_parse_request(const uint8_t *, size_t,
		    struct mode6_msg *);

/* How many fragments datalen bytes of answer take (at least 1). */
size_t		 mode6_nfrags(size_t);
/*
 * Fragment frag of the answer to req: data[frag * 468 ...], M set on all
 * but the last, padded to 4.  Returns the bytes written to out, or 0 if
 * there is no such fragment or out is too small.
 */
size_t		 mode6_response(const struct mode6_msg *, uint16_t status,
		    uint16_t associd, const uint8_t *data, size_t datalen,
		    size_t frag, uint8_t *out, size_t outlen);
/* An error answer (E set, count 0) with code MODE6_ERR_*. */
size_t		 mode6_error(const struct mode6_msg *, int code,
		    uint8_t *out, size_t outlen);

/*
 * Building a variable list: "name=value" items separated by ", ", or by
 * ",\r\n" where a line would pass 72 characters, the whole ending with
 * "\r\n" -- the layout the reference ntpd sends.  An optional filter,
 * the data of a READVAR request ("name1,name2"), picks the items: with
 * an empty one every item goes out.  Repeated names (cert, until) are
 * all kept.  Values are made printable; a string value is quoted, and
 * an empty string value gives the bare name.
 */
#define MODE6_LINELEN		72
#define MODE6_MAXNAMES		32
#define MODE6_NAMELEN		32

struct mode6_vars {
	char		*buf;
	size_t		 cap;
	size_t		 len;
	size_t		 linelen;
	int		 overflow;	/* something did not fit */
	int		 badfilter;	/* filter malformed */
	size_t		 nnames;	/* 0: all */
	struct {
		const uint8_t	*name;
		size_t		 len;
		int		 seen;
	}		 names[MODE6_MAXNAMES];
};

void		 mode6_vars_init(struct mode6_vars *, char *, size_t,
		    const uint8_t *filter, size_t filterlen);
int		 mode6_want(struct mode6_vars *, const char *);
void		 mode6_known(struct mode6_vars *, const char *);
void		 mode6_put(struct mode6_vars *, const char *, const char *);
void		 mode6_put_follow(struct mode6_vars *, const char *,
		    const char *);
void		 mode6_put_str(struct mode6_vars *, const char *,
		    const char *);
void		 mode6_put_int(struct mode6_vars *, const char *, long long);
void		 mode6_put_uint(struct mode6_vars *, const char *,
		    unsigned long long);
void		 mode6_put_hex(struct mode6_vars *, const char *,
		    unsigned long long);
void		 mode6_put_fixed(struct mode6_vars *, const char *, double,
		    int);
void		 mode6_put_ts(struct mode6_vars *, const char *, uint64_t);
void		 mode6_put_date(struct mode6_vars *, const char *, int64_t);
/* Ends the list; the text length, or -1 if it overflowed, -2 if the
 * filter was malformed, -3 if it named a variable nobody put or knew. */
int		 mode6_vars_end(struct mode6_vars *, size_t *);
/* "YYYYMMDDhhmm" (UTC) of Unix seconds into buf; 0 or -1. */
int		 mode6_date(int64_t, char *, size_t);

#endif
