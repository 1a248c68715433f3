#!/usr/bin/env bash
# Benchmark the public election record at 600 000 ballots, and recount its exported BLT with
# an independent implementation (the Python package stvpoll) in the same run.
#
#   bench/record.sh         (from anywhere; about 3 minutes on 2 cores, after the builds)
#
# Builds scrutin and the example record_bench (release), writes bench-data/nec600k.blt if
# missing, installs GNU time, hyperfine and stvpoll if missing, then
#   * runs crates/scrutin-record/examples/record_bench.rs RECORD_RUNS times (default 3): the
#     600k papers of the file become box entries, are counted (scottish-stv, lot seeded from
#     the box's head), written as a signed record and its tar, and verified; the example
#     times each phase itself (std::time::Instant) and GNU time measures the process's peak
#     RSS;
#   * times `scrutin verify` (release CLI) on the last run's record.tar and directory with
#     hyperfine (VERIFY_RUNS, default 3), and measures each one's peak RSS (one more run);
#   * the peer: stvpoll (bench/stvpoll_count.py) recounting the record's exports/clp.blt
#     (STVPOLL_RUNS, default 3, and one run for peak RSS), and checks that it elects the nine
#     the manifest declares; beside it `scrutin count` on the same export;
# and writes bench/results/record.md, which is also the only thing printed on stdout (progress
# and hyperfine's output go to stderr). Records and raw outputs go to bench-data/record/
# (git-ignored; about 330 MB per run, the old ones removed first). Run it on an idle machine:
# other work inflates the times, and the load average before and after is in the results.
#
# Environment: PYTHON (default python3), GEN (the ballot generator), RECORD_RUNS, VERIFY_RUNS,
# STVPOLL_RUNS.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON=${PYTHON:-python3}
GEN=${GEN:-/work/shared/tools/gen-ballots.py}
RECORD_RUNS=${RECORD_RUNS:-3}
VERIFY_RUNS=${VERIFY_RUNS:-3}
STVPOLL_RUNS=${STVPOLL_RUNS:-3}
BIG=bench-data/nec600k.blt
WORK=bench-data/record
OUT=bench/results/record.md
SCRUTIN=target/release/scrutin
EXAMPLE=target/release/examples/record_bench

SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO=sudo
APT_UPDATED=""
apt_install() {
    [[ -n $APT_UPDATED ]] || { $SUDO apt-get update >&2; APT_UPDATED=1; }
    $SUDO apt-get install -y "$@" >&2
}
[[ -x /usr/bin/time ]] || { echo "== installing GNU time" >&2; apt_install time; }
command -v hyperfine > /dev/null || { echo "== installing hyperfine" >&2; apt_install hyperfine; }
if ! "$PYTHON" -c 'import stvpoll' 2> /dev/null; then
    echo "== installing stvpoll" >&2
    "$PYTHON" -m pip install stvpoll >&2
fi

echo "== build" >&2
cargo build --release -p scrutin >&2
cargo build --release -p scrutin-record --example record_bench >&2

mkdir -p bench-data bench/results
if [[ ! -s $BIG ]]; then
    echo "== generating $BIG" >&2
    "$PYTHON" "$GEN" --ballots 600000 --candidates 20 --seats 9 --seed 1 > "$BIG.tmp"
    mv "$BIG.tmp" "$BIG"
fi
rm -rf "$WORK"
mkdir -p "$WORK"

# The load when the measurements begin (after the builds, whose own load decays over minutes).
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

# Runs a command under GNU time -v: stdout to $1, time's report to $2; fails if it fails.
timed() {
    local out=$1 rep=$2
    shift 2
    if ! /usr/bin/time -v "$@" > "$out" 2> "$rep"; then
        echo "failed: $* (see $out and $rep)" >&2
        tail -5 "$rep" >&2
        exit 1
    fi
}

for ((i = 1; i <= RECORD_RUNS; i++)); do
    echo "== record_bench, run $i of $RECORD_RUNS" >&2
    timed "$WORK/run-$i.out" "$WORK/run-$i.time" "$EXAMPLE" "$BIG" "$WORK/run-$i"
    cat "$WORK/run-$i.out" >&2
    # Keep only the last run's record on disk.
    if ((i > 1)); then rm -rf "$WORK/run-$((i - 1))"; fi
done
LAST=$WORK/run-$RECORD_RUNS
KEY=$(cat "$LAST/public-key.txt")
HEAD=$(cat "$LAST/head.txt")
EXPORT=$LAST/record/exports/clp.blt
# bench/stvpoll_count.py reads no `[…]` option lines: the export's `[tie …]` line (the lot's
# order, which stvpoll would not honour anyway) is left out of its copy.
PEER_BLT=$WORK/clp-for-stvpoll.blt
grep -v '^\[' "$EXPORT" > "$PEER_BLT"

VERIFY_TAR="$SCRUTIN verify $LAST/record.tar --public-key $KEY --head $HEAD"
VERIFY_DIR="$SCRUTIN verify $LAST/record --public-key $KEY --head $HEAD"
echo "== scrutin verify" >&2
hyperfine --runs "$VERIFY_RUNS" --style basic --export-json "$WORK/verify-tar.json" \
    "$VERIFY_TAR > /dev/null" >&2
timed "$WORK/verify-tar.out" "$WORK/verify-tar.time" $VERIFY_TAR
hyperfine --runs "$VERIFY_RUNS" --style basic --export-json "$WORK/verify-dir.json" \
    "$VERIFY_DIR > /dev/null" >&2
timed "$WORK/verify-dir.out" "$WORK/verify-dir.time" $VERIFY_DIR

COUNT_EXPORT="$SCRUTIN count $EXPORT --method scottish-stv --format json"
echo "== scrutin count of the export" >&2
hyperfine --warmup 1 --runs 10 --style basic --export-json "$WORK/count-export.json" \
    "$COUNT_EXPORT > /dev/null" >&2
timed "$WORK/count-export.out" "$WORK/count-export.time" $COUNT_EXPORT

PEER="$PYTHON bench/stvpoll_count.py $PEER_BLT"
echo "== peer: stvpoll on the export" >&2
hyperfine --runs "$STVPOLL_RUNS" --style basic --export-json "$WORK/stvpoll.json" \
    "$PEER > /dev/null" >&2
timed "$WORK/stvpoll.out" "$WORK/stvpoll.time" $PEER

echo "== report" >&2
export LOAD_START LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
export WORK OUT BIG LAST RECORD_RUNS VERIFY_RUNS STVPOLL_RUNS
export VERIFY_TAR VERIFY_DIR COUNT_EXPORT PEER EXAMPLE
export CPU=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
export NPROC=$(nproc)
export MEM=$(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
export RUSTC=$(rustc --version)
export PYVER=$("$PYTHON" --version 2>&1)
export STVPOLL_VERSION=$("$PYTHON" -c 'from importlib.metadata import version; print(version("stvpoll"))')
export HYPERFINE=$(hyperfine --version)
export SCRUTIN_VERSION=$("$SCRUTIN" --version)
export BIGSIZE=$(du -h "$BIG" | cut -f1)
"$PYTHON" - << 'EOF'
import json, os, re, statistics
from pathlib import Path

e = os.environ
work, last = Path(e["WORK"]), Path(e["LAST"])
runs = int(e["RECORD_RUNS"])


def t(x):
    return f"{x * 1000:.0f} ms" if x < 1 else f"{x:.2f} s"


def size(b):
    return f"{b / 1e6:.1f} MB" if b >= 100_000 else f"{b / 1e3:.1f} kB"


def mib(kib):
    return f"{int(kib) / 1024:.0f} MiB"


def gnu_time(path):
    """(wall seconds, peak RSS KiB) from a GNU time -v report."""
    text = Path(path).read_text()
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1)
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", text).group(1)
    secs = 0.0
    for part in wall.split(":"):
        secs = secs * 60 + float(part)
    return secs, int(rss)


def hf(name):
    r = json.load(open(work / f"{name}.json"))["results"][0]
    return r["mean"], r["stddev"] or 0.0, r["min"], r["max"], len(r["times"])


def commit():
    try:
        head = Path(".git/HEAD").read_text().strip()
        if not head.startswith("ref: "):
            return head[:7]
        ref = head[5:]
        p = Path(".git") / ref
        if p.exists():
            return p.read_text().strip()[:7]
        for line in Path(".git/packed-refs").read_text().splitlines():
            if line.endswith(" " + ref):
                return line[:7]
    except OSError:
        pass
    return "unknown"


# Phases of record_bench: "phase NAME SECONDS s  peak RSS so far X MiB  (what)".
phase_re = re.compile(r"^phase (\S+)\s+([\d.]+) s\s+peak RSS so far\s+(\S+ MiB|-)\s+\((.*)\)$")
phases, hwm, what, order = {}, {}, {}, []
info = {}
for i in range(1, runs + 1):
    for line in (work / f"run-{i}.out").read_text().splitlines():
        m = phase_re.match(line)
        if m:
            name = m.group(1)
            if name not in phases:
                order.append(name)
                phases[name] = []
            phases[name].append(float(m.group(2)))
            hwm[name] = m.group(3)  # the last run's
            what[name] = m.group(4)
        elif line.startswith("size "):
            _, key, value = line.split()
            info["size " + key] = int(value)
        elif line.startswith(("papers ", "head ", "elected ", "total ")):
            key, _, rest = line.partition(" ")
            info[key] = rest
whole = [gnu_time(work / f"run-{i}.time") for i in range(1, runs + 1)]

manifest = json.load(open(last / "record" / "manifest.json"))
contest = manifest["contests"][0]
names = [c["name"] for c in contest["spec"]["candidates"]]
declared = [names.index(n) + 1 for n in contest["elected"]]

peer = json.loads((work / "stvpoll.out").read_text().splitlines()[0])
peer_ids = peer.get("elected_ids", [])
if "error" in peer:
    agree = f"**no: stvpoll failed: {peer['error']}**"
elif peer_ids == declared:
    agree = "**yes**, the same nine in the same order of election"
elif sorted(peer_ids) == sorted(declared):
    agree = f"**yes**, the same nine (stvpoll's order of election: {peer_ids})"
else:
    agree = f"**NO**: stvpoll elects {sorted(peer_ids)}, the record declares {sorted(declared)}"

counted = json.loads((work / "count-export.out").read_text())
count_ids = [counted["candidates"].index(n) + 1 for n in counted["elected"]]
count_agree = "yes" if count_ids == declared else f"NO ({count_ids})"

verified = (work / "verify-tar.out").read_text()

files = []
for root, _, fs in os.walk(last / "record"):
    for f in fs:
        p = Path(root) / f
        files.append((str(p.relative_to(last / "record")), p.stat().st_size))
files.sort(key=lambda x: -x[1])

out = []
w = out.append
w("# Benchmark: the election record at 600,000 ballots\n")
w("Produced by `bench/record.sh`. The record is written and verified by "
  f"`{e['EXAMPLE']}` (crates/scrutin-record/examples/record_bench.rs), which times each phase "
  f"itself (std::time::Instant); {runs} runs, mean (min … max). Its peak RSS column is the "
  "process's high-water mark (`VmHWM`) when the phase ended, in the last run — it only grows, "
  "so a phase that raises it is the one that needed the memory. The other rows are hyperfine "
  "(mean ± sd) and GNU time's \"Maximum resident set size\" of one further run.\n")
w(f"Input: `{e['BIG']}` ({e['BIGSIZE']}): papers {info.get('papers', '?')}; each paper one online "
  "entry of contest `clp` in the box, counted under `scottish-stv` with the lot seeded from "
  "the box's head.\n")
w("| phase | wall time | peak RSS |")
w("|---|---|---|")
for name in order:
    xs = phases[name]
    w(f"| record_bench: **{name}** — {what[name]} | {t(statistics.mean(xs))} "
      f"({t(min(xs))} … {t(max(xs))}) | {hwm[name]} |")
walls = [x for x, _ in whole]
w(f"| **record_bench, whole command** | {t(statistics.mean(walls))} ({t(min(walls))} … "
  f"{t(max(walls))}) | **{mib(max(r for _, r in whole))}** (largest of {runs}) |")
for key, label in [("verify-tar", "`scrutin verify record.tar` (CLI, with key and head)"),
                   ("verify-dir", "`scrutin verify record/` (CLI, the directory)"),
                   ("count-export", "`scrutin count exports/clp.blt` (scrutin recounting the export)"),
                   ("stvpoll", "**peer**: stvpoll recounting `exports/clp.blt`")]:
    mean, sd, lo, hi, n = hf(key)
    _, rss = gnu_time(work / f"{key}.time")
    w(f"| {label} | {t(mean)} ± {t(sd)} ({t(lo)} … {t(hi)}, {n} runs) | {mib(rss)} |")
w("")
w(f"- Does stvpoll elect the nine the record declares (manifest.json `contests[0].elected`)? "
  f"{agree}. Declared: {', '.join(contest['elected'])}.")
w(f"- `scrutin count` on the export elects the declared nine in order: {count_agree}.")
w(f"- `scrutin verify` on the tar: {'passes' if 'verifies' in verified else 'FAILED'} "
  f"(\"{verified.strip().splitlines()[-1]}\").")
w(f"- Record on disk: {size(info['size record-dir'])} in the directory, "
  f"{size(info['size archive'])} as tar. Largest files: "
  + ", ".join(f"`{p}` {size(b)}" for p, b in files[:5]) + ".")
w("- stvpoll is given the export without its `[tie …]` line (bench/stvpoll_count.py reads no "
  "option lines; stvpoll breaks ties in a fixed order of its own), and merges identical "
  "rankings itself; its time includes reading the file.")
w("")
w("## Machine\n")
w(f"- CPU: {e['CPU']}, `nproc` = {e['NPROC']}, memory {e['MEM']}")
w(f"- Load average (1, 5, 15 min): **{e['LOAD_START']}** when the measurements began "
  f"(after the builds), **{e['LOAD_END']}** at the end")
w(f"- {e['RUSTC']}; {e['SCRUTIN_VERSION']}, work tree at commit {commit()} (uncommitted "
  "changes not detected by the script)")
w(f"- {e['PYVER']}; stvpoll {e['STVPOLL_VERSION']}; {e['HYPERFINE']}")
w("")
w("## Commands\n")
w("```")
w("cargo build --release -p scrutin")
w("cargo build --release -p scrutin-record --example record_bench")
w(f"/usr/bin/time -v {e['EXAMPLE']} {e['BIG']} {e['WORK']}/run-N        # N = 1..{runs}")
w("#   (the same as: cargo run --release -p scrutin-record --example record_bench -- "
  f"{e['BIG']} {e['WORK']}/run-N)")
w(f"{e['VERIFY_TAR']}")
w(f"{e['VERIFY_DIR']}")
w(f"{e['COUNT_EXPORT']}")
w(f"grep -v '^\\[' {e['LAST']}/record/exports/clp.blt > {e['WORK']}/clp-for-stvpoll.blt")
w(f"{e['PEER']}")
w("```")
Path(e["OUT"]).write_text("\n".join(out) + "\n")
EOF
cat "$OUT"
