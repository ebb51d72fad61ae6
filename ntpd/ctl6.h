/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */
#ifndef SEAL_CTL6_H
#define SEAL_CTL6_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

struct ntp_sock;

/*
 * A mode 6 datagram read on an NTP socket (engine.c counted it in
 * rx_mode6): answered read-only when it comes from loopback, restrict
 * allows queries and the rate limit has room; otherwise dropped.
 */
void	 ctl6_recv(struct ntp_sock *, const uint8_t *, size_t,
	    const struct sockaddr *, socklen_t);

#endif
