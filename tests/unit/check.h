/*
 * A tiny assertion helper for the unit tests: each test is a program
 * whose main() returns 0 when every CHECK held.
 */
#ifndef BILJETT_TEST_CHECK_H
#define BILJETT_TEST_CHECK_H

#include <stdio.h>

static int	check_failures;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: CHECK failed: %s\n",		\
		    __FILE__, __LINE__, #cond);				\
		check_failures++;					\
	}								\
} while (0)

#define CHECK_DONE()	(check_failures == 0 ? 0 : 1)

#endif
