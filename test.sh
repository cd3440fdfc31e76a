#!/usr/bin/env bash
# Runs the whole test suite and prints one plain totals line: "N passed, N failed, N skipped".
# Exits non-zero when any test fails or when no test ran.
set -euo pipefail
cd "$(dirname "$0")"

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT

status=0
dotnet test LakeFs.Core.sln -c Release --logger "trx;LogFileName=results.trx" --results-directory "$results" "$@" || status=$?

trx="$(find "$results" -name '*.trx' | head -n 1)"
if [[ -z "$trx" ]]; then
  echo "0 passed, 1 failed"
  echo "no test results were written" >&2
  exit 1
fi
counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)"
count() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"; }
passed="$(count passed)"; failed="$(count failed)"; total="$(count total)"; executed="$(count executed)"
skipped=$(( total - executed ))
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
if [[ "$status" -ne 0 || "$failed" -ne 0 || "$passed" -eq 0 ]]; then
  exit 1
fi
