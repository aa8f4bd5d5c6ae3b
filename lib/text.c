/*
 * Texts in several languages (text.h).
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "field.h"
#include "text.h"

/* The language a field's texts fall back to when default_lang has none. */
static const char *
first_language(const cJSON *langs, const char *default_lang)
{
	static const char *const order[] = { "sv", "en", "de", "fr" };
	const cJSON	*t;
	size_t		 i;

	if ((t = cJSON_GetObjectItemCaseSensitive(langs, default_lang)) !=
	    NULL && cJSON_IsString(t))
		return t->valuestring;
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if ((t = cJSON_GetObjectItemCaseSensitive(langs, order[i])) !=
		    NULL && cJSON_IsString(t))
			return t->valuestring;
	return NULL;
}

const char *
text_set(cJSON **texts, const char *field, const struct field_val *v,
    const char *default_lang)
{
	cJSON	*langs;

	if (*texts == NULL && (*texts = cJSON_CreateObject()) == NULL)
		return NULL;
	if (v->j != NULL)
		langs = cJSON_Duplicate(v->j, 1);
	else if ((langs = cJSON_CreateObject()) != NULL &&
	    cJSON_AddStringToObject(langs, default_lang, v->s) == NULL) {
		cJSON_Delete(langs);
		langs = NULL;
	}
	if (langs == NULL)
		return NULL;
	cJSON_DeleteItemFromObjectCaseSensitive(*texts, field);
	cJSON_AddItemToObject(*texts, field, langs);
	return first_language(langs, default_lang);
}

const char *
text_pick(const cJSON *texts, const char *field, enum lang lang,
    const char *plain)
{
	const cJSON	*langs, *t;

	if (texts == NULL || lang >= LANG__MAX ||
	    (langs = cJSON_GetObjectItemCaseSensitive(texts, field)) == NULL ||
	    (t = cJSON_GetObjectItemCaseSensitive(langs,
	    i18n_code(lang))) == NULL || !cJSON_IsString(t))
		return plain;
	return t->valuestring;
}

cJSON *
text_parse(const char *column)
{
	cJSON	*t;

	if (column == NULL || (t = cJSON_Parse(column)) == NULL)
		return NULL;
	if (!cJSON_IsObject(t)) {
		cJSON_Delete(t);
		return NULL;
	}
	return t;
}

char *
text_column(const cJSON *texts)
{
	if (texts == NULL || texts->child == NULL)
		return NULL;
	return cJSON_PrintUnformatted(texts);
}
