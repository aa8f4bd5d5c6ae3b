/* The door rules of lib/checkin.h: entry and exit, re-entry, passes once
 * per door day, day tickets on their day, and the door day itself. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "checkin.h"
#include "tfmt.h"

/* Decides one scan and moves *s on; returns the outcome. */
static enum checkin_outcome
scan(const struct checkin_rules *r, struct checkin_state *s,
    const char *today, enum checkin_dir d)
{
	struct checkin_state	 next;
	enum checkin_outcome	 o;

	o = checkin_decide(r, s, today, d, &next);
	*s = next;
	return o;
}

int
main(void)
{
	struct checkin_rules	 once = { 0, 0, "" }, again = { 1, 0, "" };
	struct checkin_rules	 pass = { 0, 1, "" }, pass_again = { 1, 1, "" };
	struct checkin_rules	 day2 = { 0, 0, "2026-07-03" };
	struct checkin_state	 s;
	enum checkin_dir	 d;
	char			 day[CHECKIN_DAY_LEN];
	int64_t			 t;
	const char		*d1 = "2026-07-02", *d2 = "2026-07-03";

	/* Without re-entry: today's behaviour; an exit changes no verdict. */
	memset(&s, 0, sizeof(s));
	CHECK(scan(&once, &s, d1, CHECKIN_EXIT) == CHECKIN_NOT_INSIDE);
	CHECK(s.times_used == 0);
	CHECK(scan(&once, &s, d1, CHECKIN_ENTRY) == CHECKIN_ADMITTED);
	CHECK(s.inside && s.times_used == 1);
	CHECK(scan(&once, &s, d1, CHECKIN_ENTRY) == CHECKIN_ALREADY_USED);
	CHECK(s.times_used == 2);
	CHECK(scan(&once, &s, d1, CHECKIN_EXIT) == CHECKIN_EXITED);
	CHECK(!s.inside && s.times_used == 2);
	CHECK(scan(&once, &s, d2, CHECKIN_ENTRY) == CHECKIN_ALREADY_USED);

	/* With re-entry: in, refused while in, out, in again. */
	memset(&s, 0, sizeof(s));
	CHECK(scan(&again, &s, d1, CHECKIN_ENTRY) == CHECKIN_ADMITTED);
	CHECK(scan(&again, &s, d1, CHECKIN_ENTRY) == CHECKIN_ALREADY_INSIDE);
	CHECK(scan(&again, &s, d1, CHECKIN_EXIT) == CHECKIN_EXITED);
	CHECK(scan(&again, &s, d1, CHECKIN_EXIT) == CHECKIN_NOT_INSIDE);
	CHECK(scan(&again, &s, d1, CHECKIN_ENTRY) == CHECKIN_ADMITTED);
	CHECK(s.inside);

	/* A pass: once per door day; used means used today. */
	memset(&s, 0, sizeof(s));
	CHECK(!checkin_used(&pass, &s, d1));
	CHECK(scan(&pass, &s, d1, CHECKIN_ENTRY) == CHECKIN_ADMITTED);
	CHECK(strcmp(s.admitted_day, d1) == 0);
	CHECK(checkin_used(&pass, &s, d1) && !checkin_used(&pass, &s, d2));
	CHECK(scan(&pass, &s, d1, CHECKIN_ENTRY) == CHECKIN_ALREADY_USED);
	/* Never scanned out on day 1, still in on day 2. */
	CHECK(scan(&pass, &s, d2, CHECKIN_ENTRY) == CHECKIN_ADMITTED);
	CHECK(scan(&pass, &s, d2, CHECKIN_ENTRY) == CHECKIN_ALREADY_USED);
	memset(&s, 0, sizeof(s));
	CHECK(scan(&pass_again, &s, d1, CHECKIN_ENTRY) == CHECKIN_ADMITTED);
	CHECK(scan(&pass_again, &s, d1, CHECKIN_ENTRY) ==
	    CHECKIN_ALREADY_INSIDE);
	CHECK(scan(&pass_again, &s, d2, CHECKIN_ENTRY) == CHECKIN_ADMITTED);

	/* A day ticket on another day: refused, and nothing counts. */
	memset(&s, 0, sizeof(s));
	CHECK(scan(&day2, &s, d1, CHECKIN_ENTRY) == CHECKIN_WRONG_DAY);
	CHECK(s.times_used == 0 && !s.inside);
	CHECK(scan(&day2, &s, d2, CHECKIN_ENTRY) == CHECKIN_ADMITTED);

	/* Names and parsing. */
	CHECK(checkin_dir_parse("exit", &d) && d == CHECKIN_EXIT);
	CHECK(checkin_dir_parse("entry", &d) && d == CHECKIN_ENTRY);
	CHECK(!checkin_dir_parse("out", &d) && !checkin_dir_parse(NULL, &d));
	CHECK(strcmp(checkin_outcome_name(CHECKIN_WRONG_DAY), "wrong_day") ==
	    0);

	/* The door day: 02:00 belongs to the day before when days begin
	 * at 06:00; 07:00 to its own. */
	CHECK(tfmt_init("Europe/Stockholm") == 0);
	CHECK(tfmt_parse_iso("2026-07-03T02:00:00+02:00", &t) == 0);
	checkin_day(t, 360, day);
	CHECK(strcmp(day, "2026-07-02") == 0);
	checkin_day(t, 0, day);
	CHECK(strcmp(day, "2026-07-03") == 0);
	CHECK(tfmt_parse_iso("2026-07-03T07:00:00+02:00", &t) == 0);
	checkin_day(t, 360, day);
	CHECK(strcmp(day, "2026-07-03") == 0);

	/* The door day's start as the APIs take it: "HH:MM" up to noon. */
	CHECK(checkin_day_starts_parse("06:00", &t) && t == 360);
	CHECK(checkin_day_starts_parse("00:00", &t) && t == 0);
	CHECK(checkin_day_starts_parse("12:00", &t) && t == 720);
	CHECK(checkin_day_starts_parse("04:30", &t) && t == 270);
	CHECK(!checkin_day_starts_parse("12:01", &t));
	CHECK(!checkin_day_starts_parse("6:00", &t));
	CHECK(!checkin_day_starts_parse("06:60", &t));
	CHECK(!checkin_day_starts_parse("06-00", &t));
	CHECK(!checkin_day_starts_parse("06:00 ", &t));
	CHECK(!checkin_day_starts_parse("", &t));
	CHECK(!checkin_day_starts_parse(NULL, &t));
	checkin_day_starts_str(270, day);
	CHECK(strcmp(day, "04:30") == 0);
	checkin_day_starts_str(0, day);
	CHECK(strcmp(day, "00:00") == 0);
	return CHECK_DONE();
}
