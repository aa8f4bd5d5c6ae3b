/*
 * Counters that a program's workers share, reported in the Prometheus
 * text format.  metrics_open() makes one small anonymous shared mapping
 * in the supervisor, before it forks the workers, so every worker adds
 * to the same counters and any one of them reports the sums: what nginx
 * happens to pick answers for the whole program.  Adding is one atomic
 * increment (no lock, no file, no database write), so counting a forged
 * request costs next to nothing.  The counters live as long as the
 * program's supervisor: a restart starts them at zero again, which
 * Prometheus-style counters allow (rate() sees a reset).
 */
#ifndef BILJETT_METRICS_H
#define BILJETT_METRICS_H

#include <stddef.h>
#include <stdint.h>

/* The counters; rows of the table in metrics.c. */
enum metric {
	/* Provider callbacks refused before anything was written. */
	METRIC_CALLBACK_UNKNOWN = 0,	/* no payment of ours by that id */
	METRIC_CALLBACK_BAD_SECRET,	/* wrong or missing secret/signature */
	METRIC_CALLBACK_MALFORMED,	/* a body we cannot read */
	/* GET /generate_qr/: where the image came from. */
	METRIC_QR_CACHE,		/* the shared cache */
	METRIC_QR_PROVIDER,		/* the provider's QR generator */
	/* scan: signed QR codes refused before any ticket was looked up. */
	METRIC_SCAN_FORMAT,		/* "BJ1:" but not a code */
	METRIC_SCAN_UNKNOWN_KEY,	/* no such key, or past valid_until */
	METRIC_SCAN_BAD_SIGNATURE,
	METRIC_SCAN_NOT_YET_VALID,
	METRIC_SCAN_EXPIRED,
	METRIC__MAX
};

/*
 * Makes the shared counters, all zero.  Call once, before forking the
 * processes that are to share them.  Returns 0, or -1 (errno set); until
 * it succeeds metrics_add() does nothing and metrics_get() returns 0.
 */
int		 metrics_open(void);

/* Adds n to counter m (atomically; safe from any process). */
void		 metrics_add(enum metric m, uint64_t n);
/* Returns the current value of counter m. */
uint64_t	 metrics_get(enum metric m);

/*
 * Writes program's counters ("pay", "scan": each program has a mapping
 * of its own, so it reports only those it counts) in the Prometheus text
 * exposition format (HELP and TYPE lines, then one sample per line) into
 * buf, NUL-terminated.  Returns the length, or -1 if it does not fit.
 */
int		 metrics_text_of(const char *program, char *buf, size_t bufsz);
/* metrics_text_of("pay", ...), what GET /api/metrics reports. */
int		 metrics_text(char *buf, size_t bufsz);

#endif
