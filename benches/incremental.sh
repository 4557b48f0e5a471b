#!/usr/bin/env bash
# Benchmark (not a test): how long `chronicle serve` takes to serve the new set after one event
# file of a large collection is edited.
#
#   benches/incremental.sh CORPUS [EDITS]   # EDITS edits in a row (default 5)
#
# Starts `chronicle serve` on CORPUS (its request log off with --quiet would also hide the rebuild
# line this reads, so the log goes to a file), waits for the first set, then EDITS times: changes
# the title of the most recently published event (which is in /rss.xml), and polls /rss.xml on a
# kept-alive connection (revalidating with its ETag, as a feed reader does) until the new title
# is served. Reports, per edit, the time from the write
# to the new set being served, and the rebuild time the server logged (from the debounced change
# to the swap, without the watcher's debounce). PAUSE seconds (default 3) pass between edits.
# The edited file is put back at the end. Also reports the server's resident memory (VmRSS and its
# peak VmHWM, from /proc) once it listens and once its background compression is over (the largest
# output, /calendar.ics, is compressed last), each as a ratio to the corpus's bytes.
# Prints one Markdown line per figure; benches/run.sh calls it.
set -euo pipefail
cd "$(dirname "$0")/.."

corpus=$1
edits=${2:-5}
# Seconds between edits (the compression of the last rebuild goes on meanwhile).
pause=${PAUSE:-3}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
chronicle=$CARGO_TARGET_DIR/release/chronicle
[ -x "$chronicle" ] || cargo build --release --quiet --bin chronicle

work=$(mktemp -d)
server=
edited=
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
    [ -n "$edited" ] && cp "$work/original.md" "$edited"
    rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
start=$(date +%s%N)
"$chronicle" serve --events "$corpus" --addr "127.0.0.1:$port" >"$work/out" 2>"$work/log" &
server=$!
for _ in $(seq 1200); do
    grep -q '^listening' "$work/out" 2>/dev/null && break
    kill -0 "$server" 2>/dev/null || { cat "$work/log" >&2; exit 1; }
    sleep 0.25
done
first=$(( ($(date +%s%N) - start) / 1000000 ))
corpus_bytes=$(find "$corpus" -type f -printf '%s\n' | awk '{s+=$1} END {printf "%.0f\n", s}')
memory() { awk '/^(VmRSS|VmHWM):/ {kb[$1]=$2} END {printf "%d %d\n", kb["VmRSS:"], kb["VmHWM:"]}' "/proc/$server/status"; }
mem_line() {
    read -r rss hwm <<<"$2"
    awk -v what="$1" -v rss="$rss" -v hwm="$hwm" -v c="$corpus_bytes" 'BEGIN {
        printf "- resident memory %s: %.0f MB (%.2fx the corpus), peak so far %.0f MB (%.2fx)\n",
            what, rss/1024, rss*1024/c, hwm/1024, hwm*1024/c }'
}
at_listening=$(memory)
# Compression runs in the background, smallest outputs first: the collection's calendar is last.
# It is waited for COMPRESS_WAIT seconds at most (default 300).
compress_start=$(date +%s%N)
compressed=no
# HEAD: the headers say which coding is served, and the identity calendar of a million events
# (2.7 GB) would otherwise be downloaded at every look. Bounded by the clock, not by the looks.
compress_deadline=$(( $(date +%s) + ${COMPRESS_WAIT:-300} ))
while [ "$(date +%s)" -lt "$compress_deadline" ]; do
    if curl -s -I -H 'Accept-Encoding: br' "http://127.0.0.1:$port/calendar.ics" \
        | grep -qi '^content-encoding: br'; then
        compressed=yes
        break
    fi
    sleep 0.25
done
compressed_after=$(( ($(date +%s%N) - compress_start) / 1000 ))
after_compression=$(memory)

# The newest entry of the feed, and its file (its id is its file name in a generated corpus).
id=$(python3 - "$port" <<'EOF'
import json, sys, urllib.request
feed = json.load(urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/feed.json"))
print(feed["items"][0]["url"].rsplit("#", 1)[1])
EOF
)
edited=$(find "$corpus" -name "$id.md" | head -1)
[ -n "$edited" ] || { echo "no file for event $id" >&2; exit 1; }
cp "$edited" "$work/original.md"

python3 - "$port" "$edited" "$edits" "$work/log" "$pause" <<'EOF'
import http.client, re, sys, time
port, path, edits, log = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
pause = float(sys.argv[5])
original = open(path, encoding="utf-8").read()
conn = http.client.HTTPConnection("127.0.0.1", port)
served, rebuilt = [], []
etag = None
for n in range(edits):
    title = f"Edited live {n} {time.time_ns()}"
    text = re.sub(r'^title = ".*"$', f'title = "{title}"', original, count=1, flags=re.M)
    rebuilt_lines = lambda: [l for l in open(log, encoding="utf-8", errors="replace").read().splitlines() if l.startswith("rebuilt ")]
    logged = len(rebuilt_lines())
    start = time.perf_counter()
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    deadline = start + 60
    while True:
        # Revalidates as a feed reader does: a 304 without a body until the feed changes, so
        # the polling itself takes little of the machine the rebuild runs on.
        conn.request("GET", "/rss.xml", headers={"If-None-Match": etag} if etag else {})
        response = conn.getresponse()
        body = response.read()
        if response.status == 200:
            etag = response.getheader("ETag")
            if title.encode() in body:
                break
        if time.perf_counter() > deadline:
            sys.exit("the edit was not served within 60 s")
        time.sleep(0.002)
    served.append((time.perf_counter() - start) * 1000)
    # The server's own figure: "rebuilt N events in T (...)".
    for _ in range(100):
        lines = rebuilt_lines()
        if len(lines) > logged:
            break
        time.sleep(0.05)
    m = re.search(r" in ([0-9.]+)(ms|µs|s) ", lines[-1])
    value = float(m.group(1)) * {"ms": 1, "µs": 0.001, "s": 1000}[m.group(2)]
    rebuilt.append(value)
    time.sleep(pause)
med = lambda xs: sorted(xs)[len(xs) // 2]
print(f"- edit to new set served (polling /rss.xml, watcher debounce included): median {med(served):.0f} ms, min {min(served):.0f} ms, max {max(served):.0f} ms over {edits} edits")
print(f"- rebuild as the server logs it (debounced change to swap): median {med(rebuilt):.1f} ms, min {min(rebuilt):.1f} ms, max {max(rebuilt):.1f} ms")
print(f"- each edit, to served (rebuild logged), in order: " + ", ".join(f"{s:.0f} ms ({r:.0f} ms)" for s, r in zip(served, rebuilt)))
print(f"- last rebuild: `{lines[-1]}`")
EOF
echo "- first start (check, full build) to listening: $first ms"
mem_line "once listening" "$at_listening"
waited=$(awk -v us="$compressed_after" 'BEGIN {printf "%.1f", us/1e6}')
if [ "$compressed" = yes ]; then
    mem_line "once every output is compressed ($waited s after listening)" "$after_compression"
else
    mem_line "$waited s after listening, compression not over yet" "$after_compression"
fi
mem_line "after the edits" "$(memory)"
