/*
 * Time: timestamps are stored as UTC seconds (int64) and shown as ISO
 * 8601 with the offset of the configured zone, e.g.
 * "2026-12-05T19:00:00+01:00".
 */
#ifndef BILJETT_TFMT_H
#define BILJETT_TFMT_H

#include <stdint.h>

#define TFMT_ISO_LEN	64

/* Sets the process time zone (TZ) used by tfmt_iso().  Returns 0/-1. */
int	tfmt_init(const char *zone);

/* Writes t as ISO 8601 with the local offset into buf. */
void	tfmt_iso(int64_t t, char buf[TFMT_ISO_LEN]);

/* Writes t as an RFC 7231 HTTP date (GMT) into buf. */
void	tfmt_http(int64_t t, char buf[TFMT_ISO_LEN]);

/*
 * Parses "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)" (a space instead of
 * T is accepted; fractions are dropped).  An offset is required.  Pure.
 * Returns 0 and sets *out, or -1.
 */
int	tfmt_parse_iso(const char *s, int64_t *out);

/* The current time in UTC seconds. */
int64_t	tfmt_now(void);

#endif
