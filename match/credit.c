/*
 * credit.c - the credit ledger over a batch: each output is matched (pv_match_run), its
 * credited runs are dealt to payees in whole tokens and summed over the batch, with one
 * evidence row per span and payee; spans under --min-strength are listed apart and earn
 * nothing. Sits after match.c in the data flow; prints nothing.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "common_int.h"
#include "provscan.h"

typedef struct payee {
    pv_credit_payee pub;
    pv_credit_evidence *ev;
    size_t nev, cap;
    size_t last_output; /* to count distinct outputs: output index + 1 of the last row */
} payee;

struct pv_credit {
    const pv_index *ix;
    pv_credit_opts opts;
    payee *payees;
    size_t npayees, cap;
    pv_idtab tab;          /* the payees by payee_hash */
    pv_credit_payee *view; /* sorted copy handed out by pv_credit_payees */
    pv_credit_weak *weak;  /* rows of spans under min_strength, in the order added */
    size_t nweak, cap_weak;
    uint64_t outputs, tokens, credited, weak_tokens;
};

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static int str_eq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

static int str_cmp(const char *a, const char *b)
{
    if (!a || !b)
        return a ? 1 : b ? -1 : 0;
    return strcmp(a, b);
}

int pv_credit_new(const pv_index *ix, const pv_credit_opts *opts, pv_credit **out, pv_err *err)
{
    pv_credit_opts def = PV_CREDIT_OPTS_INIT;
    pv_credit *c;

    *out = NULL;
    c = calloc(1, sizeof *c);
    if (!c)
        return pv_err__set(err, PV_ENOMEM, "credit: out of memory");
    c->ix = ix;
    c->opts = opts ? *opts : def;
    *out = c;
    return 0;
}

/* A payee's key: its kind, and for a person name, email and id (NULL apart from ""). */
static uint64_t payee_hash(pv_payee_kind kind, const pv_span_credit *sc)
{
    uint64_t h = pv_hash64(&kind, sizeof kind, 0);
    if (kind == PV_PAYEE_PERSON) {
        const char *f[3] = {sc->name, sc->email, sc->id};
        for (int i = 0; i < 3; i++)
            h = f[i] ? pv_hash64(f[i], strlen(f[i]), h) : h * 0x9E3779B97F4A7C15u + 1;
    }
    return h;
}

/* A payee's key: its kind and sc (the person's name, email and id). */
typedef struct payee_key {
    pv_payee_kind kind;
    const pv_span_credit *sc;
} payee_key;

static int same_payee(const void *ctx, uint32_t i, const void *key)
{
    const payee *p = &((const pv_credit *)ctx)->payees[i];
    const payee_key *k = key;
    return p->pub.kind == k->kind &&
           (k->kind != PV_PAYEE_PERSON ||
            (str_eq(p->pub.name, k->sc->name) && str_eq(p->pub.email, k->sc->email) &&
             str_eq(p->pub.id, k->sc->id)));
}

/* The payee of kind (and sc's person), added when it is new; NULL when memory runs out. */
static payee *find_payee(pv_credit *c, pv_payee_kind kind, const pv_span_credit *sc)
{
    uint64_t h = payee_hash(kind, sc);
    payee_key k = {kind, sc};
    uint32_t i;
    payee *p;

    if (pv_idtab__get(&c->tab, h, same_payee, c, &k, &i))
        return &c->payees[i];
    if (c->npayees == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 16;
        payee *np = realloc(c->payees, ncap * sizeof *np);
        if (!np)
            return NULL;
        c->payees = np;
        c->cap = ncap;
    }
    p = &c->payees[c->npayees];
    memset(p, 0, sizeof *p);
    p->pub.kind = kind;
    if (kind == PV_PAYEE_PERSON) {
        p->pub.name = dup_or_null(sc->name);
        p->pub.email = dup_or_null(sc->email);
        p->pub.id = dup_or_null(sc->id);
        if ((sc->name && !p->pub.name) || (sc->email && !p->pub.email) || (sc->id && !p->pub.id)) {
            free((char *)p->pub.name);
            free((char *)p->pub.email);
            free((char *)p->pub.id);
            return NULL;
        }
    }
    if (pv_idtab__add(&c->tab, h, (uint32_t)c->npayees)) {
        free((char *)p->pub.name);
        free((char *)p->pub.email);
        free((char *)p->pub.id);
        return NULL;
    }
    c->npayees++;
    return p;
}

static const pv_source_ref *origin_row(const pv_span *s)
{
    size_t i;

    for (i = 0; i < s->nsources; i++)
        if (s->sources[i].origin)
            return &s->sources[i];
    return s->nsources ? &s->sources[0] : NULL;
}

static pv_payee_kind kind_of(const pv_span_credit *sc)
{
    return sc->before                        ? PV_PAYEE_BEFORE
           : sc->name || sc->email || sc->id ? PV_PAYEE_PERSON
                                             : PV_PAYEE_UNKNOWN;
}

/* Fill e, zeroed, with the evidence of tokens of span s credited by sc in the current output:
 * the origin row's locator and lines, the commit that wrote them. 0 or PV_ENOMEM (e keeps what
 * it has; the ledger frees it). */
static int fill_evidence(pv_credit_evidence *e, const pv_credit *c, const char *output_id,
                         const pv_span *s, const pv_span_credit *sc, uint64_t tokens)
{
    const pv_source_ref *src = origin_row(s);

    e->output = (size_t)c->outputs;
    e->output_id = strdup(output_id ? output_id : "");
    e->line_start = sc->line_start;
    e->line_end = sc->line_end;
    e->tok_start = sc->tok_start;
    e->tok_end = sc->tok_end;
    if (src) {
        e->source = dup_or_null(src->source);
        e->locator = dup_or_null(src->locator);
        e->url = dup_or_null(src->url);
        e->commit = dup_or_null(src->commit);
        e->src_line_start = src->line_start;
        e->src_line_end = src->line_end;
    }
    e->first_commit = dup_or_null(sc->commit);
    e->tokens = tokens;
    e->strength = s->strength;
    if (!e->output_id || (sc->commit && !e->first_commit) ||
        (src && ((src->source && !e->source) || (src->locator && !e->locator) ||
                 (src->url && !e->url) || (src->commit && !e->commit))))
        return PV_ENOMEM;
    return 0;
}

static void free_evidence(pv_credit_evidence *e)
{
    free((char *)e->output_id);
    free((char *)e->source);
    free((char *)e->locator);
    free((char *)e->url);
    free((char *)e->commit);
    free((char *)e->first_commit);
}

static int add_row(pv_credit *c, const char *output_id, const pv_span *s, const pv_span_credit *sc,
                   uint64_t tokens)
{
    pv_payee_kind kind = kind_of(sc);
    payee *p = find_payee(c, kind, sc);
    pv_credit_evidence *e;

    if (!p)
        return PV_ENOMEM;
    if (pv_array__grow((void **)&p->ev, &p->cap, p->nev + 1, sizeof *p->ev))
        return PV_ENOMEM;
    e = &p->ev[p->nev++];
    memset(e, 0, sizeof *e);
    if (fill_evidence(e, c, output_id, s, sc, tokens) < 0)
        return PV_ENOMEM;
    p->pub.tokens += tokens;
    p->pub.spans++;
    if (p->last_output != e->output + 1) {
        p->last_output = e->output + 1;
        p->pub.outputs++;
    }
    if (kind == PV_PAYEE_PERSON)
        c->credited += tokens;
    return 0;
}

/* A row of a span under min_strength: earns nothing, listed apart with who would have earned. */
static int add_weak(pv_credit *c, const char *output_id, const pv_span *s, const pv_span_credit *sc,
                    uint64_t tokens)
{
    pv_credit_weak *w;

    if (pv_array__grow((void **)&c->weak, &c->cap_weak, c->nweak + 1, sizeof *c->weak))
        return PV_ENOMEM;
    w = &c->weak[c->nweak++];
    memset(w, 0, sizeof *w);
    w->kind = kind_of(sc);
    c->weak_tokens += tokens;
    if (fill_evidence(&w->ev, c, output_id, s, sc, tokens) < 0)
        return PV_ENOMEM;
    if (w->kind == PV_PAYEE_PERSON) {
        w->name = dup_or_null(sc->name);
        w->email = dup_or_null(sc->email);
        w->id = dup_or_null(sc->id);
        if ((sc->name && !w->name) || (sc->email && !w->email) || (sc->id && !w->id))
            return PV_ENOMEM;
    }
    return 0;
}

int pv_credit_add(pv_credit *c, const char *output_id, const char *text, size_t len, pv_err *err)
{
    pv_result *res = NULL;
    int rc = pv_match_run(c->ix, text, len, &c->opts.match, &res, err);

    if (rc < 0)
        return rc;
    rc = pv_credit_add_result(c, output_id, res, err);
    pv_result_free(res);
    return rc;
}

int pv_credit_add_result(pv_credit *c, const char *output_id, const pv_result *res, pv_err *err)
{
    size_t i, j, k, n;
    int rc;

    for (i = 0; i < res->nspans; i++) {
        const pv_span *s = &res->spans[i];
        int weak = c->opts.use_min_strength && s->strength < c->opts.min_strength;
        if (s->common) /* commons and license text earn nothing */
            continue;
        for (j = 0; j < s->ncredits; j = k) {
            uint32_t len_run;
            /* co-authors: consecutive entries naming the same run of tokens */
            for (k = j + 1; k < s->ncredits && s->credits[k].tok_start == s->credits[j].tok_start &&
                            s->credits[k].tok_end == s->credits[j].tok_end;
                 k++)
                ;
            n = k - j;
            len_run = s->credits[j].tok_end - s->credits[j].tok_start;
            for (size_t m = 0; m < n; m++) {
                /* whole tokens dealt round-robin in order: the first len % n get one more */
                uint64_t t = len_run / n + (m < len_run % n ? 1 : 0);
                if (t == 0)
                    continue;
                rc = (weak ? add_weak : add_row)(c, output_id, s, &s->credits[j + m], t);
                if (rc < 0)
                    return pv_err__set(err, rc, "credit: out of memory");
            }
        }
    }
    c->tokens += res->tokens;
    c->outputs++;
    return 0;
}

static int payee_cmp(const void *va, const void *vb)
{
    const pv_credit_payee *a = va, *b = vb;
    int r;

    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    if (a->tokens != b->tokens)
        return a->tokens > b->tokens ? -1 : 1;
    if ((r = str_cmp(a->name, b->name)) != 0)
        return r;
    if ((r = str_cmp(a->email, b->email)) != 0)
        return r;
    return str_cmp(a->id, b->id);
}

int pv_credit_payees(pv_credit *c, const pv_credit_payee **out, size_t *n, pv_err *err)
{
    size_t i;
    pv_credit_payee *v;

    v = calloc(c->npayees ? c->npayees : 1, sizeof *v);
    if (!v)
        return pv_err__set(err, PV_ENOMEM, "credit: out of memory");
    for (i = 0; i < c->npayees; i++) {
        payee *p = &c->payees[i];
        p->pub.evidence = p->ev;
        p->pub.nevidence = p->nev;
        p->pub.share = p->pub.kind == PV_PAYEE_PERSON && c->credited
                           ? (double)p->pub.tokens / (double)c->credited
                           : 0.0;
        v[i] = p->pub;
    }
    /* evidence rows are appended in output order, then span and query position: already
     * deterministic; the payees are sorted here */
    qsort(v, c->npayees, sizeof *v, payee_cmp);
    free(c->view);
    c->view = v;
    *out = v;
    *n = c->npayees;
    return 0;
}

void pv_credit_totals(const pv_credit *c, uint64_t *outputs, uint64_t *tokens, uint64_t *credited)
{
    if (outputs)
        *outputs = c->outputs;
    if (tokens)
        *tokens = c->tokens;
    if (credited)
        *credited = c->credited;
}

void pv_credit_weak_spans(const pv_credit *c, const pv_credit_weak **out, size_t *n,
                          uint64_t *tokens)
{
    *out = c->weak;
    *n = c->nweak;
    if (tokens)
        *tokens = c->weak_tokens;
}

void pv_credit_free(pv_credit *c)
{
    size_t i, j;

    if (!c)
        return;
    for (i = 0; i < c->npayees; i++) {
        payee *p = &c->payees[i];
        for (j = 0; j < p->nev; j++)
            free_evidence(&p->ev[j]);
        free(p->ev);
        free((char *)p->pub.name);
        free((char *)p->pub.email);
        free((char *)p->pub.id);
    }
    for (i = 0; i < c->nweak; i++) {
        free_evidence(&c->weak[i].ev);
        free((char *)c->weak[i].name);
        free((char *)c->weak[i].email);
        free((char *)c->weak[i].id);
    }
    free(c->weak);
    free(c->payees);
    pv_idtab__free(&c->tab);
    free(c->view);
    free(c);
}
