/*
 * cmd_credit.c - `provscan credit`: match a batch of outputs against an index, count the
 * credited tokens per payee over the whole batch (pv_credit_*), split a pool in cents, and
 * print text, CSV or the JSON ledger (with its SHA-256 digest); --verify checks a ledger.
 */
#define _POSIX_C_SOURCE 200809L
#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"

#define INPUT_LIMIT ((size_t)64 << 20) /* bytes of one output */
#define LEDGER_FORMAT "provscan-credit-ledger"
#define LEDGER_VERSION 1

enum {
    OPT_INDEX,
    OPT_FILES_FROM,
    OPT_JSONL,
    OPT_FIELD,
    OPT_STRICT,
    OPT_FORMAT,
    OPT_POOL,
    OPT_CURRENCY,
    OPT_MIN_SHARE,
    OPT_COMMON,
    OPT_MIN_TOKENS,
    OPT_JOBS,
    OPT_OUTPUT,
    OPT_VERIFY,
    NOPTS
};

static const pv_cli_opt opts[NOPTS] = {
    [OPT_INDEX] = {"index", 'x', "INDEX", PV_CLI_STRING, 0, 0, NULL,
                   "the index to attribute against (required, but with --verify alone)"},
    [OPT_FILES_FROM] = {"files-from", 0, "FILE", PV_CLI_STRING, 0, 0, NULL,
                        "read more output paths from FILE, one per line (- for stdin)"},
    [OPT_JSONL] = {"jsonl", 0, NULL, PV_CLI_FLAG, 0, 0, NULL,
                   "every output file is JSON lines (.gz, .zst too), one output a line"},
    [OPT_FIELD] = {"field", 0, "text=F,id=G", PV_CLI_STRING, 0, 0, "text=text,id=id",
                   "with --jsonl: the members holding the text and the id (a.b for nested)"},
    [OPT_STRICT] = {"strict", 0, NULL, PV_CLI_FLAG, 0, 0, NULL,
                    "stop at the first bad JSON lines record (exit 3) instead of skipping it"},
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
    [OPT_JOBS] = {"jobs", 'j', "N", PV_CLI_UINT, 1, 64, "1",
                  "match N outputs at once (files; --jsonl reads one at a time); the ledger "
                  "is the same for every N"},
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

static int sha256_file(const char *path, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE], buf[1 << 16];
    unsigned n = 0;
    size_t r;
    int rc = -1;
    FILE *f = fopen(path, "rb");
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

    if (!*p)
        return -1;
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
    int64_t pool; /* cents, -1 without --pool */
} batch;

/* Split pool cents among persons at or over min_share by their tokens: floor of the exact
 * amount first, then one cent each by largest remainder (ties: the payee order). */
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
            continue;
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

static void print_text(FILE *f, const batch *b, const char *currency)
{
    size_t i, j;
    char sh[32], amt[32];

    fprintf(f, "%" PRIu64 " outputs, %" PRIu64 " tokens, %" PRIu64 " credited to persons\n\n",
            b->outputs, b->tokens, b->credited);
    for (i = 0; i < b->n; i++) {
        const pv_credit_payee *p = &b->p[i];
        share_str(p, sh, sizeof sh);
        pv_cli__put_payee(f, pv_cli__put_raw, p);
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
            const pv_credit_evidence *e = &p->evidence[j];
            fprintf(f, "  %s:%u-%u  %s:%u-%u", e->output_id, e->line_start, e->line_end,
                    e->locator ? e->locator : "?", e->src_line_start, e->src_line_end);
            if (e->commit)
                fprintf(f, " @ %.12s", e->commit);
            fprintf(f, "  %" PRIu64 " tokens", e->tokens);
            if (e->url)
                fprintf(f, "  %s", e->url);
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
}

static void csv_field(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
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
        csv_field(f, pv_cli__payee_name(p));
        fputc(',', f);
        csv_field(f, ids);
        fprintf(f, ",%" PRIu64 ",%s,%s,%zu,%zu\n", p->tokens, sh, amt, p->outputs, p->spans);
    }
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

static cJSON *entry_json(const batch *b, size_t i)
{
    const pv_credit_payee *p = &b->p[i];
    cJSON *o = cJSON_CreateObject(), *ev = cJSON_CreateArray();
    char sh[32], amt[32];
    size_t j;

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
    for (j = 0; j < p->nevidence; j++) {
        const pv_credit_evidence *e = &p->evidence[j];
        cJSON *r = cJSON_CreateObject();
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
        cJSON_AddItemToArray(ev, r);
    }
    cJSON_AddItemToObject(o, "evidence", ev);
    return o;
}

static cJSON *ledger_json(const batch *b, const char *index_sha, const pv_index_info *info,
                          const pv_credit_opts *co, const char *pool, const char *currency,
                          const char *min_share)
{
    cJSON *l = cJSON_CreateObject(), *x, *r, *o, *t, *en;
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
    cJSON_AddItemToObject(o, "pool",
                          str_or_null(pool ? (fmt_cents(b->pool, amt, sizeof amt), amt) : NULL));
    cJSON_AddStringToObject(o, "currency", currency);
    cJSON_AddStringToObject(o, "min_share", min_share);
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
    en = cJSON_AddArrayToObject(l, "entries");
    for (i = 0; i < b->n; i++)
        cJSON_AddItemToArray(en, entry_json(b, i));
    return l;
}

/* ---- --verify ---- */

static cJSON *read_json(const char *path, char *msg, size_t msgsz)
{
    char *buf = NULL;
    size_t len = 0;
    cJSON *j;

    if (pv_cli__read_input(path, INPUT_LIMIT, &buf, &len, msg, msgsz) != 0)
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

/* Names the first difference between two ledgers into msg; returns 0 when identical. */
static int compare_ledgers(cJSON *want, cJSON *got, char *msg, size_t msgsz)
{
    static const char *header[] = {"format", "version", "index", "rules", "options", "totals"};
    cJSON *we = cJSON_GetObjectItemCaseSensitive(want, "entries");
    cJSON *ge = cJSON_GetObjectItemCaseSensitive(got, "entries");
    int i, nw, ng;

    for (i = 0; i < (int)(sizeof header / sizeof *header); i++)
        if (!cJSON_Compare(cJSON_GetObjectItemCaseSensitive(want, header[i]),
                           cJSON_GetObjectItemCaseSensitive(got, header[i]), 1)) {
            snprintf(msg, msgsz, "the ledger's \"%s\" differs", header[i]);
            return 1;
        }
    nw = cJSON_GetArraySize(we);
    ng = cJSON_GetArraySize(ge);
    for (i = 0; i < nw || i < ng; i++) {
        cJSON *a = cJSON_GetArrayItem(we, i), *b = cJSON_GetArrayItem(ge, i);
        if (!a || !b || !cJSON_Compare(a, b, 1)) {
            cJSON *nm = cJSON_GetObjectItemCaseSensitive(a ? a : b, "name");
            cJSON *em = cJSON_GetObjectItemCaseSensitive(a ? a : b, "email");
            snprintf(msg, msgsz, "entry %d (%s <%s>) differs%s", i + 1,
                     cJSON_IsString(nm) ? nm->valuestring : "-",
                     cJSON_IsString(em) ? em->valuestring : "-",
                     !a   ? ": not in the ledger"
                     : !b ? ": not in the recomputed ledger"
                          : "");
            return 1;
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

/* A window of file outputs matched on several threads, then added in input order, so the
 * ledger does not depend on the number of threads. */
typedef struct window {
    const pv_index *ix;
    const pv_match_opts *mo;
    size_t n, jobs;
    const char *path[64];
    char *text[64];
    size_t len[64];
    pv_result *res[64];
    int rc[64];
    pv_err err[64];
    pv_cli_html *html; /* --format html: the page outputs are added to, or NULL */
} window;

/* Add output id's result to the HTML report, when there is one; 0 or PV_EIO with err. */
static int add_html(const window *w, const char *id, const char *text, size_t len,
                    const pv_result *res, pv_err *err)
{
    if (!w->html || pv_cli__html_output(w->html, id, text, len, res) == 0)
        return 0;
    snprintf(err->msg, sizeof err->msg,
             "'%s': out of memory or a write error on the HTML "
             "report's spool",
             id);
    return PV_EIO;
}

typedef struct worker {
    window *w;
    size_t t;
} worker;

static void *match_some(void *arg)
{
    worker *k = arg;
    for (size_t i = k->t; i < k->w->n; i += k->w->jobs)
        k->w->rc[i] = pv_match_run(k->w->ix, k->w->text[i], k->w->len[i], k->w->mo, &k->w->res[i],
                                   &k->w->err[i]);
    return NULL;
}

/* Match the window's outputs on w->jobs threads and add them in order; 0 or an exit code. */
static int flush_window(window *w, pv_credit *cr)
{
    pthread_t th[64];
    worker wk[64];
    size_t t, started = 0, i;
    int rc = 0, r;

    for (t = 1; t < w->jobs && t < w->n; t++) {
        wk[t] = (worker){w, t};
        if (pthread_create(&th[t], NULL, match_some, &wk[t]) != 0)
            break;
        started = t;
    }
    /* this thread takes slot 0, and the slots of threads that did not start */
    wk[0] = (worker){w, 0};
    for (i = 0; i < w->n; i++)
        if (i % w->jobs == 0 || i % w->jobs > started)
            w->rc[i] = pv_match_run(w->ix, w->text[i], w->len[i], w->mo, &w->res[i], &w->err[i]);
    for (t = 1; t <= started; t++)
        pthread_join(th[t], NULL);
    for (i = 0; i < w->n; i++) {
        if (!rc && w->rc[i] < 0) {
            pv_cli__lib_error(&w->err[i], w->rc[i]);
            rc = PV_EXIT_INPUT;
        }
        if (!rc &&
            ((r = pv_credit_add_result(cr, w->path[i], w->res[i], &w->err[i])) < 0 ||
             (r = add_html(w, w->path[i], w->text[i], w->len[i], w->res[i], &w->err[i])) < 0)) {
            pv_cli__lib_error(&w->err[i], r);
            rc = PV_EXIT_INPUT;
        }
        pv_result_free(w->res[i]);
        free(w->text[i]);
        w->res[i] = NULL;
        w->text[i] = NULL;
    }
    w->n = 0;
    return rc;
}

/* Credit every record of one JSON lines file; bad records are named on stderr and counted in
 * *bad, or stop the run with strict. Returns 0 or an exit code. */
static int credit_jsonl(pv_credit *cr, const window *w, const char *path, const char *fields,
                        int strict, uint64_t *bad)
{
    pv_cli_jsonl *j = NULL;
    const char *id, *text;
    size_t len;
    char msg[4400];
    pv_err err = {0, ""};
    int r, rc = 0;

    r = pv_cli__jsonl_open(path, fields, &j, msg, sizeof msg);
    if (r < 0) {
        fprintf(stderr, "provscan: %s\n", msg);
        return r == -2 ? PV_EXIT_USAGE : PV_EXIT_INPUT;
    }
    while ((r = pv_cli__jsonl_next(j, &id, &text, &len, msg, sizeof msg)) != 0) {
        if (r == -2) {
            fprintf(stderr, "provscan: %s\n", msg);
            (*bad)++;
            if (strict) {
                rc = PV_EXIT_INPUT;
                break;
            }
            continue;
        }
        if (r < 0) {
            fprintf(stderr, "provscan: %s\n", msg);
            rc = PV_EXIT_INPUT;
            break;
        }
        if (w->html) { /* the report needs the result too */
            pv_result *res = NULL;
            if ((r = pv_match_run(w->ix, text, len, w->mo, &res, &err)) == 0 &&
                (r = pv_credit_add_result(cr, id, res, &err)) == 0)
                r = add_html(w, id, text, len, res, &err);
            pv_result_free(res);
        } else {
            r = pv_credit_add(cr, id, text, len, &err);
        }
        if (r < 0) {
            pv_cli__lib_error(&err, r);
            rc = PV_EXIT_INPUT;
            break;
        }
    }
    pv_cli__jsonl_close(j);
    return rc;
}

int pv_cli__cmd_credit(int argc, char **argv)
{
    pv_cli_args a;
    pv_index *ix = NULL;
    pv_index_info info;
    pv_credit *cr = NULL;
    pv_credit_opts co = PV_CREDIT_OPTS_INIT;
    pv_cli_inputs *in = NULL;
    pv_err err = {0, ""};
    batch b;
    cJSON *ledger = NULL, *given = NULL;
    FILE *out = stdout;
    const char *path, *fmt, *verify, *currency, *min_share_s;
    char msg[1024], index_sha[65];
    double min_share = 0;
    uint64_t bad = 0;
    window *win = NULL;
    int r, rc = pv_cli__parse(&spec, argc, argv, &a);

    memset(&b, 0, sizeof b);
    b.pool = -1;
    if (rc) {
        rc = rc == PV_CLI_HELP_SHOWN ? PV_EXIT_OK : rc;
        goto done;
    }
    fmt = a.vals[OPT_FORMAT].str ? a.vals[OPT_FORMAT].str : "text";
    verify = a.vals[OPT_VERIFY].str;
    currency = a.vals[OPT_CURRENCY].str ? a.vals[OPT_CURRENCY].str : "EUR";
    min_share_s = a.vals[OPT_MIN_SHARE].str ? a.vals[OPT_MIN_SHARE].str : "0";
    if (verify) {
        if (!(given = read_json(verify, msg, sizeof msg))) {
            fprintf(stderr, "provscan: %s\n", msg);
            rc = PV_EXIT_INPUT;
            goto done;
        }
        rc = check_digest(verify, given);
        if (rc != PV_EXIT_OK || !a.vals[OPT_INDEX].count) {
            if (rc == PV_EXIT_OK)
                printf("%s: digest ok\n", verify);
            goto done;
        }
    }
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
    {
        char *end;
        errno = 0;
        min_share = strtod(min_share_s, &end);
        if (errno || *end || end == min_share_s || !(min_share >= 0 && min_share <= 1)) {
            rc = pv_cli__usage_error(&spec, "--min-share: not a share in 0..1: '%s'", min_share_s);
            goto done;
        }
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
    if (pv_cli__inputs_new(a.pos, a.npos, a.vals[OPT_FILES_FROM].str, &in, msg, sizeof msg)) {
        fprintf(stderr, "provscan: %s\n", msg);
        rc = PV_EXIT_INPUT;
        goto done;
    }
    if ((r = pv_credit_new(ix, &co, &cr, &err)) < 0) {
        pv_cli__lib_error(&err, r);
        rc = PV_EXIT_INPUT;
        goto done;
    }
    win = calloc(1, sizeof *win);
    if (!win) {
        fprintf(stderr, "provscan: out of memory\n");
        rc = PV_EXIT_INPUT;
        goto done;
    }
    win->ix = ix;
    win->mo = &co.match;
    win->jobs = a.vals[OPT_JOBS].count ? (size_t)a.vals[OPT_JOBS].num : 1;
    if (!verify && strcmp(fmt, "html") == 0 &&
        pv_cli__html_begin("credit", a.vals[OPT_INDEX].str, &info, &win->html, msg, sizeof msg) !=
            0) {
        fprintf(stderr, "provscan: %s\n", msg);
        rc = PV_EXIT_INPUT;
        goto done;
    }
    while ((path = pv_cli__inputs_next(in))) {
        if (a.vals[OPT_JSONL].count) {
            rc = credit_jsonl(cr, win, path, a.vals[OPT_FIELD].str, a.vals[OPT_STRICT].count > 0,
                              &bad);
            if (rc)
                goto done;
            continue;
        }
        win->path[win->n] = path;
        if (pv_cli__read_input(path, INPUT_LIMIT, &win->text[win->n], &win->len[win->n], msg,
                               sizeof msg) != 0) {
            fprintf(stderr, "provscan: %s\n", msg);
            rc = PV_EXIT_INPUT;
            goto done;
        }
        /* a window of a few outputs per thread, so memory stays bounded */
        if (++win->n == sizeof win->text / sizeof *win->text || win->n == 4 * win->jobs)
            if ((rc = flush_window(win, cr)) != 0)
                goto done;
    }
    if ((rc = flush_window(win, cr)) != 0)
        goto done;
    if (bad)
        fprintf(stderr, "provscan: %" PRIu64 " bad record%s skipped\n", bad, bad == 1 ? "" : "s");
    if ((r = pv_credit_payees(cr, &b.p, &b.n, &err)) < 0) {
        pv_cli__lib_error(&err, r);
        rc = PV_EXIT_INPUT;
        goto done;
    }
    pv_credit_totals(cr, &b.outputs, &b.tokens, &b.credited);
    if (split_pool(&b, min_share) != 0) {
        fprintf(stderr, "provscan: out of memory\n");
        rc = PV_EXIT_INPUT;
        goto done;
    }
    if (verify || strcmp(fmt, "json") == 0) {
        char d[72];
        ledger =
            ledger_json(&b, index_sha, &info, &co, a.vals[OPT_POOL].str, currency, min_share_s);
        if (!ledger || ledger_digest(ledger, d) != 0) {
            fprintf(stderr, "provscan: out of memory\n");
            rc = PV_EXIT_INPUT;
            goto done;
        }
        cJSON_AddStringToObject(ledger, "digest", d);
    }
    if (verify) {
        if (compare_ledgers(given, ledger, msg, sizeof msg)) {
            fprintf(stderr, "provscan: '%s': not the recomputed ledger: %s\n", verify, msg);
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
    if (ledger) {
        char *s = cJSON_Print(ledger);
        if (!s) {
            fprintf(stderr, "provscan: out of memory\n");
            rc = PV_EXIT_INPUT;
            goto done;
        }
        fputs(s, out);
        fputc('\n', out);
        cJSON_free(s);
    } else if (win->html) {
        pv_cli_html_credit hc = {b.p,       b.n,      b.pool >= 0 ? b.cents : NULL,
                                 b.dust,    b.pool,   currency,
                                 b.outputs, b.tokens, b.credited};
        if (pv_cli__html_end(win->html, &hc, out) != 0 && !ferror(out)) {
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
    if (win) {
        for (size_t i = 0; i < win->n; i++)
            free(win->text[i]);
        pv_cli__html_free(win->html);
        free(win);
    }
    if (out != stdout)
        fclose(out);
    cJSON_Delete(ledger);
    cJSON_Delete(given);
    free(b.cents);
    free(b.dust);
    pv_credit_free(cr);
    pv_cli__inputs_free(in);
    pv_index_free(ix);
    pv_cli__args_free(&a);
    return rc;
}
