/* lib/money: a product's sale, parsed and applied half to even. */
#include <stdint.h>

#include "check.h"
#include "limits.h"
#include "money.h"

static int
sale_is(const char *s, int want)
{
	int	 v = -1;

	if (want < 0)
		return money_parse_sale(s, &v) == -1 && v == 0;
	return money_parse_sale(s, &v) == 0 && v == want;
}

int
main(void)
{
	/* Fractions of one whole, at most four decimals. */
	CHECK(sale_is("0", 0));
	CHECK(sale_is("0.1", 1000));
	CHECK(sale_is("0.10", 1000));
	CHECK(sale_is(".25", 2500));
	CHECK(sale_is("0.125", 1250));
	CHECK(sale_is("0.9999", 9999));
	CHECK(sale_is("0.12500", 1250));
	CHECK(sale_is("0.12345", -1));
	CHECK(sale_is("1", -1));
	CHECK(sale_is("1.0", -1));
	CHECK(sale_is("-0.1", -1));
	CHECK(sale_is("0.", -1));
	CHECK(sale_is("", -1));
	CHECK(sale_is("0.1x", -1));
	CHECK(sale_is(NULL, -1));

	/* No sale, or nothing to take it off. */
	CHECK(money_sale_price(15000, 0) == 15000);
	CHECK(money_sale_price(0, 1000) == 0);
	/* Exact. */
	CHECK(money_sale_price(15000, 1000) == 13500);
	/* 1995 * 0.9 = 1795.5: halves go to the even cent. */
	CHECK(money_sale_price(1995, 1000) == 1796);
	/* 1985 * 0.9 = 1786.5 -> 1786. */
	CHECK(money_sale_price(1985, 1000) == 1786);
	/* 1000 * 0.75 = 750; 333 * 0.5 = 166.5 -> 166; 335 * 0.5 -> 168. */
	CHECK(money_sale_price(1000, 2500) == 750);
	CHECK(money_sale_price(333, 5000) == 166);
	CHECK(money_sale_price(335, 5000) == 168);
	/* Not half: nearest. 101 * 0.9 = 90.9 -> 91; 104 * 0.9 = 93.6. */
	CHECK(money_sale_price(101, 1000) == 91);
	CHECK(money_sale_price(104, 1000) == 94);
	/* The largest amount does not overflow. */
	CHECK(money_sale_price(MONEY_MAX, 1) == MONEY_MAX - MONEY_MAX / 10000);
	return CHECK_DONE();
}
