/*
 * Field specs and validators.  A route declares its input fields; the
 * gate in lib/http validates the parsed body (and query string) against
 * them once, into typed values, before the handler runs.  Validators are
 * pure functions of their input: no database, clock, I/O or logging.
 */
#ifndef BILJETT_FIELD_H
#define BILJETT_FIELD_H

#include <stddef.h>
#include <stdint.h>

struct arena;
struct cJSON;
struct kvlist;

enum field_type {
	FIELD_INT = 0,	/* integer (JSON number or decimal string) in [min, max] */
	FIELD_ID,	/* integer id in [1, ID_MAX] */
	FIELD_BOOL,	/* true/false (also "true", "1", ... from forms) */
	FIELD_STRING,	/* UTF-8 without control characters, length in [min, max] bytes */
	FIELD_TEXT,	/* like STRING, newlines and tabs allowed */
	FIELD_EMAIL,	/* a mail address (see mail_addr_valid) */
	FIELD_TIME,	/* ISO 8601 with offset, to UTC seconds */
	FIELD_OBJLIST,	/* array of objects, count in [min, max], items per sub */
	FIELD_MONEY,	/* non-negative amount: JSON number or decimal string,
			   as a plain decimal string in s ("150.5") */
	FIELD_DATE,	/* a calendar date "YYYY-MM-DD" in s */
	FIELD_TEXTS,	/* a text (STRING rules, [min, max] bytes) or an
			   object of texts keyed by language code ("sv",
			   "en", "de", "fr"): s is the string, or NULL
			   and j the object (borrowed from the body) */
	FIELD_IDLIST,	/* array of ids as FIELD_ID, count in [min, max] */
	FIELD_STRLIST,	/* array of non-empty strings (STRING rules, each at
			   most FIELD_NAME_MAX bytes), count in [min, max]:
			   strs[0..nitems) */
	FIELD__MAX
};

#define FIELD_REQUIRED	0x01u	/* missing is an error */
#define FIELD_QUERY	0x02u	/* read from the query string, not the body */

struct field_spec {
	const char		*name;
	enum field_type		 type;
	unsigned		 flags;
	int64_t			 min;	/* see enum field_type */
	int64_t			 max;	/* 0 with min 0: type's default */
	const struct field_spec	*sub;	/* FIELD_OBJLIST item fields */
	size_t			 nsub;
};

/* A validated value; which member is set depends on the type. */
struct field_val {
	int			 present;
	int			 null;	/* given as JSON null (present is 0) */
	int64_t			 i;	/* INT, ID, TIME; BOOL as 0/1 */
	const char		*s;	/* STRING, TEXT, EMAIL (arena copy) */
	size_t			 len;
	const struct cJSON	*j;	/* TEXTS given as an object */
	struct field_val	**items; /* OBJLIST: items[k][0..nsub) */
	int64_t			*ids;	/* IDLIST: ids[0..nitems) */
	const char		**strs;	/* STRLIST: arena copies */
	size_t			 nitems;	/* OBJLIST, IDLIST, STRLIST */
};

/*
 * Validates every spec against body (a JSON object, may be NULL) and
 * query, filling out[0..n).  Each invalid field gets a member in errs
 * (name: reason; nested fields as "tickets[1].count").  Returns the
 * number of invalid fields (0: all valid).  A body that is not an object
 * counts as one invalid field named "body".  Arena memory for strings.
 */
size_t	field_validate(struct arena *a, const struct field_spec *specs,
	    size_t n, const struct cJSON *body, const struct kvlist *query,
	    struct field_val *out, struct cJSON *errs);

/* Is s valid UTF-8 of len bytes with no C0 controls (allowing \t \n \r
 * when multiline)?  Pure. */
int	field_utf8_ok(const char *s, size_t len, int multiline);

/*
 * Parses a decimal integer (optional '-', digits only, no spaces) within
 * [min, max].  Returns 0 and sets *out, or -1.  Use instead of atoi.
 */
int	field_strtonum(const char *s, int64_t min, int64_t max, int64_t *out);

#endif
