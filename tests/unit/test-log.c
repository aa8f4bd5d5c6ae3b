/*
 * Every log call is one line, whatever the values: control characters
 * and backslashes are escaped, long values are cut, never the newline.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "log.h"

/* Runs one log call with stderr redirected; returns what it wrote. */
static char *
captured(const char *value)
{
	static char	 buf[8192];
	char		 path[] = "/tmp/biljett-test-log-XXXXXX";
	FILE		*f;
	size_t		 n;
	int		 fd, saved;

	fd = mkstemp(path);
	saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	log_info("GET %s 404", value);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(fd);
	f = fopen(path, "r");
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	unlink(path);
	buf[n] = '\0';
	return buf;
}

static int
lines(const char *s)
{
	int	 n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

int
main(void)
{
	char	*out, big[4000];

	log_init("test", LOG_LVL_INFO);
	out = captured("/x\n2026-11-30T00:00:00Z pay[1] error: forged");
	CHECK(lines(out) == 1);
	CHECK(strstr(out, "/x\\x0a2026-11-30T00:00:00Z pay[1] error: forged 404")
	    != NULL);
	out = captured("a\rb\x1b[31mc\x7f\\d\t");
	CHECK(lines(out) == 1);
	CHECK(strstr(out, "a\\x0db\\x1b[31mc\\x7f\\\\d\\x09 404") != NULL);
	out = captured("plain / path ÅÄÖ");
	CHECK(strstr(out, "GET plain / path ÅÄÖ 404\n") != NULL);

	/* Too long: cut, still one line ending in a newline. */
	memset(big, '\n', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	out = captured(big);
	CHECK(lines(out) == 1);
	CHECK(out[strlen(out) - 1] == '\n');
	CHECK(strstr(out, "\\x0a\\x0a") != NULL);
	return CHECK_DONE();
}
