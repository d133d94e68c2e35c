/*
 * main.c - the provscan command line: a table of commands and the dispatch to them.
 * Commands return an exit code; only main() ends the process, after checking stdout.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "cli_int.h"

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"index", pv_cli__cmd_index, "build a fingerprint index of files and directory trees"},
    {"check", pv_cli__cmd_check, "check a git change for spans from the index, with a policy"},
    {"credit", pv_cli__cmd_credit, "count credited tokens per author over a batch of outputs"},
    {"match", pv_cli__cmd_match, "attribute text to the indexed documents and authors"},
    {"scan", pv_cli__cmd_scan, "stream datasets and report which indexed documents they hold"},
    {"hook", pv_cli__cmd_hook, "install a pre-commit hook that runs check --staged"},
    {"remove", pv_cli__cmd_remove, "record a tombstone: an author, a document or a source removed"},
    {"merge", pv_cli__cmd_merge, "merge an index's segments into one, dropping removed work"},
    {"stats", pv_cli__cmd_stats, "show an index's parameters, counts and chunks"},
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static const char usage_line[] = "usage: provscan COMMAND [options] [ARGS...]\n";

static void print_help(FILE *f)
{
    size_t i;
    fputs(usage_line, f);
    fputs("\nprovscan finds the spans of a text that come from an indexed corpus and names\n"
          "the documents, authors and licenses they come from.\n"
          "\ncommands:\n",
          f);
    for (i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %-8s%s\n", commands[i].name, commands[i].summary);
    fprintf(f, "  %-8s%s\n", "help", "show the help of a command: provscan help COMMAND");
    fputs("\noptions:\n"
          "  -h, --help     show this help and exit\n"
          "      --version  show the version and exit\n"
          "\nRun 'provscan COMMAND --help' for the options of a command.\n",
          f);
}

static const command *find_command(const char *name)
{
    size_t i;
    for (i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static int unknown_command(const char *name)
{
    size_t i;
    fprintf(stderr, "provscan: unknown command '%s' (commands:", name);
    for (i = 0; i < NCOMMANDS; i++)
        fprintf(stderr, " %s", commands[i].name);
    fprintf(stderr, ")\n%s", usage_line);
    return PV_EXIT_USAGE;
}

static int dispatch(int argc, char **argv)
{
    const command *cmd;
    if (argc < 2) {
        fprintf(stderr, "provscan: missing command\n%s", usage_line);
        fputs("Run 'provscan --help' for the list of commands.\n", stderr);
        return PV_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("provscan %s (index format %d, normalization %d)\nhome: %s\n", PV_VERSION_STRING,
               PV_CLI_INDEX_FORMAT, PV_CLI_NORM_VERSION, pv_check__home_url());
        return PV_EXIT_OK;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        (strcmp(argv[1], "help") == 0 && argc == 2)) {
        print_help(stdout);
        return PV_EXIT_OK;
    }
    if (strcmp(argv[1], "help") == 0) {
        /* "provscan help CMD" is "provscan CMD --help". */
        char help_flag[] = "--help";
        char *sub[3];
        if (argc > 3) {
            fprintf(stderr, "provscan: help: too many arguments\n"
                            "usage: provscan help [COMMAND]\n");
            return PV_EXIT_USAGE;
        }
        cmd = find_command(argv[2]);
        if (!cmd)
            return unknown_command(argv[2]);
        sub[0] = argv[2];
        sub[1] = help_flag;
        sub[2] = NULL;
        return cmd->run(2, sub);
    }
    if (argv[1][0] == '-') {
        fprintf(stderr, "provscan: unknown option '%s'\n%s", argv[1], usage_line);
        return PV_EXIT_USAGE;
    }
    cmd = find_command(argv[1]);
    if (!cmd)
        return unknown_command(argv[1]);
    return cmd->run(argc - 1, argv + 1);
}

int main(int argc, char **argv)
{
    int rc;
    /* libgit2 is started by the library before the first repository is read: starting it
     * parses the system's TLS certificates, most of the start-up time of a command that reads
     * none */
    rc = dispatch(argc, argv);
    int out = pv_cli__finish_stdout();
    return rc != PV_EXIT_OK ? rc : out;
}
