/*
 * A FastCGI program: a route table, and the loop that serves it.  The
 * supervisor keeps worker processes accepting on the socket; each
 * request passes the gates in a fixed order before its handler runs:
 *
 *	method known -> route found (404, 405 with Allow) -> query and
 *	cookies -> body within limits and well formed -> fields valid ->
 *	path {id} a number -> account and role (auth_gate) -> CSRF
 *	(csrf_check) -> handler
 *
 * so a handler only ever sees a request that is well formed, allowed and
 * validated, and reads its input from req->f and req->id.
 */
#ifndef BILJETT_ROUTE_H
#define BILJETT_ROUTE_H

#include <stddef.h>

#include "auth.h"
#include "http.h"

struct conf;
struct db;

typedef enum err (*handler_fn)(struct req *);

/* Route attributes (struct route's flags). */
#define ROUTE_FORM	0x01u	/* an HTML form: needs the csrf field */
/* A file upload: a body up to UPLOAD_BODY_MAX, left raw for the handler
 * (req->raw_body; lib/parse.h parse_multipart), so fields come from the
 * query string only. */
#define ROUTE_UPLOAD	0x02u
/* Exists only where the configuration says test_payments = on;
 * elsewhere the path is unknown, a 404 like any other. */
#define ROUTE_TESTING	0x04u
/* The path carries a secret (a mailed link's token, a ticket's code):
 * the request log shows the route's pattern instead. */
#define ROUTE_SECRET_PATH	0x08u
/* A short write with no outside I/O (no provider, no mail): it may share
 * one commit with the requests queued behind it (group commit, lib/db
 * db_batch_allow).  Its answer waits for that commit. */
#define ROUTE_BATCH	0x10u

struct route {
	enum http_method	 method;
	/*
	 * "/api/events/{id}": literal segments and {name} captures.  A
	 * capture named {id} must be a number 1..ID_MAX, handed to the
	 * handler in req->id; any other path answers not_found.
	 */
	const char		*pattern;
	handler_fn		 handler;
	enum auth_level		 auth;
	enum resp_style		 style;
	const struct field_spec	*fields;
	size_t			 nfields;
	unsigned		 flags;		/* ROUTE_* */
	enum err		 not_found;	/* bad {id}; 0: ERR_NOT_FOUND */
};

struct app {
	const char		*name;		/* program name for logs */
	const struct route	*routes;
	size_t			 nroutes;
	/*
	 * Called once in each worker after the database is open; returns 0
	 * or -1 to stop the worker.  May be NULL.
	 */
	int			(*worker_init)(const struct conf *, struct db *);
};

/*
 * The program's main(): reads the config, listens on the socket (-s),
 * runs the workers (-w, or the config's workers) and, given a writer's
 * socket (-W), one more worker on that socket for the routes nginx sends
 * there (lib/route.c: the writer), and serves app until SIGTERM or
 * SIGINT.  Returns the exit status.
 */
int		 route_main(int argc, char *argv[], const struct app *app);

/*
 * Route matching.  Literal segments compare exactly; "{x}" matches one
 * non-empty segment and captures it percent-decoded into params (at most
 * PATH_PARAMS_MAX, arena strings).  One trailing slash on the path or
 * the pattern is ignored, so "/reserve_ticket" and "/reserve_ticket/"
 * both match.  Returns non-zero on a match.  Pure apart from the arena.
 */
int		 route_match(const char *pattern, const char *path,
		    const char **params, size_t *nparams, struct arena *a);

#endif
