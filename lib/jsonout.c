/*
 * JSON writers for the API's conventions (jsonout.h).
 */
#include <stdint.h>

#include <cjson/cJSON.h>

#include "jsonout.h"
#include "money.h"
#include "tfmt.h"

void
json_add_time(cJSON *o, const char *name, int64_t t)
{
	char	 buf[TFMT_ISO_LEN];

	if (t <= 0) {
		cJSON_AddNullToObject(o, name);
		return;
	}
	tfmt_iso(t, buf);
	cJSON_AddStringToObject(o, name, buf);
}

void
json_add_money(cJSON *o, const char *name, int64_t minor,
    const char *currency)
{
	char	 buf[MONEY_STR_MAX];

	if (minor < 0 || money_decimal_string(buf, sizeof(buf), minor,
	    currency) == -1) {
		cJSON_AddNullToObject(o, name);
		return;
	}
	cJSON_AddStringToObject(o, name, buf);
}

void
json_add_str(cJSON *o, const char *name, const char *s)
{
	if (s == NULL)
		cJSON_AddNullToObject(o, name);
	else
		cJSON_AddStringToObject(o, name, s);
}

void
json_add_count(cJSON *o, const char *name, int64_t v)
{
	if (v < 0)
		cJSON_AddNullToObject(o, name);
	else
		cJSON_AddNumberToObject(o, name, (double)v);
}
