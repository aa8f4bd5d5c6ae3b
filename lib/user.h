/*
 * Accounts: users, their single-use mail tokens, rotating refresh tokens
 * and 2FA recovery codes.  Passwords are argon2id hashes (lib/crypto),
 * tokens and recovery codes are stored as hashes only, the TOTP secret
 * sealed (lib/seal).  Callers run writes inside a transaction.
 */
#ifndef BILJETT_USER_H
#define BILJETT_USER_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "db.h"
#include "limits.h"

#define NAME_MAX_LEN		200
#define NAME_PART_MAX		200	/* first or last name, bytes: seed
					 * 004's 50 characters of any script */
#define PHONE_MAX		32
#define PASSWORD_MIN		10
#define LOGIN_FREE_FAILURES	5	/* then back off */
#define LOGIN_BACKOFF_MAX	3600
#define RECOVERY_CODES		10
#define RECOVERY_CODE_LEN	10	/* A-Z, shown as XXXXX-XXXXX */

enum role {
	ROLE_CUSTOMER = 0,
	ROLE_ORGANIZER,
	ROLE_STAFF,
	ROLE_ADMIN,
	ROLE__MAX
};

enum token_purpose {
	TOKEN_VERIFY = 0,
	TOKEN_RESET,
	TOKEN_EMAIL_CHANGE,
	TOKEN__MAX
};

struct user {
	int64_t		 id;
	char		 email[EMAIL_MAX + 1];
	char		 name[NAME_MAX_LEN * 4 + 1];
	/*
	 * Seed 004's two names.  Without split_names (an account made with
	 * one name) first_name is name and last_name "".
	 */
	char		 first_name[NAME_MAX_LEN * 4 + 1];
	char		 last_name[NAME_MAX_LEN * 4 + 1];
	int		 split_names;
	char		 phone[PHONE_MAX + 1];
	char		 locale[8];
	enum role	 role;
	int64_t		 organizer_id;	/* staff: the organizer they work for */
	int		 is_active;
	int64_t		 verified_at;	/* 0: not verified */
	int		 totp_enabled;
	char		 totp_sealed[256];	/* "" when none */
	int64_t		 totp_last_step;
	int64_t		 failed_logins;		/* wrong passwords */
	int64_t		 locked_until;
	int64_t		 factor_failures;	/* wrong TOTP/recovery codes */
	int64_t		 factor_locked_until;
	char		 password_hash[PWHASH_MAX];
	int64_t		 created_at;
	int64_t		 last_login_at;		/* 0: never */
};

const char	*role_str(enum role role);
enum role	 role_parse(const char *s);	/* ROLE__MAX if unknown */

/*
 * Checks a new password: PASSWORD_MIN..PASSWORD_MAX bytes, not the email
 * address, not one of the most common passwords, not one repeated
 * character.  Returns NULL when acceptable, else a static reason (an
 * English msgid).  Pure.
 */
const char	*user_password_weak(const char *password, const char *email);

/* Lower-cases an address in place (ASCII); addresses are unique so. */
void		 user_fold_email(char *email);

/*
 * Joins first and last name into name (size bytes) as users.name keeps
 * them: one space between, none around an empty part.  Pure.
 */
void		 user_join_names(const char *first, const char *last,
		    char *name, size_t size);

/* Creates a user (first and last name only with split_names);
 * DB_CONSTRAINT when the email is taken. */
enum db_rc	 user_create(struct db *db, const struct user *u, int64_t now,
		    int64_t *id);
enum db_rc	 user_by_id(struct db *db, int64_t id, struct user *out);
enum db_rc	 user_by_email(struct db *db, const char *email,
		    struct user *out);

/*
 * A wrong password: counts it and, past LOGIN_FREE_FAILURES, locks the
 * account for a doubling time (30 s, 60 s, ... up to an hour).  This
 * lock only changes how wrong passwords are answered (account.c): anyone
 * can trigger it, so it never keeps out a right password.  u gets the
 * new count and lock.
 */
enum db_rc	 user_login_failed(struct db *db, struct user *u,
		    int64_t now);
/*
 * A wrong second-factor code after a right password: counted and locked
 * the same way in a counter of its own, which holds against right codes
 * too, since only someone with the password can trigger it.  u gets
 * the new count and lock.
 */
enum db_rc	 user_factor_failed(struct db *db, struct user *u,
		    int64_t now);
/* A complete sign-in (or a reset password): both counters to zero. */
enum db_rc	 user_login_ok(struct db *db, int64_t id);
/* Records a complete sign-in's time (last_login_at). */
enum db_rc	 user_set_last_login(struct db *db, int64_t id, int64_t now);

enum db_rc	 user_set_password(struct db *db, int64_t id, const char *hash,
		    int64_t now);
enum db_rc	 user_set_verified(struct db *db, int64_t id, int64_t now);
enum db_rc	 user_set_email(struct db *db, int64_t id, const char *email,
		    int64_t now);
/* Sets name, phone and locale; a name that changes drops the split
 * first and last name (they would no longer join to it). */
enum db_rc	 user_set_profile(struct db *db, int64_t id, const char *name,
		    const char *phone, const char *locale, int64_t now);
/* Sets first and last name (split_names from now on), name as they
 * join, phone and locale. */
enum db_rc	 user_set_names(struct db *db, int64_t id, const char *first,
		    const char *last, const char *phone, const char *locale,
		    int64_t now);
/* Stores a sealed TOTP secret (enabled or pending) or clears it. */
enum db_rc	 user_set_totp(struct db *db, int64_t id, const char *sealed,
		    int enabled);
/* Records a used TOTP step; DB_CONSTRAINT if it was not newer. */
enum db_rc	 user_use_totp_step(struct db *db, int64_t id, int64_t step);
enum db_rc	 user_set_active(struct db *db, int64_t id, int active);

/* One page of account ids (all, or one organizer's staff). */
enum db_rc	 user_list(struct db *db, int64_t organizer_id, int64_t page,
		    int64_t per, int64_t *ids, size_t max, size_t *n,
		    int64_t *total);

/* Revokes every session (except keep_session; 0: all) and every refresh
 * token of a user. */
enum db_rc	 user_revoke_sessions(struct db *db, int64_t id,
		    int64_t keep_session, int64_t now);

/*
 * Issues a single-use token for purpose, valid ttl seconds; earlier
 * unused tokens of the same purpose stop working.  The token (to mail,
 * never stored) goes to out.
 */
enum db_rc	 user_token_issue(struct db *db, int64_t user_id,
		    enum token_purpose purpose, const char *new_email,
		    int64_t now, int64_t ttl, char out[TOKEN_HEX_LEN + 1]);
/*
 * Uses a token: DB_OK (sets *user_id, and new_email for email changes),
 * DB_NOTFOUND if unknown or expired, DB_CONSTRAINT if already used.
 */
enum db_rc	 user_token_use(struct db *db, enum token_purpose purpose,
		    const char *token, int64_t now, int64_t *user_id,
		    char new_email[EMAIL_MAX + 1]);
/* Invalidates the user's unused tokens of purpose. */
enum db_rc	 user_token_cancel(struct db *db, int64_t user_id,
		    enum token_purpose purpose, int64_t now);

/*
 * Refresh tokens.  rt_issue starts a family (family NULL) or continues
 * one.  rt_rotate spends a token for the next one: DB_OK with *user_id
 * and a new token; DB_NOTFOUND if unknown or expired; DB_CONSTRAINT if
 * it was already spent — then the whole family is revoked (theft).
 */
enum db_rc	 rt_issue(struct db *db, int64_t user_id, const char *family,
		    int64_t now, int64_t ttl, char out[TOKEN_HEX_LEN + 1]);
enum db_rc	 rt_rotate(struct db *db, const char *token, int64_t now,
		    int64_t ttl, int64_t *user_id, char out[TOKEN_HEX_LEN + 1]);
/* Revokes the family of token if it is user_id's: DB_OK, or DB_NOTFOUND
 * for an unknown token or another account's. */
enum db_rc	 rt_revoke_family_of(struct db *db, const char *token,
		    int64_t user_id, int64_t now);

/*
 * Pruning (db_prune()): up to max mailed links, or refresh tokens, that
 * expired before `before`.  A refresh token kept past its expiry still
 * catches a thief replaying it as spent until it goes.
 */
enum db_rc	 user_tokens_prune(struct db *db, int64_t before, size_t max,
		    int64_t *deleted);
enum db_rc	 rt_prune(struct db *db, int64_t before, size_t max,
		    int64_t *deleted);

/* Replaces the user's recovery codes; codes[i] gets "XXXXX-XXXXX". */
enum db_rc	 recovery_issue(struct db *db, int64_t user_id,
		    char codes[RECOVERY_CODES][RECOVERY_CODE_LEN + 2]);
/* Spends a recovery code: DB_OK or DB_NOTFOUND. */
enum db_rc	 recovery_use(struct db *db, int64_t user_id, const char *code,
		    int64_t now);

#endif
