/*
 * The FastCGI program skeleton: supervisor, workers, accept loop, gates
 * and response writing.  Handlers never see libfcgi.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <fcgiapp.h>

#include "arena.h"
#include "auth.h"
#include "conf.h"
#include "crypto.h"
#include "db.h"
#include "http.h"
#include "limits.h"
#include "log.h"
#include "page.h"
#include "seal.h"
#include "tfmt.h"

#define WORKERS_MAX	64
#define LISTEN_BACKLOG	1024

static const char *const method_names[METHOD__MAX] = {
	[METHOD_GET] = "GET",
	[METHOD_HEAD] = "HEAD",
	[METHOD_POST] = "POST",
	[METHOD_PUT] = "PUT",
	[METHOD_PATCH] = "PATCH",
	[METHOD_DELETE] = "DELETE",
	[METHOD_OPTIONS] = "OPTIONS",
};

static volatile sig_atomic_t	stopping;

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

/*
 * Route matching.  Literal segments compare exactly; "{x}" matches one
 * non-empty segment and captures it percent-decoded.  One trailing slash
 * on the path or the pattern is ignored, so "/reserve_ticket" and
 * "/reserve_ticket/" both match.
 */
int
http_route_match(const char *pattern, const char *path, const char **params,
    size_t *nparams, struct arena *a)
{
	const char	*p = pattern, *s = path, *seg;
	size_t		 len;

	*nparams = 0;
	while (*p != '\0') {
		if (p[0] == '{') {
			if ((p = strchr(p, '}')) == NULL)
				return 0;
			p++;
			seg = s;
			while (*s != '\0' && *s != '/')
				s++;
			if (s == seg || *nparams == PATH_PARAMS_MAX)
				return 0;
			if ((params[(*nparams)++] = parse_path_decode(a, seg,
			    (size_t)(s - seg))) == NULL)
				return 0;
			continue;
		}
		if (*p != *s) {
			/* Pattern "/x/" against path "/x", or vice versa. */
			if (p[0] == '/' && p[1] == '\0' && *s == '\0')
				return 1;
			break;
		}
		p++;
		s++;
	}
	if (*p != '\0')
		return 0;
	len = strlen(s);
	return len == 0 || (len == 1 && *s == '/');
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

void
http_error(struct req *req, enum err e)
{
	const struct err_def	*d = err_def(e);
	cJSON			*root, *inner;

	if (req->route != NULL && req->route->style == STYLE_PAGE) {
		root = cJSON_CreateObject();
		cJSON_AddStringToObject(root, "title",
		    i18n_get(req->lang, "Something went wrong"));
		cJSON_AddStringToObject(root, "message",
		    i18n_get(req->lang, d->message));
		if (page_render(req, d->status, "message", root) == ERR_OK)
			return;
		root = NULL;
	}
	if (req->route != NULL && req->route->style == STYLE_COMPAT)
		root = compat_body(req, e);
	else {
		root = cJSON_CreateObject();
		inner = cJSON_AddObjectToObject(root, "error");
		cJSON_AddStringToObject(inner, "code", d->code);
		cJSON_AddStringToObject(inner, "message",
		    i18n_get(req->lang, d->message));
		if (req->field_errs != NULL &&
		    cJSON_GetArraySize(req->field_errs) > 0) {
			cJSON_AddItemToObject(inner, "fields", req->field_errs);
			req->field_errs = NULL;
		}
		if (e == ERR_OUT_OF_TICKETS)
			cJSON_AddNumberToObject(inner, "tickets_left",
			    (double)req->err_count);
	}
	if (http_json(req, d->status, root) != ERR_OK) {
		req->resp.status = 500;
		req->resp.ctype = NULL;
		req->resp.len = 0;
	}
	if (e == ERR_BUSY)
		(void)http_add_header(req, "Retry-After", "1");
	if (e == ERR_TOO_MANY_ATTEMPTS)
		(void)http_add_header(req, "Retry-After",
		    arena_printf(req->pool, "%lld", (long long)(req->err_count >
		    0 ? req->err_count : 1)));
	if (e == ERR_UNAUTHORIZED && req->route != NULL &&
	    req->route->style == STYLE_API)
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

/* Finds the route for method and path; sets *path_known if any method
 * matches the path.  HEAD uses GET routes. */
static const struct route *
route_find(const struct app *app, struct req *req, int *path_known)
{
	const struct route	*r;
	enum http_method	 m;
	size_t			 i;

	m = req->method == METHOD_HEAD ? METHOD_GET : req->method;
	*path_known = 0;
	for (i = 0; i < app->nroutes; i++) {
		r = &app->routes[i];
		if (!http_route_match(r->pattern, req->path, req->params,
		    &req->nparams, req->pool))
			continue;
		*path_known = 1;
		if (r->method == m)
			return r;
	}
	req->nparams = 0;
	return NULL;
}

/* Lists the methods a path accepts, for Allow and CORS preflight. */
static const char *
allowed_methods(const struct app *app, struct req *req)
{
	const char	*list = "OPTIONS";
	const char	*params[PATH_PARAMS_MAX];
	size_t		 i, n;

	for (i = 0; i < app->nroutes; i++)
		if (http_route_match(app->routes[i].pattern, req->path, params,
		    &n, req->pool))
			list = arena_printf(req->pool, "%s, %s",
			    method_names[app->routes[i].method], list);
	return list != NULL ? list : "OPTIONS";
}

/* Reads exactly CONTENT_LENGTH bytes of body.  Returns an outcome. */
static enum err
read_body(struct req *req, FCGX_Stream *in, const char *clen)
{
	int64_t	 len;
	char	*buf;
	int	 n;
	size_t	 got = 0;

	if (clen == NULL || *clen == '\0')
		return ERR_OK;
	if (field_strtonum(clen, 0, INT64_MAX, &len) == -1)
		return ERR_BAD_REQUEST;
	if (len > BODY_MAX)
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

/*
 * The gates, in order, then the handler.  Returns the outcome; ERR_OK
 * means req->resp is filled.
 */
static enum err
serve(const struct app *app, struct req *req, FCGX_Request *fr)
{
	FCGX_ParamArray		 env = fr->envp;
	const char		*s, *query;
	int			 path_known;
	enum err		 e;
	enum parse_err		 pe;

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

	if (strlen(req->path) > PATH_MAX_LEN)
		return ERR_NOT_FOUND;
	if (req->method == METHOD__MAX) {
		req->method_name = "?";
		req->route = NULL;
		(void)http_add_header(req, "Allow", allowed_methods(app, req));
		return ERR_METHOD;
	}
	if ((req->route = route_find(app, req, &path_known)) == NULL) {
		if (!path_known)
			return ERR_NOT_FOUND;
		if (req->method == METHOD_OPTIONS) {
			/* CORS preflight; head_common() adds the origin. */
			s = allowed_methods(app, req);
			(void)http_add_header(req, "Allow", s);
			if (conf_origin_allowed(req->conf, req->origin)) {
				(void)http_add_header(req,
				    "Access-Control-Allow-Methods", s);
				(void)http_add_header(req,
				    "Access-Control-Allow-Headers",
				    "Content-Type, Bypass-Tunnel-Reminder");
				(void)http_add_header(req,
				    "Access-Control-Max-Age", "600");
			}
			return http_empty(req, 204);
		}
		/* Render 405 in the style of the path's routes. */
		req->route = NULL;
		for (size_t i = 0; i < app->nroutes; i++)
			if (http_route_match(app->routes[i].pattern, req->path,
			    req->params, &req->nparams, req->pool)) {
				req->route = &app->routes[i];
				break;
			}
		(void)http_add_header(req, "Allow", allowed_methods(app, req));
		return ERR_METHOD;
	}

	/* Query string and cookies. */
	query = FCGX_GetParam("QUERY_STRING", env);
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

	/* The body: size first, then its syntax. */
	if ((e = read_body(req, fr->in, FCGX_GetParam("CONTENT_LENGTH", env)))
	    != ERR_OK)
		return e;
	if (req->raw_len > 0) {
		pe = parse_body(req->pool, req->content_type, req->raw_body,
		    req->raw_len, &req->body);
		if (pe == PARSE_UNSUPPORTED)
			return req->route->style == STYLE_COMPAT ?
			    ERR_BAD_REQUEST : ERR_MEDIA_TYPE;
		if (pe != PARSE_OK)
			return ERR_BAD_REQUEST;
	}

	/* Fields, all at once so the error lists every bad one. */
	if (req->route->nfields > 0) {
		if ((req->f = arena_calloc(req->pool, req->route->nfields,
		    sizeof(*req->f))) == NULL ||
		    (req->field_errs = cJSON_CreateObject()) == NULL)
			return ERR_INTERNAL;
		if (field_validate(req->pool, req->route->fields,
		    req->route->nfields, req->body, &req->query, req->f,
		    req->field_errs) > 0)
			return ERR_BAD_REQUEST;
	}

	/* Who is asking, and may they? */
	if (req->route->auth != AUTH_NONE &&
	    (e = auth_gate(req, req->route->auth)) != ERR_OK)
		return e;

	return req->route->handler(req);
}

static void
log_request(const struct req *req, const struct timespec *t0)
{
	struct timespec	 t1;
	long		 us;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	us = (t1.tv_sec - t0->tv_sec) * 1000000 +
	    (t1.tv_nsec - t0->tv_nsec) / 1000;
	log_info("%s %s %d %zu %ldus", req->method_name,
	    req->path != NULL ? req->path : "-", req->resp.status,
	    req->resp.len, us);
}

static void
handle(const struct app *app, const struct conf *conf, struct db *db,
    struct arena *pool, FCGX_Request *fr)
{
	struct req	 req;
	struct timespec	 t0;
	enum err	 e;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&req, 0, sizeof(req));
	req.pool = pool;
	req.conf = conf;
	req.db = db;
	req.fcgx_envp = fr->envp;

	e = serve(app, &req, fr);
	if (db_in_tx(db)) {
		/* A handler must close its transaction; never leak one. */
		log_err("%s %s left a transaction open; rolled back",
		    req.method_name, req.path);
		db_tx_rollback(db);
		if (e == ERR_OK)
			e = ERR_INTERNAL;
	}
	if (e != ERR_OK)
		http_error(&req, e);
	else if (req.resp.status == 0)
		http_error(&req, ERR_INTERNAL);
	head_common(&req);
	write_response(fr->out, &req);
	log_request(&req, &t0);
	cJSON_Delete(req.body);
	cJSON_Delete(req.field_errs);
}

static void
on_stop(int sig)
{
	(void)sig;
	stopping = 1;
	FCGX_ShutdownPending();
}

static int
worker(const struct app *app, const struct conf *conf, int listen_fd)
{
	FCGX_Request		 fr;
	struct arena		*pool = NULL;
	struct db		*db = NULL;
	struct sigaction	 sa;
	char			 err[256];
	int			 rc = 1;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	if ((db = db_open_conf(conf, 0, err, sizeof(err))) == NULL) {
		log_err("database: %s", err);
		goto out;
	}
	(void)i18n_load(conf_str(conf, CONF_LOCALE_DIR));
	if (app->worker_init != NULL && app->worker_init(conf, db) == -1)
		goto out;
	if ((pool = arena_alloc()) == NULL)
		goto out;
	if (FCGX_InitRequest(&fr, listen_fd, 0) != 0)
		goto out;
	while (!stopping && FCGX_Accept_r(&fr) >= 0) {
		handle(app, conf, db, pool, &fr);
		FCGX_Finish_r(&fr);
		arena_reset(pool);
	}
	rc = 0;
out:
	arena_free(pool);
	db_close(db);
	return rc;
}

static pid_t
spawn(const struct app *app, const struct conf *conf, int listen_fd)
{
	pid_t	 pid;

	if ((pid = fork()) == -1) {
		log_err("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0)
		_exit(worker(app, conf, listen_fd));
	return pid;
}

static void
usage(const char *name)
{
	fprintf(stderr, "usage: %s [-c conf] -s socket [-w workers]\n", name);
}

/*
 * The supervisor: keeps `workers` processes accepting on the socket and
 * restarts any that die (at most one restart per second each, so a
 * crash loop cannot spin).  SIGTERM/SIGINT stop everything.
 *
 * WAL checkpoints stay with the workers (SQLite's automatic checkpoint):
 * measured here, checkpointing from the supervisor once a second let the
 * WAL grow between checkpoints and made every write slower (reserve
 * 3.2k/s against 4.3k/s, docs/benchmarks.md).
 */
int
http_main(int argc, char *argv[], const struct app *app)
{
	struct conf		 conf;
	struct sigaction	 sa;
	const char		*conf_path, *sock = NULL;
	pid_t			 pids[WORKERS_MAX] = { 0 }, pid;
	char			 err[512];
	long			 nworkers = -1;
	int			 c, i, fd, status, lvl, rc = 1;
	int64_t			 wv;

	conf_path = getenv("BILJETT_CONF");
	while ((c = getopt(argc, argv, "c:s:w:")) != -1) {
		switch (c) {
		case 'c':
			conf_path = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		case 'w':
			if (field_strtonum(optarg, 1, WORKERS_MAX, &wv) == -1) {
				usage(argv[0]);
				return 1;
			}
			nworkers = (long)wv;
			break;
		default:
			usage(argv[0]);
			return 1;
		}
	}
	if (sock == NULL) {
		usage(argv[0]);
		return 1;
	}
	log_init(app->name, LOG_LVL_INFO);
	if (conf_load(&conf, conf_path, err, sizeof(err)) == -1) {
		log_err("config: %s", err);
		conf_clear(&conf);
		return 1;
	}
	if ((lvl = log_level_parse(conf_str(&conf, CONF_LOG_LEVEL))) >= 0)
		log_setlevel((enum log_level)lvl);
	if (nworkers < 0)
		nworkers = conf_int(&conf, CONF_WORKERS, 2);
	if (nworkers < 1 || nworkers > WORKERS_MAX)
		nworkers = 2;
	if (conf.v[CONF_SECRET_KEY] != NULL &&
	    seal_init(conf.v[CONF_SECRET_KEY]) == -1) {
		log_err("config: secret_key must be 64 hex digits");
		goto out;
	}
	if (tfmt_init(conf_str(&conf, CONF_TIMEZONE)) == -1 ||
	    crypto_init() == -1 || FCGX_Init() != 0) {
		log_err("initialisation failed");
		goto out;
	}

	/* The socket: nginx (another user in production) connects to it. */
	(void)unlink(sock);
	umask(0);
	fd = FCGX_OpenSocket(sock, LISTEN_BACKLOG);
	umask(022);
	if (fd < 0) {
		log_err("%s: cannot listen", sock);
		goto out;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	for (i = 0; i < nworkers; i++)
		pids[i] = spawn(app, &conf, fd);

	log_info("listening on %s with %ld workers", sock, nworkers);

	while (!stopping) {
		sleep(1);
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			for (i = 0; i < nworkers; i++)
				if (pids[i] == pid)
					pids[i] = 0;
			if (!stopping)
				log_warn("worker %ld exited (status %d); "
				    "restarting", (long)pid, status);
		}
		for (i = 0; i < nworkers && !stopping; i++)
			if (pids[i] <= 0)
				pids[i] = spawn(app, &conf, fd);
	}

	for (i = 0; i < nworkers; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	for (i = 0; i < nworkers; i++)
		if (pids[i] > 0)
			(void)waitpid(pids[i], &status, 0);
	close(fd);
	(void)unlink(sock);
	rc = 0;
out:
	conf_clear(&conf);
	return rc;
}
