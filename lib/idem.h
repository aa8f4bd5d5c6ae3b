/*
 * Idempotency-Key for POSTs (seed 004's orders and payments): the first
 * successful answer to a key is kept for IDEMPOTENCY_SECONDS and given
 * again, byte for byte, to a retry with the same key and the same
 * request; the same key with another request is refused (422), and
 * while the first request still runs a second one waits its turn (409).
 * A request that ends in an error keeps nothing, so it may be retried.
 * Keys belong to a scope (the signed-in user), so one user's keys never
 * meet another's.
 */
#ifndef BILJETT_IDEM_H
#define BILJETT_IDEM_H

#include <stdint.h>

#include "err.h"
#include "limits.h"

struct req;

/* What idem_begin() decided. */
enum idem_state {
	IDEM_NONE = 0,		/* no Idempotency-Key: just run */
	IDEM_RUN,		/* first use: run, then idem_finish() */
	IDEM_REPLAYED,		/* the stored answer is in req's response */
};

struct idem {
	enum idem_state	 state;
	char		 scope[32];
	char		 key[IDEMPOTENCY_KEY_MAX + 1];
};

/*
 * Looks up the request's Idempotency-Key header for scope_id (a user
 * id): fills *out, and on IDEM_REPLAYED the response.  Returns ERR_OK,
 * ERR_BAD_REQUEST (an empty or over-long key), ERR_IDEMPOTENCY_REUSED,
 * ERR_IDEMPOTENCY_BUSY, or a storage outcome.
 */
enum err	idem_begin(struct req *req, int64_t scope_id, struct idem *out);

/*
 * After the handler (when idem_begin() said IDEM_RUN): keeps the
 * response if handler_err is ERR_OK and it is a 2xx, otherwise frees
 * the key for a retry.
 */
void		idem_finish(struct req *req, const struct idem *id,
		    enum err handler_err);

/*
 * Runs h for the signed-in user's request under its Idempotency-Key:
 * idem_begin(), then h unless the answer was replayed, then
 * idem_finish().  Returns what h (or idem_begin()) returned.
 */
enum err	idem_run(struct req *req, enum err (*h)(struct req *));

/* Deletes keys older than `before`; *deleted says how many. */
enum db_rc	idem_prune(struct db *db, int64_t before, int64_t *deleted);

#endif
