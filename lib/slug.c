/*
 * URL slugs (slug.h).
 */
#include <stdint.h>
#include <string.h>

#include "slug.h"

/* Latin-1 Supplement and Latin Extended-A letters people type in event
 * titles, as ASCII.  Indexed by code point - 0xc0. */
static const char *const latin1[64] = {
	"a", "a", "a", "a", "a", "a", "ae", "c",	/* À-Ç */
	"e", "e", "e", "e", "i", "i", "i", "i",		/* È-Ï */
	"d", "n", "o", "o", "o", "o", "o", NULL,	/* Ð-× */
	"o", "u", "u", "u", "u", "y", "th", "ss",	/* Ø-ß */
	"a", "a", "a", "a", "a", "a", "ae", "c",	/* à-ç */
	"e", "e", "e", "e", "i", "i", "i", "i",		/* è-ï */
	"d", "n", "o", "o", "o", "o", "o", NULL,	/* ð-÷ */
	"o", "u", "u", "u", "u", "y", "th", "y",	/* ø-ÿ */
};

/* Decodes one UTF-8 sequence at *p (advancing it); 0xfffd if invalid. */
static uint32_t
next_cp(const unsigned char **p)
{
	const unsigned char	*s = *p;
	uint32_t		 cp;
	int			 n, i;

	if (s[0] < 0x80) {
		*p = s + 1;
		return s[0];
	}
	if ((s[0] & 0xe0) == 0xc0) {
		n = 1;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 2;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 3;
		cp = s[0] & 0x07;
	} else {
		*p = s + 1;
		return 0xfffd;
	}
	for (i = 1; i <= n; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*p = s + i;
			return 0xfffd;
		}
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	*p = s + n + 1;
	return cp;
}

/* The ASCII spelling of cp, or NULL for a word break. */
static const char *
ascii_of(uint32_t cp, char one[2])
{
	if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) {
		one[0] = (char)cp;
		return one;
	}
	if (cp >= 'A' && cp <= 'Z') {
		one[0] = (char)(cp - 'A' + 'a');
		return one;
	}
	if (cp >= 0xc0 && cp <= 0xff)
		return latin1[cp - 0xc0];
	switch (cp) {
	case 0x152: case 0x153: return "oe";		/* Œ œ */
	case 0x160: case 0x161: return "s";		/* Š š */
	case 0x17d: case 0x17e: return "z";		/* Ž ž */
	case 0x179: case 0x17a: case 0x17b: case 0x17c: return "z";	/* Ź Ż */
	case 0x143: case 0x144: return "n";		/* Ń ń */
	case 0x15a: case 0x15b: return "s";		/* Ś ś */
	case 0x106: case 0x107: return "c";		/* Ć ć */
	case 0x118: case 0x119: return "e";		/* Ę ę */
	case 0x104: case 0x105: return "a";		/* Ą ą */
	case 0x141: case 0x142: return "l";		/* Ł ł */
	case 0x10c: case 0x10d: return "c";		/* Č č */
	case 0x158: case 0x159: return "r";		/* Ř ř */
	case 0x11a: case 0x11b: return "e";		/* Ě ě */
	default: return NULL;
	}
}

size_t
slug_make(const char *text, char *out, size_t outsz)
{
	const unsigned char	*p = (const unsigned char *)text;
	const char		*a;
	char			 one[2] = { 0, 0 };
	size_t			 len = 0, alen, last_break = 0;
	int			 pending_break = 0;

	if (outsz == 0)
		return 0;
	while (*p != '\0') {
		if ((a = ascii_of(next_cp(&p), one)) == NULL) {
			pending_break = len > 0;
			continue;
		}
		alen = strlen(a);
		if (len + pending_break + alen > outsz - 1) {
			len = last_break > 0 ? last_break : len;
			break;
		}
		if (pending_break) {
			last_break = len;
			out[len++] = '-';
			pending_break = 0;
		}
		memcpy(out + len, a, alen);
		len += alen;
	}
	if (len == 0 && outsz > 4) {
		memcpy(out, "item", 4);
		len = 4;
	}
	out[len] = '\0';
	return len;
}
