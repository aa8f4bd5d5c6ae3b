/*
 * SQLite connection, statement cache, transactions and migrations.
 */
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "conf.h"
#include "db.h"
#include "limits.h"
#include "log.h"

/* Statement cache: open addressing keyed by the SQL text's address. */
#define STMT_SLOTS	512

/*
 * What storage modules hold as an opaque struct db_stmt: a cache slot,
 * so that a second backend (db_pg.c) can keep its own kind of handle.
 */
struct db_stmt {
	const char	*sql;
	sqlite3_stmt	*st;
};

struct db {
	sqlite3			*h;
	long			 busy_ms;
	struct timespec		 busy_start;
	int			 in_tx;
	int			 batching;	/* db_batch_allow() */
	int			 batch_open;	/* the batch's BEGIN IMMEDIATE */
	int			 in_savepoint;	/* in_tx is a savepoint */
	int			 lock_fd;	/* the writers' queue, or -1 */
	int			 locked;	/* we hold it */
	int			 wal_frames;	/* after our last commit */
	int			 wal_copied;	/* of them, back in the file */
	struct db_stmt		 cache[STMT_SLOTS];
};

/* The embedded migrations, generated from sql/ by the Makefile. */
struct migration {
	int		 version;
	const char	*name;
	const char	*sql;
};
extern const struct migration	migrations[];
extern const size_t		nmigrations;

static const char *const sql_begin_immediate = "BEGIN IMMEDIATE";
static const char *const sql_begin = "BEGIN";
static const char *const sql_commit = "COMMIT";
static const char *const sql_rollback = "ROLLBACK";
static const char *const sql_savepoint = "SAVEPOINT tx";
static const char *const sql_release = "RELEASE tx";
static const char *const sql_rollback_to = "ROLLBACK TO tx";
static const char *const sql_data_version = "PRAGMA data_version";

static long
elapsed_ms(const struct timespec *since)
{
	struct timespec	 now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) * 1000 +
	    (now.tv_nsec - since->tv_nsec) / 1000000;
}

/*
 * The busy handler.  SQLite's own busy_timeout sleeps up to 100 ms at a
 * time, which is unfair under load (a waiter can sleep through many
 * commits).  Short sleeps, growing to 1 ms, keep the queue moving; the
 * total wait is bounded by busy_ms, after which the caller sees DB_BUSY.
 */
static int
busy_handler(void *arg, int count)
{
	struct db	*db = arg;
	long		 us;

	if (count == 0)
		clock_gettime(CLOCK_MONOTONIC, &db->busy_start);
	else if (elapsed_ms(&db->busy_start) >= db->busy_ms)
		return 0;
	us = count < 10 ? 50 : count < 100 ? 250 : 1000;
	usleep((useconds_t)us);
	return 1;
}

static enum db_rc
rc_of(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return DB_OK;
	case SQLITE_CONSTRAINT:
		return DB_CONSTRAINT;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return DB_BUSY;
	default:
		return DB_ERROR;
	}
}

static int
pragma(struct db *db, const char *sql, char *err, size_t errsz)
{
	char	*msg = NULL;

	if (sqlite3_exec(db->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errsz, "%s: %s", sql, msg ? msg : "failed");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/*
 * The writers' queue.  SQLite lets a waiting writer only poll for the
 * write lock, so under load waiters sleep through commits and the lock
 * sits idle between them (measured: two workers reserving did less than
 * one).  Every writer therefore first takes an exclusive OFD lock on
 * "<database>-wlock", blocking in the kernel, which wakes the next
 * writer the moment the previous one commits.  The wait is bounded by
 * busy_ms with an interval timer; then the caller sees DB_BUSY.
 */
static void
on_alarm(int sig)
{
	(void)sig;
}

static int
writer_queue_open(struct db *db, const char *path, char *err, size_t errsz)
{
	struct sigaction	 sa;
	char			 lockpath[4096];

	if ((size_t)snprintf(lockpath, sizeof(lockpath), "%s-wlock", path) >=
	    sizeof(lockpath)) {
		snprintf(err, errsz, "%s: path too long", path);
		return -1;
	}
	if ((db->lock_fd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC,
	    0660)) == -1) {
		snprintf(err, errsz, "%s: %s", lockpath, strerror(errno));
		return -1;
	}
	/* SIGALRM interrupts a blocked wait (no SA_RESTART). */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	return 0;
}

static enum db_rc
writer_queue_enter(struct db *db)
{
	struct flock		 fl;
	struct itimerval	 it, off;
	int			 rc;

	if (db->lock_fd == -1)
		return DB_OK;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(db->lock_fd, F_OFD_SETLK, &fl) == 0) {
		db->locked = 1;
		return DB_OK;
	}
	memset(&it, 0, sizeof(it));
	memset(&off, 0, sizeof(off));
	it.it_value.tv_sec = db->busy_ms / 1000;
	it.it_value.tv_usec = (db->busy_ms % 1000) * 1000;
	setitimer(ITIMER_REAL, &it, NULL);
	rc = fcntl(db->lock_fd, F_OFD_SETLKW, &fl);
	setitimer(ITIMER_REAL, &off, NULL);
	if (rc == -1) {
		log_warn("write lock: %s after %ld ms", errno == EINTR ?
		    "still busy" : strerror(errno), db->busy_ms);
		return errno == EINTR ? DB_BUSY : DB_ERROR;
	}
	db->locked = 1;
	return DB_OK;
}

static void
writer_queue_leave(struct db *db)
{
	struct flock	 fl;

	if (!db->locked)
		return;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_UNLCK;
	fl.l_whence = SEEK_SET;
	(void)fcntl(db->lock_fd, F_OFD_SETLK, &fl);
	db->locked = 0;
}

/* sqlite3_wal_hook: notes the WAL's length after each commit of ours,
 * instead of checkpointing there (db_checkpoint_later()). */
static int
wal_noted(void *arg, sqlite3 *h, const char *name, int frames)
{
	struct db	*db = arg;

	(void)h;
	(void)name;
	db->wal_frames = frames;
	return SQLITE_OK;
}

void
db_checkpoint_later(struct db *db)
{
	(void)sqlite3_wal_hook(db->h, wal_noted, db);
}

/* A passive checkpoint: never waits for readers or writers; what it
 * cannot copy now, a later one does. */
static void
checkpoint_passive(struct db *db)
{
	int	 frames, copied;

	if (sqlite3_wal_checkpoint_v2(db->h, NULL, SQLITE_CHECKPOINT_PASSIVE,
	    &frames, &copied) == SQLITE_OK && copied >= 0)
		db->wal_copied = copied;
	else
		db->wal_copied = db->wal_frames;
}

void
db_checkpoint_due(struct db *db)
{
	/* The WAL starts again from its beginning once all of it is back
	 * in the database file and nobody reads it. */
	if (db->wal_frames < db->wal_copied)
		db->wal_copied = 0;
	/*
	 * Due when WAL_CHECKPOINT_FRAMES more frames than the last
	 * checkpoint copied have piled up (SQLite's own rule, the WAL's
	 * whole length, checkpoints after every commit while a reader keeps
	 * the WAL from starting over: each with its two fdatasync()s).
	 */
	if (db->in_tx || db->wal_frames - db->wal_copied <
	    WAL_CHECKPOINT_FRAMES)
		return;
	if (db->wal_frames < WAL_RESTART_FRAMES) {
		checkpoint_passive(db);
		return;
	}
	/*
	 * SQLite starts the WAL over only when a write begins with all of
	 * it copied, and with two workers writing one had always begun
	 * before the other's checkpoint ended: the WAL grew by 40 MB a
	 * second under load and never started over.  So once it is long,
	 * checkpoint inside the writers' queue, where no write is under way
	 * and no other long-WAL checkpoint competes: the next write starts
	 * it over.  Not every time: the queue waits for the checkpoint's
	 * fdatasync()s (measured: 10 % fewer reservations when done at
	 * every one).
	 */
	if (writer_queue_enter(db) != DB_OK) {
		db->wal_copied = db->wal_frames;	/* try again later */
		return;
	}
	checkpoint_passive(db);
	writer_queue_leave(db);
}

struct db *
db_open(const char *path, unsigned flags, long busy_ms, char *err,
    size_t errsz)
{
	struct db	*db;
	int		 oflags;

	if ((db = calloc(1, sizeof(*db))) == NULL) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	db->busy_ms = busy_ms > 0 ? busy_ms : DB_BUSY_MS_DEFAULT;
	db->lock_fd = -1;
	oflags = SQLITE_OPEN_NOMUTEX | ((flags & DB_OPEN_READONLY) ?
	    SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE);
	if (flags & DB_OPEN_CREATE)
		oflags |= SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &db->h, oflags, NULL) != SQLITE_OK) {
		snprintf(err, errsz, "%s: %s", path,
		    db->h ? sqlite3_errmsg(db->h) : "cannot open");
		goto err;
	}
	sqlite3_extended_result_codes(db->h, 1);
	sqlite3_busy_handler(db->h, busy_handler, db);
	if (!(flags & DB_OPEN_READONLY) &&
	    pragma(db, "PRAGMA journal_mode=WAL", err, errsz) == -1)
		goto err;
	/*
	 * No memory-mapped I/O.  With several writer processes, every
	 * commit by one makes the others drop their view of the file on
	 * their next transaction: SQLite unmaps and maps the database again
	 * each time (strace: a munmap and an mmap per reservation), and each
	 * munmap is a TLB shootdown across CPUs (perf: 8 % of the workers'
	 * time in smp_call_function_many_cond under do_vmi_munmap).  Plain
	 * reads cost no such thing.  Measured with 2 workers: reservations
	 * 1,490 -> 2,380/s; 1 worker unchanged (docs/benchmarks.md).
	 */
	if (pragma(db, "PRAGMA mmap_size=0", err, errsz) == -1 ||
	    pragma(db, "PRAGMA cache_size=-16384", err, errsz) == -1 ||
	    pragma(db, "PRAGMA temp_store=MEMORY", err, errsz) == -1)
		goto err;
	/*
	 * A WAL that grew (a long reader, a big import) is cut back to 64
	 * MiB when it starts over; it would otherwise keep its largest size
	 * on disk for good.
	 */
	if (!(flags & DB_OPEN_READONLY) && pragma(db,
	    "PRAGMA journal_size_limit=67108864", err, errsz) == -1)
		goto err;
	if (pragma(db, "PRAGMA foreign_keys=ON", err, errsz) == -1 ||
	    pragma(db, (flags & DB_OPEN_SYNC_FULL) ?
	    "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL",
	    err, errsz) == -1)
		goto err;
	/*
	 * WAL checkpoints are SQLite's automatic ones (wal_autocheckpoint)
	 * unless the program moves them after its answers (the workers:
	 * db_checkpoint_later()).  Checkpointing from the supervisor once a
	 * second instead was measured slower (docs/benchmarks.md).
	 */
	if (!(flags & DB_OPEN_READONLY) && writer_queue_open(db, path, err,
	    errsz) == -1)
		goto err;
	return db;
err:
	db_close(db);
	return NULL;
}

struct db *
db_open_conf(const struct conf *conf, unsigned flags, char *err,
    size_t errsz)
{
	if (strcmp(conf_str(conf, CONF_SYNC), "full") == 0)
		flags |= DB_OPEN_SYNC_FULL;
	return db_open(conf_str(conf, CONF_DATABASE), flags,
	    conf_int(conf, CONF_BUSY_TIMEOUT_MS, DB_BUSY_MS_DEFAULT), err,
	    errsz);
}

void
db_close(struct db *db)
{
	size_t	 i;

	if (db == NULL)
		return;
	for (i = 0; i < STMT_SLOTS; i++)
		sqlite3_finalize(db->cache[i].st);
	sqlite3_close(db->h);
	if (db->lock_fd != -1)
		close(db->lock_fd);
	free(db);
}

struct db_stmt *
db_stmt(struct db *db, const char *sql)
{
	size_t		 i, start;
	sqlite3_stmt	*st;

	start = i = ((uintptr_t)sql >> 3) % STMT_SLOTS;
	do {
		if (db->cache[i].sql == sql) {
			/* Cheap, and a forgotten reset cannot leak state. */
			db_reset(&db->cache[i]);
			return &db->cache[i];
		}
		if (db->cache[i].sql == NULL)
			break;
		i = (i + 1) % STMT_SLOTS;
	} while (i != start);

	if (sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &st, NULL) != SQLITE_OK) {
		log_err("prepare: %s: %s", sqlite3_errmsg(db->h), sql);
		return NULL;
	}
	if (db->cache[i].sql != NULL) {
		/* Full table: a programming error, but keep serving. */
		log_warn("statement cache full");
		sqlite3_finalize(db->cache[i].st);
	}
	db->cache[i].sql = sql;
	db->cache[i].st = st;
	return &db->cache[i];
}

static int
bind_check(sqlite3_stmt *st, int rc, int i)
{
	if (rc == SQLITE_OK)
		return 0;
	log_err("bind %d: %s", i, sqlite3_errmsg(sqlite3_db_handle(st)));
	return -1;
}

int
db_bind_int(struct db_stmt *s, int i, int64_t v)
{
	return bind_check(s->st, sqlite3_bind_int64(s->st, i, v), i);
}

int
db_bind_text(struct db_stmt *s, int i, const char *text)
{
	if (text == NULL)
		return db_bind_null(s, i);
	return bind_check(s->st, sqlite3_bind_text(s->st, i, text, -1,
	    SQLITE_TRANSIENT), i);
}

int
db_bind_textn(struct db_stmt *s, int i, const char *text, size_t len)
{
	if (len > INT32_MAX)
		return -1;
	return bind_check(s->st, sqlite3_bind_text(s->st, i, text, (int)len,
	    SQLITE_TRANSIENT), i);
}

int
db_bind_blob(struct db_stmt *s, int i, const void *p, size_t len)
{
	if (len > INT32_MAX)
		return -1;
	return bind_check(s->st, sqlite3_bind_blob(s->st, i, p, (int)len,
	    SQLITE_TRANSIENT), i);
}

int
db_bind_null(struct db_stmt *s, int i)
{
	return bind_check(s->st, sqlite3_bind_null(s->st, i), i);
}

void
db_reset(struct db_stmt *s)
{
	if (s == NULL || s->st == NULL)
		return;
	sqlite3_reset(s->st);
	sqlite3_clear_bindings(s->st);
}

enum db_rc
db_step(struct db *db, struct db_stmt *s)
{
	int		 rc;
	enum db_rc	 out;

	rc = sqlite3_step(s->st);
	if (rc == SQLITE_ROW)
		return DB_OK;
	if (rc == SQLITE_DONE)
		return DB_NOTFOUND;
	out = rc_of(rc);
	if (out == DB_ERROR)
		log_err("step: %s: %s", sqlite3_errmsg(db->h),
		    sqlite3_sql(s->st));
	else if (out == DB_BUSY)
		log_warn("step: database busy after %ld ms", db->busy_ms);
	db_reset(s);
	return out;
}

enum db_rc
db_exec(struct db *db, struct db_stmt *s)
{
	enum db_rc	 rc;

	while ((rc = db_step(db, s)) == DB_OK)
		continue;
	if (rc == DB_NOTFOUND) {
		db_reset(s);
		return DB_OK;
	}
	return rc;
}

const char *
db_path(struct db *db)
{
	const char	*p = sqlite3_db_filename(db->h, "main");

	return p != NULL ? p : "";
}

int
db_param_count(struct db_stmt *s)
{
	return sqlite3_bind_parameter_count(s->st);
}

int64_t
db_col_int(struct db_stmt *s, int i)
{
	return sqlite3_column_int64(s->st, i);
}

const char *
db_col_text(struct db_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s->st, i);
}

int
db_col_isnull(struct db_stmt *s, int i)
{
	return sqlite3_column_type(s->st, i) == SQLITE_NULL;
}

const void *
db_col_blob(struct db_stmt *s, int i, size_t *len)
{
	const void	*p = sqlite3_column_blob(s->st, i);

	*len = (size_t)sqlite3_column_bytes(s->st, i);
	return p;
}

int64_t
db_changes(struct db *db)
{
	return sqlite3_changes64(db->h);
}

enum db_rc
db_prune(struct db *db, const char *sql, int64_t before, size_t max,
    int64_t *deleted)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	*deleted = 0;
	if ((rc = db_tx_immediate(db)) != DB_OK)
		return rc;
	if ((st = db_stmt(db, sql)) == NULL ||
	    db_bind_int(st, 1, before) == -1 ||
	    db_bind_int(st, 2, (int64_t)max) == -1)
		rc = DB_ERROR;
	else if ((rc = db_exec(db, st)) == DB_OK) {
		*deleted = db_changes(db);
		rc = db_tx_commit(db);
	}
	if (rc != DB_OK) {
		db_tx_rollback(db);
		*deleted = 0;
	}
	return rc;
}

enum db_rc
db_insert_id(struct db *db, struct db_stmt *s, int64_t *id)
{
	enum db_rc	 rc;

	if ((rc = db_step(db, s)) != DB_OK)
		return rc == DB_NOTFOUND ? DB_ERROR : rc;
	*id = db_col_int(s, 0);
	return db_exec(db, s);
}

/* Runs one of the transaction statements above. */
static enum db_rc
tx_exec(struct db *db, const char *sql)
{
	struct db_stmt	*st;

	if ((st = db_stmt(db, sql)) == NULL)
		return DB_ERROR;
	return db_exec(db, st);
}

/* A transaction inside the batch: opens the batch first if need be. */
static enum db_rc
tx_begin_batched(struct db *db, int immediate)
{
	enum db_rc	 rc;

	if (db->batch_open && sqlite3_get_autocommit(db->h)) {
		/* SQLite ended the batch: joining it would commit alone. */
		log_err("the batch was rolled back by SQLite; not joined");
		return DB_ERROR;
	}
	if (!db->batch_open) {
		if (!immediate)
			return DB_NOTFOUND;	/* an ordinary read */
		if ((rc = writer_queue_enter(db)) != DB_OK)
			return rc;
		if ((rc = tx_exec(db, sql_begin_immediate)) != DB_OK) {
			writer_queue_leave(db);
			return rc;
		}
		db->batch_open = 1;
	}
	if ((rc = tx_exec(db, sql_savepoint)) != DB_OK)
		return rc;
	db->in_tx = 1;
	db->in_savepoint = 1;
	return DB_OK;
}

static enum db_rc
tx_begin(struct db *db, const char *sql)
{
	enum db_rc	 rc;

	if (db->in_tx) {
		log_err("transaction already open (nesting refused)");
		return DB_ERROR;
	}
	if (db->batching && (rc = tx_begin_batched(db,
	    sql == sql_begin_immediate)) != DB_NOTFOUND)
		return rc;
	if (sql == sql_begin_immediate &&
	    (rc = writer_queue_enter(db)) != DB_OK)
		return rc;
	if ((rc = tx_exec(db, sql)) == DB_OK)
		db->in_tx = 1;
	else
		writer_queue_leave(db);
	return rc;
}

enum db_rc
db_tx_immediate(struct db *db)
{
	return tx_begin(db, sql_begin_immediate);
}

enum db_rc
db_tx_read(struct db *db)
{
	return tx_begin(db, sql_begin);
}

enum db_rc
db_tx_commit(struct db *db)
{
	enum db_rc	 rc;

	if (!db->in_tx) {
		log_err("commit without a transaction");
		return DB_ERROR;
	}
	if (db->in_savepoint) {
		if ((rc = tx_exec(db, sql_release)) != DB_OK)
			db_tx_rollback(db);
		db->in_tx = db->in_savepoint = 0;
		return rc;
	}
	if ((rc = tx_exec(db, sql_commit)) != DB_OK)
		db_tx_rollback(db);
	db->in_tx = 0;
	writer_queue_leave(db);
	return rc;
}

void
db_tx_rollback(struct db *db)
{
	if (db->in_savepoint) {
		/* This transaction only; the batch goes on.  A lost batch
		 * (autocommit again) is db_batch_commit()'s to report. */
		if (!sqlite3_get_autocommit(db->h) &&
		    tx_exec(db, sql_rollback_to) == DB_OK)
			(void)tx_exec(db, sql_release);
		db->in_tx = db->in_savepoint = 0;
		return;
	}
	if (db->batch_open)
		return;		/* no transaction of ours: keep the batch's */
	if (!sqlite3_get_autocommit(db->h))
		(void)tx_exec(db, sql_rollback);
	db->in_tx = 0;
	writer_queue_leave(db);
}

int
db_batch_allow(struct db *db, int on)
{
	if (!on && db->batch_open) {
		log_err("batching turned off with a batch open");
		return -1;
	}
	db->batching = on != 0;
	return 0;
}

int
db_batch_open(const struct db *db)
{
	return db->batch_open && !sqlite3_get_autocommit(db->h);
}

enum db_rc
db_batch_commit(struct db *db)
{
	enum db_rc	 rc = DB_OK;

	if (!db->batch_open)
		return DB_OK;
	if (db->in_tx) {
		log_err("batch committed inside a transaction; rolled back");
		db_tx_rollback(db);
	}
	if (sqlite3_get_autocommit(db->h)) {
		log_err("the batch was rolled back by SQLite: all of it lost");
		rc = DB_ERROR;
	} else if ((rc = tx_exec(db, sql_commit)) != DB_OK) {
		log_err("batch commit failed: all of it lost");
		if (!sqlite3_get_autocommit(db->h))
			(void)tx_exec(db, sql_rollback);
	}
	db->batch_open = 0;
	writer_queue_leave(db);
	return rc;
}

int
db_in_tx(const struct db *db)
{
	return db->in_tx;
}

enum db_rc
db_exec_script(struct db *db, const char *sql, char *err, size_t errsz)
{
	char	*msg = NULL;
	int	 rc;

	if ((rc = sqlite3_exec(db->h, sql, NULL, NULL, &msg)) != SQLITE_OK) {
		snprintf(err, errsz, "%s", msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return rc_of(rc) == DB_OK ? DB_ERROR : rc_of(rc);
	}
	return DB_OK;
}

enum db_rc
db_migrate(struct db *db, int *applied, char *err, size_t errsz)
{
	static const char *const sql_create =
	    "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    " version INTEGER PRIMARY KEY,"
	    " name TEXT NOT NULL,"
	    " applied_at INTEGER NOT NULL)";
	static const char *const sql_has =
	    "SELECT 1 FROM schema_migrations WHERE version = ?";
	static const char *const sql_record =
	    "INSERT INTO schema_migrations (version, name, applied_at) "
	    "VALUES (?, ?, strftime('%s','now'))";
	struct db_stmt	*st;
	size_t		 i;
	enum db_rc	 rc;

	*applied = 0;
	if (db_exec_script(db, sql_create, err, errsz) != DB_OK)
		return DB_ERROR;
	for (i = 0; i < nmigrations; i++) {
		if ((rc = db_tx_immediate(db)) != DB_OK) {
			snprintf(err, errsz, "cannot lock the database");
			return rc;
		}
		if ((st = db_stmt(db, sql_has)) == NULL ||
		    db_bind_int(st, 1, migrations[i].version) == -1)
			goto fail;
		rc = db_step(db, st);
		db_reset(st);
		if (rc == DB_OK) {
			db_tx_rollback(db);
			continue;
		}
		if (rc != DB_NOTFOUND)
			goto fail;
		if (db_exec_script(db, migrations[i].sql, err, errsz) !=
		    DB_OK) {
			db_tx_rollback(db);
			return DB_ERROR;
		}
		if ((st = db_stmt(db, sql_record)) == NULL ||
		    db_bind_int(st, 1, migrations[i].version) == -1 ||
		    db_bind_text(st, 2, migrations[i].name) == -1 ||
		    db_exec(db, st) != DB_OK ||
		    db_tx_commit(db) != DB_OK)
			goto fail;
		log_info("migration %03d %s applied", migrations[i].version,
		    migrations[i].name);
		(*applied)++;
	}
	return DB_OK;
fail:
	db_tx_rollback(db);
	snprintf(err, errsz, "migration failed: %s", sqlite3_errmsg(db->h));
	return DB_ERROR;
}

int64_t
db_data_version(struct db *db)
{
	struct db_stmt	*st;
	int64_t		 v = -1;

	if ((st = db_stmt(db, sql_data_version)) == NULL)
		return -1;
	if (db_step(db, st) == DB_OK)
		v = db_col_int(st, 0);
	db_reset(st);
	return v;
}

enum db_rc
db_backup(struct db *db, const char *path, char *err, size_t errsz)
{
	sqlite3		*dst = NULL;
	sqlite3_backup	*b;
	int		 rc;

	if (sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		snprintf(err, errsz, "%s: %s", path,
		    dst ? sqlite3_errmsg(dst) : "cannot open");
		sqlite3_close(dst);
		return DB_ERROR;
	}
	if ((b = sqlite3_backup_init(dst, "main", db->h, "main")) == NULL) {
		snprintf(err, errsz, "backup: %s", sqlite3_errmsg(dst));
		sqlite3_close(dst);
		return DB_ERROR;
	}
	/* Copy in steps so writers are not locked out for long. */
	do {
		rc = sqlite3_backup_step(b, 256);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			usleep(10000);
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		snprintf(err, errsz, "backup: %s", sqlite3_errstr(rc));
		sqlite3_close(dst);
		return DB_ERROR;
	}
	rc = sqlite3_close(dst);
	return rc == SQLITE_OK ? DB_OK : DB_ERROR;
}
