#!/usr/bin/env python3
"""student_copy.py — write a student copy of this repository (make student-copy).

Every solution region in the sources,

    // TASK 4.2 BEGIN: what to write (kept in the copy, with the equation and shapes)
    ...the reference solution...
    // TASK 4.2 STUB
    // task_not_done("4.2", "implement gaussian_kl in nn/losses.cpp");
    // TASK 4.2 END

becomes its stub: the BEGIN and END lines stay, the solution goes, the STUB lines lose their
leading "// ". The files are those git tracks (or every file, outside a git checkout), minus
build folders; --no-hidden also leaves out coursework/tests/hidden/. --solved 0.1,4.2 keeps
those tasks' solutions (used to prepare test submissions). Any malformed region — a BEGIN
without its STUB and END, a second BEGIN inside one, an id used twice — stops the copy.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

SOURCE_DIRS = ("autograd", "nn", "models", "datasets", "tutorials", "tools")
MARK = re.compile(r"^(\s*)// TASK (\d+\.\d+) (BEGIN|STUB|END)\b")
SKIP_DIRS = {".git", "out"}


def tracked_files(repo):
    try:
        out = subprocess.run(["git", "-C", repo, "ls-files", "-z", "--cached", "--others", "--exclude-standard"], check=True, capture_output=True).stdout
        return [f for f in out.decode().split("\0") if f and os.path.exists(os.path.join(repo, f))]
    except (subprocess.CalledProcessError, FileNotFoundError):
        files = []
        for root, dirs, names in os.walk(repo):
            dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.startswith("build")]
            files += [os.path.relpath(os.path.join(root, n), repo) for n in names]
        return files


def stub_regions(path, text, solved):
    """Returns (new text, ids of the regions found). Raises ValueError on a malformed region."""
    out, ids = [], []
    state, current = "outside", None
    for n, line in enumerate(text.splitlines(keepends=True), 1):
        m = MARK.match(line)
        where = f"{path}:{n}"
        if m:
            indent, tid, kind = m.groups()
            if kind == "BEGIN":
                if state != "outside":
                    raise ValueError(f"{where}: TASK {tid} BEGIN inside task {current}'s region")
                if tid in ids:
                    raise ValueError(f"{where}: task {tid} has a second region in this file")
                state, current = "solution", tid
                ids.append(tid)
                out.append(line)
            elif kind == "STUB":
                if state != "solution" or tid != current:
                    raise ValueError(f"{where}: TASK {tid} STUB without its BEGIN")
                state = "stub"
            else:
                if state != "stub" or tid != current:
                    raise ValueError(f"{where}: TASK {tid} END without its BEGIN and STUB")
                state, current = "outside", None
                out.append(line)
            continue
        if state == "outside":
            out.append(line)
        elif state == "solution":
            if current in solved:
                out.append(line)
        else:  # the stub, uncommented (unless the task stays solved)
            if current not in solved:
                s = re.match(r"^(\s*)// ?(.*)$", line.rstrip("\n"))
                if not s:
                    raise ValueError(f"{where}: stub line of task {current} is not a // comment")
                out.append(s.group(1) + s.group(2) + "\n")
    if state != "outside":
        raise ValueError(f"{path}: task {current}'s region has no END")
    return "".join(out), ids


def copy_tree(repo, dest, solved=frozenset(), no_hidden=False, keep_mtimes=False):
    """Writes the copy into dest; returns {task id: file} of the regions found.

    Only files whose content changes are written, so an existing copy is updated in place.
    With keep_mtimes, a new file that comes out identical to the repository's gets the
    repository's modification time: a copy of the repository's build/ then stays valid for
    it and make rebuilds only what differs (coursework/trees.py). A file rewritten in an
    existing copy always gets a new time, so its stale object is rebuilt."""
    found = {}
    for rel in sorted(tracked_files(repo)):
        if no_hidden and rel.startswith("coursework/tests/hidden/"):
            continue
        src = os.path.join(repo, rel)
        data = open(src, "rb").read()
        if rel.split("/")[0] in SOURCE_DIRS and rel.endswith((".cpp", ".h")):
            try:
                text, ids = stub_regions(rel, data.decode("utf-8"), solved)
            except ValueError as e:
                sys.exit(f"student-copy: {e}")
            for t in ids:
                if t in found:
                    sys.exit(f"student-copy: task {t} has regions in {found[t]} and {rel}; one region per task")
                found[t] = rel
            data = text.encode("utf-8")
        if dest is None:
            continue
        out = os.path.join(dest, rel)
        existed = os.path.exists(out)
        if existed and open(out, "rb").read() == data:
            continue
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with open(out, "wb") as f:
            f.write(data)
        shutil.copymode(src, out)
        if keep_mtimes and not existed and data == open(src, "rb").read():
            st = os.stat(src)
            os.utime(out, ns=(st.st_atime_ns, st.st_mtime_ns))
    return found


def by_id(ids):
    return sorted(ids, key=lambda s: tuple(map(int, s.split("."))))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dest")
    ap.add_argument("--repo", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap.add_argument("--no-hidden", action="store_true", help="leave out coursework/tests/hidden/")
    ap.add_argument("--solved", default="", help="comma list of task ids whose solution stays")
    ap.add_argument("--list", action="store_true", help="only print the task ids of the regions and their files")
    a = ap.parse_args()
    solved = frozenset(t for t in a.solved.split(",") if t)
    repo = os.path.abspath(a.repo)
    if a.list:
        for t, f in sorted(copy_tree(repo, None).items(), key=lambda kv: by_id([kv[0]])):
            print(t, f)
        return
    if not a.dest:
        sys.exit("student-copy: say where, with --dest DIR (make student-copy DEST=DIR)")
    dest = os.path.abspath(a.dest)
    if os.path.exists(dest) and os.listdir(dest):
        sys.exit(f"student-copy: {dest} exists and is not empty; choose a new folder")
    found = copy_tree(repo, dest, solved, a.no_hidden)
    stubbed = by_id(set(found) - solved)
    print(f"student-copy: wrote {dest}: {len(stubbed)} tasks stubbed ({' '.join(stubbed)})"
          + ("" if not solved else f", solutions kept for {' '.join(by_id(solved))}")
          + (", hidden checks left out" if a.no_hidden else ""))


if __name__ == "__main__":
    main()
