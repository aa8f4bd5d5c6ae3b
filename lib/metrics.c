/*
 * The shared counters and their names.
 */
#include <sys/mman.h>

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "metrics.h"

struct metric_def {
	const char	*program;	/* the program that counts it */
	const char	*name;		/* Prometheus metric name */
	const char	*labels;	/* "{...}" or "" */
	const char	*help;		/* one line, for # HELP */
};

/*
 * Rows sharing a name must be adjacent: HELP and TYPE are written once,
 * before the first of them.
 */
static const struct metric_def defs[] = {
	[METRIC_CALLBACK_UNKNOWN] = { "pay", "biljett_callbacks_rejected_total",
	    "{reason=\"unknown_payment\"}",
	    "Provider callbacks refused without a write, by reason." },
	[METRIC_CALLBACK_BAD_SECRET] = { "pay",
	    "biljett_callbacks_rejected_total", "{reason=\"bad_secret\"}",
	    NULL },
	[METRIC_CALLBACK_MALFORMED] = { "pay",
	    "biljett_callbacks_rejected_total", "{reason=\"malformed\"}",
	    NULL },
	[METRIC_QR_CACHE] = { "pay", "biljett_qr_codes_total",
	    "{source=\"cache\"}",
	    "QR codes served for /generate_qr/, by where they came from." },
	[METRIC_QR_PROVIDER] = { "pay", "biljett_qr_codes_total",
	    "{source=\"provider\"}", NULL },
	[METRIC_SCAN_FORMAT] = { "scan", "biljett_scan_codes_refused_total",
	    "{reason=\"format\"}",
	    "Signed QR codes refused at the door before any look-up, by reason." },
	[METRIC_SCAN_UNKNOWN_KEY] = { "scan",
	    "biljett_scan_codes_refused_total", "{reason=\"unknown_key\"}",
	    NULL },
	[METRIC_SCAN_BAD_SIGNATURE] = { "scan",
	    "biljett_scan_codes_refused_total", "{reason=\"bad_signature\"}",
	    NULL },
	[METRIC_SCAN_NOT_YET_VALID] = { "scan",
	    "biljett_scan_codes_refused_total", "{reason=\"not_yet_valid\"}",
	    NULL },
	[METRIC_SCAN_EXPIRED] = { "scan", "biljett_scan_codes_refused_total",
	    "{reason=\"expired\"}", NULL },
};

_Static_assert(sizeof(defs) / sizeof(defs[0]) == METRIC__MAX,
    "metrics table out of sync with enum metric");

/* The shared mapping; NULL until metrics_open(). */
static _Atomic uint64_t	*counters;

int
metrics_open(void)
{
	void	*p;

	if (counters != NULL)
		return 0;
	/* Anonymous and shared: children forked later see the same pages. */
	p = mmap(NULL, sizeof(*counters) * METRIC__MAX, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	counters = p;
	return 0;
}

void
metrics_add(enum metric m, uint64_t n)
{
	if (counters != NULL && (unsigned)m < METRIC__MAX)
		atomic_fetch_add_explicit(&counters[m], n,
		    memory_order_relaxed);
}

uint64_t
metrics_get(enum metric m)
{
	if (counters == NULL || (unsigned)m >= METRIC__MAX)
		return 0;
	return atomic_load_explicit(&counters[m], memory_order_relaxed);
}

int
metrics_text(char *buf, size_t bufsz)
{
	return metrics_text_of("pay", buf, bufsz);
}

int
metrics_text_of(const char *program, char *buf, size_t bufsz)
{
	size_t	 off = 0;
	int	 i, n, first = 1;

	if (bufsz == 0)
		return -1;
	buf[0] = '\0';
	for (i = 0; i < METRIC__MAX; i++) {
		if (strcmp(defs[i].program, program) != 0)
			continue;
		if (first || strcmp(defs[i].name, defs[i - 1].name) != 0) {
			first = 0;
			n = snprintf(buf + off, bufsz - off,
			    "# HELP %s %s\n# TYPE %s counter\n", defs[i].name,
			    defs[i].help, defs[i].name);
			if (n < 0 || (size_t)n >= bufsz - off)
				return -1;
			off += (size_t)n;
		}
		n = snprintf(buf + off, bufsz - off, "%s%s %llu\n",
		    defs[i].name, defs[i].labels,
		    (unsigned long long)metrics_get((enum metric)i));
		if (n < 0 || (size_t)n >= bufsz - off)
			return -1;
		off += (size_t)n;
	}
	return (int)off;
}
