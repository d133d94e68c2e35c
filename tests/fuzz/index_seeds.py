#!/usr/bin/env python3
"""index_seeds.py - remake the index seeds of tests/fuzz/corpus/index_reader for the current
index format (docs/index-format.md):

  feedparser.bin   provscan index of fixtures/corpus/feedparser (a valid index)
  regression-posting-past-document-end.bin
                   the same with its one posting block stored raw and every 1- or 2-byte
                   position set to the largest value of that length, past the end of the
                   127-token README (the reader must refuse it: a heap overflow once).
                   Checksums are left stale: the fuzz target reseals every input.
  version-1.bin    (kept as it is) an index of format 1, refused at the version check.

Usage: python3 tests/fuzz/index_seeds.py [PROVSCAN]   (needs the zstd command)
"""
import os
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, 'tests', 'fuzz', 'corpus', 'index_reader')


def varint_end(b, p):
    while b[p] & 0x80:
        p += 1
    return p + 1


def past_the_end(d):
    n = struct.unpack_from('<I', d, 40)[0]
    chunks = []
    for i in range(n):
        e = 64 + i * 32
        chunks.append((bytes(d[e:e + 4]),) + struct.unpack_from('<QQ', d, e + 8))
    ch = {c[0]: c for c in chunks}
    po, ps = ch[b'PSTG'][1], ch[b'PSTG'][2]
    bo = ch[b'BDIR'][1]
    first, off, stored, raw, count, flags = struct.unpack_from('<QQIIII', d, bo)
    assert ch[b'BDIR'][2] == 32 and off == 0 and stored == ps, 'expected one posting block'
    blk = d[po:po + stored]
    if not flags & 1:
        blk = subprocess.run(['zstd', '-dc'], input=bytes(blk), capture_output=True,
                             check=True).stdout
    blk = bytearray(blk)
    assert len(blk) == raw
    p = 0
    for _ in range(2 * count):  # fingerprint deltas, documents
        p = varint_end(blk, p)
    for _ in range(count):  # positions
        q = varint_end(blk, p)
        if q - p == 1:
            blk[p] = 0x7f
        elif q - p == 2:
            blk[p:q] = b'\xff\x7f'
        p = q
    pstg = bytes(blk) + b'\0' * ((-len(blk)) % 8)
    delta = len(pstg) - ps
    out = bytearray(d[:po]) + pstg + d[po + ps:]
    for i, c in enumerate(chunks):
        e = 64 + i * 32
        if c[0] == b'PSTG':
            struct.pack_into('<Q', out, e + 16, len(blk))
        elif c[1] > po:
            struct.pack_into('<Q', out, e + 8, c[1] + delta)
    struct.pack_into('<QQIIII', out, bo + delta if bo > po else bo, first, 0, len(blk), len(blk),
                     count, flags | 1)
    struct.pack_into('<Q', out, 48, len(out))
    return out


def main():
    provscan = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, 'provscan')
    with tempfile.TemporaryDirectory() as tmp:
        idx = os.path.join(tmp, 'feedparser.pvx')
        subprocess.run([provscan, 'index', '-q', '-o', idx,
                        os.path.join(ROOT, 'fixtures', 'corpus', 'feedparser')],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        d = open(idx, 'rb').read()
    open(os.path.join(OUT, 'feedparser.bin'), 'wb').write(d)
    open(os.path.join(OUT, 'regression-posting-past-document-end.bin'), 'wb').write(
        past_the_end(bytearray(d)))


if __name__ == '__main__':
    main()
