/*
 * Composing the cancellation mail (cancelmail.h).
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cancelmail.h"
#include "db.h"
#include "i18n.h"
#include "limits.h"
#include "mailtmpl.h"
#include "money.h"
#include "text.h"

enum stmt {
	STMT_ORDER,
	STMT_LINES,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	/* Only for an event that is cancelled: the mail says it is. */
	[STMT_ORDER] =
	    "SELECT e.title, e.texts, e.event_at, coalesce(e.venue_name, ''),"
	    " coalesce(e.venue_city, ''), o.code, o.total, o.currency"
	    " FROM orders o JOIN events e ON e.id = o.event_id"
	    " WHERE o.id = ?1 AND e.status = 'cancelled'",
	/* What was bought; a variant (tier, day pass) with its type. */
	[STMT_LINES] =
	    "SELECT t.title, t.texts, p.title, p.texts, l.count, l.unit_price"
	    " FROM order_lines l JOIN ticket_types t ON t.id = l.ticket_type_id"
	    " LEFT JOIN ticket_types p ON p.id = t.parent_id"
	    " WHERE l.order_id = ?1 ORDER BY l.id",
};

_Static_assert(sizeof(stmts) / sizeof(stmts[0]) == STMT__MAX,
    "one SQL text per statement");

/* The subject, before the event's title. */
static const char *const subjects[] = {
	[LANG_SV] = "Inställt: ",
	[LANG_EN] = "Cancelled: ",
	[LANG_DE] = "Abgesagt: ",
	[LANG_FR] = "Annulé : ",
};

_Static_assert(sizeof(subjects) / sizeof(subjects[0]) == LANG__MAX,
    "a subject for every language");

/*
 * The language of a stored locale: "en", "en-GB" and "de_AT" are ours,
 * anything else (NULL, "", "eng", "pt-BR") is Swedish, the product's
 * first language.  Pure.
 */
static enum lang
lang_of(const char *locale)
{
	char		 code[3];
	enum lang	 lang;
	size_t		 i;

	if (locale == NULL)
		return LANG_SV;
	for (i = 0; i < 2 && locale[i] != '\0'; i++)
		code[i] = (char)tolower((unsigned char)locale[i]);
	code[i] = '\0';
	if (i < 2 || (locale[2] != '\0' && locale[2] != '-' &&
	    locale[2] != '_'))
		return LANG_SV;
	return (lang = i18n_parse(code)) == LANG__MAX ? LANG_SV : lang;
}

/* "Aulan, Lund", either alone, or "" when the event has no venue. */
static void
add_venue(cJSON *ev, const char *name, const char *city)
{
	char	*venue = NULL;

	if (*name != '\0' && *city != '\0') {
		if (asprintf(&venue, "%s, %s", name, city) == -1)
			venue = NULL;
		cJSON_AddStringToObject(ev, "venue", venue != NULL ? venue :
		    name);
		free(venue);
	} else
		cJSON_AddStringToObject(ev, "venue", *name != '\0' ? name :
		    city);
}

/*
 * Adds the order's event and order members to root and writes the
 * subject.  Returns DB_OK, DB_NOTFOUND (no such order, or its event is
 * not cancelled) or DB_ERROR; *currency is the order's.
 */
static enum db_rc
add_order(struct db *db, int64_t order_id, enum lang lang, cJSON *root,
    char currency[CURRENCY_LEN + 1], char *subject, size_t subjectsz)
{
	struct db_stmt	*st;
	cJSON		*texts, *ev, *ord;
	const char	*title;
	char		 when[MAILTMPL_WHEN_LEN], money[MONEY_STR_MAX];
	enum db_rc	 rc;
	int64_t		 total;

	if ((st = db_stmt(db, stmts[STMT_ORDER])) == NULL ||
	    db_bind_int(st, 1, order_id) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) != DB_OK) {
		db_reset(st);
		return rc;
	}
	texts = text_parse(db_col_text(st, 1));
	title = text_pick(texts, "title", lang, db_col_text(st, 0));
	snprintf(subject, subjectsz, "%s%s", subjects[lang], title);
	ev = cJSON_AddObjectToObject(root, "event");
	cJSON_AddStringToObject(ev, "title", title);
	cJSON_Delete(texts);
	mailtmpl_when(db_col_int(st, 2), when);
	cJSON_AddStringToObject(ev, "when", when);
	add_venue(ev, db_col_text(st, 3), db_col_text(st, 4));

	ord = cJSON_AddObjectToObject(root, "order");
	cJSON_AddStringToObject(ord, "code", db_col_text(st, 5));
	if ((size_t)snprintf(currency, CURRENCY_LEN + 1, "%s",
	    db_col_text(st, 7)) >= CURRENCY_LEN + 1)
		currency[0] = '\0';	/* not a code: money shows as "" */
	/* A free order has nothing to refund; the templates say so. */
	total = db_col_int(st, 6);
	(void)money_format(money, sizeof(money), total, currency, lang);
	cJSON_AddStringToObject(ord, "refund", total > 0 ? money : "");
	db_reset(st);
	return DB_OK;
}

/* A line's name in lang: "Festivalpass – Fredag" for a variant. */
static char *
line_name(struct db_stmt *st, enum lang lang)
{
	cJSON		*texts, *parent_texts;
	const char	*parent = db_col_text(st, 2);
	char		*name = NULL;
	int		 n;

	texts = text_parse(db_col_text(st, 1));
	parent_texts = text_parse(db_col_text(st, 3));
	if (parent != NULL)
		n = asprintf(&name, "%s – %s", text_pick(parent_texts, "name",
		    lang, parent), text_pick(texts, "name", lang,
		    db_col_text(st, 0)));
	else
		n = asprintf(&name, "%s", text_pick(texts, "name", lang,
		    db_col_text(st, 0)));
	cJSON_Delete(texts);
	cJSON_Delete(parent_texts);
	return n == -1 ? NULL : name;
}

/* Adds the tickets bought, one element per order line.  DB_OK or
 * DB_ERROR (also for an order without lines). */
static enum db_rc
add_lines(struct db *db, int64_t order_id, enum lang lang, cJSON *root,
    const char *currency)
{
	struct db_stmt	*st;
	cJSON		*list, *l;
	char		*name, money[MONEY_STR_MAX];
	enum db_rc	 rc;

	list = cJSON_AddArrayToObject(root, "tickets");
	if (list == NULL || (st = db_stmt(db, stmts[STMT_LINES])) == NULL ||
	    db_bind_int(st, 1, order_id) == -1)
		return DB_ERROR;
	while ((rc = db_step(db, st)) == DB_OK) {
		if ((name = line_name(st, lang)) == NULL) {
			rc = DB_ERROR;
			break;
		}
		l = cJSON_CreateObject();
		cJSON_AddNumberToObject(l, "count", (double)db_col_int(st, 4));
		cJSON_AddStringToObject(l, "name", name);
		free(name);
		(void)money_format(money, sizeof(money), db_col_int(st, 5),
		    currency, lang);
		cJSON_AddStringToObject(l, "price", money);
		cJSON_AddItemToArray(list, l);
	}
	db_reset(st);
	if (rc != DB_NOTFOUND || cJSON_GetArraySize(list) == 0)
		return DB_ERROR;
	return DB_OK;
}

/*
 * The template context of order_id in lang, read in one snapshot, or
 * NULL with the reason in err.
 */
static cJSON *
context(struct db *db, int64_t order_id, enum lang lang, char *subject,
    size_t subjectsz, char *err, size_t errsz)
{
	cJSON		*root;
	char		 currency[CURRENCY_LEN + 1];
	enum db_rc	 rc;

	if ((root = cJSON_CreateObject()) == NULL) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	if ((rc = db_tx_read(db)) == DB_OK &&
	    (rc = add_order(db, order_id, lang, root, currency, subject,
	    subjectsz)) == DB_OK)
		rc = add_lines(db, order_id, lang, root, currency);
	db_tx_rollback(db);
	if (rc == DB_OK)
		return root;
	cJSON_Delete(root);
	if (rc == DB_NOTFOUND)
		snprintf(err, errsz, "order %lld is not an order of a "
		    "cancelled event", (long long)order_id);
	else
		snprintf(err, errsz, "order %lld: cannot read it (database "
		    "busy or the order has no lines)", (long long)order_id);
	return NULL;
}

int
cancelmail_send(struct db *db, const struct conf *conf, int64_t order_id,
    const char *recipient, const char *locale, char *err, size_t errsz)
{
	enum lang		 lang = lang_of(locale);
	cJSON			*ctx;
	char			 subject[2048], text[64], html[64];
	int			 rc;

	if ((ctx = context(db, order_id, lang, subject, sizeof(subject), err,
	    errsz)) == NULL)
		return -1;
	snprintf(text, sizeof(text), "event_cancelled.%s.txt",
	    i18n_code(lang));
	snprintf(html, sizeof(html), "event_cancelled.%s.html",
	    i18n_code(lang));
	rc = mailtmpl_send(conf, text, html, ctx, recipient, subject, err,
	    errsz);
	cJSON_Delete(ctx);
	return rc;
}
