/* lib/parse: parse_body for JSON, depth, forms as objects, types, empty. */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "arena.h"
#include "check.h"
#include "limits.h"
#include "parse.h"

static struct arena	*a;

/* Parses text as a body of ctype; checks the result code and that an
 * error leaves *out NULL.  The caller frees what it gets. */
static cJSON *
body(const char *ctype, const char *text, enum parse_err want)
{
	cJSON		*out = NULL;
	enum parse_err	 rc;

	rc = parse_body(a, ctype, text, strlen(text), &out);
	CHECK(rc == want);
	if (rc != want)
		fprintf(stderr, "  body [%s] as %s: %s\n", text,
		    ctype != NULL ? ctype : "(none)", parse_errstr(rc));
	if (rc != PARSE_OK)
		CHECK(out == NULL);
	return out;
}

/* Is member name of o a string equal to want? */
static int
str_member(const cJSON *o, const char *name, const char *want)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) && strcmp(v->valuestring, want) == 0;
}

static void
test_json(void)
{
	cJSON	*o;

	o = body("application/json", "{\"a\": [1, 2], \"b\": \"x\"}", PARSE_OK);
	CHECK(cJSON_IsObject(o));
	CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(o, "a")) == 2);
	CHECK(str_member(o, "b", "x"));
	cJSON_Delete(o);
	o = body("application/json; charset=utf-8", " [1, {\"c\": null}] \r\n",
	    PARSE_OK);
	CHECK(cJSON_IsArray(o) && cJSON_GetArraySize(o) == 2);
	cJSON_Delete(o);
	o = body("Application/JSON", "{}", PARSE_OK);
	CHECK(cJSON_IsObject(o));
	cJSON_Delete(o);
	o = body("application/vnd.api+json", "[1]", PARSE_OK);
	CHECK(cJSON_IsArray(o));
	cJSON_Delete(o);

	/* Trailing garbage, truncation and bad syntax. */
	CHECK(body("application/json", "{\"a\": 1} x", PARSE_MALFORMED) ==
	    NULL);
	CHECK(body("application/json", "{}{}", PARSE_MALFORMED) == NULL);
	CHECK(body("application/json", "[1]]", PARSE_MALFORMED) == NULL);
	CHECK(body("application/json", "{\"a\": ", PARSE_MALFORMED) == NULL);
	CHECK(body("application/json", "{'a': 1}", PARSE_MALFORMED) == NULL);
	CHECK(body("application/json", "nope", PARSE_MALFORMED) == NULL);
	/* A NUL inside the given length. */
	o = NULL;
	CHECK(parse_body(a, "application/json", "{}\0 ", 4, &o) ==
	    PARSE_MALFORMED && o == NULL);
	/* Only len bytes are read. */
	CHECK(parse_body(a, "application/json", "{}xyz", 2, &o) == PARSE_OK &&
	    cJSON_IsObject(o));
	cJSON_Delete(o);
}

/* Writes depth nested arrays (or objects) around 1 into buf, which
 * must be large enough. */
static void
nest(char *buf, size_t bufsz, int depth, int objects)
{
	size_t	 off = 0;
	int	 i;

	for (i = 0; i < depth; i++)
		off += (size_t)snprintf(buf + off, bufsz - off, "%s",
		    objects ? "{\"k\":" : "[");
	off += (size_t)snprintf(buf + off, bufsz - off, "1");
	for (i = 0; i < depth; i++)
		off += (size_t)snprintf(buf + off, bufsz - off, "%s",
		    objects ? "}" : "]");
}

static void
test_depth(void)
{
	char	 buf[2 * 1000 + 64];	/* room for 1000 levels of [] */
	cJSON	*o;

	nest(buf, sizeof(buf), JSON_DEPTH_MAX, 0);
	o = body("application/json", buf, PARSE_OK);
	CHECK(cJSON_IsArray(o));
	cJSON_Delete(o);
	nest(buf, sizeof(buf), JSON_DEPTH_MAX + 1, 0);
	CHECK(body("application/json", buf, PARSE_MALFORMED) == NULL);
	nest(buf, sizeof(buf), JSON_DEPTH_MAX, 1);
	o = body("application/json", buf, PARSE_OK);
	CHECK(cJSON_IsObject(o));
	cJSON_Delete(o);
	nest(buf, sizeof(buf), JSON_DEPTH_MAX + 1, 1);
	CHECK(body("application/json", buf, PARSE_MALFORMED) == NULL);
	nest(buf, sizeof(buf), 1000, 0);
	CHECK(body("application/json", buf, PARSE_MALFORMED) == NULL);
	/* Brackets inside strings, even after escaped quotes, do not count. */
	o = body("application/json", "{\"s\": \"\\\"[[[[[[[[[[[[[[[[[[[[[[\"}",
	    PARSE_OK);
	CHECK(cJSON_IsObject(o));
	cJSON_Delete(o);
}

static void
test_forms(void)
{
	cJSON	*o;

	o = body("application/x-www-form-urlencoded",
	    "email_address=a%40b.se&n=1&t=x+y&n=2&flag", PARSE_OK);
	CHECK(cJSON_IsObject(o) && cJSON_GetArraySize(o) == 4);
	CHECK(str_member(o, "email_address", "a@b.se"));
	CHECK(str_member(o, "n", "2"));		/* last wins, still a string */
	CHECK(str_member(o, "t", "x y"));
	CHECK(str_member(o, "flag", ""));
	cJSON_Delete(o);
	o = body("application/x-www-form-urlencoded; charset=UTF-8", "&",
	    PARSE_OK);
	CHECK(cJSON_IsObject(o) && cJSON_GetArraySize(o) == 0);
	cJSON_Delete(o);
	CHECK(body("application/x-www-form-urlencoded", "a=%zz",
	    PARSE_MALFORMED) == NULL);
	CHECK(body("application/x-www-form-urlencoded", "a=%00",
	    PARSE_MALFORMED) == NULL);

	o = body("multipart/form-data; boundary=\"q\"",
	    "--q\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n"
	    "--q\r\nContent-Disposition: form-data; name=\"y\"\r\n\r\nz\r\n"
	    "--q\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n3\r\n"
	    "--q--\r\n", PARSE_OK);
	CHECK(cJSON_IsObject(o) && cJSON_GetArraySize(o) == 2);
	CHECK(str_member(o, "x", "3") && str_member(o, "y", "z"));
	cJSON_Delete(o);
	CHECK(body("multipart/form-data", "--q\r\n", PARSE_MALFORMED) == NULL);
	CHECK(body("multipart/form-data; boundary=q", "--q\r\n",
	    PARSE_MALFORMED) == NULL);
}

static void
test_types(void)
{
	cJSON	*o;

	CHECK(body("text/plain", "hello", PARSE_UNSUPPORTED) == NULL);
	CHECK(body("text/plain", "{\"a\": 1}", PARSE_UNSUPPORTED) == NULL);
	CHECK(body("application/xml", "<a/>", PARSE_UNSUPPORTED) == NULL);
	CHECK(body("multipart/mixed; boundary=q", "--q--", PARSE_UNSUPPORTED) ==
	    NULL);
	CHECK(body(";", "{}", PARSE_UNSUPPORTED) == NULL);
	CHECK(body("text/plain; x=\"open", "{}", PARSE_UNSUPPORTED) == NULL);

	/*
	 * No content type is no JSON, whatever the body looks like: a
	 * cross-site "simple" request can send one without a preflight.
	 */
	CHECK(body(NULL, "{\"a\": \"{[\"}", PARSE_UNSUPPORTED) == NULL);
	CHECK(body("", "[true]", PARSE_UNSUPPORTED) == NULL);
	CHECK(body(NULL, "{bad", PARSE_UNSUPPORTED) == NULL);
	CHECK(body(NULL, "a=1", PARSE_UNSUPPORTED) == NULL);
	CHECK(body(NULL, " {}", PARSE_UNSUPPORTED) == NULL);

	/* An empty body is no value at all, whatever the type. */
	o = (cJSON *)1;
	CHECK(parse_body(a, "application/json", "", 0, &o) == PARSE_OK &&
	    o == NULL);
	o = (cJSON *)1;
	CHECK(parse_body(a, NULL, "", 0, &o) == PARSE_OK && o == NULL);
	o = (cJSON *)1;
	CHECK(parse_body(a, "text/plain", "x", 0, &o) == PARSE_OK && o == NULL);
}

int
main(void)
{
	if ((a = arena_alloc()) == NULL)
		return 1;
	test_json();
	test_depth();
	test_forms();
	test_types();
	arena_free(a);
	return CHECK_DONE();
}
