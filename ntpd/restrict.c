/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <string.h>

#include "restrict.h"

static const uint8_t *
addr_bytes(const struct sockaddr_storage *ss, int family, size_t *len)
{
	if (family == AF_INET) {
		*len = 4;
		return (const uint8_t *)&((const struct sockaddr_in *)
		    (const void *)ss)->sin_addr;
	}
	*len = 16;
	return (const uint8_t *)&((const struct sockaddr_in6 *)
	    (const void *)ss)->sin6_addr;
}

static int
mask_bits(const uint8_t *m, size_t len)
{
	size_t i;
	int bits = 0, b;

	for (i = 0; i < len; i++)
		for (b = 7; b >= 0; b--)
			if (m[i] & (1 << b))
				bits++;
	return bits;
}

uint32_t
restrict_flags(const struct ipc_conf_restrict *r, size_t n,
    const struct sockaddr *sa)
{
	struct sockaddr_storage ss;
	const uint8_t *a, *ra, *rm;
	size_t i, j, len, rlen;
	uint32_t flags = 0;
	int best = -1, bits, match;

	if (sa->sa_family != AF_INET && sa->sa_family != AF_INET6)
		return 0;
	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, sa, sa->sa_family == AF_INET ?
	    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6));
	a = addr_bytes(&ss, sa->sa_family, &len);
	for (i = 0; i < n; i++) {
		if (r[i].is_default) {
			if (r[i].family != 0 && r[i].family != AF_UNSPEC &&
			    r[i].family != sa->sa_family)
				continue;
			bits = 0;
		} else {
			if (r[i].addr.ss_family != sa->sa_family)
				continue;
			ra = addr_bytes(&r[i].addr, sa->sa_family, &rlen);
			rm = addr_bytes(&r[i].mask, sa->sa_family, &rlen);
			match = 1;
			for (j = 0; j < len; j++)
				if ((a[j] & rm[j]) != (ra[j] & rm[j]))
					match = 0;
			if (!match)
				continue;
			bits = mask_bits(rm, len);
		}
		/* Longest mask wins; among equals the later line wins. */
		if (bits >= best) {
			best = bits;
			flags = r[i].flags;
		}
	}
	return flags;
}
