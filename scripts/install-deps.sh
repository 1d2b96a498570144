#!/usr/bin/env bash
# Installs the packages a target needs, if any are missing.
# Usage: scripts/install-deps.sh PACKAGE...     (Debian package names, as the Makefile passes them)
#
#   Debian/Ubuntu  checks each package with dpkg-query and runs `apt-get update` once and
#                  `apt-get install -y` as root or through password-less sudo; where neither
#                  is possible it stops with one message naming the packages and the command.
#   macOS          maps the names to Homebrew formulae and runs `brew install` (brew runs as
#                  the user, never root). stb has no formula, so the Makefile falls back to
#                  the copies in third_party/stb; zlib and libc++ come with Apple's SDK.
#   anything else  (no dpkg-query, no brew) prints what to install and carries on, so `make`
#                  still works where the libraries are installed by other means.
# Written for bash 3.2 (macOS's /bin/bash): no associative arrays, and no "${a[@]}" of an
# empty array under `set -u`.
set -euo pipefail

debian_missing() {
  # A package installed for two architectures (after `dpkg --add-architecture arm64`)
  # prints one status line per architecture, so look for one good line instead of
  # comparing the whole output. A bare name must be installed for the native
  # architecture (or be an "all" package); a name with ":arch" is dpkg's to match.
  local pkg=$1 native lines status arch
  native=$(dpkg --print-architecture)
  lines=$(dpkg-query -W -f='${Status}|${Architecture}\n' "$pkg" 2>/dev/null || true)
  while IFS='|' read -r status arch; do
    if [[ "$status" == "install ok installed" && ( "$pkg" == *:* || "$arch" == "$native" || "$arch" == all ) ]]; then
      return 1
    fi
  done <<<"$lines"
  return 0
}

install_debian() {
  local missing=() pkg sudo=""
  for pkg in "$@"; do
    if debian_missing "$pkg"; then missing+=("$pkg"); fi
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  if [[ $(id -u) -eq 0 ]]; then
    sudo=""
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo="sudo -n"
  else
    echo "install-deps: missing Debian packages ${missing[*]}; as a user without root or password-less sudo," \
         "please run:  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "install-deps: installing missing Debian packages: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "install-deps: done." >&2
}

# The Homebrew formula for a Debian package name; empty when macOS needs none (or has none).
brew_formula() {
  case "$1" in
    doctest-dev) echo doctest ;;
    libfmt-dev) echo fmt ;;
    libcli11-dev) echo cli11 ;;
    gnuplot-nox | gnuplot) echo gnuplot ;;
    libopenblas-dev) echo openblas ;;
    *) echo "" ;;
  esac
}

# What a Mac user does instead for a package with no formula (empty: nothing to do).
mac_note() {
  case "$1" in
    dataset-fashion-mnist) echo "Fashion-MNIST: pass --data DIR (or AET_DATA=DIR) to a folder with the four .gz files" ;;
    python3-torch) echo "PyTorch (benchmark peer only): python3 -m pip install torch" ;;
    clang | libclang-rt-*-dev) echo "clang: Apple's clang comes with the Xcode command line tools (xcode-select --install)" ;;
    *) echo "" ;;
  esac
}

install_macos() {
  local formulae=() pkg f note
  for pkg in "$@"; do
    f=$(brew_formula "$pkg")
    if [[ -n "$f" ]]; then
      brew list --versions "$f" >/dev/null 2>&1 || formulae+=("$f")
    else
      note=$(mac_note "$pkg")
      # Printed only while the data are missing; the others are rare targets.
      if [[ -n "$note" && ( "$pkg" != dataset-fashion-mnist || -z "${AET_DATA:-}" ) ]]; then
        echo "install-deps: $note" >&2
      fi
    fi
  done
  [[ ${#formulae[@]} -eq 0 ]] && return 0
  echo "install-deps: installing Homebrew formulae: ${formulae[*]}" >&2
  brew install "${formulae[@]}"
}

[[ $# -eq 0 ]] && exit 0
if [[ "$(uname -s)" == Darwin ]]; then
  if command -v brew >/dev/null 2>&1; then
    install_macos "$@"
  else
    echo "install-deps: Homebrew not found; install it from https://brew.sh, then run:" \
         " brew install doctest fmt cli11 gnuplot" >&2
  fi
elif command -v dpkg-query >/dev/null 2>&1; then
  install_debian "$@"
else
  echo "install-deps: not a Debian system (no dpkg-query): install the equivalents of these Debian" \
       "packages with your package manager if the build needs them: $*" >&2
fi
