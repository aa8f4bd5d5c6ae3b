/*
 * Organizers' storefronts (seed 003's stores): each organizer has at most
 * one store, with a slug, a name and description in several languages
 * (lib/text.h), branding (colours, logo and banner) and links; its public
 * page lists the store's published events.  Every change runs in the
 * caller's write transaction and lands in the audit log.
 */
#ifndef BILJETT_STORE_H
#define BILJETT_STORE_H

#include <stdint.h>

#include "db.h"
#include "err.h"
#include "field.h"
#include "i18n.h"

struct cJSON;

/* The request fields of a store (POST /api/stores/create/, PATCH). */
enum store_field {
	STF_NAME = 0,
	STF_SLUG,		/* given, or made from the name at create */
	STF_DESCRIPTION,
	STF_LANGUAGE,		/* the default language of its texts */
	STF_LOGO,		/* a path or URL, for now (no upload yet) */
	STF_BANNER,
	STF_PRIMARY_COLOR,	/* "#rrggbb" or "#rgb" */
	STF_SECONDARY_COLOR,
	STF_INSTAGRAM,
	STF_WEBSITE,
	STF_IS_PUBLISHED,
	STF_LEGAL_NAME,		/* the seller on invoices: legal name, */
	STF_ORG_NUMBER,		/* organisation number, */
	STF_VAT_NUMBER,		/* VAT number, */
	STF_ADDRESS,		/* postal address, */
	STF_INVOICE_PREFIX,	/* and the invoice numbers' prefix */
	STF__MAX
};

extern const struct field_spec store_fields[STF__MAX];

/* The store of organizer_id: DB_OK with *id, DB_NOTFOUND if none. */
enum db_rc	 store_of(struct db *db, int64_t organizer_id, int64_t *id);

/* A published store by slug: DB_OK with *id, DB_NOTFOUND if none. */
enum db_rc	 store_find_slug(struct db *db, const char *slug,
		    int64_t *id);

/*
 * Store id as JSON for lang: {"id", "slug", "name", "description",
 * "language", "logo_image", "banner_image", "primary_color",
 * "secondary_color", "instagram_link", "website_link", "is_published",
 * "organizer", "organizer_name", "events_count", "created_at",
 * "updated_at"}, and for the owner (or an admin) "translations" with
 * every language of its texts.  NULL if there is no such store or on
 * memory exhaustion.  The caller frees it.
 */
struct cJSON	*store_json(struct db *db, int64_t id, enum lang lang,
		    int owner, int64_t now);

/*
 * One page of the published stores by name; search (lower case, may be
 * NULL) matches names and descriptions in every language.  *results is
 * an array of store_json() objects, *count the number in all.
 */
enum db_rc	 store_list(struct db *db, int64_t now, const char *search,
		    int64_t offset, int64_t limit, enum lang lang,
		    int64_t *count, struct cJSON **results);

/*
 * The store's published events that have not ended, soonest first, at
 * most STORE_EVENTS_MAX, as event_json() summaries in *out (an array).
 */
enum db_rc	 store_events(struct db *db, int64_t store_id, int64_t now,
		    enum lang lang, struct cJSON **out);

/*
 * Creates (id 0) the store of organizer_id, or changes store id, from
 * the validated fields f; user_id is who acts (an admin may act for an
 * organizer).  A create needs a name; the slug is f's (it must already
 * be a slug) or one made from the name.  ERR_BAD_REQUEST with reasons
 * in errs (a malformed colour, link or slug), ERR_CONFLICT when the
 * organizer already has a store or a given slug is taken (reason in
 * errs).  A new store takes the organizer's events that have none.
 * *out_id is the store.  Inside the caller's write transaction; audited.
 */
enum err	 store_save(struct db *db, int64_t now, int64_t user_id,
		    int64_t organizer_id, int64_t id,
		    const struct field_val *f, struct cJSON *errs,
		    int64_t *out_id);

/*
 * Deletes store id; its events stay and belong to no store.  Inside
 * the caller's write transaction; audited.  ERR_NOT_FOUND if none.
 */
enum err	 store_delete(struct db *db, int64_t now, int64_t user_id,
		    int64_t id);

/*
 * Puts event_id in the store of organizer_id, if the organizer has one
 * (DB_OK either way); user_id is who acts.  For an event just created,
 * inside the caller's write transaction; audited.
 */
enum db_rc	 store_attach_event(struct db *db, int64_t now,
		    int64_t user_id, int64_t event_id, int64_t organizer_id);

/*
 * {"id", "slug", "name"} of the store event_id is sold in, or JSON null
 * when it has none.  NULL on failure.
 */
struct cJSON	*store_of_event_json(struct db *db, int64_t event_id,
		    enum lang lang);

#endif
