# Crash safety: kill `import report` with SIGKILL at random moments (50
# trials).  After every kill the ledger opens, `check` passes, and the batch is
# either wholly there (same rows and totals as an uninterrupted import) or
# absent.  The report is large enough (many distinct keys) that kills land
# while aggregating, while writing rows and around the commit.
. "$TOP/tests/integration/lib.sh"
TRIALS=${CRASH_TRIALS:-50}
base="$WORK/base.db"
ft init "$base" >/dev/null
ft -l "$base" import catalog "$TOP"/samples/catalog/*.csv >/dev/null

# 40k lines, ~40k distinct keys (half of them unknown ISRCs → suspense).
awk 'BEGIN {
	srand(42); OFS = "\t"
	print "SalesTransactionId", "ISRC", "UPC", "Territory", "CommercialModel", "UseType", "Usages", "Currency", "Revenue"
	split("GB US DE FR JP BR SE NL", T, " ")
	for (i = 1; i <= 40000; i++) {
		if (i % 2) isrc = sprintf("GBNLR26%05d", 1 + i % 24); else isrc = sprintf("ZZCRS26%05d", i)
		print "T" i, isrc, "", T[1 + i % 8], "SubscriptionModel", "OnDemandStream", 1 + i % 97, "EUR", sprintf("%d.%06d", i % 13, i)
	}
}' > "$WORK/big.tsv"

# The reference: an uninterrupted import.
cp "$base" "$WORK/ref.db"
ft -l "$WORK/ref.db" import report --partner north-sea --month 2026-10 "$WORK/big.tsv" > "$WORK/ref.out" || not_ok "reference import"
ft -l "$WORK/ref.db" --json imports | sed -e 's/"imported_at":"[^"]*"//' > "$WORK/ref.json"
ft -l "$WORK/ref.db" suspense > "$WORK/ref.suspense"

# How long a whole import takes, in ms, so kills spread over all of it.
t0=$(date +%s%N)
cp "$base" "$WORK/t.db"; ft -l "$WORK/t.db" import report --partner north-sea --month 2026-10 "$WORK/big.tsv" >/dev/null
t1=$(date +%s%N)
span=$(( (t1 - t0) / 1000000 + 20 ))
echo "# one import takes ~${span} ms; killing at random points in [0, ${span}] ms"

delays=$(awk -v n="$TRIALS" -v span="$span" 'BEGIN { srand(2026); for (i = 0; i < n; i++) printf "%.3f\n", rand() * span / 1000 }')
bad=0; present=0; absent=0
for d in $delays; do
	rm -f "$WORK/t.db" "$WORK/t.db-wal" "$WORK/t.db-shm"
	cp "$base" "$WORK/t.db"
	"$FAIRTRACK" -l "$WORK/t.db" import report --partner north-sea --month 2026-10 "$WORK/big.tsv" >/dev/null 2>&1 &
	pid=$!
	sleep "$d"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	if ! ft -l "$WORK/t.db" check >/dev/null 2>"$WORK/check.err"; then
		bad=$((bad + 1)); echo "# after a kill at ${d}s, check failed:"; sed 's/^/#   /' "$WORK/check.err"; continue
	fi
	n=$(ft -l "$WORK/t.db" --json imports | grep -c '"id":')
	if [ "$n" = 0 ]; then
		absent=$((absent + 1))
		if [ -n "$(ft -l "$WORK/t.db" suspense | tail -n +2)" ]; then bad=$((bad + 1)); echo "# kill at ${d}s: no batch but suspense rows left"; fi
	else
		present=$((present + 1))
		ft -l "$WORK/t.db" --json imports | sed -e 's/"imported_at":"[^"]*"//' > "$WORK/t.json"
		ft -l "$WORK/t.db" suspense > "$WORK/t.suspense"
		if ! cmp -s "$WORK/t.json" "$WORK/ref.json" || ! cmp -s "$WORK/t.suspense" "$WORK/ref.suspense"; then
			bad=$((bad + 1)); echo "# kill at ${d}s: batch present but differs from the reference"
		fi
	fi
done
echo "# $TRIALS kills: batch absent $absent times, wholly present $present times, broken $bad times"
[ "$bad" = 0 ] && ok "ledger intact after $TRIALS SIGKILLs (absent $absent, whole $present)" || not_ok "ledger broken after $bad of $TRIALS SIGKILLs"
[ "$absent" -gt 0 ] && ok "some kills landed before the commit" || not_ok "no kill landed before the commit (test too weak)"
finish
