/*
 * Files nginx serves under /media/ from the configured media_dir: written
 * once, named by the hash of their bytes, so that a name never changes
 * meaning and browsers may cache it for ever.  Knows files, not formats:
 * lib/image decides what may be stored.
 */
#ifndef BILJETT_MEDIA_H
#define BILJETT_MEDIA_H

#include <stddef.h>

/* The URL prefix nginx serves media_dir at (nginx/routes.conf.in). */
#define MEDIA_URL_PREFIX	"/media/"

/*
 * Stores len bytes of data as <dir>/<kind>/<hh>/<hash>.<ext>, where hash
 * is the BLAKE2b-256 of the bytes in lower-case hex and hh its first two
 * digits, creating the directories as needed (mode 0755 less the umask;
 * the file is 0644: nginx reads it).  The file appears whole or not at
 * all (a temporary file, fsync, rename).  A file of that name already
 * there is kept: same name, same bytes.  kind and ext are our own
 * constants ("posters", "jpg"), never input.  Writes the public path,
 * "/media/<kind>/<hh>/<hash>.<ext>", to path.  Returns 0, or -1 (logged)
 * when a directory or the file cannot be written or path is too small.
 */
int	media_put(const char *dir, const char *kind, const char *ext,
	    const void *data, size_t len, char *path, size_t pathsz);

#endif
