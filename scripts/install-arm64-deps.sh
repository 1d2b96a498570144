#!/usr/bin/env bash
# Installs what the ARM64 cross build needs (make test-aarch64): the cross compiler, qemu's
# user-mode emulator, and zlib built for arm64, which needs Debian's arm64 architecture
# enabled for apt (dpkg --add-architecture arm64, once).
set -euo pipefail
here=$(dirname "$0")
if ! dpkg --print-foreign-architectures 2>/dev/null | grep -qx arm64; then
  if [[ $(id -u) -ne 0 ]] && ! { command -v sudo >/dev/null && sudo -n true 2>/dev/null; }; then
    echo "install-arm64-deps: please run:  sudo dpkg --add-architecture arm64 && sudo apt-get update" >&2
    exit 1
  fi
  sudo=(); [[ $(id -u) -eq 0 ]] || sudo=(sudo -n)
  echo "install-arm64-deps: enabling Debian's arm64 architecture for the cross build" >&2
  "${sudo[@]}" dpkg --add-architecture arm64
  "${sudo[@]}" apt-get update -qq
fi
exec "$here/install-deps.sh" g++-aarch64-linux-gnu qemu-user zlib1g-dev:arm64
