/*
 * fuzz_report_scan.c - libFuzzer target for the report writers of `provscan scan`
 * (cli/report_scan.c): findings with arbitrary strings (control bytes, invalid UTF-8, quotes,
 * line ends) and arbitrary numbers, written as text, JSON, JSON lines or CSV to a file in
 * place of stdout, which is then read back and checked: JSON and JSON lines parse, are valid
 * UTF-8 and give back every valid string and every number as it was (as exactly as a double
 * holds it: counts are printed as integers, never rounded to 15 digits); CSV rows have every
 * field, and give back the dataset and record names byte for byte; text holds no control byte
 * but line ends and tabs (other people's names must not drive the terminal).
 *
 * Input: byte 0 picks the format (its low 2 bits: text, json, jsonl, csv), byte 1 the number
 * of documents in the index (1 + its value mod 8), then the scan's counts (12 little-endian
 * 64-bit numbers), then findings until the input ends, each:
 *   flags (1 byte: 1 record, 2 source, 4 commit, 8 kind, 16 exact; bits 5-7 authors, at most 5)
 *   record_no, line, offset (8 bytes each), document (1 byte), document_tokens, tokens,
 *   spans, longest_tokens, record_lines[2], document_lines[2] (4 bytes each),
 *   strings ending in a NUL byte (or the input's end): dataset, locator, then record, source,
 *   kind, commit where their flag is set, then per author a byte (1 name, 2 email, 4 id) and
 *   the strings it sets.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "cli_int.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FINDINGS 32
#define MAX_AUTHORS 5
#define CSV_FIELDS 18

static void check_json_pair(const cJSON *o, const char *key, const uint32_t want[2])
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    PV_FUZZ_CHECK(cJSON_IsArray(v) && cJSON_GetArraySize(v) == 2);
    PV_FUZZ_CHECK(cJSON_GetArrayItem(v, 0)->valuedouble == want[0]);
    PV_FUZZ_CHECK(cJSON_GetArrayItem(v, 1)->valuedouble == want[1]);
}

static void check_json_finding(const cJSON *o, const pv_scan_finding *f)
{
    const cJSON *v;
    PV_FUZZ_CHECK(cJSON_IsObject(o));
    pv_fuzz_check_json_str(o, "dataset", f->dataset_path);
    pv_fuzz_check_json_str(o, "record", f->record);
    pv_fuzz_check_json_str(o, "document", f->locator);
    pv_fuzz_check_json_str(o, "source", f->source);
    pv_fuzz_check_json_num(o, "record_no", (double)f->record_no);
    pv_fuzz_check_json_num(o, "tokens", f->tokens);
    if (f->offset >= 0)
        pv_fuzz_check_json_num(o, "offset", (double)f->offset);
    else
        PV_FUZZ_CHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, "offset")));
    v = cJSON_GetObjectItemCaseSensitive(o, "authors");
    PV_FUZZ_CHECK(cJSON_IsArray(v) && (size_t)cJSON_GetArraySize(v) == f->nauthors);
    v = cJSON_GetObjectItemCaseSensitive(o, "longest");
    check_json_pair(v, "record_lines", f->record_lines);
    check_json_pair(v, "document_lines", f->document_lines);
}

/* One CSV record from *p (RFC 4180 with every text field quoted): its fields, the first
 * CSV_FIELDS of them kept in field[] (malloc'ed, unquoted). Returns the number of fields. */
static size_t csv_record(const char **p, const char *end, char **field)
{
    size_t n = 0;
    for (;;) {
        const char *s = *p;
        char *out = malloc((size_t)(end - s) + 1);
        size_t o = 0;
        PV_FUZZ_CHECK(out != NULL);
        if (s < end && *s == '"') {
            for (s++;; s++) {
                PV_FUZZ_CHECK(s < end); /* a quoted field is closed */
                if (*s == '"') {
                    if (s + 1 < end && s[1] == '"') {
                        out[o++] = '"';
                        s++;
                        continue;
                    }
                    s++;
                    break;
                }
                out[o++] = *s;
            }
        } else {
            for (; s < end && *s != ',' && *s != '\n'; s++) {
                PV_FUZZ_CHECK(*s != '"'); /* a bare field holds no quote */
                out[o++] = *s;
            }
        }
        out[o] = '\0';
        if (n < CSV_FIELDS)
            field[n] = out;
        else
            free(out);
        n++;
        PV_FUZZ_CHECK(s < end); /* every record ends with a line end */
        *p = s + 1;
        if (*s == '\n')
            return n;
        PV_FUZZ_CHECK(*s == ',');
    }
}

static void check_csv(const char *out, size_t n, const pv_scan_finding *f, size_t nf)
{
    const char *p = out, *end = out + n;
    char *field[CSV_FIELDS];
    size_t i, k, row;
    for (row = 0; row <= nf; row++) {
        k = csv_record(&p, end, field);
        PV_FUZZ_CHECK(k == CSV_FIELDS);
        if (row > 0) {
            const pv_scan_finding *g = &f[row - 1];
            PV_FUZZ_CHECK(strcmp(field[0], g->dataset_path) == 0);
            PV_FUZZ_CHECK(strcmp(field[2], g->record ? g->record : "") == 0);
            PV_FUZZ_CHECK(strcmp(field[5], g->locator) == 0);
            PV_FUZZ_CHECK(strtoull(field[1], NULL, 10) == g->record_no);
        }
        for (i = 0; i < CSV_FIELDS; i++)
            free(field[i]);
    }
    PV_FUZZ_CHECK(p == end); /* findings only: no summary in CSV */
}

static void check_output(pv_cli_scan_format format, const char *out, size_t n,
                         const pv_scan_finding *f, size_t nf)
{
    size_t i;
    cJSON *doc;
    switch (format) {
    case PV_CLI_SCAN_TEXT:
        for (i = 0; i < n; i++) {
            unsigned char c = (unsigned char)out[i];
            PV_FUZZ_CHECK(c >= 0x20 ? c != 0x7f : c == '\n' || c == '\t');
        }
        break;
    case PV_CLI_SCAN_JSON: {
        const cJSON *arr;
        PV_FUZZ_CHECK(pv_fuzz_valid_utf8(out, n));
        PV_FUZZ_CHECK((doc = cJSON_ParseWithLength(out, n)) != NULL);
        arr = cJSON_GetObjectItemCaseSensitive(doc, "findings");
        PV_FUZZ_CHECK(cJSON_IsArray(arr) && (size_t)cJSON_GetArraySize(arr) == nf);
        for (i = 0; i < nf; i++)
            check_json_finding(cJSON_GetArrayItem(arr, (int)i), &f[i]);
        PV_FUZZ_CHECK(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(doc, "summary")));
        cJSON_Delete(doc);
        break;
    }
    case PV_CLI_SCAN_JSONL: {
        const char *p = out, *end = out + n;
        PV_FUZZ_CHECK(pv_fuzz_valid_utf8(out, n));
        for (i = 0; i < nf; i++) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            PV_FUZZ_CHECK(nl != NULL); /* one finding, one line */
            PV_FUZZ_CHECK((doc = cJSON_ParseWithLength(p, (size_t)(nl - p))) != NULL);
            check_json_finding(doc, &f[i]);
            cJSON_Delete(doc);
            p = nl + 1;
        }
        PV_FUZZ_CHECK(p == end);
        break;
    }
    case PV_CLI_SCAN_CSV:
        check_csv(out, n, f, nf);
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pv_cli_scan_format format;
    pv_index_info info;
    pv_scan_stats st;
    pv_scan_finding f[MAX_FINDINGS];
    pv_scan_author au[MAX_FINDINGS][MAX_AUTHORS];
    pv_cli_scan_report *r;
    uint64_t *counts[12];
    pv_fuzz_input in;
    size_t nf = 0, i, n, len;
    int rc;
    char *out;

    if (size < 2)
        return 0;
    memset(&info, 0, sizeof info);
    memset(&st, 0, sizeof st);
    format = (pv_cli_scan_format)(data[0] & 3);
    info.k = 12;
    info.w = 8;
    info.documents = 1 + data[1] % 8;
    pv_fuzz_input_init(&in, data, size, 2);

    counts[0] = &st.datasets, counts[1] = &st.dataset_errors, counts[2] = &st.records;
    counts[3] = &st.text_bytes, counts[4] = &st.read_bytes, counts[5] = &st.tokens;
    counts[6] = &st.candidates, counts[7] = &st.found_records, counts[8] = &st.findings;
    counts[9] = &st.bad_records, counts[10] = &st.skipped, counts[11] = &st.invalid_utf8;
    for (i = 0; i < 12; i++)
        *counts[i] = pv_fuzz_take_num(&in, 8);
    info.tokens = st.tokens;

    while (in.p < in.end && nf < MAX_FINDINGS) {
        pv_scan_finding *g = &f[nf];
        unsigned flags = (unsigned)pv_fuzz_take_num(&in, 1);
        memset(g, 0, sizeof *g);
        g->record_no = pv_fuzz_take_num(&in, 8);
        g->line = (int64_t)pv_fuzz_take_num(&in, 8);
        g->offset = (int64_t)pv_fuzz_take_num(&in, 8);
        g->document = (uint32_t)pv_fuzz_take_num(&in, 1) % (uint32_t)(info.documents + 1);
        g->document_tokens = (uint32_t)pv_fuzz_take_num(&in, 4);
        g->tokens = (uint32_t)pv_fuzz_take_num(&in, 4);
        g->covered = g->document_tokens ? (double)g->tokens / g->document_tokens : 0;
        g->spans = (uint32_t)pv_fuzz_take_num(&in, 4);
        g->longest_tokens = (uint32_t)pv_fuzz_take_num(&in, 4);
        g->record_lines[0] = (uint32_t)pv_fuzz_take_num(&in, 4);
        g->record_lines[1] = (uint32_t)pv_fuzz_take_num(&in, 4);
        g->document_lines[0] = (uint32_t)pv_fuzz_take_num(&in, 4);
        g->document_lines[1] = (uint32_t)pv_fuzz_take_num(&in, 4);
        g->exact = (flags & 16) != 0;
        g->dataset_path = pv_fuzz_take_str(&in);
        g->locator = pv_fuzz_take_str(&in);
        g->record = flags & 1 ? pv_fuzz_take_str(&in) : NULL;
        g->source = flags & 2 ? pv_fuzz_take_str(&in) : NULL;
        g->kind = flags & 8 ? pv_fuzz_take_str(&in) : NULL;
        g->commit = flags & 4 ? pv_fuzz_take_str(&in) : NULL;
        g->nauthors = (flags >> 5) % (MAX_AUTHORS + 1);
        for (n = 0; n < g->nauthors; n++) {
            unsigned which = (unsigned)pv_fuzz_take_num(&in, 1);
            au[nf][n].name = which & 1 ? pv_fuzz_take_str(&in) : NULL;
            au[nf][n].email = which & 2 ? pv_fuzz_take_str(&in) : NULL;
            au[nf][n].id = which & 4 ? pv_fuzz_take_str(&in) : NULL;
        }
        g->authors = au[nf];
        nf++;
    }

    /* stdout goes to an anonymous file for the time of the report */
    pv_fuzz_stdout_begin();
    r = pv_cli__scan_report_new(format, "mine.pvx", &info);
    PV_FUZZ_CHECK(r != NULL);
    rc = 0;
    for (i = 0; i < nf && rc == 0; i++)
        rc = pv_cli__scan_report_add(r, &f[i]);
    PV_FUZZ_CHECK(rc == 0 && pv_cli__scan_report_count(r) == nf);
    PV_FUZZ_CHECK(pv_cli__scan_report_end(r, &st) == 0);
    pv_cli__scan_report_free(r);
    out = pv_fuzz_stdout_end(&len);
    check_output(format, out, len, f, nf);

    free(out);
    free(in.copy);
    return 0;
}
