/*
 * lib/seat and lib/venue against a real SQLite file: the rules of a map,
 * attaching a venue to an event (owners, inside a transaction), each
 * seat move from the states it may start from and no other, a lapsed
 * lock reading and selling as available, the listing's statuses and
 * counts, map edits that keep seat ids and refuse to drop taken seats,
 * and detaching and deleting only when nothing is taken.
 */
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

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

static struct db	*db;
static int64_t		 org, other, ev, type, venue, o1, o2, t1, t2;

/*
 * Parkett: row A seats 1-3 (category "Standard" from the section), row
 * B seats 1, 3, 5 listed, 5 a "Loge"; Balkong: row C seats 10-11.
 */
static const struct venue_seat_in	 row_b[] = { { "1", NULL },
	{ "3", NULL }, { "5", "Loge" } };
static const struct venue_row_in	 parkett[] = {
	{ "A", NULL, 3, 1, NULL, 0 }, { "B", NULL, 0, 1, row_b, 3 } };
static const struct venue_row_in	 balkong[] = {
	{ "C", "Balkong", 2, 10, NULL, 0 } };
static const struct venue_section_in	 map[] = {
	{ "Parkett", "Standard", parkett, 2 }, { "Balkong", NULL, balkong, 1 } };

/* The id of a seat of the venue by section, row and number; 0 if none. */
static int64_t
seat_id(const char *section, const char *row, const char *number)
{
	static const char sql[] = "SELECT id FROM seats WHERE section = ?1"
	    " AND row_label = ?2 AND number = ?3 AND venue_id = ?4";
	struct db_stmt	*st = db_stmt(db, sql);
	int64_t		 id = 0;

	if (st != NULL && db_bind_text(st, 1, section) == 0 &&
	    db_bind_text(st, 2, row) == 0 && db_bind_text(st, 3, number) == 0 &&
	    db_bind_int(st, 4, venue) == 0 && db_step(db, st) == DB_OK)
		id = db_col_int(st, 0);
	db_reset(st);
	return id;
}

/* The seat's status in the public listing. */
static const char *
listed(int64_t seat, cJSON **doc)
{
	char		 ref[32];
	const cJSON	*s;

	cJSON_Delete(*doc);
	*doc = NULL;
	snprintf(ref, sizeof(ref), "%lld", (long long)ev);
	if (seat_event_listing(db, ref, tfmt_now(), doc) != ERR_OK)
		return "?";
	cJSON_ArrayForEach(s, cJSON_GetObjectItem(*doc, "seats"))
		if ((int64_t)cJSON_GetObjectItem(s, "id")->valuedouble == seat)
			return cJSON_GetObjectItem(s, "status")->valuestring;
	return "none";
}

static void
check_rules(void)
{
	static const struct venue_seat_in	 dup[] = { { "1", NULL },
		{ "1", NULL } };
	static const struct venue_row_in	 rows[] = {
		{ "A", NULL, 2, 1, dup, 2 }, { "A", NULL, 0, 1, NULL, 0 },
		{ "B", NULL, 0, 1, dup, 2 }, { "C", NULL, 9, 99999, NULL, 0 } };
	static const struct venue_section_in	 secs[] = {
		{ "X", NULL, rows, 4 }, { "X", NULL, rows + 3, 1 } };
	struct venue_in	 in = { "V", "A", "C", "S1", 5, 1, secs, 2 };
	cJSON		*errs = cJSON_CreateObject();
	int64_t		 n;
	const char	*keys[] = { "country", "sections[1].name",
			    "sections[0].rows[0].seats",
			    "sections[0].rows[0].seats[1].number",
			    "sections[1].rows[0].first",
			    "sections[0].rows[1].label",
			    "sections[0].rows[1].count",
			    "sections[0].rows[2].seats[1].number",
			    "sections[0].rows[3].first", "capacity" };
	size_t		 i;

	CHECK(venue_in_check(&in, errs, &n) == nitems(keys));
	for (i = 0; i < nitems(keys); i++) {
		CHECK(cJSON_GetObjectItem(errs, keys[i]) != NULL);
		if (cJSON_GetObjectItem(errs, keys[i]) == NULL)
			fprintf(stderr, "no error for %s\n", keys[i]);
	}
	cJSON_Delete(errs);
	in.sections = map;
	in.nsections = 2;
	in.country = "se";
	in.capacity = 10;
	CHECK(venue_in_check(&in, NULL, &n) == 0 && n == 8);
	in.capacity = 7;
	CHECK(venue_in_check(&in, NULL, &n) == 1);
}

static void
setup(const char *path)
{
	struct venue_in	 in = { "Aulan", "Gatan 1", "Lund", "se", 100, 1, map,
			    2 };
	char		 err[256];
	int		 applied;
	int64_t		 other_ev, other_venue, other_type;

	CHECK((db = db_open(path, DB_OPEN_CREATE, 5000, err,
	    sizeof(err))) != NULL);
	CHECK(db_migrate(db, &applied, err, sizeof(err)) == DB_OK);
	CHECK((org = testvenue_user(db, "org@example.com", "organizer")) > 0);
	CHECK((other = testvenue_user(db, "other@example.com",
	    "organizer")) > 0);
	CHECK(testvenue_user(db, "buyer@example.com", "customer") > 0);
	CHECK((ev = testvenue_event(db, org, &type)) > 0);
	CHECK((other_ev = testvenue_event(db, other, &other_type)) > 0);
	CHECK(venue_create(db, &in, org, tfmt_now(), &venue, NULL) == ERR_OK);
	CHECK(venue_create(db, &in, other, tfmt_now(), &other_venue, NULL) ==
	    ERR_OK);
	/* Only organizers and admins own venues. */
	CHECK(venue_create(db, &in, org + 2, tfmt_now(), &other_venue, NULL)
	    == ERR_BAD_REQUEST);
	CHECK(testdb_count(db, "SELECT count(*) FROM seats", 0) == 16);
	CHECK(testdb_count(db, "SELECT count(*) FROM venues WHERE country ="
	    " 'SE'", 0) == 2);

	/* Attaching: inside a transaction, each organizer their own. */
	CHECK(venue_attach_event(db, ev, venue, org, 0) == ERR_INTERNAL);
	CHECK(db_tx_immediate(db) == DB_OK);
	CHECK(venue_attach_event(db, ev, venue, other, 0) ==
	    ERR_EVENT_NOT_FOUND);
	CHECK(venue_attach_event(db, ev, other_venue, org, 0) ==
	    ERR_VENUE_NOT_FOUND);
	CHECK(venue_attach_event(db, ev, other_venue, 0, 0) ==
	    ERR_VENUE_NOT_FOUND);
	CHECK(venue_attach_event(db, ev + 99, venue, 0, 0) ==
	    ERR_EVENT_NOT_FOUND);
	CHECK(venue_attach_event(db, ev, venue, org, 0) == ERR_OK);
	CHECK(venue_attach_event(db, ev, venue, 0, 0) == ERR_OK);
	CHECK((o1 = testvenue_order(db, ev, type, 1, &t1)) > 0);
	CHECK((o2 = testvenue_order(db, ev, type, 2, &t2)) > 0);
	CHECK(db_tx_commit(db) == DB_OK);
	CHECK(testdb_count(db, "SELECT count(*) FROM event_seats WHERE"
	    " event_id = ?1 AND status = 'AVAILABLE'", ev) == 8);
	(void)other_type;
	(void)other_ev;
}

static void
check_moves(void)
{
	int64_t		 a1 = seat_id("Parkett", "A", "1"), a2 =
			    seat_id("Parkett", "A", "2"), b5 =
			    seat_id("Parkett", "B", "5"), c10 =
			    seat_id("Balkong", "C", "10"), now = tfmt_now();
	int64_t		 none = 999999, n;
	struct seat_sale sale = { a2, t1 };
	cJSON		*doc = NULL, *o;

	CHECK(a1 > 0 && a2 > 0 && b5 > 0 && c10 > 0);
	CHECK(seat_lock(db, ev, o1, &a1, 1, now, now + 60) == ERR_INTERNAL);
	CHECK(db_tx_immediate(db) == DB_OK);
	/* A lock holds against another order, and only for the event. */
	CHECK(seat_lock(db, ev, o1, &a1, 1, now, now + 60) == ERR_OK);
	CHECK(seat_lock(db, ev, o2, &a1, 1, now, now + 60) == ERR_SEAT_TAKEN);
	CHECK(seat_reserve(db, ev, o2, &a1, 1, now) == ERR_SEAT_TAKEN);
	CHECK(seat_lock(db, ev, o1, &none, 1, now, now + 60) ==
	    ERR_SEAT_NOT_FOUND);
	CHECK(strcmp(listed(a1, &doc), "LOCKED") == 0);
	/* Lapsed, it reads as available and another order may take it. */
	CHECK(seat_lock(db, ev, o1, &a1, 1, now, now - 1) == ERR_OK);
	CHECK(strcmp(listed(a1, &doc), "AVAILABLE") == 0);
	CHECK(seat_lock(db, ev, o2, &a1, 1, now, now + 60) == ERR_OK);

	/* Kept for o1, sold to o1 with its ticket; o2 gets neither. */
	CHECK(seat_reserve(db, ev, o1, &a2, 1, now) == ERR_OK);
	CHECK(strcmp(listed(a2, &doc), "RESERVED") == 0);
	CHECK(seat_lock(db, ev, o2, &a2, 1, now, now + 60) == ERR_SEAT_TAKEN);
	sale.ticket_id = t2;
	CHECK(seat_sell(db, ev, o2, &sale, 1, now) == ERR_SEAT_TAKEN);
	sale.ticket_id = t2;
	CHECK(seat_sell(db, ev, o1, &sale, 1, now) == ERR_TICKET_NOT_FOUND);
	sale.ticket_id = t1;
	CHECK(seat_sell(db, ev, o1, &sale, 1, now) == ERR_OK);
	CHECK(seat_sell(db, ev, o1, &sale, 1, now) == ERR_OK);
	CHECK(testdb_count(db, "SELECT seat_id FROM tickets WHERE id = ?1",
	    t1) == a2);
	CHECK(strcmp(listed(a2, &doc), "SOLD") == 0);

	/* The counts, per section in map order and in all. */
	CHECK(seat_reserve(db, ev, o1, &c10, 1, now) == ERR_OK);
	(void)listed(a2, &doc);
	o = cJSON_GetObjectItem(doc, "summary");
	CHECK(cJSON_GetObjectItem(o, "total")->valueint == 8);
	CHECK(cJSON_GetObjectItem(o, "available")->valueint == 5);
	CHECK(cJSON_GetObjectItem(o, "locked")->valueint == 1);
	CHECK(cJSON_GetObjectItem(o, "reserved")->valueint == 1);
	CHECK(cJSON_GetObjectItem(o, "sold")->valueint == 1);
	o = cJSON_GetObjectItem(doc, "sections");
	CHECK(cJSON_GetArraySize(o) == 2);
	CHECK(strcmp(cJSON_GetObjectItem(cJSON_GetArrayItem(o, 0),
	    "section")->valuestring, "Parkett") == 0);
	CHECK(cJSON_GetObjectItem(cJSON_GetArrayItem(o, 0),
	    "total")->valueint == 6);
	CHECK(cJSON_GetObjectItem(cJSON_GetArrayItem(o, 1),
	    "reserved")->valueint == 1);

	/* Releasing frees holds, never a sale. */
	CHECK(seat_release(db, o1, &n) == ERR_OK && n == 1);
	CHECK(seat_release_expired(db, now + 61, &n) == ERR_OK && n == 1);
	CHECK(strcmp(listed(a1, &doc), "AVAILABLE") == 0);
	CHECK(strcmp(listed(a2, &doc), "SOLD") == 0);
	CHECK(seat_unsell(db, o1, &n) == ERR_OK && n == 0);
	CHECK(db_tx_commit(db) == DB_OK);
	(void)b5;
	cJSON_Delete(doc);
}

/* The same map with Parkett B 5 moved to B 7 and a new row D. */
static void
check_edits(void)
{
	static const struct venue_seat_in	 row_b2[] = { { "1", NULL },
		{ "3", NULL }, { "7", "Loge" } };
	static const struct venue_row_in	 parkett2[] = {
		{ "A", NULL, 3, 1, NULL, 0 }, { "B", NULL, 0, 1, row_b2, 3 },
		{ "D", NULL, 1, 1, NULL, 0 } };
	static const struct venue_row_in	 no_a[] = {
		{ "B", NULL, 0, 1, row_b2, 3 } };
	static const struct venue_section_in	 map2[] = {
		{ "Parkett", "Standard", parkett2, 3 },
		{ "Balkong", NULL, balkong, 1 } };
	static const struct venue_section_in	 map3[] = {
		{ "Parkett", "Standard", no_a, 1 } };
	struct venue_in	 in = { NULL, NULL, NULL, NULL, -1, 1, map2, 2 };
	int64_t		 a2 = seat_id("Parkett", "A", "2"),
			 c10 = seat_id("Balkong", "C", "10"), now = tfmt_now();
	cJSON		*errs = cJSON_CreateObject();

	/* Another organizer's venue is not found; an admin's edit works. */
	CHECK(venue_update(db, venue, other, &in, now, NULL) ==
	    ERR_VENUE_NOT_FOUND);
	CHECK(venue_update(db, venue, 0, &in, now, NULL) == ERR_OK);
	CHECK(seat_id("Parkett", "A", "2") == a2);
	CHECK(seat_id("Balkong", "C", "10") == c10);
	CHECK(seat_id("Parkett", "B", "5") == 0);
	CHECK(seat_id("Parkett", "D", "1") > 0);
	CHECK(testdb_count(db, "SELECT count(*) FROM event_seats WHERE"
	    " event_id = ?1", ev) == 9);
	CHECK(testdb_count(db, "SELECT count(*) FROM event_seats WHERE"
	    " status = 'SOLD'", 0) == 1);
	/* A map without the sold seat A 2 is refused whole. */
	in.sections = map3;
	in.nsections = 1;
	CHECK(venue_update(db, venue, org, &in, now, NULL) == ERR_SEATS_TAKEN);
	CHECK(testdb_count(db, "SELECT count(*) FROM seats WHERE venue_id ="
	    " ?1", venue) == 9);
	/* The capacity must hold the seats, whichever changes. */
	in.has_map = 0;
	in.capacity = 8;
	CHECK(venue_update(db, venue, org, &in, now, errs) == ERR_BAD_REQUEST);
	CHECK(cJSON_GetObjectItem(errs, "capacity") != NULL);
	cJSON_Delete(errs);

	/* Deleting or detaching waits until nothing is taken. */
	CHECK(venue_delete(db, venue, other) == ERR_VENUE_NOT_FOUND);
	CHECK(venue_delete(db, venue, org) == ERR_VENUE_IN_USE);
	CHECK(db_tx_immediate(db) == DB_OK);
	CHECK(venue_detach_event(db, ev, org, now) == ERR_SEATS_TAKEN);
	CHECK(testvenue_run(db, "UPDATE tickets SET status = 'refunded'",
	    NULL, NULL, 0) == 0);
	CHECK(seat_unsell(db, o1, NULL) == ERR_OK);
	CHECK(venue_detach_event(db, ev, org, now) == ERR_OK);
	CHECK(db_tx_commit(db) == DB_OK);
	CHECK(testdb_count(db, "SELECT count(*) FROM event_seats", 0) == 0);
	CHECK(venue_delete(db, venue, org) == ERR_OK);
	CHECK(testdb_count(db, "SELECT count(*) FROM seats WHERE venue_id ="
	    " ?1", venue) == 0);
}

int
main(void)
{
	char	 path[] = "/tmp/biljett-test-seat-moves-XXXXXX";
	cJSON	*doc = NULL;
	int	 fd;

	log_init("test", LOG_LVL_ERR);
	CHECK(tfmt_init("Europe/Stockholm") == 0);
	fd = mkstemp(path);
	close(fd);
	check_rules();
	setup(path);

	/* The map comes back in its order with its categories. */
	CHECK(venue_get(db, venue, &doc) == ERR_OK);
	CHECK(cJSON_GetObjectItem(doc, "seat_count")->valueint == 8);
	CHECK(strcmp(cJSON_GetObjectItem(cJSON_GetArrayItem(
	    cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(
	    cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "sections"), 0),
	    "rows"), 1), "seats"), 2), "category")->valuestring, "Loge") == 0);
	cJSON_Delete(doc);
	CHECK(venue_get(db, venue + 99, &doc) == ERR_VENUE_NOT_FOUND);

	check_moves();
	check_edits();
	db_close(db);
	testvenue_unlink(path);
	return CHECK_DONE();
}
