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

#define JOURNAL_SUFFIX		"-scans"
#define JOURNAL_PATH_MAX	4096
/* A code as written: a short code or a signed QR's content, whole
 * (SCAN_ID_MAX in lib/scan.h, which includes this header). */
#define JOURNAL_ID_MAX		160
#define JOURNAL_LINE_MAX	512
#define JOURNAL_BATCH_MAX	(64 * 1024 * 1024)	/* bytes read at once */
#define JOURNAL_APPEND_TRIES	3
#define BATCHES_KEEP_SECONDS	(7 * 86400)

enum stmt {
	STMT_CHECKIN,
	STMT_BATCH_SEEN,
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
	[STMT_BATCH_SEEN] =
	    "SELECT 1 FROM scanlog_batches WHERE name = ?1",
	[STMT_BATCH_RECORD] =
	    "INSERT INTO scanlog_batches (name, rows, imported_at)"
	    " VALUES (?1, ?2, ?3)",
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

int
scanlog_append(struct db *db, const struct scanlog_entry *e)
{
	struct stat	 held, named;
	char		 path[JOURNAL_PATH_MAX], line[JOURNAL_LINE_MAX];
	char		 id[JOURNAL_ID_MAX + 1];
	int		 fd, n, tries;

	sanitise(id, e->external_id);
	n = snprintf(line, sizeof(line),
	    "%lld\t%lld\t%s\t%lld\t%d\t%lld\t%s\t%lld\t%s\n",
	    (long long)e->at, (long long)e->ticket_id, id,
	    (long long)e->scanner_id, e->use ? 1 : 0,
	    (long long)e->times_used, e->result, (long long)e->user_id,
	    direction(e->direction));
	if (n <= 0 || (size_t)n >= sizeof(line) ||
	    journal_path(db, path, sizeof(path)) == -1)
		return -1;
	/*
	 * The importer renames the journal aside and then takes it
	 * exclusively: holding it shared and finding it still under its
	 * name means the line lands in a journal not yet read.
	 */
	for (tries = 0; tries < JOURNAL_APPEND_TRIES; tries++) {
		if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
		    0660)) == -1)
			break;
		if (flock(fd, LOCK_SH) == 0 && fstat(fd, &held) == 0 &&
		    stat(path, &named) == 0 && held.st_dev == named.st_dev &&
		    held.st_ino == named.st_ino) {
			if (write(fd, line, (size_t)n) != n)
				break;
			close(fd);
			return 0;
		}
		close(fd);
	}
	log_err("%s: look-up not journalled: %s", path, strerror(errno));
	if (fd != -1)
		close(fd);
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

/* Reads all of fd (at most JOURNAL_BATCH_MAX); NUL-terminated, malloc'd. */
static char *
slurp(int fd, size_t *len)
{
	struct stat	 sb;
	char		*buf;
	ssize_t		 n;
	size_t		 got = 0, size;

	if (fstat(fd, &sb) == -1 || sb.st_size > JOURNAL_BATCH_MAX)
		return NULL;
	size = (size_t)sb.st_size;
	if ((buf = malloc(size + 1)) == NULL)
		return NULL;
	while (got < size && (n = read(fd, buf + got, size - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	*len = got;
	return buf;
}

/* Moves one batch file into checkins, once. */
static enum db_rc
import_batch(struct db *db, const char *path, int64_t now, size_t *rows)
{
	struct scanlog_entry	 e;
	struct db_stmt		*st;
	const char		*name = strrchr(path, '/');
	char			*buf = NULL, *line, *next;
	size_t			 len = 0, n = 0;
	enum db_rc		 rc = DB_ERROR;
	int			 fd;

	name = name != NULL ? name + 1 : path;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return errno == ENOENT ? DB_OK : DB_ERROR;
	/* Appends that found it under its old name finish first. */
	if (flock(fd, LOCK_EX) == -1 || (buf = slurp(fd, &len)) == NULL) {
		log_err("%s: cannot read the journal", path);
		goto out;
	}
	if ((rc = db_tx_immediate(db)) != DB_OK)
		goto out;
	if ((st = db_stmt(db, stmts[STMT_BATCH_SEEN])) == NULL ||
	    db_bind_text(st, 1, name) == -1) {
		rc = DB_ERROR;
		goto rollback;
	}
	rc = db_step(db, st);
	db_reset(st);
	if (rc == DB_NOTFOUND) {
		for (line = buf; line < buf + len; line = next) {
			if ((next = strchr(line, '\n')) == NULL)
				break;		/* a torn last line */
			*next++ = '\0';
			if (parse_line(line, &e) == -1) {
				log_warn("%s: skipped a malformed line", path);
				continue;
			}
			if ((rc = scanlog_write(db, &e)) != DB_OK)
				goto rollback;
			n++;
		}
		if ((st = db_stmt(db, stmts[STMT_BATCH_RECORD])) == NULL ||
		    db_bind_text(st, 1, name) == -1 ||
		    db_bind_int(st, 2, (int64_t)n) == -1 ||
		    db_bind_int(st, 3, now) == -1 ||
		    (rc = db_exec(db, st)) != DB_OK)
			goto rollback;
	} else if (rc != DB_OK)
		goto rollback;
	if ((rc = db_tx_commit(db)) != DB_OK)
		goto rollback;
	*rows += n;
	(void)unlink(path);
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
	/* A unique name per batch: the time and our pid. */
	snprintf(aside, sizeof(aside), "%s.%lld.%ld", live, (long long)now,
	    (long)getpid());
	if (rename(live, aside) == -1 && errno != ENOENT) {
		log_err("%s: %s", live, strerror(errno));
		return DB_ERROR;
	}
	snprintf(pattern, sizeof(pattern), "%s.*", live);
	if (glob(pattern, 0, NULL, &g) == 0) {
		for (i = 0; i < g.gl_pathc && rc == DB_OK; i++)
			rc = import_batch(db, g.gl_pathv[i], now, rows);
		globfree(&g);
	}
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
