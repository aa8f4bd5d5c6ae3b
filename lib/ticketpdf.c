/*
 * Ticket PDFs (ticketpdf.h).  Points; y grows upwards from the bottom
 * of the page.  Each layout is a table of sizes and places, so both
 * draw through the same code.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hpdf.h>

#include "arena.h"
#include "conf.h"
#include "db.h"
#include "http.h"
#include "i18n.h"
#include "limits.h"
#include "log.h"
#include "mailtmpl.h"
#include "pdfdoc.h"
#include "qr.h"
#include "ticketkey.h"
#include "ticketpdf.h"
#include "ticketstate.h"

/* Every text the page prints, translated with lib/i18n. */
enum text {
	T_DATE, T_DOORS, T_TICKET, T_SEAT_LABEL, T_SECTION, T_ROW, T_SEAT,
	T_NAME, T_ORDER, T_USED, T_CANCELLED, T_EXPIRED,
	T__MAX
};

static const char *const texts[T__MAX] = {
	[T_DATE] = N_("Date"),
	[T_DOORS] = N_("Doors open"),
	[T_TICKET] = N_("Ticket"),
	[T_SEAT_LABEL] = N_("Seat"),
	[T_SECTION] = N_("Section"),
	[T_ROW] = N_("row"),
	[T_SEAT] = N_("seat"),
	[T_NAME] = N_("Name"),
	[T_ORDER] = N_("Order number"),
	[T_USED] = N_("Used"),
	[T_CANCELLED] = N_("Ticket cancelled"),
	[T_EXPIRED] = N_("The event is over."),
};

_Static_assert(sizeof(texts) / sizeof(texts[0]) == T__MAX,
    "one text per enum text");

/*
 * A layout: the page, its margin, the title's and body's sizes, the QR
 * code's side with its quiet zone and where its top sits, and whether
 * the details go above the code (A4) or below it (the ticket).
 */
struct layout {
	float	 w, h, margin;
	float	 title, body, label, code;
	float	 qr_side, qr_top;
	int	 details_below;
};

/* A4: 595 x 842 pt.  The code 220 pt with its quiet zone, 41 + 8
 * modules at version 6: 184 pt, 65 mm, without. */
static const struct layout layouts[TICKETPDF__MAX] = {
	[TICKETPDF_A4] = { 595.0f, 842.0f, 50.0f, 22.0f, 11.0f, 8.5f,
	    22.0f, 220.0f, 520.0f, 0 },
	/* 3 x 5 inches: the code 180 pt with its quiet zone, 53 mm
	 * without. */
	[TICKETPDF_TICKET] = { 216.0f, 360.0f, 14.0f, 13.0f, 8.0f, 6.5f,
	    15.0f, 180.0f, 300.0f, 1 },
};

static const char *const layout_names[TICKETPDF__MAX] = {
	[TICKETPDF_A4] = "a4",
	[TICKETPDF_TICKET] = "ticket",
};

/* The rendering in progress. */
struct render {
	struct pdfdoc		 d;
	HPDF_Page		 page;
	const struct layout	*l;
	enum lang		 lang;
	float			 y;
};

enum ticketpdf_layout
ticketpdf_layout_parse(const char *s)
{
	int	 i;

	for (i = 0; i < TICKETPDF__MAX; i++)
		if (strcmp(s, layout_names[i]) == 0)
			return (enum ticketpdf_layout)i;
	return TICKETPDF__MAX;
}

/* Copies src into dst (dstsz bytes); a src too long loses its last
 * characters whole, never half a UTF-8 sequence, which would not
 * print. */
static void
copy_text(char *dst, size_t dstsz, const char *src)
{
	size_t	 n;

	if ((size_t)snprintf(dst, dstsz, "%s", src) < dstsz)
		return;
	n = strlen(dst);
	while (n > 0 && ((unsigned char)dst[n - 1] & 0xc0) == 0x80)
		n--;
	if (n > 0 && ((unsigned char)dst[n - 1] & 0xc0) == 0xc0)
		n--;
	dst[n] = '\0';
}

static const char *
t(const struct render *r, enum text k)
{
	return i18n_get(r->lang, texts[k]);
}

/* One line of text at r->y, cut to the page's width, then down. */
static void
line(struct render *r, HPDF_Font f, float size, const char *s,
    enum pdfdoc_align align)
{
	char	 buf[1024];
	float	 x, w = r->l->w - 2 * r->l->margin;

	if (s[0] == '\0')
		return;
	copy_text(buf, sizeof(buf), s);
	pdfdoc_fit(r->page, f, size, buf, w);
	x = align == PDFDOC_CENTRE ? r->l->w / 2 : r->l->margin;
	pdfdoc_text(r->page, f, size, x, r->y - size, buf, align);
	r->y -= size * 1.35f;
}

/* A small label over its value, when there is a value. */
static void
field(struct render *r, const char *label, const char *value)
{
	if (value[0] == '\0')
		return;
	line(r, r->d.font, r->l->label, label, PDFDOC_LEFT);
	line(r, r->d.bold, r->l->body, value, PDFDOC_LEFT);
	r->y -= r->l->body * 0.4f;
}

/*
 * The QR code of text with its quiet zone, side points a side, its top
 * left corner at (x, top): each run of dark modules in a row is one
 * filled rectangle, so the code stays crisp at any zoom or printer.
 */
static int
qr_draw(struct render *r, const char *text, float x, float top, float side)
{
	unsigned char	*mods;
	int		 width, mx, my, run;
	float		 m;

	if (qr_matrix(text, &mods, &width) == -1) {
		log_err("ticket pdf: a QR code that does not encode");
		return -1;
	}
	m = side / (float)(width + 2 * QR_QUIET_ZONE);
	HPDF_Page_SetRGBFill(r->page, 0, 0, 0);
	for (my = 0; my < width; my++)
		for (mx = 0; mx < width; mx += run) {
			for (run = 0; mx + run < width &&
			    mods[my * width + mx + run]; run++)
				continue;
			if (run == 0) {
				run = 1;
				continue;
			}
			HPDF_Page_Rectangle(r->page,
			    x + (float)(QR_QUIET_ZONE + mx) * m,
			    top - (float)(QR_QUIET_ZONE + my + 1) * m,
			    (float)run * m, m);
		}
	HPDF_Page_Fill(r->page);
	free(mods);
	return 0;
}

/* Where an unusable ticket's code would be: a frame saying why. */
static void
stamp(struct render *r, const struct ticketpdf_ticket *tk, float x,
    float top, float side)
{
	static const enum text why[TP__MAX] = {
		[TP_USED] = T_USED, [TP_CANCELLED] = T_CANCELLED,
		[TP_EXPIRED] = T_EXPIRED,
	};
	float	 y = r->y;

	HPDF_Page_SetLineWidth(r->page, 1.5f);
	HPDF_Page_Rectangle(r->page, x, top - side, side, side);
	HPDF_Page_Stroke(r->page);
	r->y = top - side / 2 + r->l->code / 2;
	line(r, r->d.bold, r->l->code, t(r, why[tk->state]), PDFDOC_CENTRE);
	r->y = y;
}

/* The code (or the stamp) centred at qr_top, the short code under it. */
static int
code_block(struct render *r, const struct ticketpdf_ticket *tk)
{
	const struct layout	*l = r->l;
	float			 x = (l->w - l->qr_side) / 2;

	if (tk->state == TP_ACTIVE && tk->qr[0] != '\0') {
		if (qr_draw(r, tk->qr, x, l->qr_top, l->qr_side) == -1)
			return -1;
	} else
		stamp(r, tk, x, l->qr_top, l->qr_side);
	r->y = l->qr_top - l->qr_side - l->body * 0.4f;
	line(r, r->d.bold, l->code, tk->code, PDFDOC_CENTRE);
	return 0;
}

/* The event: title, date and time, doors, venue. */
static void
event_block(struct render *r, const struct ticketpdf_ticket *tk)
{
	char	 when[MAILTMPL_WHEN_LEN], doors[MAILTMPL_WHEN_LEN];
	char	 buf[3 * VENUE_TEXT_MAX + 64];

	line(r, r->d.bold, r->l->title, tk->event, PDFDOC_LEFT);
	r->y -= r->l->body * 0.3f;
	mailtmpl_when(tk->event_at, when);
	mailtmpl_when(tk->doors_at, doors);
	/* Doors on the same day print the time only. */
	snprintf(buf, sizeof(buf), "%s: %s · %s: %s", t(r, T_DATE), when,
	    t(r, T_DOORS), strncmp(when, doors, 10) == 0 ? doors + 11 : doors);
	line(r, r->d.font, r->l->body, buf, PDFDOC_LEFT);
	snprintf(buf, sizeof(buf), "%s%s%s%s%s", tk->venue,
	    tk->venue[0] != '\0' && tk->address[0] != '\0' ? ", " : "",
	    tk->address, (tk->venue[0] != '\0' || tk->address[0] != '\0') &&
	    tk->city[0] != '\0' ? ", " : "", tk->city);
	line(r, r->d.font, r->l->body, buf, PDFDOC_LEFT);
}

/* What the ticket is, where one sits, whose it is, which order. */
static void
details(struct render *r, const struct ticketpdf_ticket *tk)
{
	char	 seat[3 * NAME_TEXT_MAX + 64] = "";

	field(r, t(r, T_TICKET), tk->kind);
	if (tk->seat[0] != '\0')
		snprintf(seat, sizeof(seat), "%s %s, %s %s, %s %s",
		    t(r, T_SECTION), tk->section, t(r, T_ROW), tk->row,
		    t(r, T_SEAT), tk->seat);
	field(r, t(r, T_SEAT_LABEL), seat);
	field(r, t(r, T_NAME), tk->attendee);
	field(r, t(r, T_ORDER), tk->order_number);
}

/* One ticket's page. */
static int
page(struct render *r, const struct ticketpdf_ticket *tk)
{
	const struct layout	*l = r->l;

	if ((r->page = HPDF_AddPage(r->d.doc)) == NULL ||
	    HPDF_Page_SetWidth(r->page, l->w) != HPDF_OK ||
	    HPDF_Page_SetHeight(r->page, l->h) != HPDF_OK)
		return -1;
	r->y = l->h - l->margin;
	event_block(r, tk);
	if (!l->details_below) {
		r->y -= l->body;
		details(r, tk);
	}
	if (code_block(r, tk) == -1)
		return -1;
	if (l->details_below) {
		r->y -= l->body * 0.3f;
		details(r, tk);
	}
	return 0;
}

int
ticketpdf_render(const struct ticketpdf_ticket *tk, size_t n,
    enum ticketpdf_layout layout, enum lang lang, const char *font_path,
    const char *bold_path, unsigned char **pdf, size_t *len)
{
	struct render	 r;
	size_t		 i;
	int		 rc = -1;

	*pdf = NULL;
	*len = 0;
	if (n == 0 || (unsigned)layout >= TICKETPDF__MAX)
		return -1;
	memset(&r, 0, sizeof(r));
	r.l = &layouts[layout];
	r.lang = lang;
	if (pdfdoc_open(&r.d, "ticket pdf", font_path, bold_path) == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (page(&r, &tk[i]) == -1)
			goto out;
	rc = pdfdoc_save(&r.d, TICKET_PDF_MAX, pdf, len);
out:
	pdfdoc_close(&r.d);
	return rc;
}

int
ticketpdf_filename(const struct ticketpdf_set *set, int whole_order,
    char *buf, size_t bufsz)
{
	const char	*name;
	size_t		 i, j = 0;
	char		 safe[ORDER_NUMBER_MAX + 1];

	if (set->n == 0)
		return -1;
	if (!whole_order)
		return (size_t)snprintf(buf, bufsz, "ticket-%s.pdf",
		    set->t[0].code) < bufsz ? 0 : -1;
	/* An order from before order numbers is named by its first code. */
	name = set->t[0].order_number[0] != '\0' ? set->t[0].order_number :
	    set->t[0].code;
	for (i = 0; name[i] != '\0' && j < sizeof(safe) - 1; i++)
		if ((name[i] >= 'A' && name[i] <= 'Z') ||
		    (name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= '0' && name[i] <= '9') || name[i] == '-')
			safe[j++] = name[i];
	safe[j] = '\0';
	return (size_t)snprintf(buf, bufsz, "tickets-%s.pdf", safe) < bufsz ?
	    0 : -1;
}

enum err
ticketpdf_answer(struct req *req, struct ticketpdf_set *set,
    enum ticketpdf_layout layout, int whole_order)
{
	unsigned char	*pdf = NULL;
	size_t		 len = 0;
	char		 name[64];
	enum err	 e;

	if (ticketpdf_filename(set, whole_order, name, sizeof(name)) == -1 ||
	    ticketpdf_render(set->t, set->n, layout, req->lang,
	    conf_str(req->conf, CONF_INVOICE_FONT),
	    conf_str(req->conf, CONF_INVOICE_FONT_BOLD), &pdf, &len) == -1 ||
	    http_add_header(req, "Content-Disposition", arena_printf(req->pool,
	    "attachment; filename=\"%s\"", name)) == -1)
		e = ERR_INTERNAL;
	else
		e = http_bytes(req, 200, "application/pdf", pdf, len);
	free(pdf);
	ticketpdf_set_free(set);
	return e;
}

/* ---- Loading ---- */

/* ?2 is now.  As lib/wallet derives a ticket's status (the door's
 * rules, lib/ticketstate.h): cancelled wins over used, used over
 * expired. */
#define STATE \
	"(CASE WHEN " TICKET_CANCELLED " THEN 2" \
	" WHEN " TICKET_USED("?2") " THEN 1" \
	" WHEN " TICKET_EXPIRED("?2") " THEN 3 ELSE 0 END)"

#define COLS \
	"SELECT t.id, t.uid, t.external_id, e.title, e.event_at," \
	" e.event_at - e.door_open_seconds, e.venue_name, e.venue_address," \
	" e.venue_city, coalesce(p.title, tt.title)," \
	" CASE tt.kind WHEN 'tier' THEN coalesce(tt.tier_name, tt.title)" \
	" ELSE coalesce(tt.tier_name, '') END," \
	" CASE tt.kind WHEN 'day_pass' THEN coalesce(tt.day_name, tt.title)" \
	" ELSE coalesce(tt.day_name, '') END," \
	" s.section, s.row_label, s.number," \
	" coalesce(t.attendee_name, nullif(o.buyer_name, ''), '')," \
	" coalesce(o.order_number, o.code, ''), " STATE "," \
	" coalesce(o.locale, 'sv')" \
	" FROM tickets t JOIN orders o ON o.id = t.order_id" \
	" JOIN events e ON e.id = t.event_id" \
	" JOIN ticket_types tt ON tt.id = t.ticket_type_id" \
	" LEFT JOIN ticket_types p ON p.id = tt.parent_id" \
	" LEFT JOIN seats s ON s.id = t.seat_id"

enum col {
	C_ID, C_UID, C_CODE, C_TITLE, C_EVENT_AT, C_DOORS_AT, C_VENUE,
	C_ADDRESS, C_CITY, C_NAME, C_TIER, C_DAY, C_SECTION, C_ROW, C_SEAT,
	C_ATTENDEE, C_ORDER_NUMBER, C_STATE, C_LOCALE
};

enum stmt {
	STMT_ONE,
	STMT_ORDER,
	STMT_PAID,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	[STMT_ONE] = COLS " WHERE t.uid = ?1 AND o.user_id = ?3",
	[STMT_ORDER] = COLS " WHERE o.uid = ?1 AND ?3 = ?3 ORDER BY t.id",
	/* The ticket mail's: the valid tickets of a paid order. */
	[STMT_PAID] = COLS " WHERE o.id = ?1 AND o.status = 'paid'"
	    " AND t.status = 'valid' AND ?3 = ?3 ORDER BY t.id",
};

static void
copy(char *dst, size_t dstsz, struct db_stmt *st, enum col c)
{
	const char	*s = db_col_text(st, c);

	copy_text(dst, dstsz, s != NULL ? s : "");
}

/* The current row into tk. */
static void
fill(struct ticketpdf_ticket *tk, struct db_stmt *st)
{
	char	 name[NAME_TEXT_MAX + 1], tier[NAME_TEXT_MAX + 1];
	char	 day[NAME_TEXT_MAX + 1];
	int64_t	 state;

	memset(tk, 0, sizeof(*tk));
	tk->id = db_col_int(st, C_ID);
	copy(tk->uid, sizeof(tk->uid), st, C_UID);
	copy(tk->code, sizeof(tk->code), st, C_CODE);
	copy(tk->event, sizeof(tk->event), st, C_TITLE);
	tk->event_at = db_col_int(st, C_EVENT_AT);
	tk->doors_at = db_col_int(st, C_DOORS_AT);
	copy(tk->venue, sizeof(tk->venue), st, C_VENUE);
	copy(tk->address, sizeof(tk->address), st, C_ADDRESS);
	copy(tk->city, sizeof(tk->city), st, C_CITY);
	copy(name, sizeof(name), st, C_NAME);
	copy(tier, sizeof(tier), st, C_TIER);
	copy(day, sizeof(day), st, C_DAY);
	/* As the wallet's full_ticket_name. */
	snprintf(tk->kind, sizeof(tk->kind), "%s%s%s%s%s", name,
	    *tier ? " - " : "", tier, *day ? " - " : "", day);
	if (!db_col_isnull(st, C_SEAT)) {
		copy(tk->section, sizeof(tk->section), st, C_SECTION);
		copy(tk->row, sizeof(tk->row), st, C_ROW);
		copy(tk->seat, sizeof(tk->seat), st, C_SEAT);
	}
	copy(tk->attendee, sizeof(tk->attendee), st, C_ATTENDEE);
	copy(tk->order_number, sizeof(tk->order_number), st,
	    C_ORDER_NUMBER);
	state = db_col_int(st, C_STATE);
	tk->state = state > 0 && state < TP__MAX ?
	    (enum ticketpdf_state)state : TP_ACTIVE;
}

/* Every row statement k finds, then their signed codes. */
static enum db_rc
load(struct db *db, enum stmt k, int64_t now, int64_t key,
    const char *uid, int64_t user_id, struct ticketpdf_set *set)
{
	struct ticketpdf_ticket	*grown;
	struct db_stmt		*st;
	size_t			 cap = 0, i;
	enum db_rc		 rc;

	memset(set, 0, sizeof(*set));
	set->lang = LANG_SV;
	if ((st = db_stmt(db, stmts[k])) == NULL ||
	    (uid != NULL ? db_bind_text(st, 1, uid) :
	    db_bind_int(st, 1, key)) == -1 || db_bind_int(st, 2, now) == -1 ||
	    db_bind_int(st, 3, user_id) == -1)
		return DB_ERROR;
	while ((rc = db_step(db, st)) == DB_OK) {
		if (set->n == TICKETS_PER_ORDER_MAX * 10)
			continue;	/* more than any order holds */
		if (set->n == cap) {
			cap = cap ? cap * 2 : 4;
			if ((grown = realloc(set->t, cap * sizeof(*grown))) ==
			    NULL) {
				rc = DB_ERROR;
				break;
			}
			set->t = grown;
		}
		fill(&set->t[set->n], st);
		if (set->n == 0)
			set->lang = i18n_parse(db_col_text(st, C_LOCALE));
		set->n++;
	}
	db_reset(st);
	if (rc == DB_NOTFOUND && set->n > 0)
		rc = DB_OK;
	if (rc != DB_OK) {
		ticketpdf_set_free(set);
		return rc;
	}
	/* Signed after the read: one statement at a time. */
	for (i = 0; i < set->n; i++)
		if (set->t[i].state == TP_ACTIVE &&
		    ticketkey_sign(db, set->t[i].id, now, set->t[i].qr) !=
		    DB_OK) {
			log_warn("ticket pdf: ticket %lld's QR code carries its"
			    " short code, not a signed one",
			    (long long)set->t[i].id);
			snprintf(set->t[i].qr, sizeof(set->t[i].qr), "%s",
			    set->t[i].code);
		}
	return DB_OK;
}

enum db_rc
ticketpdf_load_ticket(struct db *db, int64_t now, int64_t user_id,
    const char *uid, struct ticketpdf_set *set)
{
	return load(db, STMT_ONE, now, 0, uid, user_id, set);
}

enum db_rc
ticketpdf_load_order(struct db *db, int64_t now, const char *order_uid,
    struct ticketpdf_set *set)
{
	return load(db, STMT_ORDER, now, 0, order_uid, 0, set);
}

enum db_rc
ticketpdf_load_paid(struct db *db, int64_t now, int64_t order_id,
    struct ticketpdf_set *set)
{
	return load(db, STMT_PAID, now, order_id, NULL, 0, set);
}

void
ticketpdf_set_free(struct ticketpdf_set *set)
{
	free(set->t);
	set->t = NULL;
	set->n = 0;
}
