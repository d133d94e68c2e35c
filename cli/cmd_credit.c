/*
 * cmd_credit.c - `provscan credit`: match a batch of outputs against an index, count the
 * credited tokens per payee over the whole batch (pv_credit_*), split a pool in cents, and
 * print text, CSV or the JSON ledger (with its SHA-256 digest); --verify checks a ledger.
 */
#define _POSIX_C_SOURCE 200809L
#include <assert.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_int.h"

/* Bytes of a ledger --verify reads: parsed whole, it takes a few times its size in memory;
 * a ledger is about 240 bytes an output, so this is some four million outputs. */
#define LEDGER_LIMIT ((size_t)1 << 30)
#define LEDGER_FORMAT "provscan-credit-ledger"
#define LEDGER_VERSION 2

enum {
    OPT_INDEX,
    OPT_FILES_FROM, /* the four input options, in this order (pv_cli__outputs_opts_of) */
    OPT_JSONL,
    OPT_FIELD,
    OPT_STRICT,
    OPT_FORMAT,
    OPT_POOL,
    OPT_CURRENCY,
    OPT_MIN_SHARE,
    OPT_COMMON,
    OPT_MIN_TOKENS,
    OPT_MIN_STRENGTH,
    OPT_JOBS,
    OPT_OUTPUT,
    OPT_VERIFY,
    NOPTS
};

static const pv_cli_opt opts[NOPTS] = {
    [OPT_INDEX] = {"index", 'x', "INDEX", PV_CLI_STRING, 0, 0, NULL,
                   "the index to attribute against (required, but with --verify alone)"},
    [OPT_FILES_FROM] = PV_CLI_OPT_FILES_FROM,
    [OPT_JSONL] = PV_CLI_OPT_JSONL,
    [OPT_FIELD] = PV_CLI_OPT_FIELD,
    [OPT_STRICT] = PV_CLI_OPT_STRICT,
    [OPT_FORMAT] = {"format", 0, "text|csv|json|html", PV_CLI_CHOICE, 0, 0, "text",
                    "report format; json is the verifiable ledger, html one self-contained "
                    "page"},
    [OPT_POOL] = {"pool", 0, "AMOUNT", PV_CLI_STRING, 0, 0, NULL,
                  "split AMOUNT (up to two decimals) by share, in cents, by largest remainder"},
    [OPT_CURRENCY] = {"currency", 0, "CUR", PV_CLI_STRING, 0, 0, "EUR",
                      "currency code shown with the amounts"},
    [OPT_MIN_SHARE] = {"min-share", 0, "S", PV_CLI_STRING, 0, 0, "0",
                       "payees with a share under S (0..1) go to the unallocated line"},
    [OPT_COMMON] = {"common", 0, "N", PV_CLI_UINT, 1, UINT32_MAX, "25",
                    "fingerprints in more than N documents are common and earn nothing"},
    [OPT_MIN_TOKENS] = {"min-tokens", 0, "N", PV_CLI_UINT, 0, UINT32_MAX, "0",
                        "spans shorter than N tokens are not counted (0 = k)"},
    [OPT_MIN_STRENGTH] = {"min-strength", 0, "S", PV_CLI_STRING, 0, 0, NULL,
                          "spans whose strength is under S earn nothing; listed apart (off "
                          "by default)"},
    [OPT_JOBS] = PV_CLI_OPT_JOBS("match N outputs at a time; the ledger is the same for every N"),
    [OPT_OUTPUT] = {"output", 'o', "FILE", PV_CLI_STRING, 0, 0, NULL,
                    "write the report to FILE instead of stdout"},
    [OPT_VERIFY] = {"verify", 0, "LEDGER", PV_CLI_STRING, 0, 0, NULL,
                    "check LEDGER's digest; with -x and outputs, recompute it and compare"},
};

static const pv_cli_spec spec = {
    "credit",
    "-x INDEX [options] OUTPUTS...",
    "Attribute every output (files, folders recursively in sorted order, - for standard "
    "input, --files-from; --jsonl: one output per JSON line) against INDEX and count, per author "
    "over the whole batch, the "
    "credited query tokens: whole tokens, one payee per token, co-authors dealt round-robin "
    "(docs/attribution.md). Commons and license text earn nothing, copies earn nothing, text "
    "of unknown authors or older than the history is counted on lines of its own. Prints "
    "each payee's tokens, share, outputs, spans and the evidence of every span; --pool splits "
    "an amount in cents. --format json writes a ledger with the index's SHA-256 and a "
    "SHA-256 digest over its canonical content (docs/json.md); --verify LEDGER checks it "
    "(exit 0 ok, 1 mismatch, 3 unreadable).",
    opts,
    NOPTS,
};

/* ---- SHA-256 (OpenSSL libcrypto) ---- */

static void hex(const unsigned char *d, unsigned n, char *out)
{
    for (unsigned i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", d[i]);
}

static int sha256_bytes(const void *data, size_t len, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    if (!EVP_Digest(data, len, md, &n, EVP_sha256(), NULL))
        return -1;
    hex(md, n, out);
    return 0;
}

/* The SHA-256 of the index file at path; of a folder of segments, its manifest's (which names
 * every segment with its size and checksum). */
static int sha256_file(const char *path, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE], buf[1 << 16];
    unsigned n = 0;
    size_t r;
    int rc = -1;
    struct stat st;
    FILE *f;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf((char *)buf, sizeof buf, "%s/MANIFEST", path);
        f = fopen((char *)buf, "rb");
    } else {
        f = fopen(path, "rb");
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();

    if (!f || !ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL))
        goto done;
    while ((r = fread(buf, 1, sizeof buf, f)) > 0)
        if (!EVP_DigestUpdate(ctx, buf, r))
            goto done;
    if (ferror(f) || !EVP_DigestFinal_ex(ctx, md, &n))
        goto done;
    hex(md, n, out);
    rc = 0;
done:
    EVP_MD_CTX_free(ctx);
    if (f)
        fclose(f);
    return rc;
}

/* The digest of a ledger: SHA-256 of its canonical form, the object printed unformatted
 * (cJSON_PrintUnformatted, keys in the order written) with the "digest" member absent. */
static int ledger_digest(cJSON *ledger, char out[72])
{
    cJSON *d = cJSON_DetachItemFromObjectCaseSensitive(ledger, "digest");
    char *s = cJSON_PrintUnformatted(ledger);
    int rc = -1;

    if (s && sha256_bytes(s, strlen(s), out + 7) == 0) {
        memcpy(out, "sha256:", 7);
        rc = 0;
    }
    cJSON_free(s);
    if (d)
        cJSON_AddItemToObject(ledger, "digest", d);
    return rc;
}

/* ---- money ---- */

/* "12.5" -> 1250 cents; -1 when not a non-negative amount with at most two decimals. */
static int64_t parse_cents(const char *s)
{
    int64_t v = 0, frac = 0;
    int nfrac = 0;
    const char *p = s;

    if (!*p || (*p == '.' && !(p[1] >= '0' && p[1] <= '9')))
        return -1; /* "" and ".": no digit */
    for (; *p >= '0' && *p <= '9'; p++) {
        if (v > INT64_MAX / 1000)
            return -1;
        v = v * 10 + (*p - '0');
    }
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++) {
            if (++nfrac > 2)
                return -1;
            frac = frac * 10 + (*p - '0');
        }
    if (*p || p == s)
        return -1;
    while (nfrac++ < 2)
        frac *= 10;
    return v * 100 + frac;
}

static void fmt_cents(int64_t c, char *buf, size_t n)
{
    snprintf(buf, n, "%" PRId64 ".%02" PRId64, c / 100, c % 100);
}

/* ---- the report ---- */

typedef struct batch {
    const pv_credit_payee *p;
    size_t n;
    int64_t *cents; /* per payee, -1 when not paid */
    int *dust;      /* under --min-share */
    uint64_t dust_tokens;
    uint64_t outputs, tokens, credited;
    int64_t pool;               /* cents, -1 without --pool */
    const char *min_strength;   /* as given, or NULL: off */
    const pv_credit_weak *weak; /* rows of spans under --min-strength */
    size_t nweak;
    uint64_t weak_tokens;
} batch;

/* Split pool cents among persons by their tokens: floor of the exact amount first, then one
 * cent each by largest remainder (ties: the payee order); then the amounts of persons under
 * min_share are paid to no one: they make the unallocated amount (the pool less what is
 * paid), so every person's amount is the same share of the pool whatever the threshold. */
static int split_pool(batch *b, double min_share)
{
    uint64_t total = 0;
    size_t i, k, np = 0;
    int64_t given = 0;
    size_t *order;
    unsigned __int128 *rem;

    b->cents = calloc(b->n + 1, sizeof *b->cents);
    b->dust = calloc(b->n + 1, sizeof *b->dust);
    order = calloc(b->n + 1, sizeof *order);
    rem = calloc(b->n + 1, sizeof *rem);
    if (!b->cents || !b->dust || !order || !rem) {
        free(order);
        free(rem);
        return -1;
    }
    for (i = 0; i < b->n; i++) {
        b->cents[i] = -1;
        if (b->p[i].kind != PV_PAYEE_PERSON)
            continue;
        if (b->p[i].share < min_share) {
            b->dust[i] = 1;
            b->dust_tokens += b->p[i].tokens;
        }
        total += b->p[i].tokens;
        order[np++] = i;
    }
    if (b->pool >= 0 && total > 0) {
        for (k = 0; k < np; k++) {
            unsigned __int128 x = (unsigned __int128)b->pool * b->p[order[k]].tokens;
            b->cents[order[k]] = (int64_t)(x / total);
            rem[k] = x % total;
            given += b->cents[order[k]];
        }
        /* the cents left go to the largest remainders; a stable pass in payee order */
        while (given < b->pool) {
            size_t best = 0;
            for (k = 1; k < np; k++)
                if (rem[k] > rem[best])
                    best = k;
            b->cents[order[best]]++;
            rem[best] = 0;
            given++;
        }
        for (k = 0; k < np; k++)
            if (b->dust[order[k]])
                b->cents[order[k]] = -1;
    }
    free(order);
    free(rem);
    return 0;
}

static const char *kind_name(pv_payee_kind k)
{
    return k == PV_PAYEE_PERSON ? "person" : k == PV_PAYEE_UNKNOWN ? "unknown" : "before";
}

static void share_str(const pv_credit_payee *p, char *buf, size_t n)
{
    snprintf(buf, n, "%.6f", p->share);
}

/* s in caret notation (pv_cli__put_caret): names, ids and locators come from the corpus and
 * the outputs, and must not drive the terminal. */
static void put_str(FILE *f, const char *s)
{
    pv_cli__put_caret(f, s, strlen(s));
}

/* One evidence row of the text report, without its line end. */
static void print_row(FILE *f, const pv_credit_evidence *e)
{
    fputs("  ", f);
    put_str(f, e->output_id);
    fprintf(f, ":%u-%u  ", e->line_start, e->line_end);
    put_str(f, e->locator ? e->locator : "?");
    fprintf(f, ":%u-%u", e->src_line_start, e->src_line_end);
    if (e->commit) {
        fputs(" @ ", f);
        pv_cli__put_caret(f, e->commit, strnlen(e->commit, 12));
    }
    fprintf(f, "  %" PRIu64 " tokens", e->tokens);
    if (e->url) {
        fputs("  ", f);
        put_str(f, e->url);
    }
}

/* Distinct outputs among the weak rows (in output order). */
static size_t weak_outputs(const batch *b)
{
    size_t i, n = 0;
    for (i = 0; i < b->nweak; i++)
        if (i == 0 || b->weak[i].ev.output != b->weak[i - 1].ev.output)
            n++;
    return n;
}

static void print_text(FILE *f, const batch *b, const char *currency)
{
    size_t i, j;
    char sh[32], amt[32];

    fprintf(f, "%" PRIu64 " outputs, %" PRIu64 " tokens, %" PRIu64 " credited to persons\n\n",
            b->outputs, b->tokens, b->credited);
    for (i = 0; i < b->n; i++) {
        const pv_credit_payee *p = &b->p[i];
        share_str(p, sh, sizeof sh);
        pv_cli__put_payee(f, pv_cli__put_caret, p);
        fprintf(f, "  tokens %" PRIu64 "  share %s  outputs %zu  spans %zu", p->tokens, sh,
                p->outputs, p->spans);
        if (b->cents[i] >= 0) {
            fmt_cents(b->cents[i], amt, sizeof amt);
            fprintf(f, "  %s %s", amt, currency);
        }
        if (b->dust[i])
            fprintf(f, "  (under --min-share: unallocated)");
        fputc('\n', f);
        for (j = 0; j < p->nevidence; j++) {
            print_row(f, &p->evidence[j]);
            fputc('\n', f);
        }
    }
    if (b->pool >= 0) {
        int64_t paid = 0;
        for (i = 0; i < b->n; i++)
            if (b->cents[i] > 0)
                paid += b->cents[i];
        fmt_cents(b->pool - paid, amt, sizeof amt);
        fprintf(f, "\nunallocated  tokens %" PRIu64 "  %s %s\n", b->dust_tokens, amt, currency);
    }
    if (b->min_strength) {
        /* listed apart, each row with its strength and who would have earned it */
        fprintf(f,
                "\nweak spans (strength under %s): tokens %" PRIu64 "  outputs %zu  spans %zu"
                "  (earn nothing)\n",
                b->min_strength, b->weak_tokens, weak_outputs(b), b->nweak);
        for (i = 0; i < b->nweak; i++) {
            const pv_credit_weak *w = &b->weak[i];
            print_row(f, &w->ev);
            fprintf(f, "  strength %.2f  ", w->ev.strength);
            if (w->kind == PV_PAYEE_PERSON) {
                put_str(f, w->name ? w->name : w->id ? w->id : "?");
                if (w->email) {
                    fputs(" <", f);
                    put_str(f, w->email);
                    fputc('>', f);
                }
            } else
                fputs(w->kind == PV_PAYEE_UNKNOWN ? "unknown" : "before the history", f);
            fputc('\n', f);
        }
    }
}

static void print_csv(FILE *f, const batch *b)
{
    size_t i;
    char sh[32], amt[32];

    fputs("name,identities,tokens,share,amount,outputs,spans\n", f);
    for (i = 0; i < b->n; i++) {
        const pv_credit_payee *p = &b->p[i];
        char ids[1024];
        snprintf(ids, sizeof ids, "%s%s%s", p->email ? p->email : "", p->email && p->id ? " " : "",
                 p->id ? p->id : "");
        share_str(p, sh, sizeof sh);
        amt[0] = '\0';
        if (b->cents[i] >= 0)
            fmt_cents(b->cents[i], amt, sizeof amt);
        pv_cli__csv_field(f, pv_cli__payee_name(p));
        fputc(',', f);
        pv_cli__csv_field(f, ids);
        fprintf(f, ",%" PRIu64 ",%s,%s,%zu,%zu\n", p->tokens, sh, amt, p->outputs, p->spans);
    }
    /* with --min-strength, one last row sums the spans listed apart (docs/usage.md) */
    if (b->min_strength)
        fprintf(f, "\"weak spans\",\"\",%" PRIu64 ",0.000000,,%zu,%zu\n", b->weak_tokens,
                weak_outputs(b), b->nweak);
}

static cJSON *str_or_null(const char *s)
{
    return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static cJSON *lines(uint32_t a, uint32_t z)
{
    cJSON *l = cJSON_CreateArray();
    cJSON_AddItemToArray(l, cJSON_CreateNumber(a));
    cJSON_AddItemToArray(l, cJSON_CreateNumber(z));
    return l;
}

/* Adds the members of one evidence row to r (docs/json.md) and returns r. */
static cJSON *evidence_json(cJSON *r, const pv_credit_evidence *e)
{
    cJSON_AddNumberToObject(r, "output", (double)e->output);
    cJSON_AddStringToObject(r, "output_id", e->output_id);
    cJSON_AddItemToObject(r, "lines", lines(e->line_start, e->line_end));
    cJSON_AddItemToObject(r, "source", str_or_null(e->source));
    cJSON_AddItemToObject(r, "locator", str_or_null(e->locator));
    cJSON_AddItemToObject(r, "url", str_or_null(e->url));
    cJSON_AddItemToObject(r, "commit", str_or_null(e->commit));
    cJSON_AddItemToObject(r, "first_commit", str_or_null(e->first_commit));
    cJSON_AddItemToObject(r, "source_lines", lines(e->src_line_start, e->src_line_end));
    cJSON_AddNumberToObject(r, "tokens", (double)e->tokens);
    cJSON_AddNumberToObject(r, "strength", e->strength);
    return r;
}

/* An entry's members but its evidence. */
static cJSON *entry_json(const batch *b, size_t i)
{
    const pv_credit_payee *p = &b->p[i];
    cJSON *o = cJSON_CreateObject();
    char sh[32], amt[32];

    share_str(p, sh, sizeof sh);
    cJSON_AddStringToObject(o, "kind", kind_name(p->kind));
    cJSON_AddItemToObject(o, "name", str_or_null(p->name));
    cJSON_AddItemToObject(o, "email", str_or_null(p->email));
    cJSON_AddItemToObject(o, "id", str_or_null(p->id));
    cJSON_AddNumberToObject(o, "tokens", (double)p->tokens);
    cJSON_AddStringToObject(o, "share", sh);
    if (b->cents[i] >= 0) {
        fmt_cents(b->cents[i], amt, sizeof amt);
        cJSON_AddStringToObject(o, "amount", amt);
    } else {
        cJSON_AddNullToObject(o, "amount");
    }
    cJSON_AddBoolToObject(o, "unallocated", b->dust[i]);
    cJSON_AddNumberToObject(o, "outputs", (double)p->outputs);
    cJSON_AddNumberToObject(o, "spans", (double)p->spans);
    return o; /* "evidence" follows, written row by row (write_ledger) */
}

/* A row of a span under --min-strength: who would have earned it, then its evidence. */
static cJSON *weak_json(const pv_credit_weak *w)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "kind", kind_name(w->kind));
    cJSON_AddItemToObject(r, "name", str_or_null(w->name));
    cJSON_AddItemToObject(r, "email", str_or_null(w->email));
    cJSON_AddItemToObject(r, "id", str_or_null(w->id));
    return evidence_json(r, &w->ev);
}

/* The ledger's header members: format, version, index, rules, options, totals. */
static cJSON *ledger_header(const batch *b, const char *index_sha, const pv_index_info *info,
                            const pv_credit_opts *co, const char *pool, const char *currency,
                            const char *min_share, const char *fields)
{
    cJSON *l = cJSON_CreateObject(), *x, *r, *o, *t;
    char seed[32], amt[32];
    size_t i;
    int64_t paid = 0;

    cJSON_AddStringToObject(l, "format", LEDGER_FORMAT);
    cJSON_AddNumberToObject(l, "version", LEDGER_VERSION);
    x = cJSON_AddObjectToObject(l, "index");
    cJSON_AddStringToObject(x, "sha256", index_sha);
    cJSON_AddNumberToObject(x, "format_version", info->format_version);
    cJSON_AddNumberToObject(x, "norm_version", info->norm_version);
    cJSON_AddNumberToObject(x, "k", info->k);
    cJSON_AddNumberToObject(x, "w", info->w);
    cJSON_AddNumberToObject(x, "fp_bits", info->fp_bits);
    snprintf(seed, sizeof seed, "0x%016" PRIx64, info->seed);
    cJSON_AddStringToObject(x, "seed", seed);
    cJSON_AddNumberToObject(x, "documents", (double)info->documents);
    cJSON_AddNumberToObject(x, "authors", (double)info->authors);
    r = cJSON_AddObjectToObject(l, "rules");
    cJSON_AddStringToObject(r, "name", PV_CREDIT_RULES);
    cJSON_AddNumberToObject(r, "version", PV_CREDIT_RULES_VERSION);
    o = cJSON_AddObjectToObject(l, "options");
    cJSON_AddNumberToObject(o, "common", co->match.common);
    cJSON_AddNumberToObject(o, "min_tokens", co->match.min_tokens);
    cJSON_AddItemToObject(o, "min_strength", str_or_null(b->min_strength));
    cJSON_AddItemToObject(o, "pool",
                          str_or_null(pool ? (fmt_cents(b->pool, amt, sizeof amt), amt) : NULL));
    cJSON_AddStringToObject(o, "currency", currency);
    cJSON_AddStringToObject(o, "min_share", min_share);
    cJSON_AddBoolToObject(o, "jsonl", fields != NULL);
    cJSON_AddItemToObject(o, "fields", str_or_null(fields));
    t = cJSON_AddObjectToObject(l, "totals");
    cJSON_AddNumberToObject(t, "outputs", (double)b->outputs);
    cJSON_AddNumberToObject(t, "tokens", (double)b->tokens);
    cJSON_AddNumberToObject(t, "credited", (double)b->credited);
    cJSON_AddNumberToObject(t, "unallocated_tokens", (double)b->dust_tokens);
    for (i = 0; i < b->n; i++)
        if (b->cents[i] > 0)
            paid += b->cents[i];
    if (b->pool >= 0) {
        fmt_cents(b->pool - paid, amt, sizeof amt);
        cJSON_AddStringToObject(t, "unallocated_amount", amt);
    } else {
        cJSON_AddNullToObject(t, "unallocated_amount");
    }
    cJSON_AddNumberToObject(t, "weak_tokens", (double)b->weak_tokens);
    return l;
}

/* ---- --verify ---- */

static cJSON *read_json(const char *path, char *msg, size_t msgsz)
{
    char *buf = NULL;
    size_t len = 0;
    cJSON *j;

    if (pv_cli__read_input(path, LEDGER_LIMIT, &buf, &len, msg, msgsz) != 0)
        return NULL;
    j = cJSON_ParseWithLength(buf, len);
    free(buf);
    if (!j || !cJSON_IsObject(j)) {
        cJSON_Delete(j);
        snprintf(msg, msgsz, "'%s': not a JSON ledger", path);
        return NULL;
    }
    return j;
}

/* The first place where a (the ledger) and b (recomputed) differ, below path: its path and
 * both values (unformatted JSON, cut to 60 bytes each) into msg. Returns 0 when equal. */
static int first_diff(const cJSON *a, const cJSON *b, const char *path, char *msg, size_t msgsz)
{
    char sub[256], *sa, *sb;
    const cJSON *x;

    if (cJSON_Compare(a, b, 1))
        return 0;
    if (a && b && cJSON_IsObject(a) && cJSON_IsObject(b)) {
        cJSON_ArrayForEach(x, a)
        {
            snprintf(sub, sizeof sub, "%s.%s", path, x->string);
            if (first_diff(x, cJSON_GetObjectItemCaseSensitive(b, x->string), sub, msg, msgsz))
                return 1;
        }
        cJSON_ArrayForEach(x, b)
        {
            snprintf(sub, sizeof sub, "%s.%s", path, x->string);
            if (first_diff(NULL, x, sub, msg, msgsz))
                return 1;
        }
    } else if (a && b && cJSON_IsArray(a) && cJSON_IsArray(b)) {
        int i, na = cJSON_GetArraySize(a), nb = cJSON_GetArraySize(b);
        for (i = 0; i < na || i < nb; i++) {
            snprintf(sub, sizeof sub, "%s[%d]", path, i);
            if (first_diff(cJSON_GetArrayItem(a, i), cJSON_GetArrayItem(b, i), sub, msg, msgsz))
                return 1;
        }
    }
    sa = a ? cJSON_PrintUnformatted(a) : NULL;
    sb = b ? cJSON_PrintUnformatted(b) : NULL;
    snprintf(msg, msgsz, "%s is %.60s%s in the ledger, %.60s%s recomputed", path,
             sa ? sa : "absent", sa && strlen(sa) > 60 ? "..." : "", sb ? sb : "absent",
             sb && strlen(sb) > 60 ? "..." : "");
    cJSON_free(sa);
    cJSON_free(sb);
    return 1;
}

/* ---- the ledger, written as it is made ---- */

/* The ledger is never held whole (its evidence grows with the batch): it is made piece by
 * piece, each a small cJSON tree that is printed canonically (cJSON_PrintUnformatted) into
 * the SHA-256 and indented into the file, or, for --verify, compared with the given ledger
 * at the same place. The canonical bytes are those cJSON_PrintUnformatted gives for the
 * whole ledger without its digest, which is what --verify recomputes from the file. */
#define LW_DEPTH 4
typedef struct lw {
    EVP_MD_CTX *md;              /* SHA-256 of the canonical form, or NULL */
    FILE *out;                   /* the indented ledger, or NULL */
    int depth;                   /* containers open */
    int n[LW_DEPTH];             /* members or items written in each */
    const cJSON *want[LW_DEPTH]; /* --verify: the given ledger's node at each level */
    char path[LW_DEPTH][64];
    int verify;
    char label[300];  /* the entry or weak row being written, for messages */
    char diff[1024];  /* the first difference outside totals */
    char tdiff[1024]; /* the first difference in totals: named only when nothing else is */
} lw;

static void lw_raw(lw *w, const char *canon, const char *pretty)
{
    if (w->md)
        EVP_DigestUpdate(w->md, canon, strlen(canon));
    if (w->out)
        fputs(pretty, w->out);
}

/* Starts the next member (name) or item (name NULL) of the open container; the node the
 * given ledger has there, and its path, into *want and path. */
static void lw_next(lw *w, const char *name, const cJSON **want, char *path, size_t pathsz)
{
    const cJSON *up = w->want[w->depth - 1];
    const char *at = w->path[w->depth - 1];
    int i;

    lw_raw(w, w->n[w->depth - 1] ? "," : "", w->n[w->depth - 1] ? ",\n" : "\n");
    for (i = 0; i < w->depth; i++)
        lw_raw(w, "", "\t");
    if (name) {
        lw_raw(w, "\"", "\"");
        lw_raw(w, name, name);
        lw_raw(w, "\":", "\":\t");
        snprintf(path, pathsz, "%s%s%s", at, *at ? "." : "", name);
        *want = up ? cJSON_GetObjectItemCaseSensitive(up, name) : NULL;
    } else {
        snprintf(path, pathsz, "%s[%d]", at, w->n[w->depth - 1]);
        *want = up ? cJSON_GetArrayItem(up, w->n[w->depth - 1]) : NULL;
    }
    w->n[w->depth - 1]++;
}

static void lw_note(lw *w, const char *path, const char *what)
{
    int totals = strncmp(path, "totals", 6) == 0;
    char *d = totals ? w->tdiff : w->diff;
    if (!*d)
        snprintf(d, sizeof w->diff, "%s%s%s", totals ? "" : w->label, *w->label ? " differs: " : "",
                 what);
}

/* Writes (or compares) v as the next member name (NULL: item) and frees it; 0, or -1 when out
 * of memory. */
static int lw_value(lw *w, const char *name, cJSON *v)
{
    const cJSON *want;
    char path[128], what[700];
    char *canon = NULL, *pretty = NULL, *ind = NULL;
    size_t i, k, tabs = 0;
    int rc = -1;

    lw_next(w, name, &want, path, sizeof path);
    if (!v)
        goto done;
    if (w->verify) {
        if (first_diff(want, v, path, what, sizeof what))
            lw_note(w, path, what);
        rc = 0;
        goto done;
    }
    if (!(canon = cJSON_PrintUnformatted(v)) || !(pretty = cJSON_Print(v)))
        goto done;
    /* pretty was indented from column 0: every line after the first goes depth tabs in */
    for (i = 0; pretty[i]; i++)
        tabs += pretty[i] == '\n';
    if (!(ind = malloc(i + tabs * (size_t)w->depth + 1)))
        goto done;
    for (i = 0, k = 0; pretty[i]; i++) {
        ind[k++] = pretty[i];
        for (int t = 0; pretty[i] == '\n' && t < w->depth; t++)
            ind[k++] = '\t';
    }
    ind[k] = '\0';
    lw_raw(w, canon, ind);
    rc = 0;
done:
    free(ind);
    cJSON_free(canon);
    cJSON_free(pretty);
    cJSON_Delete(v);
    return rc;
}

/* Writes each member of obj in order, and frees obj. */
static int lw_members(lw *w, cJSON *obj)
{
    cJSON *m;
    int rc = obj ? 0 : -1;
    while (obj && (m = obj->child) != NULL && rc == 0) {
        cJSON_DetachItemViaPointer(obj, m);
        rc = lw_value(w, m->string, m);
    }
    cJSON_Delete(obj);
    return rc;
}

/* Opens an object ('{') or array ('[') as the next member name (NULL: item, or the root). */
static void lw_open(lw *w, const char *name, char br)
{
    char b[2] = {br, 0};
    const cJSON *want = w->want[0];

    assert(w->depth < LW_DEPTH);
    if (w->depth)
        lw_next(w, name, &want, w->path[w->depth], sizeof w->path[w->depth]);
    else
        w->path[0][0] = '\0';
    lw_raw(w, b, b);
    w->want[w->depth] = want;
    if (w->verify && !want) {
        char what[100];
        snprintf(what, sizeof what, "%s is not in the ledger", w->path[w->depth]);
        lw_note(w, w->path[w->depth], what);
    }
    w->n[w->depth++] = 0;
}

/* Closes the container opened last; at the root, the digest of the canonical form is written
 * as its last member. */
static void lw_close(lw *w, char br)
{
    char b[2] = {br, 0}, what[300], digest[72] = "";
    const cJSON *want = w->want[w->depth - 1];
    int i, n = w->n[w->depth - 1];

    if (w->verify && want && cJSON_GetArraySize(want) > n) {
        const cJSON *extra = cJSON_GetArrayItem(want, n);
        if (br == '}')
            snprintf(what, sizeof what, "%s%s%s is in the ledger, not recomputed",
                     w->path[w->depth - 1], *w->path[w->depth - 1] ? "." : "", extra->string);
        else
            snprintf(what, sizeof what, "%s[%d] is in the ledger, not recomputed",
                     w->path[w->depth - 1], n);
        lw_note(w, w->path[w->depth - 1], what);
    }
    w->depth--;
    lw_raw(w, b, "");
    if (w->depth == 0 && w->md) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned len = 0;
        EVP_DigestFinal_ex(w->md, md, &len);
        memcpy(digest, "sha256:", 7);
        hex(md, len, digest + 7);
        if (w->out)
            fprintf(w->out, ",\n\t\"digest\":\t\"%s\"", digest);
    }
    if (n || *digest) {
        lw_raw(w, "", "\n");
        for (i = 0; i < w->depth; i++)
            lw_raw(w, "", "\t");
    }
    lw_raw(w, "", b);
}

/* Writes (or compares) the whole ledger: the header members, the entries with their evidence
 * row by row, the weak rows; header is freed. 0, or -1 when out of memory. */
static int write_ledger(lw *w, const batch *b, cJSON *header)
{
    const pv_credit_payee *p;
    size_t i, j;
    int rc;

    lw_open(w, NULL, '{');
    rc = lw_members(w, header);
    lw_open(w, "entries", '[');
    for (i = 0; rc == 0 && i < b->n; i++) {
        /* named as the given ledger names it (--verify), else as recomputed */
        const cJSON *g = w->verify ? cJSON_GetArrayItem(w->want[w->depth - 1], (int)i) : NULL;
        const cJSON *gn = cJSON_GetObjectItemCaseSensitive(g, "name");
        const cJSON *ge = cJSON_GetObjectItemCaseSensitive(g, "email");
        const cJSON *gk = cJSON_GetObjectItemCaseSensitive(g, "kind");
        const char *name, *email;
        p = &b->p[i];
        name = !g                   ? pv_cli__payee_name(p)
               : cJSON_IsString(gn) ? gn->valuestring
               : cJSON_IsString(gk) ? gk->valuestring
                                    : "?";
        email = !g ? p->email : cJSON_IsString(ge) ? ge->valuestring : NULL;
        snprintf(w->label, sizeof w->label, "entry %zu (%.100s%s%.100s%s)", i + 1, name,
                 email ? " <" : "", email ? email : "", email ? ">" : "");
        lw_open(w, NULL, '{');
        rc = lw_members(w, entry_json(b, i));
        lw_open(w, "evidence", '[');
        for (j = 0; rc == 0 && j < p->nevidence; j++)
            rc = lw_value(w, NULL, evidence_json(cJSON_CreateObject(), &p->evidence[j]));
        lw_close(w, ']');
        lw_close(w, '}');
    }
    w->label[0] = '\0';
    lw_close(w, ']');
    lw_open(w, "weak", '[');
    for (i = 0; rc == 0 && i < b->nweak; i++) {
        const pv_credit_weak *k = &b->weak[i];
        snprintf(w->label, sizeof w->label, "weak span %zu (%.100s)", i + 1,
                 k->kind != PV_PAYEE_PERSON ? kind_name(k->kind)
                 : k->name                  ? k->name
                 : k->email                 ? k->email
                 : k->id                    ? k->id
                                            : "?");
        rc = lw_value(w, NULL, weak_json(k));
    }
    w->label[0] = '\0';
    lw_close(w, ']');
    lw_close(w, '}');
    return rc;
}

/* ---- the ledger's options: --verify recomputes with them ---- */

/* A number given as text ("0.25", "-2"): 0 and *v, or -1. */
static int parse_real(const char *s, double *v)
{
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    return errno || *end || end == s || !isfinite(*v) ? -1 : 0;
}

/* Whether the value given on the command line (str, or num for UINT options, or a flag) says
 * what the ledger's member m says. */
static int same_value(const pv_cli_opt *o, const pv_cli_val *v, const cJSON *m)
{
    double x, y;

    if (o->kind == PV_CLI_FLAG)
        return cJSON_IsTrue(m);
    if (o->kind == PV_CLI_UINT)
        return cJSON_IsNumber(m) && m->valuedouble == (double)v->num;
    if (!cJSON_IsString(m))
        return 0;
    if (strcmp(v->str, m->valuestring) == 0)
        return 1;
    if (strcmp(o->name, "pool") == 0)
        return parse_cents(v->str) >= 0 && parse_cents(v->str) == parse_cents(m->valuestring);
    if (strcmp(o->name, "min-share") == 0 || strcmp(o->name, "min-strength") == 0)
        return parse_real(v->str, &x) == 0 && parse_real(m->valuestring, &y) == 0 && x == y;
    return 0;
}

/* With --verify LEDGER -x INDEX OUTPUTS...: the run takes the options the ledger was made
 * with (its "options" member), so that a checker needs only the ledger, the index and the
 * outputs. An option also given on the command line must say the same (else a usage error
 * naming it). The values are borrowed from the ledger l. Returns 0 or an exit code. */
static int take_ledger_options(const char *path, cJSON *l, pv_cli_args *a)
{
    /* ledger member, option, and whether the member may be null (option not given) */
    static const struct {
        const char *member;
        int opt, nullable;
    } map[] = {
        {"common", OPT_COMMON, 0},
        {"min_tokens", OPT_MIN_TOKENS, 0},
        {"min_strength", OPT_MIN_STRENGTH, 1},
        {"pool", OPT_POOL, 1},
        {"currency", OPT_CURRENCY, 0},
        {"min_share", OPT_MIN_SHARE, 0},
        {"jsonl", OPT_JSONL, 0},
        {"fields", OPT_FIELD, 1},
    };
    cJSON *ver = cJSON_GetObjectItemCaseSensitive(l, "version");
    cJSON *o = cJSON_GetObjectItemCaseSensitive(l, "options");
    size_t i;

    if (!cJSON_IsNumber(ver) || ver->valuedouble != LEDGER_VERSION) {
        fprintf(stderr,
                "provscan: '%s': ledger version %g: this provscan recomputes version %d "
                "ledgers only\n",
                path, cJSON_IsNumber(ver) ? ver->valuedouble : 0.0, LEDGER_VERSION);
        return PV_EXIT_INPUT;
    }
    for (i = 0; i < sizeof map / sizeof *map; i++) {
        const pv_cli_opt *op = &opts[map[i].opt];
        pv_cli_val *v = &a->vals[map[i].opt];
        cJSON *m = cJSON_GetObjectItemCaseSensitive(o, map[i].member);
        int ok = op->kind == PV_CLI_FLAG ? cJSON_IsBool(m)
                 : op->kind == PV_CLI_UINT
                     ? cJSON_IsNumber(m) && m->valuedouble >= (double)op->min &&
                           m->valuedouble <= (double)op->max &&
                           m->valuedouble == (double)(uint64_t)m->valuedouble
                     : cJSON_IsString(m) || (map[i].nullable && cJSON_IsNull(m));
        if (!ok) {
            fprintf(stderr, "provscan: '%s': options.%s: missing or not a valid value\n", path,
                    map[i].member);
            return PV_EXIT_INPUT;
        }
        if (v->count && !same_value(op, v, m)) {
            char have[64];
            if (cJSON_IsNumber(m))
                snprintf(have, sizeof have, "%g", m->valuedouble);
            else
                snprintf(have, sizeof have, "%s",
                         cJSON_IsString(m) ? m->valuestring
                         : cJSON_IsBool(m) ? (cJSON_IsTrue(m) ? "true" : "false")
                                           : "null");
            return pv_cli__usage_error(&spec, "--%s%s%s contradicts the ledger: options.%s is %s",
                                       op->name, op->kind == PV_CLI_FLAG ? "" : " ",
                                       op->kind == PV_CLI_FLAG ? "" : v->str, map[i].member, have);
        }
        if (op->kind == PV_CLI_FLAG) {
            v->count = cJSON_IsTrue(m);
        } else if (op->kind == PV_CLI_UINT) {
            v->count = 1;
            v->num = (uint64_t)m->valuedouble;
        } else {
            v->count = cJSON_IsString(m);
            v->str = cJSON_IsString(m) ? m->valuestring : NULL;
        }
    }
    return 0;
}

static int check_digest(const char *path, cJSON *l)
{
    char d[72];
    cJSON *have = cJSON_GetObjectItemCaseSensitive(l, "digest");

    if (!cJSON_IsString(have)) {
        fprintf(stderr, "provscan: '%s': no digest\n", path);
        return PV_EXIT_INPUT;
    }
    if (ledger_digest(l, d) != 0) {
        fprintf(stderr, "provscan: out of memory\n");
        return PV_EXIT_INPUT;
    }
    if (strcmp(d, have->valuestring) != 0) {
        fprintf(stderr,
                "provscan: '%s': digest mismatch: the ledger says %s, its content gives %s\n", path,
                have->valuestring, d);
        return PV_EXIT_FINDINGS;
    }
    return PV_EXIT_OK;
}

/* Where matched outputs go: the credit, and the HTML report when there is one. */
typedef struct sink {
    pv_credit *cr;
    pv_cli_html *html; /* --format html: the page outputs are added to, or NULL */
} sink;

/* The batch runner hands every matched output here, in input order, so the ledger does not
 * depend on the number of threads. */
static int add_output(void *ctx, const pv_cli_output *it, const pv_result *res)
{
    sink *k = ctx;
    pv_err err = {0, ""};
    int r = pv_credit_add_result(k->cr, it->name, res, &err);

    if (r < 0) {
        pv_cli__lib_error(&err, r);
        return PV_EXIT_INPUT;
    }
    if (k->html && pv_cli__html_output(k->html, it->name, it->text, it->len, res) != 0) {
        fprintf(stderr,
                "provscan: '%s': out of memory or a write error on the HTML report's "
                "spool\n",
                it->name);
        return PV_EXIT_INPUT;
    }
    return 0;
}

int pv_cli__cmd_credit(int argc, char **argv)
{
    pv_cli_args a;
    pv_index *ix = NULL;
    pv_index_info info;
    pv_credit *cr = NULL;
    pv_credit_opts co = PV_CREDIT_OPTS_INIT;
    pv_cli_outputs *in = NULL;
    pv_cli_outputs_opts oo;
    pv_cli_batch run = {0};
    sink sk = {NULL, NULL};
    pv_err err = {0, ""};
    batch b;
    cJSON *given = NULL;
    FILE *out = stdout;
    const char *fmt, *verify, *currency, *min_share_s, *fields = NULL;
    char msg[4200], index_sha[65];
    double min_share = 0;
    int r, digest_rc = PV_EXIT_OK, rc = pv_cli__parse(&spec, argc, argv, &a);

    memset(&b, 0, sizeof b);
    b.pool = -1;
    if (rc) {
        rc = rc == PV_CLI_HELP_SHOWN ? PV_EXIT_OK : rc;
        goto done;
    }
    fmt = a.vals[OPT_FORMAT].str ? a.vals[OPT_FORMAT].str : "text";
    verify = a.vals[OPT_VERIFY].str;
    if (verify) {
        if (!(given = read_json(verify, msg, sizeof msg))) {
            fprintf(stderr, "provscan: %s\n", msg);
            rc = PV_EXIT_INPUT;
            goto done;
        }
        /* a digest that does not hold is reported; with -x and outputs, the recomputation
         * then names what was changed */
        digest_rc = check_digest(verify, given);
        if (digest_rc == PV_EXIT_INPUT || !a.vals[OPT_INDEX].count) {
            if (digest_rc == PV_EXIT_OK)
                printf("%s: digest ok\n", verify);
            rc = digest_rc;
            goto done;
        }
        if ((rc = take_ledger_options(verify, given, &a)) != 0)
            goto done;
    }
    currency = a.vals[OPT_CURRENCY].str ? a.vals[OPT_CURRENCY].str : "EUR";
    min_share_s = a.vals[OPT_MIN_SHARE].str ? a.vals[OPT_MIN_SHARE].str : "0";
    if (a.vals[OPT_JSONL].count)
        fields = a.vals[OPT_FIELD].str ? a.vals[OPT_FIELD].str : opts[OPT_FIELD].def;
    if (!a.vals[OPT_INDEX].count) {
        rc = pv_cli__usage_error(&spec, "missing -x INDEX");
        goto done;
    }
    if (a.npos == 0 && !a.vals[OPT_FILES_FROM].str) {
        rc = pv_cli__usage_error(&spec, "no outputs given");
        goto done;
    }
    if (a.vals[OPT_POOL].str && (b.pool = parse_cents(a.vals[OPT_POOL].str)) < 0) {
        rc = pv_cli__usage_error(&spec, "--pool: not an amount: '%s'", a.vals[OPT_POOL].str);
        goto done;
    }
    if (parse_real(min_share_s, &min_share) != 0 || !(min_share >= 0 && min_share <= 1)) {
        rc = pv_cli__usage_error(&spec, "--min-share: not a share in 0..1: '%s'", min_share_s);
        goto done;
    }
    if ((b.min_strength = a.vals[OPT_MIN_STRENGTH].str) != NULL) {
        if (parse_real(b.min_strength, &co.min_strength) != 0) {
            rc = pv_cli__usage_error(&spec, "--min-strength: not a number: '%s'", b.min_strength);
            goto done;
        }
        co.use_min_strength = 1;
    }
    if (a.vals[OPT_COMMON].count)
        co.match.common = (uint32_t)a.vals[OPT_COMMON].num;
    if (a.vals[OPT_MIN_TOKENS].count)
        co.match.min_tokens = (uint32_t)a.vals[OPT_MIN_TOKENS].num;
    r = pv_index_open(&ix, a.vals[OPT_INDEX].str, &err);
    if (r < 0) {
        pv_cli__lib_error(&err, r);
        rc = PV_EXIT_INPUT;
        goto done;
    }
    pv_index_get_info(ix, &info);
    if (sha256_file(a.vals[OPT_INDEX].str, index_sha) != 0) {
        fprintf(stderr, "provscan: cannot hash '%s'\n", a.vals[OPT_INDEX].str);
        rc = PV_EXIT_INPUT;
        goto done;
    }
    oo = pv_cli__outputs_opts_of(&a, OPT_FILES_FROM);
    if ((r = pv_cli__outputs_open(&oo, &in, msg, sizeof msg)) != 0) {
        fprintf(stderr, "provscan: %s\n", msg);
        rc = r == -2 ? PV_EXIT_USAGE : PV_EXIT_INPUT;
        goto done;
    }
    if ((r = pv_credit_new(ix, &co, &cr, &err)) < 0) {
        pv_cli__lib_error(&err, r);
        rc = PV_EXIT_INPUT;
        goto done;
    }
    run.ix = ix;
    run.mo = &co.match;
    run.jobs = pv_cli__jobs(a.vals[OPT_JOBS].count ? a.vals[OPT_JOBS].num : 0);
    run.stop_on_error = 1; /* a ledger without one of its outputs is not the batch's */
    run.fn = add_output;
    sk.cr = cr;
    run.ctx = &sk;
    if (!verify && strcmp(fmt, "html") == 0 &&
        pv_cli__html_begin("credit", a.vals[OPT_INDEX].str, &info, &sk.html, msg, sizeof msg) !=
            0) {
        fprintf(stderr, "provscan: %s\n", msg);
        rc = PV_EXIT_INPUT;
        goto done;
    }
    if ((rc = pv_cli__batch_run(in, &run)) != 0)
        goto done;
    if ((r = pv_credit_payees(cr, &b.p, &b.n, &err)) < 0) {
        pv_cli__lib_error(&err, r);
        rc = PV_EXIT_INPUT;
        goto done;
    }
    pv_credit_totals(cr, &b.outputs, &b.tokens, &b.credited);
    pv_credit_weak_spans(cr, &b.weak, &b.nweak, &b.weak_tokens);
    if (split_pool(&b, min_share) != 0) {
        fprintf(stderr, "provscan: out of memory\n");
        rc = PV_EXIT_INPUT;
        goto done;
    }
    if (verify) {
        lw w;
        memset(&w, 0, sizeof w);
        w.verify = 1;
        w.want[0] = given;
        cJSON_DeleteItemFromObjectCaseSensitive(given, "digest"); /* checked above */
        if (write_ledger(&w, &b,
                         ledger_header(&b, index_sha, &info, &co, a.vals[OPT_POOL].str, currency,
                                       min_share_s, fields)) != 0) {
            fprintf(stderr, "provscan: out of memory\n");
            rc = PV_EXIT_INPUT;
        } else if (*w.diff || *w.tdiff) {
            fprintf(stderr, "provscan: '%s': not the recomputed ledger: %s\n", verify,
                    *w.diff ? w.diff : w.tdiff);
            rc = PV_EXIT_FINDINGS;
        } else if (digest_rc != PV_EXIT_OK) {
            /* the same content under another digest: only the digest was changed */
            fprintf(stderr,
                    "provscan: '%s': its content is the recomputed ledger's, its digest "
                    "is not\n",
                    verify);
            rc = PV_EXIT_FINDINGS;
        } else {
            printf("%s: digest ok, identical to the recomputed ledger\n", verify);
            rc = PV_EXIT_OK;
        }
        goto done;
    }
    if (a.vals[OPT_OUTPUT].str && !(out = fopen(a.vals[OPT_OUTPUT].str, "w"))) {
        fprintf(stderr, "provscan: cannot write '%s': %s\n", a.vals[OPT_OUTPUT].str,
                strerror(errno));
        out = stdout;
        rc = PV_EXIT_INPUT;
        goto done;
    }
    if (strcmp(fmt, "json") == 0) {
        lw w;
        memset(&w, 0, sizeof w);
        w.out = out;
        if (!(w.md = EVP_MD_CTX_new()) || !EVP_DigestInit_ex(w.md, EVP_sha256(), NULL) ||
            write_ledger(&w, &b,
                         ledger_header(&b, index_sha, &info, &co, a.vals[OPT_POOL].str, currency,
                                       min_share_s, fields)) != 0) {
            EVP_MD_CTX_free(w.md);
            fprintf(stderr, "provscan: out of memory\n");
            rc = PV_EXIT_INPUT;
            goto done;
        }
        EVP_MD_CTX_free(w.md);
        fputc('\n', out);
    } else if (sk.html) {
        pv_cli_html_credit hc = {b.p,
                                 b.n,
                                 b.pool >= 0 ? b.cents : NULL,
                                 b.dust,
                                 b.pool,
                                 currency,
                                 b.outputs,
                                 b.tokens,
                                 b.credited,
                                 b.min_strength,
                                 b.weak,
                                 b.nweak,
                                 b.weak_tokens};
        if (pv_cli__html_end(sk.html, &hc, out) != 0 && !ferror(out)) {
            fprintf(stderr, "provscan: the HTML report: out of memory or a read error on its "
                            "spool\n");
            rc = PV_EXIT_INPUT;
            goto done;
        }
    } else if (strcmp(fmt, "csv") == 0) {
        print_csv(out, &b);
    } else {
        print_text(out, &b, currency);
    }
    if (out != stdout) {
        rc = fclose(out) == 0 ? PV_EXIT_OK : PV_EXIT_INPUT;
        if (rc)
            fprintf(stderr, "provscan: write error on '%s'\n", a.vals[OPT_OUTPUT].str);
        out = stdout;
    } else {
        rc = pv_cli__finish_stdout();
    }
done:
    pv_cli__html_free(sk.html);
    if (out != stdout)
        fclose(out);
    cJSON_Delete(given);
    free(b.cents);
    free(b.dust);
    pv_credit_free(cr);
    pv_cli__outputs_free(in);
    pv_index_free(ix);
    pv_cli__args_free(&a);
    return rc;
}
