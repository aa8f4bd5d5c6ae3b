/*
 * Small writers for the API's JSON conventions: times as ISO 8601 with
 * offset (null when unset), money as decimal strings ("150.00") in the
 * currency's exponent, texts in the asker's language.
 */
#ifndef BILJETT_JSONOUT_H
#define BILJETT_JSONOUT_H

#include <stdint.h>

struct cJSON;

/* name: ISO 8601 time, or null when t is 0 or less. */
void	json_add_time(struct cJSON *o, const char *name, int64_t t);

/* name: "150.00" for minor units in currency, or null when minor < 0. */
void	json_add_money(struct cJSON *o, const char *name, int64_t minor,
	    const char *currency);

/* name: the string, or null when s is NULL. */
void	json_add_str(struct cJSON *o, const char *name, const char *s);

/* name: the number, or null when v < 0. */
void	json_add_count(struct cJSON *o, const char *name, int64_t v);

#endif
