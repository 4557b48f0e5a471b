#!/usr/bin/env bash
# Benchmarks `chronicle build` on generated corpora against the machine's floor and against what
# users would pick instead. Not a test: it measures, it does not judge.
#
#   benches/run.sh                      # 10 000 and 100 000 events
#   benches/run.sh 10000 100000 1000000 # a million too (about 2.2 GB of corpus, minutes)
#
# For each size N it generates a corpus into target/bench/corpus-N (kept between runs) and reports:
#   - chronicle build: median wall time of RUNS runs, events/s, peak RSS (/usr/bin/time -v),
#     output bytes;
#   - the floor: `cat` every corpus file to /dev/null (page cache warm) plus writing as many bytes
#     as chronicle wrote (`head -c BYTES /dev/zero`) on the same disk; chronicle's ratio to it;
#   - the alternatives on the same corpus, each writing its feeds and calendars for the
#     collection and every tag, time-boxed by ALT_TIMEOUT seconds: Python feedgen + icalendar,
#     npm feed + ical-generator, Hugo (RSS and a page per event); each as a ratio to chronicle.
# Then it times `chronicle serve`'s incremental rebuild after one edit (benches/incremental.sh) on
# the largest corpus up to INCR_MAX_EVENTS (default 100000), and the sample timeline (events/)
# with hyperfine.
#
# Writes a Markdown table to stdout and to benches/results.md.
#
# Environment: RUNS (chronicle and floor runs per size, default 3; RUNS_LARGE, default 1, from a
# million events on), ALT_TIMEOUT (default 600),
# ALT_MAX_EVENTS (largest corpus the alternatives run on, default 100000: at a million they
# would each need far more than ALT_TIMEOUT), INCR_EDITS (edits timed in serve, default 10).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000)
runs=${RUNS:-3}
alt_timeout=${ALT_TIMEOUT:-600}
alt_max=${ALT_MAX_EVENTS:-100000}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
scratch=$CARGO_TARGET_DIR/bench
mkdir -p "$scratch"

log() { echo "run.sh: $*" >&2; }

# --- tools ------------------------------------------------------------------------------------
apt_missing=()
[ -x /usr/bin/time ] || apt_missing+=(time)
command -v hugo >/dev/null || apt_missing+=(hugo)
command -v hyperfine >/dev/null || apt_missing+=(hyperfine)
command -v node >/dev/null || apt_missing+=(nodejs npm)
command -v python3 >/dev/null || apt_missing+=(python3 python3-venv)
if [ ${#apt_missing[@]} -gt 0 ]; then
    log "installing Debian packages: ${apt_missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${apt_missing[@]}" >/dev/null
fi
venv=$scratch/venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import feedgen, icalendar, markdown' 2>/dev/null; then
    log "installing Python feedgen + icalendar into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q -r benches/alternatives/python/requirements.txt
fi
if [ ! -d benches/alternatives/node/node_modules/ical-generator ]; then
    log "installing npm feed + ical-generator"
    (cd benches/alternatives/node && npm ci --silent --no-audit --no-fund)
fi

log "building chronicle (release)"
cargo build --release --quiet --bin chronicle --example gen_corpus
chronicle=$CARGO_TARGET_DIR/release/chronicle
gen=$CARGO_TARGET_DIR/release/examples/gen_corpus

# --- helpers ----------------------------------------------------------------------------------
now_ns() { date +%s%N; }
# printf, not print: awk prints large sums in exponent notation.
bytes_in() { find "$1" -type f -printf '%s\n' | awk '{s+=$1} END {printf "%.0f\n", s}'; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
secs() { awk -v ns="$1" 'BEGIN {printf "%.2f", ns/1e9}'; }
mb() { awk -v b="$1" 'BEGIN {printf "%.1f", b/1e6}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.1f", a/b; else print "-"}'; }

# Runs "$@" under /usr/bin/time -v with a time limit; sets wall_ns, rss_kb and status.
measure() {
    local limit=$1
    shift
    local tfile=$scratch/time.txt start end code=0
    start=$(now_ns)
    /usr/bin/time -v -o "$tfile" timeout "$limit" "$@" >"$scratch/cmd.out" 2>"$scratch/cmd.err" || code=$?
    end=$(now_ns)
    wall_ns=$((end - start))
    rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tfile" 2>/dev/null || true)
    rss_kb=${rss_kb:-0}
    case $code in
        0) status=ok ;;
        124) status="timeout (${limit} s)" ;;
        *) status="failed (exit $code)"; log "$* failed: $(tail -3 "$scratch/cmd.err")" ;;
    esac
}

rows=()
declare -A corpus_mb build_secs
# Every measured run (chronicle's and the floor's) starts from the same state: nothing left to
# write back, the page cache emptied of everything but the corpus (when the benchmark may drop
# it: root on Linux), so earlier runs' outputs do not crowd the memory the run writes into.
# chronicle writes each run into a folder of its own, and the outputs are removed at the end,
# not between runs: on an ext4 file system without a journal (this benchmark's machine) the
# kernel passes over every inode freed in the last minute when it creates a file, looking each
# one up, so removing the last run's thousands of outputs just before a build made the build's
# own file creations many times slower (see the README).
settle() {
    local corpus=$1
    sync
    if [ -w /proc/sys/vm/drop_caches ] && echo 1 >/proc/sys/vm/drop_caches 2>/dev/null; then
        find "$corpus" -type f -print0 | xargs -0 cat >/dev/null
    fi
}
kept_outputs=()
remove_kept_outputs() { [ "${#kept_outputs[@]}" -eq 0 ] || rm -rf "${kept_outputs[@]}"; }
trap remove_kept_outputs EXIT
add_row() {
    rows+=("| $(printf '%s | ' "$@")")
    log "${rows[-1]}"
}

# --- per size ---------------------------------------------------------------------------------
for n in "${sizes[@]}"; do
    corpus=$scratch/corpus-$n
    if [ ! -f "$corpus/.complete" ]; then
        log "generating $n events into $corpus"
        rm -rf "$corpus"
        "$gen" "$n" "$corpus"
        touch "$corpus/.complete"
    fi
    corpus_bytes=$(bytes_in "$corpus")
    # Warm the page cache: every figure below is for a corpus already in memory.
    find "$corpus" -type f -print0 | xargs -0 cat >/dev/null

    # A million events take minutes per run: one run there unless RUNS_LARGE says otherwise.
    size_runs=$runs
    [ "$n" -ge 1000000 ] && size_runs=${RUNS_LARGE:-1}
    log "$n events: chronicle build x$size_runs"
    walls=() rss_max=0
    for run in $(seq "$size_runs"); do
        out=$scratch/out-$n-$run
        rm -rf "$out"
        kept_outputs+=("$out")
        settle "$corpus"
        measure 3600 "$chronicle" build --events "$corpus" --out "$out" --quiet
        [ "$status" = ok ] || { log "chronicle build failed on $n events"; exit 1; }
        log "  run: $(secs "$wall_ns") s, $((rss_kb / 1024)) MB"
        walls+=("$wall_ns")
        [ "$rss_kb" -gt "$rss_max" ] && rss_max=$rss_kb
    done
    c_wall=$(printf '%s\n' "${walls[@]}" | median)
    out_bytes=$(bytes_in "$out")
    out_files=$(find "$out" -type f ! -name '.chronicle-outputs' | wc -l)

    log "$n events: floor x$size_runs"
    floors=()
    for _ in $(seq "$size_runs"); do
        rm -f "$scratch/floor.bin"
        settle "$corpus"
        start=$(now_ns)
        find "$corpus" -type f -print0 | xargs -0 cat >/dev/null
        head -c "$out_bytes" /dev/zero >"$scratch/floor.bin"
        end=$(now_ns)
        log "  floor: $(secs $((end - start))) s"
        floors+=($((end - start)))
    done
    rm -f "$scratch/floor.bin"
    f_wall=$(printf '%s\n' "${floors[@]}" | median)

    add_row "$n" "floor (cat corpus + write $(mb "$out_bytes") MB)" "$(secs "$f_wall")" \
        "$(awk -v n="$n" -v ns="$f_wall" 'BEGIN {printf "%.0f", n/(ns/1e9)}')" "-" "$(mb "$out_bytes")" "-" "1.0x floor"
    add_row "$n" "**chronicle build** ($out_files files)" "$(secs "$c_wall")" \
        "$(awk -v n="$n" -v ns="$c_wall" 'BEGIN {printf "%.0f", n/(ns/1e9)}')" \
        "$((rss_max / 1024)) ($(ratio "$((rss_max * 1024))" "$corpus_bytes")x corpus)" \
        "$(mb "$out_bytes")" "ok" "**$(ratio "$c_wall" "$f_wall")x floor**"

    alternatives=(
        "Python feedgen + icalendar|$venv/bin/python benches/alternatives/python/build.py"
        "npm feed + ical-generator|node --max-old-space-size=20000 benches/alternatives/node/build.mjs"
        "Hugo $(hugo version | grep -o 'v[0-9.]*' | head -1) (RSS, a page per event)|hugo --quiet --source benches/alternatives/hugo --contentDir"
    )
    for alt in "${alternatives[@]}"; do
        name=${alt%%|*}
        cmd=${alt#*|}
        alt_out=$scratch/alt-out-$n
        rm -rf "$alt_out"
        if [ "$n" -gt "$alt_max" ]; then
            add_row "$n" "$name" "-" "-" "-" "-" "not run (over ALT_MAX_EVENTS=$alt_max)" "-"
            continue
        fi
        log "$n events: $name"
        settle "$corpus"
        if [[ $cmd == hugo* ]]; then
            # shellcheck disable=SC2086
            measure "$alt_timeout" $cmd "$corpus" --destination "$alt_out"
        else
            # shellcheck disable=SC2086
            measure "$alt_timeout" $cmd "$corpus" "$alt_out"
        fi
        a_bytes=0
        [ -d "$alt_out" ] && a_bytes=$(bytes_in "$alt_out")
        if [ "$status" = ok ]; then
            add_row "$n" "$name" "$(secs "$wall_ns")" \
                "$(awk -v n="$n" -v ns="$wall_ns" 'BEGIN {printf "%.0f", n/(ns/1e9)}')" \
                "$((rss_kb / 1024))" "$(mb "$a_bytes")" "$status" "$(ratio "$wall_ns" "$c_wall")x chronicle"
        else
            add_row "$n" "$name" ">= $(secs "$wall_ns")" "-" "$((rss_kb / 1024))" "$(mb "$a_bytes")" "$status" \
                ">= $(ratio "$wall_ns" "$c_wall")x chronicle"
        fi
        rm -rf "$alt_out"
    done
    log "$n events: corpus $(mb "$corpus_bytes") MB, chronicle $(secs "$c_wall") s, floor $(secs "$f_wall") s"
    corpus_mb[$n]=$(mb "$corpus_bytes")
    build_secs[$n]=$(secs "$c_wall")
done

# --- serve: memory, start and incremental rebuild ------------------------------------------------
# On every corpus up to INCR_MAX_EVENTS (default 1000000): resident memory once listening and once
# compressed, time to listening (beside the median full build of the same corpus), and one event
# file edited, time to the new set being served (benches/incremental.sh, which puts the file back).
incr_max=${INCR_MAX_EVENTS:-1000000}
incremental=
# serve writes a whole build of its own: the builds' outputs go first (at a million events both
# would take 36 GB), then a quiet minute, so the removed inodes do not slow serve's file creations.
remove_kept_outputs
kept_outputs=()
sync
sleep 60
for n in "${sizes[@]}"; do
    [ "$n" -le "$incr_max" ] || continue
    log "$n events: serve, memory and incremental rebuild after one edit"
    settle "$scratch/corpus-$n"
    incremental+="
serve on $n events (a full build of it: ${build_secs[$n]} s median, above):

$(benches/incremental.sh "$scratch/corpus-$n" "${INCR_EDITS:-10}")
"
done

# --- the sample timeline ----------------------------------------------------------------------
log "sample timeline (events/) with hyperfine"
sample_out=$scratch/sample-out
hyperfine --style none --warmup 3 --runs 30 --export-json "$scratch/sample.json" \
    "$chronicle build --events events --out $sample_out --quiet" >/dev/null 2>&1
sample=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print("%.1f ms median (%.1f ms mean, min %.1f ms, max %.1f ms, %d runs)" % (r["median"]*1e3, r["mean"]*1e3, r["min"]*1e3, r["max"]*1e3, len(r["times"])))' "$scratch/sample.json")
rm -rf "$sample_out"

# --- report -----------------------------------------------------------------------------------
{
    echo "Run on $(date -u +%Y-%m-%d) on $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB of memory ($(uname -sr)); chronicle $("$chronicle" --version | awk '{print $2}'), median of $runs runs for chronicle and the floor (${RUNS_LARGE:-1} at a million events), one time-boxed run ($alt_timeout s) per alternative."
    echo
    for n in "${sizes[@]}"; do
        echo "- $n events: corpus of ${corpus_mb[$n]} MB"
    done
    echo
    echo "| events | what | wall s | events/s | peak RSS MB | output MB | status | ratio |"
    echo "| ---: | --- | ---: | ---: | ---: | ---: | --- | ---: |"
    printf '%s\n' "${rows[@]}"
    echo
    echo "Sample timeline (events/, $(find events -name '*.md' | wc -l) events): $sample."
    if [ -n "$incremental" ]; then
        echo "$incremental"
    fi
} | tee benches/results.md
