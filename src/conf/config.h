/*
 * config: the config file (inih), described by one table of keys.
 *
 * Every key has a type, a range, a default and a line of help; the table
 * is also what the sample config and the man page are checked against.
 * A broken file is refused as a whole: the error names the file, the
 * line and the key.
 */
#ifndef WEBCRON_CONFIG_H
#define WEBCRON_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "util/cidr.h"

struct config_task_class {
	char *name;  /* from [task.NAME] */
	char *exec;  /* absolute path of the program */
	int timeout; /* seconds */
	char *user;  /* run as this user when the daemon is root; "" = same */
	int line;    /* where the section starts, for messages */
};

struct config {
	char *path;

	/* [server] */
	char *listen;
	char *port_file;
	char *data_dir;
	int64_t map_size;
	char *user;
	struct cidr_list trusted_proxies;
	char *tls_cert;
	char *tls_key;
	int idle_timeout;
	int request_timeout;
	struct cidr_list metrics_allow;
	int shutdown_grace;
	int load_slice; /* jobs the start-up load reads per batch */
	int dashboard;  /* serve the browser UI at / */
	char *name;     /* never empty after loading: the host name by default */

	/* [api] */
	int rate_limit;
	int rate_burst;
	int strict_http_status;
	int strict_params; /* unknown API parameters are code 22 */
	int history_days;  /* the history of changes: days kept */
	int history_max;   /* and events kept per account */

	/* [jobs] */
	char *default_timezone;
	char *user_agent;
	int allow_private_targets;
	struct cidr_list allowed_targets;
	int max_concurrent;
	char *egress_ipv4;
	char *egress_ipv6;
	char *sendmail;
	int log_max_age;

	/* [limits]: defaults for new accounts */
	int lim_max_jobs;
	int lim_max_tasks;
	int lim_max_timeout;
	int lim_min_interval;
	int lim_max_concurrent;
	int lim_daily_executions;
	int lim_log_retention;

	/* [cluster] */
	char *router; /* HAProxy's admin socket; "" = no router */
	char *router_map;
	char *router_backend; /* never empty after loading: name by default */

	/* [task.NAME] */
	struct config_task_class *task_classes;
	size_t ntask_classes;
};

enum config_type {
	CONFIG_STR,    /* any text */
	CONFIG_INT,    /* integer within [min, max] */
	CONFIG_BOOL,   /* yes/no, true/false, on/off, 1/0 */
	CONFIG_SIZE,   /* bytes with an optional K, M, G or T suffix */
	CONFIG_CIDRS,  /* comma-separated addresses or CIDR ranges */
	CONFIG_LISTEN, /* comma-separated host:port or unix:/path */
	CONFIG_ZONE,   /* an IANA time zone name */
	CONFIG_ADDRS4, /* comma-separated literal IPv4 addresses */
	CONFIG_ADDRS6, /* comma-separated literal IPv6 addresses */
	CONFIG_PATH,   /* an absolute path, or empty */
	CONFIG_CMD,    /* a command line whose first word is an absolute path */
};

struct config_key {
	const char *section; /* "task.*" for task class keys */
	const char *name;
	enum config_type type;
	size_t offset; /* into struct config, or struct config_task_class */
	int64_t min, max;
	const char *def;
	int reload; /* 1 = a SIGHUP applies a change; 0 = needs a restart */
	const char *help;
};

/* The table, ending with an entry whose name is NULL. */
extern const struct config_key config_keys[];

/* Fills CFG with the defaults (data_dir etc. as SPEC says). */
void config_defaults(struct config *cfg);

/* Reads PATH into CFG (defaults first). Returns 0, or -1 with a message in
 * ERR like "webcrond.conf:12: [server] idle_timeout: 0 is out of range
 * 1-3600"; CFG is then freed and must not be used. */
int config_load(const char *path, struct config *cfg, char *err, size_t errlen);

/* Parses TEXT as if it were the file NAME; the same contract as
 * config_load (used by the unit tests and the fuzzer). */
int config_load_string(const char *name, const char *text, struct config *cfg,
    char *err, size_t errlen);

/* Copies the keys that need a restart from OLD into NEW, logging each one
 * that differs. Used on SIGHUP. */
void config_keep_restart_keys(struct config *newcfg, const struct config *old);

void config_free(struct config *cfg);

/* The task class NAME, or NULL. */
const struct config_task_class *config_task_class(const struct config *cfg, const char *name);

/* The default User-Agent: [jobs] user_agent with %v as the version. */
void config_user_agent(const struct config *cfg, char *out, size_t len);

/* Splits a size like "1G" / "64K" / "1048576" into bytes. Returns 0 or -1. */
int config_parse_size(const char *s, int64_t *out);

#endif
