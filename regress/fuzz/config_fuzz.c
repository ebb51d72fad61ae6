/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * libFuzzer target for the ntp.conf parser.  Besides not crashing, every
 * accepted input must print canonically, and the canonical form must
 * parse back and print identically.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char *
fuzz_print(const struct ntpd_conf *conf, size_t *len)
{
	char	*out = NULL;
	FILE	*fp;

	if ((fp = open_memstream(&out, len)) == NULL)
		abort();
	conf_print(fp, conf);
	if (fclose(fp) != 0)
		abort();
	return out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ntpd_conf	 conf, conf2;
	char			 err[256], *out, *out2;
	size_t			 len, len2;

	if (conf_parse_buf((const char *)data, size, "fuzz", &conf, err,
	    sizeof(err)) == -1) {
		if (strncmp(err, "fuzz:", 5) != 0)
			abort();
		conf_free(&conf);
		return 0;
	}
	out = fuzz_print(&conf, &len);
	if (conf_parse_buf(out, len, "print", &conf2, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "re-parse: %s\n%s", err, out);
		abort();
	}
	out2 = fuzz_print(&conf2, &len2);
	if (len != len2 || memcmp(out, out2, len) != 0) {
		fprintf(stderr, "round trip differs:\n%s---\n%s", out, out2);
		abort();
	}
	free(out);
	free(out2);
	conf_free(&conf);
	conf_free(&conf2);
	return 0;
}
