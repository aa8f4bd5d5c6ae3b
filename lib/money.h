/*
 * Money: amounts are int64_t minor units (öre, cents) of an ISO 4217
 * currency, never floating point.  This module knows each currency's
 * minor-unit exponent and how people reading each language expect to see
 * an amount:
 *
 *	SEK	"199.00 kr" in every language (what the pages, the ticket
 *		mail and the seed have always shown)
 *	EUR	en "€12.50"; sv, de, fr "12,50 €"
 *	USD	en "$12.50"; sv, de, fr "12,50 $"  (GBP £, KES KSh alike)
 *	JPY	en "¥1200"; sv, de, fr "1200 ¥"  (no minor unit)
 *
 * Decimals are always shown for currencies that have them, spaces are
 * plain and digits are not grouped.  A well-formed code the table does
 * not know is shown with two decimals and the code ("12.50 NOK") rather
 * than not at all, but input in it is refused (money_parse_decimal).
 */
#ifndef BILJETT_MONEY_H
#define BILJETT_MONEY_H

#include <stddef.h>
#include <stdint.h>

#include "i18n.h"
#include "limits.h"

/* A buffer that holds any formatted amount within MONEY_MAX. */
#define MONEY_STR_MAX	48

/*
 * The currency of an amount whose currency is recorded nowhere (an
 * event's revenue before its first sale): the default of the currency
 * columns in sql/001_initial.sql.
 */
#define MONEY_CURRENCY_DEFAULT	"SEK"

enum money_err {
	MONEY_OK = 0,
	MONEY_ERR_SYNTAX,	/* not a plain decimal number */
	MONEY_ERR_PRECISION,	/* more decimals than the currency has */
	MONEY_ERR_RANGE,	/* negative, or above MONEY_MAX minor units */
	MONEY_ERR_CURRENCY,	/* not a currency the table knows */
	MONEY_ERR__MAX
};

/* Returns a static English reason for err. */
const char	*money_errstr(enum money_err err);

/* Is currency one the table knows (and so may be sold in)? */
int		 money_currency_known(const char *currency);

/*
 * Returns the currency's minor-unit exponent (2 for SEK: 100 öre to the
 * krona; 0 for JPY), 2 for a well-formed code the table does not know,
 * or -1 if currency is not three upper-case letters.
 */
int		 money_exponent(const char *currency);

/*
 * Formats minor units of currency for a reader of lang, as in the table
 * above, into buf (MONEY_STR_MAX bytes always suffice).  Returns 0, or
 * -1 with buf "" if the code is malformed, |minor| exceeds MONEY_MAX or
 * buf is too small.
 */
int		 money_format(char *buf, size_t bufsz, int64_t minor,
		    const char *currency, enum lang lang);

/*
 * Writes minor units as the plain decimal string the APIs and the
 * providers use: "150.00" for 15000 SEK, "-0.50", "1200" for JPY.
 * Returns 0, or -1 as money_format() does.
 */
int		 money_decimal_string(char *buf, size_t bufsz, int64_t minor,
		    const char *currency);

/*
 * Parses a non-negative decimal amount of currency ("150", "150.5",
 * "150.50"; trailing zeros beyond the exponent are fine, other digits
 * are not) into *minor.  No sign, spaces or exponents.  Pure.  Returns
 * MONEY_OK, MONEY_ERR_SYNTAX, MONEY_ERR_PRECISION, MONEY_ERR_RANGE
 * (above MONEY_MAX) or MONEY_ERR_CURRENCY (unknown currency).
 */
enum money_err	 money_parse_decimal(const char *s, const char *currency,
		    int64_t *minor);

/*
 * Converts a JSON number of whole units (19.99) into minor units of
 * currency, rounding to the nearest minor unit, halves away from zero
 * (0.125 EUR is 13 cents).  Returns as money_parse_decimal() does;
 * NaN and infinities are MONEY_ERR_SYNTAX.
 */
enum money_err	 money_from_double(double units, const char *currency,
		    int64_t *minor);

/* A sale in parts per ten thousand of the price (0.10 off is 1000). */
#define MONEY_SALE_ONE	10000

/*
 * The price of price minor units (0..MONEY_MAX) with sale (0 to
 * MONEY_SALE_ONE - 1) taken off, rounded to the minor unit half to even
 * (banker's rounding, so that a shop's many small roundings do not all
 * lean one way): 1995 at 0.10 off is 1796 (1795.5 rounds to even).
 * Pure.
 */
int64_t		 money_sale_price(int64_t price, int sale);

/*
 * Parses a sale given as a decimal fraction ("0.1", "0.125", "0"; at
 * most four decimals) into parts per ten thousand, at least 0 and less
 * than one whole.  Returns 0, or -1 for anything else.  Pure.
 */
int		 money_parse_sale(const char *s, int *sale);

#endif
