/*
 * lib/tmpl: escaping, raw output, sections, loops, inverted sections,
 * dotted names and the context stack, partials, standalone lines, and
 * parse errors that name the line.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "tmpl.h"

static const char *data_json =
    "{\"name\": \"<Åsa & \\\"Bo\\\">\", \"html\": \"<b>hi</b>\","
    " \"n\": 3, \"pi\": 3.5, \"yes\": true, \"no\": false, \"empty\": [],"
    " \"event\": {\"title\": \"Spex\", \"when\": \"19:00\"},"
    " \"tickets\": [{\"code\": \"ABC\", \"type\": \"Std\"},"
    " {\"code\": \"DEF\"}], \"type\": \"outer\", \"list\": [1, 2]}";

static struct tmpl *partial_tmpl;

static const struct tmpl *
find_partial(void *arg, const char *name)
{
	(void)arg;
	return strcmp(name, "row") == 0 ? partial_tmpl : NULL;
}

/* A stand-in catalogue: one known message. */
static const char *
upper(void *arg, const char *msgid)
{
	(void)arg;
	return strcmp(msgid, "Buy tickets") == 0 ? "Köp <biljetter>" : msgid;
}

/* Renders text with the test data; returns a malloc'd string. */
static char *
render(const char *text, enum tmpl_mode mode)
{
	struct tmpl	*t;
	cJSON		*data = cJSON_Parse(data_json);
	char		 err[128], *out;
	size_t		 len;

	if ((t = tmpl_parse(text, strlen(text), err, sizeof(err))) == NULL) {
		cJSON_Delete(data);
		return NULL;
	}
	struct tmpl_opts opts = { mode, find_partial, NULL, upper, NULL };

	out = tmpl_render(t, data, &opts, &len);
	CHECK(out == NULL || strlen(out) == len);
	tmpl_free(t);
	cJSON_Delete(data);
	return out;
}

static void
expect(const char *text, enum tmpl_mode mode, const char *want)
{
	char	*got = render(text, mode);

	CHECK(got != NULL && strcmp(got, want) == 0);
	if (got != NULL && strcmp(got, want) != 0)
		fprintf(stderr, "  template %s\n  got  [%s]\n  want [%s]\n",
		    text, got, want);
	free(got);
}

static void
expect_error(const char *text, const char *needle)
{
	char	 err[128] = "";

	CHECK(tmpl_parse(text, strlen(text), err, sizeof(err)) == NULL);
	CHECK(strstr(err, needle) != NULL);
	if (strstr(err, needle) == NULL)
		fprintf(stderr, "  error [%s] lacks [%s]\n", err, needle);
}

int
main(void)
{
	const char	*row = "[{{code}}:{{type}}]";
	char		 err[128];

	partial_tmpl = tmpl_parse(row, strlen(row), err, sizeof(err));
	CHECK(partial_tmpl != NULL);

	expect("Hej {{name}}!", TMPL_HTML,
	    "Hej &lt;Åsa &amp; &quot;Bo&quot;&gt;!");
	expect("Hej {{name}}!", TMPL_TEXT, "Hej <Åsa & \"Bo\">!");
	expect("{{{html}}}{{& html}}{{html}}", TMPL_HTML,
	    "<b>hi</b><b>hi</b>&lt;b&gt;hi&lt;/b&gt;");
	expect("{{ event.title }} {{event.when}} {{event.nope}}", TMPL_HTML,
	    "Spex 19:00 ");
	expect("{{n}} {{pi}} {{yes}} {{no}} {{missing}}", TMPL_HTML,
	    "3 3.5 true  ");
	expect("{{#tickets}}{{code}}/{{type}};{{/tickets}}", TMPL_HTML,
	    "ABC/Std;DEF/outer;");
	expect("{{#list}}<{{.}}>{{/list}}", TMPL_HTML, "<1><2>");
	expect("{{#event}}{{title}}@{{n}}{{/event}}", TMPL_HTML, "Spex@3");
	expect("{{#empty}}x{{/empty}}{{^empty}}none{{/empty}}", TMPL_HTML,
	    "none");
	expect("{{#yes}}y{{/yes}}{{#no}}n{{/no}}{{^no}}!{{/no}}", TMPL_HTML,
	    "y!");
	expect("a{{! a comment }}b", TMPL_HTML, "ab");
	expect("{{_ Buy tickets}}|{{_ Unknown text.}}", TMPL_HTML,
	    "Köp &lt;biljetter&gt;|Unknown text.");
	expect("{{#tickets}}{{> row}}{{/tickets}}", TMPL_HTML,
	    "[ABC:Std][DEF:outer]");
	expect("Rows:\n{{#tickets}}\n  - {{code}}\n{{/tickets}}\nEnd\n",
	    TMPL_TEXT, "Rows:\n  - ABC\n  - DEF\nEnd\n");
	expect("  {{! standalone }}\nx", TMPL_TEXT, "x");
	CHECK(render("{{> nothere}}", TMPL_HTML) == NULL);

	expect_error("{{name", "line 1: unclosed tag");
	expect_error("a\n{{#x}}\nb", "unclosed section");
	expect_error("{{#x}}{{/y}}", "unexpected {{/y}}");
	expect_error("\n\n{{bad name}}", "line 3: bad tag name");
	expect_error("{{/x}}", "unexpected");
	expect_error("{{.x}}", "bad tag name");

	tmpl_free(partial_tmpl);
	tmpl_free(NULL);
	return CHECK_DONE();
}
