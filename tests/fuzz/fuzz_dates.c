/*
 * fuzz_dates.c - libFuzzer target for the date parsers the readers use (scanner/dates.c):
 * any bytes, as a C string, must parse to a date or to PV_DATE_UNKNOWN without UB, and a date
 * that parses must come back the same when written out again in ISO 8601 and RFC 822 forms.
 */
#define _DEFAULT_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "source.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Years 1..9999: what the parsers accept, give or take a zone offset of a day. */
#define DATE_MIN (-62135596800LL - 86400)
#define DATE_MAX (253402300799LL + 86400)

static const char *const months[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* t written out in form (0 ISO 8601 extended, 1 basic, 2 WordPress, 3 RFC 822; years with
 * four digits) must parse back to t, when it is inside the years that can be written. */
static void check_round_trip(int64_t t, int form)
{
    time_t tt = (time_t)t;
    struct tm tm;
    char s[64];
    int y;
    PV_FUZZ_CHECK(gmtime_r(&tt, &tm) != NULL);
    y = tm.tm_year + 1900;
    if (y < 1 || y > 9999)
        return;
    if (form == 0)
        snprintf(s, sizeof s, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, tm.tm_mon + 1, tm.tm_mday,
                 tm.tm_hour, tm.tm_min, tm.tm_sec);
    else if (form == 1)
        snprintf(s, sizeof s, "%04d%02d%02dT%02d%02d%02d+0000", y, tm.tm_mon + 1, tm.tm_mday,
                 tm.tm_hour, tm.tm_min, tm.tm_sec);
    else if (form == 2)
        snprintf(s, sizeof s, "%04d-%02d-%02d %02d:%02d:%02d", y, tm.tm_mon + 1, tm.tm_mday,
                 tm.tm_hour, tm.tm_min, tm.tm_sec);
    else
        snprintf(s, sizeof s, "%02d %s %04d %02d:%02d:%02d GMT", tm.tm_mday, months[tm.tm_mon], y,
                 tm.tm_hour, tm.tm_min, tm.tm_sec);
    if (pv_date__parse(s) != t) {
        fprintf(stderr, "'%s' does not parse back to %lld\n", s, (long long)t);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    int64_t t;

    PV_FUZZ_CHECK(s != NULL);
    memcpy(s, data, size);
    s[size] = '\0';
    t = pv_date__parse(s);
    if (t != PV_DATE_UNKNOWN) {
        PV_FUZZ_CHECK(t >= DATE_MIN && t <= DATE_MAX);
        for (int form = 0; form < 4; form++)
            check_round_trip(t, form);
    }
    PV_FUZZ_CHECK(pv_date__parse(NULL) == PV_DATE_UNKNOWN);
    free(s);
    return 0;
}
