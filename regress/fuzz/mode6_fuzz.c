/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * libFuzzer target for ntpd/mode6.c: any datagram as a control request;
 * when it parses, its data as a READVAR variable filter, and the answer
 * built and split into fragments as ctl6.c does.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mode6.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[2048];
	uint8_t out[MODE6_MAXPKT];
	struct mode6_msg m;
	struct mode6_vars v;
	size_t len, i, n, total = 0;

	(void)mode6_parse(data, size, &m);
	if (mode6_parse_request(data, size, &m) != MODE6_OK)
		return 0;
	if (m.count > 0 && m.data == NULL)
		abort();
	mode6_vars_init(&v, text, sizeof(text), m.data, m.count);
	mode6_put_str(&v, "host", "beta.test");
	mode6_put_hex(&v, "flags", 0x87f23);
	mode6_put_int(&v, "stratum", m.sequence);
	mode6_put_fixed(&v, "offset", (double)m.status / 7.0, 3);
	mode6_put_ts(&v, "reftime", (uint64_t)m.associd << 40 | m.offset);
	mode6_known(&v, "tai");
	for (i = 0; i < (size_t)(m.associd % 40) && mode6_want(&v, "cert");
	    i++) {
		mode6_put_str(&v, "cert", "beta.test alpha.test 0x4");
		mode6_put_follow(&v, "until", "202711260314");
	}
	mode6_put_date(&v, "update", (int64_t)m.status << 24);
	if (mode6_vars_end(&v, &len) != 0) {
		if (mode6_error(&m, MODE6_ERR_UNKNOWNVAR, out,
		    sizeof(out)) != MODE6_HDRLEN)
			abort();
		return 0;
	}
	if (len > sizeof(text))
		abort();
	for (i = 0; i < mode6_nfrags(len); i++) {
		n = mode6_response(&m, 0x0614, m.associd,
		    (const uint8_t *)text, len, i, out, sizeof(out));
		if (n < MODE6_HDRLEN || n % 4 != 0)
			abort();
		total += (size_t)(out[10] << 8 | out[11]);
	}
	if (total != len)
		abort();
	return 0;
}
