/*
 * fuzz_json_view.c - libFuzzer target for the JSON view of plain text (scanner/json_view.c):
 * any bytes as a record's raw text must give a view without a crash, a leak or UB, whose
 * literals are in order, each a '"' to a '"' on one line of the raw text, whose decoded text
 * is no longer than the raw text and is each literal decoded on its own (pv_json__parse of
 * its bytes) followed by "\n", and whose raw offsets fall inside the literal they come from;
 * a literal holds an escape, or is the last of an array after one that does. A text without
 * a backslash has no literal. The view is made twice in the same buffers
 * (after another text), with the same result.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json_int.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Literal i of v decoded on its own is the view's text of it. */
static void check_alone(const pv_json_view *v, size_t i, const char *raw)
{
    const pv_json_lit *l = &v->lit[i];
    size_t n = l->to - l->from, end = i + 1 < v->n ? v->lit[i + 1].dec : v->text.len, len;
    char *copy = malloc(n ? n : 1);
    pv_buf scratch = PV_BUF_INIT(0);
    pv_json_error e;
    pv_json *root;
    const char *s;

    PV_FUZZ_CHECK(copy != NULL);
    memcpy(copy, raw + l->from, n);
    root = pv_json__parse(copy, n, &scratch, &e);
    PV_FUZZ_CHECK(root != NULL);
    s = pv_json__string(root, &len);
    PV_FUZZ_CHECK(s != NULL);
    PV_FUZZ_CHECK(end == l->dec + len + 1);
    PV_FUZZ_CHECK(memcmp(v->text.data + l->dec, s, len) == 0);
    PV_FUZZ_CHECK(v->text.data[end - 1] == '\n');
    pv_json__free(root);
    free(copy);
}

static void check(const pv_json_view *v, const char *raw, size_t size)
{
    size_t i, d, k, at = 0;
    PV_FUZZ_CHECK(v->text.len <= size);
    if (size == 0 || !memchr(raw, '\\', size))
        PV_FUZZ_CHECK(v->n == 0);
    if (v->n == 0)
        PV_FUZZ_CHECK(v->text.len == 0);
    for (i = 0; i < v->n; i++) {
        const pv_json_lit *l = &v->lit[i];
        PV_FUZZ_CHECK(l->from >= at && l->to > l->from + 1 && l->to <= size);
        PV_FUZZ_CHECK(raw[l->from] == '"' && raw[l->to - 1] == '"');
        /* one without an escape only as the last of an array after one with */
        PV_FUZZ_CHECK(memchr(raw + l->from, '\\', l->to - l->from) != NULL ||
                      (i > 0 && memchr(raw + v->lit[i - 1].to, ',', l->from - v->lit[i - 1].to)));
        for (k = l->from; k < l->to; k++)
            PV_FUZZ_CHECK(raw[k] != '\n' && raw[k] != '\r' && raw[k] != '\0');
        PV_FUZZ_CHECK(i == 0 ? l->dec == 0 : l->dec > v->lit[i - 1].dec);
        PV_FUZZ_CHECK(l->dec < v->text.len);
        check_alone(v, i, raw);
        at = l->to;
    }
    for (d = 0, i = 0; d < v->text.len; d++) {
        size_t r = pv_json__view_raw(v, d);
        while (i + 1 < v->n && v->lit[i + 1].dec <= d)
            i++;
        PV_FUZZ_CHECK(r > v->lit[i].from && r < v->lit[i].to);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char other[] = "x = \"one\\n\", \"two\\t\\u00e9\"\n";
    const char *raw = (const char *)data;
    pv_json_view v;
    size_t n, text_len;
    char *text;

    memset(&v, 0, sizeof v);
    PV_FUZZ_CHECK(pv_json__view(&v, raw, size) == 0);
    check(&v, raw, size);
    n = v.n;
    text_len = v.text.len;
    text = malloc(text_len ? text_len : 1);
    PV_FUZZ_CHECK(text != NULL);
    if (text_len)
        memcpy(text, v.text.data, text_len);
    /* again, after another text, in the same buffers */
    PV_FUZZ_CHECK(pv_json__view(&v, other, sizeof other - 1) == 0);
    PV_FUZZ_CHECK(v.n == 2);
    PV_FUZZ_CHECK(pv_json__view(&v, raw, size) == 0);
    PV_FUZZ_CHECK(v.n == n && v.text.len == text_len);
    PV_FUZZ_CHECK(text_len == 0 || memcmp(v.text.data, text, text_len) == 0);
    free(text);
    pv_json__view_free(&v);
    return 0;
}
