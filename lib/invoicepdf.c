/*
 * Invoice PDFs with libhpdf (invoicepdf.h).  A4 portrait, points; y
 * grows upwards from the bottom of the page.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <hpdf.h>

#include "i18n.h"
#include "invoice.h"
#include "invoicepdf.h"
#include "limits.h"
#include "money.h"
#include "pdfdoc.h"

#define PAGE_W		595.0f
#define PAGE_H		842.0f
#define MARGIN		50.0f
#define BOTTOM		70.0f		/* a new page below this */
#define LEAD		14.0f		/* line height of body text */
#define SIZE_BODY	9.5f
#define SIZE_TITLE	20.0f
#define DESC_W		185.0f		/* the description column */

/* Every text the page prints, translated with lib/i18n. */
enum text {
	T_INVOICE, T_CREDIT_NOTE, T_NUMBER, T_DATE, T_ORDER, T_CREDIT_FOR,
	T_BILL_TO, T_SELLER_ORG, T_SELLER_VAT, T_EVENT, T_DESCRIPTION, T_QTY,
	T_UNIT_PRICE, T_VAT_RATE, T_NET, T_VAT, T_AMOUNT, T_VAT_SUMMARY,
	T_TOTAL_NET, T_TOTAL_VAT, T_TOTAL, T_PAID_WITH, T_REFERENCE,
	T_REFUNDED_WITH, T_FEE, T_DISCOUNT, T_REFUND,
	T__MAX
};

static const char *const texts[T__MAX] = {
	[T_INVOICE] = N_("Invoice"),
	[T_CREDIT_NOTE] = N_("Credit note"),
	[T_NUMBER] = N_("Number"),
	[T_DATE] = N_("Date"),
	[T_ORDER] = N_("Order number"),
	[T_CREDIT_FOR] = N_("Credit note for invoice"),
	[T_BILL_TO] = N_("Bill to"),
	[T_SELLER_ORG] = N_("Org. no."),
	[T_SELLER_VAT] = N_("VAT no."),
	[T_EVENT] = N_("Event"),
	[T_DESCRIPTION] = N_("Description"),
	[T_QTY] = N_("Qty"),
	[T_UNIT_PRICE] = N_("Unit price"),
	[T_VAT_RATE] = N_("VAT rate"),
	[T_NET] = N_("Net"),
	[T_VAT] = N_("VAT"),
	[T_AMOUNT] = N_("Amount"),
	[T_VAT_SUMMARY] = N_("VAT summary"),
	[T_TOTAL_NET] = N_("Total excluding VAT"),
	[T_TOTAL_VAT] = N_("Total VAT"),
	[T_TOTAL] = N_("Total"),
	[T_PAID_WITH] = N_("Paid with"),
	[T_REFERENCE] = N_("Payment reference"),
	[T_REFUNDED_WITH] = N_("Refunded through"),
	[T_FEE] = N_("Service fee"),
	[T_DISCOUNT] = N_("Discount"),
	[T_REFUND] = N_("Refunded amount"),
};

_Static_assert(sizeof(texts) / sizeof(texts[0]) == T__MAX,
    "one text per enum text");

/* The rendering in progress. */
struct pdf {
	struct pdfdoc		 d;	/* document and fonts (lib/pdfdoc) */
	HPDF_Page		 page;
	HPDF_Font		 font, bold;
	enum lang		 lang;
	float			 y;
	int			 pages;
	int			 has_vat;
};

static const char *
t(const struct pdf *p, enum text k)
{
	return i18n_get(p->lang, texts[k]);
}

/* Writes s at (x, p->y); right-aligned at x when right. */
static void
put(struct pdf *p, HPDF_Font f, float size, float x, const char *s,
    int right)
{
	pdfdoc_text(p->page, f, size, x, p->y, s, right ? PDFDOC_RIGHT :
	    PDFDOC_LEFT);
}

/* Cuts s (UTF-8) at a character boundary to fit width w. */
static void
fit(struct pdf *p, char *s, float w)
{
	pdfdoc_fit(p->page, p->font, SIZE_BODY, s, w);
}

static void
rule(struct pdf *p, float y)
{
	HPDF_Page_SetLineWidth(p->page, 0.5f);
	HPDF_Page_MoveTo(p->page, MARGIN, y);
	HPDF_Page_LineTo(p->page, PAGE_W - MARGIN, y);
	HPDF_Page_Stroke(p->page);
}

static void
new_page(struct pdf *p)
{
	p->page = HPDF_AddPage(p->d.doc);
	HPDF_Page_SetSize(p->page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
	p->pages++;
	p->y = PAGE_H - MARGIN;
}

/* Moves down one line, to a new page when this one is full. */
static void
down(struct pdf *p, float by)
{
	p->y -= by;
	if (p->y < BOTTOM)
		new_page(p);
}

/* "150.00" (minor units of the invoice's currency). */
static void
amount(char *buf, size_t bufsz, int64_t minor, const char *currency)
{
	if (money_decimal_string(buf, bufsz, minor, currency) == -1)
		snprintf(buf, bufsz, "?");
}

/* "25 %", "12.5 %", "6 %" from basis points. */
static void
rate(char *buf, size_t bufsz, int64_t bp)
{
	if (bp % 100 == 0)
		snprintf(buf, bufsz, "%lld %%", (long long)(bp / 100));
	else if (bp % 10 == 0)
		snprintf(buf, bufsz, "%lld.%lld %%", (long long)(bp / 100),
		    (long long)(bp % 100 / 10));
	else
		snprintf(buf, bufsz, "%lld.%02lld %%", (long long)(bp / 100),
		    (long long)(bp % 100));
}

/* "Label: value" at x, if value is not empty. */
static void
labelled(struct pdf *p, float x, const char *label, const char *value)
{
	char	 buf[INVOICE_TEXT_MAX * 2];

	if (value[0] == '\0')
		return;
	snprintf(buf, sizeof(buf), "%s: %s", label, value);
	put(p, p->font, SIZE_BODY, x, buf, 0);
	down(p, LEAD);
}

/* Seller on the left, number, date and order on the right. */
static void
head(struct pdf *p, const struct invoice *inv)
{
	struct tm	 tm;
	time_t		 when = (time_t)inv->issued_at;
	char		 date[16] = "";
	float		 top;

	put(p, p->bold, SIZE_TITLE, MARGIN, t(p, inv->kind ==
	    INVOICE_CREDIT_NOTE ? T_CREDIT_NOTE : T_INVOICE), 0);
	down(p, 2 * LEAD + 4);
	top = p->y;
	put(p, p->bold, SIZE_BODY, MARGIN, inv->seller_name, 0);
	down(p, LEAD);
	labelled(p, MARGIN, t(p, T_SELLER_ORG), inv->seller_org_number);
	labelled(p, MARGIN, t(p, T_SELLER_VAT), inv->seller_vat_number);
	if (inv->seller_address[0] != '\0') {
		put(p, p->font, SIZE_BODY, MARGIN, inv->seller_address, 0);
		down(p, LEAD);
	}

	if (localtime_r(&when, &tm) != NULL)
		strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	p->y = top;
	labelled(p, 330.0f, t(p, T_NUMBER), inv->number);
	labelled(p, 330.0f, t(p, T_DATE), date);
	labelled(p, 330.0f, t(p, T_ORDER), inv->order_number);
	if (inv->kind == INVOICE_CREDIT_NOTE)
		labelled(p, 330.0f, t(p, T_CREDIT_FOR), inv->credits);
	down(p, LEAD);

	put(p, p->bold, SIZE_BODY, MARGIN, t(p, T_BILL_TO), 0);
	down(p, LEAD);
	if (inv->buyer_name[0] != '\0') {
		put(p, p->font, SIZE_BODY, MARGIN, inv->buyer_name, 0);
		down(p, LEAD);
	}
	put(p, p->font, SIZE_BODY, MARGIN, inv->buyer_email, 0);
	down(p, 1.5f * LEAD);
	labelled(p, MARGIN, t(p, T_EVENT), inv->event_title);
	down(p, LEAD);
}

/* Right edges of the number columns, with and without VAT. */
static const float cols_vat[] = { 265, 330, 385, 445, 490, 545 };
static const float cols_plain[] = { 320, 430, 545 };

static void
table_head(struct pdf *p)
{
	const float	*c = p->has_vat ? cols_vat : cols_plain;

	put(p, p->bold, SIZE_BODY, MARGIN, t(p, T_DESCRIPTION), 0);
	put(p, p->bold, SIZE_BODY, c[0], t(p, T_QTY), 1);
	put(p, p->bold, SIZE_BODY, c[1], t(p, T_UNIT_PRICE), 1);
	if (p->has_vat) {
		put(p, p->bold, SIZE_BODY, c[2], t(p, T_VAT_RATE), 1);
		put(p, p->bold, SIZE_BODY, c[3], t(p, T_NET), 1);
		put(p, p->bold, SIZE_BODY, c[4], t(p, T_VAT), 1);
	}
	put(p, p->bold, SIZE_BODY, c[p->has_vat ? 5 : 2], t(p, T_AMOUNT), 1);
	rule(p, p->y - 4);
	down(p, LEAD + 2);
}

static void
table_line(struct pdf *p, const struct invoice *inv,
    const struct invoice_line *l)
{
	const float	*c = p->has_vat ? cols_vat : cols_plain;
	char		 desc[INVOICE_TEXT_MAX + 1], buf[MONEY_STR_MAX];
	int		 pages = p->pages;

	/* Lines that are not tickets carry their kind's name, translated. */
	snprintf(desc, sizeof(desc), "%s", l->kind == ILINE_FEE ?
	    t(p, T_FEE) : l->kind == ILINE_DISCOUNT ? t(p, T_DISCOUNT) :
	    l->kind == ILINE_REFUND ? t(p, T_REFUND) : l->description);
	fit(p, desc, DESC_W);
	put(p, p->font, SIZE_BODY, MARGIN, desc, 0);
	snprintf(buf, sizeof(buf), "%lld", (long long)l->quantity);
	put(p, p->font, SIZE_BODY, c[0], buf, 1);
	amount(buf, sizeof(buf), l->unit_price, inv->currency);
	put(p, p->font, SIZE_BODY, c[1], buf, 1);
	if (p->has_vat) {
		rate(buf, sizeof(buf), l->vat_rate > 0 ? l->vat_rate : 0);
		put(p, p->font, SIZE_BODY, c[2], buf, 1);
		amount(buf, sizeof(buf), l->net, inv->currency);
		put(p, p->font, SIZE_BODY, c[3], buf, 1);
		amount(buf, sizeof(buf), l->vat, inv->currency);
		put(p, p->font, SIZE_BODY, c[4], buf, 1);
	}
	amount(buf, sizeof(buf), l->gross, inv->currency);
	put(p, p->font, SIZE_BODY, c[p->has_vat ? 5 : 2], buf, 1);
	down(p, LEAD);
	if (p->pages != pages)
		table_head(p);
}

/* One row per VAT rate: rate, net, VAT, gross. */
static void
vat_summary(struct pdf *p, const struct invoice *inv)
{
	int64_t	 rates[INVOICE_LINES_MAX], net[INVOICE_LINES_MAX],
		 vat[INVOICE_LINES_MAX];
	char	 buf[MONEY_STR_MAX];
	size_t	 i, j, n = 0;

	for (i = 0; i < inv->nlines; i++) {
		for (j = 0; j < n && rates[j] != inv->lines[i].vat_rate; j++)
			continue;
		if (j == n) {
			rates[n] = inv->lines[i].vat_rate;
			net[n] = vat[n] = 0;
			n++;
		}
		net[j] += inv->lines[i].net;
		vat[j] += inv->lines[i].vat;
	}
	put(p, p->bold, SIZE_BODY, MARGIN, t(p, T_VAT_SUMMARY), 0);
	down(p, LEAD);
	for (j = 0; j < n; j++) {
		rate(buf, sizeof(buf), rates[j] > 0 ? rates[j] : 0);
		put(p, p->font, SIZE_BODY, MARGIN, buf, 0);
		amount(buf, sizeof(buf), net[j], inv->currency);
		put(p, p->font, SIZE_BODY, cols_vat[3], buf, 1);
		amount(buf, sizeof(buf), vat[j], inv->currency);
		put(p, p->font, SIZE_BODY, cols_vat[4], buf, 1);
		amount(buf, sizeof(buf), net[j] + vat[j], inv->currency);
		put(p, p->font, SIZE_BODY, cols_vat[5], buf, 1);
		down(p, LEAD);
	}
	down(p, LEAD / 2);
}

static void
total_row(struct pdf *p, HPDF_Font f, const char *label, int64_t minor,
    const char *currency)
{
	char	 buf[MONEY_STR_MAX + CURRENCY_LEN + 2];

	amount(buf, MONEY_STR_MAX, minor, currency);
	snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), " %s",
	    currency);
	put(p, f, SIZE_BODY, 330.0f, label, 0);
	put(p, f, SIZE_BODY, PAGE_W - MARGIN, buf, 1);
	down(p, LEAD);
}

static void
totals(struct pdf *p, const struct invoice *inv)
{
	char	 buf[INVOICE_TEXT_MAX * 2];

	if (p->has_vat) {
		total_row(p, p->font, t(p, T_TOTAL_NET), inv->net,
		    inv->currency);
		total_row(p, p->font, t(p, T_TOTAL_VAT), inv->vat,
		    inv->currency);
	}
	total_row(p, p->bold, t(p, T_TOTAL), inv->gross, inv->currency);
	down(p, LEAD);
	snprintf(buf, sizeof(buf), "%s: %s", t(p, inv->kind ==
	    INVOICE_CREDIT_NOTE ? T_REFUNDED_WITH : T_PAID_WITH),
	    inv->provider);
	put(p, p->font, SIZE_BODY, MARGIN, buf, 0);
	down(p, LEAD);
	labelled(p, MARGIN, t(p, T_REFERENCE), inv->payment_reference);
}

int
invoicepdf_render(const struct invoice *inv, const char *font_path,
    const char *bold_path, unsigned char **pdf, size_t *len)
{
	struct pdf	 p;
	size_t		 i;
	int		 rc;

	*pdf = NULL;
	*len = 0;
	memset(&p, 0, sizeof(p));
	p.lang = i18n_parse(inv->locale);
	p.has_vat = inv->has_vat;
	if (pdfdoc_open(&p.d, "invoice pdf", font_path, bold_path) == -1)
		return -1;
	p.font = p.d.font;
	p.bold = p.d.bold;
	new_page(&p);
	head(&p, inv);
	table_head(&p);
	for (i = 0; i < inv->nlines; i++)
		table_line(&p, inv, &inv->lines[i]);
	rule(&p, p.y + LEAD - 4);
	down(&p, LEAD / 2);
	if (p.has_vat)
		vat_summary(&p, inv);
	totals(&p, inv);
	rc = pdfdoc_save(&p.d, INVOICE_PDF_MAX, pdf, len);
	pdfdoc_close(&p.d);
	return rc;
}
