#!/usr/bin/env bash
# Runs the built doctest suite once more for every GEMM kernel this CPU can run other than
# the one it picks by itself, forced with AET_GEMM_KERNEL (the tutorials the smoke tests
# start inherit it), so that every model, tutorial and test also passes on the kernels a
# student's laptop would pick. make test-kernels calls it.
# Usage: scripts/test-every-kernel.sh TEST_BINARY
# The last line is a summary in doctest's own format, the counts of all runs added up.
set -uo pipefail
bin=${1:?usage: scripts/test-every-kernel.sh TEST_BINARY}
has() { grep -qw "$1" /proc/cpuinfo 2>/dev/null; }
kernels=()  # the ones below the CPU's own choice (avx512 > avx2 > portable)
if has avx512f && has avx512vl && has avx512bw && has avx512dq; then kernels=(avx2 portable)
elif has avx2 && has fma; then kernels=(portable)
fi
passed=0 failed=0 status=0
for k in "${kernels[@]}"; do
  log=$(mktemp)
  echo "== the suite with AET_GEMM_KERNEL=$k"
  AET_GEMM_KERNEL=$k "$bin" 2>&1 | tee "$log" | tail -n 4
  rc=${PIPESTATUS[0]}
  summary=$(grep -E '^\[doctest\] test cases:' "$log" | tail -n1)
  p=$(sed -nE 's/.*\| *([0-9]+) passed.*/\1/p' <<<"$summary")
  f=$(sed -nE 's/.*\| *([0-9]+) failed.*/\1/p' <<<"$summary")
  p=${p:-0} f=${f:-0}
  if [[ $rc -ne 0 ]]; then
    grep -B2 -A6 -E 'ERROR|FATAL' "$log" | head -n 60
    [[ $f -eq 0 ]] && f=1
    status=1
  fi
  passed=$((passed + p)) failed=$((failed + f))
  rm -f "$log"
done
echo "[doctest] test cases: $((passed + failed)) | $passed passed | $failed failed | 0 skipped"
exit $status
