/*
 * Uploaded images (event posters): JPEG and PNG only, recognised by their
 * first bytes, never by a file name or a Content-Type; checked against
 * IMAGE_BYTES_MAX and IMAGE_SIDE_MAX before anything large is decoded;
 * decoded and encoded again so that nothing but the pixels survives.  A
 * JPEG comes out a baseline JPEG (quality 85) with no APPn or COM marker
 * (no EXIF, so no GPS position of a phone photo; its Orientation is
 * applied to the pixels first); a PNG comes out with only IHDR, PLTE,
 * tRNS, IDAT and IEND (no tEXt, iTXt, zTXt, eXIf, tIME, iCCP).
 */
#ifndef BILJETT_IMAGE_H
#define BILJETT_IMAGE_H

#include <stddef.h>

struct conf;

enum image_type {
	IMAGE_NONE = 0,		/* neither of the two */
	IMAGE_JPEG,
	IMAGE_PNG,
	IMAGE_TYPE__MAX
};

/*
 * Outcomes, and the status a handler answers for each (value 0 is OK;
 * all but IMAGE_ERROR are the uploader's, name the field):
 *   IMAGE_OK           done
 *   IMAGE_TOO_LARGE    more than IMAGE_BYTES_MAX bytes: 413
 *   IMAGE_UNSUPPORTED  not a JPEG or PNG (GIF, SVG, HTML, WebP, empty): 415
 *   IMAGE_DIMENSIONS   wider or taller than IMAGE_SIDE_MAX pixels: 400
 *   IMAGE_CORRUPT      a JPEG or PNG that does not decode whole:
 *                      truncated, damaged, or a kind we do not read
 *                      (12-bit or lossless JPEG, odd colour spaces): 400
 *   IMAGE_ERROR        ours: out of memory, media_dir not writable
 *                      (logged): 500
 */
enum image_rc {
	IMAGE_OK = 0,
	IMAGE_TOO_LARGE,
	IMAGE_UNSUPPORTED,
	IMAGE_DIMENSIONS,
	IMAGE_CORRUPT,
	IMAGE_ERROR,
	IMAGE__MAX
};

/* A re-encoded image.  Release with image_clear(). */
struct image {
	unsigned char	*data;		/* malloc'd encoded bytes */
	size_t		 len;
	enum image_type	 type;		/* the same as the input's */
	unsigned int	 width;		/* after orientation */
	unsigned int	 height;
};

/* What the first bytes say buf is; IMAGE_NONE for anything else. */
enum image_type	 image_sniff(const void *buf, size_t len);

/* The file name extension for type ("jpg", "png"), or NULL. */
const char	*image_ext(enum image_type type);

/*
 * Checks and re-encodes the len bytes at buf (JPEG in, JPEG out; PNG in,
 * PNG out) into *out.  Touches no file.  On IMAGE_OK the caller owns
 * out->data (image_clear()); on any other outcome *out is empty and
 * nothing is to be freed (image_clear() is harmless).
 */
enum image_rc	 image_reencode(const void *buf, size_t len,
		    struct image *out);

/* Frees out->data and empties *out; NULL-safe and idempotent. */
void		 image_clear(struct image *out);

/*
 * Re-encodes an uploaded poster (the bytes of a multipart part, say) and
 * stores it under conf's media_dir as posters/<hh>/<hash>.<jpg|png>, by
 * lib/media (content-addressed, written atomically).  On IMAGE_OK writes
 * its public path, "/media/posters/<hh>/<hash>.jpg", to path (pathsz
 * MEDIA_PATH_MAX is enough); otherwise path is "".  Returns the outcomes
 * above.
 */
enum image_rc	 image_store_poster(const struct conf *conf, const void *buf,
		    size_t len, char *path, size_t pathsz);

/* The outcome's name ("IMAGE_CORRUPT"), for logs and tests. */
const char	*image_rc_name(enum image_rc rc);

#endif
