/* lib/invoice: VAT of VAT-inclusive amounts (half to even), pro-rata
 * splits that add up, invoice numbers and file names. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "invoice.h"
#include "limits.h"

static int
vat_is(int64_t gross, int64_t bp, int64_t want)
{
	int64_t	 vat = -12345;

	return invoice_vat_of(gross, bp, &vat) == 0 && vat == want;
}

static void
test_vat(void)
{
	/* 25 %: a fifth of the gross. */
	CHECK(vat_is(10000, 2500, 2000));
	CHECK(vat_is(12500, 2500, 2500));
	/* 6 %: 100.00 * 6 / 106 = 5.66037... */
	CHECK(vat_is(10000, 600, 566));
	/* 12 %: 150.00 * 12 / 112 = 16.0714... */
	CHECK(vat_is(15000, 1200, 1607));
	/* Exact halves go to the even neighbour: 1 * 2500 / 12500 = 0.2;
	 * 0.5 cases: gross 25 at 25 % is 5 exactly; 2.5 at 25 % -> 0.5. */
	CHECK(vat_is(5, 10000, 2));	/* 2.5 -> 2 */
	CHECK(vat_is(7, 10000, 4));	/* 3.5 -> 4 */
	CHECK(vat_is(-5, 10000, -2));	/* symmetric */
	CHECK(vat_is(-7, 10000, -4));
	CHECK(vat_is(-10000, 2500, -2000));
	CHECK(vat_is(0, 2500, 0));
	CHECK(vat_is(10000, 0, 0));
	/* Refused: rates out of range, amounts beyond any order. */
	{
		int64_t	 vat;

		CHECK(invoice_vat_of(100, -1, &vat) == -1);
		CHECK(invoice_vat_of(100, VAT_RATE_MAX + 1, &vat) == -1);
		CHECK(invoice_vat_of(MONEY_MAX * TICKET_COUNT_MAX + 1, 2500,
		    &vat) == -1);
		CHECK(invoice_vat_of(MONEY_MAX * TICKET_COUNT_MAX, 2500,
		    &vat) == 0 && vat == MONEY_MAX * TICKET_COUNT_MAX / 5);
	}
}

static void
test_split(void)
{
	int64_t	 w[3], out[3];

	/* 50.00 refunded of 200.00 at 25 % and 100.00 at 6 %. */
	w[0] = 20000;
	w[1] = 10000;
	CHECK(invoice_split(-5000, w, 2, out) == 0);
	CHECK(out[0] == -3333 && out[1] == -1667);
	CHECK(out[0] + out[1] == -5000);
	/* Thirds that do not divide: the parts still add up. */
	w[0] = w[1] = w[2] = 1;
	CHECK(invoice_split(100, w, 3, out) == 0);
	CHECK(out[0] + out[1] + out[2] == 100);
	CHECK(out[0] == 33 && out[1] == 34 && out[2] == 33);
	/* A zero weight gets nothing; no weight at all is refused. */
	w[0] = 0;
	w[1] = 5;
	CHECK(invoice_split(999, w, 2, out) == 0 && out[0] == 0 &&
	    out[1] == 999);
	w[1] = 0;
	CHECK(invoice_split(999, w, 2, out) == -1);
	CHECK(invoice_split(999, w, 0, out) == -1);
	w[0] = -1;
	CHECK(invoice_split(999, w, 1, out) == -1);
}

static void
test_numbers(void)
{
	char	 buf[INVOICE_FILENAME_MAX + 1];

	CHECK(invoice_number_format(buf, sizeof(buf), "", 2026, 123) == 0 &&
	    strcmp(buf, "2026-000123") == 0);
	CHECK(invoice_number_format(buf, sizeof(buf), "VS-", 2026, 1) == 0 &&
	    strcmp(buf, "VS-2026-000001") == 0);
	CHECK(invoice_number_format(buf, sizeof(buf), "", 2027, 1234567) ==
	    0 && strcmp(buf, "2027-1234567") == 0);
	CHECK(invoice_number_format(buf, sizeof(buf), "vs", 2026, 1) == -1);
	CHECK(invoice_number_format(buf, sizeof(buf), "ABCDEFGHIJK", 2026,
	    1) == -1);
	CHECK(invoice_number_format(buf, sizeof(buf), "", 2026, 0) == -1);
	CHECK(invoice_number_format(buf, 8, "", 2026, 1) == -1);

	CHECK(invoice_filename(buf, sizeof(buf), INVOICE_INVOICE, 7,
	    "2026-000123") == 0 &&
	    strcmp(buf, "invoice_7_2026-000123.pdf") == 0);
	CHECK(invoice_filename_valid(buf));
	CHECK(invoice_filename(buf, sizeof(buf), INVOICE_CREDIT_NOTE, 0,
	    "VS-2026-000124") == 0 &&
	    strcmp(buf, "credit_0_VS-2026-000124.pdf") == 0);
	CHECK(invoice_filename_valid(buf));

	CHECK(!invoice_filename_valid(""));
	CHECK(!invoice_filename_valid("invoice_7_2026-000123.pdf.exe"));
	CHECK(!invoice_filename_valid("invoice_7_2026-000123"));
	CHECK(!invoice_filename_valid("invoice__2026-000123.pdf"));
	CHECK(!invoice_filename_valid("invoice_07_2026-000123.pdf"));
	CHECK(!invoice_filename_valid("invoice_7_.pdf"));
	CHECK(!invoice_filename_valid("invoice_7_../../etc/passwd.pdf"));
	CHECK(!invoice_filename_valid("invoice_7_2026 000123.pdf"));
	CHECK(!invoice_filename_valid("receipt_7_2026-000123.pdf"));
	CHECK(!invoice_filename_valid("invoice_7_2026-000123.PDF"));
	CHECK(!invoice_filename_valid(
	    "invoice_7_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.pdf"));
	CHECK(!invoice_filename_valid("invoice_12345678901234567890_1.pdf"));

	CHECK(invoice_prefix_valid(""));
	CHECK(invoice_prefix_valid("AB-12"));
	CHECK(!invoice_prefix_valid("ab"));
	CHECK(!invoice_prefix_valid("A B"));
	CHECK(!invoice_prefix_valid("ABCDEFGHIJK"));
}

int
main(void)
{
	test_vat();
	test_split();
	test_numbers();
	return CHECK_DONE();
}
