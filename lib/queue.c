/*
 * The on-sale queue (see queue.h for the rules).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "crypto.h"
#include "db.h"
#include "field.h"
#include "limits.h"
#include "queue.h"
#include "seal.h"
#include "session.h"
#include "tfmt.h"

/* Ranks: early places draw below RANK_LATE, later ones are above it. */
#define RANK_LATE	(INT64_C(1) << 62)
/* Seconds of selling counted for admissions: keeps the products small. */
#define SPAN_MAX	(INT64_C(1) << 40)
/* What a pass's signature is for (seal_mac()'s purpose). */
#define PASS_PURPOSE	"queue pass"

static const char *const state_names[QUEUE_STATE__MAX] = {
	[QUEUE_OUT] = "out",
	[QUEUE_WAITING] = "waiting",
	[QUEUE_ADMITTED] = "admitted",
	[QUEUE_LAPSED] = "lapsed",
};

enum stmt {
	STMT_EVENT,
	STMT_PLACE,
	STMT_PLACE_INSERT,
	STMT_REQUEUE,
	STMT_AHEAD,
	STMT_UNDRAWN,
	STMT_LAST_SLOT,
	STMT_DRAW,
	STMT_ADMIT,
	STMT_PRUNE,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	/* Places of events whose sales have stopped, a batch at a time. */
	[STMT_PRUNE] =
	    "DELETE FROM queue WHERE id IN (SELECT q.id FROM queue q"
	    " JOIN events e ON e.id = q.event_id"
	    " WHERE e.sales_stop_at < ?1 LIMIT ?2)",
	[STMT_EVENT] =
	    "SELECT status, sales_stop_at, sales_start_at, queue_enabled,"
	    " queue_rate FROM events WHERE id = ?1",
	[STMT_PLACE] =
	    "SELECT id, rank, slot, admitted_at FROM queue"
	    " WHERE event_id = ?1 AND visitor_hash = ?2",
	[STMT_PLACE_INSERT] =
	    "INSERT INTO queue (event_id, visitor_hash, joined_at, rank, slot)"
	    " VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
	[STMT_REQUEUE] =
	    "UPDATE queue SET joined_at = ?2, rank = ?3, slot = ?4,"
	    " admitted_at = NULL WHERE id = ?1",
	/* Early places ahead of one, before the draw (index queue_rank). */
	[STMT_AHEAD] =
	    "SELECT count(*) FROM queue WHERE event_id = ?1"
	    " AND (rank < ?2 OR (rank = ?2 AND id < ?3))",
	/* Index queue_undrawn: one probe, also after the draw. */
	[STMT_UNDRAWN] =
	    "SELECT EXISTS (SELECT 1 FROM queue WHERE event_id = ?1"
	    " AND slot IS NULL)",
	[STMT_LAST_SLOT] =
	    "SELECT slot FROM queue WHERE event_id = ?1 AND slot IS NOT NULL"
	    " ORDER BY slot DESC LIMIT 1",
	/*
	 * The draw: the places without a slot, numbered after the last
	 * slot (?2) in the order of their random ranks.
	 */
	[STMT_DRAW] =
	    "UPDATE queue SET slot = ?2 + d.n FROM (SELECT id, row_number()"
	    " OVER (ORDER BY rank, id) AS n FROM queue"
	    " WHERE event_id = ?1 AND slot IS NULL) AS d WHERE queue.id = d.id",
	[STMT_ADMIT] =
	    "UPDATE queue SET admitted_at = ?2"
	    " WHERE id = ?1 AND admitted_at IS NULL",
};

/* An event's selling and queue settings. */
struct qevent {
	int		 draft, published, enabled;
	int64_t		 start, stop, rate;
};

/* A place's row. */
struct qrow {
	int64_t		 id, rank, slot, admitted_at;	/* 0: NULL */
};

const char *
queue_state_str(enum queue_state s)
{
	return s < QUEUE_STATE__MAX ? state_names[s] : "out";
}

void
queue_pass_cookie(int64_t event_id, char name[QUEUE_COOKIE_NAME_MAX])
{
	snprintf(name, QUEUE_COOKIE_NAME_MAX, "%s%lld", QUEUE_PASS_COOKIE,
	    (long long)event_id);
}

/* Admissions due by now: floor((now - start) * rate / 60). */
static int64_t
due_count(const struct qevent *ev, int64_t now)
{
	int64_t	 span;

	if (now <= ev->start)
		return 0;
	span = now - ev->start;
	if (span < 0 || span > SPAN_MAX)	/* wrapped, or far off */
		span = SPAN_MAX;
	return span * ev->rate / 60;
}

/* The first second at which slot is due. */
static int64_t
due_at(const struct qevent *ev, int64_t slot)
{
	return ev->start + (slot * 60 + ev->rate - 1) / ev->rate;
}

static enum db_rc
load_event(struct db *db, int64_t id, struct qevent *ev)
{
	struct db_stmt	*st;
	const char	*status;
	enum db_rc	 rc;

	memset(ev, 0, sizeof(*ev));
	if ((st = db_stmt(db, stmts[STMT_EVENT])) == NULL ||
	    db_bind_int(st, 1, id) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK) {
		status = db_col_text(st, 0);
		ev->draft = strcmp(status, "draft") == 0;
		ev->published = strcmp(status, "published") == 0;
		ev->stop = db_col_int(st, 1);
		ev->start = db_col_int(st, 2);
		ev->enabled = db_col_int(st, 3) != 0;
		ev->rate = db_col_int(st, 4);
		/* The schema says > 0; the cap keeps the arithmetic small. */
		if (ev->rate < 1)
			ev->rate = 1;
		if (ev->rate > QUEUE_RATE_MAX)
			ev->rate = QUEUE_RATE_MAX;
	}
	db_reset(st);
	return rc;
}

/* The event's answer before any place is looked at. */
static enum err
event_check(struct db *db, int64_t now, int64_t event_id, struct qevent *ev)
{
	enum db_rc	 rc;

	if ((rc = load_event(db, event_id, ev)) == DB_NOTFOUND || ev->draft)
		return ERR_EVENT_NOT_FOUND;
	if (rc != DB_OK)
		return err_from_db(rc);
	if (!ev->enabled)
		return ERR_NOT_FOUND;
	if (!ev->published || ev->stop <= now)
		return ERR_SALES_STOPPED;
	return ERR_OK;
}

/* Loads the place of visitor_hash; DB_NOTFOUND when there is none. */
static enum db_rc
load_place(struct db *db, int64_t event_id, const char *visitor_hash,
    struct qrow *r)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	memset(r, 0, sizeof(*r));
	if ((st = db_stmt(db, stmts[STMT_PLACE])) == NULL ||
	    db_bind_int(st, 1, event_id) == -1 ||
	    db_bind_text(st, 2, visitor_hash) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK) {
		r->id = db_col_int(st, 0);
		r->rank = db_col_int(st, 1);
		r->slot = db_col_isnull(st, 2) ? 0 : db_col_int(st, 2);
		r->admitted_at = db_col_isnull(st, 3) ? 0 : db_col_int(st, 3);
	}
	db_reset(st);
	return rc;
}

/* Runs a statement that returns one integer into *v (0 on no row). */
static enum db_rc
one_int(struct db *db, int k, int64_t a, int64_t b, int64_t c, int nargs,
    int64_t *v)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	*v = 0;
	if ((st = db_stmt(db, stmts[k])) == NULL ||
	    db_bind_int(st, 1, a) == -1 ||
	    (nargs > 1 && db_bind_int(st, 2, b) == -1) ||
	    (nargs > 2 && db_bind_int(st, 3, c) == -1))
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK)
		*v = db_col_int(st, 0);
	db_reset(st);
	return rc == DB_NOTFOUND ? DB_OK : rc;
}

/*
 * Numbers the early places once the start has come, after any slot
 * already given (sales_start_at moved later after a draw).  Without
 * writable, only says whether that is due (*need_write).
 */
static enum db_rc
draw_if_due(struct db *db, int64_t now, int64_t event_id,
    const struct qevent *ev, int writable, int *need_write)
{
	struct db_stmt	*st;
	int64_t		 undrawn, last;
	enum db_rc	 rc;

	if (now < ev->start)
		return DB_OK;
	if ((rc = one_int(db, STMT_UNDRAWN, event_id, 0, 0, 1, &undrawn)) !=
	    DB_OK || !undrawn)
		return rc;
	if (!writable) {
		*need_write = 1;
		return DB_OK;
	}
	if ((rc = one_int(db, STMT_LAST_SLOT, event_id, 0, 0, 1, &last)) !=
	    DB_OK)
		return rc;
	if ((st = db_stmt(db, stmts[STMT_DRAW])) == NULL ||
	    db_bind_int(st, 1, event_id) == -1 ||
	    db_bind_int(st, 2, last) == -1)
		return DB_ERROR;
	return db_exec(db, st);
}

/*
 * The slot a place joining now gets after the start: behind the last
 * one, and no further back among the admissions already due than one
 * second's worth, so a crowd arriving after a quiet spell is let in at
 * the rate, not all at once on the turns nobody took.  Call after the
 * draw.
 */
static enum db_rc
next_slot(struct db *db, int64_t now, int64_t event_id,
    const struct qevent *ev, int64_t *slot)
{
	int64_t		 last, low;
	enum db_rc	 rc;

	if ((rc = one_int(db, STMT_LAST_SLOT, event_id, 0, 0, 1, &last)) !=
	    DB_OK)
		return rc;
	low = due_count(ev, now) - (ev->rate + 59) / 60 + 1;
	*slot = last + 1 > low ? last + 1 : low;
	if (*slot < 1)
		*slot = 1;
	return DB_OK;
}

/* A random rank below RANK_LATE, for a place taken before the start. */
static int64_t
early_rank(void)
{
	uint64_t	 r;

	randombytes_buf(&r, sizeof(r));
	return (int64_t)(r & (uint64_t)(RANK_LATE - 1));
}

/* Signs the pass of place_id for event_id until expires. */
static int
pass_sign(int64_t event_id, int64_t place_id, int64_t expires,
    char out[QUEUE_PASS_MAX + 1])
{
	char	 body[QUEUE_PASS_MAX + 1], mac[SEAL_MAC_HEX_LEN + 1];
	int	 n;

	out[0] = '\0';
	n = snprintf(body, sizeof(body), "%lld.%lld.%lld",
	    (long long)event_id, (long long)place_id, (long long)expires);
	if (n < 0 || (size_t)n >= sizeof(body) ||
	    seal_mac(PASS_PURPOSE, body, (size_t)n, mac) == -1)
		return -1;
	n = snprintf(out, QUEUE_PASS_MAX + 1, "%s.%s", body, mac);
	if (n < 0 || n > QUEUE_PASS_MAX) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

int
queue_pass_valid(const char *pass, int64_t event_id, int64_t now)
{
	char		 copy[QUEUE_PASS_MAX + 1], mac[SEAL_MAC_HEX_LEN + 1];
	char		*f[4], *p;
	int64_t		 ev, place, expires;
	size_t		 len, i;

	if (pass == NULL || (len = strlen(pass)) > QUEUE_PASS_MAX)
		return 0;
	memcpy(copy, pass, len + 1);

	/* "<event>.<place>.<expires>.<mac>", nothing more. */
	for (p = copy, i = 0; i < 4; i++) {
		f[i] = p;
		p = strchr(p, '.');
		if (i < 3) {
			if (p == NULL)
				return 0;
			*p++ = '\0';
		} else if (p != NULL)
			return 0;
	}
	if (field_strtonum(f[0], 1, ID_MAX, &ev) == -1 ||
	    field_strtonum(f[1], 1, ID_MAX, &place) == -1 ||
	    field_strtonum(f[2], 0, INT64_MAX, &expires) == -1 ||
	    strlen(f[3]) != SEAL_MAC_HEX_LEN)
		return 0;

	/* The signature covers the text as sent, up to the last dot. */
	if (seal_mac(PASS_PURPOSE, pass, (size_t)(f[3] - 1 - copy), mac) ==
	    -1 || !crypto_streq(mac, f[3]))
		return 0;
	return ev == event_id && now < expires;
}

/*
 * Works out where the place of visitor_hash stands into out (QUEUE_OUT
 * when visitor_hash is NULL or has none).  With writable (inside a
 * write transaction) it makes the draw and records admitted_at when
 * due; without, it sets *need_write instead and returns, and the caller
 * runs it again in a write transaction.  Returns ERR_OK,
 * ERR_NOT_CONFIGURED (a pass to sign, no secret_key), ERR_BUSY or
 * ERR_INTERNAL.
 */
static enum err
place_fill(struct db *db, int64_t now, int64_t event_id,
    const struct qevent *ev, const char *visitor_hash, int writable,
    int *need_write, struct queue_place *out)
{
	struct db_stmt	*st;
	struct qrow	 r;
	int64_t		 due, ahead, slot;
	enum db_rc	 rc = DB_NOTFOUND;

	memset(out, 0, sizeof(*out));
	out->event_id = event_id;
	out->sales_start_at = ev->start;
	out->rate = ev->rate;
	memset(&r, 0, sizeof(r));
	if (visitor_hash != NULL &&
	    (rc = load_place(db, event_id, visitor_hash, &r)) != DB_OK &&
	    rc != DB_NOTFOUND)
		return err_from_db(rc);

	/* Whoever comes after the start needs the early places numbered. */
	if ((r.id == 0 || r.slot == 0) &&
	    (rc = draw_if_due(db, now, event_id, ev, writable, need_write)) !=
	    DB_OK)
		return err_from_db(rc);
	if (*need_write)
		return ERR_OK;
	if (r.id != 0 && r.slot == 0 && now >= ev->start &&
	    (rc = load_place(db, event_id, visitor_hash, &r)) != DB_OK)
		return err_from_db(rc);

	due = due_count(ev, now);
	if (r.id == 0) {
		/* No place: what joining now would mean, after the start. */
		out->state = QUEUE_OUT;
		if (now >= ev->start) {
			if ((rc = next_slot(db, now, event_id, ev, &slot)) !=
			    DB_OK)
				return err_from_db(rc);
			out->drawn = 1;
			out->position = slot > due ? slot - due : 0;
			out->wait_seconds = due_at(ev, slot) > now ?
			    due_at(ev, slot) - now : 0;
		}
		return ERR_OK;
	}
	out->place_id = r.id;

	if (r.slot == 0) {
		/* Early, before the draw: a provisional place. */
		if ((rc = one_int(db, STMT_AHEAD, event_id, r.rank, r.id, 3,
		    &ahead)) != DB_OK)
			return err_from_db(rc);
		out->state = QUEUE_WAITING;
		out->position = ahead + 1;
		out->wait_seconds = ev->start - now +
		    (out->position * 60 + ev->rate - 1) / ev->rate;
		return ERR_OK;
	}
	out->drawn = 1;
	if (r.slot > due) {
		out->state = QUEUE_WAITING;
		out->position = r.slot - due;
		out->wait_seconds = due_at(ev, r.slot) - now;
		return ERR_OK;
	}

	/* Our turn: the pass's time runs from the first look at it. */
	if (r.admitted_at == 0) {
		if (!writable) {
			*need_write = 1;
			return ERR_OK;
		}
		if ((st = db_stmt(db, stmts[STMT_ADMIT])) == NULL ||
		    db_bind_int(st, 1, r.id) == -1 ||
		    db_bind_int(st, 2, now) == -1)
			return ERR_INTERNAL;
		if ((rc = db_exec(db, st)) != DB_OK)
			return err_from_db(rc);
		r.admitted_at = now;
	}
	out->pass_expires_at = r.admitted_at + QUEUE_PASS_SECONDS;
	if (out->pass_expires_at <= now) {
		out->state = QUEUE_LAPSED;
		return ERR_OK;
	}
	out->state = QUEUE_ADMITTED;
	if (pass_sign(event_id, r.id, out->pass_expires_at, out->pass) == -1)
		return seal_ready() ? ERR_INTERNAL : ERR_NOT_CONFIGURED;
	return ERR_OK;
}

/*
 * Gives visitor_hash a place at the back (or, before the start, a random
 * one among the early places): a new row, or row_id's again after its
 * pass lapsed.  Inside the write transaction.
 */
static enum db_rc
take_place(struct db *db, int64_t now, int64_t event_id,
    const struct qevent *ev, const char *visitor_hash, int64_t row_id)
{
	struct db_stmt	*st;
	int64_t		 rank, slot = 0, id;
	enum db_rc	 rc;
	int		 need = 0;

	if (now < ev->start)
		rank = early_rank();
	else {
		if ((rc = draw_if_due(db, now, event_id, ev, 1, &need)) !=
		    DB_OK ||
		    (rc = next_slot(db, now, event_id, ev, &slot)) != DB_OK)
			return rc;
		rank = RANK_LATE + slot;
	}
	if (row_id != 0) {
		if ((st = db_stmt(db, stmts[STMT_REQUEUE])) == NULL ||
		    db_bind_int(st, 1, row_id) == -1 ||
		    db_bind_int(st, 2, now) == -1 ||
		    db_bind_int(st, 3, rank) == -1 ||
		    (slot != 0 ? db_bind_int(st, 4, slot) :
		    db_bind_null(st, 4)) == -1)
			return DB_ERROR;
		return db_exec(db, st);
	}
	if ((st = db_stmt(db, stmts[STMT_PLACE_INSERT])) == NULL ||
	    db_bind_int(st, 1, event_id) == -1 ||
	    db_bind_text(st, 2, visitor_hash) == -1 ||
	    db_bind_int(st, 3, now) == -1 ||
	    db_bind_int(st, 4, rank) == -1 ||
	    (slot != 0 ? db_bind_int(st, 5, slot) : db_bind_null(st, 5)) == -1)
		return DB_ERROR;
	return db_insert_id(db, st, &id);
}

enum err
queue_join(struct db *db, int64_t now, int64_t event_id, const char *visitor,
    char new_visitor[TOKEN_HEX_LEN + 1], struct queue_place *out)
{
	struct qevent	 ev;
	struct qrow	 r;
	char		 hash[TOKEN_HASH_HEX_LEN + 1];
	enum db_rc	 rc;
	enum err	 e;
	int		 need = 0;

	memset(out, 0, sizeof(*out));
	new_visitor[0] = '\0';
	if ((rc = db_tx_immediate(db)) != DB_OK)
		return err_from_db(rc);
	if ((e = event_check(db, now, event_id, &ev)) != ERR_OK)
		goto fail;

	/* A visitor we do not know gets a token, and a place. */
	if (!sess_token_valid(visitor)) {
		crypto_token(new_visitor);
		visitor = new_visitor;
	}
	crypto_token_hash(visitor, hash);
	if ((rc = load_place(db, event_id, hash, &r)) == DB_NOTFOUND)
		rc = take_place(db, now, event_id, &ev, hash, 0);
	if (rc != DB_OK)
		goto dbfail;
	if ((e = place_fill(db, now, event_id, &ev, hash, 1, &need, out)) !=
	    ERR_OK)
		goto fail;

	/* Lapsed: to the back of the line. */
	if (out->state == QUEUE_LAPSED) {
		if ((rc = take_place(db, now, event_id, &ev, hash,
		    out->place_id)) != DB_OK)
			goto dbfail;
		if ((e = place_fill(db, now, event_id, &ev, hash, 1, &need,
		    out)) != ERR_OK)
			goto fail;
	}
	if ((rc = db_tx_commit(db)) != DB_OK)
		goto dbfail;
	return ERR_OK;
dbfail:
	e = err_from_db(rc);
fail:
	db_tx_rollback(db);
	new_visitor[0] = '\0';
	memset(out, 0, sizeof(*out));
	return e;
}

enum err
queue_status(struct db *db, int64_t now, int64_t event_id,
    const char *visitor, struct queue_place *out)
{
	struct qevent	 ev;
	char		 hash[TOKEN_HASH_HEX_LEN + 1], *h = NULL;
	enum db_rc	 rc;
	enum err	 e;
	int		 need = 0;

	memset(out, 0, sizeof(*out));
	if (sess_token_valid(visitor)) {
		crypto_token_hash(visitor, hash);
		h = hash;
	}

	/* Usually a read is all it takes. */
	if ((rc = db_tx_read(db)) != DB_OK)
		return err_from_db(rc);
	if ((e = event_check(db, now, event_id, &ev)) == ERR_OK)
		e = place_fill(db, now, event_id, &ev, h, 0, &need, out);
	db_tx_rollback(db);
	if (e != ERR_OK || !need)
		goto out;

	/* The draw or a first look at one's turn: the same, writing. */
	need = 0;
	if ((rc = db_tx_immediate(db)) != DB_OK) {
		e = err_from_db(rc);
		goto out;
	}
	if ((e = event_check(db, now, event_id, &ev)) == ERR_OK &&
	    (e = place_fill(db, now, event_id, &ev, h, 1, &need, out)) ==
	    ERR_OK && (rc = db_tx_commit(db)) != DB_OK)
		e = err_from_db(rc);
	if (e != ERR_OK)
		db_tx_rollback(db);
out:
	if (e != ERR_OK)
		memset(out, 0, sizeof(*out));
	return e;
}

static void
add_time(cJSON *o, const char *name, int64_t t)
{
	char	 buf[TFMT_ISO_LEN];

	tfmt_iso(t, buf);
	cJSON_AddStringToObject(o, name, buf);
}

cJSON *
queue_place_json(const struct queue_place *p)
{
	cJSON	*o;
	int	 placed = p->state == QUEUE_WAITING ||
		    (p->state == QUEUE_OUT && p->drawn);

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddNumberToObject(o, "event_id", (double)p->event_id);
	cJSON_AddStringToObject(o, "state", queue_state_str(p->state));
	if (placed)
		cJSON_AddNumberToObject(o, "position", (double)p->position);
	else
		cJSON_AddNullToObject(o, "position");
	cJSON_AddBoolToObject(o, "drawn", p->drawn);
	cJSON_AddBoolToObject(o, "admitted", p->state == QUEUE_ADMITTED);
	if (placed)
		cJSON_AddNumberToObject(o, "estimated_wait_seconds",
		    (double)(p->wait_seconds > 0 ? p->wait_seconds : 0));
	else
		cJSON_AddNullToObject(o, "estimated_wait_seconds");
	if (p->sales_start_at > 0)
		add_time(o, "sales_start_at", p->sales_start_at);
	else
		cJSON_AddNullToObject(o, "sales_start_at");
	cJSON_AddNumberToObject(o, "admissions_per_minute", (double)p->rate);
	if (p->state == QUEUE_ADMITTED) {
		cJSON_AddStringToObject(o, "token", p->pass);
		add_time(o, "token_expires_at", p->pass_expires_at);
	} else {
		cJSON_AddNullToObject(o, "token");
		cJSON_AddNullToObject(o, "token_expires_at");
	}
	return o;
}

enum db_rc
queue_prune(struct db *db, int64_t now, int64_t *removed)
{
	struct db_stmt	*st;
	enum db_rc	 rc;
	int64_t		 n;

	*removed = 0;
	do {
		if ((rc = db_tx_immediate(db)) != DB_OK)
			return rc;
		if ((st = db_stmt(db, stmts[STMT_PRUNE])) == NULL ||
		    db_bind_int(st, 1, now) == -1 ||
		    db_bind_int(st, 2, QUEUE_PRUNE_BATCH) == -1 ||
		    (rc = db_exec(db, st)) != DB_OK) {
			db_tx_rollback(db);
			return rc == DB_OK ? DB_ERROR : rc;
		}
		n = db_changes(db);
		if ((rc = db_tx_commit(db)) != DB_OK) {
			db_tx_rollback(db);
			return rc;
		}
		*removed += n;
	} while (n == QUEUE_PRUNE_BATCH);
	return DB_OK;
}
