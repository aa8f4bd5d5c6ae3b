/*
 * lib/page: page_origin(), the one origin a page's CSP may be widened
 * for, from stripe_js_url: scheme and authority only, and nothing that
 * could end a CSP source or smuggle in another rule.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "limits.h"
#include "page.h"

static void
good(const char *url, const char *want)
{
	char	 out[CSP_ORIGIN_MAX + 1];

	CHECK(page_origin(url, out) == 0);
	if (strcmp(out, want) != 0)
		fprintf(stderr, "%s: got %s, want %s\n", url, out, want);
	CHECK(strcmp(out, want) == 0);
}

static void
bad(const char *url)
{
	char	 out[CSP_ORIGIN_MAX + 1] = "x";

	if (page_origin(url, out) != -1)
		fprintf(stderr, "%s: accepted as %s\n", url, out);
	CHECK(page_origin(url, out) == -1);
	CHECK(out[0] == '\0');
}

int
main(void)
{
	char	 longurl[CSP_ORIGIN_MAX + 64];

	good("https://js.stripe.com/v3/", "https://js.stripe.com");
	good("https://js.stripe.com", "https://js.stripe.com");
	good("http://127.0.0.1:40123/stripe.js", "http://127.0.0.1:40123");
	good("https://[::1]:8443/x", "https://[::1]:8443");
	good("https://js.example.org?v=3", "https://js.example.org");
	good("https://js.example.org#top", "https://js.example.org");

	bad(NULL);
	bad("");
	bad("js.stripe.com/v3/");
	bad("//js.stripe.com/v3/");
	bad("ftp://js.stripe.com/");
	bad("javascript:alert(1)");
	bad("https://");
	bad("https:///v3/");
	bad("https://:443/");
	bad("https://user@js.stripe.com/");
	bad("https://js.stripe.com; script-src *");
	bad("https://js.stripe.com 'unsafe-inline'");
	bad("https://js.stripe.com,https://evil.example");
	bad("https://js.stripe.com\r\nX: y");
	bad("https://*.stripe.com/");

	/* Longer than a CSP source may be here. */
	memset(longurl, 'a', sizeof(longurl) - 1);
	memcpy(longurl, "https://", 8);
	longurl[sizeof(longurl) - 1] = '\0';
	bad(longurl);
	return CHECK_DONE();
}
