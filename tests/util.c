/* Scaffolding the Criterion suites share (see util.h): temporary folders, whole files, and the
 * recording sink the reader suites hand to pv_*__read. Linked into every tests/test_*.c. */
#define _XOPEN_SOURCE 700
#include "util.h"

#include "scanner_int.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <git2.h>
#include <zlib.h>

/* ---- a temporary folder per test ---- */

static char tmpdir[256];

const char *pv_test_tmpdir(const char *prefix)
{
    int k = snprintf(tmpdir, sizeof tmpdir, "/tmp/%sXXXXXX", prefix);
    cr_assert(k > 0 && (size_t)k < sizeof tmpdir);
    cr_assert_not_null(mkdtemp(tmpdir), "cannot make %s: %s", tmpdir, strerror(errno));
    return tmpdir;
}

const char *pv_test_path(const char *rel)
{
    static char buf[16][PATH_MAX];
    static unsigned next;
    char *p = buf[next++ % 16];
    int k;
    cr_assert(tmpdir[0], "pv_test_path before pv_test_tmpdir");
    k = snprintf(p, PATH_MAX, "%s/%s", tmpdir, rel);
    cr_assert(k > 0 && k < PATH_MAX, "path too long: %s/%s", tmpdir, rel);
    return p;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    chmod(path, 0700); /* so that unreadable folders can be emptied */
    return remove(path);
}

int pv_test_rmtree(const char *path)
{
    if (!path || !path[0])
        return 0;
    chmod(path, 0700);
    return nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

/* ---- running the provscan binary ---- */

const char *pv_test_bin(void)
{
    const char *b = getenv("PROVSCAN_BIN");
    return b && *b ? b : "./provscan";
}

int pv_test_run(const char *args, const char *out, const char *err)
{
    char cmd[16384];
    int st;
    snprintf(cmd, sizeof cmd, "%s %s >%s 2>%s", pv_test_bin(), args, out, err);
    st = system(cmd);
    cr_assert(WIFEXITED(st), "%s", cmd);
    return WEXITSTATUS(st);
}

/* ---- whole files ---- */

void pv_test_write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "cannot create %s: %s", path, strerror(errno));
    cr_assert_eq(fwrite(data, 1, n, f), n, "cannot write %s", path);
    cr_assert_eq(fclose(f), 0, "cannot write %s", path);
}

const char *pv_test_put(const char *rel, const void *data, size_t n)
{
    const char *path = pv_test_path(rel);
    char dir[PATH_MAX];
    char *s;
    snprintf(dir, sizeof dir, "%s", path);
    for (s = dir + strlen(tmpdir) + 1; (s = strchr(s, '/')) != NULL; s++) {
        *s = '\0';
        mkdir(dir, 0755); /* EEXIST is fine; a real failure shows when the file is made */
        *s = '/';
    }
    pv_test_write_file(path, data, n);
    return path;
}

const char *pv_test_put_str(const char *rel, const char *s)
{
    return pv_test_put(rel, s, strlen(s));
}

void *pv_test_read_file(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    char *p;
    long sz;
    cr_assert_not_null(f, "cannot open %s", path);
    cr_assert_eq(fseek(f, 0, SEEK_END), 0);
    sz = ftell(f);
    cr_assert_geq(sz, 0, "cannot size %s", path);
    cr_assert_eq(fseek(f, 0, SEEK_SET), 0);
    p = malloc((size_t)sz + 1);
    cr_assert_not_null(p);
    cr_assert_eq(fread(p, 1, (size_t)sz, f), (size_t)sz, "cannot read %s", path);
    p[sz] = '\0';
    fclose(f);
    if (n)
        *n = (size_t)sz;
    return p;
}

unsigned char *pv_test_deflate(const void *data, size_t n, int wbits, size_t *out_n)
{
    z_stream z;
    unsigned char *out;
    size_t cap;
    memset(&z, 0, sizeof z);
    cr_assert_eq(deflateInit2(&z, 6, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY), Z_OK);
    cap = deflateBound(&z, (uLong)n) + 1;
    out = malloc(cap);
    cr_assert_not_null(out);
    z.next_in = (unsigned char *)data;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    cr_assert_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
    *out_n = z.total_out;
    deflateEnd(&z);
    return out;
}

int pv_test_rec_origin(pv_test_origin *origins, size_t *n, const pv_origin_in *o, uint32_t *id)
{
    pv_test_origin *x;
    cr_assert_lt(*n, PV_TEST_MAX_ORIGINS);
    x = &origins[*n];
    x->name = pv_test_keep_str(o->author.name);
    x->email = pv_test_keep_str(o->author.email);
    x->commit = pv_test_keep_str(o->commit);
    x->date = o->date;
    x->before = o->before;
    x->nco = o->ncoauthors;
    for (size_t i = 0; i < o->ncoauthors && i < 4; i++) {
        x->co_name[i] = pv_test_keep_str(o->coauthors[i].name);
        x->co_email[i] = pv_test_keep_str(o->coauthors[i].email);
    }
    *id = (uint32_t)(*n)++;
    return 0;
}

const char pv_test_widget_count[] =
    "int widget_count(const struct widget_list *list)\n"
    "{\n"
    "    int total_widgets_seen = 0;\n"
    "    for (const struct widget *w = list->first; w != NULL; w = w->next_widget)\n"
    "        total_widgets_seen += w->is_counted ? 1 : 0;\n"
    "    return total_widgets_seen;\n"
    "}\n";
const char pv_test_widget_average[] =
    "double widget_average_weight(const struct widget_list *list, double scale_factor)\n"
    "{\n"
    "    double summed_weight = 0.0;\n"
    "    for (const struct widget *item = list->first; item; item = item->next_widget)\n"
    "        summed_weight += item->weight_in_grams * scale_factor;\n"
    "    return widget_count(list) ? summed_weight / widget_count(list) : 0.0;\n"
    "}\n";

/* ---- git histories ---- */

git_oid pv_test_commit_file(git_repository *repo, const git_oid *parent, const char *path,
                            const char *content, const char *name, const char *email,
                            git_time_t when, const char *message)
{
    git_oid blob, tree_id, id;
    git_treebuilder *tb = NULL;
    git_tree *tree = NULL, *ptree = NULL;
    git_commit *p = NULL;
    git_signature *sig = NULL;
    if (parent) {
        cr_assert_eq(git_commit_lookup(&p, repo, parent), 0);
        cr_assert_eq(git_commit_tree(&ptree, p), 0);
    }
    cr_assert_eq(git_blob_create_from_buffer(&blob, repo, content, strlen(content)), 0);
    cr_assert_eq(git_treebuilder_new(&tb, repo, ptree), 0);
    cr_assert_eq(git_treebuilder_insert(NULL, tb, path, &blob, GIT_FILEMODE_BLOB), 0);
    cr_assert_eq(git_treebuilder_write(&tree_id, tb), 0);
    cr_assert_eq(git_tree_lookup(&tree, repo, &tree_id), 0);
    cr_assert_eq(git_signature_new(&sig, name, email, when, 0), 0);
    cr_assert_eq(
        git_commit_create_v(&id, repo, "HEAD", sig, sig, NULL, message, tree, parent ? 1 : 0, p),
        0);
    git_signature_free(sig);
    git_tree_free(tree);
    git_tree_free(ptree);
    git_treebuilder_free(tb);
    git_commit_free(p);
    return id;
}

/* ---- memory kept until the test ends ---- */

static void **kept;
static size_t nkept, capkept;

void *pv_test_keep(void *p)
{
    cr_assert_not_null(p);
    if (nkept == capkept) {
        void **v = realloc(kept, (capkept ? capkept * 2 : 256) * sizeof *kept);
        cr_assert_not_null(v);
        kept = v;
        capkept = capkept ? capkept * 2 : 256;
    }
    kept[nkept++] = p;
    return p;
}

char *pv_test_keep_str(const char *s)
{
    return s ? pv_test_keep(strdup(s)) : NULL;
}

void pv_test_free_kept(void)
{
    while (nkept > 0)
        free(kept[--nkept]);
    free(kept);
    kept = NULL;
    capkept = 0;
}

void pv_test_done(void)
{
    pv_test_free_kept();
    cr_assert_eq(pv_test_rmtree(tmpdir), 0, "cannot remove %s", tmpdir);
}

/* ---- a sink that records what a reader hands on ---- */

int pv_test_rec_doc(void *ctx, const pv_doc_in *d)
{
    pv_test_rec *r = ctx;
    pv_test_doc *c;
    size_t i, k = 0, cap = 1;
    cr_assert_not_null(d->kind);
    cr_assert_not_null(d->locator);
    if (r->n == r->cap) {
        /* The old array stays kept: it is freed with the rest at the end of the test. */
        pv_test_doc *v;
        r->cap = r->cap ? r->cap * 2 : 64;
        v = pv_test_keep(malloc(r->cap * sizeof *v));
        if (r->n)
            memcpy(v, r->v, r->n * sizeof *v);
        r->v = v;
    }
    c = &r->v[r->n++];
    c->text = pv_test_keep(malloc(d->len + 1));
    if (d->len)
        memcpy(c->text, d->text, d->len);
    c->text[d->len] = '\0';
    c->len = d->len;
    c->kind = pv_test_keep_str(d->kind);
    c->locator = pv_test_keep_str(d->locator);
    c->commit = pv_test_keep_str(d->commit);
    c->license = pv_test_keep_str(d->license);
    c->lang = pv_test_keep_str(d->lang);
    c->name = pv_test_keep_str(d->origin.author.name);
    c->email = pv_test_keep_str(d->origin.author.email);
    c->id = pv_test_keep_str(d->origin.author.id);
    c->date = d->origin.date;
    c->origin_commit = pv_test_keep_str(d->origin.commit);
    c->nruns = d->nruns;
    c->runs = NULL;
    if (d->nruns) {
        c->runs = pv_test_keep(malloc(d->nruns * sizeof *c->runs));
        memcpy(c->runs, d->runs, d->nruns * sizeof *c->runs);
    }
    c->offset = d->has_offset ? (int64_t)d->offset : -1;
    c->nblobs = d->nblobs;
    c->blobs = NULL;
    if (d->nblobs) {
        c->blobs = pv_test_keep(malloc(d->nblobs * 20));
        memcpy(c->blobs, d->blobs, d->nblobs * 20);
    }
    for (i = 0; i < d->origin.ncoauthors; i++) {
        const char *name = d->origin.coauthors[i].name;
        cap += strlen(name ? name : "?") + 1;
    }
    c->coauthors = pv_test_keep(malloc(cap));
    c->coauthors[0] = '\0';
    for (i = 0; i < d->origin.ncoauthors; i++) {
        const char *name = d->origin.coauthors[i].name;
        k += (size_t)snprintf(c->coauthors + k, cap - k, "%s%s", i ? "," : "", name ? name : "?");
    }
    return 0;
}

int pv_test_rec_source(void *ctx, const char *name, const char *kind)
{
    pv_test_rec *r = ctx;
    r->sources++;
    r->source_name = pv_test_keep_str(name);
    r->source_kind = pv_test_keep_str(kind);
    return 0;
}

void pv_test_rec_diag(void *ctx, pv_severity sev, const char *msg)
{
    pv_test_rec *r = ctx;
    if (r->ndiag < PV_TEST_NDIAG) {
        snprintf(r->diag[r->ndiag], sizeof r->diag[0], "%s", msg);
        r->sev[r->ndiag] = sev;
    }
    r->ndiag++;
}

pv_sink pv_test_rec_sink(pv_test_rec *r)
{
    pv_sink s;
    memset(&s, 0, sizeof s);
    s.source = pv_test_rec_source;
    s.doc = pv_test_rec_doc;
    s.ctx = r;
    return s;
}

/* ---- git histories with pinned authors and dates ---- */

void pv_test_git_commit(const char *dir, const char *const *paths, const char *const *texts,
                        size_t n, const char *name, const char *email, int64_t when, char *hex)
{
    git_repository *repo = NULL;
    git_index *index = NULL;
    git_oid tree_id, id, head;
    git_tree *tree = NULL;
    git_commit *parent = NULL;
    git_signature *sig = NULL;
    git_libgit2_init();
    if (git_repository_open(&repo, dir) != 0)
        cr_assert_eq(git_repository_init(&repo, dir, 0), 0, "cannot make a repository in %s", dir);
    cr_assert_eq(git_repository_index(&index, repo), 0);
    cr_assert_eq(git_index_clear(index), 0);
    for (size_t i = 0; i < n; i++) {
        git_index_entry e;
        memset(&e, 0, sizeof e);
        e.path = paths[i];
        e.mode = GIT_FILEMODE_BLOB;
        cr_assert_eq(git_index_add_from_buffer(index, &e, texts[i], strlen(texts[i])), 0);
    }
    cr_assert_eq(git_index_write_tree(&tree_id, index), 0);
    cr_assert_eq(git_tree_lookup(&tree, repo, &tree_id), 0);
    cr_assert_eq(git_signature_new(&sig, name, email, (git_time_t)when, 0), 0);
    if (git_reference_name_to_id(&head, repo, "HEAD") == 0)
        cr_assert_eq(git_commit_lookup(&parent, repo, &head), 0);
    cr_assert_eq(git_commit_create_v(&id, repo, "HEAD", sig, sig, NULL, "work\n", tree,
                                     parent ? 1 : 0, parent),
                 0);
    if (hex)
        git_oid_tostr(hex, GIT_OID_HEXSZ + 1, &id);
    git_commit_free(parent);
    git_signature_free(sig);
    git_tree_free(tree);
    git_index_free(index);
    git_repository_free(repo);
    git_libgit2_shutdown();
}

void pv_test_git_origin(const char *dir, const char *url)
{
    git_repository *repo = NULL;
    git_config *cfg = NULL;
    git_libgit2_init();
    cr_assert_eq(git_repository_open(&repo, dir), 0);
    /* written to the configuration: git_remote_create leaks PCRE2 match data in libgit2
       1.5.1 (libgit2 pull request 6382) */
    cr_assert_eq(git_repository_config(&cfg, repo), 0);
    cr_assert_eq(git_config_set_string(cfg, "remote.origin.url", url), 0);
    git_config_free(cfg);
    git_repository_free(repo);
    git_libgit2_shutdown();
}

/* Whether tokens b[0..nb) occur as a run inside a[0..na). */
static int token_run_in(const pv_token *a, size_t na, const pv_token *b, size_t nb)
{
    for (size_t i = 0; nb <= na && i + nb <= na; i++) {
        size_t j = 0;
        while (j < nb && a[i + j].hash == b[j].hash)
            j++;
        if (j == nb)
            return 1;
    }
    return 0;
}

static size_t check_git_row(const pv_source_ref *s, const pv_span *sp, const pv_tokens *q,
                            uint64_t seed, const char *const *dirs, size_t n)
{
    char spec[4096];
    git_object *obj = NULL;
    git_repository *found = NULL;
    pv_tokens bt = {NULL, 0, 0, 0};
    const char *text, *a, *b;
    size_t len, line = 1;

    if (!s->kind || strcmp(s->kind, "git") != 0)
        return 0;
    cr_assert_not_null(s->commit, "git row %s has no commit", s->locator);
    snprintf(spec, sizeof spec, "%s:%s", s->commit, s->locator);
    for (size_t i = 0; i < n && !obj; i++) {
        git_repository *repo = NULL;
        cr_assert_eq(git_repository_open(&repo, dirs[i]), 0);
        if (git_revparse_single(&obj, repo, spec) == 0 && git_object_type(obj) == GIT_OBJECT_BLOB)
            found = repo;
        else {
            git_object_free(obj);
            obj = NULL;
            git_repository_free(repo);
        }
    }
    cr_assert_not_null(obj, "git show %s fails in every repository", spec);
    text = git_blob_rawcontent((git_blob *)obj);
    len = (size_t)git_blob_rawsize((git_blob *)obj);
    for (a = text; line < s->line_start && a < text + len; a++)
        line += *a == '\n';
    cr_assert(s->line_start >= 1 && line == s->line_start, "%s has no line %u", spec,
              s->line_start);
    for (b = a; b < text + len && line <= s->line_end; b++)
        line += *b == '\n';
    cr_assert(line > s->line_end || b == text + len, "%s has no line %u", spec, s->line_end);
    cr_assert_eq(pv_scanner__tokenize(a, (size_t)(b - a), seed, &bt), 0);
    cr_assert(token_run_in(q->v + sp->tok_start, sp->tok_end - sp->tok_start, bt.v, bt.n) ||
                  token_run_in(bt.v, bt.n, q->v + sp->tok_start, sp->tok_end - sp->tok_start),
              "%s lines %u-%u (%zu tokens) are not the span's text (%u tokens)", spec,
              s->line_start, s->line_end, bt.n, sp->tok_end - sp->tok_start);
    pv_scanner__tokens_free(&bt);
    git_object_free(obj);
    git_repository_free(found);
    return 1;
}

size_t pv_test_check_git_rows(const pv_result *res, const char *query, uint64_t seed,
                              const char *const *dirs, size_t n)
{
    pv_tokens q = {NULL, 0, 0, 0};
    size_t rows = 0;
    git_libgit2_init();
    cr_assert_eq(pv_scanner__tokenize(query, strlen(query), seed, &q), 0);
    for (size_t i = 0; i < res->nspans; i++) {
        const pv_span *sp = &res->spans[i];
        for (size_t j = 0; j < sp->nsources; j++)
            rows += check_git_row(&sp->sources[j], sp, &q, seed, dirs, n);
        for (size_t j = 0; j < sp->ncopies; j++)
            rows += check_git_row(&sp->copies[j], sp, &q, seed, dirs, n);
    }
    pv_scanner__tokens_free(&q);
    git_libgit2_shutdown();
    return rows;
}

/* ---- running a program ---- */

void pv_test_mpi_env(void)
{
    const char *a = getenv("ASAN_OPTIONS");
    char opts[2048];
    setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
    setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
    setenv("OMPI_MCA_btl_vader_single_copy_mechanism", "none", 1);
    setenv("OMPI_MCA_rmaps_base_oversubscribe", "1", 1);
    snprintf(opts, sizeof opts, "%s%sfast_unwind_on_malloc=0", a ? a : "", a && *a ? ":" : "");
    setenv("ASAN_OPTIONS", opts, 1);
}

extern char **environ;

int pv_test_spawn(const char *dir, const char *name, const char *prog, const char *const *args)
{
    char outp[1024], errp[1024];
    char *argv[62];
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    sigset_t def;
    pid_t pid;
    int i, rc;
    snprintf(outp, sizeof outp, "%s/%s.out", dir, name);
    snprintf(errp, sizeof errp, "%s/%s.err", dir, name);
    argv[0] = (char *)prog;
    for (i = 0; args[i]; i++) {
        cr_assert_lt(i, 60);
        argv[i + 1] = (char *)args[i];
    }
    argv[i + 1] = NULL;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, outp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, errp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    /* the stop signals at their default, whatever the suite inherited (nohup ignores SIGHUP,
     * and provscan keeps a signal its caller ignores ignored) */
    posix_spawnattr_init(&at);
    sigemptyset(&def);
    sigaddset(&def, SIGINT);
    sigaddset(&def, SIGTERM);
    sigaddset(&def, SIGHUP);
    posix_spawnattr_setsigdefault(&at, &def);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF);
    rc = posix_spawn(&pid, argv[0], &fa, &at, argv, environ);
    posix_spawnattr_destroy(&at);
    posix_spawn_file_actions_destroy(&fa);
    cr_assert_eq(rc, 0, "cannot run %s: %s (build it first, or set PROVSCAN_BIN)", argv[0],
                 strerror(rc));
    return (int)pid;
}

int pv_test_wait(int pid)
{
    int status;
    cr_assert_eq(waitpid((pid_t)pid, &status, 0), (pid_t)pid);
    return status;
}

const char *pv_test_output(const char *dir, const char *name, const char *ext)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.%s", dir, name, ext);
    return pv_test_keep(pv_test_read_file(path, NULL));
}
