/* util.c: see util.h. */
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int read_file(const char *dir, const char *rel, uint8_t **buf, size_t *len) {
    char path[4096];
    FILE *f;
    uint8_t *data = NULL;
    size_t n = 0, cap = 0;
    if (dir) snprintf(path, sizeof path, "%s/%s", dir, rel);
    else snprintf(path, sizeof path, "%s", rel);
    f = fopen(path, "rb");
    if (!f) return 0;
    for (;;) {
        size_t got;
        if (cap - n < 4096) {
            uint8_t *grown = realloc(data, cap + 65536 + 1);
            if (!grown) { free(data); fclose(f); return 0; }
            data = grown;
            cap += 65536;
        }
        got = fread(data + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    if (ferror(f)) { free(data); fclose(f); return 0; }
    fclose(f);
    data[n] = 0;
    *buf = data;
    *len = n;
    return 1;
}

static int nibble(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int hex_decode(const char *hex, uint8_t **buf, size_t *len) {
    size_t n = strlen(hex), i;
    uint8_t *out;
    if (n % 2) return 0;
    out = malloc(n / 2 + 1);
    if (!out) return 0;
    for (i = 0; i < n / 2; i++) {
        int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) { free(out); return 0; }
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    *buf = out;
    *len = n / 2;
    return 1;
}

char *hex_encode(const uint8_t *buf, size_t len) {
    static const char digits[] = "0123456789abcdef";
    char *out = malloc(2 * len + 1);
    size_t i;
    if (!out) return NULL;
    for (i = 0; i < len; i++) {
        out[2 * i] = digits[buf[i] >> 4];
        out[2 * i + 1] = digits[buf[i] & 15];
    }
    out[2 * len] = 0;
    return out;
}
