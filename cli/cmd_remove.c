/*
 * cmd_remove.c - `provscan remove`: record a tombstone beside an index (an author, a document
 * or a whole source), so that removed work never appears in any result again.
 */
#include <stdio.h>
#include <string.h>

#include "cli_int.h"

enum { OPT_INDEX, OPT_AUTHOR, OPT_DOCUMENT, OPT_SOURCE, NOPTS };

static const pv_cli_opt opts[NOPTS] = {
    [OPT_INDEX] = {"index", 'x', "INDEX", PV_CLI_STRING, 0, 0, NULL,
                   "the index to remove work from (required)"},
    [OPT_AUTHOR] = {"author", 0, "ID", PV_CLI_STRING, 0, 0, NULL,
                    "remove a person, as reports print them: \"Name <email>\", a name, an email "
                    "or an account id"},
    [OPT_DOCUMENT] = {"document", 0, "LOCATOR", PV_CLI_STRING, 0, 0, NULL,
                      "remove a document, by its locator as reports print it (with --source: "
                      "that source's document)"},
    [OPT_SOURCE] = {"source", 0, "ORIGIN", PV_CLI_STRING, 0, 0, NULL,
                    "remove a source root (a repository, a dump, a folder) and all its documents"},
};

static const pv_cli_spec spec = {
    "remove",
    "-x INDEX --author ID | --document LOCATOR [--source ORIGIN] | --source ORIGIN",
    "Record a tombstone in INDEX.tomb beside INDEX (in INDEX/TOMB for a folder of segments, "
    "where it applies to every segment): removed work never appears in any result "
    "of match, credit, scan or check again. A removed document or source is as if it had never "
    "been indexed (the next-earliest copy of its text becomes the origin); a removed author is "
    "never named, and the text they first wrote earns nothing (their co-authors share it; "
    "spans wholly theirs are not reported). A name that matches nothing, or more than one "
    "person, is an error. Removing the same thing twice records it once. `stats` lists the "
    "tombstones. The postings stay in the index until `provscan merge` drops them "
    "(docs/usage.md).",
    opts,
    NOPTS,
};

int pv_cli__cmd_remove(int argc, char **argv)
{
    pv_cli_args a;
    pv_err err = {0, ""};
    pv_tomb_kind kind;
    const char *id, *source = NULL, *what;
    uint64_t matched = 0;
    int already = 0, r, rc = pv_cli__parse(&spec, argc, argv, &a);
    if (rc) {
        rc = rc == PV_CLI_HELP_SHOWN ? PV_EXIT_OK : rc;
        goto done;
    }
    if (!a.vals[OPT_INDEX].count) {
        rc = pv_cli__usage_error(&spec, "missing -x INDEX");
        goto done;
    }
    if (a.npos > 0) {
        rc = pv_cli__usage_error(&spec, "unexpected argument '%s'", a.pos[0]);
        goto done;
    }
    if (!a.vals[OPT_AUTHOR].count && !a.vals[OPT_DOCUMENT].count && !a.vals[OPT_SOURCE].count) {
        rc = pv_cli__usage_error(&spec, "give --author, --document or --source");
        goto done;
    }
    if (a.vals[OPT_AUTHOR].count && (a.vals[OPT_DOCUMENT].count || a.vals[OPT_SOURCE].count)) {
        rc = pv_cli__usage_error(&spec, "--author goes alone (one removal at a time)");
        goto done;
    }
    if (a.vals[OPT_AUTHOR].count) {
        kind = PV_TOMB_AUTHOR;
        id = a.vals[OPT_AUTHOR].str;
        what = "person";
    } else if (a.vals[OPT_DOCUMENT].count) {
        kind = PV_TOMB_DOCUMENT;
        id = a.vals[OPT_DOCUMENT].str;
        source = a.vals[OPT_SOURCE].count ? a.vals[OPT_SOURCE].str : NULL;
        what = "document";
    } else {
        kind = PV_TOMB_SOURCE;
        id = a.vals[OPT_SOURCE].str;
        what = "document";
    }
    if (!*id || (source && !*source)) {
        rc = pv_cli__usage_error(&spec, "empty name");
        goto done;
    }
    r = pv_index_remove(a.vals[OPT_INDEX].str, kind, id, source, &matched, &already, &err);
    if (r < 0) {
        pv_cli__lib_error(&err, r);
        rc = PV_EXIT_INPUT;
        goto done;
    }
    fprintf(stderr, "provscan: %s '%s' from %s: %llu %s%s\n",
            already ? "already removed" : "removed", id, a.vals[OPT_INDEX].str,
            (unsigned long long)matched, what, matched == 1 ? "" : "s");
    rc = PV_EXIT_OK;
done:
    pv_cli__args_free(&a);
    return rc;
}
