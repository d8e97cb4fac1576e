/*
 * libFuzzer target for json_text_strn (util/json.h): the escape of the
 * strings that the Job object, written by hand, holds, against yajl's
 * generator through json_strn.
 *
 * The input is the string itself, up to its first 0 byte (the callers
 * pass C strings).
 *
 * What must hold: the two texts are the same bytes whenever both checks
 * of UTF-8 judge the string alike: webcron's (json_utf8_valid), which
 * every text passes on its way in, and yajl's, which also takes overlong
 * forms and encoded surrogates. When webcron's refuses what yajl's takes
 * (bytes no text in the store holds), the escape writes '?' for each byte
 * from 0x80 on and must still be a JSON string that yajl parses.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "util/buf.h"
#include "util/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	size_t len = strnlen(s, size);
	yajl_gen g = json_gen_new(), probe = json_gen_new();
	struct buf b = BUF_INIT;
	const unsigned char *text;
	size_t n;
	int ours = json_utf8_valid(s, len);
	int theirs = yajl_gen_string(probe, data, len) != yajl_gen_invalid_string;
	char err[128];
	yajl_val v;

	json_strn(g, s, len);
	yajl_gen_get_buf(g, &text, &n);
	json_text_strn(&b, s, len);
	if (ours == theirs) {
		if (b.len != n || memcmp(b.data, text, n) != 0)
			abort();
	} else {
		/* a JSON string, its bytes from 0x80 on written as '?' */
		v = yajl_tree_parse(b.data, err, sizeof(err));
		if (v == NULL || !YAJL_IS_STRING(v) || strlen(YAJL_GET_STRING(v)) != len)
			abort();
		for (n = 0; n < len; n++)
			if ((unsigned char)s[n] >= 0x80 && YAJL_GET_STRING(v)[n] != '?')
				abort();
		yajl_tree_free(v);
	}
	buf_free(&b);
	yajl_gen_free(probe);
	yajl_gen_free(g);
	return 0;
}
