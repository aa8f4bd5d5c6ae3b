/*
 * One outbound HTTP(S) request over libcurl: the exchange every payment
 * provider makes (Swish with mutual TLS, Stripe with a bearer key, M-Pesa
 * next).  A call is one fresh easy handle: calls are rare (a few per
 * payment) and a fresh handle keeps nothing between requests that could
 * leak across buyers.  httpc logs nothing: each provider logs its own
 * line, knowing what is safe to show.
 */
#ifndef BILJETT_HTTPC_H
#define BILJETT_HTTPC_H

#include <stddef.h>

#include "limits.h"

/* What to send.  Every pointer is borrowed for the call only. */
struct httpc_req {
	const char	*method;	/* "GET", "POST", "PUT", ... */
	const char	*url;		/* https:// (http:// if plain_http) */
	/* Extra request headers, "Name: value" each, NULL-terminated (or
	 * NULL).  They may carry secrets (Authorization): httpc wipes its
	 * copies before freeing them. */
	const char *const *headers;
	const char	*body;		/* NULL: none; "" sends an empty one */
	size_t		 body_len;
	const char	*content_type;	/* of body; required with one */
	/* Client certificate and key (PEM) for mutual TLS, or NULL. */
	const char	*cert;
	const char	*key;
	const char	*key_password;	/* NULL: the key is not encrypted */
	const char	*ca;		/* NULL or "": the system's CAs */
	long		 timeout;	/* seconds; <= 0: the default */
	size_t		 body_max;	/* response cap; 0: HTTPC_BODY_MAX */
	int		 plain_http;	/* allow http:// (a local simulator) */
	/* Response headers to keep, by name (case-insensitive); a NULL
	 * ends the list early. */
	const char	*want[HTTPC_WANT_MAX];
};

/* What came back. */
struct httpc_resp {
	long	 status;	/* HTTP status; 0 if none came */
	char	*body;		/* malloc'd, NUL-terminated; NULL when empty */
	size_t	 len;
	/* The values of req->want[i], trimmed; "" when absent or longer
	 * than HTTPC_HEADER_VALUE_MAX. */
	char	 header[HTTPC_WANT_MAX][HTTPC_HEADER_VALUE_MAX + 1];
	long	 ms;		/* how long the call took */
};

/*
 * Performs req into resp (which it initialises).  Returns 0 when a
 * response came, whatever its status, or -1 on a transport failure
 * (connect, TLS, timeout, a body over the cap) with a one-line reason in
 * err.  Either way clear resp with httpc_resp_clear().
 */
int		 httpc_perform(const struct httpc_req *req,
		    struct httpc_resp *resp, char *err, size_t errsz);

/* Frees resp's body (NULL-safe, idempotent). */
void		 httpc_resp_clear(struct httpc_resp *resp);

/* Is url https (1), or http on the loopback interface (2: a provider's
 * simulator), or neither (0)?  The only two a provider client may use. */
int		 httpc_url_scheme(const char *url);

#endif
