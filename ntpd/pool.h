/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */
#ifndef SEAL_POOL_H
#define SEAL_POOL_H

#include <poll.h>

#include "imsg.h"

/*
 * The engine's side of name resolution (pool.c): pools and servers
 * whose names are resolved again through the resolver process.
 */
void	 pool_conf_name(struct imsg *);		/* IMSG_CONF_NAME */
void	 pool_set_fd(int);			/* IMSG_SOCKET_RESOLVER */
void	 pool_pollfd(struct pollfd *);
void	 pool_dispatch(const struct pollfd *);
void	 pool_timers(double now);

#endif
