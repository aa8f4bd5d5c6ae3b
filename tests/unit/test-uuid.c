/* UUIDs: version 4 random, version 7 ordered by time (lib/crypto). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "crypto.h"

/* 8-4-4-4-12 lower-case hex, the version and RFC 9562 variant set. */
static int
well_formed(const char *u, char version)
{
	size_t	 i;

	if (strlen(u) != UUID_LEN)
		return 0;
	for (i = 0; i < UUID_LEN; i++)
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (u[i] != '-')
				return 0;
		} else if (!isxdigit((unsigned char)u[i]) ||
		    isupper((unsigned char)u[i]))
			return 0;
	return u[14] == version && strchr("89ab", u[19]) != NULL;
}

int
main(void)
{
	struct timespec	 pause = { 0, 2 * 1000 * 1000 };
	char		 a[UUID_LEN + 1], b[UUID_LEN + 1], c[UUID_LEN + 1];
	time_t		 now = time(NULL);
	unsigned long long ms;
	int		 i;

	CHECK(crypto_init() == 0);
	crypto_uuid4(a);
	crypto_uuid4(b);
	CHECK(well_formed(a, '4') && well_formed(b, '4'));
	CHECK(strcmp(a, b) != 0);

	/* The first 48 bits are the time in milliseconds. */
	crypto_uuid7(a);
	CHECK(well_formed(a, '7'));
	memcpy(c, a, 8);
	memcpy(c + 8, a + 9, 4);
	c[12] = '\0';
	ms = strtoull(c, NULL, 16);
	CHECK(ms / 1000 >= (unsigned long long)now - 1 &&
	    ms / 1000 <= (unsigned long long)now + 1);
	/* Later ones sort after earlier ones, as text too; the random
	 * rest keeps two of the same millisecond apart. */
	for (i = 0; i < 3; i++) {
		nanosleep(&pause, NULL);
		crypto_uuid7(b);
		CHECK(well_formed(b, '7'));
		CHECK(strcmp(a, b) < 0);
		memcpy(a, b, sizeof(a));
	}
	crypto_uuid7(b);
	crypto_uuid7(c);
	CHECK(strcmp(b, c) != 0 && memcmp(b + 19, c + 19, 17) != 0);
	return CHECK_DONE();
}
