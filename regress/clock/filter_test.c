/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

#include <atf-c.h>
#include <math.h>

#include "filter.h"

#define CHECK_CLOSE(a, b, tol)						\
	ATF_CHECK_MSG(fabs((a) - (b)) <= (tol),				\
	    "%s = %.12g, want %.12g", #a, (double)(a), (double)(b))

#define EPS	1e-12

static struct filter_params	fp;

static void
setup(struct clock_filter *f)
{
	filter_params_init(&fp);
	fp.precision = 1e-6;
	fp.poll_interval = 64.0;
	filter_init(f, 0.0);
}

static struct filter_out
add(struct clock_filter *f, double t, double offset, double delay)
{
	struct filter_sample	s;
	struct filter_out	o;

	s.offset = offset;
	s.delay = delay;
	s.disp = 1e-4;
	s.t = t;
	filter_add(f, &s, &fp, t, &o);
	return o;
}

ATF_TC_WITHOUT_HEAD(empty);
ATF_TC_BODY(empty, tc)
{
	struct clock_filter	f;
	struct filter_out	o;

	setup(&f);
	/* All dummies: a little less than MAXDISP, and no update. */
	filter_add_dummy(&f, &fp, 64.0, &o);
	ATF_CHECK_EQ(o.result, FILTER_NOVALID);
	ATF_CHECK(!o.updated);
	ATF_CHECK(o.disp > 15.9 && o.disp < CLK_MAXDISP);
	ATF_CHECK_EQ(f.nvalid, 0);
}

ATF_TC_WITHOUT_HEAD(first_sample);
ATF_TC_BODY(first_sample, tc)
{
	struct clock_filter	f;
	struct filter_out	o;

	setup(&f);
	o = add(&f, 10.0, 0.002, 0.030);
	ATF_CHECK_EQ(o.result, FILTER_UPDATED);
	ATF_CHECK(o.updated);
	CHECK_CLOSE(o.offset, 0.002, 1e-12);
	CHECK_CLOSE(o.delay, 0.030, 1e-12);
	CHECK_CLOSE(o.t, 10.0, 1e-12);
	/* One sample: no spread to measure, jitter is the precision. */
	CHECK_CLOSE(o.jitter, 1e-6, 1e-12);
	/* disp = 1e-4 / 2 + 16 * (1/4 + ... + 1/256). */
	ATF_CHECK(fabs(o.disp - (0.5e-4 + 16.0 * (0.5 - 1.0 / 256))) < EPS);
}

/*
 * The minimum-delay stage is the one used; once used, it is not used
 * again, and older stages never are.
 */
ATF_TC_WITHOUT_HEAD(min_delay);
ATF_TC_BODY(min_delay, tc)
{
	struct clock_filter	f;
	struct filter_out	o;

	setup(&f);
	o = add(&f, 0.0, 0.0010, 0.030);
	ATF_CHECK(o.updated);
	o = add(&f, 64.0, 0.0011, 0.040);	/* larger delay: best is old */
	ATF_CHECK_EQ(o.result, FILTER_OLD);
	CHECK_CLOSE(o.offset, 0.0010, 1e-12);
	o = add(&f, 128.0, 0.0012, 0.020);	/* new minimum */
	ATF_CHECK_EQ(o.result, FILTER_UPDATED);
	CHECK_CLOSE(o.offset, 0.0012, 1e-12);
	CHECK_CLOSE(o.delay, 0.020, 1e-12);
	CHECK_CLOSE(o.t, 128.0, 1e-12);
	o = add(&f, 192.0, 0.0009, 0.025);
	ATF_CHECK_EQ(o.result, FILTER_OLD);
	o = add(&f, 256.0, 0.0013, 0.010);
	ATF_CHECK_EQ(o.result, FILTER_UPDATED);
	CHECK_CLOSE(o.offset, 0.0013, 1e-12);
	o = add(&f, 320.0, 0.0008, 0.050);
	o = add(&f, 384.0, 0.0011, 0.035);
	ATF_CHECK_EQ(o.result, FILTER_OLD);
	CHECK_CLOSE(o.offset, 0.0013, 1e-12);
	CHECK_CLOSE(o.t, 256.0, 1e-12);
	ATF_CHECK_EQ(f.nvalid, 7);
}

/* The best sample falls out of the register after eight shifts. */
ATF_TC_WITHOUT_HEAD(shift_out);
ATF_TC_BODY(shift_out, tc)
{
	struct clock_filter	f;
	struct filter_out	o;
	int			i;

	setup(&f);
	o = add(&f, 0.0, 0.001, 0.005);
	ATF_CHECK(o.updated);
	for (i = 1; i < FILTER_NSTAGE; i++) {
		o = add(&f, 64.0 * i, 0.001, 0.010);
		ATF_CHECK_EQ(o.result, FILTER_OLD);
	}
	o = add(&f, 64.0 * i, 0.001, 0.010);
	ATF_CHECK_EQ(o.result, FILTER_UPDATED);
	CHECK_CLOSE(o.t, 64.0 * i, 1e-12);
	ATF_CHECK_EQ(f.nvalid, FILTER_NSTAGE);
}

/* Jitter: RMS of the other offsets about the chosen one. */
ATF_TC_WITHOUT_HEAD(jitter_rms);
ATF_TC_BODY(jitter_rms, tc)
{
	struct clock_filter	f;
	struct filter_out	o;
	double			want;

	setup(&f);
	add(&f, 0.0, 0.004, 0.040);
	add(&f, 1.0, 0.001, 0.030);
	o = add(&f, 2.0, 0.002, 0.010);		/* best */
	ATF_CHECK(o.updated);
	/* others: 0.004 (d 0.002), 0.001 (d 0.001): sqrt((4+1)e-6 / 2) */
	want = sqrt((0.002 * 0.002 + 0.001 * 0.001) / 2.0);
	ATF_CHECK(fabs(o.jitter - want) < EPS);
	ATF_CHECK(fabs(f.jitter - want) < EPS);

	/* Identical offsets: the jitter is floored at the precision. */
	setup(&f);
	add(&f, 0.0, 0.003, 0.040);
	o = add(&f, 1.0, 0.003, 0.010);
	CHECK_CLOSE(o.jitter, fp.precision, 1e-12);
}

/* Dispersion: sorted stages weighted 1/2, 1/4, ..., aged by PHI. */
ATF_TC_WITHOUT_HEAD(dispersion);
ATF_TC_BODY(dispersion, tc)
{
	struct clock_filter	f;
	struct filter_sample	s;
	struct filter_out	o;
	double			want;

	setup(&f);
	s.offset = 0.0;
	s.delay = 0.020;
	s.disp = 0.001;
	s.t = 0.0;
	filter_add(&f, &s, &fp, 0.0, &o);
	s.delay = 0.010;
	s.disp = 0.002;
	s.t = 1000.0;
	filter_add(&f, &s, &fp, 1000.0, &o);
	/* sorted: new (0.002), old aged (0.001 + PHI * 1000), dummies */
	want = 0.002 / 2 + (0.001 + CLK_PHI * 1000.0) / 4 +
	    16.0 * (1.0 / 4 - 1.0 / 256);
	ATF_CHECK(fabs(o.disp - want) < 1e-9);
	/* The distance grows at PHI from the sample epoch. */
	ATF_CHECK(fabs(filter_distance(&f, &fp, 2000.0) -
	    (0.005 + o.disp + CLK_PHI * 1000.0)) < 1e-9);
}

/*
 * A popcorn spike: one low-delay sample far from the rest arriving soon
 * after the last update is not used; a genuine shift of all the
 * samples is.
 */
ATF_TC_WITHOUT_HEAD(popcorn);
ATF_TC_BODY(popcorn, tc)
{
	struct clock_filter	f;
	struct filter_out	o;
	static const double	noise[] = { 0.0, 1e-4, -1e-4, 5e-5, -5e-5,
				    2e-5 };
	int			i;

	setup(&f);
	for (i = 0; i < 6; i++)
		o = add(&f, 64.0 * i, 0.001 + noise[i], 0.020 - 0.001 * i);
	ATF_CHECK_EQ(o.result, FILTER_UPDATED);
	ATF_CHECK(f.disp < CLK_MAXDIST);
	o = add(&f, 64.0 * 6, 0.050, 0.010);	/* spike, lowest delay */
	ATF_CHECK_EQ(o.result, FILTER_POPCORN);
	ATF_CHECK(!o.updated);
	ATF_CHECK(fabs(o.offset - (0.001 + noise[5])) < EPS);
	CHECK_CLOSE(o.t, 64.0 * 5, 1e-12);

	/* Level shift: many samples at the new offset are accepted. */
	setup(&f);
	for (i = 0; i < 5; i++)
		o = add(&f, 64.0 * i, 0.001, 0.020 - 0.001 * i);
	for (; i < 8; i++)
		o = add(&f, 300.0 + 10.0 * (i - 5), 0.030, 0.030);
	ATF_CHECK_EQ(o.result, FILTER_OLD);
	o = add(&f, 330.0, 0.030, 0.005);
	ATF_CHECK_EQ(o.result, FILTER_UPDATED);
	CHECK_CLOSE(o.offset, 0.030, 1e-12);

	/* A spike long after the last update is accepted. */
	setup(&f);
	for (i = 0; i < 6; i++)
		o = add(&f, 64.0 * i, 0.001, 0.020 - 0.001 * i);
	o = add(&f, 64.0 * 5 + 2.0 * fp.poll_interval, 0.050, 0.010);
	ATF_CHECK_EQ(o.result, FILTER_UPDATED);
}

/* Unreachable server: dummies push the samples out. */
ATF_TC_WITHOUT_HEAD(dummies);
ATF_TC_BODY(dummies, tc)
{
	struct clock_filter	f;
	struct filter_out	o;
	int			i;

	setup(&f);
	for (i = 0; i < 4; i++)
		o = add(&f, 64.0 * i, 0.001, 0.020);
	ATF_CHECK(o.disp < CLK_MAXDIST);
	for (; i < 4 + FILTER_NSTAGE - 1; i++) {
		filter_add_dummy(&f, &fp, 64.0 * i, &o);
		ATF_CHECK(o.result != FILTER_UPDATED);
	}
	ATF_CHECK_EQ(f.nvalid, 1);
	ATF_CHECK(o.disp > CLK_MAXDIST);
	filter_add_dummy(&f, &fp, 64.0 * i, &o);
	ATF_CHECK_EQ(o.result, FILTER_NOVALID);
	ATF_CHECK_EQ(f.nvalid, 0);
}

/* Garbage in a sample becomes a dummy, never NaN in the statistics. */
ATF_TC_WITHOUT_HEAD(nonfinite);
ATF_TC_BODY(nonfinite, tc)
{
	struct clock_filter	f;
	struct filter_out	o;

	setup(&f);
	o = add(&f, 0.0, 0.001, 0.020);
	o = add(&f, 64.0, NAN, 0.001);
	ATF_CHECK(isfinite(o.offset) && isfinite(o.jitter) &&
	    isfinite(o.disp));
	ATF_CHECK_EQ(f.nvalid, 1);
	o = add(&f, 128.0, 0.001, INFINITY);
	ATF_CHECK_EQ(f.nvalid, 1);
	/* Time going backwards does not shrink the dispersion. */
	o = add(&f, 10.0, 0.001, 0.030);
	ATF_CHECK(isfinite(o.disp) && o.disp > 0.0);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, empty);
	ATF_TP_ADD_TC(tp, first_sample);
	ATF_TP_ADD_TC(tp, min_delay);
	ATF_TP_ADD_TC(tp, shift_out);
	ATF_TP_ADD_TC(tp, jitter_rms);
	ATF_TP_ADD_TC(tp, dispersion);
	ATF_TP_ADD_TC(tp, popcorn);
	ATF_TP_ADD_TC(tp, dummies);
	ATF_TP_ADD_TC(tp, nonfinite);
	return atf_no_error();
}
