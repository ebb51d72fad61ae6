/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

#include <math.h>
#include <stddef.h>

#include "discipline.h"

static void	discipline_reset(struct discipline *, enum disc_state,
		    double, double);
static void	discipline_jitter(struct discipline *, double);
static void	discipline_freq(struct discipline *, double);
static void	discipline_adapt(struct discipline *);
static double	discipline_clamp(double, double);
static void	discipline_out(const struct discipline *, struct disc_out *,
		    double, int);

void
discipline_params_init(struct disc_params *p)
{
	p->step_threshold = DISC_STEPT;
	p->stepout = DISC_WATCH;
	p->panic_threshold = DISC_PANICT;
	p->precision = ldexp(1.0, -20);
	p->pll = DISC_PLL;
	p->allan = DISC_ALLAN;
	p->avg = DISC_AVG;
	p->max_freq = DISC_MAXFREQ;
	p->max_slew = DISC_MAXSLEW;
	p->minpoll = CLK_MINPOLL;
	p->maxpoll = 10;
}

static double
discipline_clamp(double x, double lim)
{
	if (x > lim)
		return lim;
	if (x < -lim)
		return -lim;
	return x;
}

void
discipline_init(struct discipline *d, const struct disc_params *p,
    double drift_freq, int have_drift)
{
	d->p = *p;
	if (!isfinite(drift_freq))
		have_drift = 0;
	d->state = have_drift ? DISC_FSET : DISC_NSET;
	d->freq = have_drift ? discipline_clamp(drift_freq, p->max_freq) : 0.0;
	d->offset = 0.0;
	d->last_offset = 0.0;
	d->jitter = 0.0;
	d->wander = 0.0;
	d->t_update = 0.0;
	d->have_update = 0;
	d->poll = p->minpoll;
	d->jiggle = 0;
}

/* Enter state at epoch t with offset as the new residual to slew. */
static void
discipline_reset(struct discipline *d, enum disc_state state, double t,
    double offset)
{
	d->state = state;
	d->offset = offset;
	d->last_offset = offset;
	d->t_update = t;
	d->have_update = 1;
}

/* Clock jitter: exponential RMS average of offset differences. */
static void
discipline_jitter(struct discipline *d, double offset)
{
	double	diff, j2;

	diff = fabs(offset - d->last_offset);
	if (diff < d->p.precision)
		diff = d->p.precision;
	j2 = d->jitter * d->jitter;
	d->jitter = sqrt(j2 + (diff * diff - j2) / d->p.avg);
}

/*
 * Apply a frequency adjustment, clamped to max_freq.  The wander is the
 * exponential RMS average of the frequency changes (the RFC's skeleton
 * squares the frequency itself, which measures the offset from zero,
 * not the stability).
 */
static void
discipline_freq(struct discipline *d, double adj)
{
	double	nfreq, w2, df;

	nfreq = discipline_clamp(d->freq + adj, d->p.max_freq);
	df = nfreq - d->freq;
	w2 = d->wander * d->wander;
	d->wander = sqrt(w2 + (df * df - w2) / d->p.avg);
	d->freq = nfreq;
}

/*
 * Poll adaptation: an offset well inside the jitter means the loop can
 * average over longer intervals; a larger one means it must follow more
 * closely.  The counter goes up by the poll exponent and down by twice
 * it, so the loop backs off faster than it climbs; at +-LIMIT the
 * exponent changes and the counter restarts.  (The RFC's prose says +1
 * and -2; its skeleton code and the reference scale by the exponent,
 * which we follow, so that at long polls a change takes fewer hours.)
 */
static void
discipline_adapt(struct discipline *d)
{
	if (fabs(d->offset) < DISC_PGATE * d->jitter) {
		d->jiggle += d->poll;
		if (d->jiggle > DISC_LIMIT) {
			d->jiggle = DISC_LIMIT;
			if (d->poll < d->p.maxpoll) {
				d->jiggle = 0;
				d->poll++;
			}
		}
	} else {
		d->jiggle -= 2 * d->poll;
		if (d->jiggle < -DISC_LIMIT) {
			d->jiggle = -DISC_LIMIT;
			if (d->poll > d->p.minpoll) {
				d->jiggle = 0;
				d->poll--;
			}
		}
	}
}

static void
discipline_out(const struct discipline *d, struct disc_out *out,
    double step, int reset)
{
	if (out == NULL)
		return;
	out->state = d->state;
	out->step = step;
	out->freq = d->freq;
	out->offset = d->offset;
	out->jitter = d->jitter;
	out->wander = d->wander;
	out->poll = d->poll;
	out->reset = reset;
}

enum disc_action
discipline_update(struct discipline *d, double offset, double t,
    struct disc_out *out)
{
	double	mu, adj = 0.0, etemp, dtemp, pollsec;

	discipline_out(d, out, 0.0, 0);
	if (!isfinite(offset) || !isfinite(t))
		return DISC_IGNORE;
	if (d->p.panic_threshold > 0.0 && fabs(offset) > d->p.panic_threshold)
		return DISC_PANIC;
	/* An update must be strictly later than the last one used. */
	if (d->have_update && t <= d->t_update)
		return DISC_IGNORE;
	mu = d->have_update ? t - d->t_update : 0.0;
	pollsec = ldexp(1.0, d->poll);

	if (fabs(offset) > d->p.step_threshold) {
		switch (d->state) {
		case DISC_SYNC:
			/* One outlier is never trusted: wait and see. */
			d->state = DISC_SPIK;
			discipline_out(d, out, 0.0, 0);
			return DISC_IGNORE;
		case DISC_FREQ:
			if (mu < d->p.stepout)
				return DISC_IGNORE;
			/* The phase drift over mu is the frequency error. */
			adj = (offset - d->offset) / mu;
			break;
		case DISC_SPIK:
			if (mu < d->p.stepout)
				return DISC_IGNORE;
			/*
			 * The RFC's table also steps the frequency here;
			 * its code does not, and a persistent offset after
			 * a spike says nothing reliable about frequency.
			 */
			break;
		case DISC_NSET:
		case DISC_FSET:
			/* At start a wrong clock is set at once. */
			break;
		}
		d->jiggle = 0;
		d->poll = d->p.minpoll;
		if (d->state == DISC_NSET) {
			/* Now measure the frequency from a correct clock. */
			discipline_reset(d, DISC_FREQ, t, 0.0);
			discipline_out(d, out, offset, 1);
			return DISC_STEP;
		}
		discipline_reset(d, DISC_SYNC, t, 0.0);
		discipline_freq(d, adj);
		discipline_adapt(d);
		discipline_out(d, out, offset, 1);
		return DISC_STEP;
	}

	/*
	 * The jitter measures the noise between consecutive ordinary
	 * updates.  Across the start and the FREQ interval the offset
	 * differences are the frequency error itself; counting them would
	 * make a clock that is still far off look noisy, and the poll
	 * would climb before the offset is gone.
	 */
	if (d->state == DISC_SYNC || d->state == DISC_SPIK)
		discipline_jitter(d, offset);
	switch (d->state) {
	case DISC_NSET:
		/*
		 * First update, no frequency known: start slewing the
		 * phase and measure the frequency over the stepout.
		 */
		discipline_reset(d, DISC_FREQ, t, offset);
		discipline_out(d, out, 0.0, 0);
		return DISC_IGNORE;
	case DISC_FSET:
		/* Frequency from the drift file: adjust the phase only. */
		break;
	case DISC_FREQ:
		if (mu < d->p.stepout) {
			discipline_out(d, out, 0.0, 0);
			return DISC_IGNORE;
		}
		adj = (offset - d->offset) / mu;
		break;
	case DISC_SYNC:
	case DISC_SPIK:
		/*
		 * FLL, only beyond half the Allan intercept where
		 * frequency noise dominates; its gain grows with the poll
		 * interval up to 1 / AVG.
		 */
		if (pollsec > d->p.allan / 2.0) {
			etemp = DISC_FLL - d->poll;
			if (etemp < d->p.avg)
				etemp = d->p.avg;
			dtemp = mu > d->p.allan ? mu : d->p.allan;
			adj += (offset - d->offset) / (dtemp * etemp);
		}
		/*
		 * PLL: integrate over the update interval, but never
		 * more than one poll interval (oversampling is fine,
		 * undersampling is not).
		 */
		etemp = mu < pollsec ? mu : pollsec;
		dtemp = 4.0 * d->p.pll * pollsec;
		adj += offset * etemp / (dtemp * dtemp);
		break;
	}
	discipline_reset(d, DISC_SYNC, t, offset);
	discipline_freq(d, adj);
	discipline_adapt(d);
	discipline_out(d, out, 0.0, 0);
	return DISC_SLEW;
}

void
discipline_tick(struct discipline *d, struct disc_tick *out)
{
	double	tau, phase;

	/*
	 * A fixed fraction of the residual each second: an exponential
	 * decay with time constant pll * poll interval, not beyond the
	 * Allan intercept, and no faster than the kernel can slew.
	 */
	tau = ldexp(1.0, d->poll);
	if (tau > d->p.allan)
		tau = d->p.allan;
	tau *= d->p.pll;
	phase = discipline_clamp(d->offset / tau, d->p.max_slew);
	d->offset -= phase;
	out->phase = phase;
	out->freq = d->freq;
}

int
discipline_poll(const struct discipline *d)
{
	return d->poll;
}

const char *
discipline_state_name(enum disc_state s)
{
	switch (s) {
	case DISC_NSET:
		return "NSET";
	case DISC_FSET:
		return "FSET";
	case DISC_SPIK:
		return "SPIK";
	case DISC_FREQ:
		return "FREQ";
	case DISC_SYNC:
		return "SYNC";
	}
	return "?";
}
