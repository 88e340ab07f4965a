#!/usr/bin/env bash
# Benchmark (not a test): a cold `Ci` on a fresh copy of the example app against a second run
# with nothing changed. Prints both times and their ratio (the second should be at most 20%).
#
# SecurityAudit needs a registry that answers npm's advisory requests; where the registry refuses
# them (as the package mirror of our build machines does), pass --skip=SecurityAudit or
# --audit-registry=<url> through EXTRA, e.g. EXTRA="--skip=SecurityAudit" bash bench/incremental.sh
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cp -a example "$work/app"
rm -rf "$work/app/node_modules" "$work/app/coverage" "$work/app"/packages/*/dist
./build.sh --version >/dev/null

run() {
  local start end
  start=$(date +%s%N)
  # shellcheck disable=SC2086
  ./build.sh --target=Ci --app-root="$work/app" --artifacts="$work/artifacts" --cache-dir="$work/cache" ${EXTRA:-} >"$work/$1.log" 2>&1 ||
    { echo "Ci failed on the $1 run; log: " >&2; tail -30 "$work/$1.log" >&2; exit 1; }
  end=$(date +%s%N)
  echo $(((end - start) / 1000000))
}

cold=$(run cold)
warm=$(run warm)
echo "cold Ci (npm ci and every stage): ${cold} ms"
echo "second Ci, nothing changed:       ${warm} ms"
awk -v w="$warm" -v c="$cold" 'BEGIN { printf "second run / cold run: %.1f%%\n", 100 * w / c }'
