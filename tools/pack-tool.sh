#!/usr/bin/env bash
# Packs the CLI as a .NET tool (package `neuromorphic`, command `neuromorphic`) into artifacts/tool (or $1 when it is
# a folder). With --check (tools/test.sh runs it) it then installs the package from that folder alone into a
# temporary tool path (a NuGet.config that lists only the folder: no network) and runs the installed
# `neuromorphic --help`; exit 1 with one line when any step fails.
# Install it for yourself:  dotnet tool install --global --add-source artifacts/tool neuromorphic
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
check=""; out=artifacts/tool
for a in "$@"; do case "$a" in --check) check=1 ;; *) out=$a ;; esac; done
mkdir -p "$out"
if ! dotnet pack src/Cli/Neuromorphic.Cli.csproj -c Release -o "$out" >"$out/pack.log" 2>&1; then
  echo "error: dotnet pack src/Cli failed: $(grep -m1 -E 'error' "$out/pack.log" || tail -n 1 "$out/pack.log")" >&2; exit 1
fi
pkg=$(ls -t "$out"/neuromorphic.*.nupkg | head -1)
echo "packed $pkg"
[ -n "$check" ] || exit 0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/NuGet.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration><packageSources><clear /><add key="local" value="$(cd "$out" && pwd)" /></packageSources></configuration>
XML
version=$(basename "$pkg" .nupkg); version=${version#neuromorphic.}
if ! dotnet tool install neuromorphic --version "$version" --tool-path "$tmp/bin" --configfile "$tmp/NuGet.config" >"$tmp/install.log" 2>&1; then
  echo "error: dotnet tool install from $out failed: $(tail -n 3 "$tmp/install.log" | tr '\n' ' ')" >&2; exit 1
fi
if ! "$tmp/bin/neuromorphic" --help >"$tmp/help.txt" 2>&1 || ! grep -q "neuromorphic" "$tmp/help.txt"; then
  echo "error: the installed tool's \`neuromorphic --help\` failed: $(head -n 3 "$tmp/help.txt" | tr '\n' ' ')" >&2; exit 1
fi
echo "packed tool installed from $out (no network) and ran: neuromorphic --help ($(wc -l <"$tmp/help.txt") lines)"
