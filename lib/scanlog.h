/*
 * The door's look-up journal.  A scan that changes nothing -- a ticket
 * shown, not admitted; an unknown code; a ticket not paid for -- must
 * still leave an audit row in checkins, but must not queue for the
 * database's write lock behind every buyer: a door checking tickets
 * runs at read speed.  So such scans are appended, one line and one
 * write(2) each, to a journal file beside the database
 * ("<database>-scans", O_APPEND under a shared flock), and `biljett
 * expire` (every minute) moves the journal into checkins in one
 * transaction.  Admitting a ticket (times_used + 1) stays in the scan's
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
 * Moves every journal of db's database into checkins: renames the live
 * journal aside, waits for appends already under way, and inserts its
 * lines and the batch's name in one transaction, so that a crash between
 * the commit and the unlink never imports a batch twice.  Batches left
 * by an earlier crash are imported first.  *rows counts the lines moved.
 * Returns DB_OK, DB_BUSY or DB_ERROR.
 */
enum db_rc	scanlog_import(struct db *db, size_t *rows);

#endif
