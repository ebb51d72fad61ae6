/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

#include <math.h>
#include <stddef.h>

#include "filter.h"

static void	filter_dummy(struct filter_sample *, double);
static void	filter_shift(struct clock_filter *,
		    const struct filter_sample *, const struct filter_params *,
		    double);
static void	filter_sort(const struct clock_filter *, double,
		    const struct filter_sample **, int *);
static void	filter_compute(struct clock_filter *,
		    const struct filter_params *, struct filter_out *);

void
filter_params_init(struct filter_params *p)
{
	p->precision = ldexp(1.0, -20);
	p->phi = CLK_PHI;
	p->maxdisp = CLK_MAXDISP;
	p->maxdist = CLK_MAXDIST;
	p->sgate = FILTER_SGATE;
	p->poll_interval = ldexp(1.0, CLK_MINPOLL);
}

static void
filter_dummy(struct filter_sample *s, double maxdisp)
{
	s->offset = 0.0;
	s->delay = maxdisp;
	s->disp = maxdisp;
	s->t = 0.0;
}

void
filter_init(struct clock_filter *f, double now)
{
	int	i;

	for (i = 0; i < FILTER_NSTAGE; i++)
		filter_dummy(&f->stage[i], CLK_MAXDISP);
	f->last_update = now;
	f->have_last = 0;
	f->offset = 0.0;
	f->delay = CLK_MAXDISP;
	f->disp = CLK_MAXDISP;
	f->jitter = 0.0;
	f->t = 0.0;
	f->nvalid = 0;
}

/*
 * Age the register to now and shift s in as the newest stage.  A sample
 * with a non-finite field goes in as the dummy tuple: one bad input must
 * not poison the statistics of the whole association.
 */
static void
filter_shift(struct clock_filter *f, const struct filter_sample *s,
    const struct filter_params *p, double now)
{
	double	age;
	int	i;

	/* A clock that went backwards must not make dispersion shrink. */
	age = now - f->last_update;
	if (!isfinite(age) || age < 0.0)
		age = 0.0;
	else
		f->last_update = now;

	for (i = FILTER_NSTAGE - 1; i > 0; i--) {
		f->stage[i] = f->stage[i - 1];
		f->stage[i].disp += p->phi * age;
		if (f->stage[i].disp > p->maxdisp)
			f->stage[i].disp = p->maxdisp;
	}

	if (s == NULL || !isfinite(s->offset) || !isfinite(s->delay) ||
	    !isfinite(s->disp) || !isfinite(s->t)) {
		filter_dummy(&f->stage[0], p->maxdisp);
		return;
	}
	f->stage[0] = *s;
	if (f->stage[0].disp < 0.0)
		f->stage[0].disp = 0.0;
	if (f->stage[0].disp > p->maxdisp)
		f->stage[0].disp = p->maxdisp;
}

/*
 * Order the stages for the filter: valid ones (dispersion below
 * MAXDISP) first by increasing delay, ties to the newer sample; then the
 * invalid ones in register order.  Eight entries: insertion sort.
 */
static void
filter_sort(const struct clock_filter *f, double maxdisp,
    const struct filter_sample **list, int *nvalid)
{
	const struct filter_sample	*s;
	int				 i, j, n = 0, k;

	for (i = 0; i < FILTER_NSTAGE; i++) {
		s = &f->stage[i];
		if (s->disp >= maxdisp)
			continue;
		for (j = n; j > 0; j--) {
			if (list[j - 1]->delay < s->delay ||
			    (list[j - 1]->delay == s->delay &&
			    list[j - 1]->t >= s->t))
				break;
			list[j] = list[j - 1];
		}
		list[j] = s;
		n++;
	}
	k = n;
	for (i = 0; i < FILTER_NSTAGE; i++)
		if (f->stage[i].disp >= maxdisp)
			list[k++] = &f->stage[i];
	*nvalid = n;
}

static void
filter_compute(struct clock_filter *f, const struct filter_params *p,
    struct filter_out *out)
{
	const struct filter_sample	*list[FILTER_NSTAGE], *best;
	enum filter_result		 res;
	double				 disp, sum, scatter, d, w;
	int				 i, n;

	filter_sort(f, p->maxdisp, list, &n);

	/* Peer dispersion: weights 1/2, 1/4, ... over the sorted stages. */
	disp = 0.0;
	w = 0.5;
	for (i = 0; i < FILTER_NSTAGE; i++) {
		disp += list[i]->disp * w;
		w /= 2.0;
	}
	f->disp = disp;
	f->nvalid = n;

	if (n == 0) {
		res = FILTER_NOVALID;
		goto done;
	}
	best = list[0];

	/*
	 * Jitter: RMS of the other valid offsets about the best one.  The
	 * RFC's figure puts 1/(n-1) outside the root; that is not an RMS
	 * and shrinks with n, so we use the root of the mean square.
	 */
	sum = 0.0;
	for (i = 1; i < n; i++) {
		d = best->offset - list[i]->offset;
		sum += d * d;
	}
	f->jitter = n > 1 ? sqrt(sum / (n - 1)) : 0.0;
	if (f->jitter < p->precision)
		f->jitter = p->precision;

	/* Prime directive: a sample is used once, and never an older one. */
	if (f->have_last && best->t <= f->t) {
		res = FILTER_OLD;
		goto done;
	}

	/*
	 * Popcorn spike: the new best sample lies much further from the
	 * last accepted offset than the rest of the register does, and it
	 * came soon after it.  The scatter is measured without the
	 * candidate itself, which would otherwise widen its own gate to
	 * about its own size.  Only once the register holds enough
	 * samples for the statistics to mean something (dispersion below
	 * MAXDIST), as in the reference implementation.
	 */
	if (f->have_last && n > 1 && f->disp < p->maxdist &&
	    best->disp < p->maxdist &&
	    best->t - f->t < 2.0 * p->poll_interval) {
		sum = 0.0;
		for (i = 1; i < n; i++) {
			d = list[i]->offset - f->offset;
			sum += d * d;
		}
		scatter = sqrt(sum / (n - 1));
		if (scatter < p->precision)
			scatter = p->precision;
		if (fabs(best->offset - f->offset) > p->sgate * scatter) {
			res = FILTER_POPCORN;
			goto done;
		}
	}

	f->offset = best->offset;
	f->delay = best->delay;
	f->t = best->t;
	f->have_last = 1;
	res = FILTER_UPDATED;

done:
	if (out != NULL) {
		out->result = res;
		out->updated = res == FILTER_UPDATED;
		out->offset = f->offset;
		out->delay = f->delay;
		out->disp = f->disp;
		out->jitter = f->jitter;
		out->t = f->t;
	}
}

void
filter_add(struct clock_filter *f, const struct filter_sample *s,
    const struct filter_params *p, double now, struct filter_out *out)
{
	filter_shift(f, s, p, now);
	filter_compute(f, p, out);
}

void
filter_add_dummy(struct clock_filter *f, const struct filter_params *p,
    double now, struct filter_out *out)
{
	filter_shift(f, NULL, p, now);
	filter_compute(f, p, out);
}

double
filter_distance(const struct clock_filter *f, const struct filter_params *p,
    double now)
{
	double	age;

	age = f->have_last ? now - f->t : 0.0;
	if (age < 0.0)
		age = 0.0;
	return f->delay / 2.0 + f->disp + p->phi * age;
}
