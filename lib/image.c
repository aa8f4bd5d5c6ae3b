/*
 * Image checks and re-encoding over libjpeg(-turbo) and libpng.
 *
 * Both libraries report errors by a callback that must not return; ours
 * longjmp()s.  So that a longjmp never skips memory we own, every
 * resource lives in a job struct in the caller's frame: one function
 * (jpeg_run, png_run) calls setjmp() and the libraries, and touches its
 * resources only through the job; its caller frees whatever the job
 * holds, however run ended.  No object local to a function that calls
 * setjmp() is read after a longjmp.
 */
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>
#include <png.h>

#include "conf.h"
#include "image.h"
#include "limits.h"
#include "log.h"
#include "media.h"

#define JPEG_QUALITY	85
#define OUT_CHUNK	(64 * 1024)	/* first size of an output buffer */

static const char *const rc_names[IMAGE__MAX] = {
	[IMAGE_OK] = "IMAGE_OK",
	[IMAGE_TOO_LARGE] = "IMAGE_TOO_LARGE",
	[IMAGE_UNSUPPORTED] = "IMAGE_UNSUPPORTED",
	[IMAGE_DIMENSIONS] = "IMAGE_DIMENSIONS",
	[IMAGE_CORRUPT] = "IMAGE_CORRUPT",
	[IMAGE_ERROR] = "IMAGE_ERROR",
};

/* A growing output buffer. */
struct outbuf {
	unsigned char	*data;
	size_t		 len;
	size_t		 cap;
};

/* Makes room for at least need bytes in all.  Returns 0 or -1 (OOM). */
static int
outbuf_reserve(struct outbuf *b, size_t need)
{
	unsigned char	*grown;
	size_t		 cap;

	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : OUT_CHUNK;
	while (cap < need) {
		if (cap > SIZE_MAX / 2)
			return -1;
		cap *= 2;
	}
	if ((grown = realloc(b->data, cap)) == NULL)
		return -1;
	b->data = grown;
	b->cap = cap;
	return 0;
}

/* -- pixels ------------------------------------------------------------ */

/* The 2- or 4-byte unsigned integer at p, in the TIFF's byte order. */
static unsigned int
exif_get(const unsigned char *p, int le, int bytes)
{
	unsigned int	 v = 0;
	int		 i;

	for (i = 0; i < bytes; i++)
		v |= (unsigned int)p[le ? i : bytes - 1 - i] << (8 * i);
	return v;
}

/*
 * The EXIF Orientation (1-8) in an APP1 marker's payload, or 1 when it
 * has none or makes no sense.  Reads only what lies inside len.
 */
static int
exif_orientation(const unsigned char *p, size_t len)
{
	const unsigned char	*tiff;
	size_t			 n, ifd, count, i, e;
	int			 le;
	unsigned int		 v;

	if (len < 6 + 8 || memcmp(p, "Exif\0\0", 6) != 0)
		return 1;
	tiff = p + 6;
	n = len - 6;
	if (memcmp(tiff, "II", 2) == 0)
		le = 1;
	else if (memcmp(tiff, "MM", 2) == 0)
		le = 0;
	else
		return 1;
	if (exif_get(tiff + 2, le, 2) != 42)
		return 1;
	/* IFD0: a count, then 12-byte entries (tag, type, count, value). */
	if ((ifd = exif_get(tiff + 4, le, 4)) > n - 2)
		return 1;
	count = exif_get(tiff + ifd, le, 2);
	for (i = 0; i < count; i++) {
		e = ifd + 2 + 12 * i;
		if (n < 12 || e > n - 12)
			return 1;
		if (exif_get(tiff + e, le, 2) != 0x0112)
			continue;
		/* SHORT (3), one of them, its value in the first two bytes. */
		if (exif_get(tiff + e + 2, le, 2) != 3 ||
		    exif_get(tiff + e + 4, le, 4) != 1)
			return 1;
		v = exif_get(tiff + e + 8, le, 2);
		return v >= 1 && v <= 8 ? (int)v : 1;
	}
	return 1;
}

/*
 * Copies the w x h image src (comps bytes a pixel) to dst turned the way
 * EXIF orientation o (2-8) says it is to be shown; dst is h x w for 5-8.
 * The switch names, for each destination pixel (x, y), its source.
 */
static void
orient(const unsigned char *src, size_t w, size_t h, size_t comps, int o,
    unsigned char *dst)
{
	size_t	 dw = o >= 5 ? h : w, dh = o >= 5 ? w : h, x, y, sx, sy;

	for (y = 0; y < dh; y++)
		for (x = 0; x < dw; x++) {
			switch (o) {
			case 2: sx = w - 1 - x; sy = y; break;
			case 3: sx = w - 1 - x; sy = h - 1 - y; break;
			case 4: sx = x; sy = h - 1 - y; break;
			case 5: sx = y; sy = x; break;
			case 6: sx = y; sy = h - 1 - x; break;
			case 7: sx = w - 1 - y; sy = h - 1 - x; break;
			case 8: sx = w - 1 - y; sy = x; break;
			default: sx = x; sy = y; break;
			}
			memcpy(dst + (y * dw + x) * comps,
			    src + (sy * w + sx) * comps, comps);
		}
}

/*
 * CMYK (a print designer's export) to RGB, in place: 4 bytes a pixel in,
 * 3 out.  Photoshop writes the inks inverted, and says so by an Adobe
 * marker; without one, 0 means no ink.
 */
static void
cmyk_to_rgb(unsigned char *px, size_t npx, int inverted)
{
	unsigned int	 c, m, y, k;
	size_t		 i;

	for (i = 0; i < npx; i++) {
		c = px[4 * i];
		m = px[4 * i + 1];
		y = px[4 * i + 2];
		k = px[4 * i + 3];
		if (!inverted) {
			c = 255 - c;
			m = 255 - m;
			y = 255 - y;
			k = 255 - k;
		}
		px[3 * i] = (unsigned char)(c * k / 255);
		px[3 * i + 1] = (unsigned char)(m * k / 255);
		px[3 * i + 2] = (unsigned char)(y * k / 255);
	}
}

/* -- JPEG -------------------------------------------------------------- */

struct jerr {
	struct jpeg_error_mgr	 pub;		/* first: libjpeg's view */
	jmp_buf			 jmp;
	enum image_rc		 fail;		/* what a longjmp means now */
};

struct jdest {
	struct jpeg_destination_mgr	 pub;	/* first: libjpeg's view */
	struct outbuf			*out;
};

struct jpegjob {
	const unsigned char		*in;
	size_t				 inlen;
	struct jerr			 err;
	struct jpeg_progress_mgr	 progress;
	struct jpeg_decompress_struct	 d;
	int				 have_d;
	struct jpeg_compress_struct	 c;
	int				 have_c;
	struct jdest			 dest;
	unsigned char			*px;	/* decoded pixels */
	unsigned char			*turned; /* px, oriented */
	struct outbuf			 out;
	unsigned int			 w, h;	/* of the output */
};

static void
jpeg_fail(j_common_ptr cinfo)
{
	struct jerr	*e = (struct jerr *)cinfo->err;

	if (e->pub.msg_code == JERR_OUT_OF_MEMORY)
		e->fail = IMAGE_ERROR;
	longjmp(e->jmp, 1);
}

/*
 * libjpeg's warnings for damaged data ("premature end of JPEG file", bad
 * Huffman codes) mean grey or garbled pixels where the picture was: such
 * a file is refused, at the first one.  A few warnings say nothing about
 * the pixels and are let through; trace messages (level > 0) are dropped.
 */
static void
jpeg_message(j_common_ptr cinfo, int level)
{
	if (level >= 0)
		return;
	switch (cinfo->err->msg_code) {
	case JWRN_EXTRANEOUS_DATA:	/* padding before a marker */
	case JWRN_JFIF_MAJOR:
	case JWRN_ADOBE_XFORM:
	case JWRN_BOGUS_ICC:
		return;
	default:
		(*cinfo->err->error_exit)(cinfo);
	}
}

/* A progressive JPEG of thousands of tiny scans costs minutes: stop it. */
static void
jpeg_progress(j_common_ptr cinfo)
{
	j_decompress_ptr	 d;

	if (!cinfo->is_decompressor)
		return;
	d = (j_decompress_ptr)cinfo;
	if (d->input_scan_number > IMAGE_JPEG_SCANS_MAX)
		ERREXIT(cinfo, JERR_BAD_PROGRESSION);
}

/* Our destination manager: libjpeg writes straight into job->out. */
static void
jdest_init(j_compress_ptr c)
{
	struct jdest	*d = (struct jdest *)c->dest;

	if (outbuf_reserve(d->out, OUT_CHUNK) == -1)
		ERREXIT(c, JERR_OUT_OF_MEMORY);
	d->out->len = 0;
	d->pub.next_output_byte = d->out->data;
	d->pub.free_in_buffer = d->out->cap;
}

/* Called with the whole buffer full. */
static boolean
jdest_empty(j_compress_ptr c)
{
	struct jdest	*d = (struct jdest *)c->dest;
	size_t		 used = d->out->cap;

	if (outbuf_reserve(d->out, used + 1) == -1)
		ERREXIT(c, JERR_OUT_OF_MEMORY);
	d->out->len = used;
	d->pub.next_output_byte = d->out->data + used;
	d->pub.free_in_buffer = d->out->cap - used;
	return TRUE;
}

static void
jdest_term(j_compress_ptr c)
{
	struct jdest	*d = (struct jdest *)c->dest;

	d->out->len = d->out->cap - d->pub.free_in_buffer;
}

/*
 * Reads the header, checks the size, decodes into j->px and turns it
 * upright into j->turned (or leaves it in j->px).  Returns the outcome;
 * *comps and *space say what the pixels are.
 */
static enum image_rc
jpeg_decode(struct jpegjob *j, int *comps, J_COLOR_SPACE *space)
{
	jpeg_saved_marker_ptr	 m;
	JSAMPROW		 row;
	size_t			 stride;
	int			 o = 1;

	jpeg_create_decompress(&j->d);
	j->have_d = 1;
	j->d.mem->max_memory_to_use = IMAGE_JPEG_MEM_MAX;
	j->progress.progress_monitor = jpeg_progress;
	j->d.progress = &j->progress;
	jpeg_mem_src(&j->d, j->in, (unsigned long)j->inlen);
	jpeg_save_markers(&j->d, JPEG_APP0 + 1, 0xffff);
	jpeg_read_header(&j->d, TRUE);

	/* Only markers read so far: check before anything is allocated. */
	if (j->d.image_width > IMAGE_SIDE_MAX ||
	    j->d.image_height > IMAGE_SIDE_MAX)
		return IMAGE_DIMENSIONS;
	switch (j->d.jpeg_color_space) {
	case JCS_GRAYSCALE:
		j->d.out_color_space = JCS_GRAYSCALE;
		break;
	case JCS_YCbCr:
	case JCS_RGB:
		j->d.out_color_space = JCS_RGB;
		break;
	case JCS_CMYK:
	case JCS_YCCK:
		j->d.out_color_space = JCS_CMYK;
		break;
	default:
		return IMAGE_CORRUPT;
	}
	for (m = j->d.marker_list; m != NULL; m = m->next)
		if (m->marker == JPEG_APP0 + 1 &&
		    (o = exif_orientation(m->data, m->data_length)) != 1)
			break;

	jpeg_start_decompress(&j->d);
	stride = (size_t)j->d.output_width * j->d.output_components;
	if ((j->px = malloc(stride * j->d.output_height)) == NULL)
		return IMAGE_ERROR;
	while (j->d.output_scanline < j->d.output_height) {
		row = j->px + stride * j->d.output_scanline;
		if (jpeg_read_scanlines(&j->d, &row, 1) != 1)
			return IMAGE_CORRUPT;
	}
	jpeg_finish_decompress(&j->d);

	*comps = j->d.output_components;
	*space = j->d.out_color_space;
	if (*space == JCS_CMYK) {
		cmyk_to_rgb(j->px, (size_t)j->d.output_width *
		    j->d.output_height, j->d.saw_Adobe_marker);
		*comps = 3;
		*space = JCS_RGB;
	}
	j->w = j->d.output_width;
	j->h = j->d.output_height;
	if (o != 1) {
		if ((j->turned = malloc((size_t)j->w * j->h * *comps)) == NULL)
			return IMAGE_ERROR;
		orient(j->px, j->w, j->h, (size_t)*comps, o, j->turned);
		if (o >= 5) {
			j->w = j->d.output_height;
			j->h = j->d.output_width;
		}
	}
	return IMAGE_OK;
}

/* Encodes the decoded pixels into j->out: no JFIF, Adobe, EXIF or COM. */
static void
jpeg_encode(struct jpegjob *j, int comps, J_COLOR_SPACE space)
{
	const unsigned char	*px = j->turned ? j->turned : j->px;
	JSAMPROW		 row;
	size_t			 stride = (size_t)j->w * comps;

	jpeg_create_compress(&j->c);
	j->have_c = 1;
	j->dest.pub.init_destination = jdest_init;
	j->dest.pub.empty_output_buffer = jdest_empty;
	j->dest.pub.term_destination = jdest_term;
	j->dest.out = &j->out;
	j->c.dest = &j->dest.pub;
	j->c.image_width = j->w;
	j->c.image_height = j->h;
	j->c.input_components = comps;
	j->c.in_color_space = space;
	jpeg_set_defaults(&j->c);
	jpeg_set_quality(&j->c, JPEG_QUALITY, TRUE);
	j->c.optimize_coding = TRUE;
	j->c.write_JFIF_header = FALSE;
	j->c.write_Adobe_marker = FALSE;
	jpeg_start_compress(&j->c, TRUE);
	while (j->c.next_scanline < j->c.image_height) {
		row = (JSAMPROW)(px + stride * j->c.next_scanline);
		jpeg_write_scanlines(&j->c, &row, 1);
	}
	jpeg_finish_compress(&j->c);
}

/* The one function that calls setjmp() for libjpeg; see the top. */
static enum image_rc
jpeg_run(struct jpegjob *j)
{
	enum image_rc	 rc;
	J_COLOR_SPACE	 space;
	int		 comps;

	j->err.fail = IMAGE_CORRUPT;
	j->d.err = jpeg_std_error(&j->err.pub);
	j->c.err = &j->err.pub;
	j->err.pub.error_exit = jpeg_fail;
	j->err.pub.emit_message = jpeg_message;
	if (setjmp(j->err.jmp))
		return j->err.fail;
	if ((rc = jpeg_decode(j, &comps, &space)) != IMAGE_OK)
		return rc;
	/* From here on a failure is ours (memory), not the upload's. */
	j->err.fail = IMAGE_ERROR;
	jpeg_encode(j, comps, space);
	return IMAGE_OK;
}

static enum image_rc
jpeg_reencode(const unsigned char *in, size_t inlen, struct image *out)
{
	struct jpegjob	*j;
	enum image_rc	 rc;

	/* On the heap: a jpegjob is several kilobytes. */
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return IMAGE_ERROR;
	j->in = in;
	j->inlen = inlen;
	if ((rc = jpeg_run(j)) == IMAGE_OK) {
		out->data = j->out.data;
		out->len = j->out.len;
		out->type = IMAGE_JPEG;
		out->width = j->w;
		out->height = j->h;
		j->out.data = NULL;
	}
	if (j->have_d)
		jpeg_destroy_decompress(&j->d);
	if (j->have_c)
		jpeg_destroy_compress(&j->c);
	free(j->px);
	free(j->turned);
	free(j->out.data);
	free(j);
	return rc;
}

/* -- PNG --------------------------------------------------------------- */

struct pngjob {
	const unsigned char	*in;
	size_t			 inlen;
	size_t			 inpos;
	jmp_buf			 jmp;
	enum image_rc		 fail;
	png_structp		 rd;
	png_infop		 rinfo;
	png_structp		 wr;
	png_infop		 winfo;
	unsigned char		*px;		/* one row, or all of them */
	png_bytep		*rows;		/* into px, when interlaced */
	struct outbuf		 out;
	unsigned int		 w, h;
};

/* libpng's error callback: never returns.  A write error is ours. */
static void
png_fail(png_structp png, png_const_charp msg)
{
	struct pngjob	*j = png_get_error_ptr(png);

	(void)msg;
	if (png == j->wr)
		j->fail = IMAGE_ERROR;
	longjmp(j->jmp, 1);
}

static void
png_quiet(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

static void
png_read_mem(png_structp png, png_bytep data, png_size_t len)
{
	struct pngjob	*j = png_get_io_ptr(png);

	if (len > j->inlen - j->inpos)
		png_error(png, "truncated");
	memcpy(data, j->in + j->inpos, len);
	j->inpos += len;
}

static void
png_write_mem(png_structp png, png_bytep data, png_size_t len)
{
	struct pngjob	*j = png_get_io_ptr(png);

	if (len > SIZE_MAX - j->out.len ||
	    outbuf_reserve(&j->out, j->out.len + len) == -1)
		png_error(png, "out of memory");
	memcpy(j->out.data + j->out.len, data, len);
	j->out.len += len;
}

static void
png_flush_mem(png_structp png)
{
	(void)png;
}

/*
 * The width and height in the IHDR chunk, which the signature must be
 * followed by, read by hand before libpng allocates anything.
 */
static enum image_rc
png_check_ihdr(const unsigned char *in, size_t len)
{
	uint32_t	 w, h;

	if (len < 8 + 8 + 13 || memcmp(in + 12, "IHDR", 4) != 0)
		return IMAGE_CORRUPT;
	w = (uint32_t)in[16] << 24 | (uint32_t)in[17] << 16 |
	    (uint32_t)in[18] << 8 | in[19];
	h = (uint32_t)in[20] << 24 | (uint32_t)in[21] << 16 |
	    (uint32_t)in[22] << 8 | in[23];
	if (w == 0 || h == 0)
		return IMAGE_CORRUPT;
	if (w > IMAGE_SIDE_MAX || h > IMAGE_SIDE_MAX)
		return IMAGE_DIMENSIONS;
	return IMAGE_OK;
}

/*
 * Sets up the reader: the size limits again (libpng's own check), every
 * chunk but IHDR, PLTE, tRNS, IDAT and IEND skipped unread (libpng's
 * own cap on a chunk's size, 8 MB in Debian's build, is above
 * IMAGE_BYTES_MAX: big XMP or ICC chunks are skipped, not refused), 16-bit
 * samples made 8-bit (with a 16-bit tRNS colour turned into alpha first,
 * as the colour would no longer match), interlacing undone.  Returns the
 * number of interlace passes.
 */
static int
png_read_setup(struct pngjob *j)
{
	int	 passes = 1;

	png_set_user_limits(j->rd, IMAGE_SIDE_MAX, IMAGE_SIDE_MAX);
	png_set_keep_unknown_chunks(j->rd, PNG_HANDLE_CHUNK_NEVER, NULL, -1);
	png_set_read_fn(j->rd, j, png_read_mem);
	png_read_info(j->rd, j->rinfo);
	if (png_get_bit_depth(j->rd, j->rinfo) == 16) {
		if (png_get_valid(j->rd, j->rinfo, PNG_INFO_tRNS))
			png_set_tRNS_to_alpha(j->rd);
		png_set_strip_16(j->rd);
	}
	if (png_get_interlace_type(j->rd, j->rinfo) != PNG_INTERLACE_NONE)
		passes = png_set_interlace_handling(j->rd);
	png_read_update_info(j->rd, j->rinfo);
	return passes;
}

/* The writer: the reader's IHDR (not interlaced), PLTE and tRNS only. */
static void
png_write_setup(struct pngjob *j)
{
	png_colorp	 pal;
	png_bytep	 alpha;
	png_color_16p	 colour;
	int		 type, npal, ntrans;

	type = png_get_color_type(j->rd, j->rinfo);
	png_set_write_fn(j->wr, j, png_write_mem, png_flush_mem);
	png_set_IHDR(j->wr, j->winfo, j->w, j->h,
	    png_get_bit_depth(j->rd, j->rinfo), type, PNG_INTERLACE_NONE,
	    PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	if (type == PNG_COLOR_TYPE_PALETTE &&
	    png_get_PLTE(j->rd, j->rinfo, &pal, &npal) == PNG_INFO_PLTE)
		png_set_PLTE(j->wr, j->winfo, pal, npal);
	if (!(type & PNG_COLOR_MASK_ALPHA) &&
	    png_get_tRNS(j->rd, j->rinfo, &alpha, &ntrans, &colour) ==
	    PNG_INFO_tRNS)
		png_set_tRNS(j->wr, j->winfo, alpha, ntrans, colour);
	png_write_info(j->wr, j->winfo);
}

/* The one function that calls setjmp() for libpng; see the top. */
static enum image_rc
png_run(struct pngjob *j)
{
	size_t		 rowbytes, y;
	int		 passes, pass;

	j->fail = IMAGE_CORRUPT;
	if (setjmp(j->jmp))
		return j->fail;
	if ((j->rd = png_create_read_struct(PNG_LIBPNG_VER_STRING, j,
	    png_fail, png_quiet)) == NULL ||
	    (j->rinfo = png_create_info_struct(j->rd)) == NULL ||
	    (j->wr = png_create_write_struct(PNG_LIBPNG_VER_STRING, j,
	    png_fail, png_quiet)) == NULL ||
	    (j->winfo = png_create_info_struct(j->wr)) == NULL)
		return IMAGE_ERROR;
	passes = png_read_setup(j);
	j->w = png_get_image_width(j->rd, j->rinfo);
	j->h = png_get_image_height(j->rd, j->rinfo);
	rowbytes = png_get_rowbytes(j->rd, j->rinfo);
	png_write_setup(j);

	/* Row by row; an interlaced image needs all of them at once. */
	if (passes == 1) {
		/* Zeroed: libpng leaves the padding bits of a last byte. */
		if ((j->px = calloc(1, rowbytes)) == NULL)
			return IMAGE_ERROR;
		for (y = 0; y < j->h; y++) {
			png_read_row(j->rd, j->px, NULL);
			png_write_row(j->wr, j->px);
		}
	} else {
		if ((j->px = calloc(j->h, rowbytes)) == NULL ||
		    (j->rows = calloc(j->h, sizeof(*j->rows))) == NULL)
			return IMAGE_ERROR;
		for (y = 0; y < j->h; y++)
			j->rows[y] = j->px + y * rowbytes;
		for (pass = 0; pass < passes; pass++)
			for (y = 0; y < j->h; y++)
				png_read_row(j->rd, j->rows[y], NULL);
		png_write_rows(j->wr, j->rows, j->h);
	}
	/* To IEND: a file cut short after its pixels is still cut short. */
	png_read_end(j->rd, NULL);
	png_write_end(j->wr, NULL);
	return IMAGE_OK;
}

static enum image_rc
png_reencode(const unsigned char *in, size_t inlen, struct image *out)
{
	struct pngjob	*j;
	enum image_rc	 rc;

	if ((rc = png_check_ihdr(in, inlen)) != IMAGE_OK)
		return rc;
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return IMAGE_ERROR;
	j->in = in;
	j->inlen = inlen;
	if ((rc = png_run(j)) == IMAGE_OK) {
		out->data = j->out.data;
		out->len = j->out.len;
		out->type = IMAGE_PNG;
		out->width = j->w;
		out->height = j->h;
		j->out.data = NULL;
	}
	png_destroy_read_struct(&j->rd, &j->rinfo, NULL);
	png_destroy_write_struct(&j->wr, &j->winfo);
	free(j->rows);
	free(j->px);
	free(j->out.data);
	free(j);
	return rc;
}

/* -- the interface ------------------------------------------------------- */

enum image_type
image_sniff(const void *buf, size_t len)
{
	static const unsigned char	 jpeg[] = { 0xff, 0xd8, 0xff };
	static const unsigned char	 png[] = { 0x89, 'P', 'N', 'G', '\r',
					    '\n', 0x1a, '\n' };

	if (len >= sizeof(jpeg) && memcmp(buf, jpeg, sizeof(jpeg)) == 0)
		return IMAGE_JPEG;
	if (len >= sizeof(png) && memcmp(buf, png, sizeof(png)) == 0)
		return IMAGE_PNG;
	return IMAGE_NONE;
}

const char *
image_ext(enum image_type type)
{
	switch (type) {
	case IMAGE_JPEG:
		return "jpg";
	case IMAGE_PNG:
		return "png";
	default:
		return NULL;
	}
}

enum image_rc
image_reencode(const void *buf, size_t len, struct image *out)
{
	memset(out, 0, sizeof(*out));
	/* The size first: nothing of a too large upload is looked at. */
	if (len > IMAGE_BYTES_MAX)
		return IMAGE_TOO_LARGE;
	switch (image_sniff(buf, len)) {
	case IMAGE_JPEG:
		return jpeg_reencode(buf, len, out);
	case IMAGE_PNG:
		return png_reencode(buf, len, out);
	default:
		return IMAGE_UNSUPPORTED;
	}
}

void
image_clear(struct image *out)
{
	if (out == NULL)
		return;
	free(out->data);
	memset(out, 0, sizeof(*out));
}

enum image_rc
image_store_poster(const struct conf *conf, const void *buf, size_t len,
    char *path, size_t pathsz)
{
	struct image	 img;
	enum image_rc	 rc;

	if (pathsz > 0)
		path[0] = '\0';
	if ((rc = image_reencode(buf, len, &img)) != IMAGE_OK) {
		if (rc == IMAGE_ERROR)
			log_err("image: out of memory re-encoding %zu bytes",
			    len);
		return rc;
	}
	if (media_put(conf_str(conf, CONF_MEDIA_DIR), "posters",
	    image_ext(img.type), img.data, img.len, path, pathsz) == -1)
		rc = IMAGE_ERROR;
	image_clear(&img);
	return rc;
}

const char *
image_rc_name(enum image_rc rc)
{
	return rc >= 0 && rc < IMAGE__MAX ? rc_names[rc] : "IMAGE_?";
}
