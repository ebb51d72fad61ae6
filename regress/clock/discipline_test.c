/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

#include <atf-c.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "discipline.h"

#define CHECK_CLOSE(a, b, tol)						\
	ATF_CHECK_MSG(fabs((a) - (b)) <= (tol),				\
	    "%s = %.12g, want %.12g", #a, (double)(a), (double)(b))

#define PPM	1e-6

/*
 * A simulated host: an oscillator with a constant frequency error, a
 * kernel that applies the discipline's outputs the way the parent does
 * (frequency continuously, each second's phase slice within that
 * second), and a server measuring the true offset with some noise.
 */
struct sim {
	struct discipline	d;
	double			T;	/* true seconds since start */
	double			theta;	/* true reference - local */
	double			ferr;	/* oscillator error (+: fast) */
	double			noise;	/* peak measurement noise */
	double			next_poll;
	uint32_t		rng;
	int			nstep, nslew, nignore, npanic;
	int			minpoll_seen, maxpoll_seen;
	double			max_abs_after; /* max |theta| after settle */
	double			settle;
};

static double
sim_noise(struct sim *s)
{
	/* xorshift32: repeatable noise, uniform in [-noise, noise]. */
	s->rng ^= s->rng << 13;
	s->rng ^= s->rng >> 17;
	s->rng ^= s->rng << 5;
	return s->noise * (2.0 * (s->rng / 4294967296.0) - 1.0);
}

static void
sim_init(struct sim *s, const struct disc_params *p, double theta0,
    double ferr, double drift, int have_drift)
{
	memset(s, 0, sizeof(*s));
	discipline_init(&s->d, p, drift, have_drift);
	s->theta = theta0;
	s->ferr = ferr;
	s->rng = 0x2545f491U;
	s->minpoll_seen = 99;
	s->settle = INFINITY;
}

/* Run for secs seconds of true time. */
static void
sim_run(struct sim *s, double secs)
{
	struct disc_out		out;
	struct disc_tick	tk;
	enum disc_action	a;
	double			end = s->T + secs;
	int			poll;

	while (s->T < end) {
		if (s->T >= s->next_poll) {
			a = discipline_update(&s->d, s->theta + sim_noise(s),
			    s->T, &out);
			switch (a) {
			case DISC_STEP:
				s->theta -= out.step;
				s->nstep++;
				break;
			case DISC_SLEW:
				s->nslew++;
				break;
			case DISC_IGNORE:
				s->nignore++;
				break;
			case DISC_PANIC:
				s->npanic++;
				break;
			}
			poll = discipline_poll(&s->d);
			if (poll < s->minpoll_seen)
				s->minpoll_seen = poll;
			if (poll > s->maxpoll_seen)
				s->maxpoll_seen = poll;
			s->next_poll = s->T + ldexp(1.0, poll);
		}
		discipline_tick(&s->d, &tk);
		ATF_REQUIRE(fabs(tk.phase) <= s->d.p.max_slew + 1e-15);
		/* Local clock over this second: 1 + ferr + freq, + phase. */
		s->theta -= s->ferr + tk.freq + tk.phase;
		s->T += 1.0;
		if (s->T >= s->settle && fabs(s->theta) > s->max_abs_after)
			s->max_abs_after = fabs(s->theta);
	}
}

static struct disc_params
params(void)
{
	struct disc_params	p;

	discipline_params_init(&p);
	p.precision = 1e-6;
	return p;
}

/*
 * No drift file, +50 ppm oscillator, 50 ms off: the FREQ state measures
 * the frequency over the stepout, then the PLL takes the offset out.
 */
ATF_TC_WITHOUT_HEAD(converge_nset);
ATF_TC_BODY(converge_nset, tc)
{
	struct disc_params	p = params();
	struct sim		s;

	sim_init(&s, &p, 0.050, 50 * PPM, 0.0, 0);
	ATF_CHECK_EQ(s.d.state, DISC_NSET);
	sim_run(&s, 1.0);
	ATF_CHECK_EQ(s.d.state, DISC_FREQ);
	sim_run(&s, 899.0);
	ATF_CHECK_EQ(s.d.state, DISC_FREQ);
	/* Updates every 16 s: the one at 912 s ends the stepout. */
	sim_run(&s, 12.0);
	ATF_CHECK_EQ(s.d.state, DISC_FREQ);
	sim_run(&s, 1.0);
	ATF_CHECK_EQ(s.d.state, DISC_SYNC);
	/* The direct measurement is already close. */
	ATF_CHECK_MSG(fabs(s.d.freq + 50 * PPM) < 1 * PPM, "freq %.3f ppm",
	    s.d.freq / PPM);
	s.settle = 3.0 * 3600.0;
	sim_run(&s, 6.0 * 3600.0);
	ATF_CHECK_EQ(s.nstep, 0);
	ATF_CHECK_EQ(s.npanic, 0);
	ATF_CHECK_MSG(fabs(s.theta) < 1e-3, "theta %.6f", s.theta);
	ATF_CHECK_MSG(s.max_abs_after < 1e-3, "max %.6f", s.max_abs_after);
	ATF_CHECK_MSG(fabs(s.d.freq + 50 * PPM) < 3 * PPM, "freq %.3f ppm",
	    s.d.freq / PPM);
	ATF_CHECK_EQ(s.d.state, DISC_SYNC);
}

/* The same with measurement noise: converges, and the poll goes up. */
ATF_TC_WITHOUT_HEAD(converge_noise);
ATF_TC_BODY(converge_noise, tc)
{
	struct disc_params	p = params();
	struct sim		s;

	sim_init(&s, &p, -0.080, 50 * PPM, 0.0, 0);
	s.noise = 100e-6;
	s.settle = 6.0 * 3600.0;
	sim_run(&s, 12.0 * 3600.0);
	ATF_CHECK_EQ(s.nstep, 0);
	ATF_CHECK_MSG(s.max_abs_after < 1e-3, "max %.6f", s.max_abs_after);
	ATF_CHECK_MSG(fabs(s.d.freq + 50 * PPM) < 3 * PPM, "freq %.3f ppm",
	    s.d.freq / PPM);
	ATF_CHECK_MSG(discipline_poll(&s.d) > p.minpoll, "poll %d",
	    discipline_poll(&s.d));
	ATF_CHECK(s.d.jitter > 0.0 && s.d.jitter < 1e-3);
}

/* A drift file a few ppm off: FSET, straight to SYNC, PLL only. */
ATF_TC_WITHOUT_HEAD(converge_fset);
ATF_TC_BODY(converge_fset, tc)
{
	struct disc_params	p = params();
	struct sim		s;

	sim_init(&s, &p, 0.020, 50 * PPM, -45 * PPM, 1);
	ATF_CHECK_EQ(s.d.state, DISC_FSET);
	CHECK_CLOSE(s.d.freq, -45 * PPM, 1e-15);
	sim_run(&s, 1.0);
	ATF_CHECK_EQ(s.d.state, DISC_SYNC);
	s.settle = 6.0 * 3600.0;
	sim_run(&s, 12.0 * 3600.0);
	ATF_CHECK_EQ(s.nstep, 0);
	ATF_CHECK_MSG(s.max_abs_after < 1e-3, "max %.6f", s.max_abs_after);
	ATF_CHECK_MSG(fabs(s.d.freq + 50 * PPM) < 3 * PPM, "freq %.3f ppm",
	    s.d.freq / PPM);
}

/* At start (NSET) an offset beyond the step threshold is stepped at once. */
ATF_TC_WITHOUT_HEAD(step_at_start);
ATF_TC_BODY(step_at_start, tc)
{
	struct disc_params	p = params();
	struct discipline	d;
	struct disc_out		out;
	struct sim		s;

	discipline_init(&d, &p, 0.0, 0);
	ATF_CHECK_EQ(discipline_update(&d, 0.5, 10.0, &out), DISC_STEP);
	CHECK_CLOSE(out.step, 0.5, 0.0);
	ATF_CHECK(out.reset);
	ATF_CHECK_EQ(out.state, DISC_FREQ);
	CHECK_CLOSE(out.offset, 0.0, 0.0);
	ATF_CHECK_EQ(out.poll, p.minpoll);

	/* With a drift file too, and then straight to SYNC. */
	discipline_init(&d, &p, 10 * PPM, 1);
	ATF_CHECK_EQ(discipline_update(&d, -0.3, 10.0, &out), DISC_STEP);
	CHECK_CLOSE(out.step, -0.3, 0.0);
	ATF_CHECK_EQ(out.state, DISC_SYNC);
	CHECK_CLOSE(out.freq, 10 * PPM, 1e-15);

	/* And the whole run converges after the step. */
	sim_init(&s, &p, 0.5, 50 * PPM, 0.0, 0);
	s.settle = 3.0 * 3600.0;
	sim_run(&s, 6.0 * 3600.0);
	ATF_CHECK_EQ(s.nstep, 1);
	ATF_CHECK_MSG(s.max_abs_after < 1e-3, "max %.6f", s.max_abs_after);
	ATF_CHECK_MSG(fabs(s.d.freq + 50 * PPM) < 3 * PPM, "freq %.3f ppm",
	    s.d.freq / PPM);
}

/*
 * In SYNC an offset beyond the step threshold is a spike: ignored, and
 * only stepped when it persists for the stepout interval.
 */
ATF_TC_WITHOUT_HEAD(spike_stepout);
ATF_TC_BODY(spike_stepout, tc)
{
	struct disc_params	p = params();
	struct discipline	d;
	struct disc_out		out;
	double			t;

	discipline_init(&d, &p, 0.0, 1);
	ATF_CHECK_EQ(discipline_update(&d, 0.001, 0.0, &out), DISC_SLEW);
	ATF_CHECK_EQ(d.state, DISC_SYNC);

	/* A lone spike, then an inlier: back to SYNC, nothing stepped. */
	ATF_CHECK_EQ(discipline_update(&d, 0.2, 16.0, &out), DISC_IGNORE);
	ATF_CHECK_EQ(d.state, DISC_SPIK);
	ATF_CHECK_EQ(discipline_update(&d, 0.001, 32.0, &out), DISC_SLEW);
	ATF_CHECK_EQ(d.state, DISC_SYNC);

	/* A persistent offset: ignored until 900 s after the last good. */
	for (t = 48.0; t < 32.0 + p.stepout; t += 16.0) {
		ATF_CHECK_EQ(discipline_update(&d, -0.2, t, &out),
		    DISC_IGNORE);
		ATF_CHECK_EQ(d.state, DISC_SPIK);
	}
	ATF_CHECK_EQ(discipline_update(&d, -0.2, t, &out), DISC_STEP);
	CHECK_CLOSE(out.step, -0.2, 0.0);
	ATF_CHECK(out.reset);
	ATF_CHECK_EQ(d.state, DISC_SYNC);
	ATF_CHECK_EQ(d.poll, p.minpoll);

	/* The stepout is a parameter. */
	p.stepout = 60.0;
	discipline_init(&d, &p, 0.0, 1);
	ATF_CHECK_EQ(discipline_update(&d, 0.0, 0.0, &out), DISC_SLEW);
	ATF_CHECK_EQ(discipline_update(&d, 0.3, 16.0, &out), DISC_IGNORE);
	ATF_CHECK_EQ(discipline_update(&d, 0.3, 32.0, &out), DISC_IGNORE);
	ATF_CHECK_EQ(discipline_update(&d, 0.3, 64.0, &out), DISC_STEP);

	/* So is the step threshold. */
	p = params();
	p.step_threshold = 0.5;
	discipline_init(&d, &p, 0.0, 1);
	ATF_CHECK_EQ(discipline_update(&d, 0.3, 0.0, &out), DISC_SLEW);
	ATF_CHECK_EQ(discipline_update(&d, 0.3, 16.0, &out), DISC_SLEW);
}

/* NSET: updates are ignored while the frequency is being measured. */
ATF_TC_WITHOUT_HEAD(freq_state);
ATF_TC_BODY(freq_state, tc)
{
	struct disc_params	p = params();
	struct discipline	d;
	struct disc_out		out;
	struct disc_tick	tk;
	int			i;

	discipline_init(&d, &p, 0.0, 0);
	ATF_CHECK_EQ(discipline_update(&d, 0.010, 0.0, &out), DISC_IGNORE);
	ATF_CHECK_EQ(d.state, DISC_FREQ);
	CHECK_CLOSE(d.offset, 0.010, 0.0);
	/* The phase is slewed meanwhile. */
	for (i = 0; i < 900; i++)
		discipline_tick(&d, &tk);
	ATF_CHECK(d.offset < 0.010 && d.offset > 0.0);
	ATF_CHECK_EQ(discipline_update(&d, 0.010, 800.0, &out), DISC_IGNORE);
	/* A clock 20 ppm slow: the drift beyond the slew is the frequency. */
	ATF_CHECK_EQ(discipline_update(&d, d.offset + 900.0 * 20 * PPM, 900.0,
	    &out), DISC_SLEW);
	ATF_CHECK_EQ(d.state, DISC_SYNC);
	CHECK_CLOSE(d.freq, 20 * PPM, 1e-12);
	CHECK_CLOSE(out.freq, 20 * PPM, 1e-12);
}

ATF_TC_WITHOUT_HEAD(panic);
ATF_TC_BODY(panic, tc)
{
	struct disc_params	p = params();
	struct discipline	d;
	struct disc_out		out;

	discipline_init(&d, &p, 0.0, 0);
	ATF_CHECK_EQ(discipline_update(&d, 2000.0, 0.0, &out), DISC_PANIC);
	ATF_CHECK_EQ(discipline_update(&d, -1000.5, 1.0, &out), DISC_PANIC);
	ATF_CHECK_EQ(d.state, DISC_NSET);
	ATF_CHECK(!d.have_update);
	/* Just inside the threshold: a step. */
	ATF_CHECK_EQ(discipline_update(&d, 999.0, 2.0, &out), DISC_STEP);

	/* In SYNC too. */
	discipline_init(&d, &p, 0.0, 1);
	ATF_CHECK_EQ(discipline_update(&d, 0.0, 0.0, &out), DISC_SLEW);
	ATF_CHECK_EQ(discipline_update(&d, 5000.0, 16.0, &out), DISC_PANIC);
	ATF_CHECK_EQ(d.state, DISC_SYNC);

	/* No panic check (ntpd -g): stepped. */
	p.panic_threshold = 0.0;
	discipline_init(&d, &p, 0.0, 0);
	ATF_CHECK_EQ(discipline_update(&d, 2000.0, 0.0, &out), DISC_STEP);
	CHECK_CLOSE(out.step, 2000.0, 0.0);

	/* Garbage is ignored. */
	discipline_init(&d, &p, NAN, 1);
	ATF_CHECK_EQ(d.state, DISC_NSET);
	ATF_CHECK_EQ(discipline_update(&d, NAN, 0.0, &out), DISC_IGNORE);
	ATF_CHECK_EQ(discipline_update(&d, 0.0, INFINITY, &out), DISC_IGNORE);
	ATF_CHECK_EQ(d.state, DISC_NSET);
}

/* Updates must be strictly later than the last one used. */
ATF_TC_WITHOUT_HEAD(stale_update);
ATF_TC_BODY(stale_update, tc)
{
	struct disc_params	p = params();
	struct discipline	d;
	struct disc_out		out;
	double			f;

	discipline_init(&d, &p, 0.0, 1);
	ATF_CHECK_EQ(discipline_update(&d, 0.001, 100.0, &out), DISC_SLEW);
	ATF_CHECK_EQ(discipline_update(&d, 0.002, 116.0, &out), DISC_SLEW);
	f = d.freq;
	ATF_CHECK_EQ(discipline_update(&d, 0.003, 116.0, &out), DISC_IGNORE);
	ATF_CHECK_EQ(discipline_update(&d, 0.003, 50.0, &out), DISC_IGNORE);
	CHECK_CLOSE(d.freq, f, 0.0);
	CHECK_CLOSE(d.offset, 0.002, 0.0);
}

/*
 * Poll adaptation: offsets well inside the jitter raise the poll
 * exponent to maxpoll; offsets well outside it bring it back down.
 */
ATF_TC_WITHOUT_HEAD(poll_adapt);
ATF_TC_BODY(poll_adapt, tc)
{
	struct disc_params	p = params();
	struct discipline	d;
	struct disc_out		out;
	double			t = 0.0;
	int			i, prev;

	discipline_init(&d, &p, 0.0, 1);
	ATF_CHECK_EQ(discipline_poll(&d), p.minpoll);
	for (i = 0; i < 200; i++) {
		prev = discipline_poll(&d);
		ATF_CHECK_EQ(discipline_update(&d, 0.0, t, &out), DISC_SLEW);
		ATF_CHECK(out.poll == prev || out.poll == prev + 1);
		t += ldexp(1.0, out.poll);
	}
	ATF_CHECK_EQ(discipline_poll(&d), p.maxpoll);

	for (i = 0; i < 200; i++) {
		prev = discipline_poll(&d);
		ATF_CHECK_EQ(discipline_update(&d, 0.050, t, &out), DISC_SLEW);
		ATF_CHECK(out.poll == prev || out.poll == prev - 1 ||
		    (i == 0 && out.poll == prev));
		t += ldexp(1.0, out.poll);
	}
	ATF_CHECK_EQ(discipline_poll(&d), p.minpoll);

	/* Hysteresis: one bad update does not drop the poll. */
	discipline_init(&d, &p, 0.0, 1);
	for (t = 0.0, i = 0; i < 20; i++) {
		discipline_update(&d, 0.0, t, &out);
		t += ldexp(1.0, out.poll);
	}
	prev = discipline_poll(&d);
	ATF_CHECK(prev > p.minpoll);
	discipline_update(&d, 0.010, t, &out);
	ATF_CHECK_EQ(out.poll, prev);
}

/* The clock-adjust process: a fraction of the residual each second. */
ATF_TC_WITHOUT_HEAD(tick);
ATF_TC_BODY(tick, tc)
{
	struct disc_params	p = params();
	struct discipline	d;
	struct disc_out		out;
	struct disc_tick	tk;
	double			tau;
	int			i;

	discipline_init(&d, &p, 12 * PPM, 1);
	ATF_CHECK_EQ(discipline_update(&d, 0.1, 0.0, &out), DISC_SLEW);
	tau = p.pll * ldexp(1.0, d.poll);
	discipline_tick(&d, &tk);
	CHECK_CLOSE(tk.phase, 0.1 / tau, 1e-15);
	CHECK_CLOSE(tk.freq, 12 * PPM, 1e-15);
	CHECK_CLOSE(d.offset, 0.1 - 0.1 / tau, 1e-15);
	/* After one time constant about 1/e of it is left. */
	for (i = 1; i < (int)tau; i++)
		discipline_tick(&d, &tk);
	ATF_CHECK(fabs(d.offset / 0.1 - exp(-1.0)) < 0.01);

	/* Never faster than the kernel can slew. */
	p.pll = 1.0;
	discipline_init(&d, &p, 0.0, 1);
	ATF_CHECK_EQ(discipline_update(&d, 0.1, 0.0, &out), DISC_SLEW);
	discipline_tick(&d, &tk);
	CHECK_CLOSE(tk.phase, p.max_slew, 0.0);
	CHECK_CLOSE(d.offset, 0.1 - p.max_slew, 1e-15);
	discipline_init(&d, &p, 0.0, 1);
	ATF_CHECK_EQ(discipline_update(&d, -0.1, 0.0, &out), DISC_SLEW);
	discipline_tick(&d, &tk);
	CHECK_CLOSE(tk.phase, -p.max_slew, 0.0);

	/* The frequency is clamped too. */
	discipline_init(&d, &p, 900 * PPM, 1);
	CHECK_CLOSE(d.freq, p.max_freq, 0.0);
}

ATF_TC_WITHOUT_HEAD(names);
ATF_TC_BODY(names, tc)
{
	ATF_CHECK_STREQ(discipline_state_name(DISC_NSET), "NSET");
	ATF_CHECK_STREQ(discipline_state_name(DISC_FSET), "FSET");
	ATF_CHECK_STREQ(discipline_state_name(DISC_SPIK), "SPIK");
	ATF_CHECK_STREQ(discipline_state_name(DISC_FREQ), "FREQ");
	ATF_CHECK_STREQ(discipline_state_name(DISC_SYNC), "SYNC");
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, converge_nset);
	ATF_TP_ADD_TC(tp, converge_noise);
	ATF_TP_ADD_TC(tp, converge_fset);
	ATF_TP_ADD_TC(tp, step_at_start);
	ATF_TP_ADD_TC(tp, spike_stepout);
	ATF_TP_ADD_TC(tp, freq_state);
	ATF_TP_ADD_TC(tp, panic);
	ATF_TP_ADD_TC(tp, stale_update);
	ATF_TP_ADD_TC(tp, poll_adapt);
	ATF_TP_ADD_TC(tp, tick);
	ATF_TP_ADD_TC(tp, names);
	return atf_no_error();
}
