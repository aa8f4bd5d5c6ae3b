/* lib/parse: parse_multipart (CRLF, bare LF, errors), parse_content_type. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "check.h"
#include "limits.h"
#include "parse.h"

#define CD	"Content-Disposition: form-data; "
#define BOUNDARY_TEST_MAX 70	/* RFC 2046, as in lib/parse.c */

static struct arena	*a;

static enum parse_err
mp(const char *boundary, const char *body, struct kvlist *l)
{
	return parse_multipart(a, boundary, body, strlen(body), l);
}

static int
is(const struct kvlist *l, const char *key, const char *want)
{
	const char	*v = kv_get(l, key);

	return v != NULL && strcmp(v, want) == 0;
}

static void
test_crlf(void)
{
	struct kvlist	 l;
	const char	*b = "----WebKitFormBoundary7MA4YWxkTrZu0gW";

	/* What a browser sends: two fields, one a file. */
	CHECK(mp(b, "------WebKitFormBoundary7MA4YWxkTrZu0gW\r\n"
	    CD "name=\"email_address\"\r\n\r\n"
	    "a@b.se\r\n"
	    "------WebKitFormBoundary7MA4YWxkTrZu0gW\r\n"
	    CD "name=\"f\"; filename=\"x.txt\"\r\n"
	    "Content-Type: text/plain\r\n\r\n"
	    "line1\r\n-- line2\r\n"
	    "------WebKitFormBoundary7MA4YWxkTrZu0gW--\r\n", &l) == PARSE_OK);
	CHECK(l.n == 2);
	CHECK(strcmp(l.v[0].key, "email_address") == 0 &&
	    strcmp(l.v[1].key, "f") == 0);
	CHECK(is(&l, "email_address", "a@b.se") && l.v[0].vlen == 6);
	CHECK(is(&l, "f", "line1\r\n-- line2"));

	/* An empty value, an unquoted name, a repeated name (last wins). */
	CHECK(mp("B", "--B\r\n" CD "name=e\r\n\r\n\r\n"
	    "--B\r\n" CD "name=\"r\"\r\n\r\n1\r\n"
	    "--B\r\n" CD "name=\"r\"\r\n\r\n2\r\n--B--", &l) == PARSE_OK);
	CHECK(l.n == 3 && is(&l, "e", "") && l.v[0].vlen == 0 &&
	    is(&l, "r", "2"));
	/* Only a close delimiter: no parts. */
	CHECK(mp("B", "--B--\r\n", &l) == PARSE_OK && l.n == 0);
}

static void
test_bare_lf(void)
{
	struct kvlist	 l;

	CHECK(mp("B", "--B\n" CD "name=\"a\"\n\nv\n"
	    "--B\n" CD "name=\"b\"\n\nw1\nw2\n--B--\n", &l) == PARSE_OK);
	CHECK(l.n == 2 && is(&l, "a", "v") && is(&l, "b", "w1\nw2"));
}

static void
test_preamble(void)
{
	struct kvlist	 l;

	CHECK(mp("xyz", "This is a preamble.\r\nIgnore it.\r\n"
	    "--xyz\r\n" CD "name=\"one\"\r\n\r\n1\r\n"
	    "--xyz\r\n" CD "name=\"two\"\r\n\r\n2\r\n"
	    "--xyz--\r\nand an epilogue", &l) == PARSE_OK);
	CHECK(l.n == 2 && is(&l, "one", "1") && is(&l, "two", "2"));
	/* Transport padding after a delimiter is allowed. */
	CHECK(mp("B", "--B  \r\n" CD "name=\"p\"\r\n\r\nv\r\n--B--", &l) ==
	    PARSE_OK && is(&l, "p", "v"));
}

static void
test_malformed(void)
{
	struct kvlist	 l;

	/* No delimiter at all, or no close delimiter. */
	CHECK(mp("B", "", &l) == PARSE_MALFORMED);
	CHECK(mp("B", "hello", &l) == PARSE_MALFORMED);
	CHECK(mp("B", "--B\r\n" CD "name=\"a\"\r\n\r\nv", &l) ==
	    PARSE_MALFORMED);
	CHECK(mp("B", "--B\r\n" CD "name=\"a\"\r\n\r\nv\r\n", &l) ==
	    PARSE_MALFORMED);
	CHECK(mp("B", "--B\r\n" CD "name=\"a\"\r\n\r\nv\r\n--B", &l) ==
	    PARSE_MALFORMED);
	CHECK(mp("B", "--B\r\n" CD "name=\"a\"\r\n\r\nv\r\n--B\r\n", &l) ==
	    PARSE_MALFORMED);
	CHECK(mp("B", "--B\r\n" CD "name=\"a\"\r\n\r\nv\r\n--C--", &l) ==
	    PARSE_MALFORMED);
	/* Headers that never end. */
	CHECK(mp("B", "--B\r\n" CD "name=\"a\"", &l) == PARSE_MALFORMED);
	/* Garbage right after a delimiter. */
	CHECK(mp("B", "--Bx\r\n" CD "name=\"a\"\r\n\r\nv\r\n--B--", &l) ==
	    PARSE_MALFORMED);

	/* Missing or empty name, missing or wrong disposition. */
	CHECK(mp("B", "--B\r\nContent-Disposition: form-data\r\n\r\nv\r\n--B--",
	    &l) == PARSE_MALFORMED);
	CHECK(mp("B", "--B\r\n" CD "filename=\"x\"\r\n\r\nv\r\n--B--", &l) ==
	    PARSE_MALFORMED);
	CHECK(mp("B", "--B\r\n" CD "name=\"\"\r\n\r\nv\r\n--B--", &l) ==
	    PARSE_MALFORMED);
	CHECK(mp("B", "--B\r\nContent-Type: text/plain\r\n\r\nv\r\n--B--",
	    &l) == PARSE_MALFORMED);
	CHECK(mp("B", "--B\r\nContent-Disposition: attachment; name=a\r\n\r\n"
	    "v\r\n--B--", &l) == PARSE_MALFORMED);
	CHECK(mp("B", "--B\r\n" CD "name=\"a\r\n\r\nv\r\n--B--", &l) ==
	    PARSE_MALFORMED);
}

static void
test_limits(void)
{
	struct kvlist	 l;
	char		 b[BOUNDARY_TEST_MAX + 2], *body;
	size_t		 i, off, cap;

	/* Boundaries: 1 to 70 characters (RFC 2046). */
	CHECK(mp(NULL, "--\r\n", &l) == PARSE_MALFORMED);
	CHECK(mp("", "--\r\n", &l) == PARSE_MALFORMED);
	memset(b, 'b', BOUNDARY_TEST_MAX);
	b[BOUNDARY_TEST_MAX] = '\0';
	cap = 4 * (FIELD_VALUE_MAX + 256) + MULTIPART_PARTS_MAX * 256;
	if ((body = malloc(cap)) == NULL) {
		CHECK(body != NULL);
		return;
	}
	snprintf(body, cap, "--%s\r\n" CD "name=\"a\"\r\n\r\nv\r\n--%s--", b,
	    b);
	CHECK(mp(b, body, &l) == PARSE_OK && is(&l, "a", "v"));
	b[BOUNDARY_TEST_MAX] = 'b';
	b[BOUNDARY_TEST_MAX + 1] = '\0';
	snprintf(body, cap, "--%s\r\n" CD "name=\"a\"\r\n\r\nv\r\n--%s--", b,
	    b);
	CHECK(mp(b, body, &l) == PARSE_MALFORMED);

	/* MULTIPART_PARTS_MAX parts pass, one more fails. */
	for (i = 0, off = 0; i < MULTIPART_PARTS_MAX; i++)
		off += (size_t)snprintf(body + off, cap - off,
		    "--B\r\n" CD "name=\"p%zu\"\r\n\r\n%zu\r\n", i, i);
	snprintf(body + off, cap - off, "--B--");
	CHECK(mp("B", body, &l) == PARSE_OK && l.n == MULTIPART_PARTS_MAX);
	CHECK(is(&l, "p0", "0"));
	snprintf(body + off, cap - off, "--B\r\n" CD "name=\"x\"\r\n\r\n"
	    "x\r\n--B--");
	CHECK(mp("B", body, &l) == PARSE_TOO_MANY);

	/* Values: FIELD_VALUE_MAX bytes pass, one more fails. */
	off = (size_t)snprintf(body, cap, "--B\r\n" CD "name=\"v\"\r\n\r\n");
	memset(body + off, 'x', FIELD_VALUE_MAX);
	snprintf(body + off + FIELD_VALUE_MAX, cap - off - FIELD_VALUE_MAX,
	    "\r\n--B--");
	CHECK(mp("B", body, &l) == PARSE_OK && l.v[0].vlen == FIELD_VALUE_MAX);
	memset(body + off, 'x', FIELD_VALUE_MAX + 1);
	snprintf(body + off + FIELD_VALUE_MAX + 1,
	    cap - off - FIELD_VALUE_MAX - 1, "\r\n--B--");
	CHECK(mp("B", body, &l) == PARSE_TOO_LONG);
	free(body);
}

static void
test_content_type(void)
{
	struct kvlist	 l;
	const char	*mime, *p;

	CHECK(parse_content_type(a, "Multipart/Form-Data; charset=utf-8; "
	    "BOUNDARY=\"a b;c=d\"", "boundary", &mime, &p) == PARSE_OK);
	CHECK(strcmp(mime, "multipart/form-data") == 0);
	CHECK(p != NULL && strcmp(p, "a b;c=d") == 0);
	CHECK(parse_content_type(a, "multipart/form-data; charset=utf-8; "
	    "boundary=\"a b;c=d\"", "charset", &mime, &p) == PARSE_OK);
	CHECK(p != NULL && strcmp(p, "utf-8") == 0);
	CHECK(parse_content_type(a, " text/HTML ; Charset = \"UTF-8\" ",
	    "charset", &mime, &p) == PARSE_OK);
	CHECK(strcmp(mime, "text/html") == 0 && strcmp(p, "UTF-8") == 0);
	CHECK(parse_content_type(a, "multipart/form-data; boundary=\"q\\\"x\"",
	    "boundary", &mime, &p) == PARSE_OK && strcmp(p, "q\"x") == 0);
	CHECK(parse_content_type(a, "multipart/form-data; boundary=plain ",
	    "boundary", &mime, &p) == PARSE_OK && strcmp(p, "plain") == 0);
	CHECK(parse_content_type(a, "application/json", "boundary", &mime,
	    &p) == PARSE_OK && strcmp(mime, "application/json") == 0 &&
	    p == NULL);
	CHECK(parse_content_type(a, "application/json; charset=utf-8", NULL,
	    &mime, NULL) == PARSE_OK && strcmp(mime, "application/json") == 0);
	CHECK(parse_content_type(a, "text/plain; x=\"open", "x", &mime, &p) ==
	    PARSE_MALFORMED);
	CHECK(parse_content_type(a, "", "x", &mime, &p) == PARSE_MALFORMED);
	CHECK(parse_content_type(a, "  ; boundary=x", "boundary", &mime, &p) ==
	    PARSE_MALFORMED);
	CHECK(parse_content_type(a, NULL, "x", &mime, &p) == PARSE_MALFORMED &&
	    mime == NULL && p == NULL);

	/* The quoted boundary drives parse_multipart. */
	CHECK(parse_content_type(a, "multipart/form-data; boundary=\"--=x y\"",
	    "boundary", &mime, &p) == PARSE_OK);
	CHECK(mp(p, "----=x y\r\n" CD "name=\"n\"\r\n\r\nok\r\n----=x y--\r\n",
	    &l) == PARSE_OK && l.n == 1 && is(&l, "n", "ok"));
}

int
main(void)
{
	if ((a = arena_alloc()) == NULL)
		return 1;
	test_crlf();
	test_bare_lf();
	test_preamble();
	test_malformed();
	test_limits();
	test_content_type();
	arena_free(a);
	return CHECK_DONE();
}
