/* Field validation: types, bounds, nesting, every bad field reported. */
#include <string.h>

#include <cjson/cJSON.h>

#include "arena.h"
#include "check.h"
#include "field.h"
#include "parse.h"

enum { L_TYPE, L_COUNT, L__MAX };
static const struct field_spec line[L__MAX] = {
	[L_TYPE] = { "ticket_type", FIELD_ID, FIELD_REQUIRED, 0, 0, NULL, 0 },
	[L_COUNT] = { "count", FIELD_INT, FIELD_REQUIRED, 1, 1000, NULL, 0 },
};
enum { F_EVENT, F_TICKETS, F_EMAIL, F_USE, F_NAME, F_PAGE, F__MAX };
static const struct field_spec spec[F__MAX] = {
	[F_EVENT] = { "chapter_event", FIELD_ID, FIELD_REQUIRED, 0, 0, NULL, 0 },
	[F_TICKETS] = { "tickets", FIELD_OBJLIST, FIELD_REQUIRED, 1, 8, line,
	    L__MAX },
	[F_EMAIL] = { "email", FIELD_EMAIL, 0, 0, 254, NULL, 0 },
	[F_USE] = { "use", FIELD_BOOL, 0, 0, 0, NULL, 0 },
	[F_NAME] = { "name", FIELD_STRING, 0, 1, 5, NULL, 0 },
	[F_PAGE] = { "page", FIELD_INT, FIELD_QUERY, 1, 100, NULL, 0 },
};

static size_t
run(struct arena *a, const char *json, struct field_val *v, cJSON **errs)
{
	cJSON	*body = cJSON_Parse(json);
	size_t	 n;

	cJSON_Delete(*errs);
	*errs = cJSON_CreateObject();
	n = field_validate(a, spec, F__MAX, body, NULL, v, *errs);
	cJSON_Delete(body);
	return n;
}

int
main(void)
{
	struct arena		*a = arena_alloc();
	struct field_val	 v[F__MAX];
	struct kvlist		 q = { NULL, 0 };
	cJSON			*errs = NULL;
	int64_t			 n;

	CHECK(run(a, "{\"chapter_event\": \"12\", \"tickets\": [{\"ticket_type\""
	    ": 1, \"count\": 2}, {\"ticket_type\": \"3\", \"count\": \"4\"}],"
	    " \"email\": \"a@b.se\", \"use\": \"true\", \"name\": \"Åsa\"}",
	    v, &errs) == 0);
	CHECK(v[F_EVENT].i == 12);
	CHECK(v[F_TICKETS].nitems == 2);
	CHECK(v[F_TICKETS].items[1][L_TYPE].i == 3);
	CHECK(v[F_TICKETS].items[1][L_COUNT].i == 4);
	CHECK(v[F_USE].present && v[F_USE].i == 1);
	CHECK(strcmp(v[F_NAME].s, "Åsa") == 0);
	CHECK(!v[F_PAGE].present);

	/* Every bad field is reported, nested ones by path. */
	CHECK(run(a, "{\"chapter_event\": \"abc\", \"tickets\": [{\"ticket_type"
	    "\": 1, \"count\": 0}], \"email\": \"nope\", \"use\": 2,"
	    " \"name\": \"toolong\"}", v, &errs) == 5);
	CHECK(cJSON_GetObjectItem(errs, "chapter_event") != NULL);
	CHECK(cJSON_GetObjectItem(errs, "tickets[0].count") != NULL);
	CHECK(cJSON_GetObjectItem(errs, "email") != NULL);
	CHECK(cJSON_GetObjectItem(errs, "use") != NULL);
	CHECK(cJSON_GetObjectItem(errs, "name") != NULL);

	CHECK(run(a, "{\"tickets\": []}", v, &errs) == 2);
	CHECK(run(a, "{\"chapter_event\": 1.5, \"tickets\": [1]}", v,
	    &errs) >= 2);
	CHECK(run(a, "{\"chapter_event\": 0, \"tickets\": {}}", v, &errs) == 2);
	CHECK(run(a, "{\"chapter_event\": 1e300, \"tickets\": [{}]}", v,
	    &errs) == 3);
	CHECK(run(a, "[1, 2]", v, &errs) == 1);
	CHECK(run(a, "{\"chapter_event\": 1, \"tickets\": [{\"ticket_type\": 1,"
	    " \"count\": 1}], \"name\": \"a\\u0001b\"}", v, &errs) == 1);
	CHECK(run(a, "{\"chapter_event\": 1, \"tickets\": [{\"ticket_type\": 1,"
	    " \"count\": 1}], \"name\": \"\"}", v, &errs) == 1);

	/* A list of ids: numbers or decimal strings, each 1..ID_MAX. */
	{
		static const struct field_spec ids[1] = {
			{ "events", FIELD_IDLIST, 0, 0, 3, NULL, 0 } };
		struct field_val	 iv;
		cJSON			*b;

		b = cJSON_Parse("{\"events\": [4, \"9\"]}");
		CHECK(field_validate(a, ids, 1, b, NULL, &iv, errs) == 0);
		CHECK(iv.present && iv.nitems == 2 && iv.ids[0] == 4 &&
		    iv.ids[1] == 9);
		cJSON_Delete(b);
		b = cJSON_Parse("{\"events\": []}");
		CHECK(field_validate(a, ids, 1, b, NULL, &iv, errs) == 0);
		CHECK(iv.present && iv.nitems == 0);
		cJSON_Delete(b);
		b = cJSON_Parse("{\"events\": [1, 0]}");
		CHECK(field_validate(a, ids, 1, b, NULL, &iv, errs) == 1);
		cJSON_Delete(b);
		b = cJSON_Parse("{\"events\": [1, 2, 3, 4]}");
		CHECK(field_validate(a, ids, 1, b, NULL, &iv, errs) == 1);
		cJSON_Delete(b);
		b = cJSON_Parse("{\"events\": 1}");
		CHECK(field_validate(a, ids, 1, b, NULL, &iv, errs) == 1);
		cJSON_Delete(b);
		b = cJSON_Parse("{\"events\": [[1]]}");
		CHECK(field_validate(a, ids, 1, b, NULL, &iv, errs) == 1);
		cJSON_Delete(b);
	}

	/* A list of names: strings only, none empty, count within bounds. */
	{
		static const struct field_spec names[1] = {
			{ "providers", FIELD_STRLIST, 0, 0, 2, NULL, 0 } };
		static const char *const bad[] = {
			"{\"providers\": [\"a\", \"b\", \"c\"]}",
			"{\"providers\": [\"\"]}",
			"{\"providers\": [1]}",
			"{\"providers\": [\"a\\u0001\"]}",
			"{\"providers\": \"swish\"}",
		};
		struct field_val	 sv;
		cJSON			*b;
		size_t			 k;

		b = cJSON_Parse("{\"providers\": [\"swish\", \"stripe\"]}");
		CHECK(field_validate(a, names, 1, b, NULL, &sv, errs) == 0);
		CHECK(sv.present && sv.nitems == 2 &&
		    strcmp(sv.strs[0], "swish") == 0 &&
		    strcmp(sv.strs[1], "stripe") == 0);
		cJSON_Delete(b);
		b = cJSON_Parse("{\"providers\": []}");
		CHECK(field_validate(a, names, 1, b, NULL, &sv, errs) == 0);
		CHECK(sv.present && sv.nitems == 0);
		cJSON_Delete(b);
		for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
			b = cJSON_Parse(bad[k]);
			CHECK(b != NULL);
			CHECK(field_validate(a, names, 1, b, NULL, &sv, errs) ==
			    1);
			CHECK(!sv.present);
			cJSON_Delete(b);
		}
	}

	/* Query fields. */
	CHECK(parse_urlencoded(a, "page=7", 6, &q) == PARSE_OK);
	cJSON_Delete(errs);
	errs = cJSON_CreateObject();
	CHECK(field_validate(a, &spec[F_PAGE], 1, NULL, &q, &v[F_PAGE],
	    errs) == 0);
	CHECK(v[F_PAGE].present && v[F_PAGE].i == 7);

	CHECK(field_strtonum("42", 0, 100, &n) == 0 && n == 42);
	CHECK(field_strtonum("-1", 0, 100, &n) == -1);
	CHECK(field_strtonum("", 0, 100, &n) == -1);
	CHECK(field_strtonum(" 4", 0, 100, &n) == -1);
	CHECK(field_strtonum("4x", 0, 100, &n) == -1);
	CHECK(field_strtonum("99999999999999999999", 0, INT64_MAX, &n) == -1);
	CHECK(field_utf8_ok("\xc3\xa5", 2, 0));
	CHECK(!field_utf8_ok("\xc3", 1, 0));
	CHECK(!field_utf8_ok("\xc0\xaf", 2, 0));
	CHECK(!field_utf8_ok("\xed\xa0\x80", 3, 0));
	CHECK(!field_utf8_ok("\xe0\x80\xaf", 3, 0));
	CHECK(field_utf8_ok("\xf0\x9f\x8e\xad", 4, 0));
	CHECK(!field_utf8_ok("a\nb", 3, 0));
	CHECK(field_utf8_ok("a\nb", 3, 1));

	cJSON_Delete(errs);
	arena_free(a);
	return CHECK_DONE();
}
