/*
 * test_build_interrupt.c - `provscan index` interrupted, run twice at once, and pointed at a
 * bad output: a signal during the write phase leaves no temporary file, a build killed with
 * SIGKILL leaves one that the next build removes, a second build of the same index stops at
 * once naming the first, a folder as output fails before any source is read, and a full disk
 * names the write that failed. Runs the binary (env PROVSCAN_BIN, default ./provscan).
 */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

extern char **environ;

static const char *g_tmp;

static void make_tmp(void)
{
    g_tmp = pv_test_tmpdir("provscan-intr-");
}

TestSuite(build_interrupt, .init = make_tmp, .fini = pv_test_done);

/* Starts provscan with args; see pv_test_spawn. */
static pid_t start(const char *name, const char *const *args)
{
    return (pid_t)pv_test_spawn(g_tmp, name, pv_test_bin(), args);
}

static int wait_for(pid_t pid)
{
    return pv_test_wait((int)pid);
}

static const char *output(const char *name, const char *ext)
{
    return pv_test_output(g_tmp, name, ext);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void nap_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Waits until path exists (polling every millisecond) or pid has ended; returns 1 when path
 * exists, 0 when the process ended first (its status in *status). */
static int wait_file(const char *path, pid_t pid, int *status)
{
    double t0 = now();
    while (access(path, F_OK) != 0) {
        pid_t w = waitpid(pid, status, WNOHANG);
        cr_assert_neq(w, -1);
        if (w == pid)
            return 0;
        cr_assert_lt(now() - t0, 300.0, "%s never appeared", path);
        nap_ms(1);
    }
    return 1;
}

/* A folder of generated text, about mib MiB in files of 256 KiB, words drawn with a fixed
 * xorshift from a vocabulary of made-up words: many distinct fingerprints, so that the
 * build's write phase (merging the spilled runs, compressing blocks) takes a while. */
static const char *make_corpus(const char *name, size_t mib)
{
    static char dir[1024];
    char path[1200];
    uint64_t x = 0x9E3779B97F4A7C15u;
    size_t f, nfiles = mib * 4;
    char *text = malloc(256 * 1024 + 64);
    cr_assert_not_null(text);
    snprintf(dir, sizeof dir, "%s/%s", g_tmp, name);
    cr_assert_eq(mkdir(dir, 0755), 0);
    for (f = 0; f < nfiles; f++) {
        size_t n = 0;
        while (n < 256 * 1024) {
            int len, i;
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            len = 3 + (int)(x % 7);
            for (i = 0; i < len; i++)
                text[n++] = (char)('a' + (x >> (8 + 5 * i)) % 26);
            text[n++] = (x >> 60) == 0 ? '\n' : ' ';
        }
        snprintf(path, sizeof path, "%s/part%03zu.txt", dir, f);
        pv_test_write_file(path, text, n);
    }
    free(text);
    return dir;
}

/* The names in folder dir that begin with prefix, joined by spaces ("" when none). */
static const char *names_with(const char *dir, const char *prefix)
{
    static char buf[4096];
    DIR *d = opendir(dir);
    struct dirent *de;
    buf[0] = 0;
    cr_assert_not_null(d);
    while ((de = readdir(d)) != NULL)
        if (strncmp(de->d_name, prefix, strlen(prefix)) == 0) {
            strncat(buf, de->d_name, sizeof buf - strlen(buf) - 2);
            strcat(buf, " ");
        }
    closedir(d);
    return buf;
}

/* Starts a build (NAME.out, NAME.err) of a big generated corpus into $TMP/out.pvx with little
 * memory and every k-gram kept (-w 1: about 0.6 s of writing on one core, ten times more than
 * the default window's), and returns once its write phase has begun (its temporary file exists);
 * tmpfile receives that file's path. */
static pid_t start_until_write_phase(const char *name, char *tmpfile, size_t cap)
{
    char out[1024];
    const char *src = make_corpus("corpus", 24);
    pid_t pid;
    int status;
    snprintf(out, sizeof out, "%s/out.pvx", g_tmp);
    pid = start(name, (const char *[]){"index", "-q", "-j", "2", "--memory", "2M", "-w", "1", "-o",
                                       out, src, NULL});
    snprintf(tmpfile, cap, "%s.tmp.%ld", out, (long)pid);
    cr_assert(wait_file(tmpfile, pid, &status),
              "the build ended (status %d) before its write phase could be interrupted: %s", status,
              output(name, "err"));
    return pid;
}

/* A signal during the write phase: the build removes its temporary file and its lock, and
 * exits (not dies) with 128 + the signal. Before: OUT.tmp.PID was left, up to the index's
 * full size, and the process died of the signal. */
static void signal_during_write(int sig)
{
    char tmpfile[1100];
    pid_t pid = start_until_write_phase("build", tmpfile, sizeof tmpfile);
    int status;
    cr_assert_eq(kill(pid, sig), 0);
    status = wait_for(pid);
    cr_assert(WIFEXITED(status), "the build died of signal %d instead of exiting",
              WIFSIGNALED(status) ? WTERMSIG(status) : -1);
    cr_expect_eq(WEXITSTATUS(status), 128 + sig, "%s", output("build", "err"));
    cr_expect_str_eq(names_with(g_tmp, "out.pvx"), "", "left behind");
    cr_expect(strstr(output("build", "err"), "interrupted") != NULL, "%s", output("build", "err"));
}

Test(build_interrupt, regression_sigint_during_the_write_phase_removes_the_temporary_file,
     .timeout = 300)
{
    signal_during_write(SIGINT);
}

Test(build_interrupt, regression_sigterm_during_the_write_phase_removes_the_temporary_file,
     .timeout = 300)
{
    signal_during_write(SIGTERM);
}

Test(build_interrupt, regression_sighup_during_the_write_phase_removes_the_temporary_file,
     .timeout = 300)
{
    signal_during_write(SIGHUP);
}

/* SIGKILL cannot be caught: its temporary file stays, and the next build of the same index
 * removes it (its process is gone) and says so. Before: it stayed for good. */
Test(build_interrupt, regression_kill_9_leaves_a_temporary_file_the_next_build_removes,
     .timeout = 300)
{
    char out[1024], tmpfile[1100], pidtxt[32];
    const char *err;
    pid_t pid = start_until_write_phase("killed", tmpfile, sizeof tmpfile);
    int status;
    snprintf(out, sizeof out, "%s/out.pvx", g_tmp);
    cr_assert_eq(kill(pid, SIGKILL), 0);
    status = wait_for(pid);
    cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    cr_assert_eq(access(tmpfile, F_OK), 0, "SIGKILL leaves the temporary file");

    status = wait_for(start(
        "next", (const char *[]){"index", "-q", "-o", out, "fixtures/corpus/feedparser", NULL}));
    err = output("next", "err");
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s", err);
    cr_expect_neq(access(tmpfile, F_OK), 0, "the stale temporary file is still there");
    snprintf(pidtxt, sizeof pidtxt, "process %ld is gone", (long)pid);
    cr_expect(strstr(err, tmpfile) != NULL && strstr(err, pidtxt) != NULL,
              "the removal is not reported: %s", err);
    cr_expect_str_eq(names_with(g_tmp, "out.pvx"), "out.pvx ");
}

/* Two builds of the same index at once: the second stops at once with exit 3, naming the
 * process of the first, which goes on. Before: both printed "wrote out.pvx" and one silently
 * replaced the other. */
Test(build_interrupt, regression_second_build_of_the_same_index_stops_at_once, .timeout = 300)
{
    char out[1024], lock[1100], want[64];
    const char *src = make_corpus("corpus", 24), *err;
    pid_t first;
    int status;
    double t0;
    snprintf(out, sizeof out, "%s/out.pvx", g_tmp);
    snprintf(lock, sizeof lock, "%s.lock", out);
    first =
        start("first", (const char *[]){"index", "-q", "-j", "1", "-w", "1", "-o", out, src, NULL});
    /* the lock is taken (and holds the first build's process id) before any source is read */
    snprintf(want, sizeof want, "%ld\n", (long)first);
    for (t0 = now();; nap_ms(1)) {
        char *txt;
        cr_assert(wait_file(lock, first, &status), "the first build ended (status %d) first: %s",
                  status, output("first", "err"));
        txt = pv_test_read_file(lock, NULL);
        if (strcmp(txt, want) == 0) {
            free(txt);
            break;
        }
        free(txt);
        cr_assert_lt(now() - t0, 60.0, "the lock never names the first build");
    }
    t0 = now();
    status = wait_for(start(
        "second", (const char *[]){"index", "-q", "-o", out, "fixtures/corpus/feedparser", NULL}));
    err = output("second", "err");
    cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 3, "status %d: %s", status, err);
    snprintf(want, sizeof want, "process %ld", (long)first);
    cr_expect(strstr(err, want) != NULL, "the other build is not named: %s", err);
    cr_expect(strstr(err, out) != NULL, "the index is not named: %s", err);
    cr_expect_str_eq(output("second", "out"), "", "the second build wrote something");
    cr_expect_lt(now() - t0, 5.0, "the second build did not stop at once");
    cr_expect_eq(waitpid(first, &status, WNOHANG), 0, "the first build did not go on");

    status = wait_for(first);
    cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s", output("first", "err"));
    cr_expect(strstr(output("first", "out"), "wrote ") != NULL);
    cr_expect_str_eq(names_with(g_tmp, "out.pvx"), "out.pvx ", "lock or temporary file left");
}

/* -o naming a folder fails before any source is read (exit 3, a clear message). Before: the
 * whole build ran, and only the rename failed. The source holds a bad record: reading it
 * would name it on stderr. */
Test(build_interrupt, regression_output_that_is_a_folder_fails_before_reading)
{
    char out[1024], data[1024];
    const char *err;
    int status;
    static const char jsonl[] = "{\"text\": \"a record with enough words to be indexed here\"}\n"
                                "this line is not JSON at all\n";
    snprintf(out, sizeof out, "%s/out.pvx", g_tmp);
    snprintf(data, sizeof data, "%s/records.jsonl", g_tmp);
    cr_assert_eq(mkdir(out, 0755), 0);
    pv_test_write_file(data, jsonl, sizeof jsonl - 1);
    status = wait_for(start("dir", (const char *[]){"index", "-q", "-o", out, data, NULL}));
    err = output("dir", "err");
    cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 3, "status %d: %s", status, err);
    cr_expect(strstr(err, "is a directory") != NULL && strstr(err, out) != NULL, "%s", err);
    cr_expect(strstr(err, "records.jsonl") == NULL, "the source was read: %s", err);
    cr_expect_str_eq(output("dir", "out"), "");
    cr_expect_str_eq(names_with(g_tmp, "out.pvx"), "out.pvx ");
}

/* A full disk: the message says which write failed (the chunk of the index being written)
 * and where. The temporary file is made a link to /dev/full (every write fails with ENOSPC)
 * by the child before it becomes provscan, which keeps its process id. Before: "cannot write
 * 'out.pvx.tmp.PID': No space left on device", or "cannot read back locators" when the
 * locators' spill failed second. */
Test(build_interrupt, regression_full_disk_names_the_write_that_failed)
{
    char out[1024], errp[1024];
    const char *err;
    pid_t pid;
    int status;
    snprintf(out, sizeof out, "%s/out.pvx", g_tmp);
    snprintf(errp, sizeof errp, "%s/full.err", g_tmp);
    if (access("/dev/full", W_OK) != 0)
        cr_skip_test("no /dev/full");
    pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        char tmpfile[1100];
        int fd = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        snprintf(tmpfile, sizeof tmpfile, "%s.tmp.%ld", out, (long)getpid());
        if (fd < 0 || dup2(fd, 2) < 0 || symlink("/dev/full", tmpfile) != 0)
            _exit(99);
        execl(pv_test_bin(), pv_test_bin(), "index", "-q", "-o", out, "fixtures/corpus",
              (char *)NULL);
        _exit(98);
    }
    status = wait_for(pid);
    err = output("full", "err");
    cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 3, "status %d: %s", status, err);
    cr_expect(strstr(err, "No space left on device") != NULL, "%s", err);
    cr_expect(strstr(err, "writing its chunk ") != NULL, "which write failed is not said: %s", err);
    cr_expect(strstr(err, out) != NULL, "%s", err);
    cr_expect_str_eq(names_with(g_tmp, "out.pvx"), "", "left behind");
}
