/*
 * identity.c - one person, one payee: merges the identities the build met (name, email,
 * account id) into persons, by identical email (ASCII case-insensitive) and by an aliases
 * file, and picks the identity each person is shown under. build.c calls it before the
 * tables are written, and the segment merge (index/segments.c) on the persons of its
 * segments; docs/attribution.md ("One person, one payee") states the rules.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common_int.h"

/* An aliases file larger than this is refused: it is a list of people, not a corpus. */
#define ALIASES_MAX_BYTES ((size_t)64 << 20)

/* Where a pattern is filed: by its email when it has one, else by its id, else by its name. */
enum { BY_EMAIL, BY_ID, BY_NAME };

/* An identity an author must match to join the person of line `line`: every field given
 * must be equal (the name and the email without regard to ASCII case). */
typedef struct alias_pat {
    pv_identity who;
    int by;
    uint32_t line; /* index into pv_aliases.lines */
} alias_pat;

struct pv_aliases {
    char *text;         /* the file, its fields cut out in place and NUL-terminated */
    pv_identity *lines; /* per line: the person shown (the left of '=') */
    uint32_t *first;    /* per line: the first line with the same person */
    size_t nlines;
    alias_pat *pats; /* the right sides, and the left sides' emails; sorted (pat_cmp) */
    size_t npats;
};

/* ---- comparisons ---- */

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* strcmp without regard to ASCII case; bytes above 127 compare as themselves, so the order
 * does not depend on the locale. */
static int casecmp(const char *a, const char *b)
{
    const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
    while (*x && lower(*x) == lower(*y))
        x++, y++;
    return lower(*x) - lower(*y);
}

static int cmp_u32(uint32_t a, uint32_t b)
{
    return (a > b) - (a < b);
}

/* strcmp where NULL sorts after every string. */
static int optcmp(const char *a, const char *b)
{
    if (!a || !b)
        return (a == NULL) - (b == NULL);
    return strcmp(a, b);
}

static const char *pat_key(const alias_pat *p)
{
    return p->by == BY_EMAIL ? p->who.email : p->by == BY_ID ? p->who.id : p->who.name;
}

static int key_cmp(int by, const char *a, const char *b)
{
    return by == BY_ID ? strcmp(a, b) : casecmp(a, b);
}

static int pat_cmp(const void *pa, const void *pb)
{
    const alias_pat *a = pa, *b = pb;
    int c;
    if (a->by != b->by)
        return a->by - b->by;
    if ((c = key_cmp(a->by, pat_key(a), pat_key(b))) != 0)
        return c;
    return cmp_u32(a->line, b->line);
}

/* Orders the persons on the left of lines: name and email without regard to ASCII case (no
 * email last), then the id. */
static int person_cmp(const pv_identity *a, const pv_identity *b)
{
    int c = casecmp(a->name, b->name);
    if (c == 0 && (!a->email || !b->email))
        c = (a->email == NULL) - (b->email == NULL);
    else if (c == 0)
        c = casecmp(a->email, b->email);
    return c ? c : optcmp(a->id, b->id);
}

/* ---- parsing ---- */

static char *trim(char *s, char **end)
{
    while (s < *end && (*s == ' ' || *s == '\t'))
        s++;
    while (*end > s && ((*end)[-1] == ' ' || (*end)[-1] == '\t'))
        (*end)--;
    return s;
}

/* Parses "[NAME] [<EMAIL>] [id:ID]" in [s, end) into *out (fields NUL-terminated in place,
 * NULL when absent). Returns NULL, or why the text is not an identity. */
static const char *parse_ident(char *s, char *end, pv_identity *out)
{
    char *lt, *gt = NULL, *rest, *rest_end, *name_end;
    memset(out, 0, sizeof *out);
    s = trim(s, &end);
    lt = memchr(s, '<', (size_t)(end - s));
    name_end = lt ? lt : end;
    if (lt) {
        if (!(gt = memchr(lt, '>', (size_t)(end - lt))))
            return "'<' without '>'";
        if (memchr(lt + 1, '<', (size_t)(gt - lt - 1)))
            return "two '<' in one email";
        rest = gt + 1;
        rest_end = end;
        rest = trim(rest, &rest_end);
    } else {
        /* "NAME id:ID" or "id:ID": the id is the last word */
        char *w = end;
        while (w > s && w[-1] != ' ' && w[-1] != '\t')
            w--;
        rest = rest_end = end;
        if (end - w > 3 && strncmp(w, "id:", 3) == 0) {
            rest = w;
            name_end = w;
        }
    }
    if (memchr(s, '>', (size_t)(name_end - s)))
        return "'>' without '<'";
    if (rest < rest_end) {
        if (rest_end - rest <= 3 || strncmp(rest, "id:", 3) != 0)
            return "unexpected text after the email (only id:ACCOUNT may follow it)";
        for (char *c = rest + 3; c < rest_end; c++)
            if (*c == ' ' || *c == '\t' || *c == '<' || *c == '>')
                return "an account id (id:ACCOUNT) is one word";
        *rest_end = '\0';
        out->id = rest + 3;
    }
    if (lt) {
        char *e = lt + 1, *e_end = gt;
        e = trim(e, &e_end);
        if (e == e_end)
            return "empty email '<>'";
        *e_end = '\0';
        out->email = e;
    }
    s = trim(s, &name_end);
    if (s < name_end) {
        *name_end = '\0';
        out->name = s;
    }
    return NULL;
}

/* The '=' of the line [s, end) that is not inside <...>, or NULL; *more when there are two. */
static char *find_eq(char *s, char *end, int *more)
{
    char *eq = NULL, *gt, *lt;
    *more = 0;
    for (; s < end; s++) {
        /* an email may hold '=': skip <...> when it is closed before the next '<' */
        if (*s == '<' && (gt = memchr(s, '>', (size_t)(end - s))) != NULL &&
            (!(lt = memchr(s + 1, '<', (size_t)(end - s - 1))) || lt > gt))
            s = gt;
        else if (*s == '=') {
            if (eq)
                *more = 1;
            else
                eq = s;
        }
    }
    return eq;
}

static int add_pat(pv_aliases *a, size_t *cap, const pv_identity *who, uint32_t line)
{
    alias_pat *p;
    if (pv_array__grow((void **)&a->pats, cap, a->npats + 1, sizeof *a->pats))
        return PV_ENOMEM;
    p = &a->pats[a->npats++];
    p->who = *who;
    p->by = who->email ? BY_EMAIL : who->id ? BY_ID : BY_NAME;
    p->line = line;
    return 0;
}

/* Sorts the lines by person to link each to the first line of the same person. */
typedef struct line_ref {
    const pv_identity *who;
    uint32_t line;
} line_ref;

static int line_ref_cmp(const void *pa, const void *pb)
{
    const line_ref *a = pa, *b = pb;
    int c = person_cmp(a->who, b->who);
    return c ? c : cmp_u32(a->line, b->line);
}

static int link_lines(pv_aliases *a)
{
    line_ref *r = malloc((a->nlines ? a->nlines : 1) * sizeof *r);
    size_t i, j;
    if (!r || !(a->first = malloc((a->nlines ? a->nlines : 1) * sizeof *a->first))) {
        free(r);
        return PV_ENOMEM;
    }
    for (i = 0; i < a->nlines; i++) {
        r[i].who = &a->lines[i];
        r[i].line = (uint32_t)i;
    }
    qsort(r, a->nlines, sizeof *r, line_ref_cmp);
    for (i = 0; i < a->nlines; i = j) {
        for (j = i; j < a->nlines && person_cmp(r[i].who, r[j].who) == 0; j++)
            a->first[r[j].line] = r[i].line;
    }
    free(r);
    return 0;
}

int pv_aliases__parse(pv_aliases **out, const char *label, const char *text, size_t len,
                      pv_err *err)
{
    pv_aliases *a = calloc(1, sizeof *a);
    size_t cap_lines = 0, cap_pats = 0, lineno = 0;
    char *s, *end;
    int rc = 0;

    *out = NULL;
    if (!a || !(a->text = malloc(len + 1))) {
        rc = pv_err__set(err, PV_ENOMEM, "out of memory");
        goto done;
    }
    if (len)
        memcpy(a->text, text, len);
    a->text[len] = '\0';
    if (memchr(a->text, '\0', len)) {
        rc = pv_err__set(err, PV_EINVAL, "%s: a NUL byte: not a text file of aliases", label);
        goto done;
    }
    for (s = a->text; s < a->text + len; s = end + 1) {
        pv_identity left, right;
        const char *why = NULL;
        char *eq, *line_end;
        int more;

        lineno++;
        if (!(end = memchr(s, '\n', (size_t)(a->text + len - s))))
            end = a->text + len;
        line_end = end;
        if (line_end > s && line_end[-1] == '\r')
            line_end--;
        s = trim(s, &line_end);
        if (s == line_end || *s == '#')
            continue;
        eq = find_eq(s, line_end, &more);
        if (!eq)
            why = "no '=': write 'Name <email> = Other Name <other@email>'";
        else if (more)
            why = "more than one '=' (one alias per line)";
        else if ((why = parse_ident(s, eq, &left)) == NULL &&
                 (why = parse_ident(eq + 1, line_end, &right)) == NULL) {
            if (!left.name)
                why = "the person on the left of '=' has no name";
            else if (!right.name && !right.email && !right.id)
                why = "nothing on the right of '='";
        }
        if (why) {
            rc = pv_err__set(err, PV_EINVAL, "%s:%zu: %s", label, lineno, why);
            goto done;
        }
        if (a->nlines >= UINT32_MAX - 1) {
            rc = pv_err__set(err, PV_ELIMIT, "%s:%zu: too many aliases", label, lineno);
            goto done;
        }
        if (pv_array__grow((void **)&a->lines, &cap_lines, a->nlines + 1, sizeof *a->lines) ||
            add_pat(a, &cap_pats, &right, (uint32_t)a->nlines) ||
            (left.email && add_pat(a, &cap_pats, &(pv_identity){NULL, left.email, NULL, 0},
                                   (uint32_t)a->nlines))) {
            rc = pv_err__set(err, PV_ENOMEM, "out of memory");
            goto done;
        }
        a->lines[a->nlines++] = left;
    }
    if (a->npats)
        qsort(a->pats, a->npats, sizeof *a->pats, pat_cmp);
    if (link_lines(a)) {
        rc = pv_err__set(err, PV_ENOMEM, "out of memory");
        goto done;
    }
    *out = a;
    a = NULL;
done:
    pv_aliases__free(a);
    return rc;
}

int pv_aliases__load(pv_aliases **out, const char *path, pv_err *err)
{
    FILE *f = fopen(path, "rb");
    pv_buf buf = PV_BUF_INIT(ALIASES_MAX_BYTES);
    char chunk[65536];
    size_t n;
    int rc = 0;

    *out = NULL;
    if (!f)
        return pv_err__set(err, PV_EIO, "cannot open aliases file '%s': %s", path, strerror(errno));
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if ((rc = pv_buf__append(&buf, chunk, n)) != 0) {
            rc = rc == PV_ELIMIT
                     ? pv_err__set(err, PV_ELIMIT, "aliases file '%s' is larger than %zu MiB", path,
                                   ALIASES_MAX_BYTES >> 20)
                     : pv_err__set(err, PV_ENOMEM, "out of memory");
            goto done;
        }
    if (ferror(f)) {
        rc = pv_err__set(err, PV_EIO, "cannot read aliases file '%s': %s", path, strerror(errno));
        goto done;
    }
    rc = pv_aliases__parse(out, path, buf.data ? buf.data : "", buf.len, err);
done:
    fclose(f);
    pv_buf__free(&buf);
    return rc;
}

void pv_aliases__free(pv_aliases *a)
{
    if (!a)
        return;
    free(a->text);
    free(a->lines);
    free(a->first);
    free(a->pats);
    free(a);
}

size_t pv_aliases__count(const pv_aliases *a)
{
    return a ? a->nlines : 0;
}

const pv_identity *pv_aliases__person(const pv_aliases *a, size_t line)
{
    return &a->lines[line];
}

/* ---- merging ---- */

static uint32_t find(uint32_t *parent, uint32_t x)
{
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

/* The smaller root becomes the root: the outcome does not depend on the order of unions. */
static void unite(uint32_t *parent, uint32_t x, uint32_t y)
{
    x = find(parent, x);
    y = find(parent, y);
    if (x < y)
        parent[y] = x;
    else if (y < x)
        parent[x] = y;
}

static int pat_matches(const pv_identity *p, const pv_identity *x)
{
    return (!p->name || casecmp(p->name, x->name) == 0) &&
           (!p->email || (x->email && casecmp(p->email, x->email) == 0)) &&
           (!p->id || (x->id && strcmp(p->id, x->id) == 0));
}

/* Unites identity i with the line of every pattern filed under (by, key) that it matches. */
static void match_pats(const pv_aliases *a, int by, const char *key, const pv_identity *x,
                       uint32_t i, size_t n, uint32_t *parent)
{
    size_t lo = 0, hi = a->npats;
    while (lo < hi) { /* the first pattern not below (by, key) */
        size_t mid = lo + (hi - lo) / 2;
        const alias_pat *p = &a->pats[mid];
        if (p->by < by || (p->by == by && key_cmp(by, pat_key(p), key) < 0))
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < a->npats && a->pats[lo].by == by && key_cmp(by, pat_key(&a->pats[lo]), key) == 0;
         lo++)
        if (pat_matches(&a->pats[lo].who, x))
            unite(parent, i, (uint32_t)(n + a->pats[lo].line));
}

/* An identity with its email, sorted to find equal emails. */
typedef struct by_email {
    const char *email;
    uint32_t i;
} by_email;

static int by_email_cmp(const void *pa, const void *pb)
{
    const by_email *a = pa, *b = pb;
    int c = casecmp(a->email, b->email);
    return c ? c : cmp_u32(a->i, b->i);
}

/* An identity of a person, sorted to add up the uses of each name. */
typedef struct member {
    const pv_identity *v;
    uint32_t person, i;
} member;

static int member_cmp(const void *pa, const void *pb)
{
    const member *a = pa, *b = pb;
    int c;
    if (a->person != b->person)
        return cmp_u32(a->person, b->person);
    if ((c = strcmp(a->v->name, b->v->name)) != 0)
        return c;
    if (a->v->uses != b->v->uses)
        return a->v->uses > b->v->uses ? -1 : 1;
    if ((c = optcmp(a->v->email, b->v->email)) != 0 || (c = optcmp(a->v->id, b->v->id)) != 0)
        return c;
    return cmp_u32(a->i, b->i);
}

/* The word "unknown" as a name: shown only when a person has no other name. */
static int is_unknown(const char *name)
{
    return casecmp(name, "unknown") == 0;
}

int pv_identities__merge(const pv_identity *v, size_t n, const pv_aliases *a, uint32_t *person,
                         uint32_t *shown, size_t *npersons, pv_err *err)
{
    const size_t nl = a ? a->nlines : 0;
    uint32_t *parent = NULL, *pid = NULL;
    /* one scratch array: first the emails to sort, then the members */
    const size_t each = sizeof(by_email) > sizeof(member) ? sizeof(by_email) : sizeof(member);
    void *scratch = NULL;
    by_email *e;
    member *m;
    size_t i, j, ne = 0, np = 0;
    int rc = 0;

    *npersons = 0;
    if (n + nl >= UINT32_MAX)
        return pv_err__set(err, PV_ELIMIT, "too many authors to merge");
    parent = malloc((n + nl + 1) * sizeof *parent);
    pid = malloc((n + nl + 1) * sizeof *pid);
    scratch = malloc((n + 1) * each);
    if (!parent || !pid || !scratch) {
        rc = pv_err__set(err, PV_ENOMEM, "out of memory");
        goto done;
    }
    for (i = 0; i < n + nl; i++) {
        parent[i] = (uint32_t)i;
        pid[i] = UINT32_MAX;
    }

    /* the same email is the same person */
    e = scratch;
    for (i = 0; i < n; i++)
        if (v[i].email) {
            e[ne].email = v[i].email;
            e[ne++].i = (uint32_t)i;
        }
    qsort(e, ne, sizeof *e, by_email_cmp);
    for (i = 1; i < ne; i++)
        if (casecmp(e[i - 1].email, e[i].email) == 0)
            unite(parent, e[i - 1].i, e[i].i);

    /* so are the identities of one person in the aliases file */
    for (i = 0; i < nl; i++)
        unite(parent, (uint32_t)(n + i), (uint32_t)(n + a->first[i]));
    for (i = 0; a && i < n; i++) {
        if (v[i].email)
            match_pats(a, BY_EMAIL, v[i].email, &v[i], (uint32_t)i, n, parent);
        if (v[i].id)
            match_pats(a, BY_ID, v[i].id, &v[i], (uint32_t)i, n, parent);
        match_pats(a, BY_NAME, v[i].name, &v[i], (uint32_t)i, n, parent);
    }

    /* persons, numbered in the order of their first identity */
    for (i = 0; i < n; i++) {
        uint32_t r = find(parent, (uint32_t)i);
        if (pid[r] == UINT32_MAX) {
            pid[r] = (uint32_t)np;
            shown[np++] = UINT32_MAX;
        }
        person[i] = pid[r];
    }
    /* a person named in the aliases file is shown as its first line there says */
    for (i = 0; i < nl; i++) {
        uint32_t p = pid[find(parent, (uint32_t)(n + i))];
        if (p != UINT32_MAX && shown[p] == UINT32_MAX)
            shown[p] = (uint32_t)(n + a->first[i]);
    }
    /* the others under their most used name (the origins it was met in, over all the
     * person's emails): "unknown" only when there is no other, then the name that sorts
     * first; with that name, the identity met most often */
    m = scratch;
    for (i = 0; i < n; i++) {
        m[i].v = &v[i];
        m[i].person = person[i];
        m[i].i = (uint32_t)i;
    }
    qsort(m, n, sizeof *m, member_cmp);
    for (i = 0; i < n; i = j) {
        const uint32_t p = m[i].person;
        size_t best = i, k;
        uint64_t best_uses = 0;
        for (j = i; j < n && m[j].person == p; j = k) {
            uint64_t uses = 0;
            for (k = j; k < n && m[k].person == p && strcmp(m[k].v->name, m[j].v->name) == 0; k++)
                uses += m[k].v->uses;
            if (j == i || (is_unknown(m[best].v->name) && !is_unknown(m[j].v->name)) ||
                (is_unknown(m[best].v->name) == is_unknown(m[j].v->name) && uses > best_uses)) {
                best = j;
                best_uses = uses;
            }
        }
        if (shown[p] == UINT32_MAX)
            shown[p] = m[best].i;
    }
    *npersons = np;
done:
    free(parent);
    free(pid);
    free(scratch);
    return rc;
}
