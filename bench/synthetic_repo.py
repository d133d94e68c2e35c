#!/usr/bin/env python3
"""synthetic_repo.py - a many-author git history for `make bench` when no real repository is
at hand: 40 authors make 1,500 commits over 60 files of real text (lines of the license texts
and C headers on every Debian machine), inserting, editing, deleting and moving blocks of lines
between files, with a .mailmap and co-authored commits. Deterministic (fixed seed and dates).

Usage: synthetic_repo.py DIR [COMMITS]
"""
import glob
import os
import random
import subprocess
import sys


def main():
    out = sys.argv[1]
    ncommits = int(sys.argv[2]) if len(sys.argv) > 2 else 1500
    rng = random.Random(42)
    pool = []
    for path in sorted(glob.glob("/usr/share/common-licenses/*"))[:12] + \
            sorted(glob.glob("/usr/include/*.h"))[:80]:
        try:
            with open(path, encoding="utf-8") as f:
                pool += [l.rstrip("\n") for l in f if len(l.split()) >= 3]
        except (UnicodeDecodeError, IsADirectoryError):
            pass
    os.makedirs(out, exist_ok=True)
    subprocess.run(["git", "init", "-q", out], check=True)
    authors = ["Author %02d" % i for i in range(40)]
    files = {"src/file%02d.c" % i: [] for i in range(60)}
    env = dict(os.environ)
    t = 1300000000
    with open(os.path.join(out, ".mailmap"), "w") as f:
        f.write("Author 01 <author01@example.org> <author01@old.example.org>\n")
    for c in range(ncommits):
        a = rng.randrange(len(authors))
        name = authors[a]
        email = "author%02d@%s" % (a, "old.example.org" if a == 1 and c % 2 else "example.org")
        op = rng.random()
        path = rng.choice(list(files))
        lines = files[path]
        if op < 0.45 or len(lines) < 10:  # insert a block of new lines
            at = rng.randrange(len(lines) + 1)
            start = rng.randrange(len(pool) - 20)
            lines[at:at] = ["%s /* %d */" % (l, c) for l in pool[start:start + rng.randrange(3, 20)]]
        elif op < 0.75:  # edit a few lines
            for _ in range(rng.randrange(1, 4)):
                i = rng.randrange(len(lines))
                words = lines[i].split()
                words[rng.randrange(len(words))] = "edited%d" % c
                lines[i] = " ".join(words)
        elif op < 0.9:  # delete a block
            i = rng.randrange(len(lines))
            del lines[i:i + rng.randrange(1, 6)]
        else:  # move a block to another file
            i = rng.randrange(len(lines))
            block = lines[i:i + rng.randrange(3, 12)]
            del lines[i:i + len(block)]
            other = files[rng.choice(list(files))]
            j = rng.randrange(len(other) + 1)
            other[j:j] = block
        for p, ls in files.items():
            full = os.path.join(out, p)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w") as f:
                f.write("\n".join(ls) + ("\n" if ls else ""))
        t += rng.randrange(600, 86400)
        env.update(GIT_AUTHOR_NAME=name, GIT_AUTHOR_EMAIL=email, GIT_COMMITTER_NAME=name,
                   GIT_COMMITTER_EMAIL=email, GIT_AUTHOR_DATE="%d +0000" % t,
                   GIT_COMMITTER_DATE="%d +0000" % t)
        msg = "commit %d" % c
        if rng.random() < 0.05:
            b = authors[(a + 7) % len(authors)]
            msg += "\n\nCo-authored-by: %s <author%02d@example.org>" % (b, (a + 7) % len(authors))
        subprocess.run(["git", "-C", out, "add", "-A"], check=True)
        subprocess.run(["git", "-C", out, "commit", "-q", "--allow-empty", "-m", msg], check=True,
                       env=env)


if __name__ == "__main__":
    main()
