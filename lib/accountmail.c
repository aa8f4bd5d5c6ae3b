/*
 * Composing account mail.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "accountmail.h"
#include "conf.h"
#include "mail.h"
#include "mailconf.h"
#include "seal.h"
#include "tmpl.h"

struct kind {
	const char	*name;
	const char	*subject;
	const char	*path;	/* the link, before the token */
};

static const struct kind kinds[] = {
	{ "verify", "Bekräfta din e-postadress / Confirm your e-mail address",
	    "/api/auth/verify-email?token=" },
	{ "reset", "Återställ ditt lösenord / Reset your password",
	    "/reset-password?token=" },
	{ "email_change", "Bekräfta din nya e-postadress / Confirm your new "
	    "e-mail address", "/api/auth/email-change/confirm?token=" },
};

int
accountmail_send(const struct conf *conf, const char *kind,
    const char *recipient, const char *sealed, char *err, size_t errsz)
{
	struct tmpl_opts	 opts = { TMPL_TEXT, NULL, NULL, NULL, NULL };
	struct mail_server	 srv;
	struct mail_msg		 msg;
	const struct kind	*k = NULL;
	struct tmpl		*t = NULL;
	cJSON			*ctx = NULL;
	char			 path[1024], *token = NULL, *link = NULL;
	char			*text = NULL;
	size_t			 token_len = 0, text_len, i;
	int			 rc = -1;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].name, kind) == 0)
			k = &kinds[i];
	if (k == NULL) {
		snprintf(err, errsz, "unknown mail kind %s", kind);
		return -1;
	}
	if ((token = unseal(sealed, &token_len)) == NULL) {
		snprintf(err, errsz, "cannot open the sealed token (secret_key "
		    "changed?)");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/mail/%s.txt",
	    conf_str(conf, CONF_TEMPLATES), kind);
	if ((t = tmpl_load(path, err, errsz)) == NULL ||
	    asprintf(&link, "%s%s%s", conf_str(conf, CONF_PUBLIC_URL), k->path,
	    token) == -1) {
		link = NULL;
		goto out;
	}
	ctx = cJSON_CreateObject();
	cJSON_AddStringToObject(ctx, "link", link);
	if ((text = tmpl_render(t, ctx, &opts, &text_len)) == NULL) {
		snprintf(err, errsz, "%s: cannot render", path);
		goto out;
	}
	mailconf_smtp(conf, &srv, &msg);
	msg.to = recipient;
	msg.subject = k->subject;
	msg.text = text;
	rc = mail_send(&srv, &msg, err, errsz);
out:
	if (token != NULL) {
		sodium_memzero(token, token_len);
		free(token);
	}
	if (link != NULL) {
		sodium_memzero(link, strlen(link));
		free(link);
	}
	if (text != NULL) {
		sodium_memzero(text, strlen(text));
		free(text);
	}
	cJSON_Delete(ctx);
	tmpl_free(t);
	return rc;
}
