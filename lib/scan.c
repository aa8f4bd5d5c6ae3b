/*
 * Scanner authentication and ticket validation.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "crypto.h"
#include "db.h"
#include "log.h"
#include "order.h"
#include "scan.h"
#include "scanlog.h"
#include "session.h"

#define AUTH_CACHE_SLOTS	16
#define AUTH_CACHE_SECONDS	300

enum stmt {
	STMT_SCANNERS,
	STMT_SCANNER_HASH,
	STMT_TICKET,
	STMT_USE,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	[STMT_SCANNERS] =
	    "SELECT id, password_hash FROM scanners WHERE active = 1"
	    " ORDER BY id",
	[STMT_SCANNER_HASH] =
	    "SELECT password_hash FROM scanners WHERE id = ?1 AND active = 1",
	[STMT_TICKET] =
	    "SELECT t.id, t.external_id, t.times_used, t.status, o.status,"
	    " e.title, tt.title, o.expires_at"
	    " FROM tickets t JOIN orders o ON o.id = t.order_id"
	    " JOIN events e ON e.id = t.event_id"
	    " JOIN ticket_types tt ON tt.id = t.ticket_type_id"
	    " WHERE t.external_id = ?1",
	[STMT_USE] =
	    "UPDATE tickets SET times_used = times_used + 1 WHERE id = ?1",
};

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

#define FAIL_SLOTS	64

/* Recent wrong passwords per remote address, in this worker (see
 * scan_password for why they count only against the address). */
static struct fail_slot {
	char	 addr[64];
	int64_t	 since;
	int	 count;
} fails[FAIL_SLOTS];

/* The live slot of addr, or a fresh one in place of the oldest. */
static struct fail_slot *
fail_slot(const char *addr, int64_t now)
{
	struct fail_slot	*oldest = &fails[0];
	size_t			 i;

	if (addr == NULL)
		addr = "";
	for (i = 0; i < FAIL_SLOTS; i++) {
		if (strcmp(fails[i].addr, addr) == 0 &&
		    fails[i].since + SCAN_FAILS_WINDOW > now)
			return &fails[i];
		if (fails[i].since < oldest->since)
			oldest = &fails[i];
	}
	snprintf(oldest->addr, sizeof(oldest->addr), "%s", addr);
	oldest->since = now;
	oldest->count = 0;
	return oldest;
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
scan_auth(struct db *db, const char *password, int64_t now,
    int64_t *scanner_id)
{
	struct db_stmt	*st;
	unsigned char	 key[32];
	char		 hash[PWHASH_MAX];
	struct auth_slot *slot, *oldest = &auth_cache[0];
	enum db_rc	 rc;
	size_t		 i;

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

	/* The slow path: argon2id against each active scanner. */
	if ((st = db_stmt(db, stmts[STMT_SCANNERS])) == NULL)
		return -1;
	while ((rc = db_step(db, st)) == DB_OK) {
		snprintf(hash, sizeof(hash), "%s", db_col_text(st, 1));
		if (crypto_pw_verify(hash, password)) {
			*scanner_id = db_col_int(st, 0);
			break;
		}
	}
	db_reset(st);
	if (rc != DB_OK && rc != DB_NOTFOUND)
		return -1;
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
 * We could save the argon2 work of a throttled address by refusing to
 * verify, but we cannot tell its right password from its wrong ones
 * without verifying, and a budget of verifications per address is the
 * same lock-out with a higher threshold.  What bounds the work and the
 * rate of guessing instead is nginx's per-address limit_req on the scan
 * paths, in front of every worker, and the length of scanner
 * passwords (20 random letters when `biljett scanner-add` makes one).
 */
enum err
scan_password(struct db *db, const char *addr, const char *password,
    int64_t now, int64_t *scanner_id, int64_t *retry_after)
{
	struct fail_slot	*f;
	int			 ok = 0;

	*scanner_id = 0;
	*retry_after = 0;
	if (password != NULL && (ok = scan_auth(db, password, now,
	    scanner_id)) < 0)
		return ERR_INTERNAL;
	if (ok)
		return ERR_OK;
	f = fail_slot(addr, now);
	if (++f->count <= SCAN_FAILS_MAX)
		return ERR_INCORRECT_PASSWORD;
	if (f->count == SCAN_FAILS_MAX + 1)
		log_warn("scanner passwords: %d wrong from %s within %d s;"
		    " answering 429 to its wrong ones", SCAN_FAILS_MAX,
		    f->addr, SCAN_FAILS_WINDOW);
	*retry_after = f->since + SCAN_FAILS_WINDOW - now;
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


/* Loads the ticket with external id code: DB_OK, DB_NOTFOUND or an error. */
static enum db_rc
load_ticket(struct db *db, const char *code, struct scan_result *out,
    int64_t *ticket_id, enum ticket_status *tstatus, struct order *o)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	if ((st = db_stmt(db, stmts[STMT_TICKET])) == NULL ||
	    db_bind_text(st, 1, code) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK) {
		*ticket_id = db_col_int(st, 0);
		snprintf(out->external_id, sizeof(out->external_id), "%s",
		    db_col_text(st, 1));
		out->times_used = db_col_int(st, 2);
		*tstatus = ticket_status_parse(db_col_text(st, 3));
		o->status = order_status_parse(db_col_text(st, 4));
		o->expires_at = db_col_int(st, 7);
		snprintf(out->event_title, sizeof(out->event_title), "%s",
		    db_col_text(st, 5));
		snprintf(out->ticket_type, sizeof(out->ticket_type), "%s",
		    db_col_text(st, 6));
	}
	db_reset(st);
	return rc;
}

/*
 * A scan that changes nothing is answered from a read transaction and
 * journalled (lib/scanlog); only admitting takes the write lock, and
 * reads the ticket again under it, so of two doors admitting the same
 * ticket at once exactly one sees times_used 0.
 */
enum err
scan_ticket(struct db *db, int64_t now, int64_t scanner_id,
    const char *external_id, int use, struct scan_result *out)
{
	struct scanlog_entry	 e;
	struct db_stmt		*st;
	struct order		 o;
	char			 code[SCAN_ID_MAX + 1];
	enum ticket_status	 tstatus = TICKET_CANCELLED;
	int64_t			 ticket_id = 0;
	enum db_rc		 rc;
	size_t			 i;
	int			 paid;

	memset(out, 0, sizeof(*out));
	memset(&o, 0, sizeof(o));
	/* People type codes in lower case; ours are upper case. */
	for (i = 0; external_id[i] != '\0' && i < SCAN_ID_MAX; i++)
		code[i] = (char)toupper((unsigned char)external_id[i]);
	code[i] = '\0';
	memset(&e, 0, sizeof(e));
	e.at = now;
	e.external_id = code;
	e.scanner_id = scanner_id;
	e.use = use;

	if ((rc = db_tx_read(db)) != DB_OK)
		return err_from_db(rc);
	rc = load_ticket(db, code, out, &ticket_id, &tstatus, &o);
	db_tx_rollback(db);
	if (rc == DB_NOTFOUND) {
		e.times_used = -1;
		e.result = "unknown";
		(void)scanlog_append(db, &e);
		return ERR_TICKET_NOT_FOUND;
	}
	if (rc != DB_OK)
		return err_from_db(rc);
	paid = o.status == ORDER_PAID && tstatus == TICKET_VALID;
	if (!paid || !use) {
		snprintf(out->status, sizeof(out->status), "%s",
		    order_compat_status(&o, now));
		e.ticket_id = ticket_id;
		e.times_used = out->times_used;
		e.result = !paid ? "not_paid" : "shown";
		(void)scanlog_append(db, &e);
		return ERR_OK;
	}

	/* Admitting: decide again under the write lock. */
	if ((rc = db_tx_immediate(db)) != DB_OK)
		return err_from_db(rc);
	if ((rc = load_ticket(db, code, out, &ticket_id, &tstatus, &o)) !=
	    DB_OK)
		goto fail;
	snprintf(out->status, sizeof(out->status), "%s",
	    order_compat_status(&o, now));
	paid = o.status == ORDER_PAID && tstatus == TICKET_VALID;
	e.ticket_id = ticket_id;
	e.times_used = out->times_used;
	e.result = !paid ? "not_paid" : out->times_used == 0 ? "admitted" :
	    "already_used";
	if (paid) {
		if ((st = db_stmt(db, stmts[STMT_USE])) == NULL ||
		    db_bind_int(st, 1, ticket_id) == -1) {
			rc = DB_ERROR;
			goto fail;
		}
		if ((rc = db_exec(db, st)) != DB_OK)
			goto fail;
		out->admitted = out->times_used == 0;
	}
	if ((rc = scanlog_write(db, &e)) != DB_OK ||
	    (rc = db_tx_commit(db)) != DB_OK)
		goto fail;
	return ERR_OK;
fail:
	db_tx_rollback(db);
	return err_from_db(rc == DB_NOTFOUND ? DB_ERROR : rc);
}
