/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * ntpctl: the administrator's view of a running sealntp.  Talks to the
 * engine's control socket; every view has a human and a JSON form.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "ctlfmt.h"
#include "imsg.h"
#include "ipc.h"

static __attribute__((noreturn)) void
usage(void)
{
	fprintf(stderr,
	    "usage: ntpctl [-j] [-s socket] [status | peers | counters | keyd |\n"
	    "               certs | all]\n"
	    "  status    synchronisation state, stratum, offset, frequency\n"
	    "  peers     associations: reach, delay, offset, jitter, poll,\n"
	    "            selection and authentication state, Autokey flags,\n"
	    "            host, scheme and certificate\n"
	    "  counters  packets received, sent and dropped, by reason\n"
	    "  keyd      the key holder: certificates, identity scheme,\n"
	    "            requests served and refused\n"
	    "  certs     the host's Autokey certificate list, as ntpq's\n"
	    "            \"rv 0 cert\"\n"
	    "  all       all of the above\n"
	    "  -j        JSON instead of text\n"
	    "  -s path   control socket (default %s)\n", CONF_DEF_CTLSOCK);
	exit(2);
}

static int
ctl_connect(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		fprintf(stderr, "ntpctl: socket path too long: %s\n", path);
		exit(1);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		fprintf(stderr, "ntpctl: socket: %s\n", strerror(errno));
		exit(1);
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		if (errno == ENOENT || errno == ECONNREFUSED)
			fprintf(stderr, "ntpctl: ntpd is not running "
			    "(no control socket at %s)\n", path);
		else if (errno == EACCES || errno == EPERM)
			fprintf(stderr, "ntpctl: permission denied on %s "
			    "(run as root or a member of its group)\n", path);
		else
			fprintf(stderr, "ntpctl: connect %s: %s\n", path,
			    strerror(errno));
		exit(1);
	}
	return fd;
}

/* One request, its answers until CTL_END, each handed to ctlfmt. */
static void
ctl_query(struct imsgbuf *ib, uint32_t req, struct ctlfmt *f)
{
	struct imsg imsg;
	struct pollfd pfd;
	ssize_t n;

	if (imsg_compose(ib, req, 0, 0, -1, NULL, 0) == -1 ||
	    imsgbuf_flush(ib) == -1) {
		fprintf(stderr, "ntpctl: sending request: %s\n",
		    strerror(errno));
		exit(1);
	}
	for (;;) {
		if ((n = imsg_get(ib, &imsg)) == -1) {
			fprintf(stderr, "ntpctl: malformed answer\n");
			exit(1);
		}
		if (n == 0) {
			pfd.fd = ib->fd;
			pfd.events = POLLIN;
			if (poll(&pfd, 1, 5000) == 0) {
				fprintf(stderr, "ntpctl: no answer from ntpd "
				    "within 5 s\n");
				exit(1);
			}
			if ((n = imsgbuf_read(ib)) == 0) {
				fprintf(stderr, "ntpctl: ntpd closed the "
				    "connection\n");
				exit(1);
			}
			if (n == -1 && errno != EAGAIN) {
				fprintf(stderr, "ntpctl: read: %s\n",
				    strerror(errno));
				exit(1);
			}
			continue;
		}
		if (imsg.hdr.type == IMSG_CTL_END) {
			imsg_free(&imsg);
			return;
		}
		if (ctlfmt_imsg(f, imsg.hdr.type, imsg.data, imsg.datalen) ==
		    -1) {
			fprintf(stderr, "ntpctl: unexpected answer %s "
			    "(%zu bytes)\n", ipc_type_name(imsg.hdr.type),
			    imsg.datalen);
			exit(1);
		}
		imsg_free(&imsg);
	}
}

int
main(int argc, char *argv[])
{
	struct imsgbuf ib;
	struct ctlfmt f;
	const char *sock = CONF_DEF_CTLSOCK, *what = "status";
	int ch, json = 0, fd;

	if (argc > 1 && strcmp(argv[1], "--help") == 0)
		usage();
	while ((ch = getopt(argc, argv, "hjs:")) != -1) {
		switch (ch) {
		case 'j':
			json = 1;
			break;
		case 's':
			sock = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1)
		usage();
	if (argc == 1)
		what = argv[0];
	if (strcmp(what, "status") != 0 && strcmp(what, "peers") != 0 &&
	    strcmp(what, "counters") != 0 && strcmp(what, "keyd") != 0 &&
	    strcmp(what, "certs") != 0 && strcmp(what, "all") != 0) {
		fprintf(stderr, "ntpctl: unknown view '%s'\n", what);
		usage();
	}

	fd = ctl_connect(sock);
	if (imsgbuf_init(&ib, fd, 0) == -1) {
		fprintf(stderr, "ntpctl: %s\n", strerror(errno));
		return 1;
	}
	ctlfmt_init(&f, stdout, json);
	ctlfmt_begin(&f);
	if (strcmp(what, "status") == 0 || strcmp(what, "all") == 0)
		ctl_query(&ib, IMSG_CTL_SHOW_STATUS, &f);
	if (strcmp(what, "peers") == 0 || strcmp(what, "all") == 0) {
		ctlfmt_section(&f, "peers");
		ctl_query(&ib, IMSG_CTL_SHOW_PEERS, &f);
	}
	if (strcmp(what, "counters") == 0 || strcmp(what, "all") == 0)
		ctl_query(&ib, IMSG_CTL_SHOW_COUNTERS, &f);
	if (strcmp(what, "keyd") == 0 || strcmp(what, "all") == 0)
		ctl_query(&ib, IMSG_CTL_SHOW_KEYD, &f);
	if (strcmp(what, "certs") == 0 || strcmp(what, "all") == 0) {
		ctlfmt_section(&f, "certs");
		ctl_query(&ib, IMSG_CTL_SHOW_CERTS, &f);
		ctlfmt_certs_end(&f);
	}
	ctlfmt_end(&f);
	imsgbuf_clear(&ib);
	close(fd);
	return 0;
}
