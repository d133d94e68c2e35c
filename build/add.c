/*
 * add.c - `provscan index --add`: builds sources into a new segment of an existing index and
 * appends it to the index's manifest (the folder and manifest are index/segments.c's; the
 * build is build.c's).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common_int.h"
#include "index_int.h"
#include "provscan.h"

int pv_index_add(const char *path, const char *const *sources, size_t nsources,
                 const pv_build_opts *opts, pv_build_stats *stats, pv_err *err)
{
    pv_build_opts o = PV_BUILD_OPTS_INIT;
    pv_seg_add a;
    pv_err local;
    int rc;

    if (!err)
        err = &local;
    if (opts)
        o = *opts;
    rc = pv_index__add_begin(path, &a, err);
    if (rc == 0) {
        o.k = a.k;
        o.w = a.w;
        o.seed = a.seed;
        o.posting_cap = a.posting_cap;
        rc = pv_index_build(a.seg_path, sources, nsources, &o, stats, err);
    }
    if (rc == 0)
        rc = pv_index__add_commit(&a, err);
    pv_index__add_end(&a);
    return rc;
}

/* The parameters of the index at path (a file or a folder). */
static int params_of(const char *path, pv_index_info *info, pv_err *err)
{
    pv_index *ix = NULL;
    int rc = pv_index_open(&ix, path, err);
    if (rc == 0) {
        pv_index_get_info(ix, info);
        pv_index_free(ix);
    }
    return rc;
}

int pv_index_add_file(const char *path, const char *file, pv_err *err)
{
    pv_index_info mine, theirs;
    pv_seg_add a;
    pv_err local;
    int rc;

    if (!err)
        err = &local;
    if ((rc = params_of(file, &theirs, err)) != 0 || (rc = params_of(path, &mine, err)) != 0)
        return rc;
    /* checked before the index is touched (a one-file index would become a folder) */
    if (theirs.k != mine.k || theirs.w != mine.w || theirs.seed != mine.seed ||
        theirs.posting_cap != mine.posting_cap)
        return pv_err__set(err, PV_EINVAL,
                           "%s: built with other parameters than the index '%s' (k, w, seed, "
                           "posting cap)",
                           file, path);
    rc = pv_index__add_begin(path, &a, err);
    if (rc == 0 && rename(file, a.seg_path) != 0)
        rc =
            pv_err__set(err, PV_EIO, "cannot move '%s' into '%s': %s", file, path, strerror(errno));
    if (rc == 0)
        rc = pv_index__add_commit(&a, err);
    pv_index__add_end(&a);
    return rc;
}
