/*
 * batch.c - the batch runner of match and credit: outputs read in order (inputs.c), matched
 * on N threads (pv_match_run), and handed to the command in input order through a bounded
 * ring of slots, so memory holds a few outputs whatever the size of the batch.
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_int.h"

/* One output on its way from a worker to the command. */
typedef struct slot {
    int done; /* read and matched (or failed), not yet delivered */
    pv_cli_output it;
    pv_result *res; /* NULL unless it.status is OK and the match succeeded */
} slot;

/* Workers claim outputs in order (reading them under the lock, so the order is the input
 * order) and leave them in a ring of slots; the calling thread delivers them in that order.
 * A worker never runs more than nslots outputs ahead of delivery. Delivery sleeps until half
 * the ring can be handed on (or the workers wait for it, or the outputs ended), so that it
 * wakes once for several outputs rather than once for each. */
typedef struct runner {
    const pv_cli_batch *b;
    pv_cli_outputs *in;
    slot *slots;
    size_t nslots;
    uint64_t claimed;   /* outputs read so far */
    uint64_t delivered; /* outputs handed on */
    int eof;            /* no output after the claimed ones */
    int stop;           /* delivery stopped: workers take no more */
    int deliver_waits;  /* delivery sleeps on ready */
    unsigned waiting;   /* workers asleep on space */
    size_t ndone;       /* slots done, not yet delivered */
    pthread_mutex_t lock;
    pthread_cond_t space; /* a slot was delivered, or the batch ended: workers wait on it */
    pthread_cond_t ready; /* an output was matched, or the outputs ended: delivery waits */
} runner;

unsigned pv_cli__jobs(uint64_t n)
{
    long cores;

    if (n)
        return (unsigned)n;
    cores = sysconf(_SC_NPROCESSORS_ONLN);
    return cores > 0 ? (unsigned)cores : 1;
}

/* Match the output of s, when it was read. */
static void match_one(const pv_cli_batch *b, slot *s)
{
    pv_err err = {0, ""};
    int r;

    s->res = NULL;
    if (s->it.status != PV_CLI_OUTPUT_OK)
        return;
    r = pv_match_run(b->ix, s->it.text, s->it.len, b->mo, &s->res, &err);
    if (r < 0) {
        s->res = NULL;
        s->it.status = PV_CLI_OUTPUT_UNREADABLE;
        snprintf(s->it.msg, sizeof s->it.msg, "'%s': %s",
                 strcmp(s->it.name, "-") == 0 ? "<stdin>" : s->it.name,
                 err.msg[0] ? err.msg : pv_strerror(r));
    }
}

/* Whether delivery, asleep, has work enough to wake for. Called with the lock held. */
static int delivery_can_go(const runner *rn)
{
    if (rn->stop || (rn->eof && rn->delivered == rn->claimed))
        return 1;
    return rn->slots[rn->delivered % rn->nslots].done &&
           (rn->ndone >= rn->nslots / 2 || rn->eof || rn->waiting > 0);
}

static void wake_delivery(runner *rn)
{
    if (rn->deliver_waits && delivery_can_go(rn))
        pthread_cond_signal(&rn->ready);
}

static void *worker(void *arg)
{
    runner *rn = arg;

    for (;;) {
        slot *s;
        pthread_mutex_lock(&rn->lock);
        while (!rn->stop && !rn->eof && rn->claimed >= rn->delivered + rn->nslots) {
            rn->waiting++;
            wake_delivery(rn);
            pthread_cond_wait(&rn->space, &rn->lock);
            rn->waiting--;
        }
        if (rn->stop || rn->eof) {
            pthread_mutex_unlock(&rn->lock);
            return NULL;
        }
        s = &rn->slots[rn->claimed % rn->nslots];
        if (pv_cli__outputs_next(rn->in, &s->it) == 0) {
            rn->eof = 1;
            pthread_cond_broadcast(&rn->space);
            wake_delivery(rn);
            pthread_mutex_unlock(&rn->lock);
            return NULL;
        }
        rn->claimed++;
        pthread_mutex_unlock(&rn->lock);
        match_one(rn->b, s);
        pthread_mutex_lock(&rn->lock);
        s->done = 1;
        rn->ndone++;
        wake_delivery(rn);
        pthread_mutex_unlock(&rn->lock);
    }
}

/* Hand slot s on: report what failed, deliver what was matched. Returns 0 or an exit code
 * that stops the batch; *failed is set when an output could not be read or matched. */
static int deliver(const pv_cli_batch *b, slot *s, int *failed)
{
    int rc = 0;

    if (s->it.status != PV_CLI_OUTPUT_OK || !s->res) {
        fprintf(stderr, "provscan: %s\n", s->it.msg);
        if (s->it.status != PV_CLI_OUTPUT_BAD_RECORD) {
            *failed = 1;
            if (b->stop_on_error)
                rc = PV_EXIT_INPUT;
        }
    } else {
        rc = b->fn(b->ctx, &s->it, s->res);
    }
    pv_result_free(s->res);
    s->res = NULL;
    pv_cli__output_clear(&s->it);
    s->done = 0;
    return rc;
}

int pv_cli__batch_run(pv_cli_outputs *in, const pv_cli_batch *b)
{
    runner rn;
    pthread_t *threads = NULL;
    unsigned jobs = pv_cli__jobs(b->jobs), started = 0;
    int failed = 0, rc = 0;
    uint64_t bad;

    memset(&rn, 0, sizeof rn);
    rn.b = b;
    rn.in = in;
    rn.nslots = jobs > 1 ? 4 * (size_t)jobs : 1;
    rn.slots = calloc(rn.nslots, sizeof *rn.slots);
    threads = jobs > 1 ? calloc(jobs, sizeof *threads) : NULL;
    if (!rn.slots || (jobs > 1 && !threads)) {
        fprintf(stderr, "provscan: out of memory\n");
        free(rn.slots);
        free(threads);
        return PV_EXIT_INPUT;
    }
    if (jobs > 1) {
        if (pthread_mutex_init(&rn.lock, NULL) != 0) {
            jobs = 1;
        } else if (pthread_cond_init(&rn.space, NULL) != 0) {
            pthread_mutex_destroy(&rn.lock);
            jobs = 1;
        } else if (pthread_cond_init(&rn.ready, NULL) != 0) {
            pthread_cond_destroy(&rn.space);
            pthread_mutex_destroy(&rn.lock);
            jobs = 1;
        }
    }
    for (started = 0; jobs > 1 && started < jobs; started++)
        if (pthread_create(&threads[started], NULL, worker, &rn) != 0)
            break;
    if (jobs > 1 && started == 0) {
        /* no thread to be had: match here, one output at a time */
        pthread_cond_destroy(&rn.ready);
        pthread_cond_destroy(&rn.space);
        pthread_mutex_destroy(&rn.lock);
        jobs = 1;
    }
    if (jobs == 1) {
        slot *s = &rn.slots[0];
        while (!rc && pv_cli__outputs_next(in, &s->it)) {
            match_one(b, s);
            rc = deliver(b, s, &failed);
        }
    } else {
        for (;;) {
            slot *s = &rn.slots[rn.delivered % rn.nslots];
            pthread_mutex_lock(&rn.lock);
            /* hand on every output done in a row; then sleep until there is enough again */
            if (!s->done)
                while (!delivery_can_go(&rn)) {
                    rn.deliver_waits = 1;
                    pthread_cond_wait(&rn.ready, &rn.lock);
                    rn.deliver_waits = 0;
                }
            pthread_mutex_unlock(&rn.lock);
            if (!s->done)
                break; /* every output was delivered */
            rc = deliver(b, s, &failed);
            pthread_mutex_lock(&rn.lock);
            rn.delivered++;
            rn.ndone--;
            rn.stop = rc != 0;
            if (rn.stop)
                pthread_cond_broadcast(&rn.space);
            else if (rn.waiting)
                pthread_cond_signal(&rn.space); /* one slot more: one worker can go on */
            pthread_mutex_unlock(&rn.lock);
            if (rc)
                break;
        }
        while (started > 0)
            pthread_join(threads[--started], NULL);
        /* outputs read or matched after delivery stopped */
        for (size_t i = 0; i < rn.nslots; i++) {
            pv_result_free(rn.slots[i].res);
            pv_cli__output_clear(&rn.slots[i].it);
        }
        pthread_cond_destroy(&rn.ready);
        pthread_cond_destroy(&rn.space);
        pthread_mutex_destroy(&rn.lock);
    }
    free(threads);
    free(rn.slots);
    bad = pv_cli__outputs_bad(in);
    if (pv_cli__outputs_stopped(in))
        return rc ? rc : PV_EXIT_INPUT; /* --strict: the first bad record ends the batch */
    if (bad)
        fprintf(stderr, "provscan: %" PRIu64 " bad record%s skipped\n", bad, bad == 1 ? "" : "s");
    if (!rc && failed)
        rc = PV_EXIT_INPUT;
    return rc;
}
