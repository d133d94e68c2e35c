/*
 * report_jsonl.c - match's JSON reports written as they are produced: the JSON document
 * piece by piece (byte-identical to printing its whole cJSON tree) and JSON lines, one
 * result per line. report_json.c builds the objects; here they are printed and freed one
 * span at a time, so memory never holds a whole report, nor a whole huge result.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "cli_int.h"

/* Print s as if it were nested depth levels deep in a formatted cJSON tree: cJSON indents
   every line with one tab per level and never puts a raw newline inside a string, so a
   nested value is its own printing with depth tabs after each newline. */
static void put_nested(const char *s, int depth)
{
    const char *nl;
    int i;
    while ((nl = strchr(s, '\n')) != NULL) {
        fwrite(s, 1, (size_t)(nl - s) + 1, stdout);
        for (i = 0; i < depth; i++)
            putchar('\t');
        s = nl + 1;
    }
    fputs(s, stdout);
}

/* Print item (freed here) nested depth levels deep, or on one line when depth < 0. */
static int put_item(cJSON *item, int depth)
{
    char *s = !item || pv_cli__json_exact_numbers(item) ? NULL
              : depth < 0                               ? cJSON_PrintUnformatted(item)
                                                        : cJSON_Print(item);
    cJSON_Delete(item);
    if (!s)
        return -1;
    if (depth < 0)
        fputs(s, stdout);
    else
        put_nested(s, depth);
    cJSON_free(s);
    return 0;
}

/* Print input's result object nested depth levels deep (< 0: on one line). The object is
   built without its spans and printed around an empty "spans" array, whose place is then
   filled with the span objects one at a time. */
static int put_result(const char *input, const pv_result *res, int depth)
{
    const char *key = depth < 0 ? "\"spans\":[]" : "\"spans\":\t[]";
    cJSON *o = pv_cli__json_result(input, res, 0);
    char *s = !o || pv_cli__json_exact_numbers(o) ? NULL
              : depth < 0                         ? cJSON_PrintUnformatted(o)
                                                  : cJSON_Print(o);
    char *at;
    size_t i;
    int rc = -1;
    cJSON_Delete(o);
    /* A key's quotes are never escaped and string values always are: the first unescaped
       "spans" is the key. */
    at = s ? strstr(s, key) : NULL;
    if (!at)
        goto done;
    at += strlen(key) - 1; /* at ']' */
    at[-1] = '\0';
    if (depth < 0)
        fputs(s, stdout);
    else
        put_nested(s, depth);
    putchar('[');
    for (i = 0; i < res->nspans; i++) {
        if (i)
            fputs(depth < 0 ? "," : ", ", stdout);
        /* a span sits two levels below its result: result object, spans array's objects */
        if (put_item(pv_cli__json_span(&res->spans[i]), depth < 0 ? -1 : depth + 2) != 0)
            goto done;
    }
    if (depth < 0)
        fputs(at, stdout);
    else
        put_nested(at, depth);
    rc = 0;
done:
    cJSON_free(s);
    return rc;
}

int pv_cli__json_stream_begin(const char *index_path, const pv_index_info *info)
{
    fputs("{\n\t\"index\":\t", stdout);
    if (put_item(pv_cli__json_index(index_path, info, 0), 1) != 0)
        return -1;
    fputs(",\n\t\"results\":\t[", stdout);
    return 0;
}

int pv_cli__json_stream_result(const char *input, const pv_result *res, int first)
{
    if (!first)
        fputs(", ", stdout);
    /* results' elements are objects inside an array inside the document: two levels */
    return put_result(input, res, 2);
}

void pv_cli__json_stream_end(void)
{
    fputs("]\n}\n", stdout);
}

int pv_cli__jsonl_result(const char *input, const pv_result *res)
{
    if (put_result(input, res, -1) != 0)
        return -1;
    putchar('\n');
    fflush(stdout);
    return 0;
}
