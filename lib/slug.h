/*
 * URL slugs: "Vårspelet 2027 – Première!" becomes "varspelet-2027-premiere".
 */
#ifndef BILJETT_SLUG_H
#define BILJETT_SLUG_H

#include <stddef.h>

/*
 * Writes the slug of text (UTF-8) to out: lower-case a-z and 0-9, words
 * joined by single hyphens, common Latin letters with diacritics
 * transliterated (å -> a, ß -> ss, æ -> ae), anything else a word break.
 * At most outsz - 1 bytes, cut at a word break when it can be; "item" when
 * nothing is left.  Returns the length.  Pure.
 */
size_t	slug_make(const char *text, char *out, size_t outsz);

#endif
