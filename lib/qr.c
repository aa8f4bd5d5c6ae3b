/*
 * QR code to PNG: libqrencode makes the module matrix, libpng writes a
 * 1-bit greyscale image into memory.
 */
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>
#include <qrencode.h>

#include "qr.h"

#define QR_TEXT_MAX	1024
#define QR_QUIET	QR_QUIET_ZONE

struct membuf {
	unsigned char	*data;
	size_t		 len;
	size_t		 cap;
	int		 failed;
};

static void
write_mem(png_structp png, png_bytep data, png_size_t len)
{
	struct membuf	*m = png_get_io_ptr(png);
	unsigned char	*grown;
	size_t		 cap;

	if (m->failed)
		return;
	if (m->len + len > m->cap) {
		cap = m->cap ? m->cap : 1024;
		while (cap < m->len + len)
			cap *= 2;
		if ((grown = realloc(m->data, cap)) == NULL) {
			m->failed = 1;
			return;
		}
		m->data = grown;
		m->cap = cap;
	}
	memcpy(m->data + m->len, data, len);
	m->len += len;
}

static void
flush_mem(png_structp png)
{
	(void)png;
}

/* The one encoding every QR code of ours uses. */
static QRcode *
encode(const char *text)
{
	if (text == NULL || strlen(text) == 0 || strlen(text) > QR_TEXT_MAX)
		return NULL;
	return QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
}

int
qr_version(const char *text)
{
	QRcode	*qr;
	int	 v;

	if ((qr = encode(text)) == NULL)
		return -1;
	v = qr->version;
	QRcode_free(qr);
	return v;
}

int
qr_matrix(const char *text, unsigned char **mods, int *width)
{
	QRcode	*qr;
	size_t	 i, n;

	*mods = NULL;
	*width = 0;
	if ((qr = encode(text)) == NULL)
		return -1;
	n = (size_t)qr->width * (size_t)qr->width;
	if ((*mods = malloc(n)) == NULL) {
		QRcode_free(qr);
		return -1;
	}
	/* libqrencode's bit 0 is the module's colour; the others say
	 * what the module is for. */
	for (i = 0; i < n; i++)
		(*mods)[i] = qr->data[i] & 1;
	*width = qr->width;
	QRcode_free(qr);
	return 0;
}

int
qr_png(const char *text, int scale, unsigned char **out, size_t *outlen)
{
	QRcode			*qr = NULL;
	png_structp		 png = NULL;
	png_infop		 info = NULL;
	struct membuf		*m = NULL;
	unsigned char *volatile	 row = NULL;
	volatile int		 rc = -1;
	int			 side, x, y, mx, my;

	*out = NULL;
	*outlen = 0;
	if (scale < 1 || scale > 32 || (qr = encode(text)) == NULL)
		return -1;
	side = (qr->width + 2 * QR_QUIET) * scale;
	/* On the heap: libpng's longjmp must not leave it indeterminate. */
	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (row = calloc(1, (size_t)(side + 7) / 8)) == NULL)
		goto out;
	if ((png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL,
	    NULL)) == NULL || (info = png_create_info_struct(png)) == NULL)
		goto out;
	if (setjmp(png_jmpbuf(png)))
		goto out;
	png_set_write_fn(png, m, write_mem, flush_mem);
	png_set_IHDR(png, info, (png_uint_32)side, (png_uint_32)side, 1,
	    PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
	    PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);

	/* In 1-bit greyscale a set bit is white; dark modules are 0. */
	for (y = 0; y < side; y++) {
		my = y / scale - QR_QUIET;
		memset(row, 0xff, (size_t)(side + 7) / 8);
		for (x = 0; x < side; x++) {
			mx = x / scale - QR_QUIET;
			if (mx >= 0 && my >= 0 && mx < qr->width &&
			    my < qr->width &&
			    (qr->data[my * qr->width + mx] & 1))
				row[x / 8] &= (unsigned char)~(0x80 >> (x % 8));
		}
		png_write_row(png, row);
	}
	png_write_end(png, NULL);
	if (m->failed)
		goto out;
	*out = m->data;
	*outlen = m->len;
	m->data = NULL;
	rc = 0;
out:
	png_destroy_write_struct(&png, &info);
	free(row);
	if (m != NULL)
		free(m->data);
	free(m);
	QRcode_free(qr);
	return rc;
}
