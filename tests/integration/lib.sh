# Shared helpers for integration tests (POSIX sh).  Each check prints a TAP
# line; the script's exit status is non-zero if any check failed.
#   FAIRTRACK  path to the binary under test     WORK  a scratch dir (emptied)
#   TOP        the source tree
set -u
n=0; failed=0
rm -rf "$WORK"; mkdir -p "$WORK"
ok()     { n=$((n+1)); echo "ok $n - $1"; }
not_ok() { n=$((n+1)); failed=$((failed+1)); echo "not ok $n - $1"; }
# check NAME COMMAND… : passes when the command succeeds
check() { name=$1; shift; if "$@" > "$WORK/.last" 2>&1; then ok "$name"; else not_ok "$name"; sed 's/^/# /' "$WORK/.last"; fi; }
# check_fails NAME COMMAND… : passes when the command fails
check_fails() { name=$1; shift; if "$@" > "$WORK/.last" 2>&1; then not_ok "$name"; sed 's/^/# /' "$WORK/.last"; else ok "$name"; fi; }
# check_grep NAME PATTERN FILE
check_grep() { if grep -q -- "$2" "$3"; then ok "$1"; else not_ok "$1"; echo "# '$2' not in $3:"; sed 's/^/# /' "$3" | head -20; fi; }
ft() { "$FAIRTRACK" "$@"; }
finish() { echo "1..$n"; [ "$failed" = 0 ]; }

# serve_start NAME LEDGER [SERVE-OPTIONS…]: `fairtrack serve` in the background
# on a free loopback port; SERVER is its pid, port its port, U its base URL.
# The check NAME passes once it prints the port (10 s at most, for ASan
# builds); otherwise the script ends there.
serve_start() {
	name=$1; ledger=$2; shift 2
	"$FAIRTRACK" -l "$ledger" serve --listen 127.0.0.1:0 "$@" > "$WORK/serve.out" 2> "$WORK/serve.err" &
	SERVER=$!
	port=""
	for i in $(seq 1 40); do
		port=$(sed -n 's/^listening \([0-9]*\)$/\1/p' "$WORK/serve.out")
		[ -n "$port" ] && break
		sleep 0.25
	done
	if [ -n "$port" ]; then ok "$name"; else not_ok "$name"; sed 's/^/# /' "$WORK/serve.err"; kill $SERVER; finish; exit 1; fi
	U="http://127.0.0.1:$port"
}
# code CURL-ARGS…: the HTTP status of a request; its body in $WORK/body
code() { curl -s -o "$WORK/body" -w '%{http_code}' "$@"; }
# expect NAME STATUS CURL-ARGS…: passes when the request answers STATUS
expect() {
	name=$1; want=$2; shift 2
	got=$(code "$@")
	if [ "$got" = "$want" ]; then ok "$name"; else not_ok "$name (got $got, want $want)"; sed 's/^/# /' "$WORK/body"; fi
}
