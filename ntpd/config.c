/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */

/*
 * ntp.conf parser: a pure function over a buffer (conf_parse_buf) plus a
 * bounded file reader.  One directive per line, blank-separated words, '#'
 * to end of line is a comment.  Each directive has one handler in
 * conf_directives[]; the first error stops the parse.
 *
 * The parser's other files: config_args.c (argument checks),
 * config_directives.c (the handlers), config_print.c (conf_print, the
 * canonical form ntpd -n -v prints); config_impl.h is what they share.
 */

#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "config_impl.h"

struct conf_directive {
	const char	*name;
	int		(*handler)(struct conf_parser *);
};

static int	conf_line(struct conf_parser *, char *, size_t);
static int	conf_check(struct conf_parser *);

static const struct conf_directive conf_directives[] = {
	{ "server",		conf_d_peer },
	{ "peer",		conf_d_peer },
	{ "pool",		conf_d_peer },
	{ "restrict",		conf_d_restrict },
	{ "driftfile",		conf_d_driftfile },
	{ "leapfile",		conf_d_leapfile },
	{ "keysdir",		conf_d_keysdir },
	{ "crypto",		conf_d_crypto },
	{ "revoke",		conf_d_revoke },
	{ "automax",		conf_d_automax },
	{ "ident",		conf_d_ident },
	{ "broadcast",		conf_d_broadcast },
	{ "broadcastclient",	conf_d_bcastclient },
	{ "multicastclient",	conf_d_mcastclient },
	{ "local",		conf_d_local },
	{ "port",		conf_d_port },
	{ "listen",		conf_d_listen },
	{ "controlsocket",	conf_d_ctlsock },
	{ "user",		conf_d_user },
	{ "keyd",		conf_d_keyd },
	{ "chroot",		conf_d_chroot },
};

/*
 * Split one line (NUL-terminated copy in buf, len bytes without the
 * newline) into words and run its directive.
 */
static int
conf_line(struct conf_parser *p, char *buf, size_t len)
{
	size_t	 i, k;
	char	*s;

	p->ntok = 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c == '#') {
			buf[i] = '\0';
			len = i;
			break;
		}
		if (c != ' ' && c != '\t' && c != '\r' &&
		    (c < 0x20 || c == 0x7f))
			return conf_error(p, "bad character 0x%02x", c);
	}
	s = buf;
	while (s < buf + len) {
		while (*s == ' ' || *s == '\t' || *s == '\r')
			*s++ = '\0';
		if (*s == '\0')
			break;
		if (p->ntok >= CONF_MAX_TOKENS)
			return conf_error(p, "too many words");
		p->tok[p->ntok++] = s;
		while (*s != '\0' && *s != ' ' && *s != '\t' && *s != '\r')
			s++;
	}
	if (p->ntok == 0)
		return 0;
	for (k = 0; k < nitems(conf_directives); k++)
		if (strcmp(p->tok[0], conf_directives[k].name) == 0)
			return conf_directives[k].handler(p);
	return conf_error(p, "unknown directive '%s'", p->tok[0]);
}

/* Whole-file checks, after the last line. */
static int
conf_check(struct conf_parser *p)
{
	const struct ntpd_conf	*conf = p->conf;
	size_t			 i;

	if (conf->crypto.enabled)
		return 0;
	for (i = 0; i < conf->npeers; i++)
		if (conf->peers[i].flags & CONF_PEER_AUTOKEY) {
			p->line = conf->peers[i].line;
			return conf_error(p, "%s: autokey requires 'crypto'",
			    conf_mode_name(conf->peers[i].mode));
		}
	for (i = 0; i < conf->nbcasts; i++)
		if (conf->bcasts[i].autokey) {
			p->line = conf->bcasts[i].line;
			return conf_error(p,
			    "broadcast: autokey requires 'crypto'");
		}
	return 0;
}

void
conf_init(struct ntpd_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->port = CONF_DEF_PORT;
	(void)strlcpy(conf->keysdir, CONF_DEF_KEYSDIR, sizeof(conf->keysdir));
	(void)strlcpy(conf->controlsocket, CONF_DEF_CTLSOCK,
	    sizeof(conf->controlsocket));
	(void)strlcpy(conf->chroot, CONF_DEF_CHROOT, sizeof(conf->chroot));
	(void)strlcpy(conf->user, CONF_DEF_USER, sizeof(conf->user));
	(void)strlcpy(conf->keyd_user, CONF_DEF_KEYD_USER,
	    sizeof(conf->keyd_user));
	(void)strlcpy(conf->crypto.digest, CONF_DEF_DIGEST,
	    sizeof(conf->crypto.digest));
	conf->crypto.revoke = CONF_DEF_REVOKE;
	conf->crypto.automax = CONF_DEF_AUTOMAX;
}

void
conf_free(struct ntpd_conf *conf)
{
	explicit_bzero(conf->crypto.pw, sizeof(conf->crypto.pw));
	conf->crypto.pw_set = 0;
	conf->npeers = conf->nrestricts = conf->nbcasts = 0;
	conf->nmcastaddrs = conf->nlisten = 0;
}

/*
 * Parse len bytes of buf; fname is used in messages only.  conf is
 * initialised with conf_init() first.  Returns 0, or -1 with the first
 * error in err ("FILE:LINE: message").  On error conf holds what was
 * parsed so far; conf_free() it either way.
 */
int
conf_parse_buf(const char *buf, size_t len, const char *fname,
    struct ntpd_conf *conf, char *err, size_t errlen)
{
	struct conf_parser	 p;
	char			 line[CONF_MAX_LINE];
	size_t			 off = 0, n;
	const char		*nl;
	int			 rc = 0;

	conf_init(conf);
	memset(&p, 0, sizeof(p));
	p.fname = fname;
	p.err = err;
	p.errlen = errlen;
	p.conf = conf;
	if (err != NULL && errlen > 0)
		err[0] = '\0';

	while (off < len) {
		p.line++;
		nl = memchr(buf + off, '\n', len - off);
		n = nl != NULL ? (size_t)(nl - (buf + off)) : len - off;
		if (memchr(buf + off, '\0', n) != NULL) {
			rc = conf_error(&p, "NUL byte in line");
			break;
		}
		if (n >= sizeof(line)) {
			rc = conf_error(&p, "line too long (max %d bytes)",
			    CONF_MAX_LINE - 1);
			break;
		}
		memcpy(line, buf + off, n);
		line[n] = '\0';
		rc = conf_line(&p, line, n);
		if (rc == -1)
			break;
		off += n + (nl != NULL ? 1 : 0);
	}
	/* The line may have held the password. */
	explicit_bzero(line, sizeof(line));
	if (rc == 0)
		rc = conf_check(&p);
	return rc;
}

int
conf_parse_file(const char *path, struct ntpd_conf *conf, char *err,
    size_t errlen)
{
	struct stat	 st;
	char		*buf = NULL;
	size_t		 len = 0, size = 0;
	ssize_t		 r;
	int		 fd, rc, saved;

	conf_init(conf);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		goto syserr;
	if (fstat(fd, &st) == -1)
		goto syserr;
	if (!S_ISREG(st.st_mode)) {
		(void)snprintf(err, errlen, "%s: not a regular file", path);
		goto fail;
	}
	if (st.st_size > CONF_MAX_FILE)
		goto toobig;
	/* One byte more than the limit tells a file that grew meanwhile. */
	size = (size_t)st.st_size + 1;
	if ((buf = malloc(size)) == NULL)
		goto syserr;
	for (;;) {
		if (len == size)
			goto toobig;
		r = read(fd, buf + len, size - len);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			goto syserr;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	(void)close(fd);
	rc = conf_parse_buf(buf, len, path, conf, err, errlen);
	explicit_bzero(buf, size);
	free(buf);
	return rc;

 toobig:
	(void)snprintf(err, errlen, "%s: file too large (max %d bytes)", path,
	    CONF_MAX_FILE);
	goto fail;
 syserr:
	saved = errno;
	(void)snprintf(err, errlen, "%s: %s", path, strerror(saved));
 fail:
	if (buf != NULL) {
		explicit_bzero(buf, size);
		free(buf);
	}
	if (fd != -1)
		(void)close(fd);
	return -1;
}
