/*
 * test_cli.c - the command-line tool, end to end: runs the provscan binary (env
 * PROVSCAN_BIN, default ./provscan, run from the repository root) and compares its stdout,
 * stderr and exit code with tests/expected/NAME.{out,err,code}. Before comparing, the
 * temporary folder is replaced by $TMP, timings ("in 0.01 s (2.1 MB/s)") by X and index
 * creation times by DATE. PROVSCAN_UPDATE_EXPECTED=1 rewrites the expected files instead.
 */
#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE 700 /* posix_openpt, grantpt: the terminal-width test */
#include <criterion/criterion.h>

#include "provscan.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cJSON.h>
#include <utf8proc.h>

extern char **environ;

#define EXPECTED_DIR "tests/expected"

typedef struct run_result {
    int code; /* exit code, or 128 + signal */
    char *out, *err;
} run_result;

/* ---- helpers -------------------------------------------------------------------------- */

static void write_text(const char *dir, const char *name, const char *text, time_t mtime)
{
    char path[1024];
    struct timespec ts[2];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    pv_test_write_file(path, text, strlen(text));
    /* Document dates come from file times: pin them so reports do not change. */
    ts[0].tv_sec = ts[1].tv_sec = mtime;
    ts[0].tv_nsec = ts[1].tv_nsec = 0;
    cr_assert_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
}

/* Run provscan with args (NULL-terminated, without argv[0]); stdin from stdin_path (NULL:
   /dev/null); stdout to stdout_path (NULL: captured). */
static void run_to(run_result *r, const char *tmp, const char *stdin_path, const char *stdout_path,
                   const char *const *args)
{
    char outp[1024], errp[1024];
    char *argv[64];
    posix_spawn_file_actions_t fa;
    pid_t pid;
    int status, i, rc;
    snprintf(outp, sizeof outp, "%s/.stdout", tmp);
    snprintf(errp, sizeof errp, "%s/.stderr", tmp);
    argv[0] = (char *)pv_test_bin();
    for (i = 0; args[i]; i++) {
        cr_assert_lt(i, 62);
        argv[i + 1] = (char *)args[i];
    }
    argv[i + 1] = NULL;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, stdin_path ? stdin_path : "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, stdout_path ? stdout_path : outp,
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, errp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    cr_assert_eq(rc, 0, "cannot run %s: %s (build it first, or set PROVSCAN_BIN)", argv[0],
                 strerror(rc));
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    r->code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r->out = stdout_path ? strdup("") : pv_test_read_file(outp, NULL);
    r->err = pv_test_read_file(errp, NULL);
    cr_assert(r->out && r->err);
}

static void run(run_result *r, const char *tmp, const char *stdin_path, const char *const *args)
{
    run_to(r, tmp, stdin_path, NULL, args);
}

static void run_free(run_result *r)
{
    free(r->out);
    free(r->err);
}

/* Each test runs in its own process with its own temporary folder, made before the test
   and removed after it, even when an assertion fails. */
static const char *g_tmp;

static void make_tmp(void)
{
    g_tmp = pv_test_tmpdir("provscan-cli-");
}

static void rm_tmp(void)
{
    if (getuid() == 0)
        (void)seteuid(0); /* a test may have given up root; the saved id gets it back */
    if (pv_test_rmtree(g_tmp) != 0)
        cr_log_warn("could not remove %s", g_tmp);
}

TestSuite(cli, .init = make_tmp, .fini = rm_tmp);

/* Replace every match of the POSIX extended regex pattern in s by rep, or only its first
   group when it has one; returns a new string and frees s. */
static char *replace_re(char *s, const char *pattern, const char *rep)
{
    regex_t re;
    regmatch_t m[2];
    size_t cap = strlen(s) + 1, n = 0, rlen = strlen(rep);
    char *out = malloc(cap), *p = s;
    cr_assert_eq(regcomp(&re, pattern, REG_EXTENDED), 0, "bad pattern %s", pattern);
    while (*p && regexec(&re, p, 2, m, p == s ? 0 : REG_NOTBOL) == 0 && m[0].rm_eo > 0) {
        regmatch_t g = re.re_nsub > 0 ? m[1] : m[0];
        size_t keep = (size_t)g.rm_so;
        if (n + keep + rlen + 1 > cap) {
            cap = (n + keep + rlen + 1) * 2;
            out = realloc(out, cap);
        }
        memcpy(out + n, p, keep);
        n += keep;
        memcpy(out + n, rep, rlen);
        n += rlen;
        p += g.rm_eo;
    }
    if (n + strlen(p) + 1 > cap) {
        cap = n + strlen(p) + 1;
        out = realloc(out, cap);
    }
    strcpy(out + n, p);
    regfree(&re);
    free(s);
    return out;
}

/* Replace every occurrence of the plain string from by to; frees s. */
static char *replace_str(char *s, const char *from, const char *to)
{
    size_t fl = strlen(from), tl = strlen(to), count = 0, n = 0;
    char *p, *out, *q;
    for (p = strstr(s, from); p; p = strstr(p + fl, from))
        count++;
    out = malloc(strlen(s) + count * (tl > fl ? tl - fl : 0) + 1);
    for (p = s; (q = strstr(p, from)) != NULL; p = q + fl) {
        memcpy(out + n, p, (size_t)(q - p));
        n += (size_t)(q - p);
        memcpy(out + n, to, tl);
        n += tl;
    }
    strcpy(out + n, p);
    free(s);
    return out;
}

/* What varies from run to run: the temporary folder, timings, index creation times. */
static char *normalize(const char *s, const char *tmp)
{
    char *r = replace_str(strdup(s), tmp, "$TMP");
    r = replace_re(r, " in ([0-9.]+) s \\([0-9.]+ MB/s\\)", "X");
    r = replace_re(r, " in X s \\(([0-9.]+) MB/s\\)", "X");
    r = replace_re(r, "created +([0-9T:-]+Z)", "DATE");
    r = replace_re(r, "\"created\":\t\"([0-9T:-]+Z)\"", "DATE");
    return r;
}

/* First line where a and b differ (1-based), for a readable failure message. */
static int first_diff_line(const char *a, const char *b, const char **la, const char **lb)
{
    int line = 1;
    const char *sa = a, *sb = b;
    while (*a && *a == *b) {
        if (*a == '\n') {
            line++;
            sa = a + 1;
            sb = b + 1;
        }
        a++;
        b++;
    }
    *la = sa;
    *lb = sb;
    return line;
}

static void expect_file(const char *name, const char *ext, const char *actual)
{
    char path[512];
    char *want;
    snprintf(path, sizeof path, "%s/%s.%s", EXPECTED_DIR, name, ext);
    if (getenv("PROVSCAN_UPDATE_EXPECTED") &&
        strcmp(getenv("PROVSCAN_UPDATE_EXPECTED"), "1") == 0) {
        pv_test_write_file(path, actual, strlen(actual));
        return;
    }
    cr_assert_eq(access(path, R_OK), 0, "missing %s (PROVSCAN_UPDATE_EXPECTED=1 writes it)", path);
    want = pv_test_read_file(path, NULL);
    if (strcmp(want, actual) != 0) {
        const char *la, *lb;
        int line = first_diff_line(want, actual, &la, &lb);
        cr_expect_fail("%s differs from the actual output at line %d:\n"
                       "  expected: %.*s\n  actual:   %.*s",
                       path, line, (int)strcspn(la, "\n"), la, (int)strcspn(lb, "\n"), lb);
    }
    free(want);
}

/* Compare a run with tests/expected/NAME.{out,err,code}. */
static void expect_run(const char *name, const run_result *r, const char *tmp)
{
    char code[16];
    char *out = normalize(r->out, tmp), *err = normalize(r->err, tmp);
    snprintf(code, sizeof code, "%d\n", r->code);
    expect_file(name, "out", out);
    expect_file(name, "err", err);
    expect_file(name, "code", code);
    free(out);
    free(err);
}

/* Run args and compare with the expected files of name. */
static void check(const char *name, const char *tmp, const char *stdin_path,
                  const char *const *args)
{
    run_result r;
    run(&r, tmp, stdin_path, args);
    expect_run(name, &r, tmp);
    run_free(&r);
}

/* ---- the test corpus ------------------------------------------------------------------ */

#define T2019 1546300800 /* 2019-01-01 */
#define T2020 1577836800 /* 2020-01-01 */
#define T2021 1609459200 /* 2021-01-01 */

static const char para_lighthouse[] =
    "The lighthouse keeper kept a careful log of every ship that passed the northern "
    "reef, noting the hour, the weather, the colour of the sails and the name painted "
    "on the stern whenever the fog allowed him to read it through the brass telescope "
    "his grandmother had left him.\n";

static const char code_ring[] =
    "/* SPDX-License-Identifier: MIT */\n"
    "#include <stddef.h>\n"
    "\n"
    "/* Push one byte into a ring buffer; returns 0, or -1 when it is full. */\n"
    "int ring_push(struct ring *r, unsigned char byte)\n"
    "{\n"
    "    size_t next = (r->head + 1) % r->capacity;\n"
    "    if (next == r->tail)\n"
    "        return -1;\n"
    "    r->data[r->head] = byte;\n"
    "    r->head = next;\n"
    "    return 0;\n"
    "}\n";

/* corpus/: alice/log.md (the origin of the lighthouse paragraph), bob/ring.c (MIT by tag),
   bob/notes.md (a later copy of the paragraph), a binary file and an excluded log. */
static void make_corpus(const char *tmp)
{
    char dir[1024], text[4096];
    static const char bin_bytes[] = "\x7f"
                                    "ELF\0\0\0\0binary\0data";
    snprintf(dir, sizeof dir, "%s/corpus", tmp);
    cr_assert_eq(mkdir(dir, 0755), 0);
    snprintf(dir, sizeof dir, "%s/corpus/alice", tmp);
    cr_assert_eq(mkdir(dir, 0755), 0);
    snprintf(text, sizeof text,
             "# Harbour notes\n\nSome words about the harbour before the story begins.\n\n%s"
             "\nThat is all for today.\n",
             para_lighthouse);
    write_text(dir, "log.md", text, T2019);
    write_text(dir, "debug.log", "a log line that the exclude pattern keeps out of the index\n",
               T2019);
    snprintf(dir, sizeof dir, "%s/corpus/bob", tmp);
    cr_assert_eq(mkdir(dir, 0755), 0);
    write_text(dir, "ring.c", code_ring, T2020);
    snprintf(text, sizeof text, "Quoted from a friend:\n\n%s", para_lighthouse);
    write_text(dir, "notes.md", text, T2021);
    snprintf(text, sizeof text, "%s/blob.bin", dir);
    pv_test_write_file(text, bin_bytes, sizeof bin_bytes - 1);
}

/* The model output: an intro (with a control character, shown as ^G), the paragraph
   reflowed, the code re-indented, and a closing line. */
static void make_query(const char *tmp)
{
    char path[1024];
    static const char query[] =
        "Here is a story for you\a, and some code.\n"
        "\n"
        "The lighthouse keeper kept a careful log of every ship that passed the\n"
        "northern reef, noting the hour, the weather, the colour of the sails and the\n"
        "name painted on the stern whenever the fog allowed him to read it through the\n"
        "brass telescope his grandmother had left him.\n"
        "\n"
        "```c\n"
        "int ring_push(struct ring *r, unsigned char byte) {\n"
        "  size_t next = (r->head + 1) % r->capacity;\n"
        "  if (next == r->tail) return -1;\n"
        "  r->data[r->head] = byte;\n"
        "  r->head = next;\n"
        "  return 0;\n"
        "}\n"
        "```\n"
        "Hope this helps!\n";
    snprintf(path, sizeof path, "%s/query.md", tmp);
    pv_test_write_file(path, query, sizeof query - 1);
    snprintf(path, sizeof path, "%s/plain.txt", tmp);
    pv_test_write_file(path, "Nothing in this sentence was ever written by anyone in the corpus.\n",
                       67);
}

/* Build $TMP/idx.pvx from $TMP/corpus and compare the summary with name (or just check
   success when name is NULL). */
static void build_index(const char *tmp, const char *name)
{
    char out[1024], src[1024];
    run_result r;
    snprintf(out, sizeof out, "%s/idx.pvx", tmp);
    snprintf(src, sizeof src, "%s/corpus", tmp);
    {
        const char *args[] = {"index",     "-o",       out,
                              "--exclude", "\\.log$",  "--exclude",
                              "^nothing/", "--author", "Jane Doe <jane@example.org>",
                              "-j",        "2",        src,
                              NULL};
        run(&r, tmp, NULL, args);
    }
    if (name)
        expect_run(name, &r, tmp);
    else
        cr_assert_eq(r.code, 0, "index failed: %s", r.err);
    run_free(&r);
}

/* ---- help, version, usage errors ------------------------------------------------------ */

Test(cli, help_of_every_command)
{
    const char *tmp = g_tmp;
    check("help", tmp, NULL, (const char *[]){"--help", NULL});
    check("help", tmp, NULL, (const char *[]){"help", NULL});
    check("help_index", tmp, NULL, (const char *[]){"index", "--help", NULL});
    check("help_match", tmp, NULL, (const char *[]){"match", "-h", NULL});
    check("help_stats", tmp, NULL, (const char *[]){"stats", "--help", NULL});
    check("help_scan", tmp, NULL, (const char *[]){"scan", "--help", NULL});
    check("help_check", tmp, NULL, (const char *[]){"check", "--help", NULL});
    check("help_hook", tmp, NULL, (const char *[]){"hook", "--help", NULL});
    check("help_remove", tmp, NULL, (const char *[]){"remove", "--help", NULL});
    check("help_merge", tmp, NULL, (const char *[]){"merge", "--help", NULL});
    /* "provscan help CMD" is "provscan CMD --help"; --help after other options still
       shows the help. */
    check("help_match", tmp, NULL, (const char *[]){"help", "match", NULL});
    check("help_index", tmp, NULL,
          (const char *[]){"index", "-o", "x.pvx", "-k", "5", "--help", NULL});
}

Test(cli, version)
{
    const char *tmp = g_tmp;
    check("version", tmp, NULL, (const char *[]){"--version", NULL});
}

Test(cli, usage_errors_exit_2)
{
    const char *tmp = g_tmp;
    check("no_command", tmp, NULL, (const char *[]){NULL});
    check("unknown_command", tmp, NULL, (const char *[]){"frobnicate", NULL});
    check("unknown_option", tmp, NULL, (const char *[]){"index", "--frob", "-o", "x", "y", NULL});
    check("unknown_short_option", tmp, NULL, (const char *[]){"match", "-x", "i", "-Z", NULL});
    check("missing_x", tmp, NULL, (const char *[]){"match", "query.md", NULL});
    check("stats_missing_x", tmp, NULL, (const char *[]){"stats", NULL});
    check("missing_o", tmp, NULL, (const char *[]){"index", "corpus", NULL});
    check("missing_source", tmp, NULL, (const char *[]){"index", "-o", "x.pvx", NULL});
    check("missing_argument", tmp, NULL, (const char *[]){"index", "corpus", "-o", NULL});
    check("bad_number", tmp, NULL, (const char *[]){"index", "-k", "12x", "-o", "x", "y", NULL});
    check("number_out_of_range", tmp, NULL, (const char *[]){"index", "-k0", "-o", "x", "y", NULL});
    check("bad_size", tmp, NULL, (const char *[]){"index", "--memory=2Q", "-o", "x", "y", NULL});
    check("bad_choice", tmp, NULL, (const char *[]){"match", "-x", "i", "--format", "xml", NULL});
    check("flag_with_value", tmp, NULL,
          (const char *[]){"index", "--strict=yes", "-o", "x", "y", NULL});
}

Test(cli, bad_exclude_pattern_is_a_usage_error)
{
    const char *tmp = g_tmp;
    char out[1024], src[1024];
    make_corpus(tmp);
    snprintf(out, sizeof out, "%s/idx.pvx", tmp);
    snprintf(src, sizeof src, "%s/corpus", tmp);
    check("bad_exclude", tmp, NULL,
          (const char *[]){"index", "-o", out, "--exclude", "([a-z]", src, NULL});
    cr_expect_neq(access(out, F_OK), 0, "no index may be written after a usage error");
}

/* ---- input and index errors ----------------------------------------------------------- */

Test(cli, match_against_missing_index)
{
    const char *tmp = g_tmp;
    char idx[1024];
    run_result r;
    snprintf(idx, sizeof idx, "%s/nope.pvx", tmp);
    run(&r, tmp, NULL, (const char *[]){"match", "-x", idx, NULL});
    cr_expect_eq(r.code, 3);
    cr_expect(strstr(r.err, idx) != NULL, "the message names the index: %s", r.err);
    expect_run("missing_index", &r, tmp);
    run_free(&r);
}

Test(cli, index_of_missing_source)
{
    const char *tmp = g_tmp;
    char out[1024], src[1024];
    snprintf(out, sizeof out, "%s/idx.pvx", tmp);
    snprintf(src, sizeof src, "%s/no-such-dir", tmp);
    check("missing_source_dir", tmp, NULL, (const char *[]){"index", "-o", out, src, NULL});
    cr_expect_neq(access(out, F_OK), 0, "no index may be left behind");
}

Test(cli, garbage_and_truncated_index)
{
    const char *tmp = g_tmp;
    char bad[1024], cut[1024], idx[1024], query[1024], buf[4096];
    char *whole;
    size_t i, len;
    uint64_t x = 0x9E3779B97F4A7C15u;
    for (i = 0; i < sizeof buf; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift: the same garbage every run */
        buf[i] = (char)(x >> 24);
    }
    snprintf(bad, sizeof bad, "%s/garbage.pvx", tmp);
    pv_test_write_file(bad, buf, sizeof buf);
    check("garbage_index_match", tmp, NULL, (const char *[]){"match", "-x", bad, NULL});
    check("garbage_index_stats", tmp, NULL, (const char *[]){"stats", "-x", bad, NULL});

    make_corpus(tmp);
    make_query(tmp);
    build_index(tmp, NULL);
    snprintf(idx, sizeof idx, "%s/idx.pvx", tmp);
    snprintf(cut, sizeof cut, "%s/cut.pvx", tmp);
    snprintf(query, sizeof query, "%s/query.md", tmp);
    whole = pv_test_read_file(idx, &len);
    cr_assert_not_null(whole);
    pv_test_write_file(cut, whole, len / 2);
    check("truncated_index", tmp, NULL, (const char *[]){"match", "-x", cut, query, NULL});
    free(whole);
}

Test(cli, unreadable_input_among_others)
{
    const char *tmp = g_tmp;
    char idx[1024], missing[1024], query[1024];
    make_corpus(tmp);
    make_query(tmp);
    build_index(tmp, NULL);
    snprintf(idx, sizeof idx, "%s/idx.pvx", tmp);
    snprintf(missing, sizeof missing, "%s/missing.md", tmp);
    snprintf(query, sizeof query, "%s/query.md", tmp);
    /* Missing files among the inputs: named on stderr in their place, the query still
       reported, exit 3. "--" makes a name starting with '-' an input. (A folder is an input
       of its files: match_folder_is_its_files_in_sorted_order.) */
    check("unreadable_input", tmp, NULL,
          (const char *[]){"match", "-x", idx, missing, query, "--", "-dash.md", NULL});
}

Test(cli, input_over_64_mib_is_refused)
{
    const char *tmp = g_tmp;
    char idx[1024], big[1024], query[1024];
    int fd;
    make_corpus(tmp);
    make_query(tmp);
    build_index(tmp, NULL);
    snprintf(idx, sizeof idx, "%s/idx.pvx", tmp);
    snprintf(big, sizeof big, "%s/big.txt", tmp);
    snprintf(query, sizeof query, "%s/plain.txt", tmp);
    fd = open(big, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    cr_assert_geq(fd, 0);
    cr_assert_eq(ftruncate(fd, ((off_t)64 << 20) + 1), 0); /* sparse: cheap to make */
    close(fd);
    check("input_too_large", tmp, NULL, (const char *[]){"match", "-x", idx, big, query, NULL});
}

Test(cli, write_error_on_stdout)
{
    const char *tmp = g_tmp;
    run_result r;
    run_to(&r, tmp, NULL, "/dev/full", (const char *[]){"--help", NULL});
    cr_expect_eq(r.code, 3);
    cr_expect_str_eq(r.err, "provscan: write error on stdout: No space left on device\n");
    run_free(&r);
}

/* ---- end to end ----------------------------------------------------------------------- */

Test(cli, index_match_stats_end_to_end)
{
    const char *tmp = g_tmp;
    char idx[1024], query[1024], plain[1024], xarg[1100];
    make_corpus(tmp);
    make_query(tmp);
    build_index(tmp, "e2e_index");
    snprintf(idx, sizeof idx, "%s/idx.pvx", tmp);
    snprintf(query, sizeof query, "%s/query.md", tmp);
    snprintf(plain, sizeof plain, "%s/plain.txt", tmp);
    snprintf(xarg, sizeof xarg, "-x%s", idx);
    check("e2e_match_text", tmp, NULL, (const char *[]){"match", "-x", idx, query, plain, NULL});
    check("e2e_match_color", tmp, NULL,
          (const char *[]){"match", "--color=always", xarg, query, NULL});
    /* No FILE: standard input. */
    check("e2e_match_stdin", tmp, query, (const char *[]){"match", "--index", idx, NULL});
    check("e2e_match_json", tmp, NULL,
          (const char *[]){"match", "-x", idx, "--format=json", query, plain, NULL});
    check("e2e_stats_text", tmp, NULL, (const char *[]){"stats", "-x", idx, NULL});
    check("e2e_stats_json", tmp, NULL,
          (const char *[]){"stats", "-x", idx, "--format", "json", NULL});
}

Test(cli, verbose_index_prints_notes)
{
    const char *tmp = g_tmp;
    char out[1024], src[1024];
    make_corpus(tmp);
    snprintf(out, sizeof out, "%s/idx.pvx", tmp);
    snprintf(src, sizeof src, "%s/corpus", tmp);
    check("index_verbose", tmp, NULL,
          (const char *[]){"index", "-qv", "-o", out, "--exclude=\\.log$", src, NULL});
}

/* A paragraph held by three documents is common with --common 2: reported, dimmed, not
   credited; the code is credited. --copies lists the copies, --max-copies 1 leaves one copy
   unlisted; without --copies one line counts them. */
Test(cli, common_spans_earn_no_credit)
{
    const char *tmp = g_tmp;
    char dir[1024], idx[1024], query[1024], text[4096];
    snprintf(dir, sizeof dir, "%s/corpus", tmp);
    cr_assert_eq(mkdir(dir, 0755), 0);
    write_text(dir, "a.md", para_lighthouse, T2019);
    write_text(dir, "b.md", para_lighthouse, T2020);
    write_text(dir, "c.md", para_lighthouse, T2021);
    write_text(dir, "ring.c", code_ring, T2021);
    snprintf(idx, sizeof idx, "%s/idx.pvx", tmp);
    {
        const char *args[] = {"index", "-q", "-o", idx, "--author", "Ann <ann@example.org>",
                              dir,     NULL};
        run_result r;
        run(&r, tmp, NULL, args);
        cr_assert_eq(r.code, 0, "%s", r.err);
        run_free(&r);
    }
    snprintf(query, sizeof query, "%s/query.md", tmp);
    snprintf(text, sizeof text, "%s\n%s", para_lighthouse, code_ring);
    pv_test_write_file(query, text, strlen(text));
    check("common_spans", tmp, NULL,
          (const char *[]){"match", "-x", idx, "--common", "2", "--copies", "--max-copies", "1",
                           "--color", "always", query, NULL});
    check("common_spans_one_source", tmp, NULL,
          (const char *[]){"match", "-x", idx, "--common", "1", "--max-sources", "1", query, NULL});
    /* Only the common paragraph: nothing is credited. */
    snprintf(query, sizeof query, "%s/para.md", tmp);
    pv_test_write_file(query, para_lighthouse, strlen(para_lighthouse));
    check("common_spans_none_credited", tmp, NULL,
          (const char *[]){"match", "-x", idx, "--common", "2", query, NULL});
}

/* ---- a git history with several writers ---------------------------------------------- */

static const char part_ada[] =
    "static size_t gear_teeth_between(const struct gear *driver, const struct gear *driven)\n"
    "{\n"
    "    size_t common_teeth = driver->tooth_count < driven->tooth_count\n"
    "                              ? driver->tooth_count : driven->tooth_count;\n"
    "    while (common_teeth > 1 && (driver->tooth_count % common_teeth != 0 ||\n"
    "                                driven->tooth_count % common_teeth != 0))\n"
    "        common_teeth--;\n"
    "    return common_teeth;\n"
    "}\n";
static const char part_armin[] = "/* the analytical engine keeps its mill turning */\n";
static const char part_cy[] = "#define MILL_COLUMNS 40\n";
static const char part_di[] = "#define STORE_COLUMNS 1000\n";

/* $TMP/proj: src/gear.c written by Ada (2015), then one line each by Armin (2016), Cy (2017)
   and Di (2018), who also adds docs/v1/gear.c, a copy of it; the origin remote is on
   github.com. Indexed into $TMP/git.pvx; the query, $TMP/gear.md, is the whole file. */
static void make_git_corpus(const char *tmp)
{
    char dir[1024], path[1024], v2[1024], v3[1100], v4[1200], query[1300];
    const char *one[] = {"src/gear.c"}, *two[] = {"docs/v1/gear.c", "src/gear.c"};
    const char *t1[] = {part_ada}, *t2[] = {v2}, *t3[] = {v3}, *t4[] = {v4, v4};
    run_result r;
    snprintf(v2, sizeof v2, "%s%s", part_ada, part_armin);
    snprintf(v3, sizeof v3, "%s%s", v2, part_cy);
    snprintf(v4, sizeof v4, "%s%s", v3, part_di);
    snprintf(dir, sizeof dir, "%s/proj", tmp);
    pv_test_git_commit(dir, one, t1, 1, "Ada", "ada@example.org", 1420070400, NULL);
    pv_test_git_origin(dir, "git@github.com:o/n.git");
    pv_test_git_commit(dir, one, t2, 1, "Armin", "armin@example.org", 1451606400, NULL);
    pv_test_git_commit(dir, one, t3, 1, "Cy", "cy@example.org", 1483228800, NULL);
    pv_test_git_commit(dir, two, t4, 2, "Di", "di@example.org", 1514764800, NULL);
    snprintf(path, sizeof path, "%s/git.pvx", tmp);
    run(&r, tmp, NULL, (const char *[]){"index", "-q", "-o", path, dir, NULL});
    cr_assert_eq(r.code, 0, "%s", r.err);
    run_free(&r);
    snprintf(query, sizeof query, "The model wrote:\n\n%s", v4);
    snprintf(path, sizeof path, "%s/gear.md", tmp);
    pv_test_write_file(path, query, strlen(query));
}

/* The origin row names who wrote the span (two names, then "and N others"), its commit is
   the one holding its path and lines, with a github permalink; the copy in the same
   repository is one line, or a row with --copies. */
Test(cli, git_span_writers_links_and_copies)
{
    const char *tmp = g_tmp;
    char idx[1024], query[1024];
    make_git_corpus(tmp);
    snprintf(idx, sizeof idx, "%s/git.pvx", tmp);
    snprintf(query, sizeof query, "%s/gear.md", tmp);
    check("git_match_text", tmp, NULL, (const char *[]){"match", "-x", idx, query, NULL});
    check("git_match_copies", tmp, NULL,
          (const char *[]){"match", "-x", idx, "--copies", query, NULL});
    check("git_match_json", tmp, NULL,
          (const char *[]){"match", "-x", idx, "--format", "json", query, NULL});
}

/* Without --author a file's author is not known: null in JSON, "unknown" in text only; a
   person whose name is the word "unknown" keeps their email. */
Test(cli, unknown_author_is_null_in_json)
{
    const char *tmp = g_tmp;
    char dir[1024], idx[1024], idx2[1024], query[1024];
    run_result r;
    snprintf(dir, sizeof dir, "%s/corpus", tmp);
    cr_assert_eq(mkdir(dir, 0755), 0);
    write_text(dir, "log.md", para_lighthouse, T2019);
    snprintf(idx, sizeof idx, "%s/idx.pvx", tmp);
    snprintf(idx2, sizeof idx2, "%s/idx2.pvx", tmp);
    run(&r, tmp, NULL, (const char *[]){"index", "-q", "-o", idx, dir, NULL});
    cr_assert_eq(r.code, 0, "%s", r.err);
    run_free(&r);
    run(&r, tmp, NULL,
        (const char *[]){"index", "-q", "-o", idx2, "--author", "unknown <e@example.org>", dir,
                         NULL});
    cr_assert_eq(r.code, 0, "%s", r.err);
    run_free(&r);
    snprintf(query, sizeof query, "%s/query.md", tmp);
    pv_test_write_file(query, para_lighthouse, strlen(para_lighthouse));
    check("unknown_author_text", tmp, NULL, (const char *[]){"match", "-x", idx, query, NULL});
    check("unknown_author_json", tmp, NULL,
          (const char *[]){"match", "-x", idx, "--format", "json", query, NULL});
    check("person_named_unknown", tmp, NULL, (const char *[]){"match", "-x", idx2, query, NULL});
    run(&r, tmp, NULL, (const char *[]){"match", "-x", idx2, "--format", "json", query, NULL});
    cr_assert(strstr(r.out, "\"name\":\t\"unknown\",\n") != NULL, "%s", r.out);
    cr_assert(strstr(r.out, "\"email\":\t\"e@example.org\"") != NULL, "%s", r.out);
    run_free(&r);
}

/* ---- JSON ----------------------------------------------------------------------------- */

static const cJSON *field(const cJSON *obj, const char *name)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(obj, name);
    cr_assert_not_null(f, "missing field \"%s\"", name);
    return f;
}

static double num(const cJSON *obj, const char *name)
{
    const cJSON *f = field(obj, name);
    cr_assert(cJSON_IsNumber(f), "\"%s\" is not a number", name);
    return f->valuedouble;
}

static const char *str(const cJSON *obj, const char *name)
{
    const cJSON *f = field(obj, name);
    cr_assert(cJSON_IsString(f), "\"%s\" is not a string", name);
    return f->valuestring;
}

Test(cli, match_json_has_the_documented_fields)
{
    const char *tmp = g_tmp;
    char idx[1024], query[1024], *text;
    const cJSON *ix, *results, *res, *spans, *sp, *src, *author, *authors, *a, *s;
    cJSON *doc;
    run_result r;
    size_t qlen;
    int saw_origin = 0, saw_copy = 0, saw_code = 0;
    make_corpus(tmp);
    make_query(tmp);
    build_index(tmp, NULL);
    snprintf(idx, sizeof idx, "%s/idx.pvx", tmp);
    snprintf(query, sizeof query, "%s/query.md", tmp);
    text = pv_test_read_file(query, &qlen);
    run(&r, tmp, NULL, (const char *[]){"match", "-x", idx, "--format", "json", query, NULL});
    cr_assert_eq(r.code, 0, "%s", r.err);
    doc = cJSON_Parse(r.out);
    cr_assert_not_null(doc, "stdout is not JSON: %.200s", r.out);

    ix = field(doc, "index");
    cr_expect_str_eq(str(ix, "path"), idx);
    cr_expect_eq(num(ix, "format_version"), PV_FORMAT_VERSION);
    cr_expect_eq(num(ix, "norm_version"), 1);
    cr_expect_eq(num(ix, "k"), PV_DEFAULT_K);
    cr_expect_eq(num(ix, "w"), PV_DEFAULT_W);
    cr_expect_eq(num(ix, "t"), PV_DEFAULT_K + PV_DEFAULT_W - 1);
    cr_expect_str_eq(str(ix, "seed"), "0x70726f767363616e");
    cr_expect_eq(num(ix, "fp_bits"), 48);
    cr_expect_eq(num(ix, "documents"), 3); /* log.md, ring.c, notes.md */

    results = field(doc, "results");
    cr_assert(cJSON_IsArray(results));
    cr_assert_eq(cJSON_GetArraySize(results), 1);
    res = cJSON_GetArrayItem(results, 0);
    cr_expect_str_eq(str(res, "input"), query);
    cr_expect_gt(num(res, "tokens"), num(res, "matched_tokens"));
    cr_expect_gt(num(res, "matched_tokens"), 50);
    cr_expect_float_eq(num(res, "coverage"), num(res, "matched_tokens") / num(res, "tokens"), 1e-6);
    spans = field(res, "spans");
    cr_assert(cJSON_IsArray(spans));
    cr_assert_geq(cJSON_GetArraySize(spans), 2);
    cJSON_ArrayForEach(sp, spans)
    {
        double start = num(sp, "start"), end = num(sp, "end");
        cr_expect_lt(start, end);
        cr_expect_leq(end, (double)qlen);
        cr_expect_leq(num(sp, "line_start"), num(sp, "line_end"));
        cr_expect_gt(num(sp, "tokens"), 0);
        cr_expect(cJSON_IsBool(field(sp, "common")));
        cr_expect(cJSON_IsNull(field(sp, "common_license"))); /* no license text here */
        /* The paragraph starts at line 3 of the query; the code at line 9. */
        if (strncmp(text + (size_t)start, "int ring_push", 13) == 0)
            saw_code = 1;
        cr_expect(cJSON_IsArray(field(sp, "copies")));
        cr_expect(cJSON_IsArray(field(sp, "authors")));
        cr_expect_eq(num(sp, "copies_total"), cJSON_GetArraySize(field(sp, "copies")));
        cr_expect_leq(num(sp, "copies_in_source"), num(sp, "copies_total"));
        cJSON_ArrayForEach(a, field(sp, "authors"))
        {
            cr_expect_str_eq(str(a, "name"), "Jane Doe");
            cr_expect_eq(num(a, "share"), 1.0);
        }
        cJSON_ArrayForEach(src, field(sp, "copies"))
        {
            /* the paragraph's later copy, listed apart */
            cr_expect_str_eq(str(src, "document"), "bob/notes.md");
            cr_expect(cJSON_IsFalse(field(src, "origin")));
            cr_expect(cJSON_IsTrue(field(src, "full")));
            cr_expect_str_eq(str(src, "date"), "2021-01-01T00:00:00Z");
            saw_copy = 1;
        }
        cJSON_ArrayForEach(src, field(sp, "sources"))
        {
            cr_expect_str_eq(str(src, "kind"), "file");
            cr_expect(cJSON_IsBool(field(src, "origin")));
            cr_expect(cJSON_IsNull(field(src, "commit")));
            cr_expect(cJSON_IsNull(field(src, "url")));
            cr_expect(cJSON_IsNull(field(src, "first_commit")));
            cr_expect(cJSON_IsBool(field(src, "full")));
            cr_expect_gt(num(src, "line_start"), 0);
            cr_expect_leq(num(src, "line_start"), num(src, "line_end"));
            cr_expect_gt(num(src, "matched_tokens"), 0);
            author = field(src, "author");
            cr_expect_str_eq(str(author, "name"), "Jane Doe");
            cr_expect_str_eq(str(author, "email"), "jane@example.org");
            s = field(src, "date");
            cr_expect(cJSON_IsString(s) && strlen(s->valuestring) == 20 &&
                          s->valuestring[19] == 'Z',
                      "date is ISO 8601 UTC");
            if (strcmp(str(src, "document"), "alice/log.md") == 0) {
                cr_expect(cJSON_IsTrue(field(src, "origin")), "the earliest copy is the origin");
                cr_expect_str_eq(str(src, "date"), "2019-01-01T00:00:00Z");
                cr_expect_eq(num(sp, "copies_total"), 1);
                cr_expect_eq(num(sp, "copies_in_source"), 1);
                cr_expect(cJSON_IsNull(field(src, "license")));
                saw_origin = 1;
            } else if (strcmp(str(src, "document"), "bob/ring.c") == 0) {
                cr_expect_str_eq(str(src, "license"), "MIT");
                cr_expect_str_eq(str(src, "date"), "2020-01-01T00:00:00Z");
            }
            cr_expect(strstr(str(src, "source"), "/corpus") != NULL);
        }
    }
    cr_expect(saw_origin && saw_copy && saw_code, "origin %d, copy %d, code %d", saw_origin,
              saw_copy, saw_code);
    authors = field(res, "authors");
    cr_assert_eq(cJSON_GetArraySize(authors), 1);
    a = cJSON_GetArrayItem(authors, 0);
    cr_expect_str_eq(str(a, "name"), "Jane Doe");
    cr_expect_str_eq(str(a, "email"), "jane@example.org");
    cr_expect_eq(num(a, "share"), 1.0);
    cr_expect_gt(num(a, "tokens"), 0);
    cJSON_Delete(doc);
    run_free(&r);
    free(text);
}

Test(cli, stats_json_has_the_documented_fields)
{
    const char *tmp = g_tmp;
    char idx[1024];
    const cJSON *ix, *chunks, *c;
    cJSON *doc;
    run_result r;
    struct stat st;
    double total = 0, share = 0;
    make_corpus(tmp);
    build_index(tmp, NULL);
    snprintf(idx, sizeof idx, "%s/idx.pvx", tmp);
    cr_assert_eq(stat(idx, &st), 0);
    run(&r, tmp, NULL, (const char *[]){"stats", "-x", idx, "--format=json", NULL});
    cr_assert_eq(r.code, 0, "%s", r.err);
    doc = cJSON_Parse(r.out);
    cr_assert_not_null(doc);
    ix = field(doc, "index");
    cr_expect_str_eq(str(ix, "path"), idx);
    cr_expect_eq(num(ix, "format_version"), PV_FORMAT_VERSION);
    cr_expect_eq(num(ix, "norm_version"), 1);
    cr_expect_eq(num(ix, "t"), num(ix, "k") + num(ix, "w") - 1);
    cr_expect_str_eq(str(ix, "seed"), "0x70726f767363616e");
    cr_expect_eq(num(ix, "posting_cap"), 1024);
    cr_expect_eq(strlen(str(ix, "created")), 20);
    cr_expect_eq(num(ix, "documents"), 3);
    cr_expect_eq(num(ix, "authors"), 1);
    cr_expect_eq(num(ix, "sources"), 1);
    cr_expect_gt(num(ix, "fingerprints"), 0);
    cr_expect_geq(num(ix, "postings"), num(ix, "fingerprints"));
    cr_expect_gt(num(ix, "blocks"), 0);
    cr_expect_gt(num(ix, "tokens"), 100);
    cr_expect_gt(num(ix, "input_bytes"), 500);
    cr_expect_eq(num(ix, "file_bytes"), (double)st.st_size);
    chunks = field(doc, "chunks");
    cr_assert_gt(cJSON_GetArraySize(chunks), 0);
    cJSON_ArrayForEach(c, chunks)
    {
        cr_expect_eq(strlen(str(c, "id")), 4);
        cr_expect_leq(num(c, "offset") + num(c, "size"), (double)st.st_size);
        total += num(c, "size");
        share += num(c, "share");
    }
    cr_expect_float_eq(share, total / (double)st.st_size, 1e-4);
    cJSON_Delete(doc);
    run_free(&r);
}

/* File names are bytes; the JSON report must stay valid UTF-8 whatever they hold. */
Test(cli, json_stays_utf8_with_odd_file_names)
{
    const char *tmp = g_tmp;
    char dir[1024], idx[1024], query[1024];
    const utf8proc_uint8_t *p;
    run_result r;
    cJSON *doc;
    size_t i = 0, len;
    snprintf(dir, sizeof dir, "%s/corpus", tmp);
    cr_assert_eq(mkdir(dir, 0755), 0);
    write_text(dir, "bad\xff\xfename.md", para_lighthouse, T2019);
    snprintf(idx, sizeof idx, "%s/idx.pvx", tmp);
    run(&r, tmp, NULL, (const char *[]){"index", "-q", "-o", idx, dir, NULL});
    cr_assert_eq(r.code, 0, "%s", r.err);
    run_free(&r);
    snprintf(query, sizeof query, "%s/q\xc3.md", tmp);
    pv_test_write_file(query, para_lighthouse, strlen(para_lighthouse));
    run(&r, tmp, NULL, (const char *[]){"match", "-x", idx, "--format", "json", query, NULL});
    cr_assert_eq(r.code, 0, "%s", r.err);
    p = (const utf8proc_uint8_t *)r.out;
    len = strlen(r.out);
    while (i < len) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate(p + i, (utf8proc_ssize_t)(len - i), &cp);
        cr_assert_gt(n, 0, "invalid UTF-8 at byte %zu of the JSON report", i);
        i += (size_t)n;
    }
    doc = cJSON_Parse(r.out);
    cr_assert_not_null(doc);
    cr_expect(strstr(r.out, "\"bad\xef\xbf\xbd\xef\xbf\xbdname.md\"") != NULL,
              "bad bytes become U+FFFD: %s", r.out);
    cJSON_Delete(doc);
    run_free(&r);
}

/* ---- docs ----------------------------------------------------------------------------- */

/* docs/usage.md shows every --help text as it is printed. */
Test(cli, usage_doc_shows_every_help_text)
{
    const char *tmp = g_tmp;
    static const char *const cmds[] = {"index", "match", "stats"};
    char *doc = pv_test_read_file("docs/usage.md", NULL);
    run_result r;
    size_t i;
    cr_assert_not_null(doc, "docs/usage.md is missing");
    run(&r, tmp, NULL, (const char *[]){"--help", NULL});
    cr_expect(strstr(doc, r.out) != NULL, "docs/usage.md lacks the text of provscan --help");
    run_free(&r);
    for (i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        run(&r, tmp, NULL, (const char *[]){cmds[i], "--help", NULL});
        cr_expect(strstr(doc, r.out) != NULL, "docs/usage.md lacks the text of %s --help", cmds[i]);
        run_free(&r);
    }
    free(doc);
}

/* The man page names every option of every command. */
Test(cli, man_page_names_every_option)
{
    const char *tmp = g_tmp;
    static const char *const cmds[] = {"index", "match", "stats"};
    char *man = pv_test_read_file("docs/provscan.1", NULL);
    run_result r;
    size_t i;
    cr_assert_not_null(man, "docs/provscan.1 is missing");
    man = replace_str(man, "\\-", "-");
    for (i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        const char *p;
        run(&r, tmp, NULL, (const char *[]){cmds[i], "--help", NULL});
        /* Every "--name" in the help's option list appears in the man page. */
        for (p = strstr(r.out, "\noptions:\n"); p && (p = strstr(p, "--")) != NULL;) {
            size_t n = strspn(p + 2, "abcdefghijklmnopqrstuvwxyz-");
            char opt[64];
            snprintf(opt, sizeof opt, "%.*s", (int)(n + 2 < 63 ? n + 2 : 63), p);
            cr_expect(strstr(man, opt) != NULL, "docs/provscan.1 lacks %s of %s", opt, cmds[i]);
            p += 2 + n;
        }
        run_free(&r);
    }
    free(man);
}

/* Bad input for both commands: an empty file, a binary file and a 6 MB single line are
   indexed or skipped with counts, and matched with an answer, never a crash or a hang.
   Regression: matching the periodic 6 MB line against itself hung (every query position
   times every posting of the one winnowed fingerprint became a hit). */
Test(cli, regression_empty_binary_and_periodic_6mb_line_inputs, .timeout = 60)
{
    const char *tmp = g_tmp;
    char dir[512], idx[1024], empty[1024], binary[1024], huge[1024];
    static const char words[] = "lighthouse keepers trim the wick before dusk and log it ";
    size_t hlen = 6u << 20, i;
    char *big = malloc(hlen), *bytes = malloc(4096);
    run_result r;
    cr_assert(big && bytes);
    for (i = 0; i < hlen; i++)
        big[i] = words[i % (sizeof words - 1)];
    for (i = 0; i < 4096; i++)
        bytes[i] = (char)(i * 7 % 256); /* holds NUL bytes */
    snprintf(dir, sizeof dir, "%s/bad", tmp);
    cr_assert_eq(mkdir(dir, 0755), 0);
    snprintf(empty, sizeof empty, "%s/empty.txt", dir);
    snprintf(binary, sizeof binary, "%s/blob.bin", dir);
    snprintf(huge, sizeof huge, "%s/one-line.txt", dir);
    pv_test_write_file(empty, "", 0);
    pv_test_write_file(binary, bytes, 4096);
    pv_test_write_file(huge, big, hlen);
    snprintf(idx, sizeof idx, "%s/bad.pvx", tmp);

    run(&r, tmp, NULL, (const char *[]){"index", "-q", "-o", idx, dir, NULL});
    cr_assert_eq(r.code, 0, "%s", r.err);
    cr_assert(strstr(r.out, "indexed 1 document,") != NULL, "%s", r.out);
    cr_assert(strstr(r.out, "skipped: 1 binary, 0 too large, 0 excluded, 0 unreadable, 1 empty"),
              "%s", r.out);
    run_free(&r);

    run(&r, tmp, NULL, (const char *[]){"match", "-x", idx, empty, NULL});
    cr_assert_eq(r.code, 0, "%s", r.err);
    cr_assert(strstr(r.out, "0 tokens, 0 matched") != NULL, "%s", r.out);
    run_free(&r);

    run(&r, tmp, NULL, (const char *[]){"match", "-x", idx, "--format", "json", binary, NULL});
    cr_assert_eq(r.code, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.out, "\"spans\":"), "%.300s", r.out);
    run_free(&r);

    /* the huge line matches itself: one span covering it */
    run(&r, tmp, NULL, (const char *[]){"match", "-x", idx, "--format", "json", huge, NULL});
    cr_assert_eq(r.code, 0, "%s", r.err);
    {
        cJSON *doc = cJSON_Parse(r.out);
        const cJSON *res, *spans;
        cr_assert_not_null(doc);
        res = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "results"), 0);
        spans = cJSON_GetObjectItem(res, "spans");
        cr_assert_eq(cJSON_GetArraySize(spans), 1);
        cr_assert_gt(cJSON_GetObjectItem(res, "coverage")->valuedouble, 0.99);
        cJSON_Delete(doc);
    }
    run_free(&r);
    free(big);
    free(bytes);
}

/* ---- git options ------------------------------------------------------------------------ */

#include <git2.h>

Test(cli, bad_ignore_revs_file_is_a_usage_error)
{
    const char *tmp = g_tmp;
    char repo_dir[1024], out[1024], list[1024];
    git_repository *repo = NULL;
    git_treebuilder *tb = NULL;
    git_signature *sig = NULL;
    git_tree *tree = NULL;
    git_oid blob, tree_id, commit;
    static const char text[] = "int main(void) { return run_the_whole_program(argc, argv); }\n";
    run_result r;

    snprintf(repo_dir, sizeof repo_dir, "%s/repo.git", tmp);
    snprintf(out, sizeof out, "%s/idx.pvx", tmp);
    snprintf(list, sizeof list, "%s/ignore-list", tmp);
    git_libgit2_init();
    cr_assert_eq(git_repository_init(&repo, repo_dir, 1), 0);
    cr_assert_eq(git_blob_create_from_buffer(&blob, repo, text, sizeof text - 1), 0);
    cr_assert_eq(git_treebuilder_new(&tb, repo, NULL), 0);
    cr_assert_eq(git_treebuilder_insert(NULL, tb, "main.c", &blob, GIT_FILEMODE_BLOB), 0);
    cr_assert_eq(git_treebuilder_write(&tree_id, tb), 0);
    cr_assert_eq(git_tree_lookup(&tree, repo, &tree_id), 0);
    cr_assert_eq(git_signature_new(&sig, "Alice", "alice@example.com", 1500000000, 0), 0);
    cr_assert_eq(
        git_commit_create(&commit, repo, "refs/heads/master", sig, sig, NULL, "1\n", tree, 0, NULL),
        0);
    git_signature_free(sig);
    git_tree_free(tree);
    git_treebuilder_free(tb);
    git_repository_free(repo);
    git_libgit2_shutdown();

    {
        static const char bad[] = "# formatting\nnot-an-object-name\n";
        pv_test_write_file(list, bad, sizeof bad - 1);
    }
    run(&r, tmp, NULL,
        (const char *[]){"index", "-q", "-o", out, "--ignore-revs-file", list, repo_dir, NULL});
    cr_expect_eq(r.code, 2, "%s", r.err);
    cr_expect(strstr(r.err, "ignore-list:2: not a full object name: 'not-an-object-name'") != NULL,
              "%s", r.err);
    cr_expect(strstr(r.err, "usage: provscan index") != NULL, "%s", r.err);
    cr_expect_neq(access(out, F_OK), 0, "no index may be written after a usage error");
    run_free(&r);
    /* --ignore-rev with a name this repository does not know: noted, the index is built */
    run(&r, tmp, NULL,
        (const char *[]){"index", "-q", "-o", out, "--ignore-rev", "no-such-branch", "--ignore-rev",
                         "master", repo_dir, NULL});
    cr_expect_eq(r.code, 0, "%s", r.err);
    cr_expect(strstr(r.out, "indexed 1 document") != NULL, "%s", r.out);
    cr_expect(strstr(r.out, "\n1 commit in ignore-revs: it takes no credit\n") != NULL, "%s",
              r.out);
    run_free(&r);
}

/* ---- match for batches: jsonl, --jobs, --summary, terminal width ---------------------- */

/* Build $TMP/idx.pvx (its path in idx, 1024 bytes) and write $TMP/in/NN.txt for n inputs:
   pieces of the query of several lengths, and put their paths in paths[] (1024 bytes each). */
static void make_batch(const char *tmp, char *idx, size_t n, char (*paths)[1024])
{
    char qpath[1024], dir[900];
    size_t qlen, i;
    char *q;
    make_corpus(tmp);
    make_query(tmp);
    build_index(tmp, NULL);
    snprintf(idx, 1024, "%s/idx.pvx", tmp);
    snprintf(qpath, sizeof qpath, "%s/query.md", tmp);
    snprintf(dir, sizeof dir, "%s/in", tmp);
    cr_assert_eq(mkdir(dir, 0755), 0);
    q = pv_test_read_file(qpath, &qlen);
    for (i = 0; i < n; i++) {
        size_t from = (i * 37) % (qlen / 2), len = qlen - from - (i % 3) * 20;
        snprintf(paths[i], sizeof paths[i], "%s/%02zu.txt", dir, i);
        pv_test_write_file(paths[i], q + from, len);
    }
    free(q);
}

Test(cli, match_jsonl_writes_one_line_per_input_in_order)
{
    const char *tmp = g_tmp;
    char idx[1024], paths[5][1024], *line, *save = NULL;
    const char *args[16] = {"match", "-x", NULL, "--format", "jsonl", "-j", "2"};
    cJSON *doc, *json;
    run_result r, rj;
    size_t i, nargs = 7;
    make_batch(tmp, idx, 3, paths);
    args[2] = idx;
    snprintf(paths[3], sizeof paths[3], "%s/missing.txt", tmp);
    snprintf(paths[4], sizeof paths[4], "%s/plain.txt", tmp);
    for (i = 0; i < 5; i++)
        args[nargs++] = paths[i];
    run(&r, tmp, NULL, args);
    cr_assert_eq(r.code, 3, "a missing input makes exit code 3: %s", r.err);
    cr_expect(strstr(r.err, "missing.txt") != NULL, "%s", r.err);
    /* the same inputs as one JSON document: each line is one of its results */
    args[4] = "json";
    run(&rj, tmp, NULL, args);
    json = cJSON_Parse(rj.out);
    cr_assert_not_null(json);
    cr_assert_eq(cJSON_GetArraySize(field(json, "results")), 4);
    i = 0;
    for (line = strtok_r(r.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save), i++) {
        const char *want = paths[i < 3 ? i : 4]; /* the missing input has no line */
        const cJSON *spans;
        cr_assert_lt(i, 4, "more lines than inputs read: %s", line);
        doc = cJSON_Parse(line);
        cr_assert_not_null(doc, "line %zu is not JSON: %.200s", i + 1, line);
        cr_expect_str_eq(str(doc, "input"), want);
        cr_expect(num(doc, "tokens") > 0);
        cr_expect(num(doc, "matched_tokens") <= num(doc, "tokens"));
        cr_expect(num(doc, "coverage") >= 0 && num(doc, "coverage") <= 1);
        spans = field(doc, "spans");
        cr_expect(cJSON_IsArray(spans));
        cr_expect(cJSON_IsArray(field(doc, "authors")));
        if (i == 3)
            cr_expect_eq(cJSON_GetArraySize(spans), 0, "plain.txt matches nothing");
        else
            cr_expect_gt(cJSON_GetArraySize(spans), 0, "%s matches", want);
        cr_expect(cJSON_Compare(doc, cJSON_GetArrayItem(field(json, "results"), (int)i), 1),
                  "line %zu differs from the JSON document's result %zu", i + 1, i);
        cJSON_Delete(doc);
    }
    cr_expect_eq(i, 4);
    cr_expect(r.out[0] != '\0' && strchr(rj.out, '\t') != NULL);
    cJSON_Delete(json);
    run_free(&r);
    run_free(&rj);
}

Test(cli, match_output_is_the_same_for_any_jobs, .timeout = 120)
{
    const char *tmp = g_tmp;
    static const char *const formats[] = {"text", "json", "jsonl"};
    char idx[1024], paths[21][1024];
    const char *args[40] = {"match", "-x", NULL, "--format", NULL, "--jobs", NULL};
    run_result one, two;
    size_t i, f, nargs = 7;
    make_batch(tmp, idx, 20, paths);
    args[2] = idx;
    snprintf(paths[20], sizeof paths[20], "%s/missing.txt", tmp);
    for (i = 0; i < 21; i++)
        args[nargs++] = paths[i == 7 ? 20 : i == 20 ? 7 : i]; /* a failing input inside */
    for (f = 0; f < 3; f++) {
        args[4] = formats[f];
        args[6] = "1";
        run(&one, tmp, NULL, args);
        cr_expect_eq(one.code, 3);
        cr_expect_gt(strlen(one.out), 1000, "%s", formats[f]);
        /* rings of 8, 12 and 28 slots: delivery wakes for half of one, or at the end */
        for (const char *const *j = (const char *const[]){"2", "3", "7", NULL}; *j; j++) {
            args[6] = *j;
            run(&two, tmp, NULL, args);
            cr_expect_eq(two.code, 3);
            cr_expect_str_eq(one.out, two.out, "--format %s: --jobs 1 and %s differ", formats[f],
                             *j);
            cr_expect_str_eq(one.err, two.err, "--format %s --jobs %s: stderr differs", formats[f],
                             *j);
            run_free(&two);
        }
        run_free(&one);
    }
}

/* Copy file from to path, making the folders on the way. */
static void copy_to(const char *from, const char *path)
{
    size_t n;
    char *t = pv_test_read_file(from, &n), dir[1024], *slash;
    snprintf(dir, sizeof dir, "%s", path);
    for (slash = strchr(dir + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        mkdir(dir, 0755);
        *slash = '/';
    }
    pv_test_write_file(path, t, n);
    free(t);
}

/* Run match --format jsonl over args (after "match -x idx --format jsonl"), stdin from
   stdin_path, into r. */
static void run_jsonl(run_result *r, const char *tmp, const char *idx, const char *stdin_path,
                      const char *const *args)
{
    const char *all[32] = {"match", "-x", idx, "--format", "jsonl"};
    size_t n = 5, i;
    for (i = 0; args[i]; i++) {
        cr_assert_lt(n, 31);
        all[n++] = args[i];
    }
    all[n] = NULL;
    run(r, tmp, stdin_path, all);
}

Test(cli, match_folder_is_its_files_in_sorted_order)
{
    const char *tmp = g_tmp;
    char idx[1024], paths[3][1024], dir[900], a[1024], b[1024], c[1024];
    run_result folder, files;
    make_batch(tmp, idx, 3, paths);
    snprintf(dir, sizeof dir, "%s/folder", tmp);
    snprintf(a, sizeof a, "%s/a/c.txt", dir);
    snprintf(b, sizeof b, "%s/a/z.txt", dir);
    snprintf(c, sizeof c, "%s/b.txt", dir);
    /* written out of order: the walk sorts the names */
    copy_to(paths[0], c);
    copy_to(paths[1], b);
    copy_to(paths[2], a);
    run_jsonl(&folder, tmp, idx, NULL, (const char *[]){"-j", "2", dir, NULL});
    run_jsonl(&files, tmp, idx, NULL, (const char *[]){"-j", "1", a, b, c, NULL});
    cr_assert_eq(folder.code, 0, "%s", folder.err);
    cr_assert_eq(files.code, 0, "%s", files.err);
    cr_assert_gt(strlen(files.out), 100);
    cr_assert(strstr(files.out, "/folder/a/c.txt") < strstr(files.out, "/folder/b.txt"));
    cr_assert_str_eq(folder.out, files.out, "a folder is its files, recursively, sorted");
    run_free(&folder);
    run_free(&files);
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* Regression: links inside a folder were followed, so a link to the folder itself (two of
 * them) made match walk for ever. Links inside a folder are named and not followed; a link
 * given as an argument is. */
Test(cli, regression_match_folder_with_a_link_loop_ends, .timeout = 60)
{
    const char *tmp = g_tmp;
    char idx[1024], paths[3][1024], dir[900], f[1024], l1[1024], l2[1024], given[1024];
    run_result folder, file;
    make_batch(tmp, idx, 3, paths);
    snprintf(dir, sizeof dir, "%s/loop", tmp);
    snprintf(f, sizeof f, "%s/one.txt", dir);
    snprintf(l1, sizeof l1, "%s/a", dir);
    snprintf(l2, sizeof l2, "%s/b", dir);
    snprintf(given, sizeof given, "%s/link-to-one.txt", tmp);
    copy_to(paths[0], f);
    cr_assert_eq(symlink(".", l1), 0);
    cr_assert_eq(symlink(".", l2), 0);
    cr_assert_eq(symlink(f, given), 0);
    run_jsonl(&folder, tmp, idx, NULL, (const char *[]){dir, NULL});
    run_jsonl(&file, tmp, idx, NULL, (const char *[]){given, NULL});
    cr_assert_eq(folder.code, 0, "%s", folder.err);
    cr_assert_eq(file.code, 0, "%s", file.err);
    cr_expect_not_null(strstr(folder.err, "/loop/a' is a symbolic link inside a folder: not "
                                          "followed"),
                       "%s", folder.err);
    cr_expect_not_null(strstr(folder.err, "/loop/b' is a symbolic link"), "%s", folder.err);
    /* one result, the file's, like the link given by name */
    cr_assert_eq(count_lines(folder.out), 1, "%s", folder.out);
    cr_assert_eq(count_lines(file.out), 1, "%s", file.out);
    run_free(&folder);
    run_free(&file);
}

Test(cli, match_files_from_lists_files_and_folders)
{
    const char *tmp = g_tmp;
    char idx[1024], paths[3][1024], dir[1024], list[1024], text[4096];
    run_result listed, given, from_stdin;
    make_batch(tmp, idx, 3, paths);
    snprintf(dir, sizeof dir, "%s/in", tmp);
    snprintf(list, sizeof list, "%s/list.txt", tmp);
    snprintf(text, sizeof text, "%s\n\n%s\r\n", paths[2], dir); /* empty lines, CRLF too */
    pv_test_write_file(list, text, strlen(text));
    run_jsonl(&listed, tmp, idx, NULL, (const char *[]){"--files-from", list, paths[1], NULL});
    run_jsonl(&from_stdin, tmp, idx, list, (const char *[]){"--files-from", "-", paths[1], NULL});
    /* the arguments first, then the list */
    run_jsonl(&given, tmp, idx, NULL,
              (const char *[]){paths[1], paths[2], paths[0], paths[1], paths[2], NULL});
    cr_assert_eq(listed.code, 0, "%s", listed.err);
    cr_assert_str_eq(listed.out, given.out);
    cr_assert_str_eq(from_stdin.out, given.out);
    run_free(&listed);
    run_free(&given);
    run_free(&from_stdin);
}

/* A JSON lines record holding text; id NULL for none, numeric for a number. */
static void jsonl_record(FILE *f, const char *id, int numeric, const char *text)
{
    cJSON *o = cJSON_CreateObject();
    char *s;
    if (id && numeric)
        cJSON_AddNumberToObject(o, "request_id", atof(id));
    else if (id)
        cJSON_AddStringToObject(o, "request_id", id);
    cJSON_AddStringToObject(o, "completion", text);
    s = cJSON_PrintUnformatted(o);
    fprintf(f, "%s\n", s);
    cJSON_free(s);
    cJSON_Delete(o);
}

/* Create tmp/outs.jsonl, its path into jl (1024 bytes), for records to be written to. */
static FILE *open_outs(const char *tmp, char *jl)
{
    FILE *f;
    snprintf(jl, 1024, "%s/outs.jsonl", tmp);
    f = fopen(jl, "w");
    cr_assert_not_null(f);
    return f;
}

/* The result lines of a jsonl report, each without its "input", joined. */
static char *results_without_input(const char *out)
{
    char *copy = strdup(out), *line, *save = NULL, *all = calloc(1, 1);
    size_t n = 0;
    for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        cJSON *doc = cJSON_Parse(line);
        char *s;
        cr_assert_not_null(doc, "not JSON: %.200s", line);
        cJSON_DeleteItemFromObject(doc, "input");
        s = cJSON_PrintUnformatted(doc);
        all = realloc(all, n + strlen(s) + 2);
        n += (size_t)sprintf(all + n, "%s\n", s);
        cJSON_free(s);
        cJSON_Delete(doc);
    }
    free(copy);
    return all;
}

Test(cli, match_jsonl_records_bad_ones_named_skipped_and_counted)
{
    const char *tmp = g_tmp;
    char idx[1024], paths[2][1024], jl[1024], gz[1024], want[4096];
    char *t0, *t1, *got, *exp, *raw;
    unsigned char *z;
    size_t n, zn;
    run_result r, r2, files, rgz;
    FILE *f;
    make_batch(tmp, idx, 2, paths);
    t0 = pv_test_read_file(paths[0], NULL);
    t1 = pv_test_read_file(paths[1], NULL);
    f = open_outs(tmp, jl);
    jsonl_record(f, "r1", 0, t0);
    fputs("{not json\n", f);
    fputs("{\"request_id\": \"r3\", \"other\": 1}\n", f);
    jsonl_record(f, NULL, 0, t1);
    jsonl_record(f, "5", 1, t0);
    cr_assert_eq(fclose(f), 0);
    run_jsonl(&r, tmp, idx, NULL,
              (const char *[]){"-j", "1", "--jsonl", "--field", "text=completion,id=request_id", jl,
                               NULL});
    cr_assert_eq(r.code, 0, "bad records are skipped: %s", r.err);
    snprintf(want, sizeof want,
             "provscan: %s:2: not a JSON object\n"
             "provscan: %s:3: no string field 'completion'\n"
             "provscan: 2 bad records skipped\n",
             jl, jl);
    cr_assert_str_eq(r.err, want);
    /* the records are named by their id, FILE:LINE without one */
    snprintf(want, sizeof want, "{\"input\":\"%s:4\"", jl);
    cr_assert(strncmp(r.out, "{\"input\":\"r1\"", 13) == 0, "%.100s", r.out);
    cr_assert_not_null(strstr(r.out, want), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "{\"input\":\"5\""), "%s", r.out);
    /* each record's result is that of its text read from a file */
    run_jsonl(&files, tmp, idx, NULL, (const char *[]){paths[0], paths[1], paths[0], NULL});
    got = results_without_input(r.out);
    exp = results_without_input(files.out);
    cr_assert_str_eq(got, exp);
    /* two threads: the same report, the same messages in the same order */
    run_jsonl(&r2, tmp, idx, NULL,
              (const char *[]){"-j", "2", "--jsonl", "--field", "text=completion,id=request_id", jl,
                               NULL});
    cr_assert_eq(r2.code, 0);
    cr_assert_str_eq(r2.out, r.out);
    cr_assert_str_eq(r2.err, r.err);
    /* gzip-compressed, the same records */
    raw = pv_test_read_file(jl, &n);
    z = pv_test_deflate(raw, n, 31, &zn);
    snprintf(gz, sizeof gz, "%s/outs.jsonl.gz", tmp);
    pv_test_write_file(gz, z, zn);
    run_jsonl(&rgz, tmp, idx, NULL,
              (const char *[]){"--jsonl", "--field", "text=completion,id=request_id", gz, NULL});
    cr_assert_eq(rgz.code, 0, "%s", rgz.err);
    free(got);
    got = results_without_input(rgz.out);
    cr_assert_str_eq(got, exp);
    cr_assert_not_null(strstr(rgz.err, "outs.jsonl.gz:2: not a JSON object"), "%s", rgz.err);
    free(raw);
    free(z);
    free(got);
    free(exp);
    free(t0);
    free(t1);
    run_free(&r);
    run_free(&r2);
    run_free(&rgz);
    run_free(&files);
}

Test(cli, match_jsonl_strict_stops_at_the_first_bad_record)
{
    const char *tmp = g_tmp;
    char idx[1024], paths[1][1024], jl[1024], want[2048];
    char *t0;
    run_result r;
    FILE *f;
    make_batch(tmp, idx, 1, paths);
    t0 = pv_test_read_file(paths[0], NULL);
    f = open_outs(tmp, jl);
    jsonl_record(f, "r1", 0, t0);
    fputs("[1, 2]\n", f);
    jsonl_record(f, "r3", 0, t0);
    cr_assert_eq(fclose(f), 0);
    run_jsonl(&r, tmp, idx, NULL,
              (const char *[]){"-j", "2", "--strict", "--jsonl", "--field",
                               "text=completion,id=request_id", jl, NULL});
    cr_assert_eq(r.code, 3);
    snprintf(want, sizeof want, "provscan: %s:2: not a JSON object\n", jl);
    cr_assert_str_eq(r.err, want);
    cr_assert(strncmp(r.out, "{\"input\":\"r1\"", 13) == 0, "%.100s", r.out);
    cr_assert_null(strstr(r.out, "\"r3\""), "nothing after the bad record");
    /* a bad --field is a usage error */
    run_free(&r);
    run_jsonl(&r, tmp, idx, NULL, (const char *[]){"--jsonl", "--field", "body=x", jl, NULL});
    cr_assert_eq(r.code, 2, "%s", r.err);
    cr_assert_not_null(strstr(r.err, "--field: expected text=NAME or id=NAME, got 'body=x'"), "%s",
                       r.err);
    free(t0);
    run_free(&r);
}

Test(cli, match_summary_drops_the_query_echo)
{
    const char *tmp = g_tmp;
    char idx[1024], query[1024], plain[1024];
    make_corpus(tmp);
    make_query(tmp);
    build_index(tmp, NULL);
    snprintf(idx, sizeof idx, "%s/idx.pvx", tmp);
    snprintf(query, sizeof query, "%s/query.md", tmp);
    snprintf(plain, sizeof plain, "%s/plain.txt", tmp);
    check("match_summary", tmp, NULL,
          (const char *[]){"match", "-x", idx, "--summary", query, plain, NULL});
}

/* Run provscan with stdout on a pseudo-terminal of cols columns; returns what it wrote,
   line endings as "\n". */
static char *run_on_terminal(const char *const *args, unsigned short cols)
{
    struct winsize ws = {24, cols, 0, 0};
    posix_spawn_file_actions_t fa;
    char *argv[64], *out = NULL, buf[4096];
    size_t n = 0, i;
    pid_t pid;
    int master, status, rc;
    master = posix_openpt(O_RDWR | O_NOCTTY);
    cr_assert_geq(master, 0);
    cr_assert_eq(grantpt(master), 0);
    cr_assert_eq(unlockpt(master), 0);
    cr_assert_eq(ioctl(master, TIOCSWINSZ, &ws), 0);
    argv[0] = (char *)pv_test_bin();
    for (i = 0; args[i]; i++)
        argv[i + 1] = (char *)args[i];
    argv[i + 1] = NULL;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, ptsname(master), O_WRONLY | O_NOCTTY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    cr_assert_eq(rc, 0);
    /* read until the terminal's last writer is gone (EIO), then reap */
    for (;;) {
        ssize_t got = read(master, buf, sizeof buf);
        if (got <= 0)
            break;
        out = realloc(out, n + (size_t)got + 1);
        for (i = 0; i < (size_t)got; i++)
            if (buf[i] != '\r')
                out[n++] = buf[i];
    }
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(master);
    out = realloc(out, n + 1);
    out[n] = '\0';
    return out;
}

Test(cli, match_cuts_lines_to_the_terminal_width_only_on_a_terminal)
{
    const char *tmp = g_tmp;
    char idx[1024], query[1024], *cut, *p, *q, *save = NULL, *save2 = NULL;
    const char *args[] = {"match", "-x", idx, "--color=never", query, NULL};
    run_result r;
    size_t nlines = 0, ncut = 0;
    make_corpus(tmp);
    make_query(tmp);
    build_index(tmp, NULL);
    snprintf(idx, sizeof idx, "%s/idx.pvx", tmp);
    snprintf(query, sizeof query, "%s/query.md", tmp);
    run(&r, tmp, NULL, args); /* piped: whole lines */
    cr_assert_eq(r.code, 0);
    cr_expect(strstr(r.out, "northern reef, noting the hour, the weather, the colour of the "
                            "sails and the\n") != NULL);
    cut = run_on_terminal(args, 40);
    /* line by line, the terminal shows the first 40 columns of the piped line (ASCII here) */
    for (p = strtok_r(r.out, "\n", &save), q = strtok_r(cut, "\n", &save2); p || q;
         p = strtok_r(NULL, "\n", &save), q = strtok_r(NULL, "\n", &save2), nlines++) {
        cr_assert(p && q, "line %zu: one output is shorter", nlines + 1);
        cr_expect_eq(strlen(q), strlen(p) > 40 ? 40 : strlen(p), "line %zu: '%s'", nlines + 1, q);
        cr_expect_eq(strncmp(p, q, strlen(q)), 0, "line %zu: '%s' vs '%s'", nlines + 1, q, p);
        ncut += strlen(p) > 40;
    }
    cr_expect_gt(ncut, 5, "the report has long lines to cut");
    free(cut);
    run_free(&r);
}

/* Run provscan match -x idx --format format over the same input given n times (stdout to
   /dev/null) and return the peak resident memory, in KiB, of the largest child this
   process has waited for so far (getrusage counts children as one maximum). */
static long match_peak_kib(const char *idx, const char *format, const char *input, size_t n)
{
    char **argv = calloc(n + 7, sizeof *argv);
    posix_spawn_file_actions_t fa;
    struct rusage ru;
    size_t i, k = 0;
    pid_t pid;
    int status;
    cr_assert_not_null(argv);
    argv[k++] = (char *)pv_test_bin();
    argv[k++] = "match";
    argv[k++] = "-x";
    argv[k++] = (char *)idx;
    argv[k++] = "--format";
    argv[k++] = (char *)format;
    for (i = 0; i < n; i++)
        argv[k++] = (char *)input;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    cr_assert_eq(posix_spawn(&pid, argv[0], &fa, NULL, argv, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    cr_assert_eq(getrusage(RUSAGE_CHILDREN, &ru), 0);
    free(argv);
    return ru.ru_maxrss;
}

/* Appends the ndocs documents dir/doc%03zu.EXT to big until it holds big_bytes bytes (the
   corpus over and over). */
static void repeat_corpus(const char *dir, const char *ext, size_t ndocs, const char *big,
                          size_t big_bytes)
{
    char path[1100];
    size_t i, total = 0;
    FILE *out = fopen(big, "w");
    cr_assert_not_null(out);
    while (total < big_bytes)
        for (i = 0; i < ndocs && total < big_bytes; i++) {
            size_t len;
            char *t;
            snprintf(path, sizeof path, "%s/doc%03zu.%s", dir, i, ext);
            t = pv_test_read_file(path, &len);
            if (len > big_bytes - total)
                len = big_bytes - total;
            cr_assert_eq(fwrite(t, 1, len, out), len);
            total += len;
            free(t);
        }
    cr_assert_eq(fclose(out), 0);
}

/* A vocabulary of 4,096 words of lo to lo + span - 1 lowercase letters. */
static void make_vocab(char vocab[4096][16], size_t lo, size_t span, uint64_t *x)
{
    size_t i, j;
    for (i = 0; i < 4096; i++) {
        size_t len = lo + (i * 7919) % span;
        for (j = 0; j < len; j++) {
            *x = *x * 6364136223846793005u + 1442695040888963407u;
            vocab[i][j] = (char)('a' + (*x >> 33) % 26);
        }
        vocab[i][len] = '\0';
    }
}

/* A corpus of ndocs generated documents of prose-like text (words of 6 to 14 letters from a
   vocabulary of 4,096, lines of 10 words, 400 lines a document) in tmp/NAME, every document
   also appended to big until it holds big_bytes bytes (the corpus over and over). */
static void make_generated(const char *tmp, const char *name, size_t ndocs, const char *big,
                           size_t big_bytes)
{
    static char vocab[4096][16];
    char dir[1024], path[1100], *doc = malloc(64 << 10);
    uint64_t x = 0x9e3779b97f4a7c15u;
    size_t i, j, w, n;
    cr_assert_not_null(doc);
    make_vocab(vocab, 6, 9, &x);
    snprintf(dir, sizeof dir, "%s/%s", tmp, name);
    cr_assert_eq(mkdir(dir, 0755), 0);
    for (i = 0; i < ndocs; i++) {
        n = 0;
        for (j = 0; j < 400; j++)
            for (w = 0; w < 10; w++) {
                x = x * 6364136223846793005u + 1442695040888963407u;
                n += (size_t)sprintf(doc + n, "%s%c", vocab[(x >> 33) % 4096], w == 9 ? '\n' : ' ');
            }
        snprintf(path, sizeof path, "%s/doc%03zu.txt", dir, i);
        pv_test_write_file(path, doc, n);
    }
    repeat_corpus(dir, "txt", ndocs, big, big_bytes);
    free(doc);
}

/* The same for code shaped like C headers (the bench corpus is mostly /usr/include): short
   identifiers (2 to 5 letters), numbers and punctuation, a token every 4 to 5 bytes; and each
   header is in the corpus twice (copy/), as headers are in several packages. */
static void make_generated_code(const char *tmp, const char *name, size_t ndocs, const char *big,
                                size_t big_bytes)
{
    static char vocab[4096][16];
    char dir[1024], path[1100], *doc = malloc(64 << 10);
    uint64_t x = 0x2545f4914f6cdd1du;
    size_t i, j, n;
    cr_assert_not_null(doc);
    make_vocab(vocab, 2, 4, &x);
    snprintf(dir, sizeof dir, "%s/%s", tmp, name);
    cr_assert_eq(mkdir(dir, 0755), 0);
    snprintf(path, sizeof path, "%s/copy", dir);
    cr_assert_eq(mkdir(path, 0755), 0);
    for (i = 0; i < ndocs; i++) {
        n = 0;
        for (j = 0; j < 600; j++) {
            const char *v[6];
            unsigned num;
            size_t m;
            for (m = 0; m < 6; m++) {
                x = x * 6364136223846793005u + 1442695040888963407u;
                v[m] = vocab[(x >> 33) % 4096];
            }
            num = (unsigned)(x >> 40) % 100;
            switch ((x >> 20) % 4) {
            case 0:
                n += (size_t)sprintf(doc + n, "%s=%s(%s,%s,%u);\n", v[0], v[1], v[2], v[3], num);
                break;
            case 1:
                n += (size_t)sprintf(doc + n, "%s %s(%s *%s,%s %s);\n", v[0], v[1], v[2], v[3],
                                     v[4], v[5]);
                break;
            case 2:
                n += (size_t)sprintf(doc + n, "%s->%s[%s]=%s.%s;\n", v[0], v[1], v[2], v[3], v[4]);
                break;
            default:
                n += (size_t)sprintf(doc + n, "#define %s %u\n", v[0], num);
            }
        }
        snprintf(path, sizeof path, "%s/doc%03zu.h", dir, i);
        pv_test_write_file(path, doc, n);
        snprintf(path, sizeof path, "%s/copy/doc%03zu.h", dir, i);
        pv_test_write_file(path, doc, n);
    }
    repeat_corpus(dir, "h", ndocs, big, big_bytes);
    free(doc);
}

typedef void make_corpus_fn(const char *tmp, const char *name, size_t ndocs, const char *big,
                            size_t big_bytes);

/* Generate a corpus of 150 documents with make in tmp/NAME and 60 MiB of it in tmp/FILE, index
   the corpus, match the 60 MiB in the first nformats of the formats text, json, jsonl and
   expect each to peak under 300 MB. */
static void expect_60_mb_under_300_mb(make_corpus_fn *make, const char *name, const char *file,
                                      size_t nformats)
{
#ifdef __SANITIZE_ADDRESS__
    /* AddressSanitizer keeps freed memory in quarantine: peak RSS says nothing there */
    cr_skip_test("peak memory is not measurable under AddressSanitizer");
#endif
    static const char *const formats[] = {"text", "json", "jsonl"};
    const char *tmp = g_tmp;
    char idx[1024], src[1024], big[1024];
    run_result r;
    size_t f;
    snprintf(idx, sizeof idx, "%s/%s.pvx", tmp, name);
    snprintf(src, sizeof src, "%s/%s", tmp, name);
    snprintf(big, sizeof big, "%s/%s", tmp, file);
    make(tmp, name, 150, big, (size_t)60 << 20);
    {
        const char *args[] = {"index", "-o", idx, "-j", "2", "-q", src, NULL};
        run(&r, tmp, NULL, args);
        cr_assert_eq(r.code, 0, "index failed: %s", r.err);
        run_free(&r);
    }
    for (f = 0; f < nformats; f++) {
        long kib = match_peak_kib(idx, formats[f], big, 1);
        cr_log_info("%s, --format %s: 60 MiB input, peak %ld KiB", name, formats[f], kib);
        cr_expect_lt(kib, 300 * 1000 * 1000 / 1024, "%s, --format %s: 60 MiB input, peak %ld KiB",
                     name, formats[f], kib);
    }
}

/* A 60 MB input matched whole took 504 MB of RSS (its k-grams sorted at once, postings counts
   and weak bytes per k-gram, every k-gram kept for the license check): now looked up in passes
   over fingerprint buckets, it stays under 300 MB in every format. */
Test(cli, regression_match_60_mb_input_stays_under_300_mb)
{
    expect_60_mb_under_300_mb(make_generated, "gen", "big.txt", 3);
}

/* Code has more tokens to the byte than prose, and each cost 16 bytes through the whole match:
   60 MiB of generated C headers took 349 MB. Now a query's tokens are kept compact, phase by
   phase (match/query_tokens.c): 208 MB. The formats add nothing to the match's memory (the
   test above), so one is enough here. */
Test(cli, regression_match_60_mb_of_code_stays_under_300_mb)
{
    expect_60_mb_under_300_mb(make_generated_code, "code", "big.h", 1);
}

/* The JSON report was one cJSON tree of every result, printed at the end: 335 MB for
   10,000 inputs. Now each result is printed as it comes and freed. */
Test(cli, regression_match_json_memory_does_not_grow_with_inputs)
{
#ifdef __SANITIZE_ADDRESS__
    /* AddressSanitizer keeps freed memory in quarantine: peak RSS says nothing there */
    cr_skip_test("peak memory is not measurable under AddressSanitizer");
#endif
    const char *tmp = g_tmp;
    char idx[1024], paths[1][1024];
    static const char *const formats[] = {"json", "jsonl"};
    size_t f;
    make_batch(tmp, idx, 1, paths);
    for (f = 0; f < 2; f++) {
        /* few first: the children's maximum only grows */
        long few = match_peak_kib(idx, formats[f], paths[0], 10);
        long many = match_peak_kib(idx, formats[f], paths[0], 5000);
        cr_expect_lt(many, few + 4096, "--format %s: %ld KiB for 10 inputs, %ld KiB for 5,000",
                     formats[f], few, many);
    }
}

/* ---- index: sources that give nothing good, twice-given sources, bad presets ---------- */

/* A SOURCE that cannot be read is an input error, like a missing one: exit 3, no index. */
Test(cli, regression_index_unreadable_single_source_exits_3)
{
    const char *tmp = g_tmp;
    char src[1024], out[1024];
    run_result r;

    snprintf(src, sizeof src, "%s/secret.txt", tmp);
    snprintf(out, sizeof out, "%s/idx.pvx", tmp);
    write_text(tmp, "secret.txt", "words that nobody may read in this file at all\n", 1500000000);
    cr_assert_eq(chmod(src, 0), 0);
    cr_assert_eq(chmod(tmp, 0777), 0);
    /* Root reads any file: the run is made by nobody (65534), real and effective user both
       (LeakSanitizer and /proc/self/environ need them equal), through setpriv. Nobody may
       not reach the build folder (a clone in a 0700 temp folder): a copy of the binary is
       run from the test's own folder. */
    if (geteuid() == 0) {
        char copy[1024], wrap[1024], script[2400];
        size_t n;
        void *exe = pv_test_read_file(pv_test_bin(), &n);
        if (access("/usr/bin/setpriv", X_OK) != 0)
            cr_skip_test("running as root without setpriv to become another user");
        cr_assert(exe != NULL, "cannot read %s", pv_test_bin());
        snprintf(copy, sizeof copy, "%s/provscan", tmp);
        pv_test_write_file(copy, exe, n);
        free(exe);
        cr_assert_eq(chmod(copy, 0755), 0);
        snprintf(wrap, sizeof wrap, "%s/as-nobody", tmp);
        snprintf(script, sizeof script,
                 "#!/bin/sh\nexec /usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups "
                 "'%s' \"$@\"\n",
                 copy);
        pv_test_write_file(wrap, script, strlen(script));
        cr_assert_eq(chmod(wrap, 0755), 0);
        cr_assert_eq(setenv("PROVSCAN_BIN", wrap, 1), 0);
    } else if (faccessat(AT_FDCWD, src, R_OK, AT_EACCESS) == 0) {
        cr_skip_test("%s is readable despite chmod 000", src);
    }
    run(&r, tmp, NULL, (const char *[]){"index", "-q", "-o", out, src, NULL});
    cr_expect_eq(r.code, 3, "exit %d: %s%s", r.code, r.out, r.err);
    cr_expect(strstr(r.err, "secret.txt': Permission denied") != NULL, "%s", r.err);
    cr_expect_neq(access(out, F_OK), 0, "no index may be written for an unreadable source");
    run_free(&r);
}

/* A jsonl: source of which no line is JSON read no record, only bad ones: exit 3, and no index
 * written (regression: an empty one was, in place of the index already there). */
Test(cli, regression_index_only_bad_records_exits_3)
{
    const char *tmp = g_tmp;
    char src[1024], out[1024], good[1024];
    run_result r;
    void *before, *after;
    size_t nbefore, nafter;
    DIR *dir;
    struct dirent *e;

    snprintf(src, sizeof src, "jsonl:%s/notes.jsonl", tmp);
    snprintf(out, sizeof out, "%s/idx.pvx", tmp);
    write_text(tmp, "notes.jsonl", "these are notes\nnot JSON lines at all\n", 1500000000);
    run(&r, tmp, NULL, (const char *[]){"index", "-q", "-o", out, src, NULL});
    cr_expect_eq(r.code, 3, "exit %d: %s%s", r.code, r.out, r.err);
    cr_expect(strstr(r.err, "notes.jsonl: line 1: invalid JSON") != NULL, "%s", r.err);
    cr_expect(strstr(r.err, "notes.jsonl: line 2: invalid JSON") != NULL, "%s", r.err);
    cr_expect(strstr(r.err, "no document indexed: every record read was bad (2, named above)") !=
                  NULL,
              "%s", r.err);
    cr_expect_neq(access(out, F_OK), 0, "no index may be written from bad records only");
    run_free(&r);
    /* an index already at that path stays as it was */
    snprintf(good, sizeof good, "%s/good.txt", tmp);
    write_text(tmp, "good.txt", "a few good words to index from one plain text file\n", 1500000000);
    run(&r, tmp, NULL, (const char *[]){"index", "-q", "-o", out, good, NULL});
    cr_assert_eq(r.code, 0, "exit %d: %s%s", r.code, r.out, r.err);
    run_free(&r);
    before = pv_test_read_file(out, &nbefore);
    run(&r, tmp, NULL, (const char *[]){"index", "-q", "-o", out, src, NULL});
    cr_expect_eq(r.code, 3, "exit %d: %s%s", r.code, r.out, r.err);
    run_free(&r);
    after = pv_test_read_file(out, &nafter);
    cr_expect(nafter == nbefore && memcmp(before, after, nbefore) == 0,
              "the index at -o was replaced");
    free(before);
    free(after);
    /* and no temporary file is left */
    cr_assert_not_null(dir = opendir(tmp));
    while ((e = readdir(dir)) != NULL)
        cr_expect(strstr(e->d_name, ".tmp") == NULL, "left behind: %s", e->d_name);
    closedir(dir);
}

/* The same SOURCE given twice, however spelled, would be read twice: a usage error. */
Test(cli, regression_index_same_source_twice_is_a_usage_error)
{
    const char *tmp = g_tmp;
    char dir[1024], dir2[1024], dir3[1024], out[1024];
    run_result r;

    snprintf(dir, sizeof dir, "%s/docs", tmp);
    snprintf(dir2, sizeof dir2, "files:%s/docs/../docs/", tmp);
    snprintf(dir3, sizeof dir3, "%s/other", tmp);
    snprintf(out, sizeof out, "%s/idx.pvx", tmp);
    cr_assert_eq(mkdir(dir, 0755), 0);
    cr_assert_eq(mkdir(dir3, 0755), 0);
    write_text(dir, "a.txt", "a few words to index from the first and only file here\n",
               1500000000);
    run(&r, tmp, NULL, (const char *[]){"index", "-q", "-o", out, dir, dir3, dir2, NULL});
    cr_expect_eq(r.code, 2, "exit %d: %s%s", r.code, r.out, r.err);
    cr_expect(strstr(r.err, "the same source is given twice") != NULL, "%s", r.err);
    cr_expect(strstr(r.err, "usage: provscan index") != NULL, "%s", r.err);
    cr_expect_neq(access(out, F_OK), 0, "no index may be written after a usage error");
    run_free(&r);
    run(&r, tmp, NULL, (const char *[]){"index", "-q", "-o", out, dir, dir3, NULL});
    cr_expect_eq(r.code, 0, "exit %d: %s%s", r.code, r.out, r.err);
    run_free(&r);
}

/* An unknown --preset is refused even when no source is JSON lines. */
Test(cli, regression_index_unknown_preset_is_a_usage_error)
{
    const char *tmp = g_tmp;
    char dir[1024], out[1024];
    run_result r;

    snprintf(dir, sizeof dir, "%s/docs", tmp);
    snprintf(out, sizeof out, "%s/idx.pvx", tmp);
    cr_assert_eq(mkdir(dir, 0755), 0);
    write_text(dir, "a.txt", "a few words to index from the first and only file here\n",
               1500000000);
    run(&r, tmp, NULL, (const char *[]){"index", "-q", "-o", out, "--preset", "dolmaa", dir, NULL});
    cr_expect_eq(r.code, 2, "exit %d: %s%s", r.code, r.out, r.err);
    cr_expect(strstr(r.err, "unknown preset 'dolmaa'") != NULL, "%s", r.err);
    cr_expect_neq(access(out, F_OK), 0, "no index may be written after a usage error");
    run_free(&r);
}

/* -v names every skipped file or record with its reason: a folder's dangling symbolic link,
 * a JSON-lines record without text. */
Test(cli, regression_index_verbose_names_skipped_links_and_records)
{
    const char *tmp = g_tmp;
    char dir[1024], link[1024], jl[1024], out[1024];
    run_result r;

    snprintf(dir, sizeof dir, "%s/docs", tmp);
    snprintf(link, sizeof link, "%s/docs/gone.txt", tmp);
    snprintf(jl, sizeof jl, "%s/data.jsonl", tmp);
    snprintf(out, sizeof out, "%s/idx.pvx", tmp);
    cr_assert_eq(mkdir(dir, 0755), 0);
    write_text(dir, "a.txt", "a few words to index from the first and only file here\n",
               1500000000);
    cr_assert_eq(symlink("/nonexistent/target", link), 0);
    write_text(tmp, "data.jsonl",
               "{\"text\":\"\"}\n{\"text\":\"the second record has words enough to be read\"}\n",
               1500000000);
    run(&r, tmp, NULL, (const char *[]){"index", "-qv", "-o", out, dir, jl, NULL});
    cr_expect_eq(r.code, 0, "exit %d: %s%s", r.code, r.out, r.err);
    cr_expect(strstr(r.err, "docs/gone.txt: skipped: dangling symbolic link") != NULL, "%s", r.err);
    cr_expect(strstr(r.err, "data.jsonl: line 1: skipped: no text") != NULL, "%s", r.err);
    run_free(&r);
    /* without -v: counted, not named */
    run(&r, tmp, NULL, (const char *[]){"index", "-q", "-o", out, dir, jl, NULL});
    cr_expect_eq(r.code, 0, "exit %d: %s%s", r.code, r.out, r.err);
    cr_expect(strstr(r.err, "gone.txt") == NULL, "%s", r.err);
    cr_expect(strstr(r.out, ", 1 empty, 1 by rule (deleted, drafts, other record types)\n") != NULL,
              "%s", r.out);
    run_free(&r);
}

/* The summaries of index and scan count the replacements the readers made (raw NUL bytes and
 * lone surrogates in JSON lines) with those the tokenizer made (invalid UTF-8 bytes). */
Test(cli, regression_summaries_count_the_readers_replacements)
{
    static const char data[] = "{\"text\":\"the first record holds \\ud800 a lone surrogate and "
                               "enough words to be indexed and found again later\"}\n"
                               "{\"text\":\"a raw \0 nul byte, \\udc00 another surrogate, and "
                               "\xff one invalid byte in words enough to be found\"}\n";
    const char *tmp = g_tmp;
    char jl[1024], out[1024];
    run_result r;

    snprintf(jl, sizeof jl, "%s/data.jsonl", tmp);
    snprintf(out, sizeof out, "%s/idx.pvx", tmp);
    pv_test_write_file(jl, data, sizeof data - 1);
    run(&r, tmp, NULL, (const char *[]){"index", "-q", "-o", out, jl, NULL});
    cr_expect_eq(r.code, 0, "exit %d: %s%s", r.code, r.out, r.err);
    cr_expect(strstr(r.out, "\n4 invalid UTF-8 sequences replaced by U+FFFD\n") != NULL, "%s",
              r.out);
    run_free(&r);
    run(&r, tmp, NULL, (const char *[]){"scan", "-q", "-x", out, jl, NULL});
    cr_expect_eq(r.code, 0, "exit %d: %s%s", r.code, r.out, r.err);
    cr_expect(strstr(r.out, "\n4 invalid UTF-8 sequences replaced by U+FFFD\n") != NULL, "%s",
              r.out);
    run_free(&r);
    run(&r, tmp, NULL, (const char *[]){"scan", "-q", "--format", "json", "-x", out, jl, NULL});
    cr_expect(strstr(r.out, "\"invalid_utf8\":\t4,") != NULL, "%s", r.out);
    run_free(&r);
}

/* An index path that is not a regular file (a device) is named as such by every command
 * that opens an index. Regression: stats said "Success" and match "Inappropriate ioctl for
 * device" (whatever errno held). */
Test(cli, regression_index_that_is_a_device_is_not_a_regular_file)
{
    const char *tmp = g_tmp;
    run_result r;
    run(&r, tmp, NULL, (const char *[]){"stats", "-x", "/dev/null", NULL});
    cr_expect_eq(r.code, 3);
    cr_expect(strstr(r.err, "cannot open index '/dev/null': not a regular file") != NULL, "%s",
              r.err);
    run_free(&r);
    make_query(tmp);
    {
        char query[1024];
        snprintf(query, sizeof query, "%s/plain.txt", tmp);
        run(&r, tmp, NULL, (const char *[]){"match", "-x", "/dev/null", query, NULL});
    }
    cr_expect_eq(r.code, 3);
    cr_expect(strstr(r.err, "cannot open index '/dev/null': not a regular file") != NULL, "%s",
              r.err);
    run_free(&r);
}
