/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */
#ifndef SEAL_RESTRICT_H
#define SEAL_RESTRICT_H

#include <sys/socket.h>
#include <stddef.h>
#include <stdint.h>

#include "ipc.h"

/*
 * The restrict list: the entry with the longest matching mask wins (a
 * "default" line matches with mask length 0), as the reference does.
 * Returns the CONF_RES_* flags that apply to sa; 0 if nothing matches.
 */
uint32_t	 restrict_flags(const struct ipc_conf_restrict *, size_t,
		    const struct sockaddr *);

#endif
