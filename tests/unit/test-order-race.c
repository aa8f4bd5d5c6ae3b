/*
 * The write transaction is what stops overselling, and the race it
 * stops is real.  RACERS processes, each with its own connection to one
 * SQLite file, want one place each of an event with CAPACITY places.
 *
 * The control does what a reservation does without the transaction:
 * it reads the places left, then writes its order and adds its place
 * to the quotas.  Every racer reads before any racer writes (they all
 * wait on a pipe after reading), so every one of them saw room and
 * every one of them sells: RACERS places of CAPACITY, every run, not
 * by luck.
 *
 * Then the product's way with the same interleave (read, wait, go):
 * lib/order.c's order_hold() inside db_tx_immediate().  Exactly
 * CAPACITY racers hold a place, the others are told OUT_OF_TICKETS,
 * and no quota is over its size.  Processes, not threads: the FastCGI
 * workers that race in production are processes.
 */
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "buyer.h"
#include "check.h"
#include "testdb.h"
#include "testvenue.h"
#include "crypto.h"
#include "db.h"
#include "import.h"
#include "log.h"
#include "order.h"
#include "tfmt.h"

#define RACERS		24
#define CAPACITY	10
#define CAPACITY_S	"10"

/* A racer's exit status. */
enum verdict {
	V_SOLD = 0,
	V_OUT,		/* OUT_OF_TICKETS, or the control saw no room */
	V_OTHER,
	V__MAX
};

/* How a racer writes once released. */
typedef enum verdict (*sell_fn)(struct db *, int64_t ev, int64_t type,
    int i, int64_t left);

static char	path[] = "/tmp/biljett-test-order-race-XXXXXX";

/*
 * Imports an event of CAPACITY places with one ticket type of its own
 * and caps no racer reaches; sets *type and returns the event's id.
 */
static int64_t
new_event(const char *key, int64_t *type)
{
	char		 doc[2048], err[256], at[TFMT_ISO_LEN], stop[TFMT_ISO_LEN];
	struct db	*db;
	cJSON		*in, *out = NULL;
	int64_t		 ev;
	int		 applied;

	db = db_open(path, DB_OPEN_CREATE, 5000, err, sizeof(err));
	CHECK(db != NULL);
	CHECK(db_migrate(db, &applied, err, sizeof(err)) == DB_OK);
	tfmt_iso(tfmt_now() + 2 * 86400, at);
	tfmt_iso(tfmt_now() + 86400, stop);
	CHECK((size_t)snprintf(doc, sizeof(doc),
	    "{\"ticket_types\": [{\"key\": \"%s\", \"title\": \"Std\","
	    " \"price\": 100}], \"events\": [{\"key\": \"%s\", \"title\": \"E\","
	    " \"event_at\": \"%s\", \"sales_stop_at\": \"%s\","
	    " \"total_seats\": %d, \"max_tickets_per_payment\": 4,"
	    " \"max_held_per_client\": 1000, \"max_tickets_per_email\": 1000,"
	    " \"ticket_types\": [\"%s\"]}]}", key, key, at, stop, CAPACITY,
	    key) < sizeof(doc));
	in = cJSON_Parse(doc);
	CHECK(in != NULL);
	CHECK(import_doc(db, in, 0, &out, err, sizeof(err)) == DB_OK);
	ev = testdb_id(cJSON_GetObjectItem(out, "events"), key);
	*type = testdb_id(cJSON_GetObjectItem(out, "ticket_types"), key);
	cJSON_Delete(in);
	cJSON_Delete(out);
	CHECK(ev > 0 && *type > 0);
	CHECK(testdb_count(db, "SELECT count(*) FROM quotas WHERE event_id ="
	    " ?1 AND size = " CAPACITY_S, ev) >= 1);
	db_close(db);
	return ev;
}

/*
 * The control: what order_hold() writes, as separate statements with
 * no transaction around the read that decided it, and no second look.
 */
static enum verdict
sell_unguarded(struct db *db, int64_t ev, int64_t type, int i, int64_t left)
{
	static const char order[] =
	    "INSERT INTO orders (code, event_id, status, holds_seats, seats,"
	    " total, subtotal, created_at, expires_at)"
	    " VALUES (?1, ?2, 'reserved', 1, 1, 10000, 10000, ?3, ?3 + 900)"
	    " RETURNING id";
	static const char line[] =
	    "INSERT INTO order_lines (order_id, ticket_type_id, count,"
	    " unit_price) VALUES (?1, ?2, 1, 10000)";
	static const char take[] =
	    "UPDATE quotas SET used = used + 1 WHERE event_id = ?1";
	char		 code[16];
	int64_t		 id;

	if (left < 1)
		return V_OUT;
	snprintf(code, sizeof(code), "RACE%02d", i);
	id = testvenue_run(db, order, (int64_t[]){ 0, ev, tfmt_now() },
	    (const char *const[]){ code, NULL, NULL }, 3);
	if (id <= 0 ||
	    testvenue_run(db, line, (int64_t[]){ id, type }, NULL, 2) != 0 ||
	    testvenue_run(db, take, &ev, NULL, 1) != 0)
		return V_OTHER;
	return V_SOLD;
}

/* The product's way: order_hold() in one write transaction. */
static enum verdict
sell_in_tx(struct db *db, int64_t ev, int64_t type, int i, int64_t left)
{
	struct order_line_req	 req = { type, 1 };
	char			 addr[32], client[CLIENT_KEY_MAX + 1];
	int64_t			 order_id;
	int			 started;
	enum err		 e;

	(void)left;	/* read before the go, as the control did: stale */
	snprintf(addr, sizeof(addr), "198.51.100.%d", i + 1);
	buyer_addr_key(addr, client);
	if (db_tx_immediate(db) != DB_OK)
		return V_OTHER;
	e = order_hold(db, tfmt_now(), ev, &req, 1, NULL, client, 0,
	    &started, &order_id, &left);
	if (e == ERR_OK && db_tx_commit(db) != DB_OK)
		e = ERR_INTERNAL;
	if (e != ERR_OK)
		db_tx_rollback(db);
	return e == ERR_OK ? V_SOLD : e == ERR_OUT_OF_TICKETS ? V_OUT : V_OTHER;
}

/* One racer: its own connection; reads what is left, says it is ready,
 * waits for the go, sells; the verdict is its exit status. */
static void
racer(int i, int ready, int go, int64_t ev, int64_t type, sell_fn sell)
{
	struct db	*db;
	char		 err[256], c = 'r';
	int64_t		 left = -1;

	if ((db = db_open(path, 0, 60000, err, sizeof(err))) == NULL ||
	    order_tickets_left(db, ev, &left) != DB_OK)
		_exit(V_OTHER);
	if (write(ready, &c, 1) != 1 || read(go, &c, 1) != 0)
		_exit(V_OTHER);
	_exit(sell(db, ev, type, i, left));
}

/* Starts RACERS racers, releases them once all have read; counts their
 * verdicts. */
static void
race(int64_t ev, int64_t type, sell_fn sell, int counts[V__MAX])
{
	pid_t	 pids[RACERS];
	int	 ready[2], go[2], i, j, status;
	char	 c;

	memset(counts, 0, V__MAX * sizeof(counts[0]));
	CHECK(pipe(ready) == 0 && pipe(go) == 0);
	for (i = 0; i < RACERS; i++) {
		if ((pids[i] = fork()) == 0) {
			close(ready[0]);
			close(go[1]);
			racer(i, ready[1], go[0], ev, type, sell);
		}
		CHECK(pids[i] > 0);
	}
	close(ready[1]);
	close(go[0]);
	/* Every racer has read what is left; closing go releases them. */
	for (i = 0; i < RACERS; i++)
		CHECK(read(ready[0], &c, 1) == 1);
	close(go[1]);
	close(ready[0]);
	for (i = 0; i < RACERS; i++) {
		CHECK(waitpid(pids[i], &status, 0) == pids[i]);
		j = WIFEXITED(status) ? WEXITSTATUS(status) : V_OTHER;
		counts[j >= V__MAX ? V_OTHER : j]++;
	}
}

/* Places sold for ev: held orders' seats, and the fullest quota. */
static void
sold(int64_t ev, int64_t *seats, int64_t *used_max, int64_t *used_min)
{
	struct db	*db;
	char		 err[256];

	CHECK((db = db_open(path, 0, 5000, err, sizeof(err))) != NULL);
	*seats = testdb_count(db, "SELECT coalesce(sum(seats), 0) FROM orders"
	    " WHERE event_id = ?1 AND status = 'reserved'", ev);
	*used_max = testdb_count(db, "SELECT max(used) FROM quotas"
	    " WHERE event_id = ?1", ev);
	*used_min = testdb_count(db, "SELECT min(used) FROM quotas"
	    " WHERE event_id = ?1", ev);
	db_close(db);
}

int
main(void)
{
	int		 counts[V__MAX], fd;
	int64_t		 ev, type, seats, hi, lo;

	log_init("test", LOG_LVL_ERR);
	CHECK(crypto_init() == 0);
	CHECK(tfmt_init("Europe/Stockholm") == 0);
	fd = mkstemp(path);
	close(fd);

	/* Without the transaction: every racer sells, far past capacity. */
	ev = new_event("control", &type);
	race(ev, type, sell_unguarded, counts);
	sold(ev, &seats, &hi, &lo);
	fprintf(stderr, "control: %d sold, %d refused, %d other; %lld seats"
	    " held of %d, quotas used %lld..%lld\n", counts[V_SOLD],
	    counts[V_OUT], counts[V_OTHER], (long long)seats, CAPACITY,
	    (long long)lo, (long long)hi);
	CHECK(counts[V_SOLD] == RACERS);
	CHECK(counts[V_OTHER] == 0);
	CHECK(seats == RACERS);
	CHECK(seats > CAPACITY);
	CHECK(lo == RACERS && hi == RACERS);

	/* The product's way, same interleave: exactly the capacity. */
	ev = new_event("product", &type);
	race(ev, type, sell_in_tx, counts);
	sold(ev, &seats, &hi, &lo);
	fprintf(stderr, "order_hold in a transaction: %d sold, %d refused,"
	    " %d other; %lld seats held of %d, quotas used %lld..%lld\n",
	    counts[V_SOLD], counts[V_OUT], counts[V_OTHER], (long long)seats,
	    CAPACITY, (long long)lo, (long long)hi);
	CHECK(counts[V_SOLD] == CAPACITY);
	CHECK(counts[V_OUT] == RACERS - CAPACITY);
	CHECK(counts[V_OTHER] == 0);
	CHECK(seats == CAPACITY);
	CHECK(lo == CAPACITY && hi == CAPACITY);

	testvenue_unlink(path);
	return CHECK_DONE();
}
