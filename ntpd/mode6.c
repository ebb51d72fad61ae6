/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * Mode 6 control messages: parsing requests, building the (possibly
 * fragmented) answers and the variable-list text.  See mode6.h; what
 * the engine answers is in ctl6.c.
 */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mode6.h"

/* Room after the data: padding to 8 and a MAC (key ID + digest). */
#define MODE6_MAXTRAILER	(7 + 4 + 64)

static uint16_t
mode6_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
mode6_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

const char *
mode6_strerror(enum mode6_err e)
{
	switch (e) {
	case MODE6_OK:
		return "ok";
	case MODE6_SHORT:
		return "too short";
	case MODE6_NOTCTL:
		return "not a control message";
	case MODE6_BADVERSION:
		return "bad version";
	case MODE6_RESPONSE:
		return "not a plain request";
	case MODE6_BADCOUNT:
		return "bad count or offset";
	case MODE6_BADPAD:
		return "bad trailer";
	}
	return "unknown error";
}

enum mode6_err
mode6_parse(const uint8_t *buf, size_t len, struct mode6_msg *m)
{
	size_t trailer;

	memset(m, 0, sizeof(*m));
	if (buf == NULL || len < MODE6_HDRLEN)
		return MODE6_SHORT;
	m->leap = buf[0] >> 6;
	m->version = (buf[0] >> 3) & 0x07;
	m->mode = buf[0] & 0x07;
	if (m->mode != 6)
		return MODE6_NOTCTL;
	if (m->version < MODE6_MINVERSION || m->version > MODE6_MAXVERSION)
		return MODE6_BADVERSION;
	m->flags = buf[1] & (MODE6_R | MODE6_E | MODE6_M);
	m->opcode = buf[1] & MODE6_OPMASK;
	m->sequence = mode6_get16(buf + 2);
	m->status = mode6_get16(buf + 4);
	m->associd = mode6_get16(buf + 6);
	m->offset = mode6_get16(buf + 8);
	m->count = mode6_get16(buf + 10);
	if (m->count > MODE6_MAXDATA)
		return MODE6_BADCOUNT;
	if (len - MODE6_HDRLEN < m->count)
		return MODE6_SHORT;
	trailer = len - MODE6_HDRLEN - m->count;
	if (trailer > MODE6_MAXTRAILER)
		return MODE6_BADPAD;
	m->data = buf + MODE6_HDRLEN;
	return MODE6_OK;
}

enum mode6_err
mode6_parse_request(const uint8_t *buf, size_t len, struct mode6_msg *m)
{
	enum mode6_err e;

	if ((e = mode6_parse(buf, len, m)) != MODE6_OK)
		return e;
	/* We never take part in a multi-fragment request. */
	if (m->flags != 0)
		return MODE6_RESPONSE;
	if (m->offset != 0)
		return MODE6_BADCOUNT;
	return MODE6_OK;
}

size_t
mode6_nfrags(size_t datalen)
{
	if (datalen == 0)
		return 1;
	return (datalen + MODE6_MAXDATA - 1) / MODE6_MAXDATA;
}

static void
mode6_header(const struct mode6_msg *req, uint8_t flags, uint16_t status,
    uint16_t associd, uint16_t offset, uint16_t count, uint8_t *out)
{
	out[0] = (uint8_t)((req->version & 0x07) << 3 | 6);
	out[1] = (uint8_t)(MODE6_R | flags | (req->opcode & MODE6_OPMASK));
	mode6_put16(out + 2, req->sequence);
	mode6_put16(out + 4, status);
	mode6_put16(out + 6, associd);
	mode6_put16(out + 8, offset);
	mode6_put16(out + 10, count);
}

size_t
mode6_response(const struct mode6_msg *req, uint16_t status,
    uint16_t associd, const uint8_t *data, size_t datalen, size_t frag,
    uint8_t *out, size_t outlen)
{
	size_t nfr, off, n, total;

	if (data == NULL && datalen > 0)
		return 0;
	nfr = mode6_nfrags(datalen);
	if (frag >= nfr)
		return 0;
	off = frag * MODE6_MAXDATA;
	if (off > UINT16_MAX)
		return 0;
	n = datalen - off;
	if (n > MODE6_MAXDATA)
		n = MODE6_MAXDATA;
	total = (MODE6_HDRLEN + n + 3) & ~(size_t)3;
	if (out == NULL || outlen < total)
		return 0;
	mode6_header(req, frag + 1 < nfr ? MODE6_M : 0, status, associd,
	    (uint16_t)off, (uint16_t)n, out);
	if (n > 0)
		memcpy(out + MODE6_HDRLEN, data + off, n);
	memset(out + MODE6_HDRLEN + n, 0, total - MODE6_HDRLEN - n);
	return total;
}

size_t
mode6_error(const struct mode6_msg *req, int code, uint8_t *out,
    size_t outlen)
{
	if (out == NULL || outlen < MODE6_HDRLEN)
		return 0;
	mode6_header(req, MODE6_E, (uint16_t)((code & 0xff) << 8),
	    req->associd, 0, 0, out);
	return MODE6_HDRLEN;
}

/* ---- variable lists --------------------------------------------- */

static int
mode6_isspace(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

void
mode6_vars_init(struct mode6_vars *v, char *buf, size_t cap,
    const uint8_t *filter, size_t filterlen)
{
	size_t i, start, end, nend;

	memset(v, 0, sizeof(*v));
	v->buf = buf;
	v->cap = cap;
	if (cap > 0)
		buf[0] = '\0';
	if (filter == NULL)
		filterlen = 0;
	for (i = 0; i < filterlen; ) {
		start = i;
		while (i < filterlen && filter[i] != ',')
			i++;
		end = i;
		if (i < filterlen)
			i++;			/* the comma */
		while (start < end && mode6_isspace(filter[start]))
			start++;
		/* "name=value" (a write) still only names a variable */
		for (nend = start; nend < end && filter[nend] != '='; nend++)
			;
		while (nend > start && mode6_isspace(filter[nend - 1]))
			nend--;
		if (nend == start) {
			if (nend != end)	/* "=value" without a name */
				v->badfilter = 1;
			continue;		/* empty element */
		}
		if (v->nnames == MODE6_MAXNAMES ||
		    nend - start > MODE6_NAMELEN) {
			v->badfilter = 1;
			return;
		}
		for (end = start; end < nend; end++)
			if (filter[end] <= ' ' || filter[end] >= 0x7f ||
			    filter[end] == '"') {
				v->badfilter = 1;
				return;
			}
		v->names[v->nnames].name = filter + start;
		v->names[v->nnames].len = nend - start;
		v->nnames++;
	}
}

/* Whether name is asked for; marks it as known. */
int
mode6_want(struct mode6_vars *v, const char *name)
{
	size_t i, len = strlen(name);
	int hit = 0;

	if (v->nnames == 0)
		return 1;
	for (i = 0; i < v->nnames; i++)
		if (v->names[i].len == len &&
		    memcmp(v->names[i].name, name, len) == 0) {
			v->names[i].seen = 1;
			hit = 1;
		}
	return hit;
}

/* A variable that exists but has no value now: not an unknown name. */
void
mode6_known(struct mode6_vars *v, const char *name)
{
	(void)mode6_want(v, name);
}

static void
mode6_append(struct mode6_vars *v, const char *s, size_t n)
{
	if (v->overflow)
		return;
	/* keep room for the final "\r\n" and a NUL */
	if (v->cap < 3 || n > v->cap - 3 - v->len) {
		v->overflow = 1;
		return;
	}
	memcpy(v->buf + v->len, s, n);
	v->len += n;
	v->buf[v->len] = '\0';
}

/* One finished item; the separator before it depends on the line. */
static void
mode6_item(struct mode6_vars *v, const char *item, size_t n)
{
	if (v->len > 0) {
		if (v->linelen + 2 + n >= MODE6_LINELEN) {
			mode6_append(v, ",\r\n", 3);
			v->linelen = 0;
		} else {
			mode6_append(v, ", ", 2);
			v->linelen += 2;
		}
	}
	mode6_append(v, item, n);
	v->linelen += n;
}

/* Values go out printable and without quotes or separators of ours. */
static void
mode6_clean(char *s, int quoted)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < ' ' || (unsigned char)*s >= 0x7f ||
		    *s == '"' || (!quoted && *s == ','))
			*s = '?';
}

static void
mode6_put_item(struct mode6_vars *v, const char *name, const char *value,
    int quoted)
{
	char item[700], val[600];
	int n;

	if (!mode6_want(v, name))
		return;
	if (value == NULL || (quoted && value[0] == '\0'))
		n = snprintf(item, sizeof(item), "%s", name);
	else {
		strlcpy(val, value, sizeof(val));
		mode6_clean(val, quoted);
		n = snprintf(item, sizeof(item), quoted ? "%s=\"%s\"" :
		    "%s=%s", name, val);
	}
	if (n < 0 || (size_t)n >= sizeof(item)) {
		v->overflow = 1;
		return;
	}
	mode6_item(v, item, (size_t)n);
}

void
mode6_put(struct mode6_vars *v, const char *name, const char *value)
{
	mode6_put_item(v, name, value, 0);
}

/* An item that belongs to the one before it: no filter of its own. */
void
mode6_put_follow(struct mode6_vars *v, const char *name, const char *value)
{
	char item[700];
	int n;

	n = snprintf(item, sizeof(item), "%s=%s", name, value);
	if (n < 0 || (size_t)n >= sizeof(item)) {
		v->overflow = 1;
		return;
	}
	mode6_clean(item, 0);
	mode6_item(v, item, (size_t)n);
}

void
mode6_put_str(struct mode6_vars *v, const char *name, const char *value)
{
	mode6_put_item(v, name, value != NULL ? value : "", 1);
}

void
mode6_put_int(struct mode6_vars *v, const char *name, long long x)
{
	char b[32];

	snprintf(b, sizeof(b), "%lld", x);
	mode6_put(v, name, b);
}

void
mode6_put_uint(struct mode6_vars *v, const char *name, unsigned long long x)
{
	char b[32];

	snprintf(b, sizeof(b), "%llu", x);
	mode6_put(v, name, b);
}

void
mode6_put_hex(struct mode6_vars *v, const char *name, unsigned long long x)
{
	char b[32];

	snprintf(b, sizeof(b), "0x%llx", x);
	mode6_put(v, name, b);
}

/* A number with a fixed count of decimals; not-a-number as 0. */
void
mode6_put_fixed(struct mode6_vars *v, const char *name, double x, int prec)
{
	char b[64];

	if (x != x || x > 1e15 || x < -1e15)
		x = 0;
	if (prec < 0 || prec > 9)
		prec = 3;
	snprintf(b, sizeof(b), "%.*f", prec, x);
	mode6_put(v, name, b);
}

/* An NTP timestamp (seconds << 32 | fraction) as ntpq reads it. */
void
mode6_put_ts(struct mode6_vars *v, const char *name, uint64_t ts)
{
	char b[32];

	snprintf(b, sizeof(b), "0x%08" PRIx32 ".%08" PRIx32,
	    (uint32_t)(ts >> 32), (uint32_t)ts);
	mode6_put(v, name, b);
}

int
mode6_date(int64_t t, char *buf, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (buf == NULL || len < 13 || (int64_t)tt != t ||
	    gmtime_r(&tt, &tm) == NULL || tm.tm_year + 1900 < 0 ||
	    tm.tm_year + 1900 > 9999)
		return -1;
	snprintf(buf, len, "%04d%02d%02d%02d%02d", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min);
	return 0;
}

void
mode6_put_date(struct mode6_vars *v, const char *name, int64_t t)
{
	char b[32];

	if (mode6_date(t, b, sizeof(b)) == -1) {
		mode6_known(v, name);
		return;
	}
	mode6_put(v, name, b);
}

int
mode6_vars_end(struct mode6_vars *v, size_t *len)
{
	size_t i;

	*len = 0;
	if (v->badfilter)
		return -2;
	for (i = 0; i < v->nnames; i++)
		if (!v->names[i].seen)
			return -3;
	if (v->overflow)
		return -1;
	if (v->len > 0) {
		/* mode6_append() always kept room for this */
		memcpy(v->buf + v->len, "\r\n", 3);
		v->len += 2;
	}
	*len = v->len;
	return 0;
}
