/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * A tiny ntpq for the tests: sends one mode 6 request to 127.0.0.1 and
 * prints the reassembled answer, so that the responder is exercised
 * without any third-party ntpq.
 *
 * usage: ctlq_helper [-w SECONDS] PORT OP [ASSOCID [VARIABLES]]
 *	OP: readstat | readvar | writevar | opN (any opcode N)
 * Output: "status=0xSSSS" then, for readstat, "ASSOCID 0xSTATUS" lines,
 * otherwise the variable text with "\r\n" turned into "\n" and the
 * line "fragments=N".  Exit 0; 2 on an error answer ("error=CODE"); 3
 * when nothing came back ("timeout"); 1 on a bad answer or usage.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mode6.h"

#define MAXTEXT	65536

static uint8_t	 text[MAXTEXT];
static uint8_t	 have[MAXTEXT];

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static _Noreturn void
usage(void)
{
	fprintf(stderr, "usage: ctlq_helper [-w seconds] port "
	    "readstat|readvar|writevar|opN [associd [variables]]\n");
	exit(1);
}

int
main(int argc, char *argv[])
{
	struct sockaddr_in sin;
	struct mode6_msg m;
	struct pollfd pfd;
	uint8_t req[MODE6_MAXPKT], buf[2048];
	const char *vars = "";
	double wait = 2.0, end;
	size_t vlen, total = 0, i, reqlen;
	ssize_t n;
	int s, op, ch, last = 0, frags = 0;
	long assoc = 0;

	while ((ch = getopt(argc, argv, "w:")) != -1) {
		if (ch == 'w')
			wait = atof(optarg);
		else
			usage();
	}
	argc -= optind;
	argv += optind;
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "readstat") == 0)
		op = MODE6_OP_READSTAT;
	else if (strcmp(argv[1], "readvar") == 0)
		op = MODE6_OP_READVAR;
	else if (strcmp(argv[1], "writevar") == 0)
		op = MODE6_OP_WRITEVAR;
	else if (strncmp(argv[1], "op", 2) == 0)
		op = atoi(argv[1] + 2) & MODE6_OPMASK;
	else
		usage();
	if (argc > 2)
		assoc = atol(argv[2]);
	if (argc > 3)
		vars = argv[3];
	vlen = strlen(vars);
	if (vlen > MODE6_MAXDATA || assoc < 0 || assoc > 65535)
		usage();

	memset(req, 0, sizeof(req));
	req[0] = 2 << 3 | 6;		/* version 2, as ntpq */
	req[1] = (uint8_t)op;
	req[3] = 7;			/* sequence */
	req[6] = (uint8_t)(assoc >> 8);
	req[7] = (uint8_t)assoc;
	req[10] = (uint8_t)(vlen >> 8);
	req[11] = (uint8_t)vlen;
	memcpy(req + MODE6_HDRLEN, vars, vlen);
	reqlen = (MODE6_HDRLEN + vlen + 3) & ~(size_t)3;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)atoi(argv[0]));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s = socket(AF_INET, SOCK_DGRAM, 0)) == -1 ||
	    connect(s, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		perror("socket");
		return 1;
	}
	if (send(s, req, reqlen, 0) != (ssize_t)reqlen) {
		perror("send");
		return 1;
	}
	end = mono() + wait;
	for (;;) {
		pfd.fd = s;
		pfd.events = POLLIN;
		if (mono() >= end || poll(&pfd, 1, (int)((end - mono()) *
		    1000) + 1) <= 0) {
			printf("timeout\n");
			return 3;
		}
		if ((n = recv(s, buf, sizeof(buf), 0)) <= 0)
			continue;
		if (mode6_parse(buf, (size_t)n, &m) != MODE6_OK) {
			printf("bad answer (%zd bytes)\n", n);
			return 1;
		}
		if (!(m.flags & MODE6_R) || m.sequence != 7 ||
		    m.opcode != op) {
			printf("not our answer\n");
			return 1;
		}
		if ((size_t)n % 4 != 0) {
			printf("answer not padded to 4 (%zd bytes)\n", n);
			return 1;
		}
		if (m.flags & MODE6_E) {
			printf("error=%d\n", m.status >> 8);
			return 2;
		}
		if ((size_t)m.offset + m.count > MAXTEXT) {
			printf("answer too long\n");
			return 1;
		}
		frags++;
		memcpy(text + m.offset, m.data, m.count);
		memset(have + m.offset, 1, m.count);
		if (!(m.flags & MODE6_M)) {
			last = 1;
			total = (size_t)m.offset + m.count;
		}
		if (m.count != MODE6_MAXDATA && (m.flags & MODE6_M)) {
			printf("short fragment with M set\n");
			return 1;
		}
		if (last) {
			for (i = 0; i < total && have[i]; i++)
				;
			if (i == total)
				break;
		}
	}
	printf("status=0x%04x\n", m.status);
	if (op == MODE6_OP_READSTAT) {
		for (i = 0; i + 4 <= total; i += 4)
			printf("%u 0x%04x\n", text[i] << 8 | text[i + 1],
			    text[i + 2] << 8 | text[i + 3]);
	} else {
		for (i = 0; i < total; i++)
			if (!(text[i] == '\r' && i + 1 < total &&
			    text[i + 1] == '\n'))
				putchar(text[i]);
	}
	printf("fragments=%d\n", frags);
	return 0;
}
