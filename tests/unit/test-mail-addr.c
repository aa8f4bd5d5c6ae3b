/* lib/mail: mail_addr_valid on good, malformed and over-long addresses. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "limits.h"
#include "mail.h"

static const char *const good[] = {
	"a@b.se",
	"anna.svensson@kth.se",
	"anna.svensson+biljett@kth.example.org",
	"x_y-z@sub-domain.example.com",
	"UPPER@EXAMPLE.COM",
	"1234@123.example",
	"o'brien@example.ie",
	"a!#$%&*/=?^`{|}~@example.com",
	"a@b-c.d-e.se",
	"a@xn--sa-via.se",
};

static const char *const bad[] = {
	/* no @, two @, empty parts */
	"", "a", "ab.se", "a.b.se", "@b.se", "a@", "@",
	"a@@b.se", "a@b@c.se", "a@b.se@c.se",
	/* no dot in the domain */
	"a@b", "a@localhost",
	/* spaces and control characters */
	"a b@c.se", " a@b.se", "a@b.se ", "a@b .se", "a\t@b.se", "a@b.s\te",
	/* CR/LF injection */
	"a@b.se\r\nBcc: x@y.se", "a@b.se\nBcc: x@y.se", "a\r@b.se",
	"a@b.se\r", "a@b.se\n", "x@y.se>\r\nRCPT TO:<z@w.se",
	/* quotes and specials */
	"\"q\"@b.se", "\"a b\"@c.se", "a\"b@c.se", "a\\b@c.se", "a<b@c.se",
	"a@b.se>", "<a@b.se>", "a,b@c.se", "a;b@c.se", "a:b@c.se",
	"a(b)@c.se", "a[b]@c.se", "a@[127.0.0.1]",
	/* dots in the wrong places */
	".a@b.se", "a.@b.se", "a..b@c.se", ".@b.se",
	"a@.b.se", "a@b.se.", "a@b..se", "a@.", "a@b.",
	/* hyphens at label edges, other bad domain characters */
	"a@-b.se", "a@b-.se", "a@b.-se", "a@b.se-", "a@b_c.se", "a@b+c.se",
	"a@b!.se",
	/* non-ASCII */
	"\xc3\xa5sa@b.se", "a@\xc3\xa5.se", "a@b.s\xc3\xa9", "a\x7f@b.se",
	"a\x01@b.se",
};

static void
test_lists(void)
{
	size_t	 i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CHECK(mail_addr_valid(good[i]));
		if (!mail_addr_valid(good[i]))
			fprintf(stderr, "  rejected [%s]\n", good[i]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(!mail_addr_valid(bad[i]));
		if (mail_addr_valid(bad[i]))
			fprintf(stderr, "  accepted [%s]\n", bad[i]);
	}
	CHECK(!mail_addr_valid(NULL));
}

static void
test_lengths(void)
{
	char	 s[EMAIL_MAX + 64];

	/* 64 + 1 + 189 = EMAIL_MAX bytes, every label within 63. */
	memset(s, 'l', 64);
	snprintf(s + 64, sizeof(s) - 64, "@%063d.%063d.%061d", 0, 0, 0);
	CHECK(strlen(s) == EMAIL_MAX);
	CHECK(mail_addr_valid(s));
	/* One byte more. */
	snprintf(s + 64, sizeof(s) - 64, "@%063d.%063d.%062d", 0, 0, 0);
	CHECK(strlen(s) == EMAIL_MAX + 1);
	CHECK(!mail_addr_valid(s));

	/* A local part of 64 bytes passes, 65 does not. */
	memset(s, 'l', 65);
	strcpy(s + 64, "@b.se");
	CHECK(mail_addr_valid(s));
	memset(s, 'l', 65);
	strcpy(s + 65, "@b.se");
	CHECK(!mail_addr_valid(s));

	/* A domain label of 63 bytes passes, 64 does not. */
	snprintf(s, sizeof(s), "a@%063d.se", 0);
	CHECK(mail_addr_valid(s));
	snprintf(s, sizeof(s), "a@%064d.se", 0);
	CHECK(!mail_addr_valid(s));

	/* Something far too long. */
	memset(s, 'a', sizeof(s) - 1);
	s[sizeof(s) - 1] = '\0';
	memcpy(s + 100, "@example.org", 12);
	CHECK(!mail_addr_valid(s));
}

int
main(void)
{
	test_lists();
	test_lengths();
	return CHECK_DONE();
}
