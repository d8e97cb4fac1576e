/*
 * json: small helpers over yajl's generator, and UTF-8 validation.
 *
 * Every JSON document webcron produces goes through yajl_gen with UTF-8
 * validation on; the helpers below only shorten the calls. A NULL string
 * is written as JSON null.
 */
#ifndef WEBCRON_JSON_H
#define WEBCRON_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

struct buf;

/* A new generator (compact, UTF-8 validating). Never NULL. */
yajl_gen json_gen_new(void);

void json_key(yajl_gen, const char *key);
void json_str(yajl_gen, const char *s); /* NULL -> null */
void json_strn(yajl_gen, const char *s, size_t len);
void json_int(yajl_gen, int64_t v);
/* V in decimal, as json_int writes it, into OUT (at least 21 bytes, not
 * terminated): its length. */
size_t json_int_text(char *out, int64_t v);
void json_double(yajl_gen, double v); /* 3 decimals, for seconds */
void json_bool(yajl_gen, int v);
void json_null(yajl_gen);

void json_kstr(yajl_gen, const char *key, const char *s);
void json_kint(yajl_gen, const char *key, int64_t v);
void json_kintnull(yajl_gen, const char *key, int64_t v); /* 0 -> null */
void json_kbool(yajl_gen, const char *key, int v);
void json_knull(yajl_gen, const char *key);

/* JSON text written without yajl's generator, for a document made from a
 * table of fields (a Job's 60, where the generator spends some 450
 * instructions on each name): the bytes yajl writes. S (LEN bytes) as a
 * string, as json_strn writes it, appended to B. */
void json_text_strn(struct buf *b, const char *s, size_t len);

/* Parses TEXT into a tree (free with yajl_tree_free) when it is valid
 * JSON nested at most JSON_DEPTH_MAX levels; NULL otherwise. The depth is
 * checked first because yajl frees trees recursively. */
#define JSON_DEPTH_MAX 32
yajl_val json_tree_parse(const char *text);

/* Writes the tree V to G (depth bounded by json_tree_parse). */
void json_tree_gen(yajl_gen g, yajl_val v);

/* The tree V as compact JSON text: a new string (free it). Never NULL. */
char *json_tree_text(yajl_val v);

/* 1 when S[0..LEN) is well-formed UTF-8 (no overlongs, surrogates or
 * code points past U+10FFFF) and contains no NUL byte, else 0. */
int json_utf8_valid(const char *s, size_t len);

#endif
