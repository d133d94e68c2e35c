/*
 * term_cut.c - long report lines cut to the terminal's width: when stdout is a terminal,
 * stdout is turned into a pipe that a thread reads, writing each line to the terminal up
 * to its width. Reports keep writing to stdout unchanged; piped output is never cut.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <utf8proc.h>

#include "cli_int.h"

struct pv_cli_cut {
    int term;     /* the terminal, stdout's descriptor before the pipe */
    int rd;       /* the pipe's read end */
    size_t width; /* columns */
    pthread_t thread;
};

/* Write all of p[0..n) to fd; a terminal that fails is not worth reporting. */
static void put_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

/* Columns a code point takes; control characters other than tab take none. */
static size_t cols_of(int32_t cp, size_t col)
{
    int w;
    if (cp == '\t')
        return 8 - col % 8;
    w = utf8proc_charwidth(cp);
    return w > 0 ? (size_t)w : 0;
}

/* Copy the pipe to the terminal, dropping what lies past the width on each line. Escape
   sequences (colours) take no column and always pass, so a colour cut off is still reset.
   A UTF-8 sequence split across two reads is carried over. */
static void *cut_thread(void *arg)
{
    struct pv_cli_cut *c = arg;
    char in[65536 + 4], out[65536 * 2];
    size_t carry = 0, col = 0;
    int esc = 0; /* 1 after ESC, 2 inside CSI "ESC [ ... final" */
    for (;;) {
        ssize_t got = read(c->rd, in + carry, sizeof in - 4 - carry);
        size_t n, i = 0, o = 0;
        if (got <= 0) {
            put_all(c->term, in, carry); /* a truncated sequence, as it came */
            break;
        }
        n = carry + (size_t)got;
        carry = 0;
        while (i < n) {
            unsigned char b = (unsigned char)in[i];
            utf8proc_int32_t cp;
            utf8proc_ssize_t len;
            if (esc || b == 0x1b) {
                if (b == 0x1b)
                    esc = 1;
                else if (esc == 1)
                    esc = b == '[' ? 2 : 0;
                else if (b >= 0x40 && b <= 0x7e)
                    esc = 0;
                out[o++] = (char)b;
                i++;
                continue;
            }
            if (b == '\n') {
                col = 0;
                out[o++] = '\n';
                i++;
                continue;
            }
            len =
                utf8proc_iterate((const utf8proc_uint8_t *)in + i, (utf8proc_ssize_t)(n - i), &cp);
            if (len < 0 && n - i < 4 && b >= 0xc0) {
                /* perhaps the start of a sequence the next read completes */
                carry = n - i;
                break;
            }
            if (len <= 0) {
                len = 1;
                cp = 0xFFFD;
            }
            if (col + cols_of(cp, col) <= c->width) {
                size_t k;
                for (k = 0; k < (size_t)len; k++)
                    out[o++] = in[i + k];
            }
            col += cols_of(cp, col);
            i += (size_t)len;
        }
        put_all(c->term, out, o);
        for (i = 0; i < carry; i++)
            in[i] = in[n - carry + i];
    }
    close(c->rd);
    return NULL;
}

int pv_cli__cut_begin(pv_cli_cut **out)
{
    struct winsize ws;
    struct pv_cli_cut *c;
    int fds[2];
    *out = NULL;
    if (!isatty(STDOUT_FILENO) || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0 || ws.ws_col == 0)
        return 0;
    c = calloc(1, sizeof *c);
    if (!c)
        return -1;
    c->width = ws.ws_col;
    c->term = dup(STDOUT_FILENO);
    if (c->term < 0 || pipe(fds) != 0)
        goto fail;
    fflush(stdout);
    if (dup2(fds[1], STDOUT_FILENO) < 0) {
        close(fds[0]);
        close(fds[1]);
        goto fail;
    }
    close(fds[1]);
    c->rd = fds[0];
    if (pthread_create(&c->thread, NULL, cut_thread, c) != 0) {
        dup2(c->term, STDOUT_FILENO);
        close(c->rd);
        goto fail;
    }
    *out = c;
    return 0;
fail:
    if (c->term >= 0)
        close(c->term);
    free(c);
    return -1;
}

void pv_cli__cut_end(pv_cli_cut *c)
{
    if (!c)
        return;
    fflush(stdout);
    /* the pipe's last write end closes: the thread reads to the end and stops */
    dup2(c->term, STDOUT_FILENO);
    pthread_join(c->thread, NULL);
    close(c->term);
    free(c);
}
