#!/bin/sh
# bench/statements-e2e.sh [PAYEES] [MIX] [JOBS…] — `fairtrack statements
# --format pdf` end to end on a generated ledger: PAYEES payees (default
# 10000), MIX realistic (default) or long (bench/gen_statements_ledger.sh),
# once for each JOBS value (default "1 2").  Figures, never pass/fail —
# except that every run must issue the same files, byte for byte (the SHA-256
# list is compared with the first run's; exit 1 when it differs).
#
# Prints wall time, CPU time (user + system, all threads), statements per
# second and peak memory for each job count.  The ledger is generated once
# per size and mix into $BENCH_DATA (default bench/data), the statements go
# to $BENCH_DATA/stmt-out-J (replaced each run).  FAIRTRACK: the binary
# (default build/rel/fairtrack).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
payees=${1:-10000}
mix=${2:-realistic}
[ $# -ge 2 ] && shift 2 || shift $#
jobs=${*:-1 2}
data=${BENCH_DATA:-$top/bench/data}
FAIRTRACK=${FAIRTRACK:-$top/build/rel/fairtrack}
export FAIRTRACK
[ -x "$FAIRTRACK" ] || { echo "bench: no $FAIRTRACK (run make first, or set FAIRTRACK)" >&2; exit 2; }
dir=$data/statements-$mix-$payees
if [ ! -f "$dir/ledger.db" ] || [ ! -f "$dir/.complete" ]; then
	echo "generating $payees payees ($mix) into $dir"
	"$top/bench/gen_statements_ledger.sh" "$dir" "$payees" "$mix"
	touch "$dir/.complete"
fi
lines=$(sqlite3 "$dir/ledger.db" "SELECT COUNT(*) FROM journal WHERE period = '2026-10' AND kind IN ('royalty', 'profit-split') AND account LIKE 'payee:%'" 2>/dev/null || echo '?')
echo "ledger: $payees payees, $lines statement lines, $(nproc) CPUs online"
first=
for j in $jobs; do
	out=$dir/stmt-out-$j
	rm -rf "$out"
	# Page cache warm for the ledger, so the first run is not the disk's.
	cat "$dir/ledger.db" > /dev/null
	/usr/bin/time -f '%e %U %S %M' -o "$dir/time-$j" \
		"$FAIRTRACK" -l "$dir/ledger.db" statements --period 2026-10 --out "$out" \
		--format pdf --jobs "$j" > "$dir/files-$j.txt"
	read -r wall user sys rss < "$dir/time-$j"
	n=$(grep -c '	pdf	' "$dir/files-$j.txt" || true)
	pages=$(for f in $(ls "$out"/*.pdf | head -n 50); do pdfinfo "$f" | sed -n 's/^Pages: *//p'; done |
		awk '{ s += $1 } END { if (NR) printf "%.1f", s / NR }')
	awk -v j="$j" -v n="$n" -v w="$wall" -v u="$user" -v s="$sys" -v m="$rss" -v p="$pages" 'BEGIN {
		printf "jobs %-2s %6d PDFs (~%s pages each) in %7.1f s wall, %7.1f s CPU: %6.1f PDFs/s, %5.1f ms CPU each, peak %d MiB; 10,000 in %.0f s\n",
		       j, n, p, w, u + s, n / w, 1000 * (u + s) / n, m / 1024, 10000 * w / n }'
	cut -f2- "$dir/files-$j.txt" | grep -v '^issued' | sed 's|/stmt-out-[0-9]*/|/|' > "$dir/sums-$j.txt"
	if [ -z "$first" ]; then
		first=$j
	elif ! cmp -s "$dir/sums-$first.txt" "$dir/sums-$j.txt"; then
		echo "bench: --jobs $j issued different files than --jobs $first" >&2
		exit 1
	fi
done
