/*
 * Unit tests of config.c: the defaults of SPEC section 6, every kind of
 * error (each naming the file, the line and the key), task class
 * sections, inih's syntax as webcron reads it (comments, indentation,
 * long lines), sizes, the User-Agent, and the key table itself.
 *
 * Loads that contain a [task.NAME] section run in a child process: a
 * failure in there must fail one test, not end the whole binary.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/cidr.h"
#include "conf/config.h"
#include "util/version.h"

#define NAME "test.conf"

/* Appends S to the dump D (size DLEN). */
static void
dump_add(char *d, size_t dlen, const char *fmt, ...)
{
	size_t used = strlen(d);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d + used, dlen - used, fmt, ap);
	va_end(ap);
}

/* Every value of CFG as text, one "[section] key = value" a line, read
 * through config_keys[] so that a key added to the table is compared too. */
static void
dump_config(const struct config *cfg, char *d, size_t dlen)
{
	const struct config_key *k;
	size_t i, j;

	d[0] = '\0';
	for (k = config_keys; k->name; k++) {
		const char *f = (const char *)cfg + k->offset;

		if (strcmp(k->section, "task.*") == 0)
			continue;
		dump_add(d, dlen, "[%s] %s = ", k->section, k->name);
		switch (k->type) {
		case CONFIG_INT:
		case CONFIG_BOOL:
			dump_add(d, dlen, "%d\n", *(const int *)f);
			break;
		case CONFIG_SIZE:
			dump_add(d, dlen, "%lld\n", (long long)*(const int64_t *)f);
			break;
		case CONFIG_CIDRS: {
			const struct cidr_list *l = (const struct cidr_list *)f;

			for (j = 0; j < l->n; j++) {
				char a[64];

				cidr_addr_format(&l->v[j].addr, a, sizeof(a));
				dump_add(d, dlen, "%s%s/%d", j ? ", " : "", a, l->v[j].prefix);
			}
			dump_add(d, dlen, "\n");
			break;
		}
		default:
			dump_add(d, dlen, "%s\n", *(char *const *)f ? *(char *const *)f : "(null)");
			break;
		}
	}
	for (i = 0; i < cfg->ntask_classes; i++) {
		const struct config_task_class *tc = &cfg->task_classes[i];

		dump_add(d, dlen, "[task.%s] exec = %s\n[task.%s] timeout = %d\n[task.%s] user = %s\n",
		    tc->name, tc->exec ? tc->exec : "(null)", tc->name, tc->timeout, tc->name,
		    tc->user ? tc->user : "(null)");
	}
}

/*
 * Loads TEXT in a child process and brings back the result: the return
 * value, the message and the dump of the config. Returns config_load_string's
 * result (0 or -1), or fails the test when the child did not come back
 * (it exited through fatalx() or crashed).
 */
struct child_load {
	int rc;
	char err[512];
	char dump[8192];
};

static void
load_in_child(const char *text, struct child_load *out)
{
	int fds[2], status;
	pid_t pid;
	size_t got = 0;
	ssize_t n;

	memset(out, 0, sizeof(*out));
	assert_int_equal(pipe(fds), 0);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct child_load r;
		struct config cfg;
		size_t off = 0;

		close(fds[0]);
		memset(&r, 0, sizeof(r));
		r.rc = config_load_string(NAME, text, &cfg, r.err, sizeof(r.err));
		if (r.rc == 0) {
			dump_config(&cfg, r.dump, sizeof(r.dump));
			config_free(&cfg);
		}
		while (off < sizeof(r)) {
			n = write(fds[1], (char *)&r + off, sizeof(r) - off);
			if (n <= 0)
				_exit(3);
			off += (size_t)n;
		}
		_exit(0);
	}
	close(fds[1]);
	while (got < sizeof(*out) && (n = read(fds[0], (char *)out + got, sizeof(*out) - got)) > 0)
		got += (size_t)n;
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || got != sizeof(*out))
		fail_msg("config_load_string(\"%s\") did not return: the process %s %d",
		    text, WIFEXITED(status) ? "exited with status" : "died of signal",
		    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
}

/* LINE ("[task.x] exec = /bin/x") must be one line of DUMP. */
static void
assert_dump_has(const char *dump, const char *line)
{
	const char *p = dump;
	size_t n = strlen(line);

	for (p = dump; (p = strstr(p, line)) != NULL; p++)
		if ((p == dump || p[-1] == '\n') && p[n] == '\n')
			return;
	fail_msg("\"%s\" not in the config:\n%s", line, dump);
}

static void
load_ok(const char *text, struct config *cfg)
{
	char err[512];

	if (config_load_string(NAME, text, cfg, err, sizeof(err)) != 0)
		fail_msg("refused: %s\n---\n%s---", err, text);
}

/* TEXT must be refused with a message that starts "test.conf:LINE: " and
 * contains each of the NULL-terminated strings that follow. LINE 0 means
 * "some line". */
static void
expect_error(const char *text, int line, ...)
{
	struct config cfg;
	char err[512], prefix[64];
	const char *want;
	va_list ap;

	memset(err, 0, sizeof(err));
	if (config_load_string(NAME, text, &cfg, err, sizeof(err)) != -1) {
		config_free(&cfg);
		fail_msg("accepted:\n%s", text);
	}
	if (line > 0) {
		snprintf(prefix, sizeof(prefix), NAME ":%d: ", line);
		if (strncmp(err, prefix, strlen(prefix)) != 0)
			fail_msg("\"%s\" does not start with \"%s\" (for:\n%s)", err, prefix, text);
	} else {
		const char *p = err + strlen(NAME ":");

		if (strncmp(err, NAME ":", strlen(NAME ":")) != 0 || !isdigit((unsigned char)*p))
			fail_msg("\"%s\" does not name " NAME ":LINE (for:\n%s)", err, text);
	}
	va_start(ap, line);
	while ((want = va_arg(ap, const char *)) != NULL)
		if (strstr(err, want) == NULL) {
			va_end(ap);
			fail_msg("\"%s\" does not mention \"%s\" (for:\n%s)", err, want, text);
		}
	va_end(ap);
}

/* ---- defaults */

static void
test_empty_file_gives_defaults(void **state)
{
	struct config cfg;

	(void)state;
	load_ok("", &cfg);
	assert_string_equal(cfg.path, NAME);
	assert_string_equal(cfg.listen, "127.0.0.1:8080");
	assert_string_equal(cfg.port_file, "");
	assert_string_equal(cfg.data_dir, "/var/lib/webcrond");
	assert_int_equal(cfg.map_size, (int64_t)1 << 30);
	assert_string_equal(cfg.user, "");
	assert_int_equal(cfg.trusted_proxies.n, 0);
	assert_string_equal(cfg.tls_cert, "");
	assert_string_equal(cfg.tls_key, "");
	assert_int_equal(cfg.idle_timeout, 60);
	assert_int_equal(cfg.metrics_allow.n, 2);
	assert_int_equal(cfg.shutdown_grace, 30);

	assert_int_equal(cfg.rate_limit, 10);
	assert_int_equal(cfg.rate_burst, 10);
	assert_int_equal(cfg.strict_http_status, 0);

	assert_string_equal(cfg.default_timezone, "UTC");
	assert_string_equal(cfg.user_agent, "webcron/%v");
	assert_int_equal(cfg.allow_private_targets, 0);
	assert_int_equal(cfg.allowed_targets.n, 0);
	assert_int_equal(cfg.max_concurrent, 1024);
	assert_string_equal(cfg.egress_ipv4, "");
	assert_string_equal(cfg.egress_ipv6, "");
	assert_string_equal(cfg.sendmail, "");
	assert_int_equal(cfg.log_max_age, 30);

	assert_int_equal(cfg.lim_max_jobs, 100);
	assert_int_equal(cfg.lim_max_tasks, 20);
	assert_int_equal(cfg.lim_max_timeout, 900);
	assert_int_equal(cfg.lim_min_interval, 60);
	assert_int_equal(cfg.lim_max_concurrent, 10);
	assert_int_equal(cfg.lim_daily_executions, 0);
	assert_int_equal(cfg.lim_log_retention, 100);

	assert_int_equal(cfg.ntask_classes, 0);
	assert_null(config_task_class(&cfg, "backup"));
	config_free(&cfg);
}

static void
test_metrics_allow_default(void **state)
{
	struct config cfg;
	struct cidr_addr a;

	(void)state;
	load_ok("", &cfg);
	assert_int_equal(cidr_addr_parse("127.0.0.1", &a), 0);
	assert_true(cidr_list_match(&cfg.metrics_allow, &a));
	assert_int_equal(cidr_addr_parse("::1", &a), 0);
	assert_true(cidr_list_match(&cfg.metrics_allow, &a));
	assert_int_equal(cidr_addr_parse("127.0.0.2", &a), 0);
	assert_false(cidr_list_match(&cfg.metrics_allow, &a));
	assert_int_equal(cidr_addr_parse("10.0.0.1", &a), 0);
	assert_false(cidr_list_match(&cfg.metrics_allow, &a));
	config_free(&cfg);
}

/* SPEC section 6, as written there: the sample a user copies. */
static const char spec_sample[] =
    "[server]\n"
    "listen = 127.0.0.1:8080      ; several, comma separated; unix:/path for a socket\n"
    "port_file =                  ; written once listening (for tests)\n"
    "data_dir = /var/lib/webcrond\n"
    "map_size = 1G\n"
    "user =                       ; drop privileges to this user when started as root\n"
    "trusted_proxies =            ; CIDRs whose X-Forwarded-For is believed\n"
    "tls_cert =                   ; optional HTTPS listener\n"
    "tls_key =\n"
    "idle_timeout = 60\n"
    "metrics_allow = 127.0.0.1/32, ::1/128   ; who may read /metrics\n"
    "shutdown_grace = 30\n"
    "\n"
    "[api]\n"
    "rate_limit = 10\n"
    "rate_burst = 10\n"
    "strict_http_status = no\n"
    "\n"
    "[jobs]\n"
    "default_timezone = UTC\n"
    "user_agent = webcron/%v\n"
    "allow_private_targets = no\n"
    "allowed_targets =            ; CIDRs allowed despite the rule above\n"
    "max_concurrent = 1024\n"
    "egress_ipv4 =\n"
    "egress_ipv6 =\n"
    "sendmail =                   ; e.g. /usr/sbin/sendmail -t\n"
    "log_max_age = 30\n"
    "\n"
    "[limits]                      ; defaults for new accounts\n"
    "max_jobs = 100\n"
    "max_tasks = 20\n"
    "max_timeout = 900\n"
    "min_interval = 60\n"
    "max_concurrent = 10\n"
    "daily_executions = 0         ; 0 = no limit\n"
    "log_retention = 100\n"
    "\n"
    "[task.backup]                 ; one section per task class\n"
    "exec = /usr/local/libexec/webcron/backup\n"
    "timeout = 900\n"
    "user = nobody\n";

static void
test_spec_sample_loads(void **state)
{
	static char defaults[8192], want[8192];
	struct config cfg;
	struct child_load r;

	(void)state;
	load_ok("", &cfg);
	dump_config(&cfg, defaults, 8192);
	config_free(&cfg);
	strcpy(want, defaults);
	dump_add(want, sizeof(want), "[task.backup] exec = /usr/local/libexec/webcron/backup\n"
	                             "[task.backup] timeout = 900\n[task.backup] user = nobody\n");

	load_in_child(spec_sample, &r);
	if (r.rc != 0)
		fail_msg("SPEC section 6's sample is refused: %s", r.err);
	assert_string_equal(r.dump, want);
}

/* ---- errors */

static void
test_unknown_key(void **state)
{
	(void)state;
	expect_error("[server]\nlisten = 127.0.0.1:1\nbogus = 1\n", 3, "bogus", "unknown key",
	    "[server]", NULL);
	expect_error("[api]\n\n; a comment\nrate_limits = 5\n", 4, "rate_limits", "unknown key", NULL);
	/* a key of another section is unknown here */
	expect_error("[jobs]\nidle_timeout = 5\n", 2, "idle_timeout", "unknown key", NULL);
	expect_error("[limits]\nuser_agent = x\n", 2, "user_agent", NULL);
	/* keys are case-sensitive, like the table */
	expect_error("[server]\nListen = 127.0.0.1:1\n", 2, "Listen", NULL);
}

static void
test_unknown_section(void **state)
{
	(void)state;
	/* reported on the section's own line, even when it holds no key */
	expect_error("[server]\nidle_timeout = 5\n[sever]\nlisten = 127.0.0.1:1\n", 3, "sever", NULL);
	expect_error("[server]\nidle_timeout = 5\n\n[sever]\n", 4, "sever", NULL);
	expect_error("[Server]\nidle_timeout = 5\n", 1, "Server", NULL);
	expect_error("[task]\nexec = /bin/true\n", 1, "task", NULL);
}

static void
test_key_outside_section(void **state)
{
	(void)state;
	/* a key before any section: the message names the key */
	expect_error("idle_timeout = 5\n", 1, "idle_timeout", NULL);
	expect_error("; settings\n\nuser = bob\n[server]\n", 3, "user", NULL);
}

static void
test_bad_integer(void **state)
{
	static const char *bad[] = { "abc", "10s", "1.5", "0x10", "1e3", "", "99999999999999999999" };
	char text[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "[server]\n\nidle_timeout = %s\n", bad[i]);
		expect_error(text, 3, "[server] idle_timeout", bad[i], NULL);
	}
	expect_error("[limits]\nmax_jobs = -\n", 2, "max_jobs", "whole number", NULL);
}

static void
test_out_of_range(void **state)
{
	struct config cfg;

	(void)state;
	expect_error("[server]\nidle_timeout = 0\n", 2, "idle_timeout", "1-3600", NULL);
	expect_error("[server]\nidle_timeout = 3601\n", 2, "idle_timeout", "1-3600", NULL);
	expect_error("[api]\nrate_limit = 0\n", 2, "rate_limit", "1-1000000", NULL);
	expect_error("[limits]\nmax_tasks = -1\n", 2, "max_tasks", "0-1000", NULL);
	expect_error("[jobs]\nlog_max_age = 36501\n", 2, "log_max_age", "1-36500", NULL);
	expect_error("[server]\nmap_size = 32K\n", 2, "map_size", "out of range", NULL);
	expect_error("[server]\nmap_size = 2048G\n", 2, "map_size", "out of range", NULL);
	/* the edges are in */
	load_ok("[server]\nidle_timeout = 1\n[limits]\nmax_tasks = 0\n[server]\nmap_size = 64K\n", &cfg);
	assert_int_equal(cfg.idle_timeout, 1);
	assert_int_equal(cfg.lim_max_tasks, 0);
	assert_int_equal(cfg.map_size, 65536);
	config_free(&cfg);
	load_ok("[server]\nidle_timeout = 3600\n", &cfg);
	assert_int_equal(cfg.idle_timeout, 3600);
	config_free(&cfg);
}

static void
test_bool(void **state)
{
	static const char *yes[] = { "yes", "YES", "true", "on", "1" };
	static const char *no[] = { "no", "False", "off", "0" };
	char text[128];
	struct config cfg;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		snprintf(text, sizeof(text), "[api]\nstrict_http_status = %s\n", yes[i]);
		load_ok(text, &cfg);
		assert_int_equal(cfg.strict_http_status, 1);
		config_free(&cfg);
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		snprintf(text, sizeof(text), "[jobs]\nallow_private_targets = %s\n", no[i]);
		load_ok(text, &cfg);
		assert_int_equal(cfg.allow_private_targets, 0);
		config_free(&cfg);
	}
	expect_error("[api]\nstrict_http_status = maybe\n", 2, "strict_http_status", "maybe", NULL);
	expect_error("[jobs]\n\nallow_private_targets = 2\n", 3, "allow_private_targets", NULL);
	expect_error("[jobs]\nallow_private_targets =\n", 2, "allow_private_targets", NULL);
}

static void
test_bad_size(void **state)
{
	static const char *bad[] = { "1.5G", "10X", "G", "-1G", "1 G", "1GiB", "" };
	char text[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "[server]\nmap_size = %s\n", bad[i]);
		expect_error(text, 2, "[server] map_size", NULL);
	}
}

static void
test_cidrs(void **state)
{
	struct config cfg;
	struct cidr_addr a;

	(void)state;
	load_ok("[server]\ntrusted_proxies = 10.0.0.0/8, 2001:db8::/32,192.168.1.5\n"
	        "[jobs]\nallowed_targets = 169.254.169.254/32\n",
	    &cfg);
	assert_int_equal(cfg.trusted_proxies.n, 3);
	assert_int_equal(cidr_addr_parse("10.9.8.7", &a), 0);
	assert_true(cidr_list_match(&cfg.trusted_proxies, &a));
	assert_int_equal(cidr_addr_parse("2001:db8:1::1", &a), 0);
	assert_true(cidr_list_match(&cfg.trusted_proxies, &a));
	assert_int_equal(cidr_addr_parse("192.168.1.6", &a), 0);
	assert_false(cidr_list_match(&cfg.trusted_proxies, &a));
	assert_int_equal(cfg.allowed_targets.n, 1);
	config_free(&cfg);

	expect_error("[server]\ntrusted_proxies = 10.0.0.0/8, 300.1.1.1\n", 2, "trusted_proxies",
	    "300.1.1.1", NULL);
	expect_error("[server]\nmetrics_allow = 10.0.0.0/33\n", 2, "metrics_allow", "10.0.0.0/33", NULL);
	expect_error("[jobs]\nallowed_targets = example.com\n", 2, "allowed_targets", "example.com", NULL);
	expect_error("[jobs]\negress_ipv4 = ::1\n", 2, "egress_ipv4", "::1", NULL);
	expect_error("[jobs]\negress_ipv6 = 192.0.2.1\n", 2, "egress_ipv6", "192.0.2.1", NULL);
}

static void
test_listen(void **state)
{
	static const char *good[] = {
		"unix:/x",
		"[::1]:0",
		"127.0.0.1:0",
		"127.0.0.1:0, [::1]:0 ,unix:/run/webcrond.sock",
		"*:8080",
		"localhost:65535",
	};
	static const char *bad[] = {
		"localhost",
		"127.0.0.1",
		"127.0.0.1:65536",
		"127.0.0.1:-1",
		"127.0.0.1:http",
		"example.com:80",
		"::1:80",
		"[::1]80",
		"unix:relative.sock",
		"127.0.0.1:1, nonsense",
	};
	char text[256];
	struct config cfg;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(text, sizeof(text), "[server]\nlisten = %s\n", good[i]);
		load_ok(text, &cfg);
		assert_string_equal(cfg.listen, good[i]);
		config_free(&cfg);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "[server]\nlisten = %s\n", bad[i]);
		expect_error(text, 2, "[server] listen", NULL);
	}
	expect_error("[server]\nlisten = ,\n", 2, "listen", NULL);
	expect_error("[server]\nlisten =\n", 2, "listen", NULL);
}

static void
test_time_zone(void **state)
{
	struct config cfg;

	(void)state;
	load_ok("[jobs]\ndefault_timezone = Europe/Berlin\n", &cfg);
	assert_string_equal(cfg.default_timezone, "Europe/Berlin");
	config_free(&cfg);
	expect_error("[jobs]\ndefault_timezone = Mars/Olympus_Mons\n", 2, "default_timezone",
	    "Mars/Olympus_Mons", NULL);
	expect_error("[jobs]\ndefault_timezone = ../../etc/passwd\n", 2, "default_timezone", NULL);
	expect_error("[jobs]\ndefault_timezone =\n", 2, "default_timezone", NULL);
}

static void
test_key_set_twice(void **state)
{
	struct config cfg;

	(void)state;
	expect_error("[server]\nidle_timeout = 5\nidle_timeout = 6\n", 3, "idle_timeout", "twice",
	    "line 2", NULL);
	/* also when the section is opened again */
	expect_error("[server]\nidle_timeout = 5\n[api]\nrate_limit = 5\n[server]\nidle_timeout = 5\n",
	    6, "idle_timeout", "twice", NULL);
	/* one name in two sections is two keys */
	load_ok("[jobs]\nmax_concurrent = 7\n[limits]\nmax_concurrent = 3\n", &cfg);
	assert_int_equal(cfg.max_concurrent, 7);
	assert_int_equal(cfg.lim_max_concurrent, 3);
	config_free(&cfg);
}

static void
test_list_key_repeated(void **state)
{
	struct config cfg;
	struct cidr_addr a;

	(void)state;
	/* a list key may be given again to keep lines short: the values add up */
	load_ok("[server]\ntrusted_proxies = 10.0.0.0/8\ntrusted_proxies = 192.168.0.0/16\n", &cfg);
	assert_int_equal(cfg.trusted_proxies.n, 2);
	assert_int_equal(cidr_addr_parse("192.168.3.4", &a), 0);
	assert_true(cidr_list_match(&cfg.trusted_proxies, &a));
	config_free(&cfg);
	/* and each part is checked */
	expect_error("[server]\ntrusted_proxies = 10.0.0.0/8\ntrusted_proxies = nonsense\n", 3,
	    "trusted_proxies", "nonsense", NULL);
}

static void
test_syntax_error(void **state)
{
	(void)state;
	expect_error("[server]\nidle_timeout = 5\nthis is not a key\n", 3, "syntax", NULL);
	expect_error("[server]\nidle_timeout = 5\n[api\n", 3, "syntax", NULL);
	expect_error("[server]\n= 5\n", 2, NULL);
}

static void
test_first_error_is_reported(void **state)
{
	(void)state;
	/* the broken line 2 is the one to fix, not the key after it */
	expect_error("[server]\nnot a key\nbogus = 1\n", 2, "syntax", NULL);
	expect_error("[server\nidle_timeout = 5\n", 1, "syntax", NULL);
	expect_error("[server]\nidle_timeout = 0\nbogus = 1\n", 2, "idle_timeout", NULL);
}

/* "[server]\nuser = " and LEN - 7 letters: line 2 is LEN characters. */
static char *
long_line(size_t len)
{
	char *s = malloc(len + 32);

	assert_non_null(s);
	strcpy(s, "[server]\nuser = ");
	memset(s + 16, 'a', len - 7);
	strcpy(s + 16 + len - 7, "\nidle_timeout = 5\n");
	return s;
}

static void
test_long_lines(void **state)
{
	struct config cfg;
	char *s, path[] = "/tmp/webcron-test-config-XXXXXX", err[512];
	FILE *fp;
	int fd;

	(void)state;
	/* well within inih's line limit (200 at least) */
	s = long_line(150);
	load_ok(s, &cfg);
	assert_int_equal(strlen(cfg.user), 150 - 7);
	assert_int_equal(cfg.idle_timeout, 5);
	config_free(&cfg);
	free(s);

	/* past it: an error on line 2, not a key cut in two */
	s = long_line(1000);
	expect_error(s, 2, "longer", NULL);
	free(s);
	/* past the reader's own buffer */
	s = long_line(10000);
	expect_error(s, 2, "longer", NULL);

	/* the same when read from a file */
	fd = mkstemp(path);
	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	assert_non_null(fp);
	fputs(s, fp);
	fclose(fp);
	assert_int_equal(config_load(path, &cfg, err, sizeof(err)), -1);
	unlink(path);
	free(s);
	if (strncmp(err, path, strlen(path)) != 0 || strncmp(err + strlen(path), ":2: ", 4) != 0)
		fail_msg("\"%s\" does not start with %s:2:", err, path);
	assert_non_null(strstr(err, "longer"));
}

static void
test_config_load_file(void **state)
{
	struct config cfg;
	char path[] = "/tmp/webcron-test-config-XXXXXX", err[512], want[128];
	FILE *fp;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	assert_non_null(fp);
	fputs("[server]\nidle_timeout = 42\n[api]\nrate_burst = 0\n", fp);
	fclose(fp);
	assert_int_equal(config_load(path, &cfg, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:4: ", path);
	if (strncmp(err, want, strlen(want)) != 0)
		fail_msg("\"%s\" does not start with \"%s\"", err, want);
	assert_non_null(strstr(err, "rate_burst"));

	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("[server]\nidle_timeout = 42\n", fp);
	fclose(fp);
	assert_int_equal(config_load(path, &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.idle_timeout, 42);
	assert_string_equal(cfg.path, path);
	config_free(&cfg);
	unlink(path);

	assert_int_equal(config_load(path, &cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
}

static void
test_tls_pair(void **state)
{
	struct config cfg;
	char err[512];

	(void)state;
	assert_int_equal(config_load_string(NAME, "[server]\ntls_cert = /etc/ssl/c.pem\n", &cfg,
	                     err, sizeof(err)),
	    -1);
	assert_int_equal(strncmp(err, NAME ":", strlen(NAME ":")), 0);
	assert_non_null(strstr(err, "tls_key"));
	assert_int_equal(config_load_string(NAME, "[server]\ntls_key = /etc/ssl/k.pem\n", &cfg,
	                     err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "tls_cert"));
	load_ok("[server]\ntls_cert = /etc/ssl/c.pem\ntls_key = /etc/ssl/k.pem\n", &cfg);
	assert_string_equal(cfg.tls_cert, "/etc/ssl/c.pem");
	assert_string_equal(cfg.tls_key, "/etc/ssl/k.pem");
	config_free(&cfg);
	expect_error("[server]\ntls_cert = c.pem\ntls_key = /k.pem\n", 2, "tls_cert", "absolute", NULL);
}

/* ---- task classes */

static void
test_task_classes(void **state)
{
	struct child_load r;

	(void)state;
	load_in_child("[task.backup]\nexec = /usr/local/libexec/webcron/backup\ntimeout = 60\n"
	              "user = nobody\n\n[task.clean-up_2]\nexec = /bin/true\n",
	    &r);
	if (r.rc != 0)
		fail_msg("refused: %s", r.err);
	assert_dump_has(r.dump, "[task.backup] exec = /usr/local/libexec/webcron/backup");
	assert_dump_has(r.dump, "[task.backup] timeout = 60");
	assert_dump_has(r.dump, "[task.backup] user = nobody");
	/* the defaults of a class */
	assert_dump_has(r.dump, "[task.clean-up_2] exec = /bin/true");
	assert_dump_has(r.dump, "[task.clean-up_2] timeout = 900");
	assert_dump_has(r.dump, "[task.clean-up_2] user = ");
}

static void
test_task_class_lookup(void **state)
{
	struct child_load r;

	(void)state;
	/* a section given twice adds to one class */
	load_in_child("[task.a]\nexec = /bin/a\n[server]\nidle_timeout = 9\n[task.a]\ntimeout = 5\n", &r);
	if (r.rc != 0)
		fail_msg("refused: %s", r.err);
	assert_dump_has(r.dump, "[task.a] exec = /bin/a");
	assert_dump_has(r.dump, "[task.a] timeout = 5");
	assert_dump_has(r.dump, "[server] idle_timeout = 9");
	assert_null(strstr(r.dump, "[task.a] exec = /bin/a\n[task.a] timeout = 900"));
}

static void
test_task_class_errors(void **state)
{
	static const struct {
		const char *text;
		const char *want;
	} cases[] = {
		{ "[task.backup]\ntimeout = 5\n", "exec" },
		{ "[task.backup]\nuser = nobody\n", "task.backup" },
		{ "[task.backup]\nexec = backup.sh\n", "absolute" },
		{ "[task.backup]\nexec =\n", "exec" },
		{ "[task.backup]\nexec = /bin/true\ntimeout = 0\n", "timeout" },
		{ "[task.backup]\nexec = /bin/true\nexec = /bin/false\n", "twice" },
		{ "[task.backup]\nexec = /bin/true\ncommand = x\n", "command" },
		{ "[task.http]\nexec = /bin/true\n", "http" },
		{ "[task.http]\n", "http" },
		{ "[task.backup]\n", "exec" },
		{ "[task.Bad]\n", "task.Bad" },
		{ "[task.Backup]\nexec = /bin/true\n", "task.Backup" },
		{ "[task.]\nexec = /bin/true\n", "task." },
		{ "[task.a/b]\nexec = /bin/true\n", "task.a/b" },
		{ "[task.a b]\nexec = /bin/true\n", "task.a b" },
		{ "[task.abcdefghijklmnopqrstuvwxyz0123456]\nexec = /bin/true\n", "task.abcdefghij" },
	};
	struct child_load r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *p = r.err + strlen(NAME ":");

		load_in_child(cases[i].text, &r);
		if (r.rc != -1)
			fail_msg("accepted:\n%s", cases[i].text);
		if (strncmp(r.err, NAME ":", strlen(NAME ":")) != 0 || !isdigit((unsigned char)*p))
			fail_msg("\"%s\" does not name " NAME ":LINE", r.err);
		if (strstr(r.err, cases[i].want) == NULL)
			fail_msg("\"%s\" does not mention \"%s\"", r.err, cases[i].want);
	}
	/* a missing exec is reported on the line of its section */
	load_in_child("[server]\nidle_timeout = 5\n[task.backup]\ntimeout = 5\n", &r);
	assert_int_equal(r.rc, -1);
	if (strncmp(r.err, NAME ":3: ", strlen(NAME ":3: ")) != 0)
		fail_msg("\"%s\" does not start with " NAME ":3:", r.err);
	/* a 32-character name is fine */
	load_in_child("[task.abcdefghijklmnopqrstuvwxyz012345]\nexec = /bin/true\n", &r);
	if (r.rc != 0)
		fail_msg("refused: %s", r.err);
}

/* ---- inih's syntax */

static void
test_inline_comments(void **state)
{
	struct config cfg;

	(void)state;
	load_ok("; a comment\n# another\n[server] ; the server\nidle_timeout = 61 ; seconds\n"
	        "data_dir = /srv/webcron\t; tab before\nuser = ; nobody yet\n"
	        "port_file =          ; written once listening\n"
	        "[jobs]\nuser_agent = agent;v=1\n",
	    &cfg);
	assert_int_equal(cfg.idle_timeout, 61);
	assert_string_equal(cfg.data_dir, "/srv/webcron");
	assert_string_equal(cfg.user, "");
	assert_string_equal(cfg.port_file, "");
	/* a ';' not after a blank is part of the value */
	assert_string_equal(cfg.user_agent, "agent;v=1");
	config_free(&cfg);
}

static void
test_indented_keys(void **state)
{
	struct config cfg;

	(void)state;
	load_ok("[server]\n  idle_timeout = 7\n\tuser = bob\n   [api]\n    rate_limit = 3\n", &cfg);
	assert_int_equal(cfg.idle_timeout, 7);
	assert_string_equal(cfg.user, "bob");
	assert_int_equal(cfg.rate_limit, 3);
	config_free(&cfg);
	/* an indented key is a key, not the continuation of the line above */
	load_ok("[server]\ndata_dir = /a\n  user = b\n", &cfg);
	assert_string_equal(cfg.data_dir, "/a");
	assert_string_equal(cfg.user, "b");
	config_free(&cfg);
	/* blanks around '=' and CRLF line ends */
	load_ok("[server]\r\nidle_timeout=8\r\nuser   =   carol   \r\n", &cfg);
	assert_int_equal(cfg.idle_timeout, 8);
	assert_string_equal(cfg.user, "carol");
	config_free(&cfg);
	/* no newline after the last line */
	load_ok("[api]\nrate_burst = 4", &cfg);
	assert_int_equal(cfg.rate_burst, 4);
	config_free(&cfg);
}

/* ---- sizes and the User-Agent */

static void
test_parse_size(void **state)
{
	static const struct {
		const char *s;
		int64_t v;
	} good[] = {
		{ "64K", 65536 },
		{ "64k", 65536 },
		{ "1G", (int64_t)1 << 30 },
		{ "1048576", 1048576 },
		{ "2M", 2 << 20 },
		{ "1T", (int64_t)1 << 40 },
		{ "0", 0 },
		{ "512KB", 512 * 1024 },
	};
	static const char *bad[] = {
		"1.5G",
		"10X",
		"",
		"G",
		"-1",
		"+1G",
		" 1G",
		"1G ",
		"1GG",
		"0x10",
		"99999999999999999999",
		"9999999999T",
	};
	int64_t v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		v = -1;
		if (config_parse_size(good[i].s, &v) != 0)
			fail_msg("\"%s\" refused", good[i].s);
		assert_int_equal(v, good[i].v);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (config_parse_size(bad[i], &v) != -1)
			fail_msg("\"%s\" accepted as %lld", bad[i], (long long)v);
}

static void
test_user_agent(void **state)
{
	struct config cfg;
	char ua[256], small[8];

	(void)state;
	load_ok("", &cfg);
	config_user_agent(&cfg, ua, sizeof(ua));
	assert_string_equal(ua, "webcron/" WEBCRON_VERSION);
	config_user_agent(&cfg, small, sizeof(small));
	assert_string_equal(small, "webcron"); /* truncated, still terminated */
	config_user_agent(&cfg, ua, 11);       /* cut inside the version */
	assert_int_equal(strlen(ua), 10);
	assert_memory_equal(ua, "webcron/" WEBCRON_VERSION, 10);
	config_free(&cfg);

	load_ok("[jobs]\nuser_agent = MyCron %v (+https://example.com) %v 100% %x\n", &cfg);
	config_user_agent(&cfg, ua, sizeof(ua));
	assert_string_equal(ua, "MyCron " WEBCRON_VERSION " (+https://example.com) " WEBCRON_VERSION " 100% %x");
	config_free(&cfg);
	expect_error("[jobs]\nuser_agent =\n", 2, "user_agent", NULL);
}

/* ---- the table */

static void
test_key_table(void **state)
{
	static char defaults[8192], dump[8192];
	const struct config_key *k;
	struct config cfg;
	char text[512];
	size_t n = 0;

	(void)state;
	load_ok("", &cfg);
	dump_config(&cfg, defaults, 8192);
	config_free(&cfg);
	for (k = config_keys; k->name; k++, n++) {
		if (k->help == NULL || strlen(k->help) < 10)
			fail_msg("[%s] %s has no help text", k->section, k->name);
		assert_non_null(k->def);
		if (strcmp(k->section, "task.*") == 0)
			continue; /* below */
		/* written out, the default gives what no line gives */
		snprintf(text, sizeof(text), "[%s]\n%s = %s\n", k->section, k->name, k->def);
		load_ok(text, &cfg);
		dump_config(&cfg, dump, 8192);
		config_free(&cfg);
		if (strcmp(dump, defaults) != 0)
			fail_msg("[%s] %s = %s differs from the default:\n%s\n---\n%s", k->section,
			    k->name, k->def, dump, defaults);
	}
	assert_true(n > 0);
}

static void
test_key_table_task_defaults(void **state)
{
	const struct config_key *k;
	struct child_load bare, r;
	char text[512];

	(void)state;
	load_in_child("[task.t]\nexec = /bin/true\n", &bare);
	if (bare.rc != 0)
		fail_msg("refused: %s", bare.err);
	for (k = config_keys; k->name; k++) {
		if (strcmp(k->section, "task.*") != 0 || strcmp(k->name, "exec") == 0)
			continue;
		snprintf(text, sizeof(text), "[task.t]\nexec = /bin/true\n%s = %s\n", k->name, k->def);
		load_in_child(text, &r);
		if (r.rc != 0)
			fail_msg("[task.*] %s = %s refused: %s", k->name, k->def, r.err);
		assert_string_equal(r.dump, bare.dump);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_file_gives_defaults),
		cmocka_unit_test(test_metrics_allow_default),
		cmocka_unit_test(test_spec_sample_loads),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_unknown_section),
		cmocka_unit_test(test_key_outside_section),
		cmocka_unit_test(test_bad_integer),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_bool),
		cmocka_unit_test(test_bad_size),
		cmocka_unit_test(test_cidrs),
		cmocka_unit_test(test_listen),
		cmocka_unit_test(test_time_zone),
		cmocka_unit_test(test_key_set_twice),
		cmocka_unit_test(test_list_key_repeated),
		cmocka_unit_test(test_syntax_error),
		cmocka_unit_test(test_first_error_is_reported),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_config_load_file),
		cmocka_unit_test(test_tls_pair),
		cmocka_unit_test(test_task_classes),
		cmocka_unit_test(test_task_class_lookup),
		cmocka_unit_test(test_task_class_errors),
		cmocka_unit_test(test_inline_comments),
		cmocka_unit_test(test_indented_keys),
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_user_agent),
		cmocka_unit_test(test_key_table),
		cmocka_unit_test(test_key_table_task_defaults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
