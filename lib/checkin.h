/*
 * Entry and exit at the door, multi-day passes, and the live check-in
 * numbers (issue 10).  lib/scan decides every scan with checkin_decide()
 * inside its one write transaction; this file holds the rules and the
 * organizer's numbers, nothing that touches a request.
 *
 * The rules, for a paid and valid ticket (docs/checkin.md says it for
 * the organizer):
 *  - A door scans in one direction, entry (every seed's documented path)
 *    or exit (PUT /validate_ticket/'s `direction`, the door page's
 *    switch).
 *  - Without re-entry (the default, and today's behaviour): the first
 *    entry admits, every later one is "already used".  An exit marks the
 *    holder outside (so "inside now" stays true) and changes nothing
 *    else: the ticket stays used.
 *  - With re-entry (the ticket type's reentry_allowed, else its
 *    event's): an entry admits while the holder is outside and marks
 *    them inside; a second entry without an exit is "already inside";
 *    an exit marks them outside; an exit of someone not inside is "not
 *    inside" and changes nothing.
 *  - An all-days pass is admitted once per door day (with re-entry:
 *    enters afresh each day), a day ticket (a day pass with a date)
 *    only on its day ("wrong day", nothing changes).  A door day is the
 *    calendar day in the configured zone that began at the event's
 *    day_starts (minutes after midnight, 06:00 unless set), so a night
 *    past midnight belongs to the day it began.
 *  - times_used keeps seed 002's meaning: every entry scan of a paid
 *    ticket with use_ticket counts, admitted or not; a wrong day's or an
 *    exit does not.
 */
#ifndef BILJETT_CHECKIN_H
#define BILJETT_CHECKIN_H

#include <stdint.h>

#include "db.h"

struct cJSON;

/* "YYYY-MM-DD" and its NUL. */
#define CHECKIN_DAY_LEN	11

enum checkin_dir {
	CHECKIN_ENTRY = 0,
	CHECKIN_EXIT,
	CHECKIN_DIR__MAX
};

/* "entry" or "exit". */
const char	*checkin_dir_name(enum checkin_dir d);

/* Reads s ("entry", "exit") into *d.  Pure.  Returns 1, or 0 for any
 * other string. */
int		 checkin_dir_parse(const char *s, enum checkin_dir *d);

/* What a ticket's type says at the door. */
struct checkin_rules {
	int	 reentry;		/* may leave and come back */
	int	 pass;			/* once per door day (all days) */
	char	 day[CHECKIN_DAY_LEN];	/* a day ticket's date; "": any */
};

/* Where a ticket stands (tickets.times_used, inside, admitted_day). */
struct checkin_state {
	int64_t	 times_used;
	int	 inside;
	char	 admitted_day[CHECKIN_DAY_LEN];	/* "": never admitted */
};

/* A scan's outcome; the names are checkins.result's. */
enum checkin_outcome {
	CHECKIN_ADMITTED = 0,
	CHECKIN_ALREADY_USED,
	CHECKIN_ALREADY_INSIDE,
	CHECKIN_WRONG_DAY,
	CHECKIN_EXITED,
	CHECKIN_NOT_INSIDE,
	CHECKIN_OUTCOME__MAX
};

/* "admitted", "already_used", ... (checkins.result). */
const char	*checkin_outcome_name(enum checkin_outcome o);

/*
 * Decides a scan of a paid, valid ticket in direction d on door day
 * today by the rules above.  Pure.  *next gets the ticket's state after
 * the scan (a copy of *now when nothing changes).
 */
enum checkin_outcome checkin_decide(const struct checkin_rules *rules,
		    const struct checkin_state *now, const char *today,
		    enum checkin_dir d, struct checkin_state *next);

/*
 * Has a ticket been used, as the staff answers mean it: admitted before
 * (a pass: admitted this door day).  Pure.
 */
int		 checkin_used(const struct checkin_rules *rules,
		    const struct checkin_state *s, const char *today);

/*
 * The door day of time t for an event whose days begin day_starts
 * minutes after local midnight (the process's zone, lib/tfmt).
 */
void		 checkin_day(int64_t t, int64_t day_starts,
		    char out[CHECKIN_DAY_LEN]);

/* "HH:MM" and its NUL: a door day's start as the APIs show it. */
#define CHECKIN_HHMM_LEN	6

/*
 * Reads s, a time of day "HH:MM" from "00:00" to the latest a door day
 * may begin (DAY_STARTS_MAX, noon), into *minutes after midnight.
 * Pure.  Returns 1, or 0 for anything else.
 */
int		 checkin_day_starts_parse(const char *s, int64_t *minutes);

/* minutes after midnight as "HH:MM". */
void		 checkin_day_starts_str(int64_t minutes,
		    char out[CHECKIN_HHMM_LEN]);

/*
 * The live check-in numbers of event_id, for organizer_id (0: any, an
 * admin), from one statement in the caller's read transaction:
 * {"event", "title", "door_day", "reentry_allowed", "sold", "arrived",
 * "arrived_today", "inside", "by_type": [{"ticket_type", "name", "sold",
 * "arrived", "arrived_today", "inside"}], "by_gate": [{"gate", "kind"
 * ("scanner" or "account"), "id", "admitted", "exited",
 * "transferred" (refused codes a transfer replaced)}]}.  *out is the
 * caller's (cJSON_Delete).  DB_NOTFOUND when there is no such event or
 * it is not organizer_id's.
 */
enum db_rc	 checkin_numbers(struct db *db, int64_t event_id,
		    int64_t organizer_id, int64_t now, struct cJSON **out);

/*
 * What an offline door needs to apply these rules itself, for event_id,
 * in the caller's read transaction: adds to o "day_starts" and
 * "variants": {"<ticket type id>": {"pass", "day" (a day ticket's date,
 * or null), "reentry"}} for each ticket type of the event.  DB_OK, or an
 * error (DB_NOTFOUND: no such event).
 */
enum db_rc	 checkin_door_rules(struct db *db, int64_t event_id,
		    struct cJSON *o);

#endif
