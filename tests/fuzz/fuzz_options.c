/*
 * fuzz_options.c - libFuzzer target for the command-line parser (cli/options.c): the bytes,
 * cut at NUL bytes, are the arguments of a command whose table has an option of every kind.
 * Whatever the arguments, pv_cli__parse returns 0 (every value then inside its kind's rules),
 * PV_CLI_HELP_SHOWN or a usage error, and pv_cli__args_free frees what it made; pv_cli__parse_size
 * and pv_cli__parse_uint take the bytes as one string and agree with what they accept.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS 32

enum { O_FLAG, O_UINT, O_SIZE, O_STR, O_LIST, O_CHOICE, O_LONG_ONLY, NOPTS };

static const pv_cli_opt opts[NOPTS] = {
    [O_FLAG] = {"quiet", 'q', NULL, PV_CLI_FLAG, 0, 0, NULL, "a flag"},
    [O_UINT] = {"jobs", 'j', "N", PV_CLI_UINT, 1, 4096, "1", "a number in a range"},
    [O_SIZE] = {"memory", 'm', "SIZE", PV_CLI_SIZE, 1024, 0, "1G", "a size"},
    [O_STR] = {"output", 'o', "FILE", PV_CLI_STRING, 0, 0, NULL, "a string"},
    [O_LIST] = {"exclude", 'e', "GLOB", PV_CLI_LIST, 0, 0, NULL, "a list"},
    [O_CHOICE] = {"format", 0, "text|json|jsonl", PV_CLI_CHOICE, 0, 0, "text", "a choice"},
    [O_LONG_ONLY] = {"verbose", 'v', NULL, PV_CLI_FLAG, 0, 0, NULL, "another flag"},
};

static const pv_cli_spec spec = {"fuzz", "[options] ARG...", "The fuzz target's command.", opts,
                                 NOPTS};

static int is_choice(const char *s)
{
    return s && (!strcmp(s, "text") || !strcmp(s, "json") || !strcmp(s, "jsonl"));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *null;
    FILE *out = stdout, *err = stderr;
    char *buf = malloc(size + 1), *argv[MAX_ARGS + 2];
    int argc = 1, rc;
    size_t i, start = 0;
    pv_cli_args a;
    uint64_t v;

    if (!null) /* help and usage lines are not what is tested */
        PV_FUZZ_CHECK((null = fopen("/dev/null", "w")) != NULL);
    PV_FUZZ_CHECK(buf != NULL);
    memcpy(buf, data, size);
    buf[size] = '\0';
    argv[0] = "fuzz";
    for (i = 0; i <= size && argc <= MAX_ARGS; i++)
        if (i == size || buf[i] == '\0') {
            argv[argc++] = buf + start;
            start = i + 1;
        }
    argv[argc] = NULL;

    /* the parser's streams go to /dev/null while it runs (glibc lets a program set stdout and
       stderr; descriptor 2 stays, for the sanitizers' reports) */
    stdout = stderr = null;
    rc = pv_cli__parse(&spec, argc, argv, &a);
    stdout = out;
    stderr = err;
    PV_FUZZ_CHECK(rc == 0 || rc == PV_CLI_HELP_SHOWN || rc == PV_EXIT_USAGE ||
                  rc == PV_EXIT_INPUT /* out of memory */);
    if (rc == 0) {
        PV_FUZZ_CHECK(a.nvals == NOPTS);
        PV_FUZZ_CHECK(a.npos <= (size_t)argc - 1);
        for (i = 0; i < a.npos; i++)
            PV_FUZZ_CHECK(a.pos[i] >= buf && a.pos[i] <= buf + size);
        if (a.vals[O_UINT].count)
            PV_FUZZ_CHECK(a.vals[O_UINT].num >= 1 && a.vals[O_UINT].num <= 4096);
        if (a.vals[O_SIZE].count)
            PV_FUZZ_CHECK(a.vals[O_SIZE].num >= 1024);
        if (a.vals[O_CHOICE].count)
            PV_FUZZ_CHECK(is_choice(a.vals[O_CHOICE].str));
        if (a.vals[O_STR].count)
            PV_FUZZ_CHECK(a.vals[O_STR].str != NULL);
        PV_FUZZ_CHECK(a.vals[O_LIST].nlist == a.vals[O_LIST].count);
        for (i = 0; i < a.vals[O_LIST].nlist; i++)
            PV_FUZZ_CHECK(a.vals[O_LIST].list[i] != NULL);
    }
    pv_cli__args_free(&a); /* whatever parse returned, as the commands do */

    /* the bytes up to the first NUL as one number */
    if (pv_cli__parse_uint(buf, &v) == 0)
        PV_FUZZ_CHECK(buf[0] >= '0' && buf[0] <= '9');
    if (pv_cli__parse_size(buf, &v) == 0)
        PV_FUZZ_CHECK(buf[0] >= '0' && buf[0] <= '9');
    free(buf);
    return 0;
}
