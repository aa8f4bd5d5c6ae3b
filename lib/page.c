/*
 * Page rendering.  Templates are parsed once per worker and kept.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "arena.h"
#include "conf.h"
#include "crypto.h"
#include "csrf.h"
#include "http.h"
#include "i18n.h"
#include "log.h"
#include "page.h"
#include "tmpl.h"

#define PAGE_CACHE	32

/* Nothing inline, nothing from elsewhere; camera only for the scanner. */
static const char page_csp[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'";

/*
 * The same, with a provider's origins for its script, its calls and its
 * frames (page_render_for()).
 */
#define PAGE_CSP_FOR \
    "default-src 'none'; script-src 'self' %s; style-src 'self'; " \
    "img-src 'self' data:; connect-src 'self' %s; frame-src %s; " \
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

static struct {
	char		*name;
	struct tmpl	*t;
} cache[PAGE_CACHE];

/* Loads templates/pages/<name>.html (or a partial) once. */
static const struct tmpl *
load(const struct conf *conf, const char *name)
{
	char	 path[1024], err[256];
	int	 i;

	for (i = 0; i < PAGE_CACHE && cache[i].name != NULL; i++)
		if (strcmp(cache[i].name, name) == 0)
			return cache[i].t;
	if (i == PAGE_CACHE)
		return NULL;
	if ((size_t)snprintf(path, sizeof(path), "%s/pages/%s.html",
	    conf_str(conf, CONF_TEMPLATES), name) >= sizeof(path))
		return NULL;
	if ((cache[i].t = tmpl_load(path, err, sizeof(err))) == NULL) {
		log_err("template: %s", err);
		return NULL;
	}
	if ((cache[i].name = strdup(name)) == NULL) {
		tmpl_free(cache[i].t);
		cache[i].t = NULL;
		return NULL;
	}
	return cache[i].t;
}

static const struct tmpl *
partial(void *arg, const char *name)
{
	char	 full[128];

	snprintf(full, sizeof(full), "partials/%s", name);
	return load(arg, full);
}

static const char *
translate(void *arg, const char *msgid)
{
	return i18n_get(*(const enum lang *)arg, msgid);
}

const char *
page_t(const struct req *req, const char *msgid)
{
	return i18n_get(req->lang, msgid);
}

const char *
page_tn(struct req *req, const char *msgid, long long n)
{
	const char	*t = i18n_get(req->lang, msgid), *at;
	char		*out;

	if ((at = strstr(t, "{n}")) == NULL)
		return t;
	out = arena_printf(req->pool, "%.*s%lld%s", (int)(at - t), t, n,
	    at + 3);
	return out != NULL ? out : t;
}

/*
 * A character of a host, a port or the brackets of an IPv6 address:
 * nothing that could end a CSP source (space, ';', ',', quotes).
 */
static int
host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == ':' ||
	    c == '[' || c == ']';
}

int
page_origin(const char *url, char out[CSP_ORIGIN_MAX + 1])
{
	const char	*host;
	size_t		 n, len;

	out[0] = '\0';
	if (url == NULL)
		return -1;
	if (strncmp(url, "https://", 8) == 0)
		host = url + 8;
	else if (strncmp(url, "http://", 7) == 0)
		host = url + 7;
	else
		return -1;
	/* The authority ends at the path, query or fragment; no user@. */
	for (n = 0; host[n] != '\0' && host[n] != '/' && host[n] != '?' &&
	    host[n] != '#'; n++)
		if (!host_char(host[n]))
			return -1;
	len = (size_t)(host - url) + n;
	if (n == 0 || host[0] == ':' || len > CSP_ORIGIN_MAX)
		return -1;
	memcpy(out, url, len);
	out[len] = '\0';
	return 0;
}

/*
 * Is origin one page_origin() writes?  Checked again where it is used,
 * since a CSP source with a space or ';' in it would be another rule.
 */
static int
origin_ok(const char *origin)
{
	char	 again[CSP_ORIGIN_MAX + 1];

	return page_origin(origin, again) == 0 && strcmp(again, origin) == 0;
}

/* Is list one or more origin_ok() origins separated by single spaces? */
static int
origins_ok(const char *list)
{
	char		 one[CSP_ORIGIN_MAX + 1];
	const char	*end;
	size_t		 n;

	if (list == NULL || *list == '\0')
		return 0;
	for (;;) {
		end = strchr(list, ' ');
		n = end != NULL ? (size_t)(end - list) : strlen(list);
		if (n == 0 || n > CSP_ORIGIN_MAX)
			return 0;
		memcpy(one, list, n);
		one[n] = '\0';
		if (!origin_ok(one))
			return 0;
		if (end == NULL)
			return 1;
		list = end + 1;
	}
}

enum err
page_render(struct req *req, int status, const char *name, cJSON *ctx)
{
	return page_render_for(req, status, name, ctx, NULL);
}

enum err
page_render_for(struct req *req, int status, const char *name, cJSON *ctx,
    const struct page_origins *o)
{
	struct tmpl_opts	 opts;
	const struct tmpl	*t;
	const char		*cookie, *csp = page_csp;
	cJSON			*langs, *l;
	char			*html;
	size_t			 len;
	enum err		 e;
	int			 i;

	if (o != NULL && (!origins_ok(o->script) || !origins_ok(o->connect) ||
	    !origins_ok(o->frame) || (csp = arena_printf(req->pool,
	    PAGE_CSP_FOR, o->script, o->connect, o->frame)) == NULL)) {
		cJSON_Delete(ctx);
		return ERR_INTERNAL;
	}
	if (ctx == NULL || (t = load(req->conf, name)) == NULL) {
		cJSON_Delete(ctx);
		return ERR_INTERNAL;
	}
	/* A language picked with ?lang= sticks for the next pages. */
	if (i18n_parse(kv_get(&req->query, "lang")) != LANG__MAX &&
	    (cookie = arena_printf(req->pool, "lang=%s; Max-Age=31536000; "
	    "Path=/; SameSite=Lax", i18n_code(req->lang))) != NULL)
		(void)http_add_header(req, "Set-Cookie", cookie);
	cJSON_AddStringToObject(ctx, "lang", i18n_code(req->lang));
	cJSON_AddStringToObject(ctx, CSRF_FIELD, csrf_token(req));
	cJSON_AddStringToObject(ctx, "path", req->path);
	langs = cJSON_AddArrayToObject(ctx, "langs");
	for (i = 0; i < LANG__MAX; i++) {
		l = cJSON_CreateObject();
		cJSON_AddStringToObject(l, "code", i18n_code((enum lang)i));
		cJSON_AddBoolToObject(l, "current", (enum lang)i == req->lang);
		cJSON_AddItemToArray(langs, l);
	}
	memset(&opts, 0, sizeof(opts));
	opts.mode = TMPL_HTML;
	opts.partial = partial;
	opts.partial_arg = (void *)req->conf;
	opts.translate = translate;
	opts.translate_arg = &req->lang;
	html = tmpl_render(t, ctx, &opts, &len);
	cJSON_Delete(ctx);
	if (html == NULL)
		return ERR_INTERNAL;
	e = http_bytes(req, status, "text/html", html, len);
	free(html);
	(void)http_add_header(req, "Content-Security-Policy", csp);
	(void)http_add_header(req, "Permissions-Policy",
	    "camera=(self), microphone=(), geolocation=()");
	(void)http_add_header(req, "Content-Language", i18n_code(req->lang));
	(void)http_add_header(req, "Vary", "Accept-Language, Cookie");
	return e;
}

enum err
page_no_reservation(struct req *req)
{
	cJSON	*ctx = cJSON_CreateObject();

	cJSON_AddStringToObject(ctx, "title", page_t(req, "No reservation"));
	cJSON_AddStringToObject(ctx, "message", page_t(req,
	    "You have no tickets on hold. Pick an event first."));
	return page_render(req, 404, "message", ctx);
}

enum err
page_redirect(struct req *req, const char *location)
{
	if (location[0] != '/' || location[1] == '/' ||
	    http_add_header(req, "Location", location) == -1)
		return ERR_INTERNAL;
	return http_empty(req, 303);
}
