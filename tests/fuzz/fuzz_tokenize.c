/*
 * fuzz_tokenize.c - libFuzzer target for the tokenizer, line starts and fingerprints: any
 * bytes must tokenize without a crash, into ascending in-bounds tokens that do not change when
 * only ASCII case or ASCII separators change.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common_int.h"
#include "scanner_int.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int is_ascii_word(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static void check_tokens(const unsigned char *s, size_t size, const pv_tokens *t)
{
    size_t i, prev_end = 0;
    for (i = 0; i < t->n; i++) {
        const pv_token *k = &t->v[i];
        PV_FUZZ_CHECK(k->len >= 1);
        PV_FUZZ_CHECK(k->start >= prev_end); /* ascending, never overlapping */
        PV_FUZZ_CHECK((size_t)k->start + k->len <= size);
        /* A token starts and ends on a word character, never on ASCII punctuation or
         * space, nor on a UTF-8 continuation byte. */
        PV_FUZZ_CHECK(s[k->start] >= 0x80 || is_ascii_word(s[k->start]));
        PV_FUZZ_CHECK(s[k->start] < 0x80 || s[k->start] >= 0xC0);
        PV_FUZZ_CHECK(s[k->start + k->len - 1] >= 0x80 || is_ascii_word(s[k->start + k->len - 1]));
        prev_end = (size_t)k->start + k->len;
    }
}

static void check_lines(const unsigned char *s, size_t size)
{
    uint32_t *v = NULL;
    size_t n = 0, i;
    if (pv_scanner__line_starts((const char *)s, size, &v, &n) != 0)
        return; /* out of memory */
    PV_FUZZ_CHECK(n >= 1 && v[0] == 0);
    for (i = 1; i < n; i++) {
        PV_FUZZ_CHECK(v[i] > v[i - 1] && v[i] < size);
        PV_FUZZ_CHECK(s[v[i] - 1] == '\n' || s[v[i] - 1] == '\r');
        PV_FUZZ_CHECK(!(s[v[i] - 1] == '\r' && s[v[i]] == '\n'));
    }
    free(v);
}

static void check_fingerprints(const pv_tokens *t)
{
    static const uint32_t k = 3, w = 4;
    uint64_t *fp;
    uint32_t *pos;
    size_t nk, m, i;
    if (t->n < k)
        return;
    fp = malloc(t->n * sizeof *fp);
    pos = malloc(t->n * sizeof *pos);
    if (fp && pos) {
        nk = pv_scanner__kgrams(t->v, t->n, k, PV_DEFAULT_SEED, fp);
        PV_FUZZ_CHECK(nk == t->n - k + 1);
        m = pv_scanner__winnow(fp, nk, w, pos);
        PV_FUZZ_CHECK(m >= 1 && m <= nk);
        for (i = 0; i < m; i++) {
            PV_FUZZ_CHECK(pos[i] < nk);
            PV_FUZZ_CHECK(i == 0 || (pos[i] > pos[i - 1] && pos[i] - pos[i - 1] <= w));
        }
        PV_FUZZ_CHECK(pos[0] < w && nk - 1 - pos[m - 1] < w);
    }
    free(fp);
    free(pos);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *copy = malloc(size ? size : 1), *alt = malloc(size ? size : 1);
    pv_tokens t = {0}, u = {0};
    size_t i;

    if (!copy || !alt)
        goto done;
    /* An exact-size heap copy lets the sanitizer catch any read past the end. */
    memcpy(copy, data, size);
    if (pv_scanner__tokenize((const char *)copy, size, PV_DEFAULT_SEED, &t) != 0)
        goto done; /* out of memory */
    check_tokens(copy, size, &t);
    check_lines(copy, size);
    check_fingerprints(&t);

    /* Layout and ASCII case never change tokens: fold A-Z and turn every ASCII separator
     * into a space; the tokens, their offsets and the invalid count stay the same. */
    for (i = 0; i < size; i++) {
        unsigned char c = copy[i];
        alt[i] = c >= 0x80 || is_ascii_word(c) ? c : ' ';
        if (c >= 'A' && c <= 'Z')
            alt[i] = (unsigned char)(c + 32);
    }
    if (pv_scanner__tokenize((const char *)alt, size, PV_DEFAULT_SEED, &u) != 0)
        goto done;
    PV_FUZZ_CHECK(u.n == t.n && u.invalid_utf8 == t.invalid_utf8);
    for (i = 0; i < t.n; i++)
        PV_FUZZ_CHECK(u.v[i].hash == t.v[i].hash && u.v[i].start == t.v[i].start &&
                      u.v[i].len == t.v[i].len);
done:
    pv_scanner__tokens_free(&t);
    pv_scanner__tokens_free(&u);
    free(copy);
    free(alt);
    return 0;
}
