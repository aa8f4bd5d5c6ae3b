/*
 * SMTP submission over libcurl with a MIME body built by curl_mime:
 *
 *	multipart/mixed
 *	  multipart/alternative (text/plain, text/html)
 *	  image/png attachments (one per ticket)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <sodium.h>

#include "limits.h"
#include "log.h"
#include "mail.h"

#define LOCAL_MAX	64
#define HEADER_BUF	1024

int
mail_addr_valid(const char *s)
{
	const char	*at, *p, *label;
	size_t		 len;

	if (s == NULL || (len = strlen(s)) < 3 || len > EMAIL_MAX)
		return 0;
	if ((at = strchr(s, '@')) == NULL || strchr(at + 1, '@') != NULL ||
	    at == s || (size_t)(at - s) > LOCAL_MAX)
		return 0;
	/* The local part: printable ASCII minus what needs quoting. */
	for (p = s; p < at; p++)
		if (*p <= ' ' || *p >= 0x7f || strchr("()<>[]:;,\\\"", *p))
			return 0;
	if (s[0] == '.' || at[-1] == '.' || strstr(s, "..") != NULL)
		return 0;
	/* The domain: dot-separated labels of letters, digits, hyphens. */
	if (strchr(at + 1, '.') == NULL)
		return 0;
	for (label = p = at + 1;; p++) {
		if (*p == '.' || *p == '\0') {
			if (p == label || label[0] == '-' || p[-1] == '-' ||
			    p - label > 63)
				return 0;
			if (*p == '\0')
				break;
			label = p + 1;
			continue;
		}
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-'))
			return 0;
	}
	return 1;
}

static int
has_crlf(const char *s)
{
	return s != NULL && strpbrk(s, "\r\n") != NULL;
}

static int
is_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

/*
 * Writes s as RFC 2047 encoded words ("=?UTF-8?B?...?=" separated by
 * spaces) when it is not plain ASCII; words never split a UTF-8
 * character.  Returns 0, or -1 if out is too small.
 */
static int
encode_words(const char *s, char *out, size_t outsz)
{
	size_t	 len = strlen(s), off = 0, chunk, n;
	int	 w;

	if (is_ascii(s)) {
		w = snprintf(out, outsz, "%s", s);
		return w < 0 || (size_t)w >= outsz ? -1 : 0;
	}
	out[0] = '\0';
	while (len > 0) {
		chunk = len < 45 ? len : 45;
		/* Back up to a character boundary. */
		while (chunk < len && ((unsigned char)s[chunk] & 0xc0) == 0x80)
			chunk--;
		n = strlen(out);
		if (n + 16 + sodium_base64_ENCODED_LEN(chunk,
		    sodium_base64_VARIANT_ORIGINAL) >= outsz)
			return -1;
		w = snprintf(out + n, outsz - n, "%s=?UTF-8?B?", n ? " " : "");
		sodium_bin2base64(out + n + (size_t)w, outsz - n - (size_t)w,
		    (const unsigned char *)s, chunk,
		    sodium_base64_VARIANT_ORIGINAL);
		strcat(out, "?=");
		s += chunk;
		len -= chunk;
		off += chunk;
	}
	(void)off;
	return 0;
}

/* Adds "name: value" to a header list; -1 on truncation or OOM. */
static int
add_header(struct curl_slist **list, const char *name, const char *value)
{
	struct curl_slist	*grown;
	char			 line[HEADER_BUF];
	int			 n;

	n = snprintf(line, sizeof(line), "%s: %s", name, value);
	if (n < 0 || (size_t)n >= sizeof(line) || has_crlf(line))
		return -1;
	if ((grown = curl_slist_append(*list, line)) == NULL)
		return -1;
	*list = grown;
	return 0;
}

/* Builds the message headers. */
static int
build_headers(const struct mail_msg *msg, struct curl_slist **hdrs)
{
	char		 subject[HEADER_BUF / 2], name[HEADER_BUF / 4];
	char		 date[64], msgid[128], rnd[33], addr[HEADER_BUF];
	const char	*domain;
	struct tm	 tm;
	time_t		 now = time(NULL);
	unsigned char	 raw[16];

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	if (encode_words(msg->subject, subject, sizeof(subject)) == -1)
		return -1;
	if (msg->message_id != NULL)
		snprintf(msgid, sizeof(msgid), "%s", msg->message_id);
	else {
		randombytes_buf(raw, sizeof(raw));
		sodium_bin2hex(rnd, sizeof(rnd), raw, sizeof(raw));
		domain = strchr(msg->from, '@');
		snprintf(msgid, sizeof(msgid), "<%s@%s>", rnd,
		    domain != NULL ? domain + 1 : "biljett");
	}
	snprintf(addr, sizeof(addr), "<%s>", msg->to);
	if (add_header(hdrs, "Date", date) == -1 ||
	    add_header(hdrs, "To", addr) == -1 ||
	    add_header(hdrs, "Subject", subject) == -1 ||
	    add_header(hdrs, "Message-ID", msgid) == -1)
		return -1;
	if (msg->from_name != NULL && *msg->from_name != '\0') {
		if (encode_words(msg->from_name, name, sizeof(name)) == -1 ||
		    strpbrk(name, "\"<>") != NULL)
			return -1;
		snprintf(addr, sizeof(addr), "\"%s\" <%s>", name, msg->from);
	} else
		snprintf(addr, sizeof(addr), "<%s>", msg->from);
	return add_header(hdrs, "From", addr);
}

/* The body: alternative text/HTML, then the attachments. */
static curl_mime *
build_mime(CURL *c, const struct mail_msg *msg, struct curl_slist ***extra,
    size_t *nextra)
{
	curl_mime		*mime, *alt;
	curl_mimepart		*part;
	struct curl_slist	*h;
	char			 cid[160];
	size_t			 i;

	if ((mime = curl_mime_init(c)) == NULL)
		return NULL;
	if ((alt = curl_mime_init(c)) == NULL)
		goto err;
	part = curl_mime_addpart(alt);
	curl_mime_data(part, msg->text, CURL_ZERO_TERMINATED);
	curl_mime_type(part, "text/plain; charset=UTF-8");
	curl_mime_encoder(part, "quoted-printable");
	if (msg->html != NULL) {
		part = curl_mime_addpart(alt);
		curl_mime_data(part, msg->html, CURL_ZERO_TERMINATED);
		curl_mime_type(part, "text/html; charset=UTF-8");
		curl_mime_encoder(part, "quoted-printable");
	}
	part = curl_mime_addpart(mime);
	if (curl_mime_subparts(part, alt) != CURLE_OK) {
		curl_mime_free(alt);
		goto err;
	}
	curl_mime_type(part, "multipart/alternative");

	*nextra = 0;
	if (msg->natt > 0 &&
	    (*extra = calloc(msg->natt, sizeof(**extra))) == NULL)
		goto err;
	for (i = 0; i < msg->natt; i++) {
		const struct mail_attachment *a = &msg->att[i];

		if (has_crlf(a->filename) || has_crlf(a->content_type) ||
		    has_crlf(a->content_id) || strchr(a->filename, '"'))
			goto err;
		part = curl_mime_addpart(mime);
		curl_mime_data(part, (const char *)a->data, a->len);
		curl_mime_type(part, a->content_type);
		curl_mime_filename(part, a->filename);
		curl_mime_encoder(part, "base64");
		if (a->content_id != NULL) {
			snprintf(cid, sizeof(cid), "Content-ID: <%s>",
			    a->content_id);
			if ((h = curl_slist_append(NULL, cid)) == NULL)
				goto err;
			(*extra)[(*nextra)++] = h;
			/* The list stays ours (take_ownership 0). */
			curl_mime_headers(part, h, 0);
		}
	}
	return mime;
err:
	curl_mime_free(mime);
	return NULL;
}

/* Does url carry credentials of its own (smtp://user:pass@host)? */
static int
url_has_userinfo(const char *url)
{
	const char	*p;

	if ((p = strstr(url, "://")) == NULL)
		return 0;
	for (p += 3; *p != '\0' && *p != '/' && *p != '?' && *p != '#'; p++)
		if (*p == '@')
			return 1;
	return 0;
}

int
mail_send(const struct mail_server *srv, const struct mail_msg *msg,
    char *err, size_t errsz)
{
	CURL			*c = NULL;
	curl_mime		*mime = NULL;
	struct curl_slist	*hdrs = NULL, *rcpt = NULL, **extra = NULL;
	char			 from[EMAIL_MAX + 3], to[EMAIL_MAX + 3];
	char			 errbuf[CURL_ERROR_SIZE] = "";
	size_t			 nextra = 0, i;
	CURLcode		 rc;
	int			 ret = -1;
	int			 creds;

	err[0] = '\0';
	creds = (srv->user != NULL && *srv->user != '\0') ||
	    url_has_userinfo(srv->url);
	if (!mail_addr_valid(msg->from) || !mail_addr_valid(msg->to) ||
	    msg->subject == NULL || has_crlf(msg->subject) ||
	    has_crlf(msg->from_name) || msg->text == NULL) {
		snprintf(err, errsz, "invalid message headers");
		return -1;
	}
	if ((c = curl_easy_init()) == NULL) {
		snprintf(err, errsz, "curl_easy_init failed");
		return -1;
	}
	snprintf(from, sizeof(from), "<%s>", msg->from);
	snprintf(to, sizeof(to), "<%s>", msg->to);
	if (build_headers(msg, &hdrs) == -1 ||
	    (rcpt = curl_slist_append(NULL, to)) == NULL ||
	    (mime = build_mime(c, msg, &extra, &nextra)) == NULL) {
		snprintf(err, errsz, "cannot build the message");
		goto out;
	}
	curl_easy_setopt(c, CURLOPT_URL, srv->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, srv->timeout > 0 ?
	    srv->timeout : 60L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
	/*
	 * TLS: smtps:// always.  smtp:// upgrades with STARTTLS, which
	 * anyone on the path can strip from the server's EHLO reply; with
	 * TRY libcurl then carries on in clear, AUTH and all.  So with
	 * credentials STARTTLS is required (the transfer fails before
	 * AUTH), and only a server we never log in to may be reached in
	 * clear when it offers no TLS.
	 */
	curl_easy_setopt(c, CURLOPT_USE_SSL, (strncmp(srv->url, "smtps:", 6)
	    == 0 || creds) ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_TRY);
	if (srv->ca_file != NULL && *srv->ca_file != '\0')
		curl_easy_setopt(c, CURLOPT_CAINFO, srv->ca_file);
	if (srv->user != NULL && *srv->user != '\0') {
		curl_easy_setopt(c, CURLOPT_USERNAME, srv->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD,
		    srv->password != NULL ? srv->password : "");
	}
	if ((rc = curl_easy_perform(c)) != CURLE_OK) {
		/* errbuf holds the server's reply, never our password. */
		if (rc == CURLE_USE_SSL_FAILED && creds)
			snprintf(err, errsz, "the SMTP server offers no"
			    " STARTTLS; with credentials they are only sent"
			    " over TLS (%s)", errbuf[0] ? errbuf :
			    curl_easy_strerror(rc));
		else
			snprintf(err, errsz, "%s", errbuf[0] ? errbuf :
			    curl_easy_strerror(rc));
		log_warn("mail to %s failed: %s", msg->to, err);
		goto out;
	}
	log_info("mail to %s sent (%zu attachment%s)", msg->to, msg->natt,
	    msg->natt == 1 ? "" : "s");
	ret = 0;
out:
	curl_mime_free(mime);
	for (i = 0; i < nextra; i++)
		curl_slist_free_all(extra[i]);
	free(extra);
	curl_slist_free_all(hdrs);
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(c);
	return ret;
}
