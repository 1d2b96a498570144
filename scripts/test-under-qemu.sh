#!/usr/bin/env bash
# Runs a cross-built doctest suite under qemu-aarch64 (Debian qemu-user), one test file at
# a time with a time limit each, so that a hang fails fast and names its file.
# Usage: scripts/test-under-qemu.sh BUILD_DIR     (make test-aarch64 calls it)
# Tutorials started by the smoke tests go through qemu too (AET_TUTORIAL_LAUNCHER): these
# containers have no binfmt_misc to start foreign binaries by themselves.
# The last line is a summary in doctest's own format, the counts of all files added up.
#
# qemu runs this code some 100-200x slower than the machine would. Left out here, and
# named in the output, are the test cases that cost most and test nothing ARM-specific:
# the two conv-model learning tests and the two tutorial-2 deep-clustering runs (each
# 2-3 s natively, up to 900 s under qemu on a loaded 2-core machine), and tutorial 6's
# smoke run (6 s of CPU natively, the conv models). They run in every native suite
# (make test, test-asan, test-kernels, test-clang, test-libcxx); the NEON kernel,
# conv2d's gradient checks, the fast-vs-direct conv tests and tutorials 0-5 and 7 all run
# here. AET_QEMU_SKIP="" AET_QEMU_SKIP_SUBCASES="" runs everything.
set -uo pipefail
build=${1:?usage: scripts/test-under-qemu.sh BUILD_DIR}
limit=${AET_TEST_FILE_TIMEOUT:-900}  # seconds per test file
qemu="qemu-aarch64 -L /usr/aarch64-linux-gnu"
export AET_TUTORIAL_BIN_DIR="$build/tutorials" AET_TUTORIAL_LAUNCHER="$qemu"

skip=${AET_QEMU_SKIP-"the conv VAE learns tiny images*,the conv CVAE draws the orientation*,tutorial 2 --deep-clustering*,tutorial 2 --dc-all-images*"}
skip_sub=${AET_QEMU_SKIP_SUBCASES-"06-convolutional-autoencoders"}
[[ -n "$skip$skip_sub" ]] && echo "test-under-qemu: left out under emulation (they run natively): $skip; subcases: $skip_sub"

passed=0 failed=0 status=0
for file in tests/test_*.cpp; do
  log=$(mktemp)
  start=$SECONDS
  timeout -k 10 "$limit" $qemu "$build/tests/run_tests" --source-file="*$file" ${skip:+--test-case-exclude="$skip"} ${skip_sub:+--subcase-exclude="$skip_sub"} >"$log" 2>&1
  rc=$?
  summary=$(grep -E '^\[doctest\] test cases:' "$log" | tail -n1)
  p=$(sed -nE 's/.*\| *([0-9]+) passed.*/\1/p' <<<"$summary")
  f=$(sed -nE 's/.*\| *([0-9]+) failed.*/\1/p' <<<"$summary")
  p=${p:-0} f=${f:-0}
  if [[ $rc -eq 124 || $rc -eq 137 ]]; then
    echo "$file: TIMED OUT after ${limit} s under qemu"
    f=$((f + 1))
  elif [[ $rc -ne 0 ]]; then
    cat "$log"
    [[ $f -eq 0 ]] && f=1
  fi
  echo "$file: $p passed, $f failed ($((SECONDS - start)) s)"
  [[ $f -ne 0 ]] && status=1
  passed=$((passed + p)) failed=$((failed + f))
  rm -f "$log"
done
echo "[doctest] test cases: $((passed + failed)) | $passed passed | $failed failed | 0 skipped"
exit $status
