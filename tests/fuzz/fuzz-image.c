/*
 * Fuzzes image_reencode: arbitrary bytes through the checks, libjpeg or
 * libpng decoding and re-encoding (no file is written).  Whatever it
 * accepts must come out an image it accepts again, of the same type and
 * size: a re-encoder that wrote something it cannot read would store
 * broken posters.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "image.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct image	 img, again;

	if (image_reencode(data, size, &img) != IMAGE_OK)
		return 0;
	if (image_sniff(img.data, img.len) != img.type ||
	    image_reencode(img.data, img.len, &again) != IMAGE_OK ||
	    again.type != img.type || again.width != img.width ||
	    again.height != img.height)
		abort();
	image_clear(&again);
	image_clear(&img);
	return 0;
}
