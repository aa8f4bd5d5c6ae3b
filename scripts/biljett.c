/*
 * biljett(8): the operator's command-line tool.
 *
 *	biljett [-c conf] init | migrate | demo | import FILE|- |
 *	    scanner-add NAME [--password P] (--organizer EMAIL | --site-wide)
 *	    [--event ID]... | backup FILE | expire | mail |
 *	    booking-charge UID |
 *	    create-admin EMAIL [--password P] | create-user EMAIL ROLE [...] |
 *	    ticket-link ORDER|TICKET-CODE | rotate-keys [--organizer EMAIL]
 *
 * The configuration comes from -c, else $BILJETT_CONF, else
 * ./biljett.conf.  Each command is a small function below; main() is
 * only option parsing and the command table.
 */
#include <sys/stat.h>

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "accountmail.h"
#include "booking.h"
#include "cancelmail.h"
#include "cart.h"
#include "conf.h"
#include "crypto.h"
#include "db.h"
#include "event.h"
#include "err.h"
#include "field.h"
#include "idem.h"
#include "import.h"
#include "limits.h"
#include "log.h"
#include "mail.h"
#include "order.h"
#include "outbox.h"
#include "payment.h"
#include "provider.h"
#include "queue.h"
#include "scanlog.h"
#include "scanner.h"
#include "seal.h"
#include "seat.h"
#include "session.h"
#include "tfmt.h"
#include "ticketkey.h"
#include "ticketmail.h"
#include "transfermail.h"
#include "user.h"
#include "wallet.h"

#define DEFAULT_CONF	"biljett.conf"
#define INPUT_MAX	(16 * 1024 * 1024)

struct ctx {
	struct conf	 conf;
	const char	*conf_path;
	struct db	*db;
};

struct command {
	const char	*name;
	const char	*args;		/* for usage() */
	int		 min_args;
	int		 max_args;
	int		 needs_db;
	int		(*run)(struct ctx *, int, char **);
};

static int	cmd_init(struct ctx *, int, char **);
static int	cmd_migrate(struct ctx *, int, char **);
static int	cmd_demo(struct ctx *, int, char **);
static int	cmd_import(struct ctx *, int, char **);
static int	cmd_scanner_add(struct ctx *, int, char **);
static int	cmd_backup(struct ctx *, int, char **);
static int	cmd_expire(struct ctx *, int, char **);
static int	cmd_mail(struct ctx *, int, char **);
static int	cmd_booking_charge(struct ctx *, int, char **);
static int	cmd_create_admin(struct ctx *, int, char **);
static int	cmd_create_user(struct ctx *, int, char **);
static int	cmd_ticket_link(struct ctx *, int, char **);
static int	cmd_rotate_keys(struct ctx *, int, char **);

static const struct command commands[] = {
	{ "init", "", 0, 0, 0, cmd_init },
	{ "migrate", "", 0, 0, 1, cmd_migrate },
	{ "demo", "", 0, 0, 1, cmd_demo },
	{ "import", "FILE|- [--organizer EMAIL]", 1, 3, 1, cmd_import },
	{ "scanner-add", "NAME [--password P] (--organizer EMAIL | "
	    "--site-wide) [--event ID]...", 1, 6 + 2 * SCANNER_EVENTS_MAX, 1,
	    cmd_scanner_add },
	{ "backup", "FILE", 1, 1, 1, cmd_backup },
	{ "expire", "", 0, 0, 1, cmd_expire },
	{ "mail", "", 0, 0, 1, cmd_mail },
	{ "booking-charge", "UID", 1, 1, 1, cmd_booking_charge },
	{ "create-admin", "EMAIL [--password P]", 1, 3, 1, cmd_create_admin },
	{ "create-user", "EMAIL ROLE [--password P]", 2, 4, 1,
	    cmd_create_user },
	{ "ticket-link", "ORDER|TICKET-CODE", 1, 1, 1, cmd_ticket_link },
	{ "rotate-keys", "[--organizer EMAIL]", 0, 2, 1, cmd_rotate_keys },
};

static void
usage(void)
{
	size_t	 i;

	fprintf(stderr, "usage: biljett [-c conf] command [args]\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(stderr, "       biljett %s %s\n", commands[i].name,
		    commands[i].args);
	exit(2);
}

static struct db *
open_db(const struct conf *conf, unsigned flags)
{
	struct db	*db;
	char		 err[512];

	if ((db = db_open_conf(conf, flags, err, sizeof(err))) == NULL)
		fprintf(stderr, "biljett: %s\n", err);
	return db;
}

static int
migrate(struct db *db)
{
	char	 err[512];
	int	 applied;

	if (db_migrate(db, &applied, err, sizeof(err)) != DB_OK) {
		fprintf(stderr, "biljett: %s\n", err);
		return 1;
	}
	if (applied > 0)
		printf("applied %d migration%s\n", applied,
		    applied == 1 ? "" : "s");
	/* Events from before sql/009 get their slugs from their titles. */
	if (db_tx_immediate(db) != DB_OK || event_backfill_slugs(db) != DB_OK ||
	    db_tx_commit(db) != DB_OK) {
		db_tx_rollback(db);
		fprintf(stderr, "biljett: cannot give events their slugs\n");
		return 1;
	}
	return 0;
}

/*
 * init: writes a development config if the file is missing, then creates
 * the database and applies the migrations.  Safe to run again.
 */
/*
 * Where init puts the database: an absolute path, so that the file says
 * where it is whoever reads it; /var/lib/biljett for a configuration in
 * /etc/biljett (the layout of docs/operations.md), else beside the
 * configuration file.
 */
static int
default_database(const char *conf_path, char *out, size_t outsz)
{
	char	*copy, *dir;
	int	 n;

	if ((copy = strdup(conf_path)) == NULL)
		return -1;
	dir = realpath(dirname(copy), NULL);
	free(copy);
	if (dir == NULL)
		return -1;
	if (strcmp(dir, "/etc/biljett") == 0)
		n = snprintf(out, outsz, "/var/lib/biljett/biljett.db");
	else
		n = snprintf(out, outsz, "%s/biljett.db",
		    strcmp(dir, "/") == 0 ? "" : dir);
	free(dir);
	return n < 0 || (size_t)n >= outsz ? -1 : 0;
}

static int
cmd_init(struct ctx *c, int argc, char **argv)
{
	struct db	*db;
	char		 err[512], database[4096];
	int		 rc;

	(void)argc;
	(void)argv;
	if (access(c->conf_path, F_OK) == -1) {
		if (default_database(c->conf_path, database,
		    sizeof(database)) == -1) {
			fprintf(stderr, "biljett: %s: %s\n", c->conf_path,
			    strerror(errno));
			return 1;
		}
		if (conf_write_default(c->conf_path, database, err,
		    sizeof(err)) == -1) {
			fprintf(stderr, "biljett: %s\n", err);
			return 1;
		}
		printf("wrote %s\n", c->conf_path);
		conf_clear(&c->conf);
		if (conf_load(&c->conf, c->conf_path, err, sizeof(err)) == -1) {
			fprintf(stderr, "biljett: %s\n", err);
			return 1;
		}
	}
	if ((db = open_db(&c->conf, DB_OPEN_CREATE)) == NULL)
		return 1;
	rc = migrate(db);
	db_close(db);
	return rc;
}

static int
cmd_migrate(struct ctx *c, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return migrate(c->db);
}

/* Imports doc and prints the keys and ids; 1 with a message on error. */
static int
import_and_print(struct ctx *c, const cJSON *doc, int64_t organizer_id)
{
	cJSON	*result;
	char	 err[512], *text;

	if (import_doc(c->db, doc, organizer_id, &result, err, sizeof(err)) !=
	    DB_OK) {
		fprintf(stderr, "biljett: import rejected: %s\n", err);
		return 1;
	}
	text = cJSON_Print(result);
	printf("%s\n", text != NULL ? text : "{}");
	cJSON_free(text);
	cJSON_Delete(result);
	return 0;
}

/* Local midnight of the day `days` from now, plus `hour` hours. */
static int64_t
day_at(int days, int hour)
{
	struct tm	 tm;
	time_t		 now = time(NULL) + (time_t)days * 86400;

	localtime_r(&now, &tm);
	tm.tm_hour = hour;
	tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

/* Adds a ticket type to the demo document's list. */
static void
demo_type(cJSON *types, const char *key, const char *title,
    const char *description, int price)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "key", key);
	cJSON_AddStringToObject(o, "title", title);
	cJSON_AddStringToObject(o, "description", description);
	cJSON_AddNumberToObject(o, "price", price);
	cJSON_AddItemToArray(types, o);
}

/*
 * The demo's event paid with M-Pesa: a concert in Nairobi priced in
 * Kenyan shillings, taking M-Pesa only.
 */
static void
demo_kes_event(cJSON *types, cJSON *events)
{
	cJSON	*o, *list;
	char	 at[TFMT_ISO_LEN], stop[TFMT_ISO_LEN];

	demo_type(types, "kes_regular", "Regular",
	    "Standing, general admission.", 1500);
	demo_type(types, "kes_vip", "VIP", "Seated, near the stage.", 3500);
	tfmt_iso(day_at(21, 19), at);
	tfmt_iso(day_at(21, 18), stop);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "key", "nairobi");
	cJSON_AddStringToObject(o, "title", "Jazz Night, Nairobi");
	cJSON_AddStringToObject(o, "description",
	    "An evening of Kenyan jazz. Pay with M-Pesa: confirm the "
	    "payment on your phone.");
	cJSON_AddStringToObject(o, "language", "en");
	cJSON_AddStringToObject(o, "event_at", at);
	cJSON_AddStringToObject(o, "sales_stop_at", stop);
	cJSON_AddNumberToObject(o, "total_seats", 200);
	cJSON_AddNumberToObject(o, "max_tickets_per_payment", 6);
	cJSON_AddNumberToObject(o, "reservation_seconds", 900);
	cJSON_AddStringToObject(o, "currency", "KES");
	cJSON_AddStringToObject(o, "payment_providers", "mpesa");
	list = cJSON_AddArrayToObject(o, "ticket_types");
	cJSON_AddItemToArray(list, cJSON_CreateString("kes_regular"));
	cJSON_AddItemToArray(list, cJSON_CreateString("kes_vip"));
	cJSON_AddItemToArray(events, o);
}

/*
 * demo: the student theatre's spring show on two nights, a standard and
 * a student ticket, and a hidden complimentary type for the cast; and a
 * concert in Nairobi paid with M-Pesa.
 */
static int
cmd_demo(struct ctx *c, int argc, char **argv)
{
	cJSON		*doc, *types, *events, *o, *list;
	char		 at[TFMT_ISO_LEN], stop[TFMT_ISO_LEN];
	int		 night, rc;
	static const char *const titles[2] = {
	    "Vårspexet – premiär", "Vårspexet – andra kvällen" };

	(void)argc;
	(void)argv;
	doc = cJSON_CreateObject();
	types = cJSON_AddArrayToObject(doc, "ticket_types");
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "key", "std");
	cJSON_AddStringToObject(o, "title", "Standardbiljett");
	cJSON_AddStringToObject(o, "description", "En vanlig biljett.");
	cJSON_AddNumberToObject(o, "price", 199);
	cJSON_AddItemToArray(types, o);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "key", "student");
	cJSON_AddStringToObject(o, "title", "Studentbiljett");
	cJSON_AddStringToObject(o, "description",
	    "En billigare biljett för studenter. Visa studentlegitimation.");
	cJSON_AddNumberToObject(o, "price", 99);
	cJSON_AddItemToArray(types, o);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "key", "crew");
	cJSON_AddStringToObject(o, "title", "Ensemblebiljett");
	cJSON_AddStringToObject(o, "description", "Fribiljett för ensemblen.");
	cJSON_AddNumberToObject(o, "price", 0);
	cJSON_AddBoolToObject(o, "visible", 0);
	cJSON_AddItemToArray(types, o);

	events = cJSON_AddArrayToObject(doc, "events");
	for (night = 0; night < 2; night++) {
		tfmt_iso(day_at(14 + night, 19), at);
		tfmt_iso(day_at(14 + night, 18), stop);
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "key", night ? "night2" : "night1");
		cJSON_AddStringToObject(o, "title", titles[night]);
		cJSON_AddStringToObject(o, "description",
		    "Studentteaterns vårföreställning: en komedi i två akter "
		    "med orkester. Dörrarna öppnar en timme före start.");
		cJSON_AddStringToObject(o, "event_at", at);
		cJSON_AddStringToObject(o, "sales_stop_at", stop);
		cJSON_AddNumberToObject(o, "total_seats", 300);
		cJSON_AddNumberToObject(o, "max_tickets_per_payment", 8);
		cJSON_AddNumberToObject(o, "reservation_seconds", 900);
		cJSON_AddStringToObject(o, "swish_message",
		    night ? "Vårspexet kväll 2" : "Vårspexet premiär");
		list = cJSON_AddArrayToObject(o, "ticket_types");
		cJSON_AddItemToArray(list, cJSON_CreateString("std"));
		cJSON_AddItemToArray(list, cJSON_CreateString("student"));
		cJSON_AddItemToArray(list, cJSON_CreateString("crew"));
		cJSON_AddItemToArray(events, o);
	}
	demo_kes_event(types, events);
	rc = import_and_print(c, doc, 0);
	cJSON_Delete(doc);
	return rc;
}

/* Reads all of f (at most INPUT_MAX) into a malloc'd, NUL-ended buffer. */
static char *
slurp(FILE *f, size_t *len)
{
	char	*buf = NULL, *p;
	size_t	 cap = 0, n;

	*len = 0;
	for (;;) {
		if (*len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			if (cap > INPUT_MAX || (p = realloc(buf, cap)) == NULL) {
				free(buf);
				return NULL;
			}
			buf = p;
		}
		n = fread(buf + *len, 1, cap - *len - 1, f);
		*len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		return NULL;
	}
	buf[*len] = '\0';
	return buf;
}

static int
cmd_import(struct ctx *c, int argc, char **argv)
{
	struct user	 org;
	FILE		*f;
	cJSON		*doc;
	char		*text, email[EMAIL_MAX + 1];
	size_t		 len;
	int64_t		 organizer_id = 0;
	int		 rc;

	if (argc == 3 && strcmp(argv[1], "--organizer") == 0) {
		snprintf(email, sizeof(email), "%s", argv[2]);
		user_fold_email(email);
		if (user_by_email(c->db, email, &org) != DB_OK ||
		    org.role != ROLE_ORGANIZER) {
			fprintf(stderr, "biljett: %s is not an organizer\n",
			    argv[2]);
			return 1;
		}
		organizer_id = org.id;
	} else if (argc != 1)
		usage();
	if (strcmp(argv[0], "-") == 0)
		f = stdin;
	else if ((f = fopen(argv[0], "r")) == NULL) {
		fprintf(stderr, "biljett: %s: %s\n", argv[0], strerror(errno));
		return 1;
	}
	text = slurp(f, &len);
	if (f != stdin)
		fclose(f);
	if (text == NULL) {
		fprintf(stderr, "biljett: %s: cannot read\n", argv[0]);
		return 1;
	}
	if ((doc = cJSON_ParseWithLength(text, len)) == NULL) {
		fprintf(stderr, "biljett: import rejected: not valid JSON "
		    "near byte %zu\n", (size_t)(cJSON_GetErrorPtr() - text));
		free(text);
		return 1;
	}
	free(text);
	rc = import_and_print(c, doc, organizer_id);
	cJSON_Delete(doc);
	return rc;
}

/*
 * rotate-keys [--organizer EMAIL]: retires the organizer's live signing
 * key for tickets' QR codes (lib/ticketkey.h) and makes a new one; codes
 * signed with the old key stay valid until their events end.  Without
 * --organizer, every live key is rotated.  Needs secret_key.
 */
static int
cmd_rotate_keys(struct ctx *c, int argc, char **argv)
{
	struct user	 org;
	char		 email[EMAIL_MAX + 1];
	uint32_t	 id;
	int		 n;

	if (!seal_ready()) {
		fprintf(stderr, "biljett: signing keys need secret_key in the"
		    " configuration\n");
		return 1;
	}
	if (argc == 0) {
		if (ticketkey_rotate_all(c->db, tfmt_now(), &n) != DB_OK) {
			fprintf(stderr, "biljett: rotate-keys failed\n");
			return 1;
		}
		printf("rotated %d key%s\n", n, n == 1 ? "" : "s");
		return 0;
	}
	if (argc != 2 || strcmp(argv[0], "--organizer") != 0)
		usage();
	snprintf(email, sizeof(email), "%s", argv[1]);
	user_fold_email(email);
	if (user_by_email(c->db, email, &org) != DB_OK ||
	    org.role != ROLE_ORGANIZER) {
		fprintf(stderr, "biljett: %s is not an organizer\n", argv[1]);
		return 1;
	}
	if (ticketkey_rotate(c->db, org.id, tfmt_now(), &id) != DB_OK) {
		fprintf(stderr, "biljett: rotate-keys failed\n");
		return 1;
	}
	printf("key %u\n", (unsigned)id);
	return 0;
}

/*
 * scanner-add NAME [--password P] (--organizer EMAIL | --site-wide)
 * [--event ID]...: creates a door scanner credential (lib/scanner.h).
 * It admits the tickets of the organizer's events, all of them or with
 * --event only those; a site-wide scanner admits every event's, so it
 * is never the default: the operator asks for it by name.  Without
 * --password, a random one is generated and printed once; only its
 * argon2id hash is stored.
 */
static int
cmd_scanner_add(struct ctx *c, int argc, char **argv)
{
	struct scanner_in	 in;
	struct scanner_bad	 bad = { NULL, NULL };
	struct user		 org;
	int64_t			 events[SCANNER_EVENTS_MAX], organizer_id = 0;
	int64_t			 id;
	const char		*organizer = NULL;
	char			 generated[SCANNER_PASSWORD_LEN + 1];
	char			 email[EMAIL_MAX + 1];
	int			 i, site_wide = 0;
	enum err		 e;

	memset(&in, 0, sizeof(in));
	in.name = argv[0];
	in.active = -1;
	in.events = events;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--site-wide") == 0)
			site_wide = 1;
		else if (i + 1 == argc)
			usage();
		else if (strcmp(argv[i], "--password") == 0)
			in.password = argv[++i];
		else if (strcmp(argv[i], "--organizer") == 0)
			organizer = argv[++i];
		else if (strcmp(argv[i], "--event") == 0) {
			if (in.nevents == SCANNER_EVENTS_MAX ||
			    field_strtonum(argv[++i], 1, ID_MAX,
			    &events[in.nevents]) == -1) {
				fprintf(stderr, "biljett: --event takes an "
				    "event id, at most %d of them\n",
				    SCANNER_EVENTS_MAX);
				return 1;
			}
			in.nevents++;
			in.set_events = 1;
		} else
			usage();
	}
	if ((organizer != NULL) == site_wide) {
		fprintf(stderr, "biljett: say whose tickets the scanner "
		    "admits: --organizer EMAIL, or --site-wide for every "
		    "event's\n");
		return 1;
	}
	if (organizer != NULL) {
		snprintf(email, sizeof(email), "%s", organizer);
		user_fold_email(email);
		if (user_by_email(c->db, email, &org) != DB_OK ||
		    org.role != ROLE_ORGANIZER) {
			fprintf(stderr, "biljett: %s is not an organizer\n",
			    organizer);
			return 1;
		}
		organizer_id = org.id;
	}
	e = scanner_create(c->db, tfmt_now(), organizer_id, &in, generated,
	    &id, &bad);
	if (e == ERR_BAD_REQUEST) {
		fprintf(stderr, "biljett: %s: %s\n", bad.field, bad.reason);
		return 1;
	}
	if (e == ERR_NOT_CONFIGURED) {
		fprintf(stderr, "biljett: an organizer's scanner needs "
		    "secret_key (in the configuration or a credential)\n");
		return 1;
	}
	if (e != ERR_OK) {
		fprintf(stderr, "biljett: %s\n", err_def(e)->message);
		return 1;
	}
	if (generated[0] != '\0')
		printf("scanner \"%s\" created; password: %s\n", in.name,
		    generated);
	else
		printf("scanner \"%s\" created\n", in.name);
	return 0;
}

/*
 * ticket-link ORDER|TICKET-CODE: prints the link of the ticket mail that
 * opens the order's tickets (pages' /tickets/{uid}/{token}), for the
 * support desk to send a buyer who lost the mail.  The order is named by
 * its uid, number, seed-002 code or one of its tickets' codes.
 */
static int
cmd_ticket_link(struct ctx *c, int argc, char **argv)
{
	char	 uid[UUID_LEN + 1], url[1024];

	(void)argc;
	switch (wallet_order_find(c->db, argv[0], uid)) {
	case DB_OK:
		break;
	case DB_NOTFOUND:
		fprintf(stderr, "biljett: no order %s\n", argv[0]);
		return 1;
	default:
		fprintf(stderr, "biljett: the database failed\n");
		return 1;
	}
	if (wallet_link_url(conf_str(&c->conf, CONF_PUBLIC_URL), uid, url,
	    sizeof(url)) == -1) {
		fprintf(stderr, "biljett: a ticket link needs secret_key (in "
		    "the configuration or a credential)\n");
		return 1;
	}
	printf("%s\n", url);
	return 0;
}

static int
cmd_backup(struct ctx *c, int argc, char **argv)
{
	char	 err[512];

	(void)argc;
	if (access(argv[0], F_OK) == 0) {
		fprintf(stderr, "biljett: %s exists; not overwriting\n",
		    argv[0]);
		return 1;
	}
	if (db_backup(c->db, argv[0], err, sizeof(err)) != DB_OK) {
		fprintf(stderr, "biljett: %s\n", err);
		return 1;
	}
	printf("backed up to %s\n", argv[0]);
	return 0;
}

#define RECONCILE_BATCH		100
#define RECONCILE_AFTER		600	/* seconds without a callback */
/* A booking's charge runs right after the booking; one still without an
 * answer this long after is taken up again by expire. */
#define BOOKING_CHARGE_AFTER	60

/*
 * Asks the provider about one open payment request: cancels it first
 * when its order no longer holds seats, then applies whatever the
 * provider confirms.  Returns 0, or -1 when the provider could not be
 * asked (left for next time).
 */
static int
reconcile_one(struct ctx *c, const struct provider *pv,
    const struct pay_open *po)
{
	struct pay_confirmed	 confirmed;
	struct pay_effect	 fx;
	char			 err[512];

	if (!po->order_holds &&
	    provider_cancel(pv, po->provider_ref, err, sizeof(err)) != PAY_OK)
		log_info("cancel %s: %s (checking its status)",
		    po->provider_ref, err);
	if (provider_retrieve(pv, po->provider_ref, &confirmed, err,
	    sizeof(err)) != PAY_OK) {
		fprintf(stderr, "biljett: %s: %s\n", po->provider_ref, err);
		return -1;
	}
	if (confirmed.status == PAY_CREATED || confirmed.status == PAY_PENDING)
		return 0;
	if (pay_apply(c->db, tfmt_now(), &confirmed,
	    "{\"source\":\"biljett expire\"}", &fx) != ERR_OK)
		return -1;
	printf("payment %s: %s\n", po->provider_ref, fx.outcome);
	return 0;
}

/* Sends (or confirms) pv's refunds that are recorded but not yet done. */
static int
send_refunds(struct ctx *c, const struct provider *pv)
{
	struct pay_refund_due	 due[RECONCILE_BATCH];
	struct pay_confirmed	 r;
	char			 err[512], id[PAY_REF_MAX + 1];
	size_t			 n, i;
	enum pay_err		 pe;
	int			 ok, failures = 0;

	if (pay_list_refunds_due(c->db, pv->id, due, RECONCILE_BATCH, &n) !=
	    DB_OK)
		return -1;
	for (i = 0; i < n; i++) {
		/* A refund that reached the provider before is not sent
		 * twice. */
		id[0] = '\0';
		ok = provider_refund_retrieve(pv, due[i].req.ref, &r, err,
		    sizeof(err)) == PAY_OK;
		if (!ok) {
			due[i].req.message = "Återbetalning";
			pe = provider_refund(pv, &due[i].req, id, err,
			    sizeof(err));
			ok = pe == PAY_OK;
			/* No refund on this provider's wire (M-Pesa): left to
			 * a person, and no longer retried. */
			if (pe == PAY_ERR_UNSUPPORTED) {
				(void)pay_refund_manual(c->db,
				    due[i].refund_id, err);
				printf("refund %s: to be made by hand: %s\n",
				    due[i].req.ref, err);
				continue;
			}
		}
		(void)pay_refund_result(c->db, due[i].refund_id, ok,
		    ok ? NULL : err, id);
		printf("refund %s: %s\n", due[i].req.ref, ok ? "sent" : err);
		failures += !ok;
	}
	return failures ? -1 : 0;
}

/* Has provider no open payment and no refund due?  0 when the database
 * cannot tell. */
static int
provider_idle(struct ctx *c, enum pay_provider provider, int64_t now)
{
	struct pay_open		 po;
	struct pay_refund_due	 due;
	size_t			 n = 0, m = 0;

	return pay_list_open(c->db, provider, now, &po, 1, &n) == DB_OK &&
	    pay_list_refunds_due(c->db, provider, &due, 1, &m) == DB_OK &&
	    n == 0 && m == 0;
}

/* One pruning step (db_prune()): up to max rows that ended before. */
typedef enum db_rc (*prune_fn)(struct db *, int64_t before, size_t max,
    int64_t *deleted);

/*
 * Deletes what prune finds ended before `before`, PRUNE_BATCH rows per
 * transaction so that no writer waits long for the lock, and at most
 * PRUNE_BATCHES_MAX batches per run (a backlog goes over the next runs);
 * *total says how many went.  Returns 0, or -1 on a database failure.
 */
static int
prune_all(struct ctx *c, prune_fn prune, int64_t before, const char *what,
    int64_t *total)
{
	int64_t		 deleted;
	enum db_rc	 rc = DB_OK;
	int		 i;

	*total = 0;
	for (i = 0; i < PRUNE_BATCHES_MAX; i++) {
		if ((rc = prune(c->db, before, PRUNE_BATCH, &deleted)) != DB_OK)
			break;
		*total += deleted;
		if (deleted < PRUNE_BATCH)
			break;
	}
	if (rc != DB_OK) {
		fprintf(stderr, "biljett: pruning %ss: database %s\n", what,
		    rc == DB_BUSY ? "busy" : "error");
		return -1;
	}
	return 0;
}

/*
 * Deletes the provider_events older than provider_events_days (0 keeps
 * them forever).  Returns 0, or -1 on a bad setting or a database
 * failure.
 */
static int
prune_events(struct ctx *c, int64_t now)
{
	int64_t		 total;
	long		 days;
	int		 rc;

	days = conf_int(&c->conf, CONF_PROVIDER_EVENTS_DAYS, -1);
	if (days < 0 || days > PROVIDER_EVENTS_DAYS_MAX) {
		fprintf(stderr, "biljett: provider_events_days must be 0 to %d "
		    "(0 keeps them forever)\n", PROVIDER_EVENTS_DAYS_MAX);
		return -1;
	}
	if (days == 0)
		return 0;
	rc = prune_all(c, pay_prune_events, now - days * 86400,
	    "provider event", &total);
	printf("pruned %lld provider event%s\n", (long long)total,
	    total == 1 ? "" : "s");
	return rc;
}

/*
 * Deletes sessions (every reservation makes one), mailed links and
 * refresh tokens ENDED_KEEP_SECONDS after they expired.  Returns the
 * number of failures.
 */
static int
prune_ended(struct ctx *c, int64_t now)
{
	static const struct {
		prune_fn	 prune;
		const char	*what;
	} kinds[] = {
		{ sess_prune, "ended session" },
		{ user_tokens_prune, "expired account link" },
		{ rt_prune, "expired refresh token" },
	};
	int64_t		 total;
	size_t		 i;
	int		 failures = 0;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (prune_all(c, kinds[i].prune, now - ENDED_KEEP_SECONDS,
		    kinds[i].what, &total) == -1)
			failures++;
		else if (total > 0)
			printf("removed %lld %s%s\n", (long long)total,
			    kinds[i].what, total == 1 ? "" : "s");
	}
	return failures;
}

/*
 * Takes up the bookings whose charge never got an answer (the CLI run
 * after the booking died, or could not reach Stripe): booking_charge()
 * asks again under the same Idempotency-Key, so nothing is charged
 * twice.  Returns 0, or -1 when some are left for the next run.
 */
static int
charge_due_bookings(struct ctx *c, int64_t now)
{
	struct provider		 pv;
	struct booking_charged	 out;
	char			 uids[RECONCILE_BATCH][UUID_LEN + 1], err[512];
	size_t			 n, i;
	int			 failures = 0;

	if (booking_list_due(c->db, now - BOOKING_CHARGE_AFTER, uids,
	    RECONCILE_BATCH, &n) != ERR_OK)
		return -1;
	if (n == 0)
		return 0;
	if (provider_open(&pv, PROVIDER_STRIPE, &c->conf, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "biljett: stripe: %s\n", err);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (booking_charge(c->db, &pv, uids[i], &out) != ERR_OK)
			failures++;
		printf("booking %s: %s\n", uids[i], out.outcome);
	}
	provider_close(&pv);
	return failures ? -1 : 0;
}

/*
 * expire (cron, every minute): releases holds past their expiry, prunes
 * old provider events, the carts of guests whose session ended, and
 * sessions, account links and refresh tokens a week past their expiry,
 * then for each payment provider cancels the
 * requests of orders that let go of their seats, confirms requests
 * whose callback never came, and sends pending refunds.
 */
static int
cmd_expire(struct ctx *c, int argc, char **argv)
{
	struct provider		 pv;
	struct pay_open		 open_reqs[RECONCILE_BATCH];
	char			 err[512];
	int64_t			 now = tfmt_now(), expired = 0, pruned;
	size_t			 n, i;
	enum db_rc		 rc;
	int			 p, failures = 0;

	(void)argc;
	(void)argv;
	if ((rc = db_tx_immediate(c->db)) != DB_OK ||
	    (rc = order_expire_stale(c->db, now, 0, &expired)) != DB_OK ||
	    (rc = seat_release_expired(c->db, now, NULL) == ERR_OK ? DB_OK :
	    DB_ERROR) != DB_OK ||
	    (rc = db_tx_commit(c->db)) != DB_OK) {
		db_tx_rollback(c->db);
		fprintf(stderr, "biljett: expire: database %s\n",
		    rc == DB_BUSY ? "busy" : "error");
		return 1;
	}
	printf("expired %lld reservation%s\n", (long long)expired,
	    expired == 1 ? "" : "s");
	failures += prune_events(c, now) == -1;

	/* Places in line for sales that are over. */
	if ((rc = queue_prune(c->db, now, &pruned)) != DB_OK) {
		fprintf(stderr, "biljett: expire: queue: database %s\n",
		    rc == DB_BUSY ? "busy" : "error");
		failures++;
	} else if (pruned > 0)
		printf("removed %lld place%s in line\n", (long long)pruned,
		    pruned == 1 ? "" : "s");

	/* Idempotency keys past their 24 hours. */
	if ((rc = idem_prune(c->db, now - IDEMPOTENCY_SECONDS, &pruned)) !=
	    DB_OK) {
		fprintf(stderr, "biljett: expire: idempotency keys: database "
		    "%s\n", rc == DB_BUSY ? "busy" : "error");
		failures++;
	} else if (pruned > 0)
		printf("forgot %lld idempotency key%s\n", (long long)pruned,
		    pruned == 1 ? "" : "s");

	/* Guests' carts whose session ended (seed 000's shop). */
	if (prune_all(c, cart_prune, now, "guest cart", &pruned) == -1)
		failures++;
	else if (pruned > 0)
		printf("removed %lld guest cart%s\n", (long long)pruned,
		    pruned == 1 ? "" : "s");

	/* After the carts: a guest's cart goes with its session anyway. */
	failures += prune_ended(c, now);

	/* The door's look-ups, journalled beside the database. */
	if ((rc = scanlog_import(c->db, &n)) != DB_OK) {
		fprintf(stderr, "biljett: expire: scan journal: database %s\n",
		    rc == DB_BUSY ? "busy" : "error");
		failures++;
	} else if (n > 0)
		printf("journalled %zu look-up%s into checkins\n", n,
		    n == 1 ? "" : "s");

	failures += charge_due_bookings(c, now) == -1;
	for (p = 0; p < PROVIDER__MAX; p++) {
		if (provider_open(&pv, (enum pay_provider)p, &c->conf, err,
		    sizeof(err)) == -1) {
			/* A provider without its settings is not offered: a
			 * failure only while it has payments or refunds to
			 * finish. */
			if (provider_idle(c, (enum pay_provider)p, now))
				continue;
			fprintf(stderr, "biljett: %s: %s\n",
			    provider_name((enum pay_provider)p), err);
			failures++;
			continue;
		}
		if (pay_list_open(c->db, pv.id, now - RECONCILE_AFTER,
		    open_reqs, RECONCILE_BATCH, &n) != DB_OK) {
			provider_close(&pv);
			return 1;
		}
		for (i = 0; i < n; i++)
			failures += reconcile_one(c, &pv, &open_reqs[i]) == -1;
		failures += send_refunds(c, &pv) == -1;
		provider_close(&pv);
	}
	return failures ? 1 : 0;
}

/*
 * booking-charge UID (started by the bookings program after each
 * booking): charges the booking's card and applies Stripe's answer
 * (lib/booking.h); then sends the ticket mail, or a refund Stripe's
 * answer made due.  Exits 1 when the charge is left for `expire`.
 */
static int
cmd_booking_charge(struct ctx *c, int argc, char **argv)
{
	struct provider		 pv;
	struct booking_charged	 out;
	char			 err[512];
	enum err		 e;
	int			 rc = 0;

	(void)argc;
	if (provider_open(&pv, PROVIDER_STRIPE, &c->conf, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "biljett: stripe: %s\n", err);
		return 1;
	}
	e = booking_charge(c->db, &pv, argv[0], &out);
	printf("booking %s: %s\n", argv[0], e == ERR_OK ? out.outcome :
	    err_def(e)->code);
	if (e != ERR_OK)
		rc = 1;
	if (out.refund_needed && send_refunds(c, &pv) == -1)
		rc = 1;
	provider_close(&pv);
	if (out.tickets_issued && cmd_mail(c, 0, NULL) != 0)
		rc = 1;
	return rc;
}

#define MAIL_BATCH	20
#define MAIL_ROUNDS	50	/* at most 1000 messages per run */

/* Composes and sends one claimed message by its kind; 0 when the SMTP
 * server accepted it, else -1 with the reason in err. */
static int
send_one(struct ctx *c, const struct outbox_item *it, char *err,
    size_t errsz)
{
	if (strcmp(it->kind, "tickets") == 0)
		return ticketmail_send(c->db, &c->conf, it->order_id,
		    it->recipient, err, errsz);
	if (strcmp(it->kind, "event_cancelled") == 0)
		return cancelmail_send(c->db, &c->conf, it->order_id,
		    it->recipient, it->locale, err, errsz);
	/* A transfer's two mails name the new ticket in payload. */
	if (strcmp(it->kind, "ticket_transferred") == 0)
		return ticketmail_send_ticket(c->db, &c->conf, it->order_id,
		    strtoll(it->payload, NULL, 10), it->recipient, err, errsz);
	if (strcmp(it->kind, "transfer_notice") == 0)
		return transfermail_notice(c->db, &c->conf, it->order_id,
		    strtoll(it->payload, NULL, 10), it->recipient, err, errsz);
	return accountmail_send(&c->conf, it->kind, it->recipient,
	    it->payload, err, errsz);
}

/*
 * mail (cron, every minute; also started after each payment): sends
 * queued mail (tickets, account links, cancelled events).  A message is
 * marked sent only once the SMTP server accepted it; a failure is
 * retried later with back-off.
 */
static int
cmd_mail(struct ctx *c, int argc, char **argv)
{
	struct outbox_item	 items[MAIL_BATCH];
	char			 err[512];
	size_t			 n, i;
	int			 round, sent = 0, failed = 0;
	int64_t			 now;

	(void)argc;
	(void)argv;
	for (round = 0; round < MAIL_ROUNDS; round++) {
		now = tfmt_now();
		if (outbox_claim(c->db, now, items, MAIL_BATCH, &n) != DB_OK) {
			fprintf(stderr, "biljett: mail: database busy\n");
			return 1;
		}
		if (n == 0)
			break;
		for (i = 0; i < n; i++) {
			if (send_one(c, &items[i], err, sizeof(err)) == 0) {
				(void)outbox_sent(c->db, items[i].id,
				    tfmt_now());
				sent++;
				continue;
			}
			fprintf(stderr, "biljett: mail %lld to %s: %s\n",
			    (long long)items[i].id, items[i].recipient, err);
			(void)outbox_failed(c->db, items[i].id, tfmt_now(),
			    items[i].attempts, err);
			failed++;
		}
	}
	printf("sent %d, failed %d\n", sent, failed);
	return failed ? 1 : 0;
}

/*
 * Creates a verified, active account with role.  Without --password a
 * random one is generated and printed once; only its argon2id hash is
 * stored.
 */
static int
create_user(struct ctx *c, const char *email, enum role role, int argc,
    char **argv)
{
	struct user	 u;
	const char	*password = NULL, *reason;
	char		 generated[21];
	enum db_rc	 rc;

	if (argc == 2 && strcmp(argv[0], "--password") == 0)
		password = argv[1];
	else if (argc != 0)
		usage();
	memset(&u, 0, sizeof(u));
	if (!mail_addr_valid(email)) {
		fprintf(stderr, "biljett: %s is not an e-mail address\n", email);
		return 1;
	}
	snprintf(u.email, sizeof(u.email), "%s", email);
	user_fold_email(u.email);
	if (password == NULL) {
		crypto_random_letters(generated, sizeof(generated) - 1);
		password = generated;
	} else if ((reason = user_password_weak(password, u.email)) != NULL) {
		fprintf(stderr, "biljett: %s\n", reason);
		return 1;
	}
	snprintf(u.name, sizeof(u.name), "%s", u.email);
	snprintf(u.locale, sizeof(u.locale), "sv");
	u.role = role;
	u.is_active = 1;
	u.verified_at = tfmt_now();
	if (crypto_pw_hash(password, u.password_hash) == -1)
		return 1;
	if ((rc = user_create(c->db, &u, tfmt_now(), &u.id)) == DB_CONSTRAINT) {
		fprintf(stderr, "biljett: %s has an account already\n", u.email);
		return 1;
	} else if (rc != DB_OK)
		return 1;
	printf("%s %s created", role_str(role), u.email);
	if (password == generated)
		printf("; password: %s", generated);
	printf("\n");
	return 0;
}

static int
cmd_create_admin(struct ctx *c, int argc, char **argv)
{
	return create_user(c, argv[0], ROLE_ADMIN, argc - 1, argv + 1);
}

static int
cmd_create_user(struct ctx *c, int argc, char **argv)
{
	enum role	 role = role_parse(argv[1]);

	if (role == ROLE__MAX) {
		fprintf(stderr, "biljett: role must be customer, organizer, "
		    "staff or admin\n");
		return 1;
	}
	return create_user(c, argv[0], role, argc - 2, argv + 2);
}

int
main(int argc, char *argv[])
{
	const struct command	*cmd = NULL;
	struct ctx		 c;
	char			 err[512];
	size_t			 i;
	int			 ch, rc = 1, lvl;

	memset(&c, 0, sizeof(c));
	if ((c.conf_path = getenv("BILJETT_CONF")) == NULL)
		c.conf_path = DEFAULT_CONF;
	while ((ch = getopt(argc, argv, "+c:")) != -1) {
		switch (ch) {
		case 'c':
			c.conf_path = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[0], commands[i].name) == 0)
			cmd = &commands[i];
	if (cmd == NULL || argc - 1 < cmd->min_args ||
	    argc - 1 > cmd->max_args)
		usage();

	log_init("biljett", LOG_LVL_WARN);
	if (crypto_init() == -1) {
		fprintf(stderr, "biljett: libsodium failed to start\n");
		return 1;
	}
	/* init may create the file, so a missing one is fine there. */
	if (conf_load(&c.conf, (cmd->run == cmd_init &&
	    access(c.conf_path, F_OK) == -1) ? NULL : c.conf_path, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "biljett: %s\n", err);
		goto out;
	}
	if ((lvl = log_level_parse(conf_str(&c.conf, CONF_LOG_LEVEL))) >= 0 &&
	    lvl > LOG_LVL_INFO)
		log_setlevel((enum log_level)lvl);
	if (tfmt_init(conf_str(&c.conf, CONF_TIMEZONE)) == -1)
		goto out;
	if (c.conf.v[CONF_SECRET_KEY] != NULL &&
	    seal_init(c.conf.v[CONF_SECRET_KEY]) == -1) {
		fprintf(stderr, "biljett: secret_key must be 64 hex digits\n");
		goto out;
	}
	if (cmd->needs_db && (c.db = open_db(&c.conf, 0)) == NULL)
		goto out;
	rc = cmd->run(&c, argc - 1, argv + 1);
out:
	db_close(c.db);
	conf_clear(&c.conf);
	return rc;
}
