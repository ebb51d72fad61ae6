/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * The system process of RFC 5905 inside the engine: selection,
 * clustering and combining over the associations (select.c), the clock
 * discipline (discipline.c), and the system variables that our server
 * side announces.
 *
 * How the clock is driven (see discipline.h): the engine runs the RFC's
 * PLL/FLL itself.  The frequency goes to the parent (ADJ_FREQ, applied
 * with adjtimex(ADJ_FREQUENCY)) only when it changes; once a second the
 * slice of the remaining offset that discipline_tick() hands out (at
 * most 500 us) goes as ADJ_OFFSET, which the parent slews with
 * ADJ_OFFSET_SINGLESHOT.  The kernel's own PLL is never engaged, each
 * request is one bounded number, a stalled engine leaves only the plain
 * frequency estimate in force, and with -x the numbers are only logged.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "config.h"
#include "discipline.h"
#include "engine.h"
#include "leapsec.h"
#include "log.h"
#include "packet.h"
#include "select.h"

#define SYS_DRIFT_INTERVAL	3600.0	/* s between drift file writes */
#define SYS_FREQ_EPSILON	1e-9	/* s/s: smaller changes are not sent */

static struct discipline disc;
static double		 freq_sent = 1e9;	/* nothing sent yet */
static double		 last_drift_write;
static double		 last_update;

/* Leap seconds (leapsec.h says what is announced when, and why). */
static struct leap_table leaptab;	/* from the leapfile; n 0: none */
static int		 leap_src;	/* IPC_LEAPSRC_* now in force */
static struct ipc_leap	 leap_sent;	/* last SET_LEAP to the parent */
static int		 leap_sent_once;

void
sys_leap_conf(struct imsg *imsg)
{
	struct ipc_conf_leap c;
	char err[128];

	if (imsg_get_data(imsg, &c, sizeof(c)) == -1)
		fatalx("parent sent a bad CONF_LEAP");
	if (leapsec_from_conf(&c, &leaptab, err, sizeof(err)) == -1)
		fatalx("parent sent a bad CONF_LEAP: %s", err);
}

/*
 * Leap values adopted from a proven Autokey server (spec 3.6), for a
 * host without a leap file: TAI-UTC for the kernel and ntpctl, and the
 * values we sign for our own clients in turn.
 */
static struct {
	uint32_t	 tai, epoch, expire;
} ak_leap;

static uint64_t
sys_ntp_secs(void)
{
	return (uint64_t)engine_unix() + NTP_UNIX_OFFSET;
}

/*
 * The leap indicator we announce and whether the kernel should be
 * armed: the leap file decides while it is current or lists the leap;
 * otherwise a majority of the survivors, on the last day of a month.
 */
static void
sys_leap_refresh(void)
{
	struct sysvars *sys = &eng->sys;
	struct leapsec_state st;
	struct ipc_leap want;
	uint8_t li[SEL_MAXCAND];
	struct peer *p;
	uint64_t now = sys_ntp_secs();
	size_t n = 0;
	int leap = NTP_LI_NONE, serving;

	serving = sys->synced || eng->conf.local_stratum > 0;
	memset(&st, 0, sizeof(st));
	if (leaptab.n > 0)
		leapsec_query(&leaptab, now, &st);
	if (leaptab.n > 0 && (st.announce != 0 || !st.expired)) {
		leap = st.announce;
		leap_src = IPC_LEAPSRC_FILE;
	} else if (sys->synced) {
		TAILQ_FOREACH(p, &eng->peers, entry)
			if ((p->sel == PEER_SEL_SURVIVOR ||
			    p->sel == PEER_SEL_SYSPEER) && n < SEL_MAXCAND)
				li[n++] = p->leap;
		if (leapsec_month_end(now))
			leap = leapsec_vote(li, n);
		leap_src = IPC_LEAPSRC_SERVERS;
	} else
		leap_src = IPC_LEAPSRC_NONE;
	if (!serving)
		return;		/* LI stays "alarm" */
	if (sys->leap != leap && (leap == NTP_LI_ADD || leap == NTP_LI_DEL ||
	    sys->leap == NTP_LI_ADD || sys->leap == NTP_LI_DEL))
		log_info("leap indicator now %d (%s)", leap,
		    leap_src == IPC_LEAPSRC_FILE ? "leap file" : "servers");
	sys->leap = (uint8_t)leap;

	/*
	 * The kernel leaps at the next UTC midnight, whatever the table
	 * says; a table leap at another time is announced but not armed.
	 */
	memset(&want, 0, sizeof(want));
	if (leap != NTP_LI_NONE &&
	    (leap_src == IPC_LEAPSRC_SERVERS || st.at_midnight))
		want.leap = leap == NTP_LI_ADD ? 1 : -1;
	want.tai = leaptab.n > 0 ? st.tai_offset : (int32_t)ak_leap.tai;
	if (leap_sent_once ? memcmp(&want, &leap_sent, sizeof(want)) == 0 :
	    want.leap == 0 && want.tai == 0)
		return;
	engine_send_parent(IMSG_SET_LEAP, &want, sizeof(want));
	leap_sent = want;
	leap_sent_once = 1;
}

/* ntpctl status: what the table (or the vote) says. */
void
sys_leap_status(struct ctl_status *cs)
{
	struct leapsec_state st;
	uint64_t now = sys_ntp_secs();

	cs->leap_source = leap_src;
	if (leaptab.n > 0) {
		leapsec_query(&leaptab, now, &st);
		cs->tai_offset = st.tai_offset;
		cs->leap_next = st.next;
		cs->leap_next_dir = st.next_dir;
		cs->leap_expires = leaptab.expires;
		cs->leap_file_expired = st.expired;
	} else
		cs->tai_offset = (int32_t)ak_leap.tai;
	if (leap_src == IPC_LEAPSRC_SERVERS &&
	    (eng->sys.leap == NTP_LI_ADD || eng->sys.leap == NTP_LI_DEL)) {
		/* Voted: at the end of this UTC day. */
		cs->leap_next = (now / 86400 + 1) * 86400;
		cs->leap_next_dir = eng->sys.leap == NTP_LI_ADD ? 1 : -1;
	}
}

/*
 * The leap values an Autokey server signs (spec 3.6): TAI-UTC, the
 * leap's epoch (the next one if listed, else the last) and the
 * reference's synthetic expiry; all 0 without a table.
 */
void
sys_leap_values(uint32_t *tai, uint32_t *epoch, uint32_t *expire)
{
	struct leapsec_state st;
	uint64_t now = sys_ntp_secs(), e = 0;
	size_t i;

	*tai = *epoch = *expire = 0;
	if (leaptab.n == 0) {
		if (ak_leap.tai != 0) {
			*tai = ak_leap.tai;
			*epoch = ak_leap.epoch;
			*expire = ak_leap.expire;
		}
		return;
	}
	leapsec_query(&leaptab, now, &st);
	if (st.tai_offset <= 10)
		return;
	if (st.next != 0) {
		e = st.next;
		*expire = (uint32_t)(e + 7 * 86400);
	} else {
		for (i = 0; i < leaptab.n; i++)
			if (leaptab.e[i].ntp_secs <= now)
				e = leaptab.e[i].ntp_secs;
		*expire = (uint32_t)(e + 25 * 86400);
	}
	*tai = (uint32_t)st.tai_offset;
	*epoch = (uint32_t)e;
}

/*
 * Verified LEAP values from an Autokey server.  As the reference does,
 * they are adopted only while we are synchronised, and only when they
 * carry a TAI offset (a server without a table sends zeros); a leap
 * file of our own always wins.  The offset must also be one the parent
 * accepts, or a proven but wrong server could make it shut us down.
 */
void
sys_leap_autokey(uint32_t tai, uint32_t epoch, uint32_t expire,
    const char *from)
{
	if (!eng->sys.synced || leaptab.n > 0 || tai <= 10 ||
	    tai > LEAPSEC_TAI_MAX)
		return;
	if (tai != ak_leap.tai)
		log_info("TAI-UTC %u s, from the leap values %s signed", tai,
		    from);
	ak_leap.tai = tai;
	ak_leap.epoch = epoch;
	ak_leap.expire = expire;
	sys_leap_refresh();
}

static int8_t
sys_measure_precision(void)
{
	struct timespec a, b;
	double d, best = 1.0;
	int i, prec;

	/* Smallest observed tick of the clock, as log2 seconds. */
	for (i = 0; i < 32; i++) {
		clock_gettime(CLOCK_REALTIME, &a);
		do
			clock_gettime(CLOCK_REALTIME, &b);
		while (a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec);
		d = (double)(b.tv_sec - a.tv_sec) +
		    (double)(b.tv_nsec - a.tv_nsec) / 1e9;
		if (d < best)
			best = d;
	}
	prec = (int)floor(log2(best));
	if (prec < -30)
		prec = -30;
	return (int8_t)prec;
}

static void
sys_set_local(void)
{
	struct sysvars *sys = &eng->sys;
	struct timespec ts;

	if (eng->conf.local_stratum > 0) {
		sys->stratum = (uint8_t)eng->conf.local_stratum;
		sys->leap = NTP_LI_NONE;
		sys->refid = (uint32_t)'L' << 24 | (uint32_t)'O' << 16 |
		    (uint32_t)'C' << 8 | 'L';
		clock_gettime(CLOCK_REALTIME, &ts);
		sys->reftime = ntp_ts_from_timespec(&ts);
		sys->rootdelay = 0;
		sys->rootdisp = 0.01;
	} else {
		sys->stratum = NTP_STRATUM_MAX;
		sys->leap = NTP_LI_ALARM;
		sys->refid = 0;
		sys->rootdelay = sys->rootdisp = 0;
	}
	sys_leap_refresh();
}

void
sys_init(void)
{
	struct disc_params dp;

	memset(&eng->sys, 0, sizeof(eng->sys));
	eng->sys.precision = sys_measure_precision();
	eng->sys.poll = 6;
	sys_set_local();
	discipline_params_init(&dp);
	dp.precision = ldexp(1.0, eng->sys.precision);
	discipline_init(&disc, &dp, eng->conf.drift_ppm / 1e6,
	    eng->conf.have_drift);
	eng->sys.freq_ppm = disc.freq * 1e6;
	strlcpy(eng->sys.last_action, "none", sizeof(eng->sys.last_action));
}

/* The refid we announce for a system peer (RFC 5905: IPv4 address, or
 * the first four octets of the MD5 of the IPv6 address). */
static uint32_t
sys_refid(const struct peer *p)
{
	const struct sockaddr_storage *ss = &p->conf.addr;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen;

	if (ss->ss_family == AF_INET)
		return ntohl(((const struct sockaddr_in *)(const void *)ss)->
		    sin_addr.s_addr);
	if (EVP_Digest(&((const struct sockaddr_in6 *)(const void *)ss)->
	    sin6_addr, 16, md, &mdlen, EVP_md5(), NULL) != 1)
		return 0;
	return (uint32_t)md[0] << 24 | (uint32_t)md[1] << 16 |
	    (uint32_t)md[2] << 8 | md[3];
}

static void
sys_unsync(const char *why)
{
	struct ipc_synced s;

	if (eng->sys.synced) {
		log_info("lost synchronisation: %s", why);
		s.synced = 0;
		engine_send_parent(IMSG_SYNCED, &s, sizeof(s));
	}
	eng->sys.synced = 0;
	eng->sys.syspeer = NULL;
	sys_set_local();
}

void
sys_peer_update(struct peer *changed, double now)
{
	struct sel_cand cand[SEL_MAXCAND];
	struct peer *map[SEL_MAXCAND];
	struct select_params sp;
	struct select_out so;
	struct disc_out dout;
	struct ipc_clock c;
	struct ipc_synced s;
	struct sysvars *sys = &eng->sys;
	struct timespec ts;
	struct peer *p, *sp_peer;
	enum disc_action act;
	size_t n = 0, i;

	TAILQ_FOREACH(p, &eng->peers, entry) {
		if (!p->have_sample || n >= SEL_MAXCAND) {
			p->sel = PEER_SEL_NONE;
			continue;
		}
		memset(&cand[n], 0, sizeof(cand[n]));
		cand[n].id = (int)p->conf.id;
		cand[n].offset = p->offset;
		cand[n].delay = p->delay;
		cand[n].disp = p->disp;
		cand[n].jitter = p->jitter;
		cand[n].t = p->sample_t;
		cand[n].rootdelay = p->rootdelay;
		cand[n].rootdisp = p->rootdisp;
		cand[n].stratum = p->stratum == 0 ? 16 : p->stratum;
		cand[n].leap = p->leap;
		cand[n].reachable = p->reach != 0;
		/* An Autokey association that is not proven never counts. */
		cand[n].unfit = (p->conf.flags & CONF_PEER_AUTOKEY) &&
		    p->auth != PEER_AUTH_OK;
		cand[n].prefer = (p->conf.flags & CONF_PEER_PREFER) != 0;
		cand[n].noselect = (p->conf.flags & CONF_PEER_NOSELECT) != 0;
		map[n++] = p;
	}
	select_params_init(&sp);
	sp.poll = sys->poll;
	sp.prev_syspeer_id = sys->syspeer ? (int)sys->syspeer->conf.id :
	    SEL_NONE;
	if (n == 0 || select_run(cand, n, &sp, now, &so) == -1) {
		for (i = 0; i < n; i++)
			map[i]->sel = cand[i].result == SEL_REJECT ?
			    PEER_SEL_REJECT : PEER_SEL_CANDIDATE;
		for (i = 0; i < n; i++)
			if (cand[i].result == SEL_FALSETICKER)
				map[i]->sel = PEER_SEL_FALSETICKER;
		if (sys->synced)
			sys_unsync("no majority of usable servers");
		return;
	}
	sp_peer = NULL;
	for (i = 0; i < n; i++) {
		switch (cand[i].result) {
		case SEL_REJECT:
			map[i]->sel = PEER_SEL_REJECT;
			break;
		case SEL_CANDIDATE:
			map[i]->sel = PEER_SEL_CANDIDATE;
			break;
		case SEL_FALSETICKER:
			map[i]->sel = PEER_SEL_FALSETICKER;
			break;
		case SEL_EXCESS:
			map[i]->sel = PEER_SEL_EXCESS;
			break;
		case SEL_OUTLIER:
			map[i]->sel = PEER_SEL_OUTLIER;
			break;
		case SEL_SURVIVOR:
			map[i]->sel = PEER_SEL_SURVIVOR;
			break;
		case SEL_SYSPEER:
			map[i]->sel = PEER_SEL_SYSPEER;
			sp_peer = map[i];
			break;
		}
	}
	if (sp_peer == NULL)
		return;
	/* Only a new sample of the system peer moves the clock. */
	if (sp_peer->sample_t <= last_update)
		goto vars;
	last_update = sp_peer->sample_t;
	act = discipline_update(&disc, so.offset, now, &dout);
	switch (act) {
	case DISC_PANIC:
		fatalx("offset %.3f s exceeds the panic threshold (%.0f s); "
		    "set the clock by hand", so.offset, disc.p.panic_threshold);
	case DISC_STEP:
		c.value = dout.step;
		snprintf(sys->last_action, sizeof(sys->last_action),
		    "%sstep %+.6f s", eng->conf.flags & IPC_F_NOCLOCK ?
		    "would " : "", dout.step);
		log_info("%s (%s)", sys->last_action, sp_peer->addrtxt);
		engine_send_parent(IMSG_STEP, &c, sizeof(c));
		/* Old samples are meaningless after a step. */
		TAILQ_FOREACH(p, &eng->peers, entry) {
			filter_init(p->filter, now);
			p->have_sample = 0;
		}
		break;
	case DISC_SLEW:
		snprintf(sys->last_action, sizeof(sys->last_action),
		    "%sslew %+.6f s, frequency %+.3f ppm",
		    eng->conf.flags & IPC_F_NOCLOCK ? "would " : "",
		    dout.offset, dout.freq * 1e6);
		break;
	case DISC_IGNORE:
		/* Say why nothing happened yet: at start without a drift
		 * file the discipline measures the frequency first. */
		if (strncmp(sys->last_action, "none", 4) == 0)
			snprintf(sys->last_action, sizeof(sys->last_action),
			    "none yet (discipline state %s)",
			    discipline_state_name(dout.state));
		break;
	}
	sys->poll = (int8_t)dout.poll;
	TAILQ_FOREACH(p, &eng->peers, entry) {
		int np = dout.poll;

		if (np < p->conf.minpoll)
			np = p->conf.minpoll;
		if (np > p->conf.maxpoll)
			np = p->conf.maxpoll;
		p->poll = np;
	}
vars:
	if (!sys->synced) {
		log_info("synchronised to %s (%s), stratum %u",
		    sp_peer->conf.name, sp_peer->addrtxt,
		    sp_peer->stratum + 1);
		s.synced = 1;
		engine_send_parent(IMSG_SYNCED, &s, sizeof(s));
	}
	sys->synced = 1;
	sys->syspeer = sp_peer;
	sys->stratum = sp_peer->stratum + 1 > NTP_STRATUM_MAX ?
	    NTP_STRATUM_MAX : sp_peer->stratum + 1;
	sys->refid = sys_refid(sp_peer);
	clock_gettime(CLOCK_REALTIME, &ts);
	sys->reftime = ntp_ts_from_timespec(&ts);
	sys->offset = so.offset;
	sys->jitter = so.jitter;
	sys->rootdelay = sp_peer->rootdelay + sp_peer->delay;
	sys->rootdisp = sp_peer->rootdisp + sp_peer->disp +
	    sp_peer->jitter + fabs(so.offset) + CLK_PHI *
	    (now - sp_peer->sample_t);
	sys->freq_ppm = disc.freq * 1e6;
	sys_leap_refresh();
	(void)changed;
}

void
sys_tick(double now)
{
	struct disc_tick t;
	struct ipc_clock c;
	double f;

	/* Lost the system peer's reachability: fall back. */
	if (eng->sys.syspeer != NULL && !eng->sys.syspeer->have_sample)
		sys_unsync("system peer unreachable");
	if (eng->sys.syspeer == NULL && eng->conf.local_stratum > 0)
		sys_set_local();
	else if (eng->sys.synced)
		sys_leap_refresh();	/* the leap window opens by the clock */
	if (!disc.have_update)
		return;
	discipline_tick(&disc, &t);
	f = t.freq;
	if (fabs(f - freq_sent) > SYS_FREQ_EPSILON) {
		c.value = f * 1e6;
		engine_send_parent(IMSG_ADJ_FREQ, &c, sizeof(c));
		freq_sent = f;
	}
	if (t.phase != 0.0) {
		c.value = t.phase;
		engine_send_parent(IMSG_ADJ_OFFSET, &c, sizeof(c));
	}
	eng->sys.freq_ppm = t.freq * 1e6;
	if (disc.state == DISC_SYNC &&
	    now - last_drift_write >= SYS_DRIFT_INTERVAL) {
		c.value = t.freq * 1e6;
		engine_send_parent(IMSG_WRITE_DRIFT, &c, sizeof(c));
		last_drift_write = now;
	}
}

void
sys_clock_done(const struct ipc_clock_done *d)
{
	if (d->error != 0)
		log_warnx("parent could not apply %s: %s",
		    ipc_type_name(d->request), strerror(d->error));
}
