# import report: batches, duplicates, all-or-nothing, suspense and rematch, withdraw, check.
. "$TOP/tests/integration/lib.sh"
L="$WORK/l.db"
R="$TOP/samples/reports/usage-2026-10.tsv"
ft init "$L" >/dev/null
ft -l "$L" import catalog "$TOP"/samples/catalog/*.csv >/dev/null

check "import a report" ft -l "$L" import report --partner north-sea --month 2026-10 "$R"
check "check passes after import" ft -l "$L" check
ft -l "$L" --json imports > "$WORK/imports.json"
check_grep "batch recorded with its sha256" "$(sha256sum "$R" | cut -c1-64)" "$WORK/imports.json"

ft -l "$L" import report --partner north-sea --month 2026-10 "$R" > "$WORK/dup.out" 2>&1; rc=$?
[ $rc = 4 ] && ok "same file twice exits 4" || not_ok "same file twice exits 4 (got $rc)"
check_grep "duplicate names the earlier batch" "already imported as batch 1" "$WORK/dup.out"

# A copy under another name is the same report.
cp "$R" "$WORK/renamed.tsv"
check_fails "renamed copy refused too" ft -l "$L" import report --partner north-sea --month 2026-10 "$WORK/renamed.tsv"

check_fails "unknown partner refused" ft -l "$L" import report --partner nobody --month 2026-10 "$WORK/renamed.tsv"
check_fails "no month for a report without one" ft -l "$L" import report --partner north-sea "$WORK/renamed.tsv"

# A bad line deep in the file: refused, named, nothing imported.
{ head -n 300 "$R"; printf 'X1\tGBNLR2600001\t\tGB\tSubscriptionModel\tOnDemandStream\t5\tGBP\t12,50\n'; tail -n +301 "$R"; } > "$WORK/bad.tsv"
ft -l "$L" imports > "$WORK/before.txt"
ft -l "$L" import report --partner north-sea --month 2026-11 "$WORK/bad.tsv" > "$WORK/bad.out" 2>&1; rc=$?
[ $rc = 1 ] && ok "bad line exits 1" || not_ok "bad line exits 1 (got $rc)"
check_grep "bad line named by file and line" "bad.tsv:301" "$WORK/bad.out"
ft -l "$L" imports > "$WORK/after.txt"
check "bad file imported nothing" cmp "$WORK/before.txt" "$WORK/after.txt"

# With --reject-file the good lines are imported, the bad one is kept verbatim
# and its count and amount are printed.
{ head -n 300 "$R"; printf 'X2\tGBNLR2600001\t\tGB\tSubscriptionModel\tOnDemandStream\tmany\tGBP\t7.25\n'; tail -n +301 "$R"; } > "$WORK/bad2.tsv"
ft -l "$L" import report --partner north-sea --month 2026-11 --reject-file "$WORK/rejects.tsv" "$WORK/bad2.tsv" > "$WORK/rej.out" 2> "$WORK/rej.err"; rc=$?
[ $rc = 0 ] && ok "--reject-file imports the good lines" || not_ok "--reject-file imports the good lines (got $rc)"
check_grep "the bad line is in the reject file verbatim" "^X2	GBNLR2600001		GB	SubscriptionModel	OnDemandStream	many	GBP	7.25$" "$WORK/rejects.tsv"
[ "$(wc -l < "$WORK/rejects.tsv")" = 1 ] && ok "only the bad line is rejected" || not_ok "only the bad line is rejected"
check_grep "the count and the reason are printed" "1 bad line(s) set aside" "$WORK/rej.err"
check_grep "the reason names line and field" "bad2.tsv:301: field 7 'Usages'" "$WORK/rej.err"
check_grep "the rejected amount is printed" "GBP  1 line(s)  7.25" "$WORK/rej.err"
ft -l "$L" --json imports > "$WORK/imports-rej.json"
check_grep "the batch records the rejected line" '"usage_lines":749,"rejected_lines":1' "$WORK/imports-rej.json"
ft -l "$L" withdraw 2 > /dev/null

# Suspense: two unknown ISRCs in the sample report.
ft -l "$L" suspense > "$WORK/suspense.txt"
check_grep "unknown ISRC listed in suspense" "GBNLR2699901" "$WORK/suspense.txt"
printf 'upc,release_title,release_artist,release_date,format,label,disc,track_no,isrc,title,artists,featured,duration\n501234000113,Low Tide,aurora-fields,2026-01-16,single,Northern Lights Records,1,9,GBNLR2699901,Low Tide (Late Remix),aurora-fields,,4:02\n' > "$WORK/newtrack.csv"
ft -l "$L" import catalog "$WORK/newtrack.csv" >/dev/null
ft -l "$L" --json rematch > "$WORK/rematch.json"
check_grep "rematch moved rows" '"moved":[1-9]' "$WORK/rematch.json"
ft -l "$L" suspense > "$WORK/suspense2.txt"
if grep -q GBNLR2699901 "$WORK/suspense2.txt"; then not_ok "rematched ISRC left suspense"; else ok "rematched ISRC left suspense"; fi
check_grep "other unknown ISRC still in suspense" "USXYZ2500123" "$WORK/suspense2.txt"
check "check passes after rematch" ft -l "$L" check

# Withdraw, then the same file imports again.
check "withdraw batch 1" ft -l "$L" withdraw 1
check_fails "withdraw twice refused" ft -l "$L" withdraw 1
check "re-import after withdraw" ft -l "$L" import report --partner north-sea --month 2026-10 "$R"
check "check passes after withdraw and re-import" ft -l "$L" check

# A partner nobody wrote a parser for: the generic format through a mapping file.
check "import through --mapping" ft -l "$L" import report --partner north-sea --mapping "$TOP/tests/data/formats/generic/partner_x.map" "$TOP/tests/data/formats/generic/partner_x.csv"
ft -l "$L" imports > "$WORK/imports2.txt"
check_grep "mapped batch takes its months from the file" "2026-07..2026-0[89]" "$WORK/imports2.txt"
# A DSR report is detected and recorded as such.
check "import a DSR report (detected)" ft -l "$L" import report --partner north-sea "$TOP/tests/data/formats/dsr/basic_audio_mrb.tsv"
ft -l "$L" --json imports > "$WORK/imports3.json"
check_grep "detected format recorded" '"format":"dsr"' "$WORK/imports3.json"
check "check passes with mapped and DSR batches" ft -l "$L" check

# Tampering is caught: change one amount behind fairtrack's back.
victim=$(sqlite3 "$L" "SELECT MIN(u.batch_id) FROM usage u JOIN import_batches b ON b.id = u.batch_id WHERE b.withdrawn_at IS NULL")
sqlite3 "$L" "UPDATE usage SET revenue = '1000000' WHERE rowid = (SELECT MIN(rowid) FROM usage WHERE batch_id = $victim)"
ft -l "$L" check > "$WORK/check.out" 2>&1; rc=$?
[ $rc = 5 ] && ok "check exits 5 on a tampered ledger" || not_ok "check exits 5 on a tampered ledger (got $rc)"
check_grep "check names the batch" "batch $victim" "$WORK/check.out"
finish
