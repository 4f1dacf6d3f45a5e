# statements and verify on the sample label: the demo flow up to the run, then
# statements in all three formats, payables equal to the run's, the PDF
# renders, re-issuing is byte-identical, verify names the payee, a changed
# file is not issued.
. "$TOP/tests/integration/lib.sh"
L="$WORK/l.db"
# Under ASan: cairo 1.16 loses ~768 bytes a PDF and fontconfig keeps its
# configuration for the process's life (tests/unit/test_render_pdf.c says
# more); neither is ours, so LeakSanitizer is told for this script only.
printf 'leak:libcairo.so.2\nleak:libfontconfig.so.1\n' > "$WORK/lsan.supp"
LSAN_OPTIONS="suppressions=$WORK/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export LSAN_OPTIONS
S="$TOP/samples"
O="$WORK/out"
ft init "$L" >/dev/null
ft -l "$L" import catalog "$S"/catalog/*.csv >/dev/null
ft -l "$L" import report --partner north-sea --month 2026-10 "$S/reports/usage-2026-10.tsv" >/dev/null
ft -l "$L" import contracts "$S/contracts" >/dev/null
ft -l "$L" import fx "$S/fx/rates-2026-q4.csv" >/dev/null
ft -l "$L" import income "$S/income/north-sea-2026-10.csv" >/dev/null

check_fails "statements before any run fail" ft -l "$L" statements --period 2026-10 --out "$O"
ft -l "$L" run --period 2026-10 > "$WORK/run.out"
check_fails "an unknown format is refused" ft -l "$L" statements --period 2026-10 --out "$O" --format csv,doc
check_fails "statements needs --out" ft -l "$L" statements --period 2026-10

check "statements in csv, xlsx and pdf" ft -l "$L" statements --period 2026-10 --out "$O" --format csv,xlsx,pdf
cp "$WORK/.last" "$WORK/st1.out"
check_grep "says how many were issued" "issued 8 statements for 2026-10" "$WORK/st1.out"
Z="$O/2026-10_zoe-ashwood_ST-2026-10-wren-distribution-zoe-ashwood"
for ext in csv summary.csv xlsx pdf; do
	[ -s "$Z.$ext" ] && ok "zoe-ashwood's $ext exists" || not_ok "zoe-ashwood's $ext exists"
done
[ -s "$O/2026-10_label-summary.csv" ] && ok "label summary written" || not_ok "label summary written"
check_grep "payment file pays zoe-ashwood" "^zoe-ashwood,wren-distribution,GBP,110.19$" "$O/2026-10_label-payments.csv"
if grep -q '^aurora-fields' "$O/2026-10_label-payments.csv"; then
	not_ok "nothing is paid to an unrecouped account"
else
	ok "nothing is paid to an unrecouped account"
fi
check_grep "label summary shows the unrecouped balance" "^aurora-fields,aurora-fields-recording,GBP,.*,10878.58169366917$" "$O/2026-10_label-summary.csv"
check_grep "label summary shows what suspense holds" '^\*suspense\*,suspense:unmatched:north-sea,GBP,' "$O/2026-10_label-summary.csv"
[ ! -e "$O/2026-10_leon-dubois_ST-2026-10-nuit-blanche-profit-split-leon-dubois.pdf" ] && ok "no statement for an account without activity" || not_ok "no statement for an account without activity"

# Every statement's printed payable is the run's payable for that account.
bad=0
while IFS='	' read -r payee account _ _ _ _ _ _ payable _; do
	f="$O/2026-10_${payee}_ST-2026-10-${account}-${payee}.summary.csv"
	[ -e "$f" ] || continue
	want=$(printf '%s' "$payable" | sed 's/^\(-*[0-9]*\.[0-9][0-9]\).*/\1/')
	grep -q "^balance,payable,Payable,,,$want\$" "$f" || { bad=1; echo "# $payee $account: want $want"; grep payable "$f" | sed 's/^/# /'; }
done < "$WORK/run.out"
[ $bad = 0 ] && ok "every statement's payable equals the run's" || not_ok "every statement's payable equals the run's"
check_grep "zoe-ashwood's statement pays 110.19" "^balance,payable,Payable,,,110.19$" "$Z.summary.csv"
check_grep "non-attributable income on its own line" "non_attributable" "$Z.summary.csv"
check_grep "exchange rates listed" "^fx,USD/GBP" "$Z.summary.csv"
check_grep "contract terms in words" "^term,1,\"Contract wren-distribution" "$Z.summary.csv"
check_grep "a distribution deal states the label's fee" "^term,2,Distribution: the label keeps a fee of 20%" "$Z.summary.csv"

if command -v pdftoppm >/dev/null 2>&1; then
	check "the PDF renders (pdftoppm)" pdftoppm -r 30 -png -f 1 -l 1 "$Z.pdf" "$WORK/page"
else
	ok "the PDF renders (pdftoppm) # SKIP pdftoppm not installed"
fi
head -c 5 "$Z.pdf" > "$WORK/magic"
check_grep "the PDF is a PDF" "%PDF-" "$WORK/magic"

check "statements again" ft -l "$L" statements --period 2026-10 --out "$WORK/again"
check "re-issuing gives byte-identical files" diff -r "$O" "$WORK/again"
check "statements on one thread" ft -l "$L" statements --period 2026-10 --out "$WORK/jobs1" --jobs 1
check "statements on three threads" ft -l "$L" statements --period 2026-10 --out "$WORK/jobs3" --jobs 3
check "the files do not depend on --jobs" diff -r "$WORK/jobs1" "$WORK/jobs3"
check_fails "--jobs wants a number" ft -l "$L" statements --period 2026-10 --out "$O" --jobs two
check_grep "label summary splits the label account: receipts" '^\*label\*,receipts,GBP,' "$O/2026-10_label-summary.csv"
check_grep "label summary splits the label account: charged advances and costs" '^\*label\*,charged,GBP,,,,,16700.00,' "$O/2026-10_label-summary.csv"
check_grep "label summary: the label account's total" '^\*label\*,account,GBP,' "$O/2026-10_label-summary.csv"
check_grep "the CSV keeps the report's model and use" ',SubscriptionModel,OnDemandStream,usage,' "$Z.csv"
if command -v pdftotext >/dev/null 2>&1; then
	pdftotext "$Z.pdf" "$WORK/z.txt"
	check_grep "the PDF says the model and use in words" "subscription" "$WORK/z.txt"
else
	ok "the PDF says the model and use in words # SKIP pdftotext not installed"
fi

ft -l "$L" verify "$Z.pdf" > "$WORK/verify.out" 2>&1; rc=$?
[ $rc = 0 ] && ok "verify of an issued file exits 0" || not_ok "verify of an issued file exits 0 (got $rc)"
check_grep "verify says for whom" "issued for zoe-ashwood, account wren-distribution, period 2026-10, pdf" "$WORK/verify.out"
check "verify of the summary CSV" ft -l "$L" verify "$Z.summary.csv"
check "verify of the payment file" ft -l "$L" verify "$O/2026-10_label-payments.csv"
cp "$Z.csv" "$WORK/changed.csv"
sed 's/110\.19/999.99/' "$Z.summary.csv" > "$WORK/changed.csv"
ft -l "$L" verify "$WORK/changed.csv" > "$WORK/verify2.out" 2>&1; rc=$?
[ $rc = 6 ] && ok "verify of a changed file exits 6" || not_ok "verify of a changed file exits 6 (got $rc)"
check_grep "verify says it was not issued" "was not issued" "$WORK/verify2.out"

check "statements for one payee" ft -l "$L" statements --period 2026-10 --out "$WORK/one" --payee zoe-ashwood --format pdf
n_pdf=$(ls "$WORK/one"/*.pdf | wc -l)
[ "$n_pdf" = 1 ] && ok "--payee issues only that payee" || not_ok "--payee issues only that payee (got $n_pdf)"
check_fails "--payee of an unknown payee fails" ft -l "$L" statements --period 2026-10 --out "$WORK/none" --payee nobody
check "check still passes" ft -l "$L" check
finish
