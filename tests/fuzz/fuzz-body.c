/*
 * Fuzzes a request body from bytes to typed fields: parse_body under
 * each content type (chosen by the first byte), then field_validate with
 * the reservation's field spec.
 */
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "arena.h"
#include "field.h"
#include "parse.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const types[] = {
	"application/json",
	"application/x-www-form-urlencoded",
	"multipart/form-data; boundary=XyZ",
	"text/plain",
	NULL,
};

static const struct field_spec line[] = {
	{ "ticket_type", FIELD_ID, FIELD_REQUIRED, 0, 0, NULL, 0 },
	{ "count", FIELD_INT, FIELD_REQUIRED, 1, 1000, NULL, 0 },
};

static const struct field_spec spec[] = {
	{ "chapter_event", FIELD_ID, FIELD_REQUIRED, 0, 0, NULL, 0 },
	{ "tickets", FIELD_OBJLIST, FIELD_REQUIRED, 1, 32, line, 2 },
	{ "email_address", FIELD_EMAIL, 0, 3, 254, NULL, 0 },
	{ "use_ticket", FIELD_BOOL, 0, 0, 0, NULL, 0 },
	{ "when", FIELD_TIME, 0, 0, 0, NULL, 0 },
	{ "events", FIELD_IDLIST, 0, 0, 100, NULL, 0 },
	{ "payment_providers", FIELD_STRLIST, 0, 0, 4, NULL, 0 },
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct arena	*a;
	struct field_val	 out[sizeof(spec) / sizeof(spec[0])];
	cJSON			*body = NULL, *errs;

	if (size < 1)
		return 0;
	if (a == NULL && (a = arena_alloc()) == NULL)
		return 0;
	if (parse_body(a, types[data[0] % 5], (const char *)data + 1, size - 1,
	    &body) == PARSE_OK && (errs = cJSON_CreateObject()) != NULL) {
		(void)field_validate(a, spec, sizeof(spec) / sizeof(spec[0]),
		    body, NULL, out, errs);
		cJSON_Delete(errs);
	}
	cJSON_Delete(body);
	arena_reset(a);
	return 0;
}
