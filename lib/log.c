/*
 * One line per call: "2026-11-22T16:40:01Z catalog[1234] info: text".
 * A single write(2) per line so lines from several workers sharing a file
 * descriptor do not interleave.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static const char	*progname = "biljett";
static enum log_level	 minlevel = LOG_LVL_INFO;

static const char *const level_names[LOG_LVL__MAX] = {
	[LOG_LVL_DEBUG] = "debug",
	[LOG_LVL_INFO] = "info",
	[LOG_LVL_WARN] = "warn",
	[LOG_LVL_ERR] = "error",
};

void
log_init(const char *name, enum log_level min)
{
	progname = name;
	minlevel = min;
}

void
log_setlevel(enum log_level min)
{
	minlevel = min;
}

int
log_level_parse(const char *s)
{
	int	 i;

	for (i = 0; i < LOG_LVL__MAX; i++)
		if (strcmp(s, level_names[i]) == 0)
			return i;
	return -1;
}

void
log_vmsg(enum log_level lvl, const char *fmt, va_list ap)
{
	char		 line[2048];
	struct tm	 tm;
	time_t		 now;
	size_t		 off;
	int		 n;

	if (lvl < minlevel || lvl >= LOG_LVL__MAX)
		return;
	now = time(NULL);
	gmtime_r(&now, &tm);
	off = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%SZ ", &tm);
	n = snprintf(line + off, sizeof(line) - off, "%s[%ld] %s: ",
	    progname, (long)getpid(), level_names[lvl]);
	if (n < 0)
		return;
	off += (size_t)n < sizeof(line) - off ? (size_t)n : sizeof(line) - off - 1;
	n = vsnprintf(line + off, sizeof(line) - off, fmt, ap);
	if (n < 0)
		return;
	/* Truncated lines keep their end marker. */
	off += (size_t)n < sizeof(line) - off - 1 ? (size_t)n : sizeof(line) - off - 2;
	line[off++] = '\n';
	(void)!write(STDERR_FILENO, line, off);
}

void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vmsg(lvl, fmt, ap);
	va_end(ap);
}
