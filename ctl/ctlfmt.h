/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */
#ifndef SEAL_CTLFMT_H
#define SEAL_CTLFMT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * ntpctl's output: each answer from the engine is checked for its exact
 * length and printed as text or as one JSON object for the whole run.
 */
struct ctlfmt {
	FILE	*out;
	int	 json;
	int	 nkeys;		/* JSON: members printed at top level */
	int	 in_array;	/* JSON: an array is open */
	int	 nitems;	/* items in the open array / text rows */
};

void	 ctlfmt_init(struct ctlfmt *, FILE *, int json);
void	 ctlfmt_begin(struct ctlfmt *);
void	 ctlfmt_section(struct ctlfmt *, const char *);
int	 ctlfmt_imsg(struct ctlfmt *, uint32_t type, const void *, size_t);
void	 ctlfmt_end(struct ctlfmt *);
void	 ctlfmt_certs_end(struct ctlfmt *);

const char *ctlfmt_sel_name(int);
const char *ctlfmt_auth_name(int);
void	 ctlfmt_refid(uint32_t refid, int stratum, char *buf, size_t len);

#endif
