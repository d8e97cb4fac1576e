/*
 * httperror: the limits of the HTTP front door and the refusals made
 * there, every one in the API's JSON envelope: a method not answered
 * (405), and the errors libevent's evhttp finds before the request
 * reaches server_request (413 for a body or headers over the limits,
 * 400 for a malformed request, 417 for an unknown Expect).
 */

#ifndef WEBCRON_HTTPERROR_H
#define WEBCRON_HTTPERROR_H

#include <event2/http.h>

#include "api/api.h"

/* The request line and headers at most. */
#define HTTPERROR_HEADERS_MAX 8192
/* evhttp refuses bodies past this from their Content-Length, without
 * reading them (its refusal goes through evhttp_send_error below); the
 * API answers bodies over API_BODY_MAX and up to this with its own 413.
 * Bounded, since a body is held whole before it is judged. */
#define HTTPERROR_BODY_MAX (16 * API_BODY_MAX)

/* 1 when REQ's method is one the server answers. */
int httperror_method_allowed(struct evhttp_request *req);
/* Answers REQ with the 405 envelope, its Allow header and the close. */
void httperror_method_refused(struct evhttp_request *req);

#endif
