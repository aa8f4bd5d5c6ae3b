/*
 * Validators.  Each turns one JSON value (or query string value) into a
 * typed struct field_val or returns a reason.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "arena.h"
#include "field.h"
#include "i18n.h"
#include "limits.h"
#include "mail.h"
#include "parse.h"
#include "tfmt.h"

int
field_strtonum(const char *s, int64_t min, int64_t max, int64_t *out)
{
	const char	*p = s;
	long long	 v;
	char		*end;

	if (*p == '-')
		p++;
	if (*p < '0' || *p > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
field_utf8_ok(const char *s, size_t len, int multiline)
{
	static const uint32_t	 min_cp[4] = { 0, 0x80, 0x800, 0x10000 };
	const unsigned char	*p = (const unsigned char *)s;
	const unsigned char	*end = p + len;
	uint32_t		 cp;
	int			 n, k;

	while (p < end) {
		if (*p < 0x80) {
			if ((*p < 0x20 || *p == 0x7f) && !(multiline &&
			    (*p == '\n' || *p == '\t' || *p == '\r')))
				return 0;
			p++;
			continue;
		}
		if ((*p & 0xe0) == 0xc0) {
			n = 1;
			cp = *p & 0x1f;
		} else if ((*p & 0xf0) == 0xe0) {
			n = 2;
			cp = *p & 0x0f;
		} else if ((*p & 0xf8) == 0xf0) {
			n = 3;
			cp = *p & 0x07;
		} else
			return 0;
		if (end - p <= n)
			return 0;
		for (p++, k = n; k > 0; k--, p++) {
			if ((*p & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (*p & 0x3f);
		}
		/* Overlong forms, surrogates and out-of-range points. */
		if (cp < min_cp[n] || (cp >= 0xd800 && cp <= 0xdfff) ||
		    cp > 0x10ffff)
			return 0;
	}
	return 1;
}

/* An integer from a JSON number or a decimal string. */
static const char *
valid_int(const cJSON *v, int64_t min, int64_t max, struct field_val *out)
{
	double	 d;

	if (cJSON_IsNumber(v)) {
		d = v->valuedouble;
		if (!isfinite(d) || d != floor(d) || d < -9007199254740991.0 ||
		    d > 9007199254740991.0)
			return "must be an integer";
		if ((int64_t)d < min || (int64_t)d > max)
			return "out of range";
		out->i = (int64_t)d;
		return NULL;
	}
	if (cJSON_IsString(v)) {
		if (field_strtonum(v->valuestring, INT64_MIN, INT64_MAX,
		    &out->i) == -1)
			return "must be an integer";
		if (out->i < min || out->i > max)
			return "out of range";
		return NULL;
	}
	return "must be an integer";
}

static const char *
valid_bool(const cJSON *v, struct field_val *out)
{
	static const char *const truths[] = { "true", "True", "1", "on",
	    "yes" };
	static const char *const lies[] = { "false", "False", "0", "off",
	    "no" };
	size_t	 i;

	if (cJSON_IsBool(v)) {
		out->i = cJSON_IsTrue(v);
		return NULL;
	}
	if (cJSON_IsNumber(v) && (v->valuedouble == 0 || v->valuedouble == 1)) {
		out->i = v->valuedouble == 1;
		return NULL;
	}
	if (!cJSON_IsString(v))
		return "must be true or false";
	for (i = 0; i < sizeof(truths) / sizeof(truths[0]); i++)
		if (strcmp(v->valuestring, truths[i]) == 0) {
			out->i = 1;
			return NULL;
		}
	for (i = 0; i < sizeof(lies) / sizeof(lies[0]); i++)
		if (strcmp(v->valuestring, lies[i]) == 0) {
			out->i = 0;
			return NULL;
		}
	return "must be true or false";
}

static const char *
valid_string(struct arena *a, const cJSON *v, const struct field_spec *fs,
    struct field_val *out)
{
	int64_t	 min = fs->min, max = fs->max;
	size_t	 len;

	if (min == 0 && max == 0)
		max = FIELD_VALUE_MAX;
	if (!cJSON_IsString(v))
		return "must be a string";
	len = strlen(v->valuestring);
	if ((int64_t)len < min)
		return len == 0 ? "must not be empty" : "too short";
	if ((int64_t)len > max)
		return "too long";
	if (!field_utf8_ok(v->valuestring, len, fs->type == FIELD_TEXT))
		return "contains invalid characters";
	if (fs->type == FIELD_EMAIL && !mail_addr_valid(v->valuestring))
		return "not a valid email address";
	if ((out->s = arena_strndup(a, v->valuestring, len)) == NULL)
		return "out of memory";
	out->len = len;
	return NULL;
}

/*
 * An amount: a JSON number or a decimal string, non-negative, at most
 * MONEY_DIGITS_MAX whole digits.  Kept as a decimal string so the
 * domain parses it against the currency's exponent (money.h).
 */
static const char *
valid_money(struct arena *a, const cJSON *v, struct field_val *out)
{
	char		 buf[64];
	const char	*p;
	size_t		 whole = 0, frac = 0;

	if (cJSON_IsNumber(v)) {
		if (!isfinite(v->valuedouble) || v->valuedouble < 0 ||
		    v->valuedouble >= 1e12)
			return "must be a non-negative amount";
		(void)snprintf(buf, sizeof(buf), "%.6f", v->valuedouble);
	} else if (cJSON_IsString(v) && strlen(v->valuestring) < sizeof(buf))
		(void)snprintf(buf, sizeof(buf), "%s", v->valuestring);
	else
		return "must be an amount";
	for (p = buf; *p >= '0' && *p <= '9'; p++)
		whole++;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			frac++;
	if (whole == 0 || *p != '\0' || (p[-1] == '.' && frac == 0))
		return "must be a decimal amount such as 150.00";
	if (whole > MONEY_DIGITS_MAX)
		return "too large";
	if ((out->s = arena_strndup(a, buf, strlen(buf))) == NULL)
		return "out of memory";
	out->len = strlen(buf);
	return NULL;
}

/* "YYYY-MM-DD", a date that exists. */
static const char *
valid_date(struct arena *a, const cJSON *v, struct field_val *out)
{
	static const int	 mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31,
	    30, 31, 30, 31 };
	const char		*s;
	int			 y, m, d, i;

	if (!cJSON_IsString(v) || strlen(s = v->valuestring) != 10)
		return "must be a date YYYY-MM-DD";
	for (i = 0; i < 10; i++)
		if ((i == 4 || i == 7) ? s[i] != '-' : (s[i] < '0' ||
		    s[i] > '9'))
			return "must be a date YYYY-MM-DD";
	y = atoi(s);
	m = atoi(s + 5);
	d = atoi(s + 8);
	if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 ||
	    d > mdays[m - 1] || (m == 2 && d == 29 && (y % 4 != 0 ||
	    (y % 100 == 0 && y % 400 != 0))))
		return "not a valid date";
	if ((out->s = arena_strndup(a, s, 10)) == NULL)
		return "out of memory";
	out->len = 10;
	return NULL;
}

/* A text, or {"sv": text, "en": text, ...} with at least one known
 * language and nothing else; each text as FIELD_TEXT. */
static const char *
valid_texts(struct arena *a, const cJSON *v, const struct field_spec *fs,
    struct field_val *out)
{
	struct field_spec	 one = *fs;
	struct field_val	 tmp;
	const cJSON		*it;
	const char		*reason;

	one.type = FIELD_TEXT;
	if (cJSON_IsString(v))
		return valid_string(a, v, &one, out);
	if (!cJSON_IsObject(v))
		return "must be a text or an object of texts by language";
	if (v->child == NULL)
		return "must have at least one language";
	cJSON_ArrayForEach(it, v) {
		if (it->string == NULL || i18n_parse(it->string) == LANG__MAX)
			return "languages must be sv, en, de or fr";
		if ((reason = valid_string(a, it, &one, &tmp)) != NULL)
			return reason;
	}
	out->s = NULL;
	out->j = v;
	return NULL;
}

static size_t	validate_object(struct arena *, const struct field_spec *,
		    size_t, const cJSON *, const struct kvlist *,
		    struct field_val *, cJSON *, const char *);

static const char *
valid_objlist(struct arena *a, const cJSON *v, const struct field_spec *fs,
    struct field_val *out, cJSON *errs, const char *name, size_t *nbad)
{
	const cJSON	*item;
	int64_t		 max = fs->max ? fs->max : ARRAY_ITEMS_MAX;
	size_t		 k = 0, n;
	char		*prefix;

	if (!cJSON_IsArray(v))
		return "must be a list";
	n = (size_t)cJSON_GetArraySize(v);
	if ((int64_t)n < fs->min)
		return n == 0 ? "must not be empty" : "too few items";
	if ((int64_t)n > max)
		return "too many items";
	if ((out->items = arena_calloc(a, n ? n : 1, sizeof(*out->items)))
	    == NULL)
		return "out of memory";
	out->nitems = n;
	cJSON_ArrayForEach(item, v) {
		if ((out->items[k] = arena_calloc(a, fs->nsub ? fs->nsub : 1,
		    sizeof(struct field_val))) == NULL)
			return "out of memory";
		if ((prefix = arena_printf(a, "%s[%zu].", name, k)) == NULL)
			return "out of memory";
		*nbad += validate_object(a, fs->sub, fs->nsub, item, NULL,
		    out->items[k], errs, prefix);
		k++;
	}
	return NULL;
}

/* A list of ids: "[3, "7"]", each as FIELD_ID takes it; max 0 means
 * ARRAY_ITEMS_MAX. */
static const char *
valid_idlist(struct arena *a, const cJSON *v, const struct field_spec *fs,
    struct field_val *out)
{
	struct field_val	 one;
	const cJSON		*item;
	int64_t			 max = fs->max ? fs->max : ARRAY_ITEMS_MAX;
	size_t			 k = 0, n;

	if (!cJSON_IsArray(v))
		return "must be a list";
	n = (size_t)cJSON_GetArraySize(v);
	if ((int64_t)n < fs->min)
		return n == 0 ? "must not be empty" : "too few items";
	if ((int64_t)n > max)
		return "too many items";
	if ((out->ids = arena_calloc(a, n ? n : 1, sizeof(*out->ids))) == NULL)
		return "out of memory";
	cJSON_ArrayForEach(item, v) {
		memset(&one, 0, sizeof(one));
		if (valid_int(item, 1, ID_MAX, &one) != NULL)
			return "must be a list of ids";
		out->ids[k++] = one.i;
	}
	out->nitems = n;
	return NULL;
}

/* A list of short names: "["swish", "stripe"]"; max 0 means
 * ARRAY_ITEMS_MAX.  What the names may be is the caller's rule. */
static const char *
valid_strlist(struct arena *a, const cJSON *v, const struct field_spec *fs,
    struct field_val *out)
{
	const cJSON	*item;
	int64_t		 max = fs->max ? fs->max : ARRAY_ITEMS_MAX;
	size_t		 k = 0, n, len;

	if (!cJSON_IsArray(v))
		return "must be a list";
	n = (size_t)cJSON_GetArraySize(v);
	if ((int64_t)n < fs->min)
		return n == 0 ? "must not be empty" : "too few items";
	if ((int64_t)n > max)
		return "too many items";
	if ((out->strs = arena_calloc(a, n ? n : 1, sizeof(*out->strs))) ==
	    NULL)
		return "out of memory";
	cJSON_ArrayForEach(item, v) {
		if (!cJSON_IsString(item) ||
		    (len = strlen(item->valuestring)) == 0 ||
		    len > FIELD_NAME_MAX ||
		    !field_utf8_ok(item->valuestring, len, 0))
			return "must be a list of names";
		if ((out->strs[k++] = arena_strndup(a, item->valuestring,
		    len)) == NULL)
			return "out of memory";
	}
	out->nitems = n;
	return NULL;
}

static void
add_error(struct arena *a, cJSON *errs, const char *prefix, const char *name,
    const char *reason)
{
	const char	*full;

	if (errs == NULL)
		return;
	full = prefix[0] != '\0' ? arena_printf(a, "%s%s", prefix, name) : name;
	if (full != NULL && cJSON_GetObjectItemCaseSensitive(errs, full) == NULL)
		cJSON_AddStringToObject(errs, full, reason);
}

static size_t
validate_object(struct arena *a, const struct field_spec *specs, size_t n,
    const cJSON *body, const struct kvlist *query, struct field_val *out,
    cJSON *errs, const char *prefix)
{
	const struct field_spec	*fs;
	const cJSON		*v;
	cJSON			*qv = NULL;
	const char		*reason, *qs, *full;
	size_t			 i, nbad = 0;
	int			 body_needed = 0;

	for (i = 0; i < n; i++)
		if (!(specs[i].flags & FIELD_QUERY))
			body_needed = 1;
	if (body_needed && body != NULL && !cJSON_IsObject(body)) {
		add_error(a, errs, prefix, "body", "must be an object");
		return 1;
	}
	for (i = 0; i < n; i++) {
		fs = &specs[i];
		memset(&out[i], 0, sizeof(out[i]));
		v = NULL;
		if (fs->flags & FIELD_QUERY) {
			qs = query != NULL ? kv_get(query, fs->name) : NULL;
			if (qs != NULL)
				v = qv = cJSON_CreateString(qs);
		} else if (body != NULL)
			v = cJSON_GetObjectItemCaseSensitive(body, fs->name);
		if (v == NULL || cJSON_IsNull(v)) {
			out[i].null = v != NULL;
			if (fs->flags & FIELD_REQUIRED) {
				add_error(a, errs, prefix, fs->name,
				    "is required");
				nbad++;
			}
			continue;
		}
		switch (fs->type) {
		case FIELD_INT:
			reason = valid_int(v, fs->min, fs->max, &out[i]);
			break;
		case FIELD_ID:
			reason = valid_int(v, 1, ID_MAX, &out[i]);
			break;
		case FIELD_BOOL:
			reason = valid_bool(v, &out[i]);
			break;
		case FIELD_STRING:
		case FIELD_TEXT:
		case FIELD_EMAIL:
			reason = valid_string(a, v, fs, &out[i]);
			break;
		case FIELD_TIME:
			if (!cJSON_IsString(v) ||
			    tfmt_parse_iso(v->valuestring, &out[i].i) == -1)
				reason = "must be an ISO 8601 time with offset";
			else
				reason = NULL;
			break;
		case FIELD_OBJLIST:
			/* Items of a nested list are named from the top:
			 * "sections[0].rows[2].label". */
			full = prefix[0] != '\0' ? arena_printf(a, "%s%s",
			    prefix, fs->name) : fs->name;
			reason = full == NULL ? "out of memory" :
			    valid_objlist(a, v, fs, &out[i], errs, full,
			    &nbad);
			break;
		case FIELD_MONEY:
			reason = valid_money(a, v, &out[i]);
			break;
		case FIELD_DATE:
			reason = valid_date(a, v, &out[i]);
			break;
		case FIELD_TEXTS:
			reason = valid_texts(a, v, fs, &out[i]);
			break;
		case FIELD_IDLIST:
			reason = valid_idlist(a, v, fs, &out[i]);
			break;
		case FIELD_STRLIST:
			reason = valid_strlist(a, v, fs, &out[i]);
			break;
		default:
			reason = "unknown field type";
			break;
		}
		cJSON_Delete(qv);
		qv = NULL;
		if (reason != NULL) {
			add_error(a, errs, prefix, fs->name, reason);
			nbad++;
			continue;
		}
		out[i].present = 1;
	}
	return nbad;
}

size_t
field_validate(struct arena *a, const struct field_spec *specs, size_t n,
    const cJSON *body, const struct kvlist *query, struct field_val *out,
    cJSON *errs)
{
	return validate_object(a, specs, n, body, query, out, errs, "");
}
