/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */
#ifndef SEAL_AKGLUE_INT_H
#define SEAL_AKGLUE_INT_H

/*
 * Shared by the two halves of Autokey in the engine: akglue.c (host
 * state, signed values, certificate list, group keys, server) and
 * akclient.c (the associations); ctl6.c reads the host state for ntpq.
 * See akglue.h.
 */

#include <stddef.h>
#include <stdint.h>

#include "autokey.h"
#include "ipc.h"

struct peer;

#define AKG_MINGAP	0.05	/* s between requests of one exchange */
#define AKG_RTO		1.0	/* s: first wait for an unanswered request */
#define AKG_SOFT	0.25	/* s: first wait after an empty answer */
#define AKG_HARD	1.0	/* s: first wait after a refused answer */
#define AKG_RESETGAP	2.0	/* s: at most one restart per association */
#define AKG_MACFAILS	4	/* MAC failures in a row that restart */
#define AKG_LOGGAP	600.0	/* s between repeats of one log line */
#define AKG_RESIGN	86400.0	/* s between signature updates */
#define AKG_NCERTS	8	/* the host's certificate list */
#define AKG_PENDMAX	1024	/* server responses waiting for keyd */

/* ntpq's certificate flags (spec 8.4). */
#define AKG_CF_TRUST	0x01
#define AKG_CF_SIGN	0x02
#define AKG_CF_VALID	0x04
#define AKG_CF_PRIV	0x08
#define AKG_CF_ERROR	0x80

/* Per association. */
struct akpeer {
	struct ak_client	 c;
	struct ak_addr		 local, remote;
	int			 addr_ok;
	struct ak_keylist	 kl;
	int			 kl_have;
	double			 kl_made;
	uint32_t		 keyid;		/* of the request in flight */
	int			 code;		/* its request code, 0 none */
	double			 last_send;
	double			 rto;		/* wait for an answer */
	double			 backoff;	/* wait after a refusal */
	double			 next;		/* < 0: normal polling */
	uint32_t		 dec_handle;	/* cookie decryption */
	uint32_t		 epoch;		/* bumped by every reset */
	double			 started, ok_at, last_reset;
	double			 last_log;
	char			 logged[IPC_REASONLEN];
	int			 macfails;
	uint64_t		 rejected, resets;
	char			 group[AK_GROUPNAMEMAX];
	int			 was_ok;
	int			 resume;	/* exchange over: poll again */
};

/* One entry of the host's certificate list. */
struct akcert {
	int			 used;
	uint64_t		 seq;		/* newest first */
	struct cert_info	 ci;
	uint32_t		 flags;		/* AKG_CF_* */
	uint32_t		 fstamp;
	char			 origin[16];
	uint8_t			*der;
	size_t			 derlen;
	uint8_t			 sig[KEYD_MAXSIG];	/* CERT response */
	size_t			 siglen;
	uint32_t		 sigts;
};

/* A server response waiting for keyd. */
struct akjob {
	int			 used;
	uint32_t		 tag;
	uint32_t		 handle;
	uint64_t		 seq;
	int			 sock;
	struct sockaddr_storage	 to;
	socklen_t		 tolen;
	struct ntp_pkt		 r;		/* the reply header */
	uint32_t		 keyid;
	struct ak_addr		 client, server;
	enum ak_job_kind	 kind;
	int			 code;
	uint32_t		 associd, tstamp;
};

/* The host's Autokey state (akglue.c). */
struct akg_state {
	int			 crypto;
	const EVP_MD		*md;
	char			 keysdir[1024];
	uint32_t		 gen;		/* +1 on every keyd change */
	int			 ready;		/* public material in */
	struct ipc_keyd_public	 pub;
	uint8_t			*pubkey;
	size_t			 pubkeylen;
	/* signed values (spec 6.2) */
	uint32_t		 hostval_ts;
	double			 sigupdate_at;	/* mono of the last update */
	uint8_t			 pksig[KEYD_MAXSIG];	/* COOK request */
	size_t			 pksiglen;
	uint8_t			 ownsig[KEYD_MAXSIG];	/* SIGN request */
	size_t			 ownsiglen;
	uint8_t			 leapval[12];
	uint8_t			 leapsig[KEYD_MAXSIG];
	size_t			 leapsiglen;
	uint32_t		 leap_ts;
	struct ak_signed	 leap;
	struct ak_host		 host;
	/* certificates and group keys */
	struct akcert		 certs[AKG_NCERTS];
	uint64_t		 certseq;
	struct ak_group		 groups[KEYD_MAXGROUPS];
	size_t			 ngroups;
	/* server */
	struct ak_server	 srv;
	int			 srv_init;
	struct ak_srvcert	 srvcerts[AKG_NCERTS];
	struct ak_srvhost	 sh;
	struct akjob		 jobs[AKG_PENDMAX];
	uint64_t		 jobseq;
	uint32_t		 jobtag;
};

extern struct akg_state	 akg;

/* akglue.c */
uint32_t	 akg_ntpnow(void);
int		 akg_synced(void);
struct ak_group	*akg_group_find(const char *);
int		 akg_group_ok(const struct ntp_pkt *, const char *);
void		 akg_host_refresh(void);
void		 akg_install(const uint8_t *, size_t, uint32_t, uint32_t,
		    const char *);
void		 akg_sigupdate(double);
void		 akg_srv_rebuild(void);

/* akclient.c */
void		 akg_reset(struct peer *, const char *, double);
void		 akg_kick(double);

#endif
