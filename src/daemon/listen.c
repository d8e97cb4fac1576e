/*
 * listen: sockets for the API.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "daemon/listen.h"
#include "util/log.h"

int
listen_open(const struct listen_addr *a, char *why, size_t whylen)
{
	int fd, on = 1;

	if ((fd = socket(a->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1) {
		snprintf(why, whylen, "%s: socket: %s", a->text, strerror(errno));
		return -1;
	}
	if (a->family == AF_UNIX) {
		const char *path = ((const struct sockaddr_un *)&a->ss)->sun_path;
		struct stat st;

		/* a socket left by an earlier run; anything else is kept */
		if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
			unlink(path);
	} else {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		/* accepted sockets inherit it: an answer larger than one write
		 * (cron.list) must not wait for the client's delayed ACK */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
		if (a->family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	}
	if (bind(fd, (const struct sockaddr *)&a->ss, a->sslen) == -1) {
		snprintf(why, whylen, "%s: bind: %s", a->text, strerror(errno));
		close(fd);
		return -1;
	}
	if (listen(fd, 1024) == -1) {
		snprintf(why, whylen, "%s: listen: %s", a->text, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int
listen_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return -1;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return -1;
}

int
listen_write_port_file(const char *path, int port)
{
	char tmp[4096];
	FILE *fp;
	int fd;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= sizeof(tmp)) {
		log_warnx("port_file %s: path too long", path);
		return -1;
	}
	if ((fd = mkstemp(tmp)) == -1) {
		log_warn("port_file %s", tmp);
		return -1;
	}
	fchmod(fd, 0644);
	if ((fp = fdopen(fd, "w")) == NULL) {
		log_warn("port_file %s", tmp);
		close(fd);
		unlink(tmp);
		return -1;
	}
	fprintf(fp, "%d\n", port);
	if (fflush(fp) != 0 || fsync(fd) != 0) {
		log_warn("port_file %s", tmp);
		fclose(fp);
		unlink(tmp);
		return -1;
	}
	fclose(fp);
	if (rename(tmp, path) == -1) {
		log_warn("port_file rename to %s", path);
		unlink(tmp);
		return -1;
	}
	return 0;
}
