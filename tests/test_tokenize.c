/*
 * test_tokenize.c - known-answer tests of the tokenizer (normalization version 1) and of
 * line starts: exact token texts and offsets, and equal hash streams for inputs that differ
 * only in layout, case or Unicode form.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "common_int.h"
#include "scanner_int.h"

#define SEED PV_DEFAULT_SEED

static pv_tokens tokenize(const char *s, size_t len)
{
    pv_tokens t = {0};
    int rc = pv_scanner__tokenize(s, len, SEED, &t);
    cr_assert_eq(rc, 0, "tokenize failed: %d", rc);
    return t;
}

/* Tokens of s must be exactly the strings of want (compared with the input bytes the token
 * covers), at the given offsets when starts is not NULL. */
static void expect_texts(const char *s, size_t len, const char *const *want, size_t nwant,
                         const uint32_t *starts)
{
    pv_tokens t = tokenize(s, len);
    size_t i;
    cr_assert_eq(t.n, nwant, "got %zu tokens, want %zu", t.n, nwant);
    for (i = 0; i < nwant; i++) {
        size_t wl = strlen(want[i]);
        cr_assert_eq(t.v[i].len, wl, "token %zu: len %u, want %zu", i, t.v[i].len, wl);
        cr_assert(memcmp(s + t.v[i].start, want[i], wl) == 0, "token %zu: '%.*s', want '%s'", i,
                  (int)t.v[i].len, s + t.v[i].start, want[i]);
        if (starts)
            cr_assert_eq(t.v[i].start, starts[i], "token %zu starts at %u, want %u", i,
                         t.v[i].start, starts[i]);
    }
    pv_scanner__tokens_free(&t);
}

#define EXPECT_TEXTS(s, ...)                                                                       \
    do {                                                                                           \
        static const char *const want_[] = {__VA_ARGS__};                                          \
        expect_texts(s, strlen(s), want_, sizeof want_ / sizeof want_[0], NULL);                   \
    } while (0)

/* The hash streams of a and b must be equal (and non-empty). */
static void expect_same(const char *a, const char *b)
{
    pv_tokens ta = tokenize(a, strlen(a)), tb = tokenize(b, strlen(b));
    size_t i;
    cr_assert_gt(ta.n, 0);
    cr_assert_eq(ta.n, tb.n, "%zu tokens vs %zu:\n[%s]\n[%s]", ta.n, tb.n, a, b);
    for (i = 0; i < ta.n; i++)
        cr_assert_eq(ta.v[i].hash, tb.v[i].hash, "token %zu differs: '%.*s' vs '%.*s'", i,
                     (int)ta.v[i].len, a + ta.v[i].start, (int)tb.v[i].len, b + tb.v[i].start);
    pv_scanner__tokens_free(&ta);
    pv_scanner__tokens_free(&tb);
}

/* Hashes of s must be those of the normalized strings in want. */
static void expect_hashes(const char *s, size_t len, const char *const *want, size_t nwant)
{
    pv_tokens t = tokenize(s, len);
    size_t i;
    cr_assert_eq(t.n, nwant, "got %zu tokens, want %zu", t.n, nwant);
    for (i = 0; i < nwant; i++)
        cr_assert_eq(t.v[i].hash, pv_hash64(want[i], strlen(want[i]), SEED),
                     "token %zu ('%.*s') is not the hash of '%s'", i, (int)t.v[i].len,
                     s + t.v[i].start, want[i]);
    pv_scanner__tokens_free(&t);
}

#define EXPECT_HASHES(s, ...)                                                                      \
    do {                                                                                           \
        static const char *const want_[] = {__VA_ARGS__};                                          \
        expect_hashes(s, sizeof(s) - 1, want_, sizeof want_ / sizeof want_[0]);                    \
    } while (0)

static size_t count_tokens(const char *s, size_t len, uint64_t *invalid)
{
    pv_tokens t = tokenize(s, len);
    size_t n = t.n;
    *invalid = t.invalid_utf8;
    pv_scanner__tokens_free(&t);
    return n;
}

Test(tokenize, ascii_words_with_offsets)
{
    static const char *const want[] = {"Hello", "world", "foo_bar", "42", "x1"};
    static const uint32_t starts[] = {0, 7, 14, 22, 25};
    const char *s = "Hello, world! foo_bar 42 x1";
    expect_texts(s, strlen(s), want, 5, starts);
    EXPECT_HASHES("Hello, world! foo_bar 42 x1", "hello", "world", "foo_bar", "42", "x1");
}

Test(tokenize, identifiers_and_numbers)
{
    EXPECT_TEXTS("__init__(self, x_1) = 3.14 + 0xFF", "__init__", "self", "x_1", "3", "14", "0xFF");
    EXPECT_HASHES("__init__(self, x_1) = 3.14 + 0xFF", "__init__", "self", "x_1", "3", "14",
                  "0xff");
}

Test(tokenize, punctuation_separates)
{
    EXPECT_TEXTS("a.b-c+d(e)[f]{g}<h>i/j\\k|l", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j",
                 "k", "l");
    EXPECT_TEXTS("foo->bar::baz; p=&q", "foo", "bar", "baz", "p", "q");
    EXPECT_TEXTS("don't \"quote\" `tick` it's", "don", "t", "quote", "tick", "it", "s");
}

Test(tokenize, only_punctuation_and_empty)
{
    uint64_t inv;
    const char *p = "!@#$%^&*()[]{};:'\",.<>/?\\|`~-=+ \t\r\n\v\f";
    cr_assert_eq(count_tokens(p, strlen(p), &inv), 0);
    cr_assert_eq(inv, 0);
    cr_assert_eq(count_tokens("", 0, &inv), 0);
    cr_assert_eq(inv, 0);
    /* Embedded NUL bytes separate too. */
    cr_assert_eq(count_tokens("a\0b", 3, &inv), 2);
}

Test(tokenize, line_endings_indentation_and_reflow_do_not_matter)
{
    const char *lf = "int main(void)\n{\n    return 0;\n}\n";
    expect_same(lf, "int main(void)\r\n{\r\n    return 0;\r\n}\r\n");
    expect_same(lf, "int main(void)\r{\r    return 0;\r}\r");
    expect_same(lf, "int main(void)\n{\n\treturn 0;\n}\n");
    expect_same(lf, "int main(void) { return 0; }");
    expect_same(lf, "int\nmain\n(\nvoid\n)\n{\nreturn\n0\n;\n}");
    expect_same("The quick brown fox\njumps over the lazy dog.",
                "The quick brown\nfox jumps over\nthe lazy dog.");
}

Test(tokenize, markdown_code_block_matches_source_file)
{
    const char *c_src = "#include <stdio.h>\n"
                        "\n"
                        "int main(int argc, char **argv)\n"
                        "{\n"
                        "    for (int i = 0; i < argc; i++)\n"
                        "        printf(\"%s\\n\", argv[i]);\n"
                        "    return 0;\n"
                        "}\n";
    const char *fenced = "To print the arguments:\n"
                         "\n"
                         "```\n"
                         "#include <stdio.h>\n"
                         "\n"
                         "int main(int argc, char **argv)\n"
                         "{\n"
                         "    for (int i = 0; i < argc; i++)\n"
                         "        printf(\"%s\\n\", argv[i]);\n"
                         "    return 0;\n"
                         "}\n"
                         "```\n";
    const char *indented = "    #include <stdio.h>\n"
                           "\n"
                           "    int main(int argc, char **argv)\n"
                           "    {\n"
                           "        for (int i = 0; i < argc; i++)\n"
                           "            printf(\"%s\\n\", argv[i]);\n"
                           "        return 0;\n"
                           "    }\n";
    pv_tokens tc = tokenize(c_src, strlen(c_src)), tm = tokenize(fenced, strlen(fenced));
    size_t i, skip = 4; /* "To print the arguments" */

    cr_assert_eq(tm.n, skip + tc.n);
    for (i = 0; i < tc.n; i++)
        cr_assert_eq(tm.v[skip + i].hash, tc.v[i].hash, "code token %zu differs", i);
    /* Offsets point into each input: the first code token is "include" in both. */
    cr_assert_eq(memcmp(fenced + tm.v[skip].start, "include", 7), 0);
    cr_assert_eq(tm.v[skip].start, 30);
    cr_assert_eq(tc.v[0].start, 1);
    pv_scanner__tokens_free(&tc);
    pv_scanner__tokens_free(&tm);
    expect_same(c_src, indented);
    {
        /* A fence with a language tag adds exactly that one token in front. */
        const char *tagged = "```c\n#include <stdio.h>\nint main(int argc, char **argv) {\n"
                             "for (int i = 0; i < argc; i++) printf(\"%s\\n\", argv[i]);\n"
                             "return 0; }\n```\n";
        pv_tokens tt = tokenize(tagged, strlen(tagged));
        tc = tokenize(c_src, strlen(c_src));
        cr_assert_eq(tt.n, tc.n + 1);
        cr_assert_eq(tt.v[0].hash, pv_hash64("c", 1, SEED));
        for (i = 0; i < tc.n; i++)
            cr_assert_eq(tt.v[i + 1].hash, tc.v[i].hash, "code token %zu differs", i);
        pv_scanner__tokens_free(&tt);
        pv_scanner__tokens_free(&tc);
    }
}

Test(tokenize, quoted_and_commented_paragraphs_match_plain)
{
    const char *plain = "Winnowing selects the minimum fingerprint of every window, so a shared "
                        "run of text is always found.";
    expect_same(plain, "> Winnowing selects the minimum fingerprint of every window,\n"
                       "> so a shared run of text is always found.\n");
    expect_same(plain, ">> Winnowing selects the minimum fingerprint\n>> of every window, so a "
                       "shared run\n>> of text is always found.");
    expect_same(plain, "// Winnowing selects the minimum fingerprint of every window,\n"
                       "// so a shared run of text is always found.\n");
    expect_same(plain, "# Winnowing selects the minimum fingerprint of every window,\n"
                       "# so a shared run of text is always found.\n");
    expect_same(plain, "/*\n * Winnowing selects the minimum fingerprint of every window,\n"
                       " * so a shared run of text is always found.\n */\n");
    expect_same(plain, "- Winnowing selects the *minimum* fingerprint of every window,\n"
                       "  so a shared run of `text` is always found.\n");
}

Test(tokenize, case_folding_ascii_and_unicode)
{
    expect_same("HELLO World", "hello wORLD");
    expect_same("École", "école");
    expect_same("École", "ÉCOLE");
    expect_same("Straße", "STRASSE");
    expect_same("Straße", "strasse");
    /* Σ, σ and final ς all fold to σ. */
    expect_same("ΟΔΥΣΣΕΥΣ", "οδυσσευς");
    expect_same("ΟΔΥΣΣΕΥΣ", "οδυσσευσ");
    EXPECT_HASHES("Σ σ ς", "σ", "σ", "σ");
    EXPECT_HASHES("ÉCOLE Straße", "école", "strasse");
    /* A decomposed é (e + U+0301) composes like the precomposed one. */
    expect_same("e\xcc\x81"
                "cole",
                "école");
    /* Kelvin sign and Angstrom sign fold with their letters. */
    expect_same("\xe2\x84\xaa", "k");
}

Test(tokenize, nfkc_compatibility_forms)
{
    expect_same("ﬁle", "file");
    expect_same("ＡＢＣ１２３", "abc123");
    expect_same("x²", "x2");
    EXPECT_HASHES("ﬁle ＡＢＣ x²", "file", "abc", "x2");
}

Test(tokenize, cjk_one_token_per_ideograph)
{
    static const char *const want[] = {"abc", "漢", "字", "def"};
    static const uint32_t starts[] = {0, 3, 6, 9};
    const char *s = "abc漢字def";
    expect_texts(s, strlen(s), want, 4, starts);
    EXPECT_HASHES("abc漢字def", "abc", "漢", "字", "def");
    {
        static const char *const want2[] = {"我", "们", "的", "数", "据", "2024"};
        static const uint32_t starts2[] = {0, 3, 6, 12, 15, 21};
        const char *z = "我们的，数据。2024";
        expect_texts(z, strlen(z), want2, 6, starts2);
    }
    /* A CJK compatibility ideograph is NFKC-normalized to the unified one. */
    expect_same("\xef\xa4\x80", "\xe8\xb1\x88"); /* U+F900 -> U+8C48 */
    /* Extension B (4-byte UTF-8). */
    EXPECT_TEXTS("a\xf0\xa0\x80\x80\xf0\xa0\x80\x81z", "a", "\xf0\xa0\x80\x80", "\xf0\xa0\x80\x81",
                 "z");
}

Test(tokenize, japanese_kana)
{
    static const char *const want[] = {"ひ", "ら", "が", "な", "カ", "タ", "カ", "ナ"};
    static const uint32_t starts[] = {0, 3, 6, 9, 12, 15, 18, 21};
    const char *s = "ひらがなカタカナ";
    expect_texts(s, strlen(s), want, 8, starts);
    /* Voiced kana: precomposed, combining mark, halfwidth with sound mark: one token each. */
    expect_same("が", "か\xe3\x82\x99");
    expect_same("ガ", "ｶﾞ");
    expect_same("カタカナ", "ｶﾀｶﾅ");
    EXPECT_TEXTS("ｶﾞｷﾞ", "ｶﾞ", "ｷﾞ");
    EXPECT_TEXTS("日本語のテキスト", "日", "本", "語", "の", "テ", "キ", "ス", "ト");
}

Test(tokenize, marks_extend_but_never_start_tokens)
{
    uint64_t inv;
    /* Emoji with a variation selector: the selector (a mark) is not a token. */
    cr_assert_eq(count_tokens("\xe2\x9d\xa4\xef\xb8\x8f", 6, &inv), 0);
    EXPECT_TEXTS("a \xcc\x81"
                 "b",
                 "a", "b");
    EXPECT_TEXTS("na\xc3\xafve caf\xc3\xa9", "na\xc3\xafve", "caf\xc3\xa9");
}

Test(tokenize, invalid_utf8_counted_and_offsets_kept)
{
    uint64_t inv;
    static const uint32_t s1[] = {0, 3};
    static const char *const w1[] = {"ab", "cd"};
    /* A bad lead byte separates and counts once. */
    expect_texts("ab\xff"
                 "cd",
                 5, w1, 2, s1);
    cr_assert_eq(count_tokens("ab\xff"
                              "cd",
                              5, &inv),
                 2);
    cr_assert_eq(inv, 1);
    /* Overlong "/" as C0 AF: two maximal subparts. */
    cr_assert_eq(count_tokens("a\xc0\xaf"
                              "b",
                              4, &inv),
                 2);
    cr_assert_eq(inv, 2);
    /* Overlong 3-byte E0 80 AF: E0 then two stray continuation bytes. */
    cr_assert_eq(count_tokens("\xe0\x80\xaf", 3, &inv), 0);
    cr_assert_eq(inv, 3);
    /* Surrogate U+D800 as ED A0 80: three subparts. */
    cr_assert_eq(count_tokens("x\xed\xa0\x80y", 5, &inv), 2);
    cr_assert_eq(inv, 3);
    /* Above U+10FFFF: F4 90 80 80. */
    cr_assert_eq(count_tokens("\xf4\x90\x80\x80", 4, &inv), 0);
    cr_assert_eq(inv, 4);
    /* A truncated sequence counts once: E6 97 then ASCII, and at the end of input. */
    {
        static const char *const w2[] = {"abc", "xyz"};
        static const uint32_t s2[] = {0, 5};
        expect_texts("abc\xe6\x97xyz", 8, w2, 2, s2);
        cr_assert_eq(count_tokens("abc\xe6\x97xyz", 8, &inv), 2);
        cr_assert_eq(inv, 1);
    }
    cr_assert_eq(count_tokens("abc\xe6\x97", 5, &inv), 1);
    cr_assert_eq(inv, 1);
    cr_assert_eq(count_tokens("abc\xf0\x9f\x98", 6, &inv), 1);
    cr_assert_eq(inv, 1);
    /* A literal U+FFFD is a valid separator, not counted. */
    cr_assert_eq(count_tokens("a\xef\xbf\xbd"
                              "b",
                              5, &inv),
                 2);
    cr_assert_eq(inv, 0);
    /* Invalid bytes inside a non-ASCII word split it; offsets after them stay right. */
    {
        static const char *const w3[] = {"caf\xc3\xa9", "\xc3\xa9t\xc3\xa9"};
        static const uint32_t s3[] = {0, 6};
        expect_texts("caf\xc3\xa9\x80\xc3\xa9t\xc3\xa9", 11, w3, 2, s3);
    }
}

Test(tokenize, bom_is_a_separator)
{
    static const char *const w1[] = {"hello"};
    static const uint32_t s1[] = {3};
    static const char *const w2[] = {"he", "llo"};
    static const uint32_t s2[] = {0, 5};
    expect_texts("\xef\xbb\xbfhello", 8, w1, 1, s1);
    expect_texts("he\xef\xbb\xbfllo", 8, w2, 2, s2);
    expect_same("\xef\xbb\xbfint x;", "int x;");
}

Test(tokenize, long_word_cut_into_pieces)
{
    size_t n = 10000, i;
    char *s = malloc(n);
    char piece[64];
    pv_tokens t;
    cr_assert_not_null(s);
    memset(s, 'A', n);
    memset(piece, 'a', 64);
    t = tokenize(s, n);
    cr_assert_eq(t.n, 157); /* 156 pieces of 64 bytes and one of 16 */
    for (i = 0; i < t.n; i++) {
        cr_assert_eq(t.v[i].start, i * 64);
        cr_assert_eq(t.v[i].len, i < 156 ? 64 : 16);
        cr_assert_eq(t.v[i].hash, pv_hash64(piece, t.v[i].len, SEED));
    }
    pv_scanner__tokens_free(&t);

    /* The same through utf8proc: 5000 x "É" (2 bytes each) folds to "é": pieces of 32. */
    for (i = 0; i < n; i += 2) {
        s[i] = '\xc3';
        s[i + 1] = '\x89';
    }
    for (i = 0; i < 64; i += 2) {
        piece[i] = '\xc3';
        piece[i + 1] = '\xa9';
    }
    t = tokenize(s, n);
    cr_assert_eq(t.n, 157);
    for (i = 0; i < t.n; i++) {
        cr_assert_eq(t.v[i].start, i * 64);
        cr_assert_eq(t.v[i].len, i < 156 ? 64 : 16);
        cr_assert_eq(t.v[i].hash, pv_hash64(piece, t.v[i].len, SEED));
    }
    pv_scanner__tokens_free(&t);
    free(s);

    /* 100 ASCII letters then "é": one token normalized by utf8proc, cut like ASCII. */
    {
        char mixed[103];
        memset(mixed, 'Q', 100);
        memcpy(mixed + 100, "\xc3\xa9", 2);
        mixed[102] = 0;
        memset(piece, 'q', 64);
        t = tokenize(mixed, 102);
        cr_assert_eq(t.n, 2);
        cr_assert_eq(t.v[0].hash, pv_hash64(piece, 64, SEED));
        cr_assert_eq(t.v[0].start, 0);
        cr_assert_eq(t.v[0].len, 64);
        cr_assert_eq(t.v[1].start, 64);
        cr_assert_eq(t.v[1].len, 38);
        memcpy(piece + 36, "\xc3\xa9", 2);
        cr_assert_eq(t.v[1].hash, pv_hash64(piece, 38, SEED));
        pv_scanner__tokens_free(&t);
    }
}

Test(tokenize, appends_and_counts_across_calls)
{
    pv_tokens t = {0};
    cr_assert_eq(pv_scanner__tokenize("one two", 7, SEED, &t), 0);
    cr_assert_eq(pv_scanner__tokenize("three\xff", 6, SEED, &t), 0);
    cr_assert_eq(t.n, 3);
    cr_assert_eq(t.v[2].start, 0); /* offsets are relative to each call's text */
    cr_assert_eq(t.invalid_utf8, 1);
    cr_assert_eq(t.v[2].hash, pv_hash64("three", 5, SEED));
    pv_scanner__tokens_free(&t);
    cr_assert_null(t.v);
    cr_assert_eq(t.n, 0);
    pv_scanner__tokens_free(NULL);
}

Test(tokenize, seed_changes_hashes)
{
    pv_tokens a = {0}, b = {0};
    cr_assert_eq(pv_scanner__tokenize("word", 4, 1, &a), 0);
    cr_assert_eq(pv_scanner__tokenize("word", 4, 2, &b), 0);
    cr_assert_neq(a.v[0].hash, b.v[0].hash);
    cr_assert_eq(a.v[0].hash, pv_hash64("word", 4, 1));
    pv_scanner__tokens_free(&a);
    pv_scanner__tokens_free(&b);
}

Test(tokenize, rejects_text_over_4gib)
{
    pv_tokens t = {0};
    if (SIZE_MAX <= UINT32_MAX)
        return;
    /* The length is checked before any byte is read. */
    cr_assert_eq(pv_scanner__tokenize("x", (size_t)UINT32_MAX + 1, SEED, &t), PV_ELIMIT);
    cr_assert_eq(t.n, 0);
}

static void expect_lines(const char *s, const uint32_t *want, size_t nwant)
{
    uint32_t *v = NULL;
    size_t n = 0, i;
    cr_assert_eq(pv_scanner__line_starts(s, strlen(s), &v, &n), 0);
    cr_assert_eq(n, nwant, "'%s': %zu lines, want %zu", s, n, nwant);
    for (i = 0; i < n; i++)
        cr_assert_eq(v[i], want[i], "line %zu starts at %u, want %u", i + 1, v[i], want[i]);
    free(v);
}

#define EXPECT_LINES(s, ...)                                                                       \
    do {                                                                                           \
        static const uint32_t want_[] = {__VA_ARGS__};                                             \
        expect_lines(s, want_, sizeof want_ / sizeof want_[0]);                                    \
    } while (0)

Test(line_starts, every_line_end_style)
{
    EXPECT_LINES("", 0);
    EXPECT_LINES("abc", 0);
    EXPECT_LINES("a\nb\n", 0, 2);
    EXPECT_LINES("a\nb", 0, 2);
    EXPECT_LINES("a\n\nb", 0, 2, 3);
    EXPECT_LINES("a\r\nb\r\nc", 0, 3, 6);
    EXPECT_LINES("a\r\nb\r\n", 0, 3);
    EXPECT_LINES("a\rb\rc", 0, 2, 4);
    EXPECT_LINES("a\rb\r", 0, 2);
    EXPECT_LINES("a\r\n\r\nb", 0, 3, 5);
    EXPECT_LINES("a\n\r\nb", 0, 2, 4);
    EXPECT_LINES("a\r\r\nb", 0, 2, 4);
    EXPECT_LINES("a\n\rb", 0, 2, 3);
    EXPECT_LINES("\n", 0);
    EXPECT_LINES("\r\n", 0);
    EXPECT_LINES("\n\n", 0, 1);
    EXPECT_LINES("\nx", 0, 1);
}
