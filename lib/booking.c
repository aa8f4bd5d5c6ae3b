/*
 * Seat bookings (seed 001) on the order core: see booking.h.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "booking.h"
#include "db.h"
#include "env001.h"
#include "field.h"
#include "jsonout.h"
#include "log.h"
#include "payment.h"
#include "provider.h"
#include "seat.h"
#include "tfmt.h"

/* Categories priced in one inventory answer before the rest read 0. */
#define CATEGORIES_MAX	32

enum stmt {
	STMT_EVENT,
	STMT_SEAT_CATEGORY,
	STMT_CATEGORY_TYPE,
	STMT_ORDER_SEAT_INSERT,
	STMT_BOOKING_INSERT,
	STMT_BY_UID,
	STMT_FORGET_METHOD,
	STMT_DUE,
	STMT_GET,
	STMT_SEATS,
	STMT_LIST,
	STMT_COUNT,
	STMT_POLICY,
	STMT_SET_CANCELLED,
	STMT_LAST_PAYMENT,
	STMT_CURRENCY,
	STMT__MAX
};

/* A booking as seed 001 shows it; ?1 uid or user, ?2 user or set, ?3
 * now (a hold past its end reads as expired before cron has run). */
#define BOOKING_COLS \
	"o.id, o.uid, b.user_id, coalesce(e.slug, CAST(e.id AS TEXT))," \
	" e.title, e.event_at, coalesce(v.name, e.venue_name, '')," \
	" CASE WHEN o.status = 'reserved' AND o.expires_at <= ?3" \
	" THEN 'expired' ELSE o.status END, o.total, o.currency," \
	" o.created_at, coalesce(o.paid_at, 0)," \
	" (SELECT max(p.id) FROM payments p WHERE p.order_id = o.id)"
#define BOOKING_FROM \
	" FROM bookings b JOIN orders o ON o.id = b.order_id" \
	" JOIN events e ON e.id = o.event_id" \
	" LEFT JOIN venues v ON v.id = e.venue_id"
#define BOOKING_MINE \
	" WHERE b.user_id = ?1 AND (?2 IS NULL OR instr(?2, ',' ||" \
	" CASE WHEN o.status = 'reserved' AND o.expires_at <= ?3" \
	" THEN 'expired' ELSE o.status END || ',') > 0)"

static const char *const stmts[STMT__MAX] = {
	/* An event by slug, or by id when ref is a number. */
	[STMT_EVENT] =
	    "SELECT id FROM events WHERE (slug = ?1 OR id = ?2)"
	    " AND status <> 'draft' ORDER BY slug IS ?1 DESC LIMIT 1",
	/* A seat of the event: its category, and whether someone has it. */
	[STMT_SEAT_CATEGORY] =
	    "SELECT s.category, es.status IN ('RESERVED', 'SOLD') OR"
	    " (es.status = 'LOCKED' AND es.locked_until > ?3)"
	    " FROM event_seats es JOIN seats s"
	    " ON s.id = es.seat_id WHERE es.event_id = ?1 AND es.seat_id = ?2",
	/*
	 * A seat's price: the event's simple ticket type named like the
	 * seat's category (any case), else the event's only one.
	 */
	[STMT_CATEGORY_TYPE] =
	    "SELECT t.id, t.price FROM event_ticket_types x"
	    " JOIN ticket_types t ON t.id = x.ticket_type_id"
	    " WHERE x.event_id = ?1 AND t.kind = 'type'"
	    " AND t.pricing_type = 'simple' AND t.visible = 1"
	    " AND t.sellable = 1 AND (lower(t.title) = lower(?2) OR"
	    " (SELECT count(*) FROM event_ticket_types x2"
	    " JOIN ticket_types t2 ON t2.id = x2.ticket_type_id"
	    " WHERE x2.event_id = ?1 AND t2.kind = 'type'"
	    " AND t2.pricing_type = 'simple' AND t2.visible = 1"
	    " AND t2.sellable = 1) = 1)"
	    " ORDER BY lower(t.title) = lower(?2) DESC, t.id LIMIT 1",
	[STMT_ORDER_SEAT_INSERT] =
	    "INSERT INTO order_seats (order_id, seat_id, ticket_type_id)"
	    " VALUES (?1, ?2, ?3)",
	[STMT_BOOKING_INSERT] =
	    "INSERT INTO bookings (order_id, user_id, payment_method,"
	    " created_at) VALUES (?1, ?2, ?3, ?4)",
	[STMT_BY_UID] =
	    "SELECT o.id, b.user_id, coalesce(b.payment_method, '')"
	    " FROM bookings b JOIN orders o ON o.id = b.order_id"
	    " WHERE o.uid = ?1",
	[STMT_FORGET_METHOD] =
	    "UPDATE bookings SET payment_method = NULL WHERE order_id = ?1",
	[STMT_DUE] =
	    "SELECT o.uid FROM bookings b JOIN orders o ON o.id = b.order_id"
	    " WHERE b.payment_method IS NOT NULL AND b.created_at < ?1"
	    " ORDER BY b.created_at LIMIT ?2",
	[STMT_GET] =
	    "SELECT " BOOKING_COLS BOOKING_FROM
	    " WHERE o.uid = ?1 AND (?2 = 0 OR b.user_id = ?2)",
	[STMT_SEATS] =
	    "SELECT seat_id FROM order_seats WHERE order_id = ?1"
	    " ORDER BY seat_id",
	[STMT_LIST] =
	    "SELECT " BOOKING_COLS BOOKING_FROM BOOKING_MINE
	    " ORDER BY b.created_at DESC, o.id DESC LIMIT ?4 OFFSET ?5",
	[STMT_COUNT] =
	    "SELECT count(*)" BOOKING_FROM BOOKING_MINE,
	[STMT_POLICY] =
	    "SELECT e.event_at, e.booking_cancel_hours,"
	    " e.booking_refund_percent, o.total - o.refunded"
	    " FROM orders o JOIN events e ON e.id = o.event_id"
	    " WHERE o.id = ?1",
	[STMT_SET_CANCELLED] =
	    "UPDATE bookings SET cancelled_at = ?2 WHERE order_id = ?1",
	[STMT_LAST_PAYMENT] =
	    "SELECT id, amount, currency, status,"
	    " coalesce(nullif(payment_reference, ''), provider_ref, ''),"
	    " coalesce(paid_at, updated_at) FROM payments"
	    " WHERE order_id = ?1 ORDER BY id DESC LIMIT 1",
	[STMT_CURRENCY] =
	    "SELECT currency FROM events WHERE id = ?1",
};

_Static_assert(sizeof(stmts) / sizeof(stmts[0]) == STMT__MAX,
    "statement table out of sync with enum stmt");

/* Seed 001's word for each order status (booking_status_word). */
static const char *const words[ORDER_STATUS__MAX] = {
	[ORDER_RESERVED] = "PENDING",
	[ORDER_PAID] = "CONFIRMED",
	[ORDER_PARTIALLY_REFUNDED] = "CONFIRMED",
	[ORDER_FAILED] = "FAILED",
	[ORDER_EXPIRED] = "FAILED",
	[ORDER_CANCELLED] = "CANCELLED",
	[ORDER_REFUNDED] = "CANCELLED",
};

/* And back: the statuses each word stands for, for a filter. */
static const struct {
	const char	*word;
	const char	*set;
} sets[] = {
	{ "PENDING", ",reserved," },
	{ "CONFIRMED", ",paid,partially_refunded," },
	{ "FAILED", ",failed,expired," },
	{ "CANCELLED", ",cancelled,refunded," },
};

/* Seed 001's payment words for payments.status. */
static const char *const pay_words[][2] = {
	{ "created", "PENDING" }, { "pending", "PENDING" },
	{ "paid", "SUCCESS" }, { "declined", "FAILED" }, { "error", "FAILED" },
	{ "cancelled", "CANCELLED" }, { "refunded", "REFUNDED" },
};

const char *
booking_status_word(enum order_status s)
{
	return s < ORDER_STATUS__MAX && words[s] != NULL ? words[s] : "FAILED";
}

const char *
booking_status_set(const char *word)
{
	size_t	 i;

	for (i = 0; word != NULL && i < sizeof(sets) / sizeof(sets[0]); i++)
		if (strcmp(word, sets[i].word) == 0)
			return sets[i].set;
	return NULL;
}

/*
 * Input.
 */

/* A seat id as seed 001 writes it ("seat_12") or as a number (12, the
 * id of GET /api/events/{slug}/seats/).  Returns 0 or -1. */
static int
seat_id_parse(const cJSON *v, int64_t *id)
{
	const char	*digits;

	if (cJSON_IsNumber(v)) {
		if (v->valuedouble < 1 || v->valuedouble > (double)ID_MAX ||
		    v->valuedouble != (double)(int64_t)v->valuedouble)
			return -1;
		*id = (int64_t)v->valuedouble;
		return 0;
	}
	if (!cJSON_IsString(v) ||
	    (digits = env001_strip(v->valuestring, ENV001_SEAT)) == NULL)
		return -1;
	return field_strtonum(digits, 1, ID_MAX, id);
}

/* The seatIds list into in; a reason into errs when it is not one. */
static enum err
seats_parse(const cJSON *list, struct booking_in *in, cJSON *errs)
{
	const cJSON	*v;
	size_t		 i, n = 0;

	if (list == NULL) {
		cJSON_AddStringToObject(errs, "seatIds", "This field is required.");
		return ERR_BAD_REQUEST;
	}
	if (!cJSON_IsArray(list)) {
		cJSON_AddStringToObject(errs, "seatIds", "Must be a list of seat ids.");
		return ERR_BAD_REQUEST;
	}
	if (cJSON_GetArraySize(list) < 1 ||
	    cJSON_GetArraySize(list) > BOOKING_SEATS_MAX)
		return ERR_SEAT_COUNT;
	cJSON_ArrayForEach(v, list) {
		if (seat_id_parse(v, &in->seats[n]) == -1) {
			cJSON_AddStringToObject(errs, "seatIds",
			    "Seat ids look like \"seat_12\".");
			return ERR_BAD_REQUEST;
		}
		for (i = 0; i < n; i++)
			if (in->seats[i] == in->seats[n]) {
				cJSON_AddStringToObject(errs, "seatIds",
				    "A seat is listed twice.");
				return ERR_BAD_REQUEST;
			}
		n++;
	}
	in->nseats = n;
	return ERR_OK;
}

/* paymentMethod {"type": "card", "token"} into in. */
static int
method_parse(const cJSON *pm, struct booking_in *in, cJSON *errs)
{
	const cJSON	*type, *token;
	const char	*t;
	size_t		 i;

	type = cJSON_GetObjectItemCaseSensitive(pm, "type");
	token = cJSON_GetObjectItemCaseSensitive(pm, "token");
	if (!cJSON_IsObject(pm) || !cJSON_IsString(type) ||
	    strcmp(type->valuestring, "card") != 0) {
		cJSON_AddStringToObject(errs, "paymentMethod",
		    "Must be {\"type\": \"card\", \"token\": \"pm_...\"}.");
		return -1;
	}
	/* A Stripe id: it goes into a form body, nothing else may pass. */
	t = cJSON_IsString(token) ? token->valuestring : "";
	for (i = 0; t[i] != '\0' && i < PAY_METHOD_MAX; i++)
		if (!((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= 'A' &&
		    t[i] <= 'Z') || (t[i] >= '0' && t[i] <= '9') || t[i] == '_'))
			break;
	if (i == 0 || t[i] != '\0' || (strncmp(t, "pm_", 3) != 0 &&
	    strncmp(t, "tok_", 4) != 0)) {
		cJSON_AddStringToObject(errs, "paymentMethod.token",
		    "Must be a Stripe payment method (pm_...) or card token "
		    "(tok_...).");
		return -1;
	}
	snprintf(in->payment_method, sizeof(in->payment_method), "%s", t);
	return 0;
}

enum err
booking_parse(const cJSON *body, struct booking_in *in, cJSON *errs)
{
	const cJSON	*ev;
	enum err	 seats;
	int		 bad = 0;

	memset(in, 0, sizeof(*in));
	if (!cJSON_IsObject(body)) {
		cJSON_AddStringToObject(errs, "body", "Must be a JSON object.");
		return ERR_BAD_REQUEST;
	}
	/* The event's slug, or its id as a number or a string. */
	ev = cJSON_GetObjectItemCaseSensitive(body, "eventId");
	if (cJSON_IsString(ev) && ev->valuestring[0] != '\0' &&
	    strlen(ev->valuestring) <= SLUG_MAX)
		snprintf(in->event, sizeof(in->event), "%s", ev->valuestring);
	else if (cJSON_IsNumber(ev) && ev->valuedouble >= 1 &&
	    ev->valuedouble <= (double)ID_MAX &&
	    ev->valuedouble == (double)(int64_t)ev->valuedouble)
		snprintf(in->event, sizeof(in->event), "%lld",
		    (long long)ev->valuedouble);
	else {
		cJSON_AddStringToObject(errs, "eventId", ev == NULL ?
		    "This field is required." : "Must be an event id.");
		bad = 1;
	}
	seats = seats_parse(cJSON_GetObjectItemCaseSensitive(body, "seatIds"),
	    in, errs);
	bad |= method_parse(cJSON_GetObjectItemCaseSensitive(body,
	    "paymentMethod"), in, errs) == -1;
	if (seats == ERR_BAD_REQUEST)
		bad = 1;
	if (bad)
		return ERR_BAD_REQUEST;
	return seats;
}

/*
 * Statements run by index, binding integers and texts in order.
 */

/* Prepares statement k and binds the integers v[0..n) to ?1.. */
static struct db_stmt *
prep(struct db *db, int k, const int64_t *v, int n)
{
	struct db_stmt	*st;
	int		 i;

	if ((st = db_stmt(db, stmts[k])) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (db_bind_int(st, i + 1, v[i]) == -1)
			return NULL;
	return st;
}

/* Runs statement k with the integers v[0..n) for its effect. */
static enum db_rc
run(struct db *db, int k, const int64_t *v, int n)
{
	struct db_stmt	*st;

	if ((st = prep(db, k, v, n)) == NULL)
		return DB_ERROR;
	return db_exec(db, st);
}

/* The event named ref (slug or id), not a draft. */
static enum db_rc
event_find(struct db *db, const char *ref, int64_t *id)
{
	struct db_stmt	*st;
	int64_t		 num = 0;
	enum db_rc	 rc;

	(void)field_strtonum(ref, 1, ID_MAX, &num);
	if ((st = db_stmt(db, stmts[STMT_EVENT])) == NULL ||
	    db_bind_text(st, 1, ref) == -1 || db_bind_int(st, 2, num) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK)
		*id = db_col_int(st, 0);
	db_reset(st);
	return rc;
}

/* The ticket type (and its price) that prices category at event_id:
 * DB_NOTFOUND when none does. */
static enum db_rc
category_type(struct db *db, int64_t event_id, const char *category,
    int64_t *type_id, int64_t *price)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	if ((st = db_stmt(db, stmts[STMT_CATEGORY_TYPE])) == NULL ||
	    db_bind_int(st, 1, event_id) == -1 ||
	    db_bind_text(st, 2, category) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK) {
		*type_id = db_col_int(st, 0);
		*price = db_col_int(st, 1);
	}
	db_reset(st);
	return rc;
}

/* The ticket type of seat_id at event_id, and whether it is *taken at
 * now: DB_NOTFOUND when the seat is not the event's or has no price. */
static enum db_rc
seat_type(struct db *db, int64_t event_id, int64_t seat_id, int64_t now,
    int64_t *type_id, int *taken)
{
	struct db_stmt	*st;
	char		 category[SEAT_CATEGORY_MAX * 4 + 1];
	int64_t		 v[3] = { event_id, seat_id, now }, price;
	enum db_rc	 rc;

	if ((st = prep(db, STMT_SEAT_CATEGORY, v, 3)) == NULL)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK) {
		snprintf(category, sizeof(category), "%s", db_col_text(st, 0));
		*taken = db_col_int(st, 1) != 0;
	}
	db_reset(st);
	if (rc != DB_OK)
		return rc;
	return category_type(db, event_id, category, type_id, &price);
}

/*
 * The order lines of in's seats: one per ticket type, counted; types[i]
 * is seat i's.  Returns ERR_OK, ERR_SEAT_NOT_FOUND, ERR_SEAT_TAKEN (so
 * that a seat someone has is the answer, not the quota it fills) or a
 * storage outcome.
 */
static enum err
seat_lines(struct db *db, int64_t now, int64_t event_id,
    const struct booking_in *in, int64_t *types,
    struct order_line_req *lines, size_t *nlines)
{
	enum db_rc	 rc;
	size_t		 i, k;
	int		 taken = 0;

	*nlines = 0;
	for (i = 0; i < in->nseats; i++) {
		if ((rc = seat_type(db, event_id, in->seats[i], now, &types[i],
		    &taken)) == DB_NOTFOUND)
			return ERR_SEAT_NOT_FOUND;
		if (rc != DB_OK)
			return err_from_db(rc);
		if (taken)
			return ERR_SEAT_TAKEN;
		for (k = 0; k < *nlines && lines[k].ticket_type_id != types[i];
		    k++)
			continue;
		if (k == *nlines) {
			lines[k].ticket_type_id = types[i];
			lines[k].count = 0;
			(*nlines)++;
		}
		lines[k].count++;
	}
	return ERR_OK;
}

/* Records the seats and the booking of the order just held. */
static enum db_rc
booking_rows(struct db *db, int64_t now, int64_t order_id,
    const struct booking_in *in, const int64_t *types, int64_t user_id)
{
	struct db_stmt	*st;
	enum db_rc	 rc;
	size_t		 i;

	for (i = 0; i < in->nseats; i++) {
		int64_t	 v[3] = { order_id, in->seats[i], types[i] };

		if ((rc = run(db, STMT_ORDER_SEAT_INSERT, v, 3)) != DB_OK)
			return rc;
	}
	if ((st = db_stmt(db, stmts[STMT_BOOKING_INSERT])) == NULL ||
	    db_bind_int(st, 1, order_id) == -1 ||
	    db_bind_int(st, 2, user_id) == -1 ||
	    db_bind_text(st, 3, in->payment_method) == -1 ||
	    db_bind_int(st, 4, now) == -1)
		return DB_ERROR;
	return db_exec(db, st);
}

enum err
booking_place(struct db *db, int64_t now, const struct booking_in *in,
    const struct booking_who *who, char uid[UUID_LEN + 1])
{
	struct order_line_req	 lines[BOOKING_SEATS_MAX];
	struct order_buyer	 buyer = { who->user_id, who->email, who->name,
				    NULL, NULL, who->lang };
	struct order		 o;
	int64_t			 types[BOOKING_SEATS_MAX], event_id = 0;
	int64_t			 order_id = 0, left = 0;
	size_t			 nlines;
	enum db_rc		 rc;
	enum err		 e;
	int			 started;

	uid[0] = '\0';
	if (in->nseats < 1 || in->nseats > BOOKING_SEATS_MAX)
		return ERR_SEAT_COUNT;
	if ((rc = db_tx_immediate(db)) != DB_OK)
		return err_from_db(rc);
	if ((rc = event_find(db, in->event, &event_id)) != DB_OK) {
		e = rc == DB_NOTFOUND ? ERR_EVENT_NOT_FOUND : err_from_db(rc);
		goto fail;
	}
	if (!pay_event_takes(db, event_id, PROVIDER_STRIPE)) {
		e = ERR_PROVIDER_UNAVAILABLE;
		goto fail;
	}
	/* The hold of lib/order: sales, limits, quotas; then the seats. */
	if ((e = seat_lines(db, now, event_id, in, types, lines, &nlines)) !=
	    ERR_OK || (e = order_hold(db, now, event_id, lines, nlines, NULL,
	    who->client, 0, &started, &order_id, &left)) != ERR_OK)
		goto fail;
	if ((rc = order_load(db, order_id, &o)) != DB_OK)
		goto dbfail;
	if ((e = seat_lock(db, event_id, order_id, in->seats, in->nseats, now,
	    o.expires_at)) != ERR_OK)
		goto fail;
	if ((rc = booking_rows(db, now, order_id, in, types,
	    who->user_id)) != DB_OK ||
	    (rc = order_set_buyer(db, order_id, &buyer, 0)) != DB_OK ||
	    (rc = db_tx_commit(db)) != DB_OK)
		goto dbfail;
	snprintf(uid, UUID_LEN + 1, "%s", o.uid);
	return ERR_OK;
dbfail:
	e = err_from_db(rc);
fail:
	db_tx_rollback(db);
	return e;
}

/*
 * The charge.
 */

/* The booking uid: its order, its owner and its payment method ("" once
 * answered). */
static enum db_rc
booking_find(struct db *db, const char *uid, int64_t *order_id,
    int64_t *owner, char method[PAY_METHOD_MAX + 1])
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	if ((st = db_stmt(db, stmts[STMT_BY_UID])) == NULL ||
	    db_bind_text(st, 1, uid) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK) {
		*order_id = db_col_int(st, 0);
		*owner = db_col_int(st, 1);
		snprintf(method, PAY_METHOD_MAX + 1, "%s", db_col_text(st, 2));
	}
	db_reset(st);
	return rc;
}

/* Forgets the payment method once the booking has its answer. */
static void
forget_method(struct db *db, int64_t order_id)
{
	if (run(db, STMT_FORGET_METHOD, &order_id, 1) != DB_OK)
		log_warn("booking %lld: payment method not forgotten",
		    (long long)order_id);
}

/* Fails the booking (its hold, if it still is one) at once: the card
 * was refused outright or the payment could not begin. */
static enum err
booking_fail(struct db *db, int64_t order_id)
{
	struct order	 o;
	enum db_rc	 rc;

	if ((rc = db_tx_immediate(db)) != DB_OK)
		return err_from_db(rc);
	if ((rc = order_load(db, order_id, &o)) == DB_OK &&
	    o.status == ORDER_RESERVED)
		rc = order_release(db, order_id, ORDER_FAILED);
	if (rc == DB_OK)
		rc = run(db, STMT_FORGET_METHOD, &order_id, 1);
	if (rc == DB_OK && (rc = db_tx_commit(db)) == DB_OK)
		return ERR_OK;
	db_tx_rollback(db);
	return err_from_db(rc);
}

/* Asks Stripe about the PaymentIntent ref and applies its word. */
static enum err
apply_word(struct db *db, const struct provider *pv, int64_t order_id,
    const char *ref, struct booking_charged *out)
{
	struct pay_confirmed	 c;
	struct pay_effect	 fx;
	struct order		 o;
	char			 err[256] = "";
	enum err		 e;

	if (provider_retrieve(pv, ref, &c, err, sizeof(err)) != PAY_OK) {
		log_warn("booking %lld: %s: %s", (long long)order_id, ref, err);
		return ERR_PAYMENT_START_FAILED;
	}
	if (c.status == PAY_CREATED || c.status == PAY_PENDING) {
		out->outcome = "on its way";
		return ERR_OK;
	}
	if ((e = pay_apply(db, tfmt_now(), &c,
	    "{\"source\":\"biljett booking-charge\"}", &fx)) != ERR_OK)
		return e;
	out->tickets_issued = fx.tickets_issued;
	out->refund_needed = fx.refund_needed;
	out->outcome = fx.outcome;
	if (order_load(db, order_id, &o) == DB_OK &&
	    o.status != ORDER_RESERVED)
		forget_method(db, order_id);
	return ERR_OK;
}

/* Creates (and so confirms) the PaymentIntent of req for payment_id. */
static enum err
create_intent(struct db *db, const struct provider *pv, int64_t order_id,
    int64_t payment_id, struct pay_request *req, const char *method,
    struct booking_charged *out)
{
	struct pay_created	 created;
	enum pay_err		 pe;
	char			 err[256] = "";
	enum err		 e;

	snprintf(req->payment_method, sizeof(req->payment_method), "%s",
	    method);
	pe = provider_create(pv, req, &created, err, sizeof(err));
	if (pe == PAY_OK) {
		if ((e = pay_created(db, payment_id, &created)) != ERR_OK)
			return e;
		return apply_word(db, pv, order_id, created.provider_ref, out);
	}
	log_warn("booking %lld: create: %s: %s", (long long)order_id,
	    pay_errstr(pe), err);
	if (pe != PAY_ERR_REJECTED && pe != PAY_ERR_PROTOCOL)
		return ERR_PAYMENT_START_FAILED;	/* asked again later */
	/* Refused with no intent made (no such card, say): it failed. */
	out->outcome = "refused";
	if ((e = pay_create_failed(db, payment_id, order_id, "refused")) !=
	    ERR_OK)
		return e;
	return booking_fail(db, order_id);
}

enum err
booking_charge(struct db *db, const struct provider *pv, const char *uid,
    struct booking_charged *out)
{
	struct payment		 p;
	struct pay_start	 start;
	struct pay_request	 req;
	struct order		 o;
	char			 method[PAY_METHOD_MAX + 1];
	int64_t			 order_id = 0, owner = 0;
	enum db_rc		 rc;
	enum err		 e;

	memset(out, 0, sizeof(*out));
	out->outcome = "nothing to do";
	if ((rc = booking_find(db, uid, &order_id, &owner, method)) != DB_OK)
		return rc == DB_NOTFOUND ? ERR_ORDER_NOT_FOUND :
		    err_from_db(rc);
	if (method[0] == '\0')
		return ERR_OK;		/* answered before */
	if ((rc = order_load(db, order_id, &o)) != DB_OK)
		return err_from_db(rc);

	/* A payment already begun: asked about, or created again. */
	if ((rc = pay_find_open(db, order_id, &p)) == DB_OK) {
		if (p.token[0] != '\0')
			return apply_word(db, pv, order_id, p.provider_ref, out);
		/*
		 * Recorded but never answered (its worker died while asking):
		 * the same ref is the same Idempotency-Key, so Stripe answers
		 * with the first outcome and charges nothing twice.
		 */
		memset(&req, 0, sizeof(req));
		snprintf(req.ref, sizeof(req.ref), "%s", p.provider_ref);
		req.amount = p.amount;
		snprintf(req.currency, sizeof(req.currency), "%s", p.currency);
		snprintf(req.reference, sizeof(req.reference), "%s", o.code);
		return create_intent(db, pv, order_id, p.id, &req, method, out);
	}
	if (rc != DB_NOTFOUND)
		return err_from_db(rc);

	/* None yet: only a live hold is charged. */
	if (o.status != ORDER_RESERVED || o.expires_at <= tfmt_now()) {
		forget_method(db, order_id);
		out->outcome = "no longer held";
		return ERR_OK;
	}
	e = pay_begin(db, tfmt_now(), PROVIDER_STRIPE, order_id, NULL, NULL,
	    &start);
	if (e == ERR_BUSY)
		return e;
	if (e != ERR_OK || start.existing) {
		log_warn("booking %lld: cannot begin paying (%d)",
		    (long long)order_id, (int)e);
		out->outcome = "could not begin";
		return booking_fail(db, order_id);
	}
	return create_intent(db, pv, order_id, start.payment_id, &start.req,
	    method, out);
}

enum err
booking_list_due(struct db *db, int64_t before, char (*uids)[UUID_LEN + 1],
    size_t max, size_t *n)
{
	struct db_stmt	*st;
	int64_t		 v[2] = { before, (int64_t)max };
	enum db_rc	 rc = DB_NOTFOUND;

	*n = 0;
	if ((st = prep(db, STMT_DUE, v, 2)) == NULL)
		return ERR_INTERNAL;
	while (*n < max && (rc = db_step(db, st)) == DB_OK)
		snprintf(uids[(*n)++], UUID_LEN + 1, "%s", db_col_text(st, 0));
	db_reset(st);
	return rc == DB_OK || rc == DB_NOTFOUND ? ERR_OK : err_from_db(rc);
}

/*
 * Reading.
 */

/* Adds "name": prefix + id, or null when id is 0. */
static void
add_num_id(cJSON *o, const char *name, const char *prefix, int64_t id)
{
	char	 buf[64];

	if (id > 0 && env001_num_id(buf, sizeof(buf), prefix, id) == 0)
		cJSON_AddStringToObject(o, name, buf);
	else
		cJSON_AddNullToObject(o, name);
}

/* The booking of a BOOKING_COLS row; full adds what only one booking's
 * own answer carries. */
static cJSON *
booking_json(struct db *db, struct db_stmt *st, int full)
{
	cJSON		*o, *seats;
	struct db_stmt	*ss;
	char		 id[UUID_LEN + 8];
	int64_t		 order_id = db_col_int(st, 0);
	enum order_status s = order_status_parse(db_col_text(st, 7));

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	(void)env001_id(id, sizeof(id), ENV001_BOOKING, db_col_text(st, 1));
	cJSON_AddStringToObject(o, "id", id);
	if (full)
		add_num_id(o, "userId", ENV001_USER, db_col_int(st, 2));
	cJSON_AddStringToObject(o, "eventId", db_col_text(st, 3));
	cJSON_AddStringToObject(o, "eventName", db_col_text(st, 4));
	json_add_time(o, "eventDate", db_col_int(st, 5));
	if (full)
		cJSON_AddStringToObject(o, "venueName", db_col_text(st, 6));
	seats = cJSON_AddArrayToObject(o, "seatIds");
	if ((ss = prep(db, STMT_SEATS, &order_id, 1)) != NULL) {
		while (db_step(db, ss) == DB_OK) {
			char	 sid[32];

			if (env001_num_id(sid, sizeof(sid), ENV001_SEAT,
			    db_col_int(ss, 0)) == 0)
				cJSON_AddItemToArray(seats,
				    cJSON_CreateString(sid));
		}
		db_reset(ss);
	}
	cJSON_AddStringToObject(o, "status", booking_status_word(s));
	cJSON_AddNumberToObject(o, "totalAmount", (double)db_col_int(st, 8));
	cJSON_AddStringToObject(o, "currency", db_col_text(st, 9));
	if (full)
		add_num_id(o, "paymentId", ENV001_PAYMENT, db_col_int(st, 12));
	json_add_time(o, "createdAt", db_col_int(st, 10));
	json_add_time(o, "confirmedAt", db_col_int(st, 11));
	return o;
}

enum err
booking_get(struct db *db, const char *uid, int64_t user_id, cJSON **out)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	*out = NULL;
	if ((st = db_stmt(db, stmts[STMT_GET])) == NULL ||
	    db_bind_text(st, 1, uid) == -1 ||
	    db_bind_int(st, 2, user_id) == -1 ||
	    db_bind_int(st, 3, tfmt_now()) == -1)
		return ERR_INTERNAL;
	if ((rc = db_step(db, st)) == DB_OK)
		*out = booking_json(db, st, 1);
	db_reset(st);
	if (rc != DB_OK)
		return rc == DB_NOTFOUND ? ERR_ORDER_NOT_FOUND : err_from_db(rc);
	return *out != NULL ? ERR_OK : ERR_INTERNAL;
}

/* Binds the user, the status set and now of BOOKING_MINE. */
static struct db_stmt *
mine(struct db *db, int k, int64_t user_id, const char *set)
{
	struct db_stmt	*st;

	if ((st = db_stmt(db, stmts[k])) == NULL ||
	    db_bind_int(st, 1, user_id) == -1 ||
	    db_bind_text(st, 2, set) == -1 ||
	    db_bind_int(st, 3, tfmt_now()) == -1)
		return NULL;
	return st;
}

enum err
booking_list(struct db *db, int64_t user_id, const char *set, int64_t page,
    int64_t per_page, cJSON **out, int64_t *total)
{
	struct db_stmt	*st;
	cJSON		*list, *o;
	enum db_rc	 rc;

	*out = NULL;
	*total = 0;
	if ((st = mine(db, STMT_COUNT, user_id, set)) == NULL)
		return ERR_INTERNAL;
	if ((rc = db_step(db, st)) == DB_OK)
		*total = db_col_int(st, 0);
	db_reset(st);
	if (rc != DB_OK)
		return err_from_db(rc);
	if ((st = mine(db, STMT_LIST, user_id, set)) == NULL ||
	    db_bind_int(st, 4, per_page) == -1 ||
	    db_bind_int(st, 5, (page - 1) * per_page) == -1 ||
	    (list = cJSON_CreateArray()) == NULL)
		return ERR_INTERNAL;
	while ((rc = db_step(db, st)) == DB_OK)
		if ((o = booking_json(db, st, 0)) != NULL)
			cJSON_AddItemToArray(list, o);
	db_reset(st);
	if (rc != DB_NOTFOUND) {
		cJSON_Delete(list);
		return err_from_db(rc);
	}
	*out = list;
	return ERR_OK;
}

/*
 * The refund a cancellation gets: NOT_CANCELLABLE unless confirmed,
 * CANCEL_WINDOW within the event's cut-off; else *amount is the event's
 * percent of what is left of the payment, rounded down.
 */
static enum err
cancel_terms(struct db *db, int64_t now, const struct order *o,
    int64_t *amount)
{
	struct db_stmt	*st;
	int64_t		 starts, hours, percent, left;
	enum db_rc	 rc;

	if (o->status != ORDER_PAID && o->status != ORDER_PARTIALLY_REFUNDED)
		return ERR_NOT_CANCELLABLE;
	if ((st = prep(db, STMT_POLICY, &o->id, 1)) == NULL)
		return ERR_INTERNAL;
	if ((rc = db_step(db, st)) != DB_OK) {
		db_reset(st);
		return err_from_db(rc);
	}
	starts = db_col_int(st, 0);
	hours = db_col_int(st, 1);
	percent = db_col_int(st, 2);
	left = db_col_int(st, 3);
	db_reset(st);
	if (now > starts - hours * 3600)
		return ERR_CANCEL_WINDOW;
	/* left <= MONEY_MAX and percent <= 100 (CHECK): no overflow. */
	*amount = left > 0 ? left * percent / 100 : 0;
	return ERR_OK;
}

enum err
booking_cancel(struct db *db, int64_t now, const char *uid, int64_t user_id,
    cJSON **out, int *refund_due)
{
	struct pay_refund_due	 due;
	struct order		 o;
	const char		*detail;
	char			 method[PAY_METHOD_MAX + 1], id[UUID_LEN + 8];
	int64_t			 order_id = 0, amount = 0, owner = 0;
	int64_t			 v[2];
	enum db_rc		 rc;
	enum err		 e;

	*out = NULL;
	*refund_due = 0;
	if ((rc = booking_find(db, uid, &order_id, &owner, method)) != DB_OK)
		return rc == DB_NOTFOUND ? ERR_ORDER_NOT_FOUND :
		    err_from_db(rc);
	/* Only its owner cancels (seed 001); another's is not found. */
	if (owner != user_id)
		return ERR_ORDER_NOT_FOUND;
	if ((rc = order_load(db, order_id, &o)) != DB_OK)
		return err_from_db(rc);
	if ((e = cancel_terms(db, now, &o, &amount)) != ERR_OK)
		return e;
	/* The refund and the end of the order, in one transaction. */
	if ((e = pay_refund_close(db, now, order_id, amount,
	    "booking cancelled", user_id, &due, &detail)) != ERR_OK)
		return e == ERR_ORDER_STATE ? ERR_NOT_CANCELLABLE : e;
	*refund_due = due.refund_id != 0;
	v[0] = order_id;
	v[1] = now;
	if (run(db, STMT_SET_CANCELLED, v, 2) != DB_OK)
		log_warn("booking %lld: cancelled_at not kept",
		    (long long)order_id);
	if ((*out = cJSON_CreateObject()) == NULL)
		return ERR_INTERNAL;
	(void)env001_id(id, sizeof(id), ENV001_BOOKING, uid);
	cJSON_AddStringToObject(*out, "bookingId", id);
	cJSON_AddStringToObject(*out, "status",
	    booking_status_word(ORDER_REFUNDED));
	cJSON_AddNumberToObject(*out, "refundAmount", (double)amount);
	cJSON_AddStringToObject(*out, "currency", o.currency);
	json_add_time(*out, "cancelledAt", now);
	return ERR_OK;
}

/* Seed 001's word for a payments.status. */
static const char *
pay_word(const char *status)
{
	size_t	 i;

	for (i = 0; i < sizeof(pay_words) / sizeof(pay_words[0]); i++)
		if (strcmp(status, pay_words[i][0]) == 0)
			return pay_words[i][1];
	return "FAILED";
}

enum err
booking_payment(struct db *db, const char *uid, int64_t user_id, cJSON **out)
{
	struct db_stmt	*st;
	cJSON		*o;
	char		 id[UUID_LEN + 8], method[PAY_METHOD_MAX + 1];
	int64_t		 order_id = 0, owner = 0;
	enum db_rc	 rc;

	*out = NULL;
	if ((rc = booking_find(db, uid, &order_id, &owner, method)) != DB_OK)
		return rc == DB_NOTFOUND ? ERR_ORDER_NOT_FOUND : err_from_db(rc);
	if (user_id != 0 && owner != user_id)
		return ERR_ORDER_NOT_FOUND;
	if ((st = prep(db, STMT_LAST_PAYMENT, &order_id, 1)) == NULL)
		return ERR_INTERNAL;
	if ((rc = db_step(db, st)) == DB_OK &&
	    (o = cJSON_CreateObject()) != NULL) {
		add_num_id(o, "id", ENV001_PAYMENT, db_col_int(st, 0));
		(void)env001_id(id, sizeof(id), ENV001_BOOKING, uid);
		cJSON_AddStringToObject(o, "bookingId", id);
		add_num_id(o, "userId", ENV001_USER, owner);
		cJSON_AddNumberToObject(o, "amount", (double)db_col_int(st, 1));
		cJSON_AddStringToObject(o, "currency", db_col_text(st, 2));
		cJSON_AddStringToObject(o, "status",
		    pay_word(db_col_text(st, 3)));
		cJSON_AddStringToObject(o, "providerTransactionId",
		    db_col_text(st, 4));
		json_add_time(o, "processedAt", db_col_int(st, 5));
		*out = o;
	}
	db_reset(st);
	if (rc != DB_OK)
		return rc == DB_NOTFOUND ? ERR_PAYMENT_NOT_FOUND :
		    err_from_db(rc);
	return *out != NULL ? ERR_OK : ERR_INTERNAL;
}

/*
 * The inventory.
 */

/* Seed 001's words for ours: kept for the box office is not sold. */
static const char *
seat_word(const char *status, int64_t counts[3])
{
	if (strcmp(status, "AVAILABLE") == 0) {
		counts[0]++;
		return "AVAILABLE";
	}
	if (strcmp(status, "SOLD") == 0) {
		counts[2]++;
		return "RESERVED";
	}
	counts[1]++;
	return "LOCKED";
}

/* A small map of category -> price for one answer. */
struct prices {
	char	 category[CATEGORIES_MAX][SEAT_CATEGORY_MAX * 4 + 1];
	int64_t	 price[CATEGORIES_MAX];
	size_t	 n;
};

/* The price of category at event_id (-1: none), looked up once. */
static int64_t
price_of(struct db *db, int64_t event_id, struct prices *pr,
    const char *category)
{
	int64_t	 type_id, price = -1;
	size_t	 i;

	for (i = 0; i < pr->n; i++)
		if (strcmp(pr->category[i], category) == 0)
			return pr->price[i];
	if (category_type(db, event_id, category, &type_id, &price) != DB_OK)
		price = -1;
	if (pr->n < CATEGORIES_MAX) {
		snprintf(pr->category[pr->n], sizeof(pr->category[0]), "%s",
		    category);
		pr->price[pr->n++] = price;
	}
	return price;
}

/* One seat of seat_event_listing() in seed 001's shape. */
static cJSON *
inventory_seat(struct db *db, int64_t event_id, struct prices *pr,
    const char *currency, const cJSON *s, int64_t counts[3])
{
	cJSON		*o;
	const char	*number, *category;
	char		 id[32];
	int64_t		 n, price;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	(void)env001_num_id(id, sizeof(id), ENV001_SEAT, (int64_t)
	    cJSON_GetNumberValue(cJSON_GetObjectItem(s, "id")));
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "section",
	    cJSON_GetStringValue(cJSON_GetObjectItem(s, "section")));
	cJSON_AddStringToObject(o, "row",
	    cJSON_GetStringValue(cJSON_GetObjectItem(s, "row")));
	number = cJSON_GetStringValue(cJSON_GetObjectItem(s, "number"));
	if (field_strtonum(number, 0, INT32_MAX, &n) == 0)
		cJSON_AddNumberToObject(o, "number", (double)n);
	else
		cJSON_AddStringToObject(o, "number", number);
	category = cJSON_GetStringValue(cJSON_GetObjectItem(s, "category"));
	cJSON_AddStringToObject(o, "tier", category);
	if ((price = price_of(db, event_id, pr, category)) >= 0)
		cJSON_AddNumberToObject(o, "price", (double)price);
	else
		cJSON_AddNullToObject(o, "price");
	cJSON_AddStringToObject(o, "currency", currency);
	cJSON_AddStringToObject(o, "status", seat_word(
	    cJSON_GetStringValue(cJSON_GetObjectItem(s, "status")), counts));
	return o;
}

enum err
booking_seats(struct db *db, const char *ref, int64_t now, cJSON **out)
{
	struct prices		 pr;
	cJSON			*doc = NULL, *root, *seats, *sum;
	const cJSON		*s, *ev;
	char			 currency[CURRENCY_LEN + 1] = "";
	int64_t			 event_id, counts[3] = { 0, 0, 0 };
	struct db_stmt		*st;
	enum err		 e;

	*out = NULL;
	if ((e = seat_event_listing(db, ref, now, &doc)) != ERR_OK)
		return e;
	ev = cJSON_GetObjectItem(doc, "event");
	event_id = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(ev, "id"));
	if ((st = prep(db, STMT_CURRENCY, &event_id, 1)) != NULL) {
		if (db_step(db, st) == DB_OK)
			snprintf(currency, sizeof(currency), "%s",
			    db_col_text(st, 0));
		db_reset(st);
	}
	memset(&pr, 0, sizeof(pr));
	if ((root = cJSON_CreateObject()) == NULL) {
		cJSON_Delete(doc);
		return ERR_INTERNAL;
	}
	s = cJSON_GetObjectItem(ev, "slug");
	cJSON_AddStringToObject(root, "eventId", cJSON_IsString(s) &&
	    s->valuestring[0] != '\0' ? s->valuestring : ref);
	seats = cJSON_AddArrayToObject(root, "seats");
	cJSON_ArrayForEach(s, cJSON_GetObjectItem(doc, "seats"))
		cJSON_AddItemToArray(seats, inventory_seat(db, event_id, &pr,
		    currency, s, counts));
	sum = cJSON_AddObjectToObject(root, "summary");
	cJSON_AddNumberToObject(sum, "total",
	    (double)(counts[0] + counts[1] + counts[2]));
	cJSON_AddNumberToObject(sum, "available", (double)counts[0]);
	cJSON_AddNumberToObject(sum, "locked", (double)counts[1]);
	cJSON_AddNumberToObject(sum, "reserved", (double)counts[2]);
	cJSON_Delete(doc);
	*out = root;
	return ERR_OK;
}
