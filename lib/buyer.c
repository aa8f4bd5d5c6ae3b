/*
 * Keys for the hold caps: addresses by client network, e-mail addresses
 * by mailbox.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "buyer.h"

void
buyer_addr_key(const char *remote_addr, char key[CLIENT_KEY_MAX + 1])
{
	struct in_addr	 a4;
	struct in6_addr	 a6;
	char		 buf[INET6_ADDRSTRLEN];

	if (remote_addr == NULL || *remote_addr == '\0') {
		snprintf(key, CLIENT_KEY_MAX + 1, "unknown");
		return;
	}
	if (inet_pton(AF_INET, remote_addr, &a4) == 1 &&
	    inet_ntop(AF_INET, &a4, buf, sizeof(buf)) != NULL) {
		snprintf(key, CLIENT_KEY_MAX + 1, "%s", buf);
		return;
	}
	if (inet_pton(AF_INET6, remote_addr, &a6) == 1) {
		/* An IPv4 client on a dual-stack socket is that client. */
		if (IN6_IS_ADDR_V4MAPPED(&a6)) {
			memcpy(&a4, &a6.s6_addr[12], sizeof(a4));
			if (inet_ntop(AF_INET, &a4, buf, sizeof(buf)) != NULL) {
				snprintf(key, CLIENT_KEY_MAX + 1, "%s", buf);
				return;
			}
		}
		/* The /64: the interface identifier is the host's choice. */
		memset(&a6.s6_addr[8], 0, 8);
		if (inet_ntop(AF_INET6, &a6, buf, sizeof(buf)) != NULL) {
			snprintf(key, CLIENT_KEY_MAX + 1, "%s/64", buf);
			return;
		}
	}
	/* Not an address: keep it, cut short (snprintf truncates). */
	snprintf(key, CLIENT_KEY_MAX + 1, "%s", remote_addr);
}

void
buyer_email_key(const char *email, char key[EMAIL_MAX + 1])
{
	const char	*at, *plus;
	size_t		 local, i;

	/* "+tag" only counts in the local part, and never as all of it. */
	at = strchr(email, '@');
	plus = strchr(email, '+');
	if (at != NULL && plus != NULL && plus > email && plus < at)
		local = (size_t)(plus - email);
	else
		local = at != NULL ? (size_t)(at - email) : strlen(email);
	snprintf(key, EMAIL_MAX + 1, "%.*s%s", (int)local, email,
	    at != NULL ? at : "");
	for (i = 0; key[i] != '\0'; i++)
		key[i] = (char)tolower((unsigned char)key[i]);
}
