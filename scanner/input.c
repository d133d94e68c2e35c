/*
 * input.c - a file read as its decompressed bytes (plain, gzip or zstd, told apart by their
 * magic bytes), in buffered reads or line by line. Every reader of dumps and shards sits on
 * it; truncated or corrupt data is an error naming the file and the compressed offset.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

#include "common_int.h"
#include "source.h"

/* Bytes read from the file at a time, and decompressed bytes buffered for getline. */
#define INPUT_CHUNK ((size_t)256 << 10)

/* zstd frames may ask for windows up to 2^31 bytes (the Reddit dumps use --long=31). */
#define ZSTD_WINDOW_LOG_MAX 31

enum codec { CODEC_PLAIN, CODEC_GZIP, CODEC_ZSTD };

struct pv_input {
    int fd;
    int own_fd; /* 0 for stdin ("-") */
    char *path;
    enum codec codec;
    uint64_t size;     /* file size, or 0 when not a regular file */
    uint64_t file_pos; /* bytes read from the file so far */
    int file_eof;

    /* Compressed bytes read but not yet decoded: raw[raw_pos, raw_len). */
    unsigned char *raw;
    size_t raw_pos, raw_len;

    /* Decompressed bytes not yet handed out: out[out_pos, out_len). */
    unsigned char *out;
    size_t out_pos, out_len;

    z_stream zs;
    int zs_init;
    int member_open; /* gzip: a member started and did not reach its end */
    ZSTD_DStream *zd;
    int frame_open; /* zstd: the last call left a frame unfinished */
    int failed;     /* an error was returned: later reads return it again */
    int fail_code;
    char fail_msg[sizeof(((pv_err *)0)->msg)];
};

/* Offset in the file of the next compressed byte the decoder will see. */
static uint64_t raw_offset(const pv_input *in)
{
    return in->file_pos - (in->raw_len - in->raw_pos);
}

/* Records a stream error so that every later read returns it too. */
static int fail(pv_input *in, pv_err *err, int code, const char *fmt, ...) PV_PRINTF(4, 5);
static int fail(pv_input *in, pv_err *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(in->fail_msg, sizeof in->fail_msg, fmt, ap);
    va_end(ap);
    in->failed = 1;
    in->fail_code = code;
    return pv_err__set(err, code, "%s", in->fail_msg);
}

/* Reads up to n bytes of the file into dst: the count, 0 at its end, or PV_EIO. */
static ptrdiff_t file_read(pv_input *in, void *dst, size_t n, pv_err *err)
{
    ssize_t r;
    if (in->file_eof)
        return 0;
    do
        r = read(in->fd, dst, n);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return fail(in, err, PV_EIO, "%s: read failed at byte %llu: %s", in->path,
                    (unsigned long long)in->file_pos, strerror(errno));
    if (r == 0)
        in->file_eof = 1;
    in->file_pos += (uint64_t)r;
    return r;
}

/* Refills raw when it is used up: 1 when bytes are there, 0 at the end of the file, or an
 * error. */
static int raw_fill(pv_input *in, pv_err *err)
{
    ptrdiff_t r;
    if (in->raw_pos < in->raw_len)
        return 1;
    in->raw_pos = in->raw_len = 0;
    r = file_read(in, in->raw, INPUT_CHUNK, err);
    if (r < 0)
        return (int)r;
    in->raw_len = (size_t)r;
    return r > 0;
}

/* Decodes gzip members into dst: the count (at least 1), 0 at the end, or an error. */
static ptrdiff_t gzip_decode(pv_input *in, unsigned char *dst, size_t cap, pv_err *err)
{
    in->zs.next_out = dst;
    in->zs.avail_out = (uInt)(cap > UINT32_MAX ? UINT32_MAX : cap);
    for (;;) {
        int rc = raw_fill(in, err);
        uint64_t at;
        size_t fed;
        if (rc < 0)
            return rc;
        if (rc == 0) {
            if (in->member_open)
                return fail(in, err, PV_EFORMAT, "%s: truncated gzip data at byte %llu", in->path,
                            (unsigned long long)in->file_pos);
            return 0;
        }
        if (!in->member_open) {
            /* A new member must start with the gzip magic; anything else after a complete
             * member is garbage, not more data. */
            if (in->raw[in->raw_pos] != 0x1f)
                return fail(in, err, PV_EFORMAT,
                            "%s: trailing garbage after gzip member at byte %llu", in->path,
                            (unsigned long long)raw_offset(in));
            in->member_open = 1;
        }
        at = raw_offset(in);
        in->zs.next_in = in->raw + in->raw_pos;
        fed = in->raw_len - in->raw_pos;
        in->zs.avail_in = (uInt)(fed > UINT32_MAX ? UINT32_MAX : fed);
        fed = in->zs.avail_in;
        rc = inflate(&in->zs, Z_NO_FLUSH);
        in->raw_pos += fed - in->zs.avail_in;
        if (rc == Z_STREAM_END) {
            in->member_open = 0;
            if (inflateReset(&in->zs) != Z_OK)
                return fail(in, err, PV_ENOMEM, "%s: inflateReset failed", in->path);
        } else if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT) {
            return fail(in, err, PV_EFORMAT, "%s: corrupt gzip data at byte %llu: %s", in->path,
                        (unsigned long long)(at + (fed - in->zs.avail_in)),
                        in->zs.msg ? in->zs.msg : "invalid data");
        } else if (rc == Z_MEM_ERROR) {
            return fail(in, err, PV_ENOMEM, "%s: out of memory inflating", in->path);
        } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
            return fail(in, err, PV_EFORMAT, "%s: gzip error %d at byte %llu", in->path, rc,
                        (unsigned long long)raw_offset(in));
        }
        if (in->zs.next_out != dst)
            return (ptrdiff_t)(in->zs.next_out - dst);
    }
}

/* Decodes zstd frames into dst: the count (at least 1), 0 at the end, or an error. */
static ptrdiff_t zstd_decode(pv_input *in, unsigned char *dst, size_t cap, pv_err *err)
{
    ZSTD_outBuffer ob = {dst, cap, 0};
    for (;;) {
        ZSTD_inBuffer ib;
        size_t r;
        int rc = raw_fill(in, err);
        if (rc < 0)
            return rc;
        if (rc == 0) {
            if (in->frame_open) {
                /* The decoder may still hold output for input it has seen. */
                ib.src = in->raw;
                ib.size = ib.pos = 0;
                r = ZSTD_decompressStream(in->zd, &ob, &ib);
                if (!ZSTD_isError(r) && ob.pos > 0)
                    return (ptrdiff_t)ob.pos;
                return fail(in, err, PV_EFORMAT, "%s: truncated zstd data at byte %llu", in->path,
                            (unsigned long long)in->file_pos);
            }
            return 0;
        }
        ib.src = in->raw;
        ib.size = in->raw_len;
        ib.pos = in->raw_pos;
        r = ZSTD_decompressStream(in->zd, &ob, &ib);
        in->raw_pos = ib.pos;
        if (ZSTD_isError(r))
            return fail(in, err, PV_EFORMAT, "%s: corrupt zstd data at byte %llu: %s", in->path,
                        (unsigned long long)raw_offset(in), ZSTD_getErrorName(r));
        in->frame_open = r != 0;
        if (ob.pos > 0)
            return (ptrdiff_t)ob.pos;
    }
}

/* Produces up to cap decompressed bytes into dst, bypassing out: the count, 0 at the end,
 * or an error. */
static ptrdiff_t produce(pv_input *in, unsigned char *dst, size_t cap, pv_err *err)
{
    if (in->failed)
        return pv_err__set(err, in->fail_code, "%s", in->fail_msg);
    if (cap == 0)
        return 0;
    switch (in->codec) {
    case CODEC_GZIP:
        return gzip_decode(in, dst, cap, err);
    case CODEC_ZSTD:
        return zstd_decode(in, dst, cap, err);
    case CODEC_PLAIN:
        break;
    }
    if (in->raw_pos < in->raw_len) { /* bytes read while looking at the magic */
        size_t n = in->raw_len - in->raw_pos;
        if (n > cap)
            n = cap;
        memcpy(dst, in->raw + in->raw_pos, n);
        in->raw_pos += n;
        return (ptrdiff_t)n;
    }
    return file_read(in, dst, cap, err);
}

int pv_input__open(const char *path, pv_input **out, pv_err *err)
{
    pv_input *in = NULL;
    struct stat sb;
    int rc = 0;

    *out = NULL;
    in = calloc(1, sizeof *in);
    if (!in)
        return pv_err__set(err, PV_ENOMEM, "out of memory opening '%s'", path);
    in->fd = -1;
    in->path = strdup(path);
    in->raw = malloc(INPUT_CHUNK);
    in->out = malloc(INPUT_CHUNK);
    if (!in->path || !in->raw || !in->out) {
        rc = pv_err__set(err, PV_ENOMEM, "out of memory opening '%s'", path);
        goto done;
    }
    if (strcmp(path, "-") == 0) {
        in->fd = STDIN_FILENO;
    } else {
        do
            in->fd = open(path, O_RDONLY | O_CLOEXEC);
        while (in->fd < 0 && errno == EINTR);
        if (in->fd < 0) {
            rc = pv_err__set(err, PV_EIO, "cannot open '%s': %s", path, strerror(errno));
            goto done;
        }
        in->own_fd = 1;
    }
    if (fstat(in->fd, &sb) == 0 && S_ISREG(sb.st_mode))
        in->size = (uint64_t)sb.st_size;
    else if (in->own_fd && fstat(in->fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        rc = pv_err__set(err, PV_EIO, "cannot read '%s': is a directory", path);
        goto done;
    }

    /* Read until the magic bytes are known (a pipe may deliver fewer at a time). */
    while (in->raw_len < 4 && !in->file_eof) {
        ptrdiff_t r = file_read(in, in->raw + in->raw_len, INPUT_CHUNK - in->raw_len, err);
        if (r < 0) {
            rc = (int)r;
            goto done;
        }
        in->raw_len += (size_t)r;
    }
    if (in->raw_len >= 2 && in->raw[0] == 0x1f && in->raw[1] == 0x8b) {
        in->codec = CODEC_GZIP;
        if (inflateInit2(&in->zs, 16 + MAX_WBITS) != Z_OK) {
            rc = pv_err__set(err, PV_ENOMEM, "out of memory opening '%s'", path);
            goto done;
        }
        in->zs_init = 1;
    } else if (in->raw_len >= 4 && (pv_load32(in->raw) == 0xFD2FB528u ||
                                    (pv_load32(in->raw) & 0xFFFFFFF0u) == 0x184D2A50u)) {
        in->codec = CODEC_ZSTD;
        in->zd = ZSTD_createDStream();
        if (!in->zd || ZSTD_isError(ZSTD_DCtx_setParameter(in->zd, ZSTD_d_windowLogMax,
                                                           ZSTD_WINDOW_LOG_MAX))) {
            rc = pv_err__set(err, PV_ENOMEM, "out of memory opening '%s'", path);
            goto done;
        }
    } else {
        in->codec = CODEC_PLAIN;
    }
    *out = in;
    in = NULL;
done:
    pv_input__close(in);
    return rc;
}

ptrdiff_t pv_input__read(pv_input *in, void *buf, size_t n, pv_err *err)
{
    if (in->out_pos < in->out_len) { /* bytes getline buffered come first */
        size_t k = in->out_len - in->out_pos;
        if (k > n)
            k = n;
        memcpy(buf, in->out + in->out_pos, k);
        in->out_pos += k;
        return (ptrdiff_t)k;
    }
    return produce(in, buf, n, err);
}

int pv_input__getline(pv_input *in, pv_buf *line, pv_err *err)
{
    int got = 0; /* bytes of this line were seen */
    int too_long = 0;
    line->len = 0;
    for (;;) {
        const unsigned char *s, *nl;
        size_t n;
        if (in->out_pos == in->out_len) {
            ptrdiff_t r = produce(in, in->out, INPUT_CHUNK, err);
            if (r < 0)
                return (int)r;
            in->out_pos = 0;
            in->out_len = (size_t)r;
            if (r == 0)
                break;
        }
        s = in->out + in->out_pos;
        n = in->out_len - in->out_pos;
        nl = memchr(s, '\n', n);
        got = 1;
        if (nl) {
            size_t k = (size_t)(nl - s);
            in->out_pos += k + 1;
            if (!too_long && pv_buf__append(line, s, k) != 0)
                too_long = 1;
            goto line_done;
        }
        in->out_pos = in->out_len;
        if (!too_long && pv_buf__append(line, s, n) != 0)
            too_long = 1;
    }
    if (!got)
        return 0;
line_done:
    if (too_long) {
        line->len = 0;
        return pv_err__set(err, PV_ELIMIT, "%s: line longer than %zu bytes", in->path, line->limit);
    }
    return 1;
}

uint64_t pv_input__offset(const pv_input *in)
{
    uint64_t off = raw_offset(in);
    /* Plain bytes getline buffered are not consumed yet; compressed ones cannot be mapped
     * back to the file, so the decoder's position stands for them. */
    if (in->codec == CODEC_PLAIN)
        off -= in->out_len - in->out_pos;
    return off;
}

uint64_t pv_input__size(const pv_input *in)
{
    return in->size;
}

const char *pv_input__codec(const pv_input *in)
{
    switch (in->codec) {
    case CODEC_GZIP:
        return "gzip";
    case CODEC_ZSTD:
        return "zstd";
    case CODEC_PLAIN:
        break;
    }
    return "plain";
}

const char *pv_input__path(const pv_input *in)
{
    return in->path;
}

void pv_input__close(pv_input *in)
{
    if (!in)
        return;
    if (in->zs_init)
        inflateEnd(&in->zs);
    ZSTD_freeDStream(in->zd);
    if (in->own_fd && in->fd >= 0)
        close(in->fd);
    free(in->raw);
    free(in->out);
    free(in->path);
    free(in);
}

/* ---- the public line reader (provscan.h) ---- */

struct pv_lines {
    pv_input *in;
    pv_buf line;
    uint64_t lineno;
};

int pv_lines_open(const char *path, size_t max_line, pv_lines **out, pv_err *err)
{
    pv_lines *l = calloc(1, sizeof *l);
    int rc;

    *out = NULL;
    if (!l)
        return pv_err__set(err, PV_ENOMEM, "out of memory opening '%s'", path);
    /* one byte more for the NUL after the line */
    l->line = (pv_buf)PV_BUF_INIT(max_line < SIZE_MAX ? max_line + 1 : max_line);
    if ((rc = pv_input__open(path, &l->in, err)) < 0) {
        free(l);
        return rc;
    }
    *out = l;
    return 0;
}

int pv_lines_next(pv_lines *l, const char **line, size_t *len, uint64_t *lineno, pv_err *err)
{
    int r = pv_input__getline(l->in, &l->line, err);

    if (r > 0 && pv_buf__reserve(&l->line, 1) != 0) {
        l->line.len = 0;
        r = PV_ELIMIT;
    }
    if (r > 0 || r == PV_ELIMIT)
        l->lineno++;
    *lineno = l->lineno;
    if (r == PV_ELIMIT)
        return pv_err__set(err, PV_ELIMIT, "%s:%llu: line longer than %zu bytes",
                           pv_input__path(l->in), (unsigned long long)l->lineno, l->line.limit - 1);
    if (r > 0) {
        l->line.data[l->line.len] = '\0';
        *line = l->line.data;
        *len = l->line.len;
    }
    return r;
}

void pv_lines_shrink(pv_lines *l)
{
    if (l->line.cap > ((size_t)1 << 20)) {
        size_t limit = l->line.limit;
        pv_buf__free(&l->line);
        l->line = (pv_buf)PV_BUF_INIT(limit);
    }
}

void pv_lines_free(pv_lines *l)
{
    if (!l)
        return;
    pv_input__close(l->in);
    pv_buf__free(&l->line);
    free(l);
}
