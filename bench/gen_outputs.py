#!/usr/bin/env python3
"""gen_outputs.py - the model outputs of the credit figures of `make bench`.

Writes N outputs of SIZE bytes (default 10,000 of 2,048) as OUTDIR/oNNNNN.txt, seeded, so the
same arguments give the same files on every machine:

- 4 in 5 hold an excerpt of a bench corpus document (1/2 to 3/4 of SIZE, from a line start)
  with one word changed every ~200 bytes, one word inserted and one deleted (so positions
  shift), and unrelated text before or after it;
- 1 in 5 hold unrelated text only.

Unrelated text is Python's standard library (UNRELATED, default /usr/lib/python3.N), which the
bench corpus (/usr/include and /usr/share/doc) does not hold: what a span finds in it is a
chance or common match, not a copy. OUTDIR.truth.tsv (beside the folder) says, per output:
name, kind (excerpt or unrelated), the corpus document (relative path), the excerpt's byte
offset and length there, and the first and last line of the output that hold the excerpt
(0 0 for none).

Usage: gen_outputs.py CORPUS OUTDIR [N] [SIZE] [SEED] [UNRELATED]
"""
import glob
import os
import random
import re
import sys

EVERY = 200  # bytes between changed words
WORD = re.compile(rb"[A-Za-z]{4,}")


def text_files(root, min_size):
    """relative paths of the text files of at least min_size bytes under root, sorted."""
    out = []
    for d, dirs, files in os.walk(root):
        dirs.sort()
        for f in sorted(files):
            p = os.path.join(d, f)
            try:
                if os.path.getsize(p) >= min_size and not os.path.islink(p):
                    out.append(os.path.relpath(p, root))
            except OSError:
                pass
    return out


def piece(rng, data, size):
    """size bytes of data from a random line start (the whole of data when shorter)."""
    if len(data) <= size:
        return data, 0
    off = rng.randrange(0, len(data) - size)
    nl = data.rfind(b"\n", 0, off)
    off = nl + 1 if nl >= 0 else 0
    return data[off:off + size], off


def edit(rng, t):
    """one word changed every ~EVERY bytes, one word inserted, one deleted."""
    t = bytearray(t)
    for at in range(rng.randrange(EVERY), len(t), EVERY):
        m = WORD.search(t, at)
        if not m or m.start() >= at + EVERY:
            continue
        i = m.start() + rng.randrange(len(m.group(0)))
        t[i] = ord("q") if t[i] != ord("q") else ord("z")
    words = [m for m in WORD.finditer(t)]
    if len(words) >= 4:
        a, b = sorted(rng.sample(range(len(words)), 2))
        # delete word b first (later in the text), then insert before word a
        t[words[b].start():words[b].end() + 1] = b""
        t[words[a].start():words[a].start()] = b"indeed "
    return bytes(t)


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    corpus, outdir = argv[1], argv[2]
    n = int(argv[3]) if len(argv) > 3 else 10000
    size = int(argv[4]) if len(argv) > 4 else 2048
    seed = int(argv[5]) if len(argv) > 5 else 1
    unrel_root = argv[6] if len(argv) > 6 else sorted(glob.glob("/usr/lib/python3.[0-9]*"))[-1]
    rng = random.Random(seed)
    docs = text_files(corpus, 2 * size)
    unrel = [p for p in text_files(unrel_root, 2 * size) if p.endswith(".py")]
    if not docs or not unrel:
        sys.exit("gen_outputs.py: no corpus documents or no unrelated text")
    os.makedirs(outdir, exist_ok=True)
    total = 0
    with open(outdir.rstrip("/") + ".truth.tsv", "w") as truth:
        for i in range(n):
            name = "o%05d.txt" % i
            if rng.random() < 0.8:
                rel = rng.choice(docs)
                with open(os.path.join(corpus, rel), "rb") as f:
                    data = f.read()
                ex, off = piece(rng, data, rng.randrange(size // 2, size * 3 // 4))
                ex = edit(rng, ex)
                kind = "excerpt"
            else:
                rel, off, ex, kind = "-", 0, b"", "unrelated"
            with open(os.path.join(unrel_root, rng.choice(unrel)), "rb") as f:
                other, _ = piece(rng, f.read(), size - len(ex))
            if rng.random() < 0.5:
                body, first = ex + b"\n" + other, 1
            else:
                body, first = other + b"\n" + ex, other.count(b"\n") + 2
            body = body[:size]
            last = body.count(b"\n") + 1 if first > 1 else ex.count(b"\n") + 1
            if not ex:
                first = last = 0
            with open(os.path.join(outdir, name), "wb") as f:
                f.write(body)
            total += len(body)
            truth.write("%s\t%s\t%s\t%d\t%d\t%d\t%d\n" % (name, kind, rel, off, len(ex), first, last))
    print("outputs files=%d bytes=%d dir=%s" % (n, total, outdir))


if __name__ == "__main__":
    main(sys.argv)
