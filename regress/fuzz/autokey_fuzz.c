/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * libFuzzer target for the Autokey message layer: every extension field
 * of an arbitrary datagram through ak_msg_parse() and the value
 * decoders, the group filter, the client's receive path (a fresh
 * association and one that has passed CERT) and the stateless server.
 * Besides memory safety it checks that a field that parses rebuilds to
 * the same bytes and that decoded lengths stay inside the field.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ntptime.h"
#include "packet.h"
#include "autokey.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_field(const struct ntp_ext *e)
{
	static uint8_t	 out[NTP_MAXPKT];
	struct ak_msg	 m;
	struct ak_assoc	 a;
	struct ak_leap	 l;
	char		 name[AK_MAXHOSTNAME + 1];
	uint32_t	 key;
	int32_t		 seq;
	size_t		 len;
	const uint8_t	*sd;

	if (ak_msg_parse(e, &m) != AK_OK)
		return;
	if (m.has_value) {
		if (m.vallen == 0 || m.val + m.vallen > e->start + e->len)
			abort();
		if (m.siglen > 0 && (m.sig == NULL ||
		    m.sig + m.siglen > e->start + e->len))
			abort();
		sd = ak_msg_sigdata(&m, &len);
		if (sd == NULL || len != 12 + m.vallen)
			abort();
	}
	/* a field that parses rebuilds to the same words, value, signature */
	len = ak_msg_append(out, sizeof(out), NTP_HDRLEN, &m);
	if (m.has_value && len != 0) {
		if (memcmp(out + NTP_HDRLEN + 4, e->start + 4, 16 +
		    m.vallen) != 0)
			abort();
		if (m.siglen > 0 && memcmp(out + NTP_HDRLEN + 24 +
		    ((m.vallen + 3) & ~(size_t)3), m.sig, m.siglen) != 0)
			abort();
	} else if (!m.has_value && (len != NTP_HDRLEN + 8 ||
	    memcmp(out + NTP_HDRLEN + 4, e->start + 4, 4) != 0))
		abort();
	if (ak_assoc_value(&m, &a) == AK_OK && strlen(a.host) == 0)
		abort();
	if (ak_name_value(&m, name, sizeof(name)) == AK_OK &&
	    strlen(name) > AK_MAXHOSTNAME)
		abort();
	if (ak_auto_value(&m, &key, &seq) == AK_OK &&
	    (seq < 0 || seq >= AK_MAXSESSION))
		abort();
	(void)ak_leap_value(&m, &l);
	(void)ak_verify(&m, m.associd, NULL, NULL, NULL, AK_V_NOSIG);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t		 out[NTP_MAXPKT];
	struct ntp_pkt		 p;
	struct ntp_ext		 e;
	struct ak_client	 c;
	struct ak_host		 h;
	struct ak_todo		 todo;
	struct ak_server	 s;
	struct ak_srvhost	 sh;
	struct ak_job		 job;
	struct ak_addr		 a, b;
	const uint8_t		*q;
	size_t			 left, off;
	char			 pg[AK_GROUPNAMEMAX];

	/* the bytes as an extension-field region */
	q = data;
	left = size;
	while (packet_ext_next(&q, &left, &e) == 1)
		check_field(&e);

	if (packet_parse(data, size, &p) != PKT_OK)
		return 0;
	(void)ak_group_filter(&p, "blue", pg, sizeof(pg));
	(void)ak_is_nak(&p);
	(void)ak_check_mac_shape(&p, 16, 1);

	memset(&h, 0, sizeof(h));
	strlcpy(h.name, "beta", sizeof(h.name));
	h.modlen = 64;
	ak_client_init(&c, 1, NTP_MODE_CLIENT, NULL);
	(void)ak_client_recv_ext(&c, &h, &p, &todo);
	if (todo.kind == AK_TODO_DECRYPT && todo.vallen != 64)
		abort();
	ak_client_free(&c);
	/* past ASSOC: CERT and identity paths (no key: no signature) */
	ak_client_init(&c, 1, NTP_MODE_CLIENT, NULL);
	c.flags = 0x00081023U;
	strlcpy(c.issuer, "alpha", sizeof(c.issuer));
	strlcpy(c.host, "alpha", sizeof(c.host));
	(void)ak_client_recv_ext(&c, &h, &p, &todo);
	ak_client_free(&c);

	memset(&sh, 0, sizeof(sh));
	sh.host = "alpha";
	sh.status = 0x000800e3U;
	sh.synced = 1;
	sh.cert_valid = 1;
	memset(&s, 0, sizeof(s));
	s.md = ak_digest(NULL);
	s.priv = 1;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.family = b.family = AF_INET;
	memcpy(out, data, NTP_HDRLEN);
	off = NTP_HDRLEN;
	(void)ak_server_respond(&s, &sh, &p, &a, &b, out, sizeof(out), &off,
	    &job);
	if (off < NTP_HDRLEN || off > sizeof(out) ||
	    job.vallen > sizeof(job.val))
		abort();
	return 0;
}
