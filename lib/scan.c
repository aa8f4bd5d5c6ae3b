/*
 * Scanner authentication and ticket validation.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "checkin.h"
#include "crypto.h"
#include "db.h"
#include "log.h"
#include "metrics.h"
#include "order.h"
#include "scan.h"
#include "scanlog.h"
#include "seal.h"
#include "session.h"
#include "shmcache.h"
#include "ticketkey.h"
#include "ticketsig.h"

#define AUTH_CACHE_SLOTS	16
#define AUTH_CACHE_SECONDS	300

enum stmt {
	STMT_SCANNER_LOOKUP,
	STMT_SCANNERS_UNKEYED,
	STMT_SCANNER_HASH,
	STMT_SCANNER_KEY,
	STMT_TICKET,
	STMT_TICKET_SIGNED,
	STMT_USE,
	STMT_USE_AGAIN,
	STMT_EVENT_VISIBLE,
	STMT_REVOKED,
	STMT__MAX
};

/*
 * Whose tickets a door may see, in the look-up itself (no second round
 * trip on the look-up scan's path): a scanner admits its organizer's
 * events (a site-wide one, organizer_id NULL, every event's), all of
 * them or those in scanner_events; a signed-in account admits as its
 * role allows -- an admin everything, an organizer their own events,
 * staff their organizer's, all or those in staff_events.  A ticket out
 * of scope is not found, exactly like an unknown code.  ?2 is the
 * scanner (0: none), ?3 the account (0: none).
 */
#define DOOR_SCOPE \
	" AND (EXISTS (SELECT 1 FROM scanners s WHERE s.id = ?2" \
	"  AND s.active = 1" \
	"  AND (s.organizer_id IS NULL OR s.organizer_id = e.organizer_id)" \
	"  AND (s.all_events = 1 OR EXISTS (SELECT 1 FROM scanner_events x" \
	"   WHERE x.scanner_id = s.id AND x.event_id = e.id)))" \
	" OR EXISTS (SELECT 1 FROM users u WHERE u.id = ?3 AND u.is_active = 1" \
	"  AND (u.role = 'admin'" \
	"   OR (u.role = 'organizer' AND u.id = e.organizer_id)" \
	"   OR (u.role = 'staff' AND u.organizer_id = e.organizer_id" \
	"    AND (u.scan_all_events = 1 OR EXISTS (SELECT 1 FROM staff_events y" \
	"     WHERE y.user_id = u.id AND y.event_id = e.id))))))"

/* A ticket with what the doors and the staff APIs show of it; one a
 * transfer replaced (lib/transfer) has the status "transferred". */
#define TICKET_SELECT \
	"SELECT t.id, t.external_id, t.times_used," \
	" CASE WHEN t.transferred_to IS NOT NULL THEN 'transferred'" \
	"  ELSE t.status END, o.status," \
	" e.title, tt.title, o.expires_at, e.id, e.event_at," \
	" e.venue_name || CASE WHEN e.venue_city = '' THEN '' ELSE" \
	"  ', ' || e.venue_city END," \
	" coalesce(u.first_name, o.buyer_name, ''), coalesce(u.last_name, '')," \
	" coalesce(o.email, u.email, '')," \
	" coalesce(t.first_admitted_at, 0)," \
	" t.inside, coalesce(t.admitted_day, '')," \
	" coalesce(tt.reentry_allowed, p.reentry_allowed, e.reentry_allowed)," \
	" tt.kind = 'day_pass' AND tt.is_all_days = 1," \
	" CASE WHEN tt.kind IN ('day_pass', 'day_tier')" \
	"  AND tt.is_all_days = 0 THEN coalesce(tt.day_date, '') ELSE '' END," \
	" e.day_starts" \
	" FROM tickets t JOIN orders o ON o.id = t.order_id" \
	" JOIN events e ON e.id = t.event_id" \
	" JOIN ticket_types tt ON tt.id = t.ticket_type_id" \
	" LEFT JOIN ticket_types p ON p.id = tt.parent_id" \
	" LEFT JOIN users u ON u.id = o.user_id"

static const char *const stmts[] = {
	[STMT_SCANNER_LOOKUP] =
	    "SELECT id, password_hash FROM scanners"
	    " WHERE lookup = ?1 AND active = 1",
	[STMT_SCANNERS_UNKEYED] =
	    "SELECT id, password_hash FROM scanners"
	    " WHERE lookup IS NULL AND active = 1 ORDER BY id",
	[STMT_SCANNER_HASH] =
	    "SELECT password_hash FROM scanners WHERE id = ?1 AND active = 1",
	[STMT_SCANNER_KEY] =
	    "UPDATE scanners SET lookup = ?2 WHERE id = ?1 AND lookup IS NULL",
	[STMT_TICKET] = TICKET_SELECT " WHERE t.external_id = ?1" DOOR_SCOPE,
	/* A signed code names its ticket with its event and variant, and
	 * its key names the organizer: all four must agree. */
	[STMT_TICKET_SIGNED] = TICKET_SELECT " WHERE t.id = ?1"
	    " AND t.event_id = ?4 AND t.ticket_type_id = ?5"
	    " AND coalesce(e.organizer_id, 0) = ?6" DOOR_SCOPE,
	[STMT_USE] =
	    "UPDATE tickets SET times_used = ?2, inside = ?3,"
	    " admitted_day = nullif(?4, ''),"
	    " first_admitted_at = coalesce(first_admitted_at, ?5) WHERE id = ?1",
	/*
	 * A scan that only counts (already used, already inside): no
	 * column of tickets_checkin changes, and SQLite leaves an index
	 * alone only when the UPDATE names none of its columns.
	 */
	[STMT_USE_AGAIN] =
	    "UPDATE tickets SET times_used = ?2 WHERE id = ?1",
	[STMT_EVENT_VISIBLE] =
	    "SELECT 1 FROM events e WHERE e.id = ?1" DOOR_SCOPE,
	/* The complement of what scan_ticket admits (paid and valid). */
	[STMT_REVOKED] =
	    "SELECT t.id FROM tickets t JOIN orders o ON o.id = t.order_id"
	    " WHERE t.event_id = ?1 AND NOT (o.status = 'paid'"
	    " AND t.status = 'valid') ORDER BY t.id",
};

_Static_assert(sizeof(stmts) / sizeof(stmts[0]) == STMT__MAX,
    "statement table out of sync with enum stmt");

/*
 * Remembered successful logins.  The key is BLAKE2b(password) under a
 * random per-process key, so the cache holds nothing an attacker could
 * use offline; the stored hash is kept to notice password changes.
 */
static struct auth_slot {
	unsigned char	 key[32];
	int64_t		 scanner_id;
	int64_t		 until;
	char		 hash[PWHASH_MAX];
} auth_cache[AUTH_CACHE_SLOTS];
static unsigned char	auth_key[crypto_generichash_KEYBYTES];
static int		auth_key_set;

#define FAIL_SLOTS	256

/*
 * Recent wrong passwords per remote address (see scan_password for why
 * they count only against the address), shared by the program's
 * processes: the door's paths go to the writer and to the pool workers,
 * and one count per process would multiply the guesses allowed.
 */
static struct shmcache	*fails;

struct fail_count {
	int64_t	 since;		/* the window's start */
	int64_t	 count;		/* wrong passwords in it */
};

/* A wrong password to count (shmcache_update's arg): when, and what the
 * count became. */
struct fail_step {
	int64_t			 now;
	struct fail_count	 got;
};

/* shmcache_update's fn: one more wrong password at step->now, in a new
 * window if the last one has ended. */
static size_t
count_fail(void *value, size_t len, size_t max, void *arg)
{
	struct fail_step	*step = arg;
	struct fail_count	 c = { 0, 0 };

	if (max < sizeof(c))
		return len;
	if (len == sizeof(c))
		memcpy(&c, value, sizeof(c));
	if (c.since + SCAN_FAILS_WINDOW <= step->now) {
		c.since = step->now;
		c.count = 0;
	}
	c.count++;
	memcpy(value, &c, sizeof(c));
	step->got = c;
	return sizeof(c);
}

int
scan_throttle_open(void)
{
	if (fails == NULL &&
	    (fails = shmcache_open(FAIL_SLOTS, sizeof(struct fail_count))) ==
	    NULL)
		return -1;
	return 0;
}

/* Counts a wrong password from addr at now; *f gets its window and
 * count.  Returns 0, or -1 when it could not be counted. */
static int
fail_count(const char *addr, int64_t now, struct fail_count *f)
{
	struct fail_step	 step = { now, { 0, 0 } };

	if (scan_throttle_open() == -1 ||
	    shmcache_update(fails, addr != NULL ? addr : "", count_fail,
	    &step) == -1)
		return -1;
	*f = step.got;
	return 0;
}

static void
cache_key(const char *password, unsigned char out[32])
{
	if (!auth_key_set) {
		randombytes_buf(auth_key, sizeof(auth_key));
		auth_key_set = 1;
	}
	crypto_generichash(out, 32, (const unsigned char *)password,
	    strlen(password), auth_key, sizeof(auth_key));
}

/* The stored hash of an active scanner, or "" if none. */
static enum db_rc
scanner_hash(struct db *db, int64_t id, char hash[PWHASH_MAX])
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	hash[0] = '\0';
	if ((st = db_stmt(db, stmts[STMT_SCANNER_HASH])) == NULL ||
	    db_bind_int(st, 1, id) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK)
		snprintf(hash, PWHASH_MAX, "%s", db_col_text(st, 0));
	db_reset(st);
	return rc;
}

int
scan_password_key(const char *password, char mac[SEAL_MAC_HEX_LEN + 1])
{
	mac[0] = '\0';
	return seal_mac("scanner password", password, strlen(password), mac);
}

/*
 * Checks password against each row (id, password_hash) st yields; on a
 * match sets *id and copies its hash.  Returns DB_OK (matched or not)
 * or an error.
 */
static enum db_rc
verify_rows(struct db *db, struct db_stmt *st, const char *password,
    int64_t *id, char hash[PWHASH_MAX])
{
	enum db_rc	 rc;

	while ((rc = db_step(db, st)) == DB_OK) {
		snprintf(hash, PWHASH_MAX, "%s", db_col_text(st, 1));
		if (crypto_pw_verify(hash, password)) {
			*id = db_col_int(st, 0);
			break;
		}
	}
	db_reset(st);
	return rc == DB_NOTFOUND ? DB_OK : rc;
}

/*
 * Gives a scanner made before lookups existed (or before a secret_key)
 * its lookup, so that its next sign-in is one index look-up too.  Best
 * effort, in a transaction of its own: when a newer scanner already has
 * the same password's lookup (DB_CONSTRAINT), the old one stays as it
 * is, and that password signs in as the newer one.
 */
static void
key_scanner(struct db *db, int64_t id, const char *mac)
{
	struct db_stmt	*st;

	if (db_in_tx(db) || db_tx_immediate(db) != DB_OK)
		return;
	if ((st = db_stmt(db, stmts[STMT_SCANNER_KEY])) == NULL ||
	    db_bind_int(st, 1, id) == -1 || db_bind_text(st, 2, mac) == -1 ||
	    db_exec(db, st) != DB_OK || db_tx_commit(db) != DB_OK)
		db_tx_rollback(db);
}

int
scan_auth(struct db *db, const char *password, int64_t now,
    int64_t *scanner_id)
{
	struct db_stmt	*st;
	unsigned char	 key[32];
	char		 hash[PWHASH_MAX], mac[SEAL_MAC_HEX_LEN + 1];
	struct auth_slot *slot, *oldest = &auth_cache[0];
	enum db_rc	 rc;
	size_t		 i;
	int		 keyed;

	*scanner_id = 0;
	cache_key(password, key);
	for (i = 0; i < AUTH_CACHE_SLOTS; i++) {
		slot = &auth_cache[i];
		if (slot->until < oldest->until)
			oldest = slot;
		if (slot->until <= now || sodium_memcmp(slot->key, key, 32))
			continue;
		/* Still active with the same password? */
		rc = scanner_hash(db, slot->scanner_id, hash);
		if (rc == DB_OK && strcmp(hash, slot->hash) == 0) {
			*scanner_id = slot->scanner_id;
			return 1;
		}
		slot->until = 0;
		if (rc != DB_OK && rc != DB_NOTFOUND)
			return -1;
	}

	/*
	 * The slow path: the scanner the password's lookup names, one
	 * argon2id check; then the scanners without a lookup yet, one
	 * check each (none once every scanner has signed in since the
	 * upgrade, unless there is no secret_key).
	 */
	keyed = scan_password_key(password, mac) == 0;
	if (keyed && ((st = db_stmt(db, stmts[STMT_SCANNER_LOOKUP])) == NULL ||
	    db_bind_text(st, 1, mac) == -1 ||
	    verify_rows(db, st, password, scanner_id, hash) != DB_OK))
		return -1;
	if (*scanner_id == 0) {
		if ((st = db_stmt(db, stmts[STMT_SCANNERS_UNKEYED])) == NULL ||
		    verify_rows(db, st, password, scanner_id, hash) != DB_OK)
			return -1;
		if (*scanner_id != 0 && keyed)
			key_scanner(db, *scanner_id, mac);
	}
	if (*scanner_id == 0)
		return 0;
	memcpy(oldest->key, key, sizeof(oldest->key));
	oldest->scanner_id = *scanner_id;
	oldest->until = now + AUTH_CACHE_SECONDS;
	snprintf(oldest->hash, sizeof(oldest->hash), "%s", hash);
	return 1;
}

/*
 * The throttle comes after the password check, never before it.  Checked
 * first, it let anyone sharing the door's address (the venue's NAT, the
 * festival wifi) lock the door out with ten wrong guesses a minute.  Now
 * a right password always passes and only wrong ones are slowed: past
 * SCAN_FAILS_MAX they are answered 429 with the time left, so a client
 * that honours Retry-After stops, and the counting goes on so a guesser
 * that ignores it stays throttled.  A door's success does not reset its
 * address: it says nothing about the guesser beside it.
 *
 * A wrong password costs little work: its lookup names no scanner, so
 * no argon2id runs for it at all once every scanner has a lookup (see
 * scan_auth).  What bounds the rate of guessing is nginx's per-address
 * limit_req on the scan paths, in front of every worker, and the length
 * of scanner passwords (20 random letters when none is chosen).
 */
enum err
scan_password(struct db *db, const char *addr, const char *password,
    int64_t now, int64_t *scanner_id, int64_t *retry_after)
{
	struct fail_count	 f;
	int			 ok = 0;

	*scanner_id = 0;
	*retry_after = 0;
	if (password != NULL && (ok = scan_auth(db, password, now,
	    scanner_id)) < 0)
		return ERR_INTERNAL;
	if (ok)
		return ERR_OK;
	if (fail_count(addr, now, &f) == -1) {
		/* Refused all the same; only not counted. */
		log_err("scanner passwords: cannot count a wrong one");
		return ERR_INCORRECT_PASSWORD;
	}
	if (f.count <= SCAN_FAILS_MAX)
		return ERR_INCORRECT_PASSWORD;
	if (f.count == SCAN_FAILS_MAX + 1)
		log_warn("scanner passwords: %d wrong from %s within %d s;"
		    " answering 429 to its wrong ones", SCAN_FAILS_MAX,
		    addr != NULL ? addr : "-", SCAN_FAILS_WINDOW);
	*retry_after = f.since + SCAN_FAILS_WINDOW - now;
	return ERR_TOO_MANY_ATTEMPTS;
}

enum err
scan_login(struct db *db, const char *addr, const char *password,
    int64_t now, char token[TOKEN_HEX_LEN + 1], int64_t *retry_after)
{
	int64_t		 scanner_id;
	enum db_rc	 rc;
	enum err	 e;

	if ((e = scan_password(db, addr, password, now, &scanner_id,
	    retry_after)) != ERR_OK)
		return e;
	if ((rc = db_tx_immediate(db)) != DB_OK)
		return err_from_db(rc);
	if ((rc = sess_create_scanner(db, scanner_id, now, SCANNER_SECONDS,
	    token)) != DB_OK || (rc = db_tx_commit(db)) != DB_OK) {
		db_tx_rollback(db);
		return err_from_db(rc);
	}
	return ERR_OK;
}

int
scan_session(struct db *db, const char *token, int64_t now,
    struct session *s)
{
	return token != NULL && sess_find(db, token, now, s) == DB_OK &&
	    s->kind == SESS_SCANNER && s->scanner_id != 0;
}

void
scan_logout(struct db *db, const char *token, int64_t now)
{
	struct session	 s;

	if (!scan_session(db, token, now, &s) ||
	    db_tx_immediate(db) != DB_OK)
		return;
	if (sess_revoke(db, s.id, now) != DB_OK || db_tx_commit(db) != DB_OK)
		db_tx_rollback(db);
}


/* What a scan looks for: a short code, or a verified signed code. */
struct scan_code {
	const char		*code;		/* upper case */
	int			 is_signed;
	struct ticketsig	 sig;
	int64_t			 organizer_id;	/* the signing key's; 0: none */
};

static void
copy_col(char *dst, size_t dstsz, struct db_stmt *st, int i)
{
	const char	*v = db_col_text(st, i);

	snprintf(dst, dstsz, "%s", v != NULL ? v : "");
}

/* What load_ticket reads besides the answer: the ticket's standing. */
struct loaded {
	enum ticket_status	 tstatus;
	struct order		 o;
	struct checkin_rules	 rules;
	struct checkin_state	 state;
	int64_t			 day_starts;
};

/*
 * Loads the ticket c names if door may see it: DB_OK, DB_NOTFOUND (no
 * such ticket, or not door's) or an error.
 */
static enum db_rc
load_ticket(struct db *db, const struct scan_door *door,
    const struct scan_code *c, struct scan_result *out, struct loaded *l)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	if (c->is_signed) {
		if ((st = db_stmt(db, stmts[STMT_TICKET_SIGNED])) == NULL ||
		    db_bind_int(st, 1, c->sig.ticket_id) == -1 ||
		    db_bind_int(st, 4, c->sig.event_id) == -1 ||
		    db_bind_int(st, 5, c->sig.variant) == -1 ||
		    db_bind_int(st, 6, c->organizer_id) == -1)
			return DB_ERROR;
	} else if ((st = db_stmt(db, stmts[STMT_TICKET])) == NULL ||
	    db_bind_text(st, 1, c->code) == -1)
		return DB_ERROR;
	if (db_bind_int(st, 2, door->scanner_id) == -1 ||
	    db_bind_int(st, 3, door->user_id) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK) {
		out->ticket_id = db_col_int(st, 0);
		copy_col(out->external_id, sizeof(out->external_id), st, 1);
		out->times_used = db_col_int(st, 2);
		copy_col(out->ticket_status, sizeof(out->ticket_status), st, 3);
		l->tstatus = ticket_status_parse(out->ticket_status);
		l->o.status = order_status_parse(db_col_text(st, 4));
		l->o.expires_at = db_col_int(st, 7);
		copy_col(out->event_title, sizeof(out->event_title), st, 5);
		copy_col(out->ticket_type, sizeof(out->ticket_type), st, 6);
		out->event_id = db_col_int(st, 8);
		out->event_at = db_col_int(st, 9);
		copy_col(out->venue, sizeof(out->venue), st, 10);
		copy_col(out->first_name, sizeof(out->first_name), st, 11);
		copy_col(out->last_name, sizeof(out->last_name), st, 12);
		copy_col(out->email, sizeof(out->email), st, 13);
		out->used_at = db_col_int(st, 14);
		l->state.times_used = out->times_used;
		l->state.inside = db_col_int(st, 15) != 0;
		copy_col(l->state.admitted_day, sizeof(l->state.admitted_day),
		    st, 16);
		l->rules.reentry = db_col_int(st, 17) != 0;
		l->rules.pass = db_col_int(st, 18) != 0;
		copy_col(l->rules.day, sizeof(l->rules.day), st, 19);
		l->day_starts = db_col_int(st, 20);
	}
	db_reset(st);
	return rc;
}

/* Copies what the door rules say of a loaded ticket into out. */
static void
answer_rules(const struct loaded *l, const struct checkin_state *s,
    struct scan_result *out)
{
	out->reentry = l->rules.reentry;
	out->pass = l->rules.pass;
	snprintf(out->day, sizeof(out->day), "%s", l->rules.day);
	out->inside = s->inside;
	out->used = checkin_used(&l->rules, s, out->door_day);
}

/* ticketsig's key look-up: a key still valid, remembering its organizer. */
struct sig_lookup {
	struct db	*db;
	int64_t		 now;
	int64_t		 organizer_id;
};

static int
sig_key(void *arg, uint32_t key_id, unsigned char pk[TICKETSIG_PK_LEN])
{
	struct sig_lookup	*a = arg;

	return ticketkey_public(a->db, key_id, a->now, pk, &a->organizer_id);
}

/* What scan counts for a signed code it refuses (0: nothing). */
static const enum metric refused_metric[TICKETSIG__MAX] = {
	[TICKETSIG_FORMAT] = METRIC_SCAN_FORMAT,
	[TICKETSIG_UNKNOWN_KEY] = METRIC_SCAN_UNKNOWN_KEY,
	[TICKETSIG_BAD_SIGNATURE] = METRIC_SCAN_BAD_SIGNATURE,
	[TICKETSIG_NOT_YET_VALID] = METRIC_SCAN_NOT_YET_VALID,
	[TICKETSIG_EXPIRED] = METRIC_SCAN_EXPIRED,
};

/*
 * Reads code into c: a short code as it is, a signed one verified.
 * Returns 1, 0 for a signed code that fails (logged with why; never the
 * code), -1 when the keys cannot be read.
 */
static int
read_code(struct db *db, int64_t now, const char *code, struct scan_code *c)
{
	struct sig_lookup	 a = { db, now, 0 };
	enum ticketsig_rc	 rc;

	memset(c, 0, sizeof(*c));
	c->code = code;
	if (!ticketsig_looks_signed(code, strlen(code)))
		return 1;
	c->is_signed = 1;
	rc = ticketsig_verify(code, strlen(code), sig_key, &a, 0, now,
	    &c->sig);
	if (rc == TICKETSIG_ERROR)
		return -1;
	if (rc != TICKETSIG_OK) {
		if (rc < TICKETSIG__MAX && refused_metric[rc] != 0)
			metrics_add(refused_metric[rc], 1);
		log_info("scan: a signed code refused: %s (key %u, ticket %u)",
		    ticketsig_reason(rc), (unsigned)c->sig.key_id,
		    (unsigned)c->sig.ticket_id);
		return 0;
	}
	c->organizer_id = a.organizer_id;
	return 1;
}

/*
 * Seed 002's status of a scanned ticket: its order's payment status, but
 * never "PAID" for a ticket that may not enter although its order is
 * paid (upstream's scanner admits only "PAID"): "TRANSFERRED" for one a
 * transfer replaced, and upstream's "FAILED_ADMIN" (what its staff set
 * on a payment they stop) for one cancelled or refunded by itself.
 */
static void
compat_status(struct scan_result *out, const struct loaded *l, int64_t now)
{
	const char	*s = order_compat_status(&l->o, now);

	if (strcmp(out->ticket_status, "transferred") == 0)
		s = "TRANSFERRED";
	else if (l->tstatus != TICKET_VALID && strcmp(s, "PAID") == 0)
		s = "FAILED_ADMIN";
	snprintf(out->status, sizeof(out->status), "%s", s);
}

/* checkins.result of a scan refused because the ticket may not enter. */
static const char *
refused(const struct scan_result *out)
{
	return strcmp(out->ticket_status, "transferred") == 0 ?
	    "transferred" : "not_paid";
}

/* A code the door may not see: journalled, and answered as unknown. */
static enum err
unknown(struct db *db, struct scanlog_entry *e, struct scan_result *out)
{
	memset(out, 0, sizeof(*out));
	e->ticket_id = 0;
	e->times_used = -1;
	e->result = "unknown";
	(void)scanlog_append(db, e);
	return ERR_TICKET_NOT_FOUND;
}

/* Writes a scan's new state of the ticket: nothing when nothing changed,
 * only the count if that is all that did.  admitted_at: the time of an
 * admission, else 0. */
static enum db_rc
store_state(struct db *db, int64_t ticket_id,
    const struct checkin_state *was, const struct checkin_state *next,
    int64_t admitted_at)
{
	struct db_stmt	*st;
	int		 counted_only;

	counted_only = next->inside == was->inside &&
	    strcmp(next->admitted_day, was->admitted_day) == 0;
	if (counted_only && next->times_used == was->times_used)
		return DB_OK;	/* refused without counting: wrong day, not in */
	if ((st = db_stmt(db, stmts[counted_only ? STMT_USE_AGAIN :
	    STMT_USE])) == NULL ||
	    db_bind_int(st, 1, ticket_id) == -1 ||
	    db_bind_int(st, 2, next->times_used) == -1)
		return DB_ERROR;
	if (!counted_only && (db_bind_int(st, 3, next->inside) == -1 ||
	    db_bind_text(st, 4, next->admitted_day) == -1 ||
	    (admitted_at != 0 ? db_bind_int(st, 5, admitted_at) :
	    db_bind_null(st, 5)) == -1))
		return DB_ERROR;
	return db_exec(db, st);
}

/*
 * A scan that changes nothing is answered from a read transaction and
 * journalled (lib/scanlog); only a scan with use takes the write lock,
 * reads the ticket under it and decides there (lib/checkin), so of two
 * doors admitting the same ticket at once exactly one admits.  The
 * door's scope is part of that one read (load_ticket).  A scan with use
 * that admits nothing (unknown, not paid) gives the lock back unwritten
 * and is journalled like a look-up.
 */
enum err
scan_ticket_dir(struct db *db, int64_t now, const struct scan_door *door,
    const char *external_id, int use, enum checkin_dir dir,
    struct scan_result *out)
{
	struct scanlog_entry	 e;
	struct scan_code	 c;
	struct loaded		 l;
	struct checkin_state	 next;
	enum checkin_outcome	 oc;
	char			 code[SCAN_ID_MAX + 1];
	enum db_rc		 rc;
	size_t			 i;
	int			 paid, ok;

	memset(out, 0, sizeof(*out));
	memset(&l, 0, sizeof(l));
	l.tstatus = TICKET_CANCELLED;
	/* People type codes in lower case; ours are upper case. */
	for (i = 0; external_id[i] != '\0' && i < SCAN_ID_MAX; i++)
		code[i] = (char)toupper((unsigned char)external_id[i]);
	code[i] = '\0';
	memset(&e, 0, sizeof(e));
	e.at = now;
	e.external_id = code;
	e.scanner_id = door->scanner_id;
	e.user_id = door->user_id;
	e.use = use;
	e.direction = checkin_dir_name(dir);

	/* Entering or leaving is decided under the write lock, so the
	 * ticket is read under it at once; a look-up reads only. */
	if ((rc = use ? db_tx_immediate(db) : db_tx_read(db)) != DB_OK)
		return err_from_db(rc);
	if ((ok = read_code(db, now, code, &c)) == 1)
		rc = load_ticket(db, door, &c, out, &l);
	paid = ok == 1 && rc == DB_OK && l.o.status == ORDER_PAID &&
	    l.tstatus == TICKET_VALID;
	if (!paid || !use)
		db_tx_rollback(db);
	if (ok == -1)
		return ERR_INTERNAL;
	if (ok == 0 || rc == DB_NOTFOUND)
		return unknown(db, &e, out);
	if (rc != DB_OK)
		return err_from_db(rc);
	checkin_day(now, l.day_starts, out->door_day);
	answer_rules(&l, &l.state, out);
	out->valid = paid;
	compat_status(out, &l, now);
	e.ticket_id = out->ticket_id;
	e.times_used = out->times_used;
	if (!paid || !use) {
		e.result = out->result = !paid ? refused(out) : "shown";
		(void)scanlog_append(db, &e);
		return ERR_OK;
	}

	next = l.state;
	oc = checkin_decide(&l.rules, &l.state, out->door_day, dir,
	    &next);
	e.result = checkin_outcome_name(oc);
	out->admitted = oc == CHECKIN_ADMITTED;
	if ((rc = store_state(db, out->ticket_id, &l.state, &next,
	    out->admitted ? now : 0)) != DB_OK)
		goto fail;
	if (out->admitted)
		out->used_at = now;
	out->result = e.result;
	answer_rules(&l, &next, out);
	if ((rc = scanlog_write(db, &e)) != DB_OK ||
	    (rc = db_tx_commit(db)) != DB_OK)
		goto fail;
	return ERR_OK;
fail:
	db_tx_rollback(db);
	return err_from_db(rc == DB_NOTFOUND ? DB_ERROR : rc);
}

enum err
scan_ticket(struct db *db, int64_t now, const struct scan_door *door,
    const char *external_id, int use, struct scan_result *out)
{
	return scan_ticket_dir(db, now, door, external_id, use,
	    CHECKIN_ENTRY, out);
}

enum db_rc
scan_revocations(struct db *db, const struct scan_door *door,
    int64_t event_id, void (*fn)(void *, int64_t), void *arg)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	if ((rc = db_tx_read(db)) != DB_OK)
		return rc;
	if ((st = db_stmt(db, stmts[STMT_EVENT_VISIBLE])) == NULL ||
	    db_bind_int(st, 1, event_id) == -1 ||
	    db_bind_int(st, 2, door->scanner_id) == -1 ||
	    db_bind_int(st, 3, door->user_id) == -1) {
		rc = DB_ERROR;
		goto out;
	}
	rc = db_step(db, st);
	db_reset(st);
	if (rc != DB_OK)
		goto out;
	if ((st = db_stmt(db, stmts[STMT_REVOKED])) == NULL ||
	    db_bind_int(st, 1, event_id) == -1) {
		rc = DB_ERROR;
		goto out;
	}
	while ((rc = db_step(db, st)) == DB_OK)
		fn(arg, db_col_int(st, 0));
	db_reset(st);
	if (rc == DB_NOTFOUND)
		rc = DB_OK;
out:
	db_tx_rollback(db);
	return rc;
}
