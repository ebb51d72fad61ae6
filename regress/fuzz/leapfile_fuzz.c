/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/* libFuzzer target for the leap-seconds.list parser. */

#include <stdint.h>
#include <stdlib.h>

#include "leapfile.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct leap_table	 t;
	char			 err[256];
	uint64_t		 when;
	size_t			 i;

	if (leapfile_parse((const char *)data, size, &t, err,
	    sizeof(err)) == -1)
		return 0;
	if (!t.hash_ok || t.n == 0 || t.n > LEAP_MAX_ENTRIES)
		abort();
	for (i = 0; i < t.n; i++) {
		if (i > 0 && t.e[i].ntp_secs <= t.e[i - 1].ntp_secs)
			abort();
		if (leap_offset_at(&t, t.e[i].ntp_secs) != t.e[i].tai_offset)
			abort();
		(void)leap_pending(&t, t.e[i].ntp_secs - 1, &when);
	}
	(void)leap_expired(&t, t.expires);
	return 0;
}
