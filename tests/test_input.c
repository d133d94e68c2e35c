/*
 * test_input.c - decompressed input (scanner/input.c): plain, gzip (multi-member) and zstd
 * (2 GiB window) fixtures read line by line and in blocks, damaged streams reporting the
 * file and the compressed offset, and over-long lines skipped so reading goes on.
 */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zstd.h>

#include "provscan.h"
#include "source.h"
#include "util.h"

#define RC_PLAIN "fixtures/reddit/RC_2024-02.sample.ndjson"
#define RC_ZST "fixtures/reddit/RC_2024-02.sample.ndjson.zst"
#define RS_PLAIN "fixtures/reddit/RS_2024-02.sample.ndjson"
#define RS_ZST "fixtures/reddit/RS_2024-02.sample.ndjson.zst"
#define DOLMA_GZ "fixtures/datasets/dolma/documents/000.json.gz"

static const char *dir;

static void make_dir(void)
{
    dir = pv_test_tmpdir("pv_input_");
}

static void remove_dir(void)
{
    cr_assert_eq(pv_test_rmtree(dir), 0);
}

TestSuite(input, .init = make_dir, .fini = remove_dir);

/* Every decompressed byte of path, read with pv_input__read in blocks of step bytes. */
static unsigned char *read_all(const char *path, size_t step, size_t *n, const char **codec)
{
    pv_input *in;
    pv_err err = {0};
    unsigned char *p = NULL;
    size_t len = 0, cap = 0;
    cr_assert_eq(pv_input__open(path, &in, &err), 0, "%s", err.msg);
    *codec = pv_input__codec(in);
    for (;;) {
        ptrdiff_t r;
        if (cap - len < step) {
            cap = (cap + step) * 2;
            p = realloc(p, cap);
            cr_assert_not_null(p);
        }
        r = pv_input__read(in, p + len, step, &err);
        cr_assert_geq(r, 0, "%s", err.msg);
        if (r == 0)
            break;
        len += (size_t)r;
    }
    cr_assert_eq(pv_input__offset(in), pv_input__size(in));
    pv_input__close(in);
    *n = len;
    return p;
}

/* Compresses data as one gzip member appended to out. */
static size_t gzip_member(const void *data, size_t n, unsigned char *out, size_t cap)
{
    unsigned char *m = pv_test_deflate(data, n, 31, &n);
    cr_assert_leq(n, cap);
    memcpy(out, m, n);
    free(m);
    return n;
}

Test(input, plain_lines_match_the_file)
{
    pv_input *in;
    pv_err err = {0};
    pv_buf line = PV_BUF_INIT(1 << 20);
    size_t n, lines = 0, total = 0;
    unsigned char *want = pv_test_read_file(RC_PLAIN, &n);
    int rc;

    cr_assert_eq(pv_input__open(RC_PLAIN, &in, &err), 0, "%s", err.msg);
    cr_assert_str_eq(pv_input__codec(in), "plain");
    cr_assert_str_eq(pv_input__path(in), RC_PLAIN);
    cr_assert_eq(pv_input__size(in), 32502);
    while ((rc = pv_input__getline(in, &line, &err)) == 1) {
        cr_assert_eq(memcmp(line.data, want + total, line.len), 0);
        total += line.len;
        if (total < n) {
            cr_assert_eq(want[total], '\n');
            total++;
        }
        lines++;
    }
    cr_assert_eq(rc, 0, "%s", err.msg);
    cr_assert_eq(lines, 27); /* the last line has no "\n" */
    cr_assert_eq(total, n);
    cr_assert_eq(pv_input__offset(in), 32502);
    pv_input__close(in);
    pv_buf__free(&line);
    free(want);
}

Test(input, zstd_with_2gib_window_decodes)
{
    size_t n, m;
    const char *codec;
    unsigned char *want = pv_test_read_file(RC_PLAIN, &n);
    unsigned char *got = read_all(RC_ZST, 4096, &m, &codec);
    cr_assert_str_eq(codec, "zstd");
    cr_assert_eq(m, n);
    cr_assert_eq(memcmp(got, want, n), 0);
    free(want);
    free(got);
}

Test(input, zstd_lines_match_the_plain_file)
{
    pv_input *in;
    pv_err err = {0};
    pv_buf line = PV_BUF_INIT(1 << 20);
    size_t n, total = 0, lines = 0;
    unsigned char *want = pv_test_read_file(RS_PLAIN, &n);
    int rc;
    cr_assert_eq(pv_input__open(RS_ZST, &in, &err), 0, "%s", err.msg);
    cr_assert_str_eq(pv_input__codec(in), "zstd");
    while ((rc = pv_input__getline(in, &line, &err)) == 1) {
        cr_assert_eq(memcmp(line.data, want + total, line.len), 0);
        cr_assert_eq(want[total + line.len], '\n');
        total += line.len + 1;
        lines++;
    }
    cr_assert_eq(rc, 0, "%s", err.msg);
    cr_assert_eq(lines, 31);
    cr_assert_eq(total, n);
    pv_input__close(in);
    pv_buf__free(&line);
    free(want);
}

Test(input, gzip_fixture_decodes_in_any_block_size)
{
    size_t n1, n2;
    const char *codec;
    unsigned char *a = read_all(DOLMA_GZ, 1, &n1, &codec);
    unsigned char *b = read_all(DOLMA_GZ, 1 << 20, &n2, &codec);
    cr_assert_str_eq(codec, "gzip");
    cr_assert_eq(n1, n2);
    cr_assert_eq(memcmp(a, b, n1), 0);
    cr_assert_gt(n1, 25985); /* text compresses */
    cr_assert_eq(memcmp(a, "{\"source\": \"common-crawl\", \"id\":", 32), 0);
    free(a);
    free(b);
}

Test(input, gzip_reads_every_member)
{
    size_t n, m, half, z = 0;
    const char *codec;
    unsigned char *plain = pv_test_read_file(RS_PLAIN, &n);
    unsigned char *gz = malloc(2 * n + 1024), *got;
    half = n / 3;
    z += gzip_member(plain, half, gz, 2 * n + 1024);
    z += gzip_member(plain + half, 0, gz + z, 2 * n + 1024 - z); /* an empty member too */
    z += gzip_member(plain + half, n - half, gz + z, 2 * n + 1024 - z);
    pv_test_write_file(pv_test_path("multi.gz"), gz, z);
    got = read_all(pv_test_path("multi.gz"), 1000, &m, &codec);
    cr_assert_str_eq(codec, "gzip");
    cr_assert_eq(m, n);
    cr_assert_eq(memcmp(got, plain, n), 0);
    free(plain);
    free(gz);
    free(got);
}

/* Reads lines until the end or an error; returns the error code, *lines the count. */
static int lines_until_error(const char *path, size_t *lines, pv_err *err)
{
    pv_input *in;
    pv_buf line = PV_BUF_INIT(1 << 20);
    int rc;
    *lines = 0;
    cr_assert_eq(pv_input__open(path, &in, err), 0, "%s", err->msg);
    while ((rc = pv_input__getline(in, &line, err)) == 1)
        (*lines)++;
    if (rc < 0) /* the error stays: reading again returns it */
        cr_assert_eq(pv_input__getline(in, &line, err), rc);
    pv_input__close(in);
    pv_buf__free(&line);
    return rc;
}

Test(input, truncated_gzip_names_file_and_offset_after_earlier_lines)
{
    size_t n, lines;
    pv_err err = {0};
    unsigned char *gz = pv_test_read_file(DOLMA_GZ, &n);
    char want[256];
    pv_test_write_file(pv_test_path("cut.json.gz"), gz, 20000);
    cr_assert_eq(lines_until_error(pv_test_path("cut.json.gz"), &lines, &err), PV_EFORMAT);
    snprintf(want, sizeof want, "%s: truncated gzip data at byte 20000",
             pv_test_path("cut.json.gz"));
    cr_assert_str_eq(err.msg, want);
    cr_assert_geq(lines, 5, "%zu lines before the damage", lines);
    cr_assert_lt(lines, 10);
    free(gz);
}

Test(input, corrupt_gzip_names_file_and_offset)
{
    size_t n, lines;
    pv_err err = {0};
    unsigned char *gz = pv_test_read_file(DOLMA_GZ, &n);
    const char *p;
    unsigned long long off;
    memset(gz + 12000, 0xff, 64);
    pv_test_write_file(pv_test_path("bad.json.gz"), gz, n);
    cr_assert_eq(lines_until_error(pv_test_path("bad.json.gz"), &lines, &err), PV_EFORMAT);
    p = strstr(err.msg, "bad.json.gz: corrupt gzip data at byte ");
    cr_assert_not_null(p, "%s", err.msg);
    off = strtoull(p + strlen("bad.json.gz: corrupt gzip data at byte "), NULL, 10);
    cr_assert(off >= 12000 && off <= n, "%s", err.msg); /* at or after the damage */
    free(gz);
}

Test(input, gzip_trailing_garbage_is_an_error)
{
    size_t n, lines;
    pv_err err = {0};
    unsigned char *gz = pv_test_read_file(DOLMA_GZ, &n);
    gz = realloc(gz, n + 5);
    memcpy(gz + n, "junk\n", 5);
    pv_test_write_file(pv_test_path("junk.json.gz"), gz, n + 5);
    cr_assert_eq(lines_until_error(pv_test_path("junk.json.gz"), &lines, &err), PV_EFORMAT);
    cr_assert_eq(lines, 10);
    cr_assert(strstr(err.msg, "trailing garbage after gzip member at byte 25985") != NULL, "%s",
              err.msg);
    free(gz);
}

Test(input, truncated_zstd_names_file_and_offset)
{
    size_t n, lines;
    pv_err err = {0};
    unsigned char *z = pv_test_read_file(RS_ZST, &n);
    char want[256];
    pv_test_write_file(pv_test_path("cut.ndjson.zst"), z, n - 100);
    cr_assert_eq(lines_until_error(pv_test_path("cut.ndjson.zst"), &lines, &err), PV_EFORMAT);
    snprintf(want, sizeof want, "%s: truncated zstd data at byte %zu",
             pv_test_path("cut.ndjson.zst"), n - 100);
    cr_assert_str_eq(err.msg, want);
    cr_assert_eq(lines, 0); /* one zstd block holds the whole sample */
    free(z);
}

Test(input, truncated_zstd_hands_on_the_frames_before)
{
    size_t n, z = 0, lines;
    pv_err err = {0};
    unsigned char *plain = pv_test_read_file(RS_PLAIN, &n);
    size_t cap = ZSTD_compressBound(n) * 2;
    unsigned char *buf = malloc(cap);
    char want[256];
    /* Two frames: the first ends after line 10, the second is cut in half. */
    size_t split = 0, k;
    for (k = 0; k < 10; k++)
        split +=
            (size_t)((unsigned char *)memchr(plain + split, '\n', n - split) - (plain + split)) + 1;
    z = ZSTD_compress(buf, cap, plain, split, 3);
    cr_assert(!ZSTD_isError(z));
    k = ZSTD_compress(buf + z, cap - z, plain + split, n - split, 3);
    cr_assert(!ZSTD_isError(k));
    pv_test_write_file(pv_test_path("two.ndjson.zst"), buf, z + k / 2);
    cr_assert_eq(lines_until_error(pv_test_path("two.ndjson.zst"), &lines, &err), PV_EFORMAT);
    snprintf(want, sizeof want, "%s: truncated zstd data at byte %zu",
             pv_test_path("two.ndjson.zst"), z + k / 2);
    cr_assert_str_eq(err.msg, want);
    cr_assert_eq(lines, 10);
    free(plain);
    free(buf);
}

Test(input, corrupt_zstd_names_file_and_offset)
{
    size_t n, lines;
    pv_err err = {0};
    unsigned char *z = pv_test_read_file(RS_ZST, &n);
    memset(z + 6000, 0x55, 200);
    pv_test_write_file(pv_test_path("bad.ndjson.zst"), z, n);
    cr_assert_eq(lines_until_error(pv_test_path("bad.ndjson.zst"), &lines, &err), PV_EFORMAT);
    cr_assert(strstr(err.msg, "bad.ndjson.zst: corrupt zstd data at byte ") != NULL, "%s", err.msg);
    free(z);
}

Test(input, long_line_is_skipped_and_reading_goes_on)
{
    pv_input *in;
    pv_err err = {0};
    pv_buf line = PV_BUF_INIT(100);
    static char data[600000];
    size_t n = 0;
    memcpy(data, "first\n", 6);
    n = 6;
    memset(data + n, 'x', 500000); /* longer than a read chunk too */
    n += 500000;
    memcpy(data + n, "\nsecond\r\nlast", 13);
    n += 13;
    pv_test_write_file(pv_test_path("long.txt"), data, n);

    cr_assert_eq(pv_input__open(pv_test_path("long.txt"), &in, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_input__getline(in, &line, &err), 1);
    cr_assert_eq(line.len, 5);
    cr_assert_eq(memcmp(line.data, "first", 5), 0);
    cr_assert_eq(pv_input__getline(in, &line, &err), PV_ELIMIT);
    cr_assert(strstr(err.msg, "line longer than 100 bytes") != NULL, "%s", err.msg);
    cr_assert_eq(pv_input__getline(in, &line, &err), 1);
    cr_assert_eq(line.len, 7); /* the "\r" is kept */
    cr_assert_eq(memcmp(line.data, "second\r", 7), 0);
    cr_assert_eq(pv_input__getline(in, &line, &err), 1); /* last line without "\n" */
    cr_assert_eq(line.len, 4);
    cr_assert_eq(memcmp(line.data, "last", 4), 0);
    cr_assert_eq(pv_input__getline(in, &line, &err), 0);
    cr_assert_eq(pv_input__offset(in), n);
    pv_input__close(in);
    pv_buf__free(&line);
}

Test(input, empty_and_tiny_files)
{
    pv_input *in;
    pv_err err = {0};
    pv_buf line = PV_BUF_INIT(100);
    pv_test_write_file(pv_test_path("empty"), "", 0);
    pv_test_write_file(pv_test_path("one"), "\n", 1);
    cr_assert_eq(pv_input__open(pv_test_path("empty"), &in, &err), 0, "%s", err.msg);
    cr_assert_str_eq(pv_input__codec(in), "plain");
    cr_assert_eq(pv_input__getline(in, &line, &err), 0);
    pv_input__close(in);
    cr_assert_eq(pv_input__open(pv_test_path("one"), &in, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_input__getline(in, &line, &err), 1);
    cr_assert_eq(line.len, 0);
    cr_assert_eq(pv_input__getline(in, &line, &err), 0);
    pv_input__close(in);
    pv_buf__free(&line);
}

Test(input, missing_file_is_eio_naming_it)
{
    pv_input *in = (pv_input *)1;
    pv_err err = {0};
    cr_assert_eq(pv_input__open(pv_test_path("nothing.jsonl"), &in, &err), PV_EIO);
    cr_assert_null(in);
    cr_assert(strstr(err.msg, "nothing.jsonl") != NULL, "%s", err.msg);
    cr_assert(strstr(err.msg, "No such file") != NULL, "%s", err.msg);
    pv_input__close(NULL);
}

/* The public line reader (provscan.h): lines NUL-terminated and numbered from 1, a line of
 * exactly max_line bytes read, one longer refused naming FILE:LINE with reading going on, the
 * same lines from a gzip file, and a long line's memory given back by pv_lines_shrink. */
Test(input, public_line_reader_numbers_lines_and_skips_long_ones)
{
    static const char text[] = "first\n0123456789\n0123456789x\nlast";
    unsigned char *z;
    size_t zn, len;
    const char *paths[2], *line;
    uint64_t lineno;
    pv_err err = {0};
    pv_lines *l;
    int i;

    paths[0] = strdup(pv_test_put_str("lines.txt", text));
    z = pv_test_deflate(text, sizeof text - 1, 31, &zn);
    paths[1] = strdup(pv_test_put("lines.txt.gz", z, zn));
    free(z);
    for (i = 0; i < 2; i++) {
        cr_assert_eq(pv_lines_open(paths[i], 10, &l, &err), 0, "%s", err.msg);
        cr_assert_eq(pv_lines_next(l, &line, &len, &lineno, &err), 1);
        cr_assert_str_eq(line, "first");
        cr_assert_eq(len, 5);
        cr_assert_eq(lineno, 1);
        cr_assert_eq(pv_lines_next(l, &line, &len, &lineno, &err), 1, "%s", err.msg);
        cr_assert_str_eq(line, "0123456789", "a line of max_line bytes is read");
        cr_assert_eq(pv_lines_next(l, &line, &len, &lineno, &err), PV_ELIMIT);
        cr_assert_eq(lineno, 3);
        cr_assert(strstr(err.msg, ":3: line longer than 10 bytes") != NULL, "%s", err.msg);
        pv_lines_shrink(l);
        cr_assert_eq(pv_lines_next(l, &line, &len, &lineno, &err), 1);
        cr_assert_str_eq(line, "last");
        cr_assert_eq(lineno, 4);
        cr_assert_eq(pv_lines_next(l, &line, &len, &lineno, &err), 0);
        pv_lines_free(l);
    }
    cr_assert_eq(pv_lines_open(pv_test_path("missing.jsonl"), 10, &l, &err), PV_EIO);
    cr_assert_null(l);
    cr_assert(strstr(err.msg, "missing.jsonl") != NULL, "%s", err.msg);
    pv_lines_free(NULL);
    free((void *)paths[0]);
    free((void *)paths[1]);
}
