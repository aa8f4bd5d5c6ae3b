/*
 * lib/queue against a real SQLite file, with the clock in our hands:
 * early places are a random permutation drawn at the start, later ones
 * follow in arrival order, admissions follow the rate (also after a
 * quiet spell), joining is idempotent, a lapsed turn goes to the back,
 * and the pass is refused forged, expired, for another event or
 * mangled; order_reserve() wants one for a queue event.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "testdb.h"
#include "crypto.h"
#include "db.h"
#include "import.h"
#include "log.h"
#include "order.h"
#include "queue.h"
#include "seal.h"
#include "tfmt.h"

#define EARLY	40	/* places taken before the start */
#define LATE	5	/* and after it */

static struct db	*db;
static int64_t		 ev_q, ev_plain, ev_later, t_std, t0;

/*
 * Three events: "q" with a queue admitting 60 a minute (one a second)
 * from t0, "plain" on sale now without one, "later" without a queue
 * whose sales start at t0.
 */
static void
setup(const char *path)
{
	char	 err[256], doc[4096];
	char	 at[TFMT_ISO_LEN], stop[TFMT_ISO_LEN], start[TFMT_ISO_LEN];
	cJSON	*in, *out;
	int	 applied;

	db = db_open(path, DB_OPEN_CREATE, 2000, err, sizeof(err));
	CHECK(db != NULL);
	CHECK(db_migrate(db, &applied, err, sizeof(err)) == DB_OK);
	t0 = tfmt_now() + 86400;
	tfmt_iso(t0 + 30 * 86400, at);
	tfmt_iso(t0 + 20 * 86400, stop);
	tfmt_iso(t0, start);
	snprintf(doc, sizeof(doc),
	    "{\"ticket_types\": [{\"key\": \"std\", \"title\": \"Std\","
	    " \"price\": 199}],"
	    "\"events\": ["
	    "{\"key\": \"q\", \"title\": \"Q\", \"event_at\": \"%s\","
	    " \"sales_stop_at\": \"%s\", \"sales_start_at\": \"%s\","
	    " \"queue\": true, \"queue_rate\": 60, \"total_seats\": 100,"
	    " \"ticket_types\": [\"std\"]},"
	    "{\"key\": \"plain\", \"title\": \"P\", \"event_at\": \"%s\","
	    " \"sales_stop_at\": \"%s\", \"total_seats\": 100,"
	    " \"ticket_types\": [\"std\"]},"
	    "{\"key\": \"later\", \"title\": \"L\", \"event_at\": \"%s\","
	    " \"sales_stop_at\": \"%s\", \"sales_start_at\": \"%s\","
	    " \"total_seats\": 100, \"ticket_types\": [\"std\"]}]}",
	    at, stop, start, at, stop, at, stop, start);
	in = cJSON_Parse(doc);
	CHECK(import_doc(db, in, 0, &out, err, sizeof(err)) == DB_OK);
	if (out == NULL) {
		fprintf(stderr, "import: %s\n", err);
		exit(1);
	}
	ev_q = testdb_id(cJSON_GetObjectItem(out, "events"), "q");
	ev_plain = testdb_id(cJSON_GetObjectItem(out, "events"), "plain");
	ev_later = testdb_id(cJSON_GetObjectItem(out, "events"), "later");
	t_std = testdb_id(cJSON_GetObjectItem(out, "ticket_types"), "std");
	cJSON_Delete(in);
	cJSON_Delete(out);
}

static enum err
reserve_at(int64_t now, int64_t event, const char *pass)
{
	struct order_line_req	 line = { t_std, 1 };
	char			 token[TOKEN_HEX_LEN + 1];
	int64_t			 left;
	int			 started;

	return order_reserve(db, now, event, &line, 1, NULL, pass, "192.0.2.1",
	    token, &left, &started);
}

static int64_t
slot_of(int64_t place_id)
{
	struct db_stmt	*st;
	int64_t		 slot = -1;

	st = db_stmt(db, "SELECT coalesce(slot, 0) FROM queue WHERE id = ?1");
	if (st != NULL && db_bind_int(st, 1, place_id) == 0 &&
	    db_step(db, st) == DB_OK)
		slot = db_col_int(st, 0);
	db_reset(st);
	return slot;
}

int
main(void)
{
	char			 path[] = "/tmp/biljett-test-queue-XXXXXX";
	char			 visitors[EARLY + LATE][TOKEN_HEX_LEN + 1];
	char			 fresh[TOKEN_HEX_LEN + 1], pass[QUEUE_PASS_MAX + 1];
	char			 bad[QUEUE_PASS_MAX + 8];
	struct queue_place	 p, q;
	struct db_stmt		*st;
	int64_t			 ids[EARLY + LATE], slot, now;
	int			 seen[EARLY + LATE + 1], i, k, sorted, admitted;
	int			 fd;

	log_init("test", LOG_LVL_ERR);
	CHECK(crypto_init() == 0);
	CHECK(tfmt_init("Europe/Stockholm") == 0);
	CHECK(seal_init("000102030405060708090a0b0c0d0e0f"
	    "101112131415161718191a1b1c1d1e1f") == 0);
	fd = mkstemp(path);
	close(fd);
	setup(path);

	/* Only events with a queue have one; unknown events have none. */
	CHECK(queue_join(db, t0, ev_plain, NULL, fresh, &p) == ERR_NOT_FOUND);
	CHECK(queue_status(db, t0, 9999, NULL, &p) == ERR_EVENT_NOT_FOUND);
	CHECK(queue_status(db, t0 - 10, ev_q, NULL, &p) == ERR_OK &&
	    p.state == QUEUE_OUT);

	/* Early places: each new visitor gets a token and a place. */
	for (i = 0; i < EARLY; i++) {
		CHECK(queue_join(db, t0 - 1000 + i, ev_q, NULL, fresh, &p) ==
		    ERR_OK);
		CHECK(strlen(fresh) == TOKEN_HEX_LEN);
		CHECK(p.state == QUEUE_WAITING && !p.drawn);
		memcpy(visitors[i], fresh, sizeof(fresh));
		ids[i] = p.place_id;
	}
	/* Joining again is the same place, and no new token. */
	CHECK(queue_join(db, t0 - 100, ev_q, visitors[3], fresh, &p) ==
	    ERR_OK);
	CHECK(p.place_id == ids[3] && fresh[0] == '\0');

	/* Before the start: provisional places, a permutation of 1..EARLY. */
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < EARLY; i++) {
		CHECK(queue_status(db, t0 - 1, ev_q, visitors[i], &p) ==
		    ERR_OK);
		CHECK(p.state == QUEUE_WAITING && p.position >= 1 &&
		    p.position <= EARLY);
		CHECK(p.wait_seconds >= 1 + p.position);
		if (p.position >= 1 && p.position <= EARLY)
			seen[p.position]++;
	}
	for (k = 1; k <= EARLY; k++)
		CHECK(seen[k] == 1);
	/* Nothing drawn or admitted before the start, no pass. */
	CHECK(slot_of(ids[0]) == 0);
	CHECK(reserve_at(t0 - 1, ev_q, NULL) == ERR_QUEUE_REQUIRED);

	/* Late places, one a second after the start: the draw happens. */
	for (i = EARLY; i < EARLY + LATE; i++) {
		CHECK(queue_join(db, t0 + (i - EARLY), ev_q, NULL, fresh,
		    &p) == ERR_OK);
		CHECK(p.drawn);
		memcpy(visitors[i], fresh, sizeof(fresh));
		ids[i] = p.place_id;
	}
	/* Early slots are a permutation of 1..EARLY, not arrival order. */
	memset(seen, 0, sizeof(seen));
	sorted = 1;
	for (i = 0; i < EARLY; i++) {
		slot = slot_of(ids[i]);
		CHECK(slot >= 1 && slot <= EARLY);
		if (slot >= 1 && slot <= EARLY)
			seen[slot]++;
		if (i > 0 && slot < slot_of(ids[i - 1]))
			sorted = 0;
	}
	for (k = 1; k <= EARLY; k++)
		CHECK(seen[k] == 1);
	CHECK(!sorted);		/* 1 in 40! */
	/* Late ones after every early one, in arrival order. */
	for (i = EARLY; i < EARLY + LATE; i++)
		CHECK(slot_of(ids[i]) == i + 1);

	/* Admissions: by t0 + k exactly the slots 1..k are let in. */
	for (k = 0; k <= EARLY + LATE; k += 7) {
		admitted = 0;
		for (i = 0; i < EARLY + LATE; i++) {
			CHECK(queue_status(db, t0 + k, ev_q, visitors[i], &p) ==
			    ERR_OK);
			slot = slot_of(ids[i]);
			if (p.state == QUEUE_ADMITTED) {
				admitted++;
				CHECK(slot <= k);
				CHECK(p.pass_expires_at > t0 + k);
			} else {
				CHECK(p.state == QUEUE_WAITING);
				CHECK(slot > k && p.position == slot - k);
				CHECK(p.wait_seconds == slot - k);
			}
		}
		CHECK(admitted == k);
	}

	/* The pass of the first in line. */
	for (i = 0; i < EARLY && slot_of(ids[i]) != 1; i++)
		continue;
	CHECK(queue_status(db, t0 + 1, ev_q, visitors[i], &p) == ERR_OK);
	CHECK(p.state == QUEUE_ADMITTED);
	snprintf(pass, sizeof(pass), "%s", p.pass);
	CHECK(queue_pass_valid(pass, ev_q, t0 + 1));
	CHECK(queue_pass_valid(pass, ev_q, p.pass_expires_at - 1));
	CHECK(!queue_pass_valid(pass, ev_q, p.pass_expires_at));
	CHECK(!queue_pass_valid(pass, ev_plain, t0 + 1));
	CHECK(!queue_pass_valid(NULL, ev_q, t0 + 1));
	CHECK(!queue_pass_valid("", ev_q, t0 + 1));
	/* A flipped signature digit, a longer expiry, leading zeros. */
	snprintf(bad, sizeof(bad), "%s", pass);
	bad[strlen(bad) - 1] = bad[strlen(bad) - 1] == '0' ? '1' : '0';
	CHECK(!queue_pass_valid(bad, ev_q, t0 + 1));
	snprintf(bad, sizeof(bad), "%lld.%lld.%lld%s", (long long)ev_q,
	    (long long)p.place_id, (long long)p.pass_expires_at + 86400,
	    strrchr(pass, '.'));
	CHECK(!queue_pass_valid(bad, ev_q, t0 + 1));
	snprintf(bad, sizeof(bad), "0%s", pass);
	CHECK(!queue_pass_valid(bad, ev_q, t0 + 1));
	snprintf(bad, sizeof(bad), "%s.", pass);
	CHECK(!queue_pass_valid(bad, ev_q, t0 + 1));
	bad[0] = '\0';
	strncat(bad, pass, strlen(pass) - 1);
	CHECK(!queue_pass_valid(bad, ev_q, t0 + 1));
	/* Signed with another key. */
	CHECK(seal_init("ff0102030405060708090a0b0c0d0e0f"
	    "101112131415161718191a1b1c1d1e1f") == 0);
	CHECK(!queue_pass_valid(pass, ev_q, t0 + 1));
	CHECK(seal_init("000102030405060708090a0b0c0d0e0f"
	    "101112131415161718191a1b1c1d1e1f") == 0);

	/* Reserving: a queue event wants the pass, other events do not. */
	CHECK(reserve_at(t0 + 1, ev_q, NULL) == ERR_QUEUE_REQUIRED);
	CHECK(reserve_at(t0 + 1, ev_q, bad) == ERR_QUEUE_REQUIRED);
	CHECK(reserve_at(p.pass_expires_at, ev_q, pass) == ERR_QUEUE_REQUIRED);
	CHECK(reserve_at(t0 + 1, ev_q, pass) == ERR_OK);
	CHECK(reserve_at(t0 + 1, ev_plain, NULL) == ERR_OK);
	CHECK(reserve_at(t0 - 1, ev_later, NULL) == ERR_SALES_NOT_STARTED);
	CHECK(reserve_at(t0, ev_later, NULL) == ERR_OK);

	/* The turn lapses; joining again goes to the back. */
	now = p.pass_expires_at;
	CHECK(queue_status(db, now, ev_q, visitors[i], &q) == ERR_OK);
	CHECK(q.state == QUEUE_LAPSED && q.pass[0] == '\0');
	CHECK(queue_join(db, now, ev_q, visitors[i], fresh, &q) == ERR_OK);
	CHECK(q.place_id == p.place_id && fresh[0] == '\0');
	/* Long after the start the rate has let everyone in: next slot. */
	CHECK(slot_of(q.place_id) == now - t0);
	CHECK(q.state == QUEUE_ADMITTED);

	/*
	 * After a quiet spell a crowd is still let in at the rate: the
	 * first gets in at once, the next a second later, and so on.
	 */
	now = t0 + 5000;
	for (k = 0; k < 3; k++) {
		CHECK(queue_join(db, now, ev_q, NULL, fresh, &q) == ERR_OK);
		CHECK(k == 0 ? q.state == QUEUE_ADMITTED :
		    (q.state == QUEUE_WAITING && q.position == k &&
		    q.wait_seconds == k));
	}
	CHECK(queue_status(db, now + 2, ev_q, fresh, &q) == ERR_OK &&
	    q.state == QUEUE_ADMITTED);

	/*
	 * At 6000 a minute, one second's worth: after a quiet spell the
	 * first hundred are in at once, the next waits for the next second.
	 */
	st = db_stmt(db, "UPDATE events SET queue_rate = 6000 WHERE id = ?1");
	CHECK(st != NULL && db_bind_int(st, 1, ev_q) == 0 &&
	    db_exec(db, st) == DB_OK);
	now = t0 + 6000;
	for (k = 0; k < 101; k++) {
		CHECK(queue_join(db, now, ev_q, NULL, fresh, &q) == ERR_OK);
		CHECK(k < 100 ? q.state == QUEUE_ADMITTED :
		    (q.state == QUEUE_WAITING && q.position == 1 &&
		    q.wait_seconds == 1));
	}

	/* Once sales have stopped the line is closed. */
	CHECK(queue_status(db, t0 + 21 * 86400, ev_q, fresh, &q) ==
	    ERR_SALES_STOPPED);

	db_close(db);
	unlink(path);
	return CHECK_DONE();
}
