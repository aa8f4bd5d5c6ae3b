/*
 * Seed 003's guest checkout: tiers and shadow accounts (guestpay.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "guestpay.h"
#include "limits.h"
#include "user.h"

enum stmt {
	STMT_TIER,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	/*
	 * A sellable row, its kind, its type and its event: the row's own,
	 * its type's, or else the one event a shared (seed-002) type is
	 * sold at; 0 when that is not exactly one.
	 */
	[STMT_TIER] =
	    "SELECT t.kind, coalesce(t.parent_id, 0), coalesce(t.event_id,"
	    " p.event_id, (SELECT min(x.event_id) FROM event_ticket_types x"
	    " WHERE x.ticket_type_id = coalesce(t.parent_id, t.id)"
	    " HAVING count(*) = 1), 0)"
	    " FROM ticket_types t LEFT JOIN ticket_types p ON p.id = t.parent_id"
	    " WHERE t.id = ?1 AND t.sellable = 1",
};

enum err
guestpay_tier(struct db *db, int64_t tier_id, struct guestpay_tier *out)
{
	struct db_stmt	*st;
	char		 kind[16] = "";
	int64_t		 parent = 0;
	enum db_rc	 rc;

	memset(out, 0, sizeof(*out));
	if ((st = db_stmt(db, stmts[STMT_TIER])) == NULL ||
	    db_bind_int(st, 1, tier_id) == -1)
		return ERR_INTERNAL;
	if ((rc = db_step(db, st)) == DB_OK) {
		snprintf(kind, sizeof(kind), "%s", db_col_text(st, 0));
		parent = db_col_int(st, 1);
		out->event_id = db_col_int(st, 2);
	}
	db_reset(st);
	if (rc == DB_NOTFOUND || (rc == DB_OK && out->event_id == 0))
		return ERR_TICKET_TYPE_NOT_FOUND;
	if (rc != DB_OK)
		return err_from_db(rc);

	/* A variant is bought under its type, as POST /api/orders/ does. */
	out->item.ticket_type_id = parent != 0 ? parent : tier_id;
	if (strcmp(kind, "tier") == 0)
		out->item.tier_id = tier_id;
	else if (strcmp(kind, "day_pass") == 0)
		out->item.day_pass_id = tier_id;
	else if (strcmp(kind, "day_tier") == 0)
		out->item.day_tier_price_id = tier_id;
	return ERR_OK;
}

/* Makes the shadow account, inside the caller's transaction. */
static enum db_rc
shadow_create(struct db *db, int64_t now, const char *email, const char *name,
    const char *phone, enum lang lang, int64_t *user_id)
{
	struct user	 u;

	memset(&u, 0, sizeof(u));
	if ((size_t)snprintf(u.email, sizeof(u.email), "%s", email) >=
	    sizeof(u.email))
		return DB_CONSTRAINT;
	snprintf(u.name, sizeof(u.name), "%s", name != NULL ? name : "");
	snprintf(u.phone, sizeof(u.phone), "%s", phone != NULL ? phone : "");
	snprintf(u.locale, sizeof(u.locale), "%s", i18n_code(lang));
	snprintf(u.password_hash, sizeof(u.password_hash), "%s",
	    GUESTPAY_NO_PASSWORD);
	u.role = ROLE_CUSTOMER;
	u.is_active = 1;
	return user_create(db, &u, now, user_id);
}

enum err
guestpay_owner(struct db *db, int64_t now, const char *email,
    const char *name, const char *phone, enum lang lang, int64_t *user_id,
    int *created)
{
	struct user	 u;
	char		 folded[EMAIL_MAX + 1];
	enum db_rc	 rc;
	int		 attempt;

	*user_id = 0;
	*created = 0;
	if ((size_t)snprintf(folded, sizeof(folded), "%s", email) >=
	    sizeof(folded))
		return ERR_BAD_REQUEST;
	user_fold_email(folded);
	/* Twice: a guest who made the account a moment ago wins. */
	for (attempt = 0; attempt < 2; attempt++) {
		if ((rc = db_tx_immediate(db)) != DB_OK)
			return err_from_db(rc);
		if ((rc = user_by_email(db, folded, &u)) == DB_OK) {
			*user_id = u.id;
			db_tx_rollback(db);
			return ERR_OK;
		}
		if (rc == DB_NOTFOUND && (rc = shadow_create(db, now, folded,
		    name, phone, lang, user_id)) == DB_OK &&
		    (rc = db_tx_commit(db)) == DB_OK) {
			*created = 1;
			return ERR_OK;
		}
		db_tx_rollback(db);
		*user_id = 0;
		if (rc != DB_CONSTRAINT)
			return err_from_db(rc);
	}
	return ERR_INTERNAL;
}
