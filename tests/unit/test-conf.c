/* The configuration file: defaults, values, env overrides, errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "conf.h"
#include "limits.h"

static void
write_file(const char *path, const char *text)
{
	FILE	*f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
}

/*
 * Secrets from $CREDENTIALS_DIRECTORY (systemd's LoadCredential=): they
 * win over the file and the environment, lose one trailing newline, and
 * only keys marked secret are read there.
 */
static void
test_credentials(void)
{
	struct conf	 c;
	char		 dir[] = "/tmp/biljett-test-cred-XXXXXX", path[256];
	char		 conf[256], err[256], big[CONF_SECRET_MAX + 8];
	static const char *const names[] = { "biljett.conf", "smtp_password",
	    "secret_key", "public_url" };

	CHECK(mkdtemp(dir) != NULL);
	snprintf(conf, sizeof(conf), "%s/biljett.conf", dir);
	write_file(conf, "smtp_password = from-the-file\n"
	    "stripe_secret_key = sk_test_file\n");
	snprintf(path, sizeof(path), "%s/smtp_password", dir);
	write_file(path, "s3cret with spaces\n");
	snprintf(path, sizeof(path), "%s/secret_key", dir);
	write_file(path, "00112233445566778899aabbccddeeff"
	    "00112233445566778899aabbccddeeff");
	/* Not a secret: a file of that name is no credential. */
	snprintf(path, sizeof(path), "%s/public_url", dir);
	write_file(path, "https://evil.example\n");
	setenv("BILJETT_SMTP_PASSWORD", "from-the-environment", 1);
	setenv("CREDENTIALS_DIRECTORY", dir, 1);
	CHECK(conf_load(&c, conf, err, sizeof(err)) == 0);
	CHECK(strcmp(conf_str(&c, CONF_SMTP_PASSWORD),
	    "s3cret with spaces") == 0);
	CHECK(strcmp(conf_str(&c, CONF_SECRET_KEY),
	    "00112233445566778899aabbccddeeff"
	    "00112233445566778899aabbccddeeff") == 0);
	CHECK(strcmp(conf_str(&c, CONF_STRIPE_SECRET_KEY),
	    "sk_test_file") == 0);
	conf_clear(&c);
	/* An empty one unsets the key: Stripe is simply not offered. */
	snprintf(path, sizeof(path), "%s/stripe_secret_key", dir);
	write_file(path, "\n");
	CHECK(conf_load(&c, conf, err, sizeof(err)) == 0);
	CHECK(c.v[CONF_STRIPE_SECRET_KEY] == NULL);
	unlink(path);
	CHECK(strcmp(conf_str(&c, CONF_PUBLIC_URL),
	    "http://127.0.0.1:8080") == 0);
	conf_clear(&c);
	unsetenv("BILJETT_SMTP_PASSWORD");

	/* Two lines, or more than CONF_SECRET_MAX bytes: refused, named. */
	snprintf(path, sizeof(path), "%s/stripe_webhook_secret", dir);
	write_file(path, "whsec_one\nwhsec_two\n");
	CHECK(conf_load(&c, conf, err, sizeof(err)) == -1);
	CHECK(strstr(err, "stripe_webhook_secret") != NULL);
	conf_clear(&c);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	write_file(path, big);
	CHECK(conf_load(&c, conf, err, sizeof(err)) == -1);
	CHECK(strstr(err, "longer than") != NULL);
	conf_clear(&c);
	unlink(path);

	/* Without the variable the directory is not looked at. */
	unsetenv("CREDENTIALS_DIRECTORY");
	CHECK(conf_load(&c, conf, err, sizeof(err)) == 0);
	CHECK(strcmp(conf_str(&c, CONF_SMTP_PASSWORD), "from-the-file") == 0);
	CHECK(conf_str(&c, CONF_SECRET_KEY)[0] == '\0');
	conf_clear(&c);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	CHECK(rmdir(dir) == 0);
}

int
main(void)
{
	struct conf	 c;
	char		 path[] = "/tmp/biljett-test-conf-XXXXXX", err[256];
	int		 fd = mkstemp(path);

	CHECK(fd != -1);
	close(fd);
	write_file(path, "# comment\n\n database = /tmp/x.db \n"
	    "public_url=https://tickets.example\nworkers = 7\n"
	    "cors_origins = https://a.example, https://b.example\n");
	unsetenv("BILJETT_TIMEZONE");
	setenv("BILJETT_WORKERS", "3", 1);
	CHECK(conf_load(&c, path, err, sizeof(err)) == 0);
	CHECK(strcmp(conf_str(&c, CONF_DATABASE), "/tmp/x.db") == 0);
	CHECK(strcmp(conf_str(&c, CONF_PUBLIC_URL),
	    "https://tickets.example") == 0);
	CHECK(conf_int(&c, CONF_WORKERS, 0) == 3);
	CHECK(strcmp(conf_str(&c, CONF_TIMEZONE), "Europe/Stockholm") == 0);
	CHECK(strcmp(conf_str(&c, CONF_SMTP_USER), "") == 0);
	CHECK(conf_origin_allowed(&c, "https://b.example"));
	CHECK(!conf_origin_allowed(&c, "https://b.exampl"));
	CHECK(!conf_origin_allowed(&c, "https://evil.example"));
	CHECK(!conf_origin_allowed(&c, NULL));
	conf_clear(&c);
	unsetenv("BILJETT_WORKERS");

	write_file(path, "databse = typo\n");
	CHECK(conf_load(&c, path, err, sizeof(err)) == -1);
	CHECK(strstr(err, "unknown key") != NULL);
	conf_clear(&c);
	write_file(path, "just words\n");
	CHECK(conf_load(&c, path, err, sizeof(err)) == -1);
	conf_clear(&c);
	CHECK(conf_load(&c, "/nonexistent/biljett.conf", err,
	    sizeof(err)) == -1);
	conf_clear(&c);

	unlink(path);
	CHECK(conf_write_default(path, "demo.db", err, sizeof(err)) == 0);
	CHECK(conf_write_default(path, "demo.db", err, sizeof(err)) == -1);
	CHECK(conf_load(&c, path, err, sizeof(err)) == 0);
	/* A relative path is relative to the file, wherever we stand. */
	CHECK(strcmp(conf_str(&c, CONF_DATABASE), "/tmp/demo.db") == 0);
	CHECK(strcmp(conf_str(&c, CONF_PUBLIC_URL),
	    "http://127.0.0.1:8080") == 0);
	/* Uploads beside the database, which is beside the file here. */
	CHECK(strcmp(conf_str(&c, CONF_MEDIA_DIR), "/tmp/media") == 0);
	conf_clear(&c);
	unlink(path);
	CHECK(conf_write_default(path, "/var/lib/biljett/biljett.db", err,
	    sizeof(err)) == 0);
	CHECK(conf_load(&c, path, err, sizeof(err)) == 0);
	CHECK(strcmp(conf_str(&c, CONF_MEDIA_DIR),
	    "/var/lib/biljett/media") == 0);
	conf_clear(&c);
	write_file(path, "database = sub/b.db\nsmtp_ca = ca.pem\n"
	    "templates = /abs/templates\n");
	CHECK(chdir("/") == 0);
	CHECK(conf_load(&c, path, err, sizeof(err)) == 0);
	CHECK(strcmp(conf_str(&c, CONF_DATABASE), "/tmp/sub/b.db") == 0);
	CHECK(strcmp(conf_str(&c, CONF_SMTP_CA), "/tmp/ca.pem") == 0);
	CHECK(strcmp(conf_str(&c, CONF_TEMPLATES), "/abs/templates") == 0);
	/* Not in the file: the default, "media", follows the file too. */
	CHECK(strcmp(conf_str(&c, CONF_MEDIA_DIR), "/tmp/media") == 0);
	conf_clear(&c);
	/* The environment is taken as given. */
	setenv("BILJETT_DATABASE", "env.db", 1);
	CHECK(conf_load(&c, path, err, sizeof(err)) == 0);
	CHECK(strcmp(conf_str(&c, CONF_DATABASE), "env.db") == 0);
	conf_clear(&c);
	unsetenv("BILJETT_DATABASE");
	unlink(path);
	test_credentials();
	return CHECK_DONE();
}
