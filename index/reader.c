/*
 * reader.c - opens an index file read-only with mmap, validates header, chunk table,
 * checksums and every table entry, and serves batched fingerprint lookups, documents,
 * line tables and origins to the matcher. Nothing in the file is trusted.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zstd.h>

#include "common_int.h"
#include "format.h"
#include "index_int.h"

struct pv_index {
    char *path;
    const unsigned char *map;
    size_t size;
    uint32_t version, norm, k, w, fp_bits, posting_cap;
    uint64_t seed;
    pv_index_chunk chunks[PV_MAX_CHUNKS];
    size_t nchunks;
    /* required chunks */
    const unsigned char *meta, *fano, *bdir, *pstg, *docs, *line, *orig, *auth, *srcs, *strs;
    uint64_t pstg_size, line_size, strs_size;
    /* optional chunks */
    const unsigned char *blob; /* BLOB, or NULL */
    uint64_t nblob;
    uint64_t ndocs, nauthors, nsources, norigins, nfps, npostings, nblocks, ntokens, nbytes;
    int64_t created;
    uint32_t fanout_bits, block_postings;
    pv_tombs *tombs;       /* INDEX.tomb resolved (tombstone.c), or NULL */
    pv_segment_info *segs; /* a folder's segments (segments.c), or NULL for one file */
    size_t nsegs;
};

static int corrupt(pv_err *err, const char *path, const char *what)
{
    return pv_err__set(err, PV_ECORRUPT, "corrupt index '%s': %s", path, what);
}

/* A string offset is valid when it points at the start of a string inside the pool (the
 * pool's first byte, or a byte after a NUL: the writer never shares a string's tail) and a NUL
 * follows it there. */
static int str_ok(const pv_index *ix, uint32_t off, int may_be_none)
{
    if (off == PV_NONE)
        return may_be_none;
    if (off >= ix->strs_size || (off > 0 && ix->strs[off - 1] != 0))
        return 0;
    return memchr(ix->strs + off, 0, ix->strs_size - off) != NULL;
}

static const char *str_at(const pv_index *ix, uint32_t off)
{
    return off == PV_NONE ? NULL : (const char *)ix->strs + off;
}

static const unsigned char *find_chunk(pv_index *ix, const char *id, uint64_t *size)
{
    size_t i;
    for (i = 0; i < ix->nchunks; i++)
        if (memcmp(ix->chunks[i].id, id, 4) == 0) {
            *size = ix->chunks[i].size;
            return ix->map + ix->chunks[i].offset;
        }
    return NULL;
}

static int parse_header(pv_index *ix, pv_err *err)
{
    const unsigned char *m = ix->map;
    uint64_t checksum, fsize;
    size_t i, j, table;
    if (ix->size < PV_HDR_SIZE)
        return corrupt(err, ix->path, "file too short for a header");
    if (memcmp(m, PV_MAGIC, PV_MAGIC_LEN) != 0)
        return pv_err__set(err, PV_EFORMAT, "'%s' is not a provscan index (bad magic)", ix->path);
    ix->version = pv_load32(m + PV_HDR_VERSION);
    if (ix->version != PV_FORMAT_VERSION)
        return pv_err__set(err, PV_EVERSION,
                           "index '%s' has format version %u; this provscan reads version %u",
                           ix->path, ix->version, PV_FORMAT_VERSION);
    fsize = pv_load64(m + PV_HDR_FILE_SIZE);
    if (fsize != ix->size)
        return pv_err__set(err, PV_ECORRUPT,
                           "corrupt index '%s': file is %zu bytes, header says %llu "
                           "(truncated or extended)",
                           ix->path, ix->size, (unsigned long long)fsize);
    ix->nchunks = pv_load32(m + PV_HDR_NCHUNKS);
    if (ix->nchunks == 0 || ix->nchunks > PV_MAX_CHUNKS)
        return corrupt(err, ix->path, "bad chunk count");
    table = ix->nchunks * PV_CHUNK_ENTRY;
    if (ix->size < PV_HDR_SIZE + table)
        return corrupt(err, ix->path, "file too short for its chunk table");
    {
        /* checksum over header bytes [0,56) then the table */
        unsigned char *tmp = malloc(56 + table);
        if (!tmp)
            return pv_err__set(err, PV_ENOMEM, "out of memory");
        memcpy(tmp, m, 56);
        memcpy(tmp + 56, m + PV_HDR_SIZE, table);
        checksum = pv_hash64(tmp, 56 + table, 0);
        free(tmp);
    }
    if (checksum != pv_load64(m + PV_HDR_CHECKSUM))
        return corrupt(err, ix->path, "header checksum mismatch");
    ix->norm = pv_load32(m + PV_HDR_NORM);
    ix->k = pv_load32(m + PV_HDR_K);
    ix->w = pv_load32(m + PV_HDR_W);
    ix->fp_bits = pv_load32(m + PV_HDR_FP_BITS);
    ix->posting_cap = pv_load32(m + PV_HDR_POSTING_CAP);
    ix->seed = pv_load64(m + PV_HDR_SEED);
    if (ix->fp_bits != PV_FP_BITS)
        return pv_err__set(err, PV_EVERSION, "index '%s' keeps %u fingerprint bits; expected %u",
                           ix->path, ix->fp_bits, PV_FP_BITS);
    if (ix->k < 1 || ix->k > 1024 || ix->w < 1 || ix->w > 1024 || ix->posting_cap < 1)
        return corrupt(err, ix->path, "parameters out of range");
    /* no header flag is defined yet: a bit set is a file this reader does not understand */
    if (pv_load32(m + PV_HDR_FLAGS) != 0)
        return pv_err__set(err, PV_ECORRUPT, "corrupt index '%s': unknown header flags 0x%x",
                           ix->path, (unsigned)pv_load32(m + PV_HDR_FLAGS));
    for (i = 0; i < ix->nchunks; i++) {
        const unsigned char *e = m + PV_HDR_SIZE + i * PV_CHUNK_ENTRY;
        pv_index_chunk *c = &ix->chunks[i];
        memcpy(c->id, e + PV_CHUNK_ID, 4);
        c->id[4] = 0;
        c->offset = pv_load64(e + PV_CHUNK_OFFSET);
        c->size = pv_load64(e + PV_CHUNK_SIZE);
        if (c->offset < PV_HDR_SIZE + table || c->offset > ix->size ||
            c->size > ix->size - c->offset)
            return pv_err__set(err, PV_ECORRUPT,
                               "corrupt index '%s': chunk %s lies outside the file", ix->path,
                               c->id);
        if (pv_hash64(m + c->offset, (size_t)c->size, 0) != pv_load64(e + PV_CHUNK_CHECKSUM))
            return pv_err__set(err, PV_ECORRUPT,
                               "corrupt index '%s': checksum mismatch in chunk %s", ix->path,
                               c->id);
        for (j = 0; j < i; j++) {
            const pv_index_chunk *o = &ix->chunks[j];
            if (memcmp(o->id, c->id, 4) == 0)
                return pv_err__set(err, PV_ECORRUPT, "corrupt index '%s': chunk %s twice", ix->path,
                                   c->id);
            if (c->size && o->size && c->offset < o->offset + o->size &&
                o->offset < c->offset + c->size)
                return pv_err__set(err, PV_ECORRUPT, "corrupt index '%s': chunks %s and %s overlap",
                                   ix->path, o->id, c->id);
        }
    }
    return 0;
}

#define NEED(var, id, cond)                                                                        \
    do {                                                                                           \
        uint64_t sz_;                                                                              \
        (var) = find_chunk(ix, (id), &sz_);                                                        \
        if (!(var))                                                                                \
            return pv_err__set(err, PV_ECORRUPT, "corrupt index '%s': missing chunk %s", ix->path, \
                               (id));                                                              \
        if (!(cond))                                                                               \
            return pv_err__set(err, PV_ECORRUPT, "corrupt index '%s': chunk %s has a bad size",    \
                               ix->path, (id));                                                    \
    } while (0)

/* Can a line table of nlines lines and ntok tokens, of a document of bytes bytes, be lsize bytes
 * stored, lraw raw (format.h, LINE)? A document has at most a line more than it has bytes, and
 * no more tokens than bytes (so a crafted entry cannot ask for gigabytes). Its first part holds a
 * varint per line (1 to 10 bytes) and the runs (a count and at most one pair of 5-byte varints
 * per token); the token checks, stored as they are, end it. */
static int lines_sizes_ok(uint32_t nlines, uint32_t ntok, uint64_t bytes, uint32_t lsize,
                          uint32_t lraw)
{
    uint64_t nchecks = ((uint64_t)ntok + 1) / 2;
    return nlines > 0 && nlines <= bytes + 1 && ntok <= bytes && lsize <= lraw && lsize > nchecks &&
           lraw >= (uint64_t)nlines + 1 + nchecks &&
           lraw <= 10u * (uint64_t)nlines + 5 + 10u * (uint64_t)ntok + nchecks;
}

static int parse_tables(pv_index *ix, pv_err *err)
{
    uint64_t i;
    {
        uint64_t sz;
        ix->meta = find_chunk(ix, PV_ID_META, &sz);
        if (!ix->meta || sz != PV_META_SIZE)
            return corrupt(err, ix->path, "missing or bad META chunk");
    }
    ix->ndocs = pv_load64(ix->meta + PV_META_DOCUMENTS);
    ix->nauthors = pv_load64(ix->meta + PV_META_AUTHORS);
    ix->nsources = pv_load64(ix->meta + PV_META_SOURCES);
    ix->norigins = pv_load64(ix->meta + PV_META_ORIGINS);
    ix->nfps = pv_load64(ix->meta + PV_META_FINGERPRINTS);
    ix->npostings = pv_load64(ix->meta + PV_META_POSTINGS);
    ix->nblocks = pv_load64(ix->meta + PV_META_BLOCKS);
    ix->ntokens = pv_load64(ix->meta + PV_META_TOKENS);
    ix->nbytes = pv_load64(ix->meta + PV_META_INPUT_BYTES);
    ix->created = (int64_t)pv_load64(ix->meta + PV_META_CREATED);
    ix->fanout_bits = pv_load32(ix->meta + PV_META_FANOUT_BITS);
    ix->block_postings = pv_load32(ix->meta + PV_META_BLOCK_POSTINGS);
    if (ix->fanout_bits > PV_MAX_FANOUT_BITS || ix->ndocs >= PV_NONE || ix->norigins >= PV_NONE ||
        ix->nauthors >= PV_NONE || ix->nsources >= PV_NONE || ix->nblocks >= PV_NONE ||
        ix->block_postings == 0)
        return corrupt(err, ix->path, "counts out of range in META");

    NEED(ix->fano, PV_ID_FANO, sz_ == (((uint64_t)1 << ix->fanout_bits) + 1) * 4);
    NEED(ix->bdir, PV_ID_BDIR, sz_ == ix->nblocks * PV_BDIR_ENTRY);
    NEED(ix->pstg, PV_ID_PSTG, (ix->pstg_size = sz_, 1));
    NEED(ix->docs, PV_ID_DOCS, sz_ == ix->ndocs * PV_DOC_ENTRY);
    NEED(ix->line, PV_ID_LINE, (ix->line_size = sz_, 1));
    NEED(ix->orig, PV_ID_ORIG, sz_ == ix->norigins * PV_ORIG_ENTRY);
    NEED(ix->auth, PV_ID_AUTH, sz_ == ix->nauthors * PV_AUTH_ENTRY);
    NEED(ix->srcs, PV_ID_SRCS, sz_ == ix->nsources * PV_SRC_ENTRY);
    NEED(ix->strs, PV_ID_STRS, (ix->strs_size = sz_) > 0);
    if (ix->strs[ix->strs_size - 1] != 0)
        return corrupt(err, ix->path, "string pool not terminated");

    /* fan-out: non-decreasing, ends at nblocks */
    {
        uint32_t prev = 0;
        uint64_t nf = ((uint64_t)1 << ix->fanout_bits) + 1;
        for (i = 0; i < nf; i++) {
            uint32_t v = pv_load32(ix->fano + 4 * i);
            if (v < prev || v > ix->nblocks)
                return corrupt(err, ix->path, "fan-out table out of order");
            prev = v;
        }
        if (prev != ix->nblocks)
            return corrupt(err, ix->path, "fan-out table does not end at the block count");
    }
    /* block directory: increasing first fingerprints, blocks inside PSTG */
    {
        uint64_t prev_fp = 0, total = 0;
        for (i = 0; i < ix->nblocks; i++) {
            const unsigned char *e = ix->bdir + i * PV_BDIR_ENTRY;
            uint64_t fp = pv_load64(e + PV_BDIR_FIRST_FP), off = pv_load64(e + PV_BDIR_OFFSET);
            uint32_t stored = pv_load32(e + PV_BDIR_STORED), raw = pv_load32(e + PV_BDIR_RAW);
            uint32_t count = pv_load32(e + PV_BDIR_COUNT), flags = pv_load32(e + PV_BDIR_FLAGS);
            if ((i > 0 && fp <= prev_fp) || fp >> PV_FP_BITS || off > ix->pstg_size ||
                stored > ix->pstg_size - off || raw > PV_BLOCK_MAX_RAW || count == 0 ||
                count > ix->block_postings + ix->posting_cap || (flags & ~PV_BLOCK_RAW) ||
                ((flags & PV_BLOCK_RAW) && stored != raw) || raw < 4u * count)
                return pv_err__set(err, PV_ECORRUPT,
                                   "corrupt index '%s': bad directory entry "
                                   "for block %llu",
                                   ix->path, (unsigned long long)i);
            /* the fan-out must agree with the first fingerprint */
            prev_fp = fp;
            total += count;
        }
        if (total != ix->npostings)
            return corrupt(err, ix->path, "posting count does not match the block directory");
    }
    for (i = 0; i < ix->nsources; i++) {
        const unsigned char *e = ix->srcs + i * PV_SRC_ENTRY;
        if (!str_ok(ix, pv_load32(e + PV_SRC_NAME), 0) ||
            !str_ok(ix, pv_load32(e + PV_SRC_KIND), 0))
            return corrupt(err, ix->path, "bad string in source table");
    }
    for (i = 0; i < ix->nauthors; i++) {
        const unsigned char *e = ix->auth + i * PV_AUTH_ENTRY;
        if (!str_ok(ix, pv_load32(e + PV_AUTH_NAME), 0) ||
            !str_ok(ix, pv_load32(e + PV_AUTH_EMAIL), 1) ||
            !str_ok(ix, pv_load32(e + PV_AUTH_ID), 1))
            return corrupt(err, ix->path, "bad string in author table");
    }
    for (i = 0; i < ix->norigins; i++) {
        const unsigned char *e = ix->orig + i * PV_ORIG_ENTRY;
        uint32_t a = pv_load32(e + PV_ORIG_AUTHOR), next = pv_load32(e + PV_ORIG_NEXT);
        if ((a != PV_NONE && a >= ix->nauthors) || !str_ok(ix, pv_load32(e + PV_ORIG_COMMIT), 1) ||
            (next != PV_NONE && (next <= i || next >= ix->norigins)) ||
            (pv_load32(e + PV_ORIG_FLAGS) & ~PV_ORIG_BEFORE) != 0)
            return corrupt(err, ix->path, "bad entry in origin table");
    }
    {
        uint64_t ntok = 0;
        for (i = 0; i < ix->ndocs; i++) {
            const unsigned char *e = ix->docs + i * PV_DOC_ENTRY;
            uint64_t loff = pv_load64(e + PV_DOC_LINES_OFF);
            uint32_t lsize = pv_load32(e + PV_DOC_LINES_SIZE),
                     lraw = pv_load32(e + PV_DOC_LINES_RAW);
            uint32_t nlines = pv_load32(e + PV_DOC_NLINES);
            if (pv_load32(e + PV_DOC_SOURCE) >= ix->nsources ||
                pv_load32(e + PV_DOC_ORIGIN) >= ix->norigins ||
                !str_ok(ix, pv_load32(e + PV_DOC_KIND), 0) ||
                !str_ok(ix, pv_load32(e + PV_DOC_LOCATOR), 0) ||
                !str_ok(ix, pv_load32(e + PV_DOC_COMMIT), 1) ||
                !str_ok(ix, pv_load32(e + PV_DOC_LICENSE), 1) || loff > ix->line_size ||
                lsize > ix->line_size - loff || lsize > lraw || nlines == 0 ||
                !lines_sizes_ok(nlines, pv_load32(e + PV_DOC_NTOKENS), pv_load64(e + PV_DOC_BYTES),
                                lsize, lraw))
                return pv_err__set(err, PV_ECORRUPT,
                                   "corrupt index '%s': bad entry for document %llu", ix->path,
                                   (unsigned long long)i);
            ntok += pv_load32(e + PV_DOC_NTOKENS);
        }
        if (ntok != ix->ntokens)
            return corrupt(err, ix->path, "token count does not match the document table");
    }
    {
        uint64_t sz;
        if ((ix->blob = find_chunk(ix, PV_ID_BLOB, &sz)) != NULL) {
            if (sz % PV_BLOB_ENTRY)
                return pv_err__set(err, PV_ECORRUPT, "corrupt index '%s': chunk %s has a bad size",
                                   ix->path, PV_ID_BLOB);
            ix->nblob = sz / PV_BLOB_ENTRY;
        }
        for (i = 0; i < ix->nblob; i++) {
            const unsigned char *e = ix->blob + i * PV_BLOB_ENTRY;
            int c = i ? memcmp(e - PV_BLOB_ENTRY, e, PV_BLOB_ID_LEN) : -1;
            if (pv_load32(e + PV_BLOB_DOC) >= ix->ndocs || c > 0 ||
                (c == 0 &&
                 pv_load32(e - PV_BLOB_ENTRY + PV_BLOB_DOC) >= pv_load32(e + PV_BLOB_DOC)))
                return pv_err__set(err, PV_ECORRUPT,
                                   "corrupt index '%s': blob entry %llu out of order or range",
                                   ix->path, (unsigned long long)i);
        }
    }
    return 0;
}

size_t pv_index__blob_docs(const pv_index *ix, const unsigned char *id, uint32_t *docs, size_t max)
{
    size_t lo = 0, hi = (size_t)ix->nblob, n = 0;
    while (lo < hi) { /* the first entry not below id */
        size_t mid = lo + (hi - lo) / 2;
        if (memcmp(ix->blob + mid * PV_BLOB_ENTRY, id, PV_BLOB_ID_LEN) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < ix->nblob && memcmp(ix->blob + lo * PV_BLOB_ENTRY, id, PV_BLOB_ID_LEN) == 0; lo++) {
        if (n < max)
            docs[n] = pv_load32(ix->blob + lo * PV_BLOB_ENTRY + PV_BLOB_DOC);
        n++;
    }
    return n;
}

/* Opens one index file, without its tombstones. */
int pv_index__open_file(pv_index **out, const char *path, pv_err *err)
{
    pv_index *ix = NULL;
    int fd = -1, rc;
    struct stat st;

    *out = NULL;
    ix = calloc(1, sizeof *ix);
    if (!ix || !(ix->path = strdup(path))) {
        rc = pv_err__set(err, PV_ENOMEM, "out of memory");
        goto done;
    }
    fd = open(path, O_RDONLY);
    if (fd < 0) {
        rc = pv_err__set(err, PV_EIO, "cannot open index '%s': %s", path, strerror(errno));
        goto done;
    }
    if (fstat(fd, &st) < 0) {
        rc = pv_err__set(err, PV_EIO, "cannot open index '%s': %s", path, strerror(errno));
        goto done;
    }
    if (!S_ISREG(st.st_mode)) {
        /* errno says nothing here (a device, a FIFO, a socket opened fine) */
        rc = pv_err__set(err, PV_EIO, "cannot open index '%s': %s", path,
                         S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file");
        goto done;
    }
    ix->size = (size_t)st.st_size;
    if (ix->size > 0) {
        void *m = mmap(NULL, ix->size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m == MAP_FAILED) {
            rc = pv_err__set(err, PV_EIO, "cannot map index '%s': %s", path, strerror(errno));
            goto done;
        }
        ix->map = m;
    }
    if ((rc = parse_header(ix, err)) != 0 || (rc = parse_tables(ix, err)) != 0)
        goto done;
    *out = ix;
    ix = NULL;
    rc = 0;
done:
    if (fd >= 0)
        close(fd);
    pv_index_free(ix);
    return rc;
}

int pv_index_open(pv_index **out, const char *path, pv_err *err)
{
    pv_index *ix = NULL;
    struct stat st;
    int rc, is_dir = stat(path, &st) == 0 && S_ISDIR(st.st_mode);

    *out = NULL;
    rc = is_dir ? pv_index__open_dir(&ix, path, err) : pv_index__open_file(&ix, path, err);
    if (rc != 0)
        return rc;
    /* a folder's tombstones apply to every segment: they name work, not ids, and are bound
       to the folder (identity 0), not to one file */
    rc = pv_index__tombs_load(ix, is_dir ? 0 : pv_load64(ix->map + PV_HDR_CHECKSUM),
                              is_dir ? 0 : ix->size, &ix->tombs, err);
    if (rc != 0) {
        pv_index_free(ix);
        return rc;
    }
    *out = ix;
    return 0;
}

void pv_index_free(pv_index *ix)
{
    if (!ix)
        return;
    if (ix->map)
        munmap((void *)ix->map, ix->size);
    pv_index__tombs_free(ix->tombs);
    pv_index__segments_free(ix->segs, ix->nsegs);
    free(ix->path);
    free(ix);
}

void pv_index_get_info(const pv_index *ix, pv_index_info *info)
{
    memset(info, 0, sizeof *info);
    info->format_version = ix->version;
    info->norm_version = ix->norm;
    info->k = ix->k;
    info->w = ix->w;
    info->fp_bits = ix->fp_bits;
    info->posting_cap = ix->posting_cap;
    info->seed = ix->seed;
    info->documents = ix->ndocs;
    info->authors = ix->nauthors;
    info->sources = ix->nsources;
    info->origins = ix->norigins;
    info->fingerprints = ix->nfps;
    info->postings = ix->npostings;
    info->blocks = ix->nblocks;
    info->tokens = ix->ntokens;
    info->input_bytes = ix->nbytes;
    info->file_bytes = ix->size;
    info->created = ix->created;
    info->nchunks = ix->nchunks;
    info->chunks = ix->chunks;
}

const char *pv_index__path(const pv_index *ix)
{
    return ix->path;
}

const pv_tombs *pv_index__tombs(const pv_index *ix)
{
    return ix->tombs;
}

int pv_index__set_segments(pv_index *ix, const char *path, pv_segment_info *segs, size_t n)
{
    char *p = strdup(path);
    if (!p)
        return PV_ENOMEM;
    free(ix->path);
    ix->path = p;
    pv_index__segments_free(ix->segs, ix->nsegs);
    ix->segs = segs;
    ix->nsegs = n;
    return 0;
}

void pv_index_segments(const pv_index *ix, const pv_segment_info **out, size_t *n)
{
    *out = ix->segs;
    *n = ix->nsegs;
}

void pv_index__raw(const pv_index *ix, pv_index_raw *out)
{
    out->docs = ix->docs;
    out->line = ix->line;
    out->orig = ix->orig;
    out->auth = ix->auth;
    out->srcs = ix->srcs;
    out->strs = ix->strs;
    out->blob = ix->blob;
    out->nblob = ix->nblob;
    out->strs_size = ix->strs_size;
    out->header_checksum = pv_load64(ix->map + PV_HDR_CHECKSUM);
}

void pv_index__doc(const pv_index *ix, uint32_t id, pv_doc_view *out)
{
    const unsigned char *e = ix->docs + (size_t)id * PV_DOC_ENTRY;
    const unsigned char *s = ix->srcs + (size_t)pv_load32(e + PV_DOC_SOURCE) * PV_SRC_ENTRY;
    out->kind = str_at(ix, pv_load32(e + PV_DOC_KIND));
    out->source = str_at(ix, pv_load32(s + PV_SRC_NAME));
    out->locator = str_at(ix, pv_load32(e + PV_DOC_LOCATOR));
    out->commit = str_at(ix, pv_load32(e + PV_DOC_COMMIT));
    out->license = str_at(ix, pv_load32(e + PV_DOC_LICENSE));
    out->origin = pv_load32(e + PV_DOC_ORIGIN);
    out->date = (int64_t)pv_load64(e + PV_DOC_DATE);
    out->nlines = pv_load32(e + PV_DOC_NLINES);
    out->ntokens = pv_load32(e + PV_DOC_NTOKENS);
    out->bytes = pv_load64(e + PV_DOC_BYTES);
}

void pv_index__origin(const pv_index *ix, uint32_t id, pv_origin_view *out)
{
    const unsigned char *e = ix->orig + (size_t)id * PV_ORIG_ENTRY;
    uint32_t a = pv_load32(e + PV_ORIG_AUTHOR);
    out->author = a;
    out->author_name = out->author_email = out->author_id = NULL;
    if (a != PV_NONE) {
        const unsigned char *ae = ix->auth + (size_t)a * PV_AUTH_ENTRY;
        out->author_name = str_at(ix, pv_load32(ae + PV_AUTH_NAME));
        out->author_email = str_at(ix, pv_load32(ae + PV_AUTH_EMAIL));
        out->author_id = str_at(ix, pv_load32(ae + PV_AUTH_ID));
    }
    out->next = pv_load32(e + PV_ORIG_NEXT);
    out->commit = str_at(ix, pv_load32(e + PV_ORIG_COMMIT));
    out->date = (int64_t)pv_load64(e + PV_ORIG_DATE);
    out->before = (pv_load32(e + PV_ORIG_FLAGS) & PV_ORIG_BEFORE) != 0;
}

/* A decoded block: parallel columns. */
typedef struct block_cache {
    uint64_t index; /* block number, UINT64_MAX when empty */
    uint32_t count, cap;
    uint64_t *fp;
    pv_posting *post;     /* decoded only when a lookup finds its fingerprint */
    uint32_t *origin_raw; /* the origin column as stored: 0 = document's default */
    int posts_ready;
    const unsigned char *rest; /* where the document column starts in raw */
    unsigned char *raw;
    size_t raw_cap;
} block_cache;

struct pv_index_cursor {
    const pv_index *ix;
    ZSTD_DCtx *dctx; /* reused: creating one per block costs more than decoding the block */
    block_cache bc;
    const pv_index_table *table; /* every posting decoded, or NULL (pv_index__cursor_use) */
};

struct pv_index_table {
    uint64_t *fp;     /* nfp distinct fingerprints, ascending */
    uint32_t *start;  /* nfp + 1 entries: fp[i]'s postings are post[start[i], start[i + 1]) */
    pv_posting *post; /* as pv_index__lookup hands them on, origins resolved */
    size_t nfp;
    pv_line_table *lines; /* every document's, borrowed by pv_index__lines */
    uint64_t ndocs;
};

int pv_index__cursor_new(const pv_index *ix, pv_index_cursor **out, pv_err *err)
{
    pv_index_cursor *c = calloc(1, sizeof *c);
    if (!c || !(c->dctx = ZSTD_createDCtx())) {
        free(c);
        *out = NULL;
        return pv_err__set(err, PV_ENOMEM, "out of memory");
    }
    c->ix = ix;
    c->bc.index = UINT64_MAX;
    *out = c;
    return 0;
}

void pv_index__cursor_free(pv_index_cursor *c)
{
    if (!c)
        return;
    ZSTD_freeDCtx(c->dctx);
    free(c->bc.fp);
    free(c->bc.post);
    free(c->bc.origin_raw);
    free(c->bc.raw);
    free(c);
}

/* Decompress (or copy) a stored region of exactly raw bytes into dst. */
static int unpack(pv_index_cursor *c, const unsigned char *src, size_t stored, size_t raw,
                  int is_raw, unsigned char *dst)
{
    size_t n;
    if (is_raw) {
        memcpy(dst, src, raw);
        return 0;
    }
    n = ZSTD_decompressDCtx(c->dctx, dst, raw, src, stored);
    return (ZSTD_isError(n) || n != raw) ? -1 : 0;
}

int pv_index__lines(pv_index_cursor *c, uint32_t id, pv_line_table *out, pv_err *err)
{
    const pv_index *ix = c->ix;
    const unsigned char *e = ix->docs + (size_t)id * PV_DOC_ENTRY;
    uint64_t off = pv_load64(e + PV_DOC_LINES_OFF);
    uint32_t size = pv_load32(e + PV_DOC_LINES_SIZE), raw = pv_load32(e + PV_DOC_LINES_RAW);
    uint32_t nlines = pv_load32(e + PV_DOC_NLINES), ntok = pv_load32(e + PV_DOC_NTOKENS);
    uint32_t nchecks = (uint32_t)(((uint64_t)ntok + 1) / 2);
    unsigned char *buf = NULL;
    const unsigned char *p, *end;
    uint64_t sum = 0;
    uint32_t l;
    int rc = 0;

    if (c->table) {
        *out = c->table->lines[id];
        out->borrowed = 1;
        return 0;
    }
    memset(out, 0, sizeof *out);
    /* the token checks end the table, stored as they are (validated at open: size > nchecks) */
    size -= nchecks;
    raw -= nchecks;
    /* a compressed table's frame must say it holds raw bytes before raw bytes are allocated */
    if (size != raw && ZSTD_getFrameContentSize(ix->line + off, size) != raw)
        return pv_err__set(err, PV_ECORRUPT,
                           "corrupt index '%s': line table of document %u is not %u bytes raw",
                           ix->path, id, raw);
    buf = malloc(raw ? raw : 1);
    out->line_tok = malloc(((size_t)nlines + 1) * sizeof *out->line_tok);
    out->line_check = malloc(nlines ? nlines : 1);
    if (!buf || !out->line_tok || !out->line_check) {
        rc = pv_err__set(err, PV_ENOMEM, "out of memory");
        goto done;
    }
    if (unpack(c, ix->line + off, size, raw, size == raw, buf) != 0)
        goto bad;
    out->checks = ix->line + off + size;
    p = buf;
    end = buf + raw;
    for (l = 0; l < nlines; l++) {
        uint64_t v, cnt;
        size_t n = pv_varint_get(p, end, &v);
        cnt = v >> PV_LINE_CHECK_BITS;
        if (!n || cnt > ntok || (cnt == 0 && v != 0))
            goto bad;
        out->line_tok[l] = (uint32_t)sum;
        out->line_check[l] = (unsigned char)(v & ((1u << PV_LINE_CHECK_BITS) - 1));
        sum += cnt;
        p += n;
    }
    if (sum != ntok)
        goto bad;
    out->line_tok[nlines] = ntok;
    /* then the authorship runs */
    {
        uint64_t nr, d, org, tok = 0;
        size_t n = pv_varint_get(p, end, &nr), r;
        if (!n || nr > ntok)
            goto bad;
        p += n;
        if (nr) {
            out->run_tok = malloc(nr * sizeof *out->run_tok);
            out->run_origin = malloc(nr * sizeof *out->run_origin);
            if (!out->run_tok || !out->run_origin) {
                rc = pv_err__set(err, PV_ENOMEM, "out of memory");
                goto done;
            }
        }
        for (r = 0; r < nr; r++) {
            if (!(n = pv_varint_get(p, end, &d)) || (r > 0 && d == 0))
                goto bad;
            p += n;
            if (!(n = pv_varint_get(p, end, &org)) || org >= ix->norigins)
                goto bad;
            p += n;
            tok += d;
            if (tok >= ntok)
                goto bad;
            out->run_tok[r] = (uint32_t)tok;
            out->run_origin[r] = (uint32_t)org;
        }
        out->nruns = (uint32_t)nr;
    }
    if (p != end)
        goto bad;
    out->nlines = nlines;
    goto done;
bad:
    rc = pv_err__set(err, PV_ECORRUPT, "corrupt index '%s': bad line table for document %u",
                     ix->path, id);
done:
    free(buf);
    if (rc)
        pv_index__lines_free(out);
    return rc;
}

void pv_index__lines_free(pv_line_table *t)
{
    if (t->borrowed) {
        memset(t, 0, sizeof *t);
        return;
    }
    free(t->line_tok);
    free(t->line_check);
    free(t->run_tok);
    free(t->run_origin);
    memset(t, 0, sizeof *t);
}

static int decode_block(pv_index_cursor *c, uint64_t b, pv_err *err)
{
    const pv_index *ix = c->ix;
    block_cache *bc = &c->bc;
    const unsigned char *e = ix->bdir + b * PV_BDIR_ENTRY;
    uint64_t first = pv_load64(e + PV_BDIR_FIRST_FP), off = pv_load64(e + PV_BDIR_OFFSET);
    uint32_t stored = pv_load32(e + PV_BDIR_STORED), raw = pv_load32(e + PV_BDIR_RAW);
    uint32_t count = pv_load32(e + PV_BDIR_COUNT), flags = pv_load32(e + PV_BDIR_FLAGS);
    const unsigned char *p, *end;
    uint64_t fp = first, v;
    uint32_t i;
    size_t n;

    if (raw > bc->raw_cap) {
        unsigned char *nr = realloc(bc->raw, raw);
        if (!nr)
            return pv_err__set(err, PV_ENOMEM, "out of memory");
        bc->raw = nr;
        bc->raw_cap = raw;
    }
    if (count > bc->cap || !bc->fp) {
        uint64_t *nf = realloc(bc->fp, (size_t)count * sizeof *nf);
        pv_posting *np;
        uint32_t *no;
        if (!nf)
            return pv_err__set(err, PV_ENOMEM, "out of memory");
        bc->fp = nf;
        np = realloc(bc->post, (size_t)count * sizeof *np);
        if (!np)
            return pv_err__set(err, PV_ENOMEM, "out of memory");
        bc->post = np;
        no = realloc(bc->origin_raw, (size_t)count * sizeof *no);
        if (!no)
            return pv_err__set(err, PV_ENOMEM, "out of memory");
        bc->origin_raw = no;
        bc->cap = count;
    }
    bc->index = UINT64_MAX;
    if (unpack(c, ix->pstg + off, stored, raw, flags & PV_BLOCK_RAW, bc->raw) != 0)
        goto bad;
    p = bc->raw;
    end = bc->raw + raw;
    for (i = 0; i < count; i++) {
        if (!(n = pv_varint_get(p, end, &v)) || (i == 0 && v != 0) ||
            v > (UINT64_C(1) << PV_FP_BITS))
            goto bad;
        fp += v;
        if (fp >> PV_FP_BITS)
            goto bad;
        bc->fp[i] = fp;
        p += n;
    }
    bc->rest = p;
    bc->posts_ready = 0;
    bc->count = count;
    bc->index = b;
    return 0;
bad:
    return pv_err__set(err, PV_ECORRUPT, "corrupt index '%s': bad posting block %llu", ix->path,
                       (unsigned long long)b);
}

/* Decode the document, position and origin columns of the cached block (the fingerprint
 * column is decoded by decode_block; most lookups need no more than that). */
static int decode_postings(pv_index_cursor *c, pv_err *err)
{
    const pv_index *ix = c->ix;
    block_cache *bc = &c->bc;
    const unsigned char *e = ix->bdir + bc->index * PV_BDIR_ENTRY;
    const unsigned char *p = bc->rest, *end = bc->raw + pv_load32(e + PV_BDIR_RAW);
    uint32_t i, count = bc->count;
    uint64_t v;
    size_t n;

    for (i = 0; i < count; i++) {
        uint64_t d;
        if (!(n = pv_varint_get(p, end, &v)))
            goto bad;
        d = (i > 0 && bc->fp[i] == bc->fp[i - 1]) ? bc->post[i - 1].doc + v : v;
        if (d >= ix->ndocs)
            goto bad;
        bc->post[i].doc = (uint32_t)d;
        p += n;
    }
    for (i = 0; i < count; i++) {
        if (!(n = pv_varint_get(p, end, &v)) || v > UINT32_MAX)
            goto bad;
        bc->post[i].pos = (uint32_t)v;
        p += n;
    }
    for (i = 0; i < count; i++) {
        if (!(n = pv_varint_get(p, end, &v)) || v > ix->norigins)
            goto bad;
        bc->origin_raw[i] = (uint32_t)v;
        p += n;
    }
    if (p != end)
        goto bad;
    bc->posts_ready = 1;
    return 0;
bad:
    pv_err__set(err, PV_ECORRUPT, "corrupt index '%s': bad posting block %llu", ix->path,
                (unsigned long long)bc->index);
    bc->index = UINT64_MAX;
    return PV_ECORRUPT;
}

/* The block that may hold fp: the last block whose first fingerprint is <= fp. */
static int64_t find_block(const pv_index *ix, uint64_t fp)
{
    uint64_t top = ix->fanout_bits ? fp >> (PV_FP_BITS - ix->fanout_bits) : 0;
    uint64_t lo = pv_load32(ix->fano + 4 * top), hi = pv_load32(ix->fano + 4 * (top + 1));
    if (lo > 0)
        lo--;
    /* binary search in [lo, hi) for the last first_fp <= fp */
    if (hi <= lo)
        return -1;
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (pv_load64(ix->bdir + mid * PV_BDIR_ENTRY + PV_BDIR_FIRST_FP) <= fp)
            lo = mid;
        else
            hi = mid;
    }
    if (pv_load64(ix->bdir + lo * PV_BDIR_ENTRY + PV_BDIR_FIRST_FP) > fp)
        return -1;
    return (int64_t)lo;
}

/* The first index in [lo, hi) of the ascending v whose value is not below x (hi if none). */
static size_t first_not_below(const uint64_t *v, size_t lo, size_t hi, uint64_t x)
{
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Check postings [lo, hi) of the cached block against their documents and resolve their
 * origins. */
static int resolve_postings(pv_index_cursor *c, uint32_t lo, uint32_t hi, pv_err *err)
{
    const pv_index *ix = c->ix;
    block_cache *bc = &c->bc;
    uint32_t k;
    for (k = lo; k < hi; k++) {
        const unsigned char *d = ix->docs + (size_t)bc->post[k].doc * PV_DOC_ENTRY;
        uint32_t v = bc->origin_raw[k];
        if (bc->post[k].pos >= pv_load32(d + PV_DOC_NTOKENS))
            return pv_err__set(err, PV_ECORRUPT,
                               "corrupt index '%s': posting past the end of document %u", ix->path,
                               bc->post[k].doc);
        bc->post[k].origin = v ? v - 1 : pv_load32(d + PV_DOC_ORIGIN);
    }
    return 0;
}

static int table_lookup(const pv_index_table *t, const uint64_t *fps, size_t n, pv_lookup_fn cb,
                        void *ctx);

int pv_index__lookup(pv_index_cursor *c, const uint64_t *fps, size_t n, pv_lookup_fn cb, void *ctx,
                     pv_err *err)
{
    const pv_index *ix = c->ix;
    block_cache *bc = &c->bc;
    size_t i;
    int rc = 0;

    if (c->table)
        return table_lookup(c->table, fps, n, cb, ctx);
    for (i = 0; i < n && rc == 0; i++) {
        int64_t b = find_block(ix, fps[i]);
        uint32_t lo, j;
        if (b < 0)
            continue;
        if (bc->index != (uint64_t)b && (rc = decode_block(c, (uint64_t)b, err)) != 0)
            break;
        lo = (uint32_t)first_not_below(bc->fp, 0, bc->count, fps[i]);
        for (j = lo; j < bc->count && bc->fp[j] == fps[i]; j++)
            ;
        if (j == lo)
            continue;
        if (!bc->posts_ready && (rc = decode_postings(c, err)) != 0)
            break;
        if ((rc = resolve_postings(c, lo, j, err)) != 0)
            break;
        rc = cb(ctx, i, bc->post + lo, j - lo);
    }
    return rc;
}

int pv_index__block(pv_index_cursor *c, uint64_t b, const uint64_t **fp, const pv_posting **p,
                    uint32_t *count, pv_err *err)
{
    int rc;
    if ((c->bc.index != b && (rc = decode_block(c, b, err)) != 0) ||
        (!c->bc.posts_ready && (rc = decode_postings(c, err)) != 0) ||
        (rc = resolve_postings(c, 0, c->bc.count, err)) != 0)
        return rc;
    *fp = c->bc.fp;
    *p = c->bc.post;
    *count = c->bc.count;
    return 0;
}

/* pv_index__lookup through a table: the same postings, in the same order. */
static int table_lookup(const pv_index_table *t, const uint64_t *fps, size_t n, pv_lookup_fn cb,
                        void *ctx)
{
    size_t i, at = 0;
    int rc = 0;
    for (i = 0; i < n && rc == 0 && at < t->nfp; i++) {
        /* fps ascend: search only past the last one found */
        size_t lo = first_not_below(t->fp, at, t->nfp, fps[i]);
        at = lo;
        if (lo < t->nfp && t->fp[lo] == fps[i])
            rc = cb(ctx, i, t->post + t->start[lo], t->start[lo + 1] - t->start[lo]);
    }
    return rc;
}

void pv_index__cursor_use(pv_index_cursor *c, const pv_index_table *t)
{
    c->table = t;
}

void pv_index__table_free(pv_index_table *t)
{
    uint64_t d;
    if (!t)
        return;
    for (d = 0; t->lines && d < t->ndocs; d++)
        pv_index__lines_free(&t->lines[d]);
    free(t->lines);
    free(t->fp);
    free(t->start);
    free(t->post);
    free(t);
}

int pv_index__table_load(const pv_index *ix, uint64_t max_bytes, pv_index_table **out, pv_err *err)
{
    pv_index_cursor *c = NULL;
    pv_index_table *t = NULL;
    uint64_t b, d, bytes;
    size_t np = 0;
    int rc;

    *out = NULL;
    /* what the postings take (a distinct fingerprint at most per posting), then the line
       tables, counted as they are decoded */
    bytes = ix->npostings * (sizeof *t->fp + sizeof *t->start + sizeof *t->post) +
            ix->ndocs * sizeof *t->lines;
    if (bytes > max_bytes || ix->npostings >= UINT32_MAX)
        return 0;
    if ((rc = pv_index__cursor_new(ix, &c, err)) != 0)
        return rc;
    /* distinct fingerprints are at most the postings (META's count is not trusted here) */
    if (!(t = calloc(1, sizeof *t)) ||
        !(t->fp = malloc((ix->npostings ? ix->npostings : 1) * sizeof *t->fp)) ||
        !(t->start = malloc((ix->npostings + 1) * sizeof *t->start)) ||
        !(t->post = malloc((ix->npostings ? ix->npostings : 1) * sizeof *t->post))) {
        rc = pv_err__set(err, PV_ENOMEM, "out of memory");
        goto done;
    }
    for (b = 0; b < ix->nblocks; b++) {
        uint32_t i;
        if ((rc = decode_block(c, b, err)) != 0 || (rc = decode_postings(c, err)) != 0 ||
            (rc = resolve_postings(c, 0, c->bc.count, err)) != 0)
            goto done;
        for (i = 0; i < c->bc.count; i++, np++) {
            /* the directory's counts add up to npostings (checked at open); fingerprints
               ascend within a block (decode_block) and blocks by their first ones */
            if (np == 0 || c->bc.fp[i] != t->fp[t->nfp - 1]) {
                if (np > 0 && c->bc.fp[i] < t->fp[t->nfp - 1]) {
                    rc = pv_err__set(err, PV_ECORRUPT,
                                     "corrupt index '%s': posting block %llu out of order",
                                     ix->path, (unsigned long long)b);
                    goto done;
                }
                t->fp[t->nfp] = c->bc.fp[i];
                t->start[t->nfp++] = (uint32_t)np;
            }
            t->post[np] = c->bc.post[i];
        }
    }
    t->start[t->nfp] = (uint32_t)np;
    if (!(t->lines = calloc(ix->ndocs ? ix->ndocs : 1, sizeof *t->lines))) {
        rc = pv_err__set(err, PV_ENOMEM, "out of memory");
        goto done;
    }
    t->ndocs = ix->ndocs;
    for (d = 0; d < ix->ndocs; d++) {
        pv_line_table *lt = &t->lines[d];
        if ((rc = pv_index__lines(c, (uint32_t)d, lt, err)) != 0)
            goto done;
        bytes += ((uint64_t)lt->nlines + 1) * sizeof *lt->line_tok + lt->nlines +
                 (uint64_t)lt->nruns * (sizeof *lt->run_tok + sizeof *lt->run_origin);
        if (bytes > max_bytes) { /* too large after all: read it through blocks */
            rc = 0;
            goto done;
        }
    }
    *out = t;
    t = NULL;
done:
    pv_index__table_free(t);
    pv_index__cursor_free(c);
    return rc;
}

int pv_index__fingerprints(pv_index_cursor *c, int (*fn)(void *ctx, uint64_t fp), void *ctx,
                           pv_err *err)
{
    const pv_index *ix = c->ix;
    uint64_t b, last = 0;
    uint32_t i;
    int rc = 0, any = 0;

    for (b = 0; b < ix->nblocks && rc == 0; b++) {
        if (c->bc.index != b && (rc = decode_block(c, b, err)) != 0)
            break;
        for (i = 0; i < c->bc.count && rc == 0; i++) {
            uint64_t fp = c->bc.fp[i];
            if (any && fp == last)
                continue; /* a fingerprint's postings may run on into the next block */
            any = 1;
            last = fp;
            rc = fn(ctx, fp);
        }
    }
    return rc;
}
