/*
 * cmd_merge.c - `provscan merge`: compact the segments of an index into one, dropping the
 * removed work for good (pv_index_merge), and say what it wrote on stderr.
 */
#include <stdio.h>
#include <string.h>

#include "cli_int.h"

enum { OPT_INDEX, OPT_OUTPUT, NOPTS };

static const pv_cli_opt opts[NOPTS] = {
    [OPT_INDEX] = {"index", 'x', "INDEX", PV_CLI_STRING, 0, 0, NULL,
                   "the index to compact, a folder of segments or a file (required)"},
    [OPT_OUTPUT] = {"output", 'o', "OUT", PV_CLI_STRING, 0, 0, NULL,
                    "write the result to the file OUT and leave INDEX as it is (required when "
                    "INDEX is a file)"},
};

static const pv_cli_spec spec = {
    "merge",
    "-x INDEX [-o OUT]",
    "Merge the segments of INDEX (made by `provscan index --add`) into one, and drop the work "
    "removed from it (`provscan remove`) for good, as if it had never been indexed: the "
    "postings, documents and line tables of removed documents and sources are not written; "
    "a removed author's names, emails and ids are not written, documents wholly theirs are "
    "dropped, and the text only they wrote is cut from the others (its postings dropped; text "
    "they co-wrote credits the co-authors). The tombstones go. Without -o the folder's "
    "manifest is replaced by one naming the new segment, atomically, and the old segment "
    "files are removed. Findings are the same before and after (but text cut from a removed "
    "author is no longer matched, and strengths follow the smaller index), and the same as one "
    "index built from all the sources; document ids after a dropped document move down.",
    opts,
    NOPTS,
};

int pv_cli__cmd_merge(int argc, char **argv)
{
    pv_cli_args a;
    pv_err err = {0, ""};
    pv_index_info info;
    char b1[32], b2[32];
    int r, rc = pv_cli__parse(&spec, argc, argv, &a);
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
    r = pv_index_merge(a.vals[OPT_INDEX].str, a.vals[OPT_OUTPUT].str, &info, &err);
    if (r < 0) {
        rc = pv_cli__lib_exit(&spec, &err, r);
        goto done;
    }
    fprintf(stderr, "provscan: merged %s into %s: %s documents, %s bytes\n", a.vals[OPT_INDEX].str,
            a.vals[OPT_OUTPUT].count ? a.vals[OPT_OUTPUT].str : "one segment",
            pv_cli__commas(info.documents, b1), pv_cli__commas(info.file_bytes, b2));
    rc = PV_EXIT_OK;
done:
    pv_cli__args_free(&a);
    return rc;
}
