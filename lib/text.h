/*
 * Texts in several languages.  Every title, description and name the
 * catalogue stores is a plain column holding the text in the row's
 * default language, plus a `texts` column holding every language given:
 *
 *	{"title": {"sv": "Vårspelet", "en": "The Spring Show"},
 *	 "description": {"sv": "..."}}
 *
 * (NULL when only plain texts were ever given).  Requests give a field as
 * a plain string or as such an object (FIELD_TEXTS); responses carry the
 * text for the asker's language, falling back to the default language's.
 */
#ifndef BILJETT_TEXT_H
#define BILJETT_TEXT_H

#include "i18n.h"

struct cJSON;
struct field_val;

/*
 * Sets field in *texts (a parsed texts object, created when NULL) from
 * v, a validated FIELD_TEXTS value: a plain string replaces every
 * language of the field with {default_lang: s}; an object replaces the
 * field's languages with it.  Returns the default-language text for the
 * plain column (default_lang's, else the first of sv, en, de, fr given),
 * pointing into *texts, or NULL on memory exhaustion.
 */
const char	*text_set(struct cJSON **texts, const char *field,
		    const struct field_val *v, const char *default_lang);

/*
 * The text of field for lang from texts (may be NULL), or plain (the
 * default-language column) when that language was not given.  Never
 * NULL when plain is not.
 */
const char	*text_pick(const struct cJSON *texts, const char *field,
		    enum lang lang, const char *plain);

/* Parses a texts column (may be NULL or malformed: NULL).  Free with
 * cJSON_Delete(). */
struct cJSON	*text_parse(const char *column);

/* The texts object as a column value (malloc'd, NULL for none or an
 * empty object). */
char		*text_column(const struct cJSON *texts);

#endif
