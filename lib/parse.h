/*
 * Pure request parsing: query strings, urlencoded and multipart bodies,
 * cookies and content types.  Nothing here touches libfcgi, the clock or
 * the environment, so every function can be fuzzed on its own
 * (tests/fuzz/).  All output is allocated from the given arena.
 */
#ifndef BILJETT_PARSE_H
#define BILJETT_PARSE_H

#include <stddef.h>

struct arena;
struct cJSON;

/* One decoded name/value pair.  Both are NUL-terminated; val may hold
 * NULs from %00, so vlen is its true length. */
struct kv {
	const char	*key;
	const char	*val;
	size_t		 vlen;
};

struct kvlist {
	struct kv	*v;
	size_t		 n;
};

enum parse_err {
	PARSE_OK = 0,
	PARSE_MALFORMED,	/* syntax error */
	PARSE_TOO_MANY,		/* more pairs/parts than the limit */
	PARSE_TOO_LONG,		/* a name or value over its limit */
	PARSE_UNSUPPORTED,	/* content type we do not accept */
	PARSE_NOMEM,
	PARSE__MAX
};

/* Returns a static, human-readable reason for err. */
const char	*parse_errstr(enum parse_err err);

/*
 * Decodes "a=1&b=%20x+y" (application/x-www-form-urlencoded, also used for
 * query strings): '+' is a space, %XX is a byte, a bare key has value "".
 * Empty pairs ("a=1&&b=2") are skipped.  Keys longer than FIELD_NAME_MAX or
 * values longer than FIELD_VALUE_MAX give PARSE_TOO_LONG; more than
 * PARAM_MAX pairs give PARSE_TOO_MANY.  A '%' not followed by two hex
 * digits is PARSE_MALFORMED.
 */
enum parse_err	 parse_urlencoded(struct arena *a, const char *buf, size_t len,
		    struct kvlist *out);

/*
 * Decodes a Cookie header ("a=1; b=2").  Values are taken verbatim (no
 * percent-decoding), surrounding double quotes removed.  Pairs without '='
 * are skipped.  At most COOKIE_MAX cookies.
 */
enum parse_err	 parse_cookies(struct arena *a, const char *header,
		    struct kvlist *out);

/*
 * Splits a Content-Type header into its lower-cased media type (no
 * parameters, e.g. "multipart/form-data") and, if asked, the value of one
 * parameter (e.g. "boundary", quotes removed).  *mime and *param are
 * arena strings; *param is NULL when absent.
 */
enum parse_err	 parse_content_type(struct arena *a, const char *header,
		    const char *param_name, const char **mime,
		    const char **param);

/*
 * Decodes a multipart/form-data body (RFC 7578) given its boundary.  Each
 * part's Content-Disposition name becomes the key and its content the
 * value; file parts are kept like other parts (their filename ignored).
 * At most MULTIPART_PARTS_MAX parts.
 */
enum parse_err	 parse_multipart(struct arena *a, const char *boundary,
		    const char *buf, size_t len, struct kvlist *out);

/* The same with parts of up to part_max bytes (FIELD_VALUE_MAX above):
 * file uploads (ROUTE_UPLOAD). */
enum parse_err	 parse_multipart_max(struct arena *a, const char *boundary,
		    const char *buf, size_t len, size_t part_max,
		    struct kvlist *out);

/*
 * Turns a request body into one JSON value, whatever its content type:
 * application/json is parsed with cJSON (nesting deeper than
 * JSON_DEPTH_MAX is PARSE_MALFORMED); urlencoded and multipart bodies
 * become an object of string members (a repeated name keeps the last
 * value, as Django's QueryDict.get does).  A missing content type and
 * any other type give PARSE_UNSUPPORTED.  An empty body gives *out = NULL and
 * PARSE_OK.  On success the caller owns *out: free with cJSON_Delete().
 */
enum parse_err	 parse_body(struct arena *a, const char *content_type,
		    const char *buf, size_t len, struct cJSON **out);

/* Returns the value of the last pair named key, or NULL. */
const char	*kv_get(const struct kvlist *list, const char *key);

/*
 * Percent-decodes a path segment into an arena string ('+' stays '+').
 * Returns NULL on a bad escape, an embedded NUL, or OOM.
 */
char		*parse_path_decode(struct arena *a, const char *s, size_t len);

#endif
