/*
 * Content-addressed files under media_dir: hash, directories, a temporary
 * file in the final directory (so rename() stays on one file system and
 * is atomic), fsync of the file and of its directory.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "log.h"
#include "media.h"

#define HASH_BYTES	32		/* BLAKE2b-256 */
#define HASH_HEX	(HASH_BYTES * 2)
#define FILE_PATH_MAX	4096		/* Linux's PATH_MAX */

/* Creates dir unless it is there already.  Returns 0 or -1 (logged). */
static int
make_dir(const char *dir)
{
	if (mkdir(dir, 0755) == 0 || errno == EEXIST)
		return 0;
	log_err("media: mkdir %s: %s", dir, strerror(errno));
	return -1;
}

/* Writes all of data to fd, across short writes.  Returns 0 or -1. */
static int
write_all(int fd, const unsigned char *data, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = write(fd, data, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Flushes a directory's entries (the rename) to disk.  Returns 0 or -1. */
static int
sync_dir(const char *dir)
{
	int	 fd, rc;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/*
 * Writes data to a new temporary file in dir and renames it to final.
 * Returns 0, or -1 (logged) with no temporary file left behind.
 */
static int
write_atomic(const char *dir, const char *final, const void *data,
    size_t len)
{
	char	 tmp[FILE_PATH_MAX];
	int	 fd = -1, rc = -1;

	/* A dot name: nginx serves only hash names, never this one. */
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/.tmp-XXXXXX", dir) >=
	    sizeof(tmp)) {
		log_err("media: %s: path too long", dir);
		return -1;
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		log_err("media: %s: %s", tmp, strerror(errno));
		return -1;
	}
	if (fchmod(fd, 0644) == -1 || write_all(fd, data, len) == -1 ||
	    fsync(fd) == -1) {
		log_err("media: %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (close(fd) == -1) {
		fd = -1;
		log_err("media: %s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, final) == -1) {
		log_err("media: rename to %s: %s", final, strerror(errno));
		goto out;
	}
	tmp[0] = '\0';
	if (sync_dir(dir) == -1) {
		log_err("media: fsync %s: %s", dir, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	if (tmp[0] != '\0')
		unlink(tmp);
	return rc;
}

int
media_put(const char *dir, const char *kind, const char *ext,
    const void *data, size_t len, char *path, size_t pathsz)
{
	unsigned char	 hash[HASH_BYTES];
	char		 hex[HASH_HEX + 1], sub[FILE_PATH_MAX], leaf[FILE_PATH_MAX];
	char		 final[FILE_PATH_MAX];
	struct stat	 st;

	if (pathsz > 0)
		path[0] = '\0';
	crypto_generichash(hash, sizeof(hash), data, len, NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), hash, sizeof(hash));

	/* The names first, so that nothing is created for a path too long. */
	if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", dir, kind) >=
	    sizeof(sub) ||
	    (size_t)snprintf(leaf, sizeof(leaf), "%s/%.2s", sub, hex) >=
	    sizeof(leaf) ||
	    (size_t)snprintf(final, sizeof(final), "%s/%s.%s", leaf, hex,
	    ext) >= sizeof(final)) {
		log_err("media: %s: path too long", dir);
		return -1;
	}
	if (*dir == '\0' || (size_t)snprintf(path, pathsz, "%s%s/%.2s/%s.%s",
	    MEDIA_URL_PREFIX, kind, hex, hex, ext) >= pathsz) {
		if (pathsz > 0)
			path[0] = '\0';
		log_err("media: no media_dir, or no room for the path");
		return -1;
	}

	if (make_dir(dir) == -1 || make_dir(sub) == -1 ||
	    make_dir(leaf) == -1)
		goto fail;
	/* Content-addressed: a file of this name holds these bytes. */
	if (stat(final, &st) == 0 && S_ISREG(st.st_mode))
		return 0;
	if (write_atomic(leaf, final, data, len) == 0)
		return 0;
fail:
	path[0] = '\0';
	return -1;
}
