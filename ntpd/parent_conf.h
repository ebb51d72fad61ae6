/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */
#ifndef SEAL_PARENT_CONF_H
#define SEAL_PARENT_CONF_H

#include <sys/types.h>

#include "config.h"
#include "imsg.h"
#include "leapfile.h"

/*
 * What the parent hands the engine at start (ntpd/ntpd.c calls this
 * once, before it enters its sandbox): the configuration as messages,
 * the resolved servers, the bound UDP sockets, the control socket and
 * the resolver link.
 */
struct parent_engine_conf {
	struct imsgbuf		*ibuf;		/* the engine's pipe */
	const struct ntpd_conf	*conf;
	const char		*conffile;	/* for messages */
	int			 noclock, debug, verbose;
	double			 drift;		/* ppm, from the drift file */
	int			 have_drift;
	const struct leap_table	*leaptab;	/* NULL: no leapfile */
	int			 resolver_fd;	/* engine's end of its link */
	int			 ctlfd;		/* listening control socket */
};

void	 parent_send_engine_conf(const struct parent_engine_conf *);
int	 parent_open_control(const char *);
void	 parent_send_keyd_conf(struct imsgbuf *, struct ntpd_conf *);
void	 parent_check_user(const char *, uid_t *, gid_t *, char *, size_t);

#endif
