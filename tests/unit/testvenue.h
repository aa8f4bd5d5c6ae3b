/*
 * What the seat tests share: a migrated database file with an organizer,
 * a seated event and orders with one ticket each, all written through
 * plain statements or the modules under test.  Header-only, like
 * testdb.h.
 */
#ifndef BILJETT_TEST_TESTVENUE_H
#define BILJETT_TEST_TESTVENUE_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "db.h"
#include "import.h"
#include "tfmt.h"

/* Runs sql with ?1.. bound to v[0..n) (text where s[i] is not NULL);
 * returns the new row's id for "RETURNING id", 0 for none, -1 on a
 * failure and -2 on a constraint. */
static inline int64_t
testvenue_run(struct db *db, const char *sql, const int64_t *v,
    const char *const *s, int n)
{
	struct db_stmt	*st = db_stmt(db, sql);
	enum db_rc	 rc;
	int64_t		 id = 0;
	int		 i;

	if (st == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if ((s != NULL && s[i] != NULL ? db_bind_text(st, i + 1, s[i]) :
		    db_bind_int(st, i + 1, v[i])) == -1)
			return -1;
	if (strstr(sql, "RETURNING") != NULL)
		rc = db_insert_id(db, st, &id);
	else
		rc = db_exec(db, st);
	return rc == DB_OK ? id : rc == DB_CONSTRAINT ? -2 : -1;
}

/* A verified, active account of role ("organizer", "customer"). */
static inline int64_t
testvenue_user(struct db *db, const char *email, const char *role)
{
	static const char sql[] =
	    "INSERT INTO users (email, password_hash, name, role,"
	    " email_verified_at, created_at, updated_at)"
	    " VALUES (?1, 'x', 'Test', ?2, 1, 1, 1) RETURNING id";
	const char	*s[2] = { email, role };

	return testvenue_run(db, sql, NULL, s, 2);
}

/* An event of organizer_id, on sale for a day; *type gets its type. */
static inline int64_t
testvenue_event(struct db *db, int64_t organizer_id, int64_t *type)
{
	char		 doc[1024], err[256], at[TFMT_ISO_LEN], stop[TFMT_ISO_LEN];
	cJSON		*in, *out = NULL, *o;
	int64_t		 now = tfmt_now(), ev = -1;

	tfmt_iso(now + 2 * 86400, at);
	tfmt_iso(now + 86400, stop);
	snprintf(doc, sizeof(doc),
	    "{\"ticket_types\": [{\"key\": \"std\", \"title\": \"Std\","
	    " \"price\": 100}], \"events\": [{\"key\": \"e\", \"title\": \"E\","
	    " \"event_at\": \"%s\", \"sales_stop_at\": \"%s\","
	    " \"total_seats\": 100, \"ticket_types\": [\"std\"]}]}", at, stop);
	in = cJSON_Parse(doc);
	if (in != NULL && import_doc(db, in, organizer_id, &out, err,
	    sizeof(err)) == DB_OK) {
		o = cJSON_GetArrayItem(cJSON_GetObjectItem(out, "events"), 0);
		ev = (int64_t)cJSON_GetObjectItem(o, "id")->valuedouble;
		o = cJSON_GetArrayItem(cJSON_GetObjectItem(out,
		    "ticket_types"), 0);
		*type = (int64_t)cJSON_GetObjectItem(o, "id")->valuedouble;
	}
	cJSON_Delete(in);
	cJSON_Delete(out);
	return ev;
}

/* A held order of event_id with one ticket (*ticket); k names both. */
static inline int64_t
testvenue_order(struct db *db, int64_t event_id, int64_t type, int k,
    int64_t *ticket)
{
	static const char order_sql[] =
	    "INSERT INTO orders (code, event_id, status, seats, total,"
	    " created_at, expires_at) VALUES (?1, ?2, 'reserved', 1, 0, 1,"
	    " ?3) RETURNING id";
	static const char ticket_sql[] =
	    "INSERT INTO tickets (order_id, event_id, ticket_type_id, price,"
	    " external_id, secret, created_at)"
	    " VALUES (?1, ?2, ?3, 0, ?4, 'secret', 1) RETURNING id";
	char		 code[24], ext[16];
	const char	*s[4] = { code, NULL, NULL, NULL };
	int64_t		 v[4] = { 0, event_id, tfmt_now() + 900, 0 }, id;

	snprintf(code, sizeof(code), "ORDER%04d", k);
	if ((id = testvenue_run(db, order_sql, v, s, 3)) <= 0)
		return -1;
	snprintf(ext, sizeof(ext), "T%05d", k % 100000);
	v[0] = id;
	v[2] = type;
	s[0] = NULL;
	s[3] = ext;
	*ticket = testvenue_run(db, ticket_sql, v, s, 4);
	return *ticket > 0 ? id : -1;
}

/* Removes the database file and the files SQLite and lib/db keep
 * beside it. */
static inline void
testvenue_unlink(const char *db_path)
{
	static const char *const suffixes[] = { "", "-wal", "-shm",
	    "-wlock" };
	char	 p[4096];
	size_t	 i;

	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++)
		if ((size_t)snprintf(p, sizeof(p), "%s%s", db_path,
		    suffixes[i]) < sizeof(p))
			(void)unlink(p);
}

#endif
