/* The configuration file: defaults, values, env overrides, errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "conf.h"

static void
write_file(const char *path, const char *text)
{
	FILE	*f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
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
	return CHECK_DONE();
}
