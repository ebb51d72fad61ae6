/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * ntp.conf parser: the canonical form of a parsed configuration
 * (ntpd -n -v, and the golden files of regress/config/).
 */

#include <sys/socket.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "config_impl.h"

static const char *conf_fam_flag(int);

const char *
conf_mode_name(enum conf_peer_mode mode)
{
	switch (mode) {
	case CONF_MODE_SERVER:
		return "server";
	case CONF_MODE_PEER:
		return "peer";
	case CONF_MODE_POOL:
		return "pool";
	}
	return "?";
}

static const char *
conf_fam_flag(int af)
{
	return af == AF_INET ? "-4 " : af == AF_INET6 ? "-6 " : "";
}

/*
 * Canonical form: every effective setting, one directive per line, in a
 * fixed order; it parses back to the same configuration.
 */
void
conf_print(FILE *fp, const struct ntpd_conf *conf)
{
	const struct conf_crypto *c = &conf->crypto;
	char		 a[INET6_ADDRSTRLEN], m[INET6_ADDRSTRLEN];
	size_t		 i, k;

	fprintf(fp, "port %u\n", conf->port);
	for (i = 0; i < conf->nlisten; i++)
		fprintf(fp, "listen on %s\n",
		    conf_addr_str(&conf->listen[i], a, sizeof(a)));
	fprintf(fp, "controlsocket %s\n", conf->controlsocket);
	fprintf(fp, "user %s\n", conf->user);
	fprintf(fp, "keyd user %s\n", conf->keyd_user);
	fprintf(fp, "chroot %s\n", conf->chroot);
	if (conf->driftfile[0] != '\0')
		fprintf(fp, "driftfile %s\n", conf->driftfile);
	if (conf->leapfile[0] != '\0')
		fprintf(fp, "leapfile %s\n", conf->leapfile);
	fprintf(fp, "keysdir %s\n", conf->keysdir);
	if (conf->local_stratum != 0)
		fprintf(fp, "local stratum %d\n", conf->local_stratum);
	if (conf->ident[0] != '\0')
		fprintf(fp, "ident %s\n", conf->ident);
	if (c->enabled) {
		fprintf(fp, "crypto digest %s", c->digest);
		if (c->host[0] != '\0')
			fprintf(fp, " host %s", c->host);
		if (c->ident[0] != '\0')
			fprintf(fp, " ident %s", c->ident);
		if (c->pw_set)
			fprintf(fp, " pw ********");
		if (c->randfile[0] != '\0')
			fprintf(fp, " randfile %s", c->randfile);
		fprintf(fp, "\n");
	}
	fprintf(fp, "revoke %d\n", c->revoke);
	fprintf(fp, "automax %d\n", c->automax);

	for (i = 0; i < conf->npeers; i++) {
		const struct conf_peer *pe = &conf->peers[i];

		fprintf(fp, "%s %s%s", conf_mode_name(pe->mode),
		    conf_fam_flag(pe->family), pe->host);
		for (k = 0; k < conf_npeerflags; k++)
			if (pe->flags & conf_peerflags[k].flag)
				fprintf(fp, " %s", conf_peerflags[k].name);
		fprintf(fp, " minpoll %d maxpoll %d version %d port %u",
		    pe->minpoll, pe->maxpoll, pe->version, pe->port);
		if (pe->ident[0] != '\0')
			fprintf(fp, " ident %s", pe->ident);
		fprintf(fp, "\n");
	}
	for (i = 0; i < conf->nbcasts; i++) {
		const struct conf_bcast *b = &conf->bcasts[i];

		fprintf(fp, "broadcast %s%s ttl %d minpoll %d\n",
		    conf_addr_str(&b->addr, a, sizeof(a)),
		    b->autokey ? " autokey" : "", b->ttl, b->minpoll);
	}
	if (conf->bcastclient)
		fprintf(fp, "broadcastclient\n");
	if (conf->mcastclient) {
		fprintf(fp, "multicastclient");
		for (i = 0; i < conf->nmcastaddrs; i++)
			fprintf(fp, " %s", conf_addr_str(&conf->mcastaddrs[i],
			    a, sizeof(a)));
		fprintf(fp, "\n");
	}
	for (i = 0; i < conf->nrestricts; i++) {
		const struct conf_restrict *r = &conf->restricts[i];
		struct conf_addr host;

		if (r->isdefault)
			fprintf(fp, "restrict %sdefault",
			    conf_fam_flag(r->family));
		else {
			fprintf(fp, "restrict %s",
			    conf_addr_str(&r->addr, a, sizeof(a)));
			memset(&host, 0, sizeof(host));
			host.af = r->addr.af;
			memset(&host.u, 0xff, r->addr.af == AF_INET ? 4 :
			    sizeof(host.u));
			if (!conf_addr_eq(&host, &r->mask))
				fprintf(fp, " mask %s", conf_addr_str(&r->mask,
				    m, sizeof(m)));
		}
		for (k = 0; k < conf_nresflags; k++)
			if (r->flags & conf_resflags[k].flag)
				fprintf(fp, " %s", conf_resflags[k].name);
		fprintf(fp, "\n");
	}
}
