/* lib/parse: parse_cookies (spaces, quotes, pairs without '=', COOKIE_MAX). */
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "check.h"
#include "limits.h"
#include "parse.h"

static struct arena	*a;

static int
is(const struct kvlist *l, const char *key, const char *want)
{
	const char	*v = kv_get(l, key);

	return v != NULL && strcmp(v, want) == 0;
}

static void
test_spaces(void)
{
	struct kvlist	 l;

	CHECK(parse_cookies(a, "a=1; b=2", &l) == PARSE_OK && l.n == 2);
	CHECK(strcmp(l.v[0].key, "a") == 0 && strcmp(l.v[1].key, "b") == 0);
	CHECK(is(&l, "a", "1") && is(&l, "b", "2"));
	CHECK(parse_cookies(a, "  a=1 ;b=2;\tc = 3 \t;  d =4", &l) == PARSE_OK);
	CHECK(l.n == 4);
	CHECK(is(&l, "a", "1") && is(&l, "b", "2") && is(&l, "c", "3") &&
	    is(&l, "d", "4"));
	CHECK(l.v[2].vlen == 1);
	/* Inner spaces stay; values are verbatim (no percent-decoding). */
	CHECK(parse_cookies(a, "m=a b ; p=%41+x; t=a=b", &l) == PARSE_OK);
	CHECK(is(&l, "m", "a b") && is(&l, "p", "%41+x") && is(&l, "t", "a=b"));
	CHECK(parse_cookies(a, "", &l) == PARSE_OK && l.n == 0);
	CHECK(parse_cookies(a, " ; ;;\t", &l) == PARSE_OK && l.n == 0);
	/* Repeated names: all kept, kv_get gives the last. */
	CHECK(parse_cookies(a, "s=old; s=new", &l) == PARSE_OK && l.n == 2 &&
	    is(&l, "s", "new"));
}

static void
test_quotes(void)
{
	struct kvlist	 l;

	CHECK(parse_cookies(a, "x=\"q v\"; e=\"\"; s=\"abc\"", &l) == PARSE_OK);
	CHECK(l.n == 3);
	CHECK(is(&l, "x", "q v") && is(&l, "e", "") && is(&l, "s", "abc"));
	CHECK(l.v[1].vlen == 0);
	CHECK(parse_cookies(a, "x = \"q\" ", &l) == PARSE_OK &&
	    is(&l, "x", "q"));
	/* Unbalanced or lone quotes are kept as they are. */
	CHECK(parse_cookies(a, "o=\"abc; c=abc\"; q=\"", &l) == PARSE_OK);
	CHECK(is(&l, "o", "\"abc") && is(&l, "c", "abc\"") &&
	    is(&l, "q", "\""));
}

static void
test_no_equals(void)
{
	struct kvlist	 l;

	CHECK(parse_cookies(a, "junk; a=1; =nokey; flag ;b=2;", &l) ==
	    PARSE_OK);
	CHECK(l.n == 2 && is(&l, "a", "1") && is(&l, "b", "2"));
	CHECK(kv_get(&l, "junk") == NULL && kv_get(&l, "flag") == NULL);
	CHECK(kv_get(&l, "") == NULL);
	CHECK(parse_cookies(a, "justtext", &l) == PARSE_OK && l.n == 0);
	CHECK(parse_cookies(a, "k=", &l) == PARSE_OK && l.n == 1 &&
	    is(&l, "k", ""));
}

static void
test_limits(void)
{
	struct kvlist	 l;
	char		 buf[COOKIE_MAX * 16 + 2 * FIELD_NAME_MAX + 64];
	size_t		 i, off;

	/* COOKIE_MAX cookies pass, even among pairs that are skipped. */
	for (i = 0, off = 0; i < COOKIE_MAX; i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off,
		    "c%zu=%zu; junk; ", i, i);
	CHECK(parse_cookies(a, buf, &l) == PARSE_OK && l.n == COOKIE_MAX);
	CHECK(is(&l, "c0", "0"));
	snprintf(buf + off, sizeof(buf) - off, "one=more");
	CHECK(parse_cookies(a, buf, &l) == PARSE_TOO_MANY);

	/* Names are capped at FIELD_NAME_MAX bytes. */
	memset(buf, 'n', FIELD_NAME_MAX);
	strcpy(buf + FIELD_NAME_MAX, "=1");
	CHECK(parse_cookies(a, buf, &l) == PARSE_OK && l.n == 1);
	memset(buf, 'n', FIELD_NAME_MAX + 1);
	strcpy(buf + FIELD_NAME_MAX + 1, "=1");
	CHECK(parse_cookies(a, buf, &l) == PARSE_TOO_LONG);
}

int
main(void)
{
	if ((a = arena_alloc()) == NULL)
		return 1;
	test_spaces();
	test_quotes();
	test_no_equals();
	test_limits();
	arena_free(a);
	return CHECK_DONE();
}
