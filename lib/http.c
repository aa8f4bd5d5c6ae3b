/*
 * The request and the response: reading a FastCGI request into struct
 * req (head, query, cookies, a size-limited body), accessors, response
 * builders, error bodies, and writing the response.  Routing, gates and
 * the worker loop are lib/route's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <fcgiapp.h>

#include "arena.h"
#include "conf.h"
#include "env001.h"
#include "http.h"
#include "limits.h"
#include "log.h"
#include "tfmt.h"

static const char *const method_names[METHOD__MAX] = {
	[METHOD_GET] = "GET",
	[METHOD_HEAD] = "HEAD",
	[METHOD_POST] = "POST",
	[METHOD_PUT] = "PUT",
	[METHOD_PATCH] = "PATCH",
	[METHOD_DELETE] = "DELETE",
	[METHOD_OPTIONS] = "OPTIONS",
};

enum http_method
http_method_parse(const char *name)
{
	int	 i;

	for (i = 0; i < METHOD__MAX; i++)
		if (strcmp(name, method_names[i]) == 0)
			return (enum http_method)i;
	return METHOD__MAX;
}

const char *
http_method_name(enum http_method m)
{
	return m < METHOD__MAX ? method_names[m] : "?";
}

static const char *
reason_phrase(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

const char *
http_header(const struct req *req, const char *name)
{
	char	 key[128];
	size_t	 i, off;

	off = (size_t)snprintf(key, sizeof(key), "HTTP_");
	for (i = 0; name[i] != '\0' && off + 1 < sizeof(key); i++, off++)
		key[off] = name[i] == '-' ? '_' :
		    (char)(name[i] >= 'a' && name[i] <= 'z' ?
		    name[i] - 'a' + 'A' : name[i]);
	key[off] = '\0';
	return FCGX_GetParam(key, (FCGX_ParamArray)req->fcgx_envp);
}

const char *
http_cookie(const struct req *req, const char *name)
{
	return kv_get(&req->cookies, name);
}

const char *
http_param(const struct req *req, size_t i)
{
	return i < req->nparams ? req->params[i] : NULL;
}

int
http_add_header(struct req *req, const char *name, const char *value)
{
	struct resp	*r = &req->resp;

	if (r->nh == RESP_HEADERS_MAX || strpbrk(name, "\r\n:") != NULL ||
	    strpbrk(value, "\r\n") != NULL) {
		log_err("refused response header %s", name);
		return -1;
	}
	r->h[r->nh].name = name;
	r->h[r->nh].value = value;
	r->nh++;
	return 0;
}

static int
has_header(const struct req *req, const char *name)
{
	size_t	 i;

	for (i = 0; i < req->resp.nh; i++)
		if (strcasecmp(req->resp.h[i].name, name) == 0)
			return 1;
	return 0;
}

int
http_set_cookie(struct req *req, const char *name, const char *value,
    long max_age)
{
	char		 date[TFMT_ISO_LEN];
	const char	*cookie;
	int		 secure;

	secure = strncmp(conf_str(req->conf, CONF_PUBLIC_URL), "https:", 6)
	    == 0;
	tfmt_http(tfmt_now() + max_age, date);
	cookie = arena_printf(req->pool,
	    "%s=%s; expires=%s; HttpOnly; Max-Age=%ld; Path=/; SameSite=Lax%s",
	    name, value, date, max_age, secure ? "; Secure" : "");
	if (cookie == NULL)
		return -1;
	return http_add_header(req, "Set-Cookie", cookie);
}

enum err
http_bytes(struct req *req, int status, const char *ctype, const void *body,
    size_t len)
{
	char	*copy = NULL;

	if (len > 0 && (copy = arena_malloc(req->pool, len)) == NULL)
		return ERR_INTERNAL;
	if (len > 0)
		memcpy(copy, body, len);
	req->resp.status = status;
	req->resp.ctype = ctype;
	req->resp.body = copy;
	req->resp.len = len;
	return ERR_OK;
}

enum err
http_json(struct req *req, int status, cJSON *root)
{
	char		*text;
	enum err	 e;

	if (root == NULL)
		return ERR_INTERNAL;
	text = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	if (text == NULL)
		return ERR_INTERNAL;
	e = http_bytes(req, status, "application/json", text, strlen(text));
	cJSON_free(text);
	return e;
}

enum err
http_empty(struct req *req, int status)
{
	return http_bytes(req, status, NULL, NULL, 0);
}

/* The seed-002 bodies that are not a bare string. */
static cJSON *
compat_body(const struct req *req, enum err e)
{
	cJSON		*o;
	const char	*detail;

	switch (e) {
	case ERR_OUT_OF_TICKETS:
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "error", "OutOfTickets");
		cJSON_AddNumberToObject(o, "tickets_left",
		    (double)req->err_count);
		return o;
	case ERR_TICKET_NOT_FOUND:
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "times_used", -1);
		cJSON_AddStringToObject(o, "status", "Ticket does not exist");
		return o;
	case ERR_METHOD:
		o = cJSON_CreateObject();
		detail = arena_printf(req->pool, "Method \"%s\" not allowed.",
		    req->method_name);
		cJSON_AddStringToObject(o, "detail", detail ? detail : "");
		return o;
	default:
		return cJSON_CreateString(err_def(e)->compat);
	}
}

/*
 * Seed 004's error body: {"error": message, "detail": message,
 * "field_errors": {"field": ["reason"]}, "code": "OUT_OF_TICKETS"}.
 * Field reasons are collected as strings and become one-element lists
 * here, so handlers keep adding one reason per field.
 */
static cJSON *
api_error_body(struct req *req, enum err e)
{
	const struct err_def	*d = err_def(e);
	const char		*msg = i18n_get(req->lang, d->message);
	cJSON			*root = cJSON_CreateObject(), *fe, *it, *list;

	cJSON_AddStringToObject(root, "error", msg);
	cJSON_AddStringToObject(root, "detail", req->err_detail != NULL ?
	    req->err_detail : msg);
	fe = cJSON_AddObjectToObject(root, "field_errors");
	if (req->field_errs != NULL) {
		while ((it = req->field_errs->child) != NULL) {
			cJSON_DetachItemViaPointer(req->field_errs, it);
			if (cJSON_IsArray(it))
				list = it;
			else {
				list = cJSON_CreateArray();
				cJSON_AddItemToArray(list, it);
			}
			cJSON_AddItemToObject(fe, it->string != NULL ?
			    it->string : "", list);
			if (list != it) {
				free(it->string);
				it->string = NULL;
			}
		}
	}
	cJSON_AddStringToObject(root, "code", d->code);
	if (e == ERR_OUT_OF_TICKETS)
		cJSON_AddNumberToObject(root, "tickets_left",
		    (double)req->err_count);
	return root;
}

/*
 * Seed 001's error body (lib/env001.h): its code and status for e, the
 * message in the asker's language (or the handler's detail), and the
 * refused fields as "details" in the API's list shape.
 */
static cJSON *
seed001_error_body(struct req *req, enum err e, int *status)
{
	const char	*code = env001_code(e, status);
	const char	*msg = req->err_detail != NULL ? req->err_detail :
			    i18n_get(req->lang, err_def(e)->message);
	cJSON		*details = NULL, *api;

	/* The API body already turned the reasons into lists: reuse it. */
	if (req->field_errs != NULL && req->field_errs->child != NULL &&
	    (api = api_error_body(req, e)) != NULL) {
		details = cJSON_DetachItemFromObjectCaseSensitive(api,
		    "field_errors");
		cJSON_Delete(api);
	}
	return env001_error(code, msg, details);
}

void
http_error(struct req *req, enum err e)
{
	const struct err_def	*d = err_def(e);
	cJSON			*root;
	int			 status;

	if (req->style == STYLE_SEED001) {
		root = seed001_error_body(req, e, &status);
		if (root == NULL || http_json(req, status, root) != ERR_OK) {
			req->resp.status = 500;
			req->resp.ctype = NULL;
			req->resp.len = 0;
		}
		http_error_headers(req, e);
		return;
	}
	/* An outcome the seed-002 API has no word for gets ours. */
	if (req->style == STYLE_COMPAT && (d->compat != NULL ||
	    e == ERR_OUT_OF_TICKETS || e == ERR_TICKET_NOT_FOUND ||
	    e == ERR_METHOD))
		root = compat_body(req, e);
	else
		root = api_error_body(req, e);
	status = req->style == STYLE_COMPAT && d->compat_status != 0 ?
	    d->compat_status : d->status;
	if (http_json(req, status, root) != ERR_OK) {
		req->resp.status = 500;
		req->resp.ctype = NULL;
		req->resp.len = 0;
	}
	http_error_headers(req, e);
}

cJSON *
http_field_errs(struct req *req)
{
	if (req->field_errs == NULL)
		req->field_errs = cJSON_CreateObject();
	return req->field_errs;
}

enum err
http_field_error(struct req *req, const char *field, const char *reason)
{
	cJSON	*errs = http_field_errs(req);

	if (errs != NULL)
		cJSON_AddStringToObject(errs, field, reason);
	return ERR_BAD_REQUEST;
}

void
http_error_headers(struct req *req, enum err e)
{
	if (e == ERR_BUSY)
		(void)http_add_header(req, "Retry-After", "1");
	if (e == ERR_TOO_MANY_ATTEMPTS || e == ERR_RESEND_LIMIT)
		(void)http_add_header(req, "Retry-After",
		    arena_printf(req->pool, "%lld", (long long)(req->err_count >
		    0 ? req->err_count : 1)));
	if (e == ERR_UNAUTHORIZED && (req->style == STYLE_API ||
	    req->style == STYLE_SEED001))
		(void)http_add_header(req, "WWW-Authenticate",
		    "Bearer realm=\"biljett\"");
}

/* Headers every response carries, then CORS for allowed origins. */
static void
head_common(struct req *req)
{
	if (!has_header(req, "Content-Security-Policy"))
		(void)http_add_header(req, "Content-Security-Policy",
		    "default-src 'none'; frame-ancestors 'none'");
	if (!has_header(req, "Cache-Control"))
		(void)http_add_header(req, "Cache-Control", "no-store");
	(void)http_add_header(req, "X-Content-Type-Options", "nosniff");
	(void)http_add_header(req, "Referrer-Policy", "same-origin");
	(void)http_add_header(req, "X-Frame-Options", "DENY");
	(void)http_add_header(req, "Cross-Origin-Opener-Policy",
	    "same-origin");
	if (req->origin != NULL && conf_origin_allowed(req->conf, req->origin)) {
		(void)http_add_header(req, "Access-Control-Allow-Origin",
		    req->origin);
		(void)http_add_header(req, "Access-Control-Allow-Credentials",
		    "true");
		(void)http_add_header(req, "Vary", "Origin, Cookie");
	}
}

/* Appends to a fixed buffer; returns -1 once it no longer fits. */
static int
append(char *buf, size_t bufsz, size_t *off, const char *a, const char *b,
    const char *c)
{
	int	 n;

	if (*off >= bufsz)
		return -1;
	n = snprintf(buf + *off, bufsz - *off, "%s%s%s", a, b, c);
	if (n < 0 || (size_t)n >= bufsz - *off) {
		*off = bufsz;
		return -1;
	}
	*off += (size_t)n;
	return 0;
}

/*
 * Writes the response: the head formatted into one buffer and written
 * with one FCGX_PutStr (libfcgi's own printf knows no %zu and fails
 * silently on it), then the body.
 */
static void
write_response(FCGX_Stream *out, struct req *req)
{
	static const char	 fallback[] = "Status: 500 Internal Server "
				    "Error\r\nContent-Length: 0\r\n\r\n";
	struct resp		*r = &req->resp;
	char			 head[8192], num[64];
	size_t			 off = 0, i;
	int			 bad = 0;

	snprintf(num, sizeof(num), "%d ", r->status);
	bad |= append(head, sizeof(head), &off, "Status: ", num,
	    reason_phrase(r->status));
	bad |= append(head, sizeof(head), &off, "\r\n", "", "");
	for (i = 0; i < r->nh; i++) {
		bad |= append(head, sizeof(head), &off, r->h[i].name, ": ",
		    r->h[i].value);
		bad |= append(head, sizeof(head), &off, "\r\n", "", "");
	}
	if (r->ctype != NULL) {
		bad |= append(head, sizeof(head), &off, "Content-Type: ",
		    r->ctype, strncmp(r->ctype, "text/", 5) == 0 ?
		    "; charset=utf-8\r\n" : "\r\n");
	}
	snprintf(num, sizeof(num), "%zu", req->method == METHOD_HEAD ?
	    (size_t)0 : r->len);
	bad |= append(head, sizeof(head), &off, "Content-Length: ", num,
	    "\r\n\r\n");
	if (bad) {
		log_err("response head too large");
		FCGX_PutStr(fallback, (int)sizeof(fallback) - 1, out);
		return;
	}
	FCGX_PutStr(head, (int)off, out);
	if (r->len > 0 && req->method != METHOD_HEAD)
		FCGX_PutStr(r->body, (int)r->len, out);
}

/* Reads exactly CONTENT_LENGTH bytes of body.  Returns an outcome. */
static enum err
read_body(struct req *req, FCGX_Stream *in, const char *clen, size_t max)
{
	int64_t	 len;
	char	*buf;
	int	 n;
	size_t	 got = 0;

	if (clen == NULL || *clen == '\0')
		return ERR_OK;
	if (field_strtonum(clen, 0, INT64_MAX, &len) == -1)
		return ERR_BAD_REQUEST;
	if ((uint64_t)len > max)
		return ERR_BODY_TOO_LARGE;
	if ((buf = arena_malloc(req->pool, (size_t)len + 1)) == NULL)
		return ERR_INTERNAL;
	while (got < (size_t)len) {
		n = FCGX_GetStr(buf + got, (int)((size_t)len - got), in);
		if (n <= 0)
			return ERR_BAD_REQUEST;
		got += (size_t)n;
	}
	buf[got] = '\0';
	req->raw_body = buf;
	req->raw_len = got;
	return ERR_OK;
}


void
http_req_init(struct req *req, struct arena *pool, const struct conf *conf,
    struct db *db, FCGX_Request *fr)
{
	memset(req, 0, sizeof(*req));
	req->pool = pool;
	req->conf = conf;
	req->db = db;
	req->fcgx_envp = fr->envp;
	req->style = STYLE_API;
}

void
http_read_head(struct req *req, FCGX_Request *fr)
{
	FCGX_ParamArray	 env = fr->envp;
	const char	*s;

	req->method_name = (s = FCGX_GetParam("REQUEST_METHOD", env)) ?
	    s : "";
	req->method = http_method_parse(req->method_name);
	if ((s = FCGX_GetParam("DOCUMENT_URI", env)) == NULL &&
	    (s = FCGX_GetParam("SCRIPT_NAME", env)) == NULL)
		s = "/";
	req->path = s;
	req->content_type = FCGX_GetParam("CONTENT_TYPE", env);
	req->origin = FCGX_GetParam("HTTP_ORIGIN", env);
	req->remote_addr = FCGX_GetParam("REMOTE_ADDR", env);
	req->accept_language = FCGX_GetParam("HTTP_ACCEPT_LANGUAGE", env);
	req->https = (s = FCGX_GetParam("HTTPS", env)) != NULL &&
	    strcmp(s, "on") == 0;
	req->lang = i18n_pick(NULL, req->accept_language);
}

enum err
http_read_args(struct req *req)
{
	FCGX_ParamArray	 env = req->fcgx_envp;
	const char	*s, *query;

	query = FCGX_GetParam("QUERY_STRING", env);
	req->query_string = query != NULL ? query : "";
	if (query != NULL && *query != '\0') {
		if (strlen(query) > QUERY_MAX_LEN)
			return ERR_BAD_REQUEST;
		if (parse_urlencoded(req->pool, query, strlen(query),
		    &req->query) != PARSE_OK)
			return ERR_BAD_REQUEST;
	}
	if ((s = FCGX_GetParam("HTTP_COOKIE", env)) != NULL &&
	    strlen(s) <= HEADER_MAX_LEN)
		(void)parse_cookies(req->pool, s, &req->cookies);
	req->lang = i18n_pick(kv_get(&req->query, "lang") != NULL ?
	    kv_get(&req->query, "lang") : kv_get(&req->cookies, "lang"),
	    req->accept_language);
	return ERR_OK;
}

enum err
http_read_body(struct req *req, FCGX_Request *fr, int upload)
{
	enum parse_err	 pe;
	enum err	 e;

	/* The body: size first, then its syntax. */
	if ((e = read_body(req, fr->in, FCGX_GetParam("CONTENT_LENGTH",
	    fr->envp), upload ? UPLOAD_BODY_MAX : BODY_MAX)) != ERR_OK)
		return e;
	/* An upload's parts are the handler's (binary, not JSON). */
	if (req->raw_len == 0 || upload)
		return ERR_OK;
	pe = parse_body(req->pool, req->content_type, req->raw_body,
	    req->raw_len, &req->body);
	if (pe == PARSE_UNSUPPORTED)
		return req->style == STYLE_COMPAT ? ERR_BAD_REQUEST :
		    ERR_MEDIA_TYPE;
	return pe == PARSE_OK ? ERR_OK : ERR_BAD_REQUEST;
}

void
http_write(struct req *req, FCGX_Request *fr)
{
	head_common(req);
	write_response(fr->out, req);
}

void
http_req_clear(struct req *req)
{
	cJSON_Delete(req->body);
	cJSON_Delete(req->field_errs);
	req->body = req->field_errs = NULL;
}
