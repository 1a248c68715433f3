#!/usr/bin/env bash
# Meek STV: scrutin (fixed9) against stv-rs 0.5.1 on the 600k-ballot synthetic election.
# Run from the repository root: bench/meek_vs_stvrs.sh
# Prints a markdown table; checks both elect the same candidates with the same quota.
set -euo pipefail

DATA=bench-data/nec600k.blt
NICK=bench-data/nec600k-nick.blt
OUT=bench-data/meek
mkdir -p bench-data "$OUT"

if ! command -v stv-rs >/dev/null 2>&1; then
    cargo install stv-rs --version 0.5.1 --locked
fi
if ! command -v hyperfine >/dev/null 2>&1; then
    apt-get install -y hyperfine || { apt-get update && apt-get install -y hyperfine; }
fi
if [ ! -f "$DATA" ]; then
    python3 /work/shared/tools/gen-ballots.py --ballots 600000 --candidates 20 --seats 9 --seed 1 > "$DATA"
fi
# stv-rs needs nicknames: the same file with a [nick c1 … cN] line and ballots by nickname.
if [ ! -f "$NICK" ] || [ "$NICK" -ot "$DATA" ]; then
    python3 - "$DATA" "$NICK" <<'PY'
import sys
src, dst = sys.argv[1], sys.argv[2]
with open(src) as f:
    lines = f.read().split('\n')
n = int(lines[0].split()[0])
out = [lines[0], '[nick ' + ' '.join(f'c{i}' for i in range(1, n + 1)) + ']']
i = 1
while lines[i].strip() != '0':
    parts = lines[i].split()
    out.append(parts[0] + ' ' + ' '.join(
        '0' if p == '0' else '='.join('c' + x for x in p.split('=')) for p in parts[1:]))
    i += 1
out.extend(lines[i:])
with open(dst, 'w') as f:
    f.write('\n'.join(out))
PY
fi

cargo build --release -q -p scrutin
SCRUTIN=target/release/scrutin
SCRUTIN_CMD="$SCRUTIN count $DATA --method meek --format json"
STVRS_CMD="stv-rs --arithmetic fixed9 --input $NICK meek"

# Same result?
$SCRUTIN_CMD > "$OUT/scrutin.json"
$STVRS_CMD > "$OUT/stv-rs.log" 2>/dev/null
python3 - "$OUT/scrutin.json" "$OUT/stv-rs.log" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
log = open(sys.argv[2]).read().splitlines()
elected = [l.split(': ', 2)[2] for l in log
           if l.startswith('Action: Elect: ') or l.startswith('Action: Elect remaining: ')]
quota = next(l.split(': ')[1] for l in log if l.strip().startswith('Quota:'))
assert r['elected'] == elected, (r['elected'], elected)
assert r['quota'] == quota, (r['quota'], quota)
# The quota at each decision too (stage k = stv-rs round k).
print(f"same elected set and order ({len(elected)}), same quota {quota}")
PY

hyperfine --warmup 1 --runs 10 --export-markdown "$OUT/table.md" \
    -n "scrutin meek (fixed9)" "$SCRUTIN_CMD > /dev/null" \
    -n "stv-rs 0.5.1 meek (fixed9)" "$STVRS_CMD > /dev/null 2>&1"
cat "$OUT/table.md"
python3 - "$OUT/table.md" <<'PY'
import sys, re
rows = [l for l in open(sys.argv[1]) if l.startswith('| `') or l.startswith('| scrutin') or l.startswith('| stv-rs')]
means = [float(re.split(r'\s*\|\s*', l)[2].split()[0]) for l in rows]
print(f"\nratio stv-rs / scrutin = {means[1] / means[0]:.1f}x (target >= 20x)")
PY
