/*
 * Events as the back office and seed 004's API see them: create, change,
 * publish, cancel and delete an event, find it by slug or id, list and
 * filter the catalogue.  Every change runs in the caller's write
 * transaction, keeps the event's quotas in step (lib/quota.h) and lands
 * in the audit log.
 */
#ifndef BILJETT_EVENT_H
#define BILJETT_EVENT_H

#include <stdint.h>

#include "actor.h"
#include "db.h"
#include "err.h"
#include "field.h"
#include "i18n.h"

struct arena;
struct cJSON;

/* The request fields of an event (POST, PUT, PATCH /api/events/). */
enum event_field {
	EVF_TITLE = 0,
	EVF_DESCRIPTION,
	EVF_SHORT_DESCRIPTION,
	EVF_CATEGORY,		/* id or slug; null clears */
	EVF_PRICING_TYPE,
	EVF_VENUE_NAME,
	EVF_VENUE_ADDRESS,
	EVF_VENUE_CITY,
	EVF_VENUE_COUNTRY,
	EVF_START_DATE,
	EVF_END_DATE,
	EVF_TOTAL_CAPACITY,
	EVF_IS_FREE,
	EVF_IS_FEATURED,
	EVF_TAGS,
	EVF_CURRENCY,
	EVF_LANGUAGE,		/* the default language of its texts */
	EVF_SALES_START,
	EVF_SALES_END,
	EVF_MAX_PER_ORDER,
	EVF_STATUS,		/* draft or published */
	EVF_TERMS,
	EVF_REFUND_POLICY,
	EVF_AGE_RESTRICTION,
	EVF_QUEUE,		/* the on-sale queue (lib/queue.h) */
	EVF_MAX_HELD_PER_CLIENT, /* hold caps (sql/004_holds.sql) */
	EVF_MAX_PER_EMAIL,
	EVF_VENUE,		/* a venue id (seated), null: unseated */
	EVF_HOLD_MINUTES,	/* an order's hold; null: the default */
	EVF_PROVIDERS,		/* names of lib/provider.h; null: default */
	EVF_VAT_RATE,		/* percent, VAT-inclusive prices; null: none */
	EVF_CANCEL_HOURS,	/* seed 001 bookings: cancellable until */
	EVF_REFUND_PERCENT,	/* ... with this share refunded */
	EVF_TRANSFERS,		/* tickets may change hands (lib/transfer) */
	EVF_TRANSFER_CUTOFF,	/* ... until so many hours before it */
	EVF_TRANSFERS_MAX,	/* ... so often per seat; null: no cap */
	EVF_REENTRY,		/* holders may leave and come back (lib/checkin) */
	EVF_DAY_STARTS,		/* "HH:MM" a door day begins; null: 06:00 */
	EVF__MAX
};

extern const struct field_spec event_fields[EVF__MAX];

/* The fields a create or full update (PUT) must carry. */
extern const enum event_field event_required[];
extern const int event_nrequired;

/* The listing's filters (seed 004's query parameters), validated. */
enum event_order {
	EVORDER_START = 0,	/* start_date */
	EVORDER_START_DESC,	/* -start_date */
	EVORDER_PRICE,		/* base_price */
	EVORDER_PRICE_DESC,	/* -base_price */
	EVORDER__MAX
};

struct event_filter {
	const char		*status;	/* NULL: published, not past */
	int			 upcoming;	/* only not yet started */
	int64_t			 organizer_id;	/* 0: anyone's */
	const char		*category;	/* id or slug, NULL: any */
	int			 is_free;	/* -1: either */
	int			 is_featured;	/* -1: either */
	const char		*city;
	const char		*pricing_type;
	const char		*search;	/* any case */
	int64_t			 start_after;	/* 0: none */
	int64_t			 start_before;	/* 0: none */
	int64_t			 min_price;	/* minor units, -1: none */
	int64_t			 max_price;
	enum event_order	 order;
};

/* Is s a status the listing filters by (draft ... cancelled, ongoing)? */
int		 event_status_valid(const char *s);
/* Is s one of the four pricing types? */
int		 event_pricing_type_valid(const char *s);

/*
 * Finds an event by key: its slug, or its id when key is a number.
 * Drafts and cancelled events are found only for their owner or an
 * admin (actor may be NULL: the public).  ERR_EVENT_NOT_FOUND otherwise.
 */
enum err	 event_find(struct db *db, const char *key,
		    const struct actor *actor, int64_t *id,
		    int64_t *organizer_id);

/*
 * The event as JSON for lang: the detail (seed 004's EventDetail, with
 * its ticket types and their variants) or the listing's summary; the
 * owner (or an admin) also gets every language of its texts under
 * "translations".  NULL if there is no such event or on failure.
 */
struct cJSON	*event_json(struct db *db, int64_t id, enum lang lang,
		    int detail, int owner, int64_t now);

/*
 * One page of the listing.  *results is a JSON array of summaries,
 * *count the number of events matching in all.
 */
enum db_rc	 event_list(struct db *db, int64_t now,
		    const struct event_filter *flt, int64_t offset,
		    int64_t limit, enum lang lang, int64_t *count,
		    struct cJSON **results);

/*
 * Creates (id 0) or changes event id from the validated fields f
 * (absent fields keep their value; for a create, the defaults).  The
 * new event belongs to actor and is a draft unless f says published.
 * Cross-field rules answer ERR_BAD_REQUEST with reasons in errs (end
 * before start, unknown category, currency, ...), ERR_CONFLICT when the
 * change contradicts stored data (pricing type with ticket types
 * present, capacity below places sold).  *out_id is the event.  Inside
 * the caller's write transaction; audited.
 */
enum err	 event_save(struct db *db, int64_t now,
		    const struct actor *actor, int64_t id,
		    const struct field_val *f, struct cJSON *errs,
		    int64_t *out_id);

/*
 * Publishes, cancels or deletes event id (owner or admin, checked by the
 * caller through event_find()).  Publishing needs something to sell
 * (ERR_CONFLICT otherwise); cancelling stops sales, queues a mail to
 * every buyer and flags their paid orders for refund; deleting is
 * refused once anything was ordered (ERR_IN_USE: cancel instead).
 * Inside the caller's write transaction; audited.
 */
enum err	 event_publish(struct db *db, int64_t now,
		    const struct actor *actor, int64_t id);
enum err	 event_cancel(struct db *db, int64_t now,
		    const struct actor *actor, int64_t id);
enum err	 event_delete(struct db *db, int64_t now,
		    const struct actor *actor, int64_t id);

/*
 * Sets event id's poster to path (a public path lib/image stored, or
 * NULL: none).  Inside the caller's write transaction; audited.
 */
enum err	 event_set_poster(struct db *db, int64_t now,
		    const struct actor *actor, int64_t id, const char *path);

/*
 * The catalogue's version (sql/009: bumped by every change to events,
 * ticket types or categories, never by buying), or -1 on failure.  An
 * answer built from the catalogue stays right while it is unchanged.
 */
int64_t		 event_catalogue_version(struct db *db);

/*
 * Gives every event whose slug is still the placeholder sql/009 set
 * ("event-<id>") one made from its title.  For `biljett migrate`.
 */
enum db_rc	 event_backfill_slugs(struct db *db);

#endif
