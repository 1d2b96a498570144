#!/usr/bin/env bash
# ci.sh — the coursework's checks in both directions (make test-coursework, run by .ci/run).
#   1. make check on the repository: every task passes, 100 % of the points.
#   2. a student copy (make student-copy): it builds; every task fails with its own
#      "task N not done yet" message; the rest of its suite passes (make test there skips
#      the test cases coursework/suite-tests.txt lists for the stubbed tasks).
#   3. make grade on three prepared copies — full, partial (tasks 0.1 0.2 4.2 solved), broken
#      (a syntax error) — gives the expected CSV.
# The copies reuse the repository's build (coursework/trees.py): only the files with a
# task region, and what includes them, are compiled again.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/aet-coursework-ci.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "coursework CI: $*" >&2; exit 1; }

echo "== 1. make check on the repository"
build/coursework/check --csv "$work/repo.csv" || fail "make check does not pass on the repository (table above)"
grep -q ' (100 %)$' <(build/coursework/check --progress) || fail "make check is not at 100 %"

echo "== 2. a student copy builds, every task says not done, its suite passes without them"
python3 - "$work/student" <<'PY'
import sys; sys.path.insert(0, "coursework")
import trees
trees.seed(sys.argv[1], solved=())
PY
# One target at a time: test-bins runs a make of its own, and two makes archiving the same
# libaet.a at once let one link against a half-written library (CI, 2026-12-02).
(cd "$work/student" && make --no-print-directory -j2 JOBS=2 test-bins >"$work/student-build.log" 2>&1 &&
   make --no-print-directory -j2 JOBS=2 build/coursework/check >>"$work/student-build.log" 2>&1) ||
  { tail -20 "$work/student-build.log"; fail "the student copy does not build"; }
(cd "$work/student" && build/coursework/check --csv "$work/student.csv") && fail "make check passes in a student copy"
python3 - "$work/student.csv" <<'PY' || fail "some task in the student copy is not 'not done' with its message"
import csv, sys
bad = [r for r in csv.DictReader(open(sys.argv[1]))
       if r["status"] != "not done" or not r["message"].startswith(f"task {r['task']} not done yet: ")]
for r in bad: print(f"task {r['task']}: {r['status']}: {r['message']}")
sys.exit(1 if bad else 0)
PY
(cd "$work/student" && eval "build/tests/run_tests $(coursework/skipped-tests.sh)" >"$work/student-suite.log" 2>&1) ||
  { grep -E 'TEST CASE:|not done yet' "$work/student-suite.log" | head -20
    fail "the student copy's suite fails outside the listed test cases: run python3 coursework/map_suite.py"; }
sed -n "s/^\[doctest\] test cases:/student copy's suite, test cases:/p" "$work/student-suite.log"

echo "== 3. make grade on a full, a partial and a broken copy"
subs="$work/submissions"
mkdir -p "$subs"
python3 coursework/student_copy.py --dest "$subs/full" --solved "$(python3 coursework/student_copy.py --list | cut -d' ' -f1 | paste -sd,)" >/dev/null
python3 coursework/student_copy.py --dest "$subs/partial" --solved 0.1,0.2,4.2 >/dev/null
python3 coursework/student_copy.py --dest "$subs/broken" --solved 0.1 >/dev/null
printf 'this is not C++\n' >>"$subs/broken/models/vae.cpp"
python3 coursework/grade.py --submissions "$subs" --out "$work/grades.csv" --jobs 2
python3 - "$work/grades.csv" <<'PY' || fail "make grade gave the wrong CSV (above)"
import csv, sys
rows = {r["student"]: r for r in csv.DictReader(open(sys.argv[1]))}
mx = rows["(max)"]
tasks = [k for k in mx if k not in ("student", "total", "note")]
want = {"full": {t: int(mx[t]) for t in tasks},
        "partial": {t: int(mx[t]) if t in ("0.1", "0.2", "4.2") else 0 for t in tasks},
        "broken": {t: 0 for t in tasks}}
ok = True
for s, w in want.items():
    got = {t: int(rows[s][t]) for t in tasks}
    if got != w or int(rows[s]["total"]) != sum(w.values()):
        print(f"{s}: got {got}, total {rows[s]['total']}; expected {w}"); ok = False
if not rows["broken"]["note"].startswith("build failed"):
    print(f"broken: note {rows['broken']['note']!r}, expected 'build failed: ...'"); ok = False
print(open(sys.argv[1]).read())
sys.exit(0 if ok else 1)
PY
echo "coursework CI: all three checks pass"
