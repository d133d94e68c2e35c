#!/bin/sh
# run.sh - `make bench`: build speed, peak memory and index size of `provscan index` on a
# >= 100 MB local corpus, query latency and batch match throughput against that index, the
# readers' throughput (JSON lines, Stack Exchange XML, WARC), git history indexing speed and
# how often git credit names the first writer of a line (first_writer.py), and `provscan credit`
# over 10,000 outputs (speed with --jobs 1 and 2, peak memory, --verify), and `provscan scan` of
# datasets in five shapes against a small index of "my work" beside `rg -F -f` (speed, --jobs 2,
# peak memory, planted copies found).
# Prints the figures next to the goals and writes them to bench/out/latest.txt.
#
# Usage: sh bench/run.sh [PROVSCAN_BINARY] [--params]
#   BENCH_ONLY=credit: only the credit section (the bench index is built when this binary
#   cannot read the one in BENCH_DIR); latest.txt then holds its figures alone.
#   BENCH_ONLY=scan: only the scan section (the same).
#   BENCH_ONLY=check: only the check section (builds the bench index if needed).
#   BENCH_ONLY=build: only the build speeds, the stage table (where a build's time goes: the
#   serial fraction s and Amdahl's law's speed-up on 4, 16 and 64 cores) and their goals.
#   --params (or BENCH_PARAMS=1) then also runs the k/w/--common study (bench_params.c;
#   several minutes) and writes bench/out/params.md.
# Environment: BENCH_DIR (default /tmp/provscan-bench: corpus, indexes, query files),
#   CORPUS_MB (default 200, see corpus.sh), BENCH_RUNS (builds per setting, default 3),
#   BENCH_QUERIES (queries per size, default 200), CC (default cc), BENCH_TIMER=helper (use
#   bench_query's timer even where GNU time exists), BENCH_GIT_REPOS (git repositories, space
#   separated; default: the mirrors of jq, click, requests and express under /work/.mirror that
#   exist, else a synthetic history), GIT_EXCERPTS (excerpts per repository, default 120),
#   CREDIT_OUTPUTS (outputs credited, default 10000), CREDIT_RUNS (runs per --jobs, default 3),
#   SCAN_MB (size of each scan dataset, default 128), SCAN_RUNS (scan runs per --jobs and
#   dataset, default 3), SCAN_PLANTS (copies planted in each dataset, default 200).
# Sizes: 1 MB = 10^6 bytes; --memory takes binary suffixes (64M = 64 MiB).
set -eu

BIN=${1:-./provscan}
PARAMS=${BENCH_PARAMS:-0}
[ "${2:-}" = "--params" ] && PARAMS=1
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
case $BIN in /*) ;; *) BIN=$ROOT/${BIN#./} ;; esac
LIB=$(dirname "$BIN")/libprovscan.a
BENCH_DIR=${BENCH_DIR:-/tmp/provscan-bench}
RUNS=${BENCH_RUNS:-3}
NQ=${BENCH_QUERIES:-200}
CC=${CC:-cc}
HELPERS=out/bench
OUTDIR=bench/out
OUT=$OUTDIR/latest.txt
IDX=$BENCH_DIR/bench.pvx
WORK=$BENCH_DIR/work
mkdir -p "$HELPERS" "$OUTDIR" "$BENCH_DIR" "$WORK"
: >"$OUT.tmp"

# say LINE: a result line, printed and kept for latest.txt; note LINE: progress, stderr only
say() { printf '%s\n' "$*" | tee -a "$OUT.tmp"; }
note() { printf 'bench: %s\n' "$*" >&2; }
die() {
    printf 'bench: error: %s\n' "$*" >&2
    exit 1
}
# calc EXPR: floating-point arithmetic through awk
calc() { awk "BEGIN { printf \"%s\", ($1) }" 2>/dev/null; }
# field KEY FILE: the value of KEY=VALUE in a line of FILE (first match)
field() { tr ' ' '\n' <"$2" | sed -n "s/^$1=//p" | head -n 1; }
# verdict OK_EXPR: "ok" or "MISSED"
verdict() { if [ "$(calc "($1) ? 1 : 0")" = 1 ]; then echo ok; else echo MISSED; fi; }
# median_secs / max_rss_mb RUNS: of a file of "SECONDS MAXRSS_KIB ..." lines (one per run)
median_secs() { awk '{ print $1 }' "$1" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
max_rss_mb() { awk '{ if ($2 > m) m = $2 } END { printf "%.1f", m * 1024 / 1e6 }' "$1"; }

[ -x "$BIN" ] || die "no provscan binary at $BIN (run make first)"
[ -f "$LIB" ] || die "no library at $LIB (run make first)"

# ---- helpers: built against the library the binary was linked with ---------------------
PKGS="libpcre2-8 libzstd libxxhash libutf8proc libcjson libgit2 libarchive expat libxml-2.0 zlib"
# shellcheck disable=SC2086
LIBS="$(pkg-config --libs $PKGS 2>/dev/null ||
    echo -lpcre2-8 -lzstd -lxxhash -lutf8proc -lcjson -lgit2 -larchive -lexpat -lxml2 -lz)"
# bench_util.c holds the helpers both programs share
for h in bench_query bench_params; do
    # shellcheck disable=SC2086
    $CC -std=c11 -O2 -Wall -Wextra -Iinclude -Icommon -Iscanner -o "$HELPERS/$h" \
        "bench/$h.c" bench/bench_util.c "$LIB" $LIBS -lpthread -lm || die "cannot build $HELPERS/$h"
done

# timed FILE CMD...: run CMD; FILE receives "SECONDS MAXRSS_KIB USER_S SYS_S" (GNU time, else
# our helper)
if [ "${BENCH_TIMER:-}" != helper ] && /usr/bin/time --version 2>&1 | grep -q GNU; then
    TIMER="GNU time"
    timed() {
        tf=$1
        shift
        /usr/bin/time -f '%e %M %U %S' -o "$tf.raw" "$@" && rc=0 || rc=$?
        tail -n 1 "$tf.raw" >"$tf"
        return "$rc"
    }
else
    TIMER="bench_query time (getrusage of the child)"
    timed() {
        tf=$1
        shift
        "$HELPERS/bench_query" time "$tf" "$@"
    }
fi

# ---- corpus -----------------------------------------------------------------------------
CORPUS_LINE=$(sh bench/corpus.sh "$BENCH_DIR/corpus") || die "corpus.sh failed"
CORPUS=$BENCH_DIR/corpus
note "warming the page cache"
find "$CORPUS" -type f -exec cat {} + >/dev/null

# busy_pct: share of all cores busy over one second (other processes skew --jobs 2 figures)
busy_pct() {
    a=$(head -n 1 /proc/stat)
    sleep 1
    b=$(head -n 1 /proc/stat)
    printf '%s\n%s\n' "$a" "$b" | awk '{ idle[NR] = $5 + $6; tot[NR] = 0
        for (i = 2; i <= NF; i++) tot[NR] += $i }
        END { d = tot[2] - tot[1]; printf "%.0f", (d > 0 ? 100 * (1 - (idle[2] - idle[1]) / d) : 0) }'
}
BUSY=$(busy_pct 2>/dev/null || echo 0)
# busy_s: CPU seconds all processes have used since boot (/proc/stat, all cores)
TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)
busy_s() { head -n 1 /proc/stat | awk -v t="$TCK" '{ s = 0; for (i = 2; i <= NF; i++) s += $i
    printf "%.2f", (s - $5 - $6) / t }'; }
# ---- two cores that are not equal ----------------------------------------------------------
# On a shared host one core can run 30-50% slower than the other for hours (a busy neighbour
# on the host; seen here: sha256sum of 300 MB took 1.1-1.3 s on core 0 and 0.72 s on core 1).
# --jobs 1 then has two speeds, and --jobs 2 cannot reach 2x the faster one. So the --jobs 1
# runs of credit and scan are pinned to each core in turn (taskset), and the --jobs 2 speed-up
# is given over the faster core beside the ceiling the two cores allow together (1 + the
# slower core's speed / the faster's) and the share of that ceiling reached: 90% of it is the
# 1.8x of two equal cores.
PIN=
if command -v taskset >/dev/null 2>&1 && [ "$(nproc)" -ge 2 ] && taskset -c 1 true 2>/dev/null; then
    PIN=yes
fi
# on_core I: the command prefix that runs on core I (nothing without taskset)
on_core() { [ -n "$PIN" ] && printf 'taskset -c %s' "$1"; }
# scaling C0_RUNS C1_RUNS J2_RUNS: "FAST_S SLOW_S SPEEDUP CEILING SHARE" from the run files
# of --jobs 1 on core 0 and on core 1 and of --jobs 2 (medians); without taskset C0 = C1
scaling() {
    if [ -n "$PIN" ]; then
        t0=$(median_secs "$1")
        t1=$(median_secs "$2")
    else
        cat "$1" "$2" >"$WORK/both.runs"
        t0=$(median_secs "$WORK/both.runs")
        t1=$t0
    fi
    t2=$(median_secs "$3")
    awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN { f = a < b ? a : b; s = a < b ? b : a
        up = f / c; ceil = 1 + f / s; printf "%s %s %.4f %.4f %.4f", f, s, up, ceil, up / ceil }'
}

COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo "no commit")
DIRTY=
if git status --porcelain 2>/dev/null | grep -q .; then DIRTY=" (+ uncommitted changes)"; fi
CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
say "provscan bench - $(date -u '+%Y-%m-%d %H:%M UTC') - commit $COMMIT$DIRTY"
say "machine: $(nproc) cores, ${CPU:-unknown CPU}, $(uname -sr); timer: $TIMER"
say "$CORPUS_LINE"
if [ "$BUSY" -gt 10 ]; then
    say "WARNING: the machine was ${BUSY}% busy before the run (other processes); speeds, above all"
    say "         --jobs 2, are lower than on an idle machine"
fi
say ""

# ---- credit: provscan credit over a batch of outputs -------------------------------------
# credit_bench: CREDIT_OUTPUTS outputs of 2 KB (bench/gen_outputs.py: edited excerpts of the
# corpus and unrelated text, seeded) credited against $IDX with --jobs 1 and 2, CREDIT_RUNS
# runs each (best and median); peak RSS at 2,000 and at all the outputs; --verify of the ledger
# (digest only, and recomputed); the strength of the credited spans, copied or by chance
# (bench/credit_strength.py). Sets the CR_* figures credit_goals prints.
CREDIT_N=${CREDIT_OUTPUTS:-10000}
CREDIT_RUNS=${CREDIT_RUNS:-3}
best_secs() { awk '{ print $1 }' "$1" | sort -n | head -n 1; }
runs_list() { awk '{ printf "%s%s", sep, $1; sep = " " }' "$1"; }
credit_bench() {
    outs=$BENCH_DIR/outputs
    note "generating $CREDIT_N outputs of 2 KB in $outs"
    rm -rf "$outs"
    python3 bench/gen_outputs.py "$CORPUS" "$outs" "$CREDIT_N" 2048 1 >"$WORK/outs.gen" ||
        die "gen_outputs.py failed"
    find "$outs" -name 'o*.txt' | sort | head -n 2000 >"$WORK/outs2k.list"
    CR_SMALL=$(wc -l <"$WORK/outs2k.list")
    # --jobs 1 on core 0, on core 1, then --jobs 2, in turn: a neighbour's load that comes and
    # goes falls on all three alike
    rm -f "$WORK/cr1c0.runs" "$WORK/cr1c1.runs" "$WORK/cr2.runs"
    i=0
    while [ $i -lt "$CREDIT_RUNS" ]; do
        i=$((i + 1))
        for mode in 1c0 1c1 2; do
            jobs=${mode%c*}
            core=${mode#*c}
            pin=
            [ "$jobs" = 1 ] && pin=$(on_core "$core")
            note "credit --jobs $jobs${pin:+ on core $core}, $CREDIT_N outputs, run $i of $CREDIT_RUNS"
            # shellcheck disable=SC2086 # $pin is a command prefix or nothing
            timed "$WORK/cr$mode.time" $pin "$BIN" credit -x "$IDX" --jobs "$jobs" --format json \
                -o "$WORK/ledger-j$jobs.json" "$outs" 2>"$WORK/cr.err" ||
                die "provscan credit --jobs $jobs failed: $(tail -n 3 "$WORK/cr.err")"
            cat "$WORK/cr$mode.time" >>"$WORK/cr$mode.runs"
        done
    done
    # --jobs 1 over both cores, for the speed a user sees
    cat "$WORK/cr1c0.runs" "$WORK/cr1c1.runs" >"$WORK/cr1.runs"
    for jobs in 1 2; do
        note "credit --jobs $jobs, $CR_SMALL outputs"
        timed "$WORK/cr${jobs}s.time" "$BIN" credit -x "$IDX" --jobs "$jobs" --format json \
            -o "$WORK/ledger-small.json" --files-from "$WORK/outs2k.list" 2>"$WORK/cr.err" ||
            die "provscan credit --files-from failed: $(tail -n 3 "$WORK/cr.err")"
    done
    CR_SAME=no
    cmp -s "$WORK/ledger-j1.json" "$WORK/ledger-j2.json" && CR_SAME=yes
    # shellcheck disable=SC2046 # five numbers
    set -- $(scaling "$WORK/cr1c0.runs" "$WORK/cr1c1.runs" "$WORK/cr2.runs")
    CR_SPEEDUP=$3
    CR_CEIL=$4
    CR_SHARE=$5
    CR_RSS=$(max_rss_mb "$WORK/cr1.runs")
    CR_RSS2=$(max_rss_mb "$WORK/cr2.runs")
    CR_RSS_SMALL=$(max_rss_mb "$WORK/cr1s.time")
    CR_RSS2_SMALL=$(max_rss_mb "$WORK/cr2s.time")
    CR_RSS_MAX=$(calc "$CR_RSS > $CR_RSS2 ? $CR_RSS : $CR_RSS2")
    # independent of the count: all the outputs take at most 10% (+ 5 MB) more than 2,000
    CR_GROWTH=$(calc "($CR_RSS - $CR_RSS_SMALL > $CR_RSS2 - $CR_RSS2_SMALL ? \
        $CR_RSS - $CR_RSS_SMALL : $CR_RSS2 - $CR_RSS2_SMALL)")
    CR_FLAT=$(verdict "$CR_RSS <= 1.1 * $CR_RSS_SMALL + 5 && $CR_RSS2 <= 1.1 * $CR_RSS2_SMALL + 5")
    note "credit --verify"
    rm -f "$WORK/vd.runs"
    i=0
    while [ $i -lt "$CREDIT_RUNS" ]; do
        i=$((i + 1))
        timed "$WORK/vd.time" "$BIN" credit --verify "$WORK/ledger-j1.json" >"$WORK/vd.out" \
            2>&1 || die "provscan credit --verify failed: $(tail -n 3 "$WORK/vd.out")"
        cat "$WORK/vd.time" >>"$WORK/vd.runs"
    done
    timed "$WORK/vr.time" "$BIN" credit --verify "$WORK/ledger-j1.json" -x "$IDX" "$outs" \
        >"$WORK/vr.out" 2>&1 || die "provscan credit --verify -x failed: $(tail -n 3 "$WORK/vr.out")"
    read -r vr_secs vr_kib _ <"$WORK/vr.time"
    python3 bench/credit_strength.py "$WORK/ledger-j1.json" "$outs.truth.tsv" >"$WORK/strength" ||
        die "credit_strength.py failed"
    grep '^copied ' "$WORK/strength" >"$WORK/st.copied"
    grep '^chance ' "$WORK/strength" >"$WORK/st.chance"

    say "== credit: provscan credit --format json, $CREDIT_N outputs of 2 KB ($(field bytes "$WORK/outs.gen") bytes;"
    say "   bench/gen_outputs.py: 4 in 5 an edited excerpt of a corpus document and unrelated text,"
    say "   1 in 5 unrelated text only), $CREDIT_RUNS runs each"
    for mode in 1c0 1c1 2; do
        med=$(median_secs "$WORK/cr$mode.runs")
        best=$(best_secs "$WORK/cr$mode.runs")
        label="--jobs ${mode%c*}"
        [ "$mode" != 2 ] && [ -n "$PIN" ] && label="$label, core ${mode#*c}"
        [ "$mode" = 1c1 ] && [ -z "$PIN" ] && continue
        # CPU seconds (user + sys) of a run, on average: on a busy machine the wall time says
        # more about the other processes than about provscan
        cpu=$(awk '{ s += $3 + $4 } END { printf "%.2f", s / NR }' "$WORK/cr$mode.runs")
        say "$(printf '%-34s %8.0f outputs/s  (median %s s; best %s s = %.0f outputs/s; runs: %s; CPU %s s a run)' \
            "$label" "$(calc "$CREDIT_N / $med")" "$med" "$best" \
            "$(calc "$CREDIT_N / $best")" "$(runs_list "$WORK/cr$mode.runs")" "$cpu")"
    done
    say "$(printf '%-34s %8.2fx  (over the faster core, medians; the two cores allow %.2fx: %.0f%% of it); same ledger: %s' \
        "speed-up, --jobs 2" "$CR_SPEEDUP" "$CR_CEIL" "$(calc "100 * $CR_SHARE")" "$CR_SAME")"
    say "$(printf '%-34s %8.1f MB     (--jobs 2: %.1f MB)' "peak RSS, $CR_SMALL outputs" \
        "$CR_RSS_SMALL" "$CR_RSS2_SMALL")"
    say "$(printf '%-34s %8.1f MB     (--jobs 2: %.1f MB; the ledger is %.1f MB)' \
        "peak RSS, $CREDIT_N outputs" "$CR_RSS" "$CR_RSS2" \
        "$(calc "$(stat -c %s "$WORK/ledger-j1.json") / 1e6")")"
    say "$(printf '%-34s %8.3f s      (median of %s)' "--verify LEDGER (digest)" \
        "$(median_secs "$WORK/vd.runs")" "$CREDIT_RUNS")"
    say "$(printf '%-34s %8.2f s      (one run, default --jobs, peak RSS %.1f MB): %s' \
        "--verify LEDGER -x INDEX OUTPUTS" "$vr_secs" "$(calc "$vr_kib * 1024 / 1e6")" \
        "$(sed -n 's/.*: \(digest ok.*\)/\1/p' "$WORK/vr.out")")"
    say "   strength of the spans credited (--min-strength; % of their tokens under 0 / 2 / 5 / 10):"
    say "$(printf '   %-31s %8s tokens, %s rows: %s / %s / %s / %s %%; weakest %s' \
        "in the planted excerpts" "$(field tokens "$WORK/st.copied")" \
        "$(field rows "$WORK/st.copied")" "$(field under_0 "$WORK/st.copied")" \
        "$(field under_2 "$WORK/st.copied")" "$(field under_5 "$WORK/st.copied")" \
        "$(field under_10 "$WORK/st.copied")" "$(field min "$WORK/st.copied")")"
    say "$(printf '   %-31s %8s tokens, %s rows; strongest %s' \
        "in the unrelated text (chance)" "$(field tokens "$WORK/st.chance")" \
        "$(field rows "$WORK/st.chance")" "$(field max "$WORK/st.chance")")"
    say ""
}
credit_goals() {
    say "$(printf '%-40s %-26s %-14s %s' "credit, --jobs 2 over --jobs 1" ">= 1.8x = 90% of ceiling" \
        "$(printf '%.2fx = %.0f%% of %.2fx' "$CR_SPEEDUP" "$(calc "100 * $CR_SHARE")" "$CR_CEIL")" \
        "$(verdict "$CR_SHARE >= 0.9")")"
    say "$(printf '%-40s %-26s %-14s %s' "credit peak RSS, $CREDIT_N outputs" "<= 200 MB" \
        "$(printf '%.1f MB' "$CR_RSS_MAX")" "$(verdict "$CR_RSS_MAX <= 200")")"
    say "$(printf '%-40s %-26s %-14s %s' "credit RSS, $CR_SMALL to $CREDIT_N outputs" \
        "independent of the count" "$(printf '%+.1f MB' "$CR_GROWTH")" "$CR_FLAT")"
    say "$(printf '%-40s %-26s %-14s %s' "credit ledger, --jobs 1 and 2" "byte-identical" \
        "$CR_SAME" "$([ "$CR_SAME" = yes ] && echo ok || echo MISSED)")"
}
# ---- scan: datasets streamed against a small index of "my work" (issue 11) ---------------
# scan_bench: bench/gen_dataset.py makes (once; cached in $BENCH_DIR/scan) datasets of SCAN_MB
# MB in each shape, with SCAN_PLANTS copies of 40 corpus documents ("my work", in scan/mine)
# planted at known records (scan/truth.tsv). `provscan index` of scan/mine is the small index;
# `provscan scan -x MY.pvx DATASET --format jsonl` runs SCAN_RUNS times with --jobs 1 and 2 on
# each dataset; `rg -F -f scan/patterns.txt` (every distinct line of >= 20 characters of my
# documents) once with one thread, the obvious alternative. gen_dataset.py score counts the
# planted copies each found. Sets the SC_* figures scan_goals prints; SC_SKIP says why not.
SCAN_MB=${SCAN_MB:-128}
SCAN_RUNS=${SCAN_RUNS:-3}
SCAN_PLANTS=${SCAN_PLANTS:-200}
# shapes: TAG PATH (in scan/) and what it is
SCAN_SHAPES="wet:wet/bench.warc.wet:plain text, WET (WARC/1.0 conversion records)
txt:txt:plain text, a folder of text files
dolma:dolma.jsonl:text-heavy JSON lines, Dolma-like (prose)
stack:stack.jsonl:text-heavy JSON lines, The Stack-like (code)
reddit:reddit.jsonl:metadata-heavy JSON lines, Reddit comments
dolma.zst:dolma.jsonl.zst:Dolma-like, zstd -3
stack.zst:stack.jsonl.zst:The Stack-like, zstd -3
reddit.zst:reddit.jsonl.zst:Reddit comments, zstd -3
shards:stack-shards:The Stack-like in 8 shards of zstd -3, a folder (as datasets are published)"
# text_bytes PATH: bytes of the dataset's text (a .zst: of the file it was compressed from)
text_bytes() {
    case $1 in
    *.zst) stat -c %s "${1%.zst}" ;;
    *-shards) find "$1" -type f -name '*.zst' -exec zstd -dcq {} + | wc -c ;;
    *) find "$1" -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%d", s }' ;;
    esac
}
scan_bench() {
    ds=$BENCH_DIR/scan
    note "scan datasets: $SCAN_MB MB each (bench/gen_dataset.py; cached in $ds)"
    python3 bench/gen_dataset.py gen "$CORPUS" "$ds" --mb "$SCAN_MB" --plants "$SCAN_PLANTS" ||
        die "gen_dataset.py failed"
    # the Stack-like lines again, cut into 8 shards of zstd -3 in a folder (cached)
    if [ ! -f "$ds/stack-shards.stamp" ] || [ "$ds/stack-shards.stamp" -ot "$ds/stack.jsonl" ]; then
        note "cutting stack.jsonl into 8 zstd shards in $ds/stack-shards"
        rm -rf "$ds/stack-shards"
        mkdir -p "$ds/stack-shards"
        split -n l/8 -d --additional-suffix=.jsonl "$ds/stack.jsonl" "$ds/stack-shards/part-" ||
            die "cannot cut stack.jsonl"
        for f in "$ds/stack-shards"/part-*.jsonl; do
            zstd -q -3 --rm "$f" || die "zstd failed on $f"
        done
        touch "$ds/stack-shards.stamp"
    fi
    MY=$BENCH_DIR/my.pvx
    rm -f "$MY"
    "$BIN" index -o "$MY" -q "$ds/mine" >"$WORK/my.summary" 2>"$WORK/my.err" ||
        die "provscan index of $ds/mine failed: $(tail -n 3 "$WORK/my.err")"
    SC_SKIP=
    if ! "$BIN" scan --help >/dev/null 2>&1; then
        SC_SKIP="this provscan has no working scan command (\`provscan scan --help\` failed)"
    fi
    RG_SKIP=
    command -v rg >/dev/null 2>&1 || RG_SKIP="no rg (Debian package ripgrep; make deps)"
    say "== scan: provscan scan -x MY.pvx DATASET --format jsonl; MY.pvx = $(find "$ds/mine" -type f | wc -l) documents"
    say "   of mine ($(sed -n 's/^indexed [0-9,]* documents, \([0-9,]* bytes\).*/\1/p' "$WORK/my.summary"), index $(stat -c %s "$MY") bytes); datasets of $SCAN_MB MB"
    say "   (bench/gen_dataset.py), $SCAN_PLANTS copies of my documents planted in each; MB/s of the"
    say "   dataset's text (decompressed for .zst), median of $SCAN_RUNS runs. rg = rg -F -f PATTERNS -j1"
    say "   ($(wc -l <"$ds/patterns.txt") distinct lines of >= 20 characters of my documents), one run"
    [ -n "$SC_SKIP" ] && say "   provscan scan skipped: $SC_SKIP"
    [ -n "$RG_SKIP" ] && say "   rg skipped: $RG_SKIP"
    say "   (wall seconds, and CPU seconds user + sys in parentheses, of one run; 'CPU' = MB/s of"
    say "   the CPU seconds of the median --jobs 1 run: the speed of a core that provscan had alone)"
    say "   --jobs 1 = the faster core's (pinned; see \"two cores\" in bench/README.md); speed-up ="
    say "   over it; ceiling = what the two cores allow together; % = the share of it reached"
    say "$(printf '%-10s %6s | %10s %10s %8s %7s %4s %10s %9s %4s | %-15s %-15s %7s' dataset MB \
        "--jobs 1" "--jobs 2" speed-up ceiling % "CPU" "peak RSS" same "scan --jobs 1" "rg -j1" "rg/scan")"
    SC_PLAIN=
    SC_JSONL=
    SC_SPEEDUP=
    SC_SHARE=
    SC_SAME=yes
    printf '%s\n' "$SCAN_SHAPES" >"$WORK/shapes"
    while IFS=: read -r tag rel what; do
        path=$ds/$rel
        bytes=$(text_bytes "$path")
        mb=$(calc "$bytes / 1e6")
        j1=
        j2=
        rss=
        same=-
        s1=
        c1=
        if [ -z "$SC_SKIP" ]; then
            rm -f "$WORK/sc-$tag-j1c0.runs" "$WORK/sc-$tag-j1c1.runs" "$WORK/sc-$tag-j2.runs"
            i=0
            while [ $i -lt "$SCAN_RUNS" ]; do
                i=$((i + 1))
                # --jobs 1 on core 0, on core 1, then --jobs 2 (see "two cores")
                for mode in 1c0 1c1 2; do
                    jobs=${mode%c*}
                    core=${mode#*c}
                    pin=
                    [ "$jobs" = 1 ] && pin=$(on_core "$core")
                    note "scan --jobs $jobs${pin:+ on core $core} $rel, run $i of $SCAN_RUNS"
                    rc=0
                    # shellcheck disable=SC2086 # $pin is a command prefix or nothing
                    timed "$WORK/sc.time" $pin "$BIN" scan -x "$MY" --format jsonl --jobs "$jobs" \
                        "$path" >"$WORK/sc-$tag-j$jobs.jsonl" 2>"$WORK/sc.err" || rc=$?
                    [ "$rc" -le 1 ] ||
                        die "provscan scan --jobs $jobs $rel: exit $rc: $(tail -n 3 "$WORK/sc.err")"
                    cat "$WORK/sc.time" >>"$WORK/sc-$tag-j$mode.runs"
                done
            done
            # shellcheck disable=SC2046 # five numbers
            set -- $(scaling "$WORK/sc-$tag-j1c0.runs" "$WORK/sc-$tag-j1c1.runs" "$WORK/sc-$tag-j2.runs")
            s1=$1
            up=$3
            ceil=$4
            share=$5
            cat "$WORK/sc-$tag-j1c0.runs" "$WORK/sc-$tag-j1c1.runs" >"$WORK/sc-$tag-j1.runs"
            c1=$(awk -v m="$s1" '$1 == m { printf "%.2f", $3 + $4; exit }' "$WORK/sc-$tag-j1.runs")
            j1=$(calc "$bytes / $s1 / 1e6")
            j2=$(calc "$bytes / $(median_secs "$WORK/sc-$tag-j2.runs") / 1e6")
            rss=$(max_rss_mb "$WORK/sc-$tag-j2.runs")
            rss1=$(max_rss_mb "$WORK/sc-$tag-j1.runs")
            rss=$(calc "$rss > $rss1 ? $rss : $rss1")
            same=no
            cmp -s "$WORK/sc-$tag-j1.jsonl" "$WORK/sc-$tag-j2.jsonl" && same=yes
            [ $same = yes ] || SC_SAME=no
            if [ -z "$SC_SHARE" ] || [ "$(calc "$share < $SC_SHARE ? 1 : 0")" = 1 ]; then
                SC_SPEEDUP=$up
                SC_CEIL=$ceil
                SC_SHARE=$share
                SC_SPEEDUP_AT=$tag
            fi
            # the goals: the slowest shape of each kind, on one core
            case $tag in
            wet | txt)
                if [ -z "$SC_PLAIN" ] || [ "$(calc "$j1 < $SC_PLAIN ? 1 : 0")" = 1 ]; then
                    SC_PLAIN=$j1
                    SC_PLAIN_AT=$tag
                fi ;;
            dolma | stack)
                if [ -z "$SC_JSONL" ] || [ "$(calc "$j1 < $SC_JSONL ? 1 : 0")" = 1 ]; then
                    SC_JSONL=$j1
                    SC_JSONL_AT=$tag
                fi ;;
            esac
            # the shards hold the Stack-like lines: their findings are counted against it
            if [ "$tag" = shards ]; then
                rm -f "$WORK/sc-$tag.score"
                SC_SHARDS_FOUND=$(wc -l <"$WORK/sc-$tag-j1.jsonl")
                SC_SHARDS_SAME=$(wc -l <"$WORK/sc-stack-j1.jsonl")
            else
                python3 bench/gen_dataset.py score "$ds" "$path" --scan "$WORK/sc-$tag-j1.jsonl" \
                    >"$WORK/sc-$tag.score" || die "gen_dataset.py score failed"
            fi
        fi
        rgs=
        if [ -z "$RG_SKIP" ]; then
            note "rg -F -f patterns.txt $rel"
            rc=0
            # -M 1: lines (a JSON line is a whole record) are not printed, only their numbers
            timed "$WORK/rg.time" rg -F -f "$ds/patterns.txt" -j1 -z -n -H -M 1 "$path" \
                >"$WORK/rg-$tag.out" 2>"$WORK/rg.err" || rc=$?
            [ "$rc" -le 1 ] || die "rg on $rel: exit $rc: $(tail -n 3 "$WORK/rg.err")"
            rgs=$(awk '{ print $1 }' "$WORK/rg.time")
            rgc=$(awk '{ printf "%.2f", $3 + $4 }' "$WORK/rg.time")
            if [ "$tag" = shards ]; then
                rm -f "$WORK/rg-$tag.score"
            else
                python3 bench/gen_dataset.py score "$ds" "$path" --rg "$WORK/rg-$tag.out" \
                    >"$WORK/rg-$tag.score" || die "gen_dataset.py score failed"
            fi
        fi
        say "$(printf '%-10s %6.1f | %10s %10s %8s %7s %4s %10s %9s %4s | %-15s %-15s %7s' "$tag" "$mb" \
            "${j1:+$(printf '%.1f MB/s' "$j1")}" "${j2:+$(printf '%.1f MB/s' "$j2")}" \
            "${j1:+$(printf '%.2fx' "$up")}" "${j1:+$(printf '%.2fx' "$ceil")}" \
            "${j1:+$(printf '%.0f' "$(calc "100 * $share")")}" \
            "${c1:+$(printf '%.1f MB/s' "$(calc "$bytes / $c1 / 1e6")")}" \
            "${rss:+$(printf '%.1f MB' "$rss")}" "$same" "${s1:+$s1 s ($c1)}" \
            "${rgs:+$rgs s ($rgc)}" \
            "$([ -n "$s1" ] && [ -n "$rgs" ] && printf '%.2fx' "$(calc "$rgs / $s1")")")"
    done <"$WORK/shapes"
    say "   planted copies found, of $(calc "$SCAN_PLANTS / 4") of each kind (verbatim / reformatted / re-wrapped /"
    say "   JSON-escaped): provscan, when a finding names the record and my document; rg, when it"
    say "   reports a line inside the record. other: provscan findings that name no planted record"
    say "   (or another document of mine); rg lines outside every planted record"
    say "$(printf '%-10s | %-28s %-8s %6s | %-28s %-8s %6s' "" "provscan scan" "" "" "rg -F" "" "")"
    say "$(printf '%-10s | %-6s %-6s %-6s %-7s %-8s %6s | %-6s %-6s %-6s %-7s %-8s %6s' dataset \
        verb. reform rewrap escaped all other verb. reform rewrap escaped all other)"
    # recall TOOL: "verbatim reformatted rewrapped escaped all other" of $tag's score, or dashes
    recall() {
        if [ -f "$WORK/$1-$tag.score" ]; then
            tr ' ' '\n' <"$WORK/$1-$tag.score" | sed -n 's/^[a-z]*=//p' | sed -n '1,5p;7p' |
                tr '\n' ' '
        else
            echo "- - - - - -"
        fi
    }
    while IFS=: read -r tag rel what; do
        [ -z "$SC_SKIP" ] || rm -f "$WORK/sc-$tag.score"
        [ -z "$RG_SKIP" ] || rm -f "$WORK/rg-$tag.score"
        # shellcheck disable=SC2046,SC2183 # recall prints six words each
        say "$(printf '%-10s | %-6s %-6s %-6s %-7s %-8s %6s | %-6s %-6s %-6s %-7s %-8s %6s' \
            "$tag" $(recall sc) $(recall rg))"
    done <"$WORK/shapes"
    while IFS=: read -r tag rel what; do
        say "$(printf '   %-10s %s: %s' "$tag" "$what" "$rel")"
    done <"$WORK/shapes"
    if [ -n "${SC_SHARDS_FOUND:-}" ]; then
        say "   shards: $SC_SHARDS_FOUND findings; stack.jsonl, the same lines in one file: $SC_SHARDS_SAME"
    fi
    say ""
}
scan_goals() {
    if [ -n "$SC_SKIP" ]; then
        say "$(printf '%-40s %-26s %-14s %s' "scan" "(goals below)" "not run" "SKIPPED")"
        return 0
    fi
    say "$(printf '%-40s %-26s %-14s %s' "scan plain text, per core ($SC_PLAIN_AT)" ">= 150 MB/s" \
        "$(printf '%.1f MB/s' "$SC_PLAIN")" "$(verdict "$SC_PLAIN >= 150")")"
    say "$(printf '%-40s %-26s %-14s %s' "scan text JSON lines, per core ($SC_JSONL_AT)" \
        ">= 100 MB/s" "$(printf '%.1f MB/s' "$SC_JSONL")" "$(verdict "$SC_JSONL >= 100")")"
    say "$(printf '%-40s %-26s %-14s %s' "scan --jobs 2 over --jobs 1 ($SC_SPEEDUP_AT)" \
        ">= 1.8x = 90% of ceiling" \
        "$(printf '%.2fx = %.0f%% of %.2fx' "$SC_SPEEDUP" "$(calc "100 * $SC_SHARE")" "$SC_CEIL")" \
        "$(verdict "$SC_SHARE >= 0.9")")"
    say "$(printf '%-40s %-26s %-14s %s' "scan findings, --jobs 1 and 2" "byte-identical" \
        "$SC_SAME" "$([ "$SC_SAME" = yes ] && echo ok || echo MISSED)")"
}
# ---- check: a change of 1,000 added lines checked against the bench index (issue 12) -------
# check_bench: a repository made in $WORK/check-repo whose second commit adds 1,000 lines of
# a corpus header of 60 KB or more (the first in name order: every line is a finding's);
# `provscan check -x $IDX` (default base: HEAD~1) runs CHECK_RUNS times.
# Sets CK_SECS (median wall seconds) and CK_FOUND (findings in the JSON report).
CHECK_RUNS=${CHECK_RUNS:-3}
check_bench() {
    repo=$WORK/check-repo
    rm -rf "$repo"
    git init -q "$repo" || die "git init failed"
    git -C "$repo" config user.email bench@example.org
    git -C "$repo" config user.name bench
    echo "a repository for the check bench" >"$repo/README"
    git -C "$repo" add -A && git -C "$repo" commit -q -m first || die "git commit failed"
    h=$(find "$CORPUS/include" -name '*.h' -size +60k | sort | head -n 1)
    [ -n "$h" ] || die "no header of 60 KB or more in $CORPUS/include"
    head -n 1000 "$h" >"$repo/copied.h"
    lines=$(wc -l <"$repo/copied.h")
    git -C "$repo" add -A && git -C "$repo" commit -q -m change || die "git commit failed"
    rm -f "$WORK/ck.runs"
    i=0
    while [ $i -lt "$CHECK_RUNS" ]; do
        i=$((i + 1))
        note "check, $lines added lines, run $i of $CHECK_RUNS"
        rc=0
        (cd "$repo" && timed "$WORK/ck.time" "$BIN" check -x "$IDX" --format json \
            -o "$WORK/ck.json") 2>"$WORK/ck.err" || rc=$?
        [ $rc -le 1 ] || die "provscan check: exit $rc: $(tail -n 3 "$WORK/ck.err")"
        cat "$WORK/ck.time" >>"$WORK/ck.runs"
    done
    CK_SECS=$(median_secs "$WORK/ck.runs")
    CK_LINES=$lines
    CK_FOUND=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' \
        "$WORK/ck.json" 2>/dev/null || echo "?")
    say "== check: provscan check -x BENCH.pvx, a commit adding $lines lines of ${h#"$CORPUS"/}"
    say "$(printf '%-40s %s s  (median of %s runs: %s; %s findings; peak RSS %s MB)' \
        "check, $lines added lines" "$CK_SECS" "$CHECK_RUNS" "$(runs_list "$WORK/ck.runs")" \
        "$CK_FOUND" "$(max_rss_mb "$WORK/ck.runs")")"
    say ""
}
check_goals() {
    say "$(printf '%-40s %-26s %-14s %s' "check, $CK_LINES added lines" "< 1 s" \
        "$(printf '%.2f s' "$CK_SECS")" "$(verdict "$CK_SECS < 1")")"
}
# BENCH_ONLY=SECTION: one section (credit and check need the bench index: built if missing),
# its goals, and the end.
case ${BENCH_ONLY:-} in
credit | check | scan)
    if [ "$BENCH_ONLY" != scan ] && ! "$BIN" stats -x "$IDX" >/dev/null 2>&1; then
        note "building the bench index $IDX"
        "$BIN" index -o "$IDX" --jobs 2 -q "$CORPUS" >/dev/null 2>"$WORK/idx.err" ||
            die "provscan index failed: $(tail -n 3 "$WORK/idx.err")"
    fi
    "${BENCH_ONLY}_bench"
    say "== goals"
    "${BENCH_ONLY}_goals"
    mv "$OUT.tmp" "$OUT"
    note "wrote $OUT"
    exit 0
    ;;
esac

# ---- build throughput and peak memory ---------------------------------------------------
# build JOBS TAG [EXTRA OPTIONS...]: one `provscan index` run; appends "secs rss_kib" to
# $WORK/TAG.runs and leaves the summary in $WORK/TAG.summary
build() {
    jobs=$1
    tag=$2
    shift 2
    rm -f "$IDX"
    b0=$(busy_s)
    timed "$WORK/$tag.time" "$BIN" index -o "$IDX" --jobs "$jobs" -q --timings "$@" "$CORPUS" \
        >"$WORK/$tag.summary" 2>"$WORK/$tag.err" ||
        die "provscan index --jobs $jobs $* failed: $(tail -n 3 "$WORK/$tag.err")"
    b1=$(busy_s)
    # the stage table of run N (the line of TAG.runs it gets)
    n=1
    [ -f "$WORK/$tag.runs" ] && n=$(($(wc -l <"$WORK/$tag.runs") + 1))
    cp "$WORK/$tag.err" "$WORK/$tag.timings.$n"
    # fields: seconds, peak RSS KiB, share of the machine other processes used meanwhile
    awk -v b0="$b0" -v b1="$b1" -v n="$(nproc)" '{ o = (b1 - b0) - ($3 + $4); if (o < 0) o = 0
        printf "%s %s %.0f\n", $1, $2, 100 * o / ($1 * n) }' "$WORK/$tag.time" >>"$WORK/$tag.runs"
}
# others_pct RUNS: the largest share of the machine other processes used during a run
others_pct() { awk '{ if ($3 > m) m = $3 } END { printf "%d", m }' "$1"; }

for jobs in 1 2; do
    rm -f "$WORK/j$jobs.runs"
    i=0
    while [ $i -lt "$RUNS" ]; do
        i=$((i + 1))
        note "index --jobs $jobs, run $i of $RUNS"
        build "$jobs" "j$jobs"
    done
done
"$HELPERS/bench_query" info "$IDX" >"$WORK/info" || die "cannot open $IDX"
INPUT=$(field input_bytes "$WORK/info")
FILE_BYTES=$(field file_bytes "$WORK/info")
[ "${FILE_BYTES:-0}" -gt 0 ] || FILE_BYTES=$(stat -c %s "$IDX")
DOCS=$(field documents "$WORK/info")
FPS=$(field fingerprints "$WORK/info")
POSTINGS=$(field postings "$WORK/info")
K=$(field k "$WORK/info")
W=$(field w "$WORK/info")
S1=$(median_secs "$WORK/j1.runs")
S2=$(median_secs "$WORK/j2.runs")
MBPS1=$(calc "$INPUT / $S1 / 1e6")
MBPS2=$(calc "$INPUT / $S2 / 1e6")
RATIO=$(calc "100 * $FILE_BYTES / $INPUT")
RSS1=$(max_rss_mb "$WORK/j1.runs")
RSS2=$(max_rss_mb "$WORK/j2.runs")
DEFAULT_LIMIT=$(calc "(1073741824 + 100e6) / 1e6")

say "== build: provscan index, default parameters (k=$K, w=$W), --memory 1G (default)"
say "input: $(calc "$INPUT / 1e6" | xargs printf '%.1f') MB of text in $DOCS documents"
say "$(printf '%-34s %8.1f MB/s  (median of %s: %s s; runs: %s)' "--jobs 1" "$MBPS1" "$RUNS" \
    "$S1" "$(awk '{ printf "%s%s", sep, $1; sep = " " }' "$WORK/j1.runs")")"
say "$(printf '%-34s %8.1f MB/s  (median of %s: %s s; runs: %s)' "--jobs 2" "$MBPS2" "$RUNS" \
    "$S2" "$(awk '{ printf "%s%s", sep, $1; sep = " " }' "$WORK/j2.runs")")"
say "$(printf '%-34s %8.1f MB/s  (speed-up %.2fx over --jobs 1)' "--jobs 2, per core" \
    "$(calc "$MBPS2 / 2")" "$(calc "$MBPS2 / $MBPS1")")"
O1=$(others_pct "$WORK/j1.runs")
O2=$(others_pct "$WORK/j2.runs")
if [ "$O1" -gt 5 ] || [ "$O2" -gt 5 ]; then
    say "WARNING: other processes used up to ${O1}% (--jobs 1) and ${O2}% (--jobs 2) of the machine"
    say "         during these builds; the speeds are low. Rerun on an idle machine."
else
    say "   (other processes used at most ${O2}% of the machine during the builds)"
fi
say "$(printf '%-34s %8.1f MB     (limit %.1f MB = 1 GiB + 100 MB)' "peak RSS, --jobs 1" "$RSS1" \
    "$DEFAULT_LIMIT")"
say "$(printf '%-34s %8.1f MB' "peak RSS, --jobs 2" "$RSS2")"
say "$(printf '%-34s %8.2f %%      (%s bytes; %s fingerprints, %s postings)' \
    "index size / input" "$RATIO" "$FILE_BYTES" "$FPS" "$POSTINGS")"
say "summary of the last build: $(head -n 1 "$WORK/j2.summary")"
say ""

# ---- where a build's time goes: the stage table of provscan index --timings --------------
# fastest_timings TAG: the stage table of TAG's fastest run
fastest_timings() {
    n=$(awk '{ if (NR == 1 || $1 < m) { m = $1; r = NR } } END { print r }' "$WORK/$1.runs")
    sed -n '/^stage /,/^serial fraction/p' "$WORK/$1.timings.$n"
}
fastest_timings j1 >"$WORK/stages1"
fastest_timings j2 >"$WORK/stages2"
# stage_row NAME FILE: "WALL SERIAL PARALLEL" of a stage ("total": "SERIAL PARALLEL")
stage_row() { awk -v s="$1" '$1 == s { $1 = ""; print }' "$2"; }
# serial_pct FILE: s in percent, from the total line
serial_pct() { awk '$1 == "total" { printf "%.2f", ($2 + $3 > 0 ? 100 * $2 / ($2 + $3) : 0) }' "$1"; }
S_PCT1=$(serial_pct "$WORK/stages1")
S_PCT2=$(serial_pct "$WORK/stages2")
say "== where the build's time goes: provscan index --timings, the fastest of $RUNS runs (seconds;"
say "   serial = CPU time of work only one thread can do, parallel = CPU time of the workers,"
say "   summed; s = serial / (serial + parallel), the serial fraction of the build)"
say "$(printf '%-12s | %-29s | %-29s' "" "--jobs 1" "--jobs 2")"
say "$(printf '%-12s | %9s %9s %9s | %9s %9s %9s' stage wall serial parallel wall serial parallel)"
for stage in $(awk '$1 != "stage" && $1 != "total" && $1 != "serial" { print $1 }' "$WORK/stages1"); do
    # shellcheck disable=SC2046 # six numbers
    set -- $(stage_row "$stage" "$WORK/stages1") $(stage_row "$stage" "$WORK/stages2")
    say "$(printf '%-12s | %9.3f %9.3f %9.3f | %9.3f %9.3f %9.3f' "$stage" "$@")"
done
# shellcheck disable=SC2046 # four numbers
set -- $(stage_row total "$WORK/stages1") $(stage_row total "$WORK/stages2")
say "$(printf '%-12s | %9s %9.3f %9.3f | %9s %9.3f %9.3f' total "" "$1" "$2" "" "$3" "$4")"
# amdahl S_PCT N: the speed-up Amdahl's law predicts on N cores
amdahl() { calc "1 / ($1 / 100 + (1 - $1 / 100) / $2)"; }
say "$(printf 'serial fraction s: %.2f%% (--jobs 1), %.2f%% (--jobs 2); Amdahl'"'"'s law from --jobs 1: %.2fx on 4 cores, %.2fx on 16, %.2fx on 64' \
    "$S_PCT1" "$S_PCT2" "$(amdahl "$S_PCT1" 4)" "$(amdahl "$S_PCT1" 16)" "$(amdahl "$S_PCT1" 64)")"
say ""

build_goals() {
    say "$(printf '%-40s %-26s %-14s %s' "build, one core (--jobs 1)" ">= 100 MB/s" \
        "$(printf '%.1f MB/s' "$MBPS1")" "$(verdict "$MBPS1 >= 100")")"
    say "$(printf '%-40s %-26s %-14s %s' "build, --jobs 2" ">= 180 MB/s" \
        "$(printf '%.1f MB/s' "$MBPS2")" "$(verdict "$MBPS2 >= 180")")"
    say "$(printf '%-40s %-26s %-14s %s' "serial fraction of a build (--jobs 1)" "<= 2% (>= 12x on 16 cores)" \
        "$(printf '%.2f %%' "$S_PCT1")" "$(verdict "$S_PCT1 <= 2")")"
    say "$(printf '%-40s %-26s %-14s %s' "index size" "<= 16% of input" \
        "$(printf '%.2f %%' "$RATIO")" "$(verdict "$RATIO <= 16")")"
}
if [ "${BENCH_ONLY:-}" = build ]; then
    say "== goals"
    build_goals
    mv "$OUT.tmp" "$OUT"
    note "wrote $OUT"
    exit 0
fi

# bounded memory: small budgets force spilled runs; the index must come out the same. Built
# through pv_index_build (bench_query build), whose statistics say how many runs spilled.
MEM_OK=1
MEM_WORST=
for mib in 64 16; do
    note "index --jobs 2 --memory ${mib}M"
    rm -f "$IDX"
    timed "$WORK/mem$mib.time" "$HELPERS/bench_query" build "$IDX" "$CORPUS" \
        --memory $((mib * 1048576)) --jobs 2 >"$WORK/mem$mib.stats" 2>"$WORK/mem$mib.err" ||
        die "build with --memory ${mib}M failed: $(tail -n 3 "$WORK/mem$mib.err")"
    read -r secs kib _ <"$WORK/mem$mib.time"
    rss=$(calc "$kib * 1024 / 1e6")
    limit=$(calc "($mib * 1048576 + 100e6) / 1e6")
    same=no
    [ "$(field fingerprints "$WORK/mem$mib.stats")/$(field postings "$WORK/mem$mib.stats")" = \
        "$FPS/$POSTINGS" ] && same=yes
    say "$(printf '%-34s %8.1f MB     (limit %.1f MB = %d MiB + 100 MB; %s runs spilled; %.1f MB/s; same index content: %s)' \
        "peak RSS, --jobs 2 --memory ${mib}M" "$rss" "$limit" "$mib" \
        "$(field runs "$WORK/mem$mib.stats")" "$(calc "$INPUT / $secs / 1e6")" "$same")"
    [ "$(verdict "$rss <= $limit")" = ok ] || MEM_OK=0
    MEM_WORST="$MEM_WORST${MEM_WORST:+, }$(printf '%.1f MB at %dM' "$rss" "$mib")"
done
say ""

# ---- queries ----------------------------------------------------------------------------
note "query latency, $NQ queries per size"
"$HELPERS/bench_query" latency "$IDX" "$CORPUS" -n "$NQ" -s 1024,2048,10240 -e 200 \
    >"$WORK/latency" || die "bench_query latency failed"
say "== query latency: pv_match_run, index opened once, warm, one thread; excerpts of random"
say "   documents with one word changed every ~200 bytes. Of the queries: 'named' = a span names"
say "   the source document; 'copy' = a span names another document holding the same tokens"
say "   (identical headers, license texts; only max_sources = 10 are listed); 'other' = spans"
say "   name only different documents; 'none' = no span"
while read -r line; do
    printf '%s\n' "$line" | tr ' ' '\n' >"$WORK/lat.kv"
    v() { sed -n "s/^$1=//p" "$WORK/lat.kv"; }
    n=$(v queries)
    say "$(printf '%6s KB: p50 %6.3f ms  p99 %6.3f ms  mean %6.3f ms  %5.1f MB/s | named %5.1f%%  copy %5.1f%%  other %4.1f%%  none %4.1f%% | coverage %4.1f%%' \
        "$(calc "$(v size) / 1024")" "$(v p50_ms)" "$(v p99_ms)" "$(v mean_ms)" "$(v mbps)" \
        "$(calc "100 * $(v named) / $n")" "$(calc "100 * $(v copy) / $n")" \
        "$(calc "100 * $(v elsewhere) / $n")" "$(calc "100 * $(v none) / $n")" \
        "$(calc "100 * $(v coverage)")")"
done <"$WORK/latency"
grep '^latency size=2048 ' "$WORK/latency" >"$WORK/lat.line"
P50_2K=$(field p50_ms "$WORK/lat.line")
say ""

note "batch match"
rm -rf "$BENCH_DIR/queries"
"$HELPERS/bench_query" gen "$CORPUS" "$BENCH_DIR/queries" -n 500 -s 10240 -e 200 \
    >"$WORK/gen" || die "bench_query gen failed"
QBYTES=$(field bytes "$WORK/gen")
timed "$WORK/match.time" "$BIN" match -x "$IDX" --format json "$BENCH_DIR"/queries/q*.txt \
    >"$WORK/match.json" 2>"$WORK/match.err" ||
    die "provscan match failed: $(tail -n 3 "$WORK/match.err")"
read -r MSECS MRSS _ <"$WORK/match.time"
"$HELPERS/bench_query" batch "$IDX" "$BENCH_DIR"/queries/q*.txt >"$WORK/batch" ||
    die "bench_query batch failed"
say "== batch match: 500 files of 10 KB (edited excerpts)"
say "$(printf '%-34s %8.1f MB/s  (%s s, peak RSS %.1f MB, JSON report %.1f MB)' \
    "provscan match --format json" "$(calc "$QBYTES / $MSECS / 1e6")" "$MSECS" \
    "$(calc "$MRSS * 1024 / 1e6")" "$(calc "$(stat -c %s "$WORK/match.json") / 1e6")")"
say "$(printf '%-34s %8.1f MB/s  (pv_match_run only, one thread)' "in-process" \
    "$(field mbps "$WORK/batch")")"
say ""

credit_bench
check_bench

# ---- readers: MB/s of input on one core (read + tokenize + fingerprint + index) ---------
note "generating reader inputs (cached in $BENCH_DIR/readers)"
python3 bench/gen_readers.py fixtures "$BENCH_DIR/readers" "${READER_MB:-200}" ||
    die "gen_readers.py failed"
R=$BENCH_DIR/readers
say "== readers: provscan index --jobs 1 (one core: read, tokenize, fingerprint, write the index)"
say "   on inputs made by repeating the fixtures to >= ${READER_MB:-200} MB (bench/gen_readers.py),"
say "   median of $RUNS runs"
# index_runs TAG INDEX ARGS...: `provscan index -o INDEX --jobs 1 -q ARGS` $RUNS times;
# "secs rss_kib ..." of each run in $WORK/TAG.runs, the last summary in $WORK/TAG.summary
index_runs() {
    ir_tag=$1 # names of their own: sh has no local variables, and the callers use tag
    ir_out=$2
    shift 2
    rm -f "$WORK/$ir_tag.runs"
    ir_i=0
    while [ $ir_i -lt "$RUNS" ]; do
        ir_i=$((ir_i + 1))
        rm -f "$ir_out"
        timed "$WORK/$ir_tag.time" "$BIN" index -o "$ir_out" --jobs 1 -q "$@" \
            >"$WORK/$ir_tag.summary" 2>"$WORK/$ir_tag.err" ||
            die "provscan index $* failed: $(tail -n 3 "$WORK/$ir_tag.err")"
        cat "$WORK/$ir_tag.time" >>"$WORK/$ir_tag.runs"
    done
}
# reader TAG SOURCE SIZE_PATH [OPTIONS]: prints MB/s of the input's stored size, from the
# median of $RUNS runs
reader() {
    tag=$1
    src=$2
    size=$(du -sb "$3" | cut -f1)
    shift 3
    index_runs "r$tag" "$BENCH_DIR/r.pvx" "$@" "$src"
    secs=$(median_secs "$WORK/r$tag.runs")
    calc "$size / $secs / 1e6"
    printf ' %s %s\n' "$secs" "$size" >"$WORK/r$tag.fig"
}
JSONL_MBPS=$(reader jsonl "jsonl:$R/RC.ndjson" "$R/RC.ndjson")
say "$(printf '%-34s %8.1f MB/s  (%s)' "JSON lines (Reddit comments)" "$JSONL_MBPS" \
    "$(head -n 1 "$WORK/rjsonl.summary")")"
XML_MBPS=$(reader xml "stackexchange:$R/se" "$R/se" --site bench.stackexchange.com)
say "$(printf '%-34s %8.1f MB/s  (%s)' "XML (Stack Exchange Posts.xml)" "$XML_MBPS" \
    "$(head -n 1 "$WORK/rxml.summary")")"
WARC_MBPS=$(reader warc "warc:$R/crawl.warc" "$R/crawl.warc")
say "$(printf '%-34s %8.1f MB/s  (%s)' "WARC, plain" "$WARC_MBPS" \
    "$(head -n 1 "$WORK/rwarc.summary")")"
WARCGZ_MBPS=$(reader warcgz "warc:$R/crawl.warc.gz" "$R/crawl.warc.gz")
say "$(printf '%-34s %8.1f MB/s  (of gzip input; %.1f MB/s of the WARC inside)' \
    "WARC, gzip per record" "$WARCGZ_MBPS" \
    "$(calc "$(stat -c %s "$R/crawl.warc") / $(cut -d' ' -f2 "$WORK/rwarcgz.fig") / 1e6")")"
say ""

# ---- git histories: unique blob content per second on one core, first-writer agreement ---
# BENCH_GIT_REPOS: repositories (work trees or bare git dirs), separated by spaces; by default
# the mirrors below that exist (BENCH_GIT_REPO, one repository, is still honoured); with none,
# a synthetic history (synthetic_repo.py) so that the bench runs without network.
MIRRORS="/work/.mirror/jqlang+jq/repo /work/.mirror/pallets+click/repo \
/work/.mirror/psf+requests/repo /work/.mirror/expressjs+express/repo"
GIT_REPOS=${BENCH_GIT_REPOS:-${BENCH_GIT_REPO:-}}
if [ -z "$GIT_REPOS" ]; then
    for d in $MIRRORS; do
        [ -d "$d" ] && GIT_REPOS="$GIT_REPOS${GIT_REPOS:+ }$d"
    done
fi
if [ -z "$GIT_REPOS" ]; then
    GIT_REPOS=$BENCH_DIR/synthetic-repo
    if [ ! -d "$GIT_REPOS" ]; then
        note "no repository mirror: building a synthetic history"
        python3 bench/synthetic_repo.py "$GIT_REPOS" >/dev/null || die "synthetic_repo.py failed"
    fi
fi
# repo_name DIR: owner+name of a mirror (/work/.mirror/OWNER+NAME/repo), else the folder's name
repo_name() { case $1 in */repo) basename "$(dirname "$1")" ;; *) basename "$1" ;; esac; }
say "== git histories: provscan index --jobs 1 git:REPO (median of $RUNS runs), then the credit of"
say "   verbatim 40-line excerpts of files at HEAD against the first writer of their distinctive"
say "   lines (bench/first_writer.py; % of those lines' tokens; plain blame and blame with"
say "   .git-blame-ignore-revs scored against the same oracle)"
say "$(printf '%-22s %9s %9s %8s | %8s %8s %8s %8s %8s' repository "MB/s" "MB" "s" \
    "ours" "blame" "blame-ig" "uncred." "lines")"
GIT_MB=0
GIT_S=0
FW_MIN=
UNC_MAX=0
for repo in $GIT_REPOS; do
    name=$(repo_name "$repo")
    note "git history of $repo"
    index_runs "git-$name" "$BENCH_DIR/git-$name.pvx" "git:$repo"
    secs=$(median_secs "$WORK/git-$name.runs")
    mb=$(sed -n 's/.* read \([0-9.]*\) MB of unique blob content.*/\1/p' "$WORK/git-$name.summary")
    GIT_MB=$(calc "$GIT_MB + ${mb:-0}")
    GIT_S=$(calc "$GIT_S + $secs")
    note "first writers of $repo"
    python3 bench/first_writer.py "$BIN" "$BENCH_DIR/git-$name.pvx" "$repo" \
        --files "${GIT_EXCERPTS:-120}" >"$WORK/fw-$name" || die "first_writer.py failed on $repo"
    fw=$(field first_writer_pct "$WORK/fw-$name")
    unc=$(field uncredited_pct "$WORK/fw-$name")
    say "$(printf '%-22s %9.1f %9s %8s | %7.2f%% %7.2f%% %7.2f%% %7.2f%% %8s' "$name" \
        "$(calc "${mb:-0} / $secs")" "${mb:-?}" "$secs" "$fw" \
        "$(field blame_pct "$WORK/fw-$name")" "$(field blame_ignore_pct "$WORK/fw-$name")" \
        "$unc" "$(field lines "$WORK/fw-$name")")"
    if [ -z "$FW_MIN" ] || [ "$(calc "$fw < $FW_MIN ? 1 : 0")" = 1 ]; then FW_MIN=$fw; FW_WORST=$name; fi
    if [ "$(calc "$unc > $UNC_MAX ? 1 : 0")" = 1 ]; then UNC_MAX=$unc; UNC_WORST=$name; fi
done
GIT_MBPS=$(calc "$GIT_MB / $GIT_S")
say "$(printf '%-22s %9.1f %9s %8s' "all, one core" "$GIT_MBPS" "$GIT_MB" "$GIT_S")"
for repo in $GIT_REPOS; do
    say "   $(repo_name "$repo"): $(cat "$WORK/fw-$(repo_name "$repo")")"
done
say ""

scan_bench

# ---- goals ------------------------------------------------------------------------------
say "== goals"
build_goals
say "$(printf '%-40s %-26s %-14s %s' "query p50, 2 KB" "<= 5 ms" \
    "$(printf '%.3f ms' "$P50_2K")" "$(verdict "$P50_2K <= 5")")"
say "$(printf '%-40s %-26s %-14s %s' "peak RSS, --memory 64M and 16M" "<= --memory + 100 MB" \
    "$MEM_WORST" "$([ $MEM_OK = 1 ] && echo ok || echo MISSED)")"
say "$(printf '%-40s %-26s %-14s %s' "peak RSS, default --memory 1G" "<= 1 GiB + 100 MB" \
    "$(printf '%.1f MB' "$(calc "$RSS1 > $RSS2 ? $RSS1 : $RSS2")")" \
    "$(verdict "$RSS1 <= $DEFAULT_LIMIT && $RSS2 <= $DEFAULT_LIMIT")")"

say "$(printf '%-40s %-26s %-14s %s' "JSON lines reader, one core" ">= 100 MB/s" \
    "$(printf '%.1f MB/s' "$JSONL_MBPS")" "$(verdict "$JSONL_MBPS >= 100")")"
say "$(printf '%-40s %-26s %-14s %s' "XML reader (Stack Exchange), one core" ">= 60 MB/s" \
    "$(printf '%.1f MB/s' "$XML_MBPS")" "$(verdict "$XML_MBPS >= 60")")"
say "$(printf '%-40s %-26s %-14s %s' "WARC reader (plain), one core" ">= 80 MB/s" \
    "$(printf '%.1f MB/s' "$WARC_MBPS")" "$(verdict "$WARC_MBPS >= 80")")"
say "$(printf '%-40s %-26s %-14s %s' "git history indexing, one core" ">= 100 MB/s" \
    "$(printf '%.1f MB/s' "$GIT_MBPS")" "$(verdict "$GIT_MBPS >= 100")")"
say "$(printf '%-40s %-26s %-14s %s' "git credit = first writer, worst repo" ">= 97% of tokens" \
    "$(printf '%.2f %% %s' "$FW_MIN" "$FW_WORST")" "$(verdict "$FW_MIN >= 97")")"
say "$(printf '%-40s %-26s %-14s %s' "distinctive lines uncredited, worst" "<= 1%" \
    "$(printf '%.2f %% %s' "$UNC_MAX" "${UNC_WORST:-}")" "$(verdict "$UNC_MAX <= 1")")"
credit_goals
scan_goals
check_goals

mv "$OUT.tmp" "$OUT"
note "wrote $OUT"

# ---- optional: the parameter study ------------------------------------------------------
if [ "$PARAMS" = 1 ]; then
    CODE=
    for d in /usr/lib/python3 /usr/share/perl5; do
        [ -d "$d" ] && CODE=$d && break
    done
    note "parameter study (bench_params): several minutes"
    "$HELPERS/bench_params" --corpus "$CORPUS/include" --skip node --skip llvm-14 \
        --prose "$CORPUS/doc" ${CODE:+--code "$CODE"} --out "$BENCH_DIR/params" \
        --jobs 1 >"$OUTDIR/params.md" || die "bench_params failed"
    cat "$OUTDIR/params.md"
    note "wrote $OUTDIR/params.md; span samples in $BENCH_DIR/params/spans-*.txt"
fi
