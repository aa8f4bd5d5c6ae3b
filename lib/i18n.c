/*
 * A reader for GNU .mo catalogues and Accept-Language negotiation.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"

#define MO_MAGIC	0x950412deU
#define MO_MAX		(4 * 1024 * 1024)

static const char *const codes[LANG__MAX] = {
	[LANG_SV] = "sv",
	[LANG_EN] = "en",
	[LANG_DE] = "de",
	[LANG_FR] = "fr",
};

struct catalogue {
	unsigned char	*data;
	size_t		 len;
	uint32_t	 n;
	uint32_t	 orig;	/* offset of the originals table */
	uint32_t	 trans;	/* offset of the translations table */
};

static struct catalogue	cats[LANG__MAX];

static uint32_t
u32(const struct catalogue *c, uint32_t off)
{
	uint32_t	 v;

	memcpy(&v, c->data + off, sizeof(v));
	return v;
}

/* Checks that every table entry lies inside the file. */
static int
mo_valid(const struct catalogue *c)
{
	uint32_t	 i, len, off;

	if (c->len < 28 || u32(c, 0) != MO_MAGIC)
		return 0;
	if ((uint64_t)c->orig + (uint64_t)c->n * 8 > c->len ||
	    (uint64_t)c->trans + (uint64_t)c->n * 8 > c->len)
		return 0;
	for (i = 0; i < c->n; i++) {
		len = u32(c, c->orig + i * 8);
		off = u32(c, c->orig + i * 8 + 4);
		if ((uint64_t)off + len >= c->len || c->data[off + len] != '\0')
			return 0;
		len = u32(c, c->trans + i * 8);
		off = u32(c, c->trans + i * 8 + 4);
		if ((uint64_t)off + len >= c->len || c->data[off + len] != '\0')
			return 0;
	}
	return 1;
}

static int
load_one(struct catalogue *c, const char *path)
{
	FILE	*f;
	long	 size;

	memset(c, 0, sizeof(*c));
	if ((f = fopen(path, "rb")) == NULL)
		return 0;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > 0 &&
	    size <= MO_MAX && fseek(f, 0, SEEK_SET) == 0 &&
	    (c->data = malloc((size_t)size)) != NULL &&
	    fread(c->data, 1, (size_t)size, f) == (size_t)size) {
		c->len = (size_t)size;
		c->n = u32(c, 8);
		c->orig = u32(c, 12);
		c->trans = u32(c, 16);
	}
	fclose(f);
	if (c->data == NULL || !mo_valid(c)) {
		free(c->data);
		memset(c, 0, sizeof(*c));
		return 0;
	}
	return 1;
}

int
i18n_load(const char *dir)
{
	char	 path[4096];
	int	 i, n = 0;

	i18n_unload();
	for (i = 0; i < LANG__MAX; i++) {
		if ((size_t)snprintf(path, sizeof(path),
		    "%s/%s/LC_MESSAGES/biljett.mo", dir, codes[i]) >=
		    sizeof(path))
			continue;
		n += load_one(&cats[i], path);
	}
	return n;
}

void
i18n_unload(void)
{
	int	 i;

	for (i = 0; i < LANG__MAX; i++) {
		free(cats[i].data);
		memset(&cats[i], 0, sizeof(cats[i]));
	}
}

const char *
i18n_code(enum lang lang)
{
	return lang < LANG__MAX ? codes[lang] : codes[LANG_SV];
}

enum lang
i18n_parse(const char *code)
{
	int	 i;

	for (i = 0; code != NULL && i < LANG__MAX; i++)
		if (strcmp(code, codes[i]) == 0)
			return (enum lang)i;
	return LANG__MAX;
}

const char *
i18n_get(enum lang lang, const char *msgid)
{
	const struct catalogue	*c;
	uint32_t		 lo = 0, hi, mid, off;
	int			 cmp;

	if (lang >= LANG__MAX || (c = &cats[lang])->data == NULL ||
	    msgid == NULL || *msgid == '\0')
		return msgid;
	/* msgfmt sorts the originals, so a binary search finds msgid. */
	hi = c->n;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		off = u32(c, c->orig + mid * 8 + 4);
		cmp = strcmp(msgid, (const char *)c->data + off);
		if (cmp == 0) {
			off = u32(c, c->trans + mid * 8 + 4);
			return *(const char *)(c->data + off) != '\0' ?
			    (const char *)c->data + off : msgid;
		}
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return msgid;
}

enum lang
i18n_pick(const char *choice, const char *accept)
{
	enum lang	 best = LANG_SV, l;
	double		 best_q = -1, q;
	const char	*p, *end, *semi;
	char		 tag[16];
	size_t		 n;

	if ((l = i18n_parse(choice)) != LANG__MAX)
		return l;
	if (accept == NULL)
		return LANG_SV;
	/* "sv-SE,sv;q=0.9,en;q=0.8": the highest q among ours wins. */
	for (p = accept; *p != '\0'; p = *end ? end + 1 : end) {
		if ((end = strchr(p, ',')) == NULL)
			end = p + strlen(p);
		while (p < end && isspace((unsigned char)*p))
			p++;
		semi = memchr(p, ';', (size_t)(end - p));
		n = (size_t)((semi ? semi : end) - p);
		while (n > 0 && isspace((unsigned char)p[n - 1]))
			n--;
		if (n == 0 || n >= sizeof(tag))
			continue;
		memcpy(tag, p, n);
		tag[n] = '\0';
		q = 1.0;
		if (semi != NULL && (semi = strstr(semi, "q=")) != NULL &&
		    semi < end)
			q = strtod(semi + 2, NULL);
		if (strlen(tag) > 2 && tag[2] == '-')
			tag[2] = '\0';
		for (n = 0; tag[n] != '\0'; n++)
			tag[n] = (char)tolower((unsigned char)tag[n]);
		if ((l = i18n_parse(tag)) != LANG__MAX && q > best_q) {
			best = l;
			best_q = q;
		}
	}
	return best;
}
