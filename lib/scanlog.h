/*
 * The door's look-up journal.  A scan that changes nothing -- a ticket
 * shown, not admitted; an unknown code; a ticket not paid for -- must
 * still leave an audit row in checkins, but must not queue for the
 * database's write lock behind every buyer: a door checking tickets
 * runs at read speed.  So such scans are appended, one line and one
 * write(2) each, to a journal file beside the database: one per worker
 * ("<database>-scans.<pid>.<time>.<n>"), kept open and held under a
 * shared flock while the worker lives, a new one every 4 MiB.  `biljett
 * expire` (every minute) moves the whole lines each file gained since
 * the last run into checkins, recording how far it read in the same
 * transaction; a file nobody holds any more is finished and, once all
 * in, removed.  Admitting a ticket (times_used + 1) stays in the scan's
 * own write transaction with its checkins row, as before.
 *
 * What this costs: a look-up reaches checkins within a minute, not at
 * once; the journal survives a crash of the worker (the line is in the
 * file when write(2) returns), not of the machine before the kernel
 * writes it out -- the same as synchronous=NORMAL for the database.
 */
#ifndef BILJETT_SCANLOG_H
#define BILJETT_SCANLOG_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"

struct scanlog_entry {
	int64_t		 at;
	int64_t		 ticket_id;	/* 0: no such ticket */
	const char	*external_id;	/* as typed; written sanitised */
	int64_t		 scanner_id;	/* 0: none */
	int64_t		 user_id;	/* the account scanning; 0: none */
	int		 use;		/* use_ticket asked for */
	int64_t		 times_used;	/* -1: no such ticket */
	const char	*result;	/* "shown", "not_paid", "unknown" */
	const char	*direction;	/* "entry" (also NULL) or "exit" */
};

/*
 * Appends e to the journal of db's database.  Returns 0, or -1 (logged;
 * the scan's answer does not depend on it).
 */
int		scanlog_append(struct db *db, const struct scanlog_entry *e);

/*
 * Writes e as a checkins row now, inside the caller's write transaction
 * (an admitted ticket, with its times_used).  Returns DB_OK or an error.
 */
enum db_rc	scanlog_write(struct db *db, const struct scanlog_entry *e);

/*
 * Moves what every journal of db's database gained since the last run
 * into checkins, each file in one transaction with how far it has been
 * read, so that a crash never imports a line twice or loses one; removes
 * the finished ones.  A torn last line of a finished file (a write cut
 * short) is dropped.  *rows counts the lines moved.  Returns DB_OK,
 * DB_BUSY or DB_ERROR.
 */
enum db_rc	scanlog_import(struct db *db, size_t *rows);

#endif
