/*
 * Seed 004's pagination: ?page= (1-based) and ?page_size= (default
 * PER_PAGE_DEFAULT, at most PER_PAGE_MAX), answered as
 *
 *	{"count": 50, "next": "https://host/api/events/?page=3",
 *	 "previous": "https://host/api/events/?page=1", "results": [...]}
 *
 * with next/previous absolute (public_url, else the request's own scheme
 * and Host) and every other query parameter kept.
 */
#ifndef BILJETT_PAGER_H
#define BILJETT_PAGER_H

#include <stdint.h>

#include "field.h"
#include "limits.h"

struct cJSON;
struct req;

/* The two query fields, for a route's field table. */
#define PAGER_FIELD_PAGE { "page", FIELD_INT, FIELD_QUERY, 1, PAGE_MAX, \
	NULL, 0 }
#define PAGER_FIELD_SIZE { "page_size", FIELD_INT, FIELD_QUERY, 1, \
	PER_PAGE_MAX, NULL, 0 }

struct pager {
	int64_t	 page;		/* 1-based */
	int64_t	 size;
	int64_t	 offset;	/* (page - 1) * size */
};

/* Reads the validated page and page_size fields (either may be absent). */
void		 pager_read(struct pager *pg, const struct field_val *page,
		    const struct field_val *size);

/*
 * The envelope around results (ownership passes to it) for a listing of
 * count items in all.  NULL on memory exhaustion (results freed).
 */
struct cJSON	*pager_envelope(struct req *req, const struct pager *pg,
		    int64_t count, struct cJSON *results);

#endif
