/* What the fuzz targets share: handing the fuzzer's bytes to a reader as a file, and checking
 * what a reader reports. Linked into every fuzz target and its replay binary. */
#ifndef PV_FUZZ_UTIL_H
#define PV_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "source.h"

/* A broken invariant is a crash the fuzzer records (assert would vanish under NDEBUG). */
#define PV_FUZZ_CHECK(cond)                                                                        \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

/* Puts data in an anonymous file (memfd_create, or an unlinked mkstemp file where memfd is
 * missing) and writes a path that opens it, "/proc/self/fd/N", to path (cap bytes, at least
 * 32). Returns the descriptor, which the caller closes (the file goes with it), or -1 when
 * the file cannot be made or written. */
int pv_fuzz_memfile(const uint8_t *data, size_t size, char *path, size_t cap);

/* Runs read (a pv_reader_fn) on data given as a file (pv_fuzz_memfile) with o and sink, after
 * zeroing st and err; returns what read returns. Aborts when the file cannot be made. */
int pv_fuzz_read(pv_reader_fn read, const uint8_t *data, size_t size, const pv_reader_opts *o,
                 const pv_sink *sink, pv_reader_stats *st, pv_err *err);

/* Writes n bytes of data to path (created or truncated). Returns 0, or -1 on any failure. */
int pv_fuzz_write_file(const char *path, const void *data, size_t n);

/* strlen(s), or 0 for NULL: for summing every byte of the optional strings a reader hands on,
 * so that the sanitizers see a read past their end. */
size_t pv_fuzz_opt_len(const char *s);

/* Checks the counts a reader returned: rc is 0 or a negative pv_error, every record read became
 * a document, a bad record or a skipped one (on an error, no more than that), and an error has
 * a message. Aborts when not. */
void pv_fuzz_check_counts(int rc, const pv_reader_stats *st, const pv_err *err);

/* Checks what a reader returned: rc is 0 or a negative pv_error, the bytes consumed are within
 * the input, every record read became a document, a bad record or a skipped one (on an error,
 * no more than that), and an error has a message. Aborts when not. */
void pv_fuzz_check_read(int rc, const pv_reader_stats *st, const pv_err *err);

/* A pv_diag_fn for readers: a warning or a note with a message. Aborts when not. */
void pv_fuzz_check_diag(void *ctx, pv_severity sev, const char *msg);

/* Makes a fresh folder NAME_XXXXXX in /dev/shm (or /tmp where /dev/shm cannot be written) and
 * writes its path to path (cap bytes). Aborts when it cannot be made. */
void pv_fuzz_temp_dir(char *path, size_t cap, const char *name);

/* Removes path and everything below it, following no symbolic link. */
void pv_fuzz_remove_tree(const char *path);

/* ---- report writers: inputs taken apart, outputs read back ---- */

/* The fuzzer's bytes read front to back: numbers and NUL-terminated strings. */
typedef struct pv_fuzz_input {
    const uint8_t *p, *end, *base; /* next byte, end, the input's first byte */
    char *copy; /* the input with a NUL after it (malloc'ed by pv_fuzz_input_init): strings
                   point into it */
} pv_fuzz_input;

/* Starts reading data at byte skip; aborts when out of memory. Free in->copy when done. */
void pv_fuzz_input_init(pv_fuzz_input *in, const uint8_t *data, size_t size, size_t skip);

/* The next n bytes as a little-endian number (0 for the bytes past the end). */
uint64_t pv_fuzz_take_num(pv_fuzz_input *in, size_t n);

/* The next NUL-terminated string (the last one may end with the input; "" past it). */
const char *pv_fuzz_take_str(pv_fuzz_input *in);

/* Whether s[0, n) is valid UTF-8. */
int pv_fuzz_valid_utf8(const char *s, size_t n);

struct cJSON;

/* Aborts unless member key of o is null for s NULL, else a string equal to s where s is valid
 * UTF-8 (a writer replaces invalid bytes). */
void pv_fuzz_check_json_str(const struct cJSON *o, const char *key, const char *s);

/* Aborts unless member key of o is the number want, exactly. */
void pv_fuzz_check_json_num(const struct cJSON *o, const char *key, double want);

/* Sends stdout to an anonymous file until pv_fuzz_stdout_end, which returns what was written
 * (malloc'ed, a NUL after its *n bytes) and restores stdout. Abort on any failure. */
void pv_fuzz_stdout_begin(void);
char *pv_fuzz_stdout_end(size_t *n);

#endif
