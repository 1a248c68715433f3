#!/usr/bin/env bash
# Speed of category constraints: Scottish STV on the 600 000-ballot synthetic NEC file, plain
# and with a binding minimum of women (guard-doom and exclude strategies).
#
#   bench/constraints.sh        (from the repository root; about a minute on 2 cores)
#
# bench/nec600k-candidates.csv makes the even-numbered candidates women (half of each slate).
# Plain STV elects four of them (02, 04, 12, 14); "--min gender=woman:5" binds: Candidate 19
# (Ind) gives way to Candidate 06 (A). The script checks that it binds, then measures each
# count with hyperfine (RUNS runs after one warm-up) and its peak RSS with GNU time. Targets:
# under 0.3 s and under 100 MB. Prints a Markdown table on stdout; raw hyperfine exports go
# to bench-data/hyperfine/ (git-ignored).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

GEN=${GEN:-/work/shared/tools/gen-ballots.py}
RUNS=${RUNS:-10}
BIG=bench-data/nec600k.blt
CANDS=bench/nec600k-candidates.csv
RAW=bench-data/hyperfine
SCRUTIN=target/release/scrutin

echo "== build" >&2
cargo build --release -p scrutin >&2
mkdir -p bench-data "$RAW"
if [[ ! -s $BIG ]]; then
    echo "== generating $BIG" >&2
    python3 "$GEN" --ballots 600000 --candidates 20 --seats 9 --seed 1 > "$BIG.tmp"
    mv "$BIG.tmp" "$BIG"
fi
if ! command -v hyperfine > /dev/null; then
    echo "== installing hyperfine" >&2
    SUDO=""
    [[ $(id -u) -ne 0 ]] && SUDO=sudo
    { $SUDO apt-get update && $SUDO apt-get install -y hyperfine; } >&2
fi

women() { # number of women elected in the JSON report on stdin
    python3 -c '
import csv, json, sys
g = {r["name"]: r["gender"] for r in csv.DictReader(open(sys.argv[1]))}
print(sum(g[n] == "woman" for n in json.load(sys.stdin)["elected"]))' "$CANDS"
}
PLAIN_W=$("$SCRUTIN" count "$BIG" --format json | women)
MIN_W=$("$SCRUTIN" count "$BIG" --format json --candidates "$CANDS" --min gender=woman:5 | women)
echo "== women elected: plain $PLAIN_W, with --min gender=woman:5 $MIN_W" >&2
if (( PLAIN_W >= 5 || MIN_W < 5 )); then
    echo "the minimum does not bind (plain $PLAIN_W, constrained $MIN_W)" >&2
    exit 1
fi

declare -A CMD=(
    [plain]="$SCRUTIN count $BIG --method scottish-stv --format json"
    [guard-doom]="$SCRUTIN count $BIG --method scottish-stv --format json --candidates $CANDS --min gender=woman:5"
    [exclude]="$SCRUTIN count $BIG --method scottish-stv --format json --candidates $CANDS --min gender=woman:5 --constraint-strategy exclude"
)
echo "| count | mean ± σ | min | peak RSS |"
echo "|---|---|---|---|"
for k in plain guard-doom exclude; do
    hyperfine --warmup 1 --runs "$RUNS" --style basic --export-json "$RAW/constraints-$k.json" \
        "${CMD[$k]} > /dev/null" >&2
    # shellcheck disable=SC2086
    /usr/bin/time -v ${CMD[$k]} > /dev/null 2> "$RAW/constraints-time.txt"
    RSS=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$RAW/constraints-time.txt")
    python3 - "$RAW/constraints-$k.json" "$k" "$RSS" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
ms = lambda x: f"{x * 1000:.1f} ms"
print(f"| {sys.argv[2]} | {ms(r['mean'])} ± {ms(r['stddev'] or 0)} | {ms(r['min'])} | {int(sys.argv[3]) / 1024:.1f} MiB |")
PY
done
echo
echo "Women elected: $PLAIN_W plain, $MIN_W with \`--min gender=woman:5\`. $(nproc) CPUs, load at end $(cut -d' ' -f1-3 /proc/loadavg)."
