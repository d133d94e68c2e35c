/*
 * source_git.c - the git reader: walks a repository's history with libgit2, reads every unique
 * blob once, and yields its file lineages (a file followed across renames, at REV or at its
 * last version before deletion) as documents whose lines are credited to their first writer.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include <git2.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "common_int.h"
#include "scanner_int.h"
#include "source.h"

#define DEFAULT_MEMORY ((size_t)256 << 20)
#define SNIFF_BYTES 8000             /* binary detection looks at this prefix, as git does */
#define MINIFIED_LINE 1000           /* a .js/.css line longer than this: minified */
#define GENERATED_LINES 5            /* "generated" markers are looked for in these lines */
#define GENERATED_BYTES 4096         /* ... and in at most this many bytes */
#define MAX_TREE_DEPTH 1024          /* deeper trees are reported as bad, not walked */
#define PATH_LIMIT ((size_t)1 << 16) /* longest path handled */
#define LICENSE_READ_MAX ((size_t)1 << 20)
#define IGNORE_FILE_MAX ((size_t)16 << 20) /* longest ignore-revs file read */
#define PREFETCH 16                        /* fingerprint probes ahead of the one being resolved */
#define FP_MIN_SLOTS 64 /* the smallest table (tests force several passes with it) */

/* Sequence numbers of commits in walk order (oldest first); SEQ_NONE: not known. */
#define SEQ_NONE UINT32_MAX
/* With a history boundary (gitrd.bounded), sequence 0 is no commit: it stands for text that
 * already existed where the walk begins, credited "before" that boundary. */
#define SEQ_BEFORE 0u
#define FW_MIN_CHARS 12 /* a distinctive line holds at least this many non-whitespace bytes */
#define SEQ_MAX ((uint32_t)0x7ffffffd)
/* Multiplier of the line token keys: a line's key is sum(token hash * TK_MUL^(later tokens)),
 * so the key of lines put end to end follows from theirs (tok_key). */
#define TK_MUL UINT64_C(0x9e3779b97f4a7c15)

#define V_UNSET UINT32_MAX /* fp_entry.val of a document fingerprint not met yet */

/* Blob flags. */
enum {
    B_SKIP_MASK = 0x07, /* reason the blob is not read (0: it is read) */
    B_INCLUDED = 0x08,  /* an include pattern matched its path: vendored etc. rules off */
    B_JSCSS = 0x10,     /* a .js or .css path: long lines mean minified */
    B_DOC = 0x20,       /* some document has this content */
    B_BAD = 0x40,       /* could not be read (reported and counted) */
    B_DONE = 0x80,      /* content rules applied (read once in the first pass) */
    B_LINEAGE = 0x100,  /* an older version of a document's lines: read for credit even when
                           its content looks generated or minified */
    B_KEPT = 0x200      /* such a version: counted as skipped, read all the same */
};

/* Skip reasons, stored in the low bits of the flags (R_BAD: documents only). A minified file
 * counts with the vendored ones (provscan.h). */
enum {
    R_NONE = 0,
    R_BINARY,
    R_LARGE,
    R_EXCLUDED,
    R_VENDORED,
    R_GENERATED,
    R_EMPTY,
    R_MINIFIED,
    R_BAD
};

/* One unique blob of the history. */
typedef struct blob_rec {
    git_oid id;
    uint32_t seq;    /* commit that first brought it in at a path it is read under */
    uint32_t parent; /* the blob it replaced at that path in the first parent, or SEQ_NONE */
    uint32_t refs;   /* later blobs that name it as a parent (its lines are kept until then) */
    uint16_t flags;
} blob_rec;

/* The lines of a blob and the commit each came from along its file's history (the
 * "lineage", renames followed): kept while later versions may still need it. */
typedef struct lin_state {
    size_t n;
    uint64_t *key;    /* per line: hash of its bytes without the "\n" */
    uint64_t *tkey;   /* per line: key of its tokens (tok_key), layout and quoting left out */
    uint32_t *ntok;   /* per line: its tokens */
    uint32_t *origin; /* per line: first commit along the lineage */
} lin_state;

/* One path met in the history: its last blob and the last commit that had it. */
typedef struct path_rec {
    size_t name; /* offset in the name arena */
    uint64_t hash;
    git_oid blob;
    uint32_t seq;     /* last commit whose tree holds it */
    uint32_t renamed; /* the path its file continued under (index + 1) when its last deletion
                         was a rename, else 0: then it names no document of its own */
    uint8_t at_rev;   /* in REV's tree */
    uint8_t present;  /* last change was an add or modify (not a deletion) */
    uint8_t ling;     /* what .gitattributes say of it (path_rules), 0 until looked up */
} path_rec;

/* One document to emit. */
typedef struct doc_rec {
    size_t name;      /* offset in the name arena */
    uint32_t blob;    /* index in blobs */
    uint32_t seq;     /* commit the locator points at */
    uint8_t reason;   /* skip reason found when first read (R_NONE: emitted) */
    uint8_t read;     /* content rules applied */
    uint8_t flags;    /* B_INCLUDED, B_JSCSS for its own path */
    uint64_t nk;      /* k-grams (scratch slots when several passes) */
    uint64_t scratch; /* first scratch slot */
} doc_rec;

/* Open-addressing table of indices + 1 (0 = empty) into an array kept elsewhere. */
typedef struct idx_table {
    uint32_t *slot;
    size_t mask, n;
} idx_table;

/* Document fingerprints -> first commit. val: 0 an empty slot, V_UNSET a document
 * fingerprint not yet met in the history, else the first commit's sequence number + 1. */
typedef struct fp_entry {
    uint64_t fp;
    uint32_t val;
    uint32_t pad;
} fp_entry;

typedef struct fp_table {
    fp_entry *slot;
    size_t mask, n;
} fp_table;

/* A commit's credit, built for the sink: owns its strings. */
typedef struct origin_buf {
    git_signature *author;
    char hex[GIT_OID_HEXSZ + 1];
    pv_person co[16];
    char *costr[16];
    size_t nco;
    pv_origin_in in;
} origin_buf;

/* The first writer of a line (DESIGN.md): the first commit, oldest first, that added a line
 * with the same whitespace-free text anywhere in the repository, ignore-revs aside. Kept for
 * the distinctive lines of the documents: FW_MIN_CHARS non-whitespace bytes or more, their
 * whitespace-free text a line of exactly one document at REV (an idiom met in several places
 * has no single first writer). key 0: an empty slot. */
typedef struct fw_entry {
    uint64_t key;   /* hash of the line's bytes without whitespace (never 0) */
    uint32_t count; /* lines of documents at REV holding it */
    uint32_t first; /* the first commit that added it, or SEQ_NONE */
} fw_entry;

typedef struct fw_table {
    fw_entry *slot;
    size_t mask, n, cap_bytes;
    int full;  /* cap_bytes reached: lines met after that keep their line history */
    int built; /* the documents' lines are in */
} fw_table;

/* State of one pv_git__read call. */
typedef struct gitrd {
    const char *path;
    const pv_reader_opts *o;
    const pv_sink *sink;
    pv_reader_stats *st;
    pv_err *err;
    uint32_t k;
    size_t memory;

    git_repository *repo;
    git_odb *odb;
    git_mailmap *mailmap;
    git_oid rev;      /* REV's commit */
    uint32_t rev_seq; /* its sequence number */
    char *license;    /* the repository's license (SPDX) or NULL */
    int attrs;        /* REV has a .gitattributes at its root */

    pv_patterns ex, in; /* --exclude, --include */

    git_oid *commits; /* by sequence number */
    size_t ncommits, commits_cap;
    uint32_t *origin_id; /* by sequence number: id from sink->origin, or SEQ_NONE */
    idx_table commit_ix;

    blob_rec *blobs;
    size_t nblobs, blobs_cap;
    idx_table blob_ix;
    uint32_t *order; /* blobs to read, oldest first */
    size_t norder, order_cap;
    uint32_t (*xpar)[2]; /* (blob, parent) for the other parents of blobs made by merges */
    size_t nxpar, xpar_cap;
    git_tree **others; /* while a merge is walked: its other parents' trees */
    size_t nothers;
    size_t orphans, deletions; /* in the commit being walked: files at new paths, files
                                  deleted */

    path_rec *paths;
    size_t npaths, paths_cap;
    idx_table path_ix;
    pv_buf names; /* NUL-terminated names */

    doc_rec *docs;
    size_t ndocs, docs_cap;

    fp_table fp;
    unsigned pshift; /* partition = fp >> pshift (64: one partition) */
    uint32_t nparts;
    uint32_t *scratch; /* per document k-gram first commits, when several passes */
    size_t scratch_len;

    pv_buf path_buf; /* path being walked */
    pv_tokens tok, tok2;
    uint64_t *kg;
    size_t kg_cap;
    uint32_t *seqs; /* make_runs' working arrays */
    size_t seqs_cap;
    pv_run_in *runs;
    size_t runs_cap;
    unsigned char *vers; /* emit_doc: the document's blob ids (pv_doc_in.blobs) */
    size_t vers_cap;

    lin_state **lin; /* by blob index, while needed */
    size_t lin_bytes, lin_cap;
    uint64_t lin_dropped;     /* versions whose lines did not fit in lin_cap */
    uint64_t *lkey, *ltkey;   /* the blob being read: line keys (exact, tokens), */
    uint32_t *lntok;          /* tokens, */
    uint32_t *lorig, *lstart; /* origins, starts, */
    uint8_t *lbytok;          /* origin taken from a parent line with the same tokens, not the
                                 same bytes (another parent's line with the same bytes wins) */
    uint8_t *ignored;         /* by sequence number: the commit never takes credit (ignore-revs) */
    git_oid *ign;             /* the ignore-revs resolved before the walk */
    size_t nign, nign_cap;
    struct tk_line *tsort; /* match_hunk: a hunk's old lines by token key */
    size_t tsort_cap;
    size_t lines_cap;
    git_diff_hunk *hunks;
    size_t nhunks, hunks_cap;
    pv_buf dold, dnew; /* line keys as text for xdiff */

    /* history boundaries (o->since, a shallow clone): sequence SEQ_BEFORE is not a commit but
     * the text that already existed there */
    int bounded;         /* o->since is set or the repository is shallow */
    int64_t before_date; /* the newest boundary met (PV_DATE_UNKNOWN: none) */
    git_oid *shallow;    /* a shallow clone's boundary commits (.git/shallow), sorted */
    size_t nshallow;
    uint8_t *trailers_read; /* by sequence number: the commit's trailers were checked */

    fw_table fw; /* distinctive lines of the documents: their first writers (first_writers) */
} gitrd;

/* ---- small helpers --------------------------------------------------------------------- */

static const char *git_msg(void)
{
    const git_error *e = git_error_last();
    return e && e->message ? e->message : "unknown error";
}

/* Lets the sink show progress (commits walked, blobs read, bytes) during the long walk. */
static void tick(gitrd *g)
{
    if (g->sink->tick)
        g->sink->tick(g->sink->ctx);
}

static int nomem(gitrd *g)
{
    return pv_err__set(g->err, PV_ENOMEM, "%s: out of memory", g->path);
}

/* A bad object, by the readers' one policy (pv_source__bad): counted and reported, or with
 * strict the error. */
static int bad_object(gitrd *g, const char *what, const git_oid *id, const char *msg)
{
    char hex[GIT_OID_HEXSZ + 1];
    git_oid_tostr(hex, sizeof hex, id);
    return pv_source__bad(g->o, g->st, g->err, "%s: cannot read %s %s: %s", g->path, what, hex,
                          msg);
}

static uint64_t oid_hash(const git_oid *id)
{
    return pv_load64(id->id);
}

static int grow(void *pp, size_t *cap, size_t need, size_t elem)
{
    return need > *cap ? pv_array__grow((void **)pp, cap, need, elem) : 0;
}

/* ---- index tables ---------------------------------------------------------------------- */

static int idx_init(idx_table *t, size_t cap)
{
    size_t n = 64;
    while (n < cap * 2)
        n *= 2;
    t->slot = calloc(n, sizeof *t->slot);
    if (!t->slot)
        return PV_ENOMEM;
    t->mask = n - 1;
    t->n = 0;
    return 0;
}

static void idx_free(idx_table *t)
{
    free(t->slot);
    memset(t, 0, sizeof *t);
}

/* Doubles t; hash_of(g, index) gives each stored index's hash again. */
static int idx_grow(idx_table *t, uint64_t (*hash_of)(const gitrd *, uint32_t), const gitrd *g)
{
    size_t n = (t->mask + 1) * 2;
    uint32_t *s = calloc(n, sizeof *s);
    if (!s)
        return PV_ENOMEM;
    for (size_t i = 0; i <= t->mask; i++) {
        uint32_t v = t->slot[i];
        size_t j;
        if (!v)
            continue;
        j = pv_mix64(hash_of(g, v - 1)) & (n - 1);
        while (s[j])
            j = (j + 1) & (n - 1);
        s[j] = v;
    }
    free(t->slot);
    t->slot = s;
    t->mask = n - 1;
    return 0;
}

static uint64_t blob_hash_of(const gitrd *g, uint32_t i)
{
    return oid_hash(&g->blobs[i].id);
}

static uint64_t commit_hash_of(const gitrd *g, uint32_t i)
{
    return oid_hash(&g->commits[i]);
}

static uint64_t path_hash_of(const gitrd *g, uint32_t i)
{
    return g->paths[i].hash;
}

/* The slot of id in the blob index: holds its index + 1, or 0 where it would go. */
static uint32_t *blob_slot(gitrd *g, const git_oid *id)
{
    idx_table *t = &g->blob_ix;
    size_t j = pv_mix64(oid_hash(id)) & t->mask;
    while (t->slot[j] && !git_oid_equal(&g->blobs[t->slot[j] - 1].id, id))
        j = (j + 1) & t->mask;
    return &t->slot[j];
}

static uint32_t *commit_slot(gitrd *g, const git_oid *id)
{
    idx_table *t = &g->commit_ix;
    size_t j = pv_mix64(oid_hash(id)) & t->mask;
    while (t->slot[j] && !git_oid_equal(&g->commits[t->slot[j] - 1], id))
        j = (j + 1) & t->mask;
    return &t->slot[j];
}

static uint32_t *path_slot(gitrd *g, const char *name, size_t len, uint64_t h)
{
    idx_table *t = &g->path_ix;
    size_t j = pv_mix64(h) & t->mask;
    for (;;) {
        uint32_t v = t->slot[j];
        if (!v)
            return &t->slot[j];
        if (g->paths[v - 1].hash == h) {
            const char *s = g->names.data + g->paths[v - 1].name;
            if (strncmp(s, name, len) == 0 && s[len] == '\0')
                return &t->slot[j];
        }
        j = (j + 1) & t->mask;
    }
}

/* ---- fingerprint table ----------------------------------------------------------------- */

static int fp_init(fp_table *t, size_t slots)
{
    size_t n = FP_MIN_SLOTS;
    while (n < slots)
        n *= 2;
    t->slot = calloc(n, sizeof *t->slot);
    if (!t->slot)
        return PV_ENOMEM;
    t->mask = n - 1;
    t->n = 0;
    return 0;
}

static void fp_free(fp_table *t)
{
    free(t->slot);
    memset(t, 0, sizeof *t);
}

/* Bytes a table of n slots takes. */
static size_t fp_bytes(size_t slots)
{
    return slots * sizeof(fp_entry);
}

/* Adds fp (not yet met in the history) unless it is there. The caller grows the table
 * before it is half full. */
static void fp_insert(fp_table *t, uint64_t fp)
{
    size_t j = fp & t->mask;
    for (;;) {
        fp_entry *e = &t->slot[j];
        if (!e->val) {
            e->fp = fp;
            e->val = V_UNSET;
            t->n++;
            return;
        }
        if (e->fp == fp)
            return;
        j = (j + 1) & t->mask;
    }
}

static int fp_grow(fp_table *t)
{
    fp_table u;
    if (fp_init(&u, (t->mask + 1) * 2))
        return PV_ENOMEM;
    for (size_t i = 0; i <= t->mask; i++) {
        const fp_entry *e = &t->slot[i];
        size_t j;
        if (!e->val)
            continue;
        j = e->fp & u.mask;
        while (u.slot[j].val)
            j = (j + 1) & u.mask;
        u.slot[j] = *e;
        u.n++;
    }
    free(t->slot);
    *t = u;
    return 0;
}

/* The first commit of fp + 1 (V_UNSET when not met, 0 when not a document fingerprint). */
static uint32_t fp_get(const fp_table *t, uint64_t fp)
{
    size_t j = fp & t->mask;
    for (;;) {
        const fp_entry *e = &t->slot[j];
        if (!e->val || e->fp == fp)
            return e->val;
        j = (j + 1) & t->mask;
    }
}

#if defined(__GNUC__)
#define PREFETCH_W(p) __builtin_prefetch((p), 1, 1)
#else
#define PREFETCH_W(p) ((void)(p))
#endif

/* The hot loop: every k-gram of a history blob sets the first commit of the document
 * fingerprints it meets (blobs come oldest first, so the first set is the minimum). The
 * probe for fp[i + PREFETCH] is prefetched while fp[i] is resolved. Returns how many were
 * set. */
static size_t fp_mark(fp_table *t, const uint64_t *fp, size_t n, uint32_t seq, unsigned pshift,
                      uint32_t part)
{
    const uint32_t val = seq + 1;
    const size_t mask = t->mask;
    fp_entry *slot = t->slot;
    size_t set = 0;
    for (size_t i = 0; i < n; i++) {
        const uint64_t h = fp[i];
        size_t j;
        if (i + PREFETCH < n)
            PREFETCH_W(&slot[fp[i + PREFETCH] & mask]);
        if (pshift < 64 && (uint32_t)(h >> pshift) != part)
            continue;
        for (j = h & mask;; j = (j + 1) & mask) {
            fp_entry *e = &slot[j];
            if (!e->val)
                break;
            if (e->fp == h) {
                if (e->val == V_UNSET) {
                    e->val = val;
                    set++;
                }
                break;
            }
        }
    }
    return set;
}

/* ---- path rules ------------------------------------------------------------------------ */

static int ends_with(const char *s, size_t len, const char *suffix)
{
    size_t n = strlen(suffix);
    return len >= n && strncasecmp(s + len - n, suffix, n) == 0;
}

/* Whether a folder of path is a vendored one (vendor/, node_modules/, third_party/,
 * bower_components/). */
static int vendored(const char *path, size_t len)
{
    static const char *const names[] = {"vendor", "node_modules", "third_party",
                                        "bower_components"};
    const char *p = path, *end = path + len;
    for (;;) {
        const char *slash = memchr(p, '/', (size_t)(end - p));
        if (!slash)
            return 0;
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
            if ((size_t)(slash - p) == strlen(names[i]) &&
                memcmp(p, names[i], strlen(names[i])) == 0)
                return 1;
        p = slash + 1;
    }
}

/* Whether an attribute is set: "name" or "name=true" (as Linguist reads them). */
static int attr_true(const char *v)
{
    return GIT_ATTR_IS_TRUE(v) || (GIT_ATTR_HAS_VALUE(v) && strcmp(v, "true") == 0);
}

/* What the repository's .gitattributes at REV say of path (GitHub's Linguist attributes):
 * R_GENERATED for linguist-generated, R_VENDORED for linguist-vendored, else R_NONE. Paths
 * must be NUL-terminated. */
static int linguist(gitrd *g, const char *path)
{
    static const char *const names[] = {"linguist-generated", "linguist-vendored"};
    const char *v[2] = {NULL, NULL};
    git_attr_options ao;

    if (!g->attrs)
        return R_NONE;
    memset(&ao, 0, sizeof ao);
    ao.version = GIT_ATTR_OPTIONS_VERSION;
    ao.flags = GIT_ATTR_CHECK_INDEX_ONLY | GIT_ATTR_CHECK_NO_SYSTEM | GIT_ATTR_CHECK_INCLUDE_COMMIT;
    ao.attr_commit_id = g->rev;
    if (git_attr_get_many_ext(v, g->repo, &ao, path, 2, (const char **)names) != 0) {
        git_error_clear();
        return R_NONE;
    }
    if (attr_true(v[0]))
        return R_GENERATED;
    if (attr_true(v[1]))
        return R_VENDORED;
    return R_NONE;
}

/* What the path alone says about a file: a skip reason (R_EXCLUDED, R_VENDORED,
 * R_MINIFIED for *.min.js / *.min.css, or what linguist() says, cached in *ling: 0 not known
 * yet, else the reason + 1) or R_NONE, and the flags its content rules need. */
static int path_rules(gitrd *g, const char *path, size_t len, uint8_t *ling, int *reason,
                      uint8_t *flags)
{
    int hit, rc;
    *reason = R_NONE;
    *flags = 0;
    if (ends_with(path, len, ".js") || ends_with(path, len, ".css"))
        *flags |= B_JSCSS;
    if ((rc = pv_patterns__match(&g->in, path, len, &hit, g->err)) != 0)
        return rc;
    if (hit) {
        *flags |= B_INCLUDED;
        return 0;
    }
    if ((rc = pv_patterns__match(&g->ex, path, len, &hit, g->err)) != 0)
        return rc;
    if (hit)
        *reason = R_EXCLUDED;
    else if (vendored(path, len))
        *reason = R_VENDORED;
    else if (ends_with(path, len, ".min.js") || ends_with(path, len, ".min.css"))
        *reason = R_MINIFIED;
    else {
        if (!*ling) /* looked up once per path */
            *ling = (uint8_t)(linguist(g, path) + 1);
        *reason = *ling - 1;
    }
    return 0;
}

/* Whether the first GENERATED_LINES lines say the file is generated. */
static int says_generated(const char *text, size_t len)
{
    static const char *const marks[] = {"generated by", "do not edit", "@generated",
                                        "autogenerated"};
    char head[GENERATED_BYTES + 1];
    size_t n = 0, lines = 0;
    while (n < len && n < GENERATED_BYTES) {
        unsigned char c = (unsigned char)text[n];
        if (c == '\n' && ++lines == GENERATED_LINES)
            break;
        head[n++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c == '\0' ? ' ' : c);
    }
    head[n] = '\0';
    for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++)
        if (strstr(head, marks[i]))
            return 1;
    return 0;
}

/* Whether text looks binary: a NUL byte in the first SNIFF_BYTES, or what git calls binary
 * there (more than one non-printable byte in 128 printable ones). */
static int looks_binary(const unsigned char *text, size_t len)
{
    size_t n = len < SNIFF_BYTES ? len : SNIFF_BYTES, printable = 0, other = 0;
    if (memchr(text, '\0', n))
        return 1;
    /* bit c: byte c < 32 is non-printable (all but \b \t \n \f \r ESC); so is DEL */
    const uint32_t ctl = ~(uint32_t)((1u << '\b') | (1u << '\t') | (1u << '\n') | (1u << '\f') |
                                     (1u << '\r') | (1u << 27));
    for (size_t i = 0; i < n; i++) {
        const unsigned c = text[i];
        other += (c == 127) | ((c < 32) & (ctl >> (c & 31)));
    }
    printable = n - other;
    return (printable >> 7) < other;
}

/* Whether a line is longer than MINIFIED_LINE bytes. */
static int long_line(const char *text, size_t len)
{
    const char *p = text, *end = text + len;
    while ((size_t)(end - p) > MINIFIED_LINE) {
        const char *nl = memchr(p, '\n', MINIFIED_LINE + 1);
        if (!nl)
            return 1;
        p = nl + 1;
    }
    return 0;
}

/* The content rules for a blob read under flags: a skip reason or R_NONE. */
static int content_rules(const gitrd *g, const char *text, size_t len, uint8_t flags)
{
    if (looks_binary((const unsigned char *)text, len))
        return R_BINARY;
    if ((g->o->max_doc_size && len > g->o->max_doc_size) || len > UINT32_MAX)
        return R_LARGE;
    if (flags & B_INCLUDED)
        return R_NONE;
    if (says_generated(text, len))
        return R_GENERATED;
    if ((flags & B_JSCSS) && long_line(text, len))
        return R_MINIFIED;
    return R_NONE;
}

/* What a skip reason is, for a note. */
static const char *reason_name(int reason)
{
    switch (reason) {
    case R_BINARY:
        return "binary";
    case R_LARGE:
        return "larger than --max-file-size";
    case R_EXCLUDED:
        return "excluded by --exclude";
    case R_VENDORED:
        return "vendored (a vendor folder or .gitattributes linguist-vendored)";
    case R_GENERATED:
        return "generated";
    case R_EMPTY:
        return "no tokens";
    case R_MINIFIED:
        return "minified";
    default:
        return "by rule";
    }
}

static void count_skip(pv_reader_stats *st, int reason, int delta)
{
    uint64_t *c = NULL;
    switch (reason) {
    case R_BINARY:
        c = &st->skipped_binary;
        break;
    case R_LARGE:
        c = &st->skipped_large;
        break;
    case R_EXCLUDED:
        c = &st->skipped_excluded;
        break;
    case R_VENDORED:
    case R_MINIFIED:
        c = &st->skipped_vendored;
        break;
    case R_GENERATED:
        c = &st->skipped_generated;
        break;
    case R_EMPTY:
        c = &st->skipped_empty;
        break;
    default:
        return;
    }
    *c += (uint64_t)delta;
    st->skipped += (uint64_t)delta;
}

/* ---- the repository's name and license ------------------------------------------------- */

/* The remote URL url as https://host/owner/name: scp-like "git@host:owner/name.git",
 * ssh://, git://, http(s):// with user and port dropped, ".git" and trailing "/" cut. Any
 * other URL (a local path) is kept as it is. Returns a malloc'ed string or NULL. */
static char *normalise_url(const char *url)
{
    const char *host, *rest, *p;
    size_t hlen, rlen;
    char *out;

    if ((p = strstr(url, "://")) != NULL) {
        const char *scheme_end = p;
        if (!((scheme_end - url == 3 && strncmp(url, "ssh", 3) == 0) ||
              (scheme_end - url == 3 && strncmp(url, "git", 3) == 0) ||
              (scheme_end - url == 4 && strncmp(url, "http", 4) == 0) ||
              (scheme_end - url == 5 && strncmp(url, "https", 5) == 0) ||
              (scheme_end - url == 7 && strncmp(url, "git+ssh", 7) == 0)))
            return strdup(url);
        host = p + 3;
        rest = strchr(host, '/');
        if (!rest)
            return strdup(url);
        hlen = (size_t)(rest - host);
        rest++;
    } else {
        const char *colon = strchr(url, ':');
        const char *slash = strchr(url, '/');
        if (!colon || (slash && slash < colon) || colon == url)
            return strdup(url);
        host = url;
        hlen = (size_t)(colon - url);
        rest = colon + 1;
    }
    /* drop user@ and :port */
    p = memchr(host, '@', hlen);
    if (p) {
        hlen -= (size_t)(p + 1 - host);
        host = p + 1;
    }
    p = memchr(host, ':', hlen);
    if (p)
        hlen = (size_t)(p - host);
    while (*rest == '/')
        rest++;
    rlen = strlen(rest);
    while (rlen && rest[rlen - 1] == '/')
        rlen--;
    if (rlen >= 4 && strncmp(rest + rlen - 4, ".git", 4) == 0)
        rlen -= 4;
    if (!hlen || !rlen)
        return strdup(url);
    out = malloc(8 + hlen + 1 + rlen + 1);
    if (!out)
        return NULL;
    memcpy(out, "https://", 8);
    for (size_t i = 0; i < hlen; i++) /* host names are case-insensitive */
        out[8 + i] = (char)(host[i] >= 'A' && host[i] <= 'Z' ? host[i] + 32 : host[i]);
    out[8 + hlen] = '/';
    memcpy(out + 9 + hlen, rest, rlen);
    out[9 + hlen + rlen] = '\0';
    return out;
}

/* The base name of a folder path, without trailing "/" and ".git". */
static char *dir_name(const char *dir)
{
    size_t len = strlen(dir), b;
    while (len > 1 && dir[len - 1] == '/')
        len--;
    b = len;
    while (b > 0 && dir[b - 1] != '/')
        b--;
    if (len - b > 4 && strncmp(dir + len - 4, ".git", 4) == 0)
        len -= 4;
    if (len - b == 4 && strncmp(dir + b, ".git", 4) == 0 && b > 1) {
        /* a ".git" folder: its parent names the repository */
        len = b - 1;
        b = len;
        while (b > 0 && dir[b - 1] != '/')
            b--;
    }
    char *out = malloc(len - b + 1);
    if (out) {
        memcpy(out, dir + b, len - b);
        out[len - b] = '\0';
    }
    return out;
}

/* Names the source: o->origin_name, else the origin remote's URL normalised, else the
 * repository's folder. The URL is read from the configuration, not through git_remote_lookup,
 * which leaks PCRE2 match data in libgit2 1.5.1 (libgit2 pull request 6382). */
static int name_source(gitrd *g)
{
    git_config *cfg = NULL;
    git_buf url = GIT_BUF_INIT;
    char *name = NULL;
    int rc = 0;

    if (!g->sink->source)
        return 0;
    if (g->o->origin_name) {
        name = strdup(g->o->origin_name);
    } else if (git_repository_config_snapshot(&cfg, g->repo) == 0 &&
               git_config_get_string_buf(&url, cfg, "remote.origin.url") == 0 && url.ptr &&
               *url.ptr) {
        name = normalise_url(url.ptr);
    } else {
        const char *wd = git_repository_workdir(g->repo);
        name = dir_name(wd ? wd : git_repository_path(g->repo));
    }
    git_error_clear();
    if (!name) {
        rc = nomem(g);
        goto done;
    }
    rc = g->sink->source(g->sink->ctx, name, "git");
done:
    git_buf_dispose(&url);
    git_config_free(cfg);
    free(name);
    return rc;
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The repository's license from the license files in REV's root: the recognized ids, sorted
 * and joined with " OR "; "NOASSERTION" when license files exist but none is recognized;
 * NULL when there is none. */
static int repo_license(gitrd *g, const git_tree *root)
{
    const char *ids[16];
    size_t nids = 0, nfiles = 0;
    pv_buf b = PV_BUF_INIT(4096);
    int rc = 0;

    for (size_t i = 0; i < git_tree_entrycount(root); i++) {
        const git_tree_entry *e = git_tree_entry_byindex(root, i);
        git_blob *blob = NULL;
        const char *id;
        size_t j;
        if (git_tree_entry_type(e) != GIT_OBJECT_BLOB ||
            !pv_scanner__license_file_name(git_tree_entry_name(e), 1))
            continue;
        nfiles++;
        if (git_blob_lookup(&blob, g->repo, git_tree_entry_id(e)) != 0) {
            if ((rc = bad_object(g, "blob", git_tree_entry_id(e), git_msg())) != 0)
                goto done;
            continue;
        }
        id = pv_scanner__license_of_text(git_blob_rawcontent(blob),
                                         (size_t)git_blob_rawsize(blob) < LICENSE_READ_MAX
                                             ? (size_t)git_blob_rawsize(blob)
                                             : LICENSE_READ_MAX);
        git_blob_free(blob);
        if (!id)
            continue;
        for (j = 0; j < nids && strcmp(ids[j], id) != 0; j++)
            ;
        if (j == nids && nids < sizeof ids / sizeof ids[0])
            ids[nids++] = id;
    }
    if (!nfiles)
        goto done;
    if (!nids) {
        if (!(g->license = strdup("NOASSERTION")))
            rc = nomem(g);
        goto done;
    }
    qsort(ids, nids, sizeof *ids, cmp_cstr);
    for (size_t i = 0; i < nids; i++)
        if ((i && pv_buf__append(&b, " OR ", 4)) || pv_buf__append(&b, ids[i], strlen(ids[i]))) {
            rc = nomem(g);
            goto done;
        }
    if (pv_buf__append(&b, "", 1)) {
        rc = nomem(g);
        goto done;
    }
    g->license = b.data;
    b.data = NULL;
done:
    pv_buf__free(&b);
    return rc;
}

/* The mailmap: REV's .mailmap when it has one, else what libgit2 finds for the repository
 * (the work tree's .mailmap, mailmap.file, mailmap.blob). */
static int load_mailmap(gitrd *g, const git_tree *root)
{
    const git_tree_entry *e = git_tree_entry_byname(root, ".mailmap");
    git_blob *blob = NULL;
    int rc;

    if (e && git_tree_entry_type(e) == GIT_OBJECT_BLOB &&
        git_blob_lookup(&blob, g->repo, git_tree_entry_id(e)) == 0) {
        rc = git_mailmap_from_buffer(&g->mailmap, git_blob_rawcontent(blob),
                                     (size_t)git_blob_rawsize(blob));
        git_blob_free(blob);
    } else {
        rc = git_mailmap_from_repository(&g->mailmap, g->repo);
    }
    if (rc) { /* a broken mailmap costs merged identities, not the repository */
        pv_source__diag(g->o, PV_WARNING, "%s: .mailmap ignored: %s", g->path, git_msg());
        g->mailmap = NULL;
    }
    git_error_clear();
    return 0;
}

/* ---- ignore-revs: commits that never take credit ------------------------------------- */

/* Adds the commit name resolves to (git_revparse_single) to the commits that never take
 * credit; a name that does not resolve here is noted and skipped. where: what named it. */
static int ignore_name(gitrd *g, const char *name, const char *where)
{
    git_object *obj = NULL, *c = NULL;
    int rc = 0;
    if (git_revparse_single(&obj, g->repo, name) != 0 ||
        git_object_peel(&c, obj, GIT_OBJECT_COMMIT) != 0) {
        pv_source__diag(g->o, PV_NOTE, "%s: %s: '%s' is not a commit here: not ignored", g->path,
                        where, name);
    } else if (grow(&g->ign, &g->nign_cap, g->nign + 1, sizeof *g->ign)) {
        rc = nomem(g);
    } else {
        g->ign[g->nign++] = *git_object_id(c);
    }
    git_error_clear();
    git_object_free(c);
    git_object_free(obj);
    return rc;
}

/* The commits listed in text (git's blame.ignoreRevsFile format: one full object name per
 * line, '#' starting a comment, blank lines allowed), named where. A bad line is an error
 * (PV_EINVAL: an option given by the user) when user is set, else a warning. */
static int ignore_list(gitrd *g, const char *text, size_t len, const char *where, int user)
{
    const char *p = text, *end = text + len;
    int rc = 0;
    for (size_t line = 1; p < end && !rc; line++) {
        const char *e = memchr(p, '\n', (size_t)(end - p)), *hash, *a = p, *b;
        char name[GIT_OID_HEXSZ + 1];
        size_t n;
        if (!e)
            e = end;
        b = (hash = memchr(a, '#', (size_t)(e - a))) != NULL ? hash : e;
        p = e + 1;
        while (a < b && strchr(" \t\r\f\v", *a))
            a++;
        while (b > a && strchr(" \t\r\f\v", b[-1]))
            b--;
        if (a == b)
            continue;
        n = (size_t)(b - a);
        for (size_t i = 0; i < n && n == GIT_OID_HEXSZ; i++)
            if (!strchr("0123456789abcdefABCDEF", a[i]) || !a[i])
                n = 0;
        if (n != GIT_OID_HEXSZ) {
            if (user)
                return pv_err__set(g->err, PV_EINVAL, "%s:%zu: not a full object name: '%.*s'",
                                   where, line, (int)(b - a > 80 ? 80 : b - a), a);
            pv_source__diag(g->o, PV_WARNING, "%s: %s:%zu: not a full object name: ignored",
                            g->path, where, line);
            continue;
        }
        memcpy(name, a, n);
        name[n] = '\0';
        rc = ignore_name(g, name, where);
    }
    return rc;
}

/* Gathers the commits that never take credit: those of the repository's .git-blame-ignore-revs
 * at REV, of o->ignore_revs_file and o->ignore_revs. An unreadable ignore_revs_file is an
 * error (PV_EINVAL). */
static int load_ignore_revs(gitrd *g, const git_tree *root)
{
    const git_tree_entry *e = git_tree_entry_byname(root, ".git-blame-ignore-revs");
    git_blob *blob = NULL;
    int rc = 0;

    if (e && git_tree_entry_type(e) == GIT_OBJECT_BLOB &&
        git_blob_lookup(&blob, g->repo, git_tree_entry_id(e)) == 0)
        rc = ignore_list(g, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob),
                         ".git-blame-ignore-revs", 0);
    git_blob_free(blob);
    git_error_clear();
    if (!rc && g->o->ignore_revs_file) {
        const char *fn = g->o->ignore_revs_file;
        FILE *f = (errno = 0, fopen(fn, "rb"));
        char *text = f ? malloc(IGNORE_FILE_MAX) : NULL;
        size_t n = text ? fread(text, 1, IGNORE_FILE_MAX, f) : 0;
        if (!f || !text || ferror(f))
            rc = pv_err__set(g->err, PV_EINVAL, "cannot read ignore-revs file '%s': %s", fn,
                             f && !text ? "out of memory" : strerror(errno ? errno : EIO));
        else if (n == IGNORE_FILE_MAX)
            rc = pv_err__set(g->err, PV_EINVAL, "ignore-revs file '%s' is larger than %zu MiB", fn,
                             IGNORE_FILE_MAX >> 20);
        else
            rc = ignore_list(g, text, n, fn, 1);
        free(text);
        if (f)
            fclose(f);
    }
    for (size_t i = 0; i < g->o->nignore_revs && !rc; i++)
        rc = ignore_name(g, g->o->ignore_revs[i], "--ignore-rev");
    return rc;
}

/* After the walk: marks the walked commits that never take credit, and counts them. */
static int mark_ignored(gitrd *g)
{
    if (!g->nign || !g->ncommits)
        return 0;
    if (!(g->ignored = calloc(g->ncommits, 1)))
        return nomem(g);
    for (size_t i = 0; i < g->nign; i++) {
        const uint32_t v = *commit_slot(g, &g->ign[i]);
        if (v && !g->ignored[v - 1]) {
            g->ignored[v - 1] = 1;
            g->st->ignored_commits++;
        }
    }
    return 0;
}

/* ---- the history walk: commits, new blobs, paths --------------------------------------- */

/* Appends name to the arena; *off receives its offset. */
static int add_name(gitrd *g, const char *name, size_t len, size_t *off)
{
    *off = g->names.len;
    if (pv_buf__append(&g->names, name, len) || pv_buf__append(&g->names, "", 1))
        return nomem(g);
    return 0;
}

/* The path record of the path being walked (g->path_buf), added when new. */
static int path_at(gitrd *g, path_rec **out)
{
    const char *name = g->path_buf.data;
    const size_t len = g->path_buf.len;
    const uint64_t h = pv_hash64(name, len, 0);
    uint32_t *slot;
    path_rec *p;
    int rc;

    if ((g->path_ix.n + 1) * 2 > g->path_ix.mask + 1 && idx_grow(&g->path_ix, path_hash_of, g) != 0)
        return nomem(g);
    slot = path_slot(g, name, len, h);
    if (!*slot) {
        if (grow(&g->paths, &g->paths_cap, g->npaths + 1, sizeof *g->paths))
            return nomem(g);
        p = &g->paths[g->npaths];
        memset(p, 0, sizeof *p);
        if ((rc = add_name(g, name, len, &p->name)) != 0)
            return rc;
        p->hash = h;
        *slot = (uint32_t)++g->npaths;
        g->path_ix.n++;
    }
    *out = &g->paths[*slot - 1];
    return 0;
}

static int is_file(const git_tree_entry *e)
{
    git_filemode_t m = git_tree_entry_filemode(e);
    return m == GIT_FILEMODE_BLOB || m == GIT_FILEMODE_BLOB_EXECUTABLE;
}

static int is_tree(const git_tree_entry *e)
{
    return git_tree_entry_filemode(e) == GIT_FILEMODE_TREE;
}

/* Notes that blob bi's lines may come from blob parent (SEQ_NONE: none). */
static int add_parent(gitrd *g, uint32_t bi, uint32_t parent, int first)
{
    if (parent == SEQ_NONE || parent == bi)
        return 0;
    g->blobs[parent].refs++;
    if (first) {
        g->blobs[bi].parent = parent;
        return 0;
    }
    if (grow(&g->xpar, &g->xpar_cap, g->nxpar + 1, sizeof *g->xpar))
        return nomem(g);
    g->xpar[g->nxpar][0] = bi;
    g->xpar[g->nxpar++][1] = parent;
    return 0;
}

/* The index of a known blob, or SEQ_NONE. */
static uint32_t blob_index(gitrd *g, const git_oid *id)
{
    uint32_t v = id ? *blob_slot(g, id) : 0;
    return v ? v - 1 : SEQ_NONE;
}

/* The parents of the new blob bi at the walked path: old (the first parent's version, or
 * NULL) and, in a merge, the versions at the same path in the other parents. */
static int blob_parents(gitrd *g, uint32_t bi, const git_oid *old)
{
    int rc = add_parent(g, bi, blob_index(g, old), 1);
    for (size_t i = 0; i < g->nothers && !rc; i++) {
        git_tree_entry *e = NULL;
        if (git_tree_entry_bypath(&e, g->others[i], g->path_buf.data) == 0 && is_file(e))
            rc = add_parent(g, bi, blob_index(g, git_tree_entry_id(e)), 0);
        git_tree_entry_free(e);
        git_error_clear();
    }
    return rc;
}

/* A blob met at the walked path (replacing old there, or NULL) in commit seq: added to the
 * blobs (read later, oldest first) unless it is known; a blob skipped by the rules of the path
 * it was met at is taken when it shows up at a path whose rules let it through. */
static int blob_met(gitrd *g, path_rec *p, const git_oid *id, const git_oid *old, uint32_t seq)
{
    uint32_t *slot;
    uint8_t flags;
    int reason, rc;
    blob_rec *b;

    if ((g->blob_ix.n + 1) * 2 > g->blob_ix.mask + 1 && idx_grow(&g->blob_ix, blob_hash_of, g) != 0)
        return nomem(g);
    slot = blob_slot(g, id);
    if (*slot && !(g->blobs[*slot - 1].flags & B_SKIP_MASK))
        return 0;
    if ((rc = path_rules(g, g->path_buf.data, g->path_buf.len, &p->ling, &reason, &flags)) != 0)
        return rc;
    if (*slot) {
        b = &g->blobs[*slot - 1];
        if (reason)
            return 0;
        count_skip(g->st, b->flags & B_SKIP_MASK, -1);
        g->st->records--;
    } else {
        if (g->nblobs >= UINT32_MAX - 1)
            return pv_err__set(g->err, PV_ELIMIT, "%s: too many blobs", g->path);
        if (grow(&g->blobs, &g->blobs_cap, g->nblobs + 1, sizeof *g->blobs))
            return nomem(g);
        b = &g->blobs[g->nblobs];
        memset(b, 0, sizeof *b);
        b->id = *id;
        *slot = (uint32_t)++g->nblobs;
        g->blob_ix.n++;
    }
    b->seq = seq;
    b->parent = SEQ_NONE;
    b->flags = (uint16_t)(flags | reason);
    if (reason) {
        /* not read: counted here as a record skipped by rule */
        count_skip(g->st, reason, 1);
        g->st->records++;
        return 0;
    }
    if (grow(&g->order, &g->order_cap, g->norder + 1, sizeof *g->order))
        return nomem(g);
    g->order[g->norder++] = (uint32_t)(b - g->blobs);
    return blob_parents(g, (uint32_t)(b - g->blobs), old);
}

/* A file added or changed (from old, or NULL) at the walked path in commit seq. */
static int file_added(gitrd *g, const git_oid *id, const git_oid *old, uint32_t seq)
{
    path_rec *p;
    int rc = path_at(g, &p);
    if (rc)
        return rc;
    p->blob = *id;
    p->seq = seq;
    if (!p->present)
        p->renamed = 0; /* a path re-created after its file moved away: a new lineage */
    p->present = 1;
    g->orphans += !old; /* a new path: maybe the end of a rename (find_renames) */
    return blob_met(g, p, id, old, seq);
}

/* A file deleted at the walked path: its last version is blob id in commit pseq. */
static int file_deleted(gitrd *g, const git_oid *id, uint32_t pseq)
{
    path_rec *p;
    int rc = path_at(g, &p);
    if (rc)
        return rc;
    p->blob = *id;
    p->seq = pseq;
    p->present = 0;
    g->deletions++;
    return 0;
}

/* Git's tree order: names compared bytewise, a folder as if its name ended with "/". */
static int entry_cmp(const git_tree_entry *a, const git_tree_entry *b)
{
    const char *na = git_tree_entry_name(a), *nb = git_tree_entry_name(b);
    size_t la = strlen(na), lb = strlen(nb), n = la < lb ? la : lb;
    int c = memcmp(na, nb, n);
    unsigned ca, cb;
    if (c)
        return c;
    ca = la > n ? (unsigned char)na[n] : is_tree(a) ? '/' : 0;
    cb = lb > n ? (unsigned char)nb[n] : is_tree(b) ? '/' : 0;
    return (int)ca - (int)cb;
}

/* Loads a tree; a tree that cannot be read is reported (*t NULL) or, with strict, fatal. */
static int load_tree(gitrd *g, const git_oid *id, git_tree **t)
{
    *t = NULL;
    if (git_tree_lookup(t, g->repo, id) == 0)
        return 0;
    *t = NULL;
    return bad_object(g, "tree", id, git_msg());
}

static int push_name(gitrd *g, const char *name)
{
    if ((g->path_buf.len && pv_buf__append(&g->path_buf, "/", 1)) ||
        pv_buf__append(&g->path_buf, name, strlen(name) + 1))
        return pv_err__set(g->err, PV_ELIMIT, "%s: path too long or out of memory", g->path);
    g->path_buf.len--; /* the NUL stays after the path, out of len */
    return 0;
}

static void pop_name(gitrd *g, size_t len)
{
    g->path_buf.len = len;
    g->path_buf.data[len] = '\0';
}

static int diff_trees(gitrd *g, const git_oid *old, const git_oid *new, uint32_t seq, uint32_t pseq,
                      unsigned depth);

/* One entry of a diff (a absent when added, b absent when deleted), at the walked path. */
static int diff_entry(gitrd *g, const git_tree_entry *a, const git_tree_entry *b, uint32_t seq,
                      uint32_t pseq, unsigned depth)
{
    int rc = 0;
    if (a && b && is_tree(a) && is_tree(b))
        return diff_trees(g, git_tree_entry_id(a), git_tree_entry_id(b), seq, pseq, depth + 1);
    if (a && is_tree(a))
        rc = diff_trees(g, git_tree_entry_id(a), NULL, seq, pseq, depth + 1);
    else if (a && is_file(a) && !(b && is_file(b)))
        rc = file_deleted(g, git_tree_entry_id(a), pseq);
    if (rc)
        return rc;
    if (b && is_tree(b))
        rc = diff_trees(g, NULL, git_tree_entry_id(b), seq, pseq, depth + 1);
    else if (b && is_file(b))
        rc =
            file_added(g, git_tree_entry_id(b), a && is_file(a) ? git_tree_entry_id(a) : NULL, seq);
    return rc;
}

/* Walks the difference between trees old and new (either may be NULL) at the walked path:
 * files added or changed in commit seq, files deleted (their last version in commit pseq).
 * Subtrees with the same id are not entered. */
static int diff_trees(gitrd *g, const git_oid *old, const git_oid *new, uint32_t seq, uint32_t pseq,
                      unsigned depth)
{
    git_tree *a = NULL, *b = NULL;
    size_t na, nb, i = 0, j = 0;
    const size_t len = g->path_buf.len;
    int rc = 0;

    if (depth > MAX_TREE_DEPTH)
        return bad_object(g, "tree", new ? new : old, "folders nested too deep");
    if (old && (rc = load_tree(g, old, &a)) != 0)
        goto done;
    if (new && (rc = load_tree(g, new, &b)) != 0)
        goto done;
    if ((old && !a) || (new && !b))
        goto done; /* reported */
    na = a ? git_tree_entrycount(a) : 0;
    nb = b ? git_tree_entrycount(b) : 0;
    while (i < na || j < nb) {
        const git_tree_entry *ea = i < na ? git_tree_entry_byindex(a, i) : NULL;
        const git_tree_entry *eb = j < nb ? git_tree_entry_byindex(b, j) : NULL;
        int c = !ea ? 1 : !eb ? -1 : entry_cmp(ea, eb);
        if (c == 0 && git_oid_equal(git_tree_entry_id(ea), git_tree_entry_id(eb)) &&
            git_tree_entry_filemode(ea) == git_tree_entry_filemode(eb)) {
            i++;
            j++;
            continue;
        }
        if (c > 0)
            ea = NULL;
        else if (c < 0)
            eb = NULL;
        if ((rc = push_name(g, git_tree_entry_name(ea ? ea : eb))) != 0)
            goto done;
        rc = diff_entry(g, ea, eb, seq, pseq, depth);
        pop_name(g, len);
        if (rc)
            goto done;
        i += ea != NULL;
        j += eb != NULL;
    }
done:
    git_tree_free(a);
    git_tree_free(b);
    return rc;
}

static void free_others(gitrd *g)
{
    for (size_t i = 0; i < g->nothers; i++)
        git_tree_free(g->others[i]);
    free(g->others);
    g->others = NULL;
    g->nothers = 0;
}

/* The trees of a merge's walked parents other than the first, for the lineage of the blobs
 * the merge makes. An unreadable one is left out (the lines then count as the merge's). */
static int other_parents(gitrd *g, const git_commit *c)
{
    const unsigned n = git_commit_parentcount(c);
    if (n < 2)
        return 0;
    if (!(g->others = calloc(n - 1, sizeof *g->others)))
        return nomem(g);
    for (unsigned i = 1; i < n; i++) {
        git_commit *p = NULL;
        if (!*commit_slot(g, git_commit_parent_id(c, i)))
            continue;
        if (git_commit_lookup(&p, g->repo, git_commit_parent_id(c, i)) == 0 &&
            git_commit_tree(&g->others[g->nothers], p) == 0)
            g->nothers++;
        git_commit_free(p);
        git_error_clear();
    }
    return 0;
}

/* The record of path name, or NULL when the walk never met it. */
static path_rec *path_find(gitrd *g, const char *name)
{
    const size_t len = strlen(name);
    const uint32_t v = *path_slot(g, name, len, pv_hash64(name, len, 0));
    return v ? &g->paths[v - 1] : NULL;
}

/* Notes that the file at path from (deleted in commit seq) continued at path to, where a
 * new blob of that commit takes the version it replaced as its lineage parent. */
static int renamed(gitrd *g, const git_diff_file *from, const git_diff_file *to, uint32_t seq)
{
    path_rec *fp = path_find(g, from->path), *tp = path_find(g, to->path);
    uint32_t bi = blob_index(g, &to->id), pi = blob_index(g, &from->id);
    if (fp && tp && !fp->present && tp->present)
        fp->renamed = (uint32_t)(tp - g->paths) + 1;
    if (bi != SEQ_NONE && pi != SEQ_NONE && g->blobs[bi].seq == seq &&
        g->blobs[bi].parent == SEQ_NONE)
        return add_parent(g, bi, pi, 1);
    return 0;
}

static int cmp_delta_old(const void *a, const void *b)
{
    const git_diff_delta *x = *(const git_diff_delta *const *)a;
    const git_diff_delta *y = *(const git_diff_delta *const *)b;
    return git_oid_cmp(&x->old_file.id, &y->old_file.id);
}

/* A commit that added files at new paths and deleted others: the added files whose content is
 * that of a deleted one are exact renames (paired first, whatever their number: libgit2's
 * search gives up past its rename limit), then libgit2's rename detection (git's default 50%
 * similarity) pairs the others, on a diff of those paths alone (its similarity signatures
 * cost a read of every candidate). Unreadable trees or blobs only cost the pairing. */
static int find_renames(gitrd *g, const git_commit *parent, const git_commit *c, uint32_t seq)
{
    git_tree *a = NULL, *b = NULL;
    git_diff *diff = NULL, *rest = NULL;
    git_diff_options dopts;
    git_diff_find_options fo;
    const git_diff_delta **del = NULL;
    char **left = NULL;
    size_t ndel = 0, nleft = 0, nadd = 0, n;
    int rc = 0;

    git_diff_options_init(&dopts, GIT_DIFF_OPTIONS_VERSION);
    git_diff_find_options_init(&fo, GIT_DIFF_FIND_OPTIONS_VERSION);
    fo.flags = GIT_DIFF_FIND_RENAMES;
    if (git_commit_tree(&a, parent) != 0 || git_commit_tree(&b, c) != 0 ||
        git_diff_tree_to_tree(&diff, g->repo, a, b, NULL) != 0)
        goto done;
    n = git_diff_num_deltas(diff);
    if (n && (!(del = malloc(n * sizeof *del)) || !(left = malloc(n * sizeof *left)))) {
        rc = nomem(g);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        const git_diff_delta *d = git_diff_get_delta(diff, i);
        if (d->status == GIT_DELTA_DELETED)
            del[ndel++] = d;
    }
    if (ndel > 1)
        qsort(del, ndel, sizeof *del, cmp_delta_old);
    for (size_t i = 0; i < n && !rc; i++) {
        const git_diff_delta *d = git_diff_get_delta(diff, i);
        size_t lo = 0, hi = ndel;
        if (d->status != GIT_DELTA_ADDED)
            continue;
        while (lo < hi) { /* the first deleted file with this content */
            size_t mid = lo + (hi - lo) / 2;
            if (git_oid_cmp(&del[mid]->old_file.id, &d->new_file.id) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < ndel && git_oid_equal(&del[lo]->old_file.id, &d->new_file.id)) {
            rc = renamed(g, &del[lo]->old_file, &d->new_file, seq);
            memmove(del + lo, del + lo + 1, (--ndel - lo) * sizeof *del); /* paired once */
        } else {
            left[nleft++] = (char *)d->new_file.path;
            nadd++;
        }
    }
    if (rc || !nadd || !ndel)
        goto done;
    for (size_t i = 0; i < ndel; i++)
        left[nleft++] = (char *)del[i]->old_file.path;
    dopts.pathspec.strings = left;
    dopts.pathspec.count = nleft;
    dopts.flags = GIT_DIFF_DISABLE_PATHSPEC_MATCH;
    if (git_diff_tree_to_tree(&rest, g->repo, a, b, &dopts) != 0 ||
        git_diff_find_similar(rest, &fo) != 0)
        goto done;
    for (size_t i = 0; i < git_diff_num_deltas(rest) && !rc; i++) {
        const git_diff_delta *d = git_diff_get_delta(rest, i);
        if (d->status == GIT_DELTA_RENAMED)
            rc = renamed(g, &d->old_file, &d->new_file, seq);
    }
done:
    git_error_clear();
    free(del);
    free(left);
    git_diff_free(rest);
    git_diff_free(diff);
    git_tree_free(a);
    git_tree_free(b);
    return rc;
}

/* ---- history boundaries: --since and shallow clones ------------------------------------ */

/* Registers commit id under the next sequence number (*seq). */
static int add_commit(gitrd *g, const git_oid *id, uint32_t *seq)
{
    if (g->ncommits >= SEQ_MAX)
        return pv_err__set(g->err, PV_ELIMIT, "%s: too many commits", g->path);
    if (grow(&g->commits, &g->commits_cap, g->ncommits + 1, sizeof *g->commits) ||
        ((g->commit_ix.n + 1) * 2 > g->commit_ix.mask + 1 &&
         idx_grow(&g->commit_ix, commit_hash_of, g) != 0))
        return nomem(g);
    *seq = (uint32_t)g->ncommits;
    g->commits[g->ncommits++] = *id;
    *commit_slot(g, id) = *seq + 1;
    g->commit_ix.n++;
    return 0;
}

static int cmp_oid(const void *a, const void *b)
{
    return git_oid_cmp(a, b);
}

/* A shallow clone's boundary commits, from the shallow file git keeps beside the objects. */
static int load_shallow(gitrd *g)
{
    const char *dir = git_repository_commondir(g->repo);
    char *name, line[128];
    size_t cap = 0;
    FILE *f;

    if (!(name = malloc(strlen(dir) + sizeof "/shallow")))
        return nomem(g);
    sprintf(name, "%s%sshallow", dir, *dir && dir[strlen(dir) - 1] == '/' ? "" : "/");
    f = fopen(name, "r");
    free(name);
    if (!f) /* git_repository_is_shallow saw it: a race with git, read as not shallow */
        return 0;
    while (fgets(line, sizeof line, f)) {
        git_oid id;
        if (git_oid_fromstrn(&id, line, GIT_OID_HEXSZ) != 0) {
            git_error_clear();
            continue;
        }
        if (grow(&g->shallow, &cap, g->nshallow + 1, sizeof *g->shallow)) {
            fclose(f);
            return nomem(g);
        }
        g->shallow[g->nshallow++] = id;
    }
    fclose(f);
    qsort(g->shallow, g->nshallow, sizeof *g->shallow, cmp_oid);
    return 0;
}

static int shallow_at(const gitrd *g, const git_oid *id)
{
    return g->nshallow && bsearch(id, g->shallow, g->nshallow, sizeof *g->shallow, cmp_oid);
}

/* Tree tree_id, reached in commit seq, was there before the history walked begins, at date:
 * the blobs it brings in are credited SEQ_BEFORE (their paths keep seq, the commit that holds
 * them). */
static int boundary_tree(gitrd *g, const git_oid *tree_id, uint32_t seq, int64_t date)
{
    const size_t nb = g->nblobs, no = g->norder;
    int rc = diff_trees(g, NULL, tree_id, seq, SEQ_NONE, 0);
    for (size_t i = nb; i < g->nblobs; i++)
        if (g->blobs[i].seq == seq)
            g->blobs[i].seq = SEQ_BEFORE;
    for (size_t i = no; i < g->norder; i++)
        if (g->blobs[g->order[i]].seq == seq)
            g->blobs[g->order[i]].seq = SEQ_BEFORE;
    if (g->before_date == PV_DATE_UNKNOWN || date > g->before_date)
        g->before_date = date;
    return rc;
}

/* The parents of c left out by o->since: registered (not counted as walked) with their trees
 * as boundary text, so that c is compared with them, never with an empty tree. */
static int boundary_parents(gitrd *g, const git_commit *c)
{
    int rc = 0;
    for (unsigned i = 0; i < git_commit_parentcount(c) && !rc; i++) {
        const git_oid *pid = git_commit_parent_id(c, i);
        git_commit *p = NULL;
        uint32_t seq;
        if (*commit_slot(g, pid))
            continue;
        if (git_commit_lookup(&p, g->repo, pid) != 0) {
            git_error_clear(); /* a missing parent: the text counts as c's */
            continue;
        }
        if (git_commit_time(p) < g->o->since && (rc = add_commit(g, pid, &seq)) == 0)
            rc = boundary_tree(g, git_commit_tree_id(p), seq, g->o->since);
        git_commit_free(p);
    }
    return rc;
}

/* Blobs credited SEQ_BEFORE go first in the reading order (they are older than every commit
 * walked, and have no lineage parents), the others keep theirs. */
static int before_first(gitrd *g)
{
    uint32_t *v;
    size_t n = 0;
    if (!g->bounded || !g->norder)
        return 0;
    if (!(v = malloc(g->norder * sizeof *v)))
        return nomem(g);
    for (size_t i = 0; i < g->norder; i++)
        if (g->blobs[g->order[i]].seq == SEQ_BEFORE)
            v[n++] = g->order[i];
    for (size_t i = 0; i < g->norder; i++)
        if (g->blobs[g->order[i]].seq != SEQ_BEFORE)
            v[n++] = g->order[i];
    memcpy(g->order, v, n * sizeof *v);
    free(v);
    return 0;
}

/* One commit of a shallow clone's walk: its parents' indices are edge[par, par + npar). */
typedef struct wnode {
    git_oid id;
    int64_t time;
    size_t par;
    uint32_t npar, cursor;
    uint8_t state; /* 0 not ordered, 1 on the stack, 2 ordered */
} wnode;

typedef struct wgraph {
    wnode *v;
    size_t n, cap;
    uint32_t *edge;
    size_t nedge, edge_cap;
    uint32_t *slot; /* open addressing: index + 1 */
    size_t mask;
} wgraph;

static size_t wslot(const wgraph *w, const git_oid *id)
{
    uint64_t h;
    size_t j;
    memcpy(&h, id->id, sizeof h);
    for (j = h & w->mask; w->slot[j] && !git_oid_equal(&w->v[w->slot[j] - 1].id, id);
         j = (j + 1) & w->mask)
        ;
    return j;
}

/* The index of commit id in w, added when new; UINT32_MAX when out of memory. */
static uint32_t wnode_of(wgraph *w, const git_oid *id)
{
    size_t j;
    if ((w->n + 1) * 2 > w->mask + 1) {
        size_t size = w->mask ? 2 * (w->mask + 1) : 1024;
        uint32_t *s = calloc(size, sizeof *s);
        if (!s)
            return UINT32_MAX;
        free(w->slot);
        w->slot = s;
        w->mask = size - 1;
        for (size_t i = 0; i < w->n; i++)
            w->slot[wslot(w, &w->v[i].id)] = (uint32_t)i + 1;
    }
    j = wslot(w, id);
    if (!w->slot[j]) {
        if (w->n >= SEQ_MAX || grow(&w->v, &w->cap, w->n + 1, sizeof *w->v))
            return UINT32_MAX;
        memset(&w->v[w->n], 0, sizeof *w->v);
        w->v[w->n].id = *id;
        w->slot[j] = (uint32_t)++w->n;
    }
    return w->slot[j] - 1;
}

/* Adds the commits the refs matching glob point at. */
static int wtips(gitrd *g, wgraph *w, const char *glob)
{
    git_reference_iterator *it = NULL;
    git_reference *ref;
    int rc = 0;
    if (git_reference_iterator_glob_new(&it, g->repo, glob) != 0) {
        git_error_clear();
        return 0;
    }
    while (!rc && git_reference_next(&ref, it) == 0) {
        git_object *obj = NULL;
        if (git_reference_peel(&obj, ref, GIT_OBJECT_COMMIT) == 0 &&
            wnode_of(w, git_object_id(obj)) == UINT32_MAX)
            rc = nomem(g);
        git_object_free(obj);
        git_reference_free(ref);
    }
    git_error_clear();
    git_reference_iterator_free(it);
    return rc;
}

typedef struct wtime {
    int64_t time;
    uint32_t i;
} wtime;

static int cmp_wtime(const void *a, const void *b)
{
    const wtime *x = a, *y = b;
    return x->time != y->time ? (x->time < y->time ? -1 : 1) : (x->i > y->i) - (x->i < y->i);
}

/* The commits of a shallow clone in walk order: libgit2 1.5's revwalk stops at the missing
 * parents of the boundary commits (.git/shallow), so they are collected here from REV (and the
 * refs with all_refs), the boundary commits taken as roots, and ordered parents first, else
 * oldest first. *out (malloc'ed) receives the ids. */
static int shallow_order(gitrd *g, git_oid **out, size_t *nout)
{
    wgraph w = {0};
    wtime *byt = NULL;
    uint32_t *stack = NULL;
    size_t sp = 0;
    int rc = 0;

    *out = NULL;
    *nout = 0;
    if (wnode_of(&w, &g->rev) == UINT32_MAX ||
        (g->o->all_refs &&
         ((rc = wtips(g, &w, "refs/heads/*")) != 0 || (rc = wtips(g, &w, "refs/tags/*")) != 0 ||
          (rc = wtips(g, &w, "refs/remotes/*")) != 0))) {
        rc = rc ? rc : nomem(g);
        goto done;
    }
    for (size_t i = 0; i < w.n; i++) { /* w grows while it is read: breadth first */
        git_commit *c = NULL;
        if (git_commit_lookup(&c, g->repo, &w.v[i].id) != 0) {
            if ((rc = bad_object(g, "commit", &w.v[i].id, git_msg())) != 0)
                goto done;
            continue;
        }
        w.v[i].time = git_commit_time(c);
        w.v[i].par = w.nedge;
        for (unsigned j = 0; !shallow_at(g, &w.v[i].id) && j < git_commit_parentcount(c); j++) {
            uint32_t p = wnode_of(&w, git_commit_parent_id(c, j));
            if (p == UINT32_MAX || grow(&w.edge, &w.edge_cap, w.nedge + 1, sizeof *w.edge)) {
                git_commit_free(c);
                rc = nomem(g);
                goto done;
            }
            w.edge[w.nedge++] = p;
            w.v[i].npar++;
        }
        git_commit_free(c);
    }
    if (!(byt = malloc(w.n * sizeof *byt)) || !(stack = malloc(w.n * sizeof *stack)) ||
        !(*out = malloc(w.n * sizeof **out))) {
        rc = nomem(g);
        goto done;
    }
    for (size_t i = 0; i < w.n; i++)
        byt[i] = (wtime){w.v[i].time, (uint32_t)i};
    qsort(byt, w.n, sizeof *byt, cmp_wtime);
    for (size_t i = 0; i < w.n; i++) {
        if (w.v[byt[i].i].state)
            continue;
        w.v[byt[i].i].state = 1;
        stack[sp++] = byt[i].i;
        while (sp) {
            wnode *t = &w.v[stack[sp - 1]];
            if (t->cursor < t->npar) {
                uint32_t p = w.edge[t->par + t->cursor++];
                if (!w.v[p].state) {
                    w.v[p].state = 1;
                    stack[sp++] = p;
                }
                continue;
            }
            t->state = 2;
            (*out)[(*nout)++] = t->id;
            sp--;
        }
    }
done:
    if (rc) {
        free(*out);
        *out = NULL;
        *nout = 0;
    }
    free(stack);
    free(byt);
    free(w.v);
    free(w.edge);
    free(w.slot);
    return rc;
}

/* ---- the walk -------------------------------------------------------------------------- */

/* One commit of the walk: given its sequence number, the blobs it brings in and the paths it
 * changes against its first parent. A commit older than o->since (REV, always walked) or a
 * shallow clone's boundary commit holds boundary text only; parents left out by o->since are
 * compared with as boundaries (boundary_parents). A commit with no parent walked otherwise
 * (a root) is compared with the empty tree: the text it holds is its own. */
static int walk_commit(gitrd *g, const git_oid *id)
{
    git_commit *c = NULL, *parent = NULL;
    const git_oid *pid;
    uint32_t seq, pseq = SEQ_NONE, *slot;
    int older, rc = 0;

    if (git_commit_lookup(&c, g->repo, id) != 0)
        return bad_object(g, "commit", id, git_msg());
    older = g->o->since && git_commit_time(c) < g->o->since;
    if (older && !git_oid_equal(id, &g->rev))
        goto done;
    if ((rc = add_commit(g, id, &seq)) != 0)
        goto done;
    g->st->commits++;
    tick(g);
    if (git_oid_equal(id, &g->rev))
        g->rev_seq = seq;
    if (older || shallow_at(g, id)) {
        rc = boundary_tree(g, git_commit_tree_id(c), seq,
                           older ? g->o->since : (int64_t)git_commit_time(c));
        goto done;
    }
    if (g->o->since && (rc = boundary_parents(g, c)) != 0)
        goto done;

    pid = git_commit_parentcount(c) ? git_commit_parent_id(c, 0) : NULL;
    if (pid && (slot = commit_slot(g, pid)) && *slot) {
        pseq = *slot - 1;
        if (git_commit_lookup(&parent, g->repo, pid) != 0) {
            rc = bad_object(g, "commit", pid, git_msg());
            parent = NULL;
        }
    }
    if (!rc && parent)
        rc = other_parents(g, c);
    g->orphans = g->deletions = 0;
    if (!rc)
        rc = diff_trees(g, parent ? git_commit_tree_id(parent) : NULL, git_commit_tree_id(c), seq,
                        pseq, 0);
    if (!rc && parent && g->orphans && g->deletions)
        rc = find_renames(g, parent, c, seq);
    free_others(g);
done:
    git_commit_free(parent);
    git_commit_free(c);
    return rc;
}

/* Walks the history from REV (and every branch and tag with all_refs), oldest first (see
 * walk_commit). With o->since or in a shallow clone (one note says so), sequence number
 * SEQ_BEFORE is set aside for the text that already existed at the boundary. */
static int walk_history(gitrd *g)
{
    git_revwalk *w = NULL;
    git_oid id, *ids = NULL;
    size_t nids = 0;
    int r = 0, rc = 0, shallow = git_repository_is_shallow(g->repo) == 1;

    g->before_date = PV_DATE_UNKNOWN;
    g->bounded = g->o->since || shallow;
    if (g->bounded) {
        if (grow(&g->commits, &g->commits_cap, 1, sizeof *g->commits))
            return nomem(g);
        memset(&g->commits[0], 0, sizeof *g->commits); /* SEQ_BEFORE: no commit */
        g->ncommits = 1;
    }
    if (shallow) {
        /* a warning, shown without -v: CI checks out shallow clones, whose credit stops at
           the boundary (git fetch --unshallow gives the whole history) */
        pv_source__diag(g->o, PV_WARNING,
                        "%s: a shallow clone: text already in its oldest commits is credited as "
                        "written before them (git fetch --unshallow for the whole history)",
                        g->path);
        if ((rc = load_shallow(g)) != 0 || (rc = shallow_order(g, &ids, &nids)) != 0)
            goto done;
        for (size_t i = 0; i < nids && !rc; i++)
            rc = walk_commit(g, &ids[i]);
        goto done;
    }
    if (git_revwalk_new(&w, g->repo) != 0 ||
        git_revwalk_sorting(w, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME | GIT_SORT_REVERSE) != 0 ||
        git_revwalk_push(w, &g->rev) != 0 ||
        (g->o->all_refs && (git_revwalk_push_glob(w, "refs/heads") != 0 ||
                            git_revwalk_push_glob(w, "refs/tags") != 0 ||
                            git_revwalk_push_glob(w, "refs/remotes") != 0))) {
        rc = pv_err__set(g->err, PV_EFORMAT, "%s: cannot walk the history: %s", g->path, git_msg());
        goto done;
    }
    while (!rc && (r = git_revwalk_next(&id, w)) == 0)
        rc = walk_commit(g, &id);
    if (!rc && r != GIT_ITEROVER)
        rc = pv_err__set(g->err, PV_EFORMAT, "%s: cannot walk the history: %s", g->path, git_msg());
done:
    free(ids);
    git_revwalk_free(w);
    return rc ? rc : before_first(g);
}

/* ---- documents ------------------------------------------------------------------------- */

static int add_doc(gitrd *g, path_rec *p, uint32_t blob, uint32_t seq)
{
    const char *s = g->names.data + p->name;
    doc_rec *d;
    int reason, rc;
    uint8_t flags;

    if (grow(&g->docs, &g->docs_cap, g->ndocs + 1, sizeof *g->docs))
        return nomem(g);
    if ((rc = path_rules(g, s, strlen(s), &p->ling, &reason, &flags)) != 0)
        return rc;
    d = &g->docs[g->ndocs++];
    memset(d, 0, sizeof *d);
    d->name = p->name;
    d->blob = blob;
    d->seq = seq;
    d->reason = (uint8_t)reason;
    d->flags = flags;
    g->blobs[blob].flags |= B_DOC;
    return 0;
}

/* The files of REV's tree at the walked path, in tree order. */
static int rev_files(gitrd *g, const git_oid *tree_id, unsigned depth)
{
    git_tree *t = NULL;
    const size_t len = g->path_buf.len;
    int rc;

    if (depth > MAX_TREE_DEPTH)
        return bad_object(g, "tree", tree_id, "folders nested too deep");
    if ((rc = load_tree(g, tree_id, &t)) != 0 || !t)
        return rc;
    for (size_t i = 0; i < git_tree_entrycount(t) && !rc; i++) {
        const git_tree_entry *e = git_tree_entry_byindex(t, i);
        if (!is_tree(e) && !is_file(e))
            continue; /* symbolic links and submodules are not text of this repository */
        if ((rc = push_name(g, git_tree_entry_name(e))) != 0)
            break;
        if (is_tree(e)) {
            rc = rev_files(g, git_tree_entry_id(e), depth + 1);
        } else {
            uint32_t *bslot = blob_slot(g, git_tree_entry_id(e));
            path_rec *p;
            if ((rc = path_at(g, &p)) == 0) {
                p->at_rev = 1;
                /* a blob the walk did not meet sits under a tree reported as bad */
                if (*bslot)
                    rc = add_doc(g, p, *bslot - 1, g->rev_seq);
            }
        }
        pop_name(g, len);
    }
    git_tree_free(t);
    return rc;
}

typedef struct named {
    const char *name;
    uint32_t i;
} named;

static int cmp_named(const void *a, const void *b)
{
    return strcmp(((const named *)a)->name, ((const named *)b)->name);
}

/* Documents, one per file lineage: every file at REV, then every path not at REV at its last
 * version (sorted by path) unless its file continued under another path (a rename): its
 * lineage is named by the path it ended at. */
static int list_docs(gitrd *g, const git_tree *root)
{
    named *del = NULL;
    size_t ndel = 0;
    int rc;

    g->path_buf.len = 0;
    if ((rc = rev_files(g, git_tree_id(root), 0)) != 0)
        return rc;
    if (g->npaths && !(del = malloc(g->npaths * sizeof *del)))
        return nomem(g);
    for (size_t i = 0; i < g->npaths; i++)
        if (!g->paths[i].at_rev && !g->paths[i].renamed) {
            del[ndel].name = g->names.data + g->paths[i].name;
            del[ndel++].i = (uint32_t)i;
        }
    qsort(del, ndel, sizeof *del, cmp_named);
    for (size_t i = 0; i < ndel && !rc; i++) {
        path_rec *p = &g->paths[del[i].i];
        uint32_t *bslot = blob_slot(g, &p->blob);
        if (*bslot)
            rc = add_doc(g, p, *bslot - 1, p->seq);
    }
    free(del);
    return rc;
}

/* ---- reading blobs --------------------------------------------------------------------- */

/* Reads blob bi into *out; *out is NULL when it cannot be read (reported and marked; with
 * strict that is the error instead). */
static int read_blob(gitrd *g, uint32_t bi, git_blob **out)
{
    blob_rec *b = &g->blobs[bi];
    *out = NULL;
    if (b->flags & B_BAD)
        return 0;
    if (git_blob_lookup(out, g->repo, &b->id) == 0)
        return 0;
    *out = NULL;
    b->flags |= B_BAD;
    return bad_object(g, "blob", &b->id, git_msg());
}

/* Whether blob bi is over the size limit, told from its header without reading it. */
static int too_large(gitrd *g, uint32_t bi)
{
    size_t size;
    git_object_t type;
    if (!g->o->max_doc_size)
        return 0;
    if (git_odb_read_header(&size, &type, g->odb, &g->blobs[bi].id) != 0) {
        git_error_clear();
        return 0; /* reading it will report it */
    }
    return size > g->o->max_doc_size;
}

/* Tokens of text into g->tok, its k-grams into g->kg (*nk of them). */
static int fingerprints(gitrd *g, const char *text, size_t len, size_t *nk)
{
    int rc;
    g->tok.n = 0;
    *nk = 0;
    rc = pv_scanner__tokenize(text, len, g->o->seed, &g->tok);
    if (rc)
        return pv_err__set(g->err, rc, "%s: %s while tokenizing", g->path, pv_strerror(rc));
    if (g->tok.n < g->k)
        return 0;
    if (grow(&g->kg, &g->kg_cap, g->tok.n - g->k + 1, sizeof *g->kg))
        return nomem(g);
    *nk = pv_scanner__kgrams(g->tok.v, g->tok.n, g->k, g->o->seed, g->kg);
    return 0;
}

static int in_part(const gitrd *g, uint64_t fp, uint32_t part)
{
    return g->pshift >= 64 || (uint32_t)(fp >> g->pshift) == part;
}

/* Reads document d for a pass: NULL text when it is skipped (its reason set on the first
 * read) or unreadable. The caller frees *blob. */
static int read_doc(gitrd *g, doc_rec *d, git_blob **blob, size_t *nk)
{
    const char *text;
    size_t len;
    int rc, reason;

    *blob = NULL;
    *nk = 0;
    if (d->reason)
        return 0;
    if (!d->read && too_large(g, d->blob)) {
        d->read = 1;
        d->reason = R_LARGE;
        return 0;
    }
    if ((rc = read_blob(g, d->blob, blob)) != 0)
        return rc;
    if (!*blob) {
        d->reason = R_BAD;
        return 0;
    }
    text = git_blob_rawcontent(*blob);
    len = (size_t)git_blob_rawsize(*blob);
    if (!d->read) {
        d->read = 1;
        if ((reason = content_rules(g, text, len, d->flags)) != R_NONE) {
            d->reason = (uint8_t)reason;
            goto skip;
        }
    }
    if ((rc = fingerprints(g, text, len, nk)) != 0)
        goto skip;
    if (!g->tok.n) {
        d->reason = R_EMPTY;
        goto skip;
    }
    return 0;
skip:
    git_blob_free(*blob);
    *blob = NULL;
    return rc;
}

/* ---- first writers of distinctive lines ------------------------------------------------ */

/* Hash of a line's bytes without whitespace (never 0: the empty slot); *chars receives how
 * many bytes that is. */
static uint64_t fw_key(const char *s, size_t len, size_t *chars)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325); /* FNV-1a */
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        const unsigned char c = (unsigned char)s[i];
        if (c == ' ' || (c >= '\t' && c <= '\r'))
            continue;
        h = (h ^ c) * UINT64_C(0x100000001b3);
        n++;
    }
    *chars = n;
    return h ? h : 1;
}

static fw_entry *fw_find(const fw_table *t, uint64_t key)
{
    if (!t->slot)
        return NULL;
    for (size_t i = pv_mix64(key) & t->mask;; i = (i + 1) & t->mask) {
        if (t->slot[i].key == key)
            return &t->slot[i];
        if (!t->slot[i].key)
            return NULL;
    }
}

/* The entry of key, added when new; *out NULL when the table has reached its memory (those
 * lines keep the credit of their line history). */
static int fw_add(gitrd *g, uint64_t key, fw_entry **out)
{
    fw_table *t = &g->fw;
    size_t i;
    *out = fw_find(t, key);
    if (*out || t->full)
        return 0;
    if (!t->slot || (t->n + 1) * 2 > t->mask + 1) {
        const size_t nslots = t->slot ? (t->mask + 1) * 2 : 1024;
        fw_entry *ns;
        if (nslots * sizeof *ns > t->cap_bytes) {
            t->full = 1;
            return 0;
        }
        if (!(ns = calloc(nslots, sizeof *ns)))
            return nomem(g);
        for (i = 0; t->slot && i <= t->mask; i++) {
            size_t j;
            if (!t->slot[i].key)
                continue;
            for (j = pv_mix64(t->slot[i].key) & (nslots - 1); ns[j].key; j = (j + 1) & (nslots - 1))
                ;
            ns[j] = t->slot[i];
        }
        free(t->slot);
        t->slot = ns;
        t->mask = nslots - 1;
    }
    for (i = pv_mix64(key) & t->mask; t->slot[i].key; i = (i + 1) & t->mask)
        ;
    t->slot[i].key = key;
    t->slot[i].count = 0;
    t->slot[i].first = SEQ_NONE;
    t->n++;
    *out = &t->slot[i];
    return 0;
}

/* The lines of document d (text) that may be distinctive go into g->fw, counted when d is a
 * file at REV. */
static int fw_collect(gitrd *g, const doc_rec *d, const char *text, size_t len)
{
    const int at_rev = d->seq == g->rev_seq;
    const char *p = text, *const end = text + len;
    while (p < end) {
        const char *e = memchr(p, '\n', (size_t)(end - p));
        const size_t n = e ? (size_t)(e - p) : (size_t)(end - p);
        size_t chars;
        const uint64_t key = fw_key(p, n, &chars);
        fw_entry *x;
        int rc;
        p += n + 1;
        if (chars < FW_MIN_CHARS)
            continue;
        if ((rc = fw_add(g, key, &x)) != 0)
            return rc;
        if (x && at_rev && x->count < UINT32_MAX)
            x->count++;
    }
    return 0;
}

/* Blob b (text, n lines in g->lstart, their origins so far in g->lorig) adds the lines it did
 * not take unchanged from a parent: the first such commit of a wanted line is its first
 * writer. */
static void fw_added(gitrd *g, const blob_rec *b, const char *text, size_t len, size_t n)
{
    for (size_t l = 0; l < n; l++) {
        const size_t s = g->lstart[l], e = l + 1 < n ? g->lstart[l + 1] : len;
        size_t chars;
        fw_entry *x;
        if (g->lorig[l] != SEQ_NONE && !g->lbytok[l])
            continue;
        x = fw_find(&g->fw, fw_key(text + s, e - s, &chars));
        if (x && chars >= FW_MIN_CHARS && (x->first == SEQ_NONE || b->seq < x->first))
            x->first = b->seq;
    }
}

/* The first writer of line text[0..len) of a document when it is distinctive, else SEQ_NONE. */
static uint32_t fw_line(const gitrd *g, const char *text, size_t len)
{
    size_t chars;
    const fw_entry *x = fw_find(&g->fw, fw_key(text, len, &chars));
    return x && chars >= FW_MIN_CHARS && x->count <= 1 ? x->first : SEQ_NONE;
}

/* Adds the fingerprints of partition part of every document to the table. Sets *over (and
 * stops adding, not counting) when the table would outgrow budget; *total_k receives the
 * documents' k-grams, *k_in those added before. */
static int docs_pass(gitrd *g, uint32_t part, size_t budget, int *over, uint64_t *total_k,
                     uint64_t *k_in)
{
    *over = 0;
    *total_k = *k_in = 0;
    for (size_t i = 0; i < g->ndocs; i++) {
        doc_rec *d = &g->docs[i];
        git_blob *blob;
        size_t nk;
        int rc = read_doc(g, d, &blob, &nk);
        if (rc)
            return rc;
        if (!blob)
            continue;
        d->nk = nk;
        *total_k += nk;
        if (!g->fw.built && (rc = fw_collect(g, d, git_blob_rawcontent(blob),
                                             (size_t)git_blob_rawsize(blob))) != 0) {
            git_blob_free(blob);
            return rc;
        }
        for (size_t j = 0; j < nk && !*over; j++) {
            if (!in_part(g, g->kg[j], part))
                continue;
            if ((g->fp.n + 1) * 2 > g->fp.mask + 1) {
                if (fp_bytes((g->fp.mask + 1) * 2) > budget) {
                    *over = 1;
                    break;
                }
                if (fp_grow(&g->fp)) {
                    git_blob_free(blob);
                    return nomem(g);
                }
            }
            fp_insert(&g->fp, g->kg[j]);
            ++*k_in;
        }
        git_blob_free(blob);
    }
    g->fw.built = 1;
    return 0;
}

/* ---- lineage: each line's first writer along its file's history, computed forward ---- */

/* TK_MUL^n. */
static uint64_t tk_pow(uint64_t n)
{
    uint64_t r = 1, m = TK_MUL;
    for (; n; n >>= 1, m *= m)
        if (n & 1)
            r *= m;
    return r;
}

/* Byte c of a token, ASCII case-folded, or 0 for a separator: tokens are maximal runs of
 * [A-Za-z0-9_] for the tokenizer; bytes >= 0x80 are taken as token bytes here, which only makes
 * the key stricter. */
static unsigned tk_byte(unsigned c)
{
    if (c - 'A' < 26u)
        return c | 0x20;
    return c - 'a' < 26u || c - '0' < 10u || c == '_' || c >= 0x80 ? c : 0;
}

/* The key of line's tokens as the tokenizer sees them (tk_byte): whitespace, indentation,
 * punctuation and quoting left out. *ntok receives the tokens. */
static uint64_t tok_key(const char *line, size_t len, uint32_t *ntok)
{
    const unsigned char *q = (const unsigned char *)line, *end = q + len;
    uint64_t key = 0;
    uint32_t n = 0;
    for (;;) {
        uint64_t h = 0;
        while (q < end && !tk_byte(*q))
            q++;
        if (q == end)
            break;
        for (; q < end && tk_byte(*q); q++)
            h = (h << 7 | h >> 57) ^ tk_byte(*q);
        key = key * TK_MUL + pv_mix64(h);
        n++;
    }
    *ntok = n;
    return key;
}

/* The token keys of the n lines of text (split_lines) into g->ltkey and g->lntok: the lines
 * equal to those at the ends of p (the first parent's lineage, or NULL) have its keys; the
 * others are computed, so a version costs the lines it changed. */
static void token_keys(gitrd *g, const char *text, size_t len, size_t n, const lin_state *p)
{
    size_t pre = 0, suf = 0;
    if (p) {
        while (pre < p->n && pre < n && p->key[pre] == g->lkey[pre])
            pre++;
        while (suf < p->n - pre && suf < n - pre && p->key[p->n - 1 - suf] == g->lkey[n - 1 - suf])
            suf++;
        memcpy(g->ltkey, p->tkey, pre * sizeof *g->ltkey);
        memcpy(g->lntok, p->ntok, pre * sizeof *g->lntok);
        memcpy(g->ltkey + n - suf, p->tkey + p->n - suf, suf * sizeof *g->ltkey);
        memcpy(g->lntok + n - suf, p->ntok + p->n - suf, suf * sizeof *g->lntok);
    }
    for (size_t l = pre; l < n - suf; l++) {
        const size_t e = l + 1 < n ? g->lstart[l + 1] : len; /* the "\n" separates no token */
        g->ltkey[l] = tok_key(text + g->lstart[l], e - g->lstart[l], &g->lntok[l]);
    }
}

/* Line starts of text at "\n" (git's lines) into g->lstart, and with keys (keys != 0) a hash
 * of each line's bytes without its "\n" into g->lkey, the lines the diff compares (token_keys
 * fills g->ltkey and g->lntok); *n lines (0 for empty text). */
static int split_lines(gitrd *g, const char *text, size_t len, int keys, size_t *n)
{
    size_t nl = 0;
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *e = memchr(p, '\n', (size_t)(end - p));
        if (nl == g->lines_cap) { /* the six arrays grow together */
            size_t cap = g->lines_cap ? 2 * g->lines_cap : 1024;
            void *a = realloc(g->lstart, cap * sizeof *g->lstart);
            if (a)
                g->lstart = a;
            a = a ? realloc(g->lkey, cap * sizeof *g->lkey) : NULL;
            if (a)
                g->lkey = a;
            a = a ? realloc(g->ltkey, cap * sizeof *g->ltkey) : NULL;
            if (a)
                g->ltkey = a;
            a = a ? realloc(g->lntok, cap * sizeof *g->lntok) : NULL;
            if (a)
                g->lntok = a;
            a = a ? realloc(g->lbytok, cap * sizeof *g->lbytok) : NULL;
            if (a)
                g->lbytok = a;
            a = a ? realloc(g->lorig, cap * sizeof *g->lorig) : NULL;
            if (!a)
                return nomem(g);
            g->lorig = a;
            g->lines_cap = cap;
        }
        if (!e)
            e = end;
        g->lstart[nl] = (uint32_t)(p - text);
        if (keys) {
            g->lkey[nl] = XXH3_64bits(p, (size_t)(e - p));
        }
        nl++;
        p = e + 1;
    }
    *n = nl;
    return 0;
}

static int collect_hunk(const git_diff_delta *delta, const git_diff_hunk *hunk, void *payload)
{
    gitrd *g = payload;
    (void)delta;
    if (grow(&g->hunks, &g->hunks_cap, g->nhunks + 1, sizeof *g->hunks))
        return -1;
    g->hunks[g->nhunks++] = *hunk;
    return 0;
}

/* Appends keys as lines of 16 hex digits, the text xdiff compares. */
static int keys_text(pv_buf *b, const uint64_t *key, size_t n)
{
    static const char hexd[] = "0123456789abcdef";
    b->len = 0;
    if (pv_buf__reserve(b, n * 17 + 1))
        return PV_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        char *o = b->data + b->len;
        for (int j = 0; j < 16; j++)
            o[j] = hexd[(key[i] >> (60 - 4 * j)) & 15];
        o[16] = '\n';
        b->len += 17;
    }
    return 0;
}

/* A parent line of a hunk by its token key (match_hunk). */
typedef struct tk_line {
    uint64_t tkey;
    uint32_t origin;
} tk_line;

static int cmp_tk(const void *a, const void *b)
{
    const uint64_t x = ((const tk_line *)a)->tkey, y = ((const tk_line *)b)->tkey;
    return x < y ? -1 : x > y;
}

/* New line j, not credited yet, takes origin (from a parent line with the same tokens). */
static void take_origin(gitrd *g, size_t j, uint32_t origin)
{
    if (g->lorig[j] == SEQ_NONE) {
        g->lorig[j] = origin;
        g->lbytok[j] = 1;
    }
}

/* Puts a line (token key tkey, ntok tokens) after (dir > 0) or before a stretch of lines
 * (token key *key, *count tokens). */
static void put_line(uint64_t *key, uint64_t *count, uint64_t tkey, uint32_t ntok, int dir)
{
    *key = dir > 0 ? *key * tk_pow(ntok) + tkey : tkey * tk_pow(*count) + *key;
    *count += ntok;
}

/*
 * From parent line *i and new line *j on, stepping by dir (+1 or -1) and stopping before
 * parent line oend and new line nend: the shortest stretch of parent lines and of new lines
 * holding the same tokens (at least one; layout, line breaks and quoting aside). When there
 * is one, each new line of it takes the newest origin of the parent lines its tokens come from
 * (a line is as old as its newest token), *i and *j move past it, and 1 is returned.
 */
static int take_stretch(gitrd *g, const lin_state *p, ptrdiff_t *i, ptrdiff_t oend, ptrdiff_t *j,
                        ptrdiff_t nend, int dir)
{
    ptrdiff_t a = *i, b = *j, x, y;
    uint64_t ko = 0, kn = 0, co = 0, cn = 0, xs = 0, ys = 0;

    do { /* keys of the stretches put end to end, in the order of the text */
        if (co <= cn) {
            if (a == oend)
                return 0;
            put_line(&ko, &co, p->tkey[a], p->ntok[a], dir);
            a += dir;
        } else {
            if (b == nend)
                return 0;
            put_line(&kn, &cn, g->ltkey[b], g->lntok[b], dir);
            b += dir;
        }
    } while (co != cn || !co);
    if (ko != kn)
        return 0;
    for (x = *i, y = *j; y != b; y += dir) {
        const uint64_t ye = ys + g->lntok[y];
        uint32_t newest = 0;
        if (ye == ys)
            continue; /* no tokens: no origin of its own (make_runs) */
        while (x != a && xs + p->ntok[x] <= ys) {
            xs += p->ntok[x];
            x += dir;
        }
        for (ptrdiff_t z = x, zs = (ptrdiff_t)xs; z != a && (uint64_t)zs < ye; z += dir) {
            if (p->ntok[z] && p->origin[z] > newest)
                newest = p->origin[z];
            zs += p->ntok[z];
        }
        take_origin(g, (size_t)y, newest);
        ys = ye;
    }
    *i = a;
    *j = b;
    return 1;
}

/*
 * New lines [nb, nb + nn) replaced parent lines [ob, ob + on) (a hunk of the line diff). A
 * new line whose tokens are those of parent lines keeps their origin whatever happened to its
 * layout: stretches of lines with the same tokens (re-indented, re-wrapped, lines split or
 * joined, quotes changed) from both ends of the hunk, then single lines with the same tokens
 * anywhere in it. When the commit never takes credit (ignore: ignore-revs), the other new
 * lines take the origin of the parent line at the same place in the hunk (the last one; with
 * none, the line before the hunk, or after it), as git blame --ignore-rev does.
 */
static int match_hunk(gitrd *g, const lin_state *p, size_t ob, size_t on, size_t nb, size_t nn,
                      int ignore)
{
    ptrdiff_t i = (ptrdiff_t)ob, j = (ptrdiff_t)nb, ri = (ptrdiff_t)(ob + on) - 1,
              rj = (ptrdiff_t)(nb + nn) - 1;
    size_t nt = 0;

    if (on && nn) {
        while (take_stretch(g, p, &i, (ptrdiff_t)(ob + on), &j, (ptrdiff_t)(nb + nn), 1))
            ;
        while (ri >= i && rj >= j && take_stretch(g, p, &ri, i - 1, &rj, j - 1, -1))
            ;
        if (grow(&g->tsort, &g->tsort_cap, on, sizeof *g->tsort))
            return nomem(g);
        for (ptrdiff_t x = i; x <= ri; x++)
            if (p->ntok[x]) {
                g->tsort[nt].tkey = p->tkey[x];
                g->tsort[nt++].origin = p->origin[x];
            }
        if (nt > 1)
            qsort(g->tsort, nt, sizeof *g->tsort, cmp_tk);
        for (ptrdiff_t y = j; nt && y <= rj; y++) {
            const tk_line key = {g->ltkey[y], 0}, *hit;
            if (g->lorig[y] == SEQ_NONE && g->lntok[y] &&
                (hit = bsearch(&key, g->tsort, nt, sizeof *g->tsort, cmp_tk)) != NULL)
                take_origin(g, (size_t)y, hit->origin);
        }
    }
    if (ignore && p->n)
        for (size_t y = nb; y < nb + nn; y++) {
            size_t x = on ? ob + (y - nb < on ? y - nb : on - 1) : ob ? ob - 1 : ob;
            take_origin(g, y, p->origin[x < p->n ? x : p->n - 1]);
        }
    return 0;
}

/* New line j, paired with a parent line of the same bytes, takes its origin unless it has one
 * from a line of the same bytes already. */
static void pair_line(gitrd *g, size_t j, uint32_t origin)
{
    if (g->lorig[j] == SEQ_NONE || g->lbytok[j]) {
        g->lorig[j] = origin;
        g->lbytok[j] = 0;
    }
}

/* Lines of the blob being read (n keys in g->lkey) not credited yet take the origin of the
 * parent line they are paired with: equal ends first, then xdiff (libgit2's diff, as git
 * blame uses) on the middle; the lines of each changed hunk go through match_hunk (ignore:
 * the blob's commit never takes credit). */
static int match_parent(gitrd *g, const lin_state *p, size_t n, int ignore)
{
    const uint64_t *ok = p->key, *nk = g->lkey;
    size_t pre = 0, suf = 0, o, m, oi, ni;
    git_diff_options opts;

    git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
    while (pre < p->n && pre < n && ok[pre] == nk[pre])
        pre++;
    while (suf < p->n - pre && suf < n - pre && ok[p->n - 1 - suf] == nk[n - 1 - suf])
        suf++;
    for (size_t i = 0; i < pre; i++)
        pair_line(g, i, p->origin[i]);
    for (size_t i = 0; i < suf; i++)
        pair_line(g, n - 1 - i, p->origin[p->n - 1 - i]);
    o = p->n - pre - suf;
    m = n - pre - suf;
    if (!m)
        return 0;
    if (!o)
        return match_hunk(g, p, pre, 0, pre, m, ignore);
    if (keys_text(&g->dold, ok + pre, o) || keys_text(&g->dnew, nk + pre, m))
        return nomem(g);
    opts.context_lines = 0;
    opts.interhunk_lines = 0;
    opts.flags = GIT_DIFF_FORCE_TEXT;
    g->nhunks = 0;
    if (git_diff_buffers(g->dold.data, g->dold.len, NULL, g->dnew.data, g->dnew.len, NULL, &opts,
                         NULL, NULL, collect_hunk, NULL, g) != 0) {
        git_error_clear();
        return 0; /* the middle lines stay the new blob's */
    }
    oi = ni = 0;
    for (size_t h = 0; h <= g->nhunks; h++) {
        /* lines before hunk h (or up to the end) are unchanged, paired in order */
        size_t ob = o, nb = m;
        if (h < g->nhunks) {
            const git_diff_hunk *x = &g->hunks[h];
            ob = (size_t)(x->old_lines ? x->old_start - 1 : x->old_start);
            nb = (size_t)(x->new_lines ? x->new_start - 1 : x->new_start);
        }
        while (oi < ob && ni < nb) {
            pair_line(g, pre + ni, p->origin[pre + oi]);
            oi++;
            ni++;
        }
        if (h < g->nhunks) {
            const size_t on = (size_t)g->hunks[h].old_lines, nn = (size_t)g->hunks[h].new_lines;
            if (nn && match_hunk(g, p, pre + ob, on, pre + nb, nn, ignore))
                return PV_ENOMEM;
            oi = ob + on;
            ni = nb + nn;
        }
    }
    return 0;
}

/* Bytes a line takes in a lin_state. */
#define LIN_LINE_BYTES (2 * sizeof(uint64_t) + 2 * sizeof(uint32_t))

static void lin_free(gitrd *g, uint32_t bi)
{
    if (g->lin[bi]) {
        g->lin_bytes -= sizeof(lin_state) + g->lin[bi]->n * LIN_LINE_BYTES;
        free(g->lin[bi]);
        g->lin[bi] = NULL;
    }
}

/* One parent fewer needs blob bi's lines. */
static void lin_unref(gitrd *g, uint32_t bi)
{
    blob_rec *b = &g->blobs[bi];
    if (b->refs && --b->refs == 0 && !(b->flags & B_DOC))
        lin_free(g, bi);
}

/* The lineage of blob bi (its n lines keyed in g->lkey; usable 0 when it is not read: skipped
 * or unreadable): each line comes from the parent line it is paired with (match_parent), else
 * from the blob's commit. Kept while a later blob or a document needs it and the lineage
 * memory allows; the parents' lineages are let go when no other blob needs them. */
static int lineage_step(gitrd *g, uint32_t bi, int usable, const char *text, size_t len, size_t n,
                        size_t *xpos)
{
    blob_rec *b = &g->blobs[bi];
    uint32_t par[8];
    size_t np = 0;
    int rc = 0;

    if (b->parent != SEQ_NONE)
        par[np++] = b->parent;
    for (; *xpos < g->nxpar && g->xpar[*xpos][0] == bi; ++*xpos)
        if (np < sizeof par / sizeof par[0])
            par[np++] = g->xpar[*xpos][1];
        else
            lin_unref(g, g->xpar[*xpos][1]);
    if (usable && n) {
        const size_t need = sizeof(lin_state) + n * LIN_LINE_BYTES;
        const int ignore = g->ignored && g->ignored[b->seq];
        for (size_t l = 0; l < n; l++)
            g->lorig[l] = SEQ_NONE;
        memset(g->lbytok, 0, n);
        for (size_t i = 0; i < np && !rc; i++)
            if (g->lin[par[i]])
                rc = match_parent(g, g->lin[par[i]], n, ignore);
        if (!ignore && g->fw.slot && text)
            fw_added(g, b, text, len, n);
        for (size_t l = 0; l < n; l++)
            if (g->lorig[l] == SEQ_NONE)
                g->lorig[l] = b->seq;
        if (!rc && (b->refs || (b->flags & B_DOC)) && g->lin_bytes + need > g->lin_cap) {
            g->lin_dropped++;
        } else if (!rc && (b->refs || (b->flags & B_DOC))) {
            lin_state *x = malloc(need);
            if (!x) {
                rc = nomem(g);
            } else {
                x->n = n;
                x->key = (uint64_t *)(x + 1);
                x->tkey = x->key + n;
                x->ntok = (uint32_t *)(x->tkey + n);
                x->origin = x->ntok + n;
                memcpy(x->key, g->lkey, n * sizeof *x->key);
                memcpy(x->tkey, g->ltkey, n * sizeof *x->tkey);
                memcpy(x->ntok, g->lntok, n * sizeof *x->ntok);
                memcpy(x->origin, g->lorig, n * sizeof *x->origin);
                g->lin[bi] = x;
                g->lin_bytes += need;
            }
        }
    }
    for (size_t i = 0; i < np; i++)
        lin_unref(g, par[i]);
    return rc;
}

/* Tokens in line l of text (n lines in g->lstart). */
static size_t line_tokens(gitrd *g, const char *text, size_t len, size_t n, size_t l)
{
    const size_t s = g->lstart[l], e = l + 1 < n ? g->lstart[l + 1] : len;
    g->tok2.n = 0;
    if (pv_scanner__tokenize(text + s, e - s, g->o->seed, &g->tok2) != 0)
        return g->k; /* out of memory: as if the line held enough */
    return g->tok2.n;
}

/*
 * Marks the document fingerprints of blob b's k-grams. With its first parent's lineage at hand
 * (lines keyed in g->lkey, n of them), only the lines between the equal ends, with k-1 tokens
 * on each side, are tokenized: every k-gram inside the equal ends is one of the parent's,
 * already probed when the parent (an older blob) was read. *tokens: whether the blob holds
 * tokens.
 */
static int probe_blob(gitrd *g, const blob_rec *b, const char *text, size_t len, size_t n,
                      uint32_t part, int *tokens)
{
    const lin_state *p = n && b->parent != SEQ_NONE && g->lin ? g->lin[b->parent] : NULL;
    size_t from = 0, to = len, nk;
    int rc;

    if (p) {
        size_t pre = 0, suf = 0, a, e, cnt;
        while (pre < p->n && pre < n && p->key[pre] == g->lkey[pre])
            pre++;
        while (suf < p->n - pre && suf < n - pre && p->key[p->n - 1 - suf] == g->lkey[n - 1 - suf])
            suf++;
        for (a = pre, cnt = 0; a > 0 && cnt + 1 < g->k;)
            cnt += line_tokens(g, text, len, n, --a);
        for (e = n - suf, cnt = 0; e < n && cnt + 1 < g->k;)
            cnt += line_tokens(g, text, len, n, e++);
        from = a < n ? g->lstart[a] : len;
        to = e < n ? g->lstart[e] : len;
    }
    if ((rc = fingerprints(g, text + from, to - from, &nk)) != 0)
        return rc;
    if (!g->tok.n && (from > 0 || to < len) && (rc = fingerprints(g, text, len, &nk)) != 0)
        return rc; /* nothing new here: whether there is anything at all */
    *tokens = g->tok.n > 0;
    if (!g->ignored || !g->ignored[b->seq]) /* k-grams an ignored commit brings make it no origin */
        fp_mark(&g->fp, g->kg, nk, b->seq, g->pshift, part);
    return 0;
}

/* Reads the history's blobs oldest first and sets the first commit of every document
 * fingerprint of partition part they hold. The first pass applies the content rules, keeps
 * the counts and follows the lineage of every line. */
static int history_pass(gitrd *g, uint32_t part, int first_pass)
{
    size_t xpos = 0;
    for (size_t i = 0; i < g->norder; i++) {
        const uint32_t bi = g->order[i];
        blob_rec *b = &g->blobs[bi];
        const int first = !(b->flags & B_DONE);
        git_blob *blob = NULL;
        size_t nlines = 0;
        int rc = 0, reason, usable = 0;

        tick(g);
        if ((b->flags & B_BAD) || (b->flags & B_SKIP_MASK)) {
            /* skipped or unreadable */
        } else if (first && too_large(g, bi)) {
            b->flags |= B_DONE | R_LARGE;
            count_skip(g->st, R_LARGE, 1);
            g->st->records++;
        } else if ((rc = read_blob(g, bi, &blob)) != 0) {
            return rc;
        } else if (!blob) {
            g->st->records += first;
        } else {
            const char *text = git_blob_rawcontent(blob);
            const size_t len = (size_t)git_blob_rawsize(blob);
            int tokens = 0;
            reason = R_NONE;
            if (first) {
                b->flags |= B_DONE;
                g->st->records++;
                g->st->bytes_in += len;
                if ((reason = content_rules(g, text, len, (uint8_t)b->flags)) != R_NONE) {
                    count_skip(g->st, reason, 1);
                    if ((reason == R_GENERATED || reason == R_MINIFIED) && (b->flags & B_LINEAGE))
                        b->flags |= B_KEPT; /* counted, but its lines still carry credit */
                    else
                        b->flags |= (uint16_t)reason;
                    if (b->flags & B_KEPT)
                        reason = R_NONE;
                }
            }
            if (!reason && first_pass)
                rc = split_lines(g, text, len, 1, &nlines);
            if (!reason && !rc && (rc = probe_blob(g, b, text, len, nlines, part, &tokens)) == 0) {
                if (!tokens) {
                    b->flags |= R_EMPTY;
                    count_skip(g->st, R_EMPTY, 1);
                }
                usable = tokens;
            }
            if (usable && first_pass)
                token_keys(g, text, len, nlines,
                           b->parent != SEQ_NONE && g->lin ? g->lin[b->parent] : NULL);
        }
        if (!rc && first_pass)
            rc = lineage_step(g, bi, usable, blob ? git_blob_rawcontent(blob) : NULL,
                              blob ? (size_t)git_blob_rawsize(blob) : 0, nlines, &xpos);
        git_blob_free(blob);
        if (rc)
            return rc;
    }
    return 0;
}

/* After a pass over partition part: the first commit of each document k-gram of that
 * partition goes to the scratch file. */
static int collect_pass(gitrd *g, uint32_t part)
{
    for (size_t i = 0; i < g->ndocs; i++) {
        doc_rec *d = &g->docs[i];
        git_blob *blob;
        size_t nk;
        int rc = read_doc(g, d, &blob, &nk);
        if (rc)
            return rc;
        if (!blob)
            continue;
        git_blob_free(blob);
        for (size_t j = 0; j < nk && j < d->nk; j++) {
            uint32_t v;
            if (!in_part(g, g->kg[j], part))
                continue;
            v = fp_get(&g->fp, g->kg[j]);
            g->scratch[d->scratch + j] = v == 0 || v == V_UNSET ? SEQ_NONE : v - 1;
        }
    }
    return 0;
}

/* ---- origins --------------------------------------------------------------------------- */

static void origin_free(origin_buf *ob)
{
    git_signature_free(ob->author);
    for (size_t i = 0; i < ob->nco; i++)
        free(ob->costr[i]);
    memset(ob, 0, sizeof *ob);
}

/* Whether "<...>" between lt and gt (either may be NULL) holds an e-mail address: one word
 * with an "@" that has text on both sides. */
static int valid_email(const char *lt, const char *gt)
{
    const char *at = NULL;
    if (!lt || !gt)
        return 0;
    for (const char *p = lt + 1; p < gt; p++)
        if (*p == '@')
            at = at ? at : p;
        else if (*p == ' ' || *p == '\t' || *p == '<')
            return 0;
    return at && at > lt + 1 && gt[-1] != '@';
}

/* Adds the co-author "Name <email>" (after the mailmap) unless it is the commit's author (the
 * same e-mail, case aside; the same name when the author has no e-mail) or already listed.
 * *bad is set, and nothing added, when the trailer has no valid e-mail. */
static int add_coauthor(gitrd *g, origin_buf *ob, const char *value, int *bad)
{
    const char *lt = strchr(value, '<'), *gt = lt ? strchr(lt, '>') : NULL;
    const char *name_end = lt, *rname = NULL, *remail = NULL;
    const char *aname = ob->author->name, *aemail = ob->author->email;
    char *name, *email, *s;
    size_t nlen, elen;
    int rc = 0;

    *bad = !valid_email(lt, gt);
    if (*bad || ob->nco == sizeof ob->co / sizeof ob->co[0])
        return 0;
    while (*value == ' ' || *value == '\t')
        value++;
    while (name_end > value && (name_end[-1] == ' ' || name_end[-1] == '\t'))
        name_end--;
    nlen = (size_t)(name_end - value);
    name = strndup(value, nlen);
    email = strndup(lt + 1, (size_t)(gt - lt - 1));
    if (!name || !email) {
        rc = nomem(g);
        goto done;
    }
    if (git_mailmap_resolve(&rname, &remail, g->mailmap, name, email) != 0) {
        git_error_clear();
        rname = name;
        remail = email;
    }
    if (aemail && *aemail ? strcasecmp(remail, aemail) == 0
                          : aname && *aname && strcmp(rname, aname) == 0)
        goto done;
    for (size_t i = 0; i < ob->nco; i++)
        if (ob->co[i].email && strcasecmp(remail, ob->co[i].email) == 0)
            goto done;
    nlen = strlen(rname);
    elen = strlen(remail);
    if (!(s = malloc(nlen + elen + 2))) {
        rc = nomem(g);
        goto done;
    }
    memcpy(s, rname, nlen + 1);
    memcpy(s + nlen + 1, remail, elen + 1);
    ob->costr[ob->nco] = s;
    ob->co[ob->nco].name = nlen ? s : NULL;
    ob->co[ob->nco].email = elen ? s + nlen + 1 : NULL;
    ob->co[ob->nco].id = NULL;
    ob->nco++;
done:
    free(name);
    free(email);
    return rc;
}

/* The credit of commit seq: author after the mailmap, author date, commit id, co-authors from
 * its Co-authored-by trailers (those without a valid e-mail are reported and counted, once
 * per commit); for SEQ_BEFORE, the boundary's "before" origin: no author, no commit. */
static int origin_of(gitrd *g, uint32_t seq, origin_buf *ob)
{
    git_commit *c = NULL;
    git_message_trailer_array tr = {0};
    int rc = 0, report;

    memset(ob, 0, sizeof *ob);
    if (g->bounded && seq == SEQ_BEFORE) {
        ob->in.date = g->before_date;
        ob->in.before = 1;
        return 0;
    }
    if (!g->trailers_read && !(g->trailers_read = calloc(g->ncommits, 1)))
        return nomem(g);
    report = !g->trailers_read[seq];
    g->trailers_read[seq] = 1;
    git_oid_tostr(ob->hex, sizeof ob->hex, &g->commits[seq]);
    if (git_commit_lookup(&c, g->repo, &g->commits[seq]) != 0 ||
        (git_commit_author_with_mailmap(&ob->author, c, g->mailmap) != 0 &&
         /* libgit2 makes no signature with an empty name or e-mail ("Name <>", which git
          * writes): the author as the commit says, unmapped */
         git_signature_dup(&ob->author, git_commit_author(c)) != 0)) {
        rc = pv_err__set(g->err, PV_EFORMAT, "%s: cannot read commit %s: %s", g->path, ob->hex,
                         git_msg());
        goto done;
    }
    if (git_message_trailers(&tr, git_commit_message(c)) == 0) {
        for (size_t i = 0; i < tr.count && !rc; i++) {
            int bad = 0;
            if (strcasecmp(tr.trailers[i].key, "Co-authored-by") != 0 ||
                (rc = add_coauthor(g, ob, tr.trailers[i].value, &bad)) != 0 || !bad || !report)
                continue;
            g->st->ignored_trailers++;
            pv_source__diag(g->o, PV_NOTE,
                            "%s: commit %s: Co-authored-by trailer without a valid e-mail "
                            "ignored: '%.100s'",
                            g->path, ob->hex, tr.trailers[i].value);
        }
    }
    git_error_clear();
    ob->in.author.name = ob->author->name && *ob->author->name ? ob->author->name : NULL;
    ob->in.author.email = ob->author->email && *ob->author->email ? ob->author->email : NULL;
    ob->in.author.id = NULL;
    ob->in.coauthors = ob->nco ? ob->co : NULL;
    ob->in.ncoauthors = ob->nco;
    ob->in.commit = ob->hex;
    ob->in.date = (int64_t)ob->author->when.time;
done:
    git_message_trailer_array_free(&tr);
    git_commit_free(c);
    return rc;
}

/* The sink's id of commit seq's origin, registered the first time a run uses it. */
static int origin_id(gitrd *g, uint32_t seq, uint32_t *id)
{
    origin_buf ob;
    int rc;
    if (g->origin_id[seq] != SEQ_NONE) {
        *id = g->origin_id[seq];
        return 0;
    }
    if ((rc = origin_of(g, seq, &ob)) == 0)
        rc = g->sink->origin(g->sink->ctx, &ob.in, id);
    origin_free(&ob);
    if (!rc)
        g->origin_id[seq] = *id;
    return rc;
}

/* ---- runs ------------------------------------------------------------------------------ */

/* out[i] = min a[j] over the k-grams j covering token i (i-k+1 <= j <= i, 0 <= j < nk), for
 * the nk + k - 1 tokens, by van Herk / Gil-Werman blocks: pre and suf hold 2 (nk + 2k) values. */
static void window_min(const uint32_t *a, size_t nk, uint32_t k, uint32_t *out, uint32_t *pre,
                       uint32_t *suf)
{
    const size_t pad = k - 1, len = nk + 2 * pad, n = nk + pad;
#define PADDED(x) ((x) >= pad && (x)-pad < nk ? a[(x)-pad] : SEQ_NONE)
    for (size_t b = 0; b < len; b += k) {
        size_t e = b + k < len ? b + k : len;
        uint32_t m = SEQ_NONE;
        for (size_t x = b; x < e; x++) {
            uint32_t v = PADDED(x);
            m = v < m ? v : m;
            pre[x] = m;
        }
        m = SEQ_NONE;
        for (size_t x = e; x-- > b;) {
            uint32_t v = PADDED(x);
            m = v < m ? v : m;
            suf[x] = m;
        }
    }
#undef PADDED
    for (size_t i = 0; i < n; i++) {
        uint32_t l = suf[i], r = pre[i + k - 1];
        out[i] = l < r ? l : r;
    }
}

/*
 * Runs of document d (its tokens in g->tok, k-grams in g->kg) into g->runs. Each line (at
 * "\n") gets one commit:
 * - its k-gram origin: the newest of its tokens' commits (a line is only as old as all of
 *   it), a token's being the first commit of the earliest k-gram covering it (the first
 *   commit anywhere in the repository that held that text);
 * - its lineage origin: the commit the line comes from along its file's history (renames
 *   followed, layout changes seen through, ignore-revs passed over: lineage_step), when the
 *   lineage was kept;
 * - the line takes the lineage origin, unless the k-gram origin is older and the line lies in
 *   a stretch of such lines holding at least 2k tokens: text copied or moved from
 *   elsewhere keeps its first commit, while short common phrases and lines whose neighbours
 *   changed (whose k-grams are all new) keep their own history.
 * Lines without tokens go with the line before (the first ones with the line after).
 * Consecutive lines of one origin make one run.
 */
static int make_runs(gitrd *g, const doc_rec *d, const char *text, size_t len, size_t nk,
                     size_t *nruns)
{
    /* tokens a stretch of lines must hold for the k-grams' older origin to win over the
     * lineage: 2k, a verbatim run of k+1 shared k-grams; shorter matches are coincidences
     * (common phrases, boilerplate), longer ones copies */
    const size_t n = g->tok.n, k = g->k, copy_min = 2 * (size_t)g->k;
    const uint32_t fallback = g->blobs[d->blob].seq;
    const lin_state *lin = g->lin ? g->lin[d->blob] : NULL;
    uint32_t *kseq, *tseq, *pre, *suf, *kgl, *ntok, *fin;
    size_t nl, need, l, t, nr = 0;
    int rc;

    *nruns = 0;
    if ((rc = split_lines(g, text, len, 0, &nl)) != 0)
        return rc;
    if (lin && lin->n != nl)
        lin = NULL;
    need = nk + n + 2 * (nk + 2 * k) + 3 * nl;
    if (grow(&g->seqs, &g->seqs_cap, need, sizeof *g->seqs))
        return nomem(g);
    kseq = g->seqs;
    tseq = kseq + nk;
    pre = tseq + n;
    suf = pre + nk + 2 * k;
    kgl = suf + nk + 2 * k;
    ntok = kgl + nl;
    fin = ntok + nl;
    /* token first commits */
    for (size_t j = 0; j < nk; j++) {
        uint32_t v;
        if (g->nparts > 1) {
            v = g->scratch[d->scratch + j];
        } else {
            v = fp_get(&g->fp, g->kg[j]);
            v = v == 0 || v == V_UNSET ? SEQ_NONE : v - 1;
        }
        kseq[j] = v;
    }
    if (nk)
        window_min(kseq, nk, (uint32_t)k, tseq, pre, suf);
    for (size_t i = 0; i < n; i++)
        if (!nk || tseq[i] == SEQ_NONE)
            tseq[i] = fallback;
    /* k-gram origin of each line: its newest token's (a line is only as old as all of it) */
    for (l = 0, t = 0; l < nl; l++) {
        const uint64_t end = l + 1 < nl ? g->lstart[l + 1] : len;
        size_t t0 = t;
        uint32_t newest = 0;
        while (t < n && g->tok.v[t].start < end) {
            newest = tseq[t] > newest ? tseq[t] : newest;
            t++;
        }
        ntok[l] = (uint32_t)(t - t0);
        kgl[l] = t > t0 ? newest : SEQ_NONE;
    }
    /* the line's origin: lineage, or the k-grams' in long enough older stretches */
#define LIN_SEQ(l) (lin->origin[l])
#define OLDER(l) (kgl[l] < lin->origin[l])
    for (l = 0; l < nl;) {
        size_t e, tokens = 0;
        if (!ntok[l] || !lin || !OLDER(l)) {
            fin[l] = !ntok[l] ? SEQ_NONE : lin ? LIN_SEQ(l) : kgl[l];
            l++;
            continue;
        }
        for (e = l; e < nl && (!ntok[e] || OLDER(e)); e++)
            tokens += ntok[e];
        for (; l < e; l++)
            fin[l] = !ntok[l] ? SEQ_NONE : tokens >= copy_min ? kgl[l] : LIN_SEQ(l);
    }
#undef LIN_SEQ
#undef OLDER
    /* a distinctive line is its first writer's, wherever that commit wrote it */
    for (l = 0; l < nl && g->fw.slot; l++) {
        const uint64_t s0 = g->lstart[l], e0 = l + 1 < nl ? g->lstart[l + 1] : len;
        const uint32_t first = ntok[l] ? fw_line(g, text + s0, (size_t)(e0 - s0)) : SEQ_NONE;
        if (first != SEQ_NONE)
            fin[l] = first;
    }
    for (l = 0; l < nl; l++) /* tokenless lines go with the line before */
        if (fin[l] == SEQ_NONE && l > 0)
            fin[l] = fin[l - 1];
    for (l = nl; l-- > 0;) /* ... or, at the start, the line after */
        if (fin[l] == SEQ_NONE)
            fin[l] = l + 1 < nl ? fin[l + 1] : fallback;
    /* runs */
    for (l = 0; l < nl; l++) {
        uint32_t id;
        if (l > 0 && fin[l] == fin[l - 1])
            continue;
        if ((rc = origin_id(g, fin[l], &id)) != 0)
            return rc;
        if (nr && g->runs[nr - 1].origin == id)
            continue;
        if (grow(&g->runs, &g->runs_cap, nr + 1, sizeof *g->runs))
            return nomem(g);
        g->runs[nr].start = nr ? g->lstart[l] : 0;
        g->runs[nr].origin = id;
        nr++;
    }
    *nruns = nr;
    return 0;
}

/* The ids of document d's versions into g->vers: its blob, then along the blobs each
 * replaced at its path (first parents); *n of them. A blob is met once, so the chain ends;
 * the bound only guards against a table gone wrong. */
static int doc_versions(gitrd *g, const doc_rec *d, size_t *n)
{
    uint32_t b = d->blob;
    *n = 0;
    while (b != SEQ_NONE && b < g->nblobs && *n < g->nblobs) {
        if (grow(&g->vers, &g->vers_cap, (*n + 1) * GIT_OID_RAWSZ, 1))
            return nomem(g);
        memcpy(g->vers + *n * GIT_OID_RAWSZ, g->blobs[b].id.id, GIT_OID_RAWSZ);
        (*n)++;
        b = g->blobs[b].parent;
    }
    return 0;
}

/* Hands document d to the sink. */
static int emit_doc(gitrd *g, doc_rec *d)
{
    git_blob *blob = NULL;
    origin_buf ob;
    char hex[GIT_OID_HEXSZ + 1], spdx[256];
    pv_doc_in doc;
    const char *text;
    size_t len, nk, nruns = 0, nvers = 0;
    int rc;

    memset(&ob, 0, sizeof ob);
    if ((rc = read_doc(g, d, &blob, &nk)) != 0 || !blob)
        return rc;
    if ((rc = doc_versions(g, d, &nvers)) != 0)
        goto done;
    text = git_blob_rawcontent(blob);
    len = (size_t)git_blob_rawsize(blob);
    if (g->sink->origin && (rc = make_runs(g, d, text, len, nk, &nruns)) != 0)
        goto done;
    if ((rc = origin_of(g, g->blobs[d->blob].seq, &ob)) != 0)
        goto done;
    git_oid_tostr(hex, sizeof hex, &g->commits[d->seq]);
    memset(&doc, 0, sizeof doc);
    doc.text = text;
    doc.len = len;
    doc.kind = "git";
    doc.locator = g->names.data + d->name;
    doc.commit = hex;
    doc.license = pv_scanner__spdx_tag(text, len, spdx, sizeof spdx) ? spdx : g->license;
    doc.lang = NULL;
    doc.origin = ob.in;
    doc.runs = nruns ? g->runs : NULL;
    doc.nruns = nruns;
    doc.blobs = nvers ? g->vers : NULL;
    doc.nblobs = nvers;
    rc = g->sink->doc(g->sink->ctx, &doc);
    if (!rc)
        g->st->documents++;
done:
    origin_free(&ob);
    git_blob_free(blob);
    return rc;
}

/* ---- the reader ------------------------------------------------------------------------ */

/* Marks B_LINEAGE the older versions of the documents that are emitted, along the lineage
 * parents (first and, for merges, the others): a version whose first lines say "generated by"
 * in a comment, say, still passes its lines' history on, as git blame does. Parents come
 * before their children in g->order, and each blob's other parents are listed together in
 * g->xpar in that order, so one pass from the newest blob back reaches them all. */
static void mark_lineage(gitrd *g)
{
    size_t xi = g->nxpar;
    for (size_t i = 0; i < g->ndocs; i++)
        if (!g->docs[i].reason)
            g->blobs[g->docs[i].blob].flags |= B_LINEAGE;
    for (size_t i = g->norder; i-- > 0;) {
        const uint32_t bi = g->order[i];
        const int on = (g->blobs[bi].flags & B_LINEAGE) != 0;
        if (on && g->blobs[bi].parent != SEQ_NONE)
            g->blobs[g->blobs[bi].parent].flags |= B_LINEAGE;
        for (; xi > 0 && g->xpar[xi - 1][0] == bi; xi--)
            if (on)
                g->blobs[g->xpar[xi - 1][1]].flags |= B_LINEAGE;
    }
}

/* Bytes the walk's own state takes (charged to the memory budget before the table). */
static size_t state_bytes(const gitrd *g)
{
    return g->blobs_cap * sizeof *g->blobs + (g->blob_ix.mask + 1) * sizeof(uint32_t) +
           g->order_cap * sizeof *g->order + g->paths_cap * sizeof *g->paths +
           (g->path_ix.mask + 1) * sizeof(uint32_t) + g->names.cap +
           g->commits_cap * (sizeof *g->commits + sizeof(uint32_t)) +
           (g->commit_ix.mask + 1) * sizeof(uint32_t) + g->docs_cap * sizeof *g->docs +
           g->nblobs * sizeof *g->lin + g->nxpar * sizeof *g->xpar;
}

/* Sets up the scratch file that carries per-document k-gram first commits across passes:
 * an unlinked temporary file mapped in memory, so it is page cache, not the heap. */
static int scratch_open(gitrd *g)
{
    FILE *f = NULL;
    uint64_t off = 0;
    void *m;
    int rc = 0;

    for (size_t i = 0; i < g->ndocs; i++) {
        g->docs[i].scratch = off;
        off += g->docs[i].reason ? 0 : g->docs[i].nk;
    }
    if (off == 0)
        return 0;
    if (off > SIZE_MAX / sizeof *g->scratch)
        return pv_err__set(g->err, PV_ELIMIT, "%s: too many document fingerprints", g->path);
    g->scratch_len = (size_t)off * sizeof *g->scratch;
    if (!(f = tmpfile()) || ftruncate(fileno(f), (off_t)g->scratch_len) != 0) {
        rc = pv_err__set(g->err, PV_EIO, "%s: cannot create a temporary file", g->path);
        goto done;
    }
    m = mmap(NULL, g->scratch_len, PROT_READ | PROT_WRITE, MAP_SHARED, fileno(f), 0);
    if (m == MAP_FAILED) {
        rc = pv_err__set(g->err, PV_EIO, "%s: cannot map a temporary file", g->path);
        goto done;
    }
    g->scratch = m;
    memset(g->scratch, 0xff, g->scratch_len);
done:
    if (f)
        fclose(f); /* the mapping keeps the file */
    if (rc)
        g->scratch_len = 0;
    return rc;
}

/* Builds the document fingerprint table (in nparts partitions when it does not fit the
 * budget), walks the blobs over it, and hands every document to the sink. */
static int credit_and_emit(gitrd *g)
{
    const size_t state = state_bytes(g);
    /* the table gets what the walk's state leaves; at least its smallest size */
    size_t budget = g->memory > state ? g->memory - state : 0;
    uint64_t total_k = 0, k_in = 0;
    int over = 0, lineage_done = 0, rc;

    /* a quarter of the memory goes to lineages (less when the walk's state takes more) */
    g->lin_cap = g->memory / 4;
    g->fw.cap_bytes = g->memory / 8;
    budget = budget > g->lin_cap ? budget - g->lin_cap : 0;
    if (budget < fp_bytes(FP_MIN_SLOTS))
        budget = fp_bytes(FP_MIN_SLOTS);
    if (g->nblobs && !(g->lin = calloc(g->nblobs, sizeof *g->lin)))
        return nomem(g);
    g->nparts = 1;
    g->pshift = 64;
    if (fp_init(&g->fp, FP_MIN_SLOTS))
        return nomem(g);
    if ((rc = docs_pass(g, 0, budget, &over, &total_k, &k_in)) != 0)
        return rc;
    mark_lineage(g);
    if (over) {
        /* the distinct share seen so far, extrapolated, over what one partition may hold */
        double distinct = (double)total_k * (double)g->fp.n / (double)(k_in ? k_in : 1);
        double per = (double)budget / (2.5 * sizeof(fp_entry));
        unsigned b = 1;
        while ((double)(1u << b) * per < distinct && b < 16)
            b++;
        g->nparts = 1u << b;
        pv_source__diag(
            g->o, PV_NOTE,
            "%s: the fingerprints of the documents (%.0f) do not fit in %.1f MiB: %u passes "
            "over the history",
            g->path, distinct, (double)budget / (1 << 20), g->nparts);
        if ((rc = scratch_open(g)) != 0)
            return rc;
    }
    for (uint32_t part = 0; part < g->nparts;) {
        if (g->nparts > 1) {
            fp_free(&g->fp);
            g->pshift = 64;
            for (uint32_t p = g->nparts; p > 1; p >>= 1)
                g->pshift--;
            if (fp_init(&g->fp, FP_MIN_SLOTS))
                return nomem(g);
            if ((rc = docs_pass(g, part, budget, &over, &total_k, &k_in)) != 0)
                return rc;
            if (over) {
                if (g->nparts >= (1u << 16))
                    return pv_err__set(g->err, PV_ELIMIT,
                                       "%s: the memory budget is too small for the documents",
                                       g->path);
                g->nparts *= 2; /* this partition did not fit: start over with twice as many */
                pv_source__diag(g->o, PV_NOTE, "%s: %u passes over the history", g->path,
                                g->nparts);
                part = 0;
                continue;
            }
        }
        if ((rc = history_pass(g, part, !lineage_done)) != 0)
            return rc;
        if (!lineage_done && g->lin_dropped)
            pv_source__diag(
                g->o, PV_NOTE,
                "%s: the line history of %llu file versions did not fit in %.1f MiB: their "
                "lines are credited by their k-grams alone",
                g->path, (unsigned long long)g->lin_dropped, (double)g->lin_cap / (1 << 20));
        lineage_done = 1;
        if (g->nparts > 1 && (rc = collect_pass(g, part)) != 0)
            return rc;
        part++;
    }
    for (size_t i = 0; i < g->ndocs; i++) {
        doc_rec *d = &g->docs[i];
        int hist = g->blobs[d->blob].flags & B_SKIP_MASK;
        if ((rc = emit_doc(g, d)) != 0)
            return rc;
        hist |= (g->blobs[d->blob].flags & B_KEPT) != 0;
        /* a document skipped by a rule its content was not skipped by in the history */
        if (d->reason && d->reason != R_BAD && !hist)
            count_skip(g->st, d->reason, 1);
        if (d->reason && d->reason != R_BAD)
            pv_source__diag(g->o, PV_NOTE, "%s: %s: skipped: %s", g->path, g->names.data + d->name,
                            reason_name(d->reason));
    }
    return 0;
}

/*
 * Beyond the contract of pv_reader_fn (source.h):
 * - documents are file lineages (a file followed across renames: find_renames): the files at
 *   o->rev (default HEAD), then the files deleted before it at their last version, unless
 *   their file continued under another path (kind "git", locator the path, commit the id of REV
 *   or of the last commit holding the deleted file); date and default origin are those of the
 *   commit that first
 *   brought that version's content in; license the file's SPDX-License-Identifier, else the
 *   repository's from its license files at REV ("NOASSERTION" when none is recognized);
 * - runs credit each line to a commit (make_runs): the one that first brought its text into the
 *   repository, along its file's history (layout changes seen through: match_hunk), or from
 *   another file or an older version when a stretch of at least 2k tokens was copied or moved
 *   from there; commits of REV's .git-blame-ignore-revs, o->ignore_revs_file and
 *   o->ignore_revs never take credit (a bad or unreadable o->ignore_revs_file: PV_EINVAL);
 * - with o->since, commits with an older committer date are not walked (REV's always is); the
 *   text that already existed at that boundary (in the trees of the parents left out, or REV's
 *   whole tree when REV is older) is credited to one origin with before set, no author and no
 *   commit, dated o->since; in a shallow clone (one note says so) the text of the boundary
 *   commits' trees is credited the same way, dated by the newest of them (so that "before
 *   DATE" holds for all of it); never to the first commits walked;
 * - Co-authored-by trailers: mailmapped; one naming the commit's author, or one listed before,
 *   adds nobody; one without a valid e-mail is ignored, counted in st->ignored_trailers and
 *   reported (once per commit);
 * - paths marked linguist-generated or linguist-vendored in REV's .gitattributes are skipped
 *   as generated or vendored (o->includes overrides it, as it does the other rules);
 * - o->memory bounds the fingerprint table (several passes over the history when the
 *   documents' fingerprints do not fit) and the line histories (a quarter of it); the
 *   per-blob and per-path state of the walk (about 60 bytes per unique blob, plus the paths)
 *   comes first;
 * - records counts the unique blobs of the history (each one read, skipped by rule, or bad);
 *   skipped_* count unique blobs skipped at the path they were first met under (a minified
 *   file counts as vendored), plus documents skipped by a rule of their own path whose content
 *   was read in the history; bytes_in counts the bytes of the unique blobs read; bytes_total
 *   is 0;
 * - strict hash verification of objects is turned off and libgit2's object cache is held to
 *   an eighth of o->memory (both libgit2's process-wide options): zlib still checks what it
 *   inflates.
 */
int pv_git__read(const char *path, const pv_reader_opts *o, const pv_sink *sink,
                 pv_reader_stats *st, pv_err *err)
{
    gitrd g;
    git_object *obj = NULL, *peeled = NULL;
    git_commit *rev = NULL;
    git_tree *root = NULL;
    int rc = 0, inited;

    memset(&g, 0, sizeof g);
    g.path = path;
    g.o = o;
    g.sink = sink;
    g.st = st;
    g.err = err;
    g.k = o->k ? o->k : PV_DEFAULT_K;
    g.memory = o->memory ? o->memory : DEFAULT_MEMORY;
    g.names = (pv_buf)PV_BUF_INIT(SIZE_MAX / 2);
    g.path_buf = (pv_buf)PV_BUF_INIT(PATH_LIMIT);
    g.dold = (pv_buf)PV_BUF_INIT(SIZE_MAX / 2);
    g.dnew = (pv_buf)PV_BUF_INIT(SIZE_MAX / 2);
    st->bytes_total = 0;

    /* libgit2's process-wide settings are pv_init's (called here when the program did not) */
    inited = pv_scanner__git_setup() == 0 && git_libgit2_init() > 0;
    if (!inited) {
        rc = pv_err__set(err, PV_EIO, "%s: cannot start libgit2", path);
        goto done;
    }
    if ((rc = pv_patterns__compile(&g.ex, o->excludes, o->nexcludes, "exclude", err)) != 0 ||
        (rc = pv_patterns__compile(&g.in, o->includes, o->nincludes, "include", err)) != 0)
        goto done;
    if (git_repository_open_ext(&g.repo, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) != 0) {
        rc = pv_err__set(err, PV_EIO, "%s: cannot open the repository: %s", path, git_msg());
        goto done;
    }
    if (git_repository_odb(&g.odb, g.repo) != 0) {
        rc = pv_err__set(err, PV_EIO, "%s: cannot open the object database: %s", path, git_msg());
        goto done;
    }
    if (git_revparse_single(&obj, g.repo, o->rev ? o->rev : "HEAD") != 0 ||
        git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) != 0) {
        rc = pv_err__set(err, PV_EFORMAT, "%s: cannot resolve revision '%s': %s", path,
                         o->rev ? o->rev : "HEAD", git_msg());
        goto done;
    }
    g.rev = *git_object_id(peeled);
    if (git_commit_lookup(&rev, g.repo, &g.rev) != 0 || git_commit_tree(&root, rev) != 0) {
        rc = pv_err__set(err, PV_EFORMAT, "%s: cannot read the tree of revision '%s': %s", path,
                         o->rev ? o->rev : "HEAD", git_msg());
        goto done;
    }
    g.attrs = git_tree_entry_byname(root, ".gitattributes") != NULL;
    if ((rc = load_mailmap(&g, root)) != 0 || (rc = repo_license(&g, root)) != 0 ||
        (rc = name_source(&g)) != 0)
        goto done;
    if (idx_init(&g.commit_ix, 1024) || idx_init(&g.blob_ix, 1024) || idx_init(&g.path_ix, 1024)) {
        rc = nomem(&g);
        goto done;
    }
    if ((rc = load_ignore_revs(&g, root)) != 0 || (rc = walk_history(&g)) != 0 ||
        (rc = mark_ignored(&g)) != 0)
        goto done;
    if ((rc = list_docs(&g, root)) != 0)
        goto done;
    if (g.ncommits && !(g.origin_id = malloc(g.ncommits * sizeof *g.origin_id))) {
        rc = nomem(&g);
        goto done;
    }
    memset(g.origin_id, 0xff, g.ncommits * sizeof *g.origin_id);
    rc = credit_and_emit(&g);
done:
    if (g.scratch)
        munmap(g.scratch, g.scratch_len);
    fp_free(&g.fp);
    free(g.origin_id);
    free(g.trailers_read);
    free(g.shallow);
    free(g.docs);
    pv_buf__free(&g.names);
    pv_buf__free(&g.path_buf);
    idx_free(&g.path_ix);
    free(g.paths);
    free(g.order);
    idx_free(&g.blob_ix);
    free(g.blobs);
    idx_free(&g.commit_ix);
    free(g.commits);
    pv_scanner__tokens_free(&g.tok);
    pv_scanner__tokens_free(&g.tok2);
    free(g.kg);
    free(g.seqs);
    free(g.runs);
    free(g.vers);
    if (g.lin)
        for (size_t i = 0; i < g.nblobs; i++)
            free(g.lin[i]);
    free(g.lin);
    free(g.lkey);
    free(g.ltkey);
    free(g.lntok);
    free(g.tsort);
    free(g.ignored);
    free(g.ign);
    free(g.lorig);
    free(g.lbytok);
    free(g.fw.slot);
    free(g.lstart);
    free(g.hunks);
    pv_buf__free(&g.dold);
    pv_buf__free(&g.dnew);
    free(g.xpar);
    free_others(&g);
    pv_patterns__free(&g.ex);
    pv_patterns__free(&g.in);
    free(g.license);
    git_mailmap_free(g.mailmap);
    git_tree_free(root);
    git_commit_free(rev);
    git_object_free(peeled);
    git_object_free(obj);
    git_odb_free(g.odb);
    git_repository_free(g.repo);
    if (inited)
        git_libgit2_shutdown();
    return rc;
}
