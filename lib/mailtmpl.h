/*
 * The pieces every composed mail shares: its templates, read from
 * <templates>/mail/ each time a message is made (an operator's edit
 * takes effect at the next `biljett mail`), and the way it shows a
 * time, and sending a text and HTML pair.  Used by lib/ticketmail,
 * lib/cancelmail and lib/transfermail.
 */
#ifndef BILJETT_MAILTMPL_H
#define BILJETT_MAILTMPL_H

#include <stddef.h>
#include <stdint.h>

#include "tmpl.h"

struct conf;
struct cJSON;

#define MAILTMPL_WHEN_LEN	32

/*
 * Renders templates/mail/name with ctx in mode (TMPL_TEXT for the
 * text/plain part, TMPL_HTML for the HTML one).  Returns a malloc'd
 * string (free with free()), or NULL with a one-line reason naming the
 * file in err.
 */
char	*mailtmpl_render(const struct conf *conf, const char *name,
	    const struct cJSON *ctx, enum tmpl_mode mode, char *err,
	    size_t errsz);

/*
 * Renders templates/mail/text_name and html_name with ctx and sends
 * them as one message's two parts, under subject, to recipient through
 * the configured server (lib/mailconf).  Returns 0, or -1 with a
 * one-line reason in err.
 */
int	 mailtmpl_send(const struct conf *conf, const char *text_name,
	    const char *html_name, const struct cJSON *ctx,
	    const char *recipient, const char *subject, char *err,
	    size_t errsz);

/* Writes t as "2026-12-05 19:00" in the configured zone. */
void	 mailtmpl_when(int64_t t, char buf[MAILTMPL_WHEN_LEN]);

#endif
