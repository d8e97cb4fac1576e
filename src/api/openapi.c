/*
 * openapi: the API's OpenAPI 3.1 document, made from its tables.
 *
 * Made by the daemon rather than written by hand (or by a script in
 * another language) so that it cannot drift from the code it describes:
 * every route of api_routes[] becomes a path, every field of job_fields[]
 * a property of Job and a parameter of cron.add/cron.edit with its type,
 * bounds, default and names, every limit of account_fields[] a property of
 * Account with the range of its config key. What no table holds (which
 * parameters each action reads, the shape of its data, the other objects)
 * is written below, as small JSON texts in which ' stands for ".
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "api/api.h"
#include "api/call.h"
#include "api/openapi.h"
#include "engine/cron.h"
#include "store/account.h"
#include "store/apikey.h"
#include "store/group.h"
#include "store/job.h"
#include "store/rules.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/log.h"
#include "util/url.h"
#include "util/version.h"

/* The bounds that the handlers keep to themselves (api_cron.c). */
#define OA_LIST_MAX 1000 /* cron.list, cron.upcoming, cron.logs, user.list: limit */
#define OA_NEXT_MAX 100  /* cron.next, cron.validate: count */
#define OA_HOURS_MAX 168 /* cron.upcoming: hours */
#define OA_PAGE_MAX 1000000

#define OA_REF(name) "{'$ref':'#/components/schemas/" name "'}"
#define OA_ARRAY(s) "{'type':'array','items':" s "}"

enum oa_type {
	OA_ID = 1, /* an object id, a whole number >= 1 */
	OA_INT,    /* a whole number MIN..MAX */
	OA_STR,    /* text of at most MAX bytes */
	OA_BOOL,
	OA_SCHEMA,   /* SCHEMA, a JSON text */
	OA_JOB,      /* the job's fields, the schedule and the aliases */
	OA_SCHEDULE, /* the schedule alone (cron.validate) */
	OA_LIMITS,   /* the account's limits, one by one or as `limits` */
};

struct oa_param {
	const char *name;
	enum oa_type type;
	int64_t min, max;
	int required;
	const char *schema;
	const char *description;
};

#define OA_END \
	{ \
		NULL, 0, 0, 0, 0, NULL, NULL \
	}
#define OA_PID(name, what) \
	{ \
		name, OA_ID, 0, 0, 1, NULL, what \
	}

struct oa_action {
	const char *target;
	const char *action;
	const char *summary;
	const struct oa_param *params;
	const char *data; /* the schema of the answer's data */
};

/* ---- the parameters of each action (handlers in api_<target>.c) */

static const struct oa_param oa_none[] = { OA_END };

static const struct oa_param oa_id_job[] = { OA_PID("id", "the job's id"), OA_END };
static const struct oa_param oa_id_group[] = { OA_PID("id", "the group's id"), OA_END };
static const struct oa_param oa_id_task[] = { OA_PID("id", "the task's id"), OA_END };
static const struct oa_param oa_id_account[] = { OA_PID("id", "the account's id"), OA_END };

#define OA_LIST_PARAMS \
	{ "keyword", OA_STR, 0, 255, 0, NULL, \
		"jobs whose name or URL contains it (ignoring case), or whose id it is" }, \
	    { "status", OA_INT, 0, JOB_FAILED, 0, NULL, "jobs with this status" }, \
	    { "page", OA_INT, 1, OA_PAGE_MAX, 0, NULL, "1-based page of `limit` jobs" }, \
	{ \
		"limit", OA_INT, 1, OA_LIST_MAX, 0, NULL, "jobs per page (default 1000)" \
	}

static const struct oa_param oa_cron_list[] = {
	{ "group", OA_INT, 0, INT64_MAX, 0, NULL, "jobs of this group (0: every job)" },
	OA_LIST_PARAMS,
	{ "after", OA_INT, 0, INT64_MAX, 0, NULL,
	    "only jobs with a greater id: the next page after the last id seen" },
	OA_END
};

static const struct oa_param oa_cron_get[] = {
	OA_PID("id", "the job's id"),
	{ "nextRuns", OA_SCHEMA, 0, 0, 0,
	    "{'oneOf':[{'type':'boolean'},{'type':'integer','minimum':1,'maximum':50}]}",
	    "also answer `nextRuns`: `true` for the next 5 fire times, or how many" },
	OA_END
};

static const struct oa_param oa_cron_log[] = {
	OA_PID("id", "the job's id"),
	OA_PID("execution", "the execution's id: the `execution` cron.run answered"),
	OA_END
};

static const struct oa_param oa_cron_add[] = {
	{ "job", OA_JOB, 0, 0, 0, NULL, NULL },
	OA_END
};

static const struct oa_param oa_cron_edit[] = {
	OA_PID("id", "the job's id"),
	{ "job", OA_JOB, 0, 0, 0, NULL, NULL },
	OA_END
};

static const struct oa_param oa_cron_pause[] = {
	OA_PID("id", "the job's id"),
	{ "for", OA_SCHEMA, 0, 0, 1, "{'type':['integer','string'],'maxLength':64}",
	    "seconds, or a duration such as `15 minutes`, `2 hours`, `1 day`, `1h30m` "
	    "(at most a year); 0 unpauses" },
	OA_END
};

static const struct oa_param oa_cron_next[] = {
	OA_PID("id", "the job's id"),
	{ "count", OA_INT, 1, OA_NEXT_MAX, 0, NULL, "how many fire times (default 5)" },
	OA_END
};

static const struct oa_param oa_cron_upcoming[] = {
	{ "hours", OA_INT, 1, OA_HOURS_MAX, 0, NULL, "how far ahead (default 24)" },
	{ "limit", OA_INT, 1, OA_LIST_MAX, 0, NULL, "at most this many (default 100)" },
	OA_END
};

static const struct oa_param oa_cron_validate[] = {
	{ "schedule", OA_SCHEDULE, 0, 0, 0, NULL, NULL },
	{ "timezone", OA_STR, 0, JOB_TIMEZONE_MAX, 0, NULL,
	    "IANA zone (default the account's); code 24 when unknown" },
	{ "count", OA_INT, 1, OA_NEXT_MAX, 0, NULL, "how many fire times (default 5)" },
	{ "from", OA_INT, 0, JOB_TIME_MAX, 0, NULL, "Unix time to count from (default now)" },
	OA_END
};

static const struct oa_param oa_cron_run[] = {
	OA_PID("id", "the job's id"),
	{ "payload", OA_STR, 0, JOB_POSTDATA_MAX, 0, NULL,
	    "replaces the body of a POST/PUT/PATCH job for this run" },
	OA_END
};

#define OA_LOG_PARAMS \
	{ "limit", OA_INT, 1, OA_LIST_MAX, 0, NULL, "at most this many (default 50)" }, \
	    { "before", OA_INT, 1, INT64_MAX, 0, NULL, "only logs older than this log id (paging)" }, \
	{ \
		"status", OA_INT, 0, 8, 0, NULL, "only logs with this Log status" \
	}

static const struct oa_param oa_cron_logs[] = {
	OA_PID("id", "the job's id"),
	OA_LOG_PARAMS,
	OA_END
};

static const struct oa_param oa_cron_failures[] = {
	{ "id", OA_ID, 0, 0, 0, NULL, "the job's id; every job of the account when absent" },
	OA_LOG_PARAMS,
	OA_END
};

#define OA_HISTORY_PARAMS \
	{ "limit", OA_INT, 1, OA_LIST_MAX, 0, NULL, "at most this many (default 50)" }, \
	{ \
		"before", OA_INT, 1, INT64_MAX, 0, NULL, "only events older than this event id (paging)" \
	}

static const struct oa_param oa_cron_history[] = {
	OA_PID("id", "the job's id (also of a deleted job)"),
	OA_HISTORY_PARAMS,
	OA_END
};

static const struct oa_param oa_account_history[] = {
	OA_HISTORY_PARAMS,
	{ "object", OA_SCHEMA, 0, 0, 0, "{'enum':['job','group','account']}",
	    "only events of this kind of object" },
	{ "objectId", OA_ID, 0, 0, 0, NULL, "only events of the object with this id" },
	{ "action", OA_STR, 0, 64, 0, NULL,
	    "only events of this action (cron.edit) or target (cron)" },
	OA_END
};

static const struct oa_param oa_task_list[] = { OA_PID("job", "the job's id"), OA_END };

#define OA_TASK_PARAMS(req) \
	{ "action", OA_STR, 0, 64, req, NULL, \
		"`http`, or a task class of the server's config (code 22 otherwise)" }, \
	    { "payload", OA_SCHEMA, 0, 0, 0, \
		    "{'type':['string','object']}", \
		    "http: a URL, or an object with url, method, headers, body, timeout; " \
		    "a task class: passed to it. At most 16 KiB" }, \
	    { "timeOffset", OA_INT, 0, JOB_OFFSET_MAX, 0, NULL, \
		    "seconds after the previous step ended" }, \
	    { "continueOnFailure", OA_BOOL, 0, 0, 0, NULL, "a failure of this step does not stop the run" }, \
	{ \
		"sequence", OA_INT, 1, INT32_MAX, 0, NULL, "position, 1-based (default: last)" \
	}
#define OA_STR_(x) OA_STR__(x)
#define OA_STR__(x) #x

static const struct oa_param oa_task_add[] = {
	OA_PID("job", "the job's id"),
	OA_TASK_PARAMS(1),
	OA_END
};

static const struct oa_param oa_task_edit[] = {
	OA_PID("id", "the task's id"),
	OA_TASK_PARAMS(0),
	OA_END
};

static const struct oa_param oa_group_lookup[] = {
	{ "name", OA_STR, 0, GROUP_NAME_MAX, 1, NULL, "the exact name" },
	OA_END
};

static const struct oa_param oa_group_add[] = {
	{ "name", OA_STR, 0, GROUP_NAME_MAX, 1, NULL, NULL },
	{ "description", OA_STR, 0, GROUP_DESCRIPTION_MAX, 0, NULL, NULL },
	OA_END
};

static const struct oa_param oa_group_edit[] = {
	OA_PID("id", "the group's id"),
	{ "name", OA_STR, 0, GROUP_NAME_MAX, 0, NULL, NULL },
	{ "description", OA_STR, 0, GROUP_DESCRIPTION_MAX, 0, NULL, NULL },
	OA_END
};

static const struct oa_param oa_group_items[] = {
	OA_PID("id", "the group's id"),
	OA_LIST_PARAMS,
	OA_END
};

#define OA_ACCOUNT_PARAMS(namereq) \
	{ "name", OA_STR, 0, ACCOUNT_NAME_MAX, namereq, NULL, NULL }, \
	    { "email", OA_STR, 0, ACCOUNT_EMAIL_MAX, 0, NULL, NULL }, \
	    { "timezone", OA_STR, 0, ACCOUNT_TIMEZONE_MAX, 0, NULL, "IANA zone; code 24 when unknown" }, \
	    { "notifyUrl", OA_STR, 0, ACCOUNT_NOTIFY_URL_MAX, 0, NULL, \
		    "http(s) URL that gets signed failure notices; code 25 when refused" }, \
	    { "notifyEmail", OA_STR, 0, ACCOUNT_EMAIL_MAX, 0, NULL, NULL }, \
	{ \
		"strictParams", OA_BOOL, 0, 0, 0, NULL, \
		    "refuse unknown parameters with code 22 (else they are named in warnings)" \
	}

static const struct oa_param oa_account_edit[] = {
	OA_ACCOUNT_PARAMS(0),
	OA_END
};

static const struct oa_param oa_account_secret[] = {
	{ "secret", OA_STR, 0, ACCOUNT_SECRET_MAX, 1, NULL,
	    "replaces __secret__ at run time and signs outgoing requests; empty clears it" },
	OA_END
};

#define OA_SCOPES "{'type':['array','string'],'items':{'enum':['read','write','run','admin']}," \
	          "'description':'an array, or names with commas between'}"
#define OA_ALLOW "{'type':['array','string','null'],'items':{'type':'string'}," \
	         "'description':'addresses and CIDR ranges (an array, or commas between); empty: any'}"

#define OA_KEY_PARAMS(req) \
	{ "name", OA_STR, 1, APIKEY_NAME_MAX, req, NULL, NULL }, \
	    { "scopes", OA_SCHEMA, 0, 0, req, OA_SCOPES, \
		    "what the key may do; admin only for admin accounts" }, \
	    { "group", OA_SCHEMA, 0, 0, 0, "{'type':['integer','null'],'minimum':0}", \
		    "the one group the key may act on (null or 0: every group)" }, \
	    { "allow", OA_SCHEMA, 0, 0, 0, OA_ALLOW, \
		    "the client addresses (after trusted_proxies) the key works from" }, \
	{ \
		"expiresAt", OA_SCHEMA, 0, 0, 0, "{'type':['integer','null'],'minimum':0}", \
		    "Unix time the key stops working (0 or null: never)" \
	}

static const struct oa_param oa_key_add[] = {
	OA_KEY_PARAMS(1),
	OA_END
};

static const struct oa_param oa_key_edit[] = {
	OA_PID("id", "the key's id"),
	OA_KEY_PARAMS(0),
	OA_END
};

static const struct oa_param oa_id_key[] = { OA_PID("id", "the key's id"), OA_END };

static const struct oa_param oa_user_list[] = {
	{ "page", OA_INT, 1, OA_PAGE_MAX, 0, NULL, "1-based page of `limit` accounts" },
	{ "limit", OA_INT, 1, OA_LIST_MAX, 0, NULL, "accounts per page (default 1000)" },
	OA_END
};

#define OA_ADMIN_PARAMS \
	{ "status", OA_INT, ACCOUNT_ACTIVE, ACCOUNT_SUSPENDED, 0, NULL, "0 active, 1 suspended" }, \
	    { "admin", OA_BOOL, 0, 0, 0, NULL, NULL }, \
	{ \
		"limits", OA_LIMITS, 0, 0, 0, NULL, NULL \
	}

static const struct oa_param oa_user_add[] = {
	OA_ACCOUNT_PARAMS(1),
	OA_ADMIN_PARAMS,
	OA_END
};

static const struct oa_param oa_user_edit[] = {
	OA_PID("id", "the account's id"),
	OA_ACCOUNT_PARAMS(0),
	OA_ADMIN_PARAMS,
	OA_END
};

/* ---- each route: what it reads and what its data is */

static const struct oa_action oa_actions[] = {
	{ "cron", "list", "The account's jobs, by id", oa_cron_list, OA_ARRAY(OA_REF("Job")) },
	{ "cron", "get", "One job, with its tasks", oa_cron_get, OA_REF("Job") },
	{ "cron", "add", "Adds a job: a url and/or tasks, and a schedule", oa_cron_add,
	    OA_REF("Job") },
	{ "cron", "edit", "Changes a job; absent fields keep their value", oa_cron_edit,
	    OA_REF("Job") },
	{ "cron", "delete", "Deletes a job with its tasks and logs; answers it with id null",
	    oa_id_job, OA_REF("Job") },
	{ "cron", "enable", "Sets a job active (and its failures to 0)", oa_id_job, OA_REF("Job") },
	{ "cron", "disable", "Disables a job", oa_id_job, OA_REF("Job") },
	{ "cron", "toggle", "Active becomes disabled, anything else active", oa_id_job,
	    OA_REF("Job") },
	{ "cron", "pause", "Pauses a job for a while", oa_cron_pause, OA_REF("Job") },
	{ "cron", "duplicate", "Copies a job: `Copy of <name>`, disabled", oa_id_job, OA_REF("Job") },
	{ "cron", "next", "The next fire times of a job", oa_cron_next,
	    OA_ARRAY("{'type':'integer'}") },
	{ "cron", "upcoming", "The account's next fires, by time", oa_cron_upcoming,
	    OA_ARRAY("{'type':'object','additionalProperties':false,"
	             "'required':['id','name','time','expression'],'properties':{'id':{'type':'integer'},"
	             "'name':{'type':'string'},'time':{'type':'integer'},"
	             "'expression':{'type':'string','description':'the schedule of the job'}}}") },
	{ "cron", "validate", "Checks a schedule and lists its next fire times; stores nothing",
	    oa_cron_validate,
	    "{'type':'object','additionalProperties':false,"
	    "'required':['expression','description','timezone','nextRuns'],'properties':{"
	    "'expression':{'type':'string','description':'normalized'},"
	    "'description':{'type':'string'},'timezone':{'type':'string'},"
	    "'nextRuns':{'type':'array','items':{'type':'integer'}}}}" },
	{ "cron", "presets", "Named schedules", oa_none,
	    OA_ARRAY("{'type':'object','additionalProperties':false,"
	             "'required':['name','expression','description'],'properties':{"
	             "'name':{'type':'string'},'expression':{'type':'string'},"
	             "'description':{'type':'string'}}}") },
	{ "cron", "run", "Runs a job now, whatever its status (code 31 while it runs and may not "
	                 "overlap, 41 past the daily limit)",
	    oa_cron_run,
	    "{'type':'object','additionalProperties':false,'required':['time','execution'],"
	    "'properties':{'time':{'type':'integer'},'execution':{'type':'integer',"
	    "'description':'the id of the Log the run writes'}}}" },
	{ "cron", "logs", "A job's executions, newest first", oa_cron_logs,
	    OA_ARRAY(OA_REF("Log")) },
	{ "cron", "log", "One execution: its Log once it ended, `running` while the job runs "
	                 "(code 30 otherwise)",
	    oa_cron_log,
	    "{'oneOf':[" OA_REF("Log") ",{'type':'object','additionalProperties':false,"
	                               "'required':['id','jobId','running'],'properties':{'id':{'type':'integer'},"
	                               "'jobId':{'type':'integer'},'running':{'const':true}}}]}" },
	{ "cron", "failures", "Failed executions (Log status 1-5 and 7), newest first",
	    oa_cron_failures, OA_ARRAY(OA_REF("Log")) },
	{ "cron", "history", "A job's history of changes, newest first", oa_cron_history,
	    OA_ARRAY(OA_REF("Event")) },

	{ "task", "list", "A job's tasks, in order", oa_task_list, OA_ARRAY(OA_REF("Task")) },
	{ "task", "get", "One task", oa_id_task, OA_REF("Task") },
	{ "task", "add", "Adds a step to a job (code 40 past maxTasks)", oa_task_add,
	    OA_REF("Task") },
	{ "task", "edit", "Changes a task; `sequence` moves it", oa_task_edit, OA_REF("Task") },
	{ "task", "delete", "Deletes a task; answers it with id null", oa_id_task, OA_REF("Task") },

	{ "group", "list", "The account's groups", oa_none, OA_ARRAY(OA_REF("Group")) },
	{ "group", "get", "One group", oa_id_group, OA_REF("Group") },
	{ "group", "lookup", "Groups by exact name", oa_group_lookup, OA_ARRAY(OA_REF("Group")) },
	{ "group", "add", "Adds a group", oa_group_add, OA_REF("Group") },
	{ "group", "edit", "Changes a group", oa_group_edit, OA_REF("Group") },
	{ "group", "delete", "Deletes a group; its jobs stay, ungrouped", oa_id_group,
	    OA_REF("Group") },
	{ "group", "vanish", "Deletes a group and its jobs", oa_id_group, OA_REF("Group") },
	{ "group", "empty", "Deletes a group's jobs, keeps the group", oa_id_group,
	    OA_REF("Group") },
	{ "group", "items", "A group's jobs", oa_group_items, OA_ARRAY(OA_REF("Job")) },
	{ "group", "enable", "Enables every job of a group", oa_id_group, OA_REF("Group") },
	{ "group", "disable", "Disables every job of a group", oa_id_group, OA_REF("Group") },

	{ "account", "get", "The caller's account", oa_none, OA_REF("Account") },
	{ "account", "edit", "Changes the caller's account (not its limits, status or admin flag)",
	    oa_account_edit, OA_REF("Account") },
	{ "account", "secret", "Sets the signing secret", oa_account_secret, OA_REF("Account") },
	{ "account", "token", "A new token; the old one stops working at once", oa_none,
	    OA_REF("TokenAnswer") },
	{ "account", "keys", "The account's API keys (never their tokens)", oa_none,
	    OA_ARRAY(OA_REF("Key")) },
	{ "account", "keyAdd", "A new API key: its token is shown this once", oa_key_add,
	    OA_REF("KeyAnswer") },
	{ "account", "keyEdit", "Changes a key; absent fields keep their value", oa_key_edit,
	    OA_REF("Key") },
	{ "account", "keyDelete", "Deletes a key: its token stops working at once; answers it with "
	                          "id null",
	    oa_id_key, OA_REF("Key") },
	{ "account", "history", "The account's history of changes, newest first",
	    oa_account_history, OA_ARRAY(OA_REF("Event")) },

	{ "server", "time", "The server's Unix time", oa_none, "{'type':'integer'}" },
	{ "server", "timezones", "The IANA zone names the server knows", oa_none,
	    OA_ARRAY("{'type':'string'}") },
	{ "server", "useragent", "The default User-Agent of outgoing requests", oa_none,
	    "{'type':'string'}" },
	{ "server", "ip", "Egress addresses, so that users can allow them", oa_none,
	    OA_ARRAY("{'type':'object','additionalProperties':false,'required':['v4','v6'],"
	             "'properties':{'v4':{'type':['string','null']},'v6':{'type':['string','null']}}}") },
	{ "server", "info", "Version, node and uptime; for admins also counts", oa_none,
	    "{'type':'object','additionalProperties':false,'required':['version','node','uptime'],"
	    "'properties':{'version':{'type':'string'},"
	    "'node':{'type':'string','description':'[server] name of the answering server'},"
	    "'uptime':{'type':'integer'},"
	    "'jobs':{'type':'integer','description':'admins only'},"
	    "'accounts':{'type':'integer','description':'admins only'},"
	    "'executionsInFlight':{'type':'integer','description':'admins only'},"
	    "'executionsQueued':{'type':'integer','description':'admins only'},"
	    "'scheduled':{'type':'integer','description':'admins only'}}}" },

	{ "user", "list", "Every account, by id", oa_user_list, OA_ARRAY(OA_REF("Account")) },
	{ "user", "get", "One account", oa_id_account, OA_REF("Account") },
	{ "user", "add", "Adds an account and answers its token", oa_user_add,
	    "{'type':'object','additionalProperties':false,'required':['account','token'],"
	    "'properties':{'account':" OA_REF("Account") ",'token':" OA_REF("Token") "}}" },
	{ "user", "edit", "Changes an account", oa_user_edit, OA_REF("Account") },
	{ "user", "delete", "Deletes an account with its jobs, groups and logs; answers it with "
	                    "id null",
	    oa_id_account, OA_REF("Account") },
	{ "user", "token", "A new token for an account", oa_id_account, OA_REF("TokenAnswer") },
	{ NULL, NULL, NULL, NULL, NULL }
};

/* ---- the objects that no table describes */

static const struct {
	const char *name;
	const char *schema;
} oa_objects[] = {
	{ "Token", "{'type':'string','pattern':'^[A-Za-z0-9]{32}$'}" },
	{ "TokenAnswer", "{'type':'object','additionalProperties':false,'required':['token'],"
	                 "'properties':{'token':" OA_REF("Token") "}}" },
	{ "Key", "{'type':'object','additionalProperties':false,'required':['id','name','scopes',"
	         "'group','allow','expiresAt','createdAt','lastUsedAt','lastUsedFrom'],'properties':{"
	         "'id':{'type':['integer','null'],'description':'null in the answer of a delete'},"
	         "'name':{'type':'string'},"
	         "'scopes':{'type':'array','items':{'enum':['read','write','run','admin']}},"
	         "'group':{'type':['integer','null']},"
	         "'allow':{'type':'array','items':{'type':'string'}},"
	         "'expiresAt':{'type':['integer','null']},'createdAt':{'type':'integer'},"
	         "'lastUsedAt':{'type':['integer','null'],'description':'to the minute'},"
	         "'lastUsedFrom':{'type':['string','null']}}}" },
	{ "KeyAnswer", "{'type':'object','additionalProperties':false,'required':['key','token'],"
	               "'properties':{'key':" OA_REF("Key") ",'token':" OA_REF("Token") "}}" },
	{ "Task", "{'type':'object','additionalProperties':false,"
	          "'required':['id','job','sequence','action','payload','timeOffset','continueOnFailure'],"
	          "'properties':{"
	          "'id':{'type':['integer','null'],'description':'null in the answer of a delete'},"
	          "'job':{'type':'integer'},'sequence':{'type':'integer','minimum':1},"
	          "'action':{'type':'string'},'payload':{'type':'string'},"
	          "'timeOffset':{'type':'integer','minimum':0,'maximum':" OA_STR_(JOB_OFFSET_MAX) "},"
	                                                                                          "'continueOnFailure':{'type':'boolean'}}}" },
	{ "Rule", "{'type':'object','additionalProperties':false,"
	          "'required':['expression','startsAt','expiresAt'],'description':"
	          "'one rule of the expression, with its own bounds within the job window','properties':{"
	          "'expression':{'type':'string'},"
	          "'startsAt':{'type':['integer','null'],'description':'Unix seconds, null when unset'},"
	          "'expiresAt':{'type':['integer','null'],'description':'Unix seconds, null when unset'}}}" },
	{ "RuleInput", "{'type':'object','required':['expression'],'description':"
	               "'one element of the rules parameter of cron.add and cron.edit','properties':{"
	               "'expression':{'type':'string','maxLength':" OA_STR_(CRON_TEXT_MAX) "},"
	                                                                                   "'startsAt':{'type':['integer','string','null']},"
	                                                                                   "'expiresAt':{'type':['integer','string','null']}}}" },
	{ "TaskInput", "{'type':'object','required':['action'],'description':"
	               "'one element of the tasks parameter of cron.add and cron.edit','properties':{"
	               "'action':{'type':'string','maxLength':64},"
	               "'payload':{'type':['string','object','null']},"
	               "'timeOffset':{'type':'integer','minimum':0,'maximum':" OA_STR_(JOB_OFFSET_MAX) "},"
	                                                                                               "'continueOnFailure':{'type':'boolean'}}}" },
	{ "Group", "{'type':'object','additionalProperties':false,"
	           "'required':['id','name','description','jobCount'],'properties':{"
	           "'id':{'type':['integer','null'],'description':'null in the answer of a delete'},"
	           "'name':{'type':'string'},'description':{'type':'string'},"
	           "'jobCount':{'type':'integer','minimum':0}}}" },
	{ "Event", "{'type':'object','additionalProperties':false,"
	           "'required':['id','time','account','actor','by','key','user','client','action','object',"
	           "'objectId','changes'],'properties':{'id':{'type':'integer','minimum':1},"
	           "'time':{'type':'integer'},'account':{'type':'integer','description':"
	           "'whose history the event is in'},'actor':{'enum':['api','webcronctl']},"
	           "'by':{'type':['integer','null'],'description':'the calling account (an admin acting "
	           "with asUser); null for webcronctl'},'key':{'type':['string','null'],'description':"
	           "'token: the token of the account'},'user':{'type':['string','null'],'description':"
	           "'webcronctl: the local user'},'client':{'type':['string','null']},"
	           "'action':{'type':'string'},'object':{'enum':['job','group','account']},"
	           "'objectId':{'type':'integer'},'changes':{'type':'array','items':{'type':'object',"
	           "'additionalProperties':false,'required':['field'],'properties':{"
	           "'field':{'type':'string'},'old':{},'new':{},'changed':{'const':true,'description':"
	           "'a secret: changed, never shown'}}}}}}" },
	{ "Log", "{'type':'object','additionalProperties':false,"
	         "'required':['id','jobId','no','time','startTime','executionTime','jitter','trigger',"
	         "'attempt','status','httpStatus','ip','downloaded','result','error','timings','tasks'],"
	         "'properties':{'id':{'type':'integer','description':'the execution id'},"
	         "'jobId':{'type':'integer'},'no':{'type':'integer','description':'the job run count'},"
	         "'time':{'type':'integer','description':'planned fire time'},"
	         "'startTime':{'type':'number'},'executionTime':{'type':'number'},"
	         "'jitter':{'type':'integer','description':'milliseconds, start minus planned'},"
	         "'trigger':{'enum':['schedule','manual','retry','catchup']},"
	         "'attempt':{'type':'integer','minimum':1},"
	         "'status':{'type':'integer','minimum':0,'maximum':8,'description':"
	         "'0 success, 1 bad HTTP status, 2 timeout, 3 connection or DNS error, 4 pattern matched, "
	         "5 destination blocked, 6 skipped (still running), 7 task failed, 8 cancelled'},"
	         "'httpStatus':{'type':['integer','null']},'ip':{'type':['string','null']},"
	         "'downloaded':{'type':'integer','minimum':0},"
	         "'result':{'type':['string','null']},'error':{'type':['string','null']},"
	         "'timings':{'type':'object','additionalProperties':false,"
	         "'required':['dns','connect','tls','firstByte'],'properties':{"
	         "'dns':{'type':'number'},'connect':{'type':'number'},'tls':{'type':'number'},"
	         "'firstByte':{'type':'number'}}},"
	         "'tasks':{'type':'array','items':{'type':'object','additionalProperties':false,"
	         "'required':['sequence','action','status','startTime','executionTime','output','error'],"
	         "'properties':{'sequence':{'type':'integer'},'action':{'type':'string'},"
	         "'status':{'type':'integer'},'startTime':{'type':'number'},"
	         "'executionTime':{'type':'number'},'output':{'type':['string','null']},"
	         "'error':{'type':['string','null']}}}}}}" },
	{ NULL, NULL }
};

/* The envelope's codes (enum api_code of call.h), with SPEC 3.2's words. */
static const struct {
	int code;
	const char *meaning;
} oa_codes[] = {
	{ API_OK, "success" },
	{ API_INTERNAL, "internal error (details only in the log)" },
	{ API_STORAGE, "storage full or unavailable" },
	{ API_NO_TOKEN, "token missing" },
	{ API_BAD_TOKEN, "Invalid API token, user not found." },
	{ API_SUSPENDED, "account suspended" },
	{ API_DENIED, "permission denied (admin-only action, asUser without admin)" },
	{ API_UNKNOWN, "unknown target or action" },
	{ API_MISSING, "required parameter missing (field names it)" },
	{ API_INVALID, "invalid parameter value (field names it; message says why)" },
	{ API_SCHEDULE, "invalid schedule" },
	{ API_TIMEZONE, "unknown timezone" },
	{ API_URL, "URL not allowed" },
	{ API_NOT_FOUND, "not found (or another account's)" },
	{ API_RUNNING, "already running" },
	{ API_LIMIT, "limit reached (the message names it)" },
	{ API_DAILY, "daily execution limit reached" },
	{ API_RATE, "rate limit exceeded (HTTP 503 with Retry-After)" },
	{ API_MOVING, "the account is moving to another server: writes wait (HTTP 503 with Retry-After: 1)" },
};

/* Names that params.c folds into another (its params_aliases[]). */
static const struct {
	const char *alias;
	const char *name;
	const char *description;
} oa_aliases[] = {
	{ "day_of_month", "day", "alias of day" },
	{ "day_of_week", "weekday", "alias of weekday" },
	{ "cron_expression", "expression", "alias of expression" },
	{ "is_active", "status", "true = status 0 (active), false = status 1 (disabled)" },
	{ "enabled", "status", "true = status 0 (active), false = status 1 (disabled)" },
};

static const char *const oa_schedule_fields[] = {
	"second", "minute", "hour", "day", "month", "weekday"
};

/* The Job's fields that only a show hook writes (JOB_FT_VIEW), by name. */
static const struct {
	const char *name;
	const char *schema;
} oa_job_views[] = {
	{ "hasPassword", "{'type':'boolean','description':'password is never returned'}" },
	{ "fail", "{'type':'integer','minimum':0,'description':'consecutive failures now'}" },
	{ "tasks", OA_ARRAY(OA_REF("Task")) },
	{ "rules", OA_ARRAY(OA_REF("Rule")) },
	{ "lastRun", "{'type':['integer','null'],'description':'planned time of the last run'}" },
	{ "nextRun", "{'type':['integer','null'],'description':'null when the job is not active'}" },
	{ "nextRuns", "{'type':'array','items':{'type':'integer'},"
	              "'description':'cron.get with nextRuns only: nextRun and the fire times after it'}" },
	{ "lastStatus", "{'type':['integer','null'],'description':'Log status of the last run'}" },
	{ "lastDuration", "{'type':['number','null'],'description':'seconds'}" },
	{ "lastHttpStatus", "{'type':['integer','null'],"
	                    "'description':'HTTP status of the last run, null without one'}" },
	{ "isProcessing", "{'type':'boolean'}" },
	{ "points", "{'type':'integer','minimum':0,'description':'fires in the calendar day of the job, in its zone'}" },
	{ NULL, NULL }
};

static const char oa_description[] =
    "webcron: cron jobs over HTTP, SetCronJob-compatible.\n\n"
    "Every action is at `/api/<target>.<action>` and every HTTP method reaches it; this "
    "document lists GET (parameters in the query string) and POST (parameters in an "
    "`application/x-www-form-urlencoded` or JSON object body). Query string, form and JSON "
    "may be mixed; the body wins over the query string.\n\n"
    "Parameter names are matched ignoring case and underscores (`httpMethod`, "
    "`http_method` and `HTTPMETHOD` are one name); a trailing `[]` or `[n]` is dropped. "
    "Aliases: `day_of_month` = `day`, `day_of_week` = `weekday`, `cron_expression` = "
    "`expression`, `is_active` and `enabled` = `status` (true: 0, false: 1). Arrays are "
    "JSON arrays, repeated names (`minute[]=0&minute[]=30`) or comma lists (`minute=0,30`). "
    "Booleans are true/false, 1/0, yes/no, on/off; numbers may be strings. Unknown names "
    "are ignored.\n\n"
    "Every answer is an envelope: `{\"status\":\"success\",\"code\":0,\"data\":...}` or "
    "`{\"status\":\"error\",\"code\":N,\"message\":\"...\",\"field\":\"name\"}` (field "
    "when one parameter is at fault). HTTP status is 200 for every envelope except 503 "
    "(rate limit, with Retry-After), 413 (body over 64 KiB), 500 (internal) and 507 "
    "(storage full); with `strict_http_status = yes` error codes map to 400/401/403/404/"
    "409/422.\n\n"
    "The token (32 characters of [A-Za-z0-9]) is sent as `Authorization: Bearer`, as the "
    "`token` query parameter, or as `token` in a form or JSON body (which OpenAPI cannot "
    "name as a security scheme: it is a property of each request body). An admin may add "
    "`asUser=<account id>` to any action.\n\n"
    "This document is made by webcrond from its route table and the job's table of "
    "fields (`webcrond -O` prints it, `GET /api/openapi.json` serves it without a token).";

/* ---- writing */

/* Writes TEXT, a JSON text in which ' stands for ". */
static void
oa_text(yajl_gen g, const char *text)
{
	char *copy = xstrdup(text), *p;
	yajl_val v;

	for (p = copy; *p; p++)
		if (*p == '\'')
			*p = '"';
	if ((v = json_tree_parse(copy)) == NULL)
		fatalx("openapi: bad static schema: %s", copy);
	json_tree_gen(g, v);
	yajl_tree_free(v);
	free(copy);
}

static void
oa_ktext(yajl_gen g, const char *key, const char *text)
{
	json_key(g, key);
	oa_text(g, text);
}

static void
oa_undocumented(yajl_gen g, const char *what)
{
	yajl_gen_map_open(g);
	json_kbool(g, "x-webcron-undocumented", 1);
	json_kstr(g, "description", what);
	yajl_gen_map_close(g);
}

static void
oa_int_schema(yajl_gen g, int64_t min, int64_t max, const char *description)
{
	yajl_gen_map_open(g);
	json_kstr(g, "type", "integer");
	json_kint(g, "minimum", min);
	json_kint(g, "maximum", max);
	if (description)
		json_kstr(g, "description", description);
	yajl_gen_map_close(g);
}

static void
oa_str_schema(yajl_gen g, int64_t min, int64_t max, const char *def)
{
	yajl_gen_map_open(g);
	json_kstr(g, "type", "string");
	if (min > 0)
		json_kint(g, "minLength", min);
	json_kint(g, "maxLength", max);
	if (def)
		json_kstr(g, "default", def);
	yajl_gen_map_close(g);
}

/* A schedule field's value: a list of numbers and items, in any form. */
static const char oa_list_schema[] =
    "{'oneOf':[{'type':'array','items':{'type':['integer','string']}},"
    "{'type':['integer','string'],'description':'one item, or a comma list'}]}";

/* The schema of a job field F as a parameter of cron.add/cron.edit. */
static void
oa_job_field_input(yajl_gen g, const struct job_field *f)
{
	int i;

	if (strcmp(f->name, "group") == 0)
		oa_text(g, "{'type':['integer','null'],'minimum':0,"
		           "'description':'a group id of the account; null or 0: none'}");
	else if (strcmp(f->name, "httpHeaders") == 0)
		oa_text(g, "{'oneOf':[{'type':'string','description':'Name: value lines'},"
		           "{'type':'array','items':{'type':'string'}},"
		           "{'type':'object','additionalProperties':{'type':'string'}}]}");
	else if (strcmp(f->name, "expression") == 0)
		oa_text(g, "{'type':'string','maxLength':" OA_STR_(CRON_TEXT_MAX) ","
		                                                                  "'description':'a cron expression (5, 6 or 7 fields, macros, ; between rules)'}");
	else if (strcmp(f->name, "status") == 0)
		oa_int_schema(g, JOB_ACTIVE, JOB_DISABLED, "0 active, 1 disabled");
	else if (strcmp(f->name, "rules") == 0)
		oa_text(g, "{'type':'array','items':" OA_REF("RuleInput") ",'minItems':1,"
		                                                          "'description':'the schedule as rules with their own bounds; replaces expression and every rule'}");
	else if (strcmp(f->name, "tasks") == 0)
		oa_text(g, "{'type':'array','items':" OA_REF("TaskInput") ","
		                                                          "'description':'replaces every task of the job'}");
	else if (f->flags & JOB_FF_API_OWN)
		oa_undocumented(g, f->name);
	else {
		switch (f->type) {
		case JOB_FT_TEXT:
			oa_str_schema(g, f->min, f->max, f->text_default);
			break;
		case JOB_FT_INT:
			yajl_gen_map_open(g);
			json_kstr(g, "type", "integer");
			json_kint(g, "minimum", f->min);
			json_kint(g, "maximum", f->max);
			json_kint(g, "default", f->default_value);
			yajl_gen_map_close(g);
			break;
		case JOB_FT_BOOL:
			yajl_gen_map_open(g);
			json_kstr(g, "type", "boolean");
			json_kbool(g, "default", (int)f->default_value);
			yajl_gen_map_close(g);
			break;
		case JOB_FT_ENUM:
			yajl_gen_map_open(g);
			json_key(g, "enum");
			yajl_gen_array_open(g);
			for (i = 0; f->names[i]; i++)
				json_str(g, f->names[i]);
			for (i = 0; f->names[i]; i++)
				json_int(g, i);
			yajl_gen_array_close(g);
			json_kstr(g, "default", f->names[f->default_value]);
			yajl_gen_map_close(g);
			break;
		case JOB_FT_TIME:
			yajl_gen_map_open(g);
			json_key(g, "type");
			yajl_gen_array_open(g);
			json_str(g, "integer");
			json_str(g, "null");
			yajl_gen_array_close(g);
			json_kint(g, "minimum", f->min);
			json_kint(g, "maximum", f->max);
			json_kstr(g, "description", "Unix seconds; null, \"\" or 0 unset it");
			yajl_gen_map_close(g);
			break;
		default:
			oa_undocumented(g, f->name);
			break;
		}
	}
}

/* The schema of a job field F in the Job object. */
static void
oa_job_field_output(yajl_gen g, const struct job_field *f)
{
	size_t i;

	if (f->type == JOB_FT_VIEW) {
		for (i = 0; oa_job_views[i].name; i++)
			if (strcmp(oa_job_views[i].name, f->name) == 0) {
				oa_text(g, oa_job_views[i].schema);
				return;
			}
		oa_undocumented(g, f->name);
		return;
	}
	if (strcmp(f->name, "password") == 0) {
		oa_text(g, "{'const':'','description':'never returned: see hasPassword'}");
		return;
	}
	switch (f->type) {
	case JOB_FT_TEXT:
		yajl_gen_map_open(g);
		json_kstr(g, "type", "string");
		if (strcmp(f->name, "timezone") == 0)
			json_kstr(g, "description", "the zone the job runs in: its own or the account's");
		yajl_gen_map_close(g);
		break;
	case JOB_FT_INT:
		oa_int_schema(g, f->min, f->max, strcmp(f->name, "status") == 0 ? "0 active, 1 disabled, 2 expired, 3 inactive (daily limit), 4 failed" : NULL);
		break;
	case JOB_FT_BOOL:
		oa_text(g, "{'type':'boolean'}");
		break;
	case JOB_FT_ENUM:
		yajl_gen_map_open(g);
		json_key(g, "enum");
		yajl_gen_array_open(g);
		for (i = 0; f->names[i]; i++)
			json_str(g, f->names[i]);
		yajl_gen_array_close(g);
		yajl_gen_map_close(g);
		break;
	case JOB_FT_TIME:
		oa_text(g, "{'type':['integer','null'],'description':'Unix seconds, null when unset'}");
		break;
	case JOB_FT_STAMP:
		oa_text(g, "{'type':'integer','description':'Unix seconds'}");
		break;
	case JOB_FT_ID:
		oa_text(g, strcmp(f->name, "id") == 0 ? "{'type':['integer','null'],'description':'null in the answer of a delete'}" : "{'type':['integer','null']}");
		break;
	case JOB_FT_VIEW:
		break;
	}
}

static void
oa_schema_job(yajl_gen g)
{
	const struct job_field *f;
	size_t i;

	yajl_gen_map_open(g);
	json_kstr(g, "type", "object");
	json_kstr(g, "description", "A cron job (SPEC 3.5); made from job_fields[] of store/job.c");
	json_kbool(g, "additionalProperties", 0);
	json_key(g, "properties");
	yajl_gen_map_open(g);
	for (f = job_fields; f->name; f++) {
		if (f->flags & JOB_FF_HIDDEN)
			continue;
		json_key(g, f->name);
		oa_job_field_output(g, f);
		if (strcmp(f->name, "expression") != 0)
			continue;
		/* its show hook adds the SetCronJob fields */
		for (i = 0; i < 6; i++)
			oa_ktext(g, oa_schedule_fields[i],
			    "{'type':['array','null'],'items':{'type':['integer','string']},"
			    "'description':'null unless the expression is a plain 5- or 6-field rule'}");
	}
	yajl_gen_map_close(g);
	json_key(g, "required");
	yajl_gen_array_open(g);
	for (f = job_fields; f->name; f++) {
		/* nextRuns is there only when cron.get is asked for it */
		if ((f->flags & JOB_FF_HIDDEN) || strcmp(f->name, "nextRuns") == 0)
			continue;
		json_str(g, f->name);
		if (strcmp(f->name, "expression") == 0)
			for (i = 0; i < 6; i++)
				json_str(g, oa_schedule_fields[i]);
	}
	yajl_gen_array_close(g);
	yajl_gen_map_close(g);
}

static void
oa_schema_account(yajl_gen g)
{
	yajl_gen_map_open(g);
	json_kstr(g, "type", "object");
	json_kbool(g, "additionalProperties", 0);
	json_key(g, "properties");
	yajl_gen_map_open(g);
	oa_ktext(g, "id", "{'type':['integer','null'],'description':'null in the answer of a delete'}");
	oa_ktext(g, "name", "{'type':'string'}");
	oa_ktext(g, "email", "{'type':'string'}");
	oa_ktext(g, "timezone", "{'type':'string'}");
	oa_ktext(g, "status", "{'type':'integer','minimum':0,'maximum':1,"
	                      "'description':'0 active, 1 suspended'}");
	oa_ktext(g, "admin", "{'type':'boolean'}");
	oa_ktext(g, "notifyUrl", "{'type':'string'}");
	oa_ktext(g, "notifyEmail", "{'type':'string'}");
	oa_ktext(g, "hasSecret", "{'type':'boolean'}");
	oa_ktext(g, "strictParams", "{'type':'boolean','description':"
	                            "'unknown parameters are code 22 (else named in warnings)'}");
	json_key(g, "limits");
	oa_text(g, OA_REF("Limits"));
	oa_ktext(g, "usage", "{'type':'object','additionalProperties':false,"
	                     "'required':['jobs','executionsToday'],'properties':{"
	                     "'jobs':{'type':'integer','minimum':0},'executionsToday':{'type':'integer','minimum':0}}}");
	oa_ktext(g, "createdAt", "{'type':'integer'}");
	yajl_gen_map_close(g);
	oa_ktext(g, "required", "['id','name','email','timezone','status','admin','notifyUrl',"
	                        "'notifyEmail','hasSecret','strictParams','limits','usage','createdAt']");
	yajl_gen_map_close(g);
}

/* An account limit an admin sets: a row of account_fields[] in "limits". */
static int
oa_is_limit(const struct account_field *f)
{
	return f->object && strcmp(f->object, "limits") == 0 && (f->flags & ACCOUNT_FF_ADMIN);
}

/* The account's limits (account_fields[]), each with its config key's range. */
static void
oa_schema_limits(yajl_gen g, int answer)
{
	const struct account_field *l;
	int64_t min, max;
	char what[128];

	yajl_gen_map_open(g);
	json_kstr(g, "type", "object");
	json_kbool(g, "additionalProperties", answer ? 0 : 1);
	json_key(g, "properties");
	yajl_gen_map_open(g);
	for (l = account_fields; l->name; l++) {
		if (!oa_is_limit(l))
			continue;
		account_field_range(l, &min, &max);
		snprintf(what, sizeof(what), "range of [%s] %s%s", l->conf_section, l->conf_key,
		    (l->flags & ACCOUNT_FF_ZERO_OK) ? "; 0: the server's" : "");
		json_key(g, l->name);
		oa_int_schema(g, min, max, what);
	}
	yajl_gen_map_close(g);
	if (answer) {
		json_key(g, "required");
		yajl_gen_array_open(g);
		for (l = account_fields; l->name; l++)
			if (oa_is_limit(l))
				json_str(g, l->name);
		yajl_gen_array_close(g);
	}
	yajl_gen_map_close(g);
}

/* One parameter's schema. */
static void
oa_param_schema(yajl_gen g, const struct oa_param *p)
{
	switch (p->type) {
	case OA_ID:
		oa_text(g, "{'type':'integer','minimum':1}");
		break;
	case OA_INT:
		oa_int_schema(g, p->min, p->max, NULL);
		break;
	case OA_STR:
		oa_str_schema(g, p->min, p->max, NULL);
		break;
	case OA_BOOL:
		oa_text(g, "{'type':'boolean'}");
		break;
	case OA_SCHEMA:
		oa_text(g, p->schema);
		break;
	default:
		break;
	}
}

/* Parameters go out as query parameters of a GET, or as properties of
 * the request body's schema; oa_emit writes one either way. */
static void oa_emit_text(yajl_gen, const void *);

struct oa_each {
	yajl_gen g;
	int query; /* as query parameters; else as properties */
};

static void
oa_emit(struct oa_each *e, const char *name, int required, const char *description,
    void (*schema)(yajl_gen, const void *), const void *arg)
{
	yajl_gen g = e->g;

	if (!e->query) {
		json_key(g, name);
		if (description) {
			/* a $ref may not have siblings in every tool: wrap it */
			yajl_gen_map_open(g);
			json_kstr(g, "description", description);
			json_key(g, "allOf");
			yajl_gen_array_open(g);
			schema(g, arg);
			yajl_gen_array_close(g);
			yajl_gen_map_close(g);
		} else
			schema(g, arg);
		return;
	}
	yajl_gen_map_open(g);
	json_kstr(g, "name", name);
	json_kstr(g, "in", "query");
	if (required)
		json_kbool(g, "required", 1);
	if (description)
		json_kstr(g, "description", description);
	json_key(g, "schema");
	schema(g, arg);
	if (schema == oa_emit_text && strstr((const char *)arg, "'array'")) {
		json_kstr(g, "style", "form");
		json_kbool(g, "explode", 1);
	}
	yajl_gen_map_close(g);
}

static void
oa_emit_param(yajl_gen g, const void *arg)
{
	oa_param_schema(g, arg);
}

static void
oa_emit_text(yajl_gen g, const void *arg)
{
	oa_text(g, arg);
}

static void
oa_emit_job_field(yajl_gen g, const void *arg)
{
	oa_job_field_input(g, arg);
}

static void
oa_emit_limit(yajl_gen g, const void *arg)
{
	const struct account_field *l = arg;
	int64_t min, max;

	account_field_range(l, &min, &max);
	oa_int_schema(g, min, max, NULL);
}

static void
oa_emit_limits(yajl_gen g, const void *arg)
{
	(void)arg;
	oa_text(g, OA_REF("LimitsInput"));
}

static void
oa_each_schedule(struct oa_each *e, int with_expression)
{
	size_t i;

	if (with_expression)
		oa_emit(e, "expression", 0, "a cron expression; or the fields second...weekday",
		    oa_emit_text, "{'type':'string','maxLength':" OA_STR_(CRON_TEXT_MAX) "}");
	for (i = 0; i < 6; i++)
		oa_emit(e, oa_schedule_fields[i], 0, i == 0 ? "absent: 0" : "absent: *",
		    oa_emit_text, oa_list_schema);
}

static void
oa_each_aliases(struct oa_each *e, int schedule_only)
{
	size_t i;

	for (i = 0; i < sizeof(oa_aliases) / sizeof(oa_aliases[0]); i++) {
		if (strcmp(oa_aliases[i].name, "status") == 0) {
			if (!schedule_only)
				oa_emit(e, oa_aliases[i].alias, 0, oa_aliases[i].description,
				    oa_emit_text, "{'type':'boolean'}");
			continue;
		}
		oa_emit(e, oa_aliases[i].alias, 0, oa_aliases[i].description, oa_emit_text,
		    strcmp(oa_aliases[i].name, "expression") == 0 ?
		        "{'type':'string','maxLength':" OA_STR_(CRON_TEXT_MAX) "}" :
		        oa_list_schema);
	}
}

static void
oa_each_param(struct oa_each *e, const struct oa_action *a)
{
	const struct oa_param *p;
	const struct job_field *f;
	const struct account_field *l;

	for (p = a->params; p->name; p++) {
		switch (p->type) {
		case OA_JOB:
			for (f = job_fields; f->name; f++) {
				if (!(f->flags & (JOB_FF_API | JOB_FF_API_OWN)))
					continue;
				oa_emit(e, f->name, 0, NULL, oa_emit_job_field, f);
				if (strcmp(f->name, "expression") == 0)
					oa_each_schedule(e, 0);
			}
			oa_each_aliases(e, 0);
			break;
		case OA_SCHEDULE:
			oa_each_schedule(e, 1);
			oa_each_aliases(e, 1);
			break;
		case OA_LIMITS:
			for (l = account_fields; l->name; l++)
				if (oa_is_limit(l))
					oa_emit(e, l->name, 0, NULL, oa_emit_limit, l);
			oa_emit(e, "limits", 0, "the limits as one JSON object", oa_emit_limits, NULL);
			break;
		default:
			oa_emit(e, p->name, p->required, p->description, oa_emit_param, p);
			break;
		}
	}
}

static void
oa_required(yajl_gen g, const struct oa_action *a)
{
	const struct oa_param *p;
	int any = 0;

	for (p = a->params; p->name; p++)
		any |= p->required;
	if (!any)
		return;
	json_key(g, "required");
	yajl_gen_array_open(g);
	for (p = a->params; p->name; p++)
		if (p->required)
			json_str(g, p->name);
	yajl_gen_array_close(g);
}

/* The request body's schema of A, in components. */
static void
oa_params_schema(yajl_gen g, const struct oa_action *a)
{
	struct oa_each e = { g, 0 };

	yajl_gen_map_open(g);
	json_kstr(g, "type", "object");
	json_key(g, "properties");
	yajl_gen_map_open(g);
	oa_ktext(g, "token", "{'allOf':[" OA_REF("Token") "],'description':"
	                                                  "'the token in the body: instead of Authorization: Bearer or ?token='}");
	oa_ktext(g, "asUser", "{'type':'integer','minimum':1,'description':"
	                      "'admins: act as this account'}");
	oa_each_param(&e, a);
	yajl_gen_map_close(g);
	oa_required(g, a);
	yajl_gen_map_close(g);
}

static const struct oa_action *
oa_action_find(const struct api_route *r)
{
	const struct oa_action *a;

	for (a = oa_actions; a->target; a++)
		if (strcmp(a->target, r->target) == 0 && strcmp(a->action, r->action) == 0)
			return a;
	return NULL;
}

static void
oa_schema_name(char *out, size_t len, const struct api_route *r, const char *suffix)
{
	snprintf(out, len, "%c%s%c%s%s", r->target[0] - 'a' + 'A', r->target + 1,
	    r->action[0] >= 'a' && r->action[0] <= 'z' ? r->action[0] - 'a' + 'A' : r->action[0],
	    r->action + 1, suffix);
}

/* The answer's schema of route R: its success envelope, or the error one. */
static void
oa_answer_schema(yajl_gen g, const struct api_route *r, const struct oa_action *a)
{
	yajl_gen_map_open(g);
	json_key(g, "oneOf");
	yajl_gen_array_open(g);
	yajl_gen_map_open(g);
	json_kstr(g, "type", "object");
	json_kbool(g, "additionalProperties", 0);
	oa_ktext(g, "required", "['status','code','data']");
	json_key(g, "properties");
	yajl_gen_map_open(g);
	oa_ktext(g, "status", "{'const':'success'}");
	oa_ktext(g, "code", "{'const':0}");
	json_key(g, "data");
	if (a)
		oa_text(g, a->data);
	else
		oa_undocumented(g, r->target);
	oa_ktext(g, "warnings", "{'type':'array','items':{'type':'string'},"
	                        "'description':'parameters that were ignored'}");
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
	oa_text(g, OA_REF("Error"));
	yajl_gen_array_close(g);
	yajl_gen_map_close(g);
}

static void
oa_operation(yajl_gen g, const struct api_route *r, const struct oa_action *a, int post)
{
	struct oa_each e = { g, 1 };
	char name[96], ref[160];

	yajl_gen_map_open(g);
	json_key(g, "tags");
	yajl_gen_array_open(g);
	json_str(g, r->target);
	yajl_gen_array_close(g);
	snprintf(name, sizeof(name), "%s.%s", r->target, r->action);
	json_kstr(g, "summary", a ? a->summary : name);
	oa_schema_name(name, sizeof(name), r, post ? "Post" : "");
	name[0] = (char)(name[0] - 'A' + 'a');
	json_kstr(g, "operationId", name);
	if (r->flags & (API_ADMIN | API_WRITE)) {
		json_key(g, "description");
		json_str(g, (r->flags & API_ADMIN) ? "Admin tokens only (code 13 otherwise)." : "Changes the store: answered once it is on disk.");
	}
	/* what an API key needs for it ("token": the account's token only) */
	json_kstr(g, "x-webcron-scope", apikey_scope_name(r->scope));
	if (!a)
		json_kbool(g, "x-webcron-undocumented", 1);
	json_key(g, "parameters");
	yajl_gen_array_open(g);
	oa_text(g, "{'$ref':'#/components/parameters/asUser'}");
	if (!post && a)
		oa_each_param(&e, a);
	yajl_gen_array_close(g);
	if (post) {
		oa_schema_name(name, sizeof(name), r, "Params");
		snprintf(ref, sizeof(ref), "#/components/schemas/%s", name);
		json_key(g, "requestBody");
		yajl_gen_map_open(g);
		json_key(g, "content");
		yajl_gen_map_open(g);
		json_key(g, "application/x-www-form-urlencoded");
		yajl_gen_map_open(g);
		json_key(g, "schema");
		yajl_gen_map_open(g);
		json_kstr(g, "$ref", ref);
		yajl_gen_map_close(g);
		yajl_gen_map_close(g);
		json_key(g, "application/json");
		yajl_gen_map_open(g);
		json_key(g, "schema");
		yajl_gen_map_open(g);
		json_kstr(g, "$ref", ref);
		yajl_gen_map_close(g);
		yajl_gen_map_close(g);
		yajl_gen_map_close(g);
		yajl_gen_map_close(g);
	}
	json_key(g, "responses");
	yajl_gen_map_open(g);
	oa_schema_name(name, sizeof(name), r, "Answer");
	snprintf(ref, sizeof(ref), "#/components/responses/%s", name);
	json_key(g, "200");
	yajl_gen_map_open(g);
	json_kstr(g, "$ref", ref);
	yajl_gen_map_close(g);
	oa_ktext(g, "default", "{'$ref':'#/components/responses/Error'}");
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
}

static void
oa_paths(yajl_gen g)
{
	const struct api_route *r;
	char path[128];

	json_key(g, "paths");
	yajl_gen_map_open(g);
	for (r = api_routes; r->target; r++) {
		snprintf(path, sizeof(path), "/api/%s.%s", r->target, r->action);
		json_key(g, path);
		yajl_gen_map_open(g);
		json_key(g, "get");
		oa_operation(g, r, oa_action_find(r), 0);
		json_key(g, "post");
		oa_operation(g, r, oa_action_find(r), 1);
		yajl_gen_map_close(g);
	}
	yajl_gen_map_close(g);
}

static void
oa_schema_error(yajl_gen g)
{
	struct buf d = BUF_INIT;
	size_t i;

	buf_addstr(&d, "The error envelope. Codes:");
	for (i = 1; i < sizeof(oa_codes) / sizeof(oa_codes[0]); i++)
		buf_printf(&d, "%s %d %s", i == 1 ? "" : ";", oa_codes[i].code, oa_codes[i].meaning);
	yajl_gen_map_open(g);
	json_kstr(g, "type", "object");
	json_kstr(g, "description", buf_str(&d));
	json_kbool(g, "additionalProperties", 0);
	oa_ktext(g, "required", "['status','code','message']");
	json_key(g, "properties");
	yajl_gen_map_open(g);
	oa_ktext(g, "status", "{'const':'error'}");
	json_key(g, "code");
	yajl_gen_map_open(g);
	json_key(g, "enum");
	yajl_gen_array_open(g);
	for (i = 1; i < sizeof(oa_codes) / sizeof(oa_codes[0]); i++)
		json_int(g, oa_codes[i].code);
	yajl_gen_array_close(g);
	yajl_gen_map_close(g);
	oa_ktext(g, "message", "{'type':'string','minLength':1}");
	oa_ktext(g, "field", "{'type':'string','description':'the parameter at fault, as SPEC spells it'}");
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
	buf_free(&d);
}

static void
oa_components(yajl_gen g)
{
	const struct api_route *r;
	char name[96];
	size_t i;

	json_key(g, "components");
	yajl_gen_map_open(g);

	json_key(g, "schemas");
	yajl_gen_map_open(g);
	json_key(g, "Error");
	oa_schema_error(g);
	json_key(g, "Job");
	oa_schema_job(g);
	json_key(g, "Account");
	oa_schema_account(g);
	json_key(g, "Limits");
	oa_schema_limits(g, 1);
	json_key(g, "LimitsInput");
	oa_schema_limits(g, 0);
	for (i = 0; oa_objects[i].name; i++)
		oa_ktext(g, oa_objects[i].name, oa_objects[i].schema);
	for (r = api_routes; r->target; r++) {
		const struct oa_action *a = oa_action_find(r);

		oa_schema_name(name, sizeof(name), r, "Params");
		json_key(g, name);
		if (a)
			oa_params_schema(g, a);
		else
			oa_undocumented(g, r->action);
	}
	yajl_gen_map_close(g);

	json_key(g, "responses");
	yajl_gen_map_open(g);
	oa_ktext(g, "Error", "{'description':'An error envelope with its HTTP status: 413 (body over "
	                     "64 KiB), 500, 503 (rate limit, with Retry-After), 507 (storage full), or with "
	                     "strict_http_status 400, 401, 403, 404, 409, 422',"
	                     "'content':{'application/json':{'schema':" OA_REF("Error") "}}}");
	for (r = api_routes; r->target; r++) {
		oa_schema_name(name, sizeof(name), r, "Answer");
		json_key(g, name);
		yajl_gen_map_open(g);
		json_kstr(g, "description", "The envelope: success with the action's data, or an error");
		json_key(g, "content");
		yajl_gen_map_open(g);
		json_key(g, "application/json");
		yajl_gen_map_open(g);
		json_key(g, "schema");
		oa_answer_schema(g, r, oa_action_find(r));
		yajl_gen_map_close(g);
		yajl_gen_map_close(g);
		yajl_gen_map_close(g);
	}
	yajl_gen_map_close(g);

	oa_ktext(g, "parameters", "{'asUser':{'name':'asUser','in':'query','description':"
	                          "'admin tokens: act as this account (code 13 for others, 30 when it does not exist)',"
	                          "'schema':{'type':'integer','minimum':1}}}");
	oa_ktext(g, "securitySchemes", "{"
	                               "'bearer':{'type':'http','scheme':'bearer','description':"
	                               "'Authorization: Bearer <token>; the token parameter wins when both are given'},"
	                               "'token':{'type':'apiKey','in':'query','name':'token','description':"
	                               "'?token=<token>; the same parameter may come in a form or JSON body'}}");
	yajl_gen_map_close(g);
}

void
openapi_document(struct buf *out)
{
	yajl_gen g = json_gen_new();
	const unsigned char *text;
	const struct api_route *r;
	size_t len;

	yajl_gen_config(g, yajl_gen_beautify, 1);
	yajl_gen_config(g, yajl_gen_indent_string, "  ");
	yajl_gen_map_open(g);
	json_kstr(g, "openapi", "3.1.0");
	json_key(g, "info");
	yajl_gen_map_open(g);
	json_kstr(g, "title", "webcron API");
	json_kstr(g, "version", WEBCRON_VERSION);
	json_kstr(g, "description", oa_description);
	yajl_gen_map_close(g);
	oa_ktext(g, "servers", "[{'url':'/','description':'the server that serves this document'}]");
	oa_ktext(g, "security", "[{'bearer':[]},{'token':[]}]");
	json_key(g, "tags");
	yajl_gen_array_open(g);
	for (r = api_routes; r->target; r++) {
		if (r != api_routes && strcmp(r[-1].target, r->target) == 0)
			continue;
		yajl_gen_map_open(g);
		json_kstr(g, "name", r->target);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	oa_paths(g);
	oa_components(g);
	yajl_gen_map_close(g);
	yajl_gen_get_buf(g, &text, &len);
	buf_add(out, text, len);
	if (len == 0 || text[len - 1] != '\n')
		buf_addch(out, '\n');
	yajl_gen_free(g);
}
