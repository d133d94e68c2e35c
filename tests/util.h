/* Scaffolding the Criterion suites share: temporary folders, files written for a test, and a
 * sink that records the documents a reader hands on. Linked into every tests/test_*.c binary. */
#ifndef PV_TESTS_UTIL_H
#define PV_TESTS_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <git2.h>

#include "source.h"

/* ---- a temporary folder per test ---- */

/* Makes a fresh folder /tmp/<prefix>XXXXXX (mkdtemp) and returns its path, which stays valid
 * for the whole process: Criterion runs each test in a process of its own, so call it from a
 * suite's .init. Fails the test when the folder cannot be made. */
const char *pv_test_tmpdir(const char *prefix);

/* "<folder>/<rel>" for the folder pv_test_tmpdir made. The result is one of 16 static buffers
 * used in turn, so a few paths stay valid at once; copy one that must live longer. */
const char *pv_test_path(const char *rel);

/* Removes path and everything below it, making folders writable first so that folders a test
 * made unreadable go too. NULL or "" is nothing to remove. Returns 0, or -1 when something
 * could not be removed. Does not assert: a suite's .fini decides whether that fails it. */
int pv_test_rmtree(const char *path);

/* ---- running the provscan binary ---- */

/* The provscan binary under test: $PROVSCAN_BIN, else ./provscan. */
const char *pv_test_bin(void);

/* Runs `provscan ARGS` (args a shell word list) with stdout to the file out and stderr to the
 * file err (either may be "/dev/null"); returns its exit code, failing the test when it did
 * not exit. */
int pv_test_run(const char *args, const char *out, const char *err);

/* ---- whole files ---- */

/* Writes n bytes of data to path (created or truncated); fails the test when the file cannot
 * be created, written or closed. */
void pv_test_write_file(const char *path, const void *data, size_t n);

/* Writes n bytes of data to the file rel inside the folder pv_test_tmpdir made, making the
 * folders on the way, and returns its path (as pv_test_path does). Fails the test when the
 * file cannot be written. */
const char *pv_test_put(const char *rel, const void *data, size_t n);
/* pv_test_put of the string s, without its NUL. */
const char *pv_test_put_str(const char *rel, const char *s);

/* The whole file at path, malloc'ed with a NUL after its bytes (so text can be used as a
 * string), their count in *n (n may be NULL); the caller frees it. Fails the test when the
 * file cannot be read. */
void *pv_test_read_file(const char *path, size_t *n);

/* data compressed with zlib's deflate at level 6: wbits 31 is one gzip member, 15 a zlib
 * stream, -15 raw deflate. Returns the compressed bytes, malloc'ed (the caller frees them),
 * with their count in *out_n; fails the test when zlib does. */
unsigned char *pv_test_deflate(const void *data, size_t n, int wbits, size_t *out_n);

/* An origin a reader registered through pv_sink.origin, its strings kept until the test
 * ends (pv_test_keep_str). */
typedef struct pv_test_origin {
    const char *name, *email, *commit;
    int64_t date;
    int before;
    const char *co_name[4], *co_email[4]; /* the first four co-authors */
    size_t nco;
} pv_test_origin;

#define PV_TEST_MAX_ORIGINS 256

/* Records o as origins[*n] (fails the test past PV_TEST_MAX_ORIGINS) and gives it that id. */
int pv_test_rec_origin(pv_test_origin *origins, size_t *n, const pv_origin_in *o, uint32_t *id);

/* Two small C functions the credit suites commit and quote: widget_count, and
 * widget_average_weight, which calls it (a second author's part of the same file). */
extern const char pv_test_widget_count[];
extern const char pv_test_widget_average[];

/* ---- git histories ---- */

/* Commits path (a file in the top folder) = content on top of parent (NULL: the first commit; the
 * parent's other files are kept), by name <email> at when (unix seconds, UTC) with message, and
 * moves HEAD to it. Returns the commit's id; fails the test when libgit2 does. */
git_oid pv_test_commit_file(git_repository *repo, const git_oid *parent, const char *path,
                            const char *content, const char *name, const char *email,
                            git_time_t when, const char *message);

/* ---- memory kept until the test ends ---- */

/* Remembers p (malloc'ed, must not be NULL: the test fails) and returns it; it is freed by
 * pv_test_free_kept, or at the end of the test's process. */
void *pv_test_keep(void *p);
/* pv_test_keep(strdup(s)), or NULL when s is NULL. */
char *pv_test_keep_str(const char *s);
/* Frees everything pv_test_keep remembered (call it from a suite's .fini). */
void pv_test_free_kept(void);

/* A suite's .fini for a suite whose .init made a folder with pv_test_tmpdir: pv_test_free_kept,
 * then pv_test_rmtree of that folder, failing the test when it cannot be removed. */
void pv_test_done(void);

/* ---- running a program ---- */

/* The environment an OpenMPI job of provscan needs in the suites: mpirun as root (the
 * allow-root variables), more ranks than cores, no single-copy transport (containers have no
 * ptrace), and, under AddressSanitizer, full stacks at malloc, so that tests/lsan.supp can
 * name OpenMPI's own leaks (its plugins are unloaded before LeakSanitizer looks). */
void pv_test_mpi_env(void);

/* Starts prog (a path) with args (NULL-terminated, without argv[0]; at most 60), stdin from
 * /dev/null, stdout and stderr to DIR/NAME.out and DIR/NAME.err, SIGINT, SIGTERM and SIGHUP at
 * their default (also under nohup); returns its process id. Fails the test when it cannot be
 * started. */
int pv_test_spawn(const char *dir, const char *name, const char *prog, const char *const *args);

/* Waits for the process pid; returns its wait status. */
int pv_test_wait(int pid);

/* The file DIR/NAME.EXT (what pv_test_spawn wrote), kept until the test ends. */
const char *pv_test_output(const char *dir, const char *name, const char *ext);

/* ---- a sink that records what a reader hands on ---- */

/* One document as the recording sink copied it. Every string is a NUL-terminated copy, NULL
 * where the reader gave NULL; text keeps any NUL bytes inside it (len is its length). The runs
 * are copied as given (their origin ids are those the sink's origin callback returned). */
typedef struct pv_test_doc {
    char *text;
    size_t len;
    char *kind, *locator, *commit, *license, *lang;
    char *name, *email, *id; /* the default origin's author */
    char *coauthors;         /* coauthors' names joined by ",", "?" for a nameless one */
    int64_t date;
    char *origin_commit; /* the default origin's commit */
    pv_run_in *runs;     /* a copy of the document's runs, NULL when it has none */
    size_t nruns;
    unsigned char *blobs; /* a copy of pv_doc_in.blobs (20 bytes each), or NULL */
    size_t nblobs;
    int64_t offset; /* pv_doc_in.offset, or -1 when has_offset is not set */
} pv_test_doc;

#define PV_TEST_NDIAG 16

/* What a reader handed on. Zero-initialise it. Its copies are kept with pv_test_keep, so they
 * live until pv_test_free_kept or the end of the test's process; nothing else frees them. */
typedef struct pv_test_rec {
    pv_test_doc *v;
    size_t n, cap;
    char *source_name, *source_kind; /* from the last pv_sink.source call */
    int sources;                     /* pv_sink.source calls */
    char diag[PV_TEST_NDIAG][1024];  /* the first PV_TEST_NDIAG diagnostics */
    pv_severity sev[PV_TEST_NDIAG];
    size_t ndiag; /* every diagnostic, also those not kept */
} pv_test_rec;

/* pv_sink.doc for a pv_test_rec ctx: asserts the document has a kind and a locator, appends
 * a copy to v, returns 0. */
int pv_test_rec_doc(void *ctx, const pv_doc_in *d);
/* pv_sink.source for a pv_test_rec ctx: counts the call and copies name and kind; returns 0. */
int pv_test_rec_source(void *ctx, const char *name, const char *kind);
/* pv_diag_fn for a pv_test_rec ctx: copies the message and severity, counts it. */
void pv_test_rec_diag(void *ctx, pv_severity sev, const char *msg);
/* A sink recording into r: source and doc as above, no origin callback. */
pv_sink pv_test_rec_sink(pv_test_rec *r);

/* ---- git histories with pinned authors and dates ---- */

/* Commits the complete file set paths[i] = texts[i] (n files, folders made as needed) to the
 * repository at dir (made when it does not exist yet) as name <email> at when (unix seconds,
 * UTC), on top of HEAD when there is one, and moves HEAD; so commit ids are the same on every
 * run. Writes the commit id (40 hex digits and a NUL) to hex when it is not NULL. Fails the
 * test on any error. */
void pv_test_git_commit(const char *dir, const char *const *paths, const char *const *texts,
                        size_t n, const char *name, const char *email, int64_t when, char *hex);

/* Sets the origin remote's URL of the repository at dir (in its configuration). */
void pv_test_git_origin(const char *dir, const char *url);

/* Checks every git row (sources and copies) of every span of res, matched from query with an
 * index of the given seed, against the repositories at dirs[0..n): the row's commit holds its
 * path (`git show COMMIT:PATH` works in one of them), lines line_start..line_end exist there,
 * and those lines tokenize to a run of the span's query tokens (or hold the whole span, for a
 * span that starts or ends inside a line). Fails the test otherwise; returns the rows checked. */
size_t pv_test_check_git_rows(const pv_result *res, const char *query, uint64_t seed,
                              const char *const *dirs, size_t n);

#endif
