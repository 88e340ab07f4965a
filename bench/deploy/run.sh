#!/usr/bin/env bash
# Benchmarks DeployProduction on the rehearsal: the fake AWS, real Terraform on the example's configuration with a
# local backend, the example router as blue and green, the real build program. Not a test: prints figures.
# Usage: bench/deploy/run.sh   (RUNS=5 runs per figure; DNS_INSYNC_DELAY_MS=1000, the fake Route 53's INSYNC delay)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

command -v terraform >/dev/null || { echo "terraform is not on PATH"; exit 1; }
command -v node >/dev/null || { echo "node is not on PATH"; exit 1; }

echo "== building the bench and the build program (Release)"
# Built in place, not with -o: the rehearsal runs the build program from build/Storytailor.Build/bin/Release/.
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
dotnet build -c Release "$here/DeployBench/DeployBench.csproj" >"$log" || { cat "$log"; exit 1; }

# The bench puts shim/ first on PATH once blue and green run: terraform, node and npm then log when each run starts and ends.
export SHIM_FOLDER="$here/shim"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), node $(node --version), $(terraform version 2>/dev/null | head -1)"
dotnet "$here/DeployBench/bin/Release/net10.0/DeployBench.dll"
