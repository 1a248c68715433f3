#!/usr/bin/env bash
# Benchmark scrutin against the Python package stvpoll (Scottish STV), side by side.
#
#   bench/run.sh            (from the repository root; ~3 minutes on 2 cores)
#
# Builds scrutin (release), writes the 600 000-ballot file bench-data/nec600k.blt if missing,
# installs hyperfine with apt-get if missing, then measures
#   * one count of the 600k-ballot file: scrutin (10 runs after 1 warm-up) and stvpoll
#     (STVPOLL_RUNS runs, default 3), and each one's peak RSS (GNU time, one extra run);
#   * all the Scottish council elections: scrutin one process per file in a shell loop,
#     stvpoll all files in one Python process (bench/stvpoll_count.py);
# and writes bench/results/latest.md, which is also the only thing printed on stdout (progress
# and hyperfine's own output go to stderr). Raw hyperfine exports go to bench-data/hyperfine/
# (git-ignored). Other work on the machine inflates and scatters the times: run it idle.
#
# Environment: PYTHON (default python3, must import stvpoll), SCOT_ELEX (data directory),
# STVPOLL_RUNS, SCRUTIN_RUNS.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON=${PYTHON:-python3}
SCOT_ELEX=${SCOT_ELEX:-/work/shared/data/scot-elex}
GEN=${GEN:-/work/shared/tools/gen-ballots.py}
STVPOLL_RUNS=${STVPOLL_RUNS:-3}
SCRUTIN_RUNS=${SCRUTIN_RUNS:-10}
BIG=bench-data/nec600k.blt
RAW=bench-data/hyperfine
OUT=bench/results/latest.md
SCRUTIN=target/release/scrutin

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
echo "== build" >&2
cargo build --release -p scrutin >&2

mkdir -p bench-data "$RAW" bench/results
if [[ ! -s $BIG ]]; then
    echo "== generating $BIG" >&2
    "$PYTHON" "$GEN" --ballots 600000 --candidates 20 --seats 9 --seed 1 > "$BIG.tmp"
    mv "$BIG.tmp" "$BIG"
fi

if ! command -v hyperfine > /dev/null; then
    echo "== installing hyperfine" >&2
    SUDO=""
    [[ $(id -u) -ne 0 ]] && SUDO=sudo
    { $SUDO apt-get update && $SUDO apt-get install -y hyperfine; } >&2
fi

"$PYTHON" -c 'import stvpoll' || { echo "$PYTHON cannot import stvpoll" >&2; exit 1; }
shopt -s nullglob
FILES=("$SCOT_ELEX"/*.blt)
NFILES=${#FILES[@]}
(( NFILES > 0 )) || { echo "no .blt files in $SCOT_ELEX" >&2; exit 1; }

# Peak resident set size in KiB of one run of a command (GNU time -v), stdout to $2.
peak_rss() {
    local out=$1
    shift
    /usr/bin/time -v "$@" > "$out" 2> "$RAW/time.txt"
    awk -F': ' '/Maximum resident set size/ {print $2}' "$RAW/time.txt"
}

echo "== scrutin, $BIG" >&2
hyperfine --warmup 1 --runs "$SCRUTIN_RUNS" --style basic \
    --export-json "$RAW/scrutin-600k.json" --export-markdown "$RAW/scrutin-600k.md" \
    "$SCRUTIN count $BIG --method scottish-stv --format json > /dev/null" >&2
RSS_SC_BIG=$(peak_rss "$RAW/scrutin-600k.out.json" "$SCRUTIN" count "$BIG" --method scottish-stv --format json)

echo "== stvpoll, $BIG" >&2
hyperfine --runs "$STVPOLL_RUNS" --style basic \
    --export-json "$RAW/stvpoll-600k.json" --export-markdown "$RAW/stvpoll-600k.md" \
    "$PYTHON bench/stvpoll_count.py $BIG > /dev/null" >&2
RSS_SP_BIG=$(peak_rss "$RAW/stvpoll-600k.out.jsonl" "$PYTHON" bench/stvpoll_count.py "$BIG")

echo "== scrutin, $NFILES files, one process each" >&2
hyperfine --warmup 1 --runs "$SCRUTIN_RUNS" --shell=bash --style basic \
    --export-json "$RAW/scrutin-all.json" --export-markdown "$RAW/scrutin-all.md" \
    "for f in $SCOT_ELEX/*.blt; do $SCRUTIN count \"\$f\" --method scottish-stv --format json > /dev/null; done" >&2
RSS_SC_ALL=$(peak_rss /dev/null bash -c "for f in $SCOT_ELEX/*.blt; do $SCRUTIN count \"\$f\" --method scottish-stv --format json > /dev/null; done")

echo "== scrutin, $NFILES files, one process" >&2
hyperfine --warmup 1 --runs "$SCRUTIN_RUNS" --shell=bash --style basic \
    --export-json "$RAW/scrutin-one.json" --export-markdown "$RAW/scrutin-one.md" \
    "$SCRUTIN count $SCOT_ELEX/*.blt --method scottish-stv --format json > /dev/null" >&2
RSS_SC_ONE=$(peak_rss /dev/null "$SCRUTIN" count "${FILES[@]}" --method scottish-stv --format json)

echo "== stvpoll, $NFILES files, one Python process" >&2
hyperfine --runs "$STVPOLL_RUNS" --shell=bash --style basic \
    --export-json "$RAW/stvpoll-all.json" --export-markdown "$RAW/stvpoll-all.md" \
    "$PYTHON bench/stvpoll_count.py $SCOT_ELEX/*.blt > /dev/null" >&2
RSS_SP_ALL=$(peak_rss "$RAW/stvpoll-all.out.jsonl" "$PYTHON" bench/stvpoll_count.py "${FILES[@]}")

echo "== report" >&2
CPU=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
export LOAD_START LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
export CPU NFILES BIG RAW OUT SCOT_ELEX STVPOLL_RUNS SCRUTIN_RUNS
export RSS_SC_BIG RSS_SP_BIG RSS_SC_ALL RSS_SP_ALL RSS_SC_ONE
export NPROC=$(nproc)
export MEM=$(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
export RUSTC=$(rustc --version)
export PYVER=$("$PYTHON" --version 2>&1)
export STVPOLL_VERSION=$("$PYTHON" -c 'from importlib.metadata import version; print(version("stvpoll"))')
export HYPERFINE=$(hyperfine --version)
export SCRUTIN_VERSION=$("$SCRUTIN" --version)
export COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
export DIRTY=$([[ -n $(git status --porcelain 2>/dev/null) ]] && echo " (uncommitted changes)" || true)
export BIGSIZE=$(du -h "$BIG" | cut -f1)
"$PYTHON" - <<'EOF'
import json, os
e = os.environ
raw = e["RAW"]

def stats(name):
    r = json.load(open(f"{raw}/{name}.json"))["results"][0]
    return r["mean"], r["stddev"] or 0.0, r["min"], r["max"], len(r["times"])

def t(x):
    return f"{x * 1000:.1f} ms" if x < 1 else f"{x:.2f} s"

def mib(kib):
    return f"{int(kib) / 1024:.1f} MiB"

# did both elect the same on the 600k file?
sc = json.load(open(f"{raw}/scrutin-600k.out.json"))
names = sc["candidates"]
sc_set = {names.index(n) + 1 for n in sc["elected"]}
sp = json.loads(open(f"{raw}/stvpoll-600k.out.jsonl").read().splitlines()[0])
sp_set = set(sp.get("elected_ids", []))
same_big = "yes" if sc_set == sp_set else f"NO (scrutin {sorted(sc_set)}, stvpoll {sorted(sp_set)})"
sp_all = [json.loads(l) for l in open(f"{raw}/stvpoll-all.out.jsonl")]
sp_err = sum("error" in r for r in sp_all)

n = e["NFILES"]
rows = [
    ("scrutin", f"nec600k: 600 000 ballots, 20 candidates, 9 seats ({e['BIGSIZE']})", "scrutin-600k", e["RSS_SC_BIG"], ""),
    ("stvpoll", "nec600k (same file)", "stvpoll-600k", e["RSS_SP_BIG"], ""),
    ("scrutin", f"{n} Scottish council elections, one process per file", "scrutin-all", e["RSS_SC_ALL"], " (largest process)"),
    ("scrutin", f"{n} Scottish council elections, one process (`scrutin count` given all files)", "scrutin-one", e["RSS_SC_ONE"], ""),
    ("stvpoll", f"{n} Scottish council elections, one Python process", "stvpoll-all", e["RSS_SP_ALL"], ""),
]
out = []
w = out.append
w("# Benchmark: scrutin vs stvpoll (Scottish STV)\n")
w("Produced by `bench/run.sh`. Times are wall-clock from hyperfine (mean ± standard deviation over "
  "the runs shown); peak RSS is GNU time's \"Maximum resident set size\" of one further run.\n")
w("| tool | workload | mean ± sd | min … max | runs | peak RSS |")
w("|---|---|---|---|---|---|")
s = {}
for tool, work, key, rss, note in rows:
    mean, sd, lo, hi, runs = stats(key)
    s[key] = mean
    w(f"| {tool} | {work} | {t(mean)} ± {t(sd)} | {t(lo)} … {t(hi)} | {runs} | {mib(rss)}{note} |")
w("")
w(f"- 600k ballots: scrutin is {s['stvpoll-600k'] / s['scrutin-600k']:.0f}x faster than stvpoll "
  f"and uses {int(e['RSS_SP_BIG']) / int(e['RSS_SC_BIG']):.1f}x less memory; same elected set: {same_big}.")
w(f"- {n} files: scrutin {s['stvpoll-all'] / s['scrutin-all']:.1f}x faster in total "
  f"({s['scrutin-all'] / int(n) * 1000:.2f} ms per file including process start-up; "
  f"stvpoll {s['stvpoll-all'] / int(n) * 1000:.1f} ms per file in one process, {sp_err} file(s) it failed on).")
w(f"- {n} files in one process each way: scrutin {t(s['scrutin-one'])} in total, "
  f"{s['stvpoll-all'] / s['scrutin-one']:.0f}x faster than stvpoll.")
w("- stvpoll is given each file's identical rankings merged into one weighted entry (its dict "
  "ballot form), which it counts exactly as the separate ballots but much faster; the reading, "
  "merging and counting are all inside its times. Its JSON line per file is its whole output; "
  "scrutin's times include writing its full stage-by-stage JSON report.")
w("")
w("## Machine\n")
w(f"- CPU: {e['CPU']}, `nproc` = {e['NPROC']}, memory {e['MEM']}; load average "
  f"{e['LOAD_START']} before the run, {e['LOAD_END']} after")
w(f"- {e['RUSTC']}; {e['SCRUTIN_VERSION']} at commit {e['COMMIT']}{e['DIRTY']}")
w(f"- {e['PYVER']}; stvpoll {e['STVPOLL_VERSION']}; {e['HYPERFINE']}")
w(f"- Data: `{e['SCOT_ELEX']}` ({n} files); `bench-data/nec600k.blt` from "
  "`gen-ballots.py --ballots 600000 --candidates 20 --seats 9 --seed 1`")
w("")
w("## Commands\n")
w("```")
w("target/release/scrutin count bench-data/nec600k.blt --method scottish-stv --format json > /dev/null")
w("python3 bench/stvpoll_count.py bench-data/nec600k.blt > /dev/null")
w(f"for f in {e['SCOT_ELEX']}/*.blt; do target/release/scrutin count \"$f\" --method scottish-stv --format json > /dev/null; done")
w(f"target/release/scrutin count {e['SCOT_ELEX']}/*.blt --method scottish-stv --format json > /dev/null")
w(f"python3 bench/stvpoll_count.py {e['SCOT_ELEX']}/*.blt > /dev/null")
w("```")
open(e["OUT"], "w").write("\n".join(out) + "\n")
EOF
cat "$OUT"
