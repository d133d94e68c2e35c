#!/usr/bin/env python3
"""first_writer.py - git credit against the first writer of each line (make bench).

Takes verbatim excerpts (WINDOW lines) of files at HEAD of a repository indexed with
`provscan index git:REPO` (files sampled by git_agreement.py's rules: those the git reader
indexes), attributes them with one `provscan match --format json` call, and scores, for the
excerpts' DISTINCTIVE lines, whether the person credited to the line is its first writer.

Distinctive line: at least MIN_CHARS (12) non-whitespace characters, at least one token, and
its whitespace-free text (every whitespace character removed) is, whitespace-free, a whole line
exactly once in the whole tree at HEAD (every blob of `git ls-tree -r HEAD` that holds no NUL in
its first 8000 bytes). An idiom such as `return NULL;` has no single first writer, and a rule
of `=====` no token to credit: both are left out.

First writer of a distinctive line: the author, after .mailmap (git's %aN / %aE), of the first
commit, oldest first over all commits reachable from HEAD (`git log --reverse --topo-order`:
parents before children, dates otherwise), that adds a line with the same whitespace-free text
to any path. One streaming pass of `git log --reverse --topo-order -p -U0 -M
--diff-merges=first-parent` finds it. A merge's first-parent diff holds what the merged branch
brought in, but the branch's own commits come earlier in that order, so a merge is the first
adder only of text that no commit of either side added before it (a conflict resolution, an
evil merge). Commits listed in HEAD's .git-blame-ignore-revs never count as adders; when every
commit that added a text is listed there (a formatter that changed quotes, joined lines), the
oracle falls back to `git blame --ignore-revs-file` for that line (counted: oracle_blame_lines).
Renames are detected (`-M`, git's default 50% similarity, as for file lineages): a commit that
moves or renames a file adds only the lines it changes, not the whole file again (without it,
the move of requests/ into src/ would be the "first writer" of every line the ignored
formatting commit changed).

Score: the share of distinctive lines, weighted by their tokens (TOKENS: maximal runs of word
characters, Python's `\\w`, one token per CJK ideograph or kana, a run longer than 64 UTF-8
bytes counted in 64-byte pieces; provscan's tokenizer, docs/tokens.md, up to normalization
details: excerpts where the count differs from provscan's are counted in tokens_mismatch) where
the person provscan credits to the line is the first writer: the same e-mail
(case-insensitive) or the same name, after .mailmap. The person credited to a line is the one
holding most of its tokens through the per-token `credits` of its spans (a co-author's share
counts for its fraction; tokens no credit covers count for "uncredited", which loses ties to a
person; among persons tied for most, the line matches when the first writer is one of them). A
credit with a null name (unknown author) or `"before": true` (text that existed at a history
boundary) is nobody: the line does not match. Lines inside a span marked as common license
text (`common_license`) earn no credit by rule and are left out of the score (license_lines).

Beside it, the same oracle scores plain `git blame` at HEAD (author after .mailmap, as git
blame prints it), and `git blame --ignore-revs-file .git-blame-ignore-revs` when HEAD has that
file. Prints one line of key=value figures on standard output:
  excerpts, lines, tokens       excerpts sampled; distinctive lines scored and their tokens;
  first_writer_pct              provscan's credit = first writer, % of tokens of those lines;
  first_writer_lines_pct        the same, % of lines (unweighted);
  token_first_writer_pct        the same against a looser oracle, for diagnosis only: the first
                                commit (not ignored) whose added lines hold the line's tokens
                                in a row within one hunk (whatever the punctuation and line
                                breaks; a line of fewer than 3 tokens only as a whole line),
                                i.e. attribution rule 5 read at the level of tokens. Short
                                lines may match by chance in an older hunk;
  blame_pct                     plain git blame's author = first writer, % of tokens;
  blame_ignore_pct              blame with the ignore-revs file (= blame_pct when there is none);
  uncredited_pct, uncredited_lines
                                lines provscan credits to nobody (uncredited, unknown, before);
  common_lines                  of those, lines inside a common span (no credits by rule 3);
  license_lines                 lines left out, inside common license spans;
  oracle_blame_lines            lines whose first writer comes from blame --ignore-revs-file;
  ignored_revs                  commits of .git-blame-ignore-revs found in the history;
  tokens_mismatch               excerpts whose token count differs from provscan's.
With --examples N, up to N disagreements go to standard error (path:line, text, ours, the first
writer, plain blame, and what the history says about the line: KINDS below), then the count of
each kind. With --dump FILE, every scored line goes to FILE, tab-separated: path, line, tokens,
ours, first writer, blame, blame with ignore-revs, verdict, kinds, text.

KINDS of a disagreement (several may apply), each found with git:
- where the first writer added it: at an earlier path of this file (a rename that git's
  --follow sees), in another file at HEAD, or in a file gone at HEAD (a move, a copy, or the
  same text written twice); nothing is said when it was added at the excerpt's path;
- what our credited commit did: it added the same text in a commit that also removed it at the
  same path with other whitespace ("changed only its whitespace": a reindent), or at the same
  path unchanged ("moved it within the file"), or only at another path ("moved it from another
  file"); it added it without removing it ("re-added it after it was gone": a revert, a
  restore, a rewrite); it added the same tokens but never this text ("added the same tokens
  (other punctuation or line breaks)"): the oracle and rule 5 part ways there (quotes, markup,
  C string literals, reflowed paragraphs); or none of these ("never added it": our line
  history chose the wrong line or commit);
- "another person added the same tokens first": the looser oracle above names someone else;
- "ours is an ignored rev", "blame agrees with ours", "same commit, other identity" (ours
  names the first writer's commit but another person: a mailmap or co-author question);
- uncredited / unknown author / before boundary / common: no person wins the line.

Usage: first_writer.py PROVSCAN INDEX REPO [--files N] [--window L] [--seed S] [--examples N]
                       [--dump FILE] [--rev REV]
"""
import os
import re
import subprocess
import sys
import tempfile
import unicodedata

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from git_agreement import excerpts, git, match_excerpts, parse_args  # noqa: E402

MIN_CHARS = 12
TOKEN = re.compile(r"\w+")


def nows(text):
    """The whitespace-free text of a line."""
    return "".join(text.split())


def dec(data):
    return data.decode("utf-8", "surrogateescape")


def is_cjk(ch):
    """A letter or number that is a token of its own (docs/tokens.md: CJK and kana)."""
    o = ord(ch)
    return (0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0x20000 <= o <= 0x323AF or
            0xF900 <= o <= 0xFAFF or 0x2F800 <= o <= 0x2FA1F or 0x3040 <= o <= 0x30FF or
            0x31F0 <= o <= 0x31FF or 0xFF66 <= o <= 0xFF9F or 0x1B000 <= o <= 0x1B16F or
            0x3100 <= o <= 0x312F or 0x31A0 <= o <= 0x31BF or 0xA000 <= o <= 0xA4CF or
            ch in "\u3005\u3006\u3007")


def line_tokens(text):
    """Tokens of one line (see TOKENS above)."""
    n = 0
    for m in TOKEN.finditer(text):
        run, piece = m.group(0), 0
        for ch in run:
            if is_cjk(ch):
                n += 1 + (piece > 0)
                piece = 0
                continue
            b = len(unicodedata.normalize("NFKC", ch).casefold().encode("utf-8", "replace"))
            if piece == 0 or piece + b > 64:
                n += piece > 0
                piece = 0
            piece += b
        n += piece > 0
    return n


def tree_counts(repo, rev):
    """Whitespace-free line text -> how many times it is a whole line in the tree at rev."""
    counts = {}
    ls = git(repo, "ls-tree", "-r", "-z", rev).split(b"\0")
    oids = [e.split(b"\t", 1)[0].split()[2] for e in ls if e and e.split()[1] == b"blob"]
    p = subprocess.Popen(["git", "-C", repo, "cat-file", "--batch"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE)
    out, _ = p.communicate(b"\n".join(oids) + b"\n")
    at = 0
    while at < len(out):
        nl = out.index(b"\n", at)
        size = int(out[at:nl].split()[2])
        data = out[nl + 1:nl + 1 + size]
        at = nl + 1 + size + 1
        if b"\0" in data[:8000]:
            continue
        for line in dec(data).split("\n"):
            t = nows(line)
            if t:
                counts[t] = counts.get(t, 0) + 1
    return counts


def ignore_revs(repo, rev):
    """Full ids of the commits HEAD's .git-blame-ignore-revs names that exist, and the file."""
    text = dec(git(repo, "show", rev + ":.git-blame-ignore-revs", check=False))
    revs = set()
    for line in text.split("\n"):
        line = line.split("#", 1)[0].strip()
        if line:
            r = subprocess.run(["git", "-C", repo, "rev-parse", "--verify", "-q",
                                line + "^{commit}"], capture_output=True)
            if r.returncode == 0:
                revs.add(r.stdout.decode().strip())
    return revs, bool(text)


def tokkey(text):
    """The line's tokens, lower-cased, joined by spaces (to tell punctuation-only changes)."""
    return " ".join(TOKEN.findall(text.lower()))


def first_adders(repo, rev, wanted, wanted_tk):
    """For each wanted whitespace-free text: [(commit, name, email, path, line)] of the commits
    that added a line with it (oldest first), and [(commit, path, line)] of those that removed
    one. For each wanted token key (tokkey): [(commit, name, email, path, "")] of the commits
    whose added lines hold its tokens in a row, in one hunk (across line breaks; a key of fewer
    than 3 tokens only as a whole line)."""
    adders = {t: [] for t in wanted}
    removers = {t: [] for t in wanted}
    tadders = {t: [] for t in wanted_tk}
    by_head = {}  # first two tokens -> token keys of 3 tokens or more (as token tuples)
    for t in wanted_tk:
        toks = tuple(t.split())
        if len(toks) >= 3:
            by_head.setdefault(toks[:2], []).append(toks)
    cmd = ["git", "-C", repo, "-c", "diff.renames=false", "-c", "core.quotepath=false", "log",
           "--reverse", "--topo-order", "-p", "-U0", "-M", "--no-ext-diff",
           "--no-textconv", "--no-color", "--diff-merges=first-parent",
           "--format=%x01%H%x1f%aN%x1f%aE", rev]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE)
    commit, old, path, in_hunk, seen, hunk = None, None, None, False, set(), []

    def add_tk(tk):
        if ("\0" + tk, commit[0]) not in seen:
            seen.add(("\0" + tk, commit[0]))
            tadders[tk].append(commit + (path, ""))

    def flush():
        """Token keys that the hunk's added lines hold in a row."""
        for i in range(len(hunk) - 2):
            for toks in by_head.get((hunk[i], hunk[i + 1]), ()):
                if tuple(hunk[i:i + len(toks)]) == toks:
                    add_tk(" ".join(toks))
        hunk.clear()

    for raw in p.stdout:
        c = raw[:1]
        if c == b"+" and in_hunk:
            line = dec(raw[1:]).rstrip("\n")
            t = nows(line)
            if t in adders and (t, commit[0]) not in seen:
                seen.add((t, commit[0]))
                adders[t].append(commit + (path, line))
            tk = tokkey(line)
            if tk in tadders:
                add_tk(tk)
            hunk.extend(tk.split())
            continue
        if hunk:
            flush()
        if c == b"-" and in_hunk:
            line = dec(raw[1:]).rstrip("\n")
            t = nows(line)
            if t in removers:
                removers[t].append((commit[0], old, line))
        elif c == b"\x01":
            h, name, email = dec(raw[1:].rstrip(b"\n")).split("\x1f")
            commit, in_hunk = (h, name, email), False
        elif c == b"@" and raw.startswith(b"@@"):
            in_hunk = True
        elif c == b"d" and raw.startswith(b"diff --git "):
            in_hunk, old, path = False, None, None
        elif not in_hunk and raw.startswith((b"--- ", b"+++ ")):
            name = dec(raw[4:].rstrip(b"\n"))
            name = name[2:] if name.startswith(("a/", "b/")) else name
            if c == b"-":
                old = name
            else:
                path = name if name != "/dev/null" else old
                old = old if old != "/dev/null" else path
    if hunk:
        flush()
    if p.wait():
        sys.exit("first_writer: git log failed in %s" % repo)
    return adders, removers, tadders


def blame_authors(repo, rev, path, first, count, ignore_file=None):
    """(commit, name, email) of lines first..first+count-1 (1-based) of path at rev."""
    opts = ["--ignore-revs-file", ignore_file] if ignore_file else []
    out = dec(git(repo, "blame", "--line-porcelain", *opts, "-L", "%d,+%d" % (first, count),
                  rev, "--", path))
    res, cur = [], {}
    for line in out.split("\n"):
        if line.startswith("\t"):
            res.append((cur.get("commit"), cur.get("author"), cur.get("author-mail")))
            cur = {}
        elif not cur and re.match(r"^[0-9a-f]{40} ", line):
            cur["commit"] = line[:40]
        elif line.startswith("author "):
            cur["author"] = line[7:]
        elif line.startswith("author-mail "):
            cur["author-mail"] = line[12:].strip("<>")
    return res


def same_person(a, b):
    """a, b: (name, email) or None; same e-mail (case-insensitive) or same name."""
    if not a or not b:
        return False
    if a[1] and b[1] and a[1].lower() == b[1].lower():
        return True
    return bool(a[0]) and a[0] == b[0]


def line_persons(result, lines):
    """For each line of an excerpt (0-based): (the persons tied for most of its tokens, each
    (name, email, commit of most of their tokens), or [] when no person wins; why no person
    wins: "" / "unknown" / "before" / "common" / "license"; the line's token count), and the
    excerpt's token count."""
    ntok = [line_tokens(t) for t in lines]
    tok_line = [i for i, n in enumerate(ntok) for _ in range(n)]
    weights = [dict() for _ in lines]  # {(name, email) or ("", "unknown" / "before"): tokens}
    commits = [dict() for _ in lines]  # {(name, email): {commit: tokens}}
    kinds = [set() for _ in lines]
    for sp in result.get("spans", []):
        for i in range(max(sp["line_start"] - 1, 0), min(sp["line_end"], len(lines))):
            kinds[i].add("license" if sp.get("common_license") else
                         "common" if sp.get("common") else "")
        for c in sp.get("credits", []):
            a, b = c["tok_start"], c["tok_end"]
            share = c["tokens"] / (b - a) if b > a else 0
            key = (("", "before") if c.get("before") else ("", "unknown")
                   if c.get("name") is None else (c["name"], c.get("email")))
            for k in range(a, min(b, len(tok_line))):
                i = tok_line[k]
                weights[i][key] = weights[i].get(key, 0) + share
                cm = commits[i].setdefault(key, {})
                cm[c.get("commit")] = cm.get(c.get("commit"), 0) + share
    res = []
    for i, w in enumerate(weights):
        best = max(w.values(), default=0)
        top = [k for k, v in w.items() if v >= best - 1e-9]
        persons = [k + (max(commits[i][k].items(), key=lambda kv: kv[1])[0],) for k in top
                   if k[0]]
        if best <= 0 or best < ntok[i] - sum(w.values()) - 1e-9 or not persons:
            why = ("license" if "license" in kinds[i] else "common" if "common" in kinds[i]
                   else "" if best <= 0 or persons else top[0][1])
            res.append(([], why, ntok[i]))
        else:
            res.append((persons, "", ntok[i]))
    return res, sum(ntok)


def sample(repo, rev, nfiles, window, rng, counts):
    """Excerpts: (path, start, lines, distinctive line indexes)."""
    samples = []
    for path, start, flines in excerpts(repo, rev, rng, window):
        if len(samples) >= nfiles:
            break
        lines = flines[start:start + window]
        dist = [i for i, t in enumerate(lines) if len(nows(t)) >= MIN_CHARS and
                counts.get(nows(t), 0) == 1 and TOKEN.search(t)]
        if dist:
            samples.append((path, start, lines, dist))
    return samples


def who(p):
    if not p:
        return "none"
    return "%s <%s> %s" % (p[0], p[1] or "", (p[2] or "")[:10])


def main():
    provscan, index, repo, opts, nfiles, window, nex, rng, rev = parse_args(__doc__)
    counts = tree_counts(repo, rev)
    samples = sample(repo, rev, nfiles, window, rng, counts)
    if not samples:
        sys.exit("first_writer: no excerpt of %d lines with distinctive lines in %s" %
                 (window, repo))
    ignored, has_ignore_file = ignore_revs(repo, rev)
    wanted = {nows(s[2][i]) for s in samples for i in s[3]}
    wanted_tk = {tokkey(s[2][i]) for s in samples for i in s[3]}
    adders, removers, tadders = first_adders(repo, rev, wanted, wanted_tk)

    tmp = tempfile.mkdtemp(prefix="first_writer.")
    ignore_file = None
    if has_ignore_file:
        ignore_file = os.path.join(tmp, "ignore-revs")
        with open(ignore_file, "w") as f:
            f.write("".join(r + "\n" for r in sorted(ignored)))
    results = match_excerpts(provscan, index, [s[2] for s in samples], "first_writer.")

    n = dict(lines=0, tokens=0, ours=0, ours_lines=0, blame=0, blame_ig=0, ours_tok=0, unc=0,
             unc_lines=0, common=0, license=0, oracle_blame=0, mismatch=0, noadder=0)
    kinds_count, examples = {}, []

    def readded(add, removed):
        """Why our commit, which added the text after its first writer, did so."""
        rm = [r for r in removed if r[0] == add[0]]
        if not rm:
            return "ours re-added it after it was gone (revert, restore, rewrite)"
        same = [r for r in rm if r[1] == add[3]]
        if not same:
            return "ours moved it from another file"
        if all(r[2] != add[4] for r in same):
            return "ours changed only its whitespace (reindent)"
        return "ours moved it within the file"
    head_paths = set(dec(git(repo, "ls-tree", "-r", "--name-only", rev)).split("\n"))
    lineage = {}

    def moved(old, path):
        """Why the first writer added the text at another path than the excerpt's."""
        if path not in lineage:  # the file's earlier paths, git's rename detection
            lineage[path] = set(dec(git(repo, "log", "--follow", "--name-only", "--format=",
                                        rev, "--", path)).split("\n"))
        if old in lineage[path]:
            return "first added at an earlier path of this file"
        if old in head_paths:
            return "first added in another file at HEAD"
        return "first added in a file gone at HEAD"
    dump = None
    if "--dump" in opts:
        dump = open(opts["--dump"], "w", encoding="utf-8", errors="surrogateescape")
    for (path, start, lines, dist), res in zip(samples, results):
        persons, ntok = line_persons(res, lines)
        n["mismatch"] += ntok != res.get("tokens")
        first = min(dist)
        cnt = max(dist) - first + 1
        plain = blame_authors(repo, rev, path, start + first + 1, cnt)
        ig = (blame_authors(repo, rev, path, start + first + 1, cnt, ignore_file)
              if ignore_file else plain)
        for i in dist:
            text = lines[i]
            t = nows(text)
            ours, kind, tok = persons[i]
            if kind == "license":
                n["license"] += 1
                continue
            pb, ib = plain[i - first], ig[i - first]
            adds = [a for a in adders[t] if a[0] not in ignored]
            if adds:
                fw = adds[0]
            else:  # every adder is an ignored rev (or none was seen): blame with ignore-revs
                fw = (ib[0], ib[1], ib[2], path)
                n["oracle_blame"] += 1
                n["noadder"] += not adders[t]
            fwp = (fw[1], fw[2])
            ok = any(same_person((o[0], o[1]), fwp) for o in ours)
            # the first adder of a line with the same tokens (punctuation may differ)
            tadds = [a for a in tadders[tokkey(text)] if a[0] not in ignored] or [fw]
            tfw = tadds[0]
            n["ours_tok"] += tok * any(same_person((o[0], o[1]), (tfw[1], tfw[2])) for o in ours)
            b_ok = same_person((pb[1], pb[2]), fwp)
            ig_ok = same_person((ib[1], ib[2]), fwp)
            n["lines"] += 1
            n["tokens"] += tok
            n["ours"] += tok * ok
            n["ours_lines"] += ok
            n["blame"] += tok * b_ok
            n["blame_ig"] += tok * ig_ok
            if not ours:
                n["unc"] += tok
                n["unc_lines"] += 1
                n["common"] += kind == "common"
            why = []
            if not ok:
                o = ours[0] if ours else None
                if not ours:
                    why.append({"": "uncredited", "unknown": "unknown author",
                                "before": "before boundary", "common": "common"}.get(kind, kind))
                else:
                    oc = [x[2] for x in ours]
                    if fw[3] != path:
                        why.append(moved(fw[3], path))
                    ours_adds = [a for a in adders[t] if a[0] in oc]
                    if ours_adds:
                        why.append(readded(ours_adds[0], removers[t]))
                    elif any(a[0] in oc for a in tadders[tokkey(text)]):
                        why.append("ours added the same tokens "
                                   "(other punctuation or line breaks)")
                    else:
                        why.append("ours never added it")
                    if tfw[0] != fw[0] and not same_person(fwp, (tfw[1], tfw[2])):
                        why.append("another person added the same tokens first")
                    if any(c in ignored for c in oc):
                        why.append("ours is an ignored rev")
                    if any(same_person((pb[1], pb[2]), (x[0], x[1])) for x in ours):
                        why.append("blame agrees with ours")
                    if fw[0] in oc:
                        why.append("same commit, other identity")
                for w_ in why:
                    kinds_count[w_] = kinds_count.get(w_, 0) + 1
                if len(examples) < nex:
                    examples.append("%s:%d | %s\n  ours %s\n  first writer %s (%s at %s)\n"
                                    "  blame %s%s\n  kinds: %s\n" % (
                                        path, start + i + 1, text.strip()[:100], who(o),
                                        who((fw[1], fw[2], fw[0])), fw[0][:10], fw[3],
                                        who((pb[1], pb[2], pb[0])),
                                        "" if ib is pb else "  ignore-revs " +
                                        who((ib[1], ib[2], ib[0])), ", ".join(why)))
            if dump:
                dump.write("\t".join([path, str(start + i + 1), str(tok),
                                      who(ours[0] if ours else None),
                                      who((fw[1], fw[2], fw[0])), who((pb[1], pb[2], pb[0])),
                                      who((ib[1], ib[2], ib[0])),
                                      "agree" if ok else "differ", ", ".join(why), text]) + "\n")
    if dump:
        dump.close()
    if ignore_file:
        os.unlink(ignore_file)
    os.rmdir(tmp)
    for e in examples:
        sys.stderr.write(e)
    if nex:
        for w_, c in sorted(kinds_count.items(), key=lambda kv: -kv[1]):
            sys.stderr.write("disagreements: %d lines %s\n" % (c, w_))

    def pct(a, b):
        return 100.0 * a / b if b else 0.0
    print("excerpts=%d lines=%d tokens=%d first_writer_pct=%.2f first_writer_lines_pct=%.2f "
          "token_first_writer_pct=%.2f "
          "blame_pct=%.2f blame_ignore_pct=%.2f uncredited_pct=%.2f uncredited_lines=%d "
          "common_lines=%d license_lines=%d oracle_blame_lines=%d ignored_revs=%d "
          "tokens_mismatch=%d no_adder_lines=%d"
          % (len(samples), n["lines"], n["tokens"], pct(n["ours"], n["tokens"]),
             pct(n["ours_lines"], n["lines"]), pct(n["ours_tok"], n["tokens"]),
             pct(n["blame"], n["tokens"]),
             pct(n["blame_ig"], n["tokens"]), pct(n["unc"], n["tokens"]), n["unc_lines"],
             n["common"], n["license"], n["oracle_blame"], len(ignored), n["mismatch"],
             n["noadder"]))


if __name__ == "__main__":
    main()
