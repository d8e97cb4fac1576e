/*
 * api_server: server.* : facts about this server.
 */

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "api/call.h"
#include "util/buf.h"
#include "conf/config.h"
#include "util/json.h"
#include "store/store.h"
#include "engine/tz.h"
#include "util/version.h"

int
api_server_time(struct api_call *c)
{
	json_int(c->g, c->now);
	return 0;
}

int
api_server_timezones(struct api_call *c)
{
	const char *const *names;
	size_t n = tz_list(&names), i;

	yajl_gen_array_open(c->g);
	for (i = 0; i < n; i++)
		json_str(c->g, names[i]);
	yajl_gen_array_close(c->g);
	return 0;
}

int
api_server_useragent(struct api_call *c)
{
	char ua[512];

	config_user_agent(c->api->cfg, ua, sizeof(ua));
	json_str(c->g, ua);
	return 0;
}

/* The I-th address of a comma-separated list into OUT; 0 when absent. */
static int
api_server_nth(const char *list, size_t i, char *out, size_t len)
{
	const char *p = list;
	size_t n;

	while (1) {
		while (*p == ' ' || *p == '\t')
			p++;
		n = strcspn(p, ",");
		while (n > 0 && isspace((unsigned char)p[n - 1]))
			n--;
		if (i == 0)
			break;
		p += strcspn(p, ",");
		if (*p == '\0')
			return 0;
		p++;
		i--;
	}
	if (n == 0 || n >= len)
		return 0;
	memcpy(out, p, n);
	out[n] = '\0';
	return 1;
}

int
api_server_ip(struct api_call *c)
{
	const struct config *cfg = c->api->cfg;
	char v4[64], v6[64];
	size_t i;

	yajl_gen_array_open(c->g);
	for (i = 0;; i++) {
		int has4 = api_server_nth(cfg->egress_ipv4, i, v4, sizeof(v4));
		int has6 = api_server_nth(cfg->egress_ipv6, i, v6, sizeof(v6));

		if (!has4 && !has6)
			break;
		yajl_gen_map_open(c->g);
		json_kstr(c->g, "v4", has4 ? v4 : NULL);
		json_kstr(c->g, "v6", has6 ? v6 : NULL);
		yajl_gen_map_close(c->g);
	}
	yajl_gen_array_close(c->g);
	return 0;
}

int
api_server_info(struct api_call *c)
{
	struct api_figures f;
	struct store_txn t;
	uint64_t accounts = 0, jobs = 0;
	int rc;

	if (c->caller.admin) {
		if ((rc = store_begin(c->api->store, 0, &t)) != STORE_OK)
			return call_store_error(c, rc, "account");
		accounts = store_count(&t, DB_ACCOUNTS);
		jobs = store_count(&t, DB_JOBS);
		store_abort(&t);
	}
	yajl_gen_map_open(c->g);
	json_kstr(c->g, "version", WEBCRON_VERSION);
	json_kstr(c->g, "node", c->api->cfg->name);
	json_kint(c->g, "uptime", c->api->hooks.now(c->api->hooks.arg) - (int64_t)c->api->started);
	if (c->caller.admin) {
		c->api->hooks.figures(c->api->hooks.arg, &f);
		json_kint(c->g, "jobs", (int64_t)jobs);
		json_kint(c->g, "accounts", (int64_t)accounts);
		json_kint(c->g, "executionsInFlight", (int64_t)f.inflight);
		json_kint(c->g, "executionsQueued", (int64_t)f.queued);
		json_kint(c->g, "scheduled", (int64_t)f.scheduled);
	}
	yajl_gen_map_close(c->g);
	return 0;
}
