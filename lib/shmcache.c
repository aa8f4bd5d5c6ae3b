/*
 * The shared LRU cache: a header, then nslots fixed-size slots, all in
 * one anonymous shared mapping.  Lookups scan the slots (a few hundred
 * short string compares, microseconds) and keep the structure free of
 * pointers, so nothing in it depends on where the mapping sits.
 */
#include <sys/mman.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shmcache.h"

/* Largest cache shmcache_open() makes, so the size arithmetic is safe. */
#define SHMCACHE_BYTES_MAX	(256u * 1024 * 1024)
#define ALIGN			16

struct slot {
	uint64_t	 used;		/* c->clock at the last use; 0: empty */
	size_t		 len;		/* bytes of the value that follows */
	char		 key[SHMCACHE_KEY_MAX + 1];
};

/* At the start of the mapping. */
struct shmcache {
	pthread_mutex_t	 mu;
	uint64_t	 clock;		/* counts uses, for the LRU order */
	size_t		 nslots;
	size_t		 value_max;
	size_t		 stride;	/* bytes per slot, value included */
	size_t		 size;		/* bytes of the whole mapping */
};

#define ROUND_UP(n)	(((n) + ALIGN - 1) / ALIGN * ALIGN)

static struct slot *
slot_at(struct shmcache *c, size_t i)
{
	return (struct slot *)((unsigned char *)c +
	    ROUND_UP(sizeof(struct shmcache)) + i * c->stride);
}

static unsigned char *
value_of(struct slot *s)
{
	return (unsigned char *)s + ROUND_UP(sizeof(struct slot));
}

/*
 * Takes the lock.  A worker that died holding it may have left a slot
 * half written: then every entry is forgotten (they are only copies of
 * what can be fetched again).  Returns 0 or -1.
 */
static int
lock(struct shmcache *c)
{
	size_t	 i;
	int	 rc;

	if ((rc = pthread_mutex_lock(&c->mu)) == EOWNERDEAD) {
		for (i = 0; i < c->nslots; i++)
			slot_at(c, i)->used = 0;
		rc = pthread_mutex_consistent(&c->mu);
	}
	return rc == 0 ? 0 : -1;
}

struct shmcache *
shmcache_open(size_t nslots, size_t value_max)
{
	pthread_mutexattr_t	 attr;
	struct shmcache		*c;
	size_t			 stride, size;
	void			*p;
	int			 ok;

	if (nslots == 0 || value_max == 0 || value_max > SHMCACHE_BYTES_MAX)
		return NULL;
	stride = ROUND_UP(ROUND_UP(sizeof(struct slot)) + value_max);
	if (nslots > (SHMCACHE_BYTES_MAX - ROUND_UP(sizeof(*c))) / stride)
		return NULL;
	size = ROUND_UP(sizeof(*c)) + nslots * stride;

	/* Zero-filled: every slot starts empty (used == 0). */
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	c = p;
	c->nslots = nslots;
	c->value_max = value_max;
	c->stride = stride;
	c->size = size;
	ok = pthread_mutexattr_init(&attr) == 0;
	if (ok) {
		ok = pthread_mutexattr_setpshared(&attr,
		    PTHREAD_PROCESS_SHARED) == 0 &&
		    pthread_mutexattr_setrobust(&attr,
		    PTHREAD_MUTEX_ROBUST) == 0 &&
		    pthread_mutex_init(&c->mu, &attr) == 0;
		pthread_mutexattr_destroy(&attr);
	}
	if (!ok) {
		munmap(p, size);
		return NULL;
	}
	return c;
}

void
shmcache_close(struct shmcache *c)
{
	if (c != NULL)
		munmap(c, c->size);
}

void *
shmcache_get(struct shmcache *c, const char *key, size_t *len)
{
	struct slot	*s;
	void		*copy = NULL;
	size_t		 i;

	*len = 0;
	if (c == NULL || strlen(key) > SHMCACHE_KEY_MAX || lock(c) == -1)
		return NULL;
	for (i = 0; i < c->nslots; i++) {
		s = slot_at(c, i);
		if (s->used == 0 || strcmp(s->key, key) != 0)
			continue;
		if ((copy = malloc(s->len > 0 ? s->len : 1)) != NULL) {
			memcpy(copy, value_of(s), s->len);
			*len = s->len;
			s->used = ++c->clock;
		}
		break;
	}
	pthread_mutex_unlock(&c->mu);
	return copy;
}

/* key's own slot, else an empty one, else the least recently used;
 * called with the lock held. */
static struct slot *
slot_for(struct shmcache *c, const char *key)
{
	struct slot	*s, *victim = NULL;
	size_t		 i;

	for (i = 0; i < c->nslots; i++) {
		s = slot_at(c, i);
		if (s->used != 0 && strcmp(s->key, key) == 0)
			return s;
		if (victim == NULL || s->used < victim->used)
			victim = s;
	}
	victim->used = 0;		/* another key's: not ours to read */
	return victim;
}

int
shmcache_put(struct shmcache *c, const char *key, const void *value,
    size_t len)
{
	struct slot	*s;
	size_t		 klen;

	if (c == NULL || (klen = strlen(key)) > SHMCACHE_KEY_MAX ||
	    len > c->value_max || lock(c) == -1)
		return -1;
	s = slot_for(c, key);
	memcpy(s->key, key, klen + 1);
	if (len > 0)
		memcpy(value_of(s), value, len);
	s->len = len;
	s->used = ++c->clock;
	pthread_mutex_unlock(&c->mu);
	return 0;
}

int
shmcache_update(struct shmcache *c, const char *key,
    size_t (*fn)(void *value, size_t len, size_t max, void *arg), void *arg)
{
	struct slot	*s;
	size_t		 klen, len;

	if (c == NULL || (klen = strlen(key)) > SHMCACHE_KEY_MAX ||
	    lock(c) == -1)
		return -1;
	s = slot_for(c, key);
	len = fn(value_of(s), s->used != 0 ? s->len : 0, c->value_max, arg);
	memcpy(s->key, key, klen + 1);
	s->len = len < c->value_max ? len : c->value_max;
	s->used = ++c->clock;
	pthread_mutex_unlock(&c->mu);
	return 0;
}
