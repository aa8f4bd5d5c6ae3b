/*
 * Log lines to stderr (nginx's error log in development, journald in
 * production): one line per request and per provider call.  Never pass a
 * secret (password, token, key, card data) to these functions.
 */
#ifndef BILJETT_LOG_H
#define BILJETT_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LVL_DEBUG = 0,
	LOG_LVL_INFO,
	LOG_LVL_WARN,
	LOG_LVL_ERR,
	LOG_LVL__MAX
};

/* Sets the program name printed on each line and the lowest level shown. */
void	log_init(const char *progname, enum log_level min);
void	log_setlevel(enum log_level min);
/* Parses "debug", "info", "warn", "error"; returns -1 if unknown. */
int	log_level_parse(const char *s);

void	log_msg(enum log_level lvl, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	log_vmsg(enum log_level lvl, const char *fmt, va_list ap)
	    __attribute__((format(printf, 2, 0)));

#define log_debug(...)	log_msg(LOG_LVL_DEBUG, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_err(...)	log_msg(LOG_LVL_ERR, __VA_ARGS__)

#endif
