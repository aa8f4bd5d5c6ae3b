/* Fuzzes parse_cookies and parse_content_type on one header value. */
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
	const char		*mime, *param;
	char			*s;

	if (a == NULL && (a = arena_alloc()) == NULL)
		return 0;
	if ((s = arena_strndup(a, (const char *)data, size)) != NULL) {
		(void)parse_cookies(a, s, &l);
		(void)parse_content_type(a, s, "boundary", &mime, &param);
	}
	arena_reset(a);
	return 0;
}
