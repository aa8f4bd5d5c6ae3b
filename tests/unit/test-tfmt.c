/* ISO 8601 parsing and formatting in the configured zone. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "tfmt.h"

int
main(void)
{
	char	 buf[TFMT_ISO_LEN];
	int64_t	 t;

	CHECK(tfmt_init("Europe/Stockholm") == 0);
	CHECK(tfmt_parse_iso("2026-12-05T19:00:00+01:00", &t) == 0);
	CHECK(t == 1796493600);
	tfmt_iso(t, buf);
	CHECK(strcmp(buf, "2026-12-05T19:00:00+01:00") == 0);
	/* Summer time in the same zone. */
	CHECK(tfmt_parse_iso("2026-06-01T12:00:00Z", &t) == 0);
	tfmt_iso(t, buf);
	CHECK(strcmp(buf, "2026-06-01T14:00:00+02:00") == 0);
	/* Fractions (upstream prints microseconds) and a space. */
	CHECK(tfmt_parse_iso("2025-12-05T18:49:12.677086+01:00", &t) == 0);
	CHECK(t == 1764956952);
	CHECK(tfmt_parse_iso("2025-12-05 17:49:12Z", &t) == 0);
	CHECK(t == 1764956952);
	/* Rejected. */
	CHECK(tfmt_parse_iso("2025-12-05T18:49:12", &t) == -1);
	CHECK(tfmt_parse_iso("2025-02-29T00:00:00Z", &t) == -1);
	CHECK(tfmt_parse_iso("2024-02-29T00:00:00Z", &t) == 0);
	CHECK(tfmt_parse_iso("2025-13-01T00:00:00Z", &t) == -1);
	CHECK(tfmt_parse_iso("2025-12-05T24:00:00Z", &t) == -1);
	CHECK(tfmt_parse_iso("2025-12-05T18:49:12+01:00x", &t) == -1);
	CHECK(tfmt_parse_iso("", &t) == -1);
	CHECK(tfmt_parse_iso("2025-12-05T18:49:12.+01:00", &t) == -1);
	tfmt_http(0, buf);
	CHECK(strcmp(buf, "Thu, 01 Jan 1970 00:00:00 GMT") == 0);
	return CHECK_DONE();
}
