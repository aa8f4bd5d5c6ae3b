/* The per-request arena: alignment, growth, big blocks, reset. */
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "arena.h"
#include "check.h"
#include "limits.h"

int
main(void)
{
	struct arena	*a = arena_alloc();
	char		*p, *big, *s;
	int		 i;

	CHECK(a != NULL);
	for (i = 0; i < 1000; i++) {
		p = arena_malloc(a, (size_t)(i % 37) + 1);
		CHECK(p != NULL);
		CHECK((uintptr_t)p % alignof(max_align_t) == 0);
		memset(p, 'x', (size_t)(i % 37) + 1);
	}
	big = arena_malloc(a, ARENA_BLOCK * 3);
	CHECK(big != NULL);
	memset(big, 0, ARENA_BLOCK * 3);
	CHECK(arena_malloc(a, SIZE_MAX) == NULL);
	CHECK(arena_calloc(a, SIZE_MAX / 2, 4) == NULL);
	s = arena_printf(a, "%s-%d", "ticket", 42);
	CHECK(s != NULL && strcmp(s, "ticket-42") == 0);
	s = arena_strndup(a, "abcdef", 3);
	CHECK(s != NULL && strcmp(s, "abc") == 0);
	arena_reset(a);
	p = arena_calloc(a, 10, 10);
	CHECK(p != NULL && p[0] == 0 && p[99] == 0);
	arena_free(a);
	arena_free(NULL);
	return CHECK_DONE();
}
