/*
 * lib/metrics: counters shared with processes forked after
 * metrics_open(), and their Prometheus text.
 */
#include <sys/wait.h>

#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "metrics.h"

int
main(void)
{
	char	 text[2048];
	pid_t	 pid;
	int	 i, status, n;

	/* Before open: nothing counted, nothing breaks. */
	metrics_add(METRIC_CALLBACK_UNKNOWN, 5);
	CHECK(metrics_get(METRIC_CALLBACK_UNKNOWN) == 0);

	CHECK(metrics_open() == 0);
	CHECK(metrics_open() == 0);	/* idempotent */
	metrics_add(METRIC_CALLBACK_UNKNOWN, 2);
	metrics_add(METRIC__MAX, 1);	/* out of range: ignored */

	/* Two "workers" add to the same counters. */
	for (i = 0; i < 2; i++) {
		if ((pid = fork()) == 0) {
			for (n = 0; n < 1000; n++)
				metrics_add(METRIC_CALLBACK_BAD_SECRET, 1);
			metrics_add(METRIC_QR_PROVIDER, 1);
			_exit(0);
		}
		CHECK(pid > 0);
	}
	while (wait(&status) > 0)
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(metrics_get(METRIC_CALLBACK_UNKNOWN) == 2);
	CHECK(metrics_get(METRIC_CALLBACK_BAD_SECRET) == 2000);
	CHECK(metrics_get(METRIC_QR_PROVIDER) == 2);
	CHECK(metrics_get(METRIC_QR_CACHE) == 0);

	/* The text: HELP and TYPE once per name, one sample per counter. */
	n = metrics_text(text, sizeof(text));
	CHECK(n > 0 && (size_t)n == strlen(text));
	CHECK(strstr(text, "# TYPE biljett_callbacks_rejected_total counter\n")
	    != NULL);
	CHECK(strstr(text, "biljett_callbacks_rejected_total"
	    "{reason=\"unknown_payment\"} 2\n") != NULL);
	CHECK(strstr(text, "biljett_callbacks_rejected_total"
	    "{reason=\"bad_secret\"} 2000\n") != NULL);
	CHECK(strstr(text, "biljett_qr_codes_total{source=\"provider\"} 2\n")
	    != NULL);
	CHECK(strstr(strstr(text, "# TYPE biljett_callbacks_rejected_total") +
	    1, "# TYPE biljett_callbacks_rejected_total") == NULL);

	/* Each program reports only its own counters. */
	CHECK(strstr(text, "biljett_scan") == NULL);
	metrics_add(METRIC_SCAN_EXPIRED, 3);
	n = metrics_text_of("scan", text, sizeof(text));
	CHECK(n > 0 && (size_t)n == strlen(text));
	CHECK(strstr(text, "biljett_callbacks") == NULL);
	CHECK(strstr(text, "# TYPE biljett_scan_codes_refused_total counter\n")
	    == text + strlen("# HELP biljett_scan_codes_refused_total "
	    "Signed QR codes refused at the door before any look-up, by "
	    "reason.\n"));
	CHECK(strstr(text, "biljett_scan_codes_refused_total"
	    "{reason=\"expired\"} 3\n") != NULL);
	CHECK(metrics_text_of("nobody", text, sizeof(text)) == 0);

	/* Too small a buffer is refused, never cut short silently. */
	CHECK(metrics_text(text, 40) == -1);
	CHECK(metrics_text(text, 0) == -1);
	return CHECK_DONE();
}
