/*
 * Request parsing.  Pure functions over byte buffers: they never read
 * past the length they are given, never touch the environment, and put
 * every result in the caller's arena.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "arena.h"
#include "limits.h"
#include "parse.h"

#define BOUNDARY_MAX	70	/* RFC 2046 */
#define KV_INITIAL	8

static const char *const errstrs[PARSE__MAX] = {
	[PARSE_OK] = "ok",
	[PARSE_MALFORMED] = "malformed",
	[PARSE_TOO_MANY] = "too many parameters",
	[PARSE_TOO_LONG] = "a name or value is too long",
	[PARSE_UNSUPPORTED] = "unsupported content type",
	[PARSE_NOMEM] = "out of memory",
};

const char *
parse_errstr(enum parse_err err)
{
	return err < PARSE__MAX ? errstrs[err] : "unknown";
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decodes len bytes of s (%XX; '+' as space when plus is set) into a new
 * arena string; *outlen is its length.  Returns PARSE_OK,
 * PARSE_MALFORMED on a bad escape, or PARSE_NOMEM.
 */
static enum parse_err
decode(struct arena *a, const char *s, size_t len, int plus, char **out,
    size_t *outlen)
{
	char	*d;
	size_t	 i, n = 0;
	int	 hi, lo;

	if ((d = arena_malloc(a, len + 1)) == NULL)
		return PARSE_NOMEM;
	for (i = 0; i < len; i++) {
		if (s[i] == '%') {
			if (len - i < 3 || (hi = hexval(s[i + 1])) < 0 ||
			    (lo = hexval(s[i + 2])) < 0)
				return PARSE_MALFORMED;
			d[n++] = (char)(hi << 4 | lo);
			i += 2;
		} else if (plus && s[i] == '+')
			d[n++] = ' ';
		else
			d[n++] = s[i];
	}
	d[n] = '\0';
	*out = d;
	*outlen = n;
	return PARSE_OK;
}

/* Appends a pair, growing the list in the arena. */
static enum parse_err
kv_push(struct arena *a, struct kvlist *list, size_t *cap, size_t max,
    const char *key, const char *val, size_t vlen)
{
	struct kv	*grown;

	if (list->n == max)
		return PARSE_TOO_MANY;
	if (list->n == *cap) {
		*cap = *cap ? *cap * 2 : KV_INITIAL;
		if (*cap > max)
			*cap = max;
		if ((grown = arena_calloc(a, *cap, sizeof(*grown))) == NULL)
			return PARSE_NOMEM;
		if (list->n > 0)
			memcpy(grown, list->v, list->n * sizeof(*grown));
		list->v = grown;
	}
	list->v[list->n].key = key;
	list->v[list->n].val = val;
	list->v[list->n].vlen = vlen;
	list->n++;
	return PARSE_OK;
}

enum parse_err
parse_urlencoded(struct arena *a, const char *buf, size_t len,
    struct kvlist *out)
{
	const char	*p = buf, *end = buf + len, *amp, *eq;
	char		*key, *val;
	size_t		 klen, vlen, cap = 0;
	enum parse_err	 rc;

	out->v = NULL;
	out->n = 0;
	while (p < end) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		if (amp == p) {
			p++;
			continue;
		}
		if ((eq = memchr(p, '=', (size_t)(amp - p))) == NULL)
			eq = amp;
		if ((rc = decode(a, p, (size_t)(eq - p), 1, &key, &klen)) !=
		    PARSE_OK)
			return rc;
		if (eq < amp)
			rc = decode(a, eq + 1, (size_t)(amp - eq - 1), 1, &val,
			    &vlen);
		else
			rc = decode(a, "", 0, 1, &val, &vlen);
		if (rc != PARSE_OK)
			return rc;
		if (strlen(key) != klen)
			return PARSE_MALFORMED;	/* %00 in a name */
		if (klen > FIELD_NAME_MAX || vlen > FIELD_VALUE_MAX)
			return PARSE_TOO_LONG;
		if ((rc = kv_push(a, out, &cap, PARAM_MAX, key, val, vlen)) !=
		    PARSE_OK)
			return rc;
		p = amp < end ? amp + 1 : end;
	}
	return PARSE_OK;
}

static const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

static const char *
trim_end(const char *start, const char *end)
{
	while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	return end;
}

enum parse_err
parse_cookies(struct arena *a, const char *header, struct kvlist *out)
{
	const char	*p = header, *end = header + strlen(header);
	const char	*semi, *eq, *kend, *v, *vend;
	char		*key, *val;
	size_t		 cap = 0;
	enum parse_err	 rc;

	out->v = NULL;
	out->n = 0;
	while (p < end) {
		if ((semi = memchr(p, ';', (size_t)(end - p))) == NULL)
			semi = end;
		p = skip_ws(p, semi);
		eq = memchr(p, '=', (size_t)(semi - p));
		if (eq != NULL && eq > p) {
			kend = trim_end(p, eq);
			v = skip_ws(eq + 1, semi);
			vend = trim_end(v, semi);
			if (vend - v >= 2 && *v == '"' && vend[-1] == '"') {
				v++;
				vend--;
			}
			if ((size_t)(kend - p) > FIELD_NAME_MAX ||
			    (size_t)(vend - v) > HEADER_MAX_LEN)
				return PARSE_TOO_LONG;
			if ((key = arena_strndup(a, p, (size_t)(kend - p))) ==
			    NULL || (val = arena_strndup(a, v,
			    (size_t)(vend - v))) == NULL)
				return PARSE_NOMEM;
			if ((rc = kv_push(a, out, &cap, COOKIE_MAX, key, val,
			    (size_t)(vend - v))) != PARSE_OK)
				return rc;
		}
		p = semi < end ? semi + 1 : end;
	}
	return PARSE_OK;
}

/*
 * Reads a parameter value at p (token or quoted string) up to ';' or
 * end.  Returns the arena copy or NULL on a malformed quote.
 */
static char *
param_value(struct arena *a, const char **pp, const char *end)
{
	const char	*p = *pp, *start;
	char		*out;
	size_t		 n = 0;

	if (p < end && *p == '"') {
		if ((out = arena_malloc(a, (size_t)(end - p) + 1)) == NULL)
			return NULL;
		for (p++; p < end && *p != '"'; p++) {
			if (*p == '\\' && p + 1 < end)
				p++;
			out[n++] = *p;
		}
		if (p == end)
			return NULL;
		out[n] = '\0';
		*pp = p + 1;
		return out;
	}
	start = p;
	while (p < end && *p != ';')
		p++;
	*pp = p;
	return arena_strndup(a, start, (size_t)(trim_end(start, p) - start));
}

/*
 * Walks "type/sub; a=1; b="x"" style values: *mime gets the lower-cased
 * first token, and the value of parameter want (case-insensitive name).
 */
static enum parse_err
header_params(struct arena *a, const char *h, size_t len, const char *want,
    const char **first, const char **value)
{
	const char	*p = h, *end = h + len, *semi, *name, *nend;
	char		*f, *v;
	size_t		 i;

	*first = NULL;
	*value = NULL;
	p = skip_ws(p, end);
	if ((semi = memchr(p, ';', (size_t)(end - p))) == NULL)
		semi = end;
	if ((f = arena_strndup(a, p, (size_t)(trim_end(p, semi) - p))) == NULL)
		return PARSE_NOMEM;
	for (i = 0; f[i] != '\0'; i++)
		f[i] = (char)tolower((unsigned char)f[i]);
	*first = f;
	p = semi;
	while (p < end) {
		p = skip_ws(p + 1, end);	/* past ';' */
		name = p;
		while (p < end && *p != '=' && *p != ';')
			p++;
		nend = trim_end(name, p);
		if (p == end || *p == ';')
			continue;
		p = skip_ws(p + 1, end);
		if ((v = param_value(a, &p, end)) == NULL)
			return PARSE_MALFORMED;
		if (want != NULL && (size_t)(nend - name) == strlen(want) &&
		    strncasecmp(name, want, (size_t)(nend - name)) == 0)
			*value = v;
		while (p < end && *p != ';')
			p++;
	}
	return PARSE_OK;
}

enum parse_err
parse_content_type(struct arena *a, const char *header, const char *param_name,
    const char **mime, const char **param)
{
	const char	*value;
	enum parse_err	 rc;

	*mime = NULL;
	if (param != NULL)
		*param = NULL;
	if (header == NULL)
		return PARSE_MALFORMED;
	if ((rc = header_params(a, header, strlen(header), param_name, mime,
	    &value)) != PARSE_OK)
		return rc;
	if (param != NULL)
		*param = value;
	return **mime == '\0' ? PARSE_MALFORMED : PARSE_OK;
}

/* Finds needle in [p, end); NULL if absent. */
static const char *
find(const char *p, const char *end, const char *needle, size_t nlen)
{
	if (nlen == 0 || end - p < (ptrdiff_t)nlen)
		return NULL;
	return memmem(p, (size_t)(end - p), needle, nlen);
}

/* Reads one part's headers up to the blank line; sets *name. */
static enum parse_err
part_headers(struct arena *a, const char **pp, const char *end,
    const char **name)
{
	const char	*p = *pp, *eol, *line_end, *colon, *first, *val;
	enum parse_err	 rc;

	*name = NULL;
	for (;;) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			return PARSE_MALFORMED;
		line_end = eol > p && eol[-1] == '\r' ? eol - 1 : eol;
		if (line_end == p) {
			*pp = eol + 1;
			break;
		}
		colon = memchr(p, ':', (size_t)(line_end - p));
		if (colon != NULL && (size_t)(colon - p) ==
		    strlen("Content-Disposition") &&
		    strncasecmp(p, "Content-Disposition", (size_t)(colon - p))
		    == 0) {
			if ((rc = header_params(a, colon + 1,
			    (size_t)(line_end - colon - 1), "name", &first,
			    &val)) != PARSE_OK)
				return rc;
			if (strcmp(first, "form-data") != 0)
				return PARSE_MALFORMED;
			*name = val;
		}
		p = eol + 1;
	}
	if (*name == NULL || **name == '\0')
		return PARSE_MALFORMED;
	return strlen(*name) > FIELD_NAME_MAX ? PARSE_TOO_LONG : PARSE_OK;
}

enum parse_err
parse_multipart(struct arena *a, const char *boundary, const char *buf,
    size_t len, struct kvlist *out)
{
	return parse_multipart_max(a, boundary, buf, len, FIELD_VALUE_MAX,
	    out);
}

enum parse_err
parse_multipart_max(struct arena *a, const char *boundary, const char *buf,
    size_t len, size_t part_max, struct kvlist *out)
{
	const char	*p = buf, *end = buf + len, *next, *content_end;
	const char	*name;
	char		*delim, *val;
	size_t		 blen, dlen, cap = 0, vlen;
	enum parse_err	 rc;

	out->v = NULL;
	out->n = 0;
	if (boundary == NULL || (blen = strlen(boundary)) == 0 ||
	    blen > BOUNDARY_MAX)
		return PARSE_MALFORMED;
	/* "\r\n--boundary"; the first may start the body without CRLF. */
	if ((delim = arena_printf(a, "\r\n--%s", boundary)) == NULL)
		return PARSE_NOMEM;
	dlen = blen + 4;
	if ((size_t)(end - p) >= dlen - 2 && memcmp(p, delim + 2, dlen - 2) == 0)
		p += dlen - 2;
	else if ((next = find(p, end, delim, dlen)) != NULL)
		p = next + dlen;
	else if ((next = find(p, end, delim + 1, dlen - 1)) != NULL)
		p = next + dlen - 1;	/* bare LF after the preamble */
	else
		return PARSE_MALFORMED;

	for (;;) {
		/* After a delimiter: "--" closes, else CRLF opens a part. */
		if (end - p >= 2 && p[0] == '-' && p[1] == '-')
			return PARSE_OK;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (end - p >= 2 && p[0] == '\r' && p[1] == '\n')
			p += 2;
		else if (p < end && *p == '\n')
			p++;
		else
			return PARSE_MALFORMED;
		if ((rc = part_headers(a, &p, end, &name)) != PARSE_OK)
			return rc;
		if ((next = find(p, end, delim, dlen)) != NULL)
			content_end = next;
		else if ((next = find(p, end, delim + 1, dlen - 1)) != NULL)
			content_end = next;	/* bare LF before the boundary */
		else
			return PARSE_MALFORMED;
		vlen = (size_t)(content_end - p);
		if (vlen > part_max)
			return PARSE_TOO_LONG;
		if ((val = arena_strndup(a, p, vlen)) == NULL)
			return PARSE_NOMEM;
		if ((rc = kv_push(a, out, &cap, MULTIPART_PARTS_MAX, name, val,
		    vlen)) != PARSE_OK)
			return rc;
		p = next + (next == content_end && *next == '\r' ? dlen :
		    dlen - 1);
	}
}

const char *
kv_get(const struct kvlist *list, const char *key)
{
	size_t	 i;

	for (i = list->n; i > 0; i--)
		if (strcmp(list->v[i - 1].key, key) == 0)
			return list->v[i - 1].val;
	return NULL;
}

char *
parse_path_decode(struct arena *a, const char *s, size_t len)
{
	char	*out;
	size_t	 n;

	if (decode(a, s, len, 0, &out, &n) != PARSE_OK || strlen(out) != n)
		return NULL;
	return out;
}

/*
 * Checks JSON nesting depth without recursion, honouring strings and
 * escapes, before cJSON (which recurses) sees the text.
 */
static int
json_depth_ok(const char *buf, size_t len)
{
	size_t	 i;
	int	 depth = 0, in_str = 0;

	for (i = 0; i < len; i++) {
		if (in_str) {
			if (buf[i] == '\\')
				i++;
			else if (buf[i] == '"')
				in_str = 0;
			continue;
		}
		switch (buf[i]) {
		case '"':
			in_str = 1;
			break;
		case '{':
		case '[':
			if (++depth > JSON_DEPTH_MAX)
				return 0;
			break;
		case '}':
		case ']':
			depth--;
			break;
		default:
			break;
		}
	}
	return 1;
}

static enum parse_err
json_body(const char *buf, size_t len, cJSON **out)
{
	const char	*end = NULL;
	size_t		 used;

	if (!json_depth_ok(buf, len))
		return PARSE_MALFORMED;
	if (memchr(buf, '\0', len) != NULL)
		return PARSE_MALFORMED;
	if ((*out = cJSON_ParseWithLengthOpts(buf, len, &end, 0)) == NULL)
		return PARSE_MALFORMED;
	for (used = (size_t)(end - buf); used < len; used++)
		if (!isspace((unsigned char)buf[used])) {
			cJSON_Delete(*out);
			*out = NULL;
			return PARSE_MALFORMED;
		}
	return PARSE_OK;
}

/* Turns pairs into an object of strings; later names win. */
static enum parse_err
pairs_to_object(const struct kvlist *list, cJSON **out)
{
	cJSON	*o, *s;
	size_t	 i;

	if ((o = cJSON_CreateObject()) == NULL)
		return PARSE_NOMEM;
	for (i = 0; i < list->n; i++) {
		if (strlen(list->v[i].val) != list->v[i].vlen) {
			cJSON_Delete(o);
			return PARSE_MALFORMED;	/* NUL inside a value */
		}
		if ((s = cJSON_CreateString(list->v[i].val)) == NULL) {
			cJSON_Delete(o);
			return PARSE_NOMEM;
		}
		cJSON_DeleteItemFromObjectCaseSensitive(o, list->v[i].key);
		cJSON_AddItemToObject(o, list->v[i].key, s);
	}
	*out = o;
	return PARSE_OK;
}

enum parse_err
parse_body(struct arena *a, const char *content_type, const char *buf,
    size_t len, cJSON **out)
{
	struct kvlist	 list;
	const char	*mime = NULL, *boundary = NULL;
	size_t		 mlen;
	enum parse_err	 rc;

	*out = NULL;
	if (len == 0)
		return PARSE_OK;
	/* No type, no guess: a cross-site form could send JSON-looking text. */
	if (content_type == NULL || *content_type == '\0')
		return PARSE_UNSUPPORTED;
	if ((rc = parse_content_type(a, content_type, "boundary", &mime,
	    &boundary)) != PARSE_OK)
		return rc == PARSE_NOMEM ? rc : PARSE_UNSUPPORTED;
	mlen = strlen(mime);
	if (strcmp(mime, "application/json") == 0 ||
	    (mlen > 5 && strcmp(mime + mlen - 5, "+json") == 0))
		return json_body(buf, len, out);
	if (strcmp(mime, "application/x-www-form-urlencoded") == 0) {
		if ((rc = parse_urlencoded(a, buf, len, &list)) != PARSE_OK)
			return rc;
		return pairs_to_object(&list, out);
	}
	if (strcmp(mime, "multipart/form-data") == 0) {
		if ((rc = parse_multipart(a, boundary, buf, len, &list)) !=
		    PARSE_OK)
			return rc;
		return pairs_to_object(&list, out);
	}
	return PARSE_UNSUPPORTED;
}
