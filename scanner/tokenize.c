/*
 * tokenize.c - text -> tokens, normalization version 1 (docs/tokens.md): maximal runs of
 * word characters, NFKC-normalized and case-folded, each hashed with XXH3; CJK ideographs and
 * kana are one token per character. fingerprint.c turns the tokens into k-grams.
 */
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "common_int.h"
#include "scanner_int.h"

/* Byte classes of the ASCII fast path: separator, word character [A-Za-z0-9_], or a byte
 * >= 0x80 that goes through the UTF-8 decoder and utf8proc. */
enum { C_SEP = 0, C_WORD = 1, C_HIGH = 2 };

static const unsigned char byte_class[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1,
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};

/* ASCII case folding; the identity on every byte but A-Z. */
static const unsigned char ascii_fold[256] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
    0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
    0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
    0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
    0x40, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
    0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f,
    0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
    0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f,
    0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f,
    0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f,
    0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
    0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf,
    0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf,
    0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf,
    0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed, 0xee, 0xef,
    0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff,
};

/* What a (valid, non-ASCII) code point does: separates tokens, continues a run of word
 * characters, is a token of its own (CJK, kana), or extends the token before it (combining
 * marks; they never start a token). */
enum { K_SEP, K_WORD, K_SINGLE, K_EXTEND };

#define NORM_OPTS                                                                                  \
    ((utf8proc_option_t)(UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD))

/* Blocks whose letters and numbers are one token per character. Part of the token
 * definition: changing this table changes PV_NORM_VERSION. */
static const struct {
    int32_t lo, hi;
} single_blocks[] = {
    {0x3000, 0x303F},   /* CJK Symbols and Punctuation (iteration marks, 〇, Hangzhou numerals) */
    {0x3040, 0x309F},   /* Hiragana */
    {0x30A0, 0x30FF},   /* Katakana */
    {0x3100, 0x312F},   /* Bopomofo */
    {0x3190, 0x319F},   /* Kanbun */
    {0x31A0, 0x31BF},   /* Bopomofo Extended */
    {0x31F0, 0x31FF},   /* Katakana Phonetic Extensions */
    {0x3400, 0x4DBF},   /* CJK Unified Ideographs Extension A */
    {0x4E00, 0x9FFF},   /* CJK Unified Ideographs */
    {0xA000, 0xA4CF},   /* Yi Syllables, Yi Radicals */
    {0xF900, 0xFAFF},   /* CJK Compatibility Ideographs */
    {0xFF65, 0xFF9F},   /* Halfwidth Katakana */
    {0x1AFF0, 0x1B16F}, /* Kana Extended-B, Kana Supplement, Kana Extended-A, Small Kana */
    {0x20000, 0x2A6DF}, /* CJK Unified Ideographs Extension B */
    {0x2A700, 0x2EE5F}, /* Extensions C, D, E, F, I */
    {0x2F800, 0x2FA1F}, /* CJK Compatibility Ideographs Supplement */
    {0x30000, 0x323AF}, /* Extensions G, H */
};

static int in_single_block(int32_t cp)
{
    size_t i;
    if (cp < 0x3000)
        return 0;
    if (cp >= 0x4E00 && cp <= 0x9FFF) /* the common case first */
        return 1;
    for (i = 0; i < sizeof single_blocks / sizeof single_blocks[0]; i++) {
        if (cp < single_blocks[i].lo)
            return 0;
        if (cp <= single_blocks[i].hi)
            return 1;
    }
    return 0;
}

/* Kind of a valid non-ASCII code point. *stable is set when its NFKC case fold is itself and
 * it cannot compose with a neighbour (no decomposition, no case folding, not a mark, not a
 * Hangul jamo): a run of such code points and ASCII is its own normalized form, but for
 * ASCII case. (Checked over all of Unicode 15: every second code point of a canonical
 * composition is a mark or a jamo.) */
static int classify(int32_t cp, int *stable)
{
    const utf8proc_property_t *pr = utf8proc_get_property(cp);
    int cat = pr->category;
    *stable = 0;
    if (cat >= UTF8PROC_CATEGORY_MN && cat <= UTF8PROC_CATEGORY_ME)
        return K_EXTEND;
    if (cat < UTF8PROC_CATEGORY_LU || cat > UTF8PROC_CATEGORY_NO)
        return K_SEP;
    /* HALFWIDTH KATAKANA (SEMI-)VOICED SOUND MARK: NFKC turns them into combining marks,
     * so "ｶﾞ" must stay one token like "ガ". */
    if (cp == 0xFF9E || cp == 0xFF9F)
        return K_EXTEND;
    *stable = pr->decomp_seqindex == UINT16_MAX && pr->casefold_seqindex == UINT16_MAX &&
              !(cp >= 0x1100 && cp <= 0x11FF) && !(cp >= 0xA960 && cp <= 0xA97F) &&
              !(cp >= 0xD7B0 && cp <= 0xD7FF);
    return in_single_block(cp) ? K_SINGLE : K_WORD;
}

/* End of a run of word characters and extenders that continues at q; *stable is cleared
 * when the run holds a code point that normalization may change. */
static const unsigned char *run_end(const unsigned char *q, const unsigned char *end, int *stable)
{
    while (q < end) {
        int32_t cp;
        size_t l;
        int kind, st;
        if (*q < 0x80) {
            if (byte_class[*q] != C_WORD)
                break;
            q++;
            continue;
        }
        l = pv_scanner__utf8_decode(q, end, &cp);
        if (cp < 0)
            break;
        kind = classify(cp, &st);
        if (kind != K_WORD && kind != K_EXTEND)
            break;
        *stable &= st;
        q += l;
    }
    return q;
}

/* End of the extenders (combining marks) that follow a single-character token at q. */
static const unsigned char *extenders_end(const unsigned char *q, const unsigned char *end)
{
    while (q < end && *q >= 0x80) {
        int32_t cp;
        int st;
        size_t l = pv_scanner__utf8_decode(q, end, &cp);
        if (cp < 0 || classify(cp, &st) != K_EXTEND)
            break;
        q += l;
    }
    return q;
}

static inline int push(pv_tokens *out, uint64_t hash, size_t start, size_t len)
{
    if (PV_UNLIKELY(out->n == out->cap)) {
        void *v = out->v;
        int rc = pv_array__grow(&v, &out->cap, out->n + 1, sizeof *out->v);
        if (rc)
            return rc;
        out->v = v;
    }
    out->v[out->n].hash = hash;
    out->v[out->n].start = (uint32_t)start;
    out->v[out->n].len = (uint32_t)len;
    out->n++;
    return 0;
}

/* A token of ASCII word bytes [p, q): folded by table, cut every PV_TOKEN_MAX bytes. */
static int emit_ascii(pv_tokens *out, const unsigned char *base, const unsigned char *p,
                      const unsigned char *q, uint64_t seed)
{
    unsigned char buf[PV_TOKEN_MAX];
    while (p < q) {
        size_t n = (size_t)(q - p) < PV_TOKEN_MAX ? (size_t)(q - p) : PV_TOKEN_MAX, i;
        int rc;
        for (i = 0; i < n; i++)
            buf[i] = ascii_fold[p[i]];
        rc = push(out, XXH3_64bits_withSeed(buf, n, seed), (size_t)(p - base), n);
        if (rc)
            return rc;
        p += n;
    }
    return 0;
}

/* Reusable buffers of the utf8proc path: on the stack for usual tokens, grown on the heap
 * for long ones, released once per call of pv_scanner__tokenize. */
typedef struct norm {
    utf8proc_int32_t *cp;
    size_t cpcap;
    unsigned char *u8;
    size_t u8cap;
    utf8proc_int32_t cp_stack[256];
    unsigned char u8_stack[1024];
} norm;

static void norm_init(norm *nm)
{
    nm->cp = nm->cp_stack;
    nm->cpcap = sizeof nm->cp_stack / sizeof nm->cp_stack[0];
    nm->u8 = nm->u8_stack;
    nm->u8cap = sizeof nm->u8_stack;
}

static void norm_free(norm *nm)
{
    if (nm->cp != nm->cp_stack)
        free(nm->cp);
    if (nm->u8 != nm->u8_stack)
        free(nm->u8);
    norm_init(nm);
}

static int grow_cp(norm *nm, size_t need)
{
    utf8proc_int32_t *p;
    if (need > SIZE_MAX / sizeof *p)
        return PV_ENOMEM;
    p = malloc(need * sizeof *p);
    if (!p)
        return PV_ENOMEM;
    if (nm->cp != nm->cp_stack)
        free(nm->cp);
    nm->cp = p;
    nm->cpcap = need;
    return 0;
}

static int grow_u8(norm *nm, size_t need)
{
    unsigned char *p = malloc(need);
    if (!p)
        return PV_ENOMEM;
    if (nm->u8 != nm->u8_stack)
        free(nm->u8);
    nm->u8 = p;
    nm->u8cap = need;
    return 0;
}

/* NFKC + case fold of the valid UTF-8 bytes [p, q) into nm->u8; *n gets its length. */
static int normalize(norm *nm, const unsigned char *p, const unsigned char *q, size_t *n)
{
    utf8proc_ssize_t r;
    size_t i, len = 0;
    int rc;

    for (;;) {
        r = utf8proc_decompose_custom(p, (utf8proc_ssize_t)(q - p), nm->cp,
                                      (utf8proc_ssize_t)nm->cpcap, NORM_OPTS, NULL, NULL);
        if (r < 0)
            return r == UTF8PROC_ERROR_NOMEM ? PV_ENOMEM : PV_ELIMIT;
        if ((size_t)r <= nm->cpcap)
            break;
        rc = grow_cp(nm, (size_t)r);
        if (rc)
            return rc;
    }
    r = utf8proc_normalize_utf32(nm->cp, r, NORM_OPTS);
    if (r < 0)
        return PV_ELIMIT;
    if ((size_t)r > nm->u8cap / 4) {
        rc = grow_u8(nm, (size_t)r * 4);
        if (rc)
            return rc;
    }
    for (i = 0; i < (size_t)r; i++)
        len += (size_t)utf8proc_encode_char(nm->cp[i], nm->u8 + len);
    *n = len;
    return 0;
}

static size_t u8_len(unsigned char lead)
{
    return lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
}

/* Normalized bytes of one code point on its own (what it contributes to a token when it
 * does not compose with its neighbours). */
static size_t standalone_len(int32_t cp)
{
    utf8proc_int32_t buf[64];
    unsigned char tmp[4];
    utf8proc_ssize_t m = utf8proc_decompose_char(cp, buf, 64, NORM_OPTS, NULL), i;
    size_t len = 0;
    if (m < 0 || m > 64)
        return 4;
    m = utf8proc_normalize_utf32(buf, m, NORM_OPTS);
    for (i = 0; i < m; i++)
        len += (size_t)utf8proc_encode_char(buf[i], tmp);
    return len;
}

/* A token whose total normalized bytes nm->u8[0, total) exceed PV_TOKEN_MAX: cut greedily
 * into pieces of at most PV_TOKEN_MAX bytes at code point boundaries. Each piece gets the
 * input range from the code point where its first normalized byte comes from up to the
 * next piece's, so the pieces tile [p, q); when composition across code points makes the
 * normalized form shorter than the sum of its parts, offsets are scaled (approximate). */
static int emit_long(pv_tokens *out, const norm *nm, size_t total, const unsigned char *base,
                     const unsigned char *p, const unsigned char *q, uint64_t seed)
{
    struct at {
        const unsigned char *in; /* first input byte of the code point */
        uint64_t cum;            /* standalone normalized bytes before it */
    } *map = NULL;
    size_t nmap = 0, mapcap = 0, idx = 0, a = 0, first = out->n;
    uint64_t sum = 0;
    const unsigned char *s;
    int rc = 0;

    for (s = p; s < q;) {
        int32_t cp;
        size_t l = pv_scanner__utf8_decode(s, q, &cp);
        if (nmap == mapcap) {
            void *v = map;
            rc = pv_array__grow(&v, &mapcap, nmap + 1, sizeof *map);
            if (rc)
                goto done;
            map = v;
        }
        map[nmap].in = s;
        map[nmap].cum = sum;
        nmap++;
        sum += cp < 0 ? l : standalone_len(cp);
        s += l;
    }
    while (a < total) {
        size_t b = a;
        uint64_t x = a;
        while (b < total && b + u8_len(nm->u8[b]) - a <= PV_TOKEN_MAX)
            b += u8_len(nm->u8[b]);
        if (sum != total)
            x = (uint64_t)((double)a * (double)sum / (double)total);
        while (idx + 1 < nmap && map[idx + 1].cum <= x)
            idx++;
        /* Pieces are >= 61 bytes and no code point expands to more than 33, so every
         * piece starts at a later code point than the one before; keep it so regardless. */
        if (out->n > first && map[idx].in - base <= out->v[out->n - 1].start && idx + 1 < nmap)
            idx++;
        if (out->n > first)
            out->v[out->n - 1].len = (uint32_t)(map[idx].in - base - out->v[out->n - 1].start);
        rc = push(out, XXH3_64bits_withSeed(nm->u8 + a, b - a, seed), (size_t)(map[idx].in - base),
                  0);
        if (rc)
            goto done;
        a = b;
    }
    out->v[out->n - 1].len = (uint32_t)(q - base - out->v[out->n - 1].start);
done:
    free(map);
    return rc;
}

/* A token of input bytes [p, q) that holds a non-ASCII code point: normalized with utf8proc. */
static int emit_norm(pv_tokens *out, norm *nm, const unsigned char *base, const unsigned char *p,
                     const unsigned char *q, uint64_t seed)
{
    size_t n;
    int rc = normalize(nm, p, q, &n);
    if (rc)
        return rc;
    if (n == 0)
        return 0;
    if (n <= PV_TOKEN_MAX)
        return push(out, XXH3_64bits_withSeed(nm->u8, n, seed), (size_t)(p - base),
                    (size_t)(q - p));
    return emit_long(out, nm, n, base, p, q, seed);
}

/* A token of input bytes [p, q) that is its own normalized form but for ASCII case (see
 * classify): folded by table and cut at code point boundaries, so every piece's input range
 * is exact. */
static int emit_stable(pv_tokens *out, norm *nm, const unsigned char *base, const unsigned char *p,
                       const unsigned char *q, uint64_t seed)
{
    size_t n = (size_t)(q - p), a = 0, i;
    int rc;
    if (n <= PV_TOKEN_MAX) {
        unsigned char buf[PV_TOKEN_MAX];
        for (i = 0; i < n; i++)
            buf[i] = ascii_fold[p[i]];
        return push(out, XXH3_64bits_withSeed(buf, n, seed), (size_t)(p - base), n);
    }
    if (n > nm->u8cap) {
        rc = grow_u8(nm, n);
        if (rc)
            return rc;
    }
    for (i = 0; i < n; i++)
        nm->u8[i] = ascii_fold[p[i]];
    while (a < n) {
        size_t b = a;
        while (b < n && b + u8_len(nm->u8[b]) - a <= PV_TOKEN_MAX)
            b += u8_len(nm->u8[b]);
        rc =
            push(out, XXH3_64bits_withSeed(nm->u8 + a, b - a, seed), (size_t)(p - base) + a, b - a);
        if (rc)
            return rc;
        a = b;
    }
    return 0;
}

int pv_scanner__tokenize(const char *text, size_t len, uint64_t seed, pv_tokens *out)
{
    const unsigned char *base = (const unsigned char *)text, *p = base, *end = base + len;
    size_t n0 = out->n;
    uint64_t invalid0 = out->invalid_utf8;
    norm nm;
    int rc = 0;

    if (len > UINT32_MAX)
        return PV_ELIMIT;
    norm_init(&nm);
    if (len / 8 > out->cap - out->n) {
        void *v = out->v;
        rc = pv_array__grow(&v, &out->cap, out->n + len / 8, sizeof *out->v);
        if (rc)
            goto done;
        out->v = v;
    }
    while (p < end) {
        const unsigned char *q;
        int32_t cp;
        size_t l;
        int kind, stable;

        if (byte_class[*p] == C_SEP) {
            while (++p < end && byte_class[*p] == C_SEP)
                ;
            continue;
        }
        if (byte_class[*p] == C_WORD) {
            /* the usual token, ASCII only and at most PV_TOKEN_MAX bytes: folded while its
               end is found, and hashed at once */
            unsigned char buf[PV_TOKEN_MAX];
            size_t n = 0;
            q = p;
            do {
                if (PV_LIKELY(n < PV_TOKEN_MAX))
                    buf[n] = ascii_fold[*q];
                n++;
            } while (++q < end && byte_class[*q] == C_WORD);
            if (PV_LIKELY((q == end || *q < 0x80) && n <= PV_TOKEN_MAX)) {
                rc = push(out, XXH3_64bits_withSeed(buf, n, seed), (size_t)(p - base), n);
                if (rc)
                    goto done;
                p = q;
                continue;
            }
            if (q < end && *q >= 0x80) {
                /* The run goes on with a non-ASCII word character or mark. */
                const unsigned char *r;
                stable = 1;
                r = run_end(q, end, &stable);
                if (r != q) {
                    rc = stable ? emit_stable(out, &nm, base, p, r, seed)
                                : emit_norm(out, &nm, base, p, r, seed);
                    if (rc)
                        goto done;
                    p = r;
                    continue;
                }
            }
            rc = emit_ascii(out, base, p, q, seed);
            if (rc)
                goto done;
            p = q;
            continue;
        }
        l = pv_scanner__utf8_decode(p, end, &cp);
        if (cp < 0) {
            out->invalid_utf8++;
            p += l;
            continue;
        }
        kind = classify(cp, &stable);
        if (kind == K_SEP || kind == K_EXTEND) {
            p += l;
            continue;
        }
        if (kind == K_SINGLE) {
            q = extenders_end(p + l, end);
            stable &= q == p + l;
        } else {
            q = run_end(p + l, end, &stable);
        }
        rc = stable ? emit_stable(out, &nm, base, p, q, seed)
                    : emit_norm(out, &nm, base, p, q, seed);
        if (rc)
            goto done;
        p = q;
    }
done:
    norm_free(&nm);
    if (rc) {
        out->n = n0;
        out->invalid_utf8 = invalid0;
    }
    return rc;
}

void pv_scanner__tokens_free(pv_tokens *t)
{
    if (!t)
        return;
    free(t->v);
    t->v = NULL;
    t->n = t->cap = 0;
    t->invalid_utf8 = 0;
}

int pv_scanner__line_starts(const char *text, size_t len, uint32_t **out, size_t *nlines)
{
    const unsigned char *s = (const unsigned char *)text;
    void *v = NULL;
    size_t n = 0, cap = 0, i = 0;
    int rc;

    *out = NULL;
    *nlines = 0;
    if (len > UINT32_MAX)
        return PV_ELIMIT;
    rc = pv_array__grow(&v, &cap, 1, sizeof **out);
    if (rc)
        goto done;
    ((uint32_t *)v)[n++] = 0;
    while (i < len) {
        size_t next;
        if (s[i] > '\r' || (s[i] != '\n' && s[i] != '\r')) {
            i++;
            continue;
        }
        next = i + 1 + (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n');
        /* A final line end does not start an empty last line. */
        if (next < len) {
            rc = pv_array__grow(&v, &cap, n + 1, sizeof **out);
            if (rc)
                goto done;
            ((uint32_t *)v)[n++] = (uint32_t)next;
        }
        i = next;
    }
done:
    if (rc) {
        free(v);
        return rc;
    }
    *out = v;
    *nlines = n;
    return 0;
}
