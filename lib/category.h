/*
 * Event categories (seed 004): a slug, a name and description in several
 * languages, an icon.  Admins manage them; everyone reads the active ones.
 */
#ifndef BILJETT_CATEGORY_H
#define BILJETT_CATEGORY_H

#include <stdint.h>

#include "db.h"
#include "err.h"
#include "field.h"
#include "i18n.h"

struct cJSON;

enum category_field {
	CATF_NAME = 0,
	CATF_SLUG,
	CATF_DESCRIPTION,
	CATF_ICON,
	CATF_IS_ACTIVE,
	CATF__MAX
};

extern const struct field_spec category_fields[CATF__MAX];

/* Finds a category by id (a number) or slug.  DB_NOTFOUND if none. */
enum db_rc	 category_find(struct db *db, const char *key, int64_t *id);

/* The active categories (all for admins), by name, as a JSON array. */
enum db_rc	 category_list(struct db *db, enum lang lang, int all,
		    struct cJSON **out);

/* One category; inactive ones only when all.  NULL if none. */
struct cJSON	*category_json(struct db *db, int64_t id, enum lang lang,
		    int all);

/*
 * Creates (id 0) or changes category id from f; a create needs a name.
 * The slug comes from f or the name.  ERR_BAD_REQUEST with reasons in
 * errs, ERR_CONFLICT when the slug or name is taken.  Audited.
 */
enum err	 category_save(struct db *db, int64_t now, int64_t user_id,
		    int64_t id, const struct field_val *f, struct cJSON *errs,
		    int64_t *out_id);

/* Deletes category id; its events keep no category.  Audited. */
enum err	 category_delete(struct db *db, int64_t now, int64_t user_id,
		    int64_t id);

#endif
