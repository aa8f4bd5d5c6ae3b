/*
 * A seat can never be sold twice.  50 processes, each with its own
 * connection to one real SQLite file and its own paid order, sell the
 * same seat at the same moment through seat_sell(): exactly one wins,
 * the other 49 are told ERR_SEAT_TAKEN.  Processes, not threads: the
 * FastCGI workers that will race in production are processes, and
 * lib/db's writers' queue waits with a per-process interval timer.
 *
 * Then the last line of defence, with the code's guards out of the way:
 * a second valid ticket for the seat cannot be written by hand (INSERT
 * or UPDATE), seat_sell itself is stopped by the index when the seat's
 * state has been wrongly reset, and a refunded ticket lets go of it.
 */
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "testdb.h"
#include "testvenue.h"
#include "db.h"
#include "log.h"
#include "seat.h"
#include "tfmt.h"
#include "venue.h"

#define RACERS	50

static char	path[] = "/tmp/biljett-test-seat-race-XXXXXX";
static int64_t	ev, seat, orders[RACERS], tickets[RACERS];

/* An organizer's event at a venue of one row of four seats. */
static void
setup(void)
{
	struct venue_row_in	 row = { "A", NULL, 4, 1, NULL, 0 };
	struct venue_section_in	 sec = { "Parkett", NULL, &row, 1 };
	struct venue_in		 in = { "Aulan", "Gatan 1", "Lund", "SE", 10,
				    1, &sec, 1 };
	struct db		*db;
	char			 err[256];
	int64_t			 org, type, venue;
	int			 applied, i;

	db = db_open(path, DB_OPEN_CREATE, 5000, err, sizeof(err));
	CHECK(db != NULL);
	CHECK(db_migrate(db, &applied, err, sizeof(err)) == DB_OK);
	CHECK((org = testvenue_user(db, "org@example.com", "organizer")) > 0);
	CHECK((ev = testvenue_event(db, org, &type)) > 0);
	CHECK(venue_create(db, &in, org, tfmt_now(), &venue, NULL) == ERR_OK);
	CHECK(db_tx_immediate(db) == DB_OK);
	CHECK(venue_attach_event(db, ev, venue, org, tfmt_now()) == ERR_OK);
	for (i = 0; i < RACERS; i++)
		CHECK((orders[i] = testvenue_order(db, ev, type, i,
		    &tickets[i])) > 0);
	CHECK(db_tx_commit(db) == DB_OK);
	seat = testdb_count(db, "SELECT min(seat_id) FROM event_seats", 0);
	CHECK(seat > 0);
	db_close(db);
}

/* One racer: its own connection, ready, go, sell, and the verdict as
 * the exit status (0 sold, 1 taken, 2 anything else). */
static void
racer(int i, int ready, int go)
{
	struct seat_sale	 sale = { seat, tickets[i] };
	struct db		*db;
	char			 err[256], c = 'r';
	enum err		 e = ERR_INTERNAL;

	if ((db = db_open(path, 0, 60000, err, sizeof(err))) == NULL)
		_exit(2);
	if (write(ready, &c, 1) != 1 || read(go, &c, 1) != 0)
		_exit(2);
	if (db_tx_immediate(db) == DB_OK) {
		e = seat_sell(db, ev, orders[i], &sale, 1, tfmt_now());
		if (e == ERR_OK && db_tx_commit(db) != DB_OK)
			e = ERR_INTERNAL;
		if (e != ERR_OK)
			db_tx_rollback(db);
	}
	_exit(e == ERR_OK ? 0 : e == ERR_SEAT_TAKEN ? 1 : 2);
}

/* Starts the racers, lets them go at once; counts[status] of each exit. */
static void
race(int counts[3], int64_t *winner)
{
	pid_t	 pids[RACERS];
	int	 ready[2], go[2], i, j, status;
	char	 c;

	CHECK(pipe(ready) == 0 && pipe(go) == 0);
	for (i = 0; i < RACERS; i++) {
		if ((pids[i] = fork()) == 0) {
			close(ready[0]);
			close(go[1]);
			racer(i, ready[1], go[0]);
		}
		CHECK(pids[i] > 0);
	}
	close(ready[1]);
	close(go[0]);
	/* Everyone connected and waiting; closing go releases them all. */
	for (i = 0; i < RACERS; i++)
		CHECK(read(ready[0], &c, 1) == 1);
	close(go[1]);
	close(ready[0]);
	for (i = 0; i < RACERS; i++) {
		CHECK(waitpid(pids[i], &status, 0) == pids[i]);
		j = WIFEXITED(status) ? WEXITSTATUS(status) : 2;
		counts[j > 2 ? 2 : j]++;
		if (j == 0)
			*winner = i;
	}
}

/* Runs a statement with ?1, ?2 bound; returns as testvenue_run. */
static int64_t
run2(struct db *db, const char *sql, int64_t a, int64_t b)
{
	int64_t	 v[2] = { a, b };

	return testvenue_run(db, sql, v, NULL, 2);
}

static void
the_index_holds(int64_t w, int64_t l)
{
	static const char insert[] =
	    "INSERT INTO tickets (order_id, event_id, ticket_type_id, price,"
	    " external_id, secret, created_at, seat_id)"
	    " SELECT order_id, event_id, ticket_type_id, price, 'ZZZZZZ',"
	    " secret, created_at, ?2 FROM tickets WHERE id = ?1";
	static const char link[] =
	    "UPDATE tickets SET seat_id = ?2 WHERE id = ?1";
	static const char reset[] =
	    "UPDATE event_seats SET status = 'AVAILABLE', order_id = NULL"
	    " WHERE seat_id = ?1 AND event_id = ?2";
	static const char refund[] =
	    "UPDATE tickets SET status = ?2 WHERE id = ?1";
	struct seat_sale	 sale = { seat, tickets[l] };
	struct db		*db;
	char			 err[256];

	CHECK((db = db_open(path, 0, 5000, err, sizeof(err))) != NULL);
	/* By hand: a second valid ticket for the seat, written two ways. */
	CHECK(run2(db, insert, tickets[l], seat) == -2);
	CHECK(run2(db, link, tickets[l], seat) == -2);
	/* A bug resets the seat's state: seat_sell still cannot sell it. */
	CHECK(run2(db, reset, seat, ev) == 0);
	CHECK(db_tx_immediate(db) == DB_OK);
	CHECK(seat_sell(db, ev, orders[l], &sale, 1, tfmt_now()) ==
	    ERR_SEAT_TAKEN);
	db_tx_rollback(db);
	CHECK(testdb_count(db, "SELECT count(*) FROM tickets WHERE seat_id"
	    " IS NOT NULL AND status = 'valid'", 0) == 1);
	/* A refunded ticket lets go of its seat; the index then allows it. */
	CHECK(testvenue_run(db, refund, (int64_t[]){ tickets[w], 0 },
	    (const char *const[]){ NULL, "refunded" }, 2) == 0);
	CHECK(run2(db, link, tickets[l], seat) == 0);
	db_close(db);
}

int
main(void)
{
	struct db	*db;
	char		 err[256];
	int		 counts[3] = { 0, 0, 0 }, fd;
	int64_t		 w = -1, l;

	log_init("test", LOG_LVL_ERR);
	CHECK(tfmt_init("Europe/Stockholm") == 0);
	fd = mkstemp(path);
	close(fd);
	setup();

	race(counts, &w);
	CHECK(counts[0] == 1);
	CHECK(counts[1] == RACERS - 1);
	CHECK(counts[2] == 0);
	if (counts[0] != 1 || counts[2] != 0)
		fprintf(stderr, "sold %d, taken %d, other %d\n", counts[0],
		    counts[1], counts[2]);
	CHECK(w >= 0);
	if (w < 0)
		w = 0;
	l = w == 0 ? 1 : 0;

	/* The winner's order has the seat and its ticket names it. */
	CHECK((db = db_open(path, 0, 5000, err, sizeof(err))) != NULL);
	CHECK(testdb_count(db, "SELECT count(*) FROM event_seats WHERE"
	    " status = 'SOLD'", 0) == 1);
	CHECK(testdb_count(db, "SELECT order_id FROM event_seats WHERE"
	    " status = 'SOLD'", 0) == orders[w]);
	CHECK(testdb_count(db, "SELECT seat_id FROM tickets WHERE id = ?1",
	    tickets[w]) == seat);
	CHECK(testdb_count(db, "SELECT count(*) FROM tickets WHERE seat_id"
	    " IS NOT NULL", 0) == 1);
	db_close(db);

	the_index_holds(w, l);
	testvenue_unlink(path);
	return CHECK_DONE();
}
