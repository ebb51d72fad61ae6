/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */
#ifndef SEAL_DISCIPLINE_H
#define SEAL_DISCIPLINE_H

#include "filter.h"

/*
 * The RFC 5905 clock discipline (section 11.3: the hybrid PLL/FLL and its
 * NSET/FSET/SPIK/FREQ/SYNC state machine, with poll adaptation) and the
 * once-a-second clock-adjust process (section 12).  Pure: the engine
 * passes every update and every second in; nothing here touches a clock.
 *
 * Who applies what, and why this way.  The engine runs the RFC's own
 * loop and the parent only carries out its two outputs, with the kernel
 * in plain (non-PLL) mode:
 *
 *   - the frequency (struct disc_out / disc_tick .freq) goes to the
 *     kernel with adjtimex(ADJ_FREQUENCY) (IMSG_ADJ_FREQ), and only
 *     changes at a clock update;
 *   - once a second discipline_tick() hands out the slice of residual
 *     phase to slew during that second (.phase, at most max_slew * 1 s,
 *     500 us by default), which the parent gives to the kernel with
 *     adjtimex(ADJ_OFFSET_SINGLESHOT) (IMSG_ADJ_OFFSET): adjtime(2)
 *     semantics, slewed at 500 ppm, so it is finished before the next.
 *
 * This is exactly the model the RFC's clock_adjust() assumes (frequency
 * plus a fixed fraction of the residual offset every second), so the
 * loop that runs is the loop the simulations in regress/clock test,
 * whatever kernel is underneath.  Handing the offset to the kernel PLL
 * (ADJ_OFFSET with STA_PLL) instead would put a second, different loop
 * with its own time constant under ours.  And if the engine stalls, the
 * kernel keeps the plain frequency estimate: a slice of at most 500 us is
 * the only phase in flight, never a stale slew rate.  (A measurement
 * taken while a slice is in flight misses at most that slice; the next
 * update sees and corrects it, as in the RFC's own model.)
 *
 * A DISC_STEP result means: step the clock by out->step (clock_settime),
 * then reset every association's clock filter (out->reset), since all
 * their samples predate the step.  DISC_PANIC means: do not touch the
 * clock; log and exit, as the RFC asks (section 11.2.3).
 *
 * Signs follow the offset (positive: the local clock is behind): a
 * positive step or phase moves the clock forward, a positive frequency
 * makes it run faster, as with clock_settime, adjtime and adjtimex.
 *
 * Updates carry the epoch of the system peer's sample (its filter
 * output t); ticks come once a second on the engine's timer.
 */

/*
 * The RFC 5905 constants (fig. 27 and A.1.1).  The PLL time constant
 * scale is fig. 27's TC = 16, the value the reference implementation
 * uses; AVG is fig. 27's 8.
 */
#define DISC_STEPT	0.128	/* step threshold, s */
#define DISC_WATCH	900.0	/* stepout threshold, s */
#define DISC_PANICT	1000.0	/* panic threshold, s */
#define DISC_PLL	16.0	/* time constant scale (RFC fig. 27 TC) */
#define DISC_FLL	(CLK_MAXPOLL + 1) /* FLL loop gain, log2 */
#define DISC_AVG	8.0	/* averaging constant (RFC fig. 27) */
#define DISC_ALLAN	1500.0	/* Allan intercept, s */
#define DISC_LIMIT	30	/* poll hysteresis limit */
#define DISC_PGATE	4.0	/* poll gate, x clock jitter */
#define DISC_MAXFREQ	500e-6	/* frequency limit, s/s */
#define DISC_MAXSLEW	500e-6	/* kernel adjtime slew rate, s/s */

enum disc_state {
	DISC_NSET,	/* start, no frequency file */
	DISC_FSET,	/* start, frequency from the drift file */
	DISC_SPIK,	/* an outlier seen, waiting out the stepout */
	DISC_FREQ,	/* measuring the initial frequency */
	DISC_SYNC	/* normal operation */
};

enum disc_action {
	DISC_IGNORE,	/* update not used (spike, or still measuring) */
	DISC_SLEW,	/* update used: new phase and frequency */
	DISC_STEP,	/* step the clock by out->step, reset associations */
	DISC_PANIC	/* offset beyond panic_threshold: do nothing, exit */
};

struct disc_params {
	double	step_threshold;	/* STEPT */
	double	stepout;	/* WATCH */
	double	panic_threshold; /* PANICT; <= 0: no panic check (-g) */
	double	precision;	/* s.rho, s: floor for the jitter */
	double	pll;		/* DISC_PLL */
	double	allan;		/* DISC_ALLAN */
	double	avg;		/* DISC_AVG */
	double	max_freq;	/* DISC_MAXFREQ */
	double	max_slew;	/* DISC_MAXSLEW */
	int	minpoll;	/* CLK_MINPOLL */
	int	maxpoll;	/* a few below CLK_MAXPOLL is usual: 10 */
};

struct discipline {
	struct disc_params p;	/* a copy; the engine may change it */
	enum disc_state	state;
	double		freq;		/* frequency correction */
	double		offset;		/* residual phase to slew */
	double		last_offset;	/* last offset used */
	double		jitter;		/* clock jitter psi, s */
	double		wander;		/* frequency wander omega */
	double		t_update;	/* epoch of the last used */
	int		have_update;	/* t_update is meaningful */
	int		poll;		/* system poll exponent (tau) */
	int		jiggle;		/* poll hysteresis counter */
};

struct disc_out {
	enum disc_state	state;		/* after the update */
	double		step;		/* DISC_STEP: amount, s */
	double		freq;		/* frequency in force, s/s */
	double		offset;		/* residual phase to slew */
	double		jitter;
	double		wander;
	int		poll;		/* system poll exponent */
	int		reset;		/* reset all associations */
};

struct disc_tick {
	double	phase;		/* slew this much this second, s */
	double	freq;		/* frequency in force, s/s */
};

/* RFC values; precision 2^-20 s, poll range CLK_MINPOLL..10. */
void	discipline_params_init(struct disc_params *);

/*
 * Start in FSET with the frequency from the drift file (drift_freq,
 * s/s, clamped to max_freq) when have_drift is set, else in NSET with
 * frequency zero.
 */
void	discipline_init(struct discipline *, const struct disc_params *,
	    double drift_freq, int have_drift);

/*
 * Feed the combined offset of a system update (select_out.offset) whose
 * system peer sample has epoch t.  out may be NULL.
 */
enum disc_action discipline_update(struct discipline *, double offset,
	    double t, struct disc_out *out);

/* The clock-adjust process; call once a second. */
void	discipline_tick(struct discipline *, struct disc_tick *);

/* The system poll exponent to use for the associations. */
int	discipline_poll(const struct discipline *);

const char *discipline_state_name(enum disc_state);

#endif
