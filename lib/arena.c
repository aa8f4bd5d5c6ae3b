/*
 * A bump allocator over a chain of blocks.  Large requests get a block of
 * their own.  Alignment is that of max_align_t.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "limits.h"

struct block {
	struct block	*next;
	size_t		 size;	/* usable bytes in data[] */
	size_t		 used;
	max_align_t	 data[];
};

struct arena {
	struct block	*head;	/* current block; the chain ends with the first */
	struct block	*first;	/* kept across arena_reset() */
};

#define ALIGN		(sizeof(max_align_t))
#define ROUND_UP(n)	(((n) + ALIGN - 1) & ~(ALIGN - 1))

static struct block *
block_new(size_t size)
{
	struct block	*b;

	if (size > SIZE_MAX - sizeof(*b))
		return NULL;
	if ((b = malloc(sizeof(*b) + size)) == NULL)
		return NULL;
	b->next = NULL;
	b->size = size;
	b->used = 0;
	return b;
}

struct arena *
arena_alloc(void)
{
	struct arena	*a;

	if ((a = malloc(sizeof(*a))) == NULL)
		return NULL;
	if ((a->first = block_new(ARENA_BLOCK)) == NULL) {
		free(a);
		return NULL;
	}
	a->head = a->first;
	return a;
}

void
arena_reset(struct arena *a)
{
	struct block	*b, *next;

	for (b = a->head; b != a->first; b = next) {
		next = b->next;
		free(b);
	}
	a->first->used = 0;
	a->head = a->first;
}

void
arena_free(struct arena *a)
{
	if (a == NULL)
		return;
	arena_reset(a);
	free(a->first);
	free(a);
}

void *
arena_malloc(struct arena *a, size_t sz)
{
	struct block	*b;
	size_t		 need;

	if (sz == 0)
		sz = 1;
	if (sz > SIZE_MAX / 2)
		return NULL;
	need = ROUND_UP(sz);
	if (a->head->size - a->head->used < need) {
		/* A new block, at least as large as the request. */
		if ((b = block_new(need > ARENA_BLOCK ? need : ARENA_BLOCK))
		    == NULL)
			return NULL;
		b->next = a->head;
		a->head = b;
	}
	b = a->head;
	b->used += need;
	return (char *)b->data + (b->used - need);
}

void *
arena_calloc(struct arena *a, size_t n, size_t sz)
{
	void	*p;

	if (sz != 0 && n > SIZE_MAX / sz)
		return NULL;
	if ((p = arena_malloc(a, n * sz)) != NULL)
		memset(p, 0, n * sz);
	return p;
}

char *
arena_strndup(struct arena *a, const char *s, size_t len)
{
	char	*p;

	if (len == SIZE_MAX || (p = arena_malloc(a, len + 1)) == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *
arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
	va_list	 copy;
	char	*p;
	int	 len;

	va_copy(copy, ap);
	len = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (len < 0 || (p = arena_malloc(a, (size_t)len + 1)) == NULL)
		return NULL;
	(void)vsnprintf(p, (size_t)len + 1, fmt, ap);
	return p;
}

char *
arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list	 ap;
	char	*p;

	va_start(ap, fmt);
	p = arena_vprintf(a, fmt, ap);
	va_end(ap);
	return p;
}
