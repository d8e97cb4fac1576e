/*
 * httperror: the front door's refusals in the envelope.
 *
 * libevent 2.1 answers the faults it finds itself (a body whose
 * Content-Length is over the limit, headers over the limit, a malformed
 * request line, an unknown Expect) through its public evhttp_send_error,
 * which writes an HTML page, and it offers no hook to change that (2.2
 * adds evhttp_set_errorcb). webcrond defines evhttp_send_error itself:
 * the dynamic linker binds libevent's own calls, made through its PLT,
 * to the executable's definition, as it does for malloc. The request may
 * have no URI at this point (libevent frees it on these paths), so only
 * the headers are read here, and no HTTP version when its request line
 * could not be read: the answer is then HTTP/1.1, as libevent's page
 * was (the version is set through http_struct.h, libevent's public but
 * unstable view of the request; there is no setter).
 */

#include <stdio.h>
#include <stdlib.h>

#include <event2/http.h>
#include <event2/http_struct.h>
#include <event2/keyvalq_struct.h>

#include "api/call.h"
#include "daemon/httperror.h"

#define HTTPERROR_METHODS (EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT | \
    EVHTTP_REQ_DELETE | EVHTTP_REQ_PATCH | EVHTTP_REQ_HEAD | EVHTTP_REQ_OPTIONS)
#define HTTPERROR_ALLOW "GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS"

int
httperror_method_allowed(struct evhttp_request *req)
{
	return (evhttp_request_get_command(req) & HTTPERROR_METHODS) != 0;
}

void
httperror_method_refused(struct evhttp_request *req)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	/* a body it may have sent was not read: the connection ends */
	evhttp_add_header(h, "Allow", HTTPERROR_ALLOW);
	evhttp_add_header(h, "Connection", "close");
	call_send_error(req, 405, API_INVALID,
	    "method not allowed: use " HTTPERROR_ALLOW);
}

/* 1 when REQ announced a body over the hard limit: evhttp's 413 is then
 * about the body, else about the request line and headers. */
static int
httperror_body_over(struct evhttp_request *req)
{
	const char *cl = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Content-Length");
	char *end;
	unsigned long long n;

	if (cl == NULL)
		return 0;
	n = strtoull(cl, &end, 10);
	return end != cl && n > HTTPERROR_BODY_MAX;
}

/* Replaces libevent's HTML error page; see the comment at the top. */
void
evhttp_send_error(struct evhttp_request *req, int error, const char *reason)
{
	char msg[128];

	(void)reason;
	if (req->major == 0) {
		req->major = 1;
		req->minor = 1;
	}
	if (error == HTTP_NOTIMPLEMENTED) {
		/* a method evhttp keeps for itself (CONNECT) */
		httperror_method_refused(req);
		return;
	}
	/* libevent closes after its own errors: the rest of the request
	 * was not read */
	evhttp_add_header(evhttp_request_get_output_headers(req), "Connection", "close");
	if (error == HTTP_ENTITYTOOLARGE && httperror_body_over(req))
		snprintf(msg, sizeof(msg),
		    "the request body is larger than %d bytes", API_BODY_MAX);
	else if (error == HTTP_ENTITYTOOLARGE)
		snprintf(msg, sizeof(msg),
		    "the request line and headers are larger than %d bytes",
		    HTTPERROR_HEADERS_MAX);
	else if (error == HTTP_EXPECTATIONFAILED)
		snprintf(msg, sizeof(msg), "Expect: only 100-continue is understood");
	else if (error == HTTP_BADREQUEST)
		snprintf(msg, sizeof(msg),
		    "malformed HTTP request: its request line or headers cannot be read "
		    "(at most %d bytes)",
		    HTTPERROR_HEADERS_MAX);
	else
		snprintf(msg, sizeof(msg), "the HTTP request was refused (%d)", error);
	call_send_error(req, error >= 400 && error < 600 ? error : 400,
	    API_INVALID, msg);
}
