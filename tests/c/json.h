/*
 * json.h: a small JSON reader for the C tests (reads testdata/manifest.json).
 * Written for Aegis; parses RFC 8259 JSON into a tree with depth and size limits.
 * Numbers keep their text (json_u64 converts non-negative integers exactly).
 */
#ifndef AEGIS_TEST_JSON_H
#define AEGIS_TEST_JSON_H

#include <stddef.h>
#include <stdint.h>

typedef enum { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } json_type;

typedef struct json json;
struct json {
    json_type type;
    int boolean;   /* JSON_BOOL */
    char *text;    /* JSON_STRING: decoded, NUL-terminated; JSON_NUMBER: the number's text */
    size_t count;  /* JSON_ARRAY, JSON_OBJECT: number of items */
    json **items;  /* JSON_ARRAY, JSON_OBJECT: the values */
    char **keys;   /* JSON_OBJECT: the keys (decoded, NUL-terminated) */
};

/* Parses `len` bytes of `src`. Returns NULL on error (with a message in err, if not NULL). */
json *json_parse(const char *src, size_t len, char *err, size_t err_len);
/* Frees a tree from json_parse (NULL does nothing). */
void json_free(json *j);
/* The value of `key` in an object, or NULL (also when `obj` is NULL or not an object). */
const json *json_get(const json *obj, const char *key);
/* The string of a JSON_STRING, or NULL. */
const char *json_str(const json *j);
/* 1 and *out set when `j` is a non-negative integer that fits in 64 bits, else 0. */
int json_u64(const json *j, uint64_t *out);
/* 1 for true, 0 for false, `dflt` when `j` is NULL or not a boolean. */
int json_bool(const json *j, int dflt);

#endif
