/* Fuzzes parse_multipart: the first line is the boundary, the rest the body. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "arena.h"
#include "parse.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct arena	*a;
	struct kvlist		 l;
	const uint8_t		*nl;
	char			*boundary;

	if (a == NULL && (a = arena_alloc()) == NULL)
		return 0;
	if ((nl = memchr(data, '\n', size)) == NULL)
		return 0;
	boundary = arena_strndup(a, (const char *)data, (size_t)(nl - data));
	if (boundary != NULL)
		(void)parse_multipart(a, boundary, (const char *)nl + 1,
		    size - (size_t)(nl - data) - 1, &l);
	arena_reset(a);
	return 0;
}
