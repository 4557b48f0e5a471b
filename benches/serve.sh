#!/usr/bin/env bash
# Benchmark (not a test): requests per second of `chronicle serve` against nginx serving the
# same built files, for full 200 answers and for 304 revalidations, measured with wrk.
#
# Usage: benches/serve.sh [DURATION] [CONNECTIONS] [ROUNDS]   (defaults: 10s, 64, 3)
# Each figure is the median of ROUNDS runs, the two servers taking turns, so that load from other
# programs on the machine falls on both alike.
# Installs nginx, wrk and curl with apt when missing. Both servers listen on loopback only, use
# every core, log nothing per request and send identity bodies (wrk asks for no compression);
# wrk runs on the same machine, so the figures compare the two servers, not absolute capacity.
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${1:-10s}
connections=${2:-64}
rounds=${3:-3}
threads=$(( $(nproc) < connections ? $(nproc) : connections ))

missing=()
for tool in nginx:nginx wrk:wrk curl:curl; do
    command -v "${tool%%:*}" >/dev/null || [ -x "/usr/sbin/${tool%%:*}" ] || missing+=("${tool##*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

cargo build --release --quiet
chronicle=${CARGO_TARGET_DIR:-target}/release/chronicle

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

"$chronicle" build --events events --out "$work/public" --quiet
chmod -R a+rX "$work"
base_url=$(sed -n 's/^base_url *= *"\(.*\)"/\1/p' events/chronicle.toml)

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
serve_port=$(free_port)
nginx_port=$(free_port)

# chronicle serve with the settings' base_url, so it serves the very bytes build wrote.
"$chronicle" serve --events events --addr "127.0.0.1:$serve_port" --base-url "$base_url" --quiet \
    >"$work/serve.out" 2>"$work/serve.err" &
pids+=($!)

cat >"$work/nginx.conf" <<CONF
worker_processes auto;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 1000000;
    etag on;
    types {
        application/rss+xml xml;
        application/feed+json json;
        text/calendar ics;
    }
    server {
        listen 127.0.0.1:$nginx_port;
        root $work/public;
        add_header Cache-Control "public, max-age=60";
    }
}
CONF
"$nginx_bin" -p "$work" -c "$work/nginx.conf" -g 'daemon off;' &
pids+=($!)

wait_for() {
    for _ in $(seq 1 100); do
        curl -fs -o /dev/null "$1" && return 0
        sleep 0.1
    done
    echo "no answer from $1" >&2
    exit 1
}
wait_for "http://127.0.0.1:$serve_port/rss.xml"
wait_for "http://127.0.0.1:$nginx_port/rss.xml"

path=/rss.xml
etag_of() { curl -fsI "$1" | tr -d '\r' | sed -n 's/^[Ee][Tt]ag: //p'; }
status_with() { curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $2" "$1"; }

# Requests per second of one wrk run.
rps() {
    local url=$1; shift
    wrk -t"$threads" -c"$connections" -d"$duration" "$@" "$url" | awk '/^Requests\/sec:/ {print $2}'
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

declare -A urls etags runs
for server in serve nginx; do
    port_var="${server}_port"
    urls[$server]="http://127.0.0.1:${!port_var}$path"
    etags[$server]=$(etag_of "${urls[$server]}")
    [ "$(status_with "${urls[$server]}" "${etags[$server]}")" = 304 ] \
        || { echo "$server does not answer 304 to its own ETag" >&2; exit 1; }
done
for round in $(seq 1 "$rounds"); do
    for server in serve nginx; do
        runs[$server-200]+=" $(rps "${urls[$server]}")"
        runs[$server-304]+=" $(rps "${urls[$server]}" -H "If-None-Match: ${etags[$server]}")"
    done
    echo "round $round/$rounds done" >&2
done
declare -A results
for key in "${!runs[@]}"; do
    # shellcheck disable=SC2086 # the runs are a space-separated list of numbers
    results[$key]=$(median ${runs[$key]})
done

size=$(stat -c %s "$work/public$path")
echo "wrk -t$threads -c$connections -d$duration on $path ($size bytes), median of $rounds rounds, $(nproc) cores, $(date -u +%Y-%m-%d)"
printf '%-6s %14s %14s %8s\n' answer "serve req/s" "nginx req/s" ratio
for kind in 200 304; do
    s=${results[serve-$kind]}
    n=${results[nginx-$kind]}
    printf '%-6s %14s %14s %8s\n' "$kind" "$s" "$n" "$(awk -v s="$s" -v n="$n" 'BEGIN { printf "%.2f", s / n }')"
done
