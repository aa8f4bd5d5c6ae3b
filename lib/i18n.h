/*
 * Languages and message catalogues.  Catalogues are GNU gettext .po files
 * in po/, compiled with msgfmt at build time; this module reads the .mo
 * files itself (a sorted table, binary search) so each request can use
 * its own language without setlocale() or installed system locales.
 */
#ifndef BILJETT_I18N_H
#define BILJETT_I18N_H

#include <stddef.h>

enum lang {
	LANG_SV = 0,	/* the default: the product is Swedish first */
	LANG_EN,
	LANG_DE,
	LANG_FR,
	LANG__MAX
};

/*
 * Loads <dir>/<code>/LC_MESSAGES/biljett.mo for every language; a missing
 * catalogue leaves that language untranslated (msgids are English).
 * Returns the number of catalogues loaded.
 */
int		 i18n_load(const char *dir);
/* Frees the catalogues. */
void		 i18n_unload(void);

/*
 * Picks the language: an explicit choice (the "lang" cookie or query
 * parameter, may be NULL) first, then the best Accept-Language match by
 * q-value, else LANG_SV.  Pure apart from reading the tables.
 */
enum lang	 i18n_pick(const char *choice, const char *accept_language);
/* Returns "sv", "en", ... */
const char	*i18n_code(enum lang lang);
/* Returns the code's language, or LANG__MAX if unknown. */
enum lang	 i18n_parse(const char *code);

/* Marks a string for the catalogues without translating it here
 * (scripts/extract-messages.py collects N_("...")), as in gettext. */
#define N_(s)	(s)

/* The translation of msgid in lang, or msgid itself.  Never NULL. */
const char	*i18n_get(enum lang lang, const char *msgid);

#endif
