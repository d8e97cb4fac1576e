/*
 * job: records, indexes and JSON of jobs and their tasks.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/account.h"
#include "util/buf.h"
#include "engine/cron.h"
#include "store/job.h"
#include "util/json.h"
#include "util/log.h"
#include "store/points.h"
#include "store/record.h"
#include "store/rules.h"
#include "store/store.h"
#include "util/url.h"
#include "engine/tz.h"

/* The record tag of a job's tasks (each a nested record), and of a task's
 * fields and the state's; never reuse a number. */
#define J_TASK 35
/* Each ';' rule's own bounds, a nested record, in the expression's order. */
#define J_RULE 36
/* The end of the fields job_peek takes (job_encode writes them first). */
#define J_PEEKED 37
enum { R_STARTS = 1,
	R_EXPIRES };
enum { T_ID = 1,
	T_ACTION,
	T_PAYLOAD,
	T_OFFSET,
	T_CONTINUE };
enum { S_FAIL = 1,
	S_RUNS,
	S_LAST_RUN,
	S_LAST_STATUS,
	S_LAST_DURATION_MS,
	S_LAST_FIRE,
	S_NOTIFIED,
	S_SINCE,
	S_LOGS,
	S_LAST_HTTP_STATUS };

static const char *const job_catchup_names[] = { "none", "once", "all", NULL };

static int job_rule_url(const char *, char *, size_t);
static int job_normal_method(const char *, char **, char *, size_t);
static int job_normal_headers(const char *, char **, char *, size_t);
static int job_normal_expression(const char *, char **, char *, size_t);
static void job_show_id(yajl_gen, const struct job *, const struct job_view *);
static void job_show_password(yajl_gen, const struct job *, const struct job_view *);
static void job_show_has_password(yajl_gen, const struct job *, const struct job_view *);
static void job_show_user_agent(yajl_gen, const struct job *, const struct job_view *);
static void job_show_expression(yajl_gen, const struct job *, const struct job_view *);
static void job_show_timezone(yajl_gen, const struct job *, const struct job_view *);
static void job_show_status(yajl_gen, const struct job *, const struct job_view *);
static void job_show_fail(yajl_gen, const struct job *, const struct job_view *);
static void job_show_tasks(yajl_gen, const struct job *, const struct job_view *);
static void job_show_rules(yajl_gen, const struct job *, const struct job_view *);
static void job_show_last_run(yajl_gen, const struct job *, const struct job_view *);
static void job_show_next_run(yajl_gen, const struct job *, const struct job_view *);
static void job_show_next_runs(yajl_gen, const struct job *, const struct job_view *);
static void job_show_last_status(yajl_gen, const struct job *, const struct job_view *);
static void job_show_last_duration(yajl_gen, const struct job *, const struct job_view *);
static void job_show_last_http_status(yajl_gen, const struct job *, const struct job_view *);
static void job_show_processing(yajl_gen, const struct job *, const struct job_view *);
static void job_show_paused(yajl_gen, const struct job *, const struct job_view *);
static void job_show_points(yajl_gen, const struct job *, const struct job_view *);

#define J(f) offsetof(struct job, f)
#define TEXT JOB_FT_TEXT
#define INT JOB_FT_INT
#define BOOL JOB_FT_BOOL
#define ENUM JOB_FT_ENUM
#define TIME JOB_FT_TIME
#define STAMP JOB_FT_STAMP
#define ID JOB_FT_ID
#define VIEW JOB_FT_VIEW
#define API JOB_FF_API
#define MOVE JOB_FF_MOVE

/* Every field of a job, in the order of the Job object (SPEC 3.5). The
 * columns: name, tag, type, offset, min, max, text default, default,
 * enum names, rule, normal form, show hook, flags. */
const struct job_field job_fields[] = {
	{ "id", 0, ID, J(id), 0, 0, NULL, 0, NULL, NULL, NULL, job_show_id, JOB_FF_MOVE_OWN },
	{ "account", 1, ID, J(account), 0, 0, NULL, 0, NULL, NULL, NULL, NULL, JOB_FF_HIDDEN },
	{ "name", 3, TEXT, J(name), 0, JOB_NAME_MAX, NULL, 0, NULL, NULL, NULL, NULL, API | MOVE },
	{ "description", 4, TEXT, J(description), 0, JOB_DESCRIPTION_MAX, NULL, 0, NULL, NULL, NULL,
	    NULL, API | MOVE },
	{ "group", 2, ID, J(group), 0, 0, NULL, 0, NULL, NULL, NULL, NULL,
	    JOB_FF_API_OWN | JOB_FF_MOVE_OWN },
	{ "url", 5, TEXT, J(url), 0, URL_MAX, NULL, 0, NULL, job_rule_url, NULL, NULL, API | MOVE },
	{ "httpMethod", 6, TEXT, J(http_method), 1, JOB_METHOD_MAX, "GET", 0, NULL, NULL,
	    job_normal_method, NULL, API | MOVE },
	{ "httpHeaders", 7, TEXT, J(http_headers), 0, JOB_HEADERS_MAX, NULL, 0, NULL, NULL,
	    job_normal_headers, NULL, JOB_FF_API_OWN | MOVE },
	{ "postData", 8, TEXT, J(post_data), 0, JOB_POSTDATA_MAX, NULL, 0, NULL, NULL, NULL, NULL,
	    API | MOVE | JOB_FF_SECRET },
	{ "username", 9, TEXT, J(username), 0, JOB_CREDENTIAL_MAX, NULL, 0, NULL, rules_header_text,
	    NULL, NULL, API | MOVE },
	{ "password", 10, TEXT, J(password), 0, JOB_CREDENTIAL_MAX, NULL, 0, NULL, rules_header_text,
	    NULL, job_show_password, API | MOVE | JOB_FF_SECRET },
	{ "hasPassword", 0, VIEW, 0, 0, 0, NULL, 0, NULL, NULL, NULL, job_show_has_password, 0 },
	{ "userAgent", 11, TEXT, J(user_agent), 0, JOB_USERAGENT_MAX, NULL, 0, NULL, rules_header_text,
	    NULL, job_show_user_agent, API | MOVE },
	{ "timeout", 12, INT, J(timeout), 1, JOB_TIMEOUT_MAX, NULL, 30, NULL, NULL, NULL, NULL,
	    API | MOVE },
	{ "expression", 13, TEXT, J(expression), 1, CRON_FORMAT_MAX, NULL, 0, NULL, NULL,
	    job_normal_expression, job_show_expression, JOB_FF_API_OWN | MOVE },
	{ "timezone", 14, TEXT, J(timezone), 0, JOB_TIMEZONE_MAX, NULL, 0, NULL, rules_timezone, NULL,
	    job_show_timezone, API | MOVE },
	{ "startsAt", 15, TIME, J(starts_at), 0, JOB_TIME_MAX, NULL, 0, NULL, NULL, NULL, NULL,
	    API | MOVE },
	{ "expiresAt", 16, TIME, J(expires_at), 0, JOB_TIME_MAX, NULL, 0, NULL, NULL, NULL, NULL,
	    API | MOVE },
	/* each ';' rule with its own bounds: the rules of expression, stored
	 * apart (J_RULE) */
	{ "rules", 0, VIEW, 0, 0, 0, NULL, 0, NULL, NULL, NULL, job_show_rules,
	    JOB_FF_API_OWN | JOB_FF_MOVE_OWN },
	{ "status", 17, INT, J(status), JOB_ACTIVE, JOB_FAILED, NULL, JOB_ACTIVE, NULL, NULL, NULL,
	    job_show_status, JOB_FF_API_OWN | MOVE | JOB_FF_LIVE },
	{ "fail", 0, VIEW, 0, 0, 0, NULL, 0, NULL, NULL, NULL, job_show_fail, JOB_FF_LIVE },
	{ "failureThreshold", 18, INT, J(failure_threshold), 0, JOB_THRESHOLD_MAX, NULL, 10, NULL,
	    NULL, NULL, NULL, API | MOVE },
	{ "notify", 19, INT, J(notify), JOB_NOTIFY_NEVER, JOB_NOTIFY_DISABLED, NULL, JOB_NOTIFY_NEVER,
	    NULL, NULL, NULL, NULL, API | MOVE },
	{ "notifyEvery", 20, INT, J(notify_every), 1, JOB_NOTIFY_EVERY_MAX, NULL, 1, NULL, NULL, NULL,
	    NULL, API | MOVE },
	{ "pattern", 21, TEXT, J(pattern), 0, JOB_PATTERN_MAX, NULL, 0, NULL, NULL, NULL, NULL,
	    API | MOVE },
	{ "ignoreHttpStatus", 22, BOOL, J(ignore_http_status), 0, 1, NULL, 0, NULL, NULL, NULL, NULL,
	    API | MOVE },
	{ "successCodes", 23, TEXT, J(success_codes), 1, JOB_CODES_MAX, "200-299", 0, NULL,
	    rules_codes, NULL, NULL, API | MOVE },
	{ "followRedirects", 24, BOOL, J(follow_redirects), 0, 1, NULL, 1, NULL, NULL, NULL, NULL,
	    API | MOVE },
	{ "sslVerify", 25, BOOL, J(ssl_verify), 0, 1, NULL, 1, NULL, NULL, NULL, NULL, API | MOVE },
	{ "retries", 26, INT, J(retries), 0, JOB_RETRIES_MAX, NULL, 0, NULL, NULL, NULL, NULL,
	    API | MOVE },
	{ "retryDelay", 27, INT, J(retry_delay), 1, JOB_RETRY_DELAY_MAX, NULL, 60, NULL, NULL, NULL,
	    NULL, API | MOVE },
	{ "single", 28, BOOL, J(single), 0, 1, NULL, 1, NULL, NULL, NULL, NULL, API | MOVE },
	{ "instances", 29, INT, J(instances), 1, JOB_INSTANCES_MAX, NULL, 5, NULL, NULL, NULL, NULL,
	    API | MOVE },
	{ "catchUp", 30, ENUM, J(catch_up), JOB_CATCHUP_NONE, JOB_CATCHUP_ALL, NULL,
	    JOB_CATCHUP_ONCE, job_catchup_names, NULL, NULL, NULL, API | MOVE | JOB_FF_MOVE_LAST },
	{ "startingDeadline", 31, INT, J(starting_deadline), 1, JOB_DEADLINE_MAX, NULL, 3600, NULL,
	    NULL, NULL, NULL, API | MOVE },
	{ "tasks", 0, VIEW, 0, 0, 0, NULL, 0, NULL, NULL, NULL, job_show_tasks,
	    JOB_FF_API_OWN | JOB_FF_MOVE_OWN },
	{ "lastRun", 0, VIEW, 0, 0, 0, NULL, 0, NULL, NULL, NULL, job_show_last_run, JOB_FF_LIVE },
	{ "nextRun", 0, VIEW, 0, 0, 0, NULL, 0, NULL, NULL, NULL, job_show_next_run, JOB_FF_LIVE },
	/* shown only when asked for (cron.get nextRuns=N), and then without
	 * the remembered text: never in it */
	{ "nextRuns", 0, VIEW, 0, 0, 0, NULL, 0, NULL, NULL, NULL, job_show_next_runs, 0 },
	{ "lastStatus", 0, VIEW, 0, 0, 0, NULL, 0, NULL, NULL, NULL, job_show_last_status,
	    JOB_FF_LIVE },
	{ "lastDuration", 0, VIEW, 0, 0, 0, NULL, 0, NULL, NULL, NULL, job_show_last_duration,
	    JOB_FF_LIVE },
	{ "lastHttpStatus", 0, VIEW, 0, 0, 0, NULL, 0, NULL, NULL, NULL, job_show_last_http_status,
	    JOB_FF_LIVE },
	{ "isProcessing", 0, VIEW, 0, 0, 0, NULL, 0, NULL, NULL, NULL, job_show_processing,
	    JOB_FF_LIVE },
	{ "pausedUntil", 32, TIME, J(paused_until), 0, JOB_TIME_MAX, NULL, 0, NULL, NULL, NULL,
	    job_show_paused, MOVE | JOB_FF_LIVE },
	{ "points", 0, VIEW, 0, 0, 0, NULL, 0, NULL, NULL, NULL, job_show_points, JOB_FF_LIVE },
	{ "createdAt", 33, STAMP, J(created_at), 0, JOB_TIME_MAX, NULL, 0, NULL, NULL, NULL, NULL,
	    MOVE },
	{ "updatedAt", 34, STAMP, J(updated_at), 0, JOB_TIME_MAX, NULL, 0, NULL, NULL, NULL, NULL,
	    MOVE },
	{ NULL, 0, VIEW, 0, 0, 0, NULL, 0, NULL, NULL, NULL, NULL, 0 }
};

#undef TEXT
#undef INT
#undef BOOL
#undef ENUM
#undef TIME
#undef STAMP
#undef ID
#undef VIEW
#undef API
#undef MOVE

const struct job_field *
job_field(const char *name)
{
	const struct job_field *f;

	for (f = job_fields; f->name; f++)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

/* The fields a peek takes, by the offset of their row in struct job: one
 * table, read into job_peek_by_tag[] once, so that a peek's step per field
 * is a lookup and a dense switch. */
enum { PEEK_NONE,
	PEEK_ACCOUNT,
	PEEK_EXPRESSION,
	PEEK_TIMEZONE,
	PEEK_STARTS_AT,
	PEEK_EXPIRES_AT,
	PEEK_PAUSED_UNTIL,
	PEEK_CREATED_AT,
	PEEK_STATUS,
	PEEK_SINGLE,
	PEEK_INSTANCES,
	PEEK_CATCH_UP,
	PEEK_STARTING_DEADLINE,
	PEEK_RULE,
	PEEK_END };
static const struct {
	size_t offset;
	uint8_t what;
} job_peek_fields[] = {
	{ J(account), PEEK_ACCOUNT },
	{ J(expression), PEEK_EXPRESSION },
	{ J(timezone), PEEK_TIMEZONE },
	{ J(starts_at), PEEK_STARTS_AT },
	{ J(expires_at), PEEK_EXPIRES_AT },
	{ J(paused_until), PEEK_PAUSED_UNTIL },
	{ J(created_at), PEEK_CREATED_AT },
	{ J(status), PEEK_STATUS },
	{ J(single), PEEK_SINGLE },
	{ J(instances), PEEK_INSTANCES },
	{ J(catch_up), PEEK_CATCH_UP },
	{ J(starting_deadline), PEEK_STARTING_DEADLINE },
};
static uint8_t job_peek_by_tag[256];

static void
job_peek_index(void)
{
	const struct job_field *f;
	size_t i;

	for (f = job_fields; f->name; f++)
		for (i = 0; f->tag != 0 && i < sizeof(job_peek_fields) / sizeof(job_peek_fields[0]); i++)
			if (f->type != JOB_FT_VIEW && job_peek_fields[i].offset == f->offset)
				job_peek_by_tag[f->tag] = job_peek_fields[i].what;
	job_peek_by_tag[J_RULE] = PEEK_RULE;
	job_peek_by_tag[J_PEEKED] = PEEK_END;
}

/* The row of each record tag, so that decoding a record costs one lookup
 * per field, not a walk of the table. Derived from job_fields[] once. */
static const struct job_field *job_fields_by_tag[256];
/* The rows shown live (JOB_FF_LIVE), in the table's order: what job_json
 * fills into a remembered text. */
#define JOB_LIVE_MAX 16
static const struct job_field *job_fields_live[JOB_LIVE_MAX];
static size_t job_nlive;
static int job_fields_indexed;

void
job_fields_index(void)
{
	const struct job_field *f;

	if (job_fields_indexed)
		return;
	for (f = job_fields; f->name; f++) {
		if (f->tag != 0)
			job_fields_by_tag[f->tag] = f;
		if ((f->flags & JOB_FF_LIVE) && !(f->flags & JOB_FF_HIDDEN)) {
			if (job_nlive == JOB_LIVE_MAX)
				fatalx("job_fields: more than %d live fields", JOB_LIVE_MAX);
			job_fields_live[job_nlive++] = f;
		}
	}
	job_peek_index();
	job_fields_indexed = 1;
}

const struct job_field *
job_field_by_tag(uint8_t tag)
{
	if (!job_fields_indexed)
		job_fields_index();
	return tag != 0 ? job_fields_by_tag[tag] : NULL;
}

int
job_field_enum(const struct job_field *f, const char *name)
{
	int i;

	for (i = 0; f->names && f->names[i]; i++)
		if (strcmp(f->names[i], name) == 0)
			return i;
	return -1;
}

/* ---- the rules of the table */

/* rules_url, reported as a refused URL. */
static int
job_rule_url(const char *url, char *why, size_t whylen)
{
	return rules_url(url, why, whylen) == -1 ? RULES_URL_REFUSED : 0;
}

/* Kept in its upper-case spelling. */
static int
job_normal_method(const char *value, char **normal, char *why, size_t whylen)
{
	const char *canonical;

	if (rules_method(value, &canonical, why, whylen) == -1)
		return -1;
	*normal = xstrdup(canonical);
	return 0;
}

/* "Name: value" lines, in their normal form. */
static int
job_normal_headers(const char *value, char **normal, char *why, size_t whylen)
{
	struct buf out = BUF_INIT;

	if (rules_headers(&out, value, why, whylen) == -1) {
		buf_free(&out);
		return -1;
	}
	*normal = xstrdup(buf_str(&out));
	buf_free(&out);
	return 0;
}

/* A schedule that parses, in its normal form. */
static int
job_normal_expression(const char *value, char **normal, char *why, size_t whylen)
{
	char text[CRON_FORMAT_MAX];
	struct cron_error e;

	if (rules_expression(value, text, sizeof(text), &e) == -1) {
		if (strcmp(e.field, "expression") == 0)
			snprintf(why, whylen, "%s", e.message);
		else
			snprintf(why, whylen, "%s: %s", e.field, e.message);
		return -1;
	}
	*normal = xstrdup(text);
	return 0;
}

/* Sets every field of J to its default; text fields only when TEXTS (a
 * decode fills them from the record first, then job_default_texts()
 * gives the absent ones their default, so that no text is made twice). */
static void
job_defaults(struct job *j, int texts)
{
	const struct job_field *f;

	memset(j, 0, sizeof(*j));
	for (f = job_fields; f->name; f++) {
		void *p = job_field_ptr(j, f);

		switch (f->type) {
		case JOB_FT_TEXT:
			if (texts)
				*(char **)p = xstrdup(f->text_default ? f->text_default : "");
			break;
		case JOB_FT_INT:
		case JOB_FT_BOOL:
		case JOB_FT_ENUM:
			*(int *)p = (int)f->default_value;
			break;
		case JOB_FT_TIME:
		case JOB_FT_STAMP:
			*(int64_t *)p = f->default_value;
			break;
		case JOB_FT_ID:
		case JOB_FT_VIEW:
			break;
		}
	}
	j->st.last_status = -1;
}

static void
job_default_texts(struct job *j)
{
	const struct job_field *f;

	for (f = job_fields; f->name; f++) {
		char **p = job_field_ptr(j, f);

		if (f->type == JOB_FT_TEXT && *p == NULL)
			*p = xstrdup(f->text_default ? f->text_default : "");
	}
}

void
job_init(struct job *j, const struct account *a)
{
	job_defaults(j, 1);
	j->account = a ? a->id : 0;
	if (a && a->lim.max_timeout < j->timeout)
		j->timeout = a->lim.max_timeout;
}

static void
job_tasks_free(struct job_task *tasks, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(tasks[i].action);
		free(tasks[i].payload);
	}
	free(tasks);
}

void
job_free(struct job *j)
{
	const struct job_field *f;

	for (f = job_fields; f->name; f++)
		if (f->type == JOB_FT_TEXT)
			free(*(char **)job_field_ptr(j, f));
	job_tasks_free(j->tasks, j->ntasks);
	free(j->rules);
	memset(j, 0, sizeof(*j));
}

void
job_copy(struct job *dst, const struct job *src)
{
	const struct job_field *f;
	size_t i;

	*dst = *src;
	dst->digest = 0;
	dst->record = NULL;
	for (f = job_fields; f->name; f++)
		if (f->type == JOB_FT_TEXT)
			*(char **)job_field_ptr(dst, f) = xstrdup(*(char *const *)job_field_cptr(src, f));
	dst->tasks = xcalloc(src->ntasks ? src->ntasks : 1, sizeof(struct job_task));
	for (i = 0; i < src->ntasks; i++) {
		dst->tasks[i] = src->tasks[i];
		dst->tasks[i].action = xstrdup(src->tasks[i].action);
		dst->tasks[i].payload = xstrdup(src->tasks[i].payload);
	}
	dst->rules = NULL;
	if (src->nrules) {
		dst->rules = xcalloc(src->nrules, sizeof(*dst->rules));
		memcpy(dst->rules, src->rules, src->nrules * sizeof(*dst->rules));
	}
}

/* ---- records */

/* Field F of J into B. */
static void
job_encode_field(const struct job *j, const struct job_field *f, struct buf *b)
{
	const void *p = job_field_cptr(j, f);

	switch (f->type) {
	case JOB_FT_TEXT: record_str(b, f->tag, *(char *const *)p); break;
	case JOB_FT_INT:
	case JOB_FT_BOOL:
	case JOB_FT_ENUM: record_uint(b, f->tag, (uint64_t) * (const int *)p); break;
	case JOB_FT_TIME:
	case JOB_FT_STAMP: record_sint(b, f->tag, *(const int64_t *)p); break;
	case JOB_FT_ID: record_uint(b, f->tag, *(const uint64_t *)p); break;
	case JOB_FT_VIEW: break;
	}
}

/* A job's record: first the fields job_peek takes and the rules' bounds,
 * then J_PEEKED, where a peek stops, then the others and the tasks. The
 * decoders go by tag, so the order is free; a record of an older build
 * (without J_PEEKED) is peeked to its end. */
static void
job_encode(const struct job *j, struct buf *b)
{
	const struct job_field *f;
	struct buf tb = BUF_INIT;
	size_t i;

	if (!job_fields_indexed)
		job_fields_index();
	record_begin(b);
	for (f = job_fields; f->name; f++)
		if (f->tag != 0 && job_peek_by_tag[f->tag] != PEEK_NONE)
			job_encode_field(j, f, b);
	for (i = 0; i < j->nrules; i++) {
		record_begin(&tb);
		record_sint(&tb, R_STARTS, j->rules[i].starts_at);
		record_sint(&tb, R_EXPIRES, j->rules[i].expires_at);
		record_bytes(b, J_RULE, tb.data, tb.len);
	}
	record_uint(b, J_PEEKED, 0);
	for (f = job_fields; f->name; f++)
		if (f->tag != 0 && job_peek_by_tag[f->tag] == PEEK_NONE)
			job_encode_field(j, f, b);
	for (i = 0; i < j->ntasks; i++) {
		const struct job_task *t = &j->tasks[i];

		record_begin(&tb);
		record_uint(&tb, T_ID, t->id);
		record_str(&tb, T_ACTION, t->action);
		record_str(&tb, T_PAYLOAD, t->payload);
		record_uint(&tb, T_OFFSET, (uint64_t)t->time_offset);
		record_uint(&tb, T_CONTINUE, (uint64_t)t->continue_on_failure);
		record_bytes(b, J_TASK, tb.data, tb.len);
	}
	buf_free(&tb);
}

/* One J_RULE of a record into *B: 0, or -1 when it is corrupt. */
static int
job_decode_rule(const struct record_val *v, struct cron_bounds *b)
{
	struct record_reader r;
	struct record_val rv;
	uint8_t tag;
	int rc;

	memset(b, 0, sizeof(*b));
	if (v->kind != RECORD_BYTES || record_open(&r, v->p, v->len) == -1)
		return -1;
	while ((rc = record_next(&r, &tag, &rv)) == 1) {
		if (tag == R_STARTS)
			b->starts_at = rv.i;
		else if (tag == R_EXPIRES)
			b->expires_at = rv.i;
	}
	return rc == 0 ? 0 : -1;
}

/* Appends a J_RULE of a record to J's rules (at most CRON_RULES_MAX). */
static int
job_decode_rule_into(const struct record_val *v, struct job *j)
{
	struct cron_bounds b;

	if (job_decode_rule(v, &b) == -1)
		return -1;
	if (j->nrules >= CRON_RULES_MAX)
		return 0;
	j->rules = xrealloc(j->rules, (j->nrules + 1) * sizeof(*j->rules));
	j->rules[j->nrules++] = b;
	return 0;
}

static int
job_decode_task(const struct record_val *v, struct job_task *t)
{
	struct record_reader r;
	struct record_val tv;
	uint8_t tag;
	int rc;

	memset(t, 0, sizeof(*t));
	t->action = xstrdup("");
	t->payload = xstrdup("");
	if (v->kind != RECORD_BYTES || record_open(&r, v->p, v->len) == -1)
		return -1;
	while ((rc = record_next(&r, &tag, &tv)) == 1) {
		switch (tag) {
		case T_ID: t->id = tv.u; break;
		case T_ACTION: record_set_str(&t->action, &tv); break;
		case T_PAYLOAD: record_set_str(&t->payload, &tv); break;
		case T_OFFSET: t->time_offset = (int)tv.u; break;
		case T_CONTINUE: t->continue_on_failure = (int)tv.u; break;
		default: break;
		}
	}
	return rc == 0 ? 0 : -1;
}

static int
job_decode(const void *data, size_t len, struct job *j)
{
	struct record_reader r;
	struct record_val v;
	uint8_t tag;
	int rc;

	job_defaults(j, 0);
	if (record_open(&r, data, len) == -1) {
		job_default_texts(j);
		return -1;
	}
	while ((rc = record_next(&r, &tag, &v)) == 1) {
		const struct job_field *f;
		void *p;

		if (tag == J_TASK) {
			j->tasks = xrealloc(j->tasks, (j->ntasks + 1) * sizeof(*j->tasks));
			if (job_decode_task(&v, &j->tasks[j->ntasks++]) == -1) {
				job_default_texts(j);
				return -1;
			}
			continue;
		}
		if (tag == J_RULE) {
			if (job_decode_rule_into(&v, j) == -1) {
				job_default_texts(j);
				return -1;
			}
			continue;
		}
		if ((f = job_field_by_tag(tag)) == NULL)
			continue; /* a newer build's field */
		p = job_field_ptr(j, f);
		switch (f->type) {
		case JOB_FT_TEXT: record_set_str((char **)p, &v); break;
		case JOB_FT_INT:
		case JOB_FT_BOOL:
		case JOB_FT_ENUM: *(int *)p = (int)v.u; break;
		case JOB_FT_TIME:
		case JOB_FT_STAMP: *(int64_t *)p = v.i; break;
		case JOB_FT_ID: *(uint64_t *)p = v.u; break;
		case JOB_FT_VIEW: break;
		}
	}
	job_default_texts(j);
	return rc == 0 ? 0 : -1;
}

/* What a job read light holds, as remembered (points_fields_*) by the
 * digest of its record: the expression and the timezone follow each
 * other in TEXT, each ended by a NUL. */
struct job_light {
	uint64_t account, group;
	int64_t starts_at, expires_at, paused_until, created_at;
	int status;
	unsigned char expression_len, timezone_len;
	char text[POINTS_FIELDS_MAX - 6 * 8 - 8];
};
_Static_assert(sizeof(struct job_light) <= POINTS_FIELDS_MAX, "job_light outgrows its slot");

/* J's light fields into L: 0, or -1 when they do not fit. */
static int
job_light_make(const struct job *j, struct job_light *l)
{
	size_t el = strlen(j->expression), tl = strlen(j->timezone);

	if (el > 255 || tl > 255 || el + tl + 2 > sizeof(l->text) || j->nrules)
		return -1; /* rules of their own: read from the record each time */
	memset(l, 0, sizeof(*l));
	l->account = j->account;
	l->group = j->group;
	l->starts_at = j->starts_at;
	l->expires_at = j->expires_at;
	l->paused_until = j->paused_until;
	l->created_at = j->created_at;
	l->status = j->status;
	l->expression_len = (unsigned char)el;
	l->timezone_len = (unsigned char)tl;
	memcpy(l->text, j->expression, el + 1);
	memcpy(l->text + el + 1, j->timezone, tl + 1);
	return 0;
}

static void
job_light_use(const struct job_light *l, struct job *j)
{
	memset(j, 0, sizeof(*j));
	j->account = l->account;
	j->group = l->group;
	j->starts_at = l->starts_at;
	j->expires_at = l->expires_at;
	j->paused_until = l->paused_until;
	j->created_at = l->created_at;
	j->status = l->status;
	j->expression = xstrndup(l->text, l->expression_len);
	j->timezone = xstrndup(l->text + l->expression_len + 1, l->timezone_len);
	j->st.last_status = -1;
}

/* The numbers of the record, its expression and its timezone; the other
 * texts stay NULL and the tasks unread (a job read light). Only the
 * fields of struct job_light count: those that choose and show a job. */
static int
job_decode_light(const void *data, size_t len, struct job *j)
{
	struct record_reader r;
	struct record_val v;
	uint8_t tag;
	int rc;

	job_defaults(j, 0);
	if (record_open(&r, data, len) == -1)
		rc = -1;
	else {
		while ((rc = record_next(&r, &tag, &v)) == 1) {
			const struct job_field *f;
			void *p;

			if (tag == J_RULE) {
				if (job_decode_rule_into(&v, j) == -1) {
					rc = -1;
					break;
				}
				continue;
			}
			if (tag == J_TASK || (f = job_field_by_tag(tag)) == NULL)
				continue;
			p = job_field_ptr(j, f);
			switch (f->type) {
			case JOB_FT_TEXT:
				if (f->offset == J(expression) || f->offset == J(timezone))
					record_set_str((char **)p, &v);
				break;
			case JOB_FT_INT:
			case JOB_FT_BOOL:
			case JOB_FT_ENUM: *(int *)p = (int)v.u; break;
			case JOB_FT_TIME:
			case JOB_FT_STAMP: *(int64_t *)p = v.i; break;
			case JOB_FT_ID: *(uint64_t *)p = v.u; break;
			case JOB_FT_VIEW: break;
			}
		}
	}
	if (j->expression == NULL)
		j->expression = xstrdup("");
	if (j->timezone == NULL)
		j->timezone = xstrdup("");
	return rc == 0 ? 0 : -1;
}

static void
job_state_encode(const struct job_state *s, struct buf *b)
{
	record_begin(b);
	/* first what the start-up load reads (job_state_walk_fires) */
	record_sint(b, S_LAST_FIRE, s->last_fire);
	record_sint(b, S_SINCE, s->since);
	record_uint(b, S_FAIL, (uint64_t)s->fail);
	record_uint(b, S_RUNS, s->runs);
	record_sint(b, S_LAST_RUN, s->last_run);
	record_sint(b, S_LAST_STATUS, s->last_status);
	record_uint(b, S_LAST_DURATION_MS, (uint64_t)(s->last_duration * 1000 + 0.5));
	record_uint(b, S_NOTIFIED, (uint64_t)s->notified);
	record_uint(b, S_LOGS, s->logs);
	record_uint(b, S_LAST_HTTP_STATUS, (uint64_t)s->last_http_status);
}

static int
job_state_decode(const void *data, size_t len, struct job_state *s)
{
	struct record_reader r;
	struct record_val v;
	uint8_t tag;
	int rc;

	memset(s, 0, sizeof(*s));
	s->last_status = -1;
	if (record_open(&r, data, len) == -1)
		return -1;
	while ((rc = record_next(&r, &tag, &v)) == 1) {
		switch (tag) {
		case S_FAIL: s->fail = (int)v.u; break;
		case S_RUNS: s->runs = v.u; break;
		case S_LAST_RUN: s->last_run = v.i; break;
		case S_LAST_STATUS: s->last_status = (int)v.i; break;
		case S_LAST_DURATION_MS: s->last_duration = (double)v.u / 1000; break;
		case S_LAST_FIRE: s->last_fire = v.i; break;
		case S_NOTIFIED: s->notified = (int)v.u; break;
		case S_SINCE: s->since = v.i; break;
		case S_LOGS: s->logs = v.u; break;
		case S_LAST_HTTP_STATUS: s->last_http_status = (int)v.u; break;
		default: break;
		}
	}
	return rc == 0 ? 0 : -1;
}

int
job_peek(const void *data, size_t len, struct job_peek *p, struct cron_bounds rules[CRON_RULES_MAX])
{
	struct record_reader r;
	struct record_val v;
	uint8_t tag;
	int rc;

	if (!job_fields_indexed)
		job_fields_index();
	p->account = 0;
	p->expression = p->timezone = "";
	p->expression_len = p->timezone_len = 0;
	p->starts_at = p->expires_at = p->paused_until = p->created_at = 0;
	p->status = 0;
	p->single = 1;
	p->instances = 5;
	p->catch_up = JOB_CATCHUP_ONCE;
	p->starting_deadline = 3600;
	p->rules = rules;
	p->nrules = 0;
	if (record_open(&r, data, len) == -1)
		return -1;
	while ((rc = record_next(&r, &tag, &v)) == 1) {
		switch (job_peek_by_tag[tag]) {
		case PEEK_NONE: break;
		case PEEK_ACCOUNT: p->account = v.u; break;
		case PEEK_EXPRESSION:
			p->expression = v.p;
			p->expression_len = v.len;
			break;
		case PEEK_TIMEZONE:
			p->timezone = v.p;
			p->timezone_len = v.len;
			break;
		case PEEK_STARTS_AT: p->starts_at = v.i; break;
		case PEEK_EXPIRES_AT: p->expires_at = v.i; break;
		case PEEK_PAUSED_UNTIL: p->paused_until = v.i; break;
		case PEEK_CREATED_AT: p->created_at = v.i; break;
		case PEEK_STATUS: p->status = (int)v.u; break;
		case PEEK_SINGLE: p->single = (int)v.u; break;
		case PEEK_INSTANCES: p->instances = (int)v.u; break;
		case PEEK_CATCH_UP: p->catch_up = (int)v.u; break;
		case PEEK_STARTING_DEADLINE: p->starting_deadline = (int)v.u; break;
		case PEEK_RULE: {
			/* a copy: V itself stays in registers */
			struct record_val rule = v;

			if (p->nrules < CRON_RULES_MAX && job_decode_rule(&rule, &rules[p->nrules]) == 0)
				p->nrules++;
			break;
		}
		case PEEK_END: return 0;
		}
	}
	return rc == 0 ? 0 : -1;
}

static int
job_read(struct store_txn *t, uint64_t id, struct job *out, int light)
{
	uint64_t digest;
	uint8_t key[8];
	MDB_val v;
	int rc;

	memset(out, 0, sizeof(*out));
	record_key_u64(key, id);
	if ((rc = store_get(t, DB_JOBS, key, sizeof(key), &v)) != STORE_OK)
		return rc;
	digest = points_digest(0, v.mv_data, v.mv_size);
	if (light) {
		struct points *p = store_points(t->store);
		struct job_light l;

		if (points_fields_get(p, id, digest, &l, sizeof(l)))
			job_light_use(&l, out);
		else {
			if (job_decode_light(v.mv_data, v.mv_size, out) == -1)
				goto corrupt;
			if (p && job_light_make(out, &l) == 0)
				points_fields_put(p, id, digest, &l, sizeof(l));
		}
		out->record = v.mv_data;
		out->record_len = v.mv_size;
	} else if (job_decode(v.mv_data, v.mv_size, out) == -1)
		goto corrupt;
	out->id = id;
	out->digest = digest;
	rc = store_get(t, DB_JOBSTATE, key, sizeof(key), &v);
	if (rc == STORE_OK && job_state_decode(v.mv_data, v.mv_size, &out->st) == -1)
		goto corrupt;
	if (rc < 0) {
		job_free(out);
		return rc;
	}
	return STORE_OK;
corrupt:
	log_warnx("store: job %llu: corrupt record", (unsigned long long)id);
	job_free(out);
	return STORE_FAILED;
}

int
job_load(struct store_txn *t, uint64_t id, struct job *out)
{
	return job_read(t, id, out, 0);
}

int
job_load_light(struct store_txn *t, uint64_t account, uint64_t id, struct job *out)
{
	int rc = job_read(t, id, out, 1);

	if (rc == STORE_OK && out->account != account) {
		job_free(out);
		return STORE_NOTFOUND;
	}
	return rc;
}

int
job_load_owned(struct store_txn *t, uint64_t account, uint64_t id, struct job *out)
{
	int rc = job_load(t, id, out);

	if (rc == STORE_OK && out->account != account) {
		job_free(out);
		return STORE_NOTFOUND;
	}
	return rc;
}

static void
job_key2(uint8_t key[16], uint64_t a, uint64_t b)
{
	record_key_u64(key, a);
	record_key_u64(key + 8, b);
}

static void
job_write(struct store_txn *t, const struct job *j)
{
	struct buf b = BUF_INIT;
	uint8_t key[8];

	record_key_u64(key, j->id);
	job_encode(j, &b);
	store_put(t, DB_JOBS, key, sizeof(key), b.data, b.len);
	buf_free(&b);
}

void
job_put_state(struct store_txn *t, uint64_t id, const struct job_state *s)
{
	struct buf b = BUF_INIT;
	uint8_t key[8];

	record_key_u64(key, id);
	job_state_encode(s, &b);
	store_put(t, DB_JOBSTATE, key, sizeof(key), b.data, b.len);
	buf_free(&b);
}

void
job_save_state(struct store_txn *t, const struct job *j)
{
	job_put_state(t, j->id, &j->st);
}

int
job_load_state(struct store_txn *t, uint64_t id, struct job_state *out)
{
	uint8_t key[8];
	MDB_val v;
	int rc;

	memset(out, 0, sizeof(*out));
	out->last_status = -1;
	record_key_u64(key, id);
	if ((rc = store_get(t, DB_JOBSTATE, key, sizeof(key), &v)) != STORE_OK)
		return rc;
	if (job_state_decode(v.mv_data, v.mv_size, out) == -1) {
		log_warnx("store: job %llu: corrupt state record", (unsigned long long)id);
		return STORE_FAILED;
	}
	return STORE_OK;
}

void
job_state_walk_open(struct store_txn *t, struct job_state_walk *w, uint64_t from)
{
	uint8_t key[8];

	record_key_u64(key, from);
	store_iter_open(t, DB_JOBSTATE, NULL, 0, &w->it);
	store_iter_seek(t, &w->it, key, sizeof(key));
	w->more = store_iter_next(t, &w->it) == 1;
}

int
job_state_walk_fires(struct store_txn *t, struct job_state_walk *w, uint64_t id, struct job_fires *out)
{
	struct record_reader r;
	struct record_val v;
	uint64_t at = 0;
	uint8_t tag;
	int rc = 0, seen = 0;

	out->last_fire = out->since = 0;
	/* a key not of 8 bytes is no job's: passed over */
	while (w->more && (w->it.key.mv_size != 8 || (at = record_get_u64(w->it.key.mv_data)) < id))
		w->more = store_iter_next(t, &w->it) == 1;
	if (!w->more)
		return t->err ? t->err : STORE_NOTFOUND;
	if (at != id)
		return STORE_NOTFOUND;
	if (record_open(&r, w->it.val.mv_data, w->it.val.mv_size) == -1)
		goto corrupt;
	/* job_state_encode writes the two first; an older record has them
	 * further on */
	while (seen != 3 && (rc = record_next(&r, &tag, &v)) == 1) {
		if (tag == S_LAST_FIRE) {
			out->last_fire = v.i;
			seen |= 1;
		} else if (tag == S_SINCE) {
			out->since = v.i;
			seen |= 2;
		}
	}
	if (seen == 3 || rc == 0)
		return STORE_OK;
corrupt:
	log_warnx("store: job %llu: corrupt state record", (unsigned long long)id);
	return STORE_FAILED;
}

void
job_state_walk_close(struct job_state_walk *w)
{
	store_iter_close(&w->it);
}

int
job_set_status(struct store_txn *t, uint64_t id, int status, int64_t now)
{
	struct job j;
	int rc;

	if ((rc = job_load(t, id, &j)) != STORE_OK)
		return rc;
	j.status = status;
	j.updated_at = now;
	job_write(t, &j);
	job_free(&j);
	return t->err;
}

void
job_number_tasks(struct store_txn *t, struct job *j)
{
	size_t i;

	for (i = 0; i < j->ntasks; i++)
		if (j->tasks[i].id == 0)
			j->tasks[i].id = store_next_id(t, "task");
}

static void
job_index_tasks(struct store_txn *t, const struct job *j, int add)
{
	uint8_t key[8], val[8];
	size_t i;

	record_key_u64(val, j->id);
	for (i = 0; i < j->ntasks; i++) {
		record_key_u64(key, j->tasks[i].id);
		if (add)
			store_put(t, DB_TASKS, key, sizeof(key), val, sizeof(val));
		else
			store_del(t, DB_TASKS, key, sizeof(key));
	}
}

/* Adds DELTA to the job count of account ID. */
static void
job_count_account(struct store_txn *t, uint64_t id, int delta, int64_t now)
{
	if (account_count_jobs(t, id, delta, now) != STORE_OK) {
		if (t->err == 0)
			t->err = STORE_FAILED;
		log_warnx("store: job of account %llu, which cannot be read", (unsigned long long)id);
	}
}

void
job_insert(struct store_txn *t, struct job *j, int64_t now)
{
	uint8_t key[16];

	j->digest = 0;
	if ((j->id = store_next_id(t, "job")) == 0)
		return;
	j->created_at = j->updated_at = now;
	j->st.since = now;
	job_number_tasks(t, j);
	job_write(t, j);
	job_save_state(t, j);
	job_index_tasks(t, j, 1);
	job_key2(key, j->account, j->id);
	store_put(t, DB_JOBS_BY_ACCOUNT, key, sizeof(key), "", 0);
	if (j->group) {
		job_key2(key, j->group, j->id);
		store_put(t, DB_JOBS_BY_GROUP, key, sizeof(key), "", 0);
	}
	job_count_account(t, j->account, 1, now);
}

static int
job_schedule_changed(const struct job *old, const struct job *j)
{
	return (j->status == JOB_ACTIVE && old->status != JOB_ACTIVE) ||
	    strcmp(old->expression, j->expression) != 0 || strcmp(old->timezone, j->timezone) != 0 ||
	    old->starts_at != j->starts_at || old->expires_at != j->expires_at ||
	    old->paused_until != j->paused_until;
}

void
job_update(struct store_txn *t, const struct job *old, struct job *j, int64_t now)
{
	uint8_t key[16];

	j->updated_at = now;
	j->digest = 0;
	/* a schedule that starts (again) owes no fire from before now */
	if (job_schedule_changed(old, j))
		j->st.since = now;
	job_number_tasks(t, j);
	job_index_tasks(t, old, 0);
	job_index_tasks(t, j, 1);
	if (old->group != j->group) {
		if (old->group) {
			job_key2(key, old->group, j->id);
			store_del(t, DB_JOBS_BY_GROUP, key, sizeof(key));
		}
		if (j->group) {
			job_key2(key, j->group, j->id);
			store_put(t, DB_JOBS_BY_GROUP, key, sizeof(key), "", 0);
		}
	}
	job_write(t, j);
	job_save_state(t, j);
}

void
job_delete(struct store_txn *t, const struct job *j, int64_t now)
{
	uint8_t key[16];

	record_key_u64(key, j->id);
	store_del(t, DB_JOBS, key, 8);
	store_del(t, DB_JOBSTATE, key, 8);
	job_index_tasks(t, j, 0);
	job_key2(key, j->account, j->id);
	store_del(t, DB_JOBS_BY_ACCOUNT, key, sizeof(key));
	if (j->group) {
		job_key2(key, j->group, j->id);
		store_del(t, DB_JOBS_BY_GROUP, key, sizeof(key));
	}
	job_count_account(t, j->account, -1, now);
}

int
job_of_task(struct store_txn *t, uint64_t task_id, uint64_t *job_id)
{
	uint8_t key[8];
	MDB_val v;
	int rc;

	record_key_u64(key, task_id);
	if ((rc = store_get(t, DB_TASKS, key, sizeof(key), &v)) != STORE_OK)
		return rc;
	if (v.mv_size != 8)
		return STORE_FAILED;
	*job_id = record_get_u64(v.mv_data);
	return STORE_OK;
}

/* Walks an index whose keys are OWNER || JOB, from the first job above
 * AFTER, passing over the first SKIP entries by their keys alone. */
static int
job_each_indexed(struct store_txn *t, enum store_db db, uint64_t owner, uint64_t after,
    uint64_t skip, int light, int (*fn)(struct job *, void *), void *arg)
{
	struct store_iter it;
	uint8_t prefix[8], from[16];
	int rc;

	record_key_u64(prefix, owner);
	if ((rc = store_iter_open(t, db, prefix, sizeof(prefix), &it)) != STORE_OK)
		return rc;
	if (after) {
		if (after == UINT64_MAX) {
			store_iter_close(&it);
			return STORE_OK;
		}
		job_key2(from, owner, after + 1);
		store_iter_seek(t, &it, from, sizeof(from));
	}
	while ((rc = store_iter_next(t, &it)) == 1) {
		struct job j;
		uint64_t id;

		if (it.key.mv_size != 16) {
			rc = STORE_FAILED;
			break;
		}
		if (skip > 0) {
			skip--;
			continue;
		}
		id = record_get_u64((const uint8_t *)it.key.mv_data + 8);
		if ((rc = job_read(t, id, &j, light)) != STORE_OK) {
			log_warnx("store: %s: job %llu is indexed but cannot be read",
			    store_db_name(db), (unsigned long long)id);
			if (rc == STORE_NOTFOUND)
				rc = STORE_FAILED;
			break;
		}
		rc = fn(&j, arg);
		job_free(&j);
		if (rc != 0)
			break;
	}
	store_iter_close(&it);
	return rc < 0 ? rc : STORE_OK;
}

int
job_each(struct store_txn *t, uint64_t account, int (*fn)(struct job *, void *), void *arg)
{
	return job_each_indexed(t, DB_JOBS_BY_ACCOUNT, account, 0, 0, 0, fn, arg);
}

int
job_each_in_group(struct store_txn *t, uint64_t group, int (*fn)(struct job *, void *), void *arg)
{
	return job_each_indexed(t, DB_JOBS_BY_GROUP, group, 0, 0, 0, fn, arg);
}

int
job_each_page(struct store_txn *t, uint64_t account, uint64_t group, uint64_t after,
    uint64_t skip, int (*fn)(struct job *, void *), void *arg)
{
	if (group)
		return job_each_indexed(t, DB_JOBS_BY_GROUP, group, after, skip, 0, fn, arg);
	return job_each_indexed(t, DB_JOBS_BY_ACCOUNT, account, after, skip, 0, fn, arg);
}

int
job_each_page_light(struct store_txn *t, uint64_t account, uint64_t group, uint64_t after,
    uint64_t skip, int (*fn)(struct job *, void *), void *arg)
{
	if (group)
		return job_each_indexed(t, DB_JOBS_BY_GROUP, group, after, skip, 1, fn, arg);
	return job_each_indexed(t, DB_JOBS_BY_ACCOUNT, account, after, skip, 1, fn, arg);
}

uint64_t
job_count_in_group(struct store_txn *t, uint64_t group)
{
	uint8_t prefix[8];

	record_key_u64(prefix, group);
	return store_count_prefix(t, DB_JOBS_BY_GROUP, prefix, sizeof(prefix));
}

/* ---- schedule views */

const struct tz *
job_zone(const struct job *j, const struct account *a)
{
	const struct tz *zone = NULL;

	if (*j->timezone)
		zone = tz_get(j->timezone);
	if (zone == NULL && a && *a->timezone)
		zone = tz_get(a->timezone);
	return zone ? zone : tz_utc();
}

void
job_clear_rules(struct job *j)
{
	free(j->rules);
	j->rules = NULL;
	j->nrules = 0;
}

int
job_set_rules(struct job *j, const char *const *exprs, const struct cron_bounds *bounds,
    size_t n, const char **field, size_t *index, char *why, size_t whylen)
{
	char one[CRON_FORMAT_MAX], all[CRON_FORMAT_MAX];
	struct buf joined = BUF_INIT;
	struct cron_error e;
	size_t i, bounded = 0;

	*field = "expression";
	*index = 0;
	if (n == 0 || n > CRON_RULES_MAX) {
		snprintf(why, whylen, "a schedule needs 1 to %d rules", CRON_RULES_MAX);
		return -1;
	}
	for (i = 0; i < n; i++) {
		*index = i;
		*field = "expression";
		if (rules_expression(exprs[i], one, sizeof(one), &e) == -1) {
			if (strcmp(e.field, "expression") == 0)
				snprintf(why, whylen, "%s", e.message);
			else
				snprintf(why, whylen, "%s: %s", e.field, e.message);
			goto fail;
		}
		if (strchr(one, ';') != NULL) {
			snprintf(why, whylen, "one rule each: no ';'");
			goto fail;
		}
		if (bounds[i].starts_at < 0 || bounds[i].starts_at > JOB_TIME_MAX) {
			*field = "startsAt";
			snprintf(why, whylen, "startsAt must be Unix seconds up to %lld", (long long)JOB_TIME_MAX);
			goto fail;
		}
		*field = "expiresAt";
		if (bounds[i].expires_at < 0 || bounds[i].expires_at > JOB_TIME_MAX) {
			snprintf(why, whylen, "expiresAt must be Unix seconds up to %lld", (long long)JOB_TIME_MAX);
			goto fail;
		}
		if (bounds[i].starts_at && bounds[i].expires_at && bounds[i].expires_at <= bounds[i].starts_at) {
			snprintf(why, whylen, "expiresAt must be later than startsAt");
			goto fail;
		}
		if (bounds[i].starts_at || bounds[i].expires_at)
			bounded++;
		if (i)
			buf_addstr(&joined, "; ");
		buf_addstr(&joined, one);
	}
	*field = "expression";
	*index = 0;
	if (rules_expression(buf_str(&joined), all, sizeof(all), &e) == -1) {
		snprintf(why, whylen, "%s", e.message);
		goto fail;
	}
	buf_free(&joined);
	free(j->expression);
	j->expression = xstrdup(all);
	job_clear_rules(j);
	if (bounded) {
		j->rules = xcalloc(n, sizeof(*j->rules));
		memcpy(j->rules, bounds, n * sizeof(*j->rules));
		j->nrules = n;
	}
	return 0;
fail:
	buf_free(&joined);
	return -1;
}

void
job_window(const struct job *j, struct cron_window *w)
{
	w->starts_at = j->starts_at;
	w->expires_at = j->expires_at;
	w->anchor = j->starts_at ? j->starts_at : j->created_at;
	w->rules = j->nrules ? j->rules : NULL;
	w->nrules = (int)j->nrules;
}

int64_t
job_next_run(const struct job *j, const struct tz *zone, int64_t now)
{
	struct cron_window w;
	struct cron *c;
	int64_t after = now, next = 0;

	if (j->status != JOB_ACTIVE || *j->expression == '\0')
		return 0;
	if (j->paused_until > after)
		after = j->paused_until - 1;
	if (cron_parse(j->expression, &c, NULL) == -1)
		return 0;
	job_window(j, &w);
	if (cron_next(c, zone, &w, after, &next) != 0)
		next = 0;
	cron_free(c);
	return next;
}

int64_t
job_next_run_cached(const struct job *j, const struct tz *zone, int64_t now, struct points *p)
{
	uint64_t digest;
	int64_t next;

	if (p == NULL || j->digest == 0)
		return job_next_run(j, zone, now);
	digest = points_digest(j->digest, &zone, sizeof(zone));
	if (points_next_get(p, j->id, digest, now, &next))
		return next;
	next = job_next_run(j, zone, now);
	points_next_put(p, j->id, digest, now, next);
	return next;
}

/* Fires of J in its day (points.h), through the view's cache. */
static int64_t
job_points(const struct job *j, const struct job_view *v)
{
	struct cron_window w;

	job_window(j, &w);
	return points_job(v->points, j->id, j->expression, v->zone, &w, v->now);
}

/* ---- JSON */

static void
json_ktime(yajl_gen g, const char *key, int64_t t)
{
	json_kintnull(g, key, t);
}

/* The SetCronJob fields of a plain 5- or 6-field expression: each an array
 * of its items (numbers as numbers). Anything else (macros, L/W/#, years,
 * several rules) gives null: the expression says it all. */
static void
job_fields_json(yajl_gen g, const char *expression)
{
	static const char *const names[6] = { "second", "minute", "hour", "day", "month", "weekday" };
	char *copy = xstrdup(expression), *fields[7], *p = copy, *f;
	int n = 0, i, plain = 1;

	while ((f = strsep(&p, " ")) != NULL) {
		if (*f == '\0')
			continue;
		if (n == 7)
			break;
		fields[n++] = f;
	}
	if ((n != 5 && n != 6) || strpbrk(expression, "@;LW#?") != NULL)
		plain = 0;
	for (i = 0; i < 6; i++) {
		json_key(g, names[i]);
		if (!plain) {
			yajl_gen_null(g);
			continue;
		}
		yajl_gen_array_open(g);
		if (n == 5 && i == 0)
			json_int(g, 0);
		else {
			char *item, *q = fields[n == 5 ? i - 1 : i];

			while ((item = strsep(&q, ",")) != NULL) {
				if (*item && strspn(item, "0123456789") == strlen(item) && strlen(item) < 10)
					json_int(g, atoi(item));
				else
					json_str(g, item);
			}
		}
		yajl_gen_array_close(g);
	}
	free(copy);
}

void
job_task_json(yajl_gen g, const struct job *j, size_t i, int id_null)
{
	const struct job_task *t = &j->tasks[i];

	yajl_gen_map_open(g);
	if (id_null)
		json_knull(g, "id");
	else
		json_kint(g, "id", (int64_t)t->id);
	json_kint(g, "job", (int64_t)j->id);
	json_kint(g, "sequence", (int64_t)i + 1);
	json_kstr(g, "action", t->action);
	json_kstr(g, "payload", t->payload);
	json_kint(g, "timeOffset", t->time_offset);
	json_kbool(g, "continueOnFailure", t->continue_on_failure);
	yajl_gen_map_close(g);
}

void
job_last_status_json(yajl_gen g, const struct job_state *s)
{
	json_key(g, "lastStatus");
	if (s->last_status < 0)
		yajl_gen_null(g);
	else
		json_int(g, s->last_status);
}

/* ---- the table's show hooks */

static void
job_show_id(yajl_gen g, const struct job *j, const struct job_view *v)
{
	if (v->id_null)
		json_knull(g, "id");
	else
		json_kint(g, "id", (int64_t)j->id);
}

/* never shown: hasPassword says whether there is one */
static void
job_show_password(yajl_gen g, const struct job *j, const struct job_view *v)
{
	(void)j;
	(void)v;
	json_kstr(g, "password", "");
}

static void
job_show_has_password(yajl_gen g, const struct job *j, const struct job_view *v)
{
	(void)v;
	json_kbool(g, "hasPassword", *j->password != '\0');
}

static void
job_show_user_agent(yajl_gen g, const struct job *j, const struct job_view *v)
{
	json_kstr(g, "userAgent", *j->user_agent ? j->user_agent : v->user_agent);
}

/* the expression, then the SetCronJob fields it is made of */
static void
job_show_expression(yajl_gen g, const struct job *j, const struct job_view *v)
{
	(void)v;
	json_kstr(g, "expression", j->expression);
	job_fields_json(g, j->expression);
}

/* the zone the job runs in, resolved */
static void
job_show_timezone(yajl_gen g, const struct job *j, const struct job_view *v)
{
	(void)j;
	json_kstr(g, "timezone", tz_name(v->zone));
}

/* the status shown: 3 while the daily limit holds */
static void
job_show_status(yajl_gen g, const struct job *j, const struct job_view *v)
{
	(void)j;
	json_kint(g, "status", v->status);
}

static void
job_show_fail(yajl_gen g, const struct job *j, const struct job_view *v)
{
	(void)v;
	json_kint(g, "fail", j->st.fail);
}

static void
job_show_tasks(yajl_gen g, const struct job *j, const struct job_view *v)
{
	size_t i;

	json_key(g, "tasks");
	yajl_gen_array_open(g);
	for (i = 0; i < j->ntasks; i++)
		job_task_json(g, j, i, v->id_null);
	yajl_gen_array_close(g);
}

/* Each rule of the expression with its own bounds, null when it has
 * none. */
static void
job_show_rules(yajl_gen g, const struct job *j, const struct job_view *v)
{
	(void)v;
	job_rules_json(g, j, 0);
}

void
job_rules_json(yajl_gen g, const struct job *j, int unix_times)
{
	const char *p = j->expression, *end;
	size_t i = 0, len;

	json_key(g, "rules");
	yajl_gen_array_open(g);
	while (*p) {
		while (*p == ' ' || *p == ';')
			p++;
		if (*p == '\0')
			break;
		end = strchr(p, ';');
		len = end ? (size_t)(end - p) : strlen(p);
		while (len && p[len - 1] == ' ')
			len--;
		yajl_gen_map_open(g);
		json_key(g, "expression");
		yajl_gen_string(g, (const unsigned char *)p, len);
		if (unix_times) {
			json_kintnull(g, "startsAt", i < j->nrules ? j->rules[i].starts_at : 0);
			json_kintnull(g, "expiresAt", i < j->nrules ? j->rules[i].expires_at : 0);
		} else {
			json_ktime(g, "startsAt", i < j->nrules ? j->rules[i].starts_at : 0);
			json_ktime(g, "expiresAt", i < j->nrules ? j->rules[i].expires_at : 0);
		}
		yajl_gen_map_close(g);
		i++;
		p = end ? end : p + len;
	}
	yajl_gen_array_close(g);
}

static void
job_show_last_run(yajl_gen g, const struct job *j, const struct job_view *v)
{
	(void)v;
	json_ktime(g, "lastRun", j->st.last_run);
}

static void
job_show_next_run(yajl_gen g, const struct job *j, const struct job_view *v)
{
	(void)j;
	json_ktime(g, "nextRun", v->next_run);
}

/* Asked for (cron.get's nextRuns): nextRun and the fires after it, none
 * when there is no nextRun (an inactive job, the daily limit reached). */
static void
job_show_next_runs(yajl_gen g, const struct job *j, const struct job_view *v)
{
	struct cron_window w;
	struct cron *c = NULL;
	int64_t next = v->next_run;
	int n;

	if (v->next_runs <= 0)
		return;
	json_key(g, "nextRuns");
	yajl_gen_array_open(g);
	if (next && cron_parse(j->expression, &c, NULL) == 0) {
		job_window(j, &w);
		for (n = 0; n < v->next_runs; n++) {
			json_int(g, next);
			if (cron_next(c, v->zone, &w, next, &next) != 0)
				break;
		}
		cron_free(c);
	}
	yajl_gen_array_close(g);
}

static void
job_show_last_status(yajl_gen g, const struct job *j, const struct job_view *v)
{
	(void)v;
	job_last_status_json(g, &j->st);
}

static void
job_show_last_duration(yajl_gen g, const struct job *j, const struct job_view *v)
{
	(void)v;
	json_key(g, "lastDuration");
	if (j->st.last_status < 0)
		yajl_gen_null(g);
	else
		json_double(g, j->st.last_duration);
}

static void
job_show_last_http_status(yajl_gen g, const struct job *j, const struct job_view *v)
{
	(void)v;
	json_key(g, "lastHttpStatus");
	if (j->st.last_http_status <= 0)
		yajl_gen_null(g);
	else
		json_int(g, j->st.last_http_status);
}

static void
job_show_processing(yajl_gen g, const struct job *j, const struct job_view *v)
{
	(void)j;
	json_kbool(g, "isProcessing", v->processing);
}

/* a pause that is over is not shown */
static void
job_show_paused(yajl_gen g, const struct job *j, const struct job_view *v)
{
	json_ktime(g, "pausedUntil", j->paused_until > v->now ? j->paused_until : 0);
}

static void
job_show_points(yajl_gen g, const struct job *j, const struct job_view *v)
{
	json_kint(g, "points", job_points(j, v));
}

/* The value of live field F as job_json_fields writes it, made here
 * without yajl (the fields are read at every job of every read), into
 * OUT: its length, or 0 when it is not made here. */
#define JOB_LIVE_TEXT_MAX 32
static size_t
job_live_value(const struct job_field *f, const struct job *j, const struct job_view *v,
    char out[JOB_LIVE_TEXT_MAX])
{
	int64_t n, ms;
	size_t o;

	if (f->show == job_show_status)
		n = v->status;
	else if (f->show == job_show_fail)
		n = j->st.fail;
	else if (f->show == job_show_last_run)
		n = j->st.last_run;
	else if (f->show == job_show_next_run)
		n = v->next_run;
	else if (f->show == job_show_paused)
		n = j->paused_until > v->now ? j->paused_until : 0;
	else if (f->show == job_show_points)
		return json_int_text(out, job_points(j, v));
	else if (f->show == job_show_last_status) {
		if (j->st.last_status < 0)
			n = 0;
		else
			return json_int_text(out, j->st.last_status);
	} else if (f->show == job_show_last_http_status) {
		n = j->st.last_http_status > 0 ? j->st.last_http_status : 0;
	} else if (f->show == job_show_processing) {
		memcpy(out, v->processing ? "true" : "false", v->processing ? 4 : 5);
		return v->processing ? 4 : 5;
	} else if (f->show == job_show_last_duration) {
		if (j->st.last_status < 0)
			n = 0;
		else {
			/* "%.3f" of a whole number of milliseconds (as the state
			 * stores it); anything else goes through yajl */
			double d = j->st.last_duration;

			if (!(d >= 0 && d < 1e12))
				return 0;
			ms = (int64_t)(d * 1000 + 0.5);
			if ((double)ms / 1000 != d)
				return 0;
			o = json_int_text(out, ms / 1000);
			out[o++] = '.';
			out[o++] = (char)('0' + ms / 100 % 10);
			out[o++] = (char)('0' + ms / 10 % 10);
			out[o++] = (char)('0' + ms % 10);
			return o;
		}
	} else
		return 0;
	/* times and the last status: 0 / never is null */
	if (n == 0 && f->show != job_show_status && f->show != job_show_fail) {
		memcpy(out, "null", 4);
		return 4;
	}
	return json_int_text(out, n);
}

/* The value of live field F written by its show hook through yajl, as
 * {"name":value}: a number, null or a boolean, which holds no ',' or '}'.
 * Appended to OUT. */
static void
job_live_value_yajl(const struct job_field *f, const struct job *j, const struct job_view *v,
    struct buf *out)
{
	yajl_gen lg = json_gen_new();
	const unsigned char *text;
	const char *val;
	size_t len;

	yajl_gen_map_open(lg);
	f->show(lg, j, v);
	yajl_gen_map_close(lg);
	yajl_gen_get_buf(lg, &text, &len);
	val = strstr((const char *)text, "\":") + 2;
	buf_add(out, val, strcspn(val, ",}"));
	yajl_gen_free(lg);
}

const char *
job_field_enum_name(const struct job *j, const struct job_field *f)
{
	int i = *(const int *)job_field_cptr(j, f);

	return f->names[i >= f->min && i <= f->max ? i : (int)f->default_value];
}

void
job_field_json(yajl_gen g, const struct job *j, const struct job_field *f)
{
	const void *p = job_field_cptr(j, f);

	switch (f->type) {
	case JOB_FT_TEXT: json_kstr(g, f->name, *(char *const *)p); break;
	case JOB_FT_INT: json_kint(g, f->name, *(const int *)p); break;
	case JOB_FT_BOOL: json_kbool(g, f->name, *(const int *)p); break;
	case JOB_FT_ENUM: json_kstr(g, f->name, job_field_enum_name(j, f)); break;
	case JOB_FT_TIME: json_kintnull(g, f->name, *(const int64_t *)p); break;
	case JOB_FT_STAMP: json_kint(g, f->name, *(const int64_t *)p); break;
	case JOB_FT_ID: json_kintnull(g, f->name, (int64_t) * (const uint64_t *)p); break;
	case JOB_FT_VIEW: break;
	}
}

/* The Job object as text, written by hand into OUT rather than through
 * yajl's generator (a fifth of a cron.add's instructions went to it): the
 * names and plain values from the table, the live values as
 * job_live_value makes them, and what the other show hooks write through
 * yajl (into HOOK, made on first use) copied in. The bytes are those
 * yajl wrote (tests/unit/test_jobtable.c compares them). */
struct job_text {
	struct buf *out;
	yajl_gen hook;
	int fields; /* written so far: a comma before each but the first */
};

/* ,"NAME": (the table's names need no escape) */
static void
job_text_key(struct job_text *t, const char *name)
{
	size_t n = strlen(name);
	char *p;

	buf_reserve(t->out, n + 4);
	p = t->out->data + t->out->len;
	if (t->fields++)
		*p++ = ',';
	*p++ = '"';
	memcpy(p, name, n);
	p += n;
	*p++ = '"';
	*p++ = ':';
	t->out->len = (size_t)(p - t->out->data);
}

static void
job_text_int(struct job_text *t, int64_t n, int zero_null)
{
	char num[24];

	if (n == 0 && zero_null)
		buf_add(t->out, "null", 4);
	else
		buf_add(t->out, num, json_int_text(num, n));
}

static void
job_text_str(struct job_text *t, const char *s)
{
	if (s == NULL)
		buf_add(t->out, "null", 4);
	else
		json_text_strn(t->out, s, strlen(s));
}

/* Writes F when its show hook is one of the plain ones, made here rather
 * than through yajl. Returns 0 when it is not. */
static int
job_text_shown(struct job_text *t, const struct job_field *f, const struct job *j,
    const struct job_view *v)
{
	if (f->show == job_show_id) {
		job_text_key(t, "id");
		job_text_int(t, v->id_null ? 0 : (int64_t)j->id, v->id_null);
	} else if (f->show == job_show_password) {
		job_text_key(t, "password");
		buf_add(t->out, "\"\"", 2);
	} else if (f->show == job_show_has_password) {
		job_text_key(t, "hasPassword");
		if (*j->password != '\0')
			buf_add(t->out, "true", 4);
		else
			buf_add(t->out, "false", 5);
	} else if (f->show == job_show_user_agent) {
		job_text_key(t, "userAgent");
		job_text_str(t, *j->user_agent ? j->user_agent : v->user_agent);
	} else if (f->show == job_show_timezone) {
		job_text_key(t, "timezone");
		job_text_str(t, tz_name(v->zone));
	} else
		return 0;
	return 1;
}

/* What F's show hook writes (none, one field or several), through yajl. */
static void
job_text_hook(struct job_text *t, const struct job_field *f, const struct job *j,
    const struct job_view *v)
{
	const unsigned char *text;
	size_t len;

	if (t->hook == NULL)
		t->hook = json_gen_new();
	else {
		yajl_gen_reset(t->hook, NULL);
		yajl_gen_clear(t->hook);
	}
	yajl_gen_map_open(t->hook);
	f->show(t->hook, j, v);
	yajl_gen_map_close(t->hook);
	yajl_gen_get_buf(t->hook, &text, &len);
	if (len <= 2)
		return; /* {} */
	if (t->fields++)
		buf_addch(t->out, ',');
	buf_add(t->out, text + 1, len - 2);
}

/* J's Job object; with TEMPLATE, each field that changes without a write
 * (JOB_FF_LIVE) has the byte 0x01 for its value: the text job_json
 * remembers. A 0x01 inside a string is escaped, so the bare byte marks
 * only those values. Written to G as one value. */
static void
job_json_fields(yajl_gen g, const struct job *j, const struct job_view *v, int template)
{
	const struct job_field *f;
	struct buf out = BUF_INIT;
	struct job_text t = { &out, NULL, 0 };
	char val[JOB_LIVE_TEXT_MAX];
	size_t n;

	buf_reserve(&out, 2048);
	buf_addch(&out, '{');
	for (f = job_fields; f->name; f++) {
		const void *p = job_field_cptr(j, f);

		if (f->flags & JOB_FF_HIDDEN)
			continue;
		if (template && (f->flags & JOB_FF_LIVE)) {
			job_text_key(&t, f->name);
			buf_addch(&out, '\1');
			continue;
		}
		if (f->show) {
			if ((f->flags & JOB_FF_LIVE) && (n = job_live_value(f, j, v, val)) > 0) {
				job_text_key(&t, f->name);
				buf_add(&out, val, n);
			} else if (!job_text_shown(&t, f, j, v))
				job_text_hook(&t, f, j, v);
			continue;
		}
		if (f->type == JOB_FT_VIEW)
			continue;
		job_text_key(&t, f->name);
		switch (f->type) {
		case JOB_FT_TEXT: job_text_str(&t, *(char *const *)p); break;
		case JOB_FT_INT: job_text_int(&t, *(const int *)p, 0); break;
		case JOB_FT_BOOL:
			if (*(const int *)p)
				buf_add(&out, "true", 4);
			else
				buf_add(&out, "false", 5);
			break;
		case JOB_FT_ENUM: job_text_str(&t, job_field_enum_name(j, f)); break;
		case JOB_FT_TIME: job_text_int(&t, *(const int64_t *)p, 1); break;
		case JOB_FT_STAMP: job_text_int(&t, *(const int64_t *)p, 0); break;
		case JOB_FT_ID: job_text_int(&t, (int64_t) * (const uint64_t *)p, 1); break;
		default: break;
		}
	}
	buf_addch(&out, '}');
	yajl_gen_number(g, out.data, out.len);
	if (t.hook)
		yajl_gen_free(t.hook);
	buf_free(&out);
}

/* TEXT (J's template) with the live fields' values of now filled in,
 * written to G as one value; the marks are the live fields in the
 * table's order. */
static void
job_json_fill(yajl_gen g, const struct job *j, const struct job_view *v, const char *text,
    size_t len)
{
	const char *p, *end = text + len, *mark;
	char stack[4096], val[JOB_LIVE_TEXT_MAX];
	struct buf out = BUF_INIT;
	size_t o = 0, i = 0, n;
	int onstack = len + job_nlive * JOB_LIVE_TEXT_MAX <= sizeof(stack);

	/* the output goes to the stack when it fits and every value is made
	 * by hand; else to OUT */
	for (p = text; p < end; p = mark + 1) {
		if ((mark = memchr(p, '\1', (size_t)(end - p))) == NULL)
			mark = end;
		n = (size_t)(mark - p);
		if (onstack) {
			memcpy(stack + o, p, n);
			o += n;
		} else
			buf_add(&out, p, n);
		if (mark == end)
			break;
		if (i == job_nlive)
			break; /* not a template of this build's table */
		n = job_live_value(job_fields_live[i], j, v, val);
		if (n == 0 && onstack) {
			buf_add(&out, stack, o);
			onstack = 0;
		}
		if (n == 0)
			job_live_value_yajl(job_fields_live[i], j, v, &out);
		else if (onstack) {
			memcpy(stack + o, val, n);
			o += n;
		} else
			buf_add(&out, val, n);
		i++;
	}
	if (onstack)
		yajl_gen_number(g, stack, o);
	else
		yajl_gen_number(g, out.data ? out.data : "", out.len);
	buf_free(&out);
}

/* J as read from the store, fully: a job read light decodes its record
 * into FULL, which the caller frees. */
static const struct job *
job_full(const struct job *j, struct job *full)
{
	if (j->record == NULL)
		return j;
	if (job_decode(j->record, j->record_len, full) == -1)
		log_warnx("store: job %llu: corrupt record", (unsigned long long)j->id);
	full->id = j->id;
	full->st = j->st;
	full->digest = j->digest;
	return full;
}

void
job_json(yajl_gen g, const struct job *j, const struct job_view *v)
{
	const char *text;
	uint64_t digest;
	size_t len;

	struct job full;

	memset(&full, 0, sizeof(full));
	if (!job_fields_indexed)
		job_fields_index();
	/* a job read from the store: its record's fields as they were shown
	 * last time, and the live ones of now */
	if (v->points == NULL || j->digest == 0 || v->id_null || v->next_runs) {
		job_json_fields(g, job_full(j, &full), v, 0);
		job_free(&full);
		return;
	}
	digest = points_digest(j->digest, &v->zone, sizeof(v->zone));
	if (v->user_agent)
		digest = points_digest(digest, v->user_agent, strlen(v->user_agent));
	if ((text = points_text_get(v->points, j->id, digest, &len)) == NULL) {
		yajl_gen t = json_gen_new();
		const unsigned char *made;

		job_json_fields(t, job_full(j, &full), v, 1);
		job_free(&full);
		yajl_gen_get_buf(t, &made, &len);
		points_text_put(v->points, j->id, digest, (const char *)made, len);
		yajl_gen_free(t);
		text = points_text_get(v->points, j->id, digest, &len);
	}
	job_json_fill(g, j, v, text, len);
}
