/*
 * Tickets as a PDF, one page per ticket, on lib/pdfdoc (libhpdf): the
 * event, its date and time and doors in the configured zone (as the
 * ticket mail writes them), the venue, the seat when seated, the ticket
 * type / tier / day, the attendee's name, the order number, the QR code
 * holding the ticket's signed code (lib/ticketkey) drawn as vector
 * squares from lib/qr's module matrix with its quiet zone, and the short
 * code printed under it.  Two layouts: A4 portrait, the QR code 65 mm a
 * side without its quiet zone; and a 3 x 5 inch ticket (216 x 360 pt),
 * 53 mm.  A ticket that no longer lets anyone in (used, cancelled,
 * refunded, its event over) says so where the QR code would be and has
 * none, as on the ticket pages: its signed code would verify at an
 * offline door until the revocation list reaches it.
 */
#ifndef BILJETT_TICKETPDF_H
#define BILJETT_TICKETPDF_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "err.h"
#include "i18n.h"
#include "limits.h"
#include "ticketsig.h"

struct req;

enum ticketpdf_layout {
	TICKETPDF_A4 = 0,	/* "a4", the default */
	TICKETPDF_TICKET,	/* "ticket": 3 x 5 inches */
	TICKETPDF__MAX
};

/* What a ticket's page says once it cannot be used; TP_ACTIVE shows the
 * QR code. */
enum ticketpdf_state {
	TP_ACTIVE = 0,
	TP_USED,
	TP_CANCELLED,
	TP_EXPIRED,
	TP__MAX
};

/* One ticket, as its page prints it.  Plain values: no ownership. */
struct ticketpdf_ticket {
	int64_t			 id;
	char			 uid[UUID_LEN + 1];
	char			 code[EXTERNAL_ID_LEN + 1];
	char			 qr[TICKETSIG_TEXT_LEN + 1]; /* "" : none */
	char			 event[TITLE_MAX + 1];
	int64_t			 event_at;
	int64_t			 doors_at;
	char			 venue[VENUE_TEXT_MAX + 1];
	char			 address[VENUE_TEXT_MAX + 1];
	char			 city[VENUE_TEXT_MAX + 1];
	char			 kind[3 * NAME_TEXT_MAX + 8]; /* type - tier - day */
	char			 section[NAME_TEXT_MAX + 1];
	char			 row[NAME_TEXT_MAX + 1];
	char			 seat[NAME_TEXT_MAX + 1];	/* "" : unseated */
	char			 attendee[NAME_TEXT_MAX + 1];
	char			 order_number[ORDER_NUMBER_MAX + 1];
	enum ticketpdf_state	 state;
};

/* The tickets of one document; free with ticketpdf_set_free(). */
struct ticketpdf_set {
	struct ticketpdf_ticket	*t;
	size_t			 n;
	enum lang		 lang;	/* the order's language (the mail's) */
};

/* "a4" or "ticket" to the enum; TICKETPDF__MAX if neither. */
enum ticketpdf_layout	ticketpdf_layout_parse(const char *s);

/*
 * Loads into set user_id's ticket uid (DB_NOTFOUND for anyone else's),
 * the tickets of the order order_uid (any state; DB_NOTFOUND for none),
 * or the valid tickets of order_id (the ticket mail's), with their
 * signed codes at now.  Read-only (lib/ticketkey's ticketkey_sign):
 * call ticketkey_ensure_*() before the read transaction; a ticket whose
 * code cannot be signed gets its short code in its QR code.  Returns
 * DB_OK, DB_NOTFOUND or an error (set empty then).
 */
enum db_rc	ticketpdf_load_ticket(struct db *db, int64_t now,
		    int64_t user_id, const char *uid, struct ticketpdf_set *set);
enum db_rc	ticketpdf_load_order(struct db *db, int64_t now,
		    const char *order_uid, struct ticketpdf_set *set);
enum db_rc	ticketpdf_load_paid(struct db *db, int64_t now,
		    int64_t order_id, struct ticketpdf_set *set);

/* Frees set's tickets; NULL-safe, idempotent. */
void		ticketpdf_set_free(struct ticketpdf_set *set);

/*
 * Renders the n tickets t (n >= 1) in layout, with labels in lang and
 * the fonts font_path / bold_path embedded, into *pdf (malloc'd, *len
 * bytes; free with free()).  The same tickets give the same bytes.
 * Returns 0, or -1 (logged: a font that does not load, a QR code that
 * does not encode, out of memory, larger than TICKET_PDF_MAX) with *pdf
 * NULL.
 */
int		ticketpdf_render(const struct ticketpdf_ticket *t, size_t n,
		    enum ticketpdf_layout layout, enum lang lang,
		    const char *font_path, const char *bold_path,
		    unsigned char **pdf, size_t *len);

/*
 * The file name of a download: "ticket-ABCDEF.pdf" for one ticket,
 * "tickets-<order number>.pdf" (letters, digits and '-' only) for an
 * order's, into buf.  -1 if it does not fit.
 */
int		ticketpdf_filename(const struct ticketpdf_set *set, int whole_order,
		    char *buf, size_t bufsz);

/*
 * Answers req with set (n >= 1) rendered in layout, in the request's
 * language with the configured fonts, as a 200 application/pdf
 * attachment named as ticketpdf_filename() names it.  Frees set.
 * Returns http_bytes()'s outcome, or ERR_INTERNAL when the name, the
 * PDF or a header cannot be made.
 */
enum err	ticketpdf_answer(struct req *req, struct ticketpdf_set *set,
		    enum ticketpdf_layout layout, int whole_order);

#endif
