/*
 * fuzz_stackexchange.c - libFuzzer target for the Stack Exchange reader: any bytes as Posts.xml,
 * beside a fixed small Users.xml and PostHistory.xml, must read without a crash or a leak,
 * every document well formed and the counts adding up.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common_int.h"
#include "source.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char users_xml[] = "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<users>\n"
                                "  <row Id=\"-1\" DisplayName=\"Community\" />\n"
                                "  <row Id=\"5\" DisplayName=\"Gilles 'SO nous est hostile'\" />\n"
                                "  <row Id=\"8\" DisplayName=\"Jez\" />\n"
                                "  <row Id=\"40\" DisplayName=\"Benjol\" />\n"
                                "</users>\n";

static const char history_xml[] =
    "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<posthistory>\n"
    "  <row Id=\"1\" PostHistoryTypeId=\"2\" PostId=\"1\" UserId=\"40\" Text=\"x\" />\n"
    "  <row Id=\"2\" PostHistoryTypeId=\"1\" PostId=\"2\" UserDisplayName=\"user9\" />\n"
    "  <row Id=\"3\" PostHistoryTypeId=\"2\" PostId=\"7\" UserId=\"8\" />\n"
    "  <row Id=\"4\" PostHistoryTypeId=\"5\" PostId=\"7\" UserId=\"5\" />\n"
    "</posthistory>\n";

static char dir[64];

static int write_file(const char *name, const void *p, size_t n)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return pv_fuzz_write_file(path, p, n);
}

/* The temp folder goes when the process ends. */
static void remove_dir(void)
{
    static const char *const names[] = {"Posts.xml", "Users.xml", "PostHistory.xml"};
    char path[128];
    size_t i;
    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

static int on_doc(void *ctx, const pv_doc_in *d)
{
    uint64_t *n = ctx;
    PV_FUZZ_CHECK(d->text && d->len > 0);
    PV_FUZZ_CHECK(d->locator && !strncmp(d->locator, "https://fuzz.stackexchange.com/", 31));
    PV_FUZZ_CHECK(!strcmp(d->kind, "question") || !strcmp(d->kind, "answer"));
    PV_FUZZ_CHECK(!d->origin.author.name || d->origin.author.name[0]);
    (*n)++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pv_reader_opts o;
    pv_reader_stats st;
    pv_sink sink = {0};
    pv_err err;
    uint64_t docs = 0;
    int rc;

    if (!dir[0]) {
        strcpy(dir, "/tmp/pv_fuzz_se_XXXXXX");
        PV_FUZZ_CHECK(mkdtemp(dir) != NULL);
        atexit(remove_dir);
        PV_FUZZ_CHECK(write_file("Users.xml", users_xml, sizeof users_xml - 1) == 0);
        PV_FUZZ_CHECK(write_file("PostHistory.xml", history_xml, sizeof history_xml - 1) == 0);
    }
    PV_FUZZ_CHECK(write_file("Posts.xml", data, size) == 0);

    memset(&o, 0, sizeof o);
    memset(&st, 0, sizeof st);
    o.site = "fuzz.stackexchange.com";
    o.strict = size > 0 && data[size - 1] == '!'; /* some inputs also run the strict path */
    sink.doc = on_doc;
    sink.ctx = &docs;
    rc = pv_stackexchange__read(dir, &o, &sink, &st, &err);
    pv_fuzz_check_counts(rc, &st, &err);
    PV_FUZZ_CHECK(docs == st.documents);
    PV_FUZZ_CHECK(pv_stackexchange__sniff((const char *)data, size) == 0 ||
                  pv_stackexchange__sniff((const char *)data, size) == 1);
    return 0;
}
