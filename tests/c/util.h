/* util.h: file and hex helpers shared by the C tests. */
#ifndef AEGIS_TEST_UTIL_H
#define AEGIS_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Reads `dir`/`rel` (dir may be NULL) into a new malloc'd buffer; 1 on success. The buffer is
 * NUL-terminated past *len (for text) and must be freed with free(). */
int read_file(const char *dir, const char *rel, uint8_t **buf, size_t *len);
/* Decodes lower- or upper-case hex into a new malloc'd buffer; 1 on success ("" gives len 0). */
int hex_decode(const char *hex, uint8_t **buf, size_t *len);
/* Lower-case hex of `len` bytes into a new malloc'd string. */
char *hex_encode(const uint8_t *buf, size_t len);

#endif
