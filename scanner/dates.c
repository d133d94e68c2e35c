/*
 * dates.c - the dates readers find in their inputs (ISO 8601 / RFC 3339 in dumps and Atom,
 * RFC 822 / 2822 in RSS, "YYYY-MM-DD hh:mm:ss" in WordPress exports) as UTC unix seconds.
 * Calendar arithmetic is timegm's; this file only tokenizes.
 */
#define _DEFAULT_SOURCE
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "source.h"

/* Broken-down date and time being parsed; zone is the offset east of UTC in seconds. */
typedef struct when {
    int year, mon, day, hour, min, sec;
    long zone;
} when;

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static const char *skip_space(const char *p)
{
    while (is_space(*p))
        p++;
    return p;
}

/* Exactly n digits at *pp into *v (advancing *pp); 0 when there are not n digits. */
static int digits(const char **pp, int n, int *v)
{
    const char *p = *pp;
    int i, x = 0;
    for (i = 0; i < n; i++) {
        if (!is_digit(p[i]))
            return 0;
        x = x * 10 + (p[i] - '0');
    }
    *pp = p + n;
    *v = x;
    return 1;
}

/* One to max digits at *pp into *v; returns how many were read. */
static int some_digits(const char **pp, int max, int *v)
{
    const char *p = *pp;
    int n = 0, x = 0;
    while (n < max && is_digit(p[n])) {
        x = x * 10 + (p[n] - '0');
        n++;
    }
    *pp = p + n;
    *v = x;
    return n;
}

/* UTC seconds of w, or PV_DATE_UNKNOWN when a field is out of range (Feb 30, hour 25...). */
static int64_t to_unix(const when *w)
{
    struct tm tm;
    time_t t;
    if (w->year < 1 || w->year > 9999 || w->mon < 1 || w->mon > 12 || w->day < 1 || w->day > 31 ||
        w->hour < 0 || w->min < 0 || w->min > 59 || w->sec < 0 || w->sec > 60)
        return PV_DATE_UNKNOWN;
    /* ISO 8601 allows 24:00:00 for the end of a day. */
    if (w->hour > 24 || (w->hour == 24 && (w->min || w->sec)))
        return PV_DATE_UNKNOWN;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = w->year - 1900;
    tm.tm_mon = w->mon - 1;
    tm.tm_mday = w->day;
    tm.tm_hour = w->hour;
    tm.tm_min = w->min;
    tm.tm_sec = w->sec == 60 ? 59 : w->sec; /* a leap second is the second before it */
    t = timegm(&tm);
    /* timegm normalizes Feb 30 into March: a changed day means the day did not exist. */
    if (tm.tm_mday != w->day && w->hour != 24)
        return PV_DATE_UNKNOWN;
    return (int64_t)t - w->zone;
}

/* "Z", "+hh:mm", "+hhmm", "+hh" (and "-"), " UTC"/" GMT", or nothing (UTC). Returns the
 * character after the zone, or NULL when what follows is not a zone. */
static const char *iso_zone(const char *p, long *zone)
{
    int h = 0, m = 0;
    *zone = 0;
    if (*p == 'Z' || *p == 'z')
        return p + 1;
    if (*p == '+' || *p == '-') {
        int neg = *p == '-';
        p++;
        if (!digits(&p, 2, &h))
            return NULL;
        if (*p == ':')
            p++;
        if (is_digit(*p) && !digits(&p, 2, &m))
            return NULL;
        if (h > 23 || m > 59)
            return NULL;
        *zone = (neg ? -1 : 1) * (h * 3600L + m * 60L);
        return p;
    }
    {
        const char *q = skip_space(p);
        if (!strncasecmp(q, "UTC", 3) || !strncasecmp(q, "GMT", 3))
            return q + 3;
    }
    return p;
}

/* ISO 8601 / RFC 3339 extended ("2011-08-17T20:18:56.507+02:00"), basic
 * ("20110817T201856Z"), bare dates ("2011-08-17", "2011-08", "2011") and the WordPress
 * form ("2011-01-05 14:22:33"). */
static int64_t parse_iso(const char *p)
{
    when w = {0, 1, 1, 0, 0, 0, 0};
    int ext;
    if (!digits(&p, 4, &w.year))
        return PV_DATE_UNKNOWN;
    ext = *p == '-';
    if (ext) {
        p++;
        if (!digits(&p, 2, &w.mon))
            return PV_DATE_UNKNOWN;
        if (*p == '-') {
            p++;
            if (!digits(&p, 2, &w.day))
                return PV_DATE_UNKNOWN;
        }
    } else if (is_digit(*p)) {
        if (!digits(&p, 2, &w.mon) || !digits(&p, 2, &w.day))
            return PV_DATE_UNKNOWN;
    }
    if ((*p == 'T' || *p == 't' || *p == ' ') && is_digit(p[1])) {
        p++;
        if (!digits(&p, 2, &w.hour))
            return PV_DATE_UNKNOWN;
        if (*p == ':')
            p++;
        if (!digits(&p, 2, &w.min))
            return PV_DATE_UNKNOWN;
        if (*p == ':' || is_digit(*p)) {
            if (*p == ':')
                p++;
            if (!digits(&p, 2, &w.sec))
                return PV_DATE_UNKNOWN;
            if ((*p == '.' || *p == ',') && is_digit(p[1])) {
                p++;
                while (is_digit(*p)) /* fractions of a second are dropped */
                    p++;
            }
        }
        p = iso_zone(p, &w.zone);
        if (!p)
            return PV_DATE_UNKNOWN;
    }
    if (*skip_space(p))
        return PV_DATE_UNKNOWN;
    return to_unix(&w);
}

static const char *const month_names[12] = {"jan", "feb", "mar", "apr", "may", "jun",
                                            "jul", "aug", "sep", "oct", "nov", "dec"};

/* Month number 1..12 of the word at *pp ("Sep", "September", "Sept"), advancing past the
 * word; 0 when it is not a month. */
static int month_of(const char **pp)
{
    const char *p = *pp;
    size_t n = 0;
    int i;
    while ((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z'))
        n++;
    if (n < 3)
        return 0;
    for (i = 0; i < 12; i++)
        if (!strncasecmp(p, month_names[i], 3)) {
            *pp = p + n;
            return i + 1;
        }
    return 0;
}

/* RFC 822 / 2822 zone names and their offsets in hours. */
static const struct {
    const char *name;
    int hours;
} zone_names[] = {{"UT", 0},   {"UTC", 0},  {"GMT", 0},  {"Z", 0},    {"EST", -5},
                  {"EDT", -4}, {"CST", -6}, {"CDT", -5}, {"MST", -7}, {"MDT", -6},
                  {"PST", -8}, {"PDT", -7}, {"BST", 1},  {"CET", 1},  {"CEST", 2}};

/* RFC 822 / 2822: "[Sat,] 07 Sep 2002 09:42:31 [+0000|GMT|EST|...]"; also tolerates the
 * "Sep 07 2002" order, missing seconds and 2-digit years (< 50 is 20xx, RFC 2822 4.3). */
static int64_t parse_rfc822(const char *p)
{
    when w = {0, 0, 0, 0, 0, 0, 0};
    int n;
    p = skip_space(p);
    /* Day name, optionally followed by a comma. */
    if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')) {
        const char *q = p;
        if (month_of(&q)) {
            w.mon = month_of(&p);
        } else {
            while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
                p++;
            if (*p == ',')
                p++;
        }
        p = skip_space(p);
    }
    if (!w.mon) {
        if (!some_digits(&p, 2, &w.day))
            return PV_DATE_UNKNOWN;
        p = skip_space(p);
        if (*p == '-')
            p++;
        w.mon = month_of(&p);
        if (!w.mon)
            return PV_DATE_UNKNOWN;
    } else {
        p = skip_space(p);
        if (!some_digits(&p, 2, &w.day))
            return PV_DATE_UNKNOWN;
        if (*p == ',')
            p++;
    }
    p = skip_space(p);
    if (*p == '-')
        p++;
    n = some_digits(&p, 4, &w.year);
    if (n == 2)
        w.year += w.year < 50 ? 2000 : 1900;
    else if (n == 3)
        w.year += 1900; /* RFC 2822 4.3 */
    else if (n != 4)
        return PV_DATE_UNKNOWN;
    p = skip_space(p);
    if (is_digit(*p)) {
        if (!some_digits(&p, 2, &w.hour) || *p++ != ':' || !digits(&p, 2, &w.min))
            return PV_DATE_UNKNOWN;
        if (*p == ':') {
            p++;
            if (!digits(&p, 2, &w.sec))
                return PV_DATE_UNKNOWN;
        }
    }
    p = skip_space(p);
    if (*p == '+' || *p == '-') {
        int neg = *p == '-', hh, mm;
        p++;
        if (!digits(&p, 2, &hh))
            return PV_DATE_UNKNOWN;
        if (*p == ':')
            p++;
        if (!digits(&p, 2, &mm) || hh > 23 || mm > 59)
            return PV_DATE_UNKNOWN;
        w.zone = (neg ? -1 : 1) * (hh * 3600L + mm * 60L);
    } else if (*p && *p != '(') {
        size_t len = 0, i;
        while ((p[len] >= 'A' && p[len] <= 'Z') || (p[len] >= 'a' && p[len] <= 'z'))
            len++;
        if (!len)
            return PV_DATE_UNKNOWN;
        for (i = 0; i < sizeof zone_names / sizeof zone_names[0]; i++)
            if (strlen(zone_names[i].name) == len && !strncasecmp(p, zone_names[i].name, len))
                break;
        /* Unknown names and military letters count as UTC, as RFC 2822 4.3 says to. */
        if (i < sizeof zone_names / sizeof zone_names[0])
            w.zone = zone_names[i].hours * 3600L;
        p += len;
    }
    p = skip_space(p);
    if (*p && *p != '(') /* a trailing "(comment)" is allowed */
        return PV_DATE_UNKNOWN;
    return to_unix(&w);
}

int64_t pv_date__parse(const char *s)
{
    const char *p;
    if (!s)
        return PV_DATE_UNKNOWN;
    p = skip_space(s);
    if (is_digit(p[0]) && is_digit(p[1]) && is_digit(p[2]) && is_digit(p[3]))
        return parse_iso(p);
    return parse_rfc822(p);
}
