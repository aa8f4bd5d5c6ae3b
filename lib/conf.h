/*
 * Configuration: a "key = value" file read once at start, then
 * BILJETT_<KEY> environment overrides, then the secrets systemd hands
 * the unit (LoadCredential=<key name>:<file> puts the file in
 * $CREDENTIALS_DIRECTORY): secret_key, smtp_password, stripe_secret_key,
 * stripe_webhook_secret and the other keys marked secret in conf.c.
 * Every key is in the table in conf.c with its default; unknown keys in
 * the file are an error so a typo cannot silently fall back to a
 * default.
 */
#ifndef BILJETT_CONF_H
#define BILJETT_CONF_H

#include <stddef.h>

enum conf_key {
	CONF_DATABASE = 0,
	CONF_PUBLIC_URL,
	CONF_TIMEZONE,
	CONF_LOG_LEVEL,
	CONF_WORKERS,
	CONF_SYNC,
	CONF_BUSY_TIMEOUT_MS,
	CONF_SWISH_API_URL,
	CONF_SWISH_CERT,
	CONF_SWISH_KEY,
	CONF_SWISH_KEY_PASSWORD,
	CONF_SWISH_CA,
	CONF_SWISH_PAYEE_ALIAS,
	CONF_SWISH_QR_URL,
	CONF_SWISH_TIMEOUT,
	CONF_STRIPE_API_URL,
	CONF_STRIPE_SECRET_KEY,
	CONF_STRIPE_PUBLISHABLE_KEY,
	CONF_STRIPE_WEBHOOK_SECRET,
	CONF_STRIPE_JS_URL,
	CONF_STRIPE_CA,
	CONF_STRIPE_TIMEOUT,
	CONF_MPESA_API_URL,
	CONF_MPESA_CONSUMER_KEY,
	CONF_MPESA_CONSUMER_SECRET,
	CONF_MPESA_SHORTCODE,
	CONF_MPESA_PASSKEY,
	CONF_MPESA_CA,
	CONF_MPESA_TIMEOUT,
	CONF_PROVIDER_EVENTS_DAYS,
	CONF_SMTP_URL,
	CONF_SMTP_USER,
	CONF_SMTP_PASSWORD,
	CONF_SMTP_CA,
	CONF_MAIL_FROM,
	CONF_MAIL_FROM_NAME,
	CONF_CORS_ORIGINS,
	CONF_BILJETT_CLI,
	CONF_TEMPLATES,
	CONF_LOCALE_DIR,
	CONF_MEDIA_DIR,
	CONF_SECRET_KEY,
	CONF_SERVICE_FEE_PERCENT,
	CONF_TEST_PAYMENTS,
	CONF_INVOICE_FONT,
	CONF_INVOICE_FONT_BOLD,
	CONF__MAX
};

struct conf {
	char	*v[CONF__MAX];	/* malloc'd values, NULL when unset */
	char	*path;		/* file it was read from, or NULL */
};

/*
 * Fills conf from path (NULL: only defaults and the environment), then
 * applies BILJETT_* overrides and credentials.  Returns 0, or -1 with a
 * message naming the file, line and key (or the credential) in err.
 * Clear with conf_clear() either way.
 */
int		 conf_load(struct conf *conf, const char *path, char *err,
		    size_t errsz);
void		 conf_clear(struct conf *conf);

/* Returns the value or "" when unset; never NULL. */
const char	*conf_str(const struct conf *conf, enum conf_key key);
/* Returns the value as an integer, or dflt when unset or not a number. */
long		 conf_int(const struct conf *conf, enum conf_key key, long dflt);
/* Returns the file key name ("public_url") of key. */
const char	*conf_name(enum conf_key key);
/*
 * Writes a commented development config to path (mode 0600, fails if it
 * exists).  database is the SQLite path to put in it; media_dir goes
 * beside it ("media" in the database's directory).  Returns 0 or -1.
 */
int		 conf_write_default(const char *path, const char *database,
		    char *err, size_t errsz);
/* Is origin in the space- or comma-separated cors_origins list? */
int		 conf_origin_allowed(const struct conf *conf, const char *origin);

#endif
