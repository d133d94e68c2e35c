/*
 * test_report_check.c - the report writers of `provscan check` (cli/report_check.c): a git
 * history of fixtures/corpus/warcio/README.rst by two authors (Apache-2.0, a github.com remote
 * for permalinks) is indexed, a changed file that copies part of it is matched, and the
 * findings made from its spans are written in every format. The content is checked, and the
 * SARIF, SPDX and CycloneDX documents are validated against their official schemas
 * (fixtures/schemas/) with ajv from out/npm (`make deps`).
 */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <fcntl.h>
#include <git2.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "cli_int.h"
#include "provscan.h"
#include "util.h"

static const char *root;

static void setup(void)
{
    root = pv_test_tmpdir("pv-report-check-");
    git_libgit2_init();
}

static void teardown(void)
{
    git_libgit2_shutdown();
    pv_test_done();
}

TestSuite(report_check, .init = setup, .fini = teardown);

#define AJV "out/npm/node_modules/.bin/ajv"

/* Lines first..last (1-based, inclusive) of text, malloc'ed. */
static char *lines_of(const char *text, int first, int last)
{
    const char *p = text, *s = NULL;
    int line = 1;
    char *out;
    while (*p && line < first)
        line += *p++ == '\n';
    s = p;
    while (*p && line <= last)
        line += *p++ == '\n';
    out = malloc((size_t)(p - s) + 1);
    cr_assert_not_null(out);
    memcpy(out, s, (size_t)(p - s));
    out[p - s] = '\0';
    return out;
}

/* The indexed corpus, the match of the changed file against it, and the report. */
static pv_index *ix;
static pv_result *res;
static char *readme, *changed;
static char c0hex[41], c2hex[41];
static pv_check_finding fd[8];
static pv_check_report rep;

static void build(void)
{
    char dir[512], idx[512], *part, *head, *copy;
    const char *src[1];
    git_repository *repo = NULL;
    git_oid c1, c2;
    char *license = pv_test_read_file("fixtures/corpus/warcio/LICENSE", NULL);
    pv_build_opts o = PV_BUILD_OPTS_INIT;
    pv_err err;
    size_t i, n = 0;

    readme = pv_test_keep(pv_test_read_file("fixtures/corpus/warcio/README.rst", NULL));
    snprintf(dir, sizeof dir, "%s/corpus", root);
    snprintf(idx, sizeof idx, "%s/x.pvx", root);
    cr_assert_eq(git_repository_init(&repo, dir, 0), 0);
    /* Alice writes the first 160 lines and the license; Bob adds the rest */
    part = lines_of(readme, 1, 160);
    c1 = pv_test_commit_file(repo, NULL, "README.rst", part, "Alice Example", "alice@example.org",
                             1500000000, "readme\n");
    git_oid_tostr(c0hex, sizeof c0hex, &c1);
    c1 = pv_test_commit_file(repo, &c1, "LICENSE", license, "Alice Example", "alice@example.org",
                             1500000100, "license\n");
    c2 = pv_test_commit_file(repo, &c1, "README.rst", readme, "Bob Example", "bob@example.org",
                             1600000000, "more readme\n");
    git_oid_tostr(c2hex, sizeof c2hex, &c2);
    git_repository_free(repo);
    free(part);
    free(license);
    pv_test_git_origin(dir, "https://github.com/webrecorder/warcio.git");

    src[0] = dir;
    o.jobs = 1;
    cr_assert_eq(pv_index_build(idx, src, 1, &o, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_index_open(&ix, idx, &err), 0, "%s", err.msg);

    /* the changed file: six lines of its own, then lines 140-190 of the README (Alice's up to
       160, Bob's after) */
    copy = lines_of(readme, 140, 190);
    head = malloc(strlen(copy) + 512);
    cr_assert_not_null(head);
    sprintf(head,
            "# notes on archiving, written for this change\n"
            "# the tool below saves what a crawler fetched\n"
            "import os\n"
            "\n"
            "ARCHIVE_DIR = os.environ.get('ARCHIVE_DIR', '/tmp')\n"
            "\n%s",
            copy);
    free(copy);
    changed = pv_test_keep(head);
    cr_assert_eq(pv_match_run(ix, changed, strlen(changed), NULL, &res, &err), 0, "%s", err.msg);
    cr_assert_geq(res->nspans, 1);
    cr_assert_geq(res->spans[0].nsources, 1);

    /* the work tree: the changed file at two paths (SPDX reads it for its checksum) */
    pv_test_put_str("work/docs/notes a.md", changed);
    pv_test_put_str("work/src/copied.py", changed);

    /* docs/notes a.md: the first span, allowed; src/copied.py: every span, the first
       breaking two rules, the others baselined */
    fd[n].path = "docs/notes a.md";
    fd[n].span = &res->spans[0];
    fd[n].rules = 0;
    snprintf(fd[n].fingerprint, sizeof fd[n].fingerprint, "%016llx", 0x1111ULL);
    n++;
    for (i = 0; i < res->nspans && n < 7; i++, n++) {
        fd[n].path = "src/copied.py";
        fd[n].span = &res->spans[i];
        fd[n].rules = i == 0 ? (1u << PV_CHECK_TOKENS) | (1u << PV_CHECK_LICENSE_DENIED)
                             : (1u << PV_CHECK_TOKENS);
        fd[n].baselined = i > 0;
        snprintf(fd[n].fingerprint, sizeof fd[n].fingerprint, "%016llx", 0xfedcba9876540000ULL + i);
    }
    /* tests/old copy.py: the first span again, accepted by the baseline */
    pv_test_put_str("work/tests/old copy.py", changed);
    fd[n] = fd[1];
    fd[n].path = "tests/old copy.py";
    fd[n].baselined = 1;
    fd[n].rules = 1u << PV_CHECK_TOKENS;
    snprintf(fd[n].fingerprint, sizeof fd[n].fingerprint, "%016llx", 0x2222ULL);
    n++;
    rep.repo = pv_test_keep_str(pv_test_path("work"));
    rep.index_path = pv_test_keep_str(idx);
    rep.base = c0hex;
    rep.head = c2hex;
    rep.policy = "--fail-on-tokens 50 --deny-license Apache-2.0";
    rep.version = PV_VERSION_STRING;
    rep.findings = fd;
    rep.nfindings = n;
    rep.files = 3;
    rep.added_lines = 57;
    rep.failed = 1;
}

static void done(void)
{
    pv_result_free(res);
    pv_index_free(ix);
}

/* Write r in format to rel (in the test's folder); returns the file's text (kept). */
static char *write_to(const pv_check_report *r, const char *format, const char *rel)
{
    const char *path = pv_test_path(rel);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    cr_assert_eq(pv_check__write(f, format, r), 0, "%s", format);
    cr_assert_eq(fclose(f), 0);
    return pv_test_keep(pv_test_read_file(path, NULL));
}

static cJSON *parse(const char *text)
{
    cJSON *j = cJSON_Parse(text);
    cr_assert_not_null(j, "not JSON: %.200s", text);
    return j;
}

/* ajv's exit status on rel against schema (and the schemas refs names): 0 when valid; its
 * output in rel.ajv. Fails the test when the validator is missing. */
static int ajv(const char *rel, const char *schema, const char *spec, const char *refs)
{
    char cmd[4096];
    int st;
    cr_assert_eq(access(AJV, X_OK), 0,
                 "the schema validator %s is missing: run `make deps` (npm install)", AJV);
    snprintf(cmd, sizeof cmd,
             "%s validate %s --strict=false -c ajv-formats --errors=text -s fixtures/schemas/%s "
             "%s -d '%s' >'%s.ajv' 2>&1",
             AJV, spec, schema, refs, pv_test_path(rel), pv_test_path(rel));
    st = system(cmd);
    cr_assert(WIFEXITED(st), "%s", cmd);
    return WEXITSTATUS(st);
}

/* ajv validates rel; fails the test with ajv's output when it does not. */
static void validate(const char *rel, const char *schema, const char *spec, const char *refs)
{
    char out[1024];
    int st = ajv(rel, schema, spec, refs);
    snprintf(out, sizeof out, "%s.ajv", pv_test_path(rel));
    cr_assert(st == 0, "%s fails %s:\n%s", rel, schema,
              (char *)pv_test_keep(pv_test_read_file(out, NULL)));
}

/* rel ends in .json: ajv-cli picks its parser by the file name's extension */
static void validate_sarif(const char *rel)
{
    /* the SARIF 2.1.0 schema is draft 2020-12 */
    validate(rel, "sarif-2.1.0.json", "--spec=draft2020", "");
}

static void validate_spdx(const char *rel)
{
    validate(rel, "spdx-2.3-schema.json", "", "");
}

static void validate_cyclonedx(const char *rel)
{
    validate(rel, "bom-1.6.schema.json", "",
             "-r fixtures/schemas/spdx.schema.json -r fixtures/schemas/jsf-0.82.schema.json");
}

static const cJSON *get(const cJSON *o, const char *path)
{
    char buf[256], *save = NULL, *k;
    snprintf(buf, sizeof buf, "%s", path);
    for (k = strtok_r(buf, ".", &save); k && o; k = strtok_r(NULL, ".", &save)) {
        if (*k >= '0' && *k <= '9')
            o = cJSON_GetArrayItem(o, atoi(k));
        else
            o = cJSON_GetObjectItemCaseSensitive(o, k);
    }
    cr_assert_not_null(o, "no %s", path);
    return o;
}

static const char *str(const cJSON *o, const char *path)
{
    const cJSON *v = get(o, path);
    cr_assert(cJSON_IsString(v), "%s is not a string", path);
    return v->valuestring;
}

static double num(const cJSON *o, const char *path)
{
    const cJSON *v = get(o, path);
    cr_assert(cJSON_IsNumber(v), "%s is not a number", path);
    return v->valuedouble;
}

Test(report_check, rule_ids_are_stable)
{
    cr_assert_str_eq(pv_check__rule_id(PV_CHECK_TOKENS), "copied-span");
    cr_assert_str_eq(pv_check__rule_id(PV_CHECK_LICENSE_DENIED), "license-denied");
    cr_assert_str_eq(pv_check__rule_id(PV_CHECK_LICENSE_UNKNOWN), "license-unknown");
    cr_assert_str_eq(pv_check__rule_id(PV_CHECK_NRULES), "unknown");
    cr_assert_gt(strlen(pv_check__rule_text(PV_CHECK_TOKENS)), 10);
    cr_assert_eq(pv_check__write(stdout, "yaml", &rep), -1);
}

Test(report_check, text_names_lines_rules_source_license_authors)
{
    const pv_span *sp;
    const pv_source_ref *o;
    char want[1024], *t;
    build();
    sp = fd[1].span;
    o = &sp->sources[0];
    t = write_to(&rep, "text", "out.txt");
    /* the copy starts on line 7 of the changed file with line 140 of the README, which is
       blank: the span starts on line 8, from line 141 */
    cr_assert_eq(sp->line_start, 8, "span starts on line %u", sp->line_start);
    cr_assert_eq(o->line_start, 141);
    snprintf(want, sizeof want,
             "src/copied.py:%u-%u: %u tokens, breaks copied-span, license-denied\n", sp->line_start,
             sp->line_end, sp->tokens);
    cr_assert_not_null(strstr(t, want), "no '%s' in:\n%s", want, t);
    snprintf(want, sizeof want, "docs/notes a.md:%u-%u: %u tokens, allowed\n", sp->line_start,
             sp->line_end, sp->tokens);
    cr_assert_not_null(strstr(t, want), "no '%s' in:\n%s", want, t);
    snprintf(want, sizeof want,
             "    from https://github.com/webrecorder/warcio README.rst lines %u-%u at %s\n",
             o->line_start, o->line_end, c2hex);
    cr_assert_not_null(strstr(t, want), "no '%s' in:\n%s", want, t);
    cr_assert_not_null(strstr(t, "    license Apache-2.0\n"), "%s", t);
    cr_assert_not_null(strstr(t, "    permalink https://github.com/webrecorder/warcio/blob/"), "%s",
                       t);
    /* both authors, with their shares */
    cr_assert_not_null(strstr(t, "Alice Example <alice@example.org> "), "%s", t);
    cr_assert_not_null(strstr(t, "Bob Example <bob@example.org> "), "%s", t);
    cr_assert_not_null(strstr(t, "fingerprint fedcba9876540000\n"), "%s", t);
    snprintf(want, sizeof want,
             "%zu findings in 3 changed files (57 added lines): 1 breaks the "
             "policy, 1 allowed, %zu baselined; policy fails\n",
             rep.nfindings, rep.nfindings - 2);
    cr_assert_not_null(strstr(t, want), "no '%s' in:\n%s", want, t);
    done();
}

Test(report_check, text_control_bytes_in_caret_notation)
{
    pv_check_finding f2[1];
    pv_check_report r2;
    char *t;
    build();
    f2[0] = fd[1];
    f2[0].path = "evil\x1b[2Jname.py";
    r2 = rep;
    r2.findings = f2;
    r2.nfindings = 1;
    t = write_to(&r2, "text", "out.txt");
    cr_assert_null(strchr(t, '\x1b'));
    cr_assert_not_null(strstr(t, "evil^[[2Jname.py:"), "%s", t);
    done();
}

Test(report_check, json_findings_with_rules_status_and_span)
{
    cJSON *j;
    build();
    j = parse(write_to(&rep, "json", "out.json"));
    cr_assert_str_eq(str(j, "check.head"), c2hex);
    cr_assert_eq(cJSON_IsTrue(get(j, "check.failed")), 1);
    cr_assert_eq(num(j, "check.findings"), (double)rep.nfindings);
    cr_assert_str_eq(str(j, "rules.1.id"), "license-denied");
    cr_assert_str_eq(str(j, "findings.0.path"), "docs/notes a.md");
    cr_assert_str_eq(str(j, "findings.0.status"), "allowed");
    cr_assert_eq(cJSON_GetArraySize(get(j, "findings.0.rules")), 0);
    cr_assert_str_eq(str(j, "findings.1.status"), "fails");
    cr_assert_str_eq(str(j, "findings.1.rules.0"), "copied-span");
    cr_assert_str_eq(str(j, "findings.1.rules.1"), "license-denied");
    cr_assert_str_eq(str(j, "findings.1.fingerprint"), "fedcba9876540000");
    cr_assert_eq(num(j, "findings.1.span.line_start"), fd[1].span->line_start);
    cr_assert_eq(num(j, "findings.1.span.tokens"), fd[1].span->tokens);
    cr_assert_str_eq(str(j, "findings.1.span.sources.0.license"), "Apache-2.0");
    cr_assert_str_eq(str(j, "findings.1.span.sources.0.first_commit"), c0hex);
    /* the same report, the same bytes */
    cr_assert_str_eq(write_to(&rep, "json", "again.json"),
                     (char *)pv_test_keep(pv_test_read_file(pv_test_path("out.json"), NULL)));
    cJSON_Delete(j);
    done();
}

Test(report_check, sarif_for_code_scanning_validates)
{
    cJSON *j;
    const cJSON *results, *r0;
    const pv_span *sp;
    size_t expect;
    char want[256];
    build();
    sp = fd[1].span;
    j = parse(write_to(&rep, "sarif", "out.sarif.json"));
    validate_sarif("out.sarif.json");
    cr_assert_str_eq(str(j, "version"), "2.1.0");
    cr_assert_str_eq(str(j, "runs.0.tool.driver.name"), "provscan");
    cr_assert_str_eq(str(j, "runs.0.tool.driver.version"), PV_VERSION_STRING);
    cr_assert_str_eq(str(j, "runs.0.tool.driver.rules.0.id"), "copied-span");
    cr_assert_not_null(
        strstr(str(j, "runs.0.tool.driver.rules.2.helpUri"), "docs/ci.md#license-unknown"));
    cr_assert_str_eq(str(j, "runs.0.tool.driver.rules.1.defaultConfiguration.level"), "error");
    results = get(j, "runs.0.results");
    /* the allowed finding is left out; the first breaks two rules, the baselined ones one */
    expect = 2 + (rep.nfindings - 2);
    cr_assert_eq((size_t)cJSON_GetArraySize(results), expect);
    r0 = cJSON_GetArrayItem(results, 0);
    cr_assert_str_eq(str(r0, "ruleId"), "copied-span");
    cr_assert_str_eq(str(r0, "level"), "error");
    cr_assert_str_eq(str(r0, "locations.0.physicalLocation.artifactLocation.uri"), "src/copied.py");
    cr_assert_str_eq(str(r0, "locations.0.physicalLocation.artifactLocation.uriBaseId"),
                     "%SRCROOT%");
    cr_assert_eq(num(r0, "locations.0.physicalLocation.region.startLine"), sp->line_start);
    cr_assert_eq(num(r0, "locations.0.physicalLocation.region.endLine"), sp->line_end);
    cr_assert_str_eq(str(r0, "partialFingerprints.primaryLocationLineHash"), "fedcba9876540000");
    cr_assert_eq(strncmp(str(r0, "relatedLocations.0.physicalLocation.artifactLocation.uri"),
                         "https://github.com/webrecorder/warcio/blob/", 42),
                 0);
    cr_assert_eq(num(r0, "relatedLocations.0.physicalLocation.region.startLine"),
                 sp->sources[0].line_start);
    /* the message names the source, its lines, license, authors with shares, permalink */
    snprintf(want, sizeof want, "README.rst lines %u-%u at %s (license Apache-2.0; authors ",
             sp->sources[0].line_start, sp->sources[0].line_end, c2hex);
    cr_assert_not_null(strstr(str(r0, "message.text"), want), "%s", str(r0, "message.text"));
    cr_assert_not_null(strstr(str(r0, "message.text"), "Alice Example <alice@example.org> "));
    cr_assert_not_null(strstr(str(r0, "message.text"), "%; permalink https://github.com/"));
    cr_assert_str_eq(str(results, "1.ruleId"), "license-denied");
    /* the baselined finding: a note with an external suppression */
    r0 = cJSON_GetArrayItem(results, (int)expect - 1);
    cr_assert_str_eq(str(r0, "level"), "note");
    cr_assert_str_eq(str(r0, "suppressions.0.kind"), "external");
    cr_assert_str_eq(str(r0, "locations.0.physicalLocation.artifactLocation.uri"),
                     "tests/old%20copy.py");
    cr_assert_eq(cJSON_IsFalse(get(j, "runs.0.properties.truncated")), 1);
    /* the validator is no rubber stamp: a level SARIF does not know is refused */
    cJSON_ReplaceItemInObject((cJSON *)r0, "level", cJSON_CreateString("fatal"));
    pv_test_put_str("bad.sarif.json", pv_test_keep(cJSON_Print(j)));
    cr_assert_neq(ajv("bad.sarif.json", "sarif-2.1.0.json", "--spec=draft2020", ""), 0);
    cJSON_Delete(j);
    done();
}

/* SHA-1 of s as 40 hex digits */
static void sha1_hex(const char *s, char hex[41])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0, i;
    cr_assert_eq(EVP_Digest(s, strlen(s), md, &len, EVP_sha1(), NULL), 1);
    for (i = 0; i < 20; i++)
        sprintf(hex + 2 * i, "%02x", md[i]);
}

Test(report_check, spdx_snippets_validate)
{
    cJSON *j;
    const cJSON *sn;
    const pv_span *sp;
    char hex[41];
    build();
    sp = fd[1].span;
    j = parse(write_to(&rep, "spdx", "out.spdx.json"));
    validate_spdx("out.spdx.json");
    cr_assert_str_eq(str(j, "spdxVersion"), "SPDX-2.3");
    /* the namespace comes from the head commit and what was found: the same on every run */
    cr_assert_not_null(strstr(str(j, "documentNamespace"), c2hex));
    cr_assert_str_eq(str(j, "files.0.fileName"), "./docs/notes a.md");
    cr_assert_str_eq(str(j, "files.1.fileName"), "./src/copied.py");
    sha1_hex(changed, hex);
    cr_assert_str_eq(str(j, "files.1.checksums.0.checksumValue"), hex);
    cr_assert_eq(cJSON_GetArraySize(get(j, "files")), 3);
    sn = get(j, "snippets.1");
    cr_assert_str_eq(str(sn, "snippetFromFile"), "SPDXRef-File-2");
    /* bytes and lines count from 1, ends inclusive */
    cr_assert_eq(num(sn, "ranges.0.startPointer.offset"), sp->start + 1);
    cr_assert_eq(num(sn, "ranges.0.endPointer.offset"), sp->end);
    cr_assert_eq(num(sn, "ranges.1.startPointer.lineNumber"), sp->line_start);
    cr_assert_eq(num(sn, "ranges.1.endPointer.lineNumber"), sp->line_end);
    cr_assert_str_eq(str(sn, "licenseConcluded"), "Apache-2.0");
    cr_assert_not_null(strstr(str(sn, "attributionTexts.0"), "Alice Example <alice@example.org>"));
    cr_assert_not_null(strstr(str(sn, "comment"), "fingerprint fedcba9876540000"));
    cJSON_Delete(j);
    done();
}

Test(report_check, license_names_become_declared_license_refs)
{
    pv_check_finding f2[2];
    pv_check_report r2;
    pv_span sp;
    pv_source_ref src[1];
    cJSON *j;
    const char *ref;
    build();
    sp = *fd[1].span;
    src[0] = sp.sources[0];
    src[0].license = "Company Proprietary (see NOTICE)";
    sp.sources = src;
    sp.nsources = 1;
    f2[0] = fd[1];
    f2[0].span = &sp;
    f2[1] = f2[0];
    r2 = rep;
    r2.findings = f2;
    r2.nfindings = 2;
    j = parse(write_to(&r2, "spdx", "ref.spdx.json"));
    validate_spdx("ref.spdx.json");
    ref = str(j, "snippets.0.licenseConcluded");
    cr_assert_eq(strncmp(ref, "LicenseRef-Company-Proprietary", 30), 0, "%s", ref);
    /* declared once, though two snippets use it */
    cr_assert_eq(cJSON_GetArraySize(get(j, "hasExtractedLicensingInfos")), 1);
    cr_assert_str_eq(str(j, "hasExtractedLicensingInfos.0.licenseId"), ref);
    cr_assert_str_eq(str(j, "hasExtractedLicensingInfos.0.name"),
                     "Company Proprietary (see NOTICE)");
    cJSON_Delete(j);
    j = parse(write_to(&r2, "cyclonedx", "ref.cdx.json"));
    validate_cyclonedx("ref.cdx.json");
    cr_assert_str_eq(str(j, "components.0.licenses.0.license.name"),
                     "Company Proprietary (see NOTICE)");
    cJSON_Delete(j);
    /* no license known: NOASSERTION */
    src[0].license = NULL;
    j = parse(write_to(&r2, "spdx", "none.spdx.json"));
    validate_spdx("none.spdx.json");
    cr_assert_str_eq(str(j, "snippets.0.licenseConcluded"), "NOASSERTION");
    cJSON_Delete(j);
    done();
}

Test(report_check, cyclonedx_evidence_validates)
{
    cJSON *j;
    const cJSON *c;
    const pv_span *sp;
    build();
    sp = fd[1].span;
    j = parse(write_to(&rep, "cyclonedx", "out.cdx.json"));
    validate_cyclonedx("out.cdx.json");
    cr_assert_str_eq(str(j, "specVersion"), "1.6");
    cr_assert_eq(strncmp(str(j, "serialNumber"), "urn:uuid:", 9), 0);
    /* one component per source document: every finding here comes from README.rst */
    cr_assert_eq(cJSON_GetArraySize(get(j, "components")), 1);
    c = get(j, "components.0");
    cr_assert_str_eq(str(c, "name"), "README.rst");
    cr_assert_str_eq(str(c, "version"), c2hex);
    cr_assert_str_eq(str(c, "licenses.0.expression"), "Apache-2.0");
    cr_assert_str_eq(str(c, "evidence.licenses.0.expression"), "Apache-2.0");
    cr_assert_str_eq(str(c, "evidence.identity.0.methods.0.technique"), "hash-comparison");
    cr_assert_eq(cJSON_GetArraySize(get(c, "evidence.occurrences")), (int)rep.nfindings);
    cr_assert_str_eq(str(c, "evidence.occurrences.1.location"), "src/copied.py");
    cr_assert_eq(num(c, "evidence.occurrences.1.line"), sp->line_start);
    cr_assert_eq(num(c, "evidence.occurrences.1.offset"), sp->start);
    cr_assert_not_null(
        strstr(str(c, "evidence.occurrences.1.additionalContext"), "fingerprint fedcba9876540000"));
    cr_assert(!strcmp(str(c, "authors.0.name"), "Alice Example") ||
              !strcmp(str(c, "authors.1.name"), "Alice Example"));
    cJSON_Delete(j);
    done();
}

Test(report_check, no_findings_still_valid)
{
    pv_check_report r2;
    build();
    r2 = rep;
    r2.findings = NULL;
    r2.nfindings = 0;
    r2.failed = 0;
    write_to(&r2, "sarif", "empty.sarif.json");
    validate_sarif("empty.sarif.json");
    write_to(&r2, "spdx", "empty.spdx.json");
    validate_spdx("empty.spdx.json");
    write_to(&r2, "cyclonedx", "empty.cdx.json");
    validate_cyclonedx("empty.cdx.json");
    cr_assert_not_null(strstr(write_to(&r2, "text", "empty.txt"), "0 findings in 3 changed files"));
    done();
}

/* Past GitHub's 25,000 results a run, the SARIF keeps the failing results first, says how
 * many there were in the run's properties, and says so on stderr. */
Test(report_check, sarif_truncated_at_25000_results)
{
    enum { N = 25100, BASELINED = 200 };
    pv_check_finding *many = calloc(N, sizeof *many);
    pv_span sp;
    pv_source_ref src;
    pv_author_credit au = {"Dana", "dana@example.org", NULL, 60, 1.0};
    pv_check_report r2;
    cJSON *j;
    const cJSON *results, *it;
    size_t notes = 0, i;
    int saved, fdn;
    char *err;
    cr_assert_not_null(many);
    memset(&sp, 0, sizeof sp);
    memset(&src, 0, sizeof src);
    src.kind = "git";
    src.source = "https://github.com/o/n";
    src.locator = "lib/a.c";
    src.license = "GPL-2.0-only";
    src.line_start = 1;
    src.line_end = 9;
    sp.sources = &src;
    sp.nsources = 1;
    sp.authors = &au;
    sp.nauthors = 1;
    sp.tokens = 60;
    for (i = 0; i < N; i++) {
        many[i].path = "big.c";
        many[i].span = &sp;
        many[i].rules = 1u << PV_CHECK_TOKENS;
        many[i].baselined = i < BASELINED; /* the first ones, so truncation has to skip them */
        snprintf(many[i].fingerprint, sizeof many[i].fingerprint, "%016zx", i);
    }
    memset(&r2, 0, sizeof r2);
    r2.base = "b";
    r2.head = "h";
    r2.policy = "--fail-on-tokens 50";
    r2.version = PV_VERSION_STRING;
    r2.findings = many;
    r2.nfindings = N;
    r2.failed = 1;
    fflush(stderr);
    saved = dup(2);
    fdn = open(pv_test_path("trunc.err"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    cr_assert(saved >= 0 && fdn >= 0);
    dup2(fdn, 2);
    close(fdn);
    j = parse(write_to(&r2, "sarif", "trunc.sarif.json"));
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    results = get(j, "runs.0.results");
    cr_assert_eq(cJSON_GetArraySize(results), 25000);
    cJSON_ArrayForEach(it, results) notes += !strcmp(str(it, "level"), "note");
    /* every failing result (24,900) is kept, and 100 of the baselined notes */
    cr_assert_eq(notes, 25000 - (N - BASELINED));
    cr_assert_eq(cJSON_IsTrue(get(j, "runs.0.properties.truncated")), 1);
    cr_assert_eq(num(j, "runs.0.properties.resultsTotal"), N);
    cr_assert_eq(num(j, "runs.0.properties.results"), 25000);
    err = pv_test_keep(pv_test_read_file(pv_test_path("trunc.err"), NULL));
    cr_assert_not_null(strstr(err, "the SARIF report holds 25,000 of 25,100 results"), "%s", err);
    validate_sarif("trunc.sarif.json");
    cJSON_Delete(j);
    free(many);
}

/* GitHub refuses a SARIF file over 10 MB gzipped: results with long, incompressible paths are
 * dropped until the file fits, and the run says so. */
Test(report_check, sarif_kept_under_10mb_gzipped)
{
    enum { N = 300, PATHLEN = 64 * 1024 };
    pv_check_finding *many = calloc(N, sizeof *many);
    char *paths = malloc((size_t)N * (PATHLEN + 1)), *text;
    unsigned char *gz;
    pv_span sp;
    pv_source_ref src;
    pv_check_report r2;
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    size_t i, k, gzn;
    cJSON *j;
    cr_assert(many && paths);
    memset(&sp, 0, sizeof sp);
    memset(&src, 0, sizeof src);
    src.locator = "lib/a.c";
    src.line_start = 1;
    src.line_end = 9;
    sp.sources = &src;
    sp.nsources = 1;
    sp.tokens = 60;
    for (i = 0; i < N; i++) {
        char *p = paths + i * (PATHLEN + 1);
        for (k = 0; k < PATHLEN; k++) { /* xorshift: letters that do not compress */
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            p[k] = (char)('a' + x % 26);
        }
        p[PATHLEN] = '\0';
        many[i].path = p;
        many[i].span = &sp;
        many[i].rules = 1u << PV_CHECK_TOKENS;
        snprintf(many[i].fingerprint, sizeof many[i].fingerprint, "%016zx", i);
    }
    memset(&r2, 0, sizeof r2);
    r2.version = PV_VERSION_STRING;
    r2.findings = many;
    r2.nfindings = N;
    text = write_to(&r2, "sarif", "big.sarif.json");
    gz = pv_test_deflate(text, strlen(text), 31, &gzn);
    cr_assert_leq(gzn, 10u * 1000 * 1000, "%zu bytes gzipped", gzn);
    j = parse(text);
    cr_assert_lt(cJSON_GetArraySize(get(j, "runs.0.results")), N);
    cr_assert_gt(cJSON_GetArraySize(get(j, "runs.0.results")), N / 2);
    cr_assert_eq(cJSON_IsTrue(get(j, "runs.0.properties.truncated")), 1);
    cr_assert_eq(num(j, "runs.0.properties.resultsTotal"), N);
    cJSON_Delete(j);
    free(gz);
    free(many);
    free(paths);
}

/* The project's home is one build setting (make PROVSCAN_HOME_URL=..., passed to this suite
 * too): SARIF's informationUri, every rule's helpUri and the SPDX namespace are made from it. */
Test(report_check, home_url_is_the_build_setting)
{
    cJSON *j;
    const char *home = pv_check__home_url();
    char want[512];
    int k;
#ifdef PROVSCAN_HOME_URL
    cr_assert_str_eq(home, PROVSCAN_HOME_URL);
#endif
    cr_assert(strncmp(home, "https://", 8) == 0, "%s", home);
    build();
    j = parse(write_to(&rep, "sarif", "home.sarif.json"));
    cr_assert_str_eq(str(j, "runs.0.tool.driver.informationUri"), home);
    for (k = 0; k < PV_CHECK_NRULES; k++) {
        char path[64];
        snprintf(path, sizeof path, "runs.0.tool.driver.rules.%d.helpUri", k);
        snprintf(want, sizeof want, "%s/blob/main/docs/ci.md#%s", home,
                 pv_check_rule_id((pv_check_rule)k));
        cr_assert_str_eq(str(j, path), want);
    }
    cJSON_Delete(j);
    j = parse(write_to(&rep, "spdx", "home.spdx.json"));
    snprintf(want, sizeof want, "%s/spdx/check/", home);
    cr_assert(strncmp(str(j, "documentNamespace"), want, strlen(want)) == 0, "%s",
              str(j, "documentNamespace"));
    cJSON_Delete(j);
}

/* ---- numbers in the JSON reports (cli/report_json.c) ------------------------------------- */

/* Every number of a JSON report reads back as the double it was, bit for bit, in the fewest
 * digits that do: cJSON alone printed 15 digits whenever they read back within an epsilon
 * (0.1 + 0.2 as 0.3, 5000000000000001 as 5e+15). */
Test(json_numbers, read_back_bit_for_bit_in_the_fewest_digits)
{
    const double v[] = {0.1 + 0.2,
                        1.0 / 3.0,
                        5000000000000001.0,
                        9007199254740992.0,
                        0.087549,
                        0.1,
                        1e300,
                        5e-324,
                        -0.0,
                        123.0,
                        -2.5,
                        1.7976931348623157e308};
    static const char *const want[] = {"0.30000000000000004",
                                       "0.3333333333333333",
                                       "5000000000000001",
                                       "9007199254740992",
                                       "0.087549",
                                       "0.1",
                                       "1e+300",
                                       "4.94065645841247e-324",
                                       "-0",
                                       "123",
                                       "-2.5",
                                       "1.7976931348623157e+308"};
    const size_t n = sizeof v / sizeof v[0];
    cJSON *doc = cJSON_CreateObject(), *arr = cJSON_CreateArray();
    char *s, *p, buf[32];
    size_t i;

    cr_assert(doc && arr);
    for (i = 0; i < n; i++)
        cr_assert(cJSON_AddItemToArray(arr, cJSON_CreateNumber(v[i])));
    cr_assert(cJSON_AddItemToObject(doc, "values", arr));
    cr_assert(cJSON_AddNumberToObject(doc, "nan", NAN));
    cr_assert_eq(pv_cli__json_exact_numbers(doc), 0);
    s = cJSON_PrintUnformatted(doc);
    cr_assert(s);
    cr_assert(strncmp(s, "{\"values\":[", 11) == 0, "%s", s);
    for (i = 0, p = s + 11; i < n; i++) {
        char *end;
        double back = strtod(p, &end);
        cr_expect(memcmp(&back, &v[i], sizeof back) == 0, "%.17g printed %.*s", v[i],
                  (int)(end - p), p);
        cr_expect(strncmp(p, want[i], strlen(want[i])) == 0 && end == p + strlen(want[i]),
                  "%.17g printed %.*s, not %s", v[i], (int)(end - p), p, want[i]);
        cr_expect_str_eq(pv_cli__json_number_text(v[i], buf), want[i]);
        p = end + 1;
    }
    cr_expect_str_eq(p, ",\"nan\":null}", "%s", s);
    /* the document reads back as JSON */
    cJSON_Delete(doc);
    doc = cJSON_Parse(s);
    cr_expect(doc != NULL, "%s", s);
    cJSON_Delete(doc);
    cJSON_free(s);
}
