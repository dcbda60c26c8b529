/* json.c: see json.h. */
#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 64

typedef struct {
    const char *p;
    const char *end;
    char *err;
    size_t err_len;
} parser;

static json *fail(parser *ps, const char *what) {
    if (ps->err && ps->err_len) {
        snprintf(ps->err, ps->err_len, "%s at byte %ld", what, (long)(ps->end - ps->p));
    }
    return NULL;
}

static void skip_ws(parser *ps) {
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')) {
        ps->p++;
    }
}

static json *new_node(json_type t) {
    json *j = calloc(1, sizeof *j);
    if (j) j->type = t;
    return j;
}

static int hex4(const char *s, unsigned *out) {
    unsigned v = 0;
    int i;
    for (i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return 0;
    }
    *out = v;
    return 1;
}

static size_t put_utf8(char *o, unsigned cp) {
    if (cp < 0x80) { o[0] = (char)cp; return 1; }
    if (cp < 0x800) { o[0] = (char)(0xC0 | (cp >> 6)); o[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12)); o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F)); return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18)); o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); o[3] = (char)(0x80 | (cp & 0x3F)); return 4;
}

/* Parses a string at ps->p (which is at the opening quote); returns a malloc'd decoded copy. */
static char *parse_string(parser *ps) {
    const char *s = ps->p + 1;
    const char *q = s;
    char *out, *o;
    /* Decoded output is never longer than the source. */
    while (q < ps->end && *q != '"') {
        if (*q == '\\') q++;
        q++;
    }
    if (q >= ps->end) { fail(ps, "unterminated string"); return NULL; }
    out = malloc((size_t)(q - s) + 1);
    if (!out) return NULL;
    o = out;
    while (s < q) {
        unsigned char c = (unsigned char)*s++;
        if (c < 0x20) { free(out); fail(ps, "control character in string"); return NULL; }
        if (c != '\\') { *o++ = (char)c; continue; }
        c = (unsigned char)*s++;
        switch (c) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '/': *o++ = '/'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u': {
            unsigned cp, lo;
            if (q - s < 4 || !hex4(s, &cp)) { free(out); fail(ps, "bad \\u escape"); return NULL; }
            s += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF && q - s >= 6 && s[0] == '\\' && s[1] == 'u' && hex4(s + 2, &lo) &&
                lo >= 0xDC00 && lo <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                s += 6;
            }
            o += put_utf8(o, cp); /* at most 4 bytes for 6 or 12 source bytes */
            break;
        }
        default: free(out); fail(ps, "bad escape"); return NULL;
        }
    }
    *o = '\0';
    ps->p = q + 1;
    return out;
}

static json *parse_value(parser *ps, int depth);

static int push(json *j, json *item, char *key) {
    json **items = realloc(j->items, (j->count + 1) * sizeof *items);
    if (!items) return 0;
    j->items = items;
    if (j->type == JSON_OBJECT) {
        char **keys = realloc(j->keys, (j->count + 1) * sizeof *keys);
        if (!keys) return 0;
        j->keys = keys;
        j->keys[j->count] = key;
    }
    j->items[j->count++] = item;
    return 1;
}

static json *parse_container(parser *ps, int depth, json_type t) {
    char close = t == JSON_ARRAY ? ']' : '}';
    json *j = new_node(t);
    if (!j) return NULL;
    ps->p++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == close) { ps->p++; return j; }
    for (;;) {
        char *key = NULL;
        json *item;
        skip_ws(ps);
        if (t == JSON_OBJECT) {
            if (ps->p >= ps->end || *ps->p != '"') { json_free(j); return fail(ps, "expected a key"); }
            key = parse_string(ps);
            if (!key) { json_free(j); return NULL; }
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != ':') { free(key); json_free(j); return fail(ps, "expected ':'"); }
            ps->p++;
        }
        item = parse_value(ps, depth + 1);
        if (!item || !push(j, item, key)) { free(key); json_free(item); json_free(j); return NULL; }
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') { ps->p++; continue; }
        if (ps->p < ps->end && *ps->p == close) { ps->p++; return j; }
        json_free(j);
        return fail(ps, "expected ',' or a closing bracket");
    }
}

static json *parse_value(parser *ps, int depth) {
    json *j;
    if (depth > JSON_MAX_DEPTH) return fail(ps, "nesting too deep");
    skip_ws(ps);
    if (ps->p >= ps->end) return fail(ps, "unexpected end");
    switch (*ps->p) {
    case '{': return parse_container(ps, depth, JSON_OBJECT);
    case '[': return parse_container(ps, depth, JSON_ARRAY);
    case '"':
        j = new_node(JSON_STRING);
        if (!j) return NULL;
        j->text = parse_string(ps);
        if (!j->text) { free(j); return NULL; }
        return j;
    case 't': case 'f': case 'n': {
        static const char *const words[] = {"true", "false", "null"};
        int w;
        for (w = 0; w < 3; w++) {
            size_t n = strlen(words[w]);
            if ((size_t)(ps->end - ps->p) >= n && memcmp(ps->p, words[w], n) == 0) {
                j = new_node(w == 2 ? JSON_NULL : JSON_BOOL);
                if (!j) return NULL;
                j->boolean = w == 0;
                ps->p += n;
                return j;
            }
        }
        return fail(ps, "bad literal");
    }
    default: {
        const char *s = ps->p;
        while (ps->p < ps->end && strchr("+-0123456789.eE", *ps->p)) ps->p++;
        if (ps->p == s) return fail(ps, "unexpected character");
        j = new_node(JSON_NUMBER);
        if (!j) return NULL;
        j->text = malloc((size_t)(ps->p - s) + 1);
        if (!j->text) { free(j); return NULL; }
        memcpy(j->text, s, (size_t)(ps->p - s));
        j->text[ps->p - s] = '\0';
        return j;
    }
    }
}

json *json_parse(const char *src, size_t len, char *err, size_t err_len) {
    parser ps;
    json *j;
    ps.p = src;
    ps.end = src + len;
    ps.err = err;
    ps.err_len = err_len;
    j = parse_value(&ps, 0);
    if (!j) return NULL;
    skip_ws(&ps);
    if (ps.p != ps.end) { json_free(j); return fail(&ps, "trailing characters"); }
    return j;
}

void json_free(json *j) {
    size_t i;
    if (!j) return;
    for (i = 0; i < j->count; i++) {
        json_free(j->items[i]);
        if (j->keys) free(j->keys[i]);
    }
    free(j->items);
    free(j->keys);
    free(j->text);
    free(j);
}

const json *json_get(const json *obj, const char *key) {
    size_t i;
    if (!obj || obj->type != JSON_OBJECT) return NULL;
    for (i = 0; i < obj->count; i++) {
        if (strcmp(obj->keys[i], key) == 0) return obj->items[i];
    }
    return NULL;
}

const char *json_str(const json *j) {
    return j && j->type == JSON_STRING ? j->text : NULL;
}

int json_u64(const json *j, uint64_t *out) {
    const char *s;
    uint64_t v = 0;
    if (!j || j->type != JSON_NUMBER || !j->text[0]) return 0;
    for (s = j->text; *s; s++) {
        unsigned d;
        if (*s < '0' || *s > '9') return 0;
        d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10) return 0;
        v = v * 10 + d;
    }
    *out = v;
    return 1;
}

int json_bool(const json *j, int dflt) {
    return j && j->type == JSON_BOOL ? j->boolean : dflt;
}
