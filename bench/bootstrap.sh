#!/usr/bin/env bash
# Benchmark (not a test): warm `./build.sh --tree` against `dotnet run --project ... -- --tree`.
# Prints the median of N runs of each and their ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-7}"

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
time_ms() {
  local start end
  start=$(date +%s%N)
  "$@" >/dev/null 2>&1
  end=$(date +%s%N)
  echo $(((end - start) / 1000000))
}

# Warm both paths once.
./build.sh --tree >/dev/null
dotnet run --project build/Storytailor.Build/Storytailor.Build.csproj -- --tree >/dev/null

bootstrap=$(for _ in $(seq "$runs"); do time_ms ./build.sh --tree; done | median)
run=$(for _ in $(seq "$runs"); do time_ms dotnet run --project build/Storytailor.Build/Storytailor.Build.csproj -- --tree; done | median)
echo "runs: $runs"
echo "./build.sh --tree (warm, median):            ${bootstrap} ms"
echo "dotnet run --project ... --tree (warm, median): ${run} ms"
awk -v a="$run" -v b="$bootstrap" 'BEGIN { printf "speed-up: %.1fx\n", a / b }'
