# browser: the portal in Debian's chromium, driven by playwright-core
# (tests/browser/portal.mjs).  Builds a demo-like ledger under WORK, creates a
# label admin and artist accounts, serves it on a free loopback port and lets
# the browser sign in as each; screenshots (desktop and phone) are kept in
# BUILD/FLAVOUR/artifacts/browser/.  Skipped (and said so) without chromium or
# node; the driver is installed from npm by tests/browser/setup.
. "$TOP/tests/integration/lib.sh"
B=$(dirname "$FAIRTRACK")
flavour=$(basename "$B")
ART="$B/artifacts/browser"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
# The server renders the downloaded PDF with cairo and pango: fontconfig's
# and cairo's own caches are never freed (as in test_statements.sh and
# tests/valgrind.supp), which LeakSanitizer would count against the server.
printf 'leak:libcairo.so.2\nleak:libfontconfig.so.1\n' > "$WORK/lsan.supp"
LSAN_OPTIONS="suppressions=$WORK/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export LSAN_OPTIONS

if [ ! -x "$CHROMIUM" ] || ! command -v node > /dev/null 2>&1; then
	ok "# SKIP no $CHROMIUM or no node (scripts/bootstrap installs both)"
	finish; exit $?
fi
if ! command -v curl > /dev/null 2>&1; then
	ok "# SKIP curl not installed"
	finish; exit $?
fi
check "playwright-core is installed from the lock file (tests/browser/setup)" "$TOP/tests/browser/setup"

# --- the ledger: the sample label's catalogue, contracts, rates and income,
# like scripts/demo; October's report is uploaded and run in the browser.
L="$WORK/label.ledger"
S="$TOP/samples"
check "the sample label's ledger" sh -c '"$1" init "$2" && "$1" -l "$2" import catalog "$3"/catalog/*.csv &&
	"$1" -l "$2" import contracts "$3/contracts" && "$1" -l "$2" import fx "$3/fx/rates-2026-q4.csv" &&
	"$1" -l "$2" import income "$3/income/north-sea-2026-10.csv"' _ "$FAIRTRACK" "$L" "$S"

# September holds one row that no run will post: the run of October in the
# browser is refused for it, and the admin posts it in that run instead.
printf 'SalesTransactionId\tISRC\tUPC\tTerritory\tCommercialModel\tUseType\tUsages\tCurrency\tRevenue\nS-1\tGBNLR2600001\t\tGB\tSubscriptionModel\tOnDemandStream\t10\tGBP\t2.50\n' > "$WORK/usage-2026-09.tsv"
check "a row of September that no run covers" "$FAIRTRACK" -l "$L" import report --partner north-sea --month 2026-09 "$WORK/usage-2026-09.tsv"

ADMIN=label.admin ADMIN_PW="label admin password"
ARTIST=zoe ARTIST_PW="zoe ashwood password"
STAFF=label.staff STAFF_PW="label staff password"
check "a label admin account" sh -c 'echo "$2" | "$FAIRTRACK" -l "$1" user add "$3" --role admin --name "Label Admin" --password-stdin' _ "$L" "$ADMIN_PW" "$ADMIN"
check "a label staff account" sh -c 'echo "$2" | "$FAIRTRACK" -l "$1" user add "$3" --role staff --name "Label Staff" --password-stdin' _ "$L" "$STAFF_PW" "$STAFF"
check "an artist account linked to zoe-ashwood, artist and payee" sh -c 'echo "$2" | "$FAIRTRACK" -l "$1" user add "$3" --role artist --name "Zoë Ashwood" --artist zoe-ashwood --payee zoe-ashwood --password-stdin' _ "$L" "$ARTIST_PW" "$ARTIST"

# --- the server
serve_start "serve listens on a free port" "$L" --web "$TOP/web" --access-log "$WORK/access.log"

# --- the browser
rm -rf "$ART"
mkdir -p "$ART"
echo "# browser test ($flavour build): screenshots in $ART"
start=$(date +%s)
FT_URL="http://127.0.0.1:$port" FT_ARTIFACTS="$ART" CHROMIUM="$CHROMIUM" \
	FT_ADMIN="$ADMIN" FT_ADMIN_PW="$ADMIN_PW" FT_STAFF="$STAFF" FT_STAFF_PW="$STAFF_PW" FT_ARTIST="$ARTIST" FT_ARTIST_PW="$ARTIST_PW" \
	FT_ARTIST_ID=zoe-ashwood FT_OTHER_ARTIST_ID=aurora-fields FT_INVITE_ARTIST_ID=haruka-mori \
	FT_ARTIST_PAYEE=zoe-ashwood FT_OTHER_PAYEE=aurora-fields FT_REPORT="$S/reports/usage-2026-10.tsv" FT_REPORT_PARTNER=north-sea \
	FT_REPORT_MONTH=2026-10 FT_PERIOD=2026-10 FT_UNRUN_MONTH=2026-09 \
	node "$TOP/tests/browser/portal.mjs" > "$WORK/browser.out" 2> "$WORK/browser.err"
rc=$?
echo "# browser steps took $(($(date +%s) - start)) s"
while IFS= read -r line; do
	case $line in
	"PASS "*) ok "${line#PASS }" ;;
	"FAIL "*) not_ok "${line#FAIL }" ;;
	*) echo "# $line" ;;
	esac
done < "$WORK/browser.out"
if [ "$rc" = 0 ]; then ok "the browser script ran to its end"; else not_ok "the browser script ran to its end (exit $rc)"; sed 's/^/# /' "$WORK/browser.err" | head -20; fi
check "screenshots were kept" sh -c 'ls "$1"/*-desktop.png "$1"/*-phone.png' _ "$ART"

# --- what the server saw
kill -TERM $SERVER
wait $SERVER; rc=$?
if [ "$rc" = 0 ]; then ok "the server stops cleanly after the browser session"; else not_ok "the server stops cleanly after the browser session (exit $rc)"; sed 's/^/# /' "$WORK/serve.err" | tail -20; fi
check "no request of the browser session was answered 5xx" sh -c '! grep -q "\"status\":5" "$1"' _ "$WORK/access.log"
check "the ledger checks out after the browser's upload and run" ft -l "$L" check
finish
