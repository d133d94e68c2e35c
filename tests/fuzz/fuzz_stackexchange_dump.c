/*
 * fuzz_stackexchange_dump.c - libFuzzer target for the Stack Exchange reader over a whole dump:
 * the .7z path (libarchive) and every XML file of a dump - Posts, Users, PostHistory and
 * Comments (which the reader must pass over) - in each layout the reader accepts. Whatever
 * the bytes, it must read or refuse without a crash, a leak or a hang, every document well
 * formed and the counts adding up. (fuzz_stackexchange.c fuzzes Posts.xml alone in a folder.)
 *
 * Input: a first byte, then the rest. The first byte's low three bits (mod 5) pick the layout,
 * bit 6 sets defer_html and bit 7 strict:
 *   0  the rest is a site's .7z archive, fuzz.stackexchange.com.7z
 *   1  the rest is the dump's files, a folder fuzz.stackexchange.com/
 *   2  the same files packed in fuzz.stackexchange.com.7z (libarchive's 7-Zip writer, stored)
 *   3  the split Stack Overflow layout: fuzz.stackexchange.com-Posts.7z (Posts and Comments),
 *      -Users.7z and -PostHistory.7z beside it
 *   4  as 1, with the reader given the folder's Posts.xml
 * The files are Posts.xml, Users.xml, PostHistory.xml and Comments.xml, in that order,
 * separated by "\n--8<--\n"; a file not given is absent.
 */
#define _GNU_SOURCE
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "source.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SEP "\n--8<--\n"
#define SITE "fuzz.stackexchange.com"
#define NFILES 4

static const char *const file_names[NFILES] = {"Posts.xml", "Users.xml", "PostHistory.xml",
                                               "Comments.xml"};

typedef struct part {
    const char *p;
    size_t n;
} part;

/* Packs the parts whose bit is set in which into a 7z archive at path (stored, no
 * compression: the fuzzer's bytes reach the XML parser as they are). */
static void write_7z(const char *path, const part *parts, int nparts, unsigned which)
{
    struct archive *a = archive_write_new();
    struct archive_entry *e = archive_entry_new();
    int i;

    PV_FUZZ_CHECK(a && e);
    PV_FUZZ_CHECK(archive_write_set_format_7zip(a) == ARCHIVE_OK);
    PV_FUZZ_CHECK(archive_write_set_format_option(a, "7zip", "compression", "store") == ARCHIVE_OK);
    PV_FUZZ_CHECK(archive_write_open_filename(a, path) == ARCHIVE_OK);
    for (i = 0; i < nparts; i++) {
        if (!(which & (1u << i)))
            continue;
        archive_entry_clear(e);
        archive_entry_set_pathname(e, file_names[i]);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, (la_int64_t)parts[i].n);
        PV_FUZZ_CHECK(archive_write_header(a, e) == ARCHIVE_OK);
        if (parts[i].n)
            PV_FUZZ_CHECK(archive_write_data(a, parts[i].p, parts[i].n) == (la_ssize_t)parts[i].n);
    }
    PV_FUZZ_CHECK(archive_write_close(a) == ARCHIVE_OK);
    archive_write_free(a);
    archive_entry_free(e);
}

static volatile size_t seen_bytes;

static int on_doc(void *ctx, const pv_doc_in *d)
{
    uint64_t *n = ctx;
    size_t sum = 0, i;
    /* with defer_html, an answer (no title) may come with no text at all, only its HTML */
    PV_FUZZ_CHECK((d->text || d->len == 0) && (d->len > 0 || d->html_len > 0));
    PV_FUZZ_CHECK(d->locator && !strncmp(d->locator, "https://" SITE "/", sizeof "https://" SITE));
    PV_FUZZ_CHECK(!strcmp(d->kind, "question") || !strcmp(d->kind, "answer"));
    PV_FUZZ_CHECK(!d->origin.author.name || d->origin.author.name[0]);
    for (i = 0; i < d->len; i++)
        sum += (unsigned char)d->text[i];
    for (i = 0; i < d->html_len; i++)
        sum += (unsigned char)d->html[i];
    sum += pv_fuzz_opt_len(d->license) + pv_fuzz_opt_len(d->origin.author.name) +
           pv_fuzz_opt_len(d->origin.author.id) + pv_fuzz_opt_len(d->commit);
    seen_bytes += sum; /* every byte read, for the sanitizers */
    (*n)++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char base[256], path[512], file[1024];
    const char *p, *end;
    part parts[NFILES];
    int nparts = 0, mode = 0, i, rc;
    pv_reader_opts o;
    pv_reader_stats st;
    pv_sink sink = {0};
    pv_err err;
    uint64_t docs = 0;

    memset(&o, 0, sizeof o);
    if (size > 0) {
        mode = (data[0] & 7) % 5;
        o.defer_html = (data[0] & 0x40) != 0;
        o.strict = (data[0] & 0x80) != 0;
        data++;
        size--;
    }
    p = (const char *)data;
    end = p + size;
    if (mode != 0)
        while (p <= end && nparts < NFILES) {
            const char *next = memmem(p, (size_t)(end - p), SEP, sizeof SEP - 1);
            parts[nparts].p = p;
            parts[nparts].n = (size_t)((next ? next : end) - p);
            nparts++;
            if (!next)
                break;
            p = next + sizeof SEP - 1;
        }

    pv_fuzz_temp_dir(base, sizeof base, "pv_fuzz_sed");
    switch (mode) {
    case 0:
        snprintf(path, sizeof path, "%s/" SITE ".7z", base);
        PV_FUZZ_CHECK(pv_fuzz_write_file(path, data, size) == 0);
        break;
    case 1:
    case 4:
        snprintf(path, sizeof path, "%s/" SITE, base);
        PV_FUZZ_CHECK(mkdir(path, 0755) == 0);
        for (i = 0; i < nparts; i++) {
            snprintf(file, sizeof file, "%s/%s", path, file_names[i]);
            PV_FUZZ_CHECK(pv_fuzz_write_file(file, parts[i].p, parts[i].n) == 0);
        }
        if (mode == 4)
            strcat(path, "/Posts.xml");
        break;
    case 2:
        snprintf(path, sizeof path, "%s/" SITE ".7z", base);
        write_7z(path, parts, nparts, 0xF);
        break;
    default:
        for (i = 1; i < 3 && i < nparts; i++) {
            snprintf(file, sizeof file, "%s/" SITE "-%.*s.7z", base,
                     (int)(strlen(file_names[i]) - 4), file_names[i]);
            write_7z(file, parts, nparts, 1u << i);
        }
        snprintf(path, sizeof path, "%s/" SITE "-Posts.7z", base);
        write_7z(path, parts, nparts, 0x9);
        break;
    }

    o.diag = pv_fuzz_check_diag;
    sink.doc = on_doc;
    sink.ctx = &docs;
    memset(&st, 0, sizeof st);
    memset(&err, 0, sizeof err);
    rc = pv_stackexchange__read(path, &o, &sink, &st, &err);
    if (getenv("PV_FUZZ_VERBOSE"))
        fprintf(stderr, "mode %d: rc %d (%s): %llu records, %llu documents\n", mode, rc, err.msg,
                (unsigned long long)st.records, (unsigned long long)st.documents);
    pv_fuzz_check_counts(rc, &st, &err);
    PV_FUZZ_CHECK(docs == st.documents);

    pv_fuzz_remove_tree(base);
    return 0;
}
