/*
 * Fuzzes the template engine: input is a template, a NUL byte, then JSON
 * data; parse, then render in both modes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "tmpl.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct tmpl	*self;

static const struct tmpl *
partial(void *arg, const char *name)
{
	(void)arg;
	return strcmp(name, "self") == 0 ? self : NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tmpl_opts html = { TMPL_HTML, partial, NULL, NULL, NULL };
	struct tmpl_opts text = { TMPL_TEXT, partial, NULL, NULL, NULL };
	const uint8_t	*nul = memchr(data, '\0', size);
	size_t		 tlen = nul != NULL ? (size_t)(nul - data) : size, len;
	cJSON		*json = NULL;
	char		 err[128], *out;

	if ((self = tmpl_parse((const char *)data, tlen, err, sizeof(err))) ==
	    NULL)
		return 0;
	if (nul != NULL)
		json = cJSON_ParseWithLength((const char *)nul + 1,
		    size - tlen - 1);
	free(tmpl_render(self, json, &html, &len));
	out = tmpl_render(self, json, &text, &len);
	free(out);
	cJSON_Delete(json);
	tmpl_free(self);
	self = NULL;
	return 0;
}
