#!/bin/sh
# bench/engine.sh — the royalty engine in the ledger: `fairtrack run` on a
# generated label (bench/gen_engine.c): 100k tracks, 10k contracts of every
# type, 20 million aggregate usage rows in one month.  Target (issue 4): run
# under 60 s on the 2-core machine, peak RSS under 2 GiB.
#
# Figures, never pass/fail — except that the run must succeed and `check`
# must pass afterwards.
#
#   bench/engine.sh                          # the full size
#   BENCH_ROWS=1000000 bench/engine.sh       # smaller
# Environment: FAIRTRACK (binary, default build/rel/fairtrack), BENCH_DATA
# (default bench/data), BENCH_TRACKS, BENCH_CONTRACTS, BENCH_ROWS, BENCH_SEED.
#
# Steps: build the generator and the measuring helper; generate the ledger
# once per size and seed (kept as a template, copied for each measurement so
# every run starts from the same unrun ledger); import the contracts
# (measured); run the month (measured: wall, peak RSS, user, sys, and the
# run's own phase times); re-run it (the open run is replaced: measured
# too); check (measured); write the table to
# $BENCH_DATA/engine-results.md.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
tracks=${BENCH_TRACKS:-100000}
contracts=${BENCH_CONTRACTS:-10000}
rows=${BENCH_ROWS:-20000000}
seed=${BENCH_SEED:-2026}
data=${BENCH_DATA:-$top/bench/data}
fairtrack=${FAIRTRACK:-$top/build/rel/fairtrack}
cc=${CC:-cc}

mkdir -p "$data"
[ -x "$fairtrack" ] || { echo "bench: no $fairtrack (run make first, or set FAIRTRACK)" >&2; exit 2; }
$cc -O2 -o "$data/gen_engine" "$top/bench/gen_engine.c" -lsqlite3
$cc -O2 -o "$data/measure" "$top/bench/measure.c"

stamp="$tracks $contracts $rows $seed"
tmpl="$data/engine-template.db"
if [ ! -f "$tmpl" ] || [ "$(cat "$data/engine-stamp" 2>/dev/null)" != "$stamp" ]; then
	echo "bench: generating $tracks tracks, $contracts contracts, $rows usage rows (seed $seed)"
	rm -rf "$tmpl" "$data/engine-contracts" "$data/engine-stamp"
	"$fairtrack" init "$tmpl" > /dev/null
	"$data/gen_engine" "$tmpl" "$data/engine-contracts" --tracks "$tracks" \
		--contracts "$contracts" --rows "$rows" --month 2026-10 --seed "$seed"
	echo "$stamp" > "$data/engine-stamp"
fi

L="$data/engine.db"
rm -f "$L" "$L-wal" "$L-shm"
cp "$tmpl" "$L"

run() { # NAME COMMAND… : measure, figures into $data/engine-NAME.time
	name=$1; shift
	"$data/measure" "$data/engine-$name.time" "$@"
}

run import sh -c "'$fairtrack' -l '$L' import contracts '$data/engine-contracts' > '$data/engine-import.out'"
# FAIRTRACK_TIMING: the run says where its time went (read, engine with its
# royalty_lines, post, commit), on stderr.
run run sh -c "FAIRTRACK_TIMING=1 '$fairtrack' -l '$L' run --period 2026-10 > '$data/engine-run.out' 2> '$data/engine-run.timing'"
# The peer: sqlite3 on the same ledger, the receipts per artist (engine_peer.sql).
command -v sqlite3 > /dev/null || { echo "bench: no sqlite3 CLI (scripts/bootstrap installs it)" >&2; exit 2; }
run peer sh -c "sqlite3 '$L' < '$top/bench/engine_peer.sql' > '$data/engine-peer.out'"
run rerun sh -c "FAIRTRACK_TIMING=1 '$fairtrack' -l '$L' run --period 2026-10 > '$data/engine-rerun.out' 2> '$data/engine-rerun.timing'"
run check sh -c "'$fairtrack' -l '$L' check > /dev/null"

{
	echo "| step | wall s | rows/s | peak RSS MiB | user s | sys s |"
	echo "|---|---:|---:|---:|---:|---:|"
	for name in import run peer rerun check; do
		read -r wall rss user sys < "$data/engine-$name.time"
		n=$rows
		[ $name = import ] && n=$contracts
		awk -v n="$name" -v w="$wall" -v r="$rss" -v u="$user" -v s="$sys" -v k="$n" 'BEGIN {
			printf "| %s | %.2f | %.0f | %.0f | %.2f | %.2f |\n", n, w, k / w, r / 1024, u, s }'
	done
	echo
	read -r run_wall _ < "$data/engine-run.time"
	read -r peer_wall _ < "$data/engine-peer.time"
	awk -v r="$run_wall" -v p="$peer_wall" 'BEGIN {
		printf "ratio: fairtrack run / sqlite3 peer (receipts per artist, engine_peer.sql) = %.2f\n", r / p }'
	echo "label: $tracks tracks, $contracts contracts, $rows usage rows in 2026-10 (seed $seed);" \
		"ledger $(($(wc -c < "$L") / 1048576)) MiB after the run; check passes"
	head -n 1 "$data/engine-run.out"
	echo "run:   $(cat "$data/engine-run.timing")"
	echo "rerun: $(cat "$data/engine-rerun.timing") (the rerun first deletes the open run's journal and royalty lines)"
} | tee "$data/engine-results.md"
