/*
 * apidoc: the API's OpenAPI document (api/openapi.c), made once and
 * served at GET /api/openapi.json without a token, or printed by
 * `webcrond -O`.
 */
#ifndef WEBCRON_APIDOC_H
#define WEBCRON_APIDOC_H

#include <stdio.h>

struct evhttp_request;

/* Answers REQ with the document. */
void apidoc_serve(struct evhttp_request *req);
/* Writes the document to FP. Returns 0, or -1 when the write fails. */
int apidoc_print(FILE *fp);

#endif
