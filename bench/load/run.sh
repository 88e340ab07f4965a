#!/usr/bin/env bash
# Benchmarks the build's load engine side by side with wrk and hey against the same local server.
# Not a test: prints figures. Usage: bench/load/run.sh   (MEMORY_SECONDS=300 for the full 5-minute run)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="$(mktemp -d)"
port=8099
memory_seconds="${MEMORY_SECONDS:-60}"
server_pid=""

stop_server() { if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; server_pid=""; fi; }
trap 'stop_server; rm -rf "$out"' EXIT

start_server() { # $1 = fast|delay|stall|router
  stop_server
  if [ "$1" = router ]; then
    PORT=$port HOST=127.0.0.1 RATE_LIMIT_BURST=100000000 RATE_LIMIT_PER_SECOND=100000000 \
      node "$repo/example/packages/router/dist/server.js" >/dev/null 2>&1 &
  else
    MODE="$1" STALL_AT=4 PORT=$port node "$here/server.js" >/dev/null 2>&1 &
  fi
  server_pid=$!
  for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.1; done
  if [ "$1" = stall ]; then stop_server; MODE=stall STALL_AT=4 PORT=$port node "$here/server.js" >/dev/null 2>&1 & server_pid=$!; sleep 0.5; fi
}

command -v wrk >/dev/null || { echo "wrk not installed (apt-get install -y wrk)"; exit 1; }
have_hey=1; command -v hey >/dev/null || { have_hey=0; echo "hey not installed / not packaged: hey columns skipped"; }

echo "== building the engine (Release)"
dotnet build -c Release "$here/LoadBench/LoadBench.csproj" -o "$out/bin" >/dev/null
bench() { dotnet "$out/bin/LoadBench.dll" "$@"; }
url="http://127.0.0.1:$port/"
echo "machine: $(nproc) cores, $(node --version), $(wrk --version 2>&1 | head -1 | cut -c1-40)"

target=fast
[ -f "$repo/example/packages/router/dist/server.js" ] && target=router
echo
echo "== 1. throughput against the $target server"
start_server "$target"
wrk -t2 -c64 -d10s "${url}health" > "$out/wrk.txt"
wrk_rps=$(awk '/Requests\/sec/ {print $2}' "$out/wrk.txt")
echo "wrk (2 threads, 64 connections, 10 s): $wrk_rps req/s"
if [ $have_hey = 1 ]; then
  hey -z 10s -c 64 "${url}health" > "$out/hey.txt"
  echo "hey (64 workers, 10 s): $(awk '/Requests\/sec/ {print $2}' "$out/hey.txt") req/s"
fi
best=0
for rate in 1000 2000 3000 4000 5000 6000 7000 8000 10000 12000; do
  line=$(bench "$url" open $rate 5 256)
  echo "engine open $rate req/s for 5 s: $line"
  achieved=$(echo "$line" | sed -E 's/.*rate=([0-9.]+).*/\1/')
  dropped_pct=$(echo "$line" | sed -E 's/.*dropped=[0-9]+ \(([0-9.]+) ?%\).*/\1/')
  if awk -v a="$achieved" -v r=$rate -v d="$dropped_pct" 'BEGIN { exit !(d < 1 && a >= 0.99 * r) }'; then best=$rate; else break; fi
done
echo "=> highest sustained rate with < 1% dropped: $best req/s; ratio to wrk: $(awk -v b=$best -v w="$wrk_rps" 'BEGIN { printf "%.2f", b / w }')"

echo
echo "== 2. accuracy: every 20th request (5 %) delayed 300 ms (truth: p99 = 300 ms; p95 sits at the fast/slow boundary, so it is the fast latency)"
start_server delay
echo "engine open 200 req/s for 20 s (5 s warm-up): $(bench "$url" open 200 20 256 /health 5)"
start_server delay
wrk -t2 -c20 -d20s --latency "${url}health" | grep -E "50%|90%|99%|Requests/sec" | tr -s ' ' | paste -sd' ' | sed 's/^/wrk (closed, 20 connections): /'
if [ $have_hey = 1 ]; then start_server delay; hey -z 20s -c 20 "${url}health" | grep -E "(50|95|99)% in|Requests/sec" | tr -s ' ' | paste -sd' ' | sed 's/^/hey (closed, 20 workers): /'; fi

echo
echo "== 3. a one-second server stall (4 s after the first request; the engine warms up 2 s first), 6 s measured"
start_server stall
echo "engine open 500 req/s: $(bench "$url" open 500 6 1000)"
start_server stall
wrk -t2 -c50 -d6s --latency "${url}health" | grep -E "50%|99%|Max|Requests/sec" | tr -s ' ' | paste -sd' ' | sed 's/^/wrk (50 connections): /'
if [ $have_hey = 1 ]; then start_server stall; hey -z 6s -c 50 "${url}health" | grep -E "Slowest|(50|99)% in|Requests/sec" | tr -s ' ' | paste -sd' ' | sed 's/^/hey (50 workers): /'; fi

echo
echo "== 4. memory: 2000 req/s for $memory_seconds s (the spec's run is 300 s; MEMORY_SECONDS=300 for it)"
start_server "$target"
/usr/bin/time -v dotnet "$out/bin/LoadBench.dll" "$url" open 2000 "$memory_seconds" 256 2> "$out/time.txt" | sed 's/^/engine: /'
grep "Maximum resident" "$out/time.txt"
stop_server
