#!/usr/bin/env python3
"""match_report_seeds.py - write the seeds of tests/fuzz/corpus/match_report in the input
layout of tests/fuzz/fuzz_match_report.c: a query holding lines 9-12 of
fixtures/corpus/rss/README.md matched to that file, as `provscan match` reports it (text, with
colour, summary, copies listed), then the same with control bytes, invalid UTF-8, quotes and
line ends (CR, CRLF) in every string, the most spans and rows, and no span at all.

Usage: python3 tests/fuzz/match_report_seeds.py
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, 'corpus', 'match_report')
README = os.path.join(HERE, '..', '..', 'fixtures', 'corpus', 'rss', 'README.md')


def opt(color=False, copies=False, summary=False, spans=1, authors=1):
    return bytes([(1 if color else 0) | (2 if copies else 0) | (4 if summary else 0) |
                  (spans << 3) | (authors << 6)])


def s(v):
    return v + b'\0'


def row(kind, source, locator, url=None, license=None, author=None, commit=None, origin=True,
        full=True, date=1600000000, lines=(9, 12), matched=40):
    b = (1 if origin else 0) | (2 if full else 0) | (4 if url is not None else 0) | \
        (8 if license is not None else 0) | (16 if author is not None else 0) | \
        (32 if commit is not None else 0)
    out = bytes([b]) + struct.pack('<iHHH', date, lines[0], lines[1] - lines[0], matched)
    out += s(kind) + s(source) + s(locator)
    if url is not None:
        out += s(url)
    if license is not None:
        out += s(license)
    if author is not None:
        out += s(author[0]) + s(author[1])
    if commit is not None:
        out += s(commit)
    return out


def person(name=None, email=None, ident=None, commit=None, before=False, tokens=40, date=None):
    b = (1 if name is not None else 0) | (2 if email is not None else 0) | \
        (4 if ident is not None else 0) | (8 if commit is not None else 0) | (16 if before else 0)
    out = bytes([b]) + struct.pack('<H', tokens)
    if date is not None:  # credits carry a date after their tokens
        out += struct.pack('<i', date)
    for v in (name, email, ident, commit):
        if v is not None:
            out += s(v)
    return out


def span(gap, length, tokens, sources, copies=(), authors=(), credits=(), common=False,
         common_license=None, strength=40, copies_total=0, tok_start=0):
    fl = len(sources) | (len(copies) << 2) | (len(authors) << 4) | (len(credits) << 6) | \
        ((1 << 8) if common else 0) | ((1 << 9) if common_license is not None else 0)
    out = struct.pack('<HBHIBHH', fl, gap, length, tokens, strength, copies_total, tok_start)
    for r in list(sources) + list(copies):
        out += r
    if common_license is not None:
        out += s(common_license)
    for a in authors:
        out += a
    for c in credits:
        out += c
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    lines = open(README, 'rb').read().split(b'\n')
    copied = b'\n'.join(lines[8:12]) + b'\n'
    query = b'Some text written by a model.\n' + copied + b'The end.\n'
    commit = b'8d0d7b6e3f0e5a31b0e6a2ab0b4f6e1b7d4e9f21'
    src = row(b'git', b'https://github.com/rust-syndication/rss', b'README.md',
              url=b'https://github.com/rust-syndication/rss/blob/' + commit + b'/README.md#L9-L12',
              license=b'MIT OR Apache-2.0', author=(b'Ana Author', b'ana@example.org'),
              commit=commit)
    cp = row(b'file', b'mirror', b'rss-copy/README.md', origin=False, license=b'MIT')
    au = person(b'Ana Author', b'ana@example.org', tokens=40)
    cr = person(b'Ana Author', b'ana@example.org', commit=commit, tokens=40, date=1500000000)
    one = span(30, len(copied), 40, [src], [cp], [au], [cr], copies_total=3, tok_start=6)
    seeds = {
        'rss-readme': opt() + s(query) + struct.pack('<I', 52) + one + au,
        'rss-readme-color': opt(color=True) + s(query) + struct.pack('<I', 52) + one + au,
        'rss-readme-copies-summary': opt(copies=True, summary=True) + s(query) +
        struct.pack('<I', 52) + one + au,
        'no-span': opt(spans=0, authors=0) + s(b'Nothing here comes from the index.\n') +
        struct.pack('<I', 6),
    }
    bad = b'\x1b[31mred\x07\x00'[:-1] + b' \xff\xfe "quoted" \\ back\r\nCR\ronly\t\x7f \xc3\x28'
    weird_src = row(bad, bad, bad, url=bad, license=bad, author=(bad, bad), commit=bad)
    weird_au = person(bad, bad, bad, tokens=7)
    weird_cr = person(bad, bad, bad, commit=bad, tokens=5, date=-1)
    before_cr = person(before=True, tokens=3, date=0)
    weird_query = b'line one\r\nline \x1b]0;title\x07 two\rline three \xe2\x80\nlast' + bad
    seeds['control-and-invalid-utf8'] = (
        opt(spans=2, authors=2) + s(weird_query) + struct.pack('<I', 4000000000) +
        span(0, 12, 9, [weird_src], [weird_src, weird_src], [weird_au, weird_au],
             [weird_cr, before_cr], common_license=bad) +
        span(3, 65535, 4000000000, [weird_src, weird_src], [], [weird_au], [before_cr],
             common=True, strength=0) + weird_au + weird_au)
    many = b''.join(span(1, 5, 10 + i, [src, src, src], [cp, cp, cp], [au, au, au], [cr, cr, cr],
                         tok_start=i * 20) for i in range(7))
    seeds['most-spans-and-rows'] = (opt(spans=7, authors=3) + s(query * 3) +
                                    struct.pack('<I', 300) + many + au + au + au)
    # regression: a source row's commit (and a credit's) was printed raw in the text report:
    # a version string with ESC drove the terminal
    esc_src = row(b'jsonl', b'dataset', b'record-7', commit=b'\x1b]0;x\x07v1')
    esc_cr = person(b'Ana Author', commit=b'\x1b[2Jv2', tokens=4, date=0)
    seeds['regression-commit-control-bytes'] = (
        opt(authors=0) + s(query) + struct.pack('<I', 52) +
        span(30, len(copied), 40, [esc_src], credits=[esc_cr, esc_cr]))
    for name, data in seeds.items():
        with open(os.path.join(OUT, name), 'wb') as f:
            f.write(data)


if __name__ == '__main__':
    main()
