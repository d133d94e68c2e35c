/*
 * source_files.c - the files source: lists the regular files of a directory tree (or one
 * file) with the license of their folder, and loads one file's bytes as a document's
 * text; pv_files__read hands every file to a sink as a document.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <utf8proc.h>

#include "common_int.h"
#include "scanner_int.h"
#include "source.h"

/* A license file is read up to this much. */
#define LICENSE_FILE_MAX ((size_t)1 << 20)

/* A file is read up to max(listed size, this) bytes. */
#define LOAD_MIN_CAP ((uint64_t)16 << 20)

/* Binary detection looks at this prefix of a file. */
#define SNIFF_BYTES 8192

/* Path lengths are bounded by the kernel; this only bounds our buffer on hostile input. */
#define PATH_BUF_MAX ((size_t)1 << 20)

/* Distinct license ids one folder can yield (far more than the license names allow). */
#define FOLDER_LICENSES_MAX 16

/* list->priv: the license expressions joined for folders with several license files.
 * Entries borrow them; single ids are static strings from license.c. */
typedef struct files_priv {
    char **expr;
    size_t n, cap;
} files_priv;

typedef struct walk_pool walk_pool;

/* State of one pv_files__list call (of one of its threads, with a pool). */
typedef struct walk {
    const pv_files_opts *opts;
    pv_file_list *list;
    files_priv *priv;
    pv_patterns ex;  /* --exclude */
    pv_buf path;     /* path of the current folder (root joined with its rel), NUL-terminated */
    size_t rel_from; /* offset in a path where rel starts */
    pv_err *err;
    walk_pool *pool; /* subfolders are tasks of the pool rather than walked here, or NULL */
} walk;

/* A subfolder to walk (path without a trailing '/'), under its parent's license. */
typedef struct walk_task {
    char *path;
    const char *license;
} walk_task;

/* The folders of a walk on several threads: a stack of tasks; busy threads may add more. */
struct walk_pool {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    walk_task *v;
    size_t n, cap;
    unsigned busy;
    int rc; /* the first failure (strict, out of memory): the others stop taking tasks */
    pv_err err;
};

/* strerror that worker threads may call (pv_files__load runs on several at once). */
static const char *errstr(int errnum, char *buf, size_t size)
{
    if (strerror_r(errnum, buf, size) != 0)
        snprintf(buf, size, "error %d", errnum);
    return buf;
}

/* Reports an unreadable path by the readers' one policy for bad records (pv_source__bad):
 * counted in skipped_unreadable and named, or with strict the error. */
static int unreadable(walk *w, const char *path, int errnum)
{
    pv_reader_opts ro;
    pv_reader_stats one;
    char e[128];
    int rc;
    memset(&ro, 0, sizeof ro);
    memset(&one, 0, sizeof one);
    ro.strict = w->opts->strict;
    ro.diag = w->opts->diag;
    ro.ctx = w->opts->ctx;
    rc =
        pv_source__bad(&ro, &one, w->err, "%s: cannot read: %s", path, errstr(errnum, e, sizeof e));
    w->list->skipped_unreadable += one.bad;
    return rc;
}

/* Names a path skipped by rule through diag, as a note (what -v shows). */
static void skip_note(walk *w, const char *path, const char *why)
{
    if (w->opts->diag) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s: skipped: %s", path, why);
        w->opts->diag(w->opts->ctx, PV_NOTE, msg);
    }
}

/* Sets *hit when rel matches an exclude pattern. */
static int excluded(walk *w, const char *rel, size_t len, int *hit)
{
    return pv_patterns__match(&w->ex, rel, len, hit, w->err);
}

/* SPDX id of the license file name (size bytes) in the open folder dfd, or NULL
 * (unreadable or not recognized: the file itself is reported when it is listed). */
static const char *read_license(int dfd, const char *name, uint64_t size)
{
    const size_t cap = size < LICENSE_FILE_MAX ? (size_t)size : LICENSE_FILE_MAX;
    const char *id = NULL;
    char *text = malloc(cap ? cap : 1);
    size_t len = 0;
    int fd = -1;

    if (!text)
        goto done;
    fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        goto done;
    while (len < cap) {
        ssize_t r = read(fd, text + len, cap - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            goto done;
        if (r == 0)
            break;
        len += (size_t)r;
    }
    id = pv_scanner__license_of_text(text, len);
done:
    if (fd >= 0)
        close(fd);
    free(text);
    return id;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The license expression of a folder whose license files gave ids[0..n): NULL, the one id,
 * or the distinct ids sorted and joined with " OR " (kept in priv). */
static int folder_license(walk *w, const char **ids, size_t n, const char **out)
{
    files_priv *p = w->priv;
    pv_buf b = PV_BUF_INIT(4096);
    char *s;

    *out = NULL;
    if (n <= 1) {
        *out = n ? ids[0] : NULL;
        return 0;
    }
    qsort(ids, n, sizeof *ids, cmp_str);
    for (size_t i = 0; i < n; i++) {
        if ((i && pv_buf__append(&b, " OR ", 4)) || pv_buf__append(&b, ids[i], strlen(ids[i])))
            goto nomem;
    }
    if (pv_buf__append(&b, "", 1))
        goto nomem;
    for (size_t i = 0; i < p->n; i++) {
        if (strcmp(p->expr[i], b.data) == 0) {
            *out = p->expr[i];
            pv_buf__free(&b);
            return 0;
        }
    }
    if (pv_array__grow((void **)&p->expr, &p->cap, p->n + 1, sizeof *p->expr))
        goto nomem;
    s = b.data; /* ownership moves to priv */
    p->expr[p->n++] = s;
    *out = s;
    return 0;
nomem:
    pv_buf__free(&b);
    return pv_err__set(w->err, PV_ENOMEM, "out of memory");
}

/* Appends an entry for path (a copy is made; rel is its suffix from rel_from). */
static int add_entry(walk *w, const char *path, size_t rel_from, const struct stat *st)
{
    pv_file_list *l = w->list;
    pv_file_entry *e;
    char *p;

    if (pv_array__grow((void **)&l->v, &l->cap, l->n + 1, sizeof *l->v))
        return pv_err__set(w->err, PV_ENOMEM, "out of memory");
    p = strdup(path);
    if (!p)
        return pv_err__set(w->err, PV_ENOMEM, "out of memory");
    e = &l->v[l->n++];
    e->path = p;
    e->rel = p + rel_from;
    e->size = (uint64_t)st->st_size;
    e->mtime = (int64_t)st->st_mtime;
    e->dir_license = NULL;
    l->total_bytes += e->size;
    return 0;
}

static int too_large(const walk *w, const struct stat *st)
{
    return w->opts->max_file_size && (uint64_t)st->st_size > w->opts->max_file_size;
}

/* Appends "/name" to w->path; the caller truncates back. */
static int path_push(walk *w, const char *name)
{
    if (pv_buf__append(&w->path, "/", 1) || pv_buf__append(&w->path, name, strlen(name) + 1))
        return pv_err__set(w->err, PV_ENOMEM, "out of memory");
    w->path.len--; /* keep the NUL out of len */
    return 0;
}

static void path_pop(walk *w, size_t len)
{
    w->path.len = len;
    w->path.data[len] = '\0';
}

static int walk_folder(walk *w, const char *inherited);

/* Files a regular file of the open folder dfd (w->path is its path): excluded, too large,
 * unreadable, or listed. Each file lands in exactly one of these. */
static int take_file(walk *w, int dfd, const char *name, const struct stat *st)
{
    int hit, rc;
    rc = excluded(w, w->path.data + w->rel_from, w->path.len - w->rel_from, &hit);
    if (rc)
        return rc;
    if (hit) {
        w->list->skipped_excluded++;
        skip_note(w, w->path.data, "excluded by --exclude");
        return 0;
    }
    if (too_large(w, st)) {
        w->list->skipped_large++;
        skip_note(w, w->path.data, "larger than --max-file-size");
        return 0;
    }
    if (faccessat(dfd, name, R_OK, AT_EACCESS) != 0)
        return unreadable(w, w->path.data, errno);
    return add_entry(w, w->path.data, w->rel_from, st);
}

/* A symbolic link, socket, FIFO or device of the open folder dfd (w->path is its path): not
 * followed nor read, but counted and named with what it is. */
static void take_special(walk *w, int dfd, const char *name, const struct stat *st)
{
    const char *why = "not a regular file or folder";
    struct stat target;
    w->list->skipped_special++;
    if (S_ISLNK(st->st_mode)) {
        if (fstatat(dfd, name, &target, 0) == 0)
            why = "symbolic link, not followed";
        else if (errno == ELOOP)
            why = "symbolic link loop";
        else if (errno == ENOENT)
            why = "dangling symbolic link";
        else
            why = "symbolic link whose target cannot be read";
    }
    skip_note(w, w->path.data, why);
}

/* Adds id to ids[0..*n) unless it is there already. */
static void add_distinct(const char **ids, size_t *n, const char *id)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(ids[i], id) == 0)
            return;
    if (*n < FOLDER_LICENSES_MAX)
        ids[(*n)++] = id;
}

/* With a pool: the subfolder name of w->path becomes a task for any thread. */
static int pool_add(walk *w, const char *name, const char *license)
{
    walk_pool *pl = w->pool;
    size_t n = w->path.len + 1 + strlen(name);
    char *path = malloc(n + 1);
    int rc = 0;
    if (!path)
        return pv_err__set(w->err, PV_ENOMEM, "out of memory");
    snprintf(path, n + 1, "%s/%s", w->path.data, name);
    pthread_mutex_lock(&pl->lock);
    if (pv_array__grow((void **)&pl->v, &pl->cap, pl->n + 1, sizeof *pl->v)) {
        free(path);
        rc = pv_err__set(w->err, PV_ENOMEM, "out of memory");
    } else {
        pl->v[pl->n].path = path;
        pl->v[pl->n++].license = license;
        pthread_cond_signal(&pl->cond);
    }
    pthread_mutex_unlock(&pl->lock);
    return rc;
}

/* Walks the subfolder name of w->path unless it matches an exclude pattern as "rel/"; an
 * excluded folder is not entered and counts as one. */
static int take_folder(walk *w, const char *name, const char *license)
{
    const size_t len = w->path.len;
    int hit, rc;

    if ((rc = path_push(w, name)) != 0)
        return rc;
    if (pv_buf__append(&w->path, "/", 1)) {
        rc = pv_err__set(w->err, PV_ENOMEM, "out of memory");
        goto done;
    }
    rc = excluded(w, w->path.data + w->rel_from, w->path.len - w->rel_from, &hit);
    path_pop(w, w->path.len - 1);
    if (rc)
        goto done;
    if (hit) {
        w->list->skipped_excluded++;
        skip_note(w, w->path.data, "folder excluded by --exclude");
    } else {
        rc = walk_folder(w, license);
    }
done:
    path_pop(w, len);
    return rc;
}

/* A thread of a pool: takes folders until none is left and no thread can add more. Each
 * folder's own entries are walked here; its subfolders become tasks (walk_folder). */
static void pool_run(walk *w)
{
    walk_pool *pl = w->pool;
    pthread_mutex_lock(&pl->lock);
    for (;;) {
        walk_task t;
        const char *slash;
        int rc;
        while (pl->n == 0 && pl->busy > 0 && pl->rc == 0)
            pthread_cond_wait(&pl->cond, &pl->lock);
        if (pl->n == 0 || pl->rc != 0)
            break;
        t = pl->v[--pl->n];
        pl->busy++;
        pthread_mutex_unlock(&pl->lock);
        /* w->path is the parent, and the folder is taken by its name, as in one thread */
        slash = strrchr(t.path, '/');
        w->path.len = 0;
        if (pv_buf__append(&w->path, t.path, (size_t)(slash - t.path)) ||
            pv_buf__append(&w->path, "", 1)) {
            rc = pv_err__set(w->err, PV_ENOMEM, "out of memory");
        } else {
            w->path.len--;
            rc = take_folder(w, slash + 1, t.license);
        }
        free(t.path);
        pthread_mutex_lock(&pl->lock);
        pl->busy--;
        if (rc && pl->rc == 0) {
            pl->rc = rc;
            pl->err = *w->err;
        }
        pthread_cond_broadcast(&pl->cond);
    }
    pthread_cond_broadcast(&pl->cond);
    pthread_mutex_unlock(&pl->lock);
}

/* One helper thread of a pool: its own list, error and compiled patterns. */
typedef struct pool_thread {
    walk w;
    pv_file_list list;
    pv_err err;
    pthread_t t;
    int started;
} pool_thread;

static void *pool_main(void *arg)
{
    pool_thread *h = arg;
    double c0 = pv_thread_cpu();
    pool_run(&h->w);
    h->list.helper_cpu += pv_thread_cpu() - c0;
    return NULL;
}

/* Moves the entries, counts and license expressions of a helper's list into l. */
static int pool_gather(pv_file_list *l, pv_file_list *from, pv_err *err)
{
    files_priv *p = l->priv, *q = from->priv;
    if (pv_array__grow((void **)&l->v, &l->cap, l->n + from->n, sizeof *l->v) ||
        (q && pv_array__grow((void **)&p->expr, &p->cap, p->n + q->n, sizeof *p->expr)))
        return pv_err__set(err, PV_ENOMEM, "out of memory");
    if (from->n)
        memcpy(l->v + l->n, from->v, from->n * sizeof *l->v);
    l->n += from->n;
    from->n = 0;
    if (q) {
        if (q->n)
            memcpy(p->expr + p->n, q->expr, q->n * sizeof *p->expr);
        p->n += q->n;
        q->n = 0;
    }
    l->total_bytes += from->total_bytes;
    l->skipped_large += from->skipped_large;
    l->skipped_excluded += from->skipped_excluded;
    l->skipped_unreadable += from->skipped_unreadable;
    l->skipped_git += from->skipped_git;
    l->skipped_special += from->skipped_special;
    l->helper_cpu += from->helper_cpu;
    return 0;
}

/* Walks w->path (the root) on opts->threads threads: this one and helpers, each with a list
 * of its own, gathered into w->list at the end (which is sorted afterwards). */
static int walk_pool_run(walk *w)
{
    walk_pool *pl; /* on the heap: the helpers' walks point at it */
    unsigned n = w->opts->threads - 1, i;
    pool_thread *h = calloc(n, sizeof *h);
    int rc;
    if (!h || !(pl = calloc(1, sizeof *pl))) {
        free(h);
        return pv_err__set(w->err, PV_ENOMEM, "out of memory");
    }
    pthread_mutex_init(&pl->lock, NULL);
    pthread_cond_init(&pl->cond, NULL);
    w->pool = pl;
    pl->busy = 1; /* the root, here */
    rc = walk_folder(w, NULL);
    pthread_mutex_lock(&pl->lock);
    pl->busy--;
    if (rc) {
        pl->rc = rc;
        pl->err = *w->err;
    }
    pthread_mutex_unlock(&pl->lock);
    for (i = 0; i < n && rc == 0; i++) {
        walk *hw = &h[i].w;
        hw->opts = w->opts;
        hw->list = &h[i].list;
        hw->err = &h[i].err;
        hw->rel_from = w->rel_from;
        hw->path = (pv_buf)PV_BUF_INIT(PATH_BUF_MAX);
        hw->pool = pl;
        if (!(h[i].list.priv = calloc(1, sizeof(files_priv))) ||
            pv_patterns__compile(&hw->ex, w->opts->excludes, w->opts->nexcludes, "exclude",
                                 hw->err) != 0)
            break; /* fewer helpers */
        hw->priv = h[i].list.priv;
        if (pthread_create(&h[i].t, NULL, pool_main, &h[i]) != 0)
            break;
        h[i].started = 1;
    }
    pool_run(w);
    for (i = 0; i < n; i++) {
        if (h[i].started)
            pthread_join(h[i].t, NULL);
        if (pool_gather(w->list, &h[i].list, w->err) != 0 && !pl->rc)
            pl->rc = PV_ENOMEM, pl->err = *w->err;
        pv_files__list_free(&h[i].list);
        pv_patterns__free(&h[i].w.ex);
        pv_buf__free(&h[i].w.path);
    }
    while (pl->n > 0) /* left by a failure */
        free(pl->v[--pl->n].path);
    if ((rc = pl->rc) != 0)
        *w->err = pl->err;
    w->pool = NULL;
    free(pl->v);
    free(h);
    pthread_mutex_destroy(&pl->lock);
    pthread_cond_destroy(&pl->cond);
    free(pl);
    return rc;
}

/*
 * Lists the folder at w->path, whose files inherit license (the parent's), then its
 * subfolders. The folder is closed before descending, so deep trees do not use up file
 * descriptors. Files are taken in readdir order; pv_files__list sorts at the end.
 */
static int walk_folder(walk *w, const char *inherited)
{
    const size_t len = w->path.len;
    const size_t first = w->list->n;
    const char *ids[FOLDER_LICENSES_MAX];
    size_t nids = 0, nsub = 0, subcap = 0;
    char **sub = NULL;
    int license_files = 0, rc = 0;
    const char *license = inherited;
    DIR *d;

    d = opendir(len ? w->path.data : "/");
    if (!d)
        return unreadable(w, len ? w->path.data : "/", errno);
    for (;;) {
        struct dirent *de;
        struct stat st;
        const char *name;

        errno = 0;
        if (!(de = readdir(d))) {
            if (errno)
                rc = unreadable(w, w->path.data, errno);
            break;
        }
        name = de->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
            continue;
        if ((rc = path_push(w, name)) != 0)
            break;
        if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            rc = unreadable(w, w->path.data, errno);
        } else if (S_ISDIR(st.st_mode) && strcmp(name, ".git") == 0) {
            w->list->skipped_git++;
        } else if (S_ISDIR(st.st_mode)) {
            if (pv_array__grow((void **)&sub, &subcap, nsub + 1, sizeof *sub) ||
                !(sub[nsub] = strdup(name)))
                rc = pv_err__set(w->err, PV_ENOMEM, "out of memory");
            else
                nsub++;
        } else if (S_ISREG(st.st_mode)) {
            /* a license file names the folder's license even when it is itself excluded */
            if (pv_scanner__license_file_name(name, 0)) {
                const char *id = read_license(dirfd(d), name, (uint64_t)st.st_size);
                license_files = 1;
                if (id)
                    add_distinct(ids, &nids, id);
            }
            rc = take_file(w, dirfd(d), name, &st);
        } else {
            take_special(w, dirfd(d), name, &st);
        }
        path_pop(w, len);
        if (rc)
            break;
    }
    closedir(d);
    if (rc)
        goto done;

    /* a folder with license files has their license, even when none is recognized (NULL):
     * its files are not under the parent's license */
    if (license_files && (rc = folder_license(w, ids, nids, &license)) != 0)
        goto done;
    for (size_t i = first; i < w->list->n; i++)
        w->list->v[i].dir_license = license;
    for (size_t i = 0; i < nsub && !rc; i++)
        rc = w->pool ? pool_add(w, sub[i], license) : take_folder(w, sub[i], license);
done:
    for (size_t i = 0; i < nsub; i++)
        free(sub[i]);
    free(sub);
    return rc;
}

/* A root that is one file: rel is its base name; it has no folder license. */
static int list_file(walk *w, const char *root, const struct stat *st)
{
    const char *slash = strrchr(root, '/');
    size_t rel_from = slash ? (size_t)(slash - root) + 1 : 0;
    int hit, rc;

    if ((rc = excluded(w, root + rel_from, strlen(root + rel_from), &hit)) != 0)
        return rc;
    if (hit) {
        w->list->skipped_excluded++;
        skip_note(w, root, "excluded by --exclude");
        return 0;
    }
    if (too_large(w, st)) {
        w->list->skipped_large++;
        skip_note(w, root, "larger than --max-file-size");
        return 0;
    }
    if (faccessat(AT_FDCWD, root, R_OK, AT_EACCESS) != 0) {
        /* the SOURCE itself: an error, as when it is missing, not one bad file among others */
        char e[128];
        return pv_err__set(w->err, PV_EIO, "cannot open '%s': %s", root,
                           errstr(errno, e, sizeof e));
    }
    return add_entry(w, root, rel_from, st);
}

static int cmp_entry(const void *a, const void *b)
{
    return strcmp(((const pv_file_entry *)a)->rel, ((const pv_file_entry *)b)->rel);
}

/*
 * Beyond the contract in scanner_int.h: opts may be NULL (no limit, no excludes); a
 * max_file_size of 0 means no limit. A folder matching an exclude pattern is not walked
 * and counts as one in skipped_excluded, whatever it holds (counting would mean walking
 * what the user asked to skip). An unreadable folder also counts as one. Symbolic links
 * and special files are not followed nor listed, only counted and noted; the root itself
 * may be a symbolic link. The entries appended by this call are sorted by rel; on failure they stay
 * in the list, which the caller frees with pv_files__list_free as always.
 */
int pv_files__list(const char *root, const pv_files_opts *opts, pv_file_list *list, pv_err *err)
{
    static const pv_files_opts no_opts = {0, NULL, 0, 0, NULL, NULL, 0};
    walk w = {0};
    const size_t first = list->n;
    const double c0 = pv_thread_cpu();
    struct stat st;
    size_t rootlen;
    int rc = 0;

    w.opts = opts ? opts : &no_opts;
    w.list = list;
    w.err = err;
    w.path = (pv_buf)PV_BUF_INIT(PATH_BUF_MAX);
    if (!list->priv && !(list->priv = calloc(1, sizeof(files_priv)))) {
        rc = pv_err__set(err, PV_ENOMEM, "out of memory");
        goto done;
    }
    w.priv = list->priv;
    if ((rc = pv_patterns__compile(&w.ex, w.opts->excludes, w.opts->nexcludes, "exclude", w.err)) !=
        0)
        goto done;
    if (stat(root, &st) != 0) {
        char e[128];
        rc = pv_err__set(err, PV_EIO, "cannot open '%s': %s", root, errstr(errno, e, sizeof e));
        goto done;
    }
    if (S_ISREG(st.st_mode)) {
        rc = list_file(&w, root, &st);
        goto done;
    }
    if (!S_ISDIR(st.st_mode)) {
        rc = pv_err__set(err, PV_EIO, "cannot open '%s': not a regular file or folder", root);
        goto done;
    }
    /* "dir/" and "dir" give the same paths; "/" becomes "" and its files "/a" */
    rootlen = strlen(root);
    while (rootlen > 0 && root[rootlen - 1] == '/')
        rootlen--;
    if (pv_buf__append(&w.path, root, rootlen) || pv_buf__append(&w.path, "", 1)) {
        rc = pv_err__set(err, PV_ENOMEM, "out of memory");
        goto done;
    }
    w.path.len--;
    w.rel_from = rootlen + 1;
    if (faccessat(AT_FDCWD, root, R_OK | X_OK, AT_EACCESS) != 0) {
        /* the SOURCE itself: an error, as when it is missing, not one bad folder among others */
        char e[128];
        rc = pv_err__set(err, PV_EIO, "cannot open '%s': %s", root, errstr(errno, e, sizeof e));
        goto done;
    }
    rc = w.opts->threads > 1 ? walk_pool_run(&w) : walk_folder(&w, NULL);
done:
    if (list->n > first)
        qsort(list->v + first, list->n - first, sizeof *list->v, cmp_entry);
    pv_patterns__free(&w.ex);
    pv_buf__free(&w.path);
    list->walk_cpu += pv_thread_cpu() - c0;
    return rc;
}

void pv_files__list_free(pv_file_list *list)
{
    files_priv *p;
    if (!list)
        return;
    for (size_t i = 0; i < list->n; i++)
        free(list->v[i].path);
    free(list->v);
    p = list->priv;
    if (p) {
        for (size_t i = 0; i < p->n; i++)
            free(p->expr[i]);
        free(p->expr);
        free(p);
    }
    memset(list, 0, sizeof *list);
}

/* Whether the first SNIFF_BYTES of buf look binary: a NUL byte, or more than 30% of the
 * bytes in invalid UTF-8 sequences. A sequence that starts inside the window is checked
 * whole, so a character cut by the window's end is not counted as invalid. */
static int looks_binary(const char *buf, size_t len)
{
    size_t win = len < SNIFF_BYTES ? len : SNIFF_BYTES, bad = 0, i = 0;

    if (memchr(buf, '\0', win))
        return 1;
    while (i < win) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n;
        if ((unsigned char)buf[i] < 0x80) {
            i++;
            continue;
        }
        n = utf8proc_iterate((const utf8proc_uint8_t *)buf + i, (utf8proc_ssize_t)(len - i), &cp);
        if (n < 0) {
            bad++;
            i++;
        } else {
            i += (size_t)n;
        }
    }
    return bad * 10 > win * 3;
}

/* Reads until EOF, at most max(e->size, LOAD_MIN_CAP) bytes: a file that grew past that
 * since it was listed is skipped (PV_ESKIP "PATH: skipped: grew past N bytes"). */
int pv_files__load(const pv_file_entry *e, char **buf, size_t *len, pv_err *err)
{
    const uint64_t limit = e->size > LOAD_MIN_CAP ? e->size : LOAD_MIN_CAP;
    char *data = NULL;
    size_t n = 0, room;
    struct stat st;
    char es[128];
    int fd, rc = 0;

    *buf = NULL;
    *len = 0;
    if (limit > SIZE_MAX - 2)
        return pv_err__set(err, PV_ESKIP, "%s: skipped: too large", e->path);
    fd = open(e->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return pv_err__set(err, PV_EIO, "%s: cannot read: %s", e->path,
                           errstr(errno, es, sizeof es));
    if (fstat(fd, &st) != 0) {
        rc = pv_err__set(err, PV_EIO, "%s: cannot read: %s", e->path, errstr(errno, es, sizeof es));
        goto done;
    }
    /* room for the current size and one byte more, so that EOF shows without regrowing;
     * at most limit + 1 bytes are ever read, plus the NUL */
    room = (uint64_t)st.st_size < limit ? (size_t)st.st_size + 1 : (size_t)limit + 1;
    if (!(data = malloc(room + 1))) {
        rc = pv_err__set(err, PV_ENOMEM, "%s: out of memory", e->path);
        goto done;
    }
    for (;;) {
        ssize_t r;
        if (n == room) {
            char *p;
            if (n > limit) {
                rc = pv_err__set(err, PV_ESKIP, "%s: skipped: grew past %llu bytes", e->path,
                                 (unsigned long long)limit);
                goto done;
            }
            room = room > limit / 2 ? (size_t)limit + 1 : room * 2;
            if (!(p = realloc(data, room + 1))) {
                rc = pv_err__set(err, PV_ENOMEM, "%s: out of memory", e->path);
                goto done;
            }
            data = p;
        }
        r = read(fd, data + n, room - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = pv_err__set(err, PV_EIO, "%s: cannot read: %s", e->path,
                             errstr(errno, es, sizeof es));
            goto done;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    data[n] = '\0';
    if (looks_binary(data, n)) {
        rc = pv_err__set(err, PV_ESKIP, "%s: skipped: binary", e->path);
        goto done;
    }
    *buf = data;
    *len = n;
    data = NULL;
done:
    close(fd);
    free(data);
    return rc;
}

int pv_files__list_source(const char *path, const pv_reader_opts *o, pv_file_list *list,
                          pv_err *err)
{
    pv_files_opts fo;
    size_t i;
    int rc;

    memset(list, 0, sizeof *list);
    memset(&fo, 0, sizeof fo);
    fo.max_file_size = o->max_doc_size;
    fo.excludes = o->excludes;
    fo.nexcludes = o->nexcludes;
    fo.strict = o->strict;
    fo.diag = o->diag;
    fo.ctx = o->ctx;
    fo.threads = o->walk_threads;
    if ((rc = pv_files__list(path, &fo, list, err)) != 0)
        return rc;
    if (o->skip_datasets) { /* the caller reads them as datasets of their own */
        size_t kept = 0;
        for (i = 0; i < list->n; i++) {
            if (pv_source__dataset_file(list->v[i].path)) {
                list->total_bytes -= list->v[i].size;
                free(list->v[i].path); /* rel lives in the same block */
            } else {
                list->v[kept++] = list->v[i];
            }
        }
        list->n = kept;
    }
    return 0;
}

/* Load entry e as the reader's document d (its text in *text, malloc'ed; its SPDX tag in tag)
 * and count it: 0; 1 when it is skipped (binary) or bad, counted and named through o->diag;
 * PV_ENOMEM, or with o->strict the error of a bad file (in err). */
static int file_doc(const pv_file_entry *e, const pv_reader_opts *o, pv_reader_stats *st,
                    pv_doc_in *d, char **text, char *tag, pv_err *err)
{
    pv_err lerr;
    size_t len = 0;
    int rc;

    tag[0] = '\0';
    if (o->loader) {
        rc = o->loader->take(o->loader->ctx, text, &len, tag, &lerr);
    } else {
        rc = pv_files__load(e, text, &len, &lerr);
        if (rc == 0 && !pv_scanner__spdx_tag(*text, len, tag, PV_FILE_TAG_SIZE))
            tag[0] = '\0';
    }

    st->bytes_in += e->size;
    if (rc == PV_ESKIP) {
        pv_source__skip(o, st, &st->skipped_binary, "%s", lerr.msg);
        return 1;
    }
    if (rc == PV_ENOMEM) {
        *err = lerr;
        return rc;
    }
    if (rc != 0)
        return (rc = pv_source__bad(o, st, err, "%s", lerr.msg)) != 0 ? rc : 1;
    memset(d, 0, sizeof *d);
    d->text = *text;
    d->len = len;
    d->kind = "file";
    d->locator = e->rel;
    d->license = tag[0] ? tag : e->dir_license;
    d->origin.date = e->mtime;
    d->give = text;
    return 0;
}

/* With a loader: submits the entries after the last submitted (*next) until it is full. */
static void load_ahead(const pv_file_list *list, const pv_file_loader *l, size_t *next)
{
    while (*next < list->n && l->submit(l->ctx, &list->v[*next]) == 0)
        (*next)++;
}

/* Takes and frees the loader's results not taken, from entry i up to next. */
static void load_drain(const pv_file_loader *l, size_t i, size_t next)
{
    for (; i < next; i++) {
        char *buf = NULL, tag[PV_FILE_TAG_SIZE];
        size_t len;
        pv_err lerr;
        l->take(l->ctx, &buf, &len, tag, &lerr);
        free(buf);
    }
}

int pv_files__read_list(const pv_file_list *list, const pv_reader_opts *o, const pv_sink *sink,
                        pv_reader_stats *st, pv_err *err)
{
    size_t i, next = 0; /* entries the loader was given */
    int rc;

    st->bad += list->skipped_unreadable;
    st->bytes_total += list->total_bytes;
    st->skipped_large += list->skipped_large;
    st->skipped_excluded += list->skipped_excluded;
    st->skipped += list->skipped_large + list->skipped_excluded + list->skipped_special;
    st->helper_cpu += list->helper_cpu;
    st->walk_cpu += list->walk_cpu;
    st->records += list->n + list->skipped_large + list->skipped_excluded +
                   list->skipped_unreadable + list->skipped_special;
    for (i = 0; i < list->n; i++) {
        const pv_file_entry *e = &list->v[i];
        pv_doc_in d;
        char *text = NULL, tag[PV_FILE_TAG_SIZE];

        if (o->loader)
            load_ahead(list, o->loader, &next);
        rc = file_doc(e, o, st, &d, &text, tag, err);
        if (rc == 1)
            continue; /* skipped or bad: counted and named */
        if (rc == 0) {
            rc = sink->doc(sink->ctx, &d);
            free(text);
            if (rc != 0)
                pv_err__set(err, rc, "%s: %s", e->path, pv_strerror(rc));
        }
        if (rc != 0) {
            if (o->loader)
                load_drain(o->loader, i + 1, next);
            return rc;
        }
        st->documents++;
    }
    return 0;
}

/* The files source as a reader: every listed file becomes a document of kind "file" whose
 * locator is its relative path, dated by its modification time, licensed by its
 * SPDX-License-Identifier line or else its folder's license file. */
int pv_files__read(const char *path, const pv_reader_opts *o, const pv_sink *sink,
                   pv_reader_stats *st, pv_err *err)
{
    pv_file_list list;
    int rc = pv_files__list_source(path, o, &list, err);

    if (rc == 0)
        rc = pv_files__read_list(&list, o, sink, st, err);
    else
        st->bad += list.skipped_unreadable; /* also the one that stopped a strict walk */
    pv_files__list_free(&list);
    return rc;
}
