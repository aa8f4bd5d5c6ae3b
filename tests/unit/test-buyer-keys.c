/*
 * lib/buyer: the keys the hold caps count by.  Addresses by client
 * network (IPv4 as is, IPv6 by /64, mapped IPv4 as IPv4, junk as given);
 * e-mail addresses by mailbox (case, +tag).
 */
#include <stdio.h>
#include <string.h>

#include "buyer.h"
#include "check.h"

static int
addr_is(const char *in, const char *want)
{
	char	 key[CLIENT_KEY_MAX + 1];

	buyer_addr_key(in, key);
	if (strcmp(key, want) != 0) {
		fprintf(stderr, "addr %s: got %s, want %s\n",
		    in != NULL ? in : "(null)", key, want);
		return 0;
	}
	return 1;
}

static int
email_is(const char *in, const char *want)
{
	char	 key[EMAIL_MAX + 1];

	buyer_email_key(in, key);
	if (strcmp(key, want) != 0) {
		fprintf(stderr, "email %s: got %s, want %s\n", in, key, want);
		return 0;
	}
	return 1;
}

int
main(void)
{
	char	 long_in[300], key[CLIENT_KEY_MAX + 1];

	/* IPv4: the address itself, so NAT neighbours are one client. */
	CHECK(addr_is("127.0.0.1", "127.0.0.1"));
	CHECK(addr_is("203.0.113.7", "203.0.113.7"));
	CHECK(!addr_is("203.0.113.8", "203.0.113.7"));

	/* IPv6: every address of one /64 is the same client. */
	CHECK(addr_is("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"));
	CHECK(addr_is("2001:DB8:1:2::1", "2001:db8:1:2::/64"));
	CHECK(addr_is("2001:0db8:0001:0002:0:0:0:ffff", "2001:db8:1:2::/64"));
	CHECK(addr_is("2001:db8:1:3::1", "2001:db8:1:3::/64"));
	CHECK(addr_is("::1", "::/64"));

	/* An IPv4 client on a dual-stack socket. */
	CHECK(addr_is("::ffff:203.0.113.7", "203.0.113.7"));

	/* Not an address: kept, bounded; missing: one shared key. */
	CHECK(addr_is("unix:", "unix:"));
	CHECK(addr_is("fe80::1%eth0", "fe80::1%eth0"));
	CHECK(addr_is(NULL, "unknown"));
	CHECK(addr_is("", "unknown"));
	memset(long_in, 'x', sizeof(long_in) - 1);
	long_in[sizeof(long_in) - 1] = '\0';
	buyer_addr_key(long_in, key);
	CHECK(strlen(key) == CLIENT_KEY_MAX);

	/* E-mail: case and +tags fold; the domain and dots stay. */
	CHECK(email_is("Anna@Example.COM", "anna@example.com"));
	CHECK(email_is("anna+1@example.com", "anna@example.com"));
	CHECK(email_is("ANNA+Spex+2@example.com", "anna@example.com"));
	CHECK(email_is("a.nna@example.com", "a.nna@example.com"));
	CHECK(email_is("+anna@example.com", "+anna@example.com"));
	CHECK(email_is("anna@ex+ample.com", "anna@ex+ample.com"));
	return CHECK_DONE();
}
