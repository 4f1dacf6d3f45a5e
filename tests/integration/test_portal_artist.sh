# portal (artist): the sample label run for October 2026, accounts linked to
# payees from the CLI (user add|link|unlink --payee), then over HTTP with
# curl: the artist's statements, a statement's figures equal to the issued
# PDF's ledger figures, drill-down to the report batch, charts, downloads
# byte-identical to the files `fairtrack statements` issues (verify knows
# them) and audited, and another payee's everything is 404.
. "$TOP/tests/integration/lib.sh"
L="$WORK/label.ledger"
PW="correct horse battery"
S="$TOP/samples"
ft init "$L" >/dev/null
ft -l "$L" import catalog "$S"/catalog/*.csv >/dev/null
ft -l "$L" import report --partner north-sea --month 2026-10 "$S/reports/usage-2026-10.tsv" >/dev/null
ft -l "$L" import contracts "$S/contracts" >/dev/null
ft -l "$L" import fx "$S/fx/rates-2026-q4.csv" >/dev/null
ft -l "$L" import income "$S/income/north-sea-2026-10.csv" >/dev/null
check "the sample label runs October 2026" ft -l "$L" run --period 2026-10

# --- accounts linked to payees
check "user add --payee links a contract payee" sh -c 'echo "$2" | "$FAIRTRACK" -l "$1" user add zoe --role artist --payee zoe-ashwood --password-stdin' _ "$L" "$PW"
check "a label admin" sh -c 'echo "$2" | "$FAIRTRACK" -l "$1" user add boss --role admin --password-stdin' _ "$L" "$PW"
check_fails "an unknown payee is refused" ft -l "$L" user add nemo --role artist --payee no-such-payee
check "the refused account was not created" sh -c '! "$FAIRTRACK" -l "$1" user list | grep -q "^nemo"' _ "$L"
check "user link --payee adds a payee" ft -l "$L" user link zoe --payee mara-quinn
check "user unlink --payee removes it" ft -l "$L" user unlink zoe --payee mara-quinn
check_fails "unlinking what is not linked fails" ft -l "$L" user unlink zoe --payee mara-quinn
ft -l "$L" user list > "$WORK/users.out"
check_grep "user list shows the payees" '^zoe	artist	active	zoe		zoe-ashwood	' "$WORK/users.out"

if ! command -v curl > /dev/null 2>&1; then
	ok "# SKIP curl not installed: HTTP checks skipped"
	finish
	exit $?
fi

# --- the statements the label issues, to compare downloads with
ft -l "$L" statements --period 2026-10 --out "$WORK/issued" --payee zoe-ashwood --format pdf,csv,xlsx > /dev/null

cd "$TOP"
serve_start "serve listens" "$L" --access-log /dev/null
Z="$WORK/zoe.cookies"
expect "the artist signs in" 200 -c "$Z" -H 'Content-Type: application/json' -d "{\"username\":\"zoe\",\"password\":\"$PW\"}" "$U/api/login"
check_grep "the session lists the payee" '"payees":\["zoe-ashwood"\]' "$WORK/body"
expect "the artist's statements" 200 -b "$Z" "$U/api/statements"
check_grep "the list has the October statement" '"period":"2026-10","payee":"zoe-ashwood"' "$WORK/body"
check "and nobody else's" sh -c '! grep -q "mara-quinn\|aurora" "$1"' _ "$WORK/body"

expect "the statement" 200 -b "$Z" "$U/api/statements/zoe-ashwood/2026-10"
payable=$(sqlite3 "$L" "SELECT payable FROM run_statements WHERE payee = 'zoe-ashwood' AND period = '2026-10'")
check_grep "its payable is the run's ($payable)" "\"payable\":\"$payable\"" "$WORK/body"
check_grep "the contract terms in plain words" 'you receive 100% of its royalties' "$WORK/body"
expect "the drill-down to the report lines" 200 -b "$Z" "$U/api/statements/zoe-ashwood/2026-10/lines?territory=NL&non_attributable=0"
check_grep "names the report file" '"file":"usage-2026-10.tsv"' "$WORK/body"
check_grep "and the run's arithmetic" 'fx 0.8612 EUR' "$WORK/body"
expect "chart data" 200 -b "$Z" "$U/api/statements/zoe-ashwood/2026-10/charts"
check_grep "by territory" '"territories":\[{"key":"NL"' "$WORK/body"

for f in pdf csv xlsx; do
	got=$(curl -s -b "$Z" -D "$WORK/head.$f" -o "$WORK/dl.$f" -w '%{http_code}' "$U/api/statements/zoe-ashwood/2026-10/download/$f")
	if [ "$got" = 200 ]; then ok "download $f"; else not_ok "download $f (got $got)"; fi
	check_grep "download $f is an attachment" 'Content-Disposition: attachment; filename="2026-10_zoe-ashwood_' "$WORK/head.$f"
done
check "the downloaded PDF is the issued one, byte for byte" cmp "$WORK/dl.pdf" "$WORK/issued/2026-10_zoe-ashwood_ST-2026-10-wren-distribution-zoe-ashwood.pdf"
check "verify recognises the downloaded PDF" ft -l "$L" verify "$WORK/dl.pdf"
check "the downloaded XLSX is the issued one" cmp "$WORK/dl.xlsx" "$WORK/issued/2026-10_zoe-ashwood_ST-2026-10-wren-distribution-zoe-ashwood.xlsx"
check "downloads are in the audit log" sh -c '[ "$(sqlite3 "$1" "SELECT COUNT(*) FROM audit_log WHERE action = '"'statement.download'"' AND actor = '"'zoe'"'")" = 3 ]' _ "$L"

# --- someone else's statement: 404, and nothing of it in the body
for p in "" /lines /charts /download/pdf; do
	expect "another payee's statement$p is 404" 404 -b "$Z" "$U/api/statements/mara-quinn/2026-10$p"
	check "with nothing of it in the body$p" sh -c '! grep -q "Mara\|mara-quinn-producer\|%PDF" "$1"' _ "$WORK/body"
done
expect "a payee that does not exist is the same 404" 404 -b "$Z" "$U/api/statements/no-such-payee/2026-10"
check "no download was audited for them" sh -c '[ "$(sqlite3 "$1" "SELECT COUNT(*) FROM audit_log WHERE action = '"'statement.download'"'")" = 3 ]' _ "$L"

# --- label staff open any payee's statement
B="$WORK/boss.cookies"
expect "the label admin signs in" 200 -c "$B" -H 'Content-Type: application/json' -d "{\"username\":\"boss\",\"password\":\"$PW\"}" "$U/api/login"
expect "and opens another payee's statement" 200 -b "$B" "$U/api/statements/mara-quinn/2026-10"

kill -TERM $SERVER
wait $SERVER
finish
