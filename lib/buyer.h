/*
 * Who a buyer is, as far as the hold caps can tell (lib/order.c): keys
 * that group requests and orders of one buyer.  Pure functions of
 * their input, so they can be tested and changed in one place.
 */
#ifndef BILJETT_BUYER_H
#define BILJETT_BUYER_H

#include "limits.h"

/*
 * Writes the key the hold caps count a client's address by, from
 * nginx's REMOTE_ADDR (never X-Forwarded-For, which the client writes):
 *  - an IPv4 address as it is: "203.0.113.7";
 *  - an IPv6 address cut to its /64, "2001:db8:1:2::/64": one
 *    subscriber's network, whose hosts pick any of 2^64 addresses, so a
 *    finer key would let one machine count as billions of clients;
 *  - an IPv4-mapped IPv6 address ("::ffff:203.0.113.7") as its IPv4
 *    address;
 *  - anything else (a unix socket's "unix:", a zone-scoped address) as
 *    given, cut to CLIENT_KEY_MAX bytes; NULL or "" as "unknown".  All
 *    such clients share one key: a misconfigured front end caps
 *    everyone together rather than no one.
 */
void	buyer_addr_key(const char *remote_addr, char key[CLIENT_KEY_MAX + 1]);

/*
 * Writes the key the e-mail cap counts an address by: lower-cased (as
 * accounts fold it), with a "+tag" in the local part dropped, since
 * "anna+1@example.com" and "anna+2@example.com" reach the same mailbox.
 * The address itself is stored and mailed as typed.  email must be
 * valid (mail_addr_valid()); a longer one is cut to EMAIL_MAX.
 */
void	buyer_email_key(const char *email, char key[EMAIL_MAX + 1]);

#endif
