/*
 * Time parsing and formatting.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tfmt.h"

int
tfmt_init(const char *zone)
{
	if (zone == NULL || *zone == '\0')
		zone = "UTC";
	if (setenv("TZ", zone, 1) == -1)
		return -1;
	tzset();
	return 0;
}

int64_t
tfmt_now(void)
{
	return (int64_t)time(NULL);
}

void
tfmt_iso(int64_t t, char buf[TFMT_ISO_LEN])
{
	struct tm	 tm;
	time_t		 tt = (time_t)t;
	long		 off;
	char		 sign;

	localtime_r(&tt, &tm);
	off = tm.tm_gmtoff;
	sign = off < 0 ? '-' : '+';
	if (off < 0)
		off = -off;
	/* Offsets are below a day; the casts tell the compiler so. */
	snprintf(buf, TFMT_ISO_LEN, "%04d-%02d-%02dT%02d:%02d:%02d%c%02u:%02u",
	    (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100,
	    tm.tm_mday % 100, tm.tm_hour % 100, tm.tm_min % 100,
	    tm.tm_sec % 100, sign, (unsigned char)(off / 3600 % 24),
	    (unsigned char)(off % 3600 / 60));
}

void
tfmt_http(int64_t t, char buf[TFMT_ISO_LEN])
{
	struct tm	 tm;
	time_t		 tt = (time_t)t;

	gmtime_r(&tt, &tm);
	strftime(buf, TFMT_ISO_LEN, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* Reads exactly n digits; returns the value or -1. */
static int
digits(const char **p, int n)
{
	int	 v = 0;

	while (n-- > 0) {
		if (!isdigit((unsigned char)**p))
			return -1;
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	return v;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Hinnant). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t	 era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int
tfmt_parse_iso(const char *s, int64_t *out)
{
	static const int mdays[12] =
	    { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	const char	*p = s;
	int		 y, mo, d, h, mi, sec, oh, om, sign, leap;
	int64_t		 t;

	if ((y = digits(&p, 4)) < 0 || *p++ != '-' ||
	    (mo = digits(&p, 2)) < 0 || *p++ != '-' ||
	    (d = digits(&p, 2)) < 0 || (*p != 'T' && *p != ' '))
		return -1;
	p++;
	if ((h = digits(&p, 2)) < 0 || *p++ != ':' ||
	    (mi = digits(&p, 2)) < 0 || *p++ != ':' ||
	    (sec = digits(&p, 2)) < 0)
		return -1;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p == 'Z') {
		p++;
		oh = om = 0;
		sign = 1;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '-' ? -1 : 1;
		if ((oh = digits(&p, 2)) < 0 || *p++ != ':' ||
		    (om = digits(&p, 2)) < 0 || oh > 23 || om > 59)
			return -1;
	} else
		return -1;
	if (*p != '\0')
		return -1;

	/* Range checks, February included. */
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && !leap) || h > 23 || mi > 59 || sec > 60)
		return -1;
	t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	t -= sign * (oh * 3600 + om * 60);
	*out = t;
	return 0;
}
