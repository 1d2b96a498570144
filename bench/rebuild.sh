#!/usr/bin/env bash
# bench/rebuild.sh — the coursework loop, timed: save a file, `make tutorial-4`, training starts.
#
# For each of models/vae.cpp (the model) and tutorial 4's main.cpp: touch the file, as an
# editor's save would, then
#   build   time `make build/tutorials/04-variational-autoencoder` (recompile, archive, link),
#           wall clock and CPU time (user + system, all processes: on a busy machine the
#           wall clock waits for a core, the CPU time does not)
#   start   time `make tutorial-4 ARGS="--epochs 1"` up to the line the tutorial prints just
#           before its first batch (the epoch table's header), then stop the run
# Each figure is the best of REPEAT tries (default 3): the machine is shared and the best
# try is the one least disturbed. Builds use JOBS=2, as on a 2-core laptop.
# Usage: bench/rebuild.sh   (from anywhere; it runs in the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."
REPEAT=${REPEAT:-3}
TUT=04-variational-autoencoder
BIN=build/tutorials/$TUT
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT

now() { date +%s.%N; }
seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
best() { printf '%s\n' "$@" | sort -n | head -n1; }

# Time from `touch` to the tutorial's table header; stdbuf makes the tutorial's stdout
# line-buffered (it is inherited through make), so the header shows when it is printed.
time_to_training() {
  local start pid
  : >"$LOG"
  start=$(now)
  setsid stdbuf -oL make -s tutorial-4 JOBS=2 ARGS="--epochs 1" >"$LOG" 2>&1 &
  pid=$!
  until grep -q '^epoch' "$LOG"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "rebuild.sh: make tutorial-4 ended before training started:" >&2
      cat "$LOG" >&2
      exit 1
    fi
    sleep 0.02
  done
  seconds "$start" "$(now)"
  kill -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

make -s JOBS=2 "$BIN" >/dev/null  # everything built once: we time the edit, not the first build

printf '%-46s %11s %10s %8s\n' "file touched" "build wall" "build cpu" "start"
for file in models/vae.cpp tutorials/$TUT/main.cpp; do
  builds=() cpus=() starts=()
  for _ in $(seq "$REPEAT"); do
    touch "$file"
    read -r wall user sys < <( { /usr/bin/time -f '%e %U %S' make -s JOBS=2 "$BIN" >/dev/null; } 2>&1 | tail -n1)
    builds+=("$wall")
    cpus+=("$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')")
    touch "$file"
    starts+=("$(time_to_training)")
  done
  printf '%-46s %10ss %9ss %7ss\n' "$file" "$(best "${builds[@]}")" "$(best "${cpus[@]}")" "$(best "${starts[@]}")"
done
echo "(build: recompile + archive + link; start: the same through make tutorial-4, then the tutorial"
echo " up to its first batch (deps check, data loading, model set-up); wall clock unless marked cpu;"
echo " best of $REPEAT; $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg))"
