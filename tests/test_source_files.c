/*
 * test_source_files.c - the files source (scanner/source_files.c): listing trees built by
 * each test under a mkdtemp folder, and loading files as text or rejecting them as binary.
 */
#define _XOPEN_SOURCE 700
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scanner_int.h"
#include "util.h"

/* Criterion runs every test in a process of its own: one tree per test. */
static const char *root;

static void make_root(void)
{
    root = pv_test_tmpdir("pv_files_");
}

static void remove_root(void)
{
    if (getuid() == 0)
        (void)seteuid(0); /* a test may have given up root; the saved id gets it back */
    pv_test_rmtree(root);
}

TestSuite(files, .init = make_root, .fini = remove_root);

/* Copies a fixture license file to root/rel. */
static void put_fixture(const char *rel, const char *fixture)
{
    char path[PATH_MAX];
    size_t n;
    char *text;
    snprintf(path, sizeof path, "fixtures/licenses/%s", fixture);
    text = pv_test_read_file(path, &n);
    pv_test_put(rel, text, n);
    free(text);
}

/* Lists root with opts and returns the rc; the list is the caller's. */
static int list(const pv_files_opts *opts, pv_file_list *l, pv_err *err)
{
    memset(l, 0, sizeof *l);
    memset(err, 0, sizeof *err);
    return pv_files__list(root, opts, l, err);
}

static const pv_file_entry *find(const pv_file_list *l, const char *rel)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i].rel, rel) == 0)
            return &l->v[i];
    return NULL;
}

static void expect_rels(const pv_file_list *l, const char *const *want, size_t n)
{
    cr_assert_eq(l->n, n, "listed %zu files, want %zu", l->n, n);
    for (size_t i = 0; i < n; i++)
        cr_expect_str_eq(l->v[i].rel, want[i], "entry %zu", i);
}

Test(files, entries_sorted_by_rel_with_sizes_and_mtimes)
{
    static const char *const want[] = {"A.md", "a-b.txt", "a/b/c.txt", "a/z.c", "b.c"};
    struct timespec times[2] = {{1000000000, 0}, {1000000000, 0}};
    pv_file_list l;
    pv_err err;

    pv_test_put_str("b.c", "int b;\n");
    pv_test_put_str("a/z.c", "int z;\n");
    pv_test_put_str("a-b.txt", "dash\n");
    pv_test_put_str("A.md", "# A\n");
    pv_test_put_str("a/b/c.txt", "deep\n");
    cr_assert_eq(utimensat(AT_FDCWD, pv_test_path("a/z.c"), times, 0), 0);
    cr_assert_eq(list(NULL, &l, &err), 0, "%s", err.msg);
    /* strcmp order: '-' (0x2d) sorts before '/' (0x2f), capitals before small letters */
    expect_rels(&l, want, 5);
    cr_expect_str_eq(find(&l, "a/z.c")->path, pv_test_path("a/z.c"));
    cr_expect_eq(find(&l, "a/z.c")->size, 7);
    cr_expect_eq(find(&l, "a/z.c")->mtime, 1000000000);
    cr_expect_eq(l.total_bytes, 7 + 7 + 5 + 4 + 5);
    cr_expect_eq(l.skipped_large + l.skipped_excluded + l.skipped_unreadable + l.skipped_git, 0);
    cr_expect_null(find(&l, "b.c")->dir_license);
    pv_files__list_free(&l);
}

/* "dir/", "dir" and "." give the same rel paths, without a leading "./". */
Test(files, root_spelling_does_not_change_rel)
{
    pv_file_list l = {0};
    pv_err err;
    char slash[PATH_MAX + 1];

    pv_test_put_str("x/y.c", "y\n");
    snprintf(slash, sizeof slash, "%s/", root);
    cr_assert_eq(pv_files__list(slash, NULL, &l, &err), 0, "%s", err.msg);
    cr_assert_eq(l.n, 1);
    cr_expect_str_eq(l.v[0].rel, "x/y.c");
    cr_expect_str_eq(l.v[0].path, pv_test_path("x/y.c"));
    pv_files__list_free(&l);

    cr_assert_eq(chdir(root), 0);
    cr_assert_eq(pv_files__list(".", NULL, &l, &err), 0, "%s", err.msg);
    cr_assert_eq(l.n, 1);
    cr_expect_str_eq(l.v[0].rel, "x/y.c");
    cr_expect_str_eq(l.v[0].path, "./x/y.c");
    pv_files__list_free(&l);
}

Test(files, git_folders_skipped_and_counted)
{
    static const char *const want[] = {".gitignore", "sub/a.c", "top.c"};
    pv_file_list l;
    pv_err err;

    pv_test_put_str(".git/HEAD", "ref: refs/heads/main\n");
    pv_test_put_str(".git/objects/ab/cdef", "blob");
    pv_test_put_str(".gitignore", "*.o\n");
    pv_test_put_str("sub/.git/config", "[core]\n");
    pv_test_put_str("sub/a.c", "a\n");
    pv_test_put_str("top.c", "t\n");
    cr_assert_eq(list(NULL, &l, &err), 0, "%s", err.msg);
    expect_rels(&l, want, 3);
    cr_expect_eq(l.skipped_git, 2);
    pv_files__list_free(&l);
}

Test(files, large_files_skipped_and_counted)
{
    static const char *const want[] = {"ten.txt"};
    pv_files_opts o = {.max_file_size = 10};
    pv_file_list l;
    pv_err err;

    pv_test_put_str("ten.txt", "0123456789");
    pv_test_put_str("eleven.txt", "0123456789A");
    cr_assert_eq(list(&o, &l, &err), 0, "%s", err.msg);
    expect_rels(&l, want, 1);
    cr_expect_eq(l.skipped_large, 1);
    cr_expect_eq(l.total_bytes, 10);
    pv_files__list_free(&l);

    o.max_file_size = 0; /* no limit */
    cr_assert_eq(list(&o, &l, &err), 0, "%s", err.msg);
    cr_expect_eq(l.n, 2);
    cr_expect_eq(l.skipped_large, 0);
    pv_files__list_free(&l);
}

Test(files, exclude_pattern_on_files)
{
    static const char *const want[] = {"a/app.js", "min.js.txt"};
    const char *pats[] = {"\\.min\\.js$", "(^|/)build\\.log$"};
    pv_files_opts o = {.excludes = pats, .nexcludes = 2};
    pv_file_list l;
    pv_err err;

    pv_test_put_str("a/app.js", "app();\n");
    pv_test_put_str("a/app.min.js", "app();");
    pv_test_put_str("b/c/lib.min.js", "lib();");
    pv_test_put_str("min.js.txt", "not minified\n");
    pv_test_put_str("build.log", "log\n");
    pv_test_put_str("d/build.log", "log\n");
    cr_assert_eq(list(&o, &l, &err), 0, "%s", err.msg);
    expect_rels(&l, want, 2);
    cr_expect_eq(l.skipped_excluded, 4);
    pv_files__list_free(&l);
}

/* A folder is matched as "rel/" and skipped whole, counting as one. */
Test(files, exclude_pattern_on_folders)
{
    static const char *const want[] = {"src/main.c", "src/vendor.c", "vendored.c"};
    const char *pats[] = {"^vendor/", "(^|/)node_modules/"};
    pv_files_opts o = {.excludes = pats, .nexcludes = 2};
    pv_file_list l;
    pv_err err;

    pv_test_put_str("vendor/a.c", "a\n");
    pv_test_put_str("vendor/b.c", "b\n");
    pv_test_put_str("vendor/deep/c.c", "c\n");
    pv_test_put_str("vendored.c", "v\n");
    pv_test_put_str("src/main.c", "m\n");
    pv_test_put_str("src/vendor.c", "v\n");
    pv_test_put_str("src/node_modules/x/index.js", "x\n");
    pv_test_put_str("src/node_modules/y.js", "y\n");
    cr_assert_eq(list(&o, &l, &err), 0, "%s", err.msg);
    expect_rels(&l, want, 3);
    cr_expect_eq(l.skipped_excluded, 2);
    pv_files__list_free(&l);
}

Test(files, bad_exclude_pattern_is_einval_with_pcre2_message)
{
    const char *pats[] = {"\\.c$", "("};
    pv_files_opts o = {.excludes = pats, .nexcludes = 2};
    pv_file_list l;
    pv_err err;

    pv_test_put_str("a.c", "a\n");
    cr_expect_eq(list(&o, &l, &err), PV_EINVAL);
    cr_expect_eq(err.code, PV_EINVAL);
    cr_expect_str_eq(err.msg, "bad --exclude pattern '(': missing closing parenthesis at offset 1");
    cr_expect_eq(l.n, 0);
    pv_files__list_free(&l);
}

/* File names need not be UTF-8; an exclude pattern simply does not match them. */
Test(files, non_utf8_file_name_is_listed_and_matched_safely)
{
    const char *pats[] = {"^caf\xc3\xa9"};
    pv_files_opts o = {.excludes = pats, .nexcludes = 1};
    pv_file_list l;
    pv_err err;

    pv_test_put_str("caf\xe9.txt", "latin-1 name\n");
    pv_test_put_str("caf\xc3\xa9.txt", "utf-8 name\n");
    cr_assert_eq(list(&o, &l, &err), 0, "%s", err.msg);
    cr_assert_eq(l.n, 1);
    cr_expect_str_eq(l.v[0].rel, "caf\xe9.txt");
    cr_expect_eq(l.skipped_excluded, 1);
    pv_files__list_free(&l);
}

Test(files, license_inherited_from_parent_folders)
{
    pv_file_list l;
    pv_err err;

    put_fixture("LICENSE", "mmcdole__gofeed__LICENSE");
    pv_test_put_str("src/a.c", "a\n");
    pv_test_put_str("src/deep/er/b.c", "b\n");
    put_fixture("third_party/lib/COPYING", "rust-syndication__rss__LICENSE-APACHE");
    pv_test_put_str("third_party/lib/x.c", "x\n");
    pv_test_put_str("third_party/lib/sub/y.c", "y\n");
    pv_test_put_str("third_party/readme.txt", "r\n");
    /* a license file that names no known license: its folder's license is unknown */
    pv_test_put_str("docs/LICENSE.md", "All rights reserved. Ask us before you copy anything.\n");
    pv_test_put_str("docs/guide.md", "g\n");
    cr_assert_eq(list(NULL, &l, &err), 0, "%s", err.msg);
    cr_assert_eq(l.n, 9);
    cr_expect_str_eq(find(&l, "LICENSE")->dir_license, "MIT");
    cr_expect_str_eq(find(&l, "src/a.c")->dir_license, "MIT");
    cr_expect_str_eq(find(&l, "src/deep/er/b.c")->dir_license, "MIT");
    cr_expect_str_eq(find(&l, "third_party/readme.txt")->dir_license, "MIT");
    cr_expect_str_eq(find(&l, "third_party/lib/x.c")->dir_license, "Apache-2.0");
    cr_expect_str_eq(find(&l, "third_party/lib/sub/y.c")->dir_license, "Apache-2.0");
    cr_expect_null(find(&l, "docs/guide.md")->dir_license);
    pv_files__list_free(&l);
}

/* Checked with a case-insensitive name and an excluded license file, which still counts. */
Test(files, dual_license_joined_with_or)
{
    const char *pats[] = {"^LICENSE-"};
    pv_files_opts o = {.excludes = pats, .nexcludes = 1};
    pv_file_list l;
    pv_err err;

    put_fixture("LICENSE-MIT", "rust-syndication__rss__LICENSE-MIT");
    put_fixture("license-apache", "rust-syndication__rss__LICENSE-APACHE");
    pv_test_put_str("src/lib.rs", "fn f() {}\n");
    pv_test_put_str("src/main.rs", "fn main() {}\n");
    cr_assert_eq(list(&o, &l, &err), 0, "%s", err.msg);
    cr_assert_eq(l.n, 3);
    cr_expect_eq(l.skipped_excluded, 1);
    cr_expect_str_eq(find(&l, "src/lib.rs")->dir_license, "Apache-2.0 OR MIT");
    /* one string in the list, borrowed by every entry */
    cr_expect_eq(find(&l, "src/lib.rs")->dir_license, find(&l, "src/main.rs")->dir_license);
    cr_expect_eq(find(&l, "src/lib.rs")->dir_license, find(&l, "license-apache")->dir_license);
    pv_files__list_free(&l);
}

Test(files, symlinks_not_followed)
{
    static const char *const want[] = {"real/f.c"};
    pv_file_list l;
    pv_err err;

    pv_test_put_str("real/f.c", "f\n");
    cr_assert_eq(symlink("f.c", pv_test_path("real/link.c")), 0);
    cr_assert_eq(symlink("real", pv_test_path("dirlink")), 0);
    cr_assert_eq(symlink("..", pv_test_path("real/loop")), 0);
    cr_assert_eq(symlink("/nonexistent", pv_test_path("dangling")), 0);
    cr_assert_eq(list(NULL, &l, &err), 0, "%s", err.msg);
    expect_rels(&l, want, 1);
    cr_expect_eq(l.skipped_large + l.skipped_excluded + l.skipped_unreadable + l.skipped_git, 0);
    pv_files__list_free(&l);
}

typedef struct diags {
    int n;
    pv_severity sev;
    char msg[1024];
} diags;

static void collect(void *ctx, pv_severity sev, const char *msg)
{
    diags *d = ctx;
    d->n++;
    d->sev = sev;
    snprintf(d->msg, sizeof d->msg, "%s", msg);
}

/* Tests run as root here, and root reads chmod 000 files. Criterion runs this test in a
 * process of its own, so it takes the "nobody" user's effective id to see the permission
 * error; when that is not possible (or the file stays readable, e.g. with
 * CAP_DAC_OVERRIDE kept) the assertion cannot be made and the test is skipped. */
static void cannot_read_or_skip(const char *path)
{
    int fd;
    if (geteuid() == 0) {
        chmod(root, 0755);
        if (seteuid(65534) != 0)
            cr_skip_test("running as root without a way to drop privileges: chmod 000 does "
                         "not make a file unreadable for root");
    }
    fd = open(path, O_RDONLY);
    if (fd >= 0) {
        close(fd);
        cr_skip_test("%s is readable despite chmod 000 (privileged process): cannot test "
                     "unreadable files",
                     path);
    }
}

Test(files, unreadable_file_reported_counted_and_strict_error)
{
    static const char *const want[] = {"ok.c"};
    pv_files_opts o = {0};
    diags d = {0};
    pv_file_list l;
    pv_err err;
    char msg[PATH_MAX + 64];

    pv_test_put_str("ok.c", "ok\n");
    pv_test_put_str("secret.c", "s\n");
    cr_assert_eq(chmod(pv_test_path("secret.c"), 0), 0);
    cannot_read_or_skip(pv_test_path("secret.c"));
    snprintf(msg, sizeof msg, "%s: cannot read: Permission denied", pv_test_path("secret.c"));

    o.diag = collect;
    o.ctx = &d;
    cr_assert_eq(list(&o, &l, &err), 0, "%s", err.msg);
    expect_rels(&l, want, 1);
    cr_expect_eq(l.skipped_unreadable, 1);
    cr_expect_eq(d.n, 1);
    cr_expect_eq(d.sev, PV_WARNING);
    cr_expect_str_eq(d.msg, msg);
    pv_files__list_free(&l);

    o.strict = 1;
    d.n = 0;
    cr_expect_eq(list(&o, &l, &err), PV_EFORMAT); /* the readers' one policy (pv_source__bad) */
    cr_expect_str_eq(err.msg, msg);
    cr_expect_eq(d.n, 0);
    pv_files__list_free(&l);
}

Test(files, unreadable_folder_reported_and_counted)
{
    static const char *const want[] = {"open/a.c"};
    pv_files_opts o = {0};
    diags d = {0};
    pv_file_list l;
    pv_err err;
    char msg[PATH_MAX + 64];

    pv_test_put_str("open/a.c", "a\n");
    pv_test_put_str("closed/b.c", "b\n");
    cr_assert_eq(chmod(pv_test_path("closed"), 0), 0);
    cannot_read_or_skip(pv_test_path("closed"));
    snprintf(msg, sizeof msg, "%s: cannot read: Permission denied", pv_test_path("closed"));

    o.diag = collect;
    o.ctx = &d;
    cr_assert_eq(list(&o, &l, &err), 0, "%s", err.msg);
    expect_rels(&l, want, 1);
    cr_expect_eq(l.skipped_unreadable, 1);
    cr_expect_str_eq(d.msg, msg);
    pv_files__list_free(&l);
}

Test(files, missing_root_is_eio)
{
    pv_file_list l = {0};
    pv_err err = {0};
    cr_expect_eq(pv_files__list("/nonexistent/provscan-root", NULL, &l, &err), PV_EIO);
    cr_expect_eq(err.code, PV_EIO);
    cr_expect_str_eq(err.msg,
                     "cannot open '/nonexistent/provscan-root': No such file or directory");
    cr_expect_eq(l.n, 0);
    pv_files__list_free(&l);
}

Test(files, single_file_root)
{
    pv_file_list l = {0};
    pv_err err;

    put_fixture("LICENSE", "mmcdole__gofeed__LICENSE");
    pv_test_put_str("dir/one.py", "print(1)\n");
    cr_assert_eq(pv_files__list(pv_test_path("dir/one.py"), NULL, &l, &err), 0, "%s", err.msg);
    cr_assert_eq(l.n, 1);
    cr_expect_str_eq(l.v[0].rel, "one.py");
    cr_expect_str_eq(l.v[0].path, pv_test_path("dir/one.py"));
    cr_expect_eq(l.v[0].size, 9);
    cr_expect_eq(l.total_bytes, 9);
    cr_expect_null(l.v[0].dir_license);
    pv_files__list_free(&l);
}

/* Two roots appended to one list: each call sorts what it added. */
Test(files, lists_append)
{
    pv_file_list l = {0};
    pv_err err;

    pv_test_put_str("one/b.c", "b\n");
    pv_test_put_str("one/a.c", "a\n");
    pv_test_put_str("two/c.c", "c\n");
    cr_assert_eq(pv_files__list(pv_test_path("two"), NULL, &l, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_files__list(pv_test_path("one"), NULL, &l, &err), 0, "%s", err.msg);
    cr_assert_eq(l.n, 3);
    cr_expect_str_eq(l.v[0].rel, "c.c");
    cr_expect_str_eq(l.v[1].rel, "a.c");
    cr_expect_str_eq(l.v[2].rel, "b.c");
    cr_expect_eq(l.total_bytes, 6);
    pv_files__list_free(&l);
}

/* Lists root and loads the file rel. */
static int load(const char *rel, char **buf, size_t *len, pv_err *err)
{
    pv_file_list l = {0};
    int rc;
    cr_assert_eq(pv_files__list(pv_test_path(rel), NULL, &l, err), 0, "%s", err->msg);
    cr_assert_eq(l.n, 1);
    rc = pv_files__load(&l.v[0], buf, len, err);
    pv_files__list_free(&l);
    return rc;
}

Test(files, load_text_nul_terminated)
{
    char *buf;
    size_t len;
    pv_err err;

    pv_test_put_str("t.c", "int main(void)\n{\n    return 0;\n}\n");
    cr_assert_eq(load("t.c", &buf, &len, &err), 0, "%s", err.msg);
    cr_expect_eq(len, 33);
    cr_expect_eq(buf[len], '\0');
    cr_expect_str_eq(buf, "int main(void)\n{\n    return 0;\n}\n");
    free(buf);

    pv_test_put_str("empty.txt", "");
    cr_assert_eq(load("empty.txt", &buf, &len, &err), 0, "%s", err.msg);
    cr_expect_eq(len, 0);
    cr_expect_eq(buf[0], '\0');
    free(buf);
}

Test(files, load_binary_skipped)
{
    static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13};
    char *buf = (char *)1;
    size_t len = 1;
    pv_err err;
    char msg[PATH_MAX + 32];

    pv_test_put("logo.png", png, sizeof png);
    snprintf(msg, sizeof msg, "%s: skipped: binary", pv_test_path("logo.png"));
    cr_expect_eq(load("logo.png", &buf, &len, &err), PV_ESKIP);
    cr_expect_str_eq(err.msg, msg);
    cr_expect_null(buf);
    cr_expect_eq(len, 0);
}

/* Only the first 8 KiB decide: a NUL further on does not make a file binary. */
Test(files, load_nul_after_8k_is_text)
{
    static char text[8192 + 100];
    char *buf;
    size_t len;
    pv_err err;

    memset(text, 'a', sizeof text);
    text[8192 + 10] = '\0';
    pv_test_put("late.txt", text, sizeof text);
    cr_assert_eq(load("late.txt", &buf, &len, &err), 0, "%s", err.msg);
    cr_expect_eq(len, sizeof text);
    free(buf);

    text[8191] = '\0';
    pv_test_put("early.txt", text, sizeof text);
    cr_expect_eq(load("early.txt", &buf, &len, &err), PV_ESKIP);
}

/* Some invalid UTF-8 (Latin-1 text) is the tokenizer's business; mostly invalid is binary. */
Test(files, load_invalid_utf8_threshold)
{
    char text[1000];
    char *buf;
    size_t len;
    pv_err err;

    memset(text, 'e', sizeof text);
    for (int i = 0; i < 250; i++) /* 25% stray Latin-1 bytes */
        text[i * 4] = (char)0xe9;
    pv_test_put("latin1.txt", text, sizeof text);
    cr_assert_eq(load("latin1.txt", &buf, &len, &err), 0, "%s", err.msg);
    cr_expect_eq(len, sizeof text);
    free(buf);

    for (int i = 0; i < 350; i++) /* 35% */
        text[i * 2] = (char)0xff;
    pv_test_put("noise.bin", text, sizeof text);
    cr_expect_eq(load("noise.bin", &buf, &len, &err), PV_ESKIP);

    /* valid multi-byte UTF-8 is not invalid, however much of it there is */
    for (size_t i = 0; i + 3 <= sizeof text; i += 3)
        memcpy(text + i, "\xe6\x97\xa5", 3);
    pv_test_put("kanji.txt", text, sizeof text - sizeof text % 3);
    cr_assert_eq(load("kanji.txt", &buf, &len, &err), 0, "%s", err.msg);
    free(buf);
}

/* The size may change between listing and loading: the file is read to EOF. */
Test(files, load_reads_to_eof_after_growth_and_reports_missing)
{
    pv_file_list l = {0};
    char *buf;
    size_t len;
    pv_err err;
    char msg[PATH_MAX + 64];
    FILE *f;

    pv_test_put_str("grow.txt", "short\n");
    cr_assert_eq(pv_files__list(pv_test_path("grow.txt"), NULL, &l, &err), 0, "%s", err.msg);
    f = fopen(pv_test_path("grow.txt"), "ab");
    cr_assert_not_null(f);
    fputs("and then some more\n", f);
    fclose(f);
    cr_assert_eq(pv_files__load(&l.v[0], &buf, &len, &err), 0, "%s", err.msg);
    cr_expect_str_eq(buf, "short\nand then some more\n");
    free(buf);

    cr_assert_eq(unlink(pv_test_path("grow.txt")), 0);
    snprintf(msg, sizeof msg, "%s: cannot read: No such file or directory",
             pv_test_path("grow.txt"));
    cr_expect_eq(pv_files__load(&l.v[0], &buf, &len, &err), PV_EIO);
    cr_expect_str_eq(err.msg, msg);
    pv_files__list_free(&l);
}

/* A real file from the repository loads byte for byte. */
Test(files, load_fixture_file)
{
    pv_file_list l = {0};
    char *buf;
    size_t len;
    pv_err err;

    cr_assert_eq(
        pv_files__list("fixtures/licenses/rust-syndication__rss__LICENSE-MIT", NULL, &l, &err), 0,
        "%s", err.msg);
    cr_assert_eq(l.n, 1);
    cr_assert_eq(pv_files__load(&l.v[0], &buf, &len, &err), 0, "%s", err.msg);
    cr_expect_eq(len, 1092);
    cr_expect_eq(strncmp(buf, "MIT License\n", 12), 0);
    /* "Copyright ©" is valid UTF-8 text */
    cr_expect_not_null(strstr(buf, "Copyright \xc2\xa9 2015"));
    free(buf);
    pv_files__list_free(&l);
}

static int count_doc(void *ctx, const pv_doc_in *d)
{
    (void)ctx;
    (void)d;
    return 0;
}

/* Every reader counts a bad record the same way, strict or not (pv_source__bad): the files
 * reader counts an unreadable file that stops a strict walk too. */
Test(files, regression_strict_counts_the_unreadable_file)
{
    pv_reader_opts o;
    pv_reader_stats st;
    pv_sink sink;
    pv_err err;

    pv_test_put_str("ok.c", "ok\n");
    pv_test_put_str("secret.c", "s\n");
    cr_assert_eq(chmod(pv_test_path("secret.c"), 0), 0);
    cannot_read_or_skip(pv_test_path("secret.c"));
    memset(&o, 0, sizeof o);
    memset(&sink, 0, sizeof sink);
    sink.doc = count_doc;
    memset(&st, 0, sizeof st);
    cr_assert_eq(pv_files__read(root, &o, &sink, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(st.bad, 1);
    o.strict = 1;
    memset(&st, 0, sizeof st);
    cr_assert_eq(pv_files__read(root, &o, &sink, &st, &err), PV_EFORMAT);
    cr_assert_eq(st.bad, 1, "strict counted %llu bad records", (unsigned long long)st.bad);
}

static char all_msgs[8][1024];

/* Keeps the first eight diagnostics in all_msgs. */
static void collect_all(void *ctx, pv_severity sev, const char *msg)
{
    diags *d = ctx;
    if (d->n < 8)
        snprintf(all_msgs[d->n], sizeof all_msgs[0], "%s", msg);
    d->n++;
    d->sev = sev;
}

/* Symbolic links (dangling, loops, to files and folders) are not followed, but counted and
 * named with what they are; so are excluded and too large files. */
Test(files, regression_symlinks_and_skipped_files_are_counted_and_named)
{
    static const char *const want[] = {"real/f.c"};
    pv_files_opts o = {0};
    pv_file_list l;
    pv_err err;
    diags d = {0};
    int found[4] = {0};
    static const char *const notes[4] = {"real/link.c: skipped: symbolic link, not followed",
                                         "real/loop: skipped: symbolic link loop",
                                         "dangling: skipped: dangling symbolic link",
                                         "big.c: skipped: larger than --max-file-size"};

    pv_test_put_str("real/f.c", "f\n");
    pv_test_put_str("big.c", "a file over the limit of this test\n");
    cr_assert_eq(symlink("f.c", pv_test_path("real/link.c")), 0);
    cr_assert_eq(symlink("loop", pv_test_path("real/loop")), 0);
    cr_assert_eq(symlink("/nonexistent", pv_test_path("dangling")), 0);
    o.max_file_size = 10;
    o.diag = collect_all;
    o.ctx = &d;
    cr_assert_eq(list(&o, &l, &err), 0, "%s", err.msg);
    expect_rels(&l, want, 1);
    cr_expect_eq(l.skipped_special, 3);
    cr_expect_eq(l.skipped_large, 1);
    for (int i = 0; i < d.n && i < 8; i++)
        for (size_t k = 0; k < 4; k++)
            found[k] += strstr(all_msgs[i], notes[k]) != NULL;
    for (size_t k = 0; k < 4; k++)
        cr_expect_eq(found[k], 1, "no note '%s'", notes[k]);
    pv_files__list_free(&l);
}

/* A walk on several threads lists what one thread lists: the same entries in the same order,
 * with their folders' licenses (inherited, overridden, joined), and the same counts. */
Test(files, walk_on_threads_lists_the_same)
{
    static const char *const pats[] = {"^skip/"};
    pv_files_opts o = {.excludes = pats, .nexcludes = 1};
    pv_file_list one, many;
    pv_err err;
    unsigned i;

    put_fixture("LICENSE", "mmcdole__gofeed__LICENSE");
    pv_test_put_str("gpl/LICENSE.md", "All rights reserved. Ask us before you copy anything.\n");
    put_fixture("two/LICENSE-MIT", "rust-syndication__rss__LICENSE-MIT");
    put_fixture("two/LICENSE-APACHE", "rust-syndication__rss__LICENSE-APACHE");
    for (i = 0; i < 120; i++) {
        char rel[64], text[64];
        static const char *const dirs[] = {"",     "a/",       "a/b/",  "a/b/c/", "gpl/", "gpl/x/",
                                           "two/", "two/y/z/", "skip/", "d1/",    "d2/e/"};
        snprintf(rel, sizeof rel, "%sf%03u.txt", dirs[i % 11], i);
        snprintf(text, sizeof text, "file %u\n", i);
        pv_test_put_str(rel, text);
    }
    cr_assert_eq(list(&o, &one, &err), 0, "%s", err.msg);
    o.threads = 4;
    cr_assert_eq(list(&o, &many, &err), 0, "%s", err.msg);
    cr_assert_eq(many.n, one.n);
    cr_assert_gt(one.n, 100);
    for (i = 0; i < one.n; i++) {
        const char *a = one.v[i].dir_license, *b = many.v[i].dir_license;
        cr_expect_str_eq(many.v[i].rel, one.v[i].rel);
        cr_expect_eq(many.v[i].size, one.v[i].size);
        cr_expect_str_eq(b ? b : "(none)", a ? a : "(none)", "%s", one.v[i].rel);
    }
    cr_expect_str_eq(find(&many, "two/y/z/f073.txt")->dir_license, "Apache-2.0 OR MIT");
    cr_expect_null(find(&many, "gpl/x/f005.txt")->dir_license);
    cr_expect_str_eq(find(&many, "a/b/c/f003.txt")->dir_license, "MIT");
    cr_expect_eq(many.total_bytes, one.total_bytes);
    cr_expect_eq(many.skipped_excluded, one.skipped_excluded);
    cr_expect_eq(many.skipped_excluded, 1);
    pv_files__list_free(&one);
    pv_files__list_free(&many);
}
