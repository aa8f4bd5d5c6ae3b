/*
 * The libhpdf set-up every PDF shares (pdfdoc.h).
 */
#include <stdlib.h>
#include <string.h>

#include <hpdf.h>

#include "log.h"
#include "pdfdoc.h"

static void
on_error(HPDF_STATUS error_no, HPDF_STATUS detail_no, void *user_data)
{
	struct pdfdoc	*d = user_data;

	/* Reading the finished stream to its end is not an error. */
	if (d->error == 0 && error_no != HPDF_STREAM_EOF) {
		d->error = error_no;
		log_err("%s: libhpdf error 0x%04x (%u)", d->what,
		    (unsigned)error_no, (unsigned)detail_no);
	}
}

/* Loads one font, UTF-8 encoded, embedded; NULL if it does not load. */
static HPDF_Font
load_font(struct pdfdoc *d, const char *path)
{
	const char	*name;

	if ((name = HPDF_LoadTTFontFromFile(d->doc, path, HPDF_TRUE)) == NULL)
		return NULL;
	return HPDF_GetFont(d->doc, name, "UTF-8");
}

int
pdfdoc_open(struct pdfdoc *d, const char *what, const char *font_path,
    const char *bold_path)
{
	memset(d, 0, sizeof(*d));
	d->what = what;
	if ((d->doc = HPDF_New(on_error, d)) == NULL) {
		log_err("%s: out of memory", what);
		return -1;
	}
	if (HPDF_SetCompressionMode(d->doc, HPDF_COMP_ALL) != HPDF_OK ||
	    HPDF_UseUTFEncodings(d->doc) != HPDF_OK ||
	    HPDF_SetCurrentEncoder(d->doc, "UTF-8") != HPDF_OK ||
	    (d->font = load_font(d, font_path)) == NULL ||
	    (d->bold = load_font(d, bold_path)) == NULL) {
		log_err("%s: cannot load fonts %s, %s", what, font_path,
		    bold_path);
		pdfdoc_close(d);
		return -1;
	}
	return 0;
}

int
pdfdoc_save(struct pdfdoc *d, size_t max, unsigned char **out, size_t *len)
{
	HPDF_UINT32	 size;
	HPDF_STATUS	 rc;

	*out = NULL;
	*len = 0;
	if (d->error != 0 || HPDF_SaveToStream(d->doc) != HPDF_OK ||
	    (size = HPDF_GetStreamSize(d->doc)) == 0 || size > max ||
	    (*out = malloc(size)) == NULL)
		return -1;
	*len = size;
	rc = HPDF_ReadFromStream(d->doc, *out, &size);
	if ((rc == HPDF_OK || rc == HPDF_STREAM_EOF) && size == *len &&
	    d->error == 0)
		return 0;
	free(*out);
	*out = NULL;
	*len = 0;
	return -1;
}

void
pdfdoc_close(struct pdfdoc *d)
{
	if (d->doc != NULL)
		HPDF_Free(d->doc);
	d->doc = NULL;
	d->font = d->bold = NULL;
}

void
pdfdoc_text(HPDF_Page page, HPDF_Font f, float size, float x, float y,
    const char *s, enum pdfdoc_align align)
{
	HPDF_Page_SetFontAndSize(page, f, size);
	if (align == PDFDOC_RIGHT)
		x -= HPDF_Page_TextWidth(page, s);
	else if (align == PDFDOC_CENTRE)
		x -= HPDF_Page_TextWidth(page, s) / 2;
	HPDF_Page_BeginText(page);
	HPDF_Page_TextOut(page, x, y, s);
	HPDF_Page_EndText(page);
}

void
pdfdoc_fit(HPDF_Page page, HPDF_Font f, float size, char *s, float w)
{
	size_t	 n = strlen(s);

	HPDF_Page_SetFontAndSize(page, f, size);
	while (n > 0 && HPDF_Page_TextWidth(page, s) > w) {
		do
			n--;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80);
		s[n] = '\0';
	}
}
