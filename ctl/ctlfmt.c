/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */
#include <ctype.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctlfmt.h"
#include "ipc.h"
#include "leapsec.h"

void
ctlfmt_init(struct ctlfmt *f, FILE *out, int json)
{
	memset(f, 0, sizeof(*f));
	f->out = out;
	f->json = json;
}

static void
close_array(struct ctlfmt *f)
{
	if (f->json && f->in_array) {
		fprintf(f->out, "]");
		f->in_array = 0;
	}
}

static void
json_key(struct ctlfmt *f, const char *key)
{
	close_array(f);
	fprintf(f->out, "%s\n  \"%s\": ", f->nkeys++ ? "," : "", key);
}

void
ctlfmt_begin(struct ctlfmt *f)
{
	if (f->json)
		fprintf(f->out, "{");
}

void
ctlfmt_section(struct ctlfmt *f, const char *name)
{
	if (f->json) {
		json_key(f, name);
		fprintf(f->out, "[");
		f->in_array = 1;
	}
	f->nitems = 0;
}

void
ctlfmt_end(struct ctlfmt *f)
{
	if (f->json) {
		close_array(f);
		fprintf(f->out, "\n}\n");
	}
	fflush(f->out);
}

/* JSON string: the engine's strings are NUL-terminated and bounded. */
static void
json_str(FILE *out, const char *s, size_t max)
{
	size_t i;

	fputc('"', out);
	for (i = 0; i < max && s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

const char *
ctlfmt_sel_name(int sel)
{
	switch (sel) {
	case PEER_SEL_REJECT:
		return "reject";
	case PEER_SEL_FALSETICKER:
		return "falseticker";
	case PEER_SEL_EXCESS:
		return "excess";
	case PEER_SEL_OUTLIER:
		return "outlier";
	case PEER_SEL_CANDIDATE:
		return "candidate";
	case PEER_SEL_SURVIVOR:
		return "survivor";
	case PEER_SEL_SYSPEER:
		return "sys.peer";
	default:
		return "none";
	}
}

const char *
ctlfmt_auth_name(int auth)
{
	switch (auth) {
	case PEER_AUTH_OK:
		return "ok";
	case PEER_AUTH_BAD:
		return "bad";
	case PEER_AUTH_PENDING:
		return "pending";
	default:
		return "none";
	}
}

void
ctlfmt_refid(uint32_t refid, int stratum, char *buf, size_t len)
{
	char s[5];
	int i;

	if (stratum <= 1) {
		/* A kiss code or reference clock name: printable ASCII. */
		for (i = 0; i < 4; i++) {
			s[i] = (char)(refid >> (24 - 8 * i));
			if (s[i] != '\0' && !isprint((unsigned char)s[i]))
				s[i] = '?';
		}
		s[4] = '\0';
		snprintf(buf, len, "%s", s);
	} else
		snprintf(buf, len, "%u.%u.%u.%u", refid >> 24,
		    (refid >> 16) & 0xff, (refid >> 8) & 0xff, refid & 0xff);
}

static const char *
leap_source_name(int src)
{
	switch (src) {
	case IPC_LEAPSRC_FILE:
		return "leap file";
	case IPC_LEAPSRC_SERVERS:
		return "servers";
	default:
		return "none";
	}
}

/* Leap second state: TAI-UTC, the next leap, the file's expiry. */
static void
fmt_leap(struct ctlfmt *f, const struct ctl_status *st)
{
	char next[40] = "", exp[40] = "";

	if (st->leap_next != 0)
		leapsec_fmt(st->leap_next, next, sizeof(next));
	if (st->leap_expires != 0)
		leapsec_fmt(st->leap_expires, exp, sizeof(exp));
	if (f->json) {
		fprintf(f->out, ", \"leap_seconds\": {\"tai_offset\": %d, "
		    "\"source\": \"%s\", \"next\": ", st->tai_offset,
		    leap_source_name(st->leap_source));
		if (next[0] != '\0')
			fprintf(f->out, "\"%s\", \"next_direction\": %d", next,
			    st->leap_next_dir);
		else
			fprintf(f->out, "null, \"next_direction\": 0");
		fprintf(f->out, ", \"file_expires\": ");
		if (exp[0] != '\0')
			fprintf(f->out, "\"%s\", \"file_expired\": %s}", exp,
			    st->leap_file_expired ? "true" : "false");
		else
			fprintf(f->out, "null, \"file_expired\": false}");
		return;
	}
	if (st->tai_offset != 0)
		fprintf(f->out, "leap:        TAI-UTC %d s", st->tai_offset);
	else
		fprintf(f->out, "leap:        TAI-UTC unknown");
	fprintf(f->out, ", source %s", leap_source_name(st->leap_source));
	if (next[0] != '\0')
		fprintf(f->out, "; next leap: %s a second before %s",
		    st->leap_next_dir < 0 ? "delete" : "insert", next);
	fprintf(f->out, "\n");
	if (exp[0] != '\0')
		fprintf(f->out, "leapfile:    %s %s\n",
		    st->leap_file_expired ? "EXPIRED on" : "expires", exp);
}

static void
fmt_status(struct ctlfmt *f, const struct ctl_status *st)
{
	char refid[32];

	ctlfmt_refid(st->refid, st->stratum, refid, sizeof(refid));
	if (f->json) {
		json_key(f, "status");
		fprintf(f->out, "{\"synced\": %s, \"stratum\": %u, "
		    "\"leap\": %u, \"refid\": ", st->synced ? "true" : "false",
		    st->stratum, st->leap);
		json_str(f->out, refid, sizeof(refid));
		fprintf(f->out, ", \"system_peer\": ");
		json_str(f->out, st->syspeer, sizeof(st->syspeer));
		fprintf(f->out, ", \"offset\": %.9f, \"frequency_ppm\": %.3f, "
		    "\"jitter\": %.9f, \"root_delay\": %.6f, "
		    "\"root_dispersion\": %.6f, \"poll\": %d, "
		    "\"precision\": %d, \"clock_adjustment\": %s, "
		    "\"last_clock_action\": ", st->offset, st->freq_ppm,
		    st->jitter, st->rootdelay, st->rootdisp, st->poll,
		    st->precision, st->noclock ? "false" : "true");
		json_str(f->out, st->clock_action, sizeof(st->clock_action));
		fmt_leap(f, st);
		fprintf(f->out, ", \"uptime\": %.0f, \"keyd\": {\"crypto\": %s, "
		    "\"served\": %llu, \"refused\": %llu}}", st->uptime,
		    st->keyd_crypto ? "true" : "false",
		    (unsigned long long)st->keyd_served,
		    (unsigned long long)st->keyd_refused);
		return;
	}
	if (st->synced)
		fprintf(f->out, "status:      synchronised to %s, stratum %u\n",
		    st->syspeer, st->stratum);
	else if (st->stratum < 16)
		fprintf(f->out, "status:      unsynchronised, serving local "
		    "stratum %u\n", st->stratum);
	else
		fprintf(f->out, "status:      unsynchronised\n");
	fprintf(f->out, "offset:      %+.6f s, jitter %.6f s\n", st->offset,
	    st->jitter);
	fprintf(f->out, "frequency:   %+.3f ppm\n", st->freq_ppm);
	fprintf(f->out, "clock:       %s; last action: %s\n",
	    st->noclock ? "left alone (-x)" : "disciplined", st->clock_action);
	fmt_leap(f, st);
	fprintf(f->out, "poll:        %d s, precision 2^%d s\n",
	    st->poll >= 0 && st->poll < 31 ? 1 << st->poll : 0, st->precision);
	fprintf(f->out, "root:        delay %.6f s, dispersion %.6f s, "
	    "refid %s\n", st->rootdelay, st->rootdisp, refid);
	fprintf(f->out, "keyd:        crypto %s, requests served %llu, "
	    "refused %llu\n", st->keyd_crypto ? "on" : "off",
	    (unsigned long long)st->keyd_served,
	    (unsigned long long)st->keyd_refused);
	fprintf(f->out, "uptime:      %.0f s\n", st->uptime);
}

static void	fmt_time(int64_t, char *, size_t);

/* An association's Autokey state (ntpd/akglue.c); JSON null if none. */
static void
fmt_peer_autokey(struct ctlfmt *f, const struct ctl_peer *p)
{
	char nb[40] = "", na[40] = "";

	if (p->ak_cert_notbefore != 0 || p->ak_cert_notafter != 0) {
		fmt_time(p->ak_cert_notbefore, nb, sizeof(nb));
		fmt_time(p->ak_cert_notafter, na, sizeof(na));
	}
	if (f->json) {
		if (p->auth == PEER_AUTH_NONE) {
			fprintf(f->out, "null");
			return;
		}
		fprintf(f->out, "{\"crypto_flags\": \"0x%x\", \"host\": ",
		    p->ak_flags);
		json_str(f->out, p->ak_host, sizeof(p->ak_host));
		fprintf(f->out, ", \"scheme\": ");
		json_str(f->out, p->ak_scheme, sizeof(p->ak_scheme));
		fprintf(f->out, ", \"group\": ");
		json_str(f->out, p->ak_group, sizeof(p->ak_group));
		fprintf(f->out, ", \"keyid\": \"0x%08x\", \"certificate\": ",
		    p->ak_keyid);
		if (p->ak_cert_subject[0] != '\0') {
			fprintf(f->out, "{\"subject\": ");
			json_str(f->out, p->ak_cert_subject,
			    sizeof(p->ak_cert_subject));
			fprintf(f->out, ", \"issuer\": ");
			json_str(f->out, p->ak_cert_issuer,
			    sizeof(p->ak_cert_issuer));
			fprintf(f->out, ", \"not_before\": \"%s\", "
			    "\"not_after\": \"%s\"}", nb, na);
		} else
			fprintf(f->out, "null");
		fprintf(f->out, ", \"time_to_ok\": ");
		if (p->ak_time_to_ok >= 0)
			fprintf(f->out, "%.3f", p->ak_time_to_ok);
		else
			fprintf(f->out, "null");
		fprintf(f->out, ", \"tai\": %d, \"rejected\": %llu, "
		    "\"restarts\": %llu}", p->ak_tai,
		    (unsigned long long)p->ak_rejected,
		    (unsigned long long)p->ak_resets);
		return;
	}
	fprintf(f->out, "     autokey: flags=0x%x, host %s, scheme %s",
	    p->ak_flags, p->ak_host[0] ? p->ak_host : "?",
	    p->ak_scheme[0] ? p->ak_scheme : "?");
	if (p->ak_group[0] != '\0')
		fprintf(f->out, ", group %s", p->ak_group);
	if (p->ak_time_to_ok >= 0)
		fprintf(f->out, ", ok after %.2f s", p->ak_time_to_ok);
	if (p->ak_tai != 0)
		fprintf(f->out, ", tai %d", p->ak_tai);
	fprintf(f->out, "\n");
	if (p->ak_cert_subject[0] != '\0')
		fprintf(f->out, "     certificate: %s, issuer %s, valid %s to "
		    "%s\n", p->ak_cert_subject, p->ak_cert_issuer, nb, na);
	if (p->ak_rejected != 0 || p->ak_resets != 0)
		fprintf(f->out, "     rejected %llu response(s), %llu "
		    "restart(s)\n", (unsigned long long)p->ak_rejected,
		    (unsigned long long)p->ak_resets);
}

static void
fmt_peer(struct ctlfmt *f, const struct ctl_peer *p)
{
	char refid[32];
	int poll = p->poll >= 0 && p->poll < 31 ? 1 << p->poll : 0;

	ctlfmt_refid(p->refid, p->stratum, refid, sizeof(refid));
	if (f->json) {
		fprintf(f->out, "%s\n    {\"id\": %u, \"name\": ",
		    f->nitems ? "," : "", p->id);
		json_str(f->out, p->name, sizeof(p->name));
		fprintf(f->out, ", \"address\": ");
		json_str(f->out, p->addr, sizeof(p->addr));
		fprintf(f->out, ", \"stratum\": %u, \"refid\": ", p->stratum);
		json_str(f->out, refid, sizeof(refid));
		fprintf(f->out, ", \"reach\": %u, \"poll\": %d, "
		    "\"offset\": %.9f, \"delay\": %.9f, \"jitter\": %.9f, "
		    "\"dispersion\": %.9f, \"selection\": \"%s\", "
		    "\"auth\": \"%s\", \"auth_reason\": ", p->reach, poll,
		    p->offset, p->delay, p->jitter, p->disp,
		    ctlfmt_sel_name(p->sel), ctlfmt_auth_name(p->auth));
		json_str(f->out, p->auth_reason, sizeof(p->auth_reason));
		fprintf(f->out, ", \"last_response_age\": %.1f, "
		    "\"sent\": %llu, \"received\": %llu, \"autokey\": ",
		    p->last_rx_age, (unsigned long long)p->sent,
		    (unsigned long long)p->rcvd);
		fmt_peer_autokey(f, p);
		fprintf(f->out, "}");
		f->nitems++;
		return;
	}
	if (f->nitems++ == 0)
		fprintf(f->out, "%-4s %-24s %-15s %2s %4s %5s %11s %10s %10s "
		    "%-11s %s\n", "id", "remote", "refid", "st", "rch", "poll",
		    "offset", "delay", "jitter", "state", "auth");
	fprintf(f->out, "%-4u %-24.24s %-15.15s %2u %4o %5d %+11.6f %10.6f "
	    "%10.6f %-11s %s%s%s\n", p->id, p->addr, refid, p->stratum,
	    p->reach, poll, p->offset, p->delay, p->jitter,
	    ctlfmt_sel_name(p->sel), ctlfmt_auth_name(p->auth),
	    p->auth_reason[0] ? ": " : "", p->auth_reason);
	if (p->auth != PEER_AUTH_NONE)
		fmt_peer_autokey(f, p);
}

#define CNT(x)	{ #x, offsetof(struct ctl_counters, x) }
static const struct {
	const char	*name;
	size_t		 off;
} cnt_fields[] = {
	CNT(rx), CNT(tx), CNT(tx_errors), CNT(rx_short), CNT(rx_badversion),
	CNT(rx_badmode), CNT(rx_badext), CNT(rx_badmac), CNT(rx_mode6),
	CNT(rx_mode7), CNT(rx_restricted), CNT(rx_ratelimited), CNT(kod_sent),
	CNT(rx_unexpected), CNT(rx_bogus), CNT(server_replies),
	CNT(ctl_requests), CNT(ak_requests), CNT(ak_responses),
	CNT(ak_badmac), CNT(ak_naks), CNT(ak_keyd_jobs), CNT(ak_keyd_failed),
	CNT(ak_dropped), CNT(ak_declined), CNT(mode6_answered),
};

static void
fmt_counters(struct ctlfmt *f, const struct ctl_counters *c)
{
	uint64_t v;
	size_t i;

	if (f->json) {
		json_key(f, "counters");
		fprintf(f->out, "{");
	}
	for (i = 0; i < sizeof(cnt_fields) / sizeof(cnt_fields[0]); i++) {
		memcpy(&v, (const char *)c + cnt_fields[i].off, sizeof(v));
		if (f->json)
			fprintf(f->out, "%s\"%s\": %llu", i ? ", " : "",
			    cnt_fields[i].name, (unsigned long long)v);
		else
			fprintf(f->out, "%-16s %llu\n", cnt_fields[i].name,
			    (unsigned long long)v);
	}
	if (f->json)
		fprintf(f->out, "}");
}

/* "ntpctl keyd": keyd's certificates, identity scheme, counters. */
static void
fmt_time(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, len, "%lld", (long long)t);
}

static void
fmt_schemes(uint32_t status, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s", status & KEYD_SCHEME_IFF ? "IFF " : "",
	    status & KEYD_SCHEME_GQ ? "GQ " : "",
	    status & KEYD_SCHEME_MV ? "MV " : "",
	    status & 0x10 ? "PC " : "");
	if (buf[0] == '\0')
		strlcpy(buf, "TC", len);	/* trusted certificate only */
	else
		buf[strlen(buf) - 1] = '\0';
}

static const char *
scheme_name(uint32_t s)
{
	return s == KEYD_SCHEME_IFF ? "IFF" : s == KEYD_SCHEME_GQ ? "GQ" :
	    s == KEYD_SCHEME_MV ? "MV" : "?";
}

static void
fmt_keyd(struct ctlfmt *f, struct ipc_keyd_stats *k)
{
	char schemes[32], nb[40], na[40];
	uint32_t i;

	fmt_schemes(k->status, schemes, sizeof(schemes));
	if (k->ncerts > KEYD_MAXCERTS)
		k->ncerts = KEYD_MAXCERTS;
	if (k->ngroups > KEYD_MAXGROUPS)
		k->ngroups = KEYD_MAXGROUPS;
	if (k->ncounters > KEYD_NCOUNTERS)
		k->ncounters = KEYD_NCOUNTERS;
	if (f->json) {
		json_key(f, "keyd");
		fprintf(f->out, "{\"pid\": %d, \"started\": %lld, "
		    "\"crypto\": %s, \"host\": ", k->pid,
		    (long long)k->started, k->crypto ? "true" : "false");
		json_str(f->out, k->host, sizeof(k->host));
		fprintf(f->out, ", \"ident\": ");
		json_str(f->out, k->ident, sizeof(k->ident));
		fprintf(f->out, ", \"status\": \"0x%08x\", \"scheme\": \"%s\", "
		    "\"host_bits\": %u, \"sign_bits\": %u, "
		    "\"host_filestamp\": %u, \"sign_filestamp\": %u, "
		    "\"iff_filestamp\": %u, \"gq_filestamp\": %u, "
		    "\"mv_filestamp\": %u, \"certificates\": [", k->status,
		    k->crypto ? schemes : "none", k->host_bits, k->sign_bits,
		    k->host_fs, k->sign_fs, k->iff_fs, k->gq_fs, k->mv_fs);
		for (i = 0; i < k->ncerts; i++) {
			const struct ipc_keyd_certinfo *c = &k->certs[i];

			fprintf(f->out, "%s{\"subject\": ", i ? ", " : "");
			json_str(f->out, c->subject, sizeof(c->subject));
			fprintf(f->out, ", \"issuer\": ");
			json_str(f->out, c->issuer, sizeof(c->issuer));
			fprintf(f->out, ", \"not_before\": %lld, "
			    "\"not_after\": %lld, \"filestamp\": %u, "
			    "\"serial\": %llu, \"trusted\": %s, "
			    "\"private\": %s, \"self_signed\": %s, "
			    "\"valid_now\": %s}", (long long)c->notbefore,
			    (long long)c->notafter, c->fstamp,
			    (unsigned long long)c->serial,
			    c->flags & KEYD_CERT_TRUST ? "true" : "false",
			    c->flags & KEYD_CERT_PRIV ? "true" : "false",
			    c->flags & KEYD_CERT_SELF ? "true" : "false",
			    c->flags & KEYD_CERT_VALIDNOW ? "true" : "false");
		}
		fprintf(f->out, "], \"groups\": [");
		for (i = 0; i < k->ngroups; i++) {
			fprintf(f->out, "%s{\"group\": ", i ? ", " : "");
			json_str(f->out, k->groups[i].group,
			    sizeof(k->groups[i].group));
			fprintf(f->out, ", \"scheme\": \"%s\", "
			    "\"filestamp\": %u}",
			    scheme_name(k->groups[i].scheme),
			    k->groups[i].fstamp);
		}
		fprintf(f->out, "], \"requests\": {");
		for (i = 0; i < k->ncounters; i++) {
			k->counters[i].name[sizeof(k->counters[i].name) - 1] =
			    '\0';
			fprintf(f->out, "%s\"%s\": {\"served\": %llu, "
			    "\"refused\": %llu, \"rate_limited\": %llu}",
			    i ? ", " : "", k->counters[i].name,
			    (unsigned long long)k->counters[i].served,
			    (unsigned long long)k->counters[i].refused,
			    (unsigned long long)k->counters[i].ratelimited);
		}
		fprintf(f->out, "}}");
		return;
	}
	fmt_time(k->started, nb, sizeof(nb));
	fprintf(f->out, "keyd:        pid %d, started %s, crypto %s\n",
	    k->pid, nb, k->crypto ? "on" : "off");
	if (k->crypto) {
		fprintf(f->out, "host:        %s, status word 0x%08x\n",
		    k->host, k->status);
		fprintf(f->out, "identity:    %s (server keys of %s)\n",
		    schemes, k->ident);
		fprintf(f->out, "host key:    RSA %u bits, filestamp %u\n",
		    k->host_bits, k->host_fs);
		fprintf(f->out, "sign key:    %u bits, filestamp %u\n",
		    k->sign_bits, k->sign_fs);
		if (k->iff_fs || k->gq_fs || k->mv_fs)
			fprintf(f->out, "ident keys:  filestamps IFF %u, "
			    "GQ %u, MV %u\n", k->iff_fs, k->gq_fs, k->mv_fs);
	}
	for (i = 0; i < k->ncerts; i++) {
		const struct ipc_keyd_certinfo *c = &k->certs[i];

		fmt_time(c->notbefore, nb, sizeof(nb));
		fmt_time(c->notafter, na, sizeof(na));
		fprintf(f->out, "certificate: subject %s, issuer %s\n"
		    "             valid %s to %s\n"
		    "             filestamp %u, serial %llu,%s%s%s%s\n",
		    c->subject, c->issuer, nb, na, c->fstamp,
		    (unsigned long long)c->serial,
		    c->flags & KEYD_CERT_TRUST ? " trusted" : " not trusted",
		    c->flags & KEYD_CERT_PRIV ? ", private" : "",
		    c->flags & KEYD_CERT_SELF ? ", self-signed" : "",
		    c->flags & KEYD_CERT_VALIDNOW ? ", valid now" :
		    ", NOT VALID NOW");
	}
	for (i = 0; i < k->ngroups; i++)
		fprintf(f->out, "group key:   %s (%s), filestamp %u\n",
		    k->groups[i].group, scheme_name(k->groups[i].scheme),
		    k->groups[i].fstamp);
	fprintf(f->out, "%-12s %10s %10s %12s\n", "request", "served",
	    "refused", "rate-limited");
	for (i = 0; i < k->ncounters; i++) {
		k->counters[i].name[sizeof(k->counters[i].name) - 1] = '\0';
		fprintf(f->out, "%-12s %10llu %10llu %12llu\n",
		    k->counters[i].name,
		    (unsigned long long)k->counters[i].served,
		    (unsigned long long)k->counters[i].refused,
		    (unsigned long long)k->counters[i].ratelimited);
	}
}

/*
 * "ntpctl certs": the host's certificate list, newest first, each line
 * as the reference's "ntpq -c 'rv 0 cert'" prints it (spec 8.4, 10.2).
 */
static void
fmt_cert(struct ctlfmt *f, const struct ctl_cert *c)
{
	char until[16], nb[40], na[40];
	time_t t = (time_t)c->notafter;
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(until, sizeof(until), "%Y%m%d%H%M", &tm) == 0)
		strlcpy(until, "?", sizeof(until));
	fmt_time(c->notbefore, nb, sizeof(nb));
	fmt_time(c->notafter, na, sizeof(na));
	if (f->json) {
		fprintf(f->out, "%s\n    {\"subject\": ", f->nitems ? "," : "");
		json_str(f->out, c->subject, sizeof(c->subject));
		fprintf(f->out, ", \"issuer\": ");
		json_str(f->out, c->issuer, sizeof(c->issuer));
		fprintf(f->out, ", \"flags\": \"0x%x\", \"trusted\": %s, "
		    "\"valid\": %s, \"private\": %s, \"error\": %s, "
		    "\"not_before\": \"%s\", \"not_after\": \"%s\", "
		    "\"until\": \"%s\", \"filestamp\": %u, \"origin\": ",
		    c->flags, c->flags & 0x01 ? "true" : "false",
		    c->flags & 0x04 ? "true" : "false",
		    c->flags & 0x08 ? "true" : "false",
		    c->flags & 0x80 ? "true" : "false", nb, na, until,
		    c->fstamp);
		json_str(f->out, c->origin, sizeof(c->origin));
		fprintf(f->out, "}");
		f->nitems++;
		return;
	}
	fprintf(f->out, "%scert=\"%s %s 0x%x\", until=%s", f->nitems++ ?
	    ",\n" : "", c->subject, c->issuer, c->flags, until);
}

void
ctlfmt_certs_end(struct ctlfmt *f)
{
	if (!f->json && f->nitems > 0)
		fprintf(f->out, "\n");
}

int
ctlfmt_imsg(struct ctlfmt *f, uint32_t type, const void *data, size_t len)
{
	struct ctl_status st;
	struct ctl_peer p;
	struct ctl_counters c;

	switch (type) {
	case IMSG_CTL_STATUS:
		if (len != sizeof(st))
			return -1;
		memcpy(&st, data, sizeof(st));
		st.syspeer[sizeof(st.syspeer) - 1] = '\0';
		st.clock_action[sizeof(st.clock_action) - 1] = '\0';
		fmt_status(f, &st);
		return 0;
	case IMSG_CTL_PEER:
		if (len != sizeof(p))
			return -1;
		memcpy(&p, data, sizeof(p));
		p.name[sizeof(p.name) - 1] = '\0';
		p.addr[sizeof(p.addr) - 1] = '\0';
		p.auth_reason[sizeof(p.auth_reason) - 1] = '\0';
		p.ak_host[sizeof(p.ak_host) - 1] = '\0';
		p.ak_group[sizeof(p.ak_group) - 1] = '\0';
		p.ak_scheme[sizeof(p.ak_scheme) - 1] = '\0';
		p.ak_cert_subject[sizeof(p.ak_cert_subject) - 1] = '\0';
		p.ak_cert_issuer[sizeof(p.ak_cert_issuer) - 1] = '\0';
		fmt_peer(f, &p);
		return 0;
	case IMSG_CTL_COUNTERS:
		if (len != sizeof(c))
			return -1;
		memcpy(&c, data, sizeof(c));
		fmt_counters(f, &c);
		return 0;
	case IMSG_CTL_CERT: {
		struct ctl_cert ce;

		if (len != sizeof(ce))
			return -1;
		memcpy(&ce, data, sizeof(ce));
		ce.subject[sizeof(ce.subject) - 1] = '\0';
		ce.issuer[sizeof(ce.issuer) - 1] = '\0';
		ce.origin[sizeof(ce.origin) - 1] = '\0';
		fmt_cert(f, &ce);
		return 0;
	}
	case IMSG_CTL_KEYD: {
		struct ipc_keyd_stats k;
		uint32_t i;

		if (len != sizeof(k))
			return -1;
		memcpy(&k, data, sizeof(k));
		k.host[sizeof(k.host) - 1] = '\0';
		k.ident[sizeof(k.ident) - 1] = '\0';
		for (i = 0; i < KEYD_MAXCERTS; i++) {
			k.certs[i].subject[IPC_NAMELEN - 1] = '\0';
			k.certs[i].issuer[IPC_NAMELEN - 1] = '\0';
		}
		for (i = 0; i < KEYD_MAXGROUPS; i++)
			k.groups[i].group[IPC_NAMELEN - 1] = '\0';
		fmt_keyd(f, &k);
		return 0;
	}
	default:
		return -1;
	}
}
