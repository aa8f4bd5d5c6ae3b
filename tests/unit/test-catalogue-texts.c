/*
 * The catalogue's small pure pieces: slugs, texts in several languages,
 * the money/date/texts validators, and the worker's response cache.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "arena.h"
#include "check.h"
#include "field.h"
#include "respcache.h"
#include "slug.h"
#include "text.h"

static void
test_slugs(void)
{
	char	 s[24];

	CHECK(slug_make("Vårspelet 2027 – Première!", s, sizeof(s)) > 0 &&
	    strcmp(s, "varspelet-2027-premiere") == 0);
	slug_make("  Straße & Ærø  ", s, sizeof(s));
	CHECK(strcmp(s, "strasse-aero") == 0);
	slug_make("Œuvre ŁÓDŹ", s, sizeof(s));
	CHECK(strcmp(s, "oeuvre-lodz") == 0);
	/* Cut at a word break, never mid-word. */
	slug_make("Ett mycket långt namn på en föreställning", s, sizeof(s));
	CHECK(strcmp(s, "ett-mycket-langt-namn") == 0);
	slug_make("日本語", s, sizeof(s));
	CHECK(strcmp(s, "item") == 0);
	slug_make("\xff\xfe broken \xc3", s, sizeof(s));
	CHECK(strcmp(s, "broken") == 0);
}

static void
test_texts(void)
{
	struct field_val	 plain = { .present = 1, .s = "Vårshow" };
	struct field_val	 many = { .present = 1 };
	cJSON			*texts = NULL, *obj;
	const char		*p;
	char			*col;

	obj = cJSON_Parse("{\"en\": \"Spring show\", \"de\": \"Frühling\"}");
	many.j = obj;
	/* Default language missing: the first of sv, en, de, fr given. */
	p = text_set(&texts, "title", &many, "sv");
	CHECK(p != NULL && strcmp(p, "Spring show") == 0);
	CHECK(strcmp(text_pick(texts, "title", LANG_DE, "x"), "Frühling") == 0);
	CHECK(strcmp(text_pick(texts, "title", LANG_FR, "x"), "x") == 0);
	CHECK(strcmp(text_pick(NULL, "title", LANG_EN, "x"), "x") == 0);
	/* A plain string replaces every language of that field only. */
	p = text_set(&texts, "description", &plain, "sv");
	CHECK(p != NULL && strcmp(p, "Vårshow") == 0);
	p = text_set(&texts, "title", &plain, "en");
	CHECK(strcmp(text_pick(texts, "title", LANG_DE, "none"), "none") == 0);
	CHECK(strcmp(text_pick(texts, "title", LANG_EN, "none"), "Vårshow") == 0);
	col = text_column(texts);
	CHECK(col != NULL && strstr(col, "\"description\"") != NULL);
	cJSON_Delete(texts);
	texts = text_parse(col);
	CHECK(texts != NULL && strcmp(text_pick(texts, "description", LANG_SV,
	    ""), "Vårshow") == 0);
	CHECK(text_parse("[1]") == NULL && text_parse("{broken") == NULL);
	free(col);
	cJSON_Delete(texts);
	cJSON_Delete(obj);
}

enum { V_PRICE, V_DATE, V_TITLE, V__MAX };
static const struct field_spec spec[V__MAX] = {
	[V_PRICE] = { "price", FIELD_MONEY, 0, 0, 0, NULL, 0 },
	[V_DATE] = { "date", FIELD_DATE, 0, 0, 0, NULL, 0 },
	[V_TITLE] = { "title", FIELD_TEXTS, 0, 1, 10, NULL, 0 },
};

/* Validates json; returns the number of bad fields. */
static size_t
run(struct arena *a, const char *json, struct field_val *v)
{
	cJSON	*body = cJSON_Parse(json), *errs = cJSON_CreateObject();
	size_t	 n = field_validate(a, spec, V__MAX, body, NULL, v, errs);

	cJSON_Delete(errs);
	/* v[V_TITLE].j borrows from body: the callers only test .s here. */
	v[V_TITLE].j = NULL;
	cJSON_Delete(body);
	return n;
}

static void
test_validators(void)
{
	struct arena		*a = arena_alloc();
	struct field_val	 v[V__MAX];
	static const char *const bad[] = {
		"{\"price\": -1}", "{\"price\": \"1,50\"}", "{\"price\": \"1.\"}",
		"{\"price\": \"1e3\"}", "{\"price\": 1e12}", "{\"price\": true}",
		"{\"price\": \"12345678901\"}", "{\"date\": \"2027-02-29\"}",
		"{\"date\": \"2027-13-01\"}", "{\"date\": \"27-01-01\"}",
		"{\"title\": \"\"}", "{\"title\": {}}", "{\"title\": {\"xx\": \"a\"}}",
		"{\"title\": {\"sv\": \"far too long text\"}}", "{\"title\": 5}",
		"{\"title\": {\"sv\": 5}}",
	};
	size_t			 i;

	CHECK(run(a, "{\"price\": 150.5, \"date\": \"2028-02-29\","
	    " \"title\": \"Vår\"}", v) == 0);
	CHECK(v[V_PRICE].present && strcmp(v[V_PRICE].s, "150.500000") == 0);
	CHECK(strcmp(v[V_DATE].s, "2028-02-29") == 0);
	CHECK(strcmp(v[V_TITLE].s, "Vår") == 0);
	CHECK(run(a, "{\"price\": \"0.10\", \"title\": {\"en\": \"Spring\"}}",
	    v) == 0);
	CHECK(strcmp(v[V_PRICE].s, "0.10") == 0 && v[V_TITLE].s == NULL);
	CHECK(run(a, "{\"price\": null}", v) == 0 && v[V_PRICE].null &&
	    !v[V_PRICE].present);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (run(a, bad[i], v) != 1) {
			fprintf(stderr, "accepted: %s\n", bad[i]);
			CHECK(0);
		}
	arena_free(a);
}

static void
test_respcache(void)
{
	const char	*b;
	size_t		 len, i;
	char		 key[16];

	respcache_put("/a?x", 7, 1000, "hello", 5);
	CHECK((b = respcache_get("/a?x", 7, 1004, &len)) != NULL && len == 5 &&
	    memcmp(b, "hello", 5) == 0);
	CHECK(respcache_get("/a?x", 8, 1001, &len) == NULL);	/* changed */
	CHECK(respcache_get("/a?x", 7, 1000 + RESPCACHE_SECONDS, &len) == NULL);
	CHECK(respcache_get("/a?y", 7, 1001, &len) == NULL);
	/* A full cache gives up its oldest answer. */
	for (i = 0; i < RESPCACHE_SLOTS; i++) {
		snprintf(key, sizeof(key), "/k%zu", i);
		respcache_put(key, 1, 2000 + (int64_t)i, "x", 1);
	}
	CHECK(respcache_get("/a?x", 7, 1001, &len) == NULL);
	CHECK(respcache_get("/k1", 1, 2002, &len) != NULL);
	respcache_clear();
	CHECK(respcache_get("/k1", 1, 2002, &len) == NULL);
}

int
main(void)
{
	test_slugs();
	test_texts();
	test_validators();
	test_respcache();
	return CHECK_DONE();
}
