/*
 * Sending one message over SMTP with libcurl: MIME multipart/alternative
 * text + HTML, plus inline/attached files (ticket QR PNGs).  Only the
 * `biljett mail` command calls this: SMTP credentials live nowhere else.
 */
#ifndef BILJETT_MAIL_H
#define BILJETT_MAIL_H

#include <stddef.h>

struct mail_server {
	const char	*url;		/* smtp://host:port or smtps://host */
	const char	*user;		/* NULL: no AUTH; else TLS required */
	const char	*password;
	const char	*ca_file;	/* NULL: system CAs */
	long		 timeout;	/* seconds for the whole transfer */
};

struct mail_attachment {
	const char		*filename;	/* e.g. "ABCDEF.png" */
	const char		*content_type;	/* e.g. "image/png" */
	const char		*content_id;	/* NULL, or cid for the HTML */
	const unsigned char	*data;
	size_t			 len;
};

struct mail_msg {
	const char			*from;		/* bare address */
	const char			*from_name;	/* NULL or display name */
	const char			*to;		/* bare address */
	const char			*subject;	/* UTF-8; RFC 2047-encoded */
	const char			*text;		/* text/plain UTF-8 */
	const char			*html;		/* NULL or text/html UTF-8 */
	const struct mail_attachment	*att;
	size_t				 natt;
	const char			*message_id;	/* NULL: generated */
};

/*
 * Sends msg.  Returns 0 when the server accepted it, -1 otherwise with a
 * one-line reason (never containing the password) in err.  Safe to call
 * again for the same message: the caller retries with back-off.  With
 * credentials (user, or user info in url) smtp:// must upgrade with
 * STARTTLS: a server that does not offer it gets no AUTH and no
 * message; without, STARTTLS is used when offered.
 */
int	mail_send(const struct mail_server *srv, const struct mail_msg *msg,
	    char *err, size_t errsz);

/*
 * Returns non-zero if s is a plausible mail address for our purposes:
 * local@domain, ASCII, no spaces or control characters, at most
 * EMAIL_MAX bytes, a dot in the domain.  Pure; used by the validators.
 */
int	mail_addr_valid(const char *s);

#endif
