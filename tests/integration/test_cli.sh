# The CLI shell: help, version, usage errors and exit codes.
. "$TOP/tests/integration/lib.sh"
check "version prints" ft version
check "--help lists commands" sh -c '"$FAIRTRACK" --help | grep -q aggregate'
check "every command has --help" sh -c 'for c in $("$FAIRTRACK" --help | sed -n "/^commands:/,/^$/p" | awk "NR>1 && NF {print \$1}"); do "$FAIRTRACK" $c --help >/dev/null || exit 1; done'
"$FAIRTRACK" no-such-command >/dev/null 2>&1; rc=$?
[ $rc = 2 ] && ok "unknown command exits 2" || not_ok "unknown command exits 2 (got $rc)"
"$FAIRTRACK" --bogus >/dev/null 2>&1; rc=$?
[ $rc = 2 ] && ok "unknown global option exits 2" || not_ok "unknown global option exits 2 (got $rc)"
check_grep "--json version" '"version"' "$(ft --json version > "$WORK/v.json"; echo "$WORK/v.json")"
# The man page is generated from the command table; a stale one is a defect.
"$TOP/scripts/gen-man" "$FAIRTRACK" > "$WORK/fairtrack.1"
check "docs/fairtrack.1 is up to date (scripts/gen-man)" cmp "$WORK/fairtrack.1" "$TOP/docs/fairtrack.1"
finish
