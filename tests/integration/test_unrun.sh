# Months no run covers, through the CLI: a run stops on an earlier month
# that was never run (exit 4, naming month, rows and revenue); `close
# --accounted-elsewhere` marks it, `run --include-unrun` posts it as late
# adjustments; `periods` lists each month's state; `check` finds rows left
# behind a closed month (exit 5).
. "$TOP/tests/integration/lib.sh"
S="$TOP/samples"
setup() {
	ft init "$1" >/dev/null
	ft -l "$1" import catalog "$S"/catalog/*.csv >/dev/null
	ft -l "$1" import contracts "$S/contracts" >/dev/null
	ft -l "$1" import fx "$S/fx/rates-2026-q4.csv" >/dev/null
}

# A label that forgot October: November is refused, October named.
L="$WORK/forgot.db"
setup "$L"
ft -l "$L" import report --partner north-sea --month 2026-10 "$S/reports/usage-2026-10.tsv" >/dev/null
rows=$(ft -l "$L" imports | tail -n 1 | cut -f 8)
ft -l "$L" run --period 2026-11 > "$WORK/refused.out" 2>&1; rc=$?
[ $rc = 4 ] && ok "a run after a month no run covers exits 4" || not_ok "refused run exits 4 (got $rc)"
check_grep "the month and its rows are named" "2026-10 ($rows rows, [0-9]* suspense rows, revenue " "$WORK/refused.out"
check_grep "running it first is offered" "run it first ('run --period 2026-10')" "$WORK/refused.out"
check_grep "--include-unrun is offered" "run --period 2026-11 --include-unrun" "$WORK/refused.out"
ft -l "$L" periods > "$WORK/periods0.out"
check_grep "periods lists the month as not run" "^2026-10	not run	$rows	" "$WORK/periods0.out"

# Marked accounted elsewhere: never posted, November runs, check passes.
check "close --accounted-elsewhere marks October" ft -l "$L" close --period 2026-10 --accounted-elsewhere "paid by our old system"
check_grep "the mark says what it covers" "2026-10 ($rows rows, [0-9]* suspense rows, revenue .*) accounted elsewhere: paid by our old system" "$WORK/.last"
check_fails "a mark needs a reason" ft -l "$L" close --period 2026-12 --accounted-elsewhere
check "November runs after the mark" ft -l "$L" run --period 2026-11
check_grep "nothing of October is posted" "0 lines (0 late)" "$WORK/.last"
check "close 2026-11" ft -l "$L" close --period 2026-11
check "check passes with a month accounted elsewhere" ft -l "$L" check
ft -l "$L" periods > "$WORK/periods1.out"
check_grep "periods shows the mark and its reason" "^2026-10	accounted elsewhere	$rows	.*paid by our old system" "$WORK/periods1.out"
check_grep "periods shows the closed run" "^2026-11	closed	0	run 2026-11" "$WORK/periods1.out"
ft -l "$L" periods --json > "$WORK/periods1.json"
check "periods --json is JSON, a month an object" node -e '
const m = Object.fromEntries(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).map((x) => [x.month, x]));
const ok = m["2026-10"].state === "accounted elsewhere" && m["2026-10"].rows === Number(process.argv[2]) &&
  m["2026-10"].detail.includes("paid by our old system") && m["2026-11"].state === "closed";
process.exit(ok ? 0 : 1);
' "$WORK/periods1.json" "$rows"
check_fails "a month accounted elsewhere cannot be run" ft -l "$L" run --period 2026-10

# Included: the same label posts October in November's run instead.
I="$WORK/include.db"
setup "$I"
ft -l "$I" import report --partner north-sea --month 2026-10 "$S/reports/usage-2026-10.tsv" >/dev/null
check "run 2026-11 --include-unrun" ft -l "$I" run --period 2026-11 --include-unrun
check_grep "October is posted as late lines" "lines ([1-9][0-9]* late)" "$WORK/.last"
check_grep "the run says October is included" "included: 2026-10 ($rows rows" "$WORK/.last"
check "check passes after including" ft -l "$I" check
check "close 2026-11 closes October too" ft -l "$I" close --period 2026-11
ft -l "$I" periods > "$WORK/periods2.out"
check_grep "periods shows October taken over" "^2026-10	closed	$rows	never run: .* run of 2026-11" "$WORK/periods2.out"

# The bug as found: November closed before October's report came; check
# finds the rows nothing can post any more (exit 5).
T="$WORK/behind.db"
setup "$T"
ft -l "$T" run --period 2026-11 >/dev/null 2>&1
ft -l "$T" close --period 2026-11 >/dev/null
ft -l "$T" import report --partner north-sea --month 2026-10 "$S/reports/usage-2026-10.tsv" >/dev/null
ft -l "$T" check > "$WORK/behind.out" 2>&1; rc=$?
[ $rc = 5 ] && ok "check exits 5 on rows behind a closed month" || not_ok "check exits 5 (got $rc)"
check_grep "check names the month and rows" "J-6: 2026-10 ($rows rows" "$WORK/behind.out"
ft -l "$T" run --period 2026-12 > "$WORK/behind-run.out" 2>&1
check_grep "the run says October can no longer be run" "can no longer be run" "$WORK/behind-run.out"
finish
