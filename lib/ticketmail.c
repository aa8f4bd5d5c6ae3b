/*
 * Composing the ticket mail.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "conf.h"
#include "db.h"
#include "i18n.h"
#include "limits.h"
#include "mail.h"
#include "mailconf.h"
#include "mailtmpl.h"
#include "money.h"
#include "log.h"
#include "qr.h"
#include "tfmt.h"
#include "ticketkey.h"
#include "ticketpdf.h"
#include "transfer.h"
#include "wallet.h"
#include "ticketmail.h"

#define QR_SCALE	8
#define TICKETS_MAX	(TICKETS_PER_ORDER_MAX * 10)

enum stmt {
	STMT_ORDER,
	STMT_TICKETS,
	STMT_ONE_TICKET,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	[STMT_ORDER] =
	    "SELECT e.title, e.event_at, e.door_open_seconds, o.code, o.total,"
	    " o.currency, coalesce(o.order_number, ''), o.service_fee, o.uid"
	    " FROM orders o JOIN events e ON e.id = o.event_id"
	    " WHERE o.id = ?1 AND o.status = 'paid'",
	/* The buyer's own: not those given to someone else (lib/transfer). */
	[STMT_TICKETS] =
	    "SELECT t.external_id, tt.title, t.price, t.id, t.uid FROM tickets t"
	    " JOIN ticket_types tt ON tt.id = t.ticket_type_id"
	    " WHERE t.order_id = ?1 AND t.status = 'valid'"
	    " AND t.holder_email IS NULL ORDER BY t.id",
	/* One ticket given to its holder by a transfer. */
	[STMT_ONE_TICKET] =
	    "SELECT t.external_id, tt.title, t.price, t.id, t.uid FROM tickets t"
	    " JOIN ticket_types tt ON tt.id = t.ticket_type_id"
	    " WHERE t.order_id = ?1 AND t.id = ?2 AND t.status = 'valid'",
};

/*
 * order.link: the page that shows the order's tickets without signing
 * in (pages' /tickets/{uid}/{token}); none without a secret_key to sign
 * it with, or for an order from before uids.
 */
static void
add_link(cJSON *ord, const struct conf *conf, const char *uid)
{
	char	 url[1024];

	if (wallet_link_url(conf_str(conf, CONF_PUBLIC_URL), uid, url,
	    sizeof(url)) == 0)
		cJSON_AddStringToObject(ord, "link", url);
}

/*
 * The template context of an order's tickets, or of its one ticket
 * ticket_id (non-zero: a transferred ticket, whose link shows it alone);
 * NULL if it is not a paid order with such tickets.
 */
static cJSON *
context(struct db *db, const struct conf *conf, int64_t order_id,
    int64_t ticket_id, char *subject, size_t subjectsz)
{
	struct db_stmt	*st;
	cJSON		*root, *ev, *ord, *list, *t;
	char		 buf[64], money[MONEY_STR_MAX], cid[64], url[1024];
	char		 currency[CURRENCY_LEN + 1];
	enum db_rc	 rc;

	if ((st = db_stmt(db, stmts[STMT_ORDER])) == NULL ||
	    db_bind_int(st, 1, order_id) == -1)
		return NULL;
	if (db_step(db, st) != DB_OK) {
		db_reset(st);
		return NULL;
	}
	root = cJSON_CreateObject();
	ev = cJSON_AddObjectToObject(root, "event");
	cJSON_AddStringToObject(ev, "title", db_col_text(st, 0));
	snprintf(subject, subjectsz, "Dina biljetter: %s", db_col_text(st, 0));
	mailtmpl_when(db_col_int(st, 1), buf);
	cJSON_AddStringToObject(ev, "when", buf);
	mailtmpl_when(db_col_int(st, 1) - db_col_int(st, 2), buf);
	cJSON_AddStringToObject(ev, "doors", buf);
	ord = cJSON_AddObjectToObject(root, "order");
	cJSON_AddStringToObject(ord, "code", db_col_text(st, 3));
	/* The mail is Swedish first, with an English line at the end. */
	if ((size_t)snprintf(currency, sizeof(currency), "%s",
	    db_col_text(st, 5)) >= sizeof(currency))
		currency[0] = '\0';	/* not a code: money shows as "" */
	(void)money_format(money, sizeof(money), db_col_int(st, 4), currency,
	    LANG_SV);
	cJSON_AddStringToObject(ord, "total", money);
	cJSON_AddStringToObject(ord, "number", db_col_text(st, 6));
	/* The receipt shows the service fee an API order paid (if any). */
	if (db_col_int(st, 7) > 0) {
		(void)money_format(money, sizeof(money), db_col_int(st, 7),
		    currency, LANG_SV);
		cJSON_AddStringToObject(ord, "service_fee", money);
	}
	if (ticket_id == 0)
		add_link(ord, conf, db_col_text(st, 8));
	else
		cJSON_AddBoolToObject(root, "transferred", 1);
	db_reset(st);

	list = cJSON_AddArrayToObject(root, "tickets");
	if ((st = db_stmt(db, stmts[ticket_id != 0 ? STMT_ONE_TICKET :
	    STMT_TICKETS])) == NULL || db_bind_int(st, 1, order_id) == -1 ||
	    (ticket_id != 0 && db_bind_int(st, 2, ticket_id) == -1)) {
		cJSON_Delete(root);
		return NULL;
	}
	while ((rc = db_step(db, st)) == DB_OK) {
		t = cJSON_CreateObject();
		cJSON_AddStringToObject(t, "external_id", db_col_text(st, 0));
		cJSON_AddStringToObject(t, "type", db_col_text(st, 1));
		(void)money_format(money, sizeof(money), db_col_int(st, 2),
		    currency, LANG_SV);
		cJSON_AddStringToObject(t, "price", money);
		snprintf(cid, sizeof(cid), "%s@biljett", db_col_text(st, 0));
		cJSON_AddStringToObject(t, "cid", cid);
		cJSON_AddNumberToObject(t, "id", (double)db_col_int(st, 3));
		/* A transferred ticket's link shows that ticket alone. */
		if (ticket_id != 0 && transfer_link_url(conf_str(conf,
		    CONF_PUBLIC_URL), db_col_text(st, 4), url,
		    sizeof(url)) == 0)
			cJSON_AddStringToObject(ord, "link", url);
		cJSON_AddItemToArray(list, t);
	}
	db_reset(st);
	if (rc != DB_NOTFOUND || cJSON_GetArraySize(list) == 0) {
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

/*
 * What ticket id's QR code holds: its signed code (lib/ticketkey), which
 * a door checks offline; the short code when it cannot be signed (no
 * secret_key), which every door still looks up.
 */
/*
 * Attaches the order's valid tickets as one A4 PDF, a page each, in the
 * order's language, as *att; its data and name are the caller's to
 * free.  A PDF that cannot be made (no fonts) leaves the mail as it
 * was: the PNGs alone still get everyone in.  Returns 1 if attached.
 */
static int
add_pdf(struct db *db, const struct conf *conf, int64_t order_id,
    struct mail_attachment *att, char **name)
{
	struct ticketpdf_set	 set;
	unsigned char		*pdf = NULL;
	size_t			 len = 0;
	char			 buf[64];

	*name = NULL;
	if (ticketpdf_load_paid(db, tfmt_now(), order_id, &set) != DB_OK)
		return 0;
	if (ticketpdf_filename(&set, 1, buf, sizeof(buf)) == -1 ||
	    (*name = strdup(buf)) == NULL ||
	    ticketpdf_render(set.t, set.n, TICKETPDF_A4, set.lang,
	    conf_str(conf, CONF_INVOICE_FONT),
	    conf_str(conf, CONF_INVOICE_FONT_BOLD), &pdf, &len) == -1) {
		log_warn("ticket mail: order %lld goes without its PDF",
		    (long long)order_id);
		free(*name);
		*name = NULL;
		ticketpdf_set_free(&set);
		return 0;
	}
	ticketpdf_set_free(&set);
	att->filename = *name;
	att->content_type = "application/pdf";
	att->content_id = NULL;
	att->data = pdf;
	att->len = len;
	return 1;
}

static const char *
qr_content(struct db *db, int64_t id, const char *code,
    char text[TICKETSIG_TEXT_LEN + 1])
{
	if (ticketkey_code(db, id, tfmt_now(), text) == DB_OK)
		return text;
	log_warn("ticket mail: ticket %lld's QR code carries its short code,"
	    " not a signed one (is secret_key set?)", (long long)id);
	return code;
}

/* Sends the mail of order_id's tickets, or of its one ticket_id. */
static int
send_tickets(struct db *db, const struct conf *conf, int64_t order_id,
    int64_t ticket_id, const char *recipient, char *err, size_t errsz)
{
	struct mail_attachment	 att[TICKETS_MAX + 1];
	struct mail_server	 srv;
	struct mail_msg		 msg;
	const cJSON		*t;
	cJSON			*ctx;
	char			 subject[512], *text = NULL, *html = NULL;
	char			*names[TICKETS_MAX + 1], *cids[TICKETS_MAX + 1];
	char			 signed_code[TICKETSIG_TEXT_LEN + 1];
	size_t			 n = 0, i;
	int			 rc = -1;

	memset(att, 0, sizeof(att));
	if ((ctx = context(db, conf, order_id, ticket_id, subject,
	    sizeof(subject))) == NULL) {
		snprintf(err, errsz, "order %lld is not a paid order with "
		    "tickets", (long long)order_id);
		return -1;
	}
	if ((text = mailtmpl_render(conf, "tickets.txt", ctx, TMPL_TEXT, err,
	    errsz)) == NULL || (html = mailtmpl_render(conf, "tickets.html",
	    ctx, TMPL_HTML, err, errsz)) == NULL)
		goto out;

	cJSON_ArrayForEach(t, cJSON_GetObjectItem(ctx, "tickets")) {
		const char *code = cJSON_GetObjectItem(t, "external_id")->
		    valuestring;

		if (n == TICKETS_MAX)
			break;
		names[n] = NULL;
		cids[n] = strdup(cJSON_GetObjectItem(t, "cid")->valuestring);
		if (cids[n] == NULL || asprintf(&names[n], "%s.png", code) == -1 ||
		    qr_png(qr_content(db, (int64_t)cJSON_GetObjectItem(t,
		    "id")->valuedouble, code, signed_code), QR_SCALE,
		    (unsigned char **)&att[n].data,
		    &att[n].len) == -1) {
			snprintf(err, errsz, "cannot make the QR code");
			n++;
			goto out;
		}
		att[n].filename = names[n];
		att[n].content_type = "image/png";
		att[n].content_id = cids[n];
		n++;
	}

	/* After the PNGs: making their codes made the organizer's key if
	 * it was missing, so the PDF's codes are signed too. */
	cids[n] = NULL;
	if (add_pdf(db, conf, order_id, &att[n], &names[n]))
		n++;

	mailconf_smtp(conf, &srv, &msg);
	msg.to = recipient;
	msg.subject = subject;
	msg.text = text;
	msg.html = html;
	msg.att = att;
	msg.natt = n;
	rc = mail_send(&srv, &msg, err, errsz);
out:
	for (i = 0; i < n; i++) {
		free((void *)att[i].data);
		free(names[i]);
		free(cids[i]);
	}
	free(text);
	free(html);
	cJSON_Delete(ctx);
	return rc;
}

int
ticketmail_send(struct db *db, const struct conf *conf, int64_t order_id,
    const char *recipient, char *err, size_t errsz)
{
	return send_tickets(db, conf, order_id, 0, recipient, err, errsz);
}

int
ticketmail_send_ticket(struct db *db, const struct conf *conf,
    int64_t order_id, int64_t ticket_id, const char *recipient, char *err,
    size_t errsz)
{
	if (ticket_id <= 0) {
		snprintf(err, errsz, "no ticket named");
		return -1;
	}
	return send_tickets(db, conf, order_id, ticket_id, recipient, err,
	    errsz);
}
