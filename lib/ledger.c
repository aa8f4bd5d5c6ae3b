/*
 * The money ledger (ledger.h).
 */
#include <stdint.h>

#include "db.h"
#include "ledger.h"

enum stmt { STMT_ADD, STMT_NET, STMT__MAX };

static const char *const stmts[STMT__MAX] = {
	[STMT_ADD] =
	    "INSERT INTO ledger (order_id, payment_id, refund_id, kind, amount,"
	    " currency, provider, reference, created_at)"
	    " VALUES (?1, nullif(?2, 0), nullif(?3, 0), ?4, ?5, ?6, ?7, ?8, ?9)",
	/* Fee rows are memos of a charge's split, not money moving. */
	[STMT_NET] =
	    "SELECT coalesce(sum(amount), 0) FROM ledger"
	    " WHERE order_id = ?1 AND kind <> 'fee'",
};

static const char *const kind_names[LEDGER_KIND__MAX] = {
	[LEDGER_CHARGE] = "charge",
	[LEDGER_FEE] = "fee",
	[LEDGER_REFUND] = "refund",
};

enum db_rc
ledger_add(struct db *db, int64_t now, const struct ledger_entry *e)
{
	struct db_stmt	*st;
	int64_t		 amount;

	if (e->kind >= LEDGER_KIND__MAX || e->amount < 0)
		return DB_ERROR;
	if (e->amount == 0)
		return DB_OK;
	amount = e->kind == LEDGER_REFUND ? -e->amount : e->amount;
	if ((st = db_stmt(db, stmts[STMT_ADD])) == NULL ||
	    db_bind_int(st, 1, e->order_id) == -1 ||
	    db_bind_int(st, 2, e->payment_id) == -1 ||
	    db_bind_int(st, 3, e->refund_id) == -1 ||
	    db_bind_text(st, 4, kind_names[e->kind]) == -1 ||
	    db_bind_int(st, 5, amount) == -1 ||
	    db_bind_text(st, 6, e->currency) == -1 ||
	    db_bind_text(st, 7, e->provider) == -1 ||
	    db_bind_text(st, 8, e->reference) == -1 ||
	    db_bind_int(st, 9, now) == -1)
		return DB_ERROR;
	return db_exec(db, st);
}

enum db_rc
ledger_net(struct db *db, int64_t order_id, int64_t *net)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	*net = 0;
	if ((st = db_stmt(db, stmts[STMT_NET])) == NULL ||
	    db_bind_int(st, 1, order_id) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK)
		*net = db_col_int(st, 0);
	db_reset(st);
	return rc;
}
