/*
 * The door's look-up journal and the checkins rows it becomes (see
 * scanlog.h for why).
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "log.h"
#include "scanlog.h"

#define JOURNAL_SUFFIX		"-scans"	/* "<db>-scans.<pid>.<time>.<n>" */
#define JOURNAL_NEW_SUFFIX	"-scans-new"	/* one being created */
#define JOURNAL_PATH_MAX	4096
/* A code as written: a short code or a signed QR's content, whole
 * (SCAN_ID_MAX in lib/scan.h, which includes this header). */
#define JOURNAL_ID_MAX		160
#define JOURNAL_LINE_MAX	512
#define JOURNAL_BATCH_MAX	(64 * 1024 * 1024)	/* bytes read at once */
#define JOURNAL_ROTATE_BYTES	(4 * 1024 * 1024)	/* then a new file */
#define JOURNAL_NEW_STALE	3600	/* seconds: a creation that died */
#define BATCHES_KEEP_SECONDS	(7 * 86400)

enum stmt {
	STMT_CHECKIN,
	STMT_BATCH_SIZE,
	STMT_BATCH_RECORD,
	STMT_BATCHES_PRUNE,
	STMT__MAX
};

static const char *const stmts[] = {
	[STMT_CHECKIN] =
	    "INSERT INTO checkins (ticket_id, external_id, scanner_id,"
	    " use_ticket, times_used, result, at, user_id, direction, event_id)"
	    " VALUES (nullif(?1, 0), ?2, nullif(?3, 0), ?4, ?5, ?6, ?7,"
	    " nullif(?8, 0), ?9, (SELECT t.event_id FROM tickets t"
	    " WHERE t.id = ?1))",
	/* NULL size: a batch of the earlier design, already whole in. */
	[STMT_BATCH_SIZE] =
	    "SELECT size FROM scanlog_batches WHERE name = ?1",
	/* Also for a file with nothing new: a file still there is never
	 * pruned (its record says how much of it is in already). */
	[STMT_BATCH_RECORD] =
	    "INSERT INTO scanlog_batches (name, rows, size, imported_at)"
	    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (name) DO UPDATE SET"
	    " rows = rows + excluded.rows, size = excluded.size,"
	    " imported_at = excluded.imported_at",
	[STMT_BATCHES_PRUNE] =
	    "DELETE FROM scanlog_batches WHERE imported_at < ?1",
};

_Static_assert(sizeof(stmts) / sizeof(stmts[0]) == STMT__MAX,
    "statement table out of sync with enum stmt");

/* The results a journal line may carry (checkins' CHECK allows more). */
static const char *const journal_results[] = {
	"shown", "not_paid", "unknown", "admitted", "already_used",
	"transferred",
};

static int
journal_path(struct db *db, char *buf, size_t bufsz)
{
	int	 n = snprintf(buf, bufsz, "%s" JOURNAL_SUFFIX, db_path(db));

	return n > 0 && (size_t)n < bufsz ? 0 : -1;
}

/* Codes are letters and digits (a signed one has a ':' after its
 * prefix); anything else is written as '?'. */
static void
sanitise(char *out, const char *in)
{
	size_t	 i;

	for (i = 0; in != NULL && in[i] != '\0' && i < JOURNAL_ID_MAX; i++)
		out[i] = (in[i] >= 'A' && in[i] <= 'Z') ||
		    (in[i] >= 'a' && in[i] <= 'z') ||
		    (in[i] >= '0' && in[i] <= '9') || in[i] == '-' ||
		    in[i] == ':' ?
		    in[i] : '?';
	out[i] = '\0';
}

/* A direction as stored: "exit", else "entry". */
static const char *
direction(const char *d)
{
	return d != NULL && strcmp(d, "exit") == 0 ? "exit" : "entry";
}

/*
 * This process's journal: open for as long as the process appends to
 * it, and held under a shared flock all that time, which is how the
 * importer tells a file still being written from one whose writer is
 * gone (scanlog_import()).
 */
static struct {
	int		 fd;		/* -1: none open */
	size_t		 size;		/* bytes written to it */
	unsigned	 seq;		/* files this process opened */
	char		 db[JOURNAL_PATH_MAX];	/* whose database */
} journal = { -1, 0, 0, "" };

static void
journal_close(void)
{
	if (journal.fd != -1)
		close(journal.fd);
	journal.fd = -1;
	journal.size = 0;
}

/*
 * Opens a new journal for db.  It is created under a name the importer
 * does not look at, locked, and only then renamed into view: an
 * importer never finds it unlocked while this process lives.
 */
static int
journal_open(struct db *db)
{
	char	 fresh[JOURNAL_PATH_MAX], named[JOURNAL_PATH_MAX];
	int	 fd, n, m;

	journal_close();
	journal.seq++;
	n = snprintf(fresh, sizeof(fresh), "%s" JOURNAL_NEW_SUFFIX ".%ld.%u",
	    db_path(db), (long)getpid(), journal.seq);
	m = snprintf(named, sizeof(named), "%s" JOURNAL_SUFFIX ".%ld.%lld.%u",
	    db_path(db), (long)getpid(), (long long)time(NULL), journal.seq);
	if (n <= 0 || (size_t)n >= sizeof(fresh) || m <= 0 ||
	    (size_t)m >= sizeof(named) || strlen(db_path(db)) >=
	    sizeof(journal.db))
		return -1;
	if ((fd = open(fresh, O_WRONLY | O_APPEND | O_CREAT | O_TRUNC |
	    O_CLOEXEC, 0660)) == -1) {
		log_err("%s: %s", fresh, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_SH) == -1 || rename(fresh, named) == -1) {
		log_err("%s: %s", named, strerror(errno));
		close(fd);
		(void)unlink(fresh);
		return -1;
	}
	journal.fd = fd;
	snprintf(journal.db, sizeof(journal.db), "%s", db_path(db));
	return 0;
}

int
scanlog_append(struct db *db, const struct scanlog_entry *e)
{
	char		 line[JOURNAL_LINE_MAX];
	char		 id[JOURNAL_ID_MAX + 1];
	int		 n;

	sanitise(id, e->external_id);
	n = snprintf(line, sizeof(line),
	    "%lld\t%lld\t%s\t%lld\t%d\t%lld\t%s\t%lld\t%s\n",
	    (long long)e->at, (long long)e->ticket_id, id,
	    (long long)e->scanner_id, e->use ? 1 : 0,
	    (long long)e->times_used, e->result, (long long)e->user_id,
	    direction(e->direction));
	if (n <= 0 || (size_t)n >= sizeof(line))
		return -1;
	if ((journal.fd == -1 || journal.size + (size_t)n >
	    JOURNAL_ROTATE_BYTES || strcmp(journal.db, db_path(db)) != 0) &&
	    journal_open(db) == -1)
		goto fail;
	if (write(journal.fd, line, (size_t)n) != n) {
		/* A torn last line: the importer drops it; the next
		 * look-up starts a new file. */
		journal_close();
		goto fail;
	}
	journal.size += (size_t)n;
	return 0;
fail:
	log_err("%s: look-up not journalled: %s", db_path(db),
	    strerror(errno));
	return -1;
}

enum db_rc
scanlog_write(struct db *db, const struct scanlog_entry *e)
{
	struct db_stmt	*st;

	if ((st = db_stmt(db, stmts[STMT_CHECKIN])) == NULL ||
	    db_bind_int(st, 1, e->ticket_id) == -1 ||
	    db_bind_text(st, 2, e->external_id) == -1 ||
	    db_bind_int(st, 3, e->scanner_id) == -1 ||
	    db_bind_int(st, 4, e->use ? 1 : 0) == -1 ||
	    db_bind_int(st, 5, e->times_used) == -1 ||
	    db_bind_text(st, 6, e->result) == -1 ||
	    db_bind_int(st, 7, e->at) == -1 ||
	    db_bind_int(st, 8, e->user_id) == -1 ||
	    db_bind_text(st, 9, direction(e->direction)) == -1)
		return DB_ERROR;
	return db_exec(db, st);
}

/*
 * A journal line's fields, in the order scanlog_append() writes them.
 * Lines written before accounts could scan end after F_RESULT, those
 * written before exits after F_USER.
 */
enum field { F_AT, F_TICKET, F_CODE, F_SCANNER, F_USE, F_TIMES, F_RESULT,
    F_USER, F_DIRECTION, F__MAX };

static int
parse_int(const char *s, int64_t *out)
{
	char		*end;
	long long	 v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

/* Parses one journal line in place; 0, or -1 for a line to skip. */
static int
parse_line(char *line, struct scanlog_entry *e)
{
	char	*f[F__MAX] = { NULL };
	size_t	 i;
	int	 k;

	for (k = 0; k < F__MAX && line != NULL; k++) {
		f[k] = line;
		if ((line = strchr(line, '\t')) != NULL)
			*line++ = '\0';
	}
	if (line != NULL || k < F_USER)
		return -1;
	e->user_id = 0;
	if ((f[F_USER] != NULL && parse_int(f[F_USER], &e->user_id) == -1) ||
	    parse_int(f[F_AT], &e->at) == -1 ||
	    parse_int(f[F_TICKET], &e->ticket_id) == -1 ||
	    parse_int(f[F_SCANNER], &e->scanner_id) == -1 ||
	    parse_int(f[F_TIMES], &e->times_used) == -1 ||
	    strlen(f[F_CODE]) > JOURNAL_ID_MAX)
		return -1;
	e->external_id = f[F_CODE];
	e->direction = direction(f[F_DIRECTION]);
	e->use = strcmp(f[F_USE], "1") == 0;
	for (i = 0; i < sizeof(journal_results) / sizeof(journal_results[0]);
	    i++)
		if (strcmp(f[F_RESULT], journal_results[i]) == 0) {
			e->result = journal_results[i];
			return 0;
		}
	return -1;
}

/*
 * Reads fd from off to its end (at most JOURNAL_BATCH_MAX bytes);
 * NUL-terminated, malloc'd.
 */
static char *
slurp(int fd, int64_t off, size_t *len)
{
	struct stat	 sb;
	char		*buf;
	ssize_t		 n;
	size_t		 got = 0, size;

	if (fstat(fd, &sb) == -1)
		return NULL;
	size = sb.st_size > off ? (size_t)(sb.st_size - off) : 0;
	if (size > JOURNAL_BATCH_MAX)
		size = JOURNAL_BATCH_MAX;
	if ((buf = malloc(size + 1)) == NULL)
		return NULL;
	while (got < size && (n = pread(fd, buf + got, size - got,
	    (off_t)(off + (int64_t)got))) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	*len = got;
	return buf;
}

/* How much of the journal name is already in: DB_OK with *size (-1 for
 * an earlier design's batch, all of it), DB_NOTFOUND for none. */
static enum db_rc
batch_size(struct db *db, const char *name, int64_t *size)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	if ((st = db_stmt(db, stmts[STMT_BATCH_SIZE])) == NULL ||
	    db_bind_text(st, 1, name) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK)
		*size = db_col_isnull(st, 0) ? -1 : db_col_int(st, 0);
	db_reset(st);
	return rc;
}

/*
 * Inserts the whole lines of buf (len bytes) as checkins rows.  Returns
 * DB_OK with *used (bytes up to the end of the last whole line) and *n
 * (rows), or an error.
 */
static enum db_rc
import_lines(struct db *db, const char *path, char *buf, size_t len,
    size_t *used, size_t *n)
{
	struct scanlog_entry	 e;
	char			*line, *next;
	enum db_rc		 rc;

	*used = *n = 0;
	for (line = buf; line < buf + len; line = next) {
		if ((next = strchr(line, '\n')) == NULL)
			break;		/* not whole yet, or torn */
		*next++ = '\0';
		*used = (size_t)(next - buf);
		if (parse_line(line, &e) == -1) {
			log_warn("%s: skipped a malformed line", path);
			continue;
		}
		if ((rc = scanlog_write(db, &e)) != DB_OK)
			return rc;
		(*n)++;
	}
	return DB_OK;
}

/*
 * Moves what is new in one journal into checkins, with how far it has
 * been read, in one transaction: a crash never imports a line twice.
 * A journal nobody holds any more (its worker moved on to a new file,
 * or is gone) is finished: once it is all in, it is removed.
 */
static enum db_rc
import_journal(struct db *db, const char *path, int64_t now, size_t *rows)
{
	struct db_stmt	*st;
	const char	*name = strrchr(path, '/');
	char		*buf = NULL;
	size_t		 len = 0, used = 0, n = 0;
	int64_t		 done = 0;
	enum db_rc	 rc;
	int		 fd, finished;

	name = name != NULL ? name + 1 : path;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return errno == ENOENT ? DB_OK : DB_ERROR;
	/* First the lock, then the read: a finished file is all there. */
	finished = flock(fd, LOCK_EX | LOCK_NB) == 0;
	if ((rc = db_tx_immediate(db)) != DB_OK)
		goto out;
	if ((rc = batch_size(db, name, &done)) == DB_NOTFOUND)
		done = 0;
	else if (rc != DB_OK)
		goto rollback;
	if (done >= 0) {
		if ((buf = slurp(fd, done, &len)) == NULL) {
			log_err("%s: cannot read the journal", path);
			rc = DB_ERROR;
			goto rollback;
		}
		if ((rc = import_lines(db, path, buf, len, &used, &n)) !=
		    DB_OK)
			goto rollback;
		if ((st = db_stmt(db, stmts[STMT_BATCH_RECORD])) == NULL ||
		    db_bind_text(st, 1, name) == -1 ||
		    db_bind_int(st, 2, (int64_t)n) == -1 ||
		    db_bind_int(st, 3, done + (int64_t)used) == -1 ||
		    db_bind_int(st, 4, now) == -1 ||
		    (rc = db_exec(db, st)) != DB_OK)
			goto rollback;
	}
	if ((rc = db_tx_commit(db)) != DB_OK)
		goto rollback;
	*rows += n;
	/* A read cut at JOURNAL_BATCH_MAX goes on at the next run. */
	if (finished && len < JOURNAL_BATCH_MAX) {
		if (used < len)
			log_warn("%s: dropped a torn last line", path);
		(void)unlink(path);
	}
	goto out;
rollback:
	if (rc == DB_OK || rc == DB_NOTFOUND)
		rc = DB_ERROR;
	db_tx_rollback(db);
out:
	free(buf);
	close(fd);
	return rc;
}

/* Removes creations that died between creating and naming a journal
 * (nothing was ever written to one). */
static void
sweep_new(struct db *db, int64_t now)
{
	struct stat	 sb;
	glob_t		 g;
	char		 pattern[JOURNAL_PATH_MAX + 16];
	size_t		 i;
	int		 fd;

	snprintf(pattern, sizeof(pattern), "%s" JOURNAL_NEW_SUFFIX ".*",
	    db_path(db));
	if (glob(pattern, 0, NULL, &g) != 0)
		return;
	for (i = 0; i < g.gl_pathc; i++) {
		if ((fd = open(g.gl_pathv[i], O_RDONLY | O_CLOEXEC)) == -1)
			continue;
		if (fstat(fd, &sb) == 0 && sb.st_mtime < now -
		    JOURNAL_NEW_STALE && flock(fd, LOCK_EX | LOCK_NB) == 0)
			(void)unlink(g.gl_pathv[i]);
		close(fd);
	}
	globfree(&g);
}

enum db_rc
scanlog_import(struct db *db, size_t *rows)
{
	struct db_stmt	*st;
	glob_t		 g;
	char		 live[JOURNAL_PATH_MAX], aside[JOURNAL_PATH_MAX + 64];
	char		 pattern[JOURNAL_PATH_MAX + 8];
	int64_t		 now = (int64_t)time(NULL);
	enum db_rc	 rc = DB_OK;
	size_t		 i;

	*rows = 0;
	if (journal_path(db, live, sizeof(live)) == -1)
		return DB_ERROR;
	/* The earlier design's one shared journal, if a worker of it still
	 * runs: aside under a unique name, then read like any other. */
	snprintf(aside, sizeof(aside), "%s.%lld.%ld", live, (long long)now,
	    (long)getpid());
	if (rename(live, aside) == -1 && errno != ENOENT) {
		log_err("%s: %s", live, strerror(errno));
		return DB_ERROR;
	}
	snprintf(pattern, sizeof(pattern), "%s.*", live);
	if (glob(pattern, 0, NULL, &g) == 0) {
		for (i = 0; i < g.gl_pathc && rc == DB_OK; i++)
			rc = import_journal(db, g.gl_pathv[i], now, rows);
		globfree(&g);
	}
	sweep_new(db, now);
	if (rc != DB_OK || db_tx_immediate(db) != DB_OK)
		return rc != DB_OK ? rc : DB_BUSY;
	if ((st = db_stmt(db, stmts[STMT_BATCHES_PRUNE])) == NULL ||
	    db_bind_int(st, 1, now - BATCHES_KEEP_SECONDS) == -1 ||
	    db_exec(db, st) != DB_OK || db_tx_commit(db) != DB_OK) {
		db_tx_rollback(db);
		return DB_ERROR;
	}
	return DB_OK;
}
