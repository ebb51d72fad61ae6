/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * Test helper: send one NTPv4 mode 3 request to 127.0.0.1:PORT and
 * print the answer's header fields as "li=N version=N mode=N
 * stratum=N".  Exit 1 if no valid answer comes within 30 s (it takes
 * milliseconds; the bound is for a loaded machine running the ASan build).
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char *argv[])
{
	struct sockaddr_in sin;
	struct pollfd pfd;
	uint8_t req[48], rep[512];
	ssize_t n;
	int fd, i;

	if (argc != 2) {
		fprintf(stderr, "usage: leap_helper PORT\n");
		return 2;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)atoi(argv[1]));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	memset(req, 0, sizeof(req));
	req[0] = (3 << 6) | (4 << 3) | 3;	/* unsynchronised client, v4 */
	for (i = 40; i < 48; i++)		/* transmit: our cookie */
		req[i] = (uint8_t)(i * 7 + getpid());
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    send(fd, req, sizeof(req), 0) != (ssize_t)sizeof(req)) {
		perror("leap_helper");
		return 1;
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 30000) != 1 ||
	    (n = recv(fd, rep, sizeof(rep), 0)) < 48 ||
	    memcmp(rep + 24, req + 40, 8) != 0) {
		fprintf(stderr, "leap_helper: no valid answer\n");
		return 1;
	}
	printf("li=%d version=%d mode=%d stratum=%d\n", rep[0] >> 6,
	    (rep[0] >> 3) & 7, rep[0] & 7, rep[1]);
	return 0;
}
