/*
 * jobparams: request parameters into jobs and tasks, through the job's
 * table of fields (job_fields of job.h): the plain ones by their type,
 * bounds and rules, the others (schedule, headers, status, group, tasks)
 * by a function of this file each.
 */

#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yajl/yajl_tree.h>

#include "store/account.h"
#include "api/api.h"
#include "api/call.h"
#include "util/buf.h"
#include "conf/config.h"
#include "engine/cron.h"
#include "store/group.h"
#include "store/headers.h"
#include "store/job.h"
#include "api/jobparams.h"
#include "util/json.h"
#include "util/log.h"
#include "store/rules.h"
#include "store/store.h"
#include "engine/tz.h"
#include "util/url.h"

static const char *const jp_schedule_fields[] = {
	"second", "minute", "hour", "day", "month", "weekday"
};

/* A parameter given as text or as a list (the PHP and comma forms of the
 * SetCronJob fields), joined with commas. Returns 1 present, 0 absent, -1
 * error. */
static int
jp_list_text(struct api_call *c, const char *name, struct buf *out)
{
	char folded[PARAMS_NAME_MAX + 1], **items;
	const struct param *p;
	size_t n, i;

	params_fold(name, strlen(name), folded);
	if ((p = params_get(&c->params, folded)) == NULL)
		return 0;
	if (p->kind == PARAM_NULL)
		return 0;
	if (params_list(p, &items, &n) == -1)
		return call_error(c, API_INVALID, name, "%s must be a list of values", name);
	buf_reset(out);
	for (i = 0; i < n; i++) {
		if (i)
			buf_addch(out, ',');
		buf_addstr(out, items[i]);
	}
	params_list_free(items, n);
	if (out->len > CRON_TEXT_MAX)
		return call_error(c, API_SCHEDULE, name, "%s: longer than %d bytes", name, CRON_TEXT_MAX);
	return 1;
}

static int
jp_cron_error(struct api_call *c, const char *field, const struct cron_error *e)
{
	if (strcmp(e->field, "expression") == 0)
		return call_error(c, API_SCHEDULE, field, "%s: %s", field, e->message);
	return call_error(c, API_SCHEDULE, field, "%s: %s", e->field, e->message);
}

/* The schedule: `expression`, or the SetCronJob fields. */
static int
jp_schedule(struct api_call *c, struct job *j, int adding)
{
	const char *fields[6] = { NULL, NULL, NULL, NULL, NULL, NULL };
	struct buf texts[6] = { BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT };
	char normal[CRON_FORMAT_MAX];
	struct cron_error e;
	const char *expr;
	int rc, i, nfields = 0, ret = -1;

	if ((rc = call_str(c, "expression", CRON_TEXT_MAX, &expr)) == -1)
		return -1;
	for (i = 0; i < 6; i++) {
		int r = jp_list_text(c, jp_schedule_fields[i], &texts[i]);

		if (r == -1)
			goto done;
		if (r == 1) {
			fields[i] = buf_str(&texts[i]);
			nfields++;
		}
	}
	if (rc == 1 && nfields) {
		call_error(c, API_INVALID, "expression",
		    "give either expression or the fields second...weekday, not both");
		goto done;
	}
	if (rc == 1) {
		if (rules_expression(expr, normal, sizeof(normal), &e) == -1) {
			jp_cron_error(c, "expression", &e);
			goto done;
		}
	} else if (nfields) {
		if (cron_from_fields(fields[0], fields[1], fields[2], fields[3], fields[4], fields[5],
		        normal, sizeof(normal), &e) == -1) {
			jp_cron_error(c, strcmp(e.field, "expression") == 0 ? "minute" : e.field, &e);
			goto done;
		}
	} else {
		char folded[PARAMS_NAME_MAX + 1];

		params_fold("rules", 5, folded);
		if (adding && params_get(&c->params, folded) == NULL) /* or rules give it */
			call_error(c, API_MISSING, "expression",
			    "a schedule is required: expression, or the fields second...weekday");
		else
			ret = 0;
		goto done;
	}
	free(j->expression);
	j->expression = xstrdup(normal);
	job_clear_rules(j); /* a new expression: its rules have no bounds of their own */
	ret = 0;
done:
	for (i = 0; i < 6; i++)
		buf_free(&texts[i]);
	return ret;
}

/* httpHeaders: "Name: value" lines (LF or CRLF), a JSON object
 * {"Name": "value"}, or a JSON array of lines (headers.c). */
static int
jp_headers(struct api_call *c, struct job *j)
{
	char folded[PARAMS_NAME_MAX + 1], why[160];
	const struct param *p;
	struct buf out = BUF_INIT;
	size_t i;
	int rc = 0;

	params_fold("httpHeaders", 11, folded);
	if ((p = params_get(&c->params, folded)) == NULL)
		return 0;
	switch (p->kind) {
	case PARAM_JSON:
		rc = headers_parse_json(&out, p->json, why, sizeof(why));
		break;
	case PARAM_LIST:
		for (i = 0; i < p->nitems && rc == 0; i++)
			rc = headers_add_line(&out, p->items[i], strlen(p->items[i]), why, sizeof(why));
		break;
	case PARAM_STR:
		rc = rules_headers(&out, p->str, why, sizeof(why));
		break;
	case PARAM_NULL:
		break;
	}
	if (rc == 0) {
		free(j->http_headers);
		j->http_headers = xstrdup(buf_str(&out));
	}
	buf_free(&out);
	if (rc == -1)
		return call_error(c, API_INVALID, "httpHeaders", "httpHeaders: %s", why);
	return 0;
}

static int
jp_group(struct api_call *c, struct job *j)
{
	struct store_txn t;
	struct group g;
	const char *s;
	char *end;
	unsigned long long id;
	int rc;

	if ((rc = call_str(c, "group", 32, &s)) != 1)
		return rc;
	if (*s == '\0' || strcmp(s, "0") == 0 || strcasecmp(s, "null") == 0) {
		j->group = 0;
		return 0;
	}
	id = strtoull(s, &end, 10);
	if (*end != '\0' || id == 0)
		return call_error(c, API_INVALID, "group", "group must be a group id or null");
	if ((rc = store_begin(c->api->store, 0, &t)) != STORE_OK)
		return call_store_error(c, rc, "group");
	rc = group_load_owned(&t, c->acct->id, id, &g);
	store_abort(&t);
	if (rc == STORE_NOTFOUND)
		return call_error(c, API_NOT_FOUND, "group", "group %llu not found", id);
	if (rc != STORE_OK)
		return call_store_error(c, rc, "group");
	group_free(&g);
	j->group = id;
	return 0;
}

/* status: 0 (active) or 1 (disabled); the others are the system's. */
static int
jp_status(struct api_call *c, struct job *j)
{
	int64_t v;
	int rc;

	if ((rc = call_int(c, "status", 0, 4, &v)) != 1)
		return rc;
	if (v > 1)
		return call_error(c, API_INVALID, "status",
		    "status may be set to 0 (active) or 1 (disabled); 2-4 are set by the server");
	if (v == JOB_ACTIVE && j->status != JOB_ACTIVE)
		j->st.fail = 0; /* re-enabled: failures start over */
	j->status = (int)v;
	return 0;
}

/* An enum field: one of its names in any case, or its number. */
static int
jp_enum(struct api_call *c, struct job *j, const struct job_field *f)
{
	struct buf list = BUF_INIT;
	const char *s;
	int rc, i;

	if ((rc = call_str(c, f->name, 16, &s)) != 1)
		return rc;
	for (i = 0; f->names[i]; i++)
		if (strcasecmp(s, f->names[i]) == 0 || (s[0] == '0' + i && s[1] == '\0')) {
			*(int *)job_field_ptr(j, f) = i;
			return 0;
		}
	for (i = 0; f->names[i]; i++) {
		if (i)
			buf_addstr(&list, f->names[i + 1] ? ", " : " or ");
		buf_addstr(&list, f->names[i]);
	}
	rc = call_error(c, API_INVALID, f->name, "%s must be %s", f->name, buf_str(&list));
	buf_free(&list);
	return rc;
}

/* A field of the table that the API takes as a plain value. */
static int
jp_field(struct api_call *c, struct job *j, const struct job_field *f)
{
	void *field = job_field_ptr(j, f);
	char why[160], *normal = NULL;
	const char *s;
	int64_t v;
	int rc, b;

	switch (f->type) {
	case JOB_FT_TEXT:
		if ((rc = call_str(c, f->name, SIZE_MAX, &s)) != 1)
			return rc;
		/* too long: a field with a rule (a URL's is code 25) says so
		 * itself, the others are code 22 */
		if (strlen(s) > (size_t)f->max) {
			if (f->rule && (rc = f->rule(s, why, sizeof(why))) != 0)
				return call_rule_error(c, f->name, rc, why);
			return call_error(c, API_INVALID, f->name, "%s is longer than %lld bytes",
			    f->name, (long long)f->max);
		}
		if (*s == '\0' && f->min > 0)
			return call_error(c, API_INVALID, f->name, "%s must not be empty", f->name);
		if (*s && f->rule && (rc = f->rule(s, why, sizeof(why))) != 0)
			return call_rule_error(c, f->name, rc, why);
		if (*s && f->normal && f->normal(s, &normal, why, sizeof(why)) == -1)
			return call_error(c, API_INVALID, f->name, "%s %s", f->name, why);
		free(*(char **)field);
		*(char **)field = normal ? normal : xstrdup(s);
		return 0;
	case JOB_FT_INT:
		if ((rc = call_int(c, f->name, f->min, f->max, &v)) != 1)
			return rc;
		*(int *)field = (int)v;
		return 0;
	case JOB_FT_TIME:
		if ((rc = call_str(c, f->name, 32, &s)) != 1)
			return rc;
		if (*s == '\0' || strcasecmp(s, "null") == 0) {
			*(int64_t *)field = 0;
			return 0;
		}
		if (s[(*s == '-') + strspn(s + (*s == '-'), "0123456789")] == '\0') {
			if ((rc = call_int(c, f->name, f->min, f->max, &v)) != 1)
				return rc;
		} else if (cron_parse_time(s, job_zone(j, c->acct), &v) == -1 || v < f->min ||
		    v > f->max)
			/* a date without a zone is in the job's: timezone comes
			 * before the times in job_fields */
			return call_error(c, API_INVALID, f->name, "%s must be Unix seconds or ISO 8601, "
			                                           "e.g. 2027-05-06, 2027-05-06T08:00:00+02:00 or 2027-05-06T06:00:00Z",
			    f->name);
		*(int64_t *)field = v;
		return 0;
	case JOB_FT_BOOL:
		if ((rc = call_bool(c, f->name, &b)) != 1)
			return rc;
		*(int *)field = b;
		return 0;
	case JOB_FT_ENUM:
		return jp_enum(c, j, f);
	case JOB_FT_STAMP:
	case JOB_FT_ID:
	case JOB_FT_VIEW:
		break;
	}
	return 0;
}

/* ---- tasks */

/* The payload of an `http` task: a URL, or a JSON object with url,
 * method, headers, body and timeout. */
static int
jp_http_payload(struct api_call *c, const char *field, const char *payload)
{
	char why[160];
	int rc;

	if ((rc = rules_http_payload(payload, why, sizeof(why))) == RULES_URL_REFUSED)
		return call_error(c, API_URL, field, "%s %s", field, why);
	if (rc == -1)
		return call_error(c, API_INVALID, field, "%s: %s", field, why);
	return 0;
}

static int
jp_task_action(struct api_call *c, const char *field, const char *action)
{
	if (strcmp(action, "http") == 0 || config_task_class(c->api->cfg, action))
		return 0;
	return call_error(c, API_INVALID, field,
	    "%s: \"%.64s\" is neither http nor a task class of this server", field, action);
}

/* Checks a whole task after a change. ACTION_FIELD and FIELD name the
 * action and the payload in errors and messages. */
static int
jp_task_check(struct api_call *c, const char *action_field, const char *field,
    const struct job_task *t)
{
	if (jp_task_action(c, action_field, t->action) == -1)
		return -1;
	if (strlen(t->payload) > JOB_PAYLOAD_MAX)
		return call_error(c, API_INVALID, field, "%s: payload is longer than %d bytes", field,
		    JOB_PAYLOAD_MAX);
	if (strcmp(t->action, "http") == 0)
		return jp_http_payload(c, field, t->payload);
	return 0;
}

int
jobparams_task(struct api_call *c, struct job_task *t, int adding)
{
	const struct param *p;
	char folded[PARAMS_NAME_MAX + 1];
	const char *s;
	int64_t v;
	int rc, b;

	if ((rc = (adding ? call_str_req : call_str)(c, "action", 64, &s)) == -1)
		return -1;
	if (rc == 1) {
		free(t->action);
		t->action = xstrdup(s);
	}
	params_fold("payload", 7, folded);
	if ((p = params_get(&c->params, folded)) != NULL) {
		const char *text = p->kind == PARAM_JSON ? p->json : p->kind == PARAM_NULL ? "" :
		                                                                             NULL;

		if (text == NULL && call_str(c, "payload", JOB_PAYLOAD_MAX + 1, &text) == -1)
			return -1;
		free(t->payload);
		t->payload = xstrdup(text);
	}
	if ((rc = call_int(c, "timeOffset", 0, JOB_OFFSET_MAX, &v)) == -1)
		return -1;
	if (rc == 1)
		t->time_offset = (int)v;
	if ((rc = call_bool(c, "continueOnFailure", &b)) == -1)
		return -1;
	if (rc == 1)
		t->continue_on_failure = b;
	return jp_task_check(c, "action", "payload", t);
}

/* One element of a `tasks` array. */
static int
jp_task_object(struct api_call *c, size_t i, yajl_val o, struct job_task *t)
{
	char field[32];
	size_t k;

	snprintf(field, sizeof(field), "tasks[%zu]", i);
	memset(t, 0, sizeof(*t));
	t->action = xstrdup("");
	t->payload = xstrdup("");
	if (!YAJL_IS_OBJECT(o))
		return call_error(c, API_INVALID, "tasks", "%s must be an object", field);
	for (k = 0; k < o->u.object.len; k++) {
		char name[PARAMS_NAME_MAX + 1];
		yajl_val v = o->u.object.values[k];

		if (params_fold(o->u.object.keys[k], strlen(o->u.object.keys[k]), name) == -1)
			continue;
		if (strcmp(name, "action") == 0) {
			const char *sv = YAJL_GET_STRING(v);

			if (sv == NULL || strlen(sv) > 64)
				return call_error(c, API_INVALID, "tasks", "%s.action must be a name", field);
			free(t->action);
			t->action = xstrdup(sv);
		} else if (strcmp(name, "payload") == 0) {
			free(t->payload);
			if (YAJL_IS_STRING(v))
				t->payload = xstrdup(YAJL_GET_STRING(v));
			else if (YAJL_IS_NULL(v))
				t->payload = xstrdup("");
			else /* an object payload is kept as JSON text */
				t->payload = json_tree_text(v);
		} else if (strcmp(name, "timeoffset") == 0) {
			if (!YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < 0 ||
			    YAJL_GET_INTEGER(v) > JOB_OFFSET_MAX)
				return call_error(c, API_INVALID, "tasks",
				    "%s.timeOffset must be a whole number between 0 and %d", field, JOB_OFFSET_MAX);
			t->time_offset = (int)YAJL_GET_INTEGER(v);
		} else if (strcmp(name, "continueonfailure") == 0) {
			if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v) && !YAJL_IS_INTEGER(v))
				return call_error(c, API_INVALID, "tasks", "%s.continueOnFailure must be true or false", field);
			t->continue_on_failure = YAJL_IS_TRUE(v) || (YAJL_IS_INTEGER(v) && YAJL_GET_INTEGER(v));
		}
	}
	if (*t->action == '\0')
		return call_error(c, API_MISSING, "tasks", "%s.action is required", field);
	return jp_task_check(c, "tasks", "tasks", t) == -1 ? -1 : 0;
}

/* `tasks`: a JSON array of task objects, replacing the job's tasks. */
static int
jp_tasks(struct api_call *c, struct job *j)
{
	char folded[PARAMS_NAME_MAX + 1];
	const struct param *p;
	struct job_task *tasks;
	yajl_val tree = NULL;
	size_t i, n;

	params_fold("tasks", 5, folded);
	if ((p = params_get(&c->params, folded)) == NULL)
		return 0;
	if (p->kind == PARAM_NULL || (p->kind == PARAM_STR && *p->str == '\0')) {
		tree = NULL;
		n = 0;
	} else {
		const char *text = p->kind == PARAM_STR ? p->str : p->json;

		if (text == NULL || (tree = json_tree_parse(text)) == NULL || !YAJL_IS_ARRAY(tree)) {
			if (tree)
				yajl_tree_free(tree);
			return call_error(c, API_INVALID, "tasks", "tasks must be a JSON array of task objects");
		}
		n = tree->u.array.len;
	}
	if (n > (size_t)c->acct->lim.max_tasks) {
		if (tree)
			yajl_tree_free(tree);
		return call_error(c, API_LIMIT, "tasks",
		    "limit reached: a job may have at most %d tasks (maxTasks)", c->acct->lim.max_tasks);
	}
	tasks = xcalloc(n ? n : 1, sizeof(*tasks));
	for (i = 0; i < n; i++)
		if (jp_task_object(c, i, tree->u.array.values[i], &tasks[i]) == -1) {
			size_t k;

			for (k = 0; k <= i; k++) {
				free(tasks[k].action);
				free(tasks[k].payload);
			}
			free(tasks);
			yajl_tree_free(tree);
			return -1;
		}
	if (tree)
		yajl_tree_free(tree);
	for (i = 0; i < j->ntasks; i++) {
		free(j->tasks[i].action);
		free(j->tasks[i].payload);
	}
	free(j->tasks);
	j->tasks = tasks;
	j->ntasks = n;
	return 0;
}

/* ---- rules */

/* A rule's startsAt or expiresAt: null, Unix seconds or ISO 8601 (in the
 * job's zone without one). */
static int
jp_rule_time(struct api_call *c, const struct job *j, const char *field, const char *name,
    yajl_val v, int64_t *out)
{
	if (v == NULL || YAJL_IS_NULL(v)) {
		*out = 0;
		return 0;
	}
	if (YAJL_IS_INTEGER(v) && YAJL_GET_INTEGER(v) >= 0 && YAJL_GET_INTEGER(v) <= JOB_TIME_MAX) {
		*out = YAJL_GET_INTEGER(v);
		return 0;
	}
	if (YAJL_IS_STRING(v) && (*YAJL_GET_STRING(v) == '\0' || cron_parse_time(YAJL_GET_STRING(v), job_zone(j, c->acct), out) == 0)) {
		if (*YAJL_GET_STRING(v) == '\0')
			*out = 0;
		if (*out >= 0 && *out <= JOB_TIME_MAX)
			return 0;
	}
	return call_error(c, API_INVALID, "rules", "%s.%s must be null, Unix seconds or ISO 8601", field, name);
}

/* `rules`: a JSON array of {expression, startsAt, expiresAt}, replacing
 * the job's schedule (expression) and its rules' bounds. */
static int
jp_rules(struct api_call *c, struct job *j)
{
	char folded[PARAMS_NAME_MAX + 1], field[32], why[256];
	const struct param *p;
	const char *text, *at;
	const char **exprs = NULL;
	struct cron_bounds *bounds = NULL;
	yajl_val tree;
	size_t i, k, n, index;
	int ret = -1;

	params_fold("rules", 5, folded);
	if ((p = params_get(&c->params, folded)) == NULL)
		return 0;
	params_fold("expression", 10, folded);
	if (params_get(&c->params, folded) != NULL)
		return call_error(c, API_INVALID, "rules", "give either expression or rules, not both");
	for (i = 0; i < 6; i++) {
		params_fold(jp_schedule_fields[i], strlen(jp_schedule_fields[i]), folded);
		if (params_get(&c->params, folded) != NULL)
			return call_error(c, API_INVALID, "rules",
			    "give either rules or the fields second...weekday, not both");
	}
	text = p->kind == PARAM_STR ? p->str : p->json;
	tree = text ? json_tree_parse(text) : NULL;
	if (tree == NULL || !YAJL_IS_ARRAY(tree) || tree->u.array.len == 0) {
		yajl_tree_free(tree);
		return call_error(c, API_INVALID, "rules",
		    "rules must be a JSON array of 1 to %d objects {expression, startsAt, expiresAt}", CRON_RULES_MAX);
	}
	n = tree->u.array.len;
	if (n > CRON_RULES_MAX) {
		call_error(c, API_INVALID, "rules", "a schedule has at most %d rules", CRON_RULES_MAX);
		goto done;
	}
	exprs = xcalloc(n, sizeof(*exprs));
	bounds = xcalloc(n, sizeof(*bounds));
	for (i = 0; i < n; i++) {
		yajl_val o = tree->u.array.values[i], starts = NULL, expires = NULL;

		snprintf(field, sizeof(field), "rules[%zu]", i);
		if (!YAJL_IS_OBJECT(o)) {
			call_error(c, API_INVALID, "rules", "%s must be an object", field);
			goto done;
		}
		for (k = 0; k < o->u.object.len; k++) {
			char name[PARAMS_NAME_MAX + 1];
			yajl_val v = o->u.object.values[k];

			if (params_fold(o->u.object.keys[k], strlen(o->u.object.keys[k]), name) == -1)
				continue;
			if (strcmp(name, "expression") == 0) {
				if ((exprs[i] = YAJL_GET_STRING(v)) == NULL || strlen(exprs[i]) > CRON_TEXT_MAX) {
					call_error(c, API_INVALID, "rules", "%s.expression must be a text", field);
					goto done;
				}
			} else if (strcmp(name, "startsat") == 0)
				starts = v;
			else if (strcmp(name, "expiresat") == 0)
				expires = v;
		}
		if (exprs[i] == NULL) {
			call_error(c, API_MISSING, "rules", "%s.expression is required", field);
			goto done;
		}
		if (jp_rule_time(c, j, field, "startsAt", starts, &bounds[i].starts_at) == -1 ||
		    jp_rule_time(c, j, field, "expiresAt", expires, &bounds[i].expires_at) == -1)
			goto done;
	}
	if (job_set_rules(j, exprs, bounds, n, &at, &index, why, sizeof(why)) == -1) {
		call_error(c, strcmp(at, "expression") == 0 ? API_SCHEDULE : API_INVALID, "rules",
		    "rules[%zu].%s: %s", index, at, why);
		goto done;
	}
	ret = 0;
done:
	free(exprs);
	free(bounds);
	yajl_tree_free(tree);
	return ret;
}

/* ---- the whole job */

int
jobparams_check(struct api_call *c, const struct job *j)
{
	const struct account *a = c->acct;
	struct cron_window w;
	struct cron *cr;
	int64_t gap;

	if (*j->url == '\0' && j->ntasks == 0)
		return call_error(c, API_MISSING, "url", "a job needs a url, or tasks, or both");
	if (j->timeout > a->lim.max_timeout)
		return call_error(c, API_INVALID, "timeout",
		    "timeout must be at most %d seconds for this account (maxTimeout)", a->lim.max_timeout);
	if (j->starts_at && j->expires_at && j->expires_at <= j->starts_at)
		return call_error(c, API_INVALID, "expiresAt", "expiresAt must be later than startsAt");
	if (cron_parse(j->expression, &cr, NULL) == -1)
		return call_error(c, API_SCHEDULE, "expression", "expression: the stored schedule no longer parses");
	job_window(j, &w);
	w.anchor = j->starts_at ? j->starts_at : (j->created_at ? j->created_at : c->now);
	if (cron_min_gap(cr, job_zone(j, a), &w, j->starts_at > c->now ? j->starts_at : c->now,
	        &gap) == 0 &&
	    gap < a->lim.min_interval) {
		cron_free(cr);
		return call_error(c, API_INVALID, "expression",
		    "the schedule fires %lld seconds apart; this account allows one run per %d seconds at most (minInterval)",
		    (long long)gap, a->lim.min_interval);
	}
	cron_free(cr);
	return 0;
}

static int
jp_own_schedule(struct api_call *c, struct job *j, int adding)
{
	return jp_schedule(c, j, adding);
}

static int
jp_own_headers(struct api_call *c, struct job *j, int adding)
{
	(void)adding;
	return jp_headers(c, j);
}

static int
jp_own_status(struct api_call *c, struct job *j, int adding)
{
	(void)adding;
	return jp_status(c, j);
}

static int
jp_own_group(struct api_call *c, struct job *j, int adding)
{
	(void)adding;
	return jp_group(c, j);
}

static int
jp_own_rules(struct api_call *c, struct job *j, int adding)
{
	(void)adding;
	return jp_rules(c, j);
}

static int
jp_own_tasks(struct api_call *c, struct job *j, int adding)
{
	(void)adding;
	return jp_tasks(c, j);
}

/* The readers of the table's JOB_FF_API_OWN rows. */
static const struct {
	const char *name;
	int (*read)(struct api_call *, struct job *, int adding);
} jp_own[] = {
	{ "group", jp_own_group },
	{ "httpHeaders", jp_own_headers },
	{ "expression", jp_own_schedule },
	{ "status", jp_own_status },
	{ "tasks", jp_own_tasks },
	{ "rules", jp_own_rules },
};

int
jobparams_apply(struct api_call *c, struct job *j, int adding)
{
	const struct job_field *f;
	size_t i;

	for (f = job_fields; f->name; f++) {
		if (f->flags & JOB_FF_API) {
			if (jp_field(c, j, f) == -1)
				return -1;
			continue;
		}
		if (!(f->flags & JOB_FF_API_OWN))
			continue;
		for (i = 0; i < sizeof(jp_own) / sizeof(jp_own[0]); i++)
			if (strcmp(jp_own[i].name, f->name) == 0)
				break;
		if (i == sizeof(jp_own) / sizeof(jp_own[0]))
			fatalx("jobparams: no reader for the job's field %s", f->name);
		if (jp_own[i].read(c, j, adding) == -1)
			return -1;
	}
	return jobparams_check(c, j);
}

int
jobparams_duration(const char *s, int64_t *out)
{
	static const struct {
		const char *unit;
		int64_t secs;
	} units[] = {
		{ "s", 1 },
		{ "sec", 1 },
		{ "secs", 1 },
		{ "second", 1 },
		{ "seconds", 1 },
		{ "m", 60 },
		{ "min", 60 },
		{ "mins", 60 },
		{ "minute", 60 },
		{ "minutes", 60 },
		{ "h", 3600 },
		{ "hour", 3600 },
		{ "hours", 3600 },
		{ "d", 86400 },
		{ "day", 86400 },
		{ "days", 86400 },
		{ "w", 604800 },
		{ "week", 604800 },
		{ "weeks", 604800 },
	};
	int64_t total = 0;
	int parts = 0;

	while (*s) {
		char *end;
		long long n;
		size_t ulen, i;

		while (*s == ' ')
			s++;
		if (*s == '\0')
			break;
		if (!isdigit((unsigned char)*s))
			return -1;
		n = strtoll(s, &end, 10);
		if (n < 0 || n > 100000000)
			return -1;
		s = end;
		while (*s == ' ')
			s++;
		ulen = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");
		if (ulen == 0) {
			total += n; /* bare seconds */
		} else {
			for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
				if (strlen(units[i].unit) == ulen && strncasecmp(units[i].unit, s, ulen) == 0)
					break;
			if (i == sizeof(units) / sizeof(units[0]))
				return -1;
			total += n * units[i].secs;
			s += ulen;
		}
		parts++;
	}
	if (parts == 0)
		return -1;
	*out = total;
	return 0;
}

char *
jobparams_truncate(const char *s, size_t max)
{
	size_t len = strlen(s);

	if (len <= max)
		return xstrdup(s);
	/* step back over continuation bytes so no sequence is cut */
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return xstrndup(s, max);
}

int
jobparams_schedule(struct api_call *c, struct job *j)
{
	return jp_schedule(c, j, 0);
}
