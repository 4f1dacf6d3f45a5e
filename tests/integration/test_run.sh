# run, close, explain, check on the sample label: contracts, fx, income, the
# journal, re-run determinism, late reports after close, missing rates, tampering.
. "$TOP/tests/integration/lib.sh"
L="$WORK/l.db"
S="$TOP/samples"
ft init "$L" >/dev/null
ft -l "$L" import catalog "$S"/catalog/*.csv >/dev/null
ft -l "$L" import report --partner north-sea --month 2026-10 "$S/reports/usage-2026-10.tsv" >/dev/null

ft -l "$L" import contracts "$S/contracts" > "$WORK/contracts.out" 2>&1
check_grep "contracts imported" "6 contracts (6 added" "$WORK/contracts.out"
ft -l "$L" import contracts "$S/contracts" > "$WORK/contracts2.out" 2>&1
check_grep "re-import says nothing changed" "0 added, 0 changed, 6 unchanged" "$WORK/contracts2.out"
sed 's/rate: 18%/rate: 19%/' "$S/contracts/aurora-fields.yaml" > "$WORK/aurora.yaml"
ft -l "$L" import contracts "$WORK/aurora.yaml" > "$WORK/contracts3.out" 2>&1
check_grep "a changed contract is named" "changed   aurora-fields-recording" "$WORK/contracts3.out"
ft -l "$L" import contracts "$S/contracts/aurora-fields.yaml" >/dev/null
sed 's/artists: \[aurora-fields\]/artists: [nobody-here]/' "$S/contracts/aurora-fields.yaml" > "$WORK/unknown.yaml"
ft -l "$L" import contracts "$WORK/unknown.yaml" > "$WORK/unknown.out" 2>&1; rc=$?
[ $rc = 6 ] && ok "unknown artist in scope exits 6 (not found)" || not_ok "unknown artist in scope exits 6 (got $rc)"
check_grep "unknown artist named" "nobody-here" "$WORK/unknown.out"
# Export back: one <id>.yaml a contract, as imported; importing them again
# (into this ledger, and into a fresh one) changes nothing / adds all six.
ft -l "$L" export contracts "$WORK/exported" > "$WORK/export.out" 2>&1
check_grep "export contracts writes six files" "exported 6 contracts to" "$WORK/export.out"
[ "$(ls "$WORK/exported" | wc -l)" = 6 ] && [ -f "$WORK/exported/aurora-fields-recording.yaml" ] &&
	ok "one <id>.yaml per contract" || not_ok "one <id>.yaml per contract ($(ls "$WORK/exported"))"
ft -l "$L" import contracts "$WORK/exported" > "$WORK/reimport.out" 2>&1
check_grep "the export re-imports unchanged" "0 added, 0 changed, 6 unchanged" "$WORK/reimport.out"
ft init "$WORK/fresh.db" >/dev/null
ft -l "$WORK/fresh.db" import catalog "$S"/catalog/*.csv >/dev/null
ft -l "$WORK/fresh.db" import contracts "$WORK/exported" > "$WORK/fresh.out" 2>&1
check_grep "the export imports into a fresh ledger" "6 contracts (6 added" "$WORK/fresh.out"
check_fails "export contracts into a file is refused" ft -l "$L" export contracts "$WORK/export.out"

# No rates yet: the run stops and names every rate it needs.
ft -l "$L" run --period 2026-10 > "$WORK/norate.out" 2>&1; rc=$?
[ $rc = 6 ] && ok "missing rate exits 6" || not_ok "missing rate exits 6 (got $rc)"
check_grep "missing rate named" "USD→GBP 2026-10" "$WORK/norate.out"

check "import fx" ft -l "$L" import fx "$S/fx/rates-2026-q4.csv"
check "import income" ft -l "$L" import income "$S/income/north-sea-2026-10.csv"
printf 'period,from,to,rate\n2026-10,USD,GBP,0,79\n' > "$WORK/badfx.csv"
check_fails "a rate with a decimal comma is refused" ft -l "$L" import fx "$WORK/badfx.csv"

check "run 2026-10" ft -l "$L" run --period 2026-10
cp "$WORK/.last" "$WORK/run1.out"
check_grep "run prints payee accounts" "zoe-ashwood	wren-distribution" "$WORK/run1.out"
check "check passes after the run" ft -l "$L" check
ft -l "$L" explain --journal --period 2026-10 > "$WORK/journal1.tsv"
ft -l "$L" run --period 2026-10 > "$WORK/run2.out"
check_grep "re-run says it replaced the open run" "replaced" "$WORK/run2.out"
ft -l "$L" explain --journal --period 2026-10 > "$WORK/journal2.tsv"
check "re-run gives the identical journal" cmp "$WORK/journal1.tsv" "$WORK/journal2.tsv"
check_grep "income posted on its own line" "minimum-guarantee" "$WORK/journal1.tsv"

ft -l "$L" explain --payee zoe-ashwood --period 2026-10 > "$WORK/explain.out" 2>&1
check_grep "explain shows the payable" "payable GBP 110.19" "$WORK/explain.out"
check_grep "explain names the batch and file" "batch 1 (.*usage-2026-10.tsv) usage row" "$WORK/explain.out"
check_grep "explain shows the rate" "fx 0.7874 USD→GBP" "$WORK/explain.out"
check_fails "explain of an unknown payee fails" ft -l "$L" explain --payee nobody --period 2026-10

check "close 2026-10" ft -l "$L" close --period 2026-10
ft -l "$L" run --period 2026-10 > "$WORK/rerun-closed.out" 2>&1; rc=$?
[ $rc = 4 ] && ok "a closed period cannot be re-run (exit 4)" || not_ok "closed re-run exit 4 (got $rc)"
check_fails "a closed period's batch cannot be withdrawn" ft -l "$L" withdraw 1

# A late report for October after close: posted in November as an adjustment.
head -n 3 "$S/reports/usage-2026-10.tsv" | sed 's/NLR-2026-10-/LATE-2026-10-/' > "$WORK/late.tsv"
ft -l "$L" import report --partner north-sea --month 2026-10 "$WORK/late.tsv" >/dev/null
ft -l "$L" run --period 2026-11 > "$WORK/nov.out" 2>&1
check_grep "late report is an adjustment in the next open period" "belongs to a closed period; posted in 2026-11" "$WORK/nov.out"
check_grep "two late lines" "(2 late)" "$WORK/nov.out"
ft -l "$L" explain --journal --period 2026-10 > "$WORK/journal3.tsv"
check "the closed period's journal did not change" cmp "$WORK/journal1.tsv" "$WORK/journal3.tsv"
check "check passes after the adjustment" ft -l "$L" check

check "close 2026-11" ft -l "$L" close --period 2026-11

# An identifier in suspense (posted to suspense:unmatched in closed October)
# that the catalogue learns later: its suspense posting is reversed and its
# usage posted as an adjustment, so the money counts once.
printf 'upc,release_title,release_artist,release_date,format,label,disc,track_no,isrc,title,artists,featured,duration\n501234000113,Low Tide,aurora-fields,2026-01-16,single,Northern Lights Records,1,9,GBNLR2699901,Low Tide (Late Remix),aurora-fields,,4:02\n' > "$WORK/newtrack.csv"
ft -l "$L" import catalog "$WORK/newtrack.csv" >/dev/null
ft -l "$L" rematch >/dev/null
# Income from a partner with no receipts in the period waits in suspense (ACCT-9).
printf 'month,partner,kind,currency,amount,description\n2026-12,spotify,settlement,EUR,12.50,2026 settlement\n' > "$WORK/income-spotify.csv"
check "import income for a partner without receipts" ft -l "$L" import income "$WORK/income-spotify.csv"
check "run 2026-12" ft -l "$L" run --period 2026-12
ft -l "$L" explain --journal --period 2026-12 > "$WORK/dec.tsv"
check_grep "rematched suspense row reversed" "	reversal	suspense:unmatched:north-sea	" "$WORK/dec.tsv"
check_grep "rematched usage posted late" "	late	label	" "$WORK/dec.tsv"
check_grep "income without receipts waits in named suspense" "suspense:non-attributable:spotify" "$WORK/dec.tsv"
check "check passes after reversal and suspense" ft -l "$L" check

# Statement frequency: with aurora-fields stated quarterly, its rows wait for
# the quarter's run (2026-12), which computes it over 2026-Q4; income waits
# for a run where every contract is due.
Q="$WORK/q.db"
mkdir -p "$WORK/qc"
cp "$S"/contracts/*.yaml "$WORK/qc/"
sed -i 's/^frequency: monthly$/frequency: quarterly/' "$WORK/qc/aurora-fields.yaml"
ft init "$Q" >/dev/null
ft -l "$Q" import catalog "$S"/catalog/*.csv >/dev/null
ft -l "$Q" import report --partner north-sea --month 2026-10 "$S/reports/usage-2026-10.tsv" >/dev/null
ft -l "$Q" import contracts "$WORK/qc" >/dev/null
ft -l "$Q" import fx "$S/fx/rates-2026-q4.csv" >/dev/null
ft -l "$Q" import income "$S/income/north-sea-2026-10.csv" >/dev/null
check "frequency: run 2026-10" ft -l "$Q" run --period 2026-10
cp "$WORK/.last" "$WORK/q10.out"
check_grep "a contract not due is skipped and its next run named" "skipped: aurora-fields-recording is stated quarterly, next due in the run of 2026-12 (statement period 2026-Q4); [0-9]* rows wait for it" "$WORK/q10.out"
check_grep "income waits for a run where every contract is due" "income: 2 rows of non-attributable income wait for a run where every contract is due" "$WORK/q10.out"
if grep -q "^aurora-fields	" "$WORK/q10.out"; then not_ok "no statement for a contract not due"; else ok "no statement for a contract not due"; fi
check "frequency: close 2026-10" ft -l "$Q" close --period 2026-10
check "frequency: run 2026-11" ft -l "$Q" run --period 2026-11
check "frequency: close 2026-11" ft -l "$Q" close --period 2026-11
check "frequency: run 2026-12" ft -l "$Q" run --period 2026-12
cp "$WORK/.last" "$WORK/q12.out"
check_grep "the quarter's run computes it over the quarter" "aurora-fields-recording is stated quarterly: computed over 2026-Q4" "$WORK/q12.out"
check_grep "its deferred rows are not late" "(0 late)" "$WORK/q12.out"
check_grep "its payee has a statement in the quarter's run" "^aurora-fields	aurora-fields-recording	" "$WORK/q12.out"
ft -l "$Q" explain --journal --period 2026-12 > "$WORK/q12.tsv"
check_grep "deferred rows say so" "deferred to its contract's statement period" "$WORK/q12.tsv"
check_grep "income shared in the quarter's run" "minimum-guarantee" "$WORK/q12.tsv"
check "check passes with mixed frequencies" ft -l "$Q" check
ft -l "$Q" run --period 2026-12 >/dev/null
ft -l "$Q" explain --journal --period 2026-12 > "$WORK/q12b.tsv"
check "re-running the quarter's run gives the identical journal" cmp "$WORK/q12.tsv" "$WORK/q12b.tsv"

# Mixed frequencies with a profit split not due (tests/data/contracts-mixed:
# 2 quarterly, 3 half-yearly with the profit split, 1 monthly): the run of
# 2026-10 once subtracted the skipped profit split's credits, read from
# another contract's shares, from the label (conservation failed by
# 0.370119292107; with no royalty entry at all, as in 2026-11, it read past
# the shares).  It must run, check, re-run identically, and compute the
# profit split in the run of 2026-12.
M="$WORK/m.db"
ft init "$M" >/dev/null
ft -l "$M" import catalog "$S"/catalog/*.csv >/dev/null
ft -l "$M" import report --partner north-sea --month 2026-10 "$S/reports/usage-2026-10.tsv" >/dev/null
ft -l "$M" import contracts "$TOP/tests/data/contracts-mixed" >/dev/null
ft -l "$M" import fx "$S/fx/rates-2026-q4.csv" >/dev/null
ft -l "$M" import income "$S/income/north-sea-2026-10.csv" >/dev/null
check "mixed: run 2026-10 with a profit split not due" ft -l "$M" run --period 2026-10
cp "$WORK/.last" "$WORK/m10.out"
check_grep "mixed: the profit split is skipped" "skipped: nuit-blanche-profit-split is stated half-yearly" "$WORK/m10.out"
check "mixed: check passes" ft -l "$M" check
ft -l "$M" explain --journal --period 2026-10 > "$WORK/m10.tsv"
if grep -q "	profit-split	" "$WORK/m10.tsv"; then not_ok "mixed: no profit-split posting for a skipped contract"; else ok "mixed: no profit-split posting for a skipped contract"; fi
ft -l "$M" run --period 2026-10 >/dev/null
ft -l "$M" explain --journal --period 2026-10 > "$WORK/m10b.tsv"
check "mixed: re-run gives the identical journal" cmp "$WORK/m10.tsv" "$WORK/m10b.tsv"
check "mixed: close 2026-10" ft -l "$M" close --period 2026-10
check "mixed: run 2026-11" ft -l "$M" run --period 2026-11
check "mixed: close 2026-11" ft -l "$M" close --period 2026-11
check "mixed: run 2026-12 (every contract due)" ft -l "$M" run --period 2026-12
cp "$WORK/.last" "$WORK/m12.out"
check_grep "mixed: the profit split is computed in its due run" "nuit-blanche-profit-split is stated half-yearly: computed over 2026-H2" "$WORK/m12.out"
check_grep "mixed: its payees have a statement (costs not covered: no credit)" "^leon-dubois	nuit-blanche-profit-split	0.00	0.00	" "$WORK/m12.out"
check "mixed: check passes after the half year's run" ft -l "$M" check

# ACCT-5 across currencies: aurora-fields' advance paid in USD is converted at
# January's rate by the run that charges it; without that rate the run stops.
C="$WORK/c.db"
mkdir -p "$WORK/cc"
cp "$S"/contracts/*.yaml "$WORK/cc/"
sed -i 's/amount: 10000.00/amount: 12700.00/' "$WORK/cc/aurora-fields.yaml"
awk '/amount: 12700.00/ { print; getline; sub(/GBP/, "USD") } { print }' "$WORK/cc/aurora-fields.yaml" > "$WORK/cc/a.tmp" && mv "$WORK/cc/a.tmp" "$WORK/cc/aurora-fields.yaml"
ft init "$C" >/dev/null
ft -l "$C" import catalog "$S"/catalog/*.csv >/dev/null
ft -l "$C" import report --partner north-sea --month 2026-10 "$S/reports/usage-2026-10.tsv" >/dev/null
check "currency: contracts with an advance paid in USD import" ft -l "$C" import contracts "$WORK/cc"
ft -l "$C" import fx "$S/fx/rates-2026-q4.csv" >/dev/null
ft -l "$C" run --period 2026-10 > "$WORK/c1.out" 2>&1; rc=$?
[ $rc = 6 ] && ok "an advance without its month's rate stops the run" || not_ok "an advance without its month's rate stops the run (got $rc)"
check_grep "the advance's missing rate is named" "USD→GBP 2026-01" "$WORK/c1.out"
printf 'period,from,to,rate\n2026-01,USD,GBP,0.7874\n' > "$WORK/jan.csv"
ft -l "$C" import fx "$WORK/jan.csv" >/dev/null
check "currency: run 2026-10" ft -l "$C" run --period 2026-10
check_grep "the advance is charged converted" "^aurora-fields	aurora-fields-recording	.*	9999.98	" "$WORK/.last"
ft -l "$C" explain --journal --period 2026-10 > "$WORK/c.tsv"
check_grep "the advance posting says how it was converted" "advances\[1\] USD 12700.00 × fx 0.7874 (2026-01) = GBP 9999.98" "$WORK/c.tsv"
check "check passes with a converted advance" ft -l "$C" check

# Tampering with one journal row is found (exit 5).
if command -v sqlite3 >/dev/null 2>&1; then
	sqlite3 "$L" "UPDATE journal SET amount = '1000' WHERE id = (SELECT MIN(id) FROM journal WHERE kind = 'royalty')"
	ft -l "$L" check > "$WORK/tampered.out" 2>&1; rc=$?
	[ $rc = 5 ] && ok "tampered journal exits 5" || not_ok "tampered journal exits 5 (got $rc)"
	check_grep "tampered posting named" "does not balance" "$WORK/tampered.out"
else
	ok "# SKIP sqlite3 not installed"
fi
finish
