/*
 * outcome: the failure policy, as a decision (see outcome.h).
 */

#include <string.h>

#include "store/execlog.h"
#include "store/job.h"
#include "exec/outcome.h"

void
outcome_decide(const struct job *j, const struct job_state *st, const struct outcome_run *r,
    int64_t now, struct outcome *out)
{
	int failed = LOG_IS_FAILURE(r->status);

	memset(out, 0, sizeof(*out));
	out->st = *st;
	if (r->status == LOG_SKIPPED || r->status == LOG_CANCELLED || !r->ran || j == NULL)
		return;
	out->st.last_run = r->planned;
	out->st.last_status = r->status;
	out->st.last_duration = r->duration;
	out->st.last_http_status = r->http_status;
	if (failed && r->attempt <= j->retries && r->may_retry) {
		/* only the last attempt counts towards fail and notices */
		out->retry = 1;
		return;
	}
	if (failed) {
		out->st.fail++;
		if (j->failure_threshold > 0 && out->st.fail >= j->failure_threshold) {
			out->disable = 1;
			out->disabled_at = now;
		}
		if (out->disable && j->notify != JOB_NOTIFY_NEVER)
			out->notice = "disabled";
		else if ((j->notify == JOB_NOTIFY_FAILURE || j->notify == JOB_NOTIFY_ALWAYS) &&
		    out->st.fail % (j->notify_every > 0 ? j->notify_every : 1) == 0)
			out->notice = "failure";
		if (out->notice)
			out->st.notified = 1;
	} else {
		if (st->notified && j->notify != JOB_NOTIFY_NEVER)
			out->notice = "recovered";
		else if (j->notify == JOB_NOTIFY_ALWAYS)
			out->notice = "success";
		out->st.fail = 0;
		out->st.notified = 0;
	}
}
