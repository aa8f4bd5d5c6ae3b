/*
 * Amounts in minor units: the currency table, formatting and parsing.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "i18n.h"
#include "limits.h"
#include "money.h"

/* How one language writes an amount: "<before><number><after>". */
struct style {
	const char	*before;
	const char	*after;
	char		 point;		/* decimal separator */
};

struct currency {
	const char	*code;		/* ISO 4217 */
	int		 exponent;	/* minor-unit digits */
	struct style	 style[LANG__MAX];
};

/* Adding a language means adding its style to every row below. */
_Static_assert(LANG__MAX == 4, "give every currency a style for the new "
    "language");

#define AFTER(sym)	{ "", " " sym, ',' }

static const struct currency currencies[] = {
	/* "199.00 kr" as the pages and the ticket mail have always shown. */
	{ "SEK", 2, { [LANG_SV] = { "", " kr", '.' },
	    [LANG_EN] = { "", " kr", '.' }, [LANG_DE] = { "", " kr", '.' },
	    [LANG_FR] = { "", " kr", '.' } } },
	{ "EUR", 2, { [LANG_SV] = AFTER("€"), [LANG_EN] = { "€", "", '.' },
	    [LANG_DE] = AFTER("€"), [LANG_FR] = AFTER("€") } },
	{ "USD", 2, { [LANG_SV] = AFTER("$"), [LANG_EN] = { "$", "", '.' },
	    [LANG_DE] = AFTER("$"), [LANG_FR] = AFTER("$") } },
	{ "GBP", 2, { [LANG_SV] = AFTER("£"), [LANG_EN] = { "£", "", '.' },
	    [LANG_DE] = AFTER("£"), [LANG_FR] = AFTER("£") } },
	{ "KES", 2, { [LANG_SV] = AFTER("KSh"), [LANG_EN] = { "KSh ", "", '.' },
	    [LANG_DE] = AFTER("KSh"), [LANG_FR] = AFTER("KSh") } },
	{ "JPY", 0, { [LANG_SV] = AFTER("¥"), [LANG_EN] = { "¥", "", '.' },
	    [LANG_DE] = AFTER("¥"), [LANG_FR] = AFTER("¥") } },
};

static const char *const err_names[MONEY_ERR__MAX] = {
	[MONEY_OK] = "ok",
	[MONEY_ERR_SYNTAX] = "not a decimal amount",
	[MONEY_ERR_PRECISION] = "more decimals than the currency has",
	[MONEY_ERR_RANGE] = "amount out of range",
	[MONEY_ERR_CURRENCY] = "unknown currency",
};

/* The highest exponent in the table, so 10^exponent stays small. */
#define EXPONENT_MAX	3

static const int64_t pow10s[EXPONENT_MAX + 1] = { 1, 10, 100, 1000 };

const char *
money_errstr(enum money_err err)
{
	return err < MONEY_ERR__MAX ? err_names[err] : "unknown";
}

/* Three upper-case ASCII letters. */
static int
code_valid(const char *code)
{
	size_t	 i;

	if (code == NULL)
		return 0;
	for (i = 0; i < 3; i++)
		if (code[i] < 'A' || code[i] > 'Z')
			return 0;
	return code[3] == '\0';
}

static const struct currency *
lookup(const char *code)
{
	size_t	 i;

	if (!code_valid(code))
		return NULL;
	for (i = 0; i < sizeof(currencies) / sizeof(currencies[0]); i++)
		if (strcmp(currencies[i].code, code) == 0)
			return &currencies[i];
	return NULL;
}

int
money_currency_known(const char *currency)
{
	return lookup(currency) != NULL;
}

int
money_exponent(const char *currency)
{
	const struct currency	*c;

	if (!code_valid(currency))
		return -1;
	return (c = lookup(currency)) != NULL ? c->exponent : 2;
}

/*
 * Writes |minor| as digits with exponent decimals after point into buf
 * (no sign).  Returns 0, or -1 if out of range or truncated.
 */
static int
digits(char *buf, size_t bufsz, int64_t minor, int exponent, char point)
{
	int64_t	 scale;
	int	 n;

	if (minor < -MONEY_MAX || minor > MONEY_MAX || exponent < 0 ||
	    exponent > EXPONENT_MAX)
		return -1;
	if (minor < 0)
		minor = -minor;
	scale = pow10s[exponent];
	if (exponent == 0)
		n = snprintf(buf, bufsz, "%lld", (long long)minor);
	else
		n = snprintf(buf, bufsz, "%lld%c%0*lld",
		    (long long)(minor / scale), point, exponent,
		    (long long)(minor % scale));
	return n < 0 || (size_t)n >= bufsz ? -1 : 0;
}

int
money_format(char *buf, size_t bufsz, int64_t minor, const char *currency,
    enum lang lang)
{
	const struct currency	*c;
	struct style		 generic;
	const struct style	*s;
	char			 num[32], after[8];
	int			 n;

	if (bufsz > 0)
		buf[0] = '\0';
	if (!code_valid(currency) || lang >= LANG__MAX)
		return -1;
	if ((c = lookup(currency)) != NULL)
		s = &c->style[lang];
	else {
		/* Unknown but well formed: "12.50 NOK". */
		snprintf(after, sizeof(after), " %s", currency);
		generic.before = "";
		generic.after = after;
		generic.point = '.';
		s = &generic;
	}
	if (digits(num, sizeof(num), minor, c != NULL ? c->exponent : 2,
	    s->point) == -1)
		return -1;
	n = snprintf(buf, bufsz, "%s%s%s%s", minor < 0 ? "-" : "", s->before,
	    num, s->after);
	if (n < 0 || (size_t)n >= bufsz) {
		if (bufsz > 0)
			buf[0] = '\0';
		return -1;
	}
	return 0;
}

int
money_decimal_string(char *buf, size_t bufsz, int64_t minor,
    const char *currency)
{
	char	 num[32];
	int	 n, exponent;

	if (bufsz > 0)
		buf[0] = '\0';
	if ((exponent = money_exponent(currency)) == -1 ||
	    digits(num, sizeof(num), minor, exponent, '.') == -1)
		return -1;
	n = snprintf(buf, bufsz, "%s%s", minor < 0 ? "-" : "", num);
	if (n < 0 || (size_t)n >= bufsz) {
		if (bufsz > 0)
			buf[0] = '\0';
		return -1;
	}
	return 0;
}

enum money_err
money_parse_decimal(const char *s, const char *currency, int64_t *minor)
{
	const struct currency	*c;
	int64_t			 whole = 0, frac = 0;
	int			 nfrac = 0;

	*minor = 0;
	if ((c = lookup(currency)) == NULL)
		return MONEY_ERR_CURRENCY;
	if (s == NULL || *s < '0' || *s > '9')
		return MONEY_ERR_SYNTAX;
	/* Whole units; stop early so the arithmetic cannot overflow. */
	for (; *s >= '0' && *s <= '9'; s++)
		if ((whole = whole * 10 + (*s - '0')) > MONEY_MAX)
			return MONEY_ERR_RANGE;
	if (*s == '.') {
		if (*++s < '0' || *s > '9')
			return MONEY_ERR_SYNTAX;
		for (; *s >= '0' && *s <= '9'; s++) {
			if (nfrac < c->exponent) {
				frac = frac * 10 + (*s - '0');
				nfrac++;
			} else if (*s != '0')
				return MONEY_ERR_PRECISION;
		}
	}
	if (*s != '\0')
		return MONEY_ERR_SYNTAX;
	for (; nfrac < c->exponent; nfrac++)
		frac *= 10;
	if (whole > (MONEY_MAX - frac) / pow10s[c->exponent])
		return MONEY_ERR_RANGE;
	*minor = whole * pow10s[c->exponent] + frac;
	return MONEY_OK;
}

enum money_err
money_from_double(double units, const char *currency, int64_t *minor)
{
	const struct currency	*c;
	double			 scaled;

	*minor = 0;
	if ((c = lookup(currency)) == NULL)
		return MONEY_ERR_CURRENCY;
	if (!isfinite(units))
		return MONEY_ERR_SYNTAX;
	scaled = units * (double)pow10s[c->exponent];
	/* Compare before converting: llround of a huge double is undefined. */
	if (scaled < 0 || scaled >= (double)MONEY_MAX + 0.5)
		return MONEY_ERR_RANGE;
	*minor = (int64_t)llround(scaled);
	return MONEY_OK;
}

int64_t
money_sale_price(int64_t price, int sale)
{
	int64_t	 q, whole, rest;

	if (price <= 0 || sale <= 0)
		return price;
	if (sale >= MONEY_SALE_ONE)
		return 0;
	/* price <= MONEY_MAX (1e11), so q stays below 1e15. */
	q = price * (MONEY_SALE_ONE - sale);
	whole = q / MONEY_SALE_ONE;
	rest = q % MONEY_SALE_ONE;
	if (rest * 2 > MONEY_SALE_ONE ||
	    (rest * 2 == MONEY_SALE_ONE && whole % 2 == 1))
		whole++;
	return whole;
}

int
money_parse_sale(const char *s, int *sale)
{
	int	 v = 0, digits = 0;

	*sale = 0;
	if (s == NULL || (*s != '0' && *s != '.'))
		return -1;
	if (*s == '0')
		s++;
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++) {
			/* Trailing zeros beyond four decimals say nothing. */
			if (digits == 4) {
				if (*s != '0')
					return -1;
				continue;
			}
			v = v * 10 + (*s - '0');
			digits++;
		}
		if (digits == 0)
			return -1;
	}
	if (*s != '\0')
		return -1;
	for (; digits < 4; digits++)
		v *= 10;
	*sale = v;
	return 0;
}
