/*
 * mpi.c - `provscan index --mpi`: a build spread over the ranks of an MPI job
 * (`mpirun -n N provscan index --mpi -o INDEX SOURCE...`).
 *
 * The SOURCEs are cut into N runs of consecutive sources, one per rank, in the order given,
 * each run about an Nth of the sources' bytes on disk.
 * Each rank builds its run into a part (an index of its own, in the folder of INDEX or in
 * --tmpdir) with every core of its machine; the parts are sent to rank 0 over MPI and rank 0
 * merges them, in rank order, into INDEX. Documents keep the order of the sources, so the index
 * holds what one process building every SOURCE would hold; docs/scale.md says what the merge
 * gives and costs. Rank 0 prints the summary, with a line per rank (sources, documents, input
 * bytes, seconds, peak memory, bytes sent).
 *
 * Only the main thread calls MPI (MPI_THREAD_FUNNELED): the build's threads never do.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <mpi.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_int.h"

/* A part travels in pieces of this size (MPI counts are ints). */
#define PIECE ((size_t)64 << 20)

enum { TAG_SIZE = 1, TAG_PIECE = 2 };

/* What each rank tells rank 0 about its run. */
typedef struct rank_report {
    double secs;       /* wall seconds of its build */
    uint64_t rc;       /* 0, or the PV_E* code its build returned (negated) */
    uint64_t first;    /* its first source (index into SOURCE...) */
    uint64_t nsources; /* how many */
    uint64_t peak_rss; /* bytes (getrusage) */
    uint64_t sent;     /* bytes of its part sent to rank 0 */
    pv_build_stats st; /* its build's statistics */
} rank_report;

/* The part a rank writes, and the copy rank 0 receives: "INDEX.part-R.PID" beside INDEX
 * (or in tmpdir), so that ranks sharing a file system never write the same file. */
static int part_path(char *buf, size_t n, const char *out, const char *tmpdir, int rank,
                     const char *what)
{
    const char *base = strrchr(out, '/');
    int r;
    if (tmpdir)
        r = snprintf(buf, n, "%s/%s.%s-%d.%ld", tmpdir, base ? base + 1 : out, what, rank,
                     (long)getpid());
    else
        r = snprintf(buf, n, "%s.%s-%d.%ld", out, what, rank, (long)getpid());
    return r < 0 || (size_t)r >= n ? -1 : 0;
}

static uint64_t peak_rss(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0;
    return (uint64_t)ru.ru_maxrss * 1024;
}

/* Send the file at path to rank 0: its size, then its bytes in pieces. A size of UINT64_MAX
 * says the part could not be read (the rank has reported why). */
static uint64_t send_part(const char *path)
{
    uint64_t size = UINT64_MAX, left;
    char *buf = NULL;
    struct stat sb;
    int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
    if (!path)
        size = 0;
    else if (fd < 0 || fstat(fd, &sb) != 0 || !(buf = malloc(PIECE)))
        fprintf(stderr, "provscan: cannot read back the part %s: %s\n", path, strerror(errno));
    else
        size = (uint64_t)sb.st_size;
    MPI_Send(&size, 1, MPI_UINT64_T, 0, TAG_SIZE, MPI_COMM_WORLD);
    for (left = size == UINT64_MAX ? 0 : size; left > 0;) {
        size_t n = left < PIECE ? (size_t)left : PIECE, got = 0;
        while (got < n) {
            ssize_t r = read(fd, buf + got, n - got);
            if (r <= 0) {
                /* The size was promised: send zeros, rank 0 finds the part corrupt by its
                   checksums, and this rank says why. */
                fprintf(stderr, "provscan: cannot read back the part %s: %s\n", path,
                        r < 0 ? strerror(errno) : "file shrank");
                memset(buf + got, 0, n - got);
                break;
            }
            got += (size_t)r;
        }
        MPI_Send(buf, (int)n, MPI_BYTE, 0, TAG_PIECE, MPI_COMM_WORLD);
        left -= n;
    }
    free(buf);
    if (fd >= 0)
        close(fd);
    return size == UINT64_MAX ? 0 : size;
}

/* On rank 0: receive rank src's part into path. Returns 1 when a part was received, 0 when the
 * rank had none, -1 on an error (reported). */
static int recv_part(int src, const char *path)
{
    uint64_t size, left;
    char *buf = NULL;
    int fd = -1, rc = 1;
    MPI_Recv(&size, 1, MPI_UINT64_T, src, TAG_SIZE, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (size == UINT64_MAX)
        return -1;
    if (size == 0)
        return 0;
    if (!(buf = malloc(PIECE))) { /* the sender's pieces could not even be received */
        fprintf(stderr, "provscan: out of memory receiving the part of rank %d\n", src);
        MPI_Abort(MPI_COMM_WORLD, PV_EXIT_INPUT);
    }
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        fprintf(stderr, "provscan: cannot write %s: %s\n", path, strerror(errno));
        rc = -1;
    }
    for (left = size; left > 0;) {
        size_t n = left < PIECE ? (size_t)left : PIECE, done = 0;
        /* Every piece is received, even after a failed write, so that the sender finishes. */
        MPI_Recv(buf, (int)n, MPI_BYTE, src, TAG_PIECE, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        while (rc > 0 && done < n) {
            ssize_t w = write(fd, buf + done, n - done);
            if (w < 0) {
                fprintf(stderr, "provscan: cannot write %s: %s\n", path, strerror(errno));
                rc = -1;
                break;
            }
            done += (size_t)w;
        }
        left -= n;
    }
    free(buf);
    if (fd >= 0 && close(fd) != 0 && rc > 0) {
        fprintf(stderr, "provscan: cannot write %s: %s\n", path, strerror(errno));
        rc = -1;
    }
    return rc;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

/* On rank 0: the parts, in rank order, become the segments of a folder index beside out
 * (the first part is its first segment), which is merged into out; the folder is removed. */
static int join_parts(const char *out, const char *tmpdir, char **parts, size_t n, pv_err *err)
{
    char dir[4096];
    size_t i;
    int rc = 0;
    if (n == 1) {
        if (rename(parts[0], out) == 0)
            return 0;
        err->code = PV_EIO;
        snprintf(err->msg, sizeof err->msg, "cannot rename '%s' to '%s': %s", parts[0], out,
                 strerror(errno));
        return PV_EIO;
    }
    if (part_path(dir, sizeof dir, out, tmpdir, 0, "joined") != 0 || rename(parts[0], dir) != 0) {
        err->code = PV_EIO;
        snprintf(err->msg, sizeof err->msg, "cannot rename '%s': %s", parts[0], strerror(errno));
        return PV_EIO;
    }
    for (i = 1; i < n && rc == 0; i++)
        rc = pv_index_add_file(dir, parts[i], err);
    if (rc == 0)
        rc = pv_index_merge(dir, out, NULL, err);
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return rc;
}

/* nftw's running total of the regular files' bytes under a folder. */
static uint64_t g_walked;

static int add_size(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)path;
    (void)ftw;
    if (flag == FTW_F && S_ISREG(sb->st_mode))
        g_walked += (uint64_t)sb->st_size;
    return 0;
}

/* The bytes of a SOURCE on disk (a folder's files added up; a "KIND:" prefix skipped), 1 for
 * one that cannot be read (it still counts as a source). */
static uint64_t source_bytes(const char *src)
{
    struct stat sb;
    const char *colon = strchr(src, ':'), *slash = strchr(src, '/');
    if (colon && (!slash || colon < slash) && stat(src, &sb) != 0)
        src = colon + 1;
    if (stat(src, &sb) != 0)
        return 1;
    if (!S_ISDIR(sb.st_mode))
        return (uint64_t)sb.st_size + 1;
    g_walked = 0;
    nftw(src, add_size, 16, FTW_PHYS);
    return g_walked + 1;
}

/* Rank r's run of consecutive sources [*first, *last): the runs cut the sources' bytes on disk
 * into N about equal shares (every rank computes the same cut from the same file system). */
static void split(const char *const *sources, size_t n, int rank, int nranks, size_t *first,
                  size_t *last)
{
    uint64_t *cum = malloc((n + 1) * sizeof *cum), total;
    size_t i, r;
    *first = *last = 0;
    if (!cum) { /* by count */
        *first = (size_t)((uint64_t)rank * n / (uint64_t)nranks);
        *last = (size_t)((uint64_t)(rank + 1) * n / (uint64_t)nranks);
        return;
    }
    cum[0] = 0;
    for (i = 0; i < n; i++)
        cum[i + 1] = cum[i] + source_bytes(sources[i]);
    total = cum[n];
    /* run r ends at the first source whose end passes r + 1 shares (the last run ends at n) */
    for (r = 0, i = 0; r <= (size_t)rank; r++) {
        uint64_t goal = (uint64_t)((long double)total * (long double)(r + 1) / nranks);
        size_t start = i;
        while (i < n && (r + 1 == (size_t)nranks || cum[i + 1] <= goal ||
                         (cum[i] < goal && goal - cum[i] > cum[i + 1] - goal)))
            i++;
        if (r == (size_t)rank) {
            *first = start;
            *last = i;
        }
    }
    free(cum);
}

static void print_ranks(const rank_report *rr, int nranks)
{
    char b1[32], b2[32];
    uint64_t sent = 0;
    int i;
    for (i = 0; i < nranks; i++) {
        printf("rank %d: %llu %s, %s documents, %.1f MB in %.2f s (%.1f MB/s), peak RSS %.1f MB, "
               "sent %s bytes\n",
               i, (unsigned long long)rr[i].nsources, rr[i].nsources == 1 ? "source" : "sources",
               pv_cli__commas(rr[i].st.documents, b1), (double)rr[i].st.bytes / 1e6, rr[i].secs,
               rr[i].secs > 0 ? (double)rr[i].st.bytes / 1e6 / rr[i].secs : 0.0,
               (double)rr[i].peak_rss / 1e6, pv_cli__commas(rr[i].sent, b2));
        sent += rr[i].sent;
    }
    printf("exchanged %s bytes between %d %s\n", pv_cli__commas(sent, b1), nranks,
           nranks == 1 ? "rank" : "ranks");
}

/* Adds the counts and stage times of b to a (the fields before `stages` are uint64_t counts). */
static void add_stats(pv_build_stats *a, const pv_build_stats *b)
{
    uint64_t *x = (uint64_t *)a;
    const uint64_t *y = (const uint64_t *)b;
    size_t i;
    for (i = 0; i < offsetof(pv_build_stats, stages) / sizeof(uint64_t); i++)
        x[i] += y[i];
    for (i = 0; i < PV_NSTAGES; i++) {
        a->stages[i].wall += b->stages[i].wall;
        a->stages[i].serial += b->stages[i].serial;
        a->stages[i].parallel += b->stages[i].parallel;
    }
}

int pv_cli__index_mpi(const char *out, const char *const *sources, size_t nsources,
                      const pv_build_opts *o, pv_cli_mpi_result *res, pv_err *err)
{
    rank_report me = {0}, *all = NULL;
    char mine[4096], theirs[4096];
    char **parts = NULL;
    size_t nparts = 0, first, last;
    int rank, nranks, provided, i, failed = 0, rc = 0;
    double t0;

    memset(res, 0, sizeof *res);
    if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        err->code = PV_EIO;
        snprintf(err->msg, sizeof err->msg, "MPI cannot start (run provscan under mpirun)");
        return PV_EIO;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
    res->rank = rank;
    res->nranks = nranks;

    /* an INDEX that cannot be written is refused before any source is read, as by one
       process (rank 0 writes it; every rank learns it) */
    if (rank == 0) {
        struct stat sb;
        if (stat(out, &sb) == 0 && !S_ISREG(sb.st_mode)) {
            fprintf(stderr, "provscan: cannot write index '%s': %s\n", out,
                    S_ISDIR(sb.st_mode) ? "it is a directory" : "not a regular file");
            failed = 1;
        }
    }
    MPI_Bcast(&failed, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (failed) {
        MPI_Finalize();
        return PV_EIO;
    }

    split(sources, nsources, rank, nranks, &first, &last);
    me.first = first;
    me.nsources = last - first;

    if (part_path(mine, sizeof mine, out, o->tmpdir, rank, "part") != 0) {
        fprintf(stderr, "provscan: %s: path too long\n", out);
        me.rc = 1;
    }
    t0 = pv_cli__now();
    if (me.rc == 0 && me.nsources > 0) {
        pv_build_opts ro = *o;
        if (rank != 0)
            ro.progress = NULL; /* one progress bar, rank 0's */
        ro.part = nranks > 1;
        if (nranks == 1)
            rc = pv_index_build(out, sources, nsources, &ro, &me.st, err);
        else
            rc = pv_index_build(mine, sources + first, me.nsources, &ro, &me.st, err);
        if (rc < 0) {
            pv_cli__lib_error(err, rc);
            me.rc = (uint64_t)-rc;
        }
    }
    me.secs = pv_cli__now() - t0;

    /* Every rank learns whether one failed before anything is sent. */
    i = me.rc != 0;
    MPI_Allreduce(&i, &failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (!failed && nranks > 1) {
        if (rank != 0) {
            me.sent = send_part(me.nsources > 0 ? mine : NULL);
        } else if (!(parts = calloc((size_t)nranks, sizeof *parts))) {
            failed = 1;
        } else {
            if (me.nsources > 0)
                parts[nparts++] = mine;
            for (i = 1; i < nranks; i++) {
                char *p;
                int got;
                if (part_path(theirs, sizeof theirs, out, o->tmpdir, i, "received") != 0 ||
                    !(p = strdup(theirs))) {
                    failed = 1;
                    p = NULL;
                }
                got = recv_part(i, p ? p : "/dev/null");
                if (got < 0)
                    failed = 1;
                if (got > 0 && p)
                    parts[nparts++] = p;
                else
                    free(p);
            }
        }
    }
    me.peak_rss = peak_rss();
    if (rank == 0)
        all = calloc((size_t)nranks, sizeof *all);
    MPI_Gather(&me, (int)sizeof me, MPI_BYTE, all, (int)sizeof me, MPI_BYTE, 0, MPI_COMM_WORLD);

    if (rank == 0 && all && !failed && nranks > 1) {
        /* the check each part left out, made on the whole build */
        uint64_t docs = 0, bad = 0;
        for (i = 0; i < nranks; i++) {
            docs += all[i].st.documents;
            bad += all[i].st.bad_records;
        }
        if (docs == 0 && bad > 0) {
            fprintf(stderr,
                    "provscan: no document indexed: every record read was bad (%llu, named "
                    "above)\n",
                    (unsigned long long)bad);
            failed = 1;
        }
    }
    if (rank == 0 && !failed && nranks > 1) {
        t0 = pv_cli__now();
        rc = join_parts(out, o->tmpdir, parts, nparts, err);
        res->merge_secs = pv_cli__now() - t0;
        if (rc < 0) {
            pv_cli__lib_error(err, rc);
            failed = 1;
        }
    }
    if (nranks > 1 && me.nsources > 0)
        unlink(mine);
    if (parts) {
        for (i = 0; i < (int)nparts; i++)
            if (parts[i] != mine) {
                unlink(parts[i]);
                free(parts[i]);
            }
        free(parts);
    }
    if (rank == 0 && all) {
        pv_index *ix = NULL;
        pv_index_info info;
        for (i = 0; i < nranks; i++)
            add_stats(&res->st, &all[i].st);
        /* what the ranks counted apart is the sum of theirs; what the index holds is its own */
        if (!failed && pv_index_open(&ix, out, NULL) == 0) {
            pv_index_get_info(ix, &info);
            res->st.index_bytes = info.file_bytes;
            res->st.fingerprints = info.fingerprints;
            res->st.postings = info.postings;
            pv_index_free(ix);
        }
        if (!failed)
            print_ranks(all, nranks);
        else
            for (i = 0; i < nranks; i++)
                if (all[i].rc)
                    fprintf(stderr, "provscan: rank %d stopped on an error (named above)\n", i);
    }
    free(all);
    MPI_Finalize();
    if (failed && rc >= 0)
        rc = PV_EIO;
    return rc;
}
