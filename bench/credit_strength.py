#!/usr/bin/env python3
"""credit_strength.py - how the strength of credited spans splits between copied text and
chance, for choosing `provscan credit --min-strength` (docs/attribution.md).

Reads a credit ledger (JSON) over the outputs of gen_outputs.py and its truth file, and sorts
every evidence row (entries and weak spans) by where it lies in its output: on the lines of the
planted excerpt ("copied"), or elsewhere, in unrelated text the corpus does not hold ("chance").
Prints, for each kind, the tokens and the share of them in spans under each threshold, and the
strongest chance span: a threshold above it drops every chance match, and the share of copied
tokens under it is what that threshold would withhold from copies.

Usage: credit_strength.py LEDGER TRUTH
Output: one line per kind, key=value pairs.
"""
import json
import os
import sys

THRESHOLDS = (0, 2, 5, 10)


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__)
    with open(argv[1]) as f:
        ledger = json.load(f)
    truth = {}
    with open(argv[2]) as f:
        for line in f:
            name, kind, _, _, _, first, last = line.rstrip("\n").split("\t")
            truth[name] = (int(first), int(last))
    rows = [ev for e in ledger["entries"] for ev in e["evidence"]] + ledger.get("weak", [])
    kinds = {"copied": [], "chance": []}
    for ev in rows:
        first, last = truth.get(os.path.basename(ev["output_id"]), (0, 0))
        a, z = ev["lines"]
        copied = first and a <= last and z >= first
        kinds["copied" if copied else "chance"].append((ev["strength"], ev["tokens"]))
    for kind, v in kinds.items():
        tokens = sum(t for _, t in v)
        parts = ["%s rows=%d tokens=%d" % (kind, len(v), tokens)]
        for s in THRESHOLDS:
            under = sum(t for st, t in v if st < s)
            parts.append("under_%d=%.2f" % (s, 100.0 * under / tokens if tokens else 0))
        parts.append("max=%.2f" % max((st for st, _ in v), default=float("nan")))
        parts.append("min=%.2f" % min((st for st, _ in v), default=float("nan")))
        print(" ".join(parts))


if __name__ == "__main__":
    main(sys.argv)
