#!/usr/bin/env python3
"""grade.py — build and check every student copy in a folder; write a CSV (make grade).

    make grade SUBMISSIONS=dir [OUT=grades.csv]

Each subfolder of SUBMISSIONS is one student's copy (as make student-copy wrote it, then
edited). Only the student's sources are taken: the .cpp and .h files under autograd/, nn/,
models/, datasets/ and tutorials/ (new files there too). The Makefile, the checker and
every check, hidden ones included, come from this repository, so editing a check gains
nothing. Each student is built in a folder of their own, started from a copy of a stubbed
tree built once (trees.py), so only the files the student changed are compiled. A build
that fails, or a checker that does not finish, scores 0 for that student; the others go on.
The CSV has one row per student (points per task, total, a note) after a row of maxima.
"""
import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile

import trees

STUDENT_DIRS = ("autograd", "nn", "models", "datasets", "tutorials")


def overlay(submission, tree):
    """Copies the student's sources over the tree; returns how many files differed."""
    changed = 0
    for top in STUDENT_DIRS:
        for root, dirs, files in os.walk(os.path.join(submission, top)):
            dirs[:] = [d for d in dirs if not d.startswith("build")]
            for name in files:
                if not name.endswith((".cpp", ".h")):
                    continue
                src = os.path.join(root, name)
                dst = os.path.join(tree, os.path.relpath(src, submission))
                data = open(src, "rb").read()
                if os.path.exists(dst) and open(dst, "rb").read() == data:
                    continue
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                with open(dst, "wb") as f:
                    f.write(data)
                changed += 1
    return changed


def run_check(tree, timeout):
    result = os.path.join(tree, "check.csv")
    try:
        subprocess.run(["build/coursework/check", "--csv", result], cwd=tree, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, f"the checker did not finish within {timeout} s"
    if not os.path.exists(result):
        return None, "the checker wrote no result"
    with open(result) as f:
        return {r["task"]: int(r["earned"]) for r in csv.DictReader(f)}, ""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--submissions", required=True)
    ap.add_argument("--out", default="grades.csv")
    ap.add_argument("--build", default="build", help="the repository's build folder to start from")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--work", default=None, help="where the copies are built (default: a temporary folder)")
    ap.add_argument("--keep", action="store_true", help="keep the build folders")
    ap.add_argument("--build-timeout", type=int, default=1200)
    ap.add_argument("--check-timeout", type=int, default=600)
    a = ap.parse_args()
    students = sorted(d for d in os.listdir(a.submissions) if os.path.isdir(os.path.join(a.submissions, d)))
    if not students:
        sys.exit(f"grade: {a.submissions} has no student folders")
    work = a.work or tempfile.mkdtemp(prefix="aet-grade-")
    logs = os.path.join(os.path.dirname(os.path.abspath(a.out)), "grade-logs")
    os.makedirs(logs, exist_ok=True)

    # The base: every task stubbed, hidden checks in, built once.
    base = os.path.join(work, "base")
    trees.seed(base, solved=(), build=a.build)
    ok, out = trees.make(base, ["build/coursework/check"], a.jobs, a.build_timeout, os.path.join(logs, "_base.log"))
    if not ok:
        sys.exit(f"grade: the stubbed base copy does not build: {trees.first_error(out)}")
    listing = subprocess.run(["build/coursework/check", "--list"], cwd=base, capture_output=True, text=True).stdout
    tasks = [(line.split()[0], int(line.split()[1])) for line in listing.splitlines() if line.strip()]

    rows = []
    for s in students:
        if not os.path.isdir(os.path.join(a.submissions, s, "autograd")):
            rows.append([s] + [0] * len(tasks) + [0, "no autograd/ folder: is this the copy's top folder?"])
            print(f"grade: {s}: 0 points; {rows[-1][-1]}", flush=True)
            continue
        tree = os.path.join(work, "student")
        trees.clone(base, tree)
        changed = overlay(os.path.join(a.submissions, s), tree)
        ok, out = trees.make(tree, ["build/coursework/check"], a.jobs, a.build_timeout, os.path.join(logs, f"{s}.log"))
        if not ok:
            earned, note = {}, "build failed: " + trees.first_error(out)
        else:
            earned, note = run_check(tree, a.check_timeout)
            earned = earned or {}
        total = sum(earned.get(t, 0) for t, _ in tasks)
        rows.append([s] + [earned.get(t, 0) for t, _ in tasks] + [total, note])
        print(f"grade: {s}: {total} points ({changed} files changed){'; ' + note if note else ''}", flush=True)
        if not a.keep:
            shutil.rmtree(tree)
    with open(a.out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["student"] + [t for t, _ in tasks] + ["total", "note"])
        w.writerow(["(max)"] + [p for _, p in tasks] + [sum(p for _, p in tasks), ""])
        w.writerows(rows)
    if not a.keep and not a.work:
        shutil.rmtree(work)
    print(f"grade: wrote {a.out} ({len(rows)} students; build logs in {logs})")


if __name__ == "__main__":
    main()
