/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */
#ifndef SEAL_CLOCKADJ_H
#define SEAL_CLOCKADJ_H

#include <stddef.h>
#include <stdint.h>

/*
 * The parent's half of "the engine decides, the parent applies".  Every
 * request from the engine is bounded here before any system call; a
 * request outside its bound is a protocol violation by the engine.
 */
#define CLOCKADJ_MAX_SLEW	0.5	/* s, one slew request */
#define CLOCKADJ_MAX_STEP	1000.0	/* s, the RFC 5905 panic threshold */
#define CLOCKADJ_MAX_FREQ	500.0	/* ppm, the kernel's own limit */

/* 0 if the value is acceptable for the request type, else -1 and why. */
int	 clockadj_validate(uint32_t type, double value, char *why, size_t len);

/*
 * Apply a validated request.  With noclock set nothing is changed and
 * the text says what would have been done.  Returns 0, or -1 with errno.
 */
int	 clockadj_apply(uint32_t type, double value, int noclock,
	    char *what, size_t len);

/* Drift file: one number, ppm.  Read at start; written atomically. */
int	 clockadj_read_drift(const char *path, double *ppm, char *err,
	    size_t errlen);
int	 clockadj_write_drift(const char *path, double ppm);
int	 clockadj_parse_drift(const char *buf, size_t len, double *ppm);

#endif
