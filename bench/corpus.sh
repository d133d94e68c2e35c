#!/bin/sh
# corpus.sh - assemble the benchmark corpus from text every Debian machine has: all of
# /usr/include (code) plus the text under /usr/share/doc (prose; *.gz decompressed to .txt).
# Usage: sh bench/corpus.sh [DIR]   (default ${BENCH_DIR:-/tmp/provscan-bench}/corpus)
#
# Layout: DIR/include/... (regular files of /usr/include, symlinks dropped) and DIR/doc/...
# (text files of /usr/share/doc; binaries skipped, i.e. files with a NUL byte). Files larger
# than 10 MiB (provscan's default --max-file-size) or empty are left out, so every byte of
# the corpus is indexed. All of /usr/include goes in; doc files are added in a fixed
# pseudo-random order until the corpus reaches CORPUS_MB (default 200 MB = 10^6 bytes; the
# mix is then ~60% code, ~40% prose, like the corpus in shared/PERF-NOTES.md); CORPUS_MB=0
# takes every doc file. Idempotent: a complete corpus is marked by the stamp file DIR.stamp
# (beside the folder, so the stamp is not indexed) and reused when it was made for the same
# CORPUS_MB; otherwise it is rebuilt.
# Prints one line: "corpus DIR: N files, B bytes (M MB)".
set -eu

BENCH_DIR=${BENCH_DIR:-/tmp/provscan-bench}
OUT=${1:-$BENCH_DIR/corpus}
STAMP=$OUT.stamp
CORPUS_MB=${CORPUS_MB:-200}
MIN_BYTES=100000000   # the benchmark wants at least 100 MB (10^6 bytes)
MAX_FILE=10485760     # provscan's default --max-file-size (10 MiB)

if [ -f "$STAMP" ] && [ -d "$OUT" ] && [ "$(sed -n 2p "$STAMP")" = "target=$CORPUS_MB" ]; then
    head -n 1 "$STAMP"
    exit 0
fi

TMP=$OUT.tmp
rm -rf "$TMP" "$STAMP"
mkdir -p "$TMP/include" "$TMP/alldoc"

# /usr/include, all regular files (symlinks are not documents: the indexer skips them too).
(cd /usr/include && tar cf - .) | (cd "$TMP/include" && tar xf -)
find "$TMP/include" -type l -exec rm -f {} +

# /usr/share/doc: plain text files copied, *.gz decompressed into .txt copies; binaries
# (a NUL byte anywhere: `grep -I` treats the file as binary) and known non-text compressed
# formats skipped. One shell handles a batch of files, so this takes seconds, not minutes.
# shellcheck disable=SC2016
find /usr/share/doc -type f -size +0 -print0 | xargs -0 sh -c '
    dst=$0
    for f in "$@"; do
        rel=${f#/usr/share/doc/}
        case $f in
        *.tar.gz | *.tgz | *.ps.gz | *.eps.gz | *.pdf.gz | *.svgz | *.dvi.gz | *.png | \
            *.jpg | *.jpeg | *.gif | *.ico | *.pdf | *.ps | *.eps | *.zip | *.bz2 | *.xz | \
            *.zst | *.woff | *.woff2 | *.ttf | *.otf)
            continue ;;
        *.gz)
            out=$dst/${rel%.gz}.txt
            mkdir -p "${out%/*}"
            zcat -- "$f" >"$out" 2>/dev/null || { rm -f "$out"; continue; } ;;
        *)
            out=$dst/$rel
            mkdir -p "${out%/*}"
            cp -- "$f" "$out" ;;
        esac
        LC_ALL=C grep -Iq . "$out" || rm -f "$out"
    done
' "$TMP/alldoc"

# Leave out what the indexer would skip by default: too large, empty.
find "$TMP" -type f \( -size +${MAX_FILE}c -o -size 0 \) -exec rm -f {} +

# Pick doc files in a fixed shuffled order (shuf fed a constant byte stream) until the
# corpus reaches the target, and move them under doc/.
incl=$(find "$TMP/include" -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%d", s }')
yes provscan-bench | head -c 1048576 >"$TMP.seed"
(cd "$TMP/alldoc" && find . -type f -printf '%s %P\n' | LC_ALL=C sort -k2 |
    shuf --random-source="$TMP.seed") |
    awk -v have="$incl" -v want="$CORPUS_MB" '
        want > 0 && have >= want * 1e6 { exit }
        { have += $1; sub(/^[0-9]+ /, ""); print }' >"$TMP.list"
rm -f "$TMP.seed"
# shellcheck disable=SC2016
(cd "$TMP/alldoc" && tr '\n' '\0' <"$TMP.list" | xargs -0 -r sh -c '
    for f in "$@"; do
        case $f in */*) mkdir -p "$0/${f%/*}" ;; esac
        mv -- "$f" "$0/$f"
    done' "$TMP/doc")
rm -rf "$TMP/alldoc" "$TMP.list"
mkdir -p "$TMP/doc"
find "$TMP" -type d -empty -delete

stats=$(find "$TMP" -type f -printf '%s\n' | awk '{ s += $1; n++ } END { printf "%d %d", n, s }')
nfiles=${stats% *}
nbytes=${stats#* }
line=$(awk -v d="$OUT" -v n="$nfiles" -v b="$nbytes" \
    'BEGIN { printf "corpus %s: %d files, %d bytes (%.1f MB)", d, n, b, b / 1e6 }')
if [ "$nbytes" -lt "$MIN_BYTES" ]; then
    echo "corpus.sh: warning: this machine has only $nbytes bytes of /usr/include and" \
        "/usr/share/doc text (wanted >= $MIN_BYTES); using what there is" >&2
    line="$line [less than the 100 MB wanted]"
fi

rm -rf "$OUT"
mv "$TMP" "$OUT"
printf '%s\ntarget=%s\n' "$line" "$CORPUS_MB" >"$STAMP"
echo "$line"
