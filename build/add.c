/*
 * add.c - `provscan index --add`: builds sources into a new segment of an existing index and
 * appends it to the index's manifest (the folder and manifest are index/segments.c's; the
 * build is build.c's).
 */
#include <string.h>

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
