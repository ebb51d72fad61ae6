/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * The resolver's one request (ntpd/resolver.c resolver_lookup): request
 * checks, the answer's addresses and port, errors.  Only names that
 * never leave the machine: localhost (from /etc/hosts), numeric
 * addresses, and a HOSTALIASES alias glibc refuses to send.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "resolver.h"

static void
ask(struct ipc_resolve *q, const char *name, int family, uint16_t port)
{
	memset(q, 0, sizeof(*q));
	q->id = 77;
	q->family = family;
	q->port = port;
	strlcpy(q->name, name, sizeof(q->name));
}

ATF_TC_WITHOUT_HEAD(localhost);
ATF_TC_BODY(localhost, tc)
{
	struct ipc_resolve q;
	struct ipc_resolved r;
	const struct sockaddr_in *sin;
	uint32_t i;
	int have_v4 = 0;

	ask(&q, "localhost", AF_UNSPEC, 12345);
	ATF_REQUIRE(resolver_lookup(&q, &r) == 0);
	ATF_CHECK_EQ(r.id, 77);
	ATF_REQUIRE_MSG(r.error == 0, "%s", r.reason);
	ATF_CHECK(r.naddrs >= 1 && r.naddrs <= IPC_RESOLVE_MAX);
	for (i = 0; i < r.naddrs; i++) {
		if (r.addrs[i].ss_family != AF_INET)
			continue;
		ATF_CHECK_EQ(r.addrlens[i], sizeof(struct sockaddr_in));
		sin = (const struct sockaddr_in *)&r.addrs[i];
		ATF_CHECK_EQ(ntohs(sin->sin_port), 12345);
		ATF_CHECK_EQ(ntohl(sin->sin_addr.s_addr), INADDR_LOOPBACK);
		have_v4 = 1;
	}
	ATF_CHECK(have_v4);
	/* Each address once, though getaddrinfo lists it per protocol. */
	for (i = 1; i < r.naddrs; i++)
		ATF_CHECK(memcmp(&r.addrs[i], &r.addrs[0],
		    r.addrlens[0]) != 0);
}

ATF_TC_WITHOUT_HEAD(numeric);
ATF_TC_BODY(numeric, tc)
{
	struct ipc_resolve q;
	struct ipc_resolved r;
	const struct sockaddr_in6 *sin6;

	ask(&q, "::1", AF_INET6, 123);
	ATF_REQUIRE(resolver_lookup(&q, &r) == 0);
	ATF_REQUIRE_MSG(r.error == 0, "%s", r.reason);
	ATF_REQUIRE_EQ(r.naddrs, 1);
	ATF_CHECK_EQ(r.addrs[0].ss_family, AF_INET6);
	sin6 = (const struct sockaddr_in6 *)&r.addrs[0];
	ATF_CHECK_EQ(ntohs(sin6->sin6_port), 123);
	ATF_CHECK(IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr));

	ask(&q, "192.0.2.7", AF_INET, 0);
	ATF_REQUIRE(resolver_lookup(&q, &r) == 0);
	ATF_REQUIRE_EQ(r.naddrs, 1);
	ATF_CHECK_EQ(r.addrs[0].ss_family, AF_INET);
}

ATF_TC_WITHOUT_HEAD(bad_requests);
ATF_TC_BODY(bad_requests, tc)
{
	struct ipc_resolve q;
	struct ipc_resolved r;

	ask(&q, "", AF_UNSPEC, 123);
	ATF_CHECK(resolver_lookup(&q, &r) == -1);
	ask(&q, "localhost", AF_UNIX, 123);
	ATF_CHECK(resolver_lookup(&q, &r) == -1);
	ask(&q, "localhost", -1, 123);
	ATF_CHECK(resolver_lookup(&q, &r) == -1);
	/* No terminating NUL anywhere in the name. */
	ask(&q, "", AF_UNSPEC, 123);
	memset(q.name, 'a', sizeof(q.name));
	ATF_CHECK(resolver_lookup(&q, &r) == -1);
}

ATF_TC_WITHOUT_HEAD(unresolvable);
ATF_TC_BODY(unresolvable, tc)
{
	struct ipc_resolve q;
	struct ipc_resolved r;
	char cwd[1024], path[1100], label[65];
	FILE *f;

	/*
	 * glibc maps the alias to a name with a 64-byte label, which it
	 * cannot put in a query: it fails without sending anything.
	 */
	memset(label, 'x', 64);
	label[64] = '\0';
	ATF_REQUIRE(getcwd(cwd, sizeof(cwd)) != NULL);
	snprintf(path, sizeof(path), "%s/aliases", cwd);
	ATF_REQUIRE((f = fopen(path, "w")) != NULL);
	fprintf(f, "sealnoname %s.invalid\n", label);
	ATF_REQUIRE(fclose(f) == 0);
	ATF_REQUIRE(setenv("HOSTALIASES", path, 1) == 0);
	ask(&q, "sealnoname", AF_UNSPEC, 123);
	ATF_REQUIRE(resolver_lookup(&q, &r) == 0);
	ATF_CHECK_EQ(r.id, 77);
	ATF_CHECK(r.error != 0);
	ATF_CHECK_EQ(r.naddrs, 0);
	ATF_CHECK(r.reason[0] != '\0');
	printf("reason: %s\n", r.reason);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, localhost);
	ATF_TP_ADD_TC(tp, numeric);
	ATF_TP_ADD_TC(tp, bad_requests);
	ATF_TP_ADD_TC(tp, unresolvable);
	return atf_no_error();
}
