/*
 * cmd_stats.c - `provscan stats`: open an index and show its parameters, counts and
 * chunks (id, offset, size, share of the file) as text or JSON on stdout.
 */
#include <stdio.h>
#include <string.h>

#include "cli_int.h"

enum { OPT_INDEX, OPT_FORMAT, NOPTS };

static const pv_cli_opt opts[NOPTS] = {
    [OPT_INDEX] = {"index", 'x', "INDEX", PV_CLI_STRING, 0, 0, NULL,
                   "the index to describe, a file or a folder of segments (required)"},
    [OPT_FORMAT] = {"format", 0, "text|json", PV_CLI_CHOICE, 0, 0, "text", "report format"},
};

static const pv_cli_spec spec = {
    "stats",
    "-x INDEX [options]",
    "Open INDEX, validate it (header, chunk table, checksums) and show the parameters it "
    "was built with (format and normalization versions, k, w, the guaranteed run length "
    "t = k + w - 1, fingerprint bits, seed, posting cap), its counts (documents, authors, "
    "sources, fingerprints, postings, blocks, tokens, input bytes), every chunk with "
    "its offset, size and share of the file (for a folder of segments: of the view that merges "
    "them), the segments of a folder (file, size, documents), and the tombstones `provscan "
    "remove` recorded (what each removes, when, and how many documents or persons it "
    "matches).",
    opts,
    NOPTS,
};

int pv_cli__cmd_stats(int argc, char **argv)
{
    pv_cli_args a;
    pv_index *ix = NULL;
    pv_index_info info;
    const pv_tombstone *tombs;
    const pv_segment_info *segs;
    size_t ntombs, nsegs;
    pv_err err = {0, ""};
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
    r = pv_index_open(&ix, a.vals[OPT_INDEX].str, &err);
    if (r < 0) {
        pv_cli__lib_error(&err, r);
        rc = PV_EXIT_INPUT;
        goto done;
    }
    pv_index_get_info(ix, &info);
    pv_index_tombstones(ix, &tombs, &ntombs);
    pv_index_segments(ix, &segs, &nsegs);
    if (a.vals[OPT_FORMAT].str && strcmp(a.vals[OPT_FORMAT].str, "json") == 0) {
        if (pv_cli__json_print(pv_cli__json_stats(a.vals[OPT_INDEX].str, &info, tombs, ntombs, segs,
                                                  nsegs)) != 0) {
            fprintf(stderr, "provscan: out of memory\n");
            rc = PV_EXIT_INPUT;
            goto done;
        }
    } else {
        pv_cli__text_stats(a.vals[OPT_INDEX].str, &info);
        pv_cli__text_segments(segs, nsegs);
        pv_cli__text_tombstones(tombs, ntombs);
    }
    rc = PV_EXIT_OK;
done:
    pv_index_free(ix);
    pv_cli__args_free(&a);
    return rc;
}
