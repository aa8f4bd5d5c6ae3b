/*
 * The public catalogue: events on sale and their ticket types, read-only.
 * Builds the seed-002 /get_chapterevents/ document and the /api/events
 * resources.
 */
#ifndef BILJETT_CATALOG_H
#define BILJETT_CATALOG_H

#include <stdint.h>

#include "db.h"

struct cJSON;

/*
 * Builds {"chapter_events": [...], "ticket_types": [...]} for events
 * whose sales stop after now, ordered by event_at (see the issue and
 * seeds/002-upstream-behaviour.md).  On DB_OK *out is the document (free
 * with cJSON_Delete()) and *valid_until the earliest sales_stop_at in it
 * (the document may be reused until then if nothing was written).
 */
enum db_rc	catalog_compat_listing(struct db *db, int64_t now,
		    struct cJSON **out, int64_t *valid_until);

/*
 * Builds one page of /api/events: {"data": [...], "pagination": {...}}.
 * include_past also lists events whose sales have stopped.
 */
enum db_rc	catalog_api_list(struct db *db, int64_t now, int64_t page,
		    int64_t per_page, int include_past, int descending,
		    struct cJSON **out);

/* Builds /api/events/{id}.  DB_NOTFOUND when there is no such
 * published event. */
enum db_rc	catalog_api_event(struct db *db, int64_t id,
		    struct cJSON **out);

#endif
