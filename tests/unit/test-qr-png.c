/*
 * lib/qr: a QR code PNG with the right size and depth that decodes back
 * to its text (with zbarimg, when installed).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "qr.h"

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

int
main(void)
{
	unsigned char	*png = NULL;
	size_t		 len = 0;
	uint32_t	 w, modules;
	char		 path[] = "/tmp/biljett-qr-XXXXXX", cmd[128], out[64] = "";
	FILE		*f, *p;
	int		 fd;

	CHECK(qr_png("ABCDEF", 4, &png, &len) == 0);
	CHECK(len > 33 && memcmp(png, "\x89PNG\r\n\x1a\n", 8) == 0);
	CHECK(memcmp(png + 12, "IHDR", 4) == 0);
	w = be32(png + 16);
	CHECK(w == be32(png + 20));
	CHECK(w % 4 == 0);
	modules = w / 4 - 8;
	CHECK(modules == 21 || modules == 25);
	CHECK(png[24] == 1 && png[25] == 0);	/* 1-bit greyscale */

	if (access("/usr/bin/zbarimg", X_OK) == 0) {
		fd = mkstemp(path);
		f = fdopen(fd, "wb");
		fwrite(png, 1, len, f);
		fclose(f);
		snprintf(cmd, sizeof(cmd), "/usr/bin/zbarimg --raw -q %s", path);
		if ((p = popen(cmd, "r")) != NULL) {
			if (fgets(out, sizeof(out), p) == NULL)
				out[0] = '\0';
			pclose(p);
		}
		out[strcspn(out, "\n")] = '\0';
		CHECK(strcmp(out, "ABCDEF") == 0);
		unlink(path);
	} else
		fprintf(stderr, "zbarimg missing: not decoding\n");
	free(png);

	CHECK(qr_png("", 4, &png, &len) == -1);
	CHECK(qr_png("x", 0, &png, &len) == -1);
	CHECK(qr_png("x", 33, &png, &len) == -1);
	CHECK(qr_png(NULL, 4, &png, &len) == -1);
	return CHECK_DONE();
}
