# The label's portal pages over HTTP with curl: a report uploaded while a CLI
# import runs (both land, the ledger checks out), the same file refused, an
# upload above --max-upload refused from its length, run a period, payees,
# close with a confirmation, graceful stop; and the pages' money formatter
# (tests/browser/money.test.mjs in node).
. "$TOP/tests/integration/lib.sh"
L="$WORK/label.ledger"
R="$TOP/samples/reports/usage-2026-10.tsv"
PW="correct horse battery"
S="$TOP/samples"
ft init "$L" >/dev/null
ft -l "$L" import catalog "$S/catalog/labels.csv" "$S/catalog/artists.csv" "$S/catalog/partners.csv" "$S/catalog/tracks.csv" "$S/catalog/contributors.csv" >/dev/null
ft -l "$L" import contracts "$S/contracts" >/dev/null
ft -l "$L" import fx "$S/fx/rates-2026-q4.csv" >/dev/null
echo "$PW" | ft -l "$L" user add boss --role admin --password-stdin >/dev/null
# The same sales under other transaction ids: another file for the CLI.
sed 's/^NLR-/NLB-/' "$R" > "$WORK/other.tsv"

ft -l "$L" serve --listen 127.0.0.1:0 --max-upload nonsense > /dev/null 2>&1; rc=$?
if [ "$rc" = 2 ]; then ok "a bad --max-upload is a usage error"; else not_ok "a bad --max-upload is a usage error (got $rc)"; fi

# The pages' money formatter (ft.money in web/app.js), in node: cents,
# separators, rounding toward minus infinity as statements round.
if command -v node > /dev/null 2>&1; then
	node "$TOP/tests/browser/money.test.mjs" "$TOP/web/app.js" > "$WORK/money.out" 2>&1
	grep -q '^PASS ft.money exists' "$WORK/money.out" || echo "FAIL money.test.mjs ran: $(head -3 "$WORK/money.out")" >> "$WORK/money.out"
	while IFS= read -r line; do
		case "$line" in
		PASS\ *) ok "money: ${line#PASS }" ;;
		FAIL\ *) not_ok "money: ${line#FAIL }" ;;
		esac
	done < "$WORK/money.out"
else
	ok "# SKIP node not installed: money formatter not tested"
fi

if ! command -v curl > /dev/null 2>&1; then
	ok "# SKIP curl not installed: HTTP checks skipped"
	finish; exit $?
fi

cd "$TOP"
serve_start "serve listens" "$L" --max-upload 1048576 --upload-dir "$WORK/up"
J="$WORK/cookies"
# wait_job ID: poll until done or failed; the job's JSON in $WORK/body
wait_job() {
	for i in $(seq 1 200); do
		code -b "$J" "$U/api/imports/jobs/$1" > /dev/null
		grep -q '"state":"\(done\|failed\)"' "$WORK/body" && return 0
		sleep 0.1
	done
	return 1
}
job_id() { sed -n 's/.*"job":{"id":\([0-9]*\).*/\1/p' "$1"; }

expect "login" 200 -c "$J" -H 'Content-Type: application/json' -d "{\"username\":\"boss\",\"password\":\"$PW\"}" "$U/api/login"
csrf=$(sed -n 's/.*"csrf":"\([0-9a-f]*\)".*/\1/p' "$WORK/body")
H="X-CSRF-Token: $csrf"
OS="Content-Type: application/octet-stream"

# --- an upload and a CLI import at the same time
curl -s -o "$WORK/upload.json" -w '%{http_code}' -b "$J" -H "$H" -H "$OS" --data-binary "@$R" \
	"$U/api/imports?partner=north-sea&month=2026-10&name=usage-2026-10.tsv" > "$WORK/upload.code" &
UP=$!
ft -l "$L" import report --partner north-sea --month 2026-10 "$WORK/other.tsv" > "$WORK/import.out" 2>&1 &
IMPORT=$!
wait $UP
wait $IMPORT; rc=$?
if [ "$(cat "$WORK/upload.code")" = 202 ]; then ok "the upload is accepted as a job (202)"; else not_ok "the upload is accepted as a job (got $(cat "$WORK/upload.code"))"; sed 's/^/# /' "$WORK/upload.json"; fi
if [ "$rc" = 0 ]; then ok "the CLI import beside it succeeds"; else not_ok "the CLI import beside it succeeds (exit $rc)"; sed 's/^/# /' "$WORK/import.out"; fi
id=$(job_id "$WORK/upload.json")
check "the job finishes" wait_job "$id"
check_grep "the job imported the report" '"state":"done"' "$WORK/body"
check_grep "the job names the batch" '"batch_id":[0-9]' "$WORK/body"
check "both batches are in the ledger" sh -c '[ "$(sqlite3 "$1" "SELECT COUNT(*) FROM import_batches WHERE withdrawn_at IS NULL")" = 2 ]' _ "$L"
check "the ledger checks out" ft -l "$L" check
check "the uploaded report is kept where its batch says" sh -c 'f=$(sqlite3 "$1" "SELECT file FROM import_batches WHERE file LIKE '"'%/up/%'"'"); [ -f "$f" ] && cmp -s "$f" "$2"' _ "$L" "$R"

# --- the same file again, too big, without the token
expect "the same file again is accepted as an upload" 202 -b "$J" -H "$H" -H "$OS" --data-binary "@$R" "$U/api/imports?partner=north-sea&month=2026-10&name=again.tsv"
id=$(job_id "$WORK/body")
check "the duplicate's job finishes" wait_job "$id"
check_grep "the duplicate is refused" '"code":"duplicate"' "$WORK/body"
check_grep "the refusal names the earlier batch" 'already imported as batch' "$WORK/body"
head -c 2000000 /dev/zero > "$WORK/big.bin"
expect "an upload above --max-upload is 413" 413 -b "$J" -H "$H" -H "$OS" --data-binary "@$WORK/big.bin" "$U/api/imports?partner=north-sea&name=big.bin"
expect "an upload without the CSRF token is 403" 403 -b "$J" -H "$OS" --data-binary "@$R" "$U/api/imports?partner=north-sea&name=x.tsv"
expect "an upload as a form is 415" 415 -b "$J" -H "$H" -F "file=@$R" "$U/api/imports?partner=north-sea&name=x.tsv"
check "only the imported report is kept" sh -c '[ "$(find "$1" -type f | wc -l)" = 1 ]' _ "$WORK/up"

# --- suspense, run, payees, close
expect "re-match" 200 -b "$J" -H "$H" -H 'Content-Type: application/json' -d '{}' "$U/api/suspense/rematch"
check_grep "re-match says how many rows moved" '"moved":' "$WORK/body"
expect "run 2026-10" 200 -b "$J" -H "$H" -H 'Content-Type: application/json' -d '{}' "$U/api/periods/2026-10/run"
check_grep "the run has a summary" '"payable":"' "$WORK/body"
expect "payees of 2026-10" 200 -b "$J" "$U/api/periods/2026-10/payees"
check_grep "payees link to their statements" '"statement":"#statement/zoe-ashwood/2026-10"' "$WORK/body"
expect "close without confirming is 400" 400 -b "$J" -H "$H" -H 'Content-Type: application/json' -d '{}' "$U/api/periods/2026-10/close"
expect "close with the confirmation" 200 -b "$J" -H "$H" -H 'Content-Type: application/json' -d '{"confirm":"2026-10"}' "$U/api/periods/2026-10/close"
check_fails "the CLI cannot run a closed period" ft -l "$L" run --period 2026-10
expect "periods" 200 -b "$J" "$U/api/periods"
check_grep "the period is closed" '"closed":true' "$WORK/body"
expect "audit log" 200 -b "$J" "$U/api/audit?limit=50"
for a in import.upload import.report import.refused period.run period.close suspense.rematch; do
	check_grep "the audit log has $a" "\"action\":\"$a\"" "$WORK/body"
done

kill -TERM $SERVER
wait $SERVER; rc=$?
if [ "$rc" = 0 ]; then ok "serve exits 0 after SIGTERM"; else not_ok "serve exits 0 after SIGTERM (got $rc)"; fi
finish
