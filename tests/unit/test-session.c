/*
 * Session keys (lib/session): a token and its key begin with the time it
 * was made, the rest of the key is the token's hash; sessions stored
 * under the whole hash, as before, are still found.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "crypto.h"
#include "db.h"
#include "log.h"
#include "session.h"
#include "testdb.h"

int
main(void)
{
	struct timespec	 pause = { 0, 2 * 1000 * 1000 };
	char		 path[] = "/tmp/biljett-test-session-XXXXXX", err[256];
	char		 t1[TOKEN_HEX_LEN + 1], t2[TOKEN_HEX_LEN + 1];
	char		 k1[TOKEN_HASH_HEX_LEN + 1], k2[TOKEN_HASH_HEX_LEN + 1];
	char		 hash[TOKEN_HASH_HEX_LEN + 1];
	struct session	 s;
	struct db	*db;
	struct db_stmt	*st;
	int64_t		 now = (int64_t)time(NULL);
	int		 fd, applied;

	log_init("test", LOG_LVL_ERR);
	CHECK(crypto_init() == 0);

	/* Keys: the token's time, then its hash; later sorts after. */
	sess_token_new(t1, k1);
	nanosleep(&pause, NULL);
	sess_token_new(t2, k2);
	CHECK(sess_token_valid(t1) && sess_token_valid(t2));
	CHECK(strcmp(t1, t2) < 0 && strcmp(k1, k2) < 0);
	CHECK(strlen(k1) == TOKEN_HASH_HEX_LEN);
	CHECK(memcmp(k1, t1, SESS_KEY_TIME_HEX) == 0);
	crypto_token_hash(t1, hash);
	CHECK(memcmp(k1 + SESS_KEY_TIME_HEX, hash,
	    TOKEN_HASH_HEX_LEN - SESS_KEY_TIME_HEX) == 0);
	/* The key is what the token hashes to; nothing else is. */
	sess_key(t1, hash);
	CHECK(strcmp(hash, k1) == 0);
	CHECK(strstr(k1 + SESS_KEY_TIME_HEX, t1 + SESS_KEY_TIME_HEX) == NULL);

	fd = mkstemp(path);
	close(fd);
	CHECK((db = db_open(path, DB_OPEN_CREATE, 1000, err,
	    sizeof(err))) != NULL);
	CHECK(db_migrate(db, &applied, err, sizeof(err)) == DB_OK);

	/* A new session is stored under its key and found by its token. */
	CHECK(sess_create(db, SESS_BROWSER, 0, 0, now, 600, t1) == DB_OK);
	sess_key(t1, k1);
	CHECK((st = db_stmt(db, "SELECT count(*) FROM sessions WHERE"
	    " token_hash = ?1")) != NULL && db_bind_text(st, 1, k1) == 0 &&
	    db_step(db, st) == DB_OK && db_col_int(st, 0) == 1);
	db_reset(st);
	CHECK(sess_find(db, t1, now, &s) == DB_OK && s.kind == SESS_BROWSER);

	/* One made before keys began with the time: the whole hash. */
	crypto_token(t2);
	crypto_token_hash(t2, hash);
	CHECK((st = db_stmt(db, "INSERT INTO sessions (token_hash, kind,"
	    " created_at, expires_at) VALUES (?1, 'api', ?2, ?3)")) != NULL &&
	    db_bind_text(st, 1, hash) == 0 && db_bind_int(st, 2, now) == 0 &&
	    db_bind_int(st, 3, now + 600) == 0 && db_exec(db, st) == DB_OK);
	CHECK(sess_find(db, t2, now, &s) == DB_OK && s.kind == SESS_API);
	/* Revoked, expired, unknown and malformed ones are not found. */
	CHECK(sess_revoke(db, s.id, now) == DB_OK);
	CHECK(sess_find(db, t2, now, &s) == DB_NOTFOUND);
	CHECK(sess_find(db, t1, now + 601, &s) == DB_NOTFOUND);
	t1[20] = t1[20] == 'a' ? 'b' : 'a';
	CHECK(sess_find(db, t1, now, &s) == DB_NOTFOUND);
	CHECK(sess_find(db, "xyz", now, &s) == DB_NOTFOUND);

	CHECK(testdb_count(db, "SELECT count(*) FROM sessions", 0) == 2);
	db_close(db);
	unlink(path);
	snprintf(err, sizeof(err), "%s-wlock", path);
	unlink(err);
	return CHECK_DONE();
}
