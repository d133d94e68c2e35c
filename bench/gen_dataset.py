#!/usr/bin/env python3
"""gen_dataset.py - the datasets of the scan section of `make bench` (issue 11), and its scorer.

gen: picks "my work" from the bench corpus (bench/corpus.sh): MINE files (half C headers of
include/, half prose of doc/, 2-30 KB, content found nowhere else in the corpus, 300 tokens
or more outside the paragraphs that mention a license or copyright), copied to
OUTDIR/mine/ under their corpus paths (what `provscan index OUTDIR/mine` indexes). The other
corpus files are the filler, cycled in a seeded order until each dataset holds MB megabytes
(10^6 bytes, uncompressed). Datasets, one per shape:

  wet/bench.warc.wet   plain text: WARC/1.0 conversion records like Common Crawl's WET files
  txt/                 plain text: a folder of text files, one record per file
  dolma.jsonl[.zst]    text-heavy JSON lines, Dolma-like (id, text, source, added, created,
                       metadata.url): prose
  stack.jsonl[.zst]    text-heavy JSON lines, The Stack v1-like (hexsha = git blob id, size, ext,
                       lang, max_stars_repo_*, content, ...): code
  reddit.jsonl[.zst]   metadata-heavy JSON lines, Reddit comments (the fields of
                       fixtures/reddit/RC_2024-02.sample.ndjson, short bodies)

PLANTS copies of my documents go into each dataset at seeded records, a quarter of each kind:
  verbatim     the bytes of the document
  reformatted  indentation halved, runs of spaces collapsed, spaces around punctuation removed
               or added (tokens unchanged: punctuation is no token)
  rewrapped    prose paragraphs joined and wrapped at another width (line breaks moved)
  escaped      the copy JSON-escaped. In JSON lines: the text field holds the copy, and its line
               is written with every escape a JSON writer may use (\\uXXXX for non-ASCII, \\/ for
               /, beside the \\n \\t \\" every line needs); the other kinds are written with the
               fewest escapes (ensure_ascii=False). In plain text: the copy as a Jupyter cell
               ("source": one JSON string per line, indent 1, as nbformat writes), the way
               notebooks and JSON payloads sit in crawled pages and text dumps.
A copy is the whole document (1 in 4; for Reddit only documents under 10,000 characters) or a
line-aligned excerpt of 30-300 tokens, set between filler text (or alone in a Reddit body);
an excerpt holds no license notice (provscan reports those as common license text, not as
anybody's work) and at most a tenth of its 10-token runs occur in my other documents (so that
it names one document of mine).
Re-wrapped copies come from prose documents, reformatted ones from code, the others from both.

Writes OUTDIR/truth.tsv (dataset, file, record, line, end_line, offset, document, kind, tokens:
the dataset as given to `provscan scan` or rg, the file holding the record, the record's id
as the reader names it (WARC-Target-URI, path in the folder, metadata.url, the GitHub URL of
The Stack's reader, the Reddit permalink URL), the record's first and last line and byte offset
in the (decompressed) file, my document's path in mine/, the kind of copy and its token count
(runs of word characters, as provscan's tokenizer counts them)) and OUTDIR/patterns.txt (every
distinct line of my documents of at least 20 characters once trimmed: ripgrep's -F -f
patterns). Nothing is rewritten when OUTDIR/stamp says the same parameters made it.

score: how many planted copies a run found, per kind, from ripgrep's output
(`rg -F -f patterns.txt -n -H -M 1 DATASET`: found when rg reports a line inside that record)
or from `provscan scan --format jsonl` (found when a finding names that record and my document).
Prints one line: key=value pairs (verbatim=F/P ... all=F/P other=N), other being lines (rg) or
findings (scan) outside every planted record or naming another document.

Usage: gen_dataset.py gen CORPUS OUTDIR [--mb 256] [--seed 1] [--mine 40] [--plants 200]
       gen_dataset.py score OUTDIR DATASET (--rg FILE | --scan FILE)
"""
import argparse
import base64
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import textwrap
import uuid

VERSION = 4  # bump when the output of gen changes
KINDS = ("verbatim", "reformatted", "rewrapped", "escaped")
TOKEN = re.compile(r"\w+")
# license notices: provscan reports them as common license text, not as anybody's work
LICENSE = re.compile(r"copyright|licen[cs]|warrant|permission|redistribut|spdx", re.I)
RECORD_CAP = 64 * 1024  # filler files longer than this are cut into records of about this size
REDDIT_FIXTURE = "fixtures/reddit/RC_2024-02.sample.ndjson"


def count_tokens(text):
    return len(TOKEN.findall(text))


def read_text(path):
    with open(path, "rb") as f:
        return f.read().decode("utf-8", errors="replace")


# ---- my work and filler --------------------------------------------------------------------

def corpus_files(corpus):
    """(relative path, size) of every corpus file, sorted."""
    out = []
    for d, _, names in os.walk(corpus):
        for n in names:
            p = os.path.join(d, n)
            if os.path.isfile(p) and not os.path.islink(p):
                out.append((os.path.relpath(p, corpus), os.path.getsize(p)))
    out.sort()
    return out


def is_prose(rel, text):
    """1 for a text document of paragraphs (README, notes, Markdown), not code"""
    ext = os.path.splitext(rel)[1].lower()
    if ext not in ("", ".txt", ".md", ".rst", ".debian") or text.count("\n\n") < 3:
        return False
    lines = [ln.rstrip() for ln in text.splitlines() if ln.strip()]
    code = sum(ln.endswith((";", "{", "}", ")")) for ln in lines)
    return code < len(lines) * 0.05 and not text.startswith("#!")


def pick_mine(corpus, files, n, rng):
    """n documents: half code (include/), half prose (doc/), 2-30 KB, UTF-8, unique content."""
    seen = {}
    for rel, _ in files:
        with open(os.path.join(corpus, rel), "rb") as f:
            h = hashlib.md5(f.read()).digest()
        seen[h] = seen.get(h, 0) + 1
    code, prose = [], []
    skip = re.compile(r"(^|/)(copyright|license|licence|copying|changelog|changes|news)"
                      r"([._-]|$)", re.I)
    for rel, size in files:
        if not 2000 <= size <= 30000 or skip.search(rel):
            continue
        if rel.startswith("include/") and ("/node/" in rel or "llvm" in rel):
            continue  # per-architecture and per-version copies of the same headers
        data = open(os.path.join(corpus, rel), "rb").read()
        if seen[hashlib.md5(data).digest()] != 1:
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        # 300 tokens of my own beside the license notices
        if count_tokens("".join(p for p in re.split(r"(\n[ \t]*\n)", text)
                                if not LICENSE.search(p))) < 300:
            continue
        if rel.startswith("include/") and rel.endswith(".h"):
            code.append(rel)
        elif rel.startswith("doc/") and is_prose(rel, text):
            prose.append(rel)
    mine = rng.sample(code, n - n // 2) + rng.sample(prose, n // 2)
    return sorted(mine)


class Filler:
    """Endless records of corpus text (never my documents): files in a seeded order,
    reshuffled at each cycle, long files cut at line ends into records of ~RECORD_CAP."""

    def __init__(self, corpus, rels, rng):
        self.corpus, self.rels, self.rng = corpus, list(rels), rng
        self.queue = []

    def next(self):
        while not self.queue:
            order = self.rels[:]
            self.rng.shuffle(order)
            self.queue = order[::-1]
        rel = self.queue.pop()
        text = read_text(os.path.join(self.corpus, rel))
        if len(text) > RECORD_CAP:
            start = self.rng.randrange(0, len(text) - RECORD_CAP // 2)
            start = text.rfind("\n", 0, start) + 1
            end = text.find("\n", start + RECORD_CAP)
            text = text[start:] if end < 0 else text[start:end + 1]
        if not text.strip():
            return self.next()
        return rel, text

    def piece(self, lo=200, hi=3000):
        """a line-aligned piece of filler text of about lo-hi characters"""
        _, text = self.next()
        want = self.rng.randint(lo, hi)
        if len(text) <= want:
            return text
        start = text.rfind("\n", 0, self.rng.randrange(0, len(text) - want)) + 1
        end = text.find("\n", start + want)
        return text[start:] if end < 0 else text[start:end + 1]


# ---- copies --------------------------------------------------------------------------------

SHINGLE = 10  # tokens: the k of the index's default parameters


def shingles(text):
    """the set of runs of SHINGLE tokens of text (case-folded, as provscan compares them)"""
    t = [w.casefold() for w in TOKEN.findall(text)]
    return {tuple(t[i:i + SHINGLE]) for i in range(len(t) - SHINGLE + 1)}


def excerpt(text, rng, others):
    """whole lines of text holding 30-300 tokens (as near as lines allow), of which at most a
    tenth of the runs of SHINGLE tokens occur in another of my documents (others), so that
    the copy names the document it came from, and no license notice"""
    lines = text.splitlines(keepends=True)
    for _ in range(200):
        want = rng.randint(30, 300)
        a = rng.randrange(len(lines))
        b, n = a, 0
        while b < len(lines) and n < want:
            n += count_tokens(lines[b])
            b += 1
        part = "".join(lines[a:b])
        if 30 <= n <= 330 and not LICENSE.search(part):  # the last line may overshoot
            sh = shingles(part)
            if sh and len(sh & others) <= len(sh) // 10:
                return part
    return "".join(lines[:40])


PUNCT_TIGHT = re.compile(r"[ \t]*([=+\-*/%<>!&|,;:(){}\[\]])[ \t]*")
PUNCT_LOOSE = re.compile(r"[ \t]*([=,;(){}])[ \t]*")


def reformat(text, rng):
    """indentation halved, runs of blanks collapsed, spaces around punctuation removed (tight)
    or put on both sides (loose); lines and tokens unchanged"""
    tight = rng.random() < 0.5
    out = []
    for line in text.split("\n"):
        body = line.lstrip(" \t")
        width = len(line[:len(line) - len(body)].expandtabs(8))
        body = re.sub(r"[ \t]+", " ", body.rstrip())
        if tight:
            body = PUNCT_TIGHT.sub(r"\1", body)
            body = re.sub(r"([,;])(?=\S)", r"\1 ", body)
        else:
            body = PUNCT_LOOSE.sub(r" \1 ", body).strip()
            body = re.sub(r" {2,}", " ", body)
        out.append(" " * (width // 2) + body if body else "")
    return "\n".join(out)


def rewrap(text, rng):
    """every paragraph of two or more unindented lines joined and wrapped at a new width"""
    for _ in range(5):
        width = rng.randint(40, 110)
        blocks = re.split(r"(\n[ \t]*\n)", text)
        for i in range(0, len(blocks), 2):
            lines = [ln for ln in blocks[i].split("\n") if ln.strip()]
            if len(lines) < 2 or any(ln[:1] in (" ", "\t") for ln in lines):
                continue
            tail = "\n" if blocks[i].endswith("\n") else ""
            blocks[i] = textwrap.fill(" ".join(ln.strip() for ln in lines), width=width,
                                      break_long_words=False, break_on_hyphens=False) + tail
        out = "".join(blocks)
        if out != text:
            return out
    return out


def notebook_cell(text, prose):
    """text as one Jupyter cell, the way nbformat writes it (indent 1, a string per line)"""
    cell = {"cell_type": "markdown" if prose else "code", "metadata": {},
            "source": text.splitlines(keepends=True)}
    if not prose:
        cell = {"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": [],
                "source": cell["source"]}
    return json.dumps(cell, indent=1, ensure_ascii=False) + "\n"


class Plant:
    """one planted copy: where it goes (a byte position in the dataset) and what it is"""

    def __init__(self, at, kind, doc, whole, copy, tokens):
        self.at, self.kind, self.doc, self.whole = at, kind, doc, whole
        self.copy, self.tokens = copy, tokens


def make_plants(mine_text, shape, target, count, rng):
    """count plants for one dataset: kinds in turn, documents and excerpts drawn by rng"""
    code = [d for d in sorted(mine_text) if d.startswith("include/")]
    prose = [d for d in sorted(mine_text) if not d.startswith("include/")]
    places = sorted(rng.randrange(int(target * 0.01), int(target * 0.99)) for _ in range(count))
    shared = {}  # document -> the shingles it shares with my other documents
    seen = {}
    for d in sorted(mine_text):
        for sh in shingles(mine_text[d]):
            seen.setdefault(sh, set()).add(d)
    for sh, docs in seen.items():
        if len(docs) > 1:
            for d in docs:
                shared.setdefault(d, set()).add(sh)
    plants = []
    for i, at in enumerate(places):
        kind = KINDS[i % len(KINDS)]
        if kind == "rewrapped":
            doc = rng.choice(prose)
        elif kind == "reformatted":
            doc = rng.choice(code)
        else:
            doc = rng.choice(code if i % 8 < 4 else prose)
        text = mine_text[doc]
        whole = rng.random() < 0.25 and (shape != "reddit" or len(text) < 10000)
        part = text if whole else excerpt(text, rng, shared.get(doc, set()))
        tokens = count_tokens(part)
        if kind == "reformatted":
            part = reformat(part, rng)
        elif kind == "rewrapped":
            part = rewrap(part, rng)
        plants.append(Plant(at, kind, doc, whole, part, tokens))
    return plants


def embed(plant, filler, rng, shape_plain):
    """the text of a planted record: the copy alone (whole documents) or between filler"""
    copy = plant.copy
    if plant.kind == "escaped" and shape_plain:
        copy = notebook_cell(copy, not plant.doc.startswith("include/"))
    if plant.whole:
        return copy
    before = filler.piece()
    after = filler.piece()
    if not before.endswith("\n"):
        before += "\n"
    if not copy.endswith("\n"):
        copy += "\n"
    return before + "\n" + copy + "\n" + after


# ---- writers -------------------------------------------------------------------------------

class Out:
    """a dataset file being written: bytes and lines so far"""

    def __init__(self, path):
        self.f = open(path, "wb")
        self.bytes = 0
        self.lines = 0

    def write(self, data):
        self.f.write(data)
        self.bytes += len(data)
        self.lines += data.count(b"\n")

    def close(self):
        self.f.close()


def json_line(obj, escaped):
    if escaped:
        return (json.dumps(obj, ensure_ascii=True).replace("/", "\\/") + "\n").encode("ascii")
    return (json.dumps(obj, ensure_ascii=False) + "\n").encode("utf-8")


def fake_sha(rng):
    return "%040x" % rng.getrandbits(160)


def iso_date(rng, y0=2015, y1=2024):
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % (rng.randint(y0, y1), rng.randint(1, 12),
                                             rng.randint(1, 28), rng.randint(0, 23),
                                             rng.randint(0, 59), rng.randint(0, 59))


def base36(n):
    s = ""
    while True:
        n, r = divmod(n, 36)
        s = "0123456789abcdefghijklmnopqrstuvwxyz"[r] + s
        if n == 0:
            return s


EXT_LANG = {".h": ("h", "C"), ".c": ("c", "C"), ".hpp": ("hpp", "C++"), ".py": ("py", "Python"),
            ".md": ("md", "Markdown"), ".txt": ("txt", "Text"), ".html": ("html", "HTML")}


class Shape:
    """one dataset shape: how a record is made from a text, and where it goes"""
    plain = False

    def __init__(self, path, rng):
        self.path, self.rng = path, rng
        self.n = 0

    def size(self):
        return self.out.bytes


class Jsonl(Shape):
    def __init__(self, path, rng):
        Shape.__init__(self, path, rng)
        self.out = Out(path)

    def write(self, text, name, plant):
        """writes one record; returns (file, record id, line, end_line, offset)"""
        self.n += 1
        obj, rec = self.record(text, name)
        off, line = self.out.bytes, self.out.lines + 1
        self.out.write(json_line(obj, plant is not None and plant.kind == "escaped"))
        return self.path, rec, line, line, off

    def close(self):
        self.out.close()


class Dolma(Jsonl):
    def record(self, text, name):
        r = self.rng
        url = "https://%s.example.org/%s/%d" % (
            re.sub(r"[^a-z0-9]+", "-", name.split("/")[1].lower() if "/" in name else "site"),
            re.sub(r"[^a-z0-9]+", "-", os.path.basename(name).lower()).strip("-") or "page",
            self.n)
        obj = {"id": fake_sha(r)[:32], "text": text, "source": "common-crawl",
               "added": iso_date(r, 2023, 2023), "created": iso_date(r),
               "metadata": {"url": url, "language": "en",
                            "language_score": round(r.uniform(0.6, 1.0), 4),
                            "perplexity": round(r.uniform(100, 900), 1), "length": len(text),
                            "nlines": text.count("\n") + 1, "bucket": "head",
                            "source_domain": url.split("/")[2]}}
        return obj, url


class Stack(Jsonl):
    def record(self, text, name):
        r = self.rng
        data = text.encode("utf-8")
        blob = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
        ext, lang = EXT_LANG.get(os.path.splitext(name)[1], ("txt", "Text"))
        repo = "user%d/%s" % (r.randrange(100000), re.sub(r"[^A-Za-z0-9_.-]+", "-",
                                                            name.split("/")[1] if "/" in name
                                                            else "repo"))
        head = fake_sha(r)
        path = "/".join(name.split("/")[1:]) or name
        lines = text.split("\n")
        obj = {"hexsha": blob, "size": len(data), "ext": ext, "lang": lang,
               "max_stars_repo_path": path, "max_stars_repo_name": repo,
               "max_stars_repo_head_hexsha": head, "max_stars_repo_licenses": ["MIT"],
               "max_stars_count": r.randrange(1, 500),
               "max_stars_repo_stars_event_min_datetime": iso_date(r),
               "max_stars_repo_stars_event_max_datetime": iso_date(r),
               "max_issues_repo_path": path, "max_issues_repo_name": repo,
               "max_issues_repo_head_hexsha": head, "max_issues_repo_licenses": ["MIT"],
               "max_issues_count": None, "max_forks_repo_path": path,
               "max_forks_repo_name": repo, "max_forks_repo_head_hexsha": head,
               "max_forks_repo_licenses": ["MIT"], "max_forks_count": None,
               "content": text,
               "avg_line_length": round(len(text) / max(1, len(lines)), 6),
               "max_line_length": max(len(ln) for ln in lines),
               "alphanum_fraction": round(sum(c.isalnum() for c in text[:4096]) /
                                          max(1, min(len(text), 4096)), 6)}
        return obj, "https://github.com/%s/blob/%s/%s" % (repo, head, path)


class Reddit(Jsonl):
    def __init__(self, path, rng, template):
        Jsonl.__init__(self, path, rng)
        self.template = template
        self.subs = ["programming", "linux", "C_Programming", "debian", "AskReddit",
                     "learnprogramming", "sysadmin", "opensource"]

    def record(self, text, name):
        r = self.rng
        cid = base36(10 ** 9 + self.n * 7919)
        link = base36(10 ** 8 + r.randrange(10 ** 7))
        sub = self.subs[r.randrange(len(self.subs))]
        obj = dict(self.template)
        author = "user_%s" % base36(r.randrange(36 ** 6))
        t = 1706745600 + self.n
        obj.update({"author": author, "author_fullname": "t2_" + base36(r.randrange(36 ** 7)),
                    "body": text, "created": float(t), "created_utc": float(t),
                    "id": cid, "name": "t1_" + cid, "link_id": "t3_" + link,
                    "parent_id": "t3_" + link,
                    "permalink": "/r/%s/comments/%s/_/%s/" % (sub, link, cid),
                    "retrieved_on": t + 15, "score": r.randint(-5, 200), "subreddit": sub,
                    "subreddit_id": "t5_" + base36(
                        int(hashlib.md5(sub.encode()).hexdigest(), 16) % 36 ** 5),
                    "subreddit_name_prefixed": "r/" + sub})
        return obj, "https://www.reddit.com" + obj["permalink"]

    def short(self, filler):
        """a comment body: a paragraph of prose, 20-600 characters"""
        text = filler.piece(20, 600)
        paras = [p.strip() for p in text.split("\n\n") if p.strip()]
        return paras[self.rng.randrange(len(paras))][:600] if paras else "ok"


class Wet(Shape):
    plain = True

    def __init__(self, path, rng):
        Shape.__init__(self, path, rng)
        self.out = Out(path)
        info = (b"Software-Info: provscan bench/gen_dataset.py\r\n"
                b"isPartOf: CC-MAIN-BENCH\r\ndescription: provscan scan bench\r\n")
        self.header(b"warcinfo", None, info, b"application/warc-fields",
                    b"WARC-Filename: bench.warc.wet\r\n")

    def header(self, wtype, uri, block, ctype, extra=b""):
        r = self.rng
        digest = base64.b32encode(hashlib.sha1(block).digest())
        h = b"WARC/1.0\r\nWARC-Type: " + wtype + b"\r\n"
        if uri:
            h += b"WARC-Target-URI: " + uri.encode() + b"\r\n"
        h += (b"WARC-Date: " + iso_date(r, 2024, 2024).encode() + b"\r\n" + extra +
              b"WARC-Record-ID: <urn:uuid:" +
              str(uuid.UUID(int=r.getrandbits(128), version=4)).encode() + b">\r\n")
        if uri:
            h += (b"WARC-Refers-To: <urn:uuid:" +
                  str(uuid.UUID(int=r.getrandbits(128), version=4)).encode() + b">\r\n")
        h += (b"WARC-Block-Digest: sha1:" + digest + b"\r\nContent-Type: " + ctype +
              b"\r\nContent-Length: " + str(len(block)).encode() + b"\r\n\r\n")
        self.out.write(h + block + b"\r\n\r\n")

    def write(self, text, name, plant):
        self.n += 1
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or "page"
        uri = "https://www%d.example.com/%d/%s" % (self.n % 997, self.n, slug)
        off, line = self.out.bytes, self.out.lines + 1
        self.header(b"conversion", uri, text.encode("utf-8"), b"text/plain",
                    b"WARC-Identified-Content-Language: eng\r\n")
        return self.path, uri, line, self.out.lines, off

    def close(self):
        self.out.close()


class Folder(Shape):
    plain = True

    def __init__(self, path, rng):
        Shape.__init__(self, path, rng)
        os.makedirs(path)
        self.bytes = 0

    def write(self, text, name, plant):
        self.n += 1
        rel = "d%03d/%06d-%s" % (self.n // 1000, self.n,
                                 re.sub(r"[^A-Za-z0-9_.-]+", "_", os.path.basename(name)))
        if not os.path.splitext(rel)[1]:
            rel += ".txt"
        full = os.path.join(self.path, rel)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        data = text.encode("utf-8")
        with open(full, "wb") as f:
            f.write(data)
        self.bytes += len(data)
        return full, rel, 1, max(1, data.count(b"\n") + (not data.endswith(b"\n"))), 0

    def size(self):
        return self.bytes

    def close(self):
        pass


def fill(shape, filler, plants, target, filler_rng, dataset, truth):
    """writes filler records up to target bytes, each plant at the first record after its
    byte position; appends the planted records' rows to truth"""
    i = 0
    while shape.size() < target or i < len(plants):
        plant = plants[i] if i < len(plants) and plants[i].at <= shape.size() else None
        if plant is not None:
            i += 1
            name = plant.doc
            # a Reddit body is the copy alone; in JSON lines the line carries the escapes
            text = plant.copy if isinstance(shape, Reddit) else embed(plant, filler,
                                                                     filler_rng, shape.plain)
        elif isinstance(shape, Reddit):
            name, text = "doc/comment", shape.short(filler)
        else:
            name, text = filler.next()
        loc = shape.write(text, name, plant)
        if plant is not None:
            f, rec, line, end, off = loc
            truth.append((dataset, f, rec, line, end, off, plant.doc, plant.kind, plant.tokens))
    shape.close()


# ---- gen -----------------------------------------------------------------------------------

def gen(args):
    corpus = os.path.abspath(args.corpus)
    out = os.path.abspath(args.outdir)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    stamp = "gen_dataset v%d seed=%d mb=%g mine=%d plants=%d corpus=%s\n" % (
        VERSION, args.seed, args.mb, args.mine, args.plants, corpus)
    try:
        cstamp = open(os.path.join(os.path.dirname(corpus), "corpus.stamp")).read()
    except OSError:
        cstamp = ""
    stamp += cstamp
    try:
        if open(os.path.join(out, "stamp")).read() == stamp:
            print("gen_dataset: %s is up to date" % out, file=sys.stderr)
            return 0
    except OSError:
        pass
    if os.path.islink(out):
        os.unlink(out)
    elif os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    target = int(args.mb * 1e6)
    files = corpus_files(corpus)
    rng = random.Random(args.seed)
    mine = pick_mine(corpus, files, args.mine, rng)
    mine_text = {}
    for rel in mine:
        dst = os.path.join(out, "mine", rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copyfile(os.path.join(corpus, rel), dst)
        mine_text[rel] = read_text(dst)
    pats = set()
    for rel in mine:
        for ln in mine_text[rel].splitlines():
            ln = ln.strip()
            if len(ln) >= 20:
                pats.add(ln)
    with open(os.path.join(out, "patterns.txt"), "w", encoding="utf-8") as f:
        f.write("".join(p + "\n" for p in sorted(pats)))
    mine_set = set(mine)
    prose = [r for r, _ in files if r not in mine_set and not r.startswith("include/")]
    code = [r for r, _ in files if r not in mine_set and r.startswith("include/")]
    mixed = prose + code
    template = json.loads(open(os.path.join(root, REDDIT_FIXTURE), encoding="utf-8").readline())

    truth = []
    shapes = [("wet", lambda r: Wet(os.path.join(out, "wet", "bench.warc.wet"), r), mixed),
              ("txt", lambda r: Folder(os.path.join(out, "txt"), r), mixed),
              ("dolma", lambda r: Dolma(os.path.join(out, "dolma.jsonl"), r), prose),
              ("stack", lambda r: Stack(os.path.join(out, "stack.jsonl"), r), code),
              ("reddit", lambda r: Reddit(os.path.join(out, "reddit.jsonl"), r, template),
               prose)]
    os.makedirs(os.path.join(out, "wet"))
    for i, (name, make, pool) in enumerate(shapes):
        srng = random.Random(args.seed * 1000 + i)
        plants = make_plants(mine_text, name, target, args.plants, srng)
        shape = make(srng)
        dataset = shape.path
        print("gen_dataset: writing %s (%d MB, %d copies planted)" % (dataset, args.mb,
                                                                       len(plants)),
              file=sys.stderr)
        rows = []
        fill(shape, Filler(corpus, pool, srng), plants, target, srng, dataset, rows)
        truth += rows
        if isinstance(shape, Jsonl):
            subprocess.run(["zstd", "-q", "-f", "-3", dataset, "-o", dataset + ".zst"],
                           check=True)
            truth += [(dataset + ".zst", dataset + ".zst") + r[2:] for r in rows]
    with open(os.path.join(out, "truth.tsv"), "w", encoding="utf-8") as f:
        f.write("dataset\tfile\trecord\tline\tend_line\toffset\tdocument\tkind\ttokens\n")
        for r in truth:
            f.write("\t".join(str(x) for x in r) + "\n")
    with open(os.path.join(out, "stamp"), "w") as f:
        f.write(stamp)
    print("gen_dataset: %s: %d documents of mine, %d patterns, %d planted copies" %
          (out, len(mine), len(pats), len(truth)), file=sys.stderr)
    return 0


# ---- score ---------------------------------------------------------------------------------

def load_truth(outdir, dataset):
    want = os.path.realpath(dataset)
    rows = []
    with open(os.path.join(outdir, "truth.tsv"), encoding="utf-8") as f:
        f.readline()
        for ln in f:
            d, fl, rec, line, end, off, doc, kind, tok = ln.rstrip("\n").split("\t")
            if os.path.realpath(d) == want:
                rows.append({"file": os.path.realpath(fl), "record": rec, "line": int(line),
                             "end": int(end), "offset": int(off), "doc": doc, "kind": kind,
                             "tokens": int(tok)})
    return rows


def same_doc(reported, doc):
    """1 when provscan's document locator names my document doc (a path in mine/)"""
    if not reported:
        return False
    reported = reported.split(" (")[0]
    return reported == doc or reported.endswith("/" + doc) or reported.endswith("mine/" + doc)


def score_rg(rows, path):
    """found: planted records with a reported line inside; other: reported lines elsewhere"""
    by_file = {}
    for i, r in enumerate(rows):
        by_file.setdefault(r["file"], []).append((r["line"], r["end"], i))
    found, other = set(), 0
    pat = re.compile(r"^(.*?):(\d+):")
    with open(path, encoding="utf-8", errors="replace") as f:
        for ln in f:
            m = pat.match(ln)
            if not m:
                continue
            fl, no = os.path.realpath(m.group(1)), int(m.group(2))
            hit = False
            for a, b, i in by_file.get(fl, ()):
                if a <= no <= b:
                    found.add(i)
                    hit = True
            other += not hit
    return found, other


def score_scan(rows, path, dataset):
    """found: planted records named by a finding with my document; other: the other findings"""
    found, other = set(), 0
    ds = os.path.realpath(dataset)
    with open(path, encoding="utf-8", errors="replace") as f:
        for ln in f:
            ln = ln.strip()
            if not ln:
                continue
            try:
                o = json.loads(ln)
            except ValueError:
                continue
            if not isinstance(o, dict) or "document" not in o:
                continue
            fl = os.path.realpath(o.get("dataset") or "")
            rec = o.get("record") or ""
            line, off = o.get("line"), o.get("offset")
            hit = False
            for i, r in enumerate(rows):
                if not same_doc(o.get("document"), r["doc"]):
                    continue
                if fl not in (r["file"], ds):
                    continue
                if (line is not None and r["line"] <= line <= r["end"]) or \
                        (off is not None and off == r["offset"]) or \
                        (rec and (rec == r["record"] or rec.startswith(r["record"] + " (") or
                                  rec.endswith("/" + r["record"]))):
                    found.add(i)
                    hit = True
            other += not hit
    return found, other


def score(args):
    rows = load_truth(os.path.abspath(args.outdir), args.dataset)
    if not rows:
        print("gen_dataset: no planted copy in %s according to %s/truth.tsv" %
              (args.dataset, args.outdir), file=sys.stderr)
        return 3
    if args.rg:
        found, other = score_rg(rows, args.rg)
    else:
        found, other = score_scan(rows, args.scan, args.dataset)
    parts = []
    for kind in KINDS + ("all",):
        idx = [i for i, r in enumerate(rows) if kind in ("all", r["kind"])]
        parts.append("%s=%d/%d" % (kind, len([i for i in idx if i in found]), len(idx)))
    tok = sum(r["tokens"] for i, r in enumerate(rows) if i in found)
    parts.append("tokens=%d/%d" % (tok, sum(r["tokens"] for r in rows)))
    parts.append("other=%d" % other)
    print(" ".join(parts))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen", help="write the datasets")
    g.add_argument("corpus")
    g.add_argument("outdir")
    g.add_argument("--mb", type=float, default=256, help="size of each dataset, MB (default 256)")
    g.add_argument("--seed", type=int, default=1)
    g.add_argument("--mine", type=int, default=40, help="documents of mine (default 40)")
    g.add_argument("--plants", type=int, default=200,
                   help="copies planted in each dataset (default 200)")
    s = sub.add_parser("score", help="planted copies found, per kind")
    s.add_argument("outdir")
    s.add_argument("dataset")
    w = s.add_mutually_exclusive_group(required=True)
    w.add_argument("--rg", help="rg -n -H output")
    w.add_argument("--scan", help="provscan scan --format jsonl output")
    args = ap.parse_args()
    return gen(args) if args.cmd == "gen" else score(args)


if __name__ == "__main__":
    sys.exit(main())
