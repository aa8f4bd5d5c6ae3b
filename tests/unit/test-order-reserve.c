/*
 * lib/order against a real SQLite file: capacity, the seed's check
 * order, nothing left behind on failure, release of the previous hold,
 * expiry, retaking seats, paying and issuing tickets exactly once.
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
#include "session.h"
#include "tfmt.h"

static struct db	*db;
static int64_t		 ev, ev_stopped, t_std, t_hidden, t_other;

static void
setup(const char *path)
{
	char	 err[256], doc[2048];
	cJSON	*in, *out;
	int	 applied;
	int64_t	 now = tfmt_now();
	char	 at[TFMT_ISO_LEN], stop[TFMT_ISO_LEN], past[TFMT_ISO_LEN];

	db = db_open(path, DB_OPEN_CREATE, 2000, err, sizeof(err));
	CHECK(db != NULL);
	CHECK(db_migrate(db, &applied, err, sizeof(err)) == DB_OK);
	tfmt_iso(now + 86400, at);
	tfmt_iso(now + 3600, stop);
	tfmt_iso(now - 60, past);
	snprintf(doc, sizeof(doc),
	    "{\"ticket_types\": ["
	    "{\"key\": \"std\", \"title\": \"Std\", \"price\": 199},"
	    "{\"key\": \"crew\", \"title\": \"Crew\", \"price\": 0, \"visible\": false},"
	    "{\"key\": \"other\", \"title\": \"Other\", \"price\": 50}],"
	    "\"events\": ["
	    "{\"key\": \"e\", \"title\": \"E\", \"event_at\": \"%s\","
	    " \"sales_stop_at\": \"%s\", \"total_seats\": 10,"
	    " \"max_tickets_per_payment\": 6, \"reservation_seconds\": 60,"
	    " \"ticket_types\": [\"std\", \"crew\"]},"
	    "{\"key\": \"s\", \"title\": \"S\", \"event_at\": \"%s\","
	    " \"sales_stop_at\": \"%s\", \"total_seats\": 10,"
	    " \"ticket_types\": [\"other\"]}]}", at, stop, at, past);
	in = cJSON_Parse(doc);
	CHECK(import_doc(db, in, 0, &out, err, sizeof(err)) == DB_OK);
	ev = testdb_id(cJSON_GetObjectItem(out, "events"), "e");
	ev_stopped = testdb_id(cJSON_GetObjectItem(out, "events"), "s");
	t_std = testdb_id(cJSON_GetObjectItem(out, "ticket_types"), "std");
	t_hidden = testdb_id(cJSON_GetObjectItem(out, "ticket_types"), "crew");
	t_other = testdb_id(cJSON_GetObjectItem(out, "ticket_types"), "other");
	cJSON_Delete(in);
	cJSON_Delete(out);
}

static enum err
reserve(int64_t event, int64_t type, int64_t n, const struct session *prev,
    char *token, int64_t *left)
{
	struct order_line_req	 line = { type, n };
	int			 started;

	return order_reserve(db, tfmt_now(), event, &line, 1, prev, NULL,
	    "192.0.2.1", token, left, &started);
}

int
main(void)
{
	char		 path[] = "/tmp/biljett-test-order-XXXXXX", token[65];
	char		 token2[65], err[256];
	struct session	 s;
	struct order	 o;
	int64_t		 left, expired, orders_before;
	int		 fd;

	log_init("test", LOG_LVL_ERR);
	CHECK(crypto_init() == 0);
	CHECK(tfmt_init("Europe/Stockholm") == 0);
	fd = mkstemp(path);
	close(fd);
	setup(path);

	/* The seed's order of checks. */
	CHECK(reserve(999, t_std, 1, NULL, token, &left) == ERR_EVENT_NOT_FOUND);
	CHECK(reserve(ev_stopped, t_other, 1, NULL, token, &left) ==
	    ERR_SALES_STOPPED);
	CHECK(reserve(ev, t_hidden, 1, NULL, token, &left) ==
	    ERR_TICKET_TYPE_NOT_FOUND);
	CHECK(reserve(ev, t_other, 1, NULL, token, &left) ==
	    ERR_TICKET_TYPE_NOT_FOUND);
	CHECK(reserve(ev, t_std, 7, NULL, token, &left) == ERR_TOO_MANY_TICKETS);
	CHECK(testdb_count(db, "SELECT count(*) FROM orders", 0) == 0);

	/* Capacity. */
	CHECK(reserve(ev, t_std, 6, NULL, token, &left) == ERR_OK);
	CHECK(sess_find(db, token, tfmt_now(), &s) == DB_OK && s.order_id > 0);
	orders_before = testdb_count(db, "SELECT count(*) FROM orders", 0);
	CHECK(reserve(ev, t_std, 5, NULL, token2, &left) == ERR_OUT_OF_TICKETS);
	CHECK(left == 4);
	CHECK(testdb_count(db, "SELECT count(*) FROM orders", 0) == orders_before);
	CHECK(testdb_count(db, "SELECT count(*) FROM sessions", 0) == 1);

	/* A second reservation in the session releases the first. */
	CHECK(reserve(ev, t_std, 2, &s, token2, &left) == ERR_OK);
	CHECK(strcmp(token, token2) != 0);
	CHECK(sess_find(db, token, tfmt_now(), &s) == DB_NOTFOUND);
	CHECK(testdb_count(db, "SELECT used FROM quotas", 0) == 2);
	CHECK(testdb_count(db, "SELECT count(*) FROM orders WHERE status = 'cancelled'", 0)
	    == 1);

	/* Expiry frees seats; retaking them works while there is room. */
	CHECK(sess_find(db, token2, tfmt_now(), &s) == DB_OK);
	CHECK(db_tx_immediate(db) == DB_OK);
	CHECK(order_set_expiry(db, s.order_id, tfmt_now() - 1) == DB_OK);
	CHECK(order_expire_stale(db, tfmt_now(), 0, &expired) == DB_OK);
	CHECK(expired == 1);
	CHECK(db_tx_commit(db) == DB_OK);
	CHECK(testdb_count(db, "SELECT used FROM quotas", 0) == 0);
	CHECK(db_tx_immediate(db) == DB_OK);
	CHECK(order_retake_seats(db, s.order_id) == DB_OK);
	CHECK(order_load(db, s.order_id, &o) == DB_OK);
	CHECK(o.status == ORDER_RESERVED && o.holds_seats);
	CHECK(testdb_count(db, "SELECT used FROM quotas", 0) == 2);

	/* Paying issues one ticket per seat, once. */
	CHECK(order_set_payment_started(db, o.id, "a@example.com", 1) == DB_OK);
	CHECK(order_mark_paid(db, o.id, tfmt_now(), NULL) == DB_OK);
	CHECK(db_tx_commit(db) == DB_OK);
	CHECK(testdb_count(db, "SELECT count(*) FROM tickets", 0) == 2);
	CHECK(testdb_count(db, "SELECT count(DISTINCT external_id) FROM tickets", 0) == 2);
	CHECK(testdb_count(db, "SELECT count(*) FROM outbox", 0) == 1);
	CHECK(order_load(db, o.id, &o) == DB_OK && o.status == ORDER_PAID);
	CHECK(strcmp(order_compat_status(&o, tfmt_now()), "PAID") == 0);

	/* Fill up, then a lapsed order cannot retake its seats. */
	CHECK(reserve(ev, t_std, 6, NULL, token, &left) == ERR_OK);
	CHECK(sess_find(db, token, tfmt_now(), &s) == DB_OK);
	CHECK(db_tx_immediate(db) == DB_OK);
	CHECK(order_release(db, s.order_id, ORDER_EXPIRED) == DB_OK);
	CHECK(db_tx_commit(db) == DB_OK);
	CHECK(reserve(ev, t_std, 6, NULL, token2, &left) == ERR_OK);
	CHECK(db_tx_immediate(db) == DB_OK);
	CHECK(order_retake_seats(db, s.order_id) == DB_CONSTRAINT);
	db_tx_rollback(db);
	CHECK(testdb_count(db, "SELECT used FROM quotas", 0) == 8);
	CHECK(testdb_count(db, "SELECT count(*) FROM quotas WHERE used > size", 0) == 0);

	db_close(db);
	unlink(path);
	snprintf(err, sizeof(err), "%s-wal", path);
	unlink(err);
	snprintf(err, sizeof(err), "%s-shm", path);
	unlink(err);
	return CHECK_DONE();
}
