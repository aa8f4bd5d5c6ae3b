/*
 * The import document, validated with the same field specs as requests.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "arena.h"
#include "checkin.h"
#include "db.h"
#include "field.h"
#include "event.h"
#include "i18n.h"
#include "import.h"
#include "quota.h"
#include "text.h"
#include "limits.h"
#include "money.h"
#include "provider.h"
#include "tfmt.h"

enum tt_field { TT_KEY, TT_TITLE, TT_DESCRIPTION, TT_PRICE, TT_VISIBLE,
	TT_REENTRY, TT__MAX };

static const struct field_spec tt_fields[TT__MAX] = {
	[TT_KEY] = { "key", FIELD_STRING, FIELD_REQUIRED, 1, 64, NULL, 0 },
	/* Texts: a string, or one per language (lib/text.h). */
	[TT_TITLE] = { "title", FIELD_TEXTS, FIELD_REQUIRED, 1, TITLE_MAX,
	    NULL, 0 },
	[TT_DESCRIPTION] = { "description", FIELD_TEXTS, 0, 0,
	    DESCRIPTION_MAX, NULL, 0 },
	/* Whole kronor, as the seed API prints them. */
	[TT_PRICE] = { "price", FIELD_INT, FIELD_REQUIRED, 0,
	    MONEY_MAX / 100, NULL, 0 },
	[TT_VISIBLE] = { "visible", FIELD_BOOL, 0, 0, 0, NULL, 0 },
	/* Absent: as the event says (lib/checkin). */
	[TT_REENTRY] = { "reentry_allowed", FIELD_BOOL, 0, 0, 0, NULL, 0 },
};

enum ev_field { EV_KEY, EV_TITLE, EV_DESCRIPTION, EV_EVENT_AT,
	EV_SALES_STOP_AT, EV_TOTAL_SEATS, EV_MAX_PER_PAYMENT,
	EV_RESERVATION_SECONDS, EV_SWISH_MESSAGE,
	EV_SALES_START_AT, EV_QUEUE, EV_QUEUE_RATE, EV_MAX_HELD_PER_CLIENT,
	EV_MAX_PER_EMAIL, EV_LANGUAGE, EV_CURRENCY, EV_PROVIDERS, EV_REENTRY,
	EV_DOOR_DAY_STARTS, EV__MAX };

static const struct field_spec ev_fields[EV__MAX] = {
	[EV_KEY] = { "key", FIELD_STRING, FIELD_REQUIRED, 1, 64, NULL, 0 },
	[EV_TITLE] = { "title", FIELD_TEXTS, FIELD_REQUIRED, 1, TITLE_MAX,
	    NULL, 0 },
	[EV_DESCRIPTION] = { "description", FIELD_TEXTS, 0, 0,
	    DESCRIPTION_MAX, NULL, 0 },
	/* The language its texts fall back to (default sv). */
	[EV_LANGUAGE] = { "language", FIELD_STRING, 0, 2, 2, NULL, 0 },
	[EV_EVENT_AT] = { "event_at", FIELD_TIME, FIELD_REQUIRED, 0, 0,
	    NULL, 0 },
	[EV_SALES_STOP_AT] = { "sales_stop_at", FIELD_TIME, FIELD_REQUIRED,
	    0, 0, NULL, 0 },
	[EV_TOTAL_SEATS] = { "total_seats", FIELD_INT, FIELD_REQUIRED, 0,
	    1000000, NULL, 0 },
	[EV_MAX_PER_PAYMENT] = { "max_tickets_per_payment", FIELD_INT, 0, 1,
	    TICKETS_PER_ORDER_MAX, NULL, 0 },
	[EV_RESERVATION_SECONDS] = { "reservation_seconds", FIELD_INT, 0, 1,
	    7 * 86400, NULL, 0 },
	[EV_SWISH_MESSAGE] = { "swish_message", FIELD_STRING, 0, 0,
	    SWISH_MESSAGE_MAX, NULL, 0 },
	/* The on-sale queue (lib/queue.h). */
	[EV_SALES_START_AT] = { "sales_start_at", FIELD_TIME, 0, 0, 0,
	    NULL, 0 },
	[EV_QUEUE] = { "queue", FIELD_BOOL, 0, 0, 0, NULL, 0 },
	[EV_QUEUE_RATE] = { "queue_rate", FIELD_INT, 0, 1, QUEUE_RATE_MAX,
	    NULL, 0 },
	/* The hold caps; absent: HOLD_CAP_ORDERS_DEFAULT orders' worth. */
	[EV_MAX_HELD_PER_CLIENT] = { "max_held_per_client", FIELD_INT, 0, 1,
	    HOLD_CAP_MAX, NULL, 0 },
	[EV_MAX_PER_EMAIL] = { "max_tickets_per_email", FIELD_INT, 0, 1,
	    HOLD_CAP_MAX, NULL, 0 },
	/* The event's currency (default SEK), which its ticket types take,
	 * and how it is paid ("swish,stripe" unless given; lib/provider). */
	[EV_CURRENCY] = { "currency", FIELD_STRING, 0, CURRENCY_LEN,
	    CURRENCY_LEN, NULL, 0 },
	[EV_PROVIDERS] = { "payment_providers", FIELD_STRING, 0, 1, 64,
	    NULL, 0 },
	/* The door (lib/checkin): may a ticket leave and come back, and
	 * when a door day begins ("HH:MM"; absent: 06:00). */
	[EV_REENTRY] = { "reentry_allowed", FIELD_BOOL, 0, 0, 0, NULL, 0 },
	[EV_DOOR_DAY_STARTS] = { "door_day_starts", FIELD_STRING, 0,
	    CHECKIN_HHMM_LEN - 1, CHECKIN_HHMM_LEN - 1, NULL, 0 },
};

enum doc_field { DOC_TICKET_TYPES, DOC_EVENTS, DOC__MAX };

static const struct field_spec doc_fields[DOC__MAX] = {
	[DOC_TICKET_TYPES] = { "ticket_types", FIELD_OBJLIST, 0, 0, 1000,
	    tt_fields, TT__MAX },
	[DOC_EVENTS] = { "events", FIELD_OBJLIST, 0, 0, 1000, ev_fields,
	    EV__MAX },
};

enum stmt {
	STMT_TT_INSERT,
	STMT_EV_INSERT,
	STMT_EV_TYPE_INSERT,
	STMT_QUOTA_INSERT,
	STMT_EV_QUEUE,
	STMT_TT_OWNER,
	STMT_EV_PAY,
	STMT_EV_TYPES_CURRENCY,
	STMT_EV_DOOR,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	[STMT_TT_INSERT] =
	    "INSERT INTO ticket_types (title, description, price, visible,"
	    " created_at, texts, updated_at, reentry_allowed)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?5, ?7) RETURNING id",
	[STMT_EV_INSERT] =
	    "INSERT INTO events (title, description, event_at, sales_stop_at,"
	    " total_seats, max_tickets_per_payment, reservation_seconds,"
	    " swish_message, created_at, organizer_id, max_held_per_client,"
	    " max_tickets_per_email, search_text, updated_at, published_at,"
	    " texts, default_lang)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, nullif(?10, 0),"
	    " nullif(?11, 0), nullif(?12, 0),"
	    " lower(?1 || ' ' || ?2 || ' ' || coalesce(?13, '')), ?9, ?9,"
	    " ?13, ?14) RETURNING id",
	[STMT_EV_TYPE_INSERT] =
	    "INSERT INTO event_ticket_types (event_id, ticket_type_id,"
	    " position) VALUES (?1, ?2, ?3)",
	[STMT_QUOTA_INSERT] =
	    "INSERT INTO quotas (event_id, name, size, scope)"
	    " VALUES (?1, 'event', ?2, 'event')",
	/* A type listed by one event only belongs to it (sql/009). */
	[STMT_TT_OWNER] =
	    "UPDATE ticket_types SET event_id = (SELECT min(x.event_id)"
	    " FROM event_ticket_types x WHERE x.ticket_type_id ="
	    " ticket_types.id) WHERE event_id IS NULL AND (SELECT count(*)"
	    " FROM event_ticket_types x"
	    " WHERE x.ticket_type_id = ticket_types.id) = 1",
	[STMT_EV_PAY] =
	    "UPDATE events SET currency = coalesce(?2, currency),"
	    " payment_providers = coalesce(?3, payment_providers) WHERE id = ?1",
	/* A type listed by an event in another currency takes it. */
	[STMT_EV_TYPES_CURRENCY] =
	    "UPDATE ticket_types SET currency = ?2 WHERE id IN (SELECT"
	    " ticket_type_id FROM event_ticket_types WHERE event_id = ?1)",
	[STMT_EV_QUEUE] =
	    "UPDATE events SET sales_start_at = ?2, queue_enabled = ?3,"
	    " queue_rate = ?4 WHERE id = ?1",
	[STMT_EV_DOOR] =
	    "UPDATE events SET reentry_allowed = ?2,"
	    " day_starts = coalesce(?3, day_starts) WHERE id = ?1",
};

/*
 * A row's title (stored under title_key: seed 004 calls a ticket type's
 * its "name") and description as its plain columns (in lang) and its
 * texts column (malloc'd in *column, NULL when both are plain strings
 * given in lang).  Returns 0, or -1 on memory exhaustion.  The plain
 * texts point into *texts (free it with cJSON_Delete()).
 */
static int
row_texts(const char *title_key, const struct field_val *title,
    const struct field_val *desc, const char *lang, cJSON **texts,
    const char **ptitle, const char **pdesc, char **column)
{
	*texts = NULL;
	*column = NULL;
	*pdesc = "";
	if ((*ptitle = text_set(texts, title_key, title, lang)) == NULL)
		return -1;
	if (desc->present && (*pdesc = text_set(texts, "description", desc,
	    lang)) == NULL)
		return -1;
	if (title->j != NULL || (desc->present && desc->j != NULL))
		*column = text_column(*texts);
	return 0;
}

/* An event's door settings (v: its fields, validated). */
static enum db_rc
import_door(struct db *db, int64_t event_id, const struct field_val *v)
{
	struct db_stmt	*st;
	int64_t		 minutes = 0;
	int		 given;

	given = v[EV_DOOR_DAY_STARTS].present &&
	    checkin_day_starts_parse(v[EV_DOOR_DAY_STARTS].s, &minutes);
	if ((st = db_stmt(db, stmts[STMT_EV_DOOR])) == NULL ||
	    db_bind_int(st, 1, event_id) == -1 ||
	    db_bind_int(st, 2, v[EV_REENTRY].present ?
	    v[EV_REENTRY].i : 0) == -1 ||
	    (given ? db_bind_int(st, 3, minutes) : db_bind_null(st, 3)) == -1)
		return DB_ERROR;
	return db_exec(db, st);
}

/* Is s a comma-separated list of provider names ("swish,mpesa")? */
static int
providers_valid(const char *s)
{
	char	 name[PROVIDER_NAME_MAX + 1];
	size_t	 n;

	for (;;) {
		n = strcspn(s, ",");
		if (n == 0 || n > PROVIDER_NAME_MAX)
			return 0;
		memcpy(name, s, n);
		name[n] = '\0';
		if (provider_parse(name) == PROVIDER__MAX)
			return 0;
		if (s[n] == '\0')
			return 1;
		s += n + 1;
	}
}

/* The first invalid field as "events[0].title: too long". */
static void
first_error(const cJSON *errs, char *err, size_t errsz)
{
	const cJSON	*e = errs != NULL ? errs->child : NULL;

	if (e != NULL)
		snprintf(err, errsz, "%s: %s", e->string, e->valuestring);
	else
		snprintf(err, errsz, "invalid document");
}

/*
 * Is the event's cap k given and smaller than one order may be?  Such a
 * cap would refuse a full order that the pages offer.
 */
static int
cap_below_order(const struct field_val *ev, enum ev_field k)
{
	int64_t	 max_per = ev[EV_MAX_PER_PAYMENT].present ?
		    ev[EV_MAX_PER_PAYMENT].i : MAX_PER_PAYMENT_DEFAULT;

	return ev[k].present && ev[k].i < max_per;
}

/* Maps a ticket type key to its index in the document, or -1. */
static int
type_index(const struct field_val *tts, size_t n, const char *key)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(tts[0].items[i][TT_KEY].s, key) == 0)
			return (int)i;
	return -1;
}

/* Checks what field specs cannot: unique keys, type references, order of
 * dates, caps that admit one whole order.  Returns 0 or -1 with err
 * set. */
static int
check_refs(const struct field_val *f, char *err, size_t errsz)
{
	static const enum ev_field caps[] = { EV_MAX_HELD_PER_CLIENT,
		EV_MAX_PER_EMAIL };
	const struct field_val	*tt = &f[DOC_TICKET_TYPES], *ev = &f[DOC_EVENTS];
	size_t			 i, j, k;
	int64_t			 minutes;

	for (i = 0; i < tt->nitems; i++)
		for (j = 0; j < i; j++)
			if (strcmp(tt->items[i][TT_KEY].s,
			    tt->items[j][TT_KEY].s) == 0) {
				snprintf(err, errsz, "ticket_types[%zu].key: "
				    "duplicate \"%s\"", i,
				    tt->items[i][TT_KEY].s);
				return -1;
			}
	for (i = 0; i < ev->nitems; i++) {
		for (j = 0; j < i; j++)
			if (strcmp(ev->items[i][EV_KEY].s,
			    ev->items[j][EV_KEY].s) == 0) {
				snprintf(err, errsz, "events[%zu].key: "
				    "duplicate \"%s\"", i,
				    ev->items[i][EV_KEY].s);
				return -1;
			}
		if (ev->items[i][EV_CURRENCY].present &&
		    !money_currency_known(ev->items[i][EV_CURRENCY].s)) {
			snprintf(err, errsz, "events[%zu].currency: unknown", i);
			return -1;
		}
		if (ev->items[i][EV_PROVIDERS].present &&
		    !providers_valid(ev->items[i][EV_PROVIDERS].s)) {
			snprintf(err, errsz, "events[%zu].payment_providers: "
			    "a comma-separated list of swish, stripe, mpesa", i);
			return -1;
		}
		if (ev->items[i][EV_DOOR_DAY_STARTS].present &&
		    !checkin_day_starts_parse(ev->items[i][EV_DOOR_DAY_STARTS].s,
		    &minutes)) {
			snprintf(err, errsz, "events[%zu].door_day_starts: "
			    "a time of day from 00:00 to 12:00", i);
			return -1;
		}
		if (ev->items[i][EV_LANGUAGE].present &&
		    i18n_parse(ev->items[i][EV_LANGUAGE].s) == LANG__MAX) {
			snprintf(err, errsz, "events[%zu].language: must be "
			    "sv, en, de or fr", i);
			return -1;
		}
		if (ev->items[i][EV_SALES_STOP_AT].i >
		    ev->items[i][EV_EVENT_AT].i) {
			snprintf(err, errsz, "events[%zu].sales_stop_at: "
			    "after event_at", i);
			return -1;
		}
		if (ev->items[i][EV_SALES_START_AT].present &&
		    ev->items[i][EV_SALES_START_AT].i >=
		    ev->items[i][EV_SALES_STOP_AT].i) {
			snprintf(err, errsz, "events[%zu].sales_start_at: "
			    "not before sales_stop_at", i);
			return -1;
		}
		for (k = 0; k < sizeof(caps) / sizeof(caps[0]); k++)
			if (cap_below_order(ev->items[i], caps[k])) {
				snprintf(err, errsz, "events[%zu].%s: less "
				    "than max_tickets_per_payment", i,
				    ev_fields[caps[k]].name);
				return -1;
			}
	}
	return 0;
}

/* Validates an event's "ticket_types": a non-empty list of known keys. */
static int
check_event_types(const cJSON *jev, size_t k, const struct field_val *tt,
    char *err, size_t errsz)
{
	const cJSON	*list, *key;
	size_t		 i = 0;

	list = cJSON_GetObjectItemCaseSensitive(jev, "ticket_types");
	if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) == 0 ||
	    cJSON_GetArraySize(list) > ARRAY_ITEMS_MAX) {
		snprintf(err, errsz, "events[%zu].ticket_types: must be a "
		    "non-empty list of ticket type keys", k);
		return -1;
	}
	cJSON_ArrayForEach(key, list) {
		if (!cJSON_IsString(key) ||
		    type_index(tt, tt->nitems, key->valuestring) < 0) {
			snprintf(err, errsz, "events[%zu].ticket_types[%zu]: "
			    "unknown ticket type key", k, i);
			return -1;
		}
		i++;
	}
	return 0;
}

static enum db_rc
insert_all(struct db *db, const cJSON *doc, const struct field_val *f,
    int64_t organizer_id, int64_t *type_ids, cJSON *out_types,
    cJSON *out_events)
{
	const struct field_val	*tt = &f[DOC_TICKET_TYPES], *ev = &f[DOC_EVENTS];
	const struct field_val	*v;
	const cJSON		*jev, *key;
	struct db_stmt		*st;
	cJSON			*o;
	enum db_rc		 rc;
	int64_t			 now = tfmt_now(), event_id;
	size_t			 i, pos;
	char			 msg[SWISH_MESSAGE_MAX + 1], *column;
	const char		*title, *desc, *lang;
	cJSON			*texts;

	for (i = 0; i < tt->nitems; i++) {
		v = tt->items[i];
		if (row_texts("name", &v[TT_TITLE], &v[TT_DESCRIPTION], "sv",
		    &texts,
		    &title, &desc, &column) == -1)
			rc = DB_ERROR;
		else if ((st = db_stmt(db, stmts[STMT_TT_INSERT])) == NULL ||
		    db_bind_text(st, 1, title) == -1 ||
		    db_bind_text(st, 2, desc) == -1 ||
		    db_bind_int(st, 3, v[TT_PRICE].i * 100) == -1 ||
		    db_bind_int(st, 4, v[TT_VISIBLE].present ?
		    v[TT_VISIBLE].i : 1) == -1 ||
		    db_bind_int(st, 5, now) == -1 ||
		    db_bind_text(st, 6, column) == -1 ||
		    (v[TT_REENTRY].present ? db_bind_int(st, 7,
		    v[TT_REENTRY].i) : db_bind_null(st, 7)) == -1)
			rc = DB_ERROR;
		else
			rc = db_insert_id(db, st, &type_ids[i]);
		cJSON_Delete(texts);
		free(column);
		if (rc != DB_OK)
			return rc;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "key", v[TT_KEY].s);
		cJSON_AddNumberToObject(o, "id", (double)type_ids[i]);
		cJSON_AddItemToArray(out_types, o);
	}

	jev = ev->nitems > 0 ?
	    cJSON_GetObjectItemCaseSensitive(doc, "events")->child : NULL;
	for (i = 0; i < ev->nitems; i++, jev = jev->next) {
		v = ev->items[i];
		lang = v[EV_LANGUAGE].present ? v[EV_LANGUAGE].s : "sv";
		if (row_texts("title", &v[EV_TITLE], &v[EV_DESCRIPTION], lang,
		    &texts,
		    &title, &desc, &column) == -1) {
			cJSON_Delete(texts);
			return DB_ERROR;
		}
		/* Upstream fills an empty message with title[:50]. */
		snprintf(msg, sizeof(msg), "%s", v[EV_SWISH_MESSAGE].present &&
		    v[EV_SWISH_MESSAGE].len > 0 ? v[EV_SWISH_MESSAGE].s : title);
		if ((st = db_stmt(db, stmts[STMT_EV_INSERT])) == NULL ||
		    db_bind_text(st, 1, title) == -1 ||
		    db_bind_text(st, 2, desc) == -1 ||
		    db_bind_text(st, 13, column) == -1 ||
		    db_bind_text(st, 14, lang) == -1 ||
		    db_bind_int(st, 3, v[EV_EVENT_AT].i) == -1 ||
		    db_bind_int(st, 4, v[EV_SALES_STOP_AT].i) == -1 ||
		    db_bind_int(st, 5, v[EV_TOTAL_SEATS].i) == -1 ||
		    db_bind_int(st, 6, v[EV_MAX_PER_PAYMENT].present ?
		    v[EV_MAX_PER_PAYMENT].i : MAX_PER_PAYMENT_DEFAULT) == -1 ||
		    db_bind_int(st, 7, v[EV_RESERVATION_SECONDS].present ?
		    v[EV_RESERVATION_SECONDS].i : RESERVATION_SECONDS_DEFAULT)
		    == -1 ||
		    db_bind_text(st, 8, msg) == -1 ||
		    db_bind_int(st, 9, now) == -1 ||
		    db_bind_int(st, 10, organizer_id) == -1 ||
		    db_bind_int(st, 11, v[EV_MAX_HELD_PER_CLIENT].present ?
		    v[EV_MAX_HELD_PER_CLIENT].i : 0) == -1 ||
		    db_bind_int(st, 12, v[EV_MAX_PER_EMAIL].present ?
		    v[EV_MAX_PER_EMAIL].i : 0) == -1)
			rc = DB_ERROR;
		else
			rc = db_insert_id(db, st, &event_id);
		/* Bound values are copies: the texts may go. */
		cJSON_Delete(texts);
		free(column);
		if (rc != DB_OK)
			return rc;

		/* When sales start, and the queue in front of them. */
		if ((st = db_stmt(db, stmts[STMT_EV_QUEUE])) == NULL ||
		    db_bind_int(st, 1, event_id) == -1 ||
		    db_bind_int(st, 2, v[EV_SALES_START_AT].present ?
		    v[EV_SALES_START_AT].i : 0) == -1 ||
		    db_bind_int(st, 3, v[EV_QUEUE].present ?
		    v[EV_QUEUE].i : 0) == -1 ||
		    db_bind_int(st, 4, v[EV_QUEUE_RATE].present ?
		    v[EV_QUEUE_RATE].i : QUEUE_RATE_DEFAULT) == -1)
			return DB_ERROR;
		if ((rc = db_exec(db, st)) != DB_OK)
			return rc;
		if ((rc = import_door(db, event_id, v)) != DB_OK)
			return rc;

		/* The event-wide quota: total_seats. */
		if ((st = db_stmt(db, stmts[STMT_QUOTA_INSERT])) == NULL ||
		    db_bind_int(st, 1, event_id) == -1 ||
		    db_bind_int(st, 2, v[EV_TOTAL_SEATS].i) == -1)
			return DB_ERROR;
		if ((rc = db_exec(db, st)) != DB_OK)
			return rc;

		pos = 0;
		cJSON_ArrayForEach(key,
		    cJSON_GetObjectItemCaseSensitive(jev, "ticket_types")) {
			if ((st = db_stmt(db, stmts[STMT_EV_TYPE_INSERT]))
			    == NULL ||
			    db_bind_int(st, 1, event_id) == -1 ||
			    db_bind_int(st, 2, type_ids[type_index(tt,
			    tt->nitems, key->valuestring)]) == -1 ||
			    db_bind_int(st, 3, (int64_t)pos++) == -1)
				return DB_ERROR;
			/* A key listed twice is a constraint error. */
			if ((rc = db_exec(db, st)) != DB_OK)
				return rc;
		}
		/* Its currency and providers, when given. */
		if ((st = db_stmt(db, stmts[STMT_EV_PAY])) == NULL ||
		    db_bind_int(st, 1, event_id) == -1 ||
		    db_bind_text(st, 2, v[EV_CURRENCY].present ?
		    v[EV_CURRENCY].s : NULL) == -1 ||
		    db_bind_text(st, 3, v[EV_PROVIDERS].present ?
		    v[EV_PROVIDERS].s : NULL) == -1)
			return DB_ERROR;
		if ((rc = db_exec(db, st)) != DB_OK)
			return rc;
		if (v[EV_CURRENCY].present) {
			if ((st = db_stmt(db, stmts[STMT_EV_TYPES_CURRENCY])) ==
			    NULL || db_bind_int(st, 1, event_id) == -1 ||
			    db_bind_text(st, 2, v[EV_CURRENCY].s) == -1)
				return DB_ERROR;
			if ((rc = db_exec(db, st)) != DB_OK)
				return rc;
		}
		/* Its base price, from the quota rules' refresh. */
		if ((rc = quota_sync(db, event_id)) != DB_OK)
			return rc;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "key", v[EV_KEY].s);
		cJSON_AddNumberToObject(o, "id", (double)event_id);
		cJSON_AddItemToArray(out_events, o);
	}
	if ((st = db_stmt(db, stmts[STMT_TT_OWNER])) == NULL)
		return DB_ERROR;
	if ((rc = db_exec(db, st)) != DB_OK)
		return rc;
	return event_backfill_slugs(db);
}

enum db_rc
import_doc(struct db *db, const cJSON *doc, int64_t organizer_id,
    cJSON **result, char *err, size_t errsz)
{
	struct arena		*a = NULL;
	struct field_val	 f[DOC__MAX];
	cJSON			*errs = NULL, *out = NULL, *types, *events;
	const cJSON		*jev;
	int64_t			*type_ids = NULL;
	enum db_rc		 rc = DB_CONSTRAINT;
	size_t			 k;

	*result = NULL;
	if (!cJSON_IsObject(doc)) {
		snprintf(err, errsz, "the document must be a JSON object");
		return DB_CONSTRAINT;
	}
	if ((a = arena_alloc()) == NULL || (errs = cJSON_CreateObject()) ==
	    NULL) {
		rc = DB_ERROR;
		goto out;
	}
	if (field_validate(a, doc_fields, DOC__MAX, doc, NULL, f, errs) > 0) {
		first_error(errs, err, errsz);
		goto out;
	}
	if (check_refs(f, err, errsz) == -1)
		goto out;
	k = 0;
	if (f[DOC_EVENTS].present)
		cJSON_ArrayForEach(jev,
		    cJSON_GetObjectItemCaseSensitive(doc, "events"))
			if (check_event_types(jev, k++, &f[DOC_TICKET_TYPES],
			    err, errsz) == -1)
				goto out;

	if ((type_ids = arena_calloc(a, f[DOC_TICKET_TYPES].nitems + 1,
	    sizeof(*type_ids))) == NULL) {
		rc = DB_ERROR;
		goto out;
	}
	out = cJSON_CreateObject();
	types = cJSON_AddArrayToObject(out, "ticket_types");
	events = cJSON_AddArrayToObject(out, "events");

	if ((rc = db_tx_immediate(db)) != DB_OK) {
		snprintf(err, errsz, "cannot lock the database");
		goto out;
	}
	rc = insert_all(db, doc, f, organizer_id, type_ids, types, events);
	if (rc == DB_OK)
		rc = db_tx_commit(db);
	else
		db_tx_rollback(db);
	if (rc == DB_CONSTRAINT)
		snprintf(err, errsz, "an event lists a ticket type twice");
	else if (rc != DB_OK)
		snprintf(err, errsz, "database error");
	else {
		*result = out;
		out = NULL;
	}
out:
	cJSON_Delete(out);
	cJSON_Delete(errs);
	arena_free(a);
	return rc;
}
