/*
 * Seed 001's wire conventions, for every route of the bookings program
 * (cgi-bin/bookings.c): answers wrapped as
 *	{"data": ..., "meta": {"requestId": "req_...", "timestamp": "..."}}
 * (a list adds "pagination": {"page", "perPage", "total", "totalPages"}),
 * errors as
 *	{"error": {"code": "BOOKING_NOT_FOUND", "message": "...",
 *	 "requestId": "req_...", "details": {"field": ["reason"]}}}
 * ("details" only when fields were refused), the seed's error codes and
 * statuses, and its prefixed ids (bkg_, usr_, seat_, pay_).  Pure apart
 * from the random request ids; knows nothing of requests or storage.
 */
#ifndef BILJETT_ENV001_H
#define BILJETT_ENV001_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct cJSON;

/* "req_" and 26 random letters. */
#define ENV001_REQUEST_ID_LEN	30

/* The id prefixes of seed 001. */
#define ENV001_BOOKING		"bkg_"
#define ENV001_USER		"usr_"
#define ENV001_SEAT		"seat_"
#define ENV001_PAYMENT		"pay_"

/* Writes a fresh request id into id. */
void		 env001_request_id(char id[ENV001_REQUEST_ID_LEN + 1]);

/*
 * Wraps data (owned by the result from now on, even on failure) as
 * {"data", "meta"} with a fresh request id and now as the timestamp;
 * pagination (may be NULL; owned likewise) goes beside them.  Returns
 * the document (free with cJSON_Delete), or NULL when out of memory.
 */
struct cJSON	*env001_wrap(struct cJSON *data, struct cJSON *pagination,
		    int64_t now);

/* {"page", "perPage", "total", "totalPages"}, or NULL on no memory. */
struct cJSON	*env001_pagination(int64_t page, int64_t per_page,
		    int64_t total);

/*
 * The seed's code and HTTP status for outcome e: its own words where it
 * has them (BOOKING_NOT_FOUND for an order, INVALID_CREDENTIALS as a
 * 401, EMAIL_ALREADY_EXISTS, ...), else lib/err.c's.  Pure.
 */
const char	*env001_code(enum err e, int *status);

/*
 * The error document for code and message (copied); details (may be
 * NULL; owned by the result from now on) are the refused fields.
 */
struct cJSON	*env001_error(const char *code, const char *message,
		    struct cJSON *details);

/*
 * Writes prefix followed by id into buf ("bkg_" + an order's uid).
 * Returns 0, or -1 when it does not fit.
 */
int		 env001_id(char *buf, size_t bufsz, const char *prefix,
		    const char *id);
/* The same for a number ("usr_42"). */
int		 env001_num_id(char *buf, size_t bufsz, const char *prefix,
		    int64_t id);

/*
 * The part of s after prefix when s starts with it and the rest is not
 * empty, else NULL (a pointer into s).  Pure.
 */
const char	*env001_strip(const char *s, const char *prefix);

/* The role's word in seed 001 for our stored name (role_str(),
 * lib/user.h): "USER" for a customer, else the name in upper case
 * ("ADMIN", "ORGANIZER", "STAFF").  Pure. */
const char	*env001_role(const char *name);

#endif
