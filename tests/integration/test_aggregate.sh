# `fairtrack aggregate`: a small report against its expected output, through
# every reader path (plain, gzip, zip, several files, threads) and the errors.
. "$TOP/tests/integration/lib.sh"
D="$TOP/tests/data/ingest"
agg() { ft aggregate --catalog "$D/catalog.csv" "$@"; }

agg "$D/report.tsv" > "$WORK/out.txt" 2> "$WORK/err.txt"
check "aggregate prints the expected text" cmp "$WORK/out.txt" "$D/expected.txt"

agg --threads 1 "$D/report.tsv" > "$WORK/t1.txt"
agg --threads 2 --format flat-tsv "$D/report.tsv" > "$WORK/t2.txt"
check "1 and 2 threads agree" cmp "$WORK/t1.txt" "$WORK/t2.txt"

gzip -c "$D/report.tsv" > "$WORK/report.tsv.gz"
agg "$WORK/report.tsv.gz" > "$WORK/gz.txt"
check "a gzipped report gives the same aggregates" cmp "$WORK/gz.txt" "$D/expected.txt"

# The report in two files: totals merge.
head -n 7 "$D/report.tsv" > "$WORK/part1.tsv"
{ head -n 1 "$D/report.tsv"; tail -n +8 "$D/report.tsv"; } > "$WORK/part2.tsv"
agg "$WORK/part1.tsv" "$WORK/part2.tsv" > "$WORK/two.txt"
check "two files sum to the whole" cmp "$WORK/two.txt" "$D/expected.txt"

if command -v python3 > /dev/null 2>&1; then
	python3 - "$WORK/part1.tsv" "$WORK/part2.tsv" "$WORK/reports.zip" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[3], "w", zipfile.ZIP_DEFLATED) as z:
    z.write(sys.argv[1], "jan.tsv")
    z.write(sys.argv[2], "feb.tsv")
PY
	agg "$WORK/reports.zip" > "$WORK/zip.txt"
	check "a zip of two reports sums to the whole" cmp "$WORK/zip.txt" "$D/expected.txt"
fi

# A bad line: exit 1, the message names file, line, field and the fix.
{ cat "$D/report.tsv"; printf 's13\tGBABC2600001\t\tGB\tSubscriptionModel\tOnDemandStream\t1\tGBP\t12,50\n'; } > "$WORK/bad.tsv"
agg "$WORK/bad.tsv" > "$WORK/bad.out" 2> "$WORK/bad.err"; rc=$?
[ $rc = 1 ] && ok "a bad line exits 1" || not_ok "a bad line exits 1 (got $rc)"
check_grep "the error names file, line, field and fix" \
	"bad.tsv:14: field 9 'Revenue': '12,50' is not a decimal (use '.' as the decimal point)" "$WORK/bad.err"

ft aggregate "$D/report.tsv" > /dev/null 2>&1; rc=$?
[ $rc = 2 ] && ok "no --catalog exits 2" || not_ok "no --catalog exits 2 (got $rc)"
agg --format no-such-format "$D/report.tsv" > /dev/null 2>&1; rc=$?
[ $rc = 2 ] && ok "an unknown --format exits 2" || not_ok "an unknown --format exits 2 (got $rc)"
# --reject-file: the bad line is set aside, the rest aggregates as before.
{ cat "$D/report.tsv"; printf 'BAD\tGBAAA2600001\t\tGB\tSubscriptionModel\tOnDemandStream\t1\tEUR\t1e5\n'; } > "$WORK/with-bad.tsv"
agg --reject-file "$WORK/rej.tsv" "$WORK/with-bad.tsv" > "$WORK/rej-out.txt" 2> "$WORK/rej-err.txt"; rc=$?
[ $rc = 0 ] && ok "--reject-file keeps going past a bad line" || not_ok "--reject-file keeps going past a bad line (got $rc)"
check "good lines aggregate as without the bad one" cmp "$WORK/rej-out.txt" "$D/expected.txt"
check_grep "the rejected line's unreadable amount is said" "could not be read" "$WORK/rej-err.txt"
# Progress: a bar on a terminal (script(1) gives the command one), nothing
# when standard error is a file.
agg "$D/report.tsv" > /dev/null 2> "$WORK/progress-file.txt"
[ -s "$WORK/progress-file.txt" ] && not_ok "no progress output when stderr is not a terminal" || ok "no progress output when stderr is not a terminal"
if command -v script > /dev/null 2>&1; then
	script -q -c "'$FAIRTRACK' aggregate --catalog '$D/catalog.csv' '$D/report.tsv' > /dev/null" "$WORK/tty.txt" > /dev/null 2>&1
	check_grep "a progress bar on a terminal" "100%" "$WORK/tty.txt"
fi
agg "$WORK/missing.tsv" > /dev/null 2>&1; rc=$?
[ $rc = 6 ] && ok "a missing report exits 6" || not_ok "a missing report exits 6 (got $rc)"
finish
