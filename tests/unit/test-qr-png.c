/* lib/qr: qr_png's PNG header, size, pixels, bad arguments, zbarimg. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <png.h>

#include "check.h"
#include "qr.h"

#define TEXT	"ABCDEF"
#define SCALE	4

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* Returns the IHDR width of png, or 0 if it does not look like one. */
static uint32_t
png_width(const unsigned char *png, size_t len)
{
	if (len < 33 || memcmp(png, "\x89PNG\r\n\x1a\n", 8) != 0 ||
	    be32(png + 8) != 13 || memcmp(png + 12, "IHDR", 4) != 0)
		return 0;
	return be32(png + 16);
}

/*
 * Decodes png with libpng and checks a few pixels: the quiet zone is
 * white and the top-left finder pattern has its dark ring, light ring
 * and dark centre where they belong.
 */
static void
check_pixels(const unsigned char *png, size_t len, uint32_t w, int scale)
{
	png_image	 img;
	unsigned char	*px;
	uint32_t	 q = 4 * (uint32_t)scale, s = (uint32_t)scale;

	memset(&img, 0, sizeof(img));
	img.version = PNG_IMAGE_VERSION;
	CHECK(png_image_begin_read_from_memory(&img, png, len) != 0);
	CHECK(img.width == w && img.height == w);
	img.format = PNG_FORMAT_GRAY;
	if ((px = malloc(PNG_IMAGE_SIZE(img))) == NULL) {
		png_image_free(&img);
		CHECK(px != NULL);
		return;
	}
	CHECK(png_image_finish_read(&img, NULL, px, 0, NULL) != 0);
#define PX(x, y)	px[(size_t)(y) * w + (x)]
	CHECK(PX(0, 0) == 255 && PX(w - 1, w - 1) == 255);
	CHECK(PX(q - 1, q - 1) == 255 && PX(q - 1, q) == 255);
	CHECK(PX(q, q) == 0 && PX(q + s - 1, q + s - 1) == 0);
	CHECK(PX(q + s, q + s) == 255);			/* light ring */
	CHECK(PX(q + 3 * s, q + 3 * s) == 0);		/* dark centre */
	CHECK(PX(q + 6 * s, q) == 0 && PX(q + 7 * s, q) == 255);
#undef PX
	free(px);
}

/* Decodes png with zbarimg when it is installed; checks it reads text. */
static void
check_zbar(const unsigned char *png, size_t len, const char *text)
{
	char	 path[] = "/tmp/biljett-qr-XXXXXX", cmd[128], out[256] = "";
	FILE	*f, *p;
	int	 fd;

	if (access("/usr/bin/zbarimg", X_OK) != 0) {
		fprintf(stderr, "zbarimg missing: not decoding\n");
		return;
	}
	if ((fd = mkstemp(path)) == -1) {
		CHECK(fd != -1);
		return;
	}
	if ((f = fdopen(fd, "wb")) == NULL) {
		close(fd);
		unlink(path);
		CHECK(f != NULL);
		return;
	}
	CHECK(fwrite(png, 1, len, f) == len);
	CHECK(fclose(f) == 0);
	snprintf(cmd, sizeof(cmd), "/usr/bin/zbarimg --raw -q %s 2>/dev/null",
	    path);
	if ((p = popen(cmd, "r")) != NULL) {
		if (fgets(out, sizeof(out), p) == NULL)
			out[0] = '\0';
		CHECK(pclose(p) == 0);
	}
	out[strcspn(out, "\n")] = '\0';
	CHECK(strcmp(out, text) == 0);
	if (strcmp(out, text) != 0)
		fprintf(stderr, "  zbarimg read [%s], want [%s]\n", out, text);
	unlink(path);
}

/* qr_png with bad arguments: -1, and nothing handed back. */
static void
check_bad(const char *text, int scale)
{
	unsigned char	*png = (unsigned char *)"x";
	size_t		 len = 1;

	CHECK(qr_png(text, scale, &png, &len) == -1);
	CHECK(png == NULL && len == 0);
}

int
main(void)
{
	unsigned char	*png = NULL;
	char		 big[1026];
	size_t		 len = 0;
	uint32_t	 w, w1, modules;

	CHECK(qr_png(TEXT, SCALE, &png, &len) == 0);
	CHECK(png != NULL && len > 33);
	if (png == NULL)
		return CHECK_DONE();
	CHECK(memcmp(png, "\x89PNG\r\n\x1a\n", 8) == 0);
	w = png_width(png, len);
	CHECK(w > 0 && w == be32(png + 20));		/* square */
	CHECK(w % SCALE == 0);
	modules = w / SCALE - 8;		/* 4-module quiet zone */
	CHECK(modules == 21 || modules == 25);
	CHECK(png[24] == 1);				/* bit depth */
	CHECK(png[25] == 0);				/* greyscale */
	CHECK(png[28] == 0);				/* not interlaced */
	check_pixels(png, len, w, SCALE);
	check_zbar(png, len, TEXT);
	free(png);

	/* The same text at scale 1 has the same modules. */
	CHECK(qr_png(TEXT, 1, &png, &len) == 0);
	w1 = png != NULL ? png_width(png, len) : 0;
	CHECK(w1 == modules + 8);
	free(png);
	CHECK(qr_png(TEXT, 32, &png, &len) == 0);
	CHECK(png != NULL && png_width(png, len) == (modules + 8) * 32);
	free(png);

	/* 1024 bytes is the most text accepted. */
	memset(big, 'A', 1024);
	big[1024] = '\0';
	CHECK(qr_png(big, 1, &png, &len) == 0 && png != NULL);
	free(png);
	big[1024] = 'A';
	big[1025] = '\0';
	check_bad(big, 1);

	check_bad(NULL, SCALE);
	check_bad("", SCALE);
	check_bad(TEXT, 0);
	check_bad(TEXT, -1);
	check_bad(TEXT, 33);
	return CHECK_DONE();
}
