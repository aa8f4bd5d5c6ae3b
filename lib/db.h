/*
 * SQLite access: one connection per process, WAL, foreign keys, a short
 * bounded busy handler, statements prepared once and cached, a
 * transaction helper that refuses to nest, and the migration runner.
 *
 * SQL lives in static tables of the storage modules (lib/catalog.c,
 * lib/order.c, ...), never built from input; they run it through
 * db_stmt() by pointer, which prepares it once per connection.
 */
#ifndef BILJETT_DB_H
#define BILJETT_DB_H

#include <stddef.h>
#include <stdint.h>

struct conf;
struct db;
struct db_stmt;		/* a prepared statement, opaque */

/* Outcomes.  "Not found" and "constraint" are answers, not failures. */
enum db_rc {
	DB_OK = 0,
	DB_NOTFOUND,
	DB_CONSTRAINT,
	DB_BUSY,
	DB_ERROR,
	DB__MAX
};

#define DB_OPEN_CREATE		0x01u	/* create the file if missing */
#define DB_OPEN_SYNC_FULL	0x04u	/* synchronous=FULL, not NORMAL */
#define DB_OPEN_READONLY	0x08u

/*
 * Opens path.  busy_ms bounds how long a statement waits for a lock
 * before DB_BUSY.  Returns NULL with a reason in err on failure.  Close
 * with db_close().
 */
struct db	*db_open(const char *path, unsigned flags, long busy_ms,
		    char *err, size_t errsz);
/*
 * Opens the configured database (database, sync, busy_timeout_ms) with
 * flags: the one way programs and the CLI open it.
 */
struct db	*db_open_conf(const struct conf *conf, unsigned flags,
		    char *err, size_t errsz);
/* The database file's absolute path ("" for an in-memory database). */
const char	*db_path(struct db *db);
/* Finalises cached statements and closes.  NULL-safe. */
void		 db_close(struct db *db);

/*
 * Returns the cached prepared statement for sql (keyed by the pointer,
 * so pass a string from a static table), reset and with no bindings, or
 * NULL on error (logged).  Do not finalise it.
 */
struct db_stmt	*db_stmt(struct db *db, const char *sql);

/* Binding by position (1-based).  Return 0 or -1 (logged). */
int		 db_bind_int(struct db_stmt *st, int i, int64_t v);
int		 db_bind_text(struct db_stmt *st, int i, const char *s);
int		 db_bind_textn(struct db_stmt *st, int i, const char *s,
		    size_t len);
int		 db_bind_blob(struct db_stmt *st, int i, const void *p,
		    size_t len);
int		 db_bind_null(struct db_stmt *st, int i);
/* How many parameters the statement takes. */
int		 db_param_count(struct db_stmt *st);

/*
 * Steps once.  Returns DB_OK when a row is available, DB_NOTFOUND when
 * done, else DB_CONSTRAINT/DB_BUSY/DB_ERROR (and resets the statement).
 */
enum db_rc	 db_step(struct db *db, struct db_stmt *st);
/* Steps a statement that returns no rows to completion and resets it. */
enum db_rc	 db_exec(struct db *db, struct db_stmt *st);
/* Resets a statement after reading rows. */
void		 db_reset(struct db_stmt *st);

/* Column readers; text is valid until the next step or reset. */
int64_t		 db_col_int(struct db_stmt *st, int i);
const char	*db_col_text(struct db_stmt *st, int i);	/* NULL if NULL */
int		 db_col_isnull(struct db_stmt *st, int i);
const void	*db_col_blob(struct db_stmt *st, int i, size_t *len);

/* Rows changed by the last statement. */
int64_t		 db_changes(struct db *db);
/*
 * Pruning: runs sql, a DELETE of at most ?2 rows that ended before ?1,
 * in one short write transaction, and says in *deleted how many went
 * (fewer than max: nothing else is due).  Returns DB_OK, DB_BUSY or
 * DB_ERROR (then nothing went).
 */
enum db_rc	 db_prune(struct db *db, const char *sql, int64_t before,
		    size_t max, int64_t *deleted);
/*
 * Runs an INSERT that ends in "RETURNING id" (SQL that PostgreSQL takes
 * too, unlike last_insert_rowid()) and stores the new row's id.  Returns
 * DB_OK, DB_CONSTRAINT, DB_BUSY or DB_ERROR (also for a statement that
 * returns no row).
 */
enum db_rc	 db_insert_id(struct db *db, struct db_stmt *st, int64_t *id);

/*
 * Checkpoints on the caller's schedule.  SQLite's own automatic
 * checkpoint runs inside the commit that crosses its threshold (1,000
 * pages of WAL): a write of the pages back and two fdatasync()s, while
 * the answers of that commit -- a whole batch of them (route.c) -- wait.
 * After db_checkpoint_later() commits only note the WAL's length, and
 * db_checkpoint_due(), called once the answers are out, runs a passive
 * checkpoint when the WAL has reached WAL_CHECKPOINT_FRAMES (outside a
 * transaction only).
 */
#define WAL_CHECKPOINT_FRAMES	1000
/* ...and makes sure the WAL starts over once it is this long (32 MiB). */
#define WAL_RESTART_FRAMES	8192
void		 db_checkpoint_later(struct db *db);
void		 db_checkpoint_due(struct db *db);

/*
 * Transactions.  db_tx_immediate takes the write lock at once (BEGIN
 * IMMEDIATE) so check-then-write sequences cannot race; db_tx_read opens
 * a consistent read snapshot (BEGIN).  Both refuse to nest (DB_ERROR).
 * Returns DB_OK, DB_BUSY after busy_ms, or DB_ERROR.
 */
enum db_rc	 db_tx_immediate(struct db *db);
enum db_rc	 db_tx_read(struct db *db);
enum db_rc	 db_tx_commit(struct db *db);
/* Rolls back if a transaction is open; safe to call anyway. */
void		 db_tx_rollback(struct db *db);
/* Is a transaction open? */
int		 db_in_tx(const struct db *db);

/*
 * Group commit.  While batching is on, the first db_tx_immediate() opens
 * one write transaction (the batch) and every transaction after it,
 * immediate or read, is a savepoint inside it: db_tx_commit() releases
 * the savepoint, db_tx_rollback() undoes that transaction alone.
 * Nothing is durable, and nothing may be told to anyone, until
 * db_batch_commit() commits the batch; when that fails every
 * transaction of the batch is lost together.  lib/route uses this for
 * routes flagged ROUTE_BATCH: short writes with no outside I/O.
 *
 * db_batch_allow(db, 1) turns batching on; db_batch_allow(db, 0) turns
 * it off and refuses (-1) while a batch is open.  db_batch_open() says
 * whether a batch holds the write lock and can take more transactions
 * (0 too once SQLite has ended it; then db_batch_commit() reports the
 * loss, and joining it fails with DB_ERROR).  db_batch_commit() commits it
 * (DB_OK when none is open) and releases the lock; it returns DB_ERROR
 * when the batch was lost earlier (SQLite rolls a whole transaction
 * back on some errors, e.g. a full disk).
 */
int		 db_batch_allow(struct db *db, int on);
int		 db_batch_open(const struct db *db);
enum db_rc	 db_batch_commit(struct db *db);

/*
 * Applies every migration in the embedded list (sql/NNN_*.sql, built into
 * lib/migrations.c) not yet in schema_migrations, each in its own
 * transaction.  Returns DB_OK or DB_ERROR with a reason in err; *applied
 * counts the migrations applied now.
 */
enum db_rc	 db_migrate(struct db *db, int *applied, char *err,
		    size_t errsz);

/* PRAGMA data_version: changes whenever another connection commits. */
int64_t		 db_data_version(struct db *db);

/* Runs trusted SQL text (our own scripts only, never input). */
enum db_rc	 db_exec_script(struct db *db, const char *sql, char *err,
		    size_t errsz);

/* Copies the live database to path with the online backup API. */
enum db_rc	 db_backup(struct db *db, const char *path, char *err,
		    size_t errsz);

#endif
