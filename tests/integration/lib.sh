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
