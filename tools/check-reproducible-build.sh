#!/usr/bin/env bash
# Checks that the packable projects build deterministically: clones the committed HEAD twice, into folders of
# different names and depths, builds each packable project in both with CI=true (as CI and `CI=true dotnet pack` do:
# paths in the binaries become /_/…) and fails when any of their assemblies differs byte for byte between the two.
# With --against-this-build the first build is this checkout's own Release build, which must be a clean clone built
# with CI=true (as .ci/run does), so only one more build is needed.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

mapfile -t projects < <(grep -l '<IsPackable>true</IsPackable>' */*.csproj | sort)
if [[ "${1:-}" == "--against-this-build" ]]; then
  if [[ -n "$(git status --porcelain --untracked-files=no)" ]]; then
    echo "--against-this-build needs a checkout with no changes to tracked files." >&2
    exit 1
  fi
  clones=("$PWD" "$work/second/clone-b")
else
  clones=("$work/a" "$work/second/clone-b")
fi
for clone in "${clones[@]}"; do
  [[ "$clone" == "$PWD" ]] && continue
  mkdir -p "$(dirname "$clone")"
  git clone -q --no-hardlinks . "$clone"
  for project in "${projects[@]}"; do
    (cd "$clone" && CI=true dotnet build "$project" -c Release -nologo -v q >"$work/build.log" 2>&1) \
      || { cat "$work/build.log" >&2; exit 1; }
  done
done

differ=0
for project in "${projects[@]}"; do
  name="$(basename "$project" .csproj)"
  dir="$(dirname "$project")/bin/Release/net10.0"
  a="$(sha256sum "${clones[0]}/$dir/$name.dll" | cut -d' ' -f1)"
  b="$(sha256sum "${clones[1]}/$dir/$name.dll" | cut -d' ' -f1)"
  if [[ "$a" == "$b" ]]; then
    echo "identical: $name.dll ${a:0:16}"
  else
    echo "DIFFERENT: $name.dll ${a:0:16} vs ${b:0:16}" >&2
    differ=1
  fi
done
if [[ "$differ" -ne 0 ]]; then
  echo "Two clones of one commit built different assemblies: something machine- or path-dependent got into the build." >&2
  exit 1
fi
