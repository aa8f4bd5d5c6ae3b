/*
 * Invoices and credit notes (invoice.h): issue, number, load, list.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "db.h"
#include "field.h"
#include "invoice.h"
#include "log.h"
#include "money.h"
#include "tfmt.h"

/* 128-bit intermediates: amount * weight must not overflow. */
__extension__ typedef __int128 wide;

#define BP_WHOLE	10000	/* 100 % in basis points */
#define SEQ_DIGITS	6	/* "2026-000123" */

enum stmt {
	STMT_HEAD,
	STMT_PAYMENT,
	STMT_LINES,
	STMT_SERIES_NEXT,
	STMT_PREFIX,
	STMT_INSERT,
	STMT_LINE_INSERT,
	STMT_CREDIT_INSERT,
	STMT_CREDITED,
	STMT_BY_FILE,
	STMT_BY_ORDER,
	STMT_LOAD_LINES,
	STMT_LIST,
	STMT_COUNT,
	STMT_OF_ORDER,
	STMT__MAX
};

/* The columns invoice_fill() reads, in its order. */
#define INVOICE_COLS \
	"i.id, i.kind, i.organizer_id, i.order_id, coalesce(i.user_id, 0)," \
	" i.event_id, i.issued_at, i.has_vat, i.net, i.vat, i.gross," \
	" i.number, i.filename, coalesce(c.number, ''), i.locale, i.currency," \
	" coalesce(o.uid, ''), i.order_number, i.provider," \
	" i.payment_reference, i.seller_name, i.seller_org_number," \
	" i.seller_vat_number, i.seller_address, i.buyer_name, i.buyer_email," \
	" i.event_title" \
	" FROM invoices i JOIN orders o ON o.id = i.order_id" \
	" LEFT JOIN invoices c ON c.id = i.credits_id"

/* Seed 000's words for an invoice's state: its order's, roughly. */
#define LIST_STATUS \
	"CASE WHEN i.kind = 'credit_note' OR o.status = 'refunded'" \
	" THEN 'refunded' ELSE 'paid' END"
#define LIST_WHERE \
	" WHERE i.user_id = ?1 AND (?2 IS NULL OR " LIST_STATUS " = ?2)" \
	" AND (?3 = 0 OR i.issued_at >= ?3) AND (?4 = 0 OR i.issued_at <= ?4)"
#define LIST_KEY \
	"CASE ?5 WHEN 'amount' THEN i.gross WHEN 'uuid' THEN o.uid" \
	" ELSE i.issued_at END"

static const char *const stmts[STMT__MAX] = {
	/*
	 * What the invoice says about the order, its buyer and its seller
	 * (the event's organizer: the store's legal name, else the
	 * store's name, else the account's name).
	 */
	[STMT_HEAD] =
	    "SELECT o.event_id, coalesce(e.organizer_id, 0), o.currency,"
	    " coalesce(nullif(o.locale, ''), e.default_lang, 'sv'),"
	    " coalesce(o.order_number, o.code), coalesce(o.user_id, 0),"
	    " coalesce(nullif(o.buyer_name, ''), u.name, ''),"
	    " coalesce(nullif(o.email, ''), u.email, ''), e.title,"
	    " coalesce(e.vat_rate, -1), o.service_fee, o.discount,"
	    " coalesce(nullif(s.legal_name, ''), s.name, org.name, ''),"
	    " coalesce(s.org_number, ''), coalesce(s.vat_number, ''),"
	    " coalesce(s.address, '')"
	    " FROM orders o JOIN events e ON e.id = o.event_id"
	    " LEFT JOIN users u ON u.id = o.user_id"
	    " LEFT JOIN users org ON org.id = e.organizer_id"
	    " LEFT JOIN stores s ON s.organizer_id = e.organizer_id"
	    " WHERE o.id = ?1",
	[STMT_PAYMENT] =
	    "SELECT provider, coalesce(nullif(payment_reference, ''),"
	    " provider_ref, '') FROM payments WHERE order_id = ?1"
	    " AND status IN ('paid', 'refunded') ORDER BY id LIMIT 1",
	/* A variant's rate, else its type's, else the event's (-1: none). */
	[STMT_LINES] =
	    "SELECT l.count, l.unit_price,"
	    " coalesce(p.title || ' – ', '') || t.title,"
	    " coalesce(t.vat_rate, p.vat_rate, e.vat_rate, -1)"
	    " FROM order_lines l JOIN ticket_types t ON t.id = l.ticket_type_id"
	    " LEFT JOIN ticket_types p ON p.id = t.parent_id"
	    " JOIN orders o ON o.id = l.order_id"
	    " JOIN events e ON e.id = o.event_id"
	    " WHERE l.order_id = ?1 ORDER BY l.id",
	/* The series' next number, in the issuing transaction. */
	[STMT_SERIES_NEXT] =
	    "INSERT INTO invoice_series (organizer_id, year, last)"
	    " VALUES (?1, ?2, 1) ON CONFLICT (organizer_id, year)"
	    " DO UPDATE SET last = last + 1 RETURNING last",
	[STMT_PREFIX] =
	    "SELECT coalesce((SELECT invoice_prefix FROM stores"
	    " WHERE organizer_id = ?1), '')",
	[STMT_INSERT] =
	    "INSERT INTO invoices (kind, organizer_id, year, seq, number,"
	    " filename, order_id, user_id, event_id, issued_at, locale,"
	    " currency, seller_name, seller_org_number, seller_vat_number,"
	    " seller_address, buyer_name, buyer_email, order_number,"
	    " event_title, provider, payment_reference, has_vat, net, vat,"
	    " gross) VALUES ('invoice', ?1, ?2, ?3, ?4, ?5, ?6, nullif(?7, 0),"
	    " ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,"
	    " ?21, ?22, ?23, ?24, ?25) RETURNING id",
	[STMT_LINE_INSERT] =
	    "INSERT INTO invoice_lines (invoice_id, position, kind,"
	    " description, quantity, unit_price, vat_rate, net, vat, gross)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, nullif(?7, -1), ?8, ?9, ?10)",
	/* A credit note: the invoice's snapshot, a number of its own. */
	[STMT_CREDIT_INSERT] =
	    "INSERT INTO invoices (kind, organizer_id, year, seq, number,"
	    " filename, order_id, credits_id, refund_id, user_id, event_id,"
	    " issued_at, locale, currency, seller_name, seller_org_number,"
	    " seller_vat_number, seller_address, buyer_name, buyer_email,"
	    " order_number, event_title, provider, payment_reference, has_vat,"
	    " net, vat, gross)"
	    " SELECT 'credit_note', organizer_id, ?2, ?3, ?4, ?5, order_id, id,"
	    " nullif(?6, 0), user_id, event_id, ?7, locale, currency,"
	    " seller_name, seller_org_number, seller_vat_number,"
	    " seller_address, buyer_name, buyer_email, order_number,"
	    " event_title, provider, payment_reference, has_vat, ?8, ?9, ?10"
	    " FROM invoices WHERE id = ?1 RETURNING id",
	[STMT_CREDITED] =
	    "SELECT count(*) FROM invoices WHERE credits_id = ?1",
	[STMT_BY_FILE] =
	    "SELECT " INVOICE_COLS " WHERE i.filename = ?1",
	[STMT_BY_ORDER] =
	    "SELECT " INVOICE_COLS " WHERE i.order_id = ?1"
	    " AND i.kind = 'invoice'",
	[STMT_LOAD_LINES] =
	    "SELECT kind, description, quantity, unit_price,"
	    " coalesce(vat_rate, -1), net, vat, gross FROM invoice_lines"
	    " WHERE invoice_id = ?1 ORDER BY position",
	[STMT_LIST] =
	    "SELECT coalesce(o.uid, ''), i.number, i.kind, i.gross, i.currency,"
	    " " LIST_STATUS ", i.issued_at, i.filename"
	    " FROM invoices i JOIN orders o ON o.id = i.order_id" LIST_WHERE
	    " ORDER BY CASE WHEN ?6 = 1 THEN " LIST_KEY " END DESC,"
	    " CASE WHEN ?6 = 0 THEN " LIST_KEY " END ASC,"
	    " CASE WHEN ?6 = 1 THEN i.id END DESC, i.id"
	    " LIMIT ?7 OFFSET ?8",
	[STMT_COUNT] =
	    "SELECT count(*) FROM invoices i JOIN orders o ON o.id = i.order_id"
	    LIST_WHERE " AND ?5 = ?5",
	[STMT_OF_ORDER] =
	    "SELECT i.number, i.filename FROM orders o JOIN invoices i"
	    " ON i.order_id = o.id AND i.kind = 'invoice' WHERE o.uid = ?1",
};

_Static_assert(sizeof(stmts) / sizeof(stmts[0]) == STMT__MAX,
    "one SQL text per statement");

static const char *const kind_names[INVOICE_KIND__MAX] = {
	[INVOICE_INVOICE] = "invoice",
	[INVOICE_CREDIT_NOTE] = "credit_note",
};

static const char *const line_kind_names[ILINE__MAX] = {
	[ILINE_TICKET] = "ticket",
	[ILINE_FEE] = "fee",
	[ILINE_DISCOUNT] = "discount",
	[ILINE_REFUND] = "refund",
};

/* The descriptions of the lines that are not tickets: the PDF
 * translates them (lib/invoicepdf.c). */
static const char *const line_texts[ILINE__MAX] = {
	[ILINE_TICKET] = "",
	[ILINE_FEE] = "Service fee",
	[ILINE_DISCOUNT] = "Discount",
	[ILINE_REFUND] = "Refund",
};

const char *
invoice_kind_str(enum invoice_kind k)
{
	return k < INVOICE_KIND__MAX ? kind_names[k] : kind_names[0];
}

const char *
invoice_line_kind_str(enum invoice_line_kind k)
{
	return k < ILINE__MAX ? line_kind_names[k] : line_kind_names[0];
}

enum invoice_line_kind
invoice_line_kind_parse(const char *s)
{
	int	 k;

	for (k = 0; s != NULL && k < ILINE__MAX; k++)
		if (strcmp(s, line_kind_names[k]) == 0)
			return (enum invoice_line_kind)k;
	return ILINE_TICKET;
}

/* num / den (den > 0), rounded half to even, symmetric for negatives. */
static int64_t
div_even(wide num, wide den)
{
	wide	 a = num < 0 ? -num : num, q = a / den, r = a % den;

	if (2 * r > den || (2 * r == den && (q & 1)))
		q++;
	return (int64_t)(num < 0 ? -q : q);
}

int
invoice_vat_of(int64_t gross, int64_t rate_bp, int64_t *vat)
{
	const int64_t	 max = MONEY_MAX * TICKET_COUNT_MAX;

	*vat = 0;
	if (rate_bp < 0 || rate_bp > VAT_RATE_MAX || gross > max ||
	    gross < -max)
		return -1;
	*vat = div_even((wide)gross * rate_bp, (wide)BP_WHOLE + rate_bp);
	return 0;
}

int
invoice_split(int64_t amount, const int64_t *weights, size_t n, int64_t *out)
{
	wide	 sum = 0, cum = 0;
	int64_t	 prev = 0, at;
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (weights[i] < 0)
			return -1;
		sum += weights[i];
	}
	if (n == 0 || sum == 0)
		return -1;
	for (i = 0; i < n; i++) {
		cum += weights[i];
		at = div_even((wide)amount * cum, sum);
		out[i] = at - prev;
		prev = at;
	}
	return 0;
}

int
invoice_prefix_valid(const char *s)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++)
		if (i >= INVOICE_PREFIX_MAX || !((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

int
invoice_number_format(char *buf, size_t bufsz, const char *prefix, int year,
    int64_t seq)
{
	int	 n;

	if (!invoice_prefix_valid(prefix) || year < 1970 || year > 9999 ||
	    seq <= 0)
		return -1;
	n = snprintf(buf, bufsz, "%s%04d-%0*lld", prefix, year, SEQ_DIGITS,
	    (long long)seq);
	return n < 0 || (size_t)n >= bufsz ? -1 : 0;
}

int
invoice_filename(char *buf, size_t bufsz, enum invoice_kind k,
    int64_t organizer_id, const char *number)
{
	int	 n;

	n = snprintf(buf, bufsz, "%s_%lld_%s.pdf",
	    k == INVOICE_CREDIT_NOTE ? "credit" : "invoice",
	    (long long)organizer_id, number);
	return n < 0 || (size_t)n >= bufsz ? -1 : 0;
}

int
invoice_filename_valid(const char *s)
{
	const char	*p;
	size_t		 digits = 0, rest = 0;

	if (strncmp(s, "invoice_", 8) == 0)
		p = s + 8;
	else if (strncmp(s, "credit_", 7) == 0)
		p = s + 7;
	else
		return 0;
	/* The organizer: a number without leading zeros (0 alone is one). */
	for (; *p >= '0' && *p <= '9'; p++)
		if (++digits > 19 || (digits == 2 && p[-1] == '0'))
			return 0;
	if (digits == 0 || *p++ != '_')
		return 0;
	for (; (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
	    *p == '-'; p++)
		if (++rest > INVOICE_NUMBER_MAX)
			return 0;
	return rest > 0 && strcmp(p, ".pdf") == 0;
}

/* Copies column i as text ("" for NULL), truncated to fit. */
static void
col_copy(struct db_stmt *st, int i, char *dst, size_t dstsz)
{
	const char	*s = db_col_text(st, i);

	snprintf(dst, dstsz, "%s", s != NULL ? s : "");
}

/* The next number of organizer's series for now's year (local time). */
static enum db_rc
next_number(struct db *db, int64_t now, int64_t organizer_id, int *year,
    int64_t *seq, char number[INVOICE_NUMBER_MAX + 1])
{
	struct db_stmt	*st;
	struct tm	 tm;
	time_t		 t = (time_t)now;
	char		 prefix[INVOICE_TEXT_MAX + 1] = "";
	enum db_rc	 rc;

	if (localtime_r(&t, &tm) == NULL)
		return DB_ERROR;
	*year = tm.tm_year + 1900;
	if ((st = db_stmt(db, stmts[STMT_PREFIX])) == NULL ||
	    db_bind_int(st, 1, organizer_id) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK)
		col_copy(st, 0, prefix, sizeof(prefix));
	db_reset(st);
	if (rc != DB_OK)
		return DB_ERROR;
	/* A prefix the store API would refuse: numbers without one. */
	if (!invoice_prefix_valid(prefix))
		prefix[0] = '\0';
	if ((st = db_stmt(db, stmts[STMT_SERIES_NEXT])) == NULL ||
	    db_bind_int(st, 1, organizer_id) == -1 ||
	    db_bind_int(st, 2, *year) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK)
		*seq = db_col_int(st, 0);
	db_reset(st);
	if (rc != DB_OK)
		return rc == DB_NOTFOUND ? DB_ERROR : rc;
	return invoice_number_format(number, INVOICE_NUMBER_MAX + 1, prefix,
	    *year, *seq) == 0 ? DB_OK : DB_ERROR;
}

/* Appends a line of gross at rate (-1: none); its VAT is computed. */
static int
add_line(struct invoice *inv, enum invoice_line_kind kind, const char *text,
    int64_t quantity, int64_t unit_price, int64_t gross, int64_t rate)
{
	struct invoice_line	*l;
	int64_t			 vat = 0;

	if (inv->nlines >= INVOICE_LINES_MAX)
		return -1;
	if (rate >= 0 && invoice_vat_of(gross, rate, &vat) == -1)
		return -1;
	l = &inv->lines[inv->nlines++];
	memset(l, 0, sizeof(*l));
	l->kind = kind;
	snprintf(l->description, sizeof(l->description), "%s",
	    text != NULL && text[0] != '\0' ? text : line_texts[kind]);
	l->quantity = quantity;
	l->unit_price = unit_price;
	l->vat_rate = rate;
	l->gross = gross;
	l->vat = vat;
	l->net = gross - vat;
	inv->gross += gross;
	inv->vat += vat;
	inv->net += gross - vat;
	return 0;
}

/* The distinct VAT rates of inv's lines of kind, with their gross. */
static size_t
rates_of(const struct invoice *inv, int ticket_only, int64_t *rates,
    int64_t *gross)
{
	size_t	 i, j, n = 0;

	for (i = 0; i < inv->nlines; i++) {
		if (ticket_only && inv->lines[i].kind != ILINE_TICKET)
			continue;
		for (j = 0; j < n && rates[j] != inv->lines[i].vat_rate; j++)
			continue;
		if (j == n) {
			rates[n] = inv->lines[i].vat_rate;
			gross[n++] = 0;
		}
		gross[j] += inv->lines[i].gross;
	}
	return n;
}

/*
 * Adds amount (negative: a discount or a refund) as one line of kind per
 * VAT rate of base's lines, split in proportion to their gross.  With
 * nothing to weigh by (a free order), one line at the first rate.
 */
static int
add_split(struct invoice *inv, const struct invoice *base, int ticket_only,
    enum invoice_line_kind kind, int64_t amount)
{
	int64_t	 rates[INVOICE_LINES_MAX], gross[INVOICE_LINES_MAX],
		 parts[INVOICE_LINES_MAX];
	size_t	 n, i;

	n = rates_of(base, ticket_only, rates, gross);
	if (n == 0 || invoice_split(amount, gross, n, parts) == -1)
		return add_line(inv, kind, NULL, 1, amount, amount,
		    base->has_vat ? (n > 0 ? rates[0] : 0) : -1);
	for (i = 0; i < n; i++)
		if (parts[i] != 0 && add_line(inv, kind, NULL, 1, parts[i],
		    parts[i], rates[i]) == -1)
			return -1;
	return 0;
}

/* Reads the order's head into inv; *fee, *discount, *event_rate. */
static enum db_rc
read_head(struct db *db, int64_t order_id, struct invoice *inv,
    int64_t *fee, int64_t *discount, int64_t *event_rate)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	if ((st = db_stmt(db, stmts[STMT_HEAD])) == NULL ||
	    db_bind_int(st, 1, order_id) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK) {
		inv->order_id = order_id;
		inv->event_id = db_col_int(st, 0);
		inv->organizer_id = db_col_int(st, 1);
		col_copy(st, 2, inv->currency, sizeof(inv->currency));
		col_copy(st, 3, inv->locale, sizeof(inv->locale));
		col_copy(st, 4, inv->order_number, sizeof(inv->order_number));
		inv->user_id = db_col_int(st, 5);
		col_copy(st, 6, inv->buyer_name, sizeof(inv->buyer_name));
		col_copy(st, 7, inv->buyer_email, sizeof(inv->buyer_email));
		col_copy(st, 8, inv->event_title, sizeof(inv->event_title));
		*event_rate = db_col_int(st, 9);
		*fee = db_col_int(st, 10);
		*discount = db_col_int(st, 11);
		col_copy(st, 12, inv->seller_name, sizeof(inv->seller_name));
		col_copy(st, 13, inv->seller_org_number,
		    sizeof(inv->seller_org_number));
		col_copy(st, 14, inv->seller_vat_number,
		    sizeof(inv->seller_vat_number));
		col_copy(st, 15, inv->seller_address,
		    sizeof(inv->seller_address));
	}
	db_reset(st);
	if (rc != DB_OK)
		return rc;
	if (inv->seller_name[0] == '\0')
		snprintf(inv->seller_name, sizeof(inv->seller_name), "biljett");

	if ((st = db_stmt(db, stmts[STMT_PAYMENT])) == NULL ||
	    db_bind_int(st, 1, order_id) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK) {
		col_copy(st, 0, inv->provider, sizeof(inv->provider));
		col_copy(st, 1, inv->payment_reference,
		    sizeof(inv->payment_reference));
	}
	db_reset(st);
	if (rc == DB_NOTFOUND)
		snprintf(inv->provider, sizeof(inv->provider), "free");
	return rc == DB_OK || rc == DB_NOTFOUND ? DB_OK : rc;
}

/* The order's ticket lines, the fee and a discount, with their VAT. */
static enum db_rc
read_lines(struct db *db, int64_t order_id, struct invoice *inv, int64_t fee,
    int64_t discount, int64_t event_rate)
{
	struct db_stmt	*st;
	enum db_rc	 rc;
	size_t		 i;
	int64_t		 count, price;

	if ((st = db_stmt(db, stmts[STMT_LINES])) == NULL ||
	    db_bind_int(st, 1, order_id) == -1)
		return DB_ERROR;
	while ((rc = db_step(db, st)) == DB_OK) {
		count = db_col_int(st, 0);
		price = db_col_int(st, 1);
		if (db_col_int(st, 3) >= 0)
			inv->has_vat = 1;
		if (add_line(inv, ILINE_TICKET, db_col_text(st, 2), count,
		    price, count * price, db_col_int(st, 3)) == -1) {
			rc = DB_ERROR;
			break;
		}
	}
	db_reset(st);
	if (rc != DB_NOTFOUND)
		return rc == DB_OK ? DB_ERROR : rc;
	if (event_rate >= 0)
		inv->has_vat = 1;
	/* With VAT anywhere, a line without a rate of its own is 0 %. */
	for (i = 0; i < inv->nlines; i++)
		if (inv->has_vat && inv->lines[i].vat_rate < 0)
			inv->lines[i].vat_rate = 0;
	if (fee > 0 && add_line(inv, ILINE_FEE, NULL, 1, fee, fee,
	    inv->has_vat ? (event_rate >= 0 ? event_rate : 0) : -1) == -1)
		return DB_ERROR;
	if (discount > 0 && add_split(inv, inv, 1, ILINE_DISCOUNT,
	    -discount) == -1)
		return DB_ERROR;
	return DB_OK;
}

static enum db_rc
insert_lines(struct db *db, int64_t invoice_id, const struct invoice *inv)
{
	const struct invoice_line	*l;
	struct db_stmt			*st;
	enum db_rc			 rc;
	size_t				 i;

	for (i = 0; i < inv->nlines; i++) {
		l = &inv->lines[i];
		if ((st = db_stmt(db, stmts[STMT_LINE_INSERT])) == NULL ||
		    db_bind_int(st, 1, invoice_id) == -1 ||
		    db_bind_int(st, 2, (int64_t)i + 1) == -1 ||
		    db_bind_text(st, 3, invoice_line_kind_str(l->kind)) == -1 ||
		    db_bind_text(st, 4, l->description) == -1 ||
		    db_bind_int(st, 5, l->quantity) == -1 ||
		    db_bind_int(st, 6, l->unit_price) == -1 ||
		    db_bind_int(st, 7, l->vat_rate) == -1 ||
		    db_bind_int(st, 8, l->net) == -1 ||
		    db_bind_int(st, 9, l->vat) == -1 ||
		    db_bind_int(st, 10, l->gross) == -1)
			return DB_ERROR;
		if ((rc = db_exec(db, st)) != DB_OK)
			return rc;
	}
	return DB_OK;
}

/* Binds the snapshot columns of STMT_INSERT from ?10 on. */
static int
bind_snapshot(struct db_stmt *st, const struct invoice *inv)
{
	return db_bind_text(st, 10, inv->locale) == -1 ||
	    db_bind_text(st, 11, inv->currency) == -1 ||
	    db_bind_text(st, 12, inv->seller_name) == -1 ||
	    db_bind_text(st, 13, inv->seller_org_number) == -1 ||
	    db_bind_text(st, 14, inv->seller_vat_number) == -1 ||
	    db_bind_text(st, 15, inv->seller_address) == -1 ||
	    db_bind_text(st, 16, inv->buyer_name) == -1 ||
	    db_bind_text(st, 17, inv->buyer_email) == -1 ||
	    db_bind_text(st, 18, inv->order_number) == -1 ||
	    db_bind_text(st, 19, inv->event_title) == -1 ||
	    db_bind_text(st, 20, inv->provider) == -1 ||
	    db_bind_text(st, 21, inv->payment_reference) == -1 ||
	    db_bind_int(st, 22, inv->has_vat) == -1 ||
	    db_bind_int(st, 23, inv->net) == -1 ||
	    db_bind_int(st, 24, inv->vat) == -1 ||
	    db_bind_int(st, 25, inv->gross) == -1 ? -1 : 0;
}

enum db_rc
invoice_issue(struct db *db, int64_t order_id, int64_t now)
{
	struct invoice	*inv;
	struct db_stmt	*st;
	int64_t		 fee = 0, discount = 0, event_rate = -1, seq = 0, id;
	int		 year = 0;
	enum db_rc	 rc;

	if ((inv = calloc(1, sizeof(*inv))) == NULL)
		return DB_ERROR;
	inv->kind = INVOICE_INVOICE;
	inv->issued_at = now;
	if ((rc = read_head(db, order_id, inv, &fee, &discount, &event_rate))
	    != DB_OK ||
	    (rc = read_lines(db, order_id, inv, fee, discount, event_rate))
	    != DB_OK ||
	    (rc = next_number(db, now, inv->organizer_id, &year, &seq,
	    inv->number)) != DB_OK)
		goto out;
	rc = DB_ERROR;
	if (invoice_filename(inv->filename, sizeof(inv->filename),
	    INVOICE_INVOICE, inv->organizer_id, inv->number) == -1 ||
	    (st = db_stmt(db, stmts[STMT_INSERT])) == NULL ||
	    db_bind_int(st, 1, inv->organizer_id) == -1 ||
	    db_bind_int(st, 2, year) == -1 ||
	    db_bind_int(st, 3, seq) == -1 ||
	    db_bind_text(st, 4, inv->number) == -1 ||
	    db_bind_text(st, 5, inv->filename) == -1 ||
	    db_bind_int(st, 6, order_id) == -1 ||
	    db_bind_int(st, 7, inv->user_id) == -1 ||
	    db_bind_int(st, 8, inv->event_id) == -1 ||
	    db_bind_int(st, 9, now) == -1 ||
	    bind_snapshot(st, inv) == -1)
		goto out;
	if ((rc = db_insert_id(db, st, &id)) != DB_OK)
		goto out;
	rc = insert_lines(db, id, inv);
out:
	if (rc != DB_OK)
		log_err("order %lld: no invoice issued", (long long)order_id);
	free(inv);
	return rc;
}

/* Reads one row of INVOICE_COLS into out (its lines not yet). */
static void
invoice_fill(struct db_stmt *st, struct invoice *out)
{
	memset(out, 0, sizeof(*out));
	out->id = db_col_int(st, 0);
	out->kind = strcmp(db_col_text(st, 1), "credit_note") == 0 ?
	    INVOICE_CREDIT_NOTE : INVOICE_INVOICE;
	out->organizer_id = db_col_int(st, 2);
	out->order_id = db_col_int(st, 3);
	out->user_id = db_col_int(st, 4);
	out->event_id = db_col_int(st, 5);
	out->issued_at = db_col_int(st, 6);
	out->has_vat = (int)db_col_int(st, 7);
	out->net = db_col_int(st, 8);
	out->vat = db_col_int(st, 9);
	out->gross = db_col_int(st, 10);
	col_copy(st, 11, out->number, sizeof(out->number));
	col_copy(st, 12, out->filename, sizeof(out->filename));
	col_copy(st, 13, out->credits, sizeof(out->credits));
	col_copy(st, 14, out->locale, sizeof(out->locale));
	col_copy(st, 15, out->currency, sizeof(out->currency));
	col_copy(st, 16, out->order_uid, sizeof(out->order_uid));
	col_copy(st, 17, out->order_number, sizeof(out->order_number));
	col_copy(st, 18, out->provider, sizeof(out->provider));
	col_copy(st, 19, out->payment_reference,
	    sizeof(out->payment_reference));
	col_copy(st, 20, out->seller_name, sizeof(out->seller_name));
	col_copy(st, 21, out->seller_org_number,
	    sizeof(out->seller_org_number));
	col_copy(st, 22, out->seller_vat_number,
	    sizeof(out->seller_vat_number));
	col_copy(st, 23, out->seller_address, sizeof(out->seller_address));
	col_copy(st, 24, out->buyer_name, sizeof(out->buyer_name));
	col_copy(st, 25, out->buyer_email, sizeof(out->buyer_email));
	col_copy(st, 26, out->event_title, sizeof(out->event_title));
}

static enum db_rc
load_lines(struct db *db, struct invoice *inv)
{
	struct invoice_line	*l;
	struct db_stmt		*st;
	enum db_rc		 rc = DB_NOTFOUND;

	if ((st = db_stmt(db, stmts[STMT_LOAD_LINES])) == NULL ||
	    db_bind_int(st, 1, inv->id) == -1)
		return DB_ERROR;
	while (inv->nlines < INVOICE_LINES_MAX &&
	    (rc = db_step(db, st)) == DB_OK) {
		l = &inv->lines[inv->nlines++];
		l->kind = invoice_line_kind_parse(db_col_text(st, 0));
		col_copy(st, 1, l->description, sizeof(l->description));
		l->quantity = db_col_int(st, 2);
		l->unit_price = db_col_int(st, 3);
		l->vat_rate = db_col_int(st, 4);
		l->net = db_col_int(st, 5);
		l->vat = db_col_int(st, 6);
		l->gross = db_col_int(st, 7);
	}
	db_reset(st);
	return rc == DB_OK || rc == DB_NOTFOUND ? DB_OK : rc;
}

/* Runs a by-file or by-order look-up bound to one value. */
static enum db_rc
load_one(struct db *db, struct db_stmt *st, struct invoice *out)
{
	enum db_rc	 rc;

	if (st == NULL)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK)
		invoice_fill(st, out);
	db_reset(st);
	if (rc != DB_OK)
		return rc;
	return load_lines(db, out);
}

enum db_rc
invoice_load_file(struct db *db, const char *filename, struct invoice *out)
{
	struct db_stmt	*st;

	if (!invoice_filename_valid(filename))
		return DB_NOTFOUND;
	if ((st = db_stmt(db, stmts[STMT_BY_FILE])) == NULL ||
	    db_bind_text(st, 1, filename) == -1)
		return DB_ERROR;
	return load_one(db, st, out);
}

enum db_rc
invoice_load_order(struct db *db, int64_t order_id, struct invoice *out)
{
	struct db_stmt	*st;

	if ((st = db_stmt(db, stmts[STMT_BY_ORDER])) == NULL ||
	    db_bind_int(st, 1, order_id) == -1)
		return DB_ERROR;
	return load_one(db, st, out);
}

/* Fills note's lines: base's negated (full), else a split refund. */
static int
credit_lines(struct invoice *note, const struct invoice *base,
    int64_t amount, int mirror)
{
	const struct invoice_line	*l;
	size_t				 i;

	if (!mirror)
		return add_split(note, base, 0, ILINE_REFUND, -amount);
	for (i = 0; i < base->nlines; i++) {
		l = &base->lines[i];
		if (add_line(note, l->kind, l->description, -l->quantity,
		    l->unit_price, -l->gross, l->vat_rate) == -1)
			return -1;
	}
	return 0;
}

enum db_rc
invoice_credit(struct db *db, int64_t order_id, int64_t refund_id,
    int64_t amount, int full, int64_t now)
{
	struct invoice	*base = NULL, *note = NULL;
	struct db_stmt	*st;
	int64_t		 seq = 0, id, earlier = 0;
	int		 year = 0;
	enum db_rc	 rc;

	if ((base = calloc(1, sizeof(*base))) == NULL ||
	    (note = calloc(1, sizeof(*note))) == NULL) {
		rc = DB_ERROR;
		goto out;
	}
	if ((rc = invoice_load_order(db, order_id, base)) == DB_NOTFOUND) {
		log_info("order %lld: paid before invoices, no credit note",
		    (long long)order_id);
		rc = DB_OK;
		goto out;
	}
	if (rc != DB_OK)
		goto out;
	if ((st = db_stmt(db, stmts[STMT_CREDITED])) == NULL ||
	    db_bind_int(st, 1, base->id) == -1) {
		rc = DB_ERROR;
		goto out;
	}
	if ((rc = db_step(db, st)) == DB_OK)
		earlier = db_col_int(st, 0);
	db_reset(st);
	if (rc != DB_OK)
		goto out;
	note->kind = INVOICE_CREDIT_NOTE;
	note->has_vat = base->has_vat;
	/* The whole invoice, nothing credited yet: its lines back. */
	if (credit_lines(note, base, amount, full && earlier == 0 &&
	    amount == base->gross) == -1 ||
	    note->gross != -amount) {
		log_err("order %lld: credit note of %lld does not add up",
		    (long long)order_id, (long long)amount);
		rc = DB_ERROR;
		goto out;
	}
	if ((rc = next_number(db, now, base->organizer_id, &year, &seq,
	    note->number)) != DB_OK)
		goto out;
	rc = DB_ERROR;
	if (invoice_filename(note->filename, sizeof(note->filename),
	    INVOICE_CREDIT_NOTE, base->organizer_id, note->number) == -1 ||
	    (st = db_stmt(db, stmts[STMT_CREDIT_INSERT])) == NULL ||
	    db_bind_int(st, 1, base->id) == -1 ||
	    db_bind_int(st, 2, year) == -1 ||
	    db_bind_int(st, 3, seq) == -1 ||
	    db_bind_text(st, 4, note->number) == -1 ||
	    db_bind_text(st, 5, note->filename) == -1 ||
	    db_bind_int(st, 6, refund_id) == -1 ||
	    db_bind_int(st, 7, now) == -1 ||
	    db_bind_int(st, 8, note->net) == -1 ||
	    db_bind_int(st, 9, note->vat) == -1 ||
	    db_bind_int(st, 10, note->gross) == -1)
		goto out;
	if ((rc = db_insert_id(db, st, &id)) != DB_OK)
		goto out;
	rc = insert_lines(db, id, note);
out:
	free(base);
	free(note);
	return rc;
}

enum db_rc
invoice_of_order(struct db *db, const char *order_uid,
    char number[INVOICE_NUMBER_MAX + 1],
    char filename[INVOICE_FILENAME_MAX + 1])
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	if ((st = db_stmt(db, stmts[STMT_OF_ORDER])) == NULL ||
	    db_bind_text(st, 1, order_uid) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK) {
		col_copy(st, 0, number, INVOICE_NUMBER_MAX + 1);
		col_copy(st, 1, filename, INVOICE_FILENAME_MAX + 1);
	}
	db_reset(st);
	return rc;
}

/* Binds the list's filters (?1..?6) to st. */
static int
bind_query(struct db_stmt *st, const struct invoice_query *q)
{
	return db_bind_int(st, 1, q->user_id) == -1 ||
	    (q->status != NULL ? db_bind_text(st, 2, q->status) :
	    db_bind_null(st, 2)) == -1 ||
	    db_bind_int(st, 3, q->from) == -1 ||
	    db_bind_int(st, 4, q->to) == -1 ||
	    db_bind_text(st, 5, q->sort_by != NULL ? q->sort_by :
	    "created_at") == -1 ? -1 : 0;
}

/* One list item in seed 000's shape. */
static cJSON *
list_item(struct db_stmt *st, const char *base_url)
{
	cJSON	*o;
	char	 amount[MONEY_STR_MAX], when[TFMT_ISO_LEN], url[512];
	char	 currency[CURRENCY_LEN + 1];

	col_copy(st, 4, currency, sizeof(currency));
	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "uuid", db_col_text(st, 0));
	cJSON_AddStringToObject(o, "number", db_col_text(st, 1));
	cJSON_AddStringToObject(o, "kind", db_col_text(st, 2));
	/* Seed 000 answers the amount as a number of whole units. */
	if (money_decimal_string(amount, sizeof(amount), db_col_int(st, 3),
	    currency) == -1)
		amount[0] = '\0';
	cJSON_AddNumberToObject(o, "amount", strtod(amount, NULL));
	cJSON_AddStringToObject(o, "currency", currency);
	cJSON_AddStringToObject(o, "status", db_col_text(st, 5));
	tfmt_iso(db_col_int(st, 6), when);
	cJSON_AddStringToObject(o, "created_at", when);
	cJSON_AddStringToObject(o, "invoice_link", db_col_text(st, 7));
	snprintf(url, sizeof(url), "%s/api/invoices/%s", base_url,
	    db_col_text(st, 7));
	cJSON_AddStringToObject(o, "download_url", url);
	return o;
}

enum db_rc
invoice_list(struct db *db, const struct invoice_query *q,
    const char *base_url, cJSON **items, int64_t *total)
{
	struct db_stmt	*st;
	cJSON		*item;
	enum db_rc	 rc;

	*items = NULL;
	*total = 0;
	if ((st = db_stmt(db, stmts[STMT_COUNT])) == NULL ||
	    bind_query(st, q) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK)
		*total = db_col_int(st, 0);
	db_reset(st);
	if (rc != DB_OK)
		return DB_ERROR;
	if ((st = db_stmt(db, stmts[STMT_LIST])) == NULL ||
	    bind_query(st, q) == -1 ||
	    db_bind_int(st, 6, q->desc) == -1 ||
	    db_bind_int(st, 7, q->per_page) == -1 ||
	    db_bind_int(st, 8, (q->page - 1) * q->per_page) == -1)
		return DB_ERROR;
	*items = cJSON_CreateArray();
	while ((rc = db_step(db, st)) == DB_OK)
		if ((item = list_item(st, base_url)) != NULL)
			cJSON_AddItemToArray(*items, item);
	db_reset(st);
	if (rc != DB_NOTFOUND) {
		cJSON_Delete(*items);
		*items = NULL;
		return DB_ERROR;
	}
	return DB_OK;
}

void
invoice_vat_out(cJSON *o, int64_t bp)
{
	char	 buf[MONEY_STR_MAX];

	if (bp < 0 || money_decimal_string(buf, sizeof(buf), bp, "SEK") == -1)
		cJSON_AddNullToObject(o, "vat_rate");
	else
		cJSON_AddStringToObject(o, "vat_rate", buf);
}

int
invoice_vat_in(const struct field_val *f, int64_t *bp, cJSON *errs)
{
	int64_t	 v;

	if (f->null) {
		*bp = -1;
		return 0;
	}
	if (money_parse_decimal(f->s, "SEK", &v) != MONEY_OK ||
	    v > VAT_RATE_MAX) {
		cJSON_AddStringToObject(errs, "vat_rate", "a percentage from 0"
		    " to 100 with at most two decimals");
		return -1;
	}
	*bp = v;
	return 0;
}
