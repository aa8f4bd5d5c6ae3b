/*
 * The configuration table and its parser.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "limits.h"
#include "crypto.h"

#ifndef DATADIR
#define DATADIR "/usr/local/share/biljett"
#endif

#define STR_(x)	#x
#define STR(x)	STR_(x)

struct conf_def {
	const char	*name;
	const char	*dflt;	/* NULL: unset */
	const char	*doc;	/* one line, for the generated file */
	int		 secret; /* may come as a systemd credential */
};

#define SECRET	1

static const struct conf_def defs[] = {
	[CONF_DATABASE] = { "database", "biljett.db",
	    "SQLite database file" },
	[CONF_PUBLIC_URL] = { "public_url", "http://127.0.0.1:8080",
	    "base URL buyers and payment providers reach us at" },
	[CONF_TIMEZONE] = { "timezone", "Europe/Stockholm",
	    "time zone for dates shown and sent" },
	[CONF_LOG_LEVEL] = { "log_level", "info",
	    "debug, info, warn or error" },
	[CONF_WORKERS] = { "workers", "2",
	    "worker processes per FastCGI program" },
	[CONF_SYNC] = { "sync", "normal",
	    "SQLite synchronous mode: normal or full" },
	[CONF_BUSY_TIMEOUT_MS] = { "busy_timeout_ms", STR(DB_BUSY_MS_DEFAULT),
	    "longest wait for the database write lock" },
	[CONF_SWISH_API_URL] = { "swish_api_url",
	    "https://mss.cpc.getswish.net/swish-cpcapi",
	    "Swish Commerce API base URL" },
	[CONF_SWISH_CERT] = { "swish_cert", NULL,
	    "merchant client certificate (PEM)" },
	[CONF_SWISH_KEY] = { "swish_key", NULL,
	    "merchant client key (PEM)" },
	[CONF_SWISH_KEY_PASSWORD] = { "swish_key_password", NULL,
	    "passphrase of swish_key, if any", SECRET },
	[CONF_SWISH_CA] = { "swish_ca", NULL,
	    "CA bundle for Swish's server certificate" },
	[CONF_SWISH_PAYEE_ALIAS] = { "swish_payee_alias", "1234679304",
	    "merchant Swish number" },
	[CONF_SWISH_QR_URL] = { "swish_qr_url",
	    "https://mpc.getswish.net/qrg-swish/api/v1/commerce",
	    "Swish QR code generator" },
	[CONF_SWISH_TIMEOUT] = { "swish_timeout", "10",
	    "seconds per Swish API call" },
	[CONF_STRIPE_API_URL] = { "stripe_api_url", "https://api.stripe.com",
	    "Stripe API base URL (http:// only on loopback, for a simulator)" },
	[CONF_STRIPE_SECRET_KEY] = { "stripe_secret_key", NULL,
	    "Stripe secret API key (sk_...); unset: Stripe is not offered",
	    SECRET },
	[CONF_STRIPE_PUBLISHABLE_KEY] = { "stripe_publishable_key", NULL,
	    "Stripe publishable key (pk_...), for Stripe.js in the browser" },
	[CONF_STRIPE_WEBHOOK_SECRET] = { "stripe_webhook_secret", NULL,
	    "signing secret of the Stripe webhook endpoint (whsec_...)",
	    SECRET },
	[CONF_STRIPE_JS_URL] = { "stripe_js_url", "https://js.stripe.com/v3/",
	    "where the payment page loads Stripe.js from" },
	[CONF_STRIPE_CA] = { "stripe_ca", NULL,
	    "CA bundle for Stripe's server certificate (default: system)" },
	[CONF_STRIPE_TIMEOUT] = { "stripe_timeout", STR(STRIPE_TIMEOUT_DEFAULT),
	    "seconds per Stripe API call" },
	[CONF_MPESA_API_URL] = { "mpesa_api_url", "https://api.safaricom.co.ke",
	    "Daraja base URL (https://sandbox.safaricom.co.ke to test; http://"
	    " only on loopback, for a simulator)" },
	[CONF_MPESA_CONSUMER_KEY] = { "mpesa_consumer_key", NULL,
	    "Daraja app consumer key; unset: M-Pesa is not offered",
	    SECRET },
	[CONF_MPESA_CONSUMER_SECRET] = { "mpesa_consumer_secret", NULL,
	    "Daraja app consumer secret", SECRET },
	[CONF_MPESA_SHORTCODE] = { "mpesa_shortcode", NULL,
	    "M-Pesa paybill number (BusinessShortCode, 5-7 digits)" },
	[CONF_MPESA_PASSKEY] = { "mpesa_passkey", NULL,
	    "M-Pesa Express (STK push) passkey of the shortcode",
	    SECRET },
	[CONF_MPESA_CA] = { "mpesa_ca", NULL,
	    "CA bundle for Daraja's server certificate (default: system)" },
	[CONF_MPESA_TIMEOUT] = { "mpesa_timeout", STR(MPESA_TIMEOUT_DEFAULT),
	    "seconds per Daraja call" },
	[CONF_PROVIDER_EVENTS_DAYS] = { "provider_events_days", "90",
	    "days biljett expire keeps payment callbacks; 0: forever" },
	[CONF_SMTP_URL] = { "smtp_url", "smtp://127.0.0.1:25",
	    "SMTP server, smtp:// (STARTTLS if offered; required with"
	    " smtp_user) or smtps://" },
	[CONF_SMTP_USER] = { "smtp_user", NULL, "SMTP user, if any" },
	[CONF_SMTP_PASSWORD] = { "smtp_password", NULL,
	    "SMTP password, if any", SECRET },
	[CONF_SMTP_CA] = { "smtp_ca", NULL,
	    "CA bundle for the SMTP server (default: system)" },
	[CONF_MAIL_FROM] = { "mail_from", "biljett@localhost",
	    "sender address of ticket mail" },
	[CONF_MAIL_FROM_NAME] = { "mail_from_name", "biljett",
	    "sender display name" },
	[CONF_CORS_ORIGINS] = { "cors_origins", "",
	    "origins allowed to call with credentials, space-separated" },
	[CONF_BILJETT_CLI] = { "biljett_cli", "",
	    "path of the biljett CLI, run after payment to send mail" },
	[CONF_TEMPLATES] = { "templates", DATADIR "/templates",
	    "directory of the page and mail templates" },
	[CONF_LOCALE_DIR] = { "locale_dir", DATADIR "/locale",
	    "directory of the compiled message catalogues (.mo)" },
	[CONF_MEDIA_DIR] = { "media_dir", "media",
	    "directory of uploaded images (posters), served by nginx at"
	    " /media/" },
	[CONF_SECRET_KEY] = { "secret_key", NULL,
	    "64 hex digits sealing TOTP secrets and mailed tokens at rest,"
	    " and signing queue passes", SECRET },
	[CONF_SERVICE_FEE_PERCENT] = { "service_fee_percent", "5",
	    "service fee on the subtotal of an order made through /api/orders/,"
	    " in percent with at most two decimals" },
	[CONF_TEST_PAYMENTS] = { "test_payments", "off",
	    "on: POST /api/orders/{id}/confirm_payment/ marks an order paid"
	    " without any provider (development only, never in production)" },
	[CONF_INVOICE_FONT] = { "invoice_font",
	    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
	    "TrueType font embedded in invoice PDFs (Debian fonts-dejavu-core)" },
	[CONF_INVOICE_FONT_BOLD] = { "invoice_font_bold",
	    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
	    "its bold face, for headings and totals" },
};

/*
 * Unsized, so that a row for a key past the end, or a missing last row,
 * changes the count and fails here; a gap in the middle leaves a NULL
 * name, which tests/unit/test-tables.c finds.
 */
_Static_assert(sizeof(defs) / sizeof(defs[0]) == CONF__MAX,
    "conf table out of sync with enum conf_key");

static char *
trim(char *s)
{
	char	*end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

static int
lookup(const char *name)
{
	int	 i;

	for (i = 0; i < CONF__MAX; i++)
		if (strcmp(defs[i].name, name) == 0)
			return i;
	return -1;
}

static int
set(struct conf *conf, int key, const char *value)
{
	char	*copy;

	if ((copy = strdup(value)) == NULL)
		return -1;
	free(conf->v[key]);
	conf->v[key] = copy;
	return 0;
}

static int
read_file(struct conf *conf, const char *path, char *err, size_t errsz)
{
	FILE	*f;
	char	 line[4096], *p, *eq, *name, *value;
	int	 lineno = 0, key, rc = -1;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(err, errsz, "%s:%d: line too long", path,
			    lineno);
			goto out;
		}
		p = trim(line);
		if (*p == '\0' || *p == '#')
			continue;
		if ((eq = strchr(p, '=')) == NULL) {
			snprintf(err, errsz, "%s:%d: expected key = value",
			    path, lineno);
			goto out;
		}
		*eq = '\0';
		name = trim(p);
		value = trim(eq + 1);
		if ((key = lookup(name)) < 0) {
			snprintf(err, errsz, "%s:%d: unknown key \"%s\"",
			    path, lineno, name);
			goto out;
		}
		if (set(conf, key, value) == -1) {
			snprintf(err, errsz, "out of memory");
			goto out;
		}
	}
	if (ferror(f)) {
		snprintf(err, errsz, "%s: read error", path);
		goto out;
	}
	rc = 0;
out:
	fclose(f);
	return rc;
}

/* Keys naming a file or directory: relative ones follow the file. */
static const enum conf_key path_keys[] = {
	CONF_DATABASE, CONF_SWISH_CERT, CONF_SWISH_KEY, CONF_SWISH_CA,
	CONF_STRIPE_CA, CONF_MPESA_CA, CONF_SMTP_CA, CONF_BILJETT_CLI,
	CONF_TEMPLATES, CONF_LOCALE_DIR, CONF_MEDIA_DIR,
};

/*
 * One rule for paths, whoever reads the file (a worker started by
 * systemd in "/", the CLI wherever the operator stands, the dev runner):
 * a relative path in the file is relative to the file's directory.
 * Values from the environment are taken as given.
 */
static int
resolve_paths(struct conf *conf, const char *path, char *err, size_t errsz)
{
	char		*dir, *slash, *full;
	const char	*v;
	size_t		 i;
	int		 rc = -1;

	if ((dir = realpath(path, NULL)) == NULL) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	if ((slash = strrchr(dir, '/')) != NULL)
		*(slash == dir ? slash + 1 : slash) = '\0';
	for (i = 0; i < sizeof(path_keys) / sizeof(path_keys[0]); i++) {
		v = conf->v[path_keys[i]];
		if (v == NULL || *v == '\0' || *v == '/')
			continue;
		if (asprintf(&full, "%s%s%s", dir,
		    strcmp(dir, "/") == 0 ? "" : "/", v) == -1) {
			snprintf(err, errsz, "out of memory");
			goto out;
		}
		free(conf->v[path_keys[i]]);
		conf->v[path_keys[i]] = full;
	}
	rc = 0;
out:
	free(dir);
	return rc;
}

/*
 * A secret from $CREDENTIALS_DIRECTORY/<key name>, where systemd's
 * LoadCredential= puts what it read as root for this unit alone: the
 * configuration file then needs to hold no secret, and each program
 * gets only the secrets its unit names.  One trailing newline is not
 * part of the value; an empty file unsets the key (a unit may name a
 * credential the site does not use).  Returns 1 if read, 0 if there is
 * no such file, -1 with err.
 */
static int
read_credential(struct conf *conf, const char *dir, int key, char *err,
    size_t errsz)
{
	char	 path[4096], value[CONF_SECRET_MAX + 2];
	ssize_t	 n;
	size_t	 len = 0;
	int	 fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
	    defs[key].name) >= sizeof(path)) {
		snprintf(err, errsz, "%s: path too long", dir);
		return -1;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (len < sizeof(value) - 1 &&
	    (n = read(fd, value + len, sizeof(value) - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	if (len == sizeof(value) - 1) {
		snprintf(err, errsz, "%s: longer than %d bytes", path,
		    CONF_SECRET_MAX);
		return -1;
	}
	if (len > 0 && value[len - 1] == '\n')
		len--;
	if (len > 0 && value[len - 1] == '\r')
		len--;
	value[len] = '\0';
	if (memchr(value, '\0', len) != NULL || strchr(value, '\n') != NULL) {
		snprintf(err, errsz, "%s: one line expected", path);
		return -1;
	}
	if (len == 0) {		/* an empty file: the key is unset */
		free(conf->v[key]);
		conf->v[key] = NULL;
	} else if (set(conf, key, value) == -1) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	return 1;
}

static int
read_credentials(struct conf *conf, char *err, size_t errsz)
{
	const char	*dir = getenv("CREDENTIALS_DIRECTORY");
	int		 i;

	if (dir == NULL || *dir == '\0')
		return 0;
	for (i = 0; i < CONF__MAX; i++)
		if (defs[i].secret &&
		    read_credential(conf, dir, i, err, errsz) == -1)
			return -1;
	return 0;
}

int
conf_load(struct conf *conf, const char *path, char *err, size_t errsz)
{
	char		 envname[64];
	const char	*env;
	size_t		 i, j;

	memset(conf, 0, sizeof(*conf));
	for (i = 0; i < CONF__MAX; i++)
		if (defs[i].dflt != NULL && set(conf, i, defs[i].dflt) == -1)
			goto nomem;
	if (path != NULL) {
		if ((conf->path = strdup(path)) == NULL)
			goto nomem;
		if (read_file(conf, path, err, errsz) == -1 ||
		    resolve_paths(conf, path, err, errsz) == -1)
			return -1;
	}

	/* BILJETT_PUBLIC_URL overrides public_url, and so on. */
	for (i = 0; i < CONF__MAX; i++) {
		j = (size_t)snprintf(envname, sizeof(envname), "BILJETT_%s",
		    defs[i].name);
		if (j >= sizeof(envname))
			continue;
		for (j = 8; envname[j] != '\0'; j++)
			envname[j] = (char)toupper((unsigned char)envname[j]);
		if ((env = getenv(envname)) != NULL &&
		    set(conf, i, env) == -1)
			goto nomem;
	}
	return read_credentials(conf, err, errsz);
nomem:
	snprintf(err, errsz, "out of memory");
	return -1;
}

void
conf_clear(struct conf *conf)
{
	size_t	 i;

	for (i = 0; i < CONF__MAX; i++) {
		free(conf->v[i]);
		conf->v[i] = NULL;
	}
	free(conf->path);
	conf->path = NULL;
}

const char *
conf_str(const struct conf *conf, enum conf_key key)
{
	return conf->v[key] != NULL ? conf->v[key] : "";
}

long
conf_int(const struct conf *conf, enum conf_key key, long dflt)
{
	const char	*s = conf->v[key];
	char		*end;
	long		 v;

	if (s == NULL || *s == '\0')
		return dflt;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return dflt;
	return v;
}

const char *
conf_name(enum conf_key key)
{
	return defs[key].name;
}

int
conf_write_default(const char *path, const char *database, char *err,
    size_t errsz)
{
	FILE		*f;
	const char	*slash;
	char		 secret[65];
	int		 fd, i, dirlen;

	crypto_random_hex(secret, 32);
	/* Uploads live beside the database: /var/lib/biljett/media. */
	slash = strrchr(database, '/');
	dirlen = slash == NULL ? 0 : (int)(slash - database + 1);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	if ((f = fdopen(fd, "w")) == NULL) {
		close(fd);
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	fprintf(f, "# biljett configuration (see README.md, biljett.conf(5))\n"
	    "# Every key can be overridden with BILJETT_<KEY> in the "
	    "environment.\n\n");
	for (i = 0; i < CONF__MAX; i++) {
		fprintf(f, "# %s\n", defs[i].doc);
		if (i == CONF_DATABASE)
			fprintf(f, "%s = %s\n\n", defs[i].name, database);
		else if (i == CONF_MEDIA_DIR)
			fprintf(f, "%s = %.*smedia\n\n", defs[i].name, dirlen,
			    database);
		else if (i == CONF_SECRET_KEY)
			fprintf(f, "%s = %s\n\n", defs[i].name, secret);
		else if (defs[i].dflt != NULL)
			fprintf(f, "%s = %s\n\n", defs[i].name, defs[i].dflt);
		else
			fprintf(f, "#%s =\n\n", defs[i].name);
	}
	if (fclose(f) != 0) {
		snprintf(err, errsz, "%s: write failed", path);
		return -1;
	}
	return 0;
}

int
conf_origin_allowed(const struct conf *conf, const char *origin)
{
	const char	*list = conf_str(conf, CONF_CORS_ORIGINS), *p, *end;
	size_t		 olen;

	if (origin == NULL || *origin == '\0')
		return 0;
	olen = strlen(origin);
	for (p = list; *p != '\0'; p = end) {
		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		end = p;
		while (*end != '\0' && *end != ' ' && *end != ',' &&
		    *end != '\t')
			end++;
		if ((size_t)(end - p) == olen && strncmp(p, origin, olen) == 0)
			return 1;
	}
	return 0;
}
