/*
 * Composing the transfer confirmation (transfermail.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "conf.h"
#include "db.h"
#include "mailtmpl.h"
#include "transfermail.h"

enum stmt {
	STMT_TRANSFER,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	/* The new ticket, the one it replaced, and the event. */
	[STMT_TRANSFER] =
	    "SELECT e.title, e.event_at, old.external_id,"
	    " coalesce(t.attendee_name, ''), coalesce(t.holder_email, ''),"
	    " tt.title FROM tickets t"
	    " JOIN tickets old ON old.transferred_to = t.id"
	    " JOIN events e ON e.id = t.event_id"
	    " JOIN ticket_types tt ON tt.id = t.ticket_type_id"
	    " WHERE t.id = ?2 AND t.order_id = ?1",
};

/* The template context, or NULL when there is no such transfer. */
static cJSON *
context(struct db *db, int64_t order_id, int64_t ticket_id, char *subject,
    size_t subjectsz)
{
	struct db_stmt	*st;
	cJSON		*root = NULL, *t;
	char		 when[MAILTMPL_WHEN_LEN];

	if ((st = db_stmt(db, stmts[STMT_TRANSFER])) == NULL ||
	    db_bind_int(st, 1, order_id) == -1 ||
	    db_bind_int(st, 2, ticket_id) == -1)
		return NULL;
	if (db_step(db, st) == DB_OK && (root = cJSON_CreateObject()) != NULL) {
		t = cJSON_AddObjectToObject(root, "transfer");
		cJSON_AddStringToObject(t, "event", db_col_text(st, 0));
		mailtmpl_when(db_col_int(st, 1), when);
		cJSON_AddStringToObject(t, "when", when);
		cJSON_AddStringToObject(t, "code", db_col_text(st, 2));
		cJSON_AddStringToObject(t, "name", db_col_text(st, 3));
		cJSON_AddStringToObject(t, "email", db_col_text(st, 4));
		cJSON_AddStringToObject(t, "type", db_col_text(st, 5));
		snprintf(subject, subjectsz, "Biljett överlåten / Ticket "
		    "transferred: %s", db_col_text(st, 0));
	}
	db_reset(st);
	return root;
}

int
transfermail_notice(struct db *db, const struct conf *conf,
    int64_t order_id, int64_t new_ticket_id, const char *recipient,
    char *err, size_t errsz)
{
	cJSON			*ctx;
	char			 subject[1024];
	int			 rc;

	if ((ctx = context(db, order_id, new_ticket_id, subject,
	    sizeof(subject))) == NULL) {
		snprintf(err, errsz, "ticket %lld of order %lld is not a "
		    "transferred ticket", (long long)new_ticket_id,
		    (long long)order_id);
		return -1;
	}
	rc = mailtmpl_send(conf, "transfer_notice.txt", "transfer_notice.html",
	    ctx, recipient, subject, err, errsz);
	cJSON_Delete(ctx);
	return rc;
}
