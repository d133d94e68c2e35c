#!/usr/bin/env python3
"""readme_check.py - run the examples of a Markdown file and compare their output with it.

Usage: python3 tests/readme_check.py [-v] [--keep] FILE.md...

Every fenced code block (``` or ~~~) holding lines that start with "$ " is an example: its
commands run in order, each with `sh -c` in one scratch folder per file, as typed at one
terminal (a `cd` or an `export` holds for the commands after it), and what a command
prints (stdout and stderr, through one pipe, in the order written) must be the lines the file
shows after it, up to the next "$ " line or the end of the block.

 - The scratch folder is <tmp>/provscan, holding a copy of fixtures/ (every file's
   modification time set to FIXTURE_MTIME, so that the dates of documents read from a folder
   are those the README shows; a fresh clone has its checkout time instead) and nothing else.
   `provscan` is found on PATH: a temporary bin folder links it to the binary under test
   (env PROVSCAN_BIN, default ./provscan), as after `make install`; `./provscan` is a link
   in the scratch folder. HOME is an empty folder (no git configuration of the user).
 - Compared after normalizing what legitimately varies on both sides: elapsed times and
   speeds ("in 0.05 s (1.8 MB/s)", "(70.7 MB/s)"), index creation dates ("created
   2026-...Z") and tombstone dates ("removed 2026-...Z"), and the scratch folder's parent, which the file writes as "...".
 - Elision is explicit: a line holding only "..." (any indentation) stands for any number of
   lines, none included. Anything else shown must be printed, and everything printed must be
   shown.
 - A command must exit 0 (write `; echo "exit $?"` after one that is meant to fail).
 - A block preceded by the comment `<!-- readme-check: skip: REASON -->` (blank lines
   allowed between them) is not run and is reported as skipped with REASON; keep such
   blocks few (a command that needs the network, say).

Exit 0 when every example that ran matched; otherwise a unified diff per mismatch, naming
the file and line of the command, and exit 1. Exit 2 on a malformed file or bad usage.
"""
import calendar
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURE_MTIME = "2026-12-04T17:26:44Z"
SKIP_RE = re.compile(r"^\s*<!--\s*readme-check:\s*skip:\s*(.*?)\s*-->\s*$")
DIRECTIVE_RE = re.compile(r"^\s*<!--\s*readme-check:")
FENCE_RE = re.compile(r"^( {0,3})(`{3,}|~{3,})(.*)$")
ELLIPSIS = "..."
TIMEOUT = 300
# Each command runs with `sh -c` as typed at one terminal: in the folder where the previous
# one left off (`cd`), with the variables it exported (`export`), both kept in files beside
# the scratch folder ($README_CHECK_STATE).
SESSION = """cd "$(cat "$README_CHECK_STATE/cwd")" && . "$README_CHECK_STATE/env" || exit 125
%s
readme_check_rc=$?
pwd >"$README_CHECK_STATE/cwd"; export -p >"$README_CHECK_STATE/env"
exit $readme_check_rc
"""


class Example:
    """One command of a block: its line number, its text, and the lines shown after it."""

    def __init__(self, line, cmd, shown):
        self.line, self.cmd, self.shown = line, cmd, shown


class Block:
    def __init__(self, line, skip):
        self.line, self.skip, self.examples = line, skip, []


def die(msg):
    print("readme_check: " + msg, file=sys.stderr)
    sys.exit(2)


def parse(path):
    """The blocks of path that hold "$ " commands, in order."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    blocks = []
    i = 0
    last_text = None  # the last non-blank line outside a block, with its number
    while i < len(lines):
        m = FENCE_RE.match(lines[i])
        if not m:
            if lines[i].strip():
                last_text = (i + 1, lines[i])
            i += 1
            continue
        fence, start = m.group(2), i + 1
        body = []
        i += 1
        while i < len(lines):
            c = FENCE_RE.match(lines[i])
            if c and c.group(2)[0] == fence[0] and len(c.group(2)) >= len(fence) and not c.group(3).strip():
                break
            body.append(lines[i])
            i += 1
        if i == len(lines):
            die("%s:%d: code block never closed" % (path, start))
        i += 1
        skip = None
        if last_text and DIRECTIVE_RE.match(last_text[1]):
            s = SKIP_RE.match(last_text[1])
            if not s or not s.group(1):
                die("%s:%d: unknown directive (write <!-- readme-check: skip: REASON -->)"
                    % (path, last_text[0]))
            skip = s.group(1)
        last_text = (start, lines[start - 1])
        if not any(b.startswith("$ ") for b in body):
            if skip:
                die("%s:%d: skip directive before a block without commands" % (path, start))
            continue
        blk = Block(start, skip)
        j = 0
        if not body[0].startswith("$ "):
            die("%s:%d: a block of commands must start with a \"$ \" line" % (path, start + 1))
        while j < len(body):
            cmd_line = start + 1 + j
            cmd = body[j][2:]
            while cmd.endswith("\\") and j + 1 < len(body):  # continued command
                j += 1
                cmd = cmd + "\n" + body[j]
            j += 1
            shown = []
            while j < len(body) and not body[j].startswith("$ "):
                shown.append(body[j])
                j += 1
            blk.examples.append(Example(cmd_line, cmd, shown))
        blocks.append(blk)
    return blocks


TIME_RES = [
    # "in 0.05 s (1.8 MB/s)", "in 1.54 s", "in 12 ms"
    (re.compile(r"\bin [0-9][0-9.,]* (?:s|ms|min)\b"), "in <time>"),
    # "(70.7 MB/s)", "(1,234 records/s)"
    (re.compile(r"\([0-9][0-9.,]* ?[KMGT]?i?B/s\)"), "(<speed>)"),
    (re.compile(r"\([0-9][0-9.,]* [a-z]+/s\)"), "(<speed>)"),
    # index creation dates: "created            2026-12-04T17:26:44Z", "created": "...", and
    # when a tombstone was recorded: "removed 2026-12-05T17:18:11Z", "removed": "..."
    (re.compile(r"((?:created|removed)\"?:?\s+\"?)\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"), r"\1<date>"),
]


def normalize(line, scratch_parent):
    line = line.rstrip()
    if scratch_parent:
        line = line.replace(scratch_parent, "...")
    for rx, rep in TIME_RES:
        line = rx.sub(rep, line)
    return line


def strip_blank_ends(v):
    while v and not v[-1].strip():
        v = v[:-1]
    while v and not v[0].strip():
        v = v[1:]
    return v


def align(shown, got):
    """Aligns the shown lines (with "..." elisions) with the printed ones by a shortest edit
    script. Returns (ok, ops): ops a list of (tag, shown_index, got_index), tag one of
    "=" (same line), "-" (shown, not printed), "+" (printed, not shown), "~" (printed, elided)."""
    n, m = len(shown), len(got)
    INF = 1 << 30
    cost = [[INF] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = 0
    for i in range(n + 1):
        for j in range(m + 1):
            if i == 0 and j == 0:
                continue
            best = INF
            if i > 0 and shown[i - 1] == ELLIPSIS:
                best = min(best, cost[i - 1][j])  # the elision stands for nothing more
                if j > 0:
                    best = min(best, cost[i][j - 1])  # or for one more printed line
            else:
                if i > 0 and j > 0 and shown[i - 1] == got[j - 1]:
                    best = min(best, cost[i - 1][j - 1])
                if i > 0:
                    best = min(best, cost[i - 1][j] + 1)
                if j > 0:
                    best = min(best, cost[i][j - 1] + 1)
            cost[i][j] = best
    ops = []
    i, j = n, m
    while i > 0 or j > 0:
        c = cost[i][j]
        if i > 0 and shown[i - 1] == ELLIPSIS:
            if j > 0 and cost[i][j - 1] == c:
                ops.append(("~", i - 1, j - 1))
                j -= 1
            else:
                i -= 1
            continue
        if i > 0 and j > 0 and shown[i - 1] == got[j - 1] and cost[i - 1][j - 1] == c:
            ops.append(("=", i - 1, j - 1))
            i, j = i - 1, j - 1
        elif i > 0 and cost[i - 1][j] + 1 == c:
            ops.append(("-", i - 1, None))
            i -= 1
        else:
            ops.append(("+", None, j - 1))
            j -= 1
    ops.reverse()
    return cost[n][m] == 0, ops


def render_diff(path, ex, shown_raw, got_raw, ops, context=3):
    """A unified diff of the lines shown (numbered as in the file) and the lines printed."""
    out = ["--- %s:%d (shown after `$ %s`)" % (path, ex.line, ex.cmd.split("\n")[0]),
           "+++ printed"]
    # collapse runs of elided lines into one marker line, so they read as context
    rows = []
    for tag, si, gi in ops:
        if tag == "~":
            if rows and rows[-1][0] == "~":
                rows[-1][2] += 1
            else:
                rows.append(["~", si, 1])
        else:
            rows.append([tag, si, gi])
    changed = [k for k, r in enumerate(rows) if r[0] in "+-"]
    if not changed:
        return out
    # hunks: changed rows with `context` rows around, merged when they touch
    spans = []
    for k in changed:
        a, b = max(0, k - context), min(len(rows), k + context + 1)
        if spans and a <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], b)
        else:
            spans.append([a, b])
    first_shown = ex.line + 1  # the file's line number of shown[0]
    for a, b in spans:
        si = next((r[1] for r in rows[a:] if r[0] in "=-~" and r[1] is not None), len(shown_raw))
        out.append("@@ %s line %d @@" % (path, first_shown + si))
        for tag, x, y in rows[a:b]:
            if tag == "=":
                out.append(" " + shown_raw[x])
            elif tag == "-":
                out.append("-" + shown_raw[x])
            elif tag == "+":
                out.append("+" + got_raw[y])
            else:
                out.append(" %s  (%d line%s elided)" % (shown_raw[x], y, "" if y == 1 else "s"))
    return out


def make_scratch(binary):
    base = tempfile.mkdtemp(prefix="readme-check-")
    work = os.path.join(base, "provscan")
    os.mkdir(work)
    shutil.copytree(os.path.join(ROOT, "fixtures"), os.path.join(work, "fixtures"), symlinks=True)
    t = calendar.timegm(time.strptime(FIXTURE_MTIME, "%Y-%m-%dT%H:%M:%SZ"))
    for d, dirs, files in os.walk(os.path.join(work, "fixtures")):
        for name in files + dirs:
            os.utime(os.path.join(d, name), (t, t), follow_symlinks=False)
    os.utime(os.path.join(work, "fixtures"), (t, t))
    bindir = os.path.join(base, "bin")
    os.mkdir(bindir)
    os.symlink(binary, os.path.join(bindir, "provscan"))
    os.symlink(binary, os.path.join(work, "provscan"))
    home = os.path.join(base, "home")
    os.mkdir(home)
    env = dict(os.environ)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "/usr/bin:/bin")
    env["HOME"] = home
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    env["LC_ALL"] = "C.UTF-8"
    env["TZ"] = "UTC"
    env.pop("NO_COLOR", None)
    state = os.path.join(base, "state")
    os.mkdir(state)
    env["README_CHECK_STATE"] = state
    with open(os.path.join(state, "cwd"), "w") as f:
        f.write(work + "\n")
    with open(os.path.join(state, "env"), "w") as f:
        pass
    return base, work, env


def check(path, verbose):
    blocks = parse(path)
    binary = os.path.abspath(os.environ.get("PROVSCAN_BIN") or os.path.join(ROOT, "provscan"))
    if not os.access(binary, os.X_OK):
        die("cannot run %s (build it with make, or set PROVSCAN_BIN)" % binary)
    base, work, env = make_scratch(binary)
    ran = failed = skipped = 0
    try:
        for blk in blocks:
            if blk.skip:
                skipped += len(blk.examples)
                print("%s:%d: skipped (%s): %s" % (path, blk.line, blk.skip,
                      "; ".join("$ " + e.cmd.split("\n")[0] for e in blk.examples)))
                continue
            for ex in blk.examples:
                ran += 1
                try:
                    r = subprocess.run(["sh", "-c", SESSION % ex.cmd], cwd=work, env=env,
                                       stdin=subprocess.DEVNULL,
                                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=TIMEOUT)
                    text, rc = r.stdout.decode("utf-8", "replace"), r.returncode
                except subprocess.TimeoutExpired:
                    text, rc = "(timed out after %d s)\n" % TIMEOUT, -1
                got_raw = strip_blank_ends(text.split("\n"))
                shown_raw = strip_blank_ends(ex.shown)
                got = [normalize(x, base) for x in got_raw]
                shown = [normalize(x, None) for x in shown_raw]
                shown = [ELLIPSIS if x.strip() == ELLIPSIS else x for x in shown]
                ok, ops = align(shown, got)
                if ok and rc == 0:
                    if verbose:
                        print("%s:%d: ok: $ %s" % (path, ex.line, ex.cmd))
                    continue
                failed += 1
                print("%s:%d: %s: $ %s" % (path, ex.line,
                      "exit code %d" % rc if ok else "output differs" + ("" if rc == 0 else " (exit code %d)" % rc),
                      ex.cmd))
                if not ok:
                    print("\n".join(render_diff(path, ex, shown_raw, got_raw, ops)))
    finally:
        if os.environ.get("README_CHECK_KEEP"):
            print("readme_check: scratch folder kept: %s" % work)
        else:
            shutil.rmtree(base, ignore_errors=True)
    print("%s: %d command%s run, %d matched, %d differ, %d skipped" %
          (path, ran, "" if ran == 1 else "s", ran - failed, failed, skipped))
    return failed == 0


def main(argv):
    verbose = False
    files = []
    for a in argv:
        if a == "-v":
            verbose = True
        elif a == "--keep":
            os.environ["README_CHECK_KEEP"] = "1"
        elif a.startswith("-"):
            die("unknown option %s (usage: readme_check.py [-v] [--keep] FILE.md...)" % a)
        else:
            files.append(a)
    if not files:
        die("usage: readme_check.py [-v] [--keep] FILE.md...")
    ok = True
    for f in files:
        ok = check(f, verbose) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
