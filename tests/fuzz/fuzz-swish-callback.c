/* Fuzzes swish_parse_payment, which reads every Swish callback body. */
#include <stddef.h>
#include <stdint.h>

#include "swish.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct swish_payment	 p;

	(void)swish_parse_payment((const char *)data, size, &p);
	return 0;
}
