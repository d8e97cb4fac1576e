/*
 * apidoc: the OpenAPI document, made on first use and kept: it depends on
 * the tables the binary was built with, never on the config.
 */

#include <stdio.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "api/openapi.h"
#include "daemon/apidoc.h"
#include "util/buf.h"

static struct buf apidoc_text = BUF_INIT;

static const struct buf *
apidoc_get(void)
{
	if (apidoc_text.len == 0)
		openapi_document(&apidoc_text);
	return &apidoc_text;
}

void
apidoc_serve(struct evhttp_request *req)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *out = evhttp_request_get_output_buffer(req);
	const struct buf *doc = apidoc_get();

	evhttp_add_header(h, "Content-Type", "application/json");
	evhttp_add_header(h, "Cache-Control", "no-cache");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evbuffer_add(out, doc->data, doc->len);
	evhttp_send_reply(req, 200, "OK", out);
}

int
apidoc_print(FILE *fp)
{
	const struct buf *doc = apidoc_get();

	if (fwrite(doc->data, 1, doc->len, fp) != doc->len || fflush(fp) == EOF)
		return -1;
	return 0;
}
