#!/usr/bin/env python3
"""report_scan_seeds.py - write the seeds of tests/fuzz/corpus/report_scan in the input layout
of tests/fuzz/fuzz_report_scan.c: findings as `provscan scan` reports them on the fixtures
(fixtures/corpus/rss/README.md found in a WARC and in JSON lines), then the same with control
bytes, invalid UTF-8, quotes, line ends and the largest numbers in every string and field.

Usage: python3 tests/fuzz/report_scan_seeds.py
"""
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'corpus', 'report_scan')
FORMATS = {'text': 0, 'json': 1, 'jsonl': 2, 'csv': 3}
U64 = 2**64 - 1


def finding(dataset, locator, record=None, source=None, kind=None, commit=None, exact=False,
            authors=(), record_no=1, line=-1, offset=-1, document=0, document_tokens=127,
            tokens=127, spans=1, longest=127, record_lines=(1, 12), document_lines=(1, 12)):
    flags = (1 if record is not None else 0) | (2 if source is not None else 0) | \
        (4 if commit is not None else 0) | (8 if kind is not None else 0) | \
        (16 if exact else 0) | (len(authors) << 5)
    b = bytes([flags])
    b += struct.pack('<Qqq', record_no, line, offset) + bytes([document])
    b += struct.pack('<8I', document_tokens, tokens, spans, longest, *record_lines,
                     *document_lines)
    for s in (dataset, locator, record, source, kind, commit):
        if s is not None:
            b += s + b'\0'
    for name, email, ident in authors:
        b += bytes([(1 if name is not None else 0) | (2 if email is not None else 0) |
                    (4 if ident is not None else 0)])
        for s in (name, email, ident):
            if s is not None:
                b += s + b'\0'
    return b


def seed(fmt, documents, counts, findings):
    return bytes([FORMATS[fmt], documents - 1]) + struct.pack('<12Q', *counts) + b''.join(findings)


# datasets, dataset_errors, records, text_bytes, read_bytes, tokens, candidates, found_records,
# findings, bad_records, skipped, invalid_utf8
COUNTS = (2, 0, 1201, 3400000, 1200000, 2310, 3, 2, 2, 1, 0, 4)
HUGE = (U64,) * 12
PLAIN = [
    finding(b'bench/whirlwind.warc.gz', b'rss/README.md',
            record=b'https://example.org/rss-readme', source=b'rss', kind=b'dir', offset=4096,
            record_no=7, authors=[(b'Ted Unangst', b'tedu@example.org', None)]),
    finding(b'dolma-like.jsonl.zst', b'rss/README.md', record=b'doc-000412', source=b'rss',
            kind=b'dir', line=412, record_no=412, tokens=64, longest=40,
            record_lines=(3, 9), document_lines=(4, 10),
            authors=[(b'Ted Unangst', b'tedu@example.org', None), (None, None, b'1042')]),
]
ODD = [
    finding(b'odd\x1b[31mname\r\n.warc', b'rss/"quoted",\nREADME.md',
            record=b'\xff\xfe\xed\xa0\x80 bad utf-8 \xc3', source=b'\x07bell,"src"',
            kind=b'dir', commit=b'\x7f' * 3, exact=True, record_no=3, offset=-5,
            authors=[(b'Esc\x1b]0;title\x07', b'a"b@c,d', b'\x9b\x01'),
                     (None, b'\xf4\x90\x80\x80@x', None)]),
    finding(b'', b'', record=b'', source=b'', document=200, document_tokens=0, tokens=5,
            spans=0, authors=[(None, None, None)]),
]
BIG = [
    finding(b'huge.jsonl', b'rss/README.md', record=b'r', source=b'rss',
            record_no=U64, line=2**63 - 1, offset=2**63 - 1, document=1,
            document_tokens=2**32 - 1, tokens=2**32 - 1, spans=2**32 - 1, longest=2**32 - 1,
            record_lines=(2**32 - 1, 2**32 - 1), document_lines=(2**32 - 1, 0),
            authors=[(b'N' * 600, b'e' * 600, None)] * 5),
]

# The text summary once printed source and author names raw (the findings in caret notation).
SUMMARY = [finding(b'plain.warc', b'rss/README.md', source=b'rss\x1b[2J',
                   authors=[(b'Ted\x1b]0;owned\x07', b'tedu@example.org', None)])]

os.makedirs(OUT, exist_ok=True)
with open(os.path.join(OUT, 'regression-text-summary-names.bin'), 'wb') as f:
    f.write(seed('text', 1, COUNTS, SUMMARY))
for fmt in FORMATS:
    for name, documents, counts, fs in (('fixtures', 3, COUNTS, PLAIN), ('odd-bytes', 2, COUNTS, ODD),
                                        ('huge-numbers', 8, HUGE, BIG)):
        with open(os.path.join(OUT, '%s-%s.bin' % (fmt, name)), 'wb') as f:
            f.write(seed(fmt, documents, counts, fs))
