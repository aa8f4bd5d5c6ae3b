/*
 * lib/scan's throttle on scanner passwords against a real SQLite file:
 * wrong passwords from one address are answered 429 past SCAN_FAILS_MAX
 * until the window ends, other addresses are not affected, and a right
 * password from the throttled address always passes (through argon2 and
 * through the cache), without clearing the throttle for the guesses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "crypto.h"
#include "db.h"
#include "log.h"
#include "scan.h"

#define RIGHT	"door-password-123"
#define NAT	"192.0.2.7"

static struct db	*db;
static int64_t		 scanner;

static void
setup(const char *path)
{
	struct db_stmt	*st;
	char		 err[256], hash[PWHASH_MAX];
	int		 applied;

	db = db_open(path, DB_OPEN_CREATE, 2000, err, sizeof(err));
	CHECK(db != NULL);
	CHECK(db_migrate(db, &applied, err, sizeof(err)) == DB_OK);
	CHECK(crypto_pw_hash(RIGHT, hash) == 0);
	st = db_stmt(db, "INSERT INTO scanners (name, password_hash,"
	    " created_at) VALUES ('door', ?1, 0) RETURNING id");
	CHECK(st != NULL && db_bind_text(st, 1, hash) == 0);
	CHECK(db_insert_id(db, st, &scanner) == DB_OK);
}

/* scan_password from addr at t; *retry gets the wait. */
static enum err
try(const char *addr, const char *password, int64_t t, int64_t *retry)
{
	int64_t	 id = -1;
	enum err e;

	e = scan_password(db, addr, password, t, &id, retry);
	CHECK(e == ERR_OK ? id == scanner : id == 0);
	return e;
}

int
main(void)
{
	static const char *const side[] = { "-wal", "-shm", "-wlock" };
	char	 path[] = "/tmp/biljett-test-scan-XXXXXX";
	char	 other[sizeof(path) + 8];
	char	 token[TOKEN_HEX_LEN + 1], guess[32];
	int64_t	 t = 1700000000, retry;
	int	 fd, i;

	log_init("test", LOG_LVL_ERR);
	CHECK(crypto_init() == 0);
	fd = mkstemp(path);
	close(fd);
	setup(path);

	/* SCAN_FAILS_MAX wrong passwords are answered as wrong ... */
	for (i = 0; i < SCAN_FAILS_MAX; i++) {
		snprintf(guess, sizeof(guess), "guess-%d", i);
		CHECK(try(NAT, guess, t, &retry) == ERR_INCORRECT_PASSWORD);
		CHECK(retry == 0);
	}
	/* ... then with 429 and the rest of the window, a missing one too. */
	CHECK(try(NAT, "guess-x", t, &retry) == ERR_TOO_MANY_ATTEMPTS);
	CHECK(retry == SCAN_FAILS_WINDOW);
	CHECK(try(NAT, NULL, t + 10, &retry) == ERR_TOO_MANY_ATTEMPTS);
	CHECK(retry == SCAN_FAILS_WINDOW - 10);

	/* The door behind the same address: argon2, then the cache. */
	CHECK(try(NAT, RIGHT, t + 11, &retry) == ERR_OK);
	CHECK(retry == 0);
	CHECK(try(NAT, RIGHT, t + 12, &retry) == ERR_OK);
	CHECK(scan_login(db, NAT, RIGHT, t + 12, token, &retry) == ERR_OK);
	CHECK(strlen(token) == TOKEN_HEX_LEN);

	/* Its success does not clear the guesser's throttle. */
	CHECK(try(NAT, "guess-y", t + 13, &retry) == ERR_TOO_MANY_ATTEMPTS);
	CHECK(retry == SCAN_FAILS_WINDOW - 13);
	CHECK(scan_login(db, NAT, "guess-z", t + 13, token, &retry) ==
	    ERR_TOO_MANY_ATTEMPTS);

	/* Another address is counted on its own. */
	CHECK(try("198.51.100.1", "guess-x", t + 14, &retry) ==
	    ERR_INCORRECT_PASSWORD);

	/* The window ends: wrong passwords are plain wrong again. */
	CHECK(try(NAT, "guess-w", t + SCAN_FAILS_WINDOW, &retry) ==
	    ERR_INCORRECT_PASSWORD);
	CHECK(retry == 0);

	db_close(db);
	unlink(path);
	for (i = 0; i < 3; i++) {
		snprintf(other, sizeof(other), "%s%s", path, side[i]);
		unlink(other);
	}
	return CHECK_DONE();
}
