/*
 * webcrond: parse flags, load the config, bind, drop privileges, open the
 * store, run the loop.
 */

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "daemon/apidoc.h"
#include "util/log.h"
#include "daemon/priv.h"
#include "daemon/server.h"
#include "util/version.h"

static void
usage(void)
{
	fprintf(stderr, "usage: webcrond [-dnOvV] [-f file]\n"
	                "  -f file  the config file (default %s/webcrond.conf)\n"
	                "  -d       stay in the foreground and log to stderr\n"
	                "  -n       check the config file and exit\n"
	                "  -O       print the API's OpenAPI document and exit\n"
	                "  -v       more log output (repeat for more)\n"
	                "  -V       print the version and exit\n",
	    SYSCONFDIR);
	exit(2);
}

/* Every execution in flight holds a socket or a pipe: the soft limit of
 * open files (often 1024) goes up to the hard one. */
static void
raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			log_warn("setrlimit RLIMIT_NOFILE");
	}
}

int
main(int argc, char *argv[])
{
	const char *conf = SYSCONFDIR "/webcrond.conf";
	int ch, foreground = 0, check = 0, verbose = 0, rc;
	struct server srv;
	char err[512];

	while ((ch = getopt(argc, argv, "df:nOvV")) != -1) {
		switch (ch) {
		case 'd': foreground = 1; break;
		case 'f': conf = optarg; break;
		case 'n': check = 1; break;
		case 'O': return apidoc_print(stdout) == 0 ? 0 : 1;
		case 'v': verbose++; break;
		case 'V': printf("webcrond %s\n", WEBCRON_VERSION); return 0;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	log_init("webcrond", foreground || check, verbose);

	if (server_configure(&srv, conf, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return 1;
	}
	if (check) {
		printf("%s: configuration OK\n", conf);
		config_free(&srv.cfg);
		return 0;
	}
	if (geteuid() == 0 && *srv.cfg.user == '\0' && !foreground)
		fatalx("refusing to run as root: set [server] user, or use -d to run as root on purpose");
	raise_fd_limit();
	if (server_bind(&srv) == -1) {
		server_free(&srv);
		return 1;
	}
	if (geteuid() == 0 && *srv.cfg.user && priv_drop(srv.cfg.user) == -1)
		fatalx("cannot drop privileges to %s", srv.cfg.user);
	if (geteuid() != 0 && *srv.cfg.user)
		log_info("[server] user = %s is used only when webcrond starts as root", srv.cfg.user);
	if (server_start(&srv) == -1) {
		server_free(&srv);
		return 1;
	}
	rc = server_run(&srv);
	server_free(&srv);
	log_flush();
	return rc;
}
