#!/usr/bin/env bash
# Runs the whole test suite and prints one plain totals line: "N passed, N failed, N skipped".
# Starts the storage emulators the cloud adapter tests need (Azurite for Azure Blob, s3rver for S3, and a local
# GCS JSON-API fake) and a throwaway PostgreSQL cluster for the PostgreSQL ref store, all on 127.0.0.1, exports their
# endpoints and stops them whatever the outcome (PostgreSQL through tools/with-postgres.sh, which sets LAKEFS_POSTGRES).
# Extra arguments go to `dotnet test` (for example --no-build, or --filter).
# Exits non-zero when any test fails or when no test ran.
set -euo pipefail
cd "$(dirname "$0")"

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

no_build=0
for arg in "$@"; do
  [[ "$arg" == "--no-build" ]] && no_build=1
done

# Pinned emulators: reinstall when node_modules is missing or older than the lock file.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund --loglevel=error >"$work/npm.log" 2>&1 || { cat "$work/npm.log" >&2; exit 1; }
fi

free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'; }
wait_for() { # name url
  for _ in $(seq 1 150); do
    if curl -s -o /dev/null "$2"; then return 0; fi
    sleep 0.2
  done
  echo "$1 did not start; its log:" >&2
  cat "$work/$1.log" >&2 || true
  exit 1
}

azure_port="$(free_port)"
node node_modules/azurite/dist/src/blob/main.js --blobHost 127.0.0.1 --blobPort "$azure_port" --inMemoryPersistence \
  --skipApiVersionCheck --disableTelemetry --silent >"$work/azurite.log" 2>&1 &
pids+=($!)

s3_port="$(free_port)"
mkdir -p "$work/s3rver"
node --openssl-legacy-provider tools/s3rver-conditional.js 127.0.0.1 "$s3_port" "$work/s3rver" \
  >"$work/s3rver.log" 2>&1 &
pids+=($!)

if [[ "$no_build" -eq 0 ]]; then
  dotnet build tools/GcsFake/GcsFake.csproj -c Release -nologo -v q >"$work/gcsfake-build.log" 2>&1 || { cat "$work/gcsfake-build.log" >&2; exit 1; }
fi
dotnet tools/GcsFake/bin/Release/net10.0/GcsFake.dll --urls http://127.0.0.1:0 >"$work/gcsfake.log" 2>&1 &
pids+=($!)
gcs_url=""
for _ in $(seq 1 150); do
  gcs_url="$(sed -n 's/^GCS fake listening on //p' "$work/gcsfake.log")"
  [[ -n "$gcs_url" ]] && break
  sleep 0.2
done
[[ -n "$gcs_url" ]] || { echo "GCS fake did not start; its log:" >&2; cat "$work/gcsfake.log" >&2; exit 1; }

wait_for azurite "http://127.0.0.1:$azure_port/devstoreaccount1?comp=list"
wait_for s3rver "http://127.0.0.1:$s3_port/"

export LAKEFS_TEST_AZURE_CONNECTION_STRING="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:$azure_port/devstoreaccount1;"
export LAKEFS_TEST_S3_ENDPOINT="http://127.0.0.1:$s3_port"
export LAKEFS_TEST_GCS_ENDPOINT="$gcs_url"

results="$work/results"
status=0
# One trx file per test project (LogFilePrefix adds the framework and a timestamp in milliseconds), summed below.
tools/with-postgres.sh dotnet test LakeFs.Core.sln -c Release --logger "trx;LogFilePrefix=results" --results-directory "$results" "$@" || status=$?

mapfile -t trx_files < <(find "$results" -name '*.trx' 2>/dev/null)
if [[ ${#trx_files[@]} -eq 0 ]]; then
  echo "0 passed, 1 failed"
  echo "no test results were written" >&2
  exit 1
fi
passed=0; failed=0; total=0; executed=0
for trx in "${trx_files[@]}"; do
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)"
  count() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"; }
  passed=$(( passed + $(count passed) )); failed=$(( failed + $(count failed) ))
  total=$(( total + $(count total) )); executed=$(( executed + $(count executed) ))
done
skipped=$(( total - executed ))
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
if [[ "$status" -ne 0 || "$failed" -ne 0 || "$passed" -eq 0 ]]; then
  exit 1
fi
