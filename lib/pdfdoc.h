/*
 * What every PDF of ours shares, on libharu (libhpdf): a document with
 * compression, an error handler that keeps the first error (and logs
 * it), two embedded TrueType fonts (a regular and a bold face, UTF-8, so
 * names like "Åström", "Renée" and "Straße" print), text placed by its
 * baseline, cut to a width at a character boundary, and the finished
 * document copied out of libhpdf's stream into memory.  No dates of its
 * own: the same drawing gives the same bytes.  lib/invoicepdf and
 * lib/ticketpdf draw on it; only PDF modules include <hpdf.h>.
 */
#ifndef BILJETT_PDFDOC_H
#define BILJETT_PDFDOC_H

#include <stddef.h>

#include <hpdf.h>

/* A document being drawn.  libhpdf keeps its address (the error
 * handler's argument): do not move it between open and close. */
struct pdfdoc {
	HPDF_Doc	 doc;
	HPDF_Font	 font, bold;
	HPDF_STATUS	 error;		/* the first libhpdf error, 0 none */
	const char	*what;		/* "invoice pdf": for the log */
};

/* Where text sits against its x. */
enum pdfdoc_align {
	PDFDOC_LEFT = 0,
	PDFDOC_RIGHT,
	PDFDOC_CENTRE
};

/*
 * Opens d: a compressed document with font_path and bold_path embedded.
 * what names the document in log lines.  Returns 0, or -1 (logged) with
 * d closed already.
 */
int	pdfdoc_open(struct pdfdoc *d, const char *what, const char *font_path,
	    const char *bold_path);

/*
 * Copies the finished document into *out (malloc'd, *len bytes; free
 * with free()).  Returns 0, or -1 after any libhpdf error while drawing,
 * when it is larger than max bytes or out of memory (*out NULL).
 */
int	pdfdoc_save(struct pdfdoc *d, size_t max, unsigned char **out,
	    size_t *len);

/* Frees d's document; NULL-safe and idempotent. */
void	pdfdoc_close(struct pdfdoc *d);

/* Writes s (UTF-8) in f at size with its baseline at y, aligned at x. */
void	pdfdoc_text(HPDF_Page page, HPDF_Font f, float size, float x,
	    float y, const char *s, enum pdfdoc_align align);

/* Cuts s (UTF-8, in place) at a character boundary so that it is at most
 * w wide in f at size. */
void	pdfdoc_fit(HPDF_Page page, HPDF_Font f, float size, char *s, float w);

#endif
