/* Fuzzes parse_urlencoded (query strings and form bodies). */
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "parse.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct arena	*a;
	struct kvlist		 l;
	size_t			 i;

	if (a == NULL && (a = arena_alloc()) == NULL)
		return 0;
	if (parse_urlencoded(a, (const char *)data, size, &l) == PARSE_OK)
		for (i = 0; i < l.n; i++)
			(void)kv_get(&l, l.v[i].key);
	arena_reset(a);
	return 0;
}
