/*
 * Accounts: the rules behind /api/auth/ and the account lists.  Each
 * function is one piece of business: it runs its own short transaction
 * (begin, commit or roll back; none nests in a caller's), hashes and
 * verifies passwords before the write lock is taken (argon2id, ~50 ms),
 * seals what it stores, and returns an enum err outcome (0 is ERR_OK)
 * with typed results in out-parameters.  Nothing here sees a request:
 * the handler in cgi-bin/auth.c reads the fields, calls one function,
 * sets cookies, starts `biljett mail`, and renders the outcome.
 *
 * Every function may also return ERR_BUSY (the write lock was not had
 * in time) or ERR_INTERNAL (storage failed); those are not repeated
 * below.  Out-parameters hold results only on ERR_OK unless said
 * otherwise.  E-mail addresses are folded to lower case here.  Strings
 * passed in are borrowed for the call.
 */
#ifndef BILJETT_ACCOUNT_H
#define BILJETT_ACCOUNT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "limits.h"
#include "user.h"

struct arena;
struct cJSON;
struct db;

#define VERIFY_SECONDS		(24 * 3600)	/* e-mail verification link */
#define RESET_SECONDS		3600		/* password reset link */
#define EMAIL_CHANGE_SECONDS	(24 * 3600)	/* new-address link */

/* A new account, as the caller typed it. */
struct account_new {
	const char	*name;		/* ignored with first_name */
	const char	*email;
	const char	*password;
	const char	*phone;		/* NULL: none */
	const char	*locale;	/* a language code i18n knows */
	/* Seed 004's signup: two names (NULL: one name, in name). */
	const char	*first_name;
	const char	*last_name;	/* with first_name; "" for none */
	enum role	 role;		/* registering: customer or organizer */
};

/* A sign-in attempt. */
struct account_login {
	const char	*email;
	const char	*password;
	const char	*totp_code;	/* NULL: not given */
	const char	*recovery_code;	/* NULL: not given */
	int		 browser;	/* 1: a sessionid cookie; 0: tokens */
	int		 remember;	/* browser: 7 days instead of 12 h */
	const char	*old_session;	/* browser: current sessionid or NULL */
};

/* What a sign-in or a refresh hands out; the caller sends it on. */
struct account_tokens {
	char	 session[TOKEN_HEX_LEN + 1];	/* browser: new sessionid */
	int64_t	 session_ttl;			/* browser: its Max-Age */
	char	 access[TOKEN_HEX_LEN + 1];	/* api: ACCESS_SECONDS bearer */
	char	 refresh[TOKEN_HEX_LEN + 1];	/* api: next refresh token */
};

/*
 * Registers a customer, or an organizer when in->role says so (any
 * other role registers a customer), unverified, and queues the
 * verification mail.
 * ERR_WEAK_PASSWORD with *weak set to the reason (a static English
 * msgid; see user_password_weak), ERR_EMAIL_TAKEN, ERR_NOT_CONFIGURED
 * without a secret_key to seal the link with.  u gets the account.
 */
enum err	account_register(struct db *db, int64_t now,
		    const struct account_new *in, struct user *u,
		    const char **weak);

/*
 * Spends a verification link and marks the address verified; u (unless
 * NULL) gets the account.  ERR_TOKEN_INVALID for an unknown, expired or
 * spent link, or one of another account than user_id (0: any); for a
 * spent one *already is set when its account is verified (a second
 * click).
 */
enum err	account_verify_email(struct db *db, int64_t now,
		    const char *token, int64_t user_id, int *already,
		    struct user *u);

/*
 * Mails a new verification link when email has an unverified account.
 * ERR_OK either way (the caller answers alike), *queued saying whether
 * a mail went to the outbox; ERR_NOT_CONFIGURED as for registering.
 */
enum err	account_resend_verification(struct db *db, int64_t now,
		    const char *email, int *queued);

/*
 * Signs in: the password (checked against a dummy hash for unknown
 * addresses, so both answers take as long), the second factor when 2FA
 * is on (a TOTP code not used before, or an unused recovery code), then
 * a browser session rotating in->old_session or an access and refresh
 * token.  Outcomes: ERR_INVALID_CREDENTIALS, ERR_TOO_MANY_ATTEMPTS
 * (*retry_after: seconds) for a wrong password while the account is
 * locked by user_login_failed, or for any code while the second factor
 * is locked by user_factor_failed, ERR_ACCOUNT_DISABLED,
 * ERR_EMAIL_NOT_VERIFIED, ERR_TOTP_REQUIRED, ERR_TOTP_INVALID,
 * ERR_NOT_CONFIGURED (a sealed secret it cannot open).  A right password
 * is never refused for the password lock.  A complete sign-in is the
 * account's last_login_at.  u gets the account, tok the session token
 * (browser) or tokens (api).
 */
enum err	account_login(struct db *db, int64_t now,
		    const struct account_login *in, struct user *u,
		    struct account_tokens *tok, int64_t *retry_after);

/*
 * Signs user_id out: ends session_id and, if refresh is not NULL and a
 * refresh token of user_id's, its family (another's or an unknown one is
 * left alone, and the answer is the same).
 */
enum err	account_logout(struct db *db, int64_t now, int64_t user_id,
		    int64_t session_id, const char *refresh);

/* The account user_id (ERR_INTERNAL if it has gone). */
enum err	account_get(struct db *db, int64_t user_id, struct user *u);

/*
 * Changes the profile fields that are not NULL.  ERR_BAD_REQUEST when
 * locale is not a language i18n knows.  u gets the account after.
 */
enum err	account_profile_set(struct db *db, int64_t now,
		    int64_t user_id, const char *name, const char *phone,
		    const char *locale, struct user *u);

/* Seed 004's profile fields (NULL: unchanged). */
struct account_profile {
	const char	*first_name;
	const char	*last_name;
	const char	*phone;		/* "": none */
	const char	*locale;
};

/*
 * Changes seed 004's profile fields that are not NULL; from then on the
 * account keeps first and last name apart (name is the two joined).
 * ERR_BAD_REQUEST when locale is not a language i18n knows.  u gets the
 * account after.
 */
enum err	account_profile_update(struct db *db, int64_t now,
		    int64_t user_id, const struct account_profile *in,
		    struct user *u);

/*
 * Changes the password after checking the current one; every other
 * session (all but keep_session) and every refresh token ends.
 * ERR_INVALID_CREDENTIALS, ERR_WEAK_PASSWORD (*weak).  u gets the
 * account after.
 */
enum err	account_password_change(struct db *db, int64_t now,
		    int64_t user_id, int64_t keep_session, const char *current,
		    const char *password, struct user *u, const char **weak);

/*
 * Mails a reset link when email has an active account: ERR_OK either
 * way, *queued saying whether; ERR_NOT_CONFIGURED as for registering.
 */
enum err	account_reset_request(struct db *db, int64_t now,
		    const char *email, int *queued);

/*
 * Spends a reset link and sets password; every session of the account
 * ends and its lockout is lifted.  ERR_TOKEN_INVALID (unknown, expired
 * or spent), ERR_WEAK_PASSWORD (*weak).  u gets the account.
 */
enum err	account_reset_confirm(struct db *db, int64_t now,
		    const char *token, const char *password, struct user *u,
		    const char **weak);

/*
 * Spends a refresh token for a new access token and the next refresh
 * token of its family (tok->access, tok->refresh).  ERR_TOKEN_INVALID
 * (unknown, expired, or token NULL), ERR_TOKEN_REUSED when a spent token
 * comes back (its whole family is revoked, and that is committed),
 * ERR_ACCOUNT_DISABLED.
 */
enum err	account_refresh(struct db *db, int64_t now, const char *token,
		    struct account_tokens *tok);

/*
 * Starts two-factor setup: a new secret, stored sealed and pending
 * until account_2fa_enable.  *uri gets its otpauth:// URI and *qr that
 * URI as a QR code PNG in base64, both allocated from pool (the
 * request's arena: never free them).  They carry the secret in the
 * clear, as the response must; every other copy made here is zeroed.
 * ERR_FORBIDDEN when 2FA is already on, ERR_NOT_CONFIGURED without a
 * secret_key.
 */
enum err	account_2fa_setup(struct db *db, struct arena *pool,
		    int64_t user_id, const char **uri, const char **qr);

/*
 * Turns 2FA on once code checks out against the pending secret, and
 * issues fresh recovery codes into codes (show them once, then zero
 * them).  ERR_FORBIDDEN when 2FA is on or no setup is pending,
 * ERR_TOTP_INVALID, ERR_NOT_CONFIGURED.
 */
enum err	account_2fa_enable(struct db *db, int64_t now, int64_t user_id,
		    const char *code,
		    char codes[RECOVERY_CODES][RECOVERY_CODE_LEN + 2]);

/* Turns 2FA off after checking password: ERR_INVALID_CREDENTIALS.  u
 * gets the account after. */
enum err	account_2fa_disable(struct db *db, int64_t user_id,
		    const char *password, struct user *u);

/*
 * Asks to move the account to email after checking password: a link
 * goes to the new address.  ERR_INVALID_CREDENTIALS, ERR_EMAIL_TAKEN,
 * ERR_NOT_CONFIGURED.
 */
enum err	account_email_change(struct db *db, int64_t now,
		    int64_t user_id, const char *email, const char *password);

/*
 * Spends an e-mail change link and moves the account to its address.
 * ERR_TOKEN_INVALID (unknown, expired or spent), ERR_EMAIL_TAKEN when
 * the address found an owner since.
 */
enum err	account_email_confirm(struct db *db, int64_t now,
		    const char *token);

/* Cancels the account's pending e-mail change links. */
enum err	account_email_cancel(struct db *db, int64_t now,
		    int64_t user_id);

/*
 * Creates a staff account working for organizer_id, verified (the
 * organizer vouches).  ERR_WEAK_PASSWORD (*weak), ERR_EMAIL_TAKEN.  u
 * gets the account.
 */
enum err	account_staff_create(struct db *db, int64_t now,
		    int64_t organizer_id, const struct account_new *in,
		    struct user *u, const char **weak);

/*
 * The public face of an account: {"id", "email", "name", "phone" (or
 * null), "locale", "role", "is_active", "email_verified",
 * "two_factor_enabled"}.  Free with cJSON_Delete() (or hand it on).
 */
struct cJSON	*account_json(const struct user *u);

/*
 * Seed 004's profile of an account: account_json's members and {"id",
 * "email", "first_name", "last_name", "user_type", "phone_number" (or
 * null), "is_email_verified", "date_joined", "last_login" (or null)}.
 * Free with cJSON_Delete() (or hand it on).
 */
struct cJSON	*account_profile_json(const struct user *u);

/*
 * Seed 004's user_type for a role ("consumer" is a customer; the other
 * roles keep their names), and back: ROLE__MAX for an unknown name.
 */
const char	*account_user_type(enum role role);
enum role	 account_user_type_parse(const char *user_type);

/*
 * One page of accounts (organizer_id 0: all; else that organizer's
 * staff), read in one transaction, as {"data": [account_json...],
 * "pagination": {"page", "per_page", "total", "total_pages"}}.  *doc is
 * the caller's (free with cJSON_Delete(), or hand it to http_json()).
 */
enum err	account_list(struct db *db, int64_t organizer_id, int64_t page,
		    int64_t per, struct cJSON **doc);

/* Deactivates account id at once, ending its sessions: ERR_NOT_FOUND.
 * u gets the account (now inactive). */
enum err	account_deactivate(struct db *db, int64_t now, int64_t id,
		    struct user *u);

#endif
