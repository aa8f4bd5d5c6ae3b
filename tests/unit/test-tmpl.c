/* lib/tmpl: escaping, names, sections, standalone lines, partials, errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "tmpl.h"

static const char *data_json =
    "{\"name\": \"<Åsa & \\\"Bo\\\" 'B'>\", \"html\": \"<b>hi</b>\","
    " \"n\": 3, \"pi\": 3.5, \"yes\": true, \"no\": false, \"nil\": null,"
    " \"blank\": \"\", \"empty\": [],"
    " \"event\": {\"title\": \"Spex\", \"when\": \"19:00\","
    " \"venue\": {\"name\": \"Aulan\"}},"
    " \"tickets\": [{\"code\": \"ABC\", \"type\": \"Std\"},"
    " {\"code\": \"DEF\"}], \"type\": \"outer\", \"list\": [1, 2],"
    " \"nums\": [0, -2, 7.0, 0.25, 1000000, 1e3, -0.5, 123456789012,"
    " 9007199254740991]}";

static struct tmpl	*partial_row, *partial_nested;

static const struct tmpl *
find_partial(void *arg, const char *name)
{
	int	*calls = arg;

	(*calls)++;
	if (strcmp(name, "row") == 0)
		return partial_row;
	if (strcmp(name, "nested") == 0)
		return partial_nested;
	return NULL;
}

/* A stand-in catalogue: one known message. */
static const char *
translate(void *arg, const char *msgid)
{
	(void)arg;
	return strcmp(msgid, "Buy tickets") == 0 ? "Köp <biljetter>" : msgid;
}

static int	partial_calls;

/* Renders text with the test data; returns a malloc'd string or NULL. */
static char *
render(const char *text, enum tmpl_mode mode)
{
	struct tmpl_opts	 opts = { mode, find_partial, &partial_calls,
				    translate, NULL };
	struct tmpl		*t;
	cJSON			*data;
	char			 err[128], *out;
	size_t			 len = 12345;

	if ((t = tmpl_parse(text, strlen(text), err, sizeof(err))) == NULL) {
		fprintf(stderr, "  template [%s]: %s\n", text, err);
		return NULL;
	}
	data = cJSON_Parse(data_json);
	CHECK(data != NULL);
	out = tmpl_render(t, data, &opts, &len);
	CHECK(out == NULL ? len == 0 : strlen(out) == len);
	tmpl_free(t);
	cJSON_Delete(data);
	return out;
}

static void
expect(const char *text, enum tmpl_mode mode, const char *want)
{
	char	*got = render(text, mode);

	CHECK(got != NULL && strcmp(got, want) == 0);
	if (got == NULL || strcmp(got, want) != 0)
		fprintf(stderr, "  template [%s]\n  got  [%s]\n  want [%s]\n",
		    text, got != NULL ? got : "(null)", want);
	free(got);
}

static void
expect_error(const char *text, const char *needle)
{
	char	 err[128] = "";

	CHECK(tmpl_parse(text, strlen(text), err, sizeof(err)) == NULL);
	CHECK(strstr(err, needle) != NULL);
	if (strstr(err, needle) == NULL)
		fprintf(stderr, "  [%s]: error [%s] lacks [%s]\n", text, err,
		    needle);
}

static void
test_escaping(void)
{
	expect("Hej {{name}}!", TMPL_HTML,
	    "Hej &lt;Åsa &amp; &quot;Bo&quot; &#39;B&#39;&gt;!");
	expect("Hej {{name}}!", TMPL_TEXT, "Hej <Åsa & \"Bo\" 'B'>!");
	expect("{{{html}}}|{{& html}}|{{&html}}|{{{ html }}}|{{html}}",
	    TMPL_HTML, "<b>hi</b>|<b>hi</b>|<b>hi</b>|<b>hi</b>|"
	    "&lt;b&gt;hi&lt;/b&gt;");
	/* Template text itself is never escaped. */
	expect("<p class=\"x\">&amp;</p>", TMPL_HTML,
	    "<p class=\"x\">&amp;</p>");
	expect("{{_ Buy tickets}}|{{_ Unknown 'text'.}}", TMPL_HTML,
	    "Köp &lt;biljetter&gt;|Unknown &#39;text&#39;.");
	expect("{{_ Buy tickets}}", TMPL_TEXT, "Köp <biljetter>");
}

static void
test_names(void)
{
	expect("{{ event.title }} {{event.when}} {{event.venue.name}}",
	    TMPL_HTML, "Spex 19:00 Aulan");
	expect("[{{event.nope}}][{{nope.title}}][{{n.x}}][{{missing}}]",
	    TMPL_HTML, "[][][][]");
	expect("{{yes}} {{no}}|{{nil}}|{{blank}}|{{event}}", TMPL_HTML,
	    "true |||");
	/* Inside a section, names are looked up innermost first. */
	expect("{{#event}}{{title}}@{{n}} in {{venue.name}}{{/event}}",
	    TMPL_HTML, "Spex@3 in Aulan");
	expect("{{#event}}{{#venue}}{{name}}/{{title}}/{{type}}{{/venue}}"
	    "{{/event}}", TMPL_HTML, "Aulan/Spex/outer");
	expect("{{#event.venue}}{{name}}{{/event.venue}}", TMPL_HTML, "Aulan");
}

static void
test_sections(void)
{
	/* A loop over objects; a member missing in one falls outwards. */
	expect("{{#tickets}}{{code}}/{{type}};{{/tickets}}", TMPL_HTML,
	    "ABC/Std;DEF/outer;");
	expect("{{#list}}<{{.}}>{{/list}}", TMPL_TEXT, "<1><2>");
	expect("{{#tickets}}{{#list}}{{code}}{{.}} {{/list}}{{/tickets}}",
	    TMPL_HTML, "ABC1 ABC2 DEF1 DEF2 ");
	/* Empty arrays, false, null, "" and missing names are skipped. */
	expect("[{{#empty}}x{{/empty}}{{#no}}x{{/no}}{{#nil}}x{{/nil}}"
	    "{{#blank}}x{{/blank}}{{#missing}}x{{/missing}}]", TMPL_HTML, "[]");
	expect("{{#yes}}y{{/yes}}{{#n}}[{{.}}]{{/n}}{{#html}}{{.}}{{/html}}",
	    TMPL_HTML, "y[3]&lt;b&gt;hi&lt;/b&gt;");
	/* Inverted sections. */
	expect("{{^empty}}none{{/empty}}{{^no}}!{{/no}}{{^nil}}0{{/nil}}"
	    "{{^blank}}b{{/blank}}{{^missing}}m{{/missing}}", TMPL_HTML,
	    "none!0bm");
	expect("{{^tickets}}x{{/tickets}}{{^yes}}x{{/yes}}{{^n}}x{{/n}}",
	    TMPL_HTML, "");
	/* Comments. */
	expect("a{{! a comment }}b{{!}}c", TMPL_HTML, "abc");
	/* A comment ends at the first "}}". */
	expect("a{{! {{name}} }}b", TMPL_HTML, "a }}b");
}

static void
test_standalone(void)
{
	expect("Rows:\n{{#tickets}}\n  - {{code}}\n{{/tickets}}\nEnd\n",
	    TMPL_TEXT, "Rows:\n  - ABC\n  - DEF\nEnd\n");
	expect("Rows:\r\n  {{#tickets}}  \r\n{{code}}\r\n\t{{/tickets}}\r\n"
	    "End", TMPL_TEXT, "Rows:\r\nABC\r\nDEF\r\nEnd");
	expect("{{#yes}}\nin\n{{/yes}}\n{{^yes}}\nout\n{{/yes}}\nend",
	    TMPL_TEXT, "in\nend");
	expect("{{#empty}}\nx\n{{/empty}}", TMPL_TEXT, "");
	expect("  {{! standalone }}\nx\n{{! last }}", TMPL_TEXT, "x\n");
	expect("a\n  {{> row}}\nb", TMPL_TEXT, "a\n[:outer]b");
	/* Not alone on the line: the line stays as written. */
	expect("a {{#yes}}b{{/yes}} c\n", TMPL_TEXT, "a b c\n");
	expect("x {{! c }}\ny", TMPL_TEXT, "x \ny");
	/* Variables never take their line. */
	expect("a\n{{missing}}\nb", TMPL_TEXT, "a\n\nb");
}

static void
test_partials(void)
{
	struct tmpl_opts	 opts = { TMPL_HTML, NULL, NULL, NULL, NULL };
	struct tmpl		*t;
	cJSON			*data;
	char			 err[128];
	size_t			 len;

	partial_calls = 0;
	expect("{{#tickets}}{{> row}}{{/tickets}}", TMPL_HTML,
	    "[ABC:Std][DEF:outer]");
	CHECK(partial_calls == 2);
	expect("<{{>nested}}>", TMPL_HTML, "<[ABC:Std][DEF:outer]>");
	CHECK(render("a{{> nothere}}b", TMPL_HTML) == NULL);
	CHECK(render("{{#tickets}}{{> row}}{{> nothere}}{{/tickets}}",
	    TMPL_HTML) == NULL);
	/* No partial function: a partial cannot be rendered. */
	t = tmpl_parse("{{> row}}", 9, err, sizeof(err));
	data = cJSON_CreateObject();
	CHECK(t != NULL && data != NULL);
	if (t != NULL && data != NULL)
		CHECK(tmpl_render(t, data, &opts, &len) == NULL && len == 0);
	tmpl_free(t);
	cJSON_Delete(data);
}

static void
test_numbers(void)
{
	expect("{{n}} {{pi}}", TMPL_HTML, "3 3.5");
	expect("{{#nums}}{{.}} {{/nums}}", TMPL_HTML,
	    "0 -2 7 0.25 1000000 1000 -0.5 123456789012 9007199254740991 ");
}

static void
test_errors(void)
{
	expect_error("{{name", "line 1: unclosed tag");
	expect_error("a\nb {{name}", "line 2: unclosed tag");
	expect_error("{{{html}}", "unclosed tag");
	expect_error("a\n{{#x}}\nb", "unclosed section");
	expect_error("{{#x}}{{#y}}{{/y}}", "unclosed section \"x\"");
	expect_error("{{#x}}{{/y}}", "line 1: unexpected {{/y}}");
	expect_error("{{#x}}\n{{^y}}\n{{/x}}", "line 3: unexpected {{/x}}");
	expect_error("{{/x}}", "unexpected {{/x}}");
	expect_error("\n\n{{bad name}}", "line 3: bad tag name");
	expect_error("{{}}", "bad tag name");
	expect_error("{{ }}", "bad tag name");
	expect_error("{{#}}{{/}}", "bad tag name");
	expect_error("{{.x}}", "bad tag name");
	expect_error("{{x.}}", "bad tag name");
	expect_error("{{a/b}}", "bad tag name");
	expect_error("{{=<% %>=}}", "bad tag name");
	expect_error("{{> }}", "bad tag name");
	expect_error("{{_ }}", "bad text to translate");
}

int
main(void)
{
	const char	*row = "[{{code}}:{{type}}]";
	const char	*nested = "{{#tickets}}{{> row}}{{/tickets}}";
	char		 err[128];

	partial_row = tmpl_parse(row, strlen(row), err, sizeof(err));
	partial_nested = tmpl_parse(nested, strlen(nested), err, sizeof(err));
	CHECK(partial_row != NULL && partial_nested != NULL);

	test_escaping();
	test_names();
	test_sections();
	test_standalone();
	test_partials();
	test_numbers();
	test_errors();

	tmpl_free(partial_row);
	tmpl_free(partial_nested);
	tmpl_free(NULL);
	return CHECK_DONE();
}
