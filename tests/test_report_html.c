/*
 * test_report_html.c - the HTML report (--format html) in a real browser: the demo's batch is
 * credited and matched, headless Chromium renders each page and dumps its DOM, which must
 * hold the spans with their data, the authors and the totals that the JSON ledger and the
 * JSON report give; a proxy the test owns sees every request the page makes (none), and
 * hostile text in an output and in an author name stays text.
 */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <libxml/HTMLparser.h>
#include <libxml/xpath.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

extern char **environ;

static const char *root;

static void setup(void)
{
    root = pv_test_tmpdir("pv-report-html-");
}

TestSuite(report_html, .init = setup, .fini = pv_test_done);

/* Runs argv (argv[0] found on PATH) with stdout to out_path (or /dev/null) and stderr to
 * err_path (or /dev/null); returns the exit code, or -1 when it died of a signal. The peak
 * resident memory of that process, in KiB, goes to *kib when kib is not NULL. */
static int run_kib(char *const argv[], const char *out_path, const char *err_path, long *kib)
{
    posix_spawn_file_actions_t fa;
    struct rusage ru;
    pid_t pid;
    int st;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out_path ? out_path : "/dev/null",
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, err_path ? err_path : "/dev/null",
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    cr_assert_eq(posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ), 0, "cannot run %s",
                 argv[0]);
    posix_spawn_file_actions_destroy(&fa);
    cr_assert_eq(wait4(pid, &st, 0, &ru), pid);
    if (kib)
        *kib = ru.ru_maxrss;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int run(char *const argv[], const char *out_path, const char *err_path)
{
    return run_kib(argv, out_path, err_path, NULL);
}

/* provscan with the arguments given (NULL-terminated), stdout to out; asserts exit 0. */
#define PROVSCAN(out, ...)                                                                         \
    do {                                                                                           \
        char *argv_[] = {(char *)pv_test_bin(), __VA_ARGS__, NULL};                                \
        int rc_ = run(argv_, out, pv_test_path("provscan.err"));                                   \
        cr_assert_eq(rc_, 0, "provscan %s exited %d: %s", argv_[1], rc_,                           \
                     (char *)pv_test_read_file(pv_test_path("provscan.err"), NULL));               \
    } while (0)

/* The demo's index (fixtures/demo.sh): a folder of READMEs, a Stack Exchange dump, a
 * WordPress export and an RSS feed. Returns its path. */
static const char *demo_index(void)
{
    static char idx[1024];
    snprintf(idx, sizeof idx, "%s/demo.pvx", root);
    PROVSCAN(NULL, "index", "-q", "-o", idx, "--site", "french.meta.stackexchange.com",
             "fixtures/corpus", "fixtures/stackexchange/french.meta.subset.7z",
             "fixtures/wordpress/small-export.xml", "fixtures/feeds/rss-rss2sample.xml");
    return idx;
}

/* ---- a proxy that counts requests ---- */

/* Chromium's own calls home (time, component updates, accounts), which it makes whatever
 * page it shows; everything else, fonts and APIs included, is counted. */
static int chromium_own(const char *host)
{
    static const char *const own[] = {".google.com", ".googleapis.com", ".gvt1.com"};
    size_t i, n = strlen(host);
    if (strncmp(host, "fonts.", 6) == 0)
        return 0;
    for (i = 0; i < sizeof own / sizeof *own; i++)
        if (n > strlen(own[i]) && strcmp(host + n - strlen(own[i]), own[i]) == 0)
            return 1;
    return 0;
}

typedef struct proxy {
    int fd, port, stop;
    pthread_t thread;
    char hosts[64][256]; /* the hosts of the requests counted */
    size_t nhosts;
    size_t own; /* Chromium's own, not counted */
} proxy;

/* The host of a proxy request line: "CONNECT host:443 HTTP/1.1" or "GET http://host/x ...". */
static void request_host(const char *line, char *host, size_t n)
{
    const char *p = strchr(line, ' '), *e;
    host[0] = '\0';
    if (!p)
        return;
    p++;
    if (strncmp(p, "http://", 7) == 0)
        p += 7;
    else if (strncmp(p, "https://", 8) == 0)
        p += 8;
    for (e = p; *e && *e != ':' && *e != '/' && *e != ' '; e++)
        ;
    snprintf(host, n, "%.*s", (int)(e - p), p);
}

/* Record the request that came on connection c, if a whole line came. */
static void proxy_request(proxy *px, int c)
{
    char buf[4096], host[256];
    ssize_t got = read(c, buf, sizeof buf - 1);
    if (got <= 0)
        return;
    buf[got] = '\0';
    buf[strcspn(buf, "\r\n")] = '\0';
    request_host(buf, host, sizeof host);
    if (chromium_own(host))
        px->own++;
    else if (px->nhosts < 64)
        snprintf(px->hosts[px->nhosts++], sizeof px->hosts[0], "%s", host);
}

/* Accept connections and read each one's first line; every request then fails at once (the
 * connection is closed): nothing is served. Connections opened ahead of a request and left
 * idle are waited on together, so none holds up another. */
static void *proxy_main(void *arg)
{
    proxy *px = arg;
    struct pollfd pf[65];
    size_t n = 1, i;
    pf[0] = (struct pollfd){px->fd, POLLIN, 0};
    while (!__atomic_load_n(&px->stop, __ATOMIC_SEQ_CST)) {
        if (poll(pf, n, 20) <= 0)
            continue;
        for (i = n; i-- > 1;)
            if (pf[i].revents) {
                proxy_request(px, pf[i].fd);
                close(pf[i].fd);
                pf[i] = pf[--n];
            }
        if (pf[0].revents & POLLIN) {
            int c = accept(px->fd, NULL, NULL);
            if (c >= 0 && n < 65)
                pf[n++] = (struct pollfd){c, POLLIN, 0};
            else if (c >= 0)
                close(c);
        }
    }
    for (i = 1; i < n; i++)
        close(pf[i].fd);
    return NULL;
}

static void proxy_start(proxy *px)
{
    struct sockaddr_in a = {0};
    socklen_t len = sizeof a;
    memset(px, 0, sizeof *px);
    px->fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert(px->fd >= 0);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(bind(px->fd, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(listen(px->fd, 64), 0);
    cr_assert_eq(getsockname(px->fd, (struct sockaddr *)&a, &len), 0);
    px->port = ntohs(a.sin_port);
    cr_assert_eq(pthread_create(&px->thread, NULL, proxy_main, px), 0);
}

static void proxy_stop(proxy *px)
{
    __atomic_store_n(&px->stop, 1, __ATOMIC_SEQ_CST);
    pthread_join(px->thread, NULL);
    close(px->fd);
}

/* ---- the browser ---- */

/* Chromium's path: $PROVSCAN_CHROMIUM, else chromium or chromium-browser on PATH; NULL when
 * there is none. */
static const char *chromium(void)
{
    static char found[1024];
    const char *env = getenv("PROVSCAN_CHROMIUM"), *path = getenv("PATH");
    static const char *const names[] = {"chromium", "chromium-browser"};
    size_t i;
    if (env && *env)
        return env;
    for (i = 0; i < 2 && path; i++) {
        const char *p = path;
        while (*p) {
            size_t n = strcspn(p, ":");
            snprintf(found, sizeof found, "%.*s/%s", (int)n, p, names[i]);
            if (access(found, X_OK) == 0)
                return found;
            p += n + (p[n] == ':');
        }
    }
    return NULL;
}

/* Skips the test when there is no Chromium, but fails it in CI, which installs it (make
 * deps): there the browser test must run. */
static const char *need_chromium(void)
{
    const char *c = chromium();
    const char *ci = getenv("CI");
    if (!c) {
        cr_assert(!(ci && strcmp(ci, "true") == 0),
                  "chromium not found in CI: `make deps` installs Debian's chromium");
        cr_skip_test("chromium not found (`make deps` installs Debian's chromium): the HTML "
                     "report is not rendered in a browser");
    }
    return c;
}

/* Renders the page at path in headless Chromium, every request sent to px, and returns the
 * DOM it dumps (malloc'ed). */
static char *render(const char *page, proxy *px)
{
    char url[1200], proxy_arg[64], profile[1100], out[1100];
    char *dom;
    int rc;
    snprintf(url, sizeof url, "file://%s", page);
    snprintf(proxy_arg, sizeof proxy_arg, "--proxy-server=http://127.0.0.1:%d", px->port);
    snprintf(profile, sizeof profile, "--user-data-dir=%s.profile", page);
    snprintf(out, sizeof out, "%s.dom", page);
    {
        char *argv[] = {"timeout",
                        "60",
                        (char *)need_chromium(),
                        "--headless",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--no-first-run",
                        "--disable-background-networking",
                        "--disable-component-update",
                        "--disable-sync",
                        "--disable-default-apps",
                        "--disable-extensions",
                        "--no-pings",
                        proxy_arg,
                        profile,
                        "--dump-dom",
                        url,
                        NULL};
        rc = run(argv, out, NULL);
    }
    cr_assert_eq(rc, 0, "chromium exited %d on %s", rc, page);
    dom = pv_test_read_file(out, NULL);
    cr_assert(strstr(dom, "</html>") != NULL, "chromium dumped no page for %s", page);
    return dom;
}

/* Asserts that the page made no request but Chromium's own. */
static void assert_no_request(const proxy *px, const char *page)
{
    cr_assert_eq(px->nhosts, 0, "%s: %zu requests, the first to '%s'", page, px->nhosts,
                 px->nhosts ? px->hosts[0] : "");
}

/* ---- the DOM ---- */

typedef struct dom {
    htmlDocPtr doc;
    xmlXPathContextPtr xp;
} dom;

static dom parse(const char *html)
{
    dom d;
    d.doc = htmlReadMemory(html, (int)strlen(html), "page.html", "utf-8",
                           HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
    cr_assert_not_null(d.doc);
    d.xp = xmlXPathNewContext(d.doc);
    cr_assert_not_null(d.xp);
    return d;
}

static void dom_free(dom *d)
{
    xmlXPathFreeContext(d->xp);
    xmlFreeDoc(d->doc);
}

/* Renders page in Chromium through a proxy of the test's own, asserts that it made no
 * request, and parses the DOM it dumped (into *d; *text holds the dump, to be freed). */
static void browse(const char *page, dom *d, char **text)
{
    proxy px;
    proxy_start(&px);
    *text = render(page, &px);
    proxy_stop(&px);
    assert_no_request(&px, page);
    *d = parse(*text);
}

/* The nodes of expr (the caller frees the object). */
static xmlXPathObjectPtr nodes(dom *d, const char *expr)
{
    xmlXPathObjectPtr o = xmlXPathEvalExpression((const xmlChar *)expr, d->xp);
    cr_assert_not_null(o, "bad XPath %s", expr);
    return o;
}

static int count(dom *d, const char *expr)
{
    xmlXPathObjectPtr o = nodes(d, expr);
    int n = o->nodesetval ? o->nodesetval->nodeNr : 0;
    xmlXPathFreeObject(o);
    return n;
}

/* Attribute name of node i of set o, kept until the test ends ("" when absent). */
static const char *attr(xmlXPathObjectPtr o, int i, const char *name)
{
    xmlChar *v = xmlGetProp(o->nodesetval->nodeTab[i], (const xmlChar *)name);
    char *s = pv_test_keep_str(v ? (const char *)v : "");
    xmlFree(v);
    return s;
}

/* The text of the first node of expr, kept until the test ends ("" when there is none). */
static const char *text_of(dom *d, const char *expr)
{
    xmlXPathObjectPtr o = nodes(d, expr);
    xmlChar *v = o->nodesetval && o->nodesetval->nodeNr
                     ? xmlNodeGetContent(o->nodesetval->nodeTab[0])
                     : NULL;
    char *s = pv_test_keep_str(v ? (const char *)v : "");
    xmlFree(v);
    xmlXPathFreeObject(o);
    return s;
}

/* How many nodes of expr have an attribute name starting with prefix. */
static int count_attr(dom *d, const char *expr, const char *name, const char *prefix)
{
    xmlXPathObjectPtr o = nodes(d, expr);
    int i, n = 0;
    for (i = 0; o->nodesetval && i < o->nodesetval->nodeNr; i++)
        n += strncmp(attr(o, i, name), prefix, strlen(prefix)) == 0;
    xmlXPathFreeObject(o);
    return n;
}

/* A strength as the page shows it: two decimals, the ledger's precision. */
static const char *fmt2(double v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%.2f", round(v * 100) / 100 + 0.0);
    return pv_test_keep_str(buf);
}

static cJSON *read_json(const char *path)
{
    char *s = pv_test_read_file(path, NULL);
    cJSON *j = cJSON_Parse(s);
    free(s);
    cr_assert_not_null(j, "%s is not JSON", path);
    return j;
}

static const char *jstr(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double jnum(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    cr_assert(cJSON_IsNumber(v), "no number '%s'", key);
    return v->valuedouble;
}

/* match's JSON report of the demo's two outputs. */
static cJSON *demo_report(const char *idx)
{
    PROVSCAN(pv_test_path("match.json"), "match", "-x", (char *)idx, "--format", "json",
             "fixtures/outputs/demo.md", "fixtures/outputs/stackexchange-answer.md");
    return read_json(pv_test_path("match.json"));
}

/* The spans of every output in the page agree with the JSON report's: one mark with an id
 * per span, its lines, tokens, strength and origin. */
static void check_marks(dom *d, const cJSON *results)
{
    const cJSON *r, *sp;
    int i = 0;
    cJSON_ArrayForEach(r, results)
    {
        char expr[256], lines[64];
        xmlXPathObjectPtr o;
        int k = 0;
        i++;
        snprintf(expr, sizeof expr, "//article[@id='o%d']", i);
        o = nodes(d, expr);
        cr_assert_eq(o->nodesetval ? o->nodesetval->nodeNr : 0, 1, "no article for output %d", i);
        cr_expect_str_eq(attr(o, 0, "data-output"), jstr(r, "input"));
        cr_expect_eq(atof(attr(o, 0, "data-tokens")), jnum(r, "tokens"));
        cr_expect_eq(atof(attr(o, 0, "data-matched")), jnum(r, "matched_tokens"));
        xmlXPathFreeObject(o);
        snprintf(expr, sizeof expr, "//article[@id='o%d']//mark[@id]", i);
        o = nodes(d, expr);
        cr_assert_eq(o->nodesetval ? o->nodesetval->nodeNr : 0,
                     cJSON_GetArraySize(cJSON_GetObjectItem(r, "spans")), "output %d", i);
        cJSON_ArrayForEach(sp, cJSON_GetObjectItem(r, "spans"))
        {
            const cJSON *origin = cJSON_GetArrayItem(cJSON_GetObjectItem(sp, "sources"), 0);
            snprintf(lines, sizeof lines, "%.0f-%.0f", jnum(sp, "line_start"),
                     jnum(sp, "line_end"));
            snprintf(expr, sizeof expr, "S%d", k + 1);
            cr_expect_str_eq(attr(o, k, "data-span"), expr);
            cr_expect_str_eq(attr(o, k, "data-lines"), lines);
            cr_expect_eq(atof(attr(o, k, "data-tokens")), jnum(sp, "tokens"));
            cr_expect_str_eq(attr(o, k, "data-strength"), fmt2(jnum(sp, "strength")));
            cr_expect_str_eq(attr(o, k, "data-locator"), jstr(origin, "document"));
            cr_expect_eq(strstr(attr(o, k, "class"), "common") != NULL,
                         cJSON_IsTrue(cJSON_GetObjectItem(sp, "common")));
            k++;
        }
        xmlXPathFreeObject(o);
    }
}

Test(report_html, credit_page_in_a_browser_holds_the_ledger)
{
    const char *idx = demo_index();
    char *page = pv_test_keep_str(pv_test_path("credit.html")), *dom_text;
    cJSON *ledger, *report, *e, *ev, *totals;
    xmlXPathObjectPtr rows, bars;
    int nrows = 0, r = 0, persons = 0;
    char buf[64];
    dom d;

    need_chromium();
    PROVSCAN(NULL, "credit", "-x", (char *)idx, "--pool", "100", "--format", "json", "-o",
             (char *)pv_test_path("ledger.json"), "fixtures/outputs");
    PROVSCAN(NULL, "credit", "-x", (char *)idx, "--pool", "100", "--format", "html", "-o", page,
             "fixtures/outputs");
    browse(page, &d, &dom_text);
    ledger = read_json(pv_test_path("ledger.json"));
    report = demo_report(idx);

    /* totals */
    totals = cJSON_GetObjectItem(ledger, "totals");
    cr_expect_eq(atof(text_of(&d, "//dd[@id='total-outputs']")), jnum(totals, "outputs"));
    cr_expect_eq(atof(text_of(&d, "//dd[@id='total-tokens']")), jnum(totals, "tokens"));
    cr_expect_eq(atof(text_of(&d, "//dd[@id='total-credited']")), jnum(totals, "credited"));
    cr_expect_str_eq(text_of(&d, "//dd[@id='total-pool']"), "100.00 EUR");
    snprintf(buf, sizeof buf, "%s EUR", jstr(totals, "unallocated_amount"));
    cr_expect_str_eq(text_of(&d, "//dd[@id='total-unallocated']"), buf);

    /* every payee in the table, in the ledger's order, with its tokens; persons in the chart
     * with their share; every evidence row of the ledger, in order */
    rows = nodes(&d, "//table[@id='authors-table']//tr[@data-author]");
    bars = nodes(&d, "//*[local-name()='svg']//*[local-name()='g'][@data-author]");
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(ledger, "entries"))
    {
        const char *name = jstr(e, "name") ? jstr(e, "name") : jstr(e, "kind");
        int person = strcmp(jstr(e, "kind"), "person") == 0;
        cr_assert_lt(r, rows->nodesetval->nodeNr);
        cr_expect(strncmp(attr(rows, r, "data-author"), name, strlen(name)) == 0,
                  "row %d: '%s' for '%s'", r, attr(rows, r, "data-author"), name);
        cr_expect_eq(atof(attr(rows, r, "data-tokens")), jnum(e, "tokens"));
        if (person) {
            cr_assert_lt(persons, bars->nodesetval->nodeNr);
            cr_expect_str_eq(attr(bars, persons, "data-author"), attr(rows, r, "data-author"));
            cr_expect_str_eq(attr(bars, persons, "data-share"), jstr(e, "share"));
            persons++;
        }
        r++;
        cJSON_ArrayForEach(ev, cJSON_GetObjectItem(e, "evidence")) nrows++;
    }
    cr_expect_eq(rows->nodesetval->nodeNr, r);
    cr_expect_eq(bars->nodesetval->nodeNr, persons);
    cr_expect_gt(persons, 0, "the demo credits Robert Cartaino");
    xmlXPathFreeObject(rows);
    xmlXPathFreeObject(bars);

    rows = nodes(&d, "//table[@id='evidence-table']//tr[@data-output]");
    cr_assert_eq(rows->nodesetval ? rows->nodesetval->nodeNr : 0, nrows);
    r = 0;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(ledger, "entries"))
        cJSON_ArrayForEach(ev, cJSON_GetObjectItem(e, "evidence"))
    {
        cr_expect_str_eq(attr(rows, r, "data-output"), jstr(ev, "output_id"));
        cr_expect_eq(atof(attr(rows, r, "data-tokens")), jnum(ev, "tokens"));
        cr_expect_str_eq(attr(rows, r, "data-strength"), fmt2(jnum(ev, "strength")));
        r++;
    }
    xmlXPathFreeObject(rows);

    /* the spans, with the JSON report's data, and the hover card of the answer's span */
    check_marks(&d, cJSON_GetObjectItem(report, "results"));
    cr_expect(strstr(text_of(&d, "//article[@id='o2']//mark[@id='o2-s1']/span[@class='card']"),
                     "authors: Robert Cartaino (id 4) 100%") != NULL);
    cr_expect_eq(count(&d, "//mark[@id='o2-s1']//a[@href='https://french.meta.stackexchange.com/"
                           "a/17']"),
                 1, "the card links the answer");
    cr_expect_eq(count(&d, "//script"), 0);
    cJSON_Delete(ledger);
    cJSON_Delete(report);
    dom_free(&d);
    free(dom_text);
}

Test(report_html, match_page_in_a_browser_holds_the_report)
{
    const char *idx = demo_index();
    char *page = pv_test_keep_str(pv_test_path("match.html")), *dom_text;
    cJSON *report, *r, *sp;
    int spans = 0;
    dom d;

    need_chromium();
    PROVSCAN(page, "match", "-x", (char *)idx, "--format", "html", "fixtures/outputs/demo.md",
             "fixtures/outputs/stackexchange-answer.md");
    browse(page, &d, &dom_text);
    report = demo_report(idx);
    check_marks(&d, cJSON_GetObjectItem(report, "results"));
    cJSON_ArrayForEach(r, cJSON_GetObjectItem(report, "results"))
        cJSON_ArrayForEach(sp, cJSON_GetObjectItem(r, "spans")) spans++;
    cr_expect_eq(count(&d, "//table[@id='evidence-table']//tr[@data-span]"), spans);
    cr_expect_eq(atof(text_of(&d, "//dd[@id='total-spans']")), spans);
    cr_expect_eq(atof(text_of(&d, "//dd[@id='total-outputs']")), 2);
    /* the license text is a common span: grey, and named so on its card */
    cr_expect_eq(count(&d, "//mark[@id and contains(@class,'common')]"), 1);
    cr_expect(strstr(text_of(&d, "//mark[@id and contains(@class,'common')]/span[@class='card']"),
                     "common: license Apache-2.0, earns no credit") != NULL);
    /* the authors summed over the batch: the answer's author and the unknown READMEs */
    cr_expect_eq(count(&d, "//table[@id='authors-table']//tr[@data-author='Robert Cartaino (id "
                           "4)']"),
                 1);
    cr_expect_eq(count(&d, "//*[local-name()='svg']//*[local-name()='g'][@data-author='unknown']"),
                 1);
    cJSON_Delete(report);
    dom_free(&d);
    free(dom_text);
}

/* An output and an index whose author, locator and link are markup and script. */
static const char LIGHTHOUSE[] =
    "The lighthouse keeper wrote every evening in a leather ledger about the northern reef, "
    "noting the hour, the weather, the colour of the sails and the names of the boats that "
    "came home before the storm broke over the harbour wall and the bells rang twice.";
#define EVIL_AUTHOR "<script>document.title='pwned'</script> Mallory & \"Co\""

Test(report_html, hostile_text_stays_text)
{
    static const char *const cmds[] = {"credit", "match"};
    char idx[1024], data[8192], out_text[8192];
    const char *outs = pv_test_path("outs");
    const char *output = pv_test_keep_str(pv_test_path("outs/evil<b>name</b>.md"));
    size_t c;

    need_chromium();
    snprintf(data, sizeof data,
             "{\"text\": \"%s\", \"author\": \"<script>document.title='pwned'</script> "
             "Mallory & \\\"Co\\\"\", \"url\": \"javascript:document.title='pwned'\", "
             "\"id\": \"<img src=http://evil.example/id.png>\"}\n",
             LIGHTHOUSE);
    pv_test_put_str("data.jsonl", data);
    snprintf(out_text, sizeof out_text,
             "<script>document.title='pwned'</script>\n<img src=\"http://evil.example/x.png\">\n"
             "\x1b[31m<style>body{display:none}</style>\n\n%s\n",
             LIGHTHOUSE);
    pv_test_put_str("outs/evil<b>name</b>.md", out_text);
    snprintf(idx, sizeof idx, "%s/evil.pvx", root);
    PROVSCAN(NULL, "index", "-q", "-o", idx, "--preset", "generic", "--field",
             "text=text,author=author,url=url,id=id", (char *)pv_test_path("data.jsonl"));
    for (c = 0; c < 2; c++) {
        char page[1100], *dom_text;
        dom d;
        snprintf(page, sizeof page, "%s/%s.html", root, cmds[c]);
        if (c == 0)
            PROVSCAN(NULL, "credit", "-x", idx, "--format", "html", "-o", page, (char *)outs);
        else
            PROVSCAN(page, "match", "-x", idx, "--format", "html", (char *)output);
        browse(page, &d, &dom_text); /* evil.example is never asked */
        /* nothing ran, nothing was made an element, nothing became a link */
        snprintf(data, sizeof data, "provscan %s: %s", cmds[c], idx);
        cr_expect_str_eq(text_of(&d, "//title"), data);
        cr_expect_eq(count(&d, "//script"), 0, "%s", cmds[c]);
        cr_expect_eq(count(&d, "//img"), 0, "%s", cmds[c]);
        cr_expect_eq(count(&d, "//b[text()='name']"), 0, "%s", cmds[c]);
        cr_expect_eq(count(&d, "//style"), 1, "%s", cmds[c]);
        cr_expect_eq(count(&d, "//a[starts-with(@href,'javascript')]"), 0, "%s", cmds[c]);
        /* the text is all there, as text: the output, its name and the author */
        cr_expect(strstr(text_of(&d, "//article[@id='o1']/pre"),
                         "<script>document.title='pwned'</script>\n<img src=\"http://evil.example"
                         "/x.png\">\n\xe2\x90\x9b[31m<style>") != NULL,
                  "%s", cmds[c]);
        cr_expect(strstr(text_of(&d, "//article[@id='o1']/h3"), "evil<b>name</b>.md") != NULL);
        cr_expect_eq(count_attr(&d, "//table[@id='authors-table']//tr", "data-author", EVIL_AUTHOR),
                     1, "%s", cmds[c]);
        cr_expect(strstr(text_of(&d, "//mark[@id='o1-s1']/span[@class='card']"), EVIL_AUTHOR) !=
                      NULL,
                  "%s", cmds[c]);
        dom_free(&d);
        free(dom_text);
    }
}

/* The proxy does see a page that loads something (so its silence above means something), and
 * the report's policy stops the same load. */
Test(report_html, proxy_sees_loads_the_policy_stops)
{
    const char *idx = demo_index();
    char *report, *meta, *end, page[4096], *dom_text;
    static const char body[] = "<title>t</title></head><body><p>hi</p>"
                               "<img src=\"http://control.example/x.png\"></body></html>\n";
    proxy px;
    size_t i;

    need_chromium();
    PROVSCAN(pv_test_path("match.html"), "match", "-x", (char *)idx, "--format", "html",
             "fixtures/outputs/demo.md");
    report = pv_test_read_file(pv_test_path("match.html"), NULL);
    meta = strstr(report, "<meta http-equiv=\"Content-Security-Policy\"");
    cr_assert_not_null(meta, "the report has a policy");
    end = strchr(meta, '>');
    for (i = 0; i < 2; i++) {
        snprintf(page, sizeof page, "<!DOCTYPE html><html><head><meta charset=\"utf-8\">%.*s%s",
                 i ? (int)(end + 1 - meta) : 0, meta, body);
        pv_test_put_str(i ? "with-policy.html" : "without.html", page);
        proxy_start(&px);
        dom_text = render(pv_test_path(i ? "with-policy.html" : "without.html"), &px);
        proxy_stop(&px);
        cr_assert(strstr(dom_text, "control.example") != NULL);
        if (i == 0)
            cr_expect(px.nhosts >= 1 && strcmp(px.hosts[0], "control.example") == 0,
                      "the proxy saw %zu requests, the first to '%s'", px.nhosts,
                      px.nhosts ? px.hosts[0] : "");
        else
            assert_no_request(&px, "the page with the report's policy");
        free(dom_text);
    }
    free(report);
}

/* The peak resident memory, in KiB, of provscan COMMAND -x idx --format FORMAT over input
 * given n times (stdout to /dev/null). */
static long peak_kib(const char *cmd, const char *idx, const char *format, const char *input,
                     size_t n)
{
    const char *head[] = {pv_test_bin(), cmd, "-x", idx, "--format", format};
    const size_t nhead = sizeof head / sizeof *head;
    char **argv = calloc(nhead + n + 1, sizeof *argv);
    long kib = 0;
    cr_assert_not_null(argv);
    memcpy(argv, head, sizeof head);
    while (n--)
        argv[nhead + n] = (char *)input;
    cr_assert_eq(run_kib(argv, NULL, NULL, &kib), 0);
    free(argv);
    return kib;
}

/* The page of 4,000 outputs is some 25 MB; outputs go to a temporary file as they come, so
 * the report adds nothing to what matching (and, for credit, the ledger) holds. */
Test(report_html, memory_does_not_grow_with_outputs)
{
#ifdef __SANITIZE_ADDRESS__
    /* AddressSanitizer keeps freed memory in quarantine: peak RSS says nothing there */
    cr_skip_test("peak memory is not measurable under AddressSanitizer");
#endif
    const char *idx = demo_index();
    long few, many, csv;
    few = peak_kib("match", idx, "html", "fixtures/outputs/demo.md", 10);
    many = peak_kib("match", idx, "html", "fixtures/outputs/demo.md", 4000);
    cr_expect_lt(many, few + 4096, "match --format html: %ld KiB for 10 outputs, %ld for 4,000",
                 few, many);
    /* credit's ledger grows with its evidence; the page must not add to it */
    csv = peak_kib("credit", idx, "csv", "fixtures/outputs/demo.md", 4000);
    many = peak_kib("credit", idx, "html", "fixtures/outputs/demo.md", 4000);
    cr_expect_lt(many, csv + 4096, "credit: %ld KiB for the page, %ld for CSV, 4,000 outputs", many,
                 csv);
}

/* The page is written in input order: the same bytes for any --jobs. */
Test(report_html, same_page_for_any_jobs)
{
    const char *idx = demo_index();
    static const char *const cmds[] = {"credit", "match"};
    size_t c;
    for (c = 0; c < 2; c++) {
        char *one, *two;
        size_t n1, n2;
        PROVSCAN(pv_test_path("j1.html"), (char *)cmds[c], "-x", (char *)idx, "--format", "html",
                 "--jobs", "1", "fixtures/outputs/demo.md", "fixtures/outputs/demo.md",
                 "fixtures/outputs/stackexchange-answer.md");
        PROVSCAN(pv_test_path("j2.html"), (char *)cmds[c], "-x", (char *)idx, "--format", "html",
                 "--jobs", "2", "fixtures/outputs/demo.md", "fixtures/outputs/demo.md",
                 "fixtures/outputs/stackexchange-answer.md");
        one = pv_test_read_file(pv_test_path("j1.html"), &n1);
        two = pv_test_read_file(pv_test_path("j2.html"), &n2);
        cr_expect(n1 == n2 && memcmp(one, two, n1) == 0, "%s: --jobs 1 and 2 differ", cmds[c]);
        cr_expect_gt(n1, 1000);
        free(one);
        free(two);
    }
}

/* The page is spooled in $TMPDIR: where none can be made, the error names the folder and the
 * exit code is 3, before any output is matched. */
Test(report_html, no_spool_is_an_input_error_naming_the_folder)
{
    const char *idx = demo_index();
    static const char *const cmds[] = {"credit", "match"};
    char *old = getenv("TMPDIR") ? pv_test_keep_str(getenv("TMPDIR")) : NULL;
    size_t c;
    setenv("TMPDIR", pv_test_path("missing"), 1);
    for (c = 0; c < 2; c++) {
        char *argv[] = {(char *)pv_test_bin(),
                        (char *)cmds[c],
                        "-x",
                        (char *)idx,
                        "--format",
                        "html",
                        "fixtures/outputs/demo.md",
                        NULL};
        char *err;
        cr_expect_eq(run(argv, pv_test_path("out"), pv_test_path("err")), 3, "%s", cmds[c]);
        err = pv_test_read_file(pv_test_path("err"), NULL);
        cr_expect(strstr(err, "cannot make a temporary file in '") && strstr(err, "/missing'"),
                  "%s: %s", cmds[c], err);
        free(err);
    }
    if (old)
        setenv("TMPDIR", old, 1);
    else
        unsetenv("TMPDIR");
}

/* Thirty authors: the chart draws the first 24 (the ledger's order) and one bar for the six
 * others, whose share is the sum of theirs; the table lists all thirty. */
Test(report_html, chart_draws_24_authors_and_the_others)
{
    char idx[1024], *page_text;
    cJSON *ledger, *e;
    double rest = 0;
    int k = 0, i, j;
    xmlXPathObjectPtr bars;
    FILE *f = fopen(pv_test_path("authors.jsonl"), "w");
    dom d;

    cr_assert_not_null(f);
    for (i = 0; i < 30; i++) {
        /* a paragraph of its own for each author, longer for each next one */
        fprintf(f, "{\"text\": \"");
        for (j = 0; j < 30 + 2 * i; j++)
            fprintf(f, "%s%s%d ", j % 3 ? "word" : "term", i % 2 ? "x" : "y", i * 1000 + j);
        fprintf(f, "\", \"author\": \"Author %02d\", \"url\": \"https://example.org/%d\"}\n", i, i);
    }
    fclose(f);
    snprintf(idx, sizeof idx, "%s/authors.pvx", root);
    PROVSCAN(NULL, "index", "-q", "-o", idx, "--preset", "generic", "--field",
             "text=text,author=author,url=url", (char *)pv_test_path("authors.jsonl"));
    PROVSCAN(NULL, "credit", "-x", idx, "--jsonl", "--field", "text=text,id=url", "--format",
             "json", "-o", (char *)pv_test_path("ledger.json"),
             (char *)pv_test_path("authors.jsonl"));
    PROVSCAN(NULL, "credit", "-x", idx, "--jsonl", "--field", "text=text,id=url", "--format",
             "html", "-o", (char *)pv_test_path("page.html"),
             (char *)pv_test_path("authors.jsonl"));
    ledger = read_json(pv_test_path("ledger.json"));
    page_text = pv_test_read_file(pv_test_path("page.html"), NULL);
    d = parse(page_text);
    bars = nodes(&d, "//*[local-name()='svg']//*[local-name()='g'][contains(@class,'bar')]");
    cr_assert_eq(bars->nodesetval ? bars->nodesetval->nodeNr : 0, 25);
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(ledger, "entries"))
    {
        if (strcmp(jstr(e, "kind"), "person") != 0)
            continue;
        if (k < 24)
            cr_expect_str_eq(attr(bars, k, "data-share"), jstr(e, "share"), "bar %d", k);
        else
            rest += atof(jstr(e, "share"));
        k++;
    }
    cr_expect_eq(k, 30, "thirty authors credited");
    cr_expect_eq(count(&d, "//table[@id='authors-table']//tr[@data-author]"), 30);
    cr_expect(strstr(attr(bars, 24, "class"), "others") != NULL);
    cr_expect(fabs(atof(attr(bars, 24, "data-share")) - rest) < 1e-5, "others: %s, rest %f",
              attr(bars, 24, "data-share"), rest);
    xmlXPathFreeObject(bars);
    cJSON_Delete(ledger);
    dom_free(&d);
    free(page_text);
}

/* --min-strength: the weak spans' rows leave the evidence for a table of their own, as the
 * ledger lists them apart, and the totals say their tokens. */
Test(report_html, weak_spans_have_a_table_of_their_own)
{
    const char *idx = demo_index();
    char *page_text;
    cJSON *ledger, *e, *ev;
    xmlXPathObjectPtr rows;
    int r = 0, nev = 0;
    dom d;

    /* the demo's spans have strengths 13.6, 10.7 and 4.0: under 5, one is weak */
    PROVSCAN(NULL, "credit", "-x", (char *)idx, "--min-strength", "5", "--format", "json", "-o",
             (char *)pv_test_path("ledger.json"), "fixtures/outputs");
    PROVSCAN(NULL, "credit", "-x", (char *)idx, "--min-strength", "5", "--format", "html", "-o",
             (char *)pv_test_path("page.html"), "fixtures/outputs");
    ledger = read_json(pv_test_path("ledger.json"));
    page_text = pv_test_read_file(pv_test_path("page.html"), NULL);
    d = parse(page_text);
    cr_assert_gt(cJSON_GetArraySize(cJSON_GetObjectItem(ledger, "weak")), 0);
    rows = nodes(&d, "//table[@id='weak-table']//tr[@data-output]");
    cr_assert_eq(rows->nodesetval ? rows->nodesetval->nodeNr : 0,
                 cJSON_GetArraySize(cJSON_GetObjectItem(ledger, "weak")));
    cJSON_ArrayForEach(ev, cJSON_GetObjectItem(ledger, "weak"))
    {
        cr_expect_str_eq(attr(rows, r, "data-output"), jstr(ev, "output_id"));
        cr_expect_eq(atof(attr(rows, r, "data-tokens")), jnum(ev, "tokens"));
        cr_expect_str_eq(attr(rows, r, "data-strength"), fmt2(jnum(ev, "strength")));
        cr_expect_lt(jnum(ev, "strength"), 5.0);
        r++;
    }
    xmlXPathFreeObject(rows);
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(ledger, "entries")) nev +=
        cJSON_GetArraySize(cJSON_GetObjectItem(e, "evidence"));
    cr_expect_eq(count(&d, "//table[@id='evidence-table']//tr[@data-output]"), nev);
    cr_expect_eq(atof(text_of(&d, "//dd[@id='total-weak']")),
                 jnum(cJSON_GetObjectItem(ledger, "totals"), "weak_tokens"));
    cJSON_Delete(ledger);
    dom_free(&d);
    free(page_text);
}
