#!/usr/bin/env python3
"""map_suite.py — regenerate coursework/suite-tests.txt, which normal tests need which task.

For each task in turn it stubs that task alone in a copy of the repository (reusing the
repository's build, trees.py), builds what `make test` runs and runs the suite: every test
case that fails there needs that task's code. A student copy's `make test` skips those test
cases while the task's stub is in place (skipped-tests.sh). Run it after adding a task or
tests that use one: `python3 coursework/map_suite.py` (about a minute per task on 2 cores,
after `make test-bins`). coursework/ci.sh checks the result on a fully stubbed copy.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import student_copy
import trees

HEADER = """# suite-tests.txt — the test cases of the normal suite (tests/) that need each task's code.
# Written by coursework/map_suite.py (stub one task, run the suite, list what fails); read by
# coursework/skipped-tests.sh, which leaves these out of `make test` while a task's stub is in
# place. Format: task id, a tab, a doctest test-case name ('?' for its commas: doctest
# splits filters at commas, and '?' matches any one character).
"""


def doctest_pattern(name):
    """doctest splits a filter at commas; '?' matches any one character, the comma too."""
    return name.replace(",", "?")


def failures(tree, args=()):
    p = subprocess.run(["build/tests/run_tests", *args], cwd=tree, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return trees.failed_tests(p.stdout.decode(errors="replace"))


def quick(tree, tasks, jobs):
    """One suite run with every task stubbed: a failing test case is listed under each task
    whose "not done yet" message it printed, and under every task when it printed none (a
    tutorial run in a child process). Cheaper than a run per task, but it sees only the
    first stub a test reaches: a partial copy may then show a test failing with another
    task's "not done yet" message instead of skipping it."""
    trees.seed(tree, ())
    ok, out = trees.make(tree, ["test-bins"], jobs)
    if not ok:
        sys.exit(f"map_suite: the stubbed copy does not build:\n{trees.first_error(out)}")
    p = subprocess.run(["build/tests/run_tests"], cwd=tree, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    rows = set()
    for name, ids in trees.failed_tests_with_tasks(p.stdout.decode(errors="replace")).items():
        for t in (ids or tasks):
            rows.add((tuple(map(int, t.split("."))), f"{t}\t{doctest_pattern(name)}"))
    return [r for _, r in sorted(rows)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "aet-map-suite"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--quick", action="store_true",
                    help="one run with every task stubbed (see quick())")
    a = ap.parse_args()
    tasks = trees.all_tasks()
    tree = os.path.join(a.work, "tree")
    rows = []
    if a.quick:
        rows = quick(tree, tasks, a.jobs)
    else:
        trees.seed(tree, tasks)
    for t in ([] if a.quick else tasks):
        student_copy.copy_tree(trees.REPO, tree, frozenset(tasks) - {t})
        ok, out = trees.make(tree, ["test-bins"], a.jobs)
        if not ok:
            sys.exit(f"map_suite: the copy with task {t} stubbed does not build:\n{trees.first_error(out)}")
        names = failures(tree)
        if names:  # once more, those alone: a test that fails only under load is not the task's
            names &= failures(tree, ["--test-case=" + ",".join(doctest_pattern(n) for n in sorted(names))])
        names = sorted(names)
        print(f"task {t}: {len(names)} test cases need it", flush=True)
        rows += [f"{t}\t{doctest_pattern(n)}" for n in names]
    if not a.quick:
        student_copy.copy_tree(trees.REPO, tree, frozenset(tasks))
    with open(os.path.join(trees.REPO, "coursework", "suite-tests.txt"), "w") as f:
        f.write(HEADER + "\n".join(rows) + "\n")
    print(f"map_suite: wrote coursework/suite-tests.txt, {len(rows)} lines")


if __name__ == "__main__":
    main()
