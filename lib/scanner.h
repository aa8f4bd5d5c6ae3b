/*
 * Door credentials and whose tickets they admit (issue 13): scanners (a
 * password for the door page and the seed-002 PUT /validate_ticket/)
 * and the door scope of staff accounts, as organizers manage them under
 * /api/organizer/ and the operator with `biljett scanner-add`.  lib/scan
 * enforces the scopes at the door; this module writes them.
 *
 *  - A scanner belongs to an organizer and admits the tickets of that
 *    organizer's events (events.organizer_id): all of them, or only the
 *    events it is limited to.  A site-wide scanner (no organizer) admits
 *    every event's tickets; only the operator makes one (CLI
 *    --site-wide), and every scanner made before this module is one.
 *  - Staff (users.role 'staff') scan their organizer's events: all, or
 *    only those they are limited to.
 *  - Deactivating or deleting a scanner, or deactivating a staff
 *    account, ends its sessions in the same transaction: the door page's
 *    next request is signed out and the password stops working at once.
 *
 * "owner" below is whose credentials the caller may touch: an
 * organizer's user id, or 0 for an admin (everyone's, site-wide ones
 * too).  Anything outside it is ERR_NOT_FOUND, as if it did not exist.
 * Each function runs its own short transaction and may also return
 * ERR_BUSY or ERR_INTERNAL.  Strings passed in are borrowed for the call.
 */
#ifndef BILJETT_SCANNER_H
#define BILJETT_SCANNER_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "limits.h"

struct cJSON;
struct db;
struct user;

#define SCANNER_PASSWORD_LEN	20	/* a generated password: A-Z */

/* What a create or an update sets; for an update, what changes. */
struct scanner_in {
	const char	*name;		/* NULL: unchanged */
	const char	*password;	/* create: NULL generates one */
	int		 set_events;	/* 0: unchanged (create: all events) */
	const int64_t	*events;	/* with set_events: none means all */
	size_t		 nevents;
	int		 active;	/* 1, 0, or -1: unchanged */
};

/*
 * Why input was refused (ERR_BAD_REQUEST): the field and a static
 * English reason, for the API's field_errors or the CLI's message.
 */
struct scanner_bad {
	const char	*field;
	const char	*reason;
};

/*
 * Creates a scanner for organizer_id (0: site-wide) from in: a name
 * unique among the organizer's live scanners, a chosen password (as
 * strong as an account's, and not another live scanner's) or, when
 * in->password is NULL, a generated one written to generated (else ""),
 * and optionally the events it is limited to, each the organizer's (a
 * site-wide scanner: any event).  *id gets the new scanner.
 * ERR_BAD_REQUEST with *bad (name, password, events, organizer_id: not
 * an organizer); ERR_NOT_CONFIGURED for an organizer's scanner without
 * a secret_key, which is what keeps passwords apart (lib/scan.h).
 */
enum err	scanner_create(struct db *db, int64_t now, int64_t organizer_id,
		    const struct scanner_in *in,
		    char generated[SCANNER_PASSWORD_LEN + 1], int64_t *id,
		    struct scanner_bad *bad);

/*
 * The scanner id as the API shows it: {"id", "name", "organizer_id" (or
 * null: site-wide), "all_events", "events": [ids], "is_active",
 * "created_at"}; ERR_NOT_FOUND unless owner may see it.  *doc is the
 * caller's (free with cJSON_Delete(), or hand it to http_json()).
 */
enum err	scanner_get(struct db *db, int64_t owner, int64_t id,
		    struct cJSON **doc);

/*
 * One page of the scanners owner may see, oldest first, as {"data":
 * [scanner...], "pagination": {"page", "per_page", "total",
 * "total_pages"}}.  *doc as for scanner_get.
 */
enum err	scanner_list(struct db *db, int64_t owner, int64_t page,
		    int64_t per, struct cJSON **doc);

/*
 * Changes the name, the events and whether it is active (in->password
 * must be NULL).  Deactivating ends its sessions.  ERR_NOT_FOUND,
 * ERR_BAD_REQUEST with *bad.
 */
enum err	scanner_update(struct db *db, int64_t now, int64_t owner,
		    int64_t id, const struct scanner_in *in,
		    struct scanner_bad *bad);

/*
 * Deletes a scanner: inactive, its sessions ended, gone from the API
 * and its name free again; the row stays for the checkins naming it.
 * ERR_NOT_FOUND.
 */
enum err	scanner_delete(struct db *db, int64_t now, int64_t owner,
		    int64_t id);

/*
 * Changes a staff account's door scope (in->set_events, in->events) and
 * whether it is active (in->active; deactivating ends its sessions).
 * Only in->set_events/events/nevents and in->active are read.
 * ERR_NOT_FOUND unless id is staff of owner (admins: anyone's staff),
 * ERR_BAD_REQUEST with *bad (events not its organizer's).  u gets the
 * account after, *scope {"all_events", "events": [ids]} (the caller's,
 * as for scanner_get).
 */
enum err	scanner_staff_update(struct db *db, int64_t now, int64_t owner,
		    int64_t id, const struct scanner_in *in, struct user *u,
		    struct cJSON **scope, struct scanner_bad *bad);

#endif
