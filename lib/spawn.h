/*
 * Starting the biljett CLI in the background from a FastCGI worker, so
 * work that needs other secrets (SMTP) or may be slow (mail, cancelling
 * Swish requests) happens now rather than at the next cron run.  Cron
 * remains the guarantee; this is only the fast path.
 */
#ifndef BILJETT_SPAWN_H
#define BILJETT_SPAWN_H

struct conf;

/*
 * Runs "biljett_cli -c <conf> <command>" detached (double fork, new
 * session, stdin/stdout on /dev/null).  Does nothing when biljett_cli is
 * not configured.  Never blocks on the child.
 */
void	spawn_cli(const struct conf *conf, const char *command);

/* The same with one argument after the command (NULL: none), such as
 * "booking-charge" and a booking's uid. */
void	spawn_cli_arg(const struct conf *conf, const char *command,
	    const char *arg);

#endif
