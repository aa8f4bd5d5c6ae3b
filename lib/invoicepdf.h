/*
 * An invoice or credit note (lib/invoice.h) as a PDF, written with
 * libharu (libhpdf): PDF's object tables, offsets, font embedding and
 * text encoding are easy to get subtly wrong by hand, and a library that
 * Debian ships and fuzzes is the smaller risk.  The PDF is rendered on
 * demand from the stored snapshot and is the same bytes every time for
 * the same invoice (no dates of its own), so nothing is kept on disk.
 * Text is UTF-8 in a TrueType font embedded from font_path (and its
 * bold face), in the invoice's language (lib/i18n).
 */
#ifndef BILJETT_INVOICEPDF_H
#define BILJETT_INVOICEPDF_H

#include <stddef.h>

struct invoice;

/*
 * Renders inv into *pdf (malloc'd, *len bytes; free with free()).
 * Returns 0, or -1 (logged: a font that does not load, out of memory,
 * larger than INVOICE_PDF_MAX) with *pdf NULL.
 */
int	invoicepdf_render(const struct invoice *inv, const char *font_path,
	    const char *bold_path, unsigned char **pdf, size_t *len);

#endif
