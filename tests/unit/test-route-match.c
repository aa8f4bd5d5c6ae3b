/* Route patterns: literal paths, trailing slashes, captured segments. */
#include <string.h>

#include "arena.h"
#include "check.h"
#include "http.h"
#include "route.h"

int
main(void)
{
	struct arena	*a = arena_alloc();
	const char	*p[PATH_PARAMS_MAX];
	size_t		 n;

	CHECK(route_match("/reserve_ticket/", "/reserve_ticket/", p, &n, a));
	CHECK(route_match("/reserve_ticket/", "/reserve_ticket", p, &n, a));
	CHECK(route_match("/api/health", "/api/health/", p, &n, a));
	CHECK(!route_match("/api/health", "/api/health//", p, &n, a));
	CHECK(!route_match("/api/health", "/api/healthz", p, &n, a));
	CHECK(!route_match("/api/events", "/api/events/1", p, &n, a));
	CHECK(route_match("/api/events/{id}", "/api/events/17", p, &n, a));
	CHECK(n == 1 && strcmp(p[0], "17") == 0);
	CHECK(route_match("/api/events/{id}", "/api/events/17/", p, &n, a));
	CHECK(!route_match("/api/events/{id}", "/api/events/", p, &n, a));
	CHECK(!route_match("/api/events/{id}", "/api/events/1/x", p, &n, a));
	CHECK(route_match("/generate_qr/{token}", "/generate_qr/a%20b",
	    p, &n, a));
	CHECK(n == 1 && strcmp(p[0], "a b") == 0);
	CHECK(route_match("/a/{x}/b/{y}", "/a/1/b/2", p, &n, a));
	CHECK(n == 2 && strcmp(p[1], "2") == 0);
	CHECK(!route_match("/", "/x", p, &n, a));
	CHECK(http_method_parse("PUT") == METHOD_PUT);
	CHECK(http_method_parse("put") == METHOD__MAX);
	CHECK(http_method_parse("BREW") == METHOD__MAX);
	arena_free(a);
	return CHECK_DONE();
}
