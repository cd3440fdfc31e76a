#!/usr/bin/env bash
# Checks that LakeFs.Core works in a trimmed application (issue 22): publishes samples/Quickstart trimmed and
# self-contained for linux-x64 into a temporary folder, fails when the publish printed any trim or AOT warning
# (IL2xxx, IL3xxx), then runs the trimmed app and fails unless its last line is "main matches tag v1 again: True".
# The runtime and ILLink packs restore from the machine's configured feed. Run after `dotnet build LakeFs.Core.sln
# -c Release` so the libraries are up to date (about a minute on a loaded 2-core machine then).
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
rid=linux-x64
expected="main matches tag v1 again: True"

started=$SECONDS
if ! timeout 600 dotnet publish samples/Quickstart/Quickstart.csproj -c Release -r "$rid" --self-contained \
  -p:PublishTrimmed=true -o "$work/app" -nologo >"$work/publish.log" 2>&1; then
  echo "The trimmed publish of samples/Quickstart failed:" >&2
  cat "$work/publish.log" >&2
  exit 1
fi
warnings="$(grep -E '\b(IL2[0-9]{3}|IL3[0-9]{3})\b' "$work/publish.log" | sort -u || true)"
if [[ -n "$warnings" ]]; then
  echo "The trimmed publish of samples/Quickstart printed trim/AOT warnings (see docs/trimming.md):" >&2
  echo "$warnings" >&2
  exit 1
fi

if ! timeout 120 "$work/app/Quickstart" >"$work/run.log" 2>&1; then
  echo "The trimmed samples/Quickstart failed:" >&2
  cat "$work/run.log" >&2
  exit 1
fi
last="$(tail -n 1 "$work/run.log")"
if [[ "$last" != "$expected" ]]; then
  echo "The trimmed samples/Quickstart ended with '$last', not '$expected'; its output:" >&2
  cat "$work/run.log" >&2
  exit 1
fi
echo "Trimmed self-contained samples/Quickstart ($rid, $(du -sh "$work/app" | cut -f1)) published without trim warnings and ran: $last ($((SECONDS - started)) s)"
