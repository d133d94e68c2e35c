/*
 * git_setup.c - pv_init: the process-wide settings of libgit2, recorded by the program and made
 * once, before the first repository is read, rather than inside every read.
 */
#include <pthread.h>

#include <git2.h>

#include "common_int.h"
#include "scanner_int.h"

static pthread_mutex_t setup_lock = PTHREAD_MUTEX_INITIALIZER;
static int started;       /* libgit2 started (by the first repository), and kept */
static size_t cache_want; /* the object cache pv_init asked for (0: the default) */

/* Sets libgit2's object cache (256 MiB by libgit2's default) within the build's budget.
 * Called with setup_lock held, once libgit2 is started. */
static void set_cache(void)
{
    git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE,
                     (ssize_t)(cache_want ? cache_want : PV_DEFAULT_MEMORY / 32));
}

int pv_init(size_t git_cache)
{
    pthread_mutex_lock(&setup_lock);
    cache_want = git_cache;
    if (started)
        set_cache();
    pthread_mutex_unlock(&setup_lock);
    return 0;
}

int pv_scanner__git_setup(void)
{
    int rc = 0;
    pthread_mutex_lock(&setup_lock);
    if (!started) {
        /* started here rather than in pv_init: starting libgit2 parses the system's TLS
         * certificates (about 55 million instructions), which a command that reads no
         * repository should not pay */
        if (git_libgit2_init() < 0) {
            rc = PV_EIO;
            goto done;
        }
        started = 1;
        /* git checks the ids of the objects it stores; hashing every blob again costs a
         * third of a history's read time */
        git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
        set_cache();
    }
done:
    pthread_mutex_unlock(&setup_lock);
    return rc;
}
