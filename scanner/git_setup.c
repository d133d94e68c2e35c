/*
 * git_setup.c - pv_init: the process-wide settings of libgit2, made once (by the program, or
 * lazily before the first repository is read) rather than inside every read.
 */
#include <pthread.h>

#include <git2.h>

#include "common_int.h"
#include "scanner_int.h"

static pthread_mutex_t setup_lock = PTHREAD_MUTEX_INITIALIZER;
static int started; /* libgit2 started by pv_init, and kept */

int pv_init(size_t git_cache)
{
    int rc = 0;
    pthread_mutex_lock(&setup_lock);
    if (!started) {
        if (git_libgit2_init() < 0) {
            rc = PV_EIO;
            goto done;
        }
        started = 1;
        /* git checks the ids of the objects it stores; hashing every blob again costs a
         * third of a history's read time */
        git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
    }
    /* the object cache (256 MiB by libgit2's default) within the build's budget */
    git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE,
                     (ssize_t)(git_cache ? git_cache : PV_DEFAULT_MEMORY / 32));
done:
    pthread_mutex_unlock(&setup_lock);
    return rc;
}

int pv_scanner__git_setup(void)
{
    int done;
    pthread_mutex_lock(&setup_lock);
    done = started;
    pthread_mutex_unlock(&setup_lock);
    return done ? 0 : pv_init(0);
}
