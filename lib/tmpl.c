/*
 * The template parser and renderer.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "limits.h"
#include "tmpl.h"

#define NAME_MAX_LEN	128

enum node_type {
	NODE_TEXT = 0,
	NODE_VAR,	/* escaped by mode */
	NODE_RAW,
	NODE_SECTION,
	NODE_INVERTED,
	NODE_PARTIAL,
	NODE_TRANS,	/* {{_ text}} */
	NODE__MAX
};

struct node {
	enum node_type	 type;
	char		*text;		/* TEXT: the text; others: the name */
	size_t		 len;
	struct node	*child;		/* SECTION, INVERTED: the body */
	struct node	*next;
};

struct tmpl {
	struct node	*head;
};

struct buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
	int	 failed;
};

static void
nodes_free(struct node *n)
{
	struct node	*next;

	for (; n != NULL; n = next) {
		next = n->next;
		nodes_free(n->child);
		free(n->text);
		free(n);
	}
}

void
tmpl_free(struct tmpl *t)
{
	if (t == NULL)
		return;
	nodes_free(t->head);
	free(t);
}

static int
name_ok(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0 || len > NAME_MAX_LEN)
		return 0;
	if (len == 1 && s[0] == '.')
		return 1;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '_' || s[i] == '-' || s[i] == '.'))
			return 0;
	return s[0] != '.' && s[len - 1] != '.';
}

static int
lineno(const char *start, const char *p)
{
	int	 n = 1;

	for (; start < p; start++)
		n += *start == '\n';
	return n;
}

/* The parser's state: a stack of open sections. */
struct parser {
	const char	*start, *end;
	struct node	*stack[TMPL_DEPTH_MAX + 1];
	struct node	**tail[TMPL_DEPTH_MAX + 1];
	int		 depth;
	char		*err;
	size_t		 errsz;
};

static struct node *
append(struct parser *ps, enum node_type type, const char *s, size_t len)
{
	struct node	*n;

	if ((n = calloc(1, sizeof(*n))) == NULL ||
	    (n->text = malloc(len + 1)) == NULL) {
		free(n);
		snprintf(ps->err, ps->errsz, "out of memory");
		return NULL;
	}
	memcpy(n->text, s, len);
	n->text[len] = '\0';
	n->len = len;
	n->type = type;
	*ps->tail[ps->depth] = n;
	ps->tail[ps->depth] = &n->next;
	return n;
}

/*
 * Is the tag [open, close) alone on its line?  If so, *cut_before is
 * where the preceding text should end and *resume where parsing goes on
 * (past the newline).
 */
static int
standalone(const struct parser *ps, const char *text_start, const char *open,
    const char *close, const char **cut_before, const char **resume)
{
	const char	*p = open, *q = close;

	while (p > text_start && (p[-1] == ' ' || p[-1] == '\t'))
		p--;
	if (!(p == ps->start || (p > text_start && p[-1] == '\n') ||
	    (p == text_start && p > ps->start && p[-1] == '\n')))
		return 0;
	while (q < ps->end && (*q == ' ' || *q == '\t'))
		q++;
	if (q < ps->end && *q == '\r')
		q++;
	if (q < ps->end && *q != '\n')
		return 0;
	*cut_before = p;
	*resume = q < ps->end ? q + 1 : q;
	return 1;
}

struct tmpl *
tmpl_parse(const char *text, size_t len, char *err, size_t errsz)
{
	struct parser	 ps;
	struct tmpl	*t;
	struct node	*n;
	const char	*p, *open, *close, *name, *name_end, *text_start;
	const char	*cut, *resume;
	size_t		 nlen;
	char		 kind;

	memset(&ps, 0, sizeof(ps));
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	ps.start = text;
	ps.end = text + len;
	ps.err = err;
	ps.errsz = errsz;
	ps.tail[0] = &t->head;
	if (len > TMPL_SIZE_MAX) {
		snprintf(err, errsz, "template larger than %d bytes",
		    TMPL_SIZE_MAX);
		goto fail;
	}
	if (memchr(text, '\0', len) != NULL) {
		snprintf(err, errsz, "template contains a NUL byte");
		goto fail;
	}

	for (p = text_start = text; p < ps.end; ) {
		open = memmem(p, (size_t)(ps.end - p), "{{", 2);
		if (open == NULL)
			break;
		kind = open + 2 < ps.end ? open[2] : '\0';
		if (kind == '{')
			close = memmem(open + 3, (size_t)(ps.end - open - 3),
			    "}}}", 3);
		else
			close = memmem(open + 2, (size_t)(ps.end - open - 2),
			    "}}", 2);
		if (close == NULL) {
			snprintf(err, errsz, "line %d: unclosed tag",
			    lineno(text, open));
			goto fail;
		}
		name = open + 2;
		name_end = close;
		if (strchr("#^/>!&{_", kind) != NULL && kind != '\0')
			name++;
		close += kind == '{' ? 3 : 2;
		while (name < name_end && *name == ' ')
			name++;
		while (name_end > name && name_end[-1] == ' ')
			name_end--;
		nlen = (size_t)(name_end - name);

		/* Text before the tag, minus a standalone line's indent. */
		cut = open;
		resume = close;
		if (strchr("#^/>!", kind) != NULL && kind != '\0')
			(void)standalone(&ps, text_start, open, close, &cut,
			    &resume);
		if (cut > text_start && append(&ps, NODE_TEXT, text_start,
		    (size_t)(cut - text_start)) == NULL)
			goto fail;

		if (kind != '!' && kind != '_' && !name_ok(name, nlen)) {
			snprintf(err, errsz, "line %d: bad tag name \"%.*s\"",
			    lineno(text, open), (int)(nlen > 40 ? 40 : nlen),
			    name);
			goto fail;
		}
		switch (kind) {
		case '!':
			break;
		case '_':
			if (nlen == 0 || memchr(name, '{', nlen) != NULL) {
				snprintf(err, errsz, "line %d: bad text to "
				    "translate", lineno(text, open));
				goto fail;
			}
			if (append(&ps, NODE_TRANS, name, nlen) == NULL)
				goto fail;
			break;
		case '#':
		case '^':
			if (ps.depth == TMPL_DEPTH_MAX) {
				snprintf(err, errsz, "line %d: sections nested "
				    "too deep", lineno(text, open));
				goto fail;
			}
			if ((n = append(&ps, kind == '#' ? NODE_SECTION :
			    NODE_INVERTED, name, nlen)) == NULL)
				goto fail;
			ps.stack[++ps.depth] = n;
			ps.tail[ps.depth] = &n->child;
			break;
		case '/':
			if (ps.depth == 0 || strlen(ps.stack[ps.depth]->text)
			    != nlen || strncmp(ps.stack[ps.depth]->text, name,
			    nlen) != 0) {
				snprintf(err, errsz, "line %d: unexpected "
				    "{{/%.*s}}", lineno(text, open),
				    (int)(nlen > 40 ? 40 : nlen), name);
				goto fail;
			}
			ps.depth--;
			break;
		case '>':
			if (append(&ps, NODE_PARTIAL, name, nlen) == NULL)
				goto fail;
			break;
		case '{':
		case '&':
			if (append(&ps, NODE_RAW, name, nlen) == NULL)
				goto fail;
			break;
		default:
			if (append(&ps, NODE_VAR, name, nlen) == NULL)
				goto fail;
			break;
		}
		p = text_start = resume;
	}
	if (ps.depth != 0) {
		snprintf(err, errsz, "line %d: unclosed section \"%s\"",
		    lineno(text, ps.end), ps.stack[ps.depth]->text);
		goto fail;
	}
	if (ps.end > text_start && append(&ps, NODE_TEXT, text_start,
	    (size_t)(ps.end - text_start)) == NULL)
		goto fail;
	return t;
fail:
	tmpl_free(t);
	return NULL;
}

struct tmpl *
tmpl_load(const char *path, char *err, size_t errsz)
{
	struct tmpl	*t;
	struct stat	 st;
	FILE		*f;
	char		*text, sub[256];
	size_t		 n;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) == -1 || st.st_size > TMPL_SIZE_MAX ||
	    (text = malloc((size_t)st.st_size + 1)) == NULL) {
		snprintf(err, errsz, "%s: unreadable or too large", path);
		fclose(f);
		return NULL;
	}
	n = fread(text, 1, (size_t)st.st_size, f);
	fclose(f);
	text[n] = '\0';
	if ((t = tmpl_parse(text, n, sub, sizeof(sub))) == NULL)
		snprintf(err, errsz, "%s: %s", path, sub);
	free(text);
	return t;
}

static void
put(struct buf *b, const char *s, size_t len)
{
	char	*grown;
	size_t	 cap;

	if (b->failed)
		return;
	if (b->len + len + 1 > TMPL_OUTPUT_MAX) {
		b->failed = 1;
		return;
	}
	if (b->len + len + 1 > b->cap) {
		cap = b->cap ? b->cap : 1024;
		while (cap < b->len + len + 1)
			cap *= 2;
		if ((grown = realloc(b->p, cap)) == NULL) {
			b->failed = 1;
			return;
		}
		b->p = grown;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, len);
	b->len += len;
	b->p[b->len] = '\0';
}

static void
put_escaped(struct buf *b, const char *s, enum tmpl_mode mode)
{
	const char	*start = s;

	if (mode != TMPL_HTML) {
		put(b, s, strlen(s));
		return;
	}
	for (; *s != '\0'; s++) {
		const char *e = NULL;

		switch (*s) {
		case '&': e = "&amp;"; break;
		case '<': e = "&lt;"; break;
		case '>': e = "&gt;"; break;
		case '"': e = "&quot;"; break;
		case '\'': e = "&#39;"; break;
		default: continue;
		}
		put(b, start, (size_t)(s - start));
		put(b, e, strlen(e));
		start = s + 1;
	}
	put(b, start, (size_t)(s - start));
}

/* Looks name up from the innermost context outwards. */
static const cJSON *
lookup(const cJSON *const *ctx, int depth, const char *name)
{
	const cJSON	*v = NULL;
	const char	*dot, *seg;
	char		 first[NAME_MAX_LEN + 1];
	size_t		 len;
	int		 i;

	if (strcmp(name, ".") == 0)
		return ctx[depth];
	dot = strchr(name, '.');
	len = dot != NULL ? (size_t)(dot - name) : strlen(name);
	memcpy(first, name, len);
	first[len] = '\0';
	for (i = depth; i >= 0 && v == NULL; i--)
		if (cJSON_IsObject(ctx[i]))
			v = cJSON_GetObjectItemCaseSensitive(ctx[i], first);
	for (seg = dot; v != NULL && seg != NULL; seg = dot) {
		seg++;
		dot = strchr(seg, '.');
		len = dot != NULL ? (size_t)(dot - seg) : strlen(seg);
		memcpy(first, seg, len);
		first[len] = '\0';
		v = cJSON_IsObject(v) ?
		    cJSON_GetObjectItemCaseSensitive(v, first) : NULL;
	}
	return v;
}

static int
truthy(const cJSON *v)
{
	if (v == NULL || cJSON_IsNull(v) || cJSON_IsFalse(v))
		return 0;
	if (cJSON_IsArray(v))
		return cJSON_GetArraySize(v) > 0;
	if (cJSON_IsString(v))
		return v->valuestring[0] != '\0';
	return 1;
}

static void
put_value(struct buf *b, const cJSON *v, enum tmpl_mode mode, int raw)
{
	char	 num[64];
	double	 d;

	if (v == NULL || cJSON_IsNull(v) || cJSON_IsFalse(v))
		return;
	if (cJSON_IsString(v)) {
		if (raw)
			put(b, v->valuestring, strlen(v->valuestring));
		else
			put_escaped(b, v->valuestring, mode);
	} else if (cJSON_IsNumber(v)) {
		d = v->valuedouble;
		/* Integral and exact (to 2^53 - 1, ID_MAX): no exponent. */
		if (isfinite(d) && d == floor(d) &&
		    fabs(d) <= 9007199254740991.0)
			snprintf(num, sizeof(num), "%lld", (long long)d);
		else
			snprintf(num, sizeof(num), "%g", d);
		put(b, num, strlen(num));
	} else if (cJSON_IsTrue(v))
		put(b, "true", 4);
}

struct render {
	struct buf		 out;
	enum tmpl_mode		 mode;
	tmpl_partial_fn		 partial;
	void			*arg;
	tmpl_translate_fn	 translate;
	void			*translate_arg;
	const cJSON	*ctx[TMPL_DEPTH_MAX * 2 + 2];
	int		 depth;		/* top of ctx */
	int		 nesting;	/* sections + partials */
	int		 failed;
};

static void	render_nodes(struct render *, const struct node *);

static void
push_render(struct render *r, const cJSON *v, const struct node *body)
{
	if (r->depth + 1 >= (int)(sizeof(r->ctx) / sizeof(r->ctx[0]))) {
		r->failed = 1;
		return;
	}
	r->ctx[++r->depth] = v;
	render_nodes(r, body);
	r->depth--;
}

static void
render_nodes(struct render *r, const struct node *n)
{
	const struct tmpl	*part;
	const cJSON		*v, *item;

	if (++r->nesting > TMPL_DEPTH_MAX * 2) {
		r->failed = 1;
		return;
	}
	for (; n != NULL && !r->failed && !r->out.failed; n = n->next) {
		switch (n->type) {
		case NODE_TEXT:
			put(&r->out, n->text, n->len);
			break;
		case NODE_VAR:
		case NODE_RAW:
			put_value(&r->out, lookup(r->ctx, r->depth, n->text),
			    r->mode, n->type == NODE_RAW);
			break;
		case NODE_SECTION:
			v = lookup(r->ctx, r->depth, n->text);
			if (!truthy(v))
				break;
			if (cJSON_IsArray(v))
				cJSON_ArrayForEach(item, v)
					push_render(r, item, n->child);
			else
				push_render(r, v, n->child);
			break;
		case NODE_INVERTED:
			if (!truthy(lookup(r->ctx, r->depth, n->text)))
				render_nodes(r, n->child);
			break;
		case NODE_TRANS:
			put_escaped(&r->out, r->translate != NULL ?
			    r->translate(r->translate_arg, n->text) : n->text,
			    r->mode);
			break;
		case NODE_PARTIAL:
			if (r->partial == NULL ||
			    (part = r->partial(r->arg, n->text)) == NULL) {
				r->failed = 1;
				break;
			}
			render_nodes(r, part->head);
			break;
		default:
			r->failed = 1;
			break;
		}
	}
	r->nesting--;
}

char *
tmpl_render(const struct tmpl *t, const cJSON *data,
    const struct tmpl_opts *opts, size_t *len)
{
	struct render	*r;
	char		*out = NULL;

	*len = 0;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->mode = opts->mode;
	r->partial = opts->partial;
	r->arg = opts->partial_arg;
	r->translate = opts->translate;
	r->translate_arg = opts->translate_arg;
	r->ctx[0] = data;
	put(&r->out, "", 0);
	render_nodes(r, t->head);
	if (!r->failed && !r->out.failed) {
		out = r->out.p;
		*len = r->out.len;
	} else
		free(r->out.p);
	free(r);
	return out;
}
