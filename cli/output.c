/*
 * output.c - small helpers the commands share: reading an input whole, checking stdout
 * for write errors, numbers with thousands separators, dates, the clock.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_int.h"

const char *pv_cli__commas(uint64_t v, char *buf)
{
    char digits[24];
    int n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)v);
    int i, o = 0;
    for (i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
    return buf;
}

void pv_cli__lib_error(const pv_err *err, int code)
{
    fprintf(stderr, "provscan: %s\n", err && err->msg[0] ? err->msg : pv_strerror(code));
}

int pv_cli__finish_stdout(void)
{
    int failed;
    errno = 0;
    failed = fflush(stdout) != 0;
    if (failed || ferror(stdout)) {
        /* A write that failed earlier left errno with its reason only if nothing since
           touched it; fflush retries the buffered bytes and usually fails the same way. */
        const char *why = errno ? strerror(errno) : "input/output error";
        fprintf(stderr, "provscan: write error on stdout: %s\n", why);
        return PV_EXIT_INPUT;
    }
    return 0;
}

int pv_cli__read_input(const char *path, size_t limit, char **buf, size_t *len, char *msg,
                       size_t msgsz)
{
    int is_stdin = strcmp(path, "-") == 0;
    const char *shown = is_stdin ? "<stdin>" : path;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    char *data = NULL;
    size_t n = 0, cap = 0;
    int rc = -1;
    *buf = NULL;
    *len = 0;
    if (!f) {
        snprintf(msg, msgsz, "cannot open '%s': %s", shown, strerror(errno));
        return -1;
    }
    for (;;) {
        size_t got;
        if (n == cap) {
            /* Grow to one byte past the limit, so an input of exactly limit bytes fits
               and a longer one is seen. */
            size_t ncap = cap ? cap * 2 : 64 * 1024;
            char *p;
            if (ncap > limit + 1)
                ncap = limit + 1;
            if (ncap <= cap) {
                snprintf(msg, msgsz, "'%s' is larger than %zu MiB, the limit for one input", shown,
                         limit >> 20);
                goto done;
            }
            p = realloc(data, ncap + 1);
            if (!p) {
                snprintf(msg, msgsz, "cannot read '%s': out of memory", shown);
                goto done;
            }
            data = p;
            cap = ncap;
        }
        got = fread(data + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f)) {
                snprintf(msg, msgsz, "cannot read '%s': %s", shown, strerror(errno));
                goto done;
            }
            break;
        }
    }
    if (n > limit) {
        snprintf(msg, msgsz, "'%s' is larger than %zu MiB, the limit for one input", shown,
                 limit >> 20);
        goto done;
    }
    data[n] = '\0';
    *buf = data;
    *len = n;
    data = NULL;
    rc = 0;
done:
    free(data);
    if (!is_stdin)
        fclose(f);
    return rc;
}

int pv_cli__format_date(int64_t t, int with_time, char *buf, size_t bufsz)
{
    struct tm tm;
    time_t tt = (time_t)t;
    if (t == PV_DATE_UNKNOWN || (int64_t)tt != t || !gmtime_r(&tt, &tm) ||
        strftime(buf, bufsz, with_time ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d", &tm) == 0) {
        snprintf(buf, bufsz, "%s", with_time ? "" : "-");
        return 0;
    }
    return 1;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t era;
    unsigned yoe, doy, doe;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

int pv_cli__parse_day(const char *s, int64_t *out)
{
    int y, m, d, n = 0;
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || s[n] != '\0' || m < 1 || m > 12 ||
        d < 1 || d > mdays[m - 1])
        return -1;
    *out = days_from_civil(y, (unsigned)m, (unsigned)d) * 86400;
    return 0;
}

double pv_cli__now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void pv_cli__put_caret(FILE *f, const char *s, size_t n)
{
    size_t i, run = 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            fwrite(s + run, 1, i - run, f);
            fputc('^', f);
            fputc(c ^ 0x40, f);
            run = i + 1;
        }
    }
    fwrite(s + run, 1, n - run, f);
}

void pv_cli__put_person(FILE *f, pv_cli_put_fn put, const char *name, const char *email,
                        const char *id)
{
    const char *who = name ? name : "unknown";
    put(f, who, strlen(who));
    if (email) {
        put(f, " <", 2);
        put(f, email, strlen(email));
        put(f, ">", 1);
    }
    if (id) {
        put(f, " (id ", 5);
        put(f, id, strlen(id));
        put(f, ")", 1);
    }
}

const char *pv_cli__payee_name(const pv_credit_payee *p)
{
    if (p->kind == PV_PAYEE_UNKNOWN)
        return "unknown";
    if (p->kind == PV_PAYEE_BEFORE)
        return "before the history";
    return p->name ? p->name : p->email ? p->email : p->id ? p->id : "?";
}

void pv_cli__put_payee(FILE *f, pv_cli_put_fn put, const pv_credit_payee *p)
{
    const char *name = pv_cli__payee_name(p);
    put(f, name, strlen(name));
    if (p->kind == PV_PAYEE_PERSON && p->email && name != p->email) { /* not "a@b <a@b>" */
        put(f, " <", 2);
        put(f, p->email, strlen(p->email));
        put(f, ">", 1);
    }
}
