/*
 * Ticket types and their sellable variants (seed 004's ticket types,
 * tiers, day passes and day+tier prices), all rows of ticket_types
 * (sql/009_catalogue.sql says how).  One field table serves the four
 * resources; each kind uses the fields that apply to it and ignores the
 * rest, as seed 004's serializers do.  Every change keeps the event's
 * quotas in step (lib/quota.h) and is audited.
 */
#ifndef BILJETT_VARIANT_H
#define BILJETT_VARIANT_H

#include <stdint.h>

#include "db.h"
#include "err.h"
#include "actor.h"
#include "field.h"
#include "i18n.h"

struct cJSON;

enum variant_kind {
	VK_TYPE = 0,		/* /api/tickets/types/ */
	VK_TIER,		/* /api/tickets/tiers/ */
	VK_DAY_PASS,		/* /api/tickets/day-passes/ */
	VK_DAY_TIER,		/* /api/tickets/day-tier-prices/ */
	VK__MAX
};

enum variant_field {
	VF_EVENT = 0,		/* type: the event's id or slug */
	VF_TICKET_TYPE,		/* variants: their type's id */
	VF_NAME,
	VF_DESCRIPTION,
	VF_PRICING_TYPE,
	VF_PRICE,
	VF_TOTAL_QUANTITY,	/* a type's */
	VF_QUANTITY,		/* a variant's */
	VF_SALES_START,
	VF_SALES_END,
	VF_MIN_PURCHASE,
	VF_MAX_PURCHASE,
	VF_BENEFITS,
	VF_IS_ACTIVE,
	VF_TIER_NUMBER,
	VF_TIER_NAME,
	VF_DAY_NUMBER,
	VF_DAY_NAME,
	VF_DATE,
	VF_IS_ALL_DAYS,
	VF_VAT_RATE,		/* percent; null: the type's, else the event's */
	VF_REENTRY,		/* a type's re-entry; null: as its event says */
	VF__MAX
};

extern const struct field_spec variant_fields[VF__MAX];

/* The listing's filters (each resource's query parameters). */
struct variant_filter {
	int64_t		 event_id;	/* 0: any */
	int64_t		 type_id;	/* 0: any */
	const char	*pricing_type;
	int		 is_active;	/* -1: either */
	int		 on_sale;	/* -1: either */
	int		 is_all_days;	/* -1: either */
	int64_t		 day_number;	/* 0: any */
	int64_t		 tier_number;	/* 0: any */
	const char	*search;
	const char	*ordering;	/* validated by variant_ordering_valid */
	const struct actor *actor;	/* sees its own unpublished rows */
};

/* Is ordering one kind k's listing accepts ("price", "-day_number")? */
int		 variant_ordering_valid(enum variant_kind k,
		    const char *ordering);

/*
 * Finds row id of kind k visible to actor (published events for the
 * public; owners and admins see their drafts).  *organizer_id is the
 * owner.  ERR_NOT_FOUND otherwise.
 */
enum err	 variant_find(struct db *db, enum variant_kind k, int64_t id,
		    const struct actor *actor, int64_t *organizer_id);

/* Row id of kind k as JSON (types in detail, with their variants). */
struct cJSON	*variant_json(struct db *db, enum variant_kind k, int64_t id,
		    enum lang lang, int64_t now);

/* One page of kind k's listing: *results an array, *count the total. */
enum db_rc	 variant_list(struct db *db, enum variant_kind k, int64_t now,
		    const struct variant_filter *flt, int64_t offset,
		    int64_t limit, enum lang lang, int64_t *count,
		    struct cJSON **results);

/*
 * Creates (id 0) or changes row id of kind k from f as actor (who must
 * own the event: ERR_NOT_FOUND otherwise).  ERR_BAD_REQUEST with
 * reasons in errs (a field the kind needs, a pricing type that does not
 * fit, a duplicate tier or day number), ERR_CONFLICT when a quantity
 * would fall below the places sold or held.  Inside the caller's write
 * transaction; audited.
 */
enum err	 variant_save(struct db *db, int64_t now,
		    const struct actor *actor, enum variant_kind k,
		    int64_t id, const struct field_val *f, struct cJSON *errs,
		    int64_t *out_id);

/* Deletes row id of kind k (and a type's variants); ERR_IN_USE once
 * ordered.  Audited. */
enum err	 variant_delete(struct db *db, int64_t now,
		    const struct actor *actor, enum variant_kind k,
		    int64_t id);

/* Removes every ticket type of an event being deleted (no orders). */
enum db_rc	 variant_delete_event(struct db *db, int64_t event_id);

/*
 * The event's ticket types with their variants, for the event's detail
 * (inactive ones only for the owner).  NULL on failure.
 */
struct cJSON	*variant_event_json(struct db *db, int64_t event_id,
		    int64_t now, enum lang lang, int owner);

/*
 * The day x tier matrix of a tier_and_day type (seed 004):
 * {"ticket_type", "days": [{"number", "name", "date"}], "tiers":
 * [{"number", "name"}], "matrix": {"1": {"1": {cell}}}}, and beside it
 * "all_days": the tiers' all-days passes (each sits in its tier's cell
 * every day).
 */
struct cJSON	*variant_matrix(struct db *db, int64_t type_id,
		    enum lang lang, int64_t now);

#endif
