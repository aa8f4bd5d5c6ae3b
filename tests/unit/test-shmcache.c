/*
 * lib/shmcache: values stored by one process are there for the others,
 * the cache never holds more than its slots (least recently used goes
 * first), too long keys or values are refused, and updates in place
 * from several processes at once lose none of one another's changes.
 */
#include <sys/wait.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "shmcache.h"

/* Is key in c with exactly value? */
static int
has(struct shmcache *c, const char *key, const char *value)
{
	size_t	 len;
	char	*v;
	int	 ok;

	if ((v = shmcache_get(c, key, &len)) == NULL)
		return 0;
	ok = len == strlen(value) && memcmp(v, value, len) == 0;
	free(v);
	return ok;
}

/* shmcache_update's fn: the value as a counter, plus one. */
static size_t
count_one(void *value, size_t len, size_t max, void *arg)
{
	long	 n = 0;

	(void)arg;
	if (max < sizeof(n))
		return len;
	if (len == sizeof(n))
		memcpy(&n, value, sizeof(n));
	n++;
	memcpy(value, &n, sizeof(n));
	return sizeof(n);
}

/* Four processes count 2,000 each under one key: 8,000, none lost. */
static void
check_updates(void)
{
	struct shmcache	*c;
	long		 n = 0;
	size_t		 len;
	pid_t		 pids[4];
	int		 i, k, status, ok = 1;
	void		*v;

	if ((c = shmcache_open(4, sizeof(long))) == NULL) {
		CHECK(0);
		return;
	}
	CHECK(shmcache_update(c, "count", count_one, NULL) == 0);
	for (i = 0; i < 4; i++)
		if ((pids[i] = fork()) == 0) {
			for (k = 0; k < 2000; k++)
				if (shmcache_update(c, "count", count_one,
				    NULL) != 0)
					_exit(1);
			_exit(0);
		}
	for (i = 0; i < 4; i++)
		ok &= pids[i] > 0 && waitpid(pids[i], &status, 0) == pids[i] &&
		    WIFEXITED(status) && WEXITSTATUS(status) == 0;
	CHECK(ok);
	if ((v = shmcache_get(c, "count", &len)) != NULL && len == sizeof(n))
		memcpy(&n, v, sizeof(n));
	free(v);
	CHECK(n == 8001);
	shmcache_close(c);
}

int
main(void)
{
	struct shmcache	*c;
	char		 key[SHMCACHE_KEY_MAX + 2], big[17];
	size_t		 len = 99;
	pid_t		 pid;
	int		 status;

	CHECK(shmcache_open(0, 16) == NULL);
	CHECK(shmcache_open(3, 0) == NULL);
	CHECK(shmcache_get(NULL, "a", &len) == NULL && len == 0);
	CHECK(shmcache_put(NULL, "a", "x", 1) == -1);
	shmcache_close(NULL);

	if ((c = shmcache_open(3, 16)) == NULL)
		return 1;
	CHECK(shmcache_get(c, "a", &len) == NULL);

	/* A child stores; the parent sees it. */
	if ((pid = fork()) == 0)
		_exit(shmcache_put(c, "a", "alpha", 5) == 0 ? 0 : 1);
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid &&
	    WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(has(c, "a", "alpha"));

	/* Replacing keeps one entry per key. */
	CHECK(shmcache_put(c, "a", "ALPHA", 5) == 0);
	CHECK(has(c, "a", "ALPHA"));
	CHECK(shmcache_put(c, "b", "beta", 4) == 0);
	CHECK(shmcache_put(c, "c", "", 0) == 0);
	CHECK(has(c, "c", ""));

	/* Full: "b" is the least recently used ("a" and "c" were read). */
	CHECK(has(c, "a", "ALPHA"));
	CHECK(has(c, "c", ""));
	CHECK(shmcache_put(c, "d", "delta", 5) == 0);
	CHECK(!has(c, "b", "beta"));
	CHECK(has(c, "a", "ALPHA") && has(c, "c", "") && has(c, "d", "delta"));

	/* Too long a value or key: refused, nothing evicted. */
	memset(big, 'x', sizeof(big));
	CHECK(shmcache_put(c, "e", big, sizeof(big)) == -1);
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	CHECK(shmcache_put(c, key, "x", 1) == -1);
	CHECK(shmcache_get(c, key, &len) == NULL);
	key[SHMCACHE_KEY_MAX] = '\0';		/* exactly the maximum */
	big[16] = '\0';
	CHECK(shmcache_put(c, key, big, 16) == 0);
	CHECK(has(c, key, big));
	CHECK(has(c, "c", "") + has(c, "d", "delta") + has(c, "a", "ALPHA")
	    == 2);

	shmcache_close(c);
	check_updates();
	return CHECK_DONE();
}
