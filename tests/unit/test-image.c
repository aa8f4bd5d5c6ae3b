/*
 * lib/image and lib/media: what an uploaded poster loses (EXIF, comments,
 * text chunks), what it keeps (pixels, orientation, transparency), what
 * is refused (other formats, truncated or damaged files, too many pixels
 * or bytes) and how it is stored (content-addressed, atomically).  Runs
 * under ASan: every refusal must also free what it took.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jpeglib.h>
#include <png.h>

#include "check.h"
#include "conf.h"
#include "crypto.h"
#include "image.h"
#include "limits.h"

#define SECRET	"GPS 59.3293N 18.0686E"	/* must not survive */

struct bytes {
	unsigned char	*p;
	size_t		 n;
};

static const unsigned char	 RED[3] = { 255, 0, 0 };
static const unsigned char	 GREEN[3] = { 0, 255, 0 };
static const unsigned char	 BLUE[3] = { 0, 0, 255 };
static const unsigned char	 WHITE[3] = { 255, 255, 255 };

/* -- making test images ------------------------------------------------ */

/* Four quadrants, red green / blue white, w x h, RGB. */
static unsigned char *
quadrants(unsigned int w, unsigned int h)
{
	unsigned char	*px = malloc((size_t)w * h * 3);
	const unsigned char *c;
	unsigned int	 x, y;

	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			c = y < h / 2 ? (x < w / 2 ? RED : GREEN) :
			    (x < w / 2 ? BLUE : WHITE);
			memcpy(px + ((size_t)y * w + x) * 3, c, 3);
		}
	return px;
}

/* Encodes px (comps bytes a pixel, in space) as a JPEG with libjpeg. */
static struct bytes
make_jpeg(const unsigned char *px, unsigned int w, unsigned int h,
    int comps, J_COLOR_SPACE space, int progressive)
{
	struct jpeg_compress_struct	 c;
	struct jpeg_error_mgr		 err;
	unsigned char			*buf = NULL;
	unsigned long			 len = 0;
	JSAMPROW			 row;
	struct bytes			 out;

	c.err = jpeg_std_error(&err);
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, &buf, &len);
	c.image_width = w;
	c.image_height = h;
	c.input_components = comps;
	c.in_color_space = space;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, 95, TRUE);
	if (progressive)
		jpeg_simple_progression(&c);
	jpeg_start_compress(&c, TRUE);
	jpeg_write_marker(&c, JPEG_COM, (const JOCTET *)SECRET,
	    sizeof(SECRET) - 1);
	while (c.next_scanline < h) {
		row = (JSAMPROW)(px + (size_t)c.next_scanline * w * comps);
		jpeg_write_scanlines(&c, &row, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	out.p = buf;
	out.n = len;
	return out;
}

/*
 * A hand-written APP1 EXIF segment: big-endian TIFF, IFD0 with the
 * Orientation, then the SECRET (where a GPS IFD would point).
 */
static struct bytes
exif_app1(int orientation)
{
	static const unsigned char head[] = {
	    0xff, 0xe1, 0, 0,				/* APP1, length */
	    'E', 'x', 'i', 'f', 0, 0,
	    'M', 'M', 0, 42, 0, 0, 0, 8,		/* TIFF, IFD0 at 8 */
	    0, 1,					/* one entry */
	    0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 0, 0, 0,	/* Orientation */
	    0, 0, 0, 0,					/* no IFD1 */
	};
	struct bytes	 b;
	size_t		 seg;

	b.n = sizeof(head) + sizeof(SECRET) - 1;
	b.p = malloc(b.n);
	memcpy(b.p, head, sizeof(head));
	memcpy(b.p + sizeof(head), SECRET, sizeof(SECRET) - 1);
	seg = b.n - 2;
	b.p[2] = (unsigned char)(seg >> 8);
	b.p[3] = (unsigned char)seg;
	b.p[4 + 6 + 8 + 2 + 9] = (unsigned char)orientation;
	return b;
}

/* jpeg with seg inserted right after SOI, where cameras put EXIF. */
static struct bytes
insert_after_soi(struct bytes jpeg, struct bytes seg)
{
	struct bytes	 b;

	b.n = jpeg.n + seg.n;
	b.p = malloc(b.n);
	memcpy(b.p, jpeg.p, 2);
	memcpy(b.p + 2, seg.p, seg.n);
	memcpy(b.p + 2 + seg.n, jpeg.p + 2, jpeg.n - 2);
	return b;
}

struct pngspec {
	int		 type;		/* PNG_COLOR_TYPE_* */
	int		 depth;
	int		 interlace;
	int		 metadata;	/* tEXt, zTXt, iTXt, tIME, eXIf, gAMA */
	size_t		 text_len;	/* of the tEXt, with SECRET in it */
};

/* A w x h PNG of spec, pixels from a pattern, written with libpng. */
static struct bytes
make_png(const struct pngspec *s, unsigned int w, unsigned int h)
{
	png_structp	 png;
	png_infop	 info;
	png_color	 pal[4] = { { 255, 0, 0 }, { 0, 255, 0 }, { 0, 0, 255 },
			    { 255, 255, 255 } };
	png_byte	 trans[4] = { 255, 128, 0, 255 };
	png_text	 text[3];
	png_time	 when = { 2025, 6, 1, 12, 0, 0 };
	png_byte	 exif[8 + sizeof(SECRET)] = "MM\0*\0\0\0\x08" SECRET;
	FILE		*f;
	char		*mem = NULL, *big;
	size_t		 memlen = 0, rowbytes, i;
	unsigned char	*row;
	unsigned int	 x, y;
	struct bytes	 out;

	f = open_memstream(&mem, &memlen);
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL,
	    NULL);
	info = png_create_info_struct(png);
	png_init_io(png, f);
	png_set_IHDR(png, info, w, h, s->depth, s->type, s->interlace,
	    PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	if (s->type == PNG_COLOR_TYPE_PALETTE) {
		png_set_PLTE(png, info, pal, 4);
		png_set_tRNS(png, info, trans, 4, NULL);
	}
	big = calloc(1, s->text_len + sizeof(SECRET) + 1);
	memset(big, 'x', s->text_len);
	strcat(big, SECRET);
	if (s->metadata) {
		memset(text, 0, sizeof(text));
		text[0].compression = PNG_TEXT_COMPRESSION_NONE;
		text[0].key = "Comment";
		text[0].text = big;
		text[1].compression = PNG_TEXT_COMPRESSION_zTXt;
		text[1].key = "Location";
		text[1].text = SECRET;
		text[2].compression = PNG_ITXT_COMPRESSION_NONE;
		text[2].key = "XML:com.adobe.xmp";
		text[2].text = SECRET;
		png_set_text(png, info, text, 3);
		png_set_tIME(png, info, &when);
		png_set_eXIf_1(png, info, sizeof(exif) - 1, exif);
		png_set_gAMA_fixed(png, info, 45455);
	}
	png_write_info(png, info);
	if (s->interlace)
		png_set_interlace_handling(png);
	rowbytes = png_get_rowbytes(png, info);
	row = malloc(rowbytes);
	for (i = 0; i < (s->interlace ? 7u : 1u); i++)
		for (y = 0; y < h; y++) {
			/* Bytes from the position: every depth gets variety;
			 * palette indices stay below 4. */
			for (x = 0; x < rowbytes; x++)
				row[x] = s->type == PNG_COLOR_TYPE_PALETTE ?
				    (unsigned char)(((x / 4 + y / 4) % 4) *
				    (s->depth == 8 ? 1 : 0x55)) :
				    (unsigned char)(x * 7 + y * 13);
			png_write_row(png, row);
		}
	png_write_end(png, info);
	png_destroy_write_struct(&png, &info);
	fclose(f);
	free(row);
	free(big);
	out.p = (unsigned char *)mem;
	out.n = memlen;
	return out;
}

/* -- looking at the results -------------------------------------------- */

/* Decodes a JPEG with libjpeg; *comps is 1 or 3. */
static unsigned char *
decode_jpeg(struct bytes b, unsigned int *w, unsigned int *h, int *comps)
{
	struct jpeg_decompress_struct	 d;
	struct jpeg_error_mgr		 err;
	unsigned char			*px;
	JSAMPROW			 row;

	d.err = jpeg_std_error(&err);
	jpeg_create_decompress(&d);
	jpeg_mem_src(&d, b.p, (unsigned long)b.n);
	jpeg_read_header(&d, TRUE);
	jpeg_start_decompress(&d);
	*w = d.output_width;
	*h = d.output_height;
	*comps = d.output_components;
	px = malloc((size_t)*w * *h * *comps);
	while (d.output_scanline < *h) {
		row = px + (size_t)d.output_scanline * *w * *comps;
		jpeg_read_scanlines(&d, &row, 1);
	}
	jpeg_finish_decompress(&d);
	jpeg_destroy_decompress(&d);
	return px;
}

/*
 * Are the JPEG's markers before its first scan free of APPn and COM?
 * Walks the segments from SOI.
 */
static int
jpeg_clean(struct bytes b)
{
	size_t	 i = 2;
	int	 m;

	if (b.n < 4 || b.p[0] != 0xff || b.p[1] != 0xd8)
		return 0;
	while (i + 4 <= b.n && b.p[i] == 0xff) {
		m = b.p[i + 1];
		if (m == 0xda)				/* SOS */
			return 1;
		if ((m >= 0xe0 && m <= 0xef) || m == 0xfe)
			return 0;
		i += 2 + ((size_t)b.p[i + 2] << 8 | b.p[i + 3]);
	}
	return 0;
}

/* Is needle anywhere in the bytes? */
static int
contains(struct bytes b, const char *needle)
{
	return memmem(b.p, b.n, needle, strlen(needle)) != NULL;
}

/* The nearest of the four quadrant colours to the pixel at (x, y). */
static const unsigned char *
colour_at(const unsigned char *px, unsigned int w, unsigned int x,
    unsigned int y)
{
	const unsigned char	*all[4] = { RED, GREEN, BLUE, WHITE }, *best;
	const unsigned char	*p = px + ((size_t)y * w + x) * 3;
	long			 d, bestd = -1;
	int			 i, k;

	best = NULL;
	for (i = 0; i < 4; i++) {
		for (d = 0, k = 0; k < 3; k++)
			d += (long)(p[k] - all[i][k]) * (p[k] - all[i][k]);
		if (bestd < 0 || d < bestd) {
			bestd = d;
			best = all[i];
		}
	}
	return best;
}

/* Checks the PNG's chunks are only IHDR, PLTE, tRNS, IDAT, IEND. */
static int
png_chunks_clean(struct bytes b)
{
	size_t		 i = 8, len;
	const char	*ok[] = { "IHDR", "PLTE", "tRNS", "IDAT", "IEND" };
	int		 k, found;

	while (i + 12 <= b.n) {
		len = (size_t)b.p[i] << 24 | (size_t)b.p[i + 1] << 16 |
		    (size_t)b.p[i + 2] << 8 | b.p[i + 3];
		for (found = 0, k = 0; k < 5; k++)
			found |= memcmp(b.p + i + 4, ok[k], 4) == 0;
		if (!found) {
			fprintf(stderr, "chunk %.4s kept\n", b.p + i + 4);
			return 0;
		}
		if (memcmp(b.p + i + 4, "IEND", 4) == 0)
			return i + 12 == b.n;
		i += 12 + len;
	}
	return 0;
}

struct cursor {
	const unsigned char	*p;
	size_t			 n, at;
};

static void
read_cursor(png_structp png, png_bytep data, png_size_t len)
{
	struct cursor	*c = png_get_io_ptr(png);

	if (len > c->n - c->at)
		png_error(png, "short");
	memcpy(data, c->p + c->at, len);
	c->at += len;
}

/*
 * Decodes a PNG to 8-bit RGBA with libpng's own transformations (16-bit
 * samples stripped as lib/image does), or NULL.
 */
static unsigned char *
decode_png(struct bytes b, unsigned int *w, unsigned int *h)
{
	png_structp		 png;
	png_infop		 info;
	struct cursor		 c = { b.p, b.n, 0 };
	unsigned char *volatile	 px = NULL;
	size_t			 y;
	int			 passes, pass;

	png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	info = png_create_info_struct(png);
	if (setjmp(png_jmpbuf(png))) {
		png_destroy_read_struct(&png, &info, NULL);
		free(px);
		return NULL;
	}
	png_set_read_fn(png, &c, read_cursor);
	png_read_info(png, info);
	png_set_expand(png);
	png_set_strip_16(png);
	png_set_gray_to_rgb(png);
	png_set_add_alpha(png, 0xff, PNG_FILLER_AFTER);
	passes = png_set_interlace_handling(png);
	png_read_update_info(png, info);
	*w = png_get_image_width(png, info);
	*h = png_get_image_height(png, info);
	px = calloc((size_t)*w * 4, *h);
	for (pass = 0; pass < passes; pass++)
		for (y = 0; y < *h; y++)
			png_read_row(png, px + y * *w * 4, NULL);
	png_read_end(png, NULL);
	png_destroy_read_struct(&png, &info, NULL);
	return px;
}

/* -- the tests ----------------------------------------------------------- */

/* A phone photo: EXIF with a position and a comment, both gone. */
static void
test_jpeg_loses_exif_and_comments(void)
{
	unsigned char	*px = quadrants(64, 32), *dec;
	struct bytes	 plain, app1, in, out;
	struct image	 img;
	unsigned int	 w, h;
	int		 comps;

	plain = make_jpeg(px, 64, 32, 3, JCS_RGB, 0);
	app1 = exif_app1(1);
	in = insert_after_soi(plain, app1);
	CHECK(contains(in, SECRET) && !jpeg_clean(in));

	CHECK(image_reencode(in.p, in.n, &img) == IMAGE_OK);
	out.p = img.data;
	out.n = img.len;
	CHECK(img.type == IMAGE_JPEG && img.width == 64 && img.height == 32);
	CHECK(jpeg_clean(out));
	CHECK(!contains(out, SECRET));
	CHECK(!contains(out, "Exif") && !contains(out, "JFIF"));
	dec = decode_jpeg(out, &w, &h, &comps);
	CHECK(w == 64 && h == 32 && comps == 3);
	CHECK(colour_at(dec, w, 16, 8) == RED);
	CHECK(colour_at(dec, w, 48, 8) == GREEN);
	CHECK(colour_at(dec, w, 16, 24) == BLUE);
	CHECK(colour_at(dec, w, 48, 24) == WHITE);
	free(dec);
	image_clear(&img);
	image_clear(&img);			/* harmless twice */
	free(in.p);
	free(app1.p);
	free(plain.p);
	free(px);
}

/*
 * The Orientation is applied before it is dropped: each of the eight
 * turns the quadrants (red green / blue white) the way EXIF defines.
 */
static void
test_jpeg_orientation_is_applied(void)
{
	static const struct {
		int			 o;
		const unsigned char	*q[4];	/* TL, TR, BL, BR */
	} want[] = {
		{ 1, { RED, GREEN, BLUE, WHITE } },
		{ 2, { GREEN, RED, WHITE, BLUE } },
		{ 3, { WHITE, BLUE, GREEN, RED } },
		{ 4, { BLUE, WHITE, RED, GREEN } },
		{ 5, { RED, BLUE, GREEN, WHITE } },
		{ 6, { BLUE, RED, WHITE, GREEN } },
		{ 7, { WHITE, GREEN, BLUE, RED } },
		{ 8, { GREEN, WHITE, RED, BLUE } },
	};
	unsigned char	*px = quadrants(64, 32), *dec;
	struct bytes	 plain, app1, in, out;
	struct image	 img;
	unsigned int	 w, h;
	size_t		 i;
	int		 comps;

	plain = make_jpeg(px, 64, 32, 3, JCS_RGB, 1);	/* progressive */
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		app1 = exif_app1(want[i].o);
		in = insert_after_soi(plain, app1);
		CHECK(image_reencode(in.p, in.n, &img) == IMAGE_OK);
		out.p = img.data;
		out.n = img.len;
		dec = decode_jpeg(out, &w, &h, &comps);
		if (want[i].o >= 5)
			CHECK(w == 32 && h == 64 && img.width == 32);
		else
			CHECK(w == 64 && h == 32 && img.height == 32);
		CHECK(colour_at(dec, w, w / 4, h / 4) == want[i].q[0]);
		CHECK(colour_at(dec, w, 3 * w / 4, h / 4) == want[i].q[1]);
		CHECK(colour_at(dec, w, w / 4, 3 * h / 4) == want[i].q[2]);
		CHECK(colour_at(dec, w, 3 * w / 4, 3 * h / 4) == want[i].q[3]);
		if (colour_at(dec, w, w / 4, h / 4) != want[i].q[0])
			fprintf(stderr, "orientation %d\n", want[i].o);
		free(dec);
		image_clear(&img);
		free(in.p);
		free(app1.p);
	}
	free(plain.p);
	free(px);
}

/* Grey stays grey; CMYK (Adobe, inverted inks) comes out RGB. */
static void
test_jpeg_grey_and_cmyk(void)
{
	unsigned char	 grey[16 * 16], cmyk[16 * 16 * 4], *dec;
	struct bytes	 in, out;
	struct image	 img;
	unsigned int	 w, h, i;
	int		 comps;

	memset(grey, 200, sizeof(grey));
	in = make_jpeg(grey, 16, 16, 1, JCS_GRAYSCALE, 0);
	CHECK(image_reencode(in.p, in.n, &img) == IMAGE_OK);
	out.p = img.data;
	out.n = img.len;
	dec = decode_jpeg(out, &w, &h, &comps);
	CHECK(comps == 1 && dec[0] >= 195 && dec[0] <= 205);
	free(dec);
	image_clear(&img);
	free(in.p);

	/* Inverted: 255 is no ink.  Left half no ink, right half black. */
	for (i = 0; i < 16 * 16; i++) {
		memset(cmyk + 4 * i, 255, 3);
		cmyk[4 * i + 3] = i % 16 < 8 ? 255 : 0;
	}
	in = make_jpeg(cmyk, 16, 16, 4, JCS_CMYK, 0);
	CHECK(image_reencode(in.p, in.n, &img) == IMAGE_OK);
	out.p = img.data;
	out.n = img.len;
	CHECK(jpeg_clean(out));
	dec = decode_jpeg(out, &w, &h, &comps);
	CHECK(comps == 3 && dec[0] > 230 && dec[1] > 230 && dec[2] > 230);
	CHECK(dec[3 * 15] < 25 && dec[3 * 15 + 1] < 25);
	free(dec);
	image_clear(&img);
	free(in.p);
}

/*
 * Every PNG kind comes out with the same pixels (16-bit made 8-bit) and
 * only IHDR, PLTE, tRNS, IDAT and IEND, even with a 70 KB tEXt.
 */
static void
test_png_loses_text_and_keeps_pixels(void)
{
	static const struct pngspec specs[] = {
		{ PNG_COLOR_TYPE_RGB, 8, PNG_INTERLACE_NONE, 1, 70000 },
		{ PNG_COLOR_TYPE_RGB_ALPHA, 8, PNG_INTERLACE_ADAM7, 1, 10 },
		{ PNG_COLOR_TYPE_PALETTE, 8, PNG_INTERLACE_NONE, 1, 10 },
		{ PNG_COLOR_TYPE_PALETTE, 2, PNG_INTERLACE_ADAM7, 0, 0 },
		{ PNG_COLOR_TYPE_GRAY, 1, PNG_INTERLACE_NONE, 1, 10 },
		{ PNG_COLOR_TYPE_GRAY_ALPHA, 16, PNG_INTERLACE_NONE, 1, 10 },
		{ PNG_COLOR_TYPE_RGB, 16, PNG_INTERLACE_ADAM7, 0, 0 },
	};
	struct bytes	 in, out;
	struct image	 img;
	unsigned char	*a, *b;
	unsigned int	 wa, ha, wb, hb;
	size_t		 i, k, worst;

	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		in = make_png(&specs[i], 37, 21);
		CHECK(specs[i].metadata == 0 || contains(in, SECRET));
		CHECK(image_reencode(in.p, in.n, &img) == IMAGE_OK);
		out.p = img.data;
		out.n = img.len;
		CHECK(img.type == IMAGE_PNG && img.width == 37 &&
		    img.height == 21);
		CHECK(png_chunks_clean(out));
		CHECK(!contains(out, SECRET));
		/* Interlacing undone: byte 28 of the file is IHDR's. */
		CHECK(out.n > 28 && out.p[28] == 0);
		a = decode_png(in, &wa, &ha);
		b = decode_png(out, &wb, &hb);
		CHECK(a != NULL && b != NULL && wa == wb && ha == hb);
		for (worst = 0, k = 0; a && b && k < (size_t)wa * ha * 4; k++)
			if ((size_t)abs(a[k] - b[k]) > worst)
				worst = (size_t)abs(a[k] - b[k]);
		CHECK(worst <= 1);
		if (worst > 1)
			fprintf(stderr, "png spec %zu differs by %zu\n", i,
			    worst);
		free(a);
		free(b);
		image_clear(&img);
		free(in.p);
	}
}

/* Other formats, whatever they claim to be, are refused by their bytes. */
static void
test_other_formats_are_refused(void)
{
	static const char *const others[] = {
		"GIF89a\x01\0\x01\0\x80\0\0\0\0\0\xff\xff\xff!\xf9\x04\x01\0"
		    "\0\0\0,\0\0\0\0\x01\0\x01\0\0\x02\x02\x44\x01\0;",
		"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)"
		    "</script></svg>",
		"<?xml version=\"1.0\"?><svg/>",
		"<!DOCTYPE html><html><body>poster.jpg</body></html>",
		"RIFF\x24\0\0\0WEBPVP8 ",
		"\xff\xd8",			/* too short for the magic */
		"\x89PNG\r\n\x1a",		/* likewise */
	};
	struct image	 img;
	size_t		 i;

	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		CHECK(image_reencode(others[i], strlen(others[i]), &img) ==
		    IMAGE_UNSUPPORTED);
		CHECK(img.data == NULL && img.len == 0);
	}
	CHECK(image_reencode("", 0, &img) == IMAGE_UNSUPPORTED);
	CHECK(image_sniff("\xff\xd8\xff", 3) == IMAGE_JPEG);
	CHECK(image_sniff("\x89PNG\r\n\x1a\n", 8) == IMAGE_PNG);
	CHECK(strcmp(image_ext(IMAGE_JPEG), "jpg") == 0);
	CHECK(strcmp(image_ext(IMAGE_PNG), "png") == 0);
	CHECK(image_ext(IMAGE_NONE) == NULL);
	/* The right magic in front of something else decodes to nothing. */
	CHECK(image_reencode("\xff\xd8\xff<html>", 9, &img) ==
	    IMAGE_CORRUPT);
	CHECK(image_reencode("\x89PNG\r\n\x1a\n<html></html>", 21, &img) ==
	    IMAGE_CORRUPT);
}

/* Every prefix of a JPEG and of a PNG is refused, and leaks nothing. */
static void
test_truncated_is_refused(void)
{
	static const struct pngspec spec = { PNG_COLOR_TYPE_RGB, 8,
	    PNG_INTERLACE_NONE, 0, 0 };
	unsigned char	*px = quadrants(32, 16);
	struct bytes	 jpeg, prog, png;
	struct image	 img;
	size_t		 n, bad = 0;

	jpeg = make_jpeg(px, 32, 16, 3, JCS_RGB, 0);
	prog = make_jpeg(px, 32, 16, 3, JCS_RGB, 1);
	png = make_png(&spec, 32, 16);
	for (n = 0; n < jpeg.n; n++)
		bad += image_reencode(jpeg.p, n, &img) == IMAGE_OK;
	for (n = 0; n < prog.n; n++)
		bad += image_reencode(prog.p, n, &img) == IMAGE_OK;
	for (n = 0; n < png.n; n++)
		bad += image_reencode(png.p, n, &img) == IMAGE_OK;
	CHECK(bad == 0);
	CHECK(image_reencode(jpeg.p, jpeg.n - 2, &img) == IMAGE_CORRUPT);
	CHECK(image_reencode(png.p, png.n - 12, &img) == IMAGE_CORRUPT);
	/* The whole files still pass. */
	CHECK(image_reencode(jpeg.p, jpeg.n, &img) == IMAGE_OK);
	image_clear(&img);
	CHECK(image_reencode(png.p, png.n, &img) == IMAGE_OK);
	image_clear(&img);
	free(jpeg.p);
	free(prog.p);
	free(png.p);
	free(px);
}

/*
 * Damage: a bad CRC in IDAT, a broken Huffman table, and every single
 * byte of a file flipped in turn, which either still decodes or is
 * refused, never anything else (ASan watches the memory).
 */
static void
test_damaged_is_refused_cleanly(void)
{
	static const struct pngspec spec = { PNG_COLOR_TYPE_RGB_ALPHA, 8,
	    PNG_INTERLACE_ADAM7, 0, 0 };
	unsigned char	*px = quadrants(32, 16), *idat;
	struct bytes	 jpeg, png, copy;
	struct image	 img;
	enum image_rc	 rc;
	size_t		 i, odd = 0;

	png = make_png(&spec, 32, 16);
	copy.p = malloc(png.n);
	copy.n = png.n;
	memcpy(copy.p, png.p, png.n);
	idat = memmem(copy.p, copy.n, "IDAT", 4);
	CHECK(idat != NULL);
	if (idat != NULL)
		idat[4] ^= 0x01;
	CHECK(image_reencode(copy.p, copy.n, &img) == IMAGE_CORRUPT);
	for (i = 0; i < png.n; i++) {
		memcpy(copy.p, png.p, png.n);
		copy.p[i] ^= 0x5a;
		rc = image_reencode(copy.p, copy.n, &img);
		odd += rc != IMAGE_OK && rc != IMAGE_CORRUPT &&
		    rc != IMAGE_UNSUPPORTED && rc != IMAGE_DIMENSIONS;
		image_clear(&img);
	}
	free(copy.p);

	jpeg = make_jpeg(px, 32, 16, 3, JCS_RGB, 1);
	copy.p = malloc(jpeg.n);
	copy.n = jpeg.n;
	for (i = 0; i < jpeg.n; i++) {
		memcpy(copy.p, jpeg.p, jpeg.n);
		copy.p[i] ^= 0x5a;
		rc = image_reencode(copy.p, copy.n, &img);
		odd += rc != IMAGE_OK && rc != IMAGE_CORRUPT &&
		    rc != IMAGE_UNSUPPORTED && rc != IMAGE_DIMENSIONS;
		image_clear(&img);
	}
	/* A DHT marker's table class made nonsense. */
	memcpy(copy.p, jpeg.p, jpeg.n);
	idat = memmem(copy.p, copy.n, "\xff\xc4", 2);
	CHECK(idat != NULL);
	if (idat != NULL)
		idat[4] = 0x7f;
	CHECK(image_reencode(copy.p, copy.n, &img) == IMAGE_CORRUPT);
	CHECK(odd == 0);
	free(copy.p);
	free(jpeg.p);
	free(png.p);
	free(px);
}

/* Too many pixels is refused from the header; the limit itself passes. */
static void
test_dimensions_are_limited(void)
{
	unsigned char	*px = calloc((size_t)(IMAGE_SIDE_MAX + 1) * 3, 8);
	struct bytes	 wide, edge, tall;
	struct image	 img;
	/* The signature and an IHDR of 100000 x 1, nothing after it. */
	static const unsigned char huge_png[] = {
	    0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
	    0, 0, 0, 13, 'I', 'H', 'D', 'R',
	    0, 0x01, 0x86, 0xa0, 0, 0, 0, 1, 8, 2, 0, 0, 0,
	    0, 0, 0, 0,
	};

	wide = make_jpeg(px, IMAGE_SIDE_MAX + 1, 8, 3, JCS_RGB, 0);
	edge = make_jpeg(px, IMAGE_SIDE_MAX, 8, 3, JCS_RGB, 0);
	tall = make_jpeg(px, 8, IMAGE_SIDE_MAX + 1, 3, JCS_RGB, 0);
	CHECK(image_reencode(wide.p, wide.n, &img) == IMAGE_DIMENSIONS);
	CHECK(image_reencode(tall.p, tall.n, &img) == IMAGE_DIMENSIONS);
	CHECK(image_reencode(edge.p, edge.n, &img) == IMAGE_OK);
	CHECK(img.width == IMAGE_SIDE_MAX);
	image_clear(&img);
	CHECK(image_reencode(huge_png, sizeof(huge_png), &img) ==
	    IMAGE_DIMENSIONS);
	free(wide.p);
	free(edge.p);
	free(tall.p);
	free(px);
}

/* More bytes than IMAGE_BYTES_MAX: refused before a byte is looked at. */
static void
test_bytes_are_limited(void)
{
	unsigned char	*big = calloc(1, IMAGE_BYTES_MAX + 1);
	struct image	 img;

	memcpy(big, "\xff\xd8\xff", 3);
	CHECK(image_reencode(big, IMAGE_BYTES_MAX + 1, &img) ==
	    IMAGE_TOO_LARGE);
	CHECK(image_reencode(big, IMAGE_BYTES_MAX, &img) == IMAGE_CORRUPT);
	free(big);
}

/* Counts the entries of dir other than "." and "..". */
static int
entries(const char *dir)
{
	DIR		*d = opendir(dir);
	struct dirent	*e;
	int		 n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

/*
 * Storing: the path names the hash of the re-encoded bytes, the file
 * holds them (0644), a second store of the same upload is the same file,
 * a refused upload writes nothing, an unwritable media_dir is ours.
 */
static void
test_store_poster(void)
{
	char		 dir[] = "/tmp/biljett-test-image-XXXXXX", err[256];
	char		 path[MEDIA_PATH_MAX], again[MEDIA_PATH_MAX];
	char		 file[512], sub[128], blocker[128];
	unsigned char	*px = quadrants(32, 16), *disk;
	struct bytes	 plain, app1, in;
	struct image	 img;
	struct conf	 conf;
	struct stat	 st;
	FILE		*f;
	size_t		 i;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(sub, sizeof(sub), "%s/media", dir);
	setenv("BILJETT_MEDIA_DIR", sub, 1);
	CHECK(conf_load(&conf, NULL, err, sizeof(err)) == 0);
	plain = make_jpeg(px, 32, 16, 3, JCS_RGB, 0);
	app1 = exif_app1(6);
	in = insert_after_soi(plain, app1);

	CHECK(image_store_poster(&conf, in.p, in.n, path, sizeof(path)) ==
	    IMAGE_OK);
	CHECK(strncmp(path, "/media/posters/", 15) == 0);
	CHECK(strlen(path) == 15 + 3 + 64 + 4);
	CHECK(strcmp(path + strlen(path) - 4, ".jpg") == 0);
	CHECK(strncmp(path + 15, path + 18, 2) == 0);	/* ab/ab… */
	for (i = 18; i < 18 + 64; i++)
		CHECK(strchr("0123456789abcdef", path[i]) != NULL);
	snprintf(file, sizeof(file), "%s%s", sub, path + 6);
	CHECK(stat(file, &st) == 0 && (st.st_mode & 0777) == 0644);

	/* The bytes are the re-encoded ones, whole. */
	CHECK(image_reencode(in.p, in.n, &img) == IMAGE_OK);
	disk = malloc(img.len + 1);
	f = fopen(file, "rb");
	CHECK(f != NULL && fread(disk, 1, img.len + 1, f) == img.len);
	CHECK(memcmp(disk, img.data, img.len) == 0);
	if (f != NULL)
		fclose(f);
	free(disk);
	image_clear(&img);

	/* Again: the same name, one file, no temporary left. */
	CHECK(image_store_poster(&conf, in.p, in.n, again, sizeof(again)) ==
	    IMAGE_OK);
	CHECK(strcmp(path, again) == 0);
	*strrchr(file, '/') = '\0';
	CHECK(entries(file) == 1);

	/* Refused uploads store nothing and leave path empty. */
	CHECK(image_store_poster(&conf, "GIF89a", 6, path, sizeof(path)) ==
	    IMAGE_UNSUPPORTED);
	CHECK(path[0] == '\0');
	snprintf(file, sizeof(file), "%s/posters", sub);
	CHECK(entries(file) == 1);
	/* No room for the path. */
	CHECK(image_store_poster(&conf, in.p, in.n, path, 20) == IMAGE_ERROR);
	CHECK(path[0] == '\0');
	conf_clear(&conf);

	/* A media_dir under a file cannot be made: a 500, not the upload's. */
	snprintf(blocker, sizeof(blocker), "%s/file", dir);
	f = fopen(blocker, "w");
	if (f != NULL)
		fclose(f);
	snprintf(sub, sizeof(sub), "%s/file/media", dir);
	setenv("BILJETT_MEDIA_DIR", sub, 1);
	CHECK(conf_load(&conf, NULL, err, sizeof(err)) == 0);
	CHECK(image_store_poster(&conf, in.p, in.n, path, sizeof(path)) ==
	    IMAGE_ERROR);
	CHECK(path[0] == '\0');
	conf_clear(&conf);
	unsetenv("BILJETT_MEDIA_DIR");

	free(in.p);
	free(app1.p);
	free(plain.p);
	free(px);
	snprintf(file, sizeof(file), "rm -rf '%s'", dir);
	CHECK(system(file) == 0);
}

int
main(void)
{
	CHECK(crypto_init() == 0);
	CHECK(strcmp(image_rc_name(IMAGE_CORRUPT), "IMAGE_CORRUPT") == 0);
	test_jpeg_loses_exif_and_comments();
	test_jpeg_orientation_is_applied();
	test_jpeg_grey_and_cmyk();
	test_png_loses_text_and_keeps_pixels();
	test_other_formats_are_refused();
	test_truncated_is_refused();
	test_damaged_is_refused_cleanly();
	test_dimensions_are_limited();
	test_bytes_are_limited();
	test_store_poster();
	return CHECK_DONE();
}
