/* lib/parse: parse_urlencoded (escapes, pairs, limits) and kv_get. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Does pair i hold key and a value of vlen bytes equal to val? */
static int
pair_is(const struct kvlist *l, size_t i, const char *key, const char *val,
    size_t vlen)
{
	return i < l->n && strcmp(l->v[i].key, key) == 0 &&
	    l->v[i].vlen == vlen && memcmp(l->v[i].val, val, vlen + 1) == 0;
}

static void
test_decoding(void)
{
	struct kvlist	 l;

	CHECK(ue("a+b=c+d++", &l) == PARSE_OK && l.n == 1);
	CHECK(pair_is(&l, 0, "a b", "c d  ", 5));
	CHECK(ue("%41%62=%7e%7E%2B%26%3D", &l) == PARSE_OK && l.n == 1);
	CHECK(pair_is(&l, 0, "Ab", "~~+&=", 5));
	CHECK(ue("name=%C3%A5sa", &l) == PARSE_OK);
	CHECK(pair_is(&l, 0, "name", "\xc3\xa5sa", 4));
	CHECK(ue("a=b=c", &l) == PARSE_OK && pair_is(&l, 0, "a", "b=c", 3));
	CHECK(ue("a=1&b=%20x+y", &l) == PARSE_OK && l.n == 2);
	CHECK(pair_is(&l, 0, "a", "1", 1));
	CHECK(pair_is(&l, 1, "b", " x y", 4));

	/* Bad escapes. */
	CHECK(ue("a=%", &l) == PARSE_MALFORMED);
	CHECK(ue("a=%4", &l) == PARSE_MALFORMED);
	CHECK(ue("a=%G1", &l) == PARSE_MALFORMED);
	CHECK(ue("a=%1g", &l) == PARSE_MALFORMED);
	CHECK(ue("a=%%41", &l) == PARSE_MALFORMED);
	CHECK(ue("%zz=1", &l) == PARSE_MALFORMED);
	CHECK(ue("ok=1&a=%2", &l) == PARSE_MALFORMED);
	/* The length is honoured: "%41" cut to "%4" is a bad escape. */
	CHECK(parse_urlencoded(a, "a=%41", 4, &l) == PARSE_MALFORMED);
	CHECK(parse_urlencoded(a, "a=1&b=2", 3, &l) == PARSE_OK && l.n == 1 &&
	    pair_is(&l, 0, "a", "1", 1));

	/* %00: fine in a value (vlen counts it), never in a name. */
	CHECK(ue("a=x%00y", &l) == PARSE_OK && l.n == 1);
	CHECK(l.v[0].vlen == 3 && memcmp(l.v[0].val, "x\0y", 4) == 0);
	CHECK(ue("a%00b=1", &l) == PARSE_MALFORMED);
	CHECK(ue("%00=1", &l) == PARSE_MALFORMED);
	CHECK(ue("ab%00", &l) == PARSE_MALFORMED);
}

static void
test_pairs(void)
{
	struct kvlist	 l;

	CHECK(ue("", &l) == PARSE_OK && l.n == 0);
	CHECK(ue("&", &l) == PARSE_OK && l.n == 0);
	CHECK(ue("&&&", &l) == PARSE_OK && l.n == 0);
	CHECK(ue("&&a=1&&&b=2&", &l) == PARSE_OK && l.n == 2);
	CHECK(pair_is(&l, 0, "a", "1", 1) && pair_is(&l, 1, "b", "2", 1));

	/* A bare key, or one with '=' and nothing after, has value "". */
	CHECK(ue("flag&k=&x=1", &l) == PARSE_OK && l.n == 3);
	CHECK(pair_is(&l, 0, "flag", "", 0));
	CHECK(pair_is(&l, 1, "k", "", 0));
	CHECK(kv_get(&l, "flag") != NULL &&
	    strcmp(kv_get(&l, "flag"), "") == 0);

	/* kv_get: the last pair of a name wins, every pair is kept. */
	CHECK(ue("a=1&b=2&a=3", &l) == PARSE_OK && l.n == 3);
	CHECK(strcmp(kv_get(&l, "a"), "3") == 0);
	CHECK(strcmp(kv_get(&l, "b"), "2") == 0);
	CHECK(kv_get(&l, "c") == NULL);
	CHECK(kv_get(&l, "A") == NULL);
	CHECK(ue("a=1&a", &l) == PARSE_OK && strcmp(kv_get(&l, "a"), "") == 0);
	CHECK(ue("", &l) == PARSE_OK && kv_get(&l, "a") == NULL);
}

static void
test_limits(void)
{
	struct kvlist	 l;
	char		*buf;
	size_t		 i, off, cap;

	cap = 3 * FIELD_VALUE_MAX + 64;
	if ((buf = malloc(cap)) == NULL) {
		CHECK(buf != NULL);
		return;
	}

	/* PARAM_MAX pairs pass (empty pairs do not count); one more fails. */
	for (i = 0, off = 0; i < PARAM_MAX; i++)
		off += (size_t)snprintf(buf + off, cap - off, "p%zu=%zu&&", i,
		    i);
	CHECK(parse_urlencoded(a, buf, off, &l) == PARSE_OK &&
	    l.n == PARAM_MAX);
	CHECK(strcmp(kv_get(&l, "p0"), "0") == 0);
	snprintf(buf + off, cap - off, "x");
	CHECK(ue(buf, &l) == PARSE_TOO_MANY);

	/* A name of FIELD_NAME_MAX bytes passes, one more fails. */
	memset(buf, 'k', FIELD_NAME_MAX);
	strcpy(buf + FIELD_NAME_MAX, "=v");
	CHECK(ue(buf, &l) == PARSE_OK && l.n == 1 &&
	    strlen(l.v[0].key) == FIELD_NAME_MAX);
	memset(buf, 'k', FIELD_NAME_MAX + 1);
	strcpy(buf + FIELD_NAME_MAX + 1, "=v");
	CHECK(ue(buf, &l) == PARSE_TOO_LONG);
	/* The limit is on the decoded name: 64 x "%41" is 64 bytes. */
	for (i = 0, off = 0; i < FIELD_NAME_MAX; i++)
		off += (size_t)snprintf(buf + off, cap - off, "%%41");
	CHECK(ue(buf, &l) == PARSE_OK && strlen(l.v[0].key) == FIELD_NAME_MAX);
	snprintf(buf + off, cap - off, "+");
	CHECK(ue(buf, &l) == PARSE_TOO_LONG);

	/* A value of FIELD_VALUE_MAX bytes passes, one more fails. */
	memcpy(buf, "v=", 2);
	memset(buf + 2, 'x', FIELD_VALUE_MAX);
	buf[2 + FIELD_VALUE_MAX] = '\0';
	CHECK(ue(buf, &l) == PARSE_OK && l.n == 1 &&
	    l.v[0].vlen == FIELD_VALUE_MAX);
	strcpy(buf + 2 + FIELD_VALUE_MAX, "x");
	CHECK(ue(buf, &l) == PARSE_TOO_LONG);
	for (i = 0, off = 2; i < FIELD_VALUE_MAX; i++)
		off += (size_t)snprintf(buf + off, cap - off, "%%2B");
	CHECK(ue(buf, &l) == PARSE_OK && l.v[0].vlen == FIELD_VALUE_MAX &&
	    l.v[0].val[0] == '+');
	snprintf(buf + off, cap - off, "+");
	CHECK(ue(buf, &l) == PARSE_TOO_LONG);
	free(buf);
}

int
main(void)
{
	if ((a = arena_alloc()) == NULL)
		return 1;
	test_decoding();
	test_pairs();
	test_limits();
	arena_free(a);
	return CHECK_DONE();
}
