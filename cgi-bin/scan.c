/*
 * scan: ticket validation at the door (seed 002).
 *
 *	PUT /validate_ticket/	show a ticket, or admit it with use_ticket
 */
#include <stdint.h>

#include <cjson/cJSON.h>

#include "http.h"
#include "limits.h"
#include "scan.h"
#include "tfmt.h"

static enum err	h_validate(struct req *);

enum validate_field { VF_EXTERNAL_ID, VF_PASSWORD, VF_USE, VF__MAX };

static const struct field_spec validate_fields[VF__MAX] = {
	[VF_EXTERNAL_ID] = { "external_id", FIELD_STRING, FIELD_REQUIRED, 1,
	    SCAN_ID_MAX, NULL, 0 },
	[VF_PASSWORD] = { "password", FIELD_STRING, FIELD_REQUIRED, 1,
	    PASSWORD_MAX, NULL, 0 },
	[VF_USE] = { "use_ticket", FIELD_BOOL, FIELD_REQUIRED, 0, 0, NULL, 0 },
};

static const struct route routes[] = {
	{ METHOD_PUT, "/validate_ticket/", h_validate, AUTH_NONE, STYLE_COMPAT,
	    validate_fields, VF__MAX },
};

/*
 * PUT /validate_ticket/ {"external_id", "password", "use_ticket"}.
 * 200 {"external_id", "times_used" (before this call), "chapter_event",
 * "status"}; 400 InvalidRequestData; 401 "Incorrect password"; 404
 * {"times_used": -1, "status": "Ticket does not exist"}.
 */
static enum err
h_validate(struct req *req)
{
	struct scan_result	 r;
	cJSON			*body;
	int64_t			 now = tfmt_now(), scanner_id;
	enum err		 e;

	switch (scan_auth(req->db, req->f[VF_PASSWORD].s, now, &scanner_id)) {
	case 1:
		break;
	case 0:
		return ERR_INCORRECT_PASSWORD;
	default:
		return ERR_INTERNAL;
	}
	if ((e = scan_ticket(req->db, now, scanner_id,
	    req->f[VF_EXTERNAL_ID].s, (int)req->f[VF_USE].i, &r)) != ERR_OK)
		return e;
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "external_id", r.external_id);
	cJSON_AddNumberToObject(body, "times_used", (double)r.times_used);
	cJSON_AddStringToObject(body, "chapter_event", r.event_title);
	cJSON_AddStringToObject(body, "status", r.status);
	return http_json(req, 200, body);
}

int
main(int argc, char *argv[])
{
	static const struct app app = { "scan", routes, nitems(routes), NULL };

	return http_main(argc, argv, &app);
}
