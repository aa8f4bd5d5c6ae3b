/*
 * lib/parse: urlencoded and query strings, cookies, content types,
 * multipart bodies, and the body-to-JSON step, at and past every limit.
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "arena.h"
#include "check.h"
#include "limits.h"
#include "parse.h"

static struct arena	*a;

static enum parse_err
ue(const char *s, struct kvlist *out)
{
	return parse_urlencoded(a, s, strlen(s), out);
}

static void
test_urlencoded(void)
{
	struct kvlist	 l;
	char		 big[PARAM_MAX * 4 + 16], name[FIELD_NAME_MAX + 8];
	size_t		 i, off = 0;

	CHECK(ue("a=1&b=%20x+y&&c&d=", &l) == PARSE_OK && l.n == 4);
	CHECK(strcmp(kv_get(&l, "b"), " x y") == 0);
	CHECK(strcmp(kv_get(&l, "c"), "") == 0);
	CHECK(kv_get(&l, "zz") == NULL);
	CHECK(ue("a=1&a=2", &l) == PARSE_OK && strcmp(kv_get(&l, "a"), "2") == 0);
	CHECK(ue("a=%2", &l) == PARSE_MALFORMED);
	CHECK(ue("a=%zz", &l) == PARSE_MALFORMED);
	CHECK(ue("a%00b=1", &l) == PARSE_MALFORMED);
	CHECK(ue("a=%00", &l) == PARSE_OK && l.v[0].vlen == 1);
	CHECK(ue("%C3%A5=%c3%a5", &l) == PARSE_OK &&
	    strcmp(l.v[0].key, "\xc3\xa5") == 0);
	CHECK(ue("", &l) == PARSE_OK && l.n == 0);
	for (i = 0; i < PARAM_MAX; i++)
		off += (size_t)snprintf(big + off, sizeof(big) - off, "a&");
	CHECK(ue(big, &l) == PARSE_OK && l.n == PARAM_MAX);
	snprintf(big + off, sizeof(big) - off, "b");
	CHECK(ue(big, &l) == PARSE_TOO_MANY);
	memset(name, 'k', FIELD_NAME_MAX);
	name[FIELD_NAME_MAX] = '\0';
	CHECK(ue(name, &l) == PARSE_OK);
	strcat(name, "k");
	CHECK(ue(name, &l) == PARSE_TOO_LONG);
}

static void
test_cookies(void)
{
	struct kvlist	 l;
	char		 many[COOKIE_MAX * 6 + 16];
	size_t		 i, off = 0;

	CHECK(parse_cookies(a, " sessionid=abc ; x=\"q v\";junk; y = 2 ", &l) ==
	    PARSE_OK);
	CHECK(l.n == 3);
	CHECK(strcmp(kv_get(&l, "sessionid"), "abc") == 0);
	CHECK(strcmp(kv_get(&l, "x"), "q v") == 0);
	CHECK(strcmp(kv_get(&l, "y"), "2") == 0);
	CHECK(parse_cookies(a, "", &l) == PARSE_OK && l.n == 0);
	for (i = 0; i <= COOKIE_MAX; i++)
		off += (size_t)snprintf(many + off, sizeof(many) - off, "c=1;");
	CHECK(parse_cookies(a, many, &l) == PARSE_TOO_MANY);
}

static void
test_content_type(void)
{
	const char	*mime, *b;

	CHECK(parse_content_type(a, "Multipart/Form-Data; charset=utf-8; "
	    "BOUNDARY=\"a \\\"b\\\"\"", "boundary", &mime, &b) == PARSE_OK);
	CHECK(strcmp(mime, "multipart/form-data") == 0);
	CHECK(b != NULL && strcmp(b, "a \"b\"") == 0);
	CHECK(parse_content_type(a, "application/json", "boundary", &mime,
	    &b) == PARSE_OK && b == NULL);
	CHECK(parse_content_type(a, "text/plain; x=\"open", "x", &mime, &b) ==
	    PARSE_MALFORMED);
	CHECK(parse_content_type(a, "", NULL, &mime, NULL) == PARSE_MALFORMED);
}

static enum parse_err
mp(const char *boundary, const char *body, struct kvlist *l)
{
	return parse_multipart(a, boundary, body, strlen(body), l);
}

static void
test_multipart(void)
{
	struct kvlist	 l;
	char		 longb[80];

	CHECK(mp("XyZ", "preamble\r\n--XyZ\r\nContent-Disposition: form-data; "
	    "name=\"email_address\"\r\n\r\na@b.se\r\n--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"f\"; filename=\"x.txt\"\r\n"
	    "Content-Type: text/plain\r\n\r\nline1\r\nline2\r\n--XyZ--\r\n",
	    &l) == PARSE_OK);
	CHECK(l.n == 2);
	CHECK(strcmp(kv_get(&l, "email_address"), "a@b.se") == 0);
	CHECK(strcmp(kv_get(&l, "f"), "line1\r\nline2") == 0);
	CHECK(mp("B", "--B\nContent-Disposition: form-data; name=a\n\nv\n--B--",
	    &l) == PARSE_OK && strcmp(kv_get(&l, "a"), "v") == 0);
	CHECK(mp("B", "preamble\n--B\nContent-Disposition: form-data; name=a\n\n"
	    "w\n--B--", &l) == PARSE_OK && strcmp(kv_get(&l, "a"), "w") == 0);
	CHECK(mp("B", "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv",
	    &l) == PARSE_MALFORMED);
	CHECK(mp("B", "--B\r\nContent-Disposition: form-data\r\n\r\nv\r\n--B--",
	    &l) == PARSE_MALFORMED);
	CHECK(mp("B", "--B\r\nContent-Disposition: attachment; name=a\r\n\r\n"
	    "v\r\n--B--", &l) == PARSE_MALFORMED);
	CHECK(mp("", "--\r\n", &l) == PARSE_MALFORMED);
	memset(longb, 'b', 71);
	longb[71] = '\0';
	CHECK(mp(longb, "x", &l) == PARSE_MALFORMED);
	CHECK(mp(NULL, "x", &l) == PARSE_MALFORMED);
}

static cJSON *
body(const char *ctype, const char *text, enum parse_err want)
{
	cJSON	*out = NULL;

	CHECK(parse_body(a, ctype, text, strlen(text), &out) == want);
	return out;
}

static void
test_body(void)
{
	cJSON	*o;
	char	 deep[JSON_DEPTH_MAX * 2 + 8];
	int	 i;

	o = body("application/json; charset=utf-8", "{\"a\": [1, 2]} \n",
	    PARSE_OK);
	CHECK(cJSON_IsArray(cJSON_GetObjectItem(o, "a")));
	cJSON_Delete(o);
	o = body("application/vnd.api+json", "[1]", PARSE_OK);
	CHECK(cJSON_IsArray(o));
	cJSON_Delete(o);
	CHECK(body("application/json", "{\"a\": 1} x", PARSE_MALFORMED) == NULL);
	CHECK(body("application/json", "{\"a\": ", PARSE_MALFORMED) == NULL);
	CHECK(body(NULL, "{\"a\": \"{[\"}", PARSE_UNSUPPORTED) == NULL);
	CHECK(body(NULL, "a=1", PARSE_UNSUPPORTED) == NULL);
	CHECK(body("text/plain", "hello", PARSE_UNSUPPORTED) == NULL);
	o = body("application/x-www-form-urlencoded", "email_address=a%40b.se&n=1",
	    PARSE_OK);
	CHECK(strcmp(cJSON_GetObjectItem(o, "email_address")->valuestring,
	    "a@b.se") == 0);
	CHECK(cJSON_IsString(cJSON_GetObjectItem(o, "n")));
	cJSON_Delete(o);
	CHECK(body("application/x-www-form-urlencoded", "a=%00", PARSE_MALFORMED)
	    == NULL);
	o = body("multipart/form-data; boundary=q", "--q\r\nContent-Disposition: "
	    "form-data; name=\"x\"\r\n\r\n1\r\n--q--\r\n", PARSE_OK);
	CHECK(strcmp(cJSON_GetObjectItem(o, "x")->valuestring, "1") == 0);
	cJSON_Delete(o);
	for (i = 0; i < JSON_DEPTH_MAX; i++)
		deep[i] = '[';
	for (i = 0; i < JSON_DEPTH_MAX; i++)
		deep[JSON_DEPTH_MAX + i] = ']';
	deep[JSON_DEPTH_MAX * 2] = '\0';
	o = body("application/json", deep, PARSE_OK);
	cJSON_Delete(o);
	memmove(deep + 1, deep, strlen(deep) + 1);
	deep[0] = '[';
	strcat(deep, "]");
	CHECK(body("application/json", deep, PARSE_MALFORMED) == NULL);
	CHECK(parse_body(a, "application/json", "", 0, &o) == PARSE_OK &&
	    o == NULL);
	CHECK(strcmp(parse_errstr(PARSE_TOO_LONG), "a name or value is too "
	    "long") == 0);
	CHECK(parse_path_decode(a, "a%2Fb", 5) != NULL);
	CHECK(parse_path_decode(a, "a%00", 4) == NULL);
}

int
main(void)
{
	a = arena_alloc();
	test_urlencoded();
	test_cookies();
	test_content_type();
	test_multipart();
	test_body();
	arena_free(a);
	return CHECK_DONE();
}
