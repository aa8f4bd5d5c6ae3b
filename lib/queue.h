/*
 * The on-sale queue of an event with queue_enabled: a line that admits
 * buyers to reserve at the event's queue_rate per minute from
 * sales_start_at on.
 *
 * Everyone who joins before the start gets a random place among the
 * early ones (drawn when the start has come: the first join or look at
 * the line after it numbers them); everyone after joins at the back, in
 * arrival order.  Place n in the admission order (its "slot") is due
 * once floor((now - sales_start_at) * queue_rate / 60) >= n, so no cron
 * is needed; a late joiner's slot is never more than one second's
 * admissions below the count already due, so the turns nobody took
 * during a quiet spell do not let a later crowd in at once.  A visitor
 * is a random token in the queueid cookie, stored hashed.  An admitted
 * place gets a pass, "<event>.<place>.<expires>.<HMAC-SHA256 hex>"
 * signed with secret_key (lib/seal.h, purpose "queue pass"), valid
 * QUEUE_PASS_SECONDS from the moment the visitor first saw their turn;
 * order_reserve() refuses a queue event without one.  Once that time has
 * passed the place has lapsed and joining again goes to the back of the
 * line.
 * Everything is in the database, so restarts lose nothing.
 */
#ifndef BILJETT_QUEUE_H
#define BILJETT_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "db.h"
#include "err.h"
#include "limits.h"

struct cJSON;

#define QUEUE_VISITOR_COOKIE	"queueid"
#define QUEUE_PASS_COOKIE	"queuepass"	/* + the event id */
#define QUEUE_COOKIE_NAME_MAX	32

enum queue_state {
	QUEUE_OUT = 0,		/* no place in this line */
	QUEUE_WAITING,
	QUEUE_ADMITTED,		/* pass valid until pass_expires_at */
	QUEUE_LAPSED,		/* admitted, but the pass's time is over */
	QUEUE_STATE__MAX
};

struct queue_place {
	enum queue_state state;
	int64_t		 event_id;
	int64_t		 place_id;	/* 0: QUEUE_OUT */
	int64_t		 sales_start_at;
	int64_t		 rate;		/* admissions a minute */
	/*
	 * WAITING: 1 when next.  Before the start it is the place among
	 * the early joiners so far, which later random places can still
	 * push back (drawn is 0 then).  OUT: where joining now would put
	 * one, after the start; 0 before it.
	 */
	int64_t		 position;
	int		 drawn;
	int64_t		 wait_seconds;	/* WAITING (OUT): estimated */
	int64_t		 pass_expires_at; /* ADMITTED, LAPSED */
	char		 pass[QUEUE_PASS_MAX + 1]; /* ADMITTED, else "" */
};

/* "out", "waiting", "admitted", "lapsed".  Pure. */
const char	*queue_state_str(enum queue_state s);

/*
 * Joins event_id's line in one BEGIN IMMEDIATE transaction.  visitor is
 * the queueid cookie's token (NULL or malformed: a new visitor, whose
 * fresh token is written to new_visitor for the caller to set as the
 * cookie; otherwise new_visitor is "").  Idempotent: a visitor keeps the
 * place they have; one whose pass lapsed goes to the back of the line.
 * Fills out as queue_status() does.  Returns ERR_OK,
 * ERR_EVENT_NOT_FOUND, ERR_SALES_STOPPED, ERR_NOT_FOUND (the event has
 * no queue), ERR_NOT_CONFIGURED (admitted at once, but no secret_key to
 * sign the pass), ERR_BUSY or ERR_INTERNAL; nothing is written unless
 * ERR_OK.
 */
enum err	 queue_join(struct db *db, int64_t now, int64_t event_id,
		    const char *visitor, char new_visitor[TOKEN_HEX_LEN + 1],
		    struct queue_place *out);

/*
 * The place of visitor (may be NULL: QUEUE_OUT) in event_id's line.
 * Reads, except for two writes that happen once each: the draw of the
 * early places at the first look after the start, and admitted_at at a
 * place's first look at its turn (at most queue_rate a minute).
 * Returns ERR_OK, ERR_EVENT_NOT_FOUND, ERR_NOT_FOUND (no queue),
 * ERR_NOT_CONFIGURED (admitted, no secret_key), ERR_BUSY or
 * ERR_INTERNAL.
 */
enum err	 queue_status(struct db *db, int64_t now, int64_t event_id,
		    const char *visitor, struct queue_place *out);

/*
 * Does pass let its holder reserve for event_id at now: well formed,
 * signed with this installation's secret_key, for this event and not
 * expired?  NULL is not.  Pure apart from the key.
 */
int		 queue_pass_valid(const char *pass, int64_t event_id,
		    int64_t now);

/* Writes the name of event_id's pass cookie ("queuepass12"). */
void		 queue_pass_cookie(int64_t event_id,
		    char name[QUEUE_COOKIE_NAME_MAX]);

/*
 * The place as JSON: {"event_id", "state", "position" (null unless
 * waiting or out after the start), "drawn", "admitted",
 * "estimated_wait_seconds", "sales_start_at", "admissions_per_minute",
 * "token", "token_expires_at" (null unless admitted)}.  Free with
 * cJSON_Delete().
 */
struct cJSON	*queue_place_json(const struct queue_place *p);

/*
 * Deletes the places of events whose sales have stopped, QUEUE_PRUNE_BATCH
 * rows per short transaction (biljett expire).  *removed counts them.
 */
#define QUEUE_PRUNE_BATCH	500
enum db_rc	 queue_prune(struct db *db, int64_t now, int64_t *removed);

#endif
