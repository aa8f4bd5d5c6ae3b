/*
 * The enum-indexed tables have a row for every value: a gap in a
 * designated-initialiser table compiles silently, so look.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "conf.h"
#include "err.h"

int
main(void)
{
	const struct err_def	*d;
	int			 i;

	for (i = 0; i < ERR__MAX; i++) {
		d = err_def((enum err)i);
		CHECK(d->code != NULL && d->message != NULL);
		CHECK(d->status >= 200 && d->status <= 599);
		CHECK(d->compat_status == 0 || (d->compat_status >= 200 &&
		    d->compat_status <= 599));
		if (d->code == NULL)
			fprintf(stderr, "enum err %d has no row\n", i);
	}
	/* Out of range is the internal error, never a wild read. */
	CHECK(err_def(ERR__MAX) == err_def(ERR_INTERNAL));
	CHECK(err_def((enum err)-1) == err_def(ERR_INTERNAL));

	CHECK(err_from_db(DB_OK) == ERR_OK);
	CHECK(err_from_db(DB_BUSY) == ERR_BUSY);
	CHECK(err_from_db(DB_ERROR) == ERR_INTERNAL);
	CHECK(err_from_db(DB_CONSTRAINT) == ERR_INTERNAL);

	for (i = 0; i < CONF__MAX; i++) {
		CHECK(conf_name((enum conf_key)i) != NULL);
		if (conf_name((enum conf_key)i) == NULL)
			fprintf(stderr, "enum conf_key %d has no row\n", i);
	}
	return CHECK_DONE();
}
