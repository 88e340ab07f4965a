#!/usr/bin/env bash
# Bootstrap of the Storytailor build: checks the .NET SDK that global.json asks for, rebuilds the
# build program only when its inputs changed, then runs it with all arguments.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"
PROJECT="build/Storytailor.Build/Storytailor.Build.csproj"
OUT="build/.bootstrap"
BIN="$OUT/bin/Storytailor.Build.dll"

fail() {
  echo "build.sh: $*" >&2
  exit 2
}

command -v dotnet >/dev/null 2>&1 ||
  fail "the .NET SDK is not installed (dotnet is not on PATH). Install the SDK version global.json asks for: $(grep -o '"version": *"[^"]*"' global.json | cut -d'"' -f4) or a later patch of that feature band."

if ! sdk_version="$(dotnet --version 2>/dev/null)"; then
  wanted="$(grep -o '"version": *"[^"]*"' global.json | cut -d'"' -f4)"
  fail "the .NET SDK that global.json asks for ($wanted, or a later patch of that feature band) is not installed. Installed SDKs: $(dotnet --list-sdks 2>/dev/null | cut -d' ' -f1 | tr '\n' ' ')"
fi

# Inputs of the build program: every source and project file under build/, plus the shared props.
inputs_hash() {
  {
    find build -type f \( -name '*.cs' -o -name '*.csproj' -o -name '*.json' -o -name '*.props' -o -name '*.targets' \) \
      -not -path '*/bin/*' -not -path '*/obj/*' -not -path "$OUT/*" -print0 | sort -z | xargs -0 sha256sum
    sha256sum global.json Directory.Build.props Directory.Build.targets Directory.Packages.props
    echo "sdk $sdk_version"
  } | sha256sum | cut -d' ' -f1
}

mkdir -p "$OUT"
exec 9>"$OUT/lock"
flock 9
hash="$(inputs_hash)"
if [[ ! -f "$BIN" || ! -f "$OUT/inputs.sha256" || "$(cat "$OUT/inputs.sha256")" != "$hash" ]]; then
  echo "build.sh: compiling the build program (inputs changed)..." >&2
  rm -f "$OUT/inputs.sha256"
  if ! dotnet build "$PROJECT" -c Release -o "$OUT/bin" --nologo -v quiet -clp:ErrorsOnly >"$OUT/compile.log" 2>&1; then
    cat "$OUT/compile.log" >&2
    fail "compiling the build program failed (log above, also in $OUT/compile.log)."
  fi
  echo "$hash" >"$OUT/inputs.sha256"
fi
flock -u 9

exec dotnet "$BIN" "$@"
