/*
 * provscan.h - the public API of libprovscan: build a fingerprint index from sources,
 * open it, and attribute text to the documents and authors it comes from.
 * Everything not declared here is private to the library.
 */
#ifndef PROVSCAN_H
#define PROVSCAN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PV_VERSION_STRING "0.2.0"
/* The index format this library writes and reads (index/format.h, docs/index-format.md). */
#define PV_FORMAT_VERSION 3
/* The tokenizer's normalization version, recorded in every index; bumped whenever the
 * token stream of some input changes (docs/tokens.md). */
#define PV_NORM_VERSION 1

/* ---- errors ---------------------------------------------------------------------------- */

/* Error codes returned (negated) by fallible functions. Values never change. */
typedef enum pv_error {
    PV_OK = 0,
    PV_ENOMEM = -1,    /* out of memory */
    PV_EIO = -2,       /* read, write, open, rename failed */
    PV_ECORRUPT = -3,  /* index checksum, offset or length is wrong */
    PV_EVERSION = -4,  /* index format or normalization version not supported */
    PV_EFORMAT = -5,   /* input is not in the expected format */
    PV_EINVAL = -6,    /* an option or argument is out of range */
    PV_EPARAMS = -7,   /* index parameters do not match what the query needs */
    PV_ELIMIT = -8,    /* an input exceeds a hard limit */
    PV_ESKIP = -9,     /* a document was skipped (binary, too large, excluded) */
    PV_ENOTFOUND = -10 /* a name (author, document, source) matches nothing in the index */
} pv_error;

/* One complete error message, filled in by the function that failed. */
typedef struct pv_err {
    int code;
    char msg[1024];
} pv_err;

/* A short constant description of an error code ("out of memory"). */
const char *pv_strerror(int code);

/* ---- diagnostics and progress ---------------------------------------------------------- */

typedef enum pv_severity { PV_NOTE = 0, PV_WARNING = 1, PV_ERROR = 2 } pv_severity;

/* Called for non-fatal conditions (a skipped file, a bad record); msg is one complete line
 * without "provscan: " and without newline. May be called from worker threads, serialized. */
typedef void (*pv_diag_fn)(void *ctx, pv_severity sev, const char *msg);

/* Where long work stands; totals may be 0 when unknown. */
typedef struct pv_progress {
    uint64_t done_bytes, total_bytes; /* input read so far, and in all (0: unknown) */
    uint64_t done_docs, total_docs;   /* documents indexed so far, and in all (0: unknown) */
    uint64_t commits;                 /* git: commits walked so far, over all repositories */
    uint64_t blobs;                   /* git: unique blobs met so far (read or skipped) */
} pv_progress;

/* Called from time to time during long work (from the thread that runs the readers). */
typedef void (*pv_progress_fn)(void *ctx, const pv_progress *p);

/* ---- building an index ----------------------------------------------------------------- */

#define PV_DEFAULT_K 10
#define PV_DEFAULT_W 16
#define PV_DEFAULT_SEED UINT64_C(0x70726f767363616e) /* "provscan" */
#define PV_DEFAULT_MEMORY ((size_t)1 << 30)
#define PV_DEFAULT_MAX_FILE_SIZE ((uint64_t)10 << 20)
#define PV_DEFAULT_POSTING_CAP 1024
/* Limits pv_index_build enforces (PV_EINVAL outside them). */
#define PV_MIN_K 1
#define PV_MAX_K 256
#define PV_MIN_W 1
#define PV_MAX_W 1024
#define PV_MIN_MEMORY ((size_t)1 << 20)

/* How the readers read sources: options of the source kinds, shared by pv_index_build and
 * pv_scan_run (pv_build_opts.read, pv_scan_opts.read). Zero is every default. */
typedef struct pv_read_opts {
    const char *preset;          /* JSON lines preset ("the-stack", "dolma", "pile", "redpajama",
                                    "reddit", "generic"), or NULL to detect from the first record */
    const char *fields;          /* JSON lines "generic" field paths: "text=a.b,author=c,..." */
    int comments;                /* blogs: read comments too */
    const char *site;            /* Stack Exchange site host for locators, or NULL to infer */
    const char *const *includes; /* PCRE2 patterns: read matching paths even when vendored,
                                    minified, generated (git) */
    size_t nincludes;
    const char *rev;         /* git: the revision documents are located at; NULL = HEAD */
    int all_refs;            /* git: walk every branch and tag */
    int64_t since;           /* git: leave out commits before this unix time; 0 = all */
    const char *origin_name; /* git: the repository's name in reports, or NULL (remote URL) */
    const char *const *ignore_revs; /* git: commits (revisions) that never take credit: text
                                       they change is credited as git blame --ignore-rev does */
    size_t nignore_revs;
    const char *ignore_revs_file; /* git: a file of such commits (git's blame.ignoreRevsFile
                                     format), read besides the repository's own
                                     .git-blame-ignore-revs at REV; or NULL */
} pv_read_opts;

/* The version of pv_build_opts this header describes: PV_BUILD_OPTS_INIT sets it, and
 * pv_index_build refuses options of another version (PV_EINVAL), so that a program built
 * against another layout of the struct fails clearly instead of reading the wrong fields. */
#define PV_BUILD_OPTS_VERSION 3

typedef struct pv_build_opts {
    unsigned version;            /* PV_BUILD_OPTS_VERSION */
    uint32_t k;                  /* tokens per k-gram */
    uint32_t w;                  /* winnowing window, in k-grams */
    uint64_t seed;               /* hash seed */
    size_t memory;               /* memory budget in bytes for postings buffers */
    unsigned jobs;               /* worker threads; 0 = all cores */
    uint64_t max_file_size;      /* files larger than this are skipped */
    const char *const *excludes; /* PCRE2 patterns matched against relative paths */
    size_t nexcludes;
    const char *author;   /* "Name <email>" for every document, or NULL (unknown) */
    const char *license;  /* SPDX id forced for every document, or NULL (detect) */
    uint32_t posting_cap; /* postings kept per fingerprint; the rest only counted */
    int strict;           /* stop at the first unreadable input */
    const char *tmpdir;   /* temporary files (sorted runs, line tables, locators, the mapped
                             document tables); NULL = next to the output */
    pv_diag_fn diag;
    pv_progress_fn progress;
    void *ctx;           /* passed to diag and progress */
    pv_read_opts read;   /* how the readers read the sources */
    const char *aliases; /* a file merging identities into one person (docs/attribution.md,
                            "One person, one payee"), or NULL */
    int part; /* this build is one part of a larger one (`index --mpi`: a rank's run of the
                 sources): it is written even when every record it read was bad, since the
                 others may hold documents (the whole build makes that check) */
} pv_build_opts;

/* Options with every default: start from these and change what is needed. */
#define PV_BUILD_OPTS_INIT                                                                         \
    {                                                                                              \
        .version = PV_BUILD_OPTS_VERSION, .k = PV_DEFAULT_K, .w = PV_DEFAULT_W,                    \
        .seed = PV_DEFAULT_SEED, .memory = PV_DEFAULT_MEMORY,                                      \
        .max_file_size = PV_DEFAULT_MAX_FILE_SIZE, .posting_cap = PV_DEFAULT_POSTING_CAP           \
    }

/* The stages of a build, in the order they run, for pv_build_stats.stages (`provscan index
 * --timings`, bench/README.md "Where a build's time goes"). */
typedef enum pv_build_stage {
    PV_STAGE_READ,       /* readers: walk folders, read and parse sources, decompress; the
                            tables of sources, authors and origins (the producer thread) */
    PV_STAGE_INDEX,      /* HTML to text, tokenize, fingerprint, winnow, line tables (workers) */
    PV_STAGE_SORT,       /* posting buffers radix-sorted, and spilled as runs when full */
    PV_STAGE_IDENTITIES, /* identities merged into persons, documents numbered */
    PV_STAGE_MERGE,      /* the sorted runs merged by fingerprint, groups capped (PSTG) */
    PV_STAGE_ENCODE,     /* posting blocks encoded and compressed */
    PV_STAGE_TABLES,     /* the other chunks filled and written: AUTH, SRCS, ORIG, LINE, DOCS,
                            STRS, BLOB, META */
    PV_STAGE_WRITE,      /* posting blocks, BDIR, FANO and the header written to the file */
    PV_STAGE_SYNC,       /* the file synced to disk and renamed into place */
    PV_NSTAGES
} pv_build_stage;

/* Where one stage's time went. serial is the CPU time of work that only one thread can do
 * (nothing else runs meanwhile, or it holds up every other thread); parallel is the CPU time
 * of work spread over the workers, summed over them. CPU times are per thread
 * (CLOCK_THREAD_CPUTIME_ID), split inside a busy thread by the monotonic clock. serial /
 * (serial + parallel) over all stages is the build's serial fraction s: Amdahl's law bounds
 * its speed-up on N cores by 1 / (s + (1 - s) / N). wall is the time the stage took on the
 * clock; INDEX and SORT run while READ does, so walls overlap. */
typedef struct pv_stage_time {
    double wall, serial, parallel; /* seconds */
} pv_stage_time;

/* The name of a stage ("read", "index", ...), or "?" out of range. */
const char *pv_build_stage_name(int stage);

typedef struct pv_build_stats {
    uint64_t documents;          /* documents indexed */
    uint64_t bytes;              /* bytes of text indexed */
    uint64_t tokens;             /* tokens indexed */
    uint64_t postings;           /* postings written (after the cap) */
    uint64_t fingerprints;       /* distinct fingerprints */
    uint64_t runs;               /* sorted runs spilled to disk */
    uint64_t skipped_binary;     /* files with NUL bytes or not text */
    uint64_t skipped_large;      /* files over max_file_size */
    uint64_t skipped_excluded;   /* paths matching an exclude pattern */
    uint64_t skipped_unreadable; /* files that could not be opened or read */
    uint64_t skipped_empty;      /* files with no tokens */
    uint64_t skipped_vendored;   /* vendored or minified files (git) */
    uint64_t skipped_generated;  /* files that say they are generated (git) */
    uint64_t skipped_other;      /* records skipped by rule: deleted, drafts, other types */
    uint64_t records;            /* records read by the readers (files, rows, lines, blobs) */
    uint64_t bad_records;        /* malformed records skipped (see the diagnostics) */
    uint64_t commits;            /* git commits walked */
    uint64_t read_bytes;         /* input bytes the readers consumed (git: unique blob content
                                    of the whole history; compressed files: compressed size) */
    uint64_t source_errors;      /* sources that stopped on an error (see the diagnostics) */
    uint64_t invalid_utf8;       /* invalid UTF-8 sequences replaced by U+FFFD */
    uint64_t index_bytes;        /* size of the written index file */
    uint64_t ignored_trailers;   /* git: Co-authored-by: trailers without a valid email */
    uint64_t ignored_commits;    /* git: commits walked that never take credit (ignore-revs) */
    /* where the time went, by pv_build_stage */
    pv_stage_time stages[PV_NSTAGES];
} pv_build_stats;

/* Sets the process-wide state of the libraries provscan uses: libgit2's object cache, shared
 * by every repository of the process, is limited to git_cache bytes (0: PV_DEFAULT_MEMORY / 32;
 * the command line gives --memory / 32, an eighth of the readers' quarter of the budget). Before
 * the first repository is read, the library starts libgit2 once (kept until the process ends)
 * with these settings, and objects read from repositories are not hashed again (their ids are
 * checked by git itself); a program that reads no repository never starts it (it costs the
 * parsing of the system's TLS certificates). Call it from the main thread before other threads
 * use the library; calling it again sets the cache limit again. Without a call the defaults
 * hold. Returns 0 (a libgit2 that cannot start is reported by the first read of a repository). */
int pv_init(size_t git_cache);

/* Index every SOURCE into the index file out_path. A SOURCE is a file or folder, a git
 * repository, a JSON-lines dataset, a Stack Exchange dump, a WARC/WET file or a feed; its kind
 * is detected from the path and content, or forced with a "KIND:" prefix (files:, git:,
 * jsonl:, stackexchange:, warc:, feed:). A source that stops on an error is reported through
 * diag and counted in stats->source_errors; the others are still indexed (with strict, the
 * build fails instead). The index is written to a temporary name beside out_path,
 * out_path.tmp.PID, and renamed when complete; with the environment variable
 * SOURCE_DATE_EPOCH set, its creation time is that value (so the same sources give the same
 * bytes). Before any source is read, the build refuses an out_path that is a folder (PV_EIO),
 * takes the lock out_path.lock for as long as it runs (another build holding it is PV_EIO,
 * with err naming that build's process), and removes the temporary files out_path.tmp.PID of
 * processes that are gone, saying so through diag. opts may be NULL (the defaults); options
 * of another version than PV_BUILD_OPTS_VERSION are PV_EINVAL. stats and err may be NULL.
 * Returns 0, or a negative pv_error with err filled in; a run that read bad records and no
 * document is PV_EFORMAT, and writes nothing. */
int pv_index_build(const char *out_path, const char *const *sources, size_t nsources,
                   const pv_build_opts *opts, pv_build_stats *stats, pv_err *err);

/* Removes the temporary file (and the lock) of every index build running in this process.
 * Async-signal-safe: it only calls unlink(2). The library installs no signal handler: a
 * program that wants an interrupted build to leave nothing behind calls this from its
 * SIGINT, SIGTERM and SIGHUP handlers, then ends the process (_exit) without returning to the
 * build, which cannot go on without its files. */
void pv_index_build_abort_cleanup(void);

/* Check a list of SOURCE arguments before reading them: the same source given twice (the
 * same file or folder once "KIND:" prefixes are taken off and paths resolved, however
 * spelled), an unknown KIND: prefix, or an unknown JSON-lines preset (given or not a
 * JSON-lines source) is PV_EINVAL with err naming it: a usage error. preset may be NULL.
 * Missing paths are left for the readers to report. Returns 0 or PV_EINVAL (PV_ENOMEM). */
int pv_sources_check(const char *const *sources, size_t nsources, const char *preset, pv_err *err);

/* ---- reading an index ------------------------------------------------------------------ */

typedef struct pv_index pv_index;

/* Open and validate the index file at path (mmap, header, chunk table, checksums).
 * On success *out owns the index; free it with pv_index_free. */
int pv_index_open(pv_index **out, const char *path, pv_err *err);

/* Release an index; accepts NULL. Strings borrowed from it become invalid. */
void pv_index_free(pv_index *ix);

typedef struct pv_index_chunk {
    char id[5]; /* four-character chunk id, NUL-terminated */
    uint64_t offset;
    uint64_t size;
} pv_index_chunk;

typedef struct pv_index_info {
    uint32_t format_version;
    uint32_t norm_version;
    uint32_t k, w;
    uint32_t fp_bits;
    uint32_t posting_cap;
    uint64_t seed;
    uint64_t documents;
    uint64_t authors;
    uint64_t sources;
    uint64_t origins;      /* first writers (commits, posts) the documents' text is credited to */
    uint64_t fingerprints; /* distinct */
    uint64_t postings;
    uint64_t blocks;
    uint64_t tokens;      /* tokens indexed */
    uint64_t input_bytes; /* bytes of text indexed */
    uint64_t file_bytes;
    int64_t created; /* unix seconds */
    size_t nchunks;
    const pv_index_chunk *chunks; /* borrowed from the index */
} pv_index_info;

/* Fill *info with the index's parameters and counts. */
void pv_index_get_info(const pv_index *ix, pv_index_info *info);

/* ---- segments: an index that is a folder ----------------------------------------------- */

/* One segment of a folder index (docs/index-format.md, "Segments"). */
typedef struct pv_segment_info {
    char *name;         /* its file name inside the folder */
    uint64_t bytes;     /* its size */
    uint64_t checksum;  /* its header checksum, as the manifest records it */
    uint64_t documents; /* documents it holds */
} pv_segment_info;

/* The segments of a folder index, in order (borrowed from ix); *n is 0 for a one-file index. */
void pv_index_segments(const pv_index *ix, const pv_segment_info **out, size_t *n);

/* Builds sources[0, nsources) into a new segment of the index at path and appends it to the
 * index's manifest, replaced atomically (docs/index-format.md, "Segments"). A one-file index
 * becomes a folder whose first segment is that file (the file and the folder are swapped in
 * one rename: a crash leaves one or the other). The new segment is built with the index's
 * parameters (k, w, seed, posting cap; those of opts are ignored); the documents, sources,
 * authors and origins of earlier segments keep their ids, the new ones follow. stats as
 * pv_index_build's. Returns 0, PV_EINVAL, PV_EIO, PV_ECORRUPT, or an error of pv_index_build or
 * pv_index_open. */
int pv_index_add(const char *path, const char *const *sources, size_t nsources,
                 const pv_build_opts *opts, pv_build_stats *stats, pv_err *err);

/* Appends the index file `file` as a new segment of the index at path (a one-file index
 * becomes a folder, as with pv_index_add): the file is moved into the folder (a rename, so
 * the same file system) and the manifest replaced atomically. The file must have been built
 * with the index's k, w, seed and posting cap (PV_EINVAL otherwise); `index --mpi` joins the
 * parts its ranks built this way. Returns 0, PV_EINVAL, PV_EIO, PV_ECORRUPT or PV_ENOMEM. */
int pv_index_add_file(const char *path, const char *file, pv_err *err);

/* Compacts the index at path into one segment with the removed work dropped for good: the
 * postings, documents and line tables of removed documents and sources are not written
 * (document ids after them shift down); removed authors' tombstones stay recorded and applied.
 * With out_path NULL the folder's manifest is replaced by one naming the new segment (and the
 * old segment files are removed); else the result is written to the file out_path. The merge
 * of segments built from A then B gives the same findings as one build of A then B, and
 * with SOURCE_DATE_EPOCH set and nothing removed, the same bytes.
 * *result (may be NULL) receives the new segment's counts. Returns 0 or a pv_error. */
int pv_index_merge(const char *path, const char *out_path, pv_index_info *result, pv_err *err);

/* ---- removal: tombstones ---------------------------------------------------------------- */

/* What a tombstone removes (docs/index-format.md, "Tombstones"; docs/attribution.md,
 * "Removed work"). Values never change: they are written in the tombstone file. */
typedef enum pv_tomb_kind {
    PV_TOMB_AUTHOR = 1,   /* a person: never named, earns nothing, their text as if unindexed */
    PV_TOMB_DOCUMENT = 2, /* a document (a locator, in one source): as if never indexed */
    PV_TOMB_SOURCE = 3    /* a source root and every document indexed from it */
} pv_tomb_kind;

/* One tombstone of an index; strings borrowed from the index. */
typedef struct pv_tombstone {
    pv_tomb_kind kind;
    const char *id;     /* author: as given (an identity as reports print it); document: its
                           locator; source: the source root */
    const char *source; /* document: the source root it was narrowed to, or NULL */
    int64_t date;       /* when it was recorded, unix seconds */
    uint64_t documents; /* documents it removes outright in this index */
    uint64_t authors;   /* authors (persons) it removes in this index */
} pv_tombstone;

/* The tombstones pv_index_open read beside ix (INDEX.tomb), in the order they were recorded;
 * borrowed from ix. *n is 0 when the index has none. */
void pv_index_tombstones(const pv_index *ix, const pv_tombstone **out, size_t *n);

/* Records a tombstone for the index at path: rewrites INDEX.tomb whole (a temporary file,
 * fsync, rename) with the tombstones it held and the new one, under an exclusive lock on the
 * index file, so concurrent removals are kept both. id names, as reports print them:
 * - PV_TOMB_AUTHOR: "Name <email>", "Name <email> (id ID)", a name, an email or an account
 *   id of a person of the index (identities are merged by the index already);
 * - PV_TOMB_DOCUMENT: a locator; source (may be NULL) narrows it to one source root, and is
 *   needed when documents of several sources have that locator;
 * - PV_TOMB_SOURCE: a source root.
 * source must be NULL for the other kinds. *matched (may be NULL) receives how many
 * documents (document, source) or persons (author) it removes; *already (may be NULL) is set
 * to 1 when an equal tombstone was recorded before (nothing is written then). Returns 0,
 * PV_ENOTFOUND ("no author 'X' in index 'P'"), PV_EINVAL (an ambiguous name, a bad kind),
 * PV_ECORRUPT (a corrupt tombstone file, never overwritten), PV_EIO, or an error of
 * pv_index_open. */
int pv_index_remove(const char *path, pv_tomb_kind kind, const char *id, const char *source,
                    uint64_t *matched, int *already, pv_err *err);

/* ---- matching -------------------------------------------------------------------------- */

#define PV_DEFAULT_COMMON 25
#define PV_DEFAULT_MAX_SOURCES 10
#define PV_DEFAULT_MAX_COPIES 10

typedef struct pv_match_opts {
    uint32_t min_tokens;  /* spans shorter than this are not reported; 0 = k */
    uint32_t common;      /* fingerprints in more than this many documents are common */
    uint32_t max_sources; /* sources listed per span: the origin, then partial holders */
    uint32_t max_copies;  /* copies listed per span (all are counted in copies_total) */
} pv_match_opts;

#define PV_MATCH_OPTS_INIT                                                                         \
    {                                                                                              \
        0, PV_DEFAULT_COMMON, PV_DEFAULT_MAX_SOURCES, PV_DEFAULT_MAX_COPIES                        \
    }

#define PV_DATE_UNKNOWN INT64_MIN

/* All strings below are borrowed from the index (or, for url, from the result) and live as
 * long as it does. */
typedef struct pv_source_ref {
    uint32_t document;   /* document id in the index */
    const char *kind;    /* "git", "file", "answer", "record", ... */
    const char *source;  /* the source root the document was indexed from (a repository's
                            https://host/owner/name, a dump's site, a folder) */
    const char *locator; /* path at commit, URL, record id */
    const char *commit;  /* the version at which locator holds lines line_start..line_end
                            (git: the --rev commit, or the last commit before a deletion); NULL
                            when the document has no versions */
    const char *url;     /* a link a person can open to exactly these lines or this post (a
                            permalink on github.com, gitlab.com, codeberg.org, bitbucket.org;
                            a post or page URL), or NULL; borrowed from the result */
    const char *license; /* SPDX id or NULL */
    /* The earliest origin of the matched text in this document (for git, the commit that
     * first wrote its oldest part; otherwise the document's own): what ranks the sources. */
    const char *first_commit;      /* that origin's commit, or NULL */
    const char *author_name;       /* that origin's author, or NULL when unknown */
    const char *author_email;      /* or NULL */
    const char *author_id;         /* account id, or NULL */
    int64_t date;                  /* that origin's date: unix seconds or PV_DATE_UNKNOWN */
    uint32_t line_start, line_end; /* 1-based, inclusive, in the document */
    uint32_t matched_tokens;
    int origin; /* 1 for the origin (earliest of those holding the whole span) */
    int full;   /* holds (at least 80% of) the whole span */
} pv_source_ref;

/* Who first wrote part of a span: the span's query tokens [tok_start, tok_end) come from text
 * of the origin source that this author (or these co-authors, one entry each with the same
 * range and an equal share) first wrote in commit (or revision) at date. */
typedef struct pv_span_credit {
    uint32_t tok_start, tok_end;   /* query tokens */
    uint32_t line_start, line_end; /* 1-based query lines */
    const char *name;              /* borrowed; NULL when the author is not known */
    const char *email;             /* or NULL */
    const char *id;                /* account id, or NULL */
    const char *commit;            /* or NULL; NULL with name NULL and a date: text that
                                      already existed before the history walked (--since,
                                      a shallow clone) */
    int64_t date;                  /* unix seconds or PV_DATE_UNKNOWN */
    double tokens;                 /* (tok_end - tok_start) / number of co-authors */
    int before; /* the text already existed where the history walked begins (--since, a
                   shallow clone): no author, no commit, date is that boundary ("before
                   DATE"); never a person's credit */
} pv_span_credit;

typedef struct pv_author_credit {
    const char *name;  /* borrowed; NULL when the author is not known ("unknown" in text) */
    const char *email; /* borrowed, may be NULL */
    const char *id;    /* borrowed account id, may be NULL */
    double tokens;     /* credited tokens (co-authors split theirs equally) */
    double share;      /* tokens / all credited tokens (of the span, or of the result) */
} pv_author_credit;

typedef struct pv_span {
    uint32_t start, end;           /* byte range in the query, end exclusive */
    uint32_t line_start, line_end; /* 1-based, inclusive, in the query */
    uint32_t tok_start, tok_end;   /* token range in the query, end exclusive */
    uint32_t tokens;
    int common;                 /* made of common fingerprints, or license text: earns no credit */
    const char *common_license; /* SPDX id when the span is the text of a known license */
    pv_source_ref *sources;     /* the origin, then documents holding only part of the span */
    size_t nsources;
    pv_source_ref *copies;     /* other documents holding the whole span, earliest first */
    size_t ncopies;            /* at most max_copies of them */
    uint32_t copies_total;     /* all of them */
    uint32_t copies_in_source; /* of those, how many are in the origin's source */
    pv_author_credit *authors; /* who wrote the span: credited tokens per person, most first */
    size_t nauthors;
    pv_span_credit *credits; /* by query position; empty for a common span */
    size_t ncredits;
    /* How unlikely a chance match is: -log10 of the expected number of chance matches as good
     * as the origin's in an index of this size (docs/attribution.md, "Strength of evidence");
     * higher is stronger, below 0 a match this good is expected by chance; 0.01 steps. */
    double strength;
} pv_span;

typedef struct pv_result {
    uint32_t tokens;         /* tokens in the query */
    uint32_t matched_tokens; /* tokens covered by reported spans */
    double coverage;         /* matched_tokens / tokens */
    pv_span *spans;
    size_t nspans;
    pv_author_credit *authors; /* sorted by tokens, descending */
    size_t nauthors;
    uint64_t invalid_utf8; /* invalid sequences in the query */
} pv_result;

/* Attribute the text (any mix of prose and code) against the index.
 * On success *out owns a result; free it with pv_result_free. */
int pv_match_run(const pv_index *ix, const char *text, size_t len, const pv_match_opts *opts,
                 pv_result **out, pv_err *err);

/* Release a result; accepts NULL. */
void pv_result_free(pv_result *res);

/* ---- a credit ledger over a batch ------------------------------------------------------ */

/* A credit ledger: outputs matched one by one (pv_credit_add), credited tokens summed per
 * payee over the whole batch, with the evidence of every span. Integer tokens: every credited
 * query token goes to exactly one payee. Co-authors of one run of tokens split it by whole
 * tokens, dealt in query order round-robin in the order the match lists them (the commit's
 * author first): with n co-authors and L tokens, the j-th gets L/n, plus one when j < L%n
 * (docs/attribution.md). Common spans (license text included) and copies earn nothing. */
typedef struct pv_credit pv_credit;

typedef struct pv_credit_opts {
    pv_match_opts match; /* how each output is matched */
    /* With use_min_strength 1, a span whose strength (pv_span.strength) is under min_strength
     * earns nothing: its rows are listed apart (pv_credit_weak_spans). Off by default: the
     * strength of the same span depends on the size of the index (docs/attribution.md). */
    int use_min_strength;
    double min_strength;
} pv_credit_opts;

#define PV_CREDIT_OPTS_INIT                                                                        \
    {                                                                                              \
        PV_MATCH_OPTS_INIT, 0, 0.0                                                                 \
    }

/* The name and version of the rules pv_credit applies; a ledger states them. Version 2 adds
 * the --min-strength rule (spans weaker than it earn nothing). */
#define PV_CREDIT_RULES "provscan-credit"
#define PV_CREDIT_RULES_VERSION 2

typedef enum pv_payee_kind {
    PV_PAYEE_PERSON = 0,  /* an author (identities already merged by the index) */
    PV_PAYEE_UNKNOWN = 1, /* text whose author is not known: earns nothing, "unknown" */
    PV_PAYEE_BEFORE = 2   /* text older than the history walked: earns nothing */
} pv_payee_kind;

/* One span's tokens credited to one payee. Strings are owned by the ledger. */
typedef struct pv_credit_evidence {
    size_t output;                         /* index of the output in the order added */
    const char *output_id;                 /* as given to pv_credit_add */
    uint32_t line_start, line_end;         /* 1-based lines in the output */
    uint32_t tok_start, tok_end;           /* the span's credited run in the output's tokens */
    const char *source;                    /* the origin source row's source root */
    const char *locator;                   /* its locator (path, URL, record id) */
    const char *url;                       /* permalink, or NULL */
    const char *commit;                    /* the source row's commit (or version), or NULL */
    const char *first_commit;              /* the commit that first wrote these tokens, or NULL */
    uint32_t src_line_start, src_line_end; /* lines in the source document */
    uint64_t tokens;                       /* whole tokens credited to this payee */
    double strength;                       /* the span's strength (pv_span.strength) */
} pv_credit_evidence;

typedef struct pv_credit_payee {
    pv_payee_kind kind;
    const char *name, *email, *id;      /* owned by the ledger; NULL when not known */
    uint64_t tokens;                    /* whole credited tokens */
    double share;                       /* tokens / tokens of all persons (0 for non-persons) */
    size_t outputs;                     /* distinct outputs with evidence */
    size_t spans;                       /* evidence rows */
    const pv_credit_evidence *evidence; /* by output order, then query position */
    size_t nevidence;
} pv_credit_payee;

/* One row of a span weaker than pv_credit_opts.min_strength: the evidence as a payee's row
 * would have it (ev.tokens: the whole tokens that payee would have earned), and that payee.
 * Strings are owned by the ledger. */
typedef struct pv_credit_weak {
    pv_credit_evidence ev;
    pv_payee_kind kind;
    const char *name, *email, *id; /* NULL when not known */
} pv_credit_weak;

/* Start a ledger over ix (borrowed: it must outlive the ledger). opts may be NULL. */
int pv_credit_new(const pv_index *ix, const pv_credit_opts *opts, pv_credit **out, pv_err *err);

/* Match one output (text of len bytes, named output_id, copied) and add its credit. */
int pv_credit_add(pv_credit *c, const char *output_id, const char *text, size_t len, pv_err *err);

/* Add an output matched already (pv_match_run against the same index, with opts->match):
 * what pv_credit_add does after matching, so callers can match outputs in parallel and add
 * them in their order. res stays the caller's. */
int pv_credit_add_result(pv_credit *c, const char *output_id, const pv_result *res, pv_err *err);

/* The payees in their deterministic order: persons by tokens descending, then name, email and
 * id (bytewise); then "unknown", then "before the history". The array is borrowed from the
 * ledger and valid until the next pv_credit_add or pv_credit_free. */
int pv_credit_payees(pv_credit *c, const pv_credit_payee **out, size_t *n, pv_err *err);

/* Outputs added, their tokens, and the tokens credited to persons. */
void pv_credit_totals(const pv_credit *c, uint64_t *outputs, uint64_t *tokens, uint64_t *credited);

/* The rows of the spans weaker than min_strength, which earn nothing: by output order, then
 * position in the output, then the order a span's payees are dealt; borrowed from the ledger
 * and valid until the next pv_credit_add or pv_credit_free. *tokens (may be NULL) receives
 * the sum of their tokens. None unless use_min_strength is set. */
void pv_credit_weak_spans(const pv_credit *c, const pv_credit_weak **out, size_t *n,
                          uint64_t *tokens);

/* Release a ledger; accepts NULL. */
void pv_credit_free(pv_credit *c);

/* ---- scanning a dataset for indexed documents ------------------------------------------- */

/* A scan streams datasets (JSON lines shards, WARC/WET, dumps, feeds, folders, git) once
 * against a small index (one person's or a union's work) and reports which of its documents
 * each dataset record holds. The index's fingerprints are kept in memory in a hash set, so
 * that almost every record is found "not in the index" after tokenizing it; the few records
 * that share a fingerprint are confirmed by pv_match_run. */
typedef struct pv_scan pv_scan;

typedef struct pv_scan_opts {
    pv_match_opts match;      /* how a candidate record is matched; min_tokens 0 = k + w - 1 (the
                                 shortest run always found), max_sources and max_copies 0 = 64 */
    unsigned jobs;            /* worker threads; 0 = all cores. The findings are the same, in the
                                 same order, for every value */
    int strict;               /* the first bad record, or a dataset that stops on an error, ends
                                 the scan with an error */
    pv_read_opts read;        /* how the readers read the datasets, as a build reads sources */
    uint64_t max_record_size; /* records larger than this are skipped and counted; 0 = 64 MiB */
    pv_diag_fn diag;          /* bad records, and a dataset that stops on an error; or NULL */
    pv_progress_fn progress;  /* done_bytes/total_bytes of the datasets' input, done_docs =
                                 records read; or NULL */
    void *ctx;                /* passed to diag and progress */
} pv_scan_opts;

#define PV_SCAN_OPTS_INIT                                                                          \
    {                                                                                              \
        .match = { 0, PV_DEFAULT_COMMON, 0, 0 }                                                    \
    }

/* An author of an indexed document found in a record; strings borrowed from the index. */
typedef struct pv_scan_author {
    const char *name; /* NULL when not known */
    const char *email, *id;
} pv_scan_author;

/* One indexed document found in one dataset record. Strings are borrowed: those of the
 * document from the index, the others until the callback returns. */
typedef struct pv_scan_finding {
    size_t dataset;           /* which DATASET argument, from 0 */
    const char *dataset_path; /* its path, without a KIND: prefix */
    uint64_t record_no;       /* the record's number in that dataset, from 1 */
    const char *record;       /* the record's name (id, URL, path), or NULL when it has none */
    int64_t line;             /* line of the dataset file where the record starts, or -1 */
    int64_t offset;           /* byte offset of the record in the dataset file, or -1 */
    uint32_t document;        /* the indexed document found */
    const char *kind, *source, *locator, *commit, *license;
    uint32_t document_tokens;      /* tokens of the indexed document */
    uint32_t tokens;               /* of them, matched in the record (at most document_tokens) */
    double covered;                /* tokens / document_tokens */
    uint32_t spans;                /* spans of the record matching the document */
    uint32_t longest_tokens;       /* the longest of them: its tokens, */
    uint32_t record_lines[2];      /* its lines in the record's text (1-based, inclusive), */
    uint32_t document_lines[2];    /* and in the document */
    const pv_scan_author *authors; /* who first wrote the matched text in the document */
    size_t nauthors;
    int exact; /* the record names a git blob of the document (The Stack's hexsha): an exact
                  copy of one of its versions, whatever its text matched (tokens may be 0) */
} pv_scan_finding;

/* Called with every finding, one at a time, in a deterministic order: by dataset argument,
 * then record, then document id. Returns 0 to go on, nonzero to stop the scan (pv_scan_run
 * then returns that value). */
typedef int (*pv_scan_found_fn)(void *ctx, const pv_scan_finding *f);

typedef struct pv_scan_stats {
    uint64_t datasets;       /* dataset arguments read to their end */
    uint64_t dataset_errors; /* datasets that stopped on an error (named through diag) */
    uint64_t records;        /* records read */
    uint64_t text_bytes;     /* bytes of record text scanned */
    uint64_t read_bytes;     /* input bytes consumed (compressed size when compressed) */
    uint64_t tokens;         /* tokens scanned */
    uint64_t candidates;     /* records that shared a fingerprint and were matched */
    uint64_t found_records;  /* records holding at least one indexed document */
    uint64_t findings;       /* (record, document) pairs reported */
    uint64_t bad_records;    /* malformed records skipped */
    uint64_t skipped;        /* records skipped by rule (empty, too large, deleted) */
    uint64_t invalid_utf8;   /* invalid UTF-8 sequences in records, replaced (by the readers too) */
} pv_scan_stats;

/* Prepare a scan against ix (borrowed: it must outlive the scan): loads the index's
 * fingerprints into memory. opts may be NULL. Returns 0 or a negative pv_error. */
int pv_scan_new(const pv_index *ix, const pv_scan_opts *opts, pv_scan **out, pv_err *err);

/* Scan every DATASET (as pv_index_build takes SOURCEs: files, folders, KIND:PATH, detected
 * the same way) and call fn with every finding. Memory is bounded whatever the datasets'
 * size. A dataset that cannot be read or stops on an error (a truncated shard) is reported
 * through diag with how far it got and counted in st->dataset_errors, and the scan goes on
 * with the next (unless strict). Returns 0, fn's nonzero value, or a negative pv_error: an
 * unknown KIND or a bad preset or field (PV_EINVAL), out of memory, or with strict the first
 * error. st may be NULL. */
int pv_scan_run(pv_scan *s, const char *const *datasets, size_t n, pv_scan_found_fn fn, void *ctx,
                pv_scan_stats *st, pv_err *err);

/* Release a scan; accepts NULL. */
void pv_scan_free(pv_scan *s);

/* ---- checking a change in a git repository --------------------------------------------- */

/* What `provscan check` does, for any program: the lines a change adds or changes (a libgit2
 * diff of base and head, or of HEAD and the staged index) are matched in the context of their
 * whole files, so that a span can run across the edges of a hunk; every span that touches an
 * added line and comes from the index (not common) is a finding at the file and lines of the
 * head version, judged against a policy (docs/ci.md). */

#define PV_DEFAULT_FAIL_TOKENS 50
/* Files of the change larger than this are not matched: named through diag and counted in
 * pv_check_result.skipped. */
#define PV_CHECK_MAX_FILE ((uint64_t)64 << 20)

/* The policies a finding can break, one SARIF rule each (its id in parentheses). */
typedef enum pv_check_rule {
    PV_CHECK_TOKENS,          /* a span of fail_tokens tokens or more (copied-span) */
    PV_CHECK_LICENSE_DENIED,  /* its source's license is denied, or not allowed
                                 (license-denied) */
    PV_CHECK_LICENSE_UNKNOWN, /* its source has no known license, and unknown_deny
                                 (license-unknown) */
    PV_CHECK_NRULES
} pv_check_rule;

/* The stable id of a rule ("copied-span", "license-denied", "license-unknown"; "unknown"
 * outside the enum) and its one-line description ("unknown rule" outside); static strings. */
const char *pv_check_rule_id(pv_check_rule r);
const char *pv_check_rule_text(pv_check_rule r);

/* A policy. The lists are borrowed for the call; SPDX ids compare without regard to case. A
 * source's license may be an SPDX expression ("Apache-2.0 OR MIT", "GPL-2.0-only WITH
 * Classpath-exception-2.0"; AND binds closer than OR; "ID WITH EXCEPTION" is the part ID). */
typedef struct pv_check_policy {
    uint32_t fail_tokens;    /* a span of this many tokens or more breaks PV_CHECK_TOKENS, unless
                                its license is allowed; 0: never on size alone */
    const char *const *deny; /* a license whose every alternative has a part here breaks
                                PV_CHECK_LICENSE_DENIED */
    size_t ndeny;
    const char *const *allow; /* a license with an alternative whose every part is here breaks
                                 nothing; with any allow given, every other known license
                                 breaks PV_CHECK_LICENSE_DENIED */
    size_t nallow;
    int unknown_deny;                  /* a span whose source has no known license breaks
                                          PV_CHECK_LICENSE_UNKNOWN */
    const char *const *ignore_authors; /* emails, names or account ids: a span whose origin's
                                          author is one of them, or whose every author is, is
                                          left out (your own earlier work) */
    size_t nignore_authors;
} pv_check_policy;

/* Findings accepted earlier, recognised by their fingerprints (pv_check_baseline_read). */
typedef struct pv_check_baseline pv_check_baseline;

#define PV_CHECK_OPTS_VERSION 1

typedef struct pv_check_opts {
    unsigned version;       /* PV_CHECK_OPTS_VERSION: the layout the caller was compiled with */
    const char *repo;       /* the repository: its work tree or any folder inside it; NULL: "." */
    const char *base;       /* the revision the change starts from; NULL: the merge base of head and
                               the current branch's upstream when there is one, else head's first
                               parent (everything is added for a root commit) */
    const char *head;       /* the revision checked; NULL: HEAD */
    int staged;             /* check the staged index against HEAD instead (base and head must be
                               NULL), as a pre-commit hook does */
    pv_match_opts match;    /* how each changed file is matched */
    pv_check_policy policy; /* how findings are judged */
    const pv_check_baseline *baseline; /* findings accepted earlier, or NULL */
    pv_diag_fn diag;                   /* files not checked (too large); or NULL */
    void *ctx;                         /* passed to diag */
} pv_check_opts;

#define PV_CHECK_OPTS_INIT                                                                         \
    {                                                                                              \
        .version = PV_CHECK_OPTS_VERSION, .match = PV_MATCH_OPTS_INIT,                             \
        .policy = {.fail_tokens = PV_DEFAULT_FAIL_TOKENS},                                         \
    }

/* One span of a changed file that the index attributes to a source. */
typedef struct pv_check_finding {
    const char *path;     /* the file in the head version, relative to the repository root */
    const pv_span *span;  /* lines, bytes and tokens in that file; sources[0] is the origin
                             (source, locator, commit, url, license, authors); authors with
                             their shares in span->authors */
    unsigned rules;       /* the rules it breaks: bit (1u << pv_check_rule); 0: reported only */
    int baselined;        /* accepted by the baseline: reported as such, fails nothing */
    char fingerprint[17]; /* 16 hex digits from the span's text with runs of white space made
                             one, not its lines: the same across runs, reindented, and when
                             lines above it move (SARIF primaryLocationLineHash, baselines) */
    char sha1[41];        /* SHA-1 of the head version of the file, 40 hex digits (SPDX's file
                             checksum); empty when unknown */
} pv_check_finding;

/* A checked change. Everything it points to is owned by it (spans included) and lives until
 * pv_check_result_free; strings of the index's documents are borrowed from the index, which
 * must outlive it. */
typedef struct pv_check_result {
    const char *repo; /* the repository's work tree (its git folder when bare) */
    char base[41];    /* the base commit as resolved, hex; empty: none (root commit) */
    char head[41];    /* the head commit, hex; "STAGED" with staged */
    const pv_check_finding *findings; /* by path (the diff's order), then line */
    size_t nfindings;
    size_t files;       /* files the change adds lines to */
    size_t added_lines; /* lines it adds or changes, all files */
    size_t skipped;     /* files not checked (over PV_CHECK_MAX_FILE), named through diag */
    int failed;         /* a finding not baselined breaks the policy */
} pv_check_result;

/* Whether a policy can be applied: PV_EINVAL with err naming it when a license is both denied
 * and allowed; else 0. */
int pv_check_policy_validate(const pv_check_policy *p, pv_err *err);

/* Check a change of opts->repo against ix (borrowed: it must outlive the result). opts may be
 * NULL (PV_CHECK_OPTS_INIT). On success *out owns the result; free it with
 * pv_check_result_free. Returns 0 (whether the policy holds or not: see failed), or a
 * negative pv_error with err filled in: PV_EINVAL for options that do not fit (staged with a
 * base or head, an unknown version, a license both denied and allowed); PV_EIO when the
 * repository, a revision, the diff or a blob cannot be read (a revision missing from a shallow
 * clone: the message says what to fetch); an error of pv_match_run naming the file. */
int pv_check_run(const pv_index *ix, const pv_check_opts *opts, pv_check_result **out, pv_err *err);

/* Release a result; accepts NULL. */
void pv_check_result_free(pv_check_result *r);

/* Read a baseline file ("-": standard input) that pv_check_baseline_write wrote:
 * {"provscan_baseline": 1, "findings": [{"fingerprint": "...", ...}, ...]}. Returns 0 with
 * *out owned by the caller (pv_check_baseline_free), or PV_EIO (cannot read it), PV_ELIMIT
 * (over 256 MiB), PV_EFORMAT (not a baseline, or a finding without a fingerprint of 16 hex
 * digits) or PV_ENOMEM, with err naming the file. */
int pv_check_baseline_read(const char *path, pv_check_baseline **out, pv_err *err);

/* Whether the baseline holds this fingerprint (16 hex digits); b may be NULL (no). */
int pv_check_baseline_has(const pv_check_baseline *b, const char *fingerprint);

/* Release a baseline; accepts NULL. */
void pv_check_baseline_free(pv_check_baseline *b);

/* Write every finding of r to path as a baseline (fingerprint, path, lines, tokens, origin),
 * atomically: a temporary file beside it, renamed. Returns 0 or PV_EIO / PV_ENOMEM with err
 * naming the file. */
int pv_check_baseline_write(const char *path, const pv_check_result *r, pv_err *err);

/* ---- reading lines of a file ------------------------------------------------------------ */

/* A file read line by line as its decompressed bytes: plain, gzip or zstd, told apart by their
 * magic bytes ("-" reads standard input). For programs that read JSON lines of outputs the way
 * the corpus readers read dumps. */
typedef struct pv_lines pv_lines;

/* Open path; lines longer than max_line bytes are refused one by one (see pv_lines_next).
 * Returns 0, or PV_EIO / PV_ENOMEM with err naming the file; free *out with pv_lines_free. */
int pv_lines_open(const char *path, size_t max_line, pv_lines **out, pv_err *err);

/* The next line, without its "\n" (a "\r" before it is kept), NUL-terminated and borrowed
 * until the next call: 1 when a line was read (the last may lack "\n"), 0 at the end, or a
 * negative pv_error: PV_ELIMIT for a line over max_line (err names FILE:LINE; its rest was
 * skipped, so reading can go on), another negative pv_error for unreadable or corrupt data (err
 * names the file and the compressed byte offset). *lineno is the number of the line just read,
 * from 1. */
int pv_lines_next(pv_lines *l, const char **line, size_t *len, uint64_t *lineno, pv_err *err);

/* Give back the memory of a long line read last (over 1 MiB), so a big record does not stay
 * held while the next ones are read; the line pv_lines_next returned is no longer valid. */
void pv_lines_shrink(pv_lines *l);

/* Close the file and release l; accepts NULL. */
void pv_lines_free(pv_lines *l);

#ifdef __cplusplus
}
#endif
#endif
