/*
 * Invoices and credit notes (seed 000).  An invoice is issued inside the
 * transaction that marks an order paid (lib/order.c order_mark_paid), so
 * an order is paid if and only if it has one; a credit note inside the
 * transaction that records a refund (lib/payment.c pay_refund_begin).
 * Both take the next number of their organizer's series for the year of
 * issue (local time), gapless: a rollback gives the number back.  What
 * is issued is a snapshot (sql/019): later edits of events, stores or
 * accounts never change it, and the PDF (lib/invoicepdf.h) is rendered
 * from it on demand.
 *
 * VAT: prices are VAT-inclusive; a line's VAT is gross * rate / (100 %
 * + rate), rounded half to even, and an invoice's totals are the sums
 * of its lines.  Rates are basis points (2500: 25 %).
 */
#ifndef BILJETT_INVOICE_H
#define BILJETT_INVOICE_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "limits.h"

struct cJSON;
struct field_val;

enum invoice_kind {
	INVOICE_INVOICE = 0,
	INVOICE_CREDIT_NOTE,
	INVOICE_KIND__MAX
};

/* invoice_lines.kind */
enum invoice_line_kind {
	ILINE_TICKET = 0,
	ILINE_FEE,
	ILINE_DISCOUNT,
	ILINE_REFUND,
	ILINE__MAX
};

struct invoice_line {
	enum invoice_line_kind	 kind;
	char			 description[INVOICE_TEXT_MAX + 1];
	int64_t			 quantity;
	int64_t			 unit_price;	/* gross, minor units */
	int64_t			 vat_rate;	/* basis points; -1: no VAT */
	int64_t			 net, vat, gross;
};

/* An issued invoice or credit note, as stored.  Fixed-size: no frees. */
struct invoice {
	int64_t			 id;
	enum invoice_kind	 kind;
	int64_t			 organizer_id;	/* 0: events without one */
	int64_t			 order_id;
	int64_t			 user_id;	/* the buyer's account, or 0 */
	int64_t			 event_id;
	int64_t			 issued_at;
	int			 has_vat;
	int64_t			 net, vat, gross;
	char			 number[INVOICE_NUMBER_MAX + 1];
	char			 filename[INVOICE_FILENAME_MAX + 1];
	char			 credits[INVOICE_NUMBER_MAX + 1]; /* "" */
	char			 locale[8];
	char			 currency[CURRENCY_LEN + 1];
	char			 order_uid[UUID_LEN + 1];
	char			 order_number[ORDER_NUMBER_MAX + 1];
	char			 provider[PROVIDER_NAME_MAX + 1];
	char			 payment_reference[PAY_REF_MAX + 1];
	char			 seller_name[INVOICE_TEXT_MAX + 1];
	char			 seller_org_number[INVOICE_TEXT_MAX + 1];
	char			 seller_vat_number[INVOICE_TEXT_MAX + 1];
	char			 seller_address[INVOICE_TEXT_MAX + 1];
	char			 buyer_name[INVOICE_TEXT_MAX + 1];
	char			 buyer_email[EMAIL_MAX + 1];
	char			 event_title[INVOICE_TEXT_MAX + 1];
	size_t			 nlines;
	struct invoice_line	 lines[INVOICE_LINES_MAX];
};

/* Stored names of the closed sets ("invoice", "credit_note"; "ticket",
 * ...), and back (an unknown name parses as ..._INVOICE / ILINE_TICKET). */
const char		*invoice_kind_str(enum invoice_kind k);
const char		*invoice_line_kind_str(enum invoice_line_kind k);
enum invoice_line_kind	 invoice_line_kind_parse(const char *s);

/*
 * The VAT in a VAT-inclusive amount gross (negative for credits) at
 * rate_bp basis points: gross * rate / (10000 + rate), half to even.
 * Returns 0, or -1 when the rate is outside 0..VAT_RATE_MAX or |gross|
 * above MONEY_MAX * TICKET_COUNT_MAX.  Pure.
 */
int		 invoice_vat_of(int64_t gross, int64_t rate_bp, int64_t *vat);

/*
 * Splits amount over n weights in proportion (weights >= 0, their sum
 * > 0): out[i] = round(amount * W(i) / W) - round(amount * W(i-1) / W)
 * with W(i) the sum of the first i+1 weights, half to even, so the
 * parts always add up to amount exactly.  Returns 0 or -1 (no weight,
 * or too large to compute exactly).  Pure.
 */
int		 invoice_split(int64_t amount, const int64_t *weights, size_t n,
		    int64_t *out);

/*
 * The API's "vat_rate": a percent string ("25.00") from basis points,
 * or null for none (bp < 0), added to o.
 */
void		 invoice_vat_out(struct cJSON *o, int64_t bp);
/*
 * Parses a validated FIELD_MONEY vat_rate (a percent, at most two
 * decimals, at most 100) into basis points in *bp; JSON null is -1
 * (none).  Returns 0, or -1 with the reason in errs under "vat_rate".
 */
int		 invoice_vat_in(const struct field_val *f, int64_t *bp,
		    struct cJSON *errs);

/*
 * An invoice number: the prefix (may be ""), the year, a dash and the
 * sequence number in six digits at least ("2026-000123").  Returns 0,
 * or -1 when it does not fit.  Pure.
 */
int		 invoice_number_format(char *buf, size_t bufsz,
		    const char *prefix, int year, int64_t seq);
/*
 * The PDF's file name: "invoice_<organizer>_<number>.pdf" or
 * "credit_<organizer>_<number>.pdf".  Returns 0 or -1.  Pure.
 */
int		 invoice_filename(char *buf, size_t bufsz, enum invoice_kind k,
		    int64_t organizer_id, const char *number);
/* Is s a well-formed file name, as invoice_filename() makes them?  Pure. */
int		 invoice_filename_valid(const char *s);
/* Is s a valid invoice prefix: up to INVOICE_PREFIX_MAX of A-Z 0-9 -?  Pure. */
int		 invoice_prefix_valid(const char *s);

/*
 * Issues the invoice of order_id, which the caller has just marked paid
 * in its open transaction: the order's lines with their VAT, the
 * service fee, a discount, the buyer, the seller from the event's
 * organizer and store, the paid payment's provider and reference.
 * Returns DB_OK, or what the storage said (the caller rolls back).
 */
enum db_rc	 invoice_issue(struct db *db, int64_t order_id, int64_t now);

/*
 * Issues a credit note for amount (minor units, > 0) refunded of
 * order_id by refunds row refund_id, inside the caller's transaction:
 * every line of the invoice again, negated, when full and nothing was
 * credited before; else one "refund" line per VAT rate, the amount
 * split over the rates in proportion to the invoice's gross.  An order
 * paid before invoices existed has none to credit: DB_OK, nothing
 * written.  Returns DB_OK or what the storage said.
 */
enum db_rc	 invoice_credit(struct db *db, int64_t order_id,
		    int64_t refund_id, int64_t amount, int full, int64_t now);

/*
 * Loads the invoice or credit note whose file name is filename.
 * Returns DB_OK, DB_NOTFOUND or DB_ERROR.
 */
enum db_rc	 invoice_load_file(struct db *db, const char *filename,
		    struct invoice *out);
/* Loads the invoice (not a credit note) of order_id.  As above. */
enum db_rc	 invoice_load_order(struct db *db, int64_t order_id,
		    struct invoice *out);

/*
 * The number and file name of the invoice of the order whose uid is
 * order_uid.  Returns DB_OK, DB_NOTFOUND (not paid, or paid before
 * invoices existed) or DB_ERROR.
 */
enum db_rc	 invoice_of_order(struct db *db, const char *order_uid,
		    char number[INVOICE_NUMBER_MAX + 1],
		    char filename[INVOICE_FILENAME_MAX + 1]);

/* Filters and order of a user's invoice list (seed 000). */
struct invoice_query {
	int64_t		 user_id;
	const char	*status;	/* "paid", "refunded", ...; NULL: any */
	int64_t		 from, to;	/* issued_at bounds; 0: none */
	const char	*sort_by;	/* "uuid", "amount", "created_at" */
	int		 desc;
	int64_t		 page, per_page;
};

/*
 * The user's invoices and credit notes as seed 000's list items
 * ({uuid, number, kind, amount, currency, status, created_at,
 * invoice_link, download_url}, download_url under base_url) into a new
 * array *items, and how many match in *total.  Returns DB_OK (free
 * *items with cJSON_Delete) or an error (nothing to free).
 */
enum db_rc	 invoice_list(struct db *db, const struct invoice_query *q,
		    const char *base_url, struct cJSON **items,
		    int64_t *total);

#endif
