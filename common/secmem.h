/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */
#ifndef SEAL_SECMEM_H
#define SEAL_SECMEM_H

#include <stddef.h>

/*
 * Secure memory for long-term keys and for IPC buffers that carry secrets:
 * a thin layer over libsodium so that the rest of the tree has one place
 * that decides how secrets are allocated, protected, compared and wiped.
 *
 * secmem_alloc() memory sits between guard pages, is mlock()ed where the
 * memory lock limit allows it, and is wiped by secmem_free().  Each
 * allocation costs at least three pages, so it is meant for key material
 * and a few IPC buffers, not for bulk data.
 *
 * secmem_init() must be called (once is enough; more is harmless) before
 * any other function here; it also seeds secmem_random().
 */

int	 secmem_init(void);
void	*secmem_alloc(size_t);
void	 secmem_free(void *);
int	 secmem_noaccess(void *);
int	 secmem_readonly(void *);
int	 secmem_readwrite(void *);
void	 secmem_wipe(void *, size_t);
int	 secmem_equal(const void *, const void *, size_t);
void	 secmem_random(void *, size_t);

#endif
