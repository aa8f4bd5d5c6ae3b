/*
 * The back office's audit log: every change an organizer or admin makes
 * to the catalogue, with who, when, and the resource before and after.
 */
#ifndef BILJETT_AUDIT_H
#define BILJETT_AUDIT_H

#include <stdint.h>

#include "db.h"

struct cJSON;

/*
 * Records one change inside the caller's write transaction.  user_id is
 * who made it, organizer_id whose data it is (0: none, e.g. a category),
 * before/after the resource's JSON (either may be NULL; not taken).
 */
enum db_rc	audit_record(struct db *db, int64_t now, int64_t user_id,
		    int64_t organizer_id, const char *entity,
		    int64_t entity_id, const char *action,
		    const struct cJSON *before, const struct cJSON *after);

/*
 * One page of the log, newest first: an organizer's own changes
 * (organizer_id > 0) or everything (0, for admins); entity may be NULL
 * for all kinds.  *results is a JSON array of {"id", "user", "entity",
 * "entity_id", "action", "before", "after", "at"}; *count the total.
 */
enum db_rc	audit_list(struct db *db, int64_t organizer_id,
		    const char *entity, int64_t offset, int64_t limit,
		    int64_t *count, struct cJSON **results);

#endif
