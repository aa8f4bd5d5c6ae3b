/* lib/invoicepdf: an invoice renders to a PDF, the same bytes every
 * time; a font that does not load is an error, not a broken file.
 * INVOICE_PDF_OUT=path keeps the PDF for a look with pdftotext. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "invoice.h"
#include "invoicepdf.h"

#define FONT	"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
#define BOLD	"/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"

static void
line(struct invoice *inv, enum invoice_line_kind kind, const char *text,
    int64_t qty, int64_t unit, int64_t rate, int64_t vat)
{
	struct invoice_line	*l = &inv->lines[inv->nlines++];

	l->kind = kind;
	snprintf(l->description, sizeof(l->description), "%s", text);
	l->quantity = qty;
	l->unit_price = unit;
	l->vat_rate = rate;
	l->gross = qty * unit;
	l->vat = vat;
	l->net = l->gross - vat;
	inv->gross += l->gross;
	inv->vat += vat;
	inv->net += l->net;
}

static void
sample(struct invoice *inv)
{
	memset(inv, 0, sizeof(*inv));
	inv->kind = INVOICE_INVOICE;
	inv->has_vat = 1;
	inv->issued_at = 1798000000;
	snprintf(inv->number, sizeof(inv->number), "VS-2026-000042");
	snprintf(inv->locale, sizeof(inv->locale), "sv");
	snprintf(inv->currency, sizeof(inv->currency), "SEK");
	snprintf(inv->order_number, sizeof(inv->order_number),
	    "OE-20261130-0001");
	snprintf(inv->provider, sizeof(inv->provider), "stripe");
	snprintf(inv->payment_reference, sizeof(inv->payment_reference),
	    "pi_123");
	snprintf(inv->seller_name, sizeof(inv->seller_name),
	    "Vårspelets Teaterförening");
	snprintf(inv->seller_org_number, sizeof(inv->seller_org_number),
	    "802000-0000");
	snprintf(inv->buyer_name, sizeof(inv->buyer_name), "Renée Åström");
	snprintf(inv->buyer_email, sizeof(inv->buyer_email), "r@example.com");
	snprintf(inv->event_title, sizeof(inv->event_title),
	    "Straße der Lieder – été");
	line(inv, ILINE_TICKET, "Ordinarie", 2, 15000, 600, 1698);
	line(inv, ILINE_FEE, "", 1, 1500, 2500, 300);
}

int
main(void)
{
	struct invoice	*inv;
	unsigned char	*a = NULL, *b = NULL;
	size_t		 alen = 0, blen = 0, i;
	const char	*out = getenv("INVOICE_PDF_OUT");
	FILE		*f;

	if ((inv = malloc(sizeof(*inv))) == NULL)
		return 1;
	sample(inv);
	CHECK(invoicepdf_render(inv, FONT, BOLD, &a, &alen) == 0);
	CHECK(a != NULL && alen > 1000 && memcmp(a, "%PDF-", 5) == 0);
	CHECK(invoicepdf_render(inv, FONT, BOLD, &b, &blen) == 0);
	CHECK(b != NULL && alen == blen && memcmp(a, b, alen) == 0);
	if (out != NULL && a != NULL && (f = fopen(out, "wb")) != NULL) {
		fwrite(a, 1, alen, f);
		fclose(f);
	}
	free(b);
	b = NULL;

	/* Many lines: more pages, still one document. */
	inv->nlines = 0;
	for (i = 0; i < INVOICE_LINES_MAX; i++)
		line(inv, ILINE_TICKET, "Rad", 1, 100, 2500, 20);
	CHECK(invoicepdf_render(inv, FONT, BOLD, &b, &blen) == 0 &&
	    blen > 0);
	free(b);
	b = NULL;

	/* A credit note without VAT. */
	sample(inv);
	inv->kind = INVOICE_CREDIT_NOTE;
	inv->has_vat = 0;
	snprintf(inv->credits, sizeof(inv->credits), "VS-2026-000041");
	CHECK(invoicepdf_render(inv, FONT, BOLD, &b, &blen) == 0);
	free(b);
	b = NULL;

	CHECK(invoicepdf_render(inv, "/nonexistent.ttf", BOLD, &b, &blen) ==
	    -1 && b == NULL && blen == 0);
	free(a);
	free(inv);
	return CHECK_DONE();
}
