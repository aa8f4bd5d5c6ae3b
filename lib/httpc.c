/*
 * One outbound HTTP request over libcurl (httpc.h).  TLS 1.2 or later,
 * https only unless the caller allows plain http for a simulator on
 * loopback, no redirects followed: a payment call goes exactly where it
 * was configured to.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <sodium.h>

#include "httpc.h"
#include "limits.h"

/* The state of one transfer, for the callbacks. */
struct transfer {
	const struct httpc_req	*req;
	struct httpc_resp	*resp;
	size_t			 cap;		/* of resp->body */
	size_t			 max;		/* the body's cap */
	int			 overflow;
};

/* Appends a piece of the body, growing the buffer; stops past the cap. */
static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct transfer		*t = arg;
	struct httpc_resp	*r = t->resp;
	size_t			 len = size * n, cap;
	char			*grown;

	if (len > t->max - r->len) {
		t->overflow = 1;
		return 0;
	}
	if (r->len + len + 1 > t->cap) {
		cap = t->cap == 0 ? 4096 : t->cap;
		while (cap < r->len + len + 1)
			cap *= 2;
		if ((grown = realloc(r->body, cap)) == NULL)
			return 0;
		r->body = grown;
		t->cap = cap;
	}
	memcpy(r->body + r->len, p, len);
	r->len += len;
	r->body[r->len] = '\0';
	return len;
}

/* Copies a header's value (trimmed) into out if its name is name. */
static void
header_value(const char *line, size_t len, const char *name, char *out,
    size_t outsz)
{
	size_t		 nlen = strlen(name), vlen;
	const char	*v;

	if (len <= nlen || strncasecmp(line, name, nlen) != 0 ||
	    line[nlen] != ':')
		return;
	v = line + nlen + 1;
	vlen = len - nlen - 1;
	while (vlen > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vlen--;
	}
	while (vlen > 0 && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' ||
	    v[vlen - 1] == ' '))
		vlen--;
	if (vlen < outsz) {
		memcpy(out, v, vlen);
		out[vlen] = '\0';
	}
}

static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct transfer	*t = arg;
	size_t		 i;

	for (i = 0; i < HTTPC_WANT_MAX && t->req->want[i] != NULL; i++)
		header_value(p, size * n, t->req->want[i],
		    t->resp->header[i], sizeof(t->resp->header[i]));
	return size * n;
}

/* Frees a header list, wiping each line first (they may hold keys). */
static void
header_list_free(struct curl_slist *hdrs)
{
	struct curl_slist	*h;

	for (h = hdrs; h != NULL; h = h->next)
		sodium_memzero(h->data, strlen(h->data));
	curl_slist_free_all(hdrs);
}

/* Appends line to *hdrs.  Returns 0, or -1 (out of memory). */
static int
header_add(struct curl_slist **hdrs, const char *line)
{
	struct curl_slist	*grown;

	if ((grown = curl_slist_append(*hdrs, line)) == NULL)
		return -1;
	*hdrs = grown;
	return 0;
}

/* Builds the request's header list into *hdrs (NULL when there are
 * none).  Returns 0, or -1 when out of memory. */
static int
header_list(const struct httpc_req *req, struct curl_slist **hdrs)
{
	char	 ct[256];
	size_t	 i;

	*hdrs = NULL;
	if (req->body != NULL && ((size_t)snprintf(ct, sizeof(ct),
	    "Content-Type: %s", req->content_type != NULL ?
	    req->content_type : "application/octet-stream") >= sizeof(ct) ||
	    header_add(hdrs, ct) == -1))
		goto fail;
	for (i = 0; req->headers != NULL && req->headers[i] != NULL; i++)
		if (header_add(hdrs, req->headers[i]) == -1)
			goto fail;
	return 0;
fail:
	header_list_free(*hdrs);
	*hdrs = NULL;
	return -1;
}

/* Sets every option of the transfer on c. */
static void
setup(CURL *c, const struct httpc_req *req, struct transfer *t,
    struct curl_slist *hdrs, char *errbuf)
{
	curl_easy_setopt(c, CURLOPT_URL, req->url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, req->timeout > 0 ?
	    req->timeout : (long)HTTPC_TIMEOUT_DEFAULT);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT,
	    (long)HTTPC_CONNECT_SECONDS);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, req->plain_http ?
	    "http,https" : "https");
	curl_easy_setopt(c, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, t);
	if (req->ca != NULL && *req->ca != '\0')
		curl_easy_setopt(c, CURLOPT_CAINFO, req->ca);
	if (req->cert != NULL) {
		curl_easy_setopt(c, CURLOPT_SSLCERT, req->cert);
		curl_easy_setopt(c, CURLOPT_SSLKEY, req->key);
		if (req->key_password != NULL)
			curl_easy_setopt(c, CURLOPT_KEYPASSWD,
			    req->key_password);
	}
	if (req->body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)req->body_len);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
}

int
httpc_perform(const struct httpc_req *req, struct httpc_resp *resp,
    char *err, size_t errsz)
{
	struct transfer		 t;
	struct curl_slist	*hdrs = NULL;
	struct timespec		 t0, t1;
	char			 errbuf[CURL_ERROR_SIZE] = "";
	CURL			*c;
	CURLcode		 rc;

	memset(resp, 0, sizeof(*resp));
	memset(&t, 0, sizeof(t));
	t.req = req;
	t.resp = resp;
	t.max = req->body_max > 0 ? req->body_max : HTTPC_BODY_MAX;
	err[0] = '\0';
	if ((c = curl_easy_init()) == NULL) {
		snprintf(err, errsz, "curl_easy_init failed");
		return -1;
	}
	if (header_list(req, &hdrs) == -1) {
		snprintf(err, errsz, "out of memory for request headers");
		curl_easy_cleanup(c);
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	setup(c, req, &t, hdrs, errbuf);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	resp->ms = (t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000;
	if (t.overflow)
		snprintf(err, errsz, "response body over %zu bytes", t.max);
	else if (rc != CURLE_OK)
		snprintf(err, errsz, "%s", errbuf[0] ? errbuf :
		    curl_easy_strerror(rc));
	header_list_free(hdrs);
	curl_easy_cleanup(c);
	return rc == CURLE_OK ? 0 : -1;
}

void
httpc_resp_clear(struct httpc_resp *resp)
{
	if (resp == NULL)
		return;
	free(resp->body);
	resp->body = NULL;
	resp->len = 0;
}

int
httpc_url_scheme(const char *url)
{
	static const char *const loopback[] = {
		"http://127.0.0.1", "http://localhost", "http://[::1]",
	};
	size_t	 i, len;

	if (strncmp(url, "https://", 8) == 0)
		return 1;
	for (i = 0; i < sizeof(loopback) / sizeof(loopback[0]); i++) {
		len = strlen(loopback[i]);
		if (strncmp(url, loopback[i], len) == 0 &&
		    (url[len] == ':' || url[len] == '/' || url[len] == '\0'))
			return 2;
	}
	return 0;
}
