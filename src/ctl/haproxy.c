/*
 * haproxy: one question to HAProxy's runtime API (haproxy.h).
 */

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl/haproxy.h"

#define HAPROXY_TIMEOUT_MS 2000

/* Sends CMD and reads the answer (HAProxy closes after one command) into
 * OUT. Returns 0 or -1 with ERR. */
static int
haproxy_ask(const char *socket_path, const char *cmd, char *out, size_t outlen, char *err,
    size_t errlen)
{
	struct sockaddr_un sun;
	size_t got = 0;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(socket_path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s: the path is too long for a socket", socket_path);
		return -1;
	}
	memcpy(sun.sun_path, socket_path, strlen(socket_path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		snprintf(err, errlen, "%s: %s", socket_path, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	if (write(fd, cmd, strlen(cmd)) != (ssize_t)strlen(cmd)) {
		snprintf(err, errlen, "%s: cannot send: %s", socket_path, strerror(errno));
		close(fd);
		return -1;
	}
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t n;

		if (poll(&p, 1, HAPROXY_TIMEOUT_MS) != 1) {
			snprintf(err, errlen, "%s: no answer within %d ms", socket_path, HAPROXY_TIMEOUT_MS);
			close(fd);
			return -1;
		}
		if ((n = read(fd, out + got, outlen - 1 - got)) <= 0)
			break;
		got += (size_t)n;
		if (got == outlen - 1)
			break;
	}
	out[got] = '\0';
	close(fd);
	return 0;
}

int
haproxy_map_get(const char *socket_path, const char *map, const char *key, char *value, size_t len,
    char *err, size_t errlen)
{
	char cmd[1024], answer[2048];
	const char *v, *end;

	if ((size_t)snprintf(cmd, sizeof(cmd), "get map %s %s\n", map, key) >= sizeof(cmd)) {
		snprintf(err, errlen, "the map's path is too long");
		return -1;
	}
	if (haproxy_ask(socket_path, cmd, answer, sizeof(answer), err, errlen) == -1)
		return -1;
	/* type=str, case=sensitive, found=yes, idx=tree, key="...",
	 * value="b", type="str"   or   ... found=no */
	if (strstr(answer, "found=no"))
		return 0;
	if (strstr(answer, "found=yes") == NULL || (v = strstr(answer, "value=\"")) == NULL ||
	    (end = strchr(v + 7, '"')) == NULL) {
		answer[strcspn(answer, "\n")] = '\0';
		snprintf(err, errlen, "HAProxy answered \"%.200s\" to get map", answer);
		return -1;
	}
	snprintf(value, len, "%.*s", (int)(end - v - 7), v + 7);
	return 1;
}
