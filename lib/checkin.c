/*
 * Entry and exit, passes, and the live check-in numbers (checkin.h).
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "checkin.h"
#include "db.h"
#include "limits.h"
#include "ticketstate.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

static const char *const dir_names[CHECKIN_DIR__MAX] = {
	[CHECKIN_ENTRY] = "entry",
	[CHECKIN_EXIT] = "exit",
};

static const char *const outcome_names[CHECKIN_OUTCOME__MAX] = {
	[CHECKIN_ADMITTED] = "admitted",
	[CHECKIN_ALREADY_USED] = "already_used",
	[CHECKIN_ALREADY_INSIDE] = "already_inside",
	[CHECKIN_WRONG_DAY] = "wrong_day",
	[CHECKIN_EXITED] = "exited",
	[CHECKIN_NOT_INSIDE] = "not_inside",
};

_Static_assert(nitems(dir_names) == CHECKIN_DIR__MAX, "dir_names");
_Static_assert(nitems(outcome_names) == CHECKIN_OUTCOME__MAX,
    "outcome_names");

/*
 * The live numbers in one statement (see checkin_numbers): the event
 * row, if it is the asker's, then its sold tickets per type (the valid
 * ones, as lib/report.h counts them; from tickets_checkin alone), then
 * its admissions, exits and refused transferred codes per door (from
 * checkins_event alone).  Each part names the event by ?1 itself, so
 * the planner searches those indexes instead of scanning the tables
 * from ev; "EXISTS ev" keeps another's event empty.  A door day in SQL
 * is checkin_day()'s: SQLite's 'localtime' is the process's zone.
 * ?1 event, ?2 organizer (0: any), ?3 now.
 */
#define EV \
	"WITH ev AS (SELECT e.id, e.title, e.reentry_allowed," \
	" date(?3 - e.day_starts * 60, 'unixepoch', 'localtime') AS today" \
	" FROM events e WHERE e.id = ?1" \
	" AND (?2 = 0 OR e.organizer_id = ?2))"

static const char numbers_sql[] =
	EV
	" SELECT 0, ev.id, ev.title, ev.today, ev.reentry_allowed, 0, 0, 0"
	" FROM ev"
	" UNION ALL"
	" SELECT 1, t.ticket_type_id, tt.title, count(*),"
	"  sum(" TICKET_ARRIVED "),"
	"  sum(t.admitted_day = (SELECT today FROM ev)),"
	"  sum(t.inside), 0"
	" FROM tickets t JOIN ticket_types tt ON tt.id = t.ticket_type_id"
	" WHERE t.event_id = ?1 AND EXISTS (SELECT 1 FROM ev)"
	" AND t.status = 'valid'"
	" GROUP BY t.ticket_type_id"
	" UNION ALL"
	" SELECT 2, coalesce(c.scanner_id, 0), coalesce("
	"  (SELECT s.name FROM scanners s WHERE s.id = c.scanner_id),"
	"  (SELECT coalesce(nullif(u.name, ''), u.email) FROM users u"
	"   WHERE u.id = c.user_id), ''),"
	"  sum(c.result = 'admitted'), sum(c.result = 'exited'),"
	"  coalesce(c.user_id, 0), sum(c.result = 'transferred'), 0"
	" FROM checkins c"
	" WHERE c.event_id = ?1 AND EXISTS (SELECT 1 FROM ev)"
	" AND c.result IN ('admitted', 'exited', 'transferred')"
	" GROUP BY c.scanner_id, c.user_id"
	" ORDER BY 1, 2, 6";

/* An event's door rules per ticket type, as lib/scan reads them for one
 * ticket (TICKET_SELECT there).  ?1 event. */
static const char rules_sql[] =
	"SELECT e.day_starts, tt.id, tt.kind = 'day_pass' AND tt.is_all_days = 1,"
	" CASE WHEN tt.kind IN ('day_pass', 'day_tier') AND tt.is_all_days = 0"
	"  THEN coalesce(tt.day_date, '') ELSE '' END,"
	" coalesce(tt.reentry_allowed, p.reentry_allowed, e.reentry_allowed)"
	" FROM events e LEFT JOIN ticket_types tt ON tt.event_id = e.id"
	" LEFT JOIN ticket_types p ON p.id = tt.parent_id"
	" WHERE e.id = ?1 ORDER BY tt.id";

const char *
checkin_dir_name(enum checkin_dir d)
{
	return d < CHECKIN_DIR__MAX ? dir_names[d] : "entry";
}

int
checkin_dir_parse(const char *s, enum checkin_dir *d)
{
	size_t	 i;

	for (i = 0; s != NULL && i < CHECKIN_DIR__MAX; i++)
		if (strcmp(s, dir_names[i]) == 0) {
			*d = (enum checkin_dir)i;
			return 1;
		}
	return 0;
}

const char *
checkin_outcome_name(enum checkin_outcome o)
{
	return o < CHECKIN_OUTCOME__MAX ? outcome_names[o] : "unknown";
}

/* Admitted before: a pass this door day, any other ticket ever (every
 * entry that counts follows an admission, see checkin.h). */
int
checkin_used(const struct checkin_rules *rules, const struct checkin_state *s,
    const char *today)
{
	if (rules->pass)
		return strcmp(s->admitted_day, today) == 0;
	return s->times_used > 0;
}

enum checkin_outcome
checkin_decide(const struct checkin_rules *rules,
    const struct checkin_state *now, const char *today, enum checkin_dir d,
    struct checkin_state *next)
{
	*next = *now;
	if (d == CHECKIN_EXIT) {
		if (!now->inside)
			return CHECKIN_NOT_INSIDE;
		next->inside = 0;
		return CHECKIN_EXITED;
	}
	/* A day ticket on another day is no use at all: nothing counts. */
	if (rules->day[0] != '\0' && strcmp(rules->day, today) != 0)
		return CHECKIN_WRONG_DAY;
	next->times_used = now->times_used + 1;
	/* First today (a pass) or ever; or back in after an exit. */
	if (!checkin_used(rules, now, today) ||
	    (rules->reentry && !now->inside)) {
		next->inside = 1;
		snprintf(next->admitted_day, sizeof(next->admitted_day), "%s",
		    today);
		return CHECKIN_ADMITTED;
	}
	return rules->reentry ? CHECKIN_ALREADY_INSIDE : CHECKIN_ALREADY_USED;
}

int
checkin_day_starts_parse(const char *s, int64_t *minutes)
{
	int	 h, m;

	/* Exactly two digits, a colon, two digits. */
	if (s == NULL || strlen(s) != 5 || s[2] != ':' ||
	    !isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) ||
	    !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
		return 0;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	if (m > 59 || h * 60 + m > DAY_STARTS_MAX)
		return 0;
	*minutes = h * 60 + m;
	return 1;
}

void
checkin_day_starts_str(int64_t minutes, char out[CHECKIN_HHMM_LEN])
{
	if (minutes < 0 || minutes > DAY_STARTS_MAX)
		minutes = DAY_STARTS_DEFAULT;
	snprintf(out, CHECKIN_HHMM_LEN, "%02d:%02d", (int)(minutes / 60),
	    (int)(minutes % 60));
}

void
checkin_day(int64_t t, int64_t day_starts, char out[CHECKIN_DAY_LEN])
{
	time_t		 tt = (time_t)(t - day_starts * 60);
	struct tm	 tm;

	if (localtime_r(&tt, &tm) == NULL ||
	    strftime(out, CHECKIN_DAY_LEN, "%Y-%m-%d", &tm) == 0)
		snprintf(out, CHECKIN_DAY_LEN, "0000-00-00");
}

/* Adds the counts of a type row (columns 3..6) to o. */
static void
add_counts(cJSON *o, struct db_stmt *st)
{
	cJSON_AddNumberToObject(o, "sold", (double)db_col_int(st, 3));
	cJSON_AddNumberToObject(o, "arrived", (double)db_col_int(st, 4));
	cJSON_AddNumberToObject(o, "arrived_today", (double)db_col_int(st, 5));
	cJSON_AddNumberToObject(o, "inside", (double)db_col_int(st, 6));
}

/* Adds n to the number name of o. */
static void
add_to(cJSON *o, const char *name, int64_t n)
{
	cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, name);

	cJSON_SetNumberValue(v, v->valuedouble + (double)n);
}

static const char *
text_or_empty(struct db_stmt *st, int i)
{
	const char	*s = db_col_text(st, i);

	return s != NULL ? s : "";
}

/* One gate row: a scanner, or an account scanning on its own. */
static cJSON *
gate_json(struct db_stmt *st)
{
	cJSON	*g = cJSON_CreateObject();
	int64_t	 scanner = db_col_int(st, 1);

	cJSON_AddStringToObject(g, "gate", text_or_empty(st, 2));
	cJSON_AddStringToObject(g, "kind", scanner != 0 ? "scanner" :
	    "account");
	cJSON_AddNumberToObject(g, "id", (double)(scanner != 0 ? scanner :
	    db_col_int(st, 5)));
	cJSON_AddNumberToObject(g, "admitted", (double)db_col_int(st, 3));
	cJSON_AddNumberToObject(g, "exited", (double)db_col_int(st, 4));
	/* Codes a transfer replaced, refused here: someone holds an old
	 * copy (sql/024). */
	cJSON_AddNumberToObject(g, "transferred", (double)db_col_int(st, 6));
	return g;
}

enum db_rc
checkin_numbers(struct db *db, int64_t event_id, int64_t organizer_id,
    int64_t now, cJSON **out)
{
	struct db_stmt	*st;
	cJSON		*o = NULL, *types = NULL, *gates = NULL, *t;
	enum db_rc	 rc;

	*out = NULL;
	if ((st = db_stmt(db, numbers_sql)) == NULL ||
	    db_bind_int(st, 1, event_id) == -1 ||
	    db_bind_int(st, 2, organizer_id) == -1 ||
	    db_bind_int(st, 3, now) == -1)
		return DB_ERROR;
	while ((rc = db_step(db, st)) == DB_OK) {
		switch (db_col_int(st, 0)) {
		case 0:
			o = cJSON_CreateObject();
			cJSON_AddNumberToObject(o, "event",
			    (double)db_col_int(st, 1));
			cJSON_AddStringToObject(o, "title",
			    text_or_empty(st, 2));
			cJSON_AddStringToObject(o, "door_day",
			    text_or_empty(st, 3));
			cJSON_AddBoolToObject(o, "reentry_allowed",
			    db_col_int(st, 4) != 0);
			cJSON_AddNumberToObject(o, "sold", 0);
			cJSON_AddNumberToObject(o, "arrived", 0);
			cJSON_AddNumberToObject(o, "arrived_today", 0);
			cJSON_AddNumberToObject(o, "inside", 0);
			types = cJSON_AddArrayToObject(o, "by_type");
			gates = cJSON_AddArrayToObject(o, "by_gate");
			break;
		case 1:
			if (o == NULL)
				break;
			t = cJSON_CreateObject();
			cJSON_AddNumberToObject(t, "ticket_type",
			    (double)db_col_int(st, 1));
			cJSON_AddStringToObject(t, "name",
			    text_or_empty(st, 2));
			add_counts(t, st);
			cJSON_AddItemToArray(types, t);
			add_to(o, "sold", db_col_int(st, 3));
			add_to(o, "arrived", db_col_int(st, 4));
			add_to(o, "arrived_today", db_col_int(st, 5));
			add_to(o, "inside", db_col_int(st, 6));
			break;
		default:
			if (o != NULL)
				cJSON_AddItemToArray(gates, gate_json(st));
			break;
		}
	}
	db_reset(st);
	if (rc != DB_NOTFOUND) {
		cJSON_Delete(o);
		return rc;
	}
	if (o == NULL)
		return DB_NOTFOUND;
	*out = o;
	return DB_OK;
}

enum db_rc
checkin_door_rules(struct db *db, int64_t event_id, cJSON *o)
{
	struct db_stmt	*st;
	cJSON		*vars = NULL, *v;
	const char	*day;
	char		 id[24];
	enum db_rc	 rc;

	if ((st = db_stmt(db, rules_sql)) == NULL ||
	    db_bind_int(st, 1, event_id) == -1)
		return DB_ERROR;
	while ((rc = db_step(db, st)) == DB_OK) {
		if (vars == NULL) {
			cJSON_AddNumberToObject(o, "day_starts",
			    (double)db_col_int(st, 0));
			vars = cJSON_AddObjectToObject(o, "variants");
		}
		if (db_col_text(st, 1) == NULL)
			continue;	/* an event without types */
		snprintf(id, sizeof(id), "%lld", (long long)db_col_int(st, 1));
		v = cJSON_AddObjectToObject(vars, id);
		cJSON_AddBoolToObject(v, "pass", db_col_int(st, 2) != 0);
		day = text_or_empty(st, 3);
		if (day[0] != '\0')
			cJSON_AddStringToObject(v, "day", day);
		else
			cJSON_AddNullToObject(v, "day");
		cJSON_AddBoolToObject(v, "reentry", db_col_int(st, 4) != 0);
	}
	db_reset(st);
	if (rc != DB_NOTFOUND)
		return rc;
	return vars != NULL ? DB_OK : DB_NOTFOUND;
}
