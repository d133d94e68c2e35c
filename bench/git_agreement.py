#!/usr/bin/env python3
"""git_agreement.py - end-to-end check of git credit against `git blame` (make bench).

Takes verbatim excerpts (WINDOW lines) of text files at HEAD of a repository that was indexed
with `provscan index git:REPO`, attributes each with `provscan match --format json`, and
compares, line by line, the commit (and author) credited to the line with the commit `git blame`
names for it at HEAD. Only lines holding a letter or digit are counted (blank lines and lines
of punctuation hold no token). Prints one line of key=value figures.

Usage: git_agreement.py PROVSCAN INDEX REPO [--files N] [--window L] [--seed S]
"""
import json
import random
import subprocess
import sys
import tempfile
import os


def blame(repo, path):
    """commit id and author email of every line of path at HEAD (git blame --porcelain)."""
    out = subprocess.run(["git", "-C", repo, "blame", "--porcelain", "HEAD", "--", path],
                         capture_output=True, check=True).stdout.decode("utf-8", "replace")
    commits, emails, res = {}, {}, []
    cur = None
    for line in out.split("\n"):
        parts = line.split(" ")
        if len(parts) >= 3 and len(parts[0]) == 40 and all(c in "0123456789abcdef" for c in parts[0]):
            cur = parts[0]
        elif line.startswith("author-mail ") and cur:
            emails[cur] = line[len("author-mail "):].strip("<>")
        elif line.startswith("\t") and cur:
            res.append((cur, emails.get(cur, "")))
    return res


def main():
    args = sys.argv[1:]
    if len(args) < 3:
        sys.exit(__doc__)
    provscan, index, repo = args[:3]
    opts = dict(zip(args[3::2], args[4::2]))
    nfiles = int(opts.get("--files", 120))
    window = int(opts.get("--window", 40))
    rng = random.Random(int(opts.get("--seed", 7)))
    ls = subprocess.run(["git", "-C", repo, "ls-tree", "-r", "--name-only", "HEAD"],
                        capture_output=True, check=True).stdout.decode().split("\n")
    exts = (".c", ".h", ".py", ".sh", ".md", ".js", ".rb", ".go", ".rs", ".java", ".txt",
            ".y", ".l", ".jq", ".test", ".yml", ".am", ".ac", ".1", ".in")
    paths = [p for p in ls if p.endswith(exts)]
    rng.shuffle(paths)
    lines_total = lines_commit = lines_author = lines_credited = excerpts = 0
    with tempfile.TemporaryDirectory() as tmp:
        for path in paths:
            if excerpts >= nfiles:
                break
            data = subprocess.run(["git", "-C", repo, "show", "HEAD:" + path],
                                  capture_output=True).stdout
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                continue
            flines = text.split("\n")
            if text.endswith("\n"):
                flines.pop()
            if len(flines) < window:
                continue
            try:
                bl = blame(repo, path)
            except subprocess.CalledProcessError:
                continue
            if len(bl) != len(flines):
                continue
            start = rng.randrange(0, len(flines) - window + 1)
            q = os.path.join(tmp, "q%d.txt" % excerpts)
            with open(q, "w", encoding="utf-8") as f:
                f.write("\n".join(flines[start:start + window]) + "\n")
            out = subprocess.run([provscan, "match", "-x", index, "--format", "json", q],
                                 capture_output=True, check=True).stdout
            rep = json.loads(out)
            res = rep["results"][0] if "results" in rep else rep
            credited = {}
            for sp in res["spans"]:
                for c in sp.get("credits", []):
                    for ln in range(c["line_start"], c["line_end"] + 1):
                        credited.setdefault(ln, c)
            excerpts += 1
            for i in range(window):
                if not any(ch.isalnum() for ch in flines[start + i]):
                    continue
                lines_total += 1
                c = credited.get(i + 1)
                if not c:
                    continue
                lines_credited += 1
                commit, email = bl[start + i]
                if c.get("commit") == commit:
                    lines_commit += 1
                if (c.get("email") or "").lower() == email.lower():
                    lines_author += 1
    pct = lambda a: 100.0 * a / lines_total if lines_total else 0.0
    print("excerpts=%d lines=%d credited=%d commit_agree=%d author_agree=%d "
          "commit_pct=%.2f author_pct=%.2f credited_pct=%.2f"
          % (excerpts, lines_total, lines_credited, lines_commit, lines_author,
             pct(lines_commit), pct(lines_author), pct(lines_credited)))


if __name__ == "__main__":
    main()
