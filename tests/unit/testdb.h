/*
 * What the C tests that run real SQL share: a first-column counter and
 * the id of an imported key.  Header-only, like check.h.
 */
#ifndef BILJETT_TEST_TESTDB_H
#define BILJETT_TEST_TESTDB_H

#include <stdint.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "db.h"

/* The first column of sql's first row (?1 bound to id if it has one);
 * -1 on any failure. */
static inline int64_t
testdb_count(struct db *db, const char *sql, int64_t id)
{
	struct db_stmt	*st = db_stmt(db, sql);
	int64_t		 n = -1;

	if (st != NULL && db_param_count(st) > 0)
		(void)db_bind_int(st, 1, id);
	if (st != NULL && db_step(db, st) == DB_OK)
		n = db_col_int(st, 0);
	db_reset(st);
	return n;
}

/* The id of key in a `biljett import` result list; 0 if absent. */
static inline int64_t
testdb_id(const cJSON *list, const char *key)
{
	const cJSON	*o;

	cJSON_ArrayForEach(o, list)
		if (strcmp(cJSON_GetObjectItem(o, "key")->valuestring, key) == 0)
			return (int64_t)cJSON_GetObjectItem(o, "id")->valuedouble;
	return 0;
}

#endif
