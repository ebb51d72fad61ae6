/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * Helpers shared by the Autokey tests: the vectors directory, whole
 * files, a small pcap reader and the key files of the reference
 * captures.  Header-only because each test program links one object.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "ntptime.h"
#include "packet.h"
#include "keyfile.h"
#include "autokey.h"

#define AKV_MAXCAP	64

struct akv_cap {
	struct ak_addr	 src, dst;
	uint8_t		 data[NTP_MAXPKT];
	size_t		 len;
	struct ntp_pkt	 pkt;		/* parsed */
};

static inline const char *
akv_dir(const atf_tc_t *tc)
{
	const char	*v;

	if (!atf_tc_has_config_var(tc, "vectors") ||
	    *(v = atf_tc_get_config_var(tc, "vectors")) == '\0')
		atf_tc_skip("vectors not available (config variable "
		    "'vectors' unset or empty): shared/vectors is not beside "
		    "this checkout");
	return v;
}

static inline uint8_t *
akv_load(const char *path, size_t *lenp)
{
	FILE		*f;
	uint8_t		*buf;
	long		 n;

	if ((f = fopen(path, "rb")) == NULL)
		atf_tc_fail("cannot open %s", path);
	if (fseek(f, 0, SEEK_END) == -1 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) == -1)
		atf_tc_fail("cannot size %s", path);
	if ((buf = malloc((size_t)n + 1)) == NULL)
		atf_tc_fail("malloc");
	if (fread(buf, 1, (size_t)n, f) != (size_t)n)
		atf_tc_fail("short read on %s", path);
	fclose(f);
	buf[n] = 0;
	*lenp = (size_t)n;
	return buf;
}

static inline uint32_t
akv_u32le(const uint8_t *p, int swap)
{
	return swap ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3] :
	    (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[1] << 8 | p[0];
}

/*
 * The UDP port 123 datagrams (IPv4) of a classic pcap file with
 * Ethernet, Linux cooked or raw IP framing; returns how many.  With
 * parse, each must pass packet_parse() (mode 6 captures are not NTP
 * time packets, so their tests read them without).
 */
static inline size_t
akv_pcap_file(const char *path, struct akv_cap *caps, size_t max,
    int parse)
{
	uint8_t		*f;
	size_t		 flen, off, n = 0, l2, ihl, iplen, ulen;
	uint32_t	 magic, link, caplen;
	const uint8_t	*fr, *ip, *udp;
	uint16_t	 etype;
	int		 swap;

	f = akv_load(path, &flen);
	ATF_REQUIRE(flen >= 24);
	magic = akv_u32le(f, 0);
	if (magic == 0xa1b2c3d4U || magic == 0xa1b23c4dU)
		swap = 0;
	else if (magic == 0xd4c3b2a1U || magic == 0x4d3cb2a1U)
		swap = 1;
	else
		atf_tc_fail("%s: not a pcap file", path);
	link = akv_u32le(f + 20, swap);
	for (off = 24; off + 16 <= flen; off += caplen) {
		caplen = akv_u32le(f + off + 8, swap);
		off += 16;
		ATF_REQUIRE(caplen <= flen - off);
		fr = f + off;
		if (link == 1) {
			if (caplen < 14)
				continue;
			etype = ntp_get16(fr + 12);
			l2 = 14;
		} else if (link == 113) {
			if (caplen < 16)
				continue;
			etype = ntp_get16(fr + 14);
			l2 = 16;
		} else if (link == 101) {
			etype = 0x0800;
			l2 = 0;
		} else
			atf_tc_fail("%s: link type %u", path, link);
		if (etype != 0x0800 || caplen < l2 + 28)
			continue;
		ip = fr + l2;
		ihl = (size_t)(ip[0] & 0x0f) * 4;
		iplen = ntp_get16(ip + 2);
		if (ip[9] != 17 || ihl < 20 || iplen > caplen - l2 ||
		    iplen < ihl + 8)
			continue;
		udp = ip + ihl;
		ulen = ntp_get16(udp + 4);
		if (ulen < 8 || ulen > iplen - ihl ||
		    (ntp_get16(udp) != 123 && ntp_get16(udp + 2) != 123))
			continue;
		ATF_REQUIRE(n < max && ulen - 8 <= NTP_MAXPKT);
		memset(&caps[n], 0, sizeof(caps[n]));
		caps[n].src.family = caps[n].dst.family = AF_INET;
		memcpy(caps[n].src.addr, ip + 12, 4);
		memcpy(caps[n].dst.addr, ip + 16, 4);
		memcpy(caps[n].data, udp + 8, ulen - 8);
		caps[n].len = ulen - 8;
		if (parse)
			ATF_REQUIRE_EQ_MSG(packet_parse(caps[n].data,
			    caps[n].len, &caps[n].pkt), PKT_OK, "%s #%zu",
			    path, n + 1);
		n++;
	}
	free(f);
	ATF_REQUIRE_MSG(n > 0, "%s: no NTP packets", path);
	return n;
}

/* akv_pcap_file() of vectors/autokey/pcap/NAME.pcap, parsed. */
static inline size_t
akv_pcap(const atf_tc_t *tc, const char *name, struct akv_cap *caps,
    size_t max)
{
	char		 path[1024];

	snprintf(path, sizeof(path), "%s/autokey/pcap/%s.pcap", akv_dir(tc),
	    name);
	return akv_pcap_file(path, caps, max, 1);
}

/* The first extension field of a captured packet, decoded. */
static inline int
akv_msg(const struct akv_cap *c, struct ak_msg *m)
{
	const uint8_t	*q = c->pkt.ext;
	size_t		 left = c->pkt.extlen;
	struct ntp_ext	 e;

	memset(m, 0, sizeof(*m));
	if (packet_ext_next(&q, &left, &e) != 1)
		return 0;
	ATF_REQUIRE_EQ(ak_msg_parse(&e, m), AK_OK);
	return 1;
}

/* A key file of the vectors: keys/<sub>/<file>. */
static inline void
akv_keyfile(const atf_tc_t *tc, const char *sub, const char *file,
    const char *pw, struct keyfile *kf)
{
	char		 dir[1024], err[KEYFILE_ERRLEN];
	int		 fd;

	snprintf(dir, sizeof(dir), "%s/autokey/keys/%s", akv_dir(tc), sub);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY)) == -1)
		atf_tc_fail("cannot open %s", dir);
	if (keyfile_readat(fd, file, pw, kf, err, sizeof(err)) == -1)
		atf_tc_fail("%s/%s: %s", dir, file, err);
	close(fd);
}

/* The DER of a certificate file of the vectors. */
static inline size_t
akv_certder(const atf_tc_t *tc, const char *sub, const char *file,
    uint8_t *out, size_t outlen)
{
	struct keyfile	 kf;
	unsigned char	*der = NULL;
	int		 n;

	akv_keyfile(tc, sub, file, NULL, &kf);
	ATF_REQUIRE(kf.cert != NULL);
	n = i2d_X509(kf.cert, &der);
	ATF_REQUIRE(n > 0 && (size_t)n <= outlen);
	memcpy(out, der, (size_t)n);
	OPENSSL_free(der);
	keyfile_free(&kf);
	return (size_t)n;
}
