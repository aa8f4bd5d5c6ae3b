/*
 * hello: the FastCGI ceiling for `make bench`.  The same accept loop,
 * gates and response writer as every program, a handler that does
 * nothing.  Not routed in production.
 */
#include "http.h"
#include "route.h"

static enum err
h_hello(struct req *req)
{
	static const char body[] = "{\"hello\":\"world\"}";

	return http_bytes(req, 200, "application/json", body,
	    sizeof(body) - 1);
}

static const struct route routes[] = {
	{ METHOD_GET, "/__hello", h_hello, AUTH_NONE, STYLE_API,
	    NULL, 0, 0, ERR_OK },
};

int
main(int argc, char *argv[])
{
	static const struct app app = { "hello", routes, nitems(routes),
	    NULL };

	return route_main(argc, argv, &app);
}
