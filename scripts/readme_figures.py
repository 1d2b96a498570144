#!/usr/bin/python3
"""readme_figures.py — `make readme-figures`: are the figures the READMEs quote still what
the current build prints?

A README marks every block of quoted output and every table of figures with an HTML
comment directly above it (invisible when the Markdown is rendered):

    <!-- figures: output of `./build/tutorials/01-what-is-an-autoencoder --threads 2` -->
    ```
    ...the program's output, as printed...
    ```

    <!-- figures: table t3-seeds -->
    | classifier | seed 42 | seed 1 | seed 2 |
    ...

    <!-- figures (full run): output of `./build/tutorials/02-... --epochs 20` -->
    <!-- figures (full run): table t2-full-recipe -->
    <!-- figures (not rerun): what they are and where they come from -->

An output block is compared line by line with the program's standard output (progress
bars go to stderr and are not part of it). A line holding only "..." stands for any
number of printed lines, so a block may quote an excerpt. Every number must be the one
printed, except timings (a number directly followed by "s", such as "1.7s"), which vary
with the machine's load and are not checked at all. A table's figures are computed from
the outputs of the commands listed for it in TABLES below; cells a table spec does not
produce (a PyTorch column, say) are left alone.

"full run" marks figures from runs too long to repeat every time (more epochs, other
seeds, exercise runs): they are checked only with --full. "not rerun" marks figures no
command here reproduces (benchmark timings, PyTorch peers): the script only lists them.

Usage (from the repository root, after the tutorials are built):
    scripts/readme_figures.py            check default-run figures, exit 1 on any mismatch
    scripts/readme_figures.py --full     also the full-run figures (several minutes)
    scripts/readme_figures.py --write    rewrite the quoted figures from what the build prints
    scripts/readme_figures.py --only 05  only READMEs (or table ids) whose name contains "05"
    scripts/readme_figures.py --cache DIR   keep the outputs in DIR and reuse them next time
                                         (for editing a README; a real check runs without it)

Outputs of the runs land in out/ as with `make tutorial-N`; tutorial 3 reads tutorial 1's
checkpoint from there, so READMEs are processed in order (tutorial 1 first).
"""
import argparse
import hashlib
import re
import shlex
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READMES = sorted(ROOT.glob("tutorials/[0-9][0-9]-*/README.md")) + [ROOT / "README.md"]
BIN = "./build/tutorials/"
T0, T1, T2, T3, T4, T5, T6 = (BIN + n for n in (
    "00-autograd", "01-what-is-an-autoencoder", "02-dimension-reduction-and-clustering",
    "03-transfer-learning", "04-variational-autoencoder", "05-conditional-vae",
    "06-convolutional-autoencoders"))
# The default runs, exactly as the tutorial READMEs' "expected output" blocks name them.
# --threads 2 only makes the printed "threads: 2" line the same on every machine: the
# figures themselves do not depend on the thread count.
DEFAULT = {t: f"{t} --threads 2" for t in (T0, T1, T2, T3, T4, T5, T6)}

MARKER = re.compile(r"^\s*<!-- figures(?: \((?P<kind>full run|not rerun)\))?: "
                    r"(?:output of `(?P<cmd>[^`]+)`|table (?P<table>[\w-]+)|(?P<note>.*?)) -->\s*$")
NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?")
TIMING = re.compile(r"[-+]?\d+(?:\.\d+)?s\b")


# ---- running the programs (each command once per invocation) --------------------------
_outputs = {}
CACHE = None  # --cache DIR: outputs kept from an earlier invocation (for editing READMEs only)


def run(cmd):
    if cmd not in _outputs:
        saved = CACHE / (hashlib.sha1(cmd.encode()).hexdigest()[:16] + ".txt") if CACHE else None
        if saved and saved.exists():
            print(f"  reusing {saved} for {cmd}", file=sys.stderr, flush=True)
            _outputs[cmd] = saved.read_text().splitlines()
            return _outputs[cmd]
        print(f"  running {cmd}", file=sys.stderr, flush=True)
        r = subprocess.run(shlex.split(cmd), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            sys.exit(f"readme-figures: `{cmd}` exited with {r.returncode}:\n{r.stderr[-2000:]}")
        _outputs[cmd] = r.stdout.splitlines()
        if saved:
            saved.write_text(r.stdout)
    return _outputs[cmd]


def grab(lines, pattern, group=1):
    """The first match of `pattern` in the output lines (fails loudly if none)."""
    for line in lines:
        m = re.search(pattern, line)
        if m:
            return m.group(group)
    sys.exit(f"readme-figures: no line matching {pattern!r} in the output")


def row_of(lines, label):
    """The whitespace-separated fields after `label` at the start of a line."""
    for line in lines:
        if line.startswith(label):
            return line[len(label):].split()
    sys.exit(f"readme-figures: no output line starting with {label!r}")


def method_row(lines, method, dims):
    """Tutorial 2's summary row of `method` at `dims`: [dims, ACC, NMI, ACC cosine, NMI cosine]."""
    rows = [l.split()[-5:] for l in lines if re.match(rf"^{method}\s+{dims}\s+\d", l)]
    if not rows:
        sys.exit(f"readme-figures: no summary row for {method} at {dims} dimensions in the output")
    return rows[-1]


def last_epoch(lines):
    return [l.split() for l in lines if re.match(r"^\s*\d+\s+\d", l)][-1]


# ---- the tables: which commands, and the figures each cell quotes -----------------------
def t2_full_recipe():
    out = run(f"{T2} --threads 2 --epochs 20")
    cells = {}
    for line in out:
        m = re.match(r"^(raw pixels|PCA|autoencoder)\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)$", line)
        if m:
            cells[(m[1], m[2])] = {2: m[3], 3: m[4], 4: m[5], 5: m[6]}
    return cells


def t2_seeds():
    rows = {"autoencoder, K-Means": ("autoencoder", 10, 0), "autoencoder, K-Means on directions": ("autoencoder", 10, 2),
            "raw pixels, K-Means": ("raw pixels", 784, 0), "raw pixels, on directions": ("raw pixels", 784, 2),
            "PCA(10), K-Means": ("PCA", 10, 0), "PCA(10), on directions": ("PCA", 10, 2)}
    cells = {r: {} for r in rows}
    for col, seed in ((1, 42), (2, 1), (3, 2)):
        out = run(f"{T2} --threads 2 --epochs 20" + ("" if seed == 42 else f" --seed {seed}"))
        for r, (method, dims, at) in rows.items():
            f = method_row(out, method, dims)[1:]
            cells[r][col] = f"{f[at]} / {f[at + 1]}"
    return cells


T2_DEEP_ROWS = ["K-Means on raw pixels", "autoencoder + K-Means", "autoencoder + GMM (full covariance)",
                "autoencoder + UMAP + K-Means", "autoencoder + UMAP + GMM (N2D)", "DEC"]


# A row of the --deep-clustering summary table: method, ACC, NMI, time, and with
# --dc-all-images the test images' own "ACC / NMI".
T2_SUMMARY_ROW = re.compile(r"^(.+?)\s+(\d\.\d{3})\s+(\d\.\d{3})\s+[\d.]+s\s+(?:(\d\.\d{3}) / (\d\.\d{3})\s)?")


def t2_summary_rows(cmd):
    """Each row of a --deep-clustering summary table by method ("DEC (N steps…)" as "DEC"):
    (ACC, NMI, test ACC, test NMI) as printed, the test pair None without --dc-all-images."""
    found = {}
    for line in run(cmd):
        m = T2_SUMMARY_ROW.match(line)
        if m:
            found["DEC" if m[1].startswith("DEC (") else m[1]] = m.groups()[1:]
    return found


def t2_deep_cells(cmd_of_seed, with_test=False, rows=T2_DEEP_ROWS):
    """--deep-clustering, seeds 42, 1, 2: ACC / NMI of each row of its summary table, and with
    --dc-all-images the test images' own ACC / NMI after them."""
    cells = {(r,): {} for r in rows}
    for col, seed in ((1, 42), (2, 1), (3, 2)):
        for name, (acc, nmi, test_acc, test_nmi) in t2_summary_rows(cmd_of_seed(seed)).items():
            if (name,) in cells:
                cells[(name,)][col] = f"{acc} / {nmi}" + (f" (test {test_acc} / {test_nmi})" if with_test else "")
    return cells


def t2_deep_seeds():
    """The 10 000-test-image recipe (the flag's defaults, 20 epochs)."""
    return t2_deep_cells(lambda seed: f"{T2} --threads 1 --deep-clustering --epochs 20 --seed {seed} --out out/02-deep-s{seed}")


def t2_70k(seed, extra="", tag=""):
    """The 70 000-image recipe's command for one seed; `extra` flags, `tag` in its output directory."""
    return (f"{T2} --deep-clustering --dc-all-images --dc-batch 256 --epochs 30 --pixel-restarts 4 --gmm-vote 20 "
            f"--threads 2{extra} --seed {seed} --out out/02-deep70k{tag}-s{seed}")


def t2_deep_seeds_70k():
    """The 70 000-image recipe: autoencoder and clusters on train + test."""
    return t2_deep_cells(t2_70k, with_test=True,
                         rows=T2_DEEP_ROWS[:5] + ["autoencoder + UMAP + vote of 20 GMMs"] + T2_DEEP_ROWS[5:])


def t2_seed_means(cmd_of_seed, seeds, rows, earlier_seeds=()):
    """One column per seed (ACC / NMI as printed), then their mean; with earlier_seeds also the
    mean over those and these together (means of the printed three-decimal figures)."""
    printed = {}
    for seed in (*earlier_seeds, *seeds):
        printed[seed] = t2_summary_rows(cmd_of_seed(seed))
        for r in rows:
            if r not in printed[seed]:
                sys.exit(f"readme-figures: no row {r!r} in the output of `{cmd_of_seed(seed)}`")
    mean = lambda vals: f"{sum(map(float, vals)) / len(vals):.3f}"
    groups = [seeds] + ([(*earlier_seeds, *seeds)] if earlier_seeds else [])
    cells = {}
    for r in rows:
        cells[(r,)] = {col: " / ".join(printed[seed][r][:2]) for col, seed in enumerate(seeds, 1)}
        for col, group in enumerate(groups, len(seeds) + 1):
            cells[(r,)][col] = " / ".join(mean([printed[s][r][f] for s in group]) for f in (0, 1))
    return cells


T2_K50_ROWS = ["autoencoder + UMAP + K-Means", "autoencoder + UMAP + GMM (N2D)", "autoencoder + UMAP + vote of 20 GMMs"]
t2_k50 = lambda seed: t2_70k(seed, " --umap-neighbours 50", "-k50")


def t2_deep_k50():
    """The 70 000-image recipe with UMAP's k = 50, on the seeds every variant was tried on."""
    return t2_seed_means(t2_k50, (42, 1, 2), T2_K50_ROWS)


def t2_deep_k50_fresh():
    """The same on three seeds no variant was tried on, and the mean over all six."""
    return t2_seed_means(t2_k50, (3, 4, 5), ["autoencoder + GMM (full covariance)"] + T2_K50_ROWS, (42, 1, 2))


def t3_rows(cmd):
    out = run(cmd)
    names = ["frozen encoder + linear head", "frozen encoder + MLP-128 head", "same network from scratch",
             "pretrained encoder, fine-tuned", "ceiling: all"]
    return [row_of(out, n)[-1] for n in names]  # as printed (4 decimals): no re-rounding


def t3_seeds():
    labels = ["frozen + linear head", "frozen + MLP-128 head", "from scratch", "fine-tuned", "ceiling (60 000 labels)"]
    cells = {(l,): {} for l in labels}
    for col, cmd in ((1, DEFAULT[T3]), (2, f"{T3} --threads 2 --seed 1"), (3, f"{T3} --threads 2 --seed 2")):
        for l, acc in zip(labels, t3_rows(cmd)):
            cells[(l,)][col] = acc
    return cells


def t4_final(cmd):
    return grab(run(cmd), r"final test loss ([\d.]+) nats")


def t4_seeds():
    ours = {s: t4_final(DEFAULT[T4] + ("" if s == 42 else f" --seed {s}")) for s in (1, 2, 42)}
    cells = {(str(s),): {2: v} for s, v in ours.items()}
    cells[("mean",)] = {2: f"{statistics.mean(float(v) for v in ours.values()):.2f}"}
    return cells


def t4_beta20():
    cells = {}
    for label, flags, out_dir in (("`--beta 20`", "--beta 20 --epochs 5", "beta20"),
                                  ("`--beta 20 --warmup 4`", "--beta 20 --warmup 4 --epochs 5", "beta20-warmup")):
        out = run(f"{T4} --threads 2 {flags} --out out/04-variational-autoencoder-{out_dir}")
        last = last_epoch(out)
        active = grab(out, r"active dimensions \(KL > 0.1 nats\): (\d+ of \d+)")
        cells[(label,)] = {1: last[4], 2: active, 3: last[5]}
    return cells


T5_TAUS = ["1.0", "0.8", "0.7", "0.6", "0.5", "0.4", "0.3", "0"]


def t5_control(cmd):
    """(overall share at τ = 1, overall share at the run's --temperature, that run's lines)."""
    out = run(cmd)
    overall = row_of(out, "overall")
    return overall[1], overall[2], out


def t5_tau():
    run(DEFAULT[T5])  # the trained model the --resume runs below read back
    cells = {("classified as requested",): {}, ("Pullover only",): {}}
    for col, tau in enumerate(T5_TAUS, start=1):
        cmd = DEFAULT[T5] if tau == "0.5" else f"{DEFAULT[T5]} --resume --temperature {tau}"
        plain, tuned, out = t5_control(cmd)
        cells[("classified as requested",)][col] = plain if tau == "1.0" else tuned
        cells[("Pullover only",)][col] = row_of(out, "Pullover")[1 if tau == "1.0" else 2]
    return cells


def t5_recipes():
    cells = {}
    for label, flags, out_dir in (("Z = 20, β = 1 (default)", "", None),
                                  ("Z = 20, β = 2", "--beta 2", "out/05-conditional-vae-beta2"),
                                  ("Z = 5, β = 1", "--latent 5", "out/05-conditional-vae-z5")):
        base = DEFAULT[T5] + (f" {flags} --out {out_dir}" if out_dir else "")
        plain, tau05, out = t5_control(base)
        _, tau07, _ = t5_control(f"{base} --resume --temperature 0.7")
        last = last_epoch(out)
        cells[(label,)] = {1: grab(out, r"final test loss ([\d.]+) nats"), 2: last[3], 3: plain, 4: tau07, 5: tau05}
    return cells


def readme_tutorials():
    o0, o1, o2, o3 = (run(DEFAULT[t]) for t in (T0, T1, T2, T3))
    o4, o5, o6 = run(DEFAULT[T4]), run(DEFAULT[T5]), run(DEFAULT[T6])
    final4, active4 = grab(o4, r"final test loss ([\d.]+)"), grab(o4, r"active dimensions .*: (\d+ of \d+)")
    final1, final5 = grab(o1, r"final test MSE ([\d.]+)"), grab(o5, r"final test loss ([\d.]+)")
    steps = {l.split()[0]: l.split() for l in o0 if re.match(r"^\s+\d+\s+[\d.]+\s+[\d.]+$", l)}
    ae10, raw, pca10 = (method_row(o2, m, d) for m, d in (("autoencoder", 10), ("raw pixels", 784), ("PCA", 10)))
    t3 = t3_rows(DEFAULT[T3])
    ov5 = row_of(o5, "overall")
    t6 = {m: row_of(o6, m) for m in ("MLP AE (t1)", "conv AE ", "MLP VAE (t4)", "conv VAE ", "MLP CVAE (t5)", "conv CVAE ")}
    return {
        ("0",): {3: f"loss {steps['1'][1]} → {steps['300'][1]}, accuracy {steps['300'][2]} in 300 steps"},
        ("1",): {3: f"test MSE {final1} per pixel after 5 epochs"},
        ("2",): {3: f"3 epochs per Z, Z = 10, ACC / NMI: K-Means on directions {ae10[3]} / {ae10[4]}, plain "
                    f"K-Means {ae10[1]} / {ae10[2]}; raw pixels {raw[1]} / {raw[2]}, PCA(10) {pca10[1]} / {pca10[2]}"},
        ("3",): {3: "test accuracy, frozen + linear / frozen + MLP / scratch / fine-tuned: "
                    + " / ".join(t3[:4]) + f"; ceiling (60 000 labels) {t3[4]}"},
        ("4",): {3: f"test {final4} nats/image after 10 epochs; {active4} latent dimensions active"},
        ("5",): {3: f"test {final5} nats/image; samples classified as requested "
                    f"{ov5[1]} at τ = 1, {ov5[2]} at τ = 0.5 (judge accuracy {ov5[0]})"},
        ("6",): {3: f"6 000 images, 2 epochs each, conv / MLP: AE test MSE {t6['conv AE '][1]} / {t6['MLP AE (t1)'][1]}; "
                    f"VAE {t6['conv VAE '][2]} / {t6['MLP VAE (t4)'][2]} nats/image; CVAE samples classified as "
                    f"requested at τ = 1 {t6['conv CVAE '][5]} / {t6['MLP CVAE (t5)'][5]}"},
    }


# id: (number of leading cells that name a row, function giving {row key: {column: text}})
TABLES = {
    "t2-full-recipe": (2, t2_full_recipe),
    "t2-seeds": (1, t2_seeds),
    "t2-deep-seeds": (1, t2_deep_seeds),
    "t2-deep-seeds-70k": (1, t2_deep_seeds_70k),
    "t2-deep-k50": (1, t2_deep_k50),
    "t2-deep-k50-fresh": (1, t2_deep_k50_fresh),
    "t3-seeds": (1, t3_seeds),
    "t4-seeds": (1, t4_seeds),
    "t4-beta20": (1, t4_beta20),
    "t5-tau": (1, t5_tau),
    "t5-recipes": (1, t5_recipes),
    "readme-tutorials": (1, readme_tutorials),
}


# ---- comparing ---------------------------------------------------------------------------
def figures(line):
    """The numbers of a line that must match (timings left out)."""
    return NUMBER.findall(TIMING.sub(" ", line))


def skeleton(line):
    return " ".join(NUMBER.sub("#", TIMING.sub("#s", line)).split())


def key(line):
    """What identifies a line when lining a quote up with the output: its text without the
    numbers, plus its first number if it starts with one (an epoch or a step counter)."""
    m = re.match(r"^\s*(\d+)\b", line)
    return skeleton(line) + ("@" + m.group(1) if m else "")


def align(quoted, produced):
    """Maps each quoted line (index) to a produced line (index) or None. Segments between
    "..." lines are matched as consecutive runs, each after the previous one."""
    segments, cur = [], []
    for i, q in enumerate(quoted):
        if q.strip() == "...":
            segments.append(cur)
            cur = []
        else:
            cur.append(i)
    segments.append(cur)
    mapping, start = {}, 0
    for seg in segments:
        if not seg:
            continue
        best, best_score = None, -1
        for p in range(start, len(produced) - len(seg) + 1):  # the first full match, else the best
            score = sum(key(quoted[q]) == key(produced[p + k]) for k, q in enumerate(seg))
            if score > best_score:
                best, best_score = p, score
            if score == len(seg):
                break
        if best is None:
            for q in seg:
                mapping[q] = None
            continue
        for k, q in enumerate(seg):
            mapping[q] = best + k
        start = best + len(seg)
    return mapping


def check_block(readme, first_line, quoted, produced, problems):
    """Returns the block rewritten from the output (for --write); appends problems."""
    mapping = align(quoted, produced)
    rewritten = []
    for i, q in enumerate(quoted):
        if q.strip() == "...":
            rewritten.append(q)
            continue
        p = mapping.get(i)
        where = f"{readme.relative_to(ROOT)}:{first_line + i}"
        if p is not None and skeleton(q) == skeleton(produced[p]) and figures(q) == figures(produced[p]):
            rewritten.append(q)  # as quoted: its figures are the printed ones
            continue
        if p is None or skeleton(q) != skeleton(produced[p]):
            problems.append(f"{where}: quoted line is not printed any more\n    quoted:   {q.strip()}\n"
                            f"    produced: {produced[p].strip() if p is not None else '(nothing)'}")
        elif figures(q) != figures(produced[p]):
            diffs = [f"{a} -> {b}" for a, b in zip(figures(q), figures(produced[p])) if a != b]
            problems.append(f"{where}: quoted {', '.join(diffs)} (quoted -> produced)\n"
                            f"    quoted:   {q.strip()}\n    produced: {produced[p].strip()}")
        rewritten.append(keep_timings(q, produced[p]) if p is not None else q)
    return rewritten


def keep_timings(quoted, produced):
    """The produced line with the quoted line's timings: a rewrite must not swap a time
    measured on an idle machine for one from a loaded machine."""
    times = iter(TIMING.findall(quoted))
    if len(TIMING.findall(quoted)) != len(TIMING.findall(produced)):
        return produced
    return TIMING.sub(lambda m: next(times).rjust(len(m.group(0))), produced)


def split_row(line):
    return [c.strip() for c in line.strip().strip("|").split("|")]


def check_table(readme, first_line, rows, table_id, problems):
    nkey, make = TABLES[table_id]
    want = make()
    found = set()
    out = []
    for i, line in enumerate(rows):
        cells = split_row(line)
        k = tuple(c.replace("**", "") for c in cells[:nkey])
        if i < 2 or k not in want:  # header, the |---| line, or a row the spec does not produce
            out.append(line)
            continue
        found.add(k)
        for col, text in want[k].items():
            bold = cells[col].startswith("**")
            quoted = cells[col].replace("**", "")
            if quoted != text:
                problems.append(f"{readme.relative_to(ROOT)}:{first_line + i}: table {table_id}, row "
                                f"'{' / '.join(k)}', column {col}: quoted {quoted!r}, produced {text!r}")
                cells[col] = f"**{text}**" if bold else text
        out.append("| " + " | ".join(cells) + " |")
    for k in want:
        if k not in found:
            problems.append(f"{readme.relative_to(ROOT)}:{first_line}: table {table_id} has no row '{' / '.join(k)}'")
    return out


def process(readme, args, problems, notes):
    original = readme.read_text()
    lines = original.split("\n")
    i = 0
    while i < len(lines):
        m = MARKER.match(lines[i])
        if not m:
            if lines[i].lstrip().startswith("<!-- figures"):
                problems.append(f"{readme.relative_to(ROOT)}:{i + 1}: marker not understood: {lines[i]}")
            i += 1
            continue
        kind = m.group("kind")
        label = m.group("cmd") or m.group("table") or m.group("note")
        if kind == "not rerun":
            notes.append(f"{readme.relative_to(ROOT)}:{i + 1}: not rerun: {label}")
            i += 1
            continue
        selected = (not args.only or args.only in str(readme.relative_to(ROOT)) or args.only in label)
        if (kind == "full run" and not args.full) or not selected:
            i += 1
            continue
        if m.group("cmd"):
            if not lines[i + 1].startswith("```"):
                problems.append(f"{readme.relative_to(ROOT)}:{i + 1}: an output marker must sit right above a ``` block")
                i += 1
                continue
            end = next(j for j in range(i + 2, len(lines)) if lines[j].startswith("```"))
            new = check_block(readme, i + 3, lines[i + 2:end], run(m.group("cmd")), problems)
        else:
            if m.group("table") not in TABLES:
                problems.append(f"{readme.relative_to(ROOT)}:{i + 1}: no table spec {m.group('table')!r} in {__file__}")
                i += 1
                continue
            if not lines[i + 1].lstrip().startswith("|"):
                problems.append(f"{readme.relative_to(ROOT)}:{i + 1}: a table marker must sit right above its table")
                i += 1
                continue
            end = i + 1
            while end < len(lines) and lines[end].lstrip().startswith("|"):
                end += 1
            new = check_table(readme, i + 2, lines[i + 1:end], m.group("table"), problems)
        start = i + 2 if m.group("cmd") else i + 1
        lines[start:end] = new
        i = start + len(new)
    if args.write and "\n".join(lines) != original:
        readme.write_text("\n".join(lines))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--full", action="store_true", help="also check the figures of the long full-recipe runs")
    ap.add_argument("--write", action="store_true", help="rewrite the quoted figures from what the build prints")
    ap.add_argument("--only", default="", help="only READMEs or table ids whose name contains this")
    ap.add_argument("--cache", type=Path, help="keep each run's output in this directory and reuse it next time "
                    "(while editing a README: reused outputs are not rerun, so they can be stale)")
    args = ap.parse_args()
    global CACHE
    if args.cache:
        args.cache.mkdir(parents=True, exist_ok=True)
        CACHE = args.cache
    missing = [t for t in DEFAULT if not (ROOT / t).exists()]
    if missing:
        sys.exit(f"readme-figures: not built: {', '.join(missing)} (run `make tutorials` first)")
    problems, notes = [], []
    for readme in READMES:
        process(readme, args, problems, notes)
    print(f"readme-figures: {len(_outputs)} runs, {len(notes)} marked figure sets not rerun"
          + ("" if args.full else " (full-run figures skipped: --full checks them)"))
    if problems:
        print(("rewrote" if args.write else "FAILED:") + f" {len(problems)} quoted figure(s) differ from what the "
              "current build prints:\n" + "\n".join(problems), file=sys.stderr if not args.write else sys.stdout)
        return 0 if args.write else 1
    print("readme-figures: every checked figure is what the current build prints")
    return 0


if __name__ == "__main__":
    sys.exit(main())
