/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * leap-seconds.list parser.  The file's own hash covers only the digits
 * of the "#$" and "#@" values and of the data lines (whitespace and
 * comments removed), in file order, so the parser feeds exactly those
 * bytes to SHA-1 as it goes.  A file without a hash or with a wrong one
 * is refused: a leap table decides whether we insert a second into the
 * clock, and Autokey hands it on to clients as "verified".
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "leapfile.h"

#define LEAP_HASH_WORDS		5

struct leap_parser {
	unsigned int	 line;
	char		*err;
	size_t		 errlen;
	EVP_MD_CTX	*md;
	int		 failed;
};

static int	leap_error(struct leap_parser *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static int
leap_error(struct leap_parser *lp, const char *fmt, ...)
{
	char	msg[256];
	va_list	ap;

	if (lp->failed)
		return -1;
	lp->failed = 1;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (lp->err != NULL && lp->errlen > 0) {
		if (lp->line > 0)
			(void)snprintf(lp->err, lp->errlen, "line %u: %s",
			    lp->line, msg);
		else
			(void)snprintf(lp->err, lp->errlen, "%s", msg);
	}
	return -1;
}

static int
leap_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static int
leap_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * A decimal number at *pp (after blanks), at most max; its digits go into
 * the hash.  Advances *pp past it.
 */
static int
leap_number(struct leap_parser *lp, const char **pp, const char *end,
    uint64_t max, uint64_t *out, const char *what)
{
	const char	*p = *pp, *start;
	uint64_t	 v = 0;

	while (p < end && leap_blank(*p))
		p++;
	start = p;
	while (p < end && leap_digit(*p)) {
		if (v > (max - (uint64_t)(*p - '0')) / 10)
			return leap_error(lp, "%s out of range", what);
		v = v * 10 + (uint64_t)(*p - '0');
		p++;
	}
	if (p == start)
		return leap_error(lp, "%s: number expected", what);
	if (p < end && !leap_blank(*p) && *p != '#')
		return leap_error(lp, "%s: bad number", what);
	if (EVP_DigestUpdate(lp->md, start, (size_t)(p - start)) != 1)
		return leap_error(lp, "SHA-1 failed");
	*out = v;
	*pp = p;
	return 0;
}

/* Nothing but blanks (and, if comments, a comment) up to end. */
static int
leap_rest(struct leap_parser *lp, const char *p, const char *end,
    int comments)
{
	while (p < end && leap_blank(*p))
		p++;
	if (p < end && !(comments && *p == '#'))
		return leap_error(lp, "unexpected text");
	return 0;
}

static int
leap_hexword(const char **pp, const char *end, uint32_t *out)
{
	const char	*p = *pp;
	uint32_t	 v = 0;
	int		 n = 0, d;

	while (p < end && leap_blank(*p))
		p++;
	for (; p < end && !leap_blank(*p); p++, n++) {
		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			return -1;
		if (n >= 8)
			return -1;
		v = (v << 4) | (uint32_t)d;
	}
	if (n == 0)
		return -1;
	*out = v;
	*pp = p;
	return 0;
}

static int
leap_line(struct leap_parser *lp, struct leap_table *t, const char *p,
    const char *end, uint32_t *hash, int *have)
{
	uint64_t	 secs, off;
	size_t		 i;

	if (p < end && *p == '#') {
		if (end - p < 2)
			return 0;
		switch (p[1]) {
		case '$':
			if (have[0]++)
				return leap_error(lp, "duplicate #$ line");
			if (have[2])
				return leap_error(lp, "#$ after hash line");
			p += 2;
			if (leap_number(lp, &p, end, UINT32_MAX, &t->updated,
			    "#$") == -1)
				return -1;
			return leap_rest(lp, p, end, 0);
		case '@':
			if (have[1]++)
				return leap_error(lp, "duplicate #@ line");
			if (have[2])
				return leap_error(lp, "#@ after hash line");
			p += 2;
			if (leap_number(lp, &p, end, UINT32_MAX, &t->expires,
			    "#@") == -1)
				return -1;
			return leap_rest(lp, p, end, 0);
		case 'h':
			if (have[2]++)
				return leap_error(lp, "duplicate hash line");
			p += 2;
			for (i = 0; i < LEAP_HASH_WORDS; i++)
				if (leap_hexword(&p, end, &hash[i]) == -1)
					return leap_error(lp, "bad hash line");
			return leap_rest(lp, p, end, 0);
		default:
			return 0;	/* comment */
		}
	}
	for (i = 0; p + i < end && leap_blank(p[i]); i++)
		;
	if (p + i == end || p[i] == '#')
		return 0;		/* blank or comment only */

	if (have[2])
		return leap_error(lp, "data after hash line");
	if (leap_number(lp, &p, end, UINT32_MAX, &secs, "time") == -1 ||
	    leap_number(lp, &p, end, 1000, &off, "offset") == -1 ||
	    leap_rest(lp, p, end, 1) == -1)
		return -1;
	if (t->n >= LEAP_MAX_ENTRIES)
		return leap_error(lp, "too many entries (max %d)",
		    LEAP_MAX_ENTRIES);
	if (t->n > 0) {
		const struct leap_entry *prev = &t->e[t->n - 1];

		if (secs <= prev->ntp_secs)
			return leap_error(lp, "entries not in increasing "
			    "time order");
		if ((int)off - prev->tai_offset != 1 &&
		    (int)off - prev->tai_offset != -1)
			return leap_error(lp, "offset changes by %d, not by 1",
			    (int)off - prev->tai_offset);
	}
	t->e[t->n].ntp_secs = secs;
	t->e[t->n].tai_offset = (int)off;
	t->n++;
	return 0;
}

/*
 * Parse a whole leap-seconds.list.  Returns 0 with hash_ok set, or -1
 * with err saying which line and why (or what is missing).
 */
int
leapfile_parse(const char *buf, size_t len, struct leap_table *t, char *err,
    size_t errlen)
{
	struct leap_parser	 lp;
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0;
	uint32_t		 hash[LEAP_HASH_WORDS];
	int			 have[3] = { 0, 0, 0 };	/* #$ #@ #h */
	const char		*p = buf, *end = buf + len, *nl;
	size_t			 i;
	int			 rc = -1;

	memset(t, 0, sizeof(*t));
	memset(&lp, 0, sizeof(lp));
	memset(hash, 0, sizeof(hash));
	lp.err = err;
	lp.errlen = errlen;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if ((lp.md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(lp.md, EVP_sha1(), NULL) != 1) {
		(void)leap_error(&lp, "SHA-1 unavailable");
		goto out;
	}
	if (len > 0 && memchr(buf, '\0', len) != NULL) {
		(void)leap_error(&lp, "NUL byte in file");
		goto out;
	}
	while (p < end) {
		lp.line++;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if (leap_line(&lp, t, p, nl, hash, have) == -1)
			goto out;
		p = nl < end ? nl + 1 : end;
	}
	lp.line = 0;
	if (!have[0]) {
		(void)leap_error(&lp, "missing last update line (#$)");
		goto out;
	}
	if (!have[1]) {
		(void)leap_error(&lp, "missing expiration line (#@)");
		goto out;
	}
	if (!have[2]) {
		(void)leap_error(&lp, "missing hash line (#h)");
		goto out;
	}
	if (t->n == 0) {
		(void)leap_error(&lp, "no leap second entries");
		goto out;
	}
	if (t->expires <= t->updated) {
		(void)leap_error(&lp, "expiration not after last update");
		goto out;
	}
	if (EVP_DigestFinal_ex(lp.md, md, &mdlen) != 1 ||
	    mdlen != 4 * LEAP_HASH_WORDS) {
		(void)leap_error(&lp, "SHA-1 failed");
		goto out;
	}
	for (i = 0; i < LEAP_HASH_WORDS; i++) {
		uint32_t w = (uint32_t)md[4 * i] << 24 |
		    (uint32_t)md[4 * i + 1] << 16 |
		    (uint32_t)md[4 * i + 2] << 8 | (uint32_t)md[4 * i + 3];

		if (w != hash[i]) {
			(void)leap_error(&lp, "hash mismatch");
			goto out;
		}
	}
	t->hash_ok = 1;
	rc = 0;
 out:
	EVP_MD_CTX_free(lp.md);
	return rc;
}

/* TAI-UTC at ntp_secs; 0 before the first entry (1972). */
int
leap_offset_at(const struct leap_table *t, uint64_t ntp_secs)
{
	size_t	i;
	int	off = 0;

	for (i = 0; i < t->n && t->e[i].ntp_secs <= ntp_secs; i++)
		off = t->e[i].tai_offset;
	return off;
}

/*
 * Is a leap second due within LEAP_PENDING_WINDOW after ntp_secs?
 * Returns +1 (insert) or -1 (delete) and sets *when (if not NULL) to the
 * table time, the first second of the new offset; 0 if none.
 */
int
leap_pending(const struct leap_table *t, uint64_t ntp_secs, uint64_t *when)
{
	size_t	i;
	int	d;

	for (i = 1; i < t->n; i++) {
		if (t->e[i].ntp_secs <= ntp_secs)
			continue;
		if (t->e[i].ntp_secs - ntp_secs > LEAP_PENDING_WINDOW)
			return 0;
		d = t->e[i].tai_offset - t->e[i - 1].tai_offset;
		if (d == 0)
			return 0;
		if (when != NULL)
			*when = t->e[i].ntp_secs;
		return d > 0 ? 1 : -1;
	}
	return 0;
}

int
leap_expired(const struct leap_table *t, uint64_t now_ntp_secs)
{
	return now_ntp_secs >= t->expires;
}
