/*
 * config: the key table, inih parsing and validation.
 */

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>

#include "util/buf.h"
#include "util/cidr.h"
#include "conf/config.h"
#include "conf/listen_addr.h"
#include "util/log.h"
#include "engine/tz.h"
#include "util/version.h"

#define C(f) offsetof(struct config, f)
#define T(f) offsetof(struct config_task_class, f)

const struct config_key config_keys[] = {
	{ "server", "listen", CONFIG_LISTEN, C(listen), 0, 0, "127.0.0.1:8080", 0,
	    "addresses to serve the API on: host:port, [v6]:port or unix:/path, comma separated; port 0 picks a free port" },
	{ "server", "port_file", CONFIG_PATH, C(port_file), 0, 0, "", 0,
	    "file to write the first bound TCP port to once the daemon answers (written to a temp file, then renamed)" },
	{ "server", "data_dir", CONFIG_STR, C(data_dir), 1, 0, "/var/lib/webcrond", 0,
	    "directory of the LMDB environment" },
	{ "server", "map_size", CONFIG_SIZE, C(map_size), 65536, (int64_t)1 << 40, "1G", 0,
	    "largest size the database may grow to (K, M, G, T suffixes)" },
	{ "server", "user", CONFIG_STR, C(user), 0, 0, "", 0,
	    "drop privileges to this user after binding when started as root" },
	{ "server", "trusted_proxies", CONFIG_CIDRS, C(trusted_proxies), 0, 0, "", 1,
	    "CIDRs of reverse proxies whose X-Forwarded-For / Forwarded headers are believed" },
	{ "server", "tls_cert", CONFIG_PATH, C(tls_cert), 0, 0, "", 0,
	    "PEM certificate chain: serve HTTPS on every TCP listener" },
	{ "server", "tls_key", CONFIG_PATH, C(tls_key), 0, 0, "", 0,
	    "PEM private key for tls_cert" },
	{ "server", "idle_timeout", CONFIG_INT, C(idle_timeout), 1, 3600, "60", 1,
	    "seconds before an idle or stalled client connection is closed" },
	{ "server", "request_timeout", CONFIG_INT, C(request_timeout), 1, 3600, "30", 1,
	    "seconds a request may take to arrive whole, from its first byte" },
	{ "server", "metrics_allow", CONFIG_CIDRS, C(metrics_allow), 0, 0, "127.0.0.1/32, ::1/128", 1,
	    "CIDRs that may read /metrics" },
	{ "server", "shutdown_grace", CONFIG_INT, C(shutdown_grace), 0, 3600, "30", 1,
	    "seconds running executions may take to finish after SIGTERM" },
	{ "server", "load_slice", CONFIG_INT, C(load_slice), 1, 1000000, "20000", 0,
	    "stored jobs the start-up load reads per batch (the loop schedules a batch per turn)" },
	{ "server", "dashboard", CONFIG_BOOL, C(dashboard), 0, 1, "yes", 1,
	    "serve the browser dashboard at / (no: only the API, /healthz and /metrics)" },
	{ "server", "name", CONFIG_STR, C(name), 0, 0, "", 0,
	    "this server's name in server.info (node), /metrics and the log; empty = the host name" },

	{ "api", "rate_limit", CONFIG_INT, C(rate_limit), 1, 1000000, "10", 1,
	    "API requests per second per token (and per address for bad tokens)" },
	{ "api", "rate_burst", CONFIG_INT, C(rate_burst), 1, 1000000, "10", 1,
	    "requests a token may make at once before the rate applies" },
	{ "api", "strict_http_status", CONFIG_BOOL, C(strict_http_status), 0, 1, "no", 1,
	    "answer errors with 400/401/403/404/409/422 instead of 200" },
	{ "api", "strict_params", CONFIG_BOOL, C(strict_params), 0, 1, "no", 1,
	    "refuse unknown API parameters (code 22) instead of naming them in warnings" },
	{ "api", "history_days", CONFIG_INT, C(history_days), 1, 36500, "90", 1,
	    "days an event of the history of changes is kept" },
	{ "api", "history_max", CONFIG_INT, C(history_max), 1, 10000000, "10000", 1,
	    "events of the history of changes kept per account; the oldest go first" },

	{ "jobs", "default_timezone", CONFIG_ZONE, C(default_timezone), 0, 0, "UTC", 1,
	    "time zone of new accounts" },
	{ "jobs", "user_agent", CONFIG_STR, C(user_agent), 1, 0, "webcron/%v", 1,
	    "default User-Agent of outgoing requests; %v is the version" },
	{ "jobs", "allow_private_targets", CONFIG_BOOL, C(allow_private_targets), 0, 1, "no", 1,
	    "allow jobs to call loopback, private, link-local and other internal addresses" },
	{ "jobs", "allowed_targets", CONFIG_CIDRS, C(allowed_targets), 0, 0, "", 1,
	    "CIDRs jobs may call even though they are internal" },
	{ "jobs", "max_concurrent", CONFIG_INT, C(max_concurrent), 1, 1000000, "1024", 1,
	    "executions in flight in the whole server" },
	{ "jobs", "egress_ipv4", CONFIG_ADDRS4, C(egress_ipv4), 0, 0, "", 1,
	    "IPv4 addresses targets see requests from, listed by server.ip" },
	{ "jobs", "egress_ipv6", CONFIG_ADDRS6, C(egress_ipv6), 0, 0, "", 1,
	    "IPv6 addresses targets see requests from, listed by server.ip" },
	{ "jobs", "sendmail", CONFIG_CMD, C(sendmail), 0, 0, "", 1,
	    "command that reads a mail on stdin for e-mail notices, e.g. /usr/sbin/sendmail -t" },
	{ "jobs", "log_max_age", CONFIG_INT, C(log_max_age), 1, 36500, "30", 1,
	    "days an execution log is kept" },

	{ "limits", "max_jobs", CONFIG_INT, C(lim_max_jobs), 0, 100000000, "100", 1,
	    "jobs per account" },
	{ "limits", "max_tasks", CONFIG_INT, C(lim_max_tasks), 0, 1000, "20", 1,
	    "tasks per job" },
	{ "limits", "max_timeout", CONFIG_INT, C(lim_max_timeout), 1, 86400, "900", 1,
	    "largest request timeout a job may set, seconds" },
	{ "limits", "min_interval", CONFIG_INT, C(lim_min_interval), 1, 86400, "60", 1,
	    "smallest gap between two fires of a job, seconds" },
	{ "limits", "max_concurrent", CONFIG_INT, C(lim_max_concurrent), 1, 1000000, "10", 1,
	    "executions of one account in flight at once" },
	{ "limits", "daily_executions", CONFIG_INT, C(lim_daily_executions), 0, 1000000000, "0", 1,
	    "executions per account per day; 0 = no limit" },
	{ "limits", "log_retention", CONFIG_INT, C(lim_log_retention), 0, 100000, "100", 1,
	    "execution logs kept per job" },

	{ "cluster", "router", CONFIG_PATH, C(router), 0, 0, "", 0,
	    "HAProxy's admin socket (stats socket ... level admin): this shard's tokens are kept in its map; empty = no router" },
	{ "cluster", "router_map", CONFIG_PATH, C(router_map), 0, 0, "", 0,
	    "the token map's path as HAProxy knows it (the file of map() in its config)" },
	{ "cluster", "router_backend", CONFIG_STR, C(router_backend), 0, 0, "", 0,
	    "this shard's backend name in HAProxy's config, the value of its tokens in the map; empty = [server] name" },

	{ "task.*", "exec", CONFIG_PATH, T(exec), 0, 0, "", 1,
	    "absolute path of the program run for this task class (required)" },
	{ "task.*", "timeout", CONFIG_INT, T(timeout), 1, 86400, "900", 1,
	    "seconds before the program is killed" },
	{ "task.*", "user", CONFIG_STR, T(user), 0, 0, "", 1,
	    "run the program as this user (when the daemon runs as root)" },
	{ NULL, NULL, 0, 0, 0, 0, NULL, 0, NULL }
};

struct config_seen {
	char section[64];
	const char *name;
	int line;
	char *text; /* the value so far (lists grow by repeating the key) */
};

struct config_parse {
	struct config *cfg;
	const char *file;
	FILE *fp;         /* NULL when parsing a string */
	const char *text; /* the rest of the string */
	int line;
	int in_section; /* a [section] line was seen */
	int failed;
	int err_line; /* 0 when the error belongs to no one line */
	char err[384];
	struct config_seen *seen;
	size_t nseen;
};

static void
config_fail(struct config_parse *p, const char *section, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
config_fail(struct config_parse *p, const char *section, const char *name, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	if (p->failed) /* the first error is the one to fix first */
		return;
	p->failed = 1;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	p->err_line = p->line;
	if (name)
		snprintf(p->err, sizeof(p->err), "[%s] %s: %s", section, name, why);
	else
		snprintf(p->err, sizeof(p->err), "%s", why);
}

static void
config_trim(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
}

static int config_section_known(const char *section);
static struct config_task_class *config_task_section(struct config_parse *p, const char *section);

/* A "[section]" line: checked here, where its line number is known, so
 * that an unknown or empty section is reported on its own line. */
static int
config_section_line(struct config_parse *p, const char *s)
{
	char name[128];
	size_t n = strcspn(s + 1, "]");

	if (s[1 + n] != ']' || n >= sizeof(name))
		return 0; /* inih reports the syntax error */
	memcpy(name, s + 1, n);
	name[n] = '\0';
	p->in_section = 1;
	if (strncmp(name, "task.", 5) == 0)
		return config_task_section(p, name) ? 0 : -1;
	if (!config_section_known(name)) {
		config_fail(p, NULL, NULL, "unknown section [%.60s]", name);
		return -1;
	}
	return 0;
}

/* Syntax errors are found here rather than left to inih, which goes on
 * past them and reports them last: the first error in the file is the one
 * to report. A line is blank, a comment, [section], or key = value. */
static int
config_syntax_line(struct config_parse *p, const char *s)
{
	size_t n = strcspn(s, "\r\n");

	if (n == 0 || *s == ';' || *s == '#')
		return 0;
	if (*s == '[') {
		const char *close = memchr(s, ']', n);

		if (close == NULL) {
			config_fail(p, NULL, NULL, "syntax error: a section name needs its closing ]");
			return -1;
		}
		return 0;
	}
	if (memchr(s, '=', n) == NULL && memchr(s, ':', n) == NULL) {
		config_fail(p, NULL, NULL, "syntax error (expected [section] or key = value)");
		return -1;
	}
	if (*s == '=' || *s == ':') {
		config_fail(p, NULL, NULL, "syntax error: a key name is missing before =");
		return -1;
	}
	if (!p->in_section) {
		char key[64];
		size_t k = strcspn(s, "=:");

		while (k > 0 && (s[k - 1] == ' ' || s[k - 1] == '\t'))
			k--;
		snprintf(key, sizeof(key), "%.*s", (int)(k < 60 ? k : 60), s);
		config_fail(p, NULL, NULL, "%s: keys belong in a section such as [server]", key);
		return -1;
	}
	return 0;
}

/*
 * inih's reader: one line at a time. Counting lines here is how errors get
 * their line numbers (Debian's inih has no line numbers in the handler).
 * Leading blanks are stripped so that indented keys are plain keys rather
 * than inih's continuation lines, and an over-long line stops the parse
 * with an error instead of being split in two.
 */
static char *
config_reader(char *str, int num, void *stream)
{
	struct config_parse *p = stream;
	char line[4096];
	const char *s;
	size_t len;

	if (p->failed)
		return NULL;
	if (p->fp) {
		if (fgets(line, sizeof(line), p->fp) == NULL)
			return NULL;
		len = strlen(line);
		if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
			p->line++;
			config_fail(p, NULL, NULL, "line is longer than %d characters", num - 2);
			return NULL;
		}
	} else {
		const char *nl;

		if (*p->text == '\0')
			return NULL;
		nl = strchr(p->text, '\n');
		len = nl ? (size_t)(nl - p->text) + 1 : strlen(p->text);
		if (len >= sizeof(line)) {
			p->line++;
			config_fail(p, NULL, NULL, "line is longer than %d characters", num - 2);
			return NULL;
		}
		memcpy(line, p->text, len);
		line[len] = '\0';
		p->text += len;
	}
	p->line++;
	for (s = line; *s == ' ' || *s == '\t'; s++)
		;
	if (*s == '[' && config_section_line(p, s) == -1)
		return NULL;
	if (config_syntax_line(p, s) == -1)
		return NULL;
	len = strlen(s);
	if (len > 0 && s[len - 1] == '\n')
		len--;
	if (len > 0 && s[len - 1] == '\r')
		len--;
	if (len + 2 > (size_t)num) {
		config_fail(p, NULL, NULL, "line is longer than %d characters", num - 2);
		return NULL;
	}
	memcpy(str, s, len);
	str[len] = '\n';
	str[len + 1] = '\0';
	return str;
}

static int
config_bool(const char *v, int *out)
{
	static const char *yes[] = { "yes", "true", "on", "1" };
	static const char *no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

int
config_parse_size(const char *s, int64_t *out)
{
	char *end;
	unsigned long long v;
	int shift = 0;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	switch (toupper((unsigned char)*end)) {
	case '\0': break;
	case 'K':
		shift = 10;
		end++;
		break;
	case 'M':
		shift = 20;
		end++;
		break;
	case 'G':
		shift = 30;
		end++;
		break;
	case 'T':
		shift = 40;
		end++;
		break;
	default: return -1;
	}
	if (shift && (*end == 'B' || *end == 'b'))
		end++;
	if (*end != '\0' || v > (1ULL << (62 - shift)))
		return -1;
	*out = (int64_t)(v << shift);
	return 0;
}

static int
config_addrs(const char *v, int want_v4, char *why, size_t whylen)
{
	char *copy = xstrdup(v), *p = copy, *item;
	int rc = 0;

	while ((item = strsep(&p, ",")) != NULL) {
		struct cidr_addr a;

		while (isspace((unsigned char)*item))
			item++;
		config_trim(item);
		if (*item == '\0')
			continue;
		if (cidr_addr_parse(item, &a) == -1 || cidr_addr_is_v4(&a) != want_v4) {
			snprintf(why, whylen, "\"%.60s\" is not an IPv%d address", item, want_v4 ? 4 : 6);
			rc = -1;
			break;
		}
	}
	free(copy);
	return rc;
}

/* Checks VALUE against KEY's type and stores it at BASE + offset. Returns
 * 0, or -1 with the reason in WHY. */
static int
config_set(const struct config_key *key, void *base, const char *value, char *why, size_t whylen)
{
	char *field = (char *)base + key->offset;
	int64_t n;
	char *end;

	switch (key->type) {
	case CONFIG_INT:
		errno = 0;
		n = strtoll(value, &end, 10);
		if (*value == '\0' || *end != '\0' || errno) {
			snprintf(why, whylen, "\"%.60s\" is not a whole number", value);
			return -1;
		}
		if (n < key->min || n > key->max) {
			snprintf(why, whylen, "%lld is out of range %lld-%lld", (long long)n,
			    (long long)key->min, (long long)key->max);
			return -1;
		}
		*(int *)field = (int)n;
		return 0;
	case CONFIG_BOOL:
		if (config_bool(value, (int *)field) == -1) {
			snprintf(why, whylen, "\"%.60s\" is not yes or no", value);
			return -1;
		}
		return 0;
	case CONFIG_SIZE:
		if (config_parse_size(value, &n) == -1) {
			snprintf(why, whylen, "\"%.60s\" is not a size (e.g. 64M, 1G)", value);
			return -1;
		}
		if (n < key->min || n > key->max) {
			snprintf(why, whylen, "%.60s is out of range %lldK-%lldG", value,
			    (long long)(key->min >> 10), (long long)(key->max >> 30));
			return -1;
		}
		*(int64_t *)field = n;
		return 0;
	case CONFIG_CIDRS: {
		struct cidr_list list;

		if (cidr_list_parse(value, &list, why, whylen) == -1)
			return -1;
		cidr_list_free((struct cidr_list *)field);
		*(struct cidr_list *)field = list;
		return 0;
	}
	case CONFIG_LISTEN: {
		struct listen_addr *addrs = NULL;
		size_t naddrs = 0;

		if (listen_addr_parse_list(value, &addrs, &naddrs, why, whylen) == -1)
			return -1;
		free(addrs);
		if (naddrs == 0) {
			snprintf(why, whylen, "at least one address is needed");
			return -1;
		}
		break;
	}
	case CONFIG_ZONE:
		if (tz_get(value) == NULL) {
			snprintf(why, whylen, "unknown time zone \"%.60s\"", value);
			return -1;
		}
		break;
	case CONFIG_ADDRS4:
	case CONFIG_ADDRS6:
		if (config_addrs(value, key->type == CONFIG_ADDRS4, why, whylen) == -1)
			return -1;
		break;
	case CONFIG_PATH:
		if (*value != '\0' && *value != '/') {
			snprintf(why, whylen, "\"%.60s\" is not an absolute path", value);
			return -1;
		}
		if (*value == '\0' && key->min > 0) {
			snprintf(why, whylen, "a path is required");
			return -1;
		}
		break;
	case CONFIG_CMD:
		if (*value != '\0' && *value != '/') {
			snprintf(why, whylen, "the command must start with an absolute path");
			return -1;
		}
		break;
	case CONFIG_STR:
		if (*value == '\0' && key->min > 0) {
			snprintf(why, whylen, "a value is required");
			return -1;
		}
		break;
	}
	free(*(char **)field);
	*(char **)field = xstrdup(value);
	return 0;
}

static int
config_is_list(const struct config_key *key)
{
	return key->type == CONFIG_CIDRS || key->type == CONFIG_LISTEN ||
	    key->type == CONFIG_ADDRS4 || key->type == CONFIG_ADDRS6;
}

static const struct config_key *
config_find(const char *section, const char *name)
{
	const struct config_key *k;
	int is_task = strncmp(section, "task.", 5) == 0;

	for (k = config_keys; k->name; k++) {
		if (is_task ? strcmp(k->section, "task.*") != 0 : strcmp(k->section, section) != 0)
			continue;
		if (strcmp(k->name, name) == 0)
			return k;
	}
	return NULL;
}

static int
config_section_known(const char *section)
{
	const struct config_key *k;

	for (k = config_keys; k->name; k++)
		if (strcmp(k->section, section) == 0)
			return 1;
	return 0;
}

static void
config_task_defaults(struct config_task_class *tc)
{
	const struct config_key *k;
	char why[128];

	for (k = config_keys; k->name; k++)
		if (strcmp(k->section, "task.*") == 0)
			if (config_set(k, tc, k->def, why, sizeof(why)) == -1)
				fatalx("config default of task.* %s: %s", k->name, why);
}

/* The task class of SECTION ("task.NAME"), created on first sight. NULL
 * (with an error set) for a bad name. */
static struct config_task_class *
config_task_section(struct config_parse *p, const char *section)
{
	struct config *cfg = p->cfg;
	const char *name = section + 5;
	struct config_task_class *tc;
	size_t i;

	for (i = 0; i < cfg->ntask_classes; i++)
		if (strcmp(cfg->task_classes[i].name, name) == 0)
			return &cfg->task_classes[i];
	if (*name == '\0' || strlen(name) > 32 || strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") != strlen(name)) {
		config_fail(p, NULL, NULL, "[%.60s]: a task class name is 1-32 characters of a-z, 0-9, _ and -", section);
		return NULL;
	}
	if (strcmp(name, "http") == 0) {
		config_fail(p, NULL, NULL, "[task.http]: \"http\" is the built-in task action and cannot be redefined");
		return NULL;
	}
	cfg->task_classes = xrealloc(cfg->task_classes, (cfg->ntask_classes + 1) * sizeof(*tc));
	tc = &cfg->task_classes[cfg->ntask_classes++];
	memset(tc, 0, sizeof(*tc));
	tc->name = xstrdup(name);
	tc->line = p->line;
	config_task_defaults(tc);
	return tc;
}

static int
config_handler(void *user, const char *section, const char *name, const char *value)
{
	struct config_parse *p = user;
	const struct config_key *key;
	char why[256], val[4096];
	void *base = p->cfg;
	size_t i;

	if (p->failed)
		return 0;
	snprintf(val, sizeof(val), "%s", value);
	config_trim(val);
	if (strncmp(section, "task.", 5) == 0) {
		if ((base = config_task_section(p, section)) == NULL)
			return 0;
	} else if (!config_section_known(section)) {
		config_fail(p, NULL, NULL, "unknown section [%.60s]", section);
		return 0;
	}
	if ((key = config_find(section, name)) == NULL) {
		config_fail(p, section, name, "unknown key");
		return 0;
	}
	for (i = 0; i < p->nseen; i++)
		if (p->seen[i].name == key->name && strcmp(p->seen[i].section, section) == 0)
			break;
	if (i < p->nseen) {
		struct buf joined = BUF_INIT;

		if (!config_is_list(key)) {
			config_fail(p, section, name, "set twice (first on line %d)", p->seen[i].line);
			return 0;
		}
		/* a list key may be repeated to keep lines short: the values add up */
		buf_printf(&joined, "%s, %s", p->seen[i].text, val);
		free(p->seen[i].text);
		p->seen[i].text = xstrdup(buf_str(&joined));
		buf_free(&joined);
	} else {
		p->seen = xrealloc(p->seen, (p->nseen + 1) * sizeof(*p->seen));
		snprintf(p->seen[p->nseen].section, sizeof(p->seen[p->nseen].section), "%s", section);
		p->seen[p->nseen].name = key->name;
		p->seen[p->nseen].line = p->line;
		p->seen[p->nseen].text = xstrdup(val);
		p->nseen++;
	}
	if (config_set(key, base, p->seen[i].text, why, sizeof(why)) == -1) {
		config_fail(p, section, name, "%s", why);
		return 0;
	}
	return 1;
}

void
config_defaults(struct config *cfg)
{
	const struct config_key *k;
	char why[256];

	memset(cfg, 0, sizeof(*cfg));
	for (k = config_keys; k->name; k++) {
		if (strcmp(k->section, "task.*") == 0)
			continue;
		if (config_set(k, cfg, k->def, why, sizeof(why)) == -1)
			fatalx("config default of [%s] %s: %s", k->section, k->name, why);
	}
}

/* A name that goes into log lines, metric labels and HAProxy's map and
 * backend names as it is: letters, digits, ".", "_" and "-". */
static int
config_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '.' && *s != '_' && *s != '-')
			return 0;
	return 1;
}

/* Checks that span keys (both TLS files, every task class has exec, the
 * router's two keys), and fills in the names left empty. */
static void
config_check(struct config_parse *p)
{
	struct config *cfg = p->cfg;
	char host[256];
	size_t i;

	if (*cfg->name == '\0') {
		if (gethostname(host, sizeof(host)) == -1 || (host[sizeof(host) - 1] = '\0', !config_name_ok(host)))
			snprintf(host, sizeof(host), "webcrond");
		free(cfg->name);
		cfg->name = xstrdup(host);
	} else if (!config_name_ok(cfg->name)) {
		p->line = 0;
		config_fail(p, NULL, NULL, "[server] name: 1-64 letters, digits, '.', '_' or '-'");
	}
	if (*cfg->router_backend == '\0') {
		free(cfg->router_backend);
		cfg->router_backend = xstrdup(cfg->name);
	} else if (!config_name_ok(cfg->router_backend)) {
		p->line = 0;
		config_fail(p, NULL, NULL,
		    "[cluster] router_backend: 1-64 letters, digits, '.', '_' or '-'");
	}
	if ((*cfg->router == '\0') != (*cfg->router_map == '\0')) {
		p->line = 0;
		config_fail(p, NULL, NULL, "[cluster] router and router_map must be set together");
	}

	if ((*cfg->tls_cert == '\0') != (*cfg->tls_key == '\0')) {
		p->line = 0;
		config_fail(p, NULL, NULL, "[server] tls_cert and tls_key must be set together");
	}
	for (i = 0; i < cfg->ntask_classes; i++)
		if (*cfg->task_classes[i].exec == '\0') {
			p->line = cfg->task_classes[i].line;
			config_fail(p, NULL, NULL, "[task.%s] exec: a program is required",
			    cfg->task_classes[i].name);
		}
}

static int
config_run(struct config_parse *p, const char *name, struct config *cfg, char *err, size_t errlen)
{
	size_t i;
	int rc;

	config_defaults(cfg);
	cfg->path = xstrdup(name);
	p->cfg = cfg;
	p->file = name;
	rc = ini_parse_stream(config_reader, p, config_handler, p);
	if (rc > 0 && !p->failed) {
		p->line = rc;
		config_fail(p, NULL, NULL, "syntax error (expected [section] or key = value)");
	}
	if (rc < 0 && !p->failed)
		config_fail(p, NULL, NULL, "cannot be parsed (out of memory)");
	if (!p->failed)
		config_check(p);
	for (i = 0; i < p->nseen; i++)
		free(p->seen[i].text);
	free(p->seen);
	if (p->failed) {
		if (p->err_line > 0)
			snprintf(err, errlen, "%s:%d: %s", name, p->err_line, p->err);
		else
			snprintf(err, errlen, "%s: %s", name, p->err);
		config_free(cfg);
		return -1;
	}
	return 0;
}

int
config_load(const char *path, struct config *cfg, char *err, size_t errlen)
{
	struct config_parse p;
	int rc;

	memset(&p, 0, sizeof(p));
	if ((p.fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		memset(cfg, 0, sizeof(*cfg));
		return -1;
	}
	rc = config_run(&p, path, cfg, err, errlen);
	fclose(p.fp);
	return rc;
}

int
config_load_string(const char *name, const char *text, struct config *cfg, char *err, size_t errlen)
{
	struct config_parse p;

	memset(&p, 0, sizeof(p));
	p.text = text;
	return config_run(&p, name, cfg, err, errlen);
}

void
config_keep_restart_keys(struct config *newcfg, const struct config *old)
{
	const struct config_key *k;

	for (k = config_keys; k->name; k++) {
		char *nf, *of;

		if (k->reload || strcmp(k->section, "task.*") == 0)
			continue;
		nf = (char *)newcfg + k->offset;
		of = (char *)old + k->offset;
		switch (k->type) {
		case CONFIG_SIZE:
			if (*(int64_t *)nf != *(int64_t *)of)
				log_warnx("config: [%s] %s changed; it takes effect after a restart",
				    k->section, k->name);
			*(int64_t *)nf = *(int64_t *)of;
			break;
		case CONFIG_INT:
		case CONFIG_BOOL:
			if (*(int *)nf != *(int *)of)
				log_warnx("config: [%s] %s changed; it takes effect after a restart",
				    k->section, k->name);
			*(int *)nf = *(int *)of;
			break;
		case CONFIG_CIDRS:
			break; /* every CIDR key reloads */
		default:
			if (strcmp(*(char **)nf, *(char **)of) != 0)
				log_warnx("config: [%s] %s changed; it takes effect after a restart",
				    k->section, k->name);
			free(*(char **)nf);
			*(char **)nf = xstrdup(*(char **)of);
			break;
		}
	}
}

void
config_free(struct config *cfg)
{
	const struct config_key *k;
	size_t i;

	for (k = config_keys; k->name; k++) {
		char *f = (char *)cfg + k->offset;

		if (strcmp(k->section, "task.*") == 0)
			continue;
		switch (k->type) {
		case CONFIG_INT:
		case CONFIG_BOOL:
		case CONFIG_SIZE:
			break;
		case CONFIG_CIDRS:
			cidr_list_free((struct cidr_list *)f);
			break;
		default:
			free(*(char **)f);
			*(char **)f = NULL;
		}
	}
	for (i = 0; i < cfg->ntask_classes; i++) {
		free(cfg->task_classes[i].name);
		free(cfg->task_classes[i].exec);
		free(cfg->task_classes[i].user);
	}
	free(cfg->task_classes);
	free(cfg->path);
	memset(cfg, 0, sizeof(*cfg));
}

const struct config_task_class *
config_task_class(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->ntask_classes; i++)
		if (strcmp(cfg->task_classes[i].name, name) == 0)
			return &cfg->task_classes[i];
	return NULL;
}

void
config_user_agent(const struct config *cfg, char *out, size_t len)
{
	static const char version[] = WEBCRON_VERSION;
	const char *p;
	size_t o = 0, n;

	if (len == 0)
		return;
	/* written in place: it is asked for at every cron.get */
	for (p = cfg->user_agent; *p && o < len - 1; p++) {
		if (p[0] == '%' && p[1] == 'v') {
			n = sizeof(version) - 1 < len - 1 - o ? sizeof(version) - 1 : len - 1 - o;
			memcpy(out + o, version, n);
			o += n;
			p++;
		} else
			out[o++] = *p;
	}
	out[o] = '\0';
}
