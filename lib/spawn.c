/*
 * Detached CLI runs.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "spawn.h"

void
spawn_cli(const struct conf *conf, const char *command)
{
	spawn_cli_arg(conf, command, NULL);
}

void
spawn_cli_arg(const struct conf *conf, const char *command, const char *arg)
{
	const char	*cli = conf_str(conf, CONF_BILJETT_CLI);
	pid_t		 pid;
	int		 fd, status;

	if (*cli == '\0')
		return;
	if ((pid = fork()) == -1) {
		log_warn("spawn %s: %s", command, strerror(errno));
		return;
	}
	if (pid == 0) {
		/* The middle child exits at once; init adopts the worker. */
		if (setsid() == -1 || fork() != 0)
			_exit(0);
		if ((fd = open("/dev/null", O_RDWR)) != -1) {
			dup2(fd, STDIN_FILENO);
			dup2(fd, STDOUT_FILENO);
			if (fd > STDERR_FILENO)
				close(fd);
		}
		/* Do not hand the worker's sockets to the CLI. */
		for (fd = STDERR_FILENO + 1; fd < 1024; fd++)
			close(fd);
		if (conf->path != NULL)
			execl(cli, "biljett", "-c", conf->path, command, arg,
			    (char *)NULL);
		else
			execl(cli, "biljett", command, arg, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		continue;
}
