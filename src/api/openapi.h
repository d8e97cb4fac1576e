/*
 * openapi: the OpenAPI 3.1 description of the API, made from the tables
 * the API itself runs on: the routes (api_routes[]), the job's fields
 * (job_fields[]) and the account's limits (rules_limits[]), plus what
 * openapi.c says of each action (its parameters and the schema of its
 * data). docs/openapi.json is its output; GET /api/openapi.json serves it.
 *
 * A route or a job field that openapi.c cannot describe is still in the
 * document, marked "x-webcron-undocumented": tests/e2e/test_openapi.py
 * fails on that mark, so a new action cannot ship undescribed.
 */
#ifndef WEBCRON_OPENAPI_H
#define WEBCRON_OPENAPI_H

#include "util/buf.h"

/* Appends the document (JSON, indented, ending with a newline) to OUT.
 * Never fails (a malformed static part is a bug: fatalx). */
void openapi_document(struct buf *out);

#endif
