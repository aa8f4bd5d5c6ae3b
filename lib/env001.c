/*
 * Seed 001's envelope, errors and ids (see env001.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "crypto.h"
#include "env001.h"
#include "tfmt.h"

/*
 * Where seed 001 has its own word (or status) for an outcome.  A booking
 * is an order, so an order not found is BOOKING_NOT_FOUND; a refused
 * sign-in is the seed's 401 (seed 004's is a 400).
 */
static const struct {
	enum err	 e;
	const char	*code;
	int		 status;	/* 0: the outcome table's */
} words[] = {
	{ ERR_ORDER_NOT_FOUND, "BOOKING_NOT_FOUND", 0 },
	{ ERR_LOGIN_FAILED, "INVALID_CREDENTIALS", 401 },
	{ ERR_INVALID_CREDENTIALS, "INVALID_CREDENTIALS", 401 },
	{ ERR_WEAK_PASSWORD, "VALIDATION_ERROR", 400 },
	{ ERR_UNAUTHORIZED, "UNAUTHORIZED", 0 },
	{ ERR_SEAT_NOT_FOUND, "SEAT_NOT_FOUND", 400 },
};

void
env001_request_id(char id[ENV001_REQUEST_ID_LEN + 1])
{
	memcpy(id, "req_", 4);
	crypto_random_letters(id + 4, ENV001_REQUEST_ID_LEN - 4);
	id[ENV001_REQUEST_ID_LEN] = '\0';
}

cJSON *
env001_wrap(cJSON *data, cJSON *pagination, int64_t now)
{
	cJSON	*doc, *meta;
	char	 id[ENV001_REQUEST_ID_LEN + 1], ts[TFMT_ISO_LEN];

	if ((doc = cJSON_CreateObject()) == NULL) {
		cJSON_Delete(data);
		cJSON_Delete(pagination);
		return NULL;
	}
	cJSON_AddItemToObject(doc, "data", data != NULL ? data :
	    cJSON_CreateNull());
	if (pagination != NULL)
		cJSON_AddItemToObject(doc, "pagination", pagination);
	env001_request_id(id);
	tfmt_iso(now, ts);
	if ((meta = cJSON_AddObjectToObject(doc, "meta")) == NULL ||
	    cJSON_AddStringToObject(meta, "requestId", id) == NULL ||
	    cJSON_AddStringToObject(meta, "timestamp", ts) == NULL) {
		cJSON_Delete(doc);
		return NULL;
	}
	return doc;
}

cJSON *
env001_pagination(int64_t page, int64_t per_page, int64_t total)
{
	cJSON	*o;
	int64_t	 pages = per_page > 0 ? (total + per_page - 1) / per_page : 0;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddNumberToObject(o, "page", (double)page);
	cJSON_AddNumberToObject(o, "perPage", (double)per_page);
	cJSON_AddNumberToObject(o, "total", (double)total);
	cJSON_AddNumberToObject(o, "totalPages", (double)pages);
	return o;
}

const char *
env001_code(enum err e, int *status)
{
	const struct err_def	*d = err_def(e);
	size_t			 i;

	*status = d->status;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (words[i].e == e) {
			if (words[i].status != 0)
				*status = words[i].status;
			return words[i].code;
		}
	return d->code;
}

cJSON *
env001_error(const char *code, const char *message, cJSON *details)
{
	cJSON	*doc, *e;
	char	 id[ENV001_REQUEST_ID_LEN + 1];

	env001_request_id(id);
	if ((doc = cJSON_CreateObject()) == NULL ||
	    (e = cJSON_AddObjectToObject(doc, "error")) == NULL ||
	    cJSON_AddStringToObject(e, "code", code) == NULL ||
	    cJSON_AddStringToObject(e, "message", message) == NULL ||
	    cJSON_AddStringToObject(e, "requestId", id) == NULL) {
		cJSON_Delete(doc);
		cJSON_Delete(details);
		return NULL;
	}
	if (details != NULL)
		cJSON_AddItemToObject(e, "details", details);
	return doc;
}

int
env001_id(char *buf, size_t bufsz, const char *prefix, const char *id)
{
	int	 n = snprintf(buf, bufsz, "%s%s", prefix, id);

	return n < 0 || (size_t)n >= bufsz ? -1 : 0;
}

int
env001_num_id(char *buf, size_t bufsz, const char *prefix, int64_t id)
{
	int	 n = snprintf(buf, bufsz, "%s%" PRId64, prefix, id);

	return n < 0 || (size_t)n >= bufsz ? -1 : 0;
}

const char *
env001_strip(const char *s, const char *prefix)
{
	size_t	 len = strlen(prefix);

	if (s == NULL || strncmp(s, prefix, len) != 0 || s[len] == '\0')
		return NULL;
	return s + len;
}

const char *
env001_role(const char *name)
{
	static const char *const names[][2] = {
		{ "customer", "USER" }, { "admin", "ADMIN" },
		{ "organizer", "ORGANIZER" }, { "staff", "STAFF" },
	};
	size_t	 i;

	for (i = 0; name != NULL && i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i][0]) == 0)
			return names[i][1];
	return "USER";
}
