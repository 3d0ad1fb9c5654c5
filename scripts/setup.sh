#!/usr/bin/env bash
# Installs what GradientFlow needs on Debian/Ubuntu (GSL, OpenBLAS, pkg-config) when missing,
# and checks that a Swift 6 toolchain is on PATH. Safe to run repeatedly.
set -euo pipefail

need=()
for pkg in libgsl-dev libopenblas-dev pkg-config; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
# The notebooks' virtual environment needs venv and ensurepip (Debian splits them out of python3).
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  need+=(python3-venv python3-pip)
fi
if ((${#need[@]})); then
  echo "setup: installing ${need[*]}" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
  for dir in /opt/swift/usr/bin /usr/share/swift/usr/bin; do
    if [ -x "$dir/swift" ]; then export PATH="$dir:$PATH"; fi
  done
fi
if ! command -v swift >/dev/null 2>&1; then
  echo "setup: no Swift toolchain found; install Swift 6 (swift.org/install) and re-run" >&2
  exit 1
fi
