/*
 * Who is changing the catalogue (lib/event, lib/variant, lib/category):
 * an account, and whether it is an admin, who may act on anyone's.
 */
#ifndef BILJETT_ACTOR_H
#define BILJETT_ACTOR_H

#include <stdint.h>

struct actor {
	int64_t	 user_id;	/* 0: nobody signed in */
	int	 is_admin;
};

#endif
