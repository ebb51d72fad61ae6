/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */
#ifndef SEAL_RESOLVER_H
#define SEAL_RESOLVER_H

#include "ipc.h"

/*
 * The resolver process ("ntpd -R"): turns names into addresses for the
 * engine, which may not open files or talk DNS itself.  The parent
 * fork+execs it at start, before its own sandbox; it runs as the
 * engine's user, NOT chrooted (getaddrinfo needs /etc/resolv.conf,
 * /etc/hosts, /etc/nsswitch.conf and maybe NSS modules), with
 * no_new_privs, no capabilities and the SANDBOX_RESOLVER seccomp list.
 *
 * Descriptors: 3 is a pipe to the parent (nothing is sent on it; when
 * it closes the resolver exits, and the parent sees the resolver die
 * like any child), 4 the link to the engine, whose end the parent hands
 * the engine as IMSG_SOCKET_RESOLVER.  One request at a time:
 * IMSG_RESOLVE -> IMSG_RESOLVED.
 */

int	 resolver_main(int, char *[]);

/*
 * The work of one request, without I/O on the pipes: checks the request
 * (a NUL-terminated non-empty name, a known family), resolves it for
 * UDP and fills the answer with at most IPC_RESOLVE_MAX distinct
 * addresses carrying the requested port.  Returns 0 if the request was
 * well-formed (the answer may still carry a resolution error), -1 if
 * not (the link is then broken).
 */
int	 resolver_lookup(const struct ipc_resolve *, struct ipc_resolved *);

#endif
