/* Fuzzes ticketsig_verify, which reads every signed QR code a door sends. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ticketsig.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Any key id names the same (all-zero) public key. */
static int
key_of(void *arg, uint32_t key_id, unsigned char pk[TICKETSIG_PK_LEN])
{
	(void)arg;
	memset(pk, 0, TICKETSIG_PK_LEN);
	return key_id % 3 == 0 ? 0 : 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ticketsig	 f;

	(void)ticketsig_verify((const char *)data, size, key_of, NULL, 17,
	    1893456000, &f);
	return 0;
}
