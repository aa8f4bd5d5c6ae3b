/*
 * Group commit (lib/db db_batch_*): the transactions of a batch are
 * savepoints inside one write transaction.  What must hold:
 *
 * - a transaction committed inside the batch is invisible to every
 *   other connection until the batch commits, and then all of them are
 *   there at once;
 * - a transaction rolled back inside the batch undoes itself alone;
 * - nesting is refused as without a batch, and a stray rollback
 *   outside any transaction leaves the batch alone;
 * - another connection's writer waits for the batch (the write lock is
 *   the batch's until it commits);
 * - a batch SQLite rolled back on its own (here: ROLLBACK run behind
 *   the transaction helpers' back) is reported lost, not committed;
 * - with batching off, transactions are what they always were.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "db.h"
#include "testdb.h"

static const char *const sql_create =
    "CREATE TABLE IF NOT EXISTS t (v INTEGER NOT NULL)";
static const char *const sql_insert = "INSERT INTO t (v) VALUES (?1)";
static const char *const sql_count = "SELECT count(*) FROM t";
static const char *const sql_sum = "SELECT coalesce(sum(v), 0) FROM t";
static const char *const sql_rollback = "ROLLBACK";

static char	path[] = "/tmp/biljett-test-db-batch-XXXXXX";

static int
insert(struct db *db, int64_t v)
{
	struct db_stmt	*st = db_stmt(db, sql_insert);

	return st != NULL && db_bind_int(st, 1, v) == 0 &&
	    db_exec(db, st) == DB_OK ? 0 : -1;
}

/* One transaction of the batch: insert v, then commit or roll back. */
static void
one_tx(struct db *db, int64_t v, int commit)
{
	CHECK(db_tx_immediate(db) == DB_OK);
	CHECK(insert(db, v) == 0);
	if (commit)
		CHECK(db_tx_commit(db) == DB_OK);
	else
		db_tx_rollback(db);
	CHECK(!db_in_tx(db));
}

static void
test_batch_commits_together(struct db *a, struct db *b)
{
	CHECK(db_batch_allow(a, 1) == 0);
	CHECK(!db_batch_open(a));
	one_tx(a, 1, 1);
	CHECK(db_batch_open(a));
	one_tx(a, 10, 0);		/* undone alone */
	one_tx(a, 100, 1);

	/* A read transaction of the batch sees the batch. */
	CHECK(db_tx_read(a) == DB_OK);
	CHECK(testdb_count(a, sql_sum, 0) == 101);
	CHECK(db_tx_commit(a) == DB_OK);

	/* Nesting refused; the batch goes on. */
	CHECK(db_tx_immediate(a) == DB_OK);
	CHECK(db_tx_immediate(a) == DB_ERROR);
	CHECK(db_tx_commit(a) == DB_OK);

	/* A stray rollback with no transaction open keeps the batch. */
	db_tx_rollback(a);
	CHECK(db_batch_open(a));
	CHECK(testdb_count(a, sql_sum, 0) == 101);

	/* Nobody else sees any of it yet, and nobody else may write. */
	CHECK(testdb_count(b, sql_count, 0) == 0);
	CHECK(db_tx_immediate(b) == DB_BUSY);

	/* Batching cannot be turned off with a batch open. */
	CHECK(db_batch_allow(a, 0) == -1);

	CHECK(db_batch_commit(a) == DB_OK);
	CHECK(!db_batch_open(a));
	CHECK(testdb_count(b, sql_sum, 0) == 101);
	CHECK(testdb_count(b, sql_count, 0) == 2);

	/* The lock is free again. */
	CHECK(db_tx_immediate(b) == DB_OK);
	CHECK(db_tx_commit(b) == DB_OK);

	/* Nothing open: committing is a no-op. */
	CHECK(db_batch_commit(a) == DB_OK);
}

static void
test_lost_batch(struct db *a, struct db *b)
{
	struct db_stmt	*st;
	int64_t		 before = testdb_count(b, sql_count, 0);

	one_tx(a, 5, 1);
	CHECK(db_batch_open(a));
	/* SQLite ending the transaction itself (a full disk, an I/O
	 * error) looks like this from the helpers. */
	st = db_stmt(a, sql_rollback);
	CHECK(st != NULL && db_exec(a, st) == DB_OK);
	CHECK(!db_batch_open(a));
	/* Joining it would commit on its own: refused. */
	CHECK(db_tx_immediate(a) == DB_ERROR);
	CHECK(!db_in_tx(a));
	CHECK(db_batch_commit(a) == DB_ERROR);
	CHECK(!db_batch_open(a));
	CHECK(testdb_count(b, sql_count, 0) == before);
	/* And the lock was let go. */
	CHECK(db_tx_immediate(b) == DB_OK);
	CHECK(db_tx_commit(b) == DB_OK);
}

static void
test_batching_off(struct db *a, struct db *b)
{
	int64_t	 before = testdb_count(b, sql_count, 0);

	CHECK(db_batch_allow(a, 0) == 0);
	one_tx(a, 7, 1);
	CHECK(!db_batch_open(a));
	CHECK(testdb_count(b, sql_count, 0) == before + 1);
	one_tx(a, 8, 0);
	CHECK(testdb_count(b, sql_count, 0) == before + 1);
}

/* The database and the files SQLite and lib/db keep next to it. */
static void
remove_db(void)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-wlock" };
	char	 p[sizeof(path) + 8];
	size_t	 i;

	for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", path, suffix[i]);
		unlink(p);
	}
}

int
main(void)
{
	struct db	*a = NULL, *b = NULL;
	struct db_stmt	*st;
	char		 err[256];
	int		 fd;

	if ((fd = mkstemp(path)) == -1) {
		perror("mkstemp");
		return 1;
	}
	close(fd);
	a = db_open(path, DB_OPEN_CREATE, 2000, err, sizeof(err));
	/* b gives up on the lock at once: it only asks whether it is free. */
	b = db_open(path, 0, 1, err, sizeof(err));
	CHECK(a != NULL && b != NULL);
	if (a == NULL || b == NULL)
		goto out;
	st = db_stmt(a, sql_create);
	CHECK(st != NULL && db_exec(a, st) == DB_OK);

	test_batch_commits_together(a, b);
	test_lost_batch(a, b);
	test_batching_off(a, b);
out:
	db_close(a);
	db_close(b);
	remove_db();
	return CHECK_DONE();
}
