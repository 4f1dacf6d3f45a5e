# The catalogue through the CLI: init, import the sample label, list, show, a bad file that
# changes nothing, re-import with 0 changed, export round trip, exit codes.
. "$TOP/tests/integration/lib.sh"
S="$TOP/samples/catalog"
L="$WORK/label.ledger"

check "init creates a ledger" ft init "$L"
ft init "$L" >/dev/null 2>&1; rc=$?
[ $rc = 4 ] && ok "init refuses an existing file (exit 4)" || not_ok "init refuses an existing file (exit 4, got $rc)"
ft init "postgres://localhost/label" >/dev/null 2>"$WORK/pg.err"; rc=$?
[ $rc = 2 ] && ok "postgres:// is a usage error for now" || not_ok "postgres:// exit 2 (got $rc)"
check_grep "postgres message says not built" "not built yet" "$WORK/pg.err"

check "import the sample catalogue" sh -c '"$FAIRTRACK" -l "$1" import catalog "$2"/*.csv > "$3"' _ "$L" "$S" "$WORK/import1.out"
check_grep "first import adds 25 tracks" "^track: 25 added, 0 updated, 0 unchanged" "$WORK/import1.out"
check_grep "first import adds 7 releases" "^release: 7 added" "$WORK/import1.out"
check_grep "first import adds partners" "^partner: 8 added" "$WORK/import1.out"
check_grep "first import adds release plans" "^plan: 8 added" "$WORK/import1.out"
ft -l "$L" list plans > "$WORK/plans.tsv"
check_grep "list plans, territory sets canonical" "^501234000410	soundwave	WW -CA -US	2026-02-06$" "$WORK/plans.tsv"

ft -l "$L" list tracks > "$WORK/tracks.tsv"
check_grep "list tracks has a header" "^upc	release_title	release_artist" "$WORK/tracks.tsv"
[ "$(wc -l < "$WORK/tracks.tsv")" -eq 32 ] && ok "list tracks: one line per placement (31) + header" || not_ok "list tracks line count ($(wc -l < "$WORK/tracks.tsv"))"
ft -l "$L" list artists > "$WORK/artists.tsv"
check_grep "band members listed" "Ewan McLeod; Priya Nair; Tomasz Wójcik; Hannah Byrne" "$WORK/artists.tsv"
check_grep "non-ASCII names survive" "Zoë Ashwood" "$WORK/artists.tsv"
check_grep "CJK names survive" "森 遥" "$WORK/artists.tsv"
ft -l "$L" list partners > "$WORK/partners.tsv"
check_grep "aggregator territories canonical" "soundwave	Soundwave Aggregation	aggregator	WW -CA -US	10	USD" "$WORK/partners.tsv"
ft --json -l "$L" list releases > "$WORK/releases.json"
check_grep "list --json is an array of objects" '^{"upc":"501234000113","title":"Low Tide"' "$WORK/releases.json"
check_grep "numbers are JSON numbers" '"tracks":11}' "$WORK/releases.json"
ft -l "$L" list labels --json > "$WORK/labels.json"
check_grep "--json after the kind works too" '"label":"Polar Night"' "$WORK/labels.json"
for k in releases contributors labels; do
	check "list $k" ft -l "$L" list $k
done

ft -l "$L" show track gb-nlr-26-00001 > "$WORK/show_track.txt"
check_grep "show track: key: value lines" "^title: Low Tide$" "$WORK/show_track.txt"
check_grep "show track lists every release" "5050123400039 1-2 Northern Lines" "$WORK/show_track.txt"
check_grep "show track lists contributors" "Mara Quinn (producer)" "$WORK/show_track.txt"
ft -l "$L" show release 5050123400039 > "$WORK/show_release.txt"
check_grep "show release by EAN" "^format: album$" "$WORK/show_release.txt"
ft --json -l "$L" show partner north-sea > "$WORK/show_partner.json"
check_grep "show --json is an object" '"fee_percent":15' "$WORK/show_partner.json"
check "show artist" ft -l "$L" show artist the-glass-harbour
ft -l "$L" show artist nobody >/dev/null 2>&1; rc=$?
[ $rc = 6 ] && ok "show of an unknown id exits 6" || not_ok "show unknown exits 6 (got $rc)"
ft -l "$L" show track GB-XX >/dev/null 2>&1; rc=$?
[ $rc = 1 ] && ok "show of a malformed ISRC exits 1" || not_ok "show malformed ISRC exits 1 (got $rc)"

# A bad file anywhere in the set: exit 1, the message names file:line:column, nothing changes.
for k in artists releases tracks partners labels contributors plans; do ft -l "$L" list $k; done > "$WORK/before.txt"
sed 's/^\(501234000113,Low Tide,.*\),GBNLR2600002,Low Tide (Acoustic)/\1,GBNLR2600002,Low Tide (Live)/' "$S/tracks.csv" > "$WORK/tracks-changed.csv"
printf 'isrc,name,role\nGB-AB1-26-0001,Someone,producer\n' > "$WORK/bad.csv"
ft -l "$L" import catalog "$S/artists.csv" "$WORK/tracks-changed.csv" "$WORK/bad.csv" > "$WORK/bad.out" 2> "$WORK/bad.err"; rc=$?
[ $rc = 1 ] && ok "a bad row exits 1" || not_ok "a bad row exits 1 (got $rc)"
check_grep "error names file, line and column" "bad.csv:2: column 'isrc': ISRC 'GB-AB1-26-0001': designation must be 5 digits" "$WORK/bad.err"
check_grep "says nothing was imported" "nothing was imported" "$WORK/bad.err"
for k in artists releases tracks partners labels contributors plans; do ft -l "$L" list $k; done > "$WORK/after.txt"
check "ledger unchanged after a refused import" cmp "$WORK/before.txt" "$WORK/after.txt"
ft -l "$L" --json import catalog "$WORK/bad.csv" > /dev/null 2> "$WORK/bad.json"
check_grep "--json error on stderr" '"line":2,"field":"isrc"' "$WORK/bad.json"

check "re-import the samples" sh -c '"$FAIRTRACK" -l "$1" import catalog "$2"/*.csv > "$3"' _ "$L" "$S" "$WORK/import2.out"
check_grep "re-import prints 0 changed" "^0 changed (0 added, 0 updated, 69 unchanged)" "$WORK/import2.out"

ft -l "$L" import catalog --dry-run "$WORK/tracks-changed.csv" > "$WORK/dry.out"
check_grep "--dry-run prints the change" "track GBNLR2600002: title 'Low Tide (Acoustic)' → 'Low Tide (Live)'" "$WORK/dry.out"
check_grep "--dry-run says nothing was written" "dry run, nothing was written" "$WORK/dry.out"
for k in artists releases tracks partners labels contributors plans; do ft -l "$L" list $k; done > "$WORK/after-dry.txt"
check "--dry-run leaves the ledger unchanged" cmp "$WORK/before.txt" "$WORK/after-dry.txt"
ft -l "$L" import catalog "$WORK/tracks-changed.csv" > "$WORK/update.out"
check_grep "an update prints the change" "track GBNLR2600002: title 'Low Tide (Acoustic)' → 'Low Tide (Live)'" "$WORK/update.out"
ft -l "$L" --json import catalog "$S/tracks.csv" > "$WORK/update.json"
check_grep "--json change list" '"action":"updated","entity":"track","key":"GBNLR2600002","field":"title","before":"Low Tide (Live)","after":"Low Tide (Acoustic)"' "$WORK/update.json"

check "export catalog DIR" ft -l "$L" export catalog "$WORK/export"
for f in labels artists partners tracks contributors plans; do
	[ -s "$WORK/export/$f.csv" ] && ok "export wrote $f.csv" || not_ok "export wrote $f.csv"
done
ft -l "$L" import catalog "$WORK"/export/*.csv > "$WORK/import3.out"
check_grep "export re-imports with 0 changed" "^0 changed" "$WORK/import3.out"
ft -l "$L" import catalog "$WORK/export" > "$WORK/import4.out"
check_grep "a directory imports its .csv files" "^0 changed (0 added, 0 updated, 69 unchanged)" "$WORK/import4.out"
L2="$WORK/second.ledger"
ft init "$L2" > /dev/null
ft -l "$L2" import catalog "$WORK"/export/*.csv > /dev/null
for k in artists releases tracks partners labels contributors plans; do ft -l "$L2" list $k; done > "$WORK/second.txt"
for k in artists releases tracks partners labels contributors plans; do ft -l "$L" list $k; done > "$WORK/first.txt"
check "an export imported into a new ledger lists the same" cmp "$WORK/first.txt" "$WORK/second.txt"

ft -l "$WORK/missing.ledger" list artists >/dev/null 2>&1; rc=$?
[ $rc = 3 ] && ok "a missing ledger exits 3" || not_ok "a missing ledger exits 3 (got $rc)"
printf 'not a ledger\n' > "$WORK/text.ledger"
ft -l "$WORK/text.ledger" list artists >/dev/null 2>&1; rc=$?
[ $rc = 3 ] && ok "a file that is not a ledger exits 3" || not_ok "not a ledger exits 3 (got $rc)"
if command -v sqlite3 >/dev/null 2>&1; then
	cp "$L" "$WORK/future.ledger"
	sqlite3 "$WORK/future.ledger" "INSERT INTO ft_schema VALUES (999, 'future', 'x')"
	ft -l "$WORK/future.ledger" list artists >/dev/null 2>"$WORK/future.err"; rc=$?
	[ $rc = 3 ] && ok "a newer schema exits 3" || not_ok "a newer schema exits 3 (got $rc)"
	check_grep "newer schema message" "has schema version 999, this fairtrack understands up to" "$WORK/future.err"
fi
ft list artists >/dev/null 2>&1; rc=$?
[ $rc = 2 ] && ok "list without a ledger is a usage error" || not_ok "list without ledger exits 2 (got $rc)"
ft -l "$L" list nonsense >/dev/null 2>&1; rc=$?
[ $rc = 2 ] && ok "list of an unknown kind exits 2" || not_ok "list unknown kind exits 2 (got $rc)"
finish
