/*
 * job: a cron job: its record, its tasks, its indexes and its JSON form.
 *
 * Tasks live inside their job's record (a job has at most maxTasks of
 * them, and they are always read and written with it); the `tasks`
 * database maps a task id to its job so that task.get can find it.
 * What changes at every run (fail, runs, last*) is kept apart in
 * `jobstate`, so an execution never rewrites the job's body.
 */
#ifndef WEBCRON_JOB_H
#define WEBCRON_JOB_H

#include <stddef.h>
#include <stdint.h>

#include <yajl/yajl_gen.h>

#include "engine/cron.h"
#include "store/store.h"

struct account;
struct config;
struct points;
struct store_txn;
struct tz;

#define JOB_ACTIVE 0
#define JOB_DISABLED 1
#define JOB_EXPIRED 2
#define JOB_INACTIVE 3 /* daily execution limit reached */
#define JOB_FAILED 4   /* disabled after failureThreshold failures */

#define JOB_CATCHUP_NONE 0
#define JOB_CATCHUP_ONCE 1
#define JOB_CATCHUP_ALL 2

#define JOB_NOTIFY_NEVER 0
#define JOB_NOTIFY_FAILURE 1
#define JOB_NOTIFY_ALWAYS 2
#define JOB_NOTIFY_DISABLED 3

/* Limits of SPEC section 5 and 3.5. */
#define JOB_NAME_MAX 255
#define JOB_DESCRIPTION_MAX 1024
#define JOB_POSTDATA_MAX (64 * 1024)
#define JOB_HEADERS_MAX (8 * 1024) /* = HEADERS_MAX of headers.h */
#define JOB_PAYLOAD_MAX (16 * 1024)
#define JOB_PATTERN_MAX 1024
#define JOB_USERAGENT_MAX 512
#define JOB_CREDENTIAL_MAX 255
#define JOB_OFFSET_MAX 900
#define JOB_METHOD_MAX 16
#define JOB_TIMEZONE_MAX 64
#define JOB_CODES_MAX 256     /* successCodes text */
#define JOB_TIMEOUT_MAX 86400 /* and the account's maxTimeout */
#define JOB_THRESHOLD_MAX 100 /* failureThreshold */
#define JOB_NOTIFY_EVERY_MAX 1000
#define JOB_RETRIES_MAX 5
#define JOB_RETRY_DELAY_MAX 86400
#define JOB_INSTANCES_MAX 5
#define JOB_DEADLINE_MAX 604800   /* startingDeadline: a week */
#define JOB_TIME_MAX 7258118400LL /* 2200-01-01T00:00:00Z */

struct job_task {
	uint64_t id;
	char *action; /* "http" or a task class */
	char *payload;
	int time_offset; /* seconds after the previous step ended */
	int continue_on_failure;
};

/* What every run changes. */
struct job_state {
	int fail;         /* consecutive failures now */
	uint64_t runs;    /* executions started: the next Log's `no` is runs + 1 */
	int64_t last_run; /* planned time of the last run, 0 = never */
	int last_status;  /* Log status of the last run, -1 = never */
	double last_duration;
	int last_http_status; /* HTTP status of the last run's request, 0 = none */
	int64_t last_fire;    /* the last schedule instant recorded as fired */
	int64_t since;        /* no fire before this instant is owed (creation, re-enabling,
				 * a new schedule): where catch-up starts looking */
	int notified;         /* a failure notice went out: send "recovered" next success */
	uint64_t logs;        /* logs kept for the job */
};

struct job {
	uint64_t id;
	uint64_t account;
	uint64_t group; /* 0 = none */
	char *name;
	char *description;
	char *url; /* "" = no request, tasks only */
	char *http_method;
	char *http_headers; /* "Name: value" lines joined by "\n" */
	char *post_data;
	char *username;
	char *password;
	char *user_agent; /* "" = the server's */
	int timeout;
	char *expression;  /* normalized */
	char *timezone;    /* "" = the account's */
	int64_t starts_at; /* 0 = unset */
	int64_t expires_at;
	int status;
	int failure_threshold; /* 0 = never disable */
	int notify;
	int notify_every;
	char *pattern;
	int ignore_http_status;
	char *success_codes; /* "200-299" */
	int follow_redirects;
	int ssl_verify;
	int retries;
	int retry_delay;
	int single;
	int instances;
	int catch_up;
	int starting_deadline;
	int64_t paused_until;
	int64_t created_at;
	int64_t updated_at;
	struct job_task *tasks;
	size_t ntasks;
	/* Each ';' rule's own startsAt/expiresAt, in the expression's order:
	 * NRULES is 0 when no rule has bounds of its own, else the number of
	 * rules of the expression. */
	struct cron_bounds *rules;
	size_t nrules;
	struct job_state st;
	uint64_t digest; /* of the stored record it was loaded from; 0 = none
				 * (new, copied or changed since): the key of what
				 * reads remember of it (points.h) */
	/* A job read light (job_load_light): its stored record, valid while
	 * the read transaction lasts. Only its numbers, expression and
	 * timezone are decoded (the other texts are NULL, and it has no
	 * tasks): job_json decodes the rest only if it must. */
	const void *record;
	size_t record_len;
};

struct job_view;

/* ---- the job's fields: one table
 *
 * Every field of a job is one row of job_fields[], in the order of the
 * Job object of answers. The row says how the field is stored (its
 * record tag), its defaults and bounds, the rule of rules.c its value
 * passes, how it is shown, and whether the API (jobparams) and the
 * export (transfer) take it as a plain value of its type. A plain field
 * is one row (and, for text with rules, its rule); a field that needs
 * more keeps a hook in its row, or a flag saying whose function reads it.
 */

enum job_field_type {
	JOB_FT_TEXT,  /* char *: at most MAX bytes; MIN 1: not empty */
	JOB_FT_INT,   /* int: MIN..MAX */
	JOB_FT_BOOL,  /* int: 0 or 1 */
	JOB_FT_ENUM,  /* int: an index of NAMES, shown and moved by name */
	JOB_FT_TIME,  /* int64_t: Unix seconds MIN..MAX, 0 = unset, shown as null */
	JOB_FT_STAMP, /* int64_t: Unix seconds the server sets, never null */
	JOB_FT_ID,    /* uint64_t: a record's id, 0 = none, shown as null */
	JOB_FT_VIEW,  /* nothing of the job's own: shown only, by SHOW */
};

#define JOB_FF_API 0x01       /* cron.add/cron.edit take it as a plain value */
#define JOB_FF_API_OWN 0x02   /* jobparams reads it with a function of its own */
#define JOB_FF_MOVE 0x04      /* export/import take it as a plain value */
#define JOB_FF_MOVE_OWN 0x08  /* transfer writes and reads it itself */
#define JOB_FF_MOVE_LAST 0x10 /* exported after the plain fields (the document's order) */
#define JOB_FF_HIDDEN 0x20    /* not in the Job object */
#define JOB_FF_LIVE 0x40      /* shown from the state or the view: changes
				 * without a write of the record */
#define JOB_FF_SECRET 0x80    /* never shown in the history: "changed" only */

struct job_field {
	const char *name; /* SPEC's spelling: the JSON key and parameter */
	uint8_t tag;      /* record tag, 0 = not in the record; never reuse one */
	enum job_field_type type;
	size_t offset;            /* of the value in struct job */
	int64_t min, max;         /* the range; JOB_FT_TEXT: bytes */
	const char *text_default; /* JOB_FT_TEXT; NULL = "" */
	int64_t default_value;    /* the other types */
	const char *const *names; /* JOB_FT_ENUM: the values' names, NULL-ended */
	/* The rule (rules.c) that a text other than "" passes: 0, or -1 or
	 * a RULES_* fault (RULES_URL_REFUSED, RULES_ZONE_UNKNOWN) with WHY. */
	int (*rule)(const char *value, char *why, size_t whylen);
	/* A text other than "" in its normal form: 0 with a new string in
	 * *NORMAL, or -1 with WHY. */
	int (*normal)(const char *value, char **normal, char *why, size_t whylen);
	/* Writes the field (and what is shown with it) instead of its type's
	 * way. */
	void (*show)(yajl_gen g, const struct job *j, const struct job_view *v);
	unsigned flags;
};

/* The rows, ended by one whose name is NULL. */
extern const struct job_field job_fields[];

/* The row of NAME, or NULL. */
const struct job_field *job_field(const char *name);
/* The row of record tag TAG, or NULL (0, or a tag no row has). */
const struct job_field *job_field_by_tag(uint8_t tag);
/* Builds the index of rows by record tag that decoding uses (on first use
 * otherwise); the daemon calls it at start, before any other thread. */
void job_fields_index(void);
/* Where F's value is in J (inline: every walk of the table asks, once
 * per row). */
static inline void *
job_field_ptr(struct job *j, const struct job_field *f)
{
	return (char *)j + f->offset;
}

static inline const void *
job_field_cptr(const struct job *j, const struct job_field *f)
{
	return (const char *)j + f->offset;
}
/* The index in F's names of NAME, or -1. */
int job_field_enum(const struct job_field *f, const char *name);
/* The name of enum field F's value in J (its default's when out of
 * range). */
const char *job_field_enum_name(const struct job *j, const struct job_field *f);
/* Writes F of J to G as a name and a value by F's type (nothing for
 * JOB_FT_VIEW), through yajl: the export's way, and the Job object's
 * plain fields as job_json writes them by hand. */
void job_field_json(yajl_gen g, const struct job *j, const struct job_field *f);

/* A new job with SPEC's defaults, owned by ACCOUNT. */
void job_init(struct job *j, const struct account *a);
void job_free(struct job *j);
/* A deep copy. */
void job_copy(struct job *dst, const struct job *src);

/* Loads job ID (with its state). Returns STORE_OK, STORE_NOTFOUND, or an
 * error (a corrupt record is STORE_FAILED, logged). */
int job_load(struct store_txn *t, uint64_t id, struct job *out);
/* Loads job ID when it belongs to ACCOUNT; another account's job is
 * STORE_NOTFOUND, exactly like a missing one. */
int job_load_owned(struct store_txn *t, uint64_t account, uint64_t id, struct job *out);
/* job_load_owned for a job that is only shown (job_json) before T ends:
 * read light (struct job's `record`), without copying the texts its
 * remembered Job object holds. Never copy or write such a job. */
int job_load_light(struct store_txn *t, uint64_t account, uint64_t id, struct job *out);

/* Gives J an id and its creation time, writes it with its indexes and
 * counts it in its account. Errors are sticky in T. */
void job_insert(struct store_txn *t, struct job *j, int64_t now);
/* Writes J over its stored version OLD (indexes follow a group change and
 * task additions or removals). Errors are sticky in T. */
void job_update(struct store_txn *t, const struct job *old, struct job *j, int64_t now);
/* Writes only J's state. Errors are sticky in T. */
void job_save_state(struct store_txn *t, const struct job *j);
/* Reads or writes the state of job ID alone (the executor's updates).
 * job_load_state returns STORE_OK, STORE_NOTFOUND or an error. */
int job_load_state(struct store_txn *t, uint64_t id, struct job_state *out);
void job_put_state(struct store_txn *t, uint64_t id, const struct job_state *s);
/* What the start-up load needs of a job's state: where catch-up starts. */
struct job_fires {
	int64_t last_fire;
	int64_t since;
};
/* The states of jobs asked in rising id order, read by a cursor that walks
 * alongside the caller's walk of the jobs instead of a lookup from the
 * root per job (the start-up load). job_state_walk_fires gives job ID's
 * last_fire and since as job_load_state would, with its return codes; ID
 * must not be below the last id asked. */
struct job_state_walk {
	struct store_iter it;
	int more; /* the cursor stands on an entry */
};
void job_state_walk_open(struct store_txn *t, struct job_state_walk *w, uint64_t from);
int job_state_walk_fires(struct store_txn *t, struct job_state_walk *w, uint64_t id, struct job_fires *out);
void job_state_walk_close(struct job_state_walk *w);
/* Sets the status of job ID in its record (the executor's: failed or
 * expired). Returns STORE_OK, STORE_NOTFOUND or an error. */
int job_set_status(struct store_txn *t, uint64_t id, int status, int64_t now);
/* Deletes J, its tasks, its state and its index entries, and uncounts it
 * from its account; its logs are cascade_job_remove's. Errors are sticky
 * in T. */
void job_delete(struct store_txn *t, const struct job *j, int64_t now);

/* The job that holds task ID: STORE_OK with *JOB_ID, or STORE_NOTFOUND. */
int job_of_task(struct store_txn *t, uint64_t task_id, uint64_t *job_id);
/* Gives each task of J without an id a new one. Errors are sticky. */
void job_number_tasks(struct store_txn *t, struct job *j);

/* Calls FN for each job of ACCOUNT (by id); FN returns 0 to go on, 1 to
 * stop. Returns STORE_OK or an error. */
int job_each(struct store_txn *t, uint64_t account, int (*fn)(struct job *, void *), void *arg);
/* The same for the jobs of GROUP. */
int job_each_in_group(struct store_txn *t, uint64_t group, int (*fn)(struct job *, void *),
    void *arg);
/* Calls FN as job_each does (GROUP 0) or job_each_in_group, for the jobs
 * whose id is above AFTER (0: from the first), passing over the first SKIP
 * of those by their index keys alone (their records are not read): a page
 * costs its own jobs, not the ones before it. Returns STORE_OK or an
 * error. */
int job_each_page(struct store_txn *t, uint64_t account, uint64_t group, uint64_t after,
    uint64_t skip, int (*fn)(struct job *, void *), void *arg);
/* The same with each job read light (job_load_light), for FN that only
 * filters on numbers and shows the job with job_json. */
int job_each_page_light(struct store_txn *t, uint64_t account, uint64_t group, uint64_t after,
    uint64_t skip, int (*fn)(struct job *, void *), void *arg);
/* The number of jobs in GROUP. */
uint64_t job_count_in_group(struct store_txn *t, uint64_t group);

/* The fields of a job record that decide when it fires, read without
 * copying (the strings point into the record). */
struct job_peek {
	uint64_t account;
	const char *expression;
	size_t expression_len;
	const char *timezone;
	size_t timezone_len;
	int64_t starts_at, expires_at, paused_until, created_at;
	int status, single, instances, catch_up, starting_deadline;
	const struct cron_bounds *rules; /* the rules' own bounds, NRULES of them */
	int nrules;
};

/* Reads DATA (a stored job record) into P, the rules' bounds into RULES
 * (P->rules points there). Returns 0, or -1 when the record is corrupt. */
int job_peek(const void *data, size_t len, struct job_peek *p, struct cron_bounds rules[CRON_RULES_MAX]);

/* What job_json needs from outside the record. */
struct job_view {
	const struct tz *zone; /* the job's zone (resolved from the account when "") */
	int64_t now;
	int64_t next_run; /* 0 = none */
	int processing;
	int id_null;            /* a deleted job: "id": null */
	int status;             /* the status shown (3 while the daily limit holds) */
	const char *user_agent; /* shown when the job has none of its own */
	struct points *points;  /* the cache of "points" (store_points), NULL = none */
	int next_runs;          /* "nextRuns": that many fire times from nextRun on; 0 = left out */
};

/* The zone J runs in: its own, else its account's, else UTC. */
const struct tz *job_zone(const struct job *j, const struct account *a);
/* Sets J's schedule from N rules, each one ';' rule EXPRS[I] (any
 * accepted form) with its own bounds BOUNDS[I] (0 = unset): J's
 * expression becomes their normalized join and J's rules their bounds
 * (none when no rule has any). Returns 0, or -1 with FIELD ("expression",
 * "startsAt" or "expiresAt"), INDEX (the rule at fault) and WHY; J is
 * unchanged then. */
int job_set_rules(struct job *j, const char *const *exprs, const struct cron_bounds *bounds,
    size_t n, const char **field, size_t *index, char *why, size_t whylen);
/* Drops the rules' own bounds (the expression changed). */
void job_clear_rules(struct job *j);

/* "rules": each ';' rule of J's expression with its own bounds, as
 * ISO 8601 times (the Job object) or with UNIX_TIMES as Unix seconds
 * (the export); null when a rule has none. */
void job_rules_json(yajl_gen g, const struct job *j, int unix_times);

/* J's window for the schedule engine: startsAt, expiresAt, the anchor of
 * @every and the rules' own bounds (pointing into J). */
void job_window(const struct job *j, struct cron_window *w);
/* The next fire time after NOW (0 = none): the schedule's, after
 * pausedUntil, within startsAt/expiresAt; none when the job is not active. */
int64_t job_next_run(const struct job *j, const struct tz *zone, int64_t now);

/* The same, remembered in P (NULL: computed) for a job loaded from the
 * store: it stays the same until it comes or the record changes. */
int64_t job_next_run_cached(const struct job *j, const struct tz *zone, int64_t now,
    struct points *p);

/* J's Job object. With a cache in V and a job loaded from the store, the
 * fields of its record are written as remembered for that record, and
 * only the live ones (JOB_FF_LIVE) anew. */
void job_json(yajl_gen g, const struct job *j, const struct job_view *v);
/* "lastStatus": the Log status of the last run, null before the first. */
void job_last_status_json(yajl_gen g, const struct job_state *s);
void job_task_json(yajl_gen g, const struct job *j, size_t i, int id_null);

#endif
