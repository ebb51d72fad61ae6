/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */
#ifndef SEAL_FILTER_H
#define SEAL_FILTER_H

/*
 * The RFC 5905 clock filter (section 10) of one association, and the
 * RFC 5905 constants that the three clock modules (filter, select,
 * discipline) share.
 *
 * Everything here is a pure function of its arguments: time is passed in
 * as double seconds on a monotonic local scale ("now"), nothing reads a
 * clock, nothing logs, there is no global state.  The engine owns one
 * struct clock_filter per association.
 *
 * Sign convention, as in the RFC: offset = server time - local time, so
 * a positive offset means the local clock is behind.
 */

#define CLK_PHI		15e-6	/* frequency tolerance, s/s */
#define CLK_MINPOLL	4	/* log2 s */
#define CLK_MAXPOLL	17	/* log2 s */
#define CLK_MAXDISP	16.0	/* maximum dispersion, s */
#define CLK_MINDISP	0.005	/* min. dispersion increment, s (fig. 6) */
#define CLK_MAXDIST	1.0	/* distance threshold, s */
#define CLK_MAXSTRAT	16	/* maximum (unsynchronized) stratum */

#define FILTER_NSTAGE	8	/* stages in the shift register */
#define FILTER_SGATE	3.0	/* popcorn spike gate, x jitter */

/* One on-wire measurement (theta, delta, epsilon) and its epoch. */
struct filter_sample {
	double	offset;		/* theta, s */
	double	delay;		/* delta, s */
	double	disp;		/* epsilon: rho_r + rho_s + PHI(T4-T1) */
	double	t;		/* local time the sample was taken, s */
};

struct filter_params {
	double	precision;	/* s.rho, s: floor for the jitter */
	double	phi;		/* CLK_PHI */
	double	maxdisp;	/* CLK_MAXDISP: stage invalid at or above */
	double	maxdist;	/* CLK_MAXDIST: popcorn gate below this */
	double	sgate;		/* FILTER_SGATE */
	double	poll_interval;	/* 2^hpoll of the association, s */
};

struct clock_filter {
	/* stage[0] is the newest; unused stages hold the dummy tuple. */
	struct filter_sample	stage[FILTER_NSTAGE];
	double			last_update;	/* stages aged up to here */
	int			have_last;	/* a sample was used */
	/* The peer variables (RFC fig. 19) from the last accepted sample. */
	double			offset;		/* theta */
	double			delay;		/* delta */
	double			disp;		/* epsilon */
	double			jitter;		/* psi */
	double			t;		/* epoch of that sample */
	int			nvalid;		/* stages with real samples */
};

/* Why filter_add() did or did not produce a new peer update. */
enum filter_result {
	FILTER_UPDATED,		/* new best sample: run the system process */
	FILTER_NOVALID,		/* no valid stage at all */
	FILTER_OLD,		/* best sample not newer than the last used */
	FILTER_POPCORN		/* best sample is a popcorn spike */
};

struct filter_out {
	enum filter_result result;
	int	updated;	/* result == FILTER_UPDATED */
	double	offset;		/* peer variables after the call */
	double	delay;
	double	disp;
	double	jitter;
	double	t;
};

/* RFC defaults; precision 2^-20 s and poll interval 2^CLK_MINPOLL s. */
void	filter_params_init(struct filter_params *);

/* All stages to the dummy tuple (0, MAXDISP, MAXDISP, 0); no sample used. */
void	filter_init(struct clock_filter *, double now);

/*
 * Shift a new sample in at now, age the older stages by PHI * the time
 * since the previous shift, and recompute the peer variables.  The peer
 * offset, delay and epoch change only when out->updated is set; the
 * dispersion and jitter always describe the register as it now is.
 * A sample is used at most once, and never one older than the last one
 * used (RFC 5905 section 10).  out may be NULL.
 */
void	filter_add(struct clock_filter *, const struct filter_sample *,
	    const struct filter_params *, double now, struct filter_out *);

/*
 * Shift in the dummy tuple, as the poll process does when the server
 * has not answered for three polls: stale samples fall out and the
 * dispersion grows.
 */
void	filter_add_dummy(struct clock_filter *,
	    const struct filter_params *, double now, struct filter_out *);

/* Peer synchronization distance lambda = delta / 2 + epsilon, aged to now. */
double	filter_distance(const struct clock_filter *,
	    const struct filter_params *, double now);

#endif
