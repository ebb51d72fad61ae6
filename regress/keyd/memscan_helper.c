/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * memscan_helper PID KEYSDIR HOST PASSWORD
 *
 * The secrecy test's probe: loads the host's key files itself (the host
 * key's private exponent d, the IFF secret b) and then reads every
 * mapping of process PID through /proc/PID/maps and /proc/PID/mem
 * (root reads PROT_NONE pages too), looking for d, b and the password.
 * Big numbers are searched both big-endian (DER, byte strings) and
 * little-endian (OpenSSL's in-memory limbs on little-endian machines),
 * by their 32 least significant bytes (all of b when shorter).
 * Prints one line per secret, "d found at ADDR in MAPS-LINE" (the
 * lowest hit) or "d absent", then one line per secret counting the hits
 * in mappings the process itself may read, "d readable N" (keyd's vault
 * is no-access between operations, so there N is 0), and the bytes
 * scanned; exits 0, or 2 when the process cannot be read at all.
 */

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "keyfile.h"

struct pat {
	const char	*name;
	uint8_t		 be[64], le[64];
	size_t		 len;
	int		 found;
	char		 where[640];	/* the maps line of the first hit */
	unsigned	 readable;	/* hits in mappings with PROT_READ */
};

static void
pat_bn(struct pat *p, const char *name, const BIGNUM *bn)
{
	uint8_t	 buf[1024];
	int	 n = BN_num_bytes(bn);
	size_t	 i;

	if (n <= 0 || n > (int)sizeof(buf)) {
		fprintf(stderr, "%s: odd size\n", name);
		exit(2);
	}
	BN_bn2bin(bn, buf);
	p->name = name;
	p->len = n < 32 ? (size_t)n : 32;
	memcpy(p->be, buf + n - p->len, p->len);
	for (i = 0; i < p->len; i++)
		p->le[i] = p->be[p->len - 1 - i];
}

static void
scan(struct pat *pats, size_t np, const uint8_t *buf, size_t len,
    const char *line, unsigned long lo, int readable)
{
	size_t	 i, k;

	for (k = 0; k < np; k++) {
		if (len < pats[k].len)
			continue;
		for (i = 0; i + pats[k].len <= len; i++) {
			if ((buf[i] != pats[k].be[0] ||
			    memcmp(buf + i, pats[k].be, pats[k].len) != 0) &&
			    (buf[i] != pats[k].le[0] ||
			    memcmp(buf + i, pats[k].le, pats[k].len) != 0))
				continue;
			if (readable)
				pats[k].readable++;
			if (pats[k].found)
				continue;
			pats[k].found = 1;
			snprintf(pats[k].where, sizeof(pats[k].where),
			    "at 0x%lx in %s", lo + (unsigned long)i, line);
			pats[k].where[strcspn(pats[k].where, "\n")] = '\0';
		}
	}
}

int
main(int argc, char *argv[])
{
	struct keyset	 ks;
	struct pat	 pats[3];
	BIGNUM		*d = NULL;
	char		 path[64], line[512], err[512];
	FILE		*maps;
	uint8_t		*buf;
	uint64_t	 total = 0;
	unsigned long	 lo, hi;
	char		 perms[8];
	int		 mem;
	size_t		 k;

	if (argc != 5) {
		fprintf(stderr, "usage: memscan_helper pid keysdir host pw\n");
		return 2;
	}
	if (keyfile_load_host(argv[2], argv[3], NULL, argv[4], &ks, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	if (EVP_PKEY_get_bn_param(ks.hostkey, OSSL_PKEY_PARAM_RSA_D, &d) != 1 ||
	    !ks.have_iff) {
		fprintf(stderr, "need an RSA host key and an IFF key\n");
		return 2;
	}
	memset(pats, 0, sizeof(pats));
	pat_bn(&pats[0], "d", d);
	pat_bn(&pats[1], "b", ks.iff.b);
	pats[2].name = "pw";
	pats[2].len = strlen(argv[4]);
	if (pats[2].len == 0 || pats[2].len > sizeof(pats[2].be))
		return 2;
	memcpy(pats[2].be, argv[4], pats[2].len);
	memcpy(pats[2].le, argv[4], pats[2].len);

	snprintf(path, sizeof(path), "/proc/%s/maps", argv[1]);
	if ((maps = fopen(path, "r")) == NULL) {
		perror(path);
		return 2;
	}
	snprintf(path, sizeof(path), "/proc/%s/mem", argv[1]);
	if ((mem = open(path, O_RDONLY)) == -1) {
		perror(path);
		fclose(maps);
		return 2;
	}
	while (fgets(line, sizeof(line), maps) != NULL) {
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3 ||
		    hi <= lo ||
		    strstr(line, "[vvar") != NULL ||
		    strstr(line, "[vsyscall]") != NULL)
			continue;
		if (hi - lo > 1UL << 30)
			continue;
		if ((buf = malloc(hi - lo)) == NULL)
			continue;
		/* Page by page: one unreadable page must not hide the rest. */
		{
			unsigned long off;
			ssize_t n;

			for (off = 0; off < hi - lo; off += 4096) {
				n = pread(mem, buf + off, 4096,
				    (off_t)(lo + off));
				if (n != 4096)
					memset(buf + off, 0, 4096);
				else
					total += 4096;
			}
		}
		scan(pats, 3, buf, hi - lo, line, lo, perms[0] == 'r');
		free(buf);
	}
	fclose(maps);
	close(mem);
	for (k = 0; k < 3; k++)
		printf("%s %s%s%s\n", pats[k].name, pats[k].found ? "found" :
		    "absent", pats[k].found ? " " : "", pats[k].where);
	for (k = 0; k < 3; k++)
		printf("%s readable %u\n", pats[k].name, pats[k].readable);
	printf("scanned %" PRIu64 " bytes\n", total);
	BN_clear_free(d);
	keyfile_keyset_free(&ks);
	return total > 0 ? 0 : 2;
}
