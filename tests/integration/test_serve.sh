# serve and user: accounts from the CLI, the portal over HTTP with curl, a CLI
# import while the server runs, the access log, graceful stop on SIGTERM.
. "$TOP/tests/integration/lib.sh"
L="$WORK/label.ledger"
R="$TOP/samples/reports/usage-2026-10.tsv"
PW="correct horse battery"
ft init "$L" >/dev/null
S="$TOP/samples/catalog"
ft -l "$L" import catalog "$S/labels.csv" "$S/artists.csv" "$S/partners.csv" "$S/tracks.csv" "$S/contributors.csv" >/dev/null

# --- accounts from the command line
check "user add with --password-stdin" sh -c 'echo "$2" | "$FAIRTRACK" -l "$1" user add boss --role admin --password-stdin' _ "$L" "$PW"
ft -l "$L" user invite aurora --role artist --artist aurora-fields --base-url https://portal.example > "$WORK/invite.out" 2>&1
check_grep "invite prints a link with a 64-hex token" 'https://portal.example/#invite=[0-9a-f]\{64\}$' "$WORK/invite.out"
ft -l "$L" user add boss --role admin > "$WORK/dup.out" 2>&1; rc=$?
if [ "$rc" = 4 ]; then ok "adding an existing user exits 4"; else not_ok "adding an existing user exits 4 (got $rc)"; fi
ft -l "$L" user add x --role king > /dev/null 2>&1; rc=$?
if [ "$rc" = 2 ]; then ok "unknown role is a usage error"; else not_ok "unknown role is a usage error (got $rc)"; fi
check_fails "linking an unknown artist fails" ft -l "$L" user link aurora no-such-artist
ft -l "$L" user list > "$WORK/list.out"
check_grep "list shows the admin active" '^boss	admin	active' "$WORK/list.out"
check_grep "list shows the artist invited with its artist" '^aurora	artist	invited	aurora	aurora-fields' "$WORK/list.out"
check "disable" ft -l "$L" user disable aurora
ft -l "$L" user list > "$WORK/list2.out"
check_grep "list shows disabled" '^aurora	artist	disabled' "$WORK/list2.out"
check "enable" ft -l "$L" user enable aurora
echo "tooshort" | ft -l "$L" user add short --role staff --password-stdin > /dev/null 2>&1
check "a refused password leaves no account" sh -c '! "$FAIRTRACK" -l "$1" user list | grep -q "^short"' _ "$L"
check "user changes are audited" sh -c '[ "$(sqlite3 "$1" "SELECT COUNT(*) FROM audit_log WHERE actor LIKE '"'cli:%'"'")" -ge 5 ]' _ "$L"
check "no password is stored in the clear" sh -c '! sqlite3 "$1" .dump | grep -q "correct horse"' _ "$L"

# --- bad serve invocations
ft serve > /dev/null 2>&1; rc=$?
if [ "$rc" = 2 ]; then ok "serve without a ledger is a usage error"; else not_ok "serve without a ledger is a usage error (got $rc)"; fi
ft -l "$L" serve --listen nonsense > /dev/null 2>&1; rc=$?
if [ "$rc" = 2 ]; then ok "a bad --listen is a usage error"; else not_ok "a bad --listen is a usage error (got $rc)"; fi
ft -l "$L" serve --listen 127.0.0.1:0 --web "$WORK/nowhere" > /dev/null 2>&1; rc=$?
if [ "$rc" = 6 ]; then ok "a missing web root is refused"; else not_ok "a missing web root is refused (got $rc)"; fi

if ! command -v curl > /dev/null 2>&1; then
	ok "# SKIP curl not installed: HTTP checks skipped"
	finish; exit $?
fi

# --- the server
cd "$TOP"
serve_start "serve prints the port it listens on" "$L" --access-log "$WORK/access.log"
J="$WORK/cookies"

expect "the index page is served" 200 "$U/"
check_grep "the page has the sign-in form" 'id="login-form"' "$WORK/body"
expect "style.css is served" 200 "$U/style.css"
expect "app.js is served" 200 "$U/app.js"
expect "traversal is 404" 404 --path-as-is "$U/../Makefile"
expect "encoded traversal is 404" 404 --path-as-is "$U/%2e%2e/%2e%2e/etc/passwd"
expect "me without a session is 401" 401 "$U/api/me"
expect "wrong password is 401" 401 -H 'Content-Type: application/json' -d '{"username":"boss","password":"nope nope"}' "$U/api/login"
expect "login" 200 -c "$J" -H 'Content-Type: application/json' -d "{\"username\":\"boss\",\"password\":\"$PW\"}" "$U/api/login"
csrf=$(sed -n 's/.*"csrf":"\([0-9a-f]*\)".*/\1/p' "$WORK/body")
expect "me with the session" 200 -b "$J" "$U/api/me"
expect "dashboard" 200 -b "$J" "$U/api/dashboard"
n_artists=$(ft -l "$L" list artists | tail -n +2 | wc -l | tr -d ' ')
check_grep "dashboard counts the sample artists" "\"artists\":$n_artists," "$WORK/body"

# A CLI import while the server runs: both proceed, nothing lost.
ft -l "$L" import report --partner north-sea --month 2026-10 "$R" > "$WORK/import.out" 2>&1 &
IMPORT=$!
for i in 1 2 3 4 5; do
	code -b "$J" "$U/api/dashboard" > "$WORK/dash.$i"
	# a write (session, attempt, audit rows) while the import may hold the lock
	code -H 'Content-Type: application/json' -d "{\"username\":\"boss\",\"password\":\"$PW\"}" "$U/api/login" > "$WORK/login.$i"
done
wait $IMPORT; rc=$?
if [ "$rc" = 0 ]; then ok "a CLI import succeeds while the server runs"; else not_ok "a CLI import succeeds while the server runs (exit $rc)"; sed 's/^/# /' "$WORK/import.out"; fi
check "the server answered during the import" sh -c 'for f in "$1"/dash.* "$1"/login.*; do [ "$(cat "$f")" = 200 ] || exit 1; done' _ "$WORK"
check "no sign-in written during the import was lost" sh -c '[ "$(sqlite3 "$1" "SELECT COUNT(*) FROM audit_log WHERE action = '"'login.ok'"'")" = 6 ]' _ "$L"
expect "dashboard after the import" 200 -b "$J" "$U/api/dashboard"
check_grep "the dashboard sees the batch" '"active":1' "$WORK/body"
expect "imports list" 200 -b "$J" "$U/api/imports"
check_grep "the batch is listed" 'usage-2026-10.tsv' "$WORK/body"
check "the ledger checks out" ft -l "$L" check

expect "invite without CSRF is 403" 403 -b "$J" -H 'Content-Type: application/json' -d '{"username":"staff1","role":"staff"}' "$U/api/users"
expect "invite with CSRF is 201" 201 -b "$J" -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' -d '{"username":"staff1","role":"staff"}' "$U/api/users"
token=$(sed -n 's/.*"token":"\([0-9a-f]*\)".*/\1/p' "$WORK/body")
expect "the invite sets a password" 200 -H 'Content-Type: application/json' -d "{\"token\":\"$token\",\"password\":\"$PW staff\"}" "$U/api/invite/accept"
expect "staff can sign in" 200 -H 'Content-Type: application/json' -d "{\"username\":\"staff1\",\"password\":\"$PW staff\"}" "$U/api/login"
expect "audit log" 200 -b "$J" "$U/api/audit"
check_grep "the audit log has the invite acceptance" '"action":"invite.accept"' "$WORK/body"
expect "logout" 200 -b "$J" -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' -d '{}' "$U/api/logout"
expect "the session is gone" 401 -b "$J" "$U/api/me"

check_grep "the access log has JSON lines" '"path":"/api/dashboard","status":200' "$WORK/access.log"
check "the access log never holds a session id or password" sh -c '! grep -q -e "$2" -e ft_session "$1"' _ "$WORK/access.log" "$PW"

# --- graceful stop
kill -TERM $SERVER
stopped=""
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	if ! kill -0 $SERVER 2>/dev/null; then stopped=1; break; fi
	sleep 0.25
done
if [ -n "$stopped" ]; then ok "SIGTERM stops the server"; else not_ok "SIGTERM stops the server"; kill -9 $SERVER; fi
wait $SERVER; rc=$?
if [ "$rc" = 0 ]; then ok "serve exits 0 after SIGTERM"; else not_ok "serve exits 0 after SIGTERM (got $rc)"; fi
check_grep "serve says it stopped" 'stopped' "$WORK/serve.err"
finish
