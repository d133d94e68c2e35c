/*
 * progress.c - the progress bar and the diagnostics of long work, on stderr. The bar is
 * drawn only on a terminal, at most 10 times a second, and erased before a diagnostic is
 * printed and at the end, so stderr stays a clean log when it is redirected.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <sys/ioctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_int.h"

#define REDRAW_INTERVAL 0.1 /* seconds between two redraws */
#define BAR_CELLS 20

struct pv_cli_progress {
    int show_bar; /* stderr is a terminal and not --quiet */
    int verbose;  /* print notes */
    int drawn;    /* a bar is on the last line of stderr */
    double start, last_draw;
    /* The library may call from worker threads: it serializes diag calls, but progress
       and diag may still meet, and both touch the bar. */
    pthread_mutex_t lock;
};

pv_cli_progress *pv_cli__progress_new(int show_bar, int verbose)
{
    pv_cli_progress *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->show_bar = show_bar && isatty(STDERR_FILENO);
    p->verbose = verbose;
    p->start = pv_cli__now();
    pthread_mutex_init(&p->lock, NULL);
    return p;
}

/* Erase the bar; call with the lock held. */
static void erase(pv_cli_progress *p)
{
    if (p->drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        p->drawn = 0;
    }
}

void pv_cli__progress_free(pv_cli_progress *p)
{
    if (!p)
        return;
    erase(p);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

/* Megabytes (10^6 bytes) with one decimal. */
static double mb(uint64_t bytes)
{
    return (double)bytes / 1e6;
}

static void format_eta(double secs, char *buf, size_t bufsz)
{
    unsigned long s = secs > 0 && secs < 360000.0 ? (unsigned long)(secs + 0.5) : 0;
    if (s >= 3600)
        snprintf(buf, bufsz, "%lu:%02lu:%02lu", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(buf, bufsz, "%lu:%02lu", s / 60, s % 60);
}

void pv_cli__progress_cb(void *ctx, const pv_progress *pr)
{
    pv_cli_progress *p = ctx;
    const uint64_t done_bytes = pr->done_bytes, total_bytes = pr->total_bytes;
    const uint64_t done_docs = pr->done_docs, total_docs = pr->total_docs;
    double now, elapsed, rate;
    char line[160], docs[32], tdocs[32], eta[32], commits[32], blobs[32];
    struct winsize ws;
    int n = 0;
    if (!p || !p->show_bar)
        return;
    pthread_mutex_lock(&p->lock);
    now = pv_cli__now();
    if (now - p->last_draw < REDRAW_INTERVAL)
        goto done;
    p->last_draw = now;
    elapsed = now - p->start;
    rate = elapsed > 0 ? (double)done_bytes / elapsed : 0;
    if (total_bytes > 0) {
        double frac = done_bytes >= total_bytes ? 1.0 : (double)done_bytes / (double)total_bytes;
        int cells = (int)(frac * BAR_CELLS), i;
        line[n++] = '[';
        for (i = 0; i < BAR_CELLS; i++)
            line[n++] = i < cells ? '#' : '-';
        line[n++] = ']';
        n += snprintf(line + n, sizeof line - (size_t)n, " %3d%%  %.1f/%.1f MB", (int)(frac * 100),
                      mb(done_bytes), mb(total_bytes));
    } else {
        n += snprintf(line + n, sizeof line - (size_t)n, "%.1f MB", mb(done_bytes));
    }
    pv_cli__commas(done_docs, docs);
    if (pr->commits > 0 && done_docs == 0) /* a git history being walked */
        n += snprintf(line + n, sizeof line - (size_t)n, "  %s commits  %s blobs",
                      pv_cli__commas(pr->commits, commits), pv_cli__commas(pr->blobs, blobs));
    else if (total_docs > 0)
        n += snprintf(line + n, sizeof line - (size_t)n, "  %s/%s docs", docs,
                      pv_cli__commas(total_docs, tdocs));
    else
        n += snprintf(line + n, sizeof line - (size_t)n, "  %s docs", docs);
    if (n < (int)sizeof line && done_docs > 0 && elapsed > 0)
        n += snprintf(line + n, sizeof line - (size_t)n, " (%.0f/s)", (double)done_docs / elapsed);
    if (n < (int)sizeof line)
        n += snprintf(line + n, sizeof line - (size_t)n, "  %.1f MB/s", rate / 1e6);
    if (n < (int)sizeof line && total_bytes > done_bytes && rate > 0) {
        format_eta((double)(total_bytes - done_bytes) / rate, eta, sizeof eta);
        snprintf(line + n, sizeof line - (size_t)n, "  ETA %s", eta);
    }
    /* A line longer than the terminal wraps, and "\r" then no longer returns to its start. */
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 && ws.ws_col <= sizeof line)
        line[ws.ws_col - 1] = '\0';
    fprintf(stderr, "\r%s\033[K", line);
    fflush(stderr);
    p->drawn = 1;
done:
    pthread_mutex_unlock(&p->lock);
}

void pv_cli__diag_cb(void *ctx, pv_severity sev, const char *msg)
{
    pv_cli_progress *p = ctx;
    const char *label = sev == PV_ERROR ? "error" : sev == PV_WARNING ? "warning" : "note";
    if (sev == PV_NOTE && !(p && p->verbose))
        return;
    if (!p) {
        fprintf(stderr, "provscan: %s: %s\n", label, msg);
        return;
    }
    pthread_mutex_lock(&p->lock);
    erase(p);
    fprintf(stderr, "provscan: %s: %s\n", label, msg);
    pthread_mutex_unlock(&p->lock);
}
