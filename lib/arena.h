/*
 * Per-request memory.  Everything allocated while serving one request
 * comes from its arena and is released by one arena_reset() at the end of
 * the loop iteration, so handlers never free request data themselves.
 * Long-lived objects (configuration, the database handle) use malloc.
 */
#ifndef BILJETT_ARENA_H
#define BILJETT_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct arena;

/* Returns a new arena or NULL on OOM.  Free with arena_free(). */
struct arena	*arena_alloc(void);
/* Frees the arena and everything allocated from it.  NULL-safe. */
void		 arena_free(struct arena *a);
/* Releases every allocation but keeps the first block for reuse. */
void		 arena_reset(struct arena *a);

/*
 * Allocation functions return NULL on OOM or size overflow.  The memory
 * lives until the next arena_reset() or arena_free(); never free() it.
 */
void		*arena_malloc(struct arena *a, size_t sz);
void		*arena_calloc(struct arena *a, size_t n, size_t sz);
char		*arena_strdup(struct arena *a, const char *s);
char		*arena_strndup(struct arena *a, const char *s, size_t len);
char		*arena_printf(struct arena *a, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
char		*arena_vprintf(struct arena *a, const char *fmt, va_list ap)
		    __attribute__((format(printf, 2, 0)));

#endif
