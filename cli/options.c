/*
 * options.c - the option parser shared by every command: one table per command drives
 * parsing, value checking (numbers, sizes, choices) and the --help text.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"

#define HELP_WIDTH 80 /* --help lines are wrapped to this many columns */

/* The help entry every command has; it is not in the tables. */
static const pv_cli_opt help_opt = {
    .name = "help", .short_name = 'h', .kind = PV_CLI_FLAG, .help = "show this help and exit"};

int pv_cli__parse_uint(const char *s, uint64_t *out)
{
    char *end = NULL;
    unsigned long long v;
    int base = 10;
    /* strtoull accepts leading spaces and a sign: refuse them, a "-1" must not wrap. */
    if (!s || !(s[0] >= '0' && s[0] <= '9'))
        return -1;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F')))
            return -1;
    }
    errno = 0;
    v = strtoull(s, &end, base);
    if (errno || *end != '\0')
        return -1;
    *out = (uint64_t)v;
    return 0;
}

int pv_cli__parse_size(const char *s, uint64_t *out)
{
    char *end = NULL;
    unsigned long long v;
    unsigned shift = 0;
    if (!s || !(s[0] >= '0' && s[0] <= '9'))
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno)
        return -1;
    switch (*end) {
    case 'k':
    case 'K':
        shift = 10;
        break;
    case 'm':
    case 'M':
        shift = 20;
        break;
    case 'g':
    case 'G':
        shift = 30;
        break;
    case 't':
    case 'T':
        shift = 40;
        break;
    default:
        break;
    }
    if (shift) {
        end++;
        if (end[0] == 'i' && end[1] == 'B') /* "GiB" */
            end++;
    }
    if (*end == 'B')
        end++;
    if (*end != '\0')
        return -1;
    if (shift && v > (UINT64_MAX >> shift))
        return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

/* Print text at column indent, wrapped at HELP_WIDTH; the first line starts at column
 * col (the cursor's current column). */
static void print_wrapped(FILE *f, const char *text, size_t col, size_t indent)
{
    const char *p = text;
    while (*p) {
        size_t word = strcspn(p, " ");
        if (col > indent && col + 1 + word > HELP_WIDTH) {
            fprintf(f, "\n%*s", (int)indent, "");
            col = indent;
        } else if (col > indent) {
            fputc(' ', f);
            col++;
        }
        fwrite(p, 1, word, f);
        col += word;
        p += word;
        while (*p == ' ')
            p++;
    }
    fputc('\n', f);
}

/* The left column of an option's help line ("  -o, --output INDEX") into buf. */
static size_t opt_label(const pv_cli_opt *o, char *buf, size_t bufsz)
{
    int n;
    const char *arg = o->arg ? o->arg : "";
    const char *sp = o->arg ? " " : "";
    if (o->short_name && o->name)
        n = snprintf(buf, bufsz, "  -%c, --%s%s%s", o->short_name, o->name, sp, arg);
    else if (o->short_name)
        n = snprintf(buf, bufsz, "  -%c%s%s", o->short_name, sp, arg);
    else
        n = snprintf(buf, bufsz, "      --%s%s%s", o->name, sp, arg);
    return n < 0 ? 0 : (size_t)n < bufsz ? (size_t)n : bufsz - 1;
}

static void print_opt(FILE *f, const pv_cli_opt *o, size_t col)
{
    char label[128], text[512];
    size_t n = opt_label(o, label, sizeof label);
    fputs(label, f);
    fprintf(f, "%*s", (int)(col - n), "");
    if (o->def)
        snprintf(text, sizeof text, "%s (default %s)", o->help, o->def);
    else
        snprintf(text, sizeof text, "%s", o->help);
    print_wrapped(f, text, col, col);
}

void pv_cli__print_help(const pv_cli_spec *spec, FILE *f)
{
    char label[128];
    size_t i, col = opt_label(&help_opt, label, sizeof label);
    for (i = 0; i < spec->nopts; i++) {
        size_t n = opt_label(&spec->opts[i], label, sizeof label);
        if (n > col)
            col = n;
    }
    col += 2;
    fprintf(f, "usage: provscan %s %s\n\n", spec->name, spec->usage);
    print_wrapped(f, spec->description, 0, 0);
    fputs("\noptions:\n", f);
    for (i = 0; i < spec->nopts; i++)
        print_opt(f, &spec->opts[i], col);
    print_opt(f, &help_opt, col);
}

int pv_cli__usage_error(const pv_cli_spec *spec, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "provscan: %s: ", spec->name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nusage: provscan %s %s\n", spec->name, spec->usage);
    return PV_EXIT_USAGE;
}

/* Does value appear among the '|'-separated words of choices? */
static int is_choice(const char *choices, const char *value)
{
    size_t vlen = strlen(value);
    const char *p = choices;
    while (*p) {
        size_t n = strcspn(p, "|");
        if (n == vlen && memcmp(p, value, n) == 0)
            return 1;
        p += n;
        if (*p == '|')
            p++;
    }
    return 0;
}

/* A number as written in help: sizes with the largest exact suffix ("16M"). */
static const char *shown_num(const pv_cli_opt *o, uint64_t v, char *buf, size_t bufsz)
{
    static const char suffix[] = "KMGT";
    int i;
    for (i = 3; o->kind == PV_CLI_SIZE && v && i >= 0; i--) {
        unsigned shift = 10 * (unsigned)(i + 1);
        if (v % ((uint64_t)1 << shift) == 0) {
            snprintf(buf, bufsz, "%llu%c", (unsigned long long)(v >> shift), suffix[i]);
            return buf;
        }
    }
    snprintf(buf, bufsz, "%llu", (unsigned long long)v);
    return buf;
}

/* "-k must be between 1 and 256, not 0"; an unbounded range says "at least". */
static int range_error(const pv_cli_spec *spec, const pv_cli_opt *o, const char *shown,
                       const char *value)
{
    char lo[32], hi[32];
    shown_num(o, o->min, lo, sizeof lo);
    if (o->max == 0 || o->max >= UINT32_MAX)
        return pv_cli__usage_error(spec, "%s must be at least %s, not %s", shown, lo, value);
    return pv_cli__usage_error(spec, "%s must be between %s and %s, not %s", shown, lo,
                               shown_num(o, o->max, hi, sizeof hi), value);
}

/* Check and store one value of option o, written as shown (e.g. "--jobs", "-j"). */
static int set_value(const pv_cli_spec *spec, const pv_cli_opt *o, pv_cli_val *v, const char *shown,
                     const char *value)
{
    uint64_t num = 0;
    switch (o->kind) {
    case PV_CLI_FLAG:
        break;
    case PV_CLI_UINT:
        if (pv_cli__parse_uint(value, &num) != 0)
            return pv_cli__usage_error(spec, "bad number '%s' for %s", value, shown);
        if (num < o->min || num > o->max)
            return range_error(spec, o, shown, value);
        break;
    case PV_CLI_SIZE:
        if (pv_cli__parse_size(value, &num) != 0)
            return pv_cli__usage_error(spec, "bad size '%s' for %s (use e.g. 512K, 64M, 2G)", value,
                                       shown);
        if (num < o->min || (o->max && num > o->max))
            return range_error(spec, o, shown, value);
        break;
    case PV_CLI_CHOICE:
        if (!is_choice(o->arg, value))
            return pv_cli__usage_error(spec, "bad value '%s' for %s (one of %s)", value, shown,
                                       o->arg);
        break;
    case PV_CLI_STRING:
        break;
    case PV_CLI_LIST: {
        const char **list = realloc(v->list, (v->nlist + 1) * sizeof *list);
        if (!list) {
            fprintf(stderr, "provscan: out of memory\n");
            return PV_EXIT_INPUT;
        }
        list[v->nlist++] = value;
        v->list = list;
        break;
    }
    }
    v->count++;
    v->str = value;
    v->num = num;
    return 0;
}

static const pv_cli_opt *find_long(const pv_cli_spec *spec, const char *name, size_t len)
{
    size_t i;
    for (i = 0; i < spec->nopts; i++) {
        const char *n = spec->opts[i].name;
        if (n && strlen(n) == len && memcmp(n, name, len) == 0)
            return &spec->opts[i];
    }
    return NULL;
}

static const pv_cli_opt *find_short(const pv_cli_spec *spec, char c)
{
    size_t i;
    for (i = 0; i < spec->nopts; i++)
        if (spec->opts[i].short_name == c)
            return &spec->opts[i];
    return NULL;
}

/* One "--name" or "--name=value" argument at argv[*i]; may consume argv[*i + 1]. */
static int parse_long(const pv_cli_spec *spec, int argc, char **argv, int *i, pv_cli_args *out)
{
    const char *name = argv[*i] + 2;
    const char *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    const pv_cli_opt *o = find_long(spec, name, len);
    char shown[128];
    snprintf(shown, sizeof shown, "--%.*s", (int)(len < 100 ? len : 100), name);
    if (!o) {
        if (len == 4 && memcmp(name, "help", 4) == 0 && !eq) {
            pv_cli__print_help(spec, stdout);
            return PV_CLI_HELP_SHOWN;
        }
        return pv_cli__usage_error(spec, "unknown option '%s'", shown);
    }
    if (o->kind == PV_CLI_FLAG) {
        if (eq)
            return pv_cli__usage_error(spec, "option '%s' takes no argument", shown);
        return set_value(spec, o, &out->vals[o - spec->opts], shown, NULL);
    }
    if (eq)
        return set_value(spec, o, &out->vals[o - spec->opts], shown, eq + 1);
    if (*i + 1 >= argc)
        return pv_cli__usage_error(spec, "option '%s' needs an argument (%s)", shown, o->arg);
    (*i)++;
    return set_value(spec, o, &out->vals[o - spec->opts], shown, argv[*i]);
}

/* One "-x", "-xvalue", "-x value" or "-qv" argument at argv[*i]; may consume the next. */
static int parse_short(const pv_cli_spec *spec, int argc, char **argv, int *i, pv_cli_args *out)
{
    const char *a = argv[*i];
    size_t j;
    for (j = 1; a[j]; j++) {
        const pv_cli_opt *o = find_short(spec, a[j]);
        char shown[3] = {'-', a[j], '\0'};
        int rc;
        if (!o) {
            if (a[j] == 'h') {
                pv_cli__print_help(spec, stdout);
                return PV_CLI_HELP_SHOWN;
            }
            return pv_cli__usage_error(spec, "unknown option '%s'", shown);
        }
        if (o->kind == PV_CLI_FLAG) {
            rc = set_value(spec, o, &out->vals[o - spec->opts], shown, NULL);
            if (rc)
                return rc;
            continue;
        }
        if (a[j + 1])
            return set_value(spec, o, &out->vals[o - spec->opts], shown, a + j + 1);
        if (*i + 1 >= argc)
            return pv_cli__usage_error(spec, "option '%s' needs an argument (%s)", shown, o->arg);
        (*i)++;
        return set_value(spec, o, &out->vals[o - spec->opts], shown, argv[*i]);
    }
    return 0;
}

int pv_cli__parse(const pv_cli_spec *spec, int argc, char **argv, pv_cli_args *out)
{
    int i, rc = 0, only_pos = 0;
    memset(out, 0, sizeof *out);
    out->vals = calloc(spec->nopts ? spec->nopts : 1, sizeof *out->vals);
    out->nvals = spec->nopts;
    out->pos = calloc(argc > 0 ? (size_t)argc : 1, sizeof *out->pos);
    if (!out->vals || !out->pos) {
        fprintf(stderr, "provscan: out of memory\n");
        return PV_EXIT_INPUT;
    }
    for (i = 1; i < argc && rc == 0; i++) {
        const char *a = argv[i];
        if (only_pos || a[0] != '-' || a[1] == '\0')
            out->pos[out->npos++] = argv[i];
        else if (strcmp(a, "--") == 0)
            only_pos = 1;
        else if (a[1] == '-')
            rc = parse_long(spec, argc, argv, &i, out);
        else
            rc = parse_short(spec, argc, argv, &i, out);
    }
    return rc;
}

void pv_cli__args_free(pv_cli_args *a)
{
    size_t i;
    if (!a)
        return;
    for (i = 0; a->vals && i < a->nvals; i++)
        free(a->vals[i].list);
    free(a->vals);
    free(a->pos);
    memset(a, 0, sizeof *a);
}

int pv_cli__lib_exit(const pv_cli_spec *spec, const pv_err *err, int code)
{
    if (code == PV_EINVAL)
        return pv_cli__usage_error(spec, "%s", err->msg[0] ? err->msg : pv_strerror(code));
    pv_cli__lib_error(err, code);
    return PV_EXIT_INPUT;
}
