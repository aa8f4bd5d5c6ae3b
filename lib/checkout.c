/*
 * Placing and cancelling orders of seed 004's API (checkout.h).
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "checkout.h"
#include "db.h"
#include "limits.h"
#include "order.h"
#include "payment.h"

enum stmt {
	STMT_ROW,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	/* A ticket_types row: what it is and whose variant. */
	[STMT_ROW] =
	    "SELECT kind, coalesce(parent_id, 0), pricing_type"
	    " FROM ticket_types WHERE id = ?1",
};

/* What an item's ids name, by its type's pricing. */
struct pricing_rule {
	const char	*pricing_type;
	const char	*variant_kind;	/* NULL: the type itself is sold */
	const char	*missing;	/* reasons, seed 004's words */
	const char	*invalid;
};

static const struct pricing_rule rules[] = {
	{ "simple", NULL, NULL, NULL },
	{ "tiered", "tier", "Ticket tier is required for this ticket type",
	    "Invalid ticket tier" },
	{ "day_based", "day_pass", "Day pass is required for this ticket type",
	    "Invalid day pass" },
	{ "tier_and_day", "day_tier", "Day+Tier price combination is required "
	    "for this ticket type", "Invalid day+tier price combination" },
};

int64_t
checkout_fee(int64_t subtotal, int basis_points)
{
	int64_t	 q = subtotal * basis_points, fee = q / 10000;
	int64_t	 rest = q % 10000;

	if (rest > 5000 || (rest == 5000 && fee % 2 == 1))
		fee++;
	return fee;
}

int
checkout_parse_percent(const char *s, int *basis_points)
{
	int	 whole = 0, frac = 0, digits = 0, i;

	for (i = 0; isdigit((unsigned char)s[i]) && whole <= 1000; i++)
		whole = whole * 10 + (s[i] - '0');
	if (i == 0)
		return -1;
	if (s[i] == '.')
		for (i++; isdigit((unsigned char)s[i]) && digits < 2; i++) {
			frac = frac * 10 + (s[i] - '0');
			digits++;
		}
	if (s[i] != '\0' || (s[i - 1] == '.'))
		return -1;
	if (digits == 1)
		frac *= 10;
	*basis_points = whole * 100 + frac;
	return *basis_points <= SERVICE_FEE_PERCENT_MAX * 100 ? 0 : -1;
}

/* Reads row id: its kind, parent and pricing.  0 when there is none. */
static int
row_of(struct db *db, int64_t id, char kind[16], int64_t *parent,
    char pricing[16])
{
	struct db_stmt	*st;
	int		 found;

	if ((st = db_stmt(db, stmts[STMT_ROW])) == NULL ||
	    db_bind_int(st, 1, id) == -1)
		return -1;
	if ((found = db_step(db, st) == DB_OK)) {
		snprintf(kind, 16, "%s", db_col_text(st, 0));
		*parent = db_col_int(st, 1);
		snprintf(pricing, 16, "%s", db_col_text(st, 2));
	}
	db_reset(st);
	return found;
}

/*
 * The ticket_types row item buys, checked against its type's pricing
 * as seed 004 does; 0 with *reason set when it does not fit.
 */
static int64_t
sold_row(struct db *db, const struct checkout_item *it, const char **reason)
{
	const struct pricing_rule *r = NULL;
	char		 kind[16], pricing[16], vkind[16], vpricing[16];
	int64_t		 parent, vparent, variant = 0;
	size_t		 i, given = 0;

	*reason = "Ticket type not found";
	if (row_of(db, it->ticket_type_id, kind, &parent, pricing) != 1 ||
	    strcmp(kind, "type") != 0)
		return 0;
	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (strcmp(rules[i].pricing_type, pricing) == 0)
			r = &rules[i];
	if (r == NULL) {
		*reason = "Invalid pricing type";
		return 0;
	}
	given = (it->tier_id != 0) + (it->day_pass_id != 0) +
	    (it->day_tier_price_id != 0);
	if (r->variant_kind == NULL) {
		if (given != 0) {
			*reason = "This ticket type does not use tiers or day "
			    "passes";
			return 0;
		}
		return it->ticket_type_id;
	}
	if (strcmp(r->variant_kind, "tier") == 0)
		variant = it->tier_id;
	else if (strcmp(r->variant_kind, "day_pass") == 0)
		variant = it->day_pass_id;
	else
		variant = it->day_tier_price_id;
	if (variant == 0) {
		*reason = r->missing;
		return 0;
	}
	if (given != 1) {
		*reason = strcmp(r->variant_kind, "tier") == 0 ?
		    "This ticket type does not use day passes" :
		    "This ticket type does not use tiers";
		return 0;
	}
	if (row_of(db, variant, vkind, &vparent, vpricing) != 1 ||
	    strcmp(vkind, r->variant_kind) != 0 ||
	    vparent != it->ticket_type_id) {
		*reason = r->invalid;
		return 0;
	}
	return variant;
}

/* The order's lines: one per variant, counts of repeats added. */
static enum err
lines_of(struct db *db, const struct checkout_item *items, size_t n,
    struct order_line_req *lines, size_t *nlines, struct checkout_fault *f)
{
	int64_t		 row;
	size_t		 i, j;

	*nlines = 0;
	for (i = 0; i < n; i++) {
		if ((row = sold_row(db, &items[i], &f->reason)) == 0) {
			f->item = i;
			return ERR_BAD_REQUEST;
		}
		for (j = 0; j < *nlines && lines[j].ticket_type_id != row; j++)
			continue;
		if (j == *nlines) {
			lines[j].ticket_type_id = row;
			lines[j].count = 0;
			(*nlines)++;
		}
		lines[j].count += items[i].quantity;
	}
	return ERR_OK;
}

enum err
checkout_place_lines(struct db *db, int64_t now, int64_t event_id,
    const struct order_line_req *lines, size_t nlines, int64_t discount,
    const struct order_buyer *b, const char *client, int fee_basis_points,
    int64_t release_id, int *released_started, struct checkout_placed *out)
{
	struct order	 o;
	enum db_rc	 rc;
	enum err	 e;

	*released_started = 0;
	if ((e = order_hold(db, now, event_id, lines, nlines, NULL, client,
	    release_id, released_started, &out->order_id,
	    &out->tickets_left)) != ERR_OK)
		return e;
	if ((rc = order_load(db, out->order_id, &o)) != DB_OK ||
	    (discount > 0 && (rc = order_set_discount(db, o.id, discount)) !=
	    DB_OK) ||
	    (rc = order_set_buyer(db, o.id, b, checkout_fee(o.subtotal -
	    discount, fee_basis_points))) != DB_OK)
		return err_from_db(rc);
	if ((e = order_email_cap(db, now, &o, b->email)) != ERR_OK)
		return e;
	/* Nothing to pay: confirmed now, by nobody. */
	if (o.subtotal - discount == 0) {
		if ((rc = pay_confirm_direct(db, now, o.id, "free", NULL)) !=
		    DB_OK)
			return err_from_db(rc);
		out->confirmed = 1;
	}
	return ERR_OK;
}

enum err
checkout_place(struct db *db, int64_t now, int64_t event_id,
    const struct checkout_item *items, size_t nitems,
    const struct order_buyer *b, const char *client, int fee_basis_points,
    struct checkout_placed *out)
{
	struct order_line_req	 lines[ARRAY_ITEMS_MAX];
	size_t			 nlines;
	enum db_rc		 rc;
	enum err		 e;
	int			 released;

	memset(out, 0, sizeof(*out));
	if (nitems == 0 || nitems > ARRAY_ITEMS_MAX)
		return ERR_BAD_REQUEST;
	if ((rc = db_tx_immediate(db)) != DB_OK)
		return err_from_db(rc);
	if ((e = lines_of(db, items, nitems, lines, &nlines, &out->fault)) !=
	    ERR_OK ||
	    (e = checkout_place_lines(db, now, event_id, lines, nlines, 0, b,
	    client, fee_basis_points, 0, &released, out)) != ERR_OK)
		goto fail;
	if ((rc = db_tx_commit(db)) != DB_OK) {
		e = err_from_db(rc);
		goto fail;
	}
	return ERR_OK;
fail:
	db_tx_rollback(db);
	out->order_id = 0;
	out->confirmed = 0;
	return e;
}

enum err
checkout_cancel(struct db *db, int64_t now, int64_t order_id,
    const char *reason, const char **state_detail, int *payment_open)
{
	struct order	 o;
	enum db_rc	 rc;

	*state_detail = NULL;
	*payment_open = 0;
	if ((rc = db_tx_immediate(db)) != DB_OK)
		return err_from_db(rc);
	if ((rc = order_load(db, order_id, &o)) != DB_OK)
		goto dbfail;
	if (o.status != ORDER_RESERVED) {
		db_tx_rollback(db);
		*state_detail = o.status == ORDER_PAID ?
		    "Cannot cancel confirmed order. Please request a refund "
		    "instead." : "Order can no longer be cancelled.";
		return ERR_ORDER_STATE;
	}
	*payment_open = o.payment_started;
	if ((rc = order_release(db, o.id, ORDER_CANCELLED)) != DB_OK ||
	    (rc = order_note_cancel(db, o.id, now, reason != NULL ? reason :
	    "Customer cancellation")) != DB_OK ||
	    (rc = db_tx_commit(db)) != DB_OK)
		goto dbfail;
	return ERR_OK;
dbfail:
	db_tx_rollback(db);
	*payment_open = 0;
	return rc == DB_NOTFOUND ? ERR_ORDER_NOT_FOUND : err_from_db(rc);
}
