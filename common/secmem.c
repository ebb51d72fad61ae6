/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

#include <stddef.h>

#include <sodium.h>

#include "secmem.h"

/* Returns 0 on success, -1 if libsodium cannot initialise. */
int
secmem_init(void)
{
	/* sodium_init() returns 1 when already initialised: not an error. */
	if (sodium_init() < 0)
		return (-1);
	return (0);
}

/*
 * Returns guarded, locked memory of len bytes, or NULL on failure.  A
 * length of 0 is refused: sodium would hand back a valid pointer, and a
 * zero-length secret is always a caller bug.
 */
void *
secmem_alloc(size_t len)
{
	if (len == 0)
		return (NULL);
	return (sodium_malloc(len));
}

/* Wipes and releases memory from secmem_alloc(); NULL is ignored. */
void
secmem_free(void *p)
{
	if (p != NULL)
		sodium_free(p);
}

int
secmem_noaccess(void *p)
{
	return (sodium_mprotect_noaccess(p) == 0 ? 0 : -1);
}

int
secmem_readonly(void *p)
{
	return (sodium_mprotect_readonly(p) == 0 ? 0 : -1);
}

int
secmem_readwrite(void *p)
{
	return (sodium_mprotect_readwrite(p) == 0 ? 0 : -1);
}

/* Wipes len bytes in a way the compiler may not optimise away. */
void
secmem_wipe(void *p, size_t len)
{
	if (p != NULL && len > 0)
		sodium_memzero(p, len);
}

/*
 * Constant-time comparison: 1 if the len bytes are equal, 0 otherwise.
 * Zero-length inputs are equal.
 */
int
secmem_equal(const void *a, const void *b, size_t len)
{
	if (len == 0)
		return (1);
	return (sodium_memcmp(a, b, len) == 0);
}

void
secmem_random(void *p, size_t len)
{
	if (len > 0)
		randombytes_buf(p, len);
}
