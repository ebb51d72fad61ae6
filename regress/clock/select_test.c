/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

#include <atf-c.h>
#include <math.h>
#include <string.h>

#include "select.h"

#define CHECK_CLOSE(a, b, tol)						\
	ATF_CHECK_MSG(fabs((a) - (b)) <= (tol),				\
	    "%s = %.12g, want %.12g", #a, (double)(a), (double)(b))

#define NOW	1000.0

static struct select_params	sp;

/* A healthy stratum-2 server; root distance 0.015 + 0.02 + 0.001. */
static void
cand(struct sel_cand *c, int id, double offset)
{
	memset(c, 0, sizeof(*c));
	c->id = id;
	c->offset = offset;
	c->delay = 0.020;
	c->disp = 0.010;
	c->jitter = 0.001;
	c->t = NOW;
	c->rootdelay = 0.010;
	c->rootdisp = 0.010;
	c->stratum = 2;
	c->leap = 0;
	c->reachable = 1;
}

static void
setup(void)
{
	select_params_init(&sp);
}

ATF_TC_WITHOUT_HEAD(rootdist);
ATF_TC_BODY(rootdist, tc)
{
	struct sel_cand	c;

	setup();
	cand(&c, 1, 0.0);
	ATF_CHECK(fabs(select_rootdist(&c, &sp, NOW) - 0.036) < 1e-12);
	/* Ages at PHI; the delay term is floored at MINDISP. */
	c.delay = c.rootdelay = 0.0;
	ATF_CHECK(fabs(select_rootdist(&c, &sp, NOW + 100.0) -
	    (CLK_MINDISP / 2 + 0.021 + CLK_PHI * 100.0)) < 1e-12);
}

/* Four servers, one far away: it is the falseticker. */
ATF_TC_WITHOUT_HEAD(one_falseticker);
ATF_TC_BODY(one_falseticker, tc)
{
	struct sel_cand		c[4];
	struct select_out	o;

	setup();
	cand(&c[0], 10, 0.0010);
	cand(&c[1], 11, 0.0020);
	cand(&c[2], 12, 0.0015);
	cand(&c[3], 13, 0.5000);
	c[1].rootdisp = 0.001;		/* the best root distance */
	ATF_REQUIRE_EQ(select_run(c, 4, &sp, NOW, &o), 0);
	ATF_CHECK_EQ(c[3].result, SEL_FALSETICKER);
	ATF_CHECK_EQ(c[0].result, SEL_SURVIVOR);
	ATF_CHECK_EQ(c[1].result, SEL_SYSPEER);
	ATF_CHECK_EQ(c[2].result, SEL_SURVIVOR);
	ATF_CHECK_EQ(o.syspeer_id, 11);
	ATF_CHECK_EQ(o.syspeer_index, 1);
	ATF_CHECK_EQ(o.ntruechimers, 3);
	ATF_CHECK_EQ(o.nfalsetickers, 1);
	ATF_CHECK_EQ(o.nsurvivors, 3);
	ATF_CHECK(o.offset > 0.0010 && o.offset < 0.0020);
	/* The intersection holds the three agreeing midpoints. */
	ATF_CHECK(o.low <= 0.0010 && o.high >= 0.0020);
	ATF_CHECK(o.high < 0.5 - c[3].sync_distance);

	/* Two against one is a majority too. */
	setup();
	cand(&c[0], 1, 0.000);
	cand(&c[1], 2, 0.010);
	cand(&c[2], 3, -0.400);
	ATF_REQUIRE_EQ(select_run(c, 3, &sp, NOW, &o), 0);
	ATF_CHECK_EQ(c[2].result, SEL_FALSETICKER);
	ATF_CHECK_EQ(o.ntruechimers, 2);
}

/* Three servers that all disagree: no majority clique. */
ATF_TC_WITHOUT_HEAD(no_majority);
ATF_TC_BODY(no_majority, tc)
{
	struct sel_cand		c[3];
	struct select_out	o;
	int			i;

	setup();
	cand(&c[0], 1, 0.0);
	cand(&c[1], 2, 0.5);
	cand(&c[2], 3, 1.0);
	ATF_CHECK_EQ(select_run(c, 3, &sp, NOW, &o), -1);
	ATF_CHECK_EQ(o.syspeer_id, SEL_NONE);
	ATF_CHECK_EQ(o.syspeer_index, -1);
	for (i = 0; i < 3; i++)
		ATF_CHECK_EQ(c[i].result, SEL_CANDIDATE);

	/* Two that disagree: neither can outvote the other. */
	ATF_CHECK_EQ(select_run(c, 2, &sp, NOW, &o), -1);

	/* Nothing at all. */
	ATF_CHECK_EQ(select_run(c, 0, &sp, NOW, &o), -1);

	/* A single server is its own majority (CMIN = 1). */
	ATF_CHECK_EQ(select_run(c, 1, &sp, NOW, &o), 0);
	ATF_CHECK_EQ(o.syspeer_id, 1);

	/* ... unless minsane asks for more. */
	sp.minsane = 2;
	ATF_CHECK_EQ(select_run(c, 1, &sp, NOW, &o), -1);
}

/* Unfit candidates are rejected; noselect is never selected. */
ATF_TC_WITHOUT_HEAD(fitness);
ATF_TC_BODY(fitness, tc)
{
	struct sel_cand		c[7];
	struct select_out	o;
	int			i;

	setup();
	for (i = 0; i < 7; i++)
		cand(&c[i], i, 0.001 * i);
	c[0].noselect = 1;
	c[0].rootdisp = 0.0;		/* the best, were it allowed */
	c[1].stratum = CLK_MAXSTRAT;
	c[2].leap = 3;
	c[3].reachable = 0;
	c[4].rootdisp = 2.0;		/* beyond MAXDIST */
	c[5].unfit = 1;
	ATF_REQUIRE_EQ(select_run(c, 7, &sp, NOW, &o), 0);
	for (i = 0; i < 6; i++)
		ATF_CHECK_EQ(c[i].result, SEL_REJECT);
	ATF_CHECK_EQ(c[6].result, SEL_SYSPEER);
	ATF_CHECK_EQ(o.syspeer_id, 6);
	CHECK_CLOSE(o.offset, 0.006, 1e-12);

	/* Old data: the distance grows at PHI until it is unfit. */
	setup();
	cand(&c[0], 1, 0.0);
	ATF_CHECK_EQ(select_run(c, 1, &sp, NOW + 1000.0, &o), 0);
	ATF_CHECK_EQ(select_run(c, 1, &sp, NOW + 70000.0, &o), -1);
	ATF_CHECK_EQ(c[0].result, SEL_REJECT);

	/* Noselect alone: nothing to select. */
	setup();
	cand(&c[0], 1, 0.0);
	c[0].noselect = 1;
	ATF_CHECK_EQ(select_run(c, 1, &sp, NOW, &o), -1);
	ATF_CHECK_EQ(c[0].result, SEL_REJECT);
}

/* A surviving prefer peer is the system peer and is used alone. */
ATF_TC_WITHOUT_HEAD(prefer);
ATF_TC_BODY(prefer, tc)
{
	struct sel_cand		c[4];
	struct select_out	o;

	setup();
	cand(&c[0], 1, 0.0010);
	cand(&c[1], 2, 0.0012);
	cand(&c[2], 3, 0.0030);
	cand(&c[3], 4, 0.0014);
	c[2].stratum = 3;		/* worst metric */
	c[2].prefer = 1;
	c[2].jitter = 0.002;
	ATF_REQUIRE_EQ(select_run(c, 4, &sp, NOW, &o), 0);
	ATF_CHECK_EQ(o.syspeer_id, 3);
	ATF_CHECK_EQ(c[2].result, SEL_SYSPEER);
	CHECK_CLOSE(o.offset, 0.0030, 1e-12);
	/* It would have been the outlier: the prefer peer is never pruned. */
	ATF_CHECK_EQ(o.nsurvivors, 3);
	ATF_CHECK(c[0].result == SEL_OUTLIER || c[1].result == SEL_OUTLIER ||
	    c[3].result == SEL_OUTLIER);

	/* A prefer falseticker is still a falseticker. */
	setup();
	cand(&c[0], 1, 0.0010);
	cand(&c[1], 2, 0.0012);
	cand(&c[2], 3, 0.9000);
	c[2].prefer = 1;
	ATF_REQUIRE_EQ(select_run(c, 3, &sp, NOW, &o), 0);
	ATF_CHECK_EQ(c[2].result, SEL_FALSETICKER);
	ATF_CHECK(o.syspeer_id == 1 || o.syspeer_id == 2);
}

/*
 * Clustering: above minclock the survivor with the largest selection
 * jitter goes, until the selection jitter drops below the peer jitter.
 */
ATF_TC_WITHOUT_HEAD(cluster);
ATF_TC_BODY(cluster, tc)
{
	struct sel_cand		c[5];
	struct select_out	o;
	int			i, nout;

	setup();
	cand(&c[0], 1, 0.0000);
	cand(&c[1], 2, 0.0010);
	cand(&c[2], 3, -0.0010);
	cand(&c[3], 4, 0.0005);
	cand(&c[4], 5, 0.0200);		/* overlaps, but far */
	ATF_REQUIRE_EQ(select_run(c, 5, &sp, NOW, &o), 0);
	ATF_CHECK_EQ(o.ntruechimers, 5);
	ATF_CHECK_EQ(c[4].result, SEL_OUTLIER);
	ATF_CHECK_EQ(c[2].result, SEL_OUTLIER);
	ATF_CHECK_EQ(o.nsurvivors, 3);
	ATF_CHECK(o.seljitter > 0.0 && o.seljitter < 0.001);

	/* Peer jitter larger than the spread: pruning cannot help. */
	setup();
	for (i = 0; i < 5; i++)
		c[i].jitter = 0.05;
	ATF_REQUIRE_EQ(select_run(c, 5, &sp, NOW, &o), 0);
	ATF_CHECK_EQ(o.nsurvivors, 5);

	/* minclock bounds the pruning. */
	setup();
	sp.minclock = 1;
	for (i = 0; i < 5; i++)
		c[i].jitter = 0.0001;
	ATF_REQUIRE_EQ(select_run(c, 5, &sp, NOW, &o), 0);
	for (nout = i = 0; i < 5; i++)
		nout += c[i].result == SEL_OUTLIER;
	ATF_CHECK_EQ(o.nsurvivors, 5 - nout);
	ATF_CHECK(o.nsurvivors >= 1 && o.nsurvivors < 3);

	/* maxclock: the truechimers beyond it are excess. */
	setup();
	sp.maxclock = 2;
	for (i = 0; i < 5; i++) {
		c[i].jitter = 0.001;
		c[i].rootdisp = 0.001 * (i + 1);
	}
	ATF_REQUIRE_EQ(select_run(c, 5, &sp, NOW, &o), 0);
	ATF_CHECK_EQ(c[2].result, SEL_EXCESS);
	ATF_CHECK_EQ(c[3].result, SEL_EXCESS);
	ATF_CHECK_EQ(c[4].result, SEL_EXCESS);
	ATF_CHECK_EQ(o.nsurvivors, 2);
	ATF_CHECK_EQ(o.syspeer_id, 1);
}

/* Combine: average weighted by 1 / root distance. */
ATF_TC_WITHOUT_HEAD(combine);
ATF_TC_BODY(combine, tc)
{
	struct sel_cand		c[3];
	struct select_out	o;
	double			y = 0.0, z = 0.0, psis;
	int			i;

	setup();
	cand(&c[0], 1, 0.0010);
	cand(&c[1], 2, 0.0020);
	cand(&c[2], 3, 0.0040);
	c[0].rootdisp = 0.001;
	c[1].rootdisp = 0.020;
	c[2].rootdisp = 0.080;
	ATF_REQUIRE_EQ(select_run(c, 3, &sp, NOW, &o), 0);
	ATF_CHECK_EQ(o.nsurvivors, 3);
	ATF_CHECK_EQ(o.syspeer_id, 1);
	for (i = 0; i < 3; i++) {
		y += 1.0 / c[i].sync_distance;
		z += c[i].offset / c[i].sync_distance;
	}
	ATF_CHECK(fabs(o.offset - z / y) < 1e-15);
	/* Pulled towards the closest server, not the plain mean. */
	ATF_CHECK(o.offset < (0.001 + 0.002 + 0.004) / 3.0);
	ATF_CHECK(fabs(c[0].sync_distance - 0.027) < 1e-12);
	/* PSI = sqrt(PSI_s^2 + PSI_p^2). */
	psis = o.seljitter;
	ATF_CHECK(psis > 0.0);
	ATF_CHECK(fabs(o.jitter - sqrt(psis * psis + 0.001 * 0.001)) <
	    1e-15);
}

/* The system peer does not hop while the old one is as good a stratum. */
ATF_TC_WITHOUT_HEAD(clockhop);
ATF_TC_BODY(clockhop, tc)
{
	struct sel_cand		c[3];
	struct select_out	o;

	setup();
	cand(&c[0], 1, 0.0010);
	cand(&c[1], 2, 0.0011);
	cand(&c[2], 3, 0.0012);
	c[0].rootdisp = 0.001;
	ATF_REQUIRE_EQ(select_run(c, 3, &sp, NOW, &o), 0);
	ATF_CHECK_EQ(o.syspeer_id, 1);
	sp.prev_syspeer_id = 3;
	ATF_REQUIRE_EQ(select_run(c, 3, &sp, NOW, &o), 0);
	ATF_CHECK_EQ(o.syspeer_id, 3);
	ATF_CHECK_EQ(c[2].result, SEL_SYSPEER);
	ATF_CHECK_EQ(c[0].result, SEL_SURVIVOR);
	/* A better stratum wins over habit. */
	c[0].stratum = 1;
	ATF_REQUIRE_EQ(select_run(c, 3, &sp, NOW, &o), 0);
	ATF_CHECK_EQ(o.syspeer_id, 1);
}

ATF_TC_WITHOUT_HEAD(limits);
ATF_TC_BODY(limits, tc)
{
	static struct sel_cand	c[SEL_MAXCAND + 1];
	struct select_out	o;
	int			i;

	setup();
	for (i = 0; i <= SEL_MAXCAND; i++)
		cand(&c[i], i, 1e-5 * i);
	ATF_CHECK_EQ(select_run(c, SEL_MAXCAND + 1, &sp, NOW, &o), -1);
	ATF_CHECK_EQ(select_run(c, SEL_MAXCAND, &sp, NOW, &o), 0);
	ATF_CHECK_EQ(o.ntruechimers, SEL_MAXCAND);
	/* Close together: no pruning. */
	ATF_CHECK_EQ(o.nsurvivors, SEL_NMAX);

	/* Non-finite data is unfit, not a crash or a NaN offset. */
	setup();
	cand(&c[0], 1, NAN);
	cand(&c[1], 2, 0.001);
	c[1].jitter = INFINITY;
	cand(&c[2], 3, 0.002);
	ATF_REQUIRE_EQ(select_run(c, 3, &sp, NOW, &o), 0);
	ATF_CHECK_EQ(c[0].result, SEL_REJECT);
	ATF_CHECK_EQ(c[1].result, SEL_REJECT);
	ATF_CHECK_EQ(o.syspeer_id, 3);
	ATF_CHECK(isfinite(o.offset));
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, rootdist);
	ATF_TP_ADD_TC(tp, one_falseticker);
	ATF_TP_ADD_TC(tp, no_majority);
	ATF_TP_ADD_TC(tp, fitness);
	ATF_TP_ADD_TC(tp, prefer);
	ATF_TP_ADD_TC(tp, cluster);
	ATF_TP_ADD_TC(tp, combine);
	ATF_TP_ADD_TC(tp, clockhop);
	ATF_TP_ADD_TC(tp, limits);
	return atf_no_error();
}
