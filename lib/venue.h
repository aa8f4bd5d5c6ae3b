/*
 * Venues and their seat maps (seed 001; sql/012), and attaching a venue
 * to an event, which makes the event seated (lib/seat.h).
 *
 * A seat map is sections -> rows -> seats.  A row lists its seats, or
 * gives a count (numbered first, first + 1, ...).  A seat is known by
 * (section, row label, number): an edited map keeps the id of every seat
 * it still lists, and with it each event's state of that seat; new seats
 * join every event at the venue as AVAILABLE; a seat that some event has
 * sold, reserved or holds cannot be removed (ERR_SEATS_TAKEN).
 *
 * Venues belong to the organizer who made them.  The functions taking
 * organizer_id act for that organizer: another's venue is
 * ERR_VENUE_NOT_FOUND, as if it did not exist; 0 means an admin, who may
 * act for anyone.
 */
#ifndef BILJETT_VENUE_H
#define BILJETT_VENUE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct cJSON;
struct db;

/* Input, as validated at the edge (strings live as long as the call). */
struct venue_seat_in {
	const char			*number;
	const char			*category;	/* NULL: the row's */
};

struct venue_row_in {
	const char			*label;
	const char			*category;	/* NULL: the section's */
	int64_t				 count;		/* 0: seats[] instead */
	int64_t				 first;		/* with count; default 1 */
	const struct venue_seat_in	*seats;
	size_t				 nseats;
};

struct venue_section_in {
	const char			*name;
	const char			*category;	/* NULL: none ("") */
	const struct venue_row_in	*rows;
	size_t				 nrows;
};

/* For an update, NULL strings, capacity -1 and has_map 0 leave things as
 * they are. */
struct venue_in {
	const char			*name;
	const char			*address;
	const char			*city;
	const char			*country;	/* ISO 3166-1 alpha-2 */
	int64_t				 capacity;
	int				 has_map;	/* sections replace the map */
	const struct venue_section_in	*sections;
	size_t				 nsections;
};

/*
 * The rules a single field's validator cannot see: a row gives a count
 * or seats (not both), names are unique among their siblings (sections;
 * rows of a section; seats of a row), generated numbers stay within
 * SEAT_NUMBER_MAX, the map has at most VENUE_SEATS_MAX seats and, when
 * the capacity is given too, no more seats than the capacity; the
 * country is two letters.  Adds one reason per bad field to errs
 * ("sections[0].rows[2].label": "..."), sets *nseats to the map's seats
 * and returns the number of bad fields.  Pure.
 */
size_t		 venue_in_check(const struct venue_in *in, struct cJSON *errs,
		    int64_t *nseats);

/*
 * Creates a venue owned by organizer_id (an active organizer or admin)
 * from in (every field given, a map optional), in a write transaction of
 * its own.  Returns ERR_OK with *id; ERR_BAD_REQUEST with reasons in errs
 * (venue_in_check's, or "organizer_id": not an organizer); ERR_BUSY;
 * ERR_INTERNAL.
 */
enum err	 venue_create(struct db *db, const struct venue_in *in,
		    int64_t organizer_id, int64_t now, int64_t *id,
		    struct cJSON *errs);

/*
 * Changes venue id, acting for organizer_id (0: an admin), in a write
 * transaction of its own: the fields in gives; a map replaces the map
 * (see the top of this file).  Returns ERR_OK; ERR_VENUE_NOT_FOUND;
 * ERR_BAD_REQUEST with reasons in errs (the capacity below the seats,
 * either being new); ERR_SEATS_TAKEN (409) when the new map lacks a seat
 * some event has sold, reserved or holds; ERR_BUSY; ERR_INTERNAL.
 */
enum err	 venue_update(struct db *db, int64_t id, int64_t organizer_id,
		    const struct venue_in *in, int64_t now,
		    struct cJSON *errs);

/*
 * Deletes venue id with its map, acting for organizer_id (0: an admin).
 * Returns ERR_OK, ERR_VENUE_NOT_FOUND, ERR_VENUE_IN_USE (an event has it:
 * detach it first), ERR_BUSY or ERR_INTERNAL.
 */
enum err	 venue_delete(struct db *db, int64_t id, int64_t organizer_id);

/*
 * Venue id as JSON: {"id", "organizer_id", "name", "address", "city",
 * "country", "capacity", "seat_count", "created_at", "updated_at",
 * "sections": [{"name", "rows": [{"label", "seats": [{"id", "number",
 * "category"}]}]}]} -- the map in the shape venue_in takes, so it can be
 * sent back edited.  Returns ERR_OK with *out (free with cJSON_Delete),
 * ERR_VENUE_NOT_FOUND or a database outcome.  Reads in one snapshot.
 */
enum err	 venue_get(struct db *db, int64_t id, struct cJSON **out);

/*
 * One page of venues (of organizer_id, or every one for 0) by name, each
 * as venue_get's without "sections"; *count gets how many there are in
 * all.  Returns ERR_OK with *results (a JSON array; free with
 * cJSON_Delete) or a database outcome.  Reads in one snapshot.
 */
enum err	 venue_list(struct db *db, int64_t organizer_id, int64_t page,
		    int64_t per_page, int64_t *count, struct cJSON **results);

/*
 * Makes event_id seated at venue_id, inside the caller's write
 * transaction (the event API calls it when an organizer sets the
 * venue): one AVAILABLE event_seats row per seat of the venue.  With
 * organizer_id > 0 both the event and the venue must be that
 * organizer's; with 0 (an admin, the CLI) the venue must be the event's
 * organizer's, if the event has one.  Attaching the venue the event
 * already has adds only seats it lacks; moving to another venue drops
 * the old seats, refused while any is taken.  Returns ERR_OK,
 * ERR_EVENT_NOT_FOUND, ERR_VENUE_NOT_FOUND, ERR_SEATS_TAKEN, ERR_BUSY or
 * ERR_INTERNAL; on failure roll back.  The event's own venue_* text
 * columns (sql/009) are the event module's to keep.
 */
enum err	 venue_attach_event(struct db *db, int64_t event_id,
		    int64_t venue_id, int64_t organizer_id, int64_t now);

/*
 * Makes event_id unseated again, inside the caller's write transaction:
 * refused with ERR_SEATS_TAKEN while any of its seats is taken.
 * Returns ERR_OK (also when it had no venue), ERR_EVENT_NOT_FOUND,
 * ERR_SEATS_TAKEN, ERR_BUSY or ERR_INTERNAL.
 */
enum err	 venue_detach_event(struct db *db, int64_t event_id,
		    int64_t organizer_id, int64_t now);

#endif
