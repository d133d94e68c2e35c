#!/usr/bin/env python3
"""gen_readers.py - inputs for the per-reader throughput figures of `make bench`.

Repeats the bundled fixtures until each input holds at least MB megabytes: JSON lines
(fixtures/reddit RC sample), a Stack Exchange dump folder (fixtures/stackexchange Posts.xml rows
with new ids, Users.xml as is) and a WARC file (the fixtures' HTML response records), plain and
gzip per record like Common Crawl. Every copy of a text gets a token naming the copy every few
words, so that copies do not share k-grams (identical copies would make every fingerprint hit
the posting cap, which is not what a real dump looks like).

Usage: gen_readers.py FIXTURES OUTDIR [MB]
"""
import gzip
import json
import os
import re
import sys

WORD = re.compile(r"(\S+\s+){6}")


def vary(text, i):
    """text with the token 'cNNN' inserted after every sixth word."""
    tag = "c%d " % i
    return WORD.sub(lambda m: m.group(0) + tag, text)


def vary_html(html, i):
    """the same for the text between tags of an HTML document."""
    return re.sub(r">([^<]{20,})<", lambda m: ">" + vary(m.group(1), i) + "<", html)


def gen_jsonl(fx, out, target):
    recs = [json.loads(l) for l in open(os.path.join(fx, "reddit/RC_2024-02.sample.ndjson"),
                                        encoding="utf-8") if l.strip()]
    n = i = 0
    with open(out, "w", encoding="utf-8") as f:
        while n < target:
            for r in recs:
                r2 = dict(r)
                r2["body"] = vary(r.get("body") or "", i)
                r2["id"] = "%s%d" % (r.get("id", "x"), i)
                line = json.dumps(r2, separators=(",", ":")) + "\n"
                f.write(line)
                n += len(line.encode("utf-8"))
            i += 1


def gen_stackexchange(fx, outdir, target):
    os.makedirs(outdir, exist_ok=True)
    src = open(os.path.join(fx, "stackexchange/Posts.xml"), encoding="utf-8-sig").read()
    rows = re.findall(r"^\s*<row .*/>\s*$", src, re.M)
    with open(os.path.join(fx, "stackexchange/Users.xml"), "rb") as f:
        users = f.read()
    with open(os.path.join(outdir, "Users.xml"), "wb") as f:
        f.write(users)
    n = copy = 0
    next_id = 1000000
    with open(os.path.join(outdir, "Posts.xml"), "w", encoding="utf-8") as f:
        f.write('\ufeff<?xml version="1.0" encoding="utf-8"?>\n<posts>\n')
        while n < target:
            idmap = {}
            for r in rows:
                old = re.search(r' Id="(\d+)"', r).group(1)
                idmap[old] = str(next_id)
                next_id += 1
            for r in rows:
                r2 = re.sub(r' Id="(\d+)"', lambda m: ' Id="%s"' % idmap[m.group(1)], r, count=1)
                r2 = re.sub(r' ParentId="(\d+)"',
                            lambda m: ' ParentId="%s"' % idmap.get(m.group(1), m.group(1)), r2)
                r2 = re.sub(r' Body="([^"]*)"',
                            lambda m: ' Body="%s"' % vary_attr(m.group(1), copy), r2)
                f.write(r2.rstrip() + "\n")
                n += len(r2) + 1
            copy += 1
        f.write("</posts>\n")


def vary_attr(body, i):
    """the escaped HTML of a Body attribute with copy tokens in its text."""
    return re.sub(r"&gt;([^&]{20,})&lt;", lambda m: "&gt;" + vary(m.group(1), i) + "&lt;", body)


def warc_records(path):
    """(headers, block) of every response record of a WARC file."""
    data = gzip.open(path).read() if path.endswith(".gz") else open(path, "rb").read()
    pos = 0
    while True:
        start = data.find(b"WARC/1.", pos)
        if start < 0:
            return
        end = data.find(b"\r\n\r\n", start)
        head = data[start:end].decode("latin-1")
        m = re.search(r"(?im)^content-length:\s*(\d+)", head)
        if not m:
            return
        length = int(m.group(1))
        block = data[end + 4:end + 4 + length]
        pos = end + 4 + length
        if re.search(r"(?im)^warc-type:\s*response", head) and b"text/html" in block[:2000]:
            yield head, block


def gen_warc(fx, plain, gz, target):
    recs = []
    for name in ("whirlwind.warc.gz", "jwarc-cc.warc.gz", "warcio-example.warc.gz"):
        recs += list(warc_records(os.path.join(fx, "warc", name)))
    n = i = 0
    with open(plain, "wb") as fp, open(gz, "wb") as fz:
        while n < target:
            for head, block in recs:
                sep = block.find(b"\r\n\r\n")
                http, body = block[:sep + 4], block[sep + 4:]
                http = re.sub(rb"(?i)\r\ncontent-encoding:[^\r]*", b"", http)
                http = re.sub(rb"(?i)\r\ntransfer-encoding:[^\r]*", b"", http)
                body = vary_html(body.decode("utf-8", "replace"), i).encode("utf-8")
                block2 = http + body
                head2 = re.sub(r"(?im)^content-length:\s*\d+", "Content-Length: %d" % len(block2),
                               head)
                head2 = re.sub(r"(?im)^(warc-target-uri:\s*)(\S+)", r"\g<1>\g<2>?copy=%d" % i, head2)
                rec = head2.encode("latin-1") + b"\r\n\r\n" + block2 + b"\r\n\r\n"
                fp.write(rec)
                fz.write(gzip.compress(rec, 6))
                n += len(rec)
            i += 1


def main():
    fx, out = sys.argv[1], sys.argv[2]
    target = int(float(sys.argv[3]) * 1e6) if len(sys.argv) > 3 else 200 * 10**6
    os.makedirs(out, exist_ok=True)
    if not os.path.exists(os.path.join(out, "RC.ndjson")):
        gen_jsonl(fx, os.path.join(out, "RC.ndjson.tmp"), target)
        os.rename(os.path.join(out, "RC.ndjson.tmp"), os.path.join(out, "RC.ndjson"))
    if not os.path.exists(os.path.join(out, "se", "Posts.xml")):
        gen_stackexchange(fx, os.path.join(out, "se.tmp"), target)
        os.rename(os.path.join(out, "se.tmp"), os.path.join(out, "se"))
    if not os.path.exists(os.path.join(out, "crawl.warc.gz")):
        gen_warc(fx, os.path.join(out, "crawl.warc"), os.path.join(out, "crawl.warc.gz.tmp"), target)
        os.rename(os.path.join(out, "crawl.warc.gz.tmp"), os.path.join(out, "crawl.warc.gz"))


if __name__ == "__main__":
    main()
