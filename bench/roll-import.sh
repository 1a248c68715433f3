#!/usr/bin/env bash
# Import a 600,000-member roll into a fresh SQLite database (and PostgreSQL if
# SCRUTIN_BENCH_POSTGRES_URL is set, e.g. postgres://root@127.0.0.1:5432/test, into a fresh schema).
# Usage: bench/roll-import.sh [N]   (default 600000). Numbers go to BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-600000}"
cargo build --release -q
BIN=target/release/scrutin
ROLL=/tmp/scrutin-roll-$N.csv
[ -s "$ROLL" ] || python3 bench/gen-roll.py "$N" --seed 1 > "$ROLL"
echo "roll: $ROLL ($(wc -l < "$ROLL") lines, $(du -h "$ROLL" | cut -f1))"
create() {
  "$BIN" --database-url "$1" election create --id nec-bench --title "NEC 2018 bench" \
    --body examples/labour-nec-2018 --sections clp,young-labour \
    --nominations-open 2017-10-01 --nominations-close 2017-11-19 \
    --voting-open 2017-12-05 --voting-close 2018-01-12 > /dev/null
}
DB=/tmp/scrutin-bench-$$.db
rm -f "$DB" "$DB"-wal "$DB"-shm
create "sqlite://$DB"
echo "== SQLite: import-roll of $N members"
/usr/bin/time -f "elapsed %e s, max RSS %M KB" "$BIN" --database-url "sqlite://$DB" election --today 2017-11-15 import-roll --election nec-bench "$ROLL" --list 0 | tail -8
rm -f "$DB" "$DB"-wal "$DB"-shm
if [ -n "${SCRUTIN_BENCH_POSTGRES_URL:-}" ]; then
  echo "== PostgreSQL: import-roll of $N members"
  psql "$SCRUTIN_BENCH_POSTGRES_URL" -q -c "DROP SCHEMA IF EXISTS bench CASCADE; CREATE SCHEMA bench"
  PGURL="$SCRUTIN_BENCH_POSTGRES_URL?options=-c%20search_path%3Dbench"
  create "$PGURL"
  /usr/bin/time -f "elapsed %e s, max RSS %M KB" "$BIN" --database-url "$PGURL" election --today 2017-11-15 import-roll --election nec-bench "$ROLL" --list 0 | tail -8
  psql "$SCRUTIN_BENCH_POSTGRES_URL" -q -c "DROP SCHEMA bench CASCADE"
fi
