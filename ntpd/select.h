/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */
#ifndef SEAL_SELECT_H
#define SEAL_SELECT_H

#include <stddef.h>

#include "filter.h"

/*
 * The RFC 5905 system process mitigation (section 11.2): fitness tests,
 * the selection (intersection) algorithm, the cluster algorithm and the
 * combine algorithm, over an array of candidates that the engine fills
 * from its associations.  Pure: no I/O, no clock, no globals.
 *
 * Where we differ from the RFC's skeleton code, and why:
 * - Truechimers are the candidates whose correctness interval overlaps
 *   the intersection interval (Marzullo's criterion, as the reference
 *   implementation does), not only those whose midpoint lies inside it.
 * - A prefer peer is never pruned by the cluster algorithm, and when it
 *   survives it becomes the system peer and its offset and jitter are
 *   used alone, not combined (the reference's documented behaviour).
 * - To avoid clock hopping, the previous system peer stays system peer
 *   while it survives at the same stratum as the best survivor.
 */

#define SEL_NMIN	3	/* NMIN: minimum survivors of clustering */
#define SEL_CMIN	1	/* CMIN: minimum truechimers */
#define SEL_NMAX	10	/* most truechimers given to clustering */
#define SEL_MAXCAND	128	/* most candidates select_run() accepts */
#define SEL_NONE	(-1)	/* "no association" for ids */

/* What the mitigation made of a candidate, from worst to best. */
enum sel_result {
	SEL_REJECT,		/* failed the fitness tests, or noselect */
	SEL_CANDIDATE,		/* fit, but no system peer was chosen */
	SEL_FALSETICKER,	/* outside the intersection interval */
	SEL_EXCESS,		/* truechimer beyond maxclock */
	SEL_OUTLIER,		/* discarded by the cluster algorithm */
	SEL_SURVIVOR,		/* survived clustering, used by combine */
	SEL_SYSPEER		/* the system peer */
};

struct sel_cand {
	/* Filled in by the caller. */
	int	id;		/* association id, opaque here */
	double	offset;		/* peer theta, s */
	double	delay;		/* peer delta, s */
	double	disp;		/* peer epsilon, s */
	double	jitter;		/* peer psi, s */
	double	t;		/* epoch of the peer update, local s */
	double	rootdelay;	/* from the server's packet, s */
	double	rootdisp;	/* from the server's packet, s */
	int	stratum;	/* server's stratum (0 mapped to 16) */
	int	leap;		/* server's leap indicator; 3: unsynced */
	int	reachable;	/* reach register nonzero */
	int	unfit;		/* caller's veto: timing loop, auth... */
	int	prefer;
	int	noselect;
	/* Filled in by select_run(). */
	double	sync_distance;	/* root distance lambda at now */
	double	metric;		/* stratum * MAXDIST + lambda */
	double	seljitter;	/* selection jitter, last cluster round */
	enum sel_result result;
};

struct select_params {
	int	minclock;	/* NMIN: stop pruning at this many */
	int	minsane;	/* CMIN: fewer truechimers: do not sync */
	int	maxclock;	/* NMAX: truechimers kept for clustering */
	double	maxdist;	/* MAXDIST, s */
	double	mindisp;	/* MINDISP, s */
	double	phi;		/* PHI, s/s */
	int	poll;		/* system poll exponent: loosens maxdist */
	int	prev_syspeer_id; /* SEL_NONE or the current system peer */
};

struct select_out {
	int	syspeer_id;	/* SEL_NONE when select_run() fails */
	int	syspeer_index;	/* index into the candidates, or -1 */
	double	offset;		/* THETA, the combined offset, s */
	double	jitter;		/* PSI = sqrt(PSI_s^2 + PSI_p^2) */
	double	seljitter;	/* PSI_s from the cluster algorithm */
	double	low, high;	/* the intersection interval */
	int	nsurvivors;
	int	ntruechimers;
	int	nfalsetickers;
};

void	select_params_init(struct select_params *);

/*
 * Root synchronization distance of a candidate at now (RFC 5905
 * A.5.1.1 rootdist()): max(MINDISP, rootdelay + delay) / 2 + rootdisp +
 * disp + PHI * (now - t) + jitter.
 */
double	select_rootdist(const struct sel_cand *,
	    const struct select_params *, double now);

/*
 * Run fitness, selection, clustering and combining over c[0..n-1].
 * Every candidate's result, sync_distance and metric are set.  Returns 0
 * with out filled in, or -1 when no system peer can be chosen (no fit
 * candidate, no majority clique, fewer than minsane truechimers, or n >
 * SEL_MAXCAND); then out->syspeer_id is SEL_NONE.
 */
int	select_run(struct sel_cand *c, size_t n,
	    const struct select_params *, double now, struct select_out *out);

#endif
