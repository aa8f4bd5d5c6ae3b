/*
 * QR codes as PNG images (libqrencode + libpng).  Used for ticket codes in
 * mail, TOTP setup and the pages.
 */
#ifndef BILJETT_QR_H
#define BILJETT_QR_H

#include <stddef.h>

/*
 * Encodes text (UTF-8, at most 1024 bytes) as a QR code, error correction
 * level M, with a 4-module quiet zone, each module scale x scale pixels
 * (1 <= scale <= 32), as a 1-bit greyscale PNG.  Returns 0 and a
 * malloc'd buffer in *png (free with free()) and its size in *len, or -1
 * on bad arguments, encoding failure or OOM (nothing to free).
 */
int	qr_png(const char *text, int scale, unsigned char **png, size_t *len);

/* Modules of white border every QR code of ours keeps, per the spec. */
#define QR_QUIET_ZONE	4

/*
 * The module matrix qr_png draws for text, without the quiet zone, for
 * drawing it as vectors (lib/ticketpdf): *width modules a side, and
 * (*mods)[y * *width + x] non-zero for a dark module, row 0 at the top.
 * Returns 0 and *mods malloc'd (free with free()), or -1 as qr_png.
 */
int	qr_matrix(const char *text, unsigned char **mods, int *width);

/*
 * The QR version (1-40: the code's size) qr_png would draw text at, or
 * -1 as qr_png fails.  Lets tests check that a payload fits.
 */
int	qr_version(const char *text);

#endif
