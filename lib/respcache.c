/*
 * A worker's cache of public responses (respcache.h).  A few dozen
 * slots searched linearly: the keys are the handful of listing URLs a
 * crowd asks for, and a compare is cheaper than the query it saves.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "respcache.h"

struct slot {
	char	*key;
	char	*body;
	size_t	 len;
	int64_t	 version;
	int64_t	 made;
};

static struct slot	slots[RESPCACHE_SLOTS];

const char *
respcache_get(const char *key, int64_t version, int64_t now, size_t *len)
{
	size_t	 i;

	for (i = 0; i < RESPCACHE_SLOTS; i++) {
		if (slots[i].key == NULL || strcmp(slots[i].key, key) != 0)
			continue;
		if (slots[i].version != version ||
		    now - slots[i].made >= RESPCACHE_SECONDS || now <
		    slots[i].made)
			return NULL;
		*len = slots[i].len;
		return slots[i].body;
	}
	return NULL;
}

static void
slot_free(struct slot *s)
{
	free(s->key);
	free(s->body);
	memset(s, 0, sizeof(*s));
}

void
respcache_put(const char *key, int64_t version, int64_t now,
    const char *body, size_t len)
{
	struct slot	*s = NULL;
	size_t		 i;

	if (len > RESPCACHE_BODY_MAX)
		return;
	/* The same key's slot, else a free one, else the oldest. */
	for (i = 0; i < RESPCACHE_SLOTS && s == NULL; i++)
		if (slots[i].key != NULL && strcmp(slots[i].key, key) == 0)
			s = &slots[i];
	for (i = 0; i < RESPCACHE_SLOTS && s == NULL; i++)
		if (slots[i].key == NULL)
			s = &slots[i];
	if (s == NULL) {
		s = &slots[0];
		for (i = 1; i < RESPCACHE_SLOTS; i++)
			if (slots[i].made < s->made)
				s = &slots[i];
	}
	slot_free(s);
	if ((s->key = strdup(key)) == NULL ||
	    (s->body = malloc(len + 1)) == NULL) {
		slot_free(s);
		return;
	}
	memcpy(s->body, body, len);
	s->body[len] = '\0';
	s->len = len;
	s->version = version;
	s->made = now;
}

void
respcache_clear(void)
{
	size_t	 i;

	for (i = 0; i < RESPCACHE_SLOTS; i++)
		slot_free(&slots[i]);
}
