/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

#include <math.h>
#include <stdlib.h>

#include "select.h"

/* One edge of a correctness interval: type -1 low, 0 middle, +1 high. */
struct sel_edge {
	double	val;
	int	type;
	int	idx;
};

static int	select_fit(const struct sel_cand *,
		    const struct select_params *);
static int	select_edge_cmp(const void *, const void *);
static int	select_intersect(struct sel_cand *, size_t,
		    const int *, int, double *, double *);
static void	select_sort_metric(const struct sel_cand *, int *, int);
static double	select_cluster(struct sel_cand *, int *, int *,
		    const struct select_params *);
static void	select_fail(struct select_out *);

void
select_params_init(struct select_params *p)
{
	p->minclock = SEL_NMIN;
	p->minsane = SEL_CMIN;
	p->maxclock = SEL_NMAX;
	p->maxdist = CLK_MAXDIST;
	p->mindisp = CLK_MINDISP;
	p->phi = CLK_PHI;
	p->poll = CLK_MINPOLL;
	p->prev_syspeer_id = SEL_NONE;
}

double
select_rootdist(const struct sel_cand *c, const struct select_params *p,
    double now)
{
	double	delay, age;

	delay = c->rootdelay + c->delay;
	if (delay < p->mindisp)
		delay = p->mindisp;
	age = now - c->t;
	if (age < 0.0)
		age = 0.0;
	return delay / 2.0 + c->rootdisp + c->disp + p->phi * age +
	    c->jitter;
}

/*
 * Fitness (RFC 5905 A.5.5.3): a candidate must be reachable, claim to
 * be synchronized at a usable stratum, and have a root distance within
 * MAXDIST, loosened by what PHI adds over one system poll so that a
 * server does not flicker in and out between polls.
 */
static int
select_fit(const struct sel_cand *c, const struct select_params *p)
{
	if (c->noselect || c->unfit || !c->reachable)
		return 0;
	if (c->leap == 3 || c->stratum >= CLK_MAXSTRAT || c->stratum < 0)
		return 0;
	if (!isfinite(c->offset) || !isfinite(c->sync_distance))
		return 0;
	if (c->sync_distance > p->maxdist + p->phi * ldexp(1.0, p->poll))
		return 0;
	return 1;
}

static int
select_edge_cmp(const void *a, const void *b)
{
	const struct sel_edge	*x = a, *y = b;

	if (x->val != y->val)
		return x->val < y->val ? -1 : 1;
	/* At equal values a low edge comes first: touching intervals meet. */
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	return x->idx - y->idx;
}

/*
 * The intersection algorithm (RFC 5905 section 11.2.1).  Assume f = 0
 * falsetickers and look for the interval [low, high] that lies inside
 * the correctness intervals of at least m - f candidates and holds the
 * midpoints of all but at most f; if there is none, allow one more
 * falseticker, as long as the falsetickers stay a minority.
 * Returns 0 and the interval, or -1: no majority clique.
 */
static int
select_intersect(struct sel_cand *c, size_t n, const int *fit, int m,
    double *lowp, double *highp)
{
	struct sel_edge	 e[3 * SEL_MAXCAND];
	double		 low = 0.0, high = 0.0;
	int		 ne = 0, f, d, cnt, i, havelow, havehigh;
	size_t		 k;

	if (m <= 0 || m > SEL_MAXCAND)
		return -1;
	for (i = 0; i < m; i++) {
		k = (size_t)fit[i];
		if (k >= n)
			return -1;
		e[ne].val = c[k].offset - c[k].sync_distance;
		e[ne].type = -1;
		e[ne++].idx = (int)k;
		e[ne].val = c[k].offset;
		e[ne].type = 0;
		e[ne++].idx = (int)k;
		e[ne].val = c[k].offset + c[k].sync_distance;
		e[ne].type = 1;
		e[ne++].idx = (int)k;
	}
	qsort(e, (size_t)ne, sizeof(e[0]), select_edge_cmp);

	for (f = 0; 2 * f < m; f++) {
		d = 0;
		cnt = 0;
		havelow = havehigh = 0;
		for (i = 0; i < ne; i++) {
			if (e[i].type == 0) {
				d++;
				continue;
			}
			cnt -= e[i].type;
			if (cnt >= m - f) {
				low = e[i].val;
				havelow = 1;
				break;
			}
		}
		cnt = 0;
		for (i = ne - 1; i >= 0; i--) {
			if (e[i].type == 0) {
				d++;
				continue;
			}
			cnt += e[i].type;
			if (cnt >= m - f) {
				high = e[i].val;
				havehigh = 1;
				break;
			}
		}
		if (havelow && havehigh && d <= f && low < high) {
			*lowp = low;
			*highp = high;
			return 0;
		}
	}
	return -1;
}

/* Order indices by merit, best first; ties by id for repeatability. */
static void
select_sort_metric(const struct sel_cand *c, int *v, int nv)
{
	int	i, j, x;

	for (i = 1; i < nv; i++) {
		x = v[i];
		for (j = i; j > 0; j--) {
			if (c[v[j - 1]].metric < c[x].metric ||
			    (c[v[j - 1]].metric == c[x].metric &&
			    c[v[j - 1]].id <= c[x].id))
				break;
			v[j] = v[j - 1];
		}
		v[j] = x;
	}
}

/*
 * The cluster algorithm (RFC 5905 section 11.2.2): while more than
 * minclock survivors remain, discard the one furthest from the others
 * (largest selection jitter), unless even that is below the smallest
 * peer jitter, when discarding cannot help.  Prefer peers are never
 * discarded.  v[] stays in metric order.  Returns PSI_s.
 */
static double
select_cluster(struct sel_cand *c, int *v, int *nvp,
    const struct select_params *p)
{
	double	sum, d, maxsel, allmax, minpeer;
	int	nv = *nvp, i, j, worst;

	for (;;) {
		maxsel = allmax = -1.0;
		minpeer = INFINITY;
		worst = -1;
		for (i = 0; i < nv; i++) {
			sum = 0.0;
			for (j = 0; j < nv; j++) {
				d = c[v[i]].offset - c[v[j]].offset;
				sum += d * d;
			}
			c[v[i]].seljitter = nv > 1 ? sqrt(sum / (nv - 1)) :
			    0.0;
			if (c[v[i]].seljitter > allmax)
				allmax = c[v[i]].seljitter;
			if (!c[v[i]].prefer && c[v[i]].seljitter > maxsel) {
				maxsel = c[v[i]].seljitter;
				worst = i;
			}
			if (c[v[i]].jitter < minpeer)
				minpeer = c[v[i]].jitter;
		}
		if (nv <= p->minclock || worst < 0 || maxsel < minpeer)
			break;
		c[v[worst]].result = SEL_OUTLIER;
		for (i = worst; i < nv - 1; i++)
			v[i] = v[i + 1];
		nv--;
	}
	*nvp = nv;
	return allmax > 0.0 ? allmax : 0.0;
}

static void
select_fail(struct select_out *out)
{
	out->syspeer_id = SEL_NONE;
	out->syspeer_index = -1;
	out->offset = 0.0;
	out->jitter = 0.0;
	out->seljitter = 0.0;
	out->nsurvivors = 0;
}

int
select_run(struct sel_cand *c, size_t n, const struct select_params *p,
    double now, struct select_out *out)
{
	int		 fit[SEL_MAXCAND], v[SEL_MAXCAND];
	double		 low, high, x, y, z, psis;
	int		 m = 0, nv = 0, i, sys, k;
	size_t		 j;

	out->low = out->high = 0.0;
	out->ntruechimers = out->nfalsetickers = 0;
	select_fail(out);
	if (n > SEL_MAXCAND)
		return -1;

	for (j = 0; j < n; j++) {
		c[j].sync_distance = select_rootdist(&c[j], p, now);
		c[j].metric = c[j].stratum * p->maxdist + c[j].sync_distance;
		c[j].seljitter = 0.0;
		if (select_fit(&c[j], p)) {
			c[j].result = SEL_CANDIDATE;
			fit[m++] = (int)j;
		} else
			c[j].result = SEL_REJECT;
	}
	if (m == 0 || select_intersect(c, n, fit, m, &low, &high) == -1)
		return -1;
	out->low = low;
	out->high = high;

	for (i = 0; i < m; i++) {
		k = fit[i];
		if (c[k].offset + c[k].sync_distance < low ||
		    c[k].offset - c[k].sync_distance > high) {
			c[k].result = SEL_FALSETICKER;
			out->nfalsetickers++;
		} else
			v[nv++] = k;
	}
	out->ntruechimers = nv;
	if (nv < p->minsane || nv == 0)
		return -1;

	select_sort_metric(c, v, nv);
	for (i = p->maxclock > 0 ? p->maxclock : nv; i < nv; i++)
		c[v[i]].result = SEL_EXCESS;
	if (p->maxclock > 0 && nv > p->maxclock)
		nv = p->maxclock;

	psis = select_cluster(c, v, &nv, p);

	/*
	 * The system peer: a surviving prefer peer, else the previous
	 * system peer if it is as good a stratum as the best survivor,
	 * else the best survivor.
	 */
	sys = v[0];
	for (i = 0; i < nv; i++)
		if (c[v[i]].prefer) {
			sys = v[i];
			break;
		}
	if (!c[sys].prefer && p->prev_syspeer_id != SEL_NONE)
		for (i = 0; i < nv; i++)
			if (c[v[i]].id == p->prev_syspeer_id &&
			    c[v[i]].stratum == c[v[0]].stratum) {
				sys = v[i];
				break;
			}

	/* Combine (RFC 5905 section 11.2.3): weights 1 / root distance. */
	if (c[sys].prefer)
		out->offset = c[sys].offset;
	else {
		y = z = 0.0;
		for (i = 0; i < nv; i++) {
			x = c[v[i]].sync_distance;
			if (x < 1e-9)
				x = 1e-9;
			y += 1.0 / x;
			z += c[v[i]].offset / x;
		}
		out->offset = z / y;
	}
	for (i = 0; i < nv; i++)
		c[v[i]].result = SEL_SURVIVOR;
	c[sys].result = SEL_SYSPEER;

	out->syspeer_id = c[sys].id;
	out->syspeer_index = sys;
	out->seljitter = psis;
	out->jitter = sqrt(psis * psis + c[sys].jitter * c[sys].jitter);
	out->nsurvivors = nv;
	return 0;
}
