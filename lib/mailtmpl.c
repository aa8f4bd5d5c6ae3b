/*
 * Mail templates and times (mailtmpl.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "conf.h"
#include "mail.h"
#include "mailconf.h"
#include "mailtmpl.h"
#include "tmpl.h"

char *
mailtmpl_render(const struct conf *conf, const char *name, const cJSON *ctx,
    enum tmpl_mode mode, char *err, size_t errsz)
{
	struct tmpl_opts opts = { mode, NULL, NULL, NULL, NULL };
	struct tmpl	*t;
	char		 path[1024], *out;
	size_t		 len;

	if ((size_t)snprintf(path, sizeof(path), "%s/mail/%s",
	    conf_str(conf, CONF_TEMPLATES), name) >= sizeof(path)) {
		snprintf(err, errsz, "template path too long");
		return NULL;
	}
	if ((t = tmpl_load(path, err, errsz)) == NULL)
		return NULL;
	if ((out = tmpl_render(t, ctx, &opts, &len)) == NULL)
		snprintf(err, errsz, "%s: cannot render", path);
	tmpl_free(t);
	return out;
}

int
mailtmpl_send(const struct conf *conf, const char *text_name,
    const char *html_name, const cJSON *ctx, const char *recipient,
    const char *subject, char *err, size_t errsz)
{
	struct mail_server	 srv;
	struct mail_msg		 msg;
	char			*text = NULL, *html = NULL;
	int			 rc = -1;

	if ((text = mailtmpl_render(conf, text_name, ctx, TMPL_TEXT, err,
	    errsz)) == NULL ||
	    (html = mailtmpl_render(conf, html_name, ctx, TMPL_HTML, err,
	    errsz)) == NULL)
		goto out;
	mailconf_smtp(conf, &srv, &msg);
	msg.to = recipient;
	msg.subject = subject;
	msg.text = text;
	msg.html = html;
	rc = mail_send(&srv, &msg, err, errsz);
out:
	free(text);
	free(html);
	return rc;
}

void
mailtmpl_when(int64_t t, char buf[MAILTMPL_WHEN_LEN])
{
	struct tm	 tm;
	time_t		 tt = (time_t)t;

	localtime_r(&tt, &tm);
	strftime(buf, MAILTMPL_WHEN_LEN, "%Y-%m-%d %H:%M", &tm);
}
