/*
 * lib/order's hold caps against a real SQLite file, with the client
 * addresses the API tests cannot vary (every test client is 127.0.0.1):
 * one address capped leaves another alone, a /64 is one client, the
 * session's released hold does not count, a lapsed hold taken again
 * counts, the e-mail cap folds spellings and counts bought places, and
 * the import refuses caps below one order.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "buyer.h"
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
static int64_t		 ev, ev_other, t_std;
static char		 at[TFMT_ISO_LEN], stop[TFMT_ISO_LEN];

/* Imports the document fmt makes (the dates: at, stop). */
static enum db_rc __attribute__((format(printf, 4, 5)))
import(cJSON **out, char *err, size_t errsz, const char *fmt, ...)
{
	char		 doc[4096];
	cJSON		*in;
	enum db_rc	 rc;
	va_list		 ap;

	va_start(ap, fmt);
	CHECK((size_t)vsnprintf(doc, sizeof(doc), fmt, ap) < sizeof(doc));
	va_end(ap);
	in = cJSON_Parse(doc);
	CHECK(in != NULL);
	rc = import_doc(db, in, 0, out, err, errsz);
	cJSON_Delete(in);
	return rc;
}

static void
setup(const char *path)
{
	char	 err[256];
	cJSON	*out = NULL;
	int	 applied;

	db = db_open(path, DB_OPEN_CREATE, 2000, err, sizeof(err));
	CHECK(db != NULL);
	CHECK(db_migrate(db, &applied, err, sizeof(err)) == DB_OK);
	tfmt_iso(tfmt_now() + 86400, at);
	tfmt_iso(tfmt_now() + 3600, stop);
	CHECK(import(&out, err, sizeof(err), "{\"ticket_types\": ["
	    "{\"key\": \"std\", \"title\": \"Std\", \"price\": 100}],"
	    "\"events\": ["
	    "{\"key\": \"e\", \"title\": \"E\", \"event_at\": \"%s\","
	    " \"sales_stop_at\": \"%s\", \"total_seats\": 100,"
	    " \"max_tickets_per_payment\": 4, \"max_held_per_client\": 6,"
	    " \"max_tickets_per_email\": 6, \"ticket_types\": [\"std\"]},"
	    "{\"key\": \"o\", \"title\": \"O\", \"event_at\": \"%s\","
	    " \"sales_stop_at\": \"%s\", \"total_seats\": 100,"
	    " \"max_tickets_per_payment\": 4, \"ticket_types\": [\"std\"]}]}",
	    at, stop, at, stop) == DB_OK);
	ev = testdb_id(cJSON_GetObjectItem(out, "events"), "e");
	ev_other = testdb_id(cJSON_GetObjectItem(out, "events"), "o");
	t_std = testdb_id(cJSON_GetObjectItem(out, "ticket_types"), "std");
	cJSON_Delete(out);
}

/* Reserves n for client (an address as nginx gives it); fills *s with
 * the new session on success. */
static enum err
reserve(int64_t event, const char *addr, int64_t n,
    const struct session *prev, struct session *s)
{
	struct order_line_req	 line = { t_std, n };
	char			 key[CLIENT_KEY_MAX + 1], token[TOKEN_HEX_LEN + 1];
	int64_t			 left;
	int			 started;
	enum err		 e;

	buyer_addr_key(addr, key);
	e = order_reserve(db, tfmt_now(), event, &line, 1, prev, NULL, key,
	    token, &left, &started);
	if (e == ERR_OK && s != NULL)
		CHECK(sess_find(db, token, tfmt_now(), s) == DB_OK);
	return e;
}

/* order_email_cap() for the order of s, in a transaction of its own. */
static enum err
email_cap(const struct session *s, const char *email)
{
	struct order	 o;
	enum err	 e;

	CHECK(db_tx_immediate(db) == DB_OK);
	CHECK(order_load(db, s->order_id, &o) == DB_OK);
	e = order_email_cap(db, tfmt_now(), &o, email);
	db_tx_rollback(db);
	return e;
}

/* Records email as given at payment for the order of s. */
static void
give_email(const struct session *s, const char *email)
{
	CHECK(db_tx_immediate(db) == DB_OK);
	CHECK(order_set_payment_started(db, s->order_id, email, 1) == DB_OK);
	CHECK(db_tx_commit(db) == DB_OK);
}

int
main(void)
{
	char		 path[] = "/tmp/biljett-test-caps-XXXXXX", err[256];
	struct session	 a1, a2, b1, c1, o1, p1;
	struct order	 o;
	cJSON		*out = NULL;
	int64_t		 orders, until;
	int		 fd, i;

	log_init("test", LOG_LVL_ERR);
	CHECK(crypto_init() == 0);
	CHECK(tfmt_init("Europe/Stockholm") == 0);
	fd = mkstemp(path);
	close(fd);
	setup(path);

	/* One address: 4, then 4 more is over 6, 2 more is not. */
	CHECK(reserve(ev, "198.51.100.1", 4, NULL, &a1) == ERR_OK);
	orders = testdb_count(db, "SELECT count(*) FROM orders", 0);
	CHECK(reserve(ev, "198.51.100.1", 4, NULL, NULL) == ERR_HOLD_LIMIT);
	CHECK(testdb_count(db, "SELECT count(*) FROM orders", 0) == orders);
	CHECK(testdb_count(db, "SELECT count(*) FROM sessions", 0) == 1);
	CHECK(reserve(ev, "198.51.100.1", 2, NULL, &a2) == ERR_OK);
	CHECK(reserve(ev, "198.51.100.1", 1, NULL, NULL) == ERR_HOLD_LIMIT);
	/* The same address on a dual-stack socket is the same client. */
	CHECK(reserve(ev, "::ffff:198.51.100.1", 1, NULL, NULL) ==
	    ERR_HOLD_LIMIT);
	/* Another address, and another event, are not affected. */
	CHECK(reserve(ev, "198.51.100.2", 4, NULL, &b1) == ERR_OK);
	CHECK(reserve(ev_other, "198.51.100.1", 4, NULL, &o1) == ERR_OK);
	CHECK(testdb_count(db, "SELECT used FROM quotas WHERE event_id = ?1", ev) == 10);

	/*
	 * The session's previous hold is released first and not counted:
	 * a1's 4 become 4 again (4 + 2 = 6); a2's 2 cannot become 4.
	 */
	CHECK(reserve(ev, "198.51.100.1", 4, &a1, &a1) == ERR_OK);
	CHECK(reserve(ev, "198.51.100.1", 4, &a2, NULL) == ERR_HOLD_LIMIT);
	/* ... and a refused reservation kept a2's hold and session. */
	CHECK(order_load(db, a2.order_id, &o) == DB_OK);
	CHECK(o.status == ORDER_RESERVED && o.holds_seats && o.seats == 2);
	CHECK(testdb_count(db, "SELECT count(*) FROM sessions WHERE id = ?1"
	    " AND revoked_at IS NULL", a2.id) == 1);
	CHECK(testdb_count(db, "SELECT used FROM quotas WHERE event_id = ?1", ev) == 10);

	/* Many small holds: the bounded count still adds up right. */
	for (i = 0; i < 5; i++)
		CHECK(reserve(ev, "198.51.100.3", 1, NULL, NULL) == ERR_OK);
	CHECK(reserve(ev, "198.51.100.3", 2, NULL, NULL) == ERR_HOLD_LIMIT);
	CHECK(reserve(ev, "198.51.100.3", 1, NULL, NULL) == ERR_OK);
	CHECK(reserve(ev, "198.51.100.3", 1, NULL, NULL) == ERR_HOLD_LIMIT);

	/* A /64 is one client, whatever its hosts call themselves. */
	CHECK(reserve(ev, "2001:db8:7:7::1", 4, NULL, &c1) == ERR_OK);
	CHECK(reserve(ev, "2001:db8:7:7:ffff::2", 4, NULL, NULL) ==
	    ERR_HOLD_LIMIT);
	CHECK(reserve(ev, "2001:db8:7:8::1", 4, NULL, NULL) == ERR_OK);

	/* A lapsed hold taken again counts against the taker's cap. */
	CHECK(db_tx_immediate(db) == DB_OK);
	CHECK(order_release(db, b1.order_id, ORDER_EXPIRED) == DB_OK);
	CHECK(db_tx_commit(db) == DB_OK);
	CHECK(testdb_count(db, "SELECT count(*) FROM orders WHERE client_addr IS NOT NULL"
	    " AND status <> 'reserved'", 0) == 0);
	CHECK(db_tx_immediate(db) == DB_OK);
	CHECK(order_load(db, b1.order_id, &o) == DB_OK);
	CHECK(order_rehold(db, tfmt_now(), &o, "198.51.100.1") ==
	    ERR_HOLD_LIMIT);
	db_tx_rollback(db);
	CHECK(order_load(db, b1.order_id, &o) == DB_OK);
	CHECK(o.status == ORDER_EXPIRED && !o.holds_seats);
	CHECK(db_tx_immediate(db) == DB_OK);
	CHECK(order_rehold(db, tfmt_now(), &o, "198.51.100.2") == ERR_OK);
	CHECK(db_tx_commit(db) == DB_OK);
	CHECK(order_load(db, b1.order_id, &o) == DB_OK);
	CHECK(o.status == ORDER_RESERVED && o.holds_seats);
	CHECK(testdb_count(db, "SELECT count(*) FROM orders WHERE client_addr ="
	    " '198.51.100.2' AND status = 'reserved'", 0) == 1);

	/*
	 * The e-mail cap: a1 (4) pays as Fan@Example.com; b1 (4) may not use
	 * the same mailbox in any spelling, a2 (2) may.  Other events'
	 * orders do not count.
	 */
	give_email(&o1, "fan@example.com");
	CHECK(email_cap(&a1, "Fan@Example.com") == ERR_OK);
	give_email(&a1, "Fan@Example.com");
	CHECK(testdb_count(db, "SELECT count(*) FROM orders WHERE email_key ="
	    " 'fan@example.com'", 0) == 2);
	CHECK(email_cap(&b1, "fan+b@EXAMPLE.com") == ERR_EMAIL_LIMIT);
	CHECK(email_cap(&b1, "fan@example.org") == ERR_OK);
	CHECK(email_cap(&a2, "fan@example.com") == ERR_OK);
	/* Asking again for the order that has the address is fine. */
	CHECK(email_cap(&a1, "fan@example.com") == ERR_OK);
	/* Bought places count; lapsed holds do not. */
	CHECK(db_tx_immediate(db) == DB_OK);
	CHECK(order_mark_paid(db, a1.order_id, tfmt_now(), NULL) == DB_OK);
	CHECK(db_tx_commit(db) == DB_OK);
	CHECK(email_cap(&b1, "fan@example.com") == ERR_EMAIL_LIMIT);
	CHECK(reserve(ev, "203.0.113.9", 2, NULL, &p1) == ERR_OK);
	give_email(&p1, "fan@example.com");
	CHECK(email_cap(&a2, "fan@example.com") == ERR_EMAIL_LIMIT);
	CHECK(db_tx_immediate(db) == DB_OK);
	CHECK(order_set_expiry(db, p1.order_id, tfmt_now() - 1) == DB_OK);
	CHECK(db_tx_commit(db) == DB_OK);
	CHECK(email_cap(&a2, "fan@example.com") == ERR_OK);

	/* Extensions are counted one by one. */
	until = tfmt_now() + 300;
	CHECK(db_tx_immediate(db) == DB_OK);
	CHECK(order_extend(db, a2.order_id, until) == DB_OK);
	CHECK(order_extend(db, a2.order_id, until + 1) == DB_OK);
	CHECK(db_tx_commit(db) == DB_OK);
	CHECK(order_load(db, a2.order_id, &o) == DB_OK);
	CHECK(o.extensions == 2 && o.expires_at == until + 1);

	/* The import refuses a cap that one order would pass. */
	CHECK(import(&out, err, sizeof(err), "{\"ticket_types\": [{\"key\":"
	    " \"s\", \"title\": \"S\", \"price\": 1}], \"events\": [{\"key\":"
	    " \"x\", \"title\": \"X\", \"event_at\": \"%s\","
	    " \"sales_stop_at\": \"%s\", \"total_seats\": 10,"
	    " \"max_tickets_per_payment\": 4, \"max_held_per_client\": 3,"
	    " \"ticket_types\": [\"s\"]}]}", at, stop) == DB_CONSTRAINT);
	CHECK(strcmp(err, "events[0].max_held_per_client: less than "
	    "max_tickets_per_payment") == 0);
	CHECK(import(&out, err, sizeof(err), "{\"ticket_types\": [{\"key\":"
	    " \"s\", \"title\": \"S\", \"price\": 1}], \"events\": [{\"key\":"
	    " \"x\", \"title\": \"X\", \"event_at\": \"%s\","
	    " \"sales_stop_at\": \"%s\", \"total_seats\": 10,"
	    " \"max_tickets_per_email\": 7, \"ticket_types\": [\"s\"]}]}",
	    at, stop) == DB_CONSTRAINT);
	CHECK(strcmp(err, "events[0].max_tickets_per_email: less than "
	    "max_tickets_per_payment") == 0);
	CHECK(import(&out, err, sizeof(err), "{\"events\": [{\"key\": \"x\","
	    " \"title\": \"X\", \"event_at\": \"%s\", \"sales_stop_at\":"
	    " \"%s\", \"total_seats\": 10, \"max_held_per_client\": 0,"
	    " \"ticket_types\": [\"s\"]}]}", at, stop) == DB_CONSTRAINT);
	CHECK(out == NULL);
	CHECK(testdb_count(db, "SELECT count(*) FROM events", 0) == 2);

	db_close(db);
	unlink(path);
	snprintf(err, sizeof(err), "%s-wal", path);
	unlink(err);
	snprintf(err, sizeof(err), "%s-shm", path);
	unlink(err);
	return CHECK_DONE();
}
