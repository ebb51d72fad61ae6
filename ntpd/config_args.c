/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * ntp.conf parser: the error report and the argument checks the
 * directive handlers share (numbers, addresses, names, paths, once-only
 * scalars).
 */

#include <sys/socket.h>
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "config_impl.h"

int
conf_error(struct conf_parser *p, const char *fmt, ...)
{
	char	msg[CONF_MAX_LINE + 128];
	va_list	ap;

	if (p->failed)
		return -1;
	p->failed = 1;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->err != NULL && p->errlen > 0)
		(void)snprintf(p->err, p->errlen, "%s:%u: %s", p->fname,
		    p->line, msg);
	return -1;
}

/* A decimal number in [min, max]; "what" names the option in the error. */
int
conf_number(struct conf_parser *p, const char *what, const char *s,
    long long min, long long max, int *out)
{
	long long	 v = 0;
	size_t		 i, len = strlen(s);

	if (len == 0 || len > 10)
		goto bad;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			goto bad;
		v = v * 10 + (s[i] - '0');
	}
	if (v < min || v > max)
		goto bad;
	*out = (int)v;
	return 0;
 bad:
	return conf_error(p, "%s: bad number '%s' (expected %lld..%lld)",
	    what, s, min, max);
}

int
conf_addr_parse(const char *s, struct conf_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a->u.v4) == 1) {
		a->af = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a->u.v6) == 1) {
		a->af = AF_INET6;
		return 0;
	}
	return -1;
}

const char *
conf_addr_str(const struct conf_addr *a, char *buf, size_t len)
{
	if (inet_ntop(a->af, &a->u, buf, len) == NULL)
		(void)strlcpy(buf, "?", len);
	return buf;
}

int
conf_addr_eq(const struct conf_addr *a, const struct conf_addr *b)
{
	if (a->af != b->af)
		return 0;
	if (a->af == AF_INET)
		return a->u.v4.s_addr == b->u.v4.s_addr;
	return memcmp(&a->u.v6, &b->u.v6, sizeof(a->u.v6)) == 0;
}

int
conf_addr_multicast(const struct conf_addr *a)
{
	if (a->af == AF_INET)
		return (ntohl(a->u.v4.s_addr) & 0xf0000000U) == 0xe0000000U;
	return a->u.v6.s6_addr[0] == 0xff;
}

/*
 * A syntactically valid DNS name: labels of letters, digits, '-' and '_'
 * (seen in real names, e.g. the seed guide's), 1..63 long, not starting
 * or ending with '-'; at most 253 characters plus an optional final dot.
 * A last label of digits only is a mistyped address, not a name.
 */
int
conf_valid_hostname(const char *s)
{
	size_t	 len = strlen(s), i, lab = 0, labstart = 0;
	int	 alldigits = 1;

	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return 0;
	for (i = 0; i <= len; i++) {
		char c = i < len ? s[i] : '.';

		if (c == '.') {
			if (lab == 0 || lab > 63 || s[i - 1] == '-' ||
			    s[labstart] == '-')
				return 0;
			if (i == len && alldigits)
				return 0;
			lab = 0;
			labstart = i + 1;
			alldigits = 1;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
		if (c < '0' || c > '9')
			alldigits = 0;
		lab++;
	}
	return 1;
}

/*
 * User, group and host names used in file names (ntpkey_*_NAME): no '/',
 * no leading '.' or '-'.
 */
int
conf_valid_name(const char *s, size_t size)
{
	size_t	 i, len = strlen(s);

	if (len == 0 || len >= size || s[0] == '.' || s[0] == '-')
		return 0;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '@'))
			return 0;
	}
	return 1;
}

int
conf_once(struct conf_parser *p, uint32_t bit, const char *what)
{
	if (p->conf->seen & bit)
		return conf_error(p, "duplicate directive '%s'", what);
	p->conf->seen |= bit;
	return 0;
}

/* The directive takes between min and max arguments. */
int
conf_nargs(struct conf_parser *p, size_t min, size_t max)
{
	if (p->ntok - 1 < min)
		return conf_error(p, "%s: missing argument", p->tok[0]);
	if (p->ntok - 1 > max)
		return conf_error(p, "%s: unexpected argument '%s'", p->tok[0],
		    p->tok[max + 1]);
	return 0;
}

/* "DIRECTIVE PATH": one argument, absolute unless relok. */
int
conf_path(struct conf_parser *p, char *dst, size_t size, int relok)
{
	const char	*s;

	if (conf_nargs(p, 1, 1) == -1)
		return -1;
	s = p->tok[1];
	if (!relok && s[0] != '/')
		return conf_error(p, "%s: path must be absolute '%s'",
		    p->tok[0], s);
	if (strlcpy(dst, s, size) >= size)
		return conf_error(p, "%s: path too long (max %zu)", p->tok[0],
		    size - 1);
	return 0;
}

int
conf_name(struct conf_parser *p, const char *what, const char *s, char *dst,
    size_t size)
{
	if (!conf_valid_name(s, size))
		return conf_error(p, "%s: bad name '%s'", what, s);
	(void)strlcpy(dst, s, size);
	return 0;
}
