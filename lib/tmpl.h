/*
 * Templates: a small mustache subset for HTML pages and mail.
 *
 *	{{name}}	the value, HTML-escaped in TMPL_HTML mode
 *	{{{name}}}	the value unescaped (our own trusted fragments only)
 *	{{& name}}	the same
 *	{{#name}}..{{/name}}	section: skipped for false, null, missing,
 *			"" and []; repeated for each element of an array;
 *			entered once (with the value as context) otherwise
 *	{{^name}}..{{/name}}	inverted section
 *	{{> name}}	a partial, resolved by the caller's function
 *	{{! text}}	a comment
 *	{{_ text}}	text translated by the caller's function (gettext),
 *			escaped like a variable
 *
 * Names are dotted paths (event.title) looked up from the innermost
 * context outwards; {{.}} is the current element.  A tag alone on its
 * line (sections, comments, partials) takes the line with it.  Templates
 * are parsed once (errors name the line) and rendered many times.
 */
#ifndef BILJETT_TMPL_H
#define BILJETT_TMPL_H

#include <stddef.h>

struct cJSON;
struct tmpl;

enum tmpl_mode {
	TMPL_HTML = 0,	/* escape & < > " ' */
	TMPL_TEXT,	/* no escaping: text/plain mail */
	TMPL__MAX
};

/* Returns the partial called name, or NULL if there is none. */
typedef const struct tmpl *(*tmpl_partial_fn)(void *arg, const char *name);

/*
 * Parses text.  Returns NULL with "line N: reason" in err on a syntax
 * error (unclosed tag or section, bad name) or OOM.  Free with
 * tmpl_free().
 */
struct tmpl	*tmpl_parse(const char *text, size_t len, char *err,
		    size_t errsz);
/* Reads and parses a file of at most TMPL_SIZE_MAX bytes. */
struct tmpl	*tmpl_load(const char *path, char *err, size_t errsz);
/* NULL-safe. */
void		 tmpl_free(struct tmpl *t);

/* Returns the translation of msgid (never NULL). */
typedef const char *(*tmpl_translate_fn)(void *arg, const char *msgid);

struct tmpl_opts {
	enum tmpl_mode		 mode;
	tmpl_partial_fn		 partial;	/* may be NULL */
	void			*partial_arg;
	tmpl_translate_fn	 translate;	/* NULL: text as written */
	void			*translate_arg;
};

/*
 * Renders t with data.  Returns a malloc'd NUL-terminated string (free
 * with free()) and its length in *len, or NULL when the output would
 * exceed TMPL_OUTPUT_MAX, a partial is missing, nesting is deeper than
 * TMPL_DEPTH_MAX, or on OOM.
 */
char		*tmpl_render(const struct tmpl *t, const struct cJSON *data,
		    const struct tmpl_opts *opts, size_t *len);

#endif
