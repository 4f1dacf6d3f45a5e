# A ledger in EUR with the sample label's contracts in GBP (docs/JOURNAL.md
# "Currencies"): init --currency, the currency command, a missing EUR→GBP
# rate named, the run's postings in two currencies, check, statements in
# GBP, the base refused to change once a run exists.
. "$TOP/tests/integration/lib.sh"
L="$WORK/l.db"
S="$TOP/samples"
O="$WORK/out"
check "init with a base currency" ft init "$L" --currency eur
check_grep "init says the base" "base currency EUR" "$WORK/.last"
check "currency shows it" ft -l "$L" currency
check_grep "currency says where it comes from" "^base currency EUR (set)$" "$WORK/.last"
ft -l "$L" import catalog "$S"/catalog/*.csv >/dev/null
ft -l "$L" import report --partner north-sea --month 2026-10 "$S/reports/usage-2026-10.tsv" >/dev/null
ft -l "$L" import contracts "$S/contracts" >/dev/null
printf 'period,from,to,rate\n2026-Q4,GBP,EUR,1.16\n2026-Q4,USD,EUR,0.92\n2026-Q4,JPY,EUR,0.0061\n' > "$WORK/to-eur.csv"
check "import rates into EUR" ft -l "$L" import fx "$WORK/to-eur.csv"

# The contracts are in GBP: the run needs EUR→GBP and names it.
ft -l "$L" run --period 2026-10 > "$WORK/norate.out" 2>&1; rc=$?
[ $rc = 6 ] && ok "a missing contract rate exits 6" || not_ok "a missing contract rate exits 6 (got $rc)"
check_grep "the missing rate is named" "EUR→GBP 2026-10" "$WORK/norate.out"

printf 'period,from,to,rate\n2026-Q4,EUR,GBP,0.8612\n' > "$WORK/eur-gbp.csv"
check "import EUR→GBP" ft -l "$L" import fx "$WORK/eur-gbp.csv"
check "run 2026-10" ft -l "$L" run --period 2026-10
cp "$WORK/.last" "$WORK/run.out"
check_grep "accounts are stated in GBP" "^zoe-ashwood	wren-distribution	.*	GBP$" "$WORK/run.out"
check "check passes on two currencies" ft -l "$L" check
ft -l "$L" explain --journal --period 2026-10 > "$WORK/journal.tsv"
check_grep "royalties leave the label in EUR" "	royalty	label	EUR	-" "$WORK/journal.tsv"
check_grep "and reach the payees in GBP" "	royalty	conversion:GBP	GBP	-" "$WORK/journal.tsv"
check_grep "the base side of the conversion" "	royalty	conversion:EUR	EUR	" "$WORK/journal.tsv"
check_grep "receipts are in EUR" "	receipt	receipts:north-sea	EUR	-" "$WORK/journal.tsv"
check "statements" ft -l "$L" statements --period 2026-10 --out "$O" --format csv
check_grep "the payment file pays in GBP" "^zoe-ashwood,wren-distribution,GBP," "$O/2026-10_label-payments.csv"
check_grep "the label's own account is in EUR" '^\*label\*,.*,EUR,' "$O/2026-10_label-summary.csv"
check_fails "the base cannot change once a run exists" ft -l "$L" currency GBP
check_grep "and says why" "the ledger has runs in EUR" "$WORK/.last"
check "setting the same base is accepted" ft -l "$L" currency EUR

# A new ledger with contracts in two currencies and no base: run says how.
L2="$WORK/l2.db"
ft init "$L2" >/dev/null
ft -l "$L2" import catalog "$S"/catalog/*.csv >/dev/null
ft -l "$L2" import contracts "$S/contracts" >/dev/null
sed 's/^currency: GBP/currency: EUR/' "$S/contracts/aurora-fields.yaml" > "$WORK/aurora-eur.yaml"
ft -l "$L2" import contracts "$WORK/aurora-eur.yaml" >/dev/null
check_fails "no base and two contract currencies" ft -l "$L2" run --period 2026-10
check_grep "the error says how to set the base" "fairtrack currency CUR" "$WORK/.last"
finish
