/*
 * A request and its response: what lib/route reads from FastCGI into
 * struct req before a handler runs, the accessors handlers use, and the
 * builders that fill struct resp (JSON, bytes, headers, cookies, error
 * bodies).  Knows nothing of routes, accounts or pages.
 */
#ifndef BILJETT_HTTP_H
#define BILJETT_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "field.h"
#include "i18n.h"
#include "parse.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

struct arena;
struct conf;
struct db;
struct cJSON;
struct FCGX_Request;

enum http_method {
	METHOD_GET = 0,
	METHOD_HEAD,
	METHOD_POST,
	METHOD_PUT,
	METHOD_PATCH,
	METHOD_DELETE,
	METHOD_OPTIONS,
	METHOD__MAX
};

/* How a request's errors are rendered (the route decides). */
enum resp_style {
	STYLE_API = 0,	/* {"error", "detail", "field_errors", "code"} */
	STYLE_COMPAT,	/* seed-002 bodies: "InvalidRequestData" ... */
	STYLE_PAGE,	/* an HTML error page (lib/route renders it) */
	STYLE_SEED001,	/* {"error": {"code", "message", "requestId"}} */
	STYLE__MAX
};

struct req_user {
	int64_t		 id;
	int64_t		 session_id;
	int		 role;		/* enum role, lib/user.h */
	int64_t		 organizer_id;	/* staff: their organizer */
	int		 by_cookie;	/* 1: by a cookie, 0: bearer */
};

#define PATH_PARAMS_MAX	4

struct route;

#define RESP_HEADERS_MAX	16

struct resp_header {
	const char	*name;
	const char	*value;
};

struct resp {
	int			 status;
	const char		*ctype;		/* NULL: no body */
	const char		*body;
	size_t			 len;
	struct resp_header	 h[RESP_HEADERS_MAX];
	size_t			 nh;
};

struct req {
	struct arena		*pool;		/* freed after the request */
	const struct conf	*conf;
	struct db		*db;
	const struct route	*route;		/* lib/route.h, or NULL */
	enum resp_style		 style;		/* of errors */
	enum http_method	 method;
	const char		*method_name;
	const char		*path;		/* decoded, no query */
	const char		*params[PATH_PARAMS_MAX]; /* {x} segments */
	size_t			 nparams;
	int64_t			 id;		/* the path's {id}, or 0 */
	struct kvlist		 query;
	const char		*query_string;	/* raw, "" when none */
	struct kvlist		 cookies;
	struct cJSON		*body;		/* parsed body or NULL */
	const char		*raw_body;	/* NUL-terminated copy */
	size_t			 raw_len;
	struct field_val	*f;		/* route->fields, validated */
	struct cJSON		*field_errs;	/* name: reason */
	const char		*content_type;
	const char		*origin;
	const char		*remote_addr;
	const char		*accept_language;
	int			 https;
	enum lang		 lang;		/* from ?lang=, cookie, header */
	struct req_user		 user;		/* id 0: nobody */
	/* Extra data for an error body (OutOfTickets: tickets_left). */
	int64_t			 err_count;
	const char		*err_detail;	/* API "detail"; NULL: message */
	struct resp		 resp;
	void			*fcgx_envp;	/* for http_header() */
};

/*
 * Parses -c CONF -s SOCKET -w WORKERS (also BILJETT_CONF), opens the
 * socket, forks the workers and supervises them until SIGTERM/SIGINT.
 * Returns the process exit status.
 */
/*
 * Reading a request, in the order lib/route calls these: init (zeroes
 * req), the head (method, path, a few headers), the query string and
 * cookies, the body (at most BODY_MAX, parsed by its Content-Type; a
 * body without one is refused).  Then http_write() answers and
 * http_req_clear() frees what is not in the arena.
 */
void		 http_req_init(struct req *req, struct arena *pool,
		    const struct conf *conf, struct db *db,
		    struct FCGX_Request *fr);
void		 http_read_head(struct req *req, struct FCGX_Request *fr);
enum err	 http_read_args(struct req *req);
enum err	 http_read_body(struct req *req, struct FCGX_Request *fr,
		    int upload);
/* Adds the headers every response carries and writes it out. */
void		 http_write(struct req *req, struct FCGX_Request *fr);
void		 http_req_clear(struct req *req);

/* Returns the value of request header name ("Callbackidentifier" is
 * looked up as HTTP_CALLBACKIDENTIFIER), or NULL. */
const char	*http_header(const struct req *req, const char *name);
/* Returns the value of cookie name or NULL. */
const char	*http_cookie(const struct req *req, const char *name);
/* Returns path parameter i or NULL. */
const char	*http_param(const struct req *req, size_t i);

/* Responses.  The body is copied into the request pool. */
enum err	 http_json(struct req *req, int status, struct cJSON *root);
enum err	 http_bytes(struct req *req, int status, const char *ctype,
		    const void *body, size_t len);
enum err	 http_empty(struct req *req, int status);
/* Adds a response header; refuses CR/LF in either part.  Returns 0/-1. */
int		 http_add_header(struct req *req, const char *name,
		    const char *value);
/*
 * Sets cookie name=value with HttpOnly; SameSite=Lax; Path=/, Max-Age,
 * and Secure when public_url is https.  max_age 0 deletes it.
 */
int		 http_set_cookie(struct req *req, const char *name,
		    const char *value, long max_age);

/*
 * Renders e as the route's error body (see lib/err.h) into req->resp.
 * Used by the gate for handler outcomes; handlers just return e.
 */
void		 http_error(struct req *req, enum err e);

/*
 * Adds reason under field to the request's field errors (made when
 * none yet) and returns ERR_BAD_REQUEST, for the checks a handler makes
 * beyond the route's field table.
 */
enum err	 http_field_error(struct req *req, const char *field,
		    const char *reason);

/* The request's field errors, made when none yet (NULL on OOM). */
struct cJSON	*http_field_errs(struct req *req);
/*
 * The headers an outcome carries whatever the body (Retry-After for
 * ERR_BUSY and ERR_TOO_MANY_ATTEMPTS, WWW-Authenticate for a 401 of the
 * API); http_error() adds them, an error page adds them itself.
 */
void		 http_error_headers(struct req *req, enum err e);

/* Exposed for the unit tests: match path against pattern, filling
 * params.  A single trailing slash on either is ignored.  Returns 1 on a
 * match. */
int		 http_route_match(const char *pattern, const char *path,
		    const char **params, size_t *nparams, struct arena *a);
/* Returns the method for a name, or METHOD__MAX. */
enum http_method http_method_parse(const char *name);
const char	*http_method_name(enum http_method m);

#endif
