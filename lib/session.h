/*
 * Sessions: a random 256-bit token in the `sessionid` cookie (or a bearer
 * header later), of which only the hash is stored.  A guest session holds
 * the buyer's current reservation (seed 002's "reserved_payment").
 * Callers run these inside their own transaction.
 */
#ifndef BILJETT_SESSION_H
#define BILJETT_SESSION_H

#include <stdint.h>

#include "crypto.h"
#include "db.h"

#define SESSION_COOKIE	"sessionid"
#define SCANNER_COOKIE	"scannerid"	/* a door's SESS_SCANNER session */

enum sess_kind {
	SESS_BROWSER = 0,
	SESS_API,
	SESS_SCANNER,
	SESS__MAX
};

struct session {
	int64_t		 id;
	enum sess_kind	 kind;
	int64_t		 order_id;	/* 0: none */
	int64_t		 user_id;	/* 0: guest */
	int64_t		 scanner_id;	/* SESS_SCANNER: who signed in */
	int64_t		 expires_at;
};

/*
 * Looks up a live (unrevoked, unexpired) session by its cookie token.
 * Returns DB_OK, DB_NOTFOUND (also for malformed tokens), or an error.
 */
enum db_rc	sess_find(struct db *db, const char *token, int64_t now,
		    struct session *out);

/*
 * Creates a session for order_id (0: none) belonging to user_id (0: a
 * guest) expiring after ttl seconds; writes the new token (to send as
 * the cookie, never stored) into token.
 */
enum db_rc	sess_create(struct db *db, enum sess_kind kind,
		    int64_t order_id, int64_t user_id, int64_t now,
		    int64_t ttl, char token[TOKEN_HEX_LEN + 1]);

/* Creates a door scanner's session (see sess_create). */
enum db_rc	sess_create_scanner(struct db *db, int64_t scanner_id,
		    int64_t now, int64_t ttl, char token[TOKEN_HEX_LEN + 1]);

/* Revokes a session (it stops being found).  Missing ids are fine. */
enum db_rc	sess_revoke(struct db *db, int64_t id, int64_t now);

/*
 * Deletes up to max sessions that expired before `before` (a revoked one
 * goes once its expiry passes too), with the carts of guests among them
 * (db_prune()).  Every reservation makes a guest session, so without
 * this the table grows by one row per buyer for good.
 */
enum db_rc	sess_prune(struct db *db, int64_t before, size_t max,
		    int64_t *deleted);

/*
 * A new session token (never stored) and the key it is stored under.
 * The token begins with the time it was made (crypto_token_ordered), and
 * so does its key: the key's first SESS_KEY_TIME_HEX characters are the
 * token's, the rest its BLAKE2b hash.  New sessions' keys therefore land
 * at the end of the sessions index, on a page a commit writes anyway,
 * instead of each dirtying a random page of its own (docs/storage.md);
 * the key still tells nothing the token's owner does not know.
 */
#define SESS_KEY_TIME_HEX	12
void		sess_token_new(char token[TOKEN_HEX_LEN + 1],
		    char key[TOKEN_HASH_HEX_LEN + 1]);
/* The key token is stored under (token: sess_token_valid()). */
void		sess_key(const char *token, char key[TOKEN_HASH_HEX_LEN + 1]);

/* Is token shaped like one of ours (64 lower-case hex)?  Pure. */
int		sess_token_valid(const char *token);

#endif
