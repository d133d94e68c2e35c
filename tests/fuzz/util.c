/* What the fuzz targets share (see util.h): the fuzzer's bytes as a file a reader can open by
 * path, and the checks every reader's result must pass. */
#define _GNU_SOURCE
#include "util.h"

#include <ftw.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>
#include <utf8proc.h>

int pv_fuzz_memfile(const uint8_t *data, size_t size, char *path, size_t cap)
{
    int fd = memfd_create("pv_fuzz", 0);
    if (fd < 0) {
        char tmp[] = "/tmp/pv_fuzz_XXXXXX";
        fd = mkstemp(tmp);
        if (fd < 0)
            return -1;
        unlink(tmp); /* the name is gone, /proc/self/fd/N still opens it */
    }
    if (size > 0 && write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return -1;
    }
    snprintf(path, cap, "/proc/self/fd/%d", fd);
    return fd;
}

int pv_fuzz_read(pv_reader_fn read, const uint8_t *data, size_t size, const pv_reader_opts *o,
                 const pv_sink *sink, pv_reader_stats *st, pv_err *err)
{
    char path[64];
    int fd = pv_fuzz_memfile(data, size, path, sizeof path), rc;
    PV_FUZZ_CHECK(fd >= 0);
    memset(st, 0, sizeof *st);
    memset(err, 0, sizeof *err);
    rc = read(path, o, sink, st, err);
    close(fd);
    return rc;
}

int pv_fuzz_write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    if (n > 0 && fwrite(data, 1, n, f) != n) {
        fclose(f);
        return -1;
    }
    return fclose(f) == 0 ? 0 : -1;
}

size_t pv_fuzz_opt_len(const char *s)
{
    return s ? strlen(s) : 0;
}

void pv_fuzz_check_counts(int rc, const pv_reader_stats *st, const pv_err *err)
{
    PV_FUZZ_CHECK(rc <= 0);
    if (rc == 0) {
        /* Nothing is dropped silently. */
        PV_FUZZ_CHECK(st->records == st->documents + st->bad + st->skipped);
    } else {
        PV_FUZZ_CHECK(err->msg[0] != '\0');
        PV_FUZZ_CHECK(st->records >= st->documents + st->bad + st->skipped);
    }
}

void pv_fuzz_check_read(int rc, const pv_reader_stats *st, const pv_err *err)
{
    pv_fuzz_check_counts(rc, st, err);
    PV_FUZZ_CHECK(st->bytes_in <= st->bytes_total);
    if (rc == 0)
        PV_FUZZ_CHECK(st->bytes_in == st->bytes_total);
}

void pv_fuzz_check_diag(void *ctx, pv_severity sev, const char *msg)
{
    (void)ctx;
    PV_FUZZ_CHECK(sev == PV_WARNING || sev == PV_NOTE);
    PV_FUZZ_CHECK(msg && msg[0] != '\0');
}

void pv_fuzz_temp_dir(char *path, size_t cap, const char *name)
{
    snprintf(path, cap, "%s/%s_XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp", name);
    PV_FUZZ_CHECK(mkdtemp(path) != NULL);
}

static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

void pv_fuzz_remove_tree(const char *path)
{
    nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

void pv_fuzz_input_init(pv_fuzz_input *in, const uint8_t *data, size_t size, size_t skip)
{
    in->copy = malloc(size + 1);
    PV_FUZZ_CHECK(in->copy != NULL);
    memcpy(in->copy, data, size);
    in->copy[size] = '\0';
    in->base = data;
    in->p = data + (skip < size ? skip : size);
    in->end = data + size;
}

uint64_t pv_fuzz_take_num(pv_fuzz_input *in, size_t n)
{
    uint64_t v = 0;
    size_t i;
    for (i = 0; i < n && in->p < in->end; i++)
        v |= (uint64_t)*in->p++ << (8 * i);
    return v;
}

const char *pv_fuzz_take_str(pv_fuzz_input *in)
{
    const char *s = in->copy + (in->p - in->base);
    while (in->p < in->end && *in->p)
        in->p++;
    if (in->p < in->end)
        in->p++;
    return s;
}

int pv_fuzz_valid_utf8(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k =
            utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(n - i), &cp);
        if (k <= 0)
            return 0;
        i += (size_t)k;
    }
    return 1;
}

void pv_fuzz_check_json_str(const cJSON *o, const char *key, const char *s)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    PV_FUZZ_CHECK(v != NULL);
    if (!s) {
        PV_FUZZ_CHECK(cJSON_IsNull(v));
        return;
    }
    PV_FUZZ_CHECK(cJSON_IsString(v));
    if (pv_fuzz_valid_utf8(s, strlen(s)))
        PV_FUZZ_CHECK(strcmp(v->valuestring, s) == 0);
}

void pv_fuzz_check_json_num(const cJSON *o, const char *key, double want)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    PV_FUZZ_CHECK(cJSON_IsNumber(v) && v->valuedouble == want);
}

static int stdout_file = -1, stdout_saved = -1;

void pv_fuzz_stdout_begin(void)
{
    fflush(stdout);
    stdout_file = memfd_create("pv_fuzz_stdout", 0);
    PV_FUZZ_CHECK(stdout_file >= 0);
    stdout_saved = dup(STDOUT_FILENO);
    PV_FUZZ_CHECK(stdout_saved >= 0 && dup2(stdout_file, STDOUT_FILENO) >= 0);
}

char *pv_fuzz_stdout_end(size_t *n)
{
    off_t len;
    char *out;
    PV_FUZZ_CHECK(fflush(stdout) == 0);
    PV_FUZZ_CHECK(dup2(stdout_saved, STDOUT_FILENO) >= 0);
    close(stdout_saved);
    len = lseek(stdout_file, 0, SEEK_END);
    PV_FUZZ_CHECK(len >= 0);
    out = malloc((size_t)len + 1);
    PV_FUZZ_CHECK(out != NULL);
    PV_FUZZ_CHECK(pread(stdout_file, out, (size_t)len, 0) == (ssize_t)len);
    out[len] = '\0';
    close(stdout_file);
    stdout_file = stdout_saved = -1;
    *n = (size_t)len;
    return out;
}
