/*
 * Importing ticket types and events from one JSON document (`biljett
 * import`, `biljett demo`).  All or nothing: any invalid field rejects the
 * whole document and nothing is written.
 */
#ifndef BILJETT_IMPORT_H
#define BILJETT_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"

struct cJSON;

/*
 * Validates and imports doc (see README "Importing events"); the events
 * belong to organizer_id (0: none).  On DB_OK
 * *result is {"ticket_types": [{"key", "id"}], "events": [{"key", "id"}]}
 * (free with cJSON_Delete()).  On DB_CONSTRAINT err names the offending
 * field ("events[0].ticket_types: unknown key \"x\""); other codes are
 * storage failures.
 */
enum db_rc	import_doc(struct db *db, const struct cJSON *doc,
		    int64_t organizer_id, struct cJSON **result, char *err,
		    size_t errsz);

#endif
