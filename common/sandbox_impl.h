/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */
#ifndef SEAL_SANDBOX_IMPL_H
#define SEAL_SANDBOX_IMPL_H

#include <sys/types.h>

#include <stddef.h>

/* Internal to common/sandbox*.c: format an error into err if given. */
void	sandbox_seterr(char *, size_t, const char *, ...)
	    __attribute__((format(printf, 3, 4)));

/* Internal: set the group list, gid and uid, and verify the drop. */
int	sandbox_setids(uid_t, gid_t, char *, size_t);

#endif
