/* lib/money: formatting per language, decimal strings, parsing, rounding. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "i18n.h"
#include "limits.h"
#include "money.h"

/* Formats and compares; "" expects a failure. */
static int
fmt_is(int64_t minor, const char *currency, enum lang lang, const char *want)
{
	char	 buf[MONEY_STR_MAX];
	int	 rc;

	rc = money_format(buf, sizeof(buf), minor, currency, lang);
	if (*want == '\0')
		return rc == -1 && buf[0] == '\0';
	return rc == 0 && strcmp(buf, want) == 0;
}

static int
dec_is(int64_t minor, const char *currency, const char *want)
{
	char	 buf[MONEY_STR_MAX];
	int	 rc;

	rc = money_decimal_string(buf, sizeof(buf), minor, currency);
	if (*want == '\0')
		return rc == -1 && buf[0] == '\0';
	return rc == 0 && strcmp(buf, want) == 0;
}

/* Parses and compares; want_err other than MONEY_OK expects *minor 0. */
static int
parse_is(const char *s, const char *currency, enum money_err want_err,
    int64_t want)
{
	int64_t		 v = -1;
	enum money_err	 e;

	e = money_parse_decimal(s, currency, &v);
	return e == want_err && v == (want_err == MONEY_OK ? want : 0);
}

static int
double_is(double units, const char *currency, enum money_err want_err,
    int64_t want)
{
	int64_t		 v = -1;
	enum money_err	 e;

	e = money_from_double(units, currency, &v);
	return e == want_err && v == (want_err == MONEY_OK ? want : 0);
}

static void
test_format(void)
{
	static const char *const known[] = { "SEK", "EUR", "USD", "GBP",
	    "KES", "JPY" };
	char	 buf[MONEY_STR_MAX];
	size_t	 i;
	int	 l;

	/* SEK as the pages and the mail have always shown it. */
	CHECK(fmt_is(19900, "SEK", LANG_SV, "199.00 kr"));
	CHECK(fmt_is(19900, "SEK", LANG_EN, "199.00 kr"));
	CHECK(fmt_is(19900, "SEK", LANG_DE, "199.00 kr"));
	CHECK(fmt_is(19900, "SEK", LANG_FR, "199.00 kr"));
	CHECK(fmt_is(9950, "SEK", LANG_SV, "99.50 kr"));
	CHECK(fmt_is(0, "SEK", LANG_SV, "0.00 kr"));
	CHECK(fmt_is(5, "SEK", LANG_SV, "0.05 kr"));
	CHECK(fmt_is(-19900, "SEK", LANG_SV, "-199.00 kr"));

	/* EUR: symbol first in English, after with a comma elsewhere. */
	CHECK(fmt_is(1250, "EUR", LANG_EN, "€12.50"));
	CHECK(fmt_is(1250, "EUR", LANG_DE, "12,50 €"));
	CHECK(fmt_is(1250, "EUR", LANG_FR, "12,50 €"));
	CHECK(fmt_is(1250, "EUR", LANG_SV, "12,50 €"));
	CHECK(fmt_is(-1250, "EUR", LANG_EN, "-€12.50"));
	CHECK(fmt_is(1200, "EUR", LANG_EN, "€12.00"));
	CHECK(fmt_is(199, "USD", LANG_EN, "$1.99"));
	CHECK(fmt_is(199, "GBP", LANG_DE, "1,99 £"));
	CHECK(fmt_is(150000, "KES", LANG_EN, "KSh 1500.00"));
	CHECK(fmt_is(150000, "KES", LANG_SV, "1500,00 KSh"));

	/* No minor unit. */
	CHECK(fmt_is(1200, "JPY", LANG_EN, "¥1200"));
	CHECK(fmt_is(1200, "JPY", LANG_FR, "1200 ¥"));

	/* Well formed but not in the table: two decimals and the code. */
	CHECK(fmt_is(1250, "NOK", LANG_SV, "12.50 NOK"));
	CHECK(money_exponent("NOK") == 2 && !money_currency_known("NOK"));

	/* Malformed codes, languages and amounts. */
	CHECK(fmt_is(100, "sek", LANG_SV, ""));
	CHECK(fmt_is(100, "SEKK", LANG_SV, ""));
	CHECK(fmt_is(100, "", LANG_SV, ""));
	CHECK(fmt_is(100, NULL, LANG_SV, ""));
	CHECK(fmt_is(100, "SEK", LANG__MAX, ""));
	CHECK(fmt_is(MONEY_MAX, "SEK", LANG_SV, "1000000000.00 kr"));
	CHECK(fmt_is(-MONEY_MAX, "SEK", LANG_SV, "-1000000000.00 kr"));
	CHECK(fmt_is(MONEY_MAX + 1, "SEK", LANG_SV, ""));
	CHECK(fmt_is(INT64_MIN, "SEK", LANG_SV, ""));
	CHECK(fmt_is(INT64_MAX, "EUR", LANG_EN, ""));

	/* Truncation is a failure, never a short amount. */
	CHECK(money_format(buf, 9, 19900, "SEK", LANG_SV) == -1 &&
	    buf[0] == '\0');
	CHECK(money_format(buf, 10, 19900, "SEK", LANG_SV) == 0 &&
	    strcmp(buf, "199.00 kr") == 0);

	/* Every currency has a style in every language. */
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		CHECK(money_currency_known(known[i]));
		for (l = 0; l < LANG__MAX; l++)
			CHECK(money_format(buf, sizeof(buf), -MONEY_MAX,
			    known[i], (enum lang)l) == 0 && buf[0] != '\0');
	}
}

static void
test_decimal_string(void)
{
	CHECK(dec_is(15000, "SEK", "150.00"));
	CHECK(dec_is(19950, "SEK", "199.50"));
	CHECK(dec_is(0, "SEK", "0.00"));
	CHECK(dec_is(-50, "EUR", "-0.50"));
	CHECK(dec_is(1200, "JPY", "1200"));
	CHECK(dec_is(MONEY_MAX, "USD", "1000000000.00"));
	CHECK(dec_is(MONEY_MAX + 1, "USD", ""));
	CHECK(dec_is(100, "kr", ""));
	CHECK(money_exponent("SEK") == 2 && money_exponent("JPY") == 0 &&
	    money_exponent("KES") == 2 && money_exponent("xx") == -1);
}

static void
test_parse(void)
{
	char	 buf[MONEY_STR_MAX];
	int64_t	 v;

	CHECK(parse_is("150.00", "SEK", MONEY_OK, 15000));
	CHECK(parse_is("150", "SEK", MONEY_OK, 15000));
	CHECK(parse_is("150.5", "SEK", MONEY_OK, 15050));
	CHECK(parse_is("0.05", "EUR", MONEY_OK, 5));
	CHECK(parse_is("007.10", "EUR", MONEY_OK, 710));
	CHECK(parse_is("12.500", "EUR", MONEY_OK, 1250));
	CHECK(parse_is("1200", "JPY", MONEY_OK, 1200));
	CHECK(parse_is("1200.0", "JPY", MONEY_OK, 1200));
	CHECK(parse_is("0", "KES", MONEY_OK, 0));

	/* Syntax. */
	CHECK(parse_is("", "SEK", MONEY_ERR_SYNTAX, 0));
	CHECK(parse_is(NULL, "SEK", MONEY_ERR_SYNTAX, 0));
	CHECK(parse_is(".5", "SEK", MONEY_ERR_SYNTAX, 0));
	CHECK(parse_is("5.", "SEK", MONEY_ERR_SYNTAX, 0));
	CHECK(parse_is("-5", "SEK", MONEY_ERR_SYNTAX, 0));
	CHECK(parse_is("+5", "SEK", MONEY_ERR_SYNTAX, 0));
	CHECK(parse_is(" 5", "SEK", MONEY_ERR_SYNTAX, 0));
	CHECK(parse_is("5 ", "SEK", MONEY_ERR_SYNTAX, 0));
	CHECK(parse_is("1,50", "SEK", MONEY_ERR_SYNTAX, 0));
	CHECK(parse_is("1e3", "SEK", MONEY_ERR_SYNTAX, 0));
	CHECK(parse_is("1.2.3", "SEK", MONEY_ERR_SYNTAX, 0));
	CHECK(parse_is("0x10", "SEK", MONEY_ERR_SYNTAX, 0));

	/* Precision: never rounded silently. */
	CHECK(parse_is("12.345", "EUR", MONEY_ERR_PRECISION, 0));
	CHECK(parse_is("12.001", "EUR", MONEY_ERR_PRECISION, 0));
	CHECK(parse_is("1200.5", "JPY", MONEY_ERR_PRECISION, 0));

	/* Range: MONEY_MAX minor units and no further. */
	CHECK(parse_is("1000000000.00", "SEK", MONEY_OK, MONEY_MAX));
	CHECK(parse_is("1000000000.01", "SEK", MONEY_ERR_RANGE, 0));
	CHECK(parse_is("1000000001", "SEK", MONEY_ERR_RANGE, 0));
	CHECK(parse_is("100000000000", "JPY", MONEY_OK, MONEY_MAX));
	CHECK(parse_is("100000000001", "JPY", MONEY_ERR_RANGE, 0));
	CHECK(parse_is("99999999999999999999999999999", "SEK",
	    MONEY_ERR_RANGE, 0));
	CHECK(parse_is("0000000000000000000000000001.00", "SEK", MONEY_OK,
	    100));

	/* Currency. */
	CHECK(parse_is("1.00", "NOK", MONEY_ERR_CURRENCY, 0));
	CHECK(parse_is("1.00", "sek", MONEY_ERR_CURRENCY, 0));
	CHECK(parse_is("1.00", NULL, MONEY_ERR_CURRENCY, 0));

	/* What money_decimal_string writes parses back. */
	CHECK(money_decimal_string(buf, sizeof(buf), 123456, "SEK") == 0 &&
	    money_parse_decimal(buf, "SEK", &v) == MONEY_OK && v == 123456);
	CHECK(strcmp(money_errstr(MONEY_ERR_PRECISION),
	    "more decimals than the currency has") == 0);
}

static void
test_rounding(void)
{
	/* Binary fractions that are not exact still give the cents meant. */
	CHECK(double_is(19.99, "SEK", MONEY_OK, 1999));
	CHECK(double_is(0.1 + 0.2, "EUR", MONEY_OK, 30));
	CHECK(double_is(298.0, "SEK", MONEY_OK, 29800));
	CHECK(double_is(1.005 * 1000, "SEK", MONEY_OK, 100500));
	/* Halves (exact in binary) go away from zero. */
	CHECK(double_is(0.125, "EUR", MONEY_OK, 13));
	CHECK(double_is(0.375, "EUR", MONEY_OK, 38));
	CHECK(double_is(1234.5, "JPY", MONEY_OK, 1235));
	CHECK(double_is(0.004, "EUR", MONEY_OK, 0));
	CHECK(double_is(-0.0, "EUR", MONEY_OK, 0));
	/* Range, NaN, currency. */
	CHECK(double_is(1e9, "SEK", MONEY_OK, MONEY_MAX));
	CHECK(double_is(1e9 + 0.01, "SEK", MONEY_ERR_RANGE, 0));
	CHECK(double_is(1e300, "SEK", MONEY_ERR_RANGE, 0));
	CHECK(double_is(-0.01, "SEK", MONEY_ERR_RANGE, 0));
	CHECK(double_is(NAN, "SEK", MONEY_ERR_SYNTAX, 0));
	CHECK(double_is(INFINITY, "SEK", MONEY_ERR_SYNTAX, 0));
	CHECK(double_is(1.0, "XYZ", MONEY_ERR_CURRENCY, 0));
}

int
main(void)
{
	test_format();
	test_decimal_string();
	test_parse();
	test_rounding();
	return CHECK_DONE();
}
