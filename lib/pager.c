/*
 * Seed 004's pagination (pager.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "arena.h"
#include "conf.h"
#include "http.h"
#include "pager.h"
#include "parse.h"

void
pager_read(struct pager *pg, const struct field_val *page,
    const struct field_val *size)
{
	pg->page = page->present ? page->i : 1;
	pg->size = size->present ? size->i : PER_PAGE_DEFAULT;
	pg->offset = (pg->page - 1) * pg->size;
}

/* Appends s percent-encoded (RFC 3986 unreserved kept) to the arena
 * string *out. */
static void
append_encoded(struct arena *a, char **out, const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	char			 buf[3 * FIELD_VALUE_MAX + 1];
	size_t			 n = 0;
	unsigned char		 c;

	for (; *s != '\0' && n + 4 < sizeof(buf); s++) {
		c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~')
			buf[n++] = (char)c;
		else {
			buf[n++] = '%';
			buf[n++] = hex[c >> 4];
			buf[n++] = hex[c & 15];
		}
	}
	buf[n] = '\0';
	*out = arena_printf(a, "%s%s", *out != NULL ? *out : "", buf);
}

/* The absolute URL of this listing's page p. */
static const char *
page_url(struct req *req, int64_t p)
{
	const char	*base = conf_str(req->conf, CONF_PUBLIC_URL);
	const char	*host = http_header(req, "Host");
	char		*url;
	size_t		 i, blen;

	if (base != NULL && *base != '\0') {
		blen = strlen(base);
		url = arena_printf(req->pool, "%.*s", (int)(base[blen - 1] ==
		    '/' ? blen - 1 : blen), base);
	} else
		url = arena_printf(req->pool, "%s://%s",
		    req->https ? "https" : "http",
		    host != NULL ? host : "localhost");
	if (url == NULL)
		return NULL;
	url = arena_printf(req->pool, "%s%s?page=%lld", url, req->path,
	    (long long)p);
	for (i = 0; url != NULL && i < req->query.n; i++) {
		if (strcmp(req->query.v[i].key, "page") == 0)
			continue;
		url = arena_printf(req->pool, "%s&", url);
		append_encoded(req->pool, &url, req->query.v[i].key);
		url = arena_printf(req->pool, "%s=", url);
		append_encoded(req->pool, &url, req->query.v[i].val);
	}
	return url;
}

cJSON *
pager_envelope(struct req *req, const struct pager *pg, int64_t count,
    cJSON *results)
{
	cJSON		*o;
	const char	*url;

	if ((o = cJSON_CreateObject()) == NULL) {
		cJSON_Delete(results);
		return NULL;
	}
	cJSON_AddNumberToObject(o, "count", (double)count);
	if (pg->offset + pg->size < count &&
	    (url = page_url(req, pg->page + 1)) != NULL)
		cJSON_AddStringToObject(o, "next", url);
	else
		cJSON_AddNullToObject(o, "next");
	if (pg->page > 1 && (url = page_url(req, pg->page - 1)) != NULL)
		cJSON_AddStringToObject(o, "previous", url);
	else
		cJSON_AddNullToObject(o, "previous");
	cJSON_AddItemToObject(o, "results", results);
	return o;
}
