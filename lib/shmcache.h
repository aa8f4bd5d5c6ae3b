/*
 * A small least-recently-used cache of byte strings under short string
 * keys, shared by a program's workers: shmcache_open() makes it in one
 * anonymous shared mapping before the supervisor forks them, so a value
 * one worker stored is there for all.  Its size is fixed at open (slots
 * of at most value_max bytes), so it never grows; a full cache forgets
 * its least recently used entry.  One process-shared robust mutex guards
 * it, held only to copy a value in or out: a worker that dies holding it
 * leaves a cache that the next one empties and carries on with.
 */
#ifndef BILJETT_SHMCACHE_H
#define BILJETT_SHMCACHE_H

#include <stddef.h>

#define SHMCACHE_KEY_MAX	128	/* bytes of a key, without the NUL */

struct shmcache;

/*
 * Makes an empty cache of nslots values of at most value_max bytes each.
 * Returns NULL on bad sizes or when the memory cannot be had.  Close
 * with shmcache_close() (NULL-safe), in every process that has it.
 */
struct shmcache	*shmcache_open(size_t nslots, size_t value_max);
void		 shmcache_close(struct shmcache *c);

/*
 * Returns a copy of the value stored under key (malloc'd: free with
 * free()) and its length in *len, or NULL when there is none (or the
 * copy cannot be made).  A hit makes the entry the most recently used.
 */
void		*shmcache_get(struct shmcache *c, const char *key,
		    size_t *len);

/*
 * Stores a copy of value under key, replacing what key had, else in a
 * free slot, else in the least recently used one.  Returns 0, or -1 when
 * key or value is too long (nothing stored) or the lock failed.
 */
int		 shmcache_put(struct shmcache *c, const char *key,
		    const void *value, size_t len);

/*
 * Changes the value under key in place, under the cache's lock, so that
 * processes updating the same key at once never lose one another's
 * change (a counter: get and put would).  fn gets the value's bytes
 * (room for max), its length (0 when key has none: a new entry, in a
 * free slot or the least recently used one) and arg, and returns the
 * new length.  Returns 0, or -1 when key is too long or the lock
 * failed (fn not called).
 */
int		 shmcache_update(struct shmcache *c, const char *key,
		    size_t (*fn)(void *value, size_t len, size_t max,
		    void *arg), void *arg);

#endif
