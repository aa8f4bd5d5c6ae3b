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

/*
 * Copies src into dst with every control character (and DEL) written as
 * \xNN and the backslash as \\, so that nothing logged -- a decoded
 * path with %0A in it, a provider's error text -- can start a line of
 * its own or hide in a terminal.  Returns the bytes written; dst is
 * always terminated, and an escape is never cut in half.
 */
static size_t
escape(char *dst, size_t dstsz, const char *src)
{
	static const char	 hex[] = "0123456789abcdef";
	size_t			 o = 0;
	unsigned char		 c;

	for (; (c = (unsigned char)*src) != '\0'; src++) {
		if (c < 0x20 || c == 0x7f || c == '\\') {
			if (o + 4 >= dstsz)
				break;
			dst[o++] = '\\';
			if (c == '\\') {
				dst[o++] = '\\';
				continue;
			}
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 0xf];
			continue;
		}
		if (o + 1 >= dstsz)
			break;
		dst[o++] = (char)c;
	}
	dst[o] = '\0';
	return o;
}

void
log_vmsg(enum log_level lvl, const char *fmt, va_list ap)
{
	char		 line[2048], text[1024];
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
	if (vsnprintf(text, sizeof(text), fmt, ap) < 0)
		return;
	/* Truncated lines keep their end marker. */
	off += escape(line + off, sizeof(line) - off - 1, text);
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
