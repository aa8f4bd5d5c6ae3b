/*
 * Account rules: registration, sign-in, tokens, two-factor
 * authentication, e-mail changes and the account lists.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "account.h"
#include "arena.h"
#include "auth.h"
#include "crypto.h"
#include "guestpay.h"
#include "db.h"
#include "i18n.h"
#include "log.h"
#include "outbox.h"
#include "qr.h"
#include "seal.h"
#include "session.h"
#include "tfmt.h"
#include "totp.h"
#include "user.h"

#define TOTP_ISSUER	"biljett"
#define TOTP_QR_SCALE	4

/* Seed 004's user types, and the roles they name. */
static const struct user_type {
	const char	*name;
	enum role	 role;
} user_types[] = {
	{ "consumer", ROLE_CUSTOMER },
	{ "organizer", ROLE_ORGANIZER },
	{ "staff", ROLE_STAFF },
	{ "admin", ROLE_ADMIN },
};

/* Rolls the open transaction back and returns e. */
static enum err
fail(struct db *db, enum err e)
{
	db_tx_rollback(db);
	return e;
}

/*
 * Queues an account mail with its token sealed, inside the open
 * transaction.  ERR_NOT_CONFIGURED without a secret_key.
 */
static enum err
queue_mail(struct db *db, int64_t now, const char *kind, const struct user *u,
    const char *to, const char *token)
{
	char		*sealed;
	enum db_rc	 rc;

	if ((sealed = seal(token, strlen(token))) == NULL) {
		log_err("account mail needs secret_key in the configuration");
		return ERR_NOT_CONFIGURED;
	}
	rc = outbox_queue_account(db, kind, u->id, to, u->locale, sealed, now);
	free(sealed);
	return rc == DB_OK ? ERR_OK : ERR_INTERNAL;
}

/* The mail each kind of link travels in, and how long it works. */
static const struct link {
	const char	*kind;		/* outbox kind, templates/mail/<kind> */
	int64_t		 ttl;
} links[] = {
	[TOKEN_VERIFY] = { "verify", VERIFY_SECONDS },
	[TOKEN_RESET] = { "reset", RESET_SECONDS },
	[TOKEN_EMAIL_CHANGE] = { "email_change", EMAIL_CHANGE_SECONDS },
};

_Static_assert(sizeof(links) / sizeof(links[0]) == TOKEN__MAX,
    "links out of sync with enum token_purpose");

/*
 * Issues a single-use link of purpose for u, queues its mail to `to`
 * (new_email: the address an e-mail change moves to, else NULL) and
 * commits, in the transaction the caller opened.  Rolls back on
 * failure.
 */
static enum err
mail_link(struct db *db, int64_t now, const struct user *u,
    enum token_purpose purpose, const char *new_email, const char *to)
{
	char		 token[TOKEN_HEX_LEN + 1];
	enum err	 e = ERR_OK;

	if (user_token_issue(db, u->id, purpose, new_email, now,
	    links[purpose].ttl, token) != DB_OK ||
	    (e = queue_mail(db, now, links[purpose].kind, u, to, token)) !=
	    ERR_OK || (e = err_from_db(db_tx_commit(db))) != ERR_OK)
		e = fail(db, e != ERR_OK ? e : ERR_INTERNAL);
	sodium_memzero(token, sizeof(token));
	return e;
}

/*
 * Fills u from in with the folded address and hashes the password, or
 * says why the password is too weak.  Hashing happens here, before any
 * transaction opens, so the write lock is never held while hashing.
 */
static enum err
user_from_new(const struct account_new *in, struct user *u,
    const char **weak)
{
	memset(u, 0, sizeof(*u));
	snprintf(u->email, sizeof(u->email), "%s", in->email);
	user_fold_email(u->email);
	if ((*weak = user_password_weak(in->password, u->email)) != NULL)
		return ERR_WEAK_PASSWORD;
	if (in->first_name != NULL) {
		u->split_names = 1;
		snprintf(u->first_name, sizeof(u->first_name), "%s",
		    in->first_name);
		snprintf(u->last_name, sizeof(u->last_name), "%s",
		    in->last_name != NULL ? in->last_name : "");
		user_join_names(u->first_name, u->last_name, u->name,
		    sizeof(u->name));
	} else
		snprintf(u->name, sizeof(u->name), "%s", in->name);
	if (in->phone != NULL)
		snprintf(u->phone, sizeof(u->phone), "%s", in->phone);
	snprintf(u->locale, sizeof(u->locale), "%s", in->locale);
	u->is_active = 1;
	if (crypto_pw_hash(in->password, u->password_hash) == -1)
		return ERR_INTERNAL;
	return ERR_OK;
}

enum err
account_register(struct db *db, int64_t now, const struct account_new *in,
    struct user *u, const char **weak)
{
	enum db_rc	 rc;
	enum err	 e;

	if ((e = user_from_new(in, u, weak)) != ERR_OK)
		return e;
	/* Anyone may sell tickets (seed 004); nobody makes himself staff. */
	u->role = in->role == ROLE_ORGANIZER ? ROLE_ORGANIZER : ROLE_CUSTOMER;
	if ((e = err_from_db(db_tx_immediate(db))) != ERR_OK)
		return e;
	if ((rc = user_create(db, u, now, &u->id)) == DB_CONSTRAINT)
		return fail(db, ERR_EMAIL_TAKEN);
	if (rc != DB_OK)
		return fail(db, ERR_INTERNAL);
	return mail_link(db, now, u, TOKEN_VERIFY, NULL, u->email);
}

enum err
account_verify_email(struct db *db, int64_t now, const char *token,
    int64_t expect_user, int *already, struct user *u)
{
	struct user	 v;
	int64_t		 user_id;
	enum db_rc	 rc;
	enum err	 e;

	*already = 0;
	if ((e = err_from_db(db_tx_immediate(db))) != ERR_OK)
		return e;
	rc = user_token_use(db, TOKEN_VERIFY, token, now, &user_id, NULL);
	if (rc == DB_CONSTRAINT) {
		db_tx_rollback(db);
		*already = (expect_user == 0 || user_id == expect_user) &&
		    user_by_id(db, user_id, &v) == DB_OK && v.verified_at != 0;
		return ERR_TOKEN_INVALID;
	}
	if (rc == DB_NOTFOUND || (rc == DB_OK && expect_user != 0 &&
	    user_id != expect_user))
		return fail(db, ERR_TOKEN_INVALID);
	if (rc != DB_OK || user_set_verified(db, user_id, now) != DB_OK ||
	    db_tx_commit(db) != DB_OK)
		return fail(db, ERR_INTERNAL);
	return u != NULL ? account_get(db, user_id, u) : ERR_OK;
}

/*
 * The two "mail me a link" requests (purpose TOKEN_VERIFY or
 * TOKEN_RESET): an unverified account gets a verification link, an
 * active one a reset link; other addresses get nothing, and the caller
 * answers alike.
 */
static enum err
mail_if(struct db *db, int64_t now, const char *email,
    enum token_purpose purpose, int *queued)
{
	struct user	 u;
	char		 folded[EMAIL_MAX + 1];
	enum err	 e;

	*queued = 0;
	snprintf(folded, sizeof(folded), "%s", email);
	user_fold_email(folded);
	if ((e = err_from_db(db_tx_immediate(db))) != ERR_OK)
		return e;
	if (user_by_email(db, folded, &u) != DB_OK ||
	    (purpose == TOKEN_VERIFY ? u.verified_at != 0 : !u.is_active)) {
		db_tx_rollback(db);
		return ERR_OK;
	}
	if ((e = mail_link(db, now, &u, purpose, NULL, u.email)) == ERR_OK)
		*queued = 1;
	return e;
}

enum err
account_resend_verification(struct db *db, int64_t now, const char *email,
    int *queued)
{
	return mail_if(db, now, email, TOKEN_VERIFY, queued);
}

enum err
account_reset_request(struct db *db, int64_t now, const char *email,
    int *queued)
{
	return mail_if(db, now, email, TOKEN_RESET, queued);
}

/*
 * Checks the second factor of u: a TOTP code never used before, or an
 * unused recovery code.  Inside a write transaction.
 */
static enum err
second_factor(struct db *db, int64_t now, const struct user *u,
    const char *code, const char *recovery)
{
	char		*secret;
	size_t		 len;
	int64_t		 step;
	enum db_rc	 rc;

	if (recovery != NULL)
		return recovery_use(db, u->id, recovery, now) == DB_OK ?
		    ERR_OK : ERR_TOTP_INVALID;
	if (code == NULL)
		return ERR_TOTP_REQUIRED;
	if ((secret = unseal(u->totp_sealed, &len)) == NULL)
		return ERR_NOT_CONFIGURED;
	step = totp_check((unsigned char *)secret, len, now, code);
	sodium_memzero(secret, len);
	free(secret);
	if (step == 0)
		return ERR_TOTP_INVALID;
	/* A code is good once: its step must be newer than the last. */
	rc = user_use_totp_step(db, u->id, step);
	return rc == DB_OK ? ERR_OK : rc == DB_CONSTRAINT ? ERR_TOTP_INVALID :
	    ERR_INTERNAL;
}

/* A hash to verify against when the account does not exist, so both
 * answers take as long. */
static const char *
dummy_hash(void)
{
	static char	 hash[PWHASH_MAX];

	if (hash[0] == '\0' && crypto_pw_hash("biljett-no-such-user", hash)
	    == -1)
		hash[0] = '\0';
	return hash;
}

/* Counts a failed sign-in of u with count (user_login_failed or
 * user_factor_failed) and commits it.  Returns 0, or -1 with the
 * transaction rolled back. */
static int
count_failure(struct db *db, int64_t now, struct user *u,
    enum db_rc (*count)(struct db *, struct user *, int64_t))
{
	if (count(db, u, now) != DB_OK || db_tx_commit(db) != DB_OK) {
		db_tx_rollback(db);
		return -1;
	}
	return 0;
}

/*
 * Where the locks sit.  The password is verified first, always, and a
 * right one is never refused for a lock: a lock checked before the
 * password let anyone who knows an address (or shares the owner's NAT)
 * keep its owner out with five wrong guesses.  Wrong passwords still
 * count per account, and one that arrives while the account is locked is
 * answered 429 with the (doubled) time left instead of 401, so a client
 * that honours Retry-After backs off and a guesser sees the same answer
 * for every wrong guess.  Guessing volume is bounded by nginx's
 * per-address limit_req on this path and the password rules, not by
 * refusing to look.
 *
 * The second factor is different: only someone who has the password can
 * send a wrong code, so its own lock (factor_locked_until) is enforced
 * before the code is checked, right code or not, as the password lock
 * used to be.  A right password with no code still hears TOTP_REQUIRED.
 */
enum err
account_login(struct db *db, int64_t now, const struct account_login *in,
    struct user *u, struct account_tokens *tok, int64_t *retry_after)
{
	char		 email[EMAIL_MAX + 1];
	int		 found, has_pw, ok, locked;
	enum err	 e;

	*retry_after = 0;
	memset(tok, 0, sizeof(*tok));
	snprintf(email, sizeof(email), "%s", in->email);
	user_fold_email(email);
	found = user_by_email(db, email, u) == DB_OK;
	/* An account made without a password (a guest's, lib/guestpay)
	 * takes as long and is refused as a wrong password is. */
	has_pw = found && strcmp(u->password_hash, GUESTPAY_NO_PASSWORD) != 0;
	ok = crypto_pw_verify(has_pw ? u->password_hash : dummy_hash(),
	    in->password) && has_pw;
	if ((e = err_from_db(db_tx_immediate(db))) != ERR_OK)
		return e;
	/* Reread inside the transaction: counters may have moved. */
	if (found && user_by_id(db, u->id, u) != DB_OK)
		return fail(db, ERR_INTERNAL);
	if (!ok) {
		if (!found) {
			db_tx_rollback(db);
			log_info("login failed for an account that does not"
			    " exist");
			return ERR_INVALID_CREDENTIALS;
		}
		locked = u->locked_until > now;
		if (count_failure(db, now, u, user_login_failed) == -1)
			return ERR_INTERNAL;
		log_info("login failed for an account%s", locked ?
		    " that is locked" : "");
		if (!locked)
			return ERR_INVALID_CREDENTIALS;
		*retry_after = u->locked_until - now;
		return ERR_TOO_MANY_ATTEMPTS;
	}
	if (!u->is_active)
		return fail(db, ERR_ACCOUNT_DISABLED);
	if (u->verified_at == 0)
		return fail(db, ERR_EMAIL_NOT_VERIFIED);
	if (u->totp_enabled && (in->totp_code != NULL ||
	    in->recovery_code != NULL) && u->factor_locked_until > now) {
		*retry_after = u->factor_locked_until - now;
		return fail(db, ERR_TOO_MANY_ATTEMPTS);
	}
	if (u->totp_enabled && (e = second_factor(db, now, u, in->totp_code,
	    in->recovery_code)) != ERR_OK) {
		/* A wrong code counts; failing to count it still says so. */
		if (e == ERR_TOTP_INVALID &&
		    count_failure(db, now, u, user_factor_failed) == 0)
			return e;
		return fail(db, e);
	}
	/* A complete sign-in lifts both locks. */
	if (user_login_ok(db, u->id) != DB_OK ||
	    user_set_last_login(db, u->id, now) != DB_OK)
		return fail(db, ERR_INTERNAL);
	u->last_login_at = now;
	e = in->browser ? auth_session_browser(db, u->id, in->old_session,
	    in->remember, now, tok->session, &tok->session_ttl) :
	    auth_session_api(db, u->id, now, tok->access, tok->refresh);
	if (e != ERR_OK || (e = err_from_db(db_tx_commit(db))) != ERR_OK)
		return fail(db, e);
	return ERR_OK;
}

enum err
account_logout(struct db *db, int64_t now, int64_t user_id,
    int64_t session_id, const char *refresh)
{
	enum err	 e;

	if ((e = err_from_db(db_tx_immediate(db))) != ERR_OK)
		return e;
	if (sess_revoke(db, session_id, now) != DB_OK)
		return fail(db, ERR_INTERNAL);
	if (refresh != NULL)
		(void)rt_revoke_family_of(db, refresh, user_id, now);
	return err_from_db(db_tx_commit(db));
}

enum err
account_get(struct db *db, int64_t user_id, struct user *u)
{
	return user_by_id(db, user_id, u) == DB_OK ? ERR_OK : ERR_INTERNAL;
}

enum err
account_profile_set(struct db *db, int64_t now, int64_t user_id,
    const char *name, const char *phone, const char *locale, struct user *u)
{
	enum err	 e;

	if ((e = err_from_db(db_tx_immediate(db))) != ERR_OK)
		return e;
	if (user_by_id(db, user_id, u) != DB_OK)
		return fail(db, ERR_INTERNAL);
	if (locale != NULL && i18n_parse(locale) == LANG__MAX)
		return fail(db, ERR_BAD_REQUEST);
	if (user_set_profile(db, u->id, name != NULL ? name : u->name,
	    phone != NULL ? phone : u->phone, locale != NULL ? locale :
	    u->locale, now) != DB_OK)
		return fail(db, ERR_INTERNAL);
	if ((e = err_from_db(db_tx_commit(db))) != ERR_OK)
		return e;
	return account_get(db, user_id, u);
}

enum err
account_profile_update(struct db *db, int64_t now, int64_t user_id,
    const struct account_profile *in, struct user *u)
{
	enum err	 e;

	if ((e = err_from_db(db_tx_immediate(db))) != ERR_OK)
		return e;
	if (user_by_id(db, user_id, u) != DB_OK)
		return fail(db, ERR_INTERNAL);
	if (in->locale != NULL && i18n_parse(in->locale) == LANG__MAX)
		return fail(db, ERR_BAD_REQUEST);
	if (user_set_names(db, u->id, in->first_name != NULL ? in->first_name :
	    u->first_name, in->last_name != NULL ? in->last_name :
	    u->last_name, in->phone != NULL ? in->phone : u->phone,
	    in->locale != NULL ? in->locale : u->locale, now) != DB_OK)
		return fail(db, ERR_INTERNAL);
	if ((e = err_from_db(db_tx_commit(db))) != ERR_OK)
		return e;
	return account_get(db, user_id, u);
}

enum err
account_password_change(struct db *db, int64_t now, int64_t user_id,
    int64_t keep_session, const char *current, const char *password,
    struct user *u, const char **weak)
{
	char		 hash[PWHASH_MAX];
	enum err	 e;

	*weak = NULL;
	if (user_by_id(db, user_id, u) != DB_OK)
		return ERR_INTERNAL;
	if (!crypto_pw_verify(u->password_hash, current))
		return ERR_INVALID_CREDENTIALS;
	if ((*weak = user_password_weak(password, u->email)) != NULL)
		return ERR_WEAK_PASSWORD;
	if (crypto_pw_hash(password, hash) == -1)
		return ERR_INTERNAL;
	if ((e = err_from_db(db_tx_immediate(db))) != ERR_OK)
		return e;
	if (user_set_password(db, u->id, hash, now) != DB_OK ||
	    user_revoke_sessions(db, u->id, keep_session, now) != DB_OK)
		return fail(db, ERR_INTERNAL);
	if ((e = err_from_db(db_tx_commit(db))) != ERR_OK)
		return e;
	return account_get(db, user_id, u);
}

enum err
account_reset_confirm(struct db *db, int64_t now, const char *token,
    const char *password, struct user *u, const char **weak)
{
	char		 hash[PWHASH_MAX];
	int64_t		 user_id;
	enum db_rc	 rc;
	enum err	 e;

	*weak = NULL;
	if (crypto_pw_hash(password, hash) == -1)
		return ERR_INTERNAL;
	if ((e = err_from_db(db_tx_immediate(db))) != ERR_OK)
		return e;
	rc = user_token_use(db, TOKEN_RESET, token, now, &user_id, NULL);
	if (rc == DB_NOTFOUND || rc == DB_CONSTRAINT)
		return fail(db, ERR_TOKEN_INVALID);
	if (rc != DB_OK || user_by_id(db, user_id, u) != DB_OK)
		return fail(db, ERR_INTERNAL);
	if ((*weak = user_password_weak(password, u->email)) != NULL)
		return fail(db, ERR_WEAK_PASSWORD);
	if (user_set_password(db, u->id, hash, now) != DB_OK ||
	    user_revoke_sessions(db, u->id, 0, now) != DB_OK ||
	    user_login_ok(db, u->id) != DB_OK)
		return fail(db, ERR_INTERNAL);
	return err_from_db(db_tx_commit(db));
}

enum err
account_refresh(struct db *db, int64_t now, const char *token,
    struct account_tokens *tok)
{
	struct user	 u;
	int64_t		 user_id;
	enum db_rc	 rc;
	enum err	 e;

	memset(tok, 0, sizeof(*tok));
	if (token == NULL)
		return ERR_TOKEN_INVALID;
	if ((e = err_from_db(db_tx_immediate(db))) != ERR_OK)
		return e;
	rc = rt_rotate(db, token, now, REFRESH_SECONDS, &user_id, tok->refresh);
	if (rc == DB_CONSTRAINT) {
		/* Commit the revocation before answering. */
		if ((e = err_from_db(db_tx_commit(db))) != ERR_OK)
			return e;
		log_warn("refresh token reused; family revoked");
		return ERR_TOKEN_REUSED;
	}
	if (rc == DB_NOTFOUND)
		return fail(db, ERR_TOKEN_INVALID);
	if (rc != DB_OK || user_by_id(db, user_id, &u) != DB_OK)
		return fail(db, ERR_INTERNAL);
	if (!u.is_active)
		return fail(db, ERR_ACCOUNT_DISABLED);
	if ((e = auth_session_api(db, u.id, now, tok->access, NULL)) !=
	    ERR_OK || (e = err_from_db(db_tx_commit(db))) != ERR_OK)
		return fail(db, e);
	return ERR_OK;
}

/* png as base64 (RFC 4648 with padding) in pool, or NULL on OOM. */
static char *
base64(struct arena *pool, const unsigned char *png, size_t len)
{
	size_t	 b64len = sodium_base64_ENCODED_LEN(len,
		    sodium_base64_VARIANT_ORIGINAL);
	char	*b64;

	if ((b64 = arena_malloc(pool, b64len)) == NULL)
		return NULL;
	sodium_bin2base64(b64, b64len, png, len,
	    sodium_base64_VARIANT_ORIGINAL);
	return b64;
}

enum err
account_2fa_setup(struct db *db, struct arena *pool, int64_t user_id,
    const char **uri, const char **qr)
{
	struct user	 u;
	unsigned char	 secret[TOTP_SECRET_BYTES], *png = NULL;
	char		*sealed = NULL, *plain_uri = NULL, *out_uri = NULL;
	char		*b64 = NULL;
	size_t		 pnglen = 0;
	enum err	 e = ERR_INTERNAL;

	if (user_by_id(db, user_id, &u) != DB_OK)
		return ERR_INTERNAL;
	if (u.totp_enabled)
		return ERR_FORBIDDEN;
	if (!seal_ready())
		return ERR_NOT_CONFIGURED;
	totp_new_secret(secret);
	if ((sealed = seal(secret, sizeof(secret))) == NULL ||
	    (plain_uri = totp_uri(secret, sizeof(secret), TOTP_ISSUER,
	    u.email)) == NULL ||
	    qr_png(plain_uri, TOTP_QR_SCALE, &png, &pnglen) == -1 ||
	    (b64 = base64(pool, png, pnglen)) == NULL ||
	    (out_uri = arena_strdup(pool, plain_uri)) == NULL)
		goto out;
	if ((e = err_from_db(db_tx_immediate(db))) != ERR_OK)
		goto out;
	if (user_set_totp(db, u.id, sealed, 0) != DB_OK) {
		e = fail(db, ERR_INTERNAL);
		goto out;
	}
	if ((e = err_from_db(db_tx_commit(db))) != ERR_OK)
		goto out;
	*uri = out_uri;
	*qr = b64;
out:
	sodium_memzero(secret, sizeof(secret));
	if (plain_uri != NULL)
		sodium_memzero(plain_uri, strlen(plain_uri));
	free(plain_uri);
	free(sealed);
	free(png);
	return e;
}

enum err
account_2fa_enable(struct db *db, int64_t now, int64_t user_id,
    const char *code, char codes[RECOVERY_CODES][RECOVERY_CODE_LEN + 2])
{
	struct user	 u;
	enum err	 e;

	if (user_by_id(db, user_id, &u) != DB_OK)
		return ERR_INTERNAL;
	if (u.totp_enabled || u.totp_sealed[0] == '\0')
		return ERR_FORBIDDEN;
	if ((e = err_from_db(db_tx_immediate(db))) != ERR_OK)
		return e;
	if ((e = second_factor(db, now, &u, code, NULL)) != ERR_OK)
		return fail(db, e);
	if (user_set_totp(db, u.id, u.totp_sealed, 1) != DB_OK ||
	    recovery_issue(db, u.id, codes) != DB_OK)
		return fail(db, ERR_INTERNAL);
	return err_from_db(db_tx_commit(db));
}

enum err
account_2fa_disable(struct db *db, int64_t user_id, const char *password,
    struct user *u)
{
	enum err	 e;

	if (user_by_id(db, user_id, u) != DB_OK)
		return ERR_INTERNAL;
	if (!crypto_pw_verify(u->password_hash, password))
		return ERR_INVALID_CREDENTIALS;
	if ((e = err_from_db(db_tx_immediate(db))) != ERR_OK)
		return e;
	if (user_set_totp(db, u->id, NULL, 0) != DB_OK)
		return fail(db, ERR_INTERNAL);
	if ((e = err_from_db(db_tx_commit(db))) != ERR_OK)
		return e;
	return account_get(db, user_id, u);
}

enum err
account_email_change(struct db *db, int64_t now, int64_t user_id,
    const char *email, const char *password)
{
	struct user	 u, other;
	char		 folded[EMAIL_MAX + 1];
	enum err	 e;

	if (user_by_id(db, user_id, &u) != DB_OK)
		return ERR_INTERNAL;
	if (!crypto_pw_verify(u.password_hash, password))
		return ERR_INVALID_CREDENTIALS;
	snprintf(folded, sizeof(folded), "%s", email);
	user_fold_email(folded);
	if ((e = err_from_db(db_tx_immediate(db))) != ERR_OK)
		return e;
	if (user_by_email(db, folded, &other) == DB_OK)
		return fail(db, ERR_EMAIL_TAKEN);
	return mail_link(db, now, &u, TOKEN_EMAIL_CHANGE, folded, folded);
}

enum err
account_email_confirm(struct db *db, int64_t now, const char *token)
{
	char		 email[EMAIL_MAX + 1];
	int64_t		 user_id;
	enum db_rc	 rc;
	enum err	 e;

	if ((e = err_from_db(db_tx_immediate(db))) != ERR_OK)
		return e;
	rc = user_token_use(db, TOKEN_EMAIL_CHANGE, token, now, &user_id,
	    email);
	if (rc == DB_NOTFOUND || rc == DB_CONSTRAINT)
		return fail(db, ERR_TOKEN_INVALID);
	if (rc != DB_OK)
		return fail(db, ERR_INTERNAL);
	if ((rc = user_set_email(db, user_id, email, now)) == DB_CONSTRAINT)
		return fail(db, ERR_EMAIL_TAKEN);
	if (rc != DB_OK || db_tx_commit(db) != DB_OK)
		return fail(db, ERR_INTERNAL);
	return ERR_OK;
}

enum err
account_email_cancel(struct db *db, int64_t now, int64_t user_id)
{
	enum err	 e;

	if ((e = err_from_db(db_tx_immediate(db))) != ERR_OK)
		return e;
	if (user_token_cancel(db, user_id, TOKEN_EMAIL_CHANGE, now) != DB_OK)
		return fail(db, ERR_INTERNAL);
	return err_from_db(db_tx_commit(db));
}

enum err
account_staff_create(struct db *db, int64_t now, int64_t organizer_id,
    const struct account_new *in, struct user *u, const char **weak)
{
	enum db_rc	 rc;
	enum err	 e;

	if ((e = user_from_new(in, u, weak)) != ERR_OK)
		return e;
	u->role = ROLE_STAFF;
	u->organizer_id = organizer_id;
	u->verified_at = now;
	if ((e = err_from_db(db_tx_immediate(db))) != ERR_OK)
		return e;
	if ((rc = user_create(db, u, now, &u->id)) == DB_CONSTRAINT)
		return fail(db, ERR_EMAIL_TAKEN);
	if (rc != DB_OK)
		return fail(db, ERR_INTERNAL);
	return err_from_db(db_tx_commit(db));
}

cJSON *
account_json(const struct user *u)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "id", (double)u->id);
	cJSON_AddStringToObject(o, "email", u->email);
	cJSON_AddStringToObject(o, "name", u->name);
	if (u->phone[0] != '\0')
		cJSON_AddStringToObject(o, "phone", u->phone);
	else
		cJSON_AddNullToObject(o, "phone");
	cJSON_AddStringToObject(o, "locale", u->locale);
	cJSON_AddStringToObject(o, "role", role_str(u->role));
	cJSON_AddBoolToObject(o, "is_active", u->is_active);
	cJSON_AddBoolToObject(o, "email_verified", u->verified_at != 0);
	cJSON_AddBoolToObject(o, "two_factor_enabled", u->totp_enabled);
	return o;
}

const char *
account_user_type(enum role role)
{
	size_t	 i;

	for (i = 0; i < sizeof(user_types) / sizeof(user_types[0]); i++)
		if (user_types[i].role == role)
			return user_types[i].name;
	return "consumer";
}

enum role
account_user_type_parse(const char *user_type)
{
	size_t	 i;

	for (i = 0; i < sizeof(user_types) / sizeof(user_types[0]); i++)
		if (strcmp(user_types[i].name, user_type) == 0)
			return user_types[i].role;
	return ROLE__MAX;
}

/* t as ISO 8601 into o's member name, or null when t is 0 (never). */
static void
add_time(cJSON *o, const char *name, int64_t t)
{
	char	 buf[TFMT_ISO_LEN];

	if (t == 0) {
		cJSON_AddNullToObject(o, name);
		return;
	}
	tfmt_iso(t, buf);
	cJSON_AddStringToObject(o, name, buf);
}

cJSON *
account_profile_json(const struct user *u)
{
	cJSON	*o = account_json(u);

	cJSON_AddStringToObject(o, "first_name", u->first_name);
	cJSON_AddStringToObject(o, "last_name", u->last_name);
	cJSON_AddStringToObject(o, "user_type", account_user_type(u->role));
	if (u->phone[0] != '\0')
		cJSON_AddStringToObject(o, "phone_number", u->phone);
	else
		cJSON_AddNullToObject(o, "phone_number");
	cJSON_AddBoolToObject(o, "is_email_verified", u->verified_at != 0);
	add_time(o, "date_joined", u->created_at);
	add_time(o, "last_login", u->last_login_at);
	return o;
}

enum err
account_list(struct db *db, int64_t organizer_id, int64_t page, int64_t per,
    cJSON **doc)
{
	struct user	 u;
	int64_t		 ids[PER_PAGE_MAX], total = 0;
	size_t		 n = 0, i;
	cJSON		*data, *pg;
	enum db_rc	 rc;

	*doc = NULL;
	if (db_tx_read(db) != DB_OK)
		return ERR_BUSY;
	if ((rc = user_list(db, organizer_id, page, per, ids, PER_PAGE_MAX,
	    &n, &total)) != DB_OK)
		return fail(db, err_from_db(rc));
	*doc = cJSON_CreateObject();
	data = cJSON_AddArrayToObject(*doc, "data");
	/* An account gone between the two reads is left out. */
	for (i = 0; i < n; i++)
		if (user_by_id(db, ids[i], &u) == DB_OK)
			cJSON_AddItemToArray(data, account_json(&u));
	db_tx_rollback(db);
	pg = cJSON_AddObjectToObject(*doc, "pagination");
	cJSON_AddNumberToObject(pg, "page", (double)page);
	cJSON_AddNumberToObject(pg, "per_page", (double)per);
	cJSON_AddNumberToObject(pg, "total", (double)total);
	cJSON_AddNumberToObject(pg, "total_pages",
	    (double)((total + per - 1) / per));
	return ERR_OK;
}

enum err
account_deactivate(struct db *db, int64_t now, int64_t id, struct user *u)
{
	enum err	 e;

	if ((e = err_from_db(db_tx_immediate(db))) != ERR_OK)
		return e;
	if (user_by_id(db, id, u) != DB_OK)
		return fail(db, ERR_NOT_FOUND);
	if (user_set_active(db, id, 0) != DB_OK ||
	    user_revoke_sessions(db, id, 0, now) != DB_OK)
		return fail(db, ERR_INTERNAL);
	if ((e = err_from_db(db_tx_commit(db))) != ERR_OK)
		return e;
	u->is_active = 0;
	return ERR_OK;
}
