/*
 * Seed 000's products: a product is a sellable variant of an event (a
 * ticket_types row; lib/variant.h, sold by the quota engine) that the
 * back office offers in the shop, with its texts in every language (sv,
 * en, de, fr: all four or none) and a sale taken off its price
 * (money_sale_price()).  Its price, places and purchase limits are the
 * variant's and its event's; date, time, place, category and image are
 * its event's.  The id of a product is its variant's.
 */
#ifndef BILJETT_PRODUCT_H
#define BILJETT_PRODUCT_H

#include <stdint.h>

#include "db.h"
#include "err.h"
#include "i18n.h"
#include "limits.h"

struct cJSON;

/* A product as the shop sells it. */
struct product {
	int64_t	 id;		/* the variant's */
	int64_t	 event_id;
	int64_t	 price;		/* minor units, before the sale */
	int64_t	 unit_price;	/* after the sale */
	int	 sale;		/* parts per MONEY_SALE_ONE */
	int64_t	 left;		/* places free now (0: none) */
	int64_t	 max_per_order;	/* the type's max_purchase and the event's
				   max_tickets_per_payment, the least */
	int64_t	 event_max;	/* the event's max_tickets_per_payment */
	int	 on_sale;	/* published and within every sales window */
	char	 currency[CURRENCY_LEN + 1];
};

/* GET /api/products's filters and order; NULL or 0 when not given. */
enum product_sort {
	PRODUCT_SORT_NAME = 0,
	PRODUCT_SORT_PRICE,
	PRODUCT_SORT_DATE,
	PRODUCT_SORT__MAX
};

struct product_filter {
	const char		*name;		/* in the asker's language */
	const char		*category;	/* slug or name, a part of */
	const char		*location;	/* venue name or city, a part */
	int64_t			 day_start;	/* event on [start, end) */
	int64_t			 day_end;	/* 0: any day */
	int64_t			 places;	/* at least this many left */
	enum product_sort	 sort;
	int			 desc;
	int			 all;		/* admins: unpublished and
						   sold-out ones too */
	int64_t			 offset;
	int64_t			 limit;
};

/* A product's texts, one per language (lang order of enum lang). */
struct product_texts {
	const char	*name[LANG__MAX];
	const char	*description[LANG__MAX];
};

/*
 * Loads product id whose event is published (any, with admin set).
 * Returns ERR_OK, ERR_PRODUCT_NOT_FOUND or a storage outcome.  Inside
 * or outside a transaction.
 */
enum err	 product_find(struct db *db, int64_t now, int64_t id, int admin,
		    struct product *out);

/*
 * Product id as billet-jo's ProductResource, in lang (English where a
 * text is missing): {"id", "name", "price", "sale", "unit_price",
 * "currency", "stock_quantity", "max_per_order", "event": {"id",
 * "slug"}, "product_details": {"places", "description", "date", "time",
 * "location", "category", "image"}}.  NULL when there is none (or on
 * memory exhaustion).  Free with cJSON_Delete().
 */
struct cJSON	*product_json(struct db *db, int64_t now, int64_t id,
		    enum lang lang);

/*
 * The page of products f asks for (published, on sale and in stock,
 * unless f->all), as an array of product_json() objects in *out (owned
 * by the caller, also on failure), and their number in *total.
 */
enum db_rc	 product_list(struct db *db, int64_t now,
		    const struct product_filter *f, enum lang lang,
		    struct cJSON **out, int64_t *total);

/*
 * Makes variant id a product (create) or changes product id's texts and
 * sale, asked by user_id, in one write transaction with its audit log
 * entry (entity "product").  Every text is required (the caller
 * checked them).  create: ERR_BAD_REQUEST when id is not a sellable
 * variant of one event, ERR_CONFLICT when it is a product already;
 * else ERR_PRODUCT_NOT_FOUND when it is not a product.
 */
enum err	 product_save(struct db *db, int64_t now, int64_t user_id,
		    int64_t id, int create, int sale,
		    const struct product_texts *t);

/* Sets product id's sale, as product_save() changes it.
 * ERR_PRODUCT_NOT_FOUND if not a product. */
enum err	 product_set_sale(struct db *db, int64_t now, int64_t user_id,
		    int64_t id, int sale);

#endif
