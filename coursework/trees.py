"""trees.py — copies of the repository that reuse its build (map_suite.py, grade.py, ci.sh).

A full build of the library on 2 cores takes minutes; a copy that differs from the
repository in a few files needs only those recompiled. So a copy starts as the repository's
files (made by student_copy.copy_tree, identical files keeping the repository's times) plus
a copy of its build/ folder (objects keep their times), and make then rebuilds only the
objects whose sources differ, and what includes a changed header.
"""
import os
import re
import shutil
import subprocess

import student_copy

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def all_tasks(repo=REPO):
    return student_copy.by_id(student_copy.copy_tree(repo, None))


def seed(dest, solved, build="build", repo=REPO, no_hidden=False):
    """A fresh copy in dest with the given tasks solved (the others stubbed) and repo's build."""
    if os.path.exists(dest):
        shutil.rmtree(dest)
    student_copy.copy_tree(repo, dest, frozenset(solved), no_hidden, keep_mtimes=True)
    if os.path.isdir(os.path.join(repo, build)):
        shutil.copytree(os.path.join(repo, build), os.path.join(dest, "build"), symlinks=True)


def clone(src, dest):
    """dest becomes a copy of the tree src, times kept (so its objects stay valid)."""
    if os.path.exists(dest):
        shutil.rmtree(dest)
    shutil.copytree(src, dest, symlinks=True)


def make(dest, targets, jobs=2, timeout=1800, log=None):
    """Runs make in dest; returns (ok, output)."""
    try:
        p = subprocess.run(["make", "--no-print-directory", f"-j{jobs}", f"JOBS={jobs}", *targets], cwd=dest,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
        out, ok = p.stdout.decode(errors="replace"), p.returncode == 0
    except subprocess.TimeoutExpired as e:
        out, ok = (e.stdout or b"").decode(errors="replace") + f"\n(make stopped after {timeout} s)\n", False
    if log:
        with open(log, "w") as f:
            f.write(out)
    return ok, out


def first_error(output):
    for line in output.splitlines():
        if re.search(r"\berror\b", line):
            return line.strip()[:200]
    return output.strip().splitlines()[-1][:200] if output.strip() else "no output"


def failed_tests(console_output):
    """Names of the doctest test cases that failed, from its console reporter's output."""
    names = set()
    for block in console_output.split("=" * 79):
        m = re.search(r"^TEST CASE:  (.*)$", block, re.M)
        if m and re.search(r"(ERROR|FATAL ERROR|TEST CASE FAILED)", block):
            names.add(m.group(1).strip())
    return names


def failed_tests_with_tasks(console_output):
    """{failed test case: the task ids of the "task N not done yet" messages it printed}."""
    out = {}
    for block in console_output.split("=" * 79):
        m = re.search(r"^TEST CASE:  (.*)$", block, re.M)
        if m and re.search(r"(ERROR|FATAL ERROR|TEST CASE FAILED)", block):
            out.setdefault(m.group(1).strip(), set()).update(re.findall(r"task (\d+\.\d+) not done yet", block))
    return out
