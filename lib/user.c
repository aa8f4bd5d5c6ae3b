/*
 * Account storage.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>


#include "crypto.h"
#include "db.h"
#include "i18n.h"
#include "session.h"
#include "user.h"

static const char *const role_names[ROLE__MAX] = {
	[ROLE_CUSTOMER] = "customer",
	[ROLE_ORGANIZER] = "organizer",
	[ROLE_STAFF] = "staff",
	[ROLE_ADMIN] = "admin",
};

static const char *const purpose_names[TOKEN__MAX] = {
	[TOKEN_VERIFY] = "verify",
	[TOKEN_RESET] = "reset",
	[TOKEN_EMAIL_CHANGE] = "email_change",
};

/* The passwords people choose most (lists of leaked passwords), at
 * least PASSWORD_MIN long; shorter ones fail the length rule anyway. */
static const char *const common_passwords[] = {
	"1234567890", "12345678910", "123456789a", "1q2w3e4r5t",
	"1qaz2wsx3edc", "password12", "password123", "password1234",
	"qwertyuiop", "qwerty1234", "qwerty12345", "1234qwer!!",
	"iloveyou12", "abcdefghij", "abc1234567", "0987654321",
	"1111111111", "0123456789", "asdfghjkl1", "zxcvbnm123",
	"letmein123", "welcome123", "sommar2024", "sommar2025",
	"sommar2026", "vinter2025", "lösenord123", "losenord123",
	"football12", "baseball12", "superman12", "administrator",
	"changeme123", "passw0rd12", "trustno1234", "dragon1234",
	"monkey1234", "sunshine12", "princess12", "biljett123",
	"biljetter1", "tickets123",
};

#define USER_COLS \
	"id, email, name, coalesce(phone, ''), locale, role," \
	" coalesce(organizer_id, 0), is_active, coalesce(email_verified_at, 0)," \
	" totp_enabled, coalesce(totp_secret, ''), totp_last_step," \
	" failed_logins, locked_until, password_hash, factor_failures," \
	" factor_locked_until, coalesce(first_name, name)," \
	" coalesce(last_name, ''), first_name IS NOT NULL, created_at," \
	" coalesce(last_login_at, 0)"

enum stmt {
	STMT_INSERT,
	STMT_BY_ID,
	STMT_BY_EMAIL,
	STMT_FAILED,
	STMT_FACTOR_FAILED,
	STMT_OK,
	STMT_LAST_LOGIN,
	STMT_PASSWORD,
	STMT_VERIFIED,
	STMT_EMAIL,
	STMT_PROFILE,
	STMT_NAMES,
	STMT_TOTP,
	STMT_TOTP_STEP,
	STMT_ACTIVE,
	STMT_REVOKE_SESSIONS,
	STMT_REVOKE_REFRESH,
	STMT_LIST,
	STMT_COUNT,
	STMT_TOKEN_CANCEL,
	STMT_TOKEN_INSERT,
	STMT_TOKEN_FIND,
	STMT_TOKEN_USE,
	STMT_RT_INSERT,
	STMT_RT_FIND,
	STMT_RT_SPEND,
	STMT_RT_REVOKE,
	STMT_RC_DELETE,
	STMT_RC_INSERT,
	STMT_RC_LIST,
	STMT_RC_USE,
	STMT_TOKEN_PRUNE,
	STMT_RT_PRUNE,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	[STMT_INSERT] =
	    "INSERT INTO users (email, password_hash, name, phone, locale,"
	    " role, organizer_id, email_verified_at, created_at, updated_at,"
	    " first_name, last_name)"
	    " VALUES (?1, ?2, ?3, nullif(?4, ''), ?5, ?6, nullif(?7, 0),"
	    " nullif(?8, 0), ?9, ?9, ?10, ?11) RETURNING id",
	[STMT_BY_ID] = "SELECT " USER_COLS " FROM users WHERE id = ?1",
	[STMT_BY_EMAIL] = "SELECT " USER_COLS " FROM users WHERE email = ?1",
	[STMT_FAILED] =
	    "UPDATE users SET failed_logins = failed_logins + 1,"
	    " locked_until = ?2 WHERE id = ?1",
	[STMT_FACTOR_FAILED] =
	    "UPDATE users SET factor_failures = factor_failures + 1,"
	    " factor_locked_until = ?2 WHERE id = ?1",
	[STMT_OK] =
	    "UPDATE users SET failed_logins = 0, locked_until = 0,"
	    " factor_failures = 0, factor_locked_until = 0 WHERE id = ?1",
	[STMT_LAST_LOGIN] =
	    "UPDATE users SET last_login_at = ?2 WHERE id = ?1",
	[STMT_PASSWORD] =
	    "UPDATE users SET password_hash = ?2, updated_at = ?3 WHERE id = ?1",
	[STMT_VERIFIED] =
	    "UPDATE users SET email_verified_at = ?2, updated_at = ?2"
	    " WHERE id = ?1 AND email_verified_at IS NULL",
	[STMT_EMAIL] =
	    "UPDATE users SET email = ?2, updated_at = ?3 WHERE id = ?1",
	/* The old name is read before the SET applies (SQL semantics). */
	[STMT_PROFILE] =
	    "UPDATE users SET"
	    " first_name = CASE WHEN name = ?2 THEN first_name END,"
	    " last_name = CASE WHEN name = ?2 THEN last_name END,"
	    " name = ?2, phone = nullif(?3, ''), locale = ?4,"
	    " updated_at = ?5 WHERE id = ?1",
	[STMT_NAMES] =
	    "UPDATE users SET first_name = ?2, last_name = ?3, name = ?4,"
	    " phone = nullif(?5, ''), locale = ?6, updated_at = ?7"
	    " WHERE id = ?1",
	[STMT_TOTP] =
	    "UPDATE users SET totp_secret = ?2, totp_enabled = ?3,"
	    " totp_last_step = CASE WHEN ?3 THEN totp_last_step ELSE 0 END"
	    " WHERE id = ?1",
	[STMT_TOTP_STEP] =
	    "UPDATE users SET totp_last_step = ?2"
	    " WHERE id = ?1 AND totp_last_step < ?2",
	[STMT_ACTIVE] = "UPDATE users SET is_active = ?2 WHERE id = ?1",
	[STMT_REVOKE_SESSIONS] =
	    "UPDATE sessions SET revoked_at = ?3 WHERE user_id = ?1"
	    " AND id <> ?2 AND revoked_at IS NULL",
	[STMT_REVOKE_REFRESH] =
	    "UPDATE refresh_tokens SET revoked_at = ?2 WHERE user_id = ?1"
	    " AND revoked_at IS NULL",
	[STMT_LIST] =
	    "SELECT id FROM users WHERE (?1 = 0 OR organizer_id = ?1)"
	    " ORDER BY id LIMIT ?2 OFFSET ?3",
	[STMT_COUNT] =
	    "SELECT count(*) FROM users WHERE (?1 = 0 OR organizer_id = ?1)",
	[STMT_TOKEN_CANCEL] =
	    "UPDATE user_tokens SET used_at = ?3 WHERE user_id = ?1"
	    " AND purpose = ?2 AND used_at IS NULL",
	[STMT_TOKEN_INSERT] =
	    "INSERT INTO user_tokens (user_id, purpose, token_hash, new_email,"
	    " created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[STMT_TOKEN_FIND] =
	    "SELECT id, user_id, coalesce(new_email, ''), expires_at,"
	    " used_at IS NOT NULL FROM user_tokens"
	    " WHERE token_hash = ?1 AND purpose = ?2",
	[STMT_TOKEN_USE] =
	    "UPDATE user_tokens SET used_at = ?2 WHERE id = ?1 AND used_at IS NULL",
	[STMT_RT_INSERT] =
	    "INSERT INTO refresh_tokens (family, user_id, token_hash,"
	    " created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
	[STMT_RT_FIND] =
	    "SELECT id, family, user_id, expires_at, used_at IS NOT NULL,"
	    " revoked_at IS NOT NULL FROM refresh_tokens WHERE token_hash = ?1",
	[STMT_RT_SPEND] =
	    "UPDATE refresh_tokens SET used_at = ?2 WHERE id = ?1",
	[STMT_RT_REVOKE] =
	    "UPDATE refresh_tokens SET revoked_at = ?3 WHERE family = ?2"
	    " AND revoked_at IS NULL AND ?1 = 0",
	/* The expiry indexes of sql/027. */
	[STMT_TOKEN_PRUNE] =
	    "DELETE FROM user_tokens WHERE id IN (SELECT id FROM user_tokens"
	    " WHERE expires_at < ?1 ORDER BY expires_at LIMIT ?2)",
	[STMT_RT_PRUNE] =
	    "DELETE FROM refresh_tokens WHERE id IN (SELECT id FROM"
	    " refresh_tokens WHERE expires_at < ?1 ORDER BY expires_at LIMIT ?2)",
	[STMT_RC_DELETE] = "DELETE FROM recovery_codes WHERE user_id = ?1",
	[STMT_RC_INSERT] =
	    "INSERT INTO recovery_codes (user_id, code_hash) VALUES (?1, ?2)",
	[STMT_RC_LIST] =
	    "SELECT id, code_hash FROM recovery_codes"
	    " WHERE user_id = ?1 AND used_at IS NULL",
	[STMT_RC_USE] = "UPDATE recovery_codes SET used_at = ?2 WHERE id = ?1",
};

const char *
role_str(enum role role)
{
	return role < ROLE__MAX ? role_names[role] : "customer";
}

enum role
role_parse(const char *s)
{
	int	 i;

	for (i = 0; s != NULL && i < ROLE__MAX; i++)
		if (strcmp(s, role_names[i]) == 0)
			return (enum role)i;
	return ROLE__MAX;
}

void
user_fold_email(char *email)
{
	for (; *email != '\0'; email++)
		*email = (char)tolower((unsigned char)*email);
}

const char *
user_password_weak(const char *password, const char *email)
{
	size_t	 len = strlen(password), i;

	if (len < PASSWORD_MIN)
		return N_("The password must be at least 10 characters "
		    "long.");
	if (len > PASSWORD_MAX)
		return N_("The password is too long.");
	if (email != NULL && strcasecmp(password, email) == 0)
		return N_("The password must not be your e-mail address.");
	for (i = 1; i < len && password[i] == password[0]; i++)
		continue;
	if (i == len)
		return N_("The password is too common.");
	for (i = 0; i < sizeof(common_passwords) / sizeof(common_passwords[0]);
	    i++)
		if (strcasecmp(password, common_passwords[i]) == 0)
			return N_("The password is too common.");
	return NULL;
}

static void
fill(struct db_stmt *st, struct user *u)
{
	memset(u, 0, sizeof(*u));
	u->id = db_col_int(st, 0);
	snprintf(u->email, sizeof(u->email), "%s", db_col_text(st, 1));
	snprintf(u->name, sizeof(u->name), "%s", db_col_text(st, 2));
	snprintf(u->phone, sizeof(u->phone), "%s", db_col_text(st, 3));
	snprintf(u->locale, sizeof(u->locale), "%s", db_col_text(st, 4));
	u->role = role_parse(db_col_text(st, 5));
	if (u->role == ROLE__MAX)
		u->role = ROLE_CUSTOMER;
	u->organizer_id = db_col_int(st, 6);
	u->is_active = (int)db_col_int(st, 7);
	u->verified_at = db_col_int(st, 8);
	u->totp_enabled = (int)db_col_int(st, 9);
	snprintf(u->totp_sealed, sizeof(u->totp_sealed), "%s",
	    db_col_text(st, 10));
	u->totp_last_step = db_col_int(st, 11);
	u->failed_logins = db_col_int(st, 12);
	u->locked_until = db_col_int(st, 13);
	snprintf(u->password_hash, sizeof(u->password_hash), "%s",
	    db_col_text(st, 14));
	u->factor_failures = db_col_int(st, 15);
	u->factor_locked_until = db_col_int(st, 16);
	snprintf(u->first_name, sizeof(u->first_name), "%s",
	    db_col_text(st, 17));
	snprintf(u->last_name, sizeof(u->last_name), "%s",
	    db_col_text(st, 18));
	u->split_names = (int)db_col_int(st, 19);
	u->created_at = db_col_int(st, 20);
	u->last_login_at = db_col_int(st, 21);
}

static enum db_rc
find_one(struct db *db, int k, int64_t id, const char *text, struct user *u)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	if ((st = db_stmt(db, stmts[k])) == NULL ||
	    (text != NULL ? db_bind_text(st, 1, text) : db_bind_int(st, 1, id))
	    == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK)
		fill(st, u);
	db_reset(st);
	return rc;
}

enum db_rc
user_by_id(struct db *db, int64_t id, struct user *out)
{
	return find_one(db, STMT_BY_ID, id, NULL, out);
}

enum db_rc
user_by_email(struct db *db, const char *email, struct user *out)
{
	return find_one(db, STMT_BY_EMAIL, 0, email, out);
}

void
user_join_names(const char *first, const char *last, char *name, size_t size)
{
	snprintf(name, size, "%s%s%s", first, first[0] != '\0' &&
	    last[0] != '\0' ? " " : "", last);
}

enum db_rc
user_create(struct db *db, const struct user *u, int64_t now, int64_t *id)
{
	struct db_stmt	*st;

	if ((st = db_stmt(db, stmts[STMT_INSERT])) == NULL ||
	    db_bind_text(st, 1, u->email) == -1 ||
	    db_bind_text(st, 2, u->password_hash) == -1 ||
	    db_bind_text(st, 3, u->name) == -1 ||
	    db_bind_text(st, 4, u->phone) == -1 ||
	    db_bind_text(st, 5, u->locale[0] ? u->locale : "sv") == -1 ||
	    db_bind_text(st, 6, role_str(u->role)) == -1 ||
	    db_bind_int(st, 7, u->organizer_id) == -1 ||
	    db_bind_int(st, 8, u->verified_at) == -1 ||
	    db_bind_int(st, 9, now) == -1 ||
	    db_bind_text(st, 10, u->split_names ? u->first_name : NULL) == -1 ||
	    db_bind_text(st, 11, u->split_names ? u->last_name : NULL) == -1)
		return DB_ERROR;
	return db_insert_id(db, st, id);
}

/* Runs a statement of (id, a, b, c) bindings; NULL texts bind NULL. */
static enum db_rc
update(struct db *db, int k, int64_t id, const char *t2, int64_t i2,
    const char *t3, int64_t i3)
{
	struct db_stmt	*st;

	if ((st = db_stmt(db, stmts[k])) == NULL ||
	    db_bind_int(st, 1, id) == -1 ||
	    (t2 != NULL ? db_bind_text(st, 2, t2) : db_bind_int(st, 2, i2))
	    == -1)
		return DB_ERROR;
	/* Two-parameter statements take no third. */
	if (db_param_count(st) >= 3 &&
	    (t3 != NULL ? db_bind_text(st, 3, t3) : db_bind_int(st, 3, i3))
	    == -1)
		return DB_ERROR;
	return db_exec(db, st);
}

/* The lock after the n-th failure in a row: none for the first
 * LOGIN_FREE_FAILURES - 1, then 30 s doubling up to LOGIN_BACKOFF_MAX. */
static int64_t
backoff(int64_t n)
{
	int64_t	 wait = 0;

	if (n >= LOGIN_FREE_FAILURES) {
		wait = 30;
		while (n-- > LOGIN_FREE_FAILURES && wait < LOGIN_BACKOFF_MAX)
			wait *= 2;
		if (wait > LOGIN_BACKOFF_MAX)
			wait = LOGIN_BACKOFF_MAX;
	}
	return wait;
}

enum db_rc
user_login_failed(struct db *db, struct user *u, int64_t now)
{
	int64_t	 wait = backoff(u->failed_logins + 1);
	enum db_rc rc;

	if ((rc = update(db, STMT_FAILED, u->id, NULL, wait ? now + wait : 0,
	    NULL, 0)) == DB_OK) {
		u->failed_logins++;
		u->locked_until = wait ? now + wait : 0;
	}
	return rc;
}

enum db_rc
user_factor_failed(struct db *db, struct user *u, int64_t now)
{
	int64_t	 wait = backoff(u->factor_failures + 1);
	enum db_rc rc;

	if ((rc = update(db, STMT_FACTOR_FAILED, u->id, NULL, wait ? now +
	    wait : 0, NULL, 0)) == DB_OK) {
		u->factor_failures++;
		u->factor_locked_until = wait ? now + wait : 0;
	}
	return rc;
}

enum db_rc
user_login_ok(struct db *db, int64_t id)
{
	struct db_stmt	*st;

	if ((st = db_stmt(db, stmts[STMT_OK])) == NULL ||
	    db_bind_int(st, 1, id) == -1)
		return DB_ERROR;
	return db_exec(db, st);
}

enum db_rc
user_set_last_login(struct db *db, int64_t id, int64_t now)
{
	return update(db, STMT_LAST_LOGIN, id, NULL, now, NULL, 0);
}

enum db_rc
user_set_password(struct db *db, int64_t id, const char *hash, int64_t now)
{
	return update(db, STMT_PASSWORD, id, hash, 0, NULL, now);
}

enum db_rc
user_set_verified(struct db *db, int64_t id, int64_t now)
{
	struct db_stmt	*st;

	if ((st = db_stmt(db, stmts[STMT_VERIFIED])) == NULL ||
	    db_bind_int(st, 1, id) == -1 || db_bind_int(st, 2, now) == -1)
		return DB_ERROR;
	return db_exec(db, st);
}

enum db_rc
user_set_email(struct db *db, int64_t id, const char *email, int64_t now)
{
	return update(db, STMT_EMAIL, id, email, 0, NULL, now);
}

enum db_rc
user_set_profile(struct db *db, int64_t id, const char *name,
    const char *phone, const char *locale, int64_t now)
{
	struct db_stmt	*st;

	if ((st = db_stmt(db, stmts[STMT_PROFILE])) == NULL ||
	    db_bind_int(st, 1, id) == -1 || db_bind_text(st, 2, name) == -1 ||
	    db_bind_text(st, 3, phone) == -1 ||
	    db_bind_text(st, 4, locale) == -1 || db_bind_int(st, 5, now) == -1)
		return DB_ERROR;
	return db_exec(db, st);
}

enum db_rc
user_set_names(struct db *db, int64_t id, const char *first, const char *last,
    const char *phone, const char *locale, int64_t now)
{
	struct db_stmt	*st;
	char		 name[NAME_MAX_LEN * 4 + 1];

	user_join_names(first, last, name, sizeof(name));
	if ((st = db_stmt(db, stmts[STMT_NAMES])) == NULL ||
	    db_bind_int(st, 1, id) == -1 || db_bind_text(st, 2, first) == -1 ||
	    db_bind_text(st, 3, last) == -1 || db_bind_text(st, 4, name) == -1 ||
	    db_bind_text(st, 5, phone) == -1 ||
	    db_bind_text(st, 6, locale) == -1 || db_bind_int(st, 7, now) == -1)
		return DB_ERROR;
	return db_exec(db, st);
}

enum db_rc
user_set_totp(struct db *db, int64_t id, const char *sealed, int enabled)
{
	struct db_stmt	*st;

	if ((st = db_stmt(db, stmts[STMT_TOTP])) == NULL ||
	    db_bind_int(st, 1, id) == -1 || db_bind_text(st, 2, sealed) == -1 ||
	    db_bind_int(st, 3, enabled) == -1)
		return DB_ERROR;
	return db_exec(db, st);
}

enum db_rc
user_use_totp_step(struct db *db, int64_t id, int64_t step)
{
	enum db_rc	 rc;

	if ((rc = update(db, STMT_TOTP_STEP, id, NULL, step, NULL, 0)) !=
	    DB_OK)
		return rc;
	return db_changes(db) == 1 ? DB_OK : DB_CONSTRAINT;
}

enum db_rc
user_set_active(struct db *db, int64_t id, int active)
{
	struct db_stmt	*st;

	if ((st = db_stmt(db, stmts[STMT_ACTIVE])) == NULL ||
	    db_bind_int(st, 1, id) == -1 || db_bind_int(st, 2, active) == -1)
		return DB_ERROR;
	return db_exec(db, st);
}

enum db_rc
user_revoke_sessions(struct db *db, int64_t id, int64_t keep, int64_t now)
{
	enum db_rc	 rc;

	if ((rc = update(db, STMT_REVOKE_SESSIONS, id, NULL, keep, NULL, now))
	    != DB_OK)
		return rc;
	return update(db, STMT_REVOKE_REFRESH, id, NULL, now, NULL, 0);
}

enum db_rc
user_list(struct db *db, int64_t organizer_id, int64_t page, int64_t per,
    int64_t *ids, size_t max, size_t *n, int64_t *total)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	*n = 0;
	*total = 0;
	if ((st = db_stmt(db, stmts[STMT_COUNT])) == NULL ||
	    db_bind_int(st, 1, organizer_id) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK)
		*total = db_col_int(st, 0);
	db_reset(st);
	if (rc != DB_OK)
		return rc;
	if ((st = db_stmt(db, stmts[STMT_LIST])) == NULL ||
	    db_bind_int(st, 1, organizer_id) == -1 ||
	    db_bind_int(st, 2, per) == -1 ||
	    db_bind_int(st, 3, (page - 1) * per) == -1)
		return DB_ERROR;
	while (*n < max && (rc = db_step(db, st)) == DB_OK)
		ids[(*n)++] = db_col_int(st, 0);
	db_reset(st);
	return rc == DB_OK || rc == DB_NOTFOUND ? DB_OK : rc;
}

enum db_rc
user_token_cancel(struct db *db, int64_t user_id, enum token_purpose purpose,
    int64_t now)
{
	return update(db, STMT_TOKEN_CANCEL, user_id, purpose_names[purpose], 0,
	    NULL, now);
}

enum db_rc
user_token_issue(struct db *db, int64_t user_id, enum token_purpose purpose,
    const char *new_email, int64_t now, int64_t ttl,
    char out[TOKEN_HEX_LEN + 1])
{
	struct db_stmt	*st;
	char		 hash[TOKEN_HASH_HEX_LEN + 1];
	enum db_rc	 rc;

	if ((rc = user_token_cancel(db, user_id, purpose, now)) != DB_OK)
		return rc;
	crypto_token(out);
	crypto_token_hash(out, hash);
	if ((st = db_stmt(db, stmts[STMT_TOKEN_INSERT])) == NULL ||
	    db_bind_int(st, 1, user_id) == -1 ||
	    db_bind_text(st, 2, purpose_names[purpose]) == -1 ||
	    db_bind_text(st, 3, hash) == -1 ||
	    db_bind_text(st, 4, new_email) == -1 ||
	    db_bind_int(st, 5, now) == -1 || db_bind_int(st, 6, now + ttl) == -1)
		return DB_ERROR;
	return db_exec(db, st);
}

enum db_rc
user_token_use(struct db *db, enum token_purpose purpose, const char *token,
    int64_t now, int64_t *user_id, char new_email[EMAIL_MAX + 1])
{
	struct db_stmt	*st;
	char		 hash[TOKEN_HASH_HEX_LEN + 1];
	int64_t		 id, expires;
	int		 used;
	enum db_rc	 rc;

	*user_id = 0;
	if (!sess_token_valid(token))
		return DB_NOTFOUND;
	crypto_token_hash(token, hash);
	if ((st = db_stmt(db, stmts[STMT_TOKEN_FIND])) == NULL ||
	    db_bind_text(st, 1, hash) == -1 ||
	    db_bind_text(st, 2, purpose_names[purpose]) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) != DB_OK) {
		db_reset(st);
		return rc;
	}
	id = db_col_int(st, 0);
	*user_id = db_col_int(st, 1);
	if (new_email != NULL)
		snprintf(new_email, EMAIL_MAX + 1, "%s", db_col_text(st, 2));
	expires = db_col_int(st, 3);
	used = (int)db_col_int(st, 4);
	db_reset(st);
	if (used)
		return DB_CONSTRAINT;
	if (expires <= now)
		return DB_NOTFOUND;
	return update(db, STMT_TOKEN_USE, id, NULL, now, NULL, 0);
}

enum db_rc
rt_issue(struct db *db, int64_t user_id, const char *family, int64_t now,
    int64_t ttl, char out[TOKEN_HEX_LEN + 1])
{
	struct db_stmt	*st;
	char		 hash[TOKEN_HASH_HEX_LEN + 1], fam[33];

	if (family == NULL) {
		crypto_random_hex(fam, 16);
		family = fam;
	}
	crypto_token(out);
	crypto_token_hash(out, hash);
	if ((st = db_stmt(db, stmts[STMT_RT_INSERT])) == NULL ||
	    db_bind_text(st, 1, family) == -1 ||
	    db_bind_int(st, 2, user_id) == -1 ||
	    db_bind_text(st, 3, hash) == -1 ||
	    db_bind_int(st, 4, now) == -1 || db_bind_int(st, 5, now + ttl) == -1)
		return DB_ERROR;
	return db_exec(db, st);
}

/* Finds a refresh token: id, family, user, expiry, spent, revoked. */
static enum db_rc
rt_find(struct db *db, const char *token, int64_t *id, char family[33],
    int64_t *user_id, int64_t *expires, int *spent, int *revoked)
{
	struct db_stmt	*st;
	char		 hash[TOKEN_HASH_HEX_LEN + 1];
	enum db_rc	 rc;

	if (!sess_token_valid(token))
		return DB_NOTFOUND;
	crypto_token_hash(token, hash);
	if ((st = db_stmt(db, stmts[STMT_RT_FIND])) == NULL ||
	    db_bind_text(st, 1, hash) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK) {
		*id = db_col_int(st, 0);
		snprintf(family, 33, "%s", db_col_text(st, 1));
		*user_id = db_col_int(st, 2);
		*expires = db_col_int(st, 3);
		*spent = (int)db_col_int(st, 4);
		*revoked = (int)db_col_int(st, 5);
	}
	db_reset(st);
	return rc;
}

enum db_rc
rt_rotate(struct db *db, const char *token, int64_t now, int64_t ttl,
    int64_t *user_id, char out[TOKEN_HEX_LEN + 1])
{
	char		 family[33];
	int64_t		 id, expires;
	int		 spent, revoked;
	enum db_rc	 rc;

	if ((rc = rt_find(db, token, &id, family, user_id, &expires, &spent,
	    &revoked)) != DB_OK)
		return rc;
	if (spent || revoked) {
		/* A spent token again: someone has a copy.  End the family. */
		if ((rc = update(db, STMT_RT_REVOKE, 0, family, 0, NULL,
		    now)) != DB_OK)
			return rc;
		return DB_CONSTRAINT;
	}
	if (expires <= now)
		return DB_NOTFOUND;
	if ((rc = update(db, STMT_RT_SPEND, id, NULL, now, NULL, 0)) != DB_OK)
		return rc;
	return rt_issue(db, *user_id, family, now, ttl, out);
}

enum db_rc
rt_revoke_family_of(struct db *db, const char *token, int64_t user_id,
    int64_t now)
{
	char		 family[33];
	int64_t		 id, owner, expires;
	int		 spent, revoked;
	enum db_rc	 rc;

	if ((rc = rt_find(db, token, &id, family, &owner, &expires, &spent,
	    &revoked)) != DB_OK)
		return rc;
	/* Signing out ends one's own sign-ins, never another's. */
	if (owner != user_id)
		return DB_NOTFOUND;
	return update(db, STMT_RT_REVOKE, 0, family, 0, NULL, now);
}

enum db_rc
recovery_issue(struct db *db, int64_t user_id,
    char codes[RECOVERY_CODES][RECOVERY_CODE_LEN + 2])
{
	struct db_stmt	*st;
	char		 raw[RECOVERY_CODE_LEN + 1], hash[PWHASH_MAX];
	enum db_rc	 rc;
	int		 i;

	if ((st = db_stmt(db, stmts[STMT_RC_DELETE])) == NULL ||
	    db_bind_int(st, 1, user_id) == -1 || (rc = db_exec(db, st)) !=
	    DB_OK)
		return DB_ERROR;
	for (i = 0; i < RECOVERY_CODES; i++) {
		crypto_random_letters(raw, RECOVERY_CODE_LEN);
		snprintf(codes[i], RECOVERY_CODE_LEN + 2, "%.5s-%s", raw,
		    raw + 5);
		/* Ten letters are only 47 bits: argon2id, as for passwords
		 * (issued and checked rarely, so the cost is fine). */
		if (crypto_pw_hash(raw, hash) == -1)
			return DB_ERROR;
		if ((st = db_stmt(db, stmts[STMT_RC_INSERT])) == NULL ||
		    db_bind_int(st, 1, user_id) == -1 ||
		    db_bind_text(st, 2, hash) == -1 ||
		    (rc = db_exec(db, st)) != DB_OK)
			return DB_ERROR;
	}
	return DB_OK;
}

enum db_rc
recovery_use(struct db *db, int64_t user_id, const char *code, int64_t now)
{
	struct db_stmt	*st;
	char		 raw[RECOVERY_CODE_LEN + 1];
	int64_t		 found = 0;
	size_t		 i, n = 0;
	enum db_rc	 rc;

	for (i = 0; code[i] != '\0' && n < RECOVERY_CODE_LEN; i++)
		if (code[i] != '-' && code[i] != ' ')
			raw[n++] = (char)toupper((unsigned char)code[i]);
	raw[n] = '\0';
	if (n != RECOVERY_CODE_LEN || code[i] != '\0')
		return DB_NOTFOUND;
	if ((st = db_stmt(db, stmts[STMT_RC_LIST])) == NULL ||
	    db_bind_int(st, 1, user_id) == -1)
		return DB_ERROR;
	while ((rc = db_step(db, st)) == DB_OK)
		if (found == 0 && crypto_pw_verify(db_col_text(st, 1), raw))
			found = db_col_int(st, 0);
	db_reset(st);
	if (rc != DB_NOTFOUND)
		return rc;
	if (found == 0)
		return DB_NOTFOUND;
	return update(db, STMT_RC_USE, found, NULL, now, NULL, 0);
}

enum db_rc
user_tokens_prune(struct db *db, int64_t before, size_t max, int64_t *deleted)
{
	return db_prune(db, stmts[STMT_TOKEN_PRUNE], before, max, deleted);
}

enum db_rc
rt_prune(struct db *db, int64_t before, size_t max, int64_t *deleted)
{
	return db_prune(db, stmts[STMT_RT_PRUNE], before, max, deleted);
}
