#!/usr/bin/env bash
# Checks that an application referencing only the LakeFs.Core package, or only LakeFs.Extensions.DependencyInjection,
# pulls in no cloud SDK or database driver (issue 22): packs LakeFs.Storage, LakeFs.Core and
# LakeFs.Extensions.DependencyInjection into a folder feed in a temporary directory, restores a fresh console app per
# package against that folder and the packages already in the machine's global packages folder (no network: run after
# `dotnet restore LakeFs.Core.sln`), prints each app's transitive packages and fails when any is AWS, Azure, Google or
# Npgsql. Pass -c Debug to check a Debug build; the default is Release.
set -euo pipefail
cd "$(dirname "$0")/.."
configuration=Release
if [[ "${1:-}" == "-c" ]]; then configuration="$2"; fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# A version no other restore has used, so nothing stale in a packages folder can stand in for this build's packages.
version="0.0.0-depcheck.$(date +%s)"
for project in LakeFs.Storage LakeFs.Core LakeFs.Extensions.DependencyInjection; do
  dotnet pack "$project/$project.csproj" -c "$configuration" -o "$work/feed" -p:PackageVersion="$version" -nologo -v q \
    >"$work/pack.log" 2>&1 || { cat "$work/pack.log" >&2; exit 1; }
done

global="$(dotnet nuget locals global-packages --list | sed 's/^global-packages: //')"
cat >"$work/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="lakefs" value="$work/feed" />
  </packageSources>
  <fallbackPackageFolders>
    <add key="global" value="$global" />
  </fallbackPackageFolders>
</configuration>
XML

# check <package> <a type of it>: restores an app referencing only that package and checks what it brings in.
check() {
  local package="$1" type="$2" app="$work/app-$1"
  mkdir -p "$app"
  cat >"$app/App.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="$package" Version="$version" />
  </ItemGroup>
</Project>
XML
  echo "System.Console.WriteLine(typeof($type).FullName);" >"$app/Program.cs"

  NUGET_PACKAGES="$work/packages" dotnet restore "$app/App.csproj" -nologo -v q >"$work/restore.log" 2>&1 \
    || { echo "The app did not restore (a package $package needs is missing from $global?):" >&2; cat "$work/restore.log" >&2; exit 1; }
  NUGET_PACKAGES="$work/packages" dotnet list "$app/App.csproj" package --include-transitive >"$work/list.txt"
  local packages count heavy
  packages="$(grep -E '^\s+>' "$work/list.txt" | awk '{print $2}' | sort)"
  count="$(grep -c . <<<"$packages")"
  echo "An app referencing only $package restores $count packages:"
  sed 's/^/  /' <<<"$packages"
  heavy="$(grep -iE '^(AWSSDK|Azure|Google|Npgsql|Microsoft\.Identity)' <<<"$packages" || true)"
  if [[ -n "$heavy" ]]; then
    echo "$package must not bring in a cloud SDK or database driver; it brings in:" >&2
    sed 's/^/  /' <<<"$heavy" >&2
    echo "Move the code that needs them to its own package (LakeFs.Storage.S3, .Azure, .Gcs, LakeFs.RefStore.PostgreSql)." >&2
    exit 1
  fi
}

check LakeFs.Core LakeFs.Core.Repository
check LakeFs.Extensions.DependencyInjection LakeFs.Extensions.DependencyInjection.LakeFsRepositoryProvider
