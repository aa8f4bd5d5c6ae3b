/*
 * The FastCGI program skeleton: supervisor, workers, accept loop, route
 * matching and the gates.  Handlers never see libfcgi; lib/http reads
 * the request and writes the response.
 */
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <malloc.h>
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
#include "csrf.h"
#include "db.h"
#include "field.h"
#include "http.h"
#include "i18n.h"
#include "limits.h"
#include "log.h"
#include "page.h"
#include "parse.h"
#include "route.h"
#include "seal.h"
#include "tfmt.h"

#define WORKERS_MAX	64
#define LISTEN_BACKLOG	1024

static volatile sig_atomic_t	stopping;

int
route_match(const char *pattern, const char *path, const char **params,
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

/*
 * Finds the route for method and path; sets *path_known if any method
 * matches the path.  HEAD uses GET routes.
 */
/* Are the testing-only routes served (test_payments = on)? */
static int
route_testing(const struct conf *conf)
{
	return strcmp(conf_str(conf, CONF_TEST_PAYMENTS), "on") == 0;
}

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
		if ((r->flags & ROUTE_TESTING) && !route_testing(req->conf))
			continue;
		if (!route_match(r->pattern, req->path, req->params,
		    &req->nparams, req->pool))
			continue;
		*path_known = 1;
		if (r->method == m)
			return r;
	}
	req->nparams = 0;
	return NULL;
}

/* The first route of any method for the path, for its error style. */
static const struct route *
route_any(const struct app *app, struct req *req)
{
	size_t	 i;

	for (i = 0; i < app->nroutes; i++)
		if ((!(app->routes[i].flags & ROUTE_TESTING) ||
		    route_testing(req->conf)) && route_match(app->routes[i].pattern, req->path, req->params,
		    &req->nparams, req->pool))
			return &app->routes[i];
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
		if (route_match(app->routes[i].pattern, req->path, params,
		    &n, req->pool))
			list = arena_printf(req->pool, "%s, %s",
			    http_method_name(app->routes[i].method), list);
	return list != NULL ? list : "OPTIONS";
}

static void
use_route(struct req *req, const struct route *r)
{
	req->route = r;
	req->style = r != NULL ? r->style : STYLE_API;
}

/* The answer to a path no route takes with this method. */
static enum err
no_route(const struct app *app, struct req *req, int path_known)
{
	const char	*allow;

	if (!path_known)
		return ERR_NOT_FOUND;
	allow = allowed_methods(app, req);
	if (req->method == METHOD_OPTIONS) {
		/* CORS preflight; http_write() adds the origin. */
		(void)http_add_header(req, "Allow", allow);
		if (conf_origin_allowed(req->conf, req->origin)) {
			(void)http_add_header(req,
			    "Access-Control-Allow-Methods", allow);
			(void)http_add_header(req,
			    "Access-Control-Allow-Headers",
			    "Content-Type, Bypass-Tunnel-Reminder");
			(void)http_add_header(req, "Access-Control-Max-Age",
			    "600");
		}
		return http_empty(req, 204);
	}
	/* Render 405 in the style of the path's routes. */
	use_route(req, route_any(app, req));
	(void)http_add_header(req, "Allow", allow);
	return ERR_METHOD;
}

/* The {id} capture of the route, if it has one, as a number. */
static enum err
path_id(struct req *req)
{
	const char	*p = req->route->pattern;
	size_t		 i = 0;

	for (; (p = strchr(p, '{')) != NULL; p++, i++) {
		if (strncmp(p, "{id}", 4) != 0)
			continue;
		if (field_strtonum(http_param(req, i), 1, ID_MAX, &req->id)
		    == -1)
			return req->route->not_found != ERR_OK ?
			    req->route->not_found : ERR_NOT_FOUND;
		break;
	}
	return ERR_OK;
}

/*
 * The first gates: method known, route found.  Sets *run to the route
 * whose handler is to run, or leaves it NULL when the answer is already
 * known (then the outcome is returned; ERR_OK means req->resp is
 * filled, as for a CORS preflight).
 */
static enum err
find_route(const struct app *app, struct req *req, FCGX_Request *fr,
    const struct route **run)
{
	const struct route	*r;
	int			 path_known;

	*run = NULL;
	http_read_head(req, fr);
	if (strlen(req->path) > PATH_MAX_LEN)
		return ERR_NOT_FOUND;
	if (req->method == METHOD__MAX) {
		req->method_name = "?";
		(void)http_add_header(req, "Allow", allowed_methods(app, req));
		return ERR_METHOD;
	}
	if ((r = route_find(app, req, &path_known)) == NULL)
		return no_route(app, req, path_known);
	use_route(req, r);
	*run = r;
	return ERR_OK;
}

/*
 * The other gates, in order, then the handler of req->route.  Returns
 * the outcome; ERR_OK means req->resp is filled.
 */
static enum err
serve(struct req *req, FCGX_Request *fr)
{
	const struct route	*r = req->route;
	enum err		 e;

	if ((e = http_read_args(req)) != ERR_OK ||
	    (e = http_read_body(req, fr, (r->flags & ROUTE_UPLOAD) != 0)) !=
	    ERR_OK)
		return e;

	/* Fields, all at once so the error lists every bad one. */
	if (r->nfields > 0) {
		if ((req->f = arena_calloc(req->pool, r->nfields,
		    sizeof(*req->f))) == NULL ||
		    (req->field_errs = cJSON_CreateObject()) == NULL)
			return ERR_INTERNAL;
		if (field_validate(req->pool, r->fields, r->nfields,
		    req->body, &req->query, req->f, req->field_errs) > 0)
			return ERR_BAD_REQUEST;
	}
	if ((e = path_id(req)) != ERR_OK)
		return e;

	/* Who is asking, may they, and from where? */
	if (r->auth != AUTH_NONE && (e = auth_gate(req, r->auth)) != ERR_OK)
		return e;
	if ((e = csrf_check(req, (r->flags & ROUTE_FORM) != 0)) != ERR_OK)
		return e;

	return r->handler(req);
}

/* An error as the route's style wants it: a page, or JSON. */
static void
respond_error(struct req *req, enum err e)
{
	cJSON	*ctx;

	if (req->style == STYLE_PAGE &&
	    (ctx = cJSON_CreateObject()) != NULL) {
		cJSON_AddStringToObject(ctx, "title",
		    i18n_get(req->lang, "Something went wrong"));
		cJSON_AddStringToObject(ctx, "message",
		    i18n_get(req->lang, err_def(e)->message));
		if (page_render(req, err_def(e)->status, "message", ctx) ==
		    ERR_OK) {
			http_error_headers(req, e);
			return;
		}
	}
	http_error(req, e);
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
	    req->route != NULL && (req->route->flags & ROUTE_SECRET_PATH) ?
	    req->route->pattern : req->path != NULL ? req->path : "-",
	    req->resp.status, req->resp.len, us);
}

/*
 * A request between accept and answer.  Requests of a batch are held
 * here, answered, until the batch commits.
 */
struct slot {
	FCGX_Request		 fr;
	struct arena		*pool;
	struct req		 req;
	const struct route	*run;		/* the handler to run, or NULL */
	enum err		 e;		/* the outcome so far */
	struct timespec		 t0;
};

/* Reads the request's head and finds its route. */
static void
slot_start(struct slot *s, const struct app *app, const struct conf *conf,
    struct db *db)
{
	clock_gettime(CLOCK_MONOTONIC, &s->t0);
	http_req_init(&s->req, s->pool, conf, db, &s->fr);
	s->e = find_route(app, &s->req, &s->fr, &s->run);
}

/* The rest of the gates and the handler; the answer is then in req. */
static void
slot_run(struct slot *s, struct db *db)
{
	struct req	*req = &s->req;

	if (s->run != NULL)
		s->e = serve(req, &s->fr);
	if (db_in_tx(db)) {
		/* A handler must close its transaction; never leak one. */
		log_err("%s %s left a transaction open; rolled back",
		    req->method_name, req->path);
		db_tx_rollback(db);
		if (s->e == ERR_OK)
			s->e = ERR_INTERNAL;
	}
	if (s->e != ERR_OK)
		respond_error(req, s->e);
	else if (req->resp.status == 0)
		respond_error(req, ERR_INTERNAL);
}

/*
 * Ends the connection to nginx.  libfcgi's own close is a lingering
 * one: shut down writing, then wait in poll() until nginx has read the
 * answer and closed its end.  That wait is a sleep and a wake-up per
 * request, and a batch's answers are sent one after another, so a
 * worker would sleep once per request of the batch.  A plain close is
 * as safe once nothing nginx sent is left unread (unread data would
 * turn the close into a reset on nginx's side): so read the request's
 * stdin to its end first -- usually just the empty record that closes
 * it -- and close plainly only then.  A body left unread (refused as
 * too large) keeps the lingering close, which reads it away.
 */
static void
finish_request(FCGX_Request *fr)
{
	char	 rest[4096];
	size_t	 left = sizeof(rest) * 16;
	int	 n;

	while (left > 0 && (n = FCGX_GetStr(rest, (int)sizeof(rest),
	    fr->in)) > 0)
		left -= (size_t)n < left ? (size_t)n : left;
	if (FCGX_HasSeenEOF(fr->in) == EOF && FCGX_GetError(fr->in) == 0)
		(void)FCGX_Detach(fr);
	FCGX_Finish_r(fr);
}

/*
 * Sends the answer and frees the request.  lost: the request's batch
 * did not commit, so whatever it was to answer never happened; it
 * answers "busy, try again" instead, without the headers (a session
 * cookie of a session that does not exist) it had.
 */
static void
slot_finish(struct slot *s, int lost)
{
	if (lost) {
		memset(&s->req.resp, 0, sizeof(s->req.resp));
		respond_error(&s->req, ERR_BUSY);
	}
	http_write(&s->req, &s->fr);
	log_request(&s->req, &s->t0);
	http_req_clear(&s->req);
	finish_request(&s->fr);
	arena_reset(s->pool);
}

/*
 * Commits the batch, if one is open, then answers the n requests held
 * for it.
 */
static void
batch_flush(struct slot *slots, size_t n, struct db *db)
{
	size_t	 i;
	int	 lost;

	if (n > 1)
		log_debug("group commit: %zu requests", n);
	lost = db_batch_commit(db) != DB_OK;
	for (i = 0; i < n; i++)
		slot_finish(&slots[i], lost);
}

/*
 * Accepts the next request.  block: wait for one.  The listening socket
 * is non-blocking and shared by the pool's workers (the writer has its
 * own, lib/route.c "The writer"); an idle worker waits in
 * epoll with EPOLLEXCLUSIVE (epfd) so that a connection wakes one idle
 * worker, not all of them, and a connection another worker took first
 * means waiting again.  Without block, returns -1 at once when none is
 * waiting.
 */
static int
accept_request(FCGX_Request *fr, int epfd, int block)
{
	struct epoll_event	 ev;
	int			 rc;

	for (;;) {
		if (stopping)
			return -1;
		if ((rc = FCGX_Accept_r(fr)) >= 0)
			return 0;
		if (rc != -EAGAIN && rc != -EWOULDBLOCK && rc != -EINTR) {
			log_err("accept: %s", strerror(-rc));
			return -1;
		}
		if (!block)
			return -1;
		(void)epoll_wait(epfd, &ev, 1, -1);
	}
}

/* The idle workers' wait for the listening socket (accept_request()). */
static int
accept_wait_open(int listen_fd)
{
	struct epoll_event	 ev;
	int			 epfd;

	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		log_err("epoll_create1: %s", strerror(errno));
		return -1;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, listen_fd, &ev) == -1) {
		log_err("epoll_ctl: %s", strerror(errno));
		close(epfd);
		return -1;
	}
	return epfd;
}

static void
on_stop(int sig)
{
	(void)sig;
	stopping = 1;
	FCGX_ShutdownPending();
}

/*
 * Group commit.  A request on a ROUTE_BATCH route runs its transactions
 * inside one write transaction shared with the requests that follow it
 * (lib/db: savepoints), and its answer waits.  The worker goes on
 * accepting while requests are already waiting at the socket, up to
 * WRITE_BATCH_MAX of them, then commits them all at once and answers
 * them: one lock hand-over, one WAL append of the pages they share, one
 * cache reload in the other workers, instead of one of each per
 * request.  A request on any other route first ends the batch.  When no
 * one else is waiting the batch is a batch of one, answered at once.
 */
static void
serve_batches(const struct app *app, const struct conf *conf,
    struct db *db, struct slot *slots, int epfd)
{
	size_t		 n = 0;

	while (accept_request(&slots[n].fr, epfd, n == 0) == 0) {
		slot_start(&slots[n], app, conf, db);
		if (slots[n].run == NULL ||
		    !(slots[n].run->flags & ROUTE_BATCH)) {
			/* Not for a batch: answer the batch first. */
			batch_flush(slots, n, db);
			(void)db_batch_allow(db, 0);
			slot_run(&slots[n], db);
			slot_finish(&slots[n], 0);
			db_checkpoint_due(db);
			n = 0;
			continue;
		}
		(void)db_batch_allow(db, 1);
		slot_run(&slots[n], db);
		n++;
		if (!db_batch_open(db) || n == WRITE_BATCH_MAX) {
			batch_flush(slots, n, db);
			db_checkpoint_due(db);
			n = 0;
		}
	}
	/* Stopping, or nobody else waiting: answer what is held. */
	if (n > 0)
		batch_flush(slots, n, db);
	db_checkpoint_due(db);
}

static int
worker(const struct app *app, const struct conf *conf, int listen_fd)
{
	struct slot		*slots = NULL;
	struct db		*db = NULL;
	struct sigaction	 sa;
	char			 err[256];
	size_t			 i;
	int			 epfd = -1, rc = 1;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/*
	 * Keep freed memory: every request allocates and frees about the
	 * same (SQLite's pages, cJSON, libfcgi's buffers), and glibc's
	 * default gives the top of the heap back and takes it again with
	 * brk on many requests (perf: 3 % of a reserving worker in brk).
	 */
	(void)mallopt(M_TRIM_THRESHOLD, WORKER_HEAP_KEEP);
	(void)mallopt(M_MMAP_THRESHOLD, WORKER_HEAP_KEEP / 4);

	if ((db = db_open_conf(conf, 0, err, sizeof(err))) == NULL) {
		log_err("database: %s", err);
		goto out;
	}
	db_checkpoint_later(db);	/* after the answers (serve_batches) */
	(void)i18n_load(conf_str(conf, CONF_LOCALE_DIR));
	if (app->worker_init != NULL && app->worker_init(conf, db) == -1)
		goto out;
	if ((slots = calloc(WRITE_BATCH_MAX, sizeof(*slots))) == NULL)
		goto out;
	for (i = 0; i < WRITE_BATCH_MAX; i++)
		if ((slots[i].pool = arena_alloc()) == NULL ||
		    FCGX_InitRequest(&slots[i].fr, listen_fd, 0) != 0)
			goto out;
	if ((epfd = accept_wait_open(listen_fd)) == -1)
		goto out;
	while (!stopping)
		serve_batches(app, conf, db, slots, epfd);
	rc = 0;
out:
	if (epfd != -1)
		close(epfd);
	if (slots != NULL)
		for (i = 0; i < WRITE_BATCH_MAX; i++)
			arena_free(slots[i].pool);
	free(slots);
	db_close(db);
	return rc;
}

/*
 * Starts a worker accepting on listen_fd.  other_fd, the program's other
 * listening socket or -1, is closed in the worker: a pool worker never
 * holds the writer's socket, nor the writer the pool's.
 */
static pid_t
spawn(const struct app *app, const struct conf *conf, int listen_fd,
    int other_fd)
{
	pid_t	 pid;

	if ((pid = fork()) == -1) {
		log_err("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		if (other_fd != -1)
			close(other_fd);
		_exit(worker(app, conf, listen_fd));
	}
	return pid;
}

static void
usage(const char *name)
{
	fprintf(stderr, "usage: %s [-c conf] -s socket [-W writer-socket] "
	    "[-w workers]\n", name);
}

/* Do paths a (which exists) and b name the same file? */
static int
same_file(const char *a, const char *b)
{
	struct stat	 sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/*
 * Listens on the unix socket path, non-blocking: workers ask whether
 * more requests wait (group commit).  nginx, another user in
 * production, connects through the group (the socket directory's,
 * docs/operations.md), never as "other"; the process umask is the
 * service manager's (UMask=).  Returns the socket or -1.
 */
static int
listen_on(const char *path)
{
	mode_t	 old_mask;
	int	 fd;

	(void)unlink(path);
	old_mask = umask(007);
	fd = FCGX_OpenSocket(path, LISTEN_BACKLOG);
	umask(old_mask);
	if (fd < 0) {
		log_err("%s: cannot listen", path);
		return -1;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1) {
		log_err("%s: %s", path, strerror(errno));
		close(fd);
		(void)unlink(path);
		return -1;
	}
	return fd;
}

/*
 * The supervisor: keeps `workers` processes accepting on the socket, and
 * with a writer's socket (-W) one more process accepting on that one,
 * and restarts any that die (at most one restart per second each, so a
 * crash loop cannot spin).  SIGTERM/SIGINT stop everything.
 *
 * The writer.  nginx sends a program's short write routes (the
 * ROUTE_BATCH ones: reserve, use a ticket, create an order, and what
 * shares their paths) to the writer's socket, so that one process makes
 * those writes, whatever the number of workers.  SQLite drops a connection's
 * whole page cache when it finds another connection's commit, so two
 * processes writing in turn each read the b-trees again after every
 * batch of the other (perf: a first admission made 2.9 preads with two
 * workers against 0.16 with one, and was 13 % slower), and hand the
 * write lock over between them.  A single writer keeps its cache warm
 * and its lock uncontended, and its group commit (serve_batches) sees
 * every waiting write.  Any worker still serves any route: a write that
 * reaches the pool (an nginx without the writer's locations) is served
 * there, only not as fast.
 *
 * WAL checkpoints stay with the workers (SQLite's automatic checkpoint):
 * measured here, checkpointing from the supervisor once a second let the
 * WAL grow between checkpoints and made every write slower (reserve
 * 3.2k/s against 4.3k/s, docs/benchmarks.md).
 */
int
route_main(int argc, char *argv[], const struct app *app)
{
	struct conf		 conf;
	struct sigaction	 sa;
	const char		*conf_path, *sock = NULL, *wsock = NULL;
	pid_t			 pids[WORKERS_MAX + 1] = { 0 }, pid;
	int			 fds[WORKERS_MAX + 1];
	char			 err[512];
	long			 nworkers = -1;
	int			 c, i, n, fd = -1, wfd = -1, status, lvl, rc = 1;
	int64_t			 wv;

	conf_path = getenv("BILJETT_CONF");
	while ((c = getopt(argc, argv, "c:s:W:w:")) != -1) {
		switch (c) {
		case 'c':
			conf_path = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		case 'W':
			wsock = optarg;
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
	if ((fd = listen_on(sock)) == -1)
		goto out;
	if (wsock != NULL && same_file(sock, wsock)) {
		log_err("%s: the writer's socket is the workers' socket", wsock);
		goto out;
	}
	if (wsock != NULL && (wfd = listen_on(wsock)) == -1)
		goto out;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* Slots 0 .. nworkers-1 are the pool; the last, if any, the writer. */
	n = (int)nworkers;
	for (i = 0; i < n; i++)
		fds[i] = fd;
	if (wfd != -1)
		fds[n++] = wfd;
	for (i = 0; i < n; i++)
		pids[i] = spawn(app, &conf, fds[i], fds[i] == fd ? wfd : fd);

	if (wfd != -1)
		log_info("listening on %s with %ld workers, writer on %s",
		    sock, nworkers, wsock);
	else
		log_info("listening on %s with %ld workers", sock, nworkers);

	while (!stopping) {
		sleep(1);
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
			for (i = 0; i < n; i++) {
				if (pids[i] != pid)
					continue;
				pids[i] = 0;
				if (!stopping)
					log_warn("%s %ld exited (status %d); "
					    "restarting", fds[i] == wfd ?
					    "writer" : "worker", (long)pid,
					    status);
			}
		for (i = 0; i < n && !stopping; i++)
			if (pids[i] <= 0)
				pids[i] = spawn(app, &conf, fds[i],
				    fds[i] == fd ? wfd : fd);
	}

	for (i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	for (i = 0; i < n; i++)
		if (pids[i] > 0)
			(void)waitpid(pids[i], &status, 0);
	rc = 0;
out:
	if (fd != -1) {
		close(fd);
		(void)unlink(sock);
	}
	if (wfd != -1) {
		close(wfd);
		(void)unlink(wsock);
	}
	conf_clear(&conf);
	return rc;
}
