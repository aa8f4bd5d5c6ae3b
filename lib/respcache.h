/*
 * A worker's cache of whole responses for public listings that many ask
 * for at once (the on-sale evening): each answer is kept with the
 * version of the data it was built from and reused while that version
 * stands, for at most RESPCACHE_SECONDS (answers that say "upcoming" or
 * "ongoing" may run that much behind the clock).  The caller says what
 * the version is (lib/event.h event_catalogue_version()); the cache
 * knows nothing of the database.
 */
#ifndef BILJETT_RESPCACHE_H
#define BILJETT_RESPCACHE_H

#include <stddef.h>
#include <stdint.h>

#define RESPCACHE_SLOTS		64
#define RESPCACHE_SECONDS	5
#define RESPCACHE_BODY_MAX	(256 * 1024)

/*
 * The body cached under key for version, still fresh at now, or NULL.
 * The pointer stays valid until the next respcache_put().
 */
const char	*respcache_get(const char *key, int64_t version, int64_t now,
		    size_t *len);

/* Keeps a copy of body under key (replacing the oldest entry when
 * full).  Bodies above RESPCACHE_BODY_MAX are not kept. */
void		 respcache_put(const char *key, int64_t version, int64_t now,
		    const char *body, size_t len);

/* Frees every entry (tests, shutdown). */
void		 respcache_clear(void);

#endif
