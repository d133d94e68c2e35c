/*
 * outfile.c - what a build does around the index file it writes, before it reads any source:
 * checks the output path, locks OUT.lock so that two builds never write the same index,
 * removes the temporary files OUT.tmp.PID of builds whose process is gone, and keeps the
 * temporary path where pv_index_build_abort_cleanup (called from a signal handler) finds it.
 */
#define _DEFAULT_SOURCE /* flock */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common_int.h"
#include "index_int.h"

/* The builds of this process that may leave a temporary file, for the signal handler: a
 * slot is claimed (1) while its paths are written and armed (2) once they are complete, so
 * that the handler only reads complete paths. Lock-free atomics are async-signal-safe. */
#define MAX_BUILDS 16
static struct {
    atomic_int state; /* 0 free, 1 being filled or emptied, 2 armed */
    char tmp[PV_OUT_PATH_MAX + 32];
    char lock[PV_OUT_PATH_MAX + 8];
} builds[MAX_BUILDS];

_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "the signal handler needs lock-free atomics");

void pv_index_build_abort_cleanup(void)
{
    int i;
    for (i = 0; i < MAX_BUILDS; i++)
        if (atomic_load(&builds[i].state) == 2) {
            unlink(builds[i].tmp);
            unlink(builds[i].lock);
        }
}

static int arm(const pv_outfile *of)
{
    int i;
    for (i = 0; i < MAX_BUILDS; i++) {
        int zero = 0;
        if (atomic_compare_exchange_strong(&builds[i].state, &zero, 1)) {
            memcpy(builds[i].tmp, of->tmp_path, sizeof builds[i].tmp);
            memcpy(builds[i].lock, of->lock_path, sizeof builds[i].lock);
            atomic_store(&builds[i].state, 2);
            return i;
        }
    }
    return -1; /* more builds at once than slots: this one is not cleaned up on a signal */
}

/* The PID written in the lock file by the build that holds it, or 0 when it cannot be read
 * (the holder may not have written it yet: wait a little for it). */
static long lock_holder(int fd)
{
    int tries;
    for (tries = 0; tries < 50; tries++) {
        char buf[32];
        ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
        if (n > 0) {
            char *end;
            long pid;
            buf[n] = 0;
            pid = strtol(buf, &end, 10);
            if (pid > 0 && *end == '\n')
                return pid;
        }
        {
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    return 0;
}

/* Takes OUT.lock (made when missing): an flock held as long as the build runs, released by
 * the kernel when its process ends however it ends. A lock on a file that another build
 * removed at its end (the path then names another file, or none) is taken again. */
static int take_lock(pv_outfile *of, const char *out_path, pv_err *err)
{
    for (;;) {
        struct stat a, b;
        int fd = open(of->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0)
            return pv_err__set(err, PV_EIO, "cannot lock index '%s': cannot create '%s': %s",
                               out_path, of->lock_path, strerror(errno));
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            int e = errno;
            long pid = e == EWOULDBLOCK ? lock_holder(fd) : 0;
            close(fd);
            if (e != EWOULDBLOCK)
                return pv_err__set(err, PV_EIO, "cannot lock index '%s' ('%s'): %s", out_path,
                                   of->lock_path, strerror(e));
            if (pid > 0)
                return pv_err__set(err, PV_EIO,
                                   "index '%s' is being written by another build (process %ld, "
                                   "which holds '%s')",
                                   out_path, pid, of->lock_path);
            return pv_err__set(err, PV_EIO,
                               "index '%s' is being written by another build (which holds '%s')",
                               out_path, of->lock_path);
        }
        if (fstat(fd, &a) == 0 && stat(of->lock_path, &b) == 0 && a.st_dev == b.st_dev &&
            a.st_ino == b.st_ino) {
            char buf[32];
            int n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
            if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
                int e = errno;
                close(fd);
                return pv_err__set(err, PV_EIO, "cannot write '%s': %s", of->lock_path,
                                   strerror(e));
            }
            of->lock_fd = fd;
            return 0;
        }
        close(fd); /* removed under us by the build that held it: take the new one */
    }
}

/* Removes OUT.tmp.PID files beside out_path whose process is gone (a build killed with
 * SIGKILL, or by a crash or a power cut, cannot remove its own), saying so through diag.
 * Called with the lock held, so no live build of this index owns them. */
static void sweep_stale(const char *out_path, pv_diag_fn diag, void *ctx)
{
    char dir[PV_OUT_PATH_MAX];
    const char *slash = strrchr(out_path, '/'), *base = slash ? slash + 1 : out_path;
    size_t blen = strlen(base);
    DIR *d;
    struct dirent *de;
    if (slash)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - out_path) + (slash == out_path), out_path);
    else
        snprintf(dir, sizeof dir, ".");
    if (!(d = opendir(dir)))
        return; /* the writer will report what is wrong with the folder */
    while ((de = readdir(d)) != NULL) {
        const char *n = de->d_name, *digits;
        char path[PV_OUT_PATH_MAX + 300];
        char *end;
        long pid;
        if (strncmp(n, base, blen) != 0 || strncmp(n + blen, ".tmp.", 5) != 0)
            continue;
        digits = n + blen + 5;
        if (*digits < '1' || *digits > '9')
            continue;
        errno = 0;
        pid = strtol(digits, &end, 10);
        if (*end || errno || pid <= 0 || pid == (long)getpid())
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue; /* alive (or not ours to ask): leave it */
        if (slash)
            snprintf(path, sizeof path, "%s/%s", dir, n);
        else
            snprintf(path, sizeof path, "%s", n);
        if (unlink(path) == 0 && diag) {
            char msg[PV_OUT_PATH_MAX + 512];
            snprintf(msg, sizeof msg,
                     "removed '%s', left by a build that stopped (process %ld is gone)", path, pid);
            diag(ctx, PV_WARNING, msg);
        }
    }
    closedir(d);
}

int pv_index__out_begin(pv_outfile *of, const char *out_path, pv_diag_fn diag, void *ctx,
                        pv_err *err)
{
    struct stat st;
    size_t n = strlen(out_path);
    int rc;
    if (n == 0 || n >= PV_OUT_PATH_MAX)
        return pv_err__set(err, PV_EINVAL, "bad index path '%s'", out_path);
    /* refused before any source is read, not when the finished index is renamed */
    if (stat(out_path, &st) == 0 && !S_ISREG(st.st_mode))
        return pv_err__set(err, PV_EIO, "cannot write index '%s': %s", out_path,
                           S_ISDIR(st.st_mode) ? "it is a directory" : "not a regular file");
    snprintf(of->lock_path, sizeof of->lock_path, "%s.lock", out_path);
    snprintf(of->tmp_path, sizeof of->tmp_path, "%s.tmp.%ld", out_path, (long)getpid());
    if ((rc = take_lock(of, out_path, err)) != 0)
        return rc;
    sweep_stale(out_path, diag, ctx);
    of->slot = arm(of);
    return 0;
}

void pv_index__out_end(pv_outfile *of)
{
    if (of->slot >= 0) {
        atomic_store(&builds[of->slot].state, 0);
        of->slot = -1;
    }
    if (of->lock_fd >= 0) {
        /* removed while still held: a build that opened it meanwhile sees it gone and makes
         * a new one (take_lock) */
        unlink(of->lock_path);
        close(of->lock_fd);
        of->lock_fd = -1;
    }
}
